//! The validation rules of `CreateRestoreTask`, one test per rule: the conditional rules R1–R11
//! of `spec/dbs-2019-03-06/CreateRestoreTask.json` and the value rules (port range, non-empty
//! `RestoreObjects`, non-empty `DBName`, non-empty required strings). Each test shows the
//! violating and the satisfying case; rules that need a context fact also show that they are
//! skipped while the fact is unknown. Then: all violations at once, enum parsing, the wire round
//! trip, wire parse errors, and that the destination password is never printed.
//!
//! Values are the examples of the official reference page (`api-docs/CreateRestoreTask.txt`);
//! the rules' conditions are those of `api-docs/dbs-2019-03-06.md` §4.1 (newest doc wins, §4.1.4).

// A failed expectation panics, which is how a test fails.
#![allow(clippy::unwrap_used)]

use dbs_api::sensitive::REDACTED;
use dbs_api::{
    CreateRestoreTaskInput, DestinationEndpointInstanceType as Type, DuplicateConflict,
    RestoreObject, SourceDatabaseType, ValidationContext, ValidationError,
};

const BACKUP_PLAN_ID: &str = "dbs1hvb0ww****";
const REGION: &str = "cn-hangzhou";
const INSTANCE_ID: &str = "rm-bp1p8c29*****";
const IP: &str = "rm-bp*****9jv8pxero.mysql.rds.aliyuncs.com";
const PORT: i32 = 3306;
const DATABASE: &str = "test";
const USER: &str = "test";
const PASSWORD: &str = "Test";
/// The reference's example is the masked `4312****`; `BackupGatewayId` is an int64, so a number
/// beyond the int32 range stands in for it.
const GATEWAY_ID: i64 = 4_312_000_000;
const TASK_NAME: &str = "test";
const ORACLE_SID: &str = "test";
const RESTORE_DIR: &str = "test";
const RESTORE_TIME: i64 = 1_554_560_477_000;
const RESTORE_OBJECTS_JSON: &str = r#"[{"DBName":"test","NewDBName":"test_new"}]"#;
const REFERENCE: &str = "https://www.alibabacloud.com/help/en/dms/developer-reference/api-dbs-2019-03-06-createrestoretask";

/// Every documented destination type.
fn all_types() -> [Type; 7] {
    [
        Type::Rds,
        Type::Ecs,
        Type::Express,
        Type::Agent,
        Type::Dds,
        Type::Other,
        Type::Dg,
    ]
}

/// Restore database `test` as `test_new`.
fn restore_objects() -> Vec<RestoreObject> {
    vec![RestoreObject::new("test").new_db_name("test_new")]
}

/// The main job: restore database `test` of a MySQL backup plan into an ApsaraDB RDS instance.
fn mysql_to_rds() -> CreateRestoreTaskInput {
    CreateRestoreTaskInput::builder()
        .backup_plan_id(BACKUP_PLAN_ID)
        .destination_endpoint_instance_type(Type::Rds)
        .destination_endpoint_region(REGION)
        .destination_endpoint_instance_id(INSTANCE_ID)
        .destination_endpoint_user_name(USER)
        .destination_endpoint_password(PASSWORD)
        .restore_objects(restore_objects())
        .restore_task_name(TASK_NAME)
        .build()
}

/// Only what every destination type needs, whatever the source engine is not known to be.
fn minimal(ty: Type) -> CreateRestoreTaskInput {
    CreateRestoreTaskInput::builder()
        .backup_plan_id(BACKUP_PLAN_ID)
        .destination_endpoint_instance_type(ty)
        .restore_task_name(TASK_NAME)
        .build()
}

/// Every parameter any rule can ask for: valid for every destination type and source engine, so
/// removing one parameter breaks exactly the rule under test.
fn complete(ty: Type) -> CreateRestoreTaskInput {
    CreateRestoreTaskInput::builder()
        .backup_plan_id(BACKUP_PLAN_ID)
        .destination_endpoint_instance_type(ty)
        .destination_endpoint_region(REGION)
        .destination_endpoint_instance_id(INSTANCE_ID)
        .destination_endpoint_ip(IP)
        .destination_endpoint_port(PORT)
        .destination_endpoint_database_name(DATABASE)
        .destination_endpoint_user_name(USER)
        .destination_endpoint_password(PASSWORD)
        .backup_gateway_id(GATEWAY_ID)
        .restore_objects(restore_objects())
        .restore_task_name(TASK_NAME)
        .destination_endpoint_oracle_sid(ORACLE_SID)
        .restore_dir(RESTORE_DIR)
        .build()
}

/// A context that knows nothing: rules that need a fact are skipped.
fn unknown() -> ValidationContext {
    ValidationContext::default()
}

/// A context that knows the backup plan's source engine.
fn source(engine: SourceDatabaseType) -> ValidationContext {
    ValidationContext::new().with_source_database_type(engine)
}

/// `(parameter, rule id)` of every violation, in the order reported.
fn ids(err: &ValidationError) -> Vec<(&str, Option<&str>)> {
    err.violations()
        .iter()
        .map(|v| (v.parameter(), v.rule_id()))
        .collect()
}

