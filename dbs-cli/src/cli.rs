//! The command tree, built at run time from the SDK's operation registry.
//!
//! Every operation of the spec becomes a subcommand named after its `command`
//! (`create-restore-task`), with one flag per parameter: the kebab-case flag of the registry
//! (`--backup-plan-id`) and, as a hidden alias, the wire name as the Alibaba Cloud CLI writes it
//! (`--BackupPlanId`). Values are passed to the SDK as the raw strings typed: the SDK parses
//! integers, booleans and JSON and validates everything, so problems are reported in the SDK's
//! words, with the spec's rule, before anything is sent.
//!
//! Sensitive parameters are never read from the command line (a secret there ends up in shell
//! history and `ps`): their flags exist only to refuse them with a pointer to the environment
//! variable that carries the value, see [`secret_env_var`].

use std::time::Duration;

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, Command};
use dbs_api::{ContextFactMeta, OperationMeta, ParamKind, ParamMeta};

/// The global option `--endpoint URL`.
pub(crate) const ENDPOINT: &str = "endpoint";
/// The global option `--region-id ID`: Alibaba's RegionId, which picks the endpoint. Not
/// `--region`, which is a parameter of several DBS operations (`DescribeBackupPlanList`'s filter).
pub(crate) const REGION: &str = "region-id";
/// The global option `--profile NAME`.
pub(crate) const PROFILE: &str = "profile";
/// The global option `--signature v1|v3`.
pub(crate) const SIGNATURE: &str = "signature";
/// The global flag `--emulator`.
pub(crate) const EMULATOR: &str = "emulator";
/// The global flag `--dry-run`.
pub(crate) const DRY_RUN: &str = "dry-run";
/// The global flag `--verbose`.
pub(crate) const VERBOSE: &str = "verbose";
/// The global option `--connect-timeout SECONDS`.
pub(crate) const CONNECT_TIMEOUT: &str = "connect-timeout";
/// The global option `--read-timeout SECONDS`.
pub(crate) const READ_TIMEOUT: &str = "read-timeout";
/// The global option `--operation-timeout SECONDS`.
pub(crate) const OPERATION_TIMEOUT: &str = "operation-timeout";
/// The global option `--max-attempts N`.
pub(crate) const MAX_ATTEMPTS: &str = "max-attempts";
/// The global flag `--pager`: every page of a paged operation, merged.
pub(crate) const PAGER: &str = "pager";
/// The global option `--output json|table`.
pub(crate) const OUTPUT: &str = "output";
/// The global option `--columns A,B` of `--output table`.
pub(crate) const COLUMNS: &str = "columns";
/// The global option `--query EXPR` (JMESPath).
pub(crate) const QUERY: &str = "query";

/// The global options that only make sense when calling an operation, besides the context
/// facts' (see [`call_only`]).
const CALL_ONLY: [&str; 14] = [
    ENDPOINT,
    REGION,
    PROFILE,
    SIGNATURE,
    EMULATOR,
    DRY_RUN,
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    OPERATION_TIMEOUT,
    MAX_ATTEMPTS,
    PAGER,
    OUTPUT,
    COLUMNS,
    QUERY,
];

/// The global options that only make sense when calling an operation: [`CALL_ONLY`] and one per
/// context fact of the spec (`--source-database-type`). `dbs emulator` hides them and refuses
/// them (see [`emulator_command`]).
pub(crate) fn call_only() -> impl Iterator<Item = &'static str> {
    CALL_ONLY
        .into_iter()
        .chain(dbs_api::CONTEXT_FACTS.iter().map(|fact| fact.flag))
}

/// The most attempts `--max-attempts` takes: more is hammering a failing service.
pub(crate) const MAX_ATTEMPTS_LIMIT: u32 = 10;
/// The longest `--connect-timeout`.
const CONNECT_TIMEOUT_LIMIT: Duration = Duration::from_secs(5 * 60);
/// The longest `--read-timeout`.
const READ_TIMEOUT_LIMIT: Duration = Duration::from_secs(60 * 60);
/// The longest `--operation-timeout`.
const OPERATION_TIMEOUT_LIMIT: Duration = Duration::from_secs(24 * 60 * 60);

/// The name of the subcommand that runs the emulator in the foreground.
pub(crate) const EMULATOR_COMMAND: &str = "emulator";
/// `dbs emulator --listen ADDR`.
pub(crate) const LISTEN: &str = "listen";
/// `dbs emulator --seed FILE`.
pub(crate) const SEED: &str = "seed";
/// `dbs emulator --access-key ID:SECRET`.
pub(crate) const ACCESS_KEY: &str = "access-key";

/// Prefix of the environment variables that carry sensitive parameters.
const SECRET_ENV_PREFIX: &str = "DBS_";

/// The environment variable that carries a sensitive parameter: `DBS_` and the flag in
/// SCREAMING_SNAKE_CASE (`DBS_DESTINATION_ENDPOINT_PASSWORD`).
pub(crate) fn secret_env_var(param: &ParamMeta) -> String {
    format!(
        "{SECRET_ENV_PREFIX}{}",
        param.flag.replace('-', "_").to_ascii_uppercase()
    )
}

