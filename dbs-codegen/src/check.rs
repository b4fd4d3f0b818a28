//! Rules run on what lowered: the names the spec makes for Rust, the CLI and the wire must be
//! usable, must not collide with each other, and must not collide with the names the runtime, the
//! generated code and the CLI already use ([`reserved`](crate::reserved)); and the facts the
//! generated code relies on must hold (rules that can be met, examples it can read, pagination
//! it can follow, types rustc can compile).
//!
//! Each rule is one function, with a comment saying what would break without it. A rule sees only
//! items that lowered; the items remember their file and JSON pointer for the message. Every
//! namespace is a hash map, so checking stays linear in the size of the spec.

use std::collections::{HashMap, HashSet};

use crate::error::{Ctxt, Pointer};
use crate::model::{
    Condition, EnumValue, ErrorCode, Field, Operation, Requirement, Service, ShapeKind, Type,
    reached,
};
use crate::{names, reserved};

/// Runs every rule. `service` is `None` when it did not lower (already reported): the rules on the
/// operations still run, with no service-wide names to collide with.
pub(crate) fn check(cx: &mut Ctxt, service: Option<&Service>, ops: &[Operation]) {
    if let Some(service) = service {
        check_endpoint_hosts(cx, service);
        check_context_fields(cx, service);
        check_context_flags(cx, service);
        for fact in &service.context {
            check_enum_values(cx, &service.file, &fact.values);
        }
        check_error_codes(cx, &service.file, &service.errors);
        for shape in &service.shapes {
            match &shape.kind {
                ShapeKind::Enum { values, .. } => check_enum_values(cx, &service.file, values),
                ShapeKind::Structure { members } => {
                    for m in members {
                        if let Some(problem) = names::identifier_problem(&m.rust) {
                            let message =
                                format!("member `{}` gives no usable Rust name: {problem}", m.wire);
                            cx.error(&service.file, &m.at.at("name"), message);
                        }
                    }
                    check_fields(cx, &service.file, "member", members);
                    check_members_of(cx, &service.file, shape, members);
                }
                ShapeKind::List { .. } => {}
            }
        }
    }
    for op in ops {
        check_derived_identifiers(cx, op);
        for shape in op.shapes.iter().filter(|s| !s.shared) {
            if let ShapeKind::Enum { values, .. } = &shape.kind {
                check_enum_values(cx, &op.file, values);
            }
        }
        check_error_codes(cx, &op.file, &op.errors);
        check_merged_error_variants(cx, service, op);
        check_parameter_namespaces(cx, op);
        check_parameter_methods(cx, op);
        check_parameter_flags(cx, service, op);
        check_common_parameters(cx, op);
        check_idempotency_token(cx, op);
        check_structure_members(cx, op);
        check_structure_methods(cx, op);
        check_response_fields(cx, op);
        check_example(cx, op);
        check_pagination(cx, op);
        check_waiters(cx, op, ops);
        check_parameter_rules(cx, op);
        check_parameter_examples(cx, op);
    }
    check_operation_namespaces(cx, ops);
    check_client_methods(cx, ops);
    check_cli_commands(cx, ops);
    check_type_names(cx, service, ops);
    check_structure_sides(cx, service, ops);
    if let Some(service) = service {
        check_context_sources(cx, service, ops);
    }
    if let Some(service) = service {
        check_nesting(cx, &service.file, &service.shapes, false);
    }
    for op in ops {
        check_nesting(cx, &op.file, &op.shapes, true);
    }
}

/// The most shapes one generated type may nest, counting itself.
const MAX_NESTING: usize = 16;

// rustc proves auto traits (`Send`, `Sync`) of a type through every type it holds, within its
// recursion limit (128 steps, two per level here: the structure, then `Option`/`Vec`): a type
// nesting some 60 shapes deep fails to compile where the client needs its output to be `Send`.
// The bound is well below that and well above any real response (3 or 4 levels).
fn check_nesting(cx: &mut Ctxt, file: &str, shapes: &[crate::model::Shape], own_only: bool) {
    let children = |shape: &crate::model::Shape| -> Vec<(usize, Pointer)> {
        match &shape.kind {
            ShapeKind::Structure { members } => members
                .iter()
                .filter_map(|m| match m.ty {
                    Type::Shape(i) => Some((i, m.at.at("type"))),
                    _ => None,
                })
                .collect(),
            ShapeKind::List {
                member: Type::Shape(i),
                ..
            } => vec![(*i, shape.at.at("member"))],
            _ => Vec::new(),
        }
    };
    // Depths from the leaves up (`lower` has cut every cycle), without recursion: a spec may
    // nest thousands of shapes.
    let edges: Vec<Vec<(usize, Pointer)>> = shapes.iter().map(children).collect();
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); shapes.len()];
    let mut waiting: Vec<usize> = edges.iter().map(Vec::len).collect();
    for (i, children) in edges.iter().enumerate() {
        for (c, _) in children {
            parents[*c].push(i);
        }
    }
    let mut depth = vec![1usize; shapes.len()];
    let mut ready: Vec<usize> = (0..shapes.len()).filter(|&i| waiting[i] == 0).collect();
    while let Some(i) = ready.pop() {
        depth[i] = 1 + edges[i].iter().map(|(c, _)| depth[*c]).max().unwrap_or(0);
        for &p in &parents[i] {
            waiting[p] -= 1;
            if waiting[p] == 0 {
                ready.push(p);
            }
        }
    }
    // One error per chain: at the shape one level past the bound, at the member that deepens it.
    for (i, shape) in shapes.iter().enumerate() {
        if depth[i] != MAX_NESTING + 1 || (own_only && shape.shared) {
            continue;
        }
        let Some((_, at)) = edges[i].iter().find(|(c, _)| depth[*c] == MAX_NESTING) else {
            continue;
        };
        cx.error(
            file,
            at,
            format!(
                "`{}` nests {} shapes deep; a generated type nests at most {MAX_NESTING} (rustc cannot prove deeper types `Send`)",
                shape.name,
                MAX_NESTING + 1
            ),
        );
    }
}

