//! The API gateway's checks, in the gateway's order: repeated parameters → missing common
//! parameters → version and action → access key → timestamp format and window → signature →
//! nonce.
//!
//! The signature algorithms are `dbs_api::signing`'s; this module only finds the inputs in the
//! received request and compares.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet};
use std::sync::{Mutex, PoisonError};

use dbs_api::signing::{
    ALGORITHM_V3, CanonicalizedQueryString, StringToSign, parse_authorization, sha256_hex,
    signatures_match, v1_signature, v3_canonical_request, v3_signature,
};
use dbs_api::{CommonErrorCode, OperationMeta};
use hyper::HeaderMap;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::config::{AccessKey, TIMESTAMP_WINDOW};
use crate::reply::GatewayError;
use crate::state::NonceUse;
use crate::sts::StsAction;
use crate::temporary::{TEMPORARY_ACCESS_KEY_PREFIX, TemporaryStore, TokenCheck};

/// The parts of a received API request the checks read.
#[derive(Debug)]
pub(crate) struct RequestParts<'a> {
    /// The HTTP method as received (V1 signs it).
    pub(crate) method: &'a str,
    pub(crate) headers: &'a HeaderMap,
    /// The decoded URL query, in order.
    pub(crate) query: &'a [(String, String)],
    /// The decoded form body, in order (empty when the body is not a form).
    pub(crate) body_params: &'a [(String, String)],
    /// The body as received (V3 hashes it).
    pub(crate) body: &'a [u8],
}

/// What a request that passed the gateway is.
#[derive(Debug)]
pub(crate) struct Accepted {
    pub(crate) target: Target,
    pub(crate) access_key_id: String,
}

/// The API a request calls: a DBS operation (`Version=2019-03-06`) or an STS action
/// (`Version=2015-04-01`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    Dbs(&'static OperationMeta),
    Sts(StsAction),
}

impl Target {
    /// The action's name, which faults match.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Target::Dbs(operation) => operation.name,
            Target::Sts(action) => action.name(),
        }
    }
}

/// The keys the gateway accepts: the configured accounts, and the temporary credentials the
/// emulator issued (looked up only for an AccessKeyId starting `STS.`, so a call with a
/// permanent key never takes their lock).
#[derive(Debug)]
pub(crate) struct Keys<'a> {
    pub(crate) accounts: &'a [AccessKey],
    pub(crate) temporary: &'a Mutex<TemporaryStore>,
}

impl<'a> Keys<'a> {
    /// The secret of `id`, checking the SecurityToken of temporary credentials: missing
    /// (`MissingSecurityToken`), not issued (`InvalidSecurityToken.Malformed`), issued with
    /// another key (`InvalidSecurityToken.MismatchWithAccessKey`), expired
    /// (`InvalidSecurityToken.Expired`). A token sent with a permanent key is ignored.
    /// `token` is read only for temporary credentials.
    fn secret(
        &self,
        id: &str,
        token: impl FnOnce() -> Option<String>,
        now: OffsetDateTime,
    ) -> Result<Cow<'a, str>, GatewayError> {
        if !id.starts_with(TEMPORARY_ACCESS_KEY_PREFIX) {
            return account(self.accounts, id).map(|key| Cow::Borrowed(key.secret()));
        }
        let token = token();
        let check = self
            .temporary
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .check(id, token.as_deref(), now);
        match check {
            TokenCheck::Valid(secret) => Ok(Cow::Owned(secret.expose().clone())),
            TokenCheck::UnknownKey => Err(GatewayError::of(
                CommonErrorCode::InvalidAccessKeyIdNotFound,
            )),
            TokenCheck::Missing => Err(GatewayError::with_detail(
                CommonErrorCode::MissingSecurityToken,
                "Temporary credentials (an AccessKeyId starting STS.) are sent with their \
                 SecurityToken: the SecurityToken parameter (V1) or the x-acs-security-token \
                 header (V3).",
            )),
            TokenCheck::Malformed => Err(GatewayError::with_detail(
                CommonErrorCode::InvalidSecurityTokenMalformed,
                "It is not a SecurityToken the emulator issued.",
            )),
            TokenCheck::Mismatch => Err(GatewayError::with_detail(
                CommonErrorCode::InvalidSecurityTokenMismatchWithAccessKey,
                "It was issued with another AccessKeyId; send the AccessKeyId, \
                 AccessKeySecret and SecurityToken issued together.",
            )),
            TokenCheck::Expired(at) => Err(GatewayError::with_detail(
                CommonErrorCode::InvalidSecurityTokenExpired,
                format!(
                    "The credentials expired at {} (server time {}); get new ones from their source.",
                    dbs_api::signing::format_timestamp(at),
                    dbs_api::signing::format_timestamp(now)
                ),
            )),
        }
    }
}

