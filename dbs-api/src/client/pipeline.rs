//! The request pipeline: `(fill ClientToken once) → [sign → send → classify]* → body`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use time::OffsetDateTime;
use tracing::Instrument;

use super::classify::{Answer, AttemptFailure, Reply, classify};
use super::prepared::PreparedRequest;
use super::redact::LazyRedactor;
use super::{Inner, RetryConfig};
use crate::ValidationContext;
use crate::credentials::{Credentials, ProvideCredentials};
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
    /// Whether a service error code is worth retrying, per the operation's error table.
    pub retryable_code: fn(&str) -> bool,
}

/// What every attempt of a call shares.
struct Prepared<'a> {
    call: &'a Call,
    credentials: &'a Credentials,
    redactor: &'a LazyRedactor<'a>,
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

    /// The idempotency token every attempt carries, once filled.
    fn token(&self) -> Option<&str> {
        let name = self.idempotency_token?;
        let param = self.params.iter().find(|p| p.name == name)?;
        Some(param.value.as_str())
    }
}

/// What the failed attempts of a call add up to: the call may have been sent, or acted on, if
/// any attempt may have been, whatever the last one says.
#[derive(Debug, Default)]
struct History {
    /// The first attempt that may have reached the service, in words.
    first_sent: Option<String>,
    /// The first attempt that may have been acted on (not a refusal), in words.
    first_acted: Option<String>,
}

impl History {
    fn record(&mut self, failure: &AttemptFailure, attempt: u32) {
        let words = || Some(format!("attempt {attempt}: {}", failure.error));
        if failure.error.was_sent() && self.first_sent.is_none() {
            self.first_sent = words();
        }
        if failure.ambiguous && self.first_acted.is_none() {
            self.first_acted = words();
        }
    }

    /// The call's error: the last attempt's, made true for the whole call. It cites the
    /// earlier attempt that matters most: the first that may have acted, else the first that
    /// reached the service (a refusal, which did not act).
    fn finish(&self, mut error: Error, token: Option<&str>) -> Error {
        if let Some(earlier) = self.first_acted.as_ref().or(self.first_sent.as_ref()) {
            error.sent_earlier(earlier);
        }
        // An undecodable 2xx answer, too, means the service acted.
        let acted = self.first_acted.is_some()
            || matches!(
                error,
                Error::UnexpectedResponse {
                    status: 200..300,
                    ..
                }
            );
        if let Some(token) = token.filter(|_| acted && error.was_sent()) {
            error.set_client_token(token);
        }
        error
    }
}

/// The fields every DBS answer carries around its payload (the reference's response models):
/// they describe the answer, they are not what the caller asked for.
const ENVELOPE: [&str; 5] = [
    "RequestId",
    "HttpStatusCode",
    "ErrCode",
    "ErrorCode",
    "ErrMessage",
];

/// Reads a successful answer into the output type. With `Success: true` the operation
/// succeeded, so an envelope field the output cannot read (`"HttpStatusCode": 200.5`, an object
/// where a number belongs) is left out and reads as `None`, rather than failing a call that
/// acted. An unreadable payload field (`RestoreTaskId`) is still an error: the caller needs it,
/// and the error's ClientToken lets a retry fetch it without acting twice.
fn decode_answer<T>(
    answer: &Answer,
    decode: &impl Fn(&Value) -> Result<T, serde_json::Error>,
    lazy: &LazyRedactor<'_>,
) -> Result<T, Error> {
    let error = match decode(&answer.body) {
        Ok(output) => return Ok(output),
        Err(error) => error,
    };
    let redactor = lazy.get();
    let succeeded = answer
        .body
        .get("Success")
        .and_then(|v| crate::wire::de::boolean(v).ok().flatten())
        == Some(true);
    let Value::Object(fields) = &answer.body else {
        return Err(answer.undecodable(&error, redactor));
    };
    if !succeeded {
        return Err(answer.undecodable(&error, redactor));
    }
    let mut kept = fields.clone();
    kept.retain(|name, value| {
        let alone = Value::Object(std::iter::once((name.clone(), value.clone())).collect());
        !ENVELOPE.contains(&name.as_str()) || decode(&alone).is_ok()
    });
    let dropped: Vec<&str> = ENVELOPE
        .into_iter()
        .filter(|name| fields.contains_key(*name) && !kept.contains_key(*name))
        .collect();
    tracing::warn!(
        ?dropped,
        "Success: true; envelope fields that do not fit the output are left out"
    );
    decode(&Value::Object(kept)).map_err(|e| answer.undecodable(&e, redactor))
}

