//! Parse and check: JSON documents → the checked model, every mistake reported with its pointer.
//!
//! Lowering never stops at the first mistake: each reader records what is wrong and carries on
//! with what it could read, so one run lists everything a maintainer has to fix. Lowering checks
//! the form of each document and resolves its references; the rules about the names the generated
//! code and the runtime use are `check`'s, run on what lowered.
//!
//! The form (which keys each object takes, which it requires, the words of the format's keywords)
//! is `format`'s, the declarations `spec/schema.json` is rendered from: each object is opened with
//! its declaration, which reports unknown and missing keys, and the readers here check each value
//! and resolve it.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::{Ctxt, Pointer, SpecError, SpecErrors};
use crate::format::{self, Key, Object};
use crate::model::*;
use crate::{check, names};

/// One spec file's name and text.
#[derive(Clone, Debug)]
pub struct SpecFile {
    /// The path as it should appear in messages.
    pub path: String,
    /// The file's text.
    pub text: String,
}

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

/// A JSON object, where it is, and the keys the format lets it have.
struct Obj<'v> {
    map: &'v Map<String, Value>,
    at: Pointer,
    keys: Vec<&'static Key>,
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

/// A shape as the first pass of `shapes` reads it: structures and lists still name the shapes
/// they hold.
enum ShapeDraft {
    Done(ShapeKind),
    Structure(Vec<(Field, Option<(String, Pointer)>)>),
    List {
        member: String,
        member_at: Pointer,
        min_items: Option<u64>,
    },
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

