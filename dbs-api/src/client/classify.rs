//! Turning one HTTP exchange into an answer or a classified failure.
//!
//! Every string that comes from the server (code, message, RequestId, HostId, Recommend, content
//! type, body snippets, decoding errors) passes through the call's [`Redactor`] before it can
//! reach an error or a log: a server may echo the request, password included.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use serde_json::Value;
use time::OffsetDateTime;

use super::clock::{ClockSkew, retry_after};
use super::redact::{LazyRedactor, Redactor};
use super::retry::retryable_status;
use crate::CommonErrorCode;
use crate::error::{Error, ServiceError};
use crate::error_code::same_family;
use crate::signing::SignedRequest;
use crate::wire::de;

/// The most of a response body the client reads. DBS answers are a few KB; anything larger is
/// not an answer, and reading it whole would let a broken server exhaust memory.
pub const MAX_RESPONSE_BYTES: usize = 10 * 1024 * 1024;

/// The most JSON structure marks (`{`, `[`, `,` and `:` outside strings) a response body may
/// hold. A page of the largest list answer (100 items of about 40 fields) has under 10,000; a
/// 10 MB body of `{},{},…` has over 6 million, and decodes into over 3 million structures of
/// about 500 bytes each: 1.8 GB from a body under the byte limit. Counting the marks first,
/// without parsing, keeps what an answer can cost in proportion to a real one.
pub const MAX_RESPONSE_JSON_MARKS: usize = 200_000;

const SNIPPET_BYTES: usize = 200;

/// What the server sent: status, headers and at most [`MAX_RESPONSE_BYTES`] of body.
#[derive(Debug)]
pub(crate) struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    too_large: bool,
}

impl Reply {
    /// Reads the body in chunks, stopping at the limit.
    pub async fn read(mut response: reqwest::Response) -> Result<Self, reqwest::Error> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let declared = response.content_length().unwrap_or(0);
        let mut body = Vec::new();
        let mut too_large = declared > MAX_RESPONSE_BYTES as u64;
        while !too_large && let Some(chunk) = response.chunk().await? {
            too_large = body.len() + chunk.len() > MAX_RESPONSE_BYTES;
            if !too_large {
                body.extend_from_slice(&chunk);
            }
        }
        Ok(Self {
            status,
            headers,
            body,
            too_large,
        })
    }
}

/// A successful answer: the JSON object of a 2xx response that is not an error.
///
/// `content_type` and `request_id` are the server's text as it came: redact them before they
/// reach an error or a log ([`Answer::redacted_request_id`]), so a call that succeeds never
/// builds its redactor.
#[derive(Debug)]
pub(crate) struct Answer {
    pub body: Value,
    pub status: u16,
    pub content_type: Option<String>,
    pub request_id: Option<String>,
}

impl Answer {
    /// The answer does not fit the operation's output.
    /// The RequestId, fit for an error or a log.
    pub fn redacted_request_id(&self, redactor: &Redactor) -> Option<String> {
        self.request_id
            .as_deref()
            .map(|id| capped(redactor.redact(id)))
    }

