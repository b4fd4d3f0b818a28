//! Credentials and the providers that find them.
//!
//! Every request to the DBS OpenAPI is signed with an AccessKey pair and, for temporary STS
//! credentials, a SecurityToken. This module finds those values:
//!
//! | Provider | Where it looks |
//! |---|---|
//! | [`StaticProvider`] | values you pass in code |
//! | [`EnvironmentProvider`] | `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, `ALIBABA_CLOUD_SECURITY_TOKEN` |
//! | [`AliyunCliProfileProvider`] | `~/.aliyun/config.json`, written by `aliyun configure` |
//! | [`SharedCredentialsFileProvider`] | `~/.alibabacloud/credentials` (INI), or `ALIBABA_CLOUD_CREDENTIALS_FILE` |
//! | [`RamRoleArnProvider`] | STS `AssumeRole` with the credentials of any other provider |
//! | [`OidcRoleArnProvider`] | STS `AssumeRoleWithOIDC` with a token file (ACK RRSA): `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`, `ALIBABA_CLOUD_OIDC_TOKEN_FILE` |
//! | [`EcsRamRoleProvider`] | the ECS instance's RAM role, from the metadata service (IMDSv2) |
//! | [`CredentialsUriProvider`] | a URL serving temporary credentials: `ALIBABA_CLOUD_CREDENTIALS_URI` |
//! | [`ChainProvider`] | each of a list of providers in turn; [`DefaultChain`] is environment → OIDC → CLI profile → shared file → ECS role (only when configured) → credentials URI |
//! | [`CachingProvider`] | wraps any of these: fetches once, refreshes temporary credentials at 80% of their lifetime, one refresh at a time |
//!
//! Providers are asynchronous ([`ProvideCredentials::provide`] returns a future), because
//! temporary credentials come over the network (STS through [`StsClient`], at the endpoint
//! [`StsEndpoint`] resolves; `DBS_STS_ENDPOINT` and `DBS_ECS_METADATA_ENDPOINT` point STS and
//! the metadata service at a loopback emulator). Answers of these services are read up to
//! [`MAX_CREDENTIALS_ANSWER_BYTES`]. A [`Client`](crate::Client) wraps its provider in
//! a [`CachingProvider`], so sources are read once per client, not once per call.
//!
//! # Missing versus broken sources
//!
//! A provider answers in one of three ways:
//!
//! * `Ok(credentials)`: found.
//! * [`CredentialsError::NotFound`]: this source has nothing (no variable set, no file, no such
//!   profile). A chain moves on to its next provider and remembers the reason.
//! * [`CredentialsError::Unavailable`]: the source is configured but could not answer now (STS
//!   refused or unreachable). A chain stops here too.
//! * [`CredentialsError::Invalid`]: the source exists but is broken (invalid JSON or INI, a
//!   profile missing `access_key_secret`, an unsupported mode, only half of the AccessKey pair in
//!   the environment). **A chain stops here and returns the error instead of falling through to
//!   the next source**: silently using other credentials than the ones the user configured would
//!   hide the mistake and could act on the wrong account, so the user is told to fix the source.
//!
//! # Files
//!
//! The file providers read regular files only (a symbolic link to one is followed), of at most
//! [`MAX_CREDENTIALS_FILE_BYTES`]: a directory, a FIFO, a device such as `/dev/zero` or a larger
//! file is [`CredentialsError::Invalid`], and opening never blocks. On Unix, a file that group or
//! others may access is still read, with a `tracing` warning (once per file and process) naming
//! it, as ssh warns about private keys.
//!
//! When no provider of a chain finds anything, the chain returns
//! [`CredentialsError::NoneFound`], whose message lists every source with the reason it was
//! skipped.
//!
//! # Secrets
//!
//! The AccessKeySecret and the SecurityToken are held in [`Sensitive`], so `Debug` prints them
//! redacted, and no error message, `Debug` output or log line of this module contains them.
//! Parse errors report only a line and column, never the text around them.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use crate::Sensitive;

mod cache;
mod chain;
mod ecs_ram_role;
mod endpoints;
mod env;
mod error;
mod file;
mod http;
mod oidc;
mod profile;
mod ram_role_arn;
mod shared_file;
mod sts;
mod uri;

