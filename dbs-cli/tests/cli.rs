//! End-to-end tests of the `dbs` binary: each runs it as a process, with HOME set to an empty
//! temporary directory and every `ALIBABA_CLOUD_*` / `DBS_*` / proxy variable removed, so the
//! developer's real credentials and profiles are never read. Only loopback is contacted.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::{
    DEMO_CREDENTIALS, Emulator as Foreground, MYSQL_TO_RDS, PASSWORD_VAR, Server, dbs_command,
    stderr, stdout,
};

/// Runs `dbs args...` with extra environment variables and an empty HOME.
fn dbs(args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().expect("temp HOME");
    dbs_in(home.path(), args, env)
}

fn dbs_in(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = dbs_command(home);
    command.args(args).envs(env.iter().copied());
    command.output().expect("run dbs")
}

fn with<'a>(before: &[&'a str], after: &[&'a str]) -> Vec<&'a str> {
    before
        .iter()
        .chain(MYSQL_TO_RDS)
        .chain(after)
        .copied()
        .collect()
}

fn assert_created(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let id = json["RestoreTaskId"].as_str().unwrap_or_default();
    assert!(!id.is_empty(), "no RestoreTaskId in {json}");
    assert!(
        stdout(output).contains("\n  \"RestoreTaskId\""),
        "not pretty-printed: {}",
        stdout(output)
    );
    assert_eq!(stderr(output), "");
}

#[test]
fn emulator_creates_a_restore_task() {
    let output = dbs(&with(&["--emulator"], &[]), &[(PASSWORD_VAR, "demo-Pass1")]);
    assert_created(&output);
}

#[test]
fn emulator_accepts_v1_signatures() {
    let output = dbs(
        &with(&["--emulator", "--signature", "v1"], &[]),
        &[(PASSWORD_VAR, "demo-Pass1")],
    );
    assert_created(&output);
}

#[test]
fn global_options_may_follow_the_subcommand() {
    let output = dbs(
        &with(&[], &["--emulator", "--signature", "V3"]),
        &[(PASSWORD_VAR, "demo-Pass1")],
    );
    assert_created(&output);
}

#[test]
fn wire_names_are_accepted_as_flags() {
    let args: Vec<&str> = with(&["--emulator"], &[])
        .into_iter()
        .map(|arg| match arg {
            "--backup-plan-id" => "--BackupPlanId",
            "--destination-endpoint-instance-id" => "--DestinationEndpointInstanceID",
            other => other,
        })
        .collect();
    assert!(args.contains(&"--BackupPlanId"));
    let output = dbs(&args, &[(PASSWORD_VAR, "demo-Pass1")]);
    assert_created(&output);
}

#[test]
fn missing_required_parameters_are_listed_and_nothing_is_sent() {
    let output = dbs(
        &[
            "--emulator",
            "create-restore-task",
            "--destination-endpoint-instance-type",
            "RDS",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let text = stderr(&output);
    let mut lines = text.lines();
    let head = lines.next().unwrap_or_default();
    assert!(
        head.starts_with("error: ") && head.ends_with("invalid parameters:"),
        "{text}"
    );
    let items: Vec<&str> = lines.collect();
    assert!(items.iter().all(|line| line.starts_with("  - ")), "{text}");
    for parameter in [
        "BackupPlanId",
        "RestoreTaskName",
        "DestinationEndpointRegion",
        "DestinationEndpointInstanceID",
    ] {
        assert!(
            items
                .iter()
                .any(|line| line.starts_with(&format!("  - {parameter}: "))),
            "{parameter} not in {text}"
        );
    }
    assert!(head.contains(&format!("{} invalid", items.len())), "{text}");
}

#[test]
fn a_bad_integer_is_a_validation_error() {
    let output = dbs(
        &with(&["--emulator"], &["--destination-endpoint-port", "33o6"]),
        &[(PASSWORD_VAR, "pw")],
    );
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let text = stderr(&output);
    assert!(
        text.starts_with("error: 1 invalid parameter:\n  - DestinationEndpointPort: "),
        "{text}"
    );
    assert!(text.contains("33o6"), "{text}");
}

#[test]
fn a_password_on_the_command_line_is_refused() {
    for flag in [
        &["--destination-endpoint-password", "Cli-Secret-7731"][..],
        &["--destination-endpoint-password=Cli-Secret-7731"][..],
        &["--DestinationEndpointPassword", "Cli-Secret-7731"][..],
    ] {
        let output = dbs(&with(&["--emulator"], flag), &[]);
        assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
        assert_eq!(stdout(&output), "");
        let text = stderr(&output);
        assert!(
            text.starts_with("error: ") && text.contains(PASSWORD_VAR),
            "{text}"
        );
        assert!(!text.contains("Cli-Secret-7731"), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
    }
}

#[test]
fn the_password_comes_from_the_environment_and_dry_run_masks_it() {
    let password = "Zq9-Unmistakable-Pw-4417";
    let env = [(PASSWORD_VAR, password)];
    let output = dbs(&with(&["--emulator", "--dry-run", "--verbose"], &[]), &env);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("POST http://127.0.0.1:"), "{text}");
    assert!(
        text.contains("DestinationEndpointPassword="),
        "the password is sent: {text}"
    );
    assert!(text.contains("BackupPlanId=dbsdemomysql01"), "{text}");
    assert!(!text.contains(password) && !stderr(&output).contains(password));

    // The real call with the same variable works.
    assert_created(&dbs(&with(&["--emulator"], &[]), &env));
}

#[test]
fn dry_run_sends_nothing_and_masks_the_credentials() {
    // Nothing listens on port 1: a dry run still succeeds because it never connects.
    let env = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIdryrunid"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "Dry-Run-Secret-5521"),
        (PASSWORD_VAR, "Dry-Run-Password-8832"),
    ];
    let output = dbs(
        &with(&["--endpoint", "http://127.0.0.1:1", "--dry-run"], &[]),
        &env,
    );
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("POST http://127.0.0.1:1/"), "{text}");
    assert!(text.contains("Credential=LTAIdryrunid"), "{text}");
    assert!(
        !text.contains("Dry-Run-Secret-5521") && !text.contains("Dry-Run-Password-8832"),
        "{text}"
    );
}

#[test]
fn verbose_names_the_credentials_source_but_never_the_secret() {
    let env = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIverboseid"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "Verbose-Secret-6610"),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", "Verbose-Token-3391"),
        (PASSWORD_VAR, "Verbose-Password-1184"),
    ];
    let output = dbs(
        &with(
            &["--endpoint", "http://127.0.0.1:1", "--dry-run", "-v"],
            &[],
        ),
        &env,
    );
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let log = stderr(&output);
    assert!(log.contains("credentials from environment"), "{log}");
    let everything = format!("{}{log}", stdout(&output));
    for secret in [
        "Verbose-Secret-6610",
        "Verbose-Token-3391",
        "Verbose-Password-1184",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
}

