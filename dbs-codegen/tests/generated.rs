//! The generated code, as reviewed snapshots: the real spec, one small fixture per feature
//! (`fixtures/<name>/`: a `service.json` and one operation), and an operation added to a copy of
//! the real spec without any Rust edits.
//!
//! Snapshots are `prettyplease` output of the parsed `syn::File`, never the installed rustfmt.
//! Regenerate with `INSTA_UPDATE=always cargo test -p dbs-codegen`, then read the diff.

// Tests fail by panicking: `unwrap` on the fixed test inputs is the clearest way to say so.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use dbs_codegen::model::Spec;
use dbs_codegen::{Options, SpecDir, expand, format};

const SPEC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/dbs-2019-03-06");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn lower(dir: &Path, shown: &str) -> Spec {
    SpecDir::read(dir, shown)
        .and_then(|files| files.lower())
        .unwrap_or_else(|errors| panic!("{errors}"))
}

/// The formatted code for a checked spec; `format` parses it as a `syn::File` first.
fn source(spec: &Spec) -> String {
    format(expand(spec, &Options::default())).unwrap()
}

fn fixture(name: &str) -> String {
    source(&lower(
        &Path::new(FIXTURES).join(name),
        &format!("fixtures/{name}"),
    ))
}

/// Whether `code` contains `item`, whatever the line breaks `prettyplease` chose.
fn has(code: &str, item: &str) -> bool {
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    squeeze(code).contains(&squeeze(item))
}

/// Like `has`, also whatever trailing commas `prettyplease` put in the call's arguments.
fn has_call(code: &str, call: &str) -> bool {
    let squeeze = |s: &str| s.split_whitespace().collect::<String>().replace(",)", ")");
    squeeze(code).contains(&squeeze(call))
}

#[test]
fn real_spec() {
    let code = source(&lower(Path::new(SPEC_DIR), "spec/dbs-2019-03-06"));
    insta::assert_snapshot!("dbs-2019-03-06", code);
}

#[test]
fn enum_with_default() {
    let code = fixture("enum-default");
    // `"default": "failure"` becomes `Default` on the enum.
    assert!(
        has(&code, "impl ::std::default::Default for DuplicateConflict"),
        "{code}"
    );
    insta::assert_snapshot!("enum-default", code);
}

#[test]
fn json_list_of_structures_with_a_required_member() {
    let code = fixture("json-list-of-structures");
    assert!(
        has(&code, "pub db_name: ::std::string::String,"),
        "the required member is not optional"
    );
    assert!(has(
        &code,
        "pub new_db_name: ::std::option::Option<::std::string::String>,"
    ));
    // A misspelt member (`NewDbName`) is an error when the JSON is read back, not dropped.
    assert!(
        has(
            &code,
            "#[serde(crate = \"::dbs_api::__private::serde\", deny_unknown_fields)]"
        ),
        "{code}"
    );
    insta::assert_snapshot!("json-list-of-structures", code);
}

#[test]
fn int_range_and_unit() {
    let code = fixture("int-range-unit");
    assert!(
        has_call(
            &code,
            "violations.range(\"DestinationEndpointPort\", i64::from(value), \
             ::std::option::Option::Some(1i64), ::std::option::Option::Some(65535i64), \
             ::std::option::Option::Some(\"a TCP port number\"))"
        ),
        "{code}"
    );
    insta::assert_snapshot!("int-range-unit", code);
}

#[test]
fn units_imply_bounds_and_ranges_narrow_them() {
    let code = fixture("unit-bounds");
    let some = |n: i64| format!("::std::option::Option::Some({n}i64)");
    let none = "::std::option::Option::None";
    let epoch = "::std::option::Option::Some(\"milliseconds since the Unix epoch, UTC\")";
    let port = "::std::option::Option::Some(\"a TCP port number\")";
    for (wire, min, max, unit) in [
        ("RestoreTime", some(0), none.to_owned(), epoch),
        ("DestinationEndpointPort", some(1), some(65535), port),
        ("UnprivilegedPort", some(1024), some(65535), port),
        ("BackupGatewayId", some(1), none.to_owned(), none),
    ] {
        let call = format!("violations.range(\"{wire}\", i64::from(value), {min}, {max}, {unit})");
        assert!(has_call(&code, &call), "{call} missing:\n{code}");
    }
    // An integer without a unit or range has nothing to check.
    assert!(!has(&code, "violations.range(\"Offset\""), "{code}");
    // The docs say the bounds.
    for words in [
        "Valid range: 0 or more.",
        "Valid range: 1 to 65535.",
        "Valid range: 1024 to 65535.",
        "Valid range: 1 or more.",
    ] {
        assert!(has(&code, words), "{words} missing:\n{code}");
    }
    insta::assert_snapshot!("unit-bounds", code);
}

#[test]
fn list_of_enums_checks_each_member() {
    let code = fixture("list-of-enums");
    assert!(
        has_call(
            &code,
            "violations.one_of(::std::format!(\"{}[{}]\", \"BackupPeriod\", index), value, \
             Weekday::VALUES, ::std::option::Option::None)"
        ),
        "{code}"
    );
    insta::assert_snapshot!("list-of-enums", code);
}

