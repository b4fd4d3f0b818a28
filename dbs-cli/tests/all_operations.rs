//! The whole DBS 2019-03-06 API through the `dbs` binary: the help lists every operation of the
//! spec, and the new kinds of parameter (booleans, enums, int64, typed JSON strings, forbidden
//! pairs) and nested list responses work end to end. Expected values are read from the spec
//! files (`spec/dbs-2019-03-06/`, imported from Alibaba's official metadata), never from `dbs`'s
//! own output. Only loopback is contacted: the in-process emulator, or a scripted server.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{DEMO_CREDENTIALS, Server, dbs_command, response, stderr, stdout};
use serde_json::Value;

/// Runs `dbs args...` with `env` on top of a clean environment and an empty HOME.
fn dbs(args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().expect("temp HOME");
    dbs_command(home.path())
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run dbs")
}

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/dbs-2019-03-06")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every operation file of the spec, by operation name.
fn spec_operations() -> BTreeMap<String, Value> {
    let mut operations = BTreeMap::new();
    for entry in std::fs::read_dir(spec_dir()).expect("spec directory") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json")
            && path.file_name().is_some_and(|n| n != "service.json")
        {
            let json = read_json(&path);
            let name = json["name"].as_str().expect("name").to_owned();
            operations.insert(name, json);
        }
    }
    operations
}

fn spec_operation(name: &str) -> Value {
    read_json(&spec_dir().join(format!("{name}.json")))
}

/// The shape `name` as `operation` resolves it: its own shapes first, then the service's.
fn shape(operation: &Value, name: &str) -> Value {
    if let Some(own) = operation["shapes"].get(name) {
        return own.clone();
    }
    let service = read_json(&spec_dir().join("service.json"));
    service["shapes"][name].clone()
}

/// The values of an enum shape, in spec order; `None` for any other type.
fn enum_values(operation: &Value, type_name: &str) -> Option<Vec<String>> {
    let shape = shape(operation, type_name);
    (shape["type"] == "enum").then(|| {
        shape["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|v| v["value"].as_str().expect("value").to_owned())
            .collect()
    })
}

fn parameter<'a>(operation: &'a Value, wire: &str) -> &'a Value {
    operation["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == wire)
        .unwrap_or_else(|| panic!("{wire} in {}", operation["name"]))
}

/// An Alibaba action name as a subcommand, by the usual kebab-case rule: a word starts at an
/// upper-case letter after a lower-case one, or at the last capital of an acronym followed by
/// a lower-case letter (`DescribeDLAService` → `describe-dla-service`).
fn kebab(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            let after_lower = chars[i - 1].is_ascii_lowercase();
            let acronym_end = chars[i - 1].is_ascii_uppercase()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if after_lower || acronym_end {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The demo credentials and a scripted loopback server that must not be contacted: a call that
/// is refused before sending leaves its count at zero.
fn untouched_server() -> Server {
    Server::answering(response(200, "application/json", &[], "{}"))
}

/// The form body a `--dry-run` prints: its last non-empty line.
fn dry_run_body(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(output));
    stdout(output)
        .lines()
        .rev()
        .find(|line| !line.is_empty())
        .unwrap_or_default()
        .to_owned()
}

/// `dbs --endpoint URL --dry-run args...` with the demo credentials.
fn dry_run(server: &Server, args: &[&str]) -> Output {
    let mut all = vec!["--endpoint", server.url.as_str(), "--dry-run"];
    all.extend_from_slice(args);
    dbs(&all, &DEMO_CREDENTIALS)
}

/// `dbs --endpoint URL args...` with the demo credentials.
fn call(server: &Server, args: &[&str]) -> Output {
    call_url(&server.url, args)
}

fn assert_refused_before_sending(output: &Output, server: &Server) -> String {
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(output));
    assert_eq!(stdout(output), "");
    assert_eq!(server.requests(), 0, "the call reached the server");
    stderr(output)
}

