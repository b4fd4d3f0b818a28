//! The backup plans the emulator keeps, and their lifecycle: a store in plain Rust that the
//! handlers of the plan operations call, independent of the generated request and response types.
//!
//! # Sources and choices
//!
//! Facts come from the official metadata (`Dbs-2019-03-06-api-docs.json`), its English twin
//! (`dbs-20190306-main.dara`) and the API notes (`dbs-2019-03-06.md` §4.4). Where they are
//! silent the behaviour is the emulator's choice, and says so.
//!
//! `BackupPlanStatus` ([`PlanStatus`]) takes the values the `.dara` lists for
//! `DescribeBackupPlanList`: `wait` (not configured), `init` (not started), `running`, `stop`
//! (failed), `pause` (paused), `locked`, `check_pass` (pre-check passed). The transitions:
//!
//! | Operation | From | To | Source |
//! | --- | --- | --- | --- |
//! | `CreateBackupPlan` | (new) | `wait` | `.dara`: a bought plan is configured later (`wait` = not configured) |
//! | `ConfigureBackupPlan` | any but `running`, `locked` | `init`; `running` with `AutoStartBackup=true` | `.dara` (`init` = not started; `AutoStartBackup`); refusing a running plan is our choice |
//! | `CreateAndStartBackupPlan` | (new), or a `wait` plan named by `BackupPlanId` | `running` | metadata: "creates, configures and starts a backup plan"; reusing a `wait` plan is our reading of its optional `BackupPlanId` |
//! | `StartBackupPlan` | `init`, `check_pass`, `pause`, `stop` | `running` | metadata; refusing `wait` (nothing to back up) and `running` is our choice |
//! | `StopBackupPlan` | `running`, `check_pass` | `pause` | metadata summary: StopBackupPlan "pauses" a plan, and `stop` means *failed*; `StopMethod` (`ALL`, `PLAN`) is kept, both pause the plan |
//! | `ReleaseBackupPlan` | any, pay-as-you-go (`postpay`) only | gone | metadata: "releases a pay-as-you-go backup plan"; the status list has no released value, so a released plan leaves `DescribeBackupPlanList` and later calls on it are `Param.NotFound` |
//! | `RenewBackupPlan` | any, subscription (`prepay`) only | unchanged | `.dara`; `BuyExpiredTimestamp` (the name `DescribeBackupPlanBilling` uses) moves on by `UsedTime` × `Period` from the later of now and the old expiry |
//! | `UpgradeBackupPlan` | any but `locked` | unchanged | `.dara`; a class that is not higher (`micro` < `small` < `medium` < `large` < `xlarge`) is refused: our choice, from the operation's name |
//! | `ModifyBackupPlanName` | any | unchanged | `.dara` |
//! | `ModifyBackupObjects`, `ModifyBackupStrategy`, `ModifyStorageStrategy`, `ModifyBackupSourceEndpoint`, `EnableBackupLog`, `DisableBackupLog` | any but `wait`, `locked` | unchanged | `.dara`; refusing an unconfigured (`wait`) or `locked` plan is our choice |
//!
//! A `locked` plan (one a seed gives) refuses everything but renaming, renewing and releasing:
//! our choice, as DBS locks a plan whose subscription lapsed.
//!
//! # Errors
//!
//! Each refusal is a [`PlanError`] whose [`code`](PlanError::code) is one of the spec's common
//! errors:
//!
//! - an unknown `BackupPlanId`: `Param.NotFound` (every plan operation's metadata shows
//!   `ErrCode` `Param.NotFound`, with `ErrMessage` `findValidDBSJob error` for Release, Enable/
//!   DisableBackupLog and ModifyStorageStrategy);
//! - a plan in the wrong state or of the wrong billing method: `InvalidParameter` with
//!   "This backupPlan can't support this action" (the metadata's `ErrCode`/`ErrMessage` example
//!   of DescribeBackupPlanBilling, DescribeRegions, GetDBListFromAgent, with HTTP status 400),
//!   followed by what the plan is and what the operation needs;
//! - a value out of the documented range, or values that contradict each other:
//!   `InvalidParameter`, naming the parameter;
//! - the store is full ([`DEFAULT_MAX_BACKUP_PLANS`]): `QuotaExceeded`.
//!
//! # Bounds
//!
//! Lookup by ID is a hash lookup; plans are listed oldest first. The store holds at most its
//! `max_plans` (seeded plans always load; creating refuses once the store holds `max_plans`). A
//! released plan frees its place. A `DescribeBackupPlanList` page holds at most `PageSize`
//! (1 to 100, default 30) plans; `PageNum` counts from **0** (the metadata: "greater than or
//! equal to 0 … the default value is 0", and a default names the first page).

use std::collections::{BTreeMap, HashMap};

use dbs_api::CommonErrorCode;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::seed::BackupPlan;

/// The most plans a store created with [`PlanStore::new`] holds by default.
pub const DEFAULT_MAX_BACKUP_PLANS: usize = 10_000;
/// `PageSize` of `DescribeBackupPlanList` when not given (metadata: default 30).
pub const DEFAULT_PLAN_PAGE_SIZE: i32 = 30;
/// The largest `PageSize` of `DescribeBackupPlanList` (metadata: 1 to 100).
pub const MAX_PLAN_PAGE_SIZE: i32 = 100;

/// The message of a refusal for the plan's state, as the service words it (metadata examples).
const CANNOT: &str = "This backupPlan can't support this action";

/// Milliseconds in a day.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// `BackupPlanStatus`: where a plan is in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlanStatus {
    /// `wait`: bought, not configured.
    Wait,
    /// `init`: configured, not started (or its pre-check failed).
    Init,
    /// `running`: backing up.
    Running,
    /// `stop`: failed.
    Stop,
    /// `pause`: paused by `StopBackupPlan`.
    Pause,
    /// `locked`: locked (for example, its subscription lapsed).
    Locked,
    /// `check_pass`: its pre-check passed.
    CheckPass,
}

