//! Credentials from the Alibaba Cloud CLI configuration, `~/.aliyun/config.json`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::file::{FileError, read_credentials_file};
use super::{
    ALIBABA_CLOUD_PROFILE, Credentials, CredentialsError, EcsRamRoleProvider, EnvLookup,
    OidcRoleArnProvider, ProvideCredentials, ProvideFuture, RamRoleArnProvider, StaticProvider,
    StsEndpoint, ready,
};

/// When this environment variable is `true`, [`AliyunCliProfileProvider`] reports
/// [`CredentialsError::NotFound`] without reading the file (as in the official SDKs).
pub const ALIBABA_CLOUD_CLI_PROFILE_DISABLED: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";

const NAME: &str = "aliyun CLI profile";

/// The most ChainableRamRoleArn profiles one `source_profile` chain may pass through (each is
/// one STS call per refresh); real chains have two or three.
pub const MAX_SOURCE_PROFILE_LINKS: usize = 16;

/// Reads a profile of the Alibaba Cloud CLI configuration, `$HOME/.aliyun/config.json`, the
/// file `aliyun configure` writes. Its source name is `"aliyun CLI profile"`.
///
/// The file looks like this (other fields are ignored):
///
/// ```json
/// {
///   "current": "default",
///   "profiles": [
///     {
///       "name": "default",
///       "mode": "AK",
///       "access_key_id": "LTAI...",
///       "access_key_secret": "...",
///       "sts_token": "",
///       "region_id": "cn-hangzhou"
///     }
///   ]
/// }
/// ```
///
/// The profile used is, in order: the name given to [`with_profile`](Self::with_profile), the
/// `ALIBABA_CLOUD_PROFILE` environment variable, the file's `current` field, `default`.
///
/// Supported modes (matched case-insensitively) and the fields each reads, as `aliyun
/// configure` writes them and the official credentials libraries read them:
///
/// | Mode | Fields | Credentials |
/// |---|---|---|
/// | `AK` | `access_key_id`, `access_key_secret` | the AccessKey pair |
/// | `StsToken` | the same and `sts_token` | the pair with `sts_token` as the SecurityToken |
/// | `RamRoleArn` | `access_key_id`, `access_key_secret`, `ram_role_arn`; optional `ram_session_name`, `expired_seconds`, `policy`, `external_id`, `sts_region`, `enable_vpc` | [`RamRoleArnProvider`] with the pair as source |
/// | `ChainableRamRoleArn` | `source_profile` and the role fields of `RamRoleArn` | [`RamRoleArnProvider`] with the source profile's credentials (any mode) as source |
/// | `EcsRamRole` | optional `ram_role_name` | [`EcsRamRoleProvider`] |
/// | `OIDC` | `ram_role_arn`, `oidc_provider_arn`, `oidc_token_file`; optional `role_session_name`, `expired_seconds`, `policy`, `sts_region`, `enable_vpc` | [`OidcRoleArnProvider`] |
///
/// `expired_seconds` of 0 (what `aliyun configure` writes when none is given) means the
/// default, 3600. A chain of `source_profile` that comes back to a profile already in it is
/// [`CredentialsError::Invalid`], naming the profiles of the cycle; so is a chain of more than
/// [`MAX_SOURCE_PROFILE_LINKS`] ChainableRamRoleArn profiles.
///
/// The credentials' [`source`](Credentials::source) names the profile and mode, such as
/// `aliyun CLI profile 'prod' (AK)` or `ram role arn (aliyun CLI profile 'prod') acs:ram::…`.
///
/// On Unix, a file that group or others may access is read with a `tracing` warning naming it.
///
/// Errors:
/// * [`CredentialsError::NotFound`] when `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`, the home
///   directory is unknown, the file does not exist, it has no profiles, or it has no profile of
///   the chosen name (so a chain can try the same name in the shared credentials file).
/// * [`CredentialsError::Invalid`] when the path is not a regular file (a directory, a FIFO,
///   `/dev/zero`), the file is larger than
///   [`MAX_CREDENTIALS_FILE_BYTES`](super::MAX_CREDENTIALS_FILE_BYTES), cannot be read or is
///   not valid JSON, or the
///   chosen profile has no mode, an unsupported mode (`CloudSSO`, …), misses a field its mode
///   needs, or its `source_profile` chain is missing a profile or forms a cycle.
/// * For the role modes, the errors of [`RamRoleArnProvider`], [`EcsRamRoleProvider`] and
///   [`OidcRoleArnProvider`] ([`CredentialsError::Unavailable`] when STS or the metadata
///   service fails).
#[derive(Clone, Debug)]
pub struct AliyunCliProfileProvider {
    profile: Option<String>,
    home: Option<PathBuf>,
    pub(super) env: EnvLookup,
}

