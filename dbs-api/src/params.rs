//! Per-parameter tables and the shared code that reads them.
//!
//! Each generated input carries one static table of [`ParamSpec`]s, in spec order, and lends its
//! fields to the functions here as [`Slot`]s; validation, serialization and reading wire pairs
//! back are written once, here, instead of once per parameter in generated code. The typed
//! builder API is unchanged: every field keeps its own Rust type, and [`Value`] says how a type
//! goes on the wire.

use crate::operation::ParamKind;
use crate::sensitive::Sensitive;
use crate::validation::{Presence, ValidationError, Violations, value_in};
use crate::wire::{WireParam, to_json};

/// When a parameter is required.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Required {
    /// Never.
    Never,
    /// Always.
    Always,
    /// When the operation's condition number `n` holds (conditions stay generated code: they
    /// read typed fields and the validation context).
    When(usize),
}

/// Facts about one request parameter, from the spec: what the shared validator, serializer and
/// reader need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    /// Wire name, `BackupPlanId`.
    pub wire: &'static str,
    /// Value kind; an enum's known values.
    pub kind: ParamKind,
    /// When it is required.
    pub required: Required,
    /// The requirement in words, as violations report it: `required`,
    /// `required when DestinationEndpointInstanceType is Agent`.
    pub rule: &'static str,
    /// The spec's ID of a conditional rule (`R1`).
    pub rule_id: Option<&'static str>,
    /// Inclusive lower bound of an integer.
    pub min: Option<i64>,
    /// Inclusive upper bound of an integer.
    pub max: Option<i64>,
    /// The unit of an integer, in words (`a TCP port number`).
    pub unit: Option<&'static str>,
    /// The fewest members a list may have.
    pub min_items: Option<u64>,
    /// A secret: printed redacted.
    pub sensitive: bool,
    /// Must be absent when the operation's condition number `n` holds.
    pub forbidden: Option<usize>,
    /// The prohibition in words, as violations report it: `forbidden when BackupPlanId is set`.
    pub forbidden_rule: &'static str,
    /// The spec's ID of the prohibition (`R2`).
    pub forbidden_id: Option<&'static str>,
}

impl ParamSpec {
    /// An optional parameter of kind `kind` with no bounds; the other facts are added with the
    /// methods below.
    pub const fn new(wire: &'static str, kind: ParamKind) -> Self {
        Self {
            wire,
            kind,
            required: Required::Never,
            rule: "optional",
            rule_id: None,
            min: None,
            max: None,
            unit: None,
            min_items: None,
            sensitive: false,
            forbidden: None,
            forbidden_rule: "",
            forbidden_id: None,
        }
    }

    /// An optional text parameter.
    pub const fn string(wire: &'static str) -> Self {
        Self::new(wire, ParamKind::String)
    }

    /// An optional int32 parameter.
    pub const fn int32(wire: &'static str) -> Self {
        Self::new(wire, ParamKind::Int32)
    }

    /// An optional int64 parameter.
    pub const fn int64(wire: &'static str) -> Self {
        Self::new(wire, ParamKind::Int64)
    }

    /// An optional boolean parameter.
    pub const fn boolean(wire: &'static str) -> Self {
        Self::new(wire, ParamKind::Boolean)
    }

