//! The client: configuration and the shared connection pool.

mod classify;
mod clock;
mod pipeline;
mod prepared;
mod redact;
mod request;
mod retry;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::ValidationContext;
use crate::credentials::{
    CachingProvider, ChainProvider, Credentials, ProvideCredentials, StaticProvider,
};
use crate::error::Error;
use crate::signing::SignatureVersion;

pub use classify::{MAX_RESPONSE_BYTES, MAX_RESPONSE_JSON_MARKS};
pub use clock::ClockSkew;
pub(crate) use pipeline::CallOptions;
pub use prepared::PreparedRequest;
pub use redact::Redactor;
pub use request::RequestBuilder;
pub(crate) use request::page_request;
pub use retry::RetryConfig;

/// The `user-agent` every request carries.
pub const USER_AGENT: &str = concat!("dbs-rust/", env!("CARGO_PKG_VERSION"));

/// Environment variable naming the region (`cn-hangzhou`), read by [`Client::from_env`].
pub const ENV_REGION: &str = "ALIBABA_CLOUD_REGION_ID";
/// Environment variable naming an explicit endpoint URL, read by [`Client::from_env`].
pub const ENV_ENDPOINT: &str = "DBS_ENDPOINT";

/// A DBS client: cheap to clone (one shared connection pool), safe to share between tasks.
///
/// ```no_run
/// # async fn run() -> Result<(), dbs_api::Error> {
/// let client = dbs_api::Client::builder().region("cn-hangzhou").build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// What a client shares between its clones, and the pipeline's methods (`pipeline.rs`,
/// `request.rs`): they live here rather than on `Client` because the generated client methods are
/// `impl Client` in this crate, and a private helper there would take a name from the operations.
struct Inner {
    http: reqwest::Client,
    endpoint: Endpoint,
    /// `endpoint.base` + `/`, parsed once: every call's URL starts as a copy of it.
    root_url: reqwest::Url,
    credentials: CachingProvider,
    signature_version: SignatureVersion,
    retry: RetryConfig,
    attempt_timeout: Duration,
    operation_timeout: Option<Duration>,
    context: ValidationContext,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint.base)
            .field("credentials", &self.inner.credentials)
            .field("signature_version", &self.inner.signature_version)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Where requests go: `https://dbs-api.cn-hangzhou.aliyuncs.com` or an override.
#[derive(Clone, Debug)]
pub(crate) struct Endpoint {
    /// `scheme://host[:port]`, no trailing slash.
    pub base: String,
    /// The `host` header value: `host[:port]`.
    pub host: String,
}

impl Client {
    /// A builder with the defaults: V3 signatures, the standard retry policy, connect 5 s /
    /// read 10 s timeouts, the default credentials chain.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: region from `ALIBABA_CLOUD_REGION_ID` (or the
    /// Alibaba CLI profile's region), endpoint from `DBS_ENDPOINT` when set, credentials from the
    /// default chain ([`DefaultChain`](crate::credentials::DefaultChain): environment, OIDC,
    /// `~/.aliyun/config.json`, `~/.alibabacloud/credentials`, the ECS instance role when
    /// configured, a credentials URI).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no region or endpoint is known, or the region has no known endpoint.
    pub fn from_env() -> Result<Self, Error> {
        let mut builder = Self::builder();
        if let Some(endpoint) = non_empty_env(ENV_ENDPOINT) {
            builder = builder.endpoint_url(endpoint);
        }
        let region = non_empty_env(ENV_REGION)
            .or_else(|| crate::credentials::AliyunCliProfileProvider::new().region());
        if let Some(region) = region {
            builder = builder.region(region);
        }
        builder.build()
    }

    /// The endpoint requests go to, such as `https://dbs-api.cn-hangzhou.aliyuncs.com`.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint.base
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Configures a [`Client`].
#[derive(Debug, Default)]
pub struct ClientBuilder {
    region: Option<String>,
    endpoint_url: Option<String>,
    allow_plain_http: bool,
    credentials: Option<Box<dyn ProvideCredentials>>,
    signature_version: SignatureVersion,
    retry: Option<RetryConfig>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    context: ValidationContext,
}

impl ClientBuilder {
    /// The region ID (`cn-hangzhou`); it selects the endpoint from the spec's map. DBS has no
    /// `RegionId` parameter: the destination region is `DestinationEndpointRegion`.
    pub fn region(mut self, region_id: impl Into<String>) -> Self {
        self.region = Some(region_id.into());
        self
    }

