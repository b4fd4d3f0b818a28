//! `dbs restore`: the whole restore of a backup plan in one command, as a user does it by hand.
//!
//! 1. `DescribeBackupPlanList`: the plan exists (and its engine, for the rules that need it);
//! 2. the restore point: `--backup-set-id` must be a full backup set of the plan
//!    (`DescribeFullBackupList`), `--restore-time` within its restorable ranges
//!    (`DescribeRestoreRangeInfo`), and with neither, the latest restorable point is chosen and
//!    said on stderr;
//! 3. `CreateRestoreTask` with a ClientToken, printed on stderr so a rerun reuses it;
//! 4. `StartRestoreTask`, unless a rerun finds the task already started;
//! 5. the task as `DescribeRestoreTaskList` gives it, on stdout.
//!
//! This workflow is the one place of the CLI that names operations: its steps are the
//! workflow's, not the spec's. Nothing is created before steps 1 and 2 pass.

use std::fmt::Write as _;
use std::io::Write as _;

use clap::{ArgMatches, Command};
use dbs_api::{Client, ContextFactMeta, OperationMeta};
use serde_json::Value;

use crate::cli;
use crate::output::Format;
use crate::params;
use crate::report::{Failure, SecretHint};
use crate::secrets::Seen;

/// The subcommand's name.
pub(crate) const COMMAND: &str = "restore";

/// The operation whose parameters are the command's flags.
const CREATE: &str = "CreateRestoreTask";
const PLAN_ID: &str = "BackupPlanId";
const RESTORE_TIME: &str = "RestoreTime";
const BACKUP_SET_ID: &str = "BackupSetId";
const CLIENT_TOKEN: &str = "ClientToken";
const TASK_ID: &str = "RestoreTaskId";
/// `RestoreStatus` of a task created and not started (or whose precheck failed).
const NOT_STARTED: &str = "init";
/// The `PreCheckStatus` values of a started task's precheck, running or passed.
const PRECHECK_STARTED: [&str; 2] = ["running", "finish"];

fn create_operation() -> &'static OperationMeta {
    dbs_api::operation(CREATE).expect("the spec has CreateRestoreTask")
}

fn operation(name: &str) -> Result<&'static OperationMeta, Failure> {
    dbs_api::operation(name)
        .ok_or_else(|| Failure::usage(format!("this build's spec has no {name} operation")))
}

/// `dbs restore`: the flags of `create-restore-task`, `--backup-plan-id` required and
/// `--restore-time` exclusive with `--backup-set-id`.
pub(crate) fn command() -> Command {
    let create = create_operation();
    let mut command = Command::new(COMMAND)
        .about(
            "Restore a backup plan: check the restore point, create the restore task and start it",
        )
        .long_about(
            "Restores a backup plan's data in one command. Checks that the backup plan exists \
             (DescribeBackupPlanList) and that the restore point is restorable: --backup-set-id \
             must be one of the plan's full backup sets (DescribeFullBackupList), --restore-time \
             within its restorable ranges (DescribeRestoreRangeInfo); with neither, the latest \
             restorable point is restored, and stderr says which. Nothing is created when a \
             check fails. Then creates the restore task (CreateRestoreTask) with a ClientToken, \
             printed on stderr: rerun with the same --client-token to reuse that task instead of \
             creating another. Then starts it (StartRestoreTask), unless it is already started, \
             and prints the task as DescribeRestoreTaskList gives it. The restore goes on in the \
             service: follow it with `dbs describe-restore-task-list --restore-task-id ID`, or \
             give --wait to wait until it finishes (progress on stderr, the finished task on \
             stdout; `dbs wait restore-task --restore-task-id ID` waits again later).",
        )
        .after_long_help(
            "The destination flags are those of `dbs create-restore-task` (see its help); the \
             destination password is read from DBS_DESTINATION_ENDPOINT_PASSWORD. Exit status: 0 \
             when the task is started; 2 when nothing was sent; 1 otherwise (a check refused, a \
             service error, with --wait a failed task or a wait that timed out), and the message \
             says whether a task was created; 130 after Ctrl-C while waiting (the task goes on).",
        );
    for (index, param) in create.params.iter().enumerate() {
        let arg = if param.sensitive() {
            cli::refused_secret_arg(param)
        } else {
            cli::param_arg(param).display_order(index)
        };
        let arg = match param.name() {
            PLAN_ID => arg.required(true),
            RESTORE_TIME => arg.conflicts_with(BACKUP_SET_ID),
            _ => arg,
        };
        command = command.arg(arg);
    }
    command
        .arg(
            clap::Arg::new(crate::wait::WAIT)
                .long(crate::wait::WAIT)
                .action(clap::ArgAction::SetTrue)
                .help(
                    "After starting, wait until the task finishes (progress on stderr) and print \
                     the final task; a failed task exits 1",
                ),
        )
        .arg(crate::wait::timeout_arg().requires(crate::wait::WAIT))
}

