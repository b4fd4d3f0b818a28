//! Spec mistakes: each names the file and a JSON pointer, and all are reported at once.

use std::fmt;

/// One mistake in a spec file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    /// The spec file, as the caller named it (for example `spec/<product>-<version>/<Operation>.json`).
    pub file: String,
    /// A JSON pointer (RFC 6901) to the offending value; empty for the whole document.
    pub pointer: String,
    /// What is wrong and, where it helps, how to fix it.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{}: {}: {}", self.file, pointer, self.message)
    }
}

/// Every mistake found in one run, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        writeln!(
            f,
            "{count} spec error{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for error in &self.0 {
            writeln!(f, "  {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

/// Collects errors from every phase; `finish` turns them into a result once.
#[derive(Debug, Default)]
pub(crate) struct Ctxt {
    errors: Vec<SpecError>,
}

impl Ctxt {
    /// A context holding errors found before lowering (files that could not be read).
    pub(crate) fn new(errors: Vec<SpecError>) -> Self {
        Self { errors }
    }

    /// Puts the errors in file order: the service file's first, then by file name, each file's in
    /// the order they were found (lowering and checking visit the files separately).
    pub(crate) fn sort_by_file(&mut self, service_file: Option<&str>) {
        self.errors
            .sort_by(|a, b| file_key(a, service_file).cmp(&file_key(b, service_file)));
    }

    pub(crate) fn error(&mut self, file: &str, at: &Pointer, message: impl Into<String>) {
        self.errors.push(SpecError {
            file: file.to_owned(),
            pointer: at.to_string(),
            message: message.into(),
        });
    }

    pub(crate) fn finish<T>(self, value: T) -> Result<T, SpecErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(SpecErrors(self.errors))
        }
    }
}

fn file_key<'e>(error: &'e SpecError, service_file: Option<&str>) -> (bool, &'e str) {
    (Some(error.file.as_str()) != service_file, &error.file)
}

/// A JSON pointer under construction, such as `/parameters/3/required/when/in/1`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pointer(String);

impl Pointer {
    /// The pointer to the whole document.
    pub fn root() -> Self {
        Self::default()
    }

    /// The pointer one step deeper, by object key or array index.
    pub fn at(&self, step: impl fmt::Display) -> Self {
        // RFC 6901: `~` and `/` inside a step are escaped as `~0` and `~1`.
        let step = step.to_string().replace('~', "~0").replace('/', "~1");
        Self(format!("{}/{step}", self.0))
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
