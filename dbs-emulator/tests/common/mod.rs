//! Raw, hand-signed requests to an emulator on 127.0.0.1, signed with `dbs_api::signing`.

#![allow(dead_code)] // each test binary uses a different part

use dbs_api::encoding::form_urlencode;
use dbs_api::signing::{
    ALGORITHM_V3, Authorization, StringToSign, format_timestamp, new_nonce, sha256_hex,
    v1_signature, v1_string_to_sign, v3_canonical_request, v3_signature,
};
use dbs_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const ACTION: &str = "CreateRestoreTask";
pub const VERSION: &str = "2019-03-06";
pub const PASSWORD: &str = "Pa55-w0rd secret";

pub async fn start() -> EmulatorHandle {
    start_with(EmulatorConfig::default()).await
}

pub async fn start_with(config: EmulatorConfig) -> EmulatorHandle {
    Emulator::start(config).await.expect("emulator starts")
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

pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Replaces (or adds) a parameter.
pub fn set(params: &mut Vec<(String, String)>, name: &str, value: &str) {
    params.retain(|(k, _)| k != name);
    params.push((name.to_owned(), value.to_owned()));
}

pub fn remove(params: &mut Vec<(String, String)>, name: &str) {
    params.retain(|(k, _)| k != name);
}

pub fn now() -> String {
    format_timestamp(time::OffsetDateTime::now_utc())
}

/// Where a V1 request carries its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Everything in the query, empty body (the official Tea SDK).
    Query,
    /// Everything in a form body (pop-core with POST).
    Body,
    /// Common parameters in the query, operation parameters in the body.
    Both,
}

/// A request as sent.
#[derive(Clone, Debug)]
pub struct Raw {
    pub method: reqwest::Method,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The StringToSign the client used.
    pub string_to_sign: String,
}

/// A V1 (HMAC-SHA1) request being built.
#[derive(Clone, Debug)]
pub struct V1 {
    pub method: &'static str,
    pub common: Vec<(String, String)>,
    pub api: Vec<(String, String)>,
    pub placement: Placement,
    pub secret: String,
}

impl V1 {
    pub fn new(api: Vec<(String, String)>, placement: Placement) -> Self {
        Self {
            method: "POST",
            common: pairs(&[
                ("Action", ACTION),
                ("Version", VERSION),
                ("Format", "JSON"),
                ("AccessKeyId", "testid"),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureVersion", "1.0"),
            ])
            .into_iter()
            .chain([
                ("SignatureNonce".to_owned(), new_nonce()),
                ("Timestamp".to_owned(), now()),
            ])
            .collect(),
            api,
            placement,
            secret: "testsecret".to_owned(),
        }
    }

    pub fn set(mut self, name: &str, value: &str) -> Self {
        set(&mut self.common, name, value);
        self
    }

    pub fn remove(mut self, name: &str) -> Self {
        remove(&mut self.common, name);
        self
    }

    pub fn secret(mut self, secret: &str) -> Self {
        self.secret = secret.to_owned();
        self
    }

    pub fn method(mut self, method: &'static str) -> Self {
        self.method = method;
        self
    }

    /// Signs over every parameter and places them; `Signature` goes with the common ones.
    pub fn build(&self) -> Raw {
        let all: Vec<(String, String)> = self.common.iter().chain(&self.api).cloned().collect();
        let string_to_sign = v1_string_to_sign(self.method, &all);
        let signature = v1_signature(&string_to_sign, &self.secret);
        let mut common = self.common.clone();
        common.push(("Signature".to_owned(), signature));
        let (query, body): (Vec<_>, Vec<_>) = match self.placement {
            Placement::Query => (common.into_iter().chain(self.api.clone()).collect(), vec![]),
            Placement::Body => (vec![], common.into_iter().chain(self.api.clone()).collect()),
            Placement::Both => (common, self.api.clone()),
        };
        let mut headers = Vec::new();
        if !body.is_empty() {
            headers.push((
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        Raw {
            method: reqwest::Method::from_bytes(self.method.as_bytes()).expect("method"),
            query: form_urlencode(&query),
            headers,
            body: form_urlencode(&body).into_bytes(),
            string_to_sign: string_to_sign.to_string(),
        }
    }
}

/// A V3 (ACS3-HMAC-SHA256) request being built.
#[derive(Clone, Debug)]
pub struct V3 {
    pub host: String,
    pub query: Vec<(String, String)>,
    pub body: Vec<(String, String)>,
    /// `x-acs-*` headers besides the content hash, which `build` adds.
    pub headers: Vec<(String, String)>,
    pub access_key_id: String,
    pub secret: String,
    pub algorithm: String,
    /// Headers sent but left out of SignedHeaders.
    pub unsigned: Vec<String>,
    /// Header values replaced after signing.
    pub tamper: Vec<(String, String)>,
}

impl V3 {
    /// Operation parameters in `query` and `body` as given.
    pub fn new(url: &str, query: Vec<(String, String)>, body: Vec<(String, String)>) -> Self {
        Self {
            host: url.trim_start_matches("http://").to_owned(),
            query,
            body,
            headers: vec![
                ("x-acs-action".to_owned(), ACTION.to_owned()),
                ("x-acs-version".to_owned(), VERSION.to_owned()),
                ("x-acs-date".to_owned(), now()),
                ("x-acs-signature-nonce".to_owned(), new_nonce()),
            ],
            access_key_id: "testid".to_owned(),
            secret: "testsecret".to_owned(),
            algorithm: ALGORITHM_V3.to_owned(),
            unsigned: vec![],
            tamper: vec![],
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        set(&mut self.headers, name, value);
        self
    }

    pub fn without_header(mut self, name: &str) -> Self {
        remove(&mut self.headers, name);
        self
    }

    pub fn build(&self) -> Raw {
        let body = form_urlencode(&self.body);
        let mut headers = self.headers.clone();
        headers.push(("host".to_owned(), self.host.clone()));
        headers.push((
            "x-acs-content-sha256".to_owned(),
            sha256_hex(body.as_bytes()),
        ));
        if !body.is_empty() {
            headers.push((
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        let signed: Vec<(String, String)> = headers
            .iter()
            .filter(|(name, _)| !self.unsigned.contains(name))
            .cloned()
            .collect();
        let canonical =
            v3_canonical_request("POST", &self.query, &signed, &sha256_hex(body.as_bytes()));
        let string_to_sign = StringToSign::v3(&canonical);
        let authorization = Authorization {
            algorithm: self.algorithm.clone(),
            access_key_id: self.access_key_id.clone(),
            signed_headers: canonical.signed_header_names(),
            signature: v3_signature(&string_to_sign, &self.secret),
        };
        // reqwest sends the Host header itself.
        headers.retain(|(name, _)| name != "host");
        headers.push(("authorization".to_owned(), authorization.to_string()));
        for (name, value) in &self.tamper {
            set(&mut headers, name, value);
        }
        Raw {
            method: reqwest::Method::POST,
            query: form_urlencode(&self.query),
            headers,
            body: body.into_bytes(),
            string_to_sign: string_to_sign.to_string(),
        }
    }
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
    let mut request = client()
        .request(raw.method.clone(), target)
        .body(raw.body.clone());
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
