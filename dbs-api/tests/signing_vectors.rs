//! Official and documented signing vectors, checked stage by stage, plus properties of `sign()`.
//!
//! Where each vector comes from: `signing-vectors.md` next to this file. Expected values are
//! copied from `api-docs/signing.md` and `api-docs/dbs-2019-03-06.md` §2, never computed here.

use dbs_api::Sensitive;
use dbs_api::encoding::{form_urlencode, percent_encode};
use dbs_api::signing::{
    ALGORITHM_V3, CanonicalRequest, CanonicalizedQueryString, SignatureVersion, SignedRequest,
    SigningInput, StringToSign, format_timestamp, hmac_sha1_base64, parse_authorization,
    sha256_hex, sign, signatures_match, v1_signature, v1_string_to_sign, v3_canonical_request,
    v3_signature,
};
use dbs_tests::pairs;

// ---------------------------------------------------------------------------------------------
// A. Percent-encoding
// ---------------------------------------------------------------------------------------------

#[test]
fn a1_java_acs_url_encoder_percent_encode() {
    assert_eq!(
        percent_encode(r"123abc!@#$%^&*()-=_+ ~|\/"),
        r"123abc%21%40%23%24%25%5E%26%2A%28%29-%3D_%2B%20~%7C%5C%2F",
        "percent_encode"
    );
}

#[test]
fn a2_python_canonical_query_string() {
    let cqs = CanonicalizedQueryString::new(&[("test", " ~/*-+")]);
    assert_eq!(
        cqs.to_string(),
        "test=%20~%2F%2A-%2B",
        "CanonicalizedQueryString"
    );
}

#[test]
fn a3_go_encode_param_and_path() {
    assert_eq!(
        percent_encode("a/b/c/ test"),
        "a%2Fb%2Fc%2F%20test",
        "GetEncodeParam"
    );
    // GetEncodePath encodes each segment and keeps "/". We never sign a path other than "/",
    // so there is no path encoder; the segment-wise use of percent_encode is what it tests.
    let path: Vec<String> = "/path/ test".split('/').map(percent_encode).collect();
    assert_eq!(path.join("/"), "/path/%20test", "GetEncodePath");
}

#[test]
fn a4_node_encode() {
    for (input, expected) in [
        ("str", "str"),
        ("str'str", "str%27str"),
        ("str(str", "str%28str"),
        ("str)str", "str%29str"),
        ("str*str", "str%2Astr"),
    ] {
        assert_eq!(percent_encode(input), expected, "encode({input:?})");
    }
}

#[test]
fn a5_rpc_doc_encoding_table() {
    assert_eq!(
        percent_encode("2016-02-23T12:46:24Z"),
        "2016-02-23T12%3A46%3A24Z",
        "Timestamp"
    );
    assert_eq!(percent_encode("\""), "%22", "double quote");
    assert_eq!(percent_encode(" "), "%20", "space is %20, never +");
    // The same Timestamp, produced by our formatter from a non-UTC time.
    let t = time::macros::datetime!(2016-02-23 20:46:24 +08:00);
    assert_eq!(
        format_timestamp(t),
        "2016-02-23T12:46:24Z",
        "format_timestamp"
    );
}

#[test]
fn a6_utf8_cjk() {
    assert_eq!(
        percent_encode("BiliBili2020拜年祭"),
        "BiliBili2020%E6%8B%9C%E5%B9%B4%E7%A5%AD",
        "percent_encode"
    );
}

#[test]
fn a7_derived_edge_cases() {
    for (input, expected) in [
        ("db😀", "db%F0%9F%98%80"),
        ("a+b/c=", "a%2Bb%2Fc%3D"),
        ("1527670146%N", "1527670146%25N"),
        (
            "http://domain/?q=value&q2=value2",
            "http%3A%2F%2Fdomain%2F%3Fq%3Dvalue%26q2%3Dvalue2",
        ),
    ] {
        assert_eq!(percent_encode(input), expected, "percent_encode({input:?})");
    }
}

// ---------------------------------------------------------------------------------------------
// B. CanonicalizedQueryString and V1 StringToSign
// ---------------------------------------------------------------------------------------------