/// The subcommand `dbs wait`, whose one subcommand waits for a restore task.
pub(crate) const WAIT_COMMAND: &str = "wait";
/// `dbs wait restore-task`.
const WAIT_TASK: &str = "restore-task";
/// The operation listing restore tasks, whose waiter `--wait` uses.
const LIST_TASKS: &str = "DescribeRestoreTaskList";

/// `dbs wait restore-task --restore-task-id ID [--wait-timeout D]`.
pub(crate) fn wait_command() -> Command {
    Command::new(WAIT_COMMAND)
        .about("Wait for an object of the service to finish")
        .subcommand_required(true)
        .subcommand(
            Command::new(WAIT_TASK)
                .about("Wait until a started restore task finishes and print it")
                .long_about(
                    "Polls DescribeRestoreTaskList with the spec's waiter until the restore task \
                     finishes, printing its status and progress on stderr, then prints the final \
                     task. Exit status: 0 when it finished; 1 when it failed (with the status, \
                     its message and DescribeJobErrorCode's explanation) or the wait timed out; \
                     130 after Ctrl-C (the task goes on).",
                )
                .arg(
                    clap::Arg::new(TASK_ID)
                        .long("restore-task-id")
                        .value_name("ID")
                        .required(true)
                        .help("The restore task (RestoreTaskId)"),
                )
                .arg(crate::wait::timeout_arg()),
        )
}

/// The spec's waiter of restore tasks.
fn waiter() -> Result<&'static dbs_api::WaiterSpec, Failure> {
    dbs_api::WAITERS
        .iter()
        .copied()
        .find(|spec| spec.operation == LIST_TASKS)
        .ok_or_else(|| Failure::usage(format!("this build's spec has no waiter on {LIST_TASKS}")))
}

/// The command that waits again for the task.
fn resume_hint(task_id: &str) -> String {
    format!("dbs {WAIT_COMMAND} {WAIT_TASK} --restore-task-id {task_id}")
}

/// Runs `dbs wait restore-task`.
pub(crate) async fn run_wait(matches: &ArgMatches) -> Result<(), Failure> {
    let Some((_, sub)) = matches.subcommand() else {
        return Err(Failure::usage(format!(
            "`dbs {WAIT_COMMAND}` needs a subcommand"
        )));
    };
    let spec = waiter()?;
    let task_id = sub.get_one::<String>(TASK_ID).cloned().unwrap_or_default();
    let timeout = sub
        .get_one::<std::time::Duration>(crate::wait::WAIT_TIMEOUT)
        .copied();
    let text = |id: &str| matches.get_one::<String>(id).map(String::as_str);
    let format = Format::new(text(cli::OUTPUT), text(cli::COLUMNS), text(cli::QUERY))?;
    let seen = Seen::default();
    let (client, emulator) = crate::run::connect(matches, &seen).await?;
    let outcome = crate::wait::wait(&client, spec, &task_id, timeout, &resume_hint(&task_id)).await;
    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    let text = format.render(outcome?, None)?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::sent(format!("cannot write the task to stdout: {e}")))
}

