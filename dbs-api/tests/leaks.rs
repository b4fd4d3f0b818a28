//! A known password, AccessKeySecret and STS token never appear in `Debug` or `Display` of the
//! SDK's values, in any error we can provoke, in a dry run, or in TRACE-level logs.

mod support;

use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use dbs_api::{Client, CreateRestoreTaskInput, Credentials, Error, SignatureVersion};
use support::{ACCESS_KEY_ID, Recorded, Reply, Server, client, restore_task};

const PASSWORD: &str = "S3cr3t-Passw0rd!";
const SECRET: &str = "TopSecretKey123";
const TOKEN: &str = "StsToken-XYZ";

/// Fails if `text` holds any secret. The password is matched without its `!`, so a
/// percent-encoded copy (`S3cr3t-Passw0rd%21`, `%2521`) is caught too.
#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for secret in ["S3cr3t-Passw0rd", SECRET, TOKEN] {
        assert!(!text.contains(secret), "{what} leaks {secret:?}:\n{text}");
    }
}

#[track_caller]
fn assert_clean_debug_display(what: &str, value: &(impl std::fmt::Debug + std::fmt::Display)) {
    assert_clean(&format!("{what} (Display)"), &value.to_string());
    assert_clean(&format!("{what} (Debug)"), &format!("{value:?}"));
    assert_clean(
        &format!("{what} (Debug, alternate)"),
        &format!("{value:#?}"),
    );
}

fn sts() -> Credentials {
    Credentials::new(ACCESS_KEY_ID, SECRET).with_security_token(TOKEN)
}

fn sts_client(server: &Server, version: SignatureVersion) -> Client {
    client(server, sts(), version)
}

/// A client for an address nobody listens on; only for values that are never sent.
fn offline_client(version: SignatureVersion) -> Client {
    Client::builder()
        .endpoint_url("http://127.0.0.1:9")
        .credentials(sts())
        .signature_version(version)
        .build()
        .expect("client")
}

#[test]
fn values_do_not_print_secrets() {
    let builder = CreateRestoreTaskInput::builder()
        .backup_plan_id("dbs1hvb0ww****")
        .destination_endpoint_password(PASSWORD);
    assert_clean("input builder", &format!("{builder:?} {builder:#?}"));
    let input = builder.build();
    assert_clean("input", &format!("{input:?} {input:#?}"));
    assert_eq!(
        input
            .destination_endpoint_password
            .as_ref()
            .map(|p| p.expose().as_str()),
        Some(PASSWORD)
    );

    let credentials = sts();
    assert_clean("credentials", &format!("{credentials:?} {credentials:#?}"));
    assert_clean(
        "secret",
        &format!(
            "{:?} {}",
            credentials.access_key_secret(),
            credentials.access_key_secret()
        ),
    );
    assert_clean(
        "provider",
        &format!("{:?}", dbs_api::credentials::StaticProvider::new(sts())),
    );

    let client = offline_client(SignatureVersion::V1);
    assert_clean("client", &format!("{client:?} {client:#?}"));
    let request = restore_task(&client).destination_endpoint_password(PASSWORD);
    assert_clean("request builder", &format!("{request:?} {request:#?}"));
}

#[tokio::test]
async fn a_dry_run_masks_every_secret() {
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let client = offline_client(version);
        let prepared = restore_task(&client)
            .destination_endpoint_password(PASSWORD)
            .dry_run()
            .await
            .expect("a valid call");
        assert_clean_debug_display(&format!("{version} dry run"), &prepared);
        assert_clean("url", prepared.url());
        assert_clean("body", prepared.body());
        for (name, value) in prepared.headers() {
            assert_clean(name, value);
        }
        // Masked, not dropped: the reader still sees which parameters are there.
        assert!(
            prepared.body().contains("DestinationEndpointPassword="),
            "{prepared}"
        );
        assert!(
            prepared
                .body()
                .contains("BackupPlanId=dbs1hvb0ww%2A%2A%2A%2A"),
            "{prepared}"
        );
        let text = prepared.to_string();
        match version {
            SignatureVersion::V1 => assert!(
                text.contains("SecurityToken=") && text.contains("Signature="),
                "{text}"
            ),
            _ => assert!(
                text.contains("x-acs-security-token") && text.contains("authorization"),
                "{text}"
            ),
        }
    }
}