/// The whole command: global options, one subcommand per operation, and `emulator`.
pub(crate) fn command() -> Command {
    let mut command = Command::new("dbs")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Calls the Alibaba Cloud Database Backup (DBS) OpenAPI, version 2019-03-06")
        .long_about(format!(
            "Calls the Alibaba Cloud Database Backup (DBS) OpenAPI, version 2019-03-06: one \
             subcommand for each of its {} operations, in alphabetical order, one flag per \
             parameter. `dbs <command> --help` gives every parameter: its description, when it \
             is required or forbidden, its unit, values and an example. Besides them, \
             `dbs restore` restores a backup in one command (checks the plan and the restore \
             point, creates the task with a ClientToken, starts it) and `dbs emulator` serves a \
             local DBS emulator.\n\n\
             Credentials come from the SDK's chain, never from the command line: \
             ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and \
             ALIBABA_CLOUD_SECURITY_TOKEN), then ~/.aliyun/config.json (`aliyun configure`), then \
             ~/.alibabacloud/credentials. Try it without an account: add --emulator.",
            dbs_api::OPERATIONS.len()
        ))
        .after_help(
            "Exit status: 0 on success; 2 when nothing was sent (usage, invalid parameters, \
             configuration, credentials, every connection refused); 1 when the request may have \
             reached the service in any attempt (a service error, a timeout, an unexpected \
             response, a connection lost after sending, even if a later attempt was refused). \
             When a call with a ClientToken may have acted, the error gives the token: run the \
             same command with --client-token TOKEN to retry without acting twice.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(global_args());
    // Sorted by name whatever the spec's order, so the list reads like an index.
    let mut operations: Vec<&'static OperationMeta> = dbs_api::OPERATIONS.iter().collect();
    operations.sort_by_key(|operation| operation.command);
    for operation in operations {
        command = command.subcommand(operation_command(operation));
    }
    command
        .subcommand(crate::restore::command())
        .subcommand(crate::restore::wait_command())
        .subcommand(emulator_command())
}

/// The help heading of the global options.
const GLOBAL_HEADING: &str = "Global options";
/// The help heading of an operation's parameters.
const PARAMS_HEADING: &str = "Parameters (from the API spec)";

/// The global options: the CLI's own, then one per context fact of the spec.
fn global_args() -> Vec<Arg> {
    let mut args = own_global_args().to_vec();
    // Before --dry-run, where the one fact of the first spec stood in the help.
    let at = args
        .iter()
        .position(|arg| arg.get_id() == DRY_RUN)
        .unwrap_or(args.len());
    args.splice(at..at, dbs_api::CONTEXT_FACTS.iter().map(fact_arg));
    args
}

fn own_global_args() -> [Arg; 15] {
    [
        Arg::new(ENDPOINT)
            .long(ENDPOINT)
            .value_name("URL")
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .help("Endpoint URL, overriding the region's (https://host[:port]; plain http only on loopback)")
            .long_help(
                "The endpoint URL, overriding the region's: https://host[:port], or a bare host. \
                 Plain http:// is accepted only for loopback hosts. Takes precedence over \
                 --region-id, DBS_ENDPOINT, ALIBABA_CLOUD_REGION_ID and the profile's region.",
            ),
        Arg::new(REGION)
            .long(REGION)
            .value_name("ID")
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .help("Region whose endpoint to call, such as cn-hangzhou")
            .long_help(
                "The region whose DBS endpoint to call, such as cn-hangzhou. Without --endpoint \
                 or --region-id: DBS_ENDPOINT, then ALIBABA_CLOUD_REGION_ID, then the region of the \
                 Alibaba Cloud CLI profile. This is not the destination's region \
                 (--destination-endpoint-region) nor the `Region` parameter some operations take \
                 (--region).",
            ),
        Arg::new(PROFILE)
            .long(PROFILE)
            .value_name("NAME")
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .help("Credentials profile, in ~/.aliyun/config.json and ~/.alibabacloud/credentials")
            .long_help(
                "The credentials profile to use, in ~/.aliyun/config.json (`aliyun configure`) \
                 and ~/.alibabacloud/credentials; its region_id is used when no endpoint or \
                 region is given. Default: ALIBABA_CLOUD_PROFILE, then the file's current \
                 profile. Every mode of the aliyun CLI works: AK, StsToken, RamRoleArn, \
                 ChainableRamRoleArn, EcsRamRole and OIDC (and the credentials file's types \
                 access_key, sts, ram_role_arn, oidc_role_arn and ecs_ram_role). Environment \
                 credentials (ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET) \
                 and OIDC (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, \
                 ALIBABA_CLOUD_OIDC_TOKEN_FILE) still come first when they are set; the ECS \
                 instance role (ALIBABA_CLOUD_ECS_METADATA) and ALIBABA_CLOUD_CREDENTIALS_URI \
                 come after the files. -v names the source used.",
            ),
        Arg::new(SIGNATURE)
            .long(SIGNATURE)
            .value_name("VERSION")
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .ignore_case(true)
            .value_parser(PossibleValuesParser::new(["v3", "v1"]))
            .help("Signature algorithm: v3 (ACS3-HMAC-SHA256, the default) or v1 (HMAC-SHA1)"),
        Arg::new(EMULATOR)
            .long(EMULATOR)
            .action(ArgAction::SetTrue)
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .conflicts_with_all([ENDPOINT, REGION, PROFILE])
            .help("Call an in-process emulator (default seed, demo account) instead of Alibaba Cloud")
            .long_help(
                "Starts an in-process DBS emulator on loopback, with its default seed data and \
                 demo account, and sends the call to it over HTTP. Needs no account, region or \
                 credentials. The seed has the backup plan dbsdemomysql01 (MySQL), among others; \
                 what the seed knows of the plan named by --backup-plan-id (its engine, say) \
                 fills in any context option not given. Each command starts a fresh emulator, \
                 so nothing one command creates is there for the next: for a session, run \
                 `dbs emulator` in another terminal and pass --endpoint http://127.0.0.1:8080.",
            ),
        Arg::new(DRY_RUN)
            .long(DRY_RUN)
            .action(ArgAction::SetTrue)
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .help("Print the signed request, secrets masked, and send nothing"),
        Arg::new(PAGER)
            .long(PAGER)
            .action(ArgAction::SetTrue)
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .conflicts_with(DRY_RUN)
            .help("Paged operations: fetch every page and print one answer holding all the items")
            .long_help(
                "For a paged operation (its help says \"Paged\"), fetch every page, from the page number given or \
                 the first, and print one answer: the first page's, with its list holding every \
                 page's items in order (the totals are the service's). As the Alibaba Cloud \
                 CLI's --pager. At most 1000 pages. Refused on operations that do not page.",
            ),
        Arg::new(OUTPUT)
            .long(OUTPUT)
            .value_name("FORMAT")
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .conflicts_with(DRY_RUN)
            .value_parser(PossibleValuesParser::new([crate::output::JSON, crate::output::TABLE]))
            .help("How to print the answer: json (the default) or table"),
        Arg::new(COLUMNS)
            .long(COLUMNS)
            .value_name("A,B,...")
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .conflicts_with(DRY_RUN)
            .help("The columns of --output table: fields of the list's items, or of the answer")
            .long_help(
                "The columns of --output table, comma-separated: fields of the list's items for \
                 a list operation (BackupPlanId,BackupPlanStatus), otherwise top-level fields of \
                 the answer (or of each element of what --query selected). Default: every field \
                 that is not a structure or a list.",
            ),
        Arg::new(QUERY)
            .long(QUERY)
            .value_name("EXPR")
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .conflicts_with(DRY_RUN)
            .help("A JMESPath expression applied to the answer before printing")
            .long_help(
                "A JMESPath expression (https://jmespath.org) applied to the answer, after \
                 --pager merged the pages and before --output prints it: \
                 'Items.BackupPlanDetail[].BackupPlanId'. Checked before anything is sent.",
            ),
        Arg::new(CONNECT_TIMEOUT)
            .long(CONNECT_TIMEOUT)
            // A negative value reaches the parser, which says what is wrong with it.
            .allow_negative_numbers(true)
            .value_name("SECONDS")
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .value_parser(|text: &str| duration(text, CONNECT_TIMEOUT_LIMIT))
            .help("Seconds allowed to open a connection (default 5; 0.5, 500ms and 2m work too)"),
        Arg::new(READ_TIMEOUT)
            .long(READ_TIMEOUT)
            // A negative value reaches the parser, which says what is wrong with it.
            .allow_negative_numbers(true)
            .value_name("SECONDS")
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .value_parser(|text: &str| duration(text, READ_TIMEOUT_LIMIT))
            .help("Seconds allowed for each attempt to be answered (default 10)"),
        Arg::new(OPERATION_TIMEOUT)
            .long(OPERATION_TIMEOUT)
            // A negative value reaches the parser, which says what is wrong with it.
            .allow_negative_numbers(true)
            .value_name("SECONDS")
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .value_parser(|text: &str| duration(text, OPERATION_TIMEOUT_LIMIT))
            .help("Seconds allowed for the whole call, retries and waits included (default: none)")
            .long_help(
                "Seconds allowed for the whole call, every attempt and wait between attempts \
                 included (default: no limit beyond the attempts). A wait the server asks for \
                 (x-acs-retry-after, Retry-After) that would end past it ends the call at once \
                 with the server's error; so does one longer than 20 s, with or without this \
                 option. Takes seconds (2.5) or a number with a unit: 500ms, 30s, 2m, 1h.",
            ),
        Arg::new(MAX_ATTEMPTS)
            .long(MAX_ATTEMPTS)
            // A negative value reaches the parser, which says what is wrong with it.
            .allow_negative_numbers(true)
            .value_name("N")
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .value_parser(attempts)
            .help("Attempts per call, the first included: 1 to 10 (default 3; 1 turns retries off)"),
        Arg::new(VERBOSE)
            .long(VERBOSE)
            .short('v')
            .action(ArgAction::SetTrue)
            .global(true)
            .help_heading(GLOBAL_HEADING)
            .help("Log what the SDK does to stderr (RUST_LOG overrides the filter; values are never logged)"),
    ]
}

/// Reads a `--*-timeout` value: seconds (`2.5`), or a number with a unit (`500ms`, `30s`, `2m`,
/// `1h`); more than zero and at most `limit`.
pub(crate) fn duration(text: &str, limit: Duration) -> Result<Duration, String> {
    let text = text.trim();
    let too_short = "must be at least 1ms (a zero or negative timeout would fail every call)";
    if text.starts_with('-') {
        return Err(too_short.to_owned());
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?}: give seconds (2.5) or use ms, s, m or h (500ms, 30s, 2m)"
            ));
        }
    };
    let value: f64 = number.parse().map_err(|_| {
        format!("{text:?} is not a duration: give seconds (2.5), or 500ms, 30s, 2m")
    })?;
    let seconds = value * scale;
    if !seconds.is_finite() || seconds < 0.001 {
        return Err(too_short.to_owned());
    }
    if seconds > limit.as_secs_f64() {
        return Err(format!("must be at most {} s", limit.as_secs()));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Reads `--max-attempts`: 1 to [`MAX_ATTEMPTS_LIMIT`].
pub(crate) fn attempts(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n @ 1..=MAX_ATTEMPTS_LIMIT) => Ok(n),
        _ => Err(format!(
            "must be a whole number from 1 to {MAX_ATTEMPTS_LIMIT} (1 turns retries off)"
        )),
    }
}

