//! A raw signer for tests: V1 (HMAC-SHA1) and V3 (ACS3-HMAC-SHA256) written from the API
//! reference (`api-docs/signing.md`) and independently of `dbs_api::signing`, so a test can
//! build a request by hand (with any part wrong on purpose) or recompute a signature the SDK
//! made, without the SDK judging itself. Checked against the official vectors in this module's
//! tests.
//!
//! [`V1`] and [`V3`] build whole requests ([`Raw`]); the functions under them are the stages.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::form::{encode_form, pairs, percent_encode};

/// The operation a [`V1`] or [`V3`] request names unless told otherwise.
pub const ACTION: &str = "CreateRestoreTask";
/// The API version requests name: DBS 2019-03-06.
pub const VERSION: &str = "2019-03-06";
/// The AccessKeyId tests sign with (the emulator's default key).
pub const ACCESS_KEY_ID: &str = "testid";
/// The AccessKeySecret tests sign with (a fake one, the emulator's default).
pub const ACCESS_KEY_SECRET: &str = "testsecret";
/// The V3 algorithm name, first word of the `Authorization` header.
pub const ALGORITHM_V3: &str = "ACS3-HMAC-SHA256";

/// The V1 common parameters besides `Signature`, `SignatureNonce` and `Timestamp`, as a request
/// sent by [`V1::new`] carries them. The runtime's list lives in `dbs_api::signing`; this crate
/// cannot depend on `dbs-api` (it is the SDK's dev-dependency), so it keeps this one copy.
pub const V1_COMMON_PARAMETERS: [(&str, &str); 6] = [
    ("Action", ACTION),
    ("Version", VERSION),
    ("Format", "JSON"),
    ("AccessKeyId", ACCESS_KEY_ID),
    ("SignatureMethod", "HMAC-SHA1"),
    ("SignatureVersion", "1.0"),
];

/// `2016-02-23T12:46:24Z`: ISO 8601 in UTC to the second, the form `Timestamp` and
/// `x-acs-date` take.
pub fn timestamp(at: OffsetDateTime) -> String {
    let t = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// [`timestamp`] of now.
pub fn now() -> String {
    timestamp(OffsetDateTime::now_utc())
}

/// A fresh `SignatureNonce`: 32 random hex digits.
pub fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Base64 of HMAC-SHA1 of `data` keyed with `key` as given.
pub fn hmac_sha1_base64(key: &[u8], data: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Lower-case hex of HMAC-SHA256 of `data` keyed with `key` as given.
pub fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

/// The V1 CanonicalizedQueryString: every pair encoded, sorted, joined by `&`.
pub fn v1_canonical_query(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The V1 StringToSign: `METHOD&%2F&` and the encoded CanonicalizedQueryString of `params`
/// (every parameter of query and body but `Signature`).
pub fn v1_string_to_sign(method: &str, params: &[(String, String)]) -> String {
    format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&v1_canonical_query(params))
    )
}

/// The V1 `Signature`: base64 HMAC-SHA1 keyed with the AccessKeySecret followed by `&`.
pub fn v1_signature(string_to_sign: &str, secret: &str) -> String {
    hmac_sha1_base64(format!("{secret}&").as_bytes(), string_to_sign.as_bytes())
}

/// A V3 CanonicalRequest and the header names it signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalRequest {
    /// The text that is hashed into the StringToSign.
    pub text: String,
    /// The signed header names: lower-case, sorted, once each.
    pub signed_headers: Vec<String>,
}

