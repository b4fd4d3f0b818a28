//! `dbs`: a command line for the Alibaba Cloud Database Backup (DBS) OpenAPI, version
//! 2019-03-06.
//!
//! One subcommand per operation of the spec, one flag per parameter, built at run time from
//! [`dbs_api::OPERATIONS`]:
//!
//! ```text
//! DBS_DESTINATION_ENDPOINT_PASSWORD='demo-Pass1' dbs --emulator create-restore-task \
//!     --backup-plan-id dbsdemomysql01 --restore-task-name restore-demo \
//!     --destination-endpoint-instance-type RDS --destination-endpoint-region cn-hangzhou \
//!     --destination-endpoint-instance-id rm-bp1p8c29demo \
//!     --destination-endpoint-user-name restore_user \
//!     --restore-objects '[{"DBName":"test","NewDBName":"test_restored"}]'
//! ```
//!
//! `dbs restore` runs the whole restore of a backup plan (check the restore point, create the
//! task, start it); see the `restore` module.
//!
//! Success prints the response as pretty JSON on stdout and exits 0. A failure prints
//! `error: ...` on stderr and exits 2 when nothing was sent (usage, invalid parameters,
//! configuration, credentials, every connection refused) or 1 when the request may have reached
//! the service in any attempt; then, if the call may have acted, the message gives its
//! ClientToken and how to retry with it.

mod cli;
mod emulator;
mod output;
mod params;
mod report;
mod restore;
mod run;
mod secrets;
mod times;
mod wait;

use std::io::IsTerminal as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = match cli::command().try_get_matches() {
        Ok(matches) => matches,
        // Help and version exit 0; usage errors print clap's message and exit 2.
        Err(error) => error.exit(),
    };
    let serving = matches.subcommand_name() == Some(cli::EMULATOR_COMMAND);
    if verbose(&matches) {
        init_tracing("info,dbs=debug,dbs_api=debug,dbs_emulator=debug");
    } else if serving {
        // `dbs emulator` logs like the dbs-emulator binary.
        init_tracing("info");
    } else {
        // The SDK's warnings (a credentials file others can read) reach stderr.
        init_tracing("dbs_api=warn");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(report::EXIT_SENT);
        }
    };
    match runtime.block_on(run::run(&matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", report::terminal_safe_text(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}

/// Whether `--verbose` was given, before or after the subcommand.
fn verbose(matches: &clap::ArgMatches) -> bool {
    matches.get_flag(cli::VERBOSE)
        || matches
            .subcommand()
            .is_some_and(|(_, sub)| sub.get_flag(cli::VERBOSE))
}

/// Logs to stderr, filtered by `RUST_LOG` or else `default_filter`. The SDK and the emulator
/// never log parameter values or secrets.
fn init_tracing(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
