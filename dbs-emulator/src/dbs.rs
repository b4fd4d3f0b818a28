//! The DBS service behind the gateway: each operation's behaviour, on the generated code.

use std::cell::Cell;

use dbs_api::server::{DbsHandler, RequestContext, dispatch};
use dbs_api::validation::Violations;
use dbs_api::{
    CommonErrorCode, CreateRestoreTaskErrorCode, CreateRestoreTaskInput, CreateRestoreTaskOutput,
    Operation, OperationMeta, SourceDatabaseType, ValidationContext, ValidationError, WireParam,
};

use crate::idempotency::{Fingerprint, Lookup, Remembered, TokenKey};
use crate::plan_handlers;
use crate::reply::{BusinessError, GatewayError, Reply};
use crate::restore_handlers;
use crate::server::Shared;
use crate::state::{Created, RestoreTask};

/// Who is calling and which request this is.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) request_id: &'a str,
    pub(crate) access_key_id: &'a str,
}

/// Runs `operation` on the request's parameters (query and body, in that order; the gateway has
/// refused any name given twice; common parameters are ignored) through the generated dispatch,
/// or answers it from an earlier request with the same `ClientToken`.
///
/// An operation the registry gives an idempotency token and does not mark `idempotent` takes
/// part when the token is not blank: the first success for (AccessKeyId, action, token) is
/// remembered with a fingerprint of every other parameter, a repeat with the same fingerprint
/// gets that answer again (with its own RequestId) without acting, and another fingerprint is
/// `IdempotentParameterMismatch`. Failures are not remembered: the request may be sent again.
pub(crate) fn handle(
    operation: &'static OperationMeta,
    params: &[(String, String)],
    call: &Call<'_>,
    shared: &Shared,
) -> Reply {
    if let Err(refused) = check_token(operation, params) {
        return refused;
    }
    if operation.name == CreateRestoreTaskInput::ACTION {
        return handle_create_restore_task(operation, params, call, shared);
    }
    match token_key(operation, params, call) {
        Some(key) => handle_with_token(operation, params, call, shared, key),
        None => run(operation, params, call, shared),
    }
}

/// `CreateRestoreTask`, the call clients repeat most, parsed and serialized once: the same
/// steps and answers as [`handle_with_token`] and [`run`] through dispatch, which would parse
/// it for the fingerprint, again for the handler, and serialize it twice.
fn handle_create_restore_task(
    operation: &'static OperationMeta,
    params: &[(String, String)],
    call: &Call<'_>,
    shared: &Shared,
) -> Reply {
    let pairs = params.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let (input, parsed) = CreateRestoreTaskInput::from_wire_params_partial(pairs);
    // Parse errors and the rules that need no context together, as dispatch reports them.
    if let Err(e) = ValidationError::combine(parsed, input.validate(&ValidationContext::new())) {
        let error = dbs_api::server::BusinessError::with_message(
            CommonErrorCode::InvalidParameter,
            e.to_string(),
        );
        return dispatch_error(error.erase());
    }
    let wire = input.to_wire_params();
    let token = token_key(operation, params, call)
        .map(|key| (key, fingerprint(operation.idempotency_token, &wire, shared)));
    let act = move |fingerprint: Option<&Fingerprint>| {
        let context = RequestContext::new(call.request_id, call.access_key_id);
        match create_restore_task(input, wire, fingerprint, &context, shared) {
            Ok(output) => match serde_json::to_string(&output) {
                Ok(body) => Reply::Success(body),
                Err(e) => dispatch_error(
                    dbs_api::server::BusinessError::with_detail(
                        CommonErrorCode::InternalError,
                        format!("The answer could not be written: {e}"),
                    )
                    .erase(),
                ),
            },
            Err(e) => dispatch_error(e.erase()),
        }
    };
    match token {
        Some((key, fingerprint)) => with_token(call, shared, key, fingerprint, |fingerprint| {
            act(Some(fingerprint))
        }),
        None => act(None),
    }
}

