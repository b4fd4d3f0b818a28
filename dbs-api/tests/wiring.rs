//! What the client puts on the wire, captured by a local server: method, path, query, headers and
//! body for V1 and V3, with both signatures recomputed by code independent of the crate's
//! signer (`dbs_tests::signer`: its own RFC 3986 encoder, HMAC and hashing).

mod support;

use dbs_api::{Credentials, SignatureVersion};
use dbs_tests::signer;
use support::{
    ACCESS_KEY_ID, ACCESS_KEY_SECRET, Recorded, Reply, Server, client, param, restore_task,
};

const PASSWORD: &str = "Pw-0nly In*Body!";
/// A part of the password that survives every encoding (unreserved characters only).
const PASSWORD_MARK: &str = "Pw-0nly";
const TOKEN: &str = "StsToken-XYZ";

/// The V1 `Signature` over every query and body parameter except `Signature`.
fn v1_signature(params: &[(String, String)], secret: &str) -> String {
    let unsigned: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "Signature")
        .cloned()
        .collect();
    signer::v1_signature(&signer::v1_string_to_sign("POST", &unsigned), secret)
}

/// The V3 signature of `request` over the headers `signed` (sorted, lower-case), empty query.
fn v3_signature(request: &Recorded, signed: &[&str], secret: &str) -> String {
    let headers: Vec<(String, String)> = signed
        .iter()
        .map(|name| {
            let value = request.header(name).unwrap_or_default();
            ((*name).to_owned(), value.to_owned())
        })
        .collect();
    let canonical = signer::v3_canonical_request(
        &request.method,
        &[],
        &headers,
        &signer::sha256_hex(request.body.as_bytes()),
    );
    signer::v3_signature(&signer::v3_string_to_sign(&canonical), secret)
}

/// Checks the V3 `authorization` header against an independent computation and returns the
/// signed header names.
fn check_v3_signature(request: &Recorded) -> Vec<String> {
    let auth = request
        .header("authorization")
        .expect("authorization header");
    let rest = auth
        .strip_prefix("ACS3-HMAC-SHA256 ")
        .unwrap_or_else(|| panic!("algorithm of {auth:?}"));
    let part = |key: &str| {
        rest.split(',')
            .find_map(|p| p.strip_prefix(key))
            .unwrap_or_else(|| panic!("{key} in {auth:?}"))
    };
    assert_eq!(part("Credential="), ACCESS_KEY_ID);
    let signed: Vec<&str> = part("SignedHeaders=").split(';').collect();
    let mut sorted = signed.clone();
    sorted.sort_unstable();
    assert_eq!(signed, sorted, "SignedHeaders sorted");
    for name in ["host", "content-type"] {
        assert!(signed.contains(&name), "{name} signed: {auth}");
    }
    for (name, _) in request
        .headers
        .iter()
        .filter(|(k, _)| k.starts_with("x-acs-"))
    {
        assert!(signed.contains(&name.as_str()), "{name} signed: {auth}");
    }
    assert_eq!(
        part("Signature="),
        v3_signature(request, &signed, ACCESS_KEY_SECRET),
        "V3 signature"
    );
    signed.into_iter().map(str::to_owned).collect()
}

/// Checks the V1 `Signature` against an independent computation over query and body.
fn check_v1_signature(request: &Recorded) {
    let query = request.query_params();
    let all: Vec<(String, String)> = query.iter().cloned().chain(request.body_params()).collect();
    assert_eq!(
        param(&query, "Signature"),
        Some(v1_signature(&all, ACCESS_KEY_SECRET).as_str()),
        "V1 signature"
    );
}

fn assert_timestamp(value: &str) {
    let shape = value.len() == 20
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    assert!(shape, "timestamp {value:?} is not YYYY-MM-DDThh:mm:ssZ");
    let at = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .expect("a valid date");
    let skew = (time::OffsetDateTime::now_utc() - at).abs();
    assert!(
        skew < time::Duration::minutes(5),
        "timestamp {value} is not now"
    );
}

fn assert_nonce(value: &str) {
    assert!(
        value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()),
        "nonce {value:?}"
    );
}

fn is_uuid_v4(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
        && parts[2].starts_with('4')
        && parts[3].starts_with(['8', '9', 'a', 'b'])
}

