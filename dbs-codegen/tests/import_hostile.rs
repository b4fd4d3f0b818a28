//! `dbs-codegen import` against malformed and surprising inputs: each mistake ends in an error
//! naming the file and a JSON pointer, never a panic or a spec that `dbs-codegen check` refuses,
//! and nothing is written when an error is found.
//!
//! Each case copies `fixtures/import/ok/` (which imports cleanly) into a temporary directory and
//! breaks one thing in it.

// Tests fail by panicking: `unwrap` on the fixed test inputs is the clearest way to say so.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dbs_codegen::SpecErrors;
use dbs_codegen::import::{import, write_dir};
use serde_json::{Value, json};

const OK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import/ok");

/// A copy of the `ok` fixture: `metadata.json` and `overlay/`.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("overlay")).unwrap();
        std::fs::copy(
            Path::new(OK).join("metadata.json"),
            dir.path().join("metadata.json"),
        )
        .unwrap();
        for entry in std::fs::read_dir(Path::new(OK).join("overlay")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(
                entry.path(),
                dir.path().join("overlay").join(entry.file_name()),
            )
            .unwrap();
        }
        Self { dir }
    }

    fn metadata(&self) -> PathBuf {
        self.dir.path().join("metadata.json")
    }

    fn overlay(&self) -> PathBuf {
        self.dir.path().join("overlay")
    }

    /// `metadata.json` or `overlay/<name>`.
    fn path(&self, name: &str) -> PathBuf {
        if name == "metadata.json" {
            self.metadata()
        } else {
            self.overlay().join(name)
        }
    }

    /// Rewrites one file's JSON.
    fn edit(&self, name: &str, change: impl FnOnce(&mut Value)) -> &Self {
        let path = self.path(name);
        let mut value: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        change(&mut value);
        std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
        self
    }

    /// Replaces one file's text.
    fn write(&self, name: &str, text: &str) -> &Self {
        std::fs::write(self.path(name), text).unwrap();
        self
    }

    fn import(&self) -> Result<Vec<dbs_codegen::import::ImportedFile>, SpecErrors> {
        import(&self.metadata(), &self.overlay())
    }

    /// The import's errors as `(file name, pointer, message)`; fails when the import succeeds.
    fn errors(&self) -> Vec<(String, String, String)> {
        let errors = match self.import() {
            Ok(files) => panic!(
                "the import succeeded:\n{}",
                files
                    .iter()
                    .map(|f| f.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            Err(errors) => errors,
        };
        errors
            .0
            .into_iter()
            .map(|e| {
                // The built spec's files keep their `(imported)/` prefix; the inputs are named
                // by their last step (the temporary directory differs per run).
                let name = if e.file.starts_with("(imported)/") {
                    e.file
                } else {
                    e.file.rsplit('/').next().unwrap().to_owned()
                };
                (name, e.pointer, e.message)
            })
            .collect()
    }

    /// Asserts an error at `file` (its last path step) and `pointer` whose message has `words`.
    fn expect(&self, file: &str, pointer: &str, words: &str) {
        let errors = self.errors();
        assert!(
            errors
                .iter()
                .any(|(f, p, m)| f == file && p == pointer && m.contains(words)),
            "no error at {file} {pointer} saying {words:?} in {errors:#?}"
        );
    }

    fn run(&self, out: &Path) -> Output {
        Command::new(env!("CARGO_BIN_EXE_dbs-codegen"))
            .arg("import")
            .arg("--metadata")
            .arg(self.metadata())
            .arg("--overlay")
            .arg(self.overlay())
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    }
}

#[test]
fn the_unbroken_copy_imports() {
    assert!(Case::new().import().is_ok());
}

// ---- Overlay values the spec format refuses: found before anything is written. ----

#[test]
fn an_overlay_value_of_the_wrong_json_type_is_refused_before_writing() {
    let case = Case::new();
    case.edit("PingWidget.json", |v| {
        v["summary"] = json!({"text": "Pings."});
        v["idempotent"] = json!("yes");
        v["parameters"]["Enabled"]["required"] = json!(1);
        v["parameters"]["WidgetId"]["sensitive"] = json!("yes");
        v["parameters"]["WidgetId"]["example"] = json!(5);
    });
    let errors = case.errors();
    for pointer in [
        "/summary",
        "/idempotent",
        "/parameters/1/required",
        "/parameters/0/sensitive",
        "/parameters/0/example",
    ] {
        assert!(
            errors
                .iter()
                .any(|(f, p, _)| f == "(imported)/PingWidget.json" && p == pointer),
            "no error at {pointer} in {errors:#?}"
        );
    }
    // The binary writes nothing.
    let out = case.dir.path().join("out");
    let run = case.run(&out);
    assert_eq!(run.status.code(), Some(1));
    assert!(!out.exists(), "the import created {}", out.display());
}

#[test]
fn names_rust_cannot_use_or_that_clash_are_refused() {
    // A shared shape named `Self`.
    let case = Case::new();
    case.edit("shapes.json", |v| {
        let shape = v.as_object_mut().unwrap().remove("WidgetStatus").unwrap();
        v["Self"] = shape;
    });
    case.edit("DescribeWidgetList.json", |v| {
        v["parameters"]["WidgetStatus"]["type"] = json!("Self");
        v["response"]["fields"]["Items.Widget.Status"]["type"] = json!("Self");
    });
    case.expect("(imported)/service.json", "/shapes/Self", "keyword");

    // A response structure renamed to a name with a space.
    let case = Case::new();
    case.edit("DescribeWidgetList.json", |v| {
        v["response"]["shapes"]["Items.Widget"]["name"] = json!("Widget Detail");
    });
    case.expect(
        "(imported)/DescribeWidgetList.json",
        "/shapes/Widget Detail",
        "not a Rust type name",
    );

    // A response structure renamed to another operation's generated type.
    let case = Case::new();
    case.edit("DescribeWidgetList.json", |v| {
        v["response"]["shapes"]["Items.Widget"]["name"] = json!("PingWidgetInput");
    });
    assert!(
        case.errors()
            .iter()
            .any(|(_, _, m)| m.contains("`PingWidgetInput` is already used")),
        "{:#?}",
        case.errors()
    );

    // Two metadata parameters equal after snake-casing.
    let case = Case::new();
    case.edit("metadata.json", |v| {
        v["apis"]["PingWidget"]["parameters"][1]["name"] = json!("Widget_Id");
    });
    case.edit("PingWidget.json", |v| {
        let p = v["parameters"].as_object_mut().unwrap();
        let enabled = p.remove("Enabled").unwrap();
        p.insert("Widget_Id".to_owned(), enabled);
    });
    case.expect(
        "(imported)/PingWidget.json",
        "/parameters/1/name",
        "widget_id",
    );

    // An enum value spelled `Unknown`, and two values equal in ASCII case.
    let case = Case::new();
    case.edit("shapes.json", |v| {
        v["WidgetStatus"]["values"][0]["value"] = json!("Unknown");
    });
    case.expect(
        "(imported)/service.json",
        "/shapes/WidgetStatus/values/0/value",
        "Unknown",
    );
    let case = Case::new();
    case.edit("shapes.json", |v| {
        v["WidgetStatus"]["values"][0]["value"] = json!("STOPPED");
    });
    case.expect(
        "(imported)/service.json",
        "/shapes/WidgetStatus/values/1/value",
        "ASCII case",
    );
}

#[test]
fn cycles_through_shared_shapes_are_refused() {
    let case = Case::new();
    case.edit("shapes.json", |v| {
        v["A"] = json!({"type": "structure", "description": "A.",
            "members": [{"name": "B", "type": "B", "description": "B."}]});
        v["B"] = json!({"type": "structure", "description": "B.",
            "members": [{"name": "A", "type": "A", "description": "A."}]});
        v["L"] = json!({"type": "list", "description": "L.", "member": "L"});
    });
    let errors = case.errors();
    assert!(
        errors
            .iter()
            .any(|(f, _, m)| f == "(imported)/service.json" && m.contains("contains itself")),
        "{errors:#?}"
    );
    case.expect(
        "(imported)/service.json",
        "/shapes/L/member",
        "cannot contain itself",
    );
}

#[test]
fn rules_and_pagination_that_name_the_wrong_thing_are_refused() {
    let case = Case::new();
    case.edit("PingWidget.json", |v| {
        v["parameters"]["Enabled"]["required"]["when"] = json!({"present": "Nope"});
        v["idempotency_token"] = json!("Nope");
    });
    case.edit("DescribeWidgetList.json", |v| {
        v["pagination"]["first_page"] = json!("0");
    });
    let errors = case.errors();
    for (file, pointer) in [
        (
            "(imported)/PingWidget.json",
            "/parameters/1/required/when/present",
        ),
        ("(imported)/PingWidget.json", "/idempotency_token"),
        (
            "(imported)/DescribeWidgetList.json",
            "/pagination/first_page",
        ),
    ] {
        assert!(
            errors.iter().any(|(f, p, _)| f == file && p == pointer),
            "no error at {file} {pointer} in {errors:#?}"
        );
    }
}

#[test]
fn pagination_items_inside_an_array_are_refused_by_the_import() {
    // `Items.Widget.Tags` is an array in each item of the page's array: one per widget, not the
    // page's items. The spec check refuses it; the import names the overlay, not the built spec.
    let case = Case::new();
    case.edit("DescribeWidgetList.json", |v| {
        v["pagination"]["items"] = json!("Items.Widget.Tags");
    });
    case.expect(
        "DescribeWidgetList.json",
        "/pagination/items",
        "not through another array",
    );
}

// ---- Wrong JSON kinds that used to be skipped silently. ----

#[test]
fn metadata_parts_of_the_wrong_json_kind_are_reported_not_skipped() {
    let case = Case::new();
    case.edit("metadata.json", |v| {
        let ping = &mut v["apis"]["PingWidget"];
        ping["errorCodes"] = json!([{"errorCode": "X", "errorMessage": "Y"}]);
        ping["responseDemo"] = json!(5);
        ping["responses"]["200"]["schema"]["properties"]["RequestId"] =
            json!({"type": "object", "properties": ["Nested"]});
        let list = &mut v["apis"]["DescribeWidgetList"];
        list["errorCodes"] = json!({"404/x": {"errorCode": "X"}, "400": {"errorCode": "X"}});
    });
    let errors = case.errors();
    for (pointer, words) in [
        (
            "/apis/PingWidget/errorCodes",
            "an array where an object is expected",
        ),
        (
            "/apis/PingWidget/responseDemo",
            "a number where a JSON text",
        ),
        (
            "/apis/PingWidget/responses/200/schema/properties/RequestId/properties",
            "an array where an object is expected",
        ),
        (
            "/apis/DescribeWidgetList/errorCodes/404~1x",
            "not an HTTP status",
        ),
        (
            "/apis/DescribeWidgetList/errorCodes/400",
            "an object where an array is expected",
        ),
    ] {
        assert!(
            errors
                .iter()
                .any(|(f, p, m)| f == "metadata.json" && p == pointer && m.contains(words)),
            "no error at {pointer} saying {words:?} in {errors:#?}"
        );
    }

    // Parameters that are not an array: the overlay's descriptions then name nothing, but the
    // metadata's own mistake is named first-hand.
    let case = Case::new();
    case.edit("metadata.json", |v| {
        v["apis"]["PingWidget"]["parameters"] = json!({"WidgetId": {}});
    });
    case.expect(
        "metadata.json",
        "/apis/PingWidget/parameters",
        "an object where an array is expected",
    );
}

#[test]
fn overlay_parts_of_the_wrong_json_kind_are_reported_not_skipped() {
    let case = Case::new();
    case.edit("service.json", |v| {
        v["endpoints"] = json!(["dbs-api.me-east-1.aliyuncs.com"]);
        v["errors"] = json!({"Throttling": {}});
        v["context"] = json!({});
        v["parameters"]["OwnerId"]["added"]["except"] = json!("PingWidget");
    });
    case.edit("DescribeWidgetList.json", |v| {
        v["shapes"] = json!([v["shapes"].clone()]);
        v["response"]["shapes"]["Items.Widget"]["name"] = json!(5);
    });
    let errors = case.errors();
    for (file, pointer, words) in [
        ("service.json", "/endpoints", "an array where an object"),
        ("service.json", "/errors", "an object where an array"),
        ("service.json", "/context", "an object where an array"),
        (
            "service.json",
            "/parameters/OwnerId/added/except",
            "a string where an array",
        ),
        (
            "DescribeWidgetList.json",
            "/shapes",
            "an array where an object",
        ),
        (
            "DescribeWidgetList.json",
            "/response/shapes/Items.Widget/name",
            "a number where a string",
        ),
    ] {
        assert!(
            errors
                .iter()
                .any(|(f, p, m)| f == file && p == pointer && m.contains(words)),
            "no error at {file} {pointer} saying {words:?} in {errors:#?}"
        );
    }
}

#[test]
fn a_repeated_json_key_is_an_error_not_a_lost_value() {
    // Two operations of one name: the first would vanish.
    let case = Case::new();
    let text = std::fs::read_to_string(case.metadata()).unwrap();
    case.write(
        "metadata.json",
        &text.replacen(
            "\"apis\": {",
            "\"apis\": {\n    \"PingWidget\": { \"parameters\": [] },",
            1,
        ),
    );
    case.expect("metadata.json", "", "duplicate key `PingWidget`");

    // A parameter described twice in the overlay: one description would vanish.
    let case = Case::new();
    case.write(
        "PingWidget.json",
        r#"{ "summary": "Pings a widget.",
  "parameters": {
    "WidgetId": { "description": "The ID of the widget." },
    "Enabled": { "description": "Whether the widget is enabled." },
    "WidgetId": { "description": "Something else." } } }"#,
    );
    case.expect("PingWidget.json", "", "duplicate key `WidgetId`");
}

