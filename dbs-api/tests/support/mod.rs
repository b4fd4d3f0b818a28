//! This test binary's conveniences over the shared test support (`dbs-tests`): the loopback
//! server, its replies and form decoding come from there; a client for that server and the
//! reference's example call, which need `dbs-api`, live here.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod credentials;

use std::time::Duration;

use dbs_api::{Client, Credentials, RetryConfig, SignatureVersion};
#[allow(unused_imports)]
pub use dbs_tests::signer::{ACCESS_KEY_ID, ACCESS_KEY_SECRET};
#[allow(unused_imports)]
pub use dbs_tests::{Recorded, Reply, Server, decode_form, param, percent_decode};

/// A client for `server`: the given credentials and signature, 10 ms initial backoff.
pub fn client(server: &Server, credentials: Credentials, version: SignatureVersion) -> Client {
    Client::builder()
        .endpoint_url(server.url())
        .credentials(credentials)
        .signature_version(version)
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(10)))
        .build()
        .expect("a loopback client builds")
}

/// The reference's example CreateRestoreTask call.
pub fn restore_task(client: &Client) -> dbs_api::CreateRestoreTaskRequest<'_> {
    client
        .create_restore_task()
        .backup_plan_id("dbs1hvb0ww****")
        .restore_task_name("test")
        .destination_endpoint_instance_type(dbs_api::DestinationEndpointInstanceType::Rds)
        .destination_endpoint_region("cn-hangzhou")
        .destination_endpoint_instance_id("rm-bp1p8c29*****")
        .destination_endpoint_user_name("test")
        .destination_endpoint_password("Test")
        .restore_objects([dbs_api::RestoreObject::new("test").new_db_name("test_new")])
}

/// The same call as [`restore_task`] (one restore object, no new name), as the wire pairs a
/// registry call takes, without a ClientToken.
pub fn restore_task_params() -> Vec<(String, String)> {
    [
        ("BackupPlanId", "dbs1hvb0ww****"),
        ("RestoreTaskName", "test"),
        ("DestinationEndpointInstanceType", "RDS"),
        ("DestinationEndpointRegion", "cn-hangzhou"),
        ("DestinationEndpointInstanceID", "rm-bp1p8c29*****"),
        ("DestinationEndpointUserName", "test"),
        ("DestinationEndpointPassword", "Test"),
        ("RestoreObjects", r#"[{"DBName":"test"}]"#),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .into()
}

/// CreateRestoreTask's registry entry as if it had no idempotency token: a call the client may
/// not replay after a failure that could have reached the service.
pub fn untokened_create_restore_task() -> dbs_api::OperationMeta {
    let meta = dbs_api::operation("CreateRestoreTask").expect("in the registry");
    dbs_api::OperationMeta {
        idempotency_token: None,
        ..*meta
    }
}
