//! RFC 3986 percent-encoding, the one encoder used for signing and for form bodies.
//!
//! Alibaba's signatures (V1 `CanonicalizedQueryString` / `StringToSign` and the V3 canonical
//! query) are computed over RFC 3986 encoded text: UTF-8 bytes, only `A-Z a-z 0-9 - _ . ~` left
//! as-is, everything else `%XY` with upper-case hex. Form encoders (`+` for space, raw `*`,
//! `%7E` for `~`) give different bytes and therefore different signatures, so this module never
//! emits them. Encoding the body with the same encoder means the bytes sent are the bytes signed.

/// Whether a byte is RFC 3986 unreserved (`A-Z a-z 0-9 - _ . ~`): the bytes kept as-is.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] =
            matches!(b as u8, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~');
        b += 1;
    }
    table
};

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Text built from pieces and percent-encoded values, as bytes, made a `String` once at the end:
/// the body, the canonical strings, the URL. Escapes are pushed byte by byte and unreserved runs
/// copied whole, with no UTF-8 bookkeeping per piece.
#[derive(Debug, Default)]
pub(crate) struct TextBuf(Vec<u8>);

impl TextBuf {
    /// An empty text with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self(Vec::with_capacity(capacity))
    }

    /// Appends `s` as it is.
    pub(crate) fn push_str(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    /// Appends [`percent_encode`]`(s)`.
    pub(crate) fn encode(&mut self, s: &str) {
        self.encode_with(s.as_bytes(), b"%");
    }

    /// Appends `percent_encode(percent_encode(s))` in one pass: an unreserved byte stays, any
    /// other becomes `%25XY` (the `%` of `%XY` encoded). What a value becomes in a V1
    /// StringToSign, which encodes the already encoded CanonicalizedQueryString.
    pub(crate) fn encode_twice(&mut self, s: &str) {
        self.encode_with(s.as_bytes(), b"%25");
    }

    /// Appends [`percent_encode`]`(s)` to `self` and its encoding once more to `twice`, reading
    /// `s` once: a V1 body value and what it becomes in the StringToSign.
    pub(crate) fn encode_also_twice(&mut self, twice: &mut TextBuf, s: &str) {
        let (once, twice) = (&mut self.0, &mut twice.0);
        let (mut at_once, mut at_twice) = (once.len(), twice.len());
        // Room for the worst case, written by index and cut back to what was written: one pass
        // over `s`, no call per run of unreserved bytes.
        once.resize(at_once + 3 * s.len(), 0);
        twice.resize(at_twice + 5 * s.len(), 0);
        for &b in s.as_bytes() {
            if UNRESERVED[usize::from(b)] {
                once[at_once] = b;
                twice[at_twice] = b;
                at_once += 1;
                at_twice += 1;
            } else {
                let (hi, lo) = (
                    HEX_UPPER[usize::from(b >> 4)],
                    HEX_UPPER[usize::from(b & 0xF)],
                );
                once[at_once..at_once + 3].copy_from_slice(&[b'%', hi, lo]);
                twice[at_twice..at_twice + 5].copy_from_slice(&[b'%', b'2', b'5', hi, lo]);
                at_once += 3;
                at_twice += 5;
            }
        }
        once.truncate(at_once);
        twice.truncate(at_twice);
    }

    /// Appends the [`form_urlencode`] text of `pairs`.
    pub(crate) fn form_pairs<'a>(&mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
        for (i, (name, value)) in pairs.into_iter().enumerate() {
            if i > 0 {
                self.0.push(b'&');
            }
            self.encode(name);
            self.0.push(b'=');
            self.encode(value);
        }
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    fn encode_with(&mut self, bytes: &[u8], escape: &[u8]) {
        let out = &mut self.0;
        let mut at = out.len();
        // As in `encode_also_twice`: the worst case reserved and written by index.
        out.resize(at + (escape.len() + 2) * bytes.len(), 0);
        for &b in bytes {
            if UNRESERVED[usize::from(b)] {
                out[at] = b;
                at += 1;
            } else {
                out[at..at + escape.len()].copy_from_slice(escape);
                at += escape.len();
                out[at] = HEX_UPPER[usize::from(b >> 4)];
                out[at + 1] = HEX_UPPER[usize::from(b & 0xF)];
                at += 2;
            }
        }
        out.truncate(at);
    }

    /// The text. Every piece was a `str` or encoded to ASCII, so the bytes are UTF-8.
    pub(crate) fn finish(self) -> String {
        String::from_utf8(self.0)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// Percent-encodes `s` the way Alibaba Cloud signatures require (RFC 3986).
///
/// The UTF-8 bytes of `s` are kept when unreserved (`A-Z a-z 0-9 - _ . ~`) and written as `%XY`
/// with upper-case hex otherwise: a space becomes `%20` (never `+`), `*` becomes `%2A`, and `~`
/// stays `~`.
///
/// ```
/// use dbs_api::encoding::percent_encode;
/// assert_eq!(percent_encode("a b*c~"), "a%20b%2Ac~");
/// assert_eq!(percent_encode("2016-02-23T12:46:24Z"), "2016-02-23T12%3A46%3A24Z");
/// ```
pub fn percent_encode(s: &str) -> String {
    let mut out = TextBuf::with_capacity(s.len());
    out.encode(s);
    out.finish()
}

/// Encodes `pairs` as an `application/x-www-form-urlencoded` body: `k=v` joined by `&`, in the
/// order given, each name and value passed through [`percent_encode`].
///
/// Because the encoder is RFC 3986, a space is sent as `%20` and `+` as `%2B`; any form decoder
/// (including [`form_urldecode`]) reads the values back unchanged.
///
/// ```
/// use dbs_api::encoding::form_urlencode;
/// assert_eq!(form_urlencode(&[("b", "x y"), ("a", "1+1")]), "b=x%20y&a=1%2B1");
/// ```
pub fn form_urlencode<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = TextBuf::default();
    out.form_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())));
    out.finish()
}

