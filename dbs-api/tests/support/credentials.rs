//! What the credentials tests share: an environment from a list, and the three kinds of
//! provider error taken apart (`NotFound`, `Invalid`, `Unavailable`).

use std::collections::HashMap;

use dbs_api::credentials::{Credentials, CredentialsError};

/// An environment lookup holding exactly `vars`.
pub fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    move |key| vars.get(key).cloned()
}

/// The reason of a [`CredentialsError::NotFound`] from `source`; panics on anything else.
#[track_caller]
pub fn expect_not_found(result: Result<Credentials, CredentialsError>, source: &str) -> String {
    match result {
        Err(CredentialsError::NotFound {
            source_name,
            reason,
        }) => {
            assert_eq!(source_name, source);
            reason
        }
        other => panic!("expected NotFound from {source}, got {other:?}"),
    }
}

/// The reason of a [`CredentialsError::Invalid`] from `source`; panics on anything else.
#[track_caller]
pub fn expect_invalid(result: Result<Credentials, CredentialsError>, source: &str) -> String {
    match result {
        Err(CredentialsError::Invalid {
            source_name,
            reason,
        }) => {
            assert_eq!(source_name, source);
            reason
        }
        other => panic!("expected Invalid from {source}, got {other:?}"),
    }
}

/// The reason of a [`CredentialsError::Unavailable`] from `source`; panics on anything else.
#[track_caller]
pub fn expect_unavailable(result: Result<Credentials, CredentialsError>, source: &str) -> String {
    match result {
        Err(CredentialsError::Unavailable {
            source_name,
            reason,
        }) => {
            assert_eq!(source_name, source);
            reason
        }
        other => panic!("expected Unavailable from {source}, got {other:?}"),
    }
}
