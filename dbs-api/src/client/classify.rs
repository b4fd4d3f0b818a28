//! Turning one HTTP exchange into a body or a classified failure.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::redact::Redactor;
use super::retry::{retryable_code, retryable_status};
use crate::error::{Error, ServiceError};
use crate::signing::SignedRequest;

/// A successful answer's body, kept with what error reports need.
#[derive(Debug)]
pub(crate) struct ResponseBody {
    pub bytes: Vec<u8>,
    pub status: u16,
    pub content_type: Option<String>,
    pub request_id: Option<String>,
}

impl ResponseBody {
    /// A 2xx JSON body that does not fit the operation's output.
    pub fn undecodable(&self, e: &serde_json::Error) -> Error {
        Error::UnexpectedResponse {
            status: self.status,
            content_type: self.content_type.clone(),
            snippet: format!(
                "response does not match the documented shape ({e}): {}",
                snippet(&self.bytes)
            ),
            request_id: self.request_id.clone(),
        }
    }
}

/// A failed attempt and what the retry policy needs to know about it.
#[derive(Debug)]
pub(crate) struct AttemptFailure {
    pub error: Error,
    /// Worth another attempt.
    pub retryable: bool,
    /// The service may have acted on the request (so only a token makes a replay safe).
    pub ambiguous: bool,
    /// The server's `x-acs-retry-after` hint.
    pub retry_after: Option<Duration>,
}

impl AttemptFailure {
    pub fn transport(e: reqwest::Error, timeout: Duration, attempts: u32) -> Self {
        // reqwest's Display includes the URL, whose V1 query holds the SecurityToken and Signature.
        let e = e.without_url();
        if e.is_timeout() {
            return Self {
                error: Error::Timeout {
                    after: timeout,
                    attempts,
                },
                retryable: true,
                ambiguous: true,
                retry_after: None,
            };
        }
        // A refused connection never carried the request; anything later might have.
        let sent = !e.is_connect();
        let mut message = error_chain(&e);
        if message.contains("InvalidContentType") {
            // rustls' words when an https client meets a plain-HTTP server (the emulator).
            message.push_str(" (the server seems to speak plain HTTP: use an http:// endpoint)");
        }
        let error = Error::Transport {
            message,
            sent,
            attempts,
        };
        Self {
            error,
            retryable: true,
            ambiguous: sent,
            retry_after: None,
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

const SNIPPET_BYTES: usize = 200;

fn snippet(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(SNIPPET_BYTES)]).into_owned()
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Reads a string field under either spelling the services use (`Code` / `code`).
fn field(body: &Value, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| match body.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Classifies a response: HTTP ≥ 400 with a JSON body → service error; 2xx whose body says
/// `Success: false` (or carries `ErrCode` without `Success: true`) → service error; a body that
/// is not JSON → unexpected response; otherwise the body.
pub(crate) fn classify(
    status: u16,
    headers: &HeaderMap,
    bytes: &[u8],
    signed: &SignedRequest,
    redactor: &Redactor,
    attempts: u32,
) -> Result<ResponseBody, AttemptFailure> {
    let content_type = header(headers, "content-type");
    let retry_after = header(headers, "x-acs-retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis);
    let header_request_id = header(headers, "x-acs-request-id");
    let Ok(body) = serde_json::from_slice::<Value>(bytes) else {
        let error = Error::UnexpectedResponse {
            status,
            content_type,
            snippet: redactor.redact(&snippet(bytes)),
            request_id: header_request_id,
        };
        let retryable = retryable_status(status);
        return Err(AttemptFailure {
            error,
            retryable,
            ambiguous: true,
            retry_after,
        });
    };
    let request_id = field(&body, &["RequestId", "requestId"]).or(header_request_id);
    let success = body.get("Success").and_then(|v| match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    });
    let err_code = field(&body, &["ErrCode", "ErrorCode"]);
    // Lenient like the typed output's field: `400` or `"400"`.
    let body_status = body
        .get("HttpStatusCode")
        .and_then(|v| match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .and_then(|s| u16::try_from(s).ok());
    // A gateway-style `Code` in a 2xx body (`{"Code":"Throttling"}`) is a failure too, unless it
    // is one of the values that mean success.
    let body_code = field(&body, &["Code", "code"])
        .filter(|c| !matches!(c.as_str(), "200" | "OK" | "Success" | "success"));
    let business_failure = success == Some(false)
        || (success.is_none()
            && (err_code.is_some()
                || body_code.is_some()
                || body_status.is_some_and(|s| s >= 400)));

    if status < 400 && !business_failure {
        if !(200..300).contains(&status) {
            let error = Error::UnexpectedResponse {
                status,
                content_type,
                snippet: redactor.redact(&snippet(bytes)),
                request_id,
            };
            return Err(AttemptFailure {
                error,
                retryable: false,
                ambiguous: true,
                retry_after,
            });
        }
        return Ok(ResponseBody {
            bytes: bytes.to_vec(),
            status,
            content_type,
            request_id,
        });
    }

    let (code, message, http_status) = if status >= 400 {
        let code = field(&body, &["Code", "code"])
            .or(err_code)
            .unwrap_or_else(|| format!("HTTP{status}"));
        let message = field(&body, &["Message", "message", "ErrMessage"]).unwrap_or_default();
        (code, message, status)
    } else {
        let code = err_code
            .or(body_code)
            .unwrap_or_else(|| "UnknownError".to_owned());
        let message = field(&body, &["ErrMessage", "Message"]).unwrap_or_default();
        (
            code,
            message,
            body_status.filter(|s| *s >= 400).unwrap_or(status),
        )
    };
    let (message, diagnosis) = diagnose_signature(&code, message, signed);
    let message = redactor.redact(&message);
    let retryable = retryable_code(&code) || retryable_status(http_status);
    // Throttling and "still processing" are refusals: the request was not acted on.
    let ambiguous = !(code.starts_with("Throttling") || code == "IdempotentProcessing");
    let error = Error::Service(Box::new(ServiceError {
        code,
        message,
        request_id,
        http_status,
        host_id: field(&body, &["HostId"]),
        recommend: field(&body, &["Recommend"]),
        diagnosis,
        attempts,
    }));
    Err(AttemptFailure {
        error,
        retryable,
        ambiguous,
        retry_after,
    })
}

const ECHO_MARKER: &str = "string to sign is:";

/// For `SignatureDoesNotMatch`, compares the server's echoed StringToSign with ours and says
/// which side differs; the echo itself (which holds every parameter) is cut from the message.
fn diagnose_signature(
    code: &str,
    message: String,
    signed: &SignedRequest,
) -> (String, Option<String>) {
    let Some(at) = message.find(ECHO_MARKER) else {
        let diagnosis = (code == "SignatureDoesNotMatch").then(|| {
            "the server did not echo its StringToSign; check the AccessKeySecret first".to_owned()
        });
        return (message, diagnosis);
    };
    let server = message[at + ECHO_MARKER.len()..].trim();
    let ours = signed.string_to_sign.as_str();
    let diagnosis = if server == ours {
        "the server's StringToSign equals ours, so the AccessKeySecret is wrong".to_owned()
    } else {
        let first = server
            .bytes()
            .zip(ours.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(server.len().min(ours.len()));
        format!(
            "the server's StringToSign differs from ours at byte {first}: the canonical text differs \
             (an encoding or parameter mismatch), not the secret"
        )
    };
    let redacted = format!("{}{ECHO_MARKER} [redacted]", &message[..at]);
    (redacted, Some(diagnosis))
}