/// Runs `dbs restore`.
pub(crate) async fn run(matches: &ArgMatches) -> Result<(), Failure> {
    let create = create_operation();
    params::refuse_unreadable_secrets(create, |name| {
        matches!(std::env::var(name), Err(std::env::VarError::NotUnicode(_)))
    })?;
    let mut params = params::collect(create, matches, |name| std::env::var(name).ok())?;
    let hints = params::missing_secrets(create, &params);
    for flag in [cli::DRY_RUN, cli::PAGER] {
        if matches.get_flag(flag) {
            return Err(Failure::usage(format!(
                "--{flag} is not taken by `dbs restore`, which makes several calls; use it with \
                 `dbs create-restore-task`"
            )));
        }
    }
    let text = |id: &str| matches.get_one::<String>(id).map(String::as_str);
    let format = Format::new(text(cli::OUTPUT), text(cli::COLUMNS), text(cli::QUERY))?;
    let facts: Vec<(&'static ContextFactMeta, String)> = dbs_api::CONTEXT_FACTS
        .iter()
        .filter_map(|fact| Some((fact, matches.get_one::<String>(fact.flag)?.clone())))
        .collect();
    if param(&params, CLIENT_TOKEN).is_none() {
        params.push((CLIENT_TOKEN.to_owned(), uuid::Uuid::new_v4().to_string()));
    }

    let seen = Seen::default();
    let (client, emulator) = crate::run::connect(matches, &seen).await?;
    let wait = if matches.get_flag(crate::wait::WAIT) {
        Some((
            waiter()?,
            matches
                .get_one::<std::time::Duration>(crate::wait::WAIT_TIMEOUT)
                .copied(),
        ))
    } else {
        None
    };
    let workflow = Workflow {
        client: &client,
        create,
        hints: &hints,
        wait,
    };
    let outcome = workflow.restore(params, facts, &seen, &format).await;
    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    let text = outcome?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::sent(format!("cannot write the task to stdout: {e}")))
}

