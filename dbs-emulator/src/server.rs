//! The HTTP server: hyper 1, HTTP/1.1, one task per connection.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderValue};
use hyper::http::request::Parts;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{HeaderMap, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tokio::task::JoinHandle;

use crate::admin;
use crate::config::{AccessKey, CLIENT_TOKEN_WINDOW, EmulatorConfig, MAX_FAULTS};
use crate::credential_endpoints::{self, LOCAL_CALLERS_ONLY};
use crate::dbs::{self, Call};
use crate::faults::{Fault, FaultKind};
use crate::gateway::{self, Keys, RequestParts, Target};
use crate::idempotency::TokenCache;
use crate::sts::{self, StsAction, StsCall};
use crate::temporary::TemporaryStore;
use dbs_api::CommonErrorCode;

use crate::plans::{DEFAULT_MAX_BACKUP_PLANS, PlanStore};
use crate::reply::{GatewayError, Reply, new_request_id};
use crate::restore::RestoreStore;
use crate::seed::SeedError;
use crate::state::{RestoreTask, State, StatePage, StateQuery, StateSnapshot, TaskLimitReached};

/// How long [`EmulatorHandle::shutdown`] waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Everything the request handlers share.
pub(crate) struct Shared {
    pub(crate) accounts: Vec<AccessKey>,
    business_errors_http_status: bool,
    max_body_bytes: usize,
    body_read_timeout: Duration,
    /// Bytes of request bodies all connections (and the work they left waiting on a `delay`
    /// fault) may hold at once, one permit a byte.
    body_budget: Arc<Semaphore>,
    body_budget_bytes: usize,
    /// Per-emulator salt of the password fingerprints.
    salt: String,
    state: Mutex<State>,
    /// Remembered `ClientToken`s. Its own lock, taken before the state's and held while a
    /// request with a token is handled (see [`crate::dbs::handle`]).
    tokens: Mutex<TokenCache>,
    /// Issued temporary credentials, metadata session tokens and the credential endpoints'
    /// counters. Its own lock, never held with another.
    pub(crate) temporary: Mutex<TemporaryStore>,
    /// `EmulatorConfig::sts_credential_lifetime_ms`.
    pub(crate) lifetime_override_ms: Option<u64>,
    pub(crate) imds_v1_allowed: bool,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("accounts", &self.accounts)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn new(config: EmulatorConfig) -> Self {
        Self {
            accounts: config.accounts(),
            business_errors_http_status: config.business_errors_http_status,
            max_body_bytes: config.max_body_bytes,
            body_read_timeout: config.body_read_timeout,
            body_budget: Arc::new(Semaphore::new(
                config.body_budget_bytes.min(Semaphore::MAX_PERMITS),
            )),
            body_budget_bytes: config.body_budget_bytes,
            salt: format!("{:032x}", rand::random::<u128>()),
            state: Mutex::new({
                let mut state = State::new(
                    config.max_nonces,
                    config.max_restore_tasks,
                    config.max_restore_task_bytes,
                    // `start` checked the seed (`Seed::check` converts every plan the same way).
                    PlanStore::from_seed(&config.seed.backup_plans, DEFAULT_MAX_BACKUP_PLANS)
                        .unwrap_or_else(|_| PlanStore::new(DEFAULT_MAX_BACKUP_PLANS)),
                );
                state.restores = RestoreStore::new(
                    i64::try_from(config.task_duration_ms).unwrap_or(i64::MAX),
                    crate::dbs::now_ms(),
                    &state.plans.all(),
                );
                state
            }),
            tokens: Mutex::new(TokenCache::new(
                config.max_client_tokens,
                i64::try_from(CLIENT_TOKEN_WINDOW.as_secs()).unwrap_or(i64::MAX),
            )),
            temporary: Mutex::new(TemporaryStore::new(config.max_temporary_credentials)),
            lifetime_override_ms: config.sts_credential_lifetime_ms,
            imds_v1_allowed: config.imds_v1_allowed,
        }
    }

    /// The temporary credentials' store.
    pub(crate) fn temporary(&self) -> MutexGuard<'_, TemporaryStore> {
        self.temporary
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The state. A handler never panics while holding it, but a poisoned lock is still usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The remembered `ClientToken`s. Taken before [`lock`](Self::lock), never after it.
    pub(crate) fn lock_tokens(&self) -> MutexGuard<'_, TokenCache> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The first 128 bits of a salted SHA-256 of a parameter's value, to compare it without
    /// keeping it; also a nonce's key. The salt is the emulator's own, so no client can choose
    /// values whose keys collide.
    pub(crate) fn fingerprint_value(&self, value: &str) -> u128 {
        // Hashed in place: every parameter of every request with a token comes here.
        let digest = Sha256::new_with_prefix(self.salt.as_bytes())
            .chain_update(value.as_bytes())
            .finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        u128::from_be_bytes(first)
    }

    pub(crate) fn snapshot(&self) -> StateSnapshot {
        let mut snapshot = self.lock().snapshot();
        snapshot.credentials = self.temporary().counters;
        snapshot
    }

    pub(crate) fn page(&self, query: &StateQuery) -> StatePage {
        let mut page = self.lock().page(query);
        page.state.credentials = self.temporary().counters;
        page
    }

    pub(crate) fn inject_fault(&self, fault: Fault) -> Result<(), InvalidFault> {
        fault.check().map_err(InvalidFault)?;
        let mut state = self.lock();
        if state.faults.list().len() >= MAX_FAULTS {
            return Err(InvalidFault(format!(
                "{MAX_FAULTS} faults are waiting already, the most the emulator keeps; let \
                 requests take them or clear them (DELETE /_emulator/faults) first"
            )));
        }
        state.faults.add(fault);
        Ok(())
    }
}

/// A fault that cannot be injected; the message lists every problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault: {0}")]
pub struct InvalidFault(pub(crate) String);

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The seed breaks a rule (an empty or repeated ID, an unknown engine).
    #[error(transparent)]
    Seed(#[from] SeedError),
    /// The limits do not fit together (a body budget smaller than the largest body).
    #[error("invalid emulator configuration: {0}")]
    Config(String),
}

/// A local DBS endpoint. Start one with [`Emulator::start`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Emulator;

impl Emulator {
    /// Binds the address and serves in the background on the current Tokio runtime.
    ///
    /// Cheap: no file or network access beyond binding the socket.
    ///
    /// # Errors
    ///
    /// [`StartError::Bind`] when the address cannot be bound, [`StartError::Seed`] when a seed
    /// built in code breaks a rule.
    pub async fn start(config: EmulatorConfig) -> Result<EmulatorHandle, StartError> {
        config.seed.check()?;
        if config.body_budget_bytes < config.max_body_bytes {
            return Err(StartError::Config(format!(
                "the body budget ({} bytes) is smaller than the largest body read ({} bytes)",
                config.body_budget_bytes, config.max_body_bytes
            )));
        }
        let listen = config.listen;
        let bind_error = |source| StartError::Bind {
            addr: listen,
            source,
        };
        let listener = TcpListener::bind(listen).await.map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let shared = Arc::new(Shared::new(config));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared), stopped));
        tracing::info!(%addr, "emulator listening");
        Ok(EmulatorHandle {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server too (without waiting); call
/// [`shutdown`](EmulatorHandle::shutdown) to wait until it has stopped.
pub struct EmulatorHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// The endpoint URL, `http://127.0.0.1:PORT`. An unspecified listen address (`0.0.0.0`,
    /// `::`) is given as the loopback address of its family, which a client can connect to.
    pub fn url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// The address the server is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The AccessKeyId of the first accepted account: the demo account's `testid` unless
    /// accounts were configured.
    pub fn access_key_id(&self) -> &str {
        self.first_account().map_or("", AccessKey::id)
    }

    /// The AccessKeySecret of that account.
    pub fn access_key_secret(&self) -> &str {
        self.first_account().map_or("", AccessKey::secret)
    }

    fn first_account(&self) -> Option<&AccessKey> {
        self.shared.accounts.first()
    }

    /// A copy of the state: plans, every restore task, request counts, waiting faults. Its
    /// cost grows with the tasks held; [`state_page`](Self::state_page) copies one page.
    pub fn state(&self) -> StateSnapshot {
        self.shared.snapshot()
    }

    /// Adds a fault, as `POST /_emulator/faults` does (see [`crate::faults`]).
    ///
    /// # Errors
    ///
    /// [`InvalidFault`] when its fields do not fit its kind.
    pub fn inject_fault(&self, fault: Fault) -> Result<(), InvalidFault> {
        self.shared.inject_fault(fault)
    }

    /// One page of the state, as `GET /_emulator/state?page=…&page_size=…&backup_plan_id=…`
    /// answers it; its cost is the page's, whatever the number of tasks held.
    pub fn state_page(&self, query: &StateQuery) -> StatePage {
        self.shared.page(query)
    }

    /// Adds a restore task directly, as if created (to set up a test or a benchmark without a
    /// request per task). It gets a fresh `RestoreTaskId`, which is returned; its `ClientToken`,
    /// if any, is shown but not registered for idempotency.
    ///
    /// # Errors
    ///
    /// [`TaskLimitReached`] when the emulator holds its limit of tasks
    /// ([`EmulatorConfig::max_restore_tasks`]) or of bytes
    /// ([`EmulatorConfig::max_restore_task_bytes`]).
    pub fn insert_restore_task(&self, task: RestoreTask) -> Result<String, TaskLimitReached> {
        self.shared.lock().insert_task(task)
    }

    /// Removes every waiting fault; returns how many there were.
    pub fn clear_faults(&self) -> usize {
        self.shared.lock().faults.clear()
    }

    /// Stops accepting connections, lets requests in flight finish (up to one second), and
    /// returns once the server has stopped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            // The loop may have ended already; then there is nobody to tell.
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take()
            && let Err(e) = task.await
        {
            tracing::warn!(error = %e, "emulator task ended abnormally");
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Each answer is one write: send it at once rather than wait (Nagle) for
                    // the client's ACK of the previous one, which a keep-alive client delays.
                    if let Err(e) = stream.set_nodelay(true) {
                        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                    }
                    let shared = Arc::clone(&shared);
                    // Requests are served in the connection's task. A client that gives up (a
                    // timeout during a `delay` fault) still does not cancel the work: like a real
                    // service, the emulator acts on a request whose answer nobody reads. Work that
                    // waits before acting runs in a task of its own (`api_reply`,
                    // `uncancellable`); nothing else waits once the body is read.
                    let service = service_fn(move |req| serve(req, Arc::clone(&shared), peer));
                    let connection = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .serve_connection(TokioIo::new(stream), service);
                    let connection = graceful.watch(connection);
                    tokio::spawn(async move {
                        if let Err(e) = connection.await {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                    });
                }
                Err(e) => {
                    // Out of file descriptors, say: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("requests still in flight at shutdown were abandoned");
    }
    tracing::info!("emulator stopped");
}

/// Runs `work` to the end even if hyper drops the service future (its client went away). The
/// first poll runs in the connection's task, at the cost of a box; work that has to wait (a
/// `delay` fault) moves into a task of its own before anything can drop it, and the connection
/// waits for that task. For the credential endpoints, whose faults delay the work; the API path
/// detaches only the requests that wait before acting (see `api_reply`), so most requests need
/// neither the box nor a task.
async fn uncancellable<F>(work: F) -> Result<HttpResponse, DropConnection>
where
    F: Future<Output = Result<HttpResponse, DropConnection>> + Send + 'static,
{
    let mut work = Box::pin(work);
    match std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await {
        Poll::Ready(answer) => answer,
        // The spawned task polls it again at once, registering its own waker; the connection
        // task's, left with whatever the work waits for, at worst wakes it once for nothing.
        Poll::Pending => tokio::spawn(work).await.unwrap_or(Err(DropConnection)),
    }
}

/// Returned by the service to make hyper close the connection without an answer (the `reset`
/// fault, or a client that went away mid-body).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped without an answer")]
pub(crate) struct DropConnection;

pub(crate) type HttpResponse = Response<Full<Bytes>>;

async fn serve(
    req: Request<Incoming>,
    shared: Arc<Shared>,
    peer: SocketAddr,
) -> Result<HttpResponse, DropConnection> {
    let (parts, body) = req.into_parts();
    let read = {
        let mut read = std::pin::pin!(read_body(
            &parts,
            body,
            shared.max_body_bytes,
            &shared.body_budget
        ));
        // Only a body still missing on the second poll is timed. Hyper reads a body once the
        // service first asks for it: a body that came with its headers is there by the next
        // poll, and needs no timer (one per request, with a wake-up of the timer's thread when
        // it is the soonest). That next poll is asked for here: the asking itself wakes the
        // connection's task only when a byte of the body arrives, and a client that sends the
        // head alone would otherwise never be timed.
        let mut asked = false;
        let first = std::future::poll_fn(|cx| match read.as_mut().poll(cx) {
            Poll::Ready(read) => Poll::Ready(Some(read)),
            Poll::Pending if !asked => {
                asked = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Pending => Poll::Ready(None),
        })
        .await;
        match first {
            Some(read) => read,
            None => tokio::time::timeout(shared.body_read_timeout, read)
                .await
                .unwrap_or(BodyRead::TimedOut),
        }
    };
    // The permits stay taken until the answer is ready (or, for work that waits on a delay
    // fault, until that work is done: see `api_reply`).
    let (body, mut budget) = match read {
        BodyRead::Complete(body, permits) => (body, permits),
        BodyRead::OverBudget => {
            let request_id = new_request_id();
            let error = GatewayError::with_detail(
                CommonErrorCode::ServiceUnavailable,
                format!(
                    "The emulator's budget of {} bytes for request bodies held at once, across all \
                     connections, is in use. Retry later, or raise it with --body-budget-bytes \
                     (EmulatorConfig::body_budget_bytes).",
                    shared.body_budget_bytes
                ),
            );
            tracing::info!(%request_id, status = 503, "request body over the shared budget");
            return Ok(Reply::Gateway(error).into_response(&request_id, &host(&parts), false));
        }
        BodyRead::TooLarge => {
            let request_id = new_request_id();
            let error = GatewayError::with_detail(
                CommonErrorCode::RequestEntityTooLarge,
                format!(
                    "It is larger than the emulator's limit of {} bytes.",
                    shared.max_body_bytes
                ),
            );
            tracing::info!(%request_id, status = 413, "request body too large");
            return Ok(Reply::Gateway(error).into_response(&request_id, &host(&parts), false));
        }
        BodyRead::TimedOut => {
            let request_id = new_request_id();
            let error = GatewayError::with_detail(
                CommonErrorCode::RequestTimeout,
                format!(
                    "It was not received in full within {:?}.",
                    shared.body_read_timeout
                ),
            );
            tracing::info!(%request_id, status = 408, "request body not received in time");
            let mut response =
                Reply::Gateway(error).into_response(&request_id, &host(&parts), false);
            // The rest of the body may still come: the connection cannot carry another request.
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            return Ok(response);
        }
        BodyRead::Failed => return Err(DropConnection),
    };
    if let Some(route) = parts.uri.path().strip_prefix(admin::PREFIX) {
        return Ok(admin::handle(peer, &parts, route, &body, &shared));
    }
    if credential_endpoints::is_credential_path(parts.uri.path()) {
        let shared = Arc::clone(&shared);
        return uncancellable(
            async move { credential_endpoints::handle(peer, &parts, &shared).await },
        )
        .await;
    }
    api(&parts, &body, &mut budget, &shared, peer).await
}

/// `budget` is the body's share of the body budget: taken by work that outlives the request.
async fn api(
    parts: &Parts,
    body: &Bytes,
    budget: &mut Option<OwnedSemaphorePermit>,
    shared: &Arc<Shared>,
    peer: SocketAddr,
) -> Result<HttpResponse, DropConnection> {
    let request_id = new_request_id();
    let (action, reply) = api_reply(parts, body, budget, shared, &request_id, peer).await;
    let Some(reply) = reply else {
        tracing::info!(%request_id, action = log_action(action.as_deref()), "connection reset by an injected fault");
        return Err(DropConnection);
    };
    let code = reply.code().map(str::to_owned);
    // Only the gateway's errors show the host (`HostId`).
    let host = match reply {
        Reply::Gateway(_) => host(parts),
        _ => String::new(),
    };
    let response = reply.into_response(&request_id, &host, shared.business_errors_http_status);
    tracing::info!(
        %request_id,
        action = log_action(action.as_deref()),
        status = response.status().as_u16(),
        code = code.as_deref().unwrap_or("-"),
        "answered"
    );
    Ok(response)
}

/// The action the request named (for the log) and the reply; no reply means drop the
/// connection.
async fn api_reply(
    parts: &Parts,
    body: &Bytes,
    budget: &mut Option<OwnedSemaphorePermit>,
    shared: &Arc<Shared>,
    request_id: &str,
    peer: SocketAddr,
) -> (Option<String>, Option<Reply>) {
    if parts.uri.path() != "/" {
        let error =
            GatewayError::with_detail(CommonErrorCode::InvalidApiNotFound, "RPC requests go to /.");
        return (None, Some(error.into()));
    }
    let query = decode_params(
        parts.uri.query().unwrap_or_default().as_bytes(),
        "query string",
    );
    let body_params = if is_form(parts, body) {
        decode_params(body, "body")
    } else {
        Ok(Vec::new())
    };
    // One vector, the query's parameters then the body's: the handler reads them in that order
    // without a copy.
    let (params, query_len, decoded) = match (query, body_params) {
        (Ok(mut query), Ok(body_params)) => {
            let query_len = query.len();
            query.extend(body_params);
            (query, query_len, Ok(()))
        }
        (Ok(query), Err(e)) => {
            let query_len = query.len();
            (query, query_len, Err(e))
        }
        (Err(e), Ok(body_params)) => (body_params, 0, Err(e)),
        (Err(e), Err(_)) => (Vec::new(), 0, Err(e)),
    };
    let (query, body_params) = params.split_at(query_len);
    let req = RequestParts {
        method: parts.method.as_str(),
        headers: &parts.headers,
        query,
        body_params,
        body,
    };

    // Counted and matched against faults as soon as the action is known.
    let action = req.action_name();
    if let Some(action) = &action {
        if let Some(sts) = StsAction::named(action) {
            let mut temporary = shared.temporary();
            match sts {
                StsAction::AssumeRole => temporary.counters.assume_role += 1,
                StsAction::AssumeRoleWithOidc => temporary.counters.assume_role_with_oidc += 1,
            }
        }
        let fault = {
            let mut state = shared.lock();
            state.count_request(action);
            state.faults.take(action, true)
        };
        if let Some(fault) = fault {
            if fault.kind == FaultKind::Delay {
                // The work comes after the delay: it runs in a task of its own, so that a
                // client that gives up meanwhile does not cancel it. (A copy of the request
                // for it; only requests that meet this fault pay for it.) It holds the body,
                // so it holds the body's share of the budget too.
                let budget = budget.take();
                let headers = parts.headers.clone();
                let method = parts.method.clone();
                let (body, shared, request_id) =
                    (body.clone(), Arc::clone(shared), request_id.to_owned());
                let action = Some(action.clone());
                let task = tokio::spawn(async move {
                    sleep_ms(fault.delay_ms).await;
                    let request = Received {
                        method: method.as_str(),
                        headers: &headers,
                        body: &body,
                        params: &params,
                        query_len,
                    };
                    let acted = act(request, decoded, &shared, &request_id, peer, action).await;
                    // Logged here too: the client may have gone, and with it the "answered" line.
                    let code = acted.1.as_ref().and_then(Reply::code).unwrap_or("-");
                    tracing::info!(%request_id, action = log_action(acted.0.as_deref()), code, "acted after an injected delay");
                    drop(budget);
                    acted
                });
                // A task that panicked: drop the connection, as hyper does for a panic.
                return task.await.unwrap_or((None, None));
            }
            sleep_ms(fault.delay_ms).await;
            match fault.kind {
                FaultKind::Reset => return (Some(action.clone()), None),
                _ => return (Some(action.clone()), Some(fault.error().into())),
            }
        }
    }
    let request = Received {
        method: parts.method.as_str(),
        headers: &parts.headers,
        body,
        params: &params,
        query_len,
    };
    act(request, decoded, shared, request_id, peer, action).await
}

/// A request as `act` reads it.
struct Received<'a> {
    method: &'a str,
    headers: &'a HeaderMap,
    body: &'a Bytes,
    /// The query's parameters, then the body's.
    params: &'a [(String, String)],
    /// How many of `params` are the query's.
    query_len: usize,
}

/// The gateway's checks and the work, once the request is counted and its faults taken.
async fn act(
    request: Received<'_>,
    decoded: Result<(), String>,
    shared: &Shared,
    request_id: &str,
    peer: SocketAddr,
    action: Option<String>,
) -> (Option<String>, Option<Reply>) {
    let params = request.params;
    let (query, body_params) = params.split_at(request.query_len.min(params.len()));
    let req = RequestParts {
        method: request.method,
        headers: request.headers,
        query,
        body_params,
        body: request.body,
    };
    if let Err(message) = decoded {
        let error = GatewayError::with_detail(CommonErrorCode::InvalidParameter, message);
        return (action, Some(error.into()));
    }

    let now = time::OffsetDateTime::now_utc();
    let sts_call = StsCall {
        request_id,
        now,
        lifetime_override_ms: shared.lifetime_override_ms,
    };
    // AssumeRoleWithOIDC is anonymous at Alibaba: the OIDC token stands for the caller, so it
    // skips the signature checks, and is answered to local callers only (see `crate::sts`).
    if action.as_deref() == Some(StsAction::AssumeRoleWithOidc.name())
        && req.version().as_deref() == Some(sts::STS_VERSION)
    {
        if admin::check_caller(peer, request.headers).is_err() {
            let error = GatewayError::with_detail(
                CommonErrorCode::ForbiddenRam,
                LOCAL_CALLERS_ONLY.trim_end(),
            );
            return (action, Some(error.into()));
        }
        if let Err(error) = gateway::check_unique_parameters(req.query, req.body_params) {
            return (action, Some(error.into()));
        }
        let reply = sts::handle(
            StsAction::AssumeRoleWithOidc,
            params,
            &sts_call,
            &shared.temporary,
        );
        let lose_response = shared
            .lock()
            .faults
            .take(StsAction::AssumeRoleWithOidc.name(), false);
        if let Some(fault) = lose_response {
            sleep_ms(fault.delay_ms).await;
            return (action, Some(fault.error().into()));
        }
        return (action, Some(reply));
    }

    let keys = Keys {
        accounts: &shared.accounts,
        temporary: &shared.temporary,
    };
    let accepted = gateway::authenticate(&req, &keys, now, |nonce, timestamp| {
        // Hashed before the lock is taken.
        let key = shared.fingerprint_value(nonce);
        shared.lock().use_nonce(key, timestamp, now)
    });
    let accepted = match accepted {
        Ok(accepted) => accepted,
        Err(error) => return (action, Some(error.into())),
    };

    let lose_response = shared.lock().faults.take(accepted.target.name(), false);
    let call = Call {
        request_id,
        access_key_id: &accepted.access_key_id,
    };
    let reply = match accepted.target {
        Target::Dbs(operation) => dbs::handle(operation, params, &call, shared),
        Target::Sts(sts) => sts::handle(sts, params, &sts_call, &shared.temporary),
    };
    if let Some(fault) = lose_response {
        sleep_ms(fault.delay_ms).await;
        tracing::info!(%request_id, code = reply.code().unwrap_or("-"), "work done; answer replaced by an injected fault");
        return (action, Some(fault.error().into()));
    }
    (action, Some(reply))
}

/// The action for the log: its name when it is an API action, never the client's text
/// otherwise (the log holds no value a client sent, and an unknown `Action` could be anything).
fn log_action(action: Option<&str>) -> &str {
    match action {
        None => "-",
        Some(name) => dbs_api::operation(name)
            .map(|op| op.name)
            .or_else(|| StsAction::named(name).map(StsAction::name))
            .unwrap_or("(unknown)"),
    }
}

pub(crate) async fn sleep_ms(ms: Option<u64>) {
    if let Some(ms) = ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// The request's `Host` header, the gateway's `HostId`.
pub(crate) fn host(parts: &Parts) -> String {
    parts
        .headers
        .get(HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default()
}

/// Whether the body holds parameters: a form content type, or none and a non-empty body.
fn is_form(parts: &Parts, body: &[u8]) -> bool {
    match parts.headers.get(CONTENT_TYPE) {
        Some(value) => value
            .as_bytes()
            .get(..33)
            .is_some_and(|t| t.eq_ignore_ascii_case(b"application/x-www-form-urlencoded")),
        None => !body.is_empty(),
    }
}

/// Decodes form-encoded parameters, rejecting a malformed `%` escape (which the lenient
/// decoder would keep literally) so the client is told what is wrong with its encoding.
fn decode_params(raw: &[u8], what: &str) -> Result<Vec<(String, String)>, String> {
    let is_hex = |i: usize| raw.get(i).is_some_and(u8::is_ascii_hexdigit);
    if let Some(at) = (0..raw.len()).find(|&i| raw[i] == b'%' && !(is_hex(i + 1) && is_hex(i + 2)))
    {
        return Err(format!(
            "The request {what} is not valid: a % at byte {at} is not followed by two hex digits."
        ));
    }
    dbs_api::encoding::form_urldecode(raw)
        .map_err(|e| format!("The request {what} is not valid: {e}."))
}

enum BodyRead {
    /// The body, and the permits of the shared budget it holds.
    Complete(Bytes, Option<OwnedSemaphorePermit>),
    TooLarge,
    /// The budget shared by every connection's body had no room for it.
    OverBudget,
    /// The body did not arrive in full within the body read timeout.
    TimedOut,
    /// The client went away or sent a broken body.
    Failed,
}

/// Reads the body up to `limit` bytes, taking one permit of `budget` per byte kept. A larger
/// body, or one the budget has no room for, is read on (and dropped) up to a cap, so the client
/// is not cut off before it can read the 413 or 503 answer. Permits are never waited for: bodies
/// waiting for each other's bytes would all stall.
async fn read_body(
    parts: &Parts,
    mut body: Incoming,
    limit: usize,
    budget: &Arc<Semaphore>,
) -> BodyRead {
    let drain_cap = limit.saturating_mul(16).max(16 * 1024 * 1024);
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > drain_cap as u64) {
        return BodyRead::TooLarge;
    }
    // A body that arrives in one chunk, as most do, is kept as that chunk: no copy.
    let mut first: Option<Bytes> = None;
    let mut data = Vec::new();
    let mut held: Option<OwnedSemaphorePermit> = None;
    let mut over_budget = false;
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return BodyRead::Failed;
        };
        let Ok(chunk) = frame.into_data() else {
            continue; // trailers
        };
        total = total.saturating_add(chunk.len());
        if total > drain_cap {
            return BodyRead::TooLarge;
        }
        if total > limit || over_budget {
            first = None;
            data = Vec::new();
            held = None;
            continue;
        }
        let permits = u32::try_from(chunk.len())
            .ok()
            .and_then(|n| Arc::clone(budget).try_acquire_many_owned(n).ok());
        match (permits, &mut held) {
            (Some(permits), Some(held)) => held.merge(permits),
            (Some(permits), None) => held = Some(permits),
            (None, _) => {
                over_budget = true;
                first = None;
                data = Vec::new();
                held = None;
                continue;
            }
        }
        if first.is_none() && data.is_empty() {
            first = Some(chunk);
        } else {
            if let Some(first) = first.take() {
                data.extend_from_slice(&first);
            }
            data.extend_from_slice(&chunk);
        }
    }
    if total > limit {
        BodyRead::TooLarge
    } else if over_budget {
        BodyRead::OverBudget
    } else {
        BodyRead::Complete(first.unwrap_or_else(|| Bytes::from(data)), held)
    }
}
