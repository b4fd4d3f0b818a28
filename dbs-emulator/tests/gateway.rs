//! The gateway: V1 and V3 signatures with parameters in the query, the body or both, and every
//! gateway error, in the gateway's order.

mod common;

use common::*;
use dbs_tests::signer::timestamp as format_timestamp;

#[tokio::test]
async fn v1_succeeds_with_parameters_in_query_body_or_both_and_any_method() {
    let emulator = start().await;
    let url = emulator.url();
    for placement in [Placement::Query, Placement::Body, Placement::Both] {
        let raw = V1::new(rds_params(), placement).build();
        assert_success(&send(&url, &raw).await);
    }
    // The method is signed as received.
    let raw = V1::new(rds_params(), Placement::Query)
        .method("GET")
        .build();
    assert_success(&send(&url, &raw).await);

    let state = emulator.state();
    assert_eq!(state.restore_tasks.len(), 4);
    assert_eq!(state.requests.get(ACTION), Some(&4));
    let task = &state.restore_tasks[0];
    assert_eq!(task.backup_plan_id, "dbsdemomysql01");
    assert_eq!(task.restore_task_name, "restore orders*");
    assert_eq!(task.restore_status, "init");
    assert_eq!(
        task.parameters.get("RestoreObjects").map(String::as_str),
        Some(r#"[{"DBName":"orders","NewDBName":"orders_copy"}]"#)
    );
    assert!(!task.parameters.contains_key("DestinationEndpointPassword"));
    assert!(!task.parameters.contains_key("Signature"));
}

#[tokio::test]
async fn v1_accepts_plus_for_space_in_the_query_as_the_official_sdk_sends_it() {
    let emulator = start().await;
    let mut raw = V1::new(rds_params(), Placement::Query).build();
    assert!(raw.query.contains("%20"));
    raw.query = raw.query.replace("%20", "+");
    assert_success(&send(&emulator.url(), &raw).await);
    assert_eq!(
        emulator.state().restore_tasks[0].restore_task_name,
        "restore orders*"
    );
}

#[tokio::test]
async fn v3_succeeds_with_parameters_in_query_body_or_both() {
    let emulator = start().await;
    let url = emulator.url();
    let params = rds_params();
    let (first, rest) = params.split_at(3);
    let cases = [
        (rds_params(), vec![]),
        (vec![], rds_params()),
        (first.to_vec(), rest.to_vec()),
    ];
    for (query, body) in cases {
        let raw = V3::new(&url, query, body).build();
        assert_success(&send(&url, &raw).await);
    }
    // Extra signed headers (the official SDK signs accept, user-agent and more) are fine.
    let mut v3 =
        V3::new(&url, rds_params(), vec![]).header("x-acs-credentials-provider", "static_ak");
    v3.headers
        .push(("accept".to_owned(), "application/json".to_owned()));
    assert_success(&send(&url, &v3.build()).await);
    assert_eq!(emulator.state().restore_tasks.len(), 4);
}

#[tokio::test]
async fn missing_common_parameters_are_named() {
    let emulator = start().await;
    let url = emulator.url();
    for name in [
        "Action",
        "Version",
        "AccessKeyId",
        "Timestamp",
        "SignatureNonce",
    ] {
        let raw = V1::new(rds_params(), Placement::Query).remove(name).build();
        let answer = send(&url, &raw).await;
        assert_gateway_error(&answer, 400, "MissingParameter", &url);
        assert!(
            answer.message().contains(&format!("\"{name}\"")),
            "{}",
            answer.text
        );
    }
    for name in [
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
    ] {
        let raw = V3::new(&url, rds_params(), vec![])
            .without_header(name)
            .build();
        let answer = send(&url, &raw).await;
        assert_gateway_error(&answer, 400, "MissingParameter", &url);
        assert!(
            answer.message().contains(&format!("\"{name}\"")),
            "{}",
            answer.text
        );
    }
    // A bare request names the first missing parameter.
    let (status, body) = raw_http(&url, "GET / HTTP/1.1", b"").await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("MissingParameter"))
    );
    assert!(
        body["Message"]
            .as_str()
            .is_some_and(|m| m.contains("\"Action\""))
    );
}

