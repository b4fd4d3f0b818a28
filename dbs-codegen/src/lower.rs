//! Parse and check: JSON documents → the checked model, every mistake reported with its pointer.
//!
//! Lowering never stops at the first mistake: each reader records what is wrong and carries on
//! with what it could read, so one run lists everything a maintainer has to fix.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{Ctxt, Pointer, SpecErrors};
use crate::model::*;
use crate::names;

/// One spec file's name and text.
#[derive(Clone, Debug)]
pub struct SpecFile {
    /// The path as it should appear in messages.
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// Units an integer parameter may declare.
const UNITS: &[&str] = &["ms-since-epoch", "seconds", "port", "bytes", "days"];
const SCALARS: &str = "string, int32, int64, boolean";

/// Lowers a service file and its operation files into a checked [`Spec`].
pub fn lower(service: &SpecFile, operations: &[SpecFile]) -> Result<Spec, SpecErrors> {
    let mut cx = Ctxt::default();
    let service_model =
        parse_json(&mut cx, service).map(|v| Reader::new(&mut cx, &service.path).service(&v));
    let mut ops = Vec::new();
    if let Some(service_model) = &service_model {
        for file in operations {
            if let Some(value) = parse_json(&mut cx, file)
                && let Some(op) = Reader::new(&mut cx, &file.path).operation(&value, service_model)
            {
                ops.push(op);
            }
        }
        check_global_names(&mut cx, &service.path, service_model, &ops);
    }
    let spec = service_model.map(|service| Spec {
        service,
        operations: ops,
    });
    match spec {
        Some(spec) => cx.finish(spec),
        None => cx.finish(()).and_then(|()| unreachable_spec()),
    }
}

// A missing service model always leaves an error in the context, so `finish` above returns it.
fn unreachable_spec() -> Result<Spec, SpecErrors> {
    Err(SpecErrors(Vec::new()))
}

fn parse_json(cx: &mut Ctxt, file: &SpecFile) -> Option<Value> {
    match serde_json::from_str(&file.text) {
        Ok(value) => Some(value),
        Err(e) => {
            cx.error(&file.path, &Pointer::root(), format!("not valid JSON: {e}"));
            None
        }
    }
}

/// Reads one document, recording errors against its file.
struct Reader<'c> {
    cx: &'c mut Ctxt,
    file: String,
}

/// A JSON object and where it is.
struct Obj<'v> {
    map: &'v Map<String, Value>,
    at: Pointer,
}

/// A parameter as pass 1 reads it.
enum Declared {
    /// Fully read (boxed: a `Param` is far larger than the other variant).
    Param(Box<Param>),
    /// Named, but its type does not resolve (already reported at `type_at`).
    Unresolved {
        wire: String,
        rust: String,
        type_at: Pointer,
    },
}

impl Declared {
    /// The wire and Rust names, which must be unique within an operation.
    fn names(&self) -> (&str, &str) {
        match self {
            Self::Param(p) => (&p.wire, &p.rust),
            Self::Unresolved { wire, rust, .. } => (wire, rust),
        }
    }
}

/// What the conditions of one operation can name.
struct Scope<'a> {
    params: &'a [Param],
    /// Parameters whose type does not resolve, with where that is reported: a condition naming one
    /// says so instead of calling the parameter unknown.
    unresolved: &'a [(String, Pointer)],
    shapes: &'a [Shape],
    service: &'a Service,
}

impl<'c> Reader<'c> {
    fn new(cx: &'c mut Ctxt, file: &str) -> Self {
        Self {
            cx,
            file: file.to_owned(),
        }
    }

    fn error(&mut self, at: &Pointer, message: impl Into<String>) {
        self.cx.error(&self.file, at, message);
    }

