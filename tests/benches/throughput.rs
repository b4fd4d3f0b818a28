//! The throughput driver: signed `CreateRestoreTask` calls per second against a fresh emulator,
//! by our client (`dbs-api`, V1 and V3) and by the official SDKs as peers (the Python SDK
//! `alibabacloud_dbs20190306`, V1 and V3; `@alicloud/pop-core`, V1 only, when `node` is
//! installed), same N, same concurrency; then the emulator's capacity with our client as the
//! load, at several concurrencies and with 100,000 tasks already stored.
//!
//! ```text
//! scripts/throughput.sh                       # the whole matrix, N = 10,000 a run, one round
//! cargo bench -p dbs-tests --bench throughput -- [--n N] [--rounds R] [--only dbs|peers|capacity|floor]...
//! ```
//!
//! `floor` is the loopback floor at C=1: the same number of round trips between two threads of
//! this process over a 127.0.0.1 TCP connection with blocking sockets, the bytes of a signed V3
//! `CreateRestoreTask` and of its answer each way, no HTTP and no work on either side: what the
//! kernel and the machine take to carry one round trip and wake each side, which no client at
//! C=1 can beat (`"signature": "-"`).
//!
//! Every run starts a fresh emulator in this process, on a runtime of its own (2 worker
//! threads), listening on 127.0.0.1; the load runs in another runtime (ours) or another process
//! (the peers), so the emulator's work is the same whoever calls it. Each client makes
//! `min(N / 10, 200)` warm-up calls, then N calls, C at a time; the figures are N divided by the
//! wall time of those N calls, and the median and 99th percentile of their round trips (each
//! measured around the client's own call: build, sign, send, read, parse). Every call carries a
//! fresh `ClientToken` (our client fills one; the peers are given one), so the emulator does
//! the same work for every client.
//!
//! One JSON line per run is printed and appended to `<target>/bench-results/throughput.json`:
//! `{"who": "dbs"|"python-sdk"|"pop-core"|"capacity"|"loopback-floor", "signature": "v1"|"v3",
//! "concurrency": C, "calls_per_s", "p50_ms", "p99_ms", "n"}`, plus `"tasks_before"` (the tasks
//! the emulator held when the run began) on capacity lines, and the CPU time per call of the
//! emulator's threads (`"emulator_cpu_us_per_call"`, from `/proc/self/task/*/schedstat`; for a
//! peer it includes the peer's start-up and warm-up) and of the load (`"load_cpu_us_per_call"`:
//! our client's threads, or the peer process as it reports itself). On a shared machine the
//! calls per second say what the machine had to spare; the CPU per call says what a call costs. The Python venv and the Node modules
//! are the interop tests' (`tests/interop/README.md`), set up on first use.

#![allow(missing_docs)]

#[path = "../tests/interop/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::ffi::OsString;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dbs_api::{
    Client, Credentials, DestinationEndpointInstanceType, RestoreObject, RetryConfig,
    SignatureVersion,
};
use dbs_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

/// The concurrencies of the capacity sweep.
const SWEEP: [usize; 4] = [1, 4, 16, 64];
/// The bytes of a signed V3 `CreateRestoreTask` (headers and form body, as the emulator counts
/// them: about 1.1 KB) and of the emulator's answer (about 0.4 KB), for the loopback floor.
const FLOOR_REQUEST_BYTES: usize = 1_100;
const FLOOR_ANSWER_BYTES: usize = 400;
/// The tasks stored before the "as state grows" capacity run.
const PREFILLED: usize = 100_000;

struct Options {
    n: usize,
    /// How many times the matrix (ours, the peers, the floor) runs; the table takes medians.
    rounds: usize,
    only: Vec<String>,
}

fn options() -> Options {
    let mut options = Options {
        n: 10_000,
        rounds: 1,
        only: Vec::new(),
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--n" => {
                options.n =
                    value.parse().ok().filter(|n| *n > 0).unwrap_or_else(|| {
                        panic!("--n takes a whole number above 0, got {value:?}")
                    });
                i += 1;
            }
            "--rounds" => {
                options.rounds = value.parse().ok().filter(|r| *r > 0).unwrap_or_else(|| {
                    panic!("--rounds takes a whole number above 0, got {value:?}")
                });
                i += 1;
            }
            "--only" => {
                options.only.push(value);
                i += 1;
            }
            // `cargo bench` passes `--bench`; nothing else is ours.
            _ => {}
        }
        i += 1;
    }
    options
}

