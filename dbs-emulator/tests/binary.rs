//! The `dbs-emulator` binary: first stdout line, health, flags.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the child when the test ends, even on failure.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbs-emulator"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn dbs-emulator");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("first line");
    (running, first)
}

fn url_of(first: &str) -> String {
    let url = first
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let port: u16 = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected URL {url:?}"));
    assert_ne!(port, 0);
    url
}

#[tokio::test]
async fn prints_its_url_first_and_serves_the_admin_api() {
    let (_running, first) = spawn(&["--listen", "127.0.0.1:0"]);
    let url = url_of(&first);
    let health: serde_json::Value = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(format!("{url}/_emulator/health"))
        .send()
        .await
        .expect("health answer")
        .text()
        .await
        .map(|t| serde_json::from_str(&t).expect("JSON"))
        .expect("body");
    assert_eq!(health, serde_json::json!({"status": "ok"}));
}

#[tokio::test]
async fn seed_access_key_and_business_status_flags_apply() {
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{"backup_plans":[{"BackupPlanId":"dbsmine","DatabaseType":"mysql"}]}"#,
    )
    .expect("write seed");
    let seed = seed.to_str().expect("UTF-8 path");
    let (_running, first) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--seed",
        seed,
        "--access-key",
        "ci:ci-secret",
        "--business-errors-http-status",
    ]);
    let url = url_of(&first);
    let signed = |params| {
        common::V1::new(params, common::Placement::Query)
            .set("AccessKeyId", "ci")
            .secret("ci-secret")
            .build()
    };
    // The demo plans are gone, and business errors carry their status.
    let answer = common::send(&url, &signed(common::rds_params())).await;
    common::assert_business_error(&answer, 400, "Param.NotFound");
    let mut params = common::rds_params();
    common::set(&mut params, "BackupPlanId", "dbsmine");
    common::assert_success(&common::send(&url, &signed(params)).await);
    // The demo account is not accepted when accounts are given.
    let demo = common::V1::new(common::rds_params(), common::Placement::Query).build();
    assert_eq!(
        common::send(&url, &demo).await.code(),
        "InvalidAccessKeyId.NotFound"
    );
}

#[test]
fn a_bad_seed_file_is_reported_and_exits_non_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{"backup_plans":[{"BackupPlanId":"p","DatabaseType":"Db2"}]}"#,
    )
    .expect("write seed");
    let output = Command::new(env!("CARGO_BIN_EXE_dbs-emulator"))
        .args(["--listen", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .output()
        .expect("run dbs-emulator");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown DatabaseType \"Db2\""), "{stderr}");
    assert!(stderr.contains("seed.json"), "{stderr}");
}

#[test]
fn a_malformed_access_key_flag_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_dbs-emulator"))
        .args(["--access-key", "no-secret"])
        .output()
        .expect("run dbs-emulator");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ID:SECRET"), "{stderr}");
}
