//! The loopback server every test binary uses to see what a client sent and to answer as the
//! test says: a status with headers and a body, after a delay if asked, or a connection dropped
//! or reset without an answer, or raw bytes that need not be HTTP at all.
//!
//! Requests are read by hand from the socket, not through an HTTP library, so what is recorded
//! is exactly what arrived ([`Recorded::bytes`]). One request per connection (`connection:
//! close`), so a delayed or dropped answer affects one attempt only. Malformed input closes the
//! connection; nothing here panics on what it reads.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::form::decode_form;

/// The largest request head read (bytes); a longer one closes the connection.
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body read (bytes); a longer `content-length` closes the connection.
const MAX_BODY: usize = 8 << 20;

/// One request as the server received it.
#[derive(Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The HTTP method, `POST`.
    pub method: String,
    /// The request target as sent: path and raw (still encoded) query, `/?Action=…`.
    pub target: String,
    /// Every header in arrival order; names lower-cased (HTTP/1 names are case-insensitive),
    /// values trimmed and read lossily if they are not UTF-8.
    pub headers: Vec<(String, String)>,
    /// The body as text ([`Recorded::body_bytes`] read lossily as UTF-8; every body our clients
    /// send is ASCII).
    pub body: String,
    /// The body bytes, exactly as they arrived.
    pub body_bytes: Vec<u8>,
    /// The whole request (head and body) exactly as it arrived.
    pub bytes: Vec<u8>,
    /// When the request head was complete.
    pub at: Instant,
}

impl Recorded {
    /// The value of the first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path: the target up to the first `?`.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The raw query: what follows the first `?` of the target, or empty.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, query)| query)
    }

    /// The query's decoded pairs, in order.
    pub fn query_params(&self) -> Vec<(String, String)> {
        decode_form(self.query())
    }

    /// The body's decoded pairs (as a form), in order.
    pub fn body_params(&self) -> Vec<(String, String)> {
        decode_form(&self.body)
    }
}

impl fmt::Debug for Recorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only fake test credentials pass through here, so the whole request is shown.
        f.debug_struct("Recorded")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

/// What the server does after reading a request.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Action {
    /// An HTTP answer.
    Answer,
    /// Close the connection without answering (FIN).
    Drop,
    /// Reset the connection without answering (RST).
    Reset,
    /// Write these bytes as they are, then close.
    Raw(Vec<u8>),
}

/// What the server does with one request.
#[derive(Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
    action: Action,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body as text, so a test can search what it scripted (fake secrets only).
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("delay", &self.delay)
            .field("action", &self.action)
            .finish()
    }
}

impl Reply {
    /// `status` with a JSON body (`content-type: application/json;charset=utf-8`).
    pub fn json(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json;charset=utf-8".into(),
            )],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
            action: Action::Answer,
        }
    }

    /// `status` with an HTML body, as a proxy in front of the service might answer.
    pub fn html(status: u16, body: &str) -> Self {
        Self::json(status, body).header("content-type", "text/html")
    }

    /// 200 with a successful CreateRestoreTask answer (`RestoreTaskId` `task-1`).
    pub fn success() -> Self {
        Self::json(
            200,
            r#"{"RequestId":"req-ok","RestoreTaskId":"task-1","Success":true,"HttpStatusCode":200}"#,
        )
    }

    /// Reads the request, then closes the connection without answering.
    pub fn drop_connection() -> Self {
        Self {
            action: Action::Drop,
            ..Self::json(500, "")
        }
    }

    /// Reads the request, then resets the connection (RST) without answering.
    pub fn reset() -> Self {
        Self {
            action: Action::Reset,
            ..Self::json(500, "")
        }
    }

    /// Reads the request, writes `bytes` as they are (no status line added), then closes.
    pub fn raw(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            action: Action::Raw(bytes.into()),
            ..Self::json(500, "")
        }
    }

    /// Adds or replaces a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Waits this long after reading the request before doing anything.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The bytes of the HTTP answer (`connection: close`, with `content-length`).
    fn to_http(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} Scripted\r\ncontent-length: {}\r\nconnection: close\r\n",
            self.status,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

