//! What the runtime knows about an operation: the trait generated inputs implement, and the
//! registry entries code that works from names (the CLI, the emulator) reads.

use std::fmt;

use crate::ValidationContext;
use crate::params::ParamSpec;
use crate::validation::ValidationError;
use crate::wire::WireParam;

/// An operation's input: generated for each operation of the spec.
pub trait Operation: Clone + fmt::Debug + Default + Send + Sync + 'static {
    /// The input's builder.
    type Builder: Clone + fmt::Debug + Default + Send;
    /// The typed response.
    type Output: serde::de::DeserializeOwned + Send;
    /// The codes the operation can fail with, from the spec's error table.
    type ErrorCode: crate::ErrorCode;
    /// The `Action` name, `CreateRestoreTask`.
    const ACTION: &'static str;
    /// The API reference page.
    const DOCUMENTATION: &'static str;
    /// The wire name of the idempotency token parameter (`ClientToken`), if the operation has one.
    const IDEMPOTENCY_TOKEN: Option<&'static str>;
    /// Whether repeating the call is harmless even without a token.
    const IDEMPOTENT: bool;

    /// Finishes a builder.
    fn from_builder(builder: Self::Builder) -> Self;
    /// Checks the spec's rules.
    fn validate(&self, context: &ValidationContext) -> Result<(), ValidationError>;
    /// The parameters to send.
    fn to_wire_params(&self) -> Vec<WireParam>;
}

/// The kind of a parameter's value, for code that works from names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamKind {
    /// Text.
    String,
    /// A 32-bit integer.
    Int32,
    /// A 64-bit integer.
    Int64,
    /// `true` or `false`.
    Boolean,
    /// One of the listed values.
    Enum(&'static [&'static str]),
    /// A JSON-encoded structure or list.
    Json,
}

/// Facts about one parameter, from the spec.
///
/// The facts the input's validator and serializer also need (wire name, kind, requirement,
/// bounds, unit, sensitivity) live once, in the input's `PARAMS` table, and are read through
/// the methods below; this row adds what only code working from names needs.
#[derive(Clone, Copy, Debug)]
pub struct ParamMeta {
    /// The parameter's row in its input's `PARAMS` table.
    pub spec: &'static ParamSpec,
    /// CLI flag, `backup-plan-id`.
    pub flag: &'static str,
    /// What it is.
    pub description: &'static str,
    /// An example value.
    pub example: Option<&'static str>,
    /// The context facts its requirement depends on ([`ContextFactMeta::name`], in the order
    /// the condition names them, each once): `["SourceDatabaseType"]`.
    pub context: &'static [&'static str],
}

impl ParamMeta {
    /// Wire name, `BackupPlanId`.
    pub const fn name(&self) -> &'static str {
        self.spec.wire
    }

    /// Value kind.
    pub const fn kind(&self) -> ParamKind {
        self.spec.kind
    }

    /// `required`, `optional`, or the condition in words.
    pub const fn requirement(&self) -> &'static str {
        self.spec.rule
    }

    /// The unit of an integer, in words.
    pub const fn unit(&self) -> Option<&'static str> {
        self.spec.unit
    }

    /// A secret.
    pub const fn sensitive(&self) -> bool {
        self.spec.sensitive
    }

    /// The least value of an integer (its unit's, narrowed by the spec's range), if bounded.
    pub const fn min(&self) -> Option<i64> {
        self.spec.min
    }

    /// The greatest value of an integer, if bounded.
    pub const fn max(&self) -> Option<i64> {
        self.spec.max
    }
}

/// Sets a context fact on a [`ValidationContext`] from its wire value (a value the spec does not
/// list is kept as the fact's `Unknown`).
pub type SetFactFn = fn(&mut ValidationContext, &str);

