//! What an overlay may say: the keys of each overlay object, English prose, known types, and
//! service defaults that name something the metadata has.

use super::Errors;
use super::json::Json;
use super::metadata::{Metadata, escape};
use super::overlay::Doc;

/// Keys an overlay object may have, per place.
pub(super) const OPERATION_KEYS: &[&str] = &[
    "summary",
    "description",
    "access_level",
    "access_level_note",
    "idempotent",
    "idempotency_token",
    "shapes",
    "parameters",
    "response",
    "pagination",
    "waiters",
    "errors",
];
pub(super) const PARAMETER_KEYS: &[&str] = &[
    "description",
    "type",
    "encoding",
    "unit",
    "range",
    "sensitive",
    "required",
    "forbidden",
    "example",
];
pub(super) const RESPONSE_KEYS: &[&str] = &["fields", "shapes"];
pub(super) const FIELD_KEYS: &[&str] = &["description", "type", "unit", "example"];
pub(super) const RESPONSE_SHAPE_KEYS: &[&str] = &["name", "description"];
pub(super) const ERROR_KEYS: &[&str] = &["description", "http_status", "message", "retryable"];
pub(super) const PAGINATION_KEYS: &[&str] = &[
    "page_number",
    "page_size",
    "first_page",
    "total_pages",
    "total_items",
    "items",
    "note",
];
pub(super) const WAITER_KEYS: &[&str] = &[
    "name",
    "description",
    "input",
    "items",
    "status",
    "success",
    "failure",
    "message",
    "progress",
    "explain",
    "delay_ms",
    "max_delay_ms",
    "timeout_ms",
];
pub(super) const WAITER_EXPLAIN_KEYS: &[&str] = &["operation", "input"];
pub(super) const SERVICE_KEYS: &[&str] = &[
    "description",
    "documentation",
    "protocol",
    "operation_defaults",
    "parameters",
    "response_fields",
    "operation_errors",
    "endpoints",
    "errors",
    "context",
];
/// The JSON kind of the values at `path` (steps of object keys; `*` is every entry of an object),
/// wherever they are present: overlay parts read with a kind in mind and skipped otherwise.
pub(super) const OPERATION_KINDS: &[(&[&str], Want)] = &[
    (&["shapes"], Want::Object),
    (&["parameters"], Want::Object),
    (&["response", "fields"], Want::Object),
    (&["response", "shapes"], Want::Object),
    (&["response", "shapes", "*", "name"], Want::String),
    (&["errors"], Want::Object),
];
pub(super) const SERVICE_KINDS: &[(&[&str], Want)] = &[
    (&["operation_defaults"], Want::Object),
    (&["parameters"], Want::Object),
    (&["parameters", "*", "added", "except"], Want::Array),
    (&["response_fields"], Want::Object),
    (&["operation_errors"], Want::Object),
    (&["endpoints"], Want::Object),
    (&["errors"], Want::Array),
    (&["context"], Want::Array),
];

/// A JSON kind an overlay part must have.
#[derive(Clone, Copy, Debug)]
pub(super) enum Want {
    Object,
    Array,
    String,
}

/// Reports every value at the `kinds` paths of `value` that is not of its kind.
pub(super) fn kinds(value: &Json, kinds: &[(&[&str], Want)], file: &str, errors: &mut Errors) {
    for (path, want) in kinds {
        at_path(value, path, String::new(), &mut |found, pointer| {
            let (ok, name) = match want {
                Want::Object => (found.as_object().is_some(), "an object"),
                Want::Array => (found.as_array().is_some(), "an array"),
                Want::String => (found.as_str().is_some(), "a string"),
            };
            if !ok {
                errors.push(
                    file,
                    &pointer,
                    format!("{} where {name} is expected", found.kind()),
                );
            }
        });
    }
}

fn at_path(value: &Json, path: &[&str], pointer: String, visit: &mut dyn FnMut(&Json, String)) {
    let Some((step, rest)) = path.split_first() else {
        visit(value, pointer);
        return;
    };
    if *step == "*" {
        for (key, v) in value.as_object().unwrap_or_default() {
            at_path(v, rest, format!("{pointer}/{}", escape(key)), visit);
        }
    } else if let Some(v) = value.get(step) {
        at_path(v, rest, format!("{pointer}/{step}"), visit);
    }
}

const DEFAULT_PARAMETER_KEYS: &[&str] = &["description", "example", "added"];
const ADDED_KEYS: &[&str] = &["type", "example", "except"];

