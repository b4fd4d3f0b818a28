//! Faults injected on demand, so that retry and idempotency behaviour can be tested end to end.
//!
//! A fault is added with `POST /_emulator/faults` (or [`EmulatorHandle::inject_fault`]) and
//! applies to the next `count` requests that name its `action` (every action when `action` is
//! left out). Faults are matched in the order they were added.
//!
//! | `kind` | When it applies | What happens |
//! | --- | --- | --- |
//! | `status` | as soon as the action is read, before any gateway check | answers `status` (default 503) with a gateway error whose code, and message, come from the spec's error table: `ServiceUnavailable` for 502, 503 and 504, `InternalError` for 500 and other 5xx, `Throttling` 429, `InvalidAction.NotFound` 404, otherwise the first code the table gives the status (`Forbidden.RAM` 403), else `InvalidParameter` |
//! | `throttle` | same | answers `Throttling.User`, HTTP 400 by default (the status the reference lists; set `status: 429` for the other one seen in the wild) |
//! | `reset` | same | closes the connection without an answer |
//! | `delay` | same | waits `delay_ms`, then handles the request normally, even if the client has given up |
//! | `apply_then_fail` | after the gateway accepted the request (signature, timestamp, nonce) | does the work (a task is created, a token recorded), then answers `status` (default 503) instead of the result: the lost-response case |
//! | `task_failure` | when `StartRestoreTask` starts a task (give `action: "StartRestoreTask"`) | the request succeeds, and the task fails half-way through its run: `RestoreStatus` `stop`, `ErrMessage` the fault's `message`, and `DescribeJobErrorCode` gives its `code` and message (defaults: `RESTORE_FULL_DATA_FAILED`, the emulator's own code, and a message saying the destination refused the connection); see [`crate::restore`] |
//!
//! Optional fields: `delay_ms` (every kind: wait this long before acting; for
//! `apply_then_fail`, after doing the work), `retry_after_ms` (error kinds: adds the header
//! `x-acs-retry-after: <ms>`), `code` and `message` (error kinds and `task_failure`: override
//! the defaults).
//! A request takes at most one of the first four kinds and at most one `apply_then_fail`.
//! A request that names no action, or is sent to a path other than `/`, matches no fault,
//! except the credential endpoints: STS requests match their action (`AssumeRole`,
//! `AssumeRoleWithOIDC`), every ECS metadata request (`/latest/…`) matches the action
//! `EcsMetadata`, and every credentials URI request (`/credentials-uri`) `CredentialsUri`
//! (the first four kinds before the request is read, `apply_then_fail` after credentials were
//! issued).
//!
//! Bounds: at most [`MAX_FAULTS`](crate::MAX_FAULTS) faults wait at once (a fault beyond is
//! refused, and the list must be taken or cleared first); `action` and `code` have at most 128
//! characters, `message` at most 1024.
//!
//! [`EmulatorHandle::inject_fault`]: crate::EmulatorHandle::inject_fault

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use dbs_api::CommonErrorCode;

use crate::reply::GatewayError;

/// The longest `delay_ms` accepted: ten minutes.
const MAX_DELAY_MS: u64 = 10 * 60 * 1000;
/// The longest `action` and `code` accepted, in characters (every waiting fault is kept, so its
/// size is bounded).
const MAX_NAME_CHARS: usize = 128;
/// The longest `message` accepted, in characters.
const MAX_MESSAGE_CHARS: usize = 1024;

/// What a fault does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer an HTTP error status with a gateway error body.
    Status,
    /// Answer `Throttling.User`.
    Throttle,
    /// Close the connection without an answer.
    Reset,
    /// Wait `delay_ms`, then handle the request normally.
    Delay,
    /// Do the work, then answer an error status (the response is "lost").
    ApplyThenFail,
    /// Make the restore task that `StartRestoreTask` starts fail half-way through its run.
    TaskFailure,
}

/// When a fault is taken: as the request is read, after its work, or when a task starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    Early,
    AfterWork,
    TaskStart,
}