#[tokio::test]
async fn a_validation_error_does_not_print_the_password() {
    let client = offline_client(SignatureVersion::V3);
    let call = client
        .create_restore_task()
        .destination_endpoint_password(PASSWORD);
    let error = call
        .dry_run()
        .await
        .expect_err("BackupPlanId and more are missing");
    assert!(
        !error.was_sent() && error.as_validation_error().is_some(),
        "{error:?}"
    );
    assert_clean_debug_display("validation error", &error);
}

/// Sends the example call with the password and STS credentials and returns the error.
async fn provoke(reply: Reply, version: SignatureVersion) -> Error {
    let server = Server::scripted(vec![reply]).await;
    let client = sts_client(&server, version);
    restore_task(&client)
        .destination_endpoint_password(PASSWORD)
        .retry_config(dbs_api::RetryConfig::disabled())
        .attempt_timeout(Duration::from_millis(200))
        .send()
        .await
        .expect_err("the server fails the call")
}

#[tokio::test]
async fn errors_do_not_print_secrets() {
    let invalid = r#"{"Code":"InvalidParameter","Message":"The specified parameter is not valid.","RequestId":"r"}"#;
    let business = r#"{"Success":false,"ErrCode":"Param.NotFound","ErrMessage":"not found","HttpStatusCode":400,"RequestId":"X"}"#;
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        for (what, reply) in [
            ("service error", Reply::json(400, invalid)),
            ("business error", Reply::json(200, business)),
            ("HTML page", Reply::html(502, "<html>Bad Gateway</html>")),
            (
                "undecodable body",
                Reply::json(200, r#"{"RestoreTaskId":[1]}"#),
            ),
            ("dropped connection", Reply::drop_connection()),
            (
                "read timeout",
                Reply::success().delayed(Duration::from_secs(2)),
            ),
        ] {
            let error = provoke(reply, version).await;
            let what = format!("{version} {what}: {}", error_kind(&error));
            assert_clean_debug_display(&what, &error);
            // Nor the signature, which the URL of a V1 request carries.
            assert!(
                !format!("{error} {error:?}").contains("Signature="),
                "{what}: {error}"
            );
        }
    }
}

fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::Service(_) => "Service",
        Error::UnexpectedResponse { .. } => "UnexpectedResponse",
        Error::Transport { .. } => "Transport",
        Error::Timeout { .. } => "Timeout",
        _ => "other",
    }
}

/// Answers `SignatureDoesNotMatch`, echoing our V1 StringToSign, which holds the password
/// and the token (percent-encoded twice).
fn echo_v1(request: &Recorded) -> Reply {
    let params: Vec<(String, String)> = request
        .query_params()
        .into_iter()
        .chain(request.body_params())
        .filter(|(k, _)| k != "Signature")
        .collect();
    let echo = dbs_tests::signer::v1_string_to_sign("POST", &params);
    let body = serde_json::json!({
        "Code": "SignatureDoesNotMatch",
        "Message": format!("Specified signature is not matched with our calculation. server string to sign is:{echo}"),
        "RequestId": "req-sig",
    });
    Reply::json(400, &body.to_string())
}

#[tokio::test]
async fn a_signature_mismatch_echo_is_not_repeated() {
    let server = Server::start(|request, _| echo_v1(request)).await;
    let client = sts_client(&server, SignatureVersion::V1);
    let error = restore_task(&client)
        .destination_endpoint_password(PASSWORD)
        .send()
        .await
        .expect_err("mismatch");
    assert_eq!(error.code(), Some("SignatureDoesNotMatch"));
    // The echo held the secrets: the test would be void otherwise.
    let requests = server.requests();
    let echoed = format!("{:?}", echo_v1(&requests[0]));
    assert!(
        echoed.contains("S3cr3t-Passw0rd") && echoed.contains(TOKEN),
        "{echoed}"
    );
    assert_clean_debug_display("signature mismatch", &error);
}

/// A `Write` into a shared buffer, for a subscriber's `with_writer`.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

