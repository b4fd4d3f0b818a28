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
use dbs_codegen::{Options, SpecDir, expand, format, write_formatted};

const SPEC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/dbs-2019-03-06");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn lower(dir: &Path, shown: &str) -> Spec {
    SpecDir::read(dir, shown)
        .and_then(|files| files.lower())
        .unwrap_or_else(|errors| panic!("{errors}"))
}

/// The formatted code for a checked spec, as `dbs-codegen expand` writes it: part by part, each
/// parsed as a `syn::File` and formatted on its own.
fn source(spec: &Spec) -> String {
    let mut out = Vec::new();
    write_formatted(spec, &Options::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Formatting the parts one by one gives the same text as formatting the whole file at once (what
/// the proc-macro's tokens are and what the snapshots were first taken from), for the real spec
/// and every fixture.
#[test]
fn parts_format_as_the_whole_file() {
    let mut dirs = vec![(std::path::PathBuf::from(SPEC_DIR), "spec".to_owned())];
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let path = entry.unwrap().path();
        if path.join("service.json").is_file() {
            let shown = path.display().to_string();
            dirs.push((path, shown));
        }
    }
    let mut compared = 0;
    for (dir, shown) in dirs {
        let Ok(spec) = SpecDir::read(&dir, &shown).and_then(|files| files.lower()) else {
            continue; // fixtures of spec errors
        };
        let whole = format(expand(&spec, &Options::default())).unwrap();
        assert!(
            source(&spec) == whole,
            "{shown}: parts differ from the whole"
        );
        compared += 1;
    }
    assert!(compared > 2, "only {compared} specs compared");
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

/// The parameter-table row of `wire` (from `ParamSpec::<kind>("wire"` to the next row), squeezed
/// of white space and trailing commas: the facts the shared runtime checks and sends that parameter by.
fn row(code: &str, wire: &str) -> String {
    // Whatever line breaks and trailing commas `prettyplease` chose.
    let code = code
        .split_whitespace()
        .collect::<String>()
        .replace(",)", ")");
    let rows: Vec<&str> = code
        .split("::dbs_api::__private::ParamSpec::")
        .skip(1)
        .collect();
    let quoted = format!("(\"{wire}\"");
    let row = rows
        .iter()
        .find(|row| {
            row.split_once('(')
                .is_some_and(|(_, rest)| format!("({rest}").starts_with(&quoted))
        })
        .unwrap_or_else(|| panic!("no table row for {wire}:\n{code}"));
    // The last row runs on to the end of the table.
    row.split("];").next().unwrap_or(row).to_owned()
}

/// A copy of the real spec's `service.json` with only the named operation files.
fn real_spec_with(operations: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in std::iter::once("service").chain(operations.iter().copied()) {
        let file = format!("{name}.json");
        std::fs::copy(Path::new(SPEC_DIR).join(&file), dir.path().join(&file)).unwrap();
    }
    dir
}

/// The real spec's shared shapes and `CreateRestoreTask`, the operation the SDK started with: a
/// snapshot a reviewer can read (the whole API expands to some 30,000 lines; its facts are reviewed
/// in the spec files, and each kind of item in the fixtures' snapshots below).
#[test]
fn real_spec() {
    let dir = real_spec_with(&["CreateRestoreTask"]);
    let code = source(&lower(dir.path(), "spec/dbs-2019-03-06"));
    insta::assert_snapshot!("dbs-2019-03-06", code);
}

/// The whole real spec expands to Rust that parses, one input, output, error table and client
/// method per operation, with English docs only (no CJK text from the Chinese metadata).
#[test]
fn whole_real_spec_expands_with_english_docs() {
    let spec = lower(Path::new(SPEC_DIR), "spec/dbs-2019-03-06");
    let files = std::fs::read_dir(SPEC_DIR)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.ends_with(".json") && name != "service.json"
        })
        .count();
    assert_eq!(spec.operations.len(), files);
    let code = source(&spec);
    for op in &spec.operations {
        for item in [
            format!("pub struct {}Input", op.name),
            format!("pub struct {}Output", op.name),
            format!("pub enum {}ErrorCode", op.name),
            format!("pub fn {}(", op.rust_name),
        ] {
            assert!(has(&code, &item), "{item} missing");
        }
    }
    let cjk = |c: char| matches!(c, '\u{3000}'..='\u{303f}' | '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}');
    let docs: Vec<&str> = code
        .lines()
        .filter(|line| line.trim_start().starts_with("///") && line.chars().any(cjk))
        .collect();
    assert!(docs.is_empty(), "doc lines with CJK text: {docs:#?}");
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
    // The table row carries the bounds and the unit the shared validator checks and reports.
    let port = row(&code, "DestinationEndpointPort");
    assert!(port.starts_with("int32("), "{port}");
    assert!(
        port.contains(".min(1).max(65535).unit(\"aTCPportnumber\")"),
        "{port}"
    );
    insta::assert_snapshot!("int-range-unit", code);
}

#[test]
fn units_imply_bounds_and_ranges_narrow_them() {
    let code = fixture("unit-bounds");
    // Each row of the parameter table: the bounds the shared validator checks, and the unit in
    // words it reports them with (white space squeezed out, as `row` gives it).
    let some = |n: i64| Some(format!(".min({n})"));
    let max = |n: i64| Some(format!(".max({n})"));
    let epoch = Some(".unit(\"millisecondssincetheUnixepoch,UTC\")");
    let port = Some(".unit(\"aTCPportnumber\")");
    for (wire, min, max, unit) in [
        ("RestoreTime", some(0), None, epoch),
        ("DestinationEndpointPort", some(1), max(65535), port),
        ("UnprivilegedPort", some(1024), max(65535), port),
        ("BackupGatewayId", some(1), None, None),
    ] {
        let row = row(&code, wire);
        let bounds = format!(
            "{}{}{}",
            min.as_deref().unwrap_or_default(),
            max.as_deref().unwrap_or_default(),
            unit.unwrap_or_default()
        );
        assert!(row.contains(&bounds), "{wire}: {bounds} missing from {row}");
        assert_eq!(row.contains(".max("), max.is_some(), "{row}");
        assert_eq!(row.contains(".unit("), unit.is_some(), "{row}");
    }
    // An integer without a unit or range has nothing to check.
    let offset = row(&code, "Offset");
    assert!(
        !offset.contains(".min(") && !offset.contains(".max(") && !offset.contains(".unit("),
        "{offset}"
    );
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
    // The list is a `Vec` of the enum, and the enum tells the runtime its known values and
    // `Unknown`: the shared validator checks every member as `BackupPeriod[i]` (the runtime's
    // `params` tests hold the messages).
    assert!(
        has(&code, "::std::vec::Vec<Weekday>") && row(&code, "BackupPeriod").starts_with("json("),
        "{code}"
    );
    assert!(
        has(&code, "impl ::dbs_api::__private::WireEnum for Weekday {")
            && has(
                &code,
                "const KNOWN: &'static [&'static str] = Self::VALUES;"
            ),
        "{code}"
    );
    insta::assert_snapshot!("list-of-enums", code);
}

#[test]
fn every_enum_parameter_refuses_blank_and_unlisted_values() {
    // The real spec's optional enum: a blank value is no longer let through.
    let code = source(&lower(Path::new(SPEC_DIR), "spec/dbs-2019-03-06"));
    // Every enum parameter is an enum row with its known values, and its type tells the runtime
    // which value is `Unknown`: the shared validator reports a blank or unlisted value (the
    // runtime's `params` tests and dbs-api's validation_rules hold the messages).
    assert_eq!(
        row(&code, "DuplicateConflict"),
        "one_of(\"DuplicateConflict\",DuplicateConflict::VALUES),"
    );
    assert!(
        has(
            &code,
            "Self::Unknown(value) => ::std::option::Option::Some(value),"
        ) && has(
            &code,
            "impl ::dbs_api::__private::WireEnum for DuplicateConflict {"
        ),
        "{code}"
    );
    assert!(!has(&code, "!value.trim().is_empty()"), "{code}");
    // The required one: reported with its requirement when blank.
    assert_eq!(
        row(&code, "DestinationEndpointInstanceType"),
        "one_of(\"DestinationEndpointInstanceType\",DestinationEndpointInstanceType::VALUES).required(),"
    );
}

#[test]
fn structure_parameter_list_minimum_boolean_and_bounds_in_the_table() {
    // dbs-api compiles this fixture and checks its behaviour (`params::tests`).
    let code = fixture("table-shapes");
    assert_eq!(row(&code, "Target"), "json(\"Target\").required(),");
    assert_eq!(
        row(&code, "BackupPeriod"),
        "json(\"BackupPeriod\").min_items(2),"
    );
    assert_eq!(row(&code, "Enabled"), "boolean(\"Enabled\"),");
    assert!(
        row(&code, "Retention").starts_with("int32(\"Retention\").min(1).max(30).unit(\"days\")"),
        "{code}"
    );
    // Only the structure that is itself a parameter is a table value.
    assert!(has(&code, "impl ::dbs_api::__private::Value for Target {"));
    insta::assert_snapshot!("table-shapes", code);
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

#[test]
fn nested_response_with_service_shape_pagination_and_example() {
    let code = fixture("nested-response");
    insta::assert_snapshot!("nested-response", code);
    // The paginator's facts: the page number set through the builder, the totals and the items
    // read from the spec's fields, and the registry pointing at the same `Pagination`.
    assert!(
        has(
            &code,
            "impl ::dbs_api::__private::Paged for DescribeFixtureTaskListInput { type Item = RestoreTaskDetail;"
        ),
        "{code}"
    );
    assert!(
        has(
            &code,
            "output.items.and_then(|v| v.restore_task_detail).unwrap_or_default()"
        ),
        "{code}"
    );
    assert!(
        has(
            &code,
            "pagination: ::std::option::Option::Some(<DescribeFixtureTaskListInput as ::dbs_api::__private::Paged>::PAGINATION,),"
        ),
        "{code}"
    );
    // The response nests: an object, a list of structures, a service enum and an operation enum.
    assert!(
        has(
            &code,
            "pub items: ::std::option::Option<DescribeFixtureTaskListItems>,"
        ),
        "{code}"
    );
    assert!(
        has(
            &code,
            "pub restore_task_detail: ::std::option::Option<::std::vec::Vec<RestoreTaskDetail>>,"
        ),
        "{code}"
    );
    // Scalars inside read leniently; structures read from a response ignore unknown members.
    assert!(
        has(
            &code,
            r#"#[serde(rename = "BackupGatewayId", default, deserialize_with = "::dbs_api::__private::de::int64", skip_serializing_if = "::std::option::Option::is_none")]"#
        ),
        "{code}"
    );
    assert!(!code.contains("deny_unknown_fields"), "{code}");
    // The service's enum is emitted once, before any operation.
    assert_eq!(
        code.matches("pub enum DestinationEndpointInstanceType")
            .count(),
        1
    );
    assert!(
        code.find("pub enum DestinationEndpointInstanceType")
            < code.find("pub struct DescribeFixtureTaskListInput")
    );
    // The registry carries the pagination and the official example.
    assert!(has(&code, r#"items: "Items.RestoreTaskDetail","#), "{code}");
    assert!(has(&code, "first_page: 0,"), "{code}");
    // The example is the metadata's text, kept whole.
    assert!(
        has(
            &code,
            r#"example: ::std::option::Option::Some("{\n  \"HttpStatusCode\": 200,"#
        ),
        "{code}"
    );
}

#[test]
fn nested_request_structures_are_checked_at_every_depth() {
    let code = fixture("nested-request");
    insta::assert_snapshot!("nested-request", code);
    // A structure's member of a list of structures is checked by path, one level down.
    assert!(
        has(
            &code,
            r#"::dbs_api::__private::Member::check_member(&self.table_includes, &::std::format!("{}.{}", path, "TableIncludes"), violations,);"#
        ),
        "{code}"
    );
    assert!(
        has(
            &code,
            r#"violations.member_not_empty(path, "TableName", &self.table_name);"#
        ),
        "{code}"
    );
    // Request structures still refuse misspelt members.
    assert!(code.contains("deny_unknown_fields"), "{code}");
}

#[test]
fn present_conditions_and_forbidden_parameters() {
    let code = fixture("forbidden-present");
    insta::assert_snapshot!("forbidden-present", code);
    assert_eq!(
        row(&code, "RestoreTaskId"),
        r#"string("RestoreTaskId").forbidden(2,"forbiddenwhenBackupPlanIdisset").forbidden_id("R2"),"#
    );
    assert_eq!(
        row(&code, "BackupPlanId"),
        r#"string("BackupPlanId").when(0,"requiredunlessRestoreTaskIdisset").rule_id("R1"),"#
    );
    assert_eq!(
        row(&code, "CrossRoleName"),
        r#"string("CrossRoleName").when(1,"requiredwhenUseCrossAccountistrue").rule_id("R3"),"#
    );
    assert!(
        has(
            &code,
            "(::dbs_api::__private::present(&self.restore_task_id)).map(|holds| !holds),"
        ),
        "{code}"
    );
    assert!(
        has(&code, "self.use_cross_account.map(|set| set == true),"),
        "{code}"
    );
}

#[test]
fn service_shapes_are_emitted_once_and_shared() {
    let code = fixture("service-shapes");
    insta::assert_snapshot!("service-shapes", code);
    for item in [
        "pub enum DatabaseType",
        "pub struct Endpoint",
        "pub struct TaskSummary",
        "impl ::dbs_api::__private::Value for Endpoint",
    ] {
        assert_eq!(code.matches(item).count(), 1, "{item}:\n{code}");
    }
    // Both operations name them; the request structure is strict, the response one lenient.
    assert!(
        has(&code, "pub source: ::std::option::Option<Endpoint>,"),
        "{code}"
    );
    assert!(
        has(&code, "pub target: ::std::option::Option<Endpoint>,"),
        "{code}"
    );
    assert!(
        has(&code, "pub task: ::std::option::Option<TaskSummary>,"),
        "{code}"
    );
    assert!(
        has(&code, "pub engine: ::std::option::Option<DatabaseType>,"),
        "{code}"
    );
    assert_eq!(code.matches("deny_unknown_fields").count(), 1, "{code}");
    assert_eq!(
        row(&code, "Engine"),
        r#"one_of("Engine",DatabaseType::VALUES).required(),"#
    );
}

/// The real spec as it began (`service.json` and `CreateRestoreTask`) with
/// `fixtures/added-operation/StartRestoreTask.json` beside it.
fn spec_with_added_operation() -> tempfile::TempDir {
    let dir = real_spec_with(&["CreateRestoreTask"]);
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

/// A paginator over an int64 page number, without totals, whose items sit under a required
/// member: the other branches of the generated `Paged` impl.
#[test]
fn paged_int64_without_totals_under_a_required_member() {
    let code = fixture("paged-int64-no-totals");
    insta::assert_snapshot!("paged-int64-no-totals", code);
    for item in [
        "type Item = ::std::string::String;",
        "fn with_page_number(builder: Self::Builder, page: i64) -> Self::Builder { builder.page_number(page) }",
        "fn total_pages(_output: &Self::Output) -> ::std::option::Option<i64> { ::std::option::Option::None }",
        "output.data.as_ref().map(|v| &v.rows).map_or(0, |items| items.len())",
        "output.data.map(|v| v.rows).unwrap_or_default()",
        "first_page: 1,",
    ] {
        assert!(has(&code, item), "{item}\n{code}");
    }
}

/// A waiter: its unit type, the `impl Waiter` reading an enum status, an optional message and a
/// required progress member from the items of a list, and the client method named after it.
#[test]
fn a_waiter_generates_its_type_impl_and_client_method() {
    let code = fixture("waiter");
    insta::assert_snapshot!("waiter", code);
    for item in [
        "pub struct FixtureJobDoneWaiter;",
        "impl ::dbs_api::__private::Waiter for FixtureJobDoneWaiter",
        "type Item = FixtureJob;",
        "success: &[\"done\"],",
        "failure: &[\"failed\"],",
        "operation: \"ExplainFixtureJob\", input: \"JobId\"",
        "DescribeFixtureJobsInput::builder().job_id(id)",
        "output.jobs.and_then(|v| v.job).and_then(|items| items.into_iter().next())",
        "item.status.as_ref().map(|v| v.as_str().to_owned())",
        "(\"Progress\", ::std::option::Option::Some(<i64>::from(item.progress)))",
        "pub fn wait_until_fixture_job_done(",
    ] {
        assert!(has(&code, item), "{item}\n{code}");
    }
}
