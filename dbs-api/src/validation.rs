//! Violations of the spec's rules, reported all at once before anything is sent.

use std::fmt;

/// One broken rule: which wire parameter, the rule in words, and where the rule comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    parameter: String,
    rule: String,
    rule_id: Option<&'static str>,
    reference: &'static str,
}

impl Violation {
    /// The wire name of the parameter (`DestinationEndpointRegion`), or a path into a JSON
    /// parameter (`RestoreObjects[0].DBName`).
    pub fn parameter(&self) -> &str {
        &self.parameter
    }

    /// The rule in words: `required when DestinationEndpointInstanceType is RDS, …`.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The spec's ID of a conditional rule (`R1`), when it has one.
    pub fn rule_id(&self) -> Option<&'static str> {
        self.rule_id
    }

    /// The API reference page the rule comes from.
    pub fn reference(&self) -> &'static str {
        self.reference
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.parameter, self.rule)?;
        if let Some(id) = self.rule_id {
            write!(f, " [{id}]")?;
        }
        write!(f, " (see {})", self.reference)
    }
}

/// Every violation found in one input. Nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    violations: Vec<Violation>,
}

impl ValidationError {
    /// The violations: in parameter order from `validate`, in the order given from
    /// `from_wire_params`.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Parse errors and rule violations as one result. A parameter that failed to parse is
    /// reported once, for the parse error, not again as missing.
    #[doc(hidden)]
    pub fn combine(parsed: Result<(), Self>, validated: Result<(), Self>) -> Result<(), Self> {
        match (parsed, validated) {
            (Ok(()), result) | (result, Ok(())) => result,
            (Err(mut parse), Err(rules)) => {
                let unparsed: Vec<String> = parse
                    .violations
                    .iter()
                    .map(|v| v.parameter.clone())
                    .collect();
                parse.violations.extend(
                    rules
                        .violations
                        .into_iter()
                        .filter(|v| !unparsed.contains(&v.parameter)),
                );
                Err(parse)
            }
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.violations.len();
        write!(
            f,
            "{count} invalid parameter{}: ",
            if count == 1 { "" } else { "s" }
        )?;
        for (i, violation) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", violation.parameter, violation.rule)?;
            if let Some(id) = violation.rule_id {
                write!(f, " [{id}]")?;
            }
        }
        if let Some(first) = self.violations.first() {
            write!(f, " (see {})", first.reference)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// Whether a parameter is there, and for strings whether it is empty.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Not set.
    Missing,
    /// Set to the empty string.
    Empty,
    /// Set.
    Present,
}

impl Presence {
    /// Presence of a string value.
    pub fn of_str(value: Option<&str>) -> Self {
        match value {
            None => Self::Missing,
            Some(v) if v.trim().is_empty() => Self::Empty,
            Some(_) => Self::Present,
        }
    }

    /// Presence of any other value.
    pub fn of(set: bool) -> Self {
        if set { Self::Present } else { Self::Missing }
    }
}

/// Three-valued AND: false if any is false, unknown if any is unknown, else true.
#[doc(hidden)]
pub fn all_of<const N: usize>(conditions: [Option<bool>; N]) -> Option<bool> {
    if conditions.contains(&Some(false)) {
        Some(false)
    } else if conditions.contains(&None) {
        None
    } else {
        Some(true)
    }
}

/// Three-valued OR: true if any is true, unknown if any is unknown, else false.
#[doc(hidden)]
pub fn any_of<const N: usize>(conditions: [Option<bool>; N]) -> Option<bool> {
    if conditions.contains(&Some(true)) {
        Some(true)
    } else if conditions.contains(&None) {
        None
    } else {
        Some(false)
    }
}

/// Whether an enum's wire value is one of `values`, without regard to ASCII case.
#[doc(hidden)]
pub fn value_in(value: &str, values: &[&str]) -> bool {
    values.iter().any(|v| v.eq_ignore_ascii_case(value))
}

/// Collects violations for one operation; generated validators call it.
#[doc(hidden)]
#[derive(Debug)]
pub struct Violations {
    reference: &'static str,
    list: Vec<Violation>,
}

impl Violations {
    /// A collector for the operation documented at `reference`.
    pub fn new(reference: &'static str) -> Self {
        Self {
            reference,
            list: Vec::new(),
        }
    }

    fn push(
        &mut self,
        parameter: impl Into<String>,
        rule: impl Into<String>,
        rule_id: Option<&'static str>,
    ) {
        self.list.push(Violation {
            parameter: parameter.into(),
            rule: rule.into(),
            rule_id,
            reference: self.reference,
        });
    }

    /// A requirement: `applies` is whether the rule's condition holds (`None`: unknown, skipped).
    pub fn require(
        &mut self,
        parameter: &'static str,
        presence: Presence,
        applies: Option<bool>,
        rule_id: Option<&'static str>,
        rule: &'static str,
    ) {
        if applies != Some(true) {
            return;
        }
        match presence {
            Presence::Missing => self.push(parameter, format!("missing; {rule}"), rule_id),
            Presence::Empty => self.push(parameter, format!("must not be empty; {rule}"), rule_id),
            Presence::Present => {}
        }
    }

    /// A name that is not a parameter of the operation (a registry call's pairs): it would not
    /// be sent, so the call would silently differ from the one asked for. Suggests the known
    /// name it matches without regard to case, if any.
    pub fn unknown_parameter<'a>(&mut self, name: &str, known: impl IntoIterator<Item = &'a str>) {
        let rule = match known.into_iter().find(|k| k.eq_ignore_ascii_case(name)) {
            Some(spelling) => {
                format!("not a parameter of this operation; did you mean {spelling}?")
            }
            None => "not a parameter of this operation".to_owned(),
        };
        self.push(name, rule, None);
    }

    /// A parameter that must be absent: reported when `applies` is `Some(true)` and the value
    /// counts as there (`presence`).
    pub fn forbid(
        &mut self,
        parameter: &'static str,
        presence: Presence,
        applies: Option<bool>,
        rule_id: Option<&'static str>,
        rule: &'static str,
    ) {
        if applies == Some(true) && presence == Presence::Present {
            self.push(parameter, format!("must not be set; {rule}"), rule_id);
        }
    }

    /// An integer outside its inclusive bounds. `None` is no bound (the type's own); `unit` is
    /// the unit in words, which says why the bound is what it is (`a TCP port number`).
    pub fn range(
        &mut self,
        parameter: impl Into<String>,
        value: i64,
        min: Option<i64>,
        max: Option<i64>,
        unit: Option<&'static str>,
    ) {
        let below = min.is_some_and(|min| value < min);
        let above = max.is_some_and(|max| value > max);
        if !(below || above) {
            return;
        }
        let bound = match (min, max) {
            (Some(min), Some(max)) => format!("between {min} and {max}"),
            (Some(min), None) => format!(">= {min}"),
            (None, Some(max)) => format!("<= {max}"),
            (None, None) => return,
        };
        let unit = unit.map(|unit| format!(" ({unit})")).unwrap_or_default();
        self.push(
            parameter,
            format!("must be {bound}{unit}, got {value}"),
            None,
        );
    }

    /// An enum value the spec does not list, blank included (an empty or white-space-only value
    /// names no value; sending it would leave the service to guess).
    ///
    /// `required` is the parameter's requirement in words and its rule ID when the requirement
    /// applies: a blank value of a required parameter is reported once, saying both. `parameter`
    /// is a wire name, or a path such as `Kinds[1]` for a list member.
    pub fn one_of(
        &mut self,
        parameter: impl Into<String>,
        value: &str,
        values: &[&str],
        required: Option<(&'static str, Option<&'static str>)>,
    ) {
        let known = values.join(", ");
        let one_of = format!("must be one of {known}, got {value:?}");
        match required {
            _ if !value.trim().is_empty() => self.push(parameter, one_of, None),
            Some((rule, rule_id)) => self.push(
                parameter,
                format!("must not be empty; {rule}; {one_of}"),
                rule_id,
            ),
            None => self.push(parameter, format!("must not be empty; {one_of}"), None),
        }
    }

    /// A list shorter than its minimum.
    pub fn min_items(&mut self, parameter: &'static str, len: usize, min: u64) {
        if (len as u64) < min {
            let noun = if min == 1 { "item" } else { "items" };
            self.push(
                parameter,
                format!("must have at least {min} {noun}, got {len}"),
                None,
            );
        }
    }

    /// A required member of a JSON structure that is empty.
    pub fn member_not_empty(&mut self, path: &str, member: &'static str, value: &str) {
        if value.trim().is_empty() {
            self.push(
                format!("{path}.{member}"),
                "required member must not be empty",
                None,
            );
        }
    }

    /// Parses an int32 wire value.
    pub fn parse_int32(&mut self, parameter: &'static str, value: &str) -> Option<i32> {
        self.parse(parameter, value, "an int32 integer")
    }

    /// Parses an int64 wire value.
    pub fn parse_int64(&mut self, parameter: &'static str, value: &str) -> Option<i64> {
        self.parse(parameter, value, "an int64 integer")
    }

    /// Parses a boolean wire value (`true` / `false`, any case).
    pub fn parse_bool(&mut self, parameter: &'static str, value: &str) -> Option<bool> {
        match value.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                self.push(
                    parameter,
                    format!("must be true or false, got {value:?}"),
                    None,
                );
                None
            }
        }
    }

    /// Parses a JSON-encoded wire value into its shape.
    pub fn parse_json<T: serde::de::DeserializeOwned>(
        &mut self,
        parameter: &'static str,
        value: &str,
    ) -> Option<T> {
        match serde_json::from_str(value) {
            Ok(parsed) => Some(parsed),
            Err(e) => {
                self.push(
                    parameter,
                    format!("must be JSON of the documented shape: {e}"),
                    None,
                );
                None
            }
        }
    }

    fn parse<T: std::str::FromStr>(
        &mut self,
        parameter: &'static str,
        value: &str,
        what: &str,
    ) -> Option<T> {
        match value.trim().parse() {
            Ok(parsed) => Some(parsed),
            Err(_) => {
                self.push(parameter, format!("must be {what}, got {value:?}"), None);
                None
            }
        }
    }

    /// The idempotency token (`ClientToken`) rule of the API reference: "The token can contain
    /// only ASCII characters and cannot exceed 64 characters in length" (the official
    /// metadata's `CreateRestoreTask.ClientToken`). Read as visible ASCII: a space or a control
    /// character is no token the service documents, and it would garble the retry hint that
    /// quotes the token. A blank value is no token (the client makes one) and passes.
    pub fn client_token(&mut self, parameter: &'static str, value: &str) {
        const MAX_CHARS: usize = 64;
        if value.trim().is_empty() {
            return;
        }
        let length = value.chars().count();
        if length > MAX_CHARS {
            self.push(
                parameter,
                format!("must be at most {MAX_CHARS} characters, got {length}"),
                None,
            );
        } else if !value.bytes().all(|b| b.is_ascii_graphic()) {
            // The value is not quoted: it may hold terminal control sequences.
            self.push(
                parameter,
                "must hold only visible ASCII characters (no spaces or control characters)",
                None,
            );
        }
    }

    /// `Ok` when nothing was found.
    pub fn finish(self) -> Result<(), ValidationError> {
        if self.list.is_empty() {
            Ok(())
        } else {
            Err(ValidationError {
                violations: self.list,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://example.invalid/op";

    fn rules(check: impl FnOnce(&mut Violations)) -> Vec<String> {
        let mut violations = Violations::new(PAGE);
        check(&mut violations);
        violations.list.into_iter().map(|v| v.rule).collect()
    }

    #[test]
    fn a_range_names_only_the_bounds_it_has() {
        let unit = Some("a TCP port number");
        assert_eq!(
            rules(|v| v.range("P", 0, Some(1), Some(65535), unit)),
            ["must be between 1 and 65535 (a TCP port number), got 0"]
        );
        assert_eq!(
            rules(|v| v.range("T", -1, Some(0), None, None)),
            ["must be >= 0, got -1"]
        );
        assert_eq!(
            rules(|v| v.range("N", 101, None, Some(100), None)),
            ["must be <= 100, got 101"]
        );
        // The bounds are inclusive.
        for (value, min, max) in [(1, Some(1), Some(65535)), (65535, Some(1), Some(65535))] {
            assert!(rules(|v| v.range("P", value, min, max, unit)).is_empty());
        }
        assert!(rules(|v| v.range("N", i64::MIN, None, None, None)).is_empty());
    }

    #[test]
    fn a_blank_enum_value_is_told_with_the_values_and_the_requirement_if_any() {
        let values = ["failure", "renamenew"];
        assert_eq!(
            rules(|v| v.one_of("D", " ", &values, None)),
            ["must not be empty; must be one of failure, renamenew, got \" \""]
        );
        assert_eq!(
            rules(|v| v.one_of("D", "", &values, Some(("required", None)))),
            ["must not be empty; required; must be one of failure, renamenew, got \"\""]
        );
        // A value with text is unknown, whatever the requirement.
        assert_eq!(
            rules(|v| v.one_of("D", " failure", &values, Some(("required", None)))),
            ["must be one of failure, renamenew, got \" failure\""]
        );
    }
}
