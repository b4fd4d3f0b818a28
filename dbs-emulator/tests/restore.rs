//! The whole restore against the emulator, through our client (`dbs-api`): a plan's backup
//! history and restorable range, create → start → progress rises → finished, a task failed by a
//! fault with its job error, the refusals of `CreateRestoreTask` (a time outside the range, a
//! backup set of another plan) and of `StartRestoreTask`, and the pages of
//! `DescribeRestoreTaskList`.
//!
//! Expected values come from the spec and its sources: `RestoreStatus` values are the
//! metadata's (`init`, `running`, `stop`, `check_pass`), full backups are `finish` and
//! increments `COMPLETED` (the metadata's `BackupStatus` lists), `RangeType` `point` carries
//! `FullBackupList` (§4.6), pages count from 0 (the spec's pagination), and error codes are the
//! spec's common table's. Waiting is a bounded loop of polls, never a timing assertion.

// Tests fail by panicking: `expect` on fixed inputs is the clearest way to say so.
#![allow(clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use dbs_api::{
    Client, DestinationEndpointInstanceType, RestoreObject, RestoreTaskDetail, SourceDatabaseType,
};
use dbs_emulator::{BackupPlan, EmulatorConfig, Fault, FaultKind, Seed};

/// The demo MySQL plan and the demo PostgreSQL plan of the built-in seed.
const MYSQL: &str = "dbsdemomysql01";
const PGSQL: &str = "dbsdemopgsql01";

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis(),
    )
    .expect("fits")
}

/// A CreateRestoreTask into an RDS instance (the metadata's example destination).
fn restore<'c>(client: &'c Client, plan: &str) -> dbs_api::CreateRestoreTaskRequest<'c> {
    client
        .create_restore_task()
        .backup_plan_id(plan)
        .restore_task_name("restore app")
        .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds)
        .destination_endpoint_region("cn-hangzhou")
        .destination_endpoint_instance_id("rm-bp1p8c29abcde")
        .destination_endpoint_user_name("restore_user")
        .destination_endpoint_password(PASSWORD)
        .restore_objects([RestoreObject::new("app")])
}

/// The first page of the plan's full backups (`DescribeFullBackupList` with only `BackupPlanId`).
async fn full_backups(client: &Client, plan: &str) -> dbs_api::DescribeFullBackupListOutput {
    client
        .describe_full_backup_list()
        .backup_plan_id(plan)
        .send()
        .await
        .expect("DescribeFullBackupList")
}

/// The `BackupSetId` of the first set on a page of full backups.
fn first_set(page: dbs_api::DescribeFullBackupListOutput) -> String {
    page.items
        .and_then(|i| i.full_backup_file)
        .and_then(|files| files.into_iter().next())
        .and_then(|f| f.backup_set_id)
        .expect("a backup set")
}

/// Sends a CreateRestoreTask and returns the new task's `RestoreTaskId`.
async fn created(request: dbs_api::CreateRestoreTaskRequest<'_>) -> String {
    request
        .send()
        .await
        .expect("CreateRestoreTask")
        .restore_task_id
        .expect("RestoreTaskId")
}

/// Sends a StartRestoreTask for the task `id`.
async fn start_task(
    client: &Client,
    id: &str,
) -> Result<dbs_api::StartRestoreTaskOutput, dbs_api::Error> {
    client.start_restore_task().restore_task_id(id).send().await
}

/// The latest instant of the plan's continuous (`range`) restorable range.
async fn latest_restorable(client: &Client, plan: &str) -> i64 {
    let ranges = client
        .describe_restore_range_info()
        .backup_plan_id(plan)
        .begin_timestamp_for_restore(0_i64)
        .end_timestamp_for_restore(now_ms())
        .send()
        .await
        .expect("DescribeRestoreRangeInfo")
        .items
        .and_then(|i| i.dbs_recover_range)
        .unwrap_or_default();
    ranges
        .iter()
        .find(|r| r.range_type.as_ref().map(|t| t.as_str()) == Some("range"))
        .and_then(|r| r.end_timestamp_for_restore)
        .expect("a range entry")
}

