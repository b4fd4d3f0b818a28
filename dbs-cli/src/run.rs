//! Running a parsed command line: configure the client, call (or dry-run), print.

use std::io::Write as _;

use clap::ArgMatches;
use dbs_api::credentials::DefaultChain;
use dbs_api::{
    Client, ClientBuilder, ContextFactMeta, OperationMeta, RetryConfig, SignatureVersion,
    ValidationContext,
};

use crate::cli;
use crate::output::Format;
use crate::params;
use crate::report::{Failure, SecretHint};
use crate::secrets::{Recording, Seen};

/// Runs the subcommand of `matches`.
pub(crate) async fn run(matches: &ArgMatches) -> Result<(), Failure> {
    match matches.subcommand() {
        Some((cli::EMULATOR_COMMAND, sub)) => crate::emulator::run_foreground(sub).await,
        Some((crate::restore::COMMAND, sub)) => crate::restore::run(sub).await,
        Some((crate::restore::WAIT_COMMAND, sub)) => crate::restore::run_wait(sub).await,
        Some((command, sub)) => match dbs_api::OPERATIONS.iter().find(|op| op.command == command) {
            Some(operation) => run_operation(operation, sub).await,
            None => Err(Failure::usage(format!(
                "unknown command {command:?}; see `dbs --help`"
            ))),
        },
        None => Err(Failure::usage("no command given; see `dbs --help`")),
    }
}

/// Calls one operation as the flags say.
async fn run_operation(
    operation: &'static OperationMeta,
    matches: &ArgMatches,
) -> Result<(), Failure> {
    // Parameters first: a refused secret is reported before anything else happens.
    params::refuse_unreadable_secrets(operation, |name| {
        matches!(std::env::var(name), Err(std::env::VarError::NotUnicode(_)))
    })?;
    let params = params::collect(operation, matches, |name| std::env::var(name).ok())?;
    let hints = params::missing_secrets(operation, &params);
    let signature = signature_version(matches)?;
    let dry_run = matches.get_flag(cli::DRY_RUN);
    let pager = matches.get_flag(cli::PAGER);
    if pager && operation.pagination.is_none() {
        return Err(Failure::usage(format!(
            "--pager: `{}` does not page (its answer is not a list split into pages); call it \
             without --pager",
            operation.command
        )));
    }
    let text = |id: &str| matches.get_one::<String>(id).map(String::as_str);
    let printed = Printed {
        format: Format::new(text(cli::OUTPUT), text(cli::COLUMNS), text(cli::QUERY))?,
        pager,
    };
    // One option per context fact (`--source-database-type`): the facts given, by name.
    // The credentials the call signs with, to redact from what the server answers.
    let seen = Seen::default();
    let mut facts: Vec<(&ContextFactMeta, String)> = dbs_api::CONTEXT_FACTS
        .iter()
        .filter_map(|fact| Some((fact, matches.get_one::<String>(fact.flag)?.clone())))
        .collect();

    if matches.get_flag(cli::EMULATOR) {
        let emulator = crate::emulator::InProcess::start().await?;
        // A fact not given, the emulator's seed knows from the plan (its engine, say): the
        // rules that need it are then checked here, before sending, as they would be with it.
        if let Some(plan) = param(&params, BACKUP_PLAN_ID) {
            for fact in dbs_api::CONTEXT_FACTS {
                if facts.iter().any(|(given, _)| given.name == fact.name) {
                    continue;
                }
                if let Some(value) = emulator.plan_field(plan, fact.field) {
                    tracing::debug!(fact = fact.name, %value, "context fact from the emulator's seed");
                    facts.push((fact, value));
                }
            }
        }
        seen.record(&emulator.credentials());
        let builder = deadlines(
            Client::builder()
                .endpoint_url(emulator.url())
                .credentials(emulator.credentials()),
            matches,
        );
        let context = context(&facts);
        let outcome = call(
            operation, &params, &hints, &context, builder, signature, dry_run, &seen, &printed,
        )
        .await;
        emulator.shutdown().await;
        return outcome.map_err(fresh_emulator_hint);
    }

    let builder = deadlines(service_builder(matches, &seen)?, matches);
    let context = context(&facts);
    call(
        operation, &params, &hints, &context, builder, signature, dry_run, &seen, &printed,
    )
    .await
}

/// What to fetch and how to print it: `--pager`, `--output`, `--columns`, `--query`.
#[derive(Debug)]
struct Printed {
    format: Format,
    pager: bool,
}