/// The value of the wire parameter `name`, if given.
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn pair(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

/// What the steps share.
struct Workflow<'a> {
    client: &'a Client,
    create: &'static OperationMeta,
    hints: &'a [SecretHint],
    /// With `--wait`: the waiter and the timeout given.
    wait: Option<(&'static dbs_api::WaiterSpec, Option<std::time::Duration>)>,
}

/// Where to restore to: a time or a backup set.
#[derive(Debug, PartialEq, Eq)]
enum Point {
    Time(i64),
    Set(String),
}

impl Workflow<'_> {
    /// The steps, returning what to print.
    async fn restore(
        &self,
        mut params: Vec<(String, String)>,
        mut facts: Vec<(&'static ContextFactMeta, String)>,
        seen: &Seen,
        format: &Format,
    ) -> Result<String, Failure> {
        // The flags checked before anything is sent, with the facts given; a point not given
        // yet is chosen later, so any time stands in for it here.
        let mut early = params.clone();
        if param(&params, RESTORE_TIME).is_none() && param(&params, BACKUP_SET_ID).is_none() {
            early.push(pair(RESTORE_TIME, now_ms().to_string()));
        }
        self.client
            .dry_run(self.create, &early, Some(&crate::run::context(&facts)))
            .await
            .map_err(|e| Failure::from_sdk_with_hints(&e, self.hints))?;

        let plan_id = param(&params, PLAN_ID).unwrap_or_default().to_owned();
        let plan = self.plan(&plan_id).await?;
        // The facts not given come from the plan (its DatabaseType), so the engine's rules are
        // checked before creating.
        for fact in dbs_api::CONTEXT_FACTS {
            if !facts.iter().any(|(given, _)| given.name == fact.name)
                && let Some(value) = plan.get(fact.field).and_then(Value::as_str)
            {
                facts.push((fact, value.to_owned()));
            }
        }
        let context = crate::run::context(&facts);

        let point = if let Some(set) = param(&params, BACKUP_SET_ID) {
            self.check_set(&plan_id, set).await?;
            Point::Set(set.to_owned())
        } else if let Some(time) = param(&params, RESTORE_TIME) {
            let time = time
                .parse::<i64>()
                .map_err(|_| Failure::usage(format!("--restore-time {time:?} is not a number")))?;
            self.check_time(&plan_id, time).await?;
            Point::Time(time)
        } else {
            let (point, how) = self.latest(&plan_id).await?;
            eprintln!("restoring backup plan {plan_id} to its latest restorable point: {how}");
            point
        };
        let (name, value) = match point {
            Point::Time(ms) => (RESTORE_TIME, ms.to_string()),
            Point::Set(id) => (BACKUP_SET_ID, id),
        };
        if param(&params, name).is_none() {
            params.push(pair(name, value));
        }
        // Checked again with the point chosen and the plan's facts, still before creating.
        self.client
            .dry_run(self.create, &params, Some(&context))
            .await
            .map_err(|e| Failure::from_sdk_with_hints(&e, self.hints))?;

        let token = param(&params, CLIENT_TOKEN).unwrap_or_default().to_owned();
        eprintln!(
            "ClientToken {token}: to rerun this restore without creating a second task, pass \
             --client-token {token}"
        );
        let created = self
            .client
            .call(self.create, &params, Some(&context))
            .await
            .map_err(|e| {
                Failure::from_sdk_with_hints(&e, self.hints).with_token_hint(&e, self.create)
            })?;
        let task_id = created
            .get(TASK_ID)
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                Failure::sent(format!(
                    "{CREATE} answered without a {TASK_ID}; the task may have been created: \
                     list the plan's tasks with `dbs describe-restore-task-list --backup-plan-id \
                     {plan_id}`"
                ))
            })?
            .to_owned();
        eprintln!("created restore task {task_id}");

        // A rerun with the same ClientToken finds the task it created, maybe started already:
        // past `init`, or in `init` with its precheck under way.
        let task = self.task(&task_id).await?;
        let status = task
            .get("RestoreStatus")
            .and_then(Value::as_str)
            .unwrap_or(NOT_STARTED)
            .to_owned();
        let started = status != NOT_STARTED || self.prechecking(&plan_id, &task_id).await?;
        if started {
            eprintln!(
                "restore task {task_id} is already started (RestoreStatus {status}); not \
                 starting it again"
            );
        } else {
            self.start(&task_id).await?;
            eprintln!("started restore task {task_id}");
        }
        let task = match self.wait {
            Some((spec, timeout)) => {
                let resume = resume_hint(&task_id);
                crate::wait::wait(self.client, spec, &task_id, timeout, &resume)
                    .await
                    .map_err(|failure| waiting_failed(failure, &task_id, &resume))?
            }
            None => self.task(&task_id).await?,
        };
        let task = seen.redactor(self.create, &params).redact_json(&task);
        format.render(task, None)
    }

    /// Calls `name` with `params` (reads), refusing nothing in particular.
    async fn read(&self, name: &str, params: &[(String, String)]) -> Result<Value, Failure> {
        let op = operation(name)?;
        self.client
            .call(op, params, None)
            .await
            .map_err(|e| Failure::from_sdk(&e))
    }

    /// The plan's `BackupPlanDetail`, or a refusal naming it.
    async fn plan(&self, plan_id: &str) -> Result<Value, Failure> {
        let answer = self
            .read("DescribeBackupPlanList", &[pair(PLAN_ID, plan_id)])
            .await?;
        items(&answer, "BackupPlanDetail")
            .into_iter()
            .find(|plan| plan.get(PLAN_ID).and_then(Value::as_str) == Some(plan_id))
            .cloned()
            .ok_or_else(|| {
                Failure::sent(format!(
                    "backup plan {plan_id} not found (DescribeBackupPlanList lists no such plan); \
                     nothing was created"
                ))
            })
    }

    /// Refuses a backup set that is not a full backup set of the plan.
    async fn check_set(&self, plan_id: &str, set: &str) -> Result<(), Failure> {
        let answer = self
            .read(
                "DescribeFullBackupList",
                &[pair(PLAN_ID, plan_id), pair(BACKUP_SET_ID, set)],
            )
            .await?;
        let found = items(&answer, "FullBackupFile")
            .iter()
            .any(|file| file.get(BACKUP_SET_ID).and_then(Value::as_str) == Some(set));
        if found {
            Ok(())
        } else {
            Err(Failure::sent(format!(
                "backup set {set} is not a full backup set of backup plan {plan_id} \
                 (DescribeFullBackupList finds none); nothing was created. List the plan's sets \
                 with `dbs describe-full-backup-list --backup-plan-id {plan_id}`"
            )))
        }
    }

    /// The plan's restorable ranges between `from` and `to` (ms).
    async fn ranges(&self, plan_id: &str, from: i64, to: i64) -> Result<Vec<Value>, Failure> {
        let answer = self
            .read(
                "DescribeRestoreRangeInfo",
                &[
                    pair(PLAN_ID, plan_id),
                    pair("BeginTimestampForRestore", from.to_string()),
                    pair("EndTimestampForRestore", to.to_string()),
                ],
            )
            .await?;
        Ok(items(&answer, "DBSRecoverRange")
            .into_iter()
            .cloned()
            .collect())
    }

    /// Refuses a time outside the plan's restorable ranges, saying what they are.
    async fn check_time(&self, plan_id: &str, time: i64) -> Result<(), Failure> {
        let ranges = self.ranges(plan_id, time, time).await?;
        if ranges.iter().any(|range| restorable(range, time)) {
            return Ok(());
        }
        let known = self.ranges(plan_id, 0, now_ms().max(time)).await?;
        let mut message = format!(
            "restore time {} ({time}) is not restorable for backup plan {plan_id}; nothing was \
             created. ",
            crate::times::format(time)
        );
        if known.is_empty() {
            message.push_str("The plan has no restorable range yet.");
        } else {
            message.push_str("Restorable (DescribeRestoreRangeInfo):");
            for range in &known {
                let _ = write!(message, " {};", describe(range));
            }
            message.pop();
        }
        Err(Failure::sent(message))
    }

    /// The latest restorable point of the plan, and how to say it.
    async fn latest(&self, plan_id: &str) -> Result<(Point, String), Failure> {
        let ranges = self.ranges(plan_id, 0, now_ms()).await?;
        latest_point(&ranges).ok_or_else(|| {
            Failure::sent(format!(
                "backup plan {plan_id} has no restorable point yet (DescribeRestoreRangeInfo \
                 lists none); nothing was created"
            ))
        })
    }

    /// Starts the task, or says how to start it by hand.
    async fn start(&self, task_id: &str) -> Result<(), Failure> {
        let op = operation("StartRestoreTask")?;
        self.client
            .call(op, &[pair(TASK_ID, task_id)], None)
            .await
            .map(drop)
            .map_err(|e| {
                let mut failure = Failure::from_sdk(&e);
                failure.code = crate::report::EXIT_SENT;
                let _ = write!(
                    failure.message,
                    "; restore task {task_id} was created but may not be started: start it with \
                     `dbs start-restore-task --restore-task-id {task_id}`"
                );
                failure
            })
    }

    /// Whether the task's precheck is under way or passed (`DescribePreCheckProgressList`'s
    /// `Status` `running` or `finish`): the task was started. A precheck that `failed` leaves the
    /// task in `init`, to be started again.
    async fn prechecking(&self, plan_id: &str, task_id: &str) -> Result<bool, Failure> {
        let answer = self
            .read(
                "DescribePreCheckProgressList",
                &[pair(PLAN_ID, plan_id), pair(TASK_ID, task_id)],
            )
            .await
            .map_err(|failure| created(failure, task_id))?;
        Ok(answer
            .get("Status")
            .and_then(Value::as_str)
            .is_some_and(|status| PRECHECK_STARTED.contains(&status)))
    }

    /// The task as `DescribeRestoreTaskList` gives it.
    async fn task(&self, task_id: &str) -> Result<Value, Failure> {
        let answer = self
            .read("DescribeRestoreTaskList", &[pair(TASK_ID, task_id)])
            .await
            .map_err(|failure| created(failure, task_id))?;
        items(&answer, "RestoreTaskDetail")
            .into_iter()
            .find(|task| task.get(TASK_ID).and_then(Value::as_str) == Some(task_id))
            .cloned()
            .ok_or_else(|| {
                Failure::sent(format!(
                    "restore task {task_id} was created but DescribeRestoreTaskList does not list \
                     it yet; look again with `dbs describe-restore-task-list --restore-task-id \
                     {task_id}`"
                ))
            })
    }
}