#[tokio::test]
async fn version_and_action_are_checked() {
    let emulator = start().await;
    let url = emulator.url();
    let raw = V1::new(rds_params(), Placement::Query)
        .set("Version", "2021-01-01")
        .build();
    assert_gateway_error(&send(&url, &raw).await, 400, "InvalidVersion", &url);
    let raw = V1::new(rds_params(), Placement::Query)
        .set("Action", "DeleteEverything")
        .build();
    assert_gateway_error(&send(&url, &raw).await, 404, "InvalidAction.NotFound", &url);
    let raw = V3::new(&url, rds_params(), vec![])
        .header("x-acs-action", "DeleteEverything")
        .build();
    assert_gateway_error(&send(&url, &raw).await, 404, "InvalidAction.NotFound", &url);
    let raw = V3::new(&url, rds_params(), vec![])
        .header("x-acs-version", "2021-01-01")
        .build();
    assert_gateway_error(&send(&url, &raw).await, 400, "InvalidVersion", &url);
    // Unknown actions are counted too.
    assert_eq!(emulator.state().requests.get("DeleteEverything"), Some(&2));
}

#[tokio::test]
async fn unknown_access_keys_are_not_found_and_configured_keys_replace_the_demo_account() {
    let emulator = start().await;
    let url = emulator.url();
    let raw = V1::new(rds_params(), Placement::Query)
        .set("AccessKeyId", "nobody")
        .build();
    assert_gateway_error(
        &send(&url, &raw).await,
        404,
        "InvalidAccessKeyId.NotFound",
        &url,
    );
    let mut v3 = V3::new(&url, rds_params(), vec![]);
    v3.access_key_id = "nobody".to_owned();
    assert_gateway_error(
        &send(&url, &v3.build()).await,
        404,
        "InvalidAccessKeyId.NotFound",
        &url,
    );

    let emulator = start_with(
        dbs_emulator::EmulatorConfig::default()
            .access_key(dbs_emulator::AccessKey::new("ci", "ci-secret")),
    )
    .await;
    let url = emulator.url();
    assert_eq!(
        (emulator.access_key_id(), emulator.access_key_secret()),
        ("ci", "ci-secret")
    );
    let raw = V1::new(rds_params(), Placement::Query).build();
    assert_gateway_error(
        &send(&url, &raw).await,
        404,
        "InvalidAccessKeyId.NotFound",
        &url,
    );
    let raw = V1::new(rds_params(), Placement::Query)
        .set("AccessKeyId", "ci")
        .secret("ci-secret")
        .build();
    assert_success(&send(&url, &raw).await);
}

#[tokio::test]
async fn timestamps_must_be_well_formed_and_within_fifteen_minutes() {
    let emulator = start().await;
    let url = emulator.url();
    let now = time::OffsetDateTime::now_utc();
    for bad in [
        "2026/01/01 00:00:00",
        "2026-01-01T00:00:00.123Z",
        "yesterday",
    ] {
        let raw = V1::new(rds_params(), Placement::Query)
            .set("Timestamp", bad)
            .build();
        assert_gateway_error(
            &send(&url, &raw).await,
            400,
            "InvalidTimeStamp.Format",
            &url,
        );
    }
    for skew in [time::Duration::minutes(-20), time::Duration::minutes(20)] {
        let at = format_timestamp(now + skew);
        let raw = V1::new(rds_params(), Placement::Query)
            .set("Timestamp", &at)
            .build();
        let answer = send(&url, &raw).await;
        assert_gateway_error(&answer, 400, "InvalidTimeStamp.Expired", &url);
        assert!(answer.message().contains("15 minutes"), "{}", answer.text);
        let raw = V3::new(&url, rds_params(), vec![])
            .header("x-acs-date", &at)
            .build();
        assert_gateway_error(
            &send(&url, &raw).await,
            400,
            "InvalidTimeStamp.Expired",
            &url,
        );
    }
    let raw = V3::new(&url, rds_params(), vec![])
        .header("x-acs-date", "1700000000")
        .build();
    assert_gateway_error(
        &send(&url, &raw).await,
        400,
        "InvalidTimeStamp.Format",
        &url,
    );
    // Ten minutes off is within the window.
    let at = format_timestamp(now - time::Duration::minutes(10));
    let raw = V1::new(rds_params(), Placement::Query)
        .set("Timestamp", &at)
        .build();
    assert_success(&send(&url, &raw).await);
}