impl Options {
    fn wants(&self, part: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == part)
    }

    fn warm_up(&self) -> usize {
        (self.n / 10).min(200)
    }
}

/// One run's figures.
struct Run {
    calls_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// CPU time the emulator's threads spent during the measured calls, per call (µs).
    emulator_cpu_us: f64,
    /// CPU time the load (our client's threads, or the peer's process) spent, per call (µs).
    load_cpu_us: f64,
}

impl Run {
    fn from_latencies(mut latencies: Vec<Duration>, elapsed: Duration) -> Self {
        latencies.sort_unstable();
        let at = |q: f64| {
            let index = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len());
            latencies[index - 1].as_secs_f64() * 1000.0
        };
        Self {
            calls_per_s: latencies.len() as f64
                / elapsed.max(Duration::from_micros(1)).as_secs_f64(),
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            emulator_cpu_us: 0.0,
            load_cpu_us: 0.0,
        }
    }
}

/// Prints the line and appends it to the results file.
fn record(line: &Value) {
    println!("{line}");
    let dir = harness::target_dir().join("bench-results");
    let path = dir.join("throughput.json");
    let written = fs::create_dir_all(&dir).and_then(|()| {
        let mut file = fs::File::options().create(true).append(true).open(&path)?;
        writeln!(file, "{line}")
    });
    if let Err(e) = written {
        eprintln!("cannot append to {}: {e}", path.display());
    }
}

fn line(who: &str, signature: &str, concurrency: usize, n: usize, run: &Run) -> Value {
    let round = |x: f64, places: i32| {
        let scale = 10f64.powi(places);
        (x * scale).round() / scale
    };
    json!({
        "who": who,
        "signature": signature,
        "concurrency": concurrency,
        "calls_per_s": round(run.calls_per_s, 0),
        "p50_ms": round(run.p50_ms, 3),
        "p99_ms": round(run.p99_ms, 3),
        "n": n,
        "emulator_cpu_us_per_call": round(run.emulator_cpu_us, 1),
        "load_cpu_us_per_call": round(run.load_cpu_us, 1),
    })
}

/// CPU time (ns) each thread of this process named `name` has spent, by thread ID, from
/// `/proc/self/task/*/schedstat` (Linux; empty elsewhere). The machine is shared, so the CPU a
/// call costs says more than the calls per second a busy machine leaves room for.
fn cpu_ns(name: &str) -> std::collections::HashMap<u64, u64> {
    let mut out = std::collections::HashMap::new();
    let Ok(tasks) = fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let named = fs::read_to_string(path.join("comm")).is_ok_and(|c| c.trim() == name);
        let tid = task.file_name().to_string_lossy().parse::<u64>().ok();
        let ns = fs::read_to_string(path.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok());
        if let (true, Some(tid), Some(ns)) = (named, tid, ns) {
            out.insert(tid, ns);
        }
    }
    out
}

/// The CPU time (µs) threads named `name` spent since `before`, per call.
fn cpu_us_per_call(name: &str, before: &std::collections::HashMap<u64, u64>, calls: usize) -> f64 {
    let spent: u64 = cpu_ns(name)
        .iter()
        .map(|(tid, ns)| ns.saturating_sub(before.get(tid).copied().unwrap_or(0)))
        .sum();
    spent as f64 / 1000.0 / calls.max(1) as f64
}

/// A runtime of its own for the emulator: the load never runs on its threads.
fn emulator_runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("emulator")
        .enable_all()
        .build()
        .expect("the emulator's runtime")
}

/// A fresh emulator with room for `tasks` restore tasks and their `ClientToken`s.
fn start_emulator(runtime: &Runtime, tasks: usize) -> EmulatorHandle {
    let config = EmulatorConfig::default()
        .max_restore_tasks(tasks)
        .max_client_tokens(tasks)
        .max_restore_task_bytes(usize::MAX);
    runtime
        .block_on(Emulator::start(config))
        .expect("the emulator starts")
}

/// Room for the warm-up and the run, with a margin.
fn room(options: &Options, before: usize) -> usize {
    before + options.n + options.warm_up() + 1000
}

fn client(url: &str, signature: SignatureVersion) -> Client {
    Client::builder()
        .endpoint_url(url)
        .credentials(Credentials::new("testid", "testsecret"))
        .signature_version(signature)
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build()
        .expect("client")
}

