//! The backup-plan operations on the generated types: each reads its typed input (already parsed
//! and checked against the spec's context-free rules by dispatch), asks the [`PlanStore`] to act,
//! and answers the operation's typed output or the store's refusal. The lifecycle itself, and why
//! each transition is what it is, lives in [`crate::plans`].

use dbs_api::server::{BusinessError, RequestContext};
use dbs_api::{
    BackupObject, BackupPlanDetail, CommonErrorCode, ConfigureBackupPlanErrorCode,
    ConfigureBackupPlanInput, ConfigureBackupPlanOutput, CreateAndStartBackupPlanErrorCode,
    CreateAndStartBackupPlanInput, CreateAndStartBackupPlanOutput, CreateBackupPlanErrorCode,
    CreateBackupPlanInput, CreateBackupPlanOutput, DescribeBackupPlanListErrorCode,
    DescribeBackupPlanListInput, DescribeBackupPlanListItems, DescribeBackupPlanListOutput,
    DisableBackupLogErrorCode, DisableBackupLogInput, DisableBackupLogOutput,
    EnableBackupLogErrorCode, EnableBackupLogInput, EnableBackupLogOutput, ErrorCode,
    ModifyBackupObjectsErrorCode, ModifyBackupObjectsInput, ModifyBackupObjectsOutput,
    ModifyBackupPlanNameErrorCode, ModifyBackupPlanNameInput, ModifyBackupPlanNameOutput,
    ModifyBackupSourceEndpointErrorCode, ModifyBackupSourceEndpointInput,
    ModifyBackupSourceEndpointOutput, ModifyBackupStrategyErrorCode, ModifyBackupStrategyInput,
    ModifyBackupStrategyOutput, ModifyStorageStrategyErrorCode, ModifyStorageStrategyInput,
    ModifyStorageStrategyOutput, ReleaseBackupPlanErrorCode, ReleaseBackupPlanInput,
    ReleaseBackupPlanOutput, RenewBackupPlanErrorCode, RenewBackupPlanInput, RenewBackupPlanOutput,
    SourceDatabaseType, StartBackupPlanErrorCode, StartBackupPlanInput, StartBackupPlanOutput,
    StopBackupPlanErrorCode, StopBackupPlanInput, StopBackupPlanOutput, UpgradeBackupPlanErrorCode,
    UpgradeBackupPlanInput, UpgradeBackupPlanOutput, ValidationContext,
};

use crate::dbs::now_ms;
use crate::handler::{Answer, answer, refuse};
use crate::plans::{
    PlanConfig, PlanError, PlanFilter, PlanOrder, PlanRecord, SourceEndpoint, StopMethod, Storage,
    Strategy,
};
use crate::server::Shared;

/// The store's refusal as the operation's business error: the code of the spec's common table,
/// its message, then what was wrong.
fn refused<C: ErrorCode + From<CommonErrorCode>>(e: PlanError) -> BusinessError<C> {
    refuse(e.code(), e)
}

/// The required `BackupPlanId` (dispatch has checked it is there).
fn plan_id(id: &Option<String>) -> &str {
    id.as_deref().unwrap_or_default()
}

/// `BackupObjects` as the JSON text the plan keeps and `DescribeBackupPlanList` shows.
fn objects_text(objects: Option<&Vec<BackupObject>>) -> Option<String> {
    // A list of these structures (strings and lists of strings) always serializes.
    objects.and_then(|list| serde_json::to_string(list).ok())
}

fn enum_text<E: AsRef<str>>(value: Option<&E>) -> Option<String> {
    value.map(|v| v.as_ref().to_owned())
}

/// What `CreateBackupPlan` and `CreateAndStartBackupPlan` buy; their purchase parameters have
/// the same names, so one macro reads both inputs.
macro_rules! plan_order {
    ($input:expr) => {
        PlanOrder {
            database_type: enum_text($input.database_type.as_ref()).unwrap_or_default(),
            instance_class: enum_text($input.instance_class.as_ref()).unwrap_or_default(),
            backup_method: enum_text($input.backup_method.as_ref()).unwrap_or_default(),
            region: $input.region.clone(),
            pay_type: enum_text($input.pay_type.as_ref()),
            period: enum_text($input.period.as_ref()),
            used_time: $input.used_time,
            resource_group_id: $input.resource_group_id.clone(),
            database_region: $input.database_region.clone(),
            storage_region: $input.storage_region.clone(),
            instance_type: enum_text($input.instance_type.as_ref()),
        }
    };
}

