//! Temporary credentials of the RAM role attached to an ECS instance, from the instance's
//! metadata service.

use std::time::Duration;

use super::endpoints::{ecs_metadata_endpoint, url_for_debug};
use super::http::{self, Answer, http_client, json_object, not_success, temporary_credentials};
use super::ram_role_arn::non_blank;
use super::{CredentialsError, EnvLookup, ProvideCredentials, ProvideFuture};
use crate::client::Endpoint;

/// The role name of the instance; setting it is what lets the default chain ask the metadata
/// service (official name).
pub const ALIBABA_CLOUD_ECS_METADATA: &str = "ALIBABA_CLOUD_ECS_METADATA";
/// `true` turns the metadata service off entirely (official name).
pub const ALIBABA_CLOUD_ECS_METADATA_DISABLED: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
/// `true` forbids, `false` allows, falling back to IMDSv1 (no session token) when the token
/// cannot be had (official name). Unset: forbidden (the official libraries allow it).
pub const ALIBABA_CLOUD_IMDSV1_DISABLED: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";

/// The lifetime of the IMDSv2 session token asked for, in seconds (the official libraries' 6 h).
const TOKEN_TTL_SECONDS: u32 = 21_600;
const TOKEN_PATH: &str = "/latest/api/token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const HEADER_TOKEN: &str = "X-aliyun-ecs-metadata-token";
const HEADER_TOKEN_TTL: &str = "X-aliyun-ecs-metadata-token-ttl-seconds";

const NAME: &str = "ecs ram role";

/// Gets the temporary credentials of the RAM role attached to this ECS instance from the
/// metadata service (`http://100.100.100.200`). Its source name is `"ecs ram role"`.
///
/// Each [`provide`](ProvideCredentials::provide):
/// 1. asks for an IMDSv2 session token (`PUT /latest/api/token`);
/// 2. when no role name is configured, reads the attached role's name
///    (`GET /latest/meta-data/ram/security-credentials/`);
/// 3. reads the role's credentials (`GET /latest/meta-data/ram/security-credentials/<role>`)
///    with the token.
///
/// When no token can be had, the calls go without one (IMDSv1) only if that was allowed, by
/// [`allow_imds_v1`](EcsRamRoleProviderBuilder::allow_imds_v1) or
/// `ALIBABA_CLOUD_IMDSV1_DISABLED=false`; otherwise the provider fails.
///
/// | Field | Builder | Environment | Default |
/// |---|---|---|---|
/// | role name | [`role_name`](EcsRamRoleProviderBuilder::role_name) | `ALIBABA_CLOUD_ECS_METADATA` | discovered |
/// | IMDSv1 fallback | [`allow_imds_v1`](EcsRamRoleProviderBuilder::allow_imds_v1) | `ALIBABA_CLOUD_IMDSV1_DISABLED` | off |
/// | endpoint | [`endpoint`](EcsRamRoleProviderBuilder::endpoint) | `DBS_ECS_METADATA_ENDPOINT` | `http://100.100.100.200` |
/// | off switch | — | `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` | on |
///
/// Timeouts are 1 s to connect and 1 s per request, as in the official libraries: off an ECS
/// instance the address does not answer. The default chain never uses this provider unless it
/// is configured (see [`DefaultChain`](super::DefaultChain)).
///
/// Errors: [`CredentialsError::NotFound`] when disabled by
/// `ALIBABA_CLOUD_ECS_METADATA_DISABLED`; [`CredentialsError::Invalid`] for a role name that
/// is not a path segment or a malformed endpoint; [`CredentialsError::Unavailable`] when the
/// service cannot be reached, refuses, or answers without `"Code": "Success"`.
#[derive(Debug)]
pub struct EcsRamRoleProvider {
    http: reqwest::Client,
    endpoint: Endpoint,
    role_name: Option<String>,
    allow_imds_v1: bool,
    env: EnvLookup,
    label: Option<String>,
}

