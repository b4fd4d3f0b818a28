//! The generator's spec check against the new keys misused: rules that test their own
//! parameter or cannot be met, a pagination whose page number is its page size, and shapes
//! nested thousands deep. Each case copies the import fixture's expected spec
//! (`fixtures/import/ok/expected/`, which checks cleanly) and breaks one thing.

// Tests fail by panicking: `unwrap` on the fixed test inputs is the clearest way to say so.
#![allow(clippy::unwrap_used)]

use dbs_codegen::{SpecDir, SpecErrors};
use serde_json::{Value, json};

const OK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/import/ok/expected"
);

/// Checks a copy of the fixture spec after `change` edits its files (name → JSON).
fn check(change: impl FnOnce(&mut Vec<(String, Value)>)) -> Result<(), SpecErrors> {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<(String, Value)> = std::fs::read_dir(OK)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let text = std::fs::read_to_string(e.path()).unwrap();
            (
                e.file_name().into_string().unwrap(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect();
    change(&mut files);
    for (name, value) in &files {
        std::fs::write(
            dir.path().join(name),
            serde_json::to_string_pretty(value).unwrap(),
        )
        .unwrap();
    }
    SpecDir::read(dir.path(), "spec")
        .and_then(|d| d.lower())
        .map(|_| ())
}

fn file<'a>(files: &'a mut [(String, Value)], name: &str) -> &'a mut Value {
    &mut files.iter_mut().find(|(n, _)| n == name).unwrap().1
}

fn param<'a>(files: &'a mut [(String, Value)], op: &str, name: &str) -> &'a mut Value {
    file(files, &format!("{op}.json"))["parameters"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["name"] == name)
        .unwrap()
}

/// Asserts one error at `file`/`pointer` whose message has `words`.
fn expect(result: Result<(), SpecErrors>, file: &str, pointer: &str, words: &str) {
    let errors = result.expect_err("the spec checked cleanly");
    assert!(
        errors.0.iter().any(|e| e.file == format!("spec/{file}")
            && e.pointer == pointer
            && e.message.contains(words)),
        "no error at {file} {pointer} saying {words:?} in\n{errors}"
    );
}

#[test]
fn the_unbroken_copy_checks() {
    check(|_| {}).unwrap();
}

#[test]
fn a_rule_that_tests_its_own_parameter_is_refused() {
    // `Enabled` (PingWidget's second parameter) required when it is present, or when it is
    // absent; forbidden when it is present, or when it is absent.
    for (key, when) in [
        ("required", json!({"present": "Enabled"})),
        ("required", json!({"not": {"present": "Enabled"}})),
        ("forbidden", json!({"present": "Enabled"})),
        (
            "forbidden",
            json!({"all": [{"present": "WidgetId"}, {"param": "Enabled", "in": ["true"]}]}),
        ),
    ] {
        let result = check(|files| {
            let enabled = param(files, "PingWidget", "Enabled");
            enabled[key] = json!({"id": "X1", "when": when});
        });
        expect(
            result,
            "PingWidget.json",
            &format!("/parameters/1/{key}/when"),
            "tests `Enabled` itself",
        );
    }
}

#[test]
fn a_parameter_that_cannot_be_both_required_and_absent_is_refused() {
    // `WidgetId` is required always.
    let result = check(|files| {
        param(files, "PingWidget", "WidgetId")["forbidden"] =
            json!({"id": "X1", "when": {"present": "Enabled"}});
    });
    expect(
        result,
        "PingWidget.json",
        "/parameters/0/forbidden/when",
        "required always, so it cannot be forbidden",
    );
    // `Enabled` is required when `WidgetId` is present.
    let result = check(|files| {
        param(files, "PingWidget", "Enabled")["forbidden"] =
            json!({"id": "X1", "when": {"present": "WidgetId"}});
    });
    expect(
        result,
        "PingWidget.json",
        "/parameters/1/forbidden/when",
        "required and forbidden on the same condition",
    );
}

#[test]
fn a_pagination_whose_page_number_is_its_page_size_is_refused() {
    let result = check(|files| {
        file(files, "DescribeWidgetList.json")["pagination"]["page_size"] = json!("PageNum");
    });
    expect(
        result,
        "DescribeWidgetList.json",
        "/pagination/page_size",
        "also the page number",
    );
}