/// The ECS DescribeRegions example of B1/C1, deliberately not in sorted order.
fn describe_regions_params() -> Vec<(String, String)> {
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

const B1_CANONICAL: &str = "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26";
const B1_STRING_TO_SIGN: &str = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26";

#[test]
fn b1_rpc_doc_describe_regions_string_to_sign() {
    let cqs = CanonicalizedQueryString::new(&describe_regions_params());
    assert_eq!(cqs.to_string(), B1_CANONICAL, "CanonicalizedQueryString");
    let sts = StringToSign::v1("GET", &cqs);
    assert_eq!(sts.to_string(), B1_STRING_TO_SIGN, "StringToSign");
    assert_eq!(
        v1_string_to_sign("GET", &describe_regions_params()),
        sts,
        "v1_string_to_sign"
    );
}

#[test]
fn b2_go_build_rpc_string_to_sign() {
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[], "GET&%2F&"),
        (&[("key", "value")], "GET&%2F&key%3Dvalue"),
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
        assert_eq!(
            v1_string_to_sign("GET", &pairs(params)).to_string(),
            expected,
            "StringToSign of {params:?}"
        );
    }
}

#[test]
fn b3_java_rpc_signature_composer() {
    let params = pairs(&[("queryKey2", "queryValue2"), ("queryKey1", "queryValue1")]);
    assert_eq!(
        v1_string_to_sign("GET", &params).to_string(),
        "GET&%2F&queryKey1%3DqueryValue1%26queryKey2%3DqueryValue2",
        "StringToSign"
    );
}

/// B4 is about flattening nested values into `a.1`, `a.b` names, which happens before signing
/// (and DBS 2019-03-06 has no list or map parameters). What applies here: the flattened pairs
/// of `ToForm`, in any order, canonicalize to the official sorted output.
#[test]
fn b4_flattened_names_sort_like_to_form() {
    let flattened = [
        ("tag.key", "value"),
        ("strs.2", "str2"),
        ("client", "test"),
        ("strs.1", "str1"),
    ];
    assert_eq!(
        CanonicalizedQueryString::new(&flattened).to_string(),
        "client=test&strs.1=str1&strs.2=str2&tag.key=value",
        "CanonicalizedQueryString"
    );
}

// ---------------------------------------------------------------------------------------------
// C. V1 HMAC-SHA1 signatures
// ---------------------------------------------------------------------------------------------

