//! What a call does before the network, for the reference `CreateRestoreTask` example (V1 and
//! V3), beside the cryptographic floor no signer can go below, and the stages in between.
//!
//! Benchmark ids (read by `scripts/bench.sh` from `target/criterion/<group>/<id>/`; keep them):
//!
//! | id | what |
//! | --- | --- |
//! | `prepare/full_v1`, `prepare/full_v3` | build + validate + serialize + sign, with a fresh timestamp and nonce, and the URL |
//! | `prepare/floor_v1` | HMAC-SHA1 over a StringToSign of the same length, + Base64 |
//! | `prepare/floor_v3` | SHA-256 of the same body + HMAC-SHA256 over a StringToSign of the same length, + hex |
//! | `stage/build` | the builder calls alone |
//! | `stage/validate` | every rule of the spec, on a built input |
//! | `stage/serialize` | the wire parameters (JSON of `RestoreObjects` once) |
//! | `stage/sign_v1`, `stage/sign_v3` | `signing::sign` alone, as a call signs (body, canonical text, hashes, HMAC, headers) |
//! | `stage/canonicalize_v1` | body + V1 StringToSign from all parameters (the writer `sign` uses), without the HMAC |
//! | `stage/canonicalize_v3` | body + V3 CanonicalRequest text as a server builds it (`sign` hashes the same text as it writes it) |
//! | `stage/redactor` | the secret redactor of the call, which a call builds only when an error needs it |
//!
//! Run: `cargo bench -p dbs-bench --bench request` (`-- --quick` for a quick look).

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dbs_api::signing::{self, SignatureVersion, SigningInput};
use dbs_api::{
    CreateRestoreTaskInput, DestinationEndpointInstanceType, Redactor, RestoreObject, Sensitive,
    ValidationContext, WireParam,
};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

const HOST: &str = "dbs-api.cn-hangzhou.aliyuncs.com";
const BASE: &str = "https://dbs-api.cn-hangzhou.aliyuncs.com";

/// The reference page's example values.
fn reference_input() -> CreateRestoreTaskInput {
    CreateRestoreTaskInput::builder()
        .backup_plan_id("dbs1hvb0ww****")
        .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds)
        .destination_endpoint_region("cn-hangzhou")
        .destination_endpoint_instance_id("rm-bp1p8c29*****")
        .destination_endpoint_port(3306)
        .destination_endpoint_database_name("test")
        .destination_endpoint_user_name("test")
        .destination_endpoint_password("Test")
        .restore_objects([RestoreObject::new("test").new_db_name("test_new")])
        .restore_time(1_554_560_477_000_i64)
        .restore_task_name("test")
        .duplicate_conflict("renamenew")
        .client_token("ETnLKlblzczshOTUbOC********")
        .build()
}

fn signing_input<'a>(
    version: SignatureVersion,
    params: &'a [WireParam],
    secret: &'a Sensitive<String>,
    timestamp: OffsetDateTime,
    nonce: &'a str,
) -> SigningInput<'a, WireParam> {
    SigningInput {
        version,
        action: "CreateRestoreTask",
        api_version: dbs_api::API_VERSION,
        host: HOST,
        body_params: params,
        access_key_id: "testid",
        access_key_secret: secret,
        security_token: None,
        timestamp,
        nonce,
    }
}

/// What a call does before the network: build, validate, serialize, sign with a fresh
/// timestamp and nonce, and the URL.
fn full(version: SignatureVersion, secret: &Sensitive<String>) -> (signing::SignedRequest, String) {
    let input = reference_input();
    input
        .validate(&ValidationContext::default())
        .expect("the reference example is valid");
    let params = input.to_wire_params();
    let nonce = signing::new_nonce();
    let signed = signing::sign(&signing_input(
        version,
        &params,
        secret,
        OffsetDateTime::now_utc(),
        &nonce,
    ));
    let url = signed.url(BASE);
    (signed, url)
}

fn hmac_sha1_base64(key: &[u8], data: &[u8]) -> String {
    use base64::Engine as _;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("any key length");
    mac.update(data);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

fn bench(c: &mut Criterion) {
    let secret = Sensitive::new("testsecret".to_owned());
    let context = ValidationContext::default();
    let input = reference_input();
    let wire = input.to_wire_params();
    let params: Vec<(String, String)> = wire
        .iter()
        .map(|p| (p.name.to_owned(), p.value.clone()))
        .collect();
    let timestamp = time::macros::datetime!(2026-11-29 13:09:06 UTC);
    let nonce = "629be45f101c36e7fb7e405b7556b95b";
    let fixed = |version| signing::sign(&signing_input(version, &wire, &secret, timestamp, nonce));
    let (v1, v3) = (fixed(SignatureVersion::V1), fixed(SignatureVersion::V3));
    // Inputs of the floor: same lengths as what the full path hashes.
    let (sts_v1, sts_v3, body) = (
        v1.string_to_sign.as_str().as_bytes().to_vec(),
        v3.string_to_sign.as_str().as_bytes().to_vec(),
        v3.body.as_bytes().to_vec(),
    );

    let mut group = c.benchmark_group("prepare");
    group.bench_function("full_v1", |b| {
        b.iter(|| full(black_box(SignatureVersion::V1), &secret))
    });
    group.bench_function("full_v3", |b| {
        b.iter(|| full(black_box(SignatureVersion::V3), &secret))
    });
    group.bench_function("floor_v1", |b| {
        b.iter(|| hmac_sha1_base64(b"testsecret&", black_box(&sts_v1)))
    });
    group.bench_function("floor_v3", |b| {
        b.iter(|| {
            let body_hash = Sha256::digest(black_box(&body));
            (
                hex::encode(body_hash),
                hmac_sha256_hex(b"testsecret", black_box(&sts_v3)),
            )
        })
    });
    group.finish();

    let mut group = c.benchmark_group("stage");
    group.bench_function("build", |b| b.iter(reference_input));
    group.bench_function("validate", |b| {
        b.iter(|| {
            black_box(&input)
                .validate(&context)
                .expect("the reference example is valid")
        })
    });
    group.bench_function("serialize", |b| {
        b.iter(|| black_box(&input).to_wire_params())
    });
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        group.bench_function(format!("sign_{version}"), |b| {
            b.iter(|| fixed(black_box(version)))
        });
    }
    let mut all: Vec<(String, String)> = v1.query[..v1.query.len() - 1]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    all.extend_from_slice(&params);
    group.bench_function("canonicalize_v1", |b| {
        b.iter(|| {
            let body = dbs_api::encoding::form_urlencode(black_box(&params));
            (body, signing::v1_string_to_sign("POST", black_box(&all)))
        })
    });
    // The signed headers as a server receives them (owned names), without `authorization`.
    let signed: Vec<(String, String)> = v3.headers[..v3.headers.len() - 1]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    group.bench_function("canonicalize_v3", |b| {
        b.iter(|| {
            let body = dbs_api::encoding::form_urlencode(black_box(&params));
            let hash = &signed[3].1;
            (
                body,
                signing::v3_canonical_request("POST", &[], &signed, hash).to_string(),
            )
        })
    });
    group.bench_function("redactor", |b| {
        b.iter(|| Redactor::new(black_box(["Test", "testsecret"])))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