/// The latest restorable point of `ranges` (`DBSRecoverRange` entries) and how to say it: the
/// end of a continuous range, or the latest full backup set of a point entry; at the same time,
/// the continuous range's.
fn latest_point(ranges: &[Value]) -> Option<(Point, String)> {
    let mut best: Option<(i64, Point, String)> = None;
    for range in ranges {
        let candidate = if is_point(range) {
            full_backups(range)
                .filter_map(|set| {
                    Some((
                        set.get("EndTime")?.as_i64()?,
                        set.get(BACKUP_SET_ID)?.as_str()?,
                    ))
                })
                .max_by_key(|(time, _)| *time)
                .map(|(time, id)| {
                    let how = format!(
                        "backup set {id}, taken at {} (--backup-set-id {id})",
                        crate::times::format(time)
                    );
                    (time, Point::Set(id.to_owned()), how)
                })
        } else {
            int(range, "EndTimestampForRestore").map(|end| {
                let how = format!(
                    "{} (--restore-time {end}), the end of its continuous range",
                    crate::times::format(end)
                );
                (end, Point::Time(end), how)
            })
        };
        if let Some(c) = candidate
            && best.as_ref().is_none_or(|(time, _, _)| {
                c.0 > *time || (c.0 == *time && matches!(c.1, Point::Time(_)))
            })
        {
            best = Some(c);
        }
    }
    best.map(|(_, point, how)| (point, how))
}

