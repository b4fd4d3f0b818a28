//! The admin API under `/_emulator/`: never signed, always JSON.
//!
//! | Request | Answer |
//! | --- | --- |
//! | `GET /_emulator/health` | `{"status":"ok"}` |
//! | `GET /_emulator/state?page=1&page_size=100&backup_plan_id=…` | a [`StatePage`](crate::StatePage): the [`StateSnapshot`](crate::StateSnapshot) fields with one page of backup plans and one of restore tasks (each oldest first), and `page`, `page_size`, `total_restore_tasks`, `total_backup_plans` |
//! | `GET /_emulator/faults` | `{"faults":[…]}`, the faults still waiting |
//! | `POST /_emulator/faults` with a [`Fault`] | `{"faults":[…]}` after adding it |
//! | `DELETE /_emulator/faults` | `{"cleared":N}` |
//!
//! The state's `requests` counts what [`StateSnapshot::requests`](crate::StateSnapshot::requests)
//! says, its `credentials` the requests to the credential endpoints and the credentials issued
//! ([`CredentialCounters`](crate::CredentialCounters)); faults are described in
//! [`faults`](crate::faults).
//!
//! `page` counts from 1 (default 1), `page_size` is 1 to 1000 (default 100), and
//! `backup_plan_id` keeps only that plan and its tasks; each is optional. The page and its size
//! apply to the plans and to the tasks alike. A page of tasks costs the same whatever the number
//! of tasks held. ([`EmulatorHandle::state`](crate::EmulatorHandle::state) returns every plan
//! and every task, in process.) At most [`MAX_FAULTS`](crate::MAX_FAULTS) faults wait at
//! once.
//!
//! # Only for local programs, never for a web page
//!
//! The admin API is not signed, so it refuses what a web page the developer visits could send
//! (cross-site request forgery, or DNS rebinding, where a page's own host name is made to point
//! at 127.0.0.1), on every route and method, GET included:
//!
//! - the connection must come from this machine: its peer address must be loopback
//!   (`127.0.0.1/8`, `::1`, or `::ffff:127.0.0.1` on a dual-stack socket), whatever `Host` it
//!   sends, so an emulator listening on `0.0.0.0` keeps its admin API from other machines;
//! - the `Host` header must be loopback: `127.0.0.1`, `localhost` or `[::1]`, with any port (a
//!   rebound name such as `attacker.example:8080` is refused);
//! - an `Origin` header, if sent, must be a loopback origin (`http://127.0.0.1:PORT`,
//!   `http://localhost:PORT`, `http://[::1]:PORT`, or https); `Origin: null`, which sandboxed
//!   frames and some redirects send, is refused too;
//! - `POST` must have `Content-Type: application/json` (parameters such as `;charset=utf-8`
//!   allowed), which a page cannot send to another origin without a CORS preflight that the
//!   emulator never grants.
//!
//! Programs (curl, test suites, SDKs) send a loopback `Host` and no `Origin` when they call
//! `http://127.0.0.1:PORT`, so none of this gets in their way. An emulator listening on a
//! non-loopback address still answers its admin API only to a loopback peer with such a
//! `Host`: call it from the same machine or through a tunnel. (The DBS API itself, under `/`,
//! answers every peer that signs with an accepted account.)
//!
//! Errors are `{"error":"<what is wrong>"}` with 400 (a fault that is not JSON of the right
//! shape, a full fault list, a state query out of range), 403 (a `Host` or `Origin` refused
//! above, or a peer that is not loopback), 404 (another path), 405 (another method) or 415 (a `POST` body that is not declared
//! `application/json`).

use std::net::SocketAddr;

use hyper::HeaderMap;
use hyper::Method;
use hyper::header::{CONTENT_TYPE, HOST, ORIGIN};
use hyper::http::request::Parts;
use serde_json::json;

use crate::faults::Fault;
use crate::reply::json_response;
use crate::server::Shared;
use crate::state::StateQuery;

/// The admin API's path prefix.
pub(crate) const PREFIX: &str = "/_emulator/";

/// Answers an admin request from `peer`; `route` is the path after [`PREFIX`].
pub(crate) fn handle(
    peer: SocketAddr,
    parts: &Parts,
    route: &str,
    body: &[u8],
    shared: &Shared,
) -> hyper::Response<http_body_util::Full<hyper::body::Bytes>> {
    if let Err(message) = check_caller(peer, &parts.headers) {
        return json_response(403, "", &error(message.to_owned()));
    }
    let (status, answer) = match (route, &parts.method) {
        ("health", &Method::GET) => (200, json!({"status": "ok"})),
        ("state", &Method::GET) => match StateQuery::from_query(parts.uri.query().unwrap_or("")) {
            Ok(query) => return json_response(200, "", &shared.page(&query)),
            Err(message) => (400, error(format!("GET {PREFIX}state: {message}"))),
        },
        ("faults", &Method::GET) => (200, faults(shared)),
        ("faults", &Method::POST) if !is_json(&parts.headers) => (
            415,
            error(format!(
                "POST {PREFIX}faults takes a JSON body with Content-Type: application/json"
            )),
        ),
        ("faults", &Method::POST) => match serde_json::from_slice::<Fault>(body) {
            Err(e) => (
                400,
                error(format!(
                    "invalid fault: {e}; expected JSON like \
                     {{\"action\":\"CreateRestoreTask\",\"kind\":\"status\",\"count\":1,\"status\":503}} \
                     with kind status, throttle, reset, delay, apply_then_fail or task_failure"
                )),
            ),
            Ok(fault) => match shared.inject_fault(fault) {
                Ok(()) => (200, faults(shared)),
                Err(e) => (400, error(e.to_string())),
            },
        },
        ("faults", &Method::DELETE) => (200, json!({"cleared": shared.lock().faults.clear()})),
        ("health" | "state", _) => (405, error(format!("use GET {PREFIX}{route}"))),
        ("faults", _) => (
            405,
            error(format!("use GET, POST or DELETE {PREFIX}faults")),
        ),
        _ => (
            404,
            error(format!(
                "no admin route {PREFIX}{route}; the admin API is GET {PREFIX}health, \
                 GET {PREFIX}state and GET, POST or DELETE {PREFIX}faults"
            )),
        ),
    };
    json_response(status, "", &answer)
}

