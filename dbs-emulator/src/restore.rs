//! What restoring needs besides the tasks themselves: each plan's backup history (full backup
//! sets, increments, the restorable range), the backup gateways of the seed, and the run of each
//! started restore task, all computed from the clock when read (no background thread).
//!
//! # Backup history
//!
//! A plan has history from its *anchor*: a seeded plan's `BeginTimestampForRestore`, or, when
//! the seed gives none, three days before the emulator started (on the hour); a plan created
//! through the API is anchored when it is first started (`StartBackupPlan`,
//! `CreateAndStartBackupPlan`), so it has a first full backup at once. From the anchor:
//!
//! - a full backup set every 24 hours, the first at the anchor (`BackupStatus` `finish`;
//!   the emulator's backups take no time, so `StartTime`, `EndTime` and `FinishTime` are equal;
//!   `BackupSetId` is 8 hex digits of the plan ID's SHA-256 and the set's number in 4);
//! - unless the plan's `EnableBackupLog` is `false`, an incremental (log) backup every hour
//!   (`BackupStatus` `COMPLETED`, `BackupSetId` `mysql-bin.000001`, …);
//! - `DescribeRestoreRangeInfo` answers a `point` entry (the full backups, listed in
//!   `FullBackupList`) and, with increments, a `range` entry from the first full backup to the
//!   end of the last increment, both cut to the window asked.
//!
//! Every list is computed by arithmetic from the anchor and the clock, so a page costs the
//! same however long the history.
//!
//! # A restore task's run
//!
//! `StartRestoreTask` records when the task started and how long it takes (the emulator's
//! `--task-duration-ms`, [`EmulatorConfig::task_duration_ms`](crate::EmulatorConfig::task_duration_ms)).
//! Its state is then a function of the time elapsed, `t` of the duration `D`:
//!
//! | elapsed | `RestoreStatus` | what moves |
//! | --- | --- | --- |
//! | not started | `init` | nothing |
//! | `t < D/10` | `init` (precheck) | the precheck items finish one by one |
//! | `D/10 ≤ t < D` | `running` | `FullStruforeRestoreProgress`, then `FullDataRestoreProgress`, then `FullStruAfterRestoreProgress`, then `ContinuousRestoreProgress` rise to 100 |
//! | `t ≥ D` | `check_pass`, `RestoreTaskFinishTime` set | every progress is 100 |
//!
//! The finished value: the metadata's `RestoreStatus` lists `init` (not started or precheck
//! failed), `running`, `stop` (failed), `pause` and `check_pass` (precheck passed), and no
//! "finished" value; of these, only `check_pass` is neither a failure nor a task still at work,
//! so the emulator reports a finished task as `check_pass` with its `RestoreTaskFinishTime`
//! (our reading; the sources do not say what a completed restore shows).
//!
//! A `task_failure` fault taken by `StartRestoreTask` makes the task fail half-way: from `D/2`
//! it is `stop` with the fault's `message` as `ErrMessage`, its progress frozen, and
//! `DescribeJobErrorCode` gives the fault's `code` and message for it.

use std::collections::HashMap;

/// A day, in milliseconds: the interval of full backups.
const DAY_MS: i64 = 86_400_000;
/// An hour, in milliseconds: the interval of incremental backups.
const HOUR_MS: i64 = 3_600_000;
/// How far before the emulator's start a seeded plan without `BeginTimestampForRestore` is
/// anchored.
const SEED_HISTORY_MS: i64 = 3 * DAY_MS;
/// The job error code of a failed task when the fault gives none (the emulator's own).
pub(crate) const DEFAULT_JOB_ERROR_CODE: &str = "RESTORE_FULL_DATA_FAILED";
/// The job error message of a failed task when the fault gives none.
pub(crate) const DEFAULT_JOB_ERROR_MESSAGE: &str =
    "The full data restore failed: the destination database refused the connection.";

/// The precheck items of a restore task, in order (the emulator's names; the sources list none).
pub(crate) const PRECHECK_ITEMS: [&str; 3] = [
    "CHECK_CONN_DEST",
    "CHECK_PRIV_DEST",
    "CHECK_DISK_SPACE_DEST",
];

