//! The spec's waiter `RestoreTaskFinished` (`client.wait_until_restore_task_finished(id)`)
//! against the emulator's restore tasks: a finished task's final item, a failed one's
//! `WaiterFailed` with `DescribeJobErrorCode`'s explanation, a timeout, an unknown ID, and the
//! progress callback seeing the task move.
//!
//! Expected values come from the spec and its sources: `RestoreStatus` values are the
//! metadata's (`init`, `running`, `check_pass`, `stop`); the emulator reports a finished task as
//! `check_pass` (its documented reading) and fails one with the `task_failure` fault. The waits
//! are bounded by the waiter's own timeout; nothing asserts on time.

// Tests fail by panicking: `expect` on fixed inputs is the clearest way to say so.
#![allow(clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use dbs_api::{
    Client, Credentials, DestinationEndpointInstanceType, Error, RestoreObject, RestoreTaskDetail,
    RetryConfig, Waiter as _,
};
use dbs_emulator::{EmulatorConfig, EmulatorHandle, Fault, FaultKind};

/// The demo MySQL plan of the built-in seed.
const MYSQL: &str = "dbsdemomysql01";

fn client(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .endpoint_url(emulator.url())
        .credentials(Credentials::new(
            emulator.access_key_id(),
            emulator.access_key_secret(),
        ))
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(5)))
        .build()
        .expect("client")
}

/// Creates a restore task into an RDS instance (the metadata's example destination), and
/// starts it.
async fn started_task(client: &Client) -> String {
    let id = client
        .create_restore_task()
        .backup_plan_id(MYSQL)
        .restore_task_name("restore app")
        .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds)
        .destination_endpoint_region("cn-hangzhou")
        .destination_endpoint_instance_id("rm-bp1p8c29abcde")
        .destination_endpoint_user_name("restore_user")
        .destination_endpoint_password(PASSWORD)
        .restore_objects([RestoreObject::new("app")])
        .send()
        .await
        .expect("CreateRestoreTask")
        .restore_task_id
        .expect("RestoreTaskId");
    client
        .start_restore_task()
        .restore_task_id(&id)
        .send()
        .await
        .expect("StartRestoreTask");
    id
}

fn status(task: &RestoreTaskDetail) -> String {
    task.restore_status
        .as_ref()
        .map_or_else(String::new, |s| s.as_str().to_owned())
}

#[tokio::test]
async fn a_finished_task_is_returned_with_every_observed_state_passed_to_the_callback() {
    let emulator = start_with(EmulatorConfig::default().task_duration_ms(800)).await;
    let client = client(&emulator);
    let id = started_task(&client).await;
    let seen = Arc::new(Mutex::new(Vec::<RestoreTaskDetail>::new()));
    let sink = Arc::clone(&seen);
    let task = client
        .wait_until_restore_task_finished(&id)
        .delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(60))
        .timeout(Duration::from_secs(60))
        .on_progress(move |t| sink.lock().expect("lock").push(t.clone()))
        .send()
        .await
        .expect("the task finishes");
    assert_eq!(task.restore_task_id.as_deref(), Some(id.as_str()));
    assert_eq!(status(&task), "check_pass");
    assert_eq!(task.full_data_restore_progress, Some(100));
    assert!(task.restore_task_finish_time.is_some(), "{task:?}");

    let seen = seen.lock().expect("lock").clone();
    // The callback saw the final item last, and the task running before it.
    assert_eq!(seen.last().map(status).as_deref(), Some("check_pass"));
    assert!(seen.iter().any(|t| status(t) == "running"), "{seen:?}");
    // Progress never went back, and it rose.
    let data: Vec<i64> = seen
        .iter()
        .map(|t| {
            let progress = dbs_api::RestoreTaskFinishedWaiter::progress(t);
            assert_eq!(progress[0].0, "FullDataRestoreProgress");
            progress[0].1.expect("progress")
        })
        .collect();
    assert!(data.windows(2).all(|w| w[0] <= w[1]), "{data:?}");
    assert!(data.first() < data.last(), "{data:?}");
}

