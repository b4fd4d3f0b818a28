//! The admin API and every fault kind.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dbs_emulator::{Fault, FaultKind};
use serde_json::json;

#[tokio::test]
async fn health_and_state() {
    let emulator = start().await;
    let url = emulator.url();
    assert_eq!(admin_get(&url, "health").await, json!({"status": "ok"}));

    let mut params = rds_params();
    set(&mut params, "ClientToken", "tok");
    let id = assert_success(&send(&url, &V1::new(params, Placement::Query).build()).await);
    let bad = V1::new(rds_params(), Placement::Query)
        .secret("wrong")
        .build();
    send(&url, &bad).await;

    let state = admin_get(&url, "state").await;
    assert_eq!(state["requests"], json!({"CreateRestoreTask": 2}));
    let task = &state["restore_tasks"][0];
    assert_eq!(task["RestoreTaskId"], json!(id));
    assert_eq!(task["RestoreTaskName"], json!("restore orders*"));
    assert_eq!(task["BackupPlanId"], json!("dbsdemomysql01"));
    assert_eq!(task["ClientToken"], json!("tok"));
    assert_eq!(
        task["Parameters"]["DestinationEndpointInstanceType"],
        json!("RDS")
    );
    assert!(
        task["Parameters"]
            .get("DestinationEndpointPassword")
            .is_none()
    );
    assert!(!state.to_string().contains(PASSWORD));
    let plans = state["backup_plans"].as_array().expect("plans");
    assert!(plans.contains(&json!({"BackupPlanId": "dbsdemomssql01", "DatabaseType": "MSSQL", "BackupPlanName": "demo SQL Server plan", "BackupPlanStatus": "running", "BeginTimestampForRestore": 1_554_560_477_000_i64})));
    // The JSON is the snapshot type.
    let typed: dbs_emulator::StateSnapshot = serde_json::from_value(state).expect("snapshot");
    assert_eq!(typed, emulator.state());
}