/// Sends one call to a fresh capture server and returns the single request it received.
async fn capture(
    version: SignatureVersion,
    credentials: Credentials,
    call: impl AsyncFnOnce(&dbs_api::Client),
) -> Recorded {
    let server = Server::scripted(vec![Reply::success()]).await;
    call(&client(&server, credentials, version)).await;
    let mut requests = server.requests();
    assert_eq!(requests.len(), 1, "exactly one request");
    requests.remove(0)
}

fn credentials() -> Credentials {
    Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
}

async fn send_example(client: &dbs_api::Client) {
    let output = restore_task(client)
        .destination_endpoint_password(PASSWORD)
        .send()
        .await
        .expect("the call succeeds");
    assert_eq!(output.restore_task_id.as_deref(), Some("task-1"));
    assert_eq!(output.request_id.as_deref(), Some("req-ok"));
}

/// The business parameters of the example call, as they must appear in the body.
fn assert_example_body(request: &Recorded) {
    let body = request.body_params();
    for (name, value) in [
        ("BackupPlanId", "dbs1hvb0ww****"),
        ("RestoreTaskName", "test"),
        ("DestinationEndpointInstanceType", "RDS"),
        ("DestinationEndpointRegion", "cn-hangzhou"),
        ("DestinationEndpointInstanceID", "rm-bp1p8c29*****"),
        ("DestinationEndpointUserName", "test"),
        ("DestinationEndpointPassword", PASSWORD),
        (
            "RestoreObjects",
            r#"[{"DBName":"test","NewDBName":"test_new"}]"#,
        ),
    ] {
        assert_eq!(
            param(&body, name),
            Some(value),
            "{name} in body {:?}",
            request.body
        );
    }
    assert!(
        request.body.contains("BackupPlanId=dbs1hvb0ww%2A%2A%2A%2A"),
        "{}",
        request.body
    );
    assert!(
        request
            .body
            .contains("DestinationEndpointPassword=Pw-0nly%20In%2ABody%21"),
        "{}",
        request.body
    );
    assert!(
        !request.body.contains('+') && !request.body.contains('*'),
        "{}",
        request.body
    );
    // The password is in the body only.
    assert!(
        !request.target.contains(PASSWORD_MARK),
        "password in URL: {}",
        request.target
    );
    for (name, value) in &request.headers {
        assert!(!value.contains(PASSWORD_MARK), "password in header {name}");
    }
}

#[tokio::test]
async fn v3_signs_headers_and_sends_parameters_in_the_body() {
    let request = capture(SignatureVersion::V3, credentials(), send_example).await;
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/", "V3 sends no query");
    assert_eq!(request.header("x-acs-action"), Some("CreateRestoreTask"));
    assert_eq!(request.header("x-acs-version"), Some("2019-03-06"));
    assert_timestamp(request.header("x-acs-date").unwrap_or_default());
    assert_nonce(request.header("x-acs-signature-nonce").unwrap_or_default());
    assert_eq!(
        request.header("x-acs-content-sha256"),
        Some(signer::sha256_hex(request.body.as_bytes())).as_deref()
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        request.header("user-agent"),
        Some(concat!("dbs-rust/", env!("CARGO_PKG_VERSION")))
    );
    assert!(
        request
            .header("host")
            .is_some_and(|h| h.starts_with("127.0.0.1:"))
    );
    assert_eq!(request.header("x-acs-security-token"), None);
    let signed = check_v3_signature(&request);
    assert!(
        signed.iter().any(|h| h == "x-acs-content-sha256"),
        "the body hash is signed: {signed:?}"
    );
    assert_example_body(&request);
}

#[tokio::test]
async fn v1_puts_common_parameters_in_the_query_and_signs_query_and_body() {
    let request = capture(SignatureVersion::V1, credentials(), send_example).await;
    assert_eq!((request.method.as_str(), request.path()), ("POST", "/"));
    let query = request.query_params();
    let mut names: Vec<&str> = query.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "AccessKeyId",
            "Action",
            "Format",
            "Signature",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "Timestamp",
            "Version"
        ],
        "V1 query holds the common parameters only"
    );
    for (name, value) in [
        ("Action", "CreateRestoreTask"),
        ("Version", "2019-03-06"),
        ("Format", "JSON"),
        ("AccessKeyId", ACCESS_KEY_ID),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
    ] {
        assert_eq!(param(&query, name), Some(value), "{name}");
    }
    assert_nonce(param(&query, "SignatureNonce").unwrap_or_default());
    assert_timestamp(param(&query, "Timestamp").unwrap_or_default());
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        request.header("user-agent"),
        Some(concat!("dbs-rust/", env!("CARGO_PKG_VERSION")))
    );
    assert!(request.header("authorization").is_none());
    check_v1_signature(&request);
    assert_example_body(&request);
}

