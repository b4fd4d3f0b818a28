//! `dbs` refuses values the spec forbids before sending: it exits 2 (nothing sent) with a
//! message naming the parameter and the rule. Each test runs the binary with HOME set to an
//! empty temporary directory and every `ALIBABA_CLOUD_*` / `DBS_*` / proxy variable removed;
//! only the in-process emulator on loopback could be contacted.

mod common;

use std::process::Output;

use common::{MYSQL_TO_RDS, PASSWORD_VAR, stderr};

/// Runs `dbs --emulator` with the main job's flags, then `extra` (a later flag replaces an
/// earlier one).
fn dbs(extra: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp HOME");
    let job: Vec<&str> = std::iter::once("--emulator")
        .chain(MYSQL_TO_RDS.iter().copied())
        .collect();
    common::dbs_command(home.path())
        .args(without_replaced(&job, extra))
        .args(extra)
        .env(PASSWORD_VAR, "demo-Pass1")
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
