//! Waiting for an object with one of the spec's waiters: progress on stderr, the final object
//! returned, Ctrl-C stops the wait (not the object) and says how to resume.

use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use clap::{Arg, ArgAction};
use dbs_api::{Client, WaiterSpec};
use serde_json::Value;

use crate::report::Failure;

/// The flag `--wait`.
pub(crate) const WAIT: &str = "wait";
/// The flag `--wait-timeout`.
pub(crate) const WAIT_TIMEOUT: &str = "wait-timeout";
/// Exit status after Ctrl-C (128 + SIGINT), as shells report it.
pub(crate) const EXIT_INTERRUPTED: u8 = 130;
/// The longest `--wait-timeout`: a week.
const WAIT_TIMEOUT_LIMIT: Duration = Duration::from_secs(7 * 24 * 3600);

/// `--wait-timeout D`: seconds or a number with a unit, like the other durations.
pub(crate) fn timeout_arg() -> Arg {
    Arg::new(WAIT_TIMEOUT)
        .long(WAIT_TIMEOUT)
        .value_name("DURATION")
        .help("How long to wait in all (seconds, or 500ms, 30s, 2m); the spec's timeout by default")
        .action(ArgAction::Set)
        .value_parser(|text: &str| crate::cli::duration(text, WAIT_TIMEOUT_LIMIT))
}

/// One line saying how far the object is: its state and the progress fields it has.
pub(crate) fn progress_line(spec: &WaiterSpec, id: &str, item: &Value) -> String {
    let status = item.get(spec.status).and_then(Value::as_str).unwrap_or("?");
    let mut line = format!("{id}: {} {status}", spec.status);
    for field in spec.progress {
        if let Some(value) = item.get(*field).and_then(Value::as_i64) {
            line.push_str(&format!(", {field} {value}"));
        }
    }
    line
}

/// Characters of the terminal's progress bar.
const BAR_WIDTH: usize = 24;

/// The terminal's line: a bar of the mean of the progress fields the object has (percentages),
/// the percentage and the state.
pub(crate) fn bar_line(spec: &WaiterSpec, id: &str, item: &Value) -> String {
    let status = item.get(spec.status).and_then(Value::as_str).unwrap_or("?");
    let values: Vec<usize> = spec
        .progress
        .iter()
        .filter_map(|field| item.get(*field).and_then(Value::as_i64))
        .map(|value| usize::try_from(value.clamp(0, 100)).unwrap_or(0))
        .collect();
    let percent = values.iter().sum::<usize>() / values.len().max(1);
    let filled = percent * BAR_WIDTH / 100;
    format!(
        "{id} [{}{}] {percent:>3}% {status}",
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled)
    )
}

/// Waits for `id` with `spec`, showing each change on stderr; `resume` is the command that
/// waits again, said when the wait stops early.
pub(crate) async fn wait(
    client: &Client,
    spec: &'static WaiterSpec,
    id: &str,
    timeout: Option<Duration>,
    resume: &str,
) -> Result<Value, Failure> {
    let terminal = std::io::stderr().is_terminal();
    let mut last = String::new();
    let label = id.to_owned();
    let mut wait = client.wait_until(spec, id).on_progress(move |item| {
        let line = if terminal {
            bar_line(spec, &label, item)
        } else {
            progress_line(spec, &label, item)
        };
        if line == last {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        // On a terminal the bar is rewritten in place; elsewhere one line per change.
        let _ = if terminal {
            write!(stderr, "\r{line}\x1b[K")
        } else {
            writeln!(stderr, "{line}")
        };
        let _ = stderr.flush();
        last = line;
    });
    if let Some(timeout) = timeout {
        wait = wait.timeout(timeout);
    }
    let outcome = tokio::select! {
        outcome = wait.send() => Some(outcome),
        _ = tokio::signal::ctrl_c() => None,
    };
    if terminal {
        eprintln!();
    }
    match outcome {
        Some(Ok(item)) => Ok(item),
        Some(Err(error @ dbs_api::Error::WaiterTimeout { .. })) => {
            let mut failure = Failure::from_sdk(&error);
            failure.message.push_str(&format!(
                "; it goes on in the service: wait again with `{resume}`"
            ));
            Err(failure)
        }
        Some(Err(error)) => Err(Failure::from_sdk(&error)),
        None => Err(Failure {
            message: format!(
                "interrupted: stopped waiting for {id}, which goes on in the service; resume \
                 with `{resume}`"
            ),
            code: EXIT_INTERRUPTED,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_has_the_state_and_the_progress_fields_present() {
        // The spec's one waiter, on restore tasks.
        let spec = dbs_api::WAITERS
            .first()
            .copied()
            .expect("the spec's restore-task waiter");
        let item = serde_json::json!({
            "RestoreTaskId": "r1", "RestoreStatus": "running",
            "FullDataRestoreProgress": 40, "ContinuousRestoreProgress": 0,
        });
        assert_eq!(
            progress_line(spec, "r1", &item),
            "r1: RestoreStatus running, FullDataRestoreProgress 40, ContinuousRestoreProgress 0"
        );
    }

    #[test]
    fn the_bar_shows_the_mean_of_the_progress_fields_present() {
        let spec = dbs_api::WAITERS
            .first()
            .copied()
            .expect("the spec's restore-task waiter");
        // Two of the four fields: (40 + 0) / 2 = 20 %, 24 * 20 / 100 = 4 marks.
        let item = serde_json::json!({
            "RestoreStatus": "running",
            "FullDataRestoreProgress": 40, "ContinuousRestoreProgress": 0,
        });
        assert_eq!(
            bar_line(spec, "r1", &item),
            "r1 [####--------------------]  20% running"
        );
        // Out-of-range values are clamped; no field at all is 0 %.
        let done =
            serde_json::json!({ "RestoreStatus": "check_pass", "FullDataRestoreProgress": 250 });
        assert_eq!(
            bar_line(spec, "r1", &done),
            "r1 [########################] 100% check_pass"
        );
        let none = serde_json::json!({ "RestoreStatus": "init" });
        assert_eq!(
            bar_line(spec, "r1", &none),
            "r1 [------------------------]   0% init"
        );
    }
}