/// The global option of a context fact (`--source-database-type ENGINE`), from the spec: its
/// description, where it is read from, its values, and the parameters whose rules need it.
fn fact_arg(fact: &'static ContextFactMeta) -> Arg {
    let mut long_help = format!(
        "{} Read from {}. The rules that depend on it are checked before sending only when it \
         is given; without it they are left to the service, which refuses a call that breaks them.",
        fact.description.trim_end(),
        fact.source
    );
    let dependent = dependent_flags(fact);
    if !dependent.is_empty() {
        long_help.push_str(&format!(
            " Those rules decide when these are required: {}.",
            dependent.join(", ")
        ));
    }
    long_help.push_str(&format!(
        " With --emulator, the {} of the emulator's plan named by --backup-plan-id is used when \
         this option is not given. Values are matched without regard to case.",
        fact.field
    ));
    Arg::new(fact.flag)
        .long(fact.flag)
        .value_name(fact_value_name(fact))
        .global(true)
        .help_heading(GLOBAL_HEADING)
        .ignore_case(true)
        .value_parser(PossibleValuesParser::new(fact.values.iter().copied()))
        .help(format!(
            "{} Checks the rules that depend on it before sending; without it the service checks them",
            first_sentence(fact.description)
        ))
        .long_help(long_help)
}

