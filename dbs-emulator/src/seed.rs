//! The backup plans the emulator knows: its seed.
//!
//! A seed is JSON with one key, `backup_plans`, a list of plans written like
//! `DescribeBackupPlanList`'s `BackupPlanDetail`:
//!
//! ```json
//! {
//!   "backup_plans": [
//!     { "BackupPlanId": "dbsmysql0001", "DatabaseType": "MySQL", "BackupPlanName": "orders" },
//!     { "BackupPlanId": "dbsredis0001", "DatabaseType": "Redis", "SourceEndpointInstanceType": "rds" }
//!   ]
//! }
//! ```
//!
//! - `BackupPlanId` (required): a non-empty ID, unique in the seed.
//! - `DatabaseType` (required): the source engine, one of the spec's `SourceDatabaseType` values
//!   (`MySQL`, `MSSQL`, `Oracle`, `MariaDB`, `PostgreSQL`, `DRDS`, `MongoDB`, `Redis`; any ASCII
//!   case). It is the context the emulator validates `CreateRestoreTask` with, so every rule,
//!   including those a client cannot decide (R5–R7, R10, R11), is enforced.
//! - `BackupPlanName` and any other field of `BackupPlanDetail` (`BackupPlanStatus`,
//!   `SourceEndpointInstanceType`, `Region`, `PayType`, …; see [`PlanRecord`](crate::PlanRecord))
//!   are optional and typed: a number where the API has a number, a `BackupPlanStatus` the docs
//!   list (any ASCII case). A plan without a status is `running`, one without a name is named
//!   by its ID. Fields the API does not have are kept as given. The plans become records of
//!   the emulator's plan store ([`plans`](crate::plans)): the plan operations change them, and
//!   `GET /_emulator/state` shows them.
//!
//! Any other top-level key is an error, so a typo does not silently give an empty seed.
//!
//! A seed file must be a regular file (or a symbolic link to one) of at most
//! [`MAX_SEED_FILE_BYTES`] (16 MiB): `--seed /dev/zero` would otherwise be read until memory runs
//! out, and a FIFO would hang the start. The type is checked before opening and again on the
//! opened handle (the path may be swapped in between), and the open never blocks
//! (`O_NONBLOCK` on Unix), as `dbs-api` reads credentials files.

use std::fmt;
use std::path::{Path, PathBuf};

use dbs_api::SourceDatabaseType;
use dbs_api::local_file::{ReadFileError, read_regular_file};
use serde::{Deserialize, Serialize};

/// One backup plan, as `DescribeBackupPlanList` would describe it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackupPlan {
    /// `BackupPlanId`: the ID requests name.
    #[serde(rename = "BackupPlanId")]
    pub backup_plan_id: String,
    /// `DatabaseType`: the source engine, which decides the engine-dependent rules.
    #[serde(rename = "DatabaseType")]
    pub database_type: SourceDatabaseType,
    /// `BackupPlanName`, if given.
    #[serde(
        rename = "BackupPlanName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub backup_plan_name: Option<String>,
    /// Every other field, kept as given.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl BackupPlan {
    /// A plan with an ID and an engine, nothing else.
    pub fn new(backup_plan_id: impl Into<String>, database_type: SourceDatabaseType) -> Self {
        Self {
            backup_plan_id: backup_plan_id.into(),
            database_type,
            backup_plan_name: None,
            extra: serde_json::Map::new(),
        }
    }

    /// Sets `BackupPlanName`.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.backup_plan_name = Some(name.into());
        self
    }

    /// Sets another field by its wire name (`BackupPlanStatus`, `PayType`, …), kept in
    /// [`extra`](Self::extra).
    pub fn with_field(
        mut self,
        name: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.extra.insert(name.into(), value.into());
        self
    }
}

/// The largest seed file read, in bytes (16 MiB): room for about a hundred thousand plans.
pub const MAX_SEED_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The plans an emulator starts with.
///
/// [`Seed::default`] is the built-in demo seed: one plan per engine, `dbsdemomysql01` (MySQL),
/// `dbsdemopgsql01` (PostgreSQL), `dbsdemomongo01` (MongoDB), `dbsdemomssql01` (MSSQL),
/// `dbsdemoredis01` (Redis), `dbsdemoorcl01` (Oracle), `dbsdemomaria01` (MariaDB) and
/// `dbsdemodrds01` (DRDS).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// The backup plans.
    pub backup_plans: Vec<BackupPlan>,
}

/// The built-in plans: (ID, engine, name).
/// Where the demo plans' backup history begins: 2019-04-06 14:21:17 UTC, the reference's
/// example `RestoreTime` for `CreateRestoreTask`, so the reference's example request restores
/// against the built-in seed.
const DEMO_HISTORY_BEGIN_MS: i64 = 1_554_560_477_000;

