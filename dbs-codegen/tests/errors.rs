//! Spec mistakes: every one reported in one run, each with its file and JSON pointer.
//!
//! Each `fixtures/errors/<name>/` is a small spec with the mistakes its name says; the messages
//! are reviewed snapshots, the pointers are checked against where the fixture put each mistake.
//! The acceptance test breaks the real spec and runs the `dbs-codegen` binary too.

// Tests fail by panicking: `unwrap` on the fixed test inputs is the clearest way to say so.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use dbs_codegen::{SpecDir, SpecErrors};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/errors");
const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const SPEC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/dbs-2019-03-06");

/// Where each fixture's mistakes are: (file, JSON pointer), in the order they are reported: by
/// file, `service.json` first.
const CASES: &[(&str, &[(&str, &str)])] = &[
    (
        "unknown-type",
        &[("CreateRestoreTask.json", "/parameters/0/type")],
    ),
    (
        "unknown-parameter-in-condition",
        &[(
            "CreateRestoreTask.json",
            "/parameters/2/required/when/all/0/param",
        )],
    ),
    (
        "unknown-enum-value-in-condition",
        &[(
            "CreateRestoreTask.json",
            "/parameters/2/required/when/all/0/in/0",
        )],
    ),
    (
        "duplicate-parameter",
        &[("CreateRestoreTask.json", "/parameters/4/name")],
    ),
    ("bad-json", &[("CreateRestoreTask.json", "")]),
    (
        "unknown-key",
        &[("CreateRestoreTask.json", "/parameters/0/requried")],
    ),
    (
        "unknown-context-fact",
        &[(
            "CreateRestoreTask.json",
            "/parameters/2/required/when/all/1/context",
        )],
    ),
    (
        "several-mistakes",
        &[
            ("service.json", "/endpoints/cn-hangzhou"),
            ("service.json", "/errors/0"),
            ("CreateRestoreTask.json", "/parameters/0/type"),
            (
                "CreateRestoreTask.json",
                "/parameters/2/required/when/all/0/param",
            ),
            ("CreateRestoreTask.json", "/response/fields/0/descripton"),
            ("CreateRestoreTask.json", "/response/fields/0"),
            ("StartRestoreTask.json", "/name"),
            ("StartRestoreTask.json", "/shapes/TaskKind/members"),
            ("StartRestoreTask.json", "/parameters/1/sensitive"),
        ],
    ),
    (
        "unusable-names",
        &[
            ("service.json", "/context/0/values/2/value"),
            ("service.json", "/errors/0/code"),
            ("service.json", "/errors/1/code"),
            ("service.json", "/errors/2/code"),
            ("service.json", "/errors/3/code"),
            ("service.json", "/shapes/Shared/members/0/name"),
            ("UnusableNames.json", "/shapes/Self"),
            ("UnusableNames.json", "/parameters/1/name"),
            ("UnusableNames.json", "/parameters/2/name"),
            ("UnusableNames.json", "/shapes/Thing/members/1/name"),
            ("UnusableNames.json", "/response/fields/1/name"),
            ("UnusableNames.json", "/shapes/Kind/values/1/value"),
            ("UnusableNames.json", "/shapes/Kind/values/2/value"),
            ("UnusableNames.json", "/errors/0/code"),
        ],
    ),
    (
        "bad-pagination",
        &[
            ("BadPagination.json", "/pagination/page_number"),
            ("BadPagination.json", "/pagination/page_size"),
            ("BadPagination.json", "/pagination/total_pages"),
            ("BadPagination.json", "/pagination/total_items"),
            ("BadPagination.json", "/pagination/items"),
        ],
    ),
    (
        "bad-example",
        &[
            ("BadExample.json", "/response/example"),
            ("NotJson.json", "/response/example"),
        ],
    ),
    (
        "shape-clash",
        &[("ShapeClash.json", "/shapes/DatabaseType")],
    ),
    (
        "nested-cycle",
        &[
            ("NestedCycle.json", "/shapes/AList/member"),
            ("NestedCycle.json", "/shapes/S/members/0/type"),
        ],
    ),
    (
        "forbidden-unknown-param",
        &[
            (
                "ForbiddenUnknownParam.json",
                "/parameters/0/forbidden/when/present",
            ),
            (
                "ForbiddenUnknownParam.json",
                "/parameters/1/forbidden/when/param",
            ),
            (
                "ForbiddenUnknownParam.json",
                "/parameters/3/required/when/in/0",
            ),
        ],
    ),
    (
        "structure-both-sides",
        &[
            ("service.json", "/shapes/Endpoint"),
            ("BothSides.json", "/shapes/Plan"),
        ],
    ),
    (
        "list-cycles",
        &[
            ("ListCycles.json", "/shapes/Loop/member"),
            ("ListCycles.json", "/shapes/Matrix/member"),
            ("ListCycles.json", "/shapes/Ping/member"),
            ("ListCycles.json", "/shapes/Pong/member"),
        ],
    ),
    (
        "reserved-names",
        &[
            ("Call.json", "/name"),
            ("Emulator.json", "/name"),
            ("ReservedNames.json", "/parameters/0/name"),
            ("ReservedNames.json", "/parameters/1/name"),
            ("ReservedNames.json", "/parameters/2/name"),
            ("ReservedNames.json", "/parameters/3/name"),
            ("ReservedNames.json", "/parameters/4/name"),
            ("ReservedNames.json", "/shapes/Thing/members/0/name"),
            ("ReservedNames.json", "/shapes/Thing/members/1/name"),
            ("ReservedNames.json", "/shapes/CallInput"),
            ("ReservedNames.json", "/shapes/Error"),
        ],
    ),
    (
        "wire-and-cli-conflicts",
        &[
            ("service.json", "/endpoints/cn-beijing"),
            ("service.json", "/endpoints/cn-chengdu"),
            ("service.json", "/endpoints/cn-shanghai"),
            ("service.json", "/endpoints/cn-shenzhen"),
            ("WireConflicts.json", "/parameters/2/name"),
            ("WireConflicts.json", "/parameters/3/name"),
            ("WireConflicts.json", "/parameters/4/name"),
            ("WireConflicts.json", "/parameters/0/name"),
            ("WireConflicts.json", "/parameters/1/name"),
            ("WireConflicts.json", "/idempotency_token"),
        ],
    ),
    (
        "name-collisions",
        &[
            ("service.json", "/context/1/name"),
            ("service.json", "/errors/2/code"),
            ("FooBar.json", "/shapes/Kind/values/1/value"),
            ("FooBar.json", "/shapes/Kind/values/3/value"),
            ("FooBar.json", "/errors/1/code"),
            ("FooBar.json", "/errors/2/code"),
            ("FooBar.json", "/parameters/1/name"),
            ("FooBar.json", "/shapes/Thing/members/1/name"),
            ("FooBar.json", "/shapes/Thing/members/2/name"),
            ("FooBar.json", "/response/fields/1/name"),
            ("FooBar.json", "/name"),
        ],
    ),
    (
        "service-not-json",
        &[
            ("service.json", ""),
            ("ServiceNotJson.json", "/parameters/2/type"),
        ],
    ),
    (
        "unreadable-files",
        &[
            ("", ""),
            ("Broken.json", ""),
            ("Readable.json", "/parameters/0/type"),
        ],
    ),
    (
        "bad-ranges",
        &[
            ("BadRanges.json", "/parameters/0/range"),
            ("BadRanges.json", "/parameters/1/range"),
            ("BadRanges.json", "/parameters/2/range/min"),
            ("BadRanges.json", "/parameters/3/range/min"),
            ("BadRanges.json", "/parameters/3/range/max"),
            ("BadRanges.json", "/parameters/4/range/min"),
            ("BadRanges.json", "/parameters/5/range"),
            ("BadRanges.json", "/parameters/6/range/max"),
        ],
    ),
    (
        "enum-value-white-space",
        &[
            ("EnumValueWhiteSpace.json", "/shapes/Kind/values/0/value"),
            ("EnumValueWhiteSpace.json", "/shapes/Kind/values/2/value"),
        ],
    ),
    (
        "format-keywords",
        &[
            ("service.json", "/style"),
            ("FormatKeywords.json", "/method"),
            ("FormatKeywords.json", "/shapes/Settings/type"),
            ("FormatKeywords.json", "/parameters/0/encoding"),
            ("FormatKeywords.json", "/parameters/1/required/when/values"),
            ("FormatKeywords.json", "/parameters/1/required/when"),
            ("FormatKeywords.json", "/parameters/2/required/when"),
        ],
    ),
    (
        "hidden-mistakes",
        &[
            ("service.json", "/errors/0/code"),
            ("service.json", "/errors/0/http_status"),
            ("service.json", "/errors/0/message"),
            ("service.json", "/context/0/name"),
            ("service.json", "/context/0/description"),
            ("service.json", "/context/0/values"),
            ("service.json", "/context/1/values/0"),
            ("service.json", "/context/1/values/0/description"),
            ("HiddenMistakes.json", "/name"),
            ("HiddenMistakes.json", "/summary"),
            ("HiddenMistakes.json", "/ram_action"),
            ("HiddenMistakes.json", "/idempotent"),
            ("HiddenMistakes.json", "/parameters/0/name"),
            ("HiddenMistakes.json", "/parameters/0/type"),
            ("HiddenMistakes.json", "/parameters/0/unit"),
            ("HiddenMistakes.json", "/parameters/1/range/min"),
            ("HiddenMistakes.json", "/parameters/1/range/max"),
            ("HiddenMistakes.json", "/parameters/0/required"),
            ("HiddenMistakes.json", "/parameters/2/required/id"),
            ("HiddenMistakes.json", "/parameters/2/required/when/param"),
            ("HiddenMistakes.json", "/parameters/2/required/when/in"),
        ],
    ),
];