/// The V3 CanonicalRequest of a request to `/`: the method, `/`, the sorted encoded query, every
/// header in `headers` (names lower-cased, values trimmed, repeated names joined with `,`),
/// the signed names, and `payload_hash` (hex SHA-256 of the body).
pub fn v3_canonical_request(
    method: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    payload_hash: &str,
) -> CanonicalRequest {
    let mut grouped: Vec<(String, Vec<&str>)> = Vec::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        match grouped.iter_mut().find(|(k, _)| *k == name) {
            Some((_, values)) => values.push(value.trim()),
            None => grouped.push((name, vec![value.trim()])),
        }
    }
    grouped.sort();
    let signed_headers: Vec<String> = grouped.iter().map(|(k, _)| k.clone()).collect();
    let canonical_headers: String = grouped
        .iter()
        .map(|(k, values)| format!("{k}:{}\n", values.join(",")))
        .collect();
    CanonicalRequest {
        text: format!(
            "{method}\n/\n{}\n{canonical_headers}\n{}\n{payload_hash}",
            v1_canonical_query(query),
            signed_headers.join(";")
        ),
        signed_headers,
    }
}

/// The V3 StringToSign: the algorithm, a newline, the hex SHA-256 of the CanonicalRequest.
pub fn v3_string_to_sign(canonical: &CanonicalRequest) -> String {
    format!("{ALGORITHM_V3}\n{}", sha256_hex(canonical.text.as_bytes()))
}

/// The V3 signature: hex HMAC-SHA256 keyed with the AccessKeySecret as it is.
pub fn v3_signature(string_to_sign: &str, secret: &str) -> String {
    hmac_sha256_hex(secret.as_bytes(), string_to_sign.as_bytes())
}

/// `ALGORITHM Credential=ID,SignedHeaders=a;b,Signature=HEX`.
pub fn v3_authorization(
    algorithm: &str,
    access_key_id: &str,
    signed_headers: &[String],
    signature: &str,
) -> String {
    format!(
        "{algorithm} Credential={access_key_id},SignedHeaders={},Signature={signature}",
        signed_headers.join(";")
    )
}

/// The parts of a V3 `Authorization` header value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// The first word, `ACS3-HMAC-SHA256`.
    pub algorithm: String,
    /// The `Credential`: the AccessKeyId.
    pub access_key_id: String,
    /// The `SignedHeaders`, in the order written.
    pub signed_headers: Vec<String>,
    /// The `Signature`.
    pub signature: String,
}

/// Reads `ALGORITHM Credential=ID,SignedHeaders=a;b,Signature=HEX` (the three parts in any
/// order); `None` when a part is missing.
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let (algorithm, rest) = value.split_once(' ')?;
    let part = |key: &str| {
        rest.split(',')
            .find_map(|p| p.trim().strip_prefix(key))
            .map(str::to_owned)
    };
    Some(Authorization {
        algorithm: algorithm.to_owned(),
        access_key_id: part("Credential=")?,
        signed_headers: part("SignedHeaders=")?
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: part("Signature=")?,
    })
}

/// Replaces (or adds) a pair.
pub fn set(list: &mut Vec<(String, String)>, name: &str, value: &str) {
    list.retain(|(k, _)| k != name);
    list.push((name.to_owned(), value.to_owned()));
}

/// Removes every pair named `name`.
pub fn remove(list: &mut Vec<(String, String)>, name: &str) {
    list.retain(|(k, _)| k != name);
}

/// Where a V1 request carries its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Everything in the query, empty body (the official Tea SDK).
    Query,
    /// Everything in a form body (pop-core with POST).
    Body,
    /// Common parameters in the query, operation parameters in the body.
    Both,
}

/// A request as it is to be sent to `/`.
#[derive(Clone, Debug)]
pub struct Raw {
    /// The HTTP method.
    pub method: String,
    /// The encoded query, without `?` (empty: none).
    pub query: String,
    /// Headers to send (the HTTP client adds `host` and `content-length`).
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The StringToSign the signature was made over.
    pub string_to_sign: String,
}

/// A V1 (HMAC-SHA1) request being built: common parameters (a fresh nonce and timestamp),
/// operation parameters, where they go, the secret.
#[derive(Clone, Debug)]
pub struct V1 {
    /// The HTTP method (and the StringToSign's first word).
    pub method: &'static str,
    /// The common parameters, `Signature` excepted.
    pub common: Vec<(String, String)>,
    /// The operation parameters.
    pub api: Vec<(String, String)>,
    /// Where the parameters go.
    pub placement: Placement,
    /// The AccessKeySecret to sign with.
    pub secret: String,
}

