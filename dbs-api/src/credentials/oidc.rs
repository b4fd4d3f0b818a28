//! Temporary credentials of a RAM role assumed with an OIDC token (ACK RRSA).

use std::path::PathBuf;

use super::ram_role_arn::{
    ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_ROLE_SESSION_NAME, check_duration, default_session_name,
    non_blank, sts_failure,
};
use super::sts::{
    AssumeRoleWithOidcRequest, DEFAULT_DURATION_SECONDS, StsClient, StsClientBuilder,
};
use super::{CredentialsError, EnvLookup, ProvideCredentials, ProvideFuture, StsEndpoint};
use crate::Sensitive;
use crate::local_file::{ReadFileError, read_regular_file};

/// The OIDC provider's ARN (official name).
pub const ALIBABA_CLOUD_OIDC_PROVIDER_ARN: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
/// The file holding the OIDC token, re-read on every refresh (official name; ACK RRSA mounts
/// it into the pod and rotates it).
pub const ALIBABA_CLOUD_OIDC_TOKEN_FILE: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";

/// The largest OIDC token file read, in bytes; a JWT is a few KiB.
const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;

const NAME: &str = "oidc role arn";

/// Assumes a RAM role at STS with an OIDC token (`AssumeRoleWithOIDC`, anonymous: the token is
/// the proof), as pods of ACK clusters with RRSA do. Its source name is `"oidc role arn"`.
///
/// | Field | Builder | Environment | Default |
/// |---|---|---|---|
/// | `RoleArn` | [`role_arn`](OidcRoleArnProviderBuilder::role_arn) | `ALIBABA_CLOUD_ROLE_ARN` | required |
/// | `OIDCProviderArn` | [`oidc_provider_arn`](OidcRoleArnProviderBuilder::oidc_provider_arn) | `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` | required |
/// | token file | [`oidc_token_file`](OidcRoleArnProviderBuilder::oidc_token_file) | `ALIBABA_CLOUD_OIDC_TOKEN_FILE` | required |
/// | `RoleSessionName` | [`role_session_name`](OidcRoleArnProviderBuilder::role_session_name) | `ALIBABA_CLOUD_ROLE_SESSION_NAME` | `dbs-rust-<unix seconds>` |
/// | `DurationSeconds` | [`duration_seconds`](OidcRoleArnProviderBuilder::duration_seconds) | — | 3600 |
/// | `Policy` | [`policy`](OidcRoleArnProviderBuilder::policy) | — | none |
/// | STS endpoint | [`sts_endpoint`](OidcRoleArnProviderBuilder::sts_endpoint) | `DBS_STS_ENDPOINT`, `ALIBABA_CLOUD_STS_REGION`, `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED` | `https://sts.aliyuncs.com` |
///
/// The token file is read again on every [`provide`](ProvideCredentials::provide), so a
/// rotated token is used at the next refresh. It must be a regular file of at most 64 KiB; the
/// token is never shown in an error or in `Debug`.
///
/// Errors: [`CredentialsError::Invalid`] for a missing setting, or a token file that is not a
/// regular file, too large, not UTF-8 or empty; [`CredentialsError::Unavailable`] when the
/// token file does not exist (yet) or STS cannot be reached or refuses.
#[derive(Debug)]
pub struct OidcRoleArnProvider {
    sts: StsClient,
    role_arn: String,
    oidc_provider_arn: String,
    token_file: PathBuf,
    role_session_name: String,
    duration_seconds: u32,
    policy: Option<String>,
    label: Option<String>,
}

/// Configures an [`OidcRoleArnProvider`].
#[derive(Debug, Default)]
pub struct OidcRoleArnProviderBuilder {
    role_arn: Option<String>,
    oidc_provider_arn: Option<String>,
    token_file: Option<PathBuf>,
    role_session_name: Option<String>,
    duration_seconds: Option<u32>,
    policy: Option<String>,
    endpoint: StsEndpoint,
    sts: StsClientBuilder,
    label: Option<String>,
    env: Option<EnvLookup>,
}

impl OidcRoleArnProvider {
    /// A builder: each unset field is read from its environment variable when built.
    pub fn builder() -> OidcRoleArnProviderBuilder {
        OidcRoleArnProviderBuilder::default()
    }

    /// The `RoleArn` assumed.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }
}

impl OidcRoleArnProviderBuilder {
    /// The role: `acs:ram::<account id>:role/<role name>`.
    pub fn role_arn(mut self, arn: impl Into<String>) -> Self {
        self.role_arn = Some(arn.into());
        self
    }

    /// The OIDC provider: `acs:ram::<account id>:oidc-provider/<name>`.
    pub fn oidc_provider_arn(mut self, arn: impl Into<String>) -> Self {
        self.oidc_provider_arn = Some(arn.into());
        self
    }

