//! The emulator as Alibaba Cloud STS (Security Token Service, API version `2015-04-01`):
//! `AssumeRole` and `AssumeRoleWithOIDC`, on the same listener and path (`/`) as DBS.
//!
//! `AssumeRole` is signed like any RPC call (V1 or V3, by an accepted account or by temporary
//! credentials the emulator issued: chained roles work) and goes through every gateway check.
//! `AssumeRoleWithOIDC` is anonymous, as at Alibaba: no signature, no AccessKeyId; the OIDC
//! token stands for the caller. Because it hands out credentials to whoever asks, the emulator
//! answers it only to callers on this machine (a loopback peer with a loopback `Host`, as for
//! the admin API), so an emulator listening on another address does not give its API away.
//!
//! The demo data: any caller may assume [`DEMO_ROLE_ARN`]; [`DEMO_OIDC_PROVIDER_ARN`] is the
//! one OIDC provider, and its token must be JWT-shaped (three base64url parts separated by
//! `.`). The emulator does not verify the token's signature; when its payload is JSON, its
//! `exp` is enforced (`AuthenticationFail.OIDCToken.Expired`) and its `sub`, `iss`, `aud`,
//! `iat` and `exp` fill `OIDCTokenInfo`.
//!
//! | Parameter | Rule | Error |
//! | --- | --- | --- |
//! | `RoleArn` | required; `acs:ram::<account ID>:role/<name>` | `MissingParameter`; `InvalidParameter.RoleArn` (400); another role: `NoPermission` (403), for OIDC `AuthenticationFail.NoPermission` (401) |
//! | `RoleSessionName` | required; 2 to 64 of `A-Z a-z 0-9 . @ - _` | `MissingParameter`; `InvalidParameter.RoleSessionName` (400) |
//! | `DurationSeconds` | optional, 900 to 43200, default 3600 | `InvalidParameter.DurationSeconds` (400) |
//! | `Policy` | optional; a JSON object | `InvalidParameter.PolicyGrammar` (400) |
//! | `ExternalId` (AssumeRole) | optional; 2 to 1224 of `A-Z a-z 0-9 = , . @ : / - _` | `InvalidParameter.ExternalId` (400) |
//! | `OIDCProviderArn` (OIDC) | required; [`DEMO_OIDC_PROVIDER_ARN`] | `MissingParameter`; `AuthenticationFail.NoPermission` (401) |
//! | `OIDCToken` (OIDC) | required; 4 to 20,000 characters, JWT-shaped, its `exp` (if any) not passed | `AuthenticationFail.OIDCToken.Invalid` (401); `AuthenticationFail.OIDCToken.Expired` (401) |
//!
//! Errors have Alibaba's gateway shape, `{"RequestId","HostId","Code","Message","Recommend"}`;
//! codes and messages are STS's (the STS 2015-04-01 error code list and troubleshooting pages
//! of Alibaba's documentation), in [`StsErrorCode`]. The credentials last `DurationSeconds`,
//! unless [`EmulatorConfig::sts_credential_lifetime_ms`](crate::EmulatorConfig::sts_credential_lifetime_ms)
//! sets another lifetime (short, for tests of expiry).

use base64::Engine as _;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::reply::{GatewayError, Reply};
use crate::temporary::{Issued, Source, TemporaryStore, format_expiration};

/// The STS API version both actions take.
pub const STS_VERSION: &str = "2015-04-01";
/// The role any caller of the emulator may assume.
pub const DEMO_ROLE_ARN: &str = "acs:ram::1234567890123456:role/dbs-restore";
/// The OIDC provider the emulator knows (an ACK cluster's RRSA provider).
pub const DEMO_OIDC_PROVIDER_ARN: &str = "acs:ram::1234567890123456:oidc-provider/ack-rrsa-demo";
/// The demo role's ID, the first half of `AssumedRoleId`.
const DEMO_ROLE_ID: &str = "391234567890123456";
/// The longest `OIDCToken`, in characters (the AssumeRoleWithOIDC reference).
pub const MAX_OIDC_TOKEN_CHARS: usize = 20_000;
/// `DurationSeconds` when none is given, in seconds.
pub const DEFAULT_DURATION_SECONDS: u64 = 3600;
/// The shortest `DurationSeconds`, in seconds.
pub const MIN_DURATION_SECONDS: u64 = 900;
/// The longest `DurationSeconds`, in seconds (a role's longest session).
pub const MAX_DURATION_SECONDS: u64 = 43200;

