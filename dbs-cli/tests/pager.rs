//! `dbs --pager`, `--output table --columns` and `--query` against a `dbs emulator` child on
//! 127.0.0.1 holding 35 backup plans made with `dbs create-backup-plan`. Expected values come
//! from the plans created and the spec's pagination of `DescribeBackupPlanList` (items at
//! `Items.BackupPlanDetail`, `TotalElements`, `TotalPages`).

mod common;

use std::process::{Output, Stdio};
use std::time::Duration;

use common::{Emulator, stderr, stdout};
use serde_json::Value;

const RESOURCE_GROUP: &str = "rg-cli-pager";
const PLANS: usize = 35;

/// Runs `dbs --endpoint URL <args>` with the demo credentials, to the end (bounded).
fn dbs(url: &str, args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp HOME");
    let child = common::dbs_command(home.path())
        .envs(common::DEMO_CREDENTIALS)
        .args(["--endpoint", url])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbs");
    let (output, killed) = common::wait_at_most(child, Duration::from_secs(60));
    assert!(!killed, "dbs {args:?} hung");
    output
}

fn json(output: &Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_str(&stdout(output)).expect("JSON on stdout")
}

/// An emulator with `PLANS` more plans, in the resource group, made through the CLI; their IDs
/// in creation order.
fn emulator_with_plans() -> (Emulator, Vec<String>) {
    let emulator = Emulator::start_alone();
    let ids = (0..PLANS)
        .map(|_| {
            let created = json(&dbs(
                &emulator.url,
                &[
                    "create-backup-plan",
                    "--instance-class",
                    "micro",
                    "--database-type",
                    "MySQL",
                    "--backup-method",
                    "logical",
                    "--resource-group-id",
                    RESOURCE_GROUP,
                ],
            ));
            created["BackupPlanId"]
                .as_str()
                .expect("BackupPlanId")
                .to_owned()
        })
        .collect();
    (emulator, ids)
}

const LIST: [&str; 5] = [
    "describe-backup-plan-list",
    "--resource-group-id",
    RESOURCE_GROUP,
    "--page-size",
    "10",
];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    LIST.iter().copied().chain(extra.iter().copied()).collect()
}

#[test]
fn pager_output_table_and_query_over_35_plans() {
    let (emulator, ids) = emulator_with_plans();

    // One page without --pager: the first 10, and the totals say 4 pages of 35.
    let page = json(&dbs(&emulator.url, &LIST));
    assert_eq!(
        page["Items"]["BackupPlanDetail"].as_array().map(Vec::len),
        Some(10)
    );
    assert_eq!(page["TotalElements"], 35);
    assert_eq!(page["TotalPages"], 4);

    // --pager: one answer with all 35, in creation order, the totals kept.
    let merged = json(&dbs(&emulator.url, &with(&["--pager"])));
    let got: Vec<&str> = merged["Items"]["BackupPlanDetail"]
        .as_array()
        .expect("the list")
        .iter()
        .map(|plan| plan["BackupPlanId"].as_str().expect("an ID"))
        .collect();
    assert_eq!(got, ids);
    assert_eq!(merged["TotalElements"], 35);
    assert_eq!(merged["TotalPages"], 4);

    // --query over the merged answer.
    let selected = json(&dbs(
        &emulator.url,
        &with(&[
            "--pager",
            "--query",
            "Items.BackupPlanDetail[].BackupPlanId",
        ]),
    ));
    let expected: Vec<Value> = ids.iter().map(|id| Value::from(id.as_str())).collect();
    assert_eq!(selected, Value::Array(expected));
    let count = json(&dbs(
        &emulator.url,
        &with(&["--pager", "--query", "length(Items.BackupPlanDetail)"]),
    ));
    assert_eq!(count, 35);

    // --output table: a header, a rule, one line per plan with the columns asked.
    let output = dbs(
        &emulator.url,
        &with(&[
            "--pager",
            "--output",
            "table",
            "--columns",
            "BackupPlanId,DatabaseType,ResourceGroupId",
        ]),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2 + PLANS, "{text}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["BackupPlanId", "DatabaseType", "ResourceGroupId"]);
    assert!(
        lines[1].chars().all(|c| c == '-' || c == ' '),
        "{}",
        lines[1]
    );
    for (line, id) in lines[2..].iter().zip(&ids) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells, [id.as_str(), "MySQL", RESOURCE_GROUP], "{line}");
    }

    // --output table of a non-list answer: its top-level fields, one row.
    let output = dbs(
        &emulator.url,
        &[
            "describe-backup-plan-list",
            "--backup-plan-id",
            &ids[0],
            "--output",
            "table",
            "--columns",
            "TotalElements,PageNum",
            "--query",
            "@",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["TotalElements", "PageNum"], "{text}");
    assert_eq!(lines[2], ["1", "0"], "{text}");
}

#[test]
fn pager_is_refused_on_an_operation_that_does_not_page() {
    let server = common::Server::answering(common::response(
        200,
        "application/json",
        &[],
        r#"{"RequestId":"r","Success":true}"#,
    ));
    let output = dbs(
        &server.url,
        &["describe-job-error-code", "--task-id", "t-1", "--pager"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--pager"), "{}", stderr(&output));
    assert!(!server.was_contacted());
}

#[test]
fn a_query_that_does_not_compile_is_refused_before_sending() {
    let server = common::Server::answering(common::response(
        200,
        "application/json",
        &[],
        r#"{"RequestId":"r","Success":true}"#,
    ));
    let output = dbs(&server.url, &with(&["--query", "Items[?"]));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--query"), "{}", stderr(&output));
    let output = dbs(&server.url, &with(&["--columns", "BackupPlanId"]));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!server.was_contacted());
}

#[test]
fn pager_against_a_server_that_never_stops_announcing_pages_is_capped() {
    let server = common::Server::answering(common::response(
        200,
        "application/json",
        &[],
        r#"{"RequestId":"r","Success":true,"TotalPages":1000000,"TotalElements":1000000,"Items":{"BackupPlanDetail":[{"BackupPlanId":"p"}]}}"#,
    ));
    let output = dbs(
        &server.url,
        &["describe-backup-plan-list", "--page-size", "1", "--pager"],
    );
    // Sent, so exit 1; nothing half-merged on stdout; the cap is named.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(
        message.contains("DescribeBackupPlanList") && message.contains("1000 page(s)"),
        "{message}"
    );
    assert_eq!(server.requests(), 1000);
}
