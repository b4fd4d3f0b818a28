//! `ClientToken` idempotency for every operation the spec gives a token and does not mark
//! `idempotent`: the first success is answered again (with the new RequestId) without acting,
//! other parameters with the same token are `IdempotentParameterMismatch`, a lost answer
//! retried by our client (`dbs-api`) acts once, and the memory of tokens is bounded.
//!
//! Expected values come from the spec and its sources: request values are the official
//! metadata's examples, the error codes, their messages and statuses are the spec's common
//! error table (`IdempotentParameterMismatch`, `Throttling`: HTTP 400), and which operations
//! are idempotent is the registry's (`DescribeBackupPlanList` is, `CreateBackupPlan` and
//! `ModifyBackupPlanName` are not).

// Tests fail by panicking: `expect` on fixed inputs is the clearest way to say so.
#![allow(clippy::expect_used)]

mod common;

use common::*;
use dbs_api::{BackupMethod, CommonErrorCode, DatabaseType, InstanceClass, PayType, PeriodUnit};
use dbs_emulator::{AccessKey, EmulatorHandle, Fault, FaultKind};
use serde_json::Value;

/// The metadata's CreateBackupPlan example (micro, MySQL, logical, one month, prepay).
fn buy_params(token: Option<&str>) -> Vec<(String, String)> {
    let mut params = pairs(&[
        ("Region", "cn-hangzhou"),
        ("InstanceClass", "micro"),
        ("DatabaseType", "MySQL"),
        ("BackupMethod", "logical"),
        ("Period", "Month"),
        ("UsedTime", "1"),
        ("PayType", "prepay"),
    ]);
    if let Some(token) = token {
        set(&mut params, "ClientToken", token);
    }
    params
}

/// A success's `BackupPlanId`.
fn plan_id(answer: &Answer) -> String {
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["Success"], Value::Bool(true), "{}", answer.text);
    assert_request_id(answer.body["RequestId"].as_str().expect("RequestId"));
    answer.body["BackupPlanId"]
        .as_str()
        .expect("BackupPlanId")
        .to_owned()
}

fn plan_ids(emulator: &EmulatorHandle) -> Vec<String> {
    emulator
        .state()
        .backup_plans
        .into_iter()
        .map(|p| p.backup_plan_id)
        .collect()
}

/// The body without its `RequestId`.
fn without_request_id(answer: &Answer) -> Value {
    let mut body = answer.body.clone();
    body.as_object_mut().expect("an object").remove("RequestId");
    body
}

#[tokio::test]
async fn create_backup_plan_sent_again_with_its_token_buys_one_plan() {
    let emulator = start_empty().await;
    let url = emulator.url();
    let first = call(&url, "CreateBackupPlan", buy_params(Some("buy-1"))).await;
    let id = plan_id(&first);

    // The same token and parameters, however placed and signed: the first answer, a new
    // RequestId, nothing bought.
    let again = send(
        &url,
        &signed(
            "CreateBackupPlan",
            buy_params(Some("buy-1")),
            Placement::Query,
        ),
    )
    .await;
    let v3 = V3::new(&url, vec![], buy_params(Some("buy-1")))
        .header("x-acs-action", "CreateBackupPlan")
        .build();
    let v3 = send(&url, &v3).await;
    for replay in [&again, &v3] {
        assert_eq!(plan_id(replay), id);
        assert_ne!(replay.body["RequestId"], first.body["RequestId"]);
        assert_eq!(
            replay.headers["x-acs-request-id"].to_str().expect("ASCII"),
            replay.body["RequestId"].as_str().expect("RequestId")
        );
        assert_eq!(without_request_id(replay), without_request_id(&first));
    }
    assert_eq!(plan_ids(&emulator), std::slice::from_ref(&id));
    assert_eq!(emulator.state().requests["CreateBackupPlan"], 3);

    // Another token, or none (or a blank one, which is none): a plan each.
    let other = plan_id(&call(&url, "CreateBackupPlan", buy_params(Some("buy-2"))).await);
    let none = plan_id(&call(&url, "CreateBackupPlan", buy_params(None)).await);
    let none_again = plan_id(&call(&url, "CreateBackupPlan", buy_params(None)).await);
    let blank = plan_id(&call(&url, "CreateBackupPlan", buy_params(Some(" "))).await);
    let blank_again = plan_id(&call(&url, "CreateBackupPlan", buy_params(Some(" "))).await);
    assert_eq!(
        plan_ids(&emulator),
        [id, other, none, none_again, blank, blank_again]
    );
}