pub use cache::CachingProvider;
pub use chain::{ChainProvider, DefaultChain};
pub use ecs_ram_role::{
    ALIBABA_CLOUD_ECS_METADATA, ALIBABA_CLOUD_ECS_METADATA_DISABLED, ALIBABA_CLOUD_IMDSV1_DISABLED,
    EcsRamRoleProvider, EcsRamRoleProviderBuilder,
};
pub use endpoints::{
    ALIBABA_CLOUD_STS_REGION, ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED, DBS_ECS_METADATA_ENDPOINT,
    DBS_STS_ENDPOINT, DEFAULT_ECS_METADATA_ENDPOINT, DEFAULT_STS_HOST, StsEndpoint,
};
pub use env::{
    ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN,
    EnvironmentProvider,
};
pub use error::{CredentialsError, SkippedSource};
pub use file::MAX_CREDENTIALS_FILE_BYTES;
pub use http::MAX_CREDENTIALS_ANSWER_BYTES;
pub use oidc::{
    ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE, OidcRoleArnProvider,
    OidcRoleArnProviderBuilder,
};
pub use profile::{
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED, AliyunCliProfileProvider, MAX_SOURCE_PROFILE_LINKS,
};
pub use ram_role_arn::{
    ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_ROLE_SESSION_NAME, RamRoleArnProvider,
    RamRoleArnProviderBuilder,
};
pub use shared_file::{ALIBABA_CLOUD_CREDENTIALS_FILE, SharedCredentialsFileProvider};
pub use sts::{
    AssumeRoleRequest, AssumeRoleWithOidcRequest, DEFAULT_DURATION_SECONDS, MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS, STS_API_VERSION, StsClient, StsClientBuilder, StsError,
};
pub use uri::{
    ALIBABA_CLOUD_CREDENTIALS_URI, CredentialsUriProvider, CredentialsUriProviderBuilder,
};

/// The environment variable that names the profile to use in `~/.aliyun/config.json` and the
/// section to use in `~/.alibabacloud/credentials`, when no name is given in code.
pub const ALIBABA_CLOUD_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";

/// An AccessKey pair, with a SecurityToken when the pair is temporary (STS).
///
/// `Debug` prints only the start of the AccessKeyId (the whole ID identifies the account) and
/// redacts the secret and the token.
///
/// Temporary credentials carry their [`expiration`](Self::expiration), which tells
/// [`CachingProvider`] when to fetch new ones, and every provider notes its
/// [`source`](Self::source).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    access_key_secret: Sensitive<String>,
    security_token: Option<Sensitive<String>>,
    expiration: Option<SystemTime>,
    source: Option<Cow<'static, str>>,
}

impl Credentials {
    /// A long-lived AccessKey pair.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: Sensitive::new(access_key_secret.into()),
            security_token: None,
            expiration: None,
            source: None,
        }
    }

    /// Adds the SecurityToken that comes with temporary STS credentials; it is sent as the
    /// `SecurityToken` request parameter.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(Sensitive::new(token.into()));
        self
    }

    /// Notes when these temporary credentials stop working (STS's `Expiration`).
    pub fn with_expiration(mut self, expiration: SystemTime) -> Self {
        self.expiration = Some(expiration);
        self
    }

    /// Notes the source that produced these credentials, shown by the CLI's `-v`: a provider's
    /// [`name`](ProvideCredentials::name), or a longer description such as
    /// `ram role arn (profile prod) via aliyun CLI profile (profile base)`. Never a secret.
    pub fn with_source(mut self, source: impl Into<Cow<'static, str>>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// When these credentials stop working; `None` for a long-lived AccessKey pair.
    pub fn expiration(&self) -> Option<SystemTime> {
        self.expiration
    }

    /// The source that produced these credentials, when one noted it (a
    /// [`ChainProvider`] notes the provider that answered).
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The AccessKey ID (not a secret; it appears in every signed request).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The AccessKey secret, used only to compute signatures.
    pub fn access_key_secret(&self) -> &Sensitive<String> {
        &self.access_key_secret
    }

    /// The STS SecurityToken, if these are temporary credentials.
    pub fn security_token(&self) -> Option<&Sensitive<String>> {
        self.security_token.as_ref()
    }

    /// Checks that the AccessKeyId and the SecurityToken can go on the wire: they travel in HTTP
    /// headers (V3), where a control character (`\r`, `\n`, `\x01`, DEL) cannot be sent, and
    /// the AccessKeyId is one word of the `Authorization` header, so it holds no whitespace
    /// either. Checked before anything is sent, so a pasted `\r\n` is a credentials error, not
    /// a transport failure that "may have reached the service". The message names the
    /// AccessKeyId by its prefix only and never quotes the token.
    pub(crate) fn check_sendable(&self, source_name: &'static str) -> Result<(), CredentialsError> {
        if self
            .access_key_id
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(CredentialsError::invalid(
                source_name,
                format!(
                    "the AccessKeyId {:?} holds a control or whitespace character, which cannot \
                     be sent",
                    IdPrefix(&self.access_key_id)
                ),
            ));
        }
        if self
            .security_token
            .as_ref()
            .is_some_and(|token| token.expose().chars().any(char::is_control))
        {
            return Err(CredentialsError::invalid(
                source_name,
                "the SecurityToken holds a control character, which cannot be sent",
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &IdPrefix(&self.access_key_id))
            .field("access_key_secret", &self.access_key_secret)
            .field("security_token", &self.security_token)
            .field("expiration", &self.expiration)
            .field("source", &self.source)
            .finish()
    }
}

/// Characters of an AccessKeyId that `Debug` shows: enough to tell keys apart in a log.
const ID_PREFIX_CHARS: usize = 8;

/// An AccessKeyId shown as its first characters and `****`: at most [`ID_PREFIX_CHARS`], and
/// never more than a third of the ID.
struct IdPrefix<'a>(&'a str);