#[tokio::test]
async fn values_are_encoded_exactly_once_and_signed_as_sent() {
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let request = capture(version, credentials(), async |client| {
            let call = restore_task(client)
                .restore_task_name("nightly restore * (copy)")
                .destination_endpoint_port(3306)
                .restore_time(1_554_560_477_000_i64)
                .restore_home("~/home it's!")
                .restore_objects([dbs_api::RestoreObject::new("db one").new_db_name("db*new")]);
            call.send().await.expect("the call succeeds");
        })
        .await;
        let body = request.body_params();
        assert_eq!(
            param(&body, "DestinationEndpointPort"),
            Some("3306"),
            "{version}"
        );
        assert_eq!(
            param(&body, "RestoreTime"),
            Some("1554560477000"),
            "{version}"
        );
        assert_eq!(
            param(&body, "RestoreTaskName"),
            Some("nightly restore * (copy)"),
            "{version}"
        );
        let objects = param(&body, "RestoreObjects").unwrap_or_default();
        assert_eq!(
            objects, r#"[{"DBName":"db one","NewDBName":"db*new"}]"#,
            "{version}: JSON serialized once"
        );
        let parsed: serde_json::Value =
            serde_json::from_str(objects).expect("RestoreObjects is JSON");
        assert!(parsed.is_array(), "{version}: an array, not a JSON string");
        for raw in [
            "RestoreTaskName=nightly%20restore%20%2A%20%28copy%29",
            "RestoreHome=~%2Fhome%20it%27s%21",
            "RestoreObjects=%5B%7B%22DBName%22%3A%22db%20one%22%2C%22NewDBName%22%3A%22db%2Anew%22%7D%5D",
        ] {
            assert!(
                request.body.contains(raw),
                "{version}: {raw} in {}",
                request.body
            );
        }
        match version {
            SignatureVersion::V1 => check_v1_signature(&request),
            _ => {
                check_v3_signature(&request);
            }
        }
    }
}

#[tokio::test]
async fn an_empty_string_is_sent_and_signed() {
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let request = capture(version, credentials(), async |client| {
            restore_task(client)
                .restore_home("")
                .send()
                .await
                .expect("the call succeeds");
        })
        .await;
        assert!(
            request.body.split('&').any(|p| p == "RestoreHome="),
            "{version}: {}",
            request.body
        );
        match version {
            SignatureVersion::V1 => check_v1_signature(&request),
            _ => {
                check_v3_signature(&request);
            }
        }
    }
}

#[tokio::test]
async fn an_sts_token_is_a_signed_header_in_v3_and_a_signed_parameter_in_v1() {
    let sts = || credentials().with_security_token(TOKEN);
    let v3 = capture(SignatureVersion::V3, sts(), send_example).await;
    assert_eq!(v3.header("x-acs-security-token"), Some(TOKEN));
    assert!(
        check_v3_signature(&v3)
            .iter()
            .any(|h| h == "x-acs-security-token")
    );
    assert!(!v3.target.contains(TOKEN) && !v3.body.contains(TOKEN));

    let v1 = capture(SignatureVersion::V1, sts(), send_example).await;
    assert_eq!(param(&v1.query_params(), "SecurityToken"), Some(TOKEN));
    assert_eq!(v1.header("x-acs-security-token"), None);
    assert!(!v1.body.contains(TOKEN));
    check_v1_signature(&v1);
}

#[tokio::test]
async fn a_client_token_is_generated_when_unset_and_kept_when_set() {
    let mut generated = Vec::new();
    for _ in 0..2 {
        let request = capture(SignatureVersion::V3, credentials(), send_example).await;
        let token = param(&request.body_params(), "ClientToken").map(str::to_owned);
        assert!(
            token.as_deref().is_some_and(is_uuid_v4),
            "a UUID v4 ClientToken: {}",
            request.body
        );
        generated.extend(token);
    }
    assert_ne!(generated[0], generated[1], "one token per call");

    let request = capture(SignatureVersion::V1, credentials(), async |client| {
        restore_task(client)
            .client_token("my-token-1")
            .send()
            .await
            .expect("the call succeeds");
    })
    .await;
    assert_eq!(
        param(&request.body_params(), "ClientToken"),
        Some("my-token-1"),
        "{}",
        request.body
    );
    check_v1_signature(&request);
}