/// The chosen profile, as a JSON object, with where it came from and the file's other
/// profiles (a `ChainableRamRoleArn` profile names its source among them).
struct FoundProfile {
    path: PathBuf,
    name: String,
    fields: Map<String, Value>,
    profiles: Arc<Vec<Value>>,
}

impl FoundProfile {
    /// The profile `name` of the same file.
    fn sibling(&self, name: &str) -> Option<FoundProfile> {
        self.profiles.iter().find_map(|profile| match profile {
            Value::Object(fields) if fields.get("name").and_then(Value::as_str) == Some(name) => {
                Some(FoundProfile {
                    path: self.path.clone(),
                    name: name.to_owned(),
                    fields: fields.clone(),
                    profiles: Arc::clone(&self.profiles),
                })
            }
            _ => None,
        })
    }
}

impl AliyunCliProfileProvider {
    /// Reads `$HOME/.aliyun/config.json`, with the profile named by `ALIBABA_CLOUD_PROFILE` or
    /// the file's `current` profile.
    pub fn new() -> Self {
        Self {
            profile: None,
            home: None,
            env: EnvLookup::process(),
        }
    }

    /// Uses the profile `name`, ignoring `ALIBABA_CLOUD_PROFILE` and the file's `current`.
    pub fn with_profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Reads `<home>/.aliyun/config.json` instead of using `$HOME`.
    pub fn with_home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// Reads environment variables (`ALIBABA_CLOUD_PROFILE`,
    /// `ALIBABA_CLOUD_CLI_PROFILE_DISABLED`, and `HOME` unless [`with_home`](Self::with_home) is
    /// given) through `lookup` instead of the process environment.
    pub fn with_env_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = EnvLookup::from_fn(lookup);
        self
    }

    /// The path of the configuration file, or `None` when the home directory is unknown.
    pub fn config_path(&self) -> Option<PathBuf> {
        self.home
            .clone()
            .or_else(|| self.env.home())
            .map(|home| home.join(".aliyun").join("config.json"))
    }

    /// The `region_id` of the chosen profile, such as `cn-hangzhou`.
    ///
    /// `None` when the profile has no region or cannot be read; [`provide`](ProvideCredentials::provide)
    /// reports why a profile cannot be read. The region is returned even when the profile's
    /// mode is not supported.
    pub fn region(&self) -> Option<String> {
        let found = self.find_profile().ok()?;
        string_field(&found, "region_id").ok().flatten()
    }

    fn find_profile(&self) -> Result<FoundProfile, CredentialsError> {
        if self
            .env
            .get(ALIBABA_CLOUD_CLI_PROFILE_DISABLED)
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
        {
            return Err(CredentialsError::not_found(
                NAME,
                format!("disabled by {ALIBABA_CLOUD_CLI_PROFILE_DISABLED}=true"),
            ));
        }
        let Some(path) = self.config_path() else {
            return Err(CredentialsError::not_found(
                NAME,
                "the home directory is unknown (HOME is not set)",
            ));
        };
        let text = read_file(&path)?;
        let root: Value = serde_json::from_str(&text).map_err(|error| {
            // serde_json's message for a `Value` only names the problem and its position, but
            // build the message ourselves so no text of the file can ever appear.
            let problem = match error.classify() {
                serde_json::error::Category::Eof => "unexpected end of file",
                _ => "syntax error",
            };
            CredentialsError::invalid(
                NAME,
                format!(
                    "{} is not valid JSON ({problem} at line {}, column {})",
                    path.display(),
                    error.line(),
                    error.column()
                ),
            )
        })?;
        let Value::Object(mut root) = root else {
            return Err(CredentialsError::invalid(
                NAME,
                format!("{} is not a JSON object", path.display()),
            ));
        };

        let profiles = match root.remove("profiles") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(profiles)) => profiles,
            Some(_) => {
                return Err(CredentialsError::invalid(
                    NAME,
                    format!("`profiles` in {} is not a JSON array", path.display()),
                ));
            }
        };
        if profiles.is_empty() {
            return Err(CredentialsError::not_found(
                NAME,
                format!("{} has no profiles; run `aliyun configure`", path.display()),
            ));
        }

        let (name, origin) = if let Some(name) = &self.profile {
            (name.clone(), "named explicitly")
        } else if let Some(name) = self.env.get(ALIBABA_CLOUD_PROFILE) {
            (name.trim().to_owned(), "from ALIBABA_CLOUD_PROFILE")
        } else {
            match root.get("current").and_then(Value::as_str).map(str::trim) {
                Some(current) if !current.is_empty() => (current.to_owned(), "current"),
                _ => ("default".to_owned(), "default"),
            }
        };

        let profiles = Arc::new(profiles);
        let mut names = Vec::new();
        for profile in profiles.iter() {
            let Value::Object(fields) = profile else {
                continue;
            };
            match fields.get("name").and_then(Value::as_str) {
                Some(profile_name) if profile_name == name => {
                    let fields = fields.clone();
                    return Ok(FoundProfile {
                        path,
                        name,
                        fields,
                        profiles: Arc::clone(&profiles),
                    });
                }
                Some(profile_name) => names.push(format!("'{profile_name}'")),
                None => {}
            }
        }
        Err(CredentialsError::not_found(
            NAME,
            format!(
                "{} has no profile '{name}' ({origin}); it has {}",
                path.display(),
                if names.is_empty() {
                    "no named profiles".to_owned()
                } else {
                    names.join(", ")
                }
            ),
        ))
    }
}