/// The variables that choose the target and the credentials source, besides the AccessKey
/// variables (the SDK's environment provider refuses those itself).
const SETTINGS: [&str; 5] = [
    dbs_api::client::ENV_ENDPOINT,
    dbs_api::client::ENV_REGION,
    dbs_api::credentials::ALIBABA_CLOUD_PROFILE,
    dbs_api::credentials::ALIBABA_CLOUD_CREDENTIALS_FILE,
    dbs_api::credentials::ALIBABA_CLOUD_CLI_PROFILE_DISABLED,
];

/// Refuses a setting variable that is set but is not valid UTF-8 (`not_unicode` says which
/// are): read as unset, it would silently pick another endpoint, region, profile or file.
/// Names the variable, never its value.
fn refuse_unreadable_settings(not_unicode: impl Fn(&str) -> bool) -> Result<(), Failure> {
    match SETTINGS.into_iter().find(|name| not_unicode(name)) {
        Some(name) => Err(Failure::usage(format!(
            "{name} is set but is not valid UTF-8; set it as text or unset it (the value was \
             not used)"
        ))),
        None => Ok(()),
    }
}

/// The timeouts and attempts of `--connect-timeout`, `--read-timeout`, `--operation-timeout`
/// and `--max-attempts` (clap has checked their values); the SDK's defaults for those not given.
fn deadlines(mut builder: ClientBuilder, matches: &ArgMatches) -> ClientBuilder {
    let duration = |id: &str| matches.get_one::<std::time::Duration>(id).copied();
    if let Some(timeout) = duration(cli::CONNECT_TIMEOUT) {
        builder = builder.connect_timeout(timeout);
    }
    if let Some(timeout) = duration(cli::READ_TIMEOUT) {
        builder = builder.read_timeout(timeout);
    }
    if let Some(timeout) = duration(cli::OPERATION_TIMEOUT) {
        builder = builder.operation_timeout(timeout);
    }
    if let Some(attempts) = matches.get_one::<u32>(cli::MAX_ATTEMPTS) {
        builder = builder.retry_config(RetryConfig::standard().with_max_attempts(*attempts));
    }
    builder
}

/// An object `--emulator` does not know may be one an earlier `--emulator` command made: each
/// starts a fresh emulator with only its seed, so say how to keep state across commands.
fn fresh_emulator_hint(mut failure: Failure) -> Failure {
    if failure
        .message
        .contains(dbs_api::CommonErrorCode::ParamNotFound.code())
    {
        failure.message.push_str(&format!(
            "; note: --emulator starts a fresh emulator for each command, holding only its seed \
             data; to keep what one command creates for the next, run `dbs emulator` and pass \
             --endpoint http://{}",
            crate::emulator::DEFAULT_LISTEN
        ));
    }
    failure
}

/// The wire name of the parameter that names the backup plan, whose engine the emulator knows.
const BACKUP_PLAN_ID: &str = "BackupPlanId";

