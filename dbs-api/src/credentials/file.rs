//! Reading a credentials file safely: regular files only, never more than
//! [`MAX_CREDENTIALS_FILE_BYTES`] (see [`crate::local_file`]), and a warning when others may
//! read the secrets in it.

use std::fs::Metadata;
use std::io;
use std::path::Path;

use crate::local_file::{ReadFileError, read_regular_file};

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
    let shown = path.display();
    match read_regular_file(path, MAX_CREDENTIALS_FILE_BYTES) {
        Ok((text, metadata)) => {
            warn_if_shared(path, &metadata);
            Ok(text)
        }
        Err(ReadFileError::Io(error)) if error.kind() == io::ErrorKind::NotFound => {
            Err(FileError::NotFound)
        }
        Err(ReadFileError::NotRegularFile { kind }) => Err(FileError::Unusable(format!(
            "{shown} is {kind}, not a regular file; credentials are read from regular files only"
        ))),
        Err(ReadFileError::TooLarge { .. }) => Err(FileError::Unusable(format!(
            "{shown} is larger than {MAX_CREDENTIALS_FILE_BYTES} bytes (1 MiB), the most a \
             credentials file may hold; not read"
        ))),
        // Never quote the bytes: they may be a secret.
        Err(ReadFileError::NotUtf8) => {
            Err(FileError::Unusable(format!("{shown} is not UTF-8 text")))
        }
        Err(error) => Err(FileError::Unusable(format!("cannot read {shown}: {error}"))),
    }
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