/// A failure after the task was created: says so, and exits 1.
fn created(mut failure: Failure, task_id: &str) -> Failure {
    let _ = write!(failure.message, " (restore task {task_id} was created)");
    failure.code = crate::report::EXIT_SENT;
    failure
}

/// A failure while waiting for a task this command created and started (a poll refused, the
/// credentials not refreshed): the command has acted, so it never exits "not sent", and it says
/// how to wait again instead of rerunning the restore.
fn waiting_failed(mut failure: Failure, task_id: &str, resume: &str) -> Failure {
    if failure.code == crate::report::EXIT_NOT_SENT {
        failure.code = crate::report::EXIT_SENT;
    }
    if !failure.message.contains(resume) {
        let _ = write!(
            failure.message,
            "; restore task {task_id} was created and started and goes on in the service: wait \
             again with `{resume}`"
        );
    }
    failure
}

/// The entries of a list answer, `Items.<member>[]`.
fn items<'a>(answer: &'a Value, member: &str) -> Vec<&'a Value> {
    answer
        .get("Items")
        .and_then(|items| items.get(member))
        .and_then(Value::as_array)
        .map(|list| list.iter().collect())
        .unwrap_or_default()
}

fn int(value: &Value, field: &str) -> Option<i64> {
    value.get(field)?.as_i64()
}

/// A `RangeType` `point` entry: discrete full backups, not a continuous range.
fn is_point(range: &Value) -> bool {
    range.get("RangeType").and_then(Value::as_str) == Some("point")
}