impl PlanStatus {
    /// Every status with its wire value, in the `.dara`'s order.
    pub const ALL: [(PlanStatus, &'static str); 7] = [
        (PlanStatus::Wait, "wait"),
        (PlanStatus::Init, "init"),
        (PlanStatus::Running, "running"),
        (PlanStatus::Stop, "stop"),
        (PlanStatus::Pause, "pause"),
        (PlanStatus::Locked, "locked"),
        (PlanStatus::CheckPass, "check_pass"),
    ];

    /// The wire value (`wait`, `init`, …).
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(status, _)| *status == self)
            .map_or("", |(_, wire)| wire)
    }

    /// Reads a wire value in any ASCII case; `None` for a value the docs do not list.
    pub fn from_wire(value: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, wire)| wire.eq_ignore_ascii_case(value))
            .map(|(status, _)| *status)
    }
}

impl Serialize for PlanStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PlanStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_wire(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown BackupPlanStatus {text:?}; expected one of {}",
                Self::ALL.map(|(_, wire)| wire).join(", ")
            ))
        })
    }
}

fn running() -> PlanStatus {
    PlanStatus::Running
}

/// One backup plan: every field of `DescribeBackupPlanList`'s `Items.BackupPlanDetail`, then
/// what the emulator keeps besides (billing, strategy), then any other field a seed gave.
///
/// Absent optional fields are left out of its JSON. No password is kept
/// (`SourceEndpointPassword` is never stored).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PlanRecord {
    // --- Items.BackupPlanDetail, in the metadata's field names ---
    /// `BackupGatewayId`: the backup gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_gateway_id: Option<i64>,
    /// `BackupMethod`: `logical`, `physical` or `duplication`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_method: Option<String>,
    /// `BackupObjects`: the objects backed up, a JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_objects: Option<String>,
    /// `BackupPeriod`: the days of the full backup, comma-separated (`Monday` … `Sunday`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_period: Option<String>,
    /// `BackupPlanCreateTime`: milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_plan_create_time: Option<i64>,
    /// `BackupPlanId`.
    pub backup_plan_id: String,
    /// `BackupPlanName`: the ID until one is given (the metadata's examples name plans by ID).
    #[serde(default)]
    pub backup_plan_name: String,
    /// `BackupPlanStatus`; `running` when a seed does not say.
    #[serde(default = "running")]
    pub backup_plan_status: PlanStatus,
    /// `BackupRetentionPeriod`: days, 0 to 1825.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_period: Option<i32>,
    /// `BackupSetDownloadDir`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_set_download_dir: Option<String>,
    /// `BackupSetDownloadFullDataFormat`: `Native`, `SQL`, `CSV`, `JSON`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_set_download_full_data_format: Option<String>,
    /// `BackupSetDownloadGatewayId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_set_download_gateway_id: Option<i64>,
    /// `BackupSetDownloadIncrementDataFormat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_set_download_increment_data_format: Option<String>,
    /// `BackupSetDownloadTargetType`: `agent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_set_download_target_type: Option<String>,
    /// `BackupStartTime`: `HH:mm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_start_time: Option<String>,
    /// `BackupStorageType`: empty for the user's OSS, `system` for DBS's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_storage_type: Option<String>,
    /// `BeginTimestampForRestore`: milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin_timestamp_for_restore: Option<i64>,
    /// `CrossAliyunId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_aliyun_id: Option<String>,
    /// `CrossRoleName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_role_name: Option<String>,
    /// `DatabaseType`: the source engine in the spec's spelling (`MySQL`, …).
    pub database_type: String,
    /// `DuplicationArchivePeriod`: days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplication_archive_period: Option<i32>,
    /// `DuplicationInfrequentAccessPeriod`: days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplication_infrequent_access_period: Option<i32>,
    /// `EnableBackupLog`: incremental log backup on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_backup_log: Option<bool>,
    /// `EndTimestampForRestore`: milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_timestamp_for_restore: Option<i64>,
    /// `ErrMessage`: the pre-check's error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err_message: Option<String>,
    /// `InstanceClass`: `micro`, `small`, `medium`, `large`, `xlarge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_class: Option<String>,
    /// `OSSBucketName`.
    #[serde(
        rename = "OSSBucketName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub oss_bucket_name: Option<String>,
    /// `OSSBucketRegion`.
    #[serde(
        rename = "OSSBucketRegion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub oss_bucket_region: Option<String>,
    /// `OpenBackupSetAutoDownload`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_backup_set_auto_download: Option<bool>,
    /// `ResourceGroupId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group_id: Option<String>,
    /// `SourceEndpointDatabaseName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_endpoint_database_name: Option<String>,
    /// `SourceEndpointInstanceID`.
    #[serde(
        rename = "SourceEndpointInstanceID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub source_endpoint_instance_id: Option<String>,
    /// `SourceEndpointInstanceType`, lower case as the service answers it (`rds`, `ecs`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_endpoint_instance_type: Option<String>,
    /// `SourceEndpointIpPort`: `host:port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_endpoint_ip_port: Option<String>,
    /// `SourceEndpointOracleSID`.
    #[serde(
        rename = "SourceEndpointOracleSID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub source_endpoint_oracle_sid: Option<String>,
    /// `SourceEndpointRegion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_endpoint_region: Option<String>,
    /// `SourceEndpointUserName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_endpoint_user_name: Option<String>,

    // --- Not in BackupPlanDetail: what the other operations set ---
    /// `Region`: the DBS region the plan was bought in (`DescribeBackupPlanList` filters by it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `PayType`: `prepay` (subscription, the default) or `postpay` (pay-as-you-go).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_type: Option<String>,
    /// `Period`: `Year` or `Month`, the unit of `UsedTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// `UsedTime`: the subscription length in `Period`s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_time: Option<i32>,
    /// `BuyExpiredTimestamp`: when a subscription ends, milliseconds since the epoch (the name
    /// `DescribeBackupPlanBilling` uses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buy_expired_timestamp: Option<i64>,
    /// `StopMethod` of the last `StopBackupPlan`: `ALL` or `PLAN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_method: Option<String>,
    /// `BackupStrategyType`: `simple` (scheduled) or `manual`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_strategy_type: Option<String>,
    /// `BackupLogIntervalSeconds`: seconds between incremental log backups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_log_interval_seconds: Option<i32>,
    /// `BackupSpeedLimit`: KB/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_speed_limit: Option<i64>,
    /// `BackupRateLimit`: KB/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_rate_limit: Option<i64>,
    /// `DatabaseRegion` given at purchase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_region: Option<String>,
    /// `StorageRegion` given at purchase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_region: Option<String>,
    /// `InstanceType` given at purchase (`RDS`, `PolarDB`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    /// Any other field a seed gave, kept as given.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl PlanRecord {
    /// A record of a plan a seed gives: its fields as written there (any `BackupPlanDetail`
    /// field, typed), `BackupPlanStatus` `running` and `BackupPlanName` the ID when not given.
    ///
    /// # Errors
    ///
    /// A message naming the field of the wrong type or an unknown status.
    pub fn from_seed(plan: &BackupPlan) -> Result<Self, String> {
        let value = serde_json::to_value(plan).map_err(|e| e.to_string())?;
        let mut record: PlanRecord = serde_json::from_value(value).map_err(|e| e.to_string())?;
        if record.backup_plan_name.is_empty() {
            record.backup_plan_name = record.backup_plan_id.clone();
        }
        Ok(record)
    }

    fn new(id: String, database_type: String) -> Self {
        Self {
            backup_gateway_id: None,
            backup_method: None,
            backup_objects: None,
            backup_period: None,
            backup_plan_create_time: None,
            backup_plan_name: id.clone(),
            backup_plan_id: id,
            backup_plan_status: PlanStatus::Wait,
            backup_retention_period: None,
            backup_set_download_dir: None,
            backup_set_download_full_data_format: None,
            backup_set_download_gateway_id: None,
            backup_set_download_increment_data_format: None,
            backup_set_download_target_type: None,
            backup_start_time: None,
            backup_storage_type: None,
            begin_timestamp_for_restore: None,
            cross_aliyun_id: None,
            cross_role_name: None,
            database_type,
            duplication_archive_period: None,
            duplication_infrequent_access_period: None,
            enable_backup_log: None,
            end_timestamp_for_restore: None,
            err_message: None,
            instance_class: None,
            oss_bucket_name: None,
            oss_bucket_region: None,
            open_backup_set_auto_download: None,
            resource_group_id: None,
            source_endpoint_database_name: None,
            source_endpoint_instance_id: None,
            source_endpoint_instance_type: None,
            source_endpoint_ip_port: None,
            source_endpoint_oracle_sid: None,
            source_endpoint_region: None,
            source_endpoint_user_name: None,
            region: None,
            pay_type: None,
            period: None,
            used_time: None,
            buy_expired_timestamp: None,
            stop_method: None,
            backup_strategy_type: None,
            backup_log_interval_seconds: None,
            backup_speed_limit: None,
            backup_rate_limit: None,
            database_region: None,
            storage_region: None,
            instance_type: None,
            extra: serde_json::Map::new(),
        }
    }
}