/// The value of the wire parameter `name`, if given.
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The validation context: the facts known (the backup plan's engine, say), by name; the rules
/// that need a fact not known are skipped here and left to the service.
pub(crate) fn context(facts: &[(&ContextFactMeta, String)]) -> ValidationContext {
    let mut context = ValidationContext::new();
    for (fact, value) in facts {
        (fact.set)(&mut context, value);
    }
    context
}

/// Calls (or dry-runs) and prints the answer, redacted with the call's secrets (the
/// sensitive parameters, and the credentials noted in `seen`) and escaped for a terminal.
#[allow(clippy::too_many_arguments)]
async fn call(
    operation: &OperationMeta,
    params: &[(String, String)],
    hints: &[SecretHint],
    context: &ValidationContext,
    builder: ClientBuilder,
    signature: SignatureVersion,
    dry_run: bool,
    seen: &Seen,
    printed: &Printed,
) -> Result<(), Failure> {
    let client = builder
        .signature_version(signature)
        .build()
        .map_err(|e| Failure::from_sdk(&e))?;
    tracing::debug!(endpoint = client.endpoint(), %signature, dry_run, action = operation.name, "calling");
    let text = if dry_run {
        let prepared = client
            .dry_run(operation, params, Some(context))
            .await
            .map_err(|e| Failure::from_sdk_with_hints(&e, hints))?;
        format!("{prepared}\n")
    } else {
        let response = if printed.pager {
            client
                .call_all_pages(
                    operation,
                    params,
                    Some(context),
                    dbs_api::paginator::DEFAULT_MAX_PAGES,
                )
                .await
        } else {
            client.call(operation, params, Some(context)).await
        };
        let response = response
            .map_err(|e| Failure::from_sdk_with_hints(&e, hints).with_token_hint(&e, operation))?;
        // The SDK hands a successful answer back as the server sent it: a server that echoes
        // the password or the AccessKeySecret in a field must not get it printed.
        let response = seen.redactor(operation, params).redact_json(&response);
        printed
            .format
            .render(response, operation.pagination.map(|p| p.items))?
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::sent(format!("cannot write the response to stdout: {e}")))
}

/// A client for a workflow of several calls (`dbs restore`), configured by the global options
/// as [`run_operation`] configures one call: the in-process emulator with `--emulator` (returned,
/// to shut down after the last call), else the target and credentials chain. Credentials used are
/// noted in `seen`.
/// A client builder for the real service: the endpoint or region from the flags, the
/// environment or the profile, and the credential chain, recorded in `seen` for redaction.
fn service_builder(matches: &ArgMatches, seen: &Seen) -> Result<ClientBuilder, Failure> {
    refuse_unreadable_settings(|name| {
        matches!(std::env::var(name), Err(std::env::VarError::NotUnicode(_)))
    })?;
    let profile = matches.get_one::<String>(cli::PROFILE);
    let target = resolve_target(
        matches.get_one::<String>(cli::ENDPOINT).cloned(),
        matches.get_one::<String>(cli::REGION).cloned(),
        |name| std::env::var(name).ok(),
        || profile_region(profile.map(String::as_str)),
    )?;
    let mut chain = DefaultChain::new();
    if let Some(profile) = profile {
        chain = chain.with_profile(profile.as_str());
    }
    Ok(match target {
        Target::Endpoint(url) => Client::builder().endpoint_url(url),
        Target::Region(region) => Client::builder().region(region),
    }
    .credentials_provider(Recording::new(chain.build(), seen)))
}

pub(crate) async fn connect(
    matches: &ArgMatches,
    seen: &Seen,
) -> Result<(Client, Option<crate::emulator::InProcess>), Failure> {
    let signature = signature_version(matches)?;
    let (builder, emulator) = if matches.get_flag(cli::EMULATOR) {
        let emulator = crate::emulator::InProcess::start().await?;
        seen.record(&emulator.credentials());
        let builder = Client::builder()
            .endpoint_url(emulator.url())
            .credentials(emulator.credentials());
        (builder, Some(emulator))
    } else {
        (service_builder(matches, seen)?, None)
    };
    let built = deadlines(builder, matches)
        .signature_version(signature)
        .build();
    match built {
        Ok(client) => Ok((client, emulator)),
        Err(error) => {
            if let Some(emulator) = emulator {
                emulator.shutdown().await;
            }
            Err(Failure::from_sdk(&error))
        }
    }
}

fn signature_version(matches: &ArgMatches) -> Result<SignatureVersion, Failure> {
    match matches.get_one::<String>(cli::SIGNATURE) {
        None => Ok(SignatureVersion::default()),
        Some(text) => text
            .parse()
            .map_err(|e| Failure::usage(format!("--signature: {e}"))),
    }
}

/// Where the call goes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// An explicit endpoint URL.
    Endpoint(String),
    /// A region, whose endpoint comes from the spec's map.
    Region(String),
}

/// `--endpoint` > `--region` > `DBS_ENDPOINT` > `ALIBABA_CLOUD_REGION_ID` > the profile's
/// region. Blank values count as unset. A region without a known endpoint is refused here, with
/// the CLI's words.
pub(crate) fn resolve_target(
    endpoint: Option<String>,
    region: Option<String>,
    env: impl Fn(&str) -> Option<String>,
    profile_region: impl FnOnce() -> Option<String>,
) -> Result<Target, Failure> {
    let set = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if let Some(url) = set(endpoint) {
        return Ok(Target::Endpoint(url));
    }
    let region = match set(region) {
        Some(region) => region,
        None => {
            if let Some(url) = set(env(dbs_api::client::ENV_ENDPOINT)) {
                return Ok(Target::Endpoint(url));
            }
            match set(env(dbs_api::client::ENV_REGION)).or_else(|| set(profile_region())) {
                Some(region) => region,
                None => {
                    return Err(Failure::usage(format!(
                        "no region or endpoint: pass --region-id cn-hangzhou (or --endpoint URL), set {} \
                         or {}, or try the local emulator with --emulator",
                        dbs_api::client::ENV_REGION,
                        dbs_api::client::ENV_ENDPOINT
                    )));
                }
            }
        }
    };
    if dbs_api::endpoint_for_region(&region).is_none() {
        let known: Vec<&str> = dbs_api::ENDPOINTS.iter().map(|(r, _)| *r).collect();
        return Err(Failure::usage(format!(
            "region {region:?} has no known DBS endpoint; pass --endpoint https://HOST, or one of: {}",
            known.join(", ")
        )));
    }
    Ok(Target::Region(region))
}

