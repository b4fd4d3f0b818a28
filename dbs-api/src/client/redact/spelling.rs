//! Reading server text the way an echo may have spelled it.
//!
//! A server that quotes a parameter back may have encoded it any number of ways, and nested:
//! percent-encoding (either hex case, up to four times), form encoding (`+` for a space), JSON
//! escapes (`\u00e9`, `\/`), HTML entities (`&#83;`, `&#x53;`, `&amp;`, `&eacute;`). Rather than listing a
//! secret's spellings, which multiply with every character, [`units`] decodes the text at a
//! position into every unit (a byte, or a character's UTF-8 bytes) that the text there could
//! spell, each with where it ends; [`match_at`] walks a needle through those units. The parts
//! of an escape (the `%` of `%41`, the `&`, `#` and `;` of `&#65;`, the `\` of `\u0041`) may
//! themselves be spelled one level down, which is how double encodings are read.

/// How many encodings may be nested: `%25252541` (percent-encoded four times) is the deepest
/// read. Each level costs about half as much again on text full of escapes.
pub(super) const MAX_DEPTH: u8 = 4;

/// Digits read in a numeric HTML entity; longer runs of leading zeros are not recognised.
const MAX_DECIMAL_DIGITS: usize = 10;
const MAX_HEX_DIGITS: usize = 8;

/// The most text bytes one unit can take at [`MAX_DEPTH`]: a bound for callers that cut text.
pub(super) const MAX_UNIT_BYTES: usize = unit_bytes(MAX_DEPTH);

const fn unit_bytes(depth: u8) -> usize {
    if depth == 0 {
        return 1;
    }
    let below = unit_bytes(depth - 1);
    // `&` `#` `x` digits `;`, each of `&#;` spelled one level down; the longest form there is.
    let html = 3 * below + 1 + MAX_DECIMAL_DIGITS;
    // A surrogate pair: `\uD83D\uDE00`, each `\` spelled one level down.
    let json = 2 * (below + 5);
    let percent = below + 2;
    let mut most = html;
    if json > most {
        most = json;
    }
    if percent > most {
        most = percent;
    }
    most
}

/// One decoded unit: the bytes it stands for and the text position just after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Unit {
    bytes: [u8; 4],
    len: u8,
    pub end: usize,
}

impl Unit {
    fn byte(byte: u8, end: usize) -> Self {
        Self {
            bytes: [byte, 0, 0, 0],
            len: 1,
            end,
        }
    }

    fn char(c: char, end: usize) -> Self {
        let mut bytes = [0; 4];
        let len = c.encode_utf8(&mut bytes).len() as u8;
        Self { bytes, len, end }
    }

    /// The bytes this unit stands for.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    fn single(&self) -> Option<u8> {
        (self.len == 1).then_some(self.bytes[0])
    }
}

/// The units at one position: at most one per depth plus the raw byte, so no allocation.
#[derive(Clone, Copy, Debug)]
pub(super) struct Units {
    items: [Unit; MAX_UNITS],
    len: usize,
}

const MAX_UNITS: usize = MAX_DEPTH as usize + 1;

impl Units {
    fn one(unit: Unit) -> Self {
        Self {
            items: [unit; MAX_UNITS],
            len: 1,
        }
    }

    fn push(&mut self, unit: Unit) {
        if self.len < MAX_UNITS && !self.as_slice().contains(&unit) {
            self.items[self.len] = unit;
            self.len += 1;
        }
    }

    /// The units, the raw byte first.
    pub fn as_slice(&self) -> &[Unit] {
        &self.items[..self.len]
    }
}

/// Every unit the text at `at` could spell with up to `depth` nested encodings; the raw byte
/// comes first. `None` at the end of the text.
pub(super) fn units(text: &[u8], at: usize, depth: u8) -> Option<Units> {
    let first = *text.get(at)?;
    let mut out = Units::one(Unit::byte(first, at + 1));
    // Every encoded spelling starts with one of these, raw.
    if depth == 0 || !matches!(first, b'%' | b'&' | b'\\' | b'+') {
        return Some(out);
    }
    let lower = units(text, at, depth - 1)?;
    for unit in lower.as_slice() {
        let after = unit.end;
        let decoded = match unit.single() {
            Some(b'%') => hex_byte(text, after).map(|byte| Unit::byte(byte, after + 2)),
            Some(b'+') => Some(Unit::byte(b' ', after)),
            Some(b'&') => html_entity(text, after, depth - 1),
            Some(b'\\') => json_escape(text, after, depth - 1),
            _ => None,
        };
        if let Some(unit) = decoded {
            out.push(unit);
        }
    }
    Some(out)
}