/// Why a form body could not be decoded by [`form_urldecode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A name or value is not valid UTF-8 once percent-decoded. The text itself is not
    /// included: it may be a password.
    #[error("form field {field} has a {part} that is not valid UTF-8 after percent-decoding")]
    InvalidUtf8 {
        /// 1-based position of the `name=value` field in the body.
        field: usize,
        /// `"name"` or `"value"`.
        part: &'static str,
    },
}

/// Decodes an `application/x-www-form-urlencoded` body into `(name, value)` pairs, in body
/// order. Meant for servers (the emulator) reading what a client sent.
///
/// - `+` reads as a space (any form encoder may have sent it), `%XY` as that byte;
/// - a field without `=` has an empty value; empty fields (`a=1&&b=2`) are skipped;
/// - a malformed escape such as `%zz` or a trailing `%` is kept literally, as browsers do;
/// - names and values must be UTF-8 after decoding, otherwise [`DecodeError::InvalidUtf8`].
///
/// Never panics, whatever the input.
pub fn form_urldecode(body: &[u8]) -> Result<Vec<(String, String)>, DecodeError> {
    let mut pairs = Vec::new();
    for (i, field) in body
        .split(|&b| b == b'&')
        .filter(|f| !f.is_empty())
        .enumerate()
    {
        let (name, value) = match field.iter().position(|&b| b == b'=') {
            Some(eq) => (&field[..eq], &field[eq + 1..]),
            None => (field, &[][..]),
        };
        let field = i + 1;
        pairs.push((
            decode_component(name).ok_or(DecodeError::InvalidUtf8 {
                field,
                part: "name",
            })?,
            decode_component(value).ok_or(DecodeError::InvalidUtf8 {
                field,
                part: "value",
            })?,
        ));
    }
    Ok(pairs)
}

