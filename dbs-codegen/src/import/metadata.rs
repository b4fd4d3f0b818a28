//! Reading Alibaba's official API metadata (`<Product>-<Version>-api-docs.json`): the facts the
//! import takes from it, each with the JSON pointer it came from.

use super::Errors;
use super::json::Json;

/// The facts of the metadata file.
#[derive(Debug)]
pub(crate) struct Metadata {
    pub(crate) product: String,
    pub(crate) version: String,
    pub(crate) style: String,
    /// Region ID → endpoint host, in file order.
    pub(crate) endpoints: Vec<(String, String)>,
    /// The operations, in file order.
    pub(crate) apis: Vec<Api>,
}

/// One operation of the metadata.
#[derive(Debug)]
pub(crate) struct Api {
    pub(crate) name: String,
    /// `systemTags.operationType`, such as `get` or `create`.
    pub(crate) operation_type: Option<String>,
    pub(crate) parameters: Vec<Param>,
    /// The top-level fields of the `200` response.
    pub(crate) fields: Vec<Field>,
    pub(crate) errors: Vec<MetaError>,
    /// The JSON success example of `responseDemo`.
    pub(crate) example: Option<String>,
}

/// A request parameter.
#[derive(Debug)]
pub(crate) struct Param {
    pub(crate) name: String,
    /// The spec scalar: `string`, `int32`, `int64` or `boolean`.
    pub(crate) scalar: &'static str,
    pub(crate) required: bool,
    pub(crate) example: Option<String>,
    /// Where it is, for messages: `/apis/<Op>/parameters/<i>`.
    pub(crate) pointer: String,
}

/// A response field, at any depth.
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) example: Option<String>,
}

/// What a response field holds.
#[derive(Debug)]
pub(crate) enum Kind {
    Scalar(&'static str),
    Object(Vec<Field>),
    /// An array of scalars or of objects (never of arrays in this metadata).
    Array(Box<Kind>),
}

/// A documented error code.
#[derive(Debug)]
pub(crate) struct MetaError {
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) http_status: u16,
}

/// Reads the metadata document; every mistake is recorded in `errors`.
pub(crate) fn read(doc: &Json, file: &str, errors: &mut Errors) -> Metadata {
    let mut at = |pointer: String, message: String| errors.push(file, &pointer, message);
    let info = doc.get("info");
    let text = |key: &str| {
        info.and_then(|i| i.get(key))
            .and_then(Json::as_str)
            .map(str::to_owned)
    };
    let (product, version, style) = (text("product"), text("version"), text("style"));
    for (key, value) in [
        ("product", &product),
        ("version", &version),
        ("style", &style),
    ] {
        if value.is_none() {
            at(
                format!("/info/{key}"),
                "missing: a string is expected".to_owned(),
            );
        }
    }
    let mut endpoints = Vec::new();
    match doc.get("endpoints").and_then(Json::as_array) {
        Some(list) => {
            for (i, entry) in list.iter().enumerate() {
                let region = entry.get("regionId").and_then(Json::as_str);
                let host = entry.get("endpoint").and_then(Json::as_str);
                match (region, host) {
                    (Some(r), Some(h)) => endpoints.push((r.to_owned(), h.to_owned())),
                    _ => at(
                        format!("/endpoints/{i}"),
                        "an endpoint needs string `regionId` and `endpoint`".to_owned(),
                    ),
                }
            }
        }
        None => at(
            "/endpoints".to_owned(),
            "missing: an array is expected".to_owned(),
        ),
    }
    let mut apis = Vec::new();
    match doc.get("apis").and_then(Json::as_object) {
        Some(entries) => {
            for (name, api) in entries {
                apis.push(read_api(
                    name,
                    api,
                    &format!("/apis/{}", escape(name)),
                    &mut at,
                ));
            }
        }
        None => at(
            "/apis".to_owned(),
            "missing: an object is expected".to_owned(),
        ),
    }
    Metadata {
        product: product.unwrap_or_default(),
        version: version.unwrap_or_default(),
        style: style.unwrap_or_default(),
        endpoints,
        apis,
    }
}

