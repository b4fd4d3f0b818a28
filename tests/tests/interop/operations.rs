//! Every operation of the spec, judged by the official SDK (issue 10, item 5).
//!
//! The example request of each operation is read from the committed spec files
//! (`spec/dbs-2019-03-06/<Op>.json`, `parameters[].example`: the official metadata's examples,
//! overridden by the overlay only where a masked value breaks a rule), not from the generated
//! registry, so the spec and what the SDK was generated from are compared directly.
//!
//! 1. The official Python SDK sends each example (V3 and V1) to the emulator, with the Python
//!    types its request model declares, and must get a DBS answer: a success, or a business
//!    error whose code the operation's or the service's error table documents; never a gateway
//!    error (a signature the emulator does not reproduce, an action it does not know) nor
//!    anything undocumented.
//! 2. Our client sends each example through the registry (`Client::call`, the CLI's path) to a
//!    capture server, and the official signers reproduce every signature.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::*;

/// A business code that says the emulator failed rather than answered: not a DBS answer even
/// though the service table lists it. (The gateway's codes, [`GATEWAY_CODES`], are not answers
/// either; that includes `MissingParameter`: an example gives every parameter of its operation,
/// so that code could only mean a common parameter the gateway did not find.)
const NOT_AN_ANSWER: &[&str] = &["InternalError", "ServiceUnavailable"];

/// One operation of the committed spec, as the files state it.
struct SpecOperation {
    name: String,
    /// `(wire name, spec type, example)` in spec order, for every parameter with an example.
    params: Vec<(String, String, String)>,
    /// The codes of the operation's error table.
    errors: BTreeSet<String>,
    /// The rule ID of each parameter's `forbidden` rule.
    forbidden: BTreeMap<String, String>,
}

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/dbs-2019-03-06")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

