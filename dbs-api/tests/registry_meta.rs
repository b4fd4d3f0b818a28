//! The operation registry carries the spec's facts, and calls by registry entry (the CLI's) use
//! them as the typed calls do.

mod support;

use dbs_api::{Credentials, SignatureVersion};
use support::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, Reply, Server, client, param};

/// The registry's rows read the facts they share with the validator from the input's `PARAMS`
/// table, row for row, so both say the same thing.
#[test]
fn registry_rows_read_the_input_table() {
    use dbs_api::{CreateRestoreTaskInput, ParamKind};
    let meta = dbs_api::operation("CreateRestoreTask").expect("in the registry");
    let table = CreateRestoreTaskInput::PARAMS;
    assert_eq!(meta.params.len(), table.len());
    for (row, spec) in meta.params.iter().zip(table) {
        assert_eq!(row.spec, spec, "{}", spec.wire);
        assert_eq!(row.name(), spec.wire);
        assert_eq!(row.kind(), spec.kind);
        assert_eq!(row.requirement(), spec.rule);
        assert_eq!((row.min(), row.max()), (spec.min, spec.max));
        assert_eq!(row.unit(), spec.unit);
        assert_eq!(row.sensitive(), spec.sensitive);
    }
    // From spec/dbs-2019-03-06/CreateRestoreTask.json, first parameters in spec order.
    let first = &meta.params[0];
    assert_eq!(
        (first.name(), first.flag, first.requirement()),
        ("BackupPlanId", "backup-plan-id", "required")
    );
    assert_eq!(first.kind(), ParamKind::String);
    assert_eq!(first.description, "The ID of the backup schedule.");
    assert_eq!(first.example, Some("dbs1hvb0ww****"));
    assert_eq!(meta.params[1].name(), "DestinationEndpointInstanceType");
    assert_eq!(
        meta.params[1].kind(),
        ParamKind::Enum(dbs_api::DestinationEndpointInstanceType::VALUES)
    );
    let password = meta
        .params
        .iter()
        .find(|p| p.name() == "DestinationEndpointPassword")
        .expect("in the spec");
    assert!(password.sensitive());
    assert!(
        password.requirement().starts_with("required unless "),
        "{}",
        password.requirement()
    );
}

#[test]
fn the_registry_has_the_spec_facts() {
    let meta = dbs_api::operation("CreateRestoreTask").expect("in the registry");
    // From spec/dbs-2019-03-06/CreateRestoreTask.json.
    assert_eq!(meta.ram_action, "dbs:CreateRestoreTask");
    assert!(!meta.idempotent);
    assert_eq!(meta.idempotency_token, Some("ClientToken"));
    assert_eq!(
        meta.documentation,
        "https://www.alibabacloud.com/help/en/dms/developer-reference/api-dbs-2019-03-06-createrestoretask"
    );
    let param = |name: &str| {
        meta.params
            .iter()
            .find(|p| p.name() == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    // The `port` unit implies 1..=65535; `ms-since-epoch` implies >= 0; range min 1.
    let bounds = |name: &str| (param(name).min(), param(name).max());
    assert_eq!(bounds("DestinationEndpointPort"), (Some(1), Some(65535)));
    assert_eq!(bounds("RestoreTime"), (Some(0), None));
    assert_eq!(bounds("BackupGatewayId"), (Some(1), None));
    assert_eq!(bounds("BackupPlanId"), (None, None));
    // R5, R6, R7, R10 and R11 test the source engine; R1 tests only a parameter.
    for name in [
        "DestinationEndpointDatabaseName",
        "DestinationEndpointUserName",
        "DestinationEndpointPassword",
        "DestinationEndpointOracleSID",
        "RestoreDir",
    ] {
        assert_eq!(param(name).context, ["SourceDatabaseType"], "{name}");
    }
    assert!(param("DestinationEndpointRegion").context.is_empty());
    assert!(param("BackupPlanId").context.is_empty());
    assert!(meta.uses_context_fact("SourceDatabaseType"));
    assert!(!meta.uses_context_fact("NoSuchFact"));

    let fact = dbs_api::CONTEXT_FACTS
        .iter()
        .find(|f| f.name == "SourceDatabaseType")
        .expect("the spec's context fact");
    assert_eq!(
        fact.source,
        "DescribeBackupPlanList.Items.BackupPlanDetail.DatabaseType"
    );
    assert_eq!(fact.field, "DatabaseType");
    assert_eq!(fact.flag, "source-database-type");
    assert_eq!(fact.values, dbs_api::SourceDatabaseType::VALUES);
    let mut context = dbs_api::ValidationContext::new();
    (fact.set)(&mut context, "postgresql");
    assert_eq!(
        context,
        dbs_api::ValidationContext::new()
            .with_source_database_type(dbs_api::SourceDatabaseType::PostgreSql)
    );
}

#[tokio::test]
async fn a_registry_call_of_an_idempotent_operation_is_replayed() {
    // Before, a call by registry entry was treated as non-idempotent whatever the spec said: a
    // dropped connection ended an idempotent call without a token after one attempt.
    let meta = dbs_api::operation("CreateRestoreTask").expect("in the registry");
    let idempotent = dbs_api::OperationMeta {
        idempotency_token: None,
        idempotent: true,
        ..*meta
    };
    let server = Server::scripted(vec![Reply::drop_connection(), Reply::success()]).await;
    let client = client(
        &server,
        Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        SignatureVersion::V3,
    );
    client
        .call(&idempotent, &support::restore_task_params(), None)
        .await
        .expect("replayed after the dropped connection");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "an idempotent call is replayed");
    assert_eq!(param(&requests[1].body_params(), "ClientToken"), None);
}