#[tokio::test]
async fn a_failed_task_is_waiter_failed_with_its_message_and_the_job_errors_explanation() {
    let emulator = start_with(EmulatorConfig::default().task_duration_ms(400)).await;
    let client = client(&emulator);
    let message = "Access denied for user 'restore_user' on the destination.";
    emulator
        .inject_fault(Fault {
            code: Some("RESTORE_DEST_ACCESS_DENIED".to_owned()),
            message: Some(message.to_owned()),
            ..Fault::new("StartRestoreTask", FaultKind::TaskFailure)
        })
        .expect("a valid fault");
    let id = started_task(&client).await;
    let result = client
        .wait_until_restore_task_finished(&id)
        .delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(60))
        .timeout(Duration::from_secs(60))
        .send()
        .await;
    let Err(Error::WaiterFailed {
        waiter,
        id: failed,
        status,
        message: got,
        explanation,
    }) = result
    else {
        panic!("expected WaiterFailed, got {result:?}");
    };
    assert_eq!(waiter, "RestoreTaskFinished");
    assert_eq!(failed, id);
    assert_eq!(status, "stop");
    assert_eq!(got.as_deref(), Some(message));
    let item = &explanation.expect("DescribeJobErrorCode answered")["Item"];
    assert_eq!(item["JobId"], id.as_str());
    assert_eq!(item["ErrorCode"], "RESTORE_DEST_ACCESS_DENIED");
    assert_eq!(item["ErrorMessage"], message);
    assert_eq!(item["JobState"], "stop");
}

#[tokio::test]
async fn a_task_that_does_not_finish_in_time_is_waiter_timeout_with_its_last_state() {
    let emulator = start_with(EmulatorConfig::default().task_duration_ms(600_000)).await;
    let client = client(&emulator);
    let id = started_task(&client).await;
    let result = client
        .wait_until_restore_task_finished(&id)
        .delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(40))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    let Err(Error::WaiterTimeout {
        waiter,
        id: waited,
        after,
        last_status,
    }) = result
    else {
        panic!("expected WaiterTimeout, got {result:?}");
    };
    assert_eq!(waiter, "RestoreTaskFinished");
    assert_eq!(waited, id);
    assert_eq!(after, Duration::from_millis(300));
    let last = last_status.expect("a state was seen");
    assert!(last == "init" || last == "running", "{last}");
}

#[tokio::test]
async fn an_unknown_task_is_waiter_not_found() {
    let emulator = start().await;
    let client = client(&emulator);
    let result = client
        .wait_until_restore_task_finished("r000000000000")
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    match result {
        Err(Error::WaiterNotFound { waiter, id }) => {
            assert_eq!(waiter, "RestoreTaskFinished");
            assert_eq!(id, "r000000000000");
        }
        other => panic!("expected WaiterNotFound, got {other:?}"),
    }
}

#[test]
fn the_waiter_carries_the_specs_facts() {
    let spec = dbs_api::RestoreTaskFinishedWaiter::SPEC;
    assert_eq!(spec.operation, "DescribeRestoreTaskList");
    assert_eq!(spec.input, "RestoreTaskId");
    assert_eq!(spec.items, "Items.RestoreTaskDetail");
    assert_eq!(spec.status, "RestoreStatus");
    assert_eq!(spec.success, ["check_pass"]);
    assert_eq!(spec.failure, ["stop"]);
    assert_eq!(spec.message, Some("ErrMessage"));
    let explain = spec.explain.expect("an explaining operation");
    assert_eq!(
        (explain.operation, explain.input),
        ("DescribeJobErrorCode", "TaskId")
    );
}

#[tokio::test]
async fn the_same_wait_by_name_reads_the_items_as_json() {
    let emulator = start_with(EmulatorConfig::default().task_duration_ms(400)).await;
    let client = client(&emulator);
    let spec = dbs_api::WAITERS
        .iter()
        .find(|w| w.name == "RestoreTaskFinished")
        .expect("the spec's waiter");
    let id = started_task(&client).await;
    let mut statuses = Vec::new();
    let task = client
        .wait_until(spec, &id)
        .delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(60))
        .timeout(Duration::from_secs(60))
        .on_progress(|t| statuses.push(t["RestoreStatus"].as_str().unwrap_or("").to_owned()))
        .send()
        .await
        .expect("the task finishes");
    assert_eq!(task["RestoreTaskId"], id.as_str());
    assert_eq!(task["RestoreStatus"], "check_pass");
    assert_eq!(task["FullDataRestoreProgress"], 100);
    assert_eq!(statuses.last().map(String::as_str), Some("check_pass"));

    let unknown = client
        .wait_until(spec, "r000000000000")
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    assert!(
        matches!(unknown, Err(Error::WaiterNotFound { .. })),
        "{unknown:?}"
    );
}