    /// An explicit endpoint, overriding the region's: `https://host[:port]` or a bare host.
    /// Plain `http://` is accepted only for loopback hosts (the emulator) unless
    /// [`allow_plain_http`](Self::allow_plain_http) is set.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Accepts a plain `http://` endpoint on a non-loopback host. Credentials are still never
    /// sent in clear (they only sign), but request bodies, including passwords, are.
    pub fn allow_plain_http(mut self, allow: bool) -> Self {
        self.allow_plain_http = allow;
        self
    }

    /// Static credentials (AccessKeyId and AccessKeySecret, optionally an STS token).
    pub fn credentials(self, credentials: Credentials) -> Self {
        self.credentials_provider(StaticProvider::new(credentials))
    }

    /// A credentials provider. The default is [`ChainProvider::default_chain`]. The client asks
    /// it through a [`CachingProvider`]: once, and again only before temporary credentials
    /// expire (one refresh at a time, shared by concurrent calls).
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Box::new(provider));
        self
    }

    /// The signature algorithm: [`SignatureVersion::V3`] (ACS3-HMAC-SHA256, the default) or
    /// [`SignatureVersion::V1`] (HMAC-SHA1).
    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.signature_version = version;
        self
    }

    /// The retry policy; [`RetryConfig::disabled`] turns retries off.
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Time allowed to open a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for one attempt to be answered (default 10 s); per call with
    /// [`RequestBuilder::attempt_timeout`].
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// Time allowed for a whole call, retries and backoff included (default: none). A wait the
    /// server asks for that would end past it ends the call at once with the server's error.
    ///
    /// Without one a call still ends: at most [`RetryConfig::max_attempts`] attempts, each
    /// bounded by the read timeout, and no wait between them longer than
    /// [`RetryConfig::max_backoff`] (20 s by default); a server asking for a longer wait ends the
    /// call with its error, whose [`Error::retry_after`] says how long it asked for.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// Facts the validator may use on every call (the backup plan's engine, say).
    pub fn validation_context(mut self, context: ValidationContext) -> Self {
        self.context = context;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when neither a region nor an endpoint is set, the region has no known
    /// endpoint, the endpoint URL is malformed or plain HTTP on a non-loopback host, a timeout
    /// is zero, or the HTTP client cannot be created.
    pub fn build(self) -> Result<Client, Error> {
        check_timeouts(&[
            ("connect_timeout", self.connect_timeout),
            ("read_timeout", self.read_timeout),
            ("operation_timeout", self.operation_timeout),
        ])?;
        let endpoint = match (&self.endpoint_url, &self.region) {
            (Some(url), _) => parse_endpoint(url, self.allow_plain_http)?,
            (None, Some(region)) => match crate::endpoint_for_region(region) {
                Some(host) => Endpoint {
                    base: format!("https://{host}"),
                    host: host.to_owned(),
                },
                None => {
                    return Err(Error::Config(format!(
                        "region {region:?} has no known DBS endpoint; set one with endpoint_url(\"https://…\") \
                         (known regions: {})",
                        crate::ENDPOINTS
                            .iter()
                            .map(|(r, _)| *r)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            },
            (None, None) => {
                return Err(Error::Config(format!(
                    "no region or endpoint: call region(\"cn-hangzhou\") or endpoint_url(..), or set {ENV_REGION}"
                )));
            }
        };
        let root_url = reqwest::Url::parse(&format!("{}/", endpoint.base)).map_err(|e| {
            Error::Config(format!(
                "endpoint {:?} is not a valid URL: {e}",
                endpoint.base
            ))
        })?;
        let read_timeout = self.read_timeout.unwrap_or(Duration::from_secs(10));
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(5)))
            // A redirect would replay the signed body, password included, to another URL.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("cannot create the HTTP client: {e}")))?;
        let credentials = CachingProvider::new(
            self.credentials
                .unwrap_or_else(|| Box::new(ChainProvider::default_chain())),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                endpoint,
                root_url,
                credentials,
                signature_version: self.signature_version,
                retry: self.retry.unwrap_or_default(),
                attempt_timeout: read_timeout,
                operation_timeout: self.operation_timeout,
                context: self.context,
            }),
        })
    }
}

/// A zero timeout would fail every call before it starts: refused up front, by name.
pub(crate) fn check_timeouts(timeouts: &[(&str, Option<Duration>)]) -> Result<(), Error> {
    match timeouts
        .iter()
        .find(|(_, t)| t.is_some_and(|t| t.is_zero()))
    {
        Some((name, _)) => Err(Error::Config(format!("{name} must be greater than zero"))),
        None => Ok(()),
    }
}