#[test]
fn c1_rpc_doc_describe_regions_signature() {
    let sts = v1_string_to_sign("GET", &describe_regions_params());
    assert_eq!(sts.to_string(), B1_STRING_TO_SIGN, "StringToSign");
    let signature = v1_signature(&sts, "testsecret");
    assert_eq!(signature, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=", "Signature");
    assert_eq!(
        percent_encode(&signature),
        "OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D",
        "Signature on the wire"
    );
}

#[test]
fn c1_companion_post_method() {
    let sts = v1_string_to_sign("POST", &describe_regions_params());
    assert!(sts.as_str().starts_with("POST&%2F&"), "StringToSign method");
    assert_eq!(
        v1_signature(&sts, "testsecret"),
        "MxbnVAM4w6sft9xjVpe/GCKueuk=",
        "Signature (POST)"
    );
}

#[test]
fn c1_negative_key_without_ampersand() {
    let sts = v1_string_to_sign("GET", &describe_regions_params());
    let wrong = hmac_sha1_base64(b"testsecret", sts.as_str().as_bytes());
    assert_eq!(
        wrong, "R8VkbeU3DqhHmAVCdxW/CjqsRK0=",
        "HMAC with key lacking `&`"
    );
    assert_ne!(
        v1_signature(&sts, "testsecret"),
        wrong,
        "v1_signature must append `&` to the secret"
    );
}

/// C2 is a documentation trap (`TimeStamp` with a capital S), kept to pin the algorithm and the
/// fact that the spelling matters.
#[test]
fn c2_legacy_timestamp_spelling() {
    let mut params = describe_regions_params();
    for (k, _) in &mut params {
        if k == "Timestamp" {
            *k = "TimeStamp".to_owned();
        }
    }
    let sts = v1_string_to_sign("GET", &params);
    assert_eq!(
        sts.to_string(),
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
        "StringToSign"
    );
    assert_eq!(
        v1_signature(&sts, "testsecret"),
        "CT9X0VtwR86fNWSnsc6v8YGOjuE=",
        "Signature"
    );
}

/// dbs-2019-03-06.md §2.2.2, the other trap of vector B: the docs print its StringToSign with
/// literal `&` between pairs. Only `%26` reproduces the published signature; the printed text
/// signs to the value the same section gives for it. (With the spelling fixed to `Timestamp`,
/// vector B is exactly the C1 parameter set, so its signature is C1's `OLeaid…`; see
/// `signing-vectors.md` for the section's wrong claim about that case.)
#[test]
fn c2_legacy_string_to_sign_as_printed() {
    let mut params = describe_regions_params();
    for (k, _) in &mut params {
        if k == "Timestamp" {
            *k = "TimeStamp".to_owned();
        }
    }
    let ours = v1_string_to_sign("GET", &params);
    let as_printed = ours.as_str().replace("%26", "&");
    assert!(
        as_printed.starts_with("GET&%2F&AccessKeyId%3Dtestid&Action%3DDescribeRegions&"),
        "StringToSign as printed in the doc"
    );
    assert_eq!(
        hmac_sha1_base64(b"testsecret&", as_printed.as_bytes()),
        "LZ5DVzNj95387UDL70u7+18AwWY=",
        "Signature of the misprinted StringToSign"
    );
    assert_ne!(
        v1_signature(&ours, "testsecret"),
        "LZ5DVzNj95387UDL70u7+18AwWY=",
        "our StringToSign uses %26 separators"
    );
}

#[test]
fn c3_go_get_rpc_signature_empty_method() {
    let sts = v1_string_to_sign("", &pairs(&[("test", "ok")]));
    assert_eq!(sts.to_string(), "&%2F&test%3Dok", "StringToSign");
    assert_eq!(
        v1_signature(&sts, "accessKeySecret"),
        "jHx/oHoHNrbVfhncHEvPdHXZwHU=",
        "Signature"
    );
}

#[test]
fn c4_python_get_rpcsignature() {
    let sts = v1_string_to_sign("GET", &pairs(&[("query", "test"), ("body", "test")]));
    assert_eq!(
        sts.to_string(),
        "GET&%2F&body%3Dtest%26query%3Dtest",
        "StringToSign"
    );
    assert_eq!(
        v1_signature(&sts, "secret"),
        "XlUyV4sXjOuX5FnjUz9IF9tm5rU=",
        "Signature"
    );
}

fn c5_params() -> Vec<(String, String)> {
    pairs(&[
        ("AccessKeyId", "accessKeyId"),
        ("Action", ""),
        ("Format", "JSON"),
        ("RegionId", "regionId"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "MOCK_UUID"),
        ("SignatureType", ""),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "mock date"),
        ("Version", ""),
    ])
}

#[test]
fn c5_go_rpc_signature_composer_empty_values_and_space() {
    let cqs = CanonicalizedQueryString::new(&c5_params());
    assert!(
        cqs.as_str().contains("&Action=&") && cqs.as_str().contains("Timestamp=mock%20date"),
        "CanonicalizedQueryString keeps empty values and encodes the space as %20: {cqs}"
    );
    let sts = StringToSign::v1("GET", &cqs);
    assert_eq!(
        v1_signature(&sts, "accessKeySecret"),
        "7loPmFjvDnzOVnQeQNj85S6nFGY=",
        "Signature"
    );
}

#[test]
fn c5_go_rpc_signature_composer_sts() {
    let mut params = c5_params();
    params.push(("SecurityToken".to_owned(), "accessKeyStsToken".to_owned()));
    assert_eq!(
        v1_signature(&v1_string_to_sign("GET", &params), "accessKeySecret"),
        "5Nxdcler+ihqWqv0Hr2On4PsBf4=",
        "Signature with SecurityToken"
    );
}

#[test]
fn c6_python_sha_hmac1_raw_key() {
    assert_eq!(
        hmac_sha1_base64(b"secret", b"source"),
        "Jv4yi8SobFhg5t1C7nWLbhBSFZQ=",
        "HMAC-SHA1 ascii"
    );
    assert_eq!(
        hmac_sha1_base64(b"secret", "中文unicode".as_bytes()),
        "szlfHs3WVaO/HgY3Cg7/uyXDaRw=",
        "HMAC-SHA1 UTF-8"
    );
}

