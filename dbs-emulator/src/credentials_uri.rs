//! The emulator as a credentials URI (`ALIBABA_CLOUD_CREDENTIALS_URI`), the endpoint a sidecar
//! or an agent serves to hand temporary credentials to the SDKs.
//!
//! `GET /credentials-uri` (any query) answers 200 with
//! `{"Code":"Success","AccessKeyId","AccessKeySecret","SecurityToken","Expiration"}`, the
//! document the official credential libraries read; another method is answered 405. Like the
//! metadata service, it answers only callers on this machine (a loopback peer with a loopback
//! `Host`). The credentials last an hour, or
//! [`EmulatorConfig::sts_credential_lifetime_ms`](crate::EmulatorConfig::sts_credential_lifetime_ms).

use serde_json::json;

use crate::temporary::{Issued, format_expiration};

/// The path the credentials URI is served at.
pub const CREDENTIALS_URI_PATH: &str = "/credentials-uri";

/// The credentials document.
pub(crate) fn document(issued: &Issued) -> String {
    json!({
        "Code": "Success",
        "AccessKeyId": issued.access_key_id,
        "AccessKeySecret": issued.access_key_secret.expose(),
        "SecurityToken": issued.security_token.expose(),
        "Expiration": format_expiration(issued.expiration),
    })
    .to_string()
}
