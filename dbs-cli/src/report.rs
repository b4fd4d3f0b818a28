//! How a failure is told to the user: the text on stderr and the exit status.

use std::fmt::Write as _;

/// Exit status when the request may have reached the service.
pub(crate) const EXIT_SENT: u8 = 1;
/// Exit status when nothing was sent: usage, invalid parameters, configuration, credentials.
pub(crate) const EXIT_NOT_SENT: u8 = 2;

/// A failed run: what to print after `error: ` on stderr, and the exit status.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The message: one line, except the list of a validation error.
    pub(crate) message: String,
    /// [`EXIT_SENT`] or [`EXIT_NOT_SENT`].
    pub(crate) code: u8,
}

impl Failure {
    /// A mistake in the command line or setup; nothing was sent.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_NOT_SENT,
        }
    }

    /// A failure after the request may have been sent.
    pub(crate) fn sent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_SENT,
        }
    }

    /// The report of an SDK error, see [`Failure::from_sdk_with_hints`].
    pub(crate) fn from_sdk(error: &dbs_api::Error) -> Self {
        Self::from_sdk_with_hints(error, &[])
    }

    /// The report of an SDK error.
    ///
    /// - A service error: `Code: message (RequestId: id)`, with the diagnosis of a
    ///   `SignatureDoesNotMatch` before the RequestId, on one line.
    /// - A validation error: `N invalid parameters:` and one `  - violation` line each.
    /// - Anything else: the error's own one-line message.
    ///
    /// When a violation or a service message names a secret of `hints` (one that was not set),
    /// the report says which environment variable sets it.
    ///
    /// The status is [`EXIT_NOT_SENT`] when [`dbs_api::Error::was_sent`] is false, so a script
    /// knows the service cannot have acted, and [`EXIT_SENT`] otherwise.
    pub(crate) fn from_sdk_with_hints(error: &dbs_api::Error, hints: &[SecretHint]) -> Self {
        let message = if let Some(service) = error.as_service_error() {
            let message = if service.message.trim().is_empty() {
                "(the service gave no message)".to_owned()
            } else {
                one_line(&service.message)
            };
            let mut line = format!("{}: {message}", service.code);
            for hint in hints
                .iter()
                .filter(|h| service.message.contains(h.parameter))
            {
                let _ = write!(line, " (set {} in the environment)", hint.variable);
            }
            if let Some(diagnosis) = &service.diagnosis {
                let _ = write!(line, " ({})", one_line(diagnosis));
            }
            if let Some(skew) = &service.clock_skew {
                let _ = write!(line, " ({skew})");
            }
            if let Some(wait) = service.retry_after {
                let _ = write!(
                    line,
                    " (the service asked to wait {} s before retrying)",
                    wait.as_secs_f64().ceil()
                );
            }
            if let Some(id) = &service.request_id {
                let _ = write!(line, " (RequestId: {id})");
            }
            line
        } else if let Some(validation) = error.as_validation_error() {
            let violations = validation.violations();
            let count = violations.len();
            let mut text = format!(
                "{count} invalid parameter{}:",
                if count == 1 { "" } else { "s" }
            );
            for violation in violations {
                let _ = write!(text, "\n  - {}", one_line(&violation.to_string()));
                if let Some(hint) = hints.iter().find(|h| h.parameter == violation.parameter()) {
                    let _ = write!(text, "; set {} in the environment", hint.variable);
                }
            }
            text
        } else {
            let mut line = one_line(&error.to_string());
            if let Some(id) = error.request_id() {
                let _ = write!(line, " (RequestId: {id})");
            }
            line
        };
        let code = if error.was_sent() {
            EXIT_SENT
        } else {
            EXIT_NOT_SENT
        };
        Self { message, code }
    }

    /// Adds how to retry without acting twice, when the call may have acted and has a
    /// ClientToken: the same command with `--client-token TOKEN`.
    pub(crate) fn with_token_hint(
        mut self,
        error: &dbs_api::Error,
        operation: &dbs_api::OperationMeta,
    ) -> Self {
        let Some(token) = error.client_token() else {
            return self;
        };
        let flag = operation
            .params
            .iter()
            .find(|p| Some(p.name()) == operation.idempotency_token)
            .map_or("client-token", |p| p.flag);
        let _ = write!(
            self.message,
            "; {} may have taken effect: retry with --{flag} {token} to avoid a duplicate",
            operation.name
        );
        self
    }
}

