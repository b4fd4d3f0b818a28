//! Makes what the server sends back safe to show: a service may echo parameters (the V1
//! StringToSign holds every one, the password included) in messages and error pages, and a
//! hostile one may send terminal control sequences. Every server-supplied string passes
//! through [`Redactor::redact`] before it reaches an error or a log.

mod base64;
mod entities;
mod escape;
mod spelling;

use crate::sensitive::REDACTED;
use escape::escape_unsafe;

/// Secrets shorter than this are not searched for in server text.
pub(crate) const MIN_SECRET_CHARS: usize = 4;

/// The secrets of one call, searched for in every spelling a server might echo them in, and
/// the escaping of characters that must not reach a terminal raw.
///
/// The client passes every string the server sends back in an error or a log through the
/// redactor of the call (its sensitive parameters, the AccessKeySecret and the SecurityToken).
/// The typed outputs of a successful call hold the server's strings as they came, raw: a
/// program that prints them, and may have sent secrets the server could echo, builds a
/// `Redactor` from the same secrets and prints [`Redactor::redact`] of a string, or
/// [`Redactor::redact_json`] of a JSON value serialized with the characters of
/// [`Redactor::is_unsafe`] escaped.
///
/// ```
/// let redactor = dbs_api::Redactor::new(["S3cr3t DB/pw"]);
/// assert_eq!(
///     redactor.redact("bad password S3cr3t%20DB%2Fpw\u{2028}"),
///     "bad password ** redacted **\\u{2028}"
/// );
/// ```
///
/// Matching reads the server text through its possible encodings: raw; percent-encoded in
/// either hex case, up to four times; `+` for a space; JSON escapes (`\u00e9`, `\/`,
/// surrogate pairs); HTML entities (the named ones of the characters up to U+00FF, `&amp;`,
/// `&sol;`, `&eacute;`, `&nbsp;`, and decimal and hex numeric entities for any character); and any mix of these, character by character. Base64 of a
/// secret (standard or URL-safe, alone or inside a longer value such as `user:secret`) is
/// found through the characters that depend on the secret alone, also when wrapped in lines
/// (MIME's 76 characters, PEM's 64); a four-byte secret only when encoded alone (`abcd` as
/// `YWJjZA==`).
///
/// Not recognised, so a server that echoes in these forms is not redacted:
/// - secrets of fewer than four characters: they cannot be told apart from ordinary text;
/// - HTML named entities of characters past U+00FF (`&euro;`, `&alpha;`), and the legacy names
///   without their `;` (`&eacute`);
/// - nesting deeper than four encodings (`%2525252541`);
/// - base64 of an already encoded secret, of a four-byte secret inside a longer value
///   (`u:abcd`), or wrapped with escaped line breaks (a literal `\n`);
/// - hex or octal dumps, changes of case, truncated echoes, and a secret split across fields.
pub struct Redactor {
    needles: Vec<Needle>,
    /// Bytes a match can start with: a needle's first byte, or the start of an escape.
    starts: [bool; 256],
}

/// The redactor of one call, built on first use from the call's secrets: building one costs
/// more than signing the call, and a call that succeeds has nothing to redact.
pub(crate) struct LazyRedactor<'a> {
    secrets: Vec<&'a str>,
    built: std::sync::OnceLock<Redactor>,
}

impl<'a> LazyRedactor<'a> {
    /// Keeps the secrets for [`LazyRedactor::get`]; nothing is built yet.
    pub fn new(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            secrets: secrets.into_iter().collect(),
            built: std::sync::OnceLock::new(),
        }
    }

    /// The redactor, built by the first caller.
    pub fn get(&self) -> &Redactor {
        self.built
            .get_or_init(|| Redactor::new(self.secrets.iter().copied()))
    }
}

impl std::fmt::Debug for LazyRedactor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secrets themselves are not shown.
        write!(f, "LazyRedactor({} secrets)", self.secrets.len())
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The needles are the secrets themselves.
        write!(f, "Redactor({} needles)", self.needles.len())
    }
}

/// One string to search for: a secret's UTF-8 bytes, or one of its base64 cores.
struct Needle {
    bytes: Vec<u8>,
    base64: Option<base64::Core>,
}

