//! The emulator as STS, the ECS metadata service and a credentials URI: each answer's shape as
//! the official credential library (`alibabacloud_credentials` 1.0.12, `provider/`) reads it,
//! the issued credentials accepted by the gateway with their SecurityToken and refused once
//! expired or with the wrong token, faults, counters and bounds.
//!
//! Requests are signed by the tests' own signer (`dbs_tests::signer`), never by the code under
//! test.

// Tests fail by panicking: `expect` on answers the test itself asked for is the clearest way.
#![allow(clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Answer, Placement, V1, V3, assert_gateway_error, assert_success, pairs, rds_params};
use dbs_emulator::sts::{DEMO_OIDC_PROVIDER_ARN, DEMO_ROLE_ARN};
use dbs_emulator::{EmulatorConfig, EmulatorHandle, Fault, FaultKind};
use serde_json::Value;
use time::OffsetDateTime;

/// The STS API version (the AssumeRole reference, and `Version` in the official providers).
const STS_VERSION: &str = "2015-04-01";

/// Temporary credentials as an answer gave them.
#[derive(Clone, Debug)]
struct Temporary {
    id: String,
    secret: String,
    token: String,
    expiration: OffsetDateTime,
}

/// `%Y-%m-%dT%H:%M:%SZ`, the only form the official providers parse (`time.strptime`).
fn parse_expiration(text: &str) -> OffsetDateTime {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::PrimitiveDateTime::parse(text, format)
        .unwrap_or_else(|e| panic!("Expiration {text:?} is not %Y-%m-%dT%H:%M:%SZ: {e}"))
        .assume_utc()
}

/// The credentials of a document with `AccessKeyId`, `AccessKeySecret`, `SecurityToken` and
/// `Expiration`, which every official provider requires.
fn temporary(document: &Value) -> Temporary {
    let text = |name: &str| {
        document[name]
            .as_str()
            .unwrap_or_else(|| panic!("{name} in {document}"))
            .to_owned()
    };
    let id = text("AccessKeyId");
    assert!(id.starts_with("STS."), "{id}");
    let secret = text("AccessKeySecret");
    let token = text("SecurityToken");
    assert!(!secret.is_empty() && !token.is_empty());
    Temporary {
        id,
        secret,
        token,
        expiration: parse_expiration(&text("Expiration")),
    }
}

/// Seconds from now to `at`.
fn seconds_from_now(at: OffsetDateTime) -> i64 {
    (at - OffsetDateTime::now_utc()).whole_seconds()
}

fn assume_role_params(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut params = pairs(&[("RoleArn", DEMO_ROLE_ARN), ("RoleSessionName", "dbs-test")]);
    params.extend(pairs(extra));
    params
}

/// AssumeRole signed V1 with every parameter in the query of a GET, as the official
/// RamRoleArn provider sends it.
fn assume_role_v1(extra: &[(&str, &str)]) -> V1 {
    V1::new(assume_role_params(extra), Placement::Query)
        .method("GET")
        .set("Action", "AssumeRole")
        .set("Version", STS_VERSION)
}

/// CreateRestoreTask signed V1 with temporary credentials, the token as the `SecurityToken`
/// parameter (or none).
fn restore_v1_with(credentials: &Temporary, token: Option<&str>) -> V1 {
    let mut v1 = V1::new(rds_params(), Placement::Body)
        .set("AccessKeyId", &credentials.id)
        .secret(&credentials.secret);
    if let Some(token) = token {
        v1 = v1.set("SecurityToken", token);
    }
    v1
}

/// CreateRestoreTask signed V3 with temporary credentials, the token in
/// `x-acs-security-token`.
fn restore_v3_with(url: &str, credentials: &Temporary) -> V3 {
    let mut v3 =
        V3::new(url, vec![], rds_params()).header("x-acs-security-token", &credentials.token);
    v3.access_key_id = credentials.id.clone();
    v3.secret = credentials.secret.clone();
    v3
}

