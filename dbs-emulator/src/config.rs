//! How an emulator is set up: address, accounts, seed, answer style.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use dbs_api::Sensitive;

use crate::seed::Seed;

/// The AccessKeyId of the demo account, accepted when no account is configured.
pub const DEMO_ACCESS_KEY_ID: &str = "testid";
/// The AccessKeySecret of the demo account (the one Alibaba's signature examples use).
pub const DEMO_ACCESS_KEY_SECRET: &str = "testsecret";
/// The largest request body read by default: 1 MiB. A larger one is answered with HTTP 413.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// How long a request body may take to arrive, from the end of the request head, by default:
/// 30 seconds. A body not received in full by then is answered with HTTP 408.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How far `Timestamp` / `x-acs-date` may be from the emulator's clock, either way.
pub const TIMESTAMP_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a `SignatureNonce` stays used, counted from its own request's `Timestamp` /
/// `x-acs-date` (not from when it arrived): as long as that timestamp is accepted, so a replay of
/// the same signed bytes is refused for as long as it could otherwise pass, and never later
/// than 30 minutes after arrival (a timestamp more than [`TIMESTAMP_WINDOW`] ahead is refused).
pub const NONCE_WINDOW: Duration = TIMESTAMP_WINDOW;
/// How many used nonces are remembered at most by default: 1,000,000 (about 100 MB at most;
/// entries are fixed-size, whatever the nonce's length). Past it, new nonces are refused with
/// `Throttling` (HTTP 429) until the oldest expire: never forgotten early.
pub const DEFAULT_MAX_NONCES: usize = 1_000_000;
/// How many restore tasks are kept at most by default: 10,000. Past it, `CreateRestoreTask`
/// answers the business error `QuotaExceeded`.
pub const DEFAULT_MAX_RESTORE_TASKS: usize = 10_000;

/// How long a started restore task takes by default, in milliseconds
/// ([`EmulatorConfig::task_duration_ms`]).
pub const DEFAULT_TASK_DURATION_MS: u64 = 5000;
/// How many bytes the restore tasks may take at most by default, roughly (their text and a
/// fixed cost per task and parameter): 256 MiB. Past it, `CreateRestoreTask` answers
/// `QuotaExceeded`.
pub const DEFAULT_MAX_RESTORE_TASK_BYTES: usize = 256 * 1024 * 1024;
/// How long the first success of a request with a `ClientToken` is remembered, from when it was
/// answered: one hour, far longer than a client's retries of one call take (the `dbs-api`
/// client's standard policy makes 3 attempts, at most 20 seconds apart). A token reused later
/// acts anew.
pub const CLIENT_TOKEN_WINDOW: Duration = Duration::from_secs(60 * 60);
/// How many `ClientToken`s are remembered at most by default: 10,000 (each entry holds a
/// 128-bit hash per parameter and the answer, a few kilobytes at most: tens of MB in all; the
/// token itself is at most 64 characters, the API reference's rule). Past it, a request with a new token is
/// answered `Throttling` until the oldest expires: never forgotten early.
pub const DEFAULT_MAX_CLIENT_TOKENS: usize = 10_000;
/// How many bytes of request bodies all connections together may hold at once by default:
/// 64 MiB. Past it, a request is answered `ServiceUnavailable` (HTTP 503).
pub const DEFAULT_BODY_BUDGET_BYTES: usize = 64 * 1024 * 1024;
/// How many injected faults may wait at once.
pub const MAX_FAULTS: usize = 1000;
/// How many temporary credentials (issued by the emulator's STS, metadata service and
/// credentials URI) are kept at most by default: 10,000 (a few hundred bytes each). Past it,
/// the expired ones are forgotten first, then the one that expires soonest.
pub const DEFAULT_MAX_TEMPORARY_CREDENTIALS: usize = 10_000;
/// How long the credentials of the metadata service and the credentials URI last by default,
/// in seconds: one hour (STS's last `DurationSeconds`).
pub const DEFAULT_TEMPORARY_LIFETIME_SECONDS: u64 = 3600;