    /// The object at `at`, checking that it has only `allowed` keys.
    fn object<'v>(&mut self, value: &'v Value, at: Pointer, allowed: &[&str]) -> Option<Obj<'v>> {
        let Some(map) = value.as_object() else {
            self.error(&at, format!("expected an object, found {}", kind(value)));
            return None;
        };
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                self.error(
                    &at.at(key),
                    format!(
                        "unknown key `{key}`; expected one of {}",
                        allowed.join(", ")
                    ),
                );
            }
        }
        Some(Obj { map, at })
    }

    fn string(&mut self, obj: &Obj<'_>, key: &str) -> Option<String> {
        let Some(value) = obj.map.get(key) else {
            self.error(&obj.at, format!("missing key `{key}`"));
            return None;
        };
        self.string_value(value, obj.at.at(key))
    }

    fn opt_string(&mut self, obj: &Obj<'_>, key: &str) -> Option<String> {
        obj.map
            .get(key)
            .and_then(|v| self.string_value(v, obj.at.at(key)))
    }

    fn string_value(&mut self, value: &Value, at: Pointer) -> Option<String> {
        match value {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::String(_) => {
                self.error(&at, "must not be empty");
                None
            }
            other => {
                self.error(&at, format!("expected a string, found {}", kind(other)));
                None
            }
        }
    }

    fn opt_bool(&mut self, obj: &Obj<'_>, key: &str) -> bool {
        match obj.map.get(key) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                let message = format!("expected true or false, found {}", kind(other));
                self.error(&obj.at.at(key), message);
                false
            }
        }
    }

    fn array<'v>(&mut self, obj: &Obj<'v>, key: &str, required: bool) -> Vec<(Pointer, &'v Value)> {
        match obj.map.get(key) {
            None if required => {
                self.error(&obj.at, format!("missing key `{key}`"));
                Vec::new()
            }
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let at = obj.at.at(key);
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (at.at(i), v))
                    .collect()
            }
            Some(other) => {
                let message = format!("expected an array, found {}", kind(other));
                self.error(&obj.at.at(key), message);
                Vec::new()
            }
        }
    }

    // ---- service.json ----

    fn service(&mut self, value: &Value) -> Service {
        let allowed = [
            "$schema",
            "product",
            "version",
            "style",
            "protocol",
            "documentation",
            "description",
            "endpoints",
            "errors",
            "context",
        ];
        let empty = Map::new();
        let obj = self
            .object(value, Pointer::root(), &allowed)
            .unwrap_or(Obj {
                map: &empty,
                at: Pointer::root(),
            });
        self.opt_string(&obj, "$schema");
        let style = self.string(&obj, "style").unwrap_or_default();
        if !style.is_empty() && style != "RPC" {
            self.error(
                &obj.at.at("style"),
                format!("unsupported style `{style}`; only RPC is supported"),
            );
        }
        let mut endpoints = Vec::new();
        match obj.map.get("endpoints") {
            Some(Value::Object(map)) => {
                for (region, host) in map {
                    if let Some(host) = self.string_value(host, obj.at.at("endpoints").at(region)) {
                        endpoints.push((region.clone(), host));
                    }
                }
            }
            Some(other) => {
                let message = format!(
                    "expected an object of region ID → host, found {}",
                    kind(other)
                );
                self.error(&obj.at.at("endpoints"), message);
            }
            None => self.error(&obj.at, "missing key `endpoints`"),
        }
        endpoints.sort();
        let errors = self.errors(&obj);
        let context = self
            .array(&obj, "context", false)
            .into_iter()
            .filter_map(|(at, v)| self.context_fact(v, at))
            .collect::<Vec<_>>();
        let mut seen = BTreeMap::new();
        for (i, fact) in context.iter().enumerate() {
            if let Some(first) = seen.insert(fact.name.clone(), i) {
                let at = obj.at.at("context").at(i).at("name");
                self.error(
                    &at,
                    format!(
                        "duplicate context fact `{}` (first at /context/{first})",
                        fact.name
                    ),
                );
            }
        }
        Service {
            product: self.string(&obj, "product").unwrap_or_default(),
            version: self.string(&obj, "version").unwrap_or_default(),
            style,
            protocol: self.string(&obj, "protocol").unwrap_or_default(),
            documentation: self.string(&obj, "documentation").unwrap_or_default(),
            description: self.string(&obj, "description").unwrap_or_default(),
            endpoints,
            errors,
            context,
        }
    }

    fn context_fact(&mut self, value: &Value, at: Pointer) -> Option<ContextFact> {
        let obj = self.object(value, at, &["name", "description", "source", "values"])?;
        let name = self.type_name(&obj)?;
        let values = self.enum_values(&obj)?;
        Some(ContextFact {
            rust_name: names::snake_case(&name),
            description: self.string(&obj, "description").unwrap_or_default(),
            source: self.string(&obj, "source").unwrap_or_default(),
            name,
            values,
        })
    }

    fn errors(&mut self, obj: &Obj<'_>) -> Vec<ErrorCode> {
        let mut codes: Vec<ErrorCode> = Vec::new();
        for (at, value) in self.array(obj, "errors", false) {
            let allowed = ["code", "http_status", "message", "description", "retryable"];
            let Some(e) = self.object(value, at, &allowed) else {
                continue;
            };
            let Some(code) = self.string(&e, "code") else {
                continue;
            };
            let http_status = match e.map.get("http_status").map(Value::as_u64) {
                Some(Some(status @ 100..=599)) => status as u16,
                Some(_) => {
                    self.error(
                        &e.at.at("http_status"),
                        "expected an HTTP status code (100-599)",
                    );
                    continue;
                }
                None => {
                    self.error(&e.at, "missing key `http_status`");
                    continue;
                }
            };
            if codes.iter().any(|c| c.code == code) {
                self.error(&e.at.at("code"), format!("duplicate error code `{code}`"));
                continue;
            }
            codes.push(ErrorCode {
                variant: names::pascal_case(&code),
                http_status,
                message: self.string(&e, "message").unwrap_or_default(),
                description: self.opt_string(&e, "description").unwrap_or_default(),
                retryable: self.opt_bool(&e, "retryable"),
                code,
            });
        }
        codes
    }

    fn type_name(&mut self, obj: &Obj<'_>) -> Option<String> {
        let name = self.string(obj, "name")?;
        if !names::is_identifier(&name) || !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            self.error(
                &obj.at.at("name"),
                format!("`{name}` is not a Rust type name; use PascalCase letters and digits"),
            );
            return None;
        }
        Some(name)
    }

    fn enum_values(&mut self, obj: &Obj<'_>) -> Option<Vec<EnumValue>> {
        let mut values: Vec<EnumValue> = Vec::new();
        let items = self.array(obj, "values", true);
        if items.is_empty() {
            self.error(&obj.at.at("values"), "an enum needs at least one value");
            return None;
        }
        for (at, value) in items {
            let Some(v) = self.object(value, at, &["value", "description"]) else {
                continue;
            };
            let Some(wire) = self.string(&v, "value") else {
                continue;
            };
            let variant = names::pascal_case(&wire);
            if !names::is_identifier(&variant) || variant == "Unknown" {
                self.error(
                    &v.at.at("value"),
                    format!("value `{wire}` gives no usable Rust variant name"),
                );
                continue;
            }
            if let Some(prior) = values
                .iter()
                .find(|e| e.value.eq_ignore_ascii_case(&wire) || e.variant == variant)
            {
                let message = format!(
                    "value `{wire}` duplicates `{}` (values are matched without regard to case)",
                    prior.value
                );
                self.error(&v.at.at("value"), message);
                continue;
            }
            values.push(EnumValue {
                description: self.string(&v, "description").unwrap_or_default(),
                value: wire,
                variant,
            });
        }
        Some(values)
    }

    // ---- operation files ----

    fn operation(&mut self, value: &Value, service: &Service) -> Option<Operation> {
        let allowed = [
            "$schema",
            "name",
            "summary",
            "description",
            "documentation",
            "ram_action",
            "access_level",
            "access_level_note",
            "method",
            "idempotent",
            "idempotency_token",
            "shapes",
            "parameters",
            "response",
            "errors",
        ];
        let obj = self.object(value, Pointer::root(), &allowed)?;
        // Read only to check they are strings: the editor's schema link and a note for maintainers.
        self.opt_string(&obj, "$schema");
        self.opt_string(&obj, "access_level_note");
        let name = self.type_name(&obj);
        if let Some(name) = &name {
            let stem = std::path::Path::new(&self.file)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            if stem != name {
                self.error(
                    &obj.at.at("name"),
                    format!("operation `{name}` must live in `{name}.json`, not `{stem}.json`"),
                );
            }
        }
        let method = self.string(&obj, "method").unwrap_or_default();
        if !method.is_empty() && method != "POST" {
            self.error(
                &obj.at.at("method"),
                format!("unsupported method `{method}`; DBS operations are POST"),
            );
        }
        let shapes = self.shapes(&obj);
        let params = self.params(&obj, &shapes, service);
        let idempotency_token = self
            .opt_string(&obj, "idempotency_token")
            .and_then(|token| {
                let found = params
                    .iter()
                    .position(|p| p.wire == token && p.ty == Type::String);
                if found.is_none() {
                    let message = format!(
                        "idempotency token `{token}` must name a string parameter of this operation"
                    );
                    self.error(&obj.at.at("idempotency_token"), message);
                }
                found
            });
        let response = self.response(&obj);
        let errors = self.errors(&obj);
        Some(Operation {
            rust_name: names::snake_case(name.as_deref()?),
            command: names::kebab_case(name.as_deref()?),
            name: name?,
            file: self.file.clone(),
            summary: self.string(&obj, "summary").unwrap_or_default(),
            description: self.opt_string(&obj, "description").unwrap_or_default(),
            documentation: self.string(&obj, "documentation").unwrap_or_default(),
            ram_action: self.string(&obj, "ram_action").unwrap_or_default(),
            access_level: self.string(&obj, "access_level").unwrap_or_default(),
            method,
            idempotent: self.opt_bool(&obj, "idempotent"),
            idempotency_token,
            shapes,
            params,
            response,
            errors,
        })
    }

    fn shapes(&mut self, obj: &Obj<'_>) -> Vec<Shape> {
        let Some(value) = obj.map.get("shapes") else {
            return Vec::new();
        };
        let Some(map) = value.as_object() else {
            self.error(
                &obj.at.at("shapes"),
                format!(
                    "expected an object of shape name → shape, found {}",
                    kind(value)
                ),
            );
            return Vec::new();
        };
        // Two passes: names first, so shapes may refer to shapes declared after them.
        let names: Vec<&String> = map.keys().collect();
        let mut shapes = Vec::new();
        for (name, value) in map {
            let at = obj.at.at("shapes").at(name);
            if !names::is_identifier(name) || !name.starts_with(|c: char| c.is_ascii_uppercase()) {
                self.error(
                    &at,
                    format!("`{name}` is not a Rust type name; use PascalCase letters and digits"),
                );
            }
            // Each kind takes only its own keys: a `members` on an enum is a mistake, not a no-op.
            let allowed: &[&str] = match value.get("type").and_then(Value::as_str) {
                Some("enum") => &["type", "description", "values", "default"],
                Some("structure") => &["type", "description", "members"],
                Some("list") => &["type", "description", "member", "min_items"],
                _ => &[
                    "type",
                    "description",
                    "values",
                    "default",
                    "members",
                    "member",
                    "min_items",
                ],
            };
            let Some(s) = self.object(value, at, allowed) else {
                continue;
            };
            let description = self.string(&s, "description").unwrap_or_default();
            let kind = match self.string(&s, "type").as_deref() {
                Some("enum") => self.enum_shape(&s),
                Some("structure") => self.structure_shape(&s),
                Some("list") => self.list_shape(&s, &names),
                Some(other) => {
                    self.error(
                        &s.at.at("type"),
                        format!("unknown shape type `{other}`; expected enum, structure or list"),
                    );
                    None
                }
                None => None,
            };
            if let Some(kind) = kind {
                shapes.push(Shape {
                    name: name.clone(),
                    description,
                    kind,
                });
            }
        }
        shapes
    }

    fn enum_shape(&mut self, s: &Obj<'_>) -> Option<ShapeKind> {
        let values = self.enum_values(s)?;
        let default = match self.opt_string(s, "default") {
            None => None,
            Some(d) => {
                let found = values.iter().position(|v| v.value == d);
                if found.is_none() {
                    self.error(
                        &s.at.at("default"),
                        format!("default `{d}` is not one of the values"),
                    );
                }
                found
            }
        };
        Some(ShapeKind::Enum { values, default })
    }

    fn structure_shape(&mut self, s: &Obj<'_>) -> Option<ShapeKind> {
        let mut members: Vec<Field> = Vec::new();
        for (at, value) in self.array(s, "members", true) {
            let Some(field) = self.field(value, at, true) else {
                continue;
            };
            if members
                .iter()
                .any(|m| m.wire == field.wire || m.rust == field.rust)
            {
                self.error(
                    &s.at.at("members"),
                    format!("duplicate member `{}`", field.wire),
                );
                continue;
            }
            members.push(field);
        }
        Some(ShapeKind::Structure { members })
    }

    fn list_shape(&mut self, s: &Obj<'_>, names: &[&String]) -> Option<ShapeKind> {
        let member = self.string(s, "member")?;
        let member = match scalar(&member) {
            Some(ty) => ty,
            None => match names.iter().position(|n| **n == member) {
                Some(i) => Type::Shape(i),
                None => {
                    self.error(&s.at.at("member"), format!("unknown type `{member}`; expected {SCALARS} or a shape of this operation"));
                    return None;
                }
            },
        };
        let min_items = match s.map.get("min_items") {
            None => None,
            Some(v) => {
                let n = v.as_u64();
                if n.is_none() {
                    self.error(&s.at.at("min_items"), "expected a non-negative integer");
                }
                n
            }
        };
        Some(ShapeKind::List { member, min_items })
    }

    /// A response field or structure member: a scalar with a description.
    fn field(&mut self, value: &Value, at: Pointer, member: bool) -> Option<Field> {
        let allowed: &[&str] = if member {
            &["name", "type", "required", "description", "example"]
        } else {
            &["name", "type", "description", "example"]
        };
        let f = self.object(value, at, allowed)?;
        let wire = self.string(&f, "name")?;
        let type_name = self.string(&f, "type")?;
        let Some(ty) = scalar(&type_name) else {
            self.error(
                &f.at.at("type"),
                format!("unknown type `{type_name}`; fields and members take {SCALARS}"),
            );
            return None;
        };
        let required = match f.map.get("required") {
            None => false,
            Some(Value::String(s)) if s == "always" => true,
            Some(Value::String(s)) if s == "never" => false,
            Some(_) => {
                self.error(&f.at.at("required"), "members take \"always\" or \"never\"");
                false
            }
        };
        let rust = self.rust_name(&wire, &f.at.at("name"))?;
        Some(Field {
            rust,
            ty,
            required,
            description: self.string(&f, "description").unwrap_or_default(),
            example: self.opt_string(&f, "example"),
            wire,
        })
    }

    fn rust_name(&mut self, wire: &str, at: &Pointer) -> Option<String> {
        let rust = names::snake_case(wire);
        if names::is_identifier(&rust) {
            Some(rust)
        } else {
            self.error(
                at,
                format!("`{wire}` gives no usable Rust name; wire names are letters and digits"),
            );
            None
        }
    }

    fn response(&mut self, obj: &Obj<'_>) -> Vec<Field> {
        let Some(value) = obj.map.get("response") else {
            self.error(&obj.at, "missing key `response`");
            return Vec::new();
        };
        let Some(r) = self.object(value, obj.at.at("response"), &["fields"]) else {
            return Vec::new();
        };
        let mut fields: Vec<Field> = Vec::new();
        for (at, value) in self.array(&r, "fields", true) {
            let Some(field) = self.field(value, at.clone(), false) else {
                continue;
            };
            if fields
                .iter()
                .any(|f| f.wire == field.wire || f.rust == field.rust)
            {
                self.error(
                    &at.at("name"),
                    format!("duplicate response field `{}`", field.wire),
                );
                continue;
            }
            fields.push(field);
        }
        fields
    }

    fn params(&mut self, obj: &Obj<'_>, shapes: &[Shape], service: &Service) -> Vec<Param> {
        let items = self.array(obj, "parameters", true);
        // Names of every shape the file declares, including those that did not lower: a parameter of
        // such a type is not reported again, the shape's own mistakes already are.
        let declared_shapes: Vec<&str> = obj
            .map
            .get("shapes")
            .and_then(Value::as_object)
            .map(|map| map.keys().map(String::as_str).collect())
            .unwrap_or_default();
        // Pass 1: names and types, so conditions can refer to any parameter.
        let mut declared: Vec<(Pointer, Declared)> = Vec::new();
        for (at, value) in &items {
            let allowed = [
                "name",
                "type",
                "encoding",
                "unit",
                "range",
                "sensitive",
                "required",
                "description",
                "example",
            ];
            let Some(p) = self.object(value, at.clone(), &allowed) else {
                continue;
            };
            let Some(param) = self.param(&p, shapes, &declared_shapes) else {
                continue;
            };
            let (wire, rust) = param.names();
            if let Some((first, _)) = declared
                .iter()
                .find(|(_, q)| q.names().0 == wire || q.names().1 == rust)
            {
                let message = format!("duplicate parameter `{wire}` (first at {first})");
                self.error(&p.at.at("name"), message);
                continue;
            }
            declared.push((p.at, param));
        }
        let mut params: Vec<Param> = Vec::new();
        let mut unresolved: Vec<(String, Pointer)> = Vec::new();
        let mut slots: Vec<(Pointer, Option<usize>)> = Vec::new();
        for (at, param) in declared {
            match param {
                Declared::Param(param) => {
                    slots.push((at, Some(params.len())));
                    params.push(*param);
                }
                Declared::Unresolved { wire, type_at, .. } => {
                    slots.push((at, None));
                    unresolved.push((wire, type_at));
                }
            }
        }
        // Pass 2: requirements. Those of a parameter with an unresolved type are lowered too, so the
        // mistakes in its conditions are reported in the same run.
        let scope = Scope {
            params: &params,
            unresolved: &unresolved,
            shapes,
            service,
        };
        let mut requirements = Vec::new();
        for (at, index) in &slots {
            let Some(value) = items
                .iter()
                .find(|(a, _)| a == at)
                .and_then(|(_, v)| v.get("required"))
            else {
                continue;
            };
            if let Some(required) = self.requirement(value, at.at("required"), &scope)
                && let Some(index) = index
            {
                requirements.push((*index, required));
            }
        }
        for (index, required) in requirements {
            params[index].required = required;
        }
        params
    }

    /// Reads a parameter's declaration. `None` when it has no usable name (already reported); an
    /// unresolved type still declares the name, so conditions on it can say what is wrong.
    fn param(
        &mut self,
        p: &Obj<'_>,
        shapes: &[Shape],
        declared_shapes: &[&str],
    ) -> Option<Declared> {
        let wire = self.string(p, "name")?;
        let rust = self.rust_name(&wire, &p.at.at("name"))?;
        let Some(ty) = self.param_type(p, shapes, declared_shapes) else {
            let type_at = if p.map.contains_key("type") {
                p.at.at("type")
            } else {
                p.at.clone()
            };
            return Some(Declared::Unresolved {
                wire,
                rust,
                type_at,
            });
        };
        let structured =
            matches!(ty, Type::Shape(i) if !matches!(shapes[i].kind, ShapeKind::Enum { .. }));
        match (self.opt_string(p, "encoding").as_deref(), structured) {
            (Some("json"), true) | (None, false) => {}
            (None, true) => self.error(
                &p.at,
                format!(
                    "parameter `{wire}` of a list or structure type needs \"encoding\": \"json\""
                ),
            ),
            (Some("json"), false) => self.error(
                &p.at.at("encoding"),
                "only list and structure parameters take an encoding",
            ),
            (Some(other), _) => self.error(
                &p.at.at("encoding"),
                format!("unknown encoding `{other}`; expected json"),
            ),
        }
        let integer = matches!(ty, Type::Int32 | Type::Int64);
        let unit = self.opt_string(p, "unit");
        if let Some(unit) = &unit {
            if !UNITS.contains(&unit.as_str()) {
                self.error(
                    &p.at.at("unit"),
                    format!(
                        "unknown unit `{unit}`; expected one of {}",
                        UNITS.join(", ")
                    ),
                );
            } else if !integer {
                self.error(&p.at.at("unit"), "only integer parameters take a unit");
            }
        }
        let range = p
            .map
            .get("range")
            .and_then(|r| self.range(r, p.at.at("range"), integer, ty));
        let sensitive = self.opt_bool(p, "sensitive");
        if sensitive && ty != Type::String {
            self.error(
                &p.at.at("sensitive"),
                "only string parameters can be sensitive",
            );
        }
        Some(Declared::Param(Box::new(Param {
            flag: names::kebab_case(&wire),
            rust,
            ty,
            unit,
            range,
            sensitive,
            required: Requirement::Never,
            description: self.string(p, "description").unwrap_or_default(),
            example: self.opt_string(p, "example"),
            wire,
        })))
    }

    /// A parameter's type: a scalar or a shape of this operation. `None` when it does not resolve,
    /// reported here unless it names a declared shape that did not lower (reported there).
    fn param_type(
        &mut self,
        p: &Obj<'_>,
        shapes: &[Shape],
        declared_shapes: &[&str],
    ) -> Option<Type> {
        let type_name = self.string(p, "type")?;
        if let Some(ty) = scalar(&type_name) {
            return Some(ty);
        }
        if let Some(i) = shapes.iter().position(|s| s.name == type_name) {
            return Some(Type::Shape(i));
        }
        if !declared_shapes.contains(&type_name.as_str()) {
            let known: Vec<&str> = shapes.iter().map(|s| s.name.as_str()).collect();
            let message = format!(
                "unknown type `{type_name}`; expected {SCALARS} or a shape of this operation ({})",
                if known.is_empty() {
                    "none declared".to_owned()
                } else {
                    known.join(", ")
                }
            );
            self.error(&p.at.at("type"), message);
        }
        None
    }

    fn range(&mut self, value: &Value, at: Pointer, integer: bool, ty: Type) -> Option<(i64, i64)> {
        let r = self.object(value, at.clone(), &["min", "max"])?;
        if !integer {
            self.error(&at, "only integer parameters take a range");
            return None;
        }
        let (lo, hi) = if ty == Type::Int32 {
            (i32::MIN as i64, i32::MAX as i64)
        } else {
            (i64::MIN, i64::MAX)
        };
        let mut bound = |key: &str, default: i64| match r.map.get(key) {
            None => Some(default),
            Some(v) => match v.as_i64().filter(|n| (lo..=hi).contains(n)) {
                Some(n) => Some(n),
                None => {
                    self.error(
                        &at.at(key),
                        "expected an integer that fits the parameter's type",
                    );
                    None
                }
            },
        };
        let (min, max) = (bound("min", lo)?, bound("max", hi)?);
        if min > max {
            self.error(&at, format!("min {min} is greater than max {max}"));
            return None;
        }
        Some((min, max))
    }

    fn requirement(
        &mut self,
        value: &Value,
        at: Pointer,
        scope: &Scope<'_>,
    ) -> Option<Requirement> {
        match value {
            Value::String(s) if s == "always" => Some(Requirement::Always),
            Value::String(s) if s == "never" => Some(Requirement::Never),
            Value::Object(_) => {
                let r = self.object(value, at, &["id", "when", "note"])?;
                let Some(when) = r.map.get("when") else {
                    self.error(&r.at, "missing key `when`");
                    return None;
                };
                let condition = self.condition(when, r.at.at("when"), scope)?;
                Some(Requirement::When {
                    id: self.opt_string(&r, "id"),
                    condition,
                    note: self.opt_string(&r, "note"),
                })
            }
            _ => {
                self.error(
                    &at,
                    "expected \"always\", \"never\" or {\"when\": condition}",
                );
                None
            }
        }
    }

    fn condition(&mut self, value: &Value, at: Pointer, scope: &Scope<'_>) -> Option<Condition> {
        let Some(map) = value.as_object() else {
            self.error(
                &at,
                format!("expected a condition object, found {}", kind(value)),
            );
            return None;
        };
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        match keys.as_slice() {
            ["in", "param"] | ["param", "in"] => {
                let c = self.object(value, at, &["param", "in"])?;
                let name = self.string(&c, "param")?;
                let Some(index) = scope.params.iter().position(|p| p.wire == name) else {
                    let message = match scope.unresolved.iter().find(|(wire, _)| *wire == name) {
                        Some((_, type_at)) => format!(
                            "parameter `{name}` has an unknown type (see {type_at}), so it cannot be tested"
                        ),
                        None => format!("unknown parameter `{name}`"),
                    };
                    self.error(&c.at.at("param"), message);
                    self.values_at(&c);
                    return None;
                };
                let values = match scope.params[index].ty {
                    Type::Shape(s) => match &scope.shapes[s].kind {
                        ShapeKind::Enum { values, .. } => values,
                        _ => return self.not_enum(&c, &name),
                    },
                    _ => return self.not_enum(&c, &name),
                };
                let chosen =
                    self.pick_values(&c, values, &shapes_name(scope.params, scope.shapes, index))?;
                Some(Condition::Param {
                    param: index,
                    values: chosen,
                })
            }
            ["context", "in"] | ["in", "context"] => {
                let c = self.object(value, at, &["context", "in"])?;
                let name = self.string(&c, "context")?;
                let Some(fact) = scope.service.context.iter().position(|f| f.name == name) else {
                    let known: Vec<&str> = scope
                        .service
                        .context
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect();
                    let known = if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    };
                    self.error(
                        &c.at.at("context"),
                        format!("unknown context fact `{name}`; service.json declares {known}"),
                    );
                    return None;
                };
                let chosen = self.pick_values(&c, &scope.service.context[fact].values, &name)?;
                Some(Condition::Context {
                    fact,
                    values: chosen,
                })
            }
            ["all"] | ["any"] => {
                let key = keys[0];
                let Some(items) = map[key].as_array().filter(|a| !a.is_empty()) else {
                    self.error(&at.at(key), "expected a non-empty array of conditions");
                    return None;
                };
                // Every member is lowered, so each mistake among them is reported.
                let inner: Vec<Option<Condition>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.condition(v, at.at(key).at(i), scope))
                    .collect();
                let inner: Option<Vec<Condition>> = inner.into_iter().collect();
                Some(if key == "all" {
                    Condition::All(inner?)
                } else {
                    Condition::Any(inner?)
                })
            }
            ["not"] => {
                let inner = self.condition(&map["not"], at.at("not"), scope)?;
                Some(Condition::Not(Box::new(inner)))
            }
            _ => {
                self.error(&at, "expected one of {\"param\", \"in\"}, {\"context\", \"in\"}, {\"all\"}, {\"any\"}, {\"not\"}");
                None
            }
        }
    }

    fn not_enum<T>(&mut self, c: &Obj<'_>, name: &str) -> Option<T> {
        self.error(
            &c.at.at("param"),
            format!("parameter `{name}` is not an enum; conditions test enum parameters"),
        );
        None
    }

    // Reports a malformed `in` even when the condition's subject is already wrong.
    fn values_at(&mut self, c: &Obj<'_>) {
        if !c.map.get("in").is_some_and(Value::is_array) {
            self.error(&c.at.at("in"), "expected an array of values");
        }
    }

    fn pick_values(&mut self, c: &Obj<'_>, values: &[EnumValue], of: &str) -> Option<Vec<usize>> {
        let Some(items) = c
            .map
            .get("in")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
        else {
            self.error(&c.at.at("in"), "expected a non-empty array of values");
            return None;
        };
        let mut chosen = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let found = item
                .as_str()
                .and_then(|s| values.iter().position(|v| v.value == s));
            match found {
                Some(index) => chosen.push(index),
                None => {
                    ok = false;
                    let known: Vec<&str> = values.iter().map(|v| v.value.as_str()).collect();
                    let message = format!(
                        "unknown enum value {item} of `{of}`; expected one of {}",
                        known.join(", ")
                    );
                    self.error(&c.at.at("in").at(i), message);
                }
            }
        }
        ok.then_some(chosen)
    }
}

