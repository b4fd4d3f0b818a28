//! Temporary credentials from a URL that serves them (a sidecar, a local agent).

use std::time::Duration;

use super::http::{self, Answer, http_client, json_object, not_success, temporary_credentials};
use super::ram_role_arn::non_blank;
use super::{CredentialsError, EnvLookup, ProvideCredentials, ProvideFuture};
use crate::client::is_loopback;

/// The URL to get credentials from (official name).
pub const ALIBABA_CLOUD_CREDENTIALS_URI: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";

const NAME: &str = "credentials uri";

/// Gets temporary credentials with `GET` from a URL (`ALIBABA_CLOUD_CREDENTIALS_URI`), which
/// answers `{"Code": "Success", "AccessKeyId", "AccessKeySecret", "SecurityToken",
/// "Expiration"}` as in the official libraries. Its source name is `"credentials uri"`.
///
/// The URL may have a path and a query; it must be `https://`, or plain `http://` to a
/// loopback host (a local agent), and carry no user information. Timeouts: 5 s to connect,
/// 10 s per request.
///
/// Errors: [`CredentialsError::NotFound`] when no URL is given and the variable is unset;
/// [`CredentialsError::Invalid`] for a malformed URL; [`CredentialsError::Unavailable`] when
/// the URL cannot be reached, answers other than 200, or without `"Code": "Success"` and all
/// four fields (or with an AccessKeyId or SecurityToken that cannot be sent). Errors name the
/// URL without its query, which may hold a key of the agent.
pub struct CredentialsUriProvider {
    http: reqwest::Client,
    url: reqwest::Url,
}

impl std::fmt::Debug for CredentialsUriProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsUriProvider")
            .field("url", &self.shown())
            .finish_non_exhaustive()
    }
}

impl CredentialsUriProvider {
    /// The URL without its query, which may carry a key of the agent.
    fn shown(&self) -> String {
        shown(&self.url)
    }
}

/// `url` without its query and fragment, which may carry a key of the agent (its user
/// information is refused before anything shows it).
fn shown(url: &reqwest::Url) -> String {
    format!(
        "{}://{}{}{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port().map(|p| format!(":{p}")).unwrap_or_default(),
        url.path()
    )
}

/// Configures a [`CredentialsUriProvider`]. `Debug` shows the URL without its user
/// information, query and fragment.
#[derive(Default)]
pub struct CredentialsUriProviderBuilder {
    url: Option<String>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    env: Option<EnvLookup>,
}

impl std::fmt::Debug for CredentialsUriProviderBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A URL that does not parse is not shown at all: where its secrets are is unknown.
        let url = self.url.as_deref().map(|text| {
            reqwest::Url::parse(text.trim())
                .map_or_else(|_| "(not a URL; not shown)".to_owned(), |url| shown(&url))
        });
        f.debug_struct("CredentialsUriProviderBuilder")
            .field("url", &url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("env", &self.env)
            .finish()
    }
}

impl CredentialsUriProvider {
    /// A builder: URL from `ALIBABA_CLOUD_CREDENTIALS_URI` unless given.
    pub fn builder() -> CredentialsUriProviderBuilder {
        CredentialsUriProviderBuilder::default()
    }
}

impl CredentialsUriProviderBuilder {
    /// The URL to get credentials from.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Time allowed to connect (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for the request (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Reads environment variables through `lookup` instead of the process environment.
    pub fn env_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Some(EnvLookup::from_fn(lookup));
        self
    }

    pub(crate) fn env(mut self, env: EnvLookup) -> Self {
        self.env = Some(env);
        self
    }

    /// Builds the provider (sends nothing yet).
    ///
    /// # Errors
    ///
    /// [`CredentialsError::NotFound`] when no URL is given or set;
    /// [`CredentialsError::Invalid`] for a malformed URL, plain http to a non-loopback host,
    /// user information in the URL, or a zero timeout.
    pub fn build(self) -> Result<CredentialsUriProvider, CredentialsError> {
        let env = self.env.unwrap_or_else(EnvLookup::process);
        let invalid = |reason: String| CredentialsError::invalid(NAME, reason);
        let text = non_blank(self.url)
            .or_else(|| env.get(ALIBABA_CLOUD_CREDENTIALS_URI))
            .map(|url| url.trim().to_owned())
            .ok_or_else(|| {
                CredentialsError::not_found(
                    NAME,
                    format!("{ALIBABA_CLOUD_CREDENTIALS_URI} is not set"),
                )
            })?;
        // The URL is quoted only when it has no user information, which may hold a password.
        let url = reqwest::Url::parse(&text)
            .map_err(|e| invalid(format!("{ALIBABA_CLOUD_CREDENTIALS_URI} is not a URL: {e}")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(format!(
                "{ALIBABA_CLOUD_CREDENTIALS_URI} must not contain user information (user:password@)"
            )));
        }
        let host = url.host_str().unwrap_or_default().to_owned();
        let loopback = is_loopback(&host);
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(invalid(format!(
                    "{ALIBABA_CLOUD_CREDENTIALS_URI} {} uses plain http on a non-loopback host; \
                     use https",
                    shown(&url)
                )));
            }
            other => {
                return Err(invalid(format!(
                    "{ALIBABA_CLOUD_CREDENTIALS_URI} has scheme {other:?}, not http or https"
                )));
            }
        }
        let connect_timeout = self.connect_timeout.unwrap_or(Duration::from_secs(5));
        let timeout = self.timeout.unwrap_or(Duration::from_secs(10));
        if connect_timeout.is_zero() || timeout.is_zero() {
            return Err(invalid("timeouts must be greater than zero".to_owned()));
        }
        let http = http_client(connect_timeout, timeout, !loopback).map_err(invalid)?;
        Ok(CredentialsUriProvider { http, url })
    }
}

impl ProvideCredentials for CredentialsUriProvider {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(async move {
            let shown = self.shown();
            let unavailable =
                |reason: String| CredentialsError::unavailable(NAME, format!("{shown}: {reason}"));
            let Answer { status, body } = http::fetch(self.http.get(self.url.clone()))
                .await
                .map_err(|e| unavailable(e.to_string()))?;
            if status != 200 {
                return Err(unavailable(format!("HTTP {status}")));
            }
            let fields = json_object(&body).map_err(unavailable)?;
            if fields.get("Code").and_then(|c| c.as_str()) != Some("Success") {
                // The values of the URL's query may be an agent's key, which it may echo.
                let query: Vec<String> = self
                    .url
                    .query_pairs()
                    .map(|(_, v)| v.into_owned())
                    .collect();
                return Err(unavailable(not_success(
                    &fields,
                    query.iter().map(String::as_str),
                )));
            }
            let credentials = temporary_credentials(&fields).map_err(unavailable)?;
            Ok(credentials.with_source(format!("{NAME} {shown}")))
        })
    }

    fn name(&self) -> &'static str {
        NAME
    }
}
