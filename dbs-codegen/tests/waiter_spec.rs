//! The spec check of `waiters`: each name a waiter reads resolved, every mistake at once, each
//! at its own JSON pointer. Each case copies the waiter fixture (`fixtures/waiter`, which checks
//! cleanly) and breaks things.

// Tests fail by panicking: `unwrap` on the fixed test inputs is the clearest way to say so.
#![allow(clippy::unwrap_used)]

use dbs_codegen::{SpecDir, SpecErrors};
use serde_json::{Value, json};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/waiter");
const OP: &str = "DescribeFixtureJobs.json";

/// Checks a copy of the fixture after `change` edits its waiter.
fn check(change: impl FnOnce(&mut Value)) -> Result<(), SpecErrors> {
    let mut change = Some(change);
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(FIXTURE).unwrap() {
        let entry = entry.unwrap();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let mut value: Value = serde_json::from_str(&text).unwrap();
        if entry.file_name() == OP
            && let Some(change) = change.take()
        {
            change(&mut value["waiters"][0]);
        }
        std::fs::write(
            dir.path().join(entry.file_name()),
            serde_json::to_string_pretty(&value).unwrap(),
        )
        .unwrap();
    }
    SpecDir::read(dir.path(), "spec")
        .and_then(|d| d.lower())
        .map(|_| ())
}

/// Asserts an error in the operation file at `pointer` whose message has `words`.
fn has(errors: &SpecErrors, pointer: &str, words: &str) {
    assert!(
        errors.0.iter().any(|e| e.file == format!("spec/{OP}")
            && e.pointer == pointer
            && e.message.contains(words)),
        "no error at {pointer} saying {words:?} in\n{errors}"
    );
}

#[test]
fn the_unbroken_fixture_checks() {
    check(|_| {}).unwrap();
}

#[test]
fn every_name_a_waiter_reads_is_resolved_and_every_mistake_reported_at_once() {
    let errors = check(|w| {
        w["input"] = json!("NoSuchParameter");
        w["status"] = json!("Progress");
        w["failure"] = json!(["failed", "done"]);
        w["message"] = json!("Progress");
        w["progress"] = json!(["Message", "Missing"]);
        w["explain"] = json!({ "operation": "NoSuchOperation", "input": "JobId" });
        w["max_delay_ms"] = json!(10);
    })
    .expect_err("the waiter is broken");
    let at = "/waiters/0";
    has(
        &errors,
        &format!("{at}/input"),
        "unknown parameter `NoSuchParameter`",
    );
    has(
        &errors,
        &format!("{at}/status"),
        "must be a string or an enum",
    );
    has(
        &errors,
        &format!("{at}/failure"),
        "`done` is both a success and a failure",
    );
    has(
        &errors,
        &format!("{at}/message"),
        "member `Progress` must be a string",
    );
    has(
        &errors,
        &format!("{at}/progress/0"),
        "member `Message` must be an int32 or int64",
    );
    has(
        &errors,
        &format!("{at}/progress/1"),
        "the item has no member `Missing`",
    );
    has(
        &errors,
        &format!("{at}/explain/operation"),
        "unknown operation `NoSuchOperation`",
    );
    has(
        &errors,
        &format!("{at}/max_delay_ms"),
        "shorter than the first one",
    );
}

#[test]
fn states_must_be_values_of_the_status_enum_and_items_must_be_a_list_of_structures() {
    let errors = check(|w| {
        w["success"] = json!(["finished"]);
        w["explain"]["input"] = json!("Reason");
    })
    .expect_err("the waiter is broken");
    has(
        &errors,
        "/waiters/0/success/0",
        "`finished` is not a value of `Status`",
    );
    has(
        &errors,
        "/waiters/0/explain/input",
        "ExplainFixtureJob has no parameter `Reason`",
    );

    let errors = check(|w| w["items"] = json!("Jobs")).expect_err("not a list");
    has(
        &errors,
        "/waiters/0/items",
        "must end at a list of structures",
    );
    let errors = check(|w| w["items"] = json!("Jobs.Nothing")).expect_err("no such member");
    has(&errors, "/waiters/0/items", "no field or member `Nothing`");
}

#[test]
fn a_waiter_name_used_twice_and_a_malformed_waiter_are_refused() {
    let errors = check(|w| {
        let twin = w.clone();
        *w = json!([twin.clone(), twin]);
    })
    .expect_err("a waiter list where a waiter goes");
    has(&errors, "/waiters/0", "expected an object");

    let errors = check(|w| {
        w["delay_ms"] = json!(0);
        w["colour"] = json!("blue");
    })
    .expect_err("broken form");
    has(&errors, "/waiters/0/delay_ms", "at least 1");
    has(&errors, "/waiters/0/colour", "unknown key `colour`");
}

#[test]
fn two_waiters_of_one_name_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(FIXTURE).unwrap() {
        let entry = entry.unwrap();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let mut value: Value = serde_json::from_str(&text).unwrap();
        if entry.file_name() == OP {
            let twin = value["waiters"][0].clone();
            value["waiters"].as_array_mut().unwrap().push(twin);
        }
        std::fs::write(
            dir.path().join(entry.file_name()),
            serde_json::to_string_pretty(&value).unwrap(),
        )
        .unwrap();
    }
    let errors = SpecDir::read(dir.path(), "spec")
        .and_then(|d| d.lower())
        .expect_err("one name twice");
    has(&errors, "/waiters/1/name", "waiter names are unique");
}