#[test]
fn trace_logs_do_not_hold_secrets() {
    let buffer = Buffer::default();
    let subscriber = || {
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
    };
    // Also installs the `log` bridge, so the HTTP stack's `log` records reach the buffer.
    let _ = subscriber().try_init();
    let _guard = tracing::subscriber::set_default(subscriber().finish());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for version in [SignatureVersion::V1, SignatureVersion::V3] {
            let server = Server::scripted(vec![
                Reply::drop_connection(),
                Reply::json(503, r#"{"Code":"ServiceUnavailable"}"#),
                Reply::success(),
            ])
            .await;
            let client = sts_client(&server, version);
            tracing::info!(?client, "client");
            let call = restore_task(&client).destination_endpoint_password(PASSWORD);
            tracing::info!(?call, "call");
            call.send().await.expect("the third attempt succeeds");
            assert_eq!(server.requests().len(), 3);

            let server = Server::start(|request, _| echo_v1(request)).await;
            let client = sts_client(&server, SignatureVersion::V1);
            let error = restore_task(&client)
                .destination_endpoint_password(PASSWORD)
                .send()
                .await
                .expect_err("mismatch");
            tracing::error!(%error, ?error, "call failed");
        }
    });
    let logs = buffer.text();
    if std::env::var_os("SHOW_LOGS").is_some() {
        eprintln!("{logs}");
    }
    assert!(
        logs.contains("CreateRestoreTask") && logs.contains("DEBUG"),
        "{logs}"
    );
    assert!(
        logs.contains("retrying") && logs.contains("SignatureDoesNotMatch"),
        "{logs}"
    );
    assert_clean("TRACE logs", &logs);
}

#[tokio::test]
async fn secrets_echoed_by_a_server_are_redacted() {
    // A service may quote the request back; the client knows its secrets and removes them,
    // raw and percent-encoded, from messages and error-page snippets.
    let password = "S3cr3t Passw0rd&!";
    let encoded = dbs_api::encoding::percent_encode(password);
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let echo = format!(
            r#"{{"RequestId":"R2","Code":"InvalidParameter","Message":"bad: {password} / {encoded}"}}"#
        );
        let page = format!("<html>{encoded}</html>");
        let server = support::Server::scripted(vec![
            support::Reply::json(400, &echo),
            support::Reply::html(502, &page),
            support::Reply::html(502, &page),
            support::Reply::html(502, &page),
        ])
        .await;
        let client = support::client(&server, Credentials::new("testid", "testsecret"), version);
        let first = support::restore_task(&client)
            .destination_endpoint_password(password)
            .send()
            .await;
        let second = support::restore_task(&client)
            .destination_endpoint_password(password)
            .send()
            .await;
        for result in [first, second] {
            let error = result.expect_err("the server refused");
            for text in [error.to_string(), format!("{error:?}")] {
                assert!(
                    !text.contains(password) && !text.contains(&encoded),
                    "{text}"
                );
                assert!(text.contains(dbs_api::sensitive::REDACTED), "{text}");
            }
        }
    }
}

#[tokio::test]
async fn secrets_in_any_server_supplied_field_are_redacted() {
    let password = "Pw-S3cretValue&x9";
    let html = password.replace('&', "&amp;");
    let cases = [
        Reply::json(
            400,
            &format!(
                r#"{{"Code":"{password}","RequestId":"{password}","HostId":"{password}","Recommend":"{password}","Message":"m"}}"#
            ),
        ),
        Reply::html(503, &format!("<p>{html}</p>")).header("x-acs-request-id", password),
        Reply::json(
            200,
            &format!(r#"{{"Success":true,"RestoreTaskId":{{"echo":"{password}"}}}}"#),
        )
        .header("content-type", password),
        // The secret straddles the 200-byte snippet cut.
        Reply::html(502, &format!("{}{password}", "x".repeat(192))),
    ];
    for reply in cases {
        let server = Server::scripted(vec![reply]).await;
        let client = client(
            &server,
            Credentials::new("testid", "testsecret"),
            SignatureVersion::V3,
        );
        let result = restore_task(&client)
            .destination_endpoint_password(password)
            .retry_config(dbs_api::RetryConfig::disabled())
            .send()
            .await;
        let error = result.expect_err("every case is an error");
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(!text.contains("Pw-S3cre"), "{text}");
        }
    }
}
