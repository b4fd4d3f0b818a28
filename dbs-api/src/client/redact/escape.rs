//! Server text made safe to print: characters that steer a terminal or reorder what is shown
//! become visible escapes.
//!
//! Escaped: the C0 controls (U+0000..U+001F, newline and tab included, so a message stays one
//! line and cannot fake another), DEL (U+007F), the C1 controls (U+0080..U+009F, which some
//! terminals read as ESC sequences), and the bidirectional formatting characters of the
//! "Trojan Source" class: the embeddings and overrides U+202A..U+202E, the isolates
//! U+2066..U+2069 and the marks U+200E, U+200F, U+061C. `\t`, `\n` and `\r` print as such,
//! the others as `\u{1b}`. A backslash is left as it is.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal raw.
pub(crate) fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{61c}')
}

/// `text` with every unsafe character replaced by a visible escape.
pub(crate) fn escape_unsafe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_become_visible() {
        assert_eq!(
            escape_unsafe("\u{1b}]0;title\u{7}\u{1b}[2J\u{8}x"),
            "\\u{1b}]0;title\\u{7}\\u{1b}[2J\\u{8}x"
        );
        assert_eq!(escape_unsafe("a\nb\tc\r"), "a\\nb\\tc\\r");
        assert_eq!(escape_unsafe("\u{7f}\u{85}\u{9b}"), "\\u{7f}\\u{85}\\u{9b}");
        assert_eq!(
            escape_unsafe("\u{202e}abc\u{2066}\u{2069}\u{200f}"),
            "\\u{202e}abc\\u{2066}\\u{2069}\\u{200f}"
        );
        assert!(matches!(escape_unsafe("é ü 中 \\ ok"), Cow::Borrowed(_)));
    }
}
