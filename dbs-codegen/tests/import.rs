//! `dbs-codegen import`: the official metadata format plus our overlay gives the spec files.
//!
//! `fixtures/import/ok/` is a small metadata file written for the test (one list operation with a
//! nested list response, an enum and pagination; one plain operation) with an overlay, and the
//! spec files written by hand from them. `fixtures/import/errors/` holds one of each mistake.
//! The last two tests compare the committed spec with Alibaba's official metadata where that file
//! exists (`../shared/api-docs/official-metadata/` beside the workspace, or `DBS_OFFICIAL_METADATA`)
//! and say plainly that they skipped where it does not.

// Tests fail by panicking: `unwrap` on the fixed test inputs is the clearest way to say so.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use dbs_codegen::import::{import, write_dir};
use serde_json::Value;

// Cargo runs integration tests in the package directory, so these relative paths are also how
// messages name the files (the snapshot does not depend on where the checkout is).
const OK: &str = "tests/fixtures/import/ok";
const ERRORS: &str = "tests/fixtures/import/errors";
const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const SPEC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/dbs-2019-03-06");
const OVERLAY_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../spec/overlay/dbs-2019-03-06"
);

fn json_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect()
}

#[test]
fn fixture_imports_to_the_hand_written_spec() {
    let files = import(
        &Path::new(OK).join("metadata.json"),
        &Path::new(OK).join("overlay"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    // service.json first, then the operations in metadata order.
    assert_eq!(
        names,
        ["service.json", "PingWidget.json", "DescribeWidgetList.json"]
    );
    let expected_dir = Path::new(OK).join("expected");
    assert_eq!(
        json_files(&expected_dir),
        names.iter().map(|n| (*n).to_owned()).collect()
    );
    for file in &files {
        let expected = std::fs::read_to_string(expected_dir.join(&file.name)).unwrap();
        assert_eq!(file.text, expected, "{} differs", file.name);
    }
}

#[test]
fn binary_writes_the_spec_and_removes_only_stale_operation_files() {
    let out = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("Retired.json", "{}\n"),
        ("notes.txt", "kept\n"),
        ("lowercase.json", "{}\n"),
    ] {
        std::fs::write(out.path().join(name), text).unwrap();
    }
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_dbs-codegen"))
            .args(["import", "--metadata", &format!("{OK}/metadata.json")])
            .args(["--overlay", &format!("{OK}/overlay"), "--out"])
            .arg(out.path())
            .output()
            .unwrap()
    };
    let first = run();
    let stderr = String::from_utf8(first.stderr).unwrap();
    assert!(first.status.success(), "{stderr}");
    assert!(
        stderr.contains("Retired.json: the metadata no longer has the operation"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 operation(s) imported, 3 file(s) changed"),
        "{stderr}"
    );
    assert!(!out.path().join("Retired.json").exists());
    assert!(out.path().join("notes.txt").exists());
    assert!(out.path().join("lowercase.json").exists());
    for name in ["service.json", "PingWidget.json", "DescribeWidgetList.json"] {
        let written = std::fs::read_to_string(out.path().join(name)).unwrap();
        let expected = std::fs::read_to_string(Path::new(OK).join("expected").join(name)).unwrap();
        assert_eq!(written, expected, "{name}");
    }
    // A second run finds nothing to change.
    let second = run();
    let stderr = String::from_utf8(second.stderr).unwrap();
    assert!(second.status.success(), "{stderr}");
    assert!(stderr.contains("0 file(s) changed"), "{stderr}");
    assert!(!stderr.contains("removed"), "{stderr}");
}

#[test]
fn every_mistake_is_reported_with_its_file_and_pointer() {
    let metadata = Path::new(ERRORS).join("metadata.json");
    let errors = import(&metadata, &Path::new(ERRORS).join("overlay")).unwrap_err();
    insta::assert_snapshot!(errors.to_string());
    let places: BTreeSet<(String, String)> = errors
        .0
        .iter()
        .map(|e| {
            (
                e.file.rsplit('/').next().unwrap().to_owned(),
                e.pointer.clone(),
            )
        })
        .collect();
    for place in [
        // Metadata types the import does not know.
        (
            "metadata.json",
            "/apis/DescribeWidget/parameters/1/schema/type",
        ),
        (
            "metadata.json",
            "/apis/DescribeWidget/parameters/2/schema/format",
        ),
        // A missing English description, named by the metadata parameter.
        ("metadata.json", "/apis/DescribeWidget/parameters/0"),
        (
            "DescribeWidget.json",
            "/response/fields/Detail.Kind/description",
        ),
        // CJK text, in the overlay and in a metadata example the docs would show.
        ("DescribeWidget.json", "/description"),
        ("metadata.json", "/apis/DescribeWidget/responses/200/schema"),
        // Names the metadata lacks.
        ("DescribeWidget.json", "/parameters/Colour"),
        ("DescribeWidget.json", "/response/fields/Detail.Nmae"),
        ("DescribeWidget.json", "/response/shapes/Detail.Kind"),
        ("service.json", "/response_fields/RequestID"),
        ("OrphanWidget.json", ""),
        ("metadata.json", "/apis/ForgottenWidget"),
        // Unknown types and keys.
        ("DescribeWidget.json", "/parameters/WidgetId/type"),
        ("DescribeWidget.json", "/shapes/WidgetSizes/member"),
        ("DescribeWidget.json", "/parameters/WidgetId/requried"),
        ("DescribeWidget.json", "/response/fields/Detail/type"),
    ] {
        assert!(
            places.contains(&(place.0.to_owned(), place.1.to_owned())),
            "no error at {place:?} in\n{errors}"
        );
    }
    let binary = Command::new(env!("CARGO_BIN_EXE_dbs-codegen"))
        .args(["import", "--metadata", &format!("{ERRORS}/metadata.json")])
        .args(["--overlay", &format!("{ERRORS}/overlay")])
        .args(["--out", "/nonexistent/never-written"])
        .output()
        .unwrap();
    assert_eq!(binary.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(binary.stderr).unwrap(),
        errors.to_string()
    );
}

/// The official metadata file, or why the test cannot use it.
fn official_metadata() -> Result<PathBuf, String> {
    let path = std::env::var_os("DBS_OFFICIAL_METADATA").map_or_else(
        || {
            Path::new(WORKSPACE)
                .join("../shared/api-docs/official-metadata/Dbs-2019-03-06-api-docs.json")
        },
        PathBuf::from,
    );
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "skipped: the official metadata is not at {} (set DBS_OFFICIAL_METADATA to its path)",
            path.display()
        ))
    }
}

