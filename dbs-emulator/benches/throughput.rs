//! Signed `CreateRestoreTask` throughput of an emulator that holds no task, against one that
//! holds 100,000, and the memory a stored task takes. A bench binary (not criterion): each
//! measurement is a fixed number of real HTTP requests over loopback.
//!
//! ```text
//! cargo bench -p dbs-emulator --bench throughput
//! cargo bench -p dbs-emulator --bench throughput -- --requests 20000 --rounds 3 --concurrency 8
//! ```
//!
//! Each round starts a fresh empty emulator and a fresh one pre-filled with 100,000 tasks
//! (through `EmulatorHandle::insert_restore_task`, copies of a task created over HTTP, not
//! 100,000 calls), and sends the same number of requests to each with the `dbs-api` client
//! (V3 signatures, no retries, `concurrency` requests in flight), alternating which goes
//! first. The summary is the median rate of each side and the median of the rounds' ratios. The memory per task is the
//! growth of this process's resident set while the first 100,000 are added.

#![allow(missing_docs)]

use std::time::{Duration, Instant};

use dbs_api::{Client, Credentials, DestinationEndpointInstanceType, RestoreObject, RetryConfig};
use dbs_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

const PREFILLED: usize = 100_000;

struct Options {
    requests: usize,
    rounds: usize,
    concurrency: usize,
}

fn options() -> Options {
    let mut options = Options {
        requests: 20_000,
        rounds: 3,
        concurrency: 8,
    };
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        let value = || pair[1].parse::<usize>().ok().filter(|n| *n > 0);
        match pair[0].as_str() {
            "--requests" => options.requests = value().unwrap_or(options.requests),
            "--rounds" => options.rounds = value().unwrap_or(options.rounds),
            "--concurrency" => options.concurrency = value().unwrap_or(options.concurrency),
            _ => {}
        }
    }
    options
}

/// This process's resident set in KiB (Linux), or 0 where `/proc` is not there.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

async fn emulator() -> EmulatorHandle {
    // Room for the measurement's own tasks too, whatever --requests says, and for their
    // `ClientToken`s (the client sends one with every `CreateRestoreTask`).
    let config = EmulatorConfig::default()
        .max_restore_tasks(usize::MAX)
        .max_restore_task_bytes(usize::MAX)
        .max_client_tokens(usize::MAX);
    Emulator::start(config).await.expect("the emulator starts")
}

fn client(url: &str) -> Client {
    Client::builder()
        .endpoint_url(url)
        .credentials(Credentials::new("testid", "testsecret"))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build()
        .expect("client")
}

async fn create(client: &Client, name: &str) {
    client
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
        .await
        .expect("CreateRestoreTask succeeds");
}

/// Fills `emulator` with copies of one task created over HTTP.
async fn fill(emulator: &EmulatorHandle) {
    create(&client(&emulator.url()), "template").await;
    let template = emulator.state().restore_tasks[0].clone();
    for i in 1..PREFILLED {
        let mut task = template.clone();
        task.restore_task_name = format!("prefilled {i}");
        emulator.insert_restore_task(task).expect("room");
    }
}

/// Requests per second for `requests` requests, `concurrency` at a time.
async fn measure(emulator: &EmulatorHandle, options: &Options) -> f64 {
    let client = client(&emulator.url());
    for i in 0..200 {
        create(&client, &format!("warm-up {i}")).await;
    }
    let per_worker = options.requests / options.concurrency;
    let started = Instant::now();
    let workers: Vec<_> = (0..options.concurrency)
        .map(|w| {
            let client = client.clone();
            tokio::spawn(async move {
                for i in 0..per_worker {
                    create(&client, &format!("bench {w}-{i}")).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker");
    }
    let elapsed = started.elapsed().max(Duration::from_micros(1));
    (per_worker * options.concurrency) as f64 / elapsed.as_secs_f64()
}

async fn state_bytes(url: &str) -> usize {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest")
        .get(format!("{url}/_emulator/state"))
        .send()
        .await
        .expect("state");
    response.bytes().await.expect("state body").len()
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        println!(
            "{} requests a measurement, {} in flight, {} rounds",
            options.requests, options.concurrency, options.rounds
        );
        let (mut empty, mut full, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..options.rounds {
            let before = rss_kib();
            let filled = emulator().await;
            let started = Instant::now();
            fill(&filled).await;
            let fill_time = started.elapsed();
            let after = rss_kib();
            if round == 0 {
                println!(
                    "filled {PREFILLED} tasks in {fill_time:.2?}; resident set {before} KiB -> {after} KiB, \
                     {:.0} bytes a task; GET /_emulator/state answers {} bytes",
                    (after.saturating_sub(before) * 1024) as f64 / PREFILLED as f64,
                    state_bytes(&filled.url()).await
                );
            }
            // Alternate which goes first, so a load that drifts during a round (the machine is
            // shared) does not always fall on the same side.
            let fresh = emulator().await;
            let (rate_empty, rate_full) = if round % 2 == 0 {
                let empty = measure(&fresh, &options).await;
                (empty, measure(&filled, &options).await)
            } else {
                let full = measure(&filled, &options).await;
                (measure(&fresh, &options).await, full)
            };
            fresh.shutdown().await;
            filled.shutdown().await;
            println!(
                "round {}: empty {rate_empty:.0} req/s, {PREFILLED} tasks {rate_full:.0} req/s ({:+.1}%)",
                round + 1,
                (rate_full / rate_empty - 1.0) * 100.0
            );
            empty.push(rate_empty);
            full.push(rate_full);
            ratios.push(rate_full / rate_empty);
        }
        let median = |rates: &mut Vec<f64>| {
            rates.sort_by(f64::total_cmp);
            rates[rates.len() / 2]
        };
        let (empty, full) = (median(&mut empty), median(&mut full));
        println!(
            "median: empty {empty:.0} req/s, {PREFILLED} tasks {full:.0} req/s; median of the \
             rounds' ratios {:+.1}%",
            (median(&mut ratios) - 1.0) * 100.0
        );
    });
}
