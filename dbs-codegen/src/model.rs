//! The checked model: what `lower` builds from the JSON and `expand` turns into Rust.
//!
//! Every reference is resolved (types to shape indexes, conditions to parameter and enum-value
//! indexes), so the emitter can index without checking. Items remember where they came from (the
//! file and a JSON pointer), so `check` can report a rule broken by a lowered item.

use crate::error::Pointer;

/// A whole spec directory: one service file and its operations, in file-name order.
#[derive(Clone, Debug)]
pub struct Spec {
    /// `service.json`.
    pub service: Service,
    /// One per operation file.
    pub operations: Vec<Operation>,
}

/// Facts shared by every operation of the product version.
#[derive(Clone, Debug)]
pub struct Service {
    /// The spec file it came from, for messages.
    pub file: String,
    /// Product code, `Dbs`.
    pub product: String,
    /// API version, `2019-03-06`.
    pub version: String,
    /// API style, `RPC`.
    pub style: String,
    /// Default protocol, `HTTPS`.
    pub protocol: String,
    /// Reference page of the API.
    pub documentation: String,
    /// What the service is, for the generated docs.
    pub description: String,
    /// Region ID → endpoint host, sorted by region ID.
    pub endpoints: Vec<(String, String)>,
    /// Errors any operation can return (the gateway's and the service's).
    pub errors: Vec<ErrorCode>,
    /// Facts a validator may know that requests do not carry.
    pub context: Vec<ContextFact>,
    /// Shapes shared by every operation, sorted by name; emitted once.
    pub shapes: Vec<Shape>,
}

/// A fact about the world that conditions can test, such as the backup plan's source engine.
#[derive(Clone, Debug)]
pub struct ContextFact {
    /// Where it is in `service.json`.
    pub at: Pointer,
    /// Spec name, `SourceDatabaseType`; also the Rust type name.
    pub name: String,
    /// Field name in `ValidationContext`, `source_database_type`.
    pub rust_name: String,
    /// What the fact is and where it comes from.
    pub description: String,
    /// The API field the fact is read from.
    pub source: String,
    /// The string parameter of the source operation naming the object the fact belongs to.
    pub source_key: Option<String>,
    /// The known values.
    pub values: Vec<EnumValue>,
}

/// One value of an enum or context fact.
#[derive(Clone, Debug)]
pub struct EnumValue {
    /// Where it is in its file.
    pub at: Pointer,
    /// The wire value, `RDS`.
    pub value: String,
    /// The Rust variant, `Rds`.
    pub variant: String,
    /// What the value means.
    pub description: String,
}

/// A documented error code.
#[derive(Clone, Debug)]
pub struct ErrorCode {
    /// Where it is in its file.
    pub at: Pointer,
    /// The wire code, `Request.Forbidden`.
    pub code: String,
    /// The Rust variant, `RequestForbidden`.
    pub variant: String,
    /// The HTTP status the reference gives.
    pub http_status: u16,
    /// The message the reference gives.
    pub message: String,
    /// When it happens and what to do.
    pub description: String,
    /// Whether a client may retry it.
    pub retryable: bool,
}

/// One operation file.
#[derive(Clone, Debug)]
pub struct Operation {
    /// The wire name, UpperCamelCase (`DescribeWidgets`).
    pub name: String,
    /// `describe_widgets`, the client method.
    pub rust_name: String,
    /// `describe-widgets`, the CLI subcommand.
    pub command: String,
    /// The spec file it came from, for messages.
    pub file: String,
    /// One line.
    pub summary: String,
    /// More detail, including which sources were followed.
    pub description: String,
    /// The API reference page.
    pub documentation: String,
    /// `<product>:<name>`, the RAM action.
    pub ram_action: String,
    /// `create`, `read`, `update`, …
    pub access_level: String,
    /// `POST`.
    pub method: String,
    /// Whether repeating the call is harmless without a token.
    pub idempotent: bool,
    /// Index into `params` of the idempotency token (`ClientToken`).
    pub idempotency_token: Option<usize>,
    /// The shapes its types can name: the service's (`shared`, in the service's order, so their
    /// indexes are the service's own), then its own enums, structures and lists, sorted by name:
    /// `shapes` is a JSON object, and serde_json (without its `preserve_order` feature, which
    /// would change dbs-api's maps too) keeps object keys sorted.
    pub shapes: Vec<Shape>,
    /// Request parameters, in spec order.
    pub params: Vec<Param>,
    /// Response fields, in spec order.
    pub response: Vec<Field>,
    /// Errors documented for this operation.
    pub errors: Vec<ErrorCode>,
    /// The official success example, one JSON object as text.
    pub example: Option<String>,
    /// How a list operation pages, for paginators.
    pub pagination: Option<Pagination>,
    /// Waiters: how to poll this operation until an object reaches a final state.
    pub waiters: Vec<Waiter>,
}