/// The reference's `ClientToken` rule (at most 64 visible ASCII characters), which the spec
/// cannot state and the `dbs-api` client checks before sending: `InvalidParameter` as dispatch
/// words a broken rule. Checked first, so the token memory never holds a longer token.
fn check_token(operation: &OperationMeta, params: &[(String, String)]) -> Result<(), Reply> {
    let Some(name) = operation.idempotency_token else {
        return Ok(());
    };
    let Some((_, token)) = params.iter().find(|(n, _)| n == name) else {
        return Ok(());
    };
    let mut violations = Violations::new(operation.documentation);
    violations.client_token(name, token);
    violations.finish().map_err(|e| {
        dispatch_error(
            dbs_api::server::BusinessError::with_message(
                CommonErrorCode::InvalidParameter,
                e.to_string(),
            )
            .erase(),
        )
    })
}

/// A business error as dispatch returns it.
fn dispatch_error(e: dbs_api::server::DispatchError) -> Reply {
    BusinessError {
        code: e.code,
        message: e.message,
        http_status: e.http_status,
    }
    .into()
}

/// The values as the generated code re-serializes them, so a retry sent another way (query
/// or body, V1 or V3) compares equal; the token (`token_name`) left out.
fn fingerprint(
    token_name: Option<&'static str>,
    wire: &[WireParam],
    shared: &Shared,
) -> Fingerprint {
    wire.iter()
        .filter(|p| Some(p.name) != token_name)
        .map(|p| (p.name, shared.fingerprint_value(&p.value)))
        .collect()
}

/// The key of a request that takes part in `ClientToken` idempotency, if it does.
fn token_key(
    operation: &'static OperationMeta,
    params: &[(String, String)],
    call: &Call<'_>,
) -> Option<TokenKey> {
    let name = operation
        .idempotency_token
        .filter(|_| !operation.idempotent)?;
    let (_, token) = params.iter().find(|(n, _)| n == name)?;
    // A blank token is no token, as the `dbs-api` client treats it (it sends a fresh one).
    if token.trim().is_empty() {
        return None;
    }
    Some(TokenKey {
        access_key_id: call.access_key_id.to_owned(),
        action: operation.name,
        token: token.clone(),
    })
}

fn handle_with_token(
    operation: &'static OperationMeta,
    params: &[(String, String)],
    call: &Call<'_>,
    shared: &Shared,
    key: TokenKey,
) -> Reply {
    // A request that does not parse, or breaks a rule, is refused by dispatch as it would be
    // without a token; a refusal is never remembered.
    let Ok(wire) = (operation.prepare)(params, &ValidationContext::new()) else {
        return run(operation, params, call, shared);
    };
    let fingerprint = fingerprint(operation.idempotency_token, &wire, shared);
    with_token(call, shared, key, fingerprint, |_| {
        run(operation, params, call, shared)
    })
}

/// Answers from an earlier request with the same token, or `act`s (given the fingerprint) and
/// remembers a success.
fn with_token(
    call: &Call<'_>,
    shared: &Shared,
    key: TokenKey,
    fingerprint: Fingerprint,
    act: impl FnOnce(&Fingerprint) -> Reply,
) -> Reply {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // Held until the answer is remembered: a retry racing its first attempt waits for it and
    // is answered from the cache instead of acting too. Handlers work in memory, so requests
    // with tokens are handled one at a time at little cost.
    let mut tokens = shared.lock_tokens();
    match tokens.look_up(&key, &fingerprint, now) {
        Lookup::New => {}
        Lookup::Replay(answer) => {
            tracing::debug!(request_id = %call.request_id, "answered from an earlier request with the same ClientToken");
            let body = answer.replay_body(call.request_id);
            return if answer.example {
                Reply::Example(body)
            } else {
                Reply::Success(body)
            };
        }
        Lookup::Mismatch(names) => {
            return BusinessError::common(
                CommonErrorCode::IdempotentParameterMismatch,
                format!("Parameters that differ: {}.", names.join(", ")),
            )
            .into();
        }
        Lookup::Full {
            capacity,
            retry_after_secs,
        } => {
            return BusinessError::common(
                CommonErrorCode::Throttling,
                format!(
                    "The emulator remembers {capacity} ClientTokens, its limit, and forgets none \
                     early; the oldest expires in {retry_after_secs} seconds. Start it with \
                     --max-client-tokens N (EmulatorConfig::max_client_tokens) to remember more."
                ),
            )
            .into();
        }
    }
    let reply = act(&fingerprint);
    let (body, example) = match &reply {
        Reply::Success(body) => (body, false),
        Reply::Example(body) => (body, true),
        Reply::Gateway(_) | Reply::Business(_) => return reply,
    };
    let answer = Remembered {
        body: body.clone(),
        request_id: call.request_id.to_owned(),
        example,
    };
    tokens.remember(key, fingerprint, answer, now);
    reply
}

