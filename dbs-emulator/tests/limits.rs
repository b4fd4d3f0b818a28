//! Everything a client can make the emulator hold is bounded, and the bounds fail closed:
//! nonces (kept until their own timestamp expires), restore tasks, bodies in flight, faults.

mod common;

use std::time::Duration;

use common::*;
use dbs_emulator::{
    EmulatorConfig, Fault, FaultKind, MAX_FAULTS, RestoreTask, StartError, StateQuery,
    TaskLimitReached,
};
use dbs_tests::signer::timestamp as format_timestamp;
use serde_json::json;
use tokio::io::AsyncWriteExt;

/// A signed CreateRestoreTask with a fresh nonce, `Timestamp` `age` in the past.
fn signed_aged(age: time::Duration) -> Raw {
    let timestamp = format_timestamp(time::OffsetDateTime::now_utc() - age);
    V1::new(rds_params(), Placement::Query)
        .set("Timestamp", &timestamp)
        .build()
}

fn signed() -> Raw {
    V1::new(rds_params(), Placement::Query).build()
}

#[tokio::test]
async fn with_a_nonce_cap_of_n_a_new_nonce_is_throttled_and_a_replay_still_refused() {
    let emulator = start_with(EmulatorConfig::default().max_nonces(3)).await;
    let url = emulator.url();
    let first = signed();
    assert_success(&send(&url, &first).await);
    for _ in 0..2 {
        assert_success(&send(&url, &signed()).await);
    }
    // Request N+1 with a fresh nonce: refused, not an old nonce forgotten to make room.
    let answer = send(&url, &signed()).await;
    assert_gateway_error(&answer, 429, "Throttling", &url);
    assert!(answer.message().contains("--max-nonces"), "{}", answer.text);
    let retry_after: u64 = answer
        .headers
        .get("x-acs-retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("x-acs-retry-after in ms");
    assert!(
        (1000..=901_000).contains(&retry_after),
        "until the soonest timestamp expires: {retry_after}"
    );
    // The same signed bytes as request 1, after N others: still refused. (The old cache
    // forgot the oldest nonce once full and created a second task here.)
    let replay = send(&url, &first).await;
    assert_gateway_error(&replay, 400, "SignatureNonceUsed", &url);
    assert_eq!(emulator.state().restore_tasks.len(), 3);
}

#[tokio::test]
async fn a_nonce_is_kept_by_its_own_timestamp_and_its_room_returns_when_that_expires() {
    let emulator = start_with(EmulatorConfig::default().max_nonces(2)).await;
    let url = emulator.url();
    // Timestamped near the far edge of the window: it expires within about three seconds,
    // although it arrives after nothing else.
    let edge = signed_aged(time::Duration::seconds(15 * 60 - 3));
    assert_success(&send(&url, &edge).await);
    let recent = signed();
    assert_success(&send(&url, &recent).await);
    assert_gateway_error(&send(&url, &signed()).await, 429, "Throttling", &url);

    tokio::time::sleep(Duration::from_millis(4500)).await;
    // The edge nonce expired with its timestamp: its room is free again.
    assert_success(&send(&url, &signed()).await);
    // And its request cannot come back: its timestamp is refused now.
    assert_gateway_error(
        &send(&url, &edge).await,
        400,
        "InvalidTimeStamp.Expired",
        &url,
    );
    // The recent one, which arrived later, is still remembered.
    assert_gateway_error(&send(&url, &recent).await, 400, "SignatureNonceUsed", &url);
    assert_eq!(emulator.state().restore_tasks.len(), 3);
}

#[tokio::test]
async fn a_timestamp_too_far_ahead_is_refused_so_no_nonce_outlives_the_window() {
    let emulator = start().await;
    let url = emulator.url();
    let ahead = signed_aged(time::Duration::seconds(-(15 * 60 + 5)));
    assert_gateway_error(
        &send(&url, &ahead).await,
        400,
        "InvalidTimeStamp.Expired",
        &url,
    );
    assert!(emulator.state().restore_tasks.is_empty());
}

#[tokio::test]
async fn past_the_task_limit_create_answers_quota_exceeded_but_a_known_token_still_works() {
    let emulator = start_with(EmulatorConfig::default().max_restore_tasks(2)).await;
    let url = emulator.url();
    let mut with_token = rds_params();
    set(&mut with_token, "ClientToken", "kept");
    let kept =
        assert_success(&send(&url, &V1::new(with_token.clone(), Placement::Query).build()).await);
    assert_success(&send(&url, &signed()).await);

    let answer = send(&url, &signed()).await;
    assert_business_error(&answer, 200, "QuotaExceeded");
    let message = answer.message();
    assert!(
        message.contains("2 restore tasks") && message.contains("--max-restore-tasks"),
        "{message}"
    );
    let mut new_token = rds_params();
    set(&mut new_token, "ClientToken", "new");
    assert_business_error(
        &send(&url, &V1::new(new_token, Placement::Query).build()).await,
        200,
        "QuotaExceeded",
    );
    // A retry of a task already kept learns its ID: idempotency does not depend on room.
    let again = assert_success(&send(&url, &V1::new(with_token, Placement::Query).build()).await);
    assert_eq!(again, kept);
    assert_eq!(emulator.state().restore_tasks.len(), 2);
    let task = emulator.state().restore_tasks[0].clone();
    assert_eq!(
        emulator.insert_restore_task(task),
        Err(TaskLimitReached::Count(2))
    );
}

#[tokio::test]
async fn the_quota_error_carries_its_status_when_configured() {
    let emulator = start_with(
        EmulatorConfig::default()
            .max_restore_tasks(0)
            .business_errors_http_status(true),
    )
    .await;
    assert_business_error(
        &send(&emulator.url(), &signed()).await,
        400,
        "QuotaExceeded",
    );
}

/// A task as `CreateRestoreTask` would store it.
fn task(plan: &str, name: &str) -> RestoreTask {
    RestoreTask {
        restore_task_id: String::new(),
        restore_task_name: name.to_owned(),
        backup_plan_id: plan.to_owned(),
        client_token: None,
        restore_status: "init".to_owned(),
        restore_task_create_time: 0,
        parameters: Default::default(),
    }
}

fn names(state: &serde_json::Value) -> Vec<String> {
    state["restore_tasks"]
        .as_array()
        .expect("restore_tasks")
        .iter()
        .map(|t| t["RestoreTaskName"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test]
async fn state_pages_and_filters_by_plan() {
    let emulator = start().await;
    let url = emulator.url();
    for i in 0..150 {
        let plan = if i % 3 == 0 {
            "dbsdemomssql01"
        } else {
            "dbsdemomysql01"
        };
        let id = emulator
            .insert_restore_task(task(plan, &format!("t{i}")))
            .expect("room");
        assert!(id.starts_with('r') && id.len() == 13, "{id}");
    }
    // The default page: the first 100, oldest first, with the paging fields.
    let state = admin_get(&url, "state").await;
    let expected: Vec<String> = (0..100).map(|i| format!("t{i}")).collect();
    assert_eq!(names(&state), expected);
    assert_eq!(
        (
            &state["page"],
            &state["page_size"],
            &state["total_restore_tasks"]
        ),
        (&json!(1), &json!(100), &json!(150))
    );
    assert!(state["backup_plans"].is_array() && state["requests"].is_object());
    assert_eq!(emulator.state().restore_tasks.len(), 150, "in process: all");

    let state = admin_get(&url, "state?page=3&page_size=40").await;
    let expected: Vec<String> = (80..120).map(|i| format!("t{i}")).collect();
    assert_eq!(names(&state), expected);

    let state = admin_get(
        &url,
        "state?backup_plan_id=dbsdemomssql01&page=2&page_size=10",
    )
    .await;
    let expected: Vec<String> = (30..60).step_by(3).map(|i| format!("t{i}")).collect();
    assert_eq!(names(&state), expected);
    assert_eq!(state["total_restore_tasks"], json!(50));

    let state = admin_get(&url, "state?page=99").await;
    assert_eq!(names(&state), Vec::<String>::new());
    assert_eq!(state["total_restore_tasks"], json!(150));

    // The typed page is what the HTTP answer is.
    let query = StateQuery::new()
        .page(2)
        .expect("page")
        .page_size(7)
        .expect("size");
    let typed: dbs_emulator::StatePage =
        serde_json::from_value(admin_get(&url, "state?page=2&page_size=7").await).expect("page");
    assert_eq!(typed, emulator.state_page(&query));

    for (query, expected) in [
        (
            "page_size=1001",
            "page_size must be between 1 and 1000, got 1001",
        ),
        ("page=0", "page counts from 1"),
        ("page=first", "page must be a whole number"),
        ("plan=x", "unknown parameter \"plan\""),
    ] {
        let response = client()
            .get(format!("{url}/_emulator/state?{query}"))
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 400, "{query}");
        let answer = json(response).await;
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{query}: {message}");
    }
}

#[tokio::test]
async fn faults_waiting_at_once_are_capped() {
    let emulator = start().await;
    let url = emulator.url();
    for _ in 0..MAX_FAULTS {
        emulator
            .inject_fault(Fault::new("StartRestoreTask", FaultKind::Reset))
            .expect("room");
    }
    let refused = emulator
        .inject_fault(Fault::new("StartRestoreTask", FaultKind::Reset))
        .expect_err("full");
    assert!(
        refused.to_string().contains("1000 faults are waiting"),
        "{refused}"
    );
    let (status, answer) = admin_post(&url, "faults", r#"{"kind":"reset"}"#).await;
    assert_eq!(status, 400);
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|m| m.contains("DELETE /_emulator/faults")),
        "{answer}"
    );
    assert_eq!(emulator.clear_faults(), MAX_FAULTS);
    let (status, _) = admin_post(&url, "faults", r#"{"kind":"reset","action":"X"}"#).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_body_budget_smaller_than_the_largest_body_does_not_start() {
    let error = dbs_emulator::Emulator::start(
        EmulatorConfig::default()
            .max_body_bytes(1000)
            .body_budget_bytes(999),
    )
    .await
    .expect_err("refused");
    assert!(matches!(error, StartError::Config(_)), "{error:?}");
    assert!(error.to_string().contains("999"), "{error}");
}

/// A request whose body is not all sent: the emulator holds what arrived.
async fn hold_partial_body(url: &str, declared: usize, sent: usize) -> tokio::net::TcpStream {
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&vec![b'a'; sent]).await.expect("part");
    stream.flush().await.expect("flush");
    stream
}

/// Sends a 700-byte form body until the answer's status is (or is not) 503; bounded.
async fn poll_budget(url: &str, want_503: bool) -> Answer {
    for _ in 0..200 {
        let raw = Raw {
            method: "POST".to_owned(),
            query: String::new(),
            headers: vec![(
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            )],
            body: vec![b'b'; 700],
            string_to_sign: String::new(),
        };
        let answer = send(url, &raw).await;
        if (answer.status == 503) == want_503 {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the status never became {}503",
        if want_503 { "" } else { "other than " }
    );
}

#[tokio::test]
async fn bodies_in_flight_share_one_budget_across_connections() {
    let emulator = start_with(
        EmulatorConfig::default()
            .max_body_bytes(1000)
            .body_budget_bytes(1500),
    )
    .await;
    let url = emulator.url();
    // Alone, a 700-byte body fits: the gateway reads it (and finds no Action).
    assert_gateway_error(
        &poll_budget(&url, false).await,
        400,
        "MissingParameter",
        &url,
    );

    // Another connection holds 900 bytes of a body it never finishes: 900 + 700 > 1500.
    let slow = hold_partial_body(&url, 1000, 900).await;
    let answer = poll_budget(&url, true).await;
    assert_gateway_error(&answer, 503, "ServiceUnavailable", &url);
    assert!(answer.message().contains("1500 bytes"), "{}", answer.text);
    assert!(
        answer.message().contains("--body-budget-bytes"),
        "{}",
        answer.text
    );

    // When that client goes away, its bytes return to the budget.
    drop(slow);
    assert_gateway_error(
        &poll_budget(&url, false).await,
        400,
        "MissingParameter",
        &url,
    );
}

#[tokio::test]
async fn past_the_task_byte_limit_create_answers_quota_exceeded() {
    // One demo task takes more than 1000 bytes by the emulator's count.
    let emulator = start_with(EmulatorConfig::default().max_restore_task_bytes(1000)).await;
    let answer = send(&emulator.url(), &signed()).await;
    assert_business_error(&answer, 200, "QuotaExceeded");
    let message = answer.message();
    assert!(
        message.contains("more than 1000 bytes") && message.contains("--max-restore-task-bytes"),
        "{message}"
    );
    assert!(emulator.state().restore_tasks.is_empty());
}

#[tokio::test]
async fn a_body_held_by_delayed_work_counts_against_the_budget_after_its_client_has_gone() {
    // A request that meets a `delay` fault is still acted on when its client goes away, so its
    // body is still held: its bytes stay in the budget until the work is done. The budget has
    // room for that body and 699 bytes more, so the 700-byte bodies of `poll_budget` are 503
    // while it is held.
    let raw = V1::new(rds_params(), Placement::Body).build();
    let len = raw.body.len();
    let emulator = start_with(
        EmulatorConfig::default()
            .max_body_bytes(len.max(700))
            .body_budget_bytes(len + 699),
    )
    .await;
    let url = emulator.url();
    emulator
        .inject_fault(Fault::new(ACTION, FaultKind::Delay).delay_ms(2000))
        .expect("valid fault");
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {len}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&raw.body).await.expect("body");
    // Counted once its action is read, before the delay.
    for _ in 0..200 {
        if emulator.state().requests.get(ACTION) == Some(&1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(emulator.state().requests.get(ACTION), Some(&1));
    // The client gives up; the server notices at once (no half-close), well within the delay.
    drop(stream);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let answer = poll_budget(&url, true).await;
    assert_gateway_error(&answer, 503, "ServiceUnavailable", &url);
    assert!(emulator.state().restore_tasks.is_empty(), "still waiting");

    // Once the work is done, exactly once, its bytes return.
    assert_gateway_error(
        &poll_budget(&url, false).await,
        400,
        "MissingParameter",
        &url,
    );
    assert_eq!(emulator.state().restore_tasks.len(), 1);
}

/// Sends `raw`'s body as a chunked body of chunks of 1, 2, 3, … bytes, in several writes
/// `gap` apart, and returns the answer's status.
async fn send_in_chunks(url: &str, raw: &Raw, gap: Duration) -> u16 {
    use tokio::io::AsyncReadExt;
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/x-www-form-urlencoded\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let mut rest = &raw.body[..];
    let mut size = 1;
    let mut write = Vec::new();
    while !rest.is_empty() {
        let (chunk, after) = rest.split_at(size.min(rest.len()));
        write.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        write.extend_from_slice(chunk);
        write.extend_from_slice(b"\r\n");
        rest = after;
        size += 1;
        // A write every few chunks, so the server sees the body in many reads.
        if size % 4 == 0 {
            stream.write_all(&write).await.expect("chunks");
            write.clear();
            tokio::time::sleep(gap).await;
        }
    }
    write.extend_from_slice(b"0\r\n\r\n");
    stream.write_all(&write).await.expect("last chunk");
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("an answer within 10 s")
        .expect("read");
    let text = String::from_utf8_lossy(&response);
    text.get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"))
}

#[tokio::test]
async fn a_body_in_many_chunks_is_read_whole_and_gives_back_every_byte_of_the_budget() {
    // The budget is exactly the longer body, sent second: a byte of the first kept after its
    // answer would make the second 503. (Lengths vary with the signature's escapes.)
    let mut raws = [
        V1::new(rds_params(), Placement::Body).build(),
        V1::new(rds_params(), Placement::Body).build(),
    ];
    raws.sort_by_key(|raw| raw.body.len());
    let len = raws[1].body.len();
    let emulator = start_with(
        EmulatorConfig::default()
            .max_body_bytes(len)
            .body_budget_bytes(len),
    )
    .await;
    let url = emulator.url();
    for (raw, gap) in raws.iter().zip([Duration::ZERO, Duration::from_millis(5)]) {
        assert_eq!(send_in_chunks(&url, raw, gap).await, 200);
    }
    let tasks = emulator.state().restore_tasks;
    assert_eq!(tasks.len(), 2);
    assert!(
        tasks
            .iter()
            .all(|t| t.restore_task_name == "restore orders*"),
        "{tasks:?}"
    );
}
