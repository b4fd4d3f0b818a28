//! Joining the metadata and the overlay into spec documents: the service, each operation's
//! parameters, response (with the shapes its nested objects and arrays become) and errors.

use std::collections::BTreeMap;

use super::json::Json;
use super::metadata::{Api, Field, Kind, Metadata, escape};
use super::overlay::{Doc, Overlay};
use super::rules::{
    ERROR_KEYS, FIELD_KEYS, OPERATION_KEYS, OPERATION_KINDS, PAGINATION_KEYS, PARAMETER_KEYS,
    RESPONSE_KEYS, RESPONSE_SHAPE_KEYS, SERVICE_KEYS, SERVICE_KINDS, WAITER_EXPLAIN_KEYS,
    WAITER_KEYS, check_service_defaults, check_shape, english, is_cjk, kinds, unknown_keys,
};
use super::write::{keyed, object, shape};
use super::{Errors, ImportedFile};

const SCHEMA: &str = "../schema.json";

/// The service overlay's parts.
struct Service<'a> {
    doc: Option<&'a Doc>,
    file: String,
}

impl<'a> Service<'a> {
    fn get(&self, key: &str) -> Option<&'a Json> {
        self.doc?.json.get(key)
    }

    /// `section.name.key`, such as `parameters.ClientToken.description`.
    fn default(&self, section: &str, name: &str, key: &str) -> Option<&'a Json> {
        self.get(section)?.get(name)?.get(key)
    }
}

/// Every spec file: `service.json`, then the operations in metadata order.
pub(crate) fn merge(
    meta: &Metadata,
    meta_file: &str,
    overlay: &Overlay,
    errors: &mut Errors,
) -> Vec<ImportedFile> {
    let service = Service {
        doc: overlay.service.as_ref(),
        file: overlay.service.as_ref().map_or_else(
            || format!("{}/service.json", overlay.dir),
            |d| d.file.clone(),
        ),
    };
    if service.doc.is_none() {
        errors.push(&service.file, "", "missing: the overlay needs service.json");
    }
    if let Some(doc) = service.doc {
        unknown_keys(&doc.json, SERVICE_KEYS, &doc.file, "", errors);
        kinds(&doc.json, SERVICE_KINDS, &doc.file, errors);
        english(&doc.json, &doc.file, "", errors);
        check_service_defaults(doc, meta, errors);
    }
    let shared = shared_shapes(overlay, errors);
    for (name, doc) in &overlay.operations {
        if !meta.apis.iter().any(|a| a.name == *name) {
            errors.push(
                &doc.file,
                "",
                format!("the metadata has no operation `{name}`"),
            );
        }
    }
    let mut files = vec![ImportedFile {
        name: "service.json".to_owned(),
        text: service_doc(meta, &service, &shared, errors).pretty(),
    }];
    for api in &meta.apis {
        let Some(doc) = overlay.operation(&api.name) else {
            errors.push(
                meta_file,
                &format!("/apis/{}", escape(&api.name)),
                format!("no overlay file {}.json", api.name),
            );
            continue;
        };
        let op = Operation {
            api,
            doc,
            meta_file,
            service: &service,
            shared: &shared,
            errors: &mut *errors,
        };
        files.push(ImportedFile {
            name: format!("{}.json", api.name),
            text: op.build().pretty(),
        });
    }
    files
}