#[test]
fn help_lists_every_operation_of_the_spec_with_its_summary_in_order() {
    let operations = spec_operations();
    // The official metadata (Dbs-2019-03-06-api-docs.json) has 36 operations.
    assert_eq!(operations.len(), 36, "{:?}", operations.keys());
    let output = dbs(&["--help"], &[]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("each of its 36 operations"), "{text}");
    let mut positions = Vec::new();
    for (name, operation) in &operations {
        let command = kebab(name);
        let line = format!("\n  {command}\n");
        let at = text
            .find(&line)
            .unwrap_or_else(|| panic!("{command} ({name}) not listed in:\n{text}"));
        let summary = operation["summary"].as_str().expect("summary");
        let next = text[at + line.len()..].lines().next().unwrap_or_default();
        assert_eq!(next.trim(), summary, "summary of {command}");
        positions.push((command, at));
    }
    // Listed in alphabetical order of the subcommands.
    let mut by_position = positions.clone();
    by_position.sort_by_key(|(_, at)| *at);
    let mut by_name = positions;
    by_name.sort();
    assert_eq!(by_position, by_name);
}

#[test]
fn every_subcommand_help_shows_each_parameter_with_its_values_and_example() {
    for (name, operation) in spec_operations() {
        let command = kebab(&name);
        let output = dbs(&[command.as_str(), "--help"], &[]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command}: {}",
            stderr(&output)
        );
        let text = stdout(&output);
        assert!(text.contains(operation["summary"].as_str().expect("summary")));
        for param in operation["parameters"].as_array().expect("parameters") {
            let wire = param["name"].as_str().expect("name");
            if param["sensitive"] == true {
                // Never a flag: named by its environment variable instead.
                assert!(text.contains("read only from the environment"), "{command}");
                continue;
            }
            // `--flag <VALUE>`, or `--flag [<BOOL>]` for a boolean that may stand alone.
            let flag = format!("--{}", kebab(wire));
            assert!(
                text.contains(&format!("{flag} <")) || text.contains(&format!("{flag} [<")),
                "{command}: {flag} not in\n{text}"
            );
            let type_name = param["type"].as_str().expect("type");
            if let Some(values) = enum_values(&operation, type_name) {
                let listed = format!("Values: {}.", values.join(", "));
                assert!(text.contains(&listed), "{command} {wire}: {listed}\n{text}");
            }
            if type_name == "boolean" {
                assert!(text.contains("Values: true, false."), "{command} {wire}");
            }
        }
        if let Some(paging) = operation.get("pagination") {
            let first = format!("the first is {}", paging["first_page"]);
            assert!(text.contains(&first), "{command}: {first}\n{text}");
            assert!(text.contains("--pager"), "{command}: the coming --pager");
        }
    }
}

#[test]
fn help_states_when_a_parameter_is_forbidden_and_required() {
    let operation = spec_operation("DescribeRestoreTaskList");
    let forbidden = &parameter(&operation, "RestoreTaskId")["forbidden"];
    let required = &parameter(&operation, "BackupPlanId")["required"];
    // The spec's rules: RestoreTaskId is forbidden when BackupPlanId is present, and
    // BackupPlanId is required unless RestoreTaskId is present.
    assert_eq!(forbidden["when"]["present"], "BackupPlanId");
    assert_eq!(required["when"]["not"]["present"], "RestoreTaskId");
    let output = dbs(&["describe-restore-task-list", "--help"], &[]);
    let text = stdout(&output);
    let forbidden_line = format!(
        "Forbidden when BackupPlanId is set. [{}]",
        forbidden["id"].as_str().expect("id")
    );
    let required_line = format!(
        "Required unless RestoreTaskId is set. [{}]",
        required["id"].as_str().expect("id")
    );
    assert!(text.contains(&forbidden_line), "{forbidden_line}\n{text}");
    assert!(text.contains(&required_line), "{required_line}\n{text}");
    // The short help says it too.
    let short = stdout(&dbs(&["describe-restore-task-list", "-h"], &[]));
    assert!(
        short.contains("forbidden when BackupPlanId is set]"),
        "{short}"
    );
}

