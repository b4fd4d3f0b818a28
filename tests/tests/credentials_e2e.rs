//! End to end: each temporary-credentials provider of `dbs-api` gets credentials from the
//! emulator playing STS, the ECS metadata service and a credentials URI (one loopback port,
//! the same as DBS), and the `dbs-api` client creates restore tasks with them.
//!
//! Covered (issue 12, "Done when"):
//! 1. RamRoleArn (AssumeRole signed V1 and V3), OIDC (AssumeRoleWithOIDC, anonymous), the ECS
//!    instance role (IMDSv2) and the credentials URI: each provider's credentials create a
//!    restore task, signed V3 and V1.
//! 2. A 5-second lifetime: 50 concurrent calls after 80% of it all succeed, with one refresh
//!    (two AssumeRole calls in all); the emulator refuses a key with another key's token or
//!    secret, so none signed with a mix of old and new.
//! 3. Expired credentials are refused (`InvalidSecurityToken.Expired`) and the refreshed ones
//!    accepted.
//! 4. A failing STS (a 503 fault) keeps the valid credentials in use; the next refresh
//!    succeeds.
//! 5. The default chain with nothing configured fails without any connection: the emulator
//!    sees no request at all.
//!
//! Waiting for a lifetime to pass is real time (seconds); nothing here asserts on durations.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use dbs_api::credentials::{
    CredentialsError, CredentialsUriProvider, DefaultChain, EcsRamRoleProvider,
    OidcRoleArnProvider, ProvideCredentials, RamRoleArnProvider, StaticProvider, StsEndpoint,
};
use dbs_api::{
    Client, Credentials, DestinationEndpointInstanceType, Error, RestoreObject, RetryConfig,
    SignatureVersion,
};
use dbs_emulator::sts::{DEMO_OIDC_PROVIDER_ARN, DEMO_ROLE_ARN};
use dbs_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Fault, FaultKind};

/// The demo account the emulator knows (`testid` / `testsecret`).
const KEY_ID: &str = "testid";
const SECRET: &str = "testsecret";
/// The role attached to the emulated ECS instance (the contract's demo data).
const ECS_ROLE: &str = "dbs-ecs-role";
const PASSWORD: &str = "e2e-Temporary-Pa55";
const MYSQL: &str = "dbsdemomysql01";
const VERSIONS: [SignatureVersion; 2] = [SignatureVersion::V3, SignatureVersion::V1];

async fn start_with(config: EmulatorConfig) -> EmulatorHandle {
    let handle = Emulator::start(config).await.unwrap();
    assert!(
        handle.url().starts_with("http://127.0.0.1:"),
        "{}",
        handle.url()
    );
    handle
}

/// An environment made of `vars` only (the process environment is never read).
fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |key| vars.get(key).cloned()
}

fn client(
    url: &str,
    version: SignatureVersion,
    provider: impl ProvideCredentials + 'static,
) -> Client {
    Client::builder()
        .endpoint_url(url)
        .credentials_provider(provider)
        .signature_version(version)
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap()
}

/// Creates a restore task of the MySQL demo plan into RDS; its ID.
async fn create(client: &Client, name: &str) -> Result<String, Error> {
    let answer = client
        .create_restore_task()
        .backup_plan_id(MYSQL)
        .restore_task_name(name)
        .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds)
        .destination_endpoint_region("cn-hangzhou")
        .destination_endpoint_instance_id("rm-bp1p8c29e2e")
        .destination_endpoint_user_name("restore_user")
        .destination_endpoint_password(PASSWORD)
        .restore_objects([RestoreObject::new("orders").new_db_name("orders_restored")])
        .send()
        .await?;
    Ok(answer.restore_task_id.unwrap_or_default())
}

/// The demo account's AccessKey, as the source of AssumeRole.
fn demo_account() -> StaticProvider {
    StaticProvider::new(Credentials::new(KEY_ID, SECRET))
}

fn ram_role(url: &str, sts_signature: SignatureVersion) -> RamRoleArnProvider {
    RamRoleArnProvider::builder()
        .source(demo_account())
        .role_arn(DEMO_ROLE_ARN)
        .role_session_name("dbs-e2e")
        .signature_version(sts_signature)
        .sts_endpoint(StsEndpoint::new().url(url))
        .env_lookup(env(&[]))
        .build()
        .unwrap()
}

