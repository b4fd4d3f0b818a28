//! From the matched flags (and, for secrets, the environment) to the wire parameters.

use clap::ArgMatches;
use clap::parser::ValueSource;
use dbs_api::OperationMeta;

use crate::cli::secret_env_var;
use crate::report::{Failure, SecretHint};

/// The `(wire name, value)` pairs of the call, in spec order.
///
/// Non-sensitive parameters come from their flags, as typed. A sensitive parameter comes only
/// from its environment variable (`DBS_DESTINATION_ENDPOINT_PASSWORD`); an empty variable counts
/// as unset. Passing a sensitive flag on the command line is refused.
///
/// `env` looks up an environment variable (the process environment outside tests).
pub(crate) fn collect(
    operation: &OperationMeta,
    matches: &ArgMatches,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, Failure> {
    let mut params = Vec::new();
    for param in operation.params {
        if param.sensitive() {
            let variable = secret_env_var(param);
            if matches.value_source(param.name()) == Some(ValueSource::CommandLine) {
                return Err(Failure::usage(format!(
                    "--{} is not accepted on the command line: a secret there ends up in shell \
                     history and in `ps`. Set it in the environment instead: {variable}=... \
                     (the value given was not used)",
                    param.flag
                )));
            }
            if let Some(value) = env(&variable).filter(|v| !v.is_empty()) {
                params.push((param.name().to_owned(), value));
            }
        } else if let Some(value) = matches.get_one::<String>(param.name()) {
            params.push((param.name().to_owned(), value.clone()));
        }
    }
    Ok(params)
}

/// Refuses a secret's variable that is set but is not valid UTF-8 (`not_unicode` says which
/// are): read as unset, the request would go without the secret. Names the variable, never
/// its value.
pub(crate) fn refuse_unreadable_secrets(
    operation: &OperationMeta,
    not_unicode: impl Fn(&str) -> bool,
) -> Result<(), Failure> {
    let unreadable = operation
        .params
        .iter()
        .filter(|p| p.sensitive())
        .map(secret_env_var)
        .find(|variable| not_unicode(variable));
    match unreadable {
        Some(variable) => Err(Failure::usage(format!(
            "{variable} is set but is not valid UTF-8; set it to the secret as text (the value \
             was not used)"
        ))),
        None => Ok(()),
    }
}

/// The secrets of `operation` that `params` lacks, to point at their variables in errors.
pub(crate) fn missing_secrets(
    operation: &OperationMeta,
    params: &[(String, String)],
) -> Vec<SecretHint> {
    operation
        .params
        .iter()
        .filter(|p| p.sensitive() && !params.iter().any(|(name, _)| name == p.name()))
        .map(|p| SecretHint {
            parameter: p.name(),
            variable: secret_env_var(p),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op() -> &'static OperationMeta {
        dbs_api::operation("CreateRestoreTask").expect("operation")
    }

    fn parse(args: &[&str]) -> ArgMatches {
        let matches = crate::cli::command()
            .try_get_matches_from(["dbs", "create-restore-task"].iter().chain(args))
            .expect("parses");
        matches
            .subcommand_matches("create-restore-task")
            .cloned()
            .expect("subcommand")
    }

    #[test]
    fn flags_and_wire_aliases_give_wire_pairs() {
        let matches = parse(&[
            "--backup-plan-id",
            "p1",
            "--RestoreTaskName",
            "t",
            "--destination-endpoint-port",
            "x",
        ]);
        let params = collect(op(), &matches, |_| None).expect("collects");
        let expected = [
            ("BackupPlanId", "p1"),
            ("DestinationEndpointPort", "x"),
            ("RestoreTaskName", "t"),
        ];
        let got: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn secrets_come_from_the_environment_only() {
        let matches = parse(&["--backup-plan-id", "p1"]);
        let env = |name: &str| {
            (name == "DBS_DESTINATION_ENDPOINT_PASSWORD").then(|| "pw-from-env".to_owned())
        };
        let params = collect(op(), &matches, env).expect("collects");
        assert!(params.contains(&(
            "DestinationEndpointPassword".to_owned(),
            "pw-from-env".to_owned()
        )));
        let empty = collect(op(), &matches, |_| Some(String::new())).expect("collects");
        assert!(
            !empty
                .iter()
                .any(|(k, _)| k == "DestinationEndpointPassword")
        );
    }

    #[test]
    fn a_secret_on_the_command_line_is_refused_without_echoing_it() {
        for args in [
            &["--destination-endpoint-password", "hunter2-cli"][..],
            &["--destination-endpoint-password=hunter2-cli"][..],
            &["--DestinationEndpointPassword", "hunter2-cli"][..],
            &["--destination-endpoint-password"][..],
        ] {
            let failure = collect(op(), &parse(args), |_| None).expect_err("refused");
            assert_eq!(failure.code, crate::report::EXIT_NOT_SENT);
            assert!(
                failure
                    .message
                    .contains("DBS_DESTINATION_ENDPOINT_PASSWORD"),
                "{}",
                failure.message
            );
            assert!(!failure.message.contains("hunter2"), "{}", failure.message);
        }
    }
}
