//! `spec/schema.json` against what `lower` really accepts.
//!
//! The schema is generated from the same format declarations `lower` reads by (`dbs-codegen
//! schema`); the committed file must be that output, byte for byte. The tests below then check
//! `lower`'s behaviour against the schema: every key the schema declares is read and checked, no
//! other key is accepted, the required keys are required. Spec files are validated with the small
//! validator below: it implements the keywords the schema uses and panics on any other, so it
//! never ignores a rule.

// Tests fail by panicking: `unwrap` on the fixed test inputs is the clearest way to say so.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dbs_codegen::{SpecError, SpecFile, lower};
use regex::Regex;
use serde_json::Value;

const SPEC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/dbs-2019-03-06");
const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/schema.json");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema() -> Value {
    read_json(Path::new(SCHEMA))
}

/// The real spec: `service.json` and `CreateRestoreTask.json`.
fn real_spec() -> (Value, Value) {
    let dir = Path::new(SPEC_DIR);
    (
        read_json(&dir.join("service.json")),
        read_json(&dir.join("CreateRestoreTask.json")),
    )
}

/// Every error `lower` reports for the two documents.
fn lower_errors(service: &Value, operation: &Value) -> Vec<SpecError> {
    let service = SpecFile {
        path: "service.json".to_owned(),
        text: service.to_string(),
    };
    let operation = SpecFile {
        path: "CreateRestoreTask.json".to_owned(),
        text: operation.to_string(),
    };
    match lower(&service, &[operation]) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0,
    }
}

// ---- a validator for the part of JSON Schema 2020-12 that schema.json uses ----

struct Validator {
    root: Value,
}

impl Validator {
    fn new(root: Value) -> Self {
        Self { root }
    }

    /// Every violation, as `instance pointer: what`.
    fn errors(&self, instance: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(&self.root, instance, "", &mut errors);
        errors
    }

    /// Every violation of `$defs/<def>` by `instance`, as `pointer within instance: what`.
    fn errors_as(&self, def: &str, instance: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        let schema = serde_json::json!({ "$ref": format!("#/$defs/{def}") });
        self.check(&schema, instance, "", &mut errors);
        errors
    }

    fn is_valid(&self, schema: &Value, instance: &Value) -> bool {
        let mut errors = Vec::new();
        self.check(schema, instance, "", &mut errors);
        errors.is_empty()
    }

