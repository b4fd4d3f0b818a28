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

use crate::encoding::TextBuf;
use crate::sensitive::{REDACTED, Sensitive};

mod v1;
mod v3;

pub use v1::{CanonicalizedQueryString, v1_signature, v1_string_to_sign};
use v3::write_canonical_request;
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
        let mut text = TextBuf::with_capacity(method.len() + 5 + cqs.as_str().len() * 5 / 4);
        text.push_str(method);
        text.push_str("&");
        text.encode("/");
        text.push_str("&");
        text.encode(cqs.as_str());
        Self(text.finish())
    }

    /// The V1 StringToSign of parameters already sorted as the CanonicalizedQueryString sorts
    /// them, written in one pass: each name and value encoded twice straight into the text,
    /// without the CanonicalizedQueryString in between.
    fn v1_sorted<'p>(
        method: &str,
        sorted: impl Iterator<Item = Text<'p>>,
        capacity: usize,
    ) -> Self {
        let mut text = TextBuf::with_capacity(capacity);
        text.push_str(method);
        // `&` + percent_encode("/") + `&`.
        text.push_str("&%2F&");
        for (i, param) in sorted.enumerate() {
            if i > 0 {
                text.push_str("%26"); // `&`, encoded
            }
            param.encode_twice_into(&mut text);
        }
        Self(text.finish())
    }

    /// V3 StringToSign: `"ACS3-HMAC-SHA256\n" + hex(sha256(canonical_request))`.
    pub fn v3(canonical_request: &CanonicalRequest) -> Self {
        Self::v3_hashed(&canonical_request.sha256())
    }

    /// V3 StringToSign from the SHA-256 of the CanonicalRequest.
    fn v3_hashed(digest: &[u8]) -> Self {
        let mut text = String::with_capacity(ALGORITHM_V3.len() + 1 + 2 * digest.len());
        text.push_str(ALGORITHM_V3);
        text.push('\n');
        push_hex(&mut text, digest);
        Self(text)
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

/// A parameter on its way into a V1 StringToSign: a raw name and value, or its text already
/// encoded twice (a body parameter, encoded twice as the body was written).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Text<'a> {
    Raw(&'a str, &'a str),
    Twice(&'a str),
}

impl Text<'_> {
    /// Appends `percent_encode(percent_encode(name) + "=" + percent_encode(value))`.
    fn encode_twice_into(self, out: &mut TextBuf) {
        match self {
            Text::Raw(name, value) => {
                out.encode_twice(name);
                out.push_str("%3D"); // `=`, encoded
                out.encode_twice(value);
            }
            Text::Twice(twice) => out.push_str(twice),
        }
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
    // Built by hand: infallible, independent of locale or format-description features, and
    // without the formatting machinery a call would otherwise pay for six numbers.
    let mut text = String::with_capacity(20);
    match u32::try_from(t.year()) {
        Ok(year) if year <= 9999 => push_digits(&mut text, year, 4),
        // Outside 0000–9999 (not a time a request is signed at): what `{:04}` would print.
        _ => text.push_str(&format!("{:04}", t.year())),
    }
    for (separator, value) in [
        ('-', u8::from(t.month())),
        ('-', t.day()),
        ('T', t.hour()),
        (':', t.minute()),
        (':', t.second()),
    ] {
        text.push(separator);
        push_digits(&mut text, u32::from(value), 2);
    }
    text.push('Z');
    text
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        text.push(char::from(b'0' + digit as u8));
    }
}

/// A fresh `SignatureNonce` / `x-acs-signature-nonce`: 128 random bits as 32 lower-case hex
/// characters. Use a new one for every attempt; the server rejects a reused nonce.
pub fn new_nonce() -> String {
    // Big-endian bytes in hex: the number, zero-padded to 32 digits.
    hex_string(&rand::random::<u128>().to_be_bytes())
}

