//! The network credentials providers against hostile or broken services and settings: every
//! failure must be a typed error, bounded in time and size, and free of the caller's secrets
//! (AccessKeySecret, SecurityToken, a token in the query of a credentials URI) in any spelling.
//!
//! Every server is a loopback server of this test; no address outside 127.0.0.1 is contacted
//! (non-loopback URLs are only given to checks that must refuse them before connecting).

mod support;

use std::time::Duration;
use support::credentials::{env, expect_unavailable};

use dbs_api::credentials::{
    Credentials, CredentialsError, CredentialsUriProvider, ProvideCredentials, RamRoleArnProvider,
    StaticProvider, StsEndpoint,
};
use dbs_tests::{Reply, Server};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const ROLE: &str = "acs:ram::1234567890123456:role/dbs-restore";
const SOURCE_SECRET: &str = "Source-S3cret-never-printed-0123";
/// A SecurityToken of temporary source credentials (a chained role): it travels in the V1
/// query of AssumeRole.
const SOURCE_TOKEN: &str = "CAIS-source-token-never-printed-4567";
/// A key of a local agent, carried in the query of a credentials URI.
const AGENT_KEY: &str = "agent-key-never-printed-89ab";

/// `text` shows none of `secrets`, raw or percent-encoded.
fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        let encoded = dbs_tests::form::percent_encode(secret);
        assert!(
            !text.contains(secret) && !text.contains(&encoded),
            "a secret shows in: {text}"
        );
    }
    assert!(
        !text.contains("Signature="),
        "the signature shows in: {text}"
    );
}

fn temporary_source() -> StaticProvider {
    StaticProvider::new(
        Credentials::new("STS.source-id", SOURCE_SECRET).with_security_token(SOURCE_TOKEN),
    )
}

/// STS closes the connection without answering: the error says so, but never quotes the
/// signed request URL, whose V1 query holds the source SecurityToken and the Signature.
#[tokio::test]
async fn an_sts_transport_error_never_shows_the_signed_query() {
    let server = Server::scripted(vec![Reply::drop_connection()]).await;
    let provider = RamRoleArnProvider::builder()
        .source(temporary_source())
        .role_arn(ROLE)
        .sts_endpoint(StsEndpoint::new().url(server.url()))
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    let error = provider.provide().await.expect_err("no answer");
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("could not be reached"), "{shown}");
    assert_no_secret(&shown, &[SOURCE_SECRET, SOURCE_TOKEN]);
    // The request did carry the token in its query: the test exercises the leak path.
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].query().contains("SecurityToken="));
}

/// A credentials URI that cannot be reached: the error names it without its query.
#[tokio::test]
async fn a_credentials_uri_transport_error_never_shows_the_query() {
    let server = Server::scripted(vec![Reply::drop_connection()]).await;
    let provider = CredentialsUriProvider::builder()
        .url(format!("{}/credentials?key={AGENT_KEY}", server.url()))
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    let error = provider.provide().await.expect_err("no answer");
    let shown = format!("{error} {error:?} {provider:?}");
    assert_no_secret(&shown, &[AGENT_KEY]);
    assert!(shown.contains("/credentials"), "{shown}");
}

/// A plain-http credentials URI to a non-loopback host is refused without connecting, and the
/// refusal does not quote the key in its query.
#[test]
fn a_refused_credentials_uri_never_shows_its_query() {
    for url in [
        format!("http://credentials.example.com/x?key={AGENT_KEY}"),
        format!("ftp://127.0.0.1/x?key={AGENT_KEY}"),
    ] {
        let error = CredentialsUriProvider::builder()
            .url(url)
            .env_lookup(env(&[]))
            .build()
            .expect_err("refused");
        assert!(matches!(error, CredentialsError::Invalid { .. }), "{error}");
        assert_no_secret(&format!("{error} {error:?}"), &[AGENT_KEY]);
    }
}

/// A server that sends a 200 head and then a chunked body forever: `chunk` at a time, every
/// `pause`.
async fn endless_body(chunk: &'static [u8], pause: Duration) -> String {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                            transfer-encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
                // Ends when the client hangs up (the write fails).
                while stream.write_all(&framed).await.is_ok() {
                    tokio::time::sleep(pause).await;
                }
            });
        }
    });
    url
}

