//! Waiters: poll a list operation until the object it names reaches a final state, following
//! the spec's `waiters` (the parameter naming the object, where its state is, which states end
//! the wait, the failure message, the progress fields and the operation that explains a failure).
//!
//! ```no_run
//! # async fn run(client: dbs_api::Client) -> Result<(), dbs_api::Error> {
//! use std::time::Duration;
//! let task = client
//!     .wait_until_restore_task_finished("r1a2b3c4d5e6f")
//!     .timeout(Duration::from_secs(3600))
//!     .on_progress(|task| eprintln!("{:?}", task.restore_status))
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::client::{Client, RequestBuilder};
use crate::error::Error;
use crate::operation::Operation;

/// A waiter's facts, from the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaiterSpec {
    /// The waiter's name, `RestoreTaskFinished`.
    pub name: &'static str,
    /// The operation it polls, `DescribeRestoreTaskList`.
    pub operation: &'static str,
    /// Wire name of the parameter naming the object, `RestoreTaskId`.
    pub input: &'static str,
    /// Dotted path of the list of items in the response; the first item is the object.
    pub items: &'static str,
    /// The item member holding the state, `RestoreStatus`.
    pub status: &'static str,
    /// States that end the wait with the item.
    pub success: &'static [&'static str],
    /// States that end the wait with [`Error::WaiterFailed`].
    pub failure: &'static [&'static str],
    /// The item member with the failure message, `ErrMessage`.
    pub message: Option<&'static str>,
    /// Integer item members that say how far the object is.
    pub progress: &'static [&'static str],
    /// The operation that explains a failure and its parameter taking the object's ID.
    pub explain: Option<WaiterExplain>,
    /// The first wait between polls.
    pub delay: Duration,
    /// The longest wait between polls.
    pub max_delay: Duration,
    /// How long to wait in all unless told otherwise.
    pub timeout: Duration,
}

/// The operation that explains a failed object (`DescribeJobErrorCode`, `TaskId`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaiterExplain {
    /// The operation's name.
    pub operation: &'static str,
    /// Wire name of its parameter taking the object's ID.
    pub input: &'static str,
}

/// One waiter of the spec: generated for each, as a unit type.
pub trait Waiter: Send + Sync + 'static {
    /// The operation polled.
    type Input: Operation;
    /// One item of the list the operation returns.
    type Item: Clone + fmt::Debug + Send + 'static;
    /// The waiter's facts.
    const SPEC: &'static WaiterSpec;

    /// A builder of the polled operation's input naming the object `id`.
    fn request(id: &str) -> <Self::Input as Operation>::Builder;
    /// The object: the first item of the answer, if any.
    fn item(output: <Self::Input as Operation>::Output) -> Option<Self::Item>;
    /// The item's state as the service spelled it, when it has one.
    fn status(item: &Self::Item) -> Option<String>;
    /// The item's failure message, when the spec names one and the item has it.
    fn message(item: &Self::Item) -> Option<String>;
    /// The item's progress fields, in the spec's order: wire name and value when present.
    fn progress(item: &Self::Item) -> Vec<(&'static str, Option<i64>)>;
}

type Callback<'c, T> = Box<dyn FnMut(&T) + Send + 'c>;

/// A wait being set up: from `client.wait_until_<waiter>(id)`; `send().await` runs it.
///
/// It polls the operation with the object's ID, first at once, then after waits that start
/// at the spec's delay and double up to its longest delay, each a random time between half the
/// wait and the whole (jitter, so many waiters do not poll in step). Each poll goes through the
/// client's pipeline (validation, signing, retries).
pub struct Wait<'c, W: Waiter> {
    client: &'c Client,
    id: String,
    delay: Duration,
    max_delay: Duration,
    timeout: Duration,
    on_progress: Option<Callback<'c, W::Item>>,
}

impl<W: Waiter> fmt::Debug for Wait<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("waiter", &W::SPEC.name)
            .field("id", &self.id)
            .field("delay", &self.delay)
            .field("max_delay", &self.max_delay)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<'c, W: Waiter> Wait<'c, W> {
    /// A wait for the object `id` with the spec's delays and timeout.
    pub fn new(client: &'c Client, id: impl Into<String>) -> Self {
        Self {
            client,
            id: id.into(),
            delay: W::SPEC.delay,
            max_delay: W::SPEC.max_delay,
            timeout: W::SPEC.timeout,
            on_progress: None,
        }
    }

    /// The first wait between polls (the spec's by default); later waits double.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The longest wait between polls (the spec's by default).
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// How long to wait in all (the spec's by default); then [`Error::WaiterTimeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Called with each item observed, the final one included.
    pub fn on_progress(mut self, callback: impl FnMut(&W::Item) + Send + 'c) -> Self {
        self.on_progress = Some(Box::new(callback));
        self
    }

    /// Polls until the object reaches a final state.
    ///
    /// # Errors
    ///
    /// [`Error::WaiterFailed`] when it reaches a failure state (with the explaining
    /// operation's answer), [`Error::WaiterNotFound`] when the answer lists no object,
    /// [`Error::WaiterTimeout`] when the timeout passes first, or the error of a poll.
    pub async fn send(self) -> Result<W::Item, Error> {
        let Self {
            client,
            id,
            delay,
            max_delay,
            timeout,
            mut on_progress,
        } = self;
        let settings = Settings {
            spec: W::SPEC,
            delay,
            max_delay,
            timeout,
        };
        let source = Typed::<W> {
            client,
            id: &id,
            waiter: std::marker::PhantomData,
        };
        run(client, &settings, &id, &source, &mut on_progress).await
    }
}