// ---- The directories. ----

#[test]
fn a_missing_overlay_directory_is_one_error_naming_it() {
    let case = Case::new();
    let missing = case.dir.path().join("no-overlay");
    let errors = import(&case.metadata(), &missing).unwrap_err();
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!(errors.0[0].file, missing.display().to_string());
    assert!(
        errors.0[0]
            .message
            .contains("cannot read the overlay directory"),
        "{errors}"
    );
}

#[test]
fn a_missing_service_overlay_is_one_error_naming_its_path() {
    let case = Case::new();
    std::fs::remove_file(case.path("service.json")).unwrap();
    let errors = import(&case.metadata(), &case.overlay()).unwrap_err();
    let service: Vec<_> = errors
        .0
        .iter()
        .filter(|e| e.file.ends_with("service.json"))
        .collect();
    assert_eq!(service.len(), 1, "{errors}");
    assert_eq!(
        service[0].file,
        case.path("service.json").display().to_string()
    );
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_in_out_is_replaced_not_written_through() {
    let case = Case::new();
    let files = case.import().unwrap();
    let out = case.dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let outside = case.dir.path().join("precious.txt");
    std::fs::write(&outside, "not a spec\n").unwrap();
    std::os::unix::fs::symlink(&outside, out.join("PingWidget.json")).unwrap();
    write_dir(&out, &files).unwrap();
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not a spec\n");
    let written = out.join("PingWidget.json");
    assert!(
        !std::fs::symlink_metadata(&written)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let expected = files.iter().find(|f| f.name == "PingWidget.json").unwrap();
    assert_eq!(std::fs::read_to_string(&written).unwrap(), expected.text);
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn a_directory_in_the_way_is_found_before_anything_is_written() {
    let case = Case::new();
    let out = case.dir.path().join("out");
    std::fs::create_dir_all(out.join("PingWidget.json")).unwrap();
    let run = case.run(&out);
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("PingWidget.json: a directory is where the file goes"),
        "{stderr}"
    );
    // service.json comes first in the import's files; it must not have been written.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["PingWidget.json"]);
}

#[test]
fn a_flag_given_twice_is_a_usage_error() {
    let case = Case::new();
    let out = case.dir.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_dbs-codegen"))
        .arg("import")
        .arg("--metadata")
        .arg(case.metadata())
        .arg("--overlay")
        .arg(case.overlay())
        .arg("--out")
        .arg(case.dir.path().join("first"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(
        String::from_utf8(run.stderr)
            .unwrap()
            .contains("--out is given twice")
    );
    assert!(!out.exists());
    assert!(!case.dir.path().join("first").exists());
}

#[test]
fn a_response_field_name_an_overlay_path_cannot_name_is_refused() {
    // `Items.Widget` at the top level would share its overlay path with `Widget` in `Items`.
    let case = Case::new();
    case.edit("metadata.json", |v| {
        v["apis"]["DescribeWidgetList"]["responses"]["200"]["schema"]["properties"]
            ["Items.Widget"] = json!({"type": "string", "example": "x"});
    });
    case.expect(
        "metadata.json",
        "/apis/DescribeWidgetList/responses/200/schema/properties/Items.Widget",
        "cannot be named by an overlay path",
    );
}

#[test]
fn out_as_the_overlay_directory_is_refused_and_the_overlay_kept() {
    let case = Case::new();
    let before = std::fs::read_to_string(case.path("PingWidget.json")).unwrap();
    // The same directory, spelled another way.
    let out = case.overlay().join("..").join("overlay");
    let run = case.run(&out);
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--out is the overlay directory"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(case.path("PingWidget.json")).unwrap(),
        before
    );
}

#[test]
fn a_response_field_retyped_to_a_list_or_structure_is_refused() {
    // `Items.Widget.WidgetId` is a string in the metadata; a list shape cannot read it.
    let case = Case::new();
    case.edit("DescribeWidgetList.json", |v| {
        v["response"]["fields"]["Items.Widget.WidgetId"]["type"] = json!("WidgetPageSize");
    });
    case.expect(
        "DescribeWidgetList.json",
        "/response/fields/Items.Widget.WidgetId/type",
        "`WidgetPageSize` is not an enum",
    );
}

#[test]
fn an_overlay_example_in_cjk_text_is_refused() {
    // The docs show examples; an overlay that replaces the metadata's with Chinese text is as
    // wrong as the metadata's own (`无`, "none").
    let case = Case::new();
    case.edit("DescribeWidgetList.json", |v| {
        v["parameters"]["PageSize"]["example"] = json!("三十");
    });
    case.expect(
        "DescribeWidgetList.json",
        "/parameters/PageSize/example",
        "CJK text",
    );
}

#[test]
fn waiters_that_name_what_the_metadata_lacks_are_refused() {
    let waiter = json!({
        "name": "WidgetReady",
        "description": "The widget is ready.",
        "input": "Nope",
        "items": "Items.Nope",
        "status": "Status",
        "success": ["running"],
        "failure": ["broken"],
        "delay_ms": 100,
        "max_delay_ms": 1000,
        "timeout_ms": 60000,
        "colour": "blue",
        "explain": { "operation": "PingWidget", "input": "WidgetId", "extra": 1 }
    });
    let case = Case::new();
    case.edit("DescribeWidgetList.json", |v| {
        v["waiters"] = json!([waiter])
    });
    let errors = case.errors();
    for (pointer, words) in [
        (
            "/waiters/0/input",
            "not a parameter of the metadata's operation",
        ),
        ("/waiters/0/items", "not the path of an array"),
        ("/waiters/0/colour", "colour"),
        ("/waiters/0/explain/extra", "extra"),
    ] {
        assert!(
            errors.iter().any(|(f, p, m)| f == "DescribeWidgetList.json"
                && p == pointer
                && m.contains(words)),
            "no error at {pointer} saying {words:?} in {errors:#?}"
        );
    }
}

#[test]
fn a_waiter_the_metadata_has_names_for_is_checked_on_the_built_spec() {
    // `WidgetStatus` is a metadata parameter, but an enum, not the string naming a widget; the
    // state `broken` is not a `WidgetStatus` value: the spec check names the built file.
    let case = Case::new();
    case.edit("DescribeWidgetList.json", |v| {
        v["waiters"] = json!([{
            "name": "WidgetReady",
            "description": "The widget is ready.",
            "input": "WidgetStatus",
            "items": "Items.Widget",
            "status": "Status",
            "success": ["running"],
            "failure": ["broken"],
            "delay_ms": 100,
            "max_delay_ms": 1000,
            "timeout_ms": 60000
        }]);
    });
    let errors = case.errors();
    for (pointer, words) in [
        ("/waiters/0/input", "must be a string parameter"),
        (
            "/waiters/0/failure/0",
            "`broken` is not a value of `Status`",
        ),
    ] {
        assert!(
            errors
                .iter()
                .any(|(f, p, m)| f == "(imported)/DescribeWidgetList.json"
                    && p == pointer
                    && m.contains(words)),
            "no error at {pointer} saying {words:?} in {errors:#?}"
        );
    }
}
