//! `dbs-emulator`: a local DBS 2019-03-06 endpoint. See the `dbs_emulator` crate docs.

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use dbs_emulator::{
    AccessKey, DEFAULT_BODY_BUDGET_BYTES, DEFAULT_MAX_CLIENT_TOKENS, DEFAULT_MAX_NONCES,
    DEFAULT_MAX_RESTORE_TASK_BYTES, DEFAULT_MAX_RESTORE_TASKS, DEFAULT_MAX_TEMPORARY_CREDENTIALS,
    DEFAULT_TASK_DURATION_MS, EmulatorConfig, Seed, account_options, serve_foreground,
};
use tracing_subscriber::EnvFilter;

/// A local Alibaba Cloud DBS 2019-03-06 endpoint for tests, CI and demos.
///
/// Verifies V1 (HMAC-SHA1) and V3 (ACS3-HMAC-SHA256) signatures, validates parameters against
/// the spec, keeps restore tasks, and injects faults through the admin API under /_emulator/.
/// The first line on stdout is `listening on http://HOST:PORT`; logs go to stderr.
///
/// A --listen address that is not loopback (0.0.0.0:8080) needs an account from --access-key or
/// DBS_EMULATOR_ACCESS_KEY: with only the public demo account, the emulator refuses to start.
#[derive(Debug, Parser)]
#[command(name = "dbs-emulator", version)]
struct Args {
    /// Address to listen on, IP:PORT; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// JSON file of backup plans, replacing the built-in demo plans:
    /// {"backup_plans":[{"BackupPlanId":"...","DatabaseType":"MySQL"}]}.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,

    /// An account to accept (repeatable). Without any, the account in the environment variable
    /// DBS_EMULATOR_ACCESS_KEY=ID:SECRET is accepted (which keeps the secret out of the process
    /// list), and without that, the demo account testid:testsecret, which is allowed on a
    /// loopback address only.
    #[arg(long = "access-key", value_name = "ID:SECRET")]
    access_keys: Vec<AccessKey>,

    /// Send business errors (Success: false) with their HttpStatusCode instead of HTTP 200.
    #[arg(long)]
    business_errors_http_status: bool,

    /// The most used signature nonces remembered; each is kept until its request's timestamp
    /// expires, and past the limit new ones are refused with Throttling (HTTP 429).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_NONCES)]
    max_nonces: usize,

    /// The most restore tasks kept; past it, CreateRestoreTask answers QuotaExceeded.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RESTORE_TASKS)]
    max_restore_tasks: usize,

    /// The most bytes the restore tasks may take, roughly; past it, CreateRestoreTask answers
    /// QuotaExceeded.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RESTORE_TASK_BYTES)]
    max_restore_task_bytes: usize,

    /// The most ClientTokens remembered (each for an hour, with the first answer); past it, a
    /// request with a new token is answered Throttling until the oldest expires.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CLIENT_TOKENS)]
    max_client_tokens: usize,

    /// The most bytes of request bodies held at once across all connections; past it, a
    /// request is answered ServiceUnavailable (HTTP 503).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BODY_BUDGET_BYTES)]
    body_budget_bytes: usize,

    /// How long a restore task takes once started, in milliseconds: a tenth of it is the
    /// precheck, then its progress fields rise until it finishes (RestoreStatus check_pass).
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_TASK_DURATION_MS)]
    task_duration_ms: u64,

    /// How long every temporary credential issued (by STS AssumeRole and AssumeRoleWithOIDC,
    /// the ECS metadata service and the credentials URI) lasts, in milliseconds, whatever the
    /// request asked; for tests of expiry. Without it, DurationSeconds (STS) or an hour.
    #[arg(long, value_name = "MS")]
    sts_credential_lifetime_ms: Option<u64>,

    /// Let the ECS metadata service answer a GET without a session token (IMDSv1); by
    /// default IMDSv2 is enforced (401 without a token).
    #[arg(long)]
    imds_v1_allowed: bool,

    /// The most temporary credentials kept; past it, the expired ones are forgotten first,
    /// then the one that expires soonest.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_TEMPORARY_CREDENTIALS)]
    max_temporary_credentials: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal, not in a CI log or a file.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dbs-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let seed = match &args.seed {
        Some(path) => Seed::from_file(path)?,
        None => Seed::default(),
    };
    let mut config = EmulatorConfig::default()
        .listen(args.listen)
        .seed(seed)
        .business_errors_http_status(args.business_errors_http_status)
        .max_nonces(args.max_nonces)
        .max_restore_tasks(args.max_restore_tasks)
        .max_restore_task_bytes(args.max_restore_task_bytes)
        .max_client_tokens(args.max_client_tokens)
        .body_budget_bytes(args.body_budget_bytes)
        .task_duration_ms(args.task_duration_ms)
        .imds_v1_allowed(args.imds_v1_allowed)
        .max_temporary_credentials(args.max_temporary_credentials);
    if let Some(ms) = args.sts_credential_lifetime_ms {
        config = config.sts_credential_lifetime_ms(ms);
    }
    for key in account_options(args.access_keys)? {
        config = config.access_key(key);
    }
    serve_foreground(config).await?;
    Ok(())
}
