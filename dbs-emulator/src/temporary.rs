//! The temporary credentials the emulator issues (as STS, the ECS metadata service and a
//! credentials URI) and that its gateway accepts with their SecurityToken until they expire.
//!
//! Bounded: at most [`EmulatorConfig::max_temporary_credentials`](crate::EmulatorConfig::max_temporary_credentials)
//! credentials are kept. When the store is full, the expired ones are forgotten first, then
//! the one that expires soonest, so issuing never fails. A forgotten AccessKeyId is unknown to
//! the gateway (`InvalidAccessKeyId.NotFound`); one kept past its Expiration is refused with
//! `InvalidSecurityToken.Expired`.
//!
//! The IMDSv2 session tokens (`PUT /latest/api/token`) are kept here too, bounded the same way
//! ([`MAX_METADATA_TOKENS`]).

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;
use dbs_api::Sensitive;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The prefix of every temporary AccessKeyId, as Alibaba's STS writes it (`STS.NUgYrLnoC37m…`).
pub const TEMPORARY_ACCESS_KEY_PREFIX: &str = "STS.";
/// How many IMDSv2 session tokens are kept at most; past it, the one that expires soonest is
/// forgotten.
pub const MAX_METADATA_TOKENS: usize = 1000;

/// The latest `Expiration` issued, `9999-12-31T23:59:59Z` in unix seconds: RFC 3339 has
/// four-digit years.
const LATEST_EXPIRATION: i64 = 253_402_300_799;

/// Which endpoint issued a temporary credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    AssumeRole,
    AssumeRoleWithOidc,
    EcsMetadata,
    CredentialsUri,
}

/// Temporary credentials as issued: what the endpoints answer.
#[derive(Clone)]
pub(crate) struct Issued {
    pub(crate) access_key_id: String,
    pub(crate) access_key_secret: Sensitive<String>,
    pub(crate) security_token: Sensitive<String>,
    /// When they were issued, whole seconds.
    pub(crate) issued_at: OffsetDateTime,
    /// When they expire, whole seconds: the gateway refuses them from this second on.
    pub(crate) expiration: OffsetDateTime,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &self.access_key_secret)
            .field("security_token", &self.security_token)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// `2026-12-07T10:00:00Z`: RFC 3339 in UTC, whole seconds, as Alibaba writes `Expiration`.
pub(crate) fn format_expiration(at: OffsetDateTime) -> String {
    dbs_api::signing::format_timestamp(at)
}

/// Requests the credential endpoints received, and credentials issued; part of the state
/// snapshot (`credentials` in `GET /_emulator/state`).
///
/// Every request to the endpoint is counted as it arrives, before any check or fault,
/// whatever its answer; `issued` counts the temporary credentials handed out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CredentialCounters {
    /// STS `AssumeRole` requests (`Action=AssumeRole`, `Version=2015-04-01`).
    pub assume_role: u64,
    /// STS `AssumeRoleWithOIDC` requests.
    pub assume_role_with_oidc: u64,
    /// `PUT /latest/api/token` requests (IMDSv2 session tokens).
    pub metadata_token: u64,
    /// `GET /latest/meta-data/ram/security-credentials/…` requests (the role list or a role's
    /// credentials).
    pub metadata_credentials: u64,
    /// `GET /credentials-uri` requests.
    pub credentials_uri: u64,
    /// Temporary credentials issued, by every endpoint.
    pub issued: u64,
}

/// What the gateway makes of an `STS.` AccessKeyId and the SecurityToken sent with it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    /// Valid: the key's secret, to check the signature with.
    Valid(Sensitive<String>),
    /// The AccessKeyId is not one the store holds.
    UnknownKey,
    /// No SecurityToken (or an empty one) came with it.
    Missing,
    /// The token is not one the store issued.
    Malformed,
    /// The token was issued with another AccessKeyId.
    Mismatch,
    /// The credentials expired at this time.
    Expired(OffsetDateTime),
}

#[derive(Debug)]
struct Entry {
    secret: Sensitive<String>,
    token: Sensitive<String>,
    expiration: i64,
}

/// The issued credentials and IMDSv2 tokens; behind its own lock, which the DBS hot path
/// (a permanent AccessKeyId) never takes.
#[derive(Debug)]
pub(crate) struct TemporaryStore {
    max: usize,
    /// AccessKeyId → entry.
    keys: HashMap<String, Entry>,
    /// SecurityToken → AccessKeyId, to tell a token of another key from a malformed one.
    tokens: HashMap<String, String>,
    /// (expiration, seq) → AccessKeyId, soonest first: what a full store forgets first.
    by_expiry: BTreeMap<(i64, u64), String>,
    seq: u64,
    /// IMDSv2 session token → its expiration (unix seconds).
    metadata_tokens: HashMap<String, i64>,
    pub(crate) counters: CredentialCounters,
}

