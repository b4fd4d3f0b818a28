//! Every credentials mode through `dbs`, against a foreground `dbs emulator` that plays DBS,
//! STS, the ECS metadata service and a credentials URI on one loopback port: profiles of each
//! aliyun CLI mode (`--profile`), each shared-file type, and the environment (OIDC, the ECS
//! role, a credentials URI). Each creates a restore task with temporary credentials.

mod common;

use std::path::Path;
use std::process::Output;

use common::{Emulator, MYSQL_TO_RDS, PASSWORD_VAR, dbs_command, stderr};

const ROLE_ARN: &str = "acs:ram::1234567890123456:role/dbs-restore";
const OIDC_PROVIDER_ARN: &str = "acs:ram::1234567890123456:oidc-provider/ack-rrsa-demo";
/// JWT-shaped (three base64url parts) without `exp`: the emulator checks the shape only.
const OIDC_TOKEN: &str =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGJzIn0.c2ln";

/// Writes `contents` at `home/relative`, readable by its owner only (as `aliyun configure`
/// does), so `dbs` has nothing to warn about.
fn write_private(home: &Path, relative: &str, contents: &str) {
    let path = home.join(relative);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(&path, contents).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

fn run(home: &Path, url: &str, before: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["--endpoint", url];
    args.extend_from_slice(before);
    args.extend_from_slice(MYSQL_TO_RDS);
    dbs_command(home)
        .args(&args)
        .env(PASSWORD_VAR, "modes-Pa55")
        .envs(env.iter().copied())
        .output()
        .expect("run dbs")
}

fn assert_created(output: &Output, what: &str) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{what}: stderr: {}",
        stderr(output)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert!(
        json["RestoreTaskId"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{what}: {json}"
    );
    assert_eq!(stderr(output), "", "{what}");
}

#[test]
fn every_profile_mode_and_file_type_creates_a_restore_task() {
    let emulator = Emulator::start_alone();
    let url = emulator.url.clone();
    let home = tempfile::tempdir().expect("temp HOME");
    let token_file = home.path().join("oidc-token");
    std::fs::write(&token_file, OIDC_TOKEN).expect("token");
    let config = serde_json::json!({
        "current": "role",
        "profiles": [
            {"name": "role", "mode": "RamRoleArn", "access_key_id": "testid",
             "access_key_secret": "testsecret", "ram_role_arn": ROLE_ARN,
             "ram_session_name": "cli-role", "expired_seconds": 900},
            {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "role",
             "ram_role_arn": ROLE_ARN},
            {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "dbs-ecs-role"},
            {"name": "ecs-discovered", "mode": "EcsRamRole", "ram_role_name": ""},
            {"name": "oidc", "mode": "OIDC", "ram_role_arn": ROLE_ARN,
             "oidc_provider_arn": OIDC_PROVIDER_ARN,
             "oidc_token_file": token_file.to_str().expect("utf-8")}
        ]
    });
    write_private(home.path(), ".aliyun/config.json", &config.to_string());
    write_private(
        home.path(),
        ".alibabacloud/credentials",
        &format!(
            "[file-role]\ntype = ram_role_arn\naccess_key_id = testid\n\
             access_key_secret = testsecret\nrole_arn = {ROLE_ARN}\n\n\
             [file-ecs]\ntype = ecs_ram_role\nrole_name = dbs-ecs-role\n\n\
             [file-oidc]\ntype = oidc_role_arn\nrole_arn = {ROLE_ARN}\n\
             oidc_provider_arn = {OIDC_PROVIDER_ARN}\noidc_token_file_path = {}\n",
            token_file.display()
        ),
    );
    let endpoints = [
        ("DBS_STS_ENDPOINT", url.as_str()),
        ("DBS_ECS_METADATA_ENDPOINT", url.as_str()),
    ];
    for profile in [
        "role",
        "chained",
        "ecs",
        "ecs-discovered",
        "oidc",
        "file-role",
        "file-ecs",
        "file-oidc",
    ] {
        for signature in ["v3", "v1"] {
            let output = run(
                home.path(),
                &url,
                &["--profile", profile, "--signature", signature],
                &endpoints,
            );
            assert_created(
                &output,
                &format!("--profile {profile} --signature {signature}"),
            );
        }
    }
}

#[test]
fn oidc_the_ecs_role_and_a_credentials_uri_from_the_environment_create_a_restore_task() {
    let emulator = Emulator::start_alone();
    let url = emulator.url.clone();
    let home = tempfile::tempdir().expect("empty HOME");
    let token_file = home.path().join("oidc-token");
    std::fs::write(&token_file, OIDC_TOKEN).expect("token");
    let token_file = token_file.to_str().expect("utf-8").to_owned();
    let uri = format!("{url}/credentials-uri");
    let cases: [(&str, Vec<(&str, &str)>); 3] = [
        (
            "OIDC",
            vec![
                ("ALIBABA_CLOUD_ROLE_ARN", ROLE_ARN),
                ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", OIDC_PROVIDER_ARN),
                ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &token_file),
                ("DBS_STS_ENDPOINT", &url),
            ],
        ),
        (
            "ECS role",
            vec![
                ("ALIBABA_CLOUD_ECS_METADATA", "dbs-ecs-role"),
                ("DBS_ECS_METADATA_ENDPOINT", &url),
            ],
        ),
        (
            "credentials URI",
            vec![("ALIBABA_CLOUD_CREDENTIALS_URI", &uri)],
        ),
    ];
    for (what, env) in cases {
        assert_created(&run(home.path(), &url, &[], &env), what);
    }
}

