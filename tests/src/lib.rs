//! Support shared by every crate's tests (`dbs-api/tests`, `dbs-emulator/tests`, `tests/tests`),
//! one implementation of each:
//!
//! - [`server`]: the loopback server that records requests exactly as they arrive and answers as
//!   scripted (statuses, headers, delays, dropped or reset connections, raw bytes);
//! - [`signer`]: a raw V1 (HMAC-SHA1) and V3 (ACS3-HMAC-SHA256) signer written from the API
//!   reference, independent of `dbs_api::signing`, checked against the official vectors;
//! - [`form`]: RFC 3986 percent-encoding and forms, also independent of `dbs-api`;
//! - [`rng`]: a seeded PRNG for reproducible corpora.
//!
//! The library does not depend on `dbs-api` or `dbs-emulator`, so both take it as a
//! dev-dependency without a cycle. Nothing here is published; the crate exists for tests.

pub mod form;
pub mod rng;
pub mod server;
pub mod signer;

pub use form::{decode_form, encode_form, pairs, param, percent_decode, percent_encode};
pub use rng::SplitMix64;
pub use server::{Recorded, Reply, Server, refused_url};
pub use signer::{Placement, Raw, V1, V3};

/// The README's Rust examples, compiled as doctests of this crate (`cargo test -p dbs-tests
/// --doc`) so that what a newcomer copies builds as shown.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
