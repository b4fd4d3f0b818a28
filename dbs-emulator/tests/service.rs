//! The DBS service behind the gateway: validation with the plan's engine, unknown plans,
//! business errors' HTTP status, ClientToken idempotency.

mod common;

use common::*;
use dbs_emulator::{BackupPlan, EmulatorConfig, Seed};

async fn create(url: &str, params: Vec<(String, String)>) -> Answer {
    send(url, &V1::new(params, Placement::Body).build()).await
}

#[tokio::test]
async fn rule_violations_are_invalid_parameter_naming_parameter_and_rule() {
    let emulator = start().await;
    let url = emulator.url();

    // R1, decidable from the request alone.
    let mut params = rds_params();
    remove(&mut params, "DestinationEndpointRegion");
    let answer = create(&url, params).await;
    assert_business_error(&answer, 200, "InvalidParameter");
    assert!(
        answer
            .message()
            .contains("DestinationEndpointRegion: missing"),
        "{}",
        answer.text
    );
    assert!(answer.message().contains("[R1]"), "{}", answer.text);

    // R11 needs the plan's engine, which only the emulator knows.
    let mut params = rds_params();
    set(&mut params, "BackupPlanId", "dbsdemoorcl01");
    let answer = create(&url, params.clone()).await;
    assert_business_error(&answer, 200, "InvalidParameter");
    assert!(
        answer.message().contains("DestinationEndpointOracleSID"),
        "{}",
        answer.text
    );
    assert!(answer.message().contains("[R11]"), "{}", answer.text);
    set(&mut params, "DestinationEndpointOracleSID", "ORCL");
    assert_success(&create(&url, params).await);

    // R5 for a PostgreSQL plan; R6/R7 do not apply to a Redis plan.
    let mut params = rds_params();
    set(&mut params, "BackupPlanId", "dbsdemopgsql01");
    let answer = create(&url, params).await;
    assert!(
        answer.message().contains("DestinationEndpointDatabaseName"),
        "{}",
        answer.text
    );
    assert!(answer.message().contains("[R5]"), "{}", answer.text);
    let mut params = rds_params();
    set(&mut params, "BackupPlanId", "dbsdemoredis01");
    remove(&mut params, "DestinationEndpointUserName");
    remove(&mut params, "DestinationEndpointPassword");
    assert_success(&create(&url, params).await);
    // ...but do for MySQL, and every violation is listed.
    let mut params = rds_params();
    remove(&mut params, "DestinationEndpointUserName");
    remove(&mut params, "DestinationEndpointPassword");
    let answer = create(&url, params).await;
    assert!(
        answer.message().starts_with("2 invalid parameters: "),
        "{}",
        answer.text
    );
    assert!(
        answer.message().contains("[R6]") && answer.message().contains("[R7]"),
        "{}",
        answer.text
    );

    // Values that do not parse, enum values the spec does not list, required parameters.
    for (name, value, expected) in [
        (
            "DestinationEndpointPort",
            "33o6",
            "DestinationEndpointPort: must be an int32",
        ),
        ("RestoreObjects", "not json", "RestoreObjects: must be JSON"),
        (
            "DestinationEndpointInstanceType",
            "RDSS",
            "DestinationEndpointInstanceType: must be one of RDS, ECS",
        ),
        ("RestoreTaskName", "", "RestoreTaskName: must not be empty"),
        (
            "DestinationEndpointInstanceType",
            " ",
            "DestinationEndpointInstanceType: must not be empty",
        ),
    ] {
        let mut params = rds_params();
        set(&mut params, name, value);
        let answer = create(&url, params).await;
        assert_business_error(&answer, 200, "InvalidParameter");
        assert!(
            answer.message().contains(expected),
            "{expected}: {}",
            answer.text
        );
    }
    let mut params = rds_params();
    remove(&mut params, "BackupPlanId");
    let answer = create(&url, params).await;
    assert!(
        answer.message().contains("BackupPlanId: missing"),
        "{}",
        answer.text
    );

    // Enum values match without regard to case, as the reference mixes them.
    let mut params = rds_params();
    set(&mut params, "DestinationEndpointInstanceType", "rds");
    assert_success(&create(&url, params).await);
    assert_eq!(emulator.state().restore_tasks.len(), 3);
}

#[tokio::test]
async fn unknown_plan_is_param_not_found_with_http_200_by_default_and_400_when_asked() {
    let mut params = rds_params();
    set(&mut params, "BackupPlanId", "dbsnosuchplan");

    let emulator = start().await;
    let answer = create(&emulator.url(), params.clone()).await;
    assert_business_error(&answer, 200, "Param.NotFound");
    assert!(answer.message().contains("BackupPlanId"), "{}", answer.text);

    let emulator = start_with(EmulatorConfig::default().business_errors_http_status(true)).await;
    let answer = create(&emulator.url(), params).await;
    assert_business_error(&answer, 400, "Param.NotFound");
    let mut params = rds_params();
    remove(&mut params, "RestoreObjects");
    assert_business_error(
        &create(&emulator.url(), params).await,
        400,
        "InvalidParameter",
    );
}

