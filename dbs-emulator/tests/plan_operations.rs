//! The emulator's 36 operations through our client (`dbs-api`) and raw signed requests: the
//! backup-plan lifecycle reflected by `DescribeBackupPlanList` (filters, pages, totals), its
//! refusals and their codes, restoring from a plan created through the API, and the
//! operations answered with the spec's example (marked by `x-dbs-emulator-example`).
//!
//! Expected values come from the spec and its sources: statuses are the `.dara`'s
//! `BackupPlanStatus` values (`wait` bought, `init` configured, `running`, `pause`), request
//! values are the official metadata's examples, pages count from 0 (metadata: `PageNum` default
//! 0), and the refusal text is the metadata's `ErrMessage` example.

// Tests fail by panicking: `expect` on fixed inputs is the clearest way to say so.
#![allow(clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use dbs_api::{
    BackupMethod, BackupObject, BackupPlanDetail, BackupPlanStatus, Client, DatabaseType,
    DestinationEndpointInstanceType, InstanceClass, PeriodUnit, RestoreObject,
    SourceEndpointInstanceType, StopMethod,
};
use dbs_emulator::EXAMPLE_HEADER;
use serde_json::Value;

/// The metadata's CreateBackupPlan example in `region` for `database_type`, in resource group
/// `group`.
async fn buy(client: &Client, database_type: DatabaseType, region: &str, group: &str) -> String {
    create_backup_plan_example(client)
        .region(region)
        .database_type(database_type)
        .resource_group_id(group)
        .send()
        .await
        .expect("CreateBackupPlan")
        .backup_plan_id
        .expect("BackupPlanId")
}

/// The metadata's ConfigureBackupPlan example (an RDS MySQL source, Mondays at 14:22, 730 days).
async fn configure(client: &Client, id: &str, name: &str) {
    let output = client
        .configure_backup_plan()
        .backup_plan_id(id)
        .backup_plan_name(name)
        .source_endpoint_instance_type(SourceEndpointInstanceType::Rds)
        .source_endpoint_region("cn-hangzhou")
        .source_endpoint_instance_id("rm-uf6wjk5abcdefgh")
        .source_endpoint_user_name("testRDS")
        .source_endpoint_password("testPassword")
        .backup_objects([BackupObject::new("test")])
        .backup_period("Monday")
        .backup_start_time("14:22")
        .backup_retention_period(730)
        .send()
        .await
        .expect("ConfigureBackupPlan");
    assert_eq!(output.backup_plan_id.as_deref(), Some(id));
}

/// The plan as `DescribeBackupPlanList` shows it, found by its ID.
async fn listed(client: &Client, id: &str) -> BackupPlanDetail {
    let output = client
        .describe_backup_plan_list()
        .backup_plan_id(id)
        .send()
        .await
        .expect("DescribeBackupPlanList");
    assert_eq!(output.total_elements, Some(1), "{output:?}");
    let mut plans = output
        .items
        .and_then(|items| items.backup_plan_detail)
        .expect("Items.BackupPlanDetail");
    assert_eq!(plans.len(), 1);
    plans.remove(0)
}

