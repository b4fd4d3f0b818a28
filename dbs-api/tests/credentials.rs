//! The credentials providers and the default chain, with a temporary HOME and injected
//! environment variables (the process environment is never read or changed).

mod support;

use std::fs;
use std::path::Path;
use support::credentials::{env, expect_invalid, expect_not_found};

use dbs_api::credentials::{
    AliyunCliProfileProvider, ChainProvider, Credentials, CredentialsError, DefaultChain,
    EnvironmentProvider, ProvideCredentials, SharedCredentialsFileProvider, SkippedSource,
    StaticProvider,
};
use tempfile::TempDir;

/// Reads a local source (memory, environment, files): its future is ready at once, so these
/// tests need no runtime.
trait Now: std::future::Future + Sized {
    fn now(self) -> Self::Output {
        futures_util::FutureExt::now_or_never(Box::pin(self))
            .expect("a local credentials source answers without waiting")
    }
}

impl<F: std::future::Future> Now for F {}

const ID: &str = "LTAI-test-id";
const SECRET: &str = "S3cr3t-Value-never-printed-0123456789";
const TOKEN: &str = "CAIS-T0ken+Value/never=printed";

/// An environment made of `vars` only.
fn home() -> TempDir {
    tempfile::tempdir().expect("create a temporary HOME")
}

fn write(home: &Path, relative: &str, contents: &str) {
    let path = home.join(relative);
    fs::create_dir_all(path.parent().expect("file has a parent")).expect("create directory");
    fs::write(path, contents).expect("write file");
}

fn write_cli_config(home: &Path, contents: &str) {
    write(home, ".aliyun/config.json", contents);
}

fn write_shared_file(home: &Path, contents: &str) {
    write(home, ".alibabacloud/credentials", contents);
}

/// A CLI config with an AK profile `default` (current), an StsToken profile `sts` and an AK
/// profile `prod`.
fn cli_config() -> String {
    format!(
        r#"{{
  "current": "default",
  "profiles": [
    {{"name": "default", "mode": "AK", "access_key_id": "{ID}", "access_key_secret": "{SECRET}",
      "sts_token": "", "ram_role_arn": "", "region_id": "cn-hangzhou", "output_format": "json"}},
    {{"name": "sts", "mode": "StsToken", "access_key_id": "STS.{ID}", "access_key_secret": "{SECRET}",
      "sts_token": "{TOKEN}", "region_id": "cn-shanghai"}},
    {{"name": "prod", "mode": "AK", "access_key_id": "prod-{ID}", "access_key_secret": "{SECRET}",
      "region_id": "ap-southeast-1"}}
  ],
  "meta_path": ""
}}"#
    )
}

fn shared_file() -> String {
    format!(
        "# Alibaba Cloud credentials\n\
         [default]\n\
         type = access_key\n\
         access_key_id = file-{ID}\n\
         access_key_secret = {SECRET}\n\
         \n\
         ; temporary credentials\n\
         [sts]\n\
         type = sts\n\
         access_key_id = STS.file-{ID}\n\
         access_key_secret = {SECRET}\n\
         security_token = {TOKEN}\n\
         \n\
         [prod]\n\
         type = access_key\n\
         access_key_id = file-prod-{ID}\n\
         access_key_secret = {SECRET}\n"
    )
}

fn cli(home: &TempDir) -> AliyunCliProfileProvider {
    AliyunCliProfileProvider::new()
        .with_home(home.path())
        .with_env_lookup(env(&[]))
}

fn shared(home: &TempDir) -> SharedCredentialsFileProvider {
    SharedCredentialsFileProvider::new()
        .with_home(home.path())
        .with_env_lookup(env(&[]))
}

fn chain(home: &TempDir, vars: &[(&str, &str)]) -> ChainProvider {
    DefaultChain::new()
        .with_home(home.path())
        .with_env_lookup(env(vars))
        .build()
}

#[track_caller]
fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    assert!(!text.contains(TOKEN), "token leaked: {text}");
    assert!(
        !text.contains("S3cr3t"),
        "part of the secret leaked: {text}"
    );
    assert!(!text.contains("T0ken"), "part of the token leaked: {text}");
}