#[test]
fn a_profile_cycle_is_refused_before_anything_is_sent() {
    let home = tempfile::tempdir().expect("temp HOME");
    let config = serde_json::json!({
        "profiles": [
            {"name": "a", "mode": "ChainableRamRoleArn", "source_profile": "b", "ram_role_arn": ROLE_ARN},
            {"name": "b", "mode": "ChainableRamRoleArn", "source_profile": "a", "ram_role_arn": ROLE_ARN}
        ]
    });
    write_private(home.path(), ".aliyun/config.json", &config.to_string());
    let output = run(home.path(), "http://127.0.0.1:1", &["--profile", "a"], &[]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.starts_with("error: credentials: ")
            && text.contains("profiles 'a' -> 'b' -> 'a'")
            && text.contains("cycle"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

/// A JWT-shaped OIDC token whose `exp` is `seconds` from now (the emulator's STS enforces it).
fn oidc_token_expiring_in(seconds: u64) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let claims = serde_json::json!({"sub": "system:serviceaccount:dbs", "exp": now + seconds});
    format!(
        "{}.{}.c2ln",
        b64.encode(r#"{"alg":"RS256"}"#),
        b64.encode(claims.to_string())
    )
}

#[test]
fn credentials_lost_while_waiting_exit_sent_and_say_how_to_wait_again() {
    // Credentials live 2 s; the OIDC token behind them expires after 3 s, so the refresh after
    // that fails, and the task (20 s) is still running: `restore --wait` has created and
    // started it, so it must not exit 2 ("nothing was sent"), and it says how to wait again.
    let home = tempfile::tempdir().expect("empty HOME");
    let emulator = Emulator::start(
        home.path(),
        &[
            "--sts-credential-lifetime-ms",
            "2000",
            "--task-duration-ms",
            "20000",
        ],
        &[],
    );
    let token_file = home.path().join("oidc-token");
    std::fs::write(&token_file, oidc_token_expiring_in(3)).expect("token");
    let output = dbs_command(home.path())
        .args(["--endpoint", &emulator.url, "restore"])
        // `restore` takes create-restore-task's flags.
        .args(&MYSQL_TO_RDS[1..])
        .arg("--wait")
        .env(PASSWORD_VAR, "modes-Pa55")
        .env("ALIBABA_CLOUD_ROLE_ARN", ROLE_ARN)
        .env("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", OIDC_PROVIDER_ARN)
        .env("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &token_file)
        .env("DBS_STS_ENDPOINT", &emulator.url)
        .output()
        .expect("run dbs");
    let text = stderr(&output);
    assert!(text.contains("started restore task"), "{text}");
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("dbs wait restore-task --restore-task-id r"),
        "says how to wait again: {text}"
    );
}