/// The placeholder of a fact's value: the noun its description begins with, "The database
/// engine of …" → `ENGINE`; `VALUE` when the description does not begin "The … of".
fn fact_value_name(fact: &ContextFactMeta) -> String {
    let subject = fact
        .description
        .strip_prefix("The ")
        .and_then(|rest| rest.split_once(" of "))
        .map(|(subject, _)| subject);
    match subject.and_then(|s| s.split_whitespace().last()) {
        Some(noun) if noun.chars().all(|c| c.is_ascii_alphabetic()) => noun.to_ascii_uppercase(),
        _ => "VALUE".to_owned(),
    }
}

/// The parameters whose requirement depends on `fact`, as their flags (or, for a secret, its
/// environment variable), in spec order.
fn dependent_flags(fact: &ContextFactMeta) -> Vec<String> {
    dbs_api::OPERATIONS
        .iter()
        .flat_map(|operation| operation.params)
        .filter(|param| param.context.contains(&fact.name))
        .map(|param| {
            if param.sensitive() {
                secret_env_var(param)
            } else {
                format!("--{}", param.flag)
            }
        })
        .collect()
}

/// The subcommand of one operation.
fn operation_command(operation: &'static OperationMeta) -> Command {
    let mut secrets = Vec::new();
    let mut command = Command::new(operation.command)
        .about(operation.summary)
        .long_about(format!(
            "{} (API action {}.)\n\nReference: {}",
            operation.summary, operation.name, operation.documentation
        ));
    for (index, param) in operation.params.iter().enumerate() {
        if param.sensitive() {
            secrets.push(param);
            command = command.arg(refused_secret_arg(param));
        } else {
            command = command.arg(param_arg(param).display_order(index));
        }
    }
    let mut after = String::from(
        "Each flag also accepts the API's parameter name, as the Alibaba Cloud CLI writes it \
         (--BackupPlanId for --backup-plan-id). Values are checked against the spec's rules \
         before anything is sent.",
    );
    for fact in dbs_api::CONTEXT_FACTS {
        if operation.uses_context_fact(fact.name) {
            after.push_str(&format!(
                " The rules that depend on {} are checked only when it is known: pass --{} \
                 (with --emulator, a seeded plan's {} is known); otherwise the service checks \
                 them.",
                fact.name, fact.flag, fact.field
            ));
        }
    }
    if let Some(paging) = operation.pagination {
        after.push_str("\n\n");
        after.push_str(&pagination_words(operation, paging));
    }
    if let Some(token) = operation.idempotency_token {
        after.push_str(&format!(
            "\n\nA {token} is generated for each call when none is given, so a retried call \
             never acts twice."
        ));
    }
    if !secrets.is_empty() {
        after
            .push_str("\n\nSecrets, read only from the environment (never from the command line):");
        for param in secrets {
            after.push_str(&format!(
                "\n  {}\n          {} [{}]",
                secret_env_var(param),
                first_sentence(param.description),
                rules_short(param)
            ));
        }
    }
    command.after_long_help(after)
}