// ---------------------------------------------------------------------------------------------
// Credentials and StaticProvider

#[test]
fn credentials_accessors_and_redacted_debug() {
    let credentials = Credentials::new(ID, SECRET).with_security_token(TOKEN);
    assert_eq!(credentials.access_key_id(), ID);
    assert_eq!(credentials.access_key_secret().expose(), SECRET);
    assert_eq!(
        credentials
            .security_token()
            .map(|token| token.expose().as_str()),
        Some(TOKEN)
    );
    let debug = format!("{credentials:?} {credentials:#?}");
    // Only a prefix of the AccessKeyId (a third of it, here "LTAI"): the whole ID identifies
    // the account.
    assert!(debug.contains("\"LTAI****\""), "{debug}");
    assert!(!debug.contains(ID) && !debug.contains("LTAI-"), "{debug}");
    assert_no_secret(&debug);

    let plain = Credentials::new(ID, SECRET);
    assert!(plain.security_token().is_none());
    assert_no_secret(&format!("{plain:?}"));
}

#[test]
fn static_provider_returns_its_credentials() {
    let provider = StaticProvider::new(Credentials::new(ID, SECRET));
    assert_eq!(provider.name(), "static");
    let credentials = provider.provide().now().expect("static credentials");
    assert_eq!(credentials, Credentials::new(ID, SECRET));
    assert_no_secret(&format!("{provider:?}"));
}

// ---------------------------------------------------------------------------------------------
// EnvironmentProvider

#[test]
fn environment_found() {
    let provider = EnvironmentProvider::from_lookup(env(&[
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", ID),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET),
    ]));
    let credentials = provider
        .provide()
        .now()
        .expect("credentials from the environment");
    assert_eq!(credentials.access_key_id(), ID);
    assert_eq!(credentials.access_key_secret().expose(), SECRET);
    assert!(credentials.security_token().is_none());
    assert_eq!(provider.name(), "environment");
}

#[test]
fn environment_security_token_is_carried() {
    let provider = EnvironmentProvider::from_lookup(env(&[
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", ID),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN),
    ]));
    let credentials = provider
        .provide()
        .now()
        .expect("STS credentials from the environment");
    assert_eq!(
        credentials
            .security_token()
            .map(|token| token.expose().as_str()),
        Some(TOKEN)
    );
}

#[test]
fn environment_trims_values_and_ignores_an_empty_token() {
    let provider = EnvironmentProvider::from_lookup(env(&[
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", &format!(" {ID}\n")),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", ""),
    ]));
    let credentials = provider.provide().now().expect("credentials");
    assert_eq!(credentials.access_key_id(), ID);
    assert!(credentials.security_token().is_none());
}

#[test]
fn environment_not_found_when_unset_or_empty() {
    let reason = expect_not_found(
        EnvironmentProvider::from_lookup(env(&[])).provide().now(),
        "environment",
    );
    assert_eq!(reason, "ALIBABA_CLOUD_ACCESS_KEY_ID is not set");

    let empty = EnvironmentProvider::from_lookup(env(&[
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", ""),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "  "),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", ""),
    ]));
    expect_not_found(empty.provide().now(), "environment");
}

