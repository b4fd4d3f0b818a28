//! The one error type of the SDK. Every variant says whether the request was sent.

use std::time::Duration;

use crate::client::ClockSkew;
use crate::credentials::CredentialsError;
use crate::validation::ValidationError;

/// What went wrong with a call.
///
/// Whether anything reached the service matters for what to do next: [`Error::was_sent`] is
/// `false` for validation, configuration and credentials errors (fix the input or setup and call
/// again) and `true` or unknown for the rest (the service may have acted; a create with a
/// `ClientToken` can be retried safely).
///
/// A call makes several attempts, and the error describes the call, not only its last attempt:
/// when any attempt may have reached the service, [`Error::was_sent`] is `true` even if the last
/// one was refused, and [`Error::client_token`] gives the `ClientToken` the call used whenever the
/// service may have acted on it. Retry with that token to avoid a duplicate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input broke the spec's rules. Nothing was sent.
    #[error("invalid request, nothing sent: {0}")]
    Validation(#[from] ValidationError),

    /// The client is misconfigured (region, endpoint, timeouts). Nothing was sent.
    #[error("client configuration: {0}")]
    Config(String),

    /// No usable credentials. Nothing was sent.
    #[error("credentials: {0}")]
    Credentials(#[from] CredentialsError),

    /// The connection failed. `sent` says whether the request may have reached the server.
    #[error("transport error after {attempts} attempt(s){}: {message}", if *.sent { "" } else { ", request not sent" })]
    Transport {
        /// The cause, in words; when an earlier attempt may have reached the service, what
        /// happened to it too.
        message: String,
        /// Whether the request may have reached the server in any attempt (false only when
        /// every connection was refused or never opened).
        sent: bool,
        /// How many attempts were made.
        attempts: u32,
        /// The `ClientToken` the call used, when the service may have acted on it.
        client_token: Option<String>,
    },

    /// No answer in time: an attempt's read timeout or the call's operation timeout.
    #[error(
        "timed out after {after:?} ({attempts} attempt(s)); the service may have acted on the request"
    )]
    Timeout {
        /// The timeout that expired.
        after: Duration,
        /// How many attempts were made.
        attempts: u32,
        /// The `ClientToken` the call used, when it has one.
        client_token: Option<String>,
    },

    /// The service answered with an error: a gateway error (HTTP ≥ 400) or a DBS business error
    /// (`Success: false`, possibly with HTTP 200).
    #[error("{0}")]
    Service(Box<ServiceError>),

    /// The service answered with something that is not the API's JSON (an HTML 502 page, say).
    #[error("unexpected response: HTTP {status}, content type {content_type:?}: {snippet:?}{}", asked(*.retry_after))]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// The first 200 bytes of the body, lossily decoded.
        snippet: String,
        /// The `x-acs-request-id` header, if any.
        request_id: Option<String>,
        /// The wait the server asked for before another attempt (`x-acs-retry-after` or
        /// `Retry-After`), if it asked.
        retry_after: Option<Duration>,
        /// The `ClientToken` the call used, when the service may have acted on it.
        client_token: Option<String>,
    },

    /// A paginator fetched as many pages as it may and the service still announced more:
    /// the pages fetched were given; the rest were not asked for.
    #[error(
        "{action}: stopped after {pages} page(s), the most allowed, while the service announced more"
    )]
    TooManyPages {
        /// The operation, `DescribeBackupPlanList`.
        action: &'static str,
        /// How many pages were fetched.
        pages: u32,
    },

    /// A waiter saw its object reach a failure state (a restore task `stop`).
    #[error("{waiter}: {id} reached {status:?}{}{}", message.as_ref().map(|m| format!(": {m}")).unwrap_or_default(), explanation.as_ref().map(|e| format!(" (explained: {e})")).unwrap_or_default())]
    WaiterFailed {
        /// The waiter, `RestoreTaskFinished`.
        waiter: &'static str,
        /// The object waited for.
        id: String,
        /// Its state, as the service spelled it.
        status: String,
        /// Its failure message (the spec's `message` member), when it had one.
        message: Option<String>,
        /// The answer of the operation that explains the failure (`DescribeJobErrorCode`), as
        /// JSON; `None` when the spec names none or that call failed.
        explanation: Option<serde_json::Value>,
    },

    /// A waiter's timeout passed before its object reached a final state; the object is still
    /// there (a restore task keeps running).
    #[error("{waiter}: {id} not finished after {after:?} (last state {last_status:?})")]
    WaiterTimeout {
        /// The waiter, `RestoreTaskFinished`.
        waiter: &'static str,
        /// The object waited for.
        id: String,
        /// The timeout that passed.
        after: Duration,
        /// The last state seen, if any.
        last_status: Option<String>,
    },

    /// [`Client::validation_context_for`](crate::Client::validation_context_for): the source
    /// operation listed no object with the ID.
    #[error("{fact_source}: the service lists no object {id:?}")]
    ContextNotFound {
        /// The fact's source, `DescribeBackupPlanList.Items.BackupPlanDetail.DatabaseType`.
        fact_source: &'static str,
        /// The ID asked for.
        id: String,
    },

    /// A waiter's poll listed no object with its ID.
    #[error("{waiter}: the service lists no object {id:?}")]
    WaiterNotFound {
        /// The waiter, `RestoreTaskFinished`.
        waiter: &'static str,
        /// The ID asked for.
        id: String,
    },
}