fn errors_of(dir: &Path, shown: &str) -> SpecErrors {
    match SpecDir::read(dir, shown).and_then(|files| files.lower()) {
        Ok(_) => panic!("{shown}: expected spec errors, found none"),
        Err(errors) => errors,
    }
}

#[test]
fn every_fixture_reports_its_mistakes_where_they_are() {
    for (name, expected) in CASES {
        let shown = format!("fixtures/errors/{name}");
        let errors = errors_of(&Path::new(FIXTURES).join(name), &shown);
        let found: Vec<(String, String)> = errors
            .0
            .iter()
            .map(|e| (e.file.clone(), e.pointer.clone()))
            .collect();
        // An empty file name is the directory itself (no service.json).
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(file, pointer)| match *file {
                "" => (shown.clone(), (*pointer).to_owned()),
                file => (format!("{shown}/{file}"), (*pointer).to_owned()),
            })
            .collect();
        assert_eq!(found, expected, "{name}:\n{errors}");
        insta::assert_snapshot!(*name, errors.to_string());
    }
}

#[test]
fn every_error_fixture_is_checked() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = CASES.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(on_disk, listed);
}

// ---- acceptance: a renamed shape leaves every reference to it dangling ----

const OLD: &str = "DestinationEndpointInstanceType";
const NEW: &str = "DestinationEndpointLocation";