impl Redactor {
    /// The redactor of a call whose secrets are `secrets`; those shorter than
    /// four characters are left out.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut needles = Vec::new();
        // A secret of a few characters cannot be told apart from ordinary text: searching
        // for it would garble every message and reveal which letters it is made of.
        for secret in secrets
            .into_iter()
            .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
        {
            needles.push(Needle {
                bytes: secret.as_bytes().to_vec(),
                base64: None,
            });
            needles.extend(
                base64::cores(secret.as_bytes())
                    .into_iter()
                    .chain(base64::alone(secret.as_bytes()))
                    .map(|core| Needle {
                        bytes: core.text.as_bytes().to_vec(),
                        base64: Some(core),
                    }),
            );
        }
        let mut starts = [false; 256];
        for byte in [b'%', b'&', b'\\', b'+'] {
            starts[usize::from(byte)] = true;
        }
        for needle in &needles {
            starts[usize::from(needle.bytes[0])] = true;
        }
        Self { needles, starts }
    }

    /// The most text bytes one spelling of a secret can take, so a caller cutting text can
    /// keep enough after the cut.
    pub(crate) fn longest(&self) -> usize {
        self.needles
            .iter()
            .map(|n| {
                let breaks = if n.base64.is_some() {
                    spelling::MAX_BREAK_BYTES
                } else {
                    0
                };
                n.bytes.len() * (spelling::MAX_UNIT_BYTES + breaks) + base64::MAX_WIDENING
            })
            .max()
            .unwrap_or(0)
    }

    /// `text` made safe to show: every spelling of a secret replaced by the redaction marker,
    /// then the characters of [`Redactor::is_unsafe`] escaped (`\u{1b}`; `\n`, `\t`, `\r`).
    pub fn redact(&self, text: &str) -> String {
        escape_unsafe(&self.redact_secrets(text)).into_owned()
    }

    /// `text` with every spelling of a secret replaced by the redaction marker, and nothing
    /// else changed: for text that is escaped when printed, such as a JSON string (see
    /// [`Redactor::is_unsafe`]).
    pub fn redact_secrets(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for (start, end) in self.find(text) {
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
        }
        out.push_str(&text[copied..]);
        out
    }

    /// `value` with [`Redactor::redact_secrets`] applied to every string in it, object keys
    /// included. Characters are not escaped, so the value keeps its meaning; print it with a
    /// serializer that escapes the characters of [`Redactor::is_unsafe`].
    pub fn redact_json(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(text) => Value::String(self.redact_secrets(text)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, v)| (self.redact_secrets(key), self.redact_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Whether [`Redactor::redact`] escapes `c`: a character that must not reach a terminal
    /// raw. These are the characters of the Unicode general categories Cc, Cf, Zl, Zp, Co and
    /// Cs, the noncharacters, and the default-ignorable code points (Hangul fillers, the
    /// combining grapheme joiner, variation selectors, tag characters): controls, line breaks,
    /// bidirectional overrides, and characters that show nothing.
    pub fn is_unsafe(c: char) -> bool {
        escape::is_unsafe(c)
    }

    /// The first `chars` characters of what [`Redactor::redact`] makes of `text`, reading no
    /// more of `text` than needed. The text is searched at least [`Redactor::longest`] bytes past
    /// the part that is kept, so a spelling that the cut would split is found whole; the window
    /// grows when redaction shrinks the text (a run of long spellings before the cut).
    pub(crate) fn redact_prefix(&self, text: &str, chars: usize) -> String {
        let mut window = chars.saturating_add(self.longest());
        loop {
            let end = floor_boundary(text, window.min(text.len()));
            let ranges = self.find(&text[..end]);
            let consumed = input_behind(&text[..end], &ranges, chars);
            if end == text.len() || consumed.saturating_add(self.longest()) <= end {
                let clean: String = self.redact(&text[..end]);
                return clean.chars().take(chars).collect();
            }
            window = window.saturating_mul(2);
        }
    }

    /// The byte ranges to replace: sorted, disjoint, on character boundaries.
    fn find(&self, text: &str) -> Vec<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut found: Vec<(usize, usize)> = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let candidate = self.starts[usize::from(bytes[at])] && text.is_char_boundary(at);
            match candidate.then(|| self.longest_match(bytes, at)).flatten() {
                Some((start, end)) => {
                    found.push((floor_boundary(text, start), ceil_boundary(text, end)));
                    at = end.max(at + 1);
                }
                None => at += 1,
            }
        }
        // A widened base64 match may reach back into the previous one.
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(found.len());
        for (start, end) in found {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }

    /// The widest match of any needle starting at `at`.
    fn longest_match(&self, bytes: &[u8], at: usize) -> Option<(usize, usize)> {
        // Decoded once for all needles: most positions start none of them.
        let first = spelling::units(bytes, at, spelling::MAX_DEPTH)?;
        self.needles
            .iter()
            .filter(|needle| {
                first
                    .as_slice()
                    .iter()
                    .any(|unit| needle.bytes.starts_with(unit.bytes()))
            })
            .filter_map(|needle| {
                let wrapped = needle.base64.is_some();
                let end = spelling::match_at(bytes, at, &needle.bytes, wrapped)?;
                Some(match &needle.base64 {
                    Some(core) => base64::widen(core, bytes, at, end),
                    None => (at, end),
                })
            })
            .max_by_key(|(start, end)| end - start)
    }
}

