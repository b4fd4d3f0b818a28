//! Reading a small local file safely: regular files only, never more than a cap.
//!
//! A path can name anything: `/dev/zero` would be read until memory runs out and a FIFO would
//! block the call forever. So the type is checked before opening and again on the opened handle
//! (the path may be swapped in between), the open itself never blocks (`O_NONBLOCK` on Unix),
//! and the read stops one byte past the cap. The credentials providers read their files this
//! way, and so does the emulator its seed file.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read as _};
use std::path::Path;

/// Why [`read_regular_file`] read nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadFileError {
    /// Opening or reading failed (`NotFound` when nothing exists at the path).
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The path names something other than a regular file.
    #[error("{kind}, not a regular file")]
    NotRegularFile {
        /// What it is: "a directory", "a FIFO", "a character device", ...
        kind: &'static str,
    },
    /// The file holds more than the cap.
    #[error("larger than {max_bytes} bytes")]
    TooLarge {
        /// The cap, in bytes.
        max_bytes: u64,
    },
    /// The file is not UTF-8 text (its bytes are never quoted: they may be a secret).
    #[error("not UTF-8 text")]
    NotUtf8,
}

/// Reads the regular file at `path` (a symbolic link to one is fine) as UTF-8 text of at most
/// `max_bytes` bytes, with the metadata of the handle it was read from.
///
/// # Errors
///
/// [`ReadFileError`]: an I/O error, a path that is not a regular file, a file over the cap, or
/// bytes that are not UTF-8.
pub fn read_regular_file(path: &Path, max_bytes: u64) -> Result<(String, Metadata), ReadFileError> {
    check_type(&std::fs::metadata(path)?)?;
    let file = open_without_blocking(path)?;
    let metadata = file.metadata()?;
    check_type(&metadata)?;
    let mut bytes = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ReadFileError::TooLarge { max_bytes });
    }
    let text = String::from_utf8(bytes).map_err(|_| ReadFileError::NotUtf8)?;
    Ok((text, metadata))
}

fn check_type(metadata: &Metadata) -> Result<(), ReadFileError> {
    if metadata.is_file() {
        return Ok(());
    }
    let kind = if metadata.is_dir() {
        "a directory"
    } else {
        special_kind(metadata)
    };
    Err(ReadFileError::NotRegularFile { kind })
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
