//! End to end: the `dbs-api` client against the `dbs-emulator`, over loopback (127.0.0.1 only).
//!
//! Covered:
//! 1. Success with V3 and V1 signatures; the task in `handle.state()` and `GET /_emulator/state`
//!    with its name and plan, and the destination password nowhere in the state.
//! 2. Every gateway error the emulator implements. `SignatureDoesNotMatch` (wrong secret) and
//!    `InvalidAccessKeyId.NotFound` (unknown key) come from our client directly. The others a
//!    well-behaved client cannot produce, so each is produced twice: by a raw request signed
//!    with `dbs_api::signing::sign` or by hand with the test-side `dbs_tests::signer`
//!    (correctly signed where the error allows it, so the answer is about
//!    the one thing that is wrong), and by our client through a loopback proxy that changes one
//!    header or parameter in flight (or replays the request), which shows how our client
//!    surfaces the answer: `Error::Service` with code, HTTP status and RequestId, not retried.
//! 3. Every rule R1–R11, enforced by the emulator with the backup plan's engine while the client
//!    has no context: rules that need the engine (R5 via PostgreSQL/MongoDB, R6, R7, R10, R11)
//!    come back from the emulator as `InvalidParameter` naming the parameter and the rule (and
//!    are caught client-side when the client is given the engine); context-free rules (R1–R4,
//!    R5 via DDS, R8, R9) are caught client-side as `Error::Validation` with nothing sent, and
//!    raw signed requests show the emulator enforces them too. Each satisfying call succeeds.
//! 4. Faults: `apply_then_fail`, `reset`, `throttle`, `status 503` retried to success with
//!    exactly one task; 503 until attempts run out; `delay` past the attempt timeout; the
//!    business error `Param.NotFound` with HTTP 200 (default) and with the HTTP status.
//! 5. `ClientToken` reuse: same parameters → same task; other parameters →
//!    `IdempotentParameterMismatch`.
//!
//! Not here: the `dbs` CLI (`CARGO_BIN_EXE_dbs` exists only inside the `dbs-cli` package;
//! `dbs-cli/tests/cli.rs` runs it against the emulator).

// Tests: a panic that shows the unexpected value is the failure report.
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use dbs_api::encoding::{form_urldecode, form_urlencode, percent_encode};
use dbs_api::signing::{
    ALGORITHM_V3, SignedRequest, SigningInput, format_timestamp, new_nonce, sign,
};
use dbs_api::{
    Client, Credentials, DestinationEndpointInstanceType, Error, OperationMeta, RestoreObject,
    RetryConfig, Sensitive, ServiceError, SignatureVersion, SourceDatabaseType, ValidationContext,
};
use dbs_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Fault, FaultKind};
use dbs_tests::{pairs, signer};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const KEY_ID: &str = "testid";
const SECRET: &str = "testsecret";
const ACTION: &str = "CreateRestoreTask";
const VERSION: &str = "2019-03-06";
/// Characters that every encoding changes, so a leak is found in any form.
const PASSWORD: &str = "e2e Pa55/w0rd+&=secret";
const VERSIONS: [SignatureVersion; 2] = [SignatureVersion::V3, SignatureVersion::V1];

const MYSQL: &str = "dbsdemomysql01";
const PGSQL: &str = "dbsdemopgsql01";
const MONGO: &str = "dbsdemomongo01";
const MSSQL: &str = "dbsdemomssql01";
const REDIS: &str = "dbsdemoredis01";
const ORACLE: &str = "dbsdemoorcl01";

// ---------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------

async fn start() -> EmulatorHandle {
    start_with(EmulatorConfig::default()).await
}

async fn start_with(config: EmulatorConfig) -> EmulatorHandle {
    let handle = Emulator::start(config).await.unwrap();
    assert!(
        handle.url().starts_with("http://127.0.0.1:"),
        "{}",
        handle.url()
    );
    handle
}

fn retry() -> RetryConfig {
    RetryConfig::standard().with_initial_backoff(Duration::from_millis(5))
}

fn client_with(url: &str, version: SignatureVersion, key_id: &str, secret: &str) -> Client {
    Client::builder()
        .endpoint_url(url)
        .credentials(Credentials::new(key_id, secret))
        .signature_version(version)
        .retry_config(retry())
        .build()
        .unwrap()
}

fn client_for(url: &str, version: SignatureVersion) -> Client {
    client_with(url, version, KEY_ID, SECRET)
}

fn create_restore_task() -> &'static OperationMeta {
    dbs_api::operation(ACTION).unwrap()
}

/// A valid `CreateRestoreTask` for the MySQL demo plan into an RDS instance, typed.
fn rds_request<'c>(client: &'c Client, name: &str) -> dbs_api::CreateRestoreTaskRequest<'c> {
    client
        .create_restore_task()
        .backup_plan_id(MYSQL)
        .restore_task_name(name)
        .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds)
        .destination_endpoint_region("cn-hangzhou")
        .destination_endpoint_instance_id("rm-bp1p8c29e2e")
        .destination_endpoint_user_name("restore_user")
        .destination_endpoint_password(PASSWORD)
        .restore_objects([RestoreObject::new("orders").new_db_name("orders_restored")])
}

fn without(mut params: Vec<(String, String)>, name: &str) -> Vec<(String, String)> {
    let before = params.len();
    params.retain(|(k, _)| k != name);
    assert_eq!(params.len() + 1, before, "{name} was not in the parameters");
    params
}

fn with(mut params: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    params.retain(|(k, _)| k != name);
    params.push((name.to_owned(), value.to_owned()));
    params
}

/// Wire parameters common to every destination type.
fn base_pairs(plan: &str, instance_type: &str, name: &str) -> Vec<(String, String)> {
    pairs(&[
        ("BackupPlanId", plan),
        ("RestoreTaskName", name),
        ("DestinationEndpointInstanceType", instance_type),
        ("DestinationEndpointUserName", "restore_user"),
        ("DestinationEndpointPassword", PASSWORD),
    ])
}

const RESTORE_OBJECTS: &str = r#"[{"DBName":"orders","NewDBName":"orders_restored"}]"#;

/// RDS: region (R1), instance ID (R2), objects (R9).
fn rds_pairs(plan: &str, name: &str) -> Vec<(String, String)> {
    let mut params = base_pairs(plan, "RDS", name);
    params.extend(pairs(&[
        ("DestinationEndpointRegion", "cn-hangzhou"),
        ("DestinationEndpointInstanceID", "rm-bp1p8c29e2e"),
        ("RestoreObjects", RESTORE_OBJECTS),
    ]));
    params
}

/// ECS: region (R1), instance ID (R2), port (R4), objects (R9).
fn ecs_pairs(plan: &str, name: &str) -> Vec<(String, String)> {
    let mut params = base_pairs(plan, "ECS", name);
    params.extend(pairs(&[
        ("DestinationEndpointRegion", "cn-hangzhou"),
        ("DestinationEndpointInstanceID", "i-bp1e2e"),
        ("DestinationEndpointPort", "3306"),
        ("RestoreObjects", RESTORE_OBJECTS),
    ]));
    params
}