#[tokio::test]
async fn a_plan_is_bought_configured_started_paused_and_renamed_and_the_list_shows_each_step() {
    let emulator = start_empty().await;
    let client = sdk_client(&emulator);

    let id = buy(
        &client,
        DatabaseType::MySql,
        "cn-hangzhou",
        "rg-aekzecovzti1234",
    )
    .await;
    let plan = listed(&client, &id).await;
    assert_eq!(plan.backup_plan_id.as_deref(), Some(id.as_str()));
    assert_eq!(plan.backup_plan_status, Some(BackupPlanStatus::Wait));
    assert_eq!(plan.database_type, Some(DatabaseType::MySql));
    assert_eq!(plan.instance_class, Some(InstanceClass::Micro));
    assert_eq!(plan.backup_method, Some(BackupMethod::Logical));
    assert_eq!(
        plan.resource_group_id.as_deref(),
        Some("rg-aekzecovzti1234")
    );

    configure(&client, &id, "orders").await;
    let plan = listed(&client, &id).await;
    assert_eq!(plan.backup_plan_status, Some(BackupPlanStatus::Init));
    assert_eq!(plan.backup_plan_name.as_deref(), Some("orders"));
    assert_eq!(
        plan.source_endpoint_instance_type,
        Some(SourceEndpointInstanceType::Rds)
    );
    assert_eq!(
        plan.source_endpoint_instance_id.as_deref(),
        Some("rm-uf6wjk5abcdefgh")
    );
    assert_eq!(plan.source_endpoint_user_name.as_deref(), Some("testRDS"));
    assert_eq!(plan.backup_period.as_deref(), Some("Monday"));
    assert_eq!(plan.backup_start_time.as_deref(), Some("14:22"));
    assert_eq!(plan.backup_retention_period, Some(730));
    let objects: Value =
        serde_json::from_str(plan.backup_objects.as_deref().expect("BackupObjects"))
            .expect("BackupObjects is JSON");
    assert_eq!(objects, serde_json::json!([{"DBName": "test"}]));

    let started = client
        .start_backup_plan()
        .backup_plan_id(&id)
        .send()
        .await
        .expect("StartBackupPlan");
    assert_eq!(started.backup_plan_id.as_deref(), Some(id.as_str()));
    assert_eq!(started.success, Some(true));
    assert_eq!(
        listed(&client, &id).await.backup_plan_status,
        Some(BackupPlanStatus::Running)
    );

    client
        .stop_backup_plan()
        .backup_plan_id(&id)
        .stop_method(StopMethod::Plan)
        .send()
        .await
        .expect("StopBackupPlan");
    // The metadata: StopBackupPlan pauses a plan (`stop` is the status of a failed one).
    assert_eq!(
        listed(&client, &id).await.backup_plan_status,
        Some(BackupPlanStatus::Pause)
    );

    client
        .modify_backup_plan_name()
        .backup_plan_id(&id)
        .backup_plan_name("orders-nightly")
        .send()
        .await
        .expect("ModifyBackupPlanName");
    let plan = listed(&client, &id).await;
    assert_eq!(plan.backup_plan_name.as_deref(), Some("orders-nightly"));
    assert_eq!(plan.backup_plan_status, Some(BackupPlanStatus::Pause));

    // The password was sent and is kept nowhere.
    let state = serde_json::to_string(&emulator.state()).expect("state");
    assert!(!state.contains("testPassword"), "{state}");
}