#[test]
fn environment_half_set_is_invalid() {
    let id_only = EnvironmentProvider::from_lookup(env(&[("ALIBABA_CLOUD_ACCESS_KEY_ID", ID)]));
    let reason = expect_invalid(id_only.provide().now(), "environment");
    assert!(
        reason.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET is not"),
        "{reason}"
    );

    let secret_only =
        EnvironmentProvider::from_lookup(env(&[("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)]));
    let reason = expect_invalid(secret_only.provide().now(), "environment");
    assert!(
        reason.contains("ALIBABA_CLOUD_ACCESS_KEY_ID is not"),
        "{reason}"
    );
    assert_no_secret(&reason);

    let token_only =
        EnvironmentProvider::from_lookup(env(&[("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN)]));
    let reason = expect_invalid(token_only.provide().now(), "environment");
    assert!(
        reason.contains("ALIBABA_CLOUD_SECURITY_TOKEN is set"),
        "{reason}"
    );
    assert_no_secret(&reason);
}

// ---------------------------------------------------------------------------------------------
// AliyunCliProfileProvider

#[test]
fn cli_profile_current_ak_profile_and_region() {
    let home = home();
    write_cli_config(home.path(), &cli_config());
    let provider = cli(&home);
    let credentials = provider.provide().now().expect("current profile");
    assert_eq!(credentials.access_key_id(), ID);
    assert_eq!(credentials.access_key_secret().expose(), SECRET);
    // AK mode ignores sts_token, even when present.
    assert!(credentials.security_token().is_none());
    assert_eq!(provider.region().as_deref(), Some("cn-hangzhou"));
    assert_eq!(provider.name(), "aliyun CLI profile");
    assert_eq!(
        provider.config_path(),
        Some(home.path().join(".aliyun").join("config.json"))
    );
}

#[test]
fn cli_profile_sts_token_mode_carries_the_token() {
    let home = home();
    write_cli_config(home.path(), &cli_config());
    let provider = cli(&home).with_profile("sts");
    let credentials = provider.provide().now().expect("StsToken profile");
    assert_eq!(credentials.access_key_id(), format!("STS.{ID}"));
    assert_eq!(
        credentials
            .security_token()
            .map(|token| token.expose().as_str()),
        Some(TOKEN)
    );
    assert_eq!(provider.region().as_deref(), Some("cn-shanghai"));
}

#[test]
fn cli_profile_named_profile_and_alibaba_cloud_profile() {
    let home = home();
    write_cli_config(home.path(), &cli_config());

    let named = cli(&home).with_profile("prod");
    assert_eq!(
        named
            .provide()
            .now()
            .expect("named profile")
            .access_key_id(),
        format!("prod-{ID}")
    );
    assert_eq!(named.region().as_deref(), Some("ap-southeast-1"));

    let from_env = cli(&home).with_env_lookup(env(&[("ALIBABA_CLOUD_PROFILE", "prod")]));
    assert_eq!(
        from_env
            .provide()
            .now()
            .expect("profile from env")
            .access_key_id(),
        format!("prod-{ID}")
    );

    // A name given in code beats ALIBABA_CLOUD_PROFILE.
    let both = cli(&home)
        .with_env_lookup(env(&[("ALIBABA_CLOUD_PROFILE", "prod")]))
        .with_profile("sts");
    assert_eq!(
        both.provide()
            .now()
            .expect("profile from code")
            .access_key_id(),
        format!("STS.{ID}")
    );
}

#[test]
fn cli_profile_home_from_env_lookup() {
    let home = home();
    write_cli_config(home.path(), &cli_config());
    let home_str = home.path().to_str().expect("UTF-8 temp path");
    let provider = AliyunCliProfileProvider::new().with_env_lookup(env(&[("HOME", home_str)]));
    assert_eq!(
        provider
            .provide()
            .now()
            .expect("found via HOME")
            .access_key_id(),
        ID
    );
}

#[test]
fn cli_profile_not_found_cases() {
    let home = home();
    let reason = expect_not_found(cli(&home).provide().now(), "aliyun CLI profile");
    assert!(reason.contains("config.json does not exist"), "{reason}");
    assert!(cli(&home).region().is_none());

    let no_home = AliyunCliProfileProvider::new().with_env_lookup(env(&[]));
    let reason = expect_not_found(no_home.provide().now(), "aliyun CLI profile");
    assert!(reason.contains("HOME"), "{reason}");

    write_cli_config(home.path(), &cli_config());
    let reason = expect_not_found(
        cli(&home).with_profile("missing").provide().now(),
        "aliyun CLI profile",
    );
    assert!(reason.contains("no profile 'missing'"), "{reason}");
    assert!(reason.contains("'default', 'sts', 'prod'"), "{reason}");

    let disabled =
        cli(&home).with_env_lookup(env(&[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")]));
    let reason = expect_not_found(disabled.provide().now(), "aliyun CLI profile");
    assert!(
        reason.contains("ALIBABA_CLOUD_CLI_PROFILE_DISABLED"),
        "{reason}"
    );

    write_cli_config(home.path(), r#"{"current": "", "profiles": []}"#);
    let reason = expect_not_found(cli(&home).provide().now(), "aliyun CLI profile");
    assert!(reason.contains("no profiles"), "{reason}");
}

#[test]
fn cli_profile_mode_is_case_insensitive() {
    let home = home();
    write_cli_config(
        home.path(),
        &format!(
            r#"{{"profiles": [{{"name": "default", "mode": "ak",
                "access_key_id": "{ID}", "access_key_secret": "{SECRET}"}}]}}"#
        ),
    );
    // No `current`: the profile `default` is used.
    assert_eq!(
        cli(&home).provide().now().expect("ak mode").access_key_id(),
        ID
    );
}

#[test]
fn cli_profile_broken_cases_are_invalid() {
    let home = home();

    write_cli_config(
        home.path(),
        &format!("{{\"current\": \"default\", \"profiles\": [{SECRET}"),
    );
    let reason = expect_invalid(cli(&home).provide().now(), "aliyun CLI profile");
    assert!(reason.contains("is not valid JSON"), "{reason}");
    assert!(reason.contains("line 1"), "{reason}");

    write_cli_config(
        home.path(),
        &format!(
            r#"{{"current": "default", "profiles": [{{"name": "default", "mode": "AK",
                "access_key_id": "{ID}", "region_id": "cn-beijing"}}]}}"#
        ),
    );
    let reason = expect_invalid(cli(&home).provide().now(), "aliyun CLI profile");
    assert!(reason.contains("has no access_key_secret"), "{reason}");
    assert!(
        reason.contains("aliyun configure --profile default"),
        "{reason}"
    );
    assert_eq!(cli(&home).region().as_deref(), Some("cn-beijing"));

    write_cli_config(
        home.path(),
        &format!(
            r#"{{"current": "default", "profiles": [{{"name": "default", "mode": "StsToken",
                "access_key_id": "{ID}", "access_key_secret": "{SECRET}", "sts_token": ""}}]}}"#
        ),
    );
    let reason = expect_invalid(cli(&home).provide().now(), "aliyun CLI profile");
    assert!(reason.contains("has no sts_token"), "{reason}");

    write_cli_config(
        home.path(),
        &format!(
            r#"{{"current": "default", "profiles": [{{"name": "default", "mode": "CloudSSO",
                "access_key_id": "{ID}", "access_key_secret": "{SECRET}",
                "region_id": "cn-hangzhou"}}]}}"#
        ),
    );
    let reason = expect_invalid(cli(&home).provide().now(), "aliyun CLI profile");
    assert!(
        reason.contains(
            "mode CloudSSO, which is not supported; use AK, StsToken, RamRoleArn, EcsRamRole, \
             ChainableRamRoleArn or OIDC"
        ),
        "{reason}"
    );
    // The region is still readable.
    assert_eq!(cli(&home).region().as_deref(), Some("cn-hangzhou"));

    write_cli_config(
        home.path(),
        r#"{"current": "default", "profiles": [{"name": "default", "mode": ""}]}"#,
    );
    let reason = expect_invalid(cli(&home).provide().now(), "aliyun CLI profile");
    assert!(reason.contains("has no mode"), "{reason}");

    write_cli_config(
        home.path(),
        &format!(
            r#"{{"profiles": [{{"name": "default", "mode": "AK",
                "access_key_id": "{ID}", "access_key_secret": ["{SECRET}"]}}]}}"#
        ),
    );
    let reason = expect_invalid(cli(&home).provide().now(), "aliyun CLI profile");
    assert!(reason.contains("access_key_secret"), "{reason}");
    assert!(reason.contains("not a JSON string"), "{reason}");

    write_cli_config(home.path(), r#"{"profiles": {"name": "default"}}"#);
    expect_invalid(cli(&home).provide().now(), "aliyun CLI profile");

    write_cli_config(home.path(), "[]");
    expect_invalid(cli(&home).provide().now(), "aliyun CLI profile");
}