/// An error the service returned, with everything needed to act on it or report it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The error code: `Code` of a gateway error, `ErrCode` of a business error.
    pub code: String,
    /// The message; a `SignatureDoesNotMatch` echo of the server's StringToSign is redacted.
    /// At most [`ServiceError::MAX_MESSAGE_CHARS`] characters of the server's are kept: a
    /// longer one ends with `… [N more characters cut]`. A `Message` that is not a string (a
    /// number, an object) is kept as its JSON text.
    pub message: String,
    /// The RequestId, to quote to Alibaba Cloud support (cut as [`ServiceError::message`] is).
    pub request_id: Option<String>,
    /// The HTTP status of the response (for a business error sent with HTTP 200, the
    /// `HttpStatusCode` of the body when there is one).
    pub http_status: u16,
    /// The `HostId` of a gateway error.
    pub host_id: Option<String>,
    /// The `Recommend` troubleshooting URL of a gateway error.
    pub recommend: Option<String>,
    /// For `SignatureDoesNotMatch`: which side differs (the secret or the canonical text).
    pub diagnosis: Option<String>,
    /// How many attempts were made.
    pub attempts: u32,
    /// The wait the server asked for before another attempt (`x-acs-retry-after` or
    /// `Retry-After`), if it asked. A wait the retry policy would not take ends the call with
    /// this error at once.
    pub retry_after: Option<Duration>,
    /// For `InvalidTimeStamp.Expired` and `InvalidTimeStamp.Format`: how far the local clock is
    /// from the service's, measured from the response's `Date` header when there is one.
    pub clock_skew: Option<ClockSkew>,
    /// The `ClientToken` the call used, when the service may have acted on it (this attempt or
    /// an earlier one of the call).
    pub client_token: Option<String>,
}

impl ServiceError {
    /// The most characters of a server's message an error keeps: DBS messages are a sentence
    /// or two, and a longer one (a server echoing a large request, say) would flood a log or a
    /// terminal.
    pub const MAX_MESSAGE_CHARS: usize = 2_000;
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(diagnosis) = &self.diagnosis {
            write!(f, " ({diagnosis})")?;
        }
        if let Some(skew) = &self.clock_skew {
            write!(f, " ({skew})")?;
        }
        f.write_str(&asked(self.retry_after))?;
        write!(f, " (HTTP {}", self.http_status)?;
        if let Some(id) = &self.request_id {
            write!(f, ", RequestId: {id}")?;
        }
        f.write_str(")")
    }
}

impl Error {
    /// Whether the request may have reached the service, in any attempt of the call.
    pub fn was_sent(&self) -> bool {
        match self {
            Self::Validation(_) | Self::Config(_) | Self::Credentials(_) => false,
            Self::Transport { sent, .. } => *sent,
            Self::Timeout { .. }
            | Self::Service(_)
            | Self::UnexpectedResponse { .. }
            | Self::TooManyPages { .. }
            | Self::WaiterFailed { .. }
            | Self::WaiterTimeout { .. }
            | Self::WaiterNotFound { .. }
            | Self::ContextNotFound { .. } => true,
        }
    }

