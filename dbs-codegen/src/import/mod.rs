//! `dbs-codegen import`: the spec files from Alibaba's official API metadata and our overlay.
//!
//! The metadata (`<Product>-<Version>-api-docs.json`) gives operation names and order, parameter
//! names, scalar types, `required`, examples, response structure, error codes, the success example,
//! endpoints and the access level; the overlay (`spec/overlay/<product>-<version>/`) gives
//! everything in English and every fact the metadata states only in prose. `metadata` reads the
//! one, `overlay` the other, `rules` says what an overlay may say, `merge` joins them into spec
//! documents and `write` orders their keys as `format` declares them and writes the directory. Every mistake is reported at once, naming
//! the metadata operation/parameter or the overlay file and a JSON pointer.

mod json;
mod merge;
mod metadata;
mod overlay;
mod rules;
mod write;

use std::path::Path;

use crate::{SpecError, SpecErrors};

pub use write::{WriteReport, write_dir};

/// One spec file the import produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedFile {
    /// The file name, such as `service.json` or `<Operation>.json`.
    pub name: String,
    /// The file's text: 2-space JSON with one trailing newline.
    pub text: String,
}

/// Imports the metadata file with the overlay directory: `service.json` first, then one file per
/// metadata operation, in metadata order.
///
/// Messages name the files as the paths are given.
///
/// # Errors
///
/// Every mistake found: files that cannot be read or parsed, English descriptions that are missing
/// or hold CJK text, overlay names the metadata lacks, unknown types, metadata types the import
/// does not know; and what the spec format refuses in the spec so built (as `dbs-codegen check`
/// would in the written directory), naming the file `(imported)/<name>.json` with the pointer
/// into it.
pub fn import(metadata: &Path, overlay: &Path) -> Result<Vec<ImportedFile>, SpecErrors> {
    let mut errors = Errors::default();
    let shown = metadata.display().to_string();
    let doc = match std::fs::read_to_string(metadata) {
        Ok(text) => match json::parse(&text) {
            Ok(doc) => Some(doc),
            Err(e) => {
                errors.push(&shown, "", format!("not JSON: {e}"));
                None
            }
        },
        Err(e) => {
            errors.push(&shown, "", format!("cannot read: {e}"));
            None
        }
    };
    let overlay = overlay::read(overlay, &mut errors);
    let Some(doc) = doc else {
        return Err(errors.finish());
    };
    let metadata = metadata::read(&doc, &shown, &mut errors);
    // Without the overlay directory every operation would also lack its overlay: one error says it.
    let Some(overlay) = overlay else {
        return Err(errors.finish());
    };
    let files = merge::merge(&metadata, &shown, &overlay, &mut errors);
    if errors.0.is_empty() {
        // The overlay's values pass into the spec as given; what the spec format refuses (a value
        // of the wrong JSON type, a name Rust cannot use, a cycle) is found here, before the
        // caller writes anything, as `dbs-codegen check` would find it in the written directory.
        check_spec(&files, &mut errors);
    }
    if errors.0.is_empty() {
        Ok(files)
    } else {
        Err(errors.finish())
    }
}

/// How messages name a spec file the import built but has not written.
fn imported_name(name: &str) -> String {
    format!("(imported)/{name}")
}

/// Lowers and checks the imported files as the generator will read them.
fn check_spec(files: &[ImportedFile], errors: &mut Errors) {
    let spec_file = |f: &ImportedFile| crate::SpecFile {
        path: imported_name(&f.name),
        text: f.text.clone(),
    };
    let service = files
        .iter()
        .find(|f| f.name == "service.json")
        .map(spec_file);
    let operations: Vec<_> = files
        .iter()
        .filter(|f| f.name != "service.json")
        .map(spec_file)
        .collect();
    if let Err(found) = crate::lower::lower_files(Vec::new(), service.as_ref(), &operations) {
        errors.0.extend(found.0);
    }
}

/// Mistakes collected over the whole import.
#[derive(Debug, Default)]
pub(crate) struct Errors(Vec<SpecError>);

impl Errors {
    pub(crate) fn push(&mut self, file: &str, pointer: &str, message: impl Into<String>) {
        self.0.push(SpecError {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    fn finish(self) -> SpecErrors {
        SpecErrors(self.0)
    }
}