#[tokio::test]
async fn other_parameters_with_the_same_token_are_a_mismatch_naming_only_names() {
    let config = empty_config()
        .access_key(AccessKey::new("ak-one", "secret-one"))
        .access_key(AccessKey::new("ak-two", "secret-two"));
    let emulator = start_with(config).await;
    let url = emulator.url();
    let as_account = |account: &str, secret: &str, params| {
        V1::new(params, Placement::Body)
            .set("Action", "CreateBackupPlan")
            .set("AccessKeyId", account)
            .secret(secret)
            .build()
    };
    let id = plan_id(
        &send(
            &url,
            &as_account("ak-one", "secret-one", buy_params(Some("t"))),
        )
        .await,
    );

    let mut longer = buy_params(Some("t"));
    set(&mut longer, "UsedTime", "2");
    let answer = send(&url, &as_account("ak-one", "secret-one", longer)).await;
    assert_business_error(&answer, 200, "IdempotentParameterMismatch");
    let table = CommonErrorCode::IdempotentParameterMismatch.message();
    assert_eq!(
        answer.message(),
        format!("{table} Parameters that differ: UsedTime.")
    );
    // A parameter added counts as a difference too.
    let mut grouped = buy_params(Some("t"));
    set(&mut grouped, "ResourceGroupId", "rg-aekzecovzti1234");
    let answer = send(&url, &as_account("ak-one", "secret-one", grouped)).await;
    assert_business_error(&answer, 200, "IdempotentParameterMismatch");
    assert!(
        answer
            .message()
            .ends_with("Parameters that differ: ResourceGroupId.")
    );
    assert_eq!(plan_ids(&emulator), std::slice::from_ref(&id));

    // The same token from another account is that account's own.
    let theirs = plan_id(
        &send(
            &url,
            &as_account("ak-two", "secret-two", buy_params(Some("t"))),
        )
        .await,
    );
    assert_ne!(theirs, id);
    assert_eq!(plan_ids(&emulator), [id, theirs]);
}

#[tokio::test]
async fn every_non_idempotent_operation_with_a_token_takes_part() {
    let emulator = start().await;
    let url = emulator.url();
    let name = |emulator: &EmulatorHandle| {
        emulator
            .state()
            .backup_plans
            .into_iter()
            .find(|p| p.backup_plan_id == "dbsdemomysql01")
            .expect("the demo plan")
            .backup_plan_name
    };
    let rename = |to: &str, token: &str| {
        pairs(&[
            ("BackupPlanId", "dbsdemomysql01"),
            ("BackupPlanName", to),
            ("ClientToken", token),
        ])
    };
    let first = call(&url, "ModifyBackupPlanName", rename("first", "r1")).await;
    assert_eq!(plan_id(&first), "dbsdemomysql01");
    assert_eq!(name(&emulator), "first");
    let answer = call(&url, "ModifyBackupPlanName", rename("second", "r1")).await;
    assert_business_error(&answer, 200, "IdempotentParameterMismatch");
    assert!(
        answer
            .message()
            .ends_with("Parameters that differ: BackupPlanName.")
    );
    assert_eq!(name(&emulator), "first");

    // A replay does not act again: after another rename, replaying r1 leaves the new name.
    assert_eq!(
        plan_id(&call(&url, "ModifyBackupPlanName", rename("third", "r2")).await),
        "dbsdemomysql01"
    );
    let replay = call(&url, "ModifyBackupPlanName", rename("first", "r1")).await;
    assert_eq!(without_request_id(&replay), without_request_id(&first));
    assert_eq!(name(&emulator), "third");

    // A refusal is not remembered: the same token may then be used for a request that works.
    let unknown = pairs(&[
        ("BackupPlanId", "dbsnosuchplan"),
        ("BackupPlanName", "x"),
        ("ClientToken", "r3"),
    ]);
    let answer = call(&url, "ModifyBackupPlanName", unknown).await;
    assert_business_error(&answer, 200, "Param.NotFound");
    call(&url, "ModifyBackupPlanName", rename("fourth", "r3")).await;
    assert_eq!(name(&emulator), "fourth");
}

