//! A small client of Alibaba Cloud STS (API version 2015-04-01): `AssumeRole`, signed with
//! this crate's own signer ([`crate::signing::sign`]), and `AssumeRoleWithOIDC`, which is
//! anonymous.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use super::http::{self, Answer, FetchError, MAX_CREDENTIALS_ANSWER_BYTES};
use super::{Credentials, EnvLookup, StsEndpoint};
use crate::Sensitive;
use crate::client::{Endpoint, Redactor};
use crate::encoding::form_urlencode;
use crate::signing::{SignatureVersion, SigningInput, format_timestamp, new_nonce, sign};

/// The STS API version every call names.
pub const STS_API_VERSION: &str = "2015-04-01";
/// The `DurationSeconds` asked for when none is given: one hour, as in the official libraries.
pub const DEFAULT_DURATION_SECONDS: u32 = 3600;
/// The shortest `DurationSeconds` STS accepts (15 minutes).
pub const MIN_DURATION_SECONDS: u32 = 900;
/// The longest `DurationSeconds` STS accepts (12 hours; a role's own maximum may be lower).
pub const MAX_DURATION_SECONDS: u32 = 43_200;

/// How many characters of STS's `Message` an error keeps.
const MESSAGE_CHARS: usize = 200;

/// Why an STS call gave no credentials. Never holds a secret: STS's message is shown with
/// every secret of the call redacted and control characters escaped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StsError {
    /// The client could not be configured (an endpoint that is malformed or plain http to a
    /// non-loopback host).
    #[error("{0}")]
    Config(String),
    /// STS could not be reached, or did not answer in time; nothing came back.
    #[error("STS at {endpoint} could not be reached: {reason}")]
    Transport {
        /// The endpoint, such as `https://sts.aliyuncs.com`.
        endpoint: String,
        /// What failed.
        reason: String,
    },
    /// STS answered with an error: `Code`, `Message` and `RequestId` of its JSON error.
    #[error(
        "STS refused {action}: {code} (HTTP {status}{}): {message}",
        request_id.as_deref().map(|id| format!(", RequestId {id}")).unwrap_or_default()
    )]
    Service {
        /// `AssumeRole` or `AssumeRoleWithOIDC`.
        action: &'static str,
        /// The HTTP status.
        status: u16,
        /// STS's error code, such as `NoPermission` or `InvalidParameter.RoleArn`.
        code: String,
        /// STS's message, redacted, escaped and shortened.
        message: String,
        /// The `RequestId`, for Alibaba's support.
        request_id: Option<String>,
    },
    /// An answer that is neither credentials nor an STS error (a proxy's HTML page, a body over
    /// the size limit, a missing field).
    #[error("STS gave an unexpected answer to {action} (HTTP {status}): {reason}")]
    Unexpected {
        /// `AssumeRole` or `AssumeRoleWithOIDC`.
        action: &'static str,
        /// The HTTP status.
        status: u16,
        /// What is wrong with it.
        reason: String,
    },
}

impl StsError {
    /// STS's error code, for [`StsError::Service`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The `RequestId` of STS's answer, for [`StsError::Service`].
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Service { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}

/// The parameters of `AssumeRole`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleRequest {
    /// `RoleArn`: `acs:ram::<account>:role/<name>`.
    pub role_arn: String,
    /// `RoleSessionName`, shown in the role's audit logs.
    pub role_session_name: String,
    /// `DurationSeconds`, [`MIN_DURATION_SECONDS`]..=[`MAX_DURATION_SECONDS`].
    pub duration_seconds: u32,
    /// `Policy`: a policy document narrowing the role's permissions.
    pub policy: Option<String>,
    /// `ExternalId`, when the role's trust policy asks for one.
    pub external_id: Option<String>,
}

/// The parameters of `AssumeRoleWithOIDC`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleWithOidcRequest {
    /// `RoleArn`: `acs:ram::<account>:role/<name>`.
    pub role_arn: String,
    /// `OIDCProviderArn`: `acs:ram::<account>:oidc-provider/<name>`.
    pub oidc_provider_arn: String,
    /// `OIDCToken`: the JWT, a secret (redacted in `Debug`).
    pub oidc_token: Sensitive<String>,
    /// `RoleSessionName`.
    pub role_session_name: String,
    /// `DurationSeconds`, [`MIN_DURATION_SECONDS`]..=[`MAX_DURATION_SECONDS`].
    pub duration_seconds: u32,
    /// `Policy`: a policy document narrowing the role's permissions.
    pub policy: Option<String>,
}