#[test]
fn c7_java_hmac_sha1_signer_raw_key() {
    // signString(stringToSign = "abc~!@#", accessKeySecret = "sk#$!~~~")
    assert_eq!(
        hmac_sha1_base64(b"sk#$!~~~", b"abc~!@#"),
        "7eV3A584uvdgKVk8Ck8r9ukg1gE=",
        "HMAC-SHA1"
    );
}

#[test]
fn c8_roa_style_hmac() {
    assert_eq!(
        hmac_sha1_base64(b"secret", b"GET\n\n\n\n\n"),
        "XGXDWA78AEvx/wmfxKoVCq/afWw=",
        "HMAC-SHA1"
    );
}

// ---------------------------------------------------------------------------------------------
// DescribeDedicatedHosts (dbs-2019-03-06.md §2.2.1, current RPC signature doc)
// ---------------------------------------------------------------------------------------------

fn describe_dedicated_hosts_params() -> Vec<(String, String)> {
    pairs(&[
        ("Action", "DescribeDedicatedHosts"),
        ("Version", "2014-05-26"),
        ("Format", "JSON"),
        ("AccessKeyId", "testid"),
        ("SignatureNonce", "edb2b34af0af9a6d14deaf7c1a5315eb"),
        ("Timestamp", "2023-03-13T08:34:30Z"),
        ("RegionId", "cn-beijing"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
    ])
}

#[test]
fn describe_dedicated_hosts_rpc_doc_vector() {
    let cqs = CanonicalizedQueryString::new(&describe_dedicated_hosts_params());
    assert_eq!(
        cqs.to_string(),
        "AccessKeyId=testid&Action=DescribeDedicatedHosts&Format=JSON&RegionId=cn-beijing&SignatureMethod=HMAC-SHA1&SignatureNonce=edb2b34af0af9a6d14deaf7c1a5315eb&SignatureVersion=1.0&Timestamp=2023-03-13T08%3A34%3A30Z&Version=2014-05-26",
        "CanonicalizedQueryString"
    );
    let sts = StringToSign::v1("GET", &cqs);
    assert_eq!(
        sts.to_string(),
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeDedicatedHosts%26Format%3DJSON%26RegionId%3Dcn-beijing%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dedb2b34af0af9a6d14deaf7c1a5315eb%26SignatureVersion%3D1.0%26Timestamp%3D2023-03-13T08%253A34%253A30Z%26Version%3D2014-05-26",
        "StringToSign"
    );
    let signature = v1_signature(&sts, "testsecret");
    assert_eq!(signature, "9NaGiOspFP5UPcwX8Iwt2YJXXuk=", "Signature");
    assert_eq!(
        percent_encode(&signature),
        "9NaGiOspFP5UPcwX8Iwt2YJXXuk%3D",
        "Signature in the URL"
    );
}

#[test]
fn describe_dedicated_hosts_post_negative() {
    let sts = v1_string_to_sign("POST", &describe_dedicated_hosts_params());
    let signature = v1_signature(&sts, "testsecret");
    assert_eq!(
        signature, "ZvQ9xGiFnquSJRvj+WE6kdSpTwU=",
        "Signature (POST)"
    );
    assert_ne!(
        signature, "9NaGiOspFP5UPcwX8Iwt2YJXXuk=",
        "the method is part of the StringToSign"
    );
}

// ---------------------------------------------------------------------------------------------
// D. V3 ACS3-HMAC-SHA256
// ---------------------------------------------------------------------------------------------

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[test]
fn d1_v3_doc_run_instances() {
    let query = pairs(&[
        ("RegionId", "cn-shanghai"),
        (
            "ImageId",
            "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
        ),
    ]);
    let headers = pairs(&[
        ("x-acs-version", "2014-05-26"),
        ("host", "ecs.cn-shanghai.aliyuncs.com"),
        ("x-acs-action", "RunInstances"),
        ("x-acs-date", "2023-10-26T10:22:32Z"),
        ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
        ("x-acs-content-sha256", EMPTY_SHA256),
    ]);
    let cr = v3_canonical_request("POST", &query, &headers, &sha256_hex(b""));
    assert_eq!(
        cr.to_string(),
        "POST\n\
         /\n\
         ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
         host:ecs.cn-shanghai.aliyuncs.com\n\
         x-acs-action:RunInstances\n\
         x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
         x-acs-date:2023-10-26T10:22:32Z\n\
         x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
         x-acs-version:2014-05-26\n\
         \n\
         host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "CanonicalRequest"
    );
    let sts = StringToSign::v3(&cr);
    assert_eq!(
        sts.to_string(),
        "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259",
        "StringToSign (HashedCanonicalRequest)"
    );
    let signature = v3_signature(&sts, "YourAccessKeySecret");
    assert_eq!(
        signature, "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
        "Signature"
    );
    let expected_authorization = "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0";
    let auth = parse_authorization(expected_authorization).expect("the doc's header parses");
    assert_eq!(auth.algorithm, ALGORITHM_V3, "Authorization algorithm");
    assert_eq!(
        auth.access_key_id, "YourAccessKeyId",
        "Authorization Credential"
    );
    assert_eq!(
        auth.signed_headers,
        cr.signed_header_names(),
        "Authorization SignedHeaders"
    );
    assert!(
        signatures_match(&auth.signature, &signature),
        "Authorization Signature"
    );
    assert_eq!(auth.to_string(), expected_authorization, "Authorization");
}

#[test]
fn d2_hash_helpers() {
    assert_eq!(sha256_hex(b""), EMPTY_SHA256, "SHA256(\"\")");
    assert_eq!(
        sha256_hex(b"test"),
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "SHA256(\"test\")"
    );
}

#[test]
fn d3_go_get_authorization_empty_value_and_repeated_header() {
    let payload_hash = "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23";
    let cr = CanonicalRequest::new(
        "",
        &[("test", "ok"), ("empty", "")],
        &[("x-acs-test", "http"), ("x-acs-TEST", "https")],
        payload_hash,
    );
    assert_eq!(
        cr.to_string(),
        format!("\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n{payload_hash}"),
        "CanonicalRequest"
    );
    let sts = StringToSign::v3(&cr);
    let signature = v3_signature(&sts, "secret");
    assert_eq!(
        signature, "4ab59fffe3c5738ff8a2729f90cc04fe18b02a4b15b2102cbaf92f9ff3df2ea3",
        "Signature"
    );
    let authorization = dbs_api::signing::Authorization {
        algorithm: ALGORITHM_V3.to_owned(),
        access_key_id: "acesskey".to_owned(),
        signed_headers: cr.signed_header_names(),
        signature,
    };
    assert_eq!(
        authorization.to_string(),
        "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=4ab59fffe3c5738ff8a2729f90cc04fe18b02a4b15b2102cbaf92f9ff3df2ea3",
        "Authorization"
    );
}

// ---------------------------------------------------------------------------------------------
// sign(): the entry point of the request pipeline
// ---------------------------------------------------------------------------------------------

const SECRET: &str = "s3cr3t-SK-value";
const TOKEN: &str = "sts/T0ken+value=";
const PASSWORD: &str = "Test~pw 1";

fn body_params() -> Vec<(String, String)> {
    pairs(&[
        ("BackupPlanId", "dbs1hvb0ww****"),
        ("DestinationEndpointPassword", PASSWORD),
        (
            "RestoreObjects",
            r#"[{"DBName":"test","NewDBName":"test_new"}]"#,
        ),
        ("RestoreTime", "1554560477000"),
        ("EnableDestinationEndpointSsl", "true"),
    ])
}

fn input<'a>(
    version: SignatureVersion,
    params: &'a [(String, String)],
    secret: &'a Sensitive<String>,
    token: Option<&'a Sensitive<String>>,
) -> SigningInput<'a> {
    SigningInput {
        version,
        action: "CreateRestoreTask",
        api_version: "2019-03-06",
        host: "127.0.0.1:8080",
        body_params: params,
        access_key_id: "testid",
        access_key_secret: secret,
        security_token: token,
        // +08:00 on purpose: the wire value must be UTC.
        timestamp: time::macros::datetime!(2026-11-29 21:09:06 +08:00),
        nonce: "629be45f101c36e7fb7e405b7556b95b",
    }
}

