//! The network credentials providers (RAM role, OIDC, ECS instance role, credentials URI) and
//! the profiles and chain that lead to them, against a loopback server answering in the
//! official shapes.
//!
//! Where the expected values come from:
//! - STS answers: the examples of Alibaba's STS API reference for `AssumeRole` and
//!   `AssumeRoleWithOIDC` (API version 2015-04-01), and its error shape
//!   (`RequestId`, `HostId`, `Code`, `Message`);
//! - request shapes: what the official credentials library (`alibabacloud_credentials`,
//!   `provider/ram_role_arn.py`, `oidc.py`, `ecs_ram_role.py`, `uri.py`) sends: `Action`,
//!   `Version=2015-04-01`, `Format=JSON`, `RoleArn`, `RoleSessionName`, `DurationSeconds=3600`,
//!   HMAC-SHA1 `SignatureMethod`/`SignatureVersion=1.0`; the metadata paths
//!   `/latest/api/token`, `/latest/meta-data/ram/security-credentials/` and the headers
//!   `X-aliyun-ecs-metadata-token-ttl-seconds: 21600`, `X-aliyun-ecs-metadata-token`;
//! - V1 signatures: recomputed with `dbs_tests::signer`, written from the API reference
//!   independently of `dbs_api::signing`.
//!
//! Every server is on 127.0.0.1; every provider is pointed at it through its builder or the
//! injected environment (`DBS_STS_ENDPOINT`, `DBS_ECS_METADATA_ENDPOINT`), never at an Alibaba
//! address or the metadata address.

mod support;

use std::fs;
use std::path::Path;
use std::time::SystemTime;
use support::credentials::{env, expect_invalid, expect_unavailable};

use dbs_api::credentials::{
    AliyunCliProfileProvider, Credentials, CredentialsError, CredentialsUriProvider, DefaultChain,
    EcsRamRoleProvider, MAX_CREDENTIALS_ANSWER_BYTES, OidcRoleArnProvider, ProvideCredentials,
    RamRoleArnProvider, SharedCredentialsFileProvider, StaticProvider, StsEndpoint,
};
use dbs_api::signing::SignatureVersion;
use dbs_tests::{Recorded, Reply, Server, signer};

const ID: &str = "LTAI-source-id";
const SECRET: &str = "Source-S3cret-never-printed-0123";
const ROLE: &str = "acs:ram::1234567890123456:role/dbs-restore";
const OIDC_PROVIDER: &str = "acs:ram::1234567890123456:oidc-provider/ack-rrsa-demo";
/// A JWT-shaped token (three base64url parts), as ACK RRSA mounts.
const OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLW9mLXRva2Vu";

/// The example answer of STS `AssumeRole` in Alibaba's API reference.
const ASSUME_ROLE_ANSWER: &str = r#"{
  "RequestId": "6894B13B-6D71-4EF5-88FA-F32781734A7F",
  "AssumedRoleUser": {
    "AssumedRoleId": "34458433936495****:alice",
    "Arn": "acs:ram::123456789012****:role/alice/alice"
  },
  "Credentials": {
    "SecurityToken": "********",
    "Expiration": "2015-04-09T11:52:19Z",
    "AccessKeySecret": "wyLTSmsyPGP1ohvvw8xYgB29dlGI8KMiH2pK****",
    "AccessKeyId": "STS.L4aBSCSJVMuKg5U1****"
  }
}"#;

/// The example answer of STS `AssumeRoleWithOIDC` in Alibaba's API reference.
const ASSUME_ROLE_WITH_OIDC_ANSWER: &str = r#"{
  "RequestId": "3D57EAD2-8723-1F26-B69C-F8707D8B565D",
  "OIDCTokenInfo": {
    "Subject": "KryrkIdjylZb7agUgCEf****",
    "Issuer": "https://dev-xxxxxx.okta.com",
    "ClientIds": "496271242565057****"
  },
  "AssumedRoleUser": {
    "AssumedRoleId": "33157794895460****",
    "Arn": "acs:ram::113511544585****:role/testoidc/TestOidcAssumedRoleSession"
  },
  "Credentials": {
    "SecurityToken": "CAIShwJ1q6Ft5B2yfSjIr5bSEsj4g7BihPWGWHz****",
    "Expiration": "2021-10-20T04:27:09Z",
    "AccessKeySecret": "CVwjCkNzTMupZ8NbTCxCBRq3K16jtcWFTJAyBEv2****",
    "AccessKeyId": "STS.NUgYrLnoC37mZZCNnAbez****"
  }
}"#;

/// The answer of the metadata service for a role, in the shape of Alibaba's ECS documentation
/// and the official library (`Code`, the four fields, `LastUpdated`).
const ECS_ANSWER: &str = r#"{
  "AccessKeyId": "STS.N8XxGmTdSgnkZ3N8****",
  "AccessKeySecret": "3dyBQrUbyvHB7JQc3mC7Mij9xmdLmC6sHNz4****",
  "Expiration": "2026-12-07T10:00:00Z",
  "SecurityToken": "CAIS9AF1q6Ft5B2yfSjIr5fYBM3un****",
  "LastUpdated": "2026-12-07T04:00:00Z",
  "Code": "Success"
}"#;

/// An environment made of `vars` only.
fn at(text: &str) -> SystemTime {
    let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .expect("an RFC 3339 time");
    parsed.into()
}

