//! What a call's error says about the whole call, not only its last attempt; server-requested
//! waits against the client's limits; timestamp refusals; tolerant numbers in answers.
//!
//! The servers here listen on 127.0.0.1 only. A "one-shot" server takes one connection, stops
//! listening at once (so every later attempt is refused), and then answers, resets or hangs.

mod support;

use std::time::Duration;

use dbs_api::wire::de;
use dbs_api::{Client, Credentials, Error, RetryConfig, SignatureVersion};
use dbs_tests::refused_url;
use serde_json::json;
use support::{
    ACCESS_KEY_ID, ACCESS_KEY_SECRET, Reply, Server, client, decode_form, param, restore_task,
};

const UNAVAILABLE: &str = r#"{"Code":"ServiceUnavailable","Message":"The request has failed due to a temporary failure of the server.","RequestId":"req-503"}"#;

fn v3(server: &Server) -> Client {
    client(
        server,
        Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        SignatureVersion::V3,
    )
}

fn quick_retries() -> RetryConfig {
    RetryConfig::standard().with_initial_backoff(Duration::from_millis(1))
}

/// What the one-shot server does with its only connection.
#[derive(Clone, Copy, Debug)]
enum Once {
    /// Answers `503 ServiceUnavailable` and closes.
    Unavailable,
    /// Reads the request and resets the connection (RST, no answer).
    Reset,
    /// Reads the request, says nothing for this long, then closes.
    Hang(Duration),
}

/// A server on 127.0.0.1 that serves one connection as `once` says and refuses the next ones.
async fn one_shot(once: Once) -> Server {
    Server::one_connection(match once {
        Once::Unavailable => Reply::json(503, UNAVAILABLE),
        Once::Reset => Reply::reset(),
        Once::Hang(pause) => Reply::drop_connection().delayed(pause),
    })
    .await
}