    fn check(&self, schema: &Value, instance: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => return errors.push(format!("{at}: not allowed")),
            Value::Object(map) => map,
            other => panic!("not a schema: {other}"),
        };
        let mut fail = |message: String| errors.push(format!("{at}: {message}"));
        let mut nested = Vec::new();
        for (keyword, value) in schema {
            match keyword.as_str() {
                // Annotations.
                "$schema" | "$id" | "$comment" | "$defs" | "title" | "description" | "default"
                | "examples" => {}
                "$ref" => {
                    let reference = value.as_str().unwrap();
                    let target = reference
                        .strip_prefix('#')
                        .and_then(|pointer| self.root.pointer(pointer))
                        .unwrap_or_else(|| panic!("unresolved $ref {reference}"));
                    self.check(target, instance, at, &mut nested);
                }
                "type" => {
                    let types: Vec<&str> = match value {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
                        other => panic!("bad type {other}"),
                    };
                    if !types.iter().any(|t| has_type(instance, t)) {
                        fail(format!("expected {}", types.join(" or ")));
                    }
                }
                "const" => {
                    if instance != value {
                        fail(format!("expected {value}"));
                    }
                }
                "enum" => {
                    if !value.as_array().unwrap().contains(instance) {
                        fail(format!("expected one of {value}"));
                    }
                }
                "pattern" => {
                    if let Some(text) = instance.as_str() {
                        let pattern = value.as_str().unwrap();
                        if !Regex::new(pattern).unwrap().is_match(text) {
                            fail(format!("{text:?} does not match {pattern}"));
                        }
                    }
                }
                "minimum" | "maximum" => {
                    if let (Some(n), Some(bound)) = (instance.as_f64(), value.as_f64()) {
                        let ok = if keyword == "minimum" {
                            n >= bound
                        } else {
                            n <= bound
                        };
                        if !ok {
                            fail(format!("{n} is out of range ({keyword} {bound})"));
                        }
                    }
                }
                "minItems" => {
                    if let Some(items) = instance.as_array()
                        && (items.len() as u64) < value.as_u64().unwrap()
                    {
                        fail(format!("fewer than {value} items"));
                    }
                }
                "items" => {
                    if let Some(items) = instance.as_array() {
                        for (i, item) in items.iter().enumerate() {
                            self.check(value, item, &format!("{at}/{i}"), &mut nested);
                        }
                    }
                }
                "required" => {
                    if let Some(map) = instance.as_object() {
                        for key in value.as_array().unwrap() {
                            let key = key.as_str().unwrap();
                            if !map.contains_key(key) {
                                fail(format!("missing key `{key}`"));
                            }
                        }
                    }
                }
                "properties" => {
                    if let Some(map) = instance.as_object() {
                        for (key, sub) in value.as_object().unwrap() {
                            if let Some(v) = map.get(key) {
                                self.check(sub, v, &format!("{at}/{key}"), &mut nested);
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Some(map) = instance.as_object() {
                        let declared = schema.get("properties").and_then(Value::as_object);
                        for (key, v) in map {
                            if !declared.is_some_and(|d| d.contains_key(key)) {
                                self.check(value, v, &format!("{at}/{key}"), &mut nested);
                            }
                        }
                    }
                }
                "propertyNames" => {
                    if let Some(map) = instance.as_object() {
                        for key in map.keys() {
                            self.check(
                                value,
                                &Value::String(key.clone()),
                                &format!("{at}/{key}"),
                                &mut nested,
                            );
                        }
                    }
                }
                "allOf" => {
                    for sub in value.as_array().unwrap() {
                        self.check(sub, instance, at, &mut nested);
                    }
                }
                "anyOf" => {
                    if !value
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|sub| self.is_valid(sub, instance))
                    {
                        fail("matches none of anyOf".to_owned());
                    }
                }
                "oneOf" => {
                    let matching = value
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|sub| self.is_valid(sub, instance))
                        .count();
                    if matching != 1 {
                        fail(format!("matches {matching} of oneOf, not exactly one"));
                    }
                }
                "not" => {
                    if self.is_valid(value, instance) {
                        fail("matches a `not` schema".to_owned());
                    }
                }
                "if" => {
                    let branch = if self.is_valid(value, instance) {
                        schema.get("then")
                    } else {
                        schema.get("else")
                    };
                    if let Some(branch) = branch {
                        self.check(branch, instance, at, &mut nested);
                    }
                }
                "then" | "else" => {}
                other => panic!(
                    "schema.json uses `{other}`, which this test's validator does not implement"
                ),
            }
        }
        errors.extend(nested);
    }
}

fn has_type(instance: &Value, name: &str) -> bool {
    match name {
        "object" => instance.is_object(),
        "array" => instance.is_array(),
        "string" => instance.is_string(),
        // As `lower` reads integers: JSON numbers without a fraction or exponent.
        "integer" => instance.is_i64() || instance.is_u64(),
        "number" => instance.is_number(),
        "boolean" => instance.is_boolean(),
        "null" => instance.is_null(),
        other => panic!("unknown type {other}"),
    }
}

// ---- the schema itself ----

const REFRESH: &str = "cargo run -q -p dbs-codegen -- schema > spec/schema.json";

#[test]
fn committed_schema_is_the_generated_one() {
    let committed = std::fs::read_to_string(SCHEMA).unwrap();
    let generated = dbs_codegen::schema();
    // Compared as text, not `assert_eq!`, so a mismatch prints the command instead of 40 KB twice.
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "the end".to_owned(), |i| format!("line {}", i + 1));
        panic!(
            "spec/schema.json differs from `dbs-codegen schema` (first at {line}); refresh it with `{REFRESH}`"
        );
    }
}

#[test]
fn schema_command_prints_the_schema_deterministically() {
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_dbs-codegen"))
            .arg("schema")
            .output()
            .unwrap()
    };
    let (first, second) = (run(), run());
    assert_eq!(first.status.code(), Some(0));
    assert!(
        first.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let text = String::from_utf8(first.stdout).unwrap();
    assert_eq!(text, String::from_utf8(second.stdout).unwrap());
    assert_eq!(text, dbs_codegen::schema());
    // Pretty (one key a line, two-space indent) and ending in one newline, like an edited file.
    assert!(text.starts_with("{\n  \""), "{}", &text[..40]);
    assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed, schema());
}