/// An account the emulator accepts: an AccessKeyId and its secret.
///
/// Parsed from `ID:SECRET` (split at the first `:`), as `--access-key` takes it. `Debug` hides the
/// secret.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    id: String,
    secret: Sensitive<String>,
}

impl AccessKey {
    /// An account.
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            secret: Sensitive::new(secret.into()),
        }
    }

    /// The demo account `testid` / `testsecret`.
    pub fn demo() -> Self {
        Self::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)
    }

    /// The AccessKeyId.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The AccessKeySecret.
    pub fn secret(&self) -> &str {
        self.secret.expose()
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &self.secret)
            .finish()
    }
}

/// The error from parsing an [`AccessKey`] that is not `ID:SECRET` with both parts non-empty.
///
/// It never includes the text parsed, which may hold a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected ID:SECRET with a non-empty ID and SECRET")]
pub struct ParseAccessKeyError;

impl FromStr for AccessKey {
    type Err = ParseAccessKeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((id, secret)) if !id.is_empty() && !secret.is_empty() => Ok(Self::new(id, secret)),
            _ => Err(ParseAccessKeyError),
        }
    }
}

/// Parses `--access-key ID:SECRET` for clap without ever echoing the value.
///
/// Clap's error for a value that does not parse quotes the value (`invalid value ':SECRET' for
/// ...`), which would put a secret in a terminal or a CI log. This parser reports only what is
/// expected. `clap::value_parser!(AccessKey)`, which the derive uses for an `AccessKey` field,
/// picks it.
#[derive(Clone, Copy, Debug, Default)]
pub struct AccessKeyValueParser;

impl clap::builder::TypedValueParser for AccessKeyValueParser {
    type Value = AccessKey;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<AccessKey, clap::Error> {
        value
            .to_str()
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| {
                let arg = arg.map_or_else(|| "the access key".to_owned(), |a| format!("'{a}'"));
                let message = format!("invalid value for {arg}: {ParseAccessKeyError}");
                // Formatted like clap's own errors: usage and the `--help` hint after it.
                clap::Error::raw(clap::error::ErrorKind::ValueValidation, message)
                    .format(&mut cmd.clone())
            })
    }
}

impl clap::builder::ValueParserFactory for AccessKey {
    type Parser = AccessKeyValueParser;

    fn value_parser() -> Self::Parser {
        AccessKeyValueParser
    }
}

