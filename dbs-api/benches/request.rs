//! Build + validate + serialize + sign the reference `CreateRestoreTask` example (V1 and V3),
//! beside a bare HMAC over the same StringToSign: the floor no signer can go below.
//!
//! Run: `cargo bench -p dbs-api --bench request`. Figures are recorded in BENCHMARKS.md.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dbs_api::signing::{self, SignatureVersion, SigningInput};
use dbs_api::{
    CreateRestoreTaskInput, DestinationEndpointInstanceType, RestoreObject, Sensitive,
    ValidationContext,
};
use time::macros::datetime;

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

fn prepare_and_sign(
    version: SignatureVersion,
    secret: &Sensitive<String>,
) -> signing::SignedRequest {
    let input = reference_input();
    input
        .validate(&ValidationContext::default())
        .expect("the reference example is valid");
    let params: Vec<(String, String)> = input
        .to_wire_params()
        .into_iter()
        .map(|p| (p.name.to_owned(), p.value))
        .collect();
    signing::sign(&SigningInput {
        version,
        action: "CreateRestoreTask",
        api_version: dbs_api::API_VERSION,
        host: "dbs-api.cn-hangzhou.aliyuncs.com",
        body_params: &params,
        access_key_id: "testid",
        access_key_secret: secret,
        security_token: None,
        timestamp: datetime!(2026-11-29 13:09:06 UTC),
        nonce: "629be45f101c36e7fb7e405b7556b95b",
    })
}

fn bench(c: &mut Criterion) {
    let secret = Sensitive::new("testsecret".to_owned());
    let mut group = c.benchmark_group("CreateRestoreTask");
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let signed = prepare_and_sign(version, &secret);
        let sts = signed.string_to_sign.clone();
        group.bench_function(format!("build+validate+serialize+sign/{version}"), |b| {
            b.iter(|| prepare_and_sign(black_box(version), &secret))
        });
        group.bench_function(format!("bare-hmac/{version}"), |b| match version {
            SignatureVersion::V1 => b.iter(|| {
                signing::hmac_sha1_base64(b"testsecret&", black_box(sts.as_str().as_bytes()))
            }),
            _ => b.iter(|| signing::v3_signature(black_box(&sts), "testsecret")),
        });
    }
    // The part the generated parameter table drives, alone: check every rule, then serialize.
    let input = reference_input();
    let context = ValidationContext::default();
    group.bench_function("validate+serialize", |b| {
        b.iter(|| {
            black_box(&input)
                .validate(&context)
                .expect("the reference example is valid");
            black_box(input.to_wire_params())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