/// The call every client makes: the README's restore of the demo MySQL plan.
async fn create(client: &Client, name: &str) {
    let answer = client
        .create_restore_task()
        .backup_plan_id("dbsdemomysql01")
        .restore_task_name(name)
        .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds)
        .destination_endpoint_region("cn-hangzhou")
        .destination_endpoint_instance_id("rm-bp1p8c29bench")
        .destination_endpoint_user_name("restore_user")
        .destination_endpoint_password("bench-Pa55word")
        .restore_objects([RestoreObject::new("orders").new_db_name("orders_restored")])
        .send()
        .await;
    if let Err(e) = answer {
        panic!("CreateRestoreTask failed: {e}");
    }
}

/// `n` calls by our client, `concurrency` at a time, after the warm-up.
fn run_ours(
    load: &Runtime,
    url: &str,
    signature: SignatureVersion,
    concurrency: usize,
    options: &Options,
) -> Run {
    let client = client(url, signature);
    load.block_on(async {
        for i in 0..options.warm_up() {
            create(&client, &format!("warm-up {i}")).await;
        }
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let n = options.n;
        let (emulator_before, load_before) = (cpu_ns("emulator"), cpu_ns("load"));
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (client, next) = (client.clone(), Arc::clone(&next));
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(n / concurrency + 1);
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < n {
                        let at = Instant::now();
                        create(&client, "bench").await;
                        latencies.push(at.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(n);
        for worker in workers {
            latencies.extend(worker.await.expect("a load task"));
        }
        let mut run = Run::from_latencies(latencies, started.elapsed());
        run.emulator_cpu_us = cpu_us_per_call("emulator", &emulator_before, n);
        run.load_cpu_us = cpu_us_per_call("load", &load_before, n);
        run
    })
}

/// The loopback floor: `n` round trips of fixed bytes between two threads over one TCP
/// connection to 127.0.0.1, blocking reads and writes, `TCP_NODELAY` on both ends.
fn run_floor(options: &Options) -> Run {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("its address");
    let server = std::thread::Builder::new()
        .name("floor-server".to_owned())
        .spawn(move || {
            let (mut stream, _) = listener.accept().expect("the client connects");
            stream.set_nodelay(true).expect("TCP_NODELAY");
            let (mut request, answer) = (
                vec![0u8; FLOOR_REQUEST_BYTES],
                vec![b'a'; FLOOR_ANSWER_BYTES],
            );
            // Ends when the client closes the connection.
            while stream.read_exact(&mut request).is_ok() {
                if stream.write_all(&answer).is_err() {
                    break;
                }
            }
        })
        .expect("the floor's server thread");
    let mut stream = TcpStream::connect(address).expect("connect to the floor's server");
    stream.set_nodelay(true).expect("TCP_NODELAY");
    let (request, mut answer) = (
        vec![b'r'; FLOOR_REQUEST_BYTES],
        vec![0u8; FLOOR_ANSWER_BYTES],
    );
    let mut round_trip = |stream: &mut TcpStream| {
        stream.write_all(&request).expect("send");
        stream.read_exact(&mut answer).expect("receive");
    };
    for _ in 0..options.warm_up() {
        round_trip(&mut stream);
    }
    let mut latencies = Vec::with_capacity(options.n);
    let started = Instant::now();
    for _ in 0..options.n {
        let at = Instant::now();
        round_trip(&mut stream);
        latencies.push(at.elapsed());
    }
    let elapsed = started.elapsed();
    drop(stream);
    server.join().expect("the floor's server thread ends");
    Run::from_latencies(latencies, elapsed)
}

fn signature_name(signature: SignatureVersion) -> &'static str {
    match signature {
        SignatureVersion::V1 => "v1",
        _ => "v3",
    }
}

/// Runs a peer driver and reads its one JSON line.
fn run_peer(program: &std::path::Path, args: Vec<OsString>, n: usize) -> Run {
    let emulator_before = cpu_ns("emulator");
    let output = Command::new(program)
        .args(&args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{} {args:?} failed ({}): {text}",
        program.display(),
        output.status
    );
    let answer: Value = text
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("{} printed no JSON line: {text}", program.display()));
    let number = |key: &str| {
        answer[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{key} missing from {answer}"))
    };
    Run {
        calls_per_s: number("calls_per_s"),
        p50_ms: number("p50_ms"),
        p99_ms: number("p99_ms"),
        // The peer's warm-up and start-up fall in this window too: an upper bound.
        emulator_cpu_us: cpu_us_per_call("emulator", &emulator_before, n),
        load_cpu_us: number("cpu_us_per_call"),
    }
}

fn peer_args(url: &str, signature: &str, concurrency: usize, options: &Options) -> Vec<OsString> {
    [
        "--endpoint".to_owned(),
        url.to_owned(),
        "--signature".to_owned(),
        signature.to_owned(),
        "--concurrency".to_owned(),
        concurrency.to_string(),
        "--n".to_owned(),
        options.n.to_string(),
        "--warm-up".to_owned(),
        options.warm_up().to_string(),
    ]
    .into_iter()
    .map(OsString::from)
    .collect()
}

/// Fills the emulator with `count` copies of one task created over HTTP.
fn fill(load: &Runtime, emulator: &EmulatorHandle, count: usize) {
    load.block_on(create(
        &client(&emulator.url(), SignatureVersion::V3),
        "template",
    ));
    let template = emulator.state().restore_tasks[0].clone();
    for i in 1..count {
        let mut task = template.clone();
        task.restore_task_name = format!("prefilled {i}");
        emulator.insert_restore_task(task).expect("room");
    }
}

fn main() {
    let options = options();
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("load")
        .enable_all()
        .build()
        .expect("the load's runtime");
    let n = options.n;
    let signatures = [SignatureVersion::V1, SignatureVersion::V3];

    // Rounds of the whole matrix rather than longer runs: a shared machine's slow spells then
    // fall on some rounds of every client, not all of one client's calls.
    for _ in 0..options.rounds {
        if options.wants("dbs") || options.wants("peers") {
            for signature in signatures {
                let sig = signature_name(signature);
                for concurrency in [1, 16] {
                    if options.wants("dbs") {
                        let runtime = emulator_runtime();
                        let emulator = start_emulator(&runtime, room(&options, 0));
                        let run =
                            run_ours(&load, &emulator.url(), signature, concurrency, &options);
                        record(&line("dbs", sig, concurrency, n, &run));
                        runtime.block_on(emulator.shutdown());
                    }
                    if options.wants("peers") {
                        let runtime = emulator_runtime();
                        let emulator = start_emulator(&runtime, room(&options, 0));
                        let python = &harness::python().python;
                        let mut args = vec![
                            harness::interop_dir()
                                .join("throughput_official.py")
                                .into_os_string(),
                        ];
                        let address = emulator.local_addr().to_string();
                        args.extend(peer_args(&address, sig, concurrency, &options));
                        let run = run_peer(python, args, n);
                        record(&line("python-sdk", sig, concurrency, n, &run));
                        runtime.block_on(emulator.shutdown());

                        if signature == SignatureVersion::V1
                            && let Some(node) = harness::node()
                        {
                            let runtime = emulator_runtime();
                            let emulator = start_emulator(&runtime, room(&options, 0));
                            let mut args = vec![
                                harness::interop_dir()
                                    .join("throughput_pop.js")
                                    .into_os_string(),
                                OsString::from("--modules"),
                                node.modules.clone().into_os_string(),
                            ];
                            args.extend(peer_args(&emulator.url(), sig, concurrency, &options));
                            let run = run_peer(&node.node, args, n);
                            record(&line("pop-core", sig, concurrency, n, &run));
                            runtime.block_on(emulator.shutdown());
                        }
                    }
                }
            }
        }

        if options.wants("floor") {
            let run = run_floor(&options);
            record(&line("loopback-floor", "-", 1, n, &run));
        }
    }

    if options.wants("capacity") {
        for concurrency in SWEEP {
            let runtime = emulator_runtime();
            let emulator = start_emulator(&runtime, room(&options, 0));
            let run = run_ours(
                &load,
                &emulator.url(),
                SignatureVersion::V3,
                concurrency,
                &options,
            );
            let mut out = line("capacity", "v3", concurrency, n, &run);
            out["tasks_before"] = json!(0);
            record(&out);
            runtime.block_on(emulator.shutdown());
        }
        // Flat as state grows: the same run at C=16 against 100,000 stored tasks.
        let runtime = emulator_runtime();
        let emulator = start_emulator(&runtime, room(&options, PREFILLED));
        fill(&load, &emulator, PREFILLED);
        let run = run_ours(&load, &emulator.url(), SignatureVersion::V3, 16, &options);
        let mut out = line("capacity", "v3", 16, n, &run);
        out["tasks_before"] = json!(PREFILLED);
        record(&out);
        runtime.block_on(emulator.shutdown());
    }
}