#[tokio::test]
async fn a_sensitive_parameter_is_compared_but_never_shown() {
    let emulator = start_empty().await;
    let url = emulator.url();
    let id = plan_id(&call(&url, "CreateBackupPlan", buy_params(None)).await);
    // The metadata's ConfigureBackupPlan example, for the plan just bought.
    let configure = |password: &str| {
        pairs(&[
            ("BackupPlanId", id.as_str()),
            ("BackupPlanName", "orders"),
            ("SourceEndpointInstanceType", "RDS"),
            ("SourceEndpointRegion", "cn-hangzhou"),
            ("SourceEndpointInstanceID", "rm-uf6wjk5abcdefgh"),
            ("SourceEndpointUserName", "testRDS"),
            ("SourceEndpointPassword", password),
            ("BackupObjects", r#"[{"DBName":"test"}]"#),
            ("BackupPeriod", "Monday"),
            ("BackupStartTime", "14:22"),
            ("BackupRetentionPeriod", "730"),
            ("ClientToken", "configure-1"),
        ])
    };
    let first = call(&url, "ConfigureBackupPlan", configure(PASSWORD)).await;
    assert_eq!(plan_id(&first), id);
    let again = call(&url, "ConfigureBackupPlan", configure(PASSWORD)).await;
    assert_eq!(without_request_id(&again), without_request_id(&first));
    let answer = call(&url, "ConfigureBackupPlan", configure("another-Pa55word")).await;
    assert_business_error(&answer, 200, "IdempotentParameterMismatch");
    assert!(
        answer
            .message()
            .ends_with("Parameters that differ: SourceEndpointPassword."),
        "{}",
        answer.text
    );
    assert!(!answer.text.contains("another-Pa55word"), "{}", answer.text);
    let state = serde_json::to_string(&emulator.state()).expect("state JSON");
    assert!(!state.contains(PASSWORD) && !state.contains("another-Pa55word"));
}

#[tokio::test]
async fn a_lost_answer_retried_by_our_client_buys_exactly_one_plan() {
    let emulator = start_empty().await;
    emulator
        .inject_fault(Fault::new("CreateBackupPlan", FaultKind::ApplyThenFail))
        .expect("fault");
    // No token given: the client makes one and sends it with every attempt.
    let output = create_backup_plan_example(&sdk_client(&emulator))
        .send()
        .await
        .expect("CreateBackupPlan, after a retry");
    let id = output.backup_plan_id.expect("BackupPlanId");
    let state = emulator.state();
    assert_eq!(
        state.requests["CreateBackupPlan"], 2,
        "the first answer was lost"
    );
    assert!(state.faults.is_empty(), "the fault was used");
    assert_eq!(plan_ids(&emulator), [id]);

    // The same with CreateAndStartBackupPlan (the metadata's example: ECS source, simple).
    emulator
        .inject_fault(Fault::new(
            "CreateAndStartBackupPlan",
            FaultKind::ApplyThenFail,
        ))
        .expect("fault");
    let output = sdk_client(&emulator)
        .create_and_start_backup_plan()
        .region("cn-hangzhou")
        .instance_class(InstanceClass::Micro)
        .database_type(DatabaseType::MySql)
        .backup_method(BackupMethod::Logical)
        .period(PeriodUnit::Month)
        .used_time(1)
        .pay_type(PayType::Prepay)
        .backup_plan_name("started")
        .source_endpoint_instance_type(dbs_api::SourceEndpointInstanceType::Rds)
        .source_endpoint_region("cn-hangzhou")
        .source_endpoint_instance_id("rm-uf6wjk5abcdefgh")
        .source_endpoint_user_name("testRDS")
        .source_endpoint_password("testPassword")
        .backup_objects([dbs_api::BackupObject::new("test")])
        .backup_period("Monday")
        .backup_start_time("14:22")
        .send()
        .await
        .expect("CreateAndStartBackupPlan, after a retry");
    let started = output.backup_plan_id.expect("BackupPlanId");
    assert_eq!(emulator.state().requests["CreateAndStartBackupPlan"], 2);
    assert_eq!(plan_ids(&emulator).len(), 2);
    assert!(plan_ids(&emulator).contains(&started));
}

#[tokio::test]
async fn the_memory_of_tokens_is_capped_and_refuses_rather_than_forgets() {
    let emulator = start_with(empty_config().max_client_tokens(2)).await;
    let url = emulator.url();
    let a = plan_id(&call(&url, "CreateBackupPlan", buy_params(Some("a"))).await);
    let b = plan_id(&call(&url, "CreateBackupPlan", buy_params(Some("b"))).await);

    // Full: a new token is refused before anything is bought.
    let answer = call(&url, "CreateBackupPlan", buy_params(Some("c"))).await;
    assert_business_error(&answer, 200, "Throttling");
    let message = answer.message();
    assert!(
        message.starts_with(CommonErrorCode::Throttling.message())
            && message.contains("2 ClientTokens")
            && message.contains("--max-client-tokens"),
        "{message}"
    );
    assert_eq!(plan_ids(&emulator), [a.clone(), b.clone()]);

    // Nothing was forgotten: both tokens still replay, and still refuse other parameters.
    assert_eq!(
        plan_id(&call(&url, "CreateBackupPlan", buy_params(Some("a"))).await),
        a
    );
    let mut longer = buy_params(Some("b"));
    set(&mut longer, "UsedTime", "2");
    assert_business_error(
        &call(&url, "CreateBackupPlan", longer).await,
        200,
        "IdempotentParameterMismatch",
    );
    // A request without a token needs no memory, and an idempotent operation's token is not
    // remembered (DescribeBackupPlanList shows each new state, however often the token comes).
    let list = || {
        pairs(&[
            ("ClientToken", "look"),
            ("PageNum", "0"),
            ("PageSize", "30"),
        ])
    };
    let before = call(&url, "DescribeBackupPlanList", list()).await;
    assert_eq!(before.body["TotalElements"], 2, "{}", before.text);
    let untokened = plan_id(&call(&url, "CreateBackupPlan", buy_params(None)).await);
    let after = call(&url, "DescribeBackupPlanList", list()).await;
    assert_eq!(after.body["TotalElements"], 3, "{}", after.text);
    assert_eq!(plan_ids(&emulator), [a, b, untokened]);
}

#[test]
fn which_operations_take_part_is_the_registrys_word() {
    // The spec's idempotent reads, and the one operation without a token, act on every request;
    // every other operation remembers its token (the crate docs say so).
    let left_out: Vec<&str> = dbs_api::OPERATIONS
        .iter()
        .filter(|op| op.idempotent || op.idempotency_token.is_none())
        .map(|op| op.name)
        .collect();
    assert!(
        left_out.iter().all(|name| name.starts_with("Describe")
            || *name == "GetDBListFromAgent"
            || *name == "InitializeDbsServiceLinkedRole"),
        "{left_out:?}"
    );
    let describes = dbs_api::OPERATIONS
        .iter()
        .filter(|op| op.name.starts_with("Describe"))
        .count();
    assert_eq!(left_out.len(), describes + 2, "{left_out:?}");
    let taking_part = dbs_api::OPERATIONS.len() - left_out.len();
    assert_eq!(
        taking_part, 21,
        "36 operations, 13 Describe*, GetDBListFromAgent, InitializeDbsServiceLinkedRole"
    );
    for name in [
        "CreateBackupPlan",
        "CreateAndStartBackupPlan",
        "CreateRestoreTask",
        "ModifyBackupPlanName",
    ] {
        let op = dbs_api::operation(name).expect("in the spec");
        assert_eq!(
            (op.idempotent, op.idempotency_token),
            (false, Some("ClientToken"))
        );
    }
}

/// Sixteen copies at once on a multi-threaded runtime: one plan, every answer its own, and no
/// deadlock between the token memory's lock and the state's. (The handlers take microseconds,
/// so this rarely races even without the lock held across the handler; it checks the outcome,
/// not that lock.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_requests_with_one_token_buy_one_plan() {
    let emulator = start_empty().await;
    let url = emulator.url();
    let requests: Vec<Raw> = (0..16)
        .map(|_| {
            signed(
                "CreateBackupPlan",
                buy_params(Some("race")),
                Placement::Body,
            )
        })
        .collect();
    let mut sent = tokio::task::JoinSet::new();
    for raw in requests {
        let url = url.clone();
        sent.spawn(async move { send(&url, &raw).await });
    }
    let mut ids = std::collections::BTreeSet::new();
    while let Some(answer) = sent.join_next().await {
        ids.insert(plan_id(&answer.expect("a request task")));
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(plan_ids(&emulator), ids.into_iter().collect::<Vec<_>>());
    assert_eq!(emulator.state().requests["CreateBackupPlan"], 16);
}

/// Every byte of `text` as `%xy`, lower-case hex: another spelling of the same form value.
fn escape_every_byte(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02x}")).collect()
}

