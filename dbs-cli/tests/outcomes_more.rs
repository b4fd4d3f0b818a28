//! The `dbs` binary against inputs a hostile trial found (issue 8 follow-ups): credentials or
//! secrets that cannot be sent, odd endpoints, odd ClientTokens, odd service answers. Each test
//! runs `dbs` as a process with an empty HOME and a clean environment, against servers on
//! 127.0.0.1 only.

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::stderr;

const CREATE: &[&str] = &[
    "create-restore-task",
    "--backup-plan-id",
    "dbsdemomysql01",
    "--restore-task-name",
    "r1",
    "--destination-endpoint-instance-type",
    "RDS",
    "--destination-endpoint-region",
    "cn-hangzhou",
    "--destination-endpoint-instance-id",
    "rm-x",
    "--destination-endpoint-user-name",
    "u",
    "--restore-objects",
    r#"[{"DBName":"o"}]"#,
];

/// `dbs` with a clean environment, the demo credentials and a password, and `home` as HOME.
fn dbs_command(home: &Path) -> Command {
    let mut command = common::dbs_command(home);
    command
        .envs(common::DEMO_CREDENTIALS)
        .env(common::PASSWORD_VAR, "demo-Passw0rd");
    command
}

/// Runs `dbs --endpoint URL create-restore-task ... <extra>` with `env` set on top, to the end
/// (bounded).
fn create<K: AsRef<OsStr>, V: AsRef<OsStr>>(url: &str, env: &[(K, V)], extra: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp HOME");
    let mut command = dbs_command(home.path());
    for (key, value) in env {
        command.env(key, value);
    }
    let child = command
        .args(["--endpoint", url])
        .args(CREATE)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbs");
    bounded(child)
}

/// Waits for `child`, killing it after 60 s so a hang fails the test instead of blocking it.
fn bounded(child: Child) -> Output {
    common::wait_at_most(child, Duration::from_secs(60)).0
}

/// A server on 127.0.0.1 answering every request with `status` and the JSON `body`; it counts
/// the requests.
fn scripted(status: u16, body: &str) -> common::Server {
    common::Server::answering(common::response(status, "application/json", &[], body))
}

const SUCCESS: &str = r#"{"RequestId":"req-ok","RestoreTaskId":"task-1","Success":true}"#;

/// Finding 1: credentials that no request can carry exit 2 (nothing sent), with no token hint
/// and without echoing the token.
#[test]
fn unsendable_credentials_exit_2_and_send_nothing() {
    let server = scripted(200, SUCCESS);
    for (name, value) in [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "id\u{1}"),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", "t\r\nX: y"),
    ] {
        let output = create(&server.url, &[(name, value)], &[]);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {text}");
        assert!(text.contains("cannot be sent"), "{name}: {text}");
        assert!(
            !text.contains("--client-token") && !text.contains("X: y"),
            "{text}"
        );
    }
    assert_eq!(server.requests(), 0, "nothing reached the server");
}

/// Finding 2: `ServiceUnavailable` in an HTTP 200 body may have acted: exit 1 with the token
/// hint, as a 503 would give.
#[test]
fn a_server_failure_code_at_http_200_gives_the_token_hint() {
    let body = r#"{"Success":false,"Code":"ServiceUnavailable","Message":"x","RequestId":"R"}"#;
    let server = scripted(200, body);
    let output = create(&server.url, &[] as &[(&str, &str)], &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("retry with --client-token "), "{text}");
    assert_eq!(server.requests(), 3);
}

/// Finding 12: `--endpoint` values without a host or with an unusable port are a configuration
/// error (exit 2), also under `--dry-run`, and nothing is sent.
#[test]
fn endpoints_without_a_usable_host_or_port_exit_2() {
    for url in [
        "http://",
        "https://",
        "https:///",
        "http:",
        "https:",
        "https://x:0",
        "https://x:",
    ] {
        for extra in [&[][..], &["--dry-run"][..]] {
            let output = create(url, &[] as &[(&str, &str)], extra);
            let text = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{url} {extra:?}: {text}");
            assert!(text.contains("endpoint"), "{url}: {text}");
            assert!(output.stdout.is_empty(), "{url}: no dry-run output");
        }
    }
}

/// `value` as bytes that are not valid UTF-8 (Unix only: elsewhere the OS strings are not bytes).
#[cfg(unix)]
fn not_utf8(bytes: &[u8]) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt as _;
    std::ffi::OsString::from_vec(bytes.to_vec())
}

/// Finding 10: a secret or credential variable that is not valid UTF-8 is refused locally
/// (exit 2), naming the variable and not its value, instead of being read as unset.
#[cfg(unix)]
#[test]
fn variables_that_are_not_utf8_are_named_and_refused() {
    let server = scripted(200, SUCCESS);
    for name in [
        "DBS_DESTINATION_ENDPOINT_PASSWORD",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
        "ALIBABA_CLOUD_PROFILE",
        "ALIBABA_CLOUD_CREDENTIALS_FILE",
        "ALIBABA_CLOUD_REGION_ID",
    ] {
        let output = create(&server.url, &[(name, not_utf8(b"p\xffw"))], &[]);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {text}");
        assert!(
            text.contains(name) && text.contains("not valid UTF-8"),
            "{name}: {text}"
        );
        assert!(!text.contains("is not set"), "{name}: {text}");
    }
    assert_eq!(server.requests(), 0, "nothing reached the server");
}

/// Finding 13: `--client-token` values breaking the reference's rule (ASCII only, at most 64
/// characters) exit 2 before sending, and the value is not echoed raw.
#[test]
fn client_tokens_breaking_the_rule_exit_2() {
    let server = scripted(200, SUCCESS);
    let long = "t".repeat(100_000);
    for token in ["x\u{1b}[2J", "a b", long.as_str()] {
        let output = create(
            &server.url,
            &[] as &[(&str, &str)],
            &["--client-token", token],
        );
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert!(text.contains("ClientToken"), "{text}");
        assert!(!text.contains('\u{1b}') && text.len() < 2_000, "{text}");
    }
    assert_eq!(server.requests(), 0, "nothing reached the server");
}

/// Finding 13: a 200,000-character server message is cut in the report, saying how much was
/// cut; an error with no message says so instead of ending at `HTTP400: `.
#[test]
fn server_messages_are_cut_or_said_to_be_missing() {
    let message = "m".repeat(200_000);
    let body = format!(r#"{{"Code":"InvalidParameter","Message":"{message}","RequestId":"R"}}"#);
    let server = scripted(400, &body);
    let output = create(&server.url, &[] as &[(&str, &str)], &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text.contains("… [198000 more characters cut]"),
        "{}",
        &text[..200]
    );
    assert!(text.len() < 3_000, "{} bytes", text.len());

    let server = scripted(400, "{}");
    let output = create(&server.url, &[] as &[(&str, &str)], &[]);
    let text = stderr(&output);
    assert!(
        text.contains("HTTP400: (the service gave no message)"),
        "{text}"
    );
}