async fn get(url: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = common::client().get(format!("{url}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

async fn from_uri(url: &str) -> Temporary {
    let (status, text) = get(url, "/credentials-uri", &[]).await;
    assert_eq!(status, 200, "{text}");
    temporary(&serde_json::from_str(&text).expect("JSON"))
}

async fn metadata_token(url: &str, ttl: &str) -> (u16, String) {
    let response = common::client()
        .put(format!("{url}/latest/api/token"))
        .header("X-aliyun-ecs-metadata-token-ttl-seconds", ttl)
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

const ROLE_PATH: &str = "/latest/meta-data/ram/security-credentials/";

#[tokio::test]
async fn assume_role_v1_answers_stss_shape_and_its_credentials_call_dbs_with_v1_and_v3() {
    let emulator = common::start().await;
    let url = emulator.url();
    let answer = common::send(&url, &assume_role_v1(&[]).build()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // The AssumeRole reference's answer: RequestId, AssumedRoleUser {Arn, AssumedRoleId},
    // Credentials {AccessKeyId, AccessKeySecret, SecurityToken, Expiration}.
    common::assert_request_id(answer.body["RequestId"].as_str().expect("RequestId"));
    assert_eq!(
        answer.body["AssumedRoleUser"]["Arn"],
        "acs:ram::1234567890123456:role/dbs-restore/dbs-test"
    );
    let role_id = answer.body["AssumedRoleUser"]["AssumedRoleId"]
        .as_str()
        .expect("AssumedRoleId");
    assert!(role_id.ends_with(":dbs-test"), "{role_id}");
    let credentials = temporary(&answer.body["Credentials"]);
    // DurationSeconds defaults to 3600 (the reference; the official provider's default too).
    let left = seconds_from_now(credentials.expiration);
    assert!((3590..=3600).contains(&left), "{left}");

    let v1 = restore_v1_with(&credentials, Some(&credentials.token)).build();
    assert_success(&common::send(&url, &v1).await);
    let v3 = restore_v3_with(&url, &credentials).build();
    assert_success(&common::send(&url, &v3).await);
    assert_eq!(emulator.state().credentials.assume_role, 1);
    assert_eq!(emulator.state().credentials.issued, 1);
}

#[tokio::test]
async fn assume_role_v3_takes_duration_seconds_and_chains_from_temporary_credentials() {
    let emulator = common::start().await;
    let url = emulator.url();
    let v3 = V3::new(
        &url,
        vec![],
        assume_role_params(&[("DurationSeconds", "900")]),
    )
    .header("x-acs-action", "AssumeRole")
    .header("x-acs-version", STS_VERSION);
    let answer = common::send(&url, &v3.build()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let first = temporary(&answer.body["Credentials"]);
    let left = seconds_from_now(first.expiration);
    assert!((890..=900).contains(&left), "{left}");

    // A role chain: the temporary credentials assume the role again (V1, token signed along).
    let chained = assume_role_v1(&[])
        .set("AccessKeyId", &first.id)
        .set("SecurityToken", &first.token)
        .secret(&first.secret);
    let answer = common::send(&url, &chained.build()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let second = temporary(&answer.body["Credentials"]);
    assert_ne!(second.id, first.id);
}

#[tokio::test]
async fn assume_role_refusals_use_stss_codes_in_the_gateway_shape() {
    let emulator = common::start().await;
    let url = emulator.url();
    let cases = [
        ("dbs-restore", 400, "InvalidParameter.RoleArn"),
        ("acs:ram::1234567890123456:role/admin", 403, "NoPermission"),
    ];
    for (role_arn, status, code) in cases {
        let v1 = V1::new(
            pairs(&[("RoleSessionName", "dbs-test"), ("RoleArn", role_arn)]),
            Placement::Query,
        )
        .method("GET")
        .set("Action", "AssumeRole")
        .set("Version", STS_VERSION);
        let answer = common::send(&url, &v1.build()).await;
        assert_eq!(
            (answer.status, answer.code()),
            (status, code),
            "{}",
            answer.text
        );
        assert!(answer.body["HostId"].is_string() && answer.body["Message"].is_string());
    }
    let answer = common::send(&url, &assume_role_v1(&[("DurationSeconds", "60")]).build()).await;
    assert_eq!(answer.code(), "InvalidParameter.DurationSeconds");
    // The signature is checked like any call's.
    let answer = common::send(&url, &assume_role_v1(&[]).secret("wrong").build()).await;
    assert_gateway_error(&answer, 400, "SignatureDoesNotMatch", &url);
    // Another action of STS's version is not an API the emulator has.
    let answer = common::send(
        &url,
        &assume_role_v1(&[])
            .set("Action", "GetCallerIdentity")
            .build(),
    )
    .await;
    assert_gateway_error(&answer, 400, "InvalidVersion", &url);
}

fn jwt(payload: &str) -> String {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.c2lnbmF0dXJl",
        b64(r#"{"alg":"RS256","typ":"JWT"}"#),
        b64(payload)
    )
}

/// AssumeRoleWithOIDC as the official OIDC provider sends it: a GET with its parameters in
/// the query, unsigned.
async fn assume_role_with_oidc(url: &str, token: &str) -> Answer {
    assume_role_with_oidc_from(url, token, None).await
}

/// [`assume_role_with_oidc`] with another `Host` header.
async fn assume_role_with_oidc_from(url: &str, token: &str, host: Option<&str>) -> Answer {
    let query = dbs_tests::form::encode_form(&pairs(&[
        ("Action", "AssumeRoleWithOIDC"),
        ("Format", "JSON"),
        ("Version", STS_VERSION),
        ("DurationSeconds", "3600"),
        ("RoleArn", DEMO_ROLE_ARN),
        ("OIDCProviderArn", DEMO_OIDC_PROVIDER_ARN),
        ("OIDCToken", token),
        ("RoleSessionName", "pod-restore"),
        ("Timestamp", &common::now()),
    ]));
    let mut request = common::client().get(format!("{url}/?{query}"));
    if let Some(host) = host {
        request = request.header("Host", host);
    }
    let response = request.send().await.expect("an answer");
    common::answer(response).await.expect("an answer")
}

#[tokio::test]
async fn assume_role_with_oidc_is_anonymous_and_checks_the_tokens_shape_and_expiry() {
    let emulator = common::start().await;
    let url = emulator.url();
    let exp = OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let token = jwt(&format!(
        r#"{{"sub":"system:serviceaccount:dbs:restore","iss":"https://oidc-ack.cn-hangzhou.aliyuncs.com/c1","aud":"sts.aliyuncs.com","exp":{exp},"iat":{}}}"#,
        exp - 3600
    ));
    let answer = assume_role_with_oidc(&url, &token).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let credentials = temporary(&answer.body["Credentials"]);
    // OIDCTokenInfo, as the AssumeRoleWithOIDC reference lists it.
    let info = &answer.body["OIDCTokenInfo"];
    assert_eq!(info["Subject"], "system:serviceaccount:dbs:restore");
    assert_eq!(
        info["Issuer"],
        "https://oidc-ack.cn-hangzhou.aliyuncs.com/c1"
    );
    assert_eq!(info["ClientIds"], "sts.aliyuncs.com");
    assert_eq!(info["VerificationInfo"], "Success");
    assert_eq!(
        parse_expiration(info["ExpirationTime"].as_str().expect("text")).unix_timestamp(),
        exp
    );
    let v1 = restore_v1_with(&credentials, Some(&credentials.token)).build();
    assert_success(&common::send(&url, &v1).await);

    let expired = jwt(r#"{"sub":"s","exp":1600000000}"#);
    let answer = assume_role_with_oidc(&url, &expired).await;
    assert_eq!(
        (answer.status, answer.code()),
        (401, "AuthenticationFail.OIDCToken.Expired")
    );
    let answer = assume_role_with_oidc(&url, "not-a-jwt").await;
    assert_eq!(
        (answer.status, answer.code()),
        (401, "AuthenticationFail.OIDCToken.Invalid")
    );
    // Anonymous, so for local callers only: not for a web page reaching it by DNS rebinding.
    let answer = assume_role_with_oidc_from(&url, &token, Some("rebound.example:8080")).await;
    assert_eq!((answer.status, answer.code()), (403, "Forbidden.RAM"));
    assert_eq!(emulator.state().credentials.assume_role_with_oidc, 4);
    assert_eq!(emulator.state().credentials.issued, 1);
}

#[tokio::test]
async fn expired_credentials_are_refused_and_fresh_ones_accepted() {
    // Expiration is written in whole seconds, rounded down: 2.5 s leaves at least 1.5 s.
    let emulator =
        common::start_with(EmulatorConfig::default().sts_credential_lifetime_ms(2500)).await;
    let url = emulator.url();
    let old = from_uri(&url).await;
    assert!(seconds_from_now(old.expiration) <= 3);
    assert_success(&common::send(&url, &restore_v1_with(&old, Some(&old.token)).build()).await);
    // Bounded wait past the Expiration it announced.
    let mut waited = 0;
    while OffsetDateTime::now_utc() < old.expiration && waited < 40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let refused = common::send(&url, &restore_v1_with(&old, Some(&old.token)).build()).await;
    assert_gateway_error(&refused, 400, "InvalidSecurityToken.Expired", &url);
    assert!(
        refused
            .message()
            .starts_with("Specified SecurityToken is expired.")
    );
    let refused = common::send(&url, &restore_v3_with(&url, &old).build()).await;
    assert_gateway_error(&refused, 400, "InvalidSecurityToken.Expired", &url);

    let fresh = from_uri(&url).await;
    assert_success(&common::send(&url, &restore_v3_with(&url, &fresh).build()).await);
}

#[tokio::test]
async fn a_wrong_missing_or_unknown_token_is_refused_with_alibabas_codes() {
    let emulator = common::start().await;
    let url = emulator.url();
    let a = from_uri(&url).await;
    let b = from_uri(&url).await;
    let cases = [
        (
            Some(b.token.as_str()),
            "InvalidSecurityToken.MismatchWithAccessKey",
        ),
        (None, "MissingSecurityToken"),
        (
            Some("CAISnot-a-token-it-issued"),
            "InvalidSecurityToken.Malformed",
        ),
    ];
    for (token, code) in cases {
        let answer = common::send(&url, &restore_v1_with(&a, token).build()).await;
        assert_gateway_error(&answer, 400, code, &url);
        assert!(!answer.text.contains(&a.token) && !answer.text.contains(&b.token));
    }
    let unknown = Temporary {
        id: "STS.NotIssuedByTheEmulator".to_owned(),
        ..a.clone()
    };
    let answer = common::send(&url, &restore_v1_with(&unknown, Some(&a.token)).build()).await;
    assert_gateway_error(&answer, 404, "InvalidAccessKeyId.NotFound", &url);
    // The token is signed: replacing it after signing breaks the V3 signature.
    let mut v3 = restore_v3_with(&url, &a);
    v3.tamper
        .push(("x-acs-security-token".to_owned(), b.token.clone()));
    let answer = common::send(&url, &v3.build()).await;
    assert_gateway_error(
        &answer,
        400,
        "InvalidSecurityToken.MismatchWithAccessKey",
        &url,
    );
}

#[tokio::test]
async fn a_permanent_key_sent_with_a_security_token_is_accepted_as_before() {
    let emulator = common::start().await;
    let url = emulator.url();
    let v1 = V1::new(rds_params(), Placement::Body).set("SecurityToken", "CAISanything");
    assert_success(&common::send(&url, &v1.build()).await);
    let v3 = V3::new(&url, vec![], rds_params()).header("x-acs-security-token", "CAISanything");
    assert_success(&common::send(&url, &v3.build()).await);
    assert_eq!(emulator.state().credentials.issued, 0);
}

#[tokio::test]
async fn the_metadata_service_enforces_imdsv2_and_answers_the_documents_shape() {
    let emulator = common::start().await;
    let url = emulator.url();
    let (status, token) = metadata_token(&url, "21600").await;
    assert_eq!(status, 200);
    assert!(!token.is_empty());
    for ttl in ["0", "21601", "six hours"] {
        assert_eq!(metadata_token(&url, ttl).await.0, 400, "{ttl}");
    }
    let with_token = [("X-aliyun-ecs-metadata-token", token.as_str())];
    assert_eq!(
        get(&url, ROLE_PATH, &with_token).await,
        (200, "dbs-ecs-role".to_owned())
    );
    let (status, text) = get(&url, &format!("{ROLE_PATH}dbs-ecs-role"), &with_token).await;
    assert_eq!(status, 200, "{text}");
    let document: Value = serde_json::from_str(&text).expect("JSON");
    // What the official ECS RAM role provider reads: Code "Success", the three values and
    // Expiration; LastUpdated as the metadata service writes it.
    assert_eq!(document["Code"], "Success");
    let credentials = temporary(&document);
    parse_expiration(document["LastUpdated"].as_str().expect("LastUpdated"));
    assert_success(&common::send(&url, &restore_v3_with(&url, &credentials).build()).await);

    assert_eq!(
        get(&url, &format!("{ROLE_PATH}dbs-ecs-role"), &[]).await.0,
        401
    );
    let bad = [("X-aliyun-ecs-metadata-token", "forged")];
    assert_eq!(get(&url, ROLE_PATH, &bad).await.0, 401);
    assert_eq!(
        get(&url, &format!("{ROLE_PATH}other-role"), &with_token)
            .await
            .0,
        404
    );
    let counters = emulator.state().credentials;
    assert_eq!(
        (counters.metadata_token, counters.metadata_credentials),
        (4, 5)
    );

    let v1_allowed = common::start_with(EmulatorConfig::default().imds_v1_allowed(true)).await;
    let (status, text) = get(&v1_allowed.url(), &format!("{ROLE_PATH}dbs-ecs-role"), &[]).await;
    assert_eq!(status, 200, "{text}");
}

#[tokio::test]
async fn the_credentials_uri_answers_the_documents_shape_to_local_callers_only() {
    let emulator = common::start().await;
    let url = emulator.url();
    let (status, text) = get(&url, "/credentials-uri?role=restore&x=1", &[]).await;
    assert_eq!(status, 200);
    let document: Value = serde_json::from_str(&text).expect("JSON");
    // The official URI provider requires Code "Success" and the four fields.
    assert_eq!(document["Code"], "Success");
    let credentials = temporary(&document);
    assert_success(
        &common::send(
            &url,
            &restore_v1_with(&credentials, Some(&credentials.token)).build(),
        )
        .await,
    );
    let response = common::client()
        .post(format!("{url}/credentials-uri"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 405);
    // A web page reaching the emulator through DNS rebinding sends its own host name.
    for path in ["/credentials-uri", ROLE_PATH] {
        let (status, _) = get(&url, path, &[("Host", "rebound.example:8080")]).await;
        assert_eq!(status, 403, "{path}");
    }
}

#[tokio::test]
async fn faults_make_the_endpoints_fail_for_the_next_calls_and_are_counted() {
    let emulator: EmulatorHandle = common::start().await;
    let url = emulator.url();
    emulator
        .inject_fault(Fault::new("CredentialsUri", FaultKind::Status).count(2))
        .expect("a fault");
    emulator
        .inject_fault(Fault::new("EcsMetadata", FaultKind::Status))
        .expect("a fault");
    emulator
        .inject_fault(Fault::new("AssumeRole", FaultKind::Status))
        .expect("a fault");
    for _ in 0..2 {
        assert_eq!(get(&url, "/credentials-uri", &[]).await.0, 503);
    }
    let _ = from_uri(&url).await;
    assert_eq!(metadata_token(&url, "60").await.0, 503);
    assert_eq!(metadata_token(&url, "60").await.0, 200);
    let answer = common::send(&url, &assume_role_v1(&[]).build()).await;
    assert_gateway_error(&answer, 503, "ServiceUnavailable", &url);
    let answer = common::send(&url, &assume_role_v1(&[]).build()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let state = emulator.state();
    assert_eq!(state.credentials.credentials_uri, 3);
    assert_eq!(state.credentials.metadata_token, 2);
    assert_eq!(state.credentials.assume_role, 2);
    assert_eq!(state.credentials.issued, 2);
    assert_eq!(state.requests.get("AssumeRole"), Some(&2));
    assert!(state.faults.is_empty());
}

#[tokio::test]
async fn the_store_of_temporary_credentials_is_bounded() {
    let emulator = common::start_with(EmulatorConfig::default().max_temporary_credentials(2)).await;
    let url = emulator.url();
    let first = from_uri(&url).await;
    let second = from_uri(&url).await;
    let third = from_uri(&url).await;
    // None expired: the one expiring soonest (the first) was forgotten.
    let answer = common::send(&url, &restore_v1_with(&first, Some(&first.token)).build()).await;
    assert_gateway_error(&answer, 404, "InvalidAccessKeyId.NotFound", &url);
    for kept in [second, third] {
        assert_success(
            &common::send(&url, &restore_v1_with(&kept, Some(&kept.token)).build()).await,
        );
    }
}

/// A flood of concurrent AssumeRole calls (signed V1 by the demo account) and credentials-URI
/// calls against a store of 8: every call is answered with distinct credentials, the store
/// keeps exactly 8, and the gateway accepts exactly those.
#[tokio::test]
async fn a_concurrent_flood_of_issues_keeps_the_store_bounded() {
    const CALLS: usize = 32;
    let emulator = common::start_with(EmulatorConfig::default().max_temporary_credentials(8)).await;
    let url = emulator.url();
    let mut tasks = Vec::new();
    for n in 0..CALLS {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            if n % 2 == 0 {
                return from_uri(&url).await;
            }
            let answer = common::send(&url, &assume_role_v1(&[]).build()).await;
            assert_eq!(answer.status, 200, "{}", answer.text);
            temporary(&answer.body["Credentials"])
        }));
    }
    let mut issued = Vec::new();
    for task in tasks {
        issued.push(task.await.expect("a task"));
    }
    let mut ids: Vec<&str> = issued.iter().map(|t| t.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), CALLS);
    let state = emulator.state().credentials;
    assert_eq!(state.issued, CALLS as u64);
    assert_eq!(state.assume_role + state.credentials_uri, CALLS as u64);
    let mut accepted = 0;
    for credentials in &issued {
        let answer = common::send(
            &url,
            &restore_v1_with(credentials, Some(&credentials.token)).build(),
        )
        .await;
        if answer.status == 200 {
            accepted += 1;
        } else {
            assert_gateway_error(&answer, 404, "InvalidAccessKeyId.NotFound", &url);
        }
    }
    assert_eq!(accepted, 8);
}
