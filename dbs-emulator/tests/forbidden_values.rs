//! Values the spec forbids, sent raw (signed by hand, so the client's validator never sees
//! them), are refused by the emulator with the service's `InvalidParameter`, and no task is
//! created: blank enum values, enum values with white space around them, a negative
//! `RestoreTime`, a `BackupGatewayId` below 1, ports outside 1 to 65535.
//!
//! Allowed values are those of the official reference page (`api-docs/CreateRestoreTask.txt`).

mod common;

use common::*;

async fn create_v1(url: &str, params: Vec<(String, String)>) -> Answer {
    send(url, &V1::new(params, Placement::Query).build()).await
}

async fn create_v3(url: &str, params: Vec<(String, String)>) -> Answer {
    send(url, &V3::new(url, vec![], params).build()).await
}

/// The valid RDS request with `name` set to `value`.
fn with(name: &str, value: &str) -> Vec<(String, String)> {
    let mut params = rds_params();
    set(&mut params, name, value);
    params
}

#[track_caller]
fn assert_refused(answer: &Answer, expected: &[&str]) {
    assert_business_error(answer, 200, "InvalidParameter");
    let message = answer.message();
    assert!(
        message.starts_with("1 invalid parameter: "),
        "{}",
        answer.text
    );
    for words in expected {
        assert!(message.contains(words), "{words:?} not in {}", answer.text);
    }
}

#[tokio::test]
async fn forbidden_values_are_invalid_parameter_whatever_the_signature() {
    // The demo MySQL plan with backup history from the epoch, so that the bound RestoreTime 0
    // is restorable and only the parameter rules are tested.
    let seed = dbs_emulator::Seed {
        backup_plans: vec![
            dbs_emulator::BackupPlan::new("dbsdemomysql01", dbs_api::SourceDatabaseType::MySql)
                .with_field("BeginTimestampForRestore", 0),
        ],
    };
    let emulator = start_with(dbs_emulator::EmulatorConfig::default().seed(seed)).await;
    let url = emulator.url();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "DuplicateConflict",
            " ",
            &["DuplicateConflict: must not be empty; must be one of failure, renamenew, got \" \""],
        ),
        (
            "DuplicateConflict",
            "",
            &["DuplicateConflict: must not be empty; must be one of failure, renamenew"],
        ),
        (
            "DuplicateConflict",
            "\t",
            &["DuplicateConflict: must not be empty; must be one of failure, renamenew"],
        ),
        (
            "DuplicateConflict",
            " renamenew",
            &["DuplicateConflict: must be one of failure, renamenew, got \" renamenew\""],
        ),
        (
            "DestinationEndpointInstanceType",
            " RDS",
            &[
                "DestinationEndpointInstanceType: must be one of RDS, ECS, Express, Agent, DDS, Other, dg",
            ],
        ),
        (
            "DestinationEndpointInstanceType",
            "  ",
            &[
                "DestinationEndpointInstanceType: must not be empty; required; must be one of RDS, ECS",
            ],
        ),
        (
            "RestoreTime",
            "-1",
            &["RestoreTime: must be >= 0 (milliseconds since the Unix epoch, UTC), got -1"],
        ),
        (
            "BackupGatewayId",
            "0",
            &["BackupGatewayId: must be >= 1, got 0"],
        ),
        (
            "BackupGatewayId",
            "-43121234",
            &["BackupGatewayId: must be >= 1, got -43121234"],
        ),
        (
            "DestinationEndpointPort",
            "0",
            &["DestinationEndpointPort: must be between 1 and 65535 (a TCP port number), got 0"],
        ),
        (
            "DestinationEndpointPort",
            "65536",
            &["DestinationEndpointPort: must be between 1 and 65535"],
        ),
        (
            "DestinationEndpointPort",
            "-3306",
            &["DestinationEndpointPort: must be between 1 and 65535"],
        ),
    ];
    for (name, value, expected) in cases {
        let v1 = create_v1(&url, with(name, value)).await;
        assert_refused(&v1, expected);
        let v3 = create_v3(&url, with(name, value)).await;
        assert_refused(&v3, expected);
        assert_eq!(v1.message(), v3.message(), "{name}={value:?}");
    }
    assert!(
        emulator.state().restore_tasks.is_empty(),
        "a request with a forbidden value created a task"
    );

    // The bounds themselves and the documented values are accepted.
    for (name, value) in [
        ("DuplicateConflict", "failure"),
        ("DuplicateConflict", "renamenew"),
        ("RestoreTime", "0"),
        ("RestoreTime", "1554560477000"),
        ("BackupGatewayId", "1"),
        ("DestinationEndpointPort", "1"),
        ("DestinationEndpointPort", "65535"),
    ] {
        assert_success(&create_v1(&url, with(name, value)).await);
    }
    assert_eq!(emulator.state().restore_tasks.len(), 7);
}