// ---------------------------------------------------------------------------------------------
// SharedCredentialsFileProvider

#[test]
fn shared_file_default_section() {
    let home = home();
    write_shared_file(home.path(), &shared_file());
    let provider = shared(&home);
    let credentials = provider.provide().now().expect("default section");
    assert_eq!(credentials.access_key_id(), format!("file-{ID}"));
    assert_eq!(credentials.access_key_secret().expose(), SECRET);
    assert!(credentials.security_token().is_none());
    assert_eq!(provider.name(), "shared credentials file");
    assert_eq!(
        provider.file_path(),
        Some(home.path().join(".alibabacloud").join("credentials"))
    );
}

#[test]
fn shared_file_sts_type_carries_the_token() {
    let home = home();
    write_shared_file(home.path(), &shared_file());
    let credentials = shared(&home)
        .with_profile("sts")
        .provide()
        .now()
        .expect("sts section");
    assert_eq!(credentials.access_key_id(), format!("STS.file-{ID}"));
    assert_eq!(
        credentials
            .security_token()
            .map(|token| token.expose().as_str()),
        Some(TOKEN)
    );
}

#[test]
fn shared_file_named_section_and_alibaba_cloud_profile() {
    let home = home();
    write_shared_file(home.path(), &shared_file());
    assert_eq!(
        shared(&home)
            .with_profile("prod")
            .provide()
            .now()
            .expect("named")
            .access_key_id(),
        format!("file-prod-{ID}")
    );
    let from_env = shared(&home).with_env_lookup(env(&[("ALIBABA_CLOUD_PROFILE", "prod")]));
    assert_eq!(
        from_env.provide().now().expect("from env").access_key_id(),
        format!("file-prod-{ID}")
    );
}

