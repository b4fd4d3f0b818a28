//! Keeps a call's secrets out of what the server sends back: a service may echo parameters
//! (the V1 StringToSign holds every one, the password included) in messages and error pages.

use crate::encoding::percent_encode;
use crate::sensitive::REDACTED;

/// Secrets shorter than this are not searched for in server text.
pub(crate) const MIN_SECRET_CHARS: usize = 4;

/// The secret values of one call, in the spellings a server might echo them.
#[derive(Debug, Default)]
pub(crate) struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    /// Secrets as sent: raw, percent-encoded once (the wire) and twice (a V1 StringToSign).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut needles: Vec<String> = secrets
            .into_iter()
            // A secret of a few characters cannot be told apart from ordinary text: searching
            // for it would garble every message and reveal which letters it is made of.
            .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
            .flat_map(|s| {
                let once = percent_encode(s);
                let twice = percent_encode(&once);
                [s.to_owned(), once, twice, html_escape(s), json_escape(s)]
            })
            .collect();
        // Longest first, so an encoded spelling is replaced whole before its raw core.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles.dedup();
        Self { needles }
    }

    /// The length of the longest spelling, so a caller cutting text can keep enough context.
    pub fn longest(&self) -> usize {
        self.needles.first().map_or(0, String::len)
    }

    /// `text` with every secret replaced by the redaction marker.
    pub fn redact(&self, text: &str) -> String {
        self.needles.iter().fold(text.to_owned(), |text, needle| {
            text.replace(needle.as_str(), REDACTED)
        })
    }
}

/// The spelling of `s` inside an HTML page.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The spelling of `s` inside a JSON string.
fn json_escape(s: &str) -> String {
    let quoted = serde_json::Value::from(s).to_string();
    quoted[1..quoted.len() - 1].to_owned()
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
}