fn read_api(name: &str, api: &Json, base: &str, at: &mut impl FnMut(String, String)) -> Api {
    let operation_type = api
        .get("systemTags")
        .and_then(|t| t.get("operationType"))
        .and_then(Json::as_str)
        .map(str::to_owned);
    let mut parameters = Vec::new();
    for (i, param) in array(api.get("parameters"), &format!("{base}/parameters"), at)
        .iter()
        .enumerate()
    {
        let pointer = format!("{base}/parameters/{i}");
        let Some(pname) = param.get("name").and_then(Json::as_str) else {
            at(
                format!("{pointer}/name"),
                "missing: a string is expected".to_owned(),
            );
            continue;
        };
        let schema = param.get("schema").unwrap_or(&Json::Null);
        let Some(scalar) = scalar(schema, &format!("{pointer}/schema"), at) else {
            continue;
        };
        parameters.push(Param {
            name: pname.to_owned(),
            scalar,
            required: schema.get("required") == Some(&Json::Bool(true)),
            example: example(schema),
            pointer,
        });
    }
    let body = api
        .get("responses")
        .and_then(|r| r.get("200"))
        .and_then(|r| r.get("schema"));
    let fields = match body {
        Some(schema) => fields(schema, &format!("{base}/responses/200/schema"), at),
        None => {
            at(
                format!("{base}/responses/200"),
                "missing: the success response is expected".to_owned(),
            );
            Vec::new()
        }
    };
    let mut errors = Vec::new();
    for (status, list) in object(api.get("errorCodes"), &format!("{base}/errorCodes"), at) {
        let Ok(http_status) = status.parse::<u16>() else {
            at(
                format!("{base}/errorCodes/{}", escape(status)),
                "not an HTTP status".to_owned(),
            );
            continue;
        };
        let here = format!("{base}/errorCodes/{}", escape(status));
        for (i, e) in array(Some(list), &here, at).iter().enumerate() {
            let code = e.get("errorCode").and_then(Json::as_str);
            let message = e.get("errorMessage").and_then(Json::as_str);
            match (code, message) {
                (Some(code), Some(message)) => errors.push(MetaError {
                    code: code.to_owned(),
                    message: message.to_owned(),
                    http_status,
                }),
                _ => at(
                    format!("{here}/{i}"),
                    "an error code needs string `errorCode` and `errorMessage`".to_owned(),
                ),
            }
        }
    }
    Api {
        name: name.to_owned(),
        operation_type,
        parameters,
        fields,
        errors,
        example: response_example(api, base, at),
    }
}

/// The JSON example of `responseDemo` (itself a JSON text: `[{"type":"json","example":"…"}, …]`).
fn response_example(api: &Json, base: &str, at: &mut impl FnMut(String, String)) -> Option<String> {
    let pointer = format!("{base}/responseDemo");
    let demo = match api.get("responseDemo")? {
        Json::String(demo) => demo,
        other => {
            at(
                pointer,
                format!("{} where a JSON text is expected", other.kind()),
            );
            return None;
        }
    };
    let Ok(list) = super::json::parse(demo) else {
        at(pointer, "not a JSON text".to_owned());
        return None;
    };
    let example = list
        .as_array()?
        .iter()
        .find(|e| e.get("type").and_then(Json::as_str) == Some("json"))?
        .get("example")?
        .as_str()?;
    if super::json::parse(example).is_err() {
        at(pointer, "the JSON example is not a JSON text".to_owned());
        return None;
    }
    Some(example.to_owned())
}

