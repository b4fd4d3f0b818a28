//! `dbs` refuses values the spec forbids before sending: it exits 2 (nothing sent) with a
//! message naming the parameter and the rule. Each test runs the binary with HOME set to an
//! empty temporary directory and every `ALIBABA_CLOUD_*` / `DBS_*` / proxy variable removed;
//! only the in-process emulator on loopback could be contacted.

use std::process::{Command, Output, Stdio};

const PASSWORD_VAR: &str = "DBS_DESTINATION_ENDPOINT_PASSWORD";

/// The README's main job: restore a MySQL plan of the demo seed into an RDS instance.
const MYSQL_TO_RDS: &[&str] = &[
    "--emulator",
    "create-restore-task",
    "--backup-plan-id",
    "dbsdemomysql01",
    "--restore-task-name",
    "restore-demo",
    "--destination-endpoint-instance-type",
    "RDS",
    "--destination-endpoint-region",
    "cn-hangzhou",
    "--destination-endpoint-instance-id",
    "rm-bp1p8c29demo",
    "--destination-endpoint-user-name",
    "restore_user",
    "--restore-objects",
    r#"[{"DBName":"test","NewDBName":"test_restored"}]"#,
];

/// Runs `dbs` with the main job's flags, then `extra` (a later flag replaces an earlier one).
fn dbs(extra: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp HOME");
    let mut command = Command::new(env!("CARGO_BIN_EXE_dbs"));
    for (key, _) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        if key_text.starts_with("ALIBABA_CLOUD_")
            || key_text.starts_with("DBS_")
            || key_text.to_ascii_uppercase().ends_with("_PROXY")
            || key_text == "RUST_LOG"
        {
            command.env_remove(&key);
        }
    }
    command
        .args(without_replaced(MYSQL_TO_RDS, extra))
        .args(extra)
        .env("HOME", home.path())
        .env_remove("USERPROFILE")
        .env(PASSWORD_VAR, "demo-Pass1")
        .stdin(Stdio::null())
        .output()
        .expect("run dbs")
}

/// `args` without the flags (and their values) that `extra` sets again.
fn without_replaced<'a>(args: &[&'a str], extra: &[&str]) -> Vec<&'a str> {
    let mut kept = Vec::new();
    let mut skip = false;
    for arg in args {
        if skip {
            skip = false;
        } else if arg.starts_with("--") && *arg != "--emulator" && extra.contains(arg) {
            skip = true;
        } else {
            kept.push(*arg);
        }
    }
    kept
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Exit 2, nothing on stdout, one violation of `parameter` whose line contains `words`.
#[track_caller]
fn assert_refused(output: &Output, parameter: &str, words: &str) {
    let text = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {text}");
    assert!(output.stdout.is_empty(), "stdout: {:?}", output.stdout);
    let head = format!("error: 1 invalid parameter:\n  - {parameter}: ");
    assert!(text.starts_with(&head), "{text}");
    assert!(text.contains(words), "{words:?} not in {text}");
}

#[test]
fn a_blank_duplicate_conflict_exits_2_naming_the_allowed_values() {
    for blank in [" ", "", "\t"] {
        let output = dbs(&["--duplicate-conflict", blank]);
        assert_refused(
            &output,
            "DuplicateConflict",
            "must not be empty; must be one of failure, renamenew",
        );
    }
    // The documented values go through.
    let output = dbs(&["--duplicate-conflict", "renamenew"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
}

#[test]
fn an_enum_value_with_white_space_around_it_exits_2() {
    let output = dbs(&["--destination-endpoint-instance-type", " RDS"]);
    assert_refused(
        &output,
        "DestinationEndpointInstanceType",
        "must be one of RDS, ECS, Express, Agent, DDS, Other, dg, got \" RDS\"",
    );
}

#[test]
fn integers_outside_their_bounds_exit_2() {
    for (flag, value, parameter, words) in [
        (
            "--restore-time",
            "-1",
            "RestoreTime",
            "must be >= 0 (milliseconds since the Unix epoch, UTC), got -1",
        ),
        (
            "--backup-gateway-id",
            "0",
            "BackupGatewayId",
            "must be >= 1, got 0",
        ),
        (
            "--destination-endpoint-port",
            "-1",
            "DestinationEndpointPort",
            "must be between 1 and 65535 (a TCP port number), got -1",
        ),
    ] {
        assert_refused(&dbs(&[flag, value]), parameter, words);
    }
}
