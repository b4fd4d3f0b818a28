//! Rust SDK for the Alibaba Cloud Database Backup (DBS) OpenAPI, version 2019-03-06.

// Generated code names the runtime as `::dbs_api::__private`, inside this crate too.
extern crate self as dbs_api;

pub mod client;
pub mod credentials;
pub mod encoding;
mod error;
pub mod operation;
pub mod sensitive;
pub mod signing;
pub mod validation;
pub mod wire;

mod generated {
    dbs_macros::generate_api!("../spec/dbs-2019-03-06");
}

pub use client::{Client, ClientBuilder, PreparedRequest, RequestBuilder, RetryConfig};
pub use credentials::Credentials;
pub use error::{Error, ServiceError};
pub use signing::SignatureVersion;
pub use generated::*;
pub use operation::{Operation, OperationMeta, ParamKind, ParamMeta};
pub use sensitive::Sensitive;
pub use validation::{ValidationError, Violation};
pub use wire::WireParam;

/// What generated code refers to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::client::{Client, RequestBuilder};
    pub use crate::operation::{Operation, OperationMeta, ParamKind, ParamMeta};
    pub use crate::sensitive::Sensitive;
    pub use crate::validation::{all_of, any_of, Presence, ValidationError, Violations};
    pub use crate::wire::{de, to_json, WireParam};
    pub use serde;
    pub use serde_json;
}