#[test]
fn schema_is_draft_2020_12_and_every_ref_resolves() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    fn refs<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&schema, &mut found);
    assert!(
        found.len() > 20,
        "schema.json should share its definitions through $ref"
    );
    for reference in found {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{reference} is not local"));
        assert!(
            schema.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
    // Every object definition is closed.
    for (name, def) in schema["$defs"].as_object().unwrap() {
        if def.get("type") == Some(&Value::from("object")) && def.get("properties").is_some() {
            assert_eq!(
                def["additionalProperties"],
                Value::Bool(false),
                "$defs/{name} must be closed"
            );
        }
    }
}

#[test]
fn every_definition_and_key_is_documented() {
    let schema = schema();
    for (name, def) in schema["$defs"].as_object().unwrap() {
        assert!(
            def.get("description").is_some(),
            "$defs/{name} has no description"
        );
        let Some(properties) = def.get("properties").and_then(Value::as_object) else {
            continue;
        };
        for (key, property) in properties {
            let documented = property
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| !d.trim().is_empty());
            assert!(documented, "`{key}` of $defs/{name} has no description");
        }
    }
}

#[test]
fn spec_files_reference_the_schema() {
    for name in ["service.json", "CreateRestoreTask.json"] {
        let value = read_json(&Path::new(SPEC_DIR).join(name));
        assert_eq!(value["$schema"], "../schema.json", "{name}");
    }
}

// ---- the schema and lower.rs accept the same keys ----

/// Objects of every kind, in the real spec: (file, pointer, the `$defs` entry describing it).
/// The samples carry every key `lower` reads there, so removing each one tells which are required.
const OBJECTS: &[(&str, &str, &str)] = &[
    ("service", "", "service"),
    ("service", "/errors/11", "errorCode"),
    ("service", "/context/0", "contextFact"),
    ("service", "/context/0/values/0", "enumValue"),
    ("operation", "", "operation"),
    ("operation", "/shapes/DuplicateConflict", "enumShape"),
    ("operation", "/shapes/RestoreObject", "structureShape"),
    ("operation", "/shapes/RestoreObjects", "listShape"),
    ("operation", "/shapes/RestoreObject/members/0", "member"),
    ("operation", "/parameters/5", "parameter"),
    ("operation", "/parameters/9/range", "range"),
    ("operation", "/parameters/6/required", "requirementRule"),
    ("operation", "/response", "response"),
    ("operation", "/response/fields/0", "responseField"),
    ("operation", "/errors/0", "errorCode"),
];