#[tokio::test]
async fn the_modify_operations_and_the_log_switch_are_reflected_by_the_list() {
    let emulator = start_empty().await;
    let client = sdk_client(&emulator);
    let id = buy(&client, DatabaseType::MySql, "cn-hangzhou", "rg-a").await;
    configure(&client, &id, "orders").await;

    let output = client
        .modify_backup_strategy()
        .backup_plan_id(&id)
        .backup_period("Tuesday,Friday")
        .backup_start_time("03:30")
        .send()
        .await
        .expect("ModifyBackupStrategy");
    assert_eq!(output.need_precheck, Some(false));
    client
        .modify_storage_strategy()
        .backup_plan_id(&id)
        .backup_retention_period(730)
        .duplication_infrequent_access_period(180)
        .duplication_archive_period(365)
        .send()
        .await
        .expect("ModifyStorageStrategy");
    client
        .modify_backup_objects()
        .backup_plan_id(&id)
        .backup_objects([BackupObject::new("billing")])
        .send()
        .await
        .expect("ModifyBackupObjects");
    client
        .modify_backup_source_endpoint()
        .backup_plan_id(&id)
        .source_endpoint_instance_type(SourceEndpointInstanceType::Rds)
        .source_endpoint_region("cn-beijing")
        .source_endpoint_instance_id("rm-2ze8g2am97624abcd")
        .source_endpoint_user_name("backup")
        .source_endpoint_password("another secret")
        .backup_objects([BackupObject::new("billing")])
        .send()
        .await
        .expect("ModifyBackupSourceEndpoint");
    client
        .enable_backup_log()
        .backup_plan_id(&id)
        .send()
        .await
        .expect("EnableBackupLog");
    client
        .upgrade_backup_plan()
        .backup_plan_id(&id)
        .instance_class(InstanceClass::Large)
        .send()
        .await
        .expect("UpgradeBackupPlan");
    client
        .renew_backup_plan()
        .backup_plan_id(&id)
        .period(PeriodUnit::Year)
        .used_time(1)
        .send()
        .await
        .expect("RenewBackupPlan");

    let plan = listed(&client, &id).await;
    assert_eq!(plan.backup_period.as_deref(), Some("Tuesday,Friday"));
    assert_eq!(plan.backup_start_time.as_deref(), Some("03:30"));
    assert_eq!(
        (
            plan.backup_retention_period,
            plan.duplication_infrequent_access_period,
            plan.duplication_archive_period
        ),
        (Some(730), Some(180), Some(365))
    );
    let objects: Value = serde_json::from_str(plan.backup_objects.as_deref().expect("objects"))
        .expect("BackupObjects is JSON");
    assert_eq!(objects, serde_json::json!([{"DBName": "billing"}]));
    assert_eq!(plan.source_endpoint_region.as_deref(), Some("cn-beijing"));
    assert_eq!(
        plan.source_endpoint_instance_id.as_deref(),
        Some("rm-2ze8g2am97624abcd")
    );
    assert_eq!(plan.enable_backup_log, Some(true));
    assert_eq!(plan.instance_class, Some(InstanceClass::Large));

    client
        .disable_backup_log()
        .backup_plan_id(&id)
        .send()
        .await
        .expect("DisableBackupLog");
    assert_eq!(listed(&client, &id).await.enable_backup_log, Some(false));
    // The plan's subscription moved on by a year (365 days) from its one-month expiry.
    let record = emulator
        .state()
        .backup_plans
        .into_iter()
        .find(|p| p.backup_plan_id == id)
        .expect("plan in the state");
    let created = record.backup_plan_create_time.expect("created");
    assert_eq!(
        record.buy_expired_timestamp,
        Some(created + (30 + 365) * 86_400_000)
    );
}

#[tokio::test]
async fn create_and_start_runs_a_plan_and_a_pay_as_you_go_plan_can_be_released() {
    let emulator = start_empty().await;
    let client = sdk_client(&emulator);
    let output = create_and_start_example(&client)
        .send()
        .await
        .expect("CreateAndStartBackupPlan");
    let id = output.backup_plan_id.expect("BackupPlanId");
    let plan = listed(&client, &id).await;
    assert_eq!(plan.backup_plan_status, Some(BackupPlanStatus::Running));
    assert_eq!(plan.backup_plan_name.as_deref(), Some("orders"));

    let released = client
        .release_backup_plan()
        .backup_plan_id(&id)
        .send()
        .await
        .expect("ReleaseBackupPlan");
    assert_eq!(released.backup_plan_id.as_deref(), Some(id.as_str()));
    let list = client
        .describe_backup_plan_list()
        .backup_plan_id(&id)
        .send()
        .await
        .expect("DescribeBackupPlanList");
    assert_eq!(list.total_elements, Some(0));
    refused(
        client.start_backup_plan().backup_plan_id(&id).send().await,
        "Param.NotFound",
    );
}