/// The source database of `ConfigureBackupPlan`, `CreateAndStartBackupPlan` and
/// `ModifyBackupSourceEndpoint` (same parameter names); the password is not read.
macro_rules! source_endpoint {
    ($input:expr) => {
        SourceEndpoint {
            instance_type: enum_text($input.source_endpoint_instance_type.as_ref())
                .unwrap_or_default(),
            region: $input.source_endpoint_region.clone(),
            instance_id: $input.source_endpoint_instance_id.clone(),
            ip: $input.source_endpoint_ip.clone(),
            port: $input.source_endpoint_port,
            database_name: $input.source_endpoint_database_name.clone(),
            user_name: $input.source_endpoint_user_name.clone(),
            oracle_sid: $input.source_endpoint_oracle_sid.clone(),
            backup_gateway_id: $input.backup_gateway_id,
            cross_aliyun_id: $input.cross_aliyun_id.clone(),
            cross_role_name: $input.cross_role_name.clone(),
        }
    };
}

/// Everything `ConfigureBackupPlan` and `CreateAndStartBackupPlan` configure.
macro_rules! plan_config {
    ($input:expr) => {
        PlanConfig {
            backup_plan_name: $input.backup_plan_name.clone().unwrap_or_default(),
            source: source_endpoint!($input),
            oss_bucket_name: $input.oss_bucket_name.clone(),
            backup_objects: objects_text($input.backup_objects.as_ref()),
            strategy: Strategy {
                backup_period: $input.backup_period.clone(),
                backup_start_time: $input.backup_start_time.clone(),
                backup_strategy_type: enum_text($input.backup_strategy_type.as_ref()),
                backup_log_interval_seconds: $input.backup_log_interval_seconds,
            },
            storage: Storage {
                backup_retention_period: $input.backup_retention_period,
                duplication_infrequent_access_period: $input.duplication_infrequent_access_period,
                duplication_archive_period: $input.duplication_archive_period,
            },
            enable_backup_log: $input.enable_backup_log,
            backup_storage_type: enum_text($input.backup_storage_type.as_ref()),
            backup_speed_limit: $input.backup_speed_limit,
            backup_rate_limit: $input.backup_rate_limit,
        }
    };
}