fn source() -> StaticProvider {
    StaticProvider::new(Credentials::new(ID, SECRET))
}

fn ram_role(server: &Server) -> dbs_api::credentials::RamRoleArnProviderBuilder {
    RamRoleArnProvider::builder()
        .source(source())
        .role_arn(ROLE)
        .sts_endpoint(StsEndpoint::new().url(server.url()))
        .env_lookup(env(&[]))
}

/// Every parameter of a V1 request: query and form body together.
fn all_params(request: &Recorded) -> Vec<(String, String)> {
    let mut params = request.query_params();
    params.extend(request.body_params());
    params
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Checks the V1 `Signature` of `request` with the independent signer.
fn assert_v1_signed_by(request: &Recorded, secret: &str) {
    let mut params = all_params(request);
    let signature = param(&params, "Signature").expect("a Signature").to_owned();
    params.retain(|(k, _)| k != "Signature");
    let string_to_sign = signer::v1_string_to_sign(&request.method, &params);
    assert_eq!(
        signature,
        signer::v1_signature(&string_to_sign, secret),
        "the V1 signature, recomputed over: {string_to_sign}"
    );
}

// ---------------------------------------------------------------------------------------------
// RamRoleArnProvider and STS AssumeRole

#[tokio::test]
async fn assume_role_sends_the_official_request_signed_v1_and_reads_the_answer() {
    let server = Server::scripted(vec![Reply::json(200, ASSUME_ROLE_ANSWER)]).await;
    let provider = ram_role(&server)
        .role_session_name("nightly-restore")
        .build()
        .expect("a provider");
    let credentials = provider.provide().await.expect("credentials");

    assert_eq!(credentials.access_key_id(), "STS.L4aBSCSJVMuKg5U1****");
    assert_eq!(
        credentials.access_key_secret().expose(),
        "wyLTSmsyPGP1ohvvw8xYgB29dlGI8KMiH2pK****"
    );
    assert_eq!(
        credentials.security_token().map(|t| t.expose().as_str()),
        Some("********")
    );
    assert_eq!(credentials.expiration(), Some(at("2015-04-09T11:52:19Z")));
    let source = credentials.source().expect("a source");
    assert!(source.starts_with("ram role arn "), "{source}");
    assert!(
        source.contains(ROLE) && source.contains("static"),
        "{source}"
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!((request.method.as_str(), request.path()), ("POST", "/"));
    let params = all_params(request);
    for (name, value) in [
        ("Action", "AssumeRole"),
        ("Version", "2015-04-01"),
        ("Format", "JSON"),
        ("AccessKeyId", ID),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("RoleArn", ROLE),
        ("RoleSessionName", "nightly-restore"),
        ("DurationSeconds", "3600"),
    ] {
        assert_eq!(param(&params, name), Some(value), "{name}");
    }
    assert_eq!(param(&params, "SecurityToken"), None);
    assert_eq!(param(&params, "Policy"), None);
    assert_v1_signed_by(request, SECRET);
    // The business parameters travel in the body, not the URL.
    assert!(!request.query().contains("RoleArn"), "{}", request.target);
}

#[tokio::test]
async fn assume_role_carries_the_source_token_policy_external_id_and_duration() {
    let server = Server::scripted(vec![Reply::json(200, ASSUME_ROLE_ANSWER)]).await;
    let provider = RamRoleArnProvider::builder()
        .source(StaticProvider::new(
            Credentials::new("STS.source", SECRET).with_security_token("source-token-value"),
        ))
        .role_arn(ROLE)
        .policy(r#"{"Version":"1","Statement":[]}"#)
        .external_id("abcd1234")
        .duration_seconds(900)
        .sts_endpoint(StsEndpoint::new().url(server.url()))
        .env_lookup(env(&[("ALIBABA_CLOUD_ROLE_SESSION_NAME", "from-env")]))
        .build()
        .expect("a provider");
    provider.provide().await.expect("credentials");
    let request = &server.requests()[0];
    let params = all_params(request);
    assert_eq!(param(&params, "SecurityToken"), Some("source-token-value"));
    assert_eq!(
        param(&params, "Policy"),
        Some(r#"{"Version":"1","Statement":[]}"#)
    );
    assert_eq!(param(&params, "ExternalId"), Some("abcd1234"));
    assert_eq!(param(&params, "DurationSeconds"), Some("900"));
    assert_eq!(param(&params, "RoleSessionName"), Some("from-env"));
    assert_v1_signed_by(request, SECRET);
}

#[tokio::test]
async fn assume_role_signed_v3_sends_the_acs3_headers() {
    let server = Server::scripted(vec![Reply::json(200, ASSUME_ROLE_ANSWER)]).await;
    let provider = ram_role(&server)
        .signature_version(SignatureVersion::V3)
        .build()
        .expect("a provider");
    provider.provide().await.expect("credentials");
    let request = &server.requests()[0];
    assert_eq!(request.header("x-acs-action"), Some("AssumeRole"));
    assert_eq!(request.header("x-acs-version"), Some("2015-04-01"));
    let authorization = request.header("authorization").expect("authorization");
    let parsed = signer::parse_authorization(authorization).expect("ACS3 authorization");
    assert_eq!(parsed.algorithm, "ACS3-HMAC-SHA256");
    assert_eq!(parsed.access_key_id, ID);
    // Recompute over the headers it names, with the independent signer.
    let headers: Vec<(String, String)> = parsed
        .signed_headers
        .iter()
        .map(|name| {
            let value = request.header(name).expect("a signed header was sent");
            (name.clone(), value.to_owned())
        })
        .collect();
    let canonical = signer::v3_canonical_request(
        "POST",
        &request.query_params(),
        &headers,
        &signer::sha256_hex(&request.body_bytes),
    );
    let expected = signer::v3_signature(&signer::v3_string_to_sign(&canonical), SECRET);
    assert_eq!(parsed.signature, expected);
    let body = request.body_params();
    assert_eq!(param(&body, "RoleArn"), Some(ROLE));
}

#[tokio::test]
async fn an_sts_error_is_unavailable_with_its_code_and_request_id_and_no_secret() {
    // STS's error shape; its message echoes the secret to check it is redacted.
    let answer = format!(
        r#"{{"RequestId":"7E6D2D3A-0000-4C7B-9A1C-1E2D3C4B5A69","HostId":"sts.aliyuncs.com",
            "Code":"NoPermission","Message":"You are not authorized to do this action ({SECRET}).",
            "Recommend":"https://api.aliyun.com/troubleshoot?q=NoPermission"}}"#
    );
    let server = Server::scripted(vec![Reply::json(403, &answer)]).await;
    let provider = ram_role(&server).build().expect("a provider");
    let reason = expect_unavailable(provider.provide().await, "ram role arn");
    assert!(reason.contains("NoPermission"), "{reason}");
    assert!(reason.contains("HTTP 403"), "{reason}");
    assert!(
        reason.contains("RequestId 7E6D2D3A-0000-4C7B-9A1C-1E2D3C4B5A69"),
        "{reason}"
    );
    assert!(!reason.contains(SECRET), "{reason}");
    assert!(reason.contains("redacted"), "{reason}");
}

#[tokio::test]
async fn sts_answers_that_are_not_credentials_are_unavailable() {
    let too_large = format!(
        r#"{{"Credentials":{{}},"Padding":"{}"}}"#,
        "x".repeat(MAX_CREDENTIALS_ANSWER_BYTES)
    );
    let cases = [
        (Reply::html(502, "<html>Bad Gateway</html>"), "not JSON"),
        (Reply::json(200, &too_large), "larger than"),
        (
            Reply::json(200, r#"{"RequestId":"r"}"#),
            "no Credentials object",
        ),
        (
            Reply::json(
                200,
                r#"{"Credentials":{"AccessKeyId":"STS.x","AccessKeySecret":"s","SecurityToken":"t"}}"#,
            ),
            "no Expiration",
        ),
    ];
    for (reply, expected) in cases {
        let server = Server::scripted(vec![reply]).await;
        let provider = ram_role(&server).build().expect("a provider");
        let reason = expect_unavailable(provider.provide().await, "ram role arn");
        assert!(reason.contains(expected), "{expected}: {reason}");
    }
    let refused = ram_role_at(&dbs_tests::refused_url());
    let reason = expect_unavailable(refused.provide().await, "ram role arn");
    assert!(reason.contains("could not be reached"), "{reason}");
}

fn ram_role_at(url: &str) -> RamRoleArnProvider {
    RamRoleArnProvider::builder()
        .source(source())
        .role_arn(ROLE)
        .sts_endpoint(StsEndpoint::new().url(url))
        .env_lookup(env(&[]))
        .build()
        .expect("a provider")
}

#[test]
fn ram_role_configuration_mistakes_are_invalid_before_anything_is_sent() {
    let build = |builder: dbs_api::credentials::RamRoleArnProviderBuilder| {
        builder.env_lookup(env(&[])).build().map(|_| ()).err()
    };
    let reason = |error: Option<CredentialsError>| {
        error
            .and_then(|e| e.reason().map(str::to_owned))
            .unwrap_or_default()
    };
    let no_source = build(RamRoleArnProvider::builder().role_arn(ROLE));
    assert!(reason(no_source).contains("no source credentials"));
    let no_role = build(RamRoleArnProvider::builder().source(source()));
    assert!(reason(no_role).contains("ALIBABA_CLOUD_ROLE_ARN"));
    let short = build(
        RamRoleArnProvider::builder()
            .source(source())
            .role_arn(ROLE)
            .duration_seconds(899),
    );
    assert!(reason(short).contains("outside 900..=43200"));
    let plain = build(
        RamRoleArnProvider::builder()
            .source(source())
            .role_arn(ROLE)
            .sts_endpoint(StsEndpoint::new().url("http://sts.example.com")),
    );
    assert!(reason(plain).contains("plain http"));
}

#[tokio::test]
async fn the_default_session_name_and_endpoint_follow_the_official_rules() {
    let server = Server::scripted(vec![Reply::json(200, ASSUME_ROLE_ANSWER)]).await;
    let provider = RamRoleArnProvider::builder()
        .source(source())
        .env_lookup(env(&[
            ("ALIBABA_CLOUD_ROLE_ARN", ROLE),
            ("DBS_STS_ENDPOINT", server.url()),
        ]))
        .build()
        .expect("a provider");
    assert_eq!(provider.sts_endpoint(), server.url());
    provider.provide().await.expect("credentials");
    let params = all_params(&server.requests()[0]);
    let session = param(&params, "RoleSessionName").expect("a session name");
    let seconds = session
        .strip_prefix("dbs-rust-")
        .expect("dbs-rust-<seconds>");
    assert!(seconds.parse::<u64>().is_ok(), "{session}");

    let regional = RamRoleArnProvider::builder()
        .source(source())
        .role_arn(ROLE)
        .env_lookup(env(&[
            ("ALIBABA_CLOUD_STS_REGION", "cn-shanghai"),
            ("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "true"),
        ]))
        .build()
        .expect("a provider");
    assert_eq!(
        regional.sts_endpoint(),
        "https://sts-vpc.cn-shanghai.aliyuncs.com"
    );
}

// ---------------------------------------------------------------------------------------------
// OidcRoleArnProvider and STS AssumeRoleWithOIDC

fn token_file(dir: &Path, token: &str) -> std::path::PathBuf {
    let path = dir.join("token");
    fs::write(&path, token).expect("write the token file");
    path
}

#[tokio::test]
async fn oidc_is_anonymous_and_rereads_the_token_file_on_each_call() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = token_file(dir.path(), &format!("{OIDC_TOKEN}\n"));
    let server = Server::scripted(vec![Reply::json(200, ASSUME_ROLE_WITH_OIDC_ANSWER)]).await;
    let provider = OidcRoleArnProvider::builder()
        .env_lookup(env(&[
            ("ALIBABA_CLOUD_ROLE_ARN", ROLE),
            ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", OIDC_PROVIDER),
            (
                "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
                path.to_str().expect("utf-8"),
            ),
            ("ALIBABA_CLOUD_ROLE_SESSION_NAME", "pod-session"),
            ("DBS_STS_ENDPOINT", server.url()),
        ]))
        .build()
        .expect("a provider");
    let credentials = provider.provide().await.expect("credentials");
    assert_eq!(credentials.access_key_id(), "STS.NUgYrLnoC37mZZCNnAbez****");
    assert_eq!(credentials.expiration(), Some(at("2021-10-20T04:27:09Z")));
    assert_eq!(
        credentials.security_token().map(|t| t.expose().as_str()),
        Some("CAIShwJ1q6Ft5B2yfSjIr5bSEsj4g7BihPWGWHz****")
    );

    let rotated = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb3RhdGVkIn0.cm90YXRlZA";
    token_file(dir.path(), rotated);
    provider.provide().await.expect("credentials");

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for (request, token) in requests.iter().zip([OIDC_TOKEN, rotated]) {
        let params = all_params(request);
        for (name, value) in [
            ("Action", "AssumeRoleWithOIDC"),
            ("Version", "2015-04-01"),
            ("Format", "JSON"),
            ("RoleArn", ROLE),
            ("OIDCProviderArn", OIDC_PROVIDER),
            ("OIDCToken", token),
            ("RoleSessionName", "pod-session"),
            ("DurationSeconds", "3600"),
        ] {
            assert_eq!(param(&params, name), Some(value), "{name}");
        }
        // Anonymous: nothing that names or proves an AccessKey.
        for name in ["AccessKeyId", "Signature", "SecurityToken"] {
            assert_eq!(param(&params, name), None, "{name}");
        }
        assert_eq!(request.header("authorization"), None);
        // The token is a secret: never in the URL.
        assert!(!request.target.contains(token), "{}", request.target);
    }
}

#[tokio::test]
async fn oidc_errors_name_the_code_and_never_the_token() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = token_file(dir.path(), OIDC_TOKEN);
    let answer = format!(
        r#"{{"RequestId":"A1B2","HostId":"sts.aliyuncs.com","Code":"AuthenticationFail.OIDCToken.Expired",
            "Message":"The OIDCToken {OIDC_TOKEN} is expired."}}"#
    );
    let server = Server::scripted(vec![Reply::json(400, &answer)]).await;
    let build = |token_path: &Path| {
        OidcRoleArnProvider::builder()
            .role_arn(ROLE)
            .oidc_provider_arn(OIDC_PROVIDER)
            .oidc_token_file(token_path)
            .sts_endpoint(StsEndpoint::new().url(server.url()))
            .env_lookup(env(&[]))
            .build()
            .expect("a provider")
    };
    let reason = expect_unavailable(build(&path).provide().await, "oidc role arn");
    assert!(
        reason.contains("AuthenticationFail.OIDCToken.Expired"),
        "{reason}"
    );
    assert!(!reason.contains(OIDC_TOKEN), "{reason}");

    let missing = dir.path().join("not-mounted-yet");
    let reason = expect_unavailable(build(&missing).provide().await, "oidc role arn");
    assert!(reason.contains("does not exist"), "{reason}");
    let reason = expect_invalid(build(dir.path()).provide().await, "oidc role arn");
    assert!(reason.contains("not a regular file"), "{reason}");
    let empty = token_file(dir.path(), " \n");
    let reason = expect_invalid(build(&empty).provide().await, "oidc role arn");
    assert!(reason.contains("is empty"), "{reason}");
    assert_eq!(server.requests().len(), 1, "only the first call was sent");

    let error = OidcRoleArnProvider::builder()
        .role_arn(ROLE)
        .env_lookup(env(&[]))
        .build()
        .expect_err("no provider ARN");
    assert!(
        error
            .reason()
            .is_some_and(|r| r.contains("ALIBABA_CLOUD_OIDC_PROVIDER_ARN")),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// EcsRamRoleProvider and the metadata service

/// A metadata service: IMDSv2 token `imds-token`, role `dbs-ecs-role`; `token_status` is what
/// `PUT /latest/api/token` answers.
async fn metadata_service(token_status: u16) -> Server {
    Server::start(
        move |request, _| match (request.method.as_str(), request.path()) {
            ("PUT", "/latest/api/token") if token_status == 200 => {
                Reply::json(200, "imds-token").header("content-type", "text/plain")
            }
            ("PUT", _) => Reply::json(token_status, ""),
            ("GET", "/latest/meta-data/ram/security-credentials/") => {
                Reply::json(200, "dbs-ecs-role").header("content-type", "text/plain")
            }
            ("GET", "/latest/meta-data/ram/security-credentials/dbs-ecs-role") => {
                Reply::json(200, ECS_ANSWER)
            }
            _ => Reply::json(404, "not found"),
        },
    )
    .await
}

#[tokio::test]
async fn ecs_role_gets_a_session_token_then_the_role_then_its_credentials() {
    let server = metadata_service(200).await;
    let provider = EcsRamRoleProvider::builder()
        .env_lookup(env(&[("DBS_ECS_METADATA_ENDPOINT", server.url())]))
        .build()
        .expect("a provider");
    assert_eq!(provider.endpoint(), server.url());
    let credentials = provider.provide().await.expect("credentials");
    assert_eq!(credentials.access_key_id(), "STS.N8XxGmTdSgnkZ3N8****");
    assert_eq!(credentials.expiration(), Some(at("2026-12-07T10:00:00Z")));
    assert_eq!(credentials.source(), Some("ecs ram role dbs-ecs-role"));

    let requests = server.requests();
    let seen: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path()))
        .collect();
    assert_eq!(
        seen,
        [
            ("PUT", "/latest/api/token"),
            ("GET", "/latest/meta-data/ram/security-credentials/"),
            (
                "GET",
                "/latest/meta-data/ram/security-credentials/dbs-ecs-role"
            ),
        ]
    );
    assert_eq!(
        requests[0].header("x-aliyun-ecs-metadata-token-ttl-seconds"),
        Some("21600")
    );
    for request in &requests[1..] {
        assert_eq!(
            request.header("x-aliyun-ecs-metadata-token"),
            Some("imds-token")
        );
    }
}

