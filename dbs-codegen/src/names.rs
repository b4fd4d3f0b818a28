//! Wire names to Rust names, derived here and nowhere else.
//!
//! Wire names are acronym-heavy (`DestinationEndpointInstanceID`, `DBName`, `Forbidden.RAM`), so they
//! are split into words by hand rather than round-tripped through a case converter.

/// Splits a wire name into words: at `.`, `-`, `_` and spaces, before an upper-case letter that follows a
/// lower-case letter or digit, and before the last capital of an acronym followed by a lower-case letter
/// (`DBName` → `DB`, `Name`).
pub fn words(wire: &str) -> Vec<String> {
    let chars: Vec<char> = wire.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `DestinationEndpointInstanceID` → `destination_endpoint_instance_id`; keywords get a trailing `_`.
pub fn snake_case(wire: &str) -> String {
    let name = words(wire)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    escape_keyword(name)
}

/// `RDS` → `Rds`, `Request.Forbidden` → `RequestForbidden`, `dg` → `Dg`.
pub fn pascal_case(wire: &str) -> String {
    let name: String = words(wire)
        .iter()
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{name}")
    } else {
        escape_keyword(name)
    }
}

/// `BackupPlanId` → `backup-plan-id`, the CLI flag spelling.
pub fn kebab_case(wire: &str) -> String {
    snake_case(wire).trim_end_matches('_').replace('_', "-")
}

/// Rust's strict and reserved keywords (2024 edition). A derived name that is one gets a trailing
/// `_`; a name the spec gives verbatim (a type name) must not be one.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

fn escape_keyword(name: String) -> String {
    if is_keyword(&name) { name + "_" } else { name }
}

/// Whether `name` is a Rust keyword. The emitter makes plain identifiers, never raw ones (and
/// `Self`, `self`, `super` and `crate` cannot be raw anyway).
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Whether a name can be a plain Rust identifier in generated code: ASCII letters, digits and `_`,
/// not starting with a digit, not `_` alone, not a keyword. The spec may contain anything, and
/// `proc_macro2::Ident::new` panics on what is not an identifier, so every name the emitter turns
/// into an `Ident` is checked with this first.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
        && !is_keyword(name)
}

/// Why `name` is not a usable identifier, for messages; `None` when it is one.
pub fn identifier_problem(name: &str) -> Option<String> {
    if is_identifier(name) {
        None
    } else if name.is_empty() {
        Some("it has no ASCII letters or digits to make one from".to_owned())
    } else if is_keyword(name) {
        Some(format!("`{name}` is a Rust keyword"))
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        Some(format!("`{name}` starts with a digit"))
    } else {
        Some(format!("`{name}` is not an ASCII Rust identifier"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_survive() {
        assert_eq!(
            snake_case("DestinationEndpointInstanceID"),
            "destination_endpoint_instance_id"
        );
        assert_eq!(
            snake_case("DestinationEndpointIP"),
            "destination_endpoint_ip"
        );
        assert_eq!(
            snake_case("DestinationEndpointOracleSID"),
            "destination_endpoint_oracle_sid"
        );
        assert_eq!(snake_case("DBName"), "db_name");
        assert_eq!(snake_case("NewDBName"), "new_db_name");
        assert_eq!(snake_case("HttpStatusCode"), "http_status_code");
        assert_eq!(snake_case("Type"), "type_");
    }

    #[test]
    fn identifiers() {
        for good in ["foo", "Foo", "type_", "_x", "V1"] {
            assert!(is_identifier(good), "{good}");
        }
        for bad in [
            "", "_", "1a", "a-b", "Self", "self", "super", "crate", "fn", "日本",
        ] {
            assert!(!is_identifier(bad), "{bad}");
            assert!(identifier_problem(bad).is_some(), "{bad}");
        }
        // Derived names never come out as keywords, and those with no letters come out empty.
        assert_eq!(pascal_case("self"), "Self_");
        assert_eq!(snake_case("Self"), "self_");
        assert_eq!(pascal_case("!!!"), "");
        assert_eq!(pascal_case("日本"), "");
    }

    #[test]
    fn variants_and_flags() {
        assert_eq!(pascal_case("RDS"), "Rds");
        assert_eq!(pascal_case("dg"), "Dg");
        assert_eq!(pascal_case("MySQL"), "MySql");
        assert_eq!(pascal_case("Request.Forbidden"), "RequestForbidden");
        assert_eq!(
            pascal_case("InvalidTimeStamp.Expired"),
            "InvalidTimeStampExpired"
        );
        assert_eq!(
            kebab_case("DestinationEndpointOracleSID"),
            "destination-endpoint-oracle-sid"
        );
        assert_eq!(kebab_case("CrossAliyunId"), "cross-aliyun-id");
    }
}
