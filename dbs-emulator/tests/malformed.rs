//! Malformed input never panics the emulator: every answer is a clear JSON error.

mod common;

use common::*;

#[tokio::test]
async fn undecodable_parameters_are_invalid_parameter() {
    let emulator = start().await;
    let url = emulator.url();
    let head = "POST / HTTP/1.1\r\ncontent-type: application/x-www-form-urlencoded";
    for (body, expected) in [
        (
            &b"Action=CreateRestoreTask&DestinationEndpointPassword=%FF%FE"[..],
            "not valid UTF-8",
        ),
        (
            &b"Action=CreateRestoreTask&RestoreTaskName=\xff\xfe"[..],
            "not valid UTF-8",
        ),
        (
            &b"Action=CreateRestoreTask&RestoreTaskName=100%"[..],
            "a % at byte 44 is not followed by two hex digits",
        ),
        (
            &b"Action=CreateRestoreTask&RestoreTaskName=%zz"[..],
            "not followed by two hex digits",
        ),
    ] {
        let (status, answer) = raw_http(&url, head, body).await;
        assert_eq!(
            (status, answer["Code"].as_str()),
            (400, Some("InvalidParameter")),
            "{answer}"
        );
        let message = answer["Message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{expected}: {message}");
        assert!(message.contains("body"), "{message}");
    }
    for target in ["/?Action=%G1", "/?Action=Create%E2%28", "/?%"] {
        let (status, answer) = raw_http(&url, &format!("GET {target} HTTP/1.1"), b"").await;
        assert_eq!(
            (status, answer["Code"].as_str()),
            (400, Some("InvalidParameter")),
            "{target}: {answer}"
        );
        assert!(
            answer["Message"]
                .as_str()
                .is_some_and(|m| m.contains("query string"))
        );
    }
    // Requests whose parameters cannot be read name no action and are not counted.
    assert!(emulator.state().requests.is_empty());
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let emulator = start().await;
    let url = emulator.url();
    let mut raw = V1::new(rds_params(), Placement::Body).build();
    raw.body.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
    let answer = send(&url, &raw).await;
    assert_gateway_error(&answer, 413, "RequestEntityTooLarge", &url);
    assert!(
        answer.message().contains("1048576 bytes"),
        "{}",
        answer.text
    );
    // The server still answers afterwards.
    assert_success(&send(&url, &V1::new(rds_params(), Placement::Body).build()).await);
    assert_eq!(emulator.state().requests.get(ACTION), Some(&1));
}

#[tokio::test]
async fn other_odd_requests_get_json_errors() {
    let emulator = start().await;
    let url = emulator.url();
    // Another path.
    let (status, answer) = raw_http(&url, "POST /CreateRestoreTask HTTP/1.1", b"").await;
    assert_eq!(
        (status, answer["Code"].as_str()),
        (404, Some("InvalidApi.NotFound"))
    );
    // An Authorization header makes it a V3 request, which lacks the V3 headers.
    let mut raw = V1::new(rds_params(), Placement::Query).build();
    raw.headers
        .push(("authorization".to_owned(), "garbage".to_owned()));
    let answer = send(&url, &raw).await;
    assert_gateway_error(&answer, 400, "MissingParameter", &url);
    assert!(answer.message().contains("x-acs-date"), "{}", answer.text);
    // A JSON body is not read as parameters.
    let mut raw = V1::new(vec![], Placement::Query).build();
    raw.headers
        .push(("content-type".to_owned(), "application/json".to_owned()));
    raw.body = br#"{"BackupPlanId":"dbsdemomysql01"}"#.to_vec();
    let answer = send(&url, &raw).await;
    assert_business_error(&answer, 200, "InvalidParameter");
    // A non-UTF-8 header value and an empty parameter name.
    let head = b"POST /?=x HTTP/1.1\r\nx-acs-action: \xff\xfe";
    let (status, answer) = raw_http(&url, head, b"").await;
    assert_eq!(
        (status, answer["Code"].as_str()),
        (400, Some("MissingParameter")),
        "{answer}"
    );
    assert!(
        answer["Message"]
            .as_str()
            .is_some_and(|m| m.contains("\"Version\""))
    );
    // The emulator is still healthy.
    assert_eq!(admin_get(&url, "health").await["status"], "ok");
}
