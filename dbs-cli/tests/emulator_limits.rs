//! `dbs emulator` takes the emulator's limit flags, as the dbs-emulator binary does.

mod common;

use std::process::Output;

use common::{DEMO_CREDENTIALS, Emulator, MYSQL_TO_RDS, PASSWORD_VAR, dbs_command as dbs};

/// `dbs create-restore-task` against `url` with the demo account.
fn create(home: &std::path::Path, url: &str) -> Output {
    dbs(home)
        .args(["--endpoint", url])
        .args(MYSQL_TO_RDS)
        .envs(DEMO_CREDENTIALS)
        .env(PASSWORD_VAR, "pw")
        .output()
        .expect("run dbs")
}

#[test]
fn max_restore_tasks_applies_to_a_foreground_emulator() {
    let home = tempfile::tempdir().expect("temp HOME");
    let emulator = Emulator::start(home.path(), &["--max-restore-tasks", "1"], &[]);
    let url = emulator.url.clone();

    let output = create(home.path(), &url);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let output = create(home.path(), &url);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("QuotaExceeded") && stderr.contains("--max-restore-tasks"),
        "{stderr}"
    );
}

#[test]
fn max_client_tokens_applies_to_a_foreground_emulator() {
    let home = tempfile::tempdir().expect("temp HOME");
    let emulator = Emulator::start(home.path(), &["--max-client-tokens", "1"], &[]);
    let url = emulator.url.clone();

    // Each call carries a ClientToken of its own: the second finds the memory full.
    let output = create(home.path(), &url);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let output = dbs(home.path())
        .args(["--endpoint", &url, "--max-attempts", "1"])
        .args(MYSQL_TO_RDS)
        .envs(DEMO_CREDENTIALS)
        .env(PASSWORD_VAR, "pw")
        .output()
        .expect("run dbs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Throttling") && stderr.contains("--max-client-tokens"),
        "{stderr}"
    );
}

#[test]
fn the_limit_flags_are_in_the_help_and_checked() {
    let home = tempfile::tempdir().expect("temp HOME");
    let help = common::emulator_help();
    for flag in [
        "--max-nonces",
        "--max-restore-tasks",
        "--max-restore-task-bytes",
        "--max-client-tokens",
        "--body-budget-bytes",
        "--sts-credential-lifetime-ms",
        "--imds-v1-allowed",
        "--max-temporary-credentials",
    ] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
    let output = dbs(home.path())
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--max-nonces",
            "many",
        ])
        .output()
        .expect("run dbs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty());
}
