//! What the emulator remembers between requests.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::faults::{Fault, Faults};
use crate::idempotency::{Fingerprint, differing_names};
use crate::plans::{PlanRecord, PlanStore};
use crate::restore::RestoreStore;
use crate::temporary::CredentialCounters;

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
    /// `RestoreStatus`: `init` (created, not started); in a state snapshot, where a started
    /// task's run is (`init` in its precheck, `running`, `check_pass` finished, `stop` failed).
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
    /// The backup plans, oldest first (seeded ones in seed order): every field the emulator
    /// keeps of each ([`PlanRecord`]).
    pub backup_plans: Vec<PlanRecord>,
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
    /// Requests to the credential endpoints (STS, the metadata service, the credentials URI)
    /// and temporary credentials issued.
    #[serde(default)]
    pub credentials: CredentialCounters,
}

/// The most distinct action names counted in [`StateSnapshot::requests`].
const MAX_COUNTED_ACTIONS: usize = 1024;
/// The longest action name counted.
const MAX_ACTION_LEN: usize = 128;

/// The default `page_size` of [`StateQuery`].
pub const DEFAULT_STATE_PAGE_SIZE: usize = 100;
/// The largest `page_size` of [`StateQuery`].
pub const MAX_STATE_PAGE_SIZE: usize = 1000;

/// Which backup plans and restore tasks a page of the state shows: `GET
/// /_emulator/state?page=1&page_size=100&backup_plan_id=…`. The page and its size apply to
/// both lists; `backup_plan_id` keeps that plan and its tasks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateQuery {
    pub(crate) page: usize,
    pub(crate) page_size: usize,
    pub(crate) backup_plan_id: Option<String>,
}

impl Default for StateQuery {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_STATE_PAGE_SIZE,
            backup_plan_id: None,
        }
    }
}

impl StateQuery {
    /// The first page of [`DEFAULT_STATE_PAGE_SIZE`] plans and tasks, of every plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// The page, counted from 1.
    ///
    /// # Errors
    ///
    /// A message when `page` is 0.
    pub fn page(mut self, page: usize) -> Result<Self, String> {
        if page == 0 {
            return Err("page counts from 1".to_owned());
        }
        self.page = page;
        Ok(self)
    }

    /// The most plans, and the most tasks, a page shows.
    ///
    /// # Errors
    ///
    /// A message when `size` is 0 or more than [`MAX_STATE_PAGE_SIZE`].
    pub fn page_size(mut self, size: usize) -> Result<Self, String> {
        if size == 0 || size > MAX_STATE_PAGE_SIZE {
            return Err(format!(
                "page_size must be between 1 and {MAX_STATE_PAGE_SIZE}, got {size}"
            ));
        }
        self.page_size = size;
        Ok(self)
    }

    /// Only this backup plan and its tasks.
    pub fn backup_plan_id(mut self, id: impl Into<String>) -> Self {
        self.backup_plan_id = Some(id.into());
        self
    }

    /// Parses the query string of `GET /_emulator/state`: `page`, `page_size`,
    /// `backup_plan_id`, each at most once.
    ///
    /// # Errors
    ///
    /// A message naming what is wrong (an unknown or repeated name, a value that is not a
    /// number or out of range).
    pub fn from_query(query: &str) -> Result<Self, String> {
        let pairs = dbs_api::encoding::form_urldecode(query.as_bytes())
            .map_err(|e| format!("the query string is not valid: {e}"))?;
        let mut seen = Vec::new();
        let mut out = Self::default();
        for (name, value) in pairs {
            if seen.contains(&name) {
                return Err(format!("{name} is given more than once"));
            }
            let number = || {
                value
                    .parse::<usize>()
                    .map_err(|_| format!("{name} must be a whole number, got {:?}", cut(&value)))
            };
            out = match name.as_str() {
                "page" => out.page(number()?)?,
                "page_size" => out.page_size(number()?)?,
                "backup_plan_id" => out.backup_plan_id(value),
                _ => {
                    return Err(format!(
                        "unknown parameter {:?}; use page, page_size and backup_plan_id",
                        cut(&name)
                    ));
                }
            };
            seen.push(name);
        }
        Ok(out)
    }
}

