//! Support shared by the workspace's test binaries (`tests/tests/*.rs`): a loopback capture
//! server that records requests exactly as they arrive, and a small seeded PRNG so generated
//! corpora are the same on every run and every machine.
//!
//! Nothing here is published; the crate exists for its tests.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// One request as the capture server received it.
#[derive(Clone, PartialEq, Eq)]
pub struct Captured {
    /// The HTTP method, `POST`.
    pub method: String,
    /// The request target as sent: path and raw (still encoded) query, `/?Action=…`.
    pub target: String,
    /// Every header in arrival order; names lower-cased (HTTP/1 names are case-insensitive),
    /// values as sent (read lossily if they are not UTF-8).
    pub headers: Vec<(String, String)>,
    /// The body bytes, exactly.
    pub body: Vec<u8>,
}

impl Captured {
    /// The raw query: what follows the first `?` of the target, or empty.
    pub fn raw_query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// The value of the first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for Captured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only fake test credentials pass through here, so the whole request is shown.
        f.debug_struct("Captured")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// What the capture server answers to every request.
#[derive(Clone, Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `content-type` header.
    pub content_type: String,
    /// Body.
    pub body: String,
}

impl Default for Reply {
    /// `200` with a successful `CreateRestoreTask` answer.
    fn default() -> Self {
        Self {
            status: 200,
            content_type: "application/json".to_owned(),
            body: r#"{"RequestId":"x","Success":true,"RestoreTaskId":"r"}"#.to_owned(),
        }
    }
}

/// An HTTP/1.1 server on `127.0.0.1` (a free port) that records every request and answers each
/// with the same [`Reply`]. It stops when dropped.
pub struct CaptureServer {
    addr: SocketAddr,
    records: Arc<Mutex<Vec<Captured>>>,
    stop: Option<oneshot::Sender<()>>,
}

impl fmt::Debug for CaptureServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl CaptureServer {
    /// Starts a server answering [`Reply::default`]. Needs a running Tokio runtime.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(Reply::default()).await
    }

    /// Starts a server answering `reply` to every request. Needs a running Tokio runtime.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub async fn start_with(reply: Reply) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let records = Arc::new(Mutex::new(Vec::new()));
        let (stop, mut stopped) = oneshot::channel();
        let shared = Arc::clone(&records);
        let reply = Arc::new(reply);
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(_) => continue,
                    },
                };
                let (records, reply) = (Arc::clone(&shared), Arc::clone(&reply));
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let (records, reply) = (Arc::clone(&records), Arc::clone(&reply));
                        async move { Ok::<_, Infallible>(record(request, &records, &reply).await) }
                    });
                    // A client that goes away mid-request is not the server's problem.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            records,
            stop: Some(stop),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Removes and returns everything captured so far, in arrival order.
    pub fn take(&self) -> Vec<Captured> {
        std::mem::take(&mut *self.records.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Drop for CaptureServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn record(
    request: Request<Incoming>,
    records: &Mutex<Vec<Captured>>,
    reply: &Reply,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    let captured = Captured {
        method: parts.method.as_str().to_owned(),
        target: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.to_string(), |pq| pq.as_str().to_owned()),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    records
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(captured);
    let mut response = Response::new(Full::new(Bytes::from(reply.body.clone())));
    *response.status_mut() =
        hyper::StatusCode::from_u16(reply.status).unwrap_or(hyper::StatusCode::OK);
    if let Ok(value) = hyper::header::HeaderValue::from_str(&reply.content_type) {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny PRNG whose whole state is one `u64`, so a
/// corpus generated from a fixed seed is the same everywhere. Not for anything secret.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is `0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // The modulo bias is irrelevant for test data.
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range_i64(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.wrapping_sub(lo) as u64;
        match span.checked_add(1) {
            Some(n) => lo.wrapping_add((self.next_u64() % n) as i64),
            None => self.next_u64() as i64,
        }
    }

    /// `true` with probability `percent`/100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    /// A random element of a non-empty slice.
    ///
    /// # Panics
    ///
    /// When `items` is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        assert!(!items.is_empty(), "pick from an empty slice");
        &items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix64;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // First outputs for seed 1234567 of the reference C implementation (prng.di.unimi.it).
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(rng.next_u64(), 9_817_491_932_198_370_423);
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..1000 {
            assert!(rng.below(3) < 3);
            let v = rng.range_i64(-5, 5);
            assert!((-5..=5).contains(&v));
        }
        assert_eq!(rng.below(0), 0);
        let _ = rng.range_i64(i64::MIN, i64::MAX);
    }
}

/// The README's Rust examples, compiled as doctests of this crate (`cargo test -p dbs-tests
/// --doc`) so that what a newcomer copies builds as shown.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
