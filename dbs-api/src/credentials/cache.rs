//! Keeping credentials between calls, and refreshing temporary ones before they expire.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use super::{Credentials, CredentialsError, ProvideCredentials, ProvideFuture};

/// The share of a temporary credential's lifetime after which it is refreshed: at 80%, measured
/// from when it was fetched, a call never starts with credentials about to expire.
const REFRESH_AT_PERCENT: u32 = 80;

/// After a failed refresh, the wait before the next try: at most this, and at most a quarter of
/// the time the kept credentials have left, so a flapping STS is not asked on every call.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);

/// A clock, injectable for tests.
type Clock = dyn Fn() -> SystemTime + Send + Sync;

/// Wraps a provider so its credentials are fetched once and shared, and temporary ones are
/// refreshed before they expire. Every [`Client`](crate::Client) asks its provider through one.
///
/// * Credentials without an [`expiration`](Credentials::expiration) (a long-lived AccessKey)
///   are fetched once and kept.
/// * Temporary credentials are fetched again once 80% of their lifetime, measured from when
///   they were fetched, has passed.
/// * One refresh at a time: calls that arrive while a refresh is running wait for it and all
///   get the new credentials. The AccessKeyId, secret and SecurityToken are kept together and
///   replaced together, so no call ever signs with a mix of old and new.
/// * A failed refresh while the current credentials have not expired keeps them (with a
///   `tracing` warning naming the source and the error, never a secret) and tries again after a
///   short wait (at most 5 seconds). Once they have expired, the error is returned.
///
/// Its source name is the wrapped provider's.
pub struct CachingProvider {
    inner: Box<dyn ProvideCredentials>,
    cached: RwLock<Option<Cached>>,
    /// Held while a refresh runs, so there is only one.
    refreshing: tokio::sync::Mutex<()>,
    now: Box<Clock>,
}

/// The credentials in use and when to fetch new ones.
#[derive(Clone)]
struct Cached {
    credentials: Arc<Credentials>,
    /// When to refresh; `None` for credentials that do not expire.
    refresh_at: Option<SystemTime>,
    /// After a failed refresh: not before this.
    retry_at: Option<SystemTime>,
}

impl Cached {
    fn new(credentials: Credentials, fetched_at: SystemTime) -> Self {
        let refresh_at = credentials.expiration().map(|expiration| {
            let lifetime = expiration.duration_since(fetched_at).unwrap_or_default();
            fetched_at + lifetime * REFRESH_AT_PERCENT / 100
        });
        Self {
            credentials: Arc::new(credentials),
            refresh_at,
            retry_at: None,
        }
    }

    /// Whether these credentials serve a call starting at `now` without a refresh.
    fn serves(&self, now: SystemTime) -> bool {
        let due = self.refresh_at.is_some_and(|at| now >= at);
        !due || self.retry_at.is_some_and(|at| now < at) && !self.expired(now)
    }

    fn expired(&self, now: SystemTime) -> bool {
        self.credentials
            .expiration()
            .is_some_and(|expiration| now >= expiration)
    }
}

impl CachingProvider {
    /// Caches what `provider` gives.
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self::with_clock(Box::new(provider), Box::new(SystemTime::now))
    }

    fn with_clock(inner: Box<dyn ProvideCredentials>, now: Box<Clock>) -> Self {
        Self {
            inner,
            cached: RwLock::new(None),
            refreshing: tokio::sync::Mutex::new(()),
            now,
        }
    }

    /// The credentials to sign a call with: the cached ones while they are fresh, else new ones
    /// from the wrapped provider (one fetch at a time).
    pub async fn credentials(&self) -> Result<Arc<Credentials>, CredentialsError> {
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        let _only_refresh = self.refreshing.lock().await;
        // Another call may have refreshed while this one waited.
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        let result = self.inner.provide().await;
        let now = (self.now)();
        let mut cached = self.cached.write().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(credentials) => {
                let fetched = Cached::new(credentials, now);
                let credentials = Arc::clone(&fetched.credentials);
                *cached = Some(fetched);
                Ok(credentials)
            }
            Err(error) => match cached.as_mut() {
                Some(kept) if !kept.expired(now) => {
                    tracing::warn!(
                        source = self.inner.name(),
                        %error,
                        "refreshing credentials failed; the current ones have not expired and \
                         are used meanwhile"
                    );
                    kept.retry_at = Some(now + retry_wait(&kept.credentials, now));
                    Ok(Arc::clone(&kept.credentials))
                }
                _ => Err(error),
            },
        }
    }

    /// The cached credentials, when they serve a call starting now.
    fn fresh(&self) -> Option<Arc<Credentials>> {
        let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
        let cached = cached.as_ref()?;
        cached
            .serves((self.now)())
            .then(|| Arc::clone(&cached.credentials))
    }
}