const HEADER_AUTHORIZATION: &str = "authorization";
const HEADER_ACTION: &str = "x-acs-action";
const HEADER_VERSION: &str = "x-acs-version";
const HEADER_DATE: &str = "x-acs-date";
const HEADER_NONCE: &str = "x-acs-signature-nonce";
const HEADER_CONTENT_SHA256: &str = "x-acs-content-sha256";
const HEADER_SECURITY_TOKEN: &str = "x-acs-security-token";

impl<'a> RequestParts<'a> {
    /// V3 when an `Authorization` header is present, V1 otherwise.
    fn is_v3(&self) -> bool {
        self.headers.contains_key(HEADER_AUTHORIZATION)
    }

    /// A parameter: the last value in the body, else the last in the query. (Once
    /// [`check_unique_parameters`] passed, there is at most one.)
    fn param(&self, name: &str) -> Option<&'a str> {
        let last = |pairs: &'a [(String, String)]| {
            pairs
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        last(self.body_params).or_else(|| last(self.query))
    }

    /// A header's values as V3 signs them: each trimmed, sorted and joined with `,` (lossily
    /// decoded; one value borrowed as it is, as it is unless a client sends otherwise). Every
    /// value the gateway reads from a header is read so: a client that splits a signed
    /// `n: a,b` into `n: a` and `n: b`, or reorders them, still signs the same text, so reading
    /// only the first value would let it say another nonce or date with the same signature.
    fn header(&self, name: &str) -> Option<Cow<'a, str>> {
        let headers: &'a HeaderMap = self.headers;
        let mut values = headers.get_all(name).iter();
        let first = values.next()?;
        if values.next().is_none() {
            return Some(trim(String::from_utf8_lossy(first.as_bytes())));
        }
        let mut all: Vec<Cow<'a, str>> = headers
            .get_all(name)
            .iter()
            .map(|v| trim(String::from_utf8_lossy(v.as_bytes())))
            .collect();
        all.sort_unstable();
        Some(Cow::Owned(all.join(",")))
    }

    /// A common value that V3 carries in a header and V1 in a parameter; each scheme falls back
    /// to the other place (the official V1 SDK sends both). Empty counts as missing.
    fn common(&self, param: &str, header: &str) -> Option<Cow<'a, str>> {
        let from_param = || self.param(param).map(Cow::Borrowed);
        let from_header = || self.header(header);
        let value = if self.is_v3() {
            from_header().or_else(from_param)
        } else {
            from_param().or_else(from_header)
        };
        value.filter(|v| !v.is_empty())
    }

    /// The action the request names, if any.
    pub(crate) fn action_name(&self) -> Option<String> {
        self.common("Action", HEADER_ACTION).map(Cow::into_owned)
    }

    /// The version the request names, if any.
    pub(crate) fn version(&self) -> Option<Cow<'a, str>> {
        self.common("Version", HEADER_VERSION)
    }

    /// The SecurityToken of temporary credentials, if any.
    fn security_token(&self) -> Option<String> {
        self.common("SecurityToken", HEADER_SECURITY_TOKEN)
            .map(Cow::into_owned)
    }
}

