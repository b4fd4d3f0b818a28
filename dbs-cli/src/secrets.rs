//! The secrets of one call as the CLI knows them (the sensitive parameters' values and the
//! credentials the client signed with), for redacting what it prints on success: the SDK
//! redacts errors and logs, but hands a successful answer back as the server sent it.

use std::sync::{Arc, Mutex, PoisonError};

use dbs_api::credentials::{ProvideCredentials, ProvideFuture};
use dbs_api::{Credentials, OperationMeta, Redactor};

/// The credentials a call used, shared between the client's provider and the printing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Seen {
    credentials: Arc<Mutex<Vec<Credentials>>>,
}

impl Seen {
    /// Notes credentials the call signs with.
    pub(crate) fn record(&self, credentials: &Credentials) {
        let mut seen = self
            .credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !seen.contains(credentials) {
            seen.push(credentials.clone());
        }
    }

    /// The redactor of a call of `operation` with `params` (wire names and values): the
    /// values of the parameters the spec marks sensitive, and the AccessKeySecret and
    /// SecurityToken of every credentials seen.
    pub(crate) fn redactor(
        &self,
        operation: &OperationMeta,
        params: &[(String, String)],
    ) -> Redactor {
        let seen = self
            .credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let sensitive = params
            .iter()
            .filter(|(name, _)| {
                operation
                    .params
                    .iter()
                    .any(|meta| meta.sensitive() && meta.name() == name.as_str())
            })
            .map(|(_, value)| value.as_str());
        let credentials = seen.iter().flat_map(|credentials| {
            std::iter::once(credentials.access_key_secret().expose().as_str())
                .chain(credentials.security_token().map(|t| t.expose().as_str()))
        });
        Redactor::new(sensitive.chain(credentials))
    }
}

/// A credentials provider that notes in a [`Seen`] what it provides.
#[derive(Debug)]
pub(crate) struct Recording<P> {
    inner: P,
    seen: Seen,
}

impl<P> Recording<P> {
    /// `inner`, noting what it provides in `seen`.
    pub(crate) fn new(inner: P, seen: &Seen) -> Self {
        Self {
            inner,
            seen: seen.clone(),
        }
    }
}

impl<P: ProvideCredentials> ProvideCredentials for Recording<P> {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(async {
            let credentials = self.inner.provide().await?;
            self.seen.record(&credentials);
            // What `-v` shows: the source, never the secret or the token.
            let source = credentials.source().unwrap_or(self.inner.name());
            match credentials.expiration() {
                Some(expiration) => tracing::info!(
                    "credentials from {source} (temporary, expire at {})",
                    rfc3339_utc(expiration)
                ),
                None => tracing::info!("credentials from {source}"),
            }
            Ok(credentials)
        })
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }
}

/// `time` as RFC 3339 in UTC, for a log line.
fn rfc3339_utc(time: std::time::SystemTime) -> String {
    time::OffsetDateTime::from(time)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "an unprintable time".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_redactor_knows_the_sensitive_values_and_the_credentials_provided() {
        let operation = dbs_api::operation("CreateRestoreTask").expect("operation");
        let seen = Seen::default();
        let provider = Recording::new(
            dbs_api::credentials::StaticProvider::new(
                Credentials::new("testid", "testsecret").with_security_token("tok-en-123"),
            ),
            &seen,
        );
        assert!(provider.provide().await.is_ok());
        let params = [
            (
                "DestinationEndpointPassword".to_owned(),
                "demo-Passw0rd".to_owned(),
            ),
            ("RestoreTaskName".to_owned(), "restore-demo".to_owned()),
        ];
        let redactor = seen.redactor(operation, &params);
        assert_eq!(
            redactor.redact("demo%2DPassw0rd testsecret tok-en-123 restore-demo"),
            "** redacted ** ** redacted ** ** redacted ** restore-demo"
        );
    }
}