fn service_doc(
    meta: &Metadata,
    service: &Service<'_>,
    shared: &BTreeMap<String, Json>,
    errors: &mut Errors,
) -> Json {
    let mut entries = vec![
        ("$schema".to_owned(), Json::str(SCHEMA)),
        ("product".to_owned(), Json::str(&meta.product)),
        ("version".to_owned(), Json::str(&meta.version)),
        ("style".to_owned(), Json::str(&meta.style)),
    ];
    for key in ["protocol", "documentation", "description"] {
        match service.get(key) {
            Some(value) => entries.push((key.to_owned(), value.clone())),
            // A missing service.json is reported once, not once per key it would have.
            None if service.doc.is_none() => {}
            None => errors.push(
                &service.file,
                &format!("/{key}"),
                "missing: a string is expected",
            ),
        }
    }
    let mut endpoints: Vec<(String, Json)> = meta
        .endpoints
        .iter()
        .map(|(r, h)| (r.clone(), Json::str(h)))
        .collect();
    // Regions the metadata lacks (or maps otherwise), from a source the service overlay names.
    for (region, host) in service
        .get("endpoints")
        .and_then(Json::as_object)
        .unwrap_or_default()
    {
        if host.as_str().is_none() {
            errors.push(
                &service.file,
                &format!("/endpoints/{}", escape(region)),
                "a host string is expected",
            );
        }
        match endpoints.iter_mut().find(|(r, _)| r == region) {
            Some(slot) => slot.1 = host.clone(),
            None => endpoints.push((region.clone(), host.clone())),
        }
    }
    entries.push(("endpoints".to_owned(), Json::Object(endpoints)));
    if !shared.is_empty() {
        entries.push((
            "shapes".to_owned(),
            Json::Object(shared.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        ));
    }
    if let Some(list) = service.get("errors").and_then(Json::as_array) {
        entries.push((
            "errors".to_owned(),
            Json::Array(list.iter().map(|e| keyed("errorCode", e)).collect()),
        ));
    }
    if let Some(list) = service.get("context").and_then(Json::as_array) {
        let facts = list
            .iter()
            .map(|fact| match fact.as_object() {
                Some(items) => object(
                    "contextFact",
                    items
                        .iter()
                        .map(|(k, v)| match (k.as_str(), v) {
                            ("values", Json::Array(vs)) => (
                                k.clone(),
                                Json::Array(vs.iter().map(|x| keyed("enumValue", x)).collect()),
                            ),
                            _ => (k.clone(), v.clone()),
                        })
                        .collect(),
                ),
                None => fact.clone(),
            })
            .collect();
        entries.push(("context".to_owned(), Json::Array(facts)));
    }
    object("service", entries)
}

/// The shared shapes of every `shapes*.json`, by name; a name in two files is an error.
fn shared_shapes(overlay: &Overlay, errors: &mut Errors) -> BTreeMap<String, Json> {
    let mut shapes = BTreeMap::new();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for doc in &overlay.shapes {
        english(&doc.json, &doc.file, "", errors);
        for (name, value) in doc.json.as_object().unwrap_or_default() {
            if let Some(first) = owner.get(name) {
                errors.push(
                    &doc.file,
                    &format!("/{}", escape(name)),
                    format!("shape `{name}` is also defined in {first}"),
                );
                continue;
            }
            owner.insert(name.clone(), doc.file.clone());
            shapes.insert(name.clone(), shape(value));
        }
    }
    let known: Vec<String> = shapes.keys().cloned().collect();
    for doc in &overlay.shapes {
        for (name, value) in doc.json.as_object().unwrap_or_default() {
            check_shape(
                value,
                &|t| known.iter().any(|k| k == t),
                &doc.file,
                &format!("/{}", escape(name)),
                errors,
            );
        }
    }
    shapes
}

struct Operation<'a> {
    api: &'a Api,
    doc: &'a Doc,
    meta_file: &'a str,
    service: &'a Service<'a>,
    shared: &'a BTreeMap<String, Json>,
    errors: &'a mut Errors,
}

