//! Rust SDK for the Alibaba Cloud Database Backup (DBS) OpenAPI, version 2019-03-06.
//!
//! Every operation is generated from the JSON spec in `spec/dbs-2019-03-06/`: a request type with
//! a builder, a validator that knows the API's conditional requirements, a typed response and a
//! client method. The runtime signs (ACS3-HMAC-SHA256 by default, or HMAC-SHA1), sends over
//! HTTPS, retries safely and classifies every answer into a typed result or [`Error`].
//!
//! # Creating a restore task
//!
//! ```no_run
//! use dbs_api::{Client, DestinationEndpointInstanceType, RestoreObject};
//!
//! # async fn run() -> Result<(), dbs_api::Error> {
//! // Region from the argument, credentials from the default chain: the environment
//! // (ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET), then
//! // ~/.aliyun/config.json, then ~/.alibabacloud/credentials.
//! let client = Client::builder().region("cn-hangzhou").build()?;
//!
//! let output = client
//!     .create_restore_task()
//!     .backup_plan_id("dbs1hvb0ww****")
//!     .restore_task_name("restore-orders")
//!     .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds)
//!     .destination_endpoint_region("cn-hangzhou")
//!     .destination_endpoint_instance_id("rm-bp1p8c29*****")
//!     .destination_endpoint_user_name("restore_user")
//!     .destination_endpoint_password(std::env::var("DB_PASSWORD").unwrap_or_default())
//!     .restore_objects([RestoreObject::new("orders").new_db_name("orders_restored")])
//!     .send()
//!     .await?;
//! println!("created {:?}", output.restore_task_id);
//! # Ok(()) }
//! ```
//!
//! # Reading a list operation's nested output
//!
//! Every operation of DBS 2019-03-06 is here (36, imported from Alibaba's official metadata).
//! Responses nest as the service sends them: a list operation's items sit in a structure under
//! `Items`, one typed structure per item, with enums read in any case (`running` and
//! `RUNNING` are both [`RestoreStatus::Running`]) and a value the spec does not know kept in
//! `Unknown`. Every field is an `Option`: the service leaves fields out freely.
//!
//! ```no_run
//! use dbs_api::{Client, RestoreStatus};
//!
//! # async fn run(client: &Client) -> Result<(), dbs_api::Error> {
//! // One page: pages count from 0 (`PageNum`), `TotalPages` says how many there are.
//! let page = client
//!     .describe_restore_task_list()
//!     .backup_plan_id("dbs1hvb0ww****")
//!     .page_num(0)
//!     .page_size(30)
//!     .send()
//!     .await?;
//! println!("{:?} tasks on {:?} pages", page.total_elements, page.total_pages);
//! // `Items.RestoreTaskDetail` on the wire: a list of `RestoreTaskDetail`.
//! let tasks = page.items.and_then(|items| items.restore_task_detail).unwrap_or_default();
//! for task in &tasks {
//!     match &task.restore_status {
//!         Some(RestoreStatus::Running) => println!("{:?} running", task.restore_task_id),
//!         Some(RestoreStatus::Unknown(other)) => println!("new status {other}"),
//!         other => println!("{:?}: {other:?}", task.restore_task_id),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Each output also serializes back to JSON under the wire's field names.
//! Paged operations carry their pagination facts (page parameters, totals, the items' path) in
//! [`OperationMeta::pagination`], and a paginator built on them walks every page for you:
//! `.into_paginator()` on the call gives a [`Paginator`], whose `.items()` is a stream of every
//! page's items in order and `.send()` a stream of the pages (see [`paginator`]).
//!
//! ```no_run
//! # use dbs_api::Client;
//! # async fn run(client: &Client) -> Result<(), dbs_api::Error> {
//! use futures_util::TryStreamExt as _;
//! let pages: Vec<_> = client
//!     .describe_restore_task_list()
//!     .backup_plan_id("dbs1hvb0ww****")
//!     .page_size(30)
//!     .into_paginator()
//!     .send()
//!     .try_collect()
//!     .await?;
//! println!("{} pages", pages.len());
//! # Ok(()) }
//! ```
//!
//! A started restore task is followed by the waiter the spec declares on
//! `DescribeRestoreTaskList` ([`waiter`]): `client.wait_until_restore_task_finished(id)` polls
//! with backoff and jitter until the task finishes, and returns it, or [`Error::WaiterFailed`]
//! (with `DescribeJobErrorCode`'s explanation) or [`Error::WaiterTimeout`].
//!
//! # What happens on `send()`
//!
//! 1. **Validate**: every rule of the spec, all violations at once ([`Error::Validation`]; nothing
//!    is sent). Rules that depend on the backup plan's engine run when a [`ValidationContext`]
//!    names it (`.validation_context(ValidationContext::new().with_source_database_type(..))`,
//!    or fetched with one call: `client.validation_context_for(backup_plan_id).await?`).
//! 2. **Serialize**: `POST /` with the parameters in an `application/x-www-form-urlencoded` body,
//!    never in the URL, so the destination password stays out of URLs and proxy logs.
//! 3. **Idempotency**: an operation with a `ClientToken` gets a UUID v4 once per call when you
//!    set none; every retry carries the same token, so a retried create never creates twice.
//! 4. **Sign, send, classify**, per attempt with a fresh SignatureNonce and timestamp. HTTP ≥ 400,
//!    and HTTP 2xx with `Success: false`, become [`Error::Service`] (code, message, RequestId,
//!    HTTP status); a body that is not JSON becomes [`Error::UnexpectedResponse`] with its status.
//! 5. **Retry** per [`RetryConfig`]: 3 attempts, exponential backoff with full jitter,
//!    `x-acs-retry-after` and `Retry-After` honoured (a wait longer than the policy's cap or the
//!    operation timeout ends the call with the server's error). The error describes the whole
//!    call: [`Error::was_sent`] is true when any attempt may have reached the service, and
//!    [`Error::client_token`] gives the token to retry with when the service may have acted.
//!
//! Timeouts: connect 5 s and read 10 s by default ([`ClientBuilder::connect_timeout`],
//! [`ClientBuilder::read_timeout`]), per call with [`RequestBuilder::attempt_timeout`], and an
//! overall [`ClientBuilder::operation_timeout`]. `HTTPS_PROXY` / `NO_PROXY` are honoured.
//!
//! # Error codes
//!
//! The spec's error table becomes [`CommonErrorCode`] (codes every operation can return) and one
//! `<Operation>ErrorCode` per operation (its own codes, the common ones in `Common`, anything else
//! in `Unknown`), each with its HTTP status, message and retryability ([`ErrorCode`]). Match an
//! error's code in one expression: `matches!(err.code_as(), Some(CreateRestoreTaskErrorCode::Common(CommonErrorCode::Throttling)))`.
//! The retry policy reads the same table.
//!
//! # Secrets
//!
//! The AccessKeySecret, the SecurityToken and every parameter the spec marks sensitive are held
//! in [`Sensitive`], whose `Debug` and `Display` print a redaction marker. Errors, dry-run output
//! ([`RequestBuilder::dry_run`]) and logs never contain them; tracing records the action,
//! attempt, status and RequestId only. A server may echo the request: the call's secrets are
//! removed from everything it sends back before it reaches an error (secrets of fewer than four
//! characters excepted: they cannot be told apart from ordinary text), in whatever spelling the
//! echo uses: raw, percent-encoded (either case, up to four times), form-encoded, JSON- or
//! HTML-escaped character by character (named entities up to U+00FF such as `&eacute;`), or
//! base64 (alone, and for secrets of five bytes or more also inside a longer value such as
//! `user:secret`; also wrapped in lines). The limits (hex dumps, case changes, truncated or
//! split echoes, deeper nesting) are listed at [`Redactor`]. `Debug` of [`Credentials`] shows only the
//! start of the AccessKeyId.
//!
//! The outputs of a successful call are the server's strings as it sent them, raw: the caller
//! decides what to print. A program that prints them builds a [`Redactor`] from the call's
//! secrets (its sensitive inputs, the AccessKeySecret, the SecurityToken) and prints
//! [`Redactor::redact`] of a string, or [`Redactor::redact_json`] of a value serialized with
//! the characters of [`Redactor::is_unsafe`] escaped, as the `dbs` CLI does.
//!
//! Server text never controls the terminal: in every string of an error that comes from the
//! server (code, message, RequestId, HostId, Recommend, snippets) the characters of
//! [`Redactor::is_unsafe`] (controls, format and bidirectional characters, line and paragraph
//! separators, private use, noncharacters, default-ignorable characters such as zero-width
//! spaces and Hangul fillers) are stored as visible escapes such as `\u{1b}`, so printing an
//! error or its fields with `{}` or `{:?}` is safe.
//!
//! # Testing without an account
//!
//! The `dbs-emulator` crate is a local DBS endpoint built from the same spec; point the client at
//! it with `Client::builder().endpoint_url("http://127.0.0.1:8080")` (plain HTTP is accepted for
//! loopback hosts only).