#[tokio::test]
async fn filters_and_pages_across_35_plans() {
    let emulator = start_empty().await;
    let client = sdk_client(&emulator);
    let mut hangzhou = Vec::new();
    let mut beijing = Vec::new();
    let mut created = Vec::new();
    for i in 0..35 {
        // 20 MySQL plans in cn-hangzhou (group rg-a), 15 PostgreSQL in cn-beijing (group rg-b).
        let id = if i % 7 < 4 {
            let id = buy(&client, DatabaseType::MySql, "cn-hangzhou", "rg-a").await;
            hangzhou.push(id.clone());
            id
        } else {
            let id = buy(&client, DatabaseType::PostgreSql, "cn-beijing", "rg-b").await;
            beijing.push(id.clone());
            id
        };
        created.push(id);
    }
    assert_eq!((hangzhou.len(), beijing.len()), (20, 15));
    for (n, id) in hangzhou.iter().take(3).enumerate() {
        configure(&client, id, &format!("nightly-{n}")).await;
    }
    client
        .start_backup_plan()
        .backup_plan_id(&hangzhou[0])
        .send()
        .await
        .expect("StartBackupPlan");

    // Every plan, ten to a page, oldest first: pages 0 to 3 hold 10, 10, 10 and 5.
    let mut seen = Vec::new();
    for page in 0..4 {
        let output = client
            .describe_backup_plan_list()
            .page_size(10)
            .page_num(page)
            .send()
            .await
            .expect("a page");
        assert_eq!(
            (
                output.page_num,
                output.page_size,
                output.total_elements,
                output.total_pages
            ),
            (Some(page), Some(10), Some(35), Some(4))
        );
        let items = output
            .items
            .and_then(|i| i.backup_plan_detail)
            .unwrap_or_default();
        assert_eq!(items.len(), if page < 3 { 10 } else { 5 }, "page {page}");
        seen.extend(items.into_iter().filter_map(|p| p.backup_plan_id));
    }
    assert_eq!(seen, created, "every plan once, in creation order");

    // A page past the last is empty, with the same totals.
    let past = client
        .describe_backup_plan_list()
        .page_size(10)
        .page_num(4)
        .send()
        .await
        .expect("past the end");
    assert_eq!((past.total_elements, past.total_pages), (Some(35), Some(4)));
    assert!(
        past.items
            .and_then(|i| i.backup_plan_detail)
            .unwrap_or_default()
            .is_empty()
    );

    let count = |output: dbs_api::DescribeBackupPlanListOutput| {
        (
            output.total_elements,
            output.total_pages,
            output
                .items
                .and_then(|i| i.backup_plan_detail)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| p.backup_plan_id)
                .collect::<BTreeSet<_>>(),
        )
    };
    let region = client
        .describe_backup_plan_list()
        .region("cn-beijing")
        .page_size(10)
        .send()
        .await
        .expect("by region");
    let (total, pages, _) = count(region);
    assert_eq!((total, pages), (Some(15), Some(2)));

    let group = client
        .describe_backup_plan_list()
        .resource_group_id("rg-a")
        .page_size(100)
        .send()
        .await
        .expect("by group");
    assert_eq!(
        count(group),
        (Some(20), Some(1), hangzhou.iter().cloned().collect())
    );

    let waiting = client
        .describe_backup_plan_list()
        .backup_plan_status(BackupPlanStatus::Wait)
        .send()
        .await
        .expect("by status");
    assert_eq!(waiting.total_elements, Some(32));
    let configured = client
        .describe_backup_plan_list()
        .backup_plan_status(BackupPlanStatus::Init)
        .send()
        .await
        .expect("by status");
    assert_eq!(
        count(configured),
        (Some(2), Some(1), hangzhou[1..3].iter().cloned().collect())
    );
    let running = client
        .describe_backup_plan_list()
        .backup_plan_status(BackupPlanStatus::Running)
        .send()
        .await
        .expect("by status");
    assert_eq!(
        count(running),
        (Some(1), Some(1), [hangzhou[0].clone()].into())
    );

    let named = client
        .describe_backup_plan_list()
        .backup_plan_name("nightly-2")
        .send()
        .await
        .expect("by name");
    assert_eq!(
        count(named),
        (Some(1), Some(1), [hangzhou[2].clone()].into())
    );

    // Several IDs, comma-separated, and a filter on top of them.
    let ids = format!("{},{},{}", hangzhou[5], beijing[0], beijing[1]);
    let by_ids = client
        .describe_backup_plan_list()
        .backup_plan_id(&ids)
        .region("cn-beijing")
        .send()
        .await
        .expect("by ids");
    assert_eq!(
        count(by_ids),
        (
            Some(2),
            Some(1),
            [beijing[0].clone(), beijing[1].clone()].into()
        )
    );
}