fn codes(errors: &Value) -> BTreeSet<String> {
    errors
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|e| e["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The service's common error codes and every operation, in file-name order.
fn spec_operations() -> (BTreeSet<String>, Vec<SpecOperation>) {
    let dir = spec_dir();
    let service = read_json(&dir.join("service.json"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name().is_some_and(|n| n != "service.json")
        })
        .collect();
    files.sort();
    let operations = files
        .iter()
        .map(|path| {
            let op = read_json(path);
            let declared = op["parameters"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            let forbidden = declared
                .iter()
                .filter_map(|p| {
                    Some((
                        p["name"].as_str()?.to_owned(),
                        p["forbidden"]["id"].as_str()?.to_owned(),
                    ))
                })
                .collect();
            let params = declared
                .iter()
                .filter_map(|p| {
                    Some((
                        p["name"].as_str()?.to_owned(),
                        p["type"].as_str()?.to_owned(),
                        p["example"].as_str()?.to_owned(),
                    ))
                })
                .collect();
            SpecOperation {
                name: op["name"].as_str().expect("an operation name").to_owned(),
                params,
                errors: codes(&op["errors"]),
                forbidden,
            }
        })
        .collect();
    (codes(&service["errors"]), operations)
}

/// An example as the Python SDK's request model types it: integers as numbers, booleans as
/// booleans, everything else (strings, enums, JSON-string parameters) as text.
fn typed_example(op: &str, name: &str, kind: &str, example: &str) -> Result<Value, String> {
    match kind {
        "int32" | "int64" => example
            .parse::<i64>()
            .map(Value::from)
            .map_err(|e| format!("{op}.{name}: the {kind} example {example:?} is no integer: {e}")),
        "boolean" => example
            .parse::<bool>()
            .map(Value::from)
            .map_err(|e| format!("{op}.{name}: the boolean example {example:?}: {e}")),
        _ => Ok(Value::String(example.to_owned())),
    }
}

/// A DBS answer of the official client, or why it is not one. The business code is read from
/// the body (`ErrCode`, DBS's envelope; `ErrorCode`, InitializeDbsServiceLinkedRole's; `Code`,
/// the gateway's) or, when the SDK raised, from the data it kept.
fn judge(result: &Value, documented: &BTreeSet<String>) -> Result<String, String> {
    if let Some(refused) = result.get("refused") {
        return Err(format!("the SDK did not call: {refused}"));
    }
    let body = if result["raised"] == true {
        &result["data"]
    } else {
        &result["body"]
    };
    // `Success` is a boolean, or the text "true" where the SDK's model types it as a string
    // (InitializeDbsServiceLinkedRole's, as its official example spells it).
    let success = body["Success"] == true
        || body["Success"]
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("true"));
    if result["raised"] == false && success {
        return match body["RequestId"].as_str() {
            Some(id) if !id.is_empty() => Ok("success".to_owned()),
            _ => Err(format!("a success without RequestId: {result}")),
        };
    }
    let code = ["ErrCode", "ErrorCode", "Code"]
        .iter()
        .find_map(|field| body[*field].as_str())
        // Raised without data: the SDK's own reading of the code.
        .or_else(|| result["code"].as_str().filter(|_| result["raised"] == true))
        .unwrap_or_default();
    if code.is_empty() {
        Err(format!("neither a success nor an error code: {result}"))
    } else if GATEWAY_CODES.contains(&code) || NOT_AN_ANSWER.contains(&code) {
        Err(format!("not a DBS answer ({code}): {result}"))
    } else if !documented.contains(code) {
        Err(format!(
            "the code {code} is in neither the operation's nor the service's error table: {result}"
        ))
    } else {
        Ok(format!("business error {code}"))
    }
}

/// Where the official SDK's response model (`read`, its `to_map()`) lost or changed what the
/// emulator answered (`wire`, the JSON the SDK received): a field name the SDK does not know
/// (misspelt, or at another depth) is dropped by the model.
fn lost_by_the_sdk(wire: &Value, read: &Value, path: &str) -> Vec<String> {
    match (wire, read) {
        (Value::Object(wire), Value::Object(read)) => wire
            .iter()
            .flat_map(|(key, value)| {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match read.get(key) {
                    Some(kept) => lost_by_the_sdk(value, kept, &at),
                    None if value.is_null() => Vec::new(),
                    None => vec![format!("drops {at} = {value}")],
                }
            })
            .collect(),
        (Value::Array(wire), Value::Array(read)) if wire.len() == read.len() => wire
            .iter()
            .zip(read)
            .enumerate()
            .flat_map(|(i, (w, r))| lost_by_the_sdk(w, r, &format!("{path}[{i}]")))
            .collect(),
        _ if wire == read => Vec::new(),
        _ => vec![format!("reads {path} = {wire} as {read}")],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdk_calls_every_operation_against_the_emulator() {
    let (common, operations) = spec_operations();
    assert_eq!(operations.len(), 36, "the spec has 36 operations");
    let mut failures = Vec::new();
    let mut input = Vec::new();
    let mut ids = Vec::new();
    for sig in ["v3", "v1"] {
        for op in &operations {
            let mut params = serde_json::Map::new();
            for (name, kind, example) in &op.params {
                match typed_example(&op.name, name, kind, example) {
                    Ok(value) => {
                        params.insert(name.clone(), value);
                    }
                    Err(why) => failures.push(why),
                }
            }
            let id = format!("{sig} {}", op.name);
            input.push(json!({"id": id, "sig": sig, "access_key_id": KEY_ID,
                              "access_key_secret": SECRET, "action": op.name, "typed": true,
                              "params": params}));
            ids.push((id, op));
        }
    }
    assert!(failures.is_empty(), "examples:\n{}", failures.join("\n"));
    // Controls, so that neither the driver's refusals nor the judge can be vacuous: what the
    // driver must refuse to send, and a call the gateway must refuse.
    let regions = operations
        .iter()
        .find(|op| op.name == "DescribeRegions")
        .expect("the spec has DescribeRegions");
    let controls = [
        (
            json!({"action": "DescribeNoSuchThing", "params": {}}),
            "the SDK has no method for the action 'DescribeNoSuchThing'",
        ),
        (
            json!({"action": "DescribeRegions", "params": {"NoSuchParameter": "x"}}),
            "the SDK's request model drops ['NoSuchParameter']",
        ),
        (
            json!({"action": "DescribeBackupPlanList", "params": {"PageSize": "30"}}),
            "PageSize: the model declares int, got str '30'",
        ),
    ];
    let calls = input.len();
    for (i, (control, _)) in controls.iter().enumerate() {
        let mut line = control.clone();
        line["id"] = json!(format!("control {i}"));
        line["sig"] = json!("v3");
        line["access_key_secret"] = json!(SECRET);
        line["typed"] = json!(true);
        input.push(line);
    }
    let examples: serde_json::Map<String, Value> = regions
        .params
        .iter()
        .map(|(name, _, example)| (name.clone(), Value::String(example.clone())))
        .collect();
    input.push(
        json!({"id": "control wrong secret", "sig": "v3", "access_key_id": KEY_ID,
                      "access_key_secret": WRONG_SECRET, "action": regions.name,
                      "typed": true, "params": examples}),
    );

    let emulator = emulator(false).await;
    let endpoint = emulator.url().trim_start_matches("http://").to_owned();
    let args = vec![OsString::from("--endpoint"), OsString::from(&endpoint)];
    let started = Instant::now();
    let results = python_script("official_client.py", args, input).await;
    let calling = started.elapsed();
    assert_eq!(
        results.len(),
        calls + controls.len() + 1,
        "one answer per line"
    );
    for ((_, refusal), result) in controls.iter().zip(&results[calls..]) {
        let said = result["refused"].as_str().unwrap_or_default();
        assert!(
            said.contains(refusal),
            "the driver must refuse with {refusal:?}: {result:#}"
        );
    }
    let wrong_secret = judge(&results[calls + controls.len()], &common)
        .expect_err("a wrong secret is no DBS answer");
    assert!(
        wrong_secret.contains("not a DBS answer (SignatureDoesNotMatch)"),
        "{wrong_secret}"
    );

    // The comparison of the SDK's reading with what it received sees a dropped field.
    assert_eq!(
        lost_by_the_sdk(
            &json!({"A": 1, "B": {"C": [2]}, "D": null}),
            &json!({"A": 1, "B": {}}),
            ""
        ),
        ["drops B.C = [2]"]
    );
    let mut outcomes = BTreeMap::<String, Vec<&str>>::new();
    for ((id, op), result) in ids.iter().zip(&results) {
        assert_eq!(result["id"], id.as_str(), "answers out of order");
        let documented: BTreeSet<String> = op.errors.union(&common).cloned().collect();
        match judge(result, &documented) {
            Ok(outcome) => outcomes.entry(outcome).or_default().push(id),
            Err(why) => failures.push(format!("{id}: {why}")),
        }
        if result["raised"] == false {
            if !result["wire_body"].is_object() {
                failures.push(format!("{id}: the driver kept no received JSON: {result}"));
            }
            failures.extend(
                lost_by_the_sdk(&result["wire_body"], &result["body"], "")
                    .into_iter()
                    .map(|lost| format!("{id}: the SDK's response model {lost}")),
            );
        }
    }
    // Each call reached the emulator as its own action, once per signature version.
    let requests = emulator.state().requests;
    // (DescribeRegions once more: the wrong-secret control.)
    for op in &operations {
        let seen = requests.get(&op.name).copied().unwrap_or_default();
        let expected = if op.name == regions.name { 3 } else { 2 };
        if seen != expected {
            failures.push(format!(
                "{}: the emulator saw {seen} requests of it, expected {expected}",
                op.name
            ));
        }
    }
    println!(
        "official Python SDK: {} calls of {} operations (and {} controls) in {:.2}s",
        calls,
        operations.len(),
        results.len() - calls,
        calling.as_secs_f64()
    );
    for (outcome, calls) in &outcomes {
        if outcome == "success" {
            println!("  {outcome}: {} calls", calls.len());
        } else {
            println!("  {outcome}: {}", calls.join(", "));
        }
    }
    assert!(
        failures.is_empty(),
        "{} official SDK calls got no DBS answer:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The action a captured request names (`x-acs-action` for V3, `Action` for V1).
fn captured_action(captured: &Captured) -> Option<String> {
    captured
        .header("x-acs-action")
        .map(str::to_owned)
        .or_else(|| {
            form_urldecode(captured.query().as_bytes())
                .ok()?
                .into_iter()
                .chain(form_urldecode(&captured.body_bytes).ok()?)
                .find(|(k, _)| k == "Action")
                .map(|(_, v)| v)
        })
}

/// The official parser's reading of a captured body, as a map.
fn read_body_params(result: &Value) -> BTreeMap<String, String> {
    result["body_params"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_owned(),
                p[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_sends_every_operation_example_and_the_official_signer_agrees() {
    let (_, operations) = spec_operations();
    assert_eq!(operations.len(), 36, "the spec has 36 operations");
    // Each request is answered with its operation's official success example.
    let server = Server::start(|request, _| {
        let example = captured_action(request)
            .and_then(|action| dbs_api::operation(&action))
            .and_then(|op| op.example);
        match example {
            Some(body) => Reply::json(200, body),
            None => Reply::json(404, r#"{"Code":"InvalidAction.NotFound"}"#),
        }
    })
    .await;

    let mut failures = Vec::new();
    let mut refused = Vec::new();
    let mut sent: Vec<(&SpecOperation, SignatureVersion, BTreeMap<String, String>)> = Vec::new();
    let started = Instant::now();
    for version in VERSIONS {
        let client = client(server.url(), version, SECRET);
        for op in &operations {
            let Some(meta) = dbs_api::operation(&op.name) else {
                failures.push(format!("{}: not in the registry", op.name));
                continue;
            };
            let mut params: Vec<(String, String)> = op
                .params
                .iter()
                .map(|(name, _, example)| (name.clone(), example.clone()))
                .collect();
            let mut result = client.call(meta, &params, None).await;
            // An example that breaks one of the spec's `forbidden` rules is refused before
            // anything is sent, naming the rule; it is sent again without those parameters.
            if let Err(e) = &result
                && let Some(refusal) = e.as_validation_error()
            {
                let mut dropped = BTreeSet::new();
                for violation in refusal.violations() {
                    let rule = op.forbidden.get(violation.parameter());
                    if rule.is_none() || violation.rule_id() != rule.map(String::as_str) {
                        failures.push(format!(
                            "{} ({version}): our client refused the example, and not for a forbidden parameter of the spec: {e}",
                            op.name
                        ));
                    }
                    dropped.insert(violation.parameter().to_owned());
                }
                params.retain(|(name, _)| !dropped.contains(name));
                refused.push(format!("{} ({version}) without {dropped:?}", op.name));
                result = client.call(meta, &params, None).await;
            }
            match result {
                Err(e) if e.as_validation_error().is_some() => {
                    failures.push(format!(
                        "{} ({version}): our client did not send the example: {e}",
                        op.name
                    ));
                    continue;
                }
                Err(e) => failures.push(format!(
                    "{} ({version}): our client did not read the official example answer: {e}",
                    op.name
                )),
                Ok(_) => {}
            }
            sent.push((op, version, params.into_iter().collect()));
        }
    }
    let sending = started.elapsed();
    let captures = server.take();
    assert_eq!(captures.len(), sent.len(), "one capture per request");

    let input: Vec<Value> = captures
        .iter()
        .enumerate()
        .map(|(i, c)| oracle_record(i, c, SECRET))
        .collect();
    let started = Instant::now();
    let results = python_script("oracle.py", Vec::new(), input).await;
    let judging = started.elapsed();
    assert_eq!(results.len(), captures.len(), "one verdict per capture");

    for (i, ((op, version, meant), captured)) in sent.iter().zip(&captures).enumerate() {
        let result = &results[i];
        assert_eq!(result["id"], i, "oracle answers out of order");
        let who = format!("{} ({version})", op.name);
        if result["ok"] != true {
            let (ours, _) = our_view(captured);
            failures.push(format!(
                "{who}: the official signer disagrees:\n  sent:     {}\n  official: {}\n  problems: {}\n  error:    {}\n  ours   string-to-sign: {ours:?}\n  theirs string-to-sign: {}",
                result["sent"],
                result["official"],
                result["problems"],
                result["error"],
                result["string_to_sign"]
            ));
        }
        if captured_action(captured).as_deref() != Some(op.name.as_str()) {
            failures.push(format!(
                "{who}: sent as the action {:?}",
                captured_action(captured)
            ));
        }
        // What the official parser reads is the example, value for value.
        let read = read_body_params(result);
        if &read != meant {
            failures.push(format!(
                "{who}: the official parser reads other values than the example:\n  example: {meant:?}\n  read:    {read:?}"
            ));
        }
    }
    println!(
        "official signer checked {} captures of {} operations; sending {:.2}s, judging {:.2}s; examples sent without their forbidden parameters: {refused:?}",
        captures.len(),
        operations.len(),
        sending.as_secs_f64(),
        judging.as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