    /// An optional enum parameter with its known values.
    pub const fn one_of(wire: &'static str, values: &'static [&'static str]) -> Self {
        Self::new(wire, ParamKind::Enum(values))
    }

    /// An optional JSON-encoded structure or list.
    pub const fn json(wire: &'static str) -> Self {
        Self::new(wire, ParamKind::Json)
    }

    /// Always required.
    pub const fn required(mut self) -> Self {
        self.required = Required::Always;
        self.rule = "required";
        self
    }

    /// Required when condition number `condition` holds; `rule` says when, in words.
    pub const fn when(mut self, condition: usize, rule: &'static str) -> Self {
        self.required = Required::When(condition);
        self.rule = rule;
        self
    }

    /// The spec's ID of the conditional rule (`R1`).
    pub const fn rule_id(mut self, id: &'static str) -> Self {
        self.rule_id = Some(id);
        self
    }

    /// Inclusive lower bound.
    pub const fn min(mut self, min: i64) -> Self {
        self.min = Some(min);
        self
    }

    /// Inclusive upper bound.
    pub const fn max(mut self, max: i64) -> Self {
        self.max = Some(max);
        self
    }

    /// The unit in words.
    pub const fn unit(mut self, unit: &'static str) -> Self {
        self.unit = Some(unit);
        self
    }

    /// The fewest members of a list.
    pub const fn min_items(mut self, min: u64) -> Self {
        self.min_items = Some(min);
        self
    }

    /// A secret.
    pub const fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Must be absent when condition number `condition` holds; `rule` says when, in words.
    pub const fn forbidden(mut self, condition: usize, rule: &'static str) -> Self {
        self.forbidden = Some(condition);
        self.forbidden_rule = rule;
        self
    }

    /// The spec's ID of the prohibition (`R2`).
    pub const fn forbidden_id(mut self, id: &'static str) -> Self {
        self.forbidden_id = Some(id);
        self
    }
}

/// A parameter's value type: how it is checked, sent and read back.
pub trait Value {
    /// The wire text.
    fn to_wire(&self) -> String;

    /// Reads wire text; a value that does not parse is reported on `violations` as `parameter`.
    fn from_wire(parameter: &'static str, text: &str, violations: &mut Violations) -> Option<Self>
    where
        Self: Sized;

    /// Whether a set value counts as there: a blank string does not.
    fn presence(&self) -> Presence {
        Presence::Present
    }

    /// An enum value the spec does not list, with the values it does.
    fn unknown(&self) -> Option<(&str, &'static [&'static str])> {
        None
    }

    /// An integer, for range checks.
    fn integer(&self) -> Option<i64> {
        None
    }

    /// Checks of the value's contents (list length, structure members).
    fn check(&self, spec: &ParamSpec, violations: &mut Violations) {
        let _ = (spec, violations);
    }
}

/// An open enum of the spec; implemented by generated enums.
pub trait WireEnum: Sized {
    /// Every value the spec knows.
    const KNOWN: &'static [&'static str];
    /// The value as sent.
    fn wire(&self) -> &str;
    /// A value the spec does not list (`Unknown`).
    fn unlisted(&self) -> Option<&str>;
    /// Parses a wire value; unknown values are kept.
    fn parse(text: &str) -> Self;
}

impl<T: WireEnum> Value for T {
    fn to_wire(&self) -> String {
        self.wire().to_owned()
    }
    fn from_wire(_: &'static str, text: &str, _: &mut Violations) -> Option<Self> {
        Some(T::parse(text))
    }
    fn unknown(&self) -> Option<(&str, &'static [&'static str])> {
        self.unlisted().map(|value| (value, T::KNOWN))
    }
}

/// A value inside a JSON parameter (a list's element, a structure, a structure's member): what
/// is checked inside it, at any depth.
pub trait Member {
    /// Reports what is wrong inside the value at `path` (`BackupObjects[0].TableIncludes[1]`).
    fn check_member(&self, path: &str, violations: &mut Violations);
}

impl<T: WireEnum> Member for T {
    // Each value is checked like an enum parameter, named by its path.
    fn check_member(&self, path: &str, violations: &mut Violations) {
        if let Some(value) = self.unlisted() {
            violations.one_of(path, value, T::KNOWN, None);
        }
    }
}

/// A nested list: each element is checked, named by its index.
impl<T: Member> Member for Vec<T> {
    fn check_member(&self, path: &str, violations: &mut Violations) {
        for (index, item) in self.iter().enumerate() {
            item.check_member(&format!("{path}[{index}]"), violations);
        }
    }
}

/// An optional member: checked when set.
impl<T: Member> Member for Option<T> {
    fn check_member(&self, path: &str, violations: &mut Violations) {
        if let Some(value) = self {
            value.check_member(path, violations);
        }
    }
}

macro_rules! scalar_members {
    ($($ty:ty),*) => {$(
        impl Member for $ty {
            fn check_member(&self, _: &str, _: &mut Violations) {}
        }
    )*};
}
scalar_members!(String, i32, i64, bool);

impl Value for String {
    fn to_wire(&self) -> String {
        self.clone()
    }
    fn from_wire(_: &'static str, text: &str, _: &mut Violations) -> Option<Self> {
        Some(text.to_owned())
    }
    fn presence(&self) -> Presence {
        Presence::of_str(Some(self))
    }
}