impl<'a> Operation<'a> {
    fn ov(&self, key: &str) -> Option<&'a Json> {
        let doc: &'a Doc = self.doc;
        doc.json.get(key)
    }

    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.errors.push(&self.doc.file, pointer, message);
    }

    fn meta_error(&mut self, pointer: &str, message: impl Into<String>) {
        self.errors.push(self.meta_file, pointer, message);
    }

    fn build(mut self) -> Json {
        let api = self.api;
        let file = self.doc.file.clone();
        unknown_keys(&self.doc.json, OPERATION_KEYS, &file, "", self.errors);
        kinds(&self.doc.json, OPERATION_KINDS, &file, self.errors);
        english(&self.doc.json, &file, "", self.errors);
        let mut entries = vec![
            ("$schema".to_owned(), Json::str(SCHEMA)),
            ("name".to_owned(), Json::str(&api.name)),
        ];
        match self.ov("summary") {
            Some(s) => entries.push(("summary".to_owned(), s.clone())),
            None => self.error("/summary", "missing: an English summary is expected"),
        }
        if let Some(d) = self.ov("description") {
            entries.push(("description".to_owned(), d.clone()));
        }
        for key in ["documentation", "ram_action"] {
            let template = key;
            match self
                .service
                .get("operation_defaults")
                .and_then(|d| d.get(template))
                .and_then(Json::as_str)
            {
                Some(t) => entries.push((key.to_owned(), Json::str(fill(t, &api.name, "")))),
                None if self.service.doc.is_none() => {}
                None => {
                    let service_file = self.service.file.clone();
                    self.errors.push(
                        &service_file,
                        &format!("/operation_defaults/{template}"),
                        "missing: a template string is expected",
                    );
                }
            }
        }
        let access = self.ov("access_level").cloned().or_else(|| {
            api.operation_type
                .as_deref()
                .map(|t| Json::str(if t == "get" { "read" } else { t }))
        });
        match access {
            Some(a) => entries.push(("access_level".to_owned(), a)),
            None => self.meta_error(
                &format!("/apis/{}/systemTags/operationType", escape(&api.name)),
                "missing, and the overlay gives no access_level",
            ),
        }
        for key in ["access_level_note"] {
            if let Some(v) = self.ov(key) {
                entries.push((key.to_owned(), v.clone()));
            }
        }
        entries.push(("method".to_owned(), Json::str("POST")));
        for key in ["idempotent", "idempotency_token"] {
            if let Some(v) = self.ov(key) {
                entries.push((key.to_owned(), v.clone()));
            }
        }
        let mut shapes: BTreeMap<String, Json> = BTreeMap::new();
        for (name, value) in self
            .ov("shapes")
            .and_then(Json::as_object)
            .unwrap_or_default()
        {
            if self.shared.contains_key(name) {
                self.error(
                    &format!("/shapes/{}", escape(name)),
                    format!("shape `{name}` is also a shared shape"),
                );
            }
            shapes.insert(name.clone(), shape(value));
        }
        let own: Vec<String> = shapes.keys().cloned().collect();
        for (name, value) in self
            .ov("shapes")
            .and_then(Json::as_object)
            .unwrap_or_default()
        {
            let known = |t: &str| own.iter().any(|k| k == t) || self.shared.contains_key(t);
            check_shape(
                value,
                &known,
                &file,
                &format!("/shapes/{}", escape(name)),
                self.errors,
            );
        }
        let parameters = self.parameters(&shapes);
        let response = self.response(&mut shapes);
        if !shapes.is_empty() {
            entries.push((
                "shapes".to_owned(),
                Json::Object(shapes.into_iter().collect()),
            ));
        }
        entries.push(("parameters".to_owned(), Json::Array(parameters)));
        entries.push(("response".to_owned(), response));
        if let Some(p) = self.pagination() {
            entries.push(("pagination".to_owned(), p));
        }
        let waiters = self.waiters();
        if !waiters.is_empty() {
            entries.push(("waiters".to_owned(), Json::Array(waiters)));
        }
        let errors = self.operation_errors();
        if !errors.is_empty() {
            entries.push(("errors".to_owned(), Json::Array(errors)));
        }
        object("operation", entries)
    }

    fn known_type(&self, shapes: &BTreeMap<String, Json>, name: &str) -> bool {
        crate::format::scalar(name).is_some()
            || shapes.contains_key(name)
            || self.shared.contains_key(name)
    }

    fn parameters(&mut self, shapes: &BTreeMap<String, Json>) -> Vec<Json> {
        let api = self.api;
        let overlay = self
            .ov("parameters")
            .and_then(Json::as_object)
            .unwrap_or_default()
            .to_vec();
        for (name, value) in &overlay {
            let at = format!("/parameters/{}", escape(name));
            if !api.parameters.iter().any(|p| p.name == *name) {
                self.error(
                    &at,
                    format!("the metadata's {} has no parameter `{name}`", api.name),
                );
            }
            let file = self.doc.file.clone();
            unknown_keys(value, PARAMETER_KEYS, &file, &at, self.errors);
            if let Some(t) = value.get("type").and_then(Json::as_str)
                && !self.known_type(shapes, t)
            {
                self.error(&format!("{at}/type"), format!("unknown type `{t}`: not a scalar, a shape of this operation or a shared shape"));
            }
        }
        let mut out = Vec::new();
        for param in &api.parameters {
            let ov = overlay
                .iter()
                .find(|(n, _)| *n == param.name)
                .map(|(_, v)| v);
            let get = |key: &str| ov.and_then(|o| o.get(key));
            let mut entries = vec![("name".to_owned(), Json::str(&param.name))];
            entries.push((
                "type".to_owned(),
                get("type")
                    .cloned()
                    .unwrap_or_else(|| Json::str(param.scalar)),
            ));
            for key in ["encoding", "unit", "range", "sensitive"] {
                if let Some(v) = get(key) {
                    entries.push((
                        key.to_owned(),
                        if key == "range" {
                            keyed("range", v)
                        } else {
                            v.clone()
                        },
                    ));
                }
            }
            match get("required") {
                Some(r) => entries.push(("required".to_owned(), keyed("requirementRule", r))),
                None if param.required => {
                    entries.push(("required".to_owned(), Json::str(crate::format::ALWAYS)))
                }
                None => {}
            }
            if let Some(f) = get("forbidden") {
                entries.push(("forbidden".to_owned(), keyed("forbiddenRule", f)));
            }
            match get("description").or_else(|| {
                self.service
                    .default("parameters", &param.name, "description")
            }) {
                Some(d) => entries.push(("description".to_owned(), d.clone())),
                None => {
                    let message = format!(
                        "{}.{}: no English description: give /parameters/{} in {} (or a service default)",
                        api.name, param.name, param.name, self.doc.file
                    );
                    self.meta_error(&param.pointer, message);
                }
            }
            let example = get("example")
                .or_else(|| self.service.default("parameters", &param.name, "example"))
                .cloned()
                .or_else(|| {
                    let example = param.example.as_deref()?;
                    // Examples are shown in the docs, which are English.
                    if example.chars().any(is_cjk) {
                        let message = format!(
                            "{}.{}: the metadata's example `{example}` is not English: give /parameters/{}/example in {}",
                            api.name, param.name, param.name, self.doc.file
                        );
                        self.meta_error(&param.pointer, message);
                    }
                    Some(Json::str(example))
                });
            if let Some(e) = example {
                entries.push(("example".to_owned(), e));
            }
            out.push(object("parameter", entries));
        }
        // Parameters the official SDKs send that the metadata lacks (service `parameters.*.added`).
        for (name, value) in self
            .service
            .get("parameters")
            .and_then(Json::as_object)
            .unwrap_or_default()
        {
            let Some(added) = value.get("added") else {
                continue;
            };
            let skipped = added
                .get("except")
                .and_then(Json::as_array)
                .unwrap_or_default()
                .iter()
                .any(|e| e.as_str() == Some(&api.name));
            if skipped || api.parameters.iter().any(|p| p.name == *name) {
                continue;
            }
            let mut entries = vec![
                ("name".to_owned(), Json::str(name)),
                (
                    "type".to_owned(),
                    added
                        .get("type")
                        .cloned()
                        .unwrap_or_else(|| Json::str("string")),
                ),
            ];
            if let Some(d) = value.get("description") {
                entries.push(("description".to_owned(), d.clone()));
            }
            if let Some(e) = added.get("example") {
                entries.push(("example".to_owned(), e.clone()));
            }
            out.push(object("parameter", entries));
        }
        out
    }

    fn response(&mut self, shapes: &mut BTreeMap<String, Json>) -> Json {
        let api = self.api;
        let file = self.doc.file.clone();
        let response = self
            .ov("response")
            .cloned()
            .unwrap_or(Json::Object(Vec::new()));
        unknown_keys(&response, RESPONSE_KEYS, &file, "/response", self.errors);
        let mut paths = Vec::new();
        collect_paths(&api.fields, "", &mut paths);
        let fields_ov = response
            .get("fields")
            .and_then(Json::as_object)
            .unwrap_or_default()
            .to_vec();
        for (path, value) in &fields_ov {
            let at = format!("/response/fields/{}", escape(path));
            if !paths.iter().any(|(p, _)| p == path) {
                self.error(
                    &at,
                    format!("the metadata's {} response has no field `{path}`", api.name),
                );
            }
            unknown_keys(value, FIELD_KEYS, &file, &at, self.errors);
            if let Some(t) = value.get("type").and_then(Json::as_str)
                && !self.known_type(shapes, t)
            {
                self.error(&format!("{at}/type"), format!("unknown type `{t}`: not a scalar, a shape of this operation or a shared shape"));
            }
            // The metadata says what the value is; the overlay may only narrow a scalar to an enum.
            if let Some(t) = value.get("type").and_then(Json::as_str)
                && let Some(shape) = shapes.get(t).or_else(|| self.shared.get(t))
                && shape.get("type").and_then(Json::as_str) != Some("enum")
            {
                self.error(
                    &format!("{at}/type"),
                    format!("`{t}` is not an enum: a response field's type may only narrow the metadata's scalar to an enum"),
                );
            }
        }
        let shapes_ov = response
            .get("shapes")
            .and_then(Json::as_object)
            .unwrap_or_default()
            .to_vec();
        for (path, value) in &shapes_ov {
            let at = format!("/response/shapes/{}", escape(path));
            if !paths.iter().any(|(p, container)| p == path && *container) {
                self.error(
                    &at,
                    format!(
                        "the metadata's {} response has no object or array at `{path}`",
                        api.name
                    ),
                );
            }
            unknown_keys(value, RESPONSE_SHAPE_KEYS, &file, &at, self.errors);
        }
        let ctx = Response {
            fields: &fields_ov,
            shapes: &shapes_ov,
        };
        let fields = self.fields(&api.fields, "", &ctx, shapes);
        let mut entries = vec![("fields".to_owned(), Json::Array(fields))];
        if let Some(example) = &api.example {
            entries.push(("example".to_owned(), Json::str(example)));
        }
        object("response", entries)
    }

    fn fields(
        &mut self,
        fields: &[Field],
        prefix: &str,
        ctx: &Response<'_>,
        shapes: &mut BTreeMap<String, Json>,
    ) -> Vec<Json> {
        let mut out = Vec::new();
        for field in fields {
            let path = format!("{prefix}{}", field.name);
            let ov = ctx.field(&path);
            let get = |key: &str| ov.and_then(|o| o.get(key));
            let top = prefix.is_empty();
            let description = get("description")
                .or_else(|| {
                    if top {
                        self.service
                            .default("response_fields", &field.name, "description")
                    } else {
                        None
                    }
                })
                .cloned();
            if description.is_none() {
                let pointer = format!("/response/fields/{}/description", escape(&path));
                self.error(&pointer, format!("missing: response field `{path}` of the metadata needs an English description"));
            }
            let structured = match &field.kind {
                Kind::Object(_) => true,
                Kind::Array(inner) => matches!(inner.as_ref(), Kind::Object(_)),
                Kind::Scalar(_) => false,
            };
            if structured && get("type").is_some() {
                let pointer = format!("/response/fields/{}/type", escape(&path));
                let message = format!(
                    "`{path}` is an object or an array of objects in the metadata: name its shape in /response/shapes, not with a type"
                );
                self.error(&pointer, message);
            }
            let ty = match &field.kind {
                Kind::Scalar(s) => get("type").cloned().unwrap_or_else(|| Json::str(*s)),
                Kind::Object(children) => {
                    let name = ctx
                        .shape_name(&path)
                        .unwrap_or_else(|| format!("{}{}", self.api.name, path.replace('.', "")));
                    let members = self.fields(children, &format!("{path}."), ctx, shapes);
                    let desc = ctx
                        .shape_description(&path)
                        .cloned()
                        .or_else(|| description.clone());
                    self.add_shape(shapes, &path, &name, structure(desc, members));
                    Json::str(name)
                }
                Kind::Array(inner) => {
                    let base = ctx
                        .shape_name(&path)
                        .unwrap_or_else(|| format!("{}{}", self.api.name, path.replace('.', "")));
                    let member = match inner.as_ref() {
                        Kind::Object(children) => {
                            let members = self.fields(children, &format!("{path}."), ctx, shapes);
                            let desc = ctx
                                .shape_description(&path)
                                .cloned()
                                .or_else(|| description.clone());
                            self.add_shape(shapes, &path, &base, structure(desc, members));
                            Json::str(&base)
                        }
                        Kind::Scalar(s) => get("type").cloned().unwrap_or_else(|| Json::str(*s)),
                        Kind::Array(_) => Json::str("string"),
                    };
                    let list = format!("{base}List");
                    let mut entries = vec![("type".to_owned(), Json::str("list"))];
                    if let Some(d) = &description {
                        entries.push(("description".to_owned(), d.clone()));
                    }
                    entries.push(("member".to_owned(), member));
                    self.add_shape(shapes, &path, &list, object("listShape", entries));
                    Json::str(list)
                }
            };
            let mut entries = vec![
                ("name".to_owned(), Json::str(&field.name)),
                ("type".to_owned(), ty),
            ];
            if let Some(u) = get("unit") {
                entries.push(("unit".to_owned(), u.clone()));
            }
            if let Some(d) = description {
                entries.push(("description".to_owned(), d));
            }
            let example = get("example")
                .or_else(|| {
                    if top {
                        self.service
                            .default("response_fields", &field.name, "example")
                    } else {
                        None
                    }
                })
                .cloned()
                .or_else(|| {
                    let example = field.example.as_deref()?;
                    if !matches!(field.kind, Kind::Scalar(_)) {
                        return None;
                    }
                    // Examples are shown in the docs, which are English.
                    if example.chars().any(is_cjk) {
                        let message = format!(
                            "{}: response field {path}: the metadata's example `{example}` is not English: give /response/fields/{path}/example in {}",
                            self.api.name, self.doc.file
                        );
                        let at = format!("/apis/{}/responses/200/schema", self.api.name);
                        self.meta_error(&at, message);
                    }
                    Some(Json::str(example))
                });
            if let Some(e) = example {
                entries.push(("example".to_owned(), e));
            }
            out.push(object(
                if top { "responseField" } else { "member" },
                entries,
            ));
        }
        out
    }

    fn add_shape(
        &mut self,
        shapes: &mut BTreeMap<String, Json>,
        path: &str,
        name: &str,
        value: Json,
    ) {
        if shapes.contains_key(name) || self.shared.contains_key(name) {
            self.error(
                &format!("/response/shapes/{}/name", escape(path)),
                format!(
                    "shape name `{name}` for response path `{path}` is already taken: rename it"
                ),
            );
            return;
        }
        shapes.insert(name.to_owned(), value);
    }

    fn pagination(&mut self) -> Option<Json> {
        let value = self.ov("pagination")?.clone();
        let file = self.doc.file.clone();
        unknown_keys(&value, PAGINATION_KEYS, &file, "/pagination", self.errors);
        let api = self.api;
        for key in ["page_number", "page_size"] {
            let name = value.get(key).and_then(Json::as_str);
            if !name.is_some_and(|n| {
                api.parameters
                    .iter()
                    .any(|p| p.name == n && p.scalar.starts_with("int"))
            }) {
                self.error(
                    &format!("/pagination/{key}"),
                    "not an integer parameter of the metadata's operation",
                );
            }
        }
        for key in ["total_pages", "total_items"] {
            if let Some(name) = value.get(key) {
                let ok = name.as_str().is_some_and(|n| {
                    api.fields.iter().any(|f| {
                        f.name == n && matches!(f.kind, Kind::Scalar(s) if s.starts_with("int"))
                    })
                });
                if !ok {
                    self.error(
                        &format!("/pagination/{key}"),
                        "not a top-level integer response field of the metadata's operation",
                    );
                }
            }
        }
        let mut paths = Vec::new();
        collect_arrays(&api.fields, "", &mut paths);
        if !value
            .get("items")
            .and_then(Json::as_str)
            .is_some_and(|i| paths.iter().any(|p| p == i))
        {
            self.error(
                "/pagination/items",
                "not the path of an array in the metadata's response (through objects only, not through another array)",
            );
        }
        Some(keyed("pagination", &value))
    }

    /// The overlay's waiters, re-keyed; their input must be a metadata parameter and their items
    /// a metadata array (`check` resolves the rest on the spec).
    fn waiters(&mut self) -> Vec<Json> {
        let Some(value) = self.ov("waiters").cloned() else {
            return Vec::new();
        };
        let file = self.doc.file.clone();
        let Some(items) = value.as_array() else {
            self.error("/waiters", "expected an array of waiters");
            return Vec::new();
        };
        let api = self.api;
        let mut paths = Vec::new();
        collect_arrays(&api.fields, "", &mut paths);
        let mut out = Vec::new();
        for (i, waiter) in items.iter().enumerate() {
            let at = format!("/waiters/{i}");
            unknown_keys(waiter, WAITER_KEYS, &file, &at, self.errors);
            let input = waiter.get("input").and_then(Json::as_str);
            if !input.is_some_and(|n| api.parameters.iter().any(|p| p.name == n)) {
                self.error(
                    &format!("{at}/input"),
                    "not a parameter of the metadata's operation",
                );
            }
            if !waiter
                .get("items")
                .and_then(Json::as_str)
                .is_some_and(|p| paths.iter().any(|known| known == p))
            {
                self.error(
                    &format!("{at}/items"),
                    "not the path of an array in the metadata's response (through objects only, not through another array)",
                );
            }
            let entries = waiter
                .as_object()
                .unwrap_or_default()
                .iter()
                .map(|(k, v)| {
                    if k == "explain" {
                        let at = format!("{at}/explain");
                        unknown_keys(v, WAITER_EXPLAIN_KEYS, &file, &at, self.errors);
                        (k.clone(), keyed("waiterExplain", v))
                    } else {
                        (k.clone(), v.clone())
                    }
                })
                .collect();
            out.push(object("waiter", entries));
        }
        out
    }

    fn operation_errors(&mut self) -> Vec<Json> {
        let api = self.api;
        let file = self.doc.file.clone();
        let overlay = self
            .ov("errors")
            .and_then(Json::as_object)
            .unwrap_or_default()
            .to_vec();
        let ram_action = self
            .service
            .get("operation_defaults")
            .and_then(|d| d.get("ram_action"))
            .and_then(Json::as_str)
            .map(|t| fill(t, &api.name, ""))
            .unwrap_or_default();
        let mut out = Vec::new();
        for (i, e) in api.errors.iter().enumerate() {
            let ov = overlay.iter().find(|(c, _)| *c == e.code).map(|(_, v)| v);
            let description = ov.and_then(|o| o.get("description")).cloned().or_else(|| {
                let template = self
                    .service
                    .default("operation_errors", &e.code, "description")?
                    .as_str()?;
                Some(Json::str(fill(template, &api.name, &ram_action)))
            });
            let mut entries = vec![
                ("code".to_owned(), Json::str(&e.code)),
                ("http_status".to_owned(), Json::Number(e.http_status.into())),
                ("message".to_owned(), Json::str(&e.message)),
            ];
            match description {
                Some(d) => entries.push(("description".to_owned(), d)),
                None => {
                    let pointer = format!(
                        "/apis/{}/errorCodes/{}/{i}",
                        escape(&api.name),
                        e.http_status
                    );
                    self.meta_error(
                        &pointer,
                        format!(
                            "{}: error `{}` has no English description: give /errors/{} in {}",
                            api.name, e.code, e.code, file
                        ),
                    );
                }
            }
            if let Some(r) = ov.and_then(|o| o.get("retryable")) {
                entries.push(("retryable".to_owned(), r.clone()));
            }
            out.push(object("errorCode", entries));
        }
        for (code, value) in &overlay {
            let at = format!("/errors/{}", escape(code));
            unknown_keys(value, ERROR_KEYS, &file, &at, self.errors);
            if api.errors.iter().any(|e| e.code == *code) {
                continue;
            }
            // An error the metadata lacks is added only with its status and message.
            let (Some(status), Some(message)) = (value.get("http_status"), value.get("message"))
            else {
                self.error(&at, format!("the metadata's {} has no error `{code}`: give http_status and message to add one", api.name));
                continue;
            };
            let mut entries = vec![
                ("code".to_owned(), Json::str(code)),
                ("http_status".to_owned(), status.clone()),
                ("message".to_owned(), message.clone()),
            ];
            for key in ["description", "retryable"] {
                if let Some(v) = value.get(key) {
                    entries.push((key.to_owned(), v.clone()));
                }
            }
            out.push(object("errorCode", entries));
        }
        out
    }
}

