//! Helpers shared by the `dbs` binary's test files: running `dbs` with a clean environment,
//! bounding a child process, starting `dbs emulator`, and one loopback HTTP server that
//! answers, answers once, or accepts and holds.
//!
//! Each test binary compiles this module and uses a subset of it, so the items it does not use
//! would warn as dead code in that binary: hence the module-wide `allow(dead_code)`.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The environment variable holding the destination database password.
pub const PASSWORD_VAR: &str = "DBS_DESTINATION_ENDPOINT_PASSWORD";

/// The emulator's demo account, as environment variables.
pub const DEMO_CREDENTIALS: [(&str, &str); 2] = [
    ("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"),
    ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret"),
];

/// The README's main job: restore a MySQL plan of the demo seed into an RDS instance.
pub const MYSQL_TO_RDS: &[&str] = &[
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

/// `dbs` without the caller's Alibaba, DBS, proxy or log settings, with `home` as HOME and no
/// stdin, so the developer's real credentials and profiles are never read.
pub fn dbs_command(home: &Path) -> Command {
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
        .stdin(Stdio::null());
    command
}

/// What `dbs emulator --help` prints on stdout.
pub fn emulator_help() -> String {
    let home = tempfile::tempdir().expect("temp HOME");
    let output = dbs_command(home.path())
        .args(["emulator", "--help"])
        .output()
        .expect("run dbs");
    stdout(&output)
}

/// The process's stdout, lossily decoded.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The process's stderr, lossily decoded.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Waits for `child`, killing it after `limit` so a hang fails the test instead of blocking it.
/// Returns its output and whether it had to be killed.
pub fn wait_at_most(mut child: Child, limit: Duration) -> (Output, bool) {
    let deadline = Instant::now() + limit;
    let mut killed = false;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            killed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (child.wait_with_output().expect("output"), killed)
}

/// A `dbs emulator --listen 127.0.0.1:0` child, killed on drop.
pub struct Emulator {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    _home: Option<tempfile::TempDir>,
}

impl Emulator {
    /// Starts `dbs emulator` on a free loopback port with `home` as HOME, `args` after the
    /// listen address and `env` on top of the clean environment.
    pub fn start(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::spawn(home, args, env, None)
    }

    /// [`Emulator::start`] with an empty temporary HOME of its own and no extra settings.
    pub fn start_alone() -> Self {
        let home = tempfile::tempdir().expect("temp HOME");
        let path = home.path().to_path_buf();
        Self::spawn(&path, &[], &[], Some(home))
    }

    fn spawn(
        home: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        owned: Option<tempfile::TempDir>,
    ) -> Self {
        let mut child = dbs_command(home)
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn dbs emulator");
        let stdout = child.stdout.take().expect("stdout");
        // Built before reading, so a child that prints no URL is still killed.
        let mut emulator = Self {
            child,
            url: String::new(),
            addr: String::new(),
            _home: owned,
        };
        let mut first = String::new();
        let _ = BufReader::new(stdout).read_line(&mut first);
        let url = first
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first:?}"));
        emulator.addr = url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_owned();
        emulator.url = url.to_owned();
        emulator
    }

    /// Kills the emulator now (SIGKILL on Unix) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads one HTTP request (head and `content-length` body, at most 1 MiB, 20 s per read);
/// returns the request line and the body.
pub fn read_request(stream: &mut TcpStream) -> (String, String) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let (mut buf, mut chunk) = (Vec::new(), [0u8; 4096]);
    loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..at]).into_owned();
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.trim()
                        .eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            if buf.len() >= at + 4 + length {
                let line = head.lines().next().unwrap_or_default().to_owned();
                let body = String::from_utf8_lossy(&buf[at + 4..at + 4 + length]).into_owned();
                return (line, body);
            }
        }
        match stream.read(&mut chunk) {
            Ok(n) if n > 0 && buf.len() < 1 << 20 => buf.extend_from_slice(&chunk[..n]),
            _ => {
                let head = String::from_utf8_lossy(&buf);
                return (
                    head.lines().next().unwrap_or_default().to_owned(),
                    String::new(),
                );
            }
        }
    }
}

