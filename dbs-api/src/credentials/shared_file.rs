//! Credentials from the shared credentials file, `~/.alibabacloud/credentials`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::file::{FileError, read_credentials_file};
use super::{
    ALIBABA_CLOUD_PROFILE, Credentials, CredentialsError, EcsRamRoleProvider, EnvLookup,
    OidcRoleArnProvider, ProvideCredentials, ProvideFuture, RamRoleArnProvider, StaticProvider,
    ready,
};

/// The environment variable that points to a shared credentials file other than
/// `~/.alibabacloud/credentials`.
pub const ALIBABA_CLOUD_CREDENTIALS_FILE: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";

const NAME: &str = "shared credentials file";

/// Reads a section of the shared credentials file used by the Alibaba Cloud SDKs:
/// `$ALIBABA_CLOUD_CREDENTIALS_FILE` when set, else `$HOME/.alibabacloud/credentials`. Its
/// source name is `"shared credentials file"`.
///
/// The file is INI:
///
/// ```ini
/// # comments start with # or ;
/// [default]
/// type = access_key
/// access_key_id = LTAI...
/// access_key_secret = ...
///
/// [temporary]
/// type = sts
/// access_key_id = STS...
/// access_key_secret = ...
/// security_token = ...
/// ```
///
/// The section used is, in order: the name given to [`with_profile`](Self::with_profile), the
/// `ALIBABA_CLOUD_PROFILE` environment variable, `default`. Supported types and their keys, as
/// in the official credentials libraries:
///
/// | `type` | Keys | Credentials |
/// |---|---|---|
/// | `access_key` | `access_key_id`, `access_key_secret` | the AccessKey pair |
/// | `sts` | the same and `security_token` | the pair with its SecurityToken |
/// | `ram_role_arn` | `access_key_id`, `access_key_secret`, `role_arn`; optional `role_session_name`, `policy` | [`RamRoleArnProvider`] with the pair as source |
/// | `oidc_role_arn` | `role_arn`, `oidc_provider_arn`, `oidc_token_file_path`; optional `role_session_name`, `policy` | [`OidcRoleArnProvider`] |
/// | `ecs_ram_role` | optional `role_name` | [`EcsRamRoleProvider`] |
///
/// On Unix, a file that group or others may access is read with a `tracing` warning naming it.
///
/// Errors:
/// * [`CredentialsError::NotFound`] when the home directory is unknown, the file does not
///   exist, or it has no section of the chosen name.
/// * [`CredentialsError::Invalid`] when `ALIBABA_CLOUD_CREDENTIALS_FILE` names a missing file,
///   the path is not a regular file (a directory, a FIFO, `/dev/zero`), the file is larger than
///   [`MAX_CREDENTIALS_FILE_BYTES`](super::MAX_CREDENTIALS_FILE_BYTES), cannot be read or
///   parsed, or the section has no `type`, an unsupported type (`rsa_key_pair`, …) or misses a
///   key its type needs.
/// * For the role types, the errors of [`RamRoleArnProvider`], [`OidcRoleArnProvider`] and
///   [`EcsRamRoleProvider`].
#[derive(Clone, Debug)]
pub struct SharedCredentialsFileProvider {
    profile: Option<String>,
    home: Option<PathBuf>,
    pub(super) env: EnvLookup,
}

impl SharedCredentialsFileProvider {
    /// Reads the file named by `ALIBABA_CLOUD_CREDENTIALS_FILE` or
    /// `$HOME/.alibabacloud/credentials`, section `ALIBABA_CLOUD_PROFILE` or `default`.
    pub fn new() -> Self {
        Self {
            profile: None,
            home: None,
            env: EnvLookup::process(),
        }
    }