/// Appends the lower-case hex of `bytes` to `text`; a digest (up to 64 bytes) is encoded in one
/// call into a buffer on the stack (`hex::encode` builds its string a character at a time).
fn push_hex(text: &mut String, bytes: &[u8]) {
    let mut buffer = [0u8; 128];
    let encoded = buffer.get_mut(..2 * bytes.len()).and_then(|hex| {
        hex::encode_to_slice(bytes, hex).ok()?;
        std::str::from_utf8(hex).ok()
    });
    match encoded {
        Some(hex) => text.push_str(hex),
        // Longer than a digest: not on the signing path.
        None => text.push_str(&hex::encode(bytes)),
    }
}

/// The lower-case hex of a digest, see [`push_hex`].
fn hex_string(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(2 * bytes.len());
    push_hex(&mut text, bytes);
    text
}

/// Lower-case hex SHA-256 of `bytes` (the V3 `x-acs-content-sha256` and HashedRequestPayload).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_string(&Sha256::digest(bytes))
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
    hex_string(&mac.finalize().into_bytes())
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

/// A form-body parameter as [`sign`] reads it: its wire name and its value.
///
/// Implemented for `(name, value)` pairs of anything that is a `str`, and for the
/// [`WireParam`](crate::WireParam)s an operation's input serializes to, so a call is signed
/// from its parameters without copying them.
pub trait BodyParam {
    /// The wire name, `BackupPlanId`.
    fn name(&self) -> &str;
    /// The value exactly as sent.
    fn value(&self) -> &str;
}