impl TemporaryStore {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            keys: HashMap::new(),
            tokens: HashMap::new(),
            by_expiry: BTreeMap::new(),
            seq: 0,
            metadata_tokens: HashMap::new(),
            counters: CredentialCounters::default(),
        }
    }

    /// How many credentials are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.keys.len()
    }

    /// Issues credentials valid from `now` for `lifetime_ms` (the Expiration is rounded down
    /// to the second, so the client's reading and the gateway's agree), forgetting one
    /// credential first when the store is full.
    pub(crate) fn issue(
        &mut self,
        now: OffsetDateTime,
        lifetime_ms: u64,
        source: Source,
    ) -> Issued {
        let now_s = now.unix_timestamp();
        if self.keys.len() >= self.max {
            self.evict(now_s);
        }
        let lifetime_ms = i64::try_from(lifetime_ms).unwrap_or(i64::MAX);
        let expires_ms =
            (now.unix_timestamp_nanos() / 1_000_000).saturating_add(i128::from(lifetime_ms));
        // Capped at the latest time `Expiration` can write, so the answer and the gateway
        // agree even for an enormous configured lifetime.
        let expiration = i64::try_from(expires_ms.div_euclid(1000))
            .unwrap_or(i64::MAX)
            .min(LATEST_EXPIRATION);
        let (id, token) = loop {
            let id = format!("{TEMPORARY_ACCESS_KEY_PREFIX}{}", alphanumeric(25));
            let token = security_token(source);
            if !self.keys.contains_key(&id) && !self.tokens.contains_key(&token) {
                break (id, token);
            }
        };
        let secret = alphanumeric(44);
        self.seq += 1;
        self.by_expiry.insert((expiration, self.seq), id.clone());
        self.tokens.insert(token.clone(), id.clone());
        self.keys.insert(
            id.clone(),
            Entry {
                secret: Sensitive::new(secret.clone()),
                token: Sensitive::new(token.clone()),
                expiration,
            },
        );
        self.counters.issued += 1;
        let at = |s: i64| OffsetDateTime::from_unix_timestamp(s).unwrap_or(now);
        Issued {
            access_key_id: id,
            access_key_secret: Sensitive::new(secret),
            security_token: Sensitive::new(token),
            issued_at: at(now_s),
            expiration: at(expiration),
        }
    }

    /// Forgets every expired credential, or if none has expired, the one expiring soonest.
    fn evict(&mut self, now_s: i64) {
        let expired: Vec<(i64, u64)> = self
            .by_expiry
            .range(..(now_s, 0))
            .map(|(k, _)| *k)
            .collect();
        let victims = if expired.is_empty() {
            self.by_expiry.keys().next().copied().into_iter().collect()
        } else {
            expired
        };
        for key in victims {
            if let Some(id) = self.by_expiry.remove(&key)
                && let Some(entry) = self.keys.remove(&id)
            {
                self.tokens.remove(entry.token.expose());
            }
        }
    }

    /// Checks a temporary AccessKeyId and the token sent with it at `now`.
    pub(crate) fn check(
        &self,
        access_key_id: &str,
        token: Option<&str>,
        now: OffsetDateTime,
    ) -> TokenCheck {
        let Some(entry) = self.keys.get(access_key_id) else {
            return TokenCheck::UnknownKey;
        };
        let token = match token {
            None | Some("") => return TokenCheck::Missing,
            Some(token) => token,
        };
        if entry.token.expose() != token {
            return if self.tokens.contains_key(token) {
                TokenCheck::Mismatch
            } else {
                TokenCheck::Malformed
            };
        }
        if now.unix_timestamp() >= entry.expiration {
            let at = OffsetDateTime::from_unix_timestamp(entry.expiration).unwrap_or(now);
            return TokenCheck::Expired(at);
        }
        TokenCheck::Valid(entry.secret.clone())
    }

    /// A new IMDSv2 session token valid for `ttl_secs`.
    pub(crate) fn new_metadata_token(&mut self, now: OffsetDateTime, ttl_secs: u64) -> String {
        let now_s = now.unix_timestamp();
        if self.metadata_tokens.len() >= MAX_METADATA_TOKENS {
            self.metadata_tokens.retain(|_, expires| *expires > now_s);
            if self.metadata_tokens.len() >= MAX_METADATA_TOKENS
                && let Some(soonest) = self
                    .metadata_tokens
                    .iter()
                    .min_by_key(|(_, expires)| **expires)
                    .map(|(token, _)| token.clone())
            {
                self.metadata_tokens.remove(&soonest);
            }
        }
        let token =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 33]>());
        let expires = now_s.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX));
        self.metadata_tokens.insert(token.clone(), expires);
        token
    }

    /// Whether `token` is an IMDSv2 session token that has not expired.
    pub(crate) fn metadata_token_valid(&self, token: &str, now: OffsetDateTime) -> bool {
        self.metadata_tokens
            .get(token)
            .is_some_and(|expires| now.unix_timestamp() < *expires)
    }
}

