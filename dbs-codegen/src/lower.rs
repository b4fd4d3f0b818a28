//! Parse and check: JSON documents → the checked model, every mistake reported with its pointer.
//!
//! Lowering never stops at the first mistake: each reader records what is wrong and carries on
//! with what it could read, so one run lists everything a maintainer has to fix. Lowering checks
//! the form of each document and resolves its references; the rules about the names the generated
//! code and the runtime use are `check`'s, run on what lowered.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::check;
use crate::error::{Ctxt, Pointer, SpecError, SpecErrors};
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

/// Units an integer parameter may declare, with the bounds each implies, so every parameter of a
/// unit is checked without anyone repeating them: a port is 1 to 65535 (port numbers are 16
/// bits, and port 0 is reserved in the IANA port number registry); a time since the epoch, a
/// duration, a size and a number of days are never negative. A parameter's `range` may narrow
/// these, never widen them.
const UNITS: &[(&str, Bounds)] = &[
    (
        "ms-since-epoch",
        Bounds {
            min: Some(0),
            max: None,
        },
    ),
    (
        "seconds",
        Bounds {
            min: Some(0),
            max: None,
        },
    ),
    (
        "port",
        Bounds {
            min: Some(1),
            max: Some(65535),
        },
    ),
    (
        "bytes",
        Bounds {
            min: Some(0),
            max: None,
        },
    ),
    (
        "days",
        Bounds {
            min: Some(0),
            max: None,
        },
    ),
];
const SCALARS: &str = "string, int32, int64, boolean";

/// Lowers a service file and its operation files into a checked [`Spec`].
pub fn lower(service: &SpecFile, operations: &[SpecFile]) -> Result<Spec, SpecErrors> {
    lower_files(Vec::new(), Some(service), operations)
}

/// Lowers what [`SpecDir::read`](crate::SpecDir::read) could read. `read_errors` are the files it
/// could not (reported with the rest); `service` is `None` when `service.json` is missing or
/// unreadable, which `read_errors` then says.
pub(crate) fn lower_files(
    read_errors: Vec<SpecError>,
    service: Option<&SpecFile>,
    operations: &[SpecFile],
) -> Result<Spec, SpecErrors> {
    let mut cx = Ctxt::new(read_errors);
    let service_model = service.and_then(|file| {
        let value = parse_json(&mut cx, file)?;
        Some(Reader::new(&mut cx, &file.path).service(&value))
    });
    // Without a service (missing, unreadable or not JSON, already reported) the operations are
    // still lowered and checked, so one run lists every mistake; only what needs the service's
    // facts is skipped (see `Scope::service`).
    let mut ops = Vec::new();
    for file in operations {
        if let Some(value) = parse_json(&mut cx, file)
            && let Some(op) =
                Reader::new(&mut cx, &file.path).operation(&value, service_model.as_ref())
        {
            ops.push(op);
        }
    }
    check::check(&mut cx, service_model.as_ref(), &ops);
    cx.sort_by_file(service.map(|file| file.path.as_str()));
    match (cx.finish(()), service_model) {
        (Ok(()), Some(service)) => Ok(Spec {
            service,
            operations: ops,
        }),
        (Err(errors), _) => Err(errors),
        // Not reached: a missing service is always reported, by `SpecDir::read` or `parse_json`.
        (Ok(()), None) => Err(SpecErrors(vec![SpecError {
            file: String::new(),
            pointer: String::new(),
            message: "no service.json was read".to_owned(),
        }])),
    }
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
///
/// Each reader reads every key of its object before it decides anything, so a mistake in one key
/// never hides a mistake in another.
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
    Unresolved { wire: String, type_at: Pointer },
}

/// What the conditions of one operation can name.
struct Scope<'a> {
    params: &'a [Param],
    /// Parameters whose type does not resolve, with where that is reported: a condition naming one
    /// says so instead of calling the parameter unknown.
    unresolved: &'a [(String, Pointer)],
    shapes: &'a [Shape],
    /// `None` when the service did not lower (already reported): conditions on context facts are
    /// then checked for their form only, since calling every fact unknown would be noise.
    service: Option<&'a Service>,
}

/// A shape as the first pass of `shapes` reads it: lists still name their member.
enum ShapeDraft {
    Done(ShapeKind),
    List {
        member: String,
        member_at: Pointer,
        min_items: Option<u64>,
    },
}

/// A list's member, resolved by name in the second pass of `shapes`.
enum MemberRef<'d> {
    Scalar(Type),
    Shape(&'d str),
}

