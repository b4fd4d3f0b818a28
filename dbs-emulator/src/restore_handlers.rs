//! The restore operations on the generated types: `StartRestoreTask`, `DescribeRestoreTaskList`,
//! `DescribePreCheckProgressList`, `DescribeJobErrorCode`, and the backup history reads
//! (`DescribeFullBackupList`, `DescribeIncrementBackupList`, `DescribeRestoreRangeInfo`,
//! `DescribeBackupGatewayList`). What the history and a task's run are lives in
//! [`crate::restore`]; this module reads inputs and writes outputs.

use dbs_api::server::{BusinessError, RequestContext};
use dbs_api::{
    BackupGateway, CommonErrorCode, DescribeBackupGatewayListErrorCode,
    DescribeBackupGatewayListInput, DescribeBackupGatewayListItems,
    DescribeBackupGatewayListOutput, DescribeFullBackupListErrorCode, DescribeFullBackupListInput,
    DescribeFullBackupListItems, DescribeFullBackupListOutput,
    DescribeIncrementBackupListErrorCode, DescribeIncrementBackupListInput,
    DescribeIncrementBackupListItems, DescribeIncrementBackupListOutput,
    DescribeJobErrorCodeErrorCode, DescribeJobErrorCodeInput, DescribeJobErrorCodeOutput,
    DescribePreCheckProgressListErrorCode, DescribePreCheckProgressListInput,
    DescribePreCheckProgressListItems, DescribePreCheckProgressListOutput,
    DescribeRestoreRangeInfoErrorCode, DescribeRestoreRangeInfoInput,
    DescribeRestoreRangeInfoItems, DescribeRestoreRangeInfoOutput,
    DescribeRestoreTaskListErrorCode, DescribeRestoreTaskListInput, DescribeRestoreTaskListItems,
    DescribeRestoreTaskListOutput, ErrorCode, FullBackupFile, IncrementBackupFile, JobErrorDetail,
    PreCheckProgressDetail, RestoreRange, RestoreRangeFullBackup, RestoreRangeFullBackups,
    RestoreTaskDetail, StartRestoreTaskErrorCode, StartRestoreTaskInput, StartRestoreTaskOutput,
};

use crate::dbs::now_ms;
use crate::faults::Stage;
use crate::handler::{Answer, answer, refuse};
use crate::plans::PlanRecord;
use crate::restore::{
    DEFAULT_JOB_ERROR_CODE, DEFAULT_JOB_ERROR_MESSAGE, Failure, History, PRECHECK_ITEMS, Progress,
    Run,
};
use crate::server::Shared;
use crate::state::{RestoreTask, State, TaskFilter};

/// A success output of `$output` holding one page: `PageNum` and `PageSize` as read, `$total`
/// items in all, and `Items`.
macro_rules! page_answer {
    ($output:ty, $context:expr, ($page:expr, $size:expr, $total:expr), $items:expr $(,)?) => {
        answer!(
            $output,
            $context,
            page_num = int32($page),
            page_size = int32($size),
            total_elements = int32($total),
            total_pages = total_pages($total, $size),
            items = Some($items),
        )
    };
}

/// The default `PageSize` of the paged operations (the spec's default).
const DEFAULT_PAGE_SIZE: i32 = 30;
/// The largest `PageSize` (the spec's range is 1 to 100).
const MAX_PAGE_SIZE: i32 = 100;
/// The most IDs of `DescribeRestoreTaskList`'s `RestoreTaskId` read: ten pages of the largest
/// size (the rest are ignored, so a request costs a bounded number of lookups).
const MAX_TASK_IDS: usize = 1000;

/// `PageNum` (from 0) and `PageSize`, with the spec's defaults; dispatch has checked ranges.
fn paging(page_num: Option<i32>, page_size: Option<i32>) -> (i64, i64) {
    let size = page_size
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    (i64::from(page_num.unwrap_or(0).max(0)), i64::from(size))
}

/// `TotalPages` for `total` items in pages of `size`.
fn total_pages(total: i64, size: i64) -> Option<i32> {
    i32::try_from((total + size - 1) / size.max(1)).ok()
}