#[tokio::test]
async fn admin_errors_are_clear_json() {
    let emulator = start().await;
    let url = emulator.url();
    for (body, expected) in [
        ("not json", "invalid fault: expected"),
        (r#"{"kind":"explode"}"#, "unknown variant `explode`"),
        (
            r#"{"kind":"status","colour":"red"}"#,
            "unknown field `colour`",
        ),
        (r#"{"kind":"delay"}"#, "kind delay needs delay_ms"),
        (
            r#"{"kind":"status","status":200,"count":0}"#,
            "count must be at least 1; status must be between 400 and 599",
        ),
        (
            r#"{"kind":"reset","retry_after_ms":5}"#,
            "retry_after_ms is not used by kind reset",
        ),
    ] {
        let (status, answer) = admin_post(&url, "faults", body).await;
        assert_eq!(status, 400, "{body}");
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{body}: {message}");
    }
    let response = client()
        .get(format!("{url}/_emulator/nothing"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 404);
    let response = client()
        .post(format!("{url}/_emulator/health"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 405);
    let answer: serde_json::Value = common::json(response).await;
    assert_eq!(answer["error"], json!("use GET /_emulator/health"));
    assert_eq!(admin_get(&url, "faults").await, json!({"faults": []}));
}

async fn create(url: &str) -> Result<Answer, reqwest::Error> {
    try_send(url, &V1::new(rds_params(), Placement::Query).build()).await
}

#[tokio::test]
async fn status_faults_answer_gateway_errors_for_the_next_n_matching_requests() {
    let emulator = start().await;
    let url = emulator.url();
    let (status, answer) = admin_post(
        &url,
        "faults",
        r#"{"action":"CreateRestoreTask","kind":"status","count":2,"status":503}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer["faults"][0]["count"], json!(2));
    // A fault for another action does not match.
    admin_post(
        &url,
        "faults",
        r#"{"action":"StartRestoreTask","kind":"reset"}"#,
    )
    .await;

    for _ in 0..2 {
        let answer = create(&url).await.expect("answer");
        assert_gateway_error(&answer, 503, "ServiceUnavailable", &url);
    }
    assert_success(&create(&url).await.expect("answer"));

    emulator
        .inject_fault(Fault::new(ACTION, FaultKind::Status).status(500))
        .expect("valid fault");
    assert_gateway_error(
        &create(&url).await.expect("answer"),
        500,
        "InternalError",
        &url,
    );

    let state = emulator.state();
    assert_eq!(state.requests.get(ACTION), Some(&4));
    assert_eq!(state.restore_tasks.len(), 1);
    assert_eq!(state.faults.len(), 1, "the StartRestoreTask fault waits");
    let cleared: serde_json::Value = client()
        .delete(format!("{url}/_emulator/faults"))
        .send()
        .await
        .expect("answer")
        .text()
        .await
        .map(|t| serde_json::from_str(&t).expect("JSON"))
        .expect("body");
    assert_eq!(cleared, json!({"cleared": 1}));
    assert!(emulator.state().faults.is_empty());
}

#[tokio::test]
async fn throttle_faults_answer_throttling_with_an_optional_retry_after() {
    let emulator = start().await;
    let url = emulator.url();
    admin_post(&url, "faults", r#"{"kind":"throttle"}"#).await;
    admin_post(
        &url,
        "faults",
        r#"{"kind":"throttle","status":429,"retry_after_ms":250}"#,
    )
    .await;

    let answer = create(&url).await.expect("answer");
    assert_gateway_error(&answer, 400, "Throttling.User", &url);
    assert!(answer.headers.get("x-acs-retry-after").is_none());
    let answer = create(&url).await.expect("answer");
    assert_gateway_error(&answer, 429, "Throttling.User", &url);
    assert_eq!(
        answer
            .headers
            .get("x-acs-retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("250")
    );
    assert_success(&create(&url).await.expect("answer"));
}

#[tokio::test]
async fn reset_faults_drop_the_connection_without_an_answer() {
    let emulator = start().await;
    let url = emulator.url();
    emulator
        .inject_fault(Fault::new(ACTION, FaultKind::Reset))
        .expect("valid fault");
    let error = create(&url).await.expect_err("no answer");
    assert!(!error.is_status(), "{error}");
    assert_success(&create(&url).await.expect("answer"));
    let state = emulator.state();
    assert_eq!(state.requests.get(ACTION), Some(&2));
    assert_eq!(state.restore_tasks.len(), 1);
}

#[tokio::test]
async fn delay_faults_wait_then_handle_the_request() {
    let emulator = start().await;
    let url = emulator.url();
    emulator
        .inject_fault(Fault::new(ACTION, FaultKind::Delay).delay_ms(300))
        .expect("valid fault");
    let started = Instant::now();
    assert_success(&create(&url).await.expect("answer"));
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    assert_success(&create(&url).await.expect("answer"));
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn apply_then_fail_does_the_work_and_loses_the_answer() {
    let emulator = start().await;
    let url = emulator.url();
    admin_post(
        &url,
        "faults",
        r#"{"action":"CreateRestoreTask","kind":"apply_then_fail"}"#,
    )
    .await;
    let mut params = rds_params();
    set(&mut params, "ClientToken", "retry-me");

    let answer = send(&url, &V1::new(params.clone(), Placement::Query).build()).await;
    assert_gateway_error(&answer, 503, "ServiceUnavailable", &url);
    let state = emulator.state();
    assert_eq!(state.restore_tasks.len(), 1, "the work was done");
    let created = state.restore_tasks[0].restore_task_id.clone();

    // The client retries with the same token (fresh nonce and signature) and learns the task.
    let id = assert_success(&send(&url, &V1::new(params, Placement::Query).build()).await);
    assert_eq!(id, created);
    assert_eq!(emulator.state().restore_tasks.len(), 1);

    // It is taken only by requests the gateway accepts.
    emulator
        .inject_fault(Fault::new(ACTION, FaultKind::ApplyThenFail).status(500))
        .expect("valid fault");
    let bad = V1::new(rds_params(), Placement::Query)
        .secret("wrong")
        .build();
    assert_gateway_error(&send(&url, &bad).await, 400, "SignatureDoesNotMatch", &url);
    assert_gateway_error(
        &create(&url).await.expect("answer"),
        500,
        "InternalError",
        &url,
    );
    assert_eq!(emulator.state().restore_tasks.len(), 2);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let emulator = start().await;
    let url = emulator.url();
    assert_eq!(url, format!("http://{}", emulator.local_addr()));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(admin_get(&url, "health").await["status"], "ok");
    emulator.shutdown().await;
    let after = client().get(format!("{url}/_emulator/health")).send().await;
    assert!(after.is_err(), "still serving: {after:?}");
}
