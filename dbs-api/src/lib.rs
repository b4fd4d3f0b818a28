//! Rust SDK for the Alibaba Cloud Database Backup (DBS) OpenAPI, version 2019-03-06.

pub mod credentials;
pub mod encoding;
pub mod sensitive;
pub mod signing;

pub use sensitive::Sensitive;
