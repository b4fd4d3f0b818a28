//! Keeps a call's secrets out of what the server sends back: a service may echo parameters
//! (the V1 StringToSign holds every one, the password included) in messages and error pages.

use crate::encoding::percent_encode;
use crate::sensitive::REDACTED;

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
            .filter(|s| !s.is_empty())
            .flat_map(|s| {
                let once = percent_encode(s);
                let twice = percent_encode(&once);
                [s.to_owned(), once, twice]
            })
            .collect();
        // Longest first, so an encoded spelling is replaced whole before its raw core.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles.dedup();
        Self { needles }
    }

    /// `text` with every secret replaced by the redaction marker.
    pub fn redact(&self, text: &str) -> String {
        self.needles.iter().fold(text.to_owned(), |text, needle| {
            text.replace(needle.as_str(), REDACTED)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_is_replaced() {
        let redactor = Redactor::new(["p&ss word", ""]);
        let echoed = "a=p&ss word b=p%26ss%20word c=p%2526ss%2520word";
        let clean = redactor.redact(echoed);
        assert_eq!(clean, format!("a={REDACTED} b={REDACTED} c={REDACTED}"));
    }
}
