//! The request pipeline: `(fill ClientToken once) → [sign → send → classify]* → body`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use time::OffsetDateTime;
use tracing::Instrument;

use super::classify::{Answer, AttemptFailure, Reply, classify};
use super::prepared::PreparedRequest;
use super::redact::Redactor;
use super::{Client, RetryConfig};
use crate::ValidationContext;
use crate::credentials::{Credentials, ProvideCredentials};
use crate::encoding::form_urlencode;
use crate::error::Error;
use crate::signing::{SignatureVersion, SignedRequest, SigningInput, new_nonce, sign};
use crate::wire::WireParam;

/// One logical call, validated and serialized.
#[derive(Debug)]
pub(crate) struct Call {
    pub action: &'static str,
    pub params: Vec<WireParam>,
    pub idempotency_token: Option<&'static str>,
    pub idempotent: bool,
}

/// What every attempt of a call shares.
struct Prepared<'a> {
    call: &'a Call,
    body_params: &'a [(String, String)],
    credentials: &'a Credentials,
    redactor: &'a Redactor,
}

/// Per-call overrides of the client's settings.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallOptions {
    pub attempt_timeout: Option<Duration>,
    pub operation_timeout: Option<Duration>,
    pub retry: Option<RetryConfig>,
    pub signature_version: Option<SignatureVersion>,
    pub context: Option<ValidationContext>,
}

impl Call {
    /// Gives an operation with an idempotency token one (UUID v4) when the user set none, so
    /// every attempt of this call carries the same token and a retried create never creates twice.
    fn fill_idempotency_token(&mut self) {
        let Some(name) = self.idempotency_token else {
            return;
        };
        let token = uuid::Uuid::new_v4().to_string();
        match self.params.iter_mut().find(|p| p.name == name) {
            // A blank token is no token: the service would not deduplicate on it.
            Some(param) if param.value.trim().is_empty() => param.value = token,
            Some(_) => {}
            None => self.params.push(WireParam {
                name,
                value: token,
                sensitive: false,
            }),
        }
    }

    /// Whether the call may be replayed after a failure that might have reached the service.
    fn replay_safe(&self) -> bool {
        self.idempotent || self.idempotency_token.is_some()
    }

    fn body_params(&self) -> Vec<(String, String)> {
        self.params
            .iter()
            .map(|p| (p.name.to_owned(), p.value.clone()))
            .collect()
    }
}

impl Client {
    /// Runs a call to completion: attempts, backoff, the operation timeout; `decode` reads a
    /// successful answer's JSON object into the caller's output type.
    pub(crate) async fn execute<T>(
        &self,
        mut call: Call,
        options: &CallOptions,
        decode: impl Fn(&Value) -> Result<T, serde_json::Error>,
    ) -> Result<T, Error> {
        call.fill_idempotency_token();
        let credentials = self.inner.credentials.provide()?;
        let attempts = AtomicU32::new(0);
        let limit = options.operation_timeout.or(self.inner.operation_timeout);
        let deadline = limit.map(|limit| Instant::now() + limit);
        let span = tracing::info_span!("dbs.call", action = call.action);
        let run = self
            .attempts(&call, &credentials, options, &decode, deadline, &attempts)
            .instrument(span);
        match limit {
            None => run.await,
            // Only an attempt in flight can be cut here: waits that would overrun the deadline
            // end the call with the last real error instead (see `attempts`).
            Some(limit) => tokio::time::timeout(limit, run).await.unwrap_or_else(|_| {
                Err(Error::Timeout {
                    after: limit,
                    attempts: attempts.load(Ordering::Relaxed),
                })
            }),
        }
    }

