//! The spec format's nested shapes at run time, generated into this crate from the generator's
//! fixtures: responses that nest structures and lists (read leniently, enums in any case), JSON
//! request parameters that nest lists of structures, and `present` / `forbidden` rules.

// Tests fail by panicking: `unwrap` on the fixed inputs is the clearest way to say so.
#![allow(clippy::unwrap_used)]

use crate::ValidationError;

/// `DescribeRestoreTaskList` as the official metadata describes its response, renamed
/// `DescribeFixtureTaskList` so its client method does not clash with the real one.
mod listing {
    dbs_macros::generate_api!("../dbs-codegen/tests/fixtures/nested-response");
}
/// A JSON list of structures holding lists of structures.
mod nesting {
    dbs_macros::generate_api!("../dbs-codegen/tests/fixtures/nested-request");
}
/// Shapes of `service.json`, named by two operations.
mod shared {
    dbs_macros::generate_api!("../dbs-codegen/tests/fixtures/service-shapes");
}
/// One of two parameters, and a boolean that makes another required.
mod either {
    dbs_macros::generate_api!("../dbs-codegen/tests/fixtures/forbidden-present");
}

use either::ForbiddenPresentInput;
use listing::{
    DescribeFixtureTaskListOutput, DestinationEndpointInstanceType, RestoreStatus,
    RestoreTaskDetail,
};
use nesting::{BackupObject, NestedRequestInput, Table};

fn rules(result: Result<(), ValidationError>) -> Vec<String> {
    match result {
        Ok(()) => Vec::new(),
        Err(e) => e.violations().iter().map(ToString::to_string).collect(),
    }
}

/// The JSON example of `DescribeRestoreTaskList`'s `responseDemo` in
/// `/work/shared/api-docs/official-metadata/Dbs-2019-03-06-api-docs.json`, written out by hand
/// (some of its fields; those the fixture does not declare, such as `CrossRoleName`, kept: they must be ignored).
const DEMO: &str = r#"{
  "HttpStatusCode": 200,
  "PageNum": 1,
  "RequestId": "9C397502-B4F2-4E22-AD97-C81F0049F3F3",
  "ErrCode": "Param.NotFound",
  "Success": true,
  "ErrMessage": "The specified parameter %s value is not valid. ",
  "TotalPages": 1,
  "TotalElements": 1,
  "PageSize": 30,
  "Items": {
    "RestoreTaskDetail": [
      {
        "RestoreStatus": "running",
        "FullStruAfterRestoreProgress": 100,
        "CrossRoleName": "test123",
        "RestoreDir": "100.X.X.10:33204",
        "BackupPlanId": "dbs1hvb0wXXXX",
        "DestinationEndpointRegion": "cn-hangzhou",
        "RestoreTaskCreateTime": 1554560477000,
        "DestinationEndpointInstanceType": "RDS",
        "RestoreTaskId": "s1XXXXXX",
        "BackupGatewayId": 324234332,
        "RestoreTaskName": "test",
        "RestoreTime": 1554560477000
      }
    ]
  }
}"#;

fn the_demo_task() -> RestoreTaskDetail {
    RestoreTaskDetail::new()
        .restore_status(RestoreStatus::Running)
        .full_stru_after_restore_progress(100)
        .backup_plan_id("dbs1hvb0wXXXX")
        .restore_task_create_time(1_554_560_477_000_i64)
        .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds)
        .restore_task_id("s1XXXXXX")
        .backup_gateway_id(324_234_332_i64)
}

#[test]
fn the_official_example_reads_at_every_depth_ignoring_unknown_fields() {
    let output: DescribeFixtureTaskListOutput = serde_json::from_str(DEMO).unwrap();
    assert_eq!(output.total_pages, Some(1));
    assert_eq!(output.total_elements, Some(1));
    assert_eq!(output.page_num, Some(1));
    assert_eq!(output.success, Some(true));
    let tasks = output.items.unwrap().restore_task_detail.unwrap();
    assert_eq!(tasks, [the_demo_task()]);
}

#[test]
fn numbers_and_booleans_sent_as_strings_read_at_every_depth_and_int64_stays_exact() {
    let text = r#"{
      "Success": "true", "TotalPages": "1", "PageSize": 30.0,
      "Items": { "RestoreTaskDetail": [ {
        "RestoreStatus": "running", "FullStruAfterRestoreProgress": "100",
        "BackupPlanId": "dbs1hvb0wXXXX", "RestoreTaskCreateTime": "1554560477000",
        "DestinationEndpointInstanceType": "RDS", "RestoreTaskId": "s1XXXXXX",
        "BackupGatewayId": "9007199254740993"
      }, { "BackupGatewayId": null } ] }
    }"#;
    let output: DescribeFixtureTaskListOutput = serde_json::from_str(text).unwrap();
    assert_eq!(
        (output.success, output.total_pages, output.page_size),
        (Some(true), Some(1), Some(30))
    );
    let tasks = output.items.unwrap().restore_task_detail.unwrap();
    // 2^53 + 1: an f64 would round it.
    assert_eq!(
        tasks[0],
        the_demo_task().backup_gateway_id(9_007_199_254_740_993_i64)
    );
    assert_eq!(tasks[1], RestoreTaskDetail::new());
}