impl Default for AliyunCliProfileProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for AliyunCliProfileProvider {
    fn provide(&self) -> ProvideFuture<'_> {
        match self.resolve() {
            Err(error) => ready(Err(error)),
            Ok(provider) => Box::pin(async move { provider.provide().await }),
        }
    }

    fn name(&self) -> &'static str {
        NAME
    }
}

impl AliyunCliProfileProvider {
    /// Reads the file and builds the provider of the chosen profile's mode (reading only local
    /// files; a role's STS call or the metadata service is asked when that provider is).
    fn resolve(&self) -> Result<Box<dyn ProvideCredentials>, CredentialsError> {
        let found = self.find_profile()?;
        let mut visited = Vec::new();
        self.profile_provider(&found, &mut visited)
    }

    /// The provider of `found`'s mode; `visited` holds the profiles whose `source_profile`
    /// led here, to refuse a cycle.
    fn profile_provider(
        &self,
        found: &FoundProfile,
        visited: &mut Vec<String>,
    ) -> Result<Box<dyn ProvideCredentials>, CredentialsError> {
        let name = &found.name;
        let shown = found.path.display();
        let label = format!("{NAME} '{name}'");
        let mode = string_field(found, "mode")?.unwrap_or_default();
        let Some(mode) = Mode::parse(&mode) else {
            return Err(CredentialsError::invalid(
                NAME,
                if mode.is_empty() {
                    format!(
                        "profile '{name}' in {shown} has no mode; run `aliyun configure --profile {name}`"
                    )
                } else {
                    format!(
                        "profile '{name}' in {shown} uses mode {mode}, which is not supported; use \
                         AK, StsToken, RamRoleArn, EcsRamRole, ChainableRamRoleArn or OIDC"
                    )
                },
            ));
        };
        let mode_name = mode.as_str();
        let required = |field: &str| -> Result<String, CredentialsError> {
            string_field(found, field)?.ok_or_else(|| {
                CredentialsError::invalid(
                    NAME,
                    format!(
                        "profile '{name}' in {shown} (mode {mode_name}) has no {field}; \
                         run `aliyun configure --profile {name} --mode {mode_name}`"
                    ),
                )
            })
        };
        let optional = |field: &str| string_field(found, field);
        let sts_endpoint = || -> Result<StsEndpoint, CredentialsError> {
            let mut endpoint = StsEndpoint::new();
            if let Some(region) = optional("sts_region")? {
                endpoint = endpoint.region(region);
            }
            if let Some(vpc) = bool_field(found, "enable_vpc")? {
                endpoint = endpoint.vpc(vpc);
            }
            Ok(endpoint)
        };
        let ram_role = |source: Box<dyn ProvideCredentials>| -> Result<Box<dyn ProvideCredentials>, CredentialsError> {
            let mut builder = RamRoleArnProvider::builder()
                .boxed_source(source)
                .role_arn(required("ram_role_arn")?)
                .sts_endpoint(sts_endpoint()?)
                .env(self.env.clone())
                .label(label.clone());
            if let Some(session) = optional("ram_session_name")? {
                builder = builder.role_session_name(session);
            }
            if let Some(seconds) = duration_field(found, "expired_seconds")? {
                builder = builder.duration_seconds(seconds);
            }
            if let Some(policy) = optional("policy")? {
                builder = builder.policy(policy);
            }
            if let Some(id) = optional("external_id")? {
                builder = builder.external_id(id);
            }
            Ok(Box::new(builder.build()?))
        };
        // A RamRoleArn profile's pair is only the role's source: say what it is.
        let kind = match mode {
            Mode::RamRoleArn => "AccessKey",
            _ => mode_name,
        };
        let access_key = || -> Result<Credentials, CredentialsError> {
            Ok(
                Credentials::new(required("access_key_id")?, required("access_key_secret")?)
                    .with_source(format!("{label} ({kind})")),
            )
        };
        match mode {
            Mode::Ak => Ok(Box::new(StaticProvider::new(access_key()?))),
            Mode::StsToken => Ok(Box::new(StaticProvider::new(
                access_key()?.with_security_token(required("sts_token")?),
            ))),
            Mode::RamRoleArn => ram_role(Box::new(StaticProvider::new(access_key()?))),
            Mode::ChainableRamRoleArn => {
                let source_name = required("source_profile")?;
                visited.push(name.clone());
                // Each link is a nested provider and one STS call; a runaway chain would
                // recurse until the stack overflows.
                if visited.len() > MAX_SOURCE_PROFILE_LINKS {
                    return Err(CredentialsError::invalid(
                        NAME,
                        format!(
                            "the source_profile chain from profile '{}' in {shown} has more than \
                             {MAX_SOURCE_PROFILE_LINKS} ChainableRamRoleArn profiles; end it \
                             sooner at a profile of mode AK, StsToken, RamRoleArn, EcsRamRole \
                             or OIDC",
                            visited[0]
                        ),
                    ));
                }
                if visited.contains(&source_name) {
                    visited.push(source_name);
                    return Err(CredentialsError::invalid(
                        NAME,
                        format!(
                            "profiles {} in {shown} form a cycle through source_profile; \
                             end the chain at a profile of mode AK, StsToken, RamRoleArn, \
                             EcsRamRole or OIDC",
                            visited
                                .iter()
                                .map(|p| format!("'{p}'"))
                                .collect::<Vec<_>>()
                                .join(" -> ")
                        ),
                    ));
                }
                let source = found.sibling(&source_name).ok_or_else(|| {
                    CredentialsError::invalid(
                        NAME,
                        format!(
                            "the source_profile '{source_name}' of profile '{name}' is not in {shown}"
                        ),
                    )
                })?;
                let source = self.profile_provider(&source, visited)?;
                ram_role(source)
            }
            Mode::EcsRamRole => {
                let mut builder = EcsRamRoleProvider::builder()
                    .env(self.env.clone())
                    .label(label.clone());
                if let Some(role) = optional("ram_role_name")? {
                    builder = builder.role_name(role);
                }
                Ok(Box::new(builder.build()?))
            }
            Mode::Oidc => {
                let mut builder = OidcRoleArnProvider::builder()
                    .role_arn(required("ram_role_arn")?)
                    .oidc_provider_arn(required("oidc_provider_arn")?)
                    .oidc_token_file(required("oidc_token_file")?)
                    .sts_endpoint(sts_endpoint()?)
                    .env(self.env.clone())
                    .label(label.clone());
                if let Some(session) = optional("role_session_name")? {
                    builder = builder.role_session_name(session);
                }
                if let Some(seconds) = duration_field(found, "expired_seconds")? {
                    builder = builder.duration_seconds(seconds);
                }
                if let Some(policy) = optional("policy")? {
                    builder = builder.policy(policy);
                }
                Ok(Box::new(builder.build()?))
            }
        }
    }
}