/// How to start an [`Emulator`](crate::Emulator).
///
/// The default listens on `127.0.0.1` on a free port, accepts the demo account, knows the
/// built-in [`Seed`], sends business errors with HTTP 200, reads bodies up to 1 MiB and waits
/// up to 30 seconds for a body. Everything a client can make it hold is bounded: used nonces
/// ([`max_nonces`](Self::max_nonces)), restore tasks
/// ([`max_restore_tasks`](Self::max_restore_tasks),
/// [`max_restore_task_bytes`](Self::max_restore_task_bytes)), remembered `ClientToken`s
/// ([`max_client_tokens`](Self::max_client_tokens)), bodies in flight
/// ([`body_budget_bytes`](Self::body_budget_bytes)), waiting faults ([`MAX_FAULTS`]),
/// temporary credentials ([`max_temporary_credentials`](Self::max_temporary_credentials)),
/// metadata session tokens ([`MAX_METADATA_TOKENS`](crate::MAX_METADATA_TOKENS)) and
/// counted action names.
///
/// ```
/// use dbs_emulator::{AccessKey, EmulatorConfig, Seed};
/// let config = EmulatorConfig::default()
///     .access_key(AccessKey::new("ci-key", "ci-secret"))
///     .seed(Seed::default())
///     .business_errors_http_status(true);
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    pub(crate) listen: SocketAddr,
    pub(crate) access_keys: Vec<AccessKey>,
    pub(crate) seed: Seed,
    pub(crate) business_errors_http_status: bool,
    pub(crate) max_body_bytes: usize,
    pub(crate) body_read_timeout: Duration,
    pub(crate) max_nonces: usize,
    pub(crate) max_restore_tasks: usize,
    pub(crate) max_restore_task_bytes: usize,
    pub(crate) max_client_tokens: usize,
    pub(crate) body_budget_bytes: usize,
    pub(crate) task_duration_ms: u64,
    pub(crate) sts_credential_lifetime_ms: Option<u64>,
    pub(crate) imds_v1_allowed: bool,
    pub(crate) max_temporary_credentials: usize,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            access_keys: Vec::new(),
            seed: Seed::default(),
            business_errors_http_status: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_nonces: DEFAULT_MAX_NONCES,
            max_restore_tasks: DEFAULT_MAX_RESTORE_TASKS,
            max_restore_task_bytes: DEFAULT_MAX_RESTORE_TASK_BYTES,
            max_client_tokens: DEFAULT_MAX_CLIENT_TOKENS,
            body_budget_bytes: DEFAULT_BODY_BUDGET_BYTES,
            task_duration_ms: DEFAULT_TASK_DURATION_MS,
            sts_credential_lifetime_ms: None,
            imds_v1_allowed: false,
            max_temporary_credentials: DEFAULT_MAX_TEMPORARY_CREDENTIALS,
        }
    }
}

impl EmulatorConfig {
    /// The default configuration (see the type's docs).
    pub fn new() -> Self {
        Self::default()
    }

    /// The address to listen on; port 0 picks a free port.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Accepts this account. Once any account is added, the demo account is accepted only if
    /// it is added too.
    pub fn access_key(mut self, key: AccessKey) -> Self {
        self.access_keys.push(key);
        self
    }