/// An STS action the emulator plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StsAction {
    AssumeRole,
    AssumeRoleWithOidc,
}

const ASSUME_ROLE: &str = "AssumeRole";
const ASSUME_ROLE_WITH_OIDC: &str = "AssumeRoleWithOIDC";

impl StsAction {
    /// The action a request names with STS's version, if it is one the emulator plays.
    pub(crate) fn from_wire(action: &str, version: &str) -> Option<Self> {
        if version != STS_VERSION {
            return None;
        }
        match action {
            ASSUME_ROLE => Some(Self::AssumeRole),
            ASSUME_ROLE_WITH_OIDC => Some(Self::AssumeRoleWithOidc),
            _ => None,
        }
    }

    /// Its name on the wire (`Action`), which faults and counters match.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::AssumeRole => ASSUME_ROLE,
            Self::AssumeRoleWithOidc => ASSUME_ROLE_WITH_OIDC,
        }
    }

    /// The action named `name`, whatever the version (for logs and counters).
    pub(crate) fn named(name: &str) -> Option<Self> {
        Self::from_wire(name, STS_VERSION)
    }
}

/// The STS error codes the emulator answers: code, HTTP status and message, as Alibaba's STS
/// documentation lists them (the error code list of STS 2015-04-01 and the AssumeRole
/// troubleshooting page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StsErrorCode {
    /// `NoPermission` (403): the caller may not assume the role.
    NoPermission,
    /// `InvalidParameter.RoleArn` (400).
    InvalidParameterRoleArn,
    /// `InvalidParameter.RoleSessionName` (400).
    InvalidParameterRoleSessionName,
    /// `InvalidParameter.DurationSeconds` (400).
    InvalidParameterDurationSeconds,
    /// `InvalidParameter.PolicyGrammar` (400).
    InvalidParameterPolicyGrammar,
    /// `InvalidParameter.ExternalId` (400).
    InvalidParameterExternalId,
    /// `AuthenticationFail.NoPermission` (401): an OIDC provider or role the token may not use.
    AuthenticationFailNoPermission,
    /// `AuthenticationFail.OIDCToken.Invalid` (401): not a JWT.
    AuthenticationFailOidcTokenInvalid,
    /// `AuthenticationFail.OIDCToken.Expired` (401): the JWT's `exp` has passed.
    AuthenticationFailOidcTokenExpired,
}

