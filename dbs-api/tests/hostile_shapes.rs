//! A hostile trial of issue 10's surface: nested response types, typed JSON-string parameters,
//! `present` / `forbidden` rules and boolean parameters, as a hostile server and a careless user
//! meet them. Every outcome is a typed error (with status and RequestId where known) or a correct
//! value. Servers listen on 127.0.0.1 only.

mod support;

use std::time::Duration;

use dbs_api::{Client, Credentials, Error, RetryConfig, SignatureVersion, ValidationContext};
use dbs_tests::pairs;
use serde_json::{Value, json};
use support::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, Reply, Server};

fn v3(server: &Server) -> Client {
    Client::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
        .signature_version(SignatureVersion::V3)
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)))
        .build()
        .expect("a loopback client builds")
}

/// The official success example of an operation (from the metadata's `responseDemo`).
fn example(operation: &str) -> Value {
    let meta = dbs_api::operation(operation).expect("in the registry");
    serde_json::from_str(meta.example_response().expect("an example")).expect("JSON")
}

/// Finding 1, request side: serde's derived readers take a JSON array for a structure, member
/// by member in spec order, so `[["db"]]` was read as `[{"DBName":"db"}]` and sent, member
/// names and `deny_unknown_fields` bypassed. A structure is now read only from an object.
#[test]
fn a_structure_parameter_given_as_an_array_is_refused() {
    let meta = dbs_api::operation("ModifyBackupObjects").expect("in the registry");
    let context = ValidationContext::default();
    for objects in [
        r#"[["db"]]"#,
        r#"[["db", "schema", [["t1"]]]]"#,
        // The inner structure too: TableIncludes' items are structures.
        r#"[{"DBName":"db","TableIncludes":[["t1"]]}]"#,
    ] {
        let params = pairs(&[
            ("BackupPlanId", "dbs1hvb0ww****"),
            ("BackupObjects", objects),
        ]);
        let error = (meta.prepare)(&params, &context).expect_err(objects);
        let text = error.to_string();
        assert!(
            text.contains("BackupObjects: must be JSON of the documented shape")
                && text.contains("expected struct BackupObject"),
            "{objects}: {text}"
        );
    }
    // The object form of the same value still reads, and is sent as one JSON text.
    let params = pairs(&[
        ("BackupPlanId", "dbs1hvb0ww****"),
        (
            "BackupObjects",
            r#"[{"DBName":"db","TableIncludes":[{"TableName":"t1"}]}]"#,
        ),
    ]);
    let wire = (meta.prepare)(&params, &context).expect("valid");
    let sent = wire
        .iter()
        .find(|p| p.name == "BackupObjects")
        .expect("sent");
    assert_eq!(
        sent.value,
        r#"[{"DBName":"db","TableIncludes":[{"TableName":"t1"}]}]"#
    );
}

/// Finding 1, response side: `Items: [[{...}]]` (an array where the reference has an object)
/// was read as `Items: {"RestoreTaskDetail": [{...}]}`, and an item `["r1", ...]` as a
/// structure of positional members. Both are now an undecodable answer, with its status and
/// RequestId, through the typed call and the registry's.
#[tokio::test]
async fn a_response_structure_sent_as_an_array_is_an_unexpected_response() {
    let mut body = example("DescribeRestoreTaskList");
    let items = body["Items"].clone();
    for wrong in [
        json!([items["RestoreTaskDetail"]]),
        json!({"RestoreTaskDetail": [["s1XXXXXX", "test"]]}),
    ] {
        body["Items"] = wrong.clone();
        let text = body.to_string();
        let server = Server::scripted(vec![Reply::json(200, &text), Reply::json(200, &text)]).await;
        let client = v3(&server);
        let error = client
            .describe_restore_task_list()
            .backup_plan_id("dbs1hvb0ww****")
            .send()
            .await
            .expect_err("an array is not a structure");
        match &error {
            Error::UnexpectedResponse {
                status: 200,
                request_id,
                snippet,
                ..
            } => {
                assert_eq!(
                    request_id.as_deref(),
                    Some("9C397502-B4F2-4E22-AD97-C81F0049F3F3")
                );
                assert!(snippet.contains("invalid type: sequence"), "{snippet}");
            }
            other => panic!("{wrong}: {other:?}"),
        }
        let meta = dbs_api::operation("DescribeRestoreTaskList").expect("in the registry");
        let params = pairs(&[("BackupPlanId", "dbs1hvb0ww****")]);
        let error = client
            .call(meta, &params, None)
            .await
            .expect_err("the registry path too");
        assert!(
            matches!(error, Error::UnexpectedResponse { status: 200, .. }),
            "{error:?}"
        );
    }
    // The registry's decoder refuses an answer that is not an object at all.
    let meta = dbs_api::operation("DescribeRestoreTaskList").expect("in the registry");
    assert!((meta.decode_output)(&json!([200])).is_err());
    assert!((meta.decode_output)(&example("DescribeRestoreTaskList")).is_ok());
}