/// Configures an [`EcsRamRoleProvider`]. `Debug` does not show an endpoint with user
/// information.
#[derive(Default)]
pub struct EcsRamRoleProviderBuilder {
    role_name: Option<String>,
    allow_imds_v1: Option<bool>,
    endpoint: Option<String>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    label: Option<String>,
    env: Option<EnvLookup>,
}

impl std::fmt::Debug for EcsRamRoleProviderBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcsRamRoleProviderBuilder")
            .field("role_name", &self.role_name)
            .field("allow_imds_v1", &self.allow_imds_v1)
            .field("endpoint", &self.endpoint.as_deref().map(url_for_debug))
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("label", &self.label)
            .field("env", &self.env)
            .finish()
    }
}

impl EcsRamRoleProvider {
    /// A builder: role name from `ALIBABA_CLOUD_ECS_METADATA` or discovered.
    pub fn builder() -> EcsRamRoleProviderBuilder {
        EcsRamRoleProviderBuilder::default()
    }

    /// The metadata service URL used.
    pub fn endpoint(&self) -> &str {
        &self.endpoint.base
    }
}

impl EcsRamRoleProviderBuilder {
    /// The RAM role attached to the instance; without one, it is read from the service.
    pub fn role_name(mut self, name: impl Into<String>) -> Self {
        self.role_name = Some(name.into());
        self
    }

    /// Whether to go on without a session token (IMDSv1) when none can be had.
    pub fn allow_imds_v1(mut self, allow: bool) -> Self {
        self.allow_imds_v1 = Some(allow);
        self
    }

    /// The metadata service URL (plain http only for loopback; default
    /// `http://100.100.100.200`).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Time allowed to connect (default 1 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for each request (default 1 s).
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

    pub(crate) fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Builds the provider (sends nothing yet).
    ///
    /// # Errors
    ///
    /// [`CredentialsError::Invalid`] (source `"ecs ram role"`) for a role name that is not a
    /// plain name, a malformed endpoint, or a zero timeout.
    pub fn build(self) -> Result<EcsRamRoleProvider, CredentialsError> {
        let env = self.env.unwrap_or_else(EnvLookup::process);
        let invalid = |reason: String| CredentialsError::invalid(NAME, reason);
        let role_name = non_blank(self.role_name)
            .or_else(|| env.get(ALIBABA_CLOUD_ECS_METADATA))
            .map(|name| name.trim().to_owned());
        if let Some(name) = &role_name
            && !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(invalid(format!(
                "the role name {name:?} has characters no RAM role name has (letters, digits, \
                 '-', '_' and '.' only)"
            )));
        }
        let allow_imds_v1 = self.allow_imds_v1.unwrap_or_else(|| {
            env.get(ALIBABA_CLOUD_IMDSV1_DISABLED)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
        });
        let endpoint = ecs_metadata_endpoint(self.endpoint.as_deref(), &env).map_err(invalid)?;
        let connect_timeout = self.connect_timeout.unwrap_or(Duration::from_secs(1));
        let timeout = self.timeout.unwrap_or(Duration::from_secs(1));
        if connect_timeout.is_zero() || timeout.is_zero() {
            return Err(invalid("timeouts must be greater than zero".to_owned()));
        }
        // The metadata service is on the instance's own network: never through a proxy.
        let http = http_client(connect_timeout, timeout, false).map_err(invalid)?;
        Ok(EcsRamRoleProvider {
            http,
            endpoint,
            role_name,
            allow_imds_v1,
            env,
            label: self.label,
        })
    }
}

impl EcsRamRoleProvider {
    fn unavailable(&self, reason: String) -> CredentialsError {
        CredentialsError::unavailable(NAME, format!("{} {reason}", self.endpoint.base))
    }

