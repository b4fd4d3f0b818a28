//! The admin API under `/_emulator/`: never signed, always JSON.
//!
//! | Request | Answer |
//! | --- | --- |
//! | `GET /_emulator/health` | `{"status":"ok"}` |
//! | `GET /_emulator/state` | a [`StateSnapshot`](crate::StateSnapshot) |
//! | `GET /_emulator/faults` | `{"faults":[…]}`, the faults still waiting |
//! | `POST /_emulator/faults` with a [`Fault`] | `{"faults":[…]}` after adding it |
//! | `DELETE /_emulator/faults` | `{"cleared":N}` |
//!
//! The state's `requests` counts what [`StateSnapshot::requests`](crate::StateSnapshot::requests)
//! says; faults are described in [`faults`](crate::faults).
//!
//! Errors are `{"error":"<what is wrong>"}` with 400 (a fault that is not JSON of the right
//! shape), 404 (another path) or 405 (another method).

use hyper::Method;
use serde_json::json;

use crate::faults::Fault;
use crate::reply::json_response;
use crate::server::Shared;

/// The admin API's path prefix.
pub(crate) const PREFIX: &str = "/_emulator/";

/// Answers an admin request; `route` is the path after [`PREFIX`].
pub(crate) fn handle(
    method: &Method,
    route: &str,
    body: &[u8],
    shared: &Shared,
) -> hyper::Response<http_body_util::Full<hyper::body::Bytes>> {
    let (status, answer) = match (route, method) {
        ("health", &Method::GET) => (200, json!({"status": "ok"})),
        ("state", &Method::GET) => return json_response(200, "", &shared.snapshot()),
        ("faults", &Method::GET) => (200, faults(shared)),
        ("faults", &Method::POST) => match serde_json::from_slice::<Fault>(body) {
            Err(e) => (
                400,
                error(format!(
                    "invalid fault: {e}; expected JSON like \
                     {{\"action\":\"CreateRestoreTask\",\"kind\":\"status\",\"count\":1,\"status\":503}} \
                     with kind status, throttle, reset, delay or apply_then_fail"
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

fn faults(shared: &Shared) -> serde_json::Value {
    json!({"faults": shared.lock().faults.list()})
}

fn error(message: String) -> serde_json::Value {
    json!({"error": message})
}
