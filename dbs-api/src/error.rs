//! The one error type of the SDK. Every variant says whether the request was sent.

use std::time::Duration;

use crate::credentials::CredentialsError;
use crate::validation::ValidationError;

/// What went wrong with a call.
///
/// Whether anything reached the service matters for what to do next: [`Error::was_sent`] is
/// `false` for validation, configuration and credentials errors (fix the input or setup and call
/// again) and `true` or unknown for the rest (the service may have acted; a create with a
/// `ClientToken` can be retried safely).
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
        /// The cause, in words.
        message: String,
        /// Whether the request may have reached the server (false for a refused connection).
        sent: bool,
        /// How many attempts were made.
        attempts: u32,
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
    },

    /// The service answered with an error: a gateway error (HTTP ≥ 400) or a DBS business error
    /// (`Success: false`, possibly with HTTP 200).
    #[error("{0}")]
    Service(Box<ServiceError>),

    /// The service answered with something that is not the API's JSON (an HTML 502 page, say).
    #[error("unexpected response: HTTP {status}, content type {content_type:?}: {snippet:?}")]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// The first 200 bytes of the body, lossily decoded.
        snippet: String,
        /// The `x-acs-request-id` header, if any.
        request_id: Option<String>,
    },
}

/// An error the service returned, with everything needed to act on it or report it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The error code: `Code` of a gateway error, `ErrCode` of a business error.
    pub code: String,
    /// The message; a `SignatureDoesNotMatch` echo of the server's StringToSign is redacted.
    pub message: String,
    /// The RequestId, to quote to Alibaba Cloud support.
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
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(diagnosis) = &self.diagnosis {
            write!(f, " ({diagnosis})")?;
        }
        write!(f, " (HTTP {}", self.http_status)?;
        if let Some(id) = &self.request_id {
            write!(f, ", RequestId: {id}")?;
        }
        f.write_str(")")
    }
}

impl Error {
    /// Whether the request may have reached the service.
    pub fn was_sent(&self) -> bool {
        match self {
            Self::Validation(_) | Self::Config(_) | Self::Credentials(_) => false,
            Self::Transport { sent, .. } => *sent,
            Self::Timeout { .. } | Self::Service(_) | Self::UnexpectedResponse { .. } => true,
        }
    }

    /// The service's error code, for a service error.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service(e) => Some(&e.code),
            _ => None,
        }
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
