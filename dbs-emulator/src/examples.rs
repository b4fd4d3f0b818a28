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
    }
    let output = serde_json::from_value(body)
        .map_err(|e| internal(format!("{}'s example does not read: {e}", I::ACTION)))?;
    answered.set(true);
    Ok(output)
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