/// A fault to inject; the JSON body of `POST /_emulator/faults`.
///
/// ```
/// let fault: dbs_emulator::Fault = serde_json::from_str(
///     r#"{"action":"CreateRestoreTask","kind":"status","count":2,"status":503}"#,
/// )?;
/// assert_eq!(fault.count, 2);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// The action it applies to; `None` for every action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// What it does.
    pub kind: FaultKind,
    /// How many requests it applies to (default 1); in a state snapshot, how many are left.
    #[serde(default = "one")]
    pub count: u32,
    /// The HTTP status of `status` (default 503), `throttle` (default 400) and `apply_then_fail`
    /// (default 503).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Milliseconds to wait before acting (required for `delay`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Adds `x-acs-retry-after: <ms>` to the error answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// Overrides the error `Code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Overrides the error `Message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// A fault of `kind` for the next request naming `action`, with every option at its default.
    pub fn new(action: impl Into<String>, kind: FaultKind) -> Self {
        Self {
            action: Some(action.into()),
            kind,
            count: 1,
            status: None,
            delay_ms: None,
            retry_after_ms: None,
            code: None,
            message: None,
        }
    }

    /// Applies to the next `count` matching requests.
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// The HTTP status of an error kind.
    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Waits this long before acting.
    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = Some(ms);
        self
    }

    /// Adds `x-acs-retry-after: <ms>` to the error answer.
    pub fn retry_after_ms(mut self, ms: u64) -> Self {
        self.retry_after_ms = Some(ms);
        self
    }

    /// Checks the fields fit the kind; the message says what is wrong.
    pub(crate) fn check(&self) -> Result<(), String> {
        let answers_error = matches!(
            self.kind,
            FaultKind::Status | FaultKind::Throttle | FaultKind::ApplyThenFail
        );
        let mut problems = Vec::new();
        if self.kind == FaultKind::TaskFailure {
            if self
                .action
                .as_deref()
                .is_some_and(|a| a != "StartRestoreTask")
            {
                problems.push(
                    "kind task_failure applies to StartRestoreTask only: give action \
                     StartRestoreTask or leave it out"
                        .to_owned(),
                );
            }
            for (set, field) in [
                (self.status.is_some(), "status"),
                (self.retry_after_ms.is_some(), "retry_after_ms"),
                (self.delay_ms.is_some(), "delay_ms"),
            ] {
                if set {
                    problems.push(format!("{field} is not used by kind task_failure"));
                }
            }
        }
        if self.count == 0 {
            problems.push("count must be at least 1".to_owned());
        }
        if let Some(status) = self.status
            && !(400..=599).contains(&status)
        {
            problems.push(format!("status must be between 400 and 599, got {status}"));
        }
        if !answers_error && self.kind != FaultKind::TaskFailure {
            for (set, field) in [
                (self.status.is_some(), "status"),
                (self.retry_after_ms.is_some(), "retry_after_ms"),
                (self.code.is_some(), "code"),
                (self.message.is_some(), "message"),
            ] {
                if set {
                    problems.push(format!("{field} is not used by kind {}", self.kind_name()));
                }
            }
        }
        match self.delay_ms {
            None if self.kind == FaultKind::Delay => {
                problems.push("kind delay needs delay_ms".to_owned());
            }
            Some(ms) if ms > MAX_DELAY_MS => {
                problems.push(format!("delay_ms must be at most {MAX_DELAY_MS}, got {ms}"));
            }
            _ => {}
        }
        for (value, field, most) in [
            (&self.action, "action", MAX_NAME_CHARS),
            (&self.code, "code", MAX_NAME_CHARS),
            (&self.message, "message", MAX_MESSAGE_CHARS),
        ] {
            let chars = value.as_deref().map_or(0, |v| v.chars().count());
            if chars > most {
                problems.push(format!(
                    "{field} must be at most {most} characters, got {chars}"
                ));
            }
        }
        if self.action.as_deref().is_some_and(str::is_empty) {
            problems
                .push("action must not be empty; leave it out to match every action".to_owned());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            FaultKind::Status => "status",
            FaultKind::Throttle => "throttle",
            FaultKind::Reset => "reset",
            FaultKind::Delay => "delay",
            FaultKind::ApplyThenFail => "apply_then_fail",
            FaultKind::TaskFailure => "task_failure",
        }
    }

    /// When it is taken: before the gateway checks (every error kind but `apply_then_fail`),
    /// after the work (`apply_then_fail`), or when a restore task starts (`task_failure`).
    pub(crate) fn stage(&self) -> Stage {
        match self.kind {
            FaultKind::ApplyThenFail => Stage::AfterWork,
            FaultKind::TaskFailure => Stage::TaskStart,
            _ => Stage::Early,
        }
    }

    pub(crate) fn matches(&self, action: &str) -> bool {
        self.action.as_deref().is_none_or(|a| a == action)
    }

    /// The error answer of an error kind: the given code and message, or the spec table's
    /// code for the kind and status; always the given status.
    pub(crate) fn error(&self) -> GatewayError {
        let status = self.status.unwrap_or(match self.kind {
            FaultKind::Throttle => 400,
            _ => 503,
        });
        let default = if self.kind == FaultKind::Throttle {
            CommonErrorCode::ThrottlingUser
        } else {
            default_error(status)
        };
        GatewayError {
            status,
            code: self
                .code
                .clone()
                .map_or(Cow::Borrowed(default.code()), Cow::Owned),
            message: self
                .message
                .clone()
                .unwrap_or_else(|| default.message().to_owned()),
            retry_after_ms: self.retry_after_ms,
        }
    }
}

