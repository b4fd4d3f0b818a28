//! `dbs emulator` takes the emulator's limit flags, as the dbs-emulator binary does.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

/// Kills the emulator when the test ends, even on failure.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `dbs` without the caller's Alibaba, DBS, proxy or log settings, with `home` as HOME.
fn dbs(home: &std::path::Path) -> Command {
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
    command.env("HOME", home);
    command
}

fn create(home: &std::path::Path, url: &str) -> Output {
    dbs(home)
        .args([
            "--endpoint",
            url,
            "create-restore-task",
            "--backup-plan-id",
            "dbsdemomysql01",
            "--restore-task-name",
            "limits",
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
        ])
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
        .env("DBS_DESTINATION_ENDPOINT_PASSWORD", "pw")
        .output()
        .expect("run dbs")
}

#[test]
fn max_restore_tasks_applies_to_a_foreground_emulator() {
    let home = tempfile::tempdir().expect("temp HOME");
    let mut child = dbs(home.path())
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--max-restore-tasks",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn dbs emulator");
    let stdout = child.stdout.take().expect("stdout");
    let _running = Running(child);
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("first line");
    let url = first
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();

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
fn the_limit_flags_are_in_the_help_and_checked() {
    let home = tempfile::tempdir().expect("temp HOME");
    let output = dbs(home.path())
        .args(["emulator", "--help"])
        .output()
        .expect("run dbs");
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--max-nonces",
        "--max-restore-tasks",
        "--max-restore-task-bytes",
        "--body-budget-bytes",
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
