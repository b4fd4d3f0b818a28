//! Why a credentials source produced nothing.

use std::fmt;

/// Why a provider returned no credentials.
///
/// No variant ever contains an AccessKey secret or a SecurityToken: reasons name variables,
/// files, profiles, fields and line numbers only.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The source has nothing to offer (a variable is unset, a file or profile does not exist).
    /// A [`ChainProvider`](super::ChainProvider) records the reason and tries its next provider.
    #[error("{source_name}: {reason}")]
    NotFound {
        /// The [`name`](super::ProvideCredentials::name) of the provider.
        source_name: &'static str,
        /// Why nothing was found, e.g. `ALIBABA_CLOUD_ACCESS_KEY_ID is not set`.
        reason: String,
    },

    /// The source exists but is broken: unparsable file, missing field, unsupported mode or
    /// type, half-set environment. A chain stops at this error rather than trying the next
    /// provider, so the user fixes the configuration instead of silently getting other
    /// credentials.
    #[error("{source_name} is misconfigured: {reason}")]
    Invalid {
        /// The [`name`](super::ProvideCredentials::name) of the provider.
        source_name: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },

    /// A configured source could not give credentials now: STS refused or could not be reached,
    /// the ECS metadata service or a credentials URI failed. A chain stops here, as for
    /// [`Invalid`](Self::Invalid): the user configured this source, and falling through would
    /// silently use other credentials. Trying again later may succeed.
    #[error("{source_name} could not give credentials: {reason}")]
    Unavailable {
        /// The [`name`](super::ProvideCredentials::name) of the provider.
        source_name: &'static str,
        /// What failed: the remote error code and RequestId when there is one, never a secret.
        reason: String,
    },

    /// Every provider of a chain was skipped; each entry says which and why, in chain order.
    #[error("{}", DisplayNoneFound(.0))]
    NoneFound(Vec<SkippedSource>),
}

impl CredentialsError {
    /// A [`CredentialsError::NotFound`] for `source_name`.
    pub fn not_found(source_name: &'static str, reason: impl Into<String>) -> Self {
        Self::NotFound {
            source_name,
            reason: reason.into(),
        }
    }

    /// A [`CredentialsError::Invalid`] for `source_name`.
    pub fn invalid(source_name: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            source_name,
            reason: reason.into(),
        }
    }

    /// A [`CredentialsError::Unavailable`] for `source_name`.
    pub fn unavailable(source_name: &'static str, reason: impl Into<String>) -> Self {
        Self::Unavailable {
            source_name,
            reason: reason.into(),
        }
    }

    /// `true` when the source simply had nothing ([`NotFound`](Self::NotFound) or
    /// [`NoneFound`](Self::NoneFound)), `false` when it is broken.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. } | Self::NoneFound(_))
    }

    /// The provider that produced a [`NotFound`](Self::NotFound), [`Invalid`](Self::Invalid)
    /// or [`Unavailable`](Self::Unavailable) error; `None` for [`NoneFound`](Self::NoneFound).
    pub fn source_name(&self) -> Option<&'static str> {
        match self {
            Self::NotFound { source_name, .. }
            | Self::Invalid { source_name, .. }
            | Self::Unavailable { source_name, .. } => Some(source_name),
            Self::NoneFound(_) => None,
        }
    }

    /// The reason of a [`NotFound`](Self::NotFound), [`Invalid`](Self::Invalid) or
    /// [`Unavailable`](Self::Unavailable) error; `None` for [`NoneFound`](Self::NoneFound),
    /// whose reasons are in its list.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::NotFound { reason, .. }
            | Self::Invalid { reason, .. }
            | Self::Unavailable { reason, .. } => Some(reason),
            Self::NoneFound(_) => None,
        }
    }
}

/// One provider of a chain that found nothing, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedSource {
    /// The [`name`](super::ProvideCredentials::name) of the provider.
    pub source_name: &'static str,
    /// Why it found nothing.
    pub reason: String,
}

impl fmt::Display for SkippedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source_name, self.reason)
    }
}

/// Formats the one-line message of [`CredentialsError::NoneFound`].
struct DisplayNoneFound<'a>(&'a [SkippedSource]);

impl fmt::Display for DisplayNoneFound<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no credentials found: ")?;
        if self.0.is_empty() {
            f.write_str("the credentials chain has no providers")?;
        }
        for (index, skipped) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{skipped}")?;
        }
        write!(
            f,
            ". Set {} and {}, or run `aliyun configure`",
            super::ALIBABA_CLOUD_ACCESS_KEY_ID,
            super::ALIBABA_CLOUD_ACCESS_KEY_SECRET
        )
    }
}