/// What `CreateBackupPlan` (and `CreateAndStartBackupPlan`) buys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanOrder {
    /// `DatabaseType` (required).
    pub database_type: String,
    /// `InstanceClass` (required): `micro` … `xlarge`.
    pub instance_class: String,
    /// `BackupMethod` (required): `logical`, `physical`, `duplication`.
    pub backup_method: String,
    /// `Region`.
    pub region: Option<String>,
    /// `PayType`: `prepay` (default) or `postpay`.
    pub pay_type: Option<String>,
    /// `Period`: `Year` or `Month`.
    pub period: Option<String>,
    /// `UsedTime`.
    pub used_time: Option<i32>,
    /// `ResourceGroupId`.
    pub resource_group_id: Option<String>,
    /// `DatabaseRegion`.
    pub database_region: Option<String>,
    /// `StorageRegion`.
    pub storage_region: Option<String>,
    /// `InstanceType`.
    pub instance_type: Option<String>,
}

/// The source database (`ConfigureBackupPlan`, `ModifyBackupSourceEndpoint`). The password
/// is not part of it: the store never keeps one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceEndpoint {
    /// `SourceEndpointInstanceType` (required): `RDS`, `ECS`, `Express`, `Agent`, `DDS`, `Other`.
    pub instance_type: String,
    /// `SourceEndpointRegion`.
    pub region: Option<String>,
    /// `SourceEndpointInstanceID`.
    pub instance_id: Option<String>,
    /// `SourceEndpointIP`.
    pub ip: Option<String>,
    /// `SourceEndpointPort`.
    pub port: Option<i32>,
    /// `SourceEndpointDatabaseName`.
    pub database_name: Option<String>,
    /// `SourceEndpointUserName`.
    pub user_name: Option<String>,
    /// `SourceEndpointOracleSID`.
    pub oracle_sid: Option<String>,
    /// `BackupGatewayId`.
    pub backup_gateway_id: Option<i64>,
    /// `CrossAliyunId`.
    pub cross_aliyun_id: Option<String>,
    /// `CrossRoleName`.
    pub cross_role_name: Option<String>,
}

/// The schedule (`ModifyBackupStrategy`, and part of `ConfigureBackupPlan`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Strategy {
    /// `BackupPeriod`: days, comma-separated (`Monday,Tuesday`).
    pub backup_period: Option<String>,
    /// `BackupStartTime`: `HH:mm`.
    pub backup_start_time: Option<String>,
    /// `BackupStrategyType`: `simple` or `manual`.
    pub backup_strategy_type: Option<String>,
    /// `BackupLogIntervalSeconds`.
    pub backup_log_interval_seconds: Option<i32>,
}

/// Retention (`ModifyStorageStrategy`, and part of `ConfigureBackupPlan`), in days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Storage {
    /// `BackupRetentionPeriod`: 0 to 1825.
    pub backup_retention_period: Option<i32>,
    /// `DuplicationInfrequentAccessPeriod`: below the archive period.
    pub duplication_infrequent_access_period: Option<i32>,
    /// `DuplicationArchivePeriod`: below the retention period.
    pub duplication_archive_period: Option<i32>,
}