#[test]
fn shared_file_alibaba_cloud_credentials_file() {
    let home = home();
    write(home.path(), "elsewhere/creds.ini", &shared_file());
    let path = home.path().join("elsewhere/creds.ini");
    let path_str = path.to_str().expect("UTF-8 temp path");
    let provider = SharedCredentialsFileProvider::new()
        .with_env_lookup(env(&[("ALIBABA_CLOUD_CREDENTIALS_FILE", path_str)]));
    assert_eq!(provider.file_path(), Some(path.clone()));
    assert_eq!(
        provider
            .provide()
            .now()
            .expect("explicit file")
            .access_key_id(),
        format!("file-{ID}")
    );

    let missing = home.path().join("nope");
    let missing_str = missing.to_str().expect("UTF-8 temp path");
    let provider =
        shared(&home).with_env_lookup(env(&[("ALIBABA_CLOUD_CREDENTIALS_FILE", missing_str)]));
    let reason = expect_invalid(provider.provide().now(), "shared credentials file");
    assert!(
        reason.contains("ALIBABA_CLOUD_CREDENTIALS_FILE points to"),
        "{reason}"
    );
}

#[test]
fn shared_file_not_found_cases() {
    let home = home();
    let reason = expect_not_found(shared(&home).provide().now(), "shared credentials file");
    assert!(reason.contains("credentials does not exist"), "{reason}");

    let no_home = SharedCredentialsFileProvider::new().with_env_lookup(env(&[]));
    expect_not_found(no_home.provide().now(), "shared credentials file");

    write_shared_file(home.path(), &shared_file());
    let reason = expect_not_found(
        shared(&home).with_profile("missing").provide().now(),
        "shared credentials file",
    );
    assert!(reason.contains("no [missing] section"), "{reason}");
    assert!(reason.contains("[default], [prod], [sts]"), "{reason}");
}