/// Other: IP (R3), port (R4), objects (R9).
fn other_pairs(plan: &str, name: &str) -> Vec<(String, String)> {
    let mut params = base_pairs(plan, "Other", name);
    params.extend(pairs(&[
        ("DestinationEndpointIP", "10.0.0.7"),
        ("DestinationEndpointPort", "3306"),
        ("RestoreObjects", RESTORE_OBJECTS),
    ]));
    params
}

/// DDS: region (R1), instance ID (R2), database name (R5), objects (R9).
fn dds_pairs(plan: &str, name: &str) -> Vec<(String, String)> {
    let mut params = base_pairs(plan, "DDS", name);
    params.extend(pairs(&[
        ("DestinationEndpointRegion", "cn-hangzhou"),
        ("DestinationEndpointInstanceID", "dds-bp1e2e"),
        ("DestinationEndpointDatabaseName", "admin"),
        ("RestoreObjects", RESTORE_OBJECTS),
    ]));
    params
}

/// Agent: region (R1), IP (R3), port (R4), gateway (R8); no objects (R9 does not apply).
fn agent_pairs(plan: &str, name: &str) -> Vec<(String, String)> {
    let mut params = base_pairs(plan, "Agent", name);
    params.extend(pairs(&[
        ("DestinationEndpointRegion", "cn-hangzhou"),
        ("DestinationEndpointIP", "10.0.0.7"),
        ("DestinationEndpointPort", "3306"),
        ("BackupGatewayId", "4312001"),
    ]));
    params
}

// ---------------------------------------------------------------------------------------------
// Inspecting results and state
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn service_error<T: std::fmt::Debug>(result: Result<T, Error>) -> ServiceError {
    match result {
        Err(Error::Service(e)) => *e,
        other => panic!("expected Error::Service, got {other:?}"),
    }
}

