//! The credentials files are read safely: only regular files (not `/dev/zero`, a FIFO or a
//! directory), at most 1 MiB, never blocking, with a warning naming a file that group or others
//! may access. Every file provider is covered: `ALIBABA_CLOUD_CREDENTIALS_FILE`,
//! `~/.alibabacloud/credentials` and `~/.aliyun/config.json`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use dbs_api::credentials::{
    AliyunCliProfileProvider, Credentials, CredentialsError, MAX_CREDENTIALS_FILE_BYTES,
    ProvideCredentials, SharedCredentialsFileProvider,
};

/// Reads a local source (memory, environment, files): its future is ready at once, so these
/// tests need no runtime.
trait Now: std::future::Future + Sized {
    fn now(self) -> Self::Output {
        futures_util::FutureExt::now_or_never(Box::pin(self))
            .expect("a local credentials source answers without waiting")
    }
}

impl<F: std::future::Future> Now for F {}

const INI: &str =
    "[default]\ntype = access_key\naccess_key_id = LTAIfile\naccess_key_secret = file-Secret-1\n";
const JSON: &str = r#"{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":"LTAIcli","access_key_secret":"cli-Secret-1"}]}"#;

/// The shared-file provider reading `path` through `ALIBABA_CLOUD_CREDENTIALS_FILE`.
fn explicit(path: &Path) -> SharedCredentialsFileProvider {
    let path = path.to_string_lossy().into_owned();
    SharedCredentialsFileProvider::new()
        .with_env_lookup(move |key| (key == "ALIBABA_CLOUD_CREDENTIALS_FILE").then(|| path.clone()))
}

fn shared_in(home: &Path) -> SharedCredentialsFileProvider {
    SharedCredentialsFileProvider::new()
        .with_home(home)
        .with_env_lookup(|_| None)
}

fn cli_in(home: &Path) -> AliyunCliProfileProvider {
    AliyunCliProfileProvider::new()
        .with_home(home)
        .with_env_lookup(|_| None)
}

/// Runs `provide` on a thread and gives up after a generous bound, so a provider that blocks
/// (on a FIFO, say) fails the test instead of hanging it.
fn provide_bounded(
    provider: impl ProvideCredentials + 'static,
) -> Result<Credentials, CredentialsError> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(provider.provide().now());
    });
    receive
        .recv_timeout(Duration::from_secs(30))
        .expect("the provider returned instead of blocking")
}