/// Runs `operation` through the generated dispatch.
fn run(
    operation: &'static OperationMeta,
    params: &[(String, String)],
    call: &Call<'_>,
    shared: &Shared,
) -> Reply {
    let context = RequestContext::new(call.request_id, call.access_key_id);
    let service = Service {
        shared,
        answered_by_example: Cell::new(false),
    };
    match dispatch(&service, operation.name, params, &context) {
        Some(Ok(body)) if service.answered_by_example.get() => Reply::Example(body),
        Some(Ok(body)) => Reply::Success(body),
        Some(Err(e)) => BusinessError {
            code: e.code,
            message: e.message,
            http_status: e.http_status,
        }
        .into(),
        // The gateway passes only operations of the registry, which is the spec's list too.
        None => GatewayError::of(CommonErrorCode::InvalidActionNotFound).into(),
    }
}

/// The behaviour of every operation: the generated handler trait, one method per operation of
/// the spec, so an operation the spec adds is a compile error here until it is given one.
struct Service<'a> {
    shared: &'a Shared,
    /// Set when the answer is the spec's example (see [`crate::examples`]).
    answered_by_example: Cell<bool>,
}

/// Handler methods that hand the input to a function of [`plan_handlers`]:
/// `name: Input => Output, ErrorCode = function;`.
macro_rules! plan_operations {
    ($($method:ident: $input:ident => $output:ident, $code:ident = $handler:ident;)*) => {
        handled_by! { plan_handlers: $($method: $input => $output, $code = $handler;)* }
    };
}

/// Handler methods that hand the input to a function of `$module`:
/// `name: Input => Output, ErrorCode = function;`.
macro_rules! handled_by {
    ($module:ident: $($method:ident: $input:ident => $output:ident, $code:ident = $handler:ident;)*) => {
        $(
            fn $method(
                &self,
                input: dbs_api::$input,
                context: &RequestContext<'_>,
            ) -> Result<dbs_api::$output, dbs_api::server::BusinessError<dbs_api::$code>> {
                $module::$handler(input, context, self.shared)
            }
        )*
    };
}