/// Why a task failed (from a `task_failure` fault).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) code: String,
    pub(crate) message: String,
}

/// A started restore task's run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) started_ms: i64,
    pub(crate) duration_ms: i64,
    pub(crate) failure: Option<Failure>,
}

/// Where a task is, at a given time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Progress {
    /// `init`, `running`, `check_pass` or `stop`.
    pub(crate) status: &'static str,
    /// Precheck items finished, of [`PRECHECK_ITEMS`].
    pub(crate) prechecked: usize,
    /// When each finished precheck item finished.
    pub(crate) precheck_times: Vec<i64>,
    pub(crate) stru_before: i32,
    pub(crate) full_data: i32,
    pub(crate) stru_after: i32,
    pub(crate) continuous: i32,
    /// When the task finished or failed.
    pub(crate) finish_time: Option<i64>,
    /// The failure, once it happened.
    pub(crate) failure: Option<Failure>,
}

impl Progress {
    /// A task not started.
    pub(crate) fn not_started() -> Self {
        Self {
            status: "init",
            prechecked: 0,
            precheck_times: Vec::new(),
            stru_before: 0,
            full_data: 0,
            stru_after: 0,
            continuous: 0,
            finish_time: None,
            failure: None,
        }
    }
}

/// `part` of `whole` as a percentage in `0..=100` (100 when `whole` is 0).
fn percent(part: i64, whole: i64) -> i32 {
    if whole <= 0 {
        return 100;
    }
    i32::try_from((part.clamp(0, whole) * 100) / whole).unwrap_or(100)
}

impl Run {
    /// The task's state at `now`.
    pub(crate) fn at(&self, now: i64) -> Progress {
        let d = self.duration_ms.max(0);
        let fail_at = self.failure.as_ref().map(|_| self.started_ms + d / 2);
        let clock = match fail_at {
            Some(at) => now.min(at),
            None => now,
        };
        let t = clock.saturating_sub(self.started_ms).max(0);
        let precheck = d / 10;
        let per_item = precheck / i64::try_from(PRECHECK_ITEMS.len()).unwrap_or(1);
        let precheck_times: Vec<i64> = (1..=PRECHECK_ITEMS.len())
            .map(|i| self.started_ms + per_item * i64::try_from(i).unwrap_or(0))
            .filter(|&at| at <= self.started_ms + t)
            .collect();
        // The running phase, split into the four stages: 20%, 60%, 10%, 10%.
        let run = (d - precheck).max(0);
        let r = (t - precheck).max(0);
        let stage = |from: i64, to: i64| percent(r - run * from / 100, run * (to - from) / 100);
        let mut progress = Progress {
            status: "running",
            prechecked: precheck_times.len(),
            precheck_times,
            stru_before: stage(0, 20),
            full_data: stage(20, 80),
            stru_after: stage(80, 90),
            continuous: stage(90, 100),
            finish_time: None,
            failure: None,
        };
        if let (Some(at), Some(failure)) = (fail_at, &self.failure)
            && now >= at
        {
            progress.status = "stop";
            progress.finish_time = Some(at);
            progress.failure = Some(failure.clone());
        } else if t >= d {
            progress.status = "check_pass";
            progress.finish_time = Some(self.started_ms + d);
        } else if t < precheck {
            progress.status = "init";
        }
        progress
    }
}

/// A plan's backup history, from its anchor to `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct History {
    pub(crate) anchor_ms: i64,
    pub(crate) now_ms: i64,
    /// Incremental (log) backups are taken.
    pub(crate) log: bool,
}

/// One full backup set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FullSet {
    pub(crate) id: String,
    pub(crate) time_ms: i64,
}

/// One incremental backup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Increment {
    pub(crate) number: i64,
    pub(crate) start_ms: i64,
    pub(crate) end_ms: i64,
}

/// 8 hex digits of the SHA-256 of the plan ID: the prefix of its backup set IDs.
fn set_prefix(plan_id: &str) -> String {
    let hex = dbs_api::signing::sha256_hex(plan_id.as_bytes());
    hex.get(..8).unwrap_or_default().to_owned()
}