    pub fn undecodable(&self, e: &serde_json::Error, redactor: &Redactor) -> Error {
        // serde's message can quote a value; the body may echo the request. The lenient
        // readers quote the whole offending value, which may be most of a 10 MB body: cut
        // the message as a snippet is.
        let text = self.body.to_string();
        let message = e.to_string();
        let mut reason = redactor.redact_prefix(&message, SNIPPET_BYTES);
        if message.chars().count() > SNIPPET_BYTES {
            reason.push('…');
        }
        Error::UnexpectedResponse {
            status: self.status,
            content_type: self.content_type.as_deref().map(|t| redactor.redact(t)),
            snippet: format!(
                "response does not match the documented shape ({reason}): {}",
                snippet(text.as_bytes(), redactor)
            ),
            request_id: self.redacted_request_id(redactor),
            retry_after: None,
            client_token: None,
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
}

impl AttemptFailure {
    pub fn transport(e: reqwest::Error, timeout: Duration, attempts: u32) -> Self {
        // reqwest's Display includes the URL, whose V1 query holds the SecurityToken and Signature.
        let e = e.without_url();
        // A connection that never opened (refused, or timed out while connecting) carried
        // nothing: checked before the timeout case so a connect timeout is not "maybe sent".
        if e.is_timeout() && !e.is_connect() {
            return Self {
                error: Error::Timeout {
                    after: timeout,
                    attempts,
                    client_token: None,
                },
                retryable: true,
                ambiguous: true,
            };
        }
        // A request that could not be built (a header value that cannot be sent) never left:
        // not sent, and the same request fails the same way on a retry.
        if e.is_builder() {
            return Self {
                error: Error::Transport {
                    message: error_chain(&e),
                    sent: false,
                    attempts,
                    client_token: None,
                },
                retryable: false,
                ambiguous: false,
            };
        }
        let sent = !e.is_connect();
        let mut message = error_chain(&e);
        if message.contains("InvalidContentType") {
            // rustls' words when an https client meets a plain-HTTP server (the emulator).
            message.push_str(" (the server seems to speak plain HTTP: use an http:// endpoint)");
        }
        // A certificate the client will not trust is not going to change on a retry.
        let retryable = !message.contains("certificate");
        Self {
            error: Error::Transport {
                message,
                sent,
                attempts,
                client_token: None,
            },
            retryable,
            ambiguous: sent,
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

/// The first characters of a body, lossily decoded, secrets removed before cutting (so a secret
/// that straddles the cut cannot leave a readable prefix).
fn snippet(bytes: &[u8], redactor: &Redactor) -> String {
    redactor.redact_prefix(&String::from_utf8_lossy(bytes), SNIPPET_BYTES)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name)?.to_str().ok()
}

/// A field as [`field`] reads it, before redaction: for decisions, and for an answer that
/// keeps the server's text (see [`Answer`]).
fn raw_field(body: &Value, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| match body.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Reads a string field under either spelling the services use (`Code` / `code`), cut as a
/// message is (a RequestId or HostId is a few dozen characters; a huge one is no answer).
fn field(body: &Value, names: &[&str], redactor: &Redactor) -> Option<String> {
    names.iter().find_map(|name| match body.get(name)? {
        Value::String(s) if !s.is_empty() => Some(capped(redactor.redact(s))),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// The server's message under the first of `names` present, redacted: a string as it is,
/// anything else (a number, an object) as its JSON text, so a message of an odd type is not
/// lost.
fn message_field(body: &Value, names: &[&str], redactor: &Redactor) -> Option<String> {
    names.iter().find_map(|name| match body.get(name)? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(redactor.redact(s)),
        other => Some(redactor.redact(&other.to_string())),
    })
}

/// Cuts a message (already redacted) at [`ServiceError::MAX_MESSAGE_CHARS`], noting how much
/// was cut.
fn capped(message: String) -> String {
    let limit = ServiceError::MAX_MESSAGE_CHARS;
    let total = message.chars().count();
    if total <= limit {
        return message;
    }
    let kept: String = message.chars().take(limit).collect();
    format!("{kept}… [{} more characters cut]", total - limit)
}

/// Classifies a reply: HTTP ≥ 400 with a JSON body → service error; 2xx whose body says
/// `Success: false` (or carries `ErrCode`, or a gateway `Code`, without `Success: true`) →
/// service error; a body that is not a JSON object, or is larger than the limit → unexpected
/// response; otherwise the answer.
pub(crate) fn classify(
    reply: Reply,
    signed: &SignedRequest,
    lazy: &LazyRedactor<'_>,
    attempts: u32,
    retryable_code: fn(&str) -> bool,
) -> Result<Answer, Box<AttemptFailure>> {
    let status = reply.status;
    let content_type = header(&reply.headers, "content-type");
    let retry_after = requested_wait(&reply.headers);
    // Server text reaches an error redacted; the redactor is built on the first such use.
    let redacted = |text: Option<&str>| text.map(|t| lazy.get().redact(t));
    let header_request_id = || redacted(header(&reply.headers, "x-acs-request-id"));
    let unexpected =
        |snippet: String, request_id: Option<String>, retryable: bool| AttemptFailure {
            error: Error::UnexpectedResponse {
                status,
                content_type: redacted(content_type),
                snippet,
                request_id,
                retry_after,
                client_token: None,
            },
            retryable,
            // 429 Too Many Requests is a refusal, whatever its body.
            ambiguous: status != 429,
        };
    if reply.too_large {
        let text = format!("the response body is larger than {MAX_RESPONSE_BYTES} bytes; not read");
        return Err(Box::new(unexpected(text, header_request_id(), false)));
    }
    if too_many_marks(&reply.body) {
        let text = format!(
            "the response body holds more than {MAX_RESPONSE_JSON_MARKS} JSON values; not read"
        );
        return Err(Box::new(unexpected(text, header_request_id(), false)));
    }
    let body = match serde_json::from_slice::<Value>(&reply.body) {
        Ok(body @ Value::Object(_)) => body,
        _ => {
            let text = snippet(&reply.body, lazy.get());
            return Err(Box::new(unexpected(
                text,
                header_request_id(),
                retryable_status(status),
            )));
        }
    };
    // Decided on the server's own text; what an error shows is redacted below.
    let success_codes = |c: &String| !matches!(c.as_str(), "200" | "OK" | "Success" | "success");
    // Read as the typed output reads them, so the two never disagree about success.
    let success = body
        .get("Success")
        .and_then(|v| de::boolean(v).ok().flatten());
    let body_status = body
        .get("HttpStatusCode")
        .and_then(|v| de::int64(v).ok().flatten())
        .and_then(|s| u16::try_from(s).ok());
    // A gateway-style `Code` in a 2xx body (a throttling code in a 200 answer) is a failure too,
    // unless it is one of the values that mean success.
    let business_failure = success == Some(false)
        || (success.is_none()
            && (raw_field(&body, &["ErrCode", "ErrorCode"]).is_some()
                || raw_field(&body, &["Code", "code"])
                    .filter(success_codes)
                    .is_some()
                || body_status.is_some_and(|s| s >= 400)));

    if status < 400 && !business_failure && (200..300).contains(&status) {
        let request_id = raw_field(&body, &["RequestId", "requestId"])
            .or_else(|| header(&reply.headers, "x-acs-request-id").map(str::to_owned));
        return Ok(Answer {
            body,
            status,
            content_type: content_type.map(str::to_owned),
            request_id,
        });
    }
    let redactor = lazy.get();
    let request_id = field(&body, &["RequestId", "requestId"], redactor).or_else(header_request_id);
    if status < 400 && !business_failure {
        let text = snippet(&reply.body, redactor);
        return Err(Box::new(unexpected(text, request_id, false)));
    }
    let err_code = field(&body, &["ErrCode", "ErrorCode"], redactor);
    let body_code = field(&body, &["Code", "code"], redactor).filter(success_codes);

    let (code, message, http_status) = if status >= 400 {
        let code = body_code
            .or(err_code)
            .unwrap_or_else(|| format!("HTTP{status}"));
        let message = message_field(&body, &["Message", "message", "ErrMessage"], redactor)
            .unwrap_or_default();
        (code, message, status)
    } else {
        let code = err_code
            .or(body_code)
            .unwrap_or_else(|| "UnknownError".to_owned());
        let message =
            message_field(&body, &["ErrMessage", "Message"], redactor).unwrap_or_default();
        (
            code,
            message,
            body_status.filter(|s| *s >= 400).unwrap_or(status),
        )
    };
    let (message, diagnosis) = diagnose_signature(&code, message, signed, redactor);
    // Cut after the diagnosis, which reads the whole echo.
    let message = capped(message);
    // The service checks the timestamp against its own clock: a retry signed by the same clock
    // fails the same way, so the error says how far off the clock is instead.
    // Codes are matched by family without regard to case (see `same_family`).
    let clock_skew =
        same_family(&code, CommonErrorCode::InvalidTimeStampExpired.code()).then(|| {
            let date = reply.headers.get("date").and_then(|v| v.to_str().ok());
            ClockSkew::measure(date, OffsetDateTime::now_utc())
        });
    let retryable =
        clock_skew.is_none() && (retryable_code(&code) || retryable_status(http_status));
    // Throttling and client errors are refusals: the request was not acted on. A server error
    // (5xx) may come after the work was done (a lost answer), and `IdempotentProcessing` says
    // a request with this token is being acted on (a token makes its replay safe anyway). A
    // server-side failure code (one the table gives a 5xx status) says the same as a 5xx,
    // whatever the HTTP status it came with.
    let common = CommonErrorCode::from_code(&code);
    let processing = common == Some(CommonErrorCode::IdempotentProcessing);
    let server_failure = common.is_some_and(|c| c.http_status() >= 500);
    let throttled = same_family(&code, CommonErrorCode::Throttling.code());
    let refused = !processing && !server_failure && (throttled || http_status < 500);
    let ambiguous = !refused;
    let error = Error::Service(Box::new(ServiceError {
        code,
        message,
        request_id,
        http_status,
        host_id: field(&body, &["HostId"], redactor),
        recommend: field(&body, &["Recommend"], redactor),
        diagnosis,
        attempts,
        retry_after,
        clock_skew,
        client_token: None,
    }));
    Err(Box::new(AttemptFailure {
        error,
        retryable,
        ambiguous,
    }))
}

/// Whether `body` holds more than [`MAX_RESPONSE_JSON_MARKS`] structure marks outside strings:
/// each `{`, `[`, `,` and `:` opens or separates a value. Reads the bytes once, parses nothing.
fn too_many_marks(body: &[u8]) -> bool {
    let (mut marks, mut in_string, mut escaped) = (0_usize, false, false);
    for &byte in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if byte == b'"' {
            in_string = true;
        } else if matches!(byte, b'{' | b'[' | b',' | b':') {
            marks += 1;
            if marks > MAX_RESPONSE_JSON_MARKS {
                return true;
            }
        }
    }
    false
}

/// The wait the server asked for: `x-acs-retry-after` in milliseconds (Alibaba's), else the
/// standard `Retry-After` in seconds or as an HTTP-date. A zero wait is no request.
fn requested_wait(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let acs = text("x-acs-retry-after")
        .and_then(retry_after_millis)
        .map(Duration::from_millis);
    acs.or_else(|| retry_after(text("retry-after")?, SystemTime::now()))
        .filter(|wait| !wait.is_zero())
}

/// An `x-acs-retry-after` value in milliseconds; a number too large for a `u64` is still "a
/// very long time" (the longest wait there is), not an unreadable header.
fn retry_after_millis(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

const ECHO_MARKER: &str = "string to sign is:";

/// For `SignatureDoesNotMatch`, compares the server's echoed StringToSign with ours and says
/// which side differs; the echo itself (which holds every parameter) is cut from the message.
/// `message` is already redacted, so the comparison redacts ours the same way.
fn diagnose_signature(
    code: &str,
    message: String,
    signed: &SignedRequest,
    redactor: &Redactor,
) -> (String, Option<String>) {
    let Some(at) = message.find(ECHO_MARKER) else {
        let diagnosis = (CommonErrorCode::from_code(code)
            == Some(CommonErrorCode::SignatureDoesNotMatch))
        .then(|| {
            "the server did not echo its StringToSign; check the AccessKeySecret first".to_owned()
        });
        return (message, diagnosis);
    };
    let server = message[at + ECHO_MARKER.len()..].trim();
    let ours = redactor.redact(signed.string_to_sign.as_str());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_inside_strings_and_after_escaped_quotes_do_not_count() {
        let limit = MAX_RESPONSE_JSON_MARKS;
        // Exactly the limit outside strings: `[` and limit - 1 commas.
        let at_limit = format!("[{}0]", "0,".repeat(limit - 1));
        assert!(!too_many_marks(at_limit.as_bytes()));
        let over = format!("[{}0]", "0,".repeat(limit));
        assert!(too_many_marks(over.as_bytes()));
        // Inside a string, after an escaped quote and an escaped backslash, nothing counts.
        let text = format!(r#"{{"a":"\"{}\\","b":1}}"#, ",:[{".repeat(limit));
        assert!(!too_many_marks(text.as_bytes()));
        // A string closed after an escaped backslash: what follows counts again.
        let after = format!(r#"["\\",{}0]"#, "0,".repeat(limit));
        assert!(too_many_marks(after.as_bytes()));
    }
}
