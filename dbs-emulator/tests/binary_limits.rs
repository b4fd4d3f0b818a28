//! The `dbs-emulator` binary: limit flags, the account from the environment, and what it says
//! when it listens on a non-loopback address.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Stdio};

/// Kills the child when the test ends, even on failure.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dbs-emulator"));
    command
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("DBS_EMULATOR_ACCESS_KEY");
    command
}

/// Starts it; the first stdout line and its stderr.
fn spawn(mut command: Command) -> (Running, String, ChildStderr) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbs-emulator");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let running = Running(child);
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("first line");
    (running, first, stderr)
}

fn port_of(first: &str, prefix: &str) -> u16 {
    first
        .trim_end()
        .strip_prefix(prefix)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("expected {prefix}PORT, got {first:?}"))
}

#[tokio::test]
async fn limit_flags_apply() {
    let (_running, first, _stderr) = spawn(command(&[
        "--listen",
        "127.0.0.1:0",
        "--max-nonces",
        "2",
        "--max-restore-tasks",
        "1",
    ]));
    let url = format!(
        "http://127.0.0.1:{}",
        port_of(&first, "listening on http://127.0.0.1:")
    );
    let create = || common::V1::new(common::rds_params(), common::Placement::Query).build();
    common::assert_success(&common::send(&url, &create()).await);
    common::assert_business_error(&common::send(&url, &create()).await, 200, "QuotaExceeded");
    let answer = common::send(&url, &create()).await;
    common::assert_gateway_error(&answer, 429, "Throttling", &url);
}

#[tokio::test]
async fn the_client_token_limit_flag_applies() {
    let (_running, first, _stderr) = spawn(command(&[
        "--listen",
        "127.0.0.1:0",
        "--max-client-tokens",
        "1",
    ]));
    let url = format!(
        "http://127.0.0.1:{}",
        port_of(&first, "listening on http://127.0.0.1:")
    );
    let create = |token: &str| {
        let mut params = common::rds_params();
        common::set(&mut params, "ClientToken", token);
        common::V1::new(params, common::Placement::Query).build()
    };
    let kept = common::assert_success(&common::send(&url, &create("a")).await);
    let answer = common::send(&url, &create("b")).await;
    common::assert_business_error(&answer, 200, "Throttling");
    assert!(
        answer.message().contains("1 ClientTokens"),
        "{}",
        answer.text
    );
    assert_eq!(
        common::assert_success(&common::send(&url, &create("a")).await),
        kept
    );
}

