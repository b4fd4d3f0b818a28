//! The emulator as the ECS instance metadata service (IMDS), for the ECS RAM role credential
//! provider: the IMDSv2 session token and the role paths, as Alibaba documents them.
//!
//! | Request | Answer |
//! | --- | --- |
//! | `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds: 1..=21600` | 200, the session token (text) |
//! | `GET /latest/meta-data/ram/security-credentials/` with `X-aliyun-ecs-metadata-token` | 200, the role name, [`DEMO_ECS_ROLE_NAME`] (text) |
//! | `GET /latest/meta-data/ram/security-credentials/<role>` with the token | 200, `{"Code":"Success","AccessKeyId","AccessKeySecret","SecurityToken","Expiration","LastUpdated"}` |
//!
//! IMDSv2 is enforced: a metadata `GET` without a valid, unexpired session token is answered
//! 401, unless the emulator allows IMDSv1
//! ([`EmulatorConfig::imds_v1_allowed`](crate::EmulatorConfig::imds_v1_allowed),
//! `--imds-v1-allowed`). A token `PUT` without a TTL header, or with a TTL outside
//! 1..=21600 seconds, is answered 400; another role name 404; another method 405. Like the
//! real service (reachable only from inside the instance), it answers only callers on this
//! machine (a loopback peer with a loopback `Host`): the credentials it hands out would
//! otherwise let any machine that reaches the emulator call its API.
//!
//! The credentials last an hour, or
//! [`EmulatorConfig::sts_credential_lifetime_ms`](crate::EmulatorConfig::sts_credential_lifetime_ms).

use hyper::Method;
use hyper::http::request::Parts;
use serde_json::json;

use crate::temporary::{Issued, format_expiration};

/// The role the emulated instance has.
pub const DEMO_ECS_ROLE_NAME: &str = "dbs-ecs-role";
/// The longest session token TTL, in seconds (six hours).
pub const MAX_METADATA_TOKEN_TTL_SECONDS: u64 = 21600;

/// The path of the session token.
pub(crate) const TOKEN_PATH: &str = "/latest/api/token";
/// The path of the role list; a role's credentials are below it.
pub(crate) const CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";
/// The header that asks for a token and gives its TTL.
const TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
/// The header that carries the token.
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";

/// Whether `path` is the metadata service's.
pub(crate) fn is_metadata_path(path: &str) -> bool {
    path.starts_with("/latest/")
}

/// What a metadata request asks for, once its method, headers and path are checked.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum MetadataRequest {
    /// A session token valid for this many seconds.
    Token(u64),
    /// The role list.
    Roles,
    /// The demo role's credentials.
    Credentials,
}

/// A refusal: HTTP status and a text body.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refusal(pub(crate) u16, pub(crate) &'static str);

/// Reads a metadata request. `token_valid` says whether a session token is one the emulator
/// gave and has not expired.
pub(crate) fn read(
    parts: &Parts,
    v1_allowed: bool,
    token_valid: impl FnOnce(&str) -> bool,
) -> Result<MetadataRequest, Refusal> {
    let path = parts.uri.path();
    if path == TOKEN_PATH {
        if parts.method != Method::PUT {
            return Err(Refusal(405, "the session token is taken with PUT\n"));
        }
        let ttl = parts
            .headers
            .get(TTL_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|ttl| (1..=MAX_METADATA_TOKEN_TTL_SECONDS).contains(ttl));
        return ttl.map(MetadataRequest::Token).ok_or(Refusal(
            400,
            "X-aliyun-ecs-metadata-token-ttl-seconds must be 1 to 21600\n",
        ));
    }
    let Some(role) = path.strip_prefix(CREDENTIALS_PATH) else {
        return Err(Refusal(404, "Not Found\n"));
    };
    if parts.method != Method::GET {
        return Err(Refusal(405, "metadata is read with GET\n"));
    }
    // A token that is present but not text is a wrong token, not a missing one: it must not
    // pass as IMDSv1 when that is allowed.
    let authorized = match parts.headers.get(TOKEN_HEADER).map(|v| v.to_str()) {
        Some(Ok(token)) => token_valid(token),
        Some(Err(_)) => false,
        None => v1_allowed,
    };
    if !authorized {
        return Err(Refusal(
            401,
            "a valid X-aliyun-ecs-metadata-token is required (IMDSv2)\n",
        ));
    }
    match role {
        "" => Ok(MetadataRequest::Roles),
        DEMO_ECS_ROLE_NAME => Ok(MetadataRequest::Credentials),
        _ => Err(Refusal(404, "Not Found\n")),
    }
}

/// The credentials document, as the metadata service writes it.
pub(crate) fn credentials_document(issued: &Issued) -> String {
    json!({
        "AccessKeyId": issued.access_key_id,
        "AccessKeySecret": issued.access_key_secret.expose(),
        "Expiration": format_expiration(issued.expiration),
        "SecurityToken": issued.security_token.expose(),
        "LastUpdated": format_expiration(issued.issued_at),
        "Code": "Success",
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, path: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = hyper::Request::builder().method(method).uri(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).expect("a request").into_parts().0
    }

    #[test]
    fn imdsv2_is_enforced_unless_v1_is_allowed() {
        let token = |ttl: &str| {
            read(
                &parts("PUT", TOKEN_PATH, &[(TTL_HEADER, ttl)]),
                false,
                |_| false,
            )
        };
        assert_eq!(token("21600"), Ok(MetadataRequest::Token(21600)));
        assert_eq!(token("0").map_err(|r| r.0), Err(400));
        assert_eq!(token("21601").map_err(|r| r.0), Err(400));
        assert_eq!(
            read(&parts("GET", TOKEN_PATH, &[]), false, |_| true).map_err(|r| r.0),
            Err(405)
        );
        let role = format!("{CREDENTIALS_PATH}{DEMO_ECS_ROLE_NAME}");
        let get =
            |headers: &[(&str, &str)], v1| read(&parts("GET", &role, headers), v1, |t| t == "good");
        assert_eq!(get(&[], false).map_err(|r| r.0), Err(401));
        assert_eq!(
            get(&[(TOKEN_HEADER, "bad")], true).map_err(|r| r.0),
            Err(401)
        );
        assert_eq!(
            get(&[(TOKEN_HEADER, "good")], false),
            Ok(MetadataRequest::Credentials)
        );
        assert_eq!(get(&[], true), Ok(MetadataRequest::Credentials));
        assert_eq!(
            read(
                &parts("GET", CREDENTIALS_PATH, &[(TOKEN_HEADER, "good")]),
                false,
                |t| t == "good"
            ),
            Ok(MetadataRequest::Roles)
        );
        // A token header that is not text is refused even where IMDSv1 is allowed.
        let mut binary = parts("GET", &role, &[]);
        binary.headers.insert(
            TOKEN_HEADER,
            hyper::header::HeaderValue::from_bytes(b"\xff\xfe").expect("a header value"),
        );
        assert_eq!(read(&binary, true, |_| true).map_err(|r| r.0), Err(401));
        let other = format!("{CREDENTIALS_PATH}other");
        assert_eq!(
            read(&parts("GET", &other, &[]), true, |_| true).map_err(|r| r.0),
            Err(404)
        );
    }
}