// A structure read from a response is lenient (every member optional, unknown members ignored);
// one sent in a request is strict (required members are values, unknown members refused). One
// Rust type cannot be both.
fn check_structure_sides(cx: &mut Ctxt, service: Option<&Service>, ops: &[Operation]) {
    let both = |shape: &crate::model::Shape| {
        format!(
            "structure `{}` is used by a request parameter and by a response; a response structure reads leniently and a request one strictly, so declare one of each",
            shape.name
        )
    };
    let shared = service.map_or(0, |s| s.shapes.len());
    let mut shared_read = vec![false; shared];
    let mut shared_sent = vec![false; shared];
    for op in ops {
        let read = reached(&op.shapes, op.response.iter().map(|f| f.ty));
        let sent = reached(&op.shapes, op.params.iter().map(|p| p.ty));
        for (i, shape) in op.shapes.iter().enumerate() {
            if shape.shared && i < shared {
                shared_read[i] |= read[i];
                shared_sent[i] |= sent[i];
            } else if read[i] && sent[i] && matches!(shape.kind, ShapeKind::Structure { .. }) {
                cx.error(&op.file, &shape.at, both(shape));
            }
        }
    }
    if let Some(service) = service {
        for (i, shape) in service.shapes.iter().enumerate() {
            if shared_read[i] && shared_sent[i] && matches!(shape.kind, ShapeKind::Structure { .. })
            {
                cx.error(&service.file, &shape.at, both(shape));
            }
        }
    }
}

// ---- derived identifiers ----

// Field, setter and method names are derived from wire names (`DBName` → `db_name`); the emitter
// turns them into `Ident`s, and `Ident::new` panics on a name that is not an identifier (`!!!`
// derives the empty name). Variants of enum values and error codes are checked with them, in
// `check_enum_values` and `check_error_codes`.
fn check_derived_identifiers(cx: &mut Ctxt, op: &Operation) {
    let params = op
        .params
        .iter()
        .map(|p| ("parameter", &p.wire, &p.rust, &p.at));
    let members = op
        .shapes
        .iter()
        .filter(|s| !s.shared)
        .flat_map(|shape| match &shape.kind {
            ShapeKind::Structure { members } => members.as_slice(),
            _ => &[],
        });
    let members = members.map(|m| ("member", &m.wire, &m.rust, &m.at));
    let fields = op
        .response
        .iter()
        .map(|f| ("response field", &f.wire, &f.rust, &f.at));
    for (what, wire, rust, at) in params.chain(members).chain(fields) {
        if let Some(problem) = names::identifier_problem(rust) {
            cx.error(
                &op.file,
                &at.at("name"),
                format!("{what} `{wire}` gives no usable Rust name: {problem}"),
            );
        }
    }
}

// ---- enums and error codes ----

// Each value becomes a variant (`RDS` → `Rds`), so it must give an identifier other than the
// catch-all `Unknown`. `from_wire` matches values without regard to ASCII case, so two values
// that differ only in case could not both be read back; and two values that become the same
// variant (`Foo.Bar`, `FooBar`) would define it twice.
fn check_enum_values(cx: &mut Ctxt, file: &str, values: &[EnumValue]) {
    let mut wires: HashMap<String, &EnumValue> = HashMap::new();
    let mut variants: HashMap<&str, &EnumValue> = HashMap::new();
    for value in values {
        let at = value.at.at("value");
        if let Some(problem) = names::identifier_problem(&value.variant) {
            cx.error(
                file,
                &at,
                format!(
                    "value `{}` gives no usable Rust variant: {problem}",
                    value.value
                ),
            );
            continue;
        }
        if value.variant == reserved::UNKNOWN_VARIANT {
            cx.error(file, &at, unknown_variant("value", &value.value));
            continue;
        }
        if let Some(first) = wires.get(&value.value.to_ascii_lowercase()) {
            let message = format!(
                "value `{}` duplicates `{}` (at {}): values are matched without regard to ASCII case",
                value.value, first.value, first.at
            );
            cx.error(file, &at, message);
            continue;
        }
        wires.insert(value.value.to_ascii_lowercase(), value);
        if let Some(first) = variants.insert(&value.variant, value) {
            let message = format!(
                "values `{}` (at {}) and `{}` both become the Rust variant `{}`",
                first.value, first.at, value.value, value.variant
            );
            cx.error(file, &at, message);
        }
    }
}

fn unknown_variant(what: &str, wire: &str) -> String {
    format!(
        "{what} `{wire}` becomes the Rust variant `{}`, which every generated enum keeps for values it does not know",
        reserved::UNKNOWN_VARIANT
    )
}

// Each code becomes a variant of `<Operation>ErrorCode` (`Forbidden.RAM` → `ForbiddenRam`), so it
// must give an identifier other than the catch-all `Unknown`; within one file a code must be
// listed once and two codes must not become the same variant.
fn check_error_codes(cx: &mut Ctxt, file: &str, errors: &[ErrorCode]) {
    let mut codes: HashMap<&str, &ErrorCode> = HashMap::new();
    let mut variants: HashMap<&str, &ErrorCode> = HashMap::new();
    for error in errors {
        let at = error.at.at("code");
        if let Some(problem) = names::identifier_problem(&error.variant) {
            cx.error(
                file,
                &at,
                format!(
                    "error code `{}` gives no usable Rust variant: {problem}",
                    error.code
                ),
            );
            continue;
        }
        if error.variant == reserved::UNKNOWN_VARIANT {
            cx.error(file, &at, unknown_variant("error code", &error.code));
            continue;
        }
        if error.variant == reserved::COMMON_VARIANT {
            let message = format!(
                "error code `{}` becomes the Rust variant `{}`, which each operation's error enum \
                 keeps for the service-wide codes",
                error.code,
                reserved::COMMON_VARIANT
            );
            cx.error(file, &at, message);
            continue;
        }
        if let Some(first) = codes.insert(&error.code, error) {
            let message = format!(
                "duplicate error code `{}` (first at {})",
                error.code, first.at
            );
            cx.error(file, &at, message);
            continue;
        }
        if let Some(first) = variants.insert(&error.variant, error) {
            let message = format!(
                "error codes `{}` (at {}) and `{}` both become the Rust variant `{}`",
                first.code, first.at, error.code, error.variant
            );
            cx.error(file, &at, message);
        }
    }
}