fn profile_region(profile: Option<&str>) -> Option<String> {
    let provider = dbs_api::credentials::AliyunCliProfileProvider::new();
    match profile {
        Some(name) => provider.with_profile(name).region(),
        None => provider.region(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_is_built_from_the_facts_by_name() {
        let fact = dbs_api::CONTEXT_FACTS
            .iter()
            .find(|f| f.name == "SourceDatabaseType")
            .expect("the spec's fact");
        // Any ASCII case, as --source-database-type takes it; the emulator's seed gives `MySQL`.
        assert_eq!(
            context(&[(fact, "rEdIs".to_owned())]),
            ValidationContext::new().with_source_database_type(dbs_api::SourceDatabaseType::Redis)
        );
        assert_eq!(
            context(&[(fact, "MySQL".to_owned())]),
            ValidationContext::new().with_source_database_type(dbs_api::SourceDatabaseType::MySql)
        );
        assert_eq!(context(&[]), ValidationContext::new());
    }

    #[tokio::test]
    async fn the_emulator_gives_a_plan_field_by_its_name() {
        let emulator = crate::emulator::InProcess::start()
            .await
            .expect("the emulator starts");
        let field = |plan: &str, field: &str| emulator.plan_field(plan, field);
        // The default seed's MySQL plan, as the CLI's help names it.
        assert_eq!(
            field("dbsdemomysql01", "DatabaseType").as_deref(),
            Some("MySQL")
        );
        assert_eq!(field("no-such-plan", "DatabaseType"), None);
        assert_eq!(field("dbsdemomysql01", "NoSuchField"), None);
        emulator.shutdown().await;
    }

    fn resolve(
        endpoint: Option<&str>,
        region: Option<&str>,
        env: &[(&str, &str)],
        profile: Option<&str>,
    ) -> Result<Target, Failure> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        resolve_target(
            endpoint.map(str::to_owned),
            region.map(str::to_owned),
            move |name| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            || profile.map(str::to_owned),
        )
    }

    #[test]
    fn precedence() {
        let all = [
            ("DBS_ENDPOINT", "https://env.example"),
            ("ALIBABA_CLOUD_REGION_ID", "cn-shanghai"),
        ];
        let endpoint = |u: &str| Ok::<_, ()>(Target::Endpoint(u.into()));
        let region = |r: &str| Ok::<_, ()>(Target::Region(r.into()));
        let got = |r: Result<Target, Failure>| r.map_err(|_| ());
        assert_eq!(
            got(resolve(
                Some("https://flag.example"),
                Some("cn-beijing"),
                &all,
                Some("cn-qingdao")
            )),
            endpoint("https://flag.example")
        );
        assert_eq!(
            got(resolve(None, Some("cn-beijing"), &all, Some("cn-qingdao"))),
            region("cn-beijing")
        );
        assert_eq!(
            got(resolve(None, None, &all, Some("cn-qingdao"))),
            endpoint("https://env.example")
        );
        assert_eq!(
            got(resolve(None, None, &all[1..], Some("cn-qingdao"))),
            region("cn-shanghai")
        );
        assert_eq!(
            got(resolve(None, None, &[], Some("cn-qingdao"))),
            region("cn-qingdao")
        );
        assert!(resolve(None, Some(" "), &[("DBS_ENDPOINT", "")], None).is_err());
    }

    #[test]
    fn nothing_known_suggests_a_region_or_the_emulator() {
        let failure = resolve(None, None, &[], None).expect_err("no target");
        assert_eq!(failure.code, crate::report::EXIT_NOT_SENT);
        assert!(
            failure.message.contains("--region-id cn-hangzhou")
                && failure.message.contains("--emulator")
        );
    }

    #[test]
    fn unknown_region_asks_for_an_endpoint() {
        let failure = resolve(None, Some("xx-nowhere-1"), &[], None).expect_err("unknown region");
        assert!(
            failure.message.contains("--endpoint") && failure.message.contains("cn-hangzhou"),
            "{}",
            failure.message
        );
    }
}