impl History {
    /// How many full backup sets there are.
    pub(crate) fn full_count(&self) -> i64 {
        if self.now_ms < self.anchor_ms {
            0
        } else {
            (self.now_ms - self.anchor_ms) / DAY_MS + 1
        }
    }

    /// The `index`th full backup set (from 0, oldest first).
    pub(crate) fn full(&self, plan_id: &str, index: i64) -> FullSet {
        FullSet {
            id: format!("{}{index:04x}", set_prefix(plan_id)),
            time_ms: self.anchor_ms + index * DAY_MS,
        }
    }

    /// The index of the full backup set `id` of the plan, if it is one.
    pub(crate) fn find_full(&self, plan_id: &str, id: &str) -> Option<i64> {
        let rest = id.strip_prefix(&set_prefix(plan_id))?;
        if rest.len() != 4 {
            return None;
        }
        let index = i64::from_str_radix(rest, 16).ok()?;
        (index < self.full_count()).then_some(index)
    }

    /// How many incremental backups have completed.
    pub(crate) fn increment_count(&self) -> i64 {
        if !self.log || self.now_ms < self.anchor_ms {
            0
        } else {
            (self.now_ms - self.anchor_ms) / HOUR_MS
        }
    }

    /// The `index`th incremental backup (from 0).
    pub(crate) fn increment(&self, index: i64) -> Increment {
        let start_ms = self.anchor_ms + index * HOUR_MS;
        Increment {
            number: index + 1,
            start_ms,
            end_ms: start_ms + HOUR_MS,
        }
    }

    /// The continuous restorable range, when there are increments.
    pub(crate) fn continuous(&self) -> Option<(i64, i64)> {
        let n = self.increment_count();
        (n > 0).then(|| (self.anchor_ms, self.anchor_ms + n * HOUR_MS))
    }

    /// Whether `time` can be restored to: within the continuous range, or a full backup point.
    pub(crate) fn restorable(&self, time: i64) -> bool {
        if let Some((begin, end)) = self.continuous()
            && (begin..=end).contains(&time)
        {
            return true;
        }
        let offset = time - self.anchor_ms;
        offset >= 0 && offset % DAY_MS == 0 && offset / DAY_MS < self.full_count()
    }

    /// The restorable span, first to last point, for a message.
    pub(crate) fn span(&self) -> Option<(i64, i64)> {
        let full = self.full_count();
        if full == 0 {
            return None;
        }
        let last_full = self.anchor_ms + (full - 1) * DAY_MS;
        let end = self
            .continuous()
            .map_or(last_full, |(_, e)| e.max(last_full));
        Some((self.anchor_ms, end))
    }

    /// The indexes of the full sets whose time lies in `[from, to]`, as a range.
    pub(crate) fn full_between(&self, from: i64, to: i64) -> std::ops::Range<i64> {
        let n = self.full_count();
        let first = if from <= self.anchor_ms {
            0
        } else {
            (from - self.anchor_ms + DAY_MS - 1) / DAY_MS
        };
        let end = if to < self.anchor_ms {
            0
        } else {
            ((to - self.anchor_ms) / DAY_MS + 1).min(n)
        };
        first.min(end)..end
    }
}

/// The backup history anchors, the seed's gateways and the runs of started tasks.
#[derive(Debug, Default)]
pub(crate) struct RestoreStore {
    pub(crate) task_duration_ms: i64,
    /// Plan ID → its anchor. At most one per plan, so bounded by the plan limit.
    anchors: HashMap<String, i64>,
    /// Task ID → its run. At most one per task, so bounded by the task limit.
    runs: HashMap<String, Run>,
    /// The seed's backup gateways, in seed order (each ID once).
    pub(crate) gateways: Vec<Gateway>,
}

/// A backup gateway of the seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Gateway {
    pub(crate) id: i64,
    pub(crate) region: String,
    pub(crate) created_ms: i64,
}