impl StsErrorCode {
    /// The code on the wire.
    pub fn code(self) -> &'static str {
        self.row().0
    }

    /// The HTTP status.
    pub fn http_status(self) -> u16 {
        self.row().1
    }

    /// The documented message.
    pub fn message(self) -> &'static str {
        self.row().2
    }

    fn row(self) -> (&'static str, u16, &'static str) {
        match self {
            Self::NoPermission => (
                "NoPermission",
                403,
                "You are not authorized to do this action. You should be authorized by RAM.",
            ),
            Self::InvalidParameterRoleArn => (
                "InvalidParameter.RoleArn",
                400,
                "The parameter RoleArn is wrongly formed.",
            ),
            Self::InvalidParameterRoleSessionName => (
                "InvalidParameter.RoleSessionName",
                400,
                "The parameter RoleSessionName is wrongly formed.",
            ),
            Self::InvalidParameterDurationSeconds => (
                "InvalidParameter.DurationSeconds",
                400,
                "The Min/Max value of DurationSeconds is 15min/12hr.",
            ),
            Self::InvalidParameterPolicyGrammar => (
                "InvalidParameter.PolicyGrammar",
                400,
                "The parameter Policy has not passed grammar check.",
            ),
            Self::InvalidParameterExternalId => (
                "InvalidParameter.ExternalId",
                400,
                "The parameter ExternalId is wrongly formed.",
            ),
            Self::AuthenticationFailNoPermission => (
                "AuthenticationFail.NoPermission",
                401,
                "There is no permission",
            ),
            Self::AuthenticationFailOidcTokenInvalid => (
                "AuthenticationFail.OIDCToken.Invalid",
                401,
                "The Jwt content is invalid that cannot be recognized.",
            ),
            Self::AuthenticationFailOidcTokenExpired => (
                "AuthenticationFail.OIDCToken.Expired",
                401,
                "This JsonWebToken is expired.",
            ),
        }
    }

    /// The gateway error: the code, its status, and `detail` after the message (never a
    /// parameter's value: a token or policy may be secret).
    fn error(self, detail: impl std::fmt::Display) -> GatewayError {
        GatewayError {
            status: self.http_status(),
            code: std::borrow::Cow::Borrowed(self.code()),
            message: {
                // Alibaba's own message is kept verbatim; one without a full stop gets one
                // before the detail, so the two read as sentences.
                let message = self.message();
                let stop = if message.ends_with('.') { "" } else { "." };
                format!("{message}{stop} {detail}")
            },
            retry_after_ms: None,
        }
    }
}

/// What an STS request needs besides its parameters.
#[derive(Debug)]
pub(crate) struct StsCall<'a> {
    pub(crate) request_id: &'a str,
    pub(crate) now: OffsetDateTime,
    /// The lifetime that replaces `DurationSeconds`, if configured.
    pub(crate) lifetime_override_ms: Option<u64>,
}

/// Answers an STS request whose gateway checks passed (or, for `AssumeRoleWithOIDC`, whose
/// caller is local), issuing credentials into `store`.
pub(crate) fn handle(
    action: StsAction,
    params: &[(String, String)],
    call: &StsCall<'_>,
    store: &std::sync::Mutex<TemporaryStore>,
) -> Reply {
    let param = |name: &str| {
        params
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let checked = match action {
        StsAction::AssumeRole => check_assume_role(&param),
        StsAction::AssumeRoleWithOidc => check_oidc(&param, call.now),
    };
    let request = match checked {
        Ok(request) => request,
        Err(error) => return error.into(),
    };
    let lifetime_ms = call
        .lifetime_override_ms
        .unwrap_or(request.duration_seconds.saturating_mul(1000));
    let source = match action {
        StsAction::AssumeRole => Source::AssumeRole,
        StsAction::AssumeRoleWithOidc => Source::AssumeRoleWithOidc,
    };
    let issued = store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .issue(call.now, lifetime_ms, source);
    Reply::Success(answer(call.request_id, &request, &issued).to_string())
}

/// A request whose parameters passed.
#[derive(Debug)]
struct Checked {
    role_arn: String,
    session_name: String,
    duration_seconds: u64,
    /// `OIDCTokenInfo`, for `AssumeRoleWithOIDC`.
    oidc_token_info: Option<Value>,
}

fn answer(request_id: &str, request: &Checked, issued: &Issued) -> Value {
    let mut answer = json!({
        "RequestId": request_id,
        "AssumedRoleUser": {
            "Arn": format!("{}/{}", request.role_arn, request.session_name),
            "AssumedRoleId": format!("{DEMO_ROLE_ID}:{}", request.session_name),
        },
        "Credentials": {
            "AccessKeyId": issued.access_key_id,
            "AccessKeySecret": issued.access_key_secret.expose(),
            "SecurityToken": issued.security_token.expose(),
            "Expiration": format_expiration(issued.expiration),
        },
    });
    if let (Some(info), Some(map)) = (&request.oidc_token_info, answer.as_object_mut()) {
        map.insert("OIDCTokenInfo".to_owned(), info.clone());
    }
    answer
}

fn required<'p>(
    param: &impl Fn(&str) -> Option<&'p str>,
    name: &str,
) -> Result<&'p str, GatewayError> {
    param(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| GatewayError::missing(name))
}

