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
fn a_malformed_access_key_flag_is_a_usage_error_that_never_echoes_the_value() {
    for value in [
        ":SEKRETA",
        "SEKRETB",
        "SEKRETC:",
        "",
        "ok:SEKRETD --access-key :SEKRETE",
    ] {
        let mut args = vec!["--listen", "127.0.0.1:0"];
        for part in value.split(" --access-key ") {
            args.extend(["--access-key", part]);
        }
        // A valid key before the bad one changes nothing.
        let output = Command::new(env!("CARGO_BIN_EXE_dbs-emulator"))
            .args(["--access-key", "good:SEKRETF"])
            .args(&args)
            .output()
            .expect("run dbs-emulator");
        assert_eq!(output.status.code(), Some(2), "{value:?}");
        assert!(output.stdout.is_empty(), "{value:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("invalid value for '--access-key <ID:SECRET>': expected ID:SECRET with a non-empty ID and SECRET"),
            "{value:?}: {stderr}"
        );
        assert!(!stderr.contains("SEKRET"), "{value:?}: {stderr}");
    }
}

/// Runs the binary with `RUST_LOG=trace`, sends requests full of values (a password, a wrong
/// signature whose answer echoes the StringToSign, repeated parameters, rule violations, a body
/// that never arrives), and checks that the log never holds a value.
#[tokio::test]
async fn trace_logs_never_contain_parameter_values() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log_path = dir.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbs-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--access-key",
            "ci:ci-SEKRET-key",
        ])
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("spawn dbs-emulator");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("first line");
    let url = url_of(&first);

    let task_name = "TASKNAME-q7";
    let token = "TOKEN-q7";
    let mut params = common::rds_params();
    common::set(&mut params, "RestoreTaskName", task_name);
    common::set(&mut params, "ClientToken", token);
    let v1 = |params: Vec<(String, String)>, placement| {
        common::V1::new(params, placement)
            .set("AccessKeyId", "ci")
            .secret("ci-SEKRET-key")
    };
    // Successes, V1 and V3.
    let raw = v1(params.clone(), common::Placement::Query).build();
    let signature = raw
        .query
        .split('&')
        .find_map(|pair| pair.strip_prefix("Signature="))
        .expect("a signature")
        .to_owned();
    common::assert_success(&common::send(&url, &raw).await);
    let mut v3 = common::V3::new(&url, vec![], params.clone());
    v3.access_key_id = "ci".to_owned();
    v3.secret = "ci-SEKRET-key".to_owned();
    common::assert_success(&common::send(&url, &v3.build()).await);
    // A wrong secret: the answer echoes the StringToSign, password included, as the gateway
    // does...
    let raw = v1(params.clone(), common::Placement::Body)
        .secret("wrong")
        .build();
    let answer = common::send(&url, &raw).await;
    assert_eq!(answer.code(), "SignatureDoesNotMatch");
    assert!(answer.text.contains("Pa55-w0rd"), "{}", answer.text);
    // ...repeated parameters, an enum value the spec does not list, an unknown plan.
    let mut repeated = params.clone();
    repeated.push((
        "DestinationEndpointPassword".to_owned(),
        "Pa55-w0rd-2".to_owned(),
    ));
    let answer = common::send(&url, &v1(repeated, common::Placement::Both).build()).await;
    assert_eq!(answer.code(), "InvalidParameter");
    let mut odd = params.clone();
    common::set(&mut odd, "DestinationEndpointInstanceType", "ENUM-q7");
    common::set(&mut odd, "ClientToken", "TOKEN-q8");
    let answer = common::send(&url, &v1(odd, common::Placement::Query).build()).await;
    assert_eq!(answer.code(), "InvalidParameter");
    let answer = common::send(
        &url,
        &v1(params.clone(), common::Placement::Query)
            .set("Action", "ACTION-q7")
            .build(),
    )
    .await;
    assert_eq!(answer.code(), "InvalidAction.NotFound");
    let mut unknown = params;
    common::set(&mut unknown, "BackupPlanId", "PLAN-q7");
    common::set(&mut unknown, "ClientToken", "TOKEN-q9");
    let answer = common::send(&url, &v1(unknown, common::Placement::Query).build()).await;
    assert_eq!(answer.code(), "Param.NotFound");
    // A body that breaks off: the client gives up and closes.
    {
        use tokio::io::AsyncWriteExt;
        let addr = url.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let head = format!(
            "POST / HTTP/1.1\r\nhost: {addr}\r\ncontent-length: 100\r\n\r\nAction=Cr&Pa55-w0rd"
        );
        stream.write_all(head.as_bytes()).await.expect("write");
    }
    // Let the emulator log the last requests, then stop it.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    drop(running);

    let log = std::fs::read_to_string(&log_path).expect("read log");
    assert!(log.contains("answered"), "{log}");
    assert!(log.contains("SignatureDoesNotMatch"), "{log}");
    assert!(log.contains("action=\"CreateRestoreTask\""), "{log}");
    assert!(log.contains("action=\"(unknown)\""), "{log}");
    assert!(!log.contains('\u{1b}'), "no colour codes in a file: {log}");
    for value in [
        "Pa55",
        "w0rd",
        "SEKRET",
        "testsecret",
        task_name,
        "TOKEN-q",
        "ENUM-q7",
        "ACTION-q7",
        "PLAN-q7",
        "rm-bp1p8c29xxxxx",
        "orders_copy",
        "cn-hangzhou",
        "string to sign",
        "POST&%2F&",
        &signature,
    ] {
        assert!(!log.contains(value), "{value:?} in the log:\n{log}");
    }
}
