//! The error table: the generated enums carry exactly the spec's rows (code, HTTP status,
//! message, retryable), an error's code is matched in one expression, and the retry classifier
//! reads its decision from the table.

// Tests fail by panicking: `expect` on the fixed spec files is the clearest way to say so.
#![allow(clippy::expect_used)]

mod support;

use dbs_api::{
    CommonErrorCode, CreateRestoreTaskErrorCode, Credentials, Error, ErrorCode, RetryConfig,
    SignatureVersion, operation,
};
use serde_json::Value;
use support::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, Reply, Server, client, restore_task};

const SPEC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/dbs-2019-03-06");

fn spec_errors(file: &str) -> Vec<Value> {
    let path = format!("{SPEC_DIR}/{file}");
    let text = std::fs::read_to_string(&path).expect("the spec file is readable");
    let json: Value = serde_json::from_str(&text).expect("the spec file is JSON");
    json["errors"].as_array().expect("an errors array").clone()
}

/// (code, status, message, retryable) of a spec row.
fn row(e: &Value) -> (&str, u16, &str, bool) {
    (
        e["code"].as_str().expect("code"),
        u16::try_from(e["http_status"].as_u64().expect("http_status")).expect("a status"),
        e["message"].as_str().expect("message"),
        e["retryable"].as_bool().unwrap_or(false),
    )
}

/// The error of a call the local server answers with a gateway error carrying `code`.
async fn service_error(code: &str) -> Error {
    let body = format!(r#"{{"Code":"{code}","Message":"m","RequestId":"r-1"}}"#);
    let server = Server::scripted(vec![Reply::json(400, &body)]).await;
    let credentials = Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET);
    let client = client(&server, credentials, SignatureVersion::V3);
    restore_task(&client)
        .retry_config(RetryConfig::disabled())
        .send()
        .await
        .expect_err("refused")
}

#[test]
fn common_codes_are_the_service_table_in_spec_order() {
    let rows = spec_errors("service.json");
    assert_eq!(CommonErrorCode::ALL.len(), rows.len());
    for (code, e) in CommonErrorCode::ALL.iter().zip(&rows) {
        let (wire, status, message, retryable) = row(e);
        assert_eq!(code.code(), wire);
        assert_eq!(code.http_status(), status, "{wire}");
        assert_eq!(code.message(), message, "{wire}");
        assert_eq!(code.is_retryable(), retryable, "{wire}");
        assert_eq!(CommonErrorCode::from_code(wire), Some(*code));
        assert_eq!(code.to_string(), wire);
    }
    assert_eq!(CommonErrorCode::from_code("Request.Forbidden"), None);
    assert_eq!(CommonErrorCode::from_code("throttling"), None);
}

#[test]
fn an_operation_enum_holds_its_own_codes_and_reaches_the_common_ones() {
    for e in spec_errors("CreateRestoreTask.json") {
        let (wire, status, message, retryable) = row(&e);
        let code = CreateRestoreTaskErrorCode::from(wire);
        assert!(
            !matches!(
                code,
                CreateRestoreTaskErrorCode::Common(_) | CreateRestoreTaskErrorCode::Unknown(_)
            ),
            "{wire} is the operation's own"
        );
        assert_eq!(code.code(), wire);
        assert_eq!(code.http_status(), Some(status));
        assert_eq!(code.message(), Some(message));
        assert_eq!(code.is_retryable(), retryable);
    }
    assert_eq!(
        CreateRestoreTaskErrorCode::from("Request.Forbidden"),
        CreateRestoreTaskErrorCode::RequestForbidden
    );
    // A service-wide code is `Common`, not a copy in every operation's enum.
    let throttled = CreateRestoreTaskErrorCode::from("Throttling.User");
    assert_eq!(
        throttled,
        CreateRestoreTaskErrorCode::Common(CommonErrorCode::ThrottlingUser)
    );
    assert_eq!(throttled.http_status(), Some(400));
    assert!(throttled.is_retryable());
    // Anything else is kept as given, with no facts.
    let unknown = CreateRestoreTaskErrorCode::from("Some.NewCode");
    assert_eq!(
        unknown,
        CreateRestoreTaskErrorCode::Unknown("Some.NewCode".to_owned())
    );
    assert_eq!(unknown.code(), "Some.NewCode");
    assert_eq!(unknown.http_status(), None);
    assert!(!unknown.is_retryable());
}

#[tokio::test]
async fn an_errors_code_is_matched_in_one_expression() {
    let err = service_error("Throttling").await;
    assert!(matches!(
        err.code_as(),
        Some(CreateRestoreTaskErrorCode::Common(
            CommonErrorCode::Throttling
        ))
    ));
    assert_eq!(
        err.code_as::<CommonErrorCode>(),
        Some(CommonErrorCode::Throttling)
    );
    let forbidden = service_error("Request.Forbidden").await;
    assert_eq!(
        forbidden.code_as(),
        Some(CreateRestoreTaskErrorCode::RequestForbidden)
    );
    assert_eq!(forbidden.code_as::<CommonErrorCode>(), None);
    // Not a service error: no code at all.
    let config = Error::Config("no region".to_owned());
    assert_eq!(config.code_as::<CreateRestoreTaskErrorCode>(), None);
}

#[test]
fn the_retry_decision_for_a_code_is_the_tables() {
    let meta = operation("CreateRestoreTask").expect("the operation is registered");
    for e in spec_errors("service.json")
        .iter()
        .chain(&spec_errors("CreateRestoreTask.json"))
    {
        let (wire, _, _, retryable) = row(e);
        assert_eq!((meta.retryable_code)(wire), retryable, "{wire}");
        assert_eq!(
            dbs_api::__private::retryable_code::<CreateRestoreTaskErrorCode>(wire),
            retryable,
            "{wire}"
        );
    }
    // An undocumented sub-code takes its documented family's answer; other unknown codes are
    // not retried.
    assert!((meta.retryable_code)("Throttling.Tenant"));
    assert!(!(meta.retryable_code)("InvalidParameter.Foo"));
    assert!(!(meta.retryable_code)("Some.NewCode"));
    assert!(!(meta.retryable_code)(""));
}
