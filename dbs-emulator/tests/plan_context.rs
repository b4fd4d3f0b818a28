//! `client.validation_context_for(backup_plan_id)`: the plan's `DatabaseType` fetched with one
//! `DescribeBackupPlanList` call (the spec's context fact `SourceDatabaseType`, its `source` and
//! `source_key`), so the engine rules are checked before `CreateRestoreTask` is sent.
//!
//! Expected values come from the spec and the emulator's built-in seed: the demo plans'
//! engines (`dbsdemomysql01` MySQL, `dbsdemopgsql01` PostgreSQL), and the rules R6 (a
//! destination user name, MySQL into RDS) and R7 (its password) of `CreateRestoreTask`.

// Tests fail by panicking: `expect` on fixed inputs is the clearest way to say so.
#![allow(clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use dbs_api::{
    Client, Credentials, DestinationEndpointInstanceType, Error, RestoreObject, RetryConfig,
    SourceDatabaseType, ValidationContext,
};
use dbs_emulator::EmulatorHandle;

const MYSQL: &str = "dbsdemomysql01";
const PGSQL: &str = "dbsdemopgsql01";

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

fn requests(emulator: &EmulatorHandle, action: &str) -> u64 {
    emulator.state().requests.get(action).copied().unwrap_or(0)
}

#[tokio::test]
async fn the_plans_engine_is_fetched_with_one_call() {
    let emulator = start().await;
    let client = client(&emulator);
    let context = client
        .validation_context_for(MYSQL)
        .await
        .expect("the plan's context");
    assert_eq!(
        context,
        ValidationContext::new().with_source_database_type(SourceDatabaseType::MySql)
    );
    assert_eq!(requests(&emulator, "DescribeBackupPlanList"), 1);
    let context = client
        .validation_context_for(PGSQL)
        .await
        .expect("the plan's context");
    assert_eq!(
        context,
        ValidationContext::new().with_source_database_type(SourceDatabaseType::PostgreSql)
    );
    assert_eq!(requests(&emulator, "DescribeBackupPlanList"), 2);
}

#[tokio::test]
async fn a_rule_that_needs_the_engine_is_refused_before_sending() {
    let emulator = start().await;
    let client = client(&emulator);
    let context = client
        .validation_context_for(MYSQL)
        .await
        .expect("the plan's context");
    // MySQL into RDS without a destination user name or password: R6 and R7.
    let result = client
        .create_restore_task()
        .backup_plan_id(MYSQL)
        .restore_task_name("restore app")
        .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds)
        .destination_endpoint_region("cn-hangzhou")
        .destination_endpoint_instance_id("rm-bp1p8c29abcde")
        .restore_objects([RestoreObject::new("app")])
        .validation_context(context)
        .send()
        .await;
    let Err(Error::Validation(v)) = &result else {
        panic!("expected Error::Validation, got {result:?}");
    };
    let found: Vec<_> = v
        .violations()
        .iter()
        .map(|v| (v.parameter(), v.rule_id()))
        .collect();
    assert_eq!(
        found,
        [
            ("DestinationEndpointUserName", Some("R6")),
            ("DestinationEndpointPassword", Some("R7")),
        ]
    );
    assert_eq!(requests(&emulator, "CreateRestoreTask"), 0, "nothing sent");
}

#[tokio::test]
async fn an_unknown_plan_is_context_not_found() {
    let emulator = start().await;
    let client = client(&emulator);
    let result = client.validation_context_for("dbs000000000000").await;
    match result {
        Err(Error::ContextNotFound { fact_source, id }) => {
            assert_eq!(
                fact_source,
                "DescribeBackupPlanList.Items.BackupPlanDetail.DatabaseType"
            );
            assert_eq!(id, "dbs000000000000");
        }
        other => panic!("expected ContextNotFound, got {other:?}"),
    }
}
