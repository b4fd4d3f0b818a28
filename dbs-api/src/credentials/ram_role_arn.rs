//! Temporary credentials of a RAM role, assumed at STS with other credentials.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use super::sts::{
    AssumeRoleRequest, DEFAULT_DURATION_SECONDS, MAX_DURATION_SECONDS, MIN_DURATION_SECONDS,
    StsClient, StsClientBuilder, StsError,
};
use super::{CredentialsError, EnvLookup, ProvideCredentials, ProvideFuture, StsEndpoint};
use crate::signing::SignatureVersion;

/// The role to assume when none is given in code (official name).
pub const ALIBABA_CLOUD_ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
/// The role session name when none is given in code (official name).
pub const ALIBABA_CLOUD_ROLE_SESSION_NAME: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";

const NAME: &str = "ram role arn";

/// `dbs-rust-<unix seconds>`, the session name when none is configured (the official libraries
/// use `credentials-<language>-<unix seconds>`).
pub(crate) fn default_session_name() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format!("dbs-rust-{seconds}")
}

/// Checks a `DurationSeconds` against STS's range; the error says the range.
pub(crate) fn check_duration(seconds: u32) -> Result<u32, String> {
    if (MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(format!(
            "duration_seconds {seconds} is outside {MIN_DURATION_SECONDS}..={MAX_DURATION_SECONDS} \
             (15 minutes to 12 hours)"
        ))
    }
}

/// An STS error as the provider reports it: configuration mistakes are
/// [`CredentialsError::Invalid`], the rest [`CredentialsError::Unavailable`].
pub(crate) fn sts_failure(name: &'static str, error: StsError) -> CredentialsError {
    match error {
        StsError::Config(reason) => CredentialsError::invalid(name, reason),
        other => CredentialsError::unavailable(name, other.to_string()),
    }
}

/// Assumes a RAM role at STS (`AssumeRole`) with the credentials of another provider, and
/// returns the role's temporary credentials. Its source name is `"ram role arn"`; the
/// credentials' [`source`](super::Credentials::source) says which role setting and which
/// source credentials.
///
/// Fields (builder method, then environment variable, then default):
///
/// | Field | Builder | Environment | Default |
/// |---|---|---|---|
/// | source credentials | [`source`](RamRoleArnProviderBuilder::source) | — | required |
/// | `RoleArn` | [`role_arn`](RamRoleArnProviderBuilder::role_arn) | `ALIBABA_CLOUD_ROLE_ARN` | required |
/// | `RoleSessionName` | [`role_session_name`](RamRoleArnProviderBuilder::role_session_name) | `ALIBABA_CLOUD_ROLE_SESSION_NAME` | `dbs-rust-<unix seconds>` |
/// | `DurationSeconds` | [`duration_seconds`](RamRoleArnProviderBuilder::duration_seconds) | — | 3600 |
/// | `Policy` | [`policy`](RamRoleArnProviderBuilder::policy) | — | none |
/// | `ExternalId` | [`external_id`](RamRoleArnProviderBuilder::external_id) | — | none |
/// | STS endpoint | [`sts_endpoint`](RamRoleArnProviderBuilder::sts_endpoint) | `DBS_STS_ENDPOINT`, `ALIBABA_CLOUD_STS_REGION`, `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED` | `https://sts.aliyuncs.com` |
///
/// Each [`provide`](ProvideCredentials::provide) asks the source and STS again; wrap it in a
/// [`CachingProvider`](super::CachingProvider) (a [`Client`](crate::Client) does) so STS is
/// asked once per lifetime of the credentials.
///
/// Errors: [`CredentialsError::Invalid`] when the source has no credentials, gives ones that
/// cannot be sent (a control character in the AccessKeyId or SecurityToken; nothing is sent),
/// or the configuration is wrong; [`CredentialsError::Unavailable`] when STS cannot be reached or
/// refuses (with its `Code` and `RequestId`).
///
/// ```no_run
/// use dbs_api::credentials::{EnvironmentProvider, RamRoleArnProvider};
///
/// # fn run() -> Result<(), dbs_api::credentials::CredentialsError> {
/// let provider = RamRoleArnProvider::builder()
///     .source(EnvironmentProvider::new())
///     .role_arn("acs:ram::1234567890123456:role/dbs-restore")
///     .role_session_name("nightly-restore")
///     .build()?;
/// let client = dbs_api::Client::builder()
///     .region("cn-hangzhou")
///     .credentials_provider(provider)
///     .build();
/// # Ok(()) }
/// ```
pub struct RamRoleArnProvider {
    source: Box<dyn ProvideCredentials>,
    sts: StsClient,
    request: AssumeRoleRequest,
    label: Option<String>,
}

impl fmt::Debug for RamRoleArnProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RamRoleArnProvider")
            .field("source", &self.source)
            .field("sts", &self.sts)
            .field("role_arn", &self.request.role_arn)
            .field("role_session_name", &self.request.role_session_name)
            .field("duration_seconds", &self.request.duration_seconds)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// Configures a [`RamRoleArnProvider`].
#[derive(Debug, Default)]
pub struct RamRoleArnProviderBuilder {
    source: Option<Box<dyn ProvideCredentials>>,
    role_arn: Option<String>,
    role_session_name: Option<String>,
    duration_seconds: Option<u32>,
    policy: Option<String>,
    external_id: Option<String>,
    sts: StsClientBuilder,
    endpoint: StsEndpoint,
    label: Option<String>,
    env: Option<EnvLookup>,
}