    /// Uses the section `[name]`, ignoring `ALIBABA_CLOUD_PROFILE`.
    pub fn with_profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Reads `<home>/.alibabacloud/credentials` instead of using `$HOME`
    /// (`ALIBABA_CLOUD_CREDENTIALS_FILE` still takes precedence).
    pub fn with_home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// Reads environment variables (`ALIBABA_CLOUD_CREDENTIALS_FILE`, `ALIBABA_CLOUD_PROFILE`,
    /// and `HOME` unless [`with_home`](Self::with_home) is given) through `lookup` instead of
    /// the process environment.
    pub fn with_env_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = EnvLookup::from_fn(lookup);
        self
    }

    /// The path of the credentials file, or `None` when it is not set by
    /// `ALIBABA_CLOUD_CREDENTIALS_FILE` and the home directory is unknown.
    pub fn file_path(&self) -> Option<PathBuf> {
        self.env
            .get(ALIBABA_CLOUD_CREDENTIALS_FILE)
            .map(PathBuf::from)
            .or_else(|| {
                self.home
                    .clone()
                    .or_else(|| self.env.home())
                    .map(|home| home.join(".alibabacloud").join("credentials"))
            })
    }
}

impl Default for SharedCredentialsFileProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for SharedCredentialsFileProvider {
    fn provide(&self) -> ProvideFuture<'_> {
        match self.read() {
            Err(error) => ready(Err(error)),
            Ok(provider) => Box::pin(async move { provider.provide().await }),
        }
    }

    fn name(&self) -> &'static str {
        NAME
    }
}

impl SharedCredentialsFileProvider {
    /// Reads the file now and builds the provider of the section's type (a role's STS call or
    /// the metadata service is asked when that provider is).
    fn read(&self) -> Result<Box<dyn ProvideCredentials>, CredentialsError> {
        let explicit_file = self.env.get(ALIBABA_CLOUD_CREDENTIALS_FILE).is_some();
        let Some(path) = self.file_path() else {
            return Err(CredentialsError::not_found(
                NAME,
                "the home directory is unknown (HOME is not set)",
            ));
        };
        let text = match read_credentials_file(&path) {
            Ok(text) => text,
            Err(FileError::NotFound) => {
                return Err(if explicit_file {
                    CredentialsError::invalid(
                        NAME,
                        format!(
                            "{ALIBABA_CLOUD_CREDENTIALS_FILE} points to {}, which does not exist",
                            path.display()
                        ),
                    )
                } else {
                    CredentialsError::not_found(NAME, format!("{} does not exist", path.display()))
                });
            }
            Err(FileError::Unusable(reason)) => {
                return Err(CredentialsError::invalid(NAME, reason));
            }
        };
        let sections = parse_ini(&text).map_err(|line| {
            CredentialsError::invalid(
                NAME,
                format!(
                    "line {line} of {} is neither a [section], a `key = value` pair nor a comment",
                    path.display()
                ),
            )
        })?;

        let name = self
            .profile
            .clone()
            .or_else(|| self.env.get(ALIBABA_CLOUD_PROFILE))
            .map(|name| name.trim().to_owned())
            .unwrap_or_else(|| "default".to_owned());
        let Some(section) = sections.get(&name) else {
            let names: Vec<String> = sections.keys().map(|name| format!("[{name}]")).collect();
            return Err(CredentialsError::not_found(
                NAME,
                format!(
                    "{} has no [{name}] section; it has {}",
                    path.display(),
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ),
            ));
        };

        let kind = section.get("type").map(String::as_str).unwrap_or_default();
        let required = |key: &str| -> Result<String, CredentialsError> {
            section
                .get(key)
                .filter(|value| !value.is_empty())
                .cloned()
                .ok_or_else(|| {
                    CredentialsError::invalid(
                        NAME,
                        format!(
                            "section [{name}] of {} (type = {kind}) has no {key}",
                            path.display()
                        ),
                    )
                })
        };
        let optional = |key: &str| section.get(key).filter(|v| !v.is_empty()).cloned();
        let label = format!("{NAME} [{name}]");
        let access_key = || -> Result<Credentials, CredentialsError> {
            Ok(
                Credentials::new(required("access_key_id")?, required("access_key_secret")?)
                    .with_source(format!("{label} ({kind})")),
            )
        };
        match kind {
            "access_key" => Ok(Box::new(StaticProvider::new(access_key()?))),
            "sts" => Ok(Box::new(StaticProvider::new(
                access_key()?.with_security_token(required("security_token")?),
            ))),
            "ram_role_arn" => {
                let mut builder = RamRoleArnProvider::builder()
                    .source(StaticProvider::new(access_key()?))
                    .role_arn(required("role_arn")?)
                    .env(self.env.clone())
                    .label(label.clone());
                if let Some(session) = optional("role_session_name") {
                    builder = builder.role_session_name(session);
                }
                if let Some(policy) = optional("policy") {
                    builder = builder.policy(policy);
                }
                Ok(Box::new(builder.build()?))
            }
            "oidc_role_arn" => {
                let mut builder = OidcRoleArnProvider::builder()
                    .role_arn(required("role_arn")?)
                    .oidc_provider_arn(required("oidc_provider_arn")?)
                    .oidc_token_file(required("oidc_token_file_path")?)
                    .env(self.env.clone())
                    .label(label.clone());
                if let Some(session) = optional("role_session_name") {
                    builder = builder.role_session_name(session);
                }
                if let Some(policy) = optional("policy") {
                    builder = builder.policy(policy);
                }
                Ok(Box::new(builder.build()?))
            }
            "ecs_ram_role" => {
                let mut builder = EcsRamRoleProvider::builder()
                    .env(self.env.clone())
                    .label(label.clone());
                if let Some(role) = optional("role_name") {
                    builder = builder.role_name(role);
                }
                Ok(Box::new(builder.build()?))
            }
            "" => Err(CredentialsError::invalid(
                NAME,
                format!(
                    "section [{name}] of {} has no `type`; add `type = access_key` \
                     (or `type = sts` with a security_token)",
                    path.display()
                ),
            )),
            other => Err(CredentialsError::invalid(
                NAME,
                format!(
                    "section [{name}] of {} has type = {other}, which is not supported; use \
                     access_key, sts, ram_role_arn, oidc_role_arn or ecs_ram_role",
                    path.display()
                ),
            )),
        }
    }
}