/// Asserts that `result` failed with exactly one violation: of `parameter`, by rule `rule_id`,
/// pointing at the reference page, whose words contain each of `words`.
#[track_caller]
fn assert_only(
    case: &str,
    result: Result<(), ValidationError>,
    parameter: &str,
    rule_id: Option<&str>,
    words: &[&str],
) {
    let err = match result {
        Ok(()) => panic!("{case}: expected a violation of {parameter}, got Ok"),
        Err(err) => err,
    };
    assert_eq!(
        ids(&err),
        [(parameter, rule_id)],
        "{case}: expected exactly one violation; got {err}"
    );
    let violation = &err.violations()[0];
    assert_eq!(violation.reference(), REFERENCE, "{case}");
    for word in words {
        assert!(
            violation.rule().contains(word),
            "{case}: the rule of {parameter} should mention {word:?}, got {:?}",
            violation.rule()
        );
    }
}

/// Asserts that `result` has no violation at all.
#[track_caller]
fn assert_valid(case: &str, result: Result<(), ValidationError>) {
    if let Err(err) = result {
        panic!("{case}: expected no violation, got {err}");
    }
}

#[test]
fn the_main_job_and_the_complete_input_are_valid() {
    for context in [unknown(), source(SourceDatabaseType::MySql)] {
        assert_valid("MySQL to RDS", mysql_to_rds().validate(&context));
    }
    for ty in all_types() {
        for engine in [
            SourceDatabaseType::MySql,
            SourceDatabaseType::Mssql,
            SourceDatabaseType::Oracle,
            SourceDatabaseType::MariaDb,
            SourceDatabaseType::PostgreSql,
            SourceDatabaseType::Drds,
            SourceDatabaseType::MongoDb,
            SourceDatabaseType::Redis,
        ] {
            let case = format!("complete {ty} from {engine}");
            assert_valid(&case, complete(ty.clone()).validate(&source(engine)));
        }
    }
}

