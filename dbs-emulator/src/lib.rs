//! A local Alibaba Cloud Database Backup (DBS) 2019-03-06 endpoint, for tests, CI and demos:
//! what moto and LocalStack are for AWS.
//!
//! It answers all 36 operations of the API. It verifies signatures like the API gateway,
//! validates every parameter with the same generated code as the `dbs-api` client (with full
//! context: it knows each backup plan's engine), keeps state (backup plans from a seed or
//! created through the API, with their lifecycle; restore tasks; `ClientToken` idempotency for
//! every operation that takes a token, [below](#clienttoken-idempotency)), answers the operations it has no state for with the spec's example
//! ([below](#operations-answered-with-their-example)),
//! replies with Alibaba's error shapes, and injects faults on demand. It keeps that state in
//! memory only and forgets it when it exits.
//!
//! # Running it
//!
//! ```text
//! dbs-emulator [--listen ADDR] [--seed FILE] [--access-key ID:SECRET]... [--business-errors-http-status]
//!              [--max-nonces N] [--max-restore-tasks N] [--max-restore-task-bytes N]
//!              [--max-client-tokens N] [--body-budget-bytes N] [--task-duration-ms MS]
//!              [--sts-credential-lifetime-ms MS] [--imds-v1-allowed] [--max-temporary-credentials N]
//! ```
//!
//! It listens on `127.0.0.1:8080` by default (port 0 picks a free port) and prints
//! `listening on http://HOST:PORT` as the first line on stdout. Without `--access-key`, the demo
//! account `testid` / `testsecret` is accepted. Logs go to stderr (`RUST_LOG` filters them) and
//! never contain parameter values (see [below](#what-answers-and-logs-reveal)). A malformed
//! `--access-key` is a usage error that does not repeat the value given. The environment
//! variable `DBS_EMULATOR_ACCESS_KEY=ID:SECRET` gives one account when no `--access-key` is
//! given, which keeps the secret out of the process list; a malformed value is refused the same
//! way. `dbs emulator` takes the same options ([`account_options`] is their one reading).
//!
//! Listening on an address that is not loopback (`--listen 0.0.0.0:8080`) needs an account
//! from `--access-key` or `DBS_EMULATOR_ACCESS_KEY`: the demo account's secret is public, so
//! with it alone the emulator refuses to start rather than let in every machine that can reach
//! it. With an account, it prints that address as it is and a warning on stderr: the DBS API is
//! then reachable from other machines (the admin API still answers only connections from a
//! loopback peer address with a loopback `Host`, see [`admin`]).
//!
//! # In a test suite
//!
//! ```
//! use dbs_emulator::{Emulator, EmulatorConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::start(EmulatorConfig::default()).await?;
//! let endpoint = emulator.url(); // http://127.0.0.1:PORT
//! let (id, secret) = (emulator.access_key_id(), emulator.access_key_secret());
//! assert_eq!((id, secret), ("testid", "testsecret"));
//! // ... point a client at `endpoint`, then inspect what it did:
//! assert!(emulator.state().restore_tasks.is_empty());
//! # let _ = endpoint;
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # The gateway
//!
//! RPC requests go to `/` with any method; parameters may be in the query, in an
//! `application/x-www-form-urlencoded` body, or both (a body without a content type is read as
//! a form too). Every answer is JSON (`Format` is ignored) with an `x-acs-request-id` header.
//!
//! - **V3** (`Authorization: ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`): the
//!   action and version come from `x-acs-action` / `x-acs-version` (or the `Action` / `Version`
//!   parameters), the time from `x-acs-date`, the nonce from `x-acs-signature-nonce`.
//!   `SignedHeaders` must include `host` and every `x-acs-*` header sent, and
//!   `x-acs-content-sha256` must be the SHA-256 of the body.
//! - **V1** (HMAC-SHA1, no `Authorization` header): `Action`, `Version`, `AccessKeyId`,
//!   `Timestamp`, `SignatureNonce`, `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0` and
//!   `Signature` as parameters; the signature covers every query and body parameter except
//!   `Signature`, with the HTTP method as received.
//!
//! The checks run in the gateway's order, and the first failure is answered with HTTP 4xx and
//! `{"RequestId","HostId","Code","Message","Recommend"}` (`HostId` is the `Host` header):
//!
//! | Check | Code | HTTP |
//! | --- | --- | --- |
//! | a parameter is given more than once (in the query, the body, or across both) | `InvalidParameter`, naming each repeated parameter (never a value) | 400 |
//! | a common parameter is missing | `MissingParameter` | 400 |
//! | `Version` is not `2019-03-06` | `InvalidVersion` | 400 |
//! | the action is not in the spec | `InvalidAction.NotFound` | 404 |
//! | the V3 `Authorization` header is malformed or not `ACS3-HMAC-SHA256` | `IncompleteSignature` | 400 |
//! | the AccessKeyId is not an accepted account, nor temporary credentials the emulator issued and still keeps | `InvalidAccessKeyId.NotFound` | 404 |
//! | temporary credentials (`STS.…`) without their SecurityToken (`SecurityToken` parameter, V1; `x-acs-security-token` header, V3) | `MissingSecurityToken` | 400 |
//! | a SecurityToken the emulator did not issue | `InvalidSecurityToken.Malformed` | 400 |
//! | a SecurityToken issued with another AccessKeyId | `InvalidSecurityToken.MismatchWithAccessKey` | 400 |
//! | temporary credentials past their `Expiration` | `InvalidSecurityToken.Expired` | 400 |
//! | the timestamp is not `YYYY-MM-DDThh:mm:ssZ` | `InvalidTimeStamp.Format` | 400 |
//! | the timestamp is more than 15 minutes away | `InvalidTimeStamp.Expired` | 400 |
//! | a signature piece is missing or unsupported; a header is not signed | `IncompleteSignature` | 400 |
//! | the signature (or V3 content hash) differs | `SignatureDoesNotMatch`, echoing `server string to sign is:<text>` | 400 |
//! | the nonce was used by a request whose timestamp is still valid | `SignatureNonceUsed` | 400 |
//! | the nonce is new, but the emulator already remembers its limit of unexpired nonces | `Throttling`, with `x-acs-retry-after` | 429 |
//!
//! Every code the emulator answers, its HTTP status and the start of its message come from the
//! spec's error table ([`dbs_api::CommonErrorCode`]); what was wrong follows the table's message.
//! The nonce limit's `Throttling` is the one status that differs (429, an HTTP throttle).
//!
//! A nonce is recorded only once the signature is valid, and kept until its own request's
//! timestamp expires ([`NONCE_WINDOW`] after it, whatever the order requests arrived in), so
//! the same signed bytes are refused for as long as their timestamp would pass. The memory of
//! nonces is bounded ([`EmulatorConfig::max_nonces`], a million by default); when it is full of
//! unexpired nonces, new ones are refused rather than an old one forgotten early (fail
//! closed), until the soonest expires. (The real gateway is reported to refuse a nonce for 31
//! minutes whatever the timestamp; the emulator refuses every replay too, but accepts a nonce
//! reused under a new timestamp and signature once the first timestamp has expired.) Before
//! these checks: a path other than
//! `/` is `InvalidApi.NotFound` (404), a body over the limit (1 MiB by default) is
//! `RequestEntityTooLarge` (413), a body that does not fit in the budget all connections share
//! (64 MiB by default, [`EmulatorConfig::body_budget_bytes`]) is `ServiceUnavailable` (503), a
//! body not received in full within 30 seconds of the request
//! head ([`EmulatorConfig::body_read_timeout`]) is `RequestTimeout` (408, and the connection is
//! closed), and parameters that are not UTF-8 or have a malformed `%` escape are
//! `InvalidParameter` (400), all in the same shape. A connection that sends no request (or only
//! part of a request head) for 30 seconds is closed without an answer.
//!
//! Repeated parameters are refused rather than resolved (first or last wins) because a gateway
//! that picks one value lets a request show one `Signature`, `Timestamp` or `AccessKeyId` to
//! one reader and another to the next. This covers every name: the signing and common
//! parameters (`Signature`, `SignatureMethod`, `SignatureVersion`, `SignatureNonce`,
//! `Timestamp`, `AccessKeyId`, `SecurityToken`, `Action`, `Version`, …) and the operation's
//! own, which no valid request repeats (RPC lists are `Name.1`, `Name.2`, …). The code is
//! `InvalidParameter` for all of them, like the other parameter-syntax errors above, since the
//! problem is the request's shape rather than its signature.
//!
//! # What answers and logs reveal
//!
//! `SignatureDoesNotMatch` for V1 ends with the server's StringToSign, which is the method and
//! every parameter, values included, the destination password among them. That is what the real
//! gateway does, and clients rely on it to tell a wrong secret from an encoding bug (the
//! `dbs-api` client compares it with its own and redacts it before showing it). The emulator
//! keeps the echo, in the answer only: its logs, at every level up to `RUST_LOG=trace`, carry
//! request IDs, API action names (an `Action` that is not one is logged as `(unknown)`),
//! statuses and error codes, never a parameter value, a StringToSign, a signature or a secret.
//! Business errors name parameters but never quote a sensitive value.
//!
//! # The service
//!
//! After the gateway, `CreateRestoreTask` parses the parameters with the generated
//! `CreateRestoreTaskInput::from_wire_params`, rejects enum values the spec does not list, runs
//! the generated `validate` without context, looks up the backup plan, and runs `validate`
//! again with the plan's engine, so every rule (R1–R11) is enforced. Failures are business
//! errors, `{"RequestId","Success":false,"ErrCode","ErrMessage","HttpStatusCode":400}`, sent
//! with HTTP 200 (as the real service may, and as the official SDKs silently accept) unless the
//! emulator runs with `--business-errors-http-status`
//! ([`EmulatorConfig::business_errors_http_status`]), which sends the `HttpStatusCode`:
//!
//! | Problem | `ErrCode` |
//! | --- | --- |
//! | a value does not parse, an enum value is unknown, a rule is broken | `InvalidParameter`, naming every parameter and rule (`… [R1] (see <reference>)`), never a password |
//! | `BackupPlanId` is not a plan the emulator holds (seeded or created through the API) | `Param.NotFound` |
//! | `RestoreTime` is not restorable for the plan (outside its range, or the plan has no backup yet) | `InvalidParameter`, saying the restorable span ([`restore`]) |
//! | `BackupSetId` is not one of the plan's full backup sets (another plan's, or none) | `Param.NotFound` (the common table's code for an object that does not exist) |
//! | `ClientToken` over 64 characters, or not all visible ASCII (the reference's rule, which the `dbs-api` client checks too), for any operation that takes one | `InvalidParameter`, before anything else is looked at; the token is not quoted |
//! | `ClientToken` reused with other parameters | `IdempotentParameterMismatch`, naming the parameters that differ |
//! | a new `ClientToken` while the emulator remembers its limit of them ([below](#clienttoken-idempotency)) | `Throttling`, naming the limit and the flag that raises it |
//! | the emulator holds its limit of restore tasks ([`EmulatorConfig::max_restore_tasks`], 10,000 by default, or [`EmulatorConfig::max_restore_task_bytes`], 256 MiB) | `QuotaExceeded`, naming the limit and the flag that raises it (in the spec's error table: the name Alibaba's services use for a quota, which clients do not retry) |
//!
//! Success is `{"RequestId","RestoreTaskId":"r…","Success":true,"HttpStatusCode":200}`. A
//! `ClientToken` (per AccessKeyId) seen before with the same parameters (every parameter but
//! the token, the password compared by a salted hash) returns the same `RestoreTaskId` and
//! creates nothing, even when the limit of tasks is reached. An empty `ClientToken`
//! (`ClientToken=`, or only spaces) is no token: each such request creates a new task. The password is never
//! stored in clear nor shown. A new task costs the same whatever the number of tasks held
//! (IDs are checked against a set, never by a scan).
//!
//! ## The backup plans
//!
//! `CreateBackupPlan`, `CreateAndStartBackupPlan`, `ConfigureBackupPlan`, `StartBackupPlan`,
//! `StopBackupPlan`, `ReleaseBackupPlan`, `RenewBackupPlan`, `UpgradeBackupPlan`,
//! `ModifyBackupPlanName`, `ModifyBackupObjects`, `ModifyBackupStrategy`,
//! `ModifyStorageStrategy`, `ModifyBackupSourceEndpoint`, `EnableBackupLog` and
//! `DisableBackupLog` act on the emulator's backup plans (the seed's, and those created through
//! the API), and `DescribeBackupPlanList` shows them, filtered by `BackupPlanId`,
//! `BackupPlanName`, `BackupPlanStatus`, `Region` and `ResourceGroupId`, one page at a time
//! (`PageNum` from 0, `PageSize` 1 to 100, default 30, with `TotalElements` and `TotalPages`).
//! Each is parsed and checked like `CreateRestoreTask` (`ModifyBackupSourceEndpoint` with the
//! plan's engine too). A plan in the wrong state is `InvalidParameter` ("This backupPlan can't
//! support this action", then what the plan is and what the operation needs); an unknown or
//! released `BackupPlanId` is `Param.NotFound`. [`plans`] has the lifecycle and its sources. A
//! plan created through the API can be restored from: `CreateRestoreTask` checks its rules with
//! the plan's `DatabaseType`. No password is kept; no order is placed (`OrderId` is absent);
//! the Modify operations answer `NeedPrecheck: false`. A `CreateBackupPlan` retried with its
//! `ClientToken` after its answer was lost buys no second plan ([below](#clienttoken-idempotency)).
//!
//! ## Restoring
//!
//! `StartRestoreTask` starts a task `CreateRestoreTask` made, and `DescribeRestoreTaskList`
//! (by `BackupPlanId`, or by `RestoreTaskId`, comma-separated; `StartTimestamp` and
//! `EndTimestamp` bound `RestoreTaskCreateTime`; pages from 0), `DescribePreCheckProgressList`
//! and `DescribeJobErrorCode` follow it: its precheck, then `init` → `running` → `check_pass`
//! (finished), its progress fields rising over [`EmulatorConfig::task_duration_ms`]
//! (`--task-duration-ms`, 5 seconds by default), computed from the clock when read. An unknown
//! `RestoreTaskId` is `Param.NotFound`; starting a task that is already started or finished is
//! `InvalidParameter` (a failed one may be started again). The fault kind `task_failure` makes
//! a task fail half-way (`stop`, with `ErrMessage`) with a job error `DescribeJobErrorCode`
//! explains. A running plan has backup history: `DescribeFullBackupList`,
//! `DescribeIncrementBackupList`, `DescribeRestoreRangeInfo`; the seed's `BackupGatewayId`s
//! are the gateways of `DescribeBackupGatewayList`. `CreateRestoreTask` refuses a
//! `RestoreTime` the plan cannot restore to (`InvalidParameter`) and a `BackupSetId` that is
//! not one of the plan's (`Param.NotFound`). [`restore`] has the details and the choices made.
//!
//! ## `ClientToken` idempotency
//!
//! Every operation the spec gives an idempotency token (`ClientToken`) and does not mark
//! `idempotent` honours it, as the registry says
//! ([`OperationMeta::idempotency_token`](dbs_api::OperationMeta::idempotency_token),
//! [`OperationMeta::idempotent`](dbs_api::OperationMeta::idempotent)); no operation is named
//! in the code. In this spec that is every operation but the idempotent reads (`Describe*`,
//! `GetDBListFromAgent`), which act on every request, and `InitializeDbsServiceLinkedRole`,
//! which takes no token. A request with a token that is not blank, once it parses and keeps the rules that
//! need no context, is keyed by (AccessKeyId, action, token) and fingerprinted: every other
//! parameter as the generated code re-serializes it (so a retry sent another way, query or
//! body, V1 or V3, compares equal), each value kept only as a salted 128-bit hash, so no secret
//! is stored. Then:
//!
//! - the first success is remembered with its answer, for [`CLIENT_TOKEN_WINDOW`] (an hour);
//! - the same key and fingerprint again gets that answer again, with its own `RequestId`
//!   (and the example header if the answer was an example), and acts no more;
//! - the same key with another fingerprint is `IdempotentParameterMismatch`, naming the
//!   parameters that differ, never a value;
//! - a refusal (a business or gateway error) is not remembered: the token may be used again.
//!
//! The memory is bounded ([`EmulatorConfig::max_client_tokens`], 10,000 by default). Full of
//! unexpired tokens, it refuses a request with a new token with the business error
//! `Throttling` (retryable, HTTP 400 in the spec's table) before the request acts, until the
//! oldest expires; it never forgets a token early, which would let a late retry act twice.
//! A remembered token is still answered when the memory is full. Requests with a token are
//! handled one at a time (the handlers work in memory), so a retry racing its first attempt
//! waits for it and gets its answer. `CreateRestoreTask` also keeps each task's token with the
//! task, so a retry finds its task for as long as the task is kept, even after the window.
//!
//! ## Operations answered with their example
//!
//! Every other operation is parsed and checked against the spec's rules like the others (a
//! request that breaks one is `InvalidParameter`), then answered with the spec's example
//! response, Alibaba's official success example, with the request's own fresh `RequestId`. The
//! answer carries the header [`EXAMPLE_HEADER`] (`x-dbs-emulator-example: true`), which the real
//! service never sends, so a test can tell a canned answer from state. These are:
//!
//! <!-- example-answered operations: begin -->
//! - `CreateFullBackupSetDownload`
//! - `CreateGetDBListFromAgentTask`
//! - `CreateIncrementBackupSetDownload`
//! - `DescribeBackupPlanBilling`
//! - `DescribeBackupSetDownloadTaskList`
//! - `DescribeDLAService`
//! - `DescribeNodeCidrList`
//! - `DescribeRegions`
//! - `GetDBListFromAgent`
//! - `InitializeDbsServiceLinkedRole`
//! - `ModifyBackupSetDownloadRules`
//! <!-- example-answered operations: end -->
//!
//! The example is the metadata's as it is, fields and all: several official success examples
//! also carry `ErrCode` and `ErrMessage` (`DescribeRegions`' even `HttpStatusCode: 400`) beside
//! `Success: true`, and clients read them as successes. The example does not look at the
//! request.
//!
//! # Temporary credentials: STS, ECS metadata, credentials URI
//!
//! On the same listener, for tests of credential providers, the emulator plays Alibaba Cloud
//! STS ([`sts`]: `AssumeRole` and `AssumeRoleWithOIDC`, `Version=2015-04-01`, on `/`), the ECS
//! instance metadata service ([`imds`]: IMDSv2 token and RAM role paths under `/latest/`) and a
//! credentials URI ([`credentials_uri`]: `GET /credentials-uri`). Each issues temporary
//! credentials (`STS.…` AccessKeyId, secret, SecurityToken, `Expiration` in whole seconds,
//! `2026-12-07T10:00:00Z`) that the gateway accepts with their SecurityToken until they
//! expire. Their lifetime is `DurationSeconds` (STS) or an hour, or whatever
//! [`EmulatorConfig::sts_credential_lifetime_ms`] says (`--sts-credential-lifetime-ms`); at
//! most [`EmulatorConfig::max_temporary_credentials`] are kept. A permanent AccessKeyId sent
//! with a SecurityToken is accepted as before (the token is ignored). The DBS path pays
//! nothing for this: STS is looked for only when `Version` is not DBS's, and the store of
//! temporary credentials only for an AccessKeyId starting `STS.`.
//!
//! The anonymous endpoints (`AssumeRoleWithOIDC`, the metadata service, the credentials URI)
//! hand credentials to whoever asks, so they answer only callers on this machine (a loopback
//! peer with a loopback `Host`, as the admin API). Requests to each are counted
//! ([`CredentialCounters`], `credentials` in the state), and faults apply to them by action:
//! `AssumeRole`, `AssumeRoleWithOIDC`, [`METADATA_FAULT_ACTION`] (`EcsMetadata`) and
//! [`CREDENTIALS_URI_FAULT_ACTION`] (`CredentialsUri`), so a test can make each fail for its
//! next N calls.
//!
//! # Admin API, seed, faults
//!
//! See [`admin`] for `/_emulator/health`, `/_emulator/state` and `/_emulator/faults`, [`seed`]
//! for the seed file, [`plans`] for the backup plans it keeps (their lifecycle, the errors a
//! plan in the wrong state gets, and how `DescribeBackupPlanList` filters and pages them), and
//! [`faults`] for what each fault does and when it applies.