// On `Inner`, not `Client`: the generated client methods are `impl Client`, so a private
// helper there would reserve its name from every operation.
impl Inner {
    /// Runs a call to completion: attempts, backoff, the operation timeout; `decode` reads a
    /// successful answer's JSON object into the caller's output type.
    pub(crate) async fn execute<T>(
        &self,
        mut call: Call,
        options: &CallOptions,
        decode: impl Fn(&Value) -> Result<T, serde_json::Error>,
    ) -> Result<T, Error> {
        call.fill_idempotency_token();
        let credentials = self.signing_credentials().await?;
        let attempts = AtomicU32::new(0);
        let limit = options.operation_timeout.or(self.operation_timeout);
        // A limit too far away to be an Instant is no limit (and no overflow panic).
        let deadline = limit.and_then(|limit| Instant::now().checked_add(limit));
        let span = tracing::info_span!("dbs.call", action = call.action);
        let run = self
            .attempts(&call, &credentials, options, &decode, deadline, &attempts)
            .instrument(span);
        match limit {
            None => run.await,
            // Only an attempt in flight can be cut here: waits that would overrun the deadline
            // end the call with the last real error instead (see `attempts`).
            Some(limit) => tokio::time::timeout(limit, run).await.unwrap_or_else(|_| {
                // The attempt in flight may have reached the service: its token goes along.
                Err(Error::Timeout {
                    after: limit,
                    attempts: attempts.load(Ordering::Relaxed),
                    client_token: call.token().map(str::to_owned),
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
        let retry = options.retry.as_ref().unwrap_or(&self.retry);
        let secrets = call
            .params
            .iter()
            .filter(|p| p.sensitive)
            .map(|p| p.value.as_str())
            .chain([credentials.access_key_secret().expose().as_str()])
            .chain(credentials.security_token().map(|t| t.expose().as_str()));
        let redactor = LazyRedactor::new(secrets);
        let prepared = Prepared {
            call,
            credentials,
            redactor: &redactor,
        };
        let mut history = History::default();
        loop {
            let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            let failure = match self.attempt(&prepared, options, attempt).await {
                Ok(answer) => {
                    return decode_answer(&answer, decode, &redactor)
                        .map_err(|error| history.finish(error, call.token()));
                }
                Err(failure) => failure,
            };
            history.record(&failure, attempt);
            let replay_ok = call.replay_safe() || !failure.ambiguous;
            if !failure.retryable || !replay_ok || attempt >= retry.max_attempts() {
                return Err(history.finish(failure.error, call.token()));
            }
            let requested = failure.error.retry_after();
            if requested.is_some_and(|hint| hint > retry.max_backoff()) {
                // The server will not take another attempt before then, and a longer sleep
                // than the policy allows is not a wait a caller expects: its error says when.
                return Err(history.finish(failure.error, call.token()));
            }
            let wait = retry.backoff(attempt, requested);
            let ends_past = |deadline| {
                Instant::now()
                    .checked_add(wait)
                    .is_none_or(|end| end >= deadline)
            };
            if deadline.is_some_and(ends_past) {
                // No time for another attempt: the failure says more than a bare timeout would.
                return Err(history.finish(failure.error, call.token()));
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
        let mut signed = self.sign(
            prepared.call.action,
            &prepared.call.params,
            prepared.credentials,
            options,
        );
        let timeout = options.attempt_timeout.unwrap_or(self.attempt_timeout);
        let mut request = self
            .http
            .post(self.request_url(&signed))
            .timeout(timeout)
            .header("accept", "application/json");
        for (name, value) in &signed.headers {
            request = request.header(*name, value);
        }
        // The body is sent, not kept: only the StringToSign is read again (to diagnose a
        // `SignatureDoesNotMatch`).
        let body = std::mem::take(&mut signed.body);
        let result = match request.body(body).send().await {
            Ok(response) => match Reply::read(response).await {
                Ok(reply) => classify(
                    reply,
                    &signed,
                    prepared.redactor,
                    attempt,
                    prepared.call.retryable_code,
                )
                .map_err(|f| *f),
                Err(e) => Err(AttemptFailure::transport(e, timeout, attempt)),
            },
            Err(e) => Err(AttemptFailure::transport(e, timeout, attempt)),
        };
        match &result {
            // Only redacted when the event is recorded: the field is evaluated only then.
            Ok(answer) => tracing::debug!(
                attempt,
                status = answer.status,
                request_id = answer.redacted_request_id(prepared.redactor.get()),
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
        body_params: &[WireParam],
        credentials: &Credentials,
        options: &CallOptions,
    ) -> SignedRequest {
        let nonce = new_nonce();
        sign(&SigningInput {
            version: options.signature_version.unwrap_or(self.signature_version),
            action,
            api_version: crate::API_VERSION,
            host: &self.endpoint.host,
            body_params,
            access_key_id: credentials.access_key_id(),
            access_key_secret: credentials.access_key_secret(),
            security_token: credentials.security_token(),
            timestamp: OffsetDateTime::now_utc(),
            nonce: &nonce,
        })
    }

    /// The URL of an attempt (and of a dry run): the endpoint URL, parsed once, with the
    /// signed query.
    fn request_url(&self, signed: &SignedRequest) -> reqwest::Url {
        let mut url = self.root_url.clone();
        if !signed.query.is_empty() {
            url.set_query(Some(&signed.query_string()));
        }
        url
    }

    /// Signs a call as its first attempt would be signed, for `dry_run`.
    /// The cached credentials, checked to be sendable.
    async fn signing_credentials(&self) -> Result<Arc<Credentials>, Error> {
        let credentials = self.credentials.credentials().await?;
        credentials.check_sendable(self.credentials.name())?;
        Ok(credentials)
    }

    pub(crate) async fn prepare(
        &self,
        call: &Call,
        options: &CallOptions,
    ) -> Result<PreparedRequest, Error> {
        let mut call = Call {
            params: call.params.clone(),
            ..*call
        };
        call.fill_idempotency_token();
        let credentials = self.signing_credentials().await?;
        let signed = self.sign(call.action, &call.params, &credentials, options);
        Ok(PreparedRequest::new(
            self.request_url(&signed).into(),
            &signed,
            &call.params,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request reqwest could not build (a header value no HTTP message can carry) never left
    /// the client: not sent, not retried, and the service cannot have acted.
    #[test]
    fn a_request_that_could_not_be_built_was_not_sent() {
        let built = reqwest::Client::new()
            .post("http://127.0.0.1:9/")
            .header("x-acs-security-token", "t\r\nX: y")
            .build();
        let Err(e) = built else {
            panic!("reqwest refuses a header value with CR LF");
        };
        assert!(e.is_builder());
        let failure = AttemptFailure::transport(e, Duration::from_secs(1), 1);
        assert!(!failure.error.was_sent(), "{:?}", failure.error);
        assert!(!failure.retryable && !failure.ambiguous);
        assert!(!failure.error.to_string().contains("X: y"));
    }
}
