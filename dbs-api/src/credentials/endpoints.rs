//! Where the temporary-credentials services are: STS and the ECS metadata service.
//!
//! Both follow the official credentials libraries, with two overrides of ours so tests and the
//! emulator can point them at loopback. Plain `http://` is accepted only for loopback hosts (the
//! rule of the main endpoint), except for the metadata service's fixed address, which has no
//! TLS.

use crate::client::{Endpoint, parse_endpoint};

use super::EnvLookup;

/// The region of the STS endpoint (`cn-hangzhou` gives `sts.cn-hangzhou.aliyuncs.com`), as in
/// the official libraries.
pub const ALIBABA_CLOUD_STS_REGION: &str = "ALIBABA_CLOUD_STS_REGION";
/// `true` selects the VPC STS endpoint of the region (`sts-vpc.<region>.aliyuncs.com`), as in
/// the official libraries.
pub const ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED: &str = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED";
/// Ours: an explicit STS endpoint URL (`https://host[:port]`, or `http://127.0.0.1:PORT` for
/// the emulator), overriding the region's.
pub const DBS_STS_ENDPOINT: &str = "DBS_STS_ENDPOINT";
/// Ours: an explicit ECS metadata service URL (`http://127.0.0.1:PORT` for the emulator),
/// overriding [`DEFAULT_ECS_METADATA_ENDPOINT`].
pub const DBS_ECS_METADATA_ENDPOINT: &str = "DBS_ECS_METADATA_ENDPOINT";

/// The global STS endpoint, used when no region is configured.
pub const DEFAULT_STS_HOST: &str = "sts.aliyuncs.com";
/// The ECS metadata service: a fixed address reachable only from inside an ECS instance.
pub const DEFAULT_ECS_METADATA_ENDPOINT: &str = "http://100.100.100.200";

/// How to reach STS: an explicit URL, or a region and whether to use its VPC endpoint. Unset
/// fields fall back to the environment when resolved.
///
/// Resolution order: [`url`](Self::url) → `DBS_STS_ENDPOINT` → [`region`](Self::region) or
/// `ALIBABA_CLOUD_STS_REGION` (with [`vpc`](Self::vpc) or
/// `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`: `https://sts-vpc.<region>.aliyuncs.com`, else
/// `https://sts.<region>.aliyuncs.com`) → `https://sts.aliyuncs.com`.
///
/// `Debug` does not show a URL with user information (`user:password@`), which is refused
/// when resolved.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StsEndpoint {
    url: Option<String>,
    region: Option<String>,
    vpc: Option<bool>,
}

impl std::fmt::Debug for StsEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = self.url.as_deref().map(url_for_debug);
        f.debug_struct("StsEndpoint")
            .field("url", &url)
            .field("region", &self.region)
            .field("vpc", &self.vpc)
            .finish()
    }
}

impl StsEndpoint {
    /// Everything from the environment, or the global endpoint.
    pub fn new() -> Self {
        Self::default()
    }

    /// An explicit endpoint URL: `https://host[:port]` or a bare host; plain `http://` only
    /// for loopback.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The STS region, such as `cn-hangzhou`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Whether to use the region's VPC endpoint (`sts-vpc.<region>.aliyuncs.com`).
    pub fn vpc(mut self, enabled: bool) -> Self {
        self.vpc = Some(enabled);
        self
    }

    /// The endpoint these settings and `env` give.
    ///
    /// Errors name the setting at fault: a malformed URL, plain http to a non-loopback host,
    /// or a region that is not a DNS label.
    pub(crate) fn resolve(&self, env: &EnvLookup) -> Result<Endpoint, String> {
        if let Some(url) = &self.url {
            return parse_endpoint(url, false).map_err(|e| format!("the STS endpoint: {e}"));
        }
        if let Some(url) = env.get(DBS_STS_ENDPOINT) {
            return parse_endpoint(&url, false).map_err(|e| format!("{DBS_STS_ENDPOINT}: {e}"));
        }
        let region = self
            .region
            .clone()
            .or_else(|| env.get(ALIBABA_CLOUD_STS_REGION))
            .map(|region| region.trim().to_owned());
        let host = match region {
            None => DEFAULT_STS_HOST.to_owned(),
            Some(region) => {
                if !is_region_id(&region) {
                    return Err(format!(
                        "the STS region {region:?} is not a region ID such as cn-hangzhou \
                         (set by {ALIBABA_CLOUD_STS_REGION} or the profile's sts_region)"
                    ));
                }
                let vpc = self.vpc.unwrap_or_else(|| {
                    env.get(ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED)
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
                });
                let prefix = if vpc { "sts-vpc" } else { "sts" };
                format!("{prefix}.{region}.aliyuncs.com")
            }
        };
        Ok(Endpoint {
            base: format!("https://{host}"),
            host,
        })
    }
}