#[test]
fn shared_file_broken_cases_are_invalid() {
    let home = home();

    write_shared_file(
        home.path(),
        &format!("[default]\ntype = access_key\naccess_key_id = {ID}\n{SECRET}\n"),
    );
    let reason = expect_invalid(shared(&home).provide().now(), "shared credentials file");
    assert!(reason.contains("line 4"), "{reason}");
    assert_no_secret(&reason);

    write_shared_file(
        home.path(),
        &format!("[default]\ntype = access_key\naccess_key_id = {ID}\naccess_key_secret =\n"),
    );
    let reason = expect_invalid(shared(&home).provide().now(), "shared credentials file");
    assert!(reason.contains("has no access_key_secret"), "{reason}");

    write_shared_file(
        home.path(),
        &format!("[default]\ntype = sts\naccess_key_id = {ID}\naccess_key_secret = {SECRET}\n"),
    );
    let reason = expect_invalid(shared(&home).provide().now(), "shared credentials file");
    assert!(reason.contains("has no security_token"), "{reason}");

    write_shared_file(
        home.path(),
        &format!("[default]\naccess_key_id = {ID}\naccess_key_secret = {SECRET}\n"),
    );
    let reason = expect_invalid(shared(&home).provide().now(), "shared credentials file");
    assert!(reason.contains("has no `type`"), "{reason}");

    write_shared_file(
        home.path(),
        "[default]\ntype = rsa_key_pair\npublic_key_id = r\n",
    );
    let reason = expect_invalid(shared(&home).provide().now(), "shared credentials file");
    assert!(
        reason.contains(
            "type = rsa_key_pair, which is not supported; use access_key, sts, ram_role_arn, \
             oidc_role_arn or ecs_ram_role"
        ),
        "{reason}"
    );
}

// ---------------------------------------------------------------------------------------------
// Chains

#[test]
fn chain_environment_beats_files() {
    let home = home();
    write_cli_config(home.path(), &cli_config());
    write_shared_file(home.path(), &shared_file());
    let chain = chain(
        &home,
        &[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET),
        ],
    );
    let (credentials, source) = chain.provide_with_source().now().expect("env credentials");
    assert_eq!(credentials.access_key_id(), "env-id");
    assert_eq!(source, "environment");
    assert_eq!(
        chain.provider_names(),
        [
            "environment",
            "oidc role arn",
            "aliyun CLI profile",
            "shared credentials file",
            "ecs ram role",
            "credentials uri"
        ]
    );
}

#[test]
fn chain_cli_profile_beats_shared_file() {
    let home = home();
    write_cli_config(home.path(), &cli_config());
    write_shared_file(home.path(), &shared_file());
    let (credentials, source) = chain(&home, &[]).provide_with_source().now().expect("CLI");
    assert_eq!(credentials.access_key_id(), ID);
    assert_eq!(source, "aliyun CLI profile");
}

#[test]
fn chain_falls_through_to_shared_file() {
    let home = home();
    write_shared_file(home.path(), &shared_file());
    let (credentials, source) = chain(&home, &[]).provide_with_source().now().expect("file");
    assert_eq!(credentials.access_key_id(), format!("file-{ID}"));
    assert_eq!(source, "shared credentials file");
}

#[test]
fn chain_profile_name_reaches_both_files() {
    let home = home();
    // The CLI config has no `only-in-file`, so the chain goes on to the shared file.
    write_cli_config(home.path(), &cli_config());
    write_shared_file(
        home.path(),
        &format!(
            "[only-in-file]\ntype = access_key\naccess_key_id = shared-only\n\
             access_key_secret = {SECRET}\n"
        ),
    );
    let chain_for = |profile: &str| {
        DefaultChain::new()
            .with_profile(profile)
            .with_home(home.path())
            .with_env_lookup(env(&[]))
            .build()
    };
    let (credentials, source) = chain_for("only-in-file")
        .provide_with_source()
        .now()
        .expect("shared file section");
    assert_eq!(credentials.access_key_id(), "shared-only");
    assert_eq!(source, "shared credentials file");

    let (credentials, source) = chain_for("prod")
        .provide_with_source()
        .now()
        .expect("CLI profile");
    assert_eq!(credentials.access_key_id(), format!("prod-{ID}"));
    assert_eq!(source, "aliyun CLI profile");

    // ALIBABA_CLOUD_PROFILE reaches both too.
    let chain = chain(&home, &[("ALIBABA_CLOUD_PROFILE", "only-in-file")]);
    assert_eq!(
        chain.provide().now().expect("from env").access_key_id(),
        "shared-only"
    );
}

