//! Code generation from the DBS JSON spec.
//!
//! The pipeline is `read` → [`lower`] (parse and check, every mistake at once, each with its file and
//! JSON pointer) → [`expand()`] (infallible, deterministic). The proc-macro in `dbs-macros`, the
//! `dbs-codegen` binary and the snapshot tests all call the same functions.

mod error;
mod expand;
mod lower;
pub mod model;
pub mod names;

use std::path::{Path, PathBuf};

pub use error::{Pointer, SpecError, SpecErrors};
pub use expand::{Options, expand};
pub use lower::{SpecFile, lower};

/// The files of a spec directory: `service.json` and one file per operation, sorted by name.
#[derive(Clone, Debug)]
pub struct SpecDir {
    /// `service.json`.
    pub service: SpecFile,
    /// The operation files.
    pub operations: Vec<SpecFile>,
    /// Every file read, so a proc-macro can make the build depend on them.
    pub paths: Vec<PathBuf>,
}

impl SpecDir {
    /// Reads `dir/service.json` and every other `dir/*.json`.
    ///
    /// `shown` is the directory as messages should name it (the macro passes the literal the
    /// user wrote, the binary the argument).
    pub fn read(dir: &Path, shown: &str) -> Result<Self, SpecErrors> {
        let io_error = |path: &str, e: std::io::Error| {
            SpecErrors(vec![SpecError {
                file: path.to_owned(),
                pointer: String::new(),
                message: format!("cannot read: {e}"),
            }])
        };
        let shown_dir = shown.trim_end_matches('/');
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| io_error(shown_dir, e))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
            .collect();
        entries.sort();
        let mut service = None;
        let mut operations = Vec::new();
        for path in &entries {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let shown_path = format!("{shown_dir}/{name}");
            let text = std::fs::read_to_string(path).map_err(|e| io_error(&shown_path, e))?;
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
        let service = service.ok_or_else(|| {
            SpecErrors(vec![SpecError {
                file: shown_dir.to_owned(),
                pointer: String::new(),
                message: "no service.json in the spec directory".to_owned(),
            }])
        })?;
        Ok(Self {
            service,
            operations,
            paths: entries,
        })
    }

    /// Parses and checks the files.
    pub fn lower(&self) -> Result<model::Spec, SpecErrors> {
        lower(&self.service, &self.operations)
    }
}

/// Formats generated tokens as Rust source with `prettyplease`.
pub fn format(tokens: proc_macro2::TokenStream) -> Result<String, syn::Error> {
    Ok(prettyplease::unparse(&syn::parse2::<syn::File>(tokens)?))
}