/// The profile modes of the Alibaba Cloud CLI that hold or lead to credentials.
#[derive(Clone, Copy)]
enum Mode {
    Ak,
    StsToken,
    RamRoleArn,
    EcsRamRole,
    ChainableRamRoleArn,
    Oidc,
}

impl Mode {
    /// Matched case-insensitively, as the existing AK/StsToken reading did.
    fn parse(mode: &str) -> Option<Self> {
        [
            Self::Ak,
            Self::StsToken,
            Self::RamRoleArn,
            Self::EcsRamRole,
            Self::ChainableRamRoleArn,
            Self::Oidc,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(mode))
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Ak => "AK",
            Self::StsToken => "StsToken",
            Self::RamRoleArn => "RamRoleArn",
            Self::EcsRamRole => "EcsRamRole",
            Self::ChainableRamRoleArn => "ChainableRamRoleArn",
            Self::Oidc => "OIDC",
        }
    }
}

/// A duration field (`expired_seconds`): a JSON number or a string of digits; absent, blank or
/// 0 means the default, as `aliyun configure` writes 0 when none was given.
fn duration_field(found: &FoundProfile, field: &str) -> Result<Option<u32>, CredentialsError> {
    let bad = || {
        CredentialsError::invalid(
            NAME,
            format!(
                "{field} of profile '{}' in {} is not a number of seconds",
                found.name,
                found.path.display()
            ),
        )
    };
    let seconds = match found.fields.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(bad)?,
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<u64>().map_err(|_| bad())?,
        Some(_) => return Err(bad()),
    };
    if seconds == 0 {
        return Ok(None);
    }
    u32::try_from(seconds).map(Some).map_err(|_| bad())
}

