//! What the network providers share: an HTTP client with their timeouts, a bounded read of the
//! answer, and the reading of temporary credentials out of it.

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use super::Credentials;
use crate::client::{Redactor, USER_AGENT};

/// The most of an answer a credentials service may send, in bytes. Real answers (STS, the
/// metadata service, a credentials URI) are under 4 KiB; anything larger is not an answer.
pub const MAX_CREDENTIALS_ANSWER_BYTES: usize = 64 * 1024;

/// An HTTP client for a credentials service: no redirects (a redirect would send a signed
/// request or a token elsewhere), the given timeouts, optionally no proxy (the metadata
/// service is on the instance's own network).
pub(crate) fn http_client(
    connect_timeout: Duration,
    timeout: Duration,
    proxy: bool,
) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none());
    if !proxy {
        builder = builder.no_proxy();
    }
    builder
        .build()
        .map_err(|e| format!("cannot create the HTTP client: {e}"))
}

/// A status and at most [`MAX_CREDENTIALS_ANSWER_BYTES`] of body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why a credentials service gave no usable answer (never holds a secret).
#[derive(Debug)]
pub(crate) enum FetchError {
    /// Nothing came back: refused, reset, timed out, not HTTP.
    Transport(String),
    /// The body was larger than [`MAX_CREDENTIALS_ANSWER_BYTES`].
    TooLarge { status: u16 },
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(reason) => f.write_str(reason),
            Self::TooLarge { status } => write!(
                f,
                "the answer (HTTP {status}) is larger than {MAX_CREDENTIALS_ANSWER_BYTES} bytes; \
                 not read"
            ),
        }
    }
}

/// Sends `request` and reads the answer, stopping at the size limit.
pub(crate) async fn fetch(request: reqwest::RequestBuilder) -> Result<Answer, FetchError> {
    let mut response = request.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    if response
        .content_length()
        .is_some_and(|n| n > MAX_CREDENTIALS_ANSWER_BYTES as u64)
    {
        return Err(FetchError::TooLarge { status });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_CREDENTIALS_ANSWER_BYTES {
            return Err(FetchError::TooLarge { status });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer { status, body })
}

/// A transport error as one line: reqwest's chain of causes says what failed (refused,
/// timed out). The URL is dropped: a V1 AssumeRole carries the source SecurityToken and the
/// Signature in its query, and a credentials URI may carry an agent's key in its own.
fn transport(error: reqwest::Error) -> FetchError {
    let error = error.without_url();
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else {
        error.to_string()
    };
    let mut cause = std::error::Error::source(&error);
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    FetchError::Transport(text)
}

/// Parses an `Expiration` such as `2026-12-07T10:00:00Z` (RFC 3339, UTC).
pub(crate) fn parse_expiration(text: &str) -> Option<SystemTime> {
    let parsed =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(parsed.into())
}

/// Reads temporary credentials from `fields` (the `Credentials` object of an STS answer, or
/// the whole answer of the metadata service or a credentials URI): `AccessKeyId`,
/// `AccessKeySecret`, `SecurityToken` and `Expiration`, all strings. The error names the
/// missing or malformed field, never a value.
pub(crate) fn temporary_credentials(fields: &Map<String, Value>) -> Result<Credentials, String> {
    let text = |name: &str| match fields.get(name) {
        Some(Value::String(value)) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(format!("no {name}")),
        Some(_) => Err(format!("{name} is not a string")),
    };
    let expiration_text = text("Expiration")?;
    let expiration = parse_expiration(&expiration_text).ok_or_else(|| {
        // Quoted briefly: a hostile service may send kilobytes here.
        let mut shown: String = expiration_text
            .chars()
            .take(EXPIRATION_SHOWN_CHARS)
            .collect();
        if shown.len() < expiration_text.len() {
            shown.push('…');
        }
        format!("Expiration {shown:?} is not a time such as 2026-12-07T10:00:00Z")
    })?;
    let credentials = Credentials::new(text("AccessKeyId")?, text("AccessKeySecret")?)
        .with_security_token(text("SecurityToken")?)
        .with_expiration(expiration);
    // Refused on arrival rather than cached and failing every call until they expire.
    credentials
        .check_sendable("")
        .map_err(|e| e.reason().unwrap_or_default().to_owned())?;
    Ok(credentials)
}

/// How many characters of an unparseable `Expiration` an error quotes.
const EXPIRATION_SHOWN_CHARS: usize = 40;

/// How many characters of a service's `Code` an error quotes.
const CODE_SHOWN_CHARS: usize = 64;

/// Why an answer's `Code` is not `Success`, quoting it redacted of `secrets` (which a service
/// may echo), escaped and shortened.
pub(crate) fn not_success<'a>(
    fields: &Map<String, Value>,
    secrets: impl IntoIterator<Item = &'a str>,
) -> String {
    match fields.get("Code").and_then(Value::as_str) {
        None => "Code is missing instead of Success".to_owned(),
        Some(code) => format!(
            "Code is \"{}\" instead of Success",
            Redactor::new(secrets).redact_prefix(code, CODE_SHOWN_CHARS)
        ),
    }
}

/// The body as a JSON object, or why not (without quoting it: it may hold a secret).
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err("the answer is JSON but not an object".to_owned()),
        Err(e) => Err(format!(
            "the answer is not JSON (line {}, column {})",
            e.line(),
            e.column()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiration_is_rfc3339_utc() {
        let parsed = parse_expiration("2026-12-07T10:00:00Z");
        let expected = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_637_600);
        assert_eq!(parsed, Some(expected));
        assert_eq!(parse_expiration("07/12/2026"), None);
    }

    #[test]
    fn temporary_credentials_need_all_four_fields() {
        let answer = json_object(
            br#"{"AccessKeyId":"STS.id","AccessKeySecret":"s3cret","SecurityToken":"tok",
                "Expiration":"2026-12-07T10:00:00Z"}"#,
        )
        .expect("an object");
        let credentials = temporary_credentials(&answer).expect("credentials");
        assert_eq!(credentials.access_key_id(), "STS.id");
        assert_eq!(
            credentials.security_token().map(|t| t.expose().as_str()),
            Some("tok")
        );
        assert!(credentials.expiration().is_some());
        let mut missing = answer.clone();
        missing.remove("SecurityToken");
        assert_eq!(
            temporary_credentials(&missing).err().as_deref(),
            Some("no SecurityToken")
        );
        let mut bad = answer;
        bad.insert("Expiration".into(), Value::from("tomorrow"));
        let error = temporary_credentials(&bad).err().unwrap_or_default();
        assert!(error.contains("Expiration \"tomorrow\""), "{error}");
        assert!(json_object(b"[1]").is_err());
        assert!(json_object(b"<html>").is_err());
    }
}
