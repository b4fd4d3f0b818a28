//! `dbs emulator` takes its accounts as the dbs-emulator binary does: `--access-key ID:SECRET`
//! (repeatable), else `DBS_EMULATOR_ACCESS_KEY=ID:SECRET`, else the demo account, which it
//! refuses to expose on a non-loopback address. Malformed values are refused without being
//! repeated.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{Emulator, MYSQL_TO_RDS, PASSWORD_VAR, dbs_command as dbs};

/// Runs a `dbs emulator` that must refuse to start, waiting at most 30 s: one that starts
/// instead (as before these checks) is killed and the test fails, rather than hanging.
fn run_refused(mut command: Command) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbs emulator");
    let (output, killed) = common::wait_at_most(child, Duration::from_secs(30));
    assert!(
        !killed,
        "dbs emulator started instead of refusing: {command:?}"
    );
    output
}

/// Starts `dbs emulator` on a free loopback port; returns it and its URL.
fn start(home: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (Emulator, String) {
    let emulator = Emulator::start(home, args, env);
    let url = emulator.url.clone();
    (emulator, url)
}

/// `dbs create-restore-task` against `url`, signed as `id` / `secret`.
fn create(home: &std::path::Path, url: &str, id: &str, secret: &str) -> Output {
    dbs(home)
        .args(["--endpoint", url])
        .args(MYSQL_TO_RDS)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", id)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
        .env(PASSWORD_VAR, "pw")
        .output()
        .expect("run dbs")
}

/// Asserts the call succeeded.
fn assert_accepted(output: &Output, who: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("\"RestoreTaskId\""),
        "{who} should be accepted: {stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Asserts the gateway refused the AccessKeyId.
fn assert_unknown_account(output: &Output, who: &str) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !output.status.success() && all.contains("InvalidAccessKeyId.NotFound"),
        "{who} should be refused: {all}"
    );
}

#[test]
fn the_environment_account_replaces_the_demo_account() {
    let home = tempfile::tempdir().expect("temp HOME");
    let (_running, url) = start(home.path(), &[], &[("DBS_EMULATOR_ACCESS_KEY", "k1:s1")]);
    assert_accepted(&create(home.path(), &url, "k1", "s1"), "k1:s1");
    assert_unknown_account(
        &create(home.path(), &url, "testid", "testsecret"),
        "the demo account",
    );
}

#[test]
fn access_key_flags_replace_the_demo_account_and_win_over_the_environment() {
    let home = tempfile::tempdir().expect("temp HOME");
    let (_running, url) = start(
        home.path(),
        &["--access-key", "a1:sa", "--access-key", "a2:sb:c"],
        &[("DBS_EMULATOR_ACCESS_KEY", "k1:s1")],
    );
    assert_accepted(&create(home.path(), &url, "a1", "sa"), "a1:sa");
    assert_accepted(&create(home.path(), &url, "a2", "sb:c"), "a2:sb:c");
    assert_unknown_account(&create(home.path(), &url, "k1", "s1"), "the env account");
    assert_unknown_account(
        &create(home.path(), &url, "testid", "testsecret"),
        "the demo account",
    );
}

#[test]
fn without_any_account_the_demo_account_is_accepted_on_loopback() {
    let home = tempfile::tempdir().expect("temp HOME");
    let (_running, url) = start(home.path(), &[], &[]);
    assert_accepted(
        &create(home.path(), &url, "testid", "testsecret"),
        "the demo account",
    );
}

#[test]
fn malformed_accounts_are_refused_without_repeating_them() {
    let home = tempfile::tempdir().expect("temp HOME");
    // The variable: `bad` and friends were silently ignored before.
    for value in ["bad", "SEKRET1", "id:", ":SEKRET2"] {
        let mut command = dbs(home.path());
        command
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .env("DBS_EMULATOR_ACCESS_KEY", value);
        let output = run_refused(command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{value}: {stderr}");
        assert!(output.stdout.is_empty(), "{value}: it must not listen");
        assert!(
            stderr.contains(
                "DBS_EMULATOR_ACCESS_KEY: expected ID:SECRET with a non-empty ID and SECRET"
            ),
            "{value}: {stderr}"
        );
        assert!(
            !stderr.contains("SEKRET") && !stderr.contains("bad"),
            "{value}: {stderr}"
        );
    }
    // The flag.
    for value in ["SEKRET3", ":SEKRET4", "id:"] {
        let mut command = dbs(home.path());
        command.args(["emulator", "--listen", "127.0.0.1:0", "--access-key", value]);
        let output = run_refused(command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{value}: {stderr}");
        assert!(
            stderr.contains("invalid value for '--access-key <ID:SECRET>': expected ID:SECRET"),
            "{value}: {stderr}"
        );
        assert!(!stderr.contains("SEKRET"), "{value}: {stderr}");
    }
}

#[test]
fn a_non_loopback_address_with_only_the_demo_account_is_refused_before_listening() {
    let home = tempfile::tempdir().expect("temp HOME");
    // Refused before the bind: nothing listens on 0.0.0.0 during this test.
    let mut command = dbs(home.path());
    command.args(["emulator", "--listen", "0.0.0.0:0"]);
    let output = run_refused(command);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty(), "it must not listen");
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0, which is not a loopback address")
            && stderr.contains("--access-key ID:SECRET"),
        "{stderr}"
    );
}

#[test]
fn help_names_the_account_options_and_the_non_loopback_rule() {
    let help = common::emulator_help();
    for expected in [
        "--access-key <ID:SECRET>",
        "DBS_EMULATOR_ACCESS_KEY",
        "not loopback",
    ] {
        assert!(help.contains(expected), "{expected}: {help}");
    }
}