/// A copy of the real spec whose shape `OLD` is declared as `NEW`, and the pointers of every
/// reference to `OLD` left behind: each parameter typed `OLD`, and each condition on such a
/// parameter, read from the document itself.
fn renamed_spec() -> (tempfile::TempDir, BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    for name in ["service.json", "CreateRestoreTask.json"] {
        std::fs::copy(Path::new(SPEC_DIR).join(name), dir.path().join(name)).unwrap();
    }
    let path = dir.path().join("CreateRestoreTask.json");
    let mut op: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let shapes = op["shapes"].as_object_mut().unwrap();
    let shape = shapes.remove(OLD).unwrap();
    shapes.insert(NEW.to_owned(), shape);
    std::fs::write(&path, serde_json::to_string_pretty(&op).unwrap()).unwrap();

    let mut dangling = BTreeSet::new();
    let mut typed_old = Vec::new();
    for (i, param) in op["parameters"].as_array().unwrap().iter().enumerate() {
        if param["type"] == OLD {
            dangling.insert(format!("/parameters/{i}/type"));
            typed_old.push(param["name"].as_str().unwrap().to_owned());
        }
    }
    fn conditions(value: &Value, at: &str, names: &[String], out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(param)) = map.get("param")
                    && map.contains_key("in")
                    && names.contains(param)
                {
                    out.insert(format!("{at}/param"));
                }
                for (key, v) in map {
                    conditions(v, &format!("{at}/{key}"), names, out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    conditions(v, &format!("{at}/{i}"), names, out);
                }
            }
            _ => {}
        }
    }
    conditions(&op["parameters"], "/parameters", &typed_old, &mut dangling);
    (dir, dangling)
}

