//! Credentials and the providers that find them.
