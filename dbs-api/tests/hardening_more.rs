//! Follow-ups of a hostile trial of the pipeline (issue 8): credentials that cannot be sent,
//! service failures at HTTP 200, which earlier attempt an error cites, server hints that are
//! out of range or unreadable, and odd service errors. Servers listen on 127.0.0.1 only.

mod support;

use std::time::Duration;

use dbs_api::{Client, Credentials, Error, RetryConfig, SignatureVersion};
use support::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, Reply, Server, decode_form, param, restore_task};

fn quick(server: &Server, credentials: Credentials, version: SignatureVersion) -> Client {
    Client::builder()
        .endpoint_url(server.url())
        .credentials(credentials)
        .signature_version(version)
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)))
        .build()
        .expect("a loopback client builds")
}

fn v3(server: &Server) -> Client {
    quick(
        server,
        Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        SignatureVersion::V3,
    )
}

/// The ClientToken of a request body.
fn token_of(body: &str) -> Option<String> {
    param(&decode_form(body), "ClientToken").map(str::to_owned)
}

/// Finding 1: an AccessKeyId or SecurityToken with a character no header can carry is refused
/// as a credentials error before anything is sent, under either signature, and the message
/// never quotes the token.
#[tokio::test]
async fn credentials_that_cannot_be_sent_are_refused_before_sending() {
    let cases = [
        Credentials::new("id\u{1}", ACCESS_KEY_SECRET),
        Credentials::new("LTAI é", ACCESS_KEY_SECRET),
        Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET).with_security_token("t\r\nX: y"),
        Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET).with_security_token("tok\u{7f}en"),
    ];
    for credentials in cases {
        for version in [SignatureVersion::V3, SignatureVersion::V1] {
            let server = Server::scripted(vec![]).await;
            let client = quick(&server, credentials.clone(), version);
            let error = restore_task(&client)
                .send()
                .await
                .expect_err("refused locally");
            assert!(
                matches!(error, Error::Credentials(_)),
                "{credentials:?} {version:?}: {error:?}"
            );
            assert!(!error.was_sent());
            assert_eq!(error.client_token(), None);
            assert!(server.requests().is_empty(), "nothing reached the server");
            let text = error.to_string();
            assert!(text.contains("cannot be sent"), "{text}");
            assert!(!text.contains("X: y") && !text.contains("tok"), "{text}");
        }
    }
}