/// The overlay's `response` of one operation.
struct Response<'a> {
    fields: &'a [(String, Json)],
    shapes: &'a [(String, Json)],
}

impl Response<'_> {
    fn field(&self, path: &str) -> Option<&Json> {
        self.fields.iter().find(|(p, _)| p == path).map(|(_, v)| v)
    }

    fn shape(&self, path: &str) -> Option<&Json> {
        self.shapes.iter().find(|(p, _)| p == path).map(|(_, v)| v)
    }

    fn shape_name(&self, path: &str) -> Option<String> {
        self.shape(path)?.get("name")?.as_str().map(str::to_owned)
    }

    fn shape_description(&self, path: &str) -> Option<&Json> {
        self.shape(path)?.get("description")
    }
}

fn structure(description: Option<Json>, members: Vec<Json>) -> Json {
    let mut entries = vec![("type".to_owned(), Json::str("structure"))];
    if let Some(d) = description {
        entries.push(("description".to_owned(), d));
    }
    entries.push(("members".to_owned(), Json::Array(members)));
    object("structureShape", entries)
}

/// Every response path, with whether it is an object or array (arrays are transparent in paths).
fn collect_paths(fields: &[Field], prefix: &str, out: &mut Vec<(String, bool)>) {
    for field in fields {
        let path = format!("{prefix}{}", field.name);
        let mut kind = &field.kind;
        if let Kind::Array(inner) = kind {
            kind = inner;
        }
        out.push((path.clone(), !matches!(field.kind, Kind::Scalar(_))));
        if let Kind::Object(children) = kind {
            collect_paths(children, &format!("{path}."), out);
        }
    }
}

/// The paths of the arrays a page's items can be: reached through objects only, since an array
/// inside an array's items is one per item, not the page's.
fn collect_arrays(fields: &[Field], prefix: &str, out: &mut Vec<String>) {
    for field in fields {
        let path = format!("{prefix}{}", field.name);
        match &field.kind {
            Kind::Array(_) => out.push(path),
            Kind::Object(children) => collect_arrays(children, &format!("{path}."), out),
            Kind::Scalar(_) => {}
        }
    }
}

/// A template with `{operation}`, `{operation_lowercase}` and `{ram_action}` filled in.
fn fill(template: &str, operation: &str, ram_action: &str) -> String {
    template
        .replace("{operation_lowercase}", &operation.to_ascii_lowercase())
        .replace("{operation}", operation)
        .replace("{ram_action}", ram_action)
}