/// The most text bytes a line break takes inside a wrapped spelling: `\r\n`.
pub(super) const MAX_BREAK_BYTES: usize = 2;

/// The end of the longest spelling of `needle` that starts at `at`, if there is one. With
/// `breaks`, one raw line break (`\n` or `\r\n`) may stand between two units, as in base64
/// wrapped every 76 (MIME) or 64 (PEM) characters.
pub(super) fn match_at(text: &[u8], at: usize, needle: &[u8], breaks: bool) -> Option<usize> {
    // Where the text is, how much of the needle it spelled, and whether a break was just read.
    let mut pending = vec![(at, 0, false)];
    let mut seen = Vec::new();
    let mut best = None;
    let mut push = |next, pending: &mut Vec<_>| {
        if !seen.contains(&next) {
            seen.push(next);
            pending.push(next);
        }
    };
    while let Some((position, matched, after_break)) = pending.pop() {
        if matched == needle.len() {
            best = best.max(Some(position));
            continue;
        }
        if breaks && matched > 0 && !after_break {
            let skip = match text.get(position..) {
                Some([b'\r', b'\n', ..]) => 2,
                Some([b'\n', ..]) => 1,
                _ => 0,
            };
            if skip > 0 {
                push((position + skip, matched, true), &mut pending);
            }
        }
        let Some(units) = units(text, position, MAX_DEPTH) else {
            continue;
        };
        for unit in units.as_slice() {
            if needle[matched..].starts_with(unit.bytes()) {
                push(
                    (unit.end, matched + unit.bytes().len(), false),
                    &mut pending,
                );
            }
        }
    }
    best
}

fn hex_digit(text: &[u8], at: usize) -> Option<u32> {
    text.get(at).and_then(|b| char::from(*b).to_digit(16))
}

/// Two hex digits, either case.
fn hex_byte(text: &[u8], at: usize) -> Option<u8> {
    let value = hex_digit(text, at)? * 16 + hex_digit(text, at + 1)?;
    u8::try_from(value).ok()
}

/// The end of a unit spelling `byte` (up to `depth` deep) at `at`, the longest if several.
fn spelled(text: &[u8], at: usize, byte: u8, depth: u8) -> Option<usize> {
    units(text, at, depth)?
        .as_slice()
        .iter()
        .filter(|unit| unit.single() == Some(byte))
        .map(|unit| unit.end)
        .max()
}

/// After a `&`: `#83;`, `#x53;`, `#X53;` (the `;` may be missing) or a name of
/// [`NAMED`](super::entities::NAMED) with its `;` (`amp;`, `sol;`, `nbsp;`, `eacute;`).
fn html_entity(text: &[u8], at: usize, depth: u8) -> Option<Unit> {
    // A name may start another (`not;`, `nbsp;`): the one followed by its `;` is meant.
    for &(name, c) in super::entities::NAMED {
        let name = name.as_bytes();
        if text.get(at..at + name.len()) == Some(name)
            && let Some(end) = spelled(text, at + name.len(), b';', depth)
        {
            return Some(Unit::char(c, end));
        }
    }
    spelled(text, at, b'#', depth).and_then(|at| {
        let (radix, start, max) = match text.get(at) {
            Some(b'x' | b'X') => (16, at + 1, MAX_HEX_DIGITS),
            _ => (10, at, MAX_DECIMAL_DIGITS),
        };
        let digits = text
            .get(start..)?
            .iter()
            .take(max + 1)
            .take_while(|b| char::from(**b).is_digit(radix))
            .count();
        if digits == 0 || digits > max {
            return None;
        }
        let end = start + digits;
        let number = std::str::from_utf8(&text[start..end]).ok()?;
        let c = char::from_u32(u32::from_str_radix(number, radix).ok()?)?;
        let end = spelled(text, end, b';', depth).unwrap_or(end);
        Some(Unit::char(c, end))
    })
}