/// The service overlay's per-operation defaults name real things.
pub(super) fn check_service_defaults(doc: &Doc, meta: &Metadata, errors: &mut Errors) {
    for (name, value) in doc
        .json
        .get("parameters")
        .and_then(Json::as_object)
        .unwrap_or_default()
    {
        let at = format!("/parameters/{}", escape(name));
        unknown_keys(value, DEFAULT_PARAMETER_KEYS, &doc.file, &at, errors);
        let in_metadata = meta
            .apis
            .iter()
            .any(|a| a.parameters.iter().any(|p| p.name == *name));
        match value.get("added") {
            Some(added) => {
                unknown_keys(added, ADDED_KEYS, &doc.file, &format!("{at}/added"), errors);
                let scalar = added
                    .get("type")
                    .and_then(Json::as_str)
                    .and_then(crate::format::scalar);
                if scalar.is_none() {
                    errors.push(
                        &doc.file,
                        &format!("{at}/added/type"),
                        format!(
                            "an added parameter needs a scalar type: {}",
                            crate::format::scalar_names()
                        ),
                    );
                }
                for (i, op) in added
                    .get("except")
                    .and_then(Json::as_array)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    if !op
                        .as_str()
                        .is_some_and(|op| meta.apis.iter().any(|a| a.name == op))
                    {
                        errors.push(
                            &doc.file,
                            &format!("{at}/added/except/{i}"),
                            "not an operation of the metadata",
                        );
                    }
                }
            }
            None if !in_metadata => errors.push(
                &doc.file,
                &at,
                format!("no operation of the metadata has parameter `{name}`"),
            ),
            None => {}
        }
    }
    for (name, value) in doc
        .json
        .get("response_fields")
        .and_then(Json::as_object)
        .unwrap_or_default()
    {
        let at = format!("/response_fields/{}", escape(name));
        unknown_keys(value, &["description", "example"], &doc.file, &at, errors);
        if !meta
            .apis
            .iter()
            .any(|a| a.fields.iter().any(|f| f.name == *name))
        {
            errors.push(
                &doc.file,
                &at,
                format!("no operation of the metadata has response field `{name}`"),
            );
        }
    }
    for (code, value) in doc
        .json
        .get("operation_errors")
        .and_then(Json::as_object)
        .unwrap_or_default()
    {
        let at = format!("/operation_errors/{}", escape(code));
        unknown_keys(value, &["description"], &doc.file, &at, errors);
        if !meta
            .apis
            .iter()
            .any(|a| a.errors.iter().any(|e| e.code == *code))
        {
            errors.push(
                &doc.file,
                &at,
                format!("no operation of the metadata has error `{code}`"),
            );
        }
    }
    if let Some(defaults) = doc.json.get("operation_defaults") {
        unknown_keys(
            defaults,
            &["documentation", "ram_action"],
            &doc.file,
            "/operation_defaults",
            errors,
        );
    }
}

pub(super) fn unknown_keys(
    value: &Json,
    allowed: &[&str],
    file: &str,
    at: &str,
    errors: &mut Errors,
) {
    match value.as_object() {
        Some(entries) => {
            for (key, _) in entries {
                if !allowed.contains(&key.as_str()) && key != "$schema" {
                    errors.push(
                        file,
                        &format!("{at}/{}", escape(key)),
                        format!(
                            "unknown key `{key}`: expected one of {}",
                            allowed.join(", ")
                        ),
                    );
                }
            }
        }
        None => errors.push(
            file,
            at,
            format!("{} where an object is expected", value.kind()),
        ),
    }
}

/// A shape, its enum values and its members have descriptions, and its members and list member
/// name known types.
pub(super) fn check_shape(
    value: &Json,
    known: &dyn Fn(&str) -> bool,
    file: &str,
    at: &str,
    errors: &mut Errors,
) {
    if value.get("description").is_none() {
        errors.push(
            file,
            &format!("{at}/description"),
            "missing: an English description is expected",
        );
    }
    // Enum values and structure members each need their own English description too.
    for list in ["values", "members"] {
        let items = value.get(list).and_then(Json::as_array).unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            if item.get("description").is_none() {
                let pointer = format!("{at}/{list}/{i}/description");
                errors.push(
                    file,
                    &pointer,
                    "missing: an English description is expected",
                );
            }
        }
    }
    let is_known = |t: &str| crate::format::scalar(t).is_some() || known(t);
    if let Some(member) = value.get("member").and_then(Json::as_str)
        && !is_known(member)
    {
        errors.push(
            file,
            &format!("{at}/member"),
            format!("unknown type `{member}`"),
        );
    }
    for (i, m) in value
        .get("members")
        .and_then(Json::as_array)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(t) = m.get("type").and_then(Json::as_str)
            && !is_known(t)
        {
            errors.push(
                file,
                &format!("{at}/members/{i}/type"),
                format!("unknown type `{t}`"),
            );
        }
    }
}

/// English prose: every description, summary and note is present, not blank, and has no CJK text.
pub(super) fn english(value: &Json, file: &str, at: &str, errors: &mut Errors) {
    match value {
        Json::Object(entries) => {
            for (key, v) in entries {
                let here = format!("{at}/{}", escape(key));
                let prose = matches!(
                    key.as_str(),
                    "description" | "summary" | "note" | "access_level_note"
                );
                match v {
                    Json::String(s) if prose && s.trim().is_empty() => {
                        errors.push(file, &here, "blank: English text is expected")
                    }
                    Json::String(s) if prose && s.chars().any(is_cjk) => {
                        errors.push(file, &here, "CJK text: descriptions are in English")
                    }
                    // Examples are shown in the docs too.
                    Json::String(s) if key == "example" && s.chars().any(is_cjk) => errors.push(
                        file,
                        &here,
                        "CJK text: examples are shown in the English docs",
                    ),
                    _ => english(v, file, &here, errors),
                }
            }
        }
        Json::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                english(v, file, &format!("{at}/{i}"), errors);
            }
        }
        _ => {}
    }
}

/// CJK ideographs, kana, hangul, and CJK punctuation and full-width forms.
pub(super) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
}
