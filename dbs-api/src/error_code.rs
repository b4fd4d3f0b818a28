//! Error codes as the spec documents them: one row per code (HTTP status, message, whether a
//! retry may succeed), and the trait the generated code enums implement so the client's retry
//! classifier, [`Error::code_as`](crate::Error::code_as) and the emulator read the same table.

/// One row of the spec's error table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ErrorEntry {
    /// The code as the service sends it, `Throttling.User`.
    pub code: &'static str,
    /// The HTTP status the reference gives for it.
    pub http_status: u16,
    /// The reference's message.
    pub message: &'static str,
    /// Whether the spec marks it as safe to retry.
    pub retryable: bool,
}

/// A type of error code generated from the spec: [`CommonErrorCode`](crate::CommonErrorCode)
/// (the codes every operation can return) or an operation's `<Operation>ErrorCode`.
///
/// ```
/// use dbs_api::{CommonErrorCode, CreateRestoreTaskErrorCode, ErrorCode};
///
/// let code = CreateRestoreTaskErrorCode::from_code("Throttling.User");
/// assert_eq!(code, Some(CreateRestoreTaskErrorCode::Common(CommonErrorCode::ThrottlingUser)));
/// assert!(code.is_some_and(|c| c.is_retryable()));
/// ```
pub trait ErrorCode: Sized {
    /// Reads a code as the service sends it. `None` when the type cannot hold it: an
    /// operation's enum keeps any code (an undocumented one as `Unknown`), `CommonErrorCode`
    /// only the service-wide ones.
    fn from_code(code: &str) -> Option<Self>;

    /// The code as the service sends it.
    fn code(&self) -> &str;

    /// The spec's row for the code; `None` for a code the spec does not document.
    fn entry(&self) -> Option<&'static ErrorEntry>;

    /// The HTTP status the reference gives; `None` for an undocumented code.
    fn http_status(&self) -> Option<u16> {
        self.entry().map(|e| e.http_status)
    }

    /// The reference's message; `None` for an undocumented code.
    fn message(&self) -> Option<&'static str> {
        self.entry().map(|e| e.message)
    }

    /// Whether the spec marks the code as safe to retry (`false` for an undocumented code).
    fn is_retryable(&self) -> bool {
        self.entry().is_some_and(|e| e.retryable)
    }
}

/// Whether a service error code of an operation whose codes are `C` is worth retrying: a code
/// the spec documents as the spec says; an undocumented sub-code (`Throttling.Tenant`) as its
/// documented family (`Throttling`) says, since Alibaba's codes refine a family after a dot.
pub fn retryable_code<C: ErrorCode>(code: &str) -> bool {
    let documented = |code: &str| C::from_code(code)?.entry().map(|e| e.retryable);
    documented(code)
        .or_else(|| documented(code.split_once('.')?.0))
        .unwrap_or(false)
}

/// Whether two codes are of one family: the same text before the first dot
/// (`InvalidTimeStamp.Expired` and `InvalidTimeStamp.Format`), without regard to case, as the
/// service's own spellings vary (`InvalidTimestamp.Expired`).
pub fn same_family(code: &str, other: &str) -> bool {
    family(code).eq_ignore_ascii_case(family(other))
}

fn family(code: &str) -> &str {
    code.split_once('.').map_or(code, |(family, _)| family)
}