/// `CreateBackupPlan`: a new plan waiting for its configuration.
pub(crate) fn create(
    input: CreateBackupPlanInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<CreateBackupPlanOutput, CreateBackupPlanErrorCode> {
    let id = shared
        .lock()
        .plans
        .create(plan_order!(input), now_ms())
        .map_err(refused)?;
    answer!(CreateBackupPlanOutput, context, backup_plan_id = Some(id))
}

/// `CreateAndStartBackupPlan`: bought (or the `wait` plan named), configured and running.
pub(crate) fn create_and_start(
    input: CreateAndStartBackupPlanInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<CreateAndStartBackupPlanOutput, CreateAndStartBackupPlanErrorCode> {
    let now = now_ms();
    let mut state = shared.lock();
    let id = state
        .plans
        .create_and_start(
            plan_order!(input),
            plan_config!(input),
            input.backup_plan_id.as_deref(),
            now,
        )
        .map_err(refused)?;
    // Running from now: its first full backup is taken at once (see `crate::restore`).
    state.restores.plan_started(&id, now);
    drop(state);
    answer!(
        CreateAndStartBackupPlanOutput,
        context,
        backup_plan_id = Some(id)
    )
}

/// `ConfigureBackupPlan`.
pub(crate) fn configure(
    input: ConfigureBackupPlanInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<ConfigureBackupPlanOutput, ConfigureBackupPlanErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    shared
        .lock()
        .plans
        .configure(
            id,
            plan_config!(input),
            input.auto_start_backup == Some(true),
        )
        .map_err(refused)?;
    answer!(
        ConfigureBackupPlanOutput,
        context,
        backup_plan_id = Some(id.to_owned())
    )
}

/// `StartBackupPlan`. No full backup set is made, so `CreatedFullBackupsetId` is absent.
pub(crate) fn start(
    input: StartBackupPlanInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<StartBackupPlanOutput, StartBackupPlanErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    let mut state = shared.lock();
    state.plans.start(id).map_err(refused)?;
    // Running from now: its first full backup is taken at once (see `crate::restore`).
    state.restores.plan_started(id, now_ms());
    drop(state);
    answer!(
        StartBackupPlanOutput,
        context,
        backup_plan_id = Some(id.to_owned())
    )
}

/// `StopBackupPlan`.
pub(crate) fn stop(
    input: StopBackupPlanInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<StopBackupPlanOutput, StopBackupPlanErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    // Dispatch has refused a value the spec does not list, and the parameter is required.
    let method = match input.stop_method {
        Some(dbs_api::StopMethod::Plan) => StopMethod::Plan,
        _ => StopMethod::All,
    };
    shared.lock().plans.stop(id, method).map_err(refused)?;
    answer!(
        StopBackupPlanOutput,
        context,
        backup_plan_id = Some(id.to_owned())
    )
}

/// `ReleaseBackupPlan`.
pub(crate) fn release(
    input: ReleaseBackupPlanInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<ReleaseBackupPlanOutput, ReleaseBackupPlanErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    shared.lock().plans.release(id).map_err(refused)?;
    answer!(
        ReleaseBackupPlanOutput,
        context,
        backup_plan_id = Some(id.to_owned())
    )
}

/// `RenewBackupPlan`. The emulator bills nothing, so there is no `OrderId`.
pub(crate) fn renew(
    input: RenewBackupPlanInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<RenewBackupPlanOutput, RenewBackupPlanErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    let period = enum_text(input.period.as_ref()).unwrap_or_default();
    shared
        .lock()
        .plans
        .renew(id, &period, input.used_time.unwrap_or_default(), now_ms())
        .map_err(refused)?;
    answer!(
        RenewBackupPlanOutput,
        context,
        backup_plan_id = Some(id.to_owned())
    )
}

/// `UpgradeBackupPlan`. No `OrderId`, as for renewals.
pub(crate) fn upgrade(
    input: UpgradeBackupPlanInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<UpgradeBackupPlanOutput, UpgradeBackupPlanErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    let class = enum_text(input.instance_class.as_ref()).unwrap_or_default();
    shared.lock().plans.upgrade(id, &class).map_err(refused)?;
    answer!(
        UpgradeBackupPlanOutput,
        context,
        backup_plan_id = Some(id.to_owned())
    )
}

/// `ModifyBackupPlanName`.
pub(crate) fn rename(
    input: ModifyBackupPlanNameInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<ModifyBackupPlanNameOutput, ModifyBackupPlanNameErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    let name = input.backup_plan_name.as_deref().unwrap_or_default();
    shared.lock().plans.rename(id, name).map_err(refused)?;
    answer!(
        ModifyBackupPlanNameOutput,
        context,
        backup_plan_id = Some(id.to_owned())
    )
}

// The Modify operations answer `NeedPrecheck: false`: the emulator runs no precheck, so a
// change never waits for one.

/// `ModifyBackupObjects`.
pub(crate) fn modify_objects(
    input: ModifyBackupObjectsInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<ModifyBackupObjectsOutput, ModifyBackupObjectsErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    let objects = objects_text(input.backup_objects.as_ref()).unwrap_or_default();
    shared
        .lock()
        .plans
        .modify_objects(id, &objects)
        .map_err(refused)?;
    answer!(
        ModifyBackupObjectsOutput,
        context,
        backup_plan_id = Some(id.to_owned()),
        need_precheck = Some(false),
    )
}

/// `ModifyBackupStrategy`.
pub(crate) fn modify_strategy(
    input: ModifyBackupStrategyInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<ModifyBackupStrategyOutput, ModifyBackupStrategyErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    let strategy = Strategy {
        backup_period: input.backup_period.clone(),
        backup_start_time: input.backup_start_time.clone(),
        backup_strategy_type: enum_text(input.backup_strategy_type.as_ref()),
        backup_log_interval_seconds: input.backup_log_interval_seconds,
    };
    shared
        .lock()
        .plans
        .modify_strategy(id, strategy)
        .map_err(refused)?;
    answer!(
        ModifyBackupStrategyOutput,
        context,
        backup_plan_id = Some(id.to_owned()),
        need_precheck = Some(false),
    )
}

/// `ModifyStorageStrategy`.
pub(crate) fn modify_storage(
    input: ModifyStorageStrategyInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<ModifyStorageStrategyOutput, ModifyStorageStrategyErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    let storage = Storage {
        backup_retention_period: input.backup_retention_period,
        duplication_infrequent_access_period: input.duplication_infrequent_access_period,
        duplication_archive_period: input.duplication_archive_period,
    };
    shared
        .lock()
        .plans
        .modify_storage(id, storage)
        .map_err(refused)?;
    answer!(
        ModifyStorageStrategyOutput,
        context,
        backup_plan_id = Some(id.to_owned()),
        need_precheck = Some(false),
    )
}

/// `ModifyBackupSourceEndpoint`: its rules that depend on the engine are checked with the
/// plan's `DatabaseType`, as `CreateRestoreTask`'s are.
pub(crate) fn modify_source_endpoint(
    input: ModifyBackupSourceEndpointInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<ModifyBackupSourceEndpointOutput, ModifyBackupSourceEndpointErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    let engine = plan_engine(shared, id)?;
    input
        .validate(&ValidationContext::new().with_source_database_type(engine))
        .map_err(|e| {
            BusinessError::with_message(CommonErrorCode::InvalidParameter.into(), e.to_string())
        })?;
    shared
        .lock()
        .plans
        .modify_source_endpoint(
            id,
            source_endpoint!(input),
            objects_text(input.backup_objects.as_ref()),
        )
        .map_err(refused)?;
    answer!(
        ModifyBackupSourceEndpointOutput,
        context,
        backup_plan_id = Some(id.to_owned()),
        need_precheck = Some(false),
    )
}

/// `EnableBackupLog`.
pub(crate) fn enable_log(
    input: EnableBackupLogInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<EnableBackupLogOutput, EnableBackupLogErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    shared
        .lock()
        .plans
        .set_backup_log(id, true)
        .map_err(refused)?;
    answer!(
        EnableBackupLogOutput,
        context,
        backup_plan_id = Some(id.to_owned()),
        need_precheck = Some(false),
    )
}

/// `DisableBackupLog`.
pub(crate) fn disable_log(
    input: DisableBackupLogInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<DisableBackupLogOutput, DisableBackupLogErrorCode> {
    let id = plan_id(&input.backup_plan_id);
    shared
        .lock()
        .plans
        .set_backup_log(id, false)
        .map_err(refused)?;
    answer!(
        DisableBackupLogOutput,
        context,
        backup_plan_id = Some(id.to_owned()),
        need_precheck = Some(false),
    )
}

/// `DescribeBackupPlanList`: one page of the plans that pass every filter, oldest first.
pub(crate) fn describe_list(
    input: DescribeBackupPlanListInput,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Answer<DescribeBackupPlanListOutput, DescribeBackupPlanListErrorCode> {
    let filter = PlanFilter {
        backup_plan_id: input.backup_plan_id.clone(),
        backup_plan_name: input.backup_plan_name.clone(),
        backup_plan_status: enum_text(input.backup_plan_status.as_ref()),
        region: input.region.clone(),
        resource_group_id: input.resource_group_id.clone(),
    };
    let page = shared
        .lock()
        .plans
        .list(&filter, input.page_num, input.page_size)
        .map_err(refused)?;
    let details = page
        .items
        .iter()
        .map(detail)
        .collect::<Result<Vec<_>, _>>()?;
    answer!(
        DescribeBackupPlanListOutput,
        context,
        page_num = Some(page.page_num),
        page_size = Some(page.page_size),
        total_elements = Some(page.total_elements),
        total_pages = Some(page.total_pages),
        items = Some(DescribeBackupPlanListItems::new().backup_plan_detail(details)),
    )
}

/// A plan as `Items.BackupPlanDetail` shows it: the record's JSON has the wire names, and what
/// the emulator keeps besides (billing, schedule details) is not part of the detail.
fn detail<C: ErrorCode + From<CommonErrorCode>>(
    plan: &PlanRecord,
) -> Result<BackupPlanDetail, BusinessError<C>> {
    serde_json::to_value(plan)
        .and_then(serde_json::from_value)
        .map_err(|e| {
            BusinessError::with_detail(
                C::from(CommonErrorCode::InternalError),
                format!(
                    "Backup plan {:?} does not read as a BackupPlanDetail: {e}",
                    plan.backup_plan_id
                ),
            )
        })
}

/// The engine of the plan `id`, which decides the engine-dependent rules.
fn plan_engine<C: ErrorCode + From<CommonErrorCode>>(
    shared: &Shared,
    id: &str,
) -> Result<SourceDatabaseType, BusinessError<C>> {
    shared
        .lock()
        .plans
        .get(id)
        .map(|plan| SourceDatabaseType::from_wire(&plan.database_type))
        .ok_or_else(|| refused(PlanError::NotFound(id.to_owned())))
}