/// Facts about one context fact: something a validator may know that requests do not carry,
/// such as the backup plan's engine, from the spec's `context`.
#[derive(Clone, Copy)]
pub struct ContextFactMeta {
    /// Spec name, `SourceDatabaseType`; the name [`ParamMeta::context`] lists.
    pub name: &'static str,
    /// CLI flag, `source-database-type`.
    pub flag: &'static str,
    /// What it is and where it comes from.
    pub description: &'static str,
    /// The API field it is read from, `DescribeBackupPlanList.Items.BackupPlanDetail.DatabaseType`.
    pub source: &'static str,
    /// The string parameter of the source operation that names the object the fact belongs to
    /// (`BackupPlanId`), when the spec says: [`Client::validation_context_for`](crate::Client::validation_context_for)
    /// fetches the fact with it.
    pub source_key: Option<&'static str>,
    /// The last part of `source`, the field of the record that holds it: `DatabaseType`.
    pub field: &'static str,
    /// The values the spec knows, in spec order.
    pub values: &'static [&'static str],
    /// Sets it on a context.
    pub set: SetFactFn,
}

impl fmt::Debug for ContextFactMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextFactMeta")
            .field("name", &self.name)
            .field("source", &self.source)
            .field("values", &self.values)
            .finish_non_exhaustive()
    }
}

/// Reads wire pairs, validates them with the context, and returns the parameters to send.
pub type PrepareFn =
    fn(&[(String, String)], &ValidationContext) -> Result<Vec<WireParam>, ValidationError>;

/// Decodes a successful response's JSON into the typed output, returned as JSON again.
pub type DecodeOutputFn = fn(&serde_json::Value) -> Result<serde_json::Value, serde_json::Error>;

/// Facts about one operation, from the spec.
#[derive(Clone, Copy)]
pub struct OperationMeta {
    /// `CreateRestoreTask`.
    pub name: &'static str,
    /// `create-restore-task`.
    pub command: &'static str,
    /// One line.
    pub summary: &'static str,
    /// The API reference page.
    pub documentation: &'static str,
    /// The RAM action that authorizes it, `dbs:CreateRestoreTask`.
    pub ram_action: &'static str,
    /// The idempotency token's wire name.
    pub idempotency_token: Option<&'static str>,
    /// Whether repeating the call is harmless even without a token (the spec's `idempotent`).
    pub idempotent: bool,
    /// The parameters, in spec order.
    pub params: &'static [ParamMeta],
    /// Whether a service error code is worth retrying, per the operation's error table.
    pub retryable_code: fn(&str) -> bool,
    /// Parses and validates wire pairs with the generated input type.
    pub prepare: PrepareFn,
    /// Decodes a response with the generated output type.
    pub decode_output: DecodeOutputFn,
    /// The official success example (one JSON object as text), when the spec has one.
    pub example: Option<&'static str>,
    /// How the operation pages, when it is a list operation.
    pub pagination: Option<&'static Pagination>,
}

/// How a list operation pages, as the spec's `pagination` states it; paginators read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pagination {
    /// Wire name of the integer parameter of the page number, `PageNum`.
    pub page_number: &'static str,
    /// Wire name of the integer parameter of the page size, `PageSize`.
    pub page_size: &'static str,
    /// The number of the first page (`0` or `1`).
    pub first_page: i64,
    /// Top-level integer response field of the number of pages, `TotalPages`.
    pub total_pages: Option<&'static str>,
    /// Top-level integer response field of the number of items, `TotalElements`.
    pub total_items: Option<&'static str>,
    /// Dotted path of response field names to the list of items, `Items.RestoreTaskDetail`.
    pub items: &'static str,
    /// How the service pages, in words, when the spec says more.
    pub note: Option<&'static str>,
}

impl fmt::Debug for OperationMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperationMeta")
            .field("name", &self.name)
            .field("params", &self.params.len())
            .finish_non_exhaustive()
    }
}

impl OperationMeta {
    /// The official success example of the response (one JSON object as text), so an emulator
    /// can answer operations it has no behaviour for.
    pub fn example_response(&self) -> Option<&'static str> {
        self.example
    }

    /// Whether any parameter's requirement depends on the context fact `name`.
    pub fn uses_context_fact(&self, name: &str) -> bool {
        self.params.iter().any(|p| p.context.contains(&name))
    }
}
