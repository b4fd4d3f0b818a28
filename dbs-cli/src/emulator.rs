//! The emulator: in process for `--emulator`, in the foreground for `dbs emulator`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{Arg, ArgMatches};
use dbs_api::Credentials;
use dbs_emulator::{
    AccessKey, DEFAULT_BODY_BUDGET_BYTES, DEFAULT_MAX_CLIENT_TOKENS, DEFAULT_MAX_NONCES,
    DEFAULT_MAX_RESTORE_TASK_BYTES, DEFAULT_MAX_RESTORE_TASKS, DEFAULT_MAX_TEMPORARY_CREDENTIALS,
    DEFAULT_TASK_DURATION_MS, Emulator, EmulatorConfig, EmulatorHandle, Seed, ServeError,
    account_options, serve_foreground,
};

use crate::cli;
use crate::report::Failure;

/// An emulator started for one call: default seed, demo account, a free port on loopback.
#[derive(Debug)]
pub(crate) struct InProcess {
    handle: EmulatorHandle,
}

impl InProcess {
    /// Starts it on the current runtime.
    pub(crate) async fn start() -> Result<Self, Failure> {
        let handle = Emulator::start(EmulatorConfig::default())
            .await
            .map_err(|e| Failure::usage(format!("cannot start the emulator: {e}")))?;
        tracing::debug!(url = %handle.url(), "in-process emulator started");
        Ok(Self { handle })
    }

    /// Its endpoint, `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> String {
        self.handle.url()
    }

    /// The demo account it accepts.
    pub(crate) fn credentials(&self) -> Credentials {
        Credentials::new(self.handle.access_key_id(), self.handle.access_key_secret())
    }

    /// The field `field` (`DatabaseType`) of its backup plan `backup_plan_id`, as the plan's
    /// record (`DescribeBackupPlanList`'s `BackupPlanDetail`) writes it, if the seed has that plan
    /// and the plan has that field as text.
    pub(crate) fn plan_field(&self, backup_plan_id: &str, field: &str) -> Option<String> {
        let plan = self
            .handle
            .state()
            .backup_plans
            .into_iter()
            .find(|plan| plan.backup_plan_id == backup_plan_id)?;
        match serde_json::to_value(plan).ok()?.get(field)? {
            serde_json::Value::String(value) => Some(value.clone()),
            _ => None,
        }
    }

    /// Stops it and waits until it has stopped.
    pub(crate) async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}

/// The address `dbs emulator` listens on without `--listen`, as the dbs-emulator binary.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// `dbs emulator --max-nonces N`.
const MAX_NONCES: &str = "max-nonces";
/// `dbs emulator --max-restore-tasks N`.
const MAX_RESTORE_TASKS: &str = "max-restore-tasks";
/// `dbs emulator --max-restore-task-bytes N`.
const MAX_RESTORE_TASK_BYTES: &str = "max-restore-task-bytes";
/// `dbs emulator --max-client-tokens N`.
const MAX_CLIENT_TOKENS: &str = "max-client-tokens";
/// `dbs emulator --body-budget-bytes N`.
const BODY_BUDGET_BYTES: &str = "body-budget-bytes";
/// `dbs emulator --task-duration-ms MS`.
const TASK_DURATION_MS: &str = "task-duration-ms";
/// `dbs emulator --sts-credential-lifetime-ms MS`.
const STS_CREDENTIAL_LIFETIME_MS: &str = "sts-credential-lifetime-ms";
/// `dbs emulator --imds-v1-allowed`.
const IMDS_V1_ALLOWED: &str = "imds-v1-allowed";
/// `dbs emulator --max-temporary-credentials N`.
const MAX_TEMPORARY_CREDENTIALS: &str = "max-temporary-credentials";

/// The limit flags of `dbs emulator`, as the dbs-emulator binary has them.
pub(crate) fn limit_args() -> [Arg; 9] {
    let count = |id: &'static str, default: usize, help: &'static str| {
        Arg::new(id)
            .long(id)
            .value_name("N")
            .value_parser(clap::value_parser!(usize))
            .help(format!("{help} [default: {default}]"))
    };
    [
        count(
            MAX_NONCES,
            DEFAULT_MAX_NONCES,
            "Most signature nonces remembered (each until its timestamp expires); past it, new \
             ones get Throttling (HTTP 429)",
        ),
        count(
            MAX_RESTORE_TASKS,
            DEFAULT_MAX_RESTORE_TASKS,
            "Most restore tasks kept; past it, CreateRestoreTask answers QuotaExceeded",
        ),
        count(
            MAX_RESTORE_TASK_BYTES,
            DEFAULT_MAX_RESTORE_TASK_BYTES,
            "Most bytes the restore tasks take, roughly; past it, QuotaExceeded",
        ),
        count(
            MAX_CLIENT_TOKENS,
            DEFAULT_MAX_CLIENT_TOKENS,
            "Most ClientTokens remembered (each for an hour, with its first answer); past it, a \
             request with a new token gets Throttling until the oldest expires",
        ),
        count(
            BODY_BUDGET_BYTES,
            DEFAULT_BODY_BUDGET_BYTES,
            "Most bytes of request bodies held at once across connections; past it, HTTP 503",
        ),
        Arg::new(TASK_DURATION_MS)
            .long(TASK_DURATION_MS)
            .value_name("MS")
            .value_parser(clap::value_parser!(u64))
            .help(format!(
                "How long a started restore task takes, in milliseconds (a tenth of it is the \
                 precheck) [default: {DEFAULT_TASK_DURATION_MS}]"
            )),
        Arg::new(STS_CREDENTIAL_LIFETIME_MS)
            .long(STS_CREDENTIAL_LIFETIME_MS)
            .value_name("MS")
            .value_parser(clap::value_parser!(u64))
            .help(
                "How long every temporary credential issued (STS, ECS metadata, credentials \
                 URI) lasts, in milliseconds, whatever was asked [default: DurationSeconds or \
                 an hour]",
            ),
        Arg::new(IMDS_V1_ALLOWED)
            .long(IMDS_V1_ALLOWED)
            .action(clap::ArgAction::SetTrue)
            .help("Let the ECS metadata service answer without a session token (IMDSv1)"),
        count(
            MAX_TEMPORARY_CREDENTIALS,
            DEFAULT_MAX_TEMPORARY_CREDENTIALS,
            "Most temporary credentials kept; past it, expired ones are forgotten first, then \
             the soonest to expire",
        ),
    ]
}

