//! A seed file is read like a credentials file: regular files only, at most
//! `MAX_SEED_FILE_BYTES`, and never an open or a read that blocks.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use dbs_emulator::{MAX_SEED_FILE_BYTES, Seed, SeedError};

/// Runs `dbs-emulator --listen 127.0.0.1:0 --seed <seed>` and waits at most 30 s for it to exit
/// (it must refuse the seed before listening); a child still running then is killed and the
/// test fails, rather than hanging or eating the machine's memory.
fn run_with_seed(seed: &std::path::Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbs-emulator"))
        .args(["--listen", "127.0.0.1:0", "--seed"])
        .arg(seed)
        .env_remove("DBS_EMULATOR_ACCESS_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbs-emulator");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "dbs-emulator --seed {} did not exit within 30 s",
                seed.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

#[cfg(unix)]
#[test]
fn dev_zero_is_refused_before_any_read() {
    let output = run_with_seed(std::path::Path::new("/dev/zero"));
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "it must not listen");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "seed file /dev/zero is a character device, not a regular file; seeds are read from \
             regular files only"
        ),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("seed.fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo failed");
    let output = run_with_seed(&fifo);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("seed.fifo is a FIFO, not a regular file"),
        "{stderr}"
    );
}

#[test]
fn a_directory_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let error = Seed::from_file(dir.path()).expect_err("a directory");
    assert!(
        matches!(&error, SeedError::NotRegularFile { path, kind: "a directory" } if path == dir.path()),
        "{error:?}"
    );
}

#[test]
fn a_file_past_the_cap_is_refused_and_one_at_the_cap_is_read() {
    assert_eq!(MAX_SEED_FILE_BYTES, 16 * 1024 * 1024);
    let dir = tempfile::tempdir().expect("temp dir");
    // Exactly at the cap: a valid seed padded with JSON whitespace, so it is read and parsed.
    let at_cap = dir.path().join("at-cap.json");
    let mut text = r#"{"backup_plans":[{"BackupPlanId":"p1","DatabaseType":"MySQL"}]}"#.to_owned();
    let cap = usize::try_from(MAX_SEED_FILE_BYTES).expect("fits");
    text.push_str(&" ".repeat(cap - text.len()));
    std::fs::write(&at_cap, &text).expect("write");
    let seed = Seed::from_file(&at_cap).expect("a seed of exactly the cap");
    assert_eq!(seed.backup_plans[0].backup_plan_id, "p1");
    // One byte more (a sparse file: nothing written) is refused, naming the file.
    let over = dir.path().join("over.json");
    std::fs::File::create(&over)
        .and_then(|file| file.set_len(MAX_SEED_FILE_BYTES + 1))
        .expect("sparse file");
    let error = Seed::from_file(&over).expect_err("past the cap");
    assert!(matches!(error, SeedError::TooLarge { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("over.json is larger than 16777216 bytes (16 MiB)"),
        "{message}"
    );
}

#[test]
fn a_missing_file_is_still_an_io_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.json");
    let error = Seed::from_file(&missing).expect_err("missing");
    assert!(matches!(error, SeedError::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("missing.json"), "{error}");
}