async fn task(client: &Client, id: &str) -> RestoreTaskDetail {
    let output = client
        .describe_restore_task_list()
        .restore_task_id(id)
        .send()
        .await
        .expect("DescribeRestoreTaskList");
    let mut tasks = output
        .items
        .and_then(|i| i.restore_task_detail)
        .unwrap_or_default();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    tasks.remove(0)
}

fn status(task: &RestoreTaskDetail) -> &str {
    task.restore_status.as_ref().map_or("", |s| s.as_str())
}

/// Polls the task until `done` says so (at most 500 polls, 20 ms apart); every state seen.
async fn follow(
    client: &Client,
    id: &str,
    done: impl Fn(&RestoreTaskDetail) -> bool,
) -> Vec<RestoreTaskDetail> {
    let mut seen = Vec::new();
    for _ in 0..500 {
        let t = task(client, id).await;
        let finished = done(&t);
        seen.push(t);
        if finished {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the task did not finish: last {:?}", seen.last());
}

#[tokio::test]
async fn a_seeded_plan_has_full_backups_increments_and_a_restorable_range() {
    let emulator = start().await;
    let client = sdk_client(&emulator);
    let full = client
        .describe_full_backup_list()
        .backup_plan_id(MYSQL)
        .page_size(30)
        .send()
        .await
        .expect("DescribeFullBackupList");
    let total = full.total_elements.expect("TotalElements");
    assert!(total > 30, "years of daily full backups: {total}");
    assert_eq!(full.total_pages, Some((total + 29) / 30));
    let files = full.items.and_then(|i| i.full_backup_file).expect("items");
    assert_eq!(files.len(), 30);
    for f in &files {
        assert_eq!(f.backup_status.as_ref().map(|s| s.as_str()), Some("finish"));
        assert!(f.backup_set_id.is_some());
    }
    // Oldest first, a day apart.
    assert_eq!(
        files[1].start_time.expect("StartTime") - files[0].start_time.expect("StartTime"),
        86_400_000
    );
    // One set by its ID.
    let one = client
        .describe_full_backup_list()
        .backup_plan_id(MYSQL)
        .backup_set_id(files[3].backup_set_id.clone().expect("id"))
        .send()
        .await
        .expect("DescribeFullBackupList");
    assert_eq!(one.total_elements, Some(1));

    let increments = client
        .describe_increment_backup_list()
        .backup_plan_id(MYSQL)
        .start_timestamp(now_ms() - 3 * 3_600_000)
        .send()
        .await
        .expect("DescribeIncrementBackupList");
    let files = increments
        .items
        .and_then(|i| i.increment_backup_file)
        .expect("items");
    assert!((2..=3).contains(&files.len()), "{files:?}");
    for f in &files {
        assert_eq!(
            f.backup_status.as_ref().map(|s| s.as_str()),
            Some("COMPLETED")
        );
    }

    let ranges = client
        .describe_restore_range_info()
        .backup_plan_id(MYSQL)
        .begin_timestamp_for_restore(now_ms() - 3 * 86_400_000)
        .end_timestamp_for_restore(now_ms())
        .send()
        .await
        .expect("DescribeRestoreRangeInfo")
        .items
        .and_then(|i| i.dbs_recover_range)
        .expect("ranges");
    let point = ranges
        .iter()
        .find(|r| r.range_type.as_ref().map(|t| t.as_str()) == Some("point"))
        .expect("a point entry");
    let points = point
        .full_backup_list
        .as_ref()
        .and_then(|l| l.full_backup_detail.as_ref())
        .expect("FullBackupList");
    assert!((3..=4).contains(&points.len()), "{points:?}");
    assert!(
        ranges
            .iter()
            .any(|r| r.range_type.as_ref().map(|t| t.as_str()) == Some("range"))
    );
}

#[tokio::test]
async fn a_started_task_rises_through_its_progress_and_finishes() {
    let emulator = start_with(EmulatorConfig::default().task_duration_ms(1500)).await;
    let client = sdk_client(&emulator);
    let time = latest_restorable(&client, MYSQL).await;
    let id = created(restore(&client, MYSQL).restore_time(time)).await;
    let created = task(&client, &id).await;
    assert_eq!(status(&created), "init");
    assert_eq!(created.restore_time, Some(time));
    assert_eq!(created.full_data_restore_progress, Some(0));
    assert_eq!(created.restore_task_finish_time, None);

    let started = start_task(&client, &id).await.expect("StartRestoreTask");
    assert_eq!(started.restore_task_id.as_deref(), Some(id.as_str()));

    let seen = follow(&client, &id, |t| status(t) == "check_pass").await;
    // The statuses come in order, and the progress never goes back.
    let order = ["init", "running", "check_pass"];
    let ranks: Vec<usize> = seen
        .iter()
        .map(|t| {
            order
                .iter()
                .position(|s| *s == status(t))
                .expect("a known status")
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    assert!(ranks.contains(&1), "seen running: {ranks:?}");
    let data: Vec<i32> = seen
        .iter()
        .map(|t| t.full_data_restore_progress.expect("progress"))
        .collect();
    assert!(data.windows(2).all(|w| w[0] <= w[1]), "{data:?}");
    let last = seen.last().expect("a state");
    for progress in [
        last.full_strufore_restore_progress,
        last.full_data_restore_progress,
        last.full_stru_after_restore_progress,
        last.continuous_restore_progress,
    ] {
        assert_eq!(progress, Some(100));
    }
    assert!(last.restore_task_finish_time.is_some());
    assert_eq!(last.err_message, None);
    // The state page shows where the run is too.
    assert_eq!(
        emulator.state().restore_tasks[0].restore_status,
        "check_pass"
    );

    // The precheck passed: every item finished.
    let precheck = client
        .describe_pre_check_progress_list()
        .backup_plan_id(MYSQL)
        .restore_task_id(&id)
        .send()
        .await
        .expect("DescribePreCheckProgressList");
    assert_eq!(precheck.status.as_ref().map(|s| s.as_str()), Some("finish"));
    assert_eq!(precheck.progress, Some(100));
    let items = precheck
        .items
        .and_then(|i| i.pre_check_progress_detail)
        .expect("items");
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|i| i.state.as_ref().map(|s| s.as_str()) == Some("finish"))
    );

    // A finished task is not started again; an unknown one is not found.
    let e = refused(start_task(&client, &id).await, "InvalidParameter");
    assert!(e.message.contains("check_pass"), "{e:?}");
    refused(start_task(&client, "r000000000000").await, "Param.NotFound");
}

#[tokio::test]
async fn starting_a_running_task_is_refused() {
    // Long enough that the task is still running when started again.
    let emulator = start_with(EmulatorConfig::default().task_duration_ms(600_000)).await;
    let client = sdk_client(&emulator);
    let id = created(restore(&client, MYSQL)).await;
    start_task(&client, &id).await.expect("StartRestoreTask");
    let e = refused(start_task(&client, &id).await, "InvalidParameter");
    assert!(e.message.contains("already started"), "{e:?}");
}

#[tokio::test]
async fn a_task_failure_fault_stops_the_task_half_way_with_a_job_error() {
    let emulator = start_with(EmulatorConfig::default().task_duration_ms(400)).await;
    let client = sdk_client(&emulator);
    let message = "Access denied for user 'restore_user' on the destination.";
    emulator
        .inject_fault(Fault {
            code: Some("RESTORE_DEST_ACCESS_DENIED".to_owned()),
            message: Some(message.to_owned()),
            ..Fault::new("StartRestoreTask", FaultKind::TaskFailure)
        })
        .expect("a valid fault");
    let id = created(restore(&client, MYSQL)).await;
    start_task(&client, &id)
        .await
        .expect("StartRestoreTask succeeds; the task fails later");
    let seen = follow(&client, &id, |t| {
        status(t) != "init" && status(t) != "running"
    })
    .await;
    let last = seen.last().expect("a state");
    assert_eq!(status(last), "stop");
    assert_eq!(last.err_message.as_deref(), Some(message));
    assert!(last.full_data_restore_progress < Some(100), "{last:?}");
    assert!(last.restore_task_finish_time.is_some());

    let job = client
        .describe_job_error_code()
        .task_id(&id)
        .send()
        .await
        .expect("DescribeJobErrorCode")
        .item
        .expect("Item");
    assert_eq!(job.job_id.as_deref(), Some(id.as_str()));
    assert_eq!(job.job_state.as_deref(), Some("stop"));
    assert_eq!(
        job.error_code.as_deref(),
        Some("RESTORE_DEST_ACCESS_DENIED")
    );
    assert_eq!(job.error_message.as_deref(), Some(message));
    // The fault was used up: the fault list is empty again.
    assert!(emulator.state().faults.is_empty());

    refused(
        client
            .describe_job_error_code()
            .task_id("r000000000000")
            .send()
            .await,
        "Param.NotFound",
    );
}

#[tokio::test]
async fn a_restore_time_outside_the_plans_range_is_refused() {
    let emulator = start().await;
    let client = sdk_client(&emulator);
    let latest = latest_restorable(&client, MYSQL).await;
    for time in [latest + 86_400_000, 1_554_560_477_000 - 1] {
        let e = refused(
            restore(&client, MYSQL).restore_time(time).send().await,
            "InvalidParameter",
        );
        assert!(
            e.message.contains("RestoreTime") && e.message.contains("outside"),
            "{e:?}"
        );
    }
    assert!(emulator.state().restore_tasks.is_empty());
    // The range's own end is accepted.
    restore(&client, MYSQL)
        .restore_time(latest)
        .send()
        .await
        .expect("CreateRestoreTask");
}

#[tokio::test]
async fn a_backup_set_of_another_plan_is_refused() {
    let emulator = start().await;
    let client = sdk_client(&emulator);
    let pg_set = first_set(full_backups(&client, PGSQL).await);
    let mysql_set = first_set(full_backups(&client, MYSQL).await);
    assert_ne!(pg_set, mysql_set);
    let e = refused(
        restore(&client, MYSQL).backup_set_id(&pg_set).send().await,
        "Param.NotFound",
    );
    assert!(e.message.contains("BackupSetId"), "{e:?}");
    assert!(emulator.state().restore_tasks.is_empty());
    let id = created(restore(&client, MYSQL).backup_set_id(&mysql_set)).await;
    assert_eq!(
        task(&client, &id).await.backup_set_id.as_deref(),
        Some(mysql_set.as_str())
    );
}

#[tokio::test]
async fn restore_task_list_pages_filters_by_ids_and_by_time() {
    let emulator = start().await;
    let client = sdk_client(&emulator);
    let before = now_ms() - 1;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(created(restore(&client, MYSQL)).await);
    }
    // Another plan's task is not listed with the MySQL plan's.
    restore(&client, PGSQL)
        .destination_endpoint_database_name("app")
        .send()
        .await
        .expect("CreateRestoreTask");
    let page = |n: i32| {
        let client = client.clone();
        async move {
            client
                .describe_restore_task_list()
                .backup_plan_id(MYSQL)
                .page_size(2)
                .page_num(n)
                .send()
                .await
                .expect("DescribeRestoreTaskList")
        }
    };
    let mut listed = Vec::new();
    for n in 0..3 {
        let output = page(n).await;
        assert_eq!(output.page_num, Some(n));
        assert_eq!(output.page_size, Some(2));
        assert_eq!(output.total_elements, Some(5));
        assert_eq!(output.total_pages, Some(3));
        let tasks = output
            .items
            .and_then(|i| i.restore_task_detail)
            .unwrap_or_default();
        assert_eq!(tasks.len(), if n < 2 { 2 } else { 1 });
        listed.extend(tasks.into_iter().filter_map(|t| t.restore_task_id));
    }
    assert_eq!(listed, ids, "every task once, oldest first");
    let past_the_end = page(3).await;
    assert_eq!(
        past_the_end
            .items
            .and_then(|i| i.restore_task_detail)
            .unwrap_or_default()
            .len(),
        0
    );

    let named = client
        .describe_restore_task_list()
        .restore_task_id(format!("{},{}", ids[3], ids[1]))
        .send()
        .await
        .expect("DescribeRestoreTaskList");
    let named: Vec<String> = named
        .items
        .and_then(|i| i.restore_task_detail)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| t.restore_task_id)
        .collect();
    assert_eq!(named, [ids[1].clone(), ids[3].clone()]);

    let none = client
        .describe_restore_task_list()
        .backup_plan_id(MYSQL)
        .end_timestamp(before)
        .send()
        .await
        .expect("DescribeRestoreTaskList");
    assert_eq!(none.total_elements, Some(0));
    let all = client
        .describe_restore_task_list()
        .backup_plan_id(MYSQL)
        .start_timestamp(before)
        .send()
        .await
        .expect("DescribeRestoreTaskList");
    assert_eq!(all.total_elements, Some(5));
}

