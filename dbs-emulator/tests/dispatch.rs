//! The generated server side (`dbs_api::server`, feature `server`): `dispatch` routes an action
//! to the handler trait's method with a parsed, context-free-checked input, writes its typed
//! output as JSON, and answers a typed business error with the spec table's code and status.

// Tests fail by panicking: `expect` on fixed inputs is the clearest way to say so.
#![allow(clippy::expect_used)]

mod common;

use std::cell::RefCell;

use dbs_api::server::{BusinessError, DbsHandler, RequestContext, dispatch};
use dbs_api::{
    CommonErrorCode, CreateRestoreTaskErrorCode, CreateRestoreTaskInput, CreateRestoreTaskOutput,
};
use serde_json::Value;

/// Answers with a fixed result and remembers the input it was given.
struct Scripted {
    answer: Result<&'static str, CreateRestoreTaskErrorCode>,
    seen: RefCell<Option<(CreateRestoreTaskInput, String)>>,
}

impl Scripted {
    fn new(answer: Result<&'static str, CreateRestoreTaskErrorCode>) -> Self {
        Self {
            answer,
            seen: RefCell::new(None),
        }
    }
}

impl DbsHandler for Scripted {
    fn create_restore_task(
        &self,
        input: CreateRestoreTaskInput,
        context: &RequestContext<'_>,
    ) -> Result<CreateRestoreTaskOutput, BusinessError<CreateRestoreTaskErrorCode>> {
        *self.seen.borrow_mut() = Some((input, context.request_id.to_owned()));
        match &self.answer {
            Ok(id) => {
                let mut output = CreateRestoreTaskOutput::default();
                output.restore_task_id = Some((*id).to_owned());
                Ok(output)
            }
            Err(code) => Err(BusinessError::with_detail(code.clone(), "Scripted.")),
        }
    }

    not_scripted! {
        configure_backup_plan: ConfigureBackupPlanInput => ConfigureBackupPlanOutput, ConfigureBackupPlanErrorCode;
        create_and_start_backup_plan: CreateAndStartBackupPlanInput => CreateAndStartBackupPlanOutput, CreateAndStartBackupPlanErrorCode;
        create_backup_plan: CreateBackupPlanInput => CreateBackupPlanOutput, CreateBackupPlanErrorCode;
        create_full_backup_set_download: CreateFullBackupSetDownloadInput => CreateFullBackupSetDownloadOutput, CreateFullBackupSetDownloadErrorCode;
        create_get_db_list_from_agent_task: CreateGetDBListFromAgentTaskInput => CreateGetDBListFromAgentTaskOutput, CreateGetDBListFromAgentTaskErrorCode;
        create_increment_backup_set_download: CreateIncrementBackupSetDownloadInput => CreateIncrementBackupSetDownloadOutput, CreateIncrementBackupSetDownloadErrorCode;
        describe_backup_gateway_list: DescribeBackupGatewayListInput => DescribeBackupGatewayListOutput, DescribeBackupGatewayListErrorCode;
        describe_backup_plan_billing: DescribeBackupPlanBillingInput => DescribeBackupPlanBillingOutput, DescribeBackupPlanBillingErrorCode;
        describe_backup_plan_list: DescribeBackupPlanListInput => DescribeBackupPlanListOutput, DescribeBackupPlanListErrorCode;
        describe_backup_set_download_task_list: DescribeBackupSetDownloadTaskListInput => DescribeBackupSetDownloadTaskListOutput, DescribeBackupSetDownloadTaskListErrorCode;
        describe_dla_service: DescribeDLAServiceInput => DescribeDLAServiceOutput, DescribeDLAServiceErrorCode;
        describe_full_backup_list: DescribeFullBackupListInput => DescribeFullBackupListOutput, DescribeFullBackupListErrorCode;
        describe_increment_backup_list: DescribeIncrementBackupListInput => DescribeIncrementBackupListOutput, DescribeIncrementBackupListErrorCode;
        describe_job_error_code: DescribeJobErrorCodeInput => DescribeJobErrorCodeOutput, DescribeJobErrorCodeErrorCode;
        describe_node_cidr_list: DescribeNodeCidrListInput => DescribeNodeCidrListOutput, DescribeNodeCidrListErrorCode;
        describe_pre_check_progress_list: DescribePreCheckProgressListInput => DescribePreCheckProgressListOutput, DescribePreCheckProgressListErrorCode;
        describe_regions: DescribeRegionsInput => DescribeRegionsOutput, DescribeRegionsErrorCode;
        describe_restore_range_info: DescribeRestoreRangeInfoInput => DescribeRestoreRangeInfoOutput, DescribeRestoreRangeInfoErrorCode;
        describe_restore_task_list: DescribeRestoreTaskListInput => DescribeRestoreTaskListOutput, DescribeRestoreTaskListErrorCode;
        disable_backup_log: DisableBackupLogInput => DisableBackupLogOutput, DisableBackupLogErrorCode;
        enable_backup_log: EnableBackupLogInput => EnableBackupLogOutput, EnableBackupLogErrorCode;
        get_db_list_from_agent: GetDBListFromAgentInput => GetDBListFromAgentOutput, GetDBListFromAgentErrorCode;
        initialize_dbs_service_linked_role: InitializeDbsServiceLinkedRoleInput => InitializeDbsServiceLinkedRoleOutput, InitializeDbsServiceLinkedRoleErrorCode;
        modify_backup_objects: ModifyBackupObjectsInput => ModifyBackupObjectsOutput, ModifyBackupObjectsErrorCode;
        modify_backup_plan_name: ModifyBackupPlanNameInput => ModifyBackupPlanNameOutput, ModifyBackupPlanNameErrorCode;
        modify_backup_set_download_rules: ModifyBackupSetDownloadRulesInput => ModifyBackupSetDownloadRulesOutput, ModifyBackupSetDownloadRulesErrorCode;
        modify_backup_source_endpoint: ModifyBackupSourceEndpointInput => ModifyBackupSourceEndpointOutput, ModifyBackupSourceEndpointErrorCode;
        modify_backup_strategy: ModifyBackupStrategyInput => ModifyBackupStrategyOutput, ModifyBackupStrategyErrorCode;
        modify_storage_strategy: ModifyStorageStrategyInput => ModifyStorageStrategyOutput, ModifyStorageStrategyErrorCode;
        release_backup_plan: ReleaseBackupPlanInput => ReleaseBackupPlanOutput, ReleaseBackupPlanErrorCode;
        renew_backup_plan: RenewBackupPlanInput => RenewBackupPlanOutput, RenewBackupPlanErrorCode;
        start_backup_plan: StartBackupPlanInput => StartBackupPlanOutput, StartBackupPlanErrorCode;
        start_restore_task: StartRestoreTaskInput => StartRestoreTaskOutput, StartRestoreTaskErrorCode;
        stop_backup_plan: StopBackupPlanInput => StopBackupPlanOutput, StopBackupPlanErrorCode;
        upgrade_backup_plan: UpgradeBackupPlanInput => UpgradeBackupPlanOutput, UpgradeBackupPlanErrorCode;
    }
}

