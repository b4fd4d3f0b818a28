//! The `dbs` binary's exit status and message when the service goes away mid-call, its deadline
//! flags, and answers with odd numbers or clocks. Each test runs `dbs` as a process with an empty
//! HOME and a clean environment, against servers on 127.0.0.1 only.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

const PASSWORD_VAR: &str = "DBS_DESTINATION_ENDPOINT_PASSWORD";

const CREATE: &[&str] = &[
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

/// `dbs` with a clean environment, the demo credentials and a password, and `home` as HOME.
fn dbs_command(home: &Path) -> Command {
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
        .env("HOME", home)
        .env_remove("USERPROFILE")
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
        .env(PASSWORD_VAR, "demo-Pass1")
        .stdin(Stdio::null());
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
fn bounded(mut child: Child) -> Output {
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The token after `--client-token ` in a message.
fn reported_token(text: &str) -> Option<String> {
    let rest = text.split("--client-token ").nth(1)?;
    Some(rest.split_whitespace().next()?.to_owned())
}

/// Reads one HTTP request (head and `content-length` body); returns the body.
fn read_request(stream: &mut TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let (mut buf, mut chunk) = (Vec::new(), [0u8; 4096]);
    loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..at]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= at + 4 + length {
                return String::from_utf8_lossy(&buf[at + 4..at + 4 + length]).into_owned();
            }
        }
        match stream.read(&mut chunk) {
            Ok(n) if n > 0 && buf.len() < 1 << 20 => buf.extend_from_slice(&chunk[..n]),
            _ => return String::new(),
        }
    }
}

/// A raw HTTP response.
fn response(status: u16, headers: &[(&str, &str)], body: &str) -> String {
    let mut text = format!(
        "HTTP/1.1 {status} Scripted\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text
}

/// A server on 127.0.0.1 answering every request with `reply` (or, with `once`, one request
/// and then no longer listening). It records the request bodies.
struct Scripted {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
    count: Arc<AtomicUsize>,
}

impl Scripted {
    fn start(reply: String, once: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let (seen, counter) = (Arc::clone(&bodies), Arc::clone(&count));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let body = read_request(&mut stream);
                if let Ok(mut seen) = seen.lock() {
                    seen.push(body);
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(reply.as_bytes());
                let _ = stream.flush();
                if once {
                    // The listener goes with the thread: the next attempts are refused.
                    return;
                }
            }
        });
        Self { url, bodies, count }
    }

    fn requests(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    fn first_token(&self) -> Option<String> {
        let bodies = self.bodies.lock().ok()?;
        let body = bodies.first()?;
        body.split('&')
            .find_map(|pair| pair.strip_prefix("ClientToken="))
            .map(str::to_owned)
    }
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
    let mut emulator = dbs_command(home.path())
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn dbs emulator");
    let mut first = String::new();
    if let Some(stdout) = emulator.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut first);
    }
    let Some(addr) = first.trim_end().strip_prefix("listening on http://") else {
        let _ = emulator.kill();
        panic!("first line: {first:?}");
    };
    let addr = addr.to_owned();
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
    let _ = emulator.kill(); // SIGKILL
    let _ = emulator.wait();
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
    let server = Scripted::start(response(503, &[], unavailable), true);
    let output = create(&server.url, &[], &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {text}");
    assert_eq!(server.requests(), 1);
    let sent = server.first_token();
    assert!(sent.is_some());
    assert_eq!(reported_token(&text), sent, "{text}");

    // A token given on the command line is the one reported.
    let server = Scripted::start(response(503, &[], unavailable), true);
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
        let server = Scripted::start(response(200, &[], &body), false);
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
    let server = Scripted::start(response(200, &[], "{}"), false);
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
        let server = Scripted::start(response(503, &[], unavailable), false);
        let output = create(&server.url, &["--max-attempts", attempts], &[]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert_eq!(server.requests(), expected, "--max-attempts {attempts}");
    }

    // A server that accepts and never answers: the read timeout ends each attempt.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&held);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if let Ok(mut keep) = keep.lock() {
                keep.push(stream);
            }
        }
    });
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
    let server = Scripted::start(
        response(429, &[("x-acs-retry-after", "3600000")], throttled),
        false,
    );
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
    let server = Scripted::start(response(503, &[("retry-after", "10")], unavailable), false);
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
    let server = Scripted::start(response(400, &[("date", &date)], expired), false);
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