/// How to poll an operation until the object it lists reaches a final state.
#[derive(Clone, Debug)]
pub struct Waiter {
    /// Where it is in its file (`/waiters/0`).
    pub at: Pointer,
    /// The waiter's name (`RestoreTaskFinished`).
    pub name: String,
    /// What reaching the final state means.
    pub description: String,
    /// Wire name of the string parameter that names the object.
    pub input: String,
    /// Dotted path of response field names to the list of items.
    pub items: String,
    /// The item member holding the state.
    pub status: String,
    /// States that end the wait with the item.
    pub success: Vec<String>,
    /// States that end the wait with an error.
    pub failure: Vec<String>,
    /// The item member with the failure message.
    pub message: Option<String>,
    /// Integer item members that say how far the object is.
    pub progress: Vec<String>,
    /// The operation (name, string parameter) that explains a failure.
    pub explain: Option<(String, String)>,
    /// The first wait between polls, in milliseconds.
    pub delay_ms: u64,
    /// The longest wait between polls, in milliseconds.
    pub max_delay_ms: u64,
    /// How long to wait in all by default, in milliseconds.
    pub timeout_ms: u64,
}

/// How a list operation pages.
#[derive(Clone, Debug)]
pub struct Pagination {
    /// Where it is in its file (`/pagination`).
    pub at: Pointer,
    /// Wire name of the integer parameter of the page number.
    pub page_number: String,
    /// Wire name of the integer parameter of the page size.
    pub page_size: String,
    /// The number of the first page.
    pub first_page: i64,
    /// Top-level integer response field of the number of pages.
    pub total_pages: Option<String>,
    /// Top-level integer response field of the number of items.
    pub total_items: Option<String>,
    /// Dotted path of response field names to the list of items.
    pub items: String,
    /// A note for maintainers and docs.
    pub note: Option<String>,
}

/// A named type of an operation or of the service.
#[derive(Clone, Debug)]
pub struct Shape {
    /// Where it is in its file (`/shapes/<name>`).
    pub at: Pointer,
    /// Rust type name, `DestinationEndpointInstanceType`.
    pub name: String,
    /// What it is.
    pub description: String,
    /// Enum, structure or list.
    pub kind: ShapeKind,
    /// Declared in `service.json`: emitted once, with the service.
    pub shared: bool,
}

/// The three kinds of shape.
#[derive(Clone, Debug)]
pub enum ShapeKind {
    /// A closed set of string values (open in Rust through `Unknown`).
    Enum {
        /// The values.
        values: Vec<EnumValue>,
        /// Index of the value the service assumes when none is sent.
        default: Option<usize>,
    },
    /// A JSON object with named members.
    Structure {
        /// The members.
        members: Vec<Field>,
    },
    /// A JSON array.
    List {
        /// The element type: a scalar, an enum or a structure, never another list (`lower`
        /// refuses those, and every cycle of shapes, so a type's Rust spelling is finite).
        member: Type,
        /// The least number of elements.
        min_items: Option<u64>,
    },
}

/// A value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// UTF-8 text.
    String,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit signed integer, decoded exactly.
    Int64,
    /// `true` / `false`.
    Boolean,
    /// Index into the operation's `shapes`.
    Shape(usize),
}

/// A request parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// Where it is in its file (`/parameters/<index>`).
    pub at: Pointer,
    /// The wire name, exactly: `DestinationEndpointInstanceID`.
    pub wire: String,
    /// `destination_endpoint_instance_id`.
    pub rust: String,
    /// `destination-endpoint-instance-id`.
    pub flag: String,
    /// The value type.
    pub ty: Type,
    /// The unit of an integer (`ms-since-epoch`, `port`, …).
    pub unit: Option<String>,
    /// Inclusive bounds of an integer: its unit's, narrowed by its `range`.
    pub bounds: Bounds,
    /// A secret: redacted everywhere but the wire.
    pub sensitive: bool,
    /// When it must be present.
    pub required: Requirement,
    /// When it must be absent.
    pub forbidden: Option<Rule>,
    /// What it is.
    pub description: String,
    /// An example value from the reference.
    pub example: Option<String>,
}

