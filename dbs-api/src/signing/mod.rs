//! Request signing: Alibaba Cloud ACS3-HMAC-SHA256 (V3) and HMAC-SHA1 (V1, `SignatureVersion=1.0`).
//!
//! Everything here is pure: the time and the `SignatureNonce` are inputs, so the same input always
//! gives the same output and the official test vectors can be checked stage by stage.
//!
//! The stages are types whose `Display` is the exact text Alibaba specifies:
//!
//! | Version | Stages |
//! | --- | --- |
//! | V1 (HMAC-SHA1) | [`CanonicalizedQueryString`] → [`StringToSign`] → Base64 `Signature` |
//! | V3 (ACS3-HMAC-SHA256) | [`CanonicalRequest`] → [`StringToSign`] → hex signature in [`Authorization`] |
//!
//! Their `Debug` is redacted, because the text contains every signed parameter (including a
//! `SecurityToken` and any password in the body); print them with `{}` only where that is intended.
//!
//! The request pipeline calls [`sign`]. A server verifying requests uses [`v1_string_to_sign`],
//! [`v1_signature`], [`v3_canonical_request`], [`v3_signature`], [`parse_authorization`] and
//! [`signatures_match`].
//!
//! Alibaba's documentation calls HMAC-SHA1 "signature method V2" while the wire parameter is
//! `SignatureVersion=1.0`; this crate calls it V1.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::encoding::{form_urlencode, percent_encode};
use crate::sensitive::{REDACTED, Sensitive};

mod v1;
mod v3;

pub use v1::{CanonicalizedQueryString, v1_signature, v1_string_to_sign};
pub use v3::{
    ALGORITHM_V3, Authorization, CanonicalRequest, parse_authorization, v3_canonical_request,
    v3_signature,
};

/// The HTTP method of every DBS operation (the API metadata declares `POST` for all of them).
const METHOD: &str = "POST";

/// Which Alibaba Cloud signature algorithm to use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureVersion {
    /// ACS3-HMAC-SHA256: the `Authorization` header over a [`CanonicalRequest`]; the default of
    /// the current official SDKs.
    #[default]
    V3,
    /// HMAC-SHA1 with `SignatureMethod=HMAC-SHA1` and `SignatureVersion=1.0` query parameters
    /// (Alibaba's docs call it "signature method V2").
    V1,
}

impl fmt::Display for SignatureVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignatureVersion::V3 => "v3",
            SignatureVersion::V1 => "v1",
        })
    }
}

/// The error from parsing a [`SignatureVersion`] that is neither `v1` nor `v3`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown signature version `{0}`; expected `v3` (ACS3-HMAC-SHA256) or `v1` (HMAC-SHA1, which Alibaba's docs call V2)"
)]
pub struct ParseSignatureVersionError(String);

impl FromStr for SignatureVersion {
    type Err = ParseSignatureVersionError;

    /// Parses `v3` or `v1`, ignoring case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("v3") {
            Ok(SignatureVersion::V3)
        } else if s.eq_ignore_ascii_case("v1") {
            Ok(SignatureVersion::V1)
        } else {
            Err(ParseSignatureVersionError(s.to_owned()))
        }
    }
}

/// The text that is HMAC'd to produce a signature, in Alibaba's terms the StringToSign.
///
/// - V1: `METHOD&%2F&` + percent-encoded [`CanonicalizedQueryString`] (see [`StringToSign::v1`]).
/// - V3: `ACS3-HMAC-SHA256\n` + hex SHA-256 of the [`CanonicalRequest`] (see [`StringToSign::v3`]).
///
/// `Display` is the exact text; `Debug` is redacted because a V1 StringToSign contains every
/// parameter, including the `SecurityToken`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StringToSign(String);

impl StringToSign {
    /// V1 StringToSign: `method + "&" + percent_encode("/") + "&" + percent_encode(cqs)`.
    ///
    /// The method must be the one actually sent (`GET` and `POST` sign differently).
    pub fn v1(method: &str, cqs: &CanonicalizedQueryString) -> Self {
        Self(format!(
            "{method}&{}&{}",
            percent_encode("/"),
            percent_encode(cqs.as_str())
        ))
    }

