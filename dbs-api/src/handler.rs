//! The server side of an operation, for code that answers DBS requests (the emulator): the
//! context a handler is called with, its typed business error, and the shared step every
//! generated dispatch arm takes (parse and check the input, call the handler, write the answer).
//! The generated `server` module (feature `server`) holds the handler trait and `dispatch`.

use std::fmt;

use serde::Serialize;

use crate::error_code::ErrorCode;
use crate::validation::ValidationError;
use crate::{CommonErrorCode, ValidationContext};

/// Who is calling and which request this is.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct RequestContext<'a> {
    /// The RequestId the answer carries.
    pub request_id: &'a str,
    /// The AccessKeyId the gateway authenticated.
    pub access_key_id: &'a str,
}

impl<'a> RequestContext<'a> {
    /// A context for one authenticated request.
    pub fn new(request_id: &'a str, access_key_id: &'a str) -> Self {
        Self {
            request_id,
            access_key_id,
        }
    }
}

/// A business error an operation's handler answers with: one of the operation's codes (its own
/// or a common one) and the message to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessError<C> {
    /// The code.
    pub code: C,
    /// The message, as sent in `ErrMessage`.
    pub message: String,
}

impl<C: ErrorCode> BusinessError<C> {
    /// The code with the spec table's message followed by `detail`, which says what was wrong.
    pub fn with_detail(code: C, detail: impl fmt::Display) -> Self {
        let message = match code.message() {
            Some(table) => format!("{table} {detail}"),
            None => detail.to_string(),
        };
        Self { code, message }
    }

    /// The code with a message of its own.
    pub fn with_message(code: C, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The HTTP status of the code in the spec's table; 400 for an undocumented code.
    pub fn http_status(&self) -> u16 {
        self.code.http_status().unwrap_or(400)
    }

    /// The error with its code as text, whatever the operation.
    pub fn erase(self) -> DispatchError {
        DispatchError {
            http_status: self.http_status(),
            code: self.code.code().to_owned(),
            message: self.message,
        }
    }
}

/// A business error of any operation, as [`dispatch`](crate::server::dispatch) returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DispatchError {
    /// The code, as sent in `ErrCode`.
    pub code: String,
    /// The message, as sent in `ErrMessage`.
    pub message: String,
    /// The HTTP status the spec's table gives the code (the body's `HttpStatusCode`).
    pub http_status: u16,
}

/// One dispatch arm: the parsed input (with what did not parse) is checked against the rules
/// that need no context, handed to `handle`, and its output written as JSON. Rules that need a
/// context fact are the handler's to check, since only it knows the fact.
pub fn serve<I, O, C>(
    (input, parsed): (I, Result<(), ValidationError>),
    handle: impl FnOnce(I) -> Result<O, BusinessError<C>>,
) -> Result<String, DispatchError>
where
    I: crate::Operation,
    O: Serialize,
    C: ErrorCode,
{
    // Parse errors and context-free rules together, so a request missing a parameter is told.
    ValidationError::combine(parsed, input.validate(&ValidationContext::new()))
        .map_err(|e| invalid_parameter(&e).erase())?;
    let output = handle(input).map_err(BusinessError::erase)?;
    serde_json::to_string(&output).map_err(|e| {
        BusinessError::with_detail(
            CommonErrorCode::InternalError,
            format!("The answer could not be written: {e}"),
        )
        .erase()
    })
}

/// `InvalidParameter` with every violation: parameter, rule and reference. The validator's text
/// already says what is wrong, so it is the whole message.
fn invalid_parameter(e: &ValidationError) -> BusinessError<CommonErrorCode> {
    BusinessError::with_message(CommonErrorCode::InvalidParameter, e.to_string())
}

/// The wire pairs as the generated parsers read them.
pub fn pairs(params: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    params.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}
