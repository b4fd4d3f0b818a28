//! What the emulator remembers between requests.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::faults::{Fault, Faults};
use crate::seed::BackupPlan;

/// A restore task created by `CreateRestoreTask`.
///
/// The destination password is never kept in clear: it is left out of `parameters`, and only a
/// salted SHA-256 of it is kept (privately) to tell a retried request from a changed one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreTask {
    /// `RestoreTaskId`: `r` and 12 hex digits.
    #[serde(rename = "RestoreTaskId")]
    pub restore_task_id: String,
    /// `RestoreTaskName`.
    #[serde(rename = "RestoreTaskName")]
    pub restore_task_name: String,
    /// `BackupPlanId`.
    #[serde(rename = "BackupPlanId")]
    pub backup_plan_id: String,
    /// The `ClientToken` it was created with, if any.
    #[serde(rename = "ClientToken")]
    pub client_token: Option<String>,
    /// `RestoreStatus`: `init` (created, not started).
    #[serde(rename = "RestoreStatus")]
    pub restore_status: String,
    /// `RestoreTaskCreateTime`: milliseconds since the Unix epoch.
    #[serde(rename = "RestoreTaskCreateTime")]
    pub restore_task_create_time: i64,
    /// The request's parameters as the generated code re-serializes them (integers in decimal,
    /// JSON compact), without `ClientToken` and without any sensitive parameter.
    #[serde(rename = "Parameters")]
    pub parameters: BTreeMap<String, String>,
}

/// A copy of the emulator's state; what `GET /_emulator/state` answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateSnapshot {
    /// The backup plans, in seed order.
    pub backup_plans: Vec<BackupPlan>,
    /// The restore tasks, oldest first.
    pub restore_tasks: Vec<RestoreTask>,
    /// Requests per action name: every request to `/` that named an action (the `Action`
    /// parameter in the query or body, or the `x-acs-action` header), counted as soon as it was
    /// read, before any check, whatever happened next (gateway error, business error, injected
    /// fault, success). Not counted: admin requests, requests to other paths, bodies over the
    /// limit or not received in time, requests from which no action could be read (no `Action`
    /// parameter or header, or parameters that could not be decoded), and new names once 1024
    /// distinct names were counted (or longer than 128 bytes).
    pub requests: BTreeMap<String, u64>,
    /// The injected faults still waiting, with the uses left in `count`.
    pub faults: Vec<Fault>,
}

/// The most distinct action names counted in [`StateSnapshot::requests`].
const MAX_COUNTED_ACTIONS: usize = 1024;
/// The longest action name counted.
const MAX_ACTION_LEN: usize = 128;

/// A task and what idempotency compares.
#[derive(Debug)]
struct StoredTask {
    task: RestoreTask,
    /// Every parameter but `ClientToken`, sensitive ones as a salted hash.
    fingerprint: BTreeMap<String, String>,
}

/// What `CreateRestoreTask` does with the state.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Created {
    /// A new task, or the task an earlier request with the same token and parameters created.
    Task(String),
    /// The token was used with other parameters: their names.
    Mismatch(Vec<String>),
}

/// The mutable state, behind one mutex.
#[derive(Debug)]
pub(crate) struct State {
    tasks: Vec<StoredTask>,
    /// (AccessKeyId, ClientToken) → index in `tasks`.
    tokens: HashMap<(String, String), usize>,
    requests: BTreeMap<String, u64>,
    nonces: NonceCache,
    pub(crate) faults: Faults,
}

impl State {
    pub(crate) fn new() -> Self {
        Self {
            tasks: Vec::new(),
            tokens: HashMap::new(),
            requests: BTreeMap::new(),
            nonces: NonceCache::new(crate::config::NONCE_WINDOW, NonceCache::CAPACITY),
            faults: Faults::default(),
        }
    }

    /// Counts a request naming `action`. Bounded: past [`MAX_COUNTED_ACTIONS`] distinct names,
    /// or for a name longer than [`MAX_ACTION_LEN`], new names are not counted.
    pub(crate) fn count_request(&mut self, action: &str) {
        if let Some(n) = self.requests.get_mut(action) {
            *n += 1;
        } else if action.len() <= MAX_ACTION_LEN && self.requests.len() < MAX_COUNTED_ACTIONS {
            self.requests.insert(action.to_owned(), 1);
        }
    }

    /// Records the nonce; `false` when it was used within the window.
    pub(crate) fn use_nonce(&mut self, nonce: &str, now: Instant) -> bool {
        self.nonces.insert(nonce, now)
    }

    /// Creates a task (giving it a fresh `RestoreTaskId`), or finds the one an earlier request
    /// with the same token created. An empty token is no token, as for the real service.
    pub(crate) fn create_task(
        &mut self,
        access_key_id: &str,
        mut task: RestoreTask,
        fingerprint: BTreeMap<String, String>,
    ) -> Created {
        task.client_token = task.client_token.filter(|token| !token.is_empty());
        if let Some(token) = &task.client_token {
            let key = (access_key_id.to_owned(), token.clone());
            if let Some(&index) = self.tokens.get(&key)
                && let Some(earlier) = self.tasks.get(index)
            {
                return if earlier.fingerprint == fingerprint {
                    Created::Task(earlier.task.restore_task_id.clone())
                } else {
                    Created::Mismatch(differing_names(&earlier.fingerprint, &fingerprint))
                };
            }
            self.tokens.insert(key, self.tasks.len());
        }
        task.restore_task_id = self.fresh_task_id();
        let id = task.restore_task_id.clone();
        self.tasks.push(StoredTask { task, fingerprint });
        Created::Task(id)
    }

