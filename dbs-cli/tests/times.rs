//! Time flags (spec unit `ms-since-epoch`) take RFC 3339 as well as milliseconds, through the
//! built binary: `--dry-run` against `--emulator` shows what would be sent. 2026-11-30T08:00:00Z
//! is 1796025600000 ms after the epoch (20787 days and 8 hours).

mod common;

use std::process::{Output, Stdio};
use std::time::Duration;

use common::{stderr, stdout};

fn dbs(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp HOME");
    let child = common::dbs_command(home.path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbs");
    let (output, killed) = common::wait_at_most(child, Duration::from_secs(60));
    assert!(!killed, "dbs {args:?} hung");
    output
}

fn range_info(begin: &str, end: &str) -> Output {
    dbs(&[
        "--emulator",
        "--dry-run",
        "describe-restore-range-info",
        "--backup-plan-id",
        "dbsdemomysql01",
        "--begin-timestamp-for-restore",
        begin,
        "--end-timestamp-for-restore",
        end,
    ])
}

#[test]
fn rfc3339_times_are_sent_as_milliseconds() {
    let output = range_info("2026-11-30T16:00:00+08:00", "2026-11-30T08:00:00.250Z");
    assert!(output.status.success(), "{}", stderr(&output));
    let sent = stdout(&output);
    assert!(
        sent.contains(
            "BeginTimestampForRestore=1796025600000&EndTimestampForRestore=1796025600250"
        ),
        "{sent}"
    );
    // Milliseconds are sent as typed.
    let output = range_info("1796025600000", "1796025600001");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("EndTimestampForRestore=1796025600001"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_bad_time_exits_2_naming_both_forms() {
    for bad in [
        "2026-11-30 08:00",
        "tomorrow",
        "2026-11-30T08:00:00.0000001Z",
    ] {
        let output = range_info(bad, "1796025600000");
        assert_eq!(output.status.code(), Some(2), "{bad}: {}", stderr(&output));
        let error = stderr(&output);
        assert!(error.contains("--begin-timestamp-for-restore"), "{error}");
        assert!(
            error.contains("milliseconds since the Unix epoch") && error.contains("RFC 3339"),
            "{error}"
        );
        assert!(stdout(&output).is_empty(), "nothing sent or printed");
    }
}

#[test]
fn time_flags_say_they_take_rfc3339() {
    let output = dbs(&["create-restore-task", "--help"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let help = stdout(&output);
    assert!(help.contains("--restore-time <MS|RFC3339>"), "{help}");
    assert!(help.contains("Also takes an RFC 3339 time"), "{help}");
    // A parameter of another unit keeps its placeholder.
    assert!(help.contains("--destination-endpoint-port <INT>"), "{help}");
}