/// A conditional rule: a parameter that must be absent when the condition holds.
#[derive(Clone, Debug)]
pub struct Rule {
    /// A short rule ID such as `R2`.
    pub id: Option<String>,
    /// The condition.
    pub condition: Condition,
    /// The reference's own words, when they say more than the condition.
    pub note: Option<String>,
}

/// Inclusive bounds of an integer parameter. `None` is the type's own bound: nothing to check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bounds {
    /// The least value.
    pub min: Option<i64>,
    /// The greatest value.
    pub max: Option<i64>,
}

impl Bounds {
    /// Whether there is a bound to check.
    pub fn is_some(&self) -> bool {
        self.min.is_some() || self.max.is_some()
    }
}

/// A response field or structure member.
#[derive(Clone, Debug)]
pub struct Field {
    /// Where it is in its file.
    pub at: Pointer,
    /// The wire name.
    pub wire: String,
    /// The Rust name.
    pub rust: String,
    /// The value type: a scalar or a shape.
    pub ty: Type,
    /// The unit of an integer (`ms-since-epoch`, …).
    pub unit: Option<String>,
    /// Structure members only: always present.
    pub required: bool,
    /// What it is.
    pub description: String,
    /// An example value.
    pub example: Option<String>,
}

/// When a parameter must be present.
#[derive(Clone, Debug)]
pub enum Requirement {
    /// Always.
    Always,
    /// Never required.
    Never,
    /// When the condition holds.
    When {
        /// A short rule ID such as `R1`.
        id: Option<String>,
        /// The condition.
        condition: Condition,
        /// The reference's own words, when they say more than the condition.
        note: Option<String>,
    },
}

/// A declarative condition, evaluated with three values: true, false, unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// The enum parameter's value is one of `values`.
    Param {
        /// Index into `params`.
        param: usize,
        /// Indexes into the parameter's enum values.
        values: Vec<usize>,
    },
    /// The boolean parameter's value is `value`.
    Bool {
        /// Index into `params`.
        param: usize,
        /// The value tested.
        value: bool,
    },
    /// The parameter has a value.
    Present {
        /// Index into `params`.
        param: usize,
    },
    /// The context fact is one of `values`.
    Context {
        /// Index into the service's context facts.
        fact: usize,
        /// Indexes into the fact's values.
        values: Vec<usize>,
    },
    /// All hold.
    All(Vec<Condition>),
    /// At least one holds.
    Any(Vec<Condition>),
    /// Does not hold.
    Not(Box<Condition>),
}

impl Operation {
    /// The shape a `Type::Shape` points at.
    pub fn shape(&self, index: usize) -> &Shape {
        &self.shapes[index]
    }
}

impl Spec {
    /// Whether any condition of the operation needs a context fact.
    pub fn uses_context(condition: &Condition) -> bool {
        match condition {
            Condition::Param { .. } | Condition::Bool { .. } | Condition::Present { .. } => false,
            Condition::Context { .. } => true,
            Condition::All(all) | Condition::Any(all) => all.iter().any(Self::uses_context),
            Condition::Not(inner) => Self::uses_context(inner),
        }
    }
}

/// Which of `shapes` the types `from` contain, at any depth (the types themselves included).
pub fn reached(shapes: &[Shape], from: impl IntoIterator<Item = Type>) -> Vec<bool> {
    let mut seen = vec![false; shapes.len()];
    let mut stack: Vec<usize> = from
        .into_iter()
        .filter_map(|ty| match ty {
            Type::Shape(i) => Some(i),
            _ => None,
        })
        .collect();
    while let Some(i) = stack.pop() {
        if seen[i] {
            continue;
        }
        seen[i] = true;
        match &shapes[i].kind {
            ShapeKind::Structure { members } => {
                stack.extend(members.iter().filter_map(|m| match m.ty {
                    Type::Shape(j) => Some(j),
                    _ => None,
                }));
            }
            ShapeKind::List {
                member: Type::Shape(j),
                ..
            } => stack.push(*j),
            _ => {}
        }
    }
    seen
}