#[test]
fn every_enum_parameter_refuses_blank_and_unlisted_values() {
    // The real spec's optional enum: a blank value is no longer let through.
    let code = source(&lower(Path::new(SPEC_DIR), "spec/dbs-2019-03-06"));
    assert!(
        has_call(
            &code,
            "if let ::std::option::Option::Some(DuplicateConflict::Unknown(value)) = &self.duplicate_conflict { \
             violations.one_of(\"DuplicateConflict\", value, DuplicateConflict::VALUES, ::std::option::Option::None); }"
        ),
        "{code}"
    );
    assert!(!has(&code, "!value.trim().is_empty()"), "{code}");
    // The required one: reported with its requirement when blank.
    assert!(
        has_call(
            &code,
            "violations.one_of(\"DestinationEndpointInstanceType\", value, DestinationEndpointInstanceType::VALUES, \
             (applies == ::std::option::Option::Some(true)).then_some((\"required\", ::std::option::Option::None)));"
        ),
        "{code}"
    );
}

#[test]
fn sensitive_parameter() {
    let code = fixture("sensitive-parameter");
    // The field wraps the string so it never prints; the setter wraps what it is given.
    assert!(
        has(
            &code,
            "pub destination_endpoint_password: ::std::option::Option<::dbs_api::__private::Sensitive<"
        ),
        "{code}"
    );
    assert!(
        has(&code, "::dbs_api::__private::Sensitive::new(value.into())"),
        "{code}"
    );
    insta::assert_snapshot!("sensitive-parameter", code);
}

#[test]
fn context_condition_with_all_any_not() {
    let code = fixture("context-condition");
    for call in ["any_of(", "all_of(", "context.source_database_type"] {
        assert!(has(&code, call), "{call} missing:\n{code}");
    }
    insta::assert_snapshot!("context-condition", code);
}

#[test]
fn operation_without_idempotency_token() {
    let code = fixture("no-idempotency-token");
    assert!(has(
        &code,
        "const IDEMPOTENCY_TOKEN: ::std::option::Option<&'static str> = ::std::option::Option::None;"
    ));
    assert!(has(&code, "const IDEMPOTENT: bool = true;"));
    insta::assert_snapshot!("no-idempotency-token", code);
}

#[test]
fn response_with_int64_and_boolean_fields() {
    let code = fixture("response-int64-bool");
    assert!(
        has(
            &code,
            "pub begin_timestamp_for_restore: ::std::option::Option<i64>,"
        ),
        "{code}"
    );
    assert!(
        has(&code, "pub success: ::std::option::Option<bool>,"),
        "{code}"
    );
    insta::assert_snapshot!("response-int64-bool", code);
}

/// A copy of the real spec with `fixtures/added-operation/StartRestoreTask.json` beside it.
fn spec_with_added_operation() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(SPEC_DIR).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let added = Path::new(FIXTURES).join("added-operation/StartRestoreTask.json");
    std::fs::copy(added, dir.path().join("StartRestoreTask.json")).unwrap();
    dir
}

#[test]
fn added_operation_needs_no_rust_edits() {
    let dir = spec_with_added_operation();
    let mut spec = lower(dir.path(), "spec");
    let names: Vec<&str> = spec.operations.iter().map(|op| op.name.as_str()).collect();
    assert_eq!(names, ["CreateRestoreTask", "StartRestoreTask"]);

    // The whole API parses as Rust and has the new operation's input, output, method and entry.
    let tokens = expand(&spec, &Options::default());
    let file: syn::File = syn::parse2(tokens.clone()).unwrap();
    let text = tokens.to_string();
    for name in [
        "StartRestoreTaskInput",
        "StartRestoreTaskOutput",
        "start_restore_task",
        "\"start-restore-task\"",
    ] {
        assert!(text.contains(name), "{name} is not generated");
    }
    let code = prettyplease::unparse(&file);
    assert!(has(
        &code,
        "pub fn start_restore_task(&self) -> StartRestoreTaskRequest<'_>"
    ));
    assert_eq!(
        code.matches("::dbs_api::__private::OperationMeta {")
            .count(),
        2,
        "OPERATIONS lists both"
    );

    // The binary accepts the directory.
    let output = Command::new(env!("CARGO_BIN_EXE_dbs-codegen"))
        .arg("check")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // The snapshot shows what the new file adds: the service items and the new operation.
    spec.operations.retain(|op| op.name == "StartRestoreTask");
    insta::assert_snapshot!("added-operation", source(&spec));
}

/// The server side grows with the spec: an added operation is one more handler method, without
/// a default (so every handler must answer it before it builds), and one more dispatch arm.
#[test]
fn added_operation_is_a_handler_method_and_a_dispatch_arm() {
    let dir = spec_with_added_operation();
    let code = source(&lower(dir.path(), "spec"));
    let trait_at = code
        .find("pub trait DbsHandler {")
        .expect("the handler trait");
    let dispatch_at = code.find("pub fn dispatch<").expect("dispatch");
    let handler = &code[trait_at..dispatch_at];
    for (method, op) in [
        ("create_restore_task", "CreateRestoreTask"),
        ("start_restore_task", "StartRestoreTask"),
    ] {
        // A required method: a signature ending in `;`, not a body.
        let signature = format!(
            "fn {method}(&self, input: super::{op}Input, context: &::dbs_api::__private::RequestContext<'_>,) \
             -> ::std::result::Result<super::{op}Output, ::dbs_api::__private::BusinessError<super::{op}ErrorCode>,>;"
        );
        assert!(has(handler, &signature), "{signature}\n{handler}");
        assert!(
            has(&code[dispatch_at..], &format!("\"{op}\" => {{")),
            "{op} is dispatched"
        );
        assert!(
            has(
                &code[dispatch_at..],
                &format!("handler.{method}(input, context)")
            ),
            "{op} reaches {method}"
        );
    }
    assert_eq!(
        handler.matches("fn ").count(),
        2,
        "one method per operation"
    );
    // Users' builds without the feature do not compile it.
    assert!(has(&code, "#[cfg(feature = \"server\")] pub mod server {"));
}
