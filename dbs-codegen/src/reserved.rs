//! Names that the runtime, the generated code and the CLI already use, so a spec must not claim
//! them. `check` rejects a spec that would, instead of generating code that does not compile, a
//! method that silently shadows another, or a CLI that panics when it builds its flags.
//!
//! Each list says where its names come from. **When you add a method to one of those types, a
//! global flag or subcommand to the CLI, or a common parameter to the signer, add it here too**:
//! tests in dbs-api (`tests/reserved_names.rs`) and dbs-cli (`cli::tests`) compare these lists
//! with the real client, signer and command and name what is missing, and the tests in
//! `tests/errors.rs` check that every name listed here is rejected.

/// Methods of `dbs_api::Client`: every method of an inherent `impl Client` in dbs-api/src (its
/// public API; the private helpers live on `client::Inner` or are free functions, so they reserve
/// nothing), and `clone`, `clone_from` and `fmt` of its `Clone` and `Debug` impls, which an
/// inherent method would shadow. Each operation adds a client method named after it
/// (`describe_widgets`). dbs-api's `tests/reserved_names.rs` checks this list against the
/// source.
pub const CLIENT_METHODS: &[&str] = &[
    // client/mod.rs
    "builder",
    "from_env",
    "endpoint",
    // client/request.rs
    "call",
    "call_all_pages",
    "dry_run",
    // plan_context.rs
    "validation_context_for",
    // waiter.rs
    "wait_until",
    // derived and implemented traits
    "clone",
    "clone_from",
    "fmt",
];

/// Methods of `dbs_api::RequestBuilder<'_, I>` for every `I` (dbs-api/src/client/request.rs;
/// `new` and `map_input` are hidden but public, for the generated code) and `fmt` of its `Debug`
/// impl. Each parameter adds a setter to it. dbs-api's `tests/reserved_names.rs` checks this list
/// against the source.
pub const REQUEST_BUILDER_METHODS: &[&str] = &[
    "new",
    "map_input",
    "input",
    "attempt_timeout",
    "operation_timeout",
    "retry_config",
    "signature_version",
    "validation_context",
    "send",
    "dry_run",
    "into_paginator",
    "fmt",
];

/// Methods of the generated `<Operation>InputBuilder` (expand/input.rs: `build`, and the derived
/// `Clone`, `Debug` and `Default`). Each parameter adds a setter to it; a setter `default` would
/// also break the generated `<Operation>Input::builder()`, which calls `<builder>::default()`.
pub const INPUT_BUILDER_METHODS: &[&str] = &["build", "default", "clone", "clone_from", "fmt"];

/// Methods of the generated `<Operation>Input` (expand/input.rs) and of the `Operation` trait it
/// implements (dbs-api/src/operation.rs). Each parameter is a field of the input: Rust keeps fields
/// and methods apart, so this compiles, but `input.validate` beside `input.validate(..)` would read
/// as a mistake and the emulator and CLI call these methods by name.
pub const INPUT_METHODS: &[&str] = &[
    "builder",
    "validate",
    "to_wire_params",
    "from_wire_params",
    "from_wire_params_partial",
    "from_builder",
    // dbs-api/src/paginator.rs `Paged`, implemented by paged inputs.
    "with_page_number",
    "first_page_asked",
    "page_size_asked",
    "total_pages",
    "total_items",
    "item_count",
    "into_items",
];

/// Every method a parameter's Rust name becomes a setter or field beside.
pub fn parameter_methods() -> impl Iterator<Item = &'static str> {
    REQUEST_BUILDER_METHODS
        .iter()
        .chain(INPUT_BUILDER_METHODS)
        .chain(INPUT_METHODS)
        .copied()
}

/// Methods of a generated structure shape (expand/types.rs `structure`): the constructor `new`
/// and the methods of its derived `Clone`, `Debug`, `Default` and `PartialEq`, which a member's
/// setter would shadow (`RestoreObject::default()` would stop compiling). Each optional member
/// adds a setter.
pub const STRUCTURE_METHODS: &[&str] =
    &["new", "default", "clone", "clone_from", "fmt", "eq", "ne"];

/// Type names at the root of dbs-api besides the generated ones (the `pub use`s of
/// dbs-api/src/lib.rs, which would hide a generated type of the same name there) and the
/// service-wide generated type `ValidationContext` (expand/service.rs).
pub const RUNTIME_TYPES: &[&str] = &[
    "Client",
    "ClientBuilder",
    // Generated once from the service's error table (expand/errors.rs), not per operation.
    "CommonErrorCode",
    "ContextFactMeta",
    "Credentials",
    "Error",
    "ErrorCode",
    "ErrorEntry",
    "Operation",
    "OperationMeta",
    "Paged",
    "Pagination",
    "Paginator",
    "ParamKind",
    "ParamMeta",
    "PreparedRequest",
    "Redactor",
    "RequestBuilder",
    "RetryConfig",
    "Sensitive",
    "ServiceError",
    "SignatureVersion",
    "ValidationContext",
    "ValidationError",
    "Violation",
    "Wait",
    "WaitJson",
    "Waiter",
    "WaiterExplain",
    "WaiterSpec",
    "WireParam",
];

/// The types each operation adds, by suffix of its name (expand/input.rs, output.rs, client.rs).
pub const OPERATION_TYPE_SUFFIXES: &[&str] =
    &["Input", "InputBuilder", "Output", "ErrorCode", "Request"];

/// The variant in which every generated enum keeps values it does not know (expand/types.rs
/// `open_enum`); no enum value or error code may become it.
pub const UNKNOWN_VARIANT: &str = "Unknown";

/// The variant through which each `<Operation>ErrorCode` reaches the service-wide codes
/// (expand/errors.rs); no error code may become it.
pub const COMMON_VARIANT: &str = "Common";

/// Long flags of the `dbs` CLI that every subcommand has: the global options of
/// dbs-cli/src/cli.rs `global_args`, and clap's own `--help` and `--version`. A parameter's flag
/// (and its wire name, a hidden alias) must not be one: clap panics on a duplicate flag. The
/// global options the CLI makes of the spec's context facts (`--source-database-type`) are not
/// listed: `check` derives them from the spec. A test in dbs-cli (`cli::tests`) checks this list
/// against the real command.
pub const CLI_GLOBAL_FLAGS: &[&str] = &[
    "endpoint",
    "region-id",
    "profile",
    "signature",
    "emulator",
    "dry-run",
    "connect-timeout",
    "read-timeout",
    "operation-timeout",
    "max-attempts",
    "pager",
    "output",
    "columns",
    "query",
    "verbose",
    "help",
    "version",
];

/// Subcommands of the `dbs` CLI besides the operations': `emulator` (dbs-cli/src/cli.rs
/// `EMULATOR_COMMAND`), `restore` (dbs-cli/src/restore.rs `COMMAND`) and clap's `help`.
pub const CLI_COMMANDS: &[&str] = &["emulator", "help", "restore", "wait"];

/// Parameters the runtime itself sends with every request (dbs-api/src/signing/mod.rs
/// `COMMON_PARAMETERS`, which `sign_v1` sends; the V3 signer sends the same facts as headers).
/// dbs-codegen cannot depend on dbs-api, so this is a copy: dbs-api's `tests/reserved_names.rs`
/// checks that the two are equal. A spec parameter of the same name would be
/// sent twice or override the signer's. `RegionId` is not here: it is a real parameter of some
/// Alibaba Cloud operations.
pub const COMMON_PARAMETERS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Signature",
    "SecurityToken",
];