fn full_backups(range: &Value) -> impl Iterator<Item = &Value> {
    range
        .get("FullBackupList")
        .and_then(|list| list.get("FullBackupDetail"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// Whether `time` can be restored to by `range`: within a continuous range, or the time of one
/// of a point entry's full backups.
fn restorable(range: &Value, time: i64) -> bool {
    if is_point(range) {
        full_backups(range).any(|set| {
            let start = int(set, "StartTime").or_else(|| int(set, "EndTime"));
            let end = int(set, "EndTime");
            matches!((start, end), (Some(s), Some(e)) if s <= time && time <= e)
        })
    } else {
        matches!(
            (int(range, "BeginTimestampForRestore"), int(range, "EndTimestampForRestore")),
            (Some(begin), Some(end)) if begin <= time && time <= end
        )
    }
}

/// A range in words: `any time from A to B` or `the full backups from A to B`.
fn describe(range: &Value) -> String {
    let at = |field: &str| int(range, field).map_or_else(|| "?".to_owned(), crate::times::format);
    let (begin, end) = (at("BeginTimestampForRestore"), at("EndTimestampForRestore"));
    if is_point(range) {
        format!(
            "the times of {} full backup sets from {begin} to {end}",
            full_backups(range).count()
        )
    } else {
        format!("any time from {begin} to {end}")
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn restorable_by_range_or_by_a_full_backup_s_time() {
        let range = json!({"RangeType": "range", "BeginTimestampForRestore": 10, "EndTimestampForRestore": 20});
        assert!(restorable(&range, 10) && restorable(&range, 20) && restorable(&range, 15));
        assert!(!restorable(&range, 9) && !restorable(&range, 21));
        let point = json!({"RangeType": "point", "BeginTimestampForRestore": 10, "EndTimestampForRestore": 30,
            "FullBackupList": {"FullBackupDetail": [
                {"BackupSetId": "a", "StartTime": 10, "EndTime": 10},
                {"BackupSetId": "b", "StartTime": 30, "EndTime": 30}]}});
        assert!(restorable(&point, 10) && restorable(&point, 30));
        assert!(
            !restorable(&point, 20),
            "between two points is not restorable"
        );
    }

    #[test]
    fn the_latest_point_is_a_range_s_end_or_the_latest_set() {
        let range = |end: i64| json!({"RangeType": "range", "BeginTimestampForRestore": 0, "EndTimestampForRestore": end});
        let point = json!({"RangeType": "point", "BeginTimestampForRestore": 10, "EndTimestampForRestore": 30,
            "FullBackupList": {"FullBackupDetail": [
                {"BackupSetId": "b", "StartTime": 30, "EndTime": 30},
                {"BackupSetId": "a", "StartTime": 10, "EndTime": 10}]}});
        let latest = |ranges: &[Value]| latest_point(ranges).map(|(p, _)| p);
        assert_eq!(latest(&[point.clone(), range(40)]), Some(Point::Time(40)));
        assert_eq!(
            latest(&[range(20), point.clone()]),
            Some(Point::Set("b".into()))
        );
        assert_eq!(latest(&[point.clone(), range(30)]), Some(Point::Time(30)));
        assert_eq!(latest(&[]), None);
        let (_, how) = latest_point(&[point]).expect("a point");
        assert!(how.contains("--backup-set-id b"), "{how}");
    }

    #[test]
    fn a_failed_wait_after_creating_never_says_not_sent_and_says_how_to_wait_again() {
        let resume = resume_hint("r1");
        let refused = Failure {
            message: "credentials: STS could not be reached".into(),
            code: crate::report::EXIT_NOT_SENT,
        };
        let failure = waiting_failed(refused, "r1", &resume);
        assert_eq!(failure.code, crate::report::EXIT_SENT);
        assert!(
            failure.message.contains("restore task r1 was created"),
            "{}",
            failure.message
        );
        assert!(failure.message.contains(&resume), "{}", failure.message);

        // Ctrl-C keeps its own status, and a message that already says how to resume is kept.
        let interrupted = Failure {
            message: format!("interrupted: resume with `{resume}`"),
            code: crate::wait::EXIT_INTERRUPTED,
        };
        let failure = waiting_failed(interrupted, "r1", &resume);
        assert_eq!(failure.code, crate::wait::EXIT_INTERRUPTED);
        assert_eq!(
            failure.message.matches(&resume).count(),
            1,
            "{}",
            failure.message
        );
    }

    #[test]
    fn the_command_takes_create_restore_task_s_flags() {
        let mut command = command();
        command.build();
        for param in create_operation().params {
            assert!(
                command.get_arguments().any(|a| a.get_id() == param.name()),
                "{}",
                param.name()
            );
        }
        let parse = |args: &[&str]| {
            crate::cli::command().try_get_matches_from(["dbs", COMMAND].iter().chain(args))
        };
        assert!(parse(&[]).is_err(), "--backup-plan-id is required");
        let both = parse(&[
            "--backup-plan-id",
            "p",
            "--restore-time",
            "1",
            "--backup-set-id",
            "s",
        ]);
        assert_eq!(both.expect_err("exclusive").exit_code(), 2);
        assert!(parse(&["--backup-plan-id", "p", "--wait"]).is_ok());
        assert!(
            parse(&["--backup-plan-id", "p", "--wait-timeout", "1s"]).is_err(),
            "--wait-timeout needs --wait"
        );
    }
}