/// Runs the gateway's checks. `use_nonce` records a nonce with its request's timestamp and says
/// what became of it; it is called last, only for a request whose signature is valid.
pub(crate) fn authenticate(
    req: &RequestParts<'_>,
    keys: &Keys<'_>,
    now: OffsetDateTime,
    use_nonce: impl FnOnce(&str, OffsetDateTime) -> NonceUse,
) -> Result<Accepted, GatewayError> {
    check_unique_parameters(req.query, req.body_params)?;
    if req.is_v3() {
        authenticate_v3(req, keys, now, use_nonce)
    } else {
        authenticate_v1(req, keys, now, use_nonce)
    }
}

fn authenticate_v1(
    req: &RequestParts<'_>,
    keys: &Keys<'_>,
    now: OffsetDateTime,
    use_nonce: impl FnOnce(&str, OffsetDateTime) -> NonceUse,
) -> Result<Accepted, GatewayError> {
    let action = req.common("Action", HEADER_ACTION);
    let version = req.common("Version", HEADER_VERSION);
    let [action, version, access_key_id, timestamp, nonce] = required([
        ("Action", action),
        ("Version", version),
        ("AccessKeyId", req.param("AccessKeyId").map(Cow::Borrowed)),
        ("Timestamp", req.param("Timestamp").map(Cow::Borrowed)),
        (
            "SignatureNonce",
            req.param("SignatureNonce").map(Cow::Borrowed),
        ),
    ])?;
    let target = target(&action, &version)?;
    let secret = keys.secret(&access_key_id, || req.security_token(), now)?;
    let timestamp = check_timestamp("Timestamp", &timestamp, now)?;

    require_value(req.param("SignatureMethod"), "SignatureMethod", "HMAC-SHA1")?;
    require_value(req.param("SignatureVersion"), "SignatureVersion", "1.0")?;
    let signature = match req.param("Signature") {
        None | Some("") => {
            return Err(GatewayError::incomplete_signature(
                "The Signature parameter is missing.",
            ));
        }
        Some(signature) => signature,
    };

    // Signed: every query and body parameter except Signature, with the method as received.
    let signed: Vec<(&str, &str)> = req
        .query
        .iter()
        .chain(req.body_params)
        .filter(|(name, _)| name != "Signature")
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let string_to_sign = StringToSign::v1(req.method, &CanonicalizedQueryString::new(&signed));
    let expected = v1_signature(&string_to_sign, &secret);
    if !signatures_match(&expected, signature) {
        return Err(GatewayError::signature_does_not_match(
            "",
            string_to_sign.as_str(),
        ));
    }
    check_nonce(&nonce, timestamp, use_nonce)?;
    Ok(Accepted {
        target,
        access_key_id: access_key_id.into_owned(),
    })
}