impl fmt::Debug for IdPrefix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = (self.0.chars().count() / 3).min(ID_PREFIX_CHARS);
        let prefix: String = self.0.chars().take(shown).collect();
        write!(f, "{:?}", format!("{prefix}****"))
    }
}

/// What [`ProvideCredentials::provide`] returns: a boxed future of credentials.
pub type ProvideFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + Send + 'a>>;

/// A source of [`Credentials`].
///
/// Asynchronous, because temporary credentials come over the network (STS, the ECS metadata
/// service, a credentials URI). A source that only reads memory, the environment or a file
/// answers with a ready future. A [`Client`](crate::Client) asks its provider through a
/// [`CachingProvider`], so a provider itself need not cache.
///
/// Implementations must keep secrets out of their `Debug` output and out of every error.
pub trait ProvideCredentials: fmt::Debug + Send + Sync {
    /// Looks for credentials.
    ///
    /// Resolves to `Ok` when found, [`CredentialsError::NotFound`] (or
    /// [`CredentialsError::NoneFound`] for a chain) when this source has nothing, so a chain may
    /// try the next one, [`CredentialsError::Invalid`] when the source exists but is broken and
    /// the user must fix it, and [`CredentialsError::Unavailable`] when a configured source
    /// could not answer (STS refused or unreachable).
    fn provide(&self) -> ProvideFuture<'_>;

    /// A short, human-readable name of this source, used in error messages and logs.
    fn name(&self) -> &'static str;
}

impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Box<P> {
    fn provide(&self) -> ProvideFuture<'_> {
        (**self).provide()
    }

    fn name(&self) -> &'static str {
        (**self).name()
    }
}

impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Arc<P> {
    fn provide(&self) -> ProvideFuture<'_> {
        (**self).provide()
    }

    fn name(&self) -> &'static str {
        (**self).name()
    }
}

/// The future of a source that answers without waiting (memory, environment, files).
pub(crate) fn ready(result: Result<Credentials, CredentialsError>) -> ProvideFuture<'static> {
    Box::pin(std::future::ready(result))
}

/// Always returns the credentials it was built with. Its source name is `"static"`.
#[derive(Clone, Debug)]
pub struct StaticProvider {
    credentials: Credentials,
}

impl StaticProvider {
    /// A provider that returns `credentials` every time.
    pub fn new(credentials: Credentials) -> Self {
        Self { credentials }
    }
}

impl ProvideCredentials for StaticProvider {
    /// Never fails.
    fn provide(&self) -> ProvideFuture<'_> {
        ready(Ok(self.credentials.clone()))
    }

    fn name(&self) -> &'static str {
        "static"
    }
}

/// A function returning the value of an environment variable, `None` when unset.
type LookupFn = dyn Fn(&str) -> Option<String> + Send + Sync;

/// How providers read environment variables: the process environment, or a function injected
/// by tests. Values that are empty or only whitespace count as unset.
#[derive(Clone)]
pub(crate) struct EnvLookup {
    lookup: Arc<LookupFn>,
    injected: bool,
}

impl EnvLookup {
    /// Reads `std::env::var`.
    pub(crate) fn process() -> Self {
        Self {
            lookup: Arc::new(|key| std::env::var(key).ok()),
            injected: false,
        }
    }

    /// Calls `lookup`.
    pub(crate) fn from_fn(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self {
            lookup: Arc::new(lookup),
            injected: true,
        }
    }

    /// The value of `key`, or `None` when unset or blank.
    pub(crate) fn get(&self, key: &str) -> Option<String> {
        (self.lookup)(key).filter(|value| !value.trim().is_empty())
    }

    /// Whether `key` is set in the process environment to something that is not valid UTF-8
    /// (which [`EnvLookup::get`] reads as unset). An injected lookup only ever gives text.
    pub(crate) fn not_unicode(&self, key: &str) -> bool {
        !self.injected && matches!(std::env::var(key), Err(std::env::VarError::NotUnicode(_)))
    }

    /// The home directory: `HOME`, or `USERPROFILE` on Windows-like environments.
    pub(crate) fn home(&self) -> Option<std::path::PathBuf> {
        self.get("HOME")
            .or_else(|| self.get("USERPROFILE"))
            .map(std::path::PathBuf::from)
    }
}

impl fmt::Debug for EnvLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print values: the environment holds secrets.
        f.write_str(if self.injected {
            "EnvLookup(injected)"
        } else {
            "EnvLookup(process)"
        })
    }
}