#[tokio::test]
async fn wrong_states_are_invalid_parameter_and_unknown_ids_param_not_found() {
    let emulator = start_empty().await;
    let client = sdk_client(&emulator);
    let id = buy(&client, DatabaseType::MySql, "cn-hangzhou", "rg-a").await;

    // The metadata's ErrMessage example for a plan that cannot take the action.
    let cannot = "This backupPlan can't support this action";
    let e = refused(
        client.start_backup_plan().backup_plan_id(&id).send().await,
        "InvalidParameter",
    );
    assert!(
        e.message.contains(cannot) && e.message.contains("wait"),
        "{e:?}"
    );
    let e = refused(
        client
            .stop_backup_plan()
            .backup_plan_id(&id)
            .stop_method(StopMethod::All)
            .send()
            .await,
        "InvalidParameter",
    );
    assert!(e.message.contains(cannot), "{e:?}");
    refused(
        client.enable_backup_log().backup_plan_id(&id).send().await,
        "InvalidParameter",
    );
    // A subscription plan is not released (the metadata: ReleaseBackupPlan is for
    // pay-as-you-go plans).
    let e = refused(
        client
            .release_backup_plan()
            .backup_plan_id(&id)
            .send()
            .await,
        "InvalidParameter",
    );
    assert!(e.message.contains("prepay"), "{e:?}");
    // Nothing changed.
    assert_eq!(
        listed(&client, &id).await.backup_plan_status,
        Some(BackupPlanStatus::Wait)
    );

    let unknown = "dbsnosuchplan";
    let e = service_error(
        client
            .modify_backup_plan_name()
            .backup_plan_id(unknown)
            .backup_plan_name("x")
            .send()
            .await,
    );
    assert_eq!((e.code.as_str(), e.http_status), ("Param.NotFound", 400));
    assert!(e.message.contains(unknown), "{e:?}");
    refused(
        client
            .configure_backup_plan()
            .backup_plan_id(unknown)
            .backup_plan_name("x")
            .source_endpoint_instance_type(SourceEndpointInstanceType::Other)
            .source_endpoint_ip("10.0.0.1")
            .source_endpoint_port(3306)
            .backup_strategy_type("manual")
            .send()
            .await,
        "Param.NotFound",
    );
    refused(
        client
            .modify_backup_source_endpoint()
            .backup_plan_id(unknown)
            .source_endpoint_instance_type(SourceEndpointInstanceType::Agent)
            .source_endpoint_region("cn-hangzhou")
            .source_endpoint_ip("10.0.0.1")
            .source_endpoint_port(3306)
            .backup_gateway_id(1_i64)
            .send()
            .await,
        "Param.NotFound",
    );
    refused(
        client
            .upgrade_backup_plan()
            .backup_plan_id(unknown)
            .instance_class(InstanceClass::Large)
            .send()
            .await,
        "Param.NotFound",
    );
}

#[tokio::test]
async fn modify_backup_source_endpoint_checks_its_rules_with_the_plans_engine() {
    let emulator = start_empty().await;
    let client = sdk_client(&emulator);
    let id = buy(&client, DatabaseType::PostgreSql, "cn-hangzhou", "rg-a").await;
    configure(&client, &id, "pg").await;
    // MBSE-R5: a PostgreSQL source needs SourceEndpointDatabaseName; the client does not know
    // the engine, the emulator does.
    let e = refused(
        client
            .modify_backup_source_endpoint()
            .backup_plan_id(&id)
            .source_endpoint_instance_type(SourceEndpointInstanceType::Rds)
            .source_endpoint_region("cn-hangzhou")
            .source_endpoint_instance_id("pgm-bp1abcdefgh")
            .source_endpoint_user_name("backup")
            .source_endpoint_password("secret-pg")
            .backup_objects([BackupObject::new("app")])
            .send()
            .await,
        "InvalidParameter",
    );
    assert!(
        e.message.contains("SourceEndpointDatabaseName") && e.message.contains("MBSE-R5"),
        "{e:?}"
    );
    assert!(!e.message.contains("secret-pg"), "{e:?}");
}