fn int32(n: i64) -> Option<i32> {
    Some(i32::try_from(n).unwrap_or(i32::MAX))
}

/// The plan `id`, or `Param.NotFound`.
fn plan<'s, C: ErrorCode + From<CommonErrorCode>>(
    state: &'s State,
    id: &str,
) -> Result<&'s PlanRecord, BusinessError<C>> {
    state.plans.get(id).ok_or_else(|| {
        refuse(
            CommonErrorCode::ParamNotFound,
            format!("BackupPlanId: backup plan {id:?} does not exist."),
        )
    })
}

/// `StorageMethod` of a backup file: shown only when `ShowStorageType` is true; every set the
/// emulator keeps is in standard storage.
fn storage_method<T: From<&'static str>>(show_storage_type: Option<bool>) -> Option<T> {
    show_storage_type
        .filter(|show| *show)
        .map(|_| "Standard".into())
}

/// The plan's history at `now`, or none (a plan that never ran has no backups).
fn history(state: &State, plan: &PlanRecord, now: i64) -> Option<History> {
    state.restores.history(plan, now)
}

/// The task `id`, or `Param.NotFound`.
fn task<'s, C: ErrorCode + From<CommonErrorCode>>(
    state: &'s State,
    id: &str,
) -> Result<&'s RestoreTask, BusinessError<C>> {
    state.task(id).ok_or_else(|| {
        refuse(
            CommonErrorCode::ParamNotFound,
            format!("RestoreTaskId: restore task {id:?} does not exist."),
        )
    })
}

/// Where the task `id` is at `now`.
fn progress(state: &State, id: &str, now: i64) -> Progress {
    state
        .restores
        .run(id)
        .map_or_else(Progress::not_started, |run| run.at(now))
}