/// A raw HTTP/1.1 response with `content_type`, a `content-length`, `connection: close` and
/// the extra `headers`.
pub fn response(status: u16, content_type: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut text = format!(
        "HTTP/1.1 {status} Scripted\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text
}

/// What a [`Server`] does with each connection.
enum Behaviour {
    /// Reads the request and writes the same raw reply; with `once`, stops listening after the
    /// first request so later connections are refused.
    Answer { reply: String, once: bool },
    /// Accepts and keeps the connection open without reading or answering.
    Hold,
}

/// A thread-based HTTP server on 127.0.0.1 (the tests drive a child process, so a blocking
/// server is enough). It records every request it read and counts connections; dropping it
/// stops the thread.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Kept for the holding server, so a late connection is counted (see [`Server::was_contacted`]).
    listener: Option<Arc<TcpListener>>,
    requests: Arc<Mutex<Vec<(String, String)>>>,
    held: Arc<Mutex<Vec<TcpStream>>>,
    count: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Answers every request with the raw `reply` (see [`response`]).
    pub fn answering(reply: String) -> Self {
        Self::start(Behaviour::Answer { reply, once: false })
    }

    /// Answers the first request with the raw `reply`, then no longer listens.
    pub fn answering_once(reply: String) -> Self {
        Self::start(Behaviour::Answer { reply, once: true })
    }

    /// Accepts connections and never answers them.
    pub fn holding() -> Self {
        Self::start(Behaviour::Hold)
    }

    fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener.set_nonblocking(true).expect("non-blocking");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let listener = Arc::new(listener);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let held = Arc::new(Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        // A server answering once must close its port when done: only its thread holds it.
        // The holding server keeps it too, to count connections still in the backlog.
        let kept = match behaviour {
            Behaviour::Hold => Some(Arc::clone(&listener)),
            Behaviour::Answer { .. } => None,
        };
        let (seen, holding, counter, stopping) = (
            Arc::clone(&requests),
            Arc::clone(&held),
            Arc::clone(&count),
            Arc::clone(&stop),
        );
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                match &behaviour {
                    Behaviour::Hold => {
                        if let Ok(mut held) = holding.lock() {
                            held.push(stream);
                        }
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                    Behaviour::Answer { reply, once } => {
                        let request = read_request(&mut stream);
                        if let Ok(mut seen) = seen.lock() {
                            seen.push(request);
                        }
                        counter.fetch_add(1, Ordering::SeqCst);
                        let _ = stream.write_all(reply.as_bytes());
                        let _ = stream.flush();
                        if *once {
                            // The listener goes with the thread: the next attempts are refused.
                            return;
                        }
                    }
                }
            }
        });
        Self {
            url,
            listener: kept,
            requests,
            held,
            count,
            stop,
            thread: Some(thread),
        }
    }

    /// How many requests were answered (or, for a holding server, connections accepted).
    pub fn requests(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// The request lines read, in order.
    pub fn request_lines(&self) -> Vec<String> {
        let requests = self.requests.lock().expect("requests");
        requests.iter().map(|(line, _)| line.clone()).collect()
    }

    /// The `ClientToken` of the first request's form body.
    pub fn first_token(&self) -> Option<String> {
        let requests = self.requests.lock().ok()?;
        let (_, body) = requests.first()?;
        body.split('&')
            .find_map(|pair| pair.strip_prefix("ClientToken="))
            .map(str::to_owned)
    }

    /// Whether anything connected to a holding server. A connection still waiting in the backlog counts too, so
    /// the answer does not depend on the thread having polled since the child exited.
    pub fn was_contacted(&self) -> bool {
        if let Some(listener) = &self.listener {
            while let Ok((stream, _)) = listener.accept() {
                if let Ok(mut held) = self.held.lock() {
                    held.push(stream);
                }
                self.count.fetch_add(1, Ordering::SeqCst);
            }
        }
        self.requests() > 0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