// `<Operation>ErrorCode` has the operation's codes and then the service's (an operation's code
// replaces the service's code of the same name), so an operation's code must not become the
// variant of a different service code. Clashes within one file, and variants that are not usable
// at all, are `check_error_codes`'s.
fn check_merged_error_variants(cx: &mut Ctxt, service: Option<&Service>, op: &Operation) {
    let Some(service) = service else {
        return;
    };
    let usable =
        |e: &&ErrorCode| names::is_identifier(&e.variant) && e.variant != reserved::UNKNOWN_VARIANT;
    let own: HashSet<&str> = op.errors.iter().map(|e| e.code.as_str()).collect();
    let shared: HashMap<&str, &ErrorCode> = service
        .errors
        .iter()
        .filter(usable)
        .filter(|e| !own.contains(e.code.as_str()))
        .map(|e| (e.variant.as_str(), e))
        .collect();
    for error in op.errors.iter().filter(usable) {
        if let Some(common) = shared.get(error.variant.as_str()) {
            let message = format!(
                "error code `{}` becomes the Rust variant `{}`, as the service's code `{}` ({} {}) does",
                error.code, error.variant, common.code, service.file, common.at
            );
            cx.error(&op.file, &error.at.at("code"), message);
        }
    }
}

// ---- parameters ----

// A parameter's Rust name is a field of the input and a setter on two builders, and its flag is a
// CLI option (`--db-name`): wire names that differ only in case or punctuation (`DBName`,
// `DbName`) would define both twice. (Equal wire names are `lower`'s: conditions name them; names
// that are not identifiers at all are `check_derived_identifiers`'s.)
fn check_parameter_namespaces(cx: &mut Ctxt, op: &Operation) {
    let mut rust: HashMap<&str, &crate::model::Param> = HashMap::new();
    let mut flags: HashMap<&str, &crate::model::Param> = HashMap::new();
    for p in op.params.iter().filter(|p| names::is_identifier(&p.rust)) {
        if let Some(first) = rust.insert(&p.rust, p) {
            let message = format!(
                "parameters `{}` (at {}) and `{}` both become the Rust name `{}`",
                first.wire, first.at, p.wire, p.rust
            );
            cx.error(&op.file, &p.at.at("name"), message);
        } else if let Some(first) = flags.insert(&p.flag, p) {
            let message = format!(
                "parameters `{}` (at {}) and `{}` both become the CLI flag `--{}`",
                first.wire, first.at, p.wire, p.flag
            );
            cx.error(&op.file, &p.at.at("name"), message);
        }
    }
}

// Each parameter adds a setter to `RequestBuilder` and to `<Operation>InputBuilder`, which have
// methods of their own (`send`, `build`, …): a setter of the same name does not compile, or
// silently replaces the method. The input's own methods are kept apart from its fields too.
fn check_parameter_methods(cx: &mut Ctxt, op: &Operation) {
    for p in &op.params {
        let owner = if reserved::REQUEST_BUILDER_METHODS.contains(&p.rust.as_str()) {
            "the request builder (`RequestBuilder`)".to_owned()
        } else if reserved::INPUT_BUILDER_METHODS.contains(&p.rust.as_str()) {
            format!("`{}InputBuilder`", op.name)
        } else if reserved::INPUT_METHODS.contains(&p.rust.as_str()) {
            format!("`{}Input`", op.name)
        } else {
            continue;
        };
        let message = format!(
            "parameter `{}` becomes the setter `{}`, which {owner} already has as a method",
            p.wire, p.rust
        );
        cx.error(&op.file, &p.at.at("name"), message);
    }
}

// Every subcommand of the `dbs` CLI has the global options, and one more per context fact
// (`--source-database-type`); a parameter flag (or its wire name, accepted as a hidden alias) of
// the same name makes clap panic when it builds the command.
fn check_parameter_flags(cx: &mut Ctxt, service: Option<&Service>, op: &Operation) {
    let facts = service.map_or(&[][..], |s| s.context.as_slice());
    for p in &op.params {
        let clash = if reserved::CLI_GLOBAL_FLAGS.contains(&p.flag.as_str()) {
            "a global option of the `dbs` CLI".to_owned()
        } else if let Some(fact) = facts
            .iter()
            .find(|fact| names::kebab_case(&fact.name) == p.flag)
        {
            format!(
                "the `dbs` CLI's global option for the context fact `{}`",
                fact.name
            )
        } else {
            continue;
        };
        let message = format!(
            "parameter `{}` becomes the CLI flag `--{}`, which is {clash}",
            p.wire, p.flag
        );
        cx.error(&op.file, &p.at.at("name"), message);
    }
}

// The `dbs` CLI makes a global option of each context fact (`SourceDatabaseType` →
// `--source-database-type`): one named like its own global options makes clap panic.
fn check_context_flags(cx: &mut Ctxt, service: &Service) {
    for fact in &service.context {
        let flag = names::kebab_case(&fact.name);
        if reserved::CLI_GLOBAL_FLAGS.contains(&flag.as_str()) {
            let message = format!(
                "context fact `{}` becomes the CLI flag `--{flag}`, which is a global option of the `dbs` CLI",
                fact.name
            );
            cx.error(&service.file, &fact.at.at("name"), message);
        }
    }
}