#[test]
fn an_unknown_plan_is_a_service_error_on_one_line() {
    let args: Vec<&str> = with(&["--emulator"], &[])
        .into_iter()
        .map(|arg| {
            if arg == "dbsdemomysql01" {
                "dbsnosuchplan"
            } else {
                arg
            }
        })
        .collect();
    let output = dbs(&args, &[(PASSWORD_VAR, "demo-Pass1")]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let text = stderr(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("error: Param.NotFound: "), "{text}");
    assert!(text.contains("dbsnosuchplan"), "{text}");
    let request_id = text
        .split_once("(RequestId: ")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(id, _)| id);
    assert!(request_id.is_some_and(|id| !id.is_empty()), "{text}");
    // The plan may be one an earlier `--emulator` command made: each starts afresh.
    assert!(
        text.contains("--emulator starts a fresh emulator for each command")
            && text.contains("run `dbs emulator` and pass --endpoint http://127.0.0.1:8080"),
        "{text}"
    );
}

/// Asserts that `output` is the local R7 violation for the missing password, with the variable
/// to set, and that nothing was printed on stdout.
fn assert_missing_password_caught_locally(output: &Output) {
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(output));
    assert_eq!(stdout(output), "");
    let text = stderr(output);
    assert!(
        text.starts_with("error: 1 invalid parameter:\n  - DestinationEndpointPassword: "),
        "{text}"
    );
    assert!(text.contains("[R7]"), "{text}");
    assert!(
        text.trim_end()
            .ends_with(&format!("; set {PASSWORD_VAR} in the environment")),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn with_the_emulator_a_missing_password_is_caught_before_sending() {
    // The emulator's seed says dbsdemomysql01 is MySQL, so R7 is checked locally.
    assert_missing_password_caught_locally(&dbs(&with(&["--emulator"], &[]), &[]));
    // A dry run too: it validates with the same context.
    assert_missing_password_caught_locally(&dbs(&with(&["--emulator", "--dry-run"], &[]), &[]));
}

#[test]
fn the_readme_main_job_succeeds() {
    let output = dbs(
        &[
            "--emulator",
            "create-restore-task",
            "--backup-plan-id",
            "dbsdemomysql01",
            "--restore-task-name",
            "restore-demo",
            "--destination-endpoint-instance-type",
            "RDS",
            "--destination-endpoint-region",
            "cn-hangzhou",
            "--destination-endpoint-instance-id",
            "rm-bp1p8c29demo",
            "--destination-endpoint-user-name",
            "restore_user",
            "--restore-objects",
            r#"[{"DBName":"orders","NewDBName":"orders_restored"}]"#,
        ],
        &[(PASSWORD_VAR, "demo-Passw0rd")],
    );
    assert_created(&output);
}

#[test]
fn source_database_type_checks_the_engine_rules_before_sending() {
    let silent = Server::holding();
    let endpoint = ["--endpoint", silent.url.as_str()];

    // R7: MySQL needs the password. Any ASCII case is accepted.
    let before: Vec<&str> = endpoint
        .iter()
        .copied()
        .chain(["--source-database-type", "mysql"])
        .collect();
    assert_missing_password_caught_locally(&dbs(&with(&before, &[]), &DEMO_CREDENTIALS));

    // After the subcommand too; R5: PostgreSQL needs the database name.
    let mut env = DEMO_CREDENTIALS.to_vec();
    env.push((PASSWORD_VAR, "pw"));
    let output = dbs(
        &with(&endpoint, &["--source-database-type", "PostgreSQL"]),
        &env,
    );
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.starts_with("error: 1 invalid parameter:\n  - DestinationEndpointDatabaseName: ")
            && text.contains("[R5]"),
        "{text}"
    );
    assert!(!silent.was_contacted(), "nothing was sent");

    // Redis needs no password: the dry run passes validation (and still connects to nothing).
    let dry: Vec<&str> = endpoint
        .iter()
        .copied()
        .chain(["--source-database-type", "rEdIs", "--dry-run"])
        .collect();
    let output = dbs(&with(&dry, &[]), &DEMO_CREDENTIALS);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(
        !stdout(&output).contains("DestinationEndpointPassword"),
        "{}",
        stdout(&output)
    );
    assert!(!silent.was_contacted(), "a dry run sends nothing");
}

