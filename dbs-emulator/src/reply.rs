//! What the emulator answers: Alibaba's gateway error shape, DBS's business envelope, success.

use std::borrow::Cow;

use dbs_api::CommonErrorCode;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

/// The `Content-Type` of every JSON answer, as Alibaba's gateway writes it.
const JSON: &str = "application/json;charset=utf-8";

/// The header that marks an answer as the spec's example rather than the emulator's state
/// (`x-dbs-emulator-example: true`); Alibaba's gateway never sends it.
pub const EXAMPLE_HEADER: &str = "x-dbs-emulator-example";

/// A gateway (POP) error: HTTP 4xx/5xx with `{"RequestId","HostId","Code","Message","Recommend"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GatewayError {
    pub(crate) status: u16,
    pub(crate) code: Cow<'static, str>,
    pub(crate) message: String,
    /// `x-acs-retry-after` in milliseconds, when set.
    pub(crate) retry_after_ms: Option<u64>,
}

impl GatewayError {
    /// `code` with the status and message of the spec's error table.
    pub(crate) fn of(code: CommonErrorCode) -> Self {
        Self {
            status: code.http_status(),
            code: Cow::Borrowed(code.code()),
            message: code.message().to_owned(),
            retry_after_ms: None,
        }
    }

    /// `code` with the table's message followed by `detail`, which says what was wrong.
    pub(crate) fn with_detail(code: CommonErrorCode, detail: impl std::fmt::Display) -> Self {
        let mut error = Self::of(code);
        error.message = format!("{} {detail}", error.message);
        error
    }

    /// The same code and status with a message of its own, for an answer more specific than
    /// the table's message.
    pub(crate) fn with_message(mut self, message: String) -> Self {
        self.message = message;
        self
    }

    /// `MissingParameter` naming the parameter or header.
    pub(crate) fn missing(name: &str) -> Self {
        Self::with_detail(
            CommonErrorCode::MissingParameter,
            format!("Missing: \"{name}\"."),
        )
    }

    /// `IncompleteSignature` with what is wrong.
    pub(crate) fn incomplete_signature(detail: impl std::fmt::Display) -> Self {
        Self::with_detail(CommonErrorCode::IncompleteSignature, detail)
    }

    /// `SignatureDoesNotMatch`, echoing the server's StringToSign at the end of the message the
    /// way the real gateway does (clients compare it with theirs to tell a wrong secret from an
    /// encoding bug). `note` (empty, or a sentence and a space) goes before it.
    pub(crate) fn signature_does_not_match(note: &str, string_to_sign: &str) -> Self {
        Self::with_detail(
            CommonErrorCode::SignatureDoesNotMatch,
            format!("{note}server string to sign is:{string_to_sign}"),
        )
    }
}

/// A DBS business error: `{"RequestId","Success":false,"ErrCode","ErrMessage","HttpStatusCode"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BusinessError {
    pub(crate) code: String,
    pub(crate) message: String,
    /// The body's `HttpStatusCode`; the HTTP status too when the emulator is configured so.
    pub(crate) http_status: u16,
}

impl BusinessError {
    /// `code` with the status of the spec's error table and its message followed by `detail`,
    /// which says what was wrong.
    pub(crate) fn common(code: CommonErrorCode, detail: impl std::fmt::Display) -> Self {
        Self {
            code: code.code().to_owned(),
            message: format!("{} {detail}", code.message()),
            http_status: code.http_status(),
        }
    }
}

/// The outcome of one API request.
#[derive(Debug)]
pub(crate) enum Reply {
    /// HTTP 200 with this JSON text, which carries `RequestId` and `Success: true`.
    Success(String),
    /// Like `Success`, but the text is the spec's example answer of an operation the emulator
    /// has no behaviour for: sent with [`EXAMPLE_HEADER`]`: true`.
    Example(String),
    Gateway(GatewayError),
    Business(BusinessError),
}

impl From<GatewayError> for Reply {
    fn from(e: GatewayError) -> Self {
        Reply::Gateway(e)
    }
}