    /// `GET path`, with the session token when there is one; the body of a 200 answer.
    async fn get(&self, path: &str, token: Option<&str>) -> Result<Vec<u8>, CredentialsError> {
        let mut request = self.http.get(format!("{}{path}", self.endpoint.base));
        if let Some(token) = token {
            request = request.header(HEADER_TOKEN, token);
        }
        let Answer { status, body } = http::fetch(request)
            .await
            .map_err(|e| self.unavailable(format!("GET {path}: {}", e)))?;
        if status != 200 {
            return Err(self.unavailable(format!("GET {path}: HTTP {status}")));
        }
        Ok(body)
    }

    /// The IMDSv2 session token, or `None` when IMDSv1 is allowed and no token can be had.
    async fn session_token(&self) -> Result<Option<String>, CredentialsError> {
        let request = self
            .http
            .put(format!("{}{TOKEN_PATH}", self.endpoint.base))
            .header(HEADER_TOKEN_TTL, TOKEN_TTL_SECONDS.to_string());
        let failure = match http::fetch(request).await {
            Ok(Answer { status: 200, body }) => match String::from_utf8(body) {
                // It goes back in a header: visible ASCII only (never quoted: it is a secret).
                Ok(token)
                    if !token.trim().is_empty()
                        && token.trim().bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    return Ok(Some(token.trim().to_owned()));
                }
                _ => "an empty session token, or one with characters a header cannot carry"
                    .to_owned(),
            },
            Ok(Answer { status, .. }) => format!("HTTP {status}"),
            Err(error) => error.to_string(),
        };
        if self.allow_imds_v1 {
            tracing::warn!(
                endpoint = %self.endpoint.base,
                %failure,
                "no IMDSv2 session token; going on without one (IMDSv1), as allowed"
            );
            return Ok(None);
        }
        Err(self.unavailable(format!(
            "gave no IMDSv2 session token (PUT {TOKEN_PATH}: {failure}); falling back to IMDSv1 \
             is off (allow it with {ALIBABA_CLOUD_IMDSV1_DISABLED}=false or allow_imds_v1(true))"
        )))
    }
}

impl ProvideCredentials for EcsRamRoleProvider {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(async move {
            if self
                .env
                .get(ALIBABA_CLOUD_ECS_METADATA_DISABLED)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
            {
                return Err(CredentialsError::not_found(
                    NAME,
                    format!("disabled by {ALIBABA_CLOUD_ECS_METADATA_DISABLED}=true"),
                ));
            }
            let token = self.session_token().await?;
            let role = match &self.role_name {
                Some(role) => role.clone(),
                None => {
                    let body = self.get(CREDENTIALS_PATH, token.as_deref()).await?;
                    let list = String::from_utf8_lossy(&body);
                    let role = list.lines().map(str::trim).find(|l| !l.is_empty());
                    match role {
                        Some(role)
                            if role.bytes().all(|b| {
                                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
                            }) =>
                        {
                            role.to_owned()
                        }
                        Some(_) => {
                            return Err(self.unavailable(
                                "named a role with characters no RAM role name has".to_owned(),
                            ));
                        }
                        None => {
                            return Err(self.unavailable(
                                "lists no RAM role: attach one to the instance".to_owned(),
                            ));
                        }
                    }
                }
            };
            let path = format!("{CREDENTIALS_PATH}{role}");
            let body = self.get(&path, token.as_deref()).await?;
            let fields =
                json_object(&body).map_err(|e| self.unavailable(format!("GET {path}: {e}")))?;
            if fields.get("Code").and_then(|c| c.as_str()) != Some("Success") {
                // The session token is the one secret of the call the service could echo.
                let reason = not_success(&fields, token.as_deref());
                return Err(self.unavailable(format!("GET {path}: {reason}")));
            }
            let credentials = temporary_credentials(&fields)
                .map_err(|e| self.unavailable(format!("GET {path}: {e}")))?;
            let label = self
                .label
                .as_deref()
                .map(|label| format!(" ({label})"))
                .unwrap_or_default();
            Ok(credentials.with_source(format!("{NAME}{label} {role}")))
        })
    }

    fn name(&self) -> &'static str {
        NAME
    }
}