impl DbsHandler for Service<'_> {
    fn create_restore_task(
        &self,
        input: CreateRestoreTaskInput,
        context: &RequestContext<'_>,
    ) -> Result<CreateRestoreTaskOutput, dbs_api::server::BusinessError<CreateRestoreTaskErrorCode>>
    {
        // Reached only through `dispatch`; `handle` parses this operation itself.
        let wire = input.to_wire_params();
        create_restore_task(input, wire, None, context, self.shared)
    }

    // The backup plans' lifecycle, kept in the plan store.
    plan_operations! {
        configure_backup_plan: ConfigureBackupPlanInput => ConfigureBackupPlanOutput, ConfigureBackupPlanErrorCode = configure;
        create_and_start_backup_plan: CreateAndStartBackupPlanInput => CreateAndStartBackupPlanOutput, CreateAndStartBackupPlanErrorCode = create_and_start;
        create_backup_plan: CreateBackupPlanInput => CreateBackupPlanOutput, CreateBackupPlanErrorCode = create;
        describe_backup_plan_list: DescribeBackupPlanListInput => DescribeBackupPlanListOutput, DescribeBackupPlanListErrorCode = describe_list;
        disable_backup_log: DisableBackupLogInput => DisableBackupLogOutput, DisableBackupLogErrorCode = disable_log;
        enable_backup_log: EnableBackupLogInput => EnableBackupLogOutput, EnableBackupLogErrorCode = enable_log;
        modify_backup_objects: ModifyBackupObjectsInput => ModifyBackupObjectsOutput, ModifyBackupObjectsErrorCode = modify_objects;
        modify_backup_plan_name: ModifyBackupPlanNameInput => ModifyBackupPlanNameOutput, ModifyBackupPlanNameErrorCode = rename;
        modify_backup_source_endpoint: ModifyBackupSourceEndpointInput => ModifyBackupSourceEndpointOutput, ModifyBackupSourceEndpointErrorCode = modify_source_endpoint;
        modify_backup_strategy: ModifyBackupStrategyInput => ModifyBackupStrategyOutput, ModifyBackupStrategyErrorCode = modify_strategy;
        modify_storage_strategy: ModifyStorageStrategyInput => ModifyStorageStrategyOutput, ModifyStorageStrategyErrorCode = modify_storage;
        release_backup_plan: ReleaseBackupPlanInput => ReleaseBackupPlanOutput, ReleaseBackupPlanErrorCode = release;
        renew_backup_plan: RenewBackupPlanInput => RenewBackupPlanOutput, RenewBackupPlanErrorCode = renew;
        start_backup_plan: StartBackupPlanInput => StartBackupPlanOutput, StartBackupPlanErrorCode = start;
        stop_backup_plan: StopBackupPlanInput => StopBackupPlanOutput, StopBackupPlanErrorCode = stop;
        upgrade_backup_plan: UpgradeBackupPlanInput => UpgradeBackupPlanOutput, UpgradeBackupPlanErrorCode = upgrade;
    }

    // Restoring: tasks' runs and the plans' backup history (see `crate::restore`).
    handled_by! { restore_handlers:
        describe_backup_gateway_list: DescribeBackupGatewayListInput => DescribeBackupGatewayListOutput, DescribeBackupGatewayListErrorCode = describe_backup_gateway_list;
        describe_full_backup_list: DescribeFullBackupListInput => DescribeFullBackupListOutput, DescribeFullBackupListErrorCode = describe_full_backup_list;
        describe_increment_backup_list: DescribeIncrementBackupListInput => DescribeIncrementBackupListOutput, DescribeIncrementBackupListErrorCode = describe_increment_backup_list;
        describe_job_error_code: DescribeJobErrorCodeInput => DescribeJobErrorCodeOutput, DescribeJobErrorCodeErrorCode = describe_job_error_code;
        describe_pre_check_progress_list: DescribePreCheckProgressListInput => DescribePreCheckProgressListOutput, DescribePreCheckProgressListErrorCode = describe_pre_check_progress_list;
        describe_restore_range_info: DescribeRestoreRangeInfoInput => DescribeRestoreRangeInfoOutput, DescribeRestoreRangeInfoErrorCode = describe_restore_range_info;
        describe_restore_task_list: DescribeRestoreTaskListInput => DescribeRestoreTaskListOutput, DescribeRestoreTaskListErrorCode = describe_restore_task_list;
        start_restore_task: StartRestoreTaskInput => StartRestoreTaskOutput, StartRestoreTaskErrorCode = start_restore_task;
    }

    // Operations without behaviour yet answer the spec's example (listed in the crate docs).
    crate::examples::example_answers! {
        create_full_backup_set_download: CreateFullBackupSetDownloadInput => CreateFullBackupSetDownloadOutput, CreateFullBackupSetDownloadErrorCode;
        create_get_db_list_from_agent_task: CreateGetDBListFromAgentTaskInput => CreateGetDBListFromAgentTaskOutput, CreateGetDBListFromAgentTaskErrorCode;
        create_increment_backup_set_download: CreateIncrementBackupSetDownloadInput => CreateIncrementBackupSetDownloadOutput, CreateIncrementBackupSetDownloadErrorCode;
        describe_backup_plan_billing: DescribeBackupPlanBillingInput => DescribeBackupPlanBillingOutput, DescribeBackupPlanBillingErrorCode;
        describe_backup_set_download_task_list: DescribeBackupSetDownloadTaskListInput => DescribeBackupSetDownloadTaskListOutput, DescribeBackupSetDownloadTaskListErrorCode;
        describe_dla_service: DescribeDLAServiceInput => DescribeDLAServiceOutput, DescribeDLAServiceErrorCode;
        describe_node_cidr_list: DescribeNodeCidrListInput => DescribeNodeCidrListOutput, DescribeNodeCidrListErrorCode;
        describe_regions: DescribeRegionsInput => DescribeRegionsOutput, DescribeRegionsErrorCode;
        get_db_list_from_agent: GetDBListFromAgentInput => GetDBListFromAgentOutput, GetDBListFromAgentErrorCode;
        initialize_dbs_service_linked_role: InitializeDbsServiceLinkedRoleInput => InitializeDbsServiceLinkedRoleOutput, InitializeDbsServiceLinkedRoleErrorCode;
        modify_backup_set_download_rules: ModifyBackupSetDownloadRulesInput => ModifyBackupSetDownloadRulesOutput, ModifyBackupSetDownloadRulesErrorCode;
    }
}