/// The rules both actions share: RoleArn (shape; the demo role), RoleSessionName,
/// DurationSeconds, Policy.
fn check_common<'p>(
    param: &impl Fn(&str) -> Option<&'p str>,
    not_allowed: StsErrorCode,
) -> Result<Checked, GatewayError> {
    let role_arn = required(param, "RoleArn")?;
    let session_name = required(param, "RoleSessionName")?;
    let Some(name) = role_name(role_arn) else {
        return Err(StsErrorCode::InvalidParameterRoleArn
            .error("RoleArn must be acs:ram::<account ID>:role/<role name>."));
    };
    let demo = role_name(DEMO_ROLE_ARN).unwrap_or_default();
    // Role names are not case-sensitive in an ARN; the account ID must match.
    let same_account = role_arn.split(':').nth(3) == DEMO_ROLE_ARN.split(':').nth(3);
    if !same_account || !name.eq_ignore_ascii_case(demo) {
        return Err(not_allowed.error(format!(
            "The emulator lets callers assume only the role {DEMO_ROLE_ARN}."
        )));
    }
    let session_ok = (2..=64).contains(&session_name.len())
        && session_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".@-_".contains(&b));
    if !session_ok {
        return Err(StsErrorCode::InvalidParameterRoleSessionName.error(
            "RoleSessionName must be 2 to 64 characters of A-Z, a-z, 0-9, '.', '@', '-' and '_'.",
        ));
    }
    let duration_seconds = match param("DurationSeconds").filter(|v| !v.is_empty()) {
        None => DEFAULT_DURATION_SECONDS,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|s| (MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(s))
            .ok_or_else(|| {
                StsErrorCode::InvalidParameterDurationSeconds.error(format!(
                    "DurationSeconds must be a whole number of seconds from \
                     {MIN_DURATION_SECONDS} to {MAX_DURATION_SECONDS}."
                ))
            })?,
    };
    if let Some(policy) = param("Policy").filter(|v| !v.is_empty())
        && !serde_json::from_str::<Value>(policy).is_ok_and(|v| v.is_object())
    {
        return Err(StsErrorCode::InvalidParameterPolicyGrammar
            .error("Policy must be a JSON policy document (an object)."));
    }
    Ok(Checked {
        role_arn: role_arn.to_owned(),
        session_name: session_name.to_owned(),
        duration_seconds,
        oidc_token_info: None,
    })
}

fn check_assume_role<'p>(
    param: &impl Fn(&str) -> Option<&'p str>,
) -> Result<Checked, GatewayError> {
    let checked = check_common(param, StsErrorCode::NoPermission)?;
    if let Some(external_id) = param("ExternalId").filter(|v| !v.is_empty()) {
        let ok = (2..=1224).contains(&external_id.len())
            && external_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=,.@:/-_".contains(&b));
        if !ok {
            return Err(StsErrorCode::InvalidParameterExternalId
                .error("ExternalId must be 2 to 1224 characters of A-Z, a-z, 0-9 and =,.@:/-_."));
        }
    }
    Ok(checked)
}