#[tokio::test]
async fn incomplete_v1_signatures_are_rejected() {
    let emulator = start().await;
    let url = emulator.url();
    let cases = [
        V1::new(rds_params(), Placement::Query).remove("SignatureMethod"),
        V1::new(rds_params(), Placement::Query).set("SignatureMethod", "HMAC-SHA256"),
        V1::new(rds_params(), Placement::Query).remove("SignatureVersion"),
        V1::new(rds_params(), Placement::Query).set("SignatureVersion", "2.0"),
    ];
    for v1 in cases {
        assert_gateway_error(
            &send(&url, &v1.build()).await,
            400,
            "IncompleteSignature",
            &url,
        );
    }
    let mut raw = V1::new(rds_params(), Placement::Query).build();
    raw.query = raw
        .query
        .split('&')
        .filter(|pair| !pair.starts_with("Signature="))
        .collect::<Vec<_>>()
        .join("&");
    let answer = send(&url, &raw).await;
    assert_gateway_error(&answer, 400, "IncompleteSignature", &url);
    assert!(
        answer.message().contains("Signature parameter is missing"),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn incomplete_v3_signatures_are_rejected() {
    let emulator = start().await;
    let url = emulator.url();
    let mut malformed = V3::new(&url, rds_params(), vec![]);
    malformed.tamper = pairs(&[("authorization", "ACS3-HMAC-SHA256 Credential=testid")]);
    let mut sm3 = V3::new(&url, rds_params(), vec![]);
    sm3.algorithm = "ACS3-HMAC-SM3".to_owned();
    let mut host_unsigned = V3::new(&url, rds_params(), vec![]);
    host_unsigned.unsigned = vec!["host".to_owned()];
    let mut date_unsigned = V3::new(&url, rds_params(), vec![]);
    date_unsigned.unsigned = vec!["x-acs-date".to_owned()];
    let mut hash_missing = V3::new(&url, rds_params(), vec![]);
    hash_missing.unsigned = vec!["x-acs-content-sha256".to_owned()];
    hash_missing.tamper = pairs(&[("x-acs-content-sha256", "")]);
    for (v3, expected) in [
        (malformed, "Authorization header is not"),
        (sm3, "ACS3-HMAC-SM3"),
        (host_unsigned, "must include host"),
        (date_unsigned, "x-acs-date is not signed"),
        (hash_missing, "x-acs-content-sha256"),
    ] {
        let answer = send(&url, &v3.build()).await;
        assert_gateway_error(&answer, 400, "IncompleteSignature", &url);
        assert!(
            answer.message().contains(expected),
            "{expected}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn wrong_signatures_echo_the_server_string_to_sign() {
    let emulator = start().await;
    let url = emulator.url();
    let prefix =
        "Specified signature is not matched with our calculation. server string to sign is:";
    for placement in [Placement::Query, Placement::Body, Placement::Both] {
        let raw = V1::new(rds_params(), placement).secret("wrong").build();
        let answer = send(&url, &raw).await;
        assert_gateway_error(&answer, 400, "SignatureDoesNotMatch", &url);
        // Same parameters, wrong secret: the server's text is the client's.
        assert_eq!(answer.message(), format!("{prefix}{}", raw.string_to_sign));
    }
    // Signed as POST, sent as GET: the texts differ in the method.
    let mut raw = V1::new(rds_params(), Placement::Query).build();
    raw.method = "GET".to_owned();
    let answer = send(&url, &raw).await;
    assert_gateway_error(&answer, 400, "SignatureDoesNotMatch", &url);
    assert!(answer.message().contains("is:GET&%2F&"), "{}", answer.text);

    let mut v3 = V3::new(&url, vec![], rds_params());
    v3.secret = "wrong".to_owned();
    let raw = v3.build();
    let answer = send(&url, &raw).await;
    assert_gateway_error(&answer, 400, "SignatureDoesNotMatch", &url);
    assert_eq!(answer.message(), format!("{prefix}{}", raw.string_to_sign));

    // A body changed after signing: the content hash no longer matches.
    let mut raw = V3::new(&url, vec![], rds_params()).build();
    raw.body.extend_from_slice(b"&OwnerId=1");
    let answer = send(&url, &raw).await;
    assert_gateway_error(&answer, 400, "SignatureDoesNotMatch", &url);
    assert!(
        answer
            .message()
            .contains("x-acs-content-sha256 header is not the SHA-256 of the body")
    );
    assert!(emulator.state().restore_tasks.is_empty());
}

#[tokio::test]
async fn a_nonce_is_used_once_and_only_recorded_after_a_valid_signature() {
    let emulator = start().await;
    let url = emulator.url();
    let v1 = V1::new(rds_params(), Placement::Query);
    // A bad signature does not use up the nonce...
    assert_gateway_error(
        &send(&url, &v1.clone().secret("wrong").build()).await,
        400,
        "SignatureDoesNotMatch",
        &url,
    );
    // ...so the good request with it succeeds, and a replay does not.
    let raw = v1.build();
    assert_success(&send(&url, &raw).await);
    assert_gateway_error(&send(&url, &raw).await, 400, "SignatureNonceUsed", &url);

    let raw = V3::new(&url, rds_params(), vec![]).build();
    assert_success(&send(&url, &raw).await);
    assert_gateway_error(&send(&url, &raw).await, 400, "SignatureNonceUsed", &url);
    assert_eq!(emulator.state().restore_tasks.len(), 2);
    assert_eq!(emulator.state().requests.get(ACTION), Some(&5));
}

#[tokio::test]
async fn a_nonce_is_used_once_across_access_keys_and_signature_versions() {
    // "SignatureNonce must not repeat within 31 minutes, globally" (api-docs 5.4, from the
    // OpenAPI portal's duty group): not per AccessKey, not per signature version.
    let emulator = start_with(
        dbs_emulator::EmulatorConfig::default()
            .access_key(dbs_emulator::AccessKey::new("ak-one", "secret-one"))
            .access_key(dbs_emulator::AccessKey::new("ak-two", "secret-two")),
    )
    .await;
    let url = emulator.url();
    let v1 = |nonce: &str, key: &str, secret: &str| {
        V1::new(rds_params(), Placement::Body)
            .set("SignatureNonce", nonce)
            .set("AccessKeyId", key)
            .secret(secret)
            .build()
    };
    let v3 = |nonce: &str, key: &str, secret: &str| {
        let mut v3 = V3::new(&url, vec![], rds_params()).header("x-acs-signature-nonce", nonce);
        v3.access_key_id = key.to_owned();
        v3.secret = secret.to_owned();
        v3.build()
    };
    let nonce = dbs_tests::signer::nonce();
    assert_success(&send(&url, &v1(&nonce, "ak-one", "secret-one")).await);
    for raw in [
        v1(&nonce, "ak-two", "secret-two"),
        v3(&nonce, "ak-one", "secret-one"),
        v3(&nonce, "ak-two", "secret-two"),
    ] {
        assert_gateway_error(&send(&url, &raw).await, 400, "SignatureNonceUsed", &url);
    }
    // First used by V3, then refused to V1.
    let nonce = dbs_tests::signer::nonce();
    assert_success(&send(&url, &v3(&nonce, "ak-two", "secret-two")).await);
    let answer = send(&url, &v1(&nonce, "ak-one", "secret-one")).await;
    assert_gateway_error(&answer, 400, "SignatureNonceUsed", &url);
    assert_eq!(emulator.state().restore_tasks.len(), 2);
}

/// The request with `x-acs-signature-nonce` sent as the given values, one header each, in
/// that order (the rest as it was signed).
fn with_nonce_headers(raw: &Raw, values: &[&str]) -> Raw {
    let mut raw = raw.clone();
    raw.headers
        .retain(|(name, _)| name != "x-acs-signature-nonce");
    for value in values {
        raw.headers
            .push(("x-acs-signature-nonce".to_owned(), (*value).to_owned()));
    }
    raw
}

#[tokio::test]
async fn a_v3_nonce_split_or_reordered_across_repeated_headers_is_still_the_used_nonce() {
    // V3 signs a repeated header as its values sorted and joined with `,` (the official
    // signer's get_canonicalized_headers): `n: a,b`, `n: a` + `n: b` and `n: b` + `n: a` are
    // one signed text. The nonce is what was signed, so none of them is a fresh nonce.
    let emulator = start().await;
    let url = emulator.url();
    let raw = V3::new(&url, rds_params(), vec![])
        .header("x-acs-signature-nonce", "first-half,second-half")
        .build();
    assert_success(&send(&url, &raw).await);
    for values in [
        &["first-half", "second-half"][..],
        &["second-half", "first-half"],
        &["first-half,second-half"],
    ] {
        let replay = with_nonce_headers(&raw, values);
        assert_gateway_error(&send(&url, &replay).await, 400, "SignatureNonceUsed", &url);
    }
    // Sent first as two headers (signed in sorted order, as the official signer does), the same
    // holds the other way round.
    let nonce = format!("{}-a", dbs_tests::signer::nonce());
    let (low, high) = (format!("{nonce}1"), format!("{nonce}2"));
    let mut signer = V3::new(&url, rds_params(), vec![]).without_header("x-acs-signature-nonce");
    signer
        .headers
        .push(("x-acs-signature-nonce".to_owned(), low.clone()));
    signer
        .headers
        .push(("x-acs-signature-nonce".to_owned(), high.clone()));
    let raw = signer.build();
    assert_success(&send(&url, &raw).await);
    let joined = format!("{low},{high}");
    for values in [&[high.as_str(), low.as_str()][..], &[joined.as_str()]] {
        let replay = with_nonce_headers(&raw, values);
        assert_gateway_error(&send(&url, &replay).await, 400, "SignatureNonceUsed", &url);
    }
    assert_eq!(emulator.state().restore_tasks.len(), 2);
}

#[tokio::test]
async fn a_v3_date_given_twice_is_not_a_timestamp() {
    // Signed as one value, `a,b` (sorted), which is no timestamp. Read as its first value, a
    // request sent with a date at the far edge of the window and a recent one could be sent
    // again with the two swapped, past its nonce's expiry, and pass.
    let emulator = start().await;
    let url = emulator.url();
    let edge = format_timestamp(time::OffsetDateTime::now_utc() - time::Duration::seconds(890));
    let mut v3 = V3::new(&url, rds_params(), vec![]).without_header("x-acs-date");
    v3.headers.push(("x-acs-date".to_owned(), edge));
    v3.headers.push(("x-acs-date".to_owned(), now()));
    let answer = send(&url, &v3.build()).await;
    assert_gateway_error(&answer, 400, "InvalidTimeStamp.Format", &url);
    assert!(emulator.state().restore_tasks.is_empty());
}

#[tokio::test]
async fn checks_run_in_the_gateway_order() {
    let emulator = start().await;
    let url = emulator.url();
    let old = format_timestamp(time::OffsetDateTime::now_utc() - time::Duration::hours(1));
    let everything_wrong = V1::new(rds_params(), Placement::Query)
        .set("Version", "1999-01-01")
        .set("AccessKeyId", "nobody")
        .set("Timestamp", &old)
        .secret("wrong");
    let now = now();
    let steps = [
        ("Version", VERSION, "InvalidVersion"),
        ("AccessKeyId", "testid", "InvalidAccessKeyId.NotFound"),
        ("Timestamp", now.as_str(), "InvalidTimeStamp.Expired"),
    ];
    let mut v1 = everything_wrong.clone().remove("SignatureNonce");
    let answer = send(&url, &v1.build()).await;
    assert_eq!(answer.code(), "MissingParameter");
    v1 = everything_wrong;
    for (name, fix, code_before_fix) in steps {
        assert_eq!(send(&url, &v1.build()).await.code(), code_before_fix);
        v1 = v1.set(name, fix);
    }
    assert_eq!(
        send(&url, &v1.build()).await.code(),
        "SignatureDoesNotMatch"
    );
    // Gateway errors come before business validation.
    let mut params = rds_params();
    set(&mut params, "BackupPlanId", "nope");
    let raw = V1::new(params, Placement::Query).secret("wrong").build();
    assert_eq!(send(&url, &raw).await.code(), "SignatureDoesNotMatch");
}

/// Asserts `InvalidParameter` (400, gateway shape) naming `name` as repeated.
fn assert_repeated(answer: &Answer, name: &str, url: &str) {
    assert_gateway_error(answer, 400, "InvalidParameter", url);
    assert!(
        answer
            .message()
            .starts_with(&format!("The specified parameter \"{name}\" is not valid")),
        "{name}: {}",
        answer.text
    );
    assert!(
        answer.message().contains("given more than once"),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn a_second_signature_is_refused_wherever_it_is() {
    let emulator = start().await;
    let url = emulator.url();
    // A junk Signature before the valid one, in the query: the last would have won.
    let mut raw = V1::new(rds_params(), Placement::Query).build();
    raw.query = format!("Signature=AAAA&{}", raw.query);
    assert_repeated(&send(&url, &raw).await, "Signature", &url);
    // After it, too.
    let mut raw = V1::new(rds_params(), Placement::Query).build();
    raw.query.push_str("&Signature=AAAA");
    assert_repeated(&send(&url, &raw).await, "Signature", &url);
    // One in the query, the valid one in the body.
    let mut raw = V1::new(rds_params(), Placement::Body).build();
    raw.query = "Signature=AAAA".to_owned();
    assert_repeated(&send(&url, &raw).await, "Signature", &url);
    // The same valid signature twice is refused as well: the rule is about the shape.
    let mut raw = V1::new(rds_params(), Placement::Both).build();
    let signature = raw
        .query
        .split('&')
        .find(|pair| pair.starts_with("Signature="))
        .expect("a signature")
        .to_owned();
    raw.body
        .extend_from_slice(format!("&{signature}").as_bytes());
    assert_repeated(&send(&url, &raw).await, "Signature", &url);
    assert!(emulator.state().restore_tasks.is_empty());
}

#[tokio::test]
async fn every_repeated_common_parameter_is_refused_across_query_and_body() {
    let emulator = start().await;
    let url = emulator.url();
    for name in [
        "Signature",
        "SignatureNonce",
        "Timestamp",
        "AccessKeyId",
        "SignatureMethod",
        "SignatureVersion",
        "Action",
        "Version",
        "SecurityToken",
    ] {
        // Common parameters in the query, operation parameters in the body; the same name
        // (with the same value) added to the body.
        let v1 = V1::new(rds_params(), Placement::Both).set("SecurityToken", "sts-token");
        let mut raw = v1.build();
        let pair = raw
            .query
            .split('&')
            .find(|pair| pair.split('=').next() == Some(name))
            .unwrap_or_else(|| panic!("{name} in {}", raw.query))
            .to_owned();
        raw.body.extend_from_slice(format!("&{pair}").as_bytes());
        assert_repeated(&send(&url, &raw).await, name, &url);
        // And twice in the query alone.
        let mut raw = v1.build();
        raw.query.push_str(&format!("&{pair}"));
        assert_repeated(&send(&url, &raw).await, name, &url);
    }
    // V3 too, even for a parameter whose header wins.
    let mut params = rds_params();
    params.push(("Action".to_owned(), ACTION.to_owned()));
    let raw = V3::new(&url, params, pairs(&[("Action", ACTION)])).build();
    assert_repeated(&send(&url, &raw).await, "Action", &url);
    assert!(emulator.state().restore_tasks.is_empty());
    // A refused request is still counted under the action it names.
    assert_eq!(emulator.state().requests.get(ACTION), Some(&19));
}

#[tokio::test]
async fn repeated_operation_parameters_are_refused_by_name_even_when_signed() {
    let emulator = start().await;
    let url = emulator.url();
    // Signed over both values, so only the repetition is wrong.
    let mut params = rds_params();
    params.push(("BackupPlanId".to_owned(), "dbsdemopgsql01".to_owned()));
    for placement in [Placement::Query, Placement::Body] {
        let raw = V1::new(params.clone(), placement).build();
        assert_repeated(&send(&url, &raw).await, "BackupPlanId", &url);
    }
    // Across query and body, with another password: named, never quoted.
    let raw = V3::new(
        &url,
        rds_params(),
        pairs(&[("DestinationEndpointPassword", "an0ther-secret")]),
    )
    .build();
    let answer = send(&url, &raw).await;
    assert_repeated(&answer, "DestinationEndpointPassword", &url);
    assert!(!answer.text.contains("an0ther-secret"), "{}", answer.text);
    assert!(!answer.text.contains("Pa55-w0rd"), "{}", answer.text);
    // Several at once are all named; an empty value counts (ClientToken= twice).
    let mut params = rds_params();
    params.extend(pairs(&[
        ("ClientToken", ""),
        ("RestoreTaskName", "again"),
        ("ClientToken", ""),
    ]));
    let raw = V1::new(params, Placement::Body).build();
    let answer = send(&url, &raw).await;
    assert_gateway_error(&answer, 400, "InvalidParameter", &url);
    assert!(
        answer.message().starts_with(
            "The specified parameters \"RestoreTaskName\", \"ClientToken\" are not valid"
        ),
        "{}",
        answer.text
    );
    // Names differing in case are different parameters.
    let mut params = rds_params();
    params.push(("backupPlanId".to_owned(), "x".to_owned()));
    assert_success(&send(&url, &V1::new(params, Placement::Query).build()).await);
    assert_eq!(emulator.state().restore_tasks.len(), 1);
}
