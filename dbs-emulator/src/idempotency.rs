//! `ClientToken` idempotency for every operation the spec gives an idempotency token and does
//! not mark `idempotent`: the first success is remembered, and a retry with the same token is
//! answered with it instead of acting again.
//!
//! Nothing here names an operation: which operations take part, and which parameter is the
//! token, come from the registry ([`OperationMeta::idempotency_token`] and
//! [`OperationMeta::idempotent`]).
//!
//! [`OperationMeta::idempotency_token`]: dbs_api::OperationMeta::idempotency_token
//! [`OperationMeta::idempotent`]: dbs_api::OperationMeta::idempotent

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// What identifies a token: the account that sent it, the action, and the token. Another
/// account, or another operation, never sees the answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TokenKey {
    pub(crate) access_key_id: String,
    pub(crate) action: &'static str,
    pub(crate) token: String,
}

/// Every parameter but the token, by wire name, each value as a salted 128-bit hash: secrets
/// are compared without being kept, and an entry's size does not depend on the values'.
pub(crate) type Fingerprint = BTreeMap<&'static str, u128>;

/// The first success of a request with a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Remembered {
    /// The answer's JSON text, as sent.
    pub(crate) body: String,
    /// The `RequestId` it carries, replaced on a replay.
    pub(crate) request_id: String,
    /// Whether the answer was the spec's example (sent with the example header).
    pub(crate) example: bool,
}

impl Remembered {
    /// The answer again, with `request_id` instead of the first request's.
    pub(crate) fn replay_body(&self, request_id: &str) -> String {
        let old = format!("\"RequestId\":\"{}\"", self.request_id);
        if self.body.contains(&old) {
            // The IDs are ours (upper-case UUIDs): no escaping, and no other field holds one.
            let new = format!("\"RequestId\":\"{request_id}\"");
            return self.body.replacen(&old, &new, 1);
        }
        // An answer written another way: set the field on the parsed object.
        match serde_json::from_str::<serde_json::Value>(&self.body) {
            Ok(serde_json::Value::Object(mut object)) => {
                object.insert("RequestId".to_owned(), request_id.into());
                serde_json::Value::Object(object).to_string()
            }
            _ => self.body.clone(),
        }
    }
}

/// What [`TokenCache::look_up`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// The token is new (or expired): act, then [`TokenCache::remember`] a success.
    New,
    /// The token's first success, for the same parameters: answer it again.
    Replay(Remembered),
    /// The token was used with other parameters: their names.
    Mismatch(Vec<&'static str>),
    /// The token is new, but the cache holds its limit of unexpired tokens.
    Full {
        /// The limit.
        capacity: usize,
        /// Seconds until the oldest expires.
        retry_after_secs: u64,
    },
}

#[derive(Debug)]
struct Entry {
    expires: i64,
    fingerprint: Fingerprint,
    answer: Remembered,
}

/// Remembered tokens until they expire, bounded.
///
/// Each is kept for `window_secs` after its first success. Full of unexpired tokens, it refuses
/// new ones (fail closed) rather than forget one early, which would let a late retry of that
/// request act twice: the house rule is that a retried create never creates twice.
#[derive(Debug)]
pub(crate) struct TokenCache {
    capacity: usize,
    window_secs: i64,
    entries: HashMap<TokenKey, Entry>,
    /// (when it expires, key), in the order remembered: the soonest first, since every entry
    /// lives as long.
    by_expiry: VecDeque<(i64, TokenKey)>,
}

impl TokenCache {
    pub(crate) fn new(capacity: usize, window_secs: i64) -> Self {
        Self {
            capacity,
            window_secs,
            entries: HashMap::new(),
            by_expiry: VecDeque::new(),
        }
    }

    /// What an earlier request with `key` left, at `now` (Unix seconds).
    pub(crate) fn look_up(
        &mut self,
        key: &TokenKey,
        fingerprint: &Fingerprint,
        now: i64,
    ) -> Lookup {
        self.expire(now);
        if let Some(entry) = self.entries.get(key) {
            return if &entry.fingerprint == fingerprint {
                Lookup::Replay(entry.answer.clone())
            } else {
                Lookup::Mismatch(differing_names(&entry.fingerprint, fingerprint))
            };
        }
        if self.entries.len() >= self.capacity {
            let soonest = self.by_expiry.front().map_or(now, |(at, _)| *at);
            return Lookup::Full {
                capacity: self.capacity,
                retry_after_secs: u64::try_from(soonest.saturating_sub(now))
                    .unwrap_or(0)
                    .saturating_add(1),
            };
        }
        Lookup::New
    }

    /// Remembers the first success of `key`, at `now`. Called after [`look_up`](Self::look_up)
    /// answered [`Lookup::New`] for it, under the same lock, so there is room and no entry.
    pub(crate) fn remember(
        &mut self,
        key: TokenKey,
        fingerprint: Fingerprint,
        answer: Remembered,
        now: i64,
    ) {
        if self.entries.contains_key(&key) || self.entries.len() >= self.capacity {
            return;
        }
        let expires = now.saturating_add(self.window_secs);
        self.by_expiry.push_back((expires, key.clone()));
        self.entries.insert(
            key,
            Entry {
                expires,
                fingerprint,
                answer,
            },
        );
    }

