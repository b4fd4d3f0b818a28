//! `dbs` with credentials from a credentials URI: the temporary secret and token it serves,
//! and the agent key in the URI's query, never show in `--verbose` logs, `--dry-run` output or
//! errors, in any spelling (raw, percent-encoded, JSON-escaped).

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpListener;

use common::{MYSQL_TO_RDS, PASSWORD_VAR, dbs_command, stderr};

const URI_SECRET: &str = "Uri-S3cret/never+printed=01";
const URI_TOKEN: &str = "CAIS-uri/token+never=printed-23";
const AGENT_KEY: &str = "agent-key/never+printed=45";

/// A loopback credentials URI answering every request with `URI_SECRET` and `URI_TOKEN`, for
/// `requests` requests at most (then it stops, so the thread ends).
fn credentials_uri(requests: usize) -> String {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("an address");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 8192];
            let _ = stream.read(&mut request);
            let body = serde_json::json!({
                "Code": "Success",
                "AccessKeyId": "STS.uri-id",
                "AccessKeySecret": URI_SECRET,
                "SecurityToken": URI_TOKEN,
                "Expiration": "2099-01-01T00:00:00Z",
            })
            .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}/credentials?key={}", percent(AGENT_KEY))
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn assert_no_secret(text: &str) {
    for secret in [URI_SECRET, URI_TOKEN, AGENT_KEY] {
        let json = serde_json::to_string(secret).expect("JSON");
        for spelling in [
            secret.to_owned(),
            percent(secret),
            json[1..json.len() - 1].to_owned(),
        ] {
            assert!(!text.contains(&spelling), "{spelling} shows in: {text}");
        }
    }
}

#[test]
fn uri_credentials_never_show_in_verbose_dry_run_output() {
    let home = tempfile::tempdir().expect("empty HOME");
    let uri = credentials_uri(4);
    let mut args = vec!["--endpoint", "http://127.0.0.1:1", "--verbose", "--dry-run"];
    args.extend_from_slice(MYSQL_TO_RDS);
    let output = dbs_command(home.path())
        .args(&args)
        .env(PASSWORD_VAR, "hostile-Pa55")
        .env("ALIBABA_CLOUD_CREDENTIALS_URI", &uri)
        .env("RUST_LOG", "trace")
        .output()
        .expect("run dbs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    // The dry run did sign with the URI's credentials.
    assert!(stdout.contains("STS.uri-id"), "{stdout}");
    assert_no_secret(&stdout);
    assert_no_secret(&stderr(&output));
}

#[test]
fn an_unreachable_uri_is_an_error_without_its_query() {
    let home = tempfile::tempdir().expect("empty HOME");
    // Bound and released: nothing listens there.
    let port = TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let uri = format!(
        "http://127.0.0.1:{port}/credentials?key={}",
        percent(AGENT_KEY)
    );
    let mut args = vec!["--endpoint", "http://127.0.0.1:1", "--verbose"];
    args.extend_from_slice(MYSQL_TO_RDS);
    let output = dbs_command(home.path())
        .args(&args)
        .env(PASSWORD_VAR, "hostile-Pa55")
        .env("ALIBABA_CLOUD_CREDENTIALS_URI", &uri)
        .output()
        .expect("run dbs");
    assert_ne!(output.status.code(), Some(0));
    let text = stderr(&output);
    assert!(text.contains("credentials uri"), "{text}");
    assert_no_secret(&text);
    assert_no_secret(&String::from_utf8_lossy(&output.stdout));
}

/// A configuration file whose values hold terminal control sequences (an unknown mode, a
/// profile name in a cycle): the error names them with the controls escaped, so nothing
/// reaches the terminal raw.
#[test]
fn config_values_with_terminal_controls_are_escaped_in_errors() {
    let home = tempfile::tempdir().expect("temp HOME");
    let role = "acs:ram::1234567890123456:role/dbs-restore";
    let config = serde_json::json!({
        "profiles": [
            {"name": "odd", "mode": "AK\u{1b}]0;pwned\u{7}\u{1b}[2J"},
            {"name": "a\u{1b}[31m", "mode": "ChainableRamRoleArn", "source_profile": "b", "ram_role_arn": role},
            {"name": "b", "mode": "ChainableRamRoleArn", "source_profile": "a\u{1b}[31m", "ram_role_arn": role}
        ]
    });
    let path = home.path().join(".aliyun/config.json");
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(&path, config.to_string()).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    for profile in ["odd", "a\u{1b}[31m"] {
        let mut args = vec!["--endpoint", "http://127.0.0.1:1", "--profile", profile];
        args.extend_from_slice(MYSQL_TO_RDS);
        let output = dbs_command(home.path())
            .args(&args)
            .env(PASSWORD_VAR, "hostile-Pa55")
            .output()
            .expect("run dbs");
        assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
        let text = stderr(&output);
        assert!(text.starts_with("error: credentials: "), "{text:?}");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "raw controls in: {text:?}"
        );
    }
}