type Sections = BTreeMap<String, BTreeMap<String, String>>;

/// A minimal INI reader: `[section]` headers, `key = value` pairs, whole-line comments starting
/// with `#` or `;`, inline comments after whitespace, optional quotes around values. Keys before
/// the first section are ignored; a repeated key or section overrides the earlier one.
///
/// On a malformed line, returns its 1-based number (never its text, which may hold a secret).
fn parse_ini(text: &str) -> Result<Sections, usize> {
    let mut sections = Sections::new();
    let mut current: Option<String> = None;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let name = strip_inline_comment(rest)
                .strip_suffix(']')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .ok_or(index + 1)?;
            sections.entry(name.to_owned()).or_default();
            current = Some(name.to_owned());
            continue;
        }
        let (key, value) = line.split_once('=').ok_or(index + 1)?;
        let key = key.trim();
        if key.is_empty() {
            return Err(index + 1);
        }
        if let Some(section) = &current {
            let value = unquote(strip_inline_comment(value.trim()));
            sections
                .entry(section.clone())
                .or_default()
                .insert(key.to_owned(), value.to_owned());
        }
    }
    Ok(sections)
}

/// Cuts a `#` or `;` comment that follows whitespace, and trims.
fn strip_inline_comment(value: &str) -> &str {
    let mut previous_is_space = false;
    for (at, c) in value.char_indices() {
        if previous_is_space && (c == '#' || c == ';') {
            return value[..at].trim();
        }
        previous_is_space = c.is_whitespace();
    }
    value.trim()
}

/// Removes one pair of matching surrounding quotes.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_keys_and_comments() {
        let text = "\u{feff}ignored = yes\n# comment\n; comment\n[default]\n\
                    type = access_key  # inline\naccess_key_id=AK\n\
                    access_key_secret = \"a;b#c\"\n\n[ other ] ; note\nk = v = w\n";
        let sections = parse_ini(text).expect("valid INI");
        assert_eq!(sections.len(), 2);
        let default = &sections["default"];
        assert_eq!(default["type"], "access_key");
        assert_eq!(default["access_key_id"], "AK");
        assert_eq!(default["access_key_secret"], "a;b#c");
        assert_eq!(sections["other"]["k"], "v = w");
    }

    #[test]
    fn ini_errors_give_the_line_only() {
        assert_eq!(parse_ini("[default]\nno equals sign\n"), Err(2));
        assert_eq!(parse_ini("[unterminated\n"), Err(1));
        assert_eq!(parse_ini("[]\n"), Err(1));
        assert_eq!(parse_ini("[s]\n= value\n"), Err(2));
    }
}