fn query_value<'a>(req: &'a SignedRequest, name: &str) -> Option<&'a str> {
    req.query
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

fn header<'a>(req: &'a SignedRequest, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

/// Recomputes a V1 signature the way a server does: query without `Signature`, plus the body.
fn recompute_v1(req: &SignedRequest, body: &[(String, String)], secret: &str) -> String {
    let params = v1_signed_params(req, body);
    v1_signature(&v1_string_to_sign("POST", &params), secret)
}

fn v1_signed_params(req: &SignedRequest, body: &[(String, String)]) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = req
        .query
        .iter()
        .filter(|(k, _)| *k != "Signature")
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    params.extend_from_slice(body);
    params
}

/// Recomputes a V3 signature the way a server does, from the Authorization header.
fn recompute_v3(req: &SignedRequest, secret: &str) -> (dbs_api::signing::Authorization, String) {
    let auth = parse_authorization(header(req, "authorization").expect("authorization header"))
        .expect("authorization parses");
    let signed: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(k, _)| auth.signed_headers.iter().any(|s| s == k))
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let query = pairs(&req.query);
    let cr = v3_canonical_request("POST", &query, &signed, &sha256_hex(req.body.as_bytes()));
    let sts = StringToSign::v3(&cr);
    assert_eq!(
        sts, req.string_to_sign,
        "StringToSign kept in SignedRequest"
    );
    (auth, v3_signature(&sts, secret))
}