#[tokio::test]
async fn ecs_role_name_from_the_environment_skips_discovery() {
    let server = metadata_service(200).await;
    let provider = EcsRamRoleProvider::builder()
        .env_lookup(env(&[
            ("DBS_ECS_METADATA_ENDPOINT", server.url()),
            ("ALIBABA_CLOUD_ECS_METADATA", "dbs-ecs-role"),
        ]))
        .build()
        .expect("a provider");
    provider.provide().await.expect("credentials");
    assert_eq!(server.requests().len(), 2);

    let bad = EcsRamRoleProvider::builder()
        .role_name("../../user-data")
        .env_lookup(env(&[("DBS_ECS_METADATA_ENDPOINT", server.url())]))
        .build()
        .expect_err("not a role name");
    assert!(bad.to_string().contains("no RAM role name has"), "{bad}");
}

#[tokio::test]
async fn without_a_session_token_imdsv1_is_used_only_when_allowed() {
    let server = metadata_service(403).await;
    let strict = EcsRamRoleProvider::builder()
        .env_lookup(env(&[("DBS_ECS_METADATA_ENDPOINT", server.url())]))
        .build()
        .expect("a provider");
    let reason = expect_unavailable(strict.provide().await, "ecs ram role");
    assert!(reason.contains("no IMDSv2 session token"), "{reason}");
    assert!(reason.contains("HTTP 403"), "{reason}");
    assert_eq!(server.take().len(), 1, "nothing after the refused token");

    for allowed in [
        EcsRamRoleProvider::builder()
            .allow_imds_v1(true)
            .env_lookup(env(&[("DBS_ECS_METADATA_ENDPOINT", server.url())])),
        EcsRamRoleProvider::builder().env_lookup(env(&[
            ("DBS_ECS_METADATA_ENDPOINT", server.url()),
            ("ALIBABA_CLOUD_IMDSV1_DISABLED", "false"),
        ])),
    ] {
        let provider = allowed.build().expect("a provider");
        provider.provide().await.expect("credentials over IMDSv1");
        let requests = server.take();
        assert_eq!(requests.len(), 3);
        assert!(
            requests[1..]
                .iter()
                .all(|r| r.header("x-aliyun-ecs-metadata-token").is_none())
        );
    }
}