fn check_oidc<'p>(
    param: &impl Fn(&str) -> Option<&'p str>,
    now: OffsetDateTime,
) -> Result<Checked, GatewayError> {
    let provider = required(param, "OIDCProviderArn")?;
    let token = param("OIDCToken")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            StsErrorCode::AuthenticationFailOidcTokenInvalid.error("The OIDCToken can not empty.")
        })?;
    let mut checked = check_common(param, StsErrorCode::AuthenticationFailNoPermission)?;
    if provider != DEMO_OIDC_PROVIDER_ARN {
        return Err(StsErrorCode::AuthenticationFailNoPermission.error(format!(
            "No such OIDC Provider registered: the emulator knows only {DEMO_OIDC_PROVIDER_ARN}."
        )));
    }
    let claims = jwt_claims(token)?;
    let time = |name: &str| claims.get(name).and_then(Value::as_i64);
    if let Some(exp) = time("exp")
        && exp <= now.unix_timestamp()
    {
        return Err(StsErrorCode::AuthenticationFailOidcTokenExpired
            .error("Its exp claim has passed: read a fresh token from the token file."));
    }
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let audience = match claims.get("aud") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        _ => text("aud").to_owned(),
    };
    let when = |name: &str| {
        time(name)
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .map_or_else(String::new, format_expiration)
    };
    checked.oidc_token_info = Some(json!({
        "Subject": text("sub"),
        "Issuer": text("iss"),
        "ClientIds": audience,
        "ExpirationTime": when("exp"),
        "IssuanceTime": when("iat"),
        "VerificationInfo": "Success",
    }));
    Ok(checked)
}

/// The role name of `acs:ram::<digits>:role/<name>`.
fn role_name(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("acs:ram::")?;
    let (account, resource) = rest.split_once(':')?;
    let name = resource.strip_prefix("role/")?;
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b));
    (!account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()) && name_ok).then_some(name)
}

