//! The HTTP side of the ECS metadata service ([`crate::imds`]) and the credentials URI
//! ([`crate::credentials_uri`]): local callers only, counted, faults taken, then the module of
//! the path answers. (STS goes through the gateway on `/`, see [`crate::sts`].)

use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, Response};

use crate::admin;
use crate::config::DEFAULT_TEMPORARY_LIFETIME_SECONDS;
use crate::credentials_uri::{self, CREDENTIALS_URI_PATH};
use crate::faults::FaultKind;
use crate::imds::{self, MetadataRequest};
use crate::reply::{Reply, new_request_id};
use crate::server::{DropConnection, HttpResponse, Shared, host, sleep_ms};
use crate::temporary::Source;

/// Whether `path` is the metadata service's or the credentials URI's.
pub(crate) fn is_credential_path(path: &str) -> bool {
    imds::is_metadata_path(path) || path == CREDENTIALS_URI_PATH
}

/// The fault name that matches every metadata service request.
pub const METADATA_FAULT_ACTION: &str = "EcsMetadata";
/// The fault name that matches every credentials URI request.
pub const CREDENTIALS_URI_FAULT_ACTION: &str = "CredentialsUri";

/// Answers the metadata service and the credentials URI: local callers only, counted, faults
/// taken (`EcsMetadata`, `CredentialsUri`) before anything else.
pub(crate) async fn handle(
    peer: SocketAddr,
    parts: &Parts,
    shared: &Shared,
) -> Result<HttpResponse, DropConnection> {
    let path = parts.uri.path();
    let is_uri = path == CREDENTIALS_URI_PATH;
    let fault_action = if is_uri {
        CREDENTIALS_URI_FAULT_ACTION
    } else {
        METADATA_FAULT_ACTION
    };
    let request_id = new_request_id();
    if admin::check_caller(peer, &parts.headers).is_err() {
        tracing::info!(%request_id, endpoint = fault_action, status = 403, "refused: not a local caller");
        return Ok(text_response(403, LOCAL_CALLERS_ONLY));
    }
    {
        let mut temporary = shared.temporary();
        let counters = &mut temporary.counters;
        match (is_uri, parts.method == Method::PUT) {
            (true, _) => counters.credentials_uri += 1,
            (false, true) => counters.metadata_token += 1,
            (false, false) => counters.metadata_credentials += 1,
        }
    }
    let fault = shared.lock().faults.take(fault_action, true);
    if let Some(fault) = fault {
        sleep_ms(fault.delay_ms).await;
        match fault.kind {
            FaultKind::Reset => return Err(DropConnection),
            FaultKind::Delay => {}
            _ => {
                tracing::info!(%request_id, endpoint = fault_action, "answered by an injected fault");
                return Ok(Reply::Gateway(fault.error()).into_response(
                    &request_id,
                    &host(parts),
                    false,
                ));
            }
        }
    }
    let now = time::OffsetDateTime::now_utc();
    let lifetime_ms = shared
        .lifetime_override_ms
        .unwrap_or(DEFAULT_TEMPORARY_LIFETIME_SECONDS * 1000);
    let (status, body, json) = if is_uri {
        if parts.method == Method::GET {
            let issued = shared
                .temporary()
                .issue(now, lifetime_ms, Source::CredentialsUri);
            (200, credentials_uri::document(&issued), true)
        } else {
            (
                405,
                "the credentials URI is read with GET\n".to_owned(),
                false,
            )
        }
    } else {
        let read = imds::read(parts, shared.imds_v1_allowed, |token| {
            shared.temporary().metadata_token_valid(token, now)
        });
        match read {
            Ok(MetadataRequest::Token(ttl)) => {
                (200, shared.temporary().new_metadata_token(now, ttl), false)
            }
            Ok(MetadataRequest::Roles) => (200, imds::DEMO_ECS_ROLE_NAME.to_owned(), false),
            Ok(MetadataRequest::Credentials) => {
                let issued = shared
                    .temporary()
                    .issue(now, lifetime_ms, Source::EcsMetadata);
                (200, imds::credentials_document(&issued), true)
            }
            Err(imds::Refusal(status, message)) => (status, message.to_owned(), false),
        }
    };
    let lose_response = shared.lock().faults.take(fault_action, false);
    if let Some(fault) = lose_response {
        sleep_ms(fault.delay_ms).await;
        tracing::info!(%request_id, endpoint = fault_action, "work done; answer replaced by an injected fault");
        return Ok(Reply::Gateway(fault.error()).into_response(&request_id, &host(parts), false));
    }
    tracing::info!(%request_id, endpoint = fault_action, status, "answered");
    Ok(if json {
        crate::reply::json_text_response(status, &request_id, body)
    } else {
        text_response(status, &body)
    })
}

/// Why a credential endpoint refuses a caller that is not on this machine.
pub(crate) const LOCAL_CALLERS_ONLY: &str = "the emulator hands out temporary credentials (AssumeRoleWithOIDC, \
     the ECS metadata service, the credentials URI) only to callers on this machine: a loopback \
     peer address and a loopback Host (127.0.0.1, localhost or [::1]), no cross-site Origin\n";

/// A `text/plain` answer (the metadata service's).
fn text_response(status: u16, text: &str) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from(text.to_owned())));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=utf-8"),
    );
    response
}