/// Parses an endpoint override, `scheme://host[:port]` (an optional `/` after it) or a bare
/// `host[:port]` (HTTPS); plain HTTP only for loopback unless allowed. Refused: an empty host
/// (`https://`, `http:`), port 0 or an empty port (`https://x:`), user information, and any
/// path, query or fragment.
pub(crate) fn parse_endpoint(url: &str, allow_plain_http: bool) -> Result<Endpoint, Error> {
    let url = url.trim();
    let shape = || {
        Error::Config(format!(
            "endpoint {url:?} must be scheme://host[:port] with no path, query or fragment"
        ))
    };
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_owned(), url),
    };
    // The authority as written: the URL parser forgives what must be refused here (an empty
    // port, slashes before the host).
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.contains('@') {
        // Never echo user information: it may hold a password.
        return Err(Error::Config(
            "endpoint URL must not contain user information (user:password@)".to_owned(),
        ));
    }
    if authority.is_empty() {
        return Err(Error::Config(format!("endpoint {url:?} has no host")));
    }
    if !matches!(tail, "" | "/") || authority.contains(char::is_whitespace) {
        return Err(shape());
    }
    if authority.ends_with(':') {
        return Err(Error::Config(format!(
            "endpoint {url:?} has an empty port: give a port number or none"
        )));
    }
    match scheme.as_str() {
        "https" => {}
        "http" if allow_plain_http || is_loopback(authority) => {}
        "http" => {
            return Err(Error::Config(format!(
                "endpoint {url:?} uses plain http on a non-loopback host; use https (the library can opt in with allow_plain_http(true))"
            )));
        }
        other => {
            return Err(Error::Config(format!(
                "endpoint scheme {other:?} is not http or https"
            )));
        }
    }
    // The URL parser catches the rest: a port above 65535, a broken IPv6 literal, a host with
    // characters no host has.
    let parsed = reqwest::Url::parse(&format!("{scheme}://{authority}/"))
        .map_err(|e| Error::Config(format!("endpoint {url:?} is not a valid URL: {e}")))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::Config(format!("endpoint {url:?} has no host")));
    }
    if parsed.port() == Some(0) {
        return Err(Error::Config(format!(
            "endpoint {url:?} has port 0, which no server listens on"
        )));
    }
    if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(shape());
    }
    Ok(Endpoint {
        base: format!("{scheme}://{authority}"),
        host: authority.to_owned(),
    })
}

pub(crate) fn is_loopback(host_port: &str) -> bool {
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port
            .rsplit_once(':')
            .map_or(host_port, |(host, _)| host),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_from_region_and_override() {
        let endpoint = |url: &str| parse_endpoint(url, false).map(|e| (e.base, e.host));
        assert_eq!(
            endpoint("http://127.0.0.1:8080/").ok(),
            Some(("http://127.0.0.1:8080".into(), "127.0.0.1:8080".into()))
        );
        assert!(endpoint("http://localhost:1").is_ok());
        assert!(endpoint("http://[::1]:1").is_ok());
        assert!(endpoint("http://dbs.example.com").is_err());
        assert!(parse_endpoint("http://dbs.example.com", true).is_ok());
        assert_eq!(
            endpoint("dbs-api.cn-hangzhou.aliyuncs.com")
                .ok()
                .map(|e| e.0),
            Some("https://dbs-api.cn-hangzhou.aliyuncs.com".into())
        );
        assert!(endpoint("https://host/path").is_err());
        assert!(endpoint("ftp://host").is_err());
        assert!(endpoint("http://127.0.0.1:99999").is_err());
        assert!(endpoint("http://[::1").is_err());
    }

    /// Finding 12: endpoints without a host, with port 0 or an empty port, or with anything
    /// after the authority are configuration errors, not the host "http".
    #[test]
    fn endpoints_without_a_usable_host_or_port_are_refused() {
        for url in [
            "http://",
            "https://",
            "https:///",
            "https:///x",
            "http:",
            "https:",
            "https://x:0",
            "https://x:",
            "http://127.0.0.1:0",
            "https://x/?",
            "https://x?a=1",
            "https://x#f",
            "https://x//",
            "https://u@x",
            "https://:443",
        ] {
            let result = parse_endpoint(url, false);
            assert!(
                matches!(result, Err(Error::Config(_))),
                "{url}: {:?}",
                result.map(|e| e.base)
            );
        }
        assert_eq!(
            parse_endpoint("https://x:8443/", false)
                .ok()
                .map(|e| e.host),
            Some("x:8443".to_owned())
        );
    }

    #[test]
    fn unknown_region_asks_for_an_endpoint() {
        let err = Client::builder()
            .region("xx-nowhere-1")
            .build()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("xx-nowhere-1") && err.contains("endpoint_url"),
            "{err}"
        );
        let ok = Client::builder()
            .region("us-east-1")
            .build()
            .map(|c| c.endpoint().to_owned())
            .ok();
        assert_eq!(
            ok.as_deref(),
            Some("https://dbs-api.cn-hangzhou.aliyuncs.com")
        );
    }
}
