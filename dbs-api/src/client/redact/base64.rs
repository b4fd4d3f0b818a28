//! The base64 spellings of a secret, wherever it sits in the encoded text.
//!
//! A secret may be base64-encoded alone or inside a longer value (`user:secret` of an HTTP
//! Basic header, a JSON document). Inside, it starts at one of three offsets within a 3-byte
//! group, so for each offset and each alphabet (standard and URL-safe) the characters that
//! depend on the secret's bytes only are a fixed string: the "core". Finding a core redacts the
//! run it belongs to, including the partial character on either side, which mixes bits of the
//! secret with bits of its neighbours, and the `=` padding.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// Shorter cores are not searched: six base64 characters are 36 bits, unlikely in other text.
/// Secrets of five bytes or more have cores this long at every offset.
pub(super) const MIN_CORE_CHARS: usize = 6;

/// A base64 core of a secret, and whether a partial character sits on either side of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Core {
    pub text: String,
    pub partial_before: bool,
    pub partial_after: bool,
}

/// Every core of `secret`: three offsets, two alphabets, duplicates removed.
pub(super) fn cores(secret: &[u8]) -> Vec<Core> {
    let mut cores = Vec::new();
    for offset in 0..3 {
        let mut bytes = vec![0; offset];
        bytes.extend_from_slice(secret);
        let (start_bit, end_bit) = (8 * offset, 8 * (offset + secret.len()));
        // Characters fully inside the secret's bits.
        let first = start_bit.div_ceil(6);
        let last = end_bit / 6;
        if last < first + MIN_CORE_CHARS {
            continue;
        }
        for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&bytes);
            let core = Core {
                text: encoded[first..last].to_owned(),
                partial_before: start_bit % 6 != 0,
                partial_after: end_bit % 6 != 0,
            };
            if !cores.contains(&core) {
                cores.push(core);
            }
        }
    }
    cores
}

/// The encoding of a secret too short for a core at offset 0 (four bytes, whose five whole
/// characters are fewer than [`MIN_CORE_CHARS`]), as it stands when encoded alone: `abcd` is
/// `YWJjZA==`. The sixth character holds the secret's last two bits and four zero bits, so the
/// six are as rare in other text as a core; the padding is widened over. Inside a longer value
/// (`u:abcd`) such a secret is not found.
pub(super) fn alone(secret: &[u8]) -> Vec<Core> {
    if 8 * secret.len() / 6 >= MIN_CORE_CHARS {
        return Vec::new();
    }
    let mut alone: Vec<Core> = Vec::new();
    for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
        let core = Core {
            text: engine.encode(secret),
            partial_before: false,
            partial_after: false,
        };
        if core.text.len() >= MIN_CORE_CHARS && !alone.contains(&core) {
            alone.push(core);
        }
    }
    alone
}

/// Widens a core found at `start..end` of `text` over the partial characters and padding.
pub(super) fn widen(core: &Core, text: &[u8], start: usize, end: usize) -> (usize, usize) {
    let is_base64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
    let start = if core.partial_before && start > 0 && text.get(start - 1).is_some_and(is_base64) {
        start - 1
    } else {
        start
    };
    let mut end = end;
    if core.partial_after && text.get(end).is_some_and(is_base64) {
        end += 1;
    }
    for _ in 0..2 {
        match text.get(end..) {
            Some([b'=', ..]) => end += 1,
            Some([b'%', b'3', b'D' | b'd', ..]) => end += 3,
            _ => break,
        }
    }
    (start, end)
}

/// The most text bytes [`widen`] adds.
pub(super) const MAX_WIDENING: usize = 1 + 1 + 2 * 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_are_the_secret_only_characters() {
        // base64.b64encode(b"S3cr3t DB/pw+&\xc3\xa9!") == b"UzNjcjN0IERCL3B3KybDqSE="
        let all = cores("S3cr3t DB/pw+&é!".as_bytes());
        assert_eq!(all[0].text, "UzNjcjN0IERCL3B3KybDqS");
        assert!(!all[0].partial_before && all[0].partial_after);
        // base64.b64encode(b"u:S3cr3t DB/pw+&\xc3\xa9!") == b"dTpTM2NyM3QgREIvcHcrJsOpIQ==":
        // "u:" puts the secret at offset 2, whose first whole character is the fourth.
        assert!(
            all.iter()
                .any(|core| core.text == "TM2NyM3QgREIvcHcrJsOpI" && core.partial_before),
            "{all:?}"
        );
        assert!(cores(b"abcd").is_empty());
    }

    #[test]
    fn a_four_byte_secret_is_found_encoded_alone() {
        // base64.b64encode(b"abcd") == b"YWJjZA=="
        let texts: Vec<String> = alone(b"abcd").into_iter().map(|core| core.text).collect();
        assert_eq!(texts, ["YWJjZA"]);
        // base64.urlsafe_b64encode(b"\xfb\xff\xfe>") == b"-__-Pg==", standard "+//+Pg=="
        let texts: Vec<String> = alone(b"\xfb\xff\xfe>")
            .into_iter()
            .map(|core| core.text)
            .collect();
        assert_eq!(texts, ["+//+Pg", "-__-Pg"]);
        assert!(alone(b"abcde").is_empty());
    }
}
