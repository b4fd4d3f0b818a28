//! The spec format, stated once: every kind of object a spec file holds, its keys in order, which
//! are required, what each means, and the words the format's keywords take.
//!
//! `lower` reads documents by these declarations (unknown keys, missing keys and keyword values
//! are reported from them, and a test checks that it reads every declared key); `schema` renders
//! them as `spec/schema.json`. A new spec key is one edit here, then a `lower` that reads it.

use serde_json::{Value, json};

use crate::model::{Bounds, Type};

/// One kind of JSON object, such as a parameter: a `$defs` entry of the schema.
#[derive(Debug)]
pub(crate) struct Object {
    /// The `$defs` name, `parameter`.
    pub(crate) name: &'static str,
    /// What the object is.
    pub(crate) description: Option<&'static str>,
    /// Every key the object may have, in the order messages list them.
    pub(crate) keys: &'static [Key],
    /// Rules between keys that `lower` checks in code, stated as JSON Schema (`allOf` members)
    /// where JSON Schema can say them.
    pub(crate) rules: Option<fn() -> Vec<Value>>,
}

/// One key of an object.
#[derive(Debug)]
pub(crate) struct Key {
    /// The key.
    pub(crate) name: &'static str,
    /// Whether an object without it is a mistake.
    pub(crate) required: bool,
    /// What its value may be.
    pub(crate) value: Val,
    /// What it means, shown in the schema (a test checks every key has one).
    pub(crate) description: Option<&'static str>,
}

