//! `spec/schema.json`, rendered from the format's declarations ([`format`](crate::format)).

use serde_json::{Map, Value, json};

use crate::format::{self, Key, Object, Val};

/// The JSON Schema (draft 2020-12) of a spec file, as `dbs-codegen schema` prints it and
/// `spec/schema.json` holds it: pretty, deterministic (keys sorted), ending in a newline.
///
/// Editors use it to complete and check spec files; rules it cannot state (a type naming a shape of
/// the same operation, names that collide once derived) are `dbs-codegen check`'s, and its
/// description says so.
pub fn schema() -> String {
    let mut defs = Map::new();
    for object in format::OBJECTS {
        defs.insert(object.name.to_owned(), object_schema(object));
    }
    for (name, value) in format::values() {
        defs.insert(name.to_owned(), value);
    }
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "DBS API spec file",
        "description": "One file of a spec directory: `service.json` (the product version) or `<Operation>.json` (one operation). Generated from dbs-codegen's format declarations (`dbs-codegen schema`), which its reader uses too; rules that need more than one file (a type naming a shape, a condition naming a parameter, an operation name matching its file name, unique names) and the rules on derived names (names the runtime, the generated code or the CLI already use, listed in dbs-codegen/src/reserved.rs; names that collide once derived, such as `DBName` and `DbName`) are checked by `dbs-codegen check <dir>` only.",
        "oneOf": [
            { "$ref": format!("#/$defs/{}", format::SERVICE.name) },
            { "$ref": format!("#/$defs/{}", format::OPERATION.name) }
        ],
        "$defs": defs
    });
    // Serializing a `Value` cannot fail: its keys are strings.
    let mut text = serde_json::to_string_pretty(&root).unwrap_or_default();
    text.push('\n');
    text
}

fn object_schema(object: &Object) -> Value {
    let mut schema = Map::new();
    if let Some(description) = object.description {
        schema.insert("description".to_owned(), description.into());
    }
    schema.insert("type".to_owned(), "object".into());
    schema.insert("additionalProperties".to_owned(), false.into());
    let required: Vec<&str> = object
        .keys
        .iter()
        .filter(|k| k.required)
        .map(|k| k.name)
        .collect();
    if !required.is_empty() {
        schema.insert("required".to_owned(), required.into());
    }
    let properties: Map<String, Value> = object
        .keys
        .iter()
        .map(|key| (key.name.to_owned(), key_schema(key)))
        .collect();
    schema.insert("properties".to_owned(), properties.into());
    if let Some(rules) = object.rules {
        schema.insert("allOf".to_owned(), rules().into());
    }
    schema.into()
}

fn key_schema(key: &Key) -> Value {
    let mut schema = match &key.value {
        Val::Def(name) => json!({ "$ref": format!("#/$defs/{name}") }),
        Val::Const(value) => json!({ "const": value }),
        Val::Bool => json!({ "type": "boolean" }),
        Val::Integer { min, max } => {
            let mut schema = json!({ "type": "integer" });
            if let Some(min) = min {
                schema["minimum"] = (*min).into();
            }
            if let Some(max) = max {
                schema["maximum"] = (*max).into();
            }
            schema
        }
        Val::Array(name) => {
            json!({ "type": "array", "items": { "$ref": format!("#/$defs/{name}") } })
        }
        Val::Schema(schema) => schema(),
    };
    if let (Some(description), Some(map)) = (key.description, schema.as_object_mut()) {
        map.insert("description".to_owned(), description.into());
    }
    schema
}
