//! A signed request that was not sent (`dry_run`), printable without leaking secrets.

use std::fmt;

use crate::encoding::form_urlencode;
use crate::sensitive::REDACTED;
use crate::signing::SignedRequest;
use crate::wire::WireParam;

/// The request `send()` would make: method, URL, headers and body, with every secret masked.
///
/// Masked: sensitive parameters (such as `DestinationEndpointPassword`), the `Signature`, the
/// `Authorization` signature, the SecurityToken, and the body hash when the body holds a secret
/// (a hash of a short password can be guessed offline).
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    url: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl PreparedRequest {
    pub(crate) fn new(url: String, signed: &SignedRequest, params: &[WireParam]) -> Self {
        let secret_body = params.iter().any(|p| p.sensitive);
        let url = match url.split_once('?') {
            Some((base, _)) => {
                let query: Vec<(&str, &str)> = signed
                    .query
                    .iter()
                    .map(|(k, v)| (*k, mask_query(k, v)))
                    .collect();
                format!("{base}?{}", form_urlencode(&query))
            }
            None => url,
        };
        let headers = signed
            .headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), mask_header(name, value, secret_body)))
            .collect();
        let shown: Vec<(&str, &str)> = params.iter().map(|p| (p.name, p.shown_value())).collect();
        Self {
            url,
            headers,
            body: form_urlencode(&shown),
        }
    }

    /// Always `POST`.
    pub fn method(&self) -> &str {
        "POST"
    }

    /// The URL, signature and token masked.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers (lower-case names), secrets masked.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The form body, sensitive values masked.
    pub fn body(&self) -> &str {
        &self.body
    }
}

fn mask_query<'a>(name: &str, value: &'a str) -> &'a str {
    if matches!(name, "Signature" | "SecurityToken") {
        REDACTED
    } else {
        value
    }
}

fn mask_header(name: &str, value: &str, secret_body: bool) -> String {
    match name {
        "authorization" => match value.find("Signature=") {
            Some(at) => format!("{}Signature={REDACTED}", &value[..at]),
            None => REDACTED.to_owned(),
        },
        "x-acs-security-token" => REDACTED.to_owned(),
        "x-acs-content-sha256" if secret_body => REDACTED.to_owned(),
        _ => value.to_owned(),
    }
}

impl fmt::Display for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {}", self.method(), self.url)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}: {value}")?;
        }
        write!(f, "\n{}", self.body)
    }
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("method", &self.method())
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}
