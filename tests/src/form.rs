//! RFC 3986 percent-encoding and `a=1&b=2` forms, written here and not taken from `dbs-api`, so
//! that tests judge the SDK's encoder with an independent one.

/// RFC 3986 as Alibaba Cloud signs: unreserved characters (`A-Z a-z 0-9 - _ . ~`) as they are,
/// every other byte of the UTF-8 text as `%XX` with upper-case hex (a space is `%20`, never `+`).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `k=v` pairs joined by `&`, in the order given, each name and value [`percent_encode`]d.
pub fn encode_form<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encode(k.as_ref()),
                percent_encode(v.as_ref())
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Splits `a=1&b=%20` into decoded pairs (RFC 3986 percent-decoding; `+` stays `+`).
pub fn decode_form(text: &str) -> Vec<(String, String)> {
    let pair = |p: &str| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (percent_decode(k), percent_decode(v))
    };
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(pair)
        .collect()
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is; bytes that are
/// not UTF-8 once decoded are read lossily.
pub fn percent_decode(text: &str) -> String {
    let (b, mut out, mut i) = (text.as_bytes(), Vec::new(), 0);
    let hex = |j: usize| b.get(j).and_then(|c| char::from(*c).to_digit(16));
    while i < b.len() {
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.extend(u8::try_from(hi * 16 + lo));
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of the only parameter named `name`; `None` when absent or repeated.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut found = params.iter().filter(|(k, _)| k == name);
    match (found.next(), found.next()) {
        (Some((_, v)), None) => Some(v),
        _ => None,
    }
}

/// Owned pairs from borrowed ones (or from pairs with borrowed names, such as a signed
/// request's query and headers).
pub fn pairs<K: AsRef<str>, V: AsRef<str>>(items: &[(K, V)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_matches_the_official_tables() {
        // api-docs/signing.md A1, A5, A6, A7 (the SDK's own tests use the same vectors).
        for (input, expected) in [
            (
                r"123abc!@#$%^&*()-=_+ ~|\/",
                r"123abc%21%40%23%24%25%5E%26%2A%28%29-%3D_%2B%20~%7C%5C%2F",
            ),
            ("2016-02-23T12:46:24Z", "2016-02-23T12%3A46%3A24Z"),
            ("\"", "%22"),
            (
                "BiliBili2020拜年祭",
                "BiliBili2020%E6%8B%9C%E5%B9%B4%E7%A5%AD",
            ),
            ("db😀", "db%F0%9F%98%80"),
            ("a+b/c=", "a%2Bb%2Fc%3D"),
            ("1527670146%N", "1527670146%25N"),
        ] {
            assert_eq!(percent_encode(input), expected, "{input:?}");
            assert_eq!(percent_decode(expected), input, "{expected:?}");
        }
    }

    #[test]
    fn forms_round_trip_and_odd_escapes_stay() {
        let form = encode_form(&[("b", "x y"), ("a", "1+1"), ("e", "")]);
        assert_eq!(form, "b=x%20y&a=1%2B1&e=");
        assert_eq!(
            decode_form(&form),
            pairs(&[("b", "x y"), ("a", "1+1"), ("e", "")])
        );
        assert_eq!(percent_decode("100%+%4"), "100%+%4");
        assert_eq!(param(&pairs(&[("a", "1"), ("a", "2")]), "a"), None);
        assert_eq!(param(&pairs(&[("a", "1"), ("b", "2")]), "b"), Some("2"));
    }
}