/// A JWT-shaped OIDC token (three base64url parts) whose `exp` is an hour away; the emulator
/// checks the shape and `exp`, not the issuer's signature.
fn oidc_token() -> String {
    let b64 = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let payload = format!(
        r#"{{"sub":"system:serviceaccount:dbs:restore","iss":"https://oidc.ack.example","aud":"sts.aliyuncs.com","exp":{exp}}}"#
    );
    format!(
        "{}.{}.{}",
        b64(r#"{"alg":"RS256"}"#),
        b64(&payload),
        b64("signature")
    )
}

fn oidc(url: &str, token_file: &Path) -> OidcRoleArnProvider {
    let token_file = token_file.to_str().unwrap().to_owned();
    OidcRoleArnProvider::builder()
        .env_lookup(env(&[
            ("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN),
            ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", DEMO_OIDC_PROVIDER_ARN),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &token_file),
            ("ALIBABA_CLOUD_ROLE_SESSION_NAME", "pod-session"),
            ("DBS_STS_ENDPOINT", url),
        ]))
        .build()
        .unwrap()
}

fn ecs(url: &str) -> EcsRamRoleProvider {
    EcsRamRoleProvider::builder()
        .env_lookup(env(&[("DBS_ECS_METADATA_ENDPOINT", url)]))
        .build()
        .unwrap()
}

fn uri(url: &str) -> CredentialsUriProvider {
    CredentialsUriProvider::builder()
        .url(format!("{url}/credentials-uri"))
        .env_lookup(env(&[]))
        .build()
        .unwrap()
}

/// Waits until `since + wait`.
async fn sleep_until(since: Instant, wait: Duration) {
    tokio::time::sleep_until((since + wait).into()).await;
}

// ---------------------------------------------------------------------------------------------
// 1. Every provider

#[tokio::test]
async fn each_provider_gets_temporary_credentials_from_the_emulator_and_creates_a_restore_task() {
    let emulator = start_with(EmulatorConfig::default()).await;
    let url = emulator.url();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, oidc_token()).unwrap();

    for version in VERSIONS {
        // Temporary credentials are STS.… keys with a SecurityToken and an expiration.
        for sts_signature in VERSIONS {
            let provider = ram_role(&url, sts_signature);
            let credentials = provider.provide().await.unwrap();
            assert!(credentials.access_key_id().starts_with("STS."));
            assert!(credentials.security_token().is_some() && credentials.expiration().is_some());
            let id = create(&client(&url, version, provider), "via-ram-role")
                .await
                .unwrap();
            assert!(!id.is_empty());
        }
        create(&client(&url, version, oidc(&url, &token_file)), "via-oidc")
            .await
            .unwrap();
        create(&client(&url, version, ecs(&url)), "via-ecs-role")
            .await
            .unwrap();
        create(&client(&url, version, uri(&url)), "via-credentials-uri")
            .await
            .unwrap();
    }

    let state = emulator.state();
    let counters = &state.credentials;
    // Per DBS signature: 2 direct provide calls + 2 cached clients for the role.
    assert_eq!(counters.assume_role, 8);
    assert_eq!(counters.assume_role_with_oidc, 2);
    assert_eq!(counters.metadata_token, 2);
    // The role list, then the role's credentials.
    assert_eq!(counters.metadata_credentials, 4);
    assert_eq!(counters.credentials_uri, 2);
    assert_eq!(state.restore_tasks.len(), 10);
}

#[tokio::test]
async fn the_ecs_role_name_from_the_environment_and_a_ram_role_over_it() {
    let emulator = start_with(EmulatorConfig::default()).await;
    let url = emulator.url();
    // A RAM role assumed with the instance role's credentials (a ChainableRamRoleArn setup).
    let instance = EcsRamRoleProvider::builder()
        .env_lookup(env(&[
            ("DBS_ECS_METADATA_ENDPOINT", url.as_str()),
            ("ALIBABA_CLOUD_ECS_METADATA", ECS_ROLE),
        ]))
        .build()
        .unwrap();
    let role = RamRoleArnProvider::builder()
        .source(instance)
        .role_arn(DEMO_ROLE_ARN)
        .sts_endpoint(StsEndpoint::new().url(&url))
        .env_lookup(env(&[]))
        .build()
        .unwrap();
    let credentials = role.provide().await.unwrap();
    let source = credentials.source().unwrap();
    assert!(
        source.contains(&format!("ecs ram role {ECS_ROLE}")),
        "{source}"
    );
    create(&client(&url, SignatureVersion::V3, role), "chained")
        .await
        .unwrap();
    let counters = emulator.state().credentials;
    // No discovery: the token, then the named role's credentials, twice.
    assert_eq!(counters.metadata_credentials, 2);
    assert_eq!(counters.assume_role, 2);
}

// ---------------------------------------------------------------------------------------------
// 2. Concurrency across a refresh

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_calls_after_80_percent_of_a_5_second_lifetime_share_one_refresh() {
    let emulator = start_with(EmulatorConfig::default().sts_credential_lifetime_ms(5_000)).await;
    let url = emulator.url();
    let client = client(
        &url,
        SignatureVersion::V3,
        ram_role(&url, SignatureVersion::V1),
    );
    let fetched = Instant::now();
    create(&client, "before").await.unwrap();
    assert_eq!(emulator.state().credentials.assume_role, 1);

    // Past 80% of the lifetime (refresh due), around the old credentials' expiry.
    sleep_until(fetched, Duration::from_millis(4_500)).await;
    let calls: Vec<_> = (0..50)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { create(&client, &format!("concurrent-{n}")).await })
        })
        .collect();
    for call in calls {
        // A call signed with one key and another key's token or secret would be refused
        // (InvalidSecurityToken.MismatchWithAccessKey / SignatureDoesNotMatch).
        call.await.unwrap().unwrap();
    }
    let state = emulator.state();
    assert_eq!(
        state.credentials.assume_role, 2,
        "one initial fetch, one refresh"
    );
    assert_eq!(state.credentials.issued, 2);
    assert_eq!(state.restore_tasks.len(), 51);
}

