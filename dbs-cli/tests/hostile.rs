//! The `dbs` binary against a hostile loopback server: what the server says reaches stderr with
//! control characters escaped and with every spelling of the call's secrets redacted; and a
//! credentials file others can read is named in a warning on stderr.

mod common;

#[path = "../../dbs-api/tests/support/spellings.rs"]
mod spellings;

use std::path::Path;
use std::process::Output;

use spellings::{PASSWORD, SECRET, TOKEN};

const REDACTED: &str = "** redacted **";

/// A loopback HTTP server answering every request with the same status, content type and body.
fn hostile(status: u16, content_type: &str, body: &str) -> common::Server {
    common::Server::answering(common::response(status, content_type, &[], body))
}

/// `dbs` with a clean environment, `home` as HOME, the test's secrets in the environment.
fn dbs(home: &Path, args: &[&str]) -> Output {
    common::dbs_command(home)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
        .env("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN)
        .env(common::PASSWORD_VAR, PASSWORD)
        .args(args)
        .output()
        .expect("run dbs")
}

/// The README's restore call against `endpoint`.
fn restore(endpoint: &str) -> Vec<&str> {
    ["--endpoint", endpoint]
        .into_iter()
        .chain(common::MYSQL_TO_RDS.iter().copied())
        .collect()
}

/// Runs the restore call against a server answering `status`, `content_type`, `body`; returns
/// stderr.
fn stderr_for(status: u16, content_type: &str, body: &str) -> String {
    let server = hostile(status, content_type, body);
    let home = tempfile::tempdir().expect("temp HOME");
    let output = dbs(home.path(), &restore(&server.url));
    assert_eq!(
        output.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// C0 controls, DEL, C1 controls and the bidirectional overrides and isolates.
fn is_dangerous(c: char) -> bool {
    let c = u32::from(c);
    (c < 0x20 && c != 0x0a)
        || (0x7f..=0x9f).contains(&c)
        || (0x202a..=0x202e).contains(&c)
        || (0x2066..=0x2069).contains(&c)
}

#[test]
fn control_sequences_from_the_server_are_escaped_on_stderr() {
    let gateway = serde_json::json!({
        "Code": "Bad\u{1b}]0;pwned\u{7}",
        "Message": "\u{1b}[2J\u{8}\u{8}ok\n\u{9b}31m \u{202e}gpj.exe",
        "RequestId": "req\u{7f}-\u{2066}1",
    });
    let business = serde_json::json!({
        "Success": false,
        "ErrCode": "X\u{1b}[2J",
        "ErrMessage": "gone\u{8}\u{8}ok",
        "HttpStatusCode": 400,
        "RequestId": "\u{85}id",
    });
    for (status, content_type, body) in [
        (400, "application/json", gateway.to_string()),
        (200, "application/json", business.to_string()),
        (
            400,
            "text/html",
            "<html>\u{1b}]0;title\u{7}\u{1b}[2J\u{8}\u{202d}page</html>".to_owned(),
        ),
    ] {
        let text = stderr_for(status, content_type, &body);
        assert!(!text.chars().any(is_dangerous), "{text:?}");
        assert!(text.contains("\\u{1b}"), "{text:?}");
        assert_eq!(text.lines().count(), 1, "{text:?}");
    }
}

#[test]
fn control_characters_in_a_successful_answer_are_escaped_on_stdout() {
    let answer = serde_json::json!({
        "RequestId": "req\u{9b}2J",
        "RestoreTaskId": "task\u{1b}]0;t\u{7}\u{7f}\u{202e}\u{2069}-1",
        "Success": true,
    });
    let server = hostile(200, "application/json", &answer.to_string());
    let home = tempfile::tempdir().expect("temp HOME");
    let output = dbs(home.path(), &restore(&server.url));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(!stdout.chars().any(is_dangerous), "{stdout:?}");
    // Escaped as JSON, so the value read back is the server's.
    let printed: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(printed["RestoreTaskId"], answer["RestoreTaskId"]);
}

#[test]
fn every_spelling_of_the_secrets_is_redacted_on_stderr() {
    let all = spellings::all();
    let joined: Vec<&str> = all.iter().map(|(_, spelling, _)| *spelling).collect();
    let joined = joined.join(" | ");
    let mut outputs = vec![
        stderr_for(
            400,
            "application/json",
            &serde_json::json!({"Code": "InvalidParameter", "Message": joined, "RequestId": "r1"})
                .to_string(),
        ),
        stderr_for(
            200,
            "application/json",
            &serde_json::json!({"Success": false, "ErrCode": "E", "ErrMessage": joined, "RequestId": "r2"})
                .to_string(),
        ),
        stderr_for(
            400,
            "application/json",
            &serde_json::json!({"Code": "InvalidParameter", "Message": "m", "RequestId": joined})
                .to_string(),
        ),
    ];
    // An error page is cut to 200 characters: one spelling per page.
    for (_, spelling, _) in &all {
        outputs.push(stderr_for(
            400,
            "text/html",
            &format!("<html><body>{spelling}</body></html>"),
        ));
    }
    for text in &outputs {
        assert!(text.contains(REDACTED), "{text}");
        for (secret, spelling, kept) in &all {
            assert!(
                !text.contains(secret) && !text.contains(&spelling[*kept..]),
                "{spelling:?} leaks in {text}"
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn a_credentials_file_others_can_read_is_named_in_a_warning() {
    use std::os::unix::fs::PermissionsExt as _;
    let home = tempfile::tempdir().expect("temp HOME");
    let path = home.path().join(".alibabacloud/credentials");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &path,
        "[default]\ntype = access_key\naccess_key_id = LTAIfile\naccess_key_secret = file-Secret-1\n",
    )
    .expect("write");
    let run = |mode: u32| {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let mut args = restore("http://127.0.0.1:9");
        args.push("--dry-run");
        let output = common::dbs_command(home.path())
            .env(common::PASSWORD_VAR, PASSWORD)
            .args(&args)
            .output()
            .expect("run dbs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let text = run(0o644);
    assert!(
        text.contains(&path.display().to_string())
            && text.contains("group or others")
            && text.contains("0644"),
        "{text}"
    );
    assert!(!text.contains("file-Secret-1"), "{text}");
    assert_eq!(run(0o600), "");
}

/// Characters that show nothing or break a line, each printed raw before issue 8's finding 4.
const INVISIBLE: &[char] = &[
    '\u{2028}',
    '\u{2029}',
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{2060}',
    '\u{2064}',
    '\u{206A}',
    '\u{206F}',
    '\u{FEFF}',
    '\u{FFF9}',
    '\u{FFFB}',
    '\u{00AD}',
    '\u{034F}',
    '\u{115F}',
    '\u{3164}',
    '\u{FFA0}',
    '\u{E0001}',
    '\u{E007F}',
    '\u{FE0F}',
    '\u{FFFE}',
    '\u{FFFF}',
    '\u{10FFFF}',
];

#[test]
fn invisible_and_separator_characters_are_escaped_on_stderr_and_stdout() {
    let hidden: String = INVISIBLE.iter().collect();
    let error = serde_json::json!({
        "Code": "InvalidParameter",
        "Message": format!("bad{hidden}value"),
        "RequestId": format!("req{hidden}1"),
    });
    let text = stderr_for(400, "application/json", &error.to_string());
    assert!(!text.contains(INVISIBLE), "{text:?}");
    assert!(text.contains("bad\\u{2028}\\u{2029}\\u{200b}"), "{text:?}");
    assert!(text.contains("(RequestId: req\\u{2028}"), "{text:?}");

    let answer = serde_json::json!({
        "RequestId": format!("req{hidden}2"),
        "RestoreTaskId": format!("task{hidden}"),
        "Success": true,
    });
    let server = hostile(200, "application/json", &answer.to_string());
    let home = tempfile::tempdir().expect("temp HOME");
    let output = dbs(home.path(), &restore(&server.url));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains(INVISIBLE), "{stdout:?}");
    assert!(stdout.contains("task\\u2028\\u2029\\u200b"), "{stdout}");
    // Escaped as JSON, so the value read back is the server's.
    let printed: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(printed["RestoreTaskId"], answer["RestoreTaskId"]);
}

/// Runs the restore call against a server answering `answer` at 200; returns stdout.
fn stdout_for(answer: &serde_json::Value) -> String {
    let server = hostile(200, "application/json", &answer.to_string());
    let home = tempfile::tempdir().expect("temp HOME");
    let output = dbs(home.path(), &restore(&server.url));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn the_secrets_are_redacted_from_a_successful_answer_on_stdout() {
    // Issue 8, finding 5: both values printed raw, exit 0. `%2D` is `-` percent-encoded.
    let server = hostile(
        200,
        "application/json",
        r#"{"Success":true,"RestoreTaskId":"demo-Passw0rd","RequestId":"demo%2DPassw0rd"}"#,
    );
    let home = tempfile::tempdir().expect("temp HOME");
    let output = dbs_with_password(home.path(), &restore(&server.url), "demo-Passw0rd");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let printed: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(
        printed,
        serde_json::json!({"Success": true, "RestoreTaskId": REDACTED, "RequestId": REDACTED})
    );

    // Every spelling of the password, the AccessKeySecret and the SecurityToken. The CLI prints
    // the operation's output, whose fields are the spec's: the echoes go in its strings.
    let all = spellings::all();
    let echoes: Vec<&str> = all.iter().map(|(_, spelling, _)| *spelling).collect();
    let echoes = echoes.join(" | ");
    let answer = serde_json::json!({
        "Success": true,
        "RequestId": format!("r1 {echoes}"),
        "RestoreTaskId": format!("task {SECRET} {TOKEN} {PASSWORD}"),
    });
    let stdout = stdout_for(&answer);
    let printed: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(
        printed["RestoreTaskId"],
        format!("task {REDACTED} {REDACTED} {REDACTED}")
    );
    assert!(
        printed["RequestId"]
            .as_str()
            .is_some_and(|id| id.starts_with("r1 ") && id.contains(REDACTED)),
        "{stdout}"
    );
    for (secret, spelling, kept) in &all {
        assert!(
            !stdout.contains(secret) && !stdout.contains(&spelling[*kept..]),
            "{spelling:?} leaks in {stdout}"
        );
    }
}

/// [`dbs`] with `password` as the destination password.
fn dbs_with_password(home: &Path, args: &[&str], password: &str) -> Output {
    common::dbs_command(home)
        .envs(common::DEMO_CREDENTIALS)
        .env(common::PASSWORD_VAR, password)
        .args(args)
        .output()
        .expect("run dbs")
}
