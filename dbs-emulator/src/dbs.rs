//! The DBS service behind the gateway: each operation's behaviour, on the generated code.

use std::collections::BTreeMap;

use dbs_api::{
    CommonErrorCode, CreateRestoreTaskInput, CreateRestoreTaskOutput, OperationMeta,
    ValidationContext, ValidationError,
};

use crate::reply::{BusinessError, GatewayError, Reply};
use crate::seed::BackupPlan;
use crate::server::Shared;
use crate::state::{Created, RestoreTask};

/// Who is calling and which request this is.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) request_id: &'a str,
    pub(crate) access_key_id: &'a str,
}

/// Runs `operation` on the request's parameters (query and body, in that order; the gateway has
/// refused any name given twice; common parameters are ignored).
pub(crate) fn handle(
    operation: &'static OperationMeta,
    params: &[(String, String)],
    call: &Call<'_>,
    shared: &Shared,
) -> Reply {
    let result = match operation.name {
        "CreateRestoreTask" => create_restore_task(operation, params, call, shared),
        // An operation added to the spec is routed and authenticated, but its behaviour is
        // hand-written here.
        other => {
            return GatewayError::with_detail(
                CommonErrorCode::InternalError,
                format!("The emulator does not implement {other} yet."),
            )
            .into();
        }
    };
    match result {
        Ok(body) => Reply::Success(body),
        Err(e) => e.into(),
    }
}

fn create_restore_task(
    operation: &'static OperationMeta,
    params: &[(String, String)],
    call: &Call<'_>,
    shared: &Shared,
) -> Result<String, BusinessError> {
    let (input, parsed) = CreateRestoreTaskInput::from_wire_params_partial(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    // Parse errors and the rules that need no context first (values the spec does not know
    // included), so a request without BackupPlanId is told so.
    ValidationError::combine(parsed, input.validate(&ValidationContext::new()))
        .map_err(invalid_parameter)?;
    let plan_id = input.backup_plan_id.as_deref().unwrap_or_default();
    let plan = find_plan(&shared.plans, plan_id)?;
    input
        .validate(&ValidationContext::new().with_source_database_type(plan.database_type.clone()))
        .map_err(invalid_parameter)?;

    let mut parameters = BTreeMap::new();
    let mut fingerprint = BTreeMap::new();
    for param in input.to_wire_params() {
        if Some(param.name) == operation.idempotency_token {
            continue;
        }
        if param.sensitive {
            fingerprint.insert(
                param.name.to_owned(),
                shared.fingerprint_secret(&param.value),
            );
        } else {
            parameters.insert(param.name.to_owned(), param.value.clone());
            fingerprint.insert(param.name.to_owned(), param.value);
        }
    }
    let task = RestoreTask {
        restore_task_id: String::new(),
        restore_task_name: input.restore_task_name.clone().unwrap_or_default(),
        backup_plan_id: plan.backup_plan_id.clone(),
        // `ClientToken=` is no token: a new task each time.
        client_token: input.client_token.clone().filter(|t| !t.is_empty()),
        restore_status: "init".to_owned(),
        restore_task_create_time: now_ms(),
        parameters,
    };
    let created = shared
        .lock()
        .create_task(call.access_key_id, task, fingerprint);
    match created {
        Created::Task(id) => {
            let mut output = CreateRestoreTaskOutput::default();
            output.request_id = Some(call.request_id.to_owned());
            output.restore_task_id = Some(id);
            output.success = Some(true);
            output.http_status_code = Some(200);
            serde_json::to_string(&output).map_err(|e| {
                BusinessError::with_detail(
                    CommonErrorCode::InternalError,
                    format!("The emulator could not write its answer: {e}"),
                )
            })
        }
        Created::Full(limit) => Err(BusinessError::with_detail(
            CommonErrorCode::QuotaExceeded,
            format!("The emulator creates no more restore tasks: {limit}."),
        )),
        Created::Mismatch(names) => Err(BusinessError::with_detail(
            CommonErrorCode::IdempotentParameterMismatch,
            format!("Parameters that differ: {}.", names.join(", ")),
        )),
    }
}

/// `InvalidParameter` with every violation: parameter, rule, rule ID and reference. Values are
/// never quoted except where the generated parser quotes a malformed number, boolean or JSON,
/// and no sensitive parameter is of those kinds.
fn invalid_parameter(e: ValidationError) -> BusinessError {
    // The validator's text already says which parameter and rule, and where to read more.
    BusinessError::with_message(CommonErrorCode::InvalidParameter, e.to_string())
}

fn find_plan<'p>(plans: &'p [BackupPlan], id: &str) -> Result<&'p BackupPlan, BusinessError> {
    plans
        .iter()
        .find(|plan| plan.backup_plan_id == id)
        .ok_or_else(|| {
            BusinessError::with_detail(
                CommonErrorCode::ParamNotFound,
                format!("BackupPlanId: backup plan {id:?} does not exist."),
            )
        })
}

fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}