/// An endless slow body is cut by the request timeout: the provider answers, with an error.
#[tokio::test]
async fn an_endless_slow_answer_is_cut_by_the_timeout() {
    let url = endless_body(b" ", Duration::from_millis(20)).await;
    let provider = CredentialsUriProvider::builder()
        .url(format!("{url}/credentials"))
        .timeout(Duration::from_millis(300))
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    // The bound of this test only; the provider's own timeout must end the call far earlier.
    let result = tokio::time::timeout(Duration::from_secs(30), provider.provide())
        .await
        .expect("the provider's timeout ends the call");
    let reason = expect_unavailable(result, "credentials uri");
    assert!(reason.contains("timed out"), "{reason}");
}

/// An endless fast chunked body (no content-length to refuse up front) is cut at the limit.
#[tokio::test]
async fn an_endless_chunked_answer_is_cut_at_the_size_limit() {
    static CHUNK: [u8; 4096] = [b' '; 4096];
    let url = endless_body(&CHUNK, Duration::ZERO).await;
    let provider = CredentialsUriProvider::builder()
        .url(format!("{url}/credentials"))
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    let result = tokio::time::timeout(Duration::from_secs(30), provider.provide())
        .await
        .expect("the size limit ends the call");
    let reason = expect_unavailable(result, "credentials uri");
    assert!(reason.contains("larger than"), "{reason}");
}

fn uri_answer(id: &str, secret: &str, token: &str, expiration: &str) -> String {
    serde_json::json!({
        "Code": "Success",
        "AccessKeyId": id,
        "AccessKeySecret": secret,
        "SecurityToken": token,
        "Expiration": expiration,
    })
    .to_string()
}

async fn uri_provide(body: &str) -> Result<Credentials, CredentialsError> {
    let server = Server::scripted(vec![Reply::json(200, body)]).await;
    let provider = CredentialsUriProvider::builder()
        .url(format!("{}/credentials", server.url()))
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    provider.provide().await
}

/// Credentials that cannot go on the wire (a control character in the AccessKeyId or the
/// SecurityToken, whitespace in the AccessKeyId) are refused when received, naming the field
/// and quoting no token.
#[tokio::test]
async fn credentials_with_control_characters_are_refused_when_received() {
    const TOKEN: &str = "CAIS-received-token-0123";
    let cases = [
        (
            uri_answer(
                "STS.id",
                "secret",
                "CAIS\r\nX-Injected: 1",
                "2099-01-01T00:00:00Z",
            ),
            "SecurityToken",
        ),
        (
            uri_answer("STS.i d", "secret", TOKEN, "2099-01-01T00:00:00Z"),
            "AccessKeyId",
        ),
        (
            uri_answer("STS.id\u{1b}[2J", "secret", TOKEN, "2099-01-01T00:00:00Z"),
            "AccessKeyId",
        ),
    ];
    for (body, field) in cases {
        let reason = expect_unavailable(uri_provide(&body).await, "credentials uri");
        assert!(reason.contains(field), "{field}: {reason}");
        assert!(
            !reason.contains("X-Injected") && !reason.contains(TOKEN),
            "{reason}"
        );
        assert!(!reason.contains('\u{1b}'), "{reason:?}");
    }
}

/// A huge or hostile Expiration is reported in a bounded, escaped form.
#[tokio::test]
async fn a_huge_expiration_is_reported_briefly() {
    let body = uri_answer("STS.id", "secret", "token", &"9".repeat(50_000));
    let reason = expect_unavailable(uri_provide(&body).await, "credentials uri");
    assert!(reason.contains("Expiration"), "{reason}");
    assert!(reason.len() < 1_000, "{} bytes", reason.len());
}