/// The common code the gateway answers an injected status with: throttling for 429, a
/// temporary failure for 502-504, an internal error for another 5xx, and for another status the
/// first code the table gives it (403 `Forbidden.RAM`, 413 `RequestEntityTooLarge`), else
/// `InvalidParameter`.
fn default_error(status: u16) -> CommonErrorCode {
    match status {
        429 => CommonErrorCode::Throttling,
        502..=504 => CommonErrorCode::ServiceUnavailable,
        500..=599 => CommonErrorCode::InternalError,
        404 => CommonErrorCode::InvalidActionNotFound,
        _ => CommonErrorCode::ALL
            .into_iter()
            .find(|c| c.http_status() == status && status != 400)
            .unwrap_or(CommonErrorCode::InvalidParameter),
    }
}

/// The faults waiting to apply, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    list: Vec<Fault>,
}

impl Faults {
    pub(crate) fn add(&mut self, fault: Fault) {
        self.list.push(fault);
    }

    /// Removes every fault; returns how many there were.
    pub(crate) fn clear(&mut self) -> usize {
        std::mem::take(&mut self.list).len()
    }

    pub(crate) fn list(&self) -> &[Fault] {
        &self.list
    }

    /// Takes one use of the first fault for `action` of the early kinds (`early`) or of
    /// `apply_then_fail` (`!early`).
    pub(crate) fn take(&mut self, action: &str, early: bool) -> Option<Fault> {
        self.take_at(
            action,
            if early {
                Stage::Early
            } else {
                Stage::AfterWork
            },
        )
    }