impl RestoreStore {
    /// The store for the seeded `plans`, the emulator having started at `now_ms`.
    pub(crate) fn new(
        task_duration_ms: i64,
        now_ms: i64,
        plans: &[crate::plans::PlanRecord],
    ) -> Self {
        let default_anchor = (now_ms - SEED_HISTORY_MS) / HOUR_MS * HOUR_MS;
        let mut store = Self {
            task_duration_ms,
            ..Self::default()
        };
        for plan in plans {
            if plan.backup_plan_status == crate::plans::PlanStatus::Running {
                let anchor = plan.begin_timestamp_for_restore.unwrap_or(default_anchor);
                store.anchors.insert(plan.backup_plan_id.clone(), anchor);
            }
            if let Some(id) = plan.backup_gateway_id
                && !store.gateways.iter().any(|g| g.id == id)
            {
                store.gateways.push(Gateway {
                    id,
                    region: plan
                        .source_endpoint_region
                        .clone()
                        .or_else(|| plan.region.clone())
                        .unwrap_or_else(|| "cn-hangzhou".to_owned()),
                    created_ms: plan.backup_plan_create_time.unwrap_or(default_anchor),
                });
            }
        }
        store
    }

    /// A plan was started at `now_ms`: it has history from then on, unless it had already.
    pub(crate) fn plan_started(&mut self, plan_id: &str, now_ms: i64) {
        self.anchors.entry(plan_id.to_owned()).or_insert(now_ms);
    }

    /// The history of `plan` at `now_ms`; `None` for a plan that never ran.
    pub(crate) fn history(&self, plan: &crate::plans::PlanRecord, now_ms: i64) -> Option<History> {
        let anchor_ms = *self.anchors.get(&plan.backup_plan_id)?;
        Some(History {
            anchor_ms,
            now_ms,
            log: plan.enable_backup_log != Some(false),
        })
    }

    /// The run of a task, if it was started.
    pub(crate) fn run(&self, task_id: &str) -> Option<&Run> {
        self.runs.get(task_id)
    }

    /// Starts a task.
    pub(crate) fn start(&mut self, task_id: &str, run: Run) {
        self.runs.insert(task_id.to_owned(), run);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_moves_through_precheck_running_and_finish() {
        let run = Run {
            started_ms: 1000,
            duration_ms: 1000,
            failure: None,
        };
        let p = run.at(1000);
        assert_eq!((p.status, p.prechecked, p.full_data), ("init", 0, 0));
        assert_eq!(run.at(1100).status, "running");
        assert_eq!(run.at(1100).prechecked, 3);
        let mid = run.at(1550);
        assert_eq!(mid.status, "running");
        assert_eq!(
            (mid.stru_before, mid.full_data, mid.stru_after),
            (100, 50, 0)
        );
        let done = run.at(2000);
        assert_eq!(done.status, "check_pass");
        assert_eq!(done.finish_time, Some(2000));
        assert_eq!((done.full_data, done.continuous), (100, 100));
    }

    #[test]
    fn a_failing_run_stops_half_way_with_its_progress_frozen() {
        let run = Run {
            started_ms: 0,
            duration_ms: 1000,
            failure: Some(Failure {
                code: "C".to_owned(),
                message: "M".to_owned(),
            }),
        };
        assert_eq!(run.at(499).status, "running");
        let stopped = run.at(5000);
        assert_eq!(stopped.status, "stop");
        assert_eq!(stopped.finish_time, Some(500));
        assert_eq!(stopped, run.at(500));
        assert!(stopped.full_data < 100);
    }

    #[test]
    fn history_counts_sets_and_finds_its_own_only() {
        let h = History {
            anchor_ms: 0,
            now_ms: 2 * DAY_MS + 5 * HOUR_MS,
            log: true,
        };
        assert_eq!(h.full_count(), 3);
        assert_eq!(h.increment_count(), 53);
        let set = h.full("p", 2);
        assert_eq!(h.find_full("p", &set.id), Some(2));
        assert_eq!(h.find_full("q", &set.id), None);
        assert!(h.restorable(53 * HOUR_MS));
        assert!(!h.restorable(53 * HOUR_MS + 1));
        assert!(!h.restorable(-1));
        assert_eq!(h.full_between(1, 3 * DAY_MS), 1..3);
        let no_log = History { log: false, ..h };
        assert!(no_log.restorable(DAY_MS));
        assert!(!no_log.restorable(DAY_MS + 1));
    }
}
