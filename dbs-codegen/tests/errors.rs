//! Spec mistakes: every one reported in one run, each with its file and JSON pointer.
//!
//! Each `fixtures/errors/<name>/` is a small spec with the mistakes its name says; the messages
//! are reviewed snapshots, the pointers are checked against where the fixture put each mistake.
//! The acceptance test breaks the real spec and runs the `dbs-codegen` binary too.

// Tests fail by panicking: `unwrap` on the fixed test inputs is the clearest way to say so.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use dbs_codegen::{SpecDir, SpecErrors};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/errors");
const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const SPEC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/dbs-2019-03-06");

/// Where each fixture's mistakes are: (file, JSON pointer), in the order they are reported.
const CASES: &[(&str, &[(&str, &str)])] = &[
    (
        "unknown-type",
        &[("CreateRestoreTask.json", "/parameters/0/type")],
    ),
    (
        "unknown-parameter-in-condition",
        &[(
            "CreateRestoreTask.json",
            "/parameters/2/required/when/all/0/param",
        )],
    ),
    (
        "unknown-enum-value-in-condition",
        &[(
            "CreateRestoreTask.json",
            "/parameters/2/required/when/all/0/in/0",
        )],
    ),
    (
        "duplicate-parameter",
        &[("CreateRestoreTask.json", "/parameters/4/name")],
    ),
    ("bad-json", &[("CreateRestoreTask.json", "")]),
    (
        "unknown-key",
        &[("CreateRestoreTask.json", "/parameters/0/requried")],
    ),
    (
        "unknown-context-fact",
        &[(
            "CreateRestoreTask.json",
            "/parameters/2/required/when/all/1/context",
        )],
    ),
    (
        "several-mistakes",
        &[
            ("service.json", "/endpoints/cn-hangzhou"),
            ("service.json", "/errors/0"),
            ("CreateRestoreTask.json", "/parameters/0/type"),
            (
                "CreateRestoreTask.json",
                "/parameters/2/required/when/all/0/param",
            ),
            ("CreateRestoreTask.json", "/response/fields/0/descripton"),
            ("CreateRestoreTask.json", "/response/fields/0"),
            ("StartRestoreTask.json", "/name"),
            ("StartRestoreTask.json", "/shapes/TaskKind/members"),
            ("StartRestoreTask.json", "/parameters/1/sensitive"),
        ],
    ),
];

fn errors_of(dir: &Path, shown: &str) -> SpecErrors {
    match SpecDir::read(dir, shown).and_then(|files| files.lower()) {
        Ok(_) => panic!("{shown}: expected spec errors, found none"),
        Err(errors) => errors,
    }
}

#[test]
fn every_fixture_reports_its_mistakes_where_they_are() {
    for (name, expected) in CASES {
        let shown = format!("fixtures/errors/{name}");
        let errors = errors_of(&Path::new(FIXTURES).join(name), &shown);
        let found: Vec<(String, String)> = errors
            .0
            .iter()
            .map(|e| (e.file.clone(), e.pointer.clone()))
            .collect();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(file, pointer)| (format!("{shown}/{file}"), (*pointer).to_owned()))
            .collect();
        assert_eq!(found, expected, "{name}:\n{errors}");
        insta::assert_snapshot!(*name, errors.to_string());
    }
}

#[test]
fn every_error_fixture_is_checked() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = CASES.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(on_disk, listed);
}

// ---- acceptance: a renamed shape leaves every reference to it dangling ----

const OLD: &str = "DestinationEndpointInstanceType";
const NEW: &str = "DestinationEndpointLocation";

/// A copy of the real spec whose shape `OLD` is declared as `NEW`, and the pointers of every
/// reference to `OLD` left behind: each parameter typed `OLD`, and each condition on such a
/// parameter, read from the document itself.
fn renamed_spec() -> (tempfile::TempDir, BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    for name in ["service.json", "CreateRestoreTask.json"] {
        std::fs::copy(Path::new(SPEC_DIR).join(name), dir.path().join(name)).unwrap();
    }
    let path = dir.path().join("CreateRestoreTask.json");
    let mut op: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let shapes = op["shapes"].as_object_mut().unwrap();
    let shape = shapes.remove(OLD).unwrap();
    shapes.insert(NEW.to_owned(), shape);
    std::fs::write(&path, serde_json::to_string_pretty(&op).unwrap()).unwrap();

    let mut dangling = BTreeSet::new();
    let mut typed_old = Vec::new();
    for (i, param) in op["parameters"].as_array().unwrap().iter().enumerate() {
        if param["type"] == OLD {
            dangling.insert(format!("/parameters/{i}/type"));
            typed_old.push(param["name"].as_str().unwrap().to_owned());
        }
    }
    fn conditions(value: &Value, at: &str, names: &[String], out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(param)) = map.get("param")
                    && map.contains_key("in")
                    && names.contains(param)
                {
                    out.insert(format!("{at}/param"));
                }
                for (key, v) in map {
                    conditions(v, &format!("{at}/{key}"), names, out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    conditions(v, &format!("{at}/{i}"), names, out);
                }
            }
            _ => {}
        }
    }
    conditions(&op["parameters"], "/parameters", &typed_old, &mut dangling);
    (dir, dangling)
}

#[test]
fn renamed_shape_reports_each_dangling_reference_in_one_run() {
    let (dir, dangling) = renamed_spec();
    // The type and more than one condition: the real spec's rules R1-R10 test the parameter.
    assert!(dangling.len() > 2, "{dangling:?}");
    let errors = errors_of(dir.path(), "spec");
    let pointers: Vec<&str> = errors.0.iter().map(|e| e.pointer.as_str()).collect();
    let unique: BTreeSet<String> = pointers.iter().map(|p| (*p).to_owned()).collect();
    assert_eq!(
        unique.len(),
        pointers.len(),
        "one error per reference:\n{errors}"
    );
    assert_eq!(unique, dangling, "\n{errors}");
    for error in &errors.0 {
        assert_eq!(error.file, "spec/CreateRestoreTask.json");
        assert!(error.message.contains(&format!("`{OLD}`")), "{error}");
    }
    insta::assert_snapshot!("renamed-shape", errors.to_string());
}

fn codegen(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dbs-codegen"))
        .args(args)
        .current_dir(WORKSPACE)
        .output()
        .unwrap()
}

#[test]
fn check_binary_lists_every_dangling_reference_and_fails() {
    let (dir, dangling) = renamed_spec();
    let shown = dir.path().to_str().unwrap();
    let output = codegen(&["check", shown]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!("{} spec errors:\n", dangling.len())),
        "{stderr}"
    );
    for pointer in &dangling {
        let line = format!("  {shown}/CreateRestoreTask.json: {pointer}: ");
        assert_eq!(stderr.matches(&line).count(), 1, "{line:?} in\n{stderr}");
    }
    assert_eq!(stderr.lines().count(), dangling.len() + 1, "{stderr}");
}

#[test]
fn check_binary_accepts_the_real_spec() {
    let output = codegen(&["check", "spec/dbs-2019-03-06"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("spec/dbs-2019-03-06: ") && stdout.contains("no errors"),
        "{stdout}"
    );
}

#[test]
fn check_binary_needs_a_command_and_a_directory() {
    let output = codegen(&["check"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("usage: dbs-codegen"));
}