/// Says on stderr that a test skipped and why. Written to the stream directly: the test harness
/// captures `println!`/`eprintln!` of passing tests, and a skip must be seen.
fn skipped(test: &str, why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{test}: {why}");
}

#[test]
fn committed_spec_matches_official_metadata() {
    let metadata = match official_metadata() {
        Ok(path) => path,
        Err(why) => {
            skipped("committed_spec_matches_official_metadata", &why);
            return;
        }
    };
    let files = import(&metadata, Path::new(OVERLAY_DIR)).unwrap_or_else(|e| panic!("{e}"));
    let out = tempfile::tempdir().unwrap();
    write_dir(out.path(), &files).unwrap();
    assert_eq!(
        json_files(out.path()),
        json_files(Path::new(SPEC_DIR)),
        "the committed spec's files differ from the import's"
    );
    let mut differ = Vec::new();
    for name in json_files(out.path()) {
        let imported = std::fs::read(out.path().join(&name)).unwrap();
        let committed = std::fs::read(Path::new(SPEC_DIR).join(&name)).unwrap();
        if imported != committed {
            differ.push(name);
        }
    }
    assert!(
        differ.is_empty(),
        "re-importing does not reproduce {differ:?}: run dbs-codegen import (README, maintainers)"
    );
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

/// The spec scalar of a metadata schema, read independently of the import.
fn scalar(schema: &Value) -> Option<String> {
    match (schema["type"].as_str()?, schema["format"].as_str()) {
        ("integer", Some(format)) => Some(format.to_owned()),
        (ty @ ("string" | "boolean"), _) => Some(ty.to_owned()),
        _ => None,
    }
}

fn example(schema: &Value) -> Option<&str> {
    schema["example"].as_str().filter(|e| !e.trim().is_empty())
}

#[test]
fn committed_spec_keeps_every_metadata_fact_the_overlay_does_not_override() {
    let metadata = match official_metadata() {
        Ok(path) => read_json(&path),
        Err(why) => {
            skipped(
                "committed_spec_keeps_every_metadata_fact_the_overlay_does_not_override",
                &why,
            );
            return;
        }
    };
    let service_overlay = read_json(&Path::new(OVERLAY_DIR).join("service.json"));
    let spec_service = read_json(&Path::new(SPEC_DIR).join("service.json"));
    let mut wrong = Vec::new();
    for (op, api) in metadata["apis"].as_object().unwrap() {
        let spec_path = Path::new(SPEC_DIR).join(format!("{op}.json"));
        if !spec_path.is_file() {
            wrong.push(format!("{op}: no spec file"));
            continue;
        }
        let spec = read_json(&spec_path);
        let overlay = read_json(&Path::new(OVERLAY_DIR).join(format!("{op}.json")));
        for param in api["parameters"].as_array().unwrap() {
            let name = param["name"].as_str().unwrap();
            let schema = &param["schema"];
            let said = &overlay["parameters"][name];
            let Some(ours) = spec["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
            else {
                wrong.push(format!("{op}.{name}: missing"));
                continue;
            };
            if said.get("type").is_none() && ours["type"].as_str() != scalar(schema).as_deref() {
                wrong.push(format!(
                    "{op}.{name}: type {} is not the metadata's",
                    ours["type"]
                ));
            }
            let required = schema["required"] == true;
            if said.get("required").is_none() && (ours["required"] == "always") != required {
                wrong.push(format!(
                    "{op}.{name}: required {} but the metadata says {required}",
                    ours["required"]
                ));
            }
            let default_example = service_overlay["parameters"][name].get("example");
            if said.get("example").is_none()
                && default_example.is_none()
                && ours["example"].as_str() != example(schema)
            {
                wrong.push(format!(
                    "{op}.{name}: example {} is not the metadata's",
                    ours["example"]
                ));
            }
        }
        let shapes = Shapes {
            operation: &spec["shapes"],
            service: &spec_service["shapes"],
        };
        let response = Response {
            op,
            overlay: &overlay["response"]["fields"],
            defaults: &service_overlay["response_fields"],
            shapes: &shapes,
        };
        response.check(
            &api["responses"]["200"]["schema"],
            "",
            spec["response"]["fields"].as_array().unwrap(),
            &mut wrong,
        );
        for (status, list) in api["errorCodes"].as_object().unwrap() {
            for error in list.as_array().unwrap() {
                let found = spec["errors"].as_array().into_iter().flatten().any(|e| {
                    e["code"] == error["errorCode"]
                        && e["message"] == error["errorMessage"]
                        && e["http_status"].as_u64().map(|s| s.to_string()).as_deref()
                            == Some(status.as_str())
                });
                if !found {
                    wrong.push(format!(
                        "{op}: error {} ({status}) missing or changed",
                        error["errorCode"]
                    ));
                }
            }
        }
    }
    for endpoint in metadata["endpoints"].as_array().unwrap() {
        let region = endpoint["regionId"].as_str().unwrap();
        if service_overlay["endpoints"].get(region).is_none()
            && spec_service["endpoints"][region] != endpoint["endpoint"]
        {
            wrong.push(format!("endpoint {region} is not the metadata's"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} difference(s):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The shapes a committed operation file can name: its own, then the service's.
struct Shapes<'a> {
    operation: &'a Value,
    service: &'a Value,
}

impl Shapes<'_> {
    fn get(&self, name: &Value) -> Option<&Value> {
        let name = name.as_str()?;
        self.operation.get(name).or_else(|| self.service.get(name))
    }
}

/// One operation's metadata response against the committed spec, at every depth.
struct Response<'a> {
    op: &'a str,
    /// The overlay's `response.fields` (path → override).
    overlay: &'a Value,
    /// The service overlay's `response_fields` (top-level defaults).
    defaults: &'a Value,
    shapes: &'a Shapes<'a>,
}

impl Response<'_> {
    /// `schema`'s properties against `ours` (response fields or structure members).
    fn check(&self, schema: &Value, prefix: &str, ours: &[Value], wrong: &mut Vec<String>) {
        let op = self.op;
        for (name, field) in schema["properties"].as_object().into_iter().flatten() {
            let path = format!("{prefix}{name}");
            let said = &self.overlay[&path];
            let Some(our) = ours.iter().find(|f| f["name"] == name.as_str()) else {
                wrong.push(format!("{op} response {path}: missing"));
                continue;
            };
            match field["type"].as_str() {
                Some("object") => match self.members(&our["type"]) {
                    Some(members) => self.check(field, &format!("{path}."), members, wrong),
                    None => wrong.push(format!("{op} response {path}: not a structure")),
                },
                Some("array") => {
                    let Some(list) = self
                        .shapes
                        .get(&our["type"])
                        .filter(|s| s["type"] == "list")
                    else {
                        wrong.push(format!("{op} response {path}: not a list"));
                        continue;
                    };
                    let items = &field["items"];
                    if items["type"] == "object" {
                        match self.members(&list["member"]) {
                            Some(members) => self.check(items, &format!("{path}."), members, wrong),
                            None => {
                                wrong.push(format!("{op} response {path}: items not a structure"))
                            }
                        }
                    } else if said.get("type").is_none()
                        && list["member"].as_str() != scalar(items).as_deref()
                    {
                        wrong.push(format!(
                            "{op} response {path}: item type {} is not the metadata's",
                            list["member"]
                        ));
                    }
                }
                _ => {
                    if said.get("type").is_none()
                        && our["type"].as_str() != scalar(field).as_deref()
                    {
                        wrong.push(format!(
                            "{op} response {path}: type {} is not the metadata's",
                            our["type"]
                        ));
                    }
                    let default = if prefix.is_empty() {
                        self.defaults[name].get("example")
                    } else {
                        None
                    };
                    if said.get("example").is_none()
                        && default.is_none()
                        && our["example"].as_str() != example(field)
                    {
                        wrong.push(format!(
                            "{op} response {path}: example {} is not the metadata's",
                            our["example"]
                        ));
                    }
                }
            }
        }
    }

    fn members(&self, name: &Value) -> Option<&[Value]> {
        let shape = self.shapes.get(name).filter(|s| s["type"] == "structure")?;
        shape["members"].as_array().map(Vec::as_slice)
    }
}