#[tokio::test]
async fn a_seed_replaces_the_demo_plans() {
    let seed = Seed::empty().with_plan(BackupPlan::new(
        "dbsmine",
        dbs_api::SourceDatabaseType::MySql,
    ));
    let emulator = start_with(EmulatorConfig::default().seed(seed)).await;
    let url = emulator.url();
    assert_business_error(&create(&url, rds_params()).await, 200, "Param.NotFound");
    let mut params = rds_params();
    set(&mut params, "BackupPlanId", "dbsmine");
    assert_success(&create(&url, params).await);
    assert_eq!(emulator.state().backup_plans.len(), 1);
}

#[tokio::test]
async fn client_token_makes_create_idempotent() {
    let emulator = start().await;
    let url = emulator.url();
    let mut params = rds_params();
    set(&mut params, "ClientToken", "token-1");

    let first = assert_success(&create(&url, params.clone()).await);
    // The same token and parameters, however placed and signed: the same task, nothing new.
    let again =
        assert_success(&send(&url, &V1::new(params.clone(), Placement::Query).build()).await);
    let v3 = assert_success(&send(&url, &V3::new(&url, vec![], params.clone()).build()).await);
    assert_eq!(
        (again.as_str(), v3.as_str()),
        (first.as_str(), first.as_str())
    );
    assert_eq!(emulator.state().restore_tasks.len(), 1);

    // Other parameters, or only another password: a mismatch naming what differs, not values.
    let mut renamed = params.clone();
    set(&mut renamed, "RestoreTaskName", "something else");
    let answer = create(&url, renamed).await;
    assert_business_error(&answer, 200, "IdempotentParameterMismatch");
    assert!(
        answer
            .message()
            .ends_with("Parameters that differ: RestoreTaskName."),
        "{}",
        answer.text
    );
    let mut repassworded = params.clone();
    set(
        &mut repassworded,
        "DestinationEndpointPassword",
        "another password",
    );
    let answer = create(&url, repassworded).await;
    assert_business_error(&answer, 200, "IdempotentParameterMismatch");
    assert!(
        answer.message().contains("DestinationEndpointPassword"),
        "{}",
        answer.text
    );
    assert!(!answer.text.contains("another password"));

    // Another token, or none: new tasks.
    let mut other = params.clone();
    set(&mut other, "ClientToken", "token-2");
    let second = assert_success(&create(&url, other).await);
    assert_ne!(second, first);
    let mut untokened = params;
    remove(&mut untokened, "ClientToken");
    assert_success(&create(&url, untokened.clone()).await);
    assert_success(&create(&url, untokened).await);

    let state = emulator.state();
    assert_eq!(state.restore_tasks.len(), 4);
    assert_eq!(
        state.restore_tasks[0].client_token.as_deref(),
        Some("token-1")
    );
    assert_eq!(state.restore_tasks[2].client_token, None);
    assert!(
        !state.restore_tasks[0]
            .parameters
            .contains_key("ClientToken")
    );
    let state_json = serde_json::to_string(&state).expect("state JSON");
    assert!(!state_json.contains(PASSWORD), "{state_json}");
}

#[tokio::test]
async fn an_empty_client_token_is_no_token() {
    let emulator = start().await;
    let url = emulator.url();
    let mut params = rds_params();
    set(&mut params, "ClientToken", "");
    // The same request three times, however signed and placed: three tasks, no token recorded.
    let first = assert_success(&create(&url, params.clone()).await);
    let second =
        assert_success(&send(&url, &V1::new(params.clone(), Placement::Query).build()).await);
    let third = assert_success(&send(&url, &V3::new(&url, params.clone(), vec![]).build()).await);
    assert!(first != second && second != third && first != third);
    // Other parameters with an empty token are no mismatch either.
    let mut renamed = params.clone();
    set(&mut renamed, "RestoreTaskName", "something else");
    assert_success(&create(&url, renamed).await);
    // An empty token does not take the place of a real one, nor the other way round.
    let mut tokened = params.clone();
    set(&mut tokened, "ClientToken", "token-1");
    let with_token = assert_success(&create(&url, tokened.clone()).await);
    assert_eq!(assert_success(&create(&url, tokened).await), with_token);
    assert_ne!(assert_success(&create(&url, params).await), with_token);

    let state = emulator.state();
    assert_eq!(state.restore_tasks.len(), 6);
    let tokens: Vec<Option<&str>> = state
        .restore_tasks
        .iter()
        .map(|t| t.client_token.as_deref())
        .collect();
    assert_eq!(
        tokens,
        [None, None, None, None, Some("token-1"), None],
        "an empty token is not kept"
    );
    assert!(
        state
            .restore_tasks
            .iter()
            .all(|t| !t.parameters.contains_key("ClientToken"))
    );
}