/// A JWT's claims: three base64url parts; the payload's JSON object, or no claims when the
/// payload is not JSON (the emulator checks the shape, not the issuer's signature).
fn jwt_claims(token: &str) -> Result<serde_json::Map<String, Value>, GatewayError> {
    // The AssumeRoleWithOIDC reference: "The OIDC token must be 4 to 20,000 characters".
    if !(4..=MAX_OIDC_TOKEN_CHARS).contains(&token.len()) {
        return Err(
            StsErrorCode::AuthenticationFailOidcTokenInvalid.error(format!(
                "The OIDCToken must be 4 to {MAX_OIDC_TOKEN_CHARS} characters long."
            )),
        );
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(StsErrorCode::AuthenticationFailOidcTokenInvalid
            .error("The number of Jwt field should be divided into 3 parts with '.' ."));
    }
    let base64url = |part: &&str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    };
    if !parts.iter().all(base64url) {
        return Err(StsErrorCode::AuthenticationFailOidcTokenInvalid
            .error("Cannot decode base64 encoded response(format invalided)."));
    }
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    Ok(match payload {
        Some(Value::Object(claims)) => claims,
        _ => serde_json::Map::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn run(action: StsAction, pairs: &[(&str, &str)]) -> Reply {
        let store = std::sync::Mutex::new(TemporaryStore::new(10));
        let call = StsCall {
            request_id: "R",
            now: OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a time"),
            lifetime_override_ms: None,
        };
        handle(action, &params(pairs), &call, &store)
    }

    fn code(reply: &Reply) -> Option<&str> {
        reply.code()
    }

    #[test]
    fn role_arns_are_parsed_and_only_the_demo_role_is_assumable() {
        assert_eq!(role_name(DEMO_ROLE_ARN), Some("dbs-restore"));
        for bad in [
            "",
            "arn:aws:iam::1:role/x",
            "acs:ram:::role/x",
            "acs:ram::12a:role/x",
            "acs:ram::1:user/x",
            "acs:ram::1:role/",
        ] {
            assert_eq!(role_name(bad), None, "{bad}");
        }
        let base = [("RoleSessionName", "s1")];
        let with = |arn: &'static str| {
            let mut p = base.to_vec();
            p.push(("RoleArn", arn));
            run(StsAction::AssumeRole, &p)
        };
        assert_eq!(code(&with("nope")), Some("InvalidParameter.RoleArn"));
        assert_eq!(
            code(&with("acs:ram::1234567890123456:role/other")),
            Some("NoPermission")
        );
        assert_eq!(
            code(&with("acs:ram::1234567890123456:role/DBS-Restore")),
            None
        );
    }

    #[test]
    fn parameters_are_checked_with_stss_codes() {
        let ok = [("RoleArn", DEMO_ROLE_ARN), ("RoleSessionName", "session-1")];
        let with = |extra: (&'static str, &'static str)| {
            let mut p = ok.to_vec();
            p.push(extra);
            code(&run(StsAction::AssumeRole, &p)).map(str::to_owned)
        };
        assert_eq!(
            with(("DurationSeconds", "899")).as_deref(),
            Some("InvalidParameter.DurationSeconds")
        );
        assert_eq!(
            with(("DurationSeconds", "43201")).as_deref(),
            Some("InvalidParameter.DurationSeconds")
        );
        assert_eq!(with(("DurationSeconds", "43200")), None);
        assert_eq!(
            with(("Policy", "[1]")).as_deref(),
            Some("InvalidParameter.PolicyGrammar")
        );
        assert_eq!(
            with(("ExternalId", "a b")).as_deref(),
            Some("InvalidParameter.ExternalId")
        );
        let short_session = [("RoleArn", DEMO_ROLE_ARN), ("RoleSessionName", "a")];
        assert_eq!(
            code(&run(StsAction::AssumeRole, &short_session)),
            Some("InvalidParameter.RoleSessionName")
        );
        assert_eq!(
            code(&run(StsAction::AssumeRole, &[("RoleArn", DEMO_ROLE_ARN)])),
            Some("MissingParameter")
        );
    }

    #[test]
    fn oidc_tokens_must_be_jwt_shaped_and_unexpired() {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let jwt = |payload: &str| format!("{}.{}.c2ln", b64(r#"{"alg":"RS256"}"#), b64(payload));
        let call = |token: &str| {
            run(
                StsAction::AssumeRoleWithOidc,
                &[
                    ("RoleArn", DEMO_ROLE_ARN),
                    ("RoleSessionName", "pod"),
                    ("OIDCProviderArn", DEMO_OIDC_PROVIDER_ARN),
                    ("OIDCToken", token),
                ],
            )
        };
        assert_eq!(
            code(&call("a.b")),
            Some("AuthenticationFail.OIDCToken.Invalid")
        );
        let long = format!("aGVhZA.{}.c2ln", "A".repeat(MAX_OIDC_TOKEN_CHARS));
        assert_eq!(
            code(&call(&long)),
            Some("AuthenticationFail.OIDCToken.Invalid")
        );
        assert_eq!(
            code(&call("a.b c.d")),
            Some("AuthenticationFail.OIDCToken.Invalid")
        );
        assert_eq!(
            code(&call(&jwt(r#"{"exp":1700000000}"#))),
            Some("AuthenticationFail.OIDCToken.Expired")
        );
        let Reply::Success(text) = call(&jwt(
            r#"{"sub":"system:serviceaccount:dbs:restore","iss":"https://oidc.example","aud":["sts.aliyuncs.com"],"exp":1900000000,"iat":1799999000}"#,
        )) else {
            panic!("a success");
        };
        let answer: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(answer["OIDCTokenInfo"]["ClientIds"], "sts.aliyuncs.com");
        assert_eq!(
            answer["OIDCTokenInfo"]["ExpirationTime"],
            "2030-03-17T17:46:40Z"
        );
        assert_eq!(
            answer["AssumedRoleUser"]["Arn"],
            format!("{DEMO_ROLE_ARN}/pod")
        );
        // Not JSON inside, still JWT-shaped: accepted without claims.
        assert_eq!(code(&call("aGVhZA.cGF5bG9hZA.c2ln")), None);
        let unknown_provider = run(
            StsAction::AssumeRoleWithOidc,
            &[
                ("RoleArn", DEMO_ROLE_ARN),
                ("RoleSessionName", "pod"),
                (
                    "OIDCProviderArn",
                    "acs:ram::1234567890123456:oidc-provider/other",
                ),
                ("OIDCToken", "aGVhZA.cGF5bG9hZA.c2ln"),
            ],
        );
        assert_eq!(
            code(&unknown_provider),
            Some("AuthenticationFail.NoPermission")
        );
    }
}
