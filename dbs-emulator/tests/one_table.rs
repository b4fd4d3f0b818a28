//! The spec's error table is the one source of codes: the emulator's replies and the client's
//! retry classifier name no code the spec has as a string literal (unit tests excepted, whose
//! expected values come from the reference), and every code the emulator answers is in the
//! table with the table's HTTP status.

// Tests fail by panicking: `expect` on the fixed source and spec files is the clearest way.
#![allow(clippy::expect_used)]

mod common;

use std::path::Path;

use common::{Placement, V1, rds_params};
use dbs_api::CommonErrorCode;
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every code of the spec: the service's and each operation's.
fn spec_codes() -> Vec<String> {
    let dir = Path::new(ROOT).join("spec/dbs-2019-03-06");
    let mut codes = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the spec directory") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let json: Value = serde_json::from_str(&read(&path)).expect("spec files are JSON");
        for e in json["errors"].as_array().into_iter().flatten() {
            codes.push(e["code"].as_str().expect("a code").to_owned());
        }
    }
    assert!(codes.len() > 20, "the spec's codes were read: {codes:?}");
    codes
}

/// The source of the files that answer or classify errors, without their unit tests.
fn sources() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(Path::new(ROOT).join("dbs-emulator/src"))
        .expect("the emulator's sources")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.push(Path::new(ROOT).join("dbs-api/src/client/retry.rs"));
    files.push(Path::new(ROOT).join("dbs-api/src/client/classify.rs"));
    assert!(files.len() > 5, "{files:?}");
    files
        .into_iter()
        .map(|path| {
            let text = read(&path);
            let code = match text.find("#[cfg(test)]") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            (path.display().to_string(), code)
        })
        .collect()
}

#[test]
fn no_code_of_the_spec_is_a_string_literal_outside_the_table() {
    let codes = spec_codes();
    let mut found = Vec::new();
    for (file, code) in sources() {
        for c in &codes {
            if code.contains(&format!("\"{c}\"")) {
                found.push(format!("{file}: \"{c}\""));
            }
        }
    }
    assert!(
        found.is_empty(),
        "literals of spec codes:\n{}",
        found.join("\n")
    );
}

#[tokio::test]
async fn gateway_answers_take_status_and_message_from_the_table() {
    let emulator = common::start().await;
    let url = emulator.url();
    let check = |status: u16, code: Option<&str>, message: &str, expected: CommonErrorCode| {
        assert_eq!(status, expected.http_status(), "{expected}");
        assert_eq!(code, Some(expected.code()));
        assert!(
            message.starts_with(expected.message()),
            "{expected}: {message}"
        );
    };

    let (status, body) = common::raw_http(&url, "POST /CreateRestoreTask HTTP/1.1", b"").await;
    let message = body["Message"].as_str().unwrap_or_default();
    check(
        status,
        body["Code"].as_str(),
        message,
        CommonErrorCode::InvalidApiNotFound,
    );

    let v1 = |name: &str, value: &str| V1::new(rds_params(), Placement::Query).set(name, value);
    let cases = [
        (
            v1("Action", "NoSuchAction"),
            CommonErrorCode::InvalidActionNotFound,
        ),
        (v1("Version", "2017-01-01"), CommonErrorCode::InvalidVersion),
        (
            v1("AccessKeyId", "nobody"),
            CommonErrorCode::InvalidAccessKeyIdNotFound,
        ),
        (
            v1("Timestamp", "2001-01-01T00:00:00Z"),
            CommonErrorCode::InvalidTimeStampExpired,
        ),
        (
            v1("Timestamp", "yesterday"),
            CommonErrorCode::InvalidTimeStampFormat,
        ),
        (
            V1::new(rds_params(), Placement::Query).remove("SignatureNonce"),
            CommonErrorCode::MissingParameter,
        ),
    ];
    for (request, expected) in cases {
        let answer = common::send(&url, &request.build()).await;
        check(
            answer.status,
            Some(answer.code()),
            answer.message(),
            expected,
        );
    }
}
