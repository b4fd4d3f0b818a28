//! Our client (`dbs-api`) pointed at an emulator, and the requests several tests start from.

use std::time::Duration;

use dbs_api::{
    BackupMethod, Client, Credentials, DatabaseType, Error, InstanceClass, PayType, PeriodUnit,
    RetryConfig, ServiceError, SourceEndpointInstanceType,
};
use dbs_emulator::EmulatorHandle;

/// A client with the emulator's access key; retries back off briefly so tests stay quick.
pub fn sdk_client(emulator: &EmulatorHandle) -> Client {
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

/// The service error a call ended with; anything else fails the test.
pub fn service_error<T: std::fmt::Debug>(result: Result<T, Error>) -> ServiceError {
    match result {
        Err(Error::Service(e)) => *e,
        other => panic!("expected Error::Service, got {other:?}"),
    }
}

/// Asserts a call was refused with the service error `code`, and returns the error.
pub fn refused<T: std::fmt::Debug>(result: Result<T, Error>, code: &str) -> ServiceError {
    let e = service_error(result);
    assert_eq!(e.code, code, "{e:?}");
    e
}

/// The metadata's CreateBackupPlan example: micro, MySQL, logical, one month, subscription, in
/// `cn-hangzhou`.
pub fn create_backup_plan_example(client: &Client) -> dbs_api::CreateBackupPlanRequest<'_> {
    client
        .create_backup_plan()
        .region("cn-hangzhou")
        .instance_class(InstanceClass::Micro)
        .database_type(DatabaseType::MySql)
        .backup_method(BackupMethod::Logical)
        .period(PeriodUnit::Month)
        .used_time(1)
        .pay_type(PayType::Prepay)
}

/// The metadata's CreateAndStartBackupPlan example: pay-as-you-go, RDS MySQL source, named
/// `orders`.
pub fn create_and_start_example(client: &Client) -> dbs_api::CreateAndStartBackupPlanRequest<'_> {
    client
        .create_and_start_backup_plan()
        .region("cn-hangzhou")
        .instance_class(InstanceClass::Micro)
        .database_type(DatabaseType::MySql)
        .backup_method(BackupMethod::Logical)
        .pay_type(PayType::Postpay)
        .database_region("cn-hangzhou")
        .storage_region("cn-hangzhou")
        .instance_type("RDS")
        .source_endpoint_instance_type(SourceEndpointInstanceType::Rds)
        .source_endpoint_region("cn-hangzhou")
        .source_endpoint_instance_id("rm-uf6wjk5abcdefgh")
        .source_endpoint_user_name("testRDS")
        .source_endpoint_password("testPassword")
        .backup_period("Monday")
        .backup_start_time("14:22")
        .backup_plan_name("orders")
}