/// Methods these tests never reach: a business error, should one be called.
macro_rules! not_scripted {
    ($($method:ident: $input:ident => $output:ident, $code:ident;)*) => {
        $(
            fn $method(
                &self,
                _input: dbs_api::$input,
                _context: &RequestContext<'_>,
            ) -> Result<dbs_api::$output, BusinessError<dbs_api::$code>> {
                Err(BusinessError::with_detail(
                    CommonErrorCode::InternalError.into(),
                    "Not scripted.",
                ))
            }
        )*
    };
}
use not_scripted;

fn context() -> RequestContext<'static> {
    RequestContext::new("REQ-1", "testid")
}

#[test]
fn an_action_reaches_its_method_with_the_parsed_input() {
    let handler = Scripted::new(Ok("r-1"));
    let body = dispatch(
        &handler,
        "CreateRestoreTask",
        &common::rds_params(),
        &context(),
    )
    .expect("a spec operation")
    .expect("the handler's output");
    let json: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(json["RestoreTaskId"], "r-1");
    let (input, request_id) = handler.seen.take().expect("the handler was called");
    assert_eq!(request_id, "REQ-1");
    assert_eq!(input.backup_plan_id.as_deref(), Some("dbsdemomysql01"));
    assert_eq!(input.restore_objects.map(|o| o.len()), Some(1));
}

#[test]
fn an_unknown_action_is_not_dispatched() {
    let handler = Scripted::new(Ok("r-1"));
    assert!(
        dispatch(
            &handler,
            "DescribeNoSuchThing",
            &common::rds_params(),
            &context()
        )
        .is_none()
    );
    assert!(handler.seen.take().is_none());
}

#[test]
fn an_input_breaking_a_rule_is_invalid_parameter_before_the_handler_runs() {
    let handler = Scripted::new(Ok("r-1"));
    let mut params = common::rds_params();
    common::remove(&mut params, "BackupPlanId");
    common::set(&mut params, "DestinationEndpointPort", "port");
    let error = dispatch(&handler, "CreateRestoreTask", &params, &context())
        .expect("a spec operation")
        .expect_err("refused");
    assert_eq!(error.code, CommonErrorCode::InvalidParameter.code());
    assert_eq!(
        error.http_status,
        CommonErrorCode::InvalidParameter.http_status()
    );
    // Parse errors and rule violations together.
    assert!(error.message.contains("BackupPlanId"), "{}", error.message);
    assert!(
        error.message.contains("DestinationEndpointPort"),
        "{}",
        error.message
    );
    assert!(handler.seen.take().is_none(), "the handler was not called");
}

#[test]
fn a_typed_business_error_takes_the_tables_code_status_and_message() {
    for (code, wire, status, message) in [
        // From CreateRestoreTask.json and service.json.
        (
            CreateRestoreTaskErrorCode::RequestForbidden,
            "Request.Forbidden",
            403,
            "Have no Permissions",
        ),
        (
            CreateRestoreTaskErrorCode::Common(CommonErrorCode::ParamNotFound),
            "Param.NotFound",
            400,
            "The specified parameter value is not valid.",
        ),
        (
            CreateRestoreTaskErrorCode::Unknown("Emulator.Only".to_owned()),
            "Emulator.Only",
            400,
            "",
        ),
    ] {
        let handler = Scripted::new(Err(code));
        let error = dispatch(
            &handler,
            "CreateRestoreTask",
            &common::rds_params(),
            &context(),
        )
        .expect("a spec operation")
        .expect_err("the handler's error");
        assert_eq!((error.code.as_str(), error.http_status), (wire, status));
        let expected = if message.is_empty() {
            "Scripted.".to_owned()
        } else {
            format!("{message} Scripted.")
        };
        assert_eq!(error.message, expected);
    }
}