/// A client of STS. Cheap to clone (one connection pool).
///
/// ```no_run
/// use dbs_api::credentials::{AssumeRoleRequest, Credentials, StsClient};
///
/// # async fn run() -> Result<(), dbs_api::credentials::StsError> {
/// let sts = StsClient::builder().build()?;
/// let temporary = sts
///     .assume_role(
///         &Credentials::new("LTAI…", "…"),
///         &AssumeRoleRequest {
///             role_arn: "acs:ram::1234567890123456:role/dbs-restore".into(),
///             role_session_name: "nightly-restore".into(),
///             duration_seconds: 3600,
///             policy: None,
///             external_id: None,
///         },
///     )
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct StsClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    signature_version: SignatureVersion,
}

impl fmt::Debug for StsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsClient")
            .field("endpoint", &self.endpoint.base)
            .field("signature_version", &self.signature_version)
            .finish_non_exhaustive()
    }
}

/// Configures an [`StsClient`].
#[derive(Clone, Debug)]
pub struct StsClientBuilder {
    endpoint: StsEndpoint,
    signature_version: SignatureVersion,
    connect_timeout: Duration,
    timeout: Duration,
    env: Option<EnvLookup>,
}

impl Default for StsClientBuilder {
    fn default() -> Self {
        Self {
            endpoint: StsEndpoint::new(),
            // What the official credentials libraries sign AssumeRole with.
            signature_version: SignatureVersion::V1,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            env: None,
        }
    }
}

impl StsClientBuilder {
    /// Where STS is (default: from the environment, else `https://sts.aliyuncs.com`).
    pub fn endpoint(mut self, endpoint: StsEndpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// The signature of `AssumeRole`: [`SignatureVersion::V1`] (HMAC-SHA1, the default, as in
    /// the official credentials libraries) or [`SignatureVersion::V3`].
    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.signature_version = version;
        self
    }

    /// Time allowed to connect (default 5 s, as in the official libraries).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for a whole call (default 10 s, as in the official libraries).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Reads the endpoint's environment variables through `lookup`.
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

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`StsError::Config`] for a malformed endpoint, plain http to a non-loopback host, a zero
    /// timeout, or when the HTTP client cannot be created.
    pub fn build(self) -> Result<StsClient, StsError> {
        if self.connect_timeout.is_zero() || self.timeout.is_zero() {
            return Err(StsError::Config(
                "STS timeouts must be greater than zero".to_owned(),
            ));
        }
        let env = self.env.unwrap_or_else(EnvLookup::process);
        let endpoint = self.endpoint.resolve(&env).map_err(StsError::Config)?;
        // A proxy is for the outside world; the emulator on loopback is reached directly.
        let proxy = !crate::client::is_loopback(&endpoint.host);
        let http = http::http_client(self.connect_timeout, self.timeout, proxy)
            .map_err(StsError::Config)?;
        Ok(StsClient {
            http,
            endpoint,
            signature_version: self.signature_version,
        })
    }
}

impl StsClient {
    /// A builder: endpoint from the environment, V1 signatures, 5 s / 10 s timeouts.
    pub fn builder() -> StsClientBuilder {
        StsClientBuilder::default()
    }