#[test]
fn renamed_shape_reports_each_dangling_reference_in_one_run() {
    let (dir, dangling) = renamed_spec();
    // The type and more than one condition: the real spec's rules R1-R10 test the parameter.
    assert!(dangling.len() > 2, "{dangling:?}");
    let errors = errors_of(dir.path(), "spec");
    let pointers: Vec<&str> = errors.0.iter().map(|e| e.pointer.as_str()).collect();
    let unique: BTreeSet<String> = pointers.iter().map(|p| (*p).to_owned()).collect();
    assert_eq!(
        unique.len(),
        pointers.len(),
        "one error per reference:\n{errors}"
    );
    assert_eq!(unique, dangling, "\n{errors}");
    for error in &errors.0 {
        assert_eq!(error.file, "spec/CreateRestoreTask.json");
        assert!(error.message.contains(&format!("`{OLD}`")), "{error}");
    }
    insta::assert_snapshot!("renamed-shape", errors.to_string());
}

fn codegen(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dbs-codegen"))
        .args(args)
        .current_dir(WORKSPACE)
        .output()
        .unwrap()
}

#[test]
fn check_binary_lists_every_dangling_reference_and_fails() {
    let (dir, dangling) = renamed_spec();
    let shown = dir.path().to_str().unwrap();
    let output = codegen(&["check", shown]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!("{} spec errors:\n", dangling.len())),
        "{stderr}"
    );
    for pointer in &dangling {
        let line = format!("  {shown}/CreateRestoreTask.json: {pointer}: ");
        assert_eq!(stderr.matches(&line).count(), 1, "{line:?} in\n{stderr}");
    }
    assert_eq!(stderr.lines().count(), dangling.len() + 1, "{stderr}");
}

#[test]
fn check_binary_accepts_the_real_spec() {
    let output = codegen(&["check", "spec/dbs-2019-03-06"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("spec/dbs-2019-03-06: ") && stdout.contains("no errors"),
        "{stdout}"
    );
}

#[test]
fn check_binary_needs_a_command_and_a_directory() {
    let output = codegen(&["check"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("usage: dbs-codegen"));
}

#[test]
fn expand_into_a_closed_pipe_exits_zero() {
    use std::io::BufRead;
    // The real spec's code (about 100 KB) does not fit a pipe's buffer, so the writer is still
    // writing when the reader goes away, as with `dbs-codegen expand … | head -1`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbs-codegen"))
        .args(["expand", "spec/dbs-2019-03-06"])
        .current_dir(WORKSPACE)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("///"), "{line}");
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

// ---- every reserved name is rejected ----

/// A small operation: one parameter, no shapes.
fn small_operation(name: &str) -> Value {
    serde_json::json!({
        "name": name,
        "summary": "A small operation.",
        "documentation": "https://example.invalid/small",
        "ram_action": format!("dbs:{name}"),
        "access_level": "read",
        "method": "POST",
        "idempotent": true,
        "parameters": [
            { "name": "RestoreTaskId", "type": "string", "description": "The ID." }
        ],
        "response": { "fields": [
            { "name": "RequestId", "type": "string", "description": "The request ID." }
        ] }
    })
}

/// The errors of the real `service.json` with one operation, named after its `name`.
fn errors_with(operation: &Value) -> Vec<dbs_codegen::SpecError> {
    let service = dbs_codegen::SpecFile {
        path: "service.json".to_owned(),
        text: std::fs::read_to_string(Path::new(SPEC_DIR).join("service.json")).unwrap(),
    };
    let operation = dbs_codegen::SpecFile {
        path: format!("{}.json", operation["name"].as_str().unwrap()),
        text: operation.to_string(),
    };
    match dbs_codegen::lower(&service, &[operation]) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0,
    }
}

/// `reserved` is rejected: there are errors, all at `pointer`, one naming `needle`.
fn assert_rejected(reserved: &str, operation: &Value, pointer: &str, needle: &str) {
    let errors = errors_with(operation);
    assert!(!errors.is_empty(), "`{reserved}` is accepted at {pointer}");
    for error in &errors {
        assert_eq!(error.pointer, pointer, "`{reserved}`: {error}");
    }
    assert!(
        errors.iter().any(|e| e.message.contains(needle)),
        "`{reserved}`: no error names {needle}: {errors:#?}"
    );
}

/// `operation` with one more string parameter, named `name`.
fn with_parameter(mut operation: Value, name: &str) -> Value {
    let parameter =
        serde_json::json!({ "name": name, "type": "string", "description": "A parameter." });
    operation["parameters"]
        .as_array_mut()
        .unwrap()
        .push(parameter);
    operation
}

/// `operation` with one shape.
fn with_shape(mut operation: Value, name: &str, shape: Value) -> Value {
    operation["shapes"] = serde_json::json!({ name: shape });
    operation
}

fn enum_of(value: &str) -> Value {
    serde_json::json!({
        "type": "enum",
        "description": "An enum.",
        "values": [{ "value": value, "description": "A value." }]
    })
}

/// `snake_case` → `SnakeCase`, an operation name whose method is `snake_case`.
fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| word[..1].to_ascii_uppercase() + &word[1..])
        .collect()
}