#[tokio::test]
async fn ecs_answers_without_success_are_unavailable_and_disabled_is_not_found() {
    let server = Server::start(|request, _| match request.method.as_str() {
        "PUT" => Reply::json(200, "imds-token"),
        _ => Reply::json(200, r#"{"Code":"Failed","Message":"role not attached"}"#),
    })
    .await;
    let provider = EcsRamRoleProvider::builder()
        .role_name("dbs-ecs-role")
        .env_lookup(env(&[("DBS_ECS_METADATA_ENDPOINT", server.url())]))
        .build()
        .expect("a provider");
    let reason = expect_unavailable(provider.provide().await, "ecs ram role");
    assert!(reason.contains("Code is \"Failed\""), "{reason}");

    let disabled = EcsRamRoleProvider::builder()
        .env_lookup(env(&[
            ("DBS_ECS_METADATA_ENDPOINT", server.url()),
            ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"),
        ]))
        .build()
        .expect("a provider");
    let before = server.requests().len();
    let error = disabled.provide().await.expect_err("disabled");
    assert!(error.is_not_found(), "{error}");
    assert_eq!(server.requests().len(), before, "nothing sent");
}

// ---------------------------------------------------------------------------------------------
// CredentialsUriProvider

#[tokio::test]
async fn credentials_uri_gets_the_official_shape() {
    let server = Server::scripted(vec![Reply::json(200, ECS_ANSWER)]).await;
    let url = format!("{}/credentials-uri?role=dbs", server.url());
    let provider = CredentialsUriProvider::builder()
        .env_lookup(env(&[("ALIBABA_CLOUD_CREDENTIALS_URI", &url)]))
        .build()
        .expect("a provider");
    let credentials = provider.provide().await.expect("credentials");
    assert_eq!(credentials.access_key_id(), "STS.N8XxGmTdSgnkZ3N8****");
    assert_eq!(credentials.expiration(), Some(at("2026-12-07T10:00:00Z")));
    let request = &server.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/credentials-uri?role=dbs");

    let failing = Server::scripted(vec![Reply::json(500, r#"{"Code":"Failed"}"#)]).await;
    let provider = CredentialsUriProvider::builder()
        .url(format!("{}/credentials-uri", failing.url()))
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    let reason = expect_unavailable(provider.provide().await, "credentials uri");
    assert!(reason.contains("HTTP 500"), "{reason}");
}

#[test]
fn credentials_uri_allows_plain_http_only_to_loopback() {
    let build = |url: &str| {
        CredentialsUriProvider::builder()
            .url(url)
            .env_lookup(env(&[]))
            .build()
            .map(|_| ())
    };
    assert!(build("http://127.0.0.1:1/credentials").is_ok());
    assert!(build("https://credentials.example.com/x").is_ok());
    let plain = build("http://credentials.example.com/x").expect_err("plain http");
    assert!(plain.to_string().contains("plain http"), "{plain}");
    let user = build("https://user:pw@credentials.example.com/x").expect_err("user info");
    assert!(!user.to_string().contains("pw@"), "{user}");
    let unset = CredentialsUriProvider::builder()
        .env_lookup(env(&[]))
        .build()
        .expect_err("unset");
    assert!(unset.is_not_found());
}

// ---------------------------------------------------------------------------------------------
// Profiles and the default chain

fn write(home: &Path, relative: &str, contents: &str) {
    let path = home.join(relative);
    fs::create_dir_all(path.parent().expect("a parent")).expect("create directory");
    fs::write(path, contents).expect("write file");
}

/// A CLI configuration as `aliyun configure` writes it, with a profile of each role mode.
fn cli_config(token_file: &Path) -> String {
    format!(
        r#"{{
  "current": "base",
  "profiles": [
    {{"name": "base", "mode": "AK", "access_key_id": "{ID}", "access_key_secret": "{SECRET}",
      "region_id": "cn-hangzhou"}},
    {{"name": "prod", "mode": "RamRoleArn", "access_key_id": "{ID}",
      "access_key_secret": "{SECRET}", "ram_role_arn": "{ROLE}", "ram_session_name": "prod-session",
      "expired_seconds": 900, "region_id": "cn-hangzhou"}},
    {{"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "prod",
      "ram_role_arn": "acs:ram::1234567890123456:role/second", "ram_session_name": "",
      "expired_seconds": 0}},
    {{"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "dbs-ecs-role"}},
    {{"name": "oidc", "mode": "OIDC", "ram_role_arn": "{ROLE}",
      "oidc_provider_arn": "{OIDC_PROVIDER}", "oidc_token_file": "{}",
      "role_session_name": "oidc-session"}},
    {{"name": "loop-a", "mode": "ChainableRamRoleArn", "source_profile": "loop-b",
      "ram_role_arn": "{ROLE}"}},
    {{"name": "loop-b", "mode": "ChainableRamRoleArn", "source_profile": "loop-a",
      "ram_role_arn": "{ROLE}"}},
    {{"name": "dangling", "mode": "ChainableRamRoleArn", "source_profile": "nowhere",
      "ram_role_arn": "{ROLE}"}}
  ]
}}"#,
        token_file.display()
    )
}

/// An STS that answers each AssumeRole with credentials named after the call's role session
/// and number, and AssumeRoleWithOIDC with the reference example.
async fn sts() -> Server {
    Server::start(|request, n| {
        let mut params = request.query_params();
        params.extend(request.body_params());
        if param(&params, "Action") == Some("AssumeRoleWithOIDC") {
            return Reply::json(200, ASSUME_ROLE_WITH_OIDC_ANSWER);
        }
        Reply::json(
            200,
            &format!(
                r#"{{"RequestId":"req-{n}","AssumedRoleUser":{{"Arn":"a","AssumedRoleId":"b"}},
                    "Credentials":{{"AccessKeyId":"STS.call-{n}","AccessKeySecret":"secret-{n}",
                    "SecurityToken":"token-{n}","Expiration":"2026-12-07T10:00:00Z"}}}}"#
            ),
        )
    })
    .await
}

#[tokio::test]
async fn cli_profiles_of_every_role_mode_reach_their_service() {
    let home = tempfile::tempdir().expect("a HOME");
    let token = token_file(home.path(), OIDC_TOKEN);
    write(home.path(), ".aliyun/config.json", &cli_config(&token));
    let sts = sts().await;
    let metadata = metadata_service(200).await;
    let vars = [
        ("DBS_STS_ENDPOINT", sts.url()),
        ("DBS_ECS_METADATA_ENDPOINT", metadata.url()),
    ];
    let profile = |name: &str| {
        AliyunCliProfileProvider::new()
            .with_home(home.path())
            .with_env_lookup(env(&vars))
            .with_profile(name)
    };

    // RamRoleArn: the profile's AccessKey signs AssumeRole.
    let credentials = profile("prod").provide().await.expect("RamRoleArn");
    assert_eq!(credentials.access_key_id(), "STS.call-0");
    let source = credentials.source().expect("a source");
    assert!(
        source.starts_with("ram role arn (aliyun CLI profile 'prod') "),
        "{source}"
    );
    let request = &sts.take()[0];
    let params = all_params(request);
    assert_eq!(param(&params, "AccessKeyId"), Some(ID));
    assert_eq!(param(&params, "RoleSessionName"), Some("prod-session"));
    assert_eq!(param(&params, "DurationSeconds"), Some("900"));
    assert_v1_signed_by(request, SECRET);

    // ChainableRamRoleArn: the source profile's role credentials sign the second AssumeRole.
    // (The server numbers the calls it has kept: `take` emptied its log.)
    let credentials = profile("chained").provide().await.expect("chained");
    assert_eq!(credentials.access_key_id(), "STS.call-1");
    let requests = sts.take();
    assert_eq!(requests.len(), 2);
    let second = all_params(&requests[1]);
    assert_eq!(param(&second, "AccessKeyId"), Some("STS.call-0"));
    assert_eq!(param(&second, "SecurityToken"), Some("token-0"));
    assert_eq!(
        param(&second, "RoleArn"),
        Some("acs:ram::1234567890123456:role/second")
    );
    assert_eq!(param(&second, "DurationSeconds"), Some("3600"));
    assert_v1_signed_by(&requests[1], "secret-0");

    // EcsRamRole: the profile's role name, no discovery.
    let credentials = profile("ecs").provide().await.expect("EcsRamRole");
    assert_eq!(
        credentials.source(),
        Some("ecs ram role (aliyun CLI profile 'ecs') dbs-ecs-role")
    );
    assert_eq!(metadata.take().len(), 2);

    // OIDC: the profile's token file.
    let credentials = profile("oidc").provide().await.expect("OIDC");
    assert_eq!(credentials.access_key_id(), "STS.NUgYrLnoC37mZZCNnAbez****");
    let params = all_params(&sts.take()[0]);
    assert_eq!(param(&params, "OIDCToken"), Some(OIDC_TOKEN));
    assert_eq!(param(&params, "RoleSessionName"), Some("oidc-session"));
}

#[tokio::test]
async fn chainable_profiles_refuse_cycles_and_dangling_sources_without_sending() {
    let home = tempfile::tempdir().expect("a HOME");
    write(
        home.path(),
        ".aliyun/config.json",
        &cli_config(&home.path().join("token")),
    );
    let sts = sts().await;
    let profile = |name: &str| {
        AliyunCliProfileProvider::new()
            .with_home(home.path())
            .with_env_lookup(env(&[("DBS_STS_ENDPOINT", sts.url())]))
            .with_profile(name)
    };
    let reason = expect_invalid(profile("loop-a").provide().await, "aliyun CLI profile");
    assert!(
        reason.contains("profiles 'loop-a' -> 'loop-b' -> 'loop-a'")
            && reason.contains("form a cycle through source_profile"),
        "{reason}"
    );
    let reason = expect_invalid(profile("dangling").provide().await, "aliyun CLI profile");
    assert!(
        reason.contains("the source_profile 'nowhere' of profile 'dangling' is not in"),
        "{reason}"
    );
    assert!(sts.requests().is_empty());
}

#[tokio::test]
async fn shared_file_role_types_reach_their_service() {
    let home = tempfile::tempdir().expect("a HOME");
    let token = token_file(home.path(), OIDC_TOKEN);
    write(
        home.path(),
        ".alibabacloud/credentials",
        &format!(
            "[role]\ntype = ram_role_arn\naccess_key_id = {ID}\naccess_key_secret = {SECRET}\n\
             role_arn = {ROLE}\nrole_session_name = file-session\n\n\
             [oidc]\ntype = oidc_role_arn\nrole_arn = {ROLE}\noidc_provider_arn = {OIDC_PROVIDER}\n\
             oidc_token_file_path = {}\n\n\
             [ecs]\ntype = ecs_ram_role\nrole_name = dbs-ecs-role\n",
            token.display()
        ),
    );
    let sts = sts().await;
    let metadata = metadata_service(200).await;
    let vars = [
        ("DBS_STS_ENDPOINT", sts.url()),
        ("DBS_ECS_METADATA_ENDPOINT", metadata.url()),
    ];
    let section = |name: &str| {
        SharedCredentialsFileProvider::new()
            .with_home(home.path())
            .with_env_lookup(env(&vars))
            .with_profile(name)
    };
    let credentials = section("role").provide().await.expect("ram_role_arn");
    assert_eq!(credentials.access_key_id(), "STS.call-0");
    assert!(
        credentials
            .source()
            .is_some_and(|s| s.starts_with("ram role arn (shared credentials file [role]) ")),
        "{credentials:?}"
    );
    let params = all_params(&sts.take()[0]);
    assert_eq!(param(&params, "RoleSessionName"), Some("file-session"));
    let credentials = section("oidc").provide().await.expect("oidc_role_arn");
    assert_eq!(credentials.access_key_id(), "STS.NUgYrLnoC37mZZCNnAbez****");
    let credentials = section("ecs").provide().await.expect("ecs_ram_role");
    assert_eq!(credentials.access_key_id(), "STS.N8XxGmTdSgnkZ3N8****");
}

#[tokio::test]
async fn the_default_chain_uses_oidc_ecs_and_uri_when_configured_in_the_environment() {
    let home = tempfile::tempdir().expect("an empty HOME");
    let token = token_file(home.path(), OIDC_TOKEN);
    let sts = sts().await;
    let metadata = metadata_service(200).await;
    let uri = Server::scripted(vec![Reply::json(200, ECS_ANSWER)]).await;
    let token_path = token.to_str().expect("utf-8").to_owned();
    let uri_url = format!("{}/credentials-uri", uri.url());
    let chain = |vars: &[(&str, &str)]| {
        DefaultChain::new()
            .with_home(home.path())
            .with_env_lookup(env(vars))
            .build()
    };

    let oidc = [
        ("ALIBABA_CLOUD_ROLE_ARN", ROLE),
        ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", OIDC_PROVIDER),
        ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token_path.as_str()),
        ("DBS_STS_ENDPOINT", sts.url()),
    ];
    let (credentials, source) = chain(&oidc).provide_with_source().await.expect("OIDC");
    assert_eq!(source, "oidc role arn");
    assert_eq!(credentials.access_key_id(), "STS.NUgYrLnoC37mZZCNnAbez****");

    let ecs = [
        ("ALIBABA_CLOUD_ECS_METADATA", "dbs-ecs-role"),
        ("DBS_ECS_METADATA_ENDPOINT", metadata.url()),
    ];
    let (_, source) = chain(&ecs).provide_with_source().await.expect("ECS");
    assert_eq!(source, "ecs ram role");

    // The metadata service is not asked unless configured: the URI answers instead.
    let uri_only = [
        ("DBS_ECS_METADATA_ENDPOINT", metadata.url()),
        ("ALIBABA_CLOUD_CREDENTIALS_URI", uri_url.as_str()),
    ];
    let before = metadata.requests().len();
    let (_, source) = chain(&uri_only).provide_with_source().await.expect("URI");
    assert_eq!(source, "credentials uri");
    assert_eq!(metadata.requests().len(), before);

    // A half-configured OIDC stops the chain instead of falling through.
    let half = [("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token_path.as_str())];
    let error = chain(&half).provide().await.expect_err("half-configured");
    assert_eq!(error.source_name(), Some("oidc role arn"));
    assert!(matches!(error, CredentialsError::Invalid { .. }), "{error}");
}

#[test]
fn the_default_chain_with_nothing_configured_answers_at_once_without_the_network() {
    let home = tempfile::tempdir().expect("an empty HOME");
    let chain = DefaultChain::new()
        .with_home(home.path())
        .with_env_lookup(env(&[]))
        .build();
    // A future that is ready when first polled did no I/O: nothing to wait for, nothing sent.
    let result = futures_util::FutureExt::now_or_never(chain.provide())
        .expect("answered without waiting on anything");
    let Err(CredentialsError::NoneFound(skipped)) = result else {
        panic!("expected NoneFound, got {result:?}");
    };
    assert_eq!(skipped.len(), 6);
}

#[test]
fn debug_of_every_provider_shows_no_secret() {
    let dir = tempfile::tempdir().expect("a directory");
    let token = token_file(dir.path(), OIDC_TOKEN);
    let sts_url = "http://127.0.0.1:1";
    let role = RamRoleArnProvider::builder()
        .source(StaticProvider::new(
            Credentials::new(ID, SECRET).with_security_token("Source-Token-3141"),
        ))
        .role_arn(ROLE)
        .policy("Policy-Text")
        .sts_endpoint(StsEndpoint::new().url(sts_url))
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    let oidc = OidcRoleArnProvider::builder()
        .role_arn(ROLE)
        .oidc_provider_arn(OIDC_PROVIDER)
        .oidc_token_file(&token)
        .sts_endpoint(StsEndpoint::new().url(sts_url))
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    let uri = CredentialsUriProvider::builder()
        .url("http://127.0.0.1:1/credentials?key=Uri-Key-2718")
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    let text = format!("{role:?} {role:#?} {oidc:?} {uri:?}");
    for secret in [SECRET, "Source-Token-3141", OIDC_TOKEN, "Uri-Key-2718"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}