#[tokio::test]
async fn the_credential_flags_apply() {
    let (_running, first, _stderr) = spawn(command(&[
        "--listen",
        "127.0.0.1:0",
        "--sts-credential-lifetime-ms",
        "120000",
        "--imds-v1-allowed",
    ]));
    let url = format!(
        "http://127.0.0.1:{}",
        port_of(&first, "listening on http://127.0.0.1:")
    );
    // IMDSv1 allowed: the role's credentials without a session token.
    let path = "/latest/meta-data/ram/security-credentials/dbs-ecs-role";
    let response = common::client()
        .get(format!("{url}{path}"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    let document: serde_json::Value =
        serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let expiration = time::PrimitiveDateTime::parse(
        document["Expiration"].as_str().expect("Expiration"),
        format,
    )
    .expect("%Y-%m-%dT%H:%M:%SZ")
    .assume_utc();
    // Two minutes, not the metadata service's default hour.
    let left = (expiration - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!((100..=120).contains(&left), "{left}");
}

#[test]
fn a_body_budget_below_the_body_limit_is_refused_at_start() {
    let output = command(&["--listen", "127.0.0.1:0", "--body-budget-bytes", "10"])
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the body budget (10 bytes)"), "{stderr}");
}

#[tokio::test]
async fn the_access_key_can_come_from_the_environment() {
    let mut env_command = command(&["--listen", "127.0.0.1:0"]);
    env_command.env("DBS_EMULATOR_ACCESS_KEY", "ci:env-SEKRET");
    let (_running, first, _stderr) = spawn(env_command);
    let url = format!(
        "http://127.0.0.1:{}",
        port_of(&first, "listening on http://127.0.0.1:")
    );
    let from_env = common::V1::new(common::rds_params(), common::Placement::Query)
        .set("AccessKeyId", "ci")
        .secret("env-SEKRET")
        .build();
    common::assert_success(&common::send(&url, &from_env).await);
    // It replaces the demo account, as --access-key does.
    let demo = common::V1::new(common::rds_params(), common::Placement::Query).build();
    assert_eq!(
        common::send(&url, &demo).await.code(),
        "InvalidAccessKeyId.NotFound"
    );
}

#[test]
fn a_malformed_access_key_in_the_environment_is_refused_without_echoing_it() {
    for value in [":SEKRETA", "SEKRETB", "SEKRETC:"] {
        let output = command(&["--listen", "127.0.0.1:0"])
            .env("DBS_EMULATOR_ACCESS_KEY", value)
            .output()
            .expect("run");
        assert!(!output.status.success(), "{value}");
        assert!(output.stdout.is_empty(), "{value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("DBS_EMULATOR_ACCESS_KEY: expected ID:SECRET"),
            "{value}: {stderr}"
        );
        assert!(!stderr.contains("SEKRET"), "{value}: {stderr}");
    }
}

#[test]
fn help_names_the_environment_variable_and_the_limits() {
    let output = command(&["--help"]).output().expect("run");
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "DBS_EMULATOR_ACCESS_KEY",
        "--max-nonces",
        "--max-restore-tasks",
        "--max-client-tokens",
        "--body-budget-bytes",
        "--sts-credential-lifetime-ms",
        "--imds-v1-allowed",
        "--max-temporary-credentials",
    ] {
        assert!(help.contains(expected), "{expected}: {help}");
    }
}

#[tokio::test]
async fn a_non_loopback_address_is_printed_as_bound_with_a_warning() {
    // An explicit account: with only the demo account, a non-loopback address is refused.
    let (_running, first, stderr) = spawn(command(&[
        "--listen",
        "0.0.0.0:0",
        "--access-key",
        "ci:ci-secret",
    ]));
    let port = port_of(&first, "listening on http://0.0.0.0:");
    assert_ne!(port, 0);
    let warning = BufReader::new(stderr)
        .lines()
        .take(20)
        .map(|line| line.expect("stderr line"))
        .find(|line| line.starts_with("warning: "))
        .expect("a warning");
    assert!(
        warning.contains(&format!(
            "listening on 0.0.0.0:{port}, which is not a loopback address"
        )) && warning.contains(&format!("http://127.0.0.1:{port}")),
        "{warning}"
    );
    // It does not suggest that other machines are kept from the DBS API itself.
    assert!(
        warning.contains("can call the DBS API")
            && warning.contains("Only the admin API (/_emulator/) is kept from them"),
        "{warning}"
    );
    // Reached over loopback only, as every test here.
    let url = format!("http://127.0.0.1:{port}");
    assert_eq!(
        common::admin_get(&url, "health").await,
        serde_json::json!({"status": "ok"})
    );
}

#[test]
fn a_non_loopback_address_with_only_the_demo_account_is_refused_before_listening() {
    // The refusal comes before the bind: nothing listens on 0.0.0.0 during this test.
    let mut child = command(&["--listen", "0.0.0.0:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbs-emulator");
    // At most 30 s: one that starts instead (as before this check) is killed, not waited for.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().expect("try_wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("dbs-emulator listened on 0.0.0.0 with only the demo account");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("output");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "it must not listen");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "refusing to listen on 0.0.0.0:0, which is not a loopback address, with only the \
             public demo account"
        ) && stderr.contains("--access-key ID:SECRET or DBS_EMULATOR_ACCESS_KEY=ID:SECRET"),
        "{stderr}"
    );
}