#[test]
fn a_boolean_flag_is_sent_as_true_or_false() {
    let server = untouched_server();
    let base = [
        "describe-restore-range-info",
        "--backup-plan-id",
        "dbsdemomysql01",
        "--begin-timestamp-for-restore",
        "1554560477000",
        "--end-timestamp-for-restore",
        "1554570477000",
    ];
    let operation = spec_operation("DescribeRestoreRangeInfo");
    assert_eq!(parameter(&operation, "RecentlyRestore")["type"], "boolean");
    for (given, sent) in [
        (&["--recently-restore", "true"][..], "RecentlyRestore=true"),
        (
            &["--recently-restore", "false"][..],
            "RecentlyRestore=false",
        ),
        (&["--recently-restore"][..], "RecentlyRestore=true"),
        (&["--RecentlyRestore", "false"][..], "RecentlyRestore=false"),
    ] {
        let args: Vec<&str> = base.iter().chain(given).copied().collect();
        let body = dry_run_body(&dry_run(&server, &args));
        assert!(
            body.split('&').any(|pair| pair == sent),
            "{given:?}: {body}"
        );
    }
    let args: Vec<&str> = base
        .iter()
        .chain(&["--recently-restore", "maybe"])
        .copied()
        .collect();
    let text = assert_refused_before_sending(&call(&server, &args), &server);
    assert!(
        text.contains("RecentlyRestore: must be true or false"),
        "{text}"
    );
    // The emulator takes it and answers.
    let args: Vec<&str> = ["--emulator"]
        .iter()
        .chain(&base)
        .chain(&["--recently-restore", "true"])
        .copied()
        .collect();
    let output = dbs(&args, &[]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(json["RequestId"].is_string(), "{json}");
}

#[test]
fn an_enum_flag_takes_the_spec_values_in_any_case_and_lists_them_when_unknown() {
    let operation = spec_operation("DescribeJobErrorCode");
    let type_name = parameter(&operation, "Language")["type"]
        .as_str()
        .expect("type")
        .to_owned();
    let values = enum_values(&operation, &type_name).expect("an enum");
    let server = untouched_server();
    for value in &values {
        // Any case in, the spec's spelling on the wire.
        let upper = value.to_ascii_uppercase();
        let body = dry_run_body(&dry_run(
            &server,
            &[
                "describe-job-error-code",
                "--task-id",
                "r1iv62ud1234",
                "--language",
                &upper,
            ],
        ));
        let sent = format!("Language={value}");
        assert!(body.split('&').any(|pair| pair == sent), "{upper}: {body}");
    }
    let output = call(
        &server,
        &[
            "describe-job-error-code",
            "--task-id",
            "r1iv62ud1234",
            "--language",
            "klingon",
        ],
    );
    let text = assert_refused_before_sending(&output, &server);
    let known = format!("Language: must be one of {}", values.join(", "));
    assert!(text.contains(&known), "{known}\n{text}");
    assert!(text.contains("\"klingon\""), "{text}");
    // The emulator takes a known value and answers (for a task it holds).
    let emulator = common::Emulator::start_alone();
    let id = create_task(&emulator.url);
    let output = call_url(
        &emulator.url,
        &[
            "describe-job-error-code",
            "--task-id",
            &id,
            "--language",
            &values[0],
        ],
    );
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
}

/// Creates a restore task on the emulator at `url` with `dbs create-restore-task` (the demo
/// MySQL plan into RDS) and returns its ID.
fn create_task(url: &str) -> String {
    let home = tempfile::tempdir().expect("temp HOME");
    let created = dbs_command(home.path())
        .args(["--endpoint", url])
        .args(common::MYSQL_TO_RDS)
        .envs(DEMO_CREDENTIALS)
        .env(common::PASSWORD_VAR, "pw")
        .output()
        .expect("run dbs");
    assert_eq!(
        created.status.code(),
        Some(0),
        "stderr: {}",
        stderr(&created)
    );
    let created: Value = serde_json::from_slice(&created.stdout).expect("stdout is JSON");
    created["RestoreTaskId"]
        .as_str()
        .expect("RestoreTaskId")
        .to_owned()
}

#[test]
fn int64_values_are_sent_exactly() {
    let operation = spec_operation("GetDBListFromAgent");
    assert_eq!(parameter(&operation, "BackupGatewayId")["type"], "int64");
    assert_eq!(parameter(&operation, "TaskId")["type"], "int64");
    let server = untouched_server();
    // 2^53 + 1 (not a double) and i64::MAX.
    let body = dry_run_body(&dry_run(
        &server,
        &[
            "get-db-list-from-agent",
            "--backup-gateway-id",
            "9007199254740993",
            "--task-id",
            "9223372036854775807",
            "--source-endpoint-region",
            "cn-hangzhou",
        ],
    ));
    let pairs: Vec<&str> = body.split('&').collect();
    assert!(
        pairs.contains(&"BackupGatewayId=9007199254740993"),
        "{body}"
    );
    assert!(pairs.contains(&"TaskId=9223372036854775807"), "{body}");
    let output = call(
        &server,
        &[
            "get-db-list-from-agent",
            "--backup-gateway-id",
            "9007199254740993",
            "--task-id",
            "9223372036854775808",
            "--source-endpoint-region",
            "cn-hangzhou",
        ],
    );
    let text = assert_refused_before_sending(&output, &server);
    assert!(text.contains("TaskId"), "{text}");
}

#[test]
fn a_typed_json_flag_is_checked_against_its_shape_before_sending() {
    let operation = spec_operation("ModifyBackupObjects");
    let list = shape(
        &operation,
        parameter(&operation, "BackupObjects")["type"]
            .as_str()
            .expect("type"),
    );
    let item = shape(&operation, list["member"].as_str().expect("member"));
    let members: Vec<&str> = item["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["name"].as_str().expect("name"))
        .collect();
    assert!(members.contains(&"DBName") && members.contains(&"TableIncludes"));
    let server = untouched_server();
    let run = |json: &str| {
        call(
            &server,
            &[
                "modify-backup-objects",
                "--backup-plan-id",
                "dbsdemomysql01",
                "--backup-objects",
                json,
            ],
        )
    };
    for bad in [
        r#"[{"DBName":5}]"#,                                      // a number for a string
        r#"[{"Database":"db"}]"#,                                 // a field the shape lacks
        r#"[{"DBName":"db","TableIncludes":[{"TableName":1}]}]"#, // wrong type, one level down
        r#"{"DBName":"db"}"#,                                     // an object for a list
        "[]",                                                     // fewer than min_items
        "not json",
    ] {
        let output = run(bad);
        assert_eq!(output.status.code(), Some(2), "{bad}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("BackupObjects"),
            "{bad}: {}",
            stderr(&output)
        );
        assert_eq!(stdout(&output), "");
    }
    // The unknown field is named with the fields the shape has.
    let text = stderr(&run(r#"[{"Database":"db"}]"#));
    assert!(text.contains("`Database`"), "{text}");
    for member in &members {
        assert!(text.contains(&format!("`{member}`")), "{member}: {text}");
    }
    assert_eq!(server.requests(), 0, "a rejected value reached the server");
    // A value of the documented shape goes out as the JSON string the API takes.
    let good = r#"[{"DBName":"db","TableIncludes":[{"TableName":"t1"}]}]"#;
    let body = dry_run_body(&dry_run(
        &server,
        &[
            "modify-backup-objects",
            "--backup-plan-id",
            "dbsdemomysql01",
            "--backup-objects",
            good,
        ],
    ));
    let sent = body
        .split('&')
        .find_map(|pair| pair.strip_prefix("BackupObjects="))
        .expect("BackupObjects sent");
    let decoded: String = form_decode(sent);
    let json: Value = serde_json::from_str(&decoded).expect("a JSON string");
    assert_eq!(json, serde_json::from_str::<Value>(good).expect("JSON"));
    assert_eq!(server.requests(), 0);
}

/// Decodes `application/x-www-form-urlencoded` text.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn a_forbidden_pair_is_refused_naming_the_parameter_and_the_rule() {
    let operation = spec_operation("DescribeRestoreTaskList");
    let forbidden_id = parameter(&operation, "RestoreTaskId")["forbidden"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let required_id = parameter(&operation, "BackupPlanId")["required"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let server = untouched_server();
    let both = [
        "describe-restore-task-list",
        "--backup-plan-id",
        "X",
        "--restore-task-id",
        "Y",
    ];
    let text = assert_refused_before_sending(&call(&server, &both), &server);
    assert!(
        text.contains(&format!(
            "RestoreTaskId: must not be set; forbidden when BackupPlanId is set [{forbidden_id}]"
        )),
        "{text}"
    );
    // The same against the emulator: refused before sending, exit 2.
    let mut with_emulator = vec!["--emulator"];
    with_emulator.extend_from_slice(&both);
    let output = dbs(&with_emulator, &[]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains(&forbidden_id),
        "{}",
        stderr(&output)
    );
    // Neither: BackupPlanId is required, by the other rule.
    let text =
        assert_refused_before_sending(&call(&server, &["describe-restore-task-list"]), &server);
    assert!(text.contains("BackupPlanId"), "{text}");
    assert!(text.contains(&format!("[{required_id}]")), "{text}");
    // Either one alone passes validation.
    for one in [["--backup-plan-id", "X"], ["--restore-task-id", "Y"]] {
        let args: Vec<&str> = ["describe-restore-task-list"]
            .iter()
            .chain(&one)
            .copied()
            .collect();
        let output = dry_run(&server, &args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{one:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_nested_list_response_prints_as_json() {
    // A task created through `dbs`, then listed: the emulator answers from its state.
    let emulator = common::Emulator::start_alone();
    let id = create_task(&emulator.url);

    let output = call_url(
        &emulator.url,
        &[
            "describe-restore-task-list",
            "--backup-plan-id",
            "dbsdemomysql01",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stderr(&output), "");
    let printed: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(printed["TotalElements"], 1);
    let items = printed["Items"]["RestoreTaskDetail"]
        .as_array()
        .expect("the list");
    assert_eq!(items.len(), 1);
    let task = &items[0];
    // What the create request said (MYSQL_TO_RDS), and a task not started (`init`).
    assert_eq!(task["RestoreTaskId"], id);
    assert_eq!(task["BackupPlanId"], "dbsdemomysql01");
    assert_eq!(task["RestoreTaskName"], "restore-demo");
    assert_eq!(task["DestinationEndpointInstanceID"], "rm-bp1p8c29demo");
    assert_eq!(task["RestoreStatus"], "init");
    // Pretty-printed at every depth: a field of a list item sits three levels in.
    let first_field = task
        .as_object()
        .expect("an object")
        .keys()
        .next()
        .expect("a field");
    let indented = format!("\n        \"{first_field}\": ");
    assert!(stdout(&output).contains(&indented), "{}", stdout(&output));
}

/// `dbs --endpoint URL args...` with the demo credentials.
fn call_url(url: &str, args: &[&str]) -> Output {
    let mut all = vec!["--endpoint", url];
    all.extend_from_slice(args);
    dbs(&all, &DEMO_CREDENTIALS)
}

#[test]
fn a_nested_response_is_redacted_and_escaped_at_every_depth() {
    // The official example, with the caller's AccessKeySecret echoed inside a list item and a
    // terminal escape in another field.
    let operation = spec_operation("DescribeRestoreTaskList");
    let mut body: Value =
        serde_json::from_str(operation["response"]["example"].as_str().expect("example"))
            .expect("JSON");
    let secret = DEMO_CREDENTIALS[1].1;
    let item = &mut body["Items"]["RestoreTaskDetail"][0];
    item["ErrMessage"] = Value::String(format!("bad key {secret}"));
    item["RestoreTaskName"] = Value::String("evil\u{1b}[2Jname".to_owned());
    let server = Server::answering(response(
        200,
        "application/json",
        &[],
        &serde_json::to_string(&body).expect("JSON"),
    ));
    let output = call(
        &server,
        &["describe-restore-task-list", "--backup-plan-id", "X"],
    );
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(!text.contains(secret), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "a raw escape reached the terminal"
    );
    let printed: Value = serde_json::from_str(&text).expect("still JSON");
    let printed_item = &printed["Items"]["RestoreTaskDetail"][0];
    assert_eq!(printed_item["ErrMessage"], "bad key ** redacted **");
    assert_eq!(printed_item["RestoreTaskName"], "evil\u{1b}[2Jname");
    assert_eq!(server.requests(), 1);
}
