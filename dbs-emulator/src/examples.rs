//! Answers for operations the emulator has no behaviour for: the spec's example response (the
//! official metadata's success example) with the request's own RequestId, marked by
//! [`EXAMPLE_HEADER`](crate::EXAMPLE_HEADER). One generic function serves them all, so giving
//! an operation behaviour is replacing its line in [`example_answers!`] by a handler.

use std::cell::Cell;

use dbs_api::server::{BusinessError, RequestContext};
use dbs_api::{CommonErrorCode, Operation};

/// The spec's example answer of the operation whose input is `I`, with `context`'s RequestId.
/// `answered` is set when the answer is the example, so the reply can be marked as one.
pub(crate) fn example<I: Operation>(
    context: &RequestContext<'_>,
    answered: &Cell<bool>,
) -> Result<I::Output, BusinessError<I::ErrorCode>>
where
    I::ErrorCode: From<CommonErrorCode>,
{
    let internal = |detail: String| {
        BusinessError::with_detail(I::ErrorCode::from(CommonErrorCode::InternalError), detail)
    };
    let text = dbs_api::operation(I::ACTION)
        .and_then(|op| op.example_response())
        .ok_or_else(|| internal(format!("{} has no example answer in the spec.", I::ACTION)))?;
    let mut body: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| internal(format!("{}'s example is not JSON: {e}", I::ACTION)))?;
    if let Some(object) = body.as_object_mut() {
        object.insert("RequestId".to_owned(), context.request_id.into());
        drop_error_filler(object);
    }
    let output = serde_json::from_value(body)
        .map_err(|e| internal(format!("{}'s example does not read: {e}", I::ACTION)))?;
    answered.set(true);
    Ok(output)
}

/// The metadata's success examples carry filler error fields next to `Success: true`
/// (an `ErrCode` and `ErrMessage`, and `DescribeRegions` even `"HttpStatusCode": 400`); the API
/// reference says not to infer anything from them (dbs-2019-03-06.md §4.2). An answer with them
/// reads like a failure, so a success drops `ErrCode` and `ErrMessage` and says HTTP 200.
fn drop_error_filler(object: &mut serde_json::Map<String, serde_json::Value>) {
    let success = match object.get("Success") {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    if !success {
        return;
    }
    object.remove("ErrCode");
    object.remove("ErrMessage");
    if object.contains_key("HttpStatusCode") {
        object.insert("HttpStatusCode".to_owned(), 200.into());
    }
}

/// Handler methods that answer the spec's example: `name: Input => Output, ErrorCode;`. The
/// type implementing the handler has a field `answered_by_example: Cell<bool>`.
macro_rules! example_answers {
    ($($method:ident: $input:ident => $output:ident, $code:ident;)*) => {
        $(
            fn $method(
                &self,
                _input: dbs_api::$input,
                context: &RequestContext<'_>,
            ) -> Result<dbs_api::$output, dbs_api::server::BusinessError<dbs_api::$code>> {
                crate::examples::example::<dbs_api::$input>(context, &self.answered_by_example)
            }
        )*
    };
}
pub(crate) use example_answers;

#[cfg(test)]
mod tests {
    use super::drop_error_filler;

    fn object(text: &str) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(map)) => map,
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn a_success_example_loses_its_filler_error_fields() {
        // DescribeRegions' official example: `Success: true` beside an error code, a message and
        // HTTP 400.
        let example = dbs_api::operation("DescribeRegions")
            .and_then(|op| op.example_response())
            .map(object)
            .unwrap_or_default();
        assert_eq!(example["HttpStatusCode"], 400);
        assert!(example["ErrCode"].is_string());
        let mut answer = example.clone();
        drop_error_filler(&mut answer);
        assert_eq!(answer["HttpStatusCode"], 200);
        assert!(!answer.contains_key("ErrCode") && !answer.contains_key("ErrMessage"));
        assert_eq!(answer["Regions"], example["Regions"]);
    }

    #[test]
    fn only_a_success_is_cleaned() {
        let failure = r#"{"Success": false, "ErrCode": "Made.Up", "HttpStatusCode": 400}"#;
        let mut answer = object(failure);
        drop_error_filler(&mut answer);
        assert_eq!(answer, object(failure));
        // InitializeDbsServiceLinkedRole's `Success` is a string.
        let mut answer = object(r#"{"Success": "true", "ErrCode": "X"}"#);
        drop_error_filler(&mut answer);
        assert!(!answer.contains_key("ErrCode"));
    }
}
