//! What every operation handler shares: the answer type, the success envelope every DBS answer
//! carries, and a business error with a code of the spec's common table.

use dbs_api::server::BusinessError;
use dbs_api::{CommonErrorCode, ErrorCode};

/// What a handler answers: its output, or a business error with one of its codes.
pub(crate) type Answer<O, C> = Result<O, BusinessError<C>>;

/// A business error with a code of the common table, its message, then what was wrong.
pub(crate) fn refuse<C: ErrorCode + From<CommonErrorCode>>(
    code: CommonErrorCode,
    detail: impl std::fmt::Display,
) -> BusinessError<C> {
    BusinessError::with_detail(C::from(code), detail)
}

/// A success output of `$output` with the envelope every DBS answer carries (`RequestId`,
/// `Success: true`, `HttpStatusCode: 200`) and the fields given.
macro_rules! answer {
    ($output:ty, $context:expr $(, $field:ident = $value:expr)* $(,)?) => {{
        let mut output = <$output>::default();
        output.request_id = Some($context.request_id.to_owned());
        output.success = Some(true);
        output.http_status_code = Some(200);
        $(output.$field = $value;)*
        Ok(output)
    }};
}
pub(crate) use answer;