#[tokio::test]
async fn a_retry_spelled_in_another_order_and_encoding_is_the_same_request() {
    let emulator = start_empty().await;
    let url = emulator.url();
    let first = plan_id(&call(&url, "CreateBackupPlan", buy_params(Some("spelled"))).await);

    // V1 signs the decoded values, so the body may be re-encoded after signing: every byte
    // escaped in lower-case hex, the fields in reverse order. The same request, replayed.
    let raw = signed(
        "CreateBackupPlan",
        buy_params(Some("spelled")),
        Placement::Body,
    );
    let fields: Vec<&[u8]> = raw.body.split(|&b| b == b'&').collect();
    let respelled: Vec<String> = fields
        .iter()
        .rev()
        .map(|field| {
            let decoded = dbs_api::encoding::form_urldecode(field).expect("our own form");
            let (name, value) = &decoded[0];
            format!("{}={}", escape_every_byte(name), escape_every_byte(value))
        })
        .collect();
    let mut respelled_raw = raw.clone();
    respelled_raw.body = respelled.join("&").into_bytes();
    assert_eq!(plan_id(&send(&url, &respelled_raw).await), first);

    // V3 hashes the body as sent: the operation's parameters reordered, and moved to the query.
    let mut reversed = buy_params(Some("spelled"));
    reversed.reverse();
    let v3 = V3::new(&url, reversed, vec![])
        .header("x-acs-action", "CreateBackupPlan")
        .build();
    assert_eq!(plan_id(&send(&url, &v3).await), first);

    // The token itself is compared as it is: another case is another token.
    let other = plan_id(&call(&url, "CreateBackupPlan", buy_params(Some("SPELLED"))).await);
    assert_ne!(other, first);
    assert_eq!(plan_ids(&emulator), [first, other]);
}