impl<K: AsRef<str>, V: AsRef<str>> BodyParam for (K, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

impl BodyParam for crate::wire::WireParam {
    fn name(&self) -> &str {
        self.name
    }
    fn value(&self) -> &str {
        &self.value
    }
}

/// Everything needed to sign one attempt of one request. Build a new one (new `timestamp` and
/// `nonce`) for every attempt.
///
/// `P` is the type of the body parameters: `(String, String)` pairs by default, or anything
/// else that is a [`BodyParam`].
pub struct SigningInput<'a, P = (String, String)> {
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
    pub body_params: &'a [P],
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

// By hand: a derive would ask `P: Clone`, though only a reference to the parameters is kept.
impl<P> Clone for SigningInput<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for SigningInput<'_, P> {}

impl<P: BodyParam> fmt::Debug for SigningInput<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Parameter values may be sensitive (DestinationEndpointPassword): names only.
        let param_names: Vec<&str> = self.body_params.iter().map(BodyParam::name).collect();
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
    /// Query parameters for the URL, already signed; [`SignedRequest::url`] writes them
    /// percent-encoded (as [`percent_encode`](crate::encoding::percent_encode) does).
    /// V1: `Action`, `Version`, `Format=JSON`, `AccessKeyId`, `SignatureMethod=HMAC-SHA1`,
    /// `SignatureVersion=1.0`, `SignatureNonce`, `Timestamp`, `SecurityToken` (STS only), `Signature`.
    /// V3: empty.
    pub query: Vec<(&'static str, String)>,
    /// Headers to send, with lower-case names. Always
    /// `content-type: application/x-www-form-urlencoded`; V3 adds `host`, the `x-acs-*` headers
    /// and `authorization`.
    pub headers: Vec<(&'static str, String)>,
    /// The form body, exactly the bytes that were signed (V1) or hashed (V3).
    pub body: String,
    /// The StringToSign, kept to diagnose a `SignatureDoesNotMatch` answer.
    pub string_to_sign: StringToSign,
}

impl SignedRequest {
    /// The URL to send the request to: `base` (scheme and authority, such as
    /// `https://dbs-api.cn-hangzhou.aliyuncs.com`), the path `/`, and the query percent-encoded
    /// as signed.
    pub fn url(&self, base: &str) -> String {
        let mut url = TextBuf::with_capacity(base.len() + 2 + 40 * self.query.len());
        url.push_str(base);
        url.push_str("/");
        if !self.query.is_empty() {
            url.push_str("?");
            self.write_query(&mut url);
        }
        url.finish()
    }

    /// The query as the URL carries it: `name=value` pairs, percent-encoded, joined by `&`
    /// (empty for V3).
    pub fn query_string(&self) -> String {
        let mut text = TextBuf::with_capacity(40 * self.query.len());
        self.write_query(&mut text);
        text.finish()
    }

    fn write_query(&self, text: &mut TextBuf) {
        text.form_pairs(self.query.iter().map(|(k, v)| (*k, v.as_str())));
    }
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let query: Vec<(&str, String)> = self
            .query
            .iter()
            .map(|(k, v)| (*k, redact_value(k, v)))
            .collect();
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(k, v)| (*k, redact_value(k, v)))
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
pub fn sign<P: BodyParam>(input: &SigningInput<'_, P>) -> SignedRequest {
    let timestamp = format_timestamp(input.timestamp);
    match input.version {
        SignatureVersion::V1 => sign_v1(input, timestamp),
        SignatureVersion::V3 => sign_v3(input, timestamp),
    }
}

/// The form body of `params`, and where each one's encoded name and value lie in it.
/// The twice-encoded `name%3Dvalue` of each parameter lies in the second string, for the V1
/// StringToSign: each value is read once for both.
fn encode_body<P: BodyParam>(params: &[P]) -> (String, String, Vec<EncodedParam<'_>>) {
    // Encoded, a value rarely grows by more than a quarter.
    let raw: usize = params
        .iter()
        .map(|p| p.name().len() + p.value().len() + 2)
        .sum();
    let mut body = TextBuf::with_capacity(raw + raw / 4);
    let mut twice = TextBuf::with_capacity(raw + raw / 2);
    let mut encoded = Vec::with_capacity(params.len());
    for (i, param) in params.iter().enumerate() {
        if i > 0 {
            body.push_str("&");
        }
        let start = twice.len();
        body.encode_also_twice(&mut twice, param.name());
        body.push_str("=");
        twice.push_str("%3D"); // `=`, encoded
        body.encode_also_twice(&mut twice, param.value());
        encoded.push(EncodedParam {
            name: param.name(),
            value: param.value(),
            at: (start, twice.len()),
        });
    }
    (body.finish(), twice.finish(), encoded)
}

/// A body parameter: raw name and value (what the CanonicalizedQueryString sorts by) and the
/// byte range of its twice-encoded `name%3Dvalue`.
struct EncodedParam<'p> {
    name: &'p str,
    value: &'p str,
    at: (usize, usize),
}

fn sign_v1<P: BodyParam>(input: &SigningInput<'_, P>, timestamp: String) -> SignedRequest {
    let (body, twice, mut encoded) = encode_body(input.body_params);
    let token = input.security_token.map(|t| t.expose().as_str());
    // In the order the URL has always carried them; `SecurityToken` only with STS credentials.
    let common = [
        ("Action", Some(input.action)),
        ("Version", Some(input.api_version)),
        ("Format", Some("JSON")),
        ("AccessKeyId", Some(input.access_key_id)),
        ("SignatureMethod", Some("HMAC-SHA1")),
        ("SignatureVersion", Some("1.0")),
        ("SignatureNonce", Some(input.nonce)),
        ("Timestamp", Some(timestamp.as_str())),
        ("SecurityToken", token),
    ];
    let common = common.iter().filter_map(|&(k, v)| Some((k, v?)));

    // The server signs query and body parameters merged and sorted, so we do too: the few
    // common ones sorted on the stack, the body's in one vector of references, then merged.
    let mut sorted_common = [("", ""); 9];
    let mut n = 0;
    for (slot, pair) in sorted_common.iter_mut().zip(common.clone()) {
        *slot = pair;
        n += 1;
    }
    let sorted_common = &mut sorted_common[..n];
    sorted_common.sort_unstable();
    encoded.sort_unstable_by(|a, b| (a.name, a.value).cmp(&(b.name, b.value)));
    // Sorted by the raw text; a body parameter's encoding is read back from the body.
    let common_texts = sorted_common
        .iter()
        .map(|&(k, v)| ((k, v), Text::Raw(k, v)));
    let body_texts = encoded
        .iter()
        .map(|p| ((p.name, p.value), Text::Twice(&twice[p.at.0..p.at.1])));
    let merged = merge_sorted(common_texts, body_texts).map(|(_, texts)| texts);
    // The body encoded once more, plus the common parameters: rarely more.
    let capacity = (body.len() + 300) * 5 / 4;
    let string_to_sign = StringToSign::v1_sorted(METHOD, merged, capacity);
    let signature = v1_signature(&string_to_sign, input.access_key_secret.expose());

    let mut query = Vec::with_capacity(n + 1);
    query.extend(common.map(|(k, v)| (k, v.to_owned())));
    query.push(("Signature", signature));
    SignedRequest {
        query,
        headers: vec![("content-type", CONTENT_TYPE_FORM.to_owned())],
        body,
        string_to_sign,
    }
}

/// Two sorted sequences as one sorted sequence.
fn merge_sorted<T: Ord>(
    a: impl Iterator<Item = T>,
    b: impl Iterator<Item = T>,
) -> impl Iterator<Item = T> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if x > y => b.next(),
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
    })
}

