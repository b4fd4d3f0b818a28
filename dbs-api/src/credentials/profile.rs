//! Credentials from the Alibaba Cloud CLI configuration, `~/.aliyun/config.json`.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::file::{FileError, read_credentials_file};
use super::{
    ALIBABA_CLOUD_PROFILE, Credentials, CredentialsError, EnvLookup, ProvideCredentials,
    ProvideFuture, ready,
};

/// When this environment variable is `true`, [`AliyunCliProfileProvider`] reports
/// [`CredentialsError::NotFound`] without reading the file (as in the official SDKs).
pub const ALIBABA_CLOUD_CLI_PROFILE_DISABLED: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";

const NAME: &str = "aliyun CLI profile";

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
/// Supported modes (matched case-insensitively): `AK` (`access_key_id`, `access_key_secret`)
/// and `StsToken` (the same plus `sts_token`, returned as the SecurityToken).
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
///   chosen profile has no mode, an unsupported mode (`RamRoleArn`, `EcsRamRole`, …), or misses
///   a field its mode needs.
#[derive(Clone, Debug)]
pub struct AliyunCliProfileProvider {
    profile: Option<String>,
    home: Option<PathBuf>,
    pub(super) env: EnvLookup,
}

/// The chosen profile, as a JSON object, with where it came from.
struct FoundProfile {
    path: PathBuf,
    name: String,
    fields: Map<String, Value>,
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
            (name.clone(), "given in code")
        } else if let Some(name) = self.env.get(ALIBABA_CLOUD_PROFILE) {
            (name.trim().to_owned(), "from ALIBABA_CLOUD_PROFILE")
        } else {
            match root.get("current").and_then(Value::as_str).map(str::trim) {
                Some(current) if !current.is_empty() => (current.to_owned(), "current"),
                _ => ("default".to_owned(), "default"),
            }
        };

        let mut names = Vec::new();
        for profile in profiles {
            let Value::Object(fields) = profile else {
                continue;
            };
            match fields.get("name").and_then(Value::as_str) {
                Some(profile_name) if profile_name == name => {
                    return Ok(FoundProfile { path, name, fields });
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
        ready(self.read())
    }

    fn name(&self) -> &'static str {
        NAME
    }
}

impl AliyunCliProfileProvider {
    /// Reads the source now (it never waits on the network).
    fn read(&self) -> Result<Credentials, CredentialsError> {
        let found = self.find_profile()?;
        let name = &found.name;
        let mode = string_field(&found, "mode")?.unwrap_or_default();
        let is_sts = if mode.eq_ignore_ascii_case("AK") {
            false
        } else if mode.eq_ignore_ascii_case("StsToken") {
            true
        } else if mode.is_empty() {
            return Err(CredentialsError::invalid(
                NAME,
                format!(
                    "profile '{name}' in {} has no mode; run `aliyun configure --profile {name}`",
                    found.path.display()
                ),
            ));
        } else {
            return Err(CredentialsError::invalid(
                NAME,
                format!(
                    "profile '{name}' in {} uses mode {mode}, which is not supported yet; \
                     use AK or StsToken (`aliyun configure --profile {name} --mode AK`)",
                    found.path.display()
                ),
            ));
        };
        let mode = if is_sts { "StsToken" } else { "AK" };
        let required = |field: &str| -> Result<String, CredentialsError> {
            string_field(&found, field)?.ok_or_else(|| {
                CredentialsError::invalid(
                    NAME,
                    format!(
                        "profile '{name}' in {} (mode {mode}) has no {field}; \
                         run `aliyun configure --profile {name} --mode {mode}`",
                        found.path.display()
                    ),
                )
            })
        };
        let credentials =
            Credentials::new(required("access_key_id")?, required("access_key_secret")?);
        if is_sts {
            Ok(credentials.with_security_token(required("sts_token")?))
        } else {
            Ok(credentials)
        }
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