impl Value for i32 {
    fn to_wire(&self) -> String {
        self.to_string()
    }
    fn from_wire(parameter: &'static str, text: &str, violations: &mut Violations) -> Option<Self> {
        violations.parse_int32(parameter, text)
    }
    fn integer(&self) -> Option<i64> {
        Some(i64::from(*self))
    }
}

impl Value for i64 {
    fn to_wire(&self) -> String {
        self.to_string()
    }
    fn from_wire(parameter: &'static str, text: &str, violations: &mut Violations) -> Option<Self> {
        violations.parse_int64(parameter, text)
    }
    fn integer(&self) -> Option<i64> {
        Some(*self)
    }
}

impl Value for bool {
    fn to_wire(&self) -> String {
        self.to_string()
    }
    fn from_wire(parameter: &'static str, text: &str, violations: &mut Violations) -> Option<Self> {
        violations.parse_bool(parameter, text)
    }
}

/// A JSON list: sent as one JSON array, its length and members checked.
impl<T: Member + serde::Serialize + serde::de::DeserializeOwned> Value for Vec<T> {
    fn to_wire(&self) -> String {
        to_json(self)
    }
    fn from_wire(parameter: &'static str, text: &str, violations: &mut Violations) -> Option<Self> {
        violations.parse_json(parameter, text)
    }
    fn check(&self, spec: &ParamSpec, violations: &mut Violations) {
        if let Some(min) = spec.min_items {
            violations.min_items(spec.wire, self.len(), min);
        }
        for (index, item) in self.iter().enumerate() {
            item.check_member(&format!("{}[{index}]", spec.wire), violations);
        }
    }
}

/// A secret: checked and sent as its value, never printed (the table marks it sensitive).
impl<T: Value> Value for Sensitive<T> {
    fn to_wire(&self) -> String {
        self.expose().to_wire()
    }
    fn from_wire(parameter: &'static str, text: &str, violations: &mut Violations) -> Option<Self> {
        T::from_wire(parameter, text, violations).map(Sensitive::new)
    }
    fn presence(&self) -> Presence {
        self.expose().presence()
    }
    fn unknown(&self) -> Option<(&str, &'static [&'static str])> {
        self.expose().unknown()
    }
    fn integer(&self) -> Option<i64> {
        self.expose().integer()
    }
    fn check(&self, spec: &ParamSpec, violations: &mut Violations) {
        self.expose().check(spec, violations);
    }
}

/// Whether an enum field (a parameter or a validation context fact) is set to one of `values`,
/// compared by wire value without regard to ASCII case, so `Unknown("agent")` built by hand
/// counts as `Agent`, as the service would read it. `None` when it is not set: unknown.
pub fn is<T: AsRef<str>>(field: &Option<T>, values: &[&str]) -> Option<bool> {
    field.as_ref().map(|value| value_in(value.as_ref(), values))
}

/// Whether a field is set to a value that counts as there (a blank string does not): what a
/// `present` condition tests. Always known.
pub fn present(slot: &dyn Slot) -> Option<bool> {
    Some(
        slot.get()
            .is_some_and(|value| value.presence() == Presence::Present),
    )
}