#[tokio::test]
async fn a_plan_created_through_the_api_can_be_restored_from_with_its_engine() {
    let emulator = start_empty().await;
    let client = sdk_client(&emulator);
    let pg = buy(&client, DatabaseType::PostgreSql, "cn-hangzhou", "rg-a").await;
    let restore = |plan: &str, name: &str| {
        client
            .create_restore_task()
            .backup_plan_id(plan)
            .restore_task_name(name)
            .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds)
            .destination_endpoint_region("cn-hangzhou")
            .destination_endpoint_instance_id("rm-bp1p8c29abcde")
            .destination_endpoint_user_name("restore_user")
            .destination_endpoint_password("restore-secret")
            .restore_objects([RestoreObject::new("app")])
    };
    // R5: a PostgreSQL plan's restore needs DestinationEndpointDatabaseName.
    let e = refused(restore(&pg, "no-database").send().await, "InvalidParameter");
    assert!(
        e.message.contains("DestinationEndpointDatabaseName") && e.message.contains("R5"),
        "{e:?}"
    );
    let created = restore(&pg, "with-database")
        .destination_endpoint_database_name("app")
        .send()
        .await
        .expect("CreateRestoreTask");
    let task_id = created.restore_task_id.expect("RestoreTaskId");
    let state = emulator.state();
    let task = state
        .restore_tasks
        .iter()
        .find(|t| t.restore_task_id == task_id)
        .expect("the task");
    assert_eq!(task.backup_plan_id, pg);

    // A MySQL plan has no such rule.
    let mysql = buy(&client, DatabaseType::MySql, "cn-hangzhou", "rg-a").await;
    restore(&mysql, "mysql")
        .send()
        .await
        .expect("CreateRestoreTask from a MySQL plan");
}

#[tokio::test]
async fn the_state_page_shows_plans_created_through_the_api() {
    let emulator = start_empty().await;
    let client = sdk_client(&emulator);
    let id = buy(&client, DatabaseType::MySql, "cn-hangzhou", "rg-a").await;
    configure(&client, &id, "orders").await;
    let state = admin_get(&emulator.url(), &format!("state?backup_plan_id={id}")).await;
    assert_eq!(state["total_backup_plans"], 1, "{state}");
    let plan = &state["backup_plans"][0];
    assert_eq!(plan["BackupPlanId"], id.as_str(), "{state}");
    assert_eq!(plan["BackupPlanName"], "orders", "{state}");
    assert_eq!(plan["BackupPlanStatus"], "init", "{state}");
    assert_eq!(plan["DatabaseType"], "MySQL", "{state}");
    assert!(!state.to_string().contains("testPassword"), "{state}");
}

fn is_example(answer: &Answer) -> bool {
    answer
        .headers
        .get(EXAMPLE_HEADER)
        .is_some_and(|v| v.as_bytes() == b"true")
}

