//! Reading a credentials file safely: regular files only, never more than
//! [`MAX_CREDENTIALS_FILE_BYTES`], and a warning when others may read the secrets in it.
//!
//! A path can name anything: `/dev/zero` would be read until memory runs out and a FIFO would
//! block the call forever. So the type is checked before opening and again on the opened handle
//! (the path may be swapped in between), the open itself never blocks (`O_NONBLOCK` on Unix),
//! and the read stops one byte past the cap.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read as _};
use std::path::Path;

/// The largest credentials file the providers read, in bytes (1 MiB). Real files are a few
/// hundred bytes.
pub const MAX_CREDENTIALS_FILE_BYTES: u64 = 1024 * 1024;

/// Why a credentials file could not be read.
#[derive(Debug)]
pub(super) enum FileError {
    /// Nothing exists at the path.
    NotFound,
    /// Something is there but cannot be used; the text names the file and the problem.
    Unusable(String),
}

/// Reads the credentials file at `path` as UTF-8 text.
pub(super) fn read_credentials_file(path: &Path) -> Result<String, FileError> {
    let cannot_read = |error: io::Error| {
        if error.kind() == io::ErrorKind::NotFound {
            FileError::NotFound
        } else {
            FileError::Unusable(format!("cannot read {}: {error}", path.display()))
        }
    };
    check_type(path, &std::fs::metadata(path).map_err(cannot_read)?)?;
    let file = open_without_blocking(path).map_err(cannot_read)?;
    let metadata = file.metadata().map_err(cannot_read)?;
    check_type(path, &metadata)?;
    warn_if_shared(path, &metadata);

    let mut bytes = Vec::new();
    file.take(MAX_CREDENTIALS_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_CREDENTIALS_FILE_BYTES {
        return Err(FileError::Unusable(format!(
            "{} is larger than {MAX_CREDENTIALS_FILE_BYTES} bytes (1 MiB), the most a credentials \
             file may hold; not read",
            path.display()
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        // Never quote the bytes: they may be a secret.
        FileError::Unusable(format!("{} is not UTF-8 text", path.display()))
    })
}

/// Refuses anything but a regular file (a symbolic link to one is fine: metadata follows it).
fn check_type(path: &Path, metadata: &Metadata) -> Result<(), FileError> {
    if metadata.is_file() {
        return Ok(());
    }
    let kind = if metadata.is_dir() {
        "a directory"
    } else {
        special_kind(metadata)
    };
    Err(FileError::Unusable(format!(
        "{} is {kind}, not a regular file; credentials are read from regular files only",
        path.display()
    )))
}

#[cfg(unix)]
fn special_kind(metadata: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    let kind = metadata.file_type();
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &Metadata) -> &'static str {
    "a special file"
}

/// Opens for reading; on Unix with `O_NONBLOCK`, so a FIFO swapped in after the type check
/// cannot block the open (the handle's type is checked again before any read).
fn open_without_blocking(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Warns, once per file and process, when group or others have any access to a file holding
/// secrets (as ssh does for private keys).
#[cfg(unix)]
fn warn_if_shared(path: &Path, metadata: &Metadata) {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 == 0 || !first_warning_for(path) {
        return;
    }
    tracing::warn!(
        "credentials file {} is accessible by group or others (mode {mode:04o}); it holds secrets, \
         restrict it with `chmod 600 {}`",
        path.display(),
        path.display()
    );
}

#[cfg(not(unix))]
fn warn_if_shared(_: &Path, _: &Metadata) {}

/// Whether `path` has not been warned about yet (providers read a file on every call).
#[cfg(unix)]
fn first_warning_for(path: &Path) -> bool {
    use std::collections::HashSet;
    use std::path::PathBuf;
    use std::sync::{Mutex, OnceLock, PoisonError};
    static WARNED: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    WARNED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(path.to_path_buf())
}