/// How a wait reads its object.
trait Source: Sync {
    /// The object's item.
    type Item: Send;
    /// One poll: the object's item, if the answer lists it.
    fn poll(&self) -> BoxFuture<'_, Result<Option<Self::Item>, Error>>;
    /// The item's state, as the service spelled it.
    fn status(&self, item: &Self::Item) -> Option<String>;
    /// The item's failure message.
    fn message(&self, item: &Self::Item) -> Option<String>;
}

/// The typed reading of a generated [`Waiter`].
struct Typed<'a, W> {
    client: &'a Client,
    id: &'a str,
    waiter: std::marker::PhantomData<fn() -> W>,
}

impl<W: Waiter> Source for Typed<'_, W> {
    type Item = W::Item;

    fn poll(&self) -> BoxFuture<'_, Result<Option<W::Item>, Error>> {
        let call = RequestBuilder::<W::Input>::new(self.client)
            .input(W::request(self.id))
            .send();
        Box::pin(async move { call.await.map(W::item) })
    }

    fn status(&self, item: &W::Item) -> Option<String> {
        W::status(item)
    }

    fn message(&self, item: &W::Item) -> Option<String> {
        W::message(item)
    }
}

/// The JSON reading, by the spec's names.
struct Json<'a> {
    client: &'a Client,
    spec: &'static WaiterSpec,
    operation: &'static crate::OperationMeta,
    params: [(String, String); 1],
}

impl Json<'_> {
    fn text(item: &serde_json::Value, name: Option<&str>) -> Option<String> {
        name.and_then(|n| item.get(n))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    }
}

impl Source for Json<'_> {
    type Item = serde_json::Value;

    fn poll(&self) -> BoxFuture<'_, Result<Option<serde_json::Value>, Error>> {
        Box::pin(async move {
            let answer = self.client.call(self.operation, &self.params, None).await?;
            Ok(first_item(&answer, self.spec.items).cloned())
        })
    }

    fn status(&self, item: &serde_json::Value) -> Option<String> {
        Self::text(item, Some(self.spec.status))
    }

    fn message(&self, item: &serde_json::Value) -> Option<String> {
        Self::text(item, self.spec.message)
    }
}

/// A wait that reads the object as JSON, by the names of a [`WaiterSpec`] alone: for code that
/// works from names (the CLI). From [`Client::wait_until`].
pub struct WaitJson<'c> {
    client: &'c Client,
    id: String,
    settings: Settings,
    on_progress: Option<Callback<'c, serde_json::Value>>,
}

impl fmt::Debug for WaitJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitJson")
            .field("waiter", &self.settings.spec.name)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Waits for the object `id` as the waiter `spec` says (one of [`WAITERS`](crate::WAITERS)),
    /// reading the items as JSON: the typed `wait_until_<waiter>` methods are the same wait.
    pub fn wait_until(&self, spec: &'static WaiterSpec, id: impl Into<String>) -> WaitJson<'_> {
        WaitJson {
            client: self,
            id: id.into(),
            settings: Settings {
                spec,
                delay: spec.delay,
                max_delay: spec.max_delay,
                timeout: spec.timeout,
            },
            on_progress: None,
        }
    }
}

impl<'c> WaitJson<'c> {
    /// The first wait between polls (the spec's by default); later waits double.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.settings.delay = delay;
        self
    }

    /// The longest wait between polls (the spec's by default).
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.settings.max_delay = max_delay;
        self
    }

    /// How long to wait in all (the spec's by default); then [`Error::WaiterTimeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// Called with each item observed (as JSON), the final one included.
    pub fn on_progress(mut self, callback: impl FnMut(&serde_json::Value) + Send + 'c) -> Self {
        self.on_progress = Some(Box::new(callback));
        self
    }

    /// Polls until the object reaches a final state; the final item as JSON.
    ///
    /// # Errors
    ///
    /// As [`Wait::send`]; [`Error::Config`] when the spec's operation is not in the registry.
    pub async fn send(self) -> Result<serde_json::Value, Error> {
        let Self {
            client,
            id,
            settings,
            mut on_progress,
        } = self;
        let spec = settings.spec;
        let operation = crate::operation(spec.operation).ok_or_else(|| {
            Error::Config(format!(
                "waiter {}: no operation {}",
                spec.name, spec.operation
            ))
        })?;
        let source = Json {
            client,
            spec,
            operation,
            params: [(spec.input.to_owned(), id.clone())],
        };
        run(client, &settings, &id, &source, &mut on_progress).await
    }
}