// ---------------------------------------------------------------------------------------------
// 3. Expiry

#[tokio::test]
async fn expired_credentials_are_refused_and_the_refreshed_ones_accepted() {
    let emulator = start_with(EmulatorConfig::default().sts_credential_lifetime_ms(2_000)).await;
    let url = emulator.url();
    let old = ram_role(&url, SignatureVersion::V1)
        .provide()
        .await
        .unwrap();
    let fetched = Instant::now();
    let cached = client(
        &url,
        SignatureVersion::V3,
        ram_role(&url, SignatureVersion::V3),
    );
    create(&cached, "fresh").await.unwrap();

    sleep_until(fetched, Duration::from_millis(3_100)).await;
    for version in VERSIONS {
        let stale = client(&url, version, StaticProvider::new(old.clone()));
        let error = create(&stale, "stale").await.unwrap_err();
        assert_eq!(
            error.code(),
            Some("InvalidSecurityToken.Expired"),
            "{error}"
        );
        assert_eq!(error.http_status(), Some(400), "{error}");
    }
    // The cached client's credentials expired too: it refreshes and is accepted.
    create(&cached, "refreshed").await.unwrap();
    assert_eq!(emulator.state().credentials.assume_role, 3);
}

// ---------------------------------------------------------------------------------------------
// 4. A failing STS

#[tokio::test]
async fn a_failing_sts_keeps_the_valid_credentials_in_use() {
    // 10 s: the refresh is due at 8 s, and the credentials stay valid past 9 s even when the
    // Expiration's whole seconds cut up to one off.
    let emulator = start_with(EmulatorConfig::default().sts_credential_lifetime_ms(10_000)).await;
    let url = emulator.url();
    let client = client(
        &url,
        SignatureVersion::V3,
        ram_role(&url, SignatureVersion::V1),
    );
    let fetched = Instant::now();
    create(&client, "first").await.unwrap();

    sleep_until(fetched, Duration::from_millis(8_300)).await;
    emulator
        .inject_fault(Fault::new("AssumeRole", FaultKind::Status).count(1))
        .unwrap();
    create(&client, "kept").await.unwrap();
    let state = emulator.state();
    assert_eq!(state.credentials.assume_role, 2, "the refresh was tried");
    assert_eq!(
        state.credentials.issued, 1,
        "and failed: the old credentials signed"
    );
    assert!(state.faults.is_empty());

    // After the short wait that follows a failure, the next call refreshes.
    tokio::time::sleep(Duration::from_millis(600)).await;
    create(&client, "refreshed").await.unwrap();
    let state = emulator.state();
    assert_eq!(state.credentials.issued, 2);
    assert_eq!(state.restore_tasks.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// 5. Nothing configured

#[tokio::test]
async fn the_default_chain_with_nothing_configured_fails_without_any_connection() {
    let emulator = start_with(EmulatorConfig::default()).await;
    let url = emulator.url();
    let home = tempfile::tempdir().unwrap();
    let chain = DefaultChain::new()
        .with_home(home.path())
        .with_env_lookup(env(&[]))
        .build();
    let client = Arc::new(client(&url, SignatureVersion::V3, chain));
    let error = create(&client, "nothing").await.unwrap_err();
    let Error::Credentials(CredentialsError::NoneFound(skipped)) = &error else {
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
    assert!(!error.was_sent(), "{error}");
    let state = emulator.state();
    assert!(state.requests.is_empty(), "{:?}", state.requests);
    assert_eq!(state.credentials, Default::default());
}