impl V1 {
    /// A POST of `api` signed with [`ACCESS_KEY_SECRET`] now.
    pub fn new(api: Vec<(String, String)>, placement: Placement) -> Self {
        let mut common = pairs(&V1_COMMON_PARAMETERS);
        common.push(("SignatureNonce".to_owned(), nonce()));
        common.push(("Timestamp".to_owned(), now()));
        Self {
            method: "POST",
            common,
            api,
            placement,
            secret: ACCESS_KEY_SECRET.to_owned(),
        }
    }

    /// Replaces (or adds) a common parameter.
    pub fn set(mut self, name: &str, value: &str) -> Self {
        set(&mut self.common, name, value);
        self
    }

    /// Removes a common parameter.
    pub fn remove(mut self, name: &str) -> Self {
        remove(&mut self.common, name);
        self
    }

    /// Signs with another secret.
    pub fn secret(mut self, secret: &str) -> Self {
        self.secret = secret.to_owned();
        self
    }

    /// Uses another HTTP method.
    pub fn method(mut self, method: &'static str) -> Self {
        self.method = method;
        self
    }

    /// Signs over every parameter and places them; `Signature` goes with the common ones.
    pub fn build(&self) -> Raw {
        let all: Vec<(String, String)> = self.common.iter().chain(&self.api).cloned().collect();
        let string_to_sign = v1_string_to_sign(self.method, &all);
        let mut common = self.common.clone();
        common.push((
            "Signature".to_owned(),
            v1_signature(&string_to_sign, &self.secret),
        ));
        let api = self.api.clone();
        let (query, body): (Vec<_>, Vec<_>) = match self.placement {
            Placement::Query => (common.into_iter().chain(api).collect(), vec![]),
            Placement::Body => (vec![], common.into_iter().chain(api).collect()),
            Placement::Both => (common, api),
        };
        let mut headers = Vec::new();
        if !body.is_empty() {
            headers.push((
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        Raw {
            method: self.method.to_owned(),
            query: encode_form(&query),
            headers,
            body: encode_form(&body).into_bytes(),
            string_to_sign,
        }
    }
}

/// A V3 (ACS3-HMAC-SHA256) POST being built: operation parameters in the query and the body,
/// `x-acs-*` headers (a fresh nonce and date), and ways to get each part wrong.
#[derive(Clone, Debug)]
pub struct V3 {
    /// The `host` header that is signed (`127.0.0.1:PORT`).
    pub host: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// Form body parameters.
    pub body: Vec<(String, String)>,
    /// `x-acs-*` headers besides the content hash, which `build` adds.
    pub headers: Vec<(String, String)>,
    /// The `Credential` of the `Authorization` header.
    pub access_key_id: String,
    /// The AccessKeySecret to sign with.
    pub secret: String,
    /// The algorithm named in the `Authorization` header (the signature is always
    /// ACS3-HMAC-SHA256's).
    pub algorithm: String,
    /// Headers sent but left out of SignedHeaders.
    pub unsigned: Vec<String>,
    /// Header values replaced after signing.
    pub tamper: Vec<(String, String)>,
}

impl V3 {
    /// A request to `url` (`http://127.0.0.1:PORT`) with operation parameters in `query` and
    /// `body` as given.
    pub fn new(url: &str, query: Vec<(String, String)>, body: Vec<(String, String)>) -> Self {
        Self {
            host: url.trim_start_matches("http://").to_owned(),
            query,
            body,
            headers: vec![
                ("x-acs-action".to_owned(), ACTION.to_owned()),
                ("x-acs-version".to_owned(), VERSION.to_owned()),
                ("x-acs-date".to_owned(), now()),
                ("x-acs-signature-nonce".to_owned(), nonce()),
            ],
            access_key_id: ACCESS_KEY_ID.to_owned(),
            secret: ACCESS_KEY_SECRET.to_owned(),
            algorithm: ALGORITHM_V3.to_owned(),
            unsigned: vec![],
            tamper: vec![],
        }
    }

    /// Replaces (or adds) a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        set(&mut self.headers, name, value);
        self
    }

    /// Removes a header.
    pub fn without_header(mut self, name: &str) -> Self {
        remove(&mut self.headers, name);
        self
    }

    /// Signs every header but those in `unsigned`, then applies `tamper`.
    pub fn build(&self) -> Raw {
        let body = encode_form(&self.body);
        let payload_hash = sha256_hex(body.as_bytes());
        let mut headers = self.headers.clone();
        headers.push(("host".to_owned(), self.host.clone()));
        headers.push(("x-acs-content-sha256".to_owned(), payload_hash.clone()));
        if !body.is_empty() {
            headers.push((
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        let signed: Vec<(String, String)> = headers
            .iter()
            .filter(|(name, _)| !self.unsigned.contains(name))
            .cloned()
            .collect();
        let canonical = v3_canonical_request("POST", &self.query, &signed, &payload_hash);
        let string_to_sign = v3_string_to_sign(&canonical);
        let authorization = v3_authorization(
            &self.algorithm,
            &self.access_key_id,
            &canonical.signed_headers,
            &v3_signature(&string_to_sign, &self.secret),
        );
        // The HTTP client sends the Host header itself.
        headers.retain(|(name, _)| name != "host");
        headers.push(("authorization".to_owned(), authorization));
        for (name, value) in &self.tamper {
            set(&mut headers, name, value);
        }
        Raw {
            method: "POST".to_owned(),
            query: encode_form(&self.query),
            headers,
            body: body.into_bytes(),
            string_to_sign,
        }
    }
}

#[cfg(test)]
mod tests {
    //! The official vectors of `api-docs/signing.md` (the SDK's `tests/signing_vectors.rs` holds
    //! the same ones for its own signer).

    use super::*;

    /// The ECS DescribeRegions example of B1/C1, deliberately not in sorted order.
    fn describe_regions() -> Vec<(String, String)> {
        pairs(&[
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
            ("Action", "DescribeRegions"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("AccessKeyId", "testid"),
            ("Format", "XML"),
            ("SignatureVersion", "1.0"),
            ("SignatureMethod", "HMAC-SHA1"),
        ])
    }

    #[test]
    fn b1_c1_describe_regions() {
        let sts = v1_string_to_sign("GET", &describe_regions());
        assert_eq!(
            sts,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(
            v1_signature(&sts, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
        let post = v1_string_to_sign("POST", &describe_regions());
        assert_eq!(
            v1_signature(&post, "testsecret"),
            "MxbnVAM4w6sft9xjVpe/GCKueuk="
        );
    }

    #[test]
    fn b2_go_build_rpc_string_to_sign() {
        let cases: [(&[(&str, &str)], &str); 3] = [
            (&[], "GET&%2F&"),
            (
                &[("q", "value"), ("key", "value")],
                "GET&%2F&key%3Dvalue%26q%3Dvalue",
            ),
            (
                &[("q", "http://domain/?q=value&q2=value2"), ("key", "value")],
                "GET&%2F&key%3Dvalue%26q%3Dhttp%253A%252F%252Fdomain%252F%253Fq%253Dvalue%2526q2%253Dvalue2",
            ),
        ];
        for (params, expected) in cases {
            assert_eq!(v1_string_to_sign("GET", &pairs(params)), expected);
        }
    }

    #[test]
    fn describe_dedicated_hosts_rpc_doc_vector() {
        let params = pairs(&[
            ("Action", "DescribeDedicatedHosts"),
            ("Version", "2014-05-26"),
            ("Format", "JSON"),
            ("AccessKeyId", "testid"),
            ("SignatureNonce", "edb2b34af0af9a6d14deaf7c1a5315eb"),
            ("Timestamp", "2023-03-13T08:34:30Z"),
            ("RegionId", "cn-beijing"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
        ]);
        let sts = v1_string_to_sign("GET", &params);
        assert_eq!(
            v1_signature(&sts, "testsecret"),
            "9NaGiOspFP5UPcwX8Iwt2YJXXuk="
        );
        let post = v1_string_to_sign("POST", &params);
        assert_eq!(
            v1_signature(&post, "testsecret"),
            "ZvQ9xGiFnquSJRvj+WE6kdSpTwU="
        );
    }

    #[test]
    fn c6_c7_raw_key_hmac_sha1() {
        assert_eq!(
            hmac_sha1_base64(b"secret", b"source"),
            "Jv4yi8SobFhg5t1C7nWLbhBSFZQ="
        );
        assert_eq!(
            hmac_sha1_base64(b"secret", "中文unicode".as_bytes()),
            "szlfHs3WVaO/HgY3Cg7/uyXDaRw="
        );
        assert_eq!(
            hmac_sha1_base64(b"sk#$!~~~", b"abc~!@#"),
            "7eV3A584uvdgKVk8Ck8r9ukg1gE="
        );
    }

    #[test]
    fn d1_v3_doc_run_instances() {
        let query = pairs(&[
            ("RegionId", "cn-shanghai"),
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
        ]);
        let empty = sha256_hex(b"");
        assert_eq!(
            empty,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let headers = pairs(&[
            ("x-acs-version", "2014-05-26"),
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", &empty),
        ]);
        let canonical = v3_canonical_request("POST", &query, &headers, &empty);
        let sts = v3_string_to_sign(&canonical);
        assert_eq!(
            sts,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        let signature = v3_signature(&sts, "YourAccessKeySecret");
        let header = "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0";
        assert_eq!(
            parse_authorization(header),
            Some(Authorization {
                algorithm: ALGORITHM_V3.to_owned(),
                access_key_id: "YourAccessKeyId".to_owned(),
                signed_headers: canonical.signed_headers.clone(),
                signature: signature.clone(),
            })
        );
        assert_eq!(
            parse_authorization("ACS3-HMAC-SHA256 Credential=a,Signature=b"),
            None
        );
        assert_eq!(
            v3_authorization(
                ALGORITHM_V3,
                "YourAccessKeyId",
                &canonical.signed_headers,
                &signature
            ),
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn d3_go_get_authorization_empty_value_and_repeated_header() {
        let payload_hash = "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23";
        let canonical = v3_canonical_request(
            "",
            &pairs(&[("test", "ok"), ("empty", "")]),
            &pairs(&[("x-acs-test", "http"), ("x-acs-TEST", "https")]),
            payload_hash,
        );
        assert_eq!(
            canonical.text,
            format!("\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n{payload_hash}")
        );
        assert_eq!(
            v3_signature(&v3_string_to_sign(&canonical), "secret"),
            "4ab59fffe3c5738ff8a2729f90cc04fe18b02a4b15b2102cbaf92f9ff3df2ea3"
        );
    }

    #[test]
    fn timestamps_are_utc_to_the_second() {
        let t = time::macros::datetime!(2016-02-23 20:46:24.5 +08:00);
        assert_eq!(timestamp(t), "2016-02-23T12:46:24Z");
        assert_eq!(nonce().len(), 32);
        assert_ne!(nonce(), nonce());
    }

    #[test]
    fn v1_builder_signs_what_it_places() {
        let api = pairs(&[("B", "x y")]);
        for placement in [Placement::Query, Placement::Body, Placement::Both] {
            let raw = V1::new(api.clone(), placement).build();
            let body = String::from_utf8(raw.body.clone()).expect("ASCII");
            let mut all = crate::form::decode_form(&raw.query);
            all.extend(crate::form::decode_form(&body));
            let signature = crate::form::param(&all, "Signature")
                .expect("one Signature")
                .to_owned();
            all.retain(|(k, _)| k != "Signature");
            assert_eq!(all.len(), 9, "{placement:?}: 8 common parameters and B");
            let sts = v1_string_to_sign("POST", &all);
            assert_eq!(sts, raw.string_to_sign);
            assert_eq!(signature, v1_signature(&sts, ACCESS_KEY_SECRET));
        }
    }
}