/// Everything `ConfigureBackupPlan` (and `CreateAndStartBackupPlan`) sets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanConfig {
    /// `BackupPlanName` (required).
    pub backup_plan_name: String,
    /// The source database.
    pub source: SourceEndpoint,
    /// `OSSBucketName`.
    pub oss_bucket_name: Option<String>,
    /// `BackupObjects`: a JSON text.
    pub backup_objects: Option<String>,
    /// The schedule.
    pub strategy: Strategy,
    /// The retention.
    pub storage: Storage,
    /// `EnableBackupLog`.
    pub enable_backup_log: Option<bool>,
    /// `BackupStorageType`.
    pub backup_storage_type: Option<String>,
    /// `BackupSpeedLimit`.
    pub backup_speed_limit: Option<i64>,
    /// `BackupRateLimit`.
    pub backup_rate_limit: Option<i64>,
}

/// `StopMethod` of `StopBackupPlan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopMethod {
    /// `ALL`: the schedule and its full, log and restore tasks.
    All,
    /// `PLAN`: the schedule only.
    Plan,
}

impl StopMethod {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            StopMethod::All => "ALL",
            StopMethod::Plan => "PLAN",
        }
    }
}

/// The filters of `DescribeBackupPlanList`; each absent one matches every plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanFilter {
    /// `BackupPlanId`: one or more IDs, comma-separated.
    pub backup_plan_id: Option<String>,
    /// `BackupPlanName`: the exact name (our choice: the docs do not say it matches a part).
    pub backup_plan_name: Option<String>,
    /// `BackupPlanStatus`: a status, in any ASCII case.
    pub backup_plan_status: Option<String>,
    /// `Region`: the DBS region the plan was bought in.
    pub region: Option<String>,
    /// `ResourceGroupId`.
    pub resource_group_id: Option<String>,
}

/// One page of `DescribeBackupPlanList`.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanPage {
    /// `Items.BackupPlanDetail`: at most `PageSize` plans, oldest first.
    pub items: Vec<PlanRecord>,
    /// `PageNum`: the page shown, counted from 0.
    pub page_num: i32,
    /// `PageSize`.
    pub page_size: i32,
    /// `TotalElements`: the plans that match, on every page.
    pub total_elements: i32,
    /// `TotalPages`: pages of `PageSize` holding them.
    pub total_pages: i32,
}

/// Why the store refused: a business error of the spec's common table.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// No plan has this ID (or it was released).
    #[error("BackupPlanId: backup plan {0:?} does not exist (findValidDBSJob error).")]
    NotFound(String),
    /// The plan's state or billing method does not allow the operation.
    #[error("{CANNOT}: {action} needs {needs}; backup plan {id:?} is {is}.")]
    WrongState {
        /// The plan.
        id: String,
        /// The operation.
        action: &'static str,
        /// What it needs.
        needs: &'static str,
        /// What the plan is.
        is: String,
    },
    /// A value is out of range, or values contradict each other.
    #[error("{name}: {reason}")]
    Invalid {
        /// The parameter.
        name: &'static str,
        /// What is wrong (never a secret value).
        reason: String,
    },
    /// The store holds its limit of plans.
    #[error(
        "The emulator holds {0} backup plans, its limit; release one (ReleaseBackupPlan) to \
         create another."
    )]
    QuotaExceeded(usize),
}

impl PlanError {
    /// The spec's common error code this refusal is answered with.
    pub fn code(&self) -> CommonErrorCode {
        match self {
            PlanError::NotFound(_) => CommonErrorCode::ParamNotFound,
            PlanError::WrongState { .. } | PlanError::Invalid { .. } => {
                CommonErrorCode::InvalidParameter
            }
            PlanError::QuotaExceeded(_) => CommonErrorCode::QuotaExceeded,
        }
    }
}

fn invalid(name: &'static str, reason: impl Into<String>) -> PlanError {
    PlanError::Invalid {
        name,
        reason: reason.into(),
    }
}

/// `InstanceClass` values, lowest first (the `.dara`'s order; "higher specifications offer
/// higher backup and restoration performance").
const INSTANCE_CLASSES: [&str; 5] = ["micro", "small", "medium", "large", "xlarge"];

fn class_rank(class: &str) -> Result<usize, PlanError> {
    INSTANCE_CLASSES
        .iter()
        .position(|c| c.eq_ignore_ascii_case(class))
        .ok_or_else(|| {
            invalid(
                "InstanceClass",
                format!(
                    "unknown value {class:?}; expected one of {}",
                    INSTANCE_CLASSES.join(", ")
                ),
            )
        })
}

/// The subscription length in milliseconds: a year is 365 days and a month 30 (our choice: the
/// emulator bills nothing, it only needs an expiry that moves). `.dara` ranges: `UsedTime` 1-9
/// years or 1-11 months for renewals, 1-5 years or 1-11 months for purchases.
fn subscription_ms(period: &str, used_time: i32, max_years: i32) -> Result<i64, PlanError> {
    let (days, max) = if period.eq_ignore_ascii_case("Year") {
        (365, max_years)
    } else if period.eq_ignore_ascii_case("Month") {
        (30, 11)
    } else {
        return Err(invalid(
            "Period",
            format!("unknown value {period:?}; expected Year or Month"),
        ));
    };
    if !(1..=max).contains(&used_time) {
        return Err(invalid(
            "UsedTime",
            format!("must be between 1 and {max} when Period is {period}, got {used_time}"),
        ));
    }
    Ok(i64::from(used_time) * days * DAY_MS)
}

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn check_strategy(strategy: &Strategy) -> Result<(), PlanError> {
    if let Some(period) = &strategy.backup_period {
        for day in period.split(',') {
            if !DAYS.iter().any(|d| d.eq_ignore_ascii_case(day.trim())) {
                return Err(invalid(
                    "BackupPeriod",
                    format!(
                        "{day:?} is not a day; expected days from {}, comma-separated",
                        DAYS.join(", ")
                    ),
                ));
            }
        }
    }
    if let Some(time) = &strategy.backup_start_time {
        let ok = time.len() == 5
            && time.as_bytes().get(2) == Some(&b':')
            && time
                .get(..2)
                .and_then(|h| h.parse::<u8>().ok())
                .is_some_and(|h| h < 24)
            && time
                .get(3..)
                .and_then(|m| m.parse::<u8>().ok())
                .is_some_and(|m| m < 60);
        if !ok {
            return Err(invalid(
                "BackupStartTime",
                format!("must be HH:mm, got {time:?}"),
            ));
        }
    }
    Ok(())
}