/// How many bytes of `text` lie behind the first `chars` characters of its redaction with
/// `ranges` (before escaping, which only lengthens the output and so never needs more input).
fn input_behind(text: &str, ranges: &[(usize, usize)], chars: usize) -> usize {
    let mut left = chars;
    let mut at = 0;
    for &(start, end) in ranges
        .iter()
        .chain(std::iter::once(&(text.len(), text.len())))
    {
        if let Some((offset, _)) = text[at..start].char_indices().nth(left) {
            return at + offset;
        }
        left -= text[at..start].chars().count();
        if start == text.len() {
            break;
        }
        let marker = REDACTED.chars().count();
        if left <= marker {
            return end;
        }
        left -= marker;
        at = end;
    }
    text.len()
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_is_replaced() {
        let redactor = Redactor::new(["p&ss word", ""]);
        let echoed = "a=p&ss word b=p%26ss%20word c=p%2526ss%2520word d=p&amp;ss word";
        let clean = redactor.redact(echoed);
        assert_eq!(
            clean,
            format!("a={REDACTED} b={REDACTED} c={REDACTED} d={REDACTED}")
        );
        let short = Redactor::new(["e"]).redact("The specified plan does not exist.");
        assert_eq!(short, "The specified plan does not exist.");
        let quoted = Redactor::new(["say \"hi\""]).redact(r#"{"m":"say \"hi\""}"#);
        assert_eq!(quoted, format!(r#"{{"m":"{REDACTED}"}}"#));
    }

    #[test]
    fn form_encoding_and_base64_are_replaced_whole() {
        let redactor = Redactor::new(["S3cr3t DB/pw+&é!"]);
        // urllib.parse.quote_plus("S3cr3t DB/pw+&é!")
        let form = redactor.redact("pw=S3cr3t+DB%2Fpw%2B%26%C3%A9%21&x=1");
        assert_eq!(form, format!("pw={REDACTED}&x=1"));
        // base64.b64encode("u:S3cr3t DB/pw+&é!".encode()): the partial "p" and the padding go.
        let basic = redactor.redact("Basic dTpTM2NyM3QgREIvcHcrJsOpIQ== end");
        assert_eq!(basic, format!("Basic dT{REDACTED} end"));
        assert!(redactor.longest() >= "S3cr3t%2BDB%252Fpw%252B%2526%25C3%25A9%2521".len());
    }

    #[test]
    fn a_prefix_never_shows_part_of_a_spelling_cut_by_its_window() {
        let secret = "S3cr3t DB/pw+&é!";
        let redactor = Redactor::new([secret]);
        // Each echo spells every character as an HTML hex entity, percent-encoded twice: a
        // long spelling that redaction shrinks to the marker, pulling later text into the prefix.
        let long: String = secret
            .chars()
            .map(|c| format!("%2526%2523x{:08X}%253B", u32::from(c)))
            .collect();
        for echoes in [0, 1, 5, 20, 60] {
            let mut text = format!("{long} ").repeat(echoes);
            text.push_str(&long);
            let prefix = redactor.redact_prefix(&text, 200);
            assert_eq!(
                prefix,
                redactor.redact(&text).chars().take(200).collect::<String>()
            );
            assert!(!prefix.contains("x00000053"), "{echoes}: {prefix}");
        }
        assert_eq!(redactor.redact_prefix("short", 200), "short");
        assert_eq!(Redactor::new([]).redact_prefix("abcdef", 3), "abc");
    }

    #[test]
    fn json_keys_and_values_are_redacted_and_not_escaped() {
        let redactor = Redactor::new(["demo-Passw0rd"]);
        let answer = serde_json::json!({
            "Success": true,
            "RestoreTaskId": "demo-Passw0rd",
            "RequestId": "demo%2DPassw0rd",
            "List": [{"demo-Passw0rd": "x\u{2028}y"}, 7, null],
        });
        assert_eq!(
            redactor.redact_json(&answer),
            serde_json::json!({
                "Success": true,
                "RestoreTaskId": REDACTED,
                "RequestId": REDACTED,
                // Escaping is the printer's: the value keeps its meaning.
                "List": [{REDACTED: "x\u{2028}y"}, 7, null],
            })
        );
        assert_eq!(
            redactor.redact_secrets("a\u{2028}demo-Passw0rd"),
            format!("a\u{2028}{REDACTED}")
        );
    }

    #[test]
    fn spellings_of_issue_8_finding_6_are_replaced() {
        let redactor = Redactor::new(["S3cr3t DB/pw"]);
        for (echo, python) in [
            (
                "S3cr3t%25252520DB%2525252Fpw",
                "quote applied four times, safe=\"\"",
            ),
            (
                "S3cr3t%20DB%5C%2Fpw",
                "quote(json.dumps(s).replace(\"/\", \"\\\\/\")[1:-1], safe=\"\")",
            ),
            (
                "S3cr3t&#32;DB&sol;pw",
                "HTML: the named entity of / (WHATWG)",
            ),
        ] {
            assert_eq!(
                redactor.redact(&format!("pw={echo};")),
                format!("pw={REDACTED};"),
                "{python}"
            );
        }
    }

    #[test]
    fn latin1_named_entities_are_read() {
        let redactor = Redactor::new(["Caf\u{e9}\u{a0}pw!"]);
        assert_eq!(
            redactor.redact("<b>Caf&eacute;&nbsp;pw&excl;</b>"),
            format!("<b>{REDACTED}</b>")
        );
    }

    #[test]
    fn base64_of_a_four_character_secret_is_replaced() {
        // base64.b64encode(b"abcd") == b"YWJjZA=="; issue 8, finding 6.
        let redactor = Redactor::new(["abcd"]);
        assert_eq!(
            redactor.redact("Basic YWJjZA== and YWJjZA%3D%3D."),
            format!("Basic {REDACTED} and {REDACTED}.")
        );
    }

    #[test]
    fn wrapped_base64_of_a_long_secret_is_replaced() {
        // Issue 8, finding 6. s = ("S3cr3t DB/pw+&é!" * 4).encode()
        let redactor = Redactor::new([&*"S3cr3t DB/pw+&é!".repeat(4)]);
        // base64.encodebytes(s): MIME, a line every 76 characters.
        let mime = "UzNjcjN0IERCL3B3KybDqSFTM2NyM3QgREIvcHcrJsOpIVMzY3IzdCBEQi9wdysmw6khUzNjcjN0\n\
                    IERCL3B3KybDqSE=\n";
        assert_eq!(redactor.redact(mime), format!("{REDACTED}\\n"));
        // e = base64.b64encode(b"u:" + s); "\r\n".join(e[i:i+64] for i in range(0, len(e), 64))
        let pem = "dTpTM2NyM3QgREIvcHcrJsOpIVMzY3IzdCBEQi9wdysmw6khUzNjcjN0IERCL3B3\r\n\
                   KybDqSFTM2NyM3QgREIvcHcrJsOpIQ==";
        assert_eq!(redactor.redact(pem), format!("dT{REDACTED}"));
    }

    #[test]
    fn debug_does_not_show_the_secrets() {
        let debug = format!("{:?}", Redactor::new(["hunter22"]));
        assert!(
            !debug.contains("hunter22") && !debug.contains("aHVudGVy"),
            "{debug}"
        );
    }

    #[test]
    fn control_characters_are_escaped_after_redaction() {
        let redactor = Redactor::new(["hunter22"]);
        assert_eq!(
            redactor.redact("\u{1b}]0;hunter22\u{7}\u{202e}"),
            format!("\\u{{1b}}]0;{REDACTED}\\u{{7}}\\u{{202e}}")
        );
    }
}