#[test]
fn chain_stops_at_a_broken_source() {
    let home = home();
    write_cli_config(home.path(), "{ not json");
    write_shared_file(home.path(), &shared_file());
    let error = chain(&home, &[])
        .provide()
        .now()
        .expect_err("broken CLI config");
    assert!(!error.is_not_found());
    assert_eq!(error.source_name(), Some("aliyun CLI profile"));
    assert!(
        error
            .to_string()
            .starts_with("aliyun CLI profile is misconfigured: ")
    );

    // A half-set environment stops the chain before any file is read.
    let error = chain(&home, &[("ALIBABA_CLOUD_ACCESS_KEY_ID", ID)])
        .provide()
        .now()
        .expect_err("half-set environment");
    assert_eq!(error.source_name(), Some("environment"));
}

#[test]
fn chain_lists_every_skipped_source() {
    let home = home();
    let error = chain(&home, &[])
        .provide()
        .now()
        .expect_err("nothing configured");
    assert!(error.is_not_found());
    let CredentialsError::NoneFound(skipped) = &error else {
        panic!("expected NoneFound, got {error:?}");
    };
    let names: Vec<&str> = skipped.iter().map(|s| s.source_name).collect();
    assert_eq!(
        names,
        [
            "environment",
            "oidc role arn",
            "aliyun CLI profile",
            "shared credentials file",
            "ecs ram role",
            "credentials uri"
        ]
    );
    assert_eq!(skipped[0].reason, "ALIBABA_CLOUD_ACCESS_KEY_ID is not set");
    assert_eq!(
        skipped[1].reason,
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE are not set"
    );
    assert!(skipped[2].reason.ends_with("config.json does not exist"));
    assert!(skipped[3].reason.ends_with("credentials does not exist"));
    assert!(
        skipped[4]
            .reason
            .starts_with("not configured: ALIBABA_CLOUD_ECS_METADATA is not set"),
        "{}",
        skipped[4].reason
    );
    assert_eq!(
        skipped[5].reason,
        "ALIBABA_CLOUD_CREDENTIALS_URI is not set"
    );

    let message = error.to_string();
    assert!(!message.contains('\n'), "one line: {message}");
    assert!(
        message.starts_with(
            "no credentials found: environment: ALIBABA_CLOUD_ACCESS_KEY_ID is not set; \
             oidc role arn: "
        ),
        "{message}"
    );
    assert!(message.contains("; shared credentials file: "), "{message}");
    assert!(
        message.ends_with(
            ". Set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, \
             or run `aliyun configure`"
        ),
        "{message}"
    );
    let home_text = home.path().display().to_string();
    assert!(message.contains(&home_text), "paths are named: {message}");
}

#[test]
fn custom_chain_and_nested_chains() {
    let first_empty = EnvironmentProvider::from_lookup(env(&[]));
    let custom = ChainProvider::new(vec![
        Box::new(first_empty),
        Box::new(StaticProvider::new(Credentials::new(ID, SECRET))),
    ]);
    let (credentials, source) = custom.provide_with_source().now().expect("static");
    assert_eq!(credentials.access_key_id(), ID);
    assert_eq!(source, "static");

    let empty = ChainProvider::new(Vec::new());
    let error = empty.provide().now().expect_err("no providers");
    assert!(
        error
            .to_string()
            .contains("the credentials chain has no providers")
    );

    // A nested chain's skipped sources are flattened into the outer list.
    let home = home();
    let outer = ChainProvider::new(vec![
        Box::new(chain(&home, &[])),
        Box::new(EnvironmentProvider::from_lookup(env(&[]))),
    ]);
    let Err(CredentialsError::NoneFound(skipped)) = outer.provide().now() else {
        panic!("expected NoneFound");
    };
    assert_eq!(skipped.len(), 7);
    assert_eq!(
        skipped[6],
        SkippedSource {
            source_name: "environment",
            reason: "ALIBABA_CLOUD_ACCESS_KEY_ID is not set".to_owned(),
        }
    );
}

#[test]
fn providers_are_send_sync_trait_objects() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let chain = ChainProvider::default_chain();
    assert_send_sync(&chain);
    let boxed: Box<dyn ProvideCredentials> = Box::new(chain);
    assert_eq!(boxed.name(), "credentials chain");
    let with_profile = ChainProvider::default_chain_with_profile("prod");
    assert_eq!(with_profile.provider_names().len(), 6);
}