/// One form component: `+` → space first (a literal plus always arrives as `%2B`), then `%XY`.
fn decode_component(raw: &[u8]) -> Option<String> {
    // Most names and values need no decoding: one copy, no intermediate buffer. (A server
    // decodes every parameter of every request here.)
    if !raw.iter().any(|&b| b == b'+' || b == b'%') {
        return std::str::from_utf8(raw).ok().map(str::to_owned);
    }
    let mut decoded = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        let hex = |at: usize| raw.get(at).and_then(|&h| char::from(h).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'+', _, _) => decoded.push(b' '),
            // `hi` and `lo` are below 16, so the byte fits.
            (b'%', Some(hi), Some(lo)) => {
                decoded.push(u8::try_from(hi * 16 + lo).unwrap_or_default());
                i += 2;
            }
            // A `%` not followed by two hex digits is kept as it is (as `percent_decode` does).
            _ => decoded.push(b),
        }
        i += 1;
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_characters_are_kept_and_the_rest_upper_hex() {
        let unreserved = "ABCXYZabcxyz0189-_.~";
        assert_eq!(percent_encode(unreserved), unreserved);
        assert_eq!(percent_encode(" *+/=%&é"), "%20%2A%2B%2F%3D%25%26%C3%A9");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn every_byte_encodes_as_the_percent_encoding_crate_does() {
        // The crate this encoder replaced, with RFC 3986's unreserved set, is the reference.
        use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
        const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'~');
        let all: String = (0..=0x2FFu32)
            .chain([0xFFFD, 0x1F600])
            .filter_map(char::from_u32)
            .collect();
        for text in [all.as_str(), "plain", "ab%cd", "é", "xé", "éx", "é é", ""] {
            let once = utf8_percent_encode(text, RFC3986).to_string();
            assert_eq!(percent_encode(text), once, "{text:?}");
            let twice_expected = utf8_percent_encode(&once, RFC3986).to_string();
            let mut twice = TextBuf::default();
            twice.encode_twice(text);
            assert_eq!(twice.finish(), twice_expected, "{text:?}");
            let (mut once_too, mut twice_too) = (TextBuf::default(), TextBuf::default());
            once_too.encode_also_twice(&mut twice_too, text);
            assert_eq!(once_too.finish(), once, "{text:?}");
            assert_eq!(twice_too.finish(), twice_expected, "{text:?}");
        }
    }

    #[test]
    fn form_round_trip_preserves_order_and_bytes() {
        let pairs = vec![
            ("Z".to_owned(), "a b+c".to_owned()),
            ("A".to_owned(), String::new()),
            (
                "RestoreObjects".to_owned(),
                r#"[{"DBName":"té"}]"#.to_owned(),
            ),
        ];
        let body = form_urlencode(&pairs);
        assert_eq!(form_urldecode(body.as_bytes()), Ok(pairs));
    }

    #[test]
    fn decode_accepts_plus_as_space_and_missing_equals() {
        assert_eq!(
            form_urldecode(b"a=x+y%2Bz&&flag&b="),
            Ok(vec![
                ("a".to_owned(), "x y+z".to_owned()),
                ("flag".to_owned(), String::new()),
                ("b".to_owned(), String::new()),
            ])
        );
        assert_eq!(form_urldecode(b""), Ok(vec![]));
        // Only the first `=` separates name from value.
        assert_eq!(
            form_urldecode(b"k=a=b"),
            Ok(vec![("k".to_owned(), "a=b".to_owned())])
        );
    }

    #[test]
    fn decode_keeps_malformed_escapes_literally() {
        assert_eq!(
            form_urldecode(b"a=%zz&b=%&c=%4"),
            Ok(vec![
                ("a".to_owned(), "%zz".to_owned()),
                ("b".to_owned(), "%".to_owned()),
                ("c".to_owned(), "%4".to_owned()),
            ])
        );
    }

    #[test]
    fn decode_rejects_invalid_utf8_without_echoing_it() {
        assert_eq!(
            form_urldecode(b"ok=1&pw=%FF"),
            Err(DecodeError::InvalidUtf8 {
                field: 2,
                part: "value"
            })
        );
        assert_eq!(
            form_urldecode(b"\xC3=1"),
            Err(DecodeError::InvalidUtf8 {
                field: 1,
                part: "name"
            })
        );
        let err = form_urldecode(b"pw=secret%FF").err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("form field 1 has a value that is not valid UTF-8 after percent-decoding")
        );
    }
}