/// A flag of a non-sensitive parameter.
pub(crate) fn param_arg(param: &'static ParamMeta) -> Arg {
    let arg = Arg::new(param.name())
        .long(param.flag)
        .alias(param.name())
        .value_name(value_name(param.kind()))
        .help(format!(
            "{} [{}]",
            first_sentence(param.description),
            rules_short(param)
        ))
        .long_help(long_help(param))
        .help_heading(PARAMS_HEADING);
    match param.kind() {
        // `--flag` alone means true; `--flag false` is accepted too.
        ParamKind::Boolean => arg
            .num_args(0..=1)
            .default_missing_value("true")
            .require_equals(false),
        // A time also takes RFC 3339, turned into milliseconds here.
        ParamKind::Int64 if crate::times::is_epoch_millis(param) => arg
            .allow_negative_numbers(true)
            .value_name(crate::times::VALUE_NAME)
            .value_parser(crate::times::parse),
        ParamKind::Int32 | ParamKind::Int64 => arg.allow_negative_numbers(true),
        _ => arg,
    }
}

/// A hidden flag of a sensitive parameter: it takes an optional value so that any spelling of
/// it is caught and refused with a pointer to the environment variable (see `params`).
pub(crate) fn refused_secret_arg(param: &'static ParamMeta) -> Arg {
    Arg::new(param.name())
        .long(param.flag)
        .alias(param.name())
        .num_args(0..=1)
        .value_name("REFUSED")
        .hide(true)
        .allow_hyphen_values(true)
}

/// The full help of a parameter: the spec's description, requirement, unit, values, example.
fn long_help(param: &ParamMeta) -> String {
    let mut help = format!("{}\n\n{}", param.description, rules_long(param));
    if let Some(unit) = param.unit() {
        help.push_str(&format!(" Unit: {unit}."));
    }
    if crate::times::is_epoch_millis(param) {
        help.push(' ');
        help.push_str(crate::times::HELP);
    }
    if let Some(bounds) = bounds_words(param) {
        help.push_str(&format!(" {bounds}."));
    }
    match param.kind() {
        // The SDK reads any case and sends the spec's spelling.
        ParamKind::Enum(values) => help.push_str(&format!(
            " Values: {}. Any case is accepted; the spelling shown is sent.",
            values.join(", ")
        )),
        ParamKind::Boolean => help.push_str(" Values: true, false."),
        ParamKind::Json => help.push_str(
            " A JSON value, as the API takes it; quote it for the shell. It is checked against \
             the documented shape (field names, types) before anything is sent.",
        ),
        _ => {}
    }
    if let Some(example) = param.example {
        help.push_str(&format!(
            "\nExample: --{} {}",
            param.flag,
            shell_quote(example)
        ));
    }
    help
}

/// When a parameter is required and when it must be absent, in the words violations use:
/// `required unless RestoreTaskId is set; forbidden when BackupPlanId is set`.
fn rules_short(param: &ParamMeta) -> String {
    let spec = param.spec;
    match spec.forbidden {
        Some(_) => format!("{}; {}", param.requirement(), spec.forbidden_rule),
        None => param.requirement().to_owned(),
    }
}

/// [`rules_short`] as sentences, each with the spec's rule ID as validation errors give it:
/// `Required unless RestoreTaskId is set. [DRTL-R1] Forbidden when BackupPlanId is set. [DRTL-R2]`
fn rules_long(param: &ParamMeta) -> String {
    let spec = param.spec;
    let sentence = |words: &str, id: Option<&str>| match id {
        Some(id) => format!("{}. [{id}]", capitalize(words)),
        None => format!("{}.", capitalize(words)),
    };
    let mut text = sentence(param.requirement(), spec.rule_id);
    if spec.forbidden.is_some() {
        text.push(' ');
        text.push_str(&sentence(spec.forbidden_rule, spec.forbidden_id));
    }
    text
}