/// Finding 2: an answer that does not fit quoted serde's message whole, and the lenient readers
/// put the whole offending value in it (`expected a string, found [0,0,...]`): a field sent as
/// a 1 MB array made a 2 MB error. The message is cut as a body snippet is.
#[tokio::test]
async fn an_undecodable_answer_makes_a_short_error() {
    // Under `MAX_RESPONSE_JSON_MARKS`, so the answer is read and fails to decode.
    let huge = vec![0; 150_000];
    let body = json!({"Success": true, "RequestId": "q1", "RestoreTaskId": huge}).to_string();
    let server = Server::scripted(vec![Reply::json(200, &body)]).await;
    let error = support::restore_task(&v3(&server))
        .send()
        .await
        .expect_err("an array is not an id");
    assert!(
        matches!(&error, Error::UnexpectedResponse { status: 200, request_id: Some(id), .. } if id == "q1"),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(shown.len() < 2_000, "{} bytes", shown.len());
    assert!(shown.contains("expected a string"), "{shown}");
}

/// Held: InitializeDbsServiceLinkedRole's own answer shape (`Success` a string, the code in
/// `ErrorCode`): `"false"` in any case is a service error with its code, status and RequestId;
/// the official example (`"true"` with `EntityAlreadyExists.Role`) is a success.
#[tokio::test]
async fn a_string_success_false_is_a_service_error_and_the_example_a_success() {
    for success in [r#""false""#, r#""FALSE""#, r#"" False ""#, "false"] {
        let body = format!(
            r#"{{"Success":{success},"ErrorCode":"Forbidden.RAM","ErrMessage":"no","RequestId":"q2","Data":"null"}}"#
        );
        let server = Server::scripted(vec![Reply::json(200, &body)]).await;
        let error = v3(&server)
            .initialize_dbs_service_linked_role()
            .send()
            .await
            .expect_err(success);
        let Error::Service(service) = &error else {
            panic!("{success}: {error:?}")
        };
        assert_eq!(
            (
                service.code.as_str(),
                service.http_status,
                service.request_id.as_deref()
            ),
            ("Forbidden.RAM", 200, Some("q2")),
            "{success}"
        );
    }
    let body = example("InitializeDbsServiceLinkedRole").to_string();
    let server = Server::scripted(vec![Reply::json(200, &body)]).await;
    let output = v3(&server)
        .initialize_dbs_service_linked_role()
        .send()
        .await
        .expect("the official example is a success");
    assert_eq!(
        (output.success.as_deref(), output.error_code.as_deref()),
        (Some("true"), Some("EntityAlreadyExists.Role"))
    );
}

/// Held: odd values at depth read as the reference allows or fail the answer as a typed error;
/// none is silently turned into another value.
#[test]
fn odd_values_at_depth_read_exactly_or_fail() {
    let meta = dbs_api::operation("DescribeRestoreTaskList").expect("in the registry");
    let with = |field: &str, value: Value| {
        let mut body = example("DescribeRestoreTaskList");
        body["Items"]["RestoreTaskDetail"][0][field] = value;
        (meta.decode_output)(&body).map(|out| out["Items"]["RestoreTaskDetail"][0][field].clone())
    };
    // Enums: any ASCII case reads as the spec's spelling; anything else is kept exactly.
    assert_eq!(
        with("RestoreStatus", json!("RUNNING")).ok(),
        Some(json!("running"))
    );
    for kept in [" running", "running\u{1b}[2J", "run\u{0}ning"] {
        assert_eq!(with("RestoreStatus", json!(kept)).ok(), Some(json!(kept)));
    }
    let huge = "x".repeat(100_000);
    assert_eq!(with("RestoreStatus", json!(huge)).ok(), Some(json!(huge)));
    // Integers: int64 exact from a string, the rest refused.
    assert_eq!(
        with("BackupGatewayId", json!("9007199254740993")).ok(),
        Some(json!(9_007_199_254_740_993_i64))
    );
    for bad in [
        json!("12abc"),
        json!("9223372036854775808"),
        json!(18_446_744_073_709_551_615_u64),
        json!(1e300),
        json!([1]),
        json!({"a": 1}),
        json!(true),
    ] {
        assert!(with("BackupGatewayId", bad.clone()).is_err(), "{bad}");
    }
    for bad in [json!("2147483648"), json!(2_147_483_648_i64), json!(1.5)] {
        assert!(
            with("FullDataRestoreProgress", bad.clone()).is_err(),
            "{bad}"
        );
    }
    // `null` is a missing field; an enum that is not text fails the answer.
    assert_eq!(with("RestoreStatus", Value::Null).ok(), Some(Value::Null));
    assert!(with("RestoreStatus", json!(1)).is_err());
    // Booleans: only true/false, as JSON or as text in any case.
    let mut body = example("DescribeRestoreTaskList");
    for (sent, read) in [(json!("TRUE"), Some(true)), (json!(" false "), Some(false))] {
        body["Success"] = sent;
        assert_eq!(
            (meta.decode_output)(&body)
                .ok()
                .map(|out| out["Success"].clone()),
            read.map(Value::from)
        );
    }
    for bad in [json!(1), json!("yes"), json!("1")] {
        body["Success"] = bad.clone();
        assert!((meta.decode_output)(&body).is_err(), "{bad}");
    }
    // An object where the list is: refused, not read as one item.
    let mut body = example("DescribeRestoreTaskList");
    body["Items"]["RestoreTaskDetail"] = json!({"RestoreTaskId": "s1"});
    assert!((meta.decode_output)(&body).is_err());
}

/// Held: every operation's official example decodes, and every list operation's pagination
/// names fields that are there in it: the item list at `items` and integer totals.
#[test]
fn every_example_decodes_and_pagination_paths_resolve() {
    for meta in dbs_api::OPERATIONS {
        let body = example(meta.name);
        let out = (meta.decode_output)(&body).unwrap_or_else(|e| panic!("{}: {e}", meta.name));
        let Some(pages) = meta.pagination else {
            continue;
        };
        let items = pages
            .items
            .split('.')
            .try_fold(&out, |value, name| value.get(name))
            .unwrap_or_else(|| panic!("{}: {} not in the example", meta.name, pages.items));
        assert!(items.is_array(), "{}: {items}", meta.name);
        for total in [pages.total_pages, pages.total_items].into_iter().flatten() {
            assert!(
                out[total].is_i64(),
                "{}: {total} = {}",
                meta.name,
                out[total]
            );
        }
    }
}

/// Held: boolean parameters given as text through the registry read `true`/`false` in any
/// case (and a `param ... in ["true"]` rule follows the value); anything else is refused by
/// name, nothing sent.
#[tokio::test]
async fn boolean_parameters_as_text_through_the_registry() {
    let meta = dbs_api::operation("ModifyBackupSetDownloadRules").expect("in the registry");
    let server = Server::scripted(vec![]).await;
    let client = v3(&server);
    for text in ["1", "yes", "", "on"] {
        let params = pairs(&[
            ("BackupPlanId", "dbs1hvb0ww****"),
            ("OpenAutoDownload", text),
        ]);
        let error = client.call(meta, &params, None).await.expect_err(text);
        assert!(!error.was_sent(), "{text}");
        assert!(
            error
                .to_string()
                .contains("OpenAutoDownload: must be true or false"),
            "{text}: {error}"
        );
    }
    let params = pairs(&[
        ("BackupPlanId", "dbs1hvb0ww****"),
        ("OpenAutoDownload", "TRUE"),
    ]);
    let error = client.call(meta, &params, None).await.expect_err("R1");
    assert!(error.to_string().contains("[MBSDR-R1]"), "{error}");
    assert!(server.requests().is_empty());
}

/// Finding 3: a registry call ignored names that are not parameters of the operation, as a
/// server reads pairs: a misspelt optional parameter (`PageSze`, `backupplanid`) was left out
/// and the call sent without it. Now each is a validation error, reported with the rest,
/// suggesting the spelling it matches in another case; nothing is sent.
#[tokio::test]
async fn a_registry_call_refuses_names_that_are_not_parameters() {
    let meta = dbs_api::operation("DescribeRestoreTaskList").expect("in the registry");
    let server = Server::scripted(vec![]).await;
    let client = v3(&server);
    let params = pairs(&[
        ("BackupPlanId", "dbs1hvb0ww****"),
        ("PageSze", "50"),
        ("pagenum", "1"),
        ("PageSize", "0"),
    ]);
    let error = client
        .call(meta, &params, None)
        .await
        .expect_err("misspelt");
    assert!(!error.was_sent());
    let Error::Validation(validation) = &error else {
        panic!("{error:?}")
    };
    let found: Vec<(&str, &str)> = validation
        .violations()
        .iter()
        .map(|v| (v.parameter(), v.rule()))
        .collect();
    assert_eq!(
        found,
        [
            ("PageSze", "not a parameter of this operation"),
            (
                "pagenum",
                "not a parameter of this operation; did you mean PageNum?"
            ),
            ("PageSize", "must be between 1 and 100, got 0"),
        ]
    );
    let error = client
        .dry_run(meta, &pairs(&[("BackupPlanID", "p")]), None)
        .await
        .expect_err("misspelt");
    assert!(
        error.to_string().contains(
            "BackupPlanID: not a parameter of this operation; did you mean BackupPlanId?"
        ),
        "{error}"
    );
    assert!(server.requests().is_empty());
    // Every name the registry lists is accepted.
    let every: Vec<(String, String)> = meta
        .params
        .iter()
        .map(|p| (p.name().to_owned(), p.example.unwrap_or("1").to_owned()))
        .collect();
    if let Err(Error::Validation(v)) = client.dry_run(meta, &every, None).await {
        assert!(
            v.violations()
                .iter()
                .all(|v| !v.rule().starts_with("not a parameter")),
            "{v}"
        );
    }
}

/// Finding 4: the byte limit did not bound what an answer costs. A 10 MB body of
/// `{"Items":{"RestoreTaskDetail":[{},{},…]}}` decoded into 3.3 million structures of 504 bytes:
/// 1.8 GB resident from one call. An answer with more JSON structure marks than
/// `MAX_RESPONSE_JSON_MARKS` is now refused before it is parsed; a full page of real items,
/// and text that merely contains commas, still read.
#[tokio::test]
async fn an_answer_of_countless_tiny_structures_is_refused_before_decoding() {
    let items = vec![json!({}); dbs_api::client::MAX_RESPONSE_JSON_MARKS / 2 + 1];
    let body = json!({"Success": true, "Items": {"RestoreTaskDetail": items}}).to_string();
    assert!(body.len() < 1_000_000, "well under the byte limit");
    let server = Server::scripted(vec![
        Reply::json(200, &body).header("x-acs-request-id", "q3"),
    ])
    .await;
    let error = v3(&server)
        .describe_restore_task_list()
        .backup_plan_id("dbs1hvb0ww****")
        .send()
        .await
        .expect_err("too many values");
    match &error {
        Error::UnexpectedResponse {
            status: 200,
            request_id,
            snippet,
            ..
        } => {
            assert_eq!(request_id.as_deref(), Some("q3"));
            assert!(snippet.contains("JSON values; not read"), "{snippet}");
        }
        other => panic!("{other:?}"),
    }

    // A full page of the official item (PageSize is at most 100), and a field whose text is
    // all commas and colons, read as before.
    let mut body = example("DescribeRestoreTaskList");
    let item = body["Items"]["RestoreTaskDetail"][0].clone();
    body["Items"]["RestoreTaskDetail"] = Value::Array(vec![item; 100]);
    body["ErrMessage"] = json!(",:{[".repeat(200_000));
    let server = Server::scripted(vec![Reply::json(200, &body.to_string())]).await;
    let output = v3(&server)
        .describe_restore_task_list()
        .backup_plan_id("dbs1hvb0ww****")
        .send()
        .await
        .expect("a real page");
    let page = output.items.and_then(|items| items.restore_task_detail);
    assert_eq!(page.map(|items| items.len()), Some(100));
}

/// Finding 5: a string field sent as a bare integer past `u64` (an ID the server forgot to
/// quote) was read through a float and kept as different text: `123456789012345678901234`
/// became `"1.2345678901234568e23"`, a silently wrong ID. It is now an undecodable answer;
/// integers that fit read as their exact digits.
#[tokio::test]
async fn an_id_sent_as_a_huge_bare_number_is_not_misread() {
    let body = r#"{"Success":true,"RequestId":"q4","RestoreTaskId":123456789012345678901234}"#;
    let server = Server::scripted(vec![Reply::json(200, body)]).await;
    let error = support::restore_task(&v3(&server))
        .send()
        .await
        .expect_err("not exact");
    assert!(
        matches!(&error, Error::UnexpectedResponse { status: 200, request_id: Some(id), .. } if id == "q4"),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("too large to read exactly"),
        "{error}"
    );

    let meta = dbs_api::operation("CreateRestoreTask").expect("in the registry");
    for (sent, read) in [
        (
            json!(18_446_744_073_709_551_615_u64),
            "18446744073709551615",
        ),
        (
            json!(-9_223_372_036_854_775_808_i64),
            "-9223372036854775808",
        ),
        (json!(12.5), "12.5"),
    ] {
        let out = (meta.decode_output)(&json!({"RestoreTaskId": sent})).expect("exact");
        assert_eq!(out["RestoreTaskId"], read);
    }
    let big: Value = serde_json::from_str(r#"{"RestoreTaskId": 1e300}"#).expect("JSON");
    assert!((meta.decode_output)(&big).is_err());
}

/// Held: bodies no JSON reader can take (a number past f64 deep in an item, nesting far past
/// any answer's) are unexpected responses with their status, not panics; a duplicate key is
/// read once, the same way for success and for the output (the last one wins).
#[tokio::test]
async fn unreadable_bodies_are_unexpected_responses_and_duplicates_read_once() {
    let mut far = example("DescribeRestoreTaskList").to_string();
    far = far.replacen("324234332", "1e400", 1);
    let deep = format!(
        r#"{{"Success":true,"Items":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    for body in [far, deep] {
        let server = Server::scripted(vec![Reply::json(200, &body)]).await;
        let error = v3(&server)
            .describe_restore_task_list()
            .backup_plan_id("dbs1hvb0ww****")
            .send()
            .await
            .expect_err("unreadable");
        assert!(
            matches!(error, Error::UnexpectedResponse { status: 200, .. }),
            "{error:?}"
        );
    }
    let body =
        r#"{"Success":false,"ErrCode":"X","Success":true,"TotalElements":1,"TotalElements":"2"}"#;
    let server = Server::scripted(vec![Reply::json(200, body)]).await;
    let output = v3(&server)
        .describe_restore_task_list()
        .backup_plan_id("dbs1hvb0ww****")
        .send()
        .await
        .expect("the last Success wins");
    assert_eq!(
        (output.success, output.total_elements),
        (Some(true), Some(2))
    );
}