fn quick_client(url: &str) -> Client {
    Client::builder()
        .endpoint_url(url)
        .credentials(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
        .retry_config(quick_retries())
        .build()
        .expect("client")
}

/// The ClientToken of a request body.
fn token_of(body: &str) -> Option<String> {
    param(&decode_form(body), "ClientToken").map(str::to_owned)
}

/// The issue's case and its neighbours: the first attempt reached a server that then went away
/// (answered 503, reset, hung then closed, hung past the attempt timeout); the next two
/// attempts were refused. The call may have acted: sent, with the token to retry with.
#[tokio::test]
async fn a_refused_last_attempt_does_not_hide_an_earlier_one_that_was_sent() {
    for (once, attempt_timeout) in [
        (Once::Unavailable, None),
        (Once::Reset, None),
        (Once::Hang(Duration::from_millis(300)), None),
        (
            Once::Hang(Duration::from_secs(3)),
            Some(Duration::from_millis(300)),
        ),
    ] {
        let server = one_shot(once).await;
        let client = quick_client(server.url());
        let mut request = restore_task(&client);
        if let Some(timeout) = attempt_timeout {
            request = request.attempt_timeout(timeout);
        }
        let error = request.send().await.expect_err("the server went away");
        let requests = server.requests();
        let sent = token_of(&requests.first().expect("the first attempt arrived").body);
        assert!(
            sent.is_some(),
            "{once:?}: the request carried a ClientToken"
        );
        match &error {
            Error::Transport {
                sent: true,
                attempts: 3,
                message,
                ..
            } => assert!(
                message.contains("Connection refused")
                    && message
                        .contains("an earlier attempt may have reached the service: attempt 1"),
                "{once:?}: {message}"
            ),
            other => panic!("{once:?}: expected a sent transport error, got {other:?}"),
        }
        assert!(error.was_sent(), "{once:?}");
        assert!(!error.to_string().contains("not sent"), "{once:?}: {error}");
        assert_eq!(
            error.client_token().map(str::to_owned),
            sent,
            "{once:?}: the token the call used"
        );
    }
}

#[tokio::test]
async fn refusals_only_are_not_sent_and_carry_no_token() {
    let error = restore_task(&quick_client(&refused_url()))
        .send()
        .await
        .expect_err("refused");
    assert!(!error.was_sent(), "{error:?}");
    assert_eq!(error.client_token(), None);
    assert!(error.to_string().contains("request not sent"), "{error}");

    // Every attempt throttled: the service refused each one, nothing to deduplicate.
    let throttled = r#"{"Code":"Throttling.User","Message":"slow down","RequestId":"t"}"#;
    let server = Server::scripted(vec![Reply::json(400, throttled)]).await;
    let error = restore_task(&v3(&server))
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(server.requests().len(), 3);
    assert!(error.was_sent());
    assert_eq!(error.client_token(), None, "{error:?}");
}

/// A service or timeout error after an earlier attempt that may have acted keeps the token.
#[tokio::test]
async fn a_later_answer_keeps_the_token_of_an_earlier_ambiguous_attempt() {
    let invalid = r#"{"Code":"InvalidParameter","Message":"no","RequestId":"r-400"}"#;
    let server = Server::scripted(vec![Reply::drop_connection(), Reply::json(400, invalid)]).await;
    let error = restore_task(&v3(&server)).send().await.expect_err("400");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let sent = token_of(&requests[0].body);
    assert_eq!(error.code(), Some("InvalidParameter"));
    assert!(error.was_sent());
    assert_eq!(error.client_token().map(str::to_owned), sent);

    // "Still processing" to the end: the service is acting on the token, which is the one to
    // retry with.
    let processing = r#"{"Code":"IdempotentProcessing","Message":"wait","RequestId":"p"}"#;
    let server = Server::scripted(vec![Reply::json(400, processing)]).await;
    let error = restore_task(&v3(&server)).send().await.expect_err("400");
    assert_eq!(server.requests().len(), 3, "retried");
    assert_eq!(
        error.client_token().map(str::to_owned),
        token_of(&server.requests()[0].body)
    );

    // The same 400 alone was a refusal: no token to retry with.
    let server = Server::scripted(vec![Reply::json(400, invalid)]).await;
    let error = restore_task(&v3(&server)).send().await.expect_err("400");
    assert_eq!(error.client_token(), None);

    // A 503 (the work may be done, the answer lost) and then timeouts.
    let server = Server::scripted(vec![
        Reply::json(503, UNAVAILABLE),
        Reply::success().delayed(Duration::from_secs(3)),
    ])
    .await;
    let error = restore_task(&v3(&server))
        .attempt_timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("timed out");
    assert!(
        matches!(error, Error::Timeout { attempts: 3, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.client_token().map(str::to_owned),
        token_of(&server.requests()[0].body)
    );

    // The operation timeout cutting an attempt in flight.
    let server = Server::scripted(vec![Reply::success().delayed(Duration::from_secs(3))]).await;
    let error = restore_task(&v3(&server))
        .operation_timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("timed out");
    assert!(
        matches!(error, Error::Timeout { attempts: 1, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.client_token().map(str::to_owned),
        token_of(&server.requests()[0].body)
    );
}

/// The issue's case: 429 with `x-acs-retry-after: 3600000` and no operation timeout. The wait
/// is longer than the policy's longest (20 s), so the call ends at once with the server's error.
#[tokio::test]
async fn a_server_wait_past_the_policy_ends_the_call_with_the_server_error() {
    let throttled = r#"{"Code":"Throttling.User","Message":"Request was denied due to user flow control.","RequestId":"t-1"}"#;
    let server = Server::scripted(vec![
        Reply::json(429, throttled).header("x-acs-retry-after", "3600000"),
        Reply::success(),
    ])
    .await;
    let error = restore_task(&v3(&server)).send().await.expect_err("ends");
    assert_eq!(
        server.requests().len(),
        1,
        "no retry before the server's hour"
    );
    assert_eq!(error.code(), Some("Throttling.User"));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert!(
        error
            .to_string()
            .contains("the service asked to wait 3600 s before retrying"),
        "{error}"
    );

    // The standard header, in seconds and as an HTTP-date an hour ahead.
    let in_an_hour = httpdate_in(Duration::from_secs(3600));
    for value in ["3600", in_an_hour.as_str()] {
        let server = Server::scripted(vec![
            Reply::json(503, UNAVAILABLE).header("retry-after", value),
            Reply::success(),
        ])
        .await;
        let error = restore_task(&v3(&server)).send().await.expect_err("ends");
        assert_eq!(server.requests().len(), 1, "Retry-After: {value}");
        assert_eq!(error.code(), Some("ServiceUnavailable"));
        let wait = error.retry_after().unwrap_or_default();
        assert!(
            wait > Duration::from_secs(3590) && wait <= Duration::from_secs(3600),
            "Retry-After: {value} read as {wait:?}"
        );
    }
}

/// A wait the policy allows but that would end past the operation timeout ends the call too.
#[tokio::test]
async fn a_server_wait_past_the_operation_deadline_ends_the_call() {
    let server = Server::scripted(vec![
        Reply::json(503, UNAVAILABLE).header("retry-after", "120"),
        Reply::success(),
    ])
    .await;
    let client = Client::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
        .retry_config(RetryConfig::standard().with_max_backoff(Duration::from_secs(600)))
        .operation_timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let error = restore_task(&client).send().await.expect_err("ends");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(error.code(), Some("ServiceUnavailable"), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
}

/// `Retry-After: 1` that fits is honoured: the second attempt comes no earlier.
#[tokio::test]
async fn retry_after_in_seconds_sets_the_wait() {
    let server = Server::scripted(vec![
        Reply::json(503, UNAVAILABLE).header("retry-after", "1"),
        Reply::success(),
    ])
    .await;
    restore_task(&v3(&server))
        .send()
        .await
        .expect("the second attempt succeeds");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at - requests[0].at;
    assert!(waited >= Duration::from_secs(1), "waited {waited:?}");
}

#[tokio::test]
async fn a_429_without_json_is_throttling_and_retried() {
    for token in [true, false] {
        let page = Reply::html(429, "<html><body>Too Many Requests</body></html>");
        let server = Server::scripted(vec![page, Reply::success()]).await;
        if token {
            restore_task(&v3(&server)).send().await.expect("retried");
        } else {
            // Even a call without a token is retried: a 429 is a refusal.
            let untokened = support::untokened_create_restore_task();
            let params = support::restore_task_params();
            v3(&server)
                .call(&untokened, &params, None)
                .await
                .expect("retried");
        }
        assert_eq!(server.requests().len(), 2, "token: {token}");
    }
}

/// An HTTP-date `after` from now.
fn httpdate_in(after: Duration) -> String {
    let at = time::OffsetDateTime::now_utc() + after;
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.format(&format).expect("formats")
}

/// The issue's case: the service says the timestamp expired and its `Date` is 27 minutes ahead.
#[tokio::test]
async fn a_timestamp_refusal_says_how_far_off_the_clock_is() {
    let expired = r#"{"Code":"InvalidTimeStamp.Expired","Message":"Specified time stamp or date value is expired.","RequestId":"ts-1"}"#;
    let date = httpdate_in(Duration::from_secs(27 * 60));
    let server = Server::scripted(vec![
        Reply::json(400, expired).header("date", &date),
        Reply::success(),
    ])
    .await;
    let error = restore_task(&v3(&server))
        .send()
        .await
        .expect_err("refused");
    assert_eq!(server.requests().len(), 1, "not retried");
    assert_eq!(error.code(), Some("InvalidTimeStamp.Expired"));
    assert_eq!(error.request_id(), Some("ts-1"));
    let offset = error
        .clock_skew()
        .and_then(|skew| skew.offset())
        .expect("measured from Date");
    // The Date header has whole seconds, and the answer takes a moment.
    assert!(
        (offset - time::Duration::minutes(27)).abs() < time::Duration::seconds(5),
        "{offset}"
    );
    let text = error.to_string();
    assert!(
        text.contains("local clock is 27 min behind the server")
            && text.contains("Specified time stamp or date value is expired."),
        "{text}"
    );

    // Format, with a 503 status and no Date header: still its own error, and not retried.
    let format = r#"{"Code":"InvalidTimeStamp.Format","Message":"Specified time stamp or date value is not well formatted.","RequestId":"ts-2"}"#;
    let server = Server::scripted(vec![Reply::json(503, format), Reply::success()]).await;
    let error = restore_task(&v3(&server))
        .send()
        .await
        .expect_err("refused");
    assert_eq!(server.requests().len(), 1, "not retried");
    let skew = error.clock_skew().expect("a timestamp refusal");
    assert_eq!(skew.offset(), None);
    assert!(error.to_string().contains("no Date header"), "{error}");

    // Another error is no clock matter.
    let server = Server::scripted(vec![Reply::json(503, UNAVAILABLE)]).await;
    let error = restore_task(&v3(&server))
        .retry_config(RetryConfig::disabled())
        .send()
        .await
        .expect_err("503");
    assert!(error.clock_skew().is_none());
}

/// The issue's case: `HttpStatusCode: 200.0` failed a call with `Success: true`.
#[tokio::test]
async fn numbers_are_read_tolerantly_and_success_is_never_failed_by_a_cosmetic_field() {
    for (status, expected) in [
        ("200.0", Some(200)),
        (r#""200""#, Some(200)),
        (r#""200.0""#, Some(200)),
        ("2e2", Some(200)),
        // Unreadable: the call succeeded anyway; the field is left out.
        ("200.5", None),
        (r#""2x""#, None),
        (r#"{"a":1}"#, None),
        ("1e300", None),
    ] {
        let body = format!(
            r#"{{"Success":true,"RestoreTaskId":"r1","HttpStatusCode":{status},"RequestId":"q"}}"#
        );
        let server = Server::scripted(vec![Reply::json(200, &body)]).await;
        let output = restore_task(&v3(&server))
            .send()
            .await
            .unwrap_or_else(|e| panic!("HttpStatusCode {status}: {e}"));
        assert_eq!(
            (
                output.http_status_code,
                output.restore_task_id.as_deref(),
                output.success
            ),
            (expected, Some("r1"), Some(true)),
            "HttpStatusCode {status}"
        );
        // The CLI's path: the registry's decoder.
        let meta = dbs_api::operation("CreateRestoreTask").expect("registry");
        let value = (meta.decode_output)(&serde_json::from_str(&body).expect("json"));
        if expected.is_some() {
            assert_eq!(
                value.ok().map(|v| v["HttpStatusCode"].clone()),
                Some(json!(200))
            );
        }
    }

    // Registry calls read it the same way as typed ones.
    let body = r#"{"Success":true,"RestoreTaskId":"r1","HttpStatusCode":200.5}"#;
    let server = Server::scripted(vec![Reply::json(200, body)]).await;
    let meta = dbs_api::operation("CreateRestoreTask").expect("registry");
    let params = support::restore_task_params();
    let value = v3(&server)
        .call(meta, &params, None)
        .await
        .expect("succeeds");
    assert_eq!(value["RestoreTaskId"], "r1");
    assert!(value.get("HttpStatusCode").is_none(), "{value}");

    // The payload is not cosmetic: an unreadable RestoreTaskId is an error, with the token to
    // fetch the task again without creating a second one.
    let body = r#"{"Success":true,"RestoreTaskId":{"x":1},"HttpStatusCode":200}"#;
    let server = Server::scripted(vec![Reply::json(200, body)]).await;
    let error = restore_task(&v3(&server))
        .send()
        .await
        .expect_err("no task id");
    assert!(
        matches!(error, Error::UnexpectedResponse { status: 200, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.client_token().map(str::to_owned),
        token_of(&server.requests()[0].body)
    );

    // A business failure's HttpStatusCode sent as 400.0 is still its status.
    let body = r#"{"Success":false,"ErrCode":"Param.NotFound","ErrMessage":"x","HttpStatusCode":400.0,"RequestId":"b"}"#;
    let server = Server::scripted(vec![Reply::json(200, body)]).await;
    let error = restore_task(&v3(&server))
        .send()
        .await
        .expect_err("failure");
    assert_eq!(
        (error.code(), error.http_status()),
        (Some("Param.NotFound"), Some(400))
    );
}

#[test]
fn integer_readers_take_integral_floats_and_refuse_the_rest() {
    let int32 = |v: serde_json::Value| de::int32(&v).ok().flatten();
    let int64 = |v: serde_json::Value| de::int64(&v).ok().flatten();
    assert_eq!(int32(json!(200.0)), Some(200));
    assert_eq!(int32(json!("200.00")), Some(200));
    assert_eq!(int32(json!(" -7 ")), Some(-7));
    assert_eq!(int32(json!(-7.0)), Some(-7));
    assert_eq!(int32(json!(200.5)), None);
    assert_eq!(int32(json!("200.5")), None);
    assert_eq!(int32(json!("200.")), None);
    assert_eq!(int32(json!(3e9)), None, "out of int32 range");
    assert_eq!(int64(json!(1_554_560_477_000.0)), Some(1_554_560_477_000));
    assert_eq!(
        int64(json!("9223372036854775807.0")),
        Some(i64::MAX),
        "exact, as text"
    );
    assert_eq!(int64(json!(1e19)), None, "past f64's exact integers");
    assert_eq!(int64(json!(null)), None);
    assert!(de::int64(&json!(true)).is_err());
}

#[tokio::test]
async fn zero_timeouts_are_configuration_errors_and_endless_ones_no_limit() {
    let built = Client::builder()
        .region("cn-hangzhou")
        .read_timeout(Duration::ZERO)
        .build();
    assert!(
        matches!(&built, Err(Error::Config(m)) if m.contains("read_timeout")),
        "{built:?}"
    );
    let server = Server::scripted(vec![Reply::success()]).await;
    let error = restore_task(&v3(&server))
        .operation_timeout(Duration::ZERO)
        .send()
        .await
        .expect_err("refused");
    assert!(
        !error.was_sent() && matches!(error, Error::Config(_)),
        "{error:?}"
    );
    assert!(server.requests().is_empty());

    // Absurdly long limits are no limits, not a panic.
    let client = Client::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
        .read_timeout(Duration::MAX)
        .operation_timeout(Duration::MAX)
        .retry_config(RetryConfig::standard().with_max_backoff(Duration::MAX))
        .build()
        .expect("client");
    restore_task(&client)
        .send()
        .await
        .expect("answered within any limit");
    assert_eq!(server.requests().len(), 1);
}