fn sign_v3<P: BodyParam>(input: &SigningInput<'_, P>, timestamp: String) -> SignedRequest {
    let params = input.body_params.iter().map(|p| (p.name(), p.value()));
    // Encoded, a value rarely grows by more than a quarter.
    let raw: usize = params.clone().map(|(k, v)| k.len() + v.len() + 2).sum();
    let mut body = TextBuf::with_capacity(raw + raw / 4);
    body.form_pairs(params);
    let body = body.finish();
    let payload_hash = sha256_hex(body.as_bytes());
    let token = input.security_token.map(|t| t.expose().as_str());
    // Lower-case and sorted by name, as the CanonicalRequest lists them; sent in this order.
    let signed = [
        ("content-type", Some(CONTENT_TYPE_FORM)),
        ("host", Some(input.host)),
        ("x-acs-action", Some(input.action)),
        ("x-acs-content-sha256", Some(payload_hash.as_str())),
        ("x-acs-date", Some(timestamp.as_str())),
        (HEADER_SECURITY_TOKEN, token),
        ("x-acs-signature-nonce", Some(input.nonce)),
        ("x-acs-version", Some(input.api_version)),
    ];
    let signed = signed.iter().filter_map(|&(k, v)| Some((k, v?)));

    // Hashed as it is written: the CanonicalRequest text itself is never needed.
    let mut hasher = Sha256::new();
    write_canonical_request(
        &mut |part: &str| hasher.update(part.as_bytes()),
        METHOD,
        "",
        signed.clone().map(|(k, v)| (k, v.trim())),
        &payload_hash,
    );
    let string_to_sign = StringToSign::v3_hashed(&hasher.finalize());
    let signature = v3_signature(&string_to_sign, input.access_key_secret.expose());

    let mut authorization = String::with_capacity(256);
    authorization.push_str(ALGORITHM_V3);
    authorization.push_str(" Credential=");
    authorization.push_str(input.access_key_id);
    authorization.push_str(",SignedHeaders=");
    for (i, (name, _)) in signed.clone().enumerate() {
        if i > 0 {
            authorization.push(';');
        }
        authorization.push_str(name);
    }
    authorization.push_str(",Signature=");
    authorization.push_str(&signature);

    let mut headers = Vec::with_capacity(9);
    headers.extend(signed.map(|(k, v)| (k, v.to_owned())));
    headers.push((HEADER_AUTHORIZATION, authorization));
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
            let mut sent: Vec<&str> = signed.query.iter().map(|(k, _)| *k).collect();
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
    fn merged_parameters_come_out_sorted() {
        let merged: Vec<u8> =
            merge_sorted([1, 4, 4, 9].into_iter(), [0, 4, 5, 10].into_iter()).collect();
        assert_eq!(merged, [0, 1, 4, 4, 4, 5, 9, 10]);
    }

    #[test]
    fn timestamp_is_utc_with_zero_padding() {
        let t = time::macros::datetime!(0999-01-02 00:03:04 -01:00);
        assert_eq!(format_timestamp(t), "0999-01-02T01:03:04Z");
    }
}
