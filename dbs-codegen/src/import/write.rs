//! Spec objects with their keys in the order `format` declares them, and writing the directory.

use std::path::Path;

use super::ImportedFile;
use super::json::Json;
use crate::format::OBJECTS;

/// An object of the spec format's `$defs` entry `def`, its keys in the declared order. Keys the
/// declaration does not have (yet) keep the order they were given in, after the declared ones.
pub(crate) fn object(def: &str, entries: Vec<(String, Json)>) -> Json {
    let declared = OBJECTS.iter().find(|o| o.name == def).map(|o| o.keys);
    let mut entries = entries;
    if let Some(keys) = declared {
        entries.sort_by_key(|(k, _)| keys.iter().position(|d| d.name == k).unwrap_or(usize::MAX));
    }
    Json::Object(entries)
}

/// A shape from the overlay with its keys (and its values' and members' keys) in declared order.
pub(crate) fn shape(shape: &Json) -> Json {
    let Some(entries) = shape.as_object() else {
        return shape.clone();
    };
    let def = match shape.get("type").and_then(Json::as_str) {
        Some("enum") => "enumShape",
        Some("structure") => "structureShape",
        Some("list") => "listShape",
        _ => "",
    };
    let entries = entries
        .iter()
        .map(|(k, v)| {
            let v = match (k.as_str(), v) {
                ("values", Json::Array(items)) => {
                    Json::Array(items.iter().map(|i| keyed("enumValue", i)).collect())
                }
                ("members", Json::Array(items)) => {
                    Json::Array(items.iter().map(|i| keyed("member", i)).collect())
                }
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    object(def, entries)
}

/// An overlay object re-keyed in the declared order of `def`.
pub(crate) fn keyed(def: &str, value: &Json) -> Json {
    match value.as_object() {
        Some(entries) => object(def, entries.to_vec()),
        None => value.clone(),
    }
}

/// What writing the directory did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files written because they were new or changed.
    pub written: Vec<String>,
    /// Operation files removed because the metadata no longer has the operation.
    pub removed: Vec<String>,
}

/// Writes the files into `out` (created if missing), leaving unchanged files untouched, and removes
/// the operation files (`<UpperCamelCase>.json`) the import did not produce. Nothing else in `out`
/// is touched.
///
/// Every file is first written beside its place under a temporary name and then renamed over it,
/// so a failure leaves no half-written spec file, and a symbolic link in `out` is replaced rather
/// than written through (which would change a file outside the spec directory). What stands in
/// the way (a directory where a file goes) is found before anything is written.
///
/// # Errors
///
/// A file or the directory that cannot be read, written or removed, with its path; every
/// obstacle found before writing, one per line.
pub fn write_dir(out: &Path, files: &[ImportedFile]) -> Result<WriteReport, String> {
    let shown = |name: &str| out.join(name).display().to_string();
    std::fs::create_dir_all(out).map_err(|e| format!("{}: cannot create: {e}", out.display()))?;
    let mut report = WriteReport::default();
    let mut stale: Vec<String> = std::fs::read_dir(out)
        .map_err(|e| format!("{}: cannot read: {e}", out.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| is_operation_file(name) && !files.iter().any(|f| f.name == *name))
        .collect();
    stale.sort();
    let mut changed = Vec::new();
    let mut obstacles = Vec::new();
    for file in files {
        let path = out.join(&file.name);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => obstacles.push(format!(
                "{}: a directory is where the file goes",
                shown(&file.name)
            )),
            // A link is replaced, so its target is not compared.
            Ok(meta) if meta.file_type().is_symlink() => changed.push(file),
            _ if std::fs::read_to_string(&path).is_ok_and(|old| old == file.text) => {}
            _ => changed.push(file),
        }
    }
    for name in &stale {
        if std::fs::symlink_metadata(out.join(name)).is_ok_and(|m| m.is_dir()) {
            obstacles.push(format!(
                "{}: a directory has the name of a stale operation file",
                shown(name)
            ));
        }
    }
    if !obstacles.is_empty() {
        return Err(obstacles.join("\n"));
    }
    let temporary = |name: &str| out.join(format!(".{name}.import-tmp"));
    let mut written: Vec<&ImportedFile> = Vec::new();
    for file in &changed {
        if let Err(e) = std::fs::write(temporary(&file.name), &file.text) {
            for done in written.iter().chain([file]) {
                let _ = std::fs::remove_file(temporary(&done.name));
            }
            return Err(format!("{}: cannot write: {e}", shown(&file.name)));
        }
        written.push(file);
    }
    for file in changed {
        std::fs::rename(temporary(&file.name), out.join(&file.name))
            .map_err(|e| format!("{}: cannot write: {e}", shown(&file.name)))?;
        report.written.push(file.name.clone());
    }
    for name in stale {
        std::fs::remove_file(out.join(&name))
            .map_err(|e| format!("{}: cannot remove: {e}", shown(&name)))?;
        report.removed.push(name);
    }
    Ok(report)
}

/// `<Operation>.json`: an UpperCamelCase ASCII name, not `service.json` or `schema.json`.
fn is_operation_file(name: &str) -> bool {
    name.strip_suffix(".json").is_some_and(|stem| {
        stem.starts_with(|c: char| c.is_ascii_uppercase())
            && stem.chars().all(|c| c.is_ascii_alphanumeric())
    })
}