    /// V3 StringToSign: `"ACS3-HMAC-SHA256\n" + hex(sha256(canonical_request))`.
    pub fn v3(canonical_request: &CanonicalRequest) -> Self {
        let hashed = sha256_hex(canonical_request.to_string().as_bytes());
        Self(format!("{ALGORITHM_V3}\n{hashed}"))
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted_text(f, "StringToSign", &self.0)
    }
}

/// `Debug` for stage types: their text may hold a SecurityToken or a password, so only the
/// length is shown. `Display` gives the text.
fn redacted_text(f: &mut fmt::Formatter<'_>, name: &str, text: &str) -> fmt::Result {
    write!(f, "{name}({REDACTED}, {} bytes)", text.len())
}

/// Formats `t` as the `Timestamp` / `x-acs-date` value: `YYYY-MM-DDThh:mm:ssZ` in UTC.
///
/// ```
/// let t = time::macros::datetime!(2016-02-23 20:46:24 +08:00);
/// assert_eq!(dbs_api::signing::format_timestamp(t), "2016-02-23T12:46:24Z");
/// ```
pub fn format_timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    // Built by hand: infallible and independent of locale or format-description features.
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A fresh `SignatureNonce` / `x-acs-signature-nonce`: 128 random bits as 32 lower-case hex
/// characters. Use a new one for every attempt; the server rejects a reused nonce.
pub fn new_nonce() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Lower-case hex SHA-256 of `bytes` (the V3 `x-acs-content-sha256` and HashedRequestPayload).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Base64 (standard alphabet, padded) of HMAC-SHA1 keyed with the raw `key`.
///
/// A V1 `Signature` is this with key `AccessKeySecret + "&"`; use [`v1_signature`] for that.
pub fn hmac_sha1_base64(key: &[u8], data: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Lower-case hex of HMAC-SHA256 keyed with the raw `key` (V3 signatures).
fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

/// Compares two signatures in time that does not depend on where they differ, so a server does
/// not leak how much of a forged signature was right. (Lengths are public: Base64 of SHA-1 is
/// always 28 characters, hex of SHA-256 always 64.)
pub fn signatures_match(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Everything needed to sign one attempt of one request. Build a new one (new `timestamp` and
/// `nonce`) for every attempt.
#[derive(Clone, Copy)]
pub struct SigningInput<'a> {
    /// The algorithm.
    pub version: SignatureVersion,
    /// The operation name: the `Action` parameter (V1) or `x-acs-action` header (V3).
    pub action: &'a str,
    /// The API version, `2019-03-06`: the `Version` parameter (V1) or `x-acs-version` header (V3).
    pub api_version: &'a str,
    /// The value of the `host` header, e.g. `dbs-api.cn-hangzhou.aliyuncs.com` or
    /// `127.0.0.1:8080`. Signed by V3.
    pub host: &'a str,
    /// The operation's parameters in wire order, already flattened and stringified. They go
    /// only in the form body, never in the URL. Names must differ from the common parameters.
    pub body_params: &'a [(String, String)],
    /// The AccessKeyId.
    pub access_key_id: &'a str,
    /// The AccessKeySecret.
    pub access_key_secret: &'a Sensitive<String>,
    /// The STS SecurityToken, when the credentials are temporary.
    pub security_token: Option<&'a Sensitive<String>>,
    /// The `Timestamp` / `x-acs-date` of this attempt (any offset; sent in UTC).
    pub timestamp: time::OffsetDateTime,
    /// The `SignatureNonce` / `x-acs-signature-nonce` of this attempt, e.g. from [`new_nonce`].
    pub nonce: &'a str,
}

impl fmt::Debug for SigningInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Parameter values may be sensitive (DestinationEndpointPassword): names only.
        let param_names: Vec<&str> = self.body_params.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("SigningInput")
            .field("version", &self.version)
            .field("action", &self.action)
            .field("api_version", &self.api_version)
            .field("host", &self.host)
            .field("body_params", &param_names)
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &self.access_key_secret)
            .field("security_token", &self.security_token)
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .finish()
    }
}