const DEMO_PLANS: &[(&str, SourceDatabaseType, &str)] = &[
    (
        "dbsdemomysql01",
        SourceDatabaseType::MySql,
        "demo MySQL plan",
    ),
    (
        "dbsdemopgsql01",
        SourceDatabaseType::PostgreSql,
        "demo PostgreSQL plan",
    ),
    (
        "dbsdemomongo01",
        SourceDatabaseType::MongoDb,
        "demo MongoDB plan",
    ),
    (
        "dbsdemomssql01",
        SourceDatabaseType::Mssql,
        "demo SQL Server plan",
    ),
    (
        "dbsdemoredis01",
        SourceDatabaseType::Redis,
        "demo Redis plan",
    ),
    (
        "dbsdemoorcl01",
        SourceDatabaseType::Oracle,
        "demo Oracle plan",
    ),
    (
        "dbsdemomaria01",
        SourceDatabaseType::MariaDb,
        "demo MariaDB plan",
    ),
    (
        "dbsdemodrds01",
        SourceDatabaseType::Drds,
        "demo PolarDB-X plan",
    ),
];

impl Default for Seed {
    fn default() -> Self {
        Self {
            backup_plans: DEMO_PLANS
                .iter()
                .map(|(id, engine, name)| {
                    BackupPlan::new(*id, engine.clone())
                        .with_name(*name)
                        .with_field("BeginTimestampForRestore", DEMO_HISTORY_BEGIN_MS)
                })
                .collect(),
        }
    }
}

impl Seed {
    /// A seed with no plans.
    pub fn empty() -> Self {
        Self {
            backup_plans: Vec::new(),
        }
    }

    /// Parses and checks a seed (format in the [module docs](self)).
    ///
    /// ```
    /// let seed = dbs_emulator::Seed::from_json(
    ///     r#"{"backup_plans":[{"BackupPlanId":"dbsmysql0001","DatabaseType":"mysql"}]}"#,
    /// )?;
    /// assert_eq!(seed.backup_plans[0].database_type, dbs_api::SourceDatabaseType::MySql);
    /// # Ok::<(), dbs_emulator::SeedError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SeedError::Json`] when the text is not a seed, [`SeedError::Invalid`] for an empty or
    /// repeated `BackupPlanId` or a `DatabaseType` the spec does not know.
    pub fn from_json(text: &str) -> Result<Self, SeedError> {
        let seed: Seed = serde_json::from_str(text).map_err(SeedError::Json)?;
        seed.check()?;
        Ok(seed)
    }

    /// Reads a seed file.
    ///
    /// # Errors
    ///
    /// [`SeedError::Io`] when the file cannot be read, [`SeedError::NotRegularFile`] for a
    /// directory, device, FIFO or socket, [`SeedError::TooLarge`] past
    /// [`MAX_SEED_FILE_BYTES`], otherwise as [`Seed::from_json`], with the path in the message.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SeedError> {
        let path = path.as_ref();
        let text = read_seed_file(path)?;
        Self::from_json(&text).map_err(|e| e.in_file(path))
    }

    /// Adds a plan (builder style).
    pub fn with_plan(mut self, plan: BackupPlan) -> Self {
        self.backup_plans.push(plan);
        self
    }

    /// Checks the invariants `from_json` promises; also run on seeds built in code.
    pub(crate) fn check(&self) -> Result<(), SeedError> {
        let mut problems = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (i, plan) in self.backup_plans.iter().enumerate() {
            if plan.backup_plan_id.trim().is_empty() {
                problems.push(format!("backup_plans[{i}]: BackupPlanId must not be empty"));
            } else if !seen.insert(plan.backup_plan_id.as_str()) {
                problems.push(format!(
                    "backup_plans[{i}]: BackupPlanId {:?} appears more than once",
                    plan.backup_plan_id
                ));
            }
            if let SourceDatabaseType::Unknown(other) = &plan.database_type {
                problems.push(format!(
                    "backup_plans[{i}]: unknown DatabaseType {other:?}; expected one of {}",
                    SourceDatabaseType::VALUES.join(", ")
                ));
            }
            if let Err(e) = crate::plans::PlanRecord::from_seed(plan) {
                problems.push(format!("backup_plans[{i}]: {e}"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SeedError::Invalid {
                path: None,
                problems,
            })
        }
    }
}

/// Why a seed could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// The seed file could not be read.
    #[error("cannot read seed file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The seed file is not a regular file (`/dev/zero`, a FIFO, a directory).
    #[error(
        "seed file {} is {kind}, not a regular file; seeds are read from regular files only",
        path.display()
    )]
    NotRegularFile {
        /// The file.
        path: PathBuf,
        /// What it is instead: `a directory`, `a FIFO`, `a character device`, ...
        kind: &'static str,
    },
    /// The seed file is larger than [`MAX_SEED_FILE_BYTES`]; it was not read past the limit.
    #[error(
        "seed file {} is larger than {MAX_SEED_FILE_BYTES} bytes (16 MiB), the most a seed may \
         hold; not read",
        path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// The text is not JSON of the seed's shape.
    #[error("seed is not valid: {0}")]
    Json(#[source] serde_json::Error),
    /// The seed file is not JSON of the seed's shape.
    #[error("seed file {} is not valid: {source}", path.display())]
    JsonInFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// The seed parsed but breaks a rule; every problem is listed.
    #[error("{}", InvalidDisplay { path: path.as_deref(), problems })]
    Invalid {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// Each problem, naming the plan.
        problems: Vec<String>,
    },
}