fn authenticate_v3(
    req: &RequestParts<'_>,
    keys: &Keys<'_>,
    now: OffsetDateTime,
    use_nonce: impl FnOnce(&str, OffsetDateTime) -> NonceUse,
) -> Result<Accepted, GatewayError> {
    let action = req.common("Action", HEADER_ACTION);
    let version = req.common("Version", HEADER_VERSION);
    let [action, version, date, nonce] = required([
        (HEADER_ACTION, action),
        (HEADER_VERSION, version),
        (
            HEADER_DATE,
            req.header(HEADER_DATE).filter(|v| !v.is_empty()),
        ),
        (
            HEADER_NONCE,
            req.header(HEADER_NONCE).filter(|v| !v.is_empty()),
        ),
    ])?;
    let target = target(&action, &version)?;

    let header = req.header(HEADER_AUTHORIZATION).unwrap_or_default();
    let Some(authorization) = parse_authorization(&header) else {
        return Err(GatewayError::incomplete_signature(format!(
            "The Authorization header is not \"{ALGORITHM_V3} Credential=<AccessKeyId>,SignedHeaders=<names>,Signature=<hex>\"."
        )));
    };
    if authorization.algorithm != ALGORITHM_V3 {
        return Err(GatewayError::incomplete_signature(format!(
            "The signature algorithm {:?} is not supported; use {ALGORITHM_V3}.",
            authorization.algorithm
        )));
    }
    let secret = keys.secret(&authorization.access_key_id, || req.security_token(), now)?;
    let timestamp = check_timestamp(HEADER_DATE, &date, now)?;

    let signed: BTreeSet<String> = authorization
        .signed_headers
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    if !signed.contains("host") {
        return Err(GatewayError::incomplete_signature(
            "SignedHeaders must include host.",
        ));
    }
    if let Some(unsigned) = req
        .headers
        .keys()
        .map(|name| name.as_str())
        .find(|name| name.starts_with("x-acs-") && !signed.contains(*name))
    {
        return Err(GatewayError::incomplete_signature(format!(
            "SignedHeaders must include every x-acs-* header; {unsigned} is not signed."
        )));
    }
    if let Some(absent) = signed.iter().find(|name| !req.headers.contains_key(*name)) {
        return Err(GatewayError::incomplete_signature(format!(
            "The signed header {absent} is not in the request."
        )));
    }
    let Some(content_sha256) = req.header(HEADER_CONTENT_SHA256) else {
        return Err(GatewayError::incomplete_signature(format!(
            "The {HEADER_CONTENT_SHA256} header is missing."
        )));
    };

    let payload_hash = sha256_hex(req.body);
    let headers: Vec<(String, String)> = signed
        .iter()
        .flat_map(|name| {
            req.headers.get_all(name.as_str()).iter().map(move |value| {
                (
                    name.clone(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
        })
        .collect();
    let canonical = v3_canonical_request(req.method, req.query, &headers, &payload_hash);
    let string_to_sign = StringToSign::v3(&canonical);
    if !content_sha256.eq_ignore_ascii_case(&payload_hash) {
        return Err(GatewayError::signature_does_not_match(
            &format!("The {HEADER_CONTENT_SHA256} header is not the SHA-256 of the body. "),
            string_to_sign.as_str(),
        ));
    }
    let expected = v3_signature(&string_to_sign, &secret);
    if !signatures_match(&expected, &authorization.signature.to_ascii_lowercase()) {
        return Err(GatewayError::signature_does_not_match(
            "",
            string_to_sign.as_str(),
        ));
    }
    check_nonce(&nonce, timestamp, use_nonce)?;
    Ok(Accepted {
        target,
        access_key_id: authorization.access_key_id,
    })
}

/// The most repeated names one error lists.
const MAX_NAMED_REPEATS: usize = 10;
/// The longest name quoted in that error, in characters.
const MAX_NAME_CHARS: usize = 64;

/// Every parameter at most once across the query and the body, or `InvalidParameter` (400)
/// naming each repeated one (names only: a value may be a secret).
///
/// A repeated signing parameter would let the request say one thing to whoever reads the first
/// value and another to whoever reads the last (`Signature=junk&…&Signature=<valid>`), and a
/// repeated operation parameter is a client bug the service cannot resolve, so a gateway
/// refuses both. RPC lists are flattened as `Name.1`, `Name.2`, so no valid request repeats a
/// name. Names are case-sensitive, as everywhere in the API.
pub(crate) fn check_unique_parameters(
    query: &[(String, String)],
    body: &[(String, String)],
) -> Result<(), GatewayError> {
    // The common case, every name once, checked by sorting references: no hashing, one
    // allocation. Only a request that repeats a name goes on to find which, in order.
    let mut names: Vec<&str> = query.iter().chain(body).map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).all(|pair| pair[0] != pair[1]) {
        return Ok(());
    }
    let mut seen = HashSet::new();
    let mut repeated: Vec<&str> = Vec::new();
    for (name, _) in query.iter().chain(body) {
        if !seen.insert(name.as_str()) && !repeated.contains(&name.as_str()) {
            repeated.push(name);
        }
    }
    if repeated.is_empty() {
        return Ok(());
    }
    let quote = |name: &&str| {
        let mut shown: String = name.chars().take(MAX_NAME_CHARS).collect();
        if shown.len() < name.len() {
            shown.push('…');
        }
        format!("{shown:?}")
    };
    let mut names: Vec<String> = repeated.iter().take(MAX_NAMED_REPEATS).map(quote).collect();
    if repeated.len() > MAX_NAMED_REPEATS {
        names.push(format!("and {} more", repeated.len() - MAX_NAMED_REPEATS));
    }
    let (what, verb) = if repeated.len() == 1 {
        ("parameter", "is")
    } else {
        ("parameters", "are")
    };
    // The table's message says "The specified parameter"; this one names them, as the gateway does.
    Err(GatewayError::of(CommonErrorCode::InvalidParameter).with_message(
        format!(
            "The specified {what} {} {verb} not valid: each parameter may be given only once, in the query or the body, and {} given more than once.",
            names.join(", "),
            if repeated.len() == 1 {
                "it is"
            } else {
                "each of these is"
            },
        ),
    ))
}

/// `text` without leading and trailing whitespace, still borrowed when it was.
fn trim(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
        Cow::Owned(text) if text.trim().len() == text.len() => Cow::Owned(text),
        Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
    }
}

/// The values, or `MissingParameter` naming the first one missing.
fn required<'v, const N: usize>(
    values: [(&str, Option<Cow<'v, str>>); N],
) -> Result<[Cow<'v, str>; N], GatewayError> {
    if let Some((name, _)) = values.iter().find(|(_, v)| v.is_none()) {
        return Err(GatewayError::missing(name));
    }
    Ok(values.map(|(_, v)| v.unwrap_or_default()))
}

/// The DBS operation, or (only when the version is not DBS's, so DBS calls pay nothing) the
/// STS action.
fn target(action: &str, version: &str) -> Result<Target, GatewayError> {
    if version != dbs_api::API_VERSION {
        if let Some(sts) = StsAction::from_wire(action, version) {
            return Ok(Target::Sts(sts));
        }
        return Err(GatewayError::with_detail(
            CommonErrorCode::InvalidVersion,
            format!(
                "This endpoint serves DBS {} (and STS {} AssumeRole and AssumeRoleWithOIDC).",
                dbs_api::API_VERSION,
                crate::sts::STS_VERSION
            ),
        ));
    }
    dbs_api::operation(action)
        .map(Target::Dbs)
        .ok_or_else(|| GatewayError::of(CommonErrorCode::InvalidActionNotFound))
}

fn account<'k>(accounts: &'k [AccessKey], id: &str) -> Result<&'k AccessKey, GatewayError> {
    accounts
        .iter()
        .find(|k| k.id() == id)
        .ok_or_else(|| GatewayError::of(CommonErrorCode::InvalidAccessKeyIdNotFound))
}

/// `YYYY-MM-DDThh:mm:ssZ`, within [`TIMESTAMP_WINDOW`] of `now` either way (ahead too, so no
/// nonce is kept longer than twice the window); the time it says.
fn check_timestamp(
    name: &str,
    value: &str,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, GatewayError> {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let Ok(at) = PrimitiveDateTime::parse(value, format) else {
        return Err(GatewayError::with_detail(
            CommonErrorCode::InvalidTimeStampFormat,
            format!("{name} must be UTC YYYY-MM-DDThh:mm:ssZ."),
        ));
    };
    let at = at.assume_utc();
    if (now - at).unsigned_abs() > TIMESTAMP_WINDOW {
        return Err(GatewayError::with_detail(
            CommonErrorCode::InvalidTimeStampExpired,
            format!(
                "{name} {value} is more than {} minutes away from the server time {}.",
                TIMESTAMP_WINDOW.as_secs() / 60,
                dbs_api::signing::format_timestamp(now)
            ),
        ));
    }
    Ok(at)
}

fn check_nonce(
    nonce: &str,
    timestamp: OffsetDateTime,
    use_nonce: impl FnOnce(&str, OffsetDateTime) -> NonceUse,
) -> Result<(), GatewayError> {
    match use_nonce(nonce, timestamp) {
        NonceUse::Fresh => Ok(()),
        NonceUse::Used => Err(GatewayError::of(CommonErrorCode::SignatureNonceUsed)),
        // Fail closed: forgetting an unexpired nonce would let a replay of its request in.
        NonceUse::Full {
            capacity,
            retry_after_secs,
        } => {
            let mut error = GatewayError::with_detail(
                CommonErrorCode::Throttling,
                format!(
                    "The emulator remembers {capacity} \
                     signature nonces whose timestamps have not expired, its limit, and takes no \
                     new one until the soonest expires (in {retry_after_secs} s). Raise the limit \
                     with --max-nonces (EmulatorConfig::max_nonces)."
                ),
            );
            // 429 rather than the table's 400: the emulator's own limit, as an HTTP throttle.
            error.status = 429;
            error.retry_after_ms = Some(retry_after_secs.saturating_mul(1000));
            Err(error)
        }
    }
}

/// A V1 signing parameter that must have exactly one supported value.
fn require_value(value: Option<&str>, name: &str, supported: &str) -> Result<(), GatewayError> {
    match value {
        None | Some("") => Err(GatewayError::incomplete_signature(format!(
            "The {name} parameter is missing; use {supported}."
        ))),
        Some(value) if value == supported => Ok(()),
        Some(other) => Err(GatewayError::incomplete_signature(format!(
            "{name} {other:?} is not supported; use {supported}."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_format_and_window() {
        let now = time::macros::datetime!(2026-01-01 12:00:00 UTC);
        assert!(check_timestamp("Timestamp", "2026-01-01T12:14:59Z", now).is_ok());
        assert!(check_timestamp("Timestamp", "2026-01-01T11:45:00Z", now).is_ok());
        for (value, code) in [
            ("2026-01-01T11:44:59Z", "InvalidTimeStamp.Expired"),
            ("2026-01-01T12:15:01Z", "InvalidTimeStamp.Expired"),
            ("2026-01-01 12:00:00", "InvalidTimeStamp.Format"),
            ("2026-01-01T12:00:00+08:00", "InvalidTimeStamp.Format"),
            ("1767268800", "InvalidTimeStamp.Format"),
            ("", "InvalidTimeStamp.Format"),
        ] {
            let err = check_timestamp("Timestamp", value, now).err();
            assert_eq!(err.map(|e| e.code), Some(code.into()), "{value:?}");
        }
    }

    #[test]
    fn repeated_parameters_are_named_without_values() {
        let p = |items: &[(&str, &str)]| -> Vec<(String, String)> {
            items
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            check_unique_parameters(&p(&[("A", "1"), ("a", "2")]), &p(&[("B", "3")])),
            Ok(())
        );
        let err = check_unique_parameters(
            &p(&[("Signature", "junk"), ("A", "1")]),
            &p(&[("Signature", "good"), ("Pw", "s3cret"), ("Pw", "s3cret")]),
        )
        .expect_err("an error");
        assert_eq!((err.status, &*err.code), (400, "InvalidParameter"));
        assert_eq!(
            err.message,
            "The specified parameters \"Signature\", \"Pw\" are not valid: each parameter may be \
             given only once, in the query or the body, and each of these is given more than once."
        );
        for value in ["junk", "good", "s3cret"] {
            assert!(!err.message.contains(value), "{value}: {}", err.message);
        }
        // Within the body alone, too; a long list and long names are cut short.
        let many: Vec<(String, String)> = (0..12)
            .flat_map(|i| {
                let name = format!("{i}{}", "x".repeat(100));
                [(name.clone(), String::new()), (name, String::new())]
            })
            .collect();
        let err = check_unique_parameters(&[], &many).expect_err("an error");
        assert!(
            err.message.contains(&format!("\"0{}…\"", "x".repeat(63))),
            "{}",
            err.message
        );
        assert!(
            err.message.contains(", and 2 more are not valid"),
            "{}",
            err.message
        );
    }

    #[test]
    fn required_names_the_first_missing_value() {
        let err = required([("A", Some("1".into())), ("B", None), ("C", None)]).err();
        assert_eq!(err, Some(GatewayError::missing("B")));
        assert_eq!(
            required([("A", Some("1".into()))]).ok(),
            Some([Cow::Borrowed("1")])
        );
    }
}