/// What a key's value may be.
#[derive(Debug)]
pub(crate) enum Val {
    /// A `$defs` entry, by name.
    Def(&'static str),
    /// Exactly this string, such as a shape's `type` or the service's `style`.
    Const(&'static str),
    /// `true` or `false`.
    Bool,
    /// An integer within these inclusive bounds.
    Integer {
        /// The least value.
        min: Option<i64>,
        /// The greatest value.
        max: Option<i64>,
    },
    /// An array of a `$defs` entry.
    Array(&'static str),
    /// Anything else, stated as JSON Schema.
    Schema(fn() -> Value),
}

impl Object {
    /// The key named `name`.
    pub(crate) fn key(&self, name: &str) -> Option<&'static Key> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// The value of a `Const` key named `name`, such as a shape's `type`.
    pub(crate) fn constant(&self, name: &str) -> Option<&'static str> {
        match self.key(name)?.value {
            Val::Const(value) => Some(value),
            _ => None,
        }
    }
}

const fn required(name: &'static str, value: Val) -> Key {
    Key {
        name,
        required: true,
        value,
        description: None,
    }
}

const fn optional(name: &'static str, value: Val) -> Key {
    Key {
        name,
        required: false,
        value,
        description: None,
    }
}

impl Key {
    const fn doc(self, description: &'static str) -> Self {
        Key {
            description: Some(description),
            ..self
        }
    }
}

const TEXT: Val = Val::Def("text");

// ---- keywords ----

/// A unit an integer parameter may declare and the bounds it implies.
#[derive(Debug)]
pub(crate) struct Unit {
    /// The keyword, `port`.
    pub(crate) name: &'static str,
    /// The bounds every parameter of the unit is checked against; a `range` may narrow them.
    pub(crate) bounds: Bounds,
    /// Why those are the bounds.
    pub(crate) why: &'static str,
}

/// Units an integer parameter may declare, with the bounds each implies, so every parameter of a
/// unit is checked without anyone repeating them. A parameter's `range` may narrow these, never
/// widen them.
pub(crate) const UNITS: &[Unit] = &[
    Unit {
        name: "ms-since-epoch",
        bounds: Bounds {
            min: Some(0),
            max: None,
        },
        why: "a time since the epoch is never negative",
    },
    Unit {
        name: "seconds",
        bounds: Bounds {
            min: Some(0),
            max: None,
        },
        why: "a duration is never negative",
    },
    Unit {
        name: "port",
        bounds: Bounds {
            min: Some(1),
            max: Some(65535),
        },
        why: "port numbers are 16 bits, and port 0 is reserved in the IANA port number registry",
    },
    Unit {
        name: "bytes",
        bounds: Bounds {
            min: Some(0),
            max: None,
        },
        why: "a size is never negative",
    },
    Unit {
        name: "days",
        bounds: Bounds {
            min: Some(0),
            max: None,
        },
        why: "a number of days is never negative",
    },
];

/// The scalar type names and the types they mean.
pub(crate) const SCALARS: &[(&str, Type)] = &[
    ("string", Type::String),
    ("int32", Type::Int32),
    ("int64", Type::Int64),
    ("boolean", Type::Boolean),
];

/// The scalar type `name` means, if it names one.
pub(crate) fn scalar(name: &str) -> Option<Type> {
    SCALARS.iter().find(|(n, _)| *n == name).map(|(_, ty)| *ty)
}

/// `string, int32, int64, boolean`, for messages.
pub(crate) fn scalar_names() -> String {
    SCALARS
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The requirement that a parameter or member is always present.
pub(crate) const ALWAYS: &str = "always";
/// The requirement that a parameter or member may be left out.
pub(crate) const NEVER: &str = "never";

// ---- service.json ----

/// `service.json`.
pub(crate) static SERVICE: Object = Object {
    name: "service",
    description: Some("`service.json`: facts shared by every operation of the product version."),
    keys: &[
        optional("$schema", TEXT).doc("The schema's path, for editors: `../schema.json`."),
        required("product", TEXT).doc("Product code, `Dbs`."),
        required("version", TEXT).doc("API version, `2019-03-06`."),
        required("style", Val::Const("RPC")).doc("API style: `RPC`, the only one supported."),
        required("protocol", TEXT).doc("Default protocol, `HTTPS`."),
        required("documentation", TEXT).doc("Reference page of the API."),
        required("description", TEXT).doc("What the service is, for the generated docs."),
        required("endpoints", Val::Schema(endpoints)).doc(
            "Region ID → endpoint host: a bare `host[:port]`, without scheme, path or user info (the client adds `https://`).",
        ),
        optional("errors", Val::Array("errorCode")).doc("Errors any operation can return."),
        optional("context", Val::Array("contextFact")).doc("Facts a validator may know that requests do not carry; conditions name them."),
        optional("shapes", Val::Schema(shape_map)).doc(
            "Shape name → shape shared by every operation (such as `DatabaseType`), emitted once. An operation's type names resolve to its own shapes first, then these; a name declared in both is a mistake.",
        ),
    ],
    rules: None,
};

fn shape_map() -> Value {
    json!({
        "type": "object",
        "propertyNames": { "$ref": "#/$defs/typeName" },
        "additionalProperties": { "$ref": "#/$defs/shape" }
    })
}

fn endpoints() -> Value {
    json!({
        "type": "object",
        "additionalProperties": {
            "type": "string",
            "pattern": "^[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[1-9][0-9]{0,4})?$"
        }
    })
}

/// A documented error code, in `service.json` or an operation.
pub(crate) static ERROR_CODE: Object = Object {
    name: "errorCode",
    description: Some(
        "A documented error code. Codes, and the Rust variants made from them, must be unique within a file.",
    ),
    keys: &[
        required("code", Val::Schema(|| json!({ "type": "string", "pattern": "[A-Za-z0-9]" }))).doc(
            "The code, such as `Forbidden.RAM`. It must contain an ASCII letter or digit (its Rust variant, here `ForbiddenRam`, is made from them) and must not become the variant `Unknown`, which is reserved.",
        ),
        required(
            "http_status",
            Val::Integer {
                min: Some(100),
                max: Some(599),
            },
        ).doc("The HTTP status the reference gives."),
        required("message", TEXT).doc("The message the reference gives."),
        optional("description", TEXT).doc("When it happens and what to do."),
        optional("retryable", Val::Bool).doc("Whether a client may retry it. Absent means false."),
    ],
    rules: None,
};

/// A fact a validator may know that requests do not carry.
pub(crate) static CONTEXT_FACT: Object = Object {
    name: "contextFact",
    description: Some(
        "A fact a validator may know that requests do not carry, such as the backup plan's source engine. Names must be unique.",
    ),
    keys: &[
        required("name", Val::Def("typeName")).doc("The fact's name, such as `SourceDatabaseType`; also its Rust type name."),
        required("description", TEXT).doc("What the fact is and where it comes from."),
        required("source", TEXT).doc("The API field the fact is read from, written `<Operation>.<Member>.<...>.<Field>` (a list operation's response path to the field)."),
        optional("source_key", Val::Def("wireName")).doc("The string parameter of the source operation that names the object the fact belongs to (`BackupPlanId`): the client fetches the facts of one object with one call of that operation."),
        required("values", Val::Def("enumValues")).doc("The known values."),
    ],
    rules: None,
};

/// One value of an enum or context fact.
pub(crate) static ENUM_VALUE: Object = Object {
    name: "enumValue",
    description: Some("One value of an enum or context fact."),
    keys: &[
        required(
            "value",
            Val::Schema(|| {
                json!({
                    "type": "string",
                    "pattern": "[A-Za-z0-9]",
                    "allOf": [{ "pattern": "^\\S([\\s\\S]*\\S)?$" }]
                })
            }),
        )
        .doc(
            "The wire value, such as `RDS`. It must contain an ASCII letter or digit (its Rust variant, here `Rds`, is made from them), must not become the variant `Unknown`, which is reserved, and must not begin or end with white space: the service compares values exactly (or without regard to ASCII case), so ` RDS` would never match.",
        ),
        required("description", TEXT).doc("What the value means."),
    ],
    rules: None,
};

// ---- operation files ----

/// `<Operation>.json`.
pub(crate) static OPERATION: Object = Object {
    name: "operation",
    description: Some("`<Operation>.json`: one operation; the file name is the operation name."),
    keys: &[
        optional("$schema", TEXT).doc("The schema's path, for editors: `../schema.json`."),
        required("name", Val::Def("typeName")).doc("The operation's name, in UpperCamelCase as the API spells it; the file must be named after it (`<Name>.json`)."),
        required("summary", TEXT).doc("One line."),
        optional("description", TEXT).doc("More detail, including which sources were followed."),
        required("documentation", TEXT).doc("The API reference page."),
        required("ram_action", TEXT).doc("The RAM action, `<product>:<Name>` as the reference gives it."),
        required("access_level", TEXT).doc("The RAM access level: `create`, `read`, `update`, …."),
        optional("access_level_note", TEXT).doc("A note for maintainers on the access level; not used by the generated code."),
        required("method", Val::Const("POST")).doc("The HTTP method: `POST`, the only one DBS operations use."),
        optional("idempotent", Val::Bool)
            .doc("Whether repeating the call is harmless without a token."),
        optional("idempotency_token", Val::Def("wireName")).doc(
            "The wire name of a string parameter of this operation that carries the idempotency token; not a sensitive one (the client generates tokens and shows them in dry runs).",
        ),
        optional("shapes", Val::Schema(shape_map))
            .doc("Shape name → shape: the enums, structures and lists the parameters and response use."),
        required("parameters", Val::Array("parameter"))
            .doc("Request parameters. Wire and Rust names must be unique."),
        required("response", Val::Def("response")).doc("The response."),
        optional("pagination", Val::Def("pagination")).doc("How a list operation pages, for paginators."),
        optional("waiters", Val::Array("waiter")).doc("Waiters: how to poll this operation until an object (a task) reaches a final state. Names must be unique across the spec."),
        optional("errors", Val::Array("errorCode")).doc("Errors documented for this operation."),
    ],
    rules: None,
};

/// An enum shape.
pub(crate) static ENUM_SHAPE: Object = Object {
    name: "enumShape",
    description: Some("A closed set of string values (open in Rust through `Unknown`)."),
    keys: &[
        required("type", Val::Const("enum")).doc("The kind of shape."),
        required("description", TEXT).doc("What it is."),
        required("values", Val::Def("enumValues")).doc("The values."),
        optional("default", TEXT)
            .doc("The value the service assumes when none is sent; one of `values`."),
    ],
    rules: None,
};

/// A structure shape.
pub(crate) static STRUCTURE_SHAPE: Object = Object {
    name: "structureShape",
    description: Some(
        "A JSON object with named members: scalars or shapes (a structure must not contain itself, directly or through other shapes).",
    ),
    keys: &[
        required("type", Val::Const("structure")).doc("The kind of shape."),
        required("description", TEXT).doc("What it is."),
        required("members", Val::Array("member")).doc("Wire and Rust names must be unique."),
    ],
    rules: None,
};

/// A list shape.
pub(crate) static LIST_SHAPE: Object = Object {
    name: "listShape",
    description: Some("A JSON array."),
    keys: &[
        required("type", Val::Const("list")).doc("The kind of shape."),
        required("description", TEXT).doc("What it is."),
        required("member", Val::Def("typeRef")).doc(
            "A scalar, or an enum or structure shape of the operation or the service: not a list.",
        ),
        optional(
            "min_items",
            Val::Integer {
                min: Some(0),
                max: None,
            },
        )
        .doc("The least number of elements."),
    ],
    rules: None,
};

/// The kinds of shape, told apart by their `type`.
pub(crate) const SHAPES: [&Object; 3] = [&ENUM_SHAPE, &STRUCTURE_SHAPE, &LIST_SHAPE];

/// A member of a structure.
pub(crate) static MEMBER: Object = Object {
    name: "member",
    description: Some("A member of a structure."),
    keys: &[
        required("name", Val::Def("wireName")).doc("The member's name in the JSON object."),
        required("type", Val::Def("typeRef"))
            .doc("The member's type: a scalar or a shape of the operation or the service."),
        optional("unit", Val::Schema(unit)),
        optional(
            "required",
            Val::Schema(|| json!({ "enum": [ALWAYS, NEVER] })),
        )
        .doc("Whether the member is always present. Absent means never."),
        required("description", TEXT).doc("What it is."),
        optional("example", TEXT).doc("An example value."),
    ],
    rules: None,
};

/// A request parameter.
pub(crate) static PARAMETER: Object = Object {
    name: "parameter",
    description: Some("A request parameter."),
    keys: &[
        required("name", Val::Def("wireName")).doc("The wire name, exactly."),
        required("type", Val::Def("typeRef")).doc("The value type: a scalar or a shape of the operation or the service."),
        optional("encoding", Val::Const("json")).doc(
            "Required for, and only for, a parameter of a list or structure shape: the value is sent as one JSON text.",
        ),
        optional("unit", Val::Schema(unit)),
        optional("range", Val::Def("range")).doc("Inclusive bounds; integers only."),
        optional("sensitive", Val::Bool)
            .doc("A secret: redacted everywhere but the wire. Strings only."),
        optional("required", Val::Def("requirement")).doc("When the parameter must be present. Absent means never."),
        optional("forbidden", Val::Def("forbiddenRule")).doc("When the parameter must be absent. Absent means never."),
        required("description", TEXT).doc("What it is."),
        optional("example", TEXT).doc("An example value from the reference."),
    ],
    rules: Some(parameter_rules),
};

fn unit() -> Value {
    let each: Vec<String> = UNITS
        .iter()
        .map(|u| format!("`{}` is {} ({})", u.name, allowed(u.bounds), u.why))
        .collect();
    json!({
        "description": format!(
            "The unit of an integer. Each implies bounds, checked on every parameter of the unit (client and emulator): {}.",
            each.join("; ")
        ),
        "enum": UNITS.iter().map(|u| u.name).collect::<Vec<_>>()
    })
}

/// `1 to 65535`, `0 or more`: the values bounds allow, for messages and descriptions.
pub(crate) fn allowed(bounds: Bounds) -> String {
    match (bounds.min, bounds.max) {
        (Some(lo), Some(hi)) => format!("{lo} to {hi}"),
        (Some(lo), None) => format!("{lo} or more"),
        (None, Some(hi)) => format!("{hi} or less"),
        (None, None) => "any value".to_owned(),
    }
}

fn parameter_rules() -> Vec<Value> {
    let names = |keep: fn(Type) -> bool| -> Vec<&str> {
        SCALARS
            .iter()
            .filter(|(_, ty)| keep(*ty))
            .map(|(name, _)| *name)
            .collect()
    };
    // Each rule is stated on the key `lower` reports, so a validator points where it does.
    let typed = |schema: Value| json!({ "required": ["type"], "properties": { "type": schema } });
    let integers = names(|ty| matches!(ty, Type::Int32 | Type::Int64));
    let mut rules = vec![json!({
        "$comment": "Only integers take a unit or a range.",
        "if": typed(json!({ "not": { "enum": integers } })),
        "then": { "properties": { "unit": false, "range": false } }
    })];
    // A bound must fit its type: int64 bounds are whatever JSON integers `lower` reads.
    rules.push(json!({
        "$comment": "An int32's bounds fit 32 bits.",
        "if": typed(json!({ "const": "int32" })),
        "then": { "properties": { "range": { "properties": {
            "min": { "minimum": i32::MIN, "maximum": i32::MAX },
            "max": { "minimum": i32::MIN, "maximum": i32::MAX }
        } } } }
    }));
    // One rule per distinct bounds, in the order units first show them.
    let mut seen: Vec<Bounds> = Vec::new();
    for unit in UNITS {
        if seen.contains(&unit.bounds) {
            continue;
        }
        seen.push(unit.bounds);
        let same: Vec<&str> = UNITS
            .iter()
            .filter(|u| u.bounds == unit.bounds)
            .map(|u| u.name)
            .collect();
        let mut bound = serde_json::Map::new();
        if let Some(min) = unit.bounds.min {
            bound.insert("minimum".to_owned(), min.into());
        }
        if let Some(max) = unit.bounds.max {
            bound.insert("maximum".to_owned(), max.into());
        }
        rules.push(json!({
            "$comment": format!(
                "A range narrows its unit's bounds, never widens them: {} {} {}.",
                same.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                if same.len() == 1 { "is" } else { "are" },
                allowed(unit.bounds)
            ),
            "if": { "required": ["unit"], "properties": { "unit": { "enum": same } } },
            "then": { "properties": { "range": { "properties": {
                "min": bound,
                "max": bound
            } } } }
        }));
    }
    rules.push(json!({
        "$comment": "Only strings can be sensitive.",
        "if": typed(json!({ "not": { "enum": names(|ty| ty == Type::String) } })),
        "then": { "properties": { "sensitive": { "const": false } } }
    }));
    rules.push(json!({
        "$comment": "Only shapes take an encoding (which shapes, lists and structures, needs the shapes).",
        "if": typed(json!({ "$ref": "#/$defs/scalar" })),
        "then": { "properties": { "encoding": false } }
    }));
    rules
}

/// A parameter's `range`.
pub(crate) static RANGE: Object = Object {
    name: "range",
    description: Some(
        "Inclusive bounds of an integer, where the API reference implies them (say which source in the parameter's description). Each bound defaults to the unit's (see `unit`), else to the type's own; each must fit the type and lie within the unit's bounds, and min must not exceed max (checked by `dbs-codegen check`).",
    ),
    keys: &[
        optional(
            "min",
            Val::Integer {
                min: None,
                max: None,
            },
        )
        .doc("The least value."),
        optional(
            "max",
            Val::Integer {
                min: None,
                max: None,
            },
        )
        .doc("The greatest value."),
    ],
    rules: None,
};

/// A requirement with a condition.
pub(crate) static REQUIREMENT_RULE: Object = Object {
    name: "requirementRule",
    description: Some("Required when the condition holds."),
    keys: &[
        optional("id", TEXT).doc("A short rule ID such as `R1`, shown in messages."),
        required("when", Val::Def("condition"))
            .doc("The condition under which the parameter is required."),
        optional("note", TEXT)
            .doc("The reference's own words, when they say more than the condition."),
    ],
    rules: None,
};

/// A prohibition with a condition.
pub(crate) static FORBIDDEN_RULE: Object = Object {
    name: "forbiddenRule",
    description: Some("Must be absent when the condition holds."),
    keys: &[
        optional("id", TEXT).doc("A short rule ID such as `R2`, shown in messages."),
        required("when", Val::Def("condition"))
            .doc("The condition under which the parameter must be absent."),
        optional("note", TEXT)
            .doc("The reference's own words, when they say more than the condition."),
    ],
    rules: None,
};

/// `{"param": …, "in": […]}`.
pub(crate) static PARAM_CONDITION: Object = Object {
    name: "paramCondition",
    description: Some(
        "The enum parameter named `param` is one of `in`, or the boolean parameter named `param` is `in` (`[\"true\"]` or `[\"false\"]`).",
    ),
    keys: &[
        required("param", TEXT)
            .doc("The wire name of an enum or boolean parameter of this operation."),
        required("in", Val::Def("conditionValues"))
            .doc("Values of its enum, or one of `true`, `false`."),
    ],
    rules: None,
};

/// `{"present": …}`.
pub(crate) static PRESENT_CONDITION: Object = Object {
    name: "presentCondition",
    description: Some("The parameter named `present` has a value (a blank string counts as none)."),
    keys: &[required("present", TEXT).doc("The wire name of a parameter of this operation.")],
    rules: None,
};

/// `{"context": …, "in": […]}`.
pub(crate) static CONTEXT_CONDITION: Object = Object {
    name: "contextCondition",
    description: Some(
        "The context fact named `context` (declared in service.json) is one of `in`.",
    ),
    keys: &[
        required("context", TEXT).doc("The name of a context fact of service.json."),
        required("in", Val::Def("conditionValues")).doc("Values of the fact."),
    ],
    rules: None,
};

fn conditions() -> Value {
    json!({ "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/condition" } })
}

/// `{"all": […]}`.
pub(crate) static ALL_CONDITION: Object = Object {
    name: "allCondition",
    description: Some("Every condition holds."),
    keys: &[required("all", Val::Schema(conditions)).doc("The conditions, at least one.")],
    rules: None,
};

/// `{"any": […]}`.
pub(crate) static ANY_CONDITION: Object = Object {
    name: "anyCondition",
    description: Some("At least one condition holds."),
    keys: &[required("any", Val::Schema(conditions)).doc("The conditions, at least one.")],
    rules: None,
};

/// `{"not": …}`.
pub(crate) static NOT_CONDITION: Object = Object {
    name: "notCondition",
    description: Some("The condition does not hold."),
    keys: &[required("not", Val::Def("condition")).doc("The condition.")],
    rules: None,
};

/// The forms of a condition, told apart by their first key.
pub(crate) const CONDITIONS: [&Object; 6] = [
    &PARAM_CONDITION,
    &PRESENT_CONDITION,
    &CONTEXT_CONDITION,
    &ALL_CONDITION,
    &ANY_CONDITION,
    &NOT_CONDITION,
];

/// An operation's `response`.
pub(crate) static RESPONSE: Object = Object {
    name: "response",
    description: Some("The response of an operation: a JSON object."),
    keys: &[
        required("fields", Val::Array("responseField"))
            .doc("Response fields. Wire and Rust names must be unique."),
        optional("example", TEXT).doc("The official success example: one JSON object, as text."),
    ],
    rules: None,
};

/// A response field.
pub(crate) static RESPONSE_FIELD: Object = Object {
    name: "responseField",
    description: Some("A field of the response."),
    keys: &[
        required("name", Val::Def("wireName")).doc("The wire name, exactly."),
        required("type", Val::Def("typeRef"))
            .doc("The field's type: a scalar or a shape of the operation or the service."),
        optional("unit", Val::Schema(unit)),
        required("description", TEXT).doc("What it is."),
        optional("example", TEXT).doc("An example value."),
    ],
    rules: None,
};

/// An operation's `pagination`.
pub(crate) static PAGINATION: Object = Object {
    name: "pagination",
    description: Some("How a list operation pages (checked by `dbs-codegen check`)."),
    keys: &[
        required("page_number", Val::Def("wireName")).doc("Wire name of the int32 or int64 parameter of the page number."),
        required("page_size", Val::Def("wireName")).doc("Wire name of the int32 or int64 parameter of the page size."),
        required("first_page", Val::Integer { min: None, max: None }).doc("The number of the first page."),
        optional("total_pages", Val::Def("wireName")).doc("A top-level integer response field: the number of pages."),
        optional("total_items", Val::Def("wireName")).doc("A top-level integer response field: the number of items."),
        required("items", TEXT).doc("Dotted path of response field and member names to the list of items (`Items.RestoreTaskDetail`)."),
        optional("note", TEXT).doc("A note on how the service pages."),
    ],
    rules: None,
};

/// A waiter of an operation.
pub(crate) static WAITER: Object = Object {
    name: "waiter",
    description: Some("How to poll an operation until one object it lists reaches a final state (checked by `dbs-codegen check`)."),
    keys: &[
        required("name", Val::Def("typeName")).doc("The waiter's name, such as `RestoreTaskFinished`; the client method is `wait_until_<name in snake_case>`. Unique across the spec."),
        required("description", TEXT).doc("What reaching the final state means."),
        required("input", Val::Def("wireName")).doc("Wire name of the string parameter of this operation that names the object, such as `RestoreTaskId`."),
        required("items", TEXT).doc("Dotted path of response field and member names to the list of items (`Items.RestoreTaskDetail`); the first item is the object."),
        required("status", Val::Def("wireName")).doc("The string or enum member of the item that holds the object's state."),
        required("success", Val::Def("conditionValues")).doc("States that end the wait with the item."),
        required("failure", Val::Def("conditionValues")).doc("States that end the wait with an error."),
        optional("message", Val::Def("wireName")).doc("The string member of the item with the failure message."),
        optional("progress", Val::Schema(wire_names)).doc("Integer members of the item that say how far the object is (percentages), in the order they are shown."),
        optional("explain", Val::Def("waiterExplain")).doc("An operation that explains a failure, called with the object's ID."),
        required("delay_ms", Val::Integer { min: Some(1), max: None }).doc("The first wait between polls, in milliseconds; later waits double, with jitter."),
        required("max_delay_ms", Val::Integer { min: Some(1), max: None }).doc("The longest wait between polls, in milliseconds; at least `delay_ms`."),
        required("timeout_ms", Val::Integer { min: Some(1), max: None }).doc("How long to wait in all by default, in milliseconds."),
    ],
    rules: None,
};

/// A waiter's `explain`.
pub(crate) static WAITER_EXPLAIN: Object = Object {
    name: "waiterExplain",
    description: Some(
        "The operation that explains a failed object, and its parameter that takes the object's ID.",
    ),
    keys: &[
        required("operation", Val::Def("typeName"))
            .doc("The name of an operation of the spec, in UpperCamelCase."),
        required("input", Val::Def("wireName"))
            .doc("Wire name of its string parameter that takes the object's ID, such as `TaskId`."),
    ],
    rules: None,
};

fn wire_names() -> Value {
    json!({
        "type": "array",
        "minItems": 1,
        "items": { "$ref": "#/$defs/wireName" }
    })
}

/// Every object kind, each a `$defs` entry.
pub(crate) const OBJECTS: [&Object; 24] = [
    &SERVICE,
    &ERROR_CODE,
    &CONTEXT_FACT,
    &ENUM_VALUE,
    &OPERATION,
    &ENUM_SHAPE,
    &STRUCTURE_SHAPE,
    &LIST_SHAPE,
    &MEMBER,
    &PARAMETER,
    &RANGE,
    &REQUIREMENT_RULE,
    &FORBIDDEN_RULE,
    &PARAM_CONDITION,
    &PRESENT_CONDITION,
    &CONTEXT_CONDITION,
    &ALL_CONDITION,
    &ANY_CONDITION,
    &NOT_CONDITION,
    &RESPONSE,
    &RESPONSE_FIELD,
    &PAGINATION,
    &WAITER,
    &WAITER_EXPLAIN,
];

/// The `$defs` entries that are not objects with keys: strings with a form, and unions.
pub(crate) fn values() -> Vec<(&'static str, Value)> {
    // Unions are told apart as `lower` tells them (a shape by its `type`, a condition by its first
    // key): `if`/`then`/`else` rather than `oneOf`, so a validator reports a mistake inside the
    // form at its own pointer, not as "matches none of oneOf" at the union's.
    let shape = chain(
        SHAPES.iter().map(|form| {
            let tag = form.constant("type").unwrap_or_default();
            (
                json!({ "required": ["type"], "properties": { "type": { "const": tag } } }),
                form,
            )
        }),
        json!({
            "required": ["type"],
            "properties": { "type": { "enum": SHAPES.iter().filter_map(|s| s.constant("type")).collect::<Vec<_>>() } }
        }),
    );
    let condition = chain(
        CONDITIONS
            .iter()
            .map(|form| (json!({ "required": [form.keys[0].name] }), form)),
        Value::Bool(false),
    );
    vec![
        (
            "text",
            json!({
                "description": "A string that is not empty or only white space.",
                "type": "string",
                "pattern": "\\S"
            }),
        ),
        (
            "typeName",
            json!({
                "description": "A Rust type name: PascalCase ASCII letters and digits, not the keyword `Self`.",
                "type": "string",
                "pattern": "^[A-Z][A-Za-z0-9_]*$",
                "not": { "const": "Self" }
            }),
        ),
        (
            "wireName",
            json!({
                "description": "A parameter, member or field name exactly as sent on the wire, such as `DestinationEndpointInstanceID`. Its Rust name is derived by splitting at non-alphanumeric characters and case changes, so the first ASCII letter or digit must be a letter. A parameter must not be a common parameter the client sends itself (`Action`, `Signature`, …) nor derive a name the client, its builders or the CLI already use (`send`, `--region`, …); a member must not derive `new`.",
                "type": "string",
                "pattern": "^[^A-Za-z0-9]*[A-Za-z]"
            }),
        ),
        (
            "scalar",
            json!({
                "description": "A scalar value type.",
                "enum": SCALARS.iter().map(|(name, _)| *name).collect::<Vec<_>>()
            }),
        ),
        (
            "typeRef",
            json!({
                "description": "A scalar, or the name of a shape of the same operation or of the service.",
                "anyOf": [{ "$ref": "#/$defs/scalar" }, { "$ref": "#/$defs/typeName" }]
            }),
        ),
        (
            "enumValues",
            json!({
                "description": "The values of an enum or context fact, at least one. Values must differ without regard to ASCII case.",
                "type": "array",
                "minItems": 1,
                "items": { "$ref": "#/$defs/enumValue" }
            }),
        ),
        (
            "shape",
            json!({
                "description": format!(
                    "A named type of an operation: {}, told apart by `type`.",
                    SHAPES.iter().map(|s| format!("`{}`", s.name)).collect::<Vec<_>>().join(", ")
                ),
                "type": "object",
                "allOf": [shape]
            }),
        ),
        (
            "requirement",
            json!({
                "description": "When the parameter must be present. Absent means never.",
                "if": { "type": "string" },
                "then": { "enum": [ALWAYS, NEVER] },
                "else": { "$ref": "#/$defs/requirementRule" }
            }),
        ),
        (
            "condition",
            json!({
                "description": format!(
                    "A declarative condition over parameters of the operation and context facts of the service: {}, told apart by their first key.",
                    CONDITIONS.iter().map(|c| format!("`{}`", c.name)).collect::<Vec<_>>().join(", ")
                ),
                "type": "object",
                "allOf": [condition]
            }),
        ),
        (
            "conditionValues",
            json!({
                "description": "Values of the enum or context fact, at least one.",
                "type": "array",
                "minItems": 1,
                "items": { "type": "string" }
            }),
        ),
    ]
}

/// `if a then A else if b then B … else otherwise`: the first form whose test holds.
fn chain<'f>(
    forms: impl DoubleEndedIterator<Item = (Value, &'f &'f Object)>,
    otherwise: Value,
) -> Value {
    forms.rev().fold(otherwise, |otherwise, (test, form)| {
        json!({
            "if": test,
            "then": { "$ref": format!("#/$defs/{}", form.name) },
            "else": otherwise
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // `lower` picks a shape's declaration by its `type` and a condition's by its first key, so
    // those must tell the forms apart.
    #[test]
    fn forms_are_told_apart() {
        let tags: Vec<Option<&str>> = SHAPES.iter().map(|s| s.constant("type")).collect();
        assert_eq!(tags, [Some("enum"), Some("structure"), Some("list")]);
        let firsts: Vec<&str> = CONDITIONS.iter().map(|c| c.keys[0].name).collect();
        assert_eq!(firsts, ["param", "present", "context", "all", "any", "not"]);
    }

    #[test]
    fn keys_and_definitions_are_unique() {
        let mut defs: Vec<&str> = OBJECTS.iter().map(|o| o.name).collect();
        defs.extend(values().iter().map(|(name, _)| *name));
        let count = defs.len();
        defs.sort_unstable();
        defs.dedup();
        assert_eq!(defs.len(), count, "a $defs name is declared twice");
        for object in OBJECTS {
            let mut keys: Vec<&str> = object.keys.iter().map(|k| k.name).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(
                keys.len(),
                object.keys.len(),
                "{}: a key twice",
                object.name
            );
        }
        let mut units: Vec<&str> = UNITS.iter().map(|u| u.name).collect();
        units.sort_unstable();
        units.dedup();
        assert_eq!(units.len(), UNITS.len());
    }
}