// The client sends the common parameters (`Action`, `Signature`, …) itself; an operation
// parameter of the same name would be sent twice or override the signer's. Matched without regard
// to case, since a name differing only in case is still a mistake.
fn check_common_parameters(cx: &mut Ctxt, op: &Operation) {
    for p in &op.params {
        if let Some(common) = reserved::COMMON_PARAMETERS
            .iter()
            .find(|common| common.eq_ignore_ascii_case(&p.wire))
        {
            let message = format!(
                "parameter `{}` is the common parameter `{common}`, which the client sends itself",
                p.wire
            );
            cx.error(&op.file, &p.at.at("name"), message);
        }
    }
}

// The client makes up the token when the caller sets none and sends it as a plain value, shown in
// dry runs so a retried call can be matched: a secret cannot be both redacted and shown.
fn check_idempotency_token(cx: &mut Ctxt, op: &Operation) {
    if let Some(token) = op.idempotency_token.map(|i| &op.params[i])
        && token.sensitive
    {
        let message = format!(
            "idempotency token `{}` is a sensitive parameter; the client generates tokens and shows them in dry runs",
            token.wire
        );
        cx.error(&op.file, &Pointer::root().at("idempotency_token"), message);
    }
}

// ---- structures and responses ----

// A member is a JSON key and a field of the structure, and an optional member a setter too: two
// members with one wire name, or with one Rust name (`DBName`, `DbName`), are ambiguous or define
// the field twice.
fn check_structure_members(cx: &mut Ctxt, op: &Operation) {
    for shape in op.shapes.iter().filter(|s| !s.shared) {
        let ShapeKind::Structure { members } = &shape.kind else {
            continue;
        };
        check_fields(cx, &op.file, "member", members);
    }
}

// A response field is a JSON key and a field of the output.
fn check_response_fields(cx: &mut Ctxt, op: &Operation) {
    check_fields(cx, &op.file, "response field", &op.response);
}

fn check_fields(cx: &mut Ctxt, file: &str, what: &str, fields: &[crate::model::Field]) {
    let mut wires: HashMap<&str, &crate::model::Field> = HashMap::new();
    let mut rust: HashMap<&str, &crate::model::Field> = HashMap::new();
    for field in fields {
        let at = field.at.at("name");
        if let Some(first) = wires.insert(&field.wire, field) {
            let message = format!("duplicate {what} `{}` (first at {})", field.wire, first.at);
            cx.error(file, &at, message);
        } else if !names::is_identifier(&field.rust) {
            // Reported by `check_derived_identifiers`.
        } else if let Some(first) = rust.insert(&field.rust, field) {
            let message = format!(
                "{what}s `{}` (at {}) and `{}` both become the Rust name `{}`",
                first.wire, first.at, field.wire, field.rust
            );
            cx.error(file, &at, message);
        }
    }
}

// A structure has the constructor `new` and the methods of its derived traits; a member becomes
// a field and, while optional, a setter, which would clash with `new` or hide a trait method
// (`RestoreObject::default()`). Required members are checked too, so making a member optional
// never breaks the build.
fn check_structure_methods(cx: &mut Ctxt, op: &Operation) {
    for shape in op.shapes.iter().filter(|s| !s.shared) {
        let ShapeKind::Structure { members } = &shape.kind else {
            continue;
        };
        check_members_of(cx, &op.file, shape, members);
    }
}

fn check_members_of(
    cx: &mut Ctxt,
    file: &str,
    shape: &crate::model::Shape,
    members: &[crate::model::Field],
) {
    for m in members {
        if reserved::STRUCTURE_METHODS.contains(&m.rust.as_str()) {
            let message = format!(
                "member `{}` becomes the Rust name `{}`, which `{}` already has as a method",
                m.wire, m.rust, shape.name
            );
            cx.error(file, &m.at.at("name"), message);
        }
    }
}

// The example is served by the emulator and shown in docs: it must be one JSON object.
fn check_example(cx: &mut Ctxt, op: &Operation) {
    let Some(example) = &op.example else {
        return;
    };
    let at = Pointer::root().at("response").at("example");
    match serde_json::from_str::<serde_json::Value>(example) {
        Ok(serde_json::Value::Object(map)) => {
            // The client reads the served example as the output: a value it cannot read fails
            // every call to the emulator, so name the first such value.
            let mut wrong = None;
            example_fields(op, &op.response, &map, "", &mut wrong);
            if let Some((path, why)) = wrong {
                let message = format!("the example's `{path}` {why}, so the output cannot read it");
                cx.error(&op.file, &at, message);
            }
        }
        Ok(_) => cx.error(&op.file, &at, "the example must be a JSON object"),
        Err(e) => cx.error(&op.file, &at, format!("the example is not JSON: {e}")),
    }
}