pub mod admin;
mod config;
mod credential_endpoints;
pub mod credentials_uri;
mod dbs;
mod examples;
pub mod faults;
mod foreground;
mod gateway;
mod handler;
mod idempotency;
pub mod imds;
mod plan_handlers;
pub mod plans;
mod reply;
pub mod restore;
mod restore_handlers;
pub mod seed;
mod server;
mod state;
pub mod sts;
mod temporary;

pub use config::{
    AccessKey, AccessKeyValueParser, CLIENT_TOKEN_WINDOW, DEFAULT_BODY_BUDGET_BYTES,
    DEFAULT_BODY_READ_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CLIENT_TOKENS,
    DEFAULT_MAX_NONCES, DEFAULT_MAX_RESTORE_TASK_BYTES, DEFAULT_MAX_RESTORE_TASKS,
    DEFAULT_MAX_TEMPORARY_CREDENTIALS, DEFAULT_TASK_DURATION_MS,
    DEFAULT_TEMPORARY_LIFETIME_SECONDS, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, EmulatorConfig,
    MAX_FAULTS, NONCE_WINDOW, ParseAccessKeyError, TIMESTAMP_WINDOW,
};
pub use credential_endpoints::{CREDENTIALS_URI_FAULT_ACTION, METADATA_FAULT_ACTION};
pub use faults::{Fault, FaultKind};
pub use foreground::{ACCESS_KEY_VAR, ServeError, account_options, serve_foreground};
pub use plans::{PlanRecord, PlanStatus};
pub use reply::EXAMPLE_HEADER;
pub use seed::{BackupPlan, MAX_SEED_FILE_BYTES, Seed, SeedError};
pub use server::{Emulator, EmulatorHandle, InvalidFault, StartError};
pub use state::{
    DEFAULT_STATE_PAGE_SIZE, MAX_STATE_PAGE_SIZE, RestoreTask, StatePage, StateQuery,
    StateSnapshot, TaskLimitReached,
};
pub use temporary::{CredentialCounters, MAX_METADATA_TOKENS, TEMPORARY_ACCESS_KEY_PREFIX};
