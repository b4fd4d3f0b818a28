//! The environments the official SDKs run in, built under the target directory on first use and
//! reused afterwards, and the plumbing to feed them JSON lines.
//!
//! - Python: `<target>/interop-venv`, from `tests/interop/requirements.txt` (every package
//!   pinned), built without build isolation with the pinned `build-requirements.txt`. A marker
//!   file in the venv holds the SHA-256 of both files; when it matches and `check_pins.py`
//!   agrees, the venv is reused, otherwise it is rebuilt from scratch.
//!   Without Python, `venv` or PyPI the tests FAIL (no silent skip).
//! - Node (optional): `<target>/interop-node`, `npm ci` of `tests/interop/node/package-lock.json`.
//!   When `node` or `npm` is not installed, the Node checks are skipped with a printed note; when
//!   they are installed but the install fails, the tests fail.
//!
//! Concurrency: within one test binary a `OnceLock` does the setup once; across processes (two
//! `cargo test` runs, or nextest's process per test) an exclusive lock on
//! `<target>/interop-env.lock` serialises it.
//!
//! `<target>` is the directory Cargo built this test into (`CARGO_TARGET_DIR` or the workspace's
//! `target/`), found from `CARGO_TARGET_TMPDIR`.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

use serde_json::Value;

/// The start of every failure message about the Python environment.
pub const NEED_PYTHON: &str = "interop tests need python3 with venv and access to PyPI";

/// `tests/interop`: the driver scripts and the pinned requirements.
pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// The Cargo target directory this test was built into.
pub fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .map_or_else(|| tmp.to_path_buf(), Path::to_path_buf)
}

/// A ready Python environment with the official SDKs.
#[derive(Debug)]
pub struct PythonEnv {
    /// The venv's interpreter.
    pub python: PathBuf,
}

/// The Python environment, set up on first use. Panics (fails the test) with [`NEED_PYTHON`]
/// and the reason when it cannot be had. Blocking: call it off the async runtime.
pub fn python() -> &'static PythonEnv {
    static PYTHON: OnceLock<Result<PythonEnv, String>> = OnceLock::new();
    match PYTHON.get_or_init(setup_python) {
        Ok(env) => env,
        Err(why) => panic!("{NEED_PYTHON}: {why}"),
    }
}

fn setup_python() -> Result<PythonEnv, String> {
    let started = Instant::now();
    let target = target_dir();
    let venv = target.join("interop-venv");
    let requirements = interop_dir().join("requirements.txt");
    let build = interop_dir().join("build-requirements.txt");
    let wanted = fingerprint(&[&build, &requirements])?;
    let _lock = lock(&target)?;

    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    let marker = venv.join(".dbs-interop-requirements");
    if fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str())
        && check_pins(&python, &[&build, &requirements]).is_ok()
    {
        eprintln!(
            "interop: reusing {} ({:.1}s)",
            venv.display(),
            started.elapsed().as_secs_f64()
        );
        return Ok(PythonEnv { python });
    }

    eprintln!(
        "interop: creating {} (python3 -m venv, pinned pip install; about half a minute)",
        venv.display()
    );
    if venv.exists() {
        fs::remove_dir_all(&venv)
            .map_err(|e| format!("cannot remove the stale {}: {e}", venv.display()))?;
    }
    let base = std::env::var_os("PYTHON").unwrap_or_else(|| OsString::from("python3"));
    run(
        Command::new(&base).arg("-m").arg("venv").arg(&venv),
        "creating the venv",
    )?;
    let pip = |what, file: &Path, isolation: bool| {
        let mut command = Command::new(&python);
        command
            .args(["-m", "pip", "install", "--disable-pip-version-check"])
            .args(["--no-input", "--quiet"]);
        if !isolation {
            command.arg("--no-build-isolation");
        }
        run(command.arg("--requirement").arg(file), what)
    };
    pip("installing the pinned build tools", &build, true)?;
    pip("installing the pinned official SDKs", &requirements, false)?;
    check_pins(&python, &[&build, &requirements])?;
    fs::write(&marker, &wanted).map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    eprintln!(
        "interop: venv ready in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(PythonEnv { python })
}

fn check_pins(python: &Path, requirements: &[&Path]) -> Result<(), String> {
    run(
        Command::new(python)
            .arg(interop_dir().join("check_pins.py"))
            .args(requirements),
        "checking the installed versions",
    )
}

/// A ready Node environment with `@alicloud/pop-core`.
#[derive(Debug)]
pub struct NodeEnv {
    /// `node`.
    pub node: PathBuf,
    /// The `node_modules` directory holding `@alicloud/pop-core`.
    pub modules: PathBuf,
}

/// The Node environment: `None` (with a note printed) when `node` or `npm` is not installed.
/// Panics when they are installed but the pinned install fails. Blocking.
pub fn node() -> Option<&'static NodeEnv> {
    static NODE: OnceLock<Result<Option<NodeEnv>, String>> = OnceLock::new();
    match NODE.get_or_init(setup_node) {
        Ok(Some(env)) => Some(env),
        Ok(None) => {
            eprintln!(
                "interop: NOTE: node/npm not found; the optional @alicloud/pop-core checks are skipped"
            );
            None
        }
        Err(why) => {
            panic!("interop tests with @alicloud/pop-core (node and npm are installed): {why}")
        }
    }
}

