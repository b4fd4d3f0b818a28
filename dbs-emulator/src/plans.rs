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
    /// Every problem, `; `-separated, each naming its field: a value of the wrong type, an
    /// unknown status, or a password (the emulator keeps none, and the state would show it).
    pub fn from_seed(plan: &BackupPlan) -> Result<Self, String> {
        let value = serde_json::to_value(plan).map_err(|e| e.to_string())?;
        let fields = value.as_object().cloned().unwrap_or_default();
        let mut problems: Vec<String> = fields
            .keys()
            .filter(|name| name.to_ascii_lowercase().contains("password"))
            .map(|name| format!("{name}: the emulator keeps no passwords; leave it out"))
            .collect();
        match serde_json::from_value::<PlanRecord>(value) {
            Ok(mut record) if problems.is_empty() => {
                if record.backup_plan_name.is_empty() {
                    record.backup_plan_name = record.backup_plan_id.clone();
                }
                return Ok(record);
            }
            Ok(_) => {}
            // serde_json does not say which field failed: try each alone beside the ID and
            // engine, so every bad field is named.
            Err(whole) => {
                let before = problems.len();
                for (name, field) in &fields {
                    let mut alone = serde_json::Map::new();
                    for key in ["BackupPlanId", "DatabaseType"] {
                        if let Some(v) = fields.get(key) {
                            alone.insert(key.to_owned(), v.clone());
                        }
                    }
                    alone.insert(name.clone(), field.clone());
                    if let Err(e) = serde_json::from_value::<PlanRecord>(alone.into()) {
                        problems.push(format!("{name}: {e}"));
                    }
                }
                if problems.len() == before {
                    problems.push(whole.to_string());
                }
            }
        }
        Err(problems.join("; "))
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

#[cfg(test)]
mod tests {
    use super::*;
    use dbs_api::SourceDatabaseType;

    const NOW: i64 = 1_582_527_713_000; // the metadata's BackupPlanCreateTime example

    /// The metadata's CreateBackupPlan example: micro, MySQL, logical, Month × 1, prepay.
    fn order() -> PlanOrder {
        PlanOrder {
            database_type: "MySQL".to_owned(),
            instance_class: "micro".to_owned(),
            backup_method: "logical".to_owned(),
            region: Some("cn-hangzhou".to_owned()),
            pay_type: Some("prepay".to_owned()),
            period: Some("Month".to_owned()),
            used_time: Some(1),
            resource_group_id: Some("rg-aekzecovzti1234".to_owned()),
            database_region: Some("cn-hangzhou".to_owned()),
            storage_region: Some("cn-hangzhou".to_owned()),
            instance_type: Some("RDS".to_owned()),
        }
    }

    fn postpay() -> PlanOrder {
        PlanOrder {
            pay_type: Some("postpay".to_owned()),
            backup_method: "duplication".to_owned(),
            period: None,
            used_time: None,
            ..order()
        }
    }

    /// The metadata's ConfigureBackupPlan example values.
    fn config() -> PlanConfig {
        PlanConfig {
            backup_plan_name: "orders".to_owned(),
            source: SourceEndpoint {
                instance_type: "RDS".to_owned(),
                region: Some("cn-hangzhou".to_owned()),
                instance_id: Some("rm-uf6wjk5abcdefgh".to_owned()),
                ip: Some("rm-uf6wjk5abcdefgh.mysql.rds.aliyuncs.com".to_owned()),
                port: Some(3306),
                database_name: Some("testRDS".to_owned()),
                user_name: Some("testRDS".to_owned()),
                oracle_sid: None,
                backup_gateway_id: Some(23_313_123_312),
                cross_aliyun_id: None,
                cross_role_name: None,
            },
            oss_bucket_name: Some("TestOssBucket".to_owned()),
            backup_objects: Some(r#"[{"DBName":"orders"}]"#.to_owned()),
            strategy: Strategy {
                backup_period: Some("Monday".to_owned()),
                backup_start_time: Some("14:22".to_owned()),
                backup_strategy_type: Some("simple".to_owned()),
                backup_log_interval_seconds: Some(1000),
            },
            storage: Storage {
                backup_retention_period: Some(730),
                duplication_infrequent_access_period: Some(180),
                duplication_archive_period: Some(365),
            },
            enable_backup_log: Some(true),
            backup_storage_type: None,
            backup_speed_limit: Some(262_144),
            backup_rate_limit: Some(262_144),
        }
    }

    fn status(store: &PlanStore, id: &str) -> &'static str {
        store
            .get(id)
            .map_or("gone", |p| p.backup_plan_status.as_str())
    }

    /// The code and message of a refusal.
    fn refusal<T: std::fmt::Debug>(result: Result<T, PlanError>) -> (String, String) {
        match result {
            Err(e) => (e.code().code().to_owned(), e.to_string()),
            Ok(v) => panic!("expected a refusal, got {v:?}"),
        }
    }

    fn assert_wrong_state<T: std::fmt::Debug>(result: Result<T, PlanError>, action: &str) {
        let (code, message) = refusal(result);
        assert_eq!(code, "InvalidParameter", "{message}");
        assert!(
            message.starts_with("This backupPlan can't support this action: ")
                && message.contains(action),
            "{message}"
        );
    }

    #[test]
    fn status_values_are_the_dara_list_read_in_any_case() {
        let wire: Vec<&str> = PlanStatus::ALL.iter().map(|(_, w)| *w).collect();
        assert_eq!(
            wire,
            [
                "wait",
                "init",
                "running",
                "stop",
                "pause",
                "locked",
                "check_pass"
            ]
        );
        for (status, text) in PlanStatus::ALL {
            assert_eq!(status.as_str(), text);
            assert_eq!(
                PlanStatus::from_wire(&text.to_ascii_uppercase()),
                Some(status)
            );
        }
        assert_eq!(PlanStatus::from_wire("release"), None);
    }

    #[test]
    fn create_buys_a_plan_waiting_for_its_configuration() {
        let mut store = PlanStore::new(10);
        let id = store.create(order(), NOW).expect("created");
        assert!(
            id.len() == 12
                && id.starts_with("dbs")
                && id.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{id}"
        );
        let plan = store.get(&id).expect("kept");
        assert_eq!(plan.backup_plan_status, PlanStatus::Wait);
        assert_eq!(
            plan.backup_plan_name, id,
            "named by its ID until configured"
        );
        assert_eq!(plan.database_type, "MySQL");
        assert_eq!(plan.instance_class.as_deref(), Some("micro"));
        assert_eq!(plan.backup_method.as_deref(), Some("logical"));
        assert_eq!(plan.backup_plan_create_time, Some(NOW));
        assert_eq!(plan.pay_type.as_deref(), Some("prepay"));
        assert_eq!(plan.buy_expired_timestamp, Some(NOW + 30 * DAY_MS));
        assert_eq!(plan.enable_backup_log, Some(false));
        assert_eq!(plan.region.as_deref(), Some("cn-hangzhou"));

        // `.dara`: PayType defaults to prepay.
        let id = store
            .create(
                PlanOrder {
                    pay_type: None,
                    period: Some("Year".to_owned()),
                    used_time: Some(5),
                    ..order()
                },
                NOW,
            )
            .expect("created");
        let plan = store.get(&id).expect("kept");
        assert_eq!(plan.pay_type.as_deref(), Some("prepay"));
        assert_eq!(plan.buy_expired_timestamp, Some(NOW + 5 * 365 * DAY_MS));
        // Pay-as-you-go has no expiry.
        let id = store.create(postpay(), NOW).expect("created");
        assert_eq!(store.get(&id).and_then(|p| p.buy_expired_timestamp), None);
    }

    #[test]
    fn create_refuses_values_out_of_the_dara_ranges() {
        let mut store = PlanStore::new(10);
        for (order, name) in [
            (
                PlanOrder {
                    instance_class: "huge".to_owned(),
                    ..order()
                },
                "InstanceClass",
            ),
            (
                PlanOrder {
                    used_time: Some(6),
                    period: Some("Year".to_owned()),
                    ..order()
                },
                "UsedTime",
            ),
            (
                PlanOrder {
                    used_time: Some(12),
                    ..order()
                },
                "UsedTime",
            ),
            (
                PlanOrder {
                    period: Some("Week".to_owned()),
                    ..order()
                },
                "Period",
            ),
            (
                PlanOrder {
                    pay_type: Some("free".to_owned()),
                    ..order()
                },
                "PayType",
            ),
        ] {
            let (code, message) = refusal(store.create(order, NOW));
            assert_eq!(code, "InvalidParameter");
            assert!(message.starts_with(&format!("{name}: ")), "{message}");
        }
        assert!(store.is_empty());
    }

    #[test]
    fn the_full_lifecycle_from_purchase_to_release() {
        let mut store = PlanStore::new(10);
        let id = store.create(postpay(), NOW).expect("created");
        assert_eq!(status(&store, &id), "wait");
        // Starting an unconfigured plan is refused.
        assert_wrong_state(store.start(&id), "StartBackupPlan");
        assert_eq!(status(&store, &id), "wait");

        store.configure(&id, config(), false).expect("configured");
        assert_eq!(status(&store, &id), "init");
        let plan = store.get(&id).expect("kept");
        assert_eq!(plan.backup_plan_name, "orders");
        assert_eq!(
            plan.source_endpoint_instance_type.as_deref(),
            Some("rds"),
            "answered in lower case (§4.4)"
        );
        assert_eq!(
            plan.source_endpoint_ip_port.as_deref(),
            Some("rm-uf6wjk5abcdefgh.mysql.rds.aliyuncs.com:3306")
        );
        assert_eq!(plan.backup_retention_period, Some(730));
        assert_eq!(plan.enable_backup_log, Some(true));
        assert_eq!(plan.backup_gateway_id, Some(23_313_123_312));

        store.start(&id).expect("started");
        assert_eq!(status(&store, &id), "running");
        assert_wrong_state(store.start(&id), "StartBackupPlan");
        assert_wrong_state(store.configure(&id, config(), false), "ConfigureBackupPlan");

        store.stop(&id, StopMethod::Plan).expect("stopped");
        assert_eq!(status(&store, &id), "pause", "StopBackupPlan pauses");
        assert_eq!(
            store.get(&id).and_then(|p| p.stop_method.as_deref()),
            Some("PLAN")
        );
        assert_wrong_state(store.stop(&id, StopMethod::All), "StopBackupPlan");
        store.start(&id).expect("restarted");
        store.stop(&id, StopMethod::All).expect("stopped");
        assert_eq!(
            store.get(&id).and_then(|p| p.stop_method.as_deref()),
            Some("ALL")
        );

        let released = store.release(&id).expect("released");
        assert_eq!(released.backup_plan_id, id);
        assert_eq!(status(&store, &id), "gone");
        assert!(store.is_empty());
        let listed = store
            .list(&PlanFilter::default(), None, None)
            .expect("listed");
        assert_eq!(listed.total_elements, 0, "a released plan is not listed");
        let (code, message) = refusal(store.start(&id));
        assert_eq!(code, "Param.NotFound");
        assert!(message.contains(&id), "{message}");
        assert_eq!(refusal(store.release(&id)).0, "Param.NotFound");
    }

    #[test]
    fn configure_with_auto_start_runs_and_a_failed_or_paused_plan_can_be_reconfigured() {
        let mut store = PlanStore::new(10);
        let id = store.create(order(), NOW).expect("created");
        store.configure(&id, config(), true).expect("configured");
        assert_eq!(status(&store, &id), "running");
        store.stop(&id, StopMethod::All).expect("paused");
        store.configure(&id, config(), false).expect("reconfigured");
        assert_eq!(status(&store, &id), "init");
        // Configuring needs a name and valid values, and changes nothing when refused.
        let nameless = PlanConfig {
            backup_plan_name: " ".to_owned(),
            ..config()
        };
        assert_eq!(
            refusal(store.configure(&id, nameless, true)).0,
            "InvalidParameter"
        );
        assert_eq!(status(&store, &id), "init");
    }

    #[test]
    fn create_and_start_runs_a_new_plan_or_a_waiting_one() {
        let mut store = PlanStore::new(10);
        let id = store
            .create_and_start(order(), config(), None, NOW)
            .expect("created");
        assert_eq!(status(&store, &id), "running");
        assert_eq!(
            store.get(&id).map(|p| p.backup_plan_name.as_str()),
            Some("orders")
        );

        let waiting = store.create(order(), NOW).expect("created");
        let again = store
            .create_and_start(order(), config(), Some(&waiting), NOW)
            .expect("started");
        assert_eq!(again, waiting);
        assert_eq!(status(&store, &waiting), "running");
        assert_eq!(store.len(), 2, "no new plan for an existing ID");
        assert_wrong_state(
            store.create_and_start(order(), config(), Some(&waiting), NOW),
            "CreateAndStartBackupPlan",
        );
        assert_eq!(
            refusal(store.create_and_start(order(), config(), Some("dbsnosuch"), NOW)).0,
            "Param.NotFound"
        );
        // A bad value leaves nothing behind.
        let bad = PlanConfig {
            storage: Storage {
                backup_retention_period: Some(1826),
                ..config().storage
            },
            ..config()
        };
        assert_eq!(
            refusal(store.create_and_start(order(), bad, None, NOW)).0,
            "InvalidParameter"
        );
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn release_is_for_pay_as_you_go_plans_only() {
        let mut store = PlanStore::new(10);
        let id = store.create(order(), NOW).expect("created");
        assert_wrong_state(store.release(&id), "ReleaseBackupPlan");
        assert_eq!(status(&store, &id), "wait");
    }

    #[test]
    fn renew_extends_a_subscription_from_its_expiry_or_from_now() {
        let mut store = PlanStore::new(10);
        let id = store.create(order(), NOW).expect("created");
        let month = NOW + 30 * DAY_MS;
        // Before expiry: from the expiry.
        assert_eq!(
            store.renew(&id, "Year", 1, NOW + DAY_MS),
            Ok(month + 365 * DAY_MS)
        );
        // After expiry: from now.
        let later = month + 1000 * DAY_MS;
        assert_eq!(store.renew(&id, "Month", 2, later), Ok(later + 60 * DAY_MS));
        assert_eq!(
            store.get(&id).and_then(|p| p.buy_expired_timestamp),
            Some(later + 60 * DAY_MS)
        );
        assert_eq!(status(&store, &id), "wait", "status unchanged");
        // `.dara`: renewals are 1-9 years or 1-11 months.
        assert!(store.renew(&id, "Year", 9, NOW).is_ok());
        assert_eq!(
            refusal(store.renew(&id, "Year", 10, NOW)).0,
            "InvalidParameter"
        );
        assert_eq!(
            refusal(store.renew(&id, "Month", 0, NOW)).0,
            "InvalidParameter"
        );
        assert_eq!(
            refusal(store.renew(&id, "Month", 12, NOW)).0,
            "InvalidParameter"
        );
        assert_eq!(
            refusal(store.renew("dbsnosuch", "Month", 1, NOW)).0,
            "Param.NotFound"
        );
        let postpaid = store.create(postpay(), NOW).expect("created");
        assert_wrong_state(store.renew(&postpaid, "Month", 1, NOW), "RenewBackupPlan");
    }

    #[test]
    fn upgrade_raises_the_instance_class_only() {
        let mut store = PlanStore::new(10);
        let id = store.create(order(), NOW).expect("created");
        store.upgrade(&id, "medium").expect("upgraded");
        assert_eq!(
            store.get(&id).and_then(|p| p.instance_class.as_deref()),
            Some("medium")
        );
        store.upgrade(&id, "XLarge").expect("any case");
        assert_eq!(
            store.get(&id).and_then(|p| p.instance_class.as_deref()),
            Some("xlarge")
        );
        let (code, message) = refusal(store.upgrade(&id, "small"));
        assert_eq!(code, "InvalidParameter");
        assert!(message.starts_with("InstanceClass: "), "{message}");
        assert_eq!(refusal(store.upgrade(&id, "xlarge")).0, "InvalidParameter");
        assert_eq!(refusal(store.upgrade(&id, "mega")).0, "InvalidParameter");
        assert_eq!(
            refusal(store.upgrade("dbsnosuch", "large")).0,
            "Param.NotFound"
        );
    }

    #[test]
    fn modifications_need_a_configured_plan_and_change_what_they_name() {
        let mut store = PlanStore::new(10);
        let id = store.create(order(), NOW).expect("created");
        // Renaming works in any state; the rest needs a configuration.
        store.rename(&id, "nightly").expect("renamed");
        assert_eq!(
            store.get(&id).map(|p| p.backup_plan_name.as_str()),
            Some("nightly")
        );
        assert_eq!(refusal(store.rename(&id, "")).0, "InvalidParameter");
        assert_wrong_state(store.modify_objects(&id, "[]"), "ModifyBackupObjects");
        assert_wrong_state(
            store.modify_strategy(&id, Strategy::default()),
            "ModifyBackupStrategy",
        );
        assert_wrong_state(
            store.modify_storage(&id, Storage::default()),
            "ModifyStorageStrategy",
        );
        assert_wrong_state(
            store.modify_source_endpoint(&id, config().source, None),
            "ModifyBackupSourceEndpoint",
        );
        assert_wrong_state(store.set_backup_log(&id, true), "EnableBackupLog");
        assert_wrong_state(store.set_backup_log(&id, false), "DisableBackupLog");

        store.configure(&id, config(), true).expect("configured");
        // The metadata's ModifyBackupObjects example.
        let objects = r#"[{"DBName":"17xxx92xxxx374","SchemaName":"gy9xnj8xxxxxx","TableIncludes":[{"TableName":"test1"}],"TableExcludes":[{"TableName":"test2"}]}]"#;
        store.modify_objects(&id, objects).expect("objects");
        // The metadata's ModifyBackupStrategy example: several days.
        store
            .modify_strategy(
                &id,
                Strategy {
                    backup_period: Some("Monday,Tuesday,Wednesday".to_owned()),
                    backup_start_time: Some("02:05".to_owned()),
                    ..Strategy::default()
                },
            )
            .expect("strategy");
        // The metadata's ModifyStorageStrategy example.
        store
            .modify_storage(
                &id,
                Storage {
                    backup_retention_period: Some(730),
                    duplication_infrequent_access_period: Some(190),
                    duplication_archive_period: Some(366),
                },
            )
            .expect("storage");
        store
            .modify_source_endpoint(
                &id,
                SourceEndpoint {
                    instance_type: "Other".to_owned(),
                    ip: Some("100.1.1.10".to_owned()),
                    port: Some(3306),
                    ..SourceEndpoint::default()
                },
                None,
            )
            .expect("endpoint");
        store.set_backup_log(&id, false).expect("disabled");
        store.set_backup_log(&id, false).expect("disabled again");
        let plan = store.get(&id).expect("kept").clone();
        assert_eq!(
            plan.backup_objects.as_deref(),
            Some(objects),
            "kept when not given"
        );
        assert_eq!(
            plan.backup_period.as_deref(),
            Some("Monday,Tuesday,Wednesday")
        );
        assert_eq!(plan.backup_start_time.as_deref(), Some("02:05"));
        assert_eq!(plan.backup_strategy_type.as_deref(), Some("simple"), "kept");
        assert_eq!(
            (
                plan.backup_retention_period,
                plan.duplication_infrequent_access_period,
                plan.duplication_archive_period
            ),
            (Some(730), Some(190), Some(366))
        );
        assert_eq!(plan.source_endpoint_instance_type.as_deref(), Some("other"));
        assert_eq!(
            plan.source_endpoint_ip_port.as_deref(),
            Some("100.1.1.10:3306")
        );
        assert_eq!(
            plan.source_endpoint_instance_id, None,
            "replaced with the new endpoint"
        );
        assert_eq!(plan.enable_backup_log, Some(false));
        assert_eq!(
            plan.backup_plan_status,
            PlanStatus::Running,
            "status unchanged"
        );
        store.set_backup_log(&id, true).expect("enabled");
        assert_eq!(store.get(&id).and_then(|p| p.enable_backup_log), Some(true));
    }

    #[test]
    fn modifications_refuse_values_the_dara_rules_out() {
        let mut store = PlanStore::new(10);
        let id = store
            .create_and_start(order(), config(), None, NOW)
            .expect("created");
        for (strategy, name) in [
            (
                Strategy {
                    backup_period: Some("Monday,Funday".to_owned()),
                    ..Strategy::default()
                },
                "BackupPeriod",
            ),
            (
                Strategy {
                    backup_start_time: Some("24:00".to_owned()),
                    ..Strategy::default()
                },
                "BackupStartTime",
            ),
            (
                Strategy {
                    backup_start_time: Some("2:05".to_owned()),
                    ..Strategy::default()
                },
                "BackupStartTime",
            ),
        ] {
            let (code, message) = refusal(store.modify_strategy(&id, strategy));
            assert_eq!(code, "InvalidParameter");
            assert!(message.starts_with(&format!("{name}: ")), "{message}");
        }
        for (retention, ia, archive, name) in [
            (1826, 180, 365, "BackupRetentionPeriod"),
            (-1, 180, 365, "BackupRetentionPeriod"),
            (730, 365, 365, "DuplicationInfrequentAccessPeriod"),
            (365, 180, 365, "DuplicationArchivePeriod"),
        ] {
            let storage = Storage {
                backup_retention_period: Some(retention),
                duplication_infrequent_access_period: Some(ia),
                duplication_archive_period: Some(archive),
            };
            let (code, message) = refusal(store.modify_storage(&id, storage));
            assert_eq!(code, "InvalidParameter");
            assert!(message.starts_with(&format!("{name}: ")), "{message}");
        }
        // The bounds themselves pass (`.dara`: 0 to 1825 days).
        let edge = Storage {
            backup_retention_period: Some(1825),
            duplication_infrequent_access_period: Some(0),
            duplication_archive_period: Some(1824),
        };
        assert!(store.modify_storage(&id, edge).is_ok());
        assert_eq!(
            store.get(&id).and_then(|p| p.backup_retention_period),
            Some(1825)
        );
    }

    #[test]
    fn unknown_ids_are_param_not_found_everywhere() {
        let mut store = PlanStore::new(10);
        let id = "dbsnosuch";
        let results = [
            store.configure(id, config(), false).err(),
            store.start(id).err(),
            store.stop(id, StopMethod::All).err(),
            store.release(id).err(),
            store.rename(id, "n").err(),
            store.modify_objects(id, "[]").err(),
            store.modify_strategy(id, Strategy::default()).err(),
            store.modify_storage(id, Storage::default()).err(),
            store
                .modify_source_endpoint(id, SourceEndpoint::default(), None)
                .err(),
            store.set_backup_log(id, true).err(),
        ];
        for error in results {
            let error = error.expect("refused");
            assert_eq!(error.code(), CommonErrorCode::ParamNotFound);
            assert_eq!(
                error.to_string(),
                "BackupPlanId: backup plan \"dbsnosuch\" does not exist (findValidDBSJob error)."
            );
        }
    }

    #[test]
    fn a_locked_plan_refuses_all_but_rename_renew_and_release() {
        let seed = [BackupPlan::new("dbslocked01", SourceDatabaseType::MySql)
            .with_field("BackupPlanStatus", "LOCKED")
            .with_field("PayType", "postpay")];
        let mut store = PlanStore::from_seed(&seed, 10).expect("seeded");
        let id = "dbslocked01";
        assert_eq!(status(&store, id), "locked");
        assert_wrong_state(store.start(id), "StartBackupPlan");
        assert_wrong_state(store.stop(id, StopMethod::All), "StopBackupPlan");
        assert_wrong_state(store.configure(id, config(), false), "ConfigureBackupPlan");
        assert_wrong_state(store.upgrade(id, "xlarge"), "UpgradeBackupPlan");
        assert_wrong_state(store.modify_objects(id, "[]"), "ModifyBackupObjects");
        assert_wrong_state(store.set_backup_log(id, true), "EnableBackupLog");
        store.rename(id, "kept").expect("renamed");
        store.release(id).expect("released");
    }

    #[test]
    fn the_store_is_capped_and_a_release_frees_a_place() {
        let mut store = PlanStore::new(2);
        let first = store.create(postpay(), NOW).expect("room");
        store.create(postpay(), NOW).expect("room");
        let (code, message) = refusal(store.create(postpay(), NOW));
        assert_eq!(code, "QuotaExceeded");
        assert!(message.contains("2 backup plans"), "{message}");
        assert_eq!(
            refusal(store.create_and_start(postpay(), config(), None, NOW)).0,
            "QuotaExceeded"
        );
        store.release(&first).expect("released");
        assert!(store.create(postpay(), NOW).is_ok());
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn seeded_plans_become_records_and_bad_fields_are_named() {
        let seed = crate::Seed::from_json(
            r#"{"backup_plans":[
                {"BackupPlanId":"p1","DatabaseType":"mysql"},
                {"BackupPlanId":"p2","DatabaseType":"Redis","BackupPlanName":"cache",
                 "BackupPlanStatus":"Pause","BackupRetentionPeriod":365,"Colour":"red"}]}"#,
        )
        .expect("valid");
        let store = PlanStore::from_seed(&seed.backup_plans, 10).expect("seeded");
        let p1 = store.get("p1").expect("p1");
        assert_eq!(
            (p1.database_type.as_str(), p1.backup_plan_name.as_str()),
            ("MySQL", "p1")
        );
        assert_eq!(p1.backup_plan_status, PlanStatus::Running);
        let p2 = store.get("p2").expect("p2");
        assert_eq!(p2.backup_plan_status, PlanStatus::Pause);
        assert_eq!(p2.backup_retention_period, Some(365));
        assert_eq!(p2.extra.get("Colour"), Some(&serde_json::json!("red")));
        assert_eq!(
            serde_json::to_value(p2).ok(),
            Some(
                serde_json::json!({"BackupPlanId":"p2","BackupPlanName":"cache",
                "BackupPlanStatus":"pause","BackupRetentionPeriod":365,"DatabaseType":"Redis",
                "Colour":"red"})
            )
        );

        let err = crate::Seed::from_json(
            r#"{"backup_plans":[
                {"BackupPlanId":"a","DatabaseType":"MySQL","BackupPlanStatus":"released"},
                {"BackupPlanId":"b","DatabaseType":"MySQL","BackupRetentionPeriod":"long"}]}"#,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            err.contains(
                "backup_plans[0]: BackupPlanStatus: unknown BackupPlanStatus \"released\""
            ) && err
                .contains("backup_plans[1]: BackupRetentionPeriod: invalid type: string \"long\""),
            "{err}"
        );
        // A password is refused, named but never quoted.
        let err = crate::Seed::from_json(
            r#"{"backup_plans":[{"BackupPlanId":"a","DatabaseType":"MySQL",
                "SourceEndpointPassword":"s3cret","EnableBackupLog":"yes"}]}"#,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert_eq!(
            err,
            "seed is not valid: backup_plans[0]: SourceEndpointPassword: the emulator keeps no \
             passwords; leave it out; EnableBackupLog: invalid type: string \"yes\", expected a \
             boolean"
        );
    }

    /// The metadata's DescribeBackupPlanList response example: 100 elements, PageSize 30,
    /// TotalPages 4.
    #[test]
    fn pages_follow_the_metadata_example_and_count_from_zero() {
        let mut store = PlanStore::new(200);
        let ids: Vec<String> = (0..100)
            .map(|_| store.create(postpay(), NOW).expect("room"))
            .collect();
        let all = PlanFilter::default();
        let first = store.list(&all, None, None).expect("listed");
        assert_eq!(
            (
                first.page_num,
                first.page_size,
                first.total_elements,
                first.total_pages
            ),
            (0, 30, 100, 4)
        );
        let shown: Vec<&str> = first
            .items
            .iter()
            .map(|p| p.backup_plan_id.as_str())
            .collect();
        assert_eq!(shown, ids[..30], "oldest first");
        let last = store.list(&all, Some(3), Some(30)).expect("listed");
        let shown: Vec<&str> = last
            .items
            .iter()
            .map(|p| p.backup_plan_id.as_str())
            .collect();
        assert_eq!(shown, ids[90..]);
        assert!(
            store
                .list(&all, Some(4), None)
                .expect("listed")
                .items
                .is_empty()
        );
        assert!(
            store
                .list(&all, Some(i32::MAX), Some(100))
                .expect("listed")
                .items
                .is_empty()
        );
        // PageSize bounds: 1 to 100.
        assert_eq!(store.list(&all, None, Some(1)).expect("1").items.len(), 1);
        let hundred = store.list(&all, None, Some(100)).expect("100");
        assert_eq!((hundred.items.len(), hundred.total_pages), (100, 1));
        for (num, size, name) in [
            (None, Some(0), "PageSize"),
            (None, Some(101), "PageSize"),
            (Some(-1), None, "PageNum"),
        ] {
            let (code, message) = refusal(store.list(&all, num, size));
            assert_eq!(code, "InvalidParameter");
            assert!(message.starts_with(&format!("{name}: ")), "{message}");
        }
        let empty = PlanStore::new(1).list(&all, None, None).expect("listed");
        assert_eq!((empty.total_elements, empty.total_pages), (0, 0));
    }

    #[test]
    fn every_filter_narrows_the_list() {
        let mut store = PlanStore::new(10);
        let a = store.create(order(), NOW).expect("a");
        let b = store
            .create(
                PlanOrder {
                    region: Some("cn-shanghai".to_owned()),
                    resource_group_id: Some("rg-other".to_owned()),
                    ..order()
                },
                NOW,
            )
            .expect("b");
        let c = store
            .create_and_start(order(), config(), None, NOW)
            .expect("c");
        let ids = |filter: PlanFilter| -> Vec<String> {
            store
                .list(&filter, None, None)
                .expect("listed")
                .items
                .into_iter()
                .map(|p| p.backup_plan_id)
                .collect()
        };
        // Comma-separated IDs, answered in creation order, unknown and repeated IDs ignored.
        assert_eq!(
            ids(PlanFilter {
                backup_plan_id: Some(format!("{c}, dbsnosuch,{a},{c}")),
                ..PlanFilter::default()
            }),
            [a.clone(), c.clone()]
        );
        assert_eq!(
            ids(PlanFilter {
                backup_plan_name: Some("orders".to_owned()),
                ..PlanFilter::default()
            }),
            [c.as_str()]
        );
        assert_eq!(
            ids(PlanFilter {
                backup_plan_status: Some("WAIT".to_owned()),
                ..PlanFilter::default()
            }),
            [a.clone(), b.clone()]
        );
        assert_eq!(
            ids(PlanFilter {
                region: Some("cn-shanghai".to_owned()),
                ..PlanFilter::default()
            }),
            [b.as_str()]
        );
        assert_eq!(
            ids(PlanFilter {
                resource_group_id: Some("rg-aekzecovzti1234".to_owned()),
                backup_plan_status: Some("running".to_owned()),
                ..PlanFilter::default()
            }),
            [c.as_str()]
        );
        assert!(
            ids(PlanFilter {
                backup_plan_id: Some(a.clone()),
                backup_plan_status: Some("running".to_owned()),
                ..PlanFilter::default()
            })
            .is_empty()
        );
        let (code, message) = refusal(store.list(
            &PlanFilter {
                backup_plan_status: Some("released".to_owned()),
                ..PlanFilter::default()
            },
            None,
            None,
        ));
        assert_eq!(code, "InvalidParameter");
        assert!(message.starts_with("BackupPlanStatus: "), "{message}");
        // The filtered total is what pages count.
        let page = store
            .list(
                &PlanFilter {
                    backup_plan_status: Some("wait".to_owned()),
                    ..PlanFilter::default()
                },
                Some(1),
                Some(1),
            )
            .expect("listed");
        assert_eq!(
            (page.total_elements, page.total_pages, page.items.len()),
            (2, 2, 1)
        );
        assert_eq!(page.items[0].backup_plan_id, b);
    }

    #[test]
    fn the_state_page_pages_plans_from_one() {
        let mut store = PlanStore::new(10);
        let ids: Vec<String> = (0..5)
            .map(|_| store.create(order(), NOW).expect("room"))
            .collect();
        let shown = |(plans, total): (Vec<PlanRecord>, usize)| -> (Vec<String>, usize) {
            (plans.into_iter().map(|p| p.backup_plan_id).collect(), total)
        };
        assert_eq!(shown(store.state_page(1, 2, None)), (ids[..2].to_vec(), 5));
        assert_eq!(shown(store.state_page(3, 2, None)), (ids[4..].to_vec(), 5));
        assert_eq!(shown(store.state_page(4, 2, None)), (Vec::new(), 5));
        assert_eq!(
            shown(store.state_page(1, 2, Some(&ids[3]))),
            (vec![ids[3].clone()], 1)
        );
        assert_eq!(
            shown(store.state_page(2, 2, Some(&ids[3]))),
            (Vec::new(), 1)
        );
        assert_eq!(shown(store.state_page(1, 2, Some("nope"))), (Vec::new(), 0));
    }

    /// Every field of `Items.BackupPlanDetail` in the official metadata
    /// (`Dbs-2019-03-06-api-docs.json`, DescribeBackupPlanList), spelled as there.
    #[test]
    fn a_record_has_every_backup_plan_detail_field() {
        const DETAIL: [&str; 37] = [
            "CrossRoleName",
            "SourceEndpointInstanceType",
            "BackupSetDownloadDir",
            "SourceEndpointIpPort",
            "CrossAliyunId",
            "DuplicationArchivePeriod",
            "BackupPlanId",
            "EndTimestampForRestore",
            "BackupPlanStatus",
            "BackupSetDownloadFullDataFormat",
            "BackupRetentionPeriod",
            "OSSBucketRegion",
            "SourceEndpointOracleSID",
            "BackupStorageType",
            "BackupMethod",
            "SourceEndpointRegion",
            "BackupPeriod",
            "SourceEndpointDatabaseName",
            "BackupSetDownloadGatewayId",
            "BackupPlanCreateTime",
            "InstanceClass",
            "BackupSetDownloadTargetType",
            "DuplicationInfrequentAccessPeriod",
            "BackupStartTime",
            "ErrMessage",
            "BackupObjects",
            "BeginTimestampForRestore",
            "SourceEndpointInstanceID",
            "OpenBackupSetAutoDownload",
            "BackupPlanName",
            "OSSBucketName",
            "BackupGatewayId",
            "SourceEndpointUserName",
            "BackupSetDownloadIncrementDataFormat",
            "EnableBackupLog",
            "ResourceGroupId",
            "DatabaseType",
        ];
        let text = String::from("x");
        let mut plan = PlanRecord::new("dbsx".to_owned(), "MySQL".to_owned());
        plan.backup_gateway_id = Some(1);
        plan.backup_method = Some(text.clone());
        plan.backup_objects = Some(text.clone());
        plan.backup_period = Some(text.clone());
        plan.backup_plan_create_time = Some(1);
        plan.backup_retention_period = Some(1);
        plan.backup_set_download_dir = Some(text.clone());
        plan.backup_set_download_full_data_format = Some(text.clone());
        plan.backup_set_download_gateway_id = Some(1);
        plan.backup_set_download_increment_data_format = Some(text.clone());
        plan.backup_set_download_target_type = Some(text.clone());
        plan.backup_start_time = Some(text.clone());
        plan.backup_storage_type = Some(text.clone());
        plan.begin_timestamp_for_restore = Some(1);
        plan.cross_aliyun_id = Some(text.clone());
        plan.cross_role_name = Some(text.clone());
        plan.duplication_archive_period = Some(1);
        plan.duplication_infrequent_access_period = Some(1);
        plan.enable_backup_log = Some(true);
        plan.end_timestamp_for_restore = Some(1);
        plan.err_message = Some(text.clone());
        plan.instance_class = Some(text.clone());
        plan.oss_bucket_name = Some(text.clone());
        plan.oss_bucket_region = Some(text.clone());
        plan.open_backup_set_auto_download = Some(true);
        plan.resource_group_id = Some(text.clone());
        plan.source_endpoint_database_name = Some(text.clone());
        plan.source_endpoint_instance_id = Some(text.clone());
        plan.source_endpoint_instance_type = Some(text.clone());
        plan.source_endpoint_ip_port = Some(text.clone());
        plan.source_endpoint_oracle_sid = Some(text.clone());
        plan.source_endpoint_region = Some(text.clone());
        plan.source_endpoint_user_name = Some(text);
        let json = serde_json::to_value(&plan).unwrap_or_default();
        let keys: std::collections::BTreeSet<&str> = json
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let expected: std::collections::BTreeSet<&str> = DETAIL.into_iter().collect();
        assert_eq!(keys, expected);
        // And it reads back as it was.
        let back: Option<PlanRecord> = serde_json::from_value(json).ok();
        assert_eq!(back, Some(plan));
    }
}