/// The example object's members against `fields`, as the generated output reads them (leniently:
/// unknown members and `null` are skipped; scalars as `dbs_api`'s readers take them).
fn example_fields(
    op: &Operation,
    fields: &[crate::model::Field],
    map: &serde_json::Map<String, serde_json::Value>,
    prefix: &str,
    wrong: &mut Option<(String, &'static str)>,
) {
    for field in fields {
        if wrong.is_some() {
            return;
        }
        if let Some(value) = map.get(&field.wire) {
            let path = format!("{prefix}{}", field.wire);
            example_value(op, field.ty, value, &path, wrong);
        }
    }
}

fn example_value(
    op: &Operation,
    ty: Type,
    value: &serde_json::Value,
    path: &str,
    wrong: &mut Option<(String, &'static str)>,
) {
    use serde_json::Value;
    let integer = |text: &str| {
        let text = text.trim();
        let whole = match text.split_once('.') {
            Some((int, fraction))
                if !int.is_empty()
                    && !fraction.is_empty()
                    && fraction.bytes().all(|b| b == b'0') =>
            {
                int
            }
            _ => text,
        };
        whole.parse::<i64>().ok()
    };
    let fits = |n: i64| ty != Type::Int32 || i32::try_from(n).is_ok();
    let why = match (ty, value) {
        (_, Value::Null) => None,
        (Type::String, Value::String(_) | Value::Number(_) | Value::Bool(_)) => None,
        (Type::String, _) => Some("is not a string"),
        (Type::Int32 | Type::Int64, Value::Number(n)) => {
            let exact = n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|x| x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_992.0)
                    .map(|x| x as i64)
            });
            (!exact.is_some_and(fits)).then_some("is not an integer of its type")
        }
        (Type::Int32 | Type::Int64, Value::String(s)) => {
            (!integer(s).is_some_and(fits)).then_some("is not an integer of its type")
        }
        (Type::Int32 | Type::Int64, _) => Some("is not an integer"),
        (Type::Boolean, Value::Bool(_)) => None,
        (Type::Boolean, Value::String(s))
            if s.trim().eq_ignore_ascii_case("true") || s.trim().eq_ignore_ascii_case("false") =>
        {
            None
        }
        (Type::Boolean, _) => Some("is not a boolean"),
        (Type::Shape(i), value) => match (&op.shape(i).kind, value) {
            (ShapeKind::Enum { .. }, Value::Array(_) | Value::Object(_)) => {
                Some("is not a value of its enum")
            }
            (ShapeKind::Enum { .. }, _) => None,
            (ShapeKind::Structure { members }, Value::Object(map)) => {
                example_fields(op, members, map, &format!("{path}."), wrong);
                None
            }
            (ShapeKind::Structure { .. }, _) => Some("is not an object"),
            (ShapeKind::List { member, .. }, Value::Array(items)) => {
                for item in items {
                    example_value(op, *member, item, path, wrong);
                }
                None
            }
            (ShapeKind::List { .. }, _) => Some("is not an array"),
        },
    };
    if let Some(why) = why
        && wrong.is_none()
    {
        *wrong = Some((path.to_owned(), why));
    }
}

// Paginators read the page parameters, the totals and the items by these names.
fn check_pagination(cx: &mut Ctxt, op: &Operation) {
    let Some(p) = &op.pagination else {
        return;
    };
    let integer = |ty: Type| matches!(ty, Type::Int32 | Type::Int64);
    if p.first_page < 0 {
        cx.error(
            &op.file,
            &p.at.at("first_page"),
            format!(
                "first page {} is negative; pages are numbered from 0 or 1",
                p.first_page
            ),
        );
    }
    if p.total_pages.is_some() && p.total_pages == p.total_items {
        cx.error(
            &op.file,
            &p.at.at("total_items"),
            "the count of items is also the count of pages; they are different response fields",
        );
    }
    if p.page_number == p.page_size {
        cx.error(
            &op.file,
            &p.at.at("page_size"),
            format!(
                "`{}` is also the page number; the page size is another parameter",
                p.page_size
            ),
        );
    }
    for (key, wire) in [("page_number", &p.page_number), ("page_size", &p.page_size)] {
        match op.params.iter().find(|param| &param.wire == wire) {
            Some(param) if integer(param.ty) => {}
            Some(_) => cx.error(
                &op.file,
                &p.at.at(key),
                format!("`{wire}` must be an int32 or int64 parameter"),
            ),
            None => cx.error(
                &op.file,
                &p.at.at(key),
                format!("unknown parameter `{wire}`"),
            ),
        }
    }
    for (key, wire) in [
        ("total_pages", &p.total_pages),
        ("total_items", &p.total_items),
    ] {
        let Some(wire) = wire else { continue };
        match op.response.iter().find(|f| &f.wire == wire) {
            Some(f) if integer(f.ty) => {}
            Some(_) => cx.error(
                &op.file,
                &p.at.at(key),
                format!("response field `{wire}` must be an int32 or int64"),
            ),
            None => cx.error(
                &op.file,
                &p.at.at(key),
                format!("unknown top-level response field `{wire}`"),
            ),
        }
    }
    // Walk the path: each step a field of the response or a member of the structure reached.
    let mut fields: &[crate::model::Field] = &op.response;
    let mut ty = None;
    for step in p.items.split('.') {
        if let Some(Type::Shape(i)) = ty {
            match &op.shape(i).kind {
                ShapeKind::Structure { members } => fields = members,
                _ => {
                    let message = format!(
                        "`{}`: `{step}` follows a value that is not a structure",
                        p.items
                    );
                    cx.error(&op.file, &p.at.at("items"), message);
                    return;
                }
            }
        } else if ty.is_some() {
            let message = format!(
                "`{}`: `{step}` follows a value that is not a structure",
                p.items
            );
            cx.error(&op.file, &p.at.at("items"), message);
            return;
        }
        match fields.iter().find(|f| f.wire == step) {
            Some(f) => ty = Some(f.ty),
            None => {
                let message = format!("`{}`: no field or member `{step}`", p.items);
                cx.error(&op.file, &p.at.at("items"), message);
                return;
            }
        }
    }
    let is_list =
        matches!(ty, Some(Type::Shape(i)) if matches!(op.shape(i).kind, ShapeKind::List { .. }));
    if !is_list {
        let message = format!("`{}` must end at a list", p.items);
        cx.error(&op.file, &p.at.at("items"), message);
    }
}

/// The members of the item structure of the list at `path` (dotted response field and member
/// names), or why the path does not end at a list of structures.
fn list_item_members<'o>(op: &'o Operation, path: &str) -> Result<&'o [Field], String> {
    let mut fields: &[Field] = &op.response;
    let mut ty = None;
    for step in path.split('.') {
        match ty {
            None => {}
            Some(Type::Shape(i)) => match &op.shape(i).kind {
                ShapeKind::Structure { members } => fields = members,
                _ => {
                    return Err(format!(
                        "`{path}`: `{step}` follows a value that is not a structure"
                    ));
                }
            },
            Some(_) => {
                return Err(format!(
                    "`{path}`: `{step}` follows a value that is not a structure"
                ));
            }
        }
        match fields.iter().find(|f| f.wire == step) {
            Some(f) => ty = Some(f.ty),
            None => return Err(format!("`{path}`: no field or member `{step}`")),
        }
    }
    let Some(Type::Shape(i)) = ty else {
        return Err(format!("`{path}` must end at a list of structures"));
    };
    let ShapeKind::List {
        member: Type::Shape(m),
        ..
    } = &op.shape(i).kind
    else {
        return Err(format!("`{path}` must end at a list of structures"));
    };
    match &op.shape(*m).kind {
        ShapeKind::Structure { members } => Ok(members),
        _ => Err(format!("`{path}` must end at a list of structures")),
    }
}