fn setup_node() -> Result<Option<NodeEnv>, String> {
    let found = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !found("node") || !found("npm") {
        return Ok(None);
    }
    let target = target_dir();
    let dir = target.join("interop-node");
    let source = interop_dir().join("node");
    let files = [
        source.join("package.json"),
        source.join("package-lock.json"),
    ];
    let wanted = fingerprint(&[&files[0], &files[1]])?;
    let _lock = lock(&target)?;

    let modules = dir.join("node_modules");
    let marker = dir.join(".dbs-interop-lock");
    let installed = modules
        .join("@alicloud")
        .join("pop-core")
        .join("package.json");
    let node = PathBuf::from("node");
    if fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) && installed.exists() {
        return Ok(Some(NodeEnv { node, modules }));
    }
    if dir.exists() {
        fs::remove_dir_all(&dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for file in &files {
        let to = dir.join(file.file_name().unwrap_or_default());
        fs::copy(file, &to).map_err(|e| format!("cannot copy {}: {e}", file.display()))?;
    }
    run(
        Command::new("npm")
            .args([
                "ci",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ])
            .current_dir(&dir),
        "npm ci of the pinned @alicloud/pop-core",
    )?;
    if !installed.exists() {
        return Err(format!("npm ci left no {}", installed.display()));
    }
    fs::write(&marker, &wanted).map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    eprintln!("interop: installed @alicloud/pop-core in {}", dir.display());
    Ok(Some(NodeEnv { node, modules }))
}

/// SHA-256 over the given files' contents, hex.
fn fingerprint(files: &[&Path]) -> Result<String, String> {
    let mut all = Vec::new();
    for file in files {
        let bytes = fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        all.extend_from_slice(&bytes);
        all.push(0);
    }
    Ok(dbs_api::signing::sha256_hex(&all))
}

/// An exclusive lock on `<target>/interop-env.lock`, released when the file is dropped.
fn lock(target: &Path) -> Result<File, String> {
    fs::create_dir_all(target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    let path = target.join("interop-env.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.lock()
        .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
    Ok(file)
}

/// Runs a setup command; on failure, what it was doing, the command and its output's tail.
fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let shown = format!("{command:?}");
    let output = command
        .env("PIP_NO_INPUT", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: cannot run {shown}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    let tail: String = text
        .lines()
        .rev()
        .take(15)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    Err(format!(
        "{what}: {shown} failed ({}):\n{tail}",
        output.status
    ))
}

/// Runs `program args…`, writes `input` as JSON lines to its stdin, and returns its stdout's JSON
/// lines. Panics when it cannot start, exits non-zero, or prints something that is not JSON.
/// Blocking: call it off the async runtime.
pub fn jsonl(program: &Path, args: &[OsString], input: &[Value]) -> Vec<Value> {
    let mut child = Command::new(program)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONIOENCODING", "utf-8")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let text: String = input.iter().map(|v| format!("{v}\n")).collect();
    // Written from a thread, so a child that answers line by line never blocks on a full pipe.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(text.as_bytes());
    });
    let stdout = child.stdout.take().expect("piped stdout");
    let mut out = Vec::new();
    let mut not_json = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap_or_else(|e| panic!("reading {}: {e}", program.display()));
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&line) {
            Ok(v) => out.push(v),
            Err(_) => not_json.push(line),
        }
    }
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for {}: {e}", program.display()));
    let _ = writer.join();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && not_json.is_empty(),
        "{} {:?} failed ({}):\nstderr:\n{stderr}\nnon-JSON output:\n{}",
        program.display(),
        args,
        output.status,
        not_json.join("\n")
    );
    assert_eq!(
        out.len(),
        input.len(),
        "{} answered {} lines for {} inputs; stderr:\n{stderr}",
        program.display(),
        out.len(),
        input.len()
    );
    out
}

/// Runs a script of `tests/interop` with the venv's Python (setting the venv up first).
pub async fn python_script(script: &str, args: Vec<OsString>, input: Vec<Value>) -> Vec<Value> {
    let script = interop_dir().join(script);
    let run = tokio::task::spawn_blocking(move || {
        let env = python();
        let mut all = vec![script.into_os_string()];
        all.extend(args);
        jsonl(&env.python, &all, &input)
    });
    // A panic on the blocking thread (setup failed, the driver failed) fails the test with
    // its own message.
    run.await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// Runs `pop_client.js` with the pinned pop-core; `None` when Node is not installed.
pub async fn node_script(endpoint: String, input: Vec<Value>) -> Option<Vec<Value>> {
    let run = tokio::task::spawn_blocking(move || {
        let env = node()?;
        let args = vec![
            interop_dir().join("pop_client.js").into_os_string(),
            OsString::from("--endpoint"),
            OsString::from(endpoint),
            OsString::from("--modules"),
            env.modules.clone().into_os_string(),
        ];
        Some(jsonl(&env.node, &args, &input))
    });
    run.await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}
