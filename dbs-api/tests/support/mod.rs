//! A tiny HTTP/1.1 server on 127.0.0.1 for the integration tests. It records every request
//! (method, target, headers, body, arrival time) and answers each one as the test says: a status
//! with headers and a body, possibly after a delay, or a connection dropped without an answer.
//!
//! One request per connection (`connection: close`), so a delayed or dropped answer affects one
//! attempt only. Malformed input closes the connection; nothing here panics on what it reads.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use dbs_api::{Client, Credentials, RetryConfig, SignatureVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as received. Header names are lower-cased.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _)| path)
    }
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, query)| query)
    }
    pub fn query_params(&self) -> Vec<(String, String)> {
        decode_form(self.query())
    }
    pub fn body_params(&self) -> Vec<(String, String)> {
        decode_form(&self.body)
    }
}

/// The value of the only parameter named `name`; `None` when absent or repeated.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut found = params.iter().filter(|(k, _)| k == name);
    match (found.next(), found.next()) {
        (Some((_, v)), None) => Some(v),
        _ => None,
    }
}

/// Splits `a=1&b=%20` into decoded pairs (RFC 3986 percent-decoding; `+` stays `+`).
pub fn decode_form(text: &str) -> Vec<(String, String)> {
    let pair = |p: &str| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (percent_decode(k), percent_decode(v))
    };
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(pair)
        .collect()
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is.
pub fn percent_decode(text: &str) -> String {
    let (b, mut out, mut i) = (text.as_bytes(), Vec::new(), 0);
    let hex = |j: usize| b.get(j).and_then(|c| char::from(*c).to_digit(16));
    while i < b.len() {
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.extend(u8::try_from(hi * 16 + lo));
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    delay: Duration,
    drop: bool,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        let headers = vec![(
            "content-type".into(),
            "application/json;charset=utf-8".into(),
        )];
        Self {
            status,
            headers,
            body: body.into(),
            delay: Duration::ZERO,
            drop: false,
        }
    }
    pub fn html(status: u16, body: &str) -> Self {
        Self::json(status, body).header("content-type", "text/html")
    }
    /// 200 with a CreateRestoreTask success body.
    pub fn success() -> Self {
        Self::json(
            200,
            r#"{"RequestId":"req-ok","RestoreTaskId":"task-1","Success":true,"HttpStatusCode":200}"#,
        )
    }
    /// Reads the request, then closes the connection without answering.
    pub fn drop_connection() -> Self {
        Self {
            drop: true,
            ..Self::json(500, "")
        }
    }
    /// Adds or replaces a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Log = Arc<Mutex<Vec<Recorded>>>;
type Respond = Arc<dyn Fn(&Recorded, usize) -> Reply + Send + Sync>;

/// The server; dropping it stops accepting connections.
pub struct Server {
    url: String,
    log: Log,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Answers request number `n` (0-based) with `respond(request, n)`.
    pub async fn start(
        respond: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let (log, respond): (Log, Respond) = (Log::default(), Arc::new(respond));
        let task_log = Arc::clone(&log);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&task_log), Arc::clone(&respond)));
            }
        });
        Self { url, log, task }
    }

    /// Answers request `n` with `replies[n]`, repeating the last reply.
    pub async fn scripted(replies: Vec<Reply>) -> Self {
        Self::start(move |_, n| {
            replies
                .get(n)
                .or(replies.last())
                .cloned()
                .unwrap_or_else(Reply::success)
        })
        .await
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, log: Log, respond: Respond) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let index = {
        let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
        log.push(request.clone());
        log.len() - 1
    };
    let reply = respond(&request, index);
    tokio::time::sleep(reply.delay).await;
    if reply.drop {
        return; // Dropping the stream closes the connection unanswered.
    }
    let mut head = format!(
        "HTTP/1.1 {} Scripted\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(reply.body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Reads the request line, headers and a `content-length` body; `None` on anything odd.
async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let (mut buf, mut chunk) = (Vec::new(), [0u8; 4096]);
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream
            .read(&mut chunk)
            .await
            .ok()
            .filter(|n| *n > 0 && buf.len() < 64 * 1024)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let at = Instant::now();
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let (method, target) = (
        request_line.next()?.to_owned(),
        request_line.next()?.to_owned(),
    );
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(Some(0), |(_, v)| v.parse::<usize>().ok())?;
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length && length <= 1 << 20 {
        let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(Recorded {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at,
    })
}

pub const ACCESS_KEY_ID: &str = "testid";
pub const ACCESS_KEY_SECRET: &str = "testsecret";

/// A client for `server`: the given credentials and signature, 10 ms initial backoff.
pub fn client(server: &Server, credentials: Credentials, version: SignatureVersion) -> Client {
    Client::builder()
        .endpoint_url(server.url())
        .credentials(credentials)
        .signature_version(version)
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(10)))
        .build()
        .expect("a loopback client builds")
}

/// The reference's example CreateRestoreTask call.
pub fn restore_task(client: &Client) -> dbs_api::CreateRestoreTaskRequest<'_> {
    client
        .create_restore_task()
        .backup_plan_id("dbs1hvb0ww****")
        .restore_task_name("test")
        .destination_endpoint_instance_type(dbs_api::DestinationEndpointInstanceType::Rds)
        .destination_endpoint_region("cn-hangzhou")
        .destination_endpoint_instance_id("rm-bp1p8c29*****")
        .destination_endpoint_user_name("test")
        .destination_endpoint_password("Test")
        .restore_objects([dbs_api::RestoreObject::new("test").new_db_name("test_new")])
}
