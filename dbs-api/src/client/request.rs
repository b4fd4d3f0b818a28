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
use crate::paginator::{PageCursor, Paged, Paginator, at_path_mut};
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
        let call = prepare_call::<I>(self.client, self.builder, &self.options)?;
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
    pub async fn dry_run(self) -> Result<PreparedRequest, Error> {
        let call = prepare_call::<I>(self.client, self.builder, &self.options)?;
        self.client.inner.prepare(&call, &self.options).await
    }
}

impl<'c, I: Paged> RequestBuilder<'c, I> {
    /// Every page of this call, as a stream of pages (`.send()`) or of items (`.items()`),
    /// with this call's parameters and options. See [`Paginator`].
    pub fn into_paginator(self) -> Paginator<I> {
        Paginator::new(self.client.clone(), self.builder, self.options)
    }
}

/// Sends one page of a paginator through the pipeline, as `send` would.
pub(crate) async fn page_request<I: Operation>(
    client: &Client,
    builder: I::Builder,
    options: CallOptions,
) -> Result<I::Output, Error> {
    RequestBuilder::<I> {
        client,
        builder,
        options,
    }
    .send()
    .await
}

/// Validates a fluent call's input into a [`Call`]. A free function, not a method: the
/// generated setters are `impl RequestBuilder`, so a private method would reserve its name.
/// The builder is taken by value: the call is built from it, not from a copy.
fn prepare_call<I: Operation>(
    client: &Client,
    builder: I::Builder,
    options: &CallOptions,
) -> Result<Call, Error> {
    super::check_timeouts(&[
        ("attempt_timeout", options.attempt_timeout),
        ("operation_timeout", options.operation_timeout),
    ])?;
    let input = I::from_builder(builder);
    let context = options.context.as_ref().unwrap_or(&client.inner.context);
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

    /// Calls a paged operation by its registry entry for every page, as `call` does each, and
    /// merges them (the Alibaba Cloud CLI's `--pager`): the first page's answer, with the list
    /// at the spec's `items` path holding every page's items in order. The walk is a
    /// [`Paginator`]'s: from the page number given or the first page, at most `max_pages` pages.
    ///
    /// # Errors
    ///
    /// As [`Client::call`] for each page; a validation error when the operation has no
    /// pagination; [`Error::TooManyPages`] past `max_pages`.
    pub async fn call_all_pages(
        &self,
        operation: &OperationMeta,
        params: &[(String, String)],
        context: Option<&ValidationContext>,
        max_pages: u32,
    ) -> Result<serde_json::Value, Error> {
        let Some(paging) = operation.pagination else {
            return Err(Error::Config(format!(
                "{} is not a paged operation (its spec has no pagination)",
                operation.name
            )));
        };
        let given = |name: &str| {
            params
                .iter()
                .find(|(key, _)| key == name)
                .and_then(|(_, value)| value.trim().parse::<i64>().ok())
        };
        let size = given(paging.page_size);
        let mut cursor = PageCursor::new(paging, given(paging.page_number), max_pages);
        let mut merged: Option<serde_json::Value> = None;
        let mut items = Vec::new();
        while let Some(page) = cursor.next_page(operation.name) {
            let page = page?;
            let mut params: Vec<(String, String)> = params
                .iter()
                .filter(|(key, _)| key != paging.page_number)
                .cloned()
                .collect();
            params.push((paging.page_number.to_owned(), page.to_string()));
            let mut answer = self.call(operation, &params, context).await?;
            let total = |field: Option<&str>| {
                field
                    .and_then(|f| answer.get(f))
                    .and_then(serde_json::Value::as_i64)
            };
            let (pages, total_items) = (total(paging.total_pages), total(paging.total_items));
            let list = at_path_mut(&mut answer, paging.items).map(serde_json::Value::take);
            let list = match list {
                Some(serde_json::Value::Array(list)) => list,
                _ => Vec::new(),
            };
            cursor.record(list.len(), size, pages, total_items);
            items.extend(list);
            merged.get_or_insert(answer);
        }
        let mut merged = merged.unwrap_or_default();
        match at_path_mut(&mut merged, paging.items) {
            Some(slot) => *slot = serde_json::Value::Array(items),
            None => set_path(&mut merged, paging.items, serde_json::Value::Array(items)),
        }
        Ok(merged)
    }

    /// Prepares a call by registry entry without sending it (the CLI's `--dry-run`).
    ///
    /// # Errors
    ///
    /// Validation, configuration and credentials errors.
    pub async fn dry_run(
        &self,
        operation: &OperationMeta,
        params: &[(String, String)],
        context: Option<&ValidationContext>,
    ) -> Result<PreparedRequest, Error> {
        let call = self.inner.dynamic_call(operation, params, context)?;
        self.inner.prepare(&call, &CallOptions::default()).await
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

/// Sets the value at a dotted path, making the objects on the way (a first page without items).
fn set_path(root: &mut serde_json::Value, path: &str, value: serde_json::Value) {
    let mut slot = root;
    for step in path.split('.') {
        if !slot.is_object() {
            *slot = serde_json::Value::Object(serde_json::Map::new());
        }
        let serde_json::Value::Object(map) = slot else {
            return;
        };
        slot = map.entry(step).or_insert(serde_json::Value::Null);
    }
    *slot = value;
}