/// What [`sign`] produces: a `POST /` request ready for the transport.
///
/// `Debug` masks the signature, the SecurityToken and the body (which may hold a password).
#[derive(Clone)]
pub struct SignedRequest {
    /// Query parameters for the URL, already signed; percent-encode them with
    /// [`percent_encode`] when building the URL.
    /// V1: `Action`, `Version`, `Format=JSON`, `AccessKeyId`, `SignatureMethod=HMAC-SHA1`,
    /// `SignatureVersion=1.0`, `SignatureNonce`, `Timestamp`, `SecurityToken` (STS only), `Signature`.
    /// V3: empty.
    pub query: Vec<(String, String)>,
    /// Headers to send, with lower-case names. Always
    /// `content-type: application/x-www-form-urlencoded`; V3 adds `host`, the `x-acs-*` headers
    /// and `authorization`.
    pub headers: Vec<(String, String)>,
    /// The form body, exactly the bytes that were signed (V1) or hashed (V3).
    pub body: String,
    /// The StringToSign, kept to diagnose a `SignatureDoesNotMatch` answer.
    pub string_to_sign: StringToSign,
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let query: Vec<(&str, String)> = self
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), redact_value(k, v)))
            .collect();
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), redact_value(k, v)))
            .collect();
        f.debug_struct("SignedRequest")
            .field("query", &query)
            .field("headers", &headers)
            .field(
                "body",
                &format_args!("{REDACTED}, {} bytes", self.body.len()),
            )
            .field("string_to_sign", &self.string_to_sign)
            .finish()
    }
}

/// The value of a query parameter or header as `Debug` may show it.
fn redact_value(name: &str, value: &str) -> String {
    if name == "Signature" || name == "SecurityToken" || name == HEADER_SECURITY_TOKEN {
        REDACTED.to_owned()
    } else if name == HEADER_AUTHORIZATION {
        // Keep the algorithm, key id and header list, which help debugging; hide the signature.
        match parse_authorization(value) {
            Some(auth) => format!(
                "{} Credential={},SignedHeaders={},Signature={REDACTED}",
                auth.algorithm,
                auth.access_key_id,
                auth.signed_headers.join(";")
            ),
            None => REDACTED.to_owned(),
        }
    } else {
        value.to_owned()
    }
}

const CONTENT_TYPE_FORM: &str = "application/x-www-form-urlencoded";
const HEADER_AUTHORIZATION: &str = "authorization";
const HEADER_SECURITY_TOKEN: &str = "x-acs-security-token";

/// The common and signing parameters the client sends itself with every V1 request (V3 carries
/// the same facts in `x-acs-*` headers and `authorization`): an operation parameter may not be
/// named like one. `SecurityToken` is sent only with STS credentials. `RegionId` is not one: DBS
/// has no such parameter, and some Alibaba Cloud operations take it as a real one.
///
/// The one list of these names: dbs-codegen's `reserved::COMMON_PARAMETERS` is checked against
/// it by a test, and so is what [`sign`] sends.
pub const COMMON_PARAMETERS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Signature",
    "SecurityToken",
];

/// Signs one attempt of a DBS request: `POST /`, the operation's parameters in a form body.
///
/// - V1: the common parameters go in the query; the `Signature` covers query and body parameters
///   together ([`v1_string_to_sign`] over both, with method `POST`).
/// - V3: the query is empty; every header except `authorization` is signed, including `host`,
///   `content-type` and `x-acs-content-sha256` (the hash of the body).
pub fn sign(input: &SigningInput<'_>) -> SignedRequest {
    let body = form_urlencode(input.body_params);
    let timestamp = format_timestamp(input.timestamp);
    match input.version {
        SignatureVersion::V1 => sign_v1(input, body, timestamp),
        SignatureVersion::V3 => sign_v3(input, body, timestamp),
    }
}