impl RamRoleArnProvider {
    /// A builder; [`source`](RamRoleArnProviderBuilder::source) and a role ARN are required.
    pub fn builder() -> RamRoleArnProviderBuilder {
        RamRoleArnProviderBuilder::default()
    }

    /// The `RoleArn` assumed.
    pub fn role_arn(&self) -> &str {
        &self.request.role_arn
    }

    /// The STS endpoint used.
    pub fn sts_endpoint(&self) -> &str {
        self.sts.endpoint()
    }
}

impl RamRoleArnProviderBuilder {
    /// The provider of the credentials that call `AssumeRole` (any provider: environment,
    /// a profile, another role).
    pub fn source(mut self, source: impl ProvideCredentials + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    pub(crate) fn boxed_source(mut self, source: Box<dyn ProvideCredentials>) -> Self {
        self.source = Some(source);
        self
    }

    /// The role: `acs:ram::<account id>:role/<role name>`.
    pub fn role_arn(mut self, arn: impl Into<String>) -> Self {
        self.role_arn = Some(arn.into());
        self
    }

    /// The `RoleSessionName`, shown in the role's audit logs (2 to 64 characters).
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.role_session_name = Some(name.into());
        self
    }

    /// The lifetime asked for, in seconds: 900 to 43200 (default 3600).
    pub fn duration_seconds(mut self, seconds: u32) -> Self {
        self.duration_seconds = Some(seconds);
        self
    }

    /// A policy document (JSON) narrowing what the role's credentials may do.
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The `ExternalId` the role's trust policy asks for.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// Where STS is (default: from the environment).
    pub fn sts_endpoint(mut self, endpoint: StsEndpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// How `AssumeRole` is signed (default [`SignatureVersion::V1`], as the official
    /// libraries do).
    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.sts = self.sts.signature_version(version);
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

    /// Where this role was configured, shown in the credentials' source (`aliyun CLI
    /// profile 'prod'`).
    pub(crate) fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Builds the provider.
    ///
    /// # Errors
    ///
    /// [`CredentialsError::Invalid`] (source `"ram role arn"`) when the source or the role ARN
    /// is missing, the duration is out of range, or the STS endpoint is malformed.
    pub fn build(self) -> Result<RamRoleArnProvider, CredentialsError> {
        let env = self.env.unwrap_or_else(EnvLookup::process);
        let invalid = |reason: String| CredentialsError::invalid(NAME, reason);
        let source = self.source.ok_or_else(|| {
            invalid("no source credentials: give the provider that calls AssumeRole".to_owned())
        })?;
        let role_arn = non_blank(self.role_arn)
            .or_else(|| env.get(ALIBABA_CLOUD_ROLE_ARN))
            .map(|arn| arn.trim().to_owned())
            .ok_or_else(|| {
                invalid(format!(
                    "no role ARN: give one or set {ALIBABA_CLOUD_ROLE_ARN}"
                ))
            })?;
        let role_session_name = non_blank(self.role_session_name)
            .or_else(|| env.get(ALIBABA_CLOUD_ROLE_SESSION_NAME))
            .map(|name| name.trim().to_owned())
            .unwrap_or_else(default_session_name);
        let duration_seconds =
            check_duration(self.duration_seconds.unwrap_or(DEFAULT_DURATION_SECONDS))
                .map_err(invalid)?;
        let sts = self
            .sts
            .endpoint(self.endpoint)
            .env(env)
            .build()
            .map_err(|e| sts_failure(NAME, e))?;
        Ok(RamRoleArnProvider {
            source,
            sts,
            request: AssumeRoleRequest {
                role_arn,
                role_session_name,
                duration_seconds,
                policy: non_blank(self.policy),
                external_id: non_blank(self.external_id),
            },
            label: self.label,
        })
    }
}

/// `value` unless it is blank.
pub(crate) fn non_blank(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl ProvideCredentials for RamRoleArnProvider {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(async move {
            let source = match self.source.provide().await {
                Ok(credentials) => credentials,
                // The role is configured: its missing source is a mistake to fix, not a reason
                // for a chain to use other credentials.
                Err(error) if error.is_not_found() => {
                    return Err(CredentialsError::invalid(
                        NAME,
                        format!(
                            "no source credentials for role {}: {error}",
                            self.request.role_arn
                        ),
                    ));
                }
                Err(error) => return Err(error),
            };
            let from = source.source().unwrap_or(self.source.name()).to_owned();
            // Checked here as for a DBS call: a V3 header cannot carry them, and STS would
            // only refuse them after a round trip.
            source.check_sendable(NAME).map_err(|e| {
                CredentialsError::invalid(
                    NAME,
                    format!(
                        "the source credentials from {from}: {}",
                        e.reason().unwrap_or_default()
                    ),
                )
            })?;
            let credentials = self
                .sts
                .assume_role(&source, &self.request)
                .await
                .map_err(|e| sts_failure(NAME, e))?;
            let label = self
                .label
                .as_deref()
                .map(|label| format!(" ({label})"))
                .unwrap_or_default();
            Ok(credentials.with_source(format!(
                "{NAME}{label} {} with credentials from {from}",
                self.request.role_arn
            )))
        })
    }

    fn name(&self) -> &'static str {
        NAME
    }
}
