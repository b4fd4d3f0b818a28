//! Trying several credentials sources in turn.

use std::path::PathBuf;

use super::{
    ALIBABA_CLOUD_ECS_METADATA, ALIBABA_CLOUD_ECS_METADATA_DISABLED,
    ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE, AliyunCliProfileProvider,
    Credentials, CredentialsError, CredentialsUriProvider, EcsRamRoleProvider, EnvLookup,
    EnvironmentProvider, OidcRoleArnProvider, ProvideCredentials, ProvideFuture,
    SharedCredentialsFileProvider, SkippedSource, ready,
};

const NAME: &str = "credentials chain";

/// Asks each of its providers in order and returns the first credentials found. Its source name
/// is `"credentials chain"`.
///
/// * A provider that returns [`CredentialsError::NotFound`] (or [`CredentialsError::NoneFound`],
///   for a nested chain) is skipped, and its reason remembered.
/// * A provider that returns [`CredentialsError::Invalid`] or [`CredentialsError::Unavailable`]
///   stops the chain: that error is returned as is. A broken source is the user's configuration and must be fixed; falling
///   through to the next source would silently use other credentials.
/// * When every provider is skipped, the chain returns [`CredentialsError::NoneFound`], whose
///   message lists each source with its reason on one line.
///
/// The chain keeps no cache: every [`provide`](ProvideCredentials::provide) reads the sources
/// again. A [`Client`](crate::Client) asks it through a
/// [`CachingProvider`](super::CachingProvider), so it is read once per client (and again only
/// when temporary credentials near their expiration).
///
/// The credentials returned carry the answering provider's name as their
/// [`source`](Credentials::source), unless the provider noted one itself.
#[derive(Debug)]
pub struct ChainProvider {
    providers: Vec<Box<dyn ProvideCredentials>>,
}

impl ChainProvider {
    /// A chain of `providers`, asked in the order given.
    pub fn new(providers: Vec<Box<dyn ProvideCredentials>>) -> Self {
        Self { providers }
    }

    /// The default chain, reading the process environment and `$HOME`, in the official order:
    /// environment → OIDC (when configured) → Alibaba CLI profile → shared credentials file →
    /// ECS instance role (when configured) → credentials URI (when set). See [`DefaultChain`]
    /// to choose a profile or inject the home directory and environment.
    pub fn default_chain() -> Self {
        DefaultChain::new().build()
    }

    /// The default chain with the profile `name` used for both `~/.aliyun/config.json` and
    /// `~/.alibabacloud/credentials`.
    pub fn default_chain_with_profile(name: impl Into<String>) -> Self {
        DefaultChain::new().with_profile(name).build()
    }

    /// The source names of the providers, in order.
    pub fn provider_names(&self) -> Vec<&'static str> {
        self.providers
            .iter()
            .map(|provider| provider.name())
            .collect()
    }

    /// Like [`provide`](ProvideCredentials::provide), and also returns the name of the provider
    /// that supplied the credentials.
    pub async fn provide_with_source(
        &self,
    ) -> Result<(Credentials, &'static str), CredentialsError> {
        let mut skipped = Vec::new();
        for provider in &self.providers {
            match provider.provide().await {
                Ok(credentials) => {
                    tracing::debug!(source = provider.name(), "credentials found");
                    let credentials = match credentials.source() {
                        Some(_) => credentials,
                        None => credentials.with_source(provider.name()),
                    };
                    return Ok((credentials, provider.name()));
                }
                Err(CredentialsError::NotFound {
                    source_name,
                    reason,
                }) => {
                    tracing::debug!(source = source_name, %reason, "credentials source skipped");
                    skipped.push(SkippedSource {
                        source_name,
                        reason,
                    });
                }
                Err(CredentialsError::NoneFound(inner)) => skipped.extend(inner),
                Err(error) => {
                    tracing::debug!(%error, "credentials source is broken; stopping the chain");
                    return Err(error);
                }
            }
        }
        Err(CredentialsError::NoneFound(skipped))
    }
}

impl ProvideCredentials for ChainProvider {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(async {
            self.provide_with_source()
                .await
                .map(|(credentials, _)| credentials)
        })
    }

    fn name(&self) -> &'static str {
        NAME
    }
}

/// Builds the default chain, in the order of the official credentials libraries:
///
/// 1. [`EnvironmentProvider`]: `ALIBABA_CLOUD_ACCESS_KEY_ID`, … (source `"environment"`);
/// 2. [`OidcRoleArnProvider`], when `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` or
///    `ALIBABA_CLOUD_OIDC_TOKEN_FILE` is set (ACK RRSA sets both, and `ALIBABA_CLOUD_ROLE_ARN`)
///    (source `"oidc role arn"`);
/// 3. [`AliyunCliProfileProvider`]: `~/.aliyun/config.json`, every mode;
/// 4. [`SharedCredentialsFileProvider`]: `~/.alibabacloud/credentials`, every type;
/// 5. [`EcsRamRoleProvider`], **only when configured**: `ALIBABA_CLOUD_ECS_METADATA` names the
///    role, or [`with_ecs_ram_role`](Self::with_ecs_ram_role) was called; never when
///    `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` (source `"ecs ram role"`);
/// 6. [`CredentialsUriProvider`], when `ALIBABA_CLOUD_CREDENTIALS_URI` is set (source
///    `"credentials uri"`).
///
/// Unlike the official libraries, the chain never probes the metadata service on its own:
/// off an ECS instance that costs a timeout, and on one it would silently pick the instance's
/// role. So a machine with nothing configured fails at once, without any network I/O, with
/// [`CredentialsError::NoneFound`] naming all six sources and why each was skipped.
///
/// ```no_run
/// use dbs_api::credentials::{DefaultChain, ProvideCredentials};
///
/// # async fn run() {
/// let chain = DefaultChain::new().with_profile("prod").build();
/// match chain.provide().await {
///     Ok(credentials) => println!("using AccessKey {}", credentials.access_key_id()),
///     Err(error) => eprintln!("{error}"),
/// }
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct DefaultChain {
    profile: Option<String>,
    home: Option<PathBuf>,
    env: Option<EnvLookup>,
    ecs_ram_role: bool,
}

