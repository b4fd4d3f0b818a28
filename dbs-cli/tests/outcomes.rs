//! The `dbs` binary's exit status and message when the service goes away mid-call, its deadline
//! flags, and answers with odd numbers or clocks. Each test runs `dbs` as a process with an empty
//! HOME and a clean environment, against servers on 127.0.0.1 only.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use common::{Emulator, MYSQL_TO_RDS as CREATE, PASSWORD_VAR, Server, stderr};

/// `dbs` with a clean environment, the demo credentials and a password, and `home` as HOME.
fn dbs_command(home: &Path) -> Command {
    let mut command = common::dbs_command(home);
    command
        .envs(common::DEMO_CREDENTIALS)
        .env(PASSWORD_VAR, "demo-Pass1");
    command
}

/// Runs `dbs --endpoint URL <options> create-restore-task ... <extra>` to the end (bounded).
fn create(url: &str, options: &[&str], extra: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp HOME");
    let child = dbs_command(home.path())
        .args(["--endpoint", url])
        .args(options)
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

/// The token after `--client-token ` in a message.
fn reported_token(text: &str) -> Option<String> {
    let rest = text.split("--client-token ").nth(1)?;
    Some(rest.split_whitespace().next()?.to_owned())
}

/// A raw JSON HTTP response with the extra `headers`.
fn response(status: u16, headers: &[(&str, &str)], body: &str) -> String {
    common::response(status, "application/json", headers, body)
}

/// Sends one raw request to `addr` and returns the response text.
fn raw(addr: &str, method: &str, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    text
}

/// The issue's case as a user meets it: `dbs emulator` does the work, holds the answer 3 s, and
/// is killed with SIGKILL meanwhile. Exit 1 (it may have acted), with the token to retry with.
#[test]
fn a_create_whose_emulator_is_killed_mid_call_exits_1_with_its_token() {
    let home = tempfile::tempdir().expect("temp HOME");
    let mut emulator = Emulator::start(home.path(), &[], &[]);
    let addr = emulator.addr.clone();
    let fault = r#"{"action":"CreateRestoreTask","kind":"apply_then_fail","delay_ms":3000}"#;
    let injected = raw(&addr, "POST", "/_emulator/faults", fault);
    assert!(injected.starts_with("HTTP/1.1 200"), "{injected}");

    let call = dbs_command(home.path())
        .args(["--endpoint", &format!("http://{addr}")])
        .args(CREATE)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbs");
    // Kill the emulator once the task exists (the answer is then being held).
    let mut created = false;
    for _ in 0..500 {
        let state = raw(&addr, "GET", "/_emulator/state", "");
        if state.contains("\"RestoreTaskId\"") {
            created = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    emulator.kill(); // SIGKILL
    assert!(created, "the emulator never created the task");

    let output = bounded(call);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {text}");
    assert!(!text.contains("not sent"), "{text}");
    let token = reported_token(&text).unwrap_or_default();
    assert_eq!(token.len(), 36, "a generated UUID in: {text}");
    assert!(
        text.contains("CreateRestoreTask may have taken effect: retry with --client-token")
            && text.contains("to avoid a duplicate"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

/// The issue's neighbour: a server that answers once with 503 and then stops listening.
#[test]
fn a_server_that_answers_503_once_and_vanishes_exits_1_with_the_token_it_got() {
    let unavailable = r#"{"Code":"ServiceUnavailable","Message":"try later","RequestId":"r-503"}"#;
    let server = Server::answering_once(response(503, &[], unavailable));
    let output = create(&server.url, &[], &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {text}");
    assert_eq!(server.requests(), 1);
    let sent = server.first_token();
    assert!(sent.is_some());
    assert_eq!(reported_token(&text), sent, "{text}");

    // A token given on the command line is the one reported.
    let server = Server::answering_once(response(503, &[], unavailable));
    let token = "my-token-0001";
    let output = create(&server.url, &[], &["--client-token", token]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(reported_token(&stderr(&output)).as_deref(), Some(token));
}

/// The issue's case: `{"Success":true,"RestoreTaskId":"r1","HttpStatusCode":200.0}` exited 1.
#[test]
fn a_success_with_odd_numbers_exits_0() {
    for status in ["200.0", r#""200""#, "200.5", r#""OK?""#] {
        let body = format!(r#"{{"Success":true,"RestoreTaskId":"r1","HttpStatusCode":{status}}}"#);
        let server = Server::answering(response(200, &[], &body));
        let output = create(&server.url, &[], &[]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{status}: stderr: {}",
            stderr(&output)
        );
        let json: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("stdout is JSON");
        assert_eq!(json["RestoreTaskId"], "r1", "{status}");
        let integral = status != "200.5" && status != r#""OK?""#;
        assert_eq!(
            json.get("HttpStatusCode").cloned(),
            integral.then(|| serde_json::json!(200)),
            "{status}"
        );
    }
}

#[test]
fn deadline_flags_are_validated_before_anything_is_sent() {
    let server = Server::answering(response(200, &[], "{}"));
    for (flag, value) in [
        ("--read-timeout", "0"),
        ("--read-timeout", "-1"),
        ("--connect-timeout", "0ms"),
        ("--connect-timeout", "100000"),
        ("--operation-timeout", "forever"),
        ("--operation-timeout", "1e9"),
        ("--operation-timeout", "2d"),
        ("--max-attempts", "0"),
        ("--max-attempts", "-3"),
        ("--max-attempts", "1000000"),
        ("--max-attempts", "2.5"),
    ] {
        let output = create(&server.url, &[flag, value], &[]);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}: {text}");
        assert!(text.contains(flag), "{flag} {value}: {text}");
    }
    assert_eq!(server.requests(), 0, "nothing was sent");

    let home = tempfile::tempdir().expect("temp HOME");
    let help = dbs_command(home.path())
        .args(["create-restore-task", "--help"])
        .output()
        .expect("help");
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--connect-timeout <SECONDS>",
        "--read-timeout <SECONDS>",
        "--operation-timeout <SECONDS>",
        "--max-attempts <N>",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
}

#[test]
fn max_attempts_and_read_timeout_are_honoured() {
    let unavailable = r#"{"Code":"ServiceUnavailable","Message":"try later","RequestId":"r"}"#;
    for (attempts, expected) in [("1", 1), ("2", 2), ("5", 5)] {
        let server = Server::answering(response(503, &[], unavailable));
        let output = create(&server.url, &["--max-attempts", attempts], &[]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert_eq!(server.requests(), expected, "--max-attempts {attempts}");
    }

    // A server that accepts and never answers: the read timeout ends each attempt.
    let held = Server::holding();
    let url = held.url.clone();
    let output = create(
        &url,
        &["--read-timeout", "300ms", "--max-attempts", "2"],
        &[],
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("timed out after 300ms (2 attempt(s))"),
        "{text}"
    );
    assert!(reported_token(&text).is_some(), "{text}");
}

/// The issue's case: 429 with `x-acs-retry-after: 3600000` kept a call waiting 68.5 s.
#[test]
fn a_server_wait_longer_than_the_policy_ends_the_call_at_once() {
    let throttled = r#"{"Code":"Throttling.User","Message":"Request was denied due to user flow control.","RequestId":"t-1"}"#;
    let server = Server::answering(response(
        429,
        &[("x-acs-retry-after", "3600000")],
        throttled,
    ));
    let output = create(&server.url, &[], &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(server.requests(), 1, "not retried before the server's hour");
    assert!(
        text.contains("Throttling.User")
            && text.contains("the service asked to wait 3600 s before retrying"),
        "{text}"
    );
    // A throttled request was refused, not acted on: no token to retry with.
    assert_eq!(reported_token(&text), None, "{text}");

    // Within the policy but past --operation-timeout: the same.
    let unavailable = r#"{"Code":"ServiceUnavailable","Message":"try later","RequestId":"r"}"#;
    let server = Server::answering(response(503, &[("retry-after", "10")], unavailable));
    let output = create(&server.url, &["--operation-timeout", "2"], &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(server.requests(), 1);
    assert!(text.contains("ServiceUnavailable"), "{text}");
}

/// The issue's case: a timestamp refusal names the clock and how far off it is.
#[test]
fn an_expired_timestamp_says_the_clock_is_off_and_by_how_much() {
    let expired = r#"{"Code":"InvalidTimeStamp.Expired","Message":"Specified time stamp or date value is expired.","RequestId":"ts-1"}"#;
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(27 * 60));
    let server = Server::answering(response(400, &[("date", &date)], expired));
    let output = create(&server.url, &[], &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(server.requests(), 1, "not retried");
    assert!(
        text.contains("InvalidTimeStamp.Expired")
            && text.contains("local clock is 27 min behind the server")
            && text.contains("RequestId: ts-1"),
        "{text}"
    );
}

/// A TCP forwarder on 127.0.0.1 to `target`, run on `runtime`; sending on the returned channel
/// closes its port and every connection through it, as a host that died.
fn forwarder(
    runtime: &tokio::runtime::Runtime,
    target: std::net::SocketAddr,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    runtime.spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                accepted = listener.accept() => {
                    let Ok((mut inbound, _)) = accepted else { continue };
                    connections.spawn(async move {
                        if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                }
            }
        }
        connections.abort_all();
    });
    (url, stop)
}

/// The issue's case end to end: the service dies while holding the answer of a create that it
/// carried out; `dbs` exits 1 with the ClientToken; the same command with `--client-token`,
/// sent straight to the service, returns that task and creates no second one.
#[test]
fn rerunning_with_the_reported_token_creates_no_duplicate() {
    use dbs_emulator::{Emulator, EmulatorConfig, Fault, FaultKind};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let emulator = runtime
        .block_on(Emulator::start(EmulatorConfig::default()))
        .expect("emulator");
    emulator
        .inject_fault(Fault::new("CreateRestoreTask", FaultKind::ApplyThenFail).delay_ms(3000))
        .expect("fault");
    let (url, kill) = forwarder(&runtime, emulator.local_addr());
    let home = tempfile::tempdir().expect("temp HOME");
    let call = dbs_command(home.path())
        .args(["--endpoint", &url])
        .args(CREATE)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbs");
    for _ in 0..500 {
        if !emulator.state().restore_tasks.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = kill.send(());
    let output = bounded(call);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let token = reported_token(&text).unwrap_or_else(|| panic!("no token in: {text}"));
    let tasks = emulator.state().restore_tasks;
    assert_eq!(tasks.len(), 1, "{tasks:?}");

    let rerun = create(&emulator.url(), &[], &["--client-token", &token]);
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr(&rerun));
    let json: serde_json::Value = serde_json::from_slice(&rerun.stdout).expect("stdout is JSON");
    assert_eq!(json["RestoreTaskId"], tasks[0].restore_task_id.as_str());
    assert_eq!(
        emulator.state().restore_tasks.len(),
        1,
        "no duplicate: {:?}",
        emulator.state()
    );
    runtime.block_on(emulator.shutdown());
}