#[test]
fn thousands_of_nested_shapes_are_checked_and_a_cycle_at_their_end_is_named() {
    // A chain of 3000 structures, each holding the next, ending in a three-shape cycle. Each
    // shape used to be searched once per shape (with its path copied at every step): minutes.
    let result = check(|files| {
        let service = file(files, "service.json");
        let shapes = service["shapes"].as_object_mut().unwrap();
        let member = |ty: String| json!([{"name": "Next", "type": ty, "description": "The next."}]);
        for i in 0..3000 {
            let next = if i < 2999 {
                format!("Chain{:04}", i + 1)
            } else {
                "CycleA".to_owned()
            };
            shapes.insert(
                format!("Chain{i:04}"),
                json!({"type": "structure", "description": "A link.", "members": member(next)}),
            );
        }
        for (name, next) in [
            ("CycleA", "CycleB"),
            ("CycleB", "CycleC"),
            ("CycleC", "CycleA"),
        ] {
            shapes.insert(
                name.to_owned(),
                json!({"type": "structure", "description": "A link.", "members": member(next.to_owned())}),
            );
        }
        let ping = file(files, "PingWidget.json");
        ping["response"]["fields"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "Chain", "type": "Chain0000", "description": "The chain."}));
    });
    let errors = result.expect_err("the cycle checked cleanly");
    let cycles: Vec<_> = errors
        .0
        .iter()
        .filter(|e| e.message.contains("contains itself"))
        .collect();
    assert_eq!(cycles.len(), 1, "{errors}");
    assert_eq!(cycles[0].file, "spec/service.json");
    assert_eq!(cycles[0].pointer, "/shapes/CycleC/members/0/type");
    assert!(
        cycles[0]
            .message
            .starts_with("`CycleA` contains itself (CycleA → CycleB → CycleC → CycleA)"),
        "{errors}"
    );
}

#[test]
fn prose_that_markdown_would_turn_into_code_or_html_is_refused() {
    // In the generated crate's docs, a fenced or indented block is a doctest (which fails to
    // compile) and `<ID>` is an unclosed HTML tag (`cargo doc -D warnings` fails).
    let result = check(|files| {
        let ping = file(files, "PingWidget.json");
        ping["summary"] = json!("Pings a widget:\n```\nping w-1\n```");
        ping["parameters"][0]["description"] = json!("The ID:\n\n    w-12345678");
        ping["parameters"][1]["description"] = json!("Whether the <Widget> is enabled.");
        ping["parameters"][1]["required"]["note"] = json!("Required when\n\tnew.");
    });
    let errors = result.expect_err("the prose checked cleanly");
    for (pointer, words) in [
        ("/summary", "code fence"),
        ("/parameters/0/description", "four spaces"),
        ("/parameters/1/description", "HTML tag"),
        ("/parameters/1/required/note", "a tab"),
    ] {
        assert!(
            errors.0.iter().any(|e| e.file == "spec/PingWidget.json"
                && e.pointer == pointer
                && e.message.contains(words)),
            "no error at {pointer} saying {words:?} in\n{errors}"
        );
    }
    // Comparisons and bracketed JSON stay allowed.
    check(|files| {
        file(files, "PingWidget.json")["parameters"][0]["description"] =
            json!("The ID, such as [{\"Id\":\"w-1\"}]; 0 < n <= 5, or a < b.");
    })
    .unwrap();
}

#[test]
fn an_example_that_would_leave_its_code_span_is_refused() {
    let result = check(|files| {
        let ping = file(files, "PingWidget.json");
        ping["parameters"][0]["example"] = json!("w-1`\n```");
        ping["response"]["fields"][0]["example"] = json!("a\nb");
    });
    let errors = result.expect_err("the examples checked cleanly");
    for pointer in ["/parameters/0/example", "/response/fields/0/example"] {
        assert!(
            errors.0.iter().any(|e| e.file == "spec/PingWidget.json"
                && e.pointer == pointer
                && e.message.contains("one line without backticks")),
            "no error at {pointer} in\n{errors}"
        );
    }
    // The response's own example is a multi-line JSON text, kept out of the docs.
    check(|files| {
        file(files, "PingWidget.json")["response"]["example"] =
            json!("{\n  \"RequestId\": \"`x`\"\n}");
    })
    .unwrap();
}

#[test]
fn a_parameter_example_the_parameter_refuses_is_refused() {
    // DescribeWidgetList: WidgetStatus (enum), PageNum (int32), PageSize (int32, 1..=100);
    // PingWidget: Enabled (boolean). The masked example is the metadata's habit (`4312****`).
    let result = check(|files| {
        param(files, "DescribeWidgetList", "WidgetStatus")["example"] = json!("paused");
        param(files, "DescribeWidgetList", "PageNum")["example"] = json!("4312****");
        param(files, "DescribeWidgetList", "PageSize")["example"] = json!("0");
        param(files, "PingWidget", "Enabled")["example"] = json!("yes");
    });
    let errors = result.expect_err("the examples checked cleanly");
    for (file, pointer, words) in [
        (
            "DescribeWidgetList.json",
            "/parameters/0/example",
            "not one of the enum's values",
        ),
        (
            "DescribeWidgetList.json",
            "/parameters/1/example",
            "`4312****` is not an integer",
        ),
        (
            "DescribeWidgetList.json",
            "/parameters/2/example",
            "below the parameter's least value",
        ),
        (
            "PingWidget.json",
            "/parameters/1/example",
            "is not true or false",
        ),
    ] {
        assert!(
            errors.0.iter().any(|e| e.file == format!("spec/{file}")
                && e.pointer == pointer
                && e.message.contains(words)),
            "no error at {file} {pointer} saying {words:?} in\n{errors}"
        );
    }
    // An enum example in another ASCII case is a value the enum reads.
    check(|files| {
        param(files, "DescribeWidgetList", "WidgetStatus")["example"] = json!("RUNNING");
    })
    .unwrap();
}