    /// The `ClientToken` the call used, when the operation has one and the service may have
    /// acted on the call (any attempt). Calling again with this token cannot act twice: the
    /// service answers with the first call's result.
    pub fn client_token(&self) -> Option<&str> {
        match self {
            Self::Transport { client_token, .. }
            | Self::Timeout { client_token, .. }
            | Self::UnexpectedResponse { client_token, .. } => client_token.as_deref(),
            Self::Service(e) => e.client_token.as_deref(),
            Self::Validation(_)
            | Self::Config(_)
            | Self::Credentials(_)
            | Self::TooManyPages { .. }
            | Self::WaiterFailed { .. }
            | Self::WaiterTimeout { .. }
            | Self::WaiterNotFound { .. }
            | Self::ContextNotFound { .. } => None,
        }
    }

    /// The wait the server asked for before another attempt, when it asked.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Service(e) => e.retry_after,
            Self::UnexpectedResponse { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// For a timestamp refusal (`InvalidTimeStamp.*`): how far the local clock is off.
    pub fn clock_skew(&self) -> Option<&ClockSkew> {
        self.as_service_error()?.clock_skew.as_ref()
    }

    /// Records the `ClientToken` of a call that may have acted.
    pub(crate) fn set_client_token(&mut self, token: &str) {
        let slot = match self {
            Self::Transport { client_token, .. }
            | Self::Timeout { client_token, .. }
            | Self::UnexpectedResponse { client_token, .. } => client_token,
            Self::Service(e) => &mut e.client_token,
            Self::Validation(_)
            | Self::Config(_)
            | Self::Credentials(_)
            | Self::TooManyPages { .. }
            | Self::WaiterFailed { .. }
            | Self::WaiterTimeout { .. }
            | Self::WaiterNotFound { .. }
            | Self::ContextNotFound { .. } => return,
        };
        *slot = Some(token.to_owned());
    }

    /// A refused last attempt after an earlier one that may have reached the service: the call
    /// as a whole may have been sent, and the message says what happened to that attempt.
    pub(crate) fn sent_earlier(&mut self, earlier: &str) {
        if let Self::Transport { message, sent, .. } = self
            && !*sent
        {
            *sent = true;
            message.push_str("; an earlier attempt may have reached the service: ");
            message.push_str(earlier);
        }
    }

    /// The service's error code, for a service error.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service(e) => Some(&e.code),
            _ => None,
        }
    }

    /// The service's error code read as `C`: `None` when this is not a service error (or, for
    /// [`CommonErrorCode`](crate::CommonErrorCode), when the code is not a common one).
    ///
    /// ```
    /// use dbs_api::{CommonErrorCode, CreateRestoreTaskErrorCode, Error};
    ///
    /// fn throttled(err: &Error) -> bool {
    ///     matches!(
    ///         err.code_as(),
    ///         Some(CreateRestoreTaskErrorCode::Common(CommonErrorCode::Throttling))
    ///     )
    /// }
    /// ```
    pub fn code_as<C: crate::ErrorCode>(&self) -> Option<C> {
        self.code().and_then(C::from_code)
    }

    /// The RequestId, when the service gave one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Service(e) => e.request_id.as_deref(),
            Self::UnexpectedResponse { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, when there was a response.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Service(e) => Some(e.http_status),
            Self::UnexpectedResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The service error, if this is one.
    pub fn as_service_error(&self) -> Option<&ServiceError> {
        match self {
            Self::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The validation error, if this is one.
    pub fn as_validation_error(&self) -> Option<&ValidationError> {
        match self {
            Self::Validation(e) => Some(e),
            _ => None,
        }
    }
}

/// ` (the service asked to wait 3600 s before retrying)`, or nothing.
fn asked(retry_after: Option<Duration>) -> String {
    let Some(wait) = retry_after else {
        return String::new();
    };
    let wait = if wait < Duration::from_secs(1) {
        format!("{} ms", wait.as_millis())
    } else {
        format!("{} s", wait.as_secs())
    };
    format!(" (the service asked to wait {wait} before retrying)")
}