#[tokio::test]
async fn an_example_answer_is_marked_and_has_a_fresh_request_id() {
    assert_eq!(EXAMPLE_HEADER, "x-dbs-emulator-example");
    let emulator = start().await;
    let url = emulator.url();
    let op = dbs_api::operation("DescribeNodeCidrList").expect("in the spec");
    let example: Value =
        serde_json::from_str(op.example_response().expect("an example")).expect("JSON");

    let first = call(&url, op.name, pairs(&[("Region", "cn-hangzhou")])).await;
    let second = call(&url, op.name, pairs(&[("Region", "cn-hangzhou")])).await;
    let mut ids = BTreeSet::new();
    for answer in [&first, &second] {
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert!(is_example(answer), "{:?}", answer.headers);
        let id = answer.body["RequestId"].as_str().expect("RequestId");
        assert_request_id(id);
        assert_eq!(
            answer
                .headers
                .get("x-acs-request-id")
                .and_then(|v| v.to_str().ok()),
            Some(id)
        );
        assert_ne!(Some(id), example["RequestId"].as_str());
        ids.insert(id.to_owned());
        // The example's content, read as the client reads it, with the answer's RequestId and
        // without the metadata's filler error fields next to `Success: true`.
        let mut expected = example.clone();
        expected["RequestId"] = id.into();
        let object = expected.as_object_mut().expect("an object");
        object.remove("ErrCode");
        object.remove("ErrMessage");
        object.insert("HttpStatusCode".to_owned(), 200.into());
        assert!(answer.body.get("ErrCode").is_none(), "{}", answer.text);
        assert_eq!(
            (op.decode_output)(&answer.body).expect("decodes"),
            (op.decode_output)(&expected).expect("decodes"),
        );
    }
    assert_eq!(ids.len(), 2, "a fresh RequestId each time");

    // The input is still checked: DescribeNodeCidrList requires Region.
    let invalid = call(&url, op.name, Vec::new()).await;
    assert_business_error(&invalid, 200, "InvalidParameter");
    assert!(invalid.message().contains("Region"), "{}", invalid.text);
    assert!(!is_example(&invalid));

    // An answer from state is not marked.
    let listed = call(&url, "DescribeBackupPlanList", Vec::new()).await;
    assert_eq!(listed.body["Success"], true, "{}", listed.text);
    assert!(!is_example(&listed));
}

/// The operations the crate docs list as answered with their example.
fn documented_example_operations() -> BTreeSet<String> {
    let docs = include_str!("../src/lib.rs");
    let begin = docs
        .find("<!-- example-answered operations: begin -->")
        .expect("begin marker");
    let end = docs
        .find("<!-- example-answered operations: end -->")
        .expect("end marker");
    docs[begin..end]
        .lines()
        .filter_map(|line| line.trim().strip_prefix("//! - `"))
        .map(|name| name.trim_end_matches('`').to_owned())
        .collect()
}

#[tokio::test]
async fn exactly_the_documented_operations_answer_their_example() {
    let emulator = start().await;
    let url = emulator.url();
    let documented = documented_example_operations();
    assert_eq!(documented.len(), 11, "{documented:?}");
    let mut answered = BTreeSet::new();
    for op in dbs_api::OPERATIONS {
        // Every parameter with its example from the official metadata, as the spec holds it,
        // less those the client's validator names while they are set (a parameter forbidden
        // beside another: DescribeRestoreTaskList's RestoreTaskId beside BackupPlanId).
        let mut params: Vec<(String, String)> = op
            .params
            .iter()
            .filter_map(|p| p.example.map(|e| (p.spec.wire.to_owned(), e.to_owned())))
            .collect();
        while let Err(e) = (op.prepare)(&params, &dbs_api::ValidationContext::new()) {
            let before = params.len();
            params.retain(|(name, _)| !e.violations().iter().any(|v| v.parameter() == name));
            assert!(params.len() < before, "{}: {e}", op.name);
        }
        let answer = call(&url, op.name, params).await;
        if is_example(&answer) {
            // InitializeDbsServiceLinkedRole's metadata declares `Success` a string ("true").
            let success = &answer.body["Success"];
            assert!(
                success == true || success == "true",
                "{}: {}",
                op.name,
                answer.text
            );
            answered.insert(op.name.to_owned());
        } else if documented.contains(op.name) {
            panic!(
                "{} is documented as an example answer: {}",
                op.name, answer.text
            );
        }
    }
    assert_eq!(answered, documented);
}