impl SeedError {
    fn in_file(self, file: &Path) -> Self {
        match self {
            SeedError::Json(source) => SeedError::JsonInFile {
                path: file.to_owned(),
                source,
            },
            SeedError::Invalid { problems, .. } => SeedError::Invalid {
                path: Some(file.to_owned()),
                problems,
            },
            other => other,
        }
    }
}

/// Reads a seed file as UTF-8 text: a regular file only, never more than
/// [`MAX_SEED_FILE_BYTES`] (see [`dbs_api::local_file`]).
fn read_seed_file(path: &Path) -> Result<String, SeedError> {
    let path_buf = || path.to_owned();
    match read_regular_file(path, MAX_SEED_FILE_BYTES) {
        Ok((text, _)) => Ok(text),
        Err(ReadFileError::NotRegularFile { kind }) => Err(SeedError::NotRegularFile {
            path: path_buf(),
            kind,
        }),
        Err(ReadFileError::TooLarge { .. }) => Err(SeedError::TooLarge { path: path_buf() }),
        Err(ReadFileError::Io(source)) => Err(SeedError::Io {
            path: path_buf(),
            source,
        }),
        Err(other) => Err(SeedError::Io {
            path: path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, other.to_string()),
        }),
    }
}

struct InvalidDisplay<'a> {
    path: Option<&'a Path>,
    problems: &'a [String],
}

impl fmt::Display for InvalidDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path {
            Some(path) => write!(f, "seed file {} is not valid: ", path.display())?,
            None => f.write_str("seed is not valid: ")?,
        }
        f.write_str(&self.problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_seed_has_one_plan_per_engine_and_passes_its_checks() {
        let seed = Seed::default();
        assert!(seed.check().is_ok());
        for id in [
            "dbsdemomysql01",
            "dbsdemopgsql01",
            "dbsdemomongo01",
            "dbsdemomssql01",
            "dbsdemoredis01",
            "dbsdemoorcl01",
        ] {
            assert!(
                seed.backup_plans.iter().any(|p| p.backup_plan_id == id),
                "{id}"
            );
        }
        let engines: std::collections::BTreeSet<&str> = seed
            .backup_plans
            .iter()
            .map(|p| p.database_type.as_str())
            .collect();
        assert_eq!(engines.len(), SourceDatabaseType::VALUES.len());
    }

    #[test]
    fn seed_round_trips_and_keeps_extra_fields() {
        let text = r#"{"backup_plans":[{"BackupPlanId":"p1","DatabaseType":"MSSQL","BackupPlanStatus":"running"}]}"#;
        let seed = Seed::from_json(text).expect("valid seed");
        assert_eq!(
            seed.backup_plans[0].extra.get("BackupPlanStatus"),
            Some(&serde_json::json!("running"))
        );
        let back = serde_json::to_value(&seed).ok();
        assert_eq!(
            back,
            Some(
                serde_json::json!({"backup_plans":[{"BackupPlanId":"p1","DatabaseType":"MSSQL","BackupPlanStatus":"running"}]})
            )
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let text = r#"{"backup_plans":[
            {"BackupPlanId":"a","DatabaseType":"MySQL"},
            {"BackupPlanId":"a","DatabaseType":"SQLServer"},
            {"BackupPlanId":" ","DatabaseType":"Redis"}]}"#;
        let err = Seed::from_json(text).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "seed is not valid: backup_plans[1]: BackupPlanId \"a\" appears more than once; \
                 backup_plans[1]: unknown DatabaseType \"SQLServer\"; expected one of MySQL, MSSQL, \
                 Oracle, MariaDB, PostgreSQL, DRDS, MongoDB, Redis; \
                 backup_plans[2]: BackupPlanId must not be empty"
            )
        );
    }

    #[test]
    fn unknown_top_level_keys_and_missing_fields_are_errors() {
        assert!(Seed::from_json(r#"{"backup_plan":[]}"#).is_err());
        assert!(Seed::from_json(r#"{"backup_plans":[{"BackupPlanId":"a"}]}"#).is_err());
    }
}