fn fields(schema: &Json, pointer: &str, at: &mut impl FnMut(String, String)) -> Vec<Field> {
    let mut out = Vec::new();
    for (name, field) in object(
        schema.get("properties"),
        &format!("{pointer}/properties"),
        at,
    ) {
        let here = format!("{pointer}/properties/{}", escape(name));
        // Overlay paths join names with `.`: `A.B` could be a field or `B` inside `A`.
        if name.contains('.') || name.is_empty() {
            at(
                here,
                format!(
                    "response field name `{name}` cannot be named by an overlay path (empty, or holds `.`)"
                ),
            );
            continue;
        }
        if let Some(kind) = kind(field, &here, at) {
            out.push(Field {
                name: name.clone(),
                kind,
                example: example(field),
            });
        }
    }
    out
}

fn kind(schema: &Json, pointer: &str, at: &mut impl FnMut(String, String)) -> Option<Kind> {
    match schema.get("type").and_then(Json::as_str) {
        Some("object") => Some(Kind::Object(fields(schema, pointer, at))),
        Some("array") => {
            let items = format!("{pointer}/items");
            match schema.get("items") {
                Some(item) if item.get("type").and_then(Json::as_str) == Some("array") => {
                    at(items, "an array of arrays is not supported".to_owned());
                    None
                }
                Some(item) => Some(Kind::Array(Box::new(kind(item, &items, at)?))),
                None => {
                    at(items, "missing: an array needs `items`".to_owned());
                    None
                }
            }
        }
        _ => scalar(schema, pointer, at).map(Kind::Scalar),
    }
}

/// The spec scalar of a metadata `type` (+ `format`); anything else is refused by name.
fn scalar(
    schema: &Json,
    pointer: &str,
    at: &mut impl FnMut(String, String),
) -> Option<&'static str> {
    let ty = schema.get("type").and_then(Json::as_str);
    let format = schema.get("format").and_then(Json::as_str);
    match (ty, format) {
        (Some("string"), _) => Some("string"),
        (Some("boolean"), _) => Some("boolean"),
        (Some("integer"), Some("int32")) => Some("int32"),
        (Some("integer"), Some("int64")) => Some("int64"),
        (Some("integer"), other) => {
            at(
                format!("{pointer}/format"),
                format!(
                    "integer format {} is not supported: the import knows int32 and int64",
                    other.map_or_else(|| "(absent)".to_owned(), |f| format!("`{f}`"))
                ),
            );
            None
        }
        (Some(other), _) => {
            at(
                format!("{pointer}/type"),
                format!(
                    "type `{other}` is not supported: the import knows string, integer (int32, int64), boolean, object and array"
                ),
            );
            None
        }
        (None, _) => {
            at(
                format!("{pointer}/type"),
                "missing: a type is expected".to_owned(),
            );
            None
        }
    }
}

fn example(schema: &Json) -> Option<String> {
    match schema.get("example")? {
        Json::String(s) if s.trim().is_empty() => None,
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The elements of an array that may be absent; anything else but an array is reported.
fn array<'j>(
    value: Option<&'j Json>,
    pointer: &str,
    at: &mut impl FnMut(String, String),
) -> &'j [Json] {
    match value {
        None => &[],
        Some(Json::Array(items)) => items,
        Some(other) => {
            at(
                pointer.to_owned(),
                format!("{} where an array is expected", other.kind()),
            );
            &[]
        }
    }
}

/// The entries of an object that may be absent; anything else but an object is reported.
fn object<'j>(
    value: Option<&'j Json>,
    pointer: &str,
    at: &mut impl FnMut(String, String),
) -> &'j [(String, Json)] {
    match value {
        None => &[],
        Some(Json::Object(entries)) => entries,
        Some(other) => {
            at(
                pointer.to_owned(),
                format!("{} where an object is expected", other.kind()),
            );
            &[]
        }
    }
}

/// A JSON pointer step (RFC 6901).
pub(crate) fn escape(step: &str) -> String {
    step.replace('~', "~0").replace('/', "~1")
}