/// A shape that the second pass of `shapes` keeps.
enum Kept<'d> {
    Done(&'d ShapeKind),
    List(MemberRef<'d>, Option<u64>),
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
        let product = self.string(&obj, "product").unwrap_or_default();
        let version = self.string(&obj, "version").unwrap_or_default();
        let style = self.string(&obj, "style").unwrap_or_default();
        if !style.is_empty() && style != "RPC" {
            self.error(
                &obj.at.at("style"),
                format!("unsupported style `{style}`; only RPC is supported"),
            );
        }
        let protocol = self.string(&obj, "protocol").unwrap_or_default();
        let documentation = self.string(&obj, "documentation").unwrap_or_default();
        let description = self.string(&obj, "description").unwrap_or_default();
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
        // Conditions name facts, so a name must say which one.
        let mut seen: HashMap<&str, &Pointer> = HashMap::new();
        for fact in &context {
            if let Some(first) = seen.insert(&fact.name, &fact.at) {
                let message = format!("duplicate context fact `{}` (first at {first})", fact.name);
                self.cx.error(&self.file, &fact.at.at("name"), message);
            }
        }
        Service {
            file: self.file.clone(),
            product,
            version,
            style,
            protocol,
            documentation,
            description,
            endpoints,
            errors,
            context,
        }
    }

    fn context_fact(&mut self, value: &Value, at: Pointer) -> Option<ContextFact> {
        let obj = self.object(value, at, &["name", "description", "source", "values"])?;
        let name = self.type_name(&obj);
        let description = self.string(&obj, "description").unwrap_or_default();
        let source = self.string(&obj, "source").unwrap_or_default();
        let values = self.enum_values(&obj);
        let (name, values) = (name?, values?);
        Some(ContextFact {
            at: obj.at,
            rust_name: names::snake_case(&name),
            description,
            source,
            name,
            values,
        })
    }

    fn errors(&mut self, obj: &Obj<'_>) -> Vec<ErrorCode> {
        let mut codes = Vec::new();
        for (at, value) in self.array(obj, "errors", false) {
            let allowed = ["code", "http_status", "message", "description", "retryable"];
            let Some(e) = self.object(value, at, &allowed) else {
                continue;
            };
            let code = self.string(&e, "code");
            let http_status = match e.map.get("http_status") {
                Some(v) => match v.as_u64() {
                    Some(status @ 100..=599) => Some(status as u16),
                    _ => {
                        self.error(
                            &e.at.at("http_status"),
                            "expected an HTTP status code (100-599)",
                        );
                        None
                    }
                },
                None => {
                    self.error(&e.at, "missing key `http_status`");
                    None
                }
            };
            let message = self.string(&e, "message").unwrap_or_default();
            let description = self.opt_string(&e, "description").unwrap_or_default();
            let retryable = self.opt_bool(&e, "retryable");
            let (Some(code), Some(http_status)) = (code, http_status) else {
                continue;
            };
            codes.push(ErrorCode {
                at: e.at,
                variant: names::pascal_case(&code),
                http_status,
                message,
                description,
                retryable,
                code,
            });
        }
        codes
    }

    /// The `name` of `obj`, which must be a Rust type name.
    fn type_name(&mut self, obj: &Obj<'_>) -> Option<String> {
        let name = self.string(obj, "name")?;
        self.is_type_name(&name, &obj.at.at("name")).then_some(name)
    }

    /// Whether `name` can be a generated type name (reported where it is not). The name is used
    /// verbatim, so besides the form it must not be the keyword `Self`.
    fn is_type_name(&mut self, name: &str, at: &Pointer) -> bool {
        if names::is_keyword(name) {
            self.error(
                at,
                format!("`{name}` is a Rust keyword, so it cannot name a type"),
            );
            false
        } else if !names::is_identifier(name) || !name.starts_with(|c: char| c.is_ascii_uppercase())
        {
            self.error(
                at,
                format!("`{name}` is not a Rust type name; use PascalCase letters and digits"),
            );
            false
        } else {
            true
        }
    }

    fn enum_values(&mut self, obj: &Obj<'_>) -> Option<Vec<EnumValue>> {
        let items = self.array(obj, "values", true);
        if items.is_empty() {
            self.error(&obj.at.at("values"), "an enum needs at least one value");
            return None;
        }
        let mut values = Vec::new();
        for (at, value) in items {
            let Some(v) = self.object(value, at, &["value", "description"]) else {
                continue;
            };
            let wire = self.string(&v, "value");
            let description = self.string(&v, "description").unwrap_or_default();
            // The service compares values exactly (or without regard to ASCII case): ` RDS`
            // would never match, and a client sending it would be refused.
            if let Some(wire) = wire.as_deref().filter(|w| w.trim() != *w) {
                let message = format!(
                    "enum value {wire:?} begins or ends with white space; the service compares values exactly"
                );
                self.error(&v.at.at("value"), message);
            }
            if let Some(wire) = wire {
                values.push(EnumValue {
                    at: v.at,
                    variant: names::pascal_case(&wire),
                    description,
                    value: wire,
                });
            }
        }
        Some(values)
    }

    // ---- operation files ----

    fn operation(&mut self, value: &Value, service: Option<&Service>) -> Option<Operation> {
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
        let summary = self.string(&obj, "summary").unwrap_or_default();
        let description = self.opt_string(&obj, "description").unwrap_or_default();
        let documentation = self.string(&obj, "documentation").unwrap_or_default();
        let ram_action = self.string(&obj, "ram_action").unwrap_or_default();
        let access_level = self.string(&obj, "access_level").unwrap_or_default();
        let method = self.string(&obj, "method").unwrap_or_default();
        if !method.is_empty() && method != "POST" {
            self.error(
                &obj.at.at("method"),
                format!("unsupported method `{method}`; DBS operations are POST"),
            );
        }
        let idempotent = self.opt_bool(&obj, "idempotent");
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
        let name = name?;
        Some(Operation {
            rust_name: names::snake_case(&name),
            command: names::kebab_case(&name),
            name,
            file: self.file.clone(),
            summary,
            description,
            documentation,
            ram_action,
            access_level,
            method,
            idempotent,
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
        // Pass 1: each shape on its own; lists keep their member's name, so shapes may refer to
        // shapes declared after them.
        let mut drafts: Vec<(String, Pointer, String, ShapeDraft)> = Vec::new();
        for (name, value) in map {
            let at = obj.at.at("shapes").at(name);
            let named = self.is_type_name(name, &at);
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
            let draft = match self.string(&s, "type").as_deref() {
                Some("enum") => self.enum_shape(&s).map(ShapeDraft::Done),
                Some("structure") => Some(ShapeDraft::Done(self.structure_shape(&s))),
                Some("list") => self.list_shape(&s),
                Some(other) => {
                    self.error(
                        &s.at.at("type"),
                        format!("unknown shape type `{other}`; expected enum, structure or list"),
                    );
                    None
                }
                None => None,
            };
            if let Some(draft) = draft
                && named
            {
                drafts.push((name.clone(), s.at, description, draft));
            }
        }
        // Pass 2: list members. A list holds a scalar, an enum or a structure; since structures
        // hold scalars only, no shape can then refer to itself, directly or through others, and
        // every shape's Rust type is finite (the emitter spells it by recursion). A nested list's
        // `min_items` could not be checked either. A list whose member does not resolve is left
        // out, so the indexes below are those of the shapes that remain.
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut kept = Vec::new();
        for (name, at, description, draft) in &drafts {
            let body = match draft {
                ShapeDraft::Done(kind) => Kept::Done(kind),
                ShapeDraft::List {
                    member,
                    member_at,
                    min_items,
                } => match self.list_member(name, member, member_at, map, &drafts) {
                    Some(member) => Kept::List(member, *min_items),
                    None => continue,
                },
            };
            index.insert(name, kept.len());
            kept.push((name, at, description, body));
        }
        kept.into_iter()
            .map(|(name, at, description, body)| {
                let kind = match body {
                    Kept::Done(kind) => kind.clone(),
                    Kept::List(member, min_items) => ShapeKind::List {
                        member: match member {
                            MemberRef::Scalar(ty) => ty,
                            // Enums and structures are all kept, so the member has an index.
                            MemberRef::Shape(shape) => Type::Shape(index[shape]),
                        },
                        min_items,
                    },
                };
                Shape {
                    at: at.clone(),
                    name: name.clone(),
                    description: description.clone(),
                    kind,
                }
            })
            .collect()
    }

    /// Resolves a list's member: a scalar, or an enum or structure shape of this operation.
    /// `None` when it is anything else (reported here unless it names a declared shape that did not
    /// lower, whose own mistakes are reported already).
    fn list_member<'d>(
        &mut self,
        list: &str,
        member: &'d str,
        at: &Pointer,
        declared: &Map<String, Value>,
        drafts: &'d [(String, Pointer, String, ShapeDraft)],
    ) -> Option<MemberRef<'d>> {
        if let Some(ty) = scalar(member) {
            return Some(MemberRef::Scalar(ty));
        }
        match drafts.iter().find(|(name, ..)| name == member) {
            Some((_, _, _, ShapeDraft::Done(_))) => Some(MemberRef::Shape(member)),
            Some((_, _, _, ShapeDraft::List { .. })) if member == list => {
                self.error(
                    at,
                    format!("list `{list}` cannot contain itself; a list's member is a scalar, an enum or a structure"),
                );
                None
            }
            Some((_, _, _, ShapeDraft::List { .. })) => {
                self.error(
                    at,
                    format!("`{member}` is a list, and lists of lists are not supported; a list's member is a scalar, an enum or a structure"),
                );
                None
            }
            None if declared.contains_key(member) => None,
            None => {
                self.error(
                    at,
                    format!(
                        "unknown type `{member}`; expected {SCALARS} or a shape of this operation"
                    ),
                );
                None
            }
        }
    }

    fn enum_shape(&mut self, s: &Obj<'_>) -> Option<ShapeKind> {
        let default = self.opt_string(s, "default");
        let values = self.enum_values(s)?;
        let default = default.and_then(|d| {
            let found = values.iter().position(|v| v.value == d);
            if found.is_none() {
                self.error(
                    &s.at.at("default"),
                    format!("default `{d}` is not one of the values"),
                );
            }
            found
        });
        Some(ShapeKind::Enum { values, default })
    }

    fn structure_shape(&mut self, s: &Obj<'_>) -> ShapeKind {
        let members = self
            .array(s, "members", true)
            .into_iter()
            .filter_map(|(at, value)| self.field(value, at, true))
            .collect();
        ShapeKind::Structure { members }
    }

    fn list_shape(&mut self, s: &Obj<'_>) -> Option<ShapeDraft> {
        let member = self.string(s, "member");
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
        Some(ShapeDraft::List {
            member: member?,
            member_at: s.at.at("member"),
            min_items,
        })
    }

    /// A response field or structure member: a scalar with a description.
    fn field(&mut self, value: &Value, at: Pointer, member: bool) -> Option<Field> {
        let allowed: &[&str] = if member {
            &["name", "type", "required", "description", "example"]
        } else {
            &["name", "type", "description", "example"]
        };
        let f = self.object(value, at, allowed)?;
        let wire = self.string(&f, "name");
        let ty = self.string(&f, "type").and_then(|type_name| {
            let ty = scalar(&type_name);
            if ty.is_none() {
                self.error(
                    &f.at.at("type"),
                    format!("unknown type `{type_name}`; fields and members take {SCALARS}"),
                );
            }
            ty
        });
        let required = match f.map.get("required") {
            None => false,
            Some(Value::String(s)) if s == "always" => true,
            Some(Value::String(s)) if s == "never" => false,
            Some(_) => {
                self.error(&f.at.at("required"), "members take \"always\" or \"never\"");
                false
            }
        };
        let description = self.string(&f, "description").unwrap_or_default();
        let example = self.opt_string(&f, "example");
        let (wire, ty) = (wire?, ty?);
        Some(Field {
            at: f.at,
            rust: names::snake_case(&wire),
            ty,
            required,
            description,
            example,
            wire,
        })
    }

    fn response(&mut self, obj: &Obj<'_>) -> Vec<Field> {
        let Some(value) = obj.map.get("response") else {
            self.error(&obj.at, "missing key `response`");
            return Vec::new();
        };
        let Some(r) = self.object(value, obj.at.at("response"), &["fields"]) else {
            return Vec::new();
        };
        self.array(&r, "fields", true)
            .into_iter()
            .filter_map(|(at, value)| self.field(value, at, false))
            .collect()
    }

    fn params(&mut self, obj: &Obj<'_>, shapes: &[Shape], service: Option<&Service>) -> Vec<Param> {
        let items = self.array(obj, "parameters", true);
        // Names of every shape the file declares, including those that did not lower: a parameter of
        // such a type is not reported again, the shape's own mistakes already are.
        let declared_shapes: Vec<&str> = obj
            .map
            .get("shapes")
            .and_then(Value::as_object)
            .map(|map| map.keys().map(String::as_str).collect())
            .unwrap_or_default();
        // Pass 1: names and types, so conditions can refer to any parameter. Every parameter
        // object gets a slot, so pass 2 reads the requirement of each, even one whose name is bad.
        let mut params: Vec<Param> = Vec::new();
        let mut unresolved: Vec<(String, Pointer)> = Vec::new();
        let mut slots: Vec<(Pointer, &Value, Option<usize>)> = Vec::new();
        // Conditions name parameters by wire name, so a wire name must say which one.
        let mut wires: HashMap<String, Pointer> = HashMap::new();
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
            let declared = self.param(&p, shapes, &declared_shapes);
            let wire = match &declared {
                Some(Declared::Param(param)) => Some(param.wire.clone()),
                Some(Declared::Unresolved { wire, .. }) => Some(wire.clone()),
                None => None,
            };
            let unique = match wire {
                Some(wire) => match wires.get(&wire) {
                    Some(first) => {
                        let message = format!("duplicate parameter `{wire}` (first at {first})");
                        self.error(&p.at.at("name"), message);
                        false
                    }
                    None => {
                        wires.insert(wire, p.at.clone());
                        true
                    }
                },
                None => false,
            };
            let index = match declared {
                Some(Declared::Param(param)) if unique => {
                    params.push(*param);
                    Some(params.len() - 1)
                }
                Some(Declared::Unresolved { wire, type_at }) if unique => {
                    unresolved.push((wire, type_at));
                    None
                }
                _ => None,
            };
            slots.push((p.at, value, index));
        }
        // Pass 2: requirements. Those of a parameter that did not lower are lowered too, so the
        // mistakes in its conditions are reported in the same run.
        let scope = Scope {
            params: &params,
            unresolved: &unresolved,
            shapes,
            service,
        };
        let mut requirements = Vec::new();
        for (at, value, index) in &slots {
            let Some(required) = value.get("required") else {
                continue;
            };
            if let Some(required) = self.requirement(required, at.at("required"), &scope)
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

    /// Reads a parameter's declaration. `None` when it has no name (already reported); an
    /// unresolved type still declares the name, so conditions on it can say what is wrong.
    fn param(
        &mut self,
        p: &Obj<'_>,
        shapes: &[Shape],
        declared_shapes: &[&str],
    ) -> Option<Declared> {
        let wire = self.string(p, "name");
        let ty = self.param_type(p, shapes, declared_shapes);
        let encoding = self.opt_string(p, "encoding");
        let unit = self.opt_string(p, "unit");
        let unit_bounds = unit
            .as_deref()
            .and_then(|u| UNITS.iter().find(|(name, _)| *name == u))
            .map(|(_, bounds)| *bounds);
        let range = p.map.get("range").and_then(|r| {
            let unit = unit.as_deref().zip(unit_bounds);
            self.range(r, p.at.at("range"), ty, unit)
        });
        let sensitive = self.opt_bool(p, "sensitive");
        let description = self.string(p, "description").unwrap_or_default();
        let example = self.opt_string(p, "example");

        // What each key allows depends on the type, when it is known.
        if let Some(other) = encoding.as_deref().filter(|e| *e != "json") {
            self.error(
                &p.at.at("encoding"),
                format!("unknown encoding `{other}`; expected json"),
            );
        }
        if let Some(unit) = unit.as_deref().filter(|_| unit_bounds.is_none()) {
            let known: Vec<&str> = UNITS.iter().map(|(name, _)| *name).collect();
            self.error(
                &p.at.at("unit"),
                format!(
                    "unknown unit `{unit}`; expected one of {}",
                    known.join(", ")
                ),
            );
        }
        if let Some(ty) = ty {
            let structured =
                matches!(ty, Type::Shape(i) if !matches!(shapes[i].kind, ShapeKind::Enum { .. }));
            match (encoding.as_deref(), structured) {
                (None, true) => self.error(
                    &p.at,
                    format!(
                        "parameter `{}` of a list or structure type needs \"encoding\": \"json\"",
                        wire.as_deref().unwrap_or("?")
                    ),
                ),
                (Some("json"), false) => self.error(
                    &p.at.at("encoding"),
                    "only list and structure parameters take an encoding",
                ),
                _ => {}
            }
            let integer = matches!(ty, Type::Int32 | Type::Int64);
            if unit_bounds.is_some() && !integer {
                self.error(&p.at.at("unit"), "only integer parameters take a unit");
            }
            if sensitive && ty != Type::String {
                self.error(
                    &p.at.at("sensitive"),
                    "only string parameters can be sensitive",
                );
            }
        }

        let wire = wire?;
        let Some(ty) = ty else {
            let type_at = if p.map.contains_key("type") {
                p.at.at("type")
            } else {
                p.at.clone()
            };
            return Some(Declared::Unresolved { wire, type_at });
        };
        // The range narrows the unit's bounds (checked in `range`); a bound it leaves out is the
        // unit's. Only integers have bounds (a unit or range on anything else is reported above).
        let bounds = match ty {
            Type::Int32 | Type::Int64 => {
                let unit = unit_bounds.unwrap_or_default();
                let range = range.unwrap_or_default();
                Bounds {
                    min: range.min.or(unit.min),
                    max: range.max.or(unit.max),
                }
            }
            _ => Bounds::default(),
        };
        Some(Declared::Param(Box::new(Param {
            at: p.at.clone(),
            flag: names::kebab_case(&wire),
            rust: names::snake_case(&wire),
            ty,
            unit,
            bounds,
            sensitive,
            required: Requirement::Never,
            description,
            example,
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

    /// The bounds an integer parameter's `range` gives (`None` for a bound it leaves out). `ty` is
    /// `None` when the type did not resolve, and the bounds are then checked only for being
    /// integers; `unit` is the parameter's unit and its bounds, which the range may only narrow.
    fn range(
        &mut self,
        value: &Value,
        at: Pointer,
        ty: Option<Type>,
        unit: Option<(&str, Bounds)>,
    ) -> Option<Bounds> {
        let r = self.object(value, at.clone(), &["min", "max"])?;
        let integer = match ty {
            None | Some(Type::Int32 | Type::Int64) => true,
            Some(_) => false,
        };
        if !integer {
            self.error(&at, "only integer parameters take a range");
            return None;
        }
        let (lo, hi) = if ty == Some(Type::Int32) {
            (i32::MIN as i64, i32::MAX as i64)
        } else {
            (i64::MIN, i64::MAX)
        };
        let mut bound = |key: &str| match r.map.get(key) {
            None => Ok(None),
            Some(v) => match v.as_i64().filter(|n| (lo..=hi).contains(n)) {
                Some(n) => Ok(Some(n)),
                None => {
                    self.error(
                        &at.at(key),
                        "expected an integer that fits the parameter's type",
                    );
                    Err(())
                }
            },
        };
        // Both bounds are read before either decides, so two bad bounds are two errors.
        let (min, max) = (bound("min"), bound("max"));
        let (Ok(min), Ok(max)) = (min, max) else {
            return None;
        };
        let mut ok = true;
        if let Some((name, limits)) = unit {
            for (key, n) in [("min", min), ("max", max)] {
                let Some(n) = n else { continue };
                let below = limits.min.is_some_and(|m| n < m);
                let above = limits.max.is_some_and(|m| n > m);
                if below || above {
                    ok = false;
                    let allowed = match (limits.min, limits.max) {
                        (Some(lo), Some(hi)) => format!("{lo} to {hi}"),
                        (Some(lo), None) => format!("{lo} or more"),
                        (None, Some(hi)) => format!("{hi} or less"),
                        (None, None) => String::new(),
                    };
                    self.error(
                        &at.at(key),
                        format!(
                            "{key} {n} is outside what unit `{name}` allows ({allowed}); a range may narrow its unit's bounds, not widen them"
                        ),
                    );
                }
            }
        }
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            self.error(&at, format!("min {min} is greater than max {max}"));
            ok = false;
        }
        (ok && ty.is_some()).then_some(Bounds { min, max })
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
                let id = self.opt_string(&r, "id");
                let condition = match r.map.get("when") {
                    Some(when) => self.condition(when, r.at.at("when"), scope),
                    None => {
                        self.error(&r.at, "missing key `when`");
                        None
                    }
                };
                let note = self.opt_string(&r, "note");
                Some(Requirement::When {
                    id,
                    condition: condition?,
                    note,
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
                let Some(name) = self.string(&c, "param") else {
                    self.values_at(&c);
                    return None;
                };
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
                let name = self.string(&c, "context");
                let (Some(name), Some(service)) = (name, scope.service) else {
                    self.values_at(&c);
                    return None;
                };
                let Some(fact) = service.context.iter().position(|f| f.name == name) else {
                    let known: Vec<&str> =
                        service.context.iter().map(|f| f.name.as_str()).collect();
                    let known = if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    };
                    self.error(
                        &c.at.at("context"),
                        format!("unknown context fact `{name}`; service.json declares {known}"),
                    );
                    self.values_at(&c);
                    return None;
                };
                let chosen = self.pick_values(&c, &service.context[fact].values, &name)?;
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
        self.values_at(c);
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