/// The first element of the list at the dotted `path` of an answer.
fn first_item<'a>(answer: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.')
        .try_fold(answer, |v, step| v.get(step))?
        .as_array()?
        .first()
}

/// The delays and timeout of one wait, and the waiter's facts.
#[derive(Clone, Copy, Debug)]
struct Settings {
    spec: &'static WaiterSpec,
    delay: Duration,
    max_delay: Duration,
    timeout: Duration,
}

/// The wait itself: poll, show the item, stop on a final state, else back off; bounded by the
/// timeout (a poll in flight at the deadline is abandoned).
async fn run<S: Source>(
    client: &Client,
    settings: &Settings,
    id: &str,
    source: &S,
    on_progress: &mut Option<Callback<'_, S::Item>>,
) -> Result<S::Item, Error> {
    let spec = settings.spec;
    let deadline = tokio::time::Instant::now() + settings.timeout;
    let timed_out = |last_status| Error::WaiterTimeout {
        waiter: spec.name,
        id: id.to_owned(),
        after: settings.timeout,
        last_status,
    };
    let mut last_status = None;
    let mut attempt: u32 = 0;
    loop {
        let item = match tokio::time::timeout_at(deadline, source.poll()).await {
            Ok(item) => item?,
            Err(_) => return Err(timed_out(last_status)),
        };
        let Some(item) = item else {
            return Err(Error::WaiterNotFound {
                waiter: spec.name,
                id: id.to_owned(),
            });
        };
        if let Some(callback) = on_progress {
            callback(&item);
        }
        let state = source.status(&item);
        let is = |states: &[&str]| {
            state
                .as_deref()
                .is_some_and(|s| states.iter().any(|x| x.eq_ignore_ascii_case(s)))
        };
        if is(spec.success) {
            return Ok(item);
        }
        if is(spec.failure) {
            return Err(Error::WaiterFailed {
                waiter: spec.name,
                id: id.to_owned(),
                status: state.unwrap_or_default(),
                message: source.message(&item),
                explanation: explain(client, spec, id).await,
            });
        }
        last_status = state;
        attempt = attempt.saturating_add(1);
        let wait = jittered(backoff(settings.delay, settings.max_delay, attempt));
        if tokio::time::Instant::now() + wait >= deadline {
            tokio::time::sleep_until(deadline).await;
            return Err(timed_out(last_status));
        }
        tokio::time::sleep(wait).await;
    }
}

/// The explaining operation's answer for the object, when the spec names one and the call
/// succeeds (a failure to explain does not hide the failure being explained).
async fn explain(client: &Client, spec: &WaiterSpec, id: &str) -> Option<serde_json::Value> {
    let explain = spec.explain?;
    let operation = crate::operation(explain.operation)?;
    let params = [(explain.input.to_owned(), id.to_owned())];
    match client.call(operation, &params, None).await {
        Ok(answer) => Some(answer),
        Err(e) => {
            tracing::debug!(waiter = spec.name, error = %e, "the explaining call failed");
            None
        }
    }
}

/// The ceiling of the wait after poll `attempt` (1-based): `delay` doubled each time, at most
/// `max_delay`.
fn backoff(delay: Duration, max_delay: Duration, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(31));
    delay.saturating_mul(factor).min(max_delay.max(delay))
}

/// A random wait between half of `ceiling` and all of it.
fn jittered(ceiling: Duration) -> Duration {
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::random_range(millis / 2..=millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_longest() {
        let (d, max) = (Duration::from_millis(100), Duration::from_millis(1000));
        let waits: Vec<u128> = (1..=6).map(|a| backoff(d, max, a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff(d, max, u32::MAX), max);
    }

    /// The futures can be sent to another task (`tokio::spawn` of a task that owns the
    /// client): a compile-time check, the function is never awaited.
    #[test]
    fn the_waits_are_send() {
        fn send<T: Send>(_: &T) {}
        let client = Client::builder()
            .endpoint_url("http://127.0.0.1:9")
            .credentials(crate::Credentials::new("id", "secret"))
            .build();
        let Ok(client) = client else {
            panic!("a client for a loopback URL builds");
        };
        let typed = client.wait_until_restore_task_finished("r1").send();
        send(&typed);
        let spec = crate::WAITERS.first().copied();
        let Some(spec) = spec else {
            panic!("the spec declares a waiter");
        };
        let json = client.wait_until(spec, "r1").send();
        send(&json);
        let context = client.validation_context_for("dbs1");
        send(&context);
    }

    #[test]
    fn jitter_stays_between_half_and_all() {
        let ceiling = Duration::from_millis(800);
        for _ in 0..200 {
            let wait = jittered(ceiling);
            assert!(
                wait >= Duration::from_millis(400) && wait <= ceiling,
                "{wait:?}"
            );
        }
    }
}
