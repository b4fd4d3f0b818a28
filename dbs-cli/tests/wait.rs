//! `dbs restore --wait` and `dbs wait restore-task` against a `dbs emulator` child on 127.0.0.1
//! (its default seed). The final states are the spec's waiter's (`check_pass` finishes, `stop`
//! fails); a failed task's message and code are the ones the test injects with the emulator's
//! `task_failure` fault, which `DescribeJobErrorCode` gives back.

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Output, Stdio};
use std::time::Duration;

use common::{Emulator, MYSQL_TO_RDS, PASSWORD_VAR, stderr, stdout};
use serde_json::Value;

const PLAN: &str = "dbsdemomysql01";

/// A `dbs emulator` child whose restore tasks run `duration_ms`, and the HOME it runs with.
fn emulator(duration_ms: &str) -> (Emulator, tempfile::TempDir) {
    let home = tempfile::tempdir().expect("temp HOME");
    let emulator = Emulator::start(home.path(), &["--task-duration-ms", duration_ms], &[]);
    (emulator, home)
}

/// `dbs --endpoint URL <args>` with the demo credentials and the destination password.
fn command(home: &std::path::Path, url: &str, args: &[&str]) -> std::process::Command {
    let mut command = common::dbs_command(home);
    command
        .envs(common::DEMO_CREDENTIALS)
        .env(PASSWORD_VAR, "demo-Pass1")
        .args(["--endpoint", url])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn dbs(url: &str, args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp HOME");
    let child = command(home.path(), url, args).spawn().expect("spawn dbs");
    let (output, killed) = common::wait_at_most(child, Duration::from_secs(60));
    assert!(!killed, "dbs {args:?} hung");
    output
}

/// `restore --backup-plan-id PLAN <MySQL to RDS destination> <extra>`.
fn restore_args(extra: &[&str]) -> Vec<String> {
    let destination = MYSQL_TO_RDS
        .iter()
        .position(|a| a.starts_with("--restore-task-name"))
        .expect("the destination flags");
    ["restore", "--backup-plan-id", PLAN]
        .iter()
        .chain(&MYSQL_TO_RDS[destination..])
        .chain(extra)
        .map(|s| (*s).to_owned())
        .collect()
}

fn json(output: &Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_str(&stdout(output)).expect("JSON on stdout")
}

/// One HTTP/1.1 request to the emulator's admin API; the whole answer.
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

#[test]
fn restore_wait_prints_the_finished_task_and_its_progress() {
    let (emulator, _home) = emulator("1000");
    let args = restore_args(&["--wait", "--wait-timeout", "30s"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = dbs(&emulator.url, &args);
    let task = json(&output);
    assert_eq!(task["RestoreStatus"], "check_pass", "{task}");
    let id = task["RestoreTaskId"].as_str().expect("RestoreTaskId");
    let text = stderr(&output);
    // stderr is a pipe: one plain line per change, the last one the final state.
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(&format!("{id}: RestoreStatus")))
        .collect();
    assert!(
        lines.last().is_some_and(|l| l.contains("check_pass")),
        "{text}"
    );
    assert!(
        !text.contains('\r'),
        "no in-place rewriting on a pipe: {text:?}"
    );
}

#[test]
fn a_failed_task_exits_1_with_its_message_and_the_job_error_s_explanation() {
    let (emulator, _home) = emulator("1000");
    let fault = r#"{"action":"StartRestoreTask","kind":"task_failure","code":"WAIT_TEST_CODE","message":"the destination refused the wait test"}"#;
    let injected = raw(&emulator.addr, "POST", "/_emulator/faults", fault);
    assert!(injected.starts_with("HTTP/1.1 200"), "{injected}");
    let args = restore_args(&["--wait"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = dbs(&emulator.url, &args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    let text = stderr(&output);
    let error = text
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(error.contains("\"stop\""), "the status: {error}");
    assert!(
        error.contains("the destination refused the wait test"),
        "{error}"
    );
    assert!(error.contains("WAIT_TEST_CODE"), "the explanation: {error}");
}

#[test]
fn wait_restore_task_finishes_a_started_task() {
    let (emulator, _home) = emulator("1000");
    let args = restore_args(&[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = json(&dbs(&emulator.url, &args));
    let id = started["RestoreTaskId"].as_str().expect("RestoreTaskId");
    let output = dbs(
        &emulator.url,
        &[
            "wait",
            "restore-task",
            "--restore-task-id",
            id,
            "--wait-timeout",
            "30",
        ],
    );
    let task = json(&output);
    assert_eq!(task["RestoreTaskId"], id);
    assert_eq!(task["RestoreStatus"], "check_pass", "{task}");
}

#[test]
fn wait_restore_task_for_an_unknown_task_exits_1() {
    let (emulator, _home) = emulator("1000");
    let output = dbs(
        &emulator.url,
        &["wait", "restore-task", "--restore-task-id", "r0nosuchtask0"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("r0nosuchtask0"),
        "{}",
        stderr(&output)
    );
}

#[cfg(unix)]
#[test]
fn sigint_while_waiting_says_how_to_resume_and_exits_130() {
    // A long task: the wait is still polling when the signal comes.
    let (emulator, _home) = emulator("600000");
    let args = restore_args(&[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = json(&dbs(&emulator.url, &args));
    let id = started["RestoreTaskId"]
        .as_str()
        .expect("RestoreTaskId")
        .to_owned();

    let home = tempfile::tempdir().expect("temp HOME");
    let mut child = command(
        home.path(),
        &emulator.url,
        &["wait", "restore-task", "--restore-task-id", &id],
    )
    .spawn()
    .expect("spawn dbs");
    // The first progress line means the wait (and its Ctrl-C handler) is running.
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut first = String::new();
    err.read_line(&mut first).expect("a progress line");
    assert!(
        first.starts_with(&format!("{id}: RestoreStatus")),
        "{first}"
    );
    let signal = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(signal.success());
    // Reaped (or killed) first, so reading the rest of stderr cannot block.
    let (output, killed) = common::wait_at_most(child, Duration::from_secs(30));
    let mut rest = String::new();
    let _ = err.read_to_string(&mut rest);
    assert!(!killed, "dbs kept waiting after SIGINT");
    assert_eq!(output.status.code(), Some(130), "{rest}");
    assert!(
        rest.contains(&format!("dbs wait restore-task --restore-task-id {id}")),
        "{rest}"
    );
}