fn def_keys(schema: &Value, def: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let def = &schema["$defs"][def];
    let properties = def["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let required = def
        .get("required")
        .and_then(Value::as_array)
        .map_or_else(BTreeSet::new, |r| {
            r.iter().map(|k| k.as_str().unwrap().to_owned()).collect()
        });
    (properties, required)
}

fn with_object(
    file: &str,
    pointer: &str,
    change: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> (Value, Value) {
    let (mut service, mut operation) = real_spec();
    let doc = if file == "service" {
        &mut service
    } else {
        &mut operation
    };
    change(
        doc.pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .unwrap(),
    );
    (service, operation)
}

/// Conditions of each form in the real spec: (pointer, the `$defs` entry describing it).
const CONDITIONS: &[(&str, &str)] = &[
    ("/parameters/2/required/when", "paramCondition"),
    ("/parameters/6/required/when/any/0", "contextCondition"),
    ("/parameters/7/required/when/not/any/1", "allCondition"),
    ("/parameters/6/required/when", "anyCondition"),
    ("/parameters/7/required/when", "notCondition"),
];

/// Every kind of object with a sample in the real spec.
fn samples() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    let conditions = CONDITIONS
        .iter()
        .map(|&(pointer, def)| ("operation", pointer, def));
    OBJECTS.iter().copied().chain(conditions)
}

#[test]
fn lower_reads_every_key_the_schema_declares_and_no_other() {
    let schema = schema();
    let validator = Validator::new(schema.clone());
    for (file, pointer, def) in samples() {
        // `null` is the wrong JSON type for every key, so `lower` reports each key it reads there;
        // not as an unknown key, which would mean it does not take the key at all.
        let (properties, _) = def_keys(&schema, def);
        for key in &properties {
            let (service, operation) = with_object(file, pointer, |map| {
                map.insert(key.clone(), Value::Null);
            });
            let errors = lower_errors(&service, &operation);
            let at = format!("{pointer}/{key}");
            let here: Vec<&SpecError> = errors.iter().filter(|e| e.pointer == at).collect();
            assert!(
                !here.is_empty(),
                "`{key}` of $defs/{def} is not checked by lower (a null at {file} {at} passes): {errors:#?}"
            );
            for error in here {
                assert!(
                    !error.message.starts_with("unknown key"),
                    "`{key}` of $defs/{def} is declared by the schema but unknown to lower: {error}"
                );
            }
        }

        // A key the schema does not declare is rejected by both, where it is (the schema checked
        // on the object itself: through a `oneOf`, it would only say that no branch matches).
        let (service, operation) = with_object(file, pointer, |map| {
            map.insert("x-probe".to_owned(), Value::Bool(true));
        });
        let errors = lower_errors(&service, &operation);
        let probe_at = format!("{pointer}/x-probe");
        let [error] = errors.as_slice() else {
            panic!("{file} {pointer}: expected one error, got {errors:#?}")
        };
        assert_eq!(error.pointer, probe_at);
        assert!(
            error.message.starts_with("unknown key `x-probe`"),
            "{error}"
        );
        let doc = if file == "service" {
            &service
        } else {
            &operation
        };
        let rejected = validator.errors_as(def, doc.pointer(pointer).unwrap());
        assert!(
            rejected.iter().any(|e| e.starts_with("/x-probe:")),
            "schema accepts an unknown key at {file} {pointer}: {rejected:#?}"
        );
    }
}

#[test]
fn schema_requires_exactly_the_keys_lower_requires() {
    let schema = schema();
    // Conditions are told apart by a key, so removing that one is a different mistake: see
    // `conditions_have_the_five_forms_lower_reads`.
    for &(file, pointer, def) in OBJECTS {
        let (properties, required) = def_keys(&schema, def);
        let (service, operation) = real_spec();
        let sample = if file == "service" {
            &service
        } else {
            &operation
        };
        let present: BTreeSet<String> = sample
            .pointer(pointer)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert!(
            required.is_subset(&present),
            "the sample at {file} {pointer} lacks a required key"
        );
        for key in present.intersection(&properties) {
            let (service, operation) = with_object(file, pointer, |map| {
                map.remove(key);
            });
            let missing = format!("missing key `{key}`");
            let reported = lower_errors(&service, &operation)
                .iter()
                .any(|e| e.pointer == pointer && e.message == missing);
            assert_eq!(
                reported,
                required.contains(key),
                "`{key}` of $defs/{def}: lower requires it: {reported}"
            );
        }
    }
}

/// The `$defs` entries a union (`shape`, `condition`) chooses between: the `then` of each `if` in
/// its `if`/`then`/`else` chain.
fn union_forms(schema: &Value, union: &str) -> Vec<String> {
    let mut forms = Vec::new();
    let mut branch = &schema["$defs"][union]["allOf"][0];
    while let Some(then) = branch.get("then") {
        let form = then["$ref"].as_str().unwrap();
        forms.push(form.trim_start_matches("#/$defs/").to_owned());
        branch = &branch["else"];
    }
    forms
}

#[test]
fn conditions_have_the_six_forms_lower_reads() {
    let schema = schema();
    let forms: BTreeSet<Vec<String>> = union_forms(&schema, "condition")
        .iter()
        .map(|def| {
            let (properties, required) = def_keys(&schema, def);
            assert_eq!(
                properties, required,
                "$defs/{def}: every key of a condition is required"
            );
            properties.into_iter().collect()
        })
        .collect();
    let expected: BTreeSet<Vec<String>> = [
        &["in", "param"][..],
        &["present"],
        &["context", "in"],
        &["all"],
        &["any"],
        &["not"],
    ]
    .iter()
    .map(|keys| keys.iter().map(|k| (*k).to_owned()).collect())
    .collect();
    assert_eq!(forms, expected);

    // The real spec uses five (not `present`), and `lower` rejects an extra key in any of them, at the key
    // (each form is told by its first key, so the others are checked like any object's).
    let validator = Validator::new(schema.clone());
    for &(pointer, def) in CONDITIONS {
        let (service, operation) = with_object("operation", pointer, |map| {
            map.insert("note".to_owned(), Value::from("a condition takes no note"));
        });
        let errors = lower_errors(&service, &operation);
        let note = format!("{pointer}/note");
        assert!(
            errors.iter().any(|e| e.pointer == note),
            "lower accepts an extra key at {pointer}: {errors:#?}"
        );
        assert!(
            !validator.errors(&operation).is_empty(),
            "schema accepts an extra key at {pointer}"
        );

        // Without the key that tells its form, a condition is none of them; without another of
        // its keys, that key is missing.
        let (properties, _) = def_keys(&schema, def);
        let first = schema["$defs"][def]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .find(|k| ["param", "present", "context", "all", "any", "not"].contains(&k.as_str()))
            .unwrap()
            .clone();
        for key in &properties {
            let (service, operation) = with_object("operation", pointer, |map| {
                map.remove(key);
            });
            let errors = lower_errors(&service, &operation);
            let expected = if *key == first {
                "expected one of {\"param\", \"in\"}, {\"present\"}, {\"context\", \"in\"}, {\"all\"}, {\"any\"}, {\"not\"}".to_owned()
            } else {
                format!("missing key `{key}`")
            };
            assert!(
                errors
                    .iter()
                    .any(|e| e.pointer == pointer && e.message == expected),
                "{pointer} without `{key}`: {errors:#?}"
            );
            assert!(
                !validator.errors(&operation).is_empty(),
                "schema accepts {pointer} without `{key}`"
            );
        }
    }
}

// ---- the validator on real files ----

fn fixture_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() || dir.ends_with("errors") {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|e| e == "json") {
                files.push(file);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn real_spec_and_fixtures_conform() {
    let validator = Validator::new(schema());
    let mut files: Vec<PathBuf> = ["service.json", "CreateRestoreTask.json"]
        .iter()
        .map(|n| Path::new(SPEC_DIR).join(n))
        .collect();
    let fixtures = fixture_files();
    assert!(
        fixtures.len() >= 8,
        "the generator fixtures are missing: {fixtures:?}"
    );
    files.extend(fixtures);
    for file in files {
        let errors = validator.errors(&read_json(&file));
        assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
    }
}

/// Mistakes one file can show, which both `lower` and the schema reject.
#[test]
fn schema_rejects_what_lower_rejects_within_one_file() {
    let validator = Validator::new(schema());
    let cases: &[(&str, &str, &str, Value)] = &[
        (
            "a shape key of another kind",
            "operation",
            "/shapes/DuplicateConflict/members",
            serde_json::json!([]),
        ),
        (
            "a unit on a string",
            "operation",
            "/parameters/0/unit",
            Value::from("days"),
        ),
        (
            "a range on a string",
            "operation",
            "/parameters/0/range",
            serde_json::json!({ "min": 1 }),
        ),
        (
            "a port range wider than its unit's bounds",
            "operation",
            "/parameters/5/range",
            serde_json::json!({ "min": 0 }),
        ),
        (
            "a port range beyond 65535",
            "operation",
            "/parameters/5/range",
            serde_json::json!({ "max": 65536 }),
        ),
        (
            "a negative bound on a time since the epoch",
            "operation",
            "/parameters/11/range",
            serde_json::json!({ "min": -1 }),
        ),
        (
            "an enum value with trailing white space",
            "operation",
            "/shapes/DestinationEndpointInstanceType/values/6/value",
            Value::from("dg "),
        ),
        (
            "an enum value with leading white space",
            "service",
            "/context/0/values/5/value",
            Value::from(" DRDS"),
        ),
        (
            "a sensitive integer",
            "operation",
            "/parameters/5/sensitive",
            Value::Bool(true),
        ),
        (
            "an encoding on a scalar",
            "operation",
            "/parameters/0/encoding",
            Value::from("json"),
        ),
        (
            "an unknown unit",
            "operation",
            "/parameters/5/unit",
            Value::from("minutes"),
        ),
        (
            "a requirement word",
            "operation",
            "/parameters/0/required",
            Value::from("sometimes"),
        ),
        (
            "an empty condition list",
            "operation",
            "/parameters/6/required/when/any",
            serde_json::json!([]),
        ),
        (
            "an empty value list",
            "operation",
            "/parameters/2/required/when/in",
            serde_json::json!([]),
        ),
        ("a method", "operation", "/method", Value::from("GET")),
        (
            "a blank summary",
            "operation",
            "/summary",
            Value::from("  "),
        ),
        (
            "a lower-case operation name",
            "operation",
            "/name",
            Value::from("createRestoreTask"),
        ),
        (
            "a member type",
            "operation",
            "/shapes/RestoreObject/members/0/type",
            Value::from("restore object"),
        ),
        ("a style", "service", "/style", Value::from("ROA")),
        (
            "an HTTP status",
            "service",
            "/errors/0/http_status",
            Value::from(99),
        ),
        (
            "an enum value without letters",
            "service",
            "/context/0/values/0/value",
            Value::from("--"),
        ),
        (
            "a context fact name",
            "service",
            "/context/0/name",
            Value::from("source_database_type"),
        ),
        (
            "an empty enum",
            "service",
            "/context/0/values",
            serde_json::json!([]),
        ),
        (
            "an operation named after a keyword",
            "operation",
            "/name",
            Value::from("Self"),
        ),
        (
            "a shape named after a keyword",
            "operation",
            "/shapes/Self",
            serde_json::json!({
                "type": "enum",
                "description": "A keyword.",
                "values": [{ "value": "A", "description": "A." }]
            }),
        ),
        (
            "an error code without letters or digits",
            "service",
            "/errors/0/code",
            Value::from("!!!"),
        ),
        (
            "an endpoint URL instead of a host",
            "service",
            "/endpoints/cn-hangzhou",
            Value::from("https://dbs-api.cn-hangzhou.aliyuncs.com"),
        ),
        (
            "an endpoint with a path",
            "service",
            "/endpoints/cn-hangzhou",
            Value::from("dbs-api.cn-hangzhou.aliyuncs.com/v1"),
        ),
    ];
    for (what, file, pointer, value) in cases {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let (service, operation) = with_object(file, parent, |map| {
            map.insert(key.to_owned(), value.clone());
        });
        assert!(
            !lower_errors(&service, &operation).is_empty(),
            "lower accepts {what}"
        );
        let doc = if *file == "service" {
            &service
        } else {
            &operation
        };
        assert!(!validator.errors(doc).is_empty(), "schema accepts {what}");
    }
}

/// Words of the messages of rules JSON Schema cannot state, which only `dbs-codegen check`
/// enforces (the schema's description says so): references to other items (a shape, a parameter, a
/// context fact, an enum value, another file), uniqueness, names derived from names, min <= max.
const CHECK_ONLY: &[&str] = &[
    "or a shape of this operation",
    "unknown parameter `",
    "has an unknown type (see",
    "unknown context fact `",
    "unknown enum value ",
    "cannot contain itself",
    "lists of lists",
    "duplicate",
    " both become ",
    "already has",
    "already used by",
    "global option",
    "is the common parameter",
    "must live in",
    "is greater than max",
    "becomes the Rust variant `Unknown`",
    "as the service's code",
    "is a sensitive parameter",
    "is also declared by service.json",
    "the example is not JSON",
    "the example must be a JSON object",
    "must be an int32 or int64",
    "unknown top-level response field",
    "must end at a list",
    "no field or member",
    "follows a value that is not a structure",
    "is not an enum or a boolean",
    "of the boolean",
    "is used by a request parameter and by a response",
];

#[test]
fn error_fixtures_fail_the_schema_where_lower_reports_them() {
    let validator = Validator::new(schema());
    let dir = Path::new(FIXTURES).join("errors");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    fixtures.sort();
    let mut compared = 0;
    for fixture in fixtures {
        let name = fixture.file_name().unwrap().to_str().unwrap().to_owned();
        let errors = match dbs_codegen::SpecDir::read(&fixture, &name).and_then(|f| f.lower()) {
            Ok(_) => panic!("{name}: an error fixture without errors"),
            Err(errors) => errors.0,
        };
        for file in std::fs::read_dir(&fixture).unwrap() {
            let path = file.unwrap().path();
            let shown = format!("{name}/{}", path.file_name().unwrap().to_str().unwrap());
            // Files that are not JSON (or not UTF-8) have nothing for a schema to check.
            let Some(doc) = std::fs::read_to_string(&path)
                .ok()
                .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            else {
                continue;
            };
            let def = if shown.ends_with("/service.json") {
                "service"
            } else {
                "operation"
            };
            let flagged: BTreeSet<String> = validator
                .errors_as(def, &doc)
                .iter()
                .map(|e| e.split(": ").next().unwrap().to_owned())
                .collect();
            let reported: Vec<&SpecError> = errors.iter().filter(|e| e.file == shown).collect();
            for error in &reported {
                if CHECK_ONLY.iter().any(|words| error.message.contains(words)) {
                    continue;
                }
                compared += 1;
                assert!(
                    flagged.contains(&error.pointer),
                    "the schema does not flag {shown} {} ({}); it flags {flagged:?}",
                    error.pointer,
                    error.message
                );
            }
            // And the schema flags nothing `lower` accepts.
            for pointer in &flagged {
                assert!(
                    reported.iter().any(|e| &e.pointer == pointer),
                    "the schema flags {shown} {pointer}, which lower accepts: {reported:#?}"
                );
            }
        }
    }
    assert!(compared > 40, "only {compared} mistakes compared");
}