// ---------------------------------------------------------------------------------------------
// Leak check

#[test]
fn no_error_or_debug_output_contains_a_secret() {
    let home = home();
    let mut outputs: Vec<String> = Vec::new();
    fn describe(result: Result<Credentials, CredentialsError>) -> String {
        match result {
            Ok(credentials) => format!("{credentials:?} {credentials:#?}"),
            Err(error) => format!("{error} {error:?} {error:#?}"),
        }
    }

    // Environment: found, half set.
    let full = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", ID),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN),
    ];
    outputs.push(describe(
        EnvironmentProvider::from_lookup(env(&full)).provide().now(),
    ));
    outputs.push(describe(
        EnvironmentProvider::from_lookup(env(&full[1..]))
            .provide()
            .now(),
    ));
    outputs.push(describe(
        EnvironmentProvider::from_lookup(env(&full[2..]))
            .provide()
            .now(),
    ));
    outputs.push(format!(
        "{:?}",
        EnvironmentProvider::from_lookup(env(&full))
    ));
    outputs.push(format!("{:?}", chain(&home, &full)));

    // CLI config: valid, and broken right next to the secret and token.
    write_cli_config(home.path(), &cli_config());
    outputs.push(describe(cli(&home).provide().now()));
    outputs.push(describe(cli(&home).with_profile("sts").provide().now()));
    for broken in [
        format!(r#"{{"profiles": [{{"name": "default", "access_key_secret": "{SECRET}"#),
        format!(r#"{{"profiles": [{{"name": "default", "sts_token": {TOKEN}}}]}}"#),
        format!(
            r#"{{"profiles": [{{"name": "default", "mode": "StsToken", "access_key_id": "{ID}",
                "access_key_secret": "{SECRET}", "sts_token": {{"v": "{TOKEN}"}}}}]}}"#
        ),
        format!(
            r#"{{"profiles": [{{"name": "default", "mode": "RamRoleArn",
                "access_key_secret": "{SECRET}", "sts_token": "{TOKEN}"}}]}}"#
        ),
        format!(
            r#"{{"profiles": [{{"name": "default", "mode": "StsToken",
                "access_key_secret": "{SECRET}", "sts_token": "{TOKEN}"}}]}}"#
        ),
    ] {
        write_cli_config(home.path(), &broken);
        outputs.push(describe(cli(&home).provide().now()));
        outputs.push(describe(chain(&home, &[]).provide().now()));
    }

    // Shared file: valid, and broken lines holding the secret and token.
    write_shared_file(home.path(), &shared_file());
    outputs.push(describe(shared(&home).provide().now()));
    outputs.push(describe(shared(&home).with_profile("sts").provide().now()));
    for broken in [
        format!("[default]\ntype = sts\naccess_key_secret {SECRET}\n"),
        format!("[default]\ntype = sts\n{TOKEN}\n"),
        format!("[default]\ntype = sts\naccess_key_id = {ID}\nsecurity_token = {TOKEN}\n"),
        format!("[default]\ntype = bearer\nbearer_token = {TOKEN}\naccess_key_secret = {SECRET}\n"),
        format!("[{SECRET}\n"),
    ] {
        write_shared_file(home.path(), &broken);
        outputs.push(describe(shared(&home).provide().now()));
    }
    fs::remove_file(home.path().join(".aliyun/config.json")).expect("remove CLI config");
    outputs.push(describe(chain(&home, &[]).provide().now()));
    fs::remove_file(home.path().join(".alibabacloud/credentials")).expect("remove file");
    outputs.push(describe(chain(&home, &[]).provide().now()));

    outputs.push(format!(
        "{:?}",
        StaticProvider::new(Credentials::new(ID, SECRET).with_security_token(TOKEN))
    ));
    outputs.push(format!("{:?} {:?}", cli(&home), shared(&home)));

    assert!(outputs.len() > 20);
    for output in &outputs {
        assert_no_secret(output);
    }
}