type Log = Arc<Mutex<Vec<Recorded>>>;
type Respond = Arc<dyn Fn(&Recorded, usize) -> Reply + Send + Sync>;

/// An HTTP/1.1 server on `127.0.0.1` (a free port) that records every request and answers each
/// as its script says. Dropping it stops accepting connections. Needs a running Tokio runtime.
pub struct Server {
    addr: SocketAddr,
    url: String,
    log: Log,
    task: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Answers request number `n` (0-based, in arrival order) with `respond(request, n)`.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (see [`Server::try_start`]).
    pub async fn start(
        respond: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        Self::try_start(None, respond)
            .await
            .expect("bind a port on 127.0.0.1")
    }

    /// Answers request `n` with `replies[n]`, repeating the last reply ([`Reply::success`] when
    /// `replies` is empty).
    pub async fn scripted(replies: Vec<Reply>) -> Self {
        Self::start(move |_, n| scripted_reply(&replies, n)).await
    }

    /// Takes one connection, stops listening at once (so every later connection is refused),
    /// then serves that one request with `reply`.
    pub async fn one_connection(reply: Reply) -> Self {
        Self::try_start(Some(1), move |_, _| reply.clone())
            .await
            .expect("bind a port on 127.0.0.1")
    }

    /// Like [`Server::start`], but reports a failure to bind instead of panicking; with
    /// `Some(n)` the listening socket is closed after `n` connections.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub async fn try_start(
        connections: Option<usize>,
        respond: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (log, respond): (Log, Respond) = (Log::default(), Arc::new(respond));
        let task_log = Arc::clone(&log);
        let task = tokio::spawn(async move {
            let mut accepted = 0;
            while connections.is_none_or(|limit| accepted < limit) {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                accepted += 1;
                tokio::spawn(serve(stream, Arc::clone(&task_log), Arc::clone(&respond)));
            }
            // The listener is dropped here: later connections are refused.
        });
        Ok(Self {
            addr,
            url: format!("http://{addr}"),
            log,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request recorded so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Removes and returns every request recorded so far, in arrival order.
    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `replies[n]`, else the last one, else a success.
fn scripted_reply(replies: &[Reply], n: usize) -> Reply {
    replies
        .get(n)
        .or(replies.last())
        .cloned()
        .unwrap_or_else(Reply::success)
}

/// An `http://127.0.0.1:PORT` URL where nothing listens: every connection is refused (the port
/// was bound and released; nothing else on this machine is expected to take it meanwhile).
pub fn refused_url() -> String {
    let addr = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .expect("bind a port on 127.0.0.1");
    format!("http://{addr}")
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
    let bytes = match reply.action {
        Action::Answer => reply.to_http(),
        Action::Raw(bytes) => bytes,
        // Dropping the stream closes the connection unanswered.
        Action::Drop => return,
        Action::Reset => {
            let _ = stream.set_zero_linger();
            return;
        }
    };
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
}

/// Reads the request line, headers and a `content-length` body; `None` on anything odd
/// (including `transfer-encoding`, which none of our clients sends).
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
            .filter(|n| *n > 0 && buf.len() < MAX_HEAD)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let at = Instant::now();
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
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
    if headers.iter().any(|(k, _)| k == "transfer-encoding") {
        return None;
    }
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(Some(0), |(_, v)| v.parse::<usize>().ok())
        .filter(|length| *length <= MAX_BODY)?;
    let body_start = head_end + 4;
    while buf.len() < body_start + length {
        let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    }
    buf.truncate(body_start + length);
    let body_bytes = buf[body_start..].to_vec();
    Some(Recorded {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body_bytes).into_owned(),
        body_bytes,
        bytes: buf,
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `request` to `addr` over a fresh connection and reads until the server closes.
    async fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request).await.expect("write");
        // End of request: a server waiting for more body sees the end instead.
        let _ = stream.shutdown().await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        answer
    }

    #[tokio::test]
    async fn records_the_bytes_as_sent_and_answers_in_script_order() {
        let server = Server::scripted(vec![
            Reply::json(503, "{}").header("x-acs-retry-after", "5"),
            Reply::raw(b"not http".to_vec()),
        ])
        .await;
        let request = b"POST /?A=%20b HTTP/1.1\r\nHost: x\r\nX-Acs-Date: 1 \r\nContent-Length: 5\r\n\r\nb=%FF";
        let first = exchange(server.addr(), request).await;
        let first = String::from_utf8_lossy(&first);
        assert!(first.starts_with("HTTP/1.1 503 "), "{first}");
        assert!(first.contains("\r\nx-acs-retry-after: 5\r\n"), "{first}");
        assert!(first.ends_with("\r\n\r\n{}"), "{first}");
        assert_eq!(exchange(server.addr(), request).await, b"not http");
        // The script's last reply repeats.
        assert_eq!(exchange(server.addr(), request).await, b"not http");

        let recorded = server.take();
        assert_eq!(recorded.len(), 3);
        let r = &recorded[0];
        assert_eq!(r.bytes, request);
        assert_eq!(r.body_bytes, b"b=%FF");
        assert_eq!(
            (r.method.as_str(), r.path(), r.query()),
            ("POST", "/", "A=%20b")
        );
        assert_eq!(r.header("X-ACS-DATE"), Some("1"));
        assert_eq!(r.query_params(), [("A".to_owned(), " b".to_owned())]);
        assert!(server.take().is_empty(), "take empties the log");
    }

    #[tokio::test]
    async fn malformed_requests_close_the_connection_unrecorded() {
        let server = Server::scripted(vec![]).await;
        for request in [
            &b"POST / HTTP/1.1\r\ncontent-length: x\r\n\r\n"[..],
            b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
            b"POST / HTTP/1.1\r\ncontent-length: 9\r\n\r\nshort",
        ] {
            assert_eq!(exchange(server.addr(), request).await, b"");
        }
        assert!(server.requests().is_empty());
    }

    #[tokio::test]
    async fn drop_closes_and_reset_resets_without_an_answer() {
        let server = Server::scripted(vec![Reply::drop_connection(), Reply::reset()]).await;
        let request = b"POST / HTTP/1.1\r\ncontent-length: 0\r\n\r\n";
        let mut read = Vec::new();
        let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
        stream.write_all(request).await.expect("write");
        let closed = stream.read_to_end(&mut read).await.expect("a clean close");
        assert_eq!((closed, read.as_slice()), (0, &b""[..]));
        let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
        stream.write_all(request).await.expect("write");
        let reset = stream.read_to_end(&mut read).await.expect_err("a reset");
        assert_eq!(reset.kind(), std::io::ErrorKind::ConnectionReset);
        assert_eq!(server.requests().len(), 2, "both requests were read first");
    }

    #[tokio::test]
    async fn refused_url_refuses() {
        let url = refused_url();
        let addr = url.trim_start_matches("http://");
        assert!(TcpStream::connect(addr).await.is_err(), "{url}");
    }

    #[tokio::test]
    async fn one_connection_refuses_the_next() {
        let server = Server::one_connection(Reply::drop_connection()).await;
        let answer = exchange(server.addr(), b"GET / HTTP/1.1\r\n\r\n").await;
        assert_eq!(answer, b"", "dropped without an answer");
        let mut refused = false;
        // The accept loop ends right after the first connection; bounded wait for that.
        for _ in 0..100 {
            if TcpStream::connect(server.addr()).await.is_err() {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(refused, "a second connection was accepted");
        assert_eq!(server.requests().len(), 1);
    }
}