/// An endpoint override as `Debug` may show it: not at all when it has user information
/// (`user:password@`, refused when resolved).
pub(crate) fn url_for_debug(url: &str) -> &str {
    if url.contains('@') {
        "(has user information; not shown)"
    } else {
        url
    }
}

/// A region ID as Alibaba writes them: lower-case letters, digits and hyphens.
fn is_region_id(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 63
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The ECS metadata service: `explicit` → `DBS_ECS_METADATA_ENDPOINT` →
/// [`DEFAULT_ECS_METADATA_ENDPOINT`].
pub(crate) fn ecs_metadata_endpoint(
    explicit: Option<&str>,
    env: &EnvLookup,
) -> Result<Endpoint, String> {
    if let Some(url) = explicit {
        return parse_endpoint(url, false).map_err(|e| format!("the metadata endpoint: {e}"));
    }
    if let Some(url) = env.get(DBS_ECS_METADATA_ENDPOINT) {
        return parse_endpoint(&url, false)
            .map_err(|e| format!("{DBS_ECS_METADATA_ENDPOINT}: {e}"));
    }
    // The fixed link-local address has no TLS; it is the one plain-http host allowed.
    Ok(Endpoint {
        base: DEFAULT_ECS_METADATA_ENDPOINT.to_owned(),
        host: "100.100.100.200".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> EnvLookup {
        EnvLookup::from_fn(move |key| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    fn sts(endpoint: &StsEndpoint, vars: &'static [(&'static str, &'static str)]) -> String {
        endpoint
            .resolve(&env(vars))
            .map(|e| e.base)
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    /// The hosts the official libraries build (`sts.aliyuncs.com`,
    /// `sts.<region>.aliyuncs.com`, `sts-vpc.<region>.aliyuncs.com`).
    #[test]
    fn sts_endpoints_follow_the_official_rules() {
        let none = StsEndpoint::new();
        assert_eq!(sts(&none, &[]), "https://sts.aliyuncs.com");
        assert_eq!(
            sts(&none, &[(ALIBABA_CLOUD_STS_REGION, "cn-hangzhou")]),
            "https://sts.cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            sts(
                &none,
                &[
                    (ALIBABA_CLOUD_STS_REGION, "cn-hangzhou"),
                    (ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED, "true")
                ]
            ),
            "https://sts-vpc.cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            sts(
                &StsEndpoint::new().region("cn-beijing").vpc(false),
                &[
                    (ALIBABA_CLOUD_STS_REGION, "cn-hangzhou"),
                    (ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED, "true")
                ]
            ),
            "https://sts.cn-beijing.aliyuncs.com"
        );
        // Without a region, VPC alone changes nothing (as in the official libraries).
        assert_eq!(
            sts(&none, &[(ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED, "true")]),
            "https://sts.aliyuncs.com"
        );
    }

    #[test]
    fn sts_overrides_allow_plain_http_only_to_loopback() {
        let vars: &[(&str, &str)] = &[
            (DBS_STS_ENDPOINT, "http://127.0.0.1:8080"),
            (ALIBABA_CLOUD_STS_REGION, "cn-hangzhou"),
        ];
        assert_eq!(sts(&StsEndpoint::new(), vars), "http://127.0.0.1:8080");
        assert_eq!(
            sts(&StsEndpoint::new().url("https://sts.example.com"), vars),
            "https://sts.example.com"
        );
        let refused = sts(&StsEndpoint::new().url("http://sts.example.com"), &[]);
        assert!(refused.contains("plain http"), "{refused}");
        let refused = sts(
            &StsEndpoint::new(),
            &[(DBS_STS_ENDPOINT, "http://10.0.0.1")],
        );
        assert!(refused.contains(DBS_STS_ENDPOINT), "{refused}");
        let refused = sts(&StsEndpoint::new().region("cn hangzhou/x"), &[]);
        assert!(refused.contains("not a region ID"), "{refused}");
    }

    #[test]
    fn metadata_endpoint_default_and_loopback_override() {
        let base = |explicit, vars| ecs_metadata_endpoint(explicit, &env(vars)).map(|e| e.base);
        assert_eq!(base(None, &[]).as_deref(), Ok("http://100.100.100.200"));
        assert_eq!(
            base(None, &[(DBS_ECS_METADATA_ENDPOINT, "http://127.0.0.1:9")]).as_deref(),
            Ok("http://127.0.0.1:9")
        );
        assert!(base(None, &[(DBS_ECS_METADATA_ENDPOINT, "http://10.1.1.1")]).is_err());
        assert!(base(Some("http://169.254.169.254"), &[]).is_err());
    }
}