    /// The backup plans to start with, replacing the built-in seed.
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }

    /// Sends business errors (`Success: false`) with the HTTP status of their `HttpStatusCode`
    /// instead of HTTP 200.
    pub fn business_errors_http_status(mut self, enabled: bool) -> Self {
        self.business_errors_http_status = enabled;
        self
    }

    /// The largest request body read; a larger one is answered with HTTP 413.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How long a request body may take to arrive in full, counted from the end of the request
    /// head ([`DEFAULT_BODY_READ_TIMEOUT`] by default). A body still incomplete then (a
    /// `Content-Length` larger than what is sent, an unfinished chunked body) is answered with
    /// HTTP 408 `RequestTimeout` and the connection is closed.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// How many used `SignatureNonce`s are remembered at most ([`DEFAULT_MAX_NONCES`] by
    /// default). Each is kept until its request's timestamp expires ([`NONCE_WINDOW`]); with the
    /// memory full, a request with a new nonce is refused with `Throttling` (HTTP 429) rather
    /// than an unexpired nonce forgotten, which would let a replay through.
    pub fn max_nonces(mut self, count: usize) -> Self {
        self.max_nonces = count;
        self
    }

    /// How many restore tasks are kept at most ([`DEFAULT_MAX_RESTORE_TASKS`] by default); past
    /// it, `CreateRestoreTask` answers the business error `QuotaExceeded`. A retry with the
    /// `ClientToken` of a task already kept still gets that task.
    pub fn max_restore_tasks(mut self, count: usize) -> Self {
        self.max_restore_tasks = count;
        self
    }

    /// How many bytes the restore tasks may take, roughly
    /// ([`DEFAULT_MAX_RESTORE_TASK_BYTES`] by default); past it, `CreateRestoreTask` answers
    /// the business error `QuotaExceeded`. A task's parameters are bounded only by the body
    /// limit, so this bounds the memory that a few large tasks could take.
    pub fn max_restore_task_bytes(mut self, bytes: usize) -> Self {
        self.max_restore_task_bytes = bytes;
        self
    }

    /// How many `ClientToken`s are remembered at most ([`DEFAULT_MAX_CLIENT_TOKENS`] by
    /// default), each for [`CLIENT_TOKEN_WINDOW`]. With the memory full of unexpired tokens, a
    /// request with a new token is answered with the business error `Throttling` before it
    /// acts, rather than a token forgotten early, which would let a late retry act twice; a
    /// retry with a remembered token still gets its answer.
    pub fn max_client_tokens(mut self, count: usize) -> Self {
        self.max_client_tokens = count;
        self
    }

    /// How many bytes of request bodies all connections together may hold at once
    /// ([`DEFAULT_BODY_BUDGET_BYTES`] by default). A request whose body does not fit in what is
    /// left is answered `ServiceUnavailable` (HTTP 503, which clients retry). It must be at
    /// least [`max_body_bytes`](Self::max_body_bytes), or the emulator does not start.
    pub fn body_budget_bytes(mut self, bytes: usize) -> Self {
        self.body_budget_bytes = bytes;
        self
    }

    /// How long a restore task takes once `StartRestoreTask` starts it, in milliseconds
    /// ([`DEFAULT_TASK_DURATION_MS`] by default): the first tenth is its precheck, then its
    /// progress fields rise until it finishes (see [`crate::restore`]).
    pub fn task_duration_ms(mut self, ms: u64) -> Self {
        self.task_duration_ms = ms;
        self
    }

    /// How long every temporary credential the emulator issues lasts, in milliseconds, whatever
    /// the request asked: STS's `DurationSeconds`, the metadata service's and the credentials
    /// URI's hour ([`DEFAULT_TEMPORARY_LIFETIME_SECONDS`]). For tests of expiry and refresh
    /// (`--sts-credential-lifetime-ms 5000`). `Expiration` is written in whole seconds,
    /// rounded down, and the gateway refuses the credentials from that second on
    /// (`InvalidSecurityToken.Expired`).
    pub fn sts_credential_lifetime_ms(mut self, ms: u64) -> Self {
        self.sts_credential_lifetime_ms = Some(ms);
        self
    }

    /// Lets the metadata service answer a `GET` without a session token (IMDSv1); by default
    /// IMDSv2 is enforced and such a request is answered 401 (see [`crate::imds`]).
    pub fn imds_v1_allowed(mut self, allowed: bool) -> Self {
        self.imds_v1_allowed = allowed;
        self
    }

    /// How many temporary credentials are kept at most
    /// ([`DEFAULT_MAX_TEMPORARY_CREDENTIALS`] by default, at least 1); past it, issuing new
    /// ones forgets the expired ones first, then the one that expires soonest (which the
    /// gateway then no longer knows: `InvalidAccessKeyId.NotFound`).
    pub fn max_temporary_credentials(mut self, count: usize) -> Self {
        self.max_temporary_credentials = count;
        self
    }

    /// The accounts accepted: those configured, or the demo account when none is.
    pub(crate) fn accounts(&self) -> Vec<AccessKey> {
        if self.access_keys.is_empty() {
            vec![AccessKey::demo()]
        } else {
            self.access_keys.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_key_parses_id_colon_secret() {
        let key: AccessKey = "id:se:cret".parse().expect("valid");
        assert_eq!((key.id(), key.secret()), ("id", "se:cret"));
        for bad in ["", "id", "id:", ":secret"] {
            assert_eq!(
                bad.parse::<AccessKey>(),
                Err(ParseAccessKeyError),
                "{bad:?}"
            );
        }
        assert!(!format!("{key:?}").contains("se:cret"));
    }

    #[test]
    fn demo_account_only_without_configured_accounts() {
        assert_eq!(
            EmulatorConfig::default().accounts(),
            vec![AccessKey::demo()]
        );
        let config = EmulatorConfig::default().access_key(AccessKey::new("a", "b"));
        assert_eq!(config.accounts(), vec![AccessKey::new("a", "b")]);
    }
}