    /// `r` and 12 random hex digits, not used yet.
    fn fresh_task_id(&self) -> String {
        loop {
            let id = format!("r{:012x}", rand::random::<u64>() >> 16);
            if !self.tasks.iter().any(|t| t.task.restore_task_id == id) {
                return id;
            }
        }
    }

    pub(crate) fn snapshot(&self, backup_plans: &[BackupPlan]) -> StateSnapshot {
        StateSnapshot {
            backup_plans: backup_plans.to_vec(),
            restore_tasks: self.tasks.iter().map(|t| t.task.clone()).collect(),
            requests: self.requests.clone(),
            faults: self.faults.list().to_vec(),
        }
    }
}

/// Names present in either map whose values differ (names only: values may be secret).
fn differing_names(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    names
        .into_iter()
        .filter(|name| a.get(*name) != b.get(*name))
        .cloned()
        .collect()
}

/// Nonces used within the window, oldest first; bounded so a flood cannot exhaust memory (past
/// the capacity the oldest nonce is forgotten early).
#[derive(Debug)]
struct NonceCache {
    window: Duration,
    capacity: usize,
    order: VecDeque<(Instant, String)>,
    used: HashSet<String>,
}

impl NonceCache {
    const CAPACITY: usize = 100_000;

    fn new(window: Duration, capacity: usize) -> Self {
        Self {
            window,
            capacity,
            order: VecDeque::new(),
            used: HashSet::new(),
        }
    }

    fn insert(&mut self, nonce: &str, now: Instant) -> bool {
        while let Some((at, _)) = self.order.front()
            && now.saturating_duration_since(*at) > self.window
        {
            self.forget_oldest();
        }
        if self.used.contains(nonce) {
            return false;
        }
        while self.order.len() >= self.capacity.max(1) {
            self.forget_oldest();
        }
        self.used.insert(nonce.to_owned());
        self.order.push_back((now, nonce.to_owned()));
        true
    }

    fn forget_oldest(&mut self) {
        if let Some((_, nonce)) = self.order.pop_front() {
            self.used.remove(&nonce);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_is_rejected_within_the_window_and_forgotten_after() {
        let start = Instant::now();
        let mut cache = NonceCache::new(Duration::from_secs(60), 10);
        assert!(cache.insert("a", start));
        assert!(!cache.insert("a", start + Duration::from_secs(60)));
        assert!(cache.insert("b", start + Duration::from_secs(30)));
        // "a" is older than the window now; "b" is not.
        assert!(cache.insert("a", start + Duration::from_secs(61)));
        assert!(!cache.insert("b", start + Duration::from_secs(61)));
    }

    #[test]
    fn nonce_cache_is_bounded() {
        let now = Instant::now();
        let mut cache = NonceCache::new(Duration::from_secs(60), 2);
        for n in ["a", "b", "c"] {
            assert!(cache.insert(n, now));
        }
        assert_eq!(cache.order.len(), 2);
        assert_eq!(cache.used.len(), 2);
        assert!(cache.insert("a", now), "the oldest was forgotten");
        assert!(!cache.insert("c", now));
    }

    fn task(token: Option<&str>) -> RestoreTask {
        RestoreTask {
            restore_task_id: String::new(),
            restore_task_name: "n".to_owned(),
            backup_plan_id: "p".to_owned(),
            client_token: token.map(str::to_owned),
            restore_status: "init".to_owned(),
            restore_task_create_time: 0,
            parameters: BTreeMap::new(),
        }
    }

    fn created_id(created: Created) -> String {
        match created {
            Created::Task(id) => id,
            Created::Mismatch(names) => panic!("unexpected mismatch of {names:?}"),
        }
    }

    #[test]
    fn client_token_returns_the_same_task_or_names_what_differs() {
        let mut state = State::new();
        let fp = |pw: &str| {
            BTreeMap::from([
                ("RestoreTaskName".to_owned(), "n".to_owned()),
                ("DestinationEndpointPassword".to_owned(), pw.to_owned()),
            ])
        };
        let first = created_id(state.create_task("ak", task(Some("t")), fp("h1")));
        assert!(first.starts_with('r') && first.len() == 13, "{first}");
        let again = created_id(state.create_task("ak", task(Some("t")), fp("h1")));
        assert_eq!(again, first);
        assert_eq!(
            state.create_task("ak", task(Some("t")), fp("h2")),
            Created::Mismatch(vec!["DestinationEndpointPassword".to_owned()])
        );
        // Another account's token space is separate; no token means a new task every time.
        let other = created_id(state.create_task("other", task(Some("t")), fp("h2")));
        let untokened = created_id(state.create_task("ak", task(None), fp("h1")));
        // An empty token is no token: a new task each time, whatever the parameters.
        let empty = created_id(state.create_task("ak", task(Some("")), fp("h1")));
        let empty_again = created_id(state.create_task("ak", task(Some("")), fp("h2")));
        let snapshot = state.snapshot(&[]);
        let ids: Vec<String> = snapshot
            .restore_tasks
            .iter()
            .map(|t| t.restore_task_id.clone())
            .collect();
        assert_eq!(ids, [first, other, untokened, empty, empty_again]);
        assert_eq!(snapshot.restore_tasks[3].client_token, None);
    }
}