impl From<BusinessError> for Reply {
    fn from(e: BusinessError) -> Self {
        Reply::Business(e)
    }
}

impl Reply {
    /// The code for logs: `Code`, `ErrCode`, or `None` on success.
    pub(crate) fn code(&self) -> Option<&str> {
        match self {
            Reply::Success(_) | Reply::Example(_) => None,
            Reply::Gateway(e) => Some(&e.code),
            Reply::Business(e) => Some(&e.code),
        }
    }

    /// The HTTP response. `host` is the request's `Host` header (the gateway's `HostId`).
    pub(crate) fn into_response(
        self,
        request_id: &str,
        host: &str,
        business_errors_http_status: bool,
    ) -> Response<Full<Bytes>> {
        match self {
            Reply::Success(body) => json_text_response(200, request_id, body),
            Reply::Example(body) => {
                let mut response = json_text_response(200, request_id, body);
                response
                    .headers_mut()
                    .insert(EXAMPLE_HEADER, HeaderValue::from_static("true"));
                response
            }
            Reply::Gateway(e) => {
                let body = GatewayBody {
                    request_id,
                    host_id: host,
                    code: &e.code,
                    message: &e.message,
                    recommend: recommend(&e.code, request_id),
                };
                let mut response = json_response(e.status, request_id, &body);
                if let Some(ms) = e.retry_after_ms {
                    response
                        .headers_mut()
                        .insert("x-acs-retry-after", HeaderValue::from(ms));
                }
                response
            }
            Reply::Business(e) => {
                let body = BusinessBody {
                    request_id,
                    success: false,
                    err_code: &e.code,
                    err_message: &e.message,
                    http_status_code: e.http_status,
                };
                let status = if business_errors_http_status {
                    e.http_status
                } else {
                    200
                };
                json_response(status, request_id, &body)
            }
        }
    }
}

/// The gateway error body, in the gateway's field order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GatewayBody<'a> {
    request_id: &'a str,
    host_id: &'a str,
    code: &'a str,
    message: &'a str,
    recommend: String,
}

/// The DBS business error body.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct BusinessBody<'a> {
    request_id: &'a str,
    success: bool,
    err_code: &'a str,
    err_message: &'a str,
    http_status_code: u16,
}

/// The troubleshooting link Alibaba's gateway adds to errors.
fn recommend(code: &str, request_id: &str) -> String {
    format!(
        "https://api.aliyun.com/troubleshoot?q={}&product=Dbs&requestId={}",
        dbs_api::encoding::percent_encode(code),
        dbs_api::encoding::percent_encode(request_id)
    )
}

/// A JSON response with `x-acs-request-id` (unless `request_id` is empty).
pub(crate) fn json_response(
    status: u16,
    request_id: &str,
    body: &impl Serialize,
) -> Response<Full<Bytes>> {
    // These bodies (strings, numbers, maps with string keys) always serialize.
    let text = serde_json::to_string(body)
        .unwrap_or_else(|_| r#"{"error":"the emulator could not write its answer"}"#.to_owned());
    json_text_response(status, request_id, text)
}

/// A response with a JSON text body and `x-acs-request-id` (unless `request_id` is empty).
pub(crate) fn json_text_response(
    status: u16,
    request_id: &str,
    text: String,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
    if let Ok(value) = HeaderValue::from_str(request_id)
        && !request_id.is_empty()
    {
        headers.insert("x-acs-request-id", value);
    }
    response
}

/// A fresh RequestId: an upper-case UUID, like `60AF7C5D-EF4D-4D48-8FD5-C0823FDF28AC`.
pub(crate) fn new_request_id() -> String {
    // From the thread's generator rather than `Uuid::new_v4` (a `getrandom` system call each):
    // one ID per request. Still a version 4 UUID: 122 random bits.
    let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    id.hyphenated()
        .encode_upper(&mut uuid::Uuid::encode_buffer())
        .to_owned()
}
