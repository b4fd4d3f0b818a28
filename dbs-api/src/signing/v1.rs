//! V1: HMAC-SHA1, `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`.

use std::fmt;

use super::{StringToSign, Text, hmac_sha1_base64, redacted_text};
use crate::encoding::TextBuf;

/// The V1 CanonicalizedQueryString: every signed parameter, sorted by name (byte order),
/// written `percent_encode(name)=percent_encode(value)` and joined by `&`.
///
/// Empty values are kept (`key=`): the server signs exactly the parameters it received.
/// V3 uses the same text as its canonical query string.
///
/// `Display` is the exact text; `Debug` is redacted (it contains every parameter value).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CanonicalizedQueryString(String);

impl CanonicalizedQueryString {
    /// Builds the CanonicalizedQueryString from unsorted `(name, value)` pairs, excluding
    /// `Signature`. Equal names (not expected with flat parameters) are ordered by value so
    /// the result does not depend on input order.
    pub fn new<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> Self {
        let mut sorted: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        // Java's Arrays.sort and Go's url.Values.Encode both sort by code unit / byte.
        sorted.sort_unstable();
        let raw: usize = sorted.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let mut out = TextBuf::with_capacity(raw + raw / 4);
        out.form_pairs(sorted);
        Self(out.finish())
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CanonicalizedQueryString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CanonicalizedQueryString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted_text(f, "CanonicalizedQueryString", &self.0)
    }
}

/// The V1 StringToSign of a request: `method&%2F&` + the percent-encoded
/// [`CanonicalizedQueryString`] of `params`.
///
/// `params` are all query and form-body parameters of the request, merged, **without**
/// `Signature` (a server removes it before calling this). `method` is the HTTP method that was
/// sent.
pub fn v1_string_to_sign(method: &str, params: &[(String, String)]) -> StringToSign {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // As `CanonicalizedQueryString::new` sorts them.
    sorted.sort_unstable();
    let texts = sorted.into_iter().map(|(k, v)| Text::Raw(k, v));
    let raw: usize = params.iter().map(|(k, v)| k.len() + v.len() + 1).sum();
    StringToSign::v1_sorted(method, texts, raw * 5 / 4 + 16)
}

/// The V1 `Signature`: Base64 of HMAC-SHA1 over the StringToSign, keyed with
/// `AccessKeySecret + "&"` (the `&` is always appended).
pub fn v1_signature(string_to_sign: &StringToSign, access_key_secret: &str) -> String {
    let key = format!("{access_key_secret}&");
    hmac_sha1_base64(key.as_bytes(), string_to_sign.as_str().as_bytes())
}