    /// The endpoint, such as `https://sts.cn-hangzhou.aliyuncs.com`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint.base
    }

    /// `AssumeRole` with `source` credentials (their SecurityToken too, when temporary).
    ///
    /// # Errors
    ///
    /// [`StsError`]: unreachable, refused (with STS's code and RequestId), or an unexpected
    /// answer.
    pub async fn assume_role(
        &self,
        source: &Credentials,
        request: &AssumeRoleRequest,
    ) -> Result<Credentials, StsError> {
        const ACTION: &str = "AssumeRole";
        let mut params = vec![
            ("RoleArn".to_owned(), request.role_arn.clone()),
            (
                "RoleSessionName".to_owned(),
                request.role_session_name.clone(),
            ),
            (
                "DurationSeconds".to_owned(),
                request.duration_seconds.to_string(),
            ),
        ];
        push_some(&mut params, "Policy", &request.policy);
        push_some(&mut params, "ExternalId", &request.external_id);
        let nonce = new_nonce();
        let signed = sign(&SigningInput {
            version: self.signature_version,
            action: ACTION,
            api_version: STS_API_VERSION,
            host: &self.endpoint.host,
            body_params: &params,
            access_key_id: source.access_key_id(),
            access_key_secret: source.access_key_secret(),
            security_token: source.security_token(),
            timestamp: time::OffsetDateTime::now_utc(),
            nonce: &nonce,
        });
        let mut http_request = self.http.post(self.url(&signed.query)).body(signed.body);
        for (name, value) in &signed.headers {
            // reqwest sets `host` from the URL, the same value that was signed.
            if *name != "host" {
                http_request = http_request.header(*name, value);
            }
        }
        let secrets = [
            Some(source.access_key_secret().expose().as_str()),
            source.security_token().map(|t| t.expose().as_str()),
        ];
        self.answer(ACTION, http_request, secrets.into_iter().flatten())
            .await
    }

    /// `AssumeRoleWithOIDC`: anonymous (the OIDC token is the proof), so no credentials are
    /// needed. The token travels in the form body, never in the URL.
    ///
    /// # Errors
    ///
    /// [`StsError`]: unreachable, refused (with STS's code and RequestId), or an unexpected
    /// answer.
    pub async fn assume_role_with_oidc(
        &self,
        request: &AssumeRoleWithOidcRequest,
    ) -> Result<Credentials, StsError> {
        const ACTION: &str = "AssumeRoleWithOIDC";
        let mut params = vec![
            ("RoleArn".to_owned(), request.role_arn.clone()),
            (
                "OIDCProviderArn".to_owned(),
                request.oidc_provider_arn.clone(),
            ),
            ("OIDCToken".to_owned(), request.oidc_token.expose().clone()),
            (
                "RoleSessionName".to_owned(),
                request.role_session_name.clone(),
            ),
            (
                "DurationSeconds".to_owned(),
                request.duration_seconds.to_string(),
            ),
        ];
        push_some(&mut params, "Policy", &request.policy);
        // The common parameters of an RPC call, as V1 sends them, without the signing ones;
        // the V3 headers name the action too, so either reading of the request finds it.
        let query: Vec<(String, String)> = [
            ("Action", ACTION),
            ("Version", STS_API_VERSION),
            ("Format", "JSON"),
            (
                "Timestamp",
                &format_timestamp(time::OffsetDateTime::now_utc()),
            ),
            ("SignatureNonce", &new_nonce()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let http_request = self
            .http
            .post(self.url(&query))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-acs-action", ACTION)
            .header("x-acs-version", STS_API_VERSION)
            .body(form_urlencode(&params));
        self.answer(ACTION, http_request, [request.oidc_token.expose().as_str()])
            .await
    }

    fn url<K: AsRef<str>, V: AsRef<str>>(&self, query: &[(K, V)]) -> String {
        if query.is_empty() {
            format!("{}/", self.endpoint.base)
        } else {
            format!("{}/?{}", self.endpoint.base, form_urlencode(query))
        }
    }

    /// Sends the call and reads credentials or STS's error out of the answer; `secrets` are
    /// redacted from any text of the answer that an error keeps.
    async fn answer<'a>(
        &self,
        action: &'static str,
        request: reqwest::RequestBuilder,
        secrets: impl IntoIterator<Item = &'a str>,
    ) -> Result<Credentials, StsError> {
        let Answer { status, body } = http::fetch(request).await.map_err(|e| match e {
            FetchError::Transport(reason) => StsError::Transport {
                endpoint: self.endpoint.base.clone(),
                reason,
            },
            FetchError::TooLarge { status } => StsError::Unexpected {
                action,
                status,
                reason: format!("larger than {MAX_CREDENTIALS_ANSWER_BYTES} bytes"),
            },
        })?;
        let unexpected = |reason: String| StsError::Unexpected {
            action,
            status,
            reason,
        };
        let fields = http::json_object(&body).map_err(unexpected)?;
        let redactor = Redactor::new(secrets);
        let text = |name: &str| {
            fields
                .get(name)
                .and_then(Value::as_str)
                .map(|value| redactor.redact_prefix(value, MESSAGE_CHARS))
        };
        let success = (200..300).contains(&status);
        match (success, fields.get("Credentials"), text("Code")) {
            (true, Some(Value::Object(credentials)), _) => http::temporary_credentials(credentials)
                .map_err(|e| unexpected(format!("Credentials: {e}"))),
            // STS's error shape: any status but 2xx, or a 2xx without credentials.
            (_, _, Some(code)) => Err(StsError::Service {
                action,
                status,
                code,
                message: text("Message").unwrap_or_default(),
                request_id: text("RequestId"),
            }),
            (false, _, None) => Err(unexpected("an error without a Code".to_owned())),
            (true, _, None) => Err(unexpected("no Credentials object".to_owned())),
        }
    }
}

fn push_some(params: &mut Vec<(String, String)>, name: &str, value: &Option<String>) {
    if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        params.push((name.to_owned(), value.to_owned()));
    }
}
