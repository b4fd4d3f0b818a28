//! Reading the overlay directory: `service.json`, the shared shapes (`shapes.json` and
//! `shapes-*.json`, name → shape) and one `<Operation>.json` per operation.

use std::path::Path;

use super::Errors;
use super::json::{self, Json};

/// One overlay file.
#[derive(Debug)]
pub(crate) struct Doc {
    /// The file as messages name it.
    pub(crate) file: String,
    pub(crate) json: Json,
}

/// The overlay directory's files.
#[derive(Debug, Default)]
pub(crate) struct Overlay {
    /// The directory as messages name it, without a trailing `/`.
    pub(crate) dir: String,
    pub(crate) service: Option<Doc>,
    /// The shared-shape files, by file name.
    pub(crate) shapes: Vec<Doc>,
    /// Operation name → its overlay, by file name.
    pub(crate) operations: Vec<(String, Doc)>,
}

impl Overlay {
    /// The overlay of operation `name`.
    pub(crate) fn operation(&self, name: &str) -> Option<&Doc> {
        self.operations
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d)
    }
}

/// Reads every `*.json` of `dir`; files that cannot be read or parsed are reported. `None` when
/// the directory itself cannot be read (reported): then nothing of it can be checked.
pub(crate) fn read(dir: &Path, errors: &mut Errors) -> Option<Overlay> {
    let shown_dir = dir.display().to_string();
    let shown_dir = shown_dir.trim_end_matches('/');
    let mut overlay = Overlay {
        dir: shown_dir.to_owned(),
        ..Overlay::default()
    };
    let mut paths: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(e) => {
            errors.push(
                shown_dir,
                "",
                format!("cannot read the overlay directory: {e}"),
            );
            return None;
        }
    };
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let file = format!("{shown_dir}/{name}");
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| json::parse(&text).map_err(|e| format!("not JSON: {e}")));
        let json = match parsed {
            Ok(json @ Json::Object(_)) => json,
            Ok(other) => {
                errors.push(
                    &file,
                    "",
                    format!("{} where an object is expected", other.kind()),
                );
                continue;
            }
            Err(message) => {
                errors.push(&file, "", message);
                continue;
            }
        };
        let doc = Doc { file, json };
        let stem = name.trim_end_matches(".json");
        if name == "service.json" {
            overlay.service = Some(doc);
        } else if stem == "shapes" || stem.starts_with("shapes-") {
            overlay.shapes.push(doc);
        } else {
            overlay.operations.push((stem.to_owned(), doc));
        }
    }
    Some(overlay)
}