/// Finding 2: a retryable server-side failure code in an HTTP 200 body means the service may
/// have acted, as a 5xx would: the final error keeps the call's ClientToken.
#[tokio::test]
async fn a_server_failure_code_at_http_200_keeps_the_token() {
    for code in ["ServiceUnavailable", "InternalError"] {
        let body = format!(r#"{{"Success":false,"Code":"{code}","Message":"x","RequestId":"R"}}"#);
        let server = Server::scripted(vec![Reply::json(200, &body)]).await;
        let error = restore_task(&v3(&server)).send().await.expect_err("failed");
        let requests = server.requests();
        assert_eq!(requests.len(), 3, "{code}: retried");
        assert_eq!(error.code(), Some(code));
        assert!(error.was_sent());
        assert_eq!(
            error.client_token().map(str::to_owned),
            token_of(&requests[0].body),
            "{code}: the token to retry with"
        );
    }
    // A refusal at HTTP 200 is still a refusal: no token.
    let body = r#"{"Success":false,"Code":"Throttling.User","Message":"x","RequestId":"R"}"#;
    let server = Server::scripted(vec![Reply::json(200, body)]).await;
    let error = restore_task(&v3(&server)).send().await.expect_err("failed");
    assert_eq!(error.client_token(), None, "{error:?}");
}

/// Finding 3: attempt 1 throttled (a refusal, R1), attempt 2 a 503 (may have acted, R2),
/// attempt 3 refused at the connection. The error cites attempt 2, the one that may have acted.
#[tokio::test]
async fn the_error_cites_the_first_attempt_that_may_have_acted() {
    let throttled = r#"{"Code":"Throttling.User","Message":"slow down","RequestId":"R1"}"#;
    let unavailable = r#"{"Code":"ServiceUnavailable","Message":"later","RequestId":"R2"}"#;
    let replies = [Reply::json(400, throttled), Reply::json(503, unavailable)];
    let server = Server::try_start(Some(2), move |_, n| replies[n.min(1)].clone())
        .await
        .expect("bind 127.0.0.1");
    let error = restore_task(&v3(&server))
        .send()
        .await
        .expect_err("refused");
    assert_eq!(server.requests().len(), 2);
    let Error::Transport { message, sent, .. } = &error else {
        panic!("expected the refused last attempt, got {error:?}");
    };
    assert!(*sent);
    assert!(
        message.contains("an earlier attempt may have reached the service: attempt 2")
            && message.contains("R2")
            && !message.contains("R1"),
        "{message}"
    );
    assert_eq!(
        error.client_token().map(str::to_owned),
        token_of(&server.requests()[1].body)
    );

    // Only refusals before: the first that reached the service is cited.
    let replies = [Reply::json(400, throttled)];
    let server = Server::try_start(Some(1), move |_, _| replies[0].clone())
        .await
        .expect("bind 127.0.0.1");
    let error = restore_task(&v3(&server))
        .send()
        .await
        .expect_err("refused");
    assert!(
        error.to_string().contains("attempt 1") && error.to_string().contains("R1"),
        "{error}"
    );
    assert_eq!(error.client_token(), None);
}

/// Finding 11: an `x-acs-retry-after` too large for a `u64` means "a very long wait", as the
/// largest `u64` does: the call ends at once with the server's error instead of retrying.
#[tokio::test]
async fn an_overlarge_retry_after_ends_the_call_like_the_largest_one() {
    let unavailable = r#"{"Code":"ServiceUnavailable","Message":"later","RequestId":"R"}"#;
    for value in ["18446744073709551615", "99999999999999999999999"] {
        let reply = Reply::json(503, unavailable).header("x-acs-retry-after", value);
        let server = Server::scripted(vec![reply]).await;
        let error = restore_task(&v3(&server)).send().await.expect_err("503");
        assert_eq!(server.requests().len(), 1, "{value}: not retried");
        assert_eq!(
            error.retry_after(),
            Some(Duration::from_millis(u64::MAX)),
            "{value}"
        );
    }
}

/// Finding 11: the timestamp refusal is recognised whatever the case of its code family
/// (`InvalidTimestamp.Expired`), and an unreadable `Date` is said to be unreadable.
#[tokio::test]
async fn timestamp_refusals_match_their_family_in_any_case() {
    let body = r#"{"Code":"InvalidTimestamp.Expired","Message":"expired","RequestId":"R"}"#;
    let reply = Reply::json(400, body).header("date", "2026-12-07T02:00:00Z");
    let server = Server::scripted(vec![reply]).await;
    let error = restore_task(&v3(&server)).send().await.expect_err("400");
    assert_eq!(
        server.requests().len(),
        1,
        "a timestamp refusal is not retried"
    );
    let skew = error.clock_skew().expect("a skew hint");
    assert_eq!(skew.server, None);
    let text = error.to_string();
    assert!(text.contains("Date header could not be read"), "{text}");
}

/// Finding 13: a huge server message is kept to `ServiceError::MAX_MESSAGE_CHARS` characters
/// with a note of how much was cut.
#[tokio::test]
async fn a_huge_service_message_is_cut_with_a_note() {
    let limit = dbs_api::ServiceError::MAX_MESSAGE_CHARS;
    let message = "é".repeat(200_000);
    let body = format!(r#"{{"Code":"InvalidParameter","Message":"{message}","RequestId":"R"}}"#);
    let server = Server::scripted(vec![Reply::json(400, &body)]).await;
    let error = restore_task(&v3(&server)).send().await.expect_err("400");
    let kept = &error.as_service_error().expect("a service error").message;
    assert_eq!(
        kept.as_str(),
        format!(
            "{}… [{} more characters cut]",
            "é".repeat(limit),
            200_000 - limit
        )
    );
}

/// Finding 13: a `Code` or `Message` that is not a string loses neither the code's place nor
/// the message.
#[tokio::test]
async fn odd_typed_codes_and_messages_keep_the_message() {
    for (body, code, message) in [
        (r#"{"Code":400,"Message":"boom"}"#, "400", "boom"),
        (r#"{"Code":{"x":1},"Message":"boom"}"#, "HTTP400", "boom"),
        (r#"{"Code":true,"Message":"boom"}"#, "HTTP400", "boom"),
        (
            r#"{"Code":"Bad","Message":{"detail":"boom"}}"#,
            "Bad",
            r#"{"detail":"boom"}"#,
        ),
        (r#"{"Code":"Bad","Message":42}"#, "Bad", "42"),
    ] {
        let server = Server::scripted(vec![Reply::json(400, body)]).await;
        let error = restore_task(&v3(&server)).send().await.expect_err("400");
        let service = error.as_service_error().expect("a service error");
        assert_eq!(service.code, code, "{body}");
        assert_eq!(service.message, message, "{body}");
    }
}

/// Finding 13: a ClientToken breaking the reference's rule (ASCII only, at most 64 characters)
/// is a validation error and nothing is sent; a 64-character token goes as given.
#[tokio::test]
async fn client_tokens_follow_the_reference_rule() {
    let server = Server::scripted(vec![]).await;
    let client = v3(&server);
    for token in [
        "a b",
        "x\u{1b}[2J",
        "jeton-é",
        &"t".repeat(65),
        &"t".repeat(100_000),
    ] {
        let error = restore_task(&client)
            .client_token(token)
            .send()
            .await
            .expect_err("refused");
        let violations = error
            .as_validation_error()
            .map(|v| v.violations().to_vec())
            .unwrap_or_default();
        assert!(
            violations.iter().any(|v| v.parameter() == "ClientToken"),
            "{error:?}"
        );
        assert!(!error.was_sent());
    }
    assert!(server.requests().is_empty(), "nothing reached the server");
    let token = "t".repeat(64);
    restore_task(&client)
        .client_token(&token)
        .send()
        .await
        .expect("64 visible ASCII characters are a token");
    assert_eq!(token_of(&server.requests()[0].body), Some(token));
}

/// Finding 13: the other strings of a service error (RequestId, HostId, Recommend) are cut
/// like its message.
#[tokio::test]
async fn huge_service_strings_are_cut_too() {
    let limit = dbs_api::ServiceError::MAX_MESSAGE_CHARS;
    let huge = "r".repeat(100_000);
    let body = format!(
        r#"{{"Code":"InvalidParameter","Message":"m","RequestId":"{huge}","HostId":"{huge}","Recommend":"{huge}"}}"#
    );
    let server = Server::scripted(vec![Reply::json(400, &body)]).await;
    let error = restore_task(&v3(&server)).send().await.expect_err("400");
    let service = error.as_service_error().expect("a service error");
    let expected = format!(
        "{}… [{} more characters cut]",
        "r".repeat(limit),
        100_000 - limit
    );
    assert_eq!(service.request_id.as_deref(), Some(expected.as_str()));
    assert_eq!(service.host_id.as_deref(), Some(expected.as_str()));
    assert_eq!(service.recommend.as_deref(), Some(expected.as_str()));
}
