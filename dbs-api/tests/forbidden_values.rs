//! Values the spec forbids are refused before anything is sent: a blank enum value (empty or
//! white space only), an enum value with white space around it, and integers outside the bounds
//! the reference implies: `RestoreTime` is milliseconds since the epoch (0 or more),
//! `BackupGatewayId` is an ID (1 or more), a port is 1 to 65535.
//!
//! Allowed values are those of the official reference page (`api-docs/CreateRestoreTask.txt`):
//! `DuplicateConflict` is `failure` or `renamenew`, `DestinationEndpointInstanceType` is one of
//! RDS, ECS, Express, Agent, DDS, Other, dg; its example `RestoreTime` is 1554560477000.

// A failed expectation panics, which is how a test fails.
#![allow(clippy::unwrap_used)]

mod support;

use dbs_api::{
    CreateRestoreTaskInput, DestinationEndpointInstanceType as Type, DuplicateConflict, Error,
    RestoreObject, SignatureVersion, ValidationContext, ValidationError,
};
use support::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, Reply, Server, client, restore_task};

const DUPLICATE_CONFLICT_VALUES: &str = "must be one of failure, renamenew";
const INSTANCE_TYPE_VALUES: &str = "must be one of RDS, ECS, Express, Agent, DDS, Other, dg";
/// Blank values: empty, and white space of every kind a shell or a form lets through.
const BLANKS: [&str; 5] = ["", " ", "   ", "\t", " \n "];

/// The reference's example: restore database `test` of a MySQL plan into an RDS instance.
fn mysql_to_rds() -> CreateRestoreTaskInput {
    CreateRestoreTaskInput::builder()
        .backup_plan_id("dbs1hvb0ww****")
        .destination_endpoint_instance_type(Type::Rds)
        .destination_endpoint_region("cn-hangzhou")
        .destination_endpoint_instance_id("rm-bp1p8c29*****")
        .destination_endpoint_user_name("test")
        .destination_endpoint_password("Test")
        .restore_objects([RestoreObject::new("test").new_db_name("test_new")])
        .restore_task_name("test")
        .build()
}

/// Over a DBS backup gateway, where BackupGatewayId is required (rule R8).
fn agent() -> CreateRestoreTaskInput {
    let mut input = mysql_to_rds();
    input.destination_endpoint_instance_type = Some(Type::Agent);
    input.destination_endpoint_ip = Some("rm-bp*****9jv8pxero.mysql.rds.aliyuncs.com".to_owned());
    input.destination_endpoint_port = Some(3306);
    input.backup_gateway_id = Some(4_312_000_000);
    input
}

fn unknown() -> ValidationContext {
    ValidationContext::default()
}

/// Asserts exactly one violation, of `parameter`, whose rule contains each of `words`.
#[track_caller]
fn assert_only(case: &str, result: Result<(), ValidationError>, parameter: &str, words: &[&str]) {
    let err = result.expect_err(case);
    let [violation] = err.violations() else {
        panic!("{case}: expected one violation, got {err}");
    };
    assert_eq!(violation.parameter(), parameter, "{case}: {err}");
    for word in words {
        assert!(
            violation.rule().contains(word),
            "{case}: {word:?} not in {:?}",
            violation.rule()
        );
    }
}

#[test]
fn a_blank_optional_enum_value_is_refused_naming_the_allowed_values() {
    for blank in BLANKS {
        let mut input = mysql_to_rds();
        input.duplicate_conflict = Some(DuplicateConflict::from_wire(blank));
        let case = format!("DuplicateConflict {blank:?}");
        let words = ["must not be empty", DUPLICATE_CONFLICT_VALUES];
        assert_only(
            &case,
            input.validate(&unknown()),
            "DuplicateConflict",
            &words,
        );

        // The same read from the wire, as the emulator and the CLI read it.
        let mut wire: Vec<(String, String)> = mysql_to_rds()
            .to_wire_params()
            .into_iter()
            .map(|p| (p.name.to_owned(), p.value))
            .collect();
        wire.push(("DuplicateConflict".to_owned(), blank.to_owned()));
        let input =
            CreateRestoreTaskInput::from_wire_params(wire.iter().map(|(k, v)| (&**k, &**v)))
                .unwrap();
        assert_only(
            &format!("wire {case}"),
            input.validate(&unknown()),
            "DuplicateConflict",
            &words,
        );
    }
    // Unset is fine: the service assumes `failure`.
    assert_eq!(mysql_to_rds().duplicate_conflict, None);
    assert!(mysql_to_rds().validate(&unknown()).is_ok());
    for value in ["failure", "renamenew"] {
        let mut input = mysql_to_rds();
        input.duplicate_conflict = Some(value.into());
        assert!(input.validate(&unknown()).is_ok(), "{value}");
    }
}

#[test]
fn a_blank_required_enum_value_is_reported_once_with_the_requirement_and_the_values() {
    for blank in BLANKS {
        let mut input = mysql_to_rds();
        input.destination_endpoint_instance_type = Some(Type::from_wire(blank));
        let case = format!("DestinationEndpointInstanceType {blank:?}");
        let words = ["must not be empty", "required", INSTANCE_TYPE_VALUES];
        assert_only(
            &case,
            input.validate(&unknown()),
            "DestinationEndpointInstanceType",
            &words,
        );
    }
}