    /// Forgets the tokens whose time is over (kept while `now <= expires`).
    fn expire(&mut self, now: i64) {
        while let Some((at, _)) = self.by_expiry.front()
            && *at < now
        {
            if let Some((at, key)) = self.by_expiry.pop_front()
                && self.entries.get(&key).is_some_and(|e| e.expires == at)
            {
                self.entries.remove(&key);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Names present in either fingerprint whose values differ (names only: values may be secret).
pub(crate) fn differing_names(a: &Fingerprint, b: &Fingerprint) -> Vec<&'static str> {
    let names: BTreeSet<&'static str> = a.keys().chain(b.keys()).copied().collect();
    names
        .into_iter()
        .filter(|name| a.get(name) != b.get(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(account: &str, action: &'static str, token: &str) -> TokenKey {
        TokenKey {
            access_key_id: account.to_owned(),
            action,
            token: token.to_owned(),
        }
    }

    fn answer(id: &str) -> Remembered {
        Remembered {
            body: format!(r#"{{"RequestId":"{id}","BackupPlanId":"dbs1","Success":true}}"#),
            request_id: id.to_owned(),
            example: false,
        }
    }

    fn fp(pairs: &[(&'static str, u128)]) -> Fingerprint {
        pairs.iter().copied().collect()
    }

    #[test]
    fn a_token_replays_its_first_success_or_names_what_differs() {
        let mut cache = TokenCache::new(10, 100);
        let k = key("ak", "CreateBackupPlan", "t");
        let params = fp(&[("Region", 1), ("UsedTime", 2)]);
        assert_eq!(cache.look_up(&k, &params, 0), Lookup::New);
        cache.remember(k.clone(), params.clone(), answer("A-1"), 0);
        assert_eq!(cache.look_up(&k, &params, 5), Lookup::Replay(answer("A-1")));
        assert_eq!(
            cache.look_up(&k, &fp(&[("Region", 1), ("UsedTime", 3)]), 5),
            Lookup::Mismatch(vec!["UsedTime"])
        );
        assert_eq!(
            cache.look_up(&k, &fp(&[("Region", 1), ("Period", 4)]), 5),
            Lookup::Mismatch(vec!["Period", "UsedTime"]),
            "a parameter given only once differs too"
        );
        // Another account or another action has its own tokens.
        assert_eq!(
            cache.look_up(&key("other", "CreateBackupPlan", "t"), &params, 5),
            Lookup::New
        );
        assert_eq!(
            cache.look_up(&key("ak", "CreateAndStartBackupPlan", "t"), &params, 5),
            Lookup::New
        );
    }

    #[test]
    fn tokens_expire_after_the_window_and_not_before() {
        let mut cache = TokenCache::new(10, 100);
        let k = key("ak", "CreateBackupPlan", "t");
        cache.remember(k.clone(), fp(&[("Region", 1)]), answer("A-1"), 0);
        assert_eq!(
            cache.look_up(&k, &fp(&[("Region", 2)]), 100),
            Lookup::Mismatch(vec!["Region"]),
            "kept up to 100 inclusive"
        );
        assert_eq!(cache.look_up(&k, &fp(&[("Region", 2)]), 101), Lookup::New);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_full_cache_refuses_new_tokens_but_still_replays_known_ones() {
        let mut cache = TokenCache::new(2, 100);
        let params = fp(&[("Region", 1)]);
        let (a, b, c) = (
            key("ak", "CreateBackupPlan", "a"),
            key("ak", "CreateBackupPlan", "b"),
            key("ak", "CreateBackupPlan", "c"),
        );
        cache.remember(a.clone(), params.clone(), answer("A"), 0);
        cache.remember(b.clone(), params.clone(), answer("B"), 30);
        assert_eq!(
            cache.look_up(&c, &params, 40),
            Lookup::Full {
                capacity: 2,
                retry_after_secs: 61
            }
        );
        // A remember without room (a caller that skipped look_up) keeps nothing.
        cache.remember(c.clone(), params.clone(), answer("C"), 40);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.look_up(&a, &params, 40), Lookup::Replay(answer("A")));
        // Once "a" expires, there is room again; "b" is still kept.
        assert_eq!(cache.look_up(&c, &params, 101), Lookup::New);
        assert_eq!(cache.look_up(&b, &params, 101), Lookup::Replay(answer("B")));
    }

    #[test]
    fn a_replay_carries_the_new_request_id_and_nothing_else_changes() {
        let first = answer("60AF7C5D-EF4D-4D48-8FD5-C0823FDF28AC");
        assert_eq!(
            first.replay_body("NEW-ID"),
            r#"{"RequestId":"NEW-ID","BackupPlanId":"dbs1","Success":true}"#
        );
        let spaced = Remembered {
            body: r#"{"Success": true, "RequestId": "OLD"}"#.to_owned(),
            request_id: "OLD".to_owned(),
            example: true,
        };
        let replayed: serde_json::Value =
            serde_json::from_str(&spaced.replay_body("NEW")).expect("JSON");
        assert_eq!(
            replayed,
            serde_json::json!({"Success": true, "RequestId": "NEW"})
        );
    }
}