/// How long to wait after a failed refresh: a quarter of the time left, at most
/// [`MAX_RETRY_WAIT`].
fn retry_wait(credentials: &Credentials, now: SystemTime) -> Duration {
    let left = credentials
        .expiration()
        .and_then(|expiration| expiration.duration_since(now).ok())
        .unwrap_or_default();
    (left / 4).min(MAX_RETRY_WAIT)
}

impl ProvideCredentials for CachingProvider {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(async { self.credentials().await.map(|c| Credentials::clone(&c)) })
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }
}

impl fmt::Debug for CachingProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The cached credentials' Debug redacts the secret and the token.
        let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("CachingProvider")
            .field("inner", &self.inner)
            .field("cached", &cached.as_ref().map(|c| &c.credentials))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// A provider that counts its fetches and answers from a script.
    #[derive(Debug)]
    struct Scripted {
        fetches: Arc<AtomicU32>,
        answer: Arc<Mutex<Result<Credentials, CredentialsError>>>,
    }

    impl ProvideCredentials for Scripted {
        fn provide(&self) -> ProvideFuture<'_> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            let answer = self.answer.lock().expect("unpoisoned").clone();
            Box::pin(async move {
                // Give concurrent callers the chance to pile up behind the refresh.
                tokio::task::yield_now().await;
                answer
            })
        }

        fn name(&self) -> &'static str {
            "scripted"
        }
    }

    struct Setup {
        cache: Arc<CachingProvider>,
        fetches: Arc<AtomicU32>,
        answer: Arc<Mutex<Result<Credentials, CredentialsError>>>,
        clock: Arc<Mutex<SystemTime>>,
    }

    fn start() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    fn temporary(id: &str, expires_in: Duration) -> Credentials {
        Credentials::new(id, format!("secret-of-{id}"))
            .with_security_token(format!("token-of-{id}"))
            .with_expiration(start() + expires_in)
    }

    fn setup(first: Result<Credentials, CredentialsError>) -> Setup {
        let fetches = Arc::new(AtomicU32::new(0));
        let answer = Arc::new(Mutex::new(first));
        let clock = Arc::new(Mutex::new(start()));
        let provider = Scripted {
            fetches: Arc::clone(&fetches),
            answer: Arc::clone(&answer),
        };
        let now = Arc::clone(&clock);
        let cache = Arc::new(CachingProvider::with_clock(
            Box::new(provider),
            Box::new(move || *now.lock().expect("unpoisoned")),
        ));
        Setup {
            cache,
            fetches,
            answer,
            clock,
        }
    }

    impl Setup {
        fn advance_to(&self, seconds: u64) {
            *self.clock.lock().expect("unpoisoned") = start() + Duration::from_secs(seconds);
        }

        fn answer(&self, answer: Result<Credentials, CredentialsError>) {
            *self.answer.lock().expect("unpoisoned") = answer;
        }

        async fn id(&self) -> Result<String, CredentialsError> {
            let credentials = self.cache.credentials().await?;
            Ok(credentials.access_key_id().to_owned())
        }
    }

    #[tokio::test]
    async fn long_lived_credentials_are_fetched_once() {
        let s = setup(Ok(Credentials::new("AK", "secret")));
        for second in [0, 10, 1_000_000] {
            s.advance_to(second);
            assert_eq!(s.id().await.expect("credentials"), "AK");
        }
        assert_eq!(s.fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn temporary_credentials_are_refreshed_at_80_percent_of_their_lifetime() {
        let s = setup(Ok(temporary("STS.first", Duration::from_secs(100))));
        assert_eq!(s.id().await.expect("credentials"), "STS.first");
        s.answer(Ok(temporary("STS.second", Duration::from_secs(200))));
        s.advance_to(79);
        assert_eq!(
            s.id().await.expect("credentials"),
            "STS.first",
            "79% of 100 s: still fresh"
        );
        s.advance_to(80);
        assert_eq!(
            s.id().await.expect("credentials"),
            "STS.second",
            "80%: refreshed"
        );
        assert_eq!(s.fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_calls_share_one_refresh_and_never_mix() {
        let s = setup(Ok(temporary("STS.first", Duration::from_secs(100))));
        s.id().await.expect("credentials");
        s.answer(Ok(temporary("STS.second", Duration::from_secs(300))));
        s.advance_to(90);
        let calls: Vec<_> = (0..50)
            .map(|_| {
                let cache = Arc::clone(&s.cache);
                tokio::spawn(async move { cache.credentials().await.expect("credentials") })
            })
            .collect();
        for call in calls {
            let credentials = call.await.expect("the task ran");
            let id = credentials.access_key_id();
            assert_eq!(id, "STS.second");
            assert_eq!(
                credentials.access_key_secret().expose(),
                &format!("secret-of-{id}")
            );
            let token = credentials.security_token().expect("credentials").expose();
            assert_eq!(token, &format!("token-of-{id}"));
        }
        assert_eq!(
            s.fetches.load(Ordering::SeqCst),
            2,
            "one initial fetch, one refresh"
        );
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_unexpired_credentials_then_retries_after_a_wait() {
        let s = setup(Ok(temporary("STS.first", Duration::from_secs(100))));
        s.id().await.expect("credentials");
        s.answer(Err(CredentialsError::unavailable("scripted", "Throttling")));
        s.advance_to(80);
        assert_eq!(s.id().await.expect("credentials"), "STS.first");
        assert_eq!(s.fetches.load(Ordering::SeqCst), 2);
        // 20 s left: the next try waits a quarter of that, 5 s.
        s.advance_to(84);
        assert_eq!(s.id().await.expect("credentials"), "STS.first");
        assert_eq!(
            s.fetches.load(Ordering::SeqCst),
            2,
            "no retry within the wait"
        );
        s.answer(Ok(temporary("STS.second", Duration::from_secs(300))));
        s.advance_to(85);
        assert_eq!(s.id().await.expect("credentials"), "STS.second");
        assert_eq!(s.fetches.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn once_expired_a_failed_refresh_is_the_callers_error() {
        let s = setup(Ok(temporary("STS.first", Duration::from_secs(100))));
        s.id().await.expect("credentials");
        s.answer(Err(CredentialsError::unavailable("scripted", "Throttling")));
        s.advance_to(100);
        let error = s.id().await.expect_err("an error");
        assert_eq!(error.reason(), Some("Throttling"));
    }

    #[tokio::test]
    async fn a_first_fetch_error_is_returned_and_asked_again_next_time() {
        let s = setup(Err(CredentialsError::not_found("scripted", "nothing")));
        assert!(s.id().await.expect_err("an error").is_not_found());
        s.answer(Ok(Credentials::new("AK", "secret")));
        assert_eq!(s.id().await.expect("credentials"), "AK");
        assert_eq!(s.fetches.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn debug_shows_neither_the_secret_nor_the_token() {
        let s = setup(Ok(temporary("STS.first", Duration::from_secs(100))));
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("credentials")
            .block_on(s.id())
            .expect("credentials");
        let debug = format!("{:?}", s.cache);
        assert!(
            !debug.contains("secret-of") && !debug.contains("token-of"),
            "{debug}"
        );
    }
}