/// Wrong JSON types, a JSON array, an HTML page, an empty body and a far-future or past
/// Expiration: typed answers, never a panic.
#[tokio::test]
async fn malformed_answers_are_typed_errors() {
    let cases = [
        (
            r#"{"Code":"Success","AccessKeyId":1,"AccessKeySecret":"s","SecurityToken":"t",
                "Expiration":"2099-01-01T00:00:00Z"}"#
                .to_owned(),
            "AccessKeyId is not a string",
        ),
        ("[]".to_owned(), "not an object"),
        ("<html><body>502</body></html>".to_owned(), "not JSON"),
        (String::new(), "not JSON"),
        (
            uri_answer("STS.id", "s", "t", "2026-13-45T99:99:99Z"),
            "Expiration",
        ),
    ];
    for (body, expected) in cases {
        let reason = expect_unavailable(uri_provide(&body).await, "credentials uri");
        assert!(reason.contains(expected), "{expected}: {reason}");
    }
    // The latest and an old time RFC 3339 can write are accepted as they are: the cache
    // decides when to refresh.
    for expiration in ["9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z"] {
        let body = uri_answer("STS.id", "s", "t", expiration);
        let credentials = uri_provide(&body).await.expect("credentials");
        assert!(credentials.expiration().is_some());
    }
}

/// A redirect is never followed, even to loopback: the 302 is the answer.
#[tokio::test]
async fn redirects_are_not_followed() {
    let server = Server::scripted(vec![
        Reply::json(302, "").header("location", "http://100.100.100.200/latest/x"),
    ])
    .await;
    let provider = CredentialsUriProvider::builder()
        .url(format!("{}/credentials?key={AGENT_KEY}", server.url()))
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    let reason = expect_unavailable(provider.provide().await, "credentials uri");
    assert!(reason.contains("HTTP 302"), "{reason}");
    assert_no_secret(&reason, &[AGENT_KEY]);
    assert_eq!(server.requests().len(), 1);
}

/// A CLI configuration of `links` ChainableRamRoleArn profiles, `p0` → `p1` → … → an AK
/// profile: as many as fit in the largest file the provider reads.
fn deep_chain_config(links: usize) -> String {
    let mut profiles = vec![
        r#"{"name":"base","mode":"AK","access_key_id":"LTAI-id","access_key_secret":"secret"}"#
            .to_owned(),
    ];
    for n in 0..links {
        let source = if n + 1 == links {
            "base".to_owned()
        } else {
            format!("p{}", n + 1)
        };
        profiles.push(format!(
            r#"{{"name":"p{n}","mode":"ChainableRamRoleArn","source_profile":"{source}","ram_role_arn":"{ROLE}"}}"#
        ));
    }
    format!(r#"{{"current":"p0","profiles":[{}]}}"#, profiles.join(","))
}

/// A source_profile chain far deeper than any real one is refused before anything is sent,
/// instead of recursing once per profile (a stack overflow aborts the process) and calling
/// STS once per link.
#[tokio::test]
async fn a_very_deep_source_profile_chain_is_refused_without_sending() {
    let home = tempfile::tempdir().expect("a HOME");
    let config = deep_chain_config(7_000);
    assert!(config.len() < 1024 * 1024, "{} bytes", config.len());
    let dir = home.path().join(".aliyun");
    std::fs::create_dir_all(&dir).expect("create .aliyun");
    std::fs::write(dir.join("config.json"), config).expect("write config.json");
    let server = Server::scripted(vec![]).await;
    let vars = [("DBS_STS_ENDPOINT", server.url())];
    let provider = dbs_api::credentials::AliyunCliProfileProvider::new()
        .with_home(home.path())
        .with_env_lookup(env(&vars))
        .with_profile("p0");
    let error = provider.provide().await.expect_err("refused");
    assert!(matches!(error, CredentialsError::Invalid { .. }), "{error}");
    assert!(error.to_string().contains("source_profile"), "{error}");
    assert!(
        error.to_string().len() < 2_000,
        "{} bytes",
        error.to_string().len()
    );
    assert!(server.requests().is_empty());
}

/// The limit is MAX_SOURCE_PROFILE_LINKS links: that many reach STS once each, one more is
/// refused before sending.
#[tokio::test]
async fn a_source_profile_chain_of_the_limit_works_and_one_more_is_refused() {
    use dbs_api::credentials::MAX_SOURCE_PROFILE_LINKS;
    // The shape of STS's AssumeRole answer in its API reference.
    let answer = r#"{"RequestId":"r","AssumedRoleUser":{"Arn":"a","AssumedRoleId":"b"},
        "Credentials":{"AccessKeyId":"STS.chained","AccessKeySecret":"chained-secret",
        "SecurityToken":"chained-token","Expiration":"2099-01-01T00:00:00Z"}}"#;
    for (links, works) in [
        (MAX_SOURCE_PROFILE_LINKS, true),
        (MAX_SOURCE_PROFILE_LINKS + 1, false),
    ] {
        let home = tempfile::tempdir().expect("a HOME");
        let dir = home.path().join(".aliyun");
        std::fs::create_dir_all(&dir).expect("create .aliyun");
        std::fs::write(dir.join("config.json"), deep_chain_config(links)).expect("write");
        let server = Server::scripted(vec![Reply::json(200, answer)]).await;
        let vars = [("DBS_STS_ENDPOINT", server.url())];
        let result = dbs_api::credentials::AliyunCliProfileProvider::new()
            .with_home(home.path())
            .with_env_lookup(env(&vars))
            .with_profile("p0")
            .provide()
            .await;
        if works {
            assert_eq!(result.expect("credentials").access_key_id(), "STS.chained");
            assert_eq!(server.requests().len(), links);
        } else {
            let error = result.expect_err("refused");
            assert!(error.to_string().contains("more than"), "{error}");
            assert!(server.requests().is_empty());
        }
    }
}