/// At most 64 characters of a client's text, for an error message.
fn cut(text: &str) -> String {
    let mut shown: String = text.chars().take(64).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    shown
}

/// A page of the state: what `GET /_emulator/state` answers. The [`StateSnapshot`] fields, with
/// `backup_plans` and `restore_tasks` each holding one page, and the paging fields beside them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatePage {
    /// The state, with one page of backup plans and one of restore tasks (oldest first).
    #[serde(flatten)]
    pub state: StateSnapshot,
    /// The page shown, counted from 1.
    pub page: usize,
    /// The most plans, and the most tasks, a page shows.
    pub page_size: usize,
    /// How many restore tasks match the filter, on every page.
    pub total_restore_tasks: usize,
    /// How many backup plans match the filter, on every page.
    pub total_backup_plans: usize,
}

/// A task and what idempotency compares.
#[derive(Debug)]
struct StoredTask {
    task: RestoreTask,
    /// Every parameter but `ClientToken`, each value as a salted 128-bit hash (the one the
    /// `ClientToken` cache compares); kept only for a task with a `ClientToken`, the only ones
    /// compared.
    fingerprint: Option<Fingerprint>,
}

/// Which restore tasks `DescribeRestoreTaskList` shows.
#[derive(Debug)]
pub(crate) struct TaskFilter<'a> {
    /// The plan whose tasks are shown, when `ids` is `None`.
    pub(crate) plan_id: &'a str,
    /// The tasks named (`RestoreTaskId`, comma-separated).
    pub(crate) ids: Option<&'a [&'a str]>,
    /// `RestoreTaskCreateTime` at least this.
    pub(crate) from: Option<i64>,
    /// `RestoreTaskCreateTime` at most this.
    pub(crate) to: Option<i64>,
    /// From 0.
    pub(crate) page: usize,
    pub(crate) page_size: usize,
}

/// What `CreateRestoreTask` does with the state.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Created {
    /// A new task, or the task an earlier request with the same token and parameters created.
    Task(String),
    /// The token was used with other parameters: their names.
    Mismatch(Vec<&'static str>),
    /// A limit on the tasks kept is reached.
    Full(TaskLimitReached),
}

/// A limit on the restore tasks the emulator keeps is reached: it creates no more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskLimitReached {
    /// It holds this many tasks, its limit
    /// ([`EmulatorConfig::max_restore_tasks`](crate::EmulatorConfig::max_restore_tasks)).
    #[error(
        "the emulator holds {0} restore tasks, its limit; start it with --max-restore-tasks N \
         (EmulatorConfig::max_restore_tasks) to keep more"
    )]
    Count(usize),
    /// The tasks would take more than this many bytes, its limit
    /// ([`EmulatorConfig::max_restore_task_bytes`](crate::EmulatorConfig::max_restore_task_bytes)).
    #[error(
        "the emulator's restore tasks would take more than {0} bytes, its limit; start it with \
         --max-restore-task-bytes N (EmulatorConfig::max_restore_task_bytes) to keep more"
    )]
    Bytes(usize),
}

/// What became of a `SignatureNonce`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NonceUse {
    /// Not used while its timestamp is valid: recorded now.
    Fresh,
    /// Used already, and its timestamp has not expired.
    Used,
    /// The memory of nonces is full of unexpired ones; the oldest expires in this many
    /// seconds.
    Full {
        /// The limit.
        capacity: usize,
        /// Seconds until one expires.
        retry_after_secs: u64,
    },
}