fn shapes_name(params: &[Param], shapes: &[Shape], index: usize) -> String {
    match params[index].ty {
        Type::Shape(s) => shapes[s].name.clone(),
        _ => params[index].wire.clone(),
    }
}

fn scalar(name: &str) -> Option<Type> {
    match name {
        "string" => Some(Type::String),
        "int32" => Some(Type::Int32),
        "int64" => Some(Type::Int64),
        "boolean" => Some(Type::Boolean),
        _ => None,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Names every operation puts into the one generated module must not collide.
fn check_global_names(cx: &mut Ctxt, service_file: &str, service: &Service, ops: &[Operation]) {
    let mut owners: BTreeMap<String, String> = ["ValidationContext", "Client"]
        .into_iter()
        .map(|fixed| (fixed.to_owned(), "the runtime".to_owned()))
        .collect();
    let mut claim = |cx: &mut Ctxt, name: String, file: &str, at: Pointer| {
        if let Some(owner) = owners.get(&name) {
            cx.error(
                file,
                &at,
                format!("the generated name `{name}` is already used by {owner}"),
            );
        } else {
            owners.insert(name, file.to_owned());
        }
    };
    for (i, fact) in service.context.iter().enumerate() {
        claim(
            cx,
            fact.name.clone(),
            service_file,
            Pointer::root().at("context").at(i).at("name"),
        );
    }
    for op in ops {
        for suffix in ["Input", "InputBuilder", "Output", "ErrorCode", "Request"] {
            claim(
                cx,
                format!("{}{suffix}", op.name),
                &op.file,
                Pointer::root().at("name"),
            );
        }
        for shape in &op.shapes {
            claim(
                cx,
                shape.name.clone(),
                &op.file,
                Pointer::root().at("shapes").at(&shape.name),
            );
        }
        let mut variants: BTreeMap<&str, &str> = BTreeMap::new();
        for error in op.errors.iter().chain(&service.errors) {
            if let Some(code) = variants.insert(&error.variant, &error.code)
                && code != error.code
            {
                let message = format!(
                    "error codes `{code}` and `{}` both become the variant `{}`",
                    error.code, error.variant
                );
                cx.error(&op.file, &Pointer::root().at("errors"), message);
            }
        }
    }
}