/// A credentials URI whose error `Code` echoes the key of its own query, or is huge: the
/// error quotes it redacted and briefly.
#[tokio::test]
async fn a_code_echoing_the_uri_key_is_redacted_and_short() {
    let echo = format!(r#"{{"Code":"Forbidden key={AGENT_KEY}"}}"#);
    let huge = format!(r#"{{"Code":"{}"}}"#, "X".repeat(50_000));
    for body in [echo, huge] {
        let server = Server::scripted(vec![Reply::json(200, &body)]).await;
        let provider = CredentialsUriProvider::builder()
            .url(format!("{}/credentials?key={AGENT_KEY}", server.url()))
            .env_lookup(env(&[]))
            .build()
            .expect("a provider");
        let reason = expect_unavailable(provider.provide().await, "credentials uri");
        assert!(reason.contains("instead of Success"), "{reason}");
        assert_no_secret(&reason, &[AGENT_KEY]);
        assert!(reason.len() < 1_000, "{} bytes", reason.len());
    }
}

/// Source credentials that cannot go on the wire (a SecurityToken with a line break, as from
/// a mis-pasted StsToken profile) are a configuration error named as such, before anything
/// is sent, in either signature version.
#[tokio::test]
async fn unsendable_source_credentials_are_invalid_before_sending() {
    for version in [
        dbs_api::signing::SignatureVersion::V1,
        dbs_api::signing::SignatureVersion::V3,
    ] {
        let server = Server::scripted(vec![]).await;
        let provider = RamRoleArnProvider::builder()
            .source(StaticProvider::new(
                Credentials::new("STS.source-id", SOURCE_SECRET)
                    .with_security_token(format!("{SOURCE_TOKEN}\r\n")),
            ))
            .role_arn(ROLE)
            .signature_version(version)
            .sts_endpoint(StsEndpoint::new().url(server.url()))
            .env_lookup(env(&[]))
            .build()
            .expect("a provider");
        let error = provider.provide().await.expect_err("refused");
        assert!(
            matches!(error, CredentialsError::Invalid { .. }),
            "{version:?}: {error}"
        );
        assert!(error.to_string().contains("SecurityToken"), "{error}");
        assert_no_secret(
            &format!("{error} {error:?}"),
            &[SOURCE_SECRET, SOURCE_TOKEN],
        );
        assert!(server.requests().is_empty(), "{version:?}");
    }
}

/// An OIDC token "file" that is a directory, a FIFO nobody writes to, `/dev/zero`, a file
/// over the limit, an empty file or not UTF-8: a typed error at once (no hang, no endless
/// read), quoting none of its bytes, and nothing sent.
#[tokio::test]
async fn hostile_oidc_token_files_are_refused_without_sending() {
    let dir = tempfile::tempdir().expect("a directory");
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    let huge = dir.path().join("huge");
    std::fs::write(&huge, "eyJ".repeat(1024 * 1024)).expect("write");
    let empty = dir.path().join("empty");
    std::fs::write(&empty, " \n").expect("write");
    let binary = dir.path().join("binary");
    std::fs::write(&binary, b"eyJ\xff\xfe.secret-bytes").expect("write");
    let server = Server::scripted(vec![]).await;
    let cases: [(&std::path::Path, &str); 6] = [
        (dir.path(), "a directory"),
        (&fifo, "a FIFO"),
        (std::path::Path::new("/dev/zero"), "a character device"),
        (&huge, "larger than"),
        (&empty, "empty"),
        (&binary, "not UTF-8"),
    ];
    for (path, expected) in cases {
        let provider = dbs_api::credentials::OidcRoleArnProvider::builder()
            .role_arn(ROLE)
            .oidc_provider_arn("acs:ram::1234567890123456:oidc-provider/ack-rrsa-demo")
            .oidc_token_file(path)
            .sts_endpoint(StsEndpoint::new().url(server.url()))
            .env_lookup(env(&[]))
            .build()
            .expect("a provider");
        let result = tokio::time::timeout(Duration::from_secs(30), provider.provide())
            .await
            .expect("no hang");
        let error = result.expect_err("refused");
        assert!(matches!(error, CredentialsError::Invalid { .. }), "{error}");
        assert!(error.to_string().contains(expected), "{expected}: {error}");
        assert!(!error.to_string().contains("secret-bytes"), "{error}");
    }
    assert!(server.requests().is_empty());
}

/// Plain-http overrides that only look like loopback are refused when the provider is built,
/// before any connection: for DBS_STS_ENDPOINT, DBS_ECS_METADATA_ENDPOINT and
/// ALIBABA_CLOUD_CREDENTIALS_URI alike. Real loopback spellings are accepted.
#[test]
fn plain_http_overrides_that_only_look_like_loopback_are_refused() {
    let sts = |url: &str| {
        RamRoleArnProvider::builder()
            .source(temporary_source())
            .role_arn(ROLE)
            .env_lookup(env(&[("DBS_STS_ENDPOINT", url)]))
            .build()
            .map(|_| ())
    };
    let ecs = |url: &str| {
        dbs_api::credentials::EcsRamRoleProvider::builder()
            .env_lookup(env(&[("DBS_ECS_METADATA_ENDPOINT", url)]))
            .build()
            .map(|_| ())
    };
    let uri = |url: &str| {
        CredentialsUriProvider::builder()
            .env_lookup(env(&[("ALIBABA_CLOUD_CREDENTIALS_URI", url)]))
            .build()
            .map(|_| ())
    };
    let refused = [
        "http://127.0.0.1.nip.io:8080",
        "http://127.0.0.1@sts.example.com",
        "http://user:pw@127.0.0.1:8080",
        "http://sts.example.com\\@127.0.0.1",
        "http://[::ffff:127.0.0.1]:8080",
        "http://100.100.100.200",
        "http://localhost.example.com",
        "HTTP://sts.example.com",
    ];
    for url in refused {
        for (name, result) in [("sts", sts(url)), ("ecs", ecs(url)), ("uri", uri(url))] {
            let error = result.expect_err(&format!("{name} accepted {url}"));
            assert!(
                matches!(error, CredentialsError::Invalid { .. }),
                "{name} {url}: {error}"
            );
            assert!(!error.to_string().contains("pw@"), "{error}");
        }
    }
    for url in [
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
        "http://localhost:8080",
    ] {
        assert!(sts(url).is_ok(), "sts {url}");
        assert!(ecs(url).is_ok(), "ecs {url}");
        assert!(uri(&format!("{url}/credentials")).is_ok(), "uri {url}");
    }
}

/// A metadata service whose session token cannot be sent back as a header (a control
/// character inside it): the provider says so, naming the session token, without quoting it
/// and without a second request.
#[tokio::test]
async fn an_unsendable_imds_session_token_is_refused() {
    let server = Server::scripted(vec![
        Reply::json(200, "imds-token-never\u{1}-printed").header("content-type", "text/plain"),
    ])
    .await;
    let provider = dbs_api::credentials::EcsRamRoleProvider::builder()
        .role_name("dbs-ecs-role")
        .endpoint(server.url())
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    let reason = expect_unavailable(provider.provide().await, "ecs ram role");
    assert!(reason.contains("session token"), "{reason}");
    assert!(!reason.contains("never"), "{reason}");
    assert_eq!(server.requests().len(), 1, "{reason}");
}

/// STS's SignatureDoesNotMatch echoes the StringToSign, where the source SecurityToken is
/// percent-encoded twice; a hostile STS may echo it JSON-escaped too. The error keeps the code
/// and shows none of these spellings.
#[tokio::test]
async fn sts_echoing_the_source_token_in_any_spelling_is_redacted() {
    const TOKEN: &str = "CAIS/source+token=never-printed";
    let once = dbs_tests::form::percent_encode(TOKEN);
    let twice = dbs_tests::form::percent_encode(&once);
    let escaped: String = TOKEN
        .chars()
        .map(|c| format!("\\u{:04x}", u32::from(c)))
        .collect();
    let message = format!(
        "Specified signature is not matched with our calculation. server string to sign \
         is:GET&%2F&SecurityToken%3D{twice} raw {TOKEN} json {escaped} secret {SOURCE_SECRET}"
    );
    let body = format!(
        r#"{{"RequestId":"r-1","HostId":"sts.aliyuncs.com","Code":"SignatureDoesNotMatch",
            "Message":"{}"}}"#,
        message.replace('\\', "\\\\").replace("\\\\u", "\\u")
    );
    let server = Server::scripted(vec![Reply::json(400, &body)]).await;
    let provider = RamRoleArnProvider::builder()
        .source(StaticProvider::new(
            Credentials::new("STS.source-id", SOURCE_SECRET).with_security_token(TOKEN),
        ))
        .role_arn(ROLE)
        .sts_endpoint(StsEndpoint::new().url(server.url()))
        .env_lookup(env(&[]))
        .build()
        .expect("a provider");
    let reason = expect_unavailable(provider.provide().await, "ram role arn");
    assert!(reason.contains("SignatureDoesNotMatch"), "{reason}");
    assert_no_secret(&reason, &[TOKEN, SOURCE_SECRET, &once, &twice]);
}

