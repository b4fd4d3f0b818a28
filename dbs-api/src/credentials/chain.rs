//! Trying several credentials sources in turn.

use std::path::PathBuf;

use super::{
    AliyunCliProfileProvider, Credentials, CredentialsError, EnvLookup, EnvironmentProvider,
    ProvideCredentials, ProvideFuture, SharedCredentialsFileProvider, SkippedSource,
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

    /// The default chain, reading the process environment and `$HOME`:
    /// [`EnvironmentProvider`] → [`AliyunCliProfileProvider`] →
    /// [`SharedCredentialsFileProvider`]. See [`DefaultChain`] to choose a profile or inject the
    /// home directory and environment.
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

/// Builds the default chain: environment variables, then the Alibaba Cloud CLI profile
/// (`~/.aliyun/config.json`), then the shared credentials file (`~/.alibabacloud/credentials`).
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

    /// The chain: [`EnvironmentProvider`] → [`AliyunCliProfileProvider`] →
    /// [`SharedCredentialsFileProvider`].
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
            Box::new(EnvironmentProvider { env }),
            Box::new(cli),
            Box::new(file),
        ])
    }
}