/// One field of a generated input, as the shared functions see it: `Option<T>` of a [`Value`].
pub trait Slot {
    /// The value, when set.
    fn get(&self) -> Option<&dyn Value>;
    /// Replaces the value with one read from wire text (`None` when it does not parse).
    fn set(&mut self, parameter: &'static str, text: &str, violations: &mut Violations);
}

impl<T: Value> Slot for Option<T> {
    fn get(&self) -> Option<&dyn Value> {
        self.as_ref().map(|value| value as &dyn Value)
    }
    fn set(&mut self, parameter: &'static str, text: &str, violations: &mut Violations) {
        *self = T::from_wire(parameter, text, violations);
    }
}

/// Checks every parameter against its row of the table: the requirement (`conditions[n]` for
/// [`Required::When`]`(n)`, `None` when unknown), known enum values, bounds and contents. Reports
/// in table order, every violation at once.
pub fn validate(
    reference: &'static str,
    params: &'static [ParamSpec],
    slots: &[&dyn Slot],
    conditions: &[Option<bool>],
) -> Result<(), ValidationError> {
    let mut violations = Violations::new(reference);
    for (spec, slot) in params.iter().zip(slots) {
        let value = slot.get();
        let applies = match spec.required {
            Required::Never => None,
            Required::Always => Some(true),
            Required::When(n) => conditions.get(n).copied().flatten(),
        };
        if spec.required != Required::Never {
            let presence = value.map_or(Presence::Missing, Value::presence);
            violations.require(spec.wire, presence, applies, spec.rule_id, spec.rule);
        }
        if let Some(n) = spec.forbidden {
            let presence = value.map_or(Presence::Missing, Value::presence);
            let applies = conditions.get(n).copied().flatten();
            violations.forbid(
                spec.wire,
                presence,
                applies,
                spec.forbidden_id,
                spec.forbidden_rule,
            );
        }
        let Some(value) = value else { continue };
        // A value the spec does not list is a typo far more often than a new server value;
        // sending it would cost a round trip to learn the same. A blank one is reported once,
        // with the requirement when it applies.
        if let Some((text, known)) = value.unknown() {
            let required = (applies == Some(true)).then_some((spec.rule, spec.rule_id));
            violations.one_of(spec.wire, text, known, required);
        }
        // Without bounds `range` finds nothing to report.
        if let Some(integer) = value.integer() {
            violations.range(spec.wire, integer, spec.min, spec.max, spec.unit);
        }
        value.check(spec, &mut violations);
    }
    violations.finish()
}

/// The parameters to send, in table order: only those set.
pub fn to_wire_params(params: &'static [ParamSpec], slots: &[&dyn Slot]) -> Vec<WireParam> {
    // Sized to the parameters set, not the table: a table of 22 rows would ask for over 1 KiB,
    // past the allocator's fast path.
    let set = slots.iter().filter(|slot| slot.get().is_some()).count();
    let mut wire = Vec::with_capacity(set);
    for (spec, slot) in params.iter().zip(slots) {
        if let Some(value) = slot.get() {
            wire.push(WireParam {
                name: spec.wire,
                value: value.to_wire(),
                sensitive: spec.sensitive,
            });
        }
    }
    wire
}

/// Reads wire pairs into the slots, as a server does: names not in the table are ignored, a
/// later value replaces an earlier one, and every value that does not parse is reported.
pub fn read_wire_params<'a>(
    reference: &'static str,
    params: &'static [ParamSpec],
    slots: &mut [&mut dyn Slot],
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), ValidationError> {
    let mut violations = Violations::new(reference);
    for (name, text) in pairs {
        let found = params
            .iter()
            .zip(slots.iter_mut())
            .find(|(spec, _)| spec.wire == name);
        if let Some((spec, slot)) = found {
            slot.set(spec.wire, text, &mut violations);
        }
    }
    violations.finish()
}