/// A secret that was not set: its wire name and the environment variable that sets it.
#[derive(Debug)]
pub(crate) struct SecretHint {
    /// The wire name, `DestinationEndpointPassword`.
    pub(crate) parameter: &'static str,
    /// The variable, `DBS_DESTINATION_ENDPOINT_PASSWORD`.
    pub(crate) variable: String,
}

/// Pretty JSON made safe for a terminal, meaning the same JSON value: serde_json escapes only
/// the C0 controls, so every other character that [`dbs_api::Redactor::is_unsafe`] names (the
/// one rule of the SDK's error text and logs: DEL, C1, format and bidirectional characters,
/// U+2028, U+2029, private use, noncharacters, default-ignorable characters) that a server put
/// in a string becomes `\uXXXX` (a surrogate pair past U+FFFF). Outside strings pretty JSON
/// holds only spaces and newlines, which stay; every other character replaced is in a string.
pub(crate) fn terminal_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c != '\n' && dbs_api::Redactor::is_unsafe(c) {
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// An error message made safe for a terminal: every character of
/// [`dbs_api::Redactor::is_unsafe`] but the line breaks the report itself puts in becomes
/// `\u{..}`. Text from a configuration file (a profile's mode or name) is in some messages
/// as written, and may hold escape sequences.
pub(crate) fn terminal_safe_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c != '\n' && dbs_api::Redactor::is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Joins the lines of a message, so each report stays on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_escapes_controls_but_keeps_its_line_breaks() {
        assert_eq!(
            terminal_safe_text("mode AK\u{1b}[2J\u{7}\n  - next\u{202e}"),
            "mode AK\\u{1b}[2J\\u{7}\n  - next\\u{202e}"
        );
    }

    #[test]
    fn json_output_escapes_what_serde_json_leaves_raw() {
        let value = serde_json::json!({"Id": "a\u{7f}b\u{9b}c\u{202e}d\u{2066}e\u{1b}f é"});
        let pretty = serde_json::to_string_pretty(&value).unwrap_or_default();
        let safe = terminal_safe_json(&pretty);
        assert_eq!(
            safe,
            "{\n  \"Id\": \"a\\u007fb\\u009bc\\u202ed\\u2066e\\u001bf é\"\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, value);
    }

    #[test]
    fn json_output_escapes_invisible_and_separator_characters() {
        // Issue 8, finding 4: these printed raw on stdout.
        let text = "a\u{2028}b\u{2029}c\u{200b}\u{feff}\u{ad}\u{34f}\u{3164}\u{fe0f}\u{fff9}\
                    d\u{e0001}\u{e007f}\u{ffff}\u{10ffff}\u{e000}";
        let value = serde_json::json!({"RequestId": text, "K\u{200d}": 1});
        let pretty = serde_json::to_string_pretty(&value).unwrap_or_default();
        let safe = terminal_safe_json(&pretty);
        assert_eq!(
            safe,
            "{\n  \"K\\u200d\": 1,\n  \"RequestId\": \"a\\u2028b\\u2029c\\u200b\\ufeff\\u00ad\\u034f\
             \\u3164\\ufe0f\\ufff9d\\udb40\\udc01\\udb40\\udc7f\\uffff\\udbff\\udfff\\ue000\"\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, value);
    }

    #[test]
    fn messages_stay_on_one_line() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
    }

    #[tokio::test]
    async fn validation_errors_list_every_violation_and_exit_2() {
        let op = dbs_api::operation("CreateRestoreTask").expect("operation");
        let client = dbs_api::Client::builder()
            .endpoint_url("http://127.0.0.1:9")
            .credentials(dbs_api::Credentials::new("id", "secret"))
            .build()
            .expect("client");
        let error = client
            .dry_run(op, &[], None)
            .await
            .expect_err("nothing set");
        let failure = Failure::from_sdk(&error);
        assert_eq!(failure.code, EXIT_NOT_SENT);
        let mut lines = failure.message.lines();
        let head = lines.next().unwrap_or_default();
        assert!(head.ends_with("invalid parameters:"), "{head}");
        assert!(
            lines.all(|line| line.starts_with("  - ")),
            "{}",
            failure.message
        );
    }
}