/// An emulator RequestId: an upper-case UUID.
fn is_request_id(id: &str) -> bool {
    id.len() == 36
        && id
            .bytes()
            .all(|b| b == b'-' || b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
}

/// Code, HTTP status, a RequestId shown in the Display, and no secret anywhere.
#[track_caller]
fn assert_service(e: &ServiceError, code: &str, http_status: u16) {
    assert_eq!(
        (e.code.as_str(), e.http_status),
        (code, http_status),
        "{e:?}"
    );
    let id = e.request_id.as_deref().unwrap_or_default();
    assert!(is_request_id(id), "RequestId {id:?} in {e:?}");
    let shown = e.to_string();
    assert!(shown.contains(&format!("RequestId: {id}")), "{shown}");
    assert!(shown.starts_with(&format!("{code}: ")), "{shown}");
    assert_no_password(&shown);
    assert_no_password(&format!("{e:?}"));
}

/// The password in any of its encodings.
#[track_caller]
fn assert_no_password(text: &str) {
    for form in [
        PASSWORD.to_owned(),
        percent_encode(PASSWORD),
        form_urlencode(&[("p", PASSWORD)])[2..].to_owned(),
        "Pa55/w0rd".to_owned(),
    ] {
        assert!(!text.contains(&form), "{form:?} leaked into {text}");
    }
}

fn requests(handle: &EmulatorHandle) -> u64 {
    handle.state().requests.get(ACTION).copied().unwrap_or(0)
}

fn task_ids(handle: &EmulatorHandle) -> Vec<String> {
    handle
        .state()
        .restore_tasks
        .into_iter()
        .map(|t| t.restore_task_id)
        .collect()
}

/// `GET /_emulator/state`, as text and as JSON.
async fn state_over_http(handle: &EmulatorHandle) -> (String, Value) {
    let response = reqwest::get(format!("{}/_emulator/state", handle.url()))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap();
    (text, json)
}

/// The `RestoreTaskId` of a registry call's output.
fn task_id_of(output: &Value) -> String {
    let id = output["RestoreTaskId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(id.starts_with('r') && id.len() == 13, "{output}");
    assert_eq!(output["Success"], Value::Bool(true), "{output}");
    id
}

// ---------------------------------------------------------------------------------------------
// Raw requests, signed with dbs_api::signing
// ---------------------------------------------------------------------------------------------

/// A request as it goes on the wire: `POST /?query` with headers and a form body.
#[derive(Clone, Debug)]
struct Raw {
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: String,
}

impl From<SignedRequest> for Raw {
    fn from(signed: SignedRequest) -> Self {
        // Owned names: the tests rewrite and add parameters and headers.
        Self {
            query: pairs(&signed.query),
            headers: pairs(&signed.headers),
            body: signed.body,
        }
    }
}

/// What the emulator answered to a raw request.
#[derive(Debug)]
struct Answer {
    status: u16,
    request_id_header: Option<String>,
    json: Value,
}

impl Answer {
    /// A gateway error: status, `Code`, the body's RequestId equal to the header's, `HostId`
    /// the `Host` sent, and a `Recommend` link naming the code.
    #[track_caller]
    fn assert_gateway(&self, handle: &EmulatorHandle, code: &str, status: u16) {
        assert_eq!(
            (self.status, self.json["Code"].as_str()),
            (status, Some(code)),
            "{self:?}"
        );
        let id = self.json["RequestId"].as_str().unwrap_or_default();
        assert!(is_request_id(id), "{self:?}");
        assert_eq!(self.request_id_header.as_deref(), Some(id), "{self:?}");
        assert_eq!(
            self.json["HostId"].as_str(),
            Some(host(&handle.url())),
            "{self:?}"
        );
        let recommend = self.json["Recommend"].as_str().unwrap_or_default();
        assert!(recommend.contains(code), "{self:?}");
        assert!(self.json["Message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_no_password(&self.json.to_string());
    }

    fn message(&self) -> &str {
        self.json["Message"]
            .as_str()
            .or_else(|| self.json["ErrMessage"].as_str())
            .unwrap_or_default()
    }
}

fn host(url: &str) -> &str {
    url.trim_start_matches("http://")
}

async fn send_raw(url: &str, raw: &Raw) -> Answer {
    let target = if raw.query.is_empty() {
        format!("{url}/")
    } else {
        format!("{url}/?{}", form_urlencode(&raw.query))
    };
    let mut request = reqwest::Client::new().post(target);
    for (name, value) in &raw.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = request.body(raw.body.clone()).send().await.unwrap();
    let status = response.status().as_u16();
    let request_id_header = response
        .headers()
        .get("x-acs-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    Answer {
        status,
        request_id_header,
        json,
    }
}

/// Signs with `dbs_api::signing::sign`, with every input chosen by the caller.
struct Signing<'a> {
    version: SignatureVersion,
    action: &'a str,
    api_version: &'a str,
    timestamp: OffsetDateTime,
    nonce: String,
}

impl Signing<'_> {
    fn new(version: SignatureVersion) -> Self {
        Self {
            version,
            action: ACTION,
            api_version: VERSION,
            timestamp: OffsetDateTime::now_utc(),
            nonce: new_nonce(),
        }
    }

    fn sign(&self, url: &str, params: &[(String, String)]) -> Raw {
        let secret = Sensitive::new(SECRET.to_owned());
        sign(&SigningInput {
            version: self.version,
            action: self.action,
            api_version: self.api_version,
            host: host(url),
            body_params: params,
            access_key_id: KEY_ID,
            access_key_secret: &secret,
            security_token: None,
            timestamp: self.timestamp,
            nonce: &self.nonce,
        })
        .into()
    }
}

/// The V1 common parameters of a request sent now.
fn v1_common() -> Vec<(String, String)> {
    let mut common = pairs(&[
        ("Action", ACTION),
        ("Version", VERSION),
        ("Format", "JSON"),
        ("AccessKeyId", KEY_ID),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
    ]);
    common.push(("SignatureNonce".to_owned(), new_nonce()));
    common.push((
        "Timestamp".to_owned(),
        format_timestamp(OffsetDateTime::now_utc()),
    ));
    common
}

/// A V1 request signed by hand (`dbs_tests::signer`) over whatever common parameters are given (common parameters in
/// the query, operation parameters in the body, as our client sends them).
fn v1_by_hand(common: Vec<(String, String)>, params: &[(String, String)]) -> Raw {
    let all: Vec<(String, String)> = common.iter().chain(params).cloned().collect();
    let signature = signer::v1_signature(&signer::v1_string_to_sign("POST", &all), SECRET);
    let mut query = common;
    query.push(("Signature".to_owned(), signature));
    Raw {
        query,
        headers: pairs(&[("content-type", "application/x-www-form-urlencoded")]),
        body: form_urlencode(params),
    }
}

/// The V3 `x-acs-*` headers of a request sent now (the content hash is added when signing).
fn v3_headers() -> Vec<(String, String)> {
    let mut headers = pairs(&[("x-acs-action", ACTION), ("x-acs-version", VERSION)]);
    headers.push((
        "x-acs-date".to_owned(),
        format_timestamp(OffsetDateTime::now_utc()),
    ));
    headers.push(("x-acs-signature-nonce".to_owned(), new_nonce()));
    headers
}

/// A V3 request signed by hand (`dbs_tests::signer`) over whatever headers are given, with `algorithm` written in
/// the `Authorization` header (the signature is always ACS3-HMAC-SHA256's).
fn v3_by_hand(
    url: &str,
    x_acs: Vec<(String, String)>,
    params: &[(String, String)],
    algorithm: &str,
) -> Raw {
    let body = form_urlencode(params);
    let payload_hash = signer::sha256_hex(body.as_bytes());
    let mut headers = pairs(&[
        ("content-type", "application/x-www-form-urlencoded"),
        ("host", host(url)),
    ]);
    headers.push(("x-acs-content-sha256".to_owned(), payload_hash.clone()));
    headers.extend(x_acs);
    let canonical = signer::v3_canonical_request("POST", &[], &headers, &payload_hash);
    let authorization = signer::v3_authorization(
        algorithm,
        KEY_ID,
        &canonical.signed_headers,
        &signer::v3_signature(&signer::v3_string_to_sign(&canonical), SECRET),
    );
    headers.push(("authorization".to_owned(), authorization));
    Raw {
        query: Vec::new(),
        headers,
        body,
    }
}

// ---------------------------------------------------------------------------------------------
// A proxy that changes one thing in flight, to see how our client surfaces each gateway error
// ---------------------------------------------------------------------------------------------

/// What the proxy does to a request before forwarding it.
#[derive(Clone, Debug)]
enum Tamper {
    /// Sets a V3 header / V1 query parameter.
    Set {
        v3_header: &'static str,
        v1_param: &'static str,
        value: String,
    },
    /// Removes a V3 header / V1 query parameter.
    Remove {
        v3_header: &'static str,
        v1_param: &'static str,
    },
    /// Names another algorithm: the V3 `Authorization` prefix, the V1 `SignatureMethod`.
    Algorithm,
    /// Forwards the request twice, unchanged, and answers with the second answer.
    Replay,
}

impl Tamper {
    fn set(v3_header: &'static str, v1_param: &'static str, value: impl Into<String>) -> Self {
        Self::Set {
            v3_header,
            v1_param,
            value: value.into(),
        }
    }

    /// Applies the change; returns how many times to forward.
    fn apply(
        &self,
        headers: &mut Vec<(String, String)>,
        query: &mut Vec<(String, String)>,
    ) -> usize {
        let v3 = headers.iter().any(|(k, _)| k == "authorization");
        let set = |list: &mut Vec<(String, String)>, name: &str, value: &str| {
            let slot = list.iter_mut().find(|(k, _)| k == name);
            let slot = slot.unwrap_or_else(|| panic!("{name} is not in the request"));
            slot.1 = value.to_owned();
        };
        match self {
            Tamper::Set {
                v3_header,
                v1_param,
                value,
            } => {
                if v3 {
                    set(headers, v3_header, value);
                } else {
                    set(query, v1_param, value);
                }
            }
            Tamper::Remove {
                v3_header,
                v1_param,
            } => {
                let (list, name) = if v3 {
                    (&mut *headers, *v3_header)
                } else {
                    (&mut *query, *v1_param)
                };
                let before = list.len();
                list.retain(|(k, _)| k != name);
                assert_eq!(list.len() + 1, before, "{name} is not in the request");
            }
            Tamper::Algorithm => {
                if v3 {
                    let (_, auth) = headers
                        .iter_mut()
                        .find(|(k, _)| k == "authorization")
                        .unwrap();
                    assert!(auth.starts_with(ALGORITHM_V3), "{auth}");
                    *auth = auth.replacen(ALGORITHM_V3, "ACS3-HMAC-SM3", 1);
                } else {
                    set(query, "SignatureMethod", "HMAC-SHA256");
                }
            }
            Tamper::Replay => return 2,
        }
        1
    }
}

/// A loopback proxy in front of an emulator. Stops when dropped.
struct Proxy {
    url: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Proxy {
    async fn start(upstream: String, tamper: Tamper) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, mut stopped) = oneshot::channel::<()>();
        let shared = Arc::new((upstream, tamper, reqwest::Client::new()));
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(_) => continue,
                    },
                };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let shared = Arc::clone(&shared);
                        async move {
                            let (upstream, tamper, http) = &*shared;
                            Ok::<_, Infallible>(forward(request, upstream, tamper, http).await)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            url,
            stop: Some(stop),
        }
    }
}

async fn forward(
    request: Request<Incoming>,
    upstream: &str,
    tamper: &Tamper,
    http: &reqwest::Client,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    // The Host header is forwarded as sent: V3 signs it.
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "content-length" | "connection"))
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let mut query = form_urldecode(parts.uri.query().unwrap_or_default().as_bytes()).unwrap();
    let times = tamper.apply(&mut headers, &mut query);
    let target = if query.is_empty() {
        format!("{upstream}/")
    } else {
        format!("{upstream}/?{}", form_urlencode(&query))
    };
    let mut answer = Response::new(Full::new(Bytes::new()));
    for _ in 0..times {
        let mut out = http.post(&target);
        for (name, value) in &headers {
            out = out.header(name.as_str(), value.as_str());
        }
        let response = out.body(body.clone()).send().await.unwrap();
        let mut back = Response::builder().status(response.status().as_u16());
        for name in ["content-type", "x-acs-request-id", "x-acs-retry-after"] {
            if let Some(value) = response.headers().get(name) {
                back = back.header(name, value.as_bytes());
            }
        }
        answer = back
            .body(Full::new(response.bytes().await.unwrap()))
            .unwrap();
    }
    answer
}

