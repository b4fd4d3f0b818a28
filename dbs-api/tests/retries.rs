//! Retries, timeouts and error classification against a local server that fails on demand.

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use dbs_api::{Client, Credentials, Error, RetryConfig, SignatureVersion};
use support::{
    ACCESS_KEY_ID, ACCESS_KEY_SECRET, Recorded, Reply, Server, client, param, restore_task,
};

const UNAVAILABLE: &str = r#"{"Code":"ServiceUnavailable","Message":"The request has failed due to a temporary failure of the server.","RequestId":"req-503"}"#;

fn unavailable() -> Reply {
    Reply::json(503, UNAVAILABLE)
}

fn v3(server: &Server) -> Client {
    client(
        server,
        Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        SignatureVersion::V3,
    )
}

fn v1(server: &Server) -> Client {
    client(
        server,
        Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        SignatureVersion::V1,
    )
}

fn client_token(request: &Recorded) -> Option<String> {
    param(&request.body_params(), "ClientToken").map(str::to_owned)
}

/// The nonce, timestamp and signature of a request, whatever its signature version.
fn freshness(request: &Recorded) -> (String, String, String) {
    let query = request.query_params();
    let pick = |header: &str, name: &str| {
        request
            .header(header)
            .or_else(|| param(&query, name))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    (
        pick("x-acs-signature-nonce", "SignatureNonce"),
        pick("x-acs-date", "Timestamp"),
        pick("authorization", "Signature"),
    )
}

fn service_error(result: Result<impl std::fmt::Debug, Error>) -> dbs_api::ServiceError {
    match result {
        Err(Error::Service(e)) => *e,
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_failing_call_is_retried_with_one_client_token_and_fresh_signatures() {
    for make in [v3, v1] {
        let server = Server::scripted(vec![unavailable(), unavailable(), Reply::success()]).await;
        let output = restore_task(&make(&server))
            .send()
            .await
            .expect("the third attempt succeeds");
        assert_eq!(output.restore_task_id.as_deref(), Some("task-1"));
        let requests = server.requests();
        assert_eq!(requests.len(), 3);

        let tokens: HashSet<Option<String>> = requests.iter().map(client_token).collect();
        assert_eq!(
            tokens.len(),
            1,
            "one ClientToken for every attempt: {tokens:?}"
        );
        assert!(tokens.iter().all(Option::is_some));

        let fresh: Vec<(String, String, String)> = requests.iter().map(freshness).collect();
        let nonces: HashSet<&str> = fresh.iter().map(|f| f.0.as_str()).collect();
        let signatures: HashSet<&str> = fresh.iter().map(|f| f.2.as_str()).collect();
        assert_eq!(nonces.len(), 3, "a new nonce per attempt: {fresh:?}");
        assert_eq!(
            signatures.len(),
            3,
            "a new signature per attempt: {fresh:?}"
        );
        assert!(
            fresh.iter().all(|f| f.1.len() == 20 && !f.0.is_empty()),
            "{fresh:?}"
        );

        // 10 ms initial backoff: a generous bound shows the wait is the jittered one.
        for pair in requests.windows(2) {
            assert!(
                pair[1].at - pair[0].at < Duration::from_secs(2),
                "backoff far above its ceiling"
            );
        }
    }
}

#[tokio::test]
async fn the_attempt_count_is_honoured() {
    let server = Server::scripted(vec![unavailable()]).await;
    let retry = RetryConfig::standard()
        .with_max_attempts(2)
        .with_initial_backoff(Duration::from_millis(1));
    let error = service_error(restore_task(&v3(&server)).retry_config(retry).send().await);
    assert_eq!(
        (error.code.as_str(), error.http_status, error.attempts),
        ("ServiceUnavailable", 503, 2)
    );
    assert_eq!(error.request_id.as_deref(), Some("req-503"));
    assert_eq!(server.requests().len(), 2);

    let server = Server::scripted(vec![unavailable()]).await;
    let client = Client::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(4)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .expect("client");
    assert_eq!(
        service_error(restore_task(&client).send().await).attempts,
        4
    );
    assert_eq!(server.requests().len(), 4);

    let server = Server::scripted(vec![unavailable()]).await;
    let error = service_error(
        restore_task(&v3(&server))
            .retry_config(RetryConfig::disabled())
            .send()
            .await,
    );
    assert_eq!(error.attempts, 1);
    assert_eq!(server.requests().len(), 1, "disabled: one attempt");
}

#[test]
fn backoff_is_bounded_by_an_exponential_capped_ceiling() {
    let standard = RetryConfig::standard();
    assert_eq!(standard, RetryConfig::default());
    assert_eq!(standard.max_attempts(), 3);
    assert_eq!(RetryConfig::disabled().max_attempts(), 1);
    assert_eq!(
        RetryConfig::standard().with_max_attempts(0).max_attempts(),
        1
    );
    let ms = Duration::from_millis;
    assert_eq!(
        [1, 2, 3, 4].map(|a| standard.backoff_ceiling(a)),
        [ms(100), ms(200), ms(400), ms(800)]
    );
    assert_eq!(
        standard.backoff_ceiling(60),
        Duration::from_secs(20),
        "capped, no overflow"
    );
    let capped = RetryConfig::standard()
        .with_initial_backoff(ms(10))
        .with_max_backoff(ms(50));
    assert_eq!(
        [1, 3, 4, 32].map(|a| capped.backoff_ceiling(a)),
        [ms(10), ms(40), ms(50), ms(50)]
    );
    for attempt in 1..=40 {
        for config in [&standard, &capped] {
            assert!(config.backoff(attempt, None) <= config.backoff_ceiling(attempt));
        }
    }
    assert_eq!(
        standard.backoff(1, Some(ms(300))),
        ms(300),
        "the server's hint replaces the jitter"
    );
    assert_eq!(
        capped.backoff(1, Some(ms(300))),
        ms(50),
        "the hint is capped too"
    );
}

#[tokio::test]
async fn x_acs_retry_after_sets_the_wait() {
    let throttled = unavailable().header("x-acs-retry-after", "300");
    let server = Server::scripted(vec![throttled, Reply::success()]).await;
    restore_task(&v3(&server))
        .send()
        .await
        .expect("the second attempt succeeds");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at - requests[0].at;
    assert!(
        waited >= Duration::from_millis(300),
        "waited {waited:?}, the server asked for 300 ms"
    );
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let invalid = r#"{"Code":"InvalidParameter","Message":"The specified parameter is not valid.","RequestId":"req-400","HostId":"dbs-api.cn-hangzhou.aliyuncs.com","Recommend":"https://api.aliyun.com/troubleshoot?q=InvalidParameter"}"#;
    let server = Server::scripted(vec![Reply::json(400, invalid)]).await;
    let error = restore_task(&v3(&server)).send().await.expect_err("400");
    assert!(error.was_sent());
    assert_eq!(
        (error.code(), error.http_status(), error.request_id()),
        (Some("InvalidParameter"), Some(400), Some("req-400"))
    );
    let service = service_error(Err::<(), _>(error));
    assert_eq!(service.message, "The specified parameter is not valid.");
    assert_eq!(
        service.host_id.as_deref(),
        Some("dbs-api.cn-hangzhou.aliyuncs.com")
    );
    assert!(
        service
            .recommend
            .is_some_and(|r| r.contains("troubleshoot"))
    );
    assert_eq!((service.attempts, server.requests().len()), (1, 1));

    let failed = r#"{"Code":"IdempotentFailed","Message":"The request with this ClientToken failed.","RequestId":"req-idem"}"#;
    let server = Server::scripted(vec![Reply::json(400, failed), Reply::success()]).await;
    let error = service_error(restore_task(&v3(&server)).send().await);
    assert_eq!(error.code, "IdempotentFailed");
    assert_eq!(server.requests().len(), 1, "IdempotentFailed is terminal");
}

#[tokio::test]
async fn throttling_and_still_processing_are_retried_with_the_same_token() {
    for code in ["Throttling.User", "IdempotentProcessing"] {
        let body = format!(r#"{{"Code":"{code}","Message":"try later","RequestId":"req-t"}}"#);
        let server = Server::scripted(vec![Reply::json(400, &body), Reply::success()]).await;
        restore_task(&v3(&server))
            .send()
            .await
            .expect("the second attempt succeeds");
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{code} is retried");
        assert_eq!(client_token(&requests[0]), client_token(&requests[1]));
    }
}

#[tokio::test]
async fn a_business_failure_with_http_200_is_a_service_error() {
    for status in ["400", r#""400""#] {
        let body = format!(
            r#"{{"Success":false,"ErrCode":"Param.NotFound","ErrMessage":"The specified parameter BackupPlanId value is not valid.","HttpStatusCode":{status},"RequestId":"X"}}"#
        );
        let server = Server::scripted(vec![Reply::json(200, &body), Reply::success()]).await;
        let error = service_error(restore_task(&v3(&server)).send().await);
        assert_eq!(
            (error.code.as_str(), error.request_id.as_deref()),
            ("Param.NotFound", Some("X"))
        );
        assert_eq!(
            error.http_status, 400,
            "HttpStatusCode {status} of the body"
        );
        assert!(error.message.contains("BackupPlanId"), "{}", error.message);
        assert_eq!(server.requests().len(), 1, "not retried");
    }
}

#[tokio::test]
async fn an_html_gateway_page_is_an_unexpected_response_and_5xx_is_retried() {
    let page = "<html><head><title>503 Service Temporarily Unavailable</title></head><body>nginx</body></html>";
    let reply = Reply::html(503, page).header("x-acs-request-id", "gw-1");
    let server = Server::scripted(vec![reply]).await;
    match restore_task(&v3(&server)).send().await {
        Err(Error::UnexpectedResponse {
            status,
            content_type,
            snippet,
            request_id,
            ..
        }) => {
            assert_eq!(
                (status, content_type.as_deref(), request_id.as_deref()),
                (503, Some("text/html"), Some("gw-1"))
            );
            assert!(
                snippet.contains("503 Service Temporarily Unavailable"),
                "{snippet}"
            );
        }
        other => panic!("expected an unexpected response, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 3, "HTML 503 is retried");

    let server =
        Server::scripted(vec![Reply::html(414, "<html>Request-URI Too Large</html>")]).await;
    let error = restore_task(&v3(&server)).send().await.expect_err("414");
    assert_eq!(error.http_status(), Some(414));
    assert_eq!(server.requests().len(), 1, "HTML 414 is not retried");
}

#[tokio::test]
async fn a_dropped_connection_is_retried_when_the_call_has_a_token() {
    let server = Server::scripted(vec![
        Reply::drop_connection(),
        Reply::drop_connection(),
        Reply::success(),
    ])
    .await;
    restore_task(&v1(&server))
        .send()
        .await
        .expect("the third attempt succeeds");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests
            .iter()
            .map(client_token)
            .collect::<HashSet<_>>()
            .len(),
        1
    );

    let server = Server::scripted(vec![Reply::drop_connection()]).await;
    match restore_task(&v3(&server)).send().await {
        Err(
            error @ Error::Transport {
                sent: true,
                attempts: 3,
                ..
            },
        ) => assert!(error.was_sent()),
        other => panic!("expected a transport error after 3 attempts, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_dropped_connection_is_not_replayed_without_a_token() {
    let untokened = support::untokened_create_restore_task();
    let params = support::restore_task_params();

    let server = Server::scripted(vec![Reply::drop_connection(), Reply::success()]).await;
    let error = v3(&server)
        .call(&untokened, &params, None)
        .await
        .expect_err("no replay");
    assert!(
        matches!(
            error,
            Error::Transport {
                sent: true,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        server.requests().len(),
        1,
        "an ambiguous failure is not replayed without a token"
    );
    assert_eq!(client_token(&server.requests()[0]), None);

    // A refusal (the request was not acted on) is retried even without a token.
    let body = r#"{"Code":"Throttling.User","Message":"slow down","RequestId":"t"}"#;
    let server = Server::scripted(vec![Reply::json(400, body), Reply::success()]).await;
    let value = v3(&server)
        .call(&untokened, &params, None)
        .await
        .expect("retried after throttling");
    assert_eq!(value["RestoreTaskId"], "task-1");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_refused_connection_is_retried_and_reported_as_not_sent() {
    let client = Client::builder()
        .endpoint_url(dbs_tests::refused_url())
        .credentials(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)))
        .build()
        .expect("client");
    match restore_task(&client).send().await {
        Err(
            error @ Error::Transport {
                sent: false,
                attempts: 3,
                ..
            },
        ) => assert!(!error.was_sent()),
        other => panic!("expected a refused connection after 3 attempts, got {other:?}"),
    }
}

#[tokio::test]
async fn int64_and_lenient_scalars_decode_exactly() {
    let body = r#"{"RequestId":"r","RestoreTaskId":"1234567890123456789","Success":true,"HttpStatusCode":"200"}"#;
    let server = Server::scripted(vec![Reply::json(200, body)]).await;
    let output = restore_task(&v3(&server)).send().await.expect("decodes");
    assert_eq!(
        output.restore_task_id.as_deref(),
        Some("1234567890123456789")
    );
    assert_eq!(
        (
            output.http_status_code,
            output.success,
            output.request_id.as_deref()
        ),
        (Some(200), Some(true), Some("r"))
    );

    for id in [
        "9223372036854775807",
        "18446744073709551615",
        "1234567890123456789",
    ] {
        let body = format!(
            r#"{{"RequestId":"r","RestoreTaskId":{id},"Success":"true","HttpStatusCode":200}}"#
        );
        let server = Server::scripted(vec![Reply::json(200, &body)]).await;
        let output = restore_task(&v3(&server)).send().await.expect("decodes");
        assert_eq!(
            output.restore_task_id.as_deref(),
            Some(id),
            "a numeric id is read exactly"
        );
        assert_eq!(
            (output.http_status_code, output.success),
            (Some(200), Some(true))
        );
    }

    let server = Server::scripted(vec![Reply::json(
        200,
        r#"{"RequestId":"r","HttpStatusCode":"2x"}"#,
    )])
    .await;
    match restore_task(&v3(&server)).send().await {
        Err(Error::UnexpectedResponse {
            status: 200,
            snippet,
            request_id,
            ..
        }) => {
            assert!(snippet.contains("HttpStatusCode"), "{snippet}");
            assert_eq!(request_id.as_deref(), Some("r"));
        }
        other => panic!("expected an undecodable response, got {other:?}"),
    }
}

#[tokio::test]
async fn a_read_timeout_is_retried_then_reported() {
    let server = Server::scripted(vec![Reply::success().delayed(Duration::from_secs(2))]).await;
    let started = Instant::now();
    let result = restore_task(&v3(&server))
        .attempt_timeout(Duration::from_millis(200))
        .send()
        .await;
    let elapsed = started.elapsed();
    match result {
        Err(Error::Timeout {
            after, attempts: 3, ..
        }) => assert_eq!(after, Duration::from_millis(200)),
        other => panic!("expected a timeout after 3 attempts, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 3);
    assert!(
        elapsed >= Duration::from_millis(600) && elapsed < Duration::from_millis(1900),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn the_operation_timeout_bounds_the_whole_call() {
    let server = Server::scripted(vec![Reply::success().delayed(Duration::from_secs(3))]).await;
    let started = Instant::now();
    let result = restore_task(&v3(&server))
        .operation_timeout(Duration::from_millis(300))
        .send()
        .await;
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(Error::Timeout { after, attempts: 1, .. }) if after == Duration::from_millis(300)),
        "{result:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(1500),
        "{elapsed:?}"
    );

    // Backoff counts too: a 5 s retry-after hint does not outlive a 400 ms operation timeout,
    // and the call ends at once with the 503 itself, which says more than a bare timeout.
    let server = Server::scripted(vec![
        unavailable().header("x-acs-retry-after", "5000"),
        Reply::success(),
    ])
    .await;
    let client = Client::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
        .operation_timeout(Duration::from_millis(400))
        .build()
        .expect("client");
    let started = Instant::now();
    let result = restore_task(&client).send().await;
    let error = service_error(result);
    assert_eq!(
        (error.code.as_str(), error.http_status, error.attempts),
        ("ServiceUnavailable", 503, 1)
    );
    assert_eq!(error.request_id.as_deref(), Some("req-503"));
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 1);
}

const ECHO: &str =
    "Specified signature is not matched with our calculation. server string to sign is:";

/// A server answering `SignatureDoesNotMatch`, echoing `echo(request)` as its StringToSign.
async fn signature_mismatch(echo: fn(&Recorded) -> String) -> Server {
    Server::start(move |request, _| {
        let body = serde_json::json!({
            "Code": "SignatureDoesNotMatch",
            "Message": format!("{ECHO}{}", echo(request)),
            "RequestId": "req-sig",
        });
        Reply::json(400, &body.to_string())
    })
    .await
}

/// Our V1 StringToSign of a captured request, recomputed from its query and body parameters.
fn v1_string_to_sign(request: &Recorded) -> String {
    let params: Vec<(String, String)> = request
        .query_params()
        .into_iter()
        .chain(request.body_params())
        .filter(|(k, _)| k != "Signature")
        .collect();
    dbs_tests::signer::v1_string_to_sign("POST", &params)
}

/// Our V3 StringToSign of a captured request, recomputed from its signed headers and body.
fn v3_string_to_sign(request: &Recorded) -> String {
    use dbs_tests::signer::{
        parse_authorization, sha256_hex, v3_canonical_request, v3_string_to_sign,
    };
    let auth = parse_authorization(request.header("authorization").unwrap_or_default())
        .expect("an authorization header");
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(k, _)| auth.signed_headers.contains(k))
        .cloned()
        .collect();
    let canonical =
        v3_canonical_request("POST", &[], &headers, &sha256_hex(request.body.as_bytes()));
    v3_string_to_sign(&canonical)
}

/// Sends one call to `server` and returns the error with the echo the server sent.
async fn mismatch(
    server: &Server,
    client: &Client,
    ours: fn(&Recorded) -> String,
) -> (dbs_api::ServiceError, String, String) {
    let error = restore_task(client)
        .send()
        .await
        .expect_err("signature mismatch");
    let shown = format!("{error} {error:?}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "SignatureDoesNotMatch is not retried");
    (
        service_error(Err::<(), _>(error)),
        shown,
        ours(&requests[0]),
    )
}

#[tokio::test]
async fn signature_mismatch_says_which_side_differs_without_echoing() {
    // The server's text equals ours: the secret is wrong.
    for (make, ours) in [
        (
            v1 as fn(&Server) -> Client,
            v1_string_to_sign as fn(&Recorded) -> String,
        ),
        (v3, v3_string_to_sign),
    ] {
        let server = signature_mismatch(ours).await;
        let (error, shown, echo) = mismatch(&server, &make(&server), ours).await;
        assert_eq!(
            (error.code.as_str(), error.request_id.as_deref()),
            ("SignatureDoesNotMatch", Some("req-sig"))
        );
        let diagnosis = error.diagnosis.unwrap_or_default();
        assert!(
            diagnosis.contains("AccessKeySecret is wrong"),
            "{diagnosis}"
        );
        assert!(
            !shown.contains(&echo) && !error.message.contains(&echo),
            "the echo is not repeated: {shown}"
        );
        let tail = &echo[echo.len() - 16..];
        assert!(
            !shown.contains(tail),
            "no part of the echo is repeated: {shown}"
        );
    }

    // The server canonicalized something else (here: it did not see the body).
    let server = signature_mismatch(|request| {
        let query: Vec<(String, String)> = request
            .query_params()
            .into_iter()
            .filter(|(k, _)| k != "Signature")
            .collect();
        dbs_tests::signer::v1_string_to_sign("POST", &query)
    })
    .await;
    let (error, shown, ours) = mismatch(&server, &v1(&server), v1_string_to_sign).await;
    let diagnosis = error.diagnosis.unwrap_or_default();
    assert!(
        diagnosis.contains("canonical text differs") && !diagnosis.contains("is wrong"),
        "{diagnosis}"
    );
    let nonce = param(&server.requests()[0].query_params(), "SignatureNonce")
        .unwrap_or_default()
        .to_owned();
    assert!(
        !nonce.is_empty() && !shown.contains(&nonce),
        "the echo is not repeated: {shown}"
    );
    assert!(!shown.contains(&ours));

    // No echo at all: the secret is the first suspect.
    let body = r#"{"Code":"SignatureDoesNotMatch","Message":"The request signature does not conform to Aliyun standards.","RequestId":"r"}"#;
    let server = Server::scripted(vec![Reply::json(400, body)]).await;
    let error = service_error(restore_task(&v3(&server)).send().await);
    assert!(
        error
            .diagnosis
            .is_some_and(|d| d.contains("AccessKeySecret"))
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    // Following a redirect would replay the signed body, password included, to another URL.
    let sink = Server::scripted(vec![Reply::success()]).await;
    let redirect = Reply::json(307, "{}").header("location", &format!("{}/sink", sink.url()));
    let server = Server::scripted(vec![redirect]).await;
    let result = restore_task(&v3(&server)).send().await;
    match &result {
        Err(Error::UnexpectedResponse { status, .. }) => assert_eq!(*status, 307),
        other => panic!("expected an unexpected-response error, got {other:?}"),
    }
    assert!(result.as_ref().is_err_and(Error::was_sent));
    assert_eq!(server.requests().len(), 1, "not retried");
    assert!(
        sink.requests().is_empty(),
        "the redirect target got nothing"
    );
}

#[tokio::test]
async fn a_blank_client_token_is_replaced_by_a_generated_one() {
    let server = Server::scripted(vec![unavailable(), Reply::success()]).await;
    restore_task(&v3(&server))
        .client_token(" ")
        .send()
        .await
        .expect("the second attempt succeeds");
    let tokens: Vec<Option<String>> = server.requests().iter().map(client_token).collect();
    let first = tokens[0].clone().unwrap_or_default();
    assert_eq!(first.len(), 36, "a UUID v4, got {first:?}");
    assert_eq!(
        tokens,
        vec![Some(first.clone()), Some(first)],
        "one token for both attempts"
    );
}

#[tokio::test]
async fn a_gateway_code_in_a_2xx_body_is_an_error() {
    let body = r#"{"RequestId":"R","Code":"Throttling","Message":"Request was denied due to flow control."}"#;
    let server = Server::scripted(vec![Reply::json(200, body), Reply::success()]).await;
    let output = restore_task(&v3(&server))
        .send()
        .await
        .expect("the retry succeeds");
    assert_eq!(
        server.requests().len(),
        2,
        "throttling surfaced, then retried"
    );
    assert_eq!(output.success, Some(true));

    let server = Server::scripted(vec![Reply::json(
        200,
        r#"{"RequestId":"R","Code":"Forbidden.RAM","Message":"no"}"#,
    )])
    .await;
    let error = service_error(restore_task(&v3(&server)).send().await);
    assert_eq!(
        (error.code.as_str(), error.http_status),
        ("Forbidden.RAM", 200)
    );
}

#[tokio::test]
async fn hostile_answers_are_typed_errors() {
    // `Success` as a string in any case is read as the output reads it.
    let body =
        r#"{"RequestId":"R","Success":"False","ErrCode":"Param.NotFound","RestoreTaskId":"r1"}"#;
    let server = Server::scripted(vec![Reply::json(200, body)]).await;
    let error = service_error(restore_task(&v3(&server)).send().await);
    assert_eq!(error.code, "Param.NotFound");

    // A 2xx body that is JSON but not an object is not an answer.
    for body in [r#"["req","s-FAKE-TASK",true]"#, "[]", "42"] {
        let server = Server::scripted(vec![Reply::json(200, body)]).await;
        match restore_task(&v3(&server)).send().await {
            Err(Error::UnexpectedResponse { status: 200, .. }) => {}
            other => panic!("{body}: expected an unexpected-response error, got {other:?}"),
        }
    }

    // A body larger than the limit is not read, and not retried.
    let huge = "x".repeat(dbs_api::client::MAX_RESPONSE_BYTES + 1);
    let server = Server::scripted(vec![
        Reply::json(200, &huge).header("x-acs-request-id", "big-1"),
    ])
    .await;
    match restore_task(&v3(&server)).send().await {
        Err(Error::UnexpectedResponse {
            status,
            snippet,
            request_id,
            ..
        }) => {
            assert_eq!((status, request_id.as_deref()), (200, Some("big-1")));
            assert!(snippet.contains("larger than"), "{snippet}");
        }
        other => panic!("expected an unexpected-response error, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}