#[tokio::test]
async fn tokens_the_reference_does_not_allow_are_refused_and_take_no_memory() {
    // The reference: "only ASCII characters and ... not exceed 64 characters" (read as visible
    // ASCII). Refused before anything is bought or remembered: with room for one token, a
    // valid token afterwards is still taken.
    let emulator = start_with(empty_config().max_client_tokens(1)).await;
    let url = emulator.url();
    let long = "t".repeat(65);
    let huge = "t".repeat(200_000);
    for (token, rule) in [
        (long.as_str(), "at most 64 characters, got 65"),
        (huge.as_str(), "at most 64 characters, got 200000"),
        ("jeton-é", "visible ASCII"),
        ("токен", "visible ASCII"),
        ("🔑🔑", "visible ASCII"),
        ("tab\there", "visible ASCII"),
        ("in side", "visible ASCII"),
    ] {
        for action in ["CreateBackupPlan", "CreateRestoreTask"] {
            let params = if action == "CreateRestoreTask" {
                let mut params = rds_params();
                set(&mut params, "ClientToken", token);
                params
            } else {
                buy_params(Some(token))
            };
            let answer = call(&url, action, params).await;
            assert_business_error(&answer, 200, "InvalidParameter");
            let message = answer.message();
            assert!(
                message.contains("ClientToken") && message.contains(rule),
                "{action} {rule}: {message}"
            );
            assert!(message.len() < 2000, "the token is not echoed: {message}");
        }
    }
    assert!(plan_ids(&emulator).is_empty());
    assert!(emulator.state().restore_tasks.is_empty());

    let longest = "T".repeat(64);
    let id = plan_id(&call(&url, "CreateBackupPlan", buy_params(Some(&longest))).await);
    assert_eq!(
        plan_id(&call(&url, "CreateBackupPlan", buy_params(Some(&longest))).await),
        id
    );
    assert_eq!(plan_ids(&emulator), [id]);
}
