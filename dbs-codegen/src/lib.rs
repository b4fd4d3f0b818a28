//! Code generation from the DBS JSON spec.
//!
//! The pipeline is `read` → [`lower`] (parse, resolve and check, every mistake at once, each with
//! its file and JSON pointer) → [`expand()`] (infallible, deterministic). The proc-macro in
//! `dbs-macros`, the `dbs-codegen` binary and the snapshot tests all call the same functions.
//!
//! The spec format is declared once, in `format`: `lower` reads documents by it and [`schema()`]
//! renders it as `spec/schema.json`.

mod check;
mod error;
mod expand;
mod format;
pub mod import;
mod lower;
pub mod model;
pub mod names;
pub mod reserved;
mod schema;

use std::path::{Path, PathBuf};

pub use error::{Pointer, SpecError, SpecErrors};
pub use expand::{Options, expand, expand_parts};
pub use lower::{SpecFile, lower};
pub use schema::schema;

/// The files of a spec directory: `service.json` and one file per operation, sorted by name.
#[derive(Clone, Debug)]
pub struct SpecDir {
    /// `service.json`; `None` when it is missing or could not be read (see `read_errors`).
    pub service: Option<SpecFile>,
    /// The operation files that could be read.
    pub operations: Vec<SpecFile>,
    /// Every file found, so a proc-macro can make the build depend on them.
    pub paths: Vec<PathBuf>,
    /// What could not be read: a missing `service.json`, a file that is not UTF-8. `lower` reports
    /// these with every other mistake, so one run still checks the files that could be read.
    pub read_errors: Vec<SpecError>,
}

impl SpecDir {
    /// Reads `dir/service.json` and every other `dir/*.json`.
    ///
    /// `shown` is the directory as messages should name it (the macro passes the literal the
    /// user wrote, the binary the argument).
    ///
    /// # Errors
    ///
    /// Only when the directory cannot be listed; a file that cannot be read is recorded in
    /// `read_errors` and reported by [`SpecDir::lower`].
    pub fn read(dir: &Path, shown: &str) -> Result<Self, SpecErrors> {
        let shown_dir = shown.trim_end_matches('/');
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| {
                SpecErrors(vec![SpecError {
                    file: shown_dir.to_owned(),
                    pointer: String::new(),
                    message: format!("cannot read: {e}"),
                }])
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
            .collect();
        entries.sort();
        let mut service = None;
        let mut found_service = false;
        let mut operations = Vec::new();
        let mut read_errors = Vec::new();
        for path in &entries {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let shown_path = format!("{shown_dir}/{name}");
            found_service |= name == "service.json";
            let text = match read_text(path) {
                Ok(text) => text,
                Err(message) => {
                    read_errors.push(SpecError {
                        file: shown_path,
                        pointer: String::new(),
                        message,
                    });
                    continue;
                }
            };
            let file = SpecFile {
                path: shown_path,
                text,
            };
            if name == "service.json" {
                service = Some(file);
            } else {
                operations.push(file);
            }
        }
        if !found_service {
            read_errors.push(SpecError {
                file: shown_dir.to_owned(),
                pointer: String::new(),
                message: "no service.json in the spec directory".to_owned(),
            });
        }
        Ok(Self {
            service,
            operations,
            paths: entries,
            read_errors,
        })
    }

    /// Parses and checks the files, reporting the read errors with the rest.
    pub fn lower(&self) -> Result<model::Spec, SpecErrors> {
        lower::lower_files(
            self.read_errors.clone(),
            self.service.as_ref(),
            &self.operations,
        )
    }
}

/// A file's text, or why it has none: `not UTF-8 at byte N` points at the first bad byte.
fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    String::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to()))
}

/// Formats generated tokens as Rust source with `prettyplease`.
pub fn format(tokens: proc_macro2::TokenStream) -> Result<String, syn::Error> {
    Ok(prettyplease::unparse(&syn::parse2::<syn::File>(tokens)?))
}

/// Why [`write_formatted`] stopped.
#[derive(Debug)]
pub enum WriteError {
    /// A generated part does not parse as Rust items: a bug in `dbs-codegen`.
    Parse(syn::Error),
    /// Writing to the output failed (a closed pipe, a full disk).
    Io(std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Parse(e) => write!(f, "internal error: generated code does not parse: {e}"),
            Self::Io(e) => write!(f, "cannot write the generated code: {e}"),
        }
    }
}

impl std::error::Error for WriteError {}

/// Writes the formatted API of a checked spec to `out`: the same text as
/// `format(expand(spec, options))`, made, formatted and written one part at a time (see
/// [`expand_parts`]), so peak memory is that of the largest part (the registry of every
/// operation), not of the whole file. `prettyplease` prints a file's items one after another,
/// each ending its own line, so the formatted parts concatenate to the formatted whole.
///
/// # Errors
///
/// [`WriteError::Io`] when `out` fails; [`WriteError::Parse`] never for a checked spec.
pub fn write_formatted(
    spec: &model::Spec,
    options: &Options,
    out: &mut dyn std::io::Write,
) -> Result<(), WriteError> {
    let mut result = Ok(());
    expand_parts(spec, options, |part| {
        if result.is_err() {
            return;
        }
        result = format(part)
            .map_err(WriteError::Parse)
            .and_then(|text| out.write_all(text.as_bytes()).map_err(WriteError::Io));
    });
    result
}
