//! Credentials from environment variables.

use super::{Credentials, CredentialsError, EnvLookup, ProvideCredentials, ProvideFuture, ready};

/// The environment variable holding the AccessKey ID.
pub const ALIBABA_CLOUD_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// The environment variable holding the AccessKey secret.
pub const ALIBABA_CLOUD_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// The environment variable holding the STS SecurityToken (optional).
pub const ALIBABA_CLOUD_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

const NAME: &str = "environment";

/// Reads `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and, for STS
/// credentials, `ALIBABA_CLOUD_SECURITY_TOKEN`. Its source name is `"environment"`.
///
/// Empty or blank values count as unset; surrounding whitespace is trimmed.
///
/// A variable of the process environment that is set but is not valid UTF-8 is
/// [`CredentialsError::Invalid`], naming the variable (never its value).
///
/// Errors:
/// * [`CredentialsError::NotFound`] when none of the three variables is set.
/// * [`CredentialsError::Invalid`] when some are set but the ID or the secret is missing (for
///   example a SecurityToken without an AccessKey pair): a half-configured environment is a
///   mistake to fix, not a reason to fall through to a file.
#[derive(Clone, Debug)]
pub struct EnvironmentProvider {
    pub(super) env: EnvLookup,
}

impl EnvironmentProvider {
    /// Reads the process environment.
    pub fn new() -> Self {
        Self {
            env: EnvLookup::process(),
        }
    }

    /// Reads variables through `lookup` instead of the process environment (for tests, or for
    /// configuration kept elsewhere). `lookup` returns `None` for an unset variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self {
            env: EnvLookup::from_fn(lookup),
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        self.env.get(key).map(|value| value.trim().to_owned())
    }
}

impl Default for EnvironmentProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for EnvironmentProvider {
    fn provide(&self) -> ProvideFuture<'_> {
        ready(self.read())
    }

    fn name(&self) -> &'static str {
        NAME
    }
}

impl EnvironmentProvider {
    /// Reads the source now (it never waits on the network).
    fn read(&self) -> Result<Credentials, CredentialsError> {
        // A value that is not text would read as unset and let the chain fall through to other
        // credentials: it is a mistake to fix, named without its value.
        let variables = [
            ALIBABA_CLOUD_ACCESS_KEY_ID,
            ALIBABA_CLOUD_ACCESS_KEY_SECRET,
            ALIBABA_CLOUD_SECURITY_TOKEN,
        ];
        if let Some(variable) = variables.into_iter().find(|v| self.env.not_unicode(v)) {
            return Err(CredentialsError::invalid(
                NAME,
                format!("{variable} is set but is not valid UTF-8"),
            ));
        }
        let id = self.get(ALIBABA_CLOUD_ACCESS_KEY_ID);
        let secret = self.get(ALIBABA_CLOUD_ACCESS_KEY_SECRET);
        let token = self.get(ALIBABA_CLOUD_SECURITY_TOKEN);
        match (id, secret) {
            (Some(id), Some(secret)) => {
                let credentials = Credentials::new(id, secret);
                Ok(match token {
                    Some(token) => credentials.with_security_token(token),
                    None => credentials,
                })
            }
            (None, None) if token.is_none() => Err(CredentialsError::not_found(
                NAME,
                format!("{ALIBABA_CLOUD_ACCESS_KEY_ID} is not set"),
            )),
            (id, secret) => {
                let set: Vec<&str> = [
                    (ALIBABA_CLOUD_ACCESS_KEY_ID, id.is_some()),
                    (ALIBABA_CLOUD_ACCESS_KEY_SECRET, secret.is_some()),
                    (ALIBABA_CLOUD_SECURITY_TOKEN, token.is_some()),
                ]
                .into_iter()
                .filter_map(|(name, present)| present.then_some(name))
                .collect();
                let missing = if id.is_none() {
                    ALIBABA_CLOUD_ACCESS_KEY_ID
                } else {
                    ALIBABA_CLOUD_ACCESS_KEY_SECRET
                };
                Err(CredentialsError::invalid(
                    NAME,
                    format!(
                        "{} {} set but {missing} is not; set both \
                         {ALIBABA_CLOUD_ACCESS_KEY_ID} and {ALIBABA_CLOUD_ACCESS_KEY_SECRET}, \
                         or unset them all",
                        set.join(" and "),
                        if set.len() == 1 { "is" } else { "are" },
                    ),
                ))
            }
        }
    }
}