#[test]
fn an_unknown_source_database_type_is_a_usage_error_listing_the_engines() {
    let output = dbs(
        &with(&["--emulator", "--source-database-type", "Sybase"], &[]),
        &[(PASSWORD_VAR, "pw")],
    );
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let text = stderr(&output);
    assert!(
        text.contains("--source-database-type") && text.contains("Sybase"),
        "{text}"
    );
    for engine in dbs_api::SourceDatabaseType::VALUES {
        assert!(text.contains(engine), "{engine} not in {text}");
    }
}

#[test]
fn without_the_engine_the_emulator_reports_a_missing_password_itself() {
    // Through --endpoint, the CLI does not know the plan's engine: it skips R7 and the
    // emulator, which knows it, refuses the call. The report names the variable to set.
    let emulator = Foreground::start_alone();
    let url = format!("http://{}", emulator.addr);
    let output = dbs(&with(&["--endpoint", &url], &[]), &DEMO_CREDENTIALS);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.starts_with("error: InvalidParameter: ")
            && text.contains("DestinationEndpointPassword")
            && text.contains("[R7]"),
        "{text}"
    );
    assert!(
        text.contains(&format!("(set {PASSWORD_VAR} in the environment)")),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn an_explicit_source_database_type_wins_over_the_emulator_seed() {
    // Told Redis, the CLI does not require the password; the emulator knows the plan is MySQL.
    let output = dbs(
        &with(&["--emulator", "--source-database-type", "Redis"], &[]),
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.starts_with("error: InvalidParameter: ") && text.contains(PASSWORD_VAR),
        "{text}"
    );
}

#[test]
fn without_region_or_endpoint_it_says_what_to_pass() {
    let output = dbs(MYSQL_TO_RDS, &[(PASSWORD_VAR, "demo-Pass1")]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let text = stderr(&output);
    assert!(
        text.starts_with("error: ")
            && text.contains("--region-id cn-hangzhou")
            && text.contains("--emulator"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn an_unknown_region_asks_for_an_endpoint() {
    let output = dbs(&with(&["--region-id", "xx-nowhere-1"], &[]), &[]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("--endpoint"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn profile_gives_region_and_credentials() {
    let home = tempfile::tempdir().expect("temp HOME");
    let config = serde_json::json!({
        "current": "default",
        "profiles": [
            {"name": "default", "mode": "AK", "access_key_id": "LTAIdefault", "access_key_secret": "s1", "region_id": "xx-nowhere-1"},
            {"name": "ops", "mode": "AK", "access_key_id": "LTAIopsprofile", "access_key_secret": "Profile-Secret-1", "region_id": "eu-central-1"}
        ]
    });
    std::fs::create_dir_all(home.path().join(".aliyun")).expect("mkdir");
    std::fs::write(home.path().join(".aliyun/config.json"), config.to_string())
        .expect("write config");
    let output = dbs_in(
        home.path(),
        &with(&["--profile", "ops", "--dry-run"], &[]),
        &[(PASSWORD_VAR, "pw")],
    );
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("POST https://dbs-api.eu-central-1.aliyuncs.com/"),
        "{text}"
    );
    assert!(
        text.contains("Credential=LTAIopsprofile") && !text.contains("Profile-Secret-1"),
        "{text}"
    );

    // --region-id beats the profile's region.
    let output = dbs_in(
        home.path(),
        &with(
            &["--profile", "ops", "--region-id", "ap-south-1", "--dry-run"],
            &[],
        ),
        &[],
    );
    assert!(
        stdout(&output).starts_with("POST https://dbs-api.ap-south-1.aliyuncs.com/"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn missing_credentials_are_reported_before_sending() {
    let output = dbs(
        &with(&["--endpoint", "http://127.0.0.1:1"], &[]),
        &[(PASSWORD_VAR, "pw")],
    );
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.starts_with("error: credentials: ") && text.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn subcommand_help_lists_the_flags_with_the_spec_help() {
    let output = dbs(&["create-restore-task", "--help"], &[]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        "--backup-plan-id <STRING>",
        "The ID of the backup schedule.",
        "--destination-endpoint-instance-type <VALUE>",
        "Values: RDS, ECS, Express, Agent, DDS, Other, dg.",
        "--destination-endpoint-port <INT>",
        "Unit: a TCP port number.",
        "--restore-objects <JSON>",
        r#"Example: --restore-objects '[{"DBName":"test","NewDBName":"test_new"}]'"#,
        "Required when DestinationEndpointInstanceType is RDS, ECS, DDS, Express or Agent.",
        "--destination-endpoint-oracle-sid",
        "--cross-aliyun-id",
        PASSWORD_VAR,
        "--emulator",
        "--source-database-type <ENGINE>",
        "DescribeBackupPlanList",
    ] {
        assert!(text.contains(expected), "{expected:?} not in help:\n{text}");
    }
    assert!(!text.contains("--destination-endpoint-password"), "{text}");
}

#[test]
fn unknown_flags_are_usage_errors() {
    let output = dbs(
        &["--emulator", "create-restore-task", "--no-such-flag", "x"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
}

#[test]
fn emulator_subcommand_serves_in_the_foreground() {
    let emulator = Foreground::start_alone();
    let addr = &emulator.addr;
    let port: Option<u16> = addr.strip_prefix("127.0.0.1:").and_then(|p| p.parse().ok());
    assert!(port.is_some_and(|p| p != 0), "{addr}");
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET /_emulator/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""status":"ok""#), "{response}");
}

/// Runs `dbs args...` and kills it if it has not exited after 20 seconds (a `dbs emulator` that
/// wrongly starts serving would otherwise never end).
fn dbs_bounded(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp HOME");
    let child = dbs_command(home.path())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn dbs");
    common::wait_at_most(child, Duration::from_secs(20)).0
}

#[test]
fn the_emulator_subcommand_hides_and_refuses_the_call_options() {
    const CALL_ONLY: [&str; 7] = [
        "--endpoint",
        "--region-id",
        "--profile",
        "--signature",
        "--emulator",
        "--dry-run",
        "--source-database-type",
    ];
    let output = dbs(&["emulator", "--help"], &[]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let help = stdout(&output);
    // The options' lines; the description may mention --endpoint.
    let listed = |flag: &str| {
        help.lines().any(|line| {
            let line = line.trim_start();
            line.starts_with(flag) || line.starts_with(&format!("-v, {flag}"))
        })
    };
    for flag in CALL_ONLY {
        assert!(!listed(flag), "{flag} in:\n{help}");
    }
    for flag in ["--listen", "--seed", "--verbose"] {
        assert!(listed(flag), "{flag} not in:\n{help}");
    }

    for args in [
        &["--dry-run", "emulator", "--listen", "127.0.0.1:0"][..],
        &[
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--region-id",
            "cn-hangzhou",
        ][..],
        &[
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--source-database-type",
            "MySQL",
        ][..],
        &["--emulator", "emulator", "--listen", "127.0.0.1:0"][..],
    ] {
        let output = dbs_bounded(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(stdout(&output), "", "{args:?}");
        let text = stderr(&output);
        assert!(
            text.starts_with("error: --") && text.contains("not to `dbs emulator`"),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn endpoint_and_environment_credentials_reach_a_foreground_emulator() {
    let emulator = Foreground::start_alone();
    let url = format!("http://{}", emulator.addr);
    let good = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret"),
        (PASSWORD_VAR, "pw"),
    ];
    assert_created(&dbs(&with(&["--endpoint", &url], &[]), &good));
    // DBS_ENDPOINT works as well as --endpoint.
    let mut env = good.to_vec();
    env.push(("DBS_ENDPOINT", &url));
    assert_created(&dbs(MYSQL_TO_RDS, &env));

    // A wrong secret: SignatureDoesNotMatch with the diagnosis, on one line.
    for signature in ["v3", "v1"] {
        let wrong = [
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "Wrong-Secret-61"),
            (PASSWORD_VAR, "pw"),
        ];
        let output = dbs(
            &with(&["--endpoint", &url, "--signature", signature], &[]),
            &wrong,
        );
        assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
        let text = stderr(&output);
        assert!(text.starts_with("error: SignatureDoesNotMatch: "), "{text}");
        assert!(
            text.contains("AccessKeySecret is wrong") && text.contains("(RequestId: "),
            "{text}"
        );
        assert!(!text.contains("Wrong-Secret-61"), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
    }
}

#[test]
fn a_refused_connection_was_not_sent() {
    let env = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret"),
        (PASSWORD_VAR, "pw"),
    ];
    let output = dbs(&with(&["--endpoint", "http://127.0.0.1:1"], &[]), &env);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.starts_with("error: transport error") && text.contains("not sent"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

/// A stand-in HTTPS proxy on loopback: answers every CONNECT with 403 and records its
/// request line.
fn refusing_proxy() -> Server {
    Server::answering("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n".to_owned())
}

#[test]
fn https_proxy_and_no_proxy_are_honoured() {
    // `.invalid` never resolves (RFC 2606), so nothing here can leave the machine: the request
    // either reaches the loopback proxy or fails to resolve.
    let endpoint = ["--endpoint", "https://dbs.example.invalid"];
    let credentials = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret"),
        (PASSWORD_VAR, "proxy-Passw0rd"),
    ];

    let proxy = refusing_proxy();
    let mut env = credentials.to_vec();
    env.push(("HTTPS_PROXY", proxy.url.as_str()));
    let output = dbs(&with(&endpoint, &[]), &env);
    assert_ne!(output.status.code(), Some(0), "{}", stderr(&output));
    let seen = proxy.request_lines();
    assert!(
        !seen.is_empty(),
        "the request went through HTTPS_PROXY: {}",
        stderr(&output)
    );
    for line in &seen {
        assert_eq!(line, "CONNECT dbs.example.invalid:443 HTTP/1.1");
    }

    let proxy = refusing_proxy();
    let mut env = credentials.to_vec();
    env.push(("HTTPS_PROXY", proxy.url.as_str()));
    env.push(("NO_PROXY", "dbs.example.invalid"));
    let output = dbs(&with(&endpoint, &[]), &env);
    assert_ne!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        proxy.request_lines().is_empty(),
        "NO_PROXY sends the host direct"
    );
}

/// The example answer of STS `AssumeRole` in Alibaba's API reference.
const ASSUME_ROLE_ANSWER: &str = r#"{"RequestId":"6894B13B-6D71-4EF5-88FA-F32781734A7F",
"AssumedRoleUser":{"AssumedRoleId":"34458433936495****:alice","Arn":"acs:ram::123456789012****:role/alice/alice"},
"Credentials":{"SecurityToken":"Role-Token-5521","Expiration":"2015-04-09T11:52:19Z",
"AccessKeySecret":"Role-Secret-7730","AccessKeyId":"STS.L4aBSCSJVMuKg5U1****"}}"#;

const ROLE_ARN: &str = "acs:ram::1234567890123456:role/dbs-restore";

/// `dbs --dry-run -v` with `env` and `args` against a loopback STS answering the reference
/// example: the call is signed with the role's credentials and the log names the source.
fn dry_run_through_sts(home: &Path, args: &[&str], env: &[(&str, &str)]) -> (String, String) {
    let sts = Server::answering(common::response(
        200,
        "application/json",
        &[],
        ASSUME_ROLE_ANSWER,
    ));
    let mut env = env.to_vec();
    env.push(("DBS_STS_ENDPOINT", &sts.url));
    env.push((PASSWORD_VAR, "Role-Password-9917"));
    let mut before = vec!["--endpoint", "http://127.0.0.1:1", "--dry-run", "-v"];
    before.extend_from_slice(args);
    let output = dbs_in(home, &with(&before, &[]), &env);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(sts.requests(), 1, "one AssumeRole call");
    let (out, log) = (stdout(&output), stderr(&output));
    assert!(
        out.contains("Credential=STS.L4aBSCSJVMuKg5U1****"),
        "signed with the role's AccessKeyId: {out}"
    );
    let everything = format!("{out}{log}");
    for secret in [
        "Role-Secret-7730",
        "Role-Token-5521",
        "Role-Password-9917",
        "Profile-Secret-4410",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
    (out, log)
}

#[test]
fn a_ram_role_arn_profile_signs_with_the_role_and_says_so_under_verbose() {
    let home = tempfile::tempdir().expect("temp HOME");
    let config = serde_json::json!({
        "current": "default",
        "profiles": [
            {"name": "prod", "mode": "RamRoleArn", "access_key_id": "LTAIprofileid",
             "access_key_secret": "Profile-Secret-4410", "ram_role_arn": ROLE_ARN,
             "ram_session_name": "cli-session", "expired_seconds": 0}
        ]
    });
    std::fs::create_dir_all(home.path().join(".aliyun")).expect("mkdir");
    std::fs::write(home.path().join(".aliyun/config.json"), config.to_string())
        .expect("write config");
    let (_, log) = dry_run_through_sts(home.path(), &["--profile", "prod"], &[]);
    assert!(
        log.contains(&format!(
            "credentials from ram role arn (aliyun CLI profile 'prod') {ROLE_ARN} with \
             credentials from aliyun CLI profile 'prod' (AccessKey) (temporary, expire at \
             2015-04-09T11:52:19Z)"
        )),
        "{log}"
    );
}

#[test]
fn oidc_in_the_environment_signs_with_the_role_and_says_so_under_verbose() {
    let home = tempfile::tempdir().expect("temp HOME");
    let token = home.path().join("oidc-token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGkifQ.c2ln").expect("token");
    let token = token.to_str().expect("utf-8").to_owned();
    let (_, log) = dry_run_through_sts(
        home.path(),
        &[],
        &[
            ("ALIBABA_CLOUD_ROLE_ARN", ROLE_ARN),
            (
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1234567890123456:oidc-provider/ack-rrsa-demo",
            ),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &token),
        ],
    );
    assert!(
        log.contains(&format!(
            "credentials from oidc role arn (environment) {ROLE_ARN} (temporary"
        )),
        "{log}"
    );
}
