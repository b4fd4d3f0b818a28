//! Raw, hand-signed requests to an emulator on 127.0.0.1 and what to check in its answers.
//!
//! The signer (`V1`, `V3`, `Raw`) is the shared test-side one, `dbs_tests::signer`, written
//! independently of `dbs_api::signing` so the emulator's verifier is not judged by the code it
//! shares with the client; this module adds sending over HTTP and the answers' checks.
//! `sdk` holds what tests going through our client share.

#![allow(dead_code)] // each test binary uses a different part

use dbs_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Seed};
#[allow(unused_imports)]
pub use dbs_tests::pairs;
#[allow(unused_imports)]
pub use dbs_tests::signer::{ACTION, Placement, Raw, V1, V3, VERSION, now, remove, set};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod sdk;
#[allow(unused_imports)]
pub use sdk::*;

pub const PASSWORD: &str = "Pa55-w0rd secret";

pub async fn start() -> EmulatorHandle {
    start_with(EmulatorConfig::default()).await
}

pub async fn start_with(config: EmulatorConfig) -> EmulatorHandle {
    Emulator::start(config).await.expect("emulator starts")
}

/// The default configuration without the demo plans, so totals count only what a test creates.
pub fn empty_config() -> EmulatorConfig {
    EmulatorConfig::default().seed(Seed::empty())
}

/// An emulator started with [`empty_config`].
pub async fn start_empty() -> EmulatorHandle {
    start_with(empty_config()).await
}

/// A V1-signed request for `action`, its parameters in `placement`.
pub fn signed(action: &str, params: Vec<(String, String)>, placement: Placement) -> Raw {
    V1::new(params, placement).set("Action", action).build()
}

/// Sends a V1-signed request for `action` with `params` in the body.
pub async fn call(url: &str, action: &str, params: Vec<(String, String)>) -> Answer {
    send(url, &signed(action, params, Placement::Body)).await
}

/// A valid CreateRestoreTask for the MySQL demo plan into an RDS instance.
pub fn rds_params() -> Vec<(String, String)> {
    pairs(&[
        ("BackupPlanId", "dbsdemomysql01"),
        ("DestinationEndpointInstanceType", "RDS"),
        ("DestinationEndpointRegion", "cn-hangzhou"),
        ("DestinationEndpointInstanceID", "rm-bp1p8c29xxxxx"),
        ("DestinationEndpointUserName", "admin"),
        ("DestinationEndpointPassword", PASSWORD),
        (
            "RestoreObjects",
            r#"[{"DBName":"orders","NewDBName":"orders_copy"}]"#,
        ),
        ("RestoreTaskName", "restore orders*"),
    ])
}

/// An answer: HTTP status, headers, JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["Code"]
            .as_str()
            .or_else(|| self.body["ErrCode"].as_str())
            .unwrap_or("")
    }

    pub fn message(&self) -> &str {
        self.body["Message"]
            .as_str()
            .or_else(|| self.body["ErrMessage"].as_str())
            .unwrap_or("")
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

pub async fn send(url: &str, raw: &Raw) -> Answer {
    try_send(url, raw).await.expect("an answer")
}

pub async fn try_send(url: &str, raw: &Raw) -> Result<Answer, reqwest::Error> {
    let target = if raw.query.is_empty() {
        format!("{url}/")
    } else {
        format!("{url}/?{}", raw.query)
    };
    let method = reqwest::Method::from_bytes(raw.method.as_bytes()).expect("an HTTP method");
    let mut request = client().request(method, target).body(raw.body.clone());
    for (name, value) in &raw.headers {
        request = request.header(name, value);
    }
    let response = request.send().await?;
    answer(response).await
}

pub async fn answer(response: reqwest::Response) -> Result<Answer, reqwest::Error> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await?;
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    Ok(Answer {
        status,
        headers,
        body,
        text,
    })
}

/// Sends bytes as they are over TCP and reads the whole answer (`Connection: close` is added).
pub async fn raw_http(url: &str, head: impl AsRef<[u8]>, body: &[u8]) -> (u16, Value) {
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut request = head.as_ref().to_vec();
    request.extend_from_slice(
        format!(
            "\r\nhost: {addr}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    request.extend_from_slice(body);
    stream.write_all(&request).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"));
    let json = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let value = serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, value)
}

/// Asserts the gateway error shape and returns the message.
pub fn assert_gateway_error(answer: &Answer, status: u16, code: &str, url: &str) {
    assert_eq!(
        (answer.status, answer.code()),
        (status, code),
        "{}",
        answer.text
    );
    let body = &answer.body;
    let request_id = body["RequestId"].as_str().expect("RequestId");
    assert_request_id(request_id);
    assert_eq!(
        body["HostId"].as_str(),
        Some(url.trim_start_matches("http://"))
    );
    assert_eq!(
        body["Recommend"].as_str(),
        Some(
            format!(
                "https://api.aliyun.com/troubleshoot?q={code}&product=Dbs&requestId={request_id}"
            )
            .as_str()
        )
    );
    assert!(body["Message"].is_string());
    assert_eq!(
        answer
            .headers
            .get("x-acs-request-id")
            .and_then(|v| v.to_str().ok()),
        Some(request_id)
    );
}

/// Asserts a DBS business error: `Success: false`, the code, `HttpStatusCode: 400`.
pub fn assert_business_error(answer: &Answer, http_status: u16, code: &str) {
    assert_eq!(answer.status, http_status, "{}", answer.text);
    assert_eq!(
        answer.body["Success"],
        Value::Bool(false),
        "{}",
        answer.text
    );
    assert_eq!(
        answer.body["ErrCode"].as_str(),
        Some(code),
        "{}",
        answer.text
    );
    assert_eq!(answer.body["HttpStatusCode"], 400, "{}", answer.text);
    assert_request_id(answer.body["RequestId"].as_str().expect("RequestId"));
    assert!(
        !answer.text.contains(PASSWORD),
        "password echoed: {}",
        answer.text
    );
}

/// Asserts a success and returns the RestoreTaskId.
pub fn assert_success(answer: &Answer) -> String {
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["Success"], Value::Bool(true), "{}", answer.text);
    assert_eq!(answer.body["HttpStatusCode"], 200, "{}", answer.text);
    assert_request_id(answer.body["RequestId"].as_str().expect("RequestId"));
    let id = answer.body["RestoreTaskId"]
        .as_str()
        .expect("RestoreTaskId")
        .to_owned();
    assert!(id.starts_with('r') && id.len() > 1, "{id}");
    id
}

/// `60AF7C5D-EF4D-4D48-8FD5-C0823FDF28AC`: upper-case hex in 8-4-4-4-12.
pub fn assert_request_id(id: &str) {
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
    assert!(
        id.chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('A'..='F').contains(&c)),
        "{id}"
    );
}

/// A response's body as JSON.
pub async fn json(response: reqwest::Response) -> Value {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

pub async fn admin_get(url: &str, path: &str) -> Value {
    let response = client()
        .get(format!("{url}/_emulator/{path}"))
        .send()
        .await
        .expect("admin answer");
    assert_eq!(response.status(), 200);
    json(response).await
}

pub async fn admin_post(url: &str, path: &str, body: &str) -> (u16, Value) {
    let response = client()
        .post(format!("{url}/_emulator/{path}"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("admin answer");
    let status = response.status().as_u16();
    (status, json(response).await)
}