// ---------------------------------------------------------------------------------------------
// 1. Success
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn creates_a_restore_task_with_v3_and_v1_and_the_state_shows_it_without_the_password() {
    let emulator = start().await;
    let mut created = Vec::new();
    for version in VERSIONS {
        let client = client_for(&emulator.url(), version);
        let name = format!("restore-orders-{version}");
        let output = rds_request(&client, &name).send().await.unwrap();
        let id = output.restore_task_id.clone().unwrap_or_default();
        assert!(id.starts_with('r') && id.len() == 13, "{output:?}");
        assert_eq!(output.success, Some(true), "{output:?}");
        assert_eq!(output.http_status_code, Some(200), "{output:?}");
        assert!(
            is_request_id(output.request_id.as_deref().unwrap_or_default()),
            "{output:?}"
        );
        created.push((id, name));
    }
    assert_eq!(requests(&emulator), 2, "one attempt each");

    // In-process snapshot.
    let state = emulator.state();
    assert_eq!(state.restore_tasks.len(), 2, "{state:?}");
    for (task, (id, name)) in state.restore_tasks.iter().zip(&created) {
        assert_eq!(&task.restore_task_id, id);
        assert_eq!(&task.restore_task_name, name);
        assert_eq!(task.backup_plan_id, MYSQL);
        assert_eq!(task.restore_status, "init");
        // The client generated a UUID v4 ClientToken.
        let token = task.client_token.as_deref().unwrap_or_default();
        assert_eq!(
            (token.len(), token.as_bytes().get(14)),
            (36, Some(&b'4')),
            "{token}"
        );
        assert_eq!(
            task.parameters
                .get("DestinationEndpointInstanceType")
                .map(String::as_str),
            Some("RDS")
        );
        assert_eq!(
            task.parameters.get("RestoreObjects").map(String::as_str),
            Some(RESTORE_OBJECTS)
        );
        assert!(
            !task.parameters.contains_key("DestinationEndpointPassword"),
            "{task:?}"
        );
        assert!(!task.parameters.contains_key("ClientToken"), "{task:?}");
    }
    assert_no_password(&format!("{state:?}"));

    // Over HTTP.
    let (text, json) = state_over_http(&emulator).await;
    assert_no_password(&text);
    assert!(!text.contains("DestinationEndpointPassword"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    let tasks = json["restore_tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2, "{text}");
    for (task, (id, name)) in tasks.iter().zip(&created) {
        assert_eq!(task["RestoreTaskId"].as_str(), Some(id.as_str()));
        assert_eq!(task["RestoreTaskName"].as_str(), Some(name.as_str()));
        assert_eq!(task["BackupPlanId"].as_str(), Some(MYSQL));
        assert_eq!(
            task["Parameters"]["DestinationEndpointUserName"].as_str(),
            Some("restore_user")
        );
    }
    assert_eq!(json["requests"][ACTION].as_u64(), Some(2), "{text}");
    let plans: Vec<&str> = json["backup_plans"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["BackupPlanId"].as_str())
        .collect();
    for plan in [MYSQL, PGSQL, MONGO, MSSQL, REDIS, ORACLE] {
        assert!(plans.contains(&plan), "{plans:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Gateway errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match_diagnosed_as_the_secret_with_the_echo_cut() {
    let emulator = start().await;
    for version in VERSIONS {
        let client = client_with(&emulator.url(), version, KEY_ID, "testsecreu");
        let e = service_error(rds_request(&client, "wrong-secret").send().await);
        assert_service(&e, "SignatureDoesNotMatch", 400);
        assert_eq!(e.attempts, 1, "a signature error is not retried: {e:?}");
        let diagnosis = e.diagnosis.as_deref().unwrap_or_default();
        assert!(
            diagnosis.contains("equals ours") && diagnosis.contains("AccessKeySecret is wrong"),
            "{version}: {diagnosis}"
        );
        // The server's echo (every parameter, the whole StringToSign) is cut from the message.
        let shown = e.to_string();
        assert!(
            e.message.ends_with("string to sign is: [redacted]"),
            "{}",
            e.message
        );
        for echoed in [
            ALGORITHM_V3,
            "POST&%2F&",
            "AccessKeyId%3D",
            "BackupPlanId",
            MYSQL,
            "restore_user",
        ] {
            assert!(!shown.contains(echoed), "{echoed:?} in {shown}");
            assert!(!format!("{e:?}").contains(echoed), "{echoed:?} in {e:?}");
        }
        assert!(!shown.contains("testsecreu"), "{shown}");
        assert_eq!(e.host_id.as_deref(), Some(host(&emulator.url())), "{e:?}");
        assert!(
            e.recommend
                .as_deref()
                .is_some_and(|r| r.contains("SignatureDoesNotMatch")),
            "{e:?}"
        );
    }
    assert_eq!(requests(&emulator), 2);
    assert!(task_ids(&emulator).is_empty());
}

#[tokio::test]
async fn unknown_access_key_id_is_invalid_access_key_id_not_found() {
    let emulator = start().await;
    for version in VERSIONS {
        let client = client_with(&emulator.url(), version, "nosuchkey", SECRET);
        let e = service_error(rds_request(&client, "unknown-key").send().await);
        assert_service(&e, "InvalidAccessKeyId.NotFound", 404);
        assert_eq!(e.attempts, 1, "{e:?}");
        assert_eq!(e.diagnosis, None, "{e:?}");
    }
    assert_eq!(requests(&emulator), 2);
    assert!(task_ids(&emulator).is_empty());
}

#[tokio::test]
async fn an_action_the_spec_does_not_have_is_invalid_action_not_found_from_our_client() {
    let emulator = start().await;
    // The registry is data: an entry with another name makes our client send that action.
    let unknown = OperationMeta {
        name: "DescribeNoSuchThing",
        ..*create_restore_task()
    };
    for version in VERSIONS {
        let client = client_for(&emulator.url(), version);
        let result = client.call(&unknown, &rds_pairs(MYSQL, "nope"), None).await;
        // Not retried: 404 and this code are final; a registry call has a token, so a retry
        // would have been allowed.
        let e = service_error(result);
        assert_service(&e, "InvalidAction.NotFound", 404);
        assert_eq!(e.attempts, 1);
    }
    assert_eq!(
        emulator.state().requests.get("DescribeNoSuchThing"),
        Some(&2)
    );
    assert!(task_ids(&emulator).is_empty());
}

/// The hand-made signers are right: with nothing wrong, the emulator accepts what they sign.
#[tokio::test]
async fn raw_signers_used_below_are_accepted_when_nothing_is_wrong() {
    let emulator = start().await;
    let url = emulator.url();
    let params = rds_pairs(MYSQL, "raw");
    let raws = [
        Signing::new(SignatureVersion::V3).sign(&url, &params),
        Signing::new(SignatureVersion::V1).sign(&url, &params),
        v1_by_hand(v1_common(), &params),
        v3_by_hand(&url, v3_headers(), &params, ALGORITHM_V3),
    ];
    for raw in &raws {
        let answer = send_raw(&url, raw).await;
        assert_eq!(
            (answer.status, &answer.json["Success"]),
            (200, &Value::Bool(true)),
            "{answer:?}"
        );
    }
    assert_eq!(task_ids(&emulator).len(), raws.len());
}

#[tokio::test]
async fn raw_gateway_errors_each_name_the_one_thing_wrong() {
    let emulator = start().await;
    let url = emulator.url();
    let params = rds_pairs(MYSQL, "raw-gateway");

    // InvalidTimeStamp.Expired: correctly signed, 20 minutes old.
    for version in VERSIONS {
        let mut signing = Signing::new(version);
        signing.timestamp = OffsetDateTime::now_utc() - Duration::from_secs(20 * 60);
        let answer = send_raw(&url, &signing.sign(&url, &params)).await;
        answer.assert_gateway(&emulator, "InvalidTimeStamp.Expired", 400);
        assert!(answer.message().contains("15 minutes"), "{answer:?}");
    }
    // ... and 20 minutes ahead.
    let mut signing = Signing::new(SignatureVersion::V3);
    signing.timestamp = OffsetDateTime::now_utc() + Duration::from_secs(20 * 60);
    send_raw(&url, &signing.sign(&url, &params))
        .await
        .assert_gateway(&emulator, "InvalidTimeStamp.Expired", 400);

    // InvalidTimeStamp.Format: correctly signed over a timestamp that is not UTC `…Z`.
    let common = with(v1_common(), "Timestamp", "2026-01-01T12:00:00+08:00");
    send_raw(&url, &v1_by_hand(common, &params))
        .await
        .assert_gateway(&emulator, "InvalidTimeStamp.Format", 400);
    let headers = with(v3_headers(), "x-acs-date", "2026-01-01 12:00:00");
    let answer = send_raw(&url, &v3_by_hand(&url, headers, &params, ALGORITHM_V3)).await;
    answer.assert_gateway(&emulator, "InvalidTimeStamp.Format", 400);
    assert!(answer.message().contains("x-acs-date"), "{answer:?}");

    // SignatureNonceUsed: the same correctly signed request twice; the first one is accepted.
    for version in VERSIONS {
        let raw = Signing::new(version).sign(&url, &params);
        let first = send_raw(&url, &raw).await;
        assert_eq!(
            (first.status, &first.json["Success"]),
            (200, &Value::Bool(true)),
            "{first:?}"
        );
        send_raw(&url, &raw)
            .await
            .assert_gateway(&emulator, "SignatureNonceUsed", 400);
    }
    assert_eq!(
        task_ids(&emulator).len(),
        2,
        "only the first of each pair created a task"
    );

    // IncompleteSignature: an algorithm the gateway does not support.
    let answer = send_raw(
        &url,
        &v3_by_hand(&url, v3_headers(), &params, "ACS3-HMAC-SM3"),
    )
    .await;
    answer.assert_gateway(&emulator, "IncompleteSignature", 400);
    assert!(answer.message().contains("ACS3-HMAC-SM3"), "{answer:?}");
    let common = with(v1_common(), "SignatureMethod", "HMAC-SHA256");
    let answer = send_raw(&url, &v1_by_hand(common, &params)).await;
    answer.assert_gateway(&emulator, "IncompleteSignature", 400);
    assert!(answer.message().contains("HMAC-SHA256"), "{answer:?}");
    // ... or a V3 x-acs-* header sent but not signed.
    let mut raw = v3_by_hand(&url, v3_headers(), &params, ALGORITHM_V3);
    raw.headers.push(("x-acs-extra".to_owned(), "1".to_owned()));
    let answer = send_raw(&url, &raw).await;
    answer.assert_gateway(&emulator, "IncompleteSignature", 400);
    assert!(answer.message().contains("x-acs-extra"), "{answer:?}");

    // InvalidAction.NotFound and InvalidVersion: correctly signed.
    for version in VERSIONS {
        let mut signing = Signing::new(version);
        signing.action = "DescribeNoSuchThing";
        send_raw(&url, &signing.sign(&url, &params))
            .await
            .assert_gateway(&emulator, "InvalidAction.NotFound", 404);
        let mut signing = Signing::new(version);
        signing.api_version = "2018-01-01";
        let answer = send_raw(&url, &signing.sign(&url, &params)).await;
        answer.assert_gateway(&emulator, "InvalidVersion", 400);
        assert!(answer.message().contains(VERSION), "{answer:?}");
    }

    // MissingParameter, naming what is missing.
    let common = without(v1_common(), "SignatureNonce");
    let answer = send_raw(&url, &v1_by_hand(common, &params)).await;
    answer.assert_gateway(&emulator, "MissingParameter", 400);
    assert!(
        answer.message().contains("\"SignatureNonce\""),
        "{answer:?}"
    );
    let headers = without(v3_headers(), "x-acs-date");
    let answer = send_raw(&url, &v3_by_hand(&url, headers, &params, ALGORITHM_V3)).await;
    answer.assert_gateway(&emulator, "MissingParameter", 400);
    assert!(answer.message().contains("\"x-acs-date\""), "{answer:?}");

    assert_eq!(
        task_ids(&emulator).len(),
        2,
        "no gateway error created a task"
    );
}

#[tokio::test]
async fn our_client_surfaces_every_gateway_error_as_a_service_error_and_does_not_retry_it() {
    let twenty_minutes_ago =
        format_timestamp(OffsetDateTime::now_utc() - Duration::from_secs(20 * 60));
    let cases = [
        (
            Tamper::set("x-acs-date", "Timestamp", twenty_minutes_ago),
            "InvalidTimeStamp.Expired",
            400,
        ),
        (
            Tamper::set("x-acs-date", "Timestamp", "2026-01-01 12:00:00"),
            "InvalidTimeStamp.Format",
            400,
        ),
        (Tamper::Replay, "SignatureNonceUsed", 400),
        (Tamper::Algorithm, "IncompleteSignature", 400),
        (
            Tamper::set("x-acs-action", "Action", "DescribeNoSuchThing"),
            "InvalidAction.NotFound",
            404,
        ),
        (
            Tamper::set("x-acs-version", "Version", "2018-01-01"),
            "InvalidVersion",
            400,
        ),
        (
            Tamper::Remove {
                v3_header: "x-acs-signature-nonce",
                v1_param: "SignatureNonce",
            },
            "MissingParameter",
            400,
        ),
    ];
    for (tamper, code, status) in cases {
        for version in VERSIONS {
            let emulator = start().await;
            let proxy = Proxy::start(emulator.url(), tamper.clone()).await;
            let client = client_for(&proxy.url, version);
            let result = rds_request(&client, "through-proxy").send().await;
            let e = service_error(result);
            assert_service(&e, code, status);
            assert_eq!(e.attempts, 1, "{version} {tamper:?}: {e:?}");
            let replayed = matches!(tamper, Tamper::Replay);
            let sent = u64::from(replayed) + 1;
            let counted = emulator.state().requests.values().sum::<u64>();
            assert_eq!(counted, sent, "{version} {tamper:?}: not retried");
            // Only the replay's first copy, which was valid, created a task.
            assert_eq!(
                task_ids(&emulator).len(),
                usize::from(replayed),
                "{version} {tamper:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Rules R1–R11
// ---------------------------------------------------------------------------------------------

/// A rule broken with the seed plan of the engine that makes it apply.
struct RuleCase {
    rule: &'static str,
    parameter: &'static str,
    engine: SourceDatabaseType,
    violating: Vec<(String, String)>,
    satisfying: Vec<(String, String)>,
}

fn rule_case(
    rule: &'static str,
    parameter: &'static str,
    engine: SourceDatabaseType,
    satisfying: Vec<(String, String)>,
) -> RuleCase {
    RuleCase {
        rule,
        parameter,
        engine,
        violating: without(satisfying.clone(), parameter),
        satisfying,
    }
}

#[track_caller]
fn assert_names_rule(message: &str, parameter: &str, rule: &str) {
    assert!(message.starts_with("1 invalid parameter: "), "{message}");
    assert!(
        message.contains(&format!("{parameter}: missing; required")),
        "{message}"
    );
    assert!(message.contains(&format!("[{rule}]")), "{message}");
    assert_no_password(message);
}

/// R5 (via the engine), R6, R7, R10, R11: a client without context cannot decide them and
/// sends; the emulator knows the plan's engine and refuses. With the engine in its context, the
/// client refuses before sending.
#[tokio::test]
async fn rules_that_need_the_engine_are_enforced_by_the_emulator_when_the_client_has_no_context() {
    use SourceDatabaseType as Db;
    let cases = [
        rule_case(
            "R5",
            "DestinationEndpointDatabaseName",
            Db::PostgreSql,
            with(
                rds_pairs(PGSQL, "r5-pg"),
                "DestinationEndpointDatabaseName",
                "orders",
            ),
        ),
        rule_case(
            "R5",
            "DestinationEndpointDatabaseName",
            Db::MongoDb,
            with(
                rds_pairs(MONGO, "r5-mongo"),
                "DestinationEndpointDatabaseName",
                "orders",
            ),
        ),
        rule_case(
            "R6",
            "DestinationEndpointUserName",
            Db::MySql,
            rds_pairs(MYSQL, "r6-mysql"),
        ),
        rule_case(
            "R6",
            "DestinationEndpointUserName",
            Db::Mssql,
            rds_pairs(MSSQL, "r6-mssql-rds"),
        ),
        rule_case(
            "R7",
            "DestinationEndpointPassword",
            Db::MySql,
            rds_pairs(MYSQL, "r7-mysql"),
        ),
        rule_case(
            "R7",
            "DestinationEndpointPassword",
            Db::Oracle,
            with(
                rds_pairs(ORACLE, "r7-oracle"),
                "DestinationEndpointOracleSID",
                "ORCL",
            ),
        ),
        rule_case(
            "R10",
            "RestoreDir",
            Db::MySql,
            with(agent_pairs(MYSQL, "r10"), "RestoreDir", "/data/restore"),
        ),
        rule_case(
            "R11",
            "DestinationEndpointOracleSID",
            Db::Oracle,
            with(
                rds_pairs(ORACLE, "r11"),
                "DestinationEndpointOracleSID",
                "ORCL",
            ),
        ),
    ];
    let emulator = start().await;
    let op = create_restore_task();
    let mut sent = 0;
    let mut created = Vec::new();
    for version in VERSIONS {
        let client = client_for(&emulator.url(), version);
        for case in &cases {
            let what = format!("{version} {} {}", case.rule, case.engine);
            // No context: sent, refused by the emulator, not retried.
            let e = service_error(client.call(op, &case.violating, None).await);
            sent += 1;
            assert_service(&e, "InvalidParameter", 400);
            assert_eq!(e.attempts, 1, "{what}: {e:?}");
            assert_names_rule(&e.message, case.parameter, case.rule);
            assert_eq!(requests(&emulator), sent, "{what}");

            // The engine in the context: refused before sending.
            let context = ValidationContext::new().with_source_database_type(case.engine.clone());
            let result = client.call(op, &case.violating, Some(&context)).await;
            let Err(Error::Validation(v)) = &result else {
                panic!("{what}: expected Error::Validation, got {result:?}");
            };
            let found: Vec<_> = v
                .violations()
                .iter()
                .map(|v| (v.parameter(), v.rule_id()))
                .collect();
            assert_eq!(found, [(case.parameter, Some(case.rule))], "{what}");
            assert!(!result.as_ref().unwrap_err().was_sent());
            assert_eq!(requests(&emulator), sent, "{what}: nothing sent");

            // Satisfied: created, with or without the context.
            let output = client
                .call(op, &case.satisfying, Some(&context))
                .await
                .unwrap();
            sent += 1;
            created.push(task_id_of(&output));
        }
    }
    assert_eq!(task_ids(&emulator), created);
    assert_eq!(requests(&emulator), sent);
}

/// The other side of R6/R7: a Redis plan, and an MSSQL plan restored over a backup gateway,
/// need neither user name nor password, and the emulator accepts them without.
#[tokio::test]
async fn r6_and_r7_do_not_apply_to_redis_nor_to_mssql_over_a_backup_gateway() {
    let emulator = start().await;
    let client = client_for(&emulator.url(), SignatureVersion::V3);
    let op = create_restore_task();
    let strip = |params| {
        without(
            without(params, "DestinationEndpointUserName"),
            "DestinationEndpointPassword",
        )
    };
    for params in [
        strip(rds_pairs(REDIS, "redis")),
        strip(agent_pairs(MSSQL, "mssql-agent")),
    ] {
        task_id_of(&client.call(op, &params, None).await.unwrap());
    }
    // The same MSSQL request with another destination type is refused (R6 and R7 together).
    let params = with(
        strip(agent_pairs(MSSQL, "mssql-other")),
        "DestinationEndpointInstanceType",
        "Other",
    );
    let params = without(
        without(params, "BackupGatewayId"),
        "DestinationEndpointRegion",
    );
    let params = with(params, "RestoreObjects", RESTORE_OBJECTS);
    let e = service_error(client.call(op, &params, None).await);
    assert_service(&e, "InvalidParameter", 400);
    assert!(
        e.message.starts_with("2 invalid parameters: "),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("[R6]") && e.message.contains("[R7]"),
        "{}",
        e.message
    );
    assert_eq!(task_ids(&emulator).len(), 2);
}

/// R1–R4, R5 via DDS, R8, R9: the client decides them without context and sends nothing; raw
/// signed requests show the emulator enforces them as well.
#[tokio::test]
async fn context_free_rules_are_caught_by_the_client_and_enforced_by_the_emulator() {
    use SourceDatabaseType as Db;
    let cases = [
        rule_case(
            "R1",
            "DestinationEndpointRegion",
            Db::MySql,
            rds_pairs(MYSQL, "r1"),
        ),
        rule_case(
            "R2",
            "DestinationEndpointInstanceID",
            Db::MySql,
            rds_pairs(MYSQL, "r2"),
        ),
        rule_case(
            "R3",
            "DestinationEndpointIP",
            Db::MySql,
            other_pairs(MYSQL, "r3"),
        ),
        rule_case(
            "R4",
            "DestinationEndpointPort",
            Db::MySql,
            ecs_pairs(MYSQL, "r4"),
        ),
        rule_case(
            "R5",
            "DestinationEndpointDatabaseName",
            Db::MongoDb,
            dds_pairs(MONGO, "r5-dds"),
        ),
        rule_case("R8", "BackupGatewayId", Db::Mssql, agent_pairs(MSSQL, "r8")),
        rule_case("R9", "RestoreObjects", Db::MySql, rds_pairs(MYSQL, "r9")),
    ];
    let emulator = start().await;
    let url = emulator.url();
    let op = create_restore_task();
    let mut created = Vec::new();
    for version in VERSIONS {
        let client = client_for(&url, version);
        for case in &cases {
            let what = format!("{version} {} {}", case.rule, case.engine);
            let before = requests(&emulator);
            let result = client.call(op, &case.violating, None).await;
            let Err(Error::Validation(v)) = &result else {
                panic!("{what}: expected Error::Validation, got {result:?}");
            };
            let found: Vec<_> = v
                .violations()
                .iter()
                .map(|v| (v.parameter(), v.rule_id()))
                .collect();
            assert_eq!(found, [(case.parameter, Some(case.rule))], "{what}");
            let shown = result.as_ref().unwrap_err().to_string();
            assert!(
                shown.starts_with("invalid request, nothing sent: "),
                "{shown}"
            );
            assert_no_password(&shown);
            assert_eq!(requests(&emulator), before, "{what}: nothing sent");

            // The typed builder refuses it the same way (R1 as the example).
            if case.rule == "R1" {
                let typed = rds_request(&client, "typed").input(
                    dbs_api::CreateRestoreTaskInput::builder()
                        .backup_plan_id(MYSQL)
                        .restore_task_name("typed")
                        .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds),
                );
                let e = typed.send().await.unwrap_err();
                let ids: Vec<_> = e
                    .as_validation_error()
                    .unwrap()
                    .violations()
                    .iter()
                    .filter_map(|v| v.rule_id())
                    .collect();
                assert!(
                    ids.contains(&"R1") && ids.contains(&"R2") && ids.contains(&"R9"),
                    "{e}"
                );
            }

            // The emulator, reached by a correctly signed raw request.
            let answer = send_raw(&url, &Signing::new(version).sign(&url, &case.violating)).await;
            assert_eq!(
                answer.status, 200,
                "{what}: business errors come with HTTP 200: {answer:?}"
            );
            assert_eq!(
                answer.json["Success"],
                Value::Bool(false),
                "{what}: {answer:?}"
            );
            assert_eq!(
                answer.json["ErrCode"].as_str(),
                Some("InvalidParameter"),
                "{what}: {answer:?}"
            );
            assert_eq!(
                answer.json["HttpStatusCode"].as_u64(),
                Some(400),
                "{what}: {answer:?}"
            );
            assert_eq!(
                answer.request_id_header.as_deref(),
                answer.json["RequestId"].as_str()
            );
            assert_names_rule(answer.message(), case.parameter, case.rule);

            let output = client.call(op, &case.satisfying, None).await.unwrap();
            created.push(task_id_of(&output));
        }
    }
    assert_eq!(
        task_ids(&emulator),
        created,
        "only the satisfying calls created tasks"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Faults
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn lost_responses_are_retried_with_one_client_token_and_create_exactly_one_task() {
    for version in VERSIONS {
        let emulator = start().await;
        emulator
            .inject_fault(Fault::new(ACTION, FaultKind::ApplyThenFail).count(2))
            .unwrap();
        let client = client_for(&emulator.url(), version);
        let output = rds_request(&client, "lost-twice").send().await.unwrap();
        let id = output.restore_task_id.unwrap_or_default();
        assert_eq!(
            requests(&emulator),
            3,
            "{version}: two lost answers, then success"
        );
        let state = emulator.state();
        assert_eq!(state.restore_tasks.len(), 1, "{version}: {state:?}");
        assert_eq!(state.restore_tasks[0].restore_task_id, id, "{version}");
        assert!(state.faults.is_empty(), "{version}: {state:?}");
    }
}

#[tokio::test]
async fn reset_throttle_and_503_are_retried_to_success() {
    let faults = [
        Fault::new(ACTION, FaultKind::Reset),
        Fault::new(ACTION, FaultKind::Throttle),
        Fault::new(ACTION, FaultKind::Throttle)
            .status(429)
            .retry_after_ms(20),
        Fault::new(ACTION, FaultKind::Status).status(503),
        Fault::new(ACTION, FaultKind::Status).status(503).count(2),
        Fault::new(ACTION, FaultKind::Status).status(500),
    ];
    for fault in faults {
        for version in VERSIONS {
            let emulator = start().await;
            let attempts = u64::from(fault.count) + 1;
            emulator.inject_fault(fault.clone()).unwrap();
            let client = client_for(&emulator.url(), version);
            let output = rds_request(&client, "retried").send().await.unwrap();
            let what = format!("{version} {fault:?}");
            assert_eq!(requests(&emulator), attempts, "{what}");
            assert_eq!(
                task_ids(&emulator),
                [output.restore_task_id.unwrap_or_default()],
                "{what}"
            );
            let (_, json) = state_over_http(&emulator).await;
            assert_eq!(json["requests"][ACTION].as_u64(), Some(attempts), "{what}");
            assert_eq!(
                json["restore_tasks"].as_array().map(Vec::len),
                Some(1),
                "{what}"
            );
        }
    }
}

#[tokio::test]
async fn status_503_until_the_attempts_run_out_is_service_unavailable_after_3_attempts() {
    let emulator = start().await;
    let url = emulator.url();
    // Added over the admin API this time.
    let response = reqwest::Client::new()
        .post(format!("{url}/_emulator/faults"))
        .header("content-type", "application/json")
        .body(r#"{"action":"CreateRestoreTask","kind":"status","status":503,"count":3}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let client = Client::builder()
        .endpoint_url(&url)
        .credentials(Credentials::new(KEY_ID, SECRET))
        .retry_config(retry().with_max_attempts(3))
        .build()
        .unwrap();
    let e = service_error(rds_request(&client, "unavailable").send().await);
    assert_service(&e, "ServiceUnavailable", 503);
    assert_eq!(e.attempts, 3, "{e:?}");
    assert_eq!(requests(&emulator), 3);
    assert!(task_ids(&emulator).is_empty());
    assert!(emulator.state().faults.is_empty());
}

#[tokio::test]
async fn a_delay_longer_than_the_attempt_timeout_is_a_timeout() {
    // Margins are wide so a loaded machine does not turn a normal answer into a timeout.
    let short = Duration::from_millis(200);
    let emulator = start().await;
    let client = client_for(&emulator.url(), SignatureVersion::V3);

    // Every attempt too slow: Timeout after all of them.
    emulator
        .inject_fault(Fault::new(ACTION, FaultKind::Delay).delay_ms(1000).count(3))
        .unwrap();
    let result = rds_request(&client, "slow")
        .client_token("e2e-slow-token")
        .attempt_timeout(short)
        .send()
        .await;
    match &result {
        Err(Error::Timeout {
            after, attempts, ..
        }) => assert_eq!((*after, *attempts), (short, 3)),
        other => panic!("expected Error::Timeout, got {other:?}"),
    }
    assert!(result.as_ref().unwrap_err().was_sent());
    assert_eq!(requests(&emulator), 3);
    // The emulator still acts on abandoned attempts, as a service would: the lost-response
    // case. One token for all three attempts means exactly one task.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let tasks = emulator.state().restore_tasks;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert!(emulator.state().faults.is_empty());

    // One slow attempt, retried: success, one task for the call's token.
    let emulator = start().await;
    let client = client_for(&emulator.url(), SignatureVersion::V1);
    emulator
        .inject_fault(Fault::new(ACTION, FaultKind::Delay).delay_ms(1500))
        .unwrap();
    let output = rds_request(&client, "slow-once")
        .attempt_timeout(Duration::from_millis(500))
        .send()
        .await
        .unwrap();
    assert_eq!(requests(&emulator), 2);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        task_ids(&emulator),
        [output.restore_task_id.unwrap_or_default()]
    );

    // Retries disabled: one attempt.
    emulator
        .inject_fault(Fault::new(ACTION, FaultKind::Delay).delay_ms(1000))
        .unwrap();
    let result = rds_request(&client, "slow-no-retry")
        .attempt_timeout(short)
        .retry_config(RetryConfig::disabled())
        .send()
        .await;
    assert!(
        matches!(result, Err(Error::Timeout { attempts: 1, .. })),
        "{result:?}"
    );
    assert_eq!(requests(&emulator), 3);
}

#[tokio::test]
async fn unknown_plan_is_param_not_found_sent_with_http_200_or_its_status() {
    for business_status in [false, true] {
        let emulator =
            start_with(EmulatorConfig::default().business_errors_http_status(business_status))
                .await;
        let url = emulator.url();
        for version in VERSIONS {
            let client = client_for(&url, version);
            let result = rds_request(&client, "no-plan")
                .backup_plan_id("dbsnosuchplan")
                .send()
                .await;
            let e = service_error(result);
            // The body's HttpStatusCode when the HTTP status is 200; the HTTP status otherwise.
            assert_service(&e, "Param.NotFound", 400);
            assert_eq!(e.attempts, 1, "{e:?}");
            assert!(e.message.contains("dbsnosuchplan"), "{e:?}");
            assert_eq!(
                (e.host_id.as_deref(), e.recommend.as_deref()),
                (None, None),
                "{e:?}"
            );
        }
        // What went over the wire.
        let params = with(rds_pairs(MYSQL, "no-plan"), "BackupPlanId", "dbsnosuchplan");
        let answer = send_raw(
            &url,
            &Signing::new(SignatureVersion::V3).sign(&url, &params),
        )
        .await;
        let http = if business_status { 400 } else { 200 };
        assert_eq!(answer.status, http, "{answer:?}");
        assert_eq!(
            answer.json["ErrCode"].as_str(),
            Some("Param.NotFound"),
            "{answer:?}"
        );
        assert_eq!(
            answer.json["HttpStatusCode"].as_u64(),
            Some(400),
            "{answer:?}"
        );
        assert_eq!(requests(&emulator), 3);
        assert!(task_ids(&emulator).is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// 5. ClientToken
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_client_token_reused_is_the_same_task_or_idempotent_parameter_mismatch() {
    let emulator = start().await;
    let mut first = None;
    for version in VERSIONS {
        let client = client_for(&emulator.url(), version);
        let output = rds_request(&client, "tokened")
            .client_token("e2e-token-1")
            .send()
            .await
            .unwrap();
        let id = output.restore_task_id.unwrap_or_default();
        assert_eq!(
            first.get_or_insert_with(|| id.clone()),
            &id,
            "{version}: same token, same params"
        );
    }
    let state = emulator.state();
    assert_eq!(state.restore_tasks.len(), 1, "{state:?}");
    assert_eq!(
        state.restore_tasks[0].client_token.as_deref(),
        Some("e2e-token-1")
    );

    let client = client_for(&emulator.url(), SignatureVersion::V3);
    // Another name.
    let result = rds_request(&client, "renamed")
        .client_token("e2e-token-1")
        .send()
        .await;
    let e = service_error(result);
    assert_service(&e, "IdempotentParameterMismatch", 400);
    assert_eq!(e.attempts, 1, "{e:?}");
    assert!(e.message.contains("RestoreTaskName"), "{e:?}");
    // Another password: named, never shown.
    let result = rds_request(&client, "tokened")
        .destination_endpoint_password("another-Passw0rd")
        .client_token("e2e-token-1")
        .send()
        .await;
    let e = service_error(result);
    assert_service(&e, "IdempotentParameterMismatch", 400);
    assert!(e.message.contains("DestinationEndpointPassword"), "{e:?}");
    assert!(!e.to_string().contains("another-Passw0rd"), "{e}");
    // Through the registry, same parameters as the first: the same task again.
    let params = with(rds_pairs(MYSQL, "tokened"), "ClientToken", "e2e-token-1");
    let output = client
        .call(create_restore_task(), &params, None)
        .await
        .unwrap();
    assert_eq!(Some(task_id_of(&output)), first);

    assert_eq!(
        task_ids(&emulator),
        [first.unwrap_or_default()],
        "still one task"
    );
    assert_eq!(requests(&emulator), 5);
    // A fresh token is a new task.
    let output = rds_request(&client, "tokened")
        .client_token("e2e-token-2")
        .send()
        .await
        .unwrap();
    assert_eq!(task_ids(&emulator).len(), 2);
    assert_eq!(
        task_ids(&emulator)[1],
        output.restore_task_id.unwrap_or_default()
    );
}

#[tokio::test]
async fn every_character_to_u_ff_and_multibyte_edges_are_signed_as_sent_and_kept_as_they_were() {
    // Through our client (its one-pass encoder for the body, the V1 StringToSign and the V3
    // content hash) to the emulator's verifier: each value must verify, and arrive unchanged.
    let emulator = start().await;
    let url = emulator.url();
    let every: String = (0u32..=0xFF).filter_map(char::from_u32).collect();
    // Every ASCII byte that is escaped: the encoded value is three times as long.
    let escaped: String = (0u8..0x80)
        .map(char::from)
        .filter(|c| !c.is_ascii_alphanumeric() && !"-_.~".contains(*c))
        .collect();
    let values = [
        every.clone(),
        every.chars().rev().collect(),
        escaped.clone(),
        escaped.repeat(200),
        "é".to_owned(),
        "éx".to_owned(),
        "xé".to_owned(),
        "€ middle €".to_owned(),
        "😀".to_owned(),
        "😀a😀".to_owned(),
        "中文名称".to_owned(),
        "\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}".to_owned(),
        "%41%2B+".to_owned(),
    ];
    for version in VERSIONS {
        let client = client_for(&url, version);
        for value in &values {
            // An empty value too, as a parameter that may be empty.
            let output = rds_request(&client, value)
                .destination_endpoint_user_name(value)
                .owner_id("")
                .send()
                .await
                .unwrap_or_else(|e| panic!("{version} {value:?}: {e}"));
            let id = output.restore_task_id.unwrap_or_default();
            let state = emulator.state();
            let task = state
                .restore_tasks
                .iter()
                .find(|t| t.restore_task_id == id)
                .unwrap_or_else(|| panic!("{version} {value:?}: task {id} kept"));
            assert_eq!(&task.restore_task_name, value, "{version}");
            assert_eq!(
                task.parameters
                    .get("DestinationEndpointUserName")
                    .map(String::as_str),
                Some(value.as_str()),
                "{version} {value:?}"
            );
            assert_eq!(
                task.parameters.get("OwnerId").map(String::as_str),
                Some(""),
                "{version}"
            );
        }
    }
    assert_eq!(requests(&emulator), 2 * values.len() as u64);
}