/// A business error of `CreateRestoreTask` with a common code.
type CreateError = dbs_api::server::BusinessError<CreateRestoreTaskErrorCode>;

fn common(code: CommonErrorCode, detail: impl std::fmt::Display) -> CreateError {
    CreateError::with_detail(code.into(), detail)
}

/// `wire` is `input.to_wire_params()`, and `fingerprint` the `ClientToken` cache's fingerprint of
/// it, which the caller has made already (made here when it is `None` and the task has a token).
fn create_restore_task(
    input: CreateRestoreTaskInput,
    wire: Vec<WireParam>,
    fingerprint: Option<&Fingerprint>,
    context: &RequestContext<'_>,
    shared: &Shared,
) -> Result<CreateRestoreTaskOutput, CreateError> {
    // The rules that need no context are checked; the plan tells the engine.
    let plan_id = input.backup_plan_id.as_deref().unwrap_or_default();
    let database_type = plan_engine(shared, plan_id)?;
    input
        .validate(&ValidationContext::new().with_source_database_type(database_type))
        .map_err(invalid_parameter)?;
    check_restorable(&input, plan_id, shared)?;

    // A blank token (`ClientToken=`) is no token: a new task each time.
    let client_token = input.client_token.clone().filter(|t| !t.trim().is_empty());
    // What a retry with the token is compared with; the state keeps it only for a task with one.
    let fingerprint = match (fingerprint, &client_token) {
        (Some(fingerprint), Some(_)) => fingerprint.clone(),
        (None, Some(_)) => {
            self::fingerprint(CreateRestoreTaskInput::IDEMPOTENCY_TOKEN, &wire, shared)
        }
        (_, None) => Fingerprint::new(),
    };
    // The parameters shown in the state: neither the token nor a sensitive value.
    let parameters = wire
        .into_iter()
        .filter(|p| !p.sensitive && Some(p.name) != CreateRestoreTaskInput::IDEMPOTENCY_TOKEN)
        .map(|p| (p.name.to_owned(), p.value))
        .collect();
    let task = RestoreTask {
        restore_task_id: String::new(),
        restore_task_name: input.restore_task_name.clone().unwrap_or_default(),
        backup_plan_id: plan_id.to_owned(),
        client_token,
        restore_status: "init".to_owned(),
        restore_task_create_time: now_ms(),
        parameters,
    };
    let created = shared
        .lock()
        .create_task(context.access_key_id, task, fingerprint);
    match created {
        Created::Task(id) => {
            let mut output = CreateRestoreTaskOutput::default();
            output.request_id = Some(context.request_id.to_owned());
            output.restore_task_id = Some(id);
            output.success = Some(true);
            output.http_status_code = Some(200);
            Ok(output)
        }
        Created::Full(limit) => Err(common(
            CommonErrorCode::QuotaExceeded,
            format!("The emulator creates no more restore tasks: {limit}."),
        )),
        Created::Mismatch(names) => Err(common(
            CommonErrorCode::IdempotentParameterMismatch,
            format!("Parameters that differ: {}.", names.join(", ")),
        )),
    }
}