/// `dbs emulator [--listen ADDR] [--seed FILE] [--access-key ID:SECRET]... [limits]`: serves until Ctrl-C or SIGTERM, with
/// the same output as the dbs-emulator binary (the first stdout line is
/// `listening on http://HOST:PORT`).
pub(crate) async fn run_foreground(matches: &ArgMatches) -> Result<(), Failure> {
    refuse_call_options(matches)?;
    let listen = matches
        .get_one::<String>(cli::LISTEN)
        .map_or(DEFAULT_LISTEN, String::as_str);
    let listen: SocketAddr = listen.parse().map_err(|e| {
        Failure::usage(format!(
            "--listen {listen:?}: {e}; write IP:PORT, such as 127.0.0.1:8080"
        ))
    })?;
    let seed = match matches.get_one::<PathBuf>(cli::SEED) {
        Some(path) => Seed::from_file(path).map_err(|e| Failure::usage(e.to_string()))?,
        None => Seed::default(),
    };
    let flags = matches
        .get_many::<AccessKey>(cli::ACCESS_KEY)
        .map(|keys| keys.cloned().collect())
        .unwrap_or_default();
    let accounts = account_options(flags).map_err(|e| Failure::usage(e.to_string()))?;
    let limit = |id: &str, default: usize| matches.get_one::<usize>(id).copied().unwrap_or(default);
    let mut config = EmulatorConfig::default()
        .listen(listen)
        .seed(seed)
        .max_nonces(limit(MAX_NONCES, DEFAULT_MAX_NONCES))
        .max_restore_tasks(limit(MAX_RESTORE_TASKS, DEFAULT_MAX_RESTORE_TASKS))
        .max_restore_task_bytes(limit(
            MAX_RESTORE_TASK_BYTES,
            DEFAULT_MAX_RESTORE_TASK_BYTES,
        ))
        .max_client_tokens(limit(MAX_CLIENT_TOKENS, DEFAULT_MAX_CLIENT_TOKENS))
        .body_budget_bytes(limit(BODY_BUDGET_BYTES, DEFAULT_BODY_BUDGET_BYTES))
        .task_duration_ms(
            matches
                .get_one::<u64>(TASK_DURATION_MS)
                .copied()
                .unwrap_or(DEFAULT_TASK_DURATION_MS),
        )
        .imds_v1_allowed(matches.get_flag(IMDS_V1_ALLOWED))
        .max_temporary_credentials(limit(
            MAX_TEMPORARY_CREDENTIALS,
            DEFAULT_MAX_TEMPORARY_CREDENTIALS,
        ));
    if let Some(ms) = matches.get_one::<u64>(STS_CREDENTIAL_LIFETIME_MS) {
        config = config.sts_credential_lifetime_ms(*ms);
    }
    for key in accounts {
        config = config.access_key(key);
    }
    serve_foreground(config).await.map_err(|e| match e {
        ServeError::Start(e) => Failure::usage(format!("cannot start the emulator: {e}")),
        ServeError::Io(e) => Failure::sent(format!("emulator: {e}")),
        refused @ (ServeError::AccessKeyVar | ServeError::DemoAccountExposed(_)) => {
            Failure::usage(refused.to_string())
        }
    })
}

/// Refuses the global options that only apply to calling an operation (`dbs --dry-run emulator`
/// or `dbs emulator --region-id cn-hangzhou`), rather than ignoring them.
fn refuse_call_options(matches: &ArgMatches) -> Result<(), Failure> {
    match cli::call_only().find(|id| matches.value_source(id) == Some(ValueSource::CommandLine)) {
        Some(id) => Err(Failure::usage(format!(
            "--{id} applies to calling an operation, not to `dbs {}`; see `dbs {} --help`",
            cli::EMULATOR_COMMAND,
            cli::EMULATOR_COMMAND
        ))),
        None => Ok(()),
    }
}