// The generated waiter reads the object's parameter, the item's state, message and progress,
// and calls the explaining operation, by these names.
fn check_waiters(cx: &mut Ctxt, op: &Operation, ops: &[Operation]) {
    let integer = |ty: Type| matches!(ty, Type::Int32 | Type::Int64);
    for w in &op.waiters {
        let elsewhere = ops
            .iter()
            .flat_map(|o| o.waiters.iter().map(move |x| (o, x)))
            .find(|(o, x)| x.name == w.name && !(o.name == op.name && std::ptr::eq(*x, w)));
        if let Some((other, _)) = elsewhere {
            let message = format!(
                "waiter `{}` is also declared by {}; waiter names are unique across the spec",
                w.name, other.name
            );
            cx.error(&op.file, &w.at.at("name"), message);
        }
        // The waiter's unit type `<name>Waiter` shares the crate root with every other type.
        let ty = format!("{}Waiter", w.name);
        let taken = reserved::RUNTIME_TYPES.contains(&ty.as_str())
            || ops.iter().any(|o| {
                o.shapes.iter().any(|s| s.name == ty)
                    || reserved::OPERATION_TYPE_SUFFIXES
                        .iter()
                        .any(|suffix| format!("{}{suffix}", o.name) == ty)
            });
        if taken {
            let message = format!("the waiter's type `{ty}` is already a type of the crate");
            cx.error(&op.file, &w.at.at("name"), message);
        }
        match op.params.iter().find(|p| p.wire == w.input) {
            Some(p) if p.ty == Type::String => {}
            Some(_) => cx.error(
                &op.file,
                &w.at.at("input"),
                format!("`{}` must be a string parameter", w.input),
            ),
            None => cx.error(
                &op.file,
                &w.at.at("input"),
                format!("unknown parameter `{}`", w.input),
            ),
        }
        for (key, values) in [("success", &w.success), ("failure", &w.failure)] {
            if values.is_empty() {
                cx.error(&op.file, &w.at.at(key), "expected at least one state");
            }
        }
        if let Some(both) = w.success.iter().find(|v| w.failure.contains(v)) {
            let message = format!("state `{both}` is both a success and a failure");
            cx.error(&op.file, &w.at.at("failure"), message);
        }
        if w.max_delay_ms < w.delay_ms {
            cx.error(
                &op.file,
                &w.at.at("max_delay_ms"),
                "the longest wait is shorter than the first one",
            );
        }
        let members = match list_item_members(op, &w.items) {
            Ok(members) => members,
            Err(message) => {
                cx.error(&op.file, &w.at.at("items"), message);
                continue;
            }
        };
        match members.iter().find(|m| m.wire == w.status) {
            Some(m) => match m.ty {
                Type::String => {}
                Type::Shape(i) => match &op.shape(i).kind {
                    ShapeKind::Enum { values, .. } => {
                        for (key, states) in [("success", &w.success), ("failure", &w.failure)] {
                            for (n, state) in states.iter().enumerate() {
                                if !values.iter().any(|v| v.value.eq_ignore_ascii_case(state)) {
                                    let message =
                                        format!("`{state}` is not a value of `{}`", w.status);
                                    cx.error(&op.file, &w.at.at(key).at(n), message);
                                }
                            }
                        }
                    }
                    _ => cx.error(
                        &op.file,
                        &w.at.at("status"),
                        format!("member `{}` must be a string or an enum", w.status),
                    ),
                },
                _ => cx.error(
                    &op.file,
                    &w.at.at("status"),
                    format!("member `{}` must be a string or an enum", w.status),
                ),
            },
            None => cx.error(
                &op.file,
                &w.at.at("status"),
                format!("the item has no member `{}`", w.status),
            ),
        }
        if let Some(message) = &w.message {
            match members.iter().find(|m| &m.wire == message) {
                Some(m) if m.ty == Type::String => {}
                Some(_) => cx.error(
                    &op.file,
                    &w.at.at("message"),
                    format!("member `{message}` must be a string"),
                ),
                None => cx.error(
                    &op.file,
                    &w.at.at("message"),
                    format!("the item has no member `{message}`"),
                ),
            }
        }
        for (n, progress) in w.progress.iter().enumerate() {
            match members.iter().find(|m| &m.wire == progress) {
                Some(m) if integer(m.ty) => {}
                Some(_) => cx.error(
                    &op.file,
                    &w.at.at("progress").at(n),
                    format!("member `{progress}` must be an int32 or int64"),
                ),
                None => cx.error(
                    &op.file,
                    &w.at.at("progress").at(n),
                    format!("the item has no member `{progress}`"),
                ),
            }
        }
        if let Some((name, input)) = &w.explain {
            let at = w.at.at("explain");
            match ops.iter().find(|o| &o.name == name) {
                Some(explain) => match explain.params.iter().find(|p| &p.wire == input) {
                    Some(p) if p.ty == Type::String => {}
                    Some(_) => cx.error(
                        &op.file,
                        &at.at("input"),
                        format!("`{input}` of {name} must be a string parameter"),
                    ),
                    None => cx.error(
                        &op.file,
                        &at.at("input"),
                        format!("{name} has no parameter `{input}`"),
                    ),
                },
                None => cx.error(
                    &op.file,
                    &at.at("operation"),
                    format!("unknown operation `{name}`"),
                ),
            }
        }
    }
}