#[test]
fn every_reserved_name_is_rejected() {
    use dbs_codegen::reserved;
    let small = || small_operation("Small");

    for method in reserved::CLIENT_METHODS {
        let op = small_operation(&pascal(method));
        assert_rejected(method, &op, "/name", &format!("client method `{method}`"));
    }
    for command in reserved::CLI_COMMANDS {
        let op = small_operation(&pascal(command));
        assert_rejected(command, &op, "/name", &format!("subcommand `{command}`"));
    }
    for method in reserved::parameter_methods() {
        let op = with_parameter(small(), method);
        let needle = format!("setter `{method}`");
        assert_rejected(method, &op, "/parameters/1/name", &needle);
    }
    for flag in reserved::CLI_GLOBAL_FLAGS {
        let op = with_parameter(small(), flag);
        let needle = format!("flag `--{flag}`");
        assert_rejected(flag, &op, "/parameters/1/name", &needle);
    }
    for common in reserved::COMMON_PARAMETERS {
        for spelling in [common.to_string(), common.to_ascii_lowercase()] {
            let op = with_parameter(small(), &spelling);
            let needle = format!("common parameter `{common}`");
            assert_rejected(common, &op, "/parameters/1/name", &needle);
        }
    }
    for method in reserved::STRUCTURE_METHODS {
        let structure = serde_json::json!({
            "type": "structure",
            "description": "A structure.",
            "members": [{ "name": method, "type": "string", "description": "A member." }]
        });
        let op = with_shape(small(), "Thing", structure);
        let needle = format!("Rust name `{method}`");
        assert_rejected(method, &op, "/shapes/Thing/members/0/name", &needle);
    }
    let suffixed = reserved::OPERATION_TYPE_SUFFIXES
        .iter()
        .map(|s| format!("Small{s}"));
    let runtime = reserved::RUNTIME_TYPES.iter().map(|s| (*s).to_owned());
    for name in runtime.chain(suffixed).chain(["Self".to_owned()]) {
        let op = with_shape(small(), &name, enum_of("A"));
        assert_rejected(&name, &op, &format!("/shapes/{name}"), &format!("`{name}`"));
    }
    assert_rejected("Self", &small_operation("Self"), "/name", "keyword");

    let unknown = reserved::UNKNOWN_VARIANT;
    let op = with_shape(small(), "Kind", enum_of(&unknown.to_ascii_lowercase()));
    let needle = format!("variant `{unknown}`");
    assert_rejected(unknown, &op, "/shapes/Kind/values/0/value", &needle);
    let mut op = small();
    op["errors"] = serde_json::json!([{ "code": unknown, "http_status": 400, "message": "No." }]);
    assert_rejected(unknown, &op, "/errors/0/code", &needle);
}