/// `n` random letters and digits.
fn alphanumeric(n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| char::from(CHARS[usize::from(rand::random::<u8>()) % CHARS.len()]))
        .collect()
}

/// A SecurityToken shaped like Alibaba's: `CAIS` and standard base64 (with `+`, `/` and `=`,
/// which clients must percent-encode), a few hundred characters long.
fn security_token(source: Source) -> String {
    let tag = match source {
        Source::AssumeRole => b'r',
        Source::AssumeRoleWithOidc => b'o',
        Source::EcsMetadata => b'e',
        Source::CredentialsUri => b'u',
    };
    let mut bytes = rand::random::<[u8; 256]>().to_vec();
    bytes.push(tag);
    format!(
        "CAIS{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(s).expect("a time")
    }

    #[test]
    fn an_enormous_lifetime_expires_at_the_latest_writable_time() {
        let mut store = TemporaryStore::new(10);
        let issued = store.issue(at(1000), u64::MAX, Source::AssumeRole);
        assert_eq!(format_expiration(issued.expiration), "9999-12-31T23:59:59Z");
        let token = issued.security_token.expose().as_str();
        assert_eq!(
            store.check(&issued.access_key_id, Some(token), at(2000)),
            TokenCheck::Valid(issued.access_key_secret.clone())
        );
    }

    #[test]
    fn issued_credentials_are_checked_with_their_token_until_they_expire() {
        let mut store = TemporaryStore::new(10);
        let a = store.issue(at(1000), 5_000, Source::AssumeRole);
        let b = store.issue(at(1000), 5_000, Source::CredentialsUri);
        assert!(a.access_key_id.starts_with("STS."));
        assert_eq!(a.expiration, at(1005));
        let token_a = a.security_token.expose().as_str();
        let token_b = b.security_token.expose().as_str();
        assert_eq!(
            store.check(&a.access_key_id, Some(token_a), at(1004)),
            TokenCheck::Valid(a.access_key_secret.clone())
        );
        assert_eq!(
            store.check(&a.access_key_id, Some(token_a), at(1005)),
            TokenCheck::Expired(at(1005))
        );
        assert_eq!(
            store.check(&a.access_key_id, None, at(1001)),
            TokenCheck::Missing
        );
        assert_eq!(
            store.check(&a.access_key_id, Some(""), at(1001)),
            TokenCheck::Missing
        );
        assert_eq!(
            store.check(&a.access_key_id, Some(token_b), at(1001)),
            TokenCheck::Mismatch
        );
        assert_eq!(
            store.check(&a.access_key_id, Some("CAISnot-issued"), at(1001)),
            TokenCheck::Malformed
        );
        assert_eq!(
            store.check("STS.nope", Some(token_a), at(1001)),
            TokenCheck::UnknownKey
        );
        assert!(!format!("{a:?}").contains(token_a));
    }

    #[test]
    fn a_full_store_forgets_expired_credentials_first_then_the_soonest_to_expire() {
        let mut store = TemporaryStore::new(3);
        let short = store.issue(at(0), 1_000, Source::AssumeRole);
        let long = store.issue(at(0), 100_000, Source::AssumeRole);
        let mid = store.issue(at(0), 50_000, Source::AssumeRole);
        // At 10 s `short` has expired: it goes, the others stay.
        let _ = store.issue(at(10), 100_000, Source::AssumeRole);
        assert_eq!(store.len(), 3);
        assert_eq!(
            store.check(
                &short.access_key_id,
                Some(short.security_token.expose()),
                at(10)
            ),
            TokenCheck::UnknownKey
        );
        // None expired: the soonest (`mid`) goes.
        let _ = store.issue(at(11), 100_000, Source::AssumeRole);
        assert_eq!(store.len(), 3);
        assert_eq!(
            store.check(
                &mid.access_key_id,
                Some(mid.security_token.expose()),
                at(11)
            ),
            TokenCheck::UnknownKey
        );
        assert!(matches!(
            store.check(
                &long.access_key_id,
                Some(long.security_token.expose()),
                at(11)
            ),
            TokenCheck::Valid(_)
        ));
        assert_eq!(store.counters.issued, 5);
    }

    #[test]
    fn metadata_tokens_expire_and_are_bounded() {
        let mut store = TemporaryStore::new(1);
        let token = store.new_metadata_token(at(0), 10);
        assert!(store.metadata_token_valid(&token, at(9)));
        assert!(!store.metadata_token_valid(&token, at(10)));
        assert!(!store.metadata_token_valid("other", at(1)));
        for _ in 0..MAX_METADATA_TOKENS + 5 {
            let _ = store.new_metadata_token(at(1), 100);
        }
        assert_eq!(store.metadata_tokens.len(), MAX_METADATA_TOKENS);
    }
}