// A rule that tests its own parameter can never hold usefully (`forbidden` when present: the
// parameter can never be sent; `required` when absent: always required, said as a rule; when
// present: nothing), and a parameter required and forbidden on the same condition, or required
// always and forbidden on some condition, cannot be satisfied: each is a spec mistake the
// validator would otherwise turn into a request no caller can send.
fn check_parameter_rules(cx: &mut Ctxt, op: &Operation) {
    fn names(condition: &Condition, param: usize) -> bool {
        match condition {
            Condition::Param { param: p, .. }
            | Condition::Bool { param: p, .. }
            | Condition::Present { param: p } => *p == param,
            Condition::Context { .. } => false,
            Condition::All(all) | Condition::Any(all) => all.iter().any(|c| names(c, param)),
            Condition::Not(inner) => names(inner, param),
        }
    }
    for (index, param) in op.params.iter().enumerate() {
        let wire = &param.wire;
        let required = match &param.required {
            Requirement::When { condition, .. } => {
                if names(condition, index) {
                    cx.error(
                        &op.file,
                        &param.at.at("required").at("when"),
                        format!("the rule tests `{wire}` itself; a parameter's rule must test other parameters (or the context)"),
                    );
                }
                Some(condition)
            }
            _ => None,
        };
        let Some(forbidden) = &param.forbidden else {
            continue;
        };
        let at = param.at.at("forbidden").at("when");
        if names(&forbidden.condition, index) {
            cx.error(
                &op.file,
                &at,
                format!("the rule tests `{wire}` itself; a parameter's rule must test other parameters (or the context)"),
            );
        } else if matches!(param.required, Requirement::Always) {
            cx.error(
                &op.file,
                &at,
                format!("`{wire}` is required always, so it cannot be forbidden"),
            );
        } else if required == Some(&forbidden.condition) {
            cx.error(
                &op.file,
                &at,
                format!("`{wire}` is required and forbidden on the same condition"),
            );
        }
    }
}

// The CLI's help prints a parameter's example as a command line to copy, and the docs show it:
// one the parameter would refuse (a masked `4312****` for an int64, `yes` for a boolean, a value
// outside the enum or the bounds, JSON that does not parse) teaches a call that fails.
fn check_parameter_examples(cx: &mut Ctxt, op: &Operation) {
    for param in &op.params {
        let Some(example) = &param.example else {
            continue;
        };
        let problem = match param.ty {
            Type::String => None,
            Type::Int32 | Type::Int64 => match example.parse::<i64>() {
                Err(_) => Some("is not an integer".to_owned()),
                Ok(n) if param.ty == Type::Int32 && i32::try_from(n).is_err() => {
                    Some("is not an int32".to_owned())
                }
                Ok(n) if param.bounds.min.is_some_and(|min| n < min) => {
                    Some("is below the parameter's least value".to_owned())
                }
                Ok(n) if param.bounds.max.is_some_and(|max| n > max) => {
                    Some("is above the parameter's greatest value".to_owned())
                }
                Ok(_) => None,
            },
            Type::Boolean => {
                (example != "true" && example != "false").then(|| "is not true or false".to_owned())
            }
            Type::Shape(i) => match &op.shape(i).kind {
                ShapeKind::Enum { values, .. } => {
                    (!values.iter().any(|v| v.value.eq_ignore_ascii_case(example)))
                        .then(|| "is not one of the enum's values".to_owned())
                }
                _ => serde_json::from_str::<serde_json::Value>(example)
                    .err()
                    .map(|e| format!("is not JSON ({e})")),
            },
        };
        if let Some(problem) = problem {
            cx.error(
                &op.file,
                &param.at.at("example"),
                format!("example `{example}` {problem}: give one the parameter takes"),
            );
        }
    }
}

// ---- operations ----

// Each operation becomes a method of `Client` (`describe_widgets`) and a CLI subcommand
// (`describe-widgets`): operations whose names differ only in case (`FooBar`, `FooBAR`) would
// define both twice.
fn check_operation_namespaces(cx: &mut Ctxt, ops: &[Operation]) {
    let mut methods: HashMap<&str, &Operation> = HashMap::new();
    let mut commands: HashMap<&str, &Operation> = HashMap::new();
    for op in ops {
        let at = Pointer::root().at("name");
        if let Some(first) = methods.insert(&op.rust_name, op) {
            let message = format!(
                "operations `{}` ({}) and `{}` both become the client method `{}`",
                first.name, first.file, op.name, op.rust_name
            );
            cx.error(&op.file, &at, message);
        } else if let Some(first) = commands.insert(&op.command, op) {
            let message = format!(
                "operations `{}` ({}) and `{}` both become the CLI subcommand `{}`",
                first.name, first.file, op.name, op.command
            );
            cx.error(&op.file, &at, message);
        }
    }
}

// The generated client methods sit beside `Client`'s own (in the same crate, so private ones
// count): a method of the same name does not compile, or hides a trait method (`clone`).
fn check_client_methods(cx: &mut Ctxt, ops: &[Operation]) {
    for op in ops {
        if reserved::CLIENT_METHODS.contains(&op.rust_name.as_str()) {
            let message = format!(
                "operation `{}` becomes the client method `{}`, which `Client` already has",
                op.name, op.rust_name
            );
            cx.error(&op.file, &Pointer::root().at("name"), message);
        }
    }
}

// The CLI's own subcommands (`emulator`, `help`) sit beside the operations'; clap panics on a
// duplicate.
fn check_cli_commands(cx: &mut Ctxt, ops: &[Operation]) {
    for op in ops {
        if reserved::CLI_COMMANDS.contains(&op.command.as_str()) {
            let message = format!(
                "operation `{}` becomes the CLI subcommand `{}`, which the `dbs` CLI already has",
                op.name, op.command
            );
            cx.error(&op.file, &Pointer::root().at("name"), message);
        }
    }
}