/// A boolean field (`enable_vpc`): JSON `true`/`false` or the strings `"true"`/`"false"`.
fn bool_field(found: &FoundProfile, field: &str) -> Result<Option<bool>, CredentialsError> {
    match found.fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(CredentialsError::invalid(
            NAME,
            format!(
                "{field} of profile '{}' in {} is not true or false",
                found.name,
                found.path.display()
            ),
        )),
    }
}

/// Reads the file: a missing file is [`CredentialsError::NotFound`], anything else that
/// cannot be used (a directory, a FIFO, a file over the size cap) [`CredentialsError::Invalid`].
fn read_file(path: &Path) -> Result<String, CredentialsError> {
    read_credentials_file(path).map_err(|error| match error {
        FileError::NotFound => {
            CredentialsError::not_found(NAME, format!("{} does not exist", path.display()))
        }
        FileError::Unusable(reason) => CredentialsError::invalid(NAME, reason),
    })
}

/// A string field of the profile, trimmed; `None` when absent, `null` or blank. Any other JSON
/// type is an error that names the field but never shows its value.
fn string_field(found: &FoundProfile, field: &str) -> Result<Option<String>, CredentialsError> {
    match found.fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => {
            let value = value.trim();
            Ok((!value.is_empty()).then(|| value.to_owned()))
        }
        Some(_) => Err(CredentialsError::invalid(
            NAME,
            format!(
                "{field} of profile '{}' in {} is not a JSON string",
                found.name,
                found.path.display()
            ),
        )),
    }
}