#[test]
fn enum_values_with_white_space_around_them_are_refused() {
    // The service compares values as sent (the reference spells them without white space), so
    // ` RDS` is not RDS: refused, not trimmed into a different request than the one asked for.
    for value in [" RDS", "RDS ", "\tAgent", " dg "] {
        let mut input = mysql_to_rds();
        input.destination_endpoint_instance_type = Some(Type::from_wire(value));
        let got = format!("got {value:?}");
        let words = [INSTANCE_TYPE_VALUES, got.as_str()];
        let result = input.validate(&unknown());
        assert_only(value, result, "DestinationEndpointInstanceType", &words);
    }
    for value in [" failure", "renamenew "] {
        let mut input = mysql_to_rds();
        input.duplicate_conflict = Some(value.into());
        let got = format!("got {value:?}");
        let words = [DUPLICATE_CONFLICT_VALUES, got.as_str()];
        assert_only(
            value,
            input.validate(&unknown()),
            "DuplicateConflict",
            &words,
        );
    }
}

#[test]
fn restore_time_must_not_be_negative() {
    for time in [-1, -1_554_560_477_000, i64::MIN] {
        let mut input = mysql_to_rds();
        input.restore_time = Some(time);
        let got = format!("got {time}");
        let words = [
            "must be >= 0",
            "milliseconds since the Unix epoch",
            got.as_str(),
        ];
        let result = input.validate(&unknown());
        assert_only(&got, result, "RestoreTime", &words);
    }
    // The epoch itself, the reference's example, and the largest value.
    for time in [0, 1_554_560_477_000, i64::MAX] {
        let mut input = mysql_to_rds();
        input.restore_time = Some(time);
        assert!(input.validate(&unknown()).is_ok(), "{time}");
    }
    // The whole message, as a caller prints it.
    let mut input = mysql_to_rds();
    input.restore_time = Some(-1);
    assert_eq!(
        input.validate(&unknown()).unwrap_err().to_string(),
        "1 invalid parameter: RestoreTime: must be >= 0 (milliseconds since the Unix epoch, UTC), \
         got -1 (see https://www.alibabacloud.com/help/en/dms/developer-reference/api-dbs-2019-03-06-createrestoretask)"
    );
}

#[test]
fn backup_gateway_id_must_be_positive() {
    for id in [0, -1, -4_312_000_000, i64::MIN] {
        let mut input = agent();
        input.backup_gateway_id = Some(id);
        let got = format!("got {id}");
        let words = ["must be >= 1", got.as_str()];
        assert_only(&got, input.validate(&unknown()), "BackupGatewayId", &words);
    }
    for id in [1, 4_312_000_000, i64::MAX] {
        let mut input = agent();
        input.backup_gateway_id = Some(id);
        assert!(input.validate(&unknown()).is_ok(), "{id}");
    }
    // Checked wherever it is set, also where no rule requires it (RDS).
    let mut input = mysql_to_rds();
    input.backup_gateway_id = Some(-1);
    assert_only(
        "RDS",
        input.validate(&unknown()),
        "BackupGatewayId",
        &["must be >= 1"],
    );
}

#[test]
fn a_port_outside_1_to_65535_names_the_unit() {
    for port in [i32::MIN, -1, 0, 65536, i32::MAX] {
        let mut input = agent();
        input.destination_endpoint_port = Some(port);
        let got = format!("got {port}");
        let words = ["must be between 1 and 65535 (a TCP port number)", &got];
        let result = input.validate(&unknown());
        assert_only(&got, result, "DestinationEndpointPort", &words);
    }
}

#[test]
fn negative_integers_from_the_wire_are_refused_after_parsing() {
    let mut wire: Vec<(String, String)> = agent()
        .to_wire_params()
        .into_iter()
        .map(|p| (p.name.to_owned(), p.value))
        .collect();
    wire.retain(|(name, _)| name != "BackupGatewayId" && name != "DestinationEndpointPort");
    for (name, value) in [
        ("RestoreTime", "-1"),
        ("BackupGatewayId", "0"),
        ("DestinationEndpointPort", "-3306"),
    ] {
        wire.push((name.to_owned(), value.to_owned()));
    }
    let input =
        CreateRestoreTaskInput::from_wire_params(wire.iter().map(|(k, v)| (&**k, &**v))).unwrap();
    let err = input.validate(&unknown()).unwrap_err();
    let found: Vec<&str> = err.violations().iter().map(|v| v.parameter()).collect();
    // In parameter order, as the spec lists them.
    assert_eq!(
        found,
        ["DestinationEndpointPort", "BackupGatewayId", "RestoreTime"],
        "{err}"
    );
}

#[tokio::test]
async fn the_client_refuses_before_sending() {
    let server = Server::scripted(vec![Reply::success()]).await;
    let credentials = dbs_api::Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET);
    let client = client(&server, credentials, SignatureVersion::V3);
    let calls = [
        restore_task(&client).duplicate_conflict(" "),
        restore_task(&client).duplicate_conflict(""),
        restore_task(&client).destination_endpoint_instance_type(" RDS"),
        restore_task(&client).restore_time(-1),
        restore_task(&client).backup_gateway_id(0),
    ];
    for call in calls {
        match call.send().await {
            Err(Error::Validation(err)) => assert_eq!(err.violations().len(), 1, "{err}"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
    assert!(server.requests().is_empty(), "a forbidden value was sent");
}