// Every operation puts its types (`<Operation>Input`, …, and its shapes) into the one generated
// module, beside the service's context facts and the runtime's types re-exported from the same
// crate root: two types of one name do not compile, and a runtime type would hide a generated one.
fn check_type_names(cx: &mut Ctxt, service: Option<&Service>, ops: &[Operation]) {
    let mut owners: HashMap<String, String> = reserved::RUNTIME_TYPES
        .iter()
        .map(|name| ((*name).to_owned(), "the runtime (dbs-api)".to_owned()))
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
    if let Some(service) = service {
        for fact in &service.context {
            claim(cx, fact.name.clone(), &service.file, fact.at.at("name"));
        }
        for shape in &service.shapes {
            claim(cx, shape.name.clone(), &service.file, shape.at.clone());
        }
    }
    for op in ops {
        for suffix in reserved::OPERATION_TYPE_SUFFIXES {
            claim(
                cx,
                format!("{}{suffix}", op.name),
                &op.file,
                Pointer::root().at("name"),
            );
        }
        // A shape the service declares too is reported by `lower`.
        let shared: Vec<&str> = op
            .shapes
            .iter()
            .filter(|s| s.shared)
            .map(|s| s.name.as_str())
            .collect();
        for shape in op.shapes.iter().filter(|s| !s.shared) {
            if shared.contains(&shape.name.as_str()) {
                continue;
            }
            claim(cx, shape.name.clone(), &op.file, shape.at.clone());
        }
    }
}

// ---- the service ----

// Each context fact is a field of `ValidationContext` (`source_database_type`) with a setter
// `with_…`: facts whose names differ only in case (`SourceDbType`, `SourceDBType`) would define
// both twice. (Equal names are `lower`'s: conditions name facts.)
fn check_context_fields(cx: &mut Ctxt, service: &Service) {
    let mut fields: HashMap<&str, &crate::model::ContextFact> = HashMap::new();
    for fact in &service.context {
        if let Some(first) = fields.get(fact.rust_name.as_str()) {
            if first.name != fact.name {
                let message = format!(
                    "context facts `{}` (at {}) and `{}` both become the field `{}` of `ValidationContext`",
                    first.name, first.at, fact.name, fact.rust_name
                );
                cx.error(&service.file, &fact.at.at("name"), message);
            }
        } else {
            fields.insert(&fact.rust_name, fact);
        }
    }
}

// A fact with a `source_key` is fetched by calling its source operation with that parameter and
// reading the source path of the answer (lists read through their first item): where the spec has
// the operation, the parameter and the path must exist.
fn check_context_sources(cx: &mut Ctxt, service: &Service, ops: &[Operation]) {
    for fact in &service.context {
        let Some(key) = &fact.source_key else {
            continue;
        };
        let at = fact.at.at("source_key");
        let (name, path) = fact.source.split_once('.').unwrap_or((&fact.source, ""));
        // A spec of some operations only (a fixture) may leave the source out: then the client
        // cannot fetch the fact, and says so when asked.
        let Some(op) = ops.iter().find(|o| o.name == name) else {
            continue;
        };
        match op.params.iter().find(|p| &p.wire == key) {
            Some(p) if p.ty == Type::String => {}
            Some(_) => cx.error(
                &service.file,
                &at,
                format!("`{key}` of {name} must be a string parameter"),
            ),
            None => cx.error(
                &service.file,
                &at,
                format!("{name} has no parameter `{key}`"),
            ),
        }
        let mut fields: &[Field] = &op.response;
        let mut ty = None;
        for step in path.split('.') {
            if let Some(t) = ty {
                let mut t = t;
                // Lists are read through their first item.
                if let Type::Shape(i) = t
                    && let ShapeKind::List { member, .. } = &op.shape(i).kind
                {
                    t = *member;
                }
                fields = match t {
                    Type::Shape(i) => match &op.shape(i).kind {
                        ShapeKind::Structure { members } => members,
                        _ => &[],
                    },
                    _ => &[],
                };
            }
            match fields.iter().find(|f| f.wire == step) {
                Some(f) => ty = Some(f.ty),
                None => {
                    let message = format!(
                        "the source `{}` has no field or member `{step}`",
                        fact.source
                    );
                    cx.error(&service.file, &fact.at.at("source"), message);
                    break;
                }
            }
        }
    }
}

// The client makes the URL `https://{host}` and signs the `host` header with it: a scheme, a path,
// user info or white space would send requests (and credentials) somewhere else, or break the
// signature.
fn check_endpoint_hosts(cx: &mut Ctxt, service: &Service) {
    for (region, host) in &service.endpoints {
        if !is_bare_host(host) {
            let message = format!(
                "endpoint `{host}` is not a bare host[:port] (letters, digits, `-` and `.`, then an optional port); the client adds `https://` itself"
            );
            cx.error(
                &service.file,
                &Pointer::root().at("endpoints").at(region),
                message,
            );
        }
    }
}

/// `host[:port]`: dot-separated labels of ASCII letters, digits and `-`, and a port from 1 to 65535.
fn is_bare_host(text: &str) -> bool {
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    };
    let host_ok = host.split('.').all(|label| {
        !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    let port_ok = port.is_none_or(|port| {
        port.chars().all(|c| c.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|n| n > 0)
    });
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::is_bare_host;

    #[test]
    fn bare_hosts() {
        for good in [
            "dbs-api.cn-hangzhou.aliyuncs.com",
            "localhost",
            "127.0.0.1:8080",
        ] {
            assert!(is_bare_host(good), "{good}");
        }
        for bad in [
            "https://dbs-api.cn-hangzhou.aliyuncs.com",
            "dbs-api.cn-hangzhou.aliyuncs.com/",
            "user@dbs-api.cn-hangzhou.aliyuncs.com",
            "dbs api.com",
            "host:0",
            "host:99999",
            "host:",
            "host:+80",
            "a..b",
            "",
        ] {
            assert!(!is_bare_host(bad), "{bad}");
        }
    }
}
