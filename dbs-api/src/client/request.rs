//! Fluent calls: `client.create_restore_task().backup_plan_id(..).send().await`.

use std::fmt;

use serde::Deserialize as _;
use std::time::Duration;

use super::pipeline::{Call, CallOptions};
use super::prepared::PreparedRequest;
use super::{Client, Inner, RetryConfig};
use crate::ValidationContext;
use crate::error::Error;
use crate::operation::{Operation, OperationMeta};
use crate::signing::SignatureVersion;
use crate::validation::{ValidationError, Violations};

/// A call being built: the operation's parameter setters (generated) and per-call options.
///
/// Each operation has an alias, such as [`CreateRestoreTaskRequest`](crate::CreateRestoreTaskRequest).
pub struct RequestBuilder<'c, I: Operation> {
    client: &'c Client,
    builder: I::Builder,
    options: CallOptions,
}

impl<I: Operation> fmt::Debug for RequestBuilder<'_, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The builder's own Debug redacts sensitive parameters.
        f.debug_struct("RequestBuilder")
            .field("action", &I::ACTION)
            .field("input", &self.builder)
            .finish()
    }
}

impl<'c, I: Operation> RequestBuilder<'c, I> {
    #[doc(hidden)]
    pub fn new(client: &'c Client) -> Self {
        Self {
            client,
            builder: I::Builder::default(),
            options: CallOptions::default(),
        }
    }

    #[doc(hidden)]
    pub fn map_input(mut self, f: impl FnOnce(I::Builder) -> I::Builder) -> Self {
        self.builder = f(self.builder);
        self
    }

    /// Replaces the input with one built elsewhere.
    pub fn input(mut self, input: I::Builder) -> Self {
        self.builder = input;
        self
    }

    /// Time allowed for each attempt to be answered, for this call (default: the client's read timeout).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.options.attempt_timeout = Some(timeout);
        self
    }

    /// Time allowed for the whole call, retries included, for this call.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.options.operation_timeout = Some(timeout);
        self
    }

    /// The retry policy for this call.
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.options.retry = Some(retry);
        self
    }

    /// The signature algorithm for this call.
    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.options.signature_version = Some(version);
        self
    }

    /// Facts for the validator on this call, replacing the client's.
    pub fn validation_context(mut self, context: ValidationContext) -> Self {
        self.options.context = Some(context);
        self
    }

    /// Validates, signs, sends (with retries) and decodes the response.
    ///
    /// # Errors
    ///
    /// See [`Error`]: validation or configuration (a zero timeout; nothing sent), credentials,
    /// transport, timeout, service or unexpected-response errors.
    pub async fn send(self) -> Result<I::Output, Error> {
        let call = prepare_call(&self)?;
        self.client
            .inner
            .execute(call, &self.options, |body| I::Output::deserialize(body))
            .await
    }

    /// Validates and signs the request as `send` would, but sends nothing. The result's
    /// `Display` masks every sensitive value.
    ///
    /// # Errors
    ///
    /// Validation (as [`Client::call`]), configuration and credentials errors.
    pub fn dry_run(self) -> Result<PreparedRequest, Error> {
        let call = prepare_call(&self)?;
        self.client.inner.prepare(&call, &self.options)
    }
}

/// Validates a fluent call's input into a [`Call`]. A free function, not a method: the
/// generated setters are `impl RequestBuilder`, so a private method would reserve its name.
fn prepare_call<I: Operation>(request: &RequestBuilder<'_, I>) -> Result<Call, Error> {
    super::check_timeouts(&[
        ("attempt_timeout", request.options.attempt_timeout),
        ("operation_timeout", request.options.operation_timeout),
    ])?;
    let input = I::from_builder(request.builder.clone());
    let context = request
        .options
        .context
        .as_ref()
        .unwrap_or(&request.client.inner.context);
    input.validate(context)?;
    let call = Call {
        action: I::ACTION,
        params: input.to_wire_params(),
        idempotency_token: I::IDEMPOTENCY_TOKEN,
        idempotent: I::IDEMPOTENT,
        retryable_code: crate::error_code::retryable_code::<I::ErrorCode>,
    };
    check_token(&call, I::DOCUMENTATION)?;
    Ok(call)
}

/// Checks a ClientToken the caller set against the reference's rule (the spec cannot state
/// string lengths or patterns, so this rule lives here).
fn check_token(call: &Call, reference: &'static str) -> Result<(), Error> {
    let mut violations = crate::validation::Violations::new(reference);
    if let Some(name) = call.idempotency_token
        && let Some(param) = call.params.iter().find(|p| p.name == name)
    {
        violations.client_token(name, &param.value);
    }
    Ok(violations.finish()?)
}

impl Client {
    /// Calls an operation by its registry entry with wire-named string parameters, as the CLI
    /// does; the response comes back as JSON decoded through the typed output.
    ///
    /// # Errors
    ///
    /// As [`RequestBuilder::send`]; unparsable values, and names that are not parameters of
    /// the operation (matched exactly, as the service matches them), are validation errors.
    pub async fn call(
        &self,
        operation: &OperationMeta,
        params: &[(String, String)],
        context: Option<&ValidationContext>,
    ) -> Result<serde_json::Value, Error> {
        let call = self.inner.dynamic_call(operation, params, context)?;
        self.inner
            .execute(call, &CallOptions::default(), operation.decode_output)
            .await
    }

    /// Prepares a call by registry entry without sending it (the CLI's `--dry-run`).
    ///
    /// # Errors
    ///
    /// Validation, configuration and credentials errors.
    pub fn dry_run(
        &self,
        operation: &OperationMeta,
        params: &[(String, String)],
        context: Option<&ValidationContext>,
    ) -> Result<PreparedRequest, Error> {
        let call = self.inner.dynamic_call(operation, params, context)?;
        self.inner.prepare(&call, &CallOptions::default())
    }
}

// On `Inner`, not `Client`, for the reason `prepare_call` is a free function.
impl Inner {
    /// A registry call's input, validated, as the pipeline takes it.
    fn dynamic_call(
        &self,
        operation: &OperationMeta,
        params: &[(String, String)],
        context: Option<&ValidationContext>,
    ) -> Result<Call, Error> {
        let context = context.unwrap_or(&self.context);
        // `prepare` reads pairs as a server does, ignoring names it does not know; a caller's
        // misspelt name (`PageSze`) would leave the parameter out without a word.
        let mut unknown = Violations::new(operation.documentation);
        for (name, _) in params {
            if !operation.params.iter().any(|p| p.name() == name) {
                unknown.unknown_parameter(name, operation.params.iter().map(|p| p.name()));
            }
        }
        let prepared = (operation.prepare)(params, context);
        let checked = prepared.as_ref().map(|_| ()).map_err(Clone::clone);
        ValidationError::combine(unknown.finish(), checked)?;
        let call = Call {
            action: operation.name,
            params: prepared?,
            idempotency_token: operation.idempotency_token,
            idempotent: operation.idempotent,
            retryable_code: operation.retryable_code,
        };
        check_token(&call, operation.documentation)?;
        Ok(call)
    }
}