    pub(crate) fn take_at(&mut self, action: &str, stage: Stage) -> Option<Fault> {
        let index = self
            .list
            .iter()
            .position(|f| f.stage() == stage && f.matches(action))?;
        let fault = &mut self.list[index];
        fault.count = fault.count.saturating_sub(1);
        let taken = fault.clone();
        if fault.count == 0 {
            self.list.remove(index);
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_taken_in_order_and_counted_down() {
        let mut faults = Faults::default();
        faults.add(Fault::new("A", FaultKind::ApplyThenFail));
        faults.add(Fault::new("A", FaultKind::Status).count(2));
        faults.add(Fault {
            action: None,
            ..Fault::new("", FaultKind::Reset)
        });
        assert_eq!(
            faults.take("A", true).map(|f| f.kind),
            Some(FaultKind::Status)
        );
        assert_eq!(
            faults.take("A", true).map(|f| f.kind),
            Some(FaultKind::Status)
        );
        assert_eq!(
            faults.take("A", true).map(|f| f.kind),
            Some(FaultKind::Reset)
        );
        assert_eq!(faults.take("A", true), None);
        assert_eq!(
            faults.take("B", false).map(|f| f.kind),
            None,
            "apply_then_fail is for A only"
        );
        assert_eq!(
            faults.take("A", false).map(|f| f.kind),
            Some(FaultKind::ApplyThenFail)
        );
        assert!(faults.list().is_empty());
    }

    #[test]
    fn check_reports_every_problem() {
        let fault = Fault {
            count: 0,
            status: Some(200),
            action: Some(String::new()),
            ..Fault::new("", FaultKind::Delay)
        };
        assert_eq!(
            fault.check(),
            Err(
                "count must be at least 1; status must be between 400 and 599, got 200; \
                 status is not used by kind delay; kind delay needs delay_ms; \
                 action must not be empty; leave it out to match every action"
                    .to_owned()
            )
        );
        assert_eq!(Fault::new("A", FaultKind::Throttle).check(), Ok(()));
        let long = Fault {
            code: Some("C".repeat(129)),
            message: Some("é".repeat(1024)),
            ..Fault::new("A".repeat(128), FaultKind::Status)
        };
        assert_eq!(
            long.check(),
            Err("code must be at most 128 characters, got 129".to_owned())
        );
    }

    #[test]
    fn task_failure_is_for_start_restore_task_and_taken_only_when_a_task_starts() {
        let fault = Fault {
            status: Some(503),
            code: Some("C".to_owned()),
            ..Fault::new("CreateRestoreTask", FaultKind::TaskFailure)
        };
        assert_eq!(
            fault.check(),
            Err(
                "kind task_failure applies to StartRestoreTask only: give action \
                 StartRestoreTask or leave it out; status is not used by kind task_failure"
                    .to_owned()
            )
        );
        let fault = Fault {
            code: Some("C".to_owned()),
            message: Some("M".to_owned()),
            ..Fault::new("StartRestoreTask", FaultKind::TaskFailure)
        };
        assert_eq!(fault.check(), Ok(()));
        let mut faults = Faults::default();
        faults.add(fault);
        assert_eq!(faults.take("StartRestoreTask", true), None);
        assert_eq!(faults.take("StartRestoreTask", false), None);
        assert_eq!(
            faults
                .take_at("StartRestoreTask", Stage::TaskStart)
                .map(|f| f.kind),
            Some(FaultKind::TaskFailure)
        );
        assert!(faults.list().is_empty());
    }

    #[test]
    fn error_defaults_by_kind_and_status() {
        let e = Fault::new("A", FaultKind::Status).error();
        assert_eq!((e.status, &*e.code), (503, "ServiceUnavailable"));
        let e = Fault::new("A", FaultKind::Status).status(500).error();
        assert_eq!((e.status, &*e.code), (500, "InternalError"));
        let e = Fault::new("A", FaultKind::Throttle)
            .retry_after_ms(250)
            .error();
        assert_eq!(
            (e.status, &*e.code, e.retry_after_ms),
            (400, "Throttling.User", Some(250))
        );
        let e = Fault::new("A", FaultKind::Throttle).status(429).error();
        assert_eq!((e.status, &*e.code), (429, "Throttling.User"));
    }

    /// Every injected status answers a code of the spec's table (service.json), with the
    /// table's message, and keeps the injected status; before, 502, 504, 403, 404 and other
    /// statuses answered codes the spec does not have (`BadGateway`, `Forbidden`, ...).
    #[test]
    fn every_injected_status_answers_a_code_of_the_table() {
        for (status, code, message) in [
            (
                502,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            ),
            (
                504,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            ),
            (
                501,
                "InternalError",
                "The request processing has failed due to some unknown error, exception or failure.",
            ),
            (429, "Throttling", "Request was denied due to flow control."),
            (
                403,
                "Forbidden.RAM",
                "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
            ),
            (
                404,
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.",
            ),
            (
                413,
                "RequestEntityTooLarge",
                "The request body is too large.",
            ),
            (
                400,
                "InvalidParameter",
                "The specified parameter is not valid.",
            ),
            (
                418,
                "InvalidParameter",
                "The specified parameter is not valid.",
            ),
        ] {
            let e = Fault::new("A", FaultKind::Status).status(status).error();
            assert_eq!(
                (e.status, &*e.code, e.message.as_str()),
                (status, code, message)
            );
        }
    }
}