#[test]
fn names_near_reserved_ones_are_accepted() {
    // `Region` is a real parameter of several DBS operations (`DescribeBackupPlanList`'s filter);
    // its flag is `--region`, while the CLI's endpoint region is `--region-id`.
    // Keywords derive escaped names (`type_`, `self_`), and names that only contain a reserved
    // one are fine.
    let mut op = small_operation("Small");
    for name in ["Region", "Type", "Self", "Crate", "SendTime", "Signatures"] {
        op = with_parameter(op, name);
    }
    let errors = errors_with(&op);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn a_document_that_is_not_an_object_is_one_mistake() {
    // Not "missing key `product`" and six more: a document that is not an object has no keys to
    // miss.
    let service = dbs_codegen::SpecFile {
        path: "service.json".to_owned(),
        text: "[]".to_owned(),
    };
    let operation = dbs_codegen::SpecFile {
        path: "Small.json".to_owned(),
        text: "\"Small\"".to_owned(),
    };
    let errors = match dbs_codegen::lower(&service, &[operation]) {
        Ok(_) => panic!("an array and a string are not spec files"),
        Err(errors) => errors,
    };
    assert_eq!(
        errors.to_string(),
        "2 spec errors:\n  service.json: /: expected an object, found an array\n  Small.json: /: expected an object, found a string\n"
    );
}

#[test]
fn the_cli_timeout_and_context_fact_flags_are_rejected_as_parameters() {
    // reserved.rs once missed these four global options of the CLI: a parameter named like one
    // passed `check` and made clap panic when the CLI built its command.
    for name in [
        "ConnectTimeout",
        "ReadTimeout",
        "OperationTimeout",
        "MaxAttempts",
    ] {
        let op = with_parameter(small_operation("Small"), name);
        assert_rejected(name, &op, "/parameters/1/name", "global option");
    }
    // The real service.json's context fact `SourceDatabaseType` is the CLI's
    // `--source-database-type`, derived from the spec rather than listed in reserved.rs.
    let op = with_parameter(small_operation("Small"), "SourceDatabaseType");
    let needle = "the context fact `SourceDatabaseType`";
    assert_rejected("SourceDatabaseType", &op, "/parameters/1/name", needle);
}

#[test]
fn a_context_fact_named_like_a_global_option_is_rejected() {
    let mut service: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(SPEC_DIR).join("service.json")).unwrap(),
    )
    .unwrap();
    let facts = service["context"].as_array_mut().unwrap();
    facts.push(serde_json::json!({
        "name": "RegionId",
        "description": "The region of the plan.",
        "source": "DescribeBackupPlanList.Items.BackupPlanDetail.Region",
        "values": [{ "value": "cn-hangzhou", "description": "Hangzhou." }]
    }));
    let at = format!("/context/{}/name", facts.len() - 1);
    let service = dbs_codegen::SpecFile {
        path: "service.json".to_owned(),
        text: service.to_string(),
    };
    let operation = small_operation("Small");
    let operation = dbs_codegen::SpecFile {
        path: "Small.json".to_owned(),
        text: operation.to_string(),
    };
    let errors = match dbs_codegen::lower(&service, &[operation]) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0,
    };
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].pointer, at, "{}", errors[0]);
    assert!(
        errors[0]
            .message
            .contains("context fact `RegionId` becomes the CLI flag `--region-id`"),
        "{}",
        errors[0]
    );
}

#[test]
fn the_names_of_the_runtime_s_private_helpers_are_free() {
    // The pipeline's helpers moved off `Client` (to `client::Inner`) and `RequestBuilder` (to a
    // free function), so an operation or parameter may now take their names.
    for name in [
        "Execute",
        "DynamicCall",
        "Prepare",
        "Attempts",
        "Attempt",
        "Sign",
        "Url",
    ] {
        let errors = errors_with(&small_operation(name));
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    let errors = errors_with(&with_parameter(small_operation("Small"), "PrepareCall"));
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn an_error_code_may_not_become_the_common_variant() {
    // `<Operation>ErrorCode::Common` holds the service-wide codes: an operation's own code named
    // `Common` would be a second variant of that name.
    let mut op = small_operation("Small");
    op["errors"] = serde_json::json!([
        { "code": "Common", "http_status": 400, "message": "A common problem.", "description": "Common." }
    ]);
    assert_rejected("Common", &op, "/errors/0/code", "service-wide codes");
    // An operation named `Common` would generate `CommonErrorCode`, the service-wide enum.
    assert_rejected(
        "Common",
        &small_operation("Common"),
        "/name",
        "CommonErrorCode",
    );
}