#[tokio::test]
async fn a_plan_has_backups_once_started_through_the_api() {
    let emulator = start_empty().await;
    let client = sdk_client(&emulator);
    let running = create_and_start_example(&client)
        .send()
        .await
        .expect("CreateAndStartBackupPlan")
        .backup_plan_id
        .expect("BackupPlanId");
    let full = full_backups(&client, &running).await;
    assert_eq!(full.total_elements, Some(1), "a first full backup at start");
    let set = first_set(full);
    restore(&client, &running)
        .backup_set_id(&set)
        .send()
        .await
        .expect("restore from the first full backup");

    // A plan bought but never started has nothing to restore.
    let bought = create_backup_plan_example(&client)
        .send()
        .await
        .expect("CreateBackupPlan")
        .backup_plan_id
        .expect("BackupPlanId");
    let none = full_backups(&client, &bought).await;
    assert_eq!(none.total_elements, Some(0));
    let e = refused(
        restore(&client, &bought)
            .restore_time(now_ms())
            .send()
            .await,
        "InvalidParameter",
    );
    assert!(e.message.contains("no backup"), "{e:?}");
}

#[tokio::test]
async fn the_seeds_gateways_are_listed_by_region() {
    let seed = Seed {
        backup_plans: vec![
            BackupPlan::new("p1", SourceDatabaseType::MySql)
                .with_field("BackupGatewayId", 1_234_567)
                .with_field("SourceEndpointRegion", "cn-hangzhou"),
            BackupPlan::new("p2", SourceDatabaseType::MySql)
                .with_field("BackupGatewayId", 7_654_321)
                .with_field("SourceEndpointRegion", "cn-beijing"),
        ],
    };
    let emulator = start_with(EmulatorConfig::default().seed(seed)).await;
    let client = sdk_client(&emulator);
    let listed = client
        .describe_backup_gateway_list()
        .region("cn-hangzhou")
        .send()
        .await
        .expect("DescribeBackupGatewayList");
    assert_eq!(listed.total_elements, Some(1));
    let gateways = listed
        .items
        .and_then(|i| i.backup_gateway)
        .expect("gateways");
    // The ID as a string here (the spec: the operations that take it declare an integer).
    assert_eq!(gateways[0].backup_gateway_id.as_deref(), Some("1234567"));
    assert_eq!(gateways[0].region.as_deref(), Some("cn-hangzhou"));
}