#[test]
fn a_violation_displays_parameter_rule_id_and_reference() {
    let mut input = mysql_to_rds();
    input.destination_endpoint_region = None;
    let err = input.validate(&unknown()).unwrap_err();
    assert_eq!(
        err.violations()[0].to_string(),
        format!(
            "DestinationEndpointRegion: missing; required when DestinationEndpointInstanceType is \
             RDS, ECS, DDS, Express or Agent [R1] (see {REFERENCE})"
        )
    );
    assert_eq!(
        err.to_string(),
        format!(
            "1 invalid parameter: DestinationEndpointRegion: missing; required when \
             DestinationEndpointInstanceType is RDS, ECS, DDS, Express or Agent [R1] (see {REFERENCE})"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Rules on the destination type alone: R1, R2, R3, R4, R8, R9
// ---------------------------------------------------------------------------------------------

/// Checks a "required when DestinationEndpointInstanceType is …" string rule: for each type in
/// `required_for`, missing and empty values violate `rule_id`; for the other types, nothing.
#[track_caller]
fn check_string_rule_on_type(
    parameter: &str,
    rule_id: &str,
    condition: &str,
    required_for: &[Type],
    clear: fn(&mut CreateRestoreTaskInput, Option<String>),
) {
    for ty in all_types() {
        let mut missing = complete(ty.clone());
        clear(&mut missing, None);
        let mut empty = complete(ty.clone());
        clear(&mut empty, Some(String::new()));
        if required_for.contains(&ty) {
            let case = format!("{parameter} missing for {ty}");
            let words = ["missing", condition];
            assert_only(
                &case,
                missing.validate(&unknown()),
                parameter,
                Some(rule_id),
                &words,
            );
            let case = format!("{parameter} empty for {ty}");
            let words = ["must not be empty", condition];
            assert_only(
                &case,
                empty.validate(&unknown()),
                parameter,
                Some(rule_id),
                &words,
            );
        } else {
            assert_valid(
                &format!("{parameter} missing for {ty}"),
                missing.validate(&unknown()),
            );
            assert_valid(
                &format!("{parameter} empty for {ty}"),
                empty.validate(&unknown()),
            );
        }
        assert_valid(
            &format!("{parameter} set for {ty}"),
            complete(ty).validate(&unknown()),
        );
    }
}

#[test]
fn r1_region_required_for_rds_ecs_dds_express_and_agent() {
    check_string_rule_on_type(
        "DestinationEndpointRegion",
        "R1",
        "required when DestinationEndpointInstanceType is RDS, ECS, DDS, Express or Agent",
        &[Type::Rds, Type::Ecs, Type::Dds, Type::Express, Type::Agent],
        |input, value| input.destination_endpoint_region = value,
    );
    // The main job, with the reference's example region.
    let mut input = mysql_to_rds();
    input.destination_endpoint_region = None;
    assert_only(
        "RDS",
        input.validate(&unknown()),
        "DestinationEndpointRegion",
        Some("R1"),
        &[],
    );
    input.destination_endpoint_region = Some(REGION.to_owned());
    assert_valid("RDS in cn-hangzhou", input.validate(&unknown()));
}

#[test]
fn r2_instance_id_required_for_rds_ecs_dds_and_express() {
    check_string_rule_on_type(
        "DestinationEndpointInstanceID",
        "R2",
        "required when DestinationEndpointInstanceType is RDS, ECS, DDS or Express",
        &[Type::Rds, Type::Ecs, Type::Dds, Type::Express],
        |input, value| input.destination_endpoint_instance_id = value,
    );
    let mut input = mysql_to_rds();
    input.destination_endpoint_instance_id = None;
    let words = ["DestinationEndpointInstanceType is RDS"];
    let result = input.validate(&unknown());
    assert_only(
        "RDS",
        result,
        "DestinationEndpointInstanceID",
        Some("R2"),
        &words,
    );
    input.destination_endpoint_instance_id = Some(INSTANCE_ID.to_owned());
    assert_valid("RDS with an instance", input.validate(&unknown()));
}

#[test]
fn r3_ip_required_for_express_agent_and_other() {
    check_string_rule_on_type(
        "DestinationEndpointIP",
        "R3",
        "required when DestinationEndpointInstanceType is Express, Agent or Other",
        &[Type::Express, Type::Agent, Type::Other],
        |input, value| input.destination_endpoint_ip = value,
    );
    // The main job connects to RDS by instance ID, not by IP.
    assert_valid("RDS without IP", mysql_to_rds().validate(&unknown()));
}

#[test]
fn r4_port_required_for_express_agent_other_and_ecs() {
    let condition = "required when DestinationEndpointInstanceType is Express, Agent, Other or ECS";
    let required_for = [Type::Express, Type::Agent, Type::Other, Type::Ecs];
    for ty in all_types() {
        let mut input = complete(ty.clone());
        input.destination_endpoint_port = None;
        let case = format!("port missing for {ty}");
        if required_for.contains(&ty) {
            let words = ["missing", condition];
            let result = input.validate(&unknown());
            assert_only(&case, result, "DestinationEndpointPort", Some("R4"), &words);
        } else {
            assert_valid(&case, input.validate(&unknown()));
        }
        input.destination_endpoint_port = Some(PORT);
        assert_valid(&format!("port 3306 for {ty}"), input.validate(&unknown()));
    }
}

#[test]
fn r8_backup_gateway_id_required_for_agent() {
    for ty in all_types() {
        let mut input = complete(ty.clone());
        input.backup_gateway_id = None;
        let case = format!("gateway missing for {ty}");
        if ty == Type::Agent {
            let words = [
                "missing",
                "required when DestinationEndpointInstanceType is Agent",
            ];
            assert_only(
                &case,
                input.validate(&unknown()),
                "BackupGatewayId",
                Some("R8"),
                &words,
            );
        } else {
            assert_valid(&case, input.validate(&unknown()));
        }
        input.backup_gateway_id = Some(GATEWAY_ID);
        assert_valid(&format!("gateway set for {ty}"), input.validate(&unknown()));
    }
}

#[test]
fn r9_restore_objects_required_unless_agent() {
    for ty in all_types() {
        let mut input = complete(ty.clone());
        input.restore_objects = None;
        let case = format!("RestoreObjects missing for {ty}");
        if ty == Type::Agent {
            assert_valid(&case, input.validate(&unknown()));
        } else {
            let words = [
                "missing",
                "required unless DestinationEndpointInstanceType is Agent",
            ];
            assert_only(
                &case,
                input.validate(&unknown()),
                "RestoreObjects",
                Some("R9"),
                &words,
            );
        }
        input.restore_objects = Some(restore_objects());
        assert_valid(
            &format!("RestoreObjects set for {ty}"),
            input.validate(&unknown()),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Rules that need the source engine: R5, R6, R7, R10, R11
// ---------------------------------------------------------------------------------------------

#[test]
fn r5_database_name_required_for_postgresql_and_mongodb() {
    let condition = "required when SourceDatabaseType is PostgreSQL or MongoDB";
    let mut input = mysql_to_rds();
    assert_eq!(input.destination_endpoint_database_name, None);

    // (a) Skipped while the engine is unknown, and not required for MySQL.
    assert_valid("RDS, engine unknown", input.validate(&unknown()));
    assert_valid(
        "RDS from MySQL",
        input.validate(&source(SourceDatabaseType::MySql)),
    );

    // (b) Enforced once the engine is known.
    for engine in [SourceDatabaseType::PostgreSql, SourceDatabaseType::MongoDb] {
        let case = format!("RDS from {engine}");
        let result = input.validate(&source(engine));
        assert_only(
            &case,
            result,
            "DestinationEndpointDatabaseName",
            Some("R5"),
            &[condition],
        );
    }
    input.destination_endpoint_database_name = Some(String::new());
    let result = input.validate(&source(SourceDatabaseType::PostgreSql));
    let words = ["must not be empty", condition];
    assert_only(
        "empty",
        result,
        "DestinationEndpointDatabaseName",
        Some("R5"),
        &words,
    );

    // (c) Satisfied.
    input.destination_endpoint_database_name = Some(DATABASE.to_owned());
    for engine in [SourceDatabaseType::PostgreSql, SourceDatabaseType::MongoDb] {
        assert_valid(
            &format!("RDS from {engine}, database test"),
            input.validate(&source(engine)),
        );
    }
}

#[test]
fn r5_database_name_required_for_dds_without_any_context() {
    // DDS is ApsaraDB for MongoDB: the destination type alone decides.
    let mut input = complete(Type::Dds);
    input.destination_endpoint_database_name = None;
    let words = ["missing", "DestinationEndpointInstanceType is DDS"];
    for context in [unknown(), source(SourceDatabaseType::MySql)] {
        let result = input.validate(&context);
        assert_only(
            "DDS",
            result,
            "DestinationEndpointDatabaseName",
            Some("R5"),
            &words,
        );
    }
    input.destination_endpoint_database_name = Some(DATABASE.to_owned());
    assert_valid("DDS with database test", input.validate(&unknown()));
}

/// R6 and R7 are the same rule, on the user name and on the password.
#[track_caller]
fn check_credential_rule(
    parameter: &str,
    rule_id: &str,
    clear: fn(&mut CreateRestoreTaskInput, Option<String>),
) {
    let condition = "required unless SourceDatabaseType is Redis, or \
                     (SourceDatabaseType is MSSQL and DestinationEndpointInstanceType is Agent)";
    let without = |ty: Type| {
        let mut input = complete(ty);
        clear(&mut input, None);
        input
    };

    // (a) Skipped while the engine is unknown: it could be Redis.
    for ty in all_types() {
        let case = format!("{parameter} missing for {ty}, engine unknown");
        assert_valid(&case, without(ty).validate(&unknown()));
    }

    // (b) Enforced for every other engine, and for MSSQL unless the type is Agent.
    for ty in all_types() {
        for engine in [
            SourceDatabaseType::MySql,
            SourceDatabaseType::Oracle,
            SourceDatabaseType::MariaDb,
            SourceDatabaseType::PostgreSql,
            SourceDatabaseType::Drds,
            SourceDatabaseType::MongoDb,
            SourceDatabaseType::Mssql,
        ] {
            let case = format!("{parameter} missing for {ty} from {engine}");
            let result = without(ty.clone()).validate(&source(engine.clone()));
            if engine == SourceDatabaseType::Mssql && ty == Type::Agent {
                assert_valid(&case, result);
            } else {
                assert_only(
                    &case,
                    result,
                    parameter,
                    Some(rule_id),
                    &["missing", condition],
                );
            }
        }
    }
    let mut empty = mysql_to_rds();
    clear(&mut empty, Some(String::new()));
    let result = empty.validate(&source(SourceDatabaseType::MySql));
    let words = ["must not be empty", condition];
    assert_only("empty from MySQL", result, parameter, Some(rule_id), &words);

    // (c) Not needed for Redis, nor for MSSQL over a backup gateway; satisfied when set.
    for ty in all_types() {
        let case = format!("{parameter} missing for {ty} from Redis");
        assert_valid(
            &case,
            without(ty).validate(&source(SourceDatabaseType::Redis)),
        );
    }
    let case = format!("{parameter} missing for Agent from MSSQL");
    assert_valid(
        &case,
        without(Type::Agent).validate(&source(SourceDatabaseType::Mssql)),
    );
    let main_job = mysql_to_rds().validate(&source(SourceDatabaseType::MySql));
    assert_valid("MySQL to RDS with user test and password", main_job);
}

#[test]
fn r6_user_name_required_unless_redis_or_mssql_over_agent() {
    check_credential_rule("DestinationEndpointUserName", "R6", |input, value| {
        input.destination_endpoint_user_name = value;
    });
}

#[test]
fn r7_password_required_unless_redis_or_mssql_over_agent() {
    check_credential_rule("DestinationEndpointPassword", "R7", |input, value| {
        input.destination_endpoint_password = value.map(Into::into);
    });
}

#[test]
fn r10_restore_dir_required_for_agent_and_mysql() {
    let condition =
        "required when DestinationEndpointInstanceType is Agent and SourceDatabaseType is MySQL";
    let mut input = complete(Type::Agent);
    input.restore_dir = None;

    // (a) Skipped while the engine is unknown; not required for another engine or type.
    assert_valid("Agent, engine unknown", input.validate(&unknown()));
    let from_mssql = input.validate(&source(SourceDatabaseType::Mssql));
    assert_valid("Agent from MSSQL", from_mssql);
    let mut rds = complete(Type::Rds);
    rds.restore_dir = None;
    assert_valid(
        "RDS from MySQL",
        rds.validate(&source(SourceDatabaseType::MySql)),
    );

    // (b) Enforced for MySQL over a backup gateway.
    let result = input.validate(&source(SourceDatabaseType::MySql));
    assert_only(
        "Agent from MySQL",
        result,
        "RestoreDir",
        Some("R10"),
        &["missing", condition],
    );
    input.restore_dir = Some(" ".to_owned());
    let result = input.validate(&source(SourceDatabaseType::MySql));
    let words = ["must not be empty", condition];
    assert_only(
        "blank, Agent from MySQL",
        result,
        "RestoreDir",
        Some("R10"),
        &words,
    );

    // (c) Satisfied.
    input.restore_dir = Some(RESTORE_DIR.to_owned());
    let result = input.validate(&source(SourceDatabaseType::MySql));
    assert_valid("Agent from MySQL with RestoreDir test", result);
}

#[test]
fn r11_oracle_sid_required_for_oracle() {
    let condition = "required when SourceDatabaseType is Oracle";
    let mut input = mysql_to_rds();
    assert_eq!(input.destination_endpoint_oracle_sid, None);

    // (a) Skipped while the engine is unknown; not required for MySQL.
    assert_valid("engine unknown", input.validate(&unknown()));
    assert_valid("MySQL", input.validate(&source(SourceDatabaseType::MySql)));

    // (b) Enforced for Oracle, whatever the destination type.
    let oracle = source(SourceDatabaseType::Oracle);
    let words = ["missing", condition];
    let param = "DestinationEndpointOracleSID";
    assert_only(
        "RDS from Oracle",
        input.validate(&oracle),
        param,
        Some("R11"),
        &words,
    );
    for ty in all_types() {
        let mut other = complete(ty.clone());
        other.destination_endpoint_oracle_sid = None;
        let case = format!("{ty} from Oracle");
        assert_only(&case, other.validate(&oracle), param, Some("R11"), &words);
    }
    input.destination_endpoint_oracle_sid = Some(String::new());
    let words = ["must not be empty", condition];
    assert_only(
        "empty SID",
        input.validate(&oracle),
        param,
        Some("R11"),
        &words,
    );

    // (c) Satisfied.
    input.destination_endpoint_oracle_sid = Some(ORACLE_SID.to_owned());
    assert_valid("Oracle with SID test", input.validate(&oracle));
}

// ---------------------------------------------------------------------------------------------
// Value rules
// ---------------------------------------------------------------------------------------------

#[test]
fn port_must_be_between_1_and_65535() {
    // Checked whenever a port is set, also where no rule requires one (RDS).
    for ty in [Type::Other, Type::Rds] {
        for port in [1, PORT, 65535] {
            let mut input = complete(ty.clone());
            input.destination_endpoint_port = Some(port);
            assert_valid(&format!("port {port} for {ty}"), input.validate(&unknown()));
        }
        for port in [0, 65536, -1] {
            let mut input = complete(ty.clone());
            input.destination_endpoint_port = Some(port);
            let case = format!("port {port} for {ty}");
            let words = [
                "must be between 1 and 65535".to_owned(),
                format!("got {port}"),
            ];
            let words = [words[0].as_str(), words[1].as_str()];
            let result = input.validate(&unknown());
            assert_only(&case, result, "DestinationEndpointPort", None, &words);
        }
    }
}

#[test]
fn restore_objects_must_not_be_an_empty_array() {
    // An empty list is not a missing one: R9 is met, the minimum is not. Also for Agent,
    // where RestoreObjects is optional.
    for ty in [Type::Rds, Type::Agent] {
        let mut input = complete(ty.clone());
        input.restore_objects = Some(Vec::new());
        let case = format!("[] for {ty}");
        let words = ["at least 1 item", "got 0"];
        assert_only(
            &case,
            input.validate(&unknown()),
            "RestoreObjects",
            None,
            &words,
        );
        input.restore_objects = Some(restore_objects());
        assert_valid(&format!("one object for {ty}"), input.validate(&unknown()));
    }
    // The same through the wire.
    let input = CreateRestoreTaskInput::from_wire_params([
        ("BackupPlanId", BACKUP_PLAN_ID),
        ("DestinationEndpointInstanceType", "Other"),
        ("DestinationEndpointIP", IP),
        ("DestinationEndpointPort", "3306"),
        ("RestoreObjects", "[]"),
        ("RestoreTaskName", TASK_NAME),
    ])
    .unwrap();
    let words = ["at least 1 item"];
    assert_only(
        "wire []",
        input.validate(&unknown()),
        "RestoreObjects",
        None,
        &words,
    );
}

#[test]
fn every_restore_object_needs_a_non_empty_db_name() {
    let mut input = mysql_to_rds();
    input.restore_objects = Some(vec![RestoreObject::new("").new_db_name("test_new")]);
    let words = ["must not be empty"];
    let result = input.validate(&unknown());
    assert_only(
        "DBName empty",
        result,
        "RestoreObjects[0].DBName",
        None,
        &words,
    );

    // The path names the offending element; blank counts as empty.
    input.restore_objects = Some(vec![RestoreObject::new("test"), RestoreObject::new("  ")]);
    let result = input.validate(&unknown());
    assert_only(
        "DBName blank",
        result,
        "RestoreObjects[1].DBName",
        None,
        &words,
    );

    input.restore_objects = Some(vec![
        RestoreObject::new("test"),
        RestoreObject::new("test2")
            .new_db_name("test2_new")
            .schema_name("dbo")
            .new_schema_name("dbo"),
    ]);
    assert_valid("both named", input.validate(&unknown()));
}

#[test]
fn required_strings_must_not_be_empty() {
    for blank in ["", "   "] {
        let mut input = mysql_to_rds();
        input.backup_plan_id = Some(blank.to_owned());
        let words = ["must not be empty", "required"];
        let case = format!("BackupPlanId {blank:?}");
        assert_only(
            &case,
            input.validate(&unknown()),
            "BackupPlanId",
            None,
            &words,
        );

        let mut input = mysql_to_rds();
        input.restore_task_name = Some(blank.to_owned());
        let case = format!("RestoreTaskName {blank:?}");
        assert_only(
            &case,
            input.validate(&unknown()),
            "RestoreTaskName",
            None,
            &words,
        );
    }
    let mut input = mysql_to_rds();
    input.backup_plan_id = None;
    let words = ["missing", "required"];
    assert_only(
        "BackupPlanId missing",
        input.validate(&unknown()),
        "BackupPlanId",
        None,
        &words,
    );
    assert_valid(
        "BackupPlanId dbs1hvb0ww****",
        mysql_to_rds().validate(&unknown()),
    );
}

#[test]
fn destination_type_is_required_and_must_not_be_empty() {
    let mut input = mysql_to_rds();
    input.destination_endpoint_instance_type = None;
    let words = ["missing", "required"];
    let result = input.validate(&unknown());
    assert_only(
        "type missing",
        result,
        "DestinationEndpointInstanceType",
        None,
        &words,
    );

    // The generated docs say "Required; a string must not be empty." for this parameter, and
    // the wire carries it as a string: `DestinationEndpointInstanceType=` is not a type.
    for blank in ["", " "] {
        let mut input = mysql_to_rds();
        input.destination_endpoint_instance_type = Some(Type::from_wire(blank));
        let words = ["must not be empty", "required"];
        let case = format!("type {blank:?}");
        let result = input.validate(&unknown());
        assert_only(
            &case,
            result,
            "DestinationEndpointInstanceType",
            None,
            &words,
        );
    }
    assert_valid("type RDS", mysql_to_rds().validate(&unknown()));
}

// ---------------------------------------------------------------------------------------------
// All at once, enum parsing, unknown values
// ---------------------------------------------------------------------------------------------

#[test]
fn all_violations_are_reported_at_once() {
    let empty = CreateRestoreTaskInput::builder().build();
    let err = empty.validate(&unknown()).unwrap_err();
    assert_eq!(
        ids(&err),
        [
            ("BackupPlanId", None),
            ("DestinationEndpointInstanceType", None),
            ("RestoreTaskName", None),
        ]
    );
    assert!(
        err.violations()
            .iter()
            .all(|v| v.rule() == "missing; required")
    );
    assert!(
        err.to_string()
            .starts_with("3 invalid parameters: BackupPlanId: missing")
    );

    // With a type and an engine, every rule they switch on is reported too, in parameter order.
    let agent = CreateRestoreTaskInput::builder()
        .destination_endpoint_instance_type(Type::Agent)
        .build();
    let err = agent
        .validate(&source(SourceDatabaseType::MySql))
        .unwrap_err();
    assert_eq!(
        ids(&err),
        [
            ("BackupPlanId", None),
            ("DestinationEndpointRegion", Some("R1")),
            ("DestinationEndpointIP", Some("R3")),
            ("DestinationEndpointPort", Some("R4")),
            ("DestinationEndpointUserName", Some("R6")),
            ("DestinationEndpointPassword", Some("R7")),
            ("BackupGatewayId", Some("R8")),
            ("RestoreTaskName", None),
            ("RestoreDir", Some("R10")),
        ]
    );
    assert!(err.to_string().starts_with("9 invalid parameters: "));
}

#[test]
fn known_enum_values_parse_without_regard_to_case() {
    for (wire, expected) in [
        ("RDS", Type::Rds),
        ("rds", Type::Rds),
        ("ecs", Type::Ecs),
        ("EXPRESS", Type::Express),
        ("agent", Type::Agent),
        ("AGENT", Type::Agent),
        ("dds", Type::Dds),
        ("other", Type::Other),
        ("dg", Type::Dg),
        ("DG", Type::Dg),
    ] {
        assert_eq!(Type::from_wire(wire), expected, "{wire}");
    }
    assert_eq!(
        DuplicateConflict::from_wire("RenameNew"),
        DuplicateConflict::Renamenew
    );
    assert_eq!(
        SourceDatabaseType::from_wire("postgresql"),
        SourceDatabaseType::PostgreSql
    );

    // `agent` (the casing of the reference's conditional notes) is Agent: R8 applies.
    let input = CreateRestoreTaskInput::from_wire_params([
        ("BackupPlanId", BACKUP_PLAN_ID),
        ("DestinationEndpointInstanceType", "agent"),
        ("DestinationEndpointRegion", REGION),
        ("DestinationEndpointIP", IP),
        ("DestinationEndpointPort", "3306"),
        ("RestoreTaskName", TASK_NAME),
    ])
    .unwrap();
    assert_eq!(input.destination_endpoint_instance_type, Some(Type::Agent));
    let words = ["DestinationEndpointInstanceType is Agent"];
    assert_only(
        "agent",
        input.validate(&unknown()),
        "BackupGatewayId",
        Some("R8"),
        &words,
    );
    // Sent in the documented casing.
    let sent = input.to_wire_params();
    let ty = sent
        .iter()
        .find(|p| p.name == "DestinationEndpointInstanceType")
        .unwrap();
    assert_eq!(ty.value, "Agent");

    // A context engine given in any case is the engine.
    let mut rds = mysql_to_rds();
    rds.destination_endpoint_database_name = None;
    let context = ValidationContext::new().with_source_database_type("postgresql");
    let result = rds.validate(&context);
    assert_only(
        "postgresql",
        result,
        "DestinationEndpointDatabaseName",
        Some("R5"),
        &[],
    );
}

#[test]
fn unknown_types_are_rejected_and_trigger_no_type_based_rules() {
    let foo = Type::from_wire("foo");
    assert_eq!(foo, Type::Unknown("foo".to_owned()));
    let unknown_type = [
        "must be one of RDS, ECS, Express, Agent, DDS, Other, dg",
        "\"foo\"",
    ];

    // A value the spec does not know is refused before sending (a typo such as `RDSS` would
    // otherwise cost a round trip), and it triggers none of R1, R2, R3, R4, R5 (DDS), R8, R10.
    let mut input = minimal(foo.clone());
    input.restore_objects = Some(restore_objects());
    let result = input.validate(&unknown());
    assert_only(
        "foo, engine unknown",
        result,
        "DestinationEndpointInstanceType",
        None,
        &unknown_type,
    );
    input.destination_endpoint_user_name = Some(USER.to_owned());
    input.destination_endpoint_password = Some(PASSWORD.into());
    let result = input.validate(&source(SourceDatabaseType::MySql));
    assert_only(
        "foo from MySQL",
        result,
        "DestinationEndpointInstanceType",
        None,
        &unknown_type,
    );

    // R9 is "required unless Agent": an unknown type is not Agent, so it still applies.
    let result = minimal(foo).validate(&unknown());
    let params: Vec<&str> = result
        .as_ref()
        .unwrap_err()
        .violations()
        .iter()
        .map(|v| v.parameter())
        .collect();
    assert_eq!(
        params,
        ["DestinationEndpointInstanceType", "RestoreObjects"],
        "{result:?}"
    );

    // The optional DuplicateConflict is checked the same way.
    let mut input = mysql_to_rds();
    input.duplicate_conflict = Some("rename".into());
    let result = input.validate(&unknown());
    assert_only(
        "rename",
        result,
        "DuplicateConflict",
        None,
        &["must be one of failure, renamenew"],
    );

    // An unknown engine does not trigger engine-based rules (R5, R10, R11) either.
    let mut agent = complete(Type::Agent);
    agent.restore_dir = None;
    agent.destination_endpoint_oracle_sid = None;
    agent.destination_endpoint_database_name = None;
    let context = source(SourceDatabaseType::from_wire("Sybase"));
    assert_valid("Agent from Sybase", agent.validate(&context));
}

// ---------------------------------------------------------------------------------------------
// The wire
// ---------------------------------------------------------------------------------------------

/// Every parameter set, to the reference's examples.
fn every_parameter() -> CreateRestoreTaskInput {
    CreateRestoreTaskInput::builder()
        .backup_plan_id(BACKUP_PLAN_ID)
        .destination_endpoint_instance_type(Type::Rds)
        .destination_endpoint_region(REGION)
        .destination_endpoint_instance_id(INSTANCE_ID)
        .destination_endpoint_ip(IP)
        .destination_endpoint_port(PORT)
        .destination_endpoint_database_name(DATABASE)
        .destination_endpoint_user_name(USER)
        .destination_endpoint_password(PASSWORD)
        .backup_gateway_id(GATEWAY_ID)
        .restore_objects(restore_objects())
        .restore_time(RESTORE_TIME)
        .backup_set_id("dbs1hvb0w*****")
        .restore_task_name(TASK_NAME)
        .destination_endpoint_oracle_sid(ORACLE_SID)
        .restore_dir(RESTORE_DIR)
        .restore_home("test")
        .duplicate_conflict(DuplicateConflict::Renamenew)
        .cross_aliyun_id("2749528728********")
        .cross_role_name("test123")
        .client_token("ETnLKlblzczshOTUbOC********")
        .owner_id("12345678")
        .build()
}

#[test]
fn wire_params_round_trip() {
    let input = every_parameter();
    let params = input.to_wire_params();
    let sent: Vec<(&str, &str)> = params.iter().map(|p| (p.name, p.value.as_str())).collect();
    assert_eq!(
        sent,
        [
            ("BackupPlanId", "dbs1hvb0ww****"),
            ("DestinationEndpointInstanceType", "RDS"),
            ("DestinationEndpointRegion", "cn-hangzhou"),
            ("DestinationEndpointInstanceID", "rm-bp1p8c29*****"),
            (
                "DestinationEndpointIP",
                "rm-bp*****9jv8pxero.mysql.rds.aliyuncs.com"
            ),
            ("DestinationEndpointPort", "3306"),
            ("DestinationEndpointDatabaseName", "test"),
            ("DestinationEndpointUserName", "test"),
            ("DestinationEndpointPassword", "Test"),
            ("BackupGatewayId", "4312000000"),
            ("RestoreObjects", RESTORE_OBJECTS_JSON),
            ("RestoreTime", "1554560477000"),
            ("BackupSetId", "dbs1hvb0w*****"),
            ("RestoreTaskName", "test"),
            ("DestinationEndpointOracleSID", "test"),
            ("RestoreDir", "test"),
            ("RestoreHome", "test"),
            ("DuplicateConflict", "renamenew"),
            ("CrossAliyunId", "2749528728********"),
            ("CrossRoleName", "test123"),
            ("ClientToken", "ETnLKlblzczshOTUbOC********"),
            ("OwnerId", "12345678"),
        ]
    );
    let sensitive: Vec<&str> = params
        .iter()
        .filter(|p| p.sensitive)
        .map(|p| p.name)
        .collect();
    assert_eq!(sensitive, ["DestinationEndpointPassword"]);

    let back = CreateRestoreTaskInput::from_wire_params(sent.iter().copied()).unwrap();
    assert_eq!(back, input);
    assert_valid(
        "round trip",
        back.validate(&source(SourceDatabaseType::MySql)),
    );

    // The main job, and the reference's RestoreObjects with every key.
    let mut main_job = mysql_to_rds();
    main_job.restore_objects = Some(vec![
        RestoreObject::new("test")
            .new_db_name("test_new")
            .schema_name("dbo")
            .new_schema_name("dbo"),
    ]);
    let params = main_job.to_wire_params();
    let json = params.iter().find(|p| p.name == "RestoreObjects").unwrap();
    assert_eq!(
        json.value,
        r#"[{"DBName":"test","NewDBName":"test_new","SchemaName":"dbo","NewSchemaName":"dbo"}]"#
    );
    let back =
        CreateRestoreTaskInput::from_wire_params(params.iter().map(|p| (p.name, p.value.as_str())))
            .unwrap();
    assert_eq!(back, main_job);
}

#[test]
fn from_wire_params_reports_values_that_do_not_parse() {
    let base = [
        ("BackupPlanId", BACKUP_PLAN_ID),
        ("DestinationEndpointInstanceType", "RDS"),
        ("RestoreTaskName", TASK_NAME),
    ];
    let parse = |extra: &[(&'static str, &'static str)]| {
        CreateRestoreTaskInput::from_wire_params(base.iter().chain(extra).copied())
    };

    let err = parse(&[("DestinationEndpointPort", "abc")]).unwrap_err();
    assert_eq!(ids(&err), [("DestinationEndpointPort", None)]);
    assert!(err.violations()[0].rule().contains("int32"), "{err}");
    assert!(err.violations()[0].rule().contains("\"abc\""), "{err}");
    // Beyond int32 is not a port either.
    let err = parse(&[("DestinationEndpointPort", "4294967296")]).unwrap_err();
    assert_eq!(ids(&err), [("DestinationEndpointPort", None)]);

    let err = parse(&[("RestoreObjects", "not json")]).unwrap_err();
    assert_eq!(ids(&err), [("RestoreObjects", None)]);
    assert!(err.violations()[0].rule().contains("JSON"), "{err}");

    let err = parse(&[("RestoreObjects", "[{}]")]).unwrap_err();
    assert_eq!(ids(&err), [("RestoreObjects", None)]);
    assert!(err.violations()[0].rule().contains("DBName"), "{err}");

    // A misspelt member (`NewDbName` for `NewDBName`) would silently restore into the original
    // database name; it is refused instead.
    let err = parse(&[(
        "RestoreObjects",
        r#"[{"DBName":"orders","NewDbName":"orders_restored"}]"#,
    )])
    .unwrap_err();
    assert_eq!(ids(&err), [("RestoreObjects", None)]);
    assert!(err.violations()[0].rule().contains("NewDbName"), "{err}");

    // The reference's masked example `4312****` is not an int64.
    let err = parse(&[("BackupGatewayId", "4312****")]).unwrap_err();
    assert_eq!(ids(&err), [("BackupGatewayId", None)]);
    assert!(err.violations()[0].rule().contains("int64"), "{err}");

    // All at once, in the order given.
    let err = parse(&[
        ("DestinationEndpointPort", "abc"),
        ("BackupGatewayId", "4312****"),
        ("RestoreObjects", "[{}]"),
    ])
    .unwrap_err();
    assert_eq!(
        ids(&err),
        [
            ("DestinationEndpointPort", None),
            ("BackupGatewayId", None),
            ("RestoreObjects", None)
        ]
    );

    // Values that parse: a port out of range is the validator's job.
    let input = parse(&[
        ("DestinationEndpointRegion", REGION),
        ("DestinationEndpointInstanceID", INSTANCE_ID),
        ("DestinationEndpointPort", "70000"),
        ("RestoreObjects", RESTORE_OBJECTS_JSON),
    ])
    .unwrap();
    assert_eq!(input.destination_endpoint_port, Some(70000));
    assert_eq!(input.restore_objects, Some(restore_objects()));
    let result = input.validate(&unknown());
    assert_only(
        "port 70000",
        result,
        "DestinationEndpointPort",
        None,
        &["between 1 and 65535"],
    );
}

// ---------------------------------------------------------------------------------------------
// The password is never printed
// ---------------------------------------------------------------------------------------------

#[test]
fn the_password_is_never_printed() {
    const SECRET: &str = "Test-S3cret~pw never printed";
    let mut input = mysql_to_rds();
    input.destination_endpoint_password = Some(SECRET.into());

    let debug = format!("{input:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains(REDACTED), "{debug}");
    let builder = CreateRestoreTaskInput::builder().destination_endpoint_password(SECRET);
    assert!(!format!("{builder:?}").contains(SECRET));
    let params = input.to_wire_params();
    assert!(!format!("{params:?}").contains(SECRET));
    // Yet it is sent as given.
    let sent = params
        .iter()
        .find(|p| p.name == "DestinationEndpointPassword")
        .unwrap();
    assert_eq!(sent.value, SECRET);

    // Violations of every kind, for inputs that carry the password.
    let mut errors = Vec::new();
    for context in [
        unknown(),
        source(SourceDatabaseType::MySql),
        source(SourceDatabaseType::Oracle),
        source(SourceDatabaseType::PostgreSql),
    ] {
        let mut broken = CreateRestoreTaskInput::builder()
            .destination_endpoint_instance_type(Type::Agent)
            .destination_endpoint_port(0)
            .destination_endpoint_password(SECRET)
            .restore_objects([RestoreObject::new("")])
            .build();
        errors.push(broken.validate(&context).unwrap_err());
        broken.destination_endpoint_password = Some(" ".into());
        errors.push(broken.validate(&context).unwrap_err());
    }
    errors.push(
        CreateRestoreTaskInput::from_wire_params([
            ("DestinationEndpointPassword", SECRET),
            ("DestinationEndpointPort", "abc"),
            ("RestoreObjects", "[{}]"),
        ])
        .unwrap_err(),
    );
    for err in &errors {
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains(SECRET), "{shown}");
        }
        for violation in err.violations() {
            assert!(!violation.to_string().contains(SECRET), "{violation}");
        }
    }
}
