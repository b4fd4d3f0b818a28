//! The retry policy: which failures are retried, and how long to wait between attempts.

use std::time::Duration;

#[cfg(doc)]
use crate::ErrorCode;

/// How many times to try a call and how long to wait in between.
///
/// The standard policy makes 3 attempts with exponential backoff and full jitter (a random wait
/// between zero and `initial_backoff × 2^(attempt−1)`, capped at `max_backoff`).
///
/// A wait the server asks for (`x-acs-retry-after` in milliseconds, or the standard
/// `Retry-After` in seconds or as an HTTP-date) replaces the computed one when the client can
/// honour it: a requested wait longer than `max_backoff` (20 s by default), or one that would end
/// past the call's operation timeout, ends the call at once with the server's own error (its
/// [`Error::retry_after`](crate::Error::retry_after) says how long the server asked to wait).
/// So even without an operation timeout no call sleeps longer than `max_backoff` between two
/// attempts, and it never retries before the server said it may.
///
/// Retried: connection errors, timeouts, HTTP 429/500/502/503/504 (a 429 whatever its body),
/// and the codes the spec's error table marks retryable (see [`ErrorCode::is_retryable`]):
/// `Throttling*`, `ServiceUnavailable`, `InternalError`, `IdempotentProcessing`. An undocumented
/// sub-code takes its family's answer (`Throttling.Tenant` as `Throttling`). Never retried:
/// validation, signature and other 4xx errors, `IdempotentFailed`, and the timestamp refusals
/// `InvalidTimeStamp.*` (the same clock signs the retry; see
/// [`Error::clock_skew`](crate::Error::clock_skew)). An operation that is not idempotent and has
/// no idempotency token is never replayed after a failure that may have reached the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryConfig {
    /// 3 attempts, 100 ms initial backoff, 20 s cap.
    pub fn standard() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(20),
        }
    }

    /// One attempt only.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::standard()
        }
    }

    /// Sets the total number of attempts (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the backoff before the second attempt, before jitter.
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the longest wait between attempts, server hints included.
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The total number of attempts.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The longest wait between attempts; a server asking for longer ends the call.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The wait after failed attempt number `attempt` (1-based): the server's hint when given,
    /// else full jitter over the exponential ceiling; never above `max_backoff`.
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(hint) = retry_after {
            return hint.min(self.max_backoff);
        }
        let ceiling = self.backoff_ceiling(attempt);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::random_range(0..=millis))
    }

    /// The exponential ceiling of the jittered wait after attempt `attempt` (1-based).
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// Whether an HTTP status is worth retrying: 429 Too Many Requests is throttling.
pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CommonErrorCode;

    fn retryable_code(code: &str) -> bool {
        crate::error_code::retryable_code::<CommonErrorCode>(code)
    }

    #[test]
    fn backoff_is_jittered_below_an_exponential_capped_ceiling() {
        let config = RetryConfig::standard().with_max_backoff(Duration::from_millis(350));
        assert_eq!(config.backoff_ceiling(1), Duration::from_millis(100));
        assert_eq!(config.backoff_ceiling(2), Duration::from_millis(200));
        assert_eq!(config.backoff_ceiling(3), Duration::from_millis(350));
        for attempt in 1..=5 {
            assert!(config.backoff(attempt, None) <= config.backoff_ceiling(attempt));
        }
        assert_eq!(
            config.backoff(1, Some(Duration::from_secs(9))),
            Duration::from_millis(350)
        );
        assert_eq!(
            config.backoff(1, Some(Duration::from_millis(42))),
            Duration::from_millis(42)
        );
    }

    #[test]
    fn classification_follows_the_policy() {
        for code in [
            "Throttling",
            "Throttling.User",
            "ServiceUnavailable",
            "IdempotentProcessing",
        ] {
            assert!(retryable_code(code), "{code}");
        }
        for code in [
            "IdempotentFailed",
            "SignatureDoesNotMatch",
            "InvalidParameter",
            "Forbidden.RAM",
        ] {
            assert!(!retryable_code(code), "{code}");
        }
        assert!(retryable_status(503) && !retryable_status(501) && !retryable_status(400));
        assert!(retryable_status(429));
    }
}