#[test]
fn a_response_example_the_output_cannot_read_is_refused() {
    // The emulator serves the example and the client reads it as the output.
    for (op, example, path) in [
        (
            "PingWidget.json",
            r#"{"RequestId": "r-1", "Success": "maybe"}"#,
            "`Success` is not a boolean",
        ),
        (
            "DescribeWidgetList.json",
            r#"{"TotalPages": 1, "Items": {"Widget": [{"WidgetId": "w-1", "CreatedTime": "soon"}]}}"#,
            "`Items.Widget.CreatedTime` is not an integer of its type",
        ),
        (
            "DescribeWidgetList.json",
            r#"{"TotalPages": 99999999999}"#,
            "`TotalPages` is not an integer of its type",
        ),
        (
            "DescribeWidgetList.json",
            r#"{"Items": {"Widget": {"WidgetId": "w-1"}}}"#,
            "`Items.Widget` is not an array",
        ),
    ] {
        let result = check(|files| {
            file(files, op)["response"]["example"] = json!(example);
        });
        expect(result, op, "/response/example", path);
    }
    // What the readers take leniently stays allowed: numbers as strings, numeric strings as
    // integers, `"true"` as a boolean, `null`, and members the output does not have.
    check(|files| {
        file(files, "DescribeWidgetList.json")["response"]["example"] = json!(
            r#"{"RequestId": 7, "TotalPages": "2", "Extra": [1], "Items": {"Widget": [{"WidgetId": null, "CreatedTime": "1554560477000.0", "Tags": ["a", 1, null]}]}}"#
        );
        file(files, "PingWidget.json")["response"]["example"] =
            json!(r#"{"Success": "TRUE"}"#);
    })
    .unwrap();
}

#[test]
fn a_reference_url_ram_action_or_error_message_that_breaks_the_docs_is_refused() {
    // The docs print `Reference: <url>` (not a URL: an HTML tag), `RAM action `…`` and each
    // error's message as prose.
    let result = check(|files| {
        let list = file(files, "DescribeWidgetList.json");
        list["documentation"] = json!("see the API docs");
        list["ram_action"] = json!("dbs:Describe`WidgetList");
        list["errors"][0]["message"] = json!("The <Widget> is busy.");
        file(files, "service.json")["documentation"] = json!("javascript:alert(1)");
    });
    let errors = result.expect_err("the spec checked cleanly");
    for (file, pointer, words) in [
        ("DescribeWidgetList.json", "/documentation", "URL"),
        ("DescribeWidgetList.json", "/ram_action", "RAM action"),
        ("DescribeWidgetList.json", "/errors/0/message", "HTML tag"),
        ("service.json", "/documentation", "URL"),
    ] {
        assert!(
            errors.0.iter().any(|e| e.file == format!("spec/{file}")
                && e.pointer == pointer
                && e.message.contains(words)),
            "no error at {file} {pointer} saying {words:?} in\n{errors}"
        );
    }
}

#[test]
fn a_pagination_with_a_negative_first_page_or_one_total_for_both_counts_is_refused() {
    let result = check(|files| {
        let pagination = &mut file(files, "DescribeWidgetList.json")["pagination"];
        pagination["first_page"] = json!(-1);
        pagination["total_items"] = json!("TotalPages");
    });
    let errors = result.expect_err("the pagination checked cleanly");
    for (pointer, words) in [
        ("/pagination/first_page", "negative"),
        ("/pagination/total_items", "also the count of pages"),
    ] {
        assert!(
            errors
                .0
                .iter()
                .any(|e| e.pointer == pointer && e.message.contains(words)),
            "no error at {pointer} saying {words:?} in\n{errors}"
        );
    }
}

#[test]
fn shapes_nested_deeper_than_rustc_can_prove_send_are_refused() {
    // A 200-structure chain passed the check and its generated output failed to compile
    // (`overflow evaluating the requirement ...: Send`). Sixteen levels are allowed.
    let chain = |n: usize| {
        move |files: &mut Vec<(String, Value)>| {
            let shapes = file(files, "service.json")["shapes"]
                .as_object_mut()
                .unwrap();
            for i in 0..n {
                let next = if i + 1 < n {
                    format!("Deep{:03}", i + 1)
                } else {
                    "string".to_owned()
                };
                shapes.insert(
                    format!("Deep{i:03}"),
                    json!({"type": "structure", "description": "A link.",
                        "members": [{"name": "Next", "type": next, "description": "The next."}]}),
                );
            }
            file(files, "PingWidget.json")["response"]["fields"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "Deep", "type": "Deep000", "description": "Deep."}));
        }
    };
    check(chain(16)).unwrap();
    let errors = check(chain(200)).expect_err("200 levels checked cleanly");
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!(errors.0[0].file, "spec/service.json");
    assert_eq!(errors.0[0].pointer, "/shapes/Deep183/members/0/type");
    assert!(errors.0[0].message.contains("at most 16"), "{errors}");
}