    /// The file holding the OIDC token (read on every refresh).
    pub fn oidc_token_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.token_file = Some(path.into());
        self
    }

    /// The `RoleSessionName`.
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

    /// Where STS is (default: from the environment).
    pub fn sts_endpoint(mut self, endpoint: StsEndpoint) -> Self {
        self.endpoint = endpoint;
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

    pub(crate) fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Builds the provider (reads no file and sends nothing yet).
    ///
    /// # Errors
    ///
    /// [`CredentialsError::Invalid`] (source `"oidc role arn"`) when the role ARN, the OIDC
    /// provider ARN or the token file is neither given nor in the environment, the duration is
    /// out of range, or the STS endpoint is malformed.
    pub fn build(self) -> Result<OidcRoleArnProvider, CredentialsError> {
        let env = self.env.unwrap_or_else(EnvLookup::process);
        let invalid = |reason: String| CredentialsError::invalid(NAME, reason);
        let setting = |given: Option<String>, variable: &str, what: &str| {
            non_blank(given)
                .or_else(|| env.get(variable))
                .map(|v| v.trim().to_owned())
                .ok_or_else(|| invalid(format!("no {what}: give one or set {variable}")))
        };
        let role_arn = setting(self.role_arn, ALIBABA_CLOUD_ROLE_ARN, "role ARN")?;
        let oidc_provider_arn = setting(
            self.oidc_provider_arn,
            ALIBABA_CLOUD_OIDC_PROVIDER_ARN,
            "OIDC provider ARN",
        )?;
        let token_file = setting(
            self.token_file
                .map(|path| path.to_string_lossy().into_owned()),
            ALIBABA_CLOUD_OIDC_TOKEN_FILE,
            "OIDC token file",
        )?;
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
        Ok(OidcRoleArnProvider {
            sts,
            role_arn,
            oidc_provider_arn,
            token_file: PathBuf::from(token_file),
            role_session_name,
            duration_seconds,
            policy: non_blank(self.policy),
            label: self.label,
        })
    }
}

impl OidcRoleArnProvider {
    /// Reads the token file now.
    fn read_token(&self) -> Result<Sensitive<String>, CredentialsError> {
        let shown = self.token_file.display();
        let token = match read_regular_file(&self.token_file, MAX_TOKEN_FILE_BYTES) {
            Ok((text, _)) => text,
            Err(ReadFileError::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => {
                // A pod's token may be mounted a moment after start: try again later.
                return Err(CredentialsError::unavailable(
                    NAME,
                    format!("the OIDC token file {shown} does not exist"),
                ));
            }
            Err(ReadFileError::NotRegularFile { kind }) => {
                return Err(CredentialsError::invalid(
                    NAME,
                    format!("the OIDC token file {shown} is {kind}, not a regular file"),
                ));
            }
            Err(ReadFileError::TooLarge { .. }) => {
                return Err(CredentialsError::invalid(
                    NAME,
                    format!(
                        "the OIDC token file {shown} is larger than {MAX_TOKEN_FILE_BYTES} bytes"
                    ),
                ));
            }
            // Never quote the bytes: they are the token.
            Err(ReadFileError::NotUtf8) => {
                return Err(CredentialsError::invalid(
                    NAME,
                    format!("the OIDC token file {shown} is not UTF-8 text"),
                ));
            }
            Err(error) => {
                return Err(CredentialsError::unavailable(
                    NAME,
                    format!("cannot read the OIDC token file {shown}: {error}"),
                ));
            }
        };
        let token = token.trim();
        if token.is_empty() {
            return Err(CredentialsError::invalid(
                NAME,
                format!("the OIDC token file {shown} is empty"),
            ));
        }
        Ok(Sensitive::new(token.to_owned()))
    }
}

impl ProvideCredentials for OidcRoleArnProvider {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(async move {
            let request = AssumeRoleWithOidcRequest {
                role_arn: self.role_arn.clone(),
                oidc_provider_arn: self.oidc_provider_arn.clone(),
                oidc_token: self.read_token()?,
                role_session_name: self.role_session_name.clone(),
                duration_seconds: self.duration_seconds,
                policy: self.policy.clone(),
            };
            let credentials = self
                .sts
                .assume_role_with_oidc(&request)
                .await
                .map_err(|e| sts_failure(NAME, e))?;
            let label = self
                .label
                .as_deref()
                .map(|label| format!(" ({label})"))
                .unwrap_or_default();
            Ok(credentials.with_source(format!("{NAME}{label} {}", self.role_arn)))
        })
    }

    fn name(&self) -> &'static str {
        NAME
    }
}
