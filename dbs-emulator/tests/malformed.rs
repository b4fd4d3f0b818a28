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

/// Sends `head` (without its final blank line) and then `parts` of a body, `gap` apart, while
/// reading until the server closes the connection (at most 10 seconds): the status and the
/// JSON body of the answer, its head (lower-cased), and how long after the request head the
/// connection was closed (an interim `100 Continue` skipped). Sending stops once the server has closed, so the answer is read in
/// full before anything could make the server's end reset the connection.
async fn slow_request(
    url: &str,
    head: &str,
    parts: &[&[u8]],
    gap: std::time::Duration,
) -> (u16, serde_json::Value, String, std::time::Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(format!("{head}\r\nhost: {addr}\r\n\r\n").as_bytes())
        .await
        .expect("write head");
    let started = std::time::Instant::now();
    let reading = tokio::spawn(async move {
        let mut response = Vec::new();
        let read = reader.read_to_end(&mut response).await;
        (read.map(|_| response), started.elapsed())
    });
    for part in parts {
        if reading.is_finished() || writer.write_all(part).await.is_err() {
            break;
        }
        tokio::time::sleep(gap).await;
    }
    let (response, elapsed) = tokio::time::timeout(std::time::Duration::from_secs(10), reading)
        .await
        .expect("the server closes the connection")
        .expect("the reading task");
    let mut text = String::from_utf8_lossy(&response.expect("read")).into_owned();
    drop(writer);
    // An interim `100 Continue` (to `expect: 100-continue`) comes before the answer.
    if text.starts_with("HTTP/1.1 100 ")
        && let Some((_, rest)) = text.split_once("\r\n\r\n")
    {
        text = rest.to_owned();
    }
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"));
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let value = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, value, head.to_ascii_lowercase(), elapsed)
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408_and_the_connection_is_closed() {
    use std::time::Duration;
    let timeout = Duration::from_millis(300);
    let emulator =
        start_with(dbs_emulator::EmulatorConfig::default().body_read_timeout(timeout)).await;
    let url = emulator.url();
    let form = "content-type: application/x-www-form-urlencoded";
    let cases: [(String, Vec<&[u8]>, Duration); 5] = [
        // Content-Length: 100, then 9 bytes and nothing more.
        (
            format!("POST / HTTP/1.1\r\n{form}\r\ncontent-length: 100"),
            vec![b"Action=Cr"],
            Duration::ZERO,
        ),
        // A chunked body whose last chunk never comes.
        (
            format!("POST / HTTP/1.1\r\n{form}\r\ntransfer-encoding: chunked"),
            vec![b"9\r\nAction=Cr\r\n"],
            Duration::ZERO,
        ),
        // The head and not one byte of the body (the timer is armed only for a body still
        // missing when the service asks a second time: nothing may arrive to cause that).
        (
            format!("POST / HTTP/1.1\r\n{form}\r\ncontent-length: 100"),
            vec![],
            Duration::ZERO,
        ),
        // The same, with the client waiting for `100 Continue`, which it gets, before sending.
        (
            format!("POST / HTTP/1.1\r\n{form}\r\ncontent-length: 100\r\nexpect: 100-continue"),
            vec![],
            Duration::ZERO,
        ),
        // A body that trickles in, each byte well within the timeout: the deadline is for the
        // whole body, so a slow drip cannot hold the connection either.
        (
            format!("POST / HTTP/1.1\r\n{form}\r\ncontent-length: 20"),
            vec![b"A", b"c", b"t", b"i", b"o", b"n", b"=", b"C", b"r", b"e"],
            Duration::from_millis(100),
        ),
    ];
    for (head, parts, gap) in cases {
        let (status, answer, response_head, elapsed) = slow_request(&url, &head, &parts, gap).await;
        assert_eq!(
            (status, answer["Code"].as_str()),
            (408, Some("RequestTimeout")),
            "{head}: {answer}"
        );
        for field in ["RequestId", "HostId", "Message", "Recommend"] {
            assert!(answer[field].is_string(), "{field}: {answer}");
        }
        assert!(
            answer["Message"]
                .as_str()
                .is_some_and(|m| m.contains("not received in full within 300ms")),
            "{answer}"
        );
        assert!(
            response_head.contains("connection: close"),
            "{response_head}"
        );
        assert!(
            elapsed >= timeout && elapsed < Duration::from_secs(5),
            "{head}: closed after {elapsed:?}"
        );
    }
    // Nothing was counted (no action could be read) and the emulator still serves.
    assert!(emulator.state().requests.is_empty());
    assert_success(&send(&url, &V1::new(rds_params(), Placement::Body).build()).await);
}

#[tokio::test]
async fn a_body_that_arrives_in_parts_within_the_timeout_is_read() {
    use std::time::Duration;
    let emulator = start_with(
        dbs_emulator::EmulatorConfig::default().body_read_timeout(Duration::from_secs(5)),
    )
    .await;
    let url = emulator.url();
    let raw = V1::new(rds_params(), Placement::Body).build();
    let (first, second) = raw.body.split_at(raw.body.len() / 2);
    let head = format!(
        "POST / HTTP/1.1\r\ncontent-type: application/x-www-form-urlencoded\r\n\
         content-length: {}\r\nconnection: close",
        raw.body.len()
    );
    let (status, answer, _, _) =
        slow_request(&url, &head, &[first, second], Duration::from_millis(200)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["Success"], true, "{answer}");
    assert_eq!(emulator.state().restore_tasks.len(), 1);
}

#[tokio::test]
async fn a_request_cut_off_mid_body_does_nothing_and_uses_up_nothing() {
    use tokio::io::AsyncWriteExt;
    let emulator = start().await;
    let url = emulator.url();
    let raw = V1::new(rds_params(), Placement::Body).build();
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\r\n",
        raw.body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    // Everything but the last byte, then the client goes away.
    stream
        .write_all(&raw.body[..raw.body.len() - 1])
        .await
        .expect("body");
    stream.flush().await.expect("flush");
    drop(stream);
    // The emulator still serves, and the whole request, sent again, is new to it: its nonce
    // was not used and nothing was counted or created.
    let id = assert_success(&send(&url, &raw).await);
    let state = emulator.state();
    assert_eq!(state.requests.get(ACTION), Some(&1));
    assert_eq!(
        state
            .restore_tasks
            .iter()
            .map(|t| t.restore_task_id.as_str())
            .collect::<Vec<_>>(),
        [id.as_str()]
    );
}