/// `.dara` (ModifyStorageStrategy): retention 0-1825 days; the infrequent-access period must be
/// smaller than the archive period, which must be smaller than the retention period.
fn check_storage(storage: &Storage) -> Result<(), PlanError> {
    let Storage {
        backup_retention_period: retention,
        duplication_infrequent_access_period: ia,
        duplication_archive_period: archive,
    } = *storage;
    if let Some(days) = retention
        && !(0..=1825).contains(&days)
    {
        return Err(invalid(
            "BackupRetentionPeriod",
            format!("must be between 0 and 1825 days, got {days}"),
        ));
    }
    if let (Some(ia), Some(archive)) = (ia, archive)
        && ia >= archive
    {
        return Err(invalid(
            "DuplicationInfrequentAccessPeriod",
            format!("must be smaller than DuplicationArchivePeriod ({archive}), got {ia}"),
        ));
    }
    if let (Some(archive), Some(retention)) = (archive, retention)
        && archive >= retention
    {
        return Err(invalid(
            "DuplicationArchivePeriod",
            format!("must be smaller than BackupRetentionPeriod ({retention}), got {archive}"),
        ));
    }
    Ok(())
}

fn check_config(config: &PlanConfig) -> Result<(), PlanError> {
    if config.backup_plan_name.trim().is_empty() {
        return Err(invalid("BackupPlanName", "must not be empty"));
    }
    check_strategy(&config.strategy)?;
    check_storage(&config.storage)
}

/// A plan and its place in the creation order.
#[derive(Debug)]
struct Stored {
    seq: u64,
    plan: PlanRecord,
}

/// The backup plans: lookup by ID in a hash map, listing in creation order.
#[derive(Debug)]
pub struct PlanStore {
    plans: HashMap<String, Stored>,
    /// Creation order → ID.
    order: BTreeMap<u64, String>,
    next_seq: u64,
    max_plans: usize,
}

impl PlanStore {
    /// An empty store that holds at most `max_plans`.
    pub fn new(max_plans: usize) -> Self {
        Self {
            plans: HashMap::new(),
            order: BTreeMap::new(),
            next_seq: 0,
            max_plans,
        }
    }