/// How a list operation pages, for its help: the spec's pagination facts, and where to look
/// for the option that fetches every page.
fn pagination_words(operation: &OperationMeta, paging: &dbs_api::Pagination) -> String {
    let flag = |wire: &str| {
        operation
            .params
            .iter()
            .find(|param| param.name() == wire)
            .map_or_else(|| wire.to_owned(), |param| param.flag.to_owned())
    };
    let mut text = format!(
        "Paged: each call returns one page of {items}. --{number} picks the page (the first is \
         {first}) and --{size} its size",
        items = paging.items,
        number = flag(paging.page_number),
        first = paging.first_page,
        size = flag(paging.page_size),
    );
    match (paging.total_pages, paging.total_items) {
        (Some(pages), Some(items)) => text.push_str(&format!(
            "; the response's {pages} and {items} say how many there are"
        )),
        (Some(total), None) | (None, Some(total)) => {
            text.push_str(&format!("; the response's {total} says how many there are"))
        }
        (None, None) => {}
    }
    text.push_str(&format!(
        ". To read every page, repeat the call with the next --{number} until the pages run \
         out, or pass --pager, which fetches every page and merges the items into one answer.",
        number = flag(paging.page_number),
    ));
    if let Some(note) = paging.note {
        text.push(' ');
        text.push_str(note);
    }
    text
}

/// An integer's bounds in words: `From 1 to 65535`, `At least 0`, `At most 10`.
fn bounds_words(param: &ParamMeta) -> Option<String> {
    match (param.min(), param.max()) {
        (Some(min), Some(max)) => Some(format!("From {min} to {max}")),
        (Some(min), None) => Some(format!("At least {min}")),
        (None, Some(max)) => Some(format!("At most {max}")),
        (None, None) => None,
    }
}

/// `text`, single-quoted when the shell would otherwise change it.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@%+=,".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

fn value_name(kind: ParamKind) -> &'static str {
    match kind {
        ParamKind::Int32 | ParamKind::Int64 => "INT",
        ParamKind::Boolean => "BOOL",
        ParamKind::Enum(_) => "VALUE",
        ParamKind::Json => "JSON",
        _ => "STRING",
    }
}

