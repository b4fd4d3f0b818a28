//! `dbs restore` against a `dbs emulator` child on 127.0.0.1 (its default seed): the expected
//! restore points come from the emulator's own answers to the API (`DescribeRestoreRangeInfo`,
//! `DescribeFullBackupList`), the started task from `DescribeRestoreTaskList` and
//! `DescribePreCheckProgressList`, asked with the plain operation subcommands.

mod common;

use std::process::{Output, Stdio};
use std::time::Duration;

use common::{Emulator, MYSQL_TO_RDS, PASSWORD_VAR, stderr, stdout};
use serde_json::Value;

const PLAN: &str = "dbsdemomysql01";
const OTHER_PLAN: &str = "dbsdemopgsql01";

/// A `dbs emulator` child and the HOME it runs with (kept while it runs).
fn emulator() -> (Emulator, tempfile::TempDir) {
    let home = tempfile::tempdir().expect("temp HOME");
    // Short tasks: the precheck (a tenth of the duration) ends soon after the start.
    let emulator = Emulator::start(home.path(), &["--task-duration-ms", "1000"], &[]);
    (emulator, home)
}

/// Runs `dbs --endpoint URL <args>` with the demo credentials and the destination password.
fn dbs(url: &str, args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp HOME");
    let child = common::dbs_command(home.path())
        .envs(common::DEMO_CREDENTIALS)
        .env(PASSWORD_VAR, "demo-Pass1")
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

/// `dbs restore --backup-plan-id PLAN <MySQL to RDS destination> <extra>`.
fn restore(url: &str, plan: &str, extra: &[&str]) -> Output {
    let mut args = vec!["restore", "--backup-plan-id", plan];
    // MYSQL_TO_RDS starts with `create-restore-task --backup-plan-id dbsdemomysql01`.
    let destination = MYSQL_TO_RDS
        .iter()
        .position(|a| a.starts_with("--restore-task-name"))
        .expect("the destination flags");
    args.extend_from_slice(&MYSQL_TO_RDS[destination..]);
    args.extend_from_slice(extra);
    dbs(url, &args)
}

/// The plan's restore tasks, by `DescribeRestoreTaskList`.
fn tasks(url: &str, plan: &str) -> Vec<Value> {
    let answer = json(&dbs(
        url,
        &["describe-restore-task-list", "--backup-plan-id", plan],
    ));
    answer["Items"]["RestoreTaskDetail"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(since.as_millis()).expect("ms")
}

#[test]
fn without_a_point_the_latest_is_restored_said_and_the_task_started() {
    let (emulator, _home) = emulator();
    let url = emulator.url.as_str();
    let ranges = json(&dbs(
        url,
        &[
            "describe-restore-range-info",
            "--backup-plan-id",
            PLAN,
            "--begin-timestamp-for-restore",
            "0",
            "--end-timestamp-for-restore",
            &now_ms().to_string(),
        ],
    ));
    let latest = ranges["Items"]["DBSRecoverRange"]
        .as_array()
        .expect("ranges")
        .iter()
        .filter_map(|r| r["EndTimestampForRestore"].as_i64())
        .max()
        .expect("a restorable point");

    let output = restore(url, PLAN, &[]);
    let task = json(&output);
    let said = stderr(&output);
    assert!(said.contains("latest restorable point"), "{said}");
    assert!(said.contains(&latest.to_string()), "{latest} in {said}");
    assert_eq!(task["RestoreTime"].as_i64(), Some(latest), "{task}");
    assert_eq!(task["BackupPlanId"], PLAN);
    let id = task["RestoreTaskId"].as_str().expect("RestoreTaskId");
    let token = said
        .split_whitespace()
        .skip_while(|w| *w != "ClientToken")
        .nth(1)
        .and_then(|w| w.strip_suffix(':'))
        .expect("the ClientToken on stderr");
    assert!(said.contains(&format!("--client-token {token}")), "{said}");

    // StartRestoreTask was called: the precheck has a status, and the task leaves `init`.
    let precheck = json(&dbs(
        url,
        &[
            "describe-pre-check-progress-list",
            "--backup-plan-id",
            PLAN,
            "--restore-task-id",
            id,
        ],
    ));
    // The spec's PreCheckStatus values of a precheck under way or passed.
    assert!(
        precheck["Status"]
            .as_str()
            .is_some_and(|s| ["running", "finish"].contains(&s)),
        "{precheck}"
    );
    let mut status = String::new();
    for _ in 0..200 {
        let listed = tasks(url, PLAN);
        assert_eq!(listed.len(), 1, "one task created: {listed:?}");
        status = listed[0]["RestoreStatus"].as_str().unwrap_or("").to_owned();
        if status != "init" {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        ["running", "check_pass"].contains(&status.as_str()),
        "{status}"
    );

    // A rerun with the ClientToken finds the same task, started, and creates no other.
    let again = restore(url, PLAN, &["--client-token", token]);
    let task = json(&again);
    assert_eq!(task["RestoreTaskId"], id);
    assert!(
        stderr(&again).contains("already started"),
        "{}",
        stderr(&again)
    );
    assert_eq!(tasks(url, PLAN).len(), 1);
}

#[test]
fn a_time_outside_the_range_is_refused_before_creating() {
    let (emulator, _home) = emulator();
    let url = emulator.url.as_str();
    // Long before the seed's first backup, and after now.
    for time in ["2010-01-01T00:00:00Z", "2099-01-01T00:00:00+08:00"] {
        let output = restore(url, PLAN, &["--restore-time", time]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let error = stderr(&output);
        assert!(
            error.contains("not restorable") && error.contains("nothing was created"),
            "{error}"
        );
        assert!(
            error.contains("Restorable (DescribeRestoreRangeInfo)"),
            "{error}"
        );
        assert!(
            !error.contains("ClientToken"),
            "refused before creating: {error}"
        );
        assert!(stdout(&output).is_empty());
    }
    assert!(tasks(url, PLAN).is_empty(), "nothing created");

    // A time within the continuous range, in RFC 3339, is restored to.
    let ranges = json(&dbs(
        url,
        &[
            "describe-restore-range-info",
            "--backup-plan-id",
            PLAN,
            "--begin-timestamp-for-restore",
            "0",
            "--end-timestamp-for-restore",
            &now_ms().to_string(),
            "--query",
            "Items.DBSRecoverRange[?RangeType=='range'] | [0]",
        ],
    ));
    let begin = ranges["BeginTimestampForRestore"].as_i64().expect("begin");
    let end = ranges["EndTimestampForRestore"].as_i64().expect("end");
    // The first whole hour after `begin`, in UTC: (ms) = hours * 3600000.
    let hour = (begin / 3_600_000 + 1) * 3_600_000;
    assert!(hour <= end);
    let secs = hour / 1000;
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let date = civil(days);
    let text = format!("{date}T{:02}:00:00Z", rest / 3600);
    let task = json(&restore(url, PLAN, &["--restore-time", &text]));
    assert_eq!(task["RestoreTime"].as_i64(), Some(hour), "{text}: {task}");
}

/// `days` after 1970-01-01 as `YYYY-MM-DD` (Howard Hinnant's civil_from_days).
fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[test]
fn a_backup_set_of_another_plan_is_refused_and_the_plan_s_own_is_restored() {
    let (emulator, _home) = emulator();
    let url = emulator.url.as_str();
    let first_set = |plan: &str| {
        let answer = json(&dbs(
            url,
            &["describe-full-backup-list", "--backup-plan-id", plan],
        ));
        answer["Items"]["FullBackupFile"][0]["BackupSetId"]
            .as_str()
            .expect("a full backup set")
            .to_owned()
    };
    let foreign = first_set(OTHER_PLAN);
    let output = restore(url, PLAN, &["--backup-set-id", &foreign]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let error = stderr(&output);
    assert!(
        error.contains(&foreign)
            && error.contains("not a full backup set of backup plan dbsdemomysql01")
            && error.contains("nothing was created"),
        "{error}"
    );
    assert!(tasks(url, PLAN).is_empty() && tasks(url, OTHER_PLAN).is_empty());

    let own = first_set(PLAN);
    let output = restore(url, PLAN, &["--backup-set-id", &own]);
    let task = json(&output);
    assert_eq!(task["BackupSetId"], own.as_str());
    assert!(!stderr(&output).contains("latest restorable point"));
    assert_eq!(tasks(url, PLAN).len(), 1);
}

#[test]
fn refusals_before_anything_is_created() {
    let (emulator, _home) = emulator();
    let url = emulator.url.as_str();
    // --wait-timeout needs --wait; --restore-time and --backup-set-id exclude each other.
    for extra in [
        &["--wait-timeout", "1s"][..],
        &["--restore-time", "1", "--backup-set-id", "x"][..],
        &["--restore-time", "last tuesday"][..],
        &["--dry-run"][..],
        &["--pager"][..],
    ] {
        let output = restore(url, PLAN, extra);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{extra:?}: {}",
            stderr(&output)
        );
    }
    // A plan that does not exist.
    let output = restore(url, "no-such-plan", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no-such-plan"),
        "{}",
        stderr(&output)
    );
    assert!(
        !stderr(&output).contains("ClientToken"),
        "{}",
        stderr(&output)
    );
    assert!(tasks(url, PLAN).is_empty());
}

#[test]
fn the_embedded_emulator_restores_in_one_command() {
    let home = tempfile::tempdir().expect("temp HOME");
    let destination = MYSQL_TO_RDS
        .iter()
        .position(|a| a.starts_with("--restore-task-name"))
        .expect("the destination flags");
    let child = common::dbs_command(home.path())
        .env(PASSWORD_VAR, "demo-Pass1")
        .args(["--emulator", "restore", "--backup-plan-id", PLAN])
        .args(&MYSQL_TO_RDS[destination..])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbs");
    let (output, killed) = common::wait_at_most(child, Duration::from_secs(60));
    assert!(!killed);
    let task = json(&output);
    assert_eq!(task["BackupPlanId"], PLAN);
    assert!(task["RestoreStatus"].is_string(), "{task}");
    let said = stderr(&output);
    assert!(
        said.contains("latest restorable point") && said.contains("started restore task"),
        "{said}"
    );
    // The destination password is never printed.
    assert!(!stdout(&output).contains("demo-Pass1") && !said.contains("demo-Pass1"));
}