// Generated code names the runtime as `::dbs_api::__private`, inside this crate too.
extern crate self as dbs_api;

pub mod client;
pub mod credentials;
pub mod encoding;
mod error;
mod error_code;
#[cfg(feature = "server")]
mod handler;
pub mod local_file;
#[cfg(test)]
mod nested_tests;
pub mod operation;
pub mod paginator;
pub mod params;
mod plan_context;
pub mod sensitive;
pub mod signing;
pub mod validation;
pub mod waiter;
pub mod wire;

mod generated {
    dbs_macros::generate_api!("../spec/dbs-2019-03-06");
}

pub use client::{Client, ClientBuilder, PreparedRequest, Redactor, RequestBuilder, RetryConfig};
pub use credentials::Credentials;
pub use error::{Error, ServiceError};
pub use error_code::{ErrorCode, ErrorEntry};
pub use generated::*;
pub use operation::{ContextFactMeta, Operation, OperationMeta, Pagination, ParamKind, ParamMeta};
pub use paginator::{Paged, Paginator};
pub use sensitive::Sensitive;
pub use signing::SignatureVersion;
pub use validation::{ValidationError, Violation};
pub use waiter::{Wait, WaitJson, Waiter, WaiterExplain, WaiterSpec};
pub use wire::WireParam;

/// What generated code refers to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::client::{Client, RequestBuilder};
    pub use crate::error_code::{ErrorCode, ErrorEntry, retryable_code};
    #[cfg(feature = "server")]
    pub use crate::handler::{BusinessError, DispatchError, RequestContext, pairs, serve};
    pub use crate::operation::{
        ContextFactMeta, Operation, OperationMeta, Pagination, ParamKind, ParamMeta,
    };
    pub use crate::paginator::Paged;
    pub use crate::params::{
        Member, ParamSpec, Slot, Value, WireEnum, is, present, read_wire_params, to_wire_params,
        validate,
    };
    pub use crate::sensitive::Sensitive;
    pub use crate::validation::{Presence, ValidationError, Violations, all_of, any_of, value_in};
    pub use crate::waiter::{Wait, Waiter, WaiterExplain, WaiterSpec};
    pub use crate::wire::{WireParam, de, to_json};
    pub use serde;
    pub use serde_json;
}