#[test]
fn response_enums_match_any_case_keep_unknown_values_and_write_the_spec_spelling() {
    let task: RestoreTaskDetail = serde_json::from_str(
        r#"{"RestoreStatus": "CHECK_PASS", "DestinationEndpointInstanceType": "rds"}"#,
    )
    .unwrap();
    assert_eq!(task.restore_status, Some(RestoreStatus::CheckPass));
    assert_eq!(
        task.destination_endpoint_instance_type,
        Some(DestinationEndpointInstanceType::Rds)
    );
    // The spec spells these `check_pass` and `RDS`.
    assert_eq!(
        serde_json::to_string(&task).unwrap(),
        r#"{"RestoreStatus":"check_pass","DestinationEndpointInstanceType":"RDS"}"#
    );
    let task: RestoreTaskDetail = serde_json::from_str(
        r#"{"RestoreStatus": "finished", "DestinationEndpointInstanceType": "PolarDB"}"#,
    )
    .unwrap();
    assert_eq!(
        task.restore_status,
        Some(RestoreStatus::Unknown("finished".into()))
    );
    assert_eq!(
        serde_json::to_string(&task).unwrap(),
        r#"{"RestoreStatus":"finished","DestinationEndpointInstanceType":"PolarDB"}"#
    );
}

#[test]
fn the_registry_carries_the_example_and_the_pagination() {
    let meta = listing::operation("DescribeFixtureTaskList").unwrap();
    let example = meta.example_response().unwrap();
    // The example is the official one (DEMO holds some of its fields), and the output reads it.
    let official: serde_json::Value = serde_json::from_str(DEMO).unwrap();
    let example: serde_json::Value = serde_json::from_str(example).unwrap();
    let task = &example["Items"]["RestoreTaskDetail"][0];
    for (name, value) in official["Items"]["RestoreTaskDetail"][0]
        .as_object()
        .unwrap()
    {
        assert_eq!(&task[name], value, "{name}");
    }
    for name in [
        "TotalPages",
        "TotalElements",
        "PageNum",
        "PageSize",
        "RequestId",
    ] {
        assert_eq!(example[name], official[name], "{name}");
    }
    let decoded = (meta.decode_output)(&example).unwrap();
    assert_eq!(
        decoded["Items"]["RestoreTaskDetail"][0]["BackupGatewayId"],
        324_234_332
    );
    let pages = meta.pagination.unwrap();
    assert_eq!(
        (pages.page_number, pages.page_size, pages.first_page),
        ("PageNum", "PageSize", 0)
    );
    assert_eq!(
        (pages.total_pages, pages.total_items, pages.items),
        (
            Some("TotalPages"),
            Some("TotalElements"),
            "Items.RestoreTaskDetail"
        )
    );
}

const NESTED: &str = "https://example.invalid/fixtures/nested-request";

#[test]
fn nested_members_are_checked_by_path_and_sent_as_one_json_text() {
    let input = NestedRequestInput::builder()
        .backup_objects([
            BackupObject::new("test").table_includes(vec![Table::new("orders"), Table::new(" ")]),
            BackupObject::new("")
                .table_excludes(vec![Table::new("")])
                .retention_days(-1),
        ])
        .build();
    assert_eq!(
        rules(input.validate(&crate::ValidationContext::default())),
        [
            format!(
                "BackupObjects[0].TableIncludes[1].TableName: required member must not be empty (see {NESTED})"
            ),
            format!("BackupObjects[1].DBName: required member must not be empty (see {NESTED})"),
            format!(
                "BackupObjects[1].TableExcludes[0].TableName: required member must not be empty (see {NESTED})"
            ),
            // A member's unit implies bounds, as a parameter's does.
            format!("BackupObjects[1].RetentionDays: must be >= 0 (days), got -1 (see {NESTED})"),
        ]
    );
    let input = NestedRequestInput::builder()
        .backup_objects([BackupObject::new("test")
            .schema_name("public")
            .table_includes(vec![Table::new("orders")])])
        .build();
    let wire = input.to_wire_params();
    assert_eq!(
        wire[0].value,
        r#"[{"DBName":"test","SchemaName":"public","TableIncludes":[{"TableName":"orders"}]}]"#
    );
    let back =
        NestedRequestInput::from_wire_params([("BackupObjects", wire[0].value.as_str())]).unwrap();
    assert_eq!(back, input);
    // A misspelt member is refused at any depth, not dropped.
    let refused = NestedRequestInput::from_wire_params([(
        "BackupObjects",
        r#"[{"DBName":"test","TableIncludes":[{"Tablename":"orders"}]}]"#,
    )]);
    let message = rules(refused.map(|_| ())).join("\n");
    assert!(message.contains("unknown field `Tablename`"), "{message}");
}