#[track_caller]
fn invalid_reason(result: Result<Credentials, CredentialsError>) -> String {
    match result {
        Err(CredentialsError::Invalid { reason, .. }) => reason,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// `home/relative`, with its parent directories created.
fn place(home: &Path, relative: &str) -> PathBuf {
    let path = home.join(relative);
    fs::create_dir_all(path.parent().expect("a parent")).expect("create directories");
    path
}

#[test]
fn dev_zero_is_refused_without_reading_it() {
    let reason = invalid_reason(provide_bounded(explicit(Path::new("/dev/zero"))));
    assert!(
        reason.contains("/dev/zero") && reason.contains("not a regular file"),
        "{reason}"
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let home = tempfile::tempdir().expect("temp dir");
    let fifo = place(home.path(), "creds.fifo");
    mkfifo(&fifo);
    let reason = invalid_reason(provide_bounded(explicit(&fifo)));
    assert!(
        reason.contains("creds.fifo") && reason.contains("FIFO"),
        "{reason}"
    );

    // The same at the default places of both files.
    mkfifo(&place(home.path(), ".alibabacloud/credentials"));
    mkfifo(&place(home.path(), ".aliyun/config.json"));
    let reason = invalid_reason(provide_bounded(shared_in(home.path())));
    assert!(
        reason.contains(".alibabacloud/credentials is a FIFO"),
        "{reason}"
    );
    let reason = invalid_reason(provide_bounded(cli_in(home.path())));
    assert!(reason.contains(".aliyun/config.json is a FIFO"), "{reason}");
}

#[test]
fn a_directory_is_refused() {
    let home = tempfile::tempdir().expect("temp dir");
    fs::create_dir_all(home.path().join(".alibabacloud/credentials")).expect("mkdir");
    fs::create_dir_all(home.path().join(".aliyun/config.json")).expect("mkdir");
    for reason in [
        invalid_reason(shared_in(home.path()).provide().now()),
        invalid_reason(cli_in(home.path()).provide().now()),
        invalid_reason(explicit(home.path()).provide().now()),
    ] {
        assert!(
            reason.contains("is a directory, not a regular file"),
            "{reason}"
        );
    }
}

#[test]
fn files_over_one_mib_are_refused_and_files_at_the_cap_are_read() {
    assert_eq!(MAX_CREDENTIALS_FILE_BYTES, 1024 * 1024);
    let home = tempfile::tempdir().expect("temp dir");
    let cap = usize::try_from(MAX_CREDENTIALS_FILE_BYTES).expect("1 MiB fits");

    // Exactly the cap: a valid file padded with a comment line.
    let padding = cap - INI.len() - 2;
    let at_cap = format!("{INI}#{}\n", "x".repeat(padding));
    assert_eq!(at_cap.len(), cap);
    let path = place(home.path(), "at-cap.ini");
    fs::write(&path, &at_cap).expect("write");
    let credentials = explicit(&path)
        .provide()
        .now()
        .expect("a file at the cap is read");
    assert_eq!(credentials.access_key_id(), "LTAIfile");

    // One byte more, and 2 MiB, at each place.
    fs::write(&path, format!("{at_cap}#")).expect("write");
    let reason = invalid_reason(explicit(&path).provide().now());
    assert!(
        reason.contains("at-cap.ini") && reason.contains("1048576 bytes"),
        "{reason}"
    );
    let big = "#".repeat(2 * cap);
    fs::write(place(home.path(), ".alibabacloud/credentials"), &big).expect("write");
    fs::write(place(home.path(), ".aliyun/config.json"), &big).expect("write");
    for reason in [
        invalid_reason(shared_in(home.path()).provide().now()),
        invalid_reason(cli_in(home.path()).provide().now()),
    ] {
        assert!(reason.contains("larger than 1048576 bytes"), "{reason}");
    }
}

/// A `Write` into a shared buffer, for a subscriber's `with_writer`.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What `provide` logs at WARN, and its answer.
fn warnings(provider: &dyn ProvideCredentials) -> (String, Result<Credentials, CredentialsError>) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let result = tracing::subscriber::with_default(subscriber, || provider.provide().now());
    let text = String::from_utf8_lossy(&buffer.0.lock().unwrap_or_else(PoisonError::into_inner))
        .into_owned();
    (text, result)
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(unix)]
#[test]
fn a_file_others_can_read_is_used_with_a_warning_naming_it() {
    let home = tempfile::tempdir().expect("temp dir");
    let shared = place(home.path(), ".alibabacloud/credentials");
    let cli = place(home.path(), ".aliyun/config.json");
    fs::write(&shared, INI).expect("write");
    fs::write(&cli, JSON).expect("write");
    chmod(&shared, 0o644);
    chmod(&cli, 0o640);

    let (logs, result) = warnings(&shared_in(home.path()));
    assert_eq!(result.expect("still read").access_key_id(), "LTAIfile");
    assert!(
        logs.contains("WARN")
            && logs.contains(&shared.display().to_string())
            && logs.contains("group or others")
            && logs.contains("0644"),
        "{logs}"
    );
    let (logs, result) = warnings(&cli_in(home.path()));
    assert_eq!(result.expect("still read").access_key_id(), "LTAIcli");
    assert!(
        logs.contains(&cli.display().to_string()) && logs.contains("0640"),
        "{logs}"
    );
    assert!(!logs.contains("cli-Secret-1"), "{logs}");
}

#[cfg(unix)]
#[test]
fn a_private_file_is_read_without_a_warning() {
    let home = tempfile::tempdir().expect("temp dir");
    let shared = place(home.path(), ".alibabacloud/credentials");
    let cli = place(home.path(), ".aliyun/config.json");
    fs::write(&shared, INI).expect("write");
    fs::write(&cli, JSON).expect("write");
    chmod(&shared, 0o600);
    chmod(&cli, 0o600);
    for provider in [
        &shared_in(home.path()) as &dyn ProvideCredentials,
        &cli_in(home.path()),
    ] {
        let (logs, result) = warnings(provider);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(logs, "");
    }
}