#[cfg(test)]
mod tests {
    // Tests fail by panicking: `unwrap` on the fixed inputs is the clearest way to say so.
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The value shapes the real spec lacks (a structure parameter, a list of enums with a
    /// minimum length, a boolean, a bounded int32 with a unit), generated into this crate.
    mod shapes {
        dbs_macros::generate_api!("../dbs-codegen/tests/fixtures/table-shapes");
    }
    use shapes::{TableShapesInput, Target, Weekday};

    const PAGE: &str = "https://example.invalid/fixtures/table-shapes";

    fn rules(result: Result<(), ValidationError>) -> Vec<String> {
        match result {
            Ok(()) => Vec::new(),
            Err(e) => e.violations().iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn every_shape_is_checked_in_table_order() {
        let input = TableShapesInput::builder()
            .target(Target::new(" "))
            .backup_period([Weekday::Monday])
            .retention(31)
            .build();
        let context = crate::ValidationContext::default();
        assert_eq!(
            rules(input.validate(&context)),
            [
                format!("Target.DBName: required member must not be empty (see {PAGE})"),
                format!("BackupPeriod: must have at least 2 items, got 1 (see {PAGE})"),
                format!("Retention: must be between 1 and 30 (days), got 31 (see {PAGE})"),
            ]
        );
        let input = TableShapesInput::builder()
            .backup_period([Weekday::Sunday, Weekday::Unknown("Funday".into())])
            .retention(1)
            .build();
        assert_eq!(
            rules(input.validate(&context)),
            [
                format!("Target: missing; required (see {PAGE})"),
                format!(
                    "BackupPeriod[1]: must be one of Monday, Sunday, got \"Funday\" (see {PAGE})"
                ),
            ]
        );
    }

    #[test]
    fn every_shape_goes_on_the_wire_and_back() {
        let input = TableShapesInput::builder()
            .target(Target::new("test").schema_name("public"))
            .backup_period([Weekday::Monday, Weekday::Sunday])
            .enabled(false)
            .retention(30)
            .build();
        let wire = input.to_wire_params();
        let pairs: Vec<(&str, &str)> = wire.iter().map(|p| (p.name, p.value.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("Target", r#"{"DBName":"test","SchemaName":"public"}"#),
                ("BackupPeriod", r#"["Monday","Sunday"]"#),
                ("Enabled", "false"),
                ("Retention", "30"),
            ]
        );
        // Names the table lacks (`Action`) are ignored.
        let back =
            TableShapesInput::from_wire_params(pairs.iter().copied().chain([("Action", "X")]))
                .unwrap();
        assert_eq!(back, input);
    }

    #[test]
    fn values_that_do_not_parse_are_each_reported_and_left_unset() {
        let (input, parsed) = TableShapesInput::from_wire_params_partial([
            ("Enabled", "yes"),
            ("Retention", "ten"),
            ("Target", r#"{"DbName":"x"}"#),
            ("BackupPeriod", r#"["Monday"]"#),
        ]);
        let rules = rules(parsed);
        assert_eq!(rules.len(), 3, "{rules:?}");
        assert_eq!(
            rules[0],
            format!("Enabled: must be true or false, got \"yes\" (see {PAGE})")
        );
        assert_eq!(
            rules[1],
            format!("Retention: must be an int32 integer, got \"ten\" (see {PAGE})")
        );
        // The misspelt member is refused, not dropped.
        assert!(
            rules[2].starts_with(
                "Target: must be JSON of the documented shape: unknown field `DbName`"
            ),
            "{}",
            rules[2]
        );
        assert_eq!(
            (input.enabled, input.retention, input.target),
            (None, None, None)
        );
        assert_eq!(input.backup_period, Some(vec![Weekday::Monday]));
    }

    #[test]
    fn a_secret_is_sent_as_its_value_and_marked_sensitive() {
        const SPEC: &[ParamSpec] = &[ParamSpec::string("Password").sensitive()];
        let secret = Some(Sensitive::new("Test".to_owned()));
        let wire = to_wire_params(SPEC, &[&secret]);
        assert_eq!((wire[0].value.as_str(), wire[0].sensitive), ("Test", true));
        assert!(!format!("{wire:?}").contains("Test"));
        // A blank secret is as missing as a blank string.
        const REQUIRED: &[ParamSpec] = &[ParamSpec::string("Password").required().sensitive()];
        let blank = Some(Sensitive::new(" ".to_owned()));
        assert_eq!(
            rules(validate(PAGE, REQUIRED, &[&blank], &[])),
            [format!(
                "Password: must not be empty; required (see {PAGE})"
            )]
        );
    }

    #[test]
    fn a_condition_that_is_unknown_or_out_of_range_does_not_require() {
        const SPEC: &[ParamSpec] = &[ParamSpec::string("A")
            .when(0, "required when B is X")
            .rule_id("R1")];
        let unset: Option<String> = None;
        assert!(rules(validate(PAGE, SPEC, &[&unset], &[None])).is_empty());
        assert!(rules(validate(PAGE, SPEC, &[&unset], &[])).is_empty());
        assert_eq!(
            rules(validate(PAGE, SPEC, &[&unset], &[Some(true)])),
            [format!(
                "A: missing; required when B is X [R1] (see {PAGE})"
            )]
        );
    }

    #[test]
    fn enum_conditions_compare_wire_values_without_regard_to_case() {
        let set = Some(Weekday::Unknown("monday".into()));
        assert_eq!(is(&set, &["Monday"]), Some(true));
        assert_eq!(is(&set, &["Sunday"]), Some(false));
        assert_eq!(is::<Weekday>(&None, &["Monday"]), None);
    }
}