/// `StartRestoreTask`: starts a task created by `CreateRestoreTask` (or restarts a failed one).
///
/// Refused: an unknown `RestoreTaskId` (`Param.NotFound`); a task already started that is in
/// its precheck, running or finished (`InvalidParameter`: the request names a task that cannot
/// take this action, as a plan in the wrong state is refused).
pub(crate) fn start_restore_task(
    input: StartRestoreTaskInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<StartRestoreTaskOutput, StartRestoreTaskErrorCode> {
    let id = input.restore_task_id.unwrap_or_default();
    let now = now_ms();
    let mut state = shared.lock();
    task::<StartRestoreTaskErrorCode>(&state, &id)?;
    if state.restores.run(&id).is_some() {
        let status = progress(&state, &id, now).status;
        if status != "stop" {
            let what = if status == "check_pass" {
                "it has finished (RestoreStatus check_pass)".to_owned()
            } else {
                format!("it is already started (RestoreStatus {status})")
            };
            return Err(refuse(
                CommonErrorCode::InvalidParameter,
                format!(
                    "This restore task can't support this action: {what}; only a task not \
                     started (init) or failed (stop) can be started."
                ),
            ));
        }
    }
    let failure = state
        .faults
        .take_at("StartRestoreTask", Stage::TaskStart)
        .map(|fault| Failure {
            code: fault
                .code
                .unwrap_or_else(|| DEFAULT_JOB_ERROR_CODE.to_owned()),
            message: fault
                .message
                .unwrap_or_else(|| DEFAULT_JOB_ERROR_MESSAGE.to_owned()),
        });
    let duration_ms = state.restores.task_duration_ms;
    state.restores.start(
        &id,
        Run {
            started_ms: now,
            duration_ms,
            failure,
        },
    );
    answer!(StartRestoreTaskOutput, context, restore_task_id = Some(id))
}

/// One task as `Items.RestoreTaskDetail` shows it at `now`: its creation parameters, status and
/// progress.
fn task_detail(task: &RestoreTask, p: &Progress) -> RestoreTaskDetail {
    let param = |name: &str| task.parameters.get(name).cloned();
    let number = |name: &str| param(name).and_then(|v| v.parse::<i64>().ok());
    let mut detail = RestoreTaskDetail::default();
    detail.restore_task_id = Some(task.restore_task_id.clone());
    detail.restore_task_name = Some(task.restore_task_name.clone());
    detail.backup_plan_id = Some(task.backup_plan_id.clone());
    detail.restore_task_create_time = Some(task.restore_task_create_time);
    detail.restore_status = Some(p.status.into());
    detail.full_strufore_restore_progress = Some(p.stru_before);
    detail.full_data_restore_progress = Some(p.full_data);
    detail.full_stru_after_restore_progress = Some(p.stru_after);
    detail.continuous_restore_progress = Some(p.continuous);
    detail.restore_task_finish_time = p.finish_time;
    detail.err_message = p.failure.as_ref().map(|f| f.message.clone());
    detail.backup_set_id = param("BackupSetId");
    detail.backup_gateway_id = number("BackupGatewayId");
    detail.restore_time = number("RestoreTime");
    detail.restore_objects = param("RestoreObjects");
    detail.restore_dir = param("RestoreDir");
    detail.cross_aliyun_id = param("CrossAliyunId");
    detail.cross_role_name = param("CrossRoleName");
    detail.destination_endpoint_region = param("DestinationEndpointRegion");
    detail.destination_endpoint_instance_id = param("DestinationEndpointInstanceID");
    detail.destination_endpoint_instance_type =
        param("DestinationEndpointInstanceType").map(|v| v.to_ascii_lowercase().as_str().into());
    detail.destination_endpoint_database_name = param("DestinationEndpointDatabaseName");
    detail.destination_endpoint_user_name = param("DestinationEndpointUserName");
    detail.destination_endpoint_oracle_sid = param("DestinationEndpointOracleSID");
    detail.destination_endpoint_ip_port =
        param("DestinationEndpointIP").map(|ip| match param("DestinationEndpointPort") {
            Some(port) => format!("{ip}:{port}"),
            None => ip,
        });
    detail
}

/// `DescribeRestoreTaskList`: the tasks of `BackupPlanId`, or those named in `RestoreTaskId`
/// (comma-separated; dispatch refuses both at once), created within
/// `StartTimestamp`..=`EndTimestamp`, oldest first, one page (`PageNum` from 0).
pub(crate) fn describe_restore_task_list(
    input: DescribeRestoreTaskListInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<DescribeRestoreTaskListOutput, DescribeRestoreTaskListErrorCode> {
    let (page, size) = paging(input.page_num, input.page_size);
    let now = now_ms();
    let state = shared.lock();
    let plan_id = input.backup_plan_id.as_deref().unwrap_or_default();
    let ids: Option<Vec<&str>> = input.restore_task_id.as_deref().map(|text| {
        text.split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            // Bounded: at most ten pages of the largest size are read.
            .take(MAX_TASK_IDS)
            .collect()
    });
    if ids.is_none() {
        plan::<DescribeRestoreTaskListErrorCode>(&state, plan_id)?;
    }
    let (total, tasks) = state.task_page(&TaskFilter {
        plan_id,
        ids: ids.as_deref(),
        from: input.start_timestamp,
        to: input.end_timestamp,
        page: usize::try_from(page).unwrap_or(usize::MAX),
        page_size: usize::try_from(size).unwrap_or(30),
    });
    let details = tasks
        .iter()
        .map(|task| task_detail(task, &progress(&state, &task.restore_task_id, now)))
        .collect();
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    let mut items = DescribeRestoreTaskListItems::default();
    items.restore_task_detail = Some(details);
    page_answer!(
        DescribeRestoreTaskListOutput,
        context,
        (page, size, total),
        items
    )
}

/// `DescribePreCheckProgressList`: the precheck of a restore task (`RestoreTaskId`, which must
/// belong to `BackupPlanId`), or of the plan itself (its precheck passed when it started: every
/// item `finish`).
pub(crate) fn describe_pre_check_progress_list(
    input: DescribePreCheckProgressListInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<DescribePreCheckProgressListOutput, DescribePreCheckProgressListErrorCode> {
    type Code = DescribePreCheckProgressListErrorCode;
    let now = now_ms();
    let state = shared.lock();
    let plan_id = input.backup_plan_id.as_deref().unwrap_or_default();
    plan::<Code>(&state, plan_id)?;
    let (job_id, finished, times, started) = match input.restore_task_id.as_deref() {
        Some(id) if !id.is_empty() => {
            let task = task::<Code>(&state, id)?;
            if task.backup_plan_id != plan_id {
                return Err(refuse(
                    CommonErrorCode::ParamNotFound,
                    format!(
                        "RestoreTaskId: restore task {id:?} is not a task of backup plan {plan_id:?}."
                    ),
                ));
            }
            let p = progress(&state, id, now);
            let started = state.restores.run(id).map(|run| run.started_ms);
            (id.to_owned(), p.prechecked, p.precheck_times, started)
        }
        _ => {
            let at = state
                .plans
                .get(plan_id)
                .and_then(|p| p.backup_plan_create_time);
            (
                plan_id.to_owned(),
                PRECHECK_ITEMS.len(),
                vec![at.unwrap_or(0); PRECHECK_ITEMS.len()],
                at,
            )
        }
    };
    let details = PRECHECK_ITEMS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut d = PreCheckProgressDetail::default();
            d.item = Some((*name).to_owned());
            d.names = Some((*name).to_owned());
            d.job_id = Some(job_id.clone());
            d.order_num = Some((i + 1).to_string());
            d.boot_time = started;
            let state = if i < finished {
                d.finish_time = times.get(i).copied();
                "finish"
            } else if started.is_some() && i == finished {
                "running"
            } else {
                "init"
            };
            d.state = Some(state.into());
            d
        })
        .collect();
    let total = PRECHECK_ITEMS.len();
    let status = if started.is_none() {
        None
    } else if finished == total {
        Some("finish".into())
    } else {
        Some("running".into())
    };
    let mut items = DescribePreCheckProgressListItems::default();
    items.pre_check_progress_detail = Some(details);
    answer!(
        DescribePreCheckProgressListOutput,
        context,
        status = status,
        progress = int32(i64::try_from(finished * 100 / total).unwrap_or(100)),
        items = Some(items),
    )
}

/// `DescribeJobErrorCode`: the state of the restore task `TaskId` and, for a failed one, its
/// job error (code and message, in `Language`; `cn` and `en` give the same text, the emulator's
/// messages being English only).
pub(crate) fn describe_job_error_code(
    input: DescribeJobErrorCodeInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<DescribeJobErrorCodeOutput, DescribeJobErrorCodeErrorCode> {
    let id = input.task_id.unwrap_or_default();
    let state = shared.lock();
    task::<DescribeJobErrorCodeErrorCode>(&state, &id)?;
    let p = progress(&state, &id, now_ms());
    let mut item = JobErrorDetail::default();
    item.job_id = Some(id);
    item.job_type = Some("restore".to_owned());
    item.job_state = Some(p.status.to_owned());
    item.language = Some(input.language.unwrap_or_else(|| "en".into()));
    if let Some(failure) = p.failure {
        item.error_code = Some(failure.code);
        item.error_message = Some(failure.message);
    }
    answer!(DescribeJobErrorCodeOutput, context, item = Some(item))
}

/// `DescribeFullBackupList`: the plan's full backup sets, oldest first, within
/// `StartTimestamp`..=`EndTimestamp` (milliseconds), or only `BackupSetId`, one page.
pub(crate) fn describe_full_backup_list(
    input: DescribeFullBackupListInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<DescribeFullBackupListOutput, DescribeFullBackupListErrorCode> {
    let (page, size) = paging(input.page_num, input.page_size);
    let now = now_ms();
    let state = shared.lock();
    let plan_id = input.backup_plan_id.as_deref().unwrap_or_default();
    let record = plan::<DescribeFullBackupListErrorCode>(&state, plan_id)?;
    let mut indexes = 0..0;
    if let Some(h) = history(&state, record, now) {
        indexes = h.full_between(
            input.start_timestamp.unwrap_or(i64::MIN),
            input.end_timestamp.unwrap_or(i64::MAX),
        );
        if let Some(set) = input.backup_set_id.as_deref().filter(|s| !s.is_empty()) {
            indexes = match h.find_full(plan_id, set) {
                Some(i) if indexes.contains(&i) => i..i + 1,
                _ => 0..0,
            };
        }
    }
    let total = indexes.end - indexes.start;
    let files = history(&state, record, now)
        .map(|h| {
            let from = indexes.start.saturating_add(page.saturating_mul(size));
            (from..indexes.end.min(from.saturating_add(size)))
                .map(|i| {
                    let set = h.full(plan_id, i);
                    let mut f = FullBackupFile::default();
                    f.backup_set_id = Some(set.id);
                    f.backup_status = Some("finish".into());
                    f.create_time = Some(set.time_ms);
                    f.start_time = Some(set.time_ms);
                    f.end_time = Some(set.time_ms);
                    f.finish_time = Some(set.time_ms);
                    f.backup_objects = record.backup_objects.clone();
                    f.source_endpoint_ip_port = record.source_endpoint_ip_port.clone();
                    f.storage_method = storage_method(input.show_storage_type);
                    f
                })
                .collect()
        })
        .unwrap_or_default();
    let mut items = DescribeFullBackupListItems::default();
    items.full_backup_file = Some(files);
    page_answer!(
        DescribeFullBackupListOutput,
        context,
        (page, size, total),
        items
    )
}

/// `DescribeIncrementBackupList`: the plan's completed incremental backups, oldest first, that
/// start within `StartTimestamp`..=`EndTimestamp`, one page.
pub(crate) fn describe_increment_backup_list(
    input: DescribeIncrementBackupListInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<DescribeIncrementBackupListOutput, DescribeIncrementBackupListErrorCode> {
    let (page, size) = paging(input.page_num, input.page_size);
    let now = now_ms();
    let state = shared.lock();
    let plan_id = input.backup_plan_id.as_deref().unwrap_or_default();
    let record = plan::<DescribeIncrementBackupListErrorCode>(&state, plan_id)?;
    let h = history(&state, record, now);
    let n = h.map_or(0, |h| h.increment_count());
    let anchor = h.map_or(0, |h| h.anchor_ms);
    let hour = 3_600_000_i64;
    let first = input.start_timestamp.map_or(0, |from| {
        if from <= anchor {
            0
        } else {
            ((from - anchor + hour - 1) / hour).min(n)
        }
    });
    let end = input.end_timestamp.map_or(n, |to| {
        if to < anchor {
            0
        } else {
            ((to - anchor) / hour + 1).min(n)
        }
    });
    let first = first.min(end);
    let total = end - first;
    let from = first.saturating_add(page.saturating_mul(size));
    let files = h
        .map(|h| {
            (from..end.min(from.saturating_add(size)))
                .map(|i| {
                    let inc = h.increment(i);
                    let mut f = IncrementBackupFile::default();
                    f.backup_set_id = Some(format!("mysql-bin.{:06}", inc.number));
                    f.backup_set_job_id = Some(format!("{plan_id}i{:x}", inc.number));
                    f.backup_status = Some("COMPLETED".into());
                    f.start_time = Some(inc.start_ms);
                    f.end_time = Some(inc.end_ms);
                    f.source_endpoint_ip_port = record.source_endpoint_ip_port.clone();
                    f.storage_method = storage_method(input.show_storage_type);
                    f
                })
                .collect()
        })
        .unwrap_or_default();
    let mut items = DescribeIncrementBackupListItems::default();
    items.increment_backup_file = Some(files);
    page_answer!(
        DescribeIncrementBackupListOutput,
        context,
        (page, size, total),
        items
    )
}

/// The most full backups one `point` entry of `DescribeRestoreRangeInfo` lists (the newest in
/// the window), so an answer stays bounded whatever the history.
const MAX_POINTS: i64 = 100;

/// `DescribeRestoreRangeInfo`: within `BeginTimestampForRestore`..=`EndTimestampForRestore`,
/// a `point` entry listing the full backups (at most [`MAX_POINTS`], the newest; with
/// `RecentlyRestore`, only the newest) and, when the plan has log backups, a `range` entry.
pub(crate) fn describe_restore_range_info(
    input: DescribeRestoreRangeInfoInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<DescribeRestoreRangeInfoOutput, DescribeRestoreRangeInfoErrorCode> {
    let now = now_ms();
    let state = shared.lock();
    let plan_id = input.backup_plan_id.as_deref().unwrap_or_default();
    let record = plan::<DescribeRestoreRangeInfoErrorCode>(&state, plan_id)?;
    let from = input.begin_timestamp_for_restore.unwrap_or(i64::MIN);
    let to = input.end_timestamp_for_restore.unwrap_or(i64::MAX);
    let recent = input.recently_restore == Some(true);
    let mut ranges = Vec::new();
    let entry = |kind: &str, begin: i64, end: i64| {
        let mut r = RestoreRange::default();
        r.range_type = Some(kind.into());
        r.begin_timestamp_for_restore = Some(begin);
        r.end_timestamp_for_restore = Some(end);
        r.source_endpoint_instance_id = record.source_endpoint_instance_id.clone();
        r.source_endpoint_instance_type = record
            .source_endpoint_instance_type
            .as_deref()
            .map(Into::into);
        r
    };
    if let Some(h) = history(&state, record, now) {
        let sets = h.full_between(from, to);
        let keep = if recent { 1 } else { MAX_POINTS };
        let shown = sets.start.max(sets.end - keep)..sets.end;
        if !shown.is_empty() {
            let details: Vec<RestoreRangeFullBackup> = shown
                .clone()
                .map(|i| {
                    let set = h.full(plan_id, i);
                    let mut d = RestoreRangeFullBackup::default();
                    d.backup_set_id = Some(set.id);
                    d.start_time = Some(set.time_ms);
                    d.end_time = Some(set.time_ms);
                    d
                })
                .collect();
            let mut r = entry(
                "point",
                h.full(plan_id, shown.start).time_ms,
                h.full(plan_id, shown.end - 1).time_ms,
            );
            let mut list = RestoreRangeFullBackups::default();
            list.full_backup_detail = Some(details);
            r.full_backup_list = Some(list);
            ranges.push(r);
        }
        if let Some((begin, end)) = h.continuous() {
            let (begin, end) = (begin.max(from), end.min(to));
            if begin <= end {
                ranges.push(entry("range", begin, end));
            }
        }
    }
    let mut items = DescribeRestoreRangeInfoItems::default();
    items.dbs_recover_range = Some(ranges);
    answer!(DescribeRestoreRangeInfoOutput, context, items = Some(items))
}

/// `DescribeBackupGatewayList`: the seed's backup gateways (the `BackupGatewayId`s of its
/// plans) in `Region`, or the one whose `Identifier` is given, in seed order, one page.
pub(crate) fn describe_backup_gateway_list(
    input: DescribeBackupGatewayListInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<DescribeBackupGatewayListOutput, DescribeBackupGatewayListErrorCode> {
    let (page, size) = paging(input.page_num, input.page_size);
    let region = input.region.as_ref().map(|r| r.as_ref().to_owned());
    let state = shared.lock();
    // The gateways are the seed's, a fixed list read once at start.
    let matching: Vec<_> = state
        .restores
        .gateways
        .iter()
        .filter(|g| region.as_deref().is_none_or(|r| g.region == r))
        .filter(|g| {
            input
                .identifier
                .as_deref()
                .is_none_or(|i| i.is_empty() || identifier(g.id) == i)
        })
        .collect();
    let total = i64::try_from(matching.len()).unwrap_or(i64::MAX);
    let list = matching
        .iter()
        .skip(usize::try_from(page.saturating_mul(size)).unwrap_or(usize::MAX))
        .take(usize::try_from(size).unwrap_or(30))
        .map(|g| {
            let mut b = BackupGateway::default();
            b.backup_gateway_id = Some(g.id.to_string());
            b.identifier = Some(identifier(g.id));
            b.region = Some(g.region.clone());
            b.backup_gateway_status = Some("ONLINE".into());
            b.backup_gateway_create_time = Some(g.created_ms);
            b.last_heartbeat_time = Some(now_ms());
            b.display_name = Some(format!("gateway {}", g.id));
            b
        })
        .collect();
    let mut items = DescribeBackupGatewayListItems::default();
    items.backup_gateway = Some(list);
    page_answer!(
        DescribeBackupGatewayListOutput,
        context,
        (page, size, total),
        items
    )
}

/// A gateway's `Identifier`: the emulator derives it from the ID.
fn identifier(id: i64) -> String {
    format!("dbsgw{id}")
}