/// `Debug` of a credentials-URI builder, as a program logging its configuration shows it,
/// does not show the key in the URL's query.
#[test]
fn debug_of_the_uri_builder_hides_the_query() {
    let builder = CredentialsUriProvider::builder()
        .url(format!("http://127.0.0.1:1/credentials?key={AGENT_KEY}"))
        .env_lookup(env(&[]));
    let shown = format!("{builder:?}");
    assert_no_secret(&shown, &[AGENT_KEY]);
    assert!(shown.contains("/credentials"), "{shown}");
}

/// A password in an STS or metadata URL (refused when resolved) does not show in `Debug` of
/// the endpoint or of a builder holding it, nor in the refusal.
#[test]
fn a_password_in_an_sts_url_never_shows() {
    const PASSWORD: &str = "sts-url-password-never-printed";
    let endpoint = StsEndpoint::new().url(format!("https://user:{PASSWORD}@sts.example.com"));
    let builder = RamRoleArnProvider::builder()
        .source(temporary_source())
        .role_arn(ROLE)
        .sts_endpoint(endpoint.clone())
        .env_lookup(env(&[]));
    let ecs = dbs_api::credentials::EcsRamRoleProvider::builder()
        .endpoint(format!("https://user:{PASSWORD}@127.0.0.1:1"))
        .env_lookup(env(&[]));
    let mut shown = format!("{endpoint:?} {builder:?} {ecs:?}");
    let ecs_error = ecs.build().expect_err("refused");
    shown.push_str(&format!(" {ecs_error} {ecs_error:?}"));
    let error = builder.build().expect_err("refused");
    shown.push_str(&format!(" {error} {error:?}"));
    assert_no_secret(&shown, &[PASSWORD, SOURCE_SECRET, SOURCE_TOKEN]);
}