const EITHER: &str = "https://example.invalid/fixtures/forbidden-present";

#[test]
fn present_conditions_require_and_forbid() {
    let context = crate::ValidationContext::default();
    let check = |input: ForbiddenPresentInput| rules(input.validate(&context));
    assert_eq!(
        check(ForbiddenPresentInput::builder().build()),
        [format!(
            "BackupPlanId: missing; required unless RestoreTaskId is set [R1] (see {EITHER})"
        )]
    );
    assert_eq!(
        check(
            ForbiddenPresentInput::builder()
                .backup_plan_id("dbs1hvb0ww")
                .restore_task_id("s102h7rf5anq")
                .build()
        ),
        [format!(
            "RestoreTaskId: must not be set; forbidden when BackupPlanId is set [R2] (see {EITHER})"
        )]
    );
    for input in [
        ForbiddenPresentInput::builder()
            .backup_plan_id("dbs1hvb0ww")
            .build(),
        ForbiddenPresentInput::builder()
            .restore_task_id("s102h7rf5anq")
            .build(),
        // A blank BackupPlanId is not there: RestoreTaskId is allowed.
        ForbiddenPresentInput::builder()
            .backup_plan_id(" ")
            .restore_task_id("s102h7rf5anq")
            .build(),
    ] {
        assert_eq!(check(input), Vec::<String>::new());
    }
}

#[test]
fn a_boolean_parameter_condition_requires_when_it_holds() {
    let context = crate::ValidationContext::default();
    let base = || ForbiddenPresentInput::builder().backup_plan_id("dbs1hvb0ww");
    assert_eq!(
        rules(base().use_cross_account(true).build().validate(&context)),
        [format!(
            "CrossRoleName: missing; required when UseCrossAccount is true [R3] (see {EITHER})"
        )]
    );
    assert!(rules(base().use_cross_account(false).build().validate(&context)).is_empty());
    assert!(rules(base().build().validate(&context)).is_empty());
}

#[test]
fn the_server_path_enforces_forbidden_and_present_rules() {
    let meta = either::operation("ForbiddenPresent").unwrap();
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    };
    let context = crate::ValidationContext::default();
    let refused = (meta.prepare)(
        &pairs(&[("BackupPlanId", "dbs1hvb0ww"), ("RestoreTaskId", "s1")]),
        &context,
    );
    assert_eq!(
        rules(refused.map(|_| ())),
        [format!(
            "RestoreTaskId: must not be set; forbidden when BackupPlanId is set [R2] (see {EITHER})"
        )]
    );
    let refused = (meta.prepare)(&pairs(&[("UseCrossAccount", "true")]), &context);
    assert_eq!(
        rules(refused.map(|_| ())),
        [
            format!(
                "BackupPlanId: missing; required unless RestoreTaskId is set [R1] (see {EITHER})"
            ),
            format!(
                "CrossRoleName: missing; required when UseCrossAccount is true [R3] (see {EITHER})"
            ),
        ]
    );
    assert!((meta.prepare)(&pairs(&[("RestoreTaskId", "s1")]), &context).is_ok());
}

const SHARED: &str = "https://example.invalid/fixtures/service-shapes/SharedOne";

#[test]
fn service_shapes_serve_both_operations_on_both_sides() {
    use shared::{DatabaseType, Endpoint, SharedOneInput, SharedOneOutput, SharedTwoOutput};
    let input = SharedOneInput::builder()
        .engine(DatabaseType::MySql)
        .source(Endpoint::new("10.0.0.1").engine(DatabaseType::Unknown("Oracle".into())))
        .build();
    assert_eq!(
        rules(input.validate(&crate::ValidationContext::default())),
        [format!(
            "Source.Engine: must be one of MySQL, PostgreSQL, got \"Oracle\" (see {SHARED})"
        )]
    );
    let output: SharedOneOutput = serde_json::from_str(
        r#"{"Task": {"TaskId": 7, "Engine": "mysql", "CreateTime": "1554560477000", "New": 1}}"#,
    )
    .unwrap();
    let task = output.task.unwrap();
    assert_eq!(
        (task.task_id, task.engine, task.create_time),
        (
            Some("7".to_owned()),
            Some(DatabaseType::MySql),
            Some(1_554_560_477_000)
        )
    );
    let output: SharedTwoOutput = serde_json::from_str(
        r#"{"Engine": "POSTGRESQL", "Regions": {"RegionCode": ["cn-hangzhou", 1]}}"#,
    )
    .unwrap();
    assert_eq!(output.engine, Some(DatabaseType::PostgreSql));
    // Each element of a list of scalars reads leniently.
    assert_eq!(
        output.regions.unwrap().region_code.unwrap(),
        ["cn-hangzhou", "1"]
    );
}