#[test]
fn sign_v1_puts_common_params_in_query_and_signs_query_plus_body() {
    let (params, secret) = (body_params(), Sensitive::from(SECRET));
    let req = sign(&input(SignatureVersion::V1, &params, &secret, None));

    let names: Vec<&str> = req.query.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        names,
        [
            "Action",
            "Version",
            "Format",
            "AccessKeyId",
            "SignatureMethod",
            "SignatureVersion",
            "SignatureNonce",
            "Timestamp",
            "Signature"
        ],
        "query parameter names"
    );
    for (name, expected) in [
        ("Action", "CreateRestoreTask"),
        ("Version", "2019-03-06"),
        ("Format", "JSON"),
        ("AccessKeyId", "testid"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", "629be45f101c36e7fb7e405b7556b95b"),
        ("Timestamp", "2026-11-29T13:09:06Z"),
    ] {
        assert_eq!(query_value(&req, name), Some(expected), "query {name}");
    }
    assert_eq!(
        req.headers,
        [(
            "content-type",
            "application/x-www-form-urlencoded".to_owned()
        )],
        "headers"
    );
    assert_eq!(req.body, form_urlencode(&params), "body");
    assert_eq!(
        req.string_to_sign,
        v1_string_to_sign("POST", &v1_signed_params(&req, &params)),
        "StringToSign kept in SignedRequest (POST, query + body)"
    );

    let signature = query_value(&req, "Signature").expect("Signature");
    assert_eq!(signature.len(), 28, "Base64 HMAC-SHA1 length");
    assert!(
        signatures_match(signature, &recompute_v1(&req, &params, SECRET)),
        "Signature reproduced from query (without Signature) + body"
    );
    assert_ne!(
        signature,
        recompute_v1(&req, &[], SECRET),
        "body parameters are part of the Signature"
    );
}

#[test]
fn sign_v3_signs_every_header_but_authorization() {
    let (params, secret) = (body_params(), Sensitive::from(SECRET));
    let req = sign(&input(SignatureVersion::V3, &params, &secret, None));

    assert!(req.query.is_empty(), "V3 query is empty");
    assert_eq!(req.body, form_urlencode(&params), "body");
    for (name, expected) in [
        ("content-type", "application/x-www-form-urlencoded"),
        ("host", "127.0.0.1:8080"),
        ("x-acs-action", "CreateRestoreTask"),
        ("x-acs-version", "2019-03-06"),
        ("x-acs-date", "2026-11-29T13:09:06Z"),
        ("x-acs-signature-nonce", "629be45f101c36e7fb7e405b7556b95b"),
        (
            "x-acs-content-sha256",
            sha256_hex(req.body.as_bytes()).as_str(),
        ),
    ] {
        assert_eq!(header(&req, name), Some(expected), "header {name}");
    }
    assert_eq!(
        header(&req, "x-acs-security-token"),
        None,
        "no token header"
    );

    let (auth, expected_signature) = recompute_v3(&req, SECRET);
    assert_eq!(
        auth.algorithm, "ACS3-HMAC-SHA256",
        "Authorization algorithm"
    );
    assert_eq!(auth.access_key_id, "testid", "Authorization Credential");
    let mut unsigned: Vec<&str> = req.headers.iter().map(|(k, _)| *k).collect();
    unsigned.retain(|k| !auth.signed_headers.iter().any(|s| s == k));
    assert_eq!(
        unsigned,
        ["authorization"],
        "only authorization is unsigned"
    );
    let mut sorted = auth.signed_headers.clone();
    sorted.sort();
    assert_eq!(sorted, auth.signed_headers, "SignedHeaders sorted");
    assert!(
        signatures_match(&auth.signature, &expected_signature),
        "Authorization Signature reproduced via v3_canonical_request"
    );
    assert!(
        req.string_to_sign
            .as_str()
            .starts_with("ACS3-HMAC-SHA256\n"),
        "StringToSign"
    );
}