    async fn attempts<T>(
        &self,
        call: &Call,
        credentials: &Credentials,
        options: &CallOptions,
        decode: &impl Fn(&Value) -> Result<T, serde_json::Error>,
        deadline: Option<Instant>,
        attempts: &AtomicU32,
    ) -> Result<T, Error> {
        let retry = options.retry.as_ref().unwrap_or(&self.inner.retry);
        let body_params = call.body_params();
        let secrets = call
            .params
            .iter()
            .filter(|p| p.sensitive)
            .map(|p| p.value.as_str())
            .chain([credentials.access_key_secret().expose().as_str()])
            .chain(credentials.security_token().map(|t| t.expose().as_str()));
        let redactor = Redactor::new(secrets);
        let prepared = Prepared {
            call,
            body_params: &body_params,
            credentials,
            redactor: &redactor,
        };
        loop {
            let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            let failure = match self.attempt(&prepared, options, attempt).await {
                Ok(answer) => {
                    return decode(&answer.body).map_err(|e| answer.undecodable(&e, &redactor));
                }
                Err(failure) => failure,
            };
            let replay_ok = call.replay_safe() || !failure.ambiguous;
            if !failure.retryable || !replay_ok || attempt >= retry.max_attempts() {
                return Err(failure.error);
            }
            let wait = retry.backoff(attempt, failure.retry_after);
            if deadline.is_some_and(|deadline| Instant::now() + wait >= deadline) {
                // No time for another attempt: the failure says more than a bare timeout would.
                return Err(failure.error);
            }
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: a fresh timestamp and nonce, a new signature, one HTTP exchange.
    async fn attempt(
        &self,
        prepared: &Prepared<'_>,
        options: &CallOptions,
        attempt: u32,
    ) -> Result<Answer, AttemptFailure> {
        let signed = self.sign(
            prepared.call.action,
            prepared.body_params,
            prepared.credentials,
            options,
        );
        let timeout = options
            .attempt_timeout
            .unwrap_or(self.inner.attempt_timeout);
        let mut request = self
            .inner
            .http
            .post(self.url(&signed))
            .timeout(timeout)
            .header("accept", "application/json");
        for (name, value) in &signed.headers {
            request = request.header(name, value);
        }
        let result = match request.body(signed.body.clone()).send().await {
            Ok(response) => match Reply::read(response).await {
                Ok(reply) => classify(reply, &signed, prepared.redactor, attempt),
                Err(e) => Err(AttemptFailure::transport(e, timeout, attempt)),
            },
            Err(e) => Err(AttemptFailure::transport(e, timeout, attempt)),
        };
        match &result {
            Ok(answer) => tracing::debug!(
                attempt,
                status = answer.status,
                request_id = answer.request_id.as_deref(),
                "answered"
            ),
            Err(failure) => tracing::debug!(
                attempt,
                status = failure.error.http_status(),
                request_id = failure.error.request_id(),
                code = failure.error.code(),
                "failed"
            ),
        }
        result
    }

    fn sign(
        &self,
        action: &str,
        body_params: &[(String, String)],
        credentials: &Credentials,
        options: &CallOptions,
    ) -> SignedRequest {
        let nonce = new_nonce();
        sign(&SigningInput {
            version: options
                .signature_version
                .unwrap_or(self.inner.signature_version),
            action,
            api_version: crate::API_VERSION,
            host: &self.inner.endpoint.host,
            body_params,
            access_key_id: credentials.access_key_id(),
            access_key_secret: credentials.access_key_secret(),
            security_token: credentials.security_token(),
            timestamp: OffsetDateTime::now_utc(),
            nonce: &nonce,
        })
    }

    fn url(&self, signed: &SignedRequest) -> String {
        let base = &self.inner.endpoint.base;
        if signed.query.is_empty() {
            format!("{base}/")
        } else {
            format!("{base}/?{}", form_urlencode(&signed.query))
        }
    }

    /// Signs a call as its first attempt would be signed, for `dry_run`.
    pub(crate) fn prepare(
        &self,
        call: &Call,
        options: &CallOptions,
    ) -> Result<PreparedRequest, Error> {
        let mut call = Call {
            params: call.params.clone(),
            ..*call
        };
        call.fill_idempotency_token();
        let credentials = self.inner.credentials.provide()?;
        let signed = self.sign(call.action, &call.body_params(), &credentials, options);
        Ok(PreparedRequest::new(
            self.url(&signed),
            &signed,
            &call.params,
        ))
    }
}