fn sign_v1(input: &SigningInput<'_>, body: String, timestamp: String) -> SignedRequest {
    let mut query: Vec<(String, String)> = [
        ("Action", input.action),
        ("Version", input.api_version),
        ("Format", "JSON"),
        ("AccessKeyId", input.access_key_id),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", input.nonce),
        ("Timestamp", &timestamp),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    if let Some(token) = input.security_token {
        query.push(("SecurityToken".to_owned(), token.expose().clone()));
    }

    // The server signs query and body parameters merged, so we do too.
    let signed: Vec<(String, String)> = query.iter().chain(input.body_params).cloned().collect();
    let string_to_sign = v1_string_to_sign(METHOD, &signed);
    let signature = v1_signature(&string_to_sign, input.access_key_secret.expose());
    query.push(("Signature".to_owned(), signature));

    SignedRequest {
        query,
        headers: vec![("content-type".to_owned(), CONTENT_TYPE_FORM.to_owned())],
        body,
        string_to_sign,
    }
}

fn sign_v3(input: &SigningInput<'_>, body: String, timestamp: String) -> SignedRequest {
    let payload_hash = sha256_hex(body.as_bytes());
    // Already in sorted order, which keeps the sent headers in the order they were signed.
    let mut headers: Vec<(String, String)> = [
        ("content-type", CONTENT_TYPE_FORM),
        ("host", input.host),
        ("x-acs-action", input.action),
        ("x-acs-content-sha256", &payload_hash),
        ("x-acs-date", &timestamp),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    if let Some(token) = input.security_token {
        headers.push((HEADER_SECURITY_TOKEN.to_owned(), token.expose().clone()));
    }
    headers.push(("x-acs-signature-nonce".to_owned(), input.nonce.to_owned()));
    headers.push(("x-acs-version".to_owned(), input.api_version.to_owned()));

    let canonical_request = v3_canonical_request(METHOD, &[], &headers, &payload_hash);
    let string_to_sign = StringToSign::v3(&canonical_request);
    let authorization = Authorization {
        algorithm: ALGORITHM_V3.to_owned(),
        access_key_id: input.access_key_id.to_owned(),
        signed_headers: canonical_request.signed_header_names(),
        signature: v3_signature(&string_to_sign, input.access_key_secret.expose()),
    };
    headers.push((HEADER_AUTHORIZATION.to_owned(), authorization.to_string()));

    SignedRequest {
        query: Vec::new(),
        headers,
        body,
        string_to_sign,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v1_request_sends_exactly_the_common_parameters() {
        use crate::sensitive::Sensitive;
        let secret = Sensitive::new("testsecret".to_owned());
        let token = Sensitive::new("sts-token".to_owned());
        let body = [("BackupPlanId".to_owned(), "dbs1hvb0ww****".to_owned())];
        for security_token in [None, Some(&token)] {
            let signed = sign(&SigningInput {
                version: SignatureVersion::V1,
                action: "CreateRestoreTask",
                api_version: "2019-03-06",
                host: "127.0.0.1:1",
                body_params: &body,
                access_key_id: "testid",
                access_key_secret: &secret,
                security_token,
                timestamp: time::macros::datetime!(2026-01-01 0:00 UTC),
                nonce: "3ee8c1b883d344afa94f4e0ad82fd6cf",
            });
            let mut sent: Vec<&str> = signed.query.iter().map(|(k, _)| k.as_str()).collect();
            let mut expected: Vec<&str> = COMMON_PARAMETERS
                .iter()
                .copied()
                .filter(|name| security_token.is_some() || *name != "SecurityToken")
                .collect();
            sent.sort_unstable();
            expected.sort_unstable();
            assert_eq!(sent, expected);
        }
    }

    #[test]
    fn signature_version_round_trips_and_ignores_case() {
        assert_eq!(SignatureVersion::default(), SignatureVersion::V3);
        for v in [SignatureVersion::V1, SignatureVersion::V3] {
            assert_eq!(v.to_string().parse::<SignatureVersion>(), Ok(v));
        }
        assert_eq!("V1".parse::<SignatureVersion>(), Ok(SignatureVersion::V1));
        assert_eq!("V3".parse::<SignatureVersion>(), Ok(SignatureVersion::V3));
        let err = "v2"
            .parse::<SignatureVersion>()
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("`v2`") && e.contains("`v1`")));
    }

    #[test]
    fn signatures_match_is_exact() {
        assert!(signatures_match("abc=", "abc="));
        assert!(!signatures_match("abc=", "abd="));
        assert!(!signatures_match("abc", "abc="));
        assert!(signatures_match("", ""));
    }

    #[test]
    fn nonce_is_32_lower_hex_and_fresh() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        );
        assert_ne!(a, b);
    }

    #[test]
    fn timestamp_is_utc_with_zero_padding() {
        let t = time::macros::datetime!(0999-01-02 00:03:04 -01:00);
        assert_eq!(format_timestamp(t), "0999-01-02T01:03:04Z");
    }
}