    /// A store holding a seed's plans (all of them, whatever `max_plans`).
    ///
    /// # Errors
    ///
    /// Every problem, each naming its plan (`backup_plans[i]`): a field of the wrong type, an
    /// unknown status, a repeated ID.
    pub fn from_seed(plans: &[BackupPlan], max_plans: usize) -> Result<Self, Vec<String>> {
        let mut store = Self::new(max_plans);
        let mut problems = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            match PlanRecord::from_seed(plan) {
                Ok(record) if store.plans.contains_key(&record.backup_plan_id) => {
                    problems.push(format!(
                        "backup_plans[{i}]: BackupPlanId {:?} appears more than once",
                        record.backup_plan_id
                    ))
                }
                Ok(record) => store.insert(record),
                Err(e) => problems.push(format!("backup_plans[{i}]: {e}")),
            }
        }
        if problems.is_empty() {
            Ok(store)
        } else {
            Err(problems)
        }
    }

    fn insert(&mut self, plan: PlanRecord) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.insert(seq, plan.backup_plan_id.clone());
        self.plans
            .insert(plan.backup_plan_id.clone(), Stored { seq, plan });
    }

    /// How many plans it holds.
    pub fn len(&self) -> usize {
        self.plans.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.plans.is_empty()
    }

    /// The plan with this ID.
    pub fn get(&self, id: &str) -> Option<&PlanRecord> {
        self.plans.get(id).map(|s| &s.plan)
    }

    /// Every plan, oldest first.
    pub fn all(&self) -> Vec<PlanRecord> {
        self.order
            .values()
            .filter_map(|id| self.get(id))
            .cloned()
            .collect()
    }

    fn find(&mut self, id: &str) -> Result<&mut PlanRecord, PlanError> {
        self.plans
            .get_mut(id)
            .map(|s| &mut s.plan)
            .ok_or_else(|| PlanError::NotFound(id.to_owned()))
    }

    /// The plan, if its status is one of `allowed`.
    fn find_in(
        &mut self,
        id: &str,
        action: &'static str,
        allowed: &[PlanStatus],
        needs: &'static str,
    ) -> Result<&mut PlanRecord, PlanError> {
        let plan = self.find(id)?;
        if allowed.contains(&plan.backup_plan_status) {
            Ok(plan)
        } else {
            Err(PlanError::WrongState {
                id: id.to_owned(),
                action,
                needs,
                is: plan.backup_plan_status.as_str().to_owned(),
            })
        }
    }

    /// A fresh ID: `dbs` and 9 random lower-case letters and digits, like the metadata's
    /// `dbstooi01exx` examples; a set lookup, never a scan.
    fn fresh_id(&self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        loop {
            let id: String = std::iter::once("dbs".to_owned())
                .chain((0..9).map(|_| {
                    let i = usize::from(rand::random::<u8>()) % ALPHABET.len();
                    char::from(ALPHABET[i]).to_string()
                }))
                .collect();
            if !self.plans.contains_key(&id) {
                return id;
            }
        }
    }

    /// `CreateBackupPlan`: buys a plan, status `wait`. Returns its `BackupPlanId`.
    ///
    /// # Errors
    ///
    /// `QuotaExceeded` when full; `InvalidParameter` for an unknown `InstanceClass`, `PayType`
    /// or `Period`, or a `UsedTime` out of the `.dara`'s range (1-5 years, 1-11 months).
    pub fn create(&mut self, order: PlanOrder, now_ms: i64) -> Result<String, PlanError> {
        let record = self.new_record(order, now_ms)?;
        let id = record.backup_plan_id.clone();
        self.insert(record);
        Ok(id)
    }

    fn new_record(&self, order: PlanOrder, now_ms: i64) -> Result<PlanRecord, PlanError> {
        if self.plans.len() >= self.max_plans {
            return Err(PlanError::QuotaExceeded(self.max_plans));
        }
        class_rank(&order.instance_class)?;
        // `.dara`: the default is prepay.
        let pay_type = order.pay_type.unwrap_or_else(|| "prepay".to_owned());
        let expires = if pay_type.eq_ignore_ascii_case("prepay") {
            // Our choice: a subscription without Period/UsedTime is one month.
            let period = order.period.clone().unwrap_or_else(|| "Month".to_owned());
            Some(now_ms.saturating_add(subscription_ms(&period, order.used_time.unwrap_or(1), 5)?))
        } else if pay_type.eq_ignore_ascii_case("postpay") {
            None
        } else {
            return Err(invalid(
                "PayType",
                format!("unknown value {pay_type:?}; expected prepay or postpay"),
            ));
        };
        let mut record = PlanRecord::new(self.fresh_id(), order.database_type);
        record.backup_plan_create_time = Some(now_ms);
        record.instance_class = Some(order.instance_class);
        record.backup_method = Some(order.backup_method);
        record.region = order.region;
        record.pay_type = Some(pay_type);
        record.period = order.period;
        record.used_time = order.used_time;
        record.buy_expired_timestamp = expires;
        record.resource_group_id = order.resource_group_id;
        record.database_region = order.database_region;
        record.storage_region = order.storage_region;
        record.instance_type = order.instance_type;
        record.enable_backup_log = Some(false);
        Ok(record)
    }

    /// `ConfigureBackupPlan`: sets the source, objects, schedule and retention; status `init`,
    /// or `running` when `auto_start` (`AutoStartBackup=true`).
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` for a `running` or `locked` plan or a value out of
    /// range.
    pub fn configure(
        &mut self,
        id: &str,
        config: PlanConfig,
        auto_start: bool,
    ) -> Result<(), PlanError> {
        use PlanStatus::*;
        check_config(&config)?;
        let plan = self.find_in(
            id,
            "ConfigureBackupPlan",
            &[Wait, Init, CheckPass, Pause, Stop],
            "a plan that is not running or locked",
        )?;
        apply_config(plan, config);
        plan.backup_plan_status = if auto_start { Running } else { Init };
        Ok(())
    }

    /// `CreateAndStartBackupPlan`: buys (or, given `existing`, takes a `wait` plan), configures
    /// and starts a plan. Returns its `BackupPlanId`. Nothing changes when it fails.
    ///
    /// # Errors
    ///
    /// As [`create`](Self::create) and [`configure`](Self::configure); for `existing`,
    /// `Param.NotFound`, or `InvalidParameter` when it is not `wait`.
    pub fn create_and_start(
        &mut self,
        order: PlanOrder,
        config: PlanConfig,
        existing: Option<&str>,
        now_ms: i64,
    ) -> Result<String, PlanError> {
        check_config(&config)?;
        if let Some(id) = existing.filter(|id| !id.is_empty()) {
            let plan = self.find_in(
                id,
                "CreateAndStartBackupPlan",
                &[PlanStatus::Wait],
                "a plan that is not configured yet (wait)",
            )?;
            apply_config(plan, config);
            plan.backup_plan_status = PlanStatus::Running;
            return Ok(id.to_owned());
        }
        let mut record = self.new_record(order, now_ms)?;
        apply_config(&mut record, config);
        record.backup_plan_status = PlanStatus::Running;
        let id = record.backup_plan_id.clone();
        self.insert(record);
        Ok(id)
    }

    /// `StartBackupPlan`: status `running`.
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` for a plan that is not configured (`wait`), already
    /// `running`, or `locked`.
    pub fn start(&mut self, id: &str) -> Result<(), PlanError> {
        use PlanStatus::*;
        let plan = self.find_in(
            id,
            "StartBackupPlan",
            &[Init, CheckPass, Pause, Stop],
            "a configured plan that is not running (init, check_pass, pause or stop)",
        )?;
        plan.backup_plan_status = Running;
        Ok(())
    }

    /// `StopBackupPlan`: status `pause`; keeps `StopMethod`.
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` unless the plan is `running` or `check_pass`.
    pub fn stop(&mut self, id: &str, method: StopMethod) -> Result<(), PlanError> {
        use PlanStatus::*;
        let plan = self.find_in(
            id,
            "StopBackupPlan",
            &[Running, CheckPass],
            "a running plan (running or check_pass)",
        )?;
        plan.backup_plan_status = Pause;
        plan.stop_method = Some(method.as_str().to_owned());
        Ok(())
    }

    /// `ReleaseBackupPlan`: removes a pay-as-you-go plan; it is no longer listed nor found.
    /// Returns the plan as it was.
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` for a subscription (`prepay`) plan.
    pub fn release(&mut self, id: &str) -> Result<PlanRecord, PlanError> {
        let plan = self.find(id)?;
        if !plan
            .pay_type
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("postpay"))
        {
            return Err(PlanError::WrongState {
                id: id.to_owned(),
                action: "ReleaseBackupPlan",
                needs: "a pay-as-you-go (postpay) plan",
                is: pay_type_of(plan),
            });
        }
        let stored = self
            .plans
            .remove(id)
            .ok_or_else(|| PlanError::NotFound(id.to_owned()))?;
        self.order.remove(&stored.seq);
        Ok(stored.plan)
    }

    /// `RenewBackupPlan`: moves `BuyExpiredTimestamp` on by `used_time` × `period` from the
    /// later of now and the old expiry. Returns the new expiry.
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` for a pay-as-you-go plan, an unknown `Period`, or a
    /// `UsedTime` out of the `.dara`'s range (1-9 years, 1-11 months).
    pub fn renew(
        &mut self,
        id: &str,
        period: &str,
        used_time: i32,
        now_ms: i64,
    ) -> Result<i64, PlanError> {
        let length = subscription_ms(period, used_time, 9)?;
        let plan = self.find(id)?;
        if plan
            .pay_type
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("postpay"))
        {
            return Err(PlanError::WrongState {
                id: id.to_owned(),
                action: "RenewBackupPlan",
                needs: "a subscription (prepay) plan",
                is: pay_type_of(plan),
            });
        }
        let from = plan.buy_expired_timestamp.unwrap_or(now_ms).max(now_ms);
        let expires = from.saturating_add(length);
        plan.buy_expired_timestamp = Some(expires);
        plan.period = Some(period.to_owned());
        plan.used_time = Some(used_time);
        Ok(expires)
    }

    /// `UpgradeBackupPlan`: a higher `InstanceClass`.
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` for a `locked` plan, an unknown class, or one that
    /// is not higher than the plan's.
    pub fn upgrade(&mut self, id: &str, instance_class: &str) -> Result<(), PlanError> {
        use PlanStatus::*;
        let rank = class_rank(instance_class)?;
        let plan = self.find_in(
            id,
            "UpgradeBackupPlan",
            &[Wait, Init, Running, Stop, Pause, CheckPass],
            "a plan that is not locked",
        )?;
        let current = plan.instance_class.as_deref().unwrap_or("micro");
        if class_rank(current).unwrap_or(0) >= rank {
            return Err(invalid(
                "InstanceClass",
                format!(
                    "must be higher than the plan's {current} ({}), got {instance_class}",
                    INSTANCE_CLASSES.join(" < ")
                ),
            ));
        }
        plan.instance_class = INSTANCE_CLASSES.get(rank).map(|c| (*c).to_owned());
        Ok(())
    }

    /// `ModifyBackupPlanName`.
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` for an empty name.
    pub fn rename(&mut self, id: &str, name: &str) -> Result<(), PlanError> {
        if name.trim().is_empty() {
            return Err(invalid("BackupPlanName", "must not be empty"));
        }
        self.find(id)?.backup_plan_name = name.to_owned();
        Ok(())
    }

    /// A configured plan that is not locked, for the Modify operations.
    fn configured(&mut self, id: &str, action: &'static str) -> Result<&mut PlanRecord, PlanError> {
        use PlanStatus::*;
        self.find_in(
            id,
            action,
            &[Init, Running, Stop, Pause, CheckPass],
            "a configured plan that is not locked",
        )
    }

    /// `ModifyBackupObjects`.
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` for a `wait` or `locked` plan.
    pub fn modify_objects(&mut self, id: &str, backup_objects: &str) -> Result<(), PlanError> {
        self.configured(id, "ModifyBackupObjects")?.backup_objects =
            Some(backup_objects.to_owned());
        Ok(())
    }

    /// `ModifyBackupStrategy`: the fields given replace the plan's.
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` for a `wait` or `locked` plan, a day that is not
    /// one, or a start time that is not `HH:mm`.
    pub fn modify_strategy(&mut self, id: &str, strategy: Strategy) -> Result<(), PlanError> {
        check_strategy(&strategy)?;
        let plan = self.configured(id, "ModifyBackupStrategy")?;
        apply_strategy(plan, strategy);
        Ok(())
    }

    /// `ModifyStorageStrategy`.
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` for a `wait` or `locked` plan, a retention out of
    /// 0-1825 days, or periods out of order (infrequent access < archive < retention).
    pub fn modify_storage(&mut self, id: &str, storage: Storage) -> Result<(), PlanError> {
        check_storage(&storage)?;
        let plan = self.configured(id, "ModifyStorageStrategy")?;
        apply_storage(plan, storage);
        Ok(())
    }

    /// `ModifyBackupSourceEndpoint`: the source, and `BackupObjects` when given.
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` for a `wait` or `locked` plan.
    pub fn modify_source_endpoint(
        &mut self,
        id: &str,
        source: SourceEndpoint,
        backup_objects: Option<String>,
    ) -> Result<(), PlanError> {
        let plan = self.configured(id, "ModifyBackupSourceEndpoint")?;
        apply_source(plan, source);
        if backup_objects.is_some() {
            plan.backup_objects = backup_objects;
        }
        Ok(())
    }

    /// `EnableBackupLog` (`true`) and `DisableBackupLog` (`false`). Setting the flag it has
    /// already succeeds (our choice: the sources name no error for it).
    ///
    /// # Errors
    ///
    /// `Param.NotFound`; `InvalidParameter` for a `wait` or `locked` plan.
    pub fn set_backup_log(&mut self, id: &str, enabled: bool) -> Result<(), PlanError> {
        let action = if enabled {
            "EnableBackupLog"
        } else {
            "DisableBackupLog"
        };
        self.configured(id, action)?.enable_backup_log = Some(enabled);
        Ok(())
    }

    /// `DescribeBackupPlanList`: the plans that pass every filter, oldest first, one page.
    /// `page_num` counts from 0 (default 0); `page_size` is 1 to 100 (default 30).
    ///
    /// # Errors
    ///
    /// `InvalidParameter` for a negative `PageNum`, a `PageSize` out of range, or a
    /// `BackupPlanStatus` the docs do not list.
    pub fn list(
        &self,
        filter: &PlanFilter,
        page_num: Option<i32>,
        page_size: Option<i32>,
    ) -> Result<PlanPage, PlanError> {
        let page_num = page_num.unwrap_or(0);
        if page_num < 0 {
            return Err(invalid(
                "PageNum",
                format!("must be 0 or more (pages count from 0), got {page_num}"),
            ));
        }
        let page_size = page_size.unwrap_or(DEFAULT_PLAN_PAGE_SIZE);
        if !(1..=MAX_PLAN_PAGE_SIZE).contains(&page_size) {
            return Err(invalid(
                "PageSize",
                format!("must be between 1 and {MAX_PLAN_PAGE_SIZE}, got {page_size}"),
            ));
        }
        let status = match filter.backup_plan_status.as_deref() {
            None => None,
            Some(text) => Some(PlanStatus::from_wire(text).ok_or_else(|| {
                invalid(
                    "BackupPlanStatus",
                    format!(
                        "unknown value {text:?}; expected one of {}",
                        PlanStatus::ALL.map(|(_, wire)| wire).join(", ")
                    ),
                )
            })?),
        };
        let keep = |plan: &PlanRecord| {
            status.is_none_or(|s| plan.backup_plan_status == s)
                && eq(&filter.backup_plan_name, Some(&plan.backup_plan_name))
                && eq(&filter.region, plan.region.as_ref())
                && eq(&filter.resource_group_id, plan.resource_group_id.as_ref())
        };
        // With IDs, only those are looked up (in creation order); otherwise every plan.
        let matching: Vec<&Stored> = match &filter.backup_plan_id {
            Some(ids) => {
                let mut found: Vec<&Stored> = ids
                    .split(',')
                    .map(str::trim)
                    .filter_map(|id| self.plans.get(id))
                    .collect();
                found.sort_by_key(|s| s.seq);
                found.dedup_by_key(|s| s.seq);
                found.into_iter().filter(|s| keep(&s.plan)).collect()
            }
            None => self
                .order
                .values()
                .filter_map(|id| self.plans.get(id))
                .filter(|s| keep(&s.plan))
                .collect(),
        };
        let total = matching.len();
        let size = usize::try_from(page_size).unwrap_or(1);
        let skip = usize::try_from(page_num)
            .unwrap_or(usize::MAX)
            .saturating_mul(size);
        let items = matching
            .into_iter()
            .skip(skip)
            .take(size)
            .map(|s| s.plan.clone())
            .collect();
        let total_elements = i32::try_from(total).unwrap_or(i32::MAX);
        Ok(PlanPage {
            items,
            page_num,
            page_size,
            total_elements,
            total_pages: i32::try_from(total.div_ceil(size)).unwrap_or(i32::MAX),
        })
    }

    /// A page of plans for `GET /_emulator/state`: `page` counts from 1; with `id`, that plan
    /// only. Returns the page and how many plans match.
    pub(crate) fn state_page(
        &self,
        page: usize,
        page_size: usize,
        id: Option<&str>,
    ) -> (Vec<PlanRecord>, usize) {
        match id {
            Some(id) => {
                let plans: Vec<PlanRecord> = self.get(id).cloned().into_iter().collect();
                let total = plans.len();
                let shown = if page == 1 { plans } else { Vec::new() };
                (shown, total)
            }
            None => (
                self.order
                    .values()
                    .skip(page.saturating_sub(1).saturating_mul(page_size))
                    .take(page_size)
                    .filter_map(|id| self.get(id))
                    .cloned()
                    .collect(),
                self.plans.len(),
            ),
        }
    }
}

/// A filter that is absent, or equal to the value.
fn eq(filter: &Option<String>, value: Option<&String>) -> bool {
    filter.as_ref().is_none_or(|f| Some(f) == value)
}

fn pay_type_of(plan: &PlanRecord) -> String {
    format!("PayType {}", plan.pay_type.as_deref().unwrap_or("prepay"))
}

fn apply_source(plan: &mut PlanRecord, source: SourceEndpoint) {
    // The service answers the type in lower case (§4.4: `rds`, `ecs`, …) whatever the request's.
    plan.source_endpoint_instance_type = Some(source.instance_type.to_ascii_lowercase());
    plan.source_endpoint_region = source.region;
    plan.source_endpoint_instance_id = source.instance_id;
    plan.source_endpoint_ip_port = match (source.ip, source.port) {
        (Some(ip), Some(port)) => Some(format!("{ip}:{port}")),
        (Some(ip), None) => Some(ip),
        (None, _) => None,
    };
    plan.source_endpoint_database_name = source.database_name;
    plan.source_endpoint_user_name = source.user_name;
    plan.source_endpoint_oracle_sid = source.oracle_sid;
    if source.backup_gateway_id.is_some() {
        plan.backup_gateway_id = source.backup_gateway_id;
    }
    plan.cross_aliyun_id = source.cross_aliyun_id;
    plan.cross_role_name = source.cross_role_name;
}

fn apply_strategy(plan: &mut PlanRecord, strategy: Strategy) {
    let Strategy {
        backup_period,
        backup_start_time,
        backup_strategy_type,
        backup_log_interval_seconds,
    } = strategy;
    set(&mut plan.backup_period, backup_period);
    set(&mut plan.backup_start_time, backup_start_time);
    set(&mut plan.backup_strategy_type, backup_strategy_type);
    set(
        &mut plan.backup_log_interval_seconds,
        backup_log_interval_seconds,
    );
}

fn apply_storage(plan: &mut PlanRecord, storage: Storage) {
    set(
        &mut plan.backup_retention_period,
        storage.backup_retention_period,
    );
    set(
        &mut plan.duplication_infrequent_access_period,
        storage.duplication_infrequent_access_period,
    );
    set(
        &mut plan.duplication_archive_period,
        storage.duplication_archive_period,
    );
}

fn apply_config(plan: &mut PlanRecord, config: PlanConfig) {
    plan.backup_plan_name = config.backup_plan_name;
    apply_source(plan, config.source);
    set(&mut plan.oss_bucket_name, config.oss_bucket_name);
    set(&mut plan.backup_objects, config.backup_objects);
    apply_strategy(plan, config.strategy);
    apply_storage(plan, config.storage);
    set(&mut plan.enable_backup_log, config.enable_backup_log);
    set(&mut plan.backup_storage_type, config.backup_storage_type);
    set(&mut plan.backup_speed_limit, config.backup_speed_limit);
    set(&mut plan.backup_rate_limit, config.backup_rate_limit);
}

/// Replaces a field when a value is given; an absent parameter leaves it as it was.
fn set<T>(field: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *field = value;
    }
}
