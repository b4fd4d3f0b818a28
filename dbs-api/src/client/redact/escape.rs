//! Server text made safe to print: characters that steer a terminal, reorder what is shown, or
//! show nothing at all become visible escapes.
//!
//! Escaped, by Unicode property rather than by a list of known tricks:
//! - the general categories Cc (C0, DEL, C1: newline and tab included, so a message stays one
//!   line and cannot fake another; some terminals read C1 as ESC sequences), Cf (format
//!   characters: the bidirectional controls of the "Trojan Source" class, zero-width spaces and
//!   joiners, U+FEFF, the interlinear annotations U+FFF9..U+FFFB, the soft hyphen, tag
//!   characters), Zl and Zp (U+2028, U+2029, which end a line in some viewers), Co (private
//!   use) and Cs (surrogates, which a `char` cannot hold: listed for completeness), from the
//!   `unicode-general-category` crate;
//! - the noncharacters (U+FDD0..U+FDEF and the last two code points of every plane);
//! - the Default_Ignorable_Code_Point characters of Unicode's DerivedCoreProperties.txt that
//!   are not Cf: the Hangul fillers, the combining grapheme joiner U+034F, the variation
//!   selectors, and the code points reserved as ignorable (see [`DEFAULT_IGNORABLE`]).
//!
//! `\t`, `\n` and `\r` print as such, the others as `\u{1b}`. A backslash is left as it is.

use std::borrow::Cow;

use unicode_general_category::{GeneralCategory, get_general_category};

/// Default_Ignorable_Code_Point, from Unicode 16.0's DerivedCoreProperties.txt, adjacent
/// ranges merged. The Cf among them are escaped by category already; listed whole so the
/// table can be checked against its source.
const DEFAULT_IGNORABLE: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),   // SOFT HYPHEN
    ('\u{034F}', '\u{034F}'),   // COMBINING GRAPHEME JOINER
    ('\u{061C}', '\u{061C}'),   // ARABIC LETTER MARK
    ('\u{115F}', '\u{1160}'),   // HANGUL CHOSEONG FILLER, JUNGSEONG FILLER
    ('\u{17B4}', '\u{17B5}'),   // KHMER VOWEL INHERENT AQ, AA
    ('\u{180B}', '\u{180F}'),   // MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
    ('\u{200B}', '\u{200F}'),   // ZERO WIDTH SPACE..RIGHT-TO-LEFT MARK
    ('\u{202A}', '\u{202E}'),   // bidirectional embeddings and overrides
    ('\u{2060}', '\u{206F}'),   // WORD JOINER..NOMINAL DIGIT SHAPES
    ('\u{3164}', '\u{3164}'),   // HANGUL FILLER
    ('\u{FE00}', '\u{FE0F}'),   // VARIATION SELECTOR-1..16
    ('\u{FEFF}', '\u{FEFF}'),   // ZERO WIDTH NO-BREAK SPACE
    ('\u{FFA0}', '\u{FFA0}'),   // HALFWIDTH HANGUL FILLER
    ('\u{FFF0}', '\u{FFF8}'),   // reserved
    ('\u{1BCA0}', '\u{1BCA3}'), // SHORTHAND FORMAT controls
    ('\u{1D173}', '\u{1D17A}'), // MUSICAL SYMBOL BEGIN BEAM..END PHRASE
    ('\u{E0000}', '\u{E0FFF}'), // tags, VARIATION SELECTOR-17..256, reserved
];

/// Whether `c` must not reach a terminal raw.
pub(crate) fn is_unsafe(c: char) -> bool {
    let category = matches!(
        get_general_category(c),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::PrivateUse
            | GeneralCategory::Surrogate
    );
    category
        || is_noncharacter(c)
        || DEFAULT_IGNORABLE
            .iter()
            .any(|&(first, last)| (first..=last).contains(&c))
}

/// The 66 noncharacters: U+FDD0..U+FDEF and U+xFFFE, U+xFFFF of every plane.
fn is_noncharacter(c: char) -> bool {
    let code = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE
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

    #[test]
    fn invisible_separators_and_ignorables_become_visible() {
        // Issue 8, finding 4: each printed raw before.
        let hidden = [
            '\u{2028}',
            '\u{2029}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{2061}',
            '\u{2062}',
            '\u{2063}',
            '\u{2064}',
            '\u{206A}',
            '\u{206F}',
            '\u{FEFF}',
            '\u{FFF9}',
            '\u{FFFA}',
            '\u{FFFB}',
            '\u{00AD}',
            '\u{034F}',
            '\u{115F}',
            '\u{3164}',
            '\u{FFA0}',
            '\u{E0001}',
            '\u{E0041}',
            '\u{E007F}',
            '\u{FE00}',
            '\u{FE0F}',
            '\u{E0100}',
            '\u{E01EF}',
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{10FFFF}',
            '\u{1FFFE}',
            '\u{FDD0}',
            '\u{E000}',
            '\u{F8FF}',
            '\u{F0000}',
            '\u{10FFFD}',
            '\u{180E}',
            '\u{1D173}',
        ];
        for c in hidden {
            let text = format!("a{c}b");
            assert_eq!(
                escape_unsafe(&text),
                format!("a\\u{{{:x}}}b", u32::from(c)),
                "U+{:04X}",
                u32::from(c)
            );
        }
        // Visible text stays: letters, marks, symbols, spaces, emoji, CJK, the fullwidth forms.
        let shown = "Ab é ñ́ 中文 한글 ① € 😀 ＡＢ\u{a0}\u{3000} ٣ \u{301} \\";
        assert!(matches!(escape_unsafe(shown), Cow::Borrowed(_)), "{shown}");
    }
}