impl DefaultChain {
    /// The default chain, reading the process environment and `$HOME`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses the profile `name` in both files (see
    /// [`AliyunCliProfileProvider::with_profile`] and
    /// [`SharedCredentialsFileProvider::with_profile`]).
    pub fn with_profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Looks for both files under `home` instead of `$HOME`.
    pub fn with_home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// Reads every environment variable through `lookup` instead of the process environment.
    pub fn with_env_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Some(EnvLookup::from_fn(lookup));
        self
    }

    /// Asks the ECS metadata service (after the files) even when `ALIBABA_CLOUD_ECS_METADATA`
    /// is unset: the role name is then read from the service.
    pub fn with_ecs_ram_role(mut self) -> Self {
        self.ecs_ram_role = true;
        self
    }

    /// The chain of the six sources.
    pub fn build(self) -> ChainProvider {
        let env = self.env.unwrap_or_else(EnvLookup::process);
        let mut cli = AliyunCliProfileProvider::new();
        cli.env = env.clone();
        let mut file = SharedCredentialsFileProvider::new();
        file.env = env.clone();
        if let Some(profile) = self.profile {
            cli = cli.with_profile(profile.clone());
            file = file.with_profile(profile);
        }
        if let Some(home) = self.home {
            cli = cli.with_home(home.clone());
            file = file.with_home(home);
        }
        ChainProvider::new(vec![
            Box::new(EnvironmentProvider { env: env.clone() }),
            Box::new(OidcIfConfigured { env: env.clone() }),
            Box::new(cli),
            Box::new(file),
            Box::new(EcsIfConfigured {
                env: env.clone(),
                asked: self.ecs_ram_role,
            }),
            Box::new(UriIfSet { env }),
        ])
    }
}

/// Runs `provider` once it is built, or reports why it could not be.
fn provide_built<P: ProvideCredentials + 'static>(
    provider: Result<P, CredentialsError>,
) -> ProvideFuture<'static> {
    match provider {
        Err(error) => ready(Err(error)),
        Ok(provider) => Box::pin(async move { provider.provide().await }),
    }
}

/// The OIDC provider of the default chain: built from the environment at each call, and only
/// when the OIDC variables are set.
#[derive(Debug)]
struct OidcIfConfigured {
    env: EnvLookup,
}

impl ProvideCredentials for OidcIfConfigured {
    fn provide(&self) -> ProvideFuture<'_> {
        // ALIBABA_CLOUD_ROLE_ARN alone also names a role for other providers: the OIDC
        // variables are what configure this one.
        if self.env.get(ALIBABA_CLOUD_OIDC_PROVIDER_ARN).is_none()
            && self.env.get(ALIBABA_CLOUD_OIDC_TOKEN_FILE).is_none()
        {
            return ready(Err(CredentialsError::not_found(
                self.name(),
                format!(
                    "{ALIBABA_CLOUD_OIDC_PROVIDER_ARN} and {ALIBABA_CLOUD_OIDC_TOKEN_FILE} are \
                     not set"
                ),
            )));
        }
        provide_built(
            OidcRoleArnProvider::builder()
                .env(self.env.clone())
                .label("environment")
                .build(),
        )
    }

    fn name(&self) -> &'static str {
        "oidc role arn"
    }
}

/// The ECS provider of the default chain: only when a role name is set or the chain was asked
/// to, so an unconfigured machine never waits on the metadata address.
#[derive(Debug)]
struct EcsIfConfigured {
    env: EnvLookup,
    asked: bool,
}

impl ProvideCredentials for EcsIfConfigured {
    fn provide(&self) -> ProvideFuture<'_> {
        if self
            .env
            .get(ALIBABA_CLOUD_ECS_METADATA_DISABLED)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        {
            return ready(Err(CredentialsError::not_found(
                self.name(),
                format!("disabled by {ALIBABA_CLOUD_ECS_METADATA_DISABLED}=true"),
            )));
        }
        if !self.asked && self.env.get(ALIBABA_CLOUD_ECS_METADATA).is_none() {
            return ready(Err(CredentialsError::not_found(
                self.name(),
                format!(
                    "not configured: {ALIBABA_CLOUD_ECS_METADATA} is not set (the metadata \
                     service is asked only when configured)"
                ),
            )));
        }
        provide_built(EcsRamRoleProvider::builder().env(self.env.clone()).build())
    }

    fn name(&self) -> &'static str {
        "ecs ram role"
    }
}

/// The credentials URI provider of the default chain, when `ALIBABA_CLOUD_CREDENTIALS_URI` is
/// set (building it reports that it is not).
#[derive(Debug)]
struct UriIfSet {
    env: EnvLookup,
}

impl ProvideCredentials for UriIfSet {
    fn provide(&self) -> ProvideFuture<'_> {
        provide_built(
            CredentialsUriProvider::builder()
                .env(self.env.clone())
                .build(),
        )
    }

    fn name(&self) -> &'static str {
        "credentials uri"
    }
}