    /// The object at `at`, read as `def` declares: a key it does not declare and a required key
    /// that is missing are reported here, every one, before any value is read.
    fn object<'v>(
        &mut self,
        value: &'v Value,
        at: Pointer,
        def: &'static Object,
    ) -> Option<Obj<'v>> {
        let keys: Vec<&'static Key> = def.keys.iter().collect();
        let required = def.keys.iter().filter(|k| k.required).map(|k| k.name);
        self.object_of(value, at, keys, required.collect())
    }

    /// The object at `at`, which may have `keys` and must have `required`.
    fn object_of<'v>(
        &mut self,
        value: &'v Value,
        at: Pointer,
        keys: Vec<&'static Key>,
        required: Vec<&str>,
    ) -> Option<Obj<'v>> {
        let Some(map) = value.as_object() else {
            self.error(&at, format!("expected an object, found {}", kind(value)));
            return None;
        };
        for key in map.keys() {
            if !keys.iter().any(|k| k.name == key) {
                let allowed: Vec<&str> = keys.iter().map(|k| k.name).collect();
                self.error(
                    &at.at(key),
                    format!(
                        "unknown key `{key}`; expected one of {}",
                        allowed.join(", ")
                    ),
                );
            }
        }
        for key in required {
            if !map.contains_key(key) {
                self.error(&at, format!("missing key `{key}`"));
            }
        }
        Some(Obj { map, at, keys })
    }

    /// The value of `key`, if present (a missing required key is reported by `object`).
    fn get<'v>(&self, obj: &Obj<'v>, key: &str) -> Option<&'v Value> {
        // Reading a key the format does not declare is a bug in this file: `object` would have
        // called it unknown.
        debug_assert!(
            obj.keys.iter().any(|k| k.name == key),
            "`{key}` is not declared in format.rs"
        );
        obj.map.get(key)
    }

    /// The text at `key`, if present and text.
    fn string(&mut self, obj: &Obj<'_>, key: &str) -> Option<String> {
        debug_assert!(
            !matches!(
                declared(obj, key),
                Some(format::Val::Bool | format::Val::Integer { .. } | format::Val::Array(_))
            ),
            "format.rs does not declare `{key}` as text"
        );
        let text = self
            .get(obj, key)
            .and_then(|v| self.string_value(v, obj.at.at(key)))?;
        if matches!(
            key,
            "description" | "summary" | "note" | "access_level_note" | "message"
        ) && let Some(why) = markdown_hazard(&text)
        {
            self.error(&obj.at.at(key), why);
        }
        // The docs link the reference page as `<url>`: anything but a URL there is an HTML tag.
        if key == "documentation"
            && (!(text.starts_with("https://") || text.starts_with("http://"))
                || text.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '`')))
        {
            self.error(
                &obj.at.at(key),
                "not an http(s) URL without spaces, `<`, `>` or backticks: the generated docs link it",
            );
        }
        if key == "ram_action" && text.contains(|c: char| c.is_whitespace() || c == '`') {
            self.error(
                &obj.at.at(key),
                "a RAM action has no spaces or backticks (`<product>:<Operation>`): the generated docs show it as code",
            );
        }
        // A value's example is shown in backticks in the generated docs; the response's example
        // is a JSON text kept as a string literal, not shown in docs.
        if key == "example"
            && !obj.at.to_string().ends_with("/response")
            && (text.contains('`') || text.contains('\n'))
        {
            self.error(
                &obj.at.at(key),
                "an example is one line without backticks: the generated docs show it as `code`",
            );
        }
        Some(text)
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

    /// The text at `key`, which the format declares as one constant word (`"style": "RPC"`).
    fn constant(&mut self, obj: &Obj<'_>, key: &str) -> Option<String> {
        let value = self.string(obj, key)?;
        self.is_constant(obj, key, &value).then_some(value)
    }

    /// Whether `value`, read at `key`, is the word the format declares there (reported if not).
    fn is_constant(&mut self, obj: &Obj<'_>, key: &str, value: &str) -> bool {
        let expected = match declared(obj, key) {
            Some(format::Val::Const(word)) => Some(*word),
            _ => None,
        };
        match expected {
            Some(word) if value != word => {
                self.error(
                    &obj.at.at(key),
                    format!("unsupported {key} `{value}`; only {word} is supported"),
                );
                false
            }
            _ => true,
        }
    }

    fn bool(&mut self, obj: &Obj<'_>, key: &str) -> bool {
        debug_assert!(
            matches!(declared(obj, key), Some(format::Val::Bool)),
            "format.rs does not declare `{key}` as a boolean"
        );
        match self.get(obj, key) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                let message = format!("expected true or false, found {}", kind(other));
                self.error(&obj.at.at(key), message);
                false
            }
        }
    }

    fn array<'v>(&mut self, obj: &Obj<'v>, key: &str) -> Vec<(Pointer, &'v Value)> {
        match self.get(obj, key) {
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
        let empty = Map::new();
        let obj = self
            .object(value, Pointer::root(), &format::SERVICE)
            .unwrap_or(Obj {
                map: &empty,
                at: Pointer::root(),
                keys: format::SERVICE.keys.iter().collect(),
            });
        // Read only to check it is text: the editor's schema link.
        self.string(&obj, "$schema");
        let product = self.string(&obj, "product").unwrap_or_default();
        let version = self.string(&obj, "version").unwrap_or_default();
        let style = self.constant(&obj, "style").unwrap_or_default();
        let protocol = self.string(&obj, "protocol").unwrap_or_default();
        let documentation = self.string(&obj, "documentation").unwrap_or_default();
        let description = self.string(&obj, "description").unwrap_or_default();
        let mut endpoints = Vec::new();
        match self.get(&obj, "endpoints") {
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
            None => {}
        }
        endpoints.sort();
        let errors = self.errors(&obj);
        let mut shapes = self.shapes(&obj, &[]);
        for shape in &mut shapes {
            shape.shared = true;
        }
        let context = self
            .array(&obj, "context")
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
            shapes,
        }
    }

    fn context_fact(&mut self, value: &Value, at: Pointer) -> Option<ContextFact> {
        let obj = self.object(value, at, &format::CONTEXT_FACT)?;
        let name = self.type_name(&obj);
        let description = self.string(&obj, "description").unwrap_or_default();
        let source = self.string(&obj, "source").unwrap_or_default();
        let source_key = self.string(&obj, "source_key");
        let values = self.enum_values(&obj);
        let (name, values) = (name?, values?);
        Some(ContextFact {
            at: obj.at,
            rust_name: names::snake_case(&name),
            description,
            source,
            source_key,
            name,
            values,
        })
    }

    fn errors(&mut self, obj: &Obj<'_>) -> Vec<ErrorCode> {
        let mut codes = Vec::new();
        for (at, value) in self.array(obj, "errors") {
            let Some(e) = self.object(value, at, &format::ERROR_CODE) else {
                continue;
            };
            let code = self.string(&e, "code");
            let http_status = self.get(&e, "http_status").and_then(|v| {
                let (min, max) = integer_bounds(&e, "http_status");
                let status = v
                    .as_i64()
                    .filter(|n| min.is_none_or(|m| *n >= m) && max.is_none_or(|m| *n <= m))
                    .and_then(|n| u16::try_from(n).ok());
                if status.is_none() {
                    self.error(
                        &e.at.at("http_status"),
                        format!(
                            "expected an HTTP status code ({}-{})",
                            min.unwrap_or_default(),
                            max.unwrap_or_default()
                        ),
                    );
                }
                status
            });
            let message = self.string(&e, "message").unwrap_or_default();
            let description = self.string(&e, "description").unwrap_or_default();
            let retryable = self.bool(&e, "retryable");
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
        let items = self.array(obj, "values");
        if items.is_empty() {
            self.error(&obj.at.at("values"), "an enum needs at least one value");
            return None;
        }
        let mut values = Vec::new();
        for (at, value) in items {
            let Some(v) = self.object(value, at, &format::ENUM_VALUE) else {
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
        let obj = self.object(value, Pointer::root(), &format::OPERATION)?;
        // Read only to check they are text: the editor's schema link and a note for maintainers.
        self.string(&obj, "$schema");
        self.string(&obj, "access_level_note");
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
        let description = self.string(&obj, "description").unwrap_or_default();
        let documentation = self.string(&obj, "documentation").unwrap_or_default();
        let ram_action = self.string(&obj, "ram_action").unwrap_or_default();
        let access_level = self.string(&obj, "access_level").unwrap_or_default();
        let method = self.constant(&obj, "method").unwrap_or_default();
        let idempotent = self.bool(&obj, "idempotent");
        let shared = service.map(|s| s.shapes.as_slice()).unwrap_or_default();
        let shapes = self.shapes(&obj, shared);
        let params = self.params(&obj, &shapes, service);
        let idempotency_token = self.string(&obj, "idempotency_token").and_then(|token| {
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
        let (response, example) = self.response(&obj, &shapes);
        let pagination = self.pagination(&obj);
        let waiters = self.waiters(&obj);
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
            example,
            pagination,
            waiters,
        })
    }

    /// An operation's `waiters`, each read for its form; `check` resolves their names.
    fn waiters(&mut self, obj: &Obj<'_>) -> Vec<Waiter> {
        let mut waiters = Vec::new();
        for (at, value) in self.array(obj, "waiters") {
            let Some(w) = self.object(value, at, &format::WAITER) else {
                continue;
            };
            let name = self.string(&w, "name");
            let description = self.string(&w, "description");
            let input = self.string(&w, "input");
            let items = self.string(&w, "items");
            let status = self.string(&w, "status");
            let success = self.strings(&w, "success");
            let failure = self.strings(&w, "failure");
            let message = self.string(&w, "message");
            let progress = self.strings(&w, "progress");
            let explain = match self.get(&w, "explain") {
                Some(value) => {
                    let e = self.object(value, w.at.at("explain"), &format::WAITER_EXPLAIN);
                    e.and_then(|e| Some((self.string(&e, "operation")?, self.string(&e, "input")?)))
                }
                None => None,
            };
            let delay_ms = self.positive(&w, "delay_ms");
            let max_delay_ms = self.positive(&w, "max_delay_ms");
            let timeout_ms = self.positive(&w, "timeout_ms");
            let (Some(name), Some(description), Some(input), Some(items), Some(status)) =
                (name, description, input, items, status)
            else {
                continue;
            };
            let (Some(delay_ms), Some(max_delay_ms), Some(timeout_ms)) =
                (delay_ms, max_delay_ms, timeout_ms)
            else {
                continue;
            };
            waiters.push(Waiter {
                at: w.at,
                name,
                description,
                input,
                items,
                status,
                success,
                failure,
                message,
                progress,
                explain,
                delay_ms,
                max_delay_ms,
                timeout_ms,
            });
        }
        waiters
    }

    /// The texts of an array of strings at `key` (empty when absent; each mistake reported).
    fn strings(&mut self, obj: &Obj<'_>, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (at, value) in self.array(obj, key) {
            if let Some(text) = self.string_value(value, at) {
                out.push(text);
            }
        }
        out
    }

    /// The integer at `key`, which must be at least 1.
    fn positive(&mut self, obj: &Obj<'_>, key: &str) -> Option<u64> {
        let value = self.get(obj, key)?;
        match value.as_u64().filter(|n| *n >= 1) {
            Some(n) => Some(n),
            None => {
                self.error(&obj.at.at(key), "expected an integer of at least 1");
                None
            }
        }
    }

    /// An operation's `pagination`, read for its form; `check` resolves its names.
    fn pagination(&mut self, obj: &Obj<'_>) -> Option<Pagination> {
        let value = self.get(obj, "pagination")?;
        let p = self.object(value, obj.at.at("pagination"), &format::PAGINATION)?;
        let page_number = self.string(&p, "page_number");
        let page_size = self.string(&p, "page_size");
        let first_page = match self.get(&p, "first_page") {
            Some(v) => {
                let n = v.as_i64();
                if n.is_none() {
                    self.error(&p.at.at("first_page"), "expected an integer");
                }
                n
            }
            None => None,
        };
        let total_pages = self.string(&p, "total_pages");
        let total_items = self.string(&p, "total_items");
        let items = self.string(&p, "items");
        let note = self.string(&p, "note");
        Some(Pagination {
            at: p.at,
            page_number: page_number?,
            page_size: page_size?,
            first_page: first_page?,
            total_pages,
            total_items,
            items: items?,
            note,
        })
    }

    /// The shapes `obj` declares, after `external` (the service's, for an operation): every type
    /// name resolves to a shape of `obj` first, then to one of `external`. A name that does not
    /// resolve is reported (unless it names a declared shape that did not lower, whose own
    /// mistakes are reported already); so are lists of lists and shapes that contain themselves.
    fn shapes(&mut self, obj: &Obj<'_>, external: &[Shape]) -> Vec<Shape> {
        let mut shapes: Vec<Shape> = external.to_vec();
        let Some(value) = self.get(obj, "shapes") else {
            return shapes;
        };
        let Some(map) = value.as_object() else {
            self.error(
                &obj.at.at("shapes"),
                format!(
                    "expected an object of shape name → shape, found {}",
                    kind(value)
                ),
            );
            return shapes;
        };
        // Pass 1: each shape on its own; type names stay names, so shapes may refer to shapes
        // declared after them.
        let mut drafts: Vec<(String, Pointer, String, ShapeDraft)> = Vec::new();
        for (name, value) in map {
            let at = obj.at.at("shapes").at(name);
            let named = self.is_type_name(name, &at);
            if let Some(shared) = external.iter().find(|s| &s.name == name) {
                self.error(
                    &at,
                    format!(
                        "shape `{name}` is also declared by service.json (at {}); a shape name must say which one",
                        shared.at
                    ),
                );
            }
            // Each kind takes only its own keys: a `members` on an enum is a mistake, not a no-op.
            let tag = value.get("type").and_then(Value::as_str);
            let def = format::SHAPES
                .into_iter()
                .find(|def| tag.is_some() && def.constant("type") == tag);
            let Some(s) = (match def {
                Some(def) => self.object(value, at, def),
                None => {
                    let (keys, required) = any_shape_keys();
                    self.object_of(value, at, keys, required)
                }
            }) else {
                continue;
            };
            let description = self.string(&s, "description").unwrap_or_default();
            let tag = self.string(&s, "type");
            let draft = match (def, tag) {
                (Some(def), _) if std::ptr::eq(def, &format::ENUM_SHAPE) => {
                    self.enum_shape(&s).map(ShapeDraft::Done)
                }
                (Some(def), _) if std::ptr::eq(def, &format::STRUCTURE_SHAPE) => {
                    Some(self.structure_shape(&s))
                }
                (Some(def), _) if std::ptr::eq(def, &format::LIST_SHAPE) => self.list_shape(&s),
                (None, Some(other)) => {
                    let known: Vec<&str> = format::SHAPES
                        .iter()
                        .filter_map(|def| def.constant("type"))
                        .collect();
                    self.error(
                        &s.at.at("type"),
                        format!("unknown shape type `{other}`; expected {}", either(&known)),
                    );
                    None
                }
                // A kind format.rs declares and this reader does not read is caught by the
                // fixtures of each kind; `None` is a shape with no `type` (already reported).
                (Some(_), _) | (None, None) => None,
            };
            if let Some(draft) = draft
                && named
            {
                drafts.push((name.clone(), s.at, description, draft));
            }
        }
        // Pass 2: resolve type names. Every draft is kept, so a shape's index is its place among
        // the drafts after `external`.
        let base = external.len();
        let names: Vec<&str> = drafts.iter().map(|(name, ..)| name.as_str()).collect();
        let is_list = |i: usize| -> bool {
            if i < base {
                matches!(external[i].kind, ShapeKind::List { .. })
            } else {
                matches!(drafts[i - base].3, ShapeDraft::List { .. })
            }
        };
        let mut own = Vec::new();
        for (name, at, description, draft) in &drafts {
            let kind = match draft {
                ShapeDraft::Done(kind) => kind.clone(),
                ShapeDraft::Structure(members) => {
                    let mut kept = Vec::new();
                    for (field, pending) in members {
                        let mut field = field.clone();
                        if let Some((type_name, type_at)) = pending {
                            match self.resolve(type_name, type_at, &names, map, external) {
                                Some(ty) => field.ty = ty,
                                None => continue,
                            }
                        }
                        kept.push(field);
                    }
                    ShapeKind::Structure { members: kept }
                }
                ShapeDraft::List {
                    member,
                    member_at,
                    min_items,
                } => {
                    let ty = self
                        .resolve(member, member_at, &names, map, external)
                        .unwrap_or(Type::String);
                    let ty = match ty {
                        Type::Shape(i) if is_list(i) => {
                            let message = if member == name {
                                format!(
                                    "list `{name}` cannot contain itself; a list's member is a scalar, an enum or a structure"
                                )
                            } else {
                                format!(
                                    "`{member}` is a list, and lists of lists are not supported; a list's member is a scalar, an enum or a structure"
                                )
                            };
                            self.error(member_at, message);
                            Type::String
                        }
                        ty => ty,
                    };
                    ShapeKind::List {
                        member: ty,
                        min_items: *min_items,
                    }
                }
            };
            own.push(Shape {
                at: at.clone(),
                name: name.clone(),
                description: description.clone(),
                kind,
                shared: false,
            });
        }
        shapes.extend(own);
        self.refuse_cycles(&mut shapes, base);
        shapes
    }

    /// The type `name` means where `obj`'s shapes are `names` (after `external`): a scalar, one of
    /// `names`, else one of `external`. `None` when it is none of them: reported here unless it is a
    /// key of `declared` (a shape that did not lower, whose own mistakes are reported already).
    fn resolve(
        &mut self,
        name: &str,
        at: &Pointer,
        names: &[&str],
        declared: &Map<String, Value>,
        external: &[Shape],
    ) -> Option<Type> {
        if let Some(ty) = format::scalar(name) {
            return Some(ty);
        }
        if let Some(i) = names.iter().position(|n| *n == name) {
            return Some(Type::Shape(external.len() + i));
        }
        if let Some(i) = external.iter().position(|s| s.name == name) {
            return Some(Type::Shape(i));
        }
        if !declared.contains_key(name) {
            let message = format!(
                "unknown type `{name}`; expected {} or a shape of this file or of service.json",
                format::scalar_names()
            );
            self.error(at, message);
        }
        None
    }

    /// Reports every shape among `shapes[base..]` that contains itself through structure members
    /// (its Rust type would be infinite), at the member or list that closes the cycle, and cuts the
    /// cycle there, so nothing downstream recurses forever.
    fn refuse_cycles(&mut self, shapes: &mut [Shape], base: usize) {
        fn children(shape: &Shape) -> Vec<(usize, Option<usize>)> {
            match &shape.kind {
                ShapeKind::Structure { members } => members
                    .iter()
                    .enumerate()
                    .filter_map(|(m, f)| match f.ty {
                        Type::Shape(i) => Some((i, Some(m))),
                        _ => None,
                    })
                    .collect(),
                ShapeKind::List {
                    member: Type::Shape(i),
                    ..
                } => vec![(*i, None)],
                _ => Vec::new(),
            }
        }
        // A shape that reaches no cycle cannot start one: peel such shapes off first (a long
        // chain of nested structures would otherwise be searched once per shape in it).
        let edges: Vec<Vec<usize>> = shapes
            .iter()
            .map(|s| children(s).into_iter().map(|(c, _)| c).collect())
            .collect();
        // Peeled from the leaves up: a shape whose children are all peeled is peeled.
        let mut parents: Vec<Vec<usize>> = vec![Vec::new(); shapes.len()];
        let mut unpeeled: Vec<usize> = edges.iter().map(Vec::len).collect();
        for (i, children) in edges.iter().enumerate() {
            for &c in children {
                parents[c].push(i);
            }
        }
        let mut acyclic = vec![false; shapes.len()];
        let mut ready: Vec<usize> = (0..shapes.len()).filter(|&i| unpeeled[i] == 0).collect();
        while let Some(i) = ready.pop() {
            acyclic[i] = true;
            for &p in &parents[i] {
                unpeeled[p] -= 1;
                if unpeeled[p] == 0 {
                    ready.push(p);
                }
            }
        }
        for start in base..shapes.len() {
            if acyclic[start] {
                continue;
            }
            // Depth-first from `start`; `via[n]` is the shape that first reached `n`, so the
            // path back is rebuilt only for the cycle found.
            let mut stack = vec![start];
            let mut via = vec![None; shapes.len()];
            let mut seen = vec![false; shapes.len()];
            seen[start] = true;
            let mut found = None;
            'search: while let Some(at) = stack.pop() {
                for (child, member) in children(&shapes[at]) {
                    if child == start {
                        found = Some((at, member));
                        break 'search;
                    }
                    if !seen[child] {
                        seen[child] = true;
                        via[child] = Some(at);
                        stack.push(child);
                    }
                }
            }
            let Some((owner, member)) = found else {
                continue;
            };
            // `start`, the shapes from it to `owner`, and `start` again.
            let mut back = Vec::new();
            let mut n = owner;
            while n != start {
                back.push(shapes[n].name.clone());
                let Some(previous) = via[n] else { break };
                n = previous;
            }
            let mut path = vec![shapes[start].name.clone()];
            path.extend(back.into_iter().rev());
            path.push(shapes[start].name.clone());
            let message = format!(
                "`{}` contains itself ({}); a shape cannot contain itself, directly or through other shapes",
                shapes[start].name,
                path.join(" → ")
            );
            let shape = &mut shapes[owner];
            let at = match (&mut shape.kind, member) {
                (ShapeKind::Structure { members }, Some(m)) => {
                    members[m].ty = Type::String;
                    members[m].at.at("type")
                }
                (ShapeKind::List { member, .. }, _) => {
                    *member = Type::String;
                    shape.at.at("member")
                }
                _ => shape.at.clone(),
            };
            self.error(&at, message);
        }
    }

    fn enum_shape(&mut self, s: &Obj<'_>) -> Option<ShapeKind> {
        let default = self.string(s, "default");
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

    fn structure_shape(&mut self, s: &Obj<'_>) -> ShapeDraft {
        let members = self
            .array(s, "members")
            .into_iter()
            .filter_map(|(at, value)| self.field(value, at, true))
            .collect();
        ShapeDraft::Structure(members)
    }

    fn list_shape(&mut self, s: &Obj<'_>) -> Option<ShapeDraft> {
        let member = self.string(s, "member");
        let min_items = match self.get(s, "min_items") {
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

    /// A response field or structure member, with the name of its shape type while that is not
    /// resolved (its `ty` is then a placeholder).
    fn field(
        &mut self,
        value: &Value,
        at: Pointer,
        member: bool,
    ) -> Option<(Field, Option<(String, Pointer)>)> {
        let def = if member {
            &format::MEMBER
        } else {
            &format::RESPONSE_FIELD
        };
        let f = self.object(value, at, def)?;
        let wire = self.string(&f, "name");
        let type_name = self.string(&f, "type");
        let (ty, pending) = match type_name {
            Some(name) => match format::scalar(&name) {
                Some(ty) => (Some(ty), None),
                None => (Some(Type::String), Some((name, f.at.at("type")))),
            },
            None => (None, None),
        };
        let unit = self.string(&f, "unit");
        if let Some(u) = &unit {
            if !format::UNITS.iter().any(|known| known.name == u) {
                let known: Vec<&str> = format::UNITS.iter().map(|u| u.name).collect();
                self.error(
                    &f.at.at("unit"),
                    format!("unknown unit `{u}`; expected one of {}", known.join(", ")),
                );
            } else if pending.is_some() || !matches!(ty, Some(Type::Int32 | Type::Int64) | None) {
                self.error(&f.at.at("unit"), "only integers take a unit");
            }
        }
        // Response fields have no `required` (`object` reports one as an unknown key).
        let required = match member.then(|| self.get(&f, "required")).flatten() {
            None => false,
            Some(Value::String(s)) if s == format::ALWAYS => true,
            Some(Value::String(s)) if s == format::NEVER => false,
            Some(_) => {
                let message = format!(
                    "members take \"{}\" or \"{}\"",
                    format::ALWAYS,
                    format::NEVER
                );
                self.error(&f.at.at("required"), message);
                false
            }
        };
        let description = self.string(&f, "description").unwrap_or_default();
        let example = self.string(&f, "example");
        let (wire, ty) = (wire?, ty?);
        Some((
            Field {
                at: f.at,
                rust: names::snake_case(&wire),
                ty,
                unit,
                required,
                description,
                example,
                wire,
            },
            pending,
        ))
    }

    /// The response's fields, their shape types resolved in `shapes`, and its example.
    fn response(&mut self, obj: &Obj<'_>, shapes: &[Shape]) -> (Vec<Field>, Option<String>) {
        let Some(value) = self.get(obj, "response") else {
            return (Vec::new(), None);
        };
        let Some(r) = self.object(value, obj.at.at("response"), &format::RESPONSE) else {
            return (Vec::new(), None);
        };
        let declared = declared_shapes(self.get(obj, "shapes"));
        let mut fields = Vec::new();
        for (at, value) in self.array(&r, "fields") {
            let Some((mut field, pending)) = self.field(value, at, false) else {
                continue;
            };
            if let Some((name, at)) = pending {
                match lookup(shapes, &name) {
                    Some(i) => field.ty = Type::Shape(i),
                    None => {
                        if !declared.contains(&name.as_str()) {
                            self.error(&at, unknown_type(&name, shapes));
                        }
                        continue;
                    }
                }
            }
            fields.push(field);
        }
        let example = self.string(&r, "example");
        (fields, example)
    }

    fn params(&mut self, obj: &Obj<'_>, shapes: &[Shape], service: Option<&Service>) -> Vec<Param> {
        let items = self.array(obj, "parameters");
        // Names of every shape the file declares, including those that did not lower: a parameter of
        // such a type is not reported again, the shape's own mistakes already are.
        let declared_shapes = declared_shapes(self.get(obj, "shapes"));
        // Pass 1: names and types, so conditions can refer to any parameter. Every parameter
        // object gets a slot, so pass 2 reads the requirement of each, even one whose name is bad.
        let mut params: Vec<Param> = Vec::new();
        let mut unresolved: Vec<(String, Pointer)> = Vec::new();
        let mut slots: Vec<(Pointer, &Value, Option<usize>)> = Vec::new();
        // Conditions name parameters by wire name, so a wire name must say which one.
        let mut wires: HashMap<String, Pointer> = HashMap::new();
        for (at, value) in &items {
            let Some(p) = self.object(value, at.clone(), &format::PARAMETER) else {
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
        let mut prohibitions = Vec::new();
        for (at, value, index) in &slots {
            if let Some(required) = value.get("required")
                && let Some(required) = self.requirement(required, at.at("required"), &scope)
                && let Some(index) = index
            {
                requirements.push((*index, required));
            }
            if let Some(forbidden) = value.get("forbidden")
                && let Some(rule) = self.forbidden(forbidden, at.at("forbidden"), &scope)
                && let Some(index) = index
            {
                prohibitions.push((*index, rule));
            }
        }
        for (index, required) in requirements {
            params[index].required = required;
        }
        for (index, rule) in prohibitions {
            params[index].forbidden = Some(rule);
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
        let encoding = self.string(p, "encoding");
        let unit = self.string(p, "unit");
        let unit_bounds = unit
            .as_deref()
            .and_then(|u| format::UNITS.iter().find(|known| known.name == u))
            .map(|known| known.bounds);
        let range = self.get(p, "range").and_then(|r| {
            let unit = unit.as_deref().zip(unit_bounds);
            self.range(r, p.at.at("range"), ty, unit)
        });
        let sensitive = self.bool(p, "sensitive");
        let description = self.string(p, "description").unwrap_or_default();
        let example = self.string(p, "example");

        // What each key allows depends on the type, when it is known. `json` is whether the
        // encoding is the one the format has (`None`: no encoding).
        let json = encoding
            .as_deref()
            .map(|e| self.is_constant(p, "encoding", e));
        if let Some(unit) = unit.as_deref().filter(|_| unit_bounds.is_none()) {
            let known: Vec<&str> = format::UNITS.iter().map(|u| u.name).collect();
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
            match (json, structured) {
                (None, true) => self.error(
                    &p.at,
                    format!(
                        "parameter `{}` of a list or structure type needs \"encoding\": \"json\"",
                        wire.as_deref().unwrap_or("?")
                    ),
                ),
                (Some(true), false) => self.error(
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
            forbidden: None,
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
        if let Some(ty) = format::scalar(&type_name) {
            return Some(ty);
        }
        if let Some(i) = lookup(shapes, &type_name) {
            return Some(Type::Shape(i));
        }
        if !declared_shapes.contains(&type_name.as_str()) {
            self.error(&p.at.at("type"), unknown_type(&type_name, shapes));
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
        let r = self.object(value, at.clone(), &format::RANGE)?;
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
                    let allowed = format::allowed(limits);
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
            Value::String(s) if s == format::ALWAYS => Some(Requirement::Always),
            Value::String(s) if s == format::NEVER => Some(Requirement::Never),
            Value::Object(_) => {
                let r = self.object(value, at, &format::REQUIREMENT_RULE)?;
                let id = self.string(&r, "id");
                let condition = self
                    .get(&r, "when")
                    .and_then(|when| self.condition(when, r.at.at("when"), scope));
                let note = self.string(&r, "note");
                Some(Requirement::When {
                    id,
                    condition: condition?,
                    note,
                })
            }
            _ => {
                let message = format!(
                    "expected \"{}\", \"{}\" or {{\"when\": condition}}",
                    format::ALWAYS,
                    format::NEVER
                );
                self.error(&at, message);
                None
            }
        }
    }

    fn forbidden(&mut self, value: &Value, at: Pointer, scope: &Scope<'_>) -> Option<Rule> {
        let r = self.object(value, at, &format::FORBIDDEN_RULE)?;
        let id = self.string(&r, "id");
        let condition = self
            .get(&r, "when")
            .and_then(|when| self.condition(when, r.at.at("when"), scope));
        let note = self.string(&r, "note");
        Some(Rule {
            id,
            condition: condition?,
            note,
        })
    }

    /// The index of the parameter `name` names, reported when there is none.
    fn condition_param(
        &mut self,
        c: &Obj<'_>,
        key: &str,
        name: &str,
        scope: &Scope<'_>,
    ) -> Option<usize> {
        let found = scope.params.iter().position(|p| p.wire == name);
        if found.is_none() {
            let message = match scope.unresolved.iter().find(|(wire, _)| *wire == name) {
                Some((_, type_at)) => format!(
                    "parameter `{name}` has an unknown type (see {type_at}), so it cannot be tested"
                ),
                None => format!("unknown parameter `{name}`"),
            };
            self.error(&c.at.at(key), message);
        }
        found
    }

    fn condition(&mut self, value: &Value, at: Pointer, scope: &Scope<'_>) -> Option<Condition> {
        let Some(map) = value.as_object() else {
            self.error(
                &at,
                format!("expected a condition object, found {}", kind(value)),
            );
            return None;
        };
        // A condition's form is told by its first key (`param`, `context`, `all`, …); `object`
        // then reports the form's missing keys and any key it does not take.
        let form = format::CONDITIONS
            .into_iter()
            .find(|form| form.keys.first().is_some_and(|k| map.contains_key(k.name)));
        let Some(form) = form else {
            let forms: Vec<String> = format::CONDITIONS
                .iter()
                .map(|form| {
                    let keys: Vec<String> =
                        form.keys.iter().map(|k| format!("{:?}", k.name)).collect();
                    format!("{{{}}}", keys.join(", "))
                })
                .collect();
            self.error(&at, format!("expected one of {}", forms.join(", ")));
            return None;
        };
        let c = self.object(value, at, form)?;
        let at = c.at.clone();
        if std::ptr::eq(form, &format::PARAM_CONDITION) {
            let Some(name) = self.string(&c, "param") else {
                self.values_at(&c);
                return None;
            };
            let Some(index) = self.condition_param(&c, "param", &name, scope) else {
                self.values_at(&c);
                return None;
            };
            if scope.params[index].ty == Type::Boolean {
                return self.bool_condition(&c, index);
            }
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
        } else if std::ptr::eq(form, &format::PRESENT_CONDITION) {
            let name = self.string(&c, "present")?;
            let param = self.condition_param(&c, "present", &name, scope)?;
            Some(Condition::Present { param })
        } else if std::ptr::eq(form, &format::CONTEXT_CONDITION) {
            let name = self.string(&c, "context");
            let (Some(name), Some(service)) = (name, scope.service) else {
                self.values_at(&c);
                return None;
            };
            let Some(fact) = service.context.iter().position(|f| f.name == name) else {
                let known: Vec<&str> = service.context.iter().map(|f| f.name.as_str()).collect();
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
        } else if std::ptr::eq(form, &format::ALL_CONDITION)
            || std::ptr::eq(form, &format::ANY_CONDITION)
        {
            let key = form.keys[0].name;
            let Some(items) = self
                .get(&c, key)
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
            else {
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
            Some(if std::ptr::eq(form, &format::ALL_CONDITION) {
                Condition::All(inner?)
            } else {
                Condition::Any(inner?)
            })
        } else {
            let inner = self.get(&c, "not")?;
            let inner = self.condition(inner, at.at("not"), scope)?;
            Some(Condition::Not(Box::new(inner)))
        }
    }

    /// `{"param": <boolean>, "in": ["true"]}`: one value, or either (which always holds once set).
    fn bool_condition(&mut self, c: &Obj<'_>, param: usize) -> Option<Condition> {
        let chosen_in = self.get(c, "in")?;
        let Some(items) = chosen_in.as_array().filter(|a| !a.is_empty()) else {
            self.error(&c.at.at("in"), "expected a non-empty array of values");
            return None;
        };
        let mut values = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some("true") => values.push(true),
                Some("false") => values.push(false),
                _ => {
                    let message = format!(
                        "unknown value {item} of the boolean `{}`; expected \"true\" or \"false\"",
                        c.map
                            .get("param")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                    );
                    self.error(&c.at.at("in").at(i), message);
                    return None;
                }
            }
        }
        values.dedup();
        Some(match values.as_slice() {
            [value] => Condition::Bool {
                param,
                value: *value,
            },
            _ => Condition::Present { param },
        })
    }

    fn not_enum<T>(&mut self, c: &Obj<'_>, name: &str) -> Option<T> {
        self.error(
            &c.at.at("param"),
            format!("parameter `{name}` is not an enum or a boolean; conditions test enum and boolean parameters"),
        );
        self.values_at(c);
        None
    }

    // Reports a malformed `in` even when the condition's subject is already wrong (a missing one
    // is reported by `object`).
    fn values_at(&mut self, c: &Obj<'_>) {
        if self.get(c, "in").is_some_and(|v| !v.is_array()) {
            self.error(&c.at.at("in"), "expected an array of values");
        }
    }

    fn pick_values(&mut self, c: &Obj<'_>, values: &[EnumValue], of: &str) -> Option<Vec<usize>> {
        // A missing `in` is reported by `object`.
        let chosen_in = self.get(c, "in")?;
        let Some(items) = chosen_in.as_array().filter(|a| !a.is_empty()) else {
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

/// The shape named `name`: the file's own first, then the service's.
fn lookup(shapes: &[Shape], name: &str) -> Option<usize> {
    shapes
        .iter()
        .position(|s| !s.shared && s.name == name)
        .or_else(|| shapes.iter().position(|s| s.shared && s.name == name))
}

/// The names of the shapes a file declares, including those that did not lower.
fn declared_shapes(shapes: Option<&Value>) -> Vec<&str> {
    shapes
        .and_then(Value::as_object)
        .map(|map| map.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn unknown_type(name: &str, shapes: &[Shape]) -> String {
    let known: Vec<&str> = shapes.iter().map(|s| s.name.as_str()).collect();
    format!(
        "unknown type `{name}`; expected {} or a shape of this operation or of service.json ({})",
        format::scalar_names(),
        if known.is_empty() {
            "none declared".to_owned()
        } else {
            known.join(", ")
        }
    )
}

fn shapes_name(params: &[Param], shapes: &[Shape], index: usize) -> String {
    match params[index].ty {
        Type::Shape(s) => shapes[s].name.clone(),
        _ => params[index].wire.clone(),
    }
}

/// The keys of a shape whose `type` is missing or unknown: those of every kind (so each key is
/// one some kind takes), of which those every kind requires are required.
fn any_shape_keys() -> (Vec<&'static Key>, Vec<&'static str>) {
    let mut keys: Vec<&'static Key> = Vec::new();
    for def in format::SHAPES {
        for key in def.keys {
            if !keys.iter().any(|k| k.name == key.name) {
                keys.push(key);
            }
        }
    }
    let required = keys
        .iter()
        .map(|k| k.name)
        .filter(|name| {
            format::SHAPES
                .iter()
                .all(|def| def.key(name).is_some_and(|k| k.required))
        })
        .collect();
    (keys, required)
}

/// What the format says the value at `key` is.
/// Why prose would break the generated docs, which render it as Markdown: a code block (fenced,
/// or a line indented by a tab or four spaces) becomes a doctest of the generated crate that
/// does not compile, and an HTML tag fails `cargo doc` under `-D warnings`.
fn markdown_hazard(text: &str) -> Option<&'static str> {
    if text.contains("```") || text.contains("~~~") {
        return Some(
            "a code fence (``` or ~~~) in prose: the generated docs would run it as a doctest",
        );
    }
    if text
        .lines()
        .any(|l| l.starts_with('\t') || l.starts_with("    "))
    {
        return Some(
            "a line indented by a tab or four spaces in prose: Markdown makes it a code block, which the generated docs would run as a doctest",
        );
    }
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '/')
        {
            return Some(
                "`<` before a letter or `/` in prose reads as an HTML tag in the generated docs; write the words, or put the text in backticks",
            );
        }
    }
    None
}

fn declared(obj: &Obj<'_>, key: &str) -> Option<&'static format::Val> {
    obj.keys.iter().find(|k| k.name == key).map(|k| &k.value)
}

/// The bounds the format gives the integer at `key`.
fn integer_bounds(obj: &Obj<'_>, key: &str) -> (Option<i64>, Option<i64>) {
    match declared(obj, key) {
        Some(format::Val::Integer { min, max }) => (*min, *max),
        _ => (None, None),
    }
}

/// `a, b or c`.
fn either(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
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
