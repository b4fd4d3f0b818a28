//! `dbs-emulator`: a local DBS 2019-03-06 endpoint. See the `dbs_emulator` crate docs.

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use dbs_emulator::{AccessKey, EmulatorConfig, Seed, serve_foreground};
use tracing_subscriber::EnvFilter;

/// A local Alibaba Cloud DBS 2019-03-06 endpoint for tests, CI and demos.
///
/// Verifies V1 (HMAC-SHA1) and V3 (ACS3-HMAC-SHA256) signatures, validates parameters against
/// the spec, keeps restore tasks, and injects faults through the admin API under /_emulator/.
/// The first line on stdout is `listening on http://HOST:PORT`; logs go to stderr.
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

    /// An account to accept (repeatable). Without any, the demo account testid:testsecret is
    /// accepted.
    #[arg(long = "access-key", value_name = "ID:SECRET")]
    access_keys: Vec<AccessKey>,

    /// Send business errors (Success: false) with their HttpStatusCode instead of HTTP 200.
    #[arg(long)]
    business_errors_http_status: bool,
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
        .business_errors_http_status(args.business_errors_http_status);
    for key in args.access_keys {
        config = config.access_key(key);
    }
    serve_foreground(config).await?;
    Ok(())
}