#[test]
fn sign_never_puts_the_body_in_the_url() {
    let (params, secret) = (body_params(), Sensitive::from(SECRET));
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let req = sign(&input(version, &params, &secret, None));
        for (name, value) in &params {
            assert!(
                req.query.iter().all(|(k, v)| k != name && v != value),
                "{version}: body parameter {name} leaked into the query"
            );
            assert!(
                req.body.contains(&format!("{}=", percent_encode(name))),
                "{version}: {name} missing from the body"
            );
        }
    }
}

#[test]
fn sign_v1_with_sts_token_signs_security_token() {
    let (params, secret, token) = (
        body_params(),
        Sensitive::from(SECRET),
        Sensitive::from(TOKEN),
    );
    let without = sign(&input(SignatureVersion::V1, &params, &secret, None));
    let with = sign(&input(SignatureVersion::V1, &params, &secret, Some(&token)));

    assert_eq!(
        query_value(&without, "SecurityToken"),
        None,
        "no token, no param"
    );
    assert_eq!(
        query_value(&with, "SecurityToken"),
        Some(TOKEN),
        "SecurityToken"
    );
    assert_eq!(
        with.query.last().map(|(k, _)| *k),
        Some("Signature"),
        "Signature comes last"
    );
    let signature = query_value(&with, "Signature").expect("Signature");
    assert!(
        signatures_match(signature, &recompute_v1(&with, &params, SECRET)),
        "Signature reproduced including SecurityToken"
    );
    assert_ne!(
        query_value(&without, "Signature"),
        Some(signature),
        "the token changes the Signature"
    );
}

#[test]
fn sign_v3_with_sts_token_signs_the_token_header() {
    let (params, secret, token) = (
        body_params(),
        Sensitive::from(SECRET),
        Sensitive::from(TOKEN),
    );
    let req = sign(&input(SignatureVersion::V3, &params, &secret, Some(&token)));

    assert_eq!(
        header(&req, "x-acs-security-token"),
        Some(TOKEN),
        "token header"
    );
    let (auth, expected_signature) = recompute_v3(&req, SECRET);
    assert!(
        auth.signed_headers
            .iter()
            .any(|h| h == "x-acs-security-token"),
        "x-acs-security-token is signed"
    );
    assert!(
        signatures_match(&auth.signature, &expected_signature),
        "Authorization Signature reproduced including the token"
    );
}

#[test]
fn signed_request_debug_hides_secret_token_signature_and_body() {
    let (params, secret, token) = (
        body_params(),
        Sensitive::from(SECRET),
        Sensitive::from(TOKEN),
    );
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let signing_input = input(version, &params, &secret, Some(&token));
        let req = sign(&signing_input);
        let signature = match version {
            SignatureVersion::V1 => query_value(&req, "Signature").map(str::to_owned),
            _ => header(&req, "authorization")
                .and_then(parse_authorization)
                .map(|a| a.signature),
        }
        .expect("signature");

        for shown in [format!("{req:?}"), format!("{signing_input:?}")] {
            for hidden in [
                SECRET,
                TOKEN,
                &percent_encode(TOKEN),
                &signature,
                &percent_encode(&signature),
                PASSWORD,
                &percent_encode(PASSWORD),
            ] {
                assert!(
                    !shown.contains(hidden),
                    "{version}: Debug shows {hidden:?}: {shown}"
                );
            }
        }
        // Still useful: the non-secret parts are visible.
        let shown = format!("{req:?}");
        assert!(shown.contains("testid"), "{version}: AccessKeyId visible");
        assert!(
            shown.contains("629be45f101c36e7fb7e405b7556b95b"),
            "{version}: nonce visible"
        );
    }
}