/// `InvalidParameter` with every violation: parameter, rule, rule ID and reference. Values are
/// never quoted except where the generated parser quotes a malformed number, boolean or JSON,
/// and no sensitive parameter is of those kinds.
fn invalid_parameter(e: ValidationError) -> CreateError {
    // The validator's text already says which parameter and rule, and where to read more.
    CreateError::with_message(CommonErrorCode::InvalidParameter.into(), e.to_string())
}

/// Refuses a `RestoreTime` the plan cannot restore to (`InvalidParameter`: the value is not
/// valid for this plan, saying what is) and a `BackupSetId` that is not one of the plan's full
/// backup sets (`Param.NotFound`: the object it names does not exist in the plan), as the
/// service would before creating anything. Empty values count as absent.
fn check_restorable(
    input: &CreateRestoreTaskInput,
    plan_id: &str,
    shared: &Shared,
) -> Result<(), CreateError> {
    let time = input.restore_time;
    let set = input.backup_set_id.as_deref().filter(|s| !s.is_empty());
    if time.is_none() && set.is_none() {
        return Ok(());
    }
    let state = shared.lock();
    let history = state
        .plans
        .get(plan_id)
        .and_then(|plan| state.restores.history(plan, now_ms()));
    let Some(history) = history else {
        return Err(common(
            CommonErrorCode::InvalidParameter,
            format!(
                "BackupPlanId: backup plan {plan_id:?} has no backup yet (it has not run; \
                 StartBackupPlan starts it), so there is nothing to restore."
            ),
        ));
    };
    if let Some(set) = set
        && history.find_full(plan_id, set).is_none()
    {
        return Err(common(
            CommonErrorCode::ParamNotFound,
            format!(
                "BackupSetId: {set:?} is not a full backup set of backup plan {plan_id:?} \
                 (DescribeFullBackupList lists them)."
            ),
        ));
    }
    if let Some(time) = time
        && !history.restorable(time)
    {
        let span = history.span().map_or_else(String::new, |(from, to)| {
            format!(" between {from} and {to}")
        });
        return Err(common(
            CommonErrorCode::InvalidParameter,
            format!(
                "RestoreTime: {time} is outside the restorable range of backup plan \
                 {plan_id:?}: restorable times lie{span} (DescribeRestoreRangeInfo lists the \
                 ranges and points)."
            ),
        ));
    }
    Ok(())
}

/// The engine of the plan `id`, which decides the engine-dependent rules.
fn plan_engine(shared: &Shared, id: &str) -> Result<SourceDatabaseType, CreateError> {
    shared
        .lock()
        .plans
        .get(id)
        .map(|plan| SourceDatabaseType::from_wire(&plan.database_type))
        .ok_or_else(|| {
            common(
                CommonErrorCode::ParamNotFound,
                format!("BackupPlanId: backup plan {id:?} does not exist."),
            )
        })
}

/// Now, in milliseconds since the epoch (the unit of the API's timestamps).
pub(crate) fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}