/// The first sentence of a description, for the short help.
fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(end) => &text[..=end],
        None => text,
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `dbs emulator [--listen ADDR] [--seed FILE] [--access-key ID:SECRET]...`.
///
/// The global options of [`call_only`] mean nothing here. clap propagates a global option to a
/// subcommand only when the subcommand has no argument with the same id, so this one gets hidden
/// copies of them instead: they stay out of its help, and `run` refuses them when given (before
/// or after `emulator`, since clap shares a global option's value with the subcommand's
/// argument of the same id).
fn emulator_command() -> Command {
    let hidden = global_args()
        .into_iter()
        .filter(|arg| call_only().any(|id| arg.get_id() == id))
        .map(|arg| arg.global(false).hide(true));
    Command::new(EMULATOR_COMMAND)
        .about("Run the DBS emulator in the foreground (as the dbs-emulator binary does)")
        .long_about(
            "Runs the DBS emulator in the foreground until interrupted. The first line on stdout \
             is `listening on http://HOST:PORT`. Point the CLI or the SDK at it with --endpoint \
             and the demo credentials (ALIBABA_CLOUD_ACCESS_KEY_ID=testid, \
             ALIBABA_CLOUD_ACCESS_KEY_SECRET=testsecret), or the account given with \
             --access-key or DBS_EMULATOR_ACCESS_KEY. A --listen address that is not loopback \
             (0.0.0.0:8080) needs such an account: with only the public demo account, the \
             emulator refuses to start.",
        )
        .arg(
            Arg::new(LISTEN)
                .long(LISTEN)
                .value_name("ADDR")
                .help("Address to listen on, such as 127.0.0.1:8080 (port 0 picks a free one)"),
        )
        .arg(
            Arg::new(SEED)
                .long(SEED)
                .value_name("FILE")
                .value_parser(clap::value_parser!(std::path::PathBuf))
                .help("Seed file with the backup plans to load instead of the default seed"),
        )
        .arg(
            Arg::new(ACCESS_KEY)
                .long(ACCESS_KEY)
                .value_name("ID:SECRET")
                .action(clap::ArgAction::Append)
                // Its errors never repeat the value, which holds a secret.
                .value_parser(dbs_emulator::AccessKeyValueParser)
                .help(
                    "An account to accept (repeatable). Without any, the account in \
                     DBS_EMULATOR_ACCESS_KEY=ID:SECRET (which keeps the secret out of the \
                     process list), and without that, the demo account testid:testsecret, \
                     allowed on a loopback address only",
                ),
        )
        .args(crate::emulator::limit_args())
        .args(hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_tree_is_consistent() {
        // clap's debug assertions catch duplicate flags (an operation flag named like a global
        // option, say) and bad settings.
        command().debug_assert();
    }

    /// Where the spec checker keeps the CLI's names (dbs-codegen cannot depend on the CLI).
    const RESERVED_RS: &str = "dbs-codegen/src/reserved.rs";

    /// Every long flag of the built command's root (its global options and clap's `--help` and
    /// `--version`), aliases included.
    fn root_flags() -> Vec<String> {
        let mut command = command();
        command.build();
        command
            .get_arguments()
            .flat_map(|arg| {
                let aliases = arg.get_all_aliases().unwrap_or_default();
                arg.get_long().into_iter().chain(aliases).map(str::to_owned)
            })
            .collect()
    }

    #[test]
    fn every_global_flag_is_reserved_for_the_spec_checker() {
        use dbs_codegen::reserved::CLI_GLOBAL_FLAGS;
        let flags = root_flags();
        let facts: Vec<&str> = dbs_api::CONTEXT_FACTS.iter().map(|f| f.flag).collect();
        let mut problems = Vec::new();
        for flag in &flags {
            // The context facts' flags are derived from the spec by the checker itself.
            if !CLI_GLOBAL_FLAGS.contains(&flag.as_str()) && !facts.contains(&flag.as_str()) {
                problems.push(format!(
                    "the global flag --{flag} (dbs-cli/src/cli.rs) is not reserved: add \"{flag}\" \
                     to CLI_GLOBAL_FLAGS in {RESERVED_RS}, or a parameter of that name would make \
                     clap panic"
                ));
            }
        }
        for flag in CLI_GLOBAL_FLAGS {
            if !flags.iter().any(|f| f == flag) {
                problems.push(format!(
                    "CLI_GLOBAL_FLAGS in {RESERVED_RS} lists \"{flag}\", which the dbs CLI no \
                     longer has: remove it"
                ));
            }
            if facts.contains(flag) {
                problems.push(format!(
                    "CLI_GLOBAL_FLAGS in {RESERVED_RS} lists \"{flag}\", a context fact's flag \
                     that the checker derives from the spec: remove it"
                ));
            }
        }
        for fact in facts {
            assert!(flags.iter().any(|f| f == fact), "--{fact} in {flags:?}");
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_subcommand_besides_the_operations_is_reserved_for_the_spec_checker() {
        use dbs_codegen::reserved::CLI_COMMANDS;
        let mut command = command();
        command.build();
        let own: Vec<&str> = command
            .get_subcommands()
            .map(|sub| sub.get_name())
            .filter(|name| !dbs_api::OPERATIONS.iter().any(|op| op.command == *name))
            .collect();
        for name in &own {
            assert!(
                CLI_COMMANDS.contains(name),
                "the subcommand `dbs {name}` (dbs-cli/src/cli.rs) is not reserved: add \"{name}\" \
                 to CLI_COMMANDS in {RESERVED_RS}"
            );
        }
        for name in CLI_COMMANDS {
            assert!(
                own.contains(name),
                "CLI_COMMANDS in {RESERVED_RS} lists \"{name}\", which the dbs CLI no longer has"
            );
        }
    }

    #[test]
    fn context_facts_become_global_options_with_the_spec_values() {
        let mut command = command();
        command.build();
        for fact in dbs_api::CONTEXT_FACTS {
            let arg = command
                .get_arguments()
                .find(|a| a.get_long() == Some(fact.flag))
                .unwrap_or_else(|| panic!("--{} is an option", fact.flag));
            assert!(arg.is_global_set(), "{}", fact.flag);
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect();
            assert_eq!(values, fact.values, "{}", fact.flag);
        }
        // The spec's one fact, as the reference names it.
        let fact = dbs_api::CONTEXT_FACTS
            .iter()
            .find(|f| f.name == "SourceDatabaseType")
            .expect("SourceDatabaseType in the spec");
        assert_eq!(fact.flag, "source-database-type");
        assert_eq!(fact.field, "DatabaseType");
        assert_eq!(fact_value_name(fact), "ENGINE");
    }

    #[test]
    fn integer_bounds_show_in_the_help() {
        let op = dbs_api::operation("CreateRestoreTask").expect("operation");
        let help = |name: &str| {
            long_help(
                op.params
                    .iter()
                    .find(|p| p.name() == name)
                    .expect("parameter"),
            )
        };
        // The port unit implies 1..=65535; RestoreTime is milliseconds since the epoch (>= 0);
        // BackupGatewayId has the spec's range min 1.
        assert!(help("DestinationEndpointPort").contains("From 1 to 65535."));
        assert!(help("RestoreTime").contains("At least 0."));
        assert!(help("BackupGatewayId").contains("At least 1."));
        assert!(!help("BackupPlanId").contains("At least"));
    }

    #[test]
    fn every_operation_has_a_subcommand_with_every_flag() {
        let command = command();
        for operation in dbs_api::OPERATIONS {
            let sub = command
                .find_subcommand(operation.command)
                .expect("subcommand");
            for param in operation.params {
                let arg = sub
                    .get_arguments()
                    .find(|a| a.get_id() == param.name())
                    .expect("flag");
                assert_eq!(arg.get_long(), Some(param.flag));
                assert_eq!(arg.is_hide_set(), param.sensitive(), "{}", param.name());
            }
        }
    }

    #[test]
    fn the_emulator_subcommand_hides_the_call_options() {
        let mut command = command();
        command.build();
        let emulator = command
            .find_subcommand(EMULATOR_COMMAND)
            .expect("emulator subcommand");
        for id in call_only() {
            let arg = emulator
                .get_arguments()
                .find(|a| a.get_id() == id)
                .expect("a hidden copy");
            assert!(arg.is_hide_set() && !arg.is_global_set(), "{id}");
        }
        let verbose = emulator.get_arguments().find(|a| a.get_id() == VERBOSE);
        assert!(verbose.is_some_and(|a| !a.is_hide_set()));
        let operation = command
            .find_subcommand("create-restore-task")
            .expect("operation subcommand");
        for id in call_only() {
            let arg = operation.get_arguments().find(|a| a.get_id() == id);
            assert!(arg.is_some_and(|a| !a.is_hide_set()), "{id}");
        }
    }

    #[test]
    fn source_database_type_takes_the_spec_values_in_any_case() {
        for (given, expected) in [("mysql", "MySQL"), ("REDIS", "Redis"), ("MSSQL", "MSSQL")] {
            let matches = command()
                .try_get_matches_from([
                    "dbs",
                    "--source-database-type",
                    given,
                    "create-restore-task",
                ])
                .expect("parses");
            // clap keeps the spelling given; the SDK's parser ignores case, as run.rs relies on.
            let engine = matches
                .get_one::<String>("source-database-type")
                .map(|v| dbs_api::SourceDatabaseType::from_wire(v));
            assert_eq!(engine.as_ref().map(|e| e.as_str()), Some(expected));
        }
        let error = command()
            .try_get_matches_from([
                "dbs",
                "--source-database-type",
                "db2",
                "create-restore-task",
            ])
            .expect_err("unknown engine");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn the_engine_dependent_parameters_come_from_the_spec() {
        let fact = dbs_api::CONTEXT_FACTS
            .iter()
            .find(|fact| fact.name == "SourceDatabaseType")
            .expect("the spec's context fact");
        let flags = dependent_flags(fact);
        for expected in [
            "--destination-endpoint-user-name",
            "DBS_DESTINATION_ENDPOINT_PASSWORD",
            "--destination-endpoint-database-name",
        ] {
            assert!(
                flags.iter().any(|f| f == expected),
                "{expected} in {flags:?}"
            );
        }
        assert!(!flags.iter().any(|f| f == "--backup-plan-id"), "{flags:?}");
    }

    #[test]
    fn secret_env_var_names() {
        let op = dbs_api::operation("CreateRestoreTask").expect("operation");
        let password = op
            .params
            .iter()
            .find(|p| p.sensitive())
            .expect("a sensitive parameter");
        assert_eq!(
            secret_env_var(password),
            "DBS_DESTINATION_ENDPOINT_PASSWORD"
        );
    }

    #[test]
    fn durations_take_seconds_or_a_unit_within_bounds() {
        let hour = Duration::from_secs(3600);
        let ok = |t: &str| duration(t, hour).ok();
        assert_eq!(ok("30"), Some(Duration::from_secs(30)));
        assert_eq!(ok("2.5"), Some(Duration::from_millis(2500)));
        assert_eq!(ok("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(ok("2m"), Some(Duration::from_secs(120)));
        assert_eq!(ok("1h"), Some(hour));
        for bad in [
            "0", "0s", "-1", "-0.5", "0.0001", "", "abc", "1e3", "5 days", "nan", "inf", "61m",
        ] {
            assert!(duration(bad, hour).is_err(), "{bad:?} accepted");
        }
        assert_eq!(attempts("1"), Ok(1));
        assert_eq!(attempts("10"), Ok(10));
        for bad in ["0", "-1", "11", "1000000", "2.5", "x"] {
            assert!(attempts(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn paging_help_names_the_operation_s_own_flags() {
        let mut paged = 0;
        for operation in dbs_api::OPERATIONS {
            let Some(paging) = operation.pagination else {
                continue;
            };
            paged += 1;
            let text = pagination_words(operation, paging);
            for wire in [paging.page_number, paging.page_size] {
                let param = operation
                    .params
                    .iter()
                    .find(|p| p.name() == wire)
                    .expect("the page parameter is the operation's");
                assert!(text.contains(&format!("--{} ", param.flag)), "{text}");
            }
            assert!(text.contains(paging.items), "{text}");
        }
        assert!(paged > 0, "the spec has list operations");
    }

    #[test]
    fn help_helpers() {
        assert_eq!(first_sentence("One. Two."), "One.");
        assert_eq!(first_sentence("Only one."), "Only one.");
        assert_eq!(capitalize("required when X"), "Required when X");
        assert_eq!(shell_quote("RDS"), "RDS");
        assert_eq!(shell_quote("dbs1hv****"), "'dbs1hv****'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