/// A loopback peer, a loopback `Host`, and no `Origin` or a loopback one (see the module docs).
pub(crate) fn check_caller(peer: SocketAddr, headers: &HeaderMap) -> Result<(), &'static str> {
    // The Host header is the client's to choose: only the peer address says where it is.
    // `to_canonical` reads `::ffff:127.0.0.1` (IPv4 on a dual-stack `[::]` socket) as 127.0.0.1.
    if !peer.ip().to_canonical().is_loopback() {
        return Err(
            "the admin API answers only connections from this machine (a loopback peer \
             address); call it through 127.0.0.1 or [::1], or through a tunnel",
        );
    }
    let single = |name| {
        let mut values = headers.get_all(name).iter();
        match (values.next(), values.next()) {
            (Some(value), None) => Some(value.to_str().ok()),
            (None, _) => None,
            (Some(_), Some(_)) => Some(None),
        }
    };
    if !single(HOST).flatten().is_some_and(is_loopback_authority) {
        return Err(
            "the admin API answers only requests for a loopback Host (127.0.0.1, localhost or \
             [::1], with any port), so that no web page can reach it through DNS rebinding",
        );
    }
    match single(ORIGIN) {
        None => Ok(()),
        Some(Some(origin)) if is_loopback_origin(origin) => Ok(()),
        Some(_) => Err(
            "the admin API answers no web page: an Origin header must be a loopback origin \
             (http://127.0.0.1:PORT, http://localhost:PORT or http://[::1]:PORT), and \
             Origin: null is refused",
        ),
    }
}

/// `127.0.0.1`, `localhost` or `[::1]`, with an optional port.
fn is_loopback_authority(authority: &str) -> bool {
    let name = match authority.rsplit_once(':') {
        Some((name, port))
            if (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            name
        }
        _ => authority,
    };
    name == "127.0.0.1" || name == "[::1]" || name.eq_ignore_ascii_case("localhost")
}

/// `http://` or `https://` and a loopback authority, nothing after it.
fn is_loopback_origin(origin: &str) -> bool {
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(is_loopback_authority)
}

/// `Content-Type: application/json`, with or without parameters.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

fn faults(shared: &Shared) -> serde_json::Value {
    json!({"faults": shared.lock().faults.list()})
}

fn error(message: String) -> serde_json::Value {
    json!({"error": message})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            HOST,
            hyper::header::HeaderValue::from_static("127.0.0.1:8080"),
        );
        headers
    }

    #[test]
    fn a_peer_that_is_not_loopback_is_refused_whatever_its_host() {
        let headers = loopback_headers();
        for peer in [
            "192.0.2.7:40000",
            "10.0.0.1:1",
            "0.0.0.0:1",
            "[2001:db8::1]:1",
            "[::ffff:192.0.2.7]:1",
        ] {
            let peer: SocketAddr = peer.parse().expect("address");
            let refused = check_caller(peer, &headers).expect_err("a remote peer");
            assert!(refused.contains("loopback peer"), "{peer}: {refused}");
        }
        for peer in [
            "127.0.0.1:40000",
            "127.9.9.9:1",
            "[::1]:1",
            "[::ffff:127.0.0.1]:1",
        ] {
            let peer: SocketAddr = peer.parse().expect("address");
            assert_eq!(check_caller(peer, &headers), Ok(()), "{peer}");
        }
        // A loopback peer still needs a loopback Host.
        let peer: SocketAddr = "127.0.0.1:1".parse().expect("address");
        assert!(check_caller(peer, &HeaderMap::new()).is_err());
    }

    #[test]
    fn loopback_hosts_and_origins() {
        for host in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "localhost",
            "LocalHost:1",
            "[::1]",
            "[::1]:65535",
        ] {
            assert!(is_loopback_authority(host), "{host}");
        }
        for host in [
            "",
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "localhost.evil.example:80",
            "0.0.0.0:8080",
            "10.0.0.1",
            "127.0.0.2",
            "::1",
            "localhost:",
            "localhost:123456",
            "127.0.0.1:80x",
            "user@127.0.0.1",
        ] {
            assert!(!is_loopback_authority(host), "{host}");
        }
        for origin in [
            "http://127.0.0.1:5173",
            "http://localhost",
            "https://[::1]:8443",
        ] {
            assert!(is_loopback_origin(origin), "{origin}");
        }
        for origin in [
            "null",
            "http://evil.example",
            "http://127.0.0.1:8080/",
            "file://",
            "127.0.0.1",
            "http://127.0.0.1.nip.io",
        ] {
            assert!(!is_loopback_origin(origin), "{origin}");
        }
    }
}