/// After a `\`: a JSON escape, `\uXXXX` (with its low surrogate for characters past U+FFFF),
/// `\/`, `\\`, `\"`, `\b`, `\f`, `\n`, `\r`, `\t`. The character after the `\` may be
/// spelled one level down, as when `\/` is percent-encoded: `%5C%2F`.
fn json_escape(text: &[u8], at: usize, depth: u8) -> Option<Unit> {
    if text.get(at) != Some(&b'u') {
        let simple = |byte| match byte {
            b'/' => Some('/'),
            b'\\' => Some('\\'),
            b'"' => Some('"'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            _ => None,
        };
        return units(text, at, depth)?
            .as_slice()
            .iter()
            .filter_map(|unit| Some(Unit::char(simple(unit.single()?)?, unit.end)))
            .max_by_key(|unit| unit.end);
    }
    let code = code_unit(text, at + 1)?;
    if !(0xD800..0xDC00).contains(&code) {
        return char::from_u32(code).map(|c| Unit::char(c, at + 5));
    }
    spelled(text, at + 5, b'\\', depth).and_then(|after| {
        if text.get(after) != Some(&b'u') {
            return None;
        }
        let low = code_unit(text, after + 1).filter(|low| (0xDC00..0xE000).contains(low))?;
        let c = char::from_u32(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))?;
        Some(Unit::char(c, after + 5))
    })
}

/// Four hex digits.
fn code_unit(text: &[u8], at: usize) -> Option<u32> {
    (at..at + 4).try_fold(0, |value, i| Some(value * 16 + hex_digit(text, i)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str) -> Vec<Vec<u8>> {
        units(text.as_bytes(), 0, MAX_DEPTH)
            .map(|units| units.as_slice().to_vec())
            .unwrap_or_default()
            .into_iter()
            .filter(|unit| unit.end == text.len())
            .map(|unit| unit.bytes().to_vec())
            .collect()
    }

    #[test]
    fn one_character_in_many_spellings() {
        for spelling in [
            "%53",
            "%2553",
            "%252553",
            // Issue 8, finding 6: four levels.
            "%25252553",
            "&#83;",
            "&#083",
            "&#x53;",
            "&#X53;",
            "\\u0053",
            "%26%2383%3B",
            "\\u0026#83;",
        ] {
            assert!(decoded(spelling).contains(&b"S".to_vec()), "{spelling}");
        }
        // Issue 8, finding 6: named entities past the five XML ones.
        for (spelling, c) in [
            ("&eacute;", "é"),
            ("&nbsp;", "\u{a0}"),
            ("&sol;", "/"),
            ("&excl;", "!"),
            ("&not;", "¬"),
            ("%26sol%3B", "/"),
        ] {
            assert!(
                decoded(spelling).contains(&c.as_bytes().to_vec()),
                "{spelling}"
            );
        }
        for spelling in ["&amp;", "%26amp%3B", "&#38;"] {
            assert!(decoded(spelling).contains(&b"&".to_vec()), "{spelling}");
        }
        for spelling in ["&#233;", "&#xE9;", "\\u00e9", "\\u00E9"] {
            assert!(
                decoded(spelling).contains(&"é".as_bytes().to_vec()),
                "{spelling}"
            );
        }
        assert!(decoded("\\ud83d\\ude00").contains(&"😀".as_bytes().to_vec()));
        // Issue 8, finding 6: JSON's `\/`, then percent-encoded.
        for spelling in ["\\/", "%5C%2F", "%5c/", "\\%2F", "%255C%252F"] {
            assert!(decoded(spelling).contains(&b"/".to_vec()), "{spelling}");
        }
        assert!(decoded("+").contains(&b" ".to_vec()));
        assert!(decoded("%2B").contains(&b"+".to_vec()));
        // Malformed escapes are only themselves.
        for text in [
            "%4",
            "%G1",
            "&#;",
            "&#xZZ;",
            "\\ud83d",
            "\\q",
            "&#99999999999;",
        ] {
            let units = units(text.as_bytes(), 0, MAX_DEPTH).expect("not at the end");
            assert!(units.as_slice().iter().all(|unit| unit.end == 1), "{text}");
        }
    }

    #[test]
    fn a_needle_through_mixed_spellings() {
        let needle = "a b/é".as_bytes();
        for text in [
            "a b/é",
            "a+b%2F%C3%A9",
            "a%20b\\/\\u00e9",
            "&#97; b&#x2f;%c3%a9",
        ] {
            assert_eq!(
                match_at(text.as_bytes(), 0, needle, false),
                Some(text.len()),
                "{text}"
            );
        }
        assert_eq!(match_at(b"a b/e", 0, needle, false), None);
        // A line break only where breaks are allowed, one at a time, never first.
        assert_eq!(match_at(b"a b\r\n/\n\xc3\xa9", 0, needle, true), Some(9));
        assert_eq!(match_at(b"a b\n/\xc3\xa9", 0, needle, false), None);
        assert_eq!(match_at(b"a b\n\n/\xc3\xa9", 0, needle, true), None);
        assert_eq!(match_at(b"\na b/\xc3\xa9", 0, needle, true), None);
    }
}