/// The mutable state, behind one mutex.
#[derive(Debug)]
pub(crate) struct State {
    /// Oldest first.
    tasks: Vec<StoredTask>,
    max_tasks: usize,
    /// Roughly how many bytes the tasks take ([`approx_bytes`]), and the most they may.
    task_bytes: usize,
    max_task_bytes: usize,
    /// Every `RestoreTaskId` given → its index in `tasks`, so a fresh ID is found, and a task
    /// looked up, without a scan.
    ids: HashMap<String, usize>,
    /// `BackupPlanId` → indexes in `tasks`, oldest first, for a filtered page.
    by_plan: HashMap<String, Vec<usize>>,
    /// (AccessKeyId, ClientToken) → index in `tasks`.
    tokens: HashMap<(String, String), usize>,
    requests: BTreeMap<String, u64>,
    nonces: NonceCache,
    pub(crate) faults: Faults,
    /// The backup plans.
    pub(crate) plans: PlanStore,
    /// Backup history, gateways and the runs of started restore tasks.
    pub(crate) restores: RestoreStore,
}

impl State {
    pub(crate) fn new(
        max_nonces: usize,
        max_tasks: usize,
        max_task_bytes: usize,
        plans: PlanStore,
    ) -> Self {
        Self {
            tasks: Vec::new(),
            max_tasks,
            task_bytes: 0,
            max_task_bytes,
            ids: HashMap::new(),
            by_plan: HashMap::new(),
            tokens: HashMap::new(),
            requests: BTreeMap::new(),
            nonces: NonceCache::new(max_nonces),
            faults: Faults::default(),
            plans,
            restores: RestoreStore::default(),
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

    /// Records a nonce, by its key ([`Shared::fingerprint_value`] of the nonce: salted, so no
    /// client can choose keys that collide), whose request's timestamp is `timestamp`, at `now`.
    ///
    /// [`Shared::fingerprint_value`]: crate::server::Shared::fingerprint_value
    pub(crate) fn use_nonce(
        &mut self,
        nonce_key: u128,
        timestamp: OffsetDateTime,
        now: OffsetDateTime,
    ) -> NonceUse {
        let expires = timestamp.unix_timestamp().saturating_add(window_secs());
        self.nonces.insert(nonce_key, expires, now.unix_timestamp())
    }

    /// Creates a task (giving it a fresh `RestoreTaskId`), or finds the one an earlier request
    /// with the same token created. A blank token is no token, as for the `dbs-api` client.
    pub(crate) fn create_task(
        &mut self,
        access_key_id: &str,
        mut task: RestoreTask,
        fingerprint: Fingerprint,
    ) -> Created {
        task.client_token = task.client_token.filter(|token| !token.trim().is_empty());
        let Some(token) = task.client_token.clone() else {
            return self.add(task, None);
        };
        let key = (access_key_id.to_owned(), token);
        if let Some(&index) = self.tokens.get(&key)
            && let Some(earlier) = self.tasks.get(index)
        {
            let earlier_fingerprint = earlier.fingerprint.as_ref();
            return if earlier_fingerprint == Some(&fingerprint) {
                Created::Task(earlier.task.restore_task_id.clone())
            } else {
                let empty = Fingerprint::new();
                Created::Mismatch(differing_names(
                    earlier_fingerprint.unwrap_or(&empty),
                    &fingerprint,
                ))
            };
        }
        let created = self.add(task, Some(fingerprint));
        if let Created::Task(_) = created {
            self.tokens.insert(key, self.tasks.len() - 1);
        }
        created
    }

    /// Adds a task with a fresh ID, unless the limit is reached.
    fn add(&mut self, mut task: RestoreTask, fingerprint: Option<Fingerprint>) -> Created {
        if self.tasks.len() >= self.max_tasks {
            return Created::Full(TaskLimitReached::Count(self.max_tasks));
        }
        task.restore_task_id = self.fresh_task_id();
        let bytes = approx_bytes(&task, fingerprint.as_ref());
        match self.task_bytes.checked_add(bytes) {
            Some(total) if total <= self.max_task_bytes => self.task_bytes = total,
            _ => return Created::Full(TaskLimitReached::Bytes(self.max_task_bytes)),
        }
        let id = task.restore_task_id.clone();
        self.ids.insert(id.clone(), self.tasks.len());
        // Looked up before inserting: the plan's ID is copied only for its first task.
        match self.by_plan.get_mut(&task.backup_plan_id) {
            Some(indexes) => indexes.push(self.tasks.len()),
            None => {
                self.by_plan
                    .insert(task.backup_plan_id.clone(), vec![self.tasks.len()]);
            }
        }
        self.tasks.push(StoredTask { task, fingerprint });
        Created::Task(id)
    }

    /// Adds a task as it is, but for a fresh ID; its `ClientToken` is shown but not
    /// registered.
    pub(crate) fn insert_task(
        &mut self,
        mut task: RestoreTask,
    ) -> Result<String, TaskLimitReached> {
        task.client_token = task.client_token.filter(|token| !token.is_empty());
        match self.add(task, None) {
            Created::Task(id) => Ok(id),
            Created::Full(limit) => Err(limit),
            // No token is registered, so nothing can mismatch.
            Created::Mismatch(_) => Err(TaskLimitReached::Count(self.max_tasks)),
        }
    }

    /// `r` and 12 random hex digits, not used yet: a set lookup, never a scan.
    fn fresh_task_id(&self) -> String {
        loop {
            let id = format!("r{:012x}", rand::random::<u64>() >> 16);
            if !self.ids.contains_key(&id) {
                return id;
            }
        }
    }

    /// A task as the state shows it: its `RestoreStatus` where its run is now.
    fn shown(&self, task: &RestoreTask) -> RestoreTask {
        let mut shown = task.clone();
        if let Some(run) = self.restores.run(&task.restore_task_id) {
            shown.restore_status = run.at(crate::dbs::now_ms()).status.to_owned();
        }
        shown
    }

    /// The task `id`, if there is one.
    pub(crate) fn task(&self, id: &str) -> Option<&RestoreTask> {
        self.ids
            .get(id)
            .and_then(|&index| self.tasks.get(index))
            .map(|stored| &stored.task)
    }

    /// One page of the tasks that `filter` keeps, oldest first, and how many it keeps in all.
    /// By plan without a time range, the page is cut from the plan's index (the page's cost);
    /// with a time range, the plan's tasks are walked (at most the task limit); by IDs, each
    /// ID is looked up.
    pub(crate) fn task_page(&self, filter: &TaskFilter<'_>) -> (usize, Vec<RestoreTask>) {
        let in_range = |index: &usize| {
            self.tasks.get(*index).is_some_and(|stored| {
                let created = stored.task.restore_task_create_time;
                filter.from.is_none_or(|from| created >= from)
                    && filter.to.is_none_or(|to| created <= to)
            })
        };
        let page = |kept: &[usize]| -> Vec<RestoreTask> {
            kept.iter()
                .skip(filter.page.saturating_mul(filter.page_size))
                .take(filter.page_size)
                .filter_map(|&index| self.tasks.get(index))
                .map(|stored| self.shown(&stored.task))
                .collect()
        };
        let plan: &[usize] = self.by_plan.get(filter.plan_id).map_or(&[], Vec::as_slice);
        match filter.ids {
            None if filter.from.is_none() && filter.to.is_none() => (plan.len(), page(plan)),
            None => {
                let kept: Vec<usize> = plan.iter().copied().filter(in_range).collect();
                (kept.len(), page(&kept))
            }
            Some(ids) => {
                let mut kept: Vec<usize> = ids
                    .iter()
                    .filter_map(|id| self.ids.get(*id).copied())
                    .filter(in_range)
                    .collect();
                kept.sort_unstable();
                kept.dedup();
                (kept.len(), page(&kept))
            }
        }
    }

    /// Everything, every task included.
    pub(crate) fn snapshot(&self) -> StateSnapshot {
        StateSnapshot {
            backup_plans: self.plans.all(),
            restore_tasks: self.tasks.iter().map(|t| self.shown(&t.task)).collect(),
            requests: self.requests.clone(),
            faults: self.faults.list().to_vec(),
            credentials: CredentialCounters::default(),
        }
    }

    /// One page of plans and of tasks; the cost of the tasks' page is the page's, not the
    /// number of tasks held.
    pub(crate) fn page(&self, query: &StateQuery) -> StatePage {
        let (backup_plans, total_backup_plans) =
            self.plans
                .state_page(query.page, query.page_size, query.backup_plan_id.as_deref());
        let skip = (query.page - 1).saturating_mul(query.page_size);
        let (total, restore_tasks): (usize, Vec<RestoreTask>) = match &query.backup_plan_id {
            None => (
                self.tasks.len(),
                self.tasks
                    .iter()
                    .skip(skip)
                    .take(query.page_size)
                    .map(|t| self.shown(&t.task))
                    .collect(),
            ),
            Some(plan) => {
                let indexes = self.by_plan.get(plan).map_or(&[][..], Vec::as_slice);
                (
                    indexes.len(),
                    indexes
                        .iter()
                        .skip(skip)
                        .take(query.page_size)
                        .filter_map(|&i| self.tasks.get(i))
                        .map(|t| self.shown(&t.task))
                        .collect(),
                )
            }
        };
        StatePage {
            state: StateSnapshot {
                backup_plans,
                restore_tasks,
                requests: self.requests.clone(),
                faults: self.faults.list().to_vec(),
                credentials: CredentialCounters::default(),
            },
            page: query.page,
            page_size: query.page_size,
            total_restore_tasks: total,
            total_backup_plans,
        }
    }
}

/// Roughly what a task takes in memory: its text, plus a fixed cost per map entry and per task.
/// (A task's parameters are bounded only by the body limit, so counting tasks alone would let
/// a few large ones take gigabytes.)
fn approx_bytes(task: &RestoreTask, fingerprint: Option<&Fingerprint>) -> usize {
    const PER_ENTRY: usize = 64;
    const PER_TASK: usize = 256;
    let map = |m: &BTreeMap<String, String>| -> usize {
        m.iter().map(|(k, v)| k.len() + v.len() + PER_ENTRY).sum()
    };
    // The names are the spec's (static); each value is a 16-byte hash.
    let hashes = |m: &Fingerprint| -> usize { m.len() * (16 + PER_ENTRY) };
    PER_TASK
        + task.restore_task_id.len()
        + task.restore_task_name.len()
        + task.backup_plan_id.len()
        + task.client_token.as_ref().map_or(0, String::len)
        + task.restore_status.len()
        + map(&task.parameters)
        + fingerprint.map_or(0, hashes)
}

/// [`NONCE_WINDOW`](crate::config::NONCE_WINDOW) in seconds.
fn window_secs() -> i64 {
    i64::try_from(crate::config::NONCE_WINDOW.as_secs()).unwrap_or(i64::MAX)
}

/// Used nonces until their timestamps expire, bounded.
///
/// Each entry is keyed by a salted 128-bit SHA-256 prefix of the nonce, so its size does not
/// depend on the nonce's length, and expires at its request's timestamp plus the window (Unix
/// seconds), whatever the order of arrival. Full of unexpired entries, it refuses new nonces (fail closed)
/// instead of forgetting one early, which would let a replay of that request through.
#[derive(Debug)]
struct NonceCache {
    capacity: usize,
    /// Nonce key → when it expires.
    expires: HashMap<u128, i64, BuildHasherDefault<DigestHasher>>,
    /// When they expire (a second) → the nonce keys expiring then, soonest first. By second,
    /// not by key: timestamps have whole seconds, so a request adds to a second's list instead
    /// of a node to an ordered set.
    by_expiry: BTreeMap<i64, Vec<u128>>,
}

/// The hasher of the nonce map: the key's low 64 bits as they are. The keys are already a
/// salted SHA-256 (uniform, and unknown to clients, who therefore cannot make them collide), so
/// hashing them again with SipHash would buy nothing.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not reached for `u128` keys (`write_u128`); folds anything else in, just in case.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }

    fn write_u128(&mut self, key: u128) {
        // Truncation intended: the low half of a uniform 128-bit digest.
        self.0 = key as u64;
    }
}

impl NonceCache {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            expires: HashMap::default(),
            by_expiry: BTreeMap::new(),
        }
    }

    /// Records `nonce`, which expires at `expires` (Unix seconds; kept while `now <= expires`).
    fn insert(&mut self, key: u128, expires: i64, now: i64) -> NonceUse {
        while let Some(entry) = self.by_expiry.first_entry()
            && *entry.key() < now
        {
            for key in entry.remove() {
                self.expires.remove(&key);
            }
        }
        if self.expires.contains_key(&key) {
            return NonceUse::Used;
        }
        if self.expires.len() >= self.capacity {
            let soonest = self.by_expiry.first_key_value().map_or(now, |(&at, _)| at);
            return NonceUse::Full {
                capacity: self.capacity,
                retry_after_secs: u64::try_from(soonest.saturating_sub(now))
                    .unwrap_or(0)
                    .saturating_add(1),
            };
        }
        self.expires.insert(key, expires);
        self.by_expiry.entry(expires).or_default().push(key);
        NonceUse::Fresh
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.expires.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A nonce's key, as `Shared::fingerprint_value` makes it (without the salt).
    fn key(nonce: &str) -> u128 {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(nonce.as_bytes());
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        u128::from_be_bytes(first)
    }

    #[test]
    fn nonce_is_rejected_until_its_own_expiry_and_forgotten_after() {
        let mut cache = NonceCache::new(10);
        assert_eq!(cache.insert(key("a"), 100, 0), NonceUse::Fresh);
        assert_eq!(
            cache.insert(key("a"), 200, 100),
            NonceUse::Used,
            "kept up to 100 inclusive"
        );
        // Expiry follows each nonce's own timestamp, not the order of arrival.
        assert_eq!(cache.insert(key("late"), 500, 1), NonceUse::Fresh);
        assert_eq!(cache.insert(key("b"), 50, 2), NonceUse::Fresh);
        assert_eq!(cache.insert(key("b"), 50, 50), NonceUse::Used);
        assert_eq!(
            cache.insert(key("b"), 50, 51),
            NonceUse::Fresh,
            "expired at 50"
        );
        assert_eq!(
            cache.insert(key("a"), 300, 101),
            NonceUse::Fresh,
            "expired at 100"
        );
        assert_eq!(cache.insert(key("late"), 900, 400), NonceUse::Used);
    }

    #[test]
    fn a_full_nonce_cache_refuses_new_nonces_and_forgets_none_early() {
        let mut cache = NonceCache::new(2);
        assert_eq!(cache.insert(key("a"), 100, 0), NonceUse::Fresh);
        assert_eq!(cache.insert(key("b"), 40, 0), NonceUse::Fresh);
        assert_eq!(
            cache.insert(key("c"), 100, 10),
            NonceUse::Full {
                capacity: 2,
                retry_after_secs: 31
            }
        );
        assert_eq!(cache.len(), 2);
        assert_eq!(
            cache.insert(key("a"), 100, 10),
            NonceUse::Used,
            "a replay while full"
        );
        assert_eq!(cache.insert(key("b"), 40, 40), NonceUse::Used);
        // Once "b" expires, there is room again.
        assert_eq!(cache.insert(key("c"), 100, 41), NonceUse::Fresh);
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn keys_that_share_their_low_bits_are_still_told_apart() {
        // The map hashes a key by its low 64 bits; the high ones still decide equality.
        let mut cache = NonceCache::new(10);
        assert_eq!(cache.insert(1, 100, 0), NonceUse::Fresh);
        assert_eq!(cache.insert(1 | (1 << 64), 100, 0), NonceUse::Fresh);
        assert_eq!(cache.insert(1, 100, 0), NonceUse::Used);
        assert_eq!(cache.len(), 2);
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
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn client_token_returns_the_same_task_or_names_what_differs() {
        let mut state = State::new(10, 10, usize::MAX, PlanStore::new(1));
        let fp = |pw: u128| {
            Fingerprint::from([("RestoreTaskName", 1), ("DestinationEndpointPassword", pw)])
        };
        let first = created_id(state.create_task("ak", task(Some("t")), fp(1)));
        assert!(first.starts_with('r') && first.len() == 13, "{first}");
        let again = created_id(state.create_task("ak", task(Some("t")), fp(1)));
        assert_eq!(again, first);
        assert_eq!(
            state.create_task("ak", task(Some("t")), fp(2)),
            Created::Mismatch(vec!["DestinationEndpointPassword"])
        );
        // Another account's token space is separate; no token means a new task every time.
        let other = created_id(state.create_task("other", task(Some("t")), fp(2)));
        let untokened = created_id(state.create_task("ak", task(None), fp(1)));
        // An empty token is no token: a new task each time, whatever the parameters.
        let empty = created_id(state.create_task("ak", task(Some("")), fp(1)));
        let empty_again = created_id(state.create_task("ak", task(Some("")), fp(2)));
        let snapshot = state.snapshot();
        let ids: Vec<String> = snapshot
            .restore_tasks
            .iter()
            .map(|t| t.restore_task_id.clone())
            .collect();
        assert_eq!(ids, [first, other, untokened, empty, empty_again]);
        assert_eq!(snapshot.restore_tasks[3].client_token, None);
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    fn task(plan: &str, token: Option<&str>) -> RestoreTask {
        RestoreTask {
            restore_task_id: String::new(),
            restore_task_name: "n".to_owned(),
            backup_plan_id: plan.to_owned(),
            client_token: token.map(str::to_owned),
            restore_status: "init".to_owned(),
            restore_task_create_time: 0,
            parameters: BTreeMap::new(),
        }
    }

    #[test]
    fn tasks_stop_at_the_limit_but_a_known_token_still_finds_its_task() {
        let mut state = State::new(10, 2, usize::MAX, PlanStore::new(1));
        let first = state.create_task("ak", task("p", Some("t")), Fingerprint::new());
        assert!(matches!(first, Created::Task(_)), "{first:?}");
        assert!(matches!(
            state.create_task("ak", task("p", None), Fingerprint::new()),
            Created::Task(_)
        ));
        assert_eq!(
            state.create_task("ak", task("p", None), Fingerprint::new()),
            Created::Full(TaskLimitReached::Count(2))
        );
        assert_eq!(
            state.create_task("ak", task("p", Some("new")), Fingerprint::new()),
            Created::Full(TaskLimitReached::Count(2))
        );
        assert_eq!(
            state.insert_task(task("p", None)),
            Err(TaskLimitReached::Count(2))
        );
        assert_eq!(
            state.create_task("ak", task("p", Some("t")), Fingerprint::new()),
            first,
            "a retry of a kept task"
        );
        // The refused token was not registered: it is free once there is room.
        assert_eq!(state.tokens.len(), 1);
    }

    #[test]
    fn tasks_stop_at_the_byte_limit_too() {
        let small = task("p", None);
        let one = approx_bytes(
            &RestoreTask {
                restore_task_id: "r000000000000".to_owned(),
                ..small.clone()
            },
            None,
        );
        let mut state = State::new(10, 100, 2 * one + 10, PlanStore::new(1));
        assert!(state.insert_task(small.clone()).is_ok());
        let mut big = small.clone();
        big.parameters
            .insert("RestoreObjects".to_owned(), "x".repeat(one));
        assert_eq!(
            state.insert_task(big),
            Err(TaskLimitReached::Bytes(2 * one + 10))
        );
        assert!(
            state.insert_task(small.clone()).is_ok(),
            "a small one still fits"
        );
        assert_eq!(
            state.insert_task(small),
            Err(TaskLimitReached::Bytes(2 * one + 10))
        );
        assert_eq!(state.tasks.len(), 2);
    }

    #[test]
    fn pages_and_plan_filter() {
        let mut state = State::new(10, 100, usize::MAX, PlanStore::new(1));
        let mut ids = Vec::new();
        for i in 0..7 {
            let plan = if i % 2 == 0 { "even" } else { "odd" };
            ids.push(state.insert_task(task(plan, None)).expect("room"));
        }
        let page_ids = |page: &StatePage| -> Vec<String> {
            page.state
                .restore_tasks
                .iter()
                .map(|t| t.restore_task_id.clone())
                .collect()
        };
        let query = StateQuery::new().page_size(3).expect("size");
        let page = state.page(&query.clone().page(3).expect("page"));
        assert_eq!(page_ids(&page), ids[6..]);
        assert_eq!(
            (page.page, page.page_size, page.total_restore_tasks),
            (3, 3, 7)
        );
        let page = state.page(&query.clone().page(4).expect("page"));
        assert!(page.state.restore_tasks.is_empty());
        let odd = state.page(&query.backup_plan_id("odd"));
        assert_eq!(
            page_ids(&odd),
            [ids[1].clone(), ids[3].clone(), ids[5].clone()]
        );
        assert_eq!(odd.total_restore_tasks, 3);
        let none = state.page(&StateQuery::new().backup_plan_id("nope"));
        assert_eq!(
            (none.total_restore_tasks, none.state.restore_tasks.len()),
            (0, 0)
        );
    }

    #[test]
    fn the_state_shows_plans_paged_like_tasks() {
        let seed: Vec<crate::seed::BackupPlan> = ["p1", "p2", "p3"]
            .into_iter()
            .map(|id| crate::seed::BackupPlan::new(id, dbs_api::SourceDatabaseType::MySql))
            .collect();
        let plans = PlanStore::from_seed(&seed, 10).expect("seeded");
        let state = State::new(10, 100, usize::MAX, plans);
        let plan_ids = |page: &StatePage| -> Vec<String> {
            page.state
                .backup_plans
                .iter()
                .map(|p| p.backup_plan_id.clone())
                .collect()
        };
        let query = StateQuery::new().page_size(2).expect("size");
        let first = state.page(&query);
        assert_eq!(plan_ids(&first), ["p1", "p2"]);
        assert_eq!(first.total_backup_plans, 3);
        let second = state.page(&query.clone().page(2).expect("page"));
        assert_eq!(plan_ids(&second), ["p3"]);
        let one = state.page(&StateQuery::new().backup_plan_id("p2"));
        assert_eq!(
            (plan_ids(&one), one.total_backup_plans),
            (vec!["p2".to_owned()], 1)
        );
        // The snapshot holds every plan, with the seed's defaults.
        let all = state.snapshot().backup_plans;
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].backup_plan_status, crate::plans::PlanStatus::Running);
    }

    #[test]
    fn state_query_parses_and_refuses_clearly() {
        assert_eq!(StateQuery::from_query(""), Ok(StateQuery::new()));
        assert_eq!(
            StateQuery::from_query("page=2&page_size=1000&backup_plan_id=dbs%2Fx"),
            Ok(StateQuery {
                page: 2,
                page_size: 1000,
                backup_plan_id: Some("dbs/x".to_owned())
            })
        );
        for (query, message) in [
            ("page=0", "page counts from 1"),
            ("page_size=0", "page_size must be between 1 and 1000, got 0"),
            (
                "page_size=1001",
                "page_size must be between 1 and 1000, got 1001",
            ),
            ("page=x", "page must be a whole number, got \"x\""),
            ("page=1&page=2", "page is given more than once"),
            (
                "colour=red",
                "unknown parameter \"colour\"; use page, page_size and backup_plan_id",
            ),
        ] {
            assert_eq!(
                StateQuery::from_query(query),
                Err(message.to_owned()),
                "{query}"
            );
        }
    }
}
