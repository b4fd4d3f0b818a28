//! Running the emulator in the foreground, as `dbs-emulator` and `dbs emulator` do: the
//! account options both front ends share, and the serving itself.

use std::ffi::OsStr;
use std::io::Write as _;
use std::net::SocketAddr;

use crate::{AccessKey, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorConfig};
use crate::{ParseAccessKeyError, StartError};

/// The environment variable holding one account, `ID:SECRET`, accepted when no `--access-key`
/// is given (it keeps the secret out of the process list).
pub const ACCESS_KEY_VAR: &str = "DBS_EMULATOR_ACCESS_KEY";

/// Why a foreground emulator stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The emulator could not start (address in use, bad seed).
    #[error(transparent)]
    Start(#[from] StartError),
    /// [`ACCESS_KEY_VAR`] is set but is not `ID:SECRET`; the message never quotes the value.
    #[error("{ACCESS_KEY_VAR}: {ParseAccessKeyError}")]
    AccessKeyVar,
    /// The address is not loopback and no account was given: other machines would be let in
    /// with the public demo account.
    #[error(
        "refusing to listen on {0}, which is not a loopback address, with only the public demo \
         account ({DEMO_ACCESS_KEY_ID}:{DEMO_ACCESS_KEY_SECRET}) that anyone can sign with: give \
         an account with --access-key ID:SECRET or {ACCESS_KEY_VAR}=ID:SECRET, or listen on \
         127.0.0.1"
    )]
    DemoAccountExposed(SocketAddr),
    /// Writing the first line or waiting for a signal failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The accounts a foreground emulator accepts, from its options: the `--access-key` values
/// given, or without any, the account in [`ACCESS_KEY_VAR`] if the variable is set, or none
/// (then [`EmulatorConfig`] accepts the demo account). `dbs-emulator` and `dbs emulator` both
/// take their accounts this way.
///
/// # Errors
///
/// [`ServeError::AccessKeyVar`] when the variable is used and is not `ID:SECRET` (or not
/// Unicode); the error never repeats the value.
pub fn account_options(flags: Vec<AccessKey>) -> Result<Vec<AccessKey>, ServeError> {
    accounts_from(flags, std::env::var_os(ACCESS_KEY_VAR).as_deref())
}

/// [`account_options`] with the variable's value given.
fn accounts_from(flags: Vec<AccessKey>, var: Option<&OsStr>) -> Result<Vec<AccessKey>, ServeError> {
    if !flags.is_empty() {
        return Ok(flags);
    }
    match var {
        None => Ok(Vec::new()),
        Some(value) => value
            .to_str()
            .and_then(|text| text.parse().ok())
            .map(|key| vec![key])
            .ok_or(ServeError::AccessKeyVar),
    }
}

/// Refuses a non-loopback address with no account configured: the demo account's secret is
/// public, so anyone who can reach the address could call the API.
fn refuse_exposed_demo_account(config: &EmulatorConfig) -> Result<(), ServeError> {
    if config.access_keys.is_empty() && !config.listen.ip().to_canonical().is_loopback() {
        return Err(ServeError::DemoAccountExposed(config.listen));
    }
    Ok(())
}

/// Starts an emulator, prints `listening on http://HOST:PORT` as the first line on stdout
/// (flushed, so a parent process can read the port), serves until Ctrl-C or SIGTERM, then shuts
/// down cleanly. A non-loopback address is printed as bound (`http://0.0.0.0:8080`), and a
/// warning goes to stderr.
///
/// A non-loopback address (`0.0.0.0:8080`) needs an account configured
/// ([`EmulatorConfig::access_key`], or `--access-key`): with only the public demo account, the
/// emulator refuses to start rather than let every machine that can reach it in.
///
/// # Errors
///
/// [`ServeError`] when the emulator cannot start, would expose the demo account, or stdout
/// cannot be written.
pub async fn serve_foreground(config: EmulatorConfig) -> Result<(), ServeError> {
    refuse_exposed_demo_account(&config)?;
    let emulator = Emulator::start(config).await?;
    let addr = emulator.local_addr();
    {
        let mut stdout = std::io::stdout().lock();
        if addr.ip().is_loopback() {
            writeln!(stdout, "listening on {}", emulator.url())?;
        } else {
            // The address as bound: `0.0.0.0` says every interface, which 127.0.0.1 would hide.
            writeln!(stdout, "listening on http://{addr}")?;
        }
        stdout.flush()?;
    }
    if !addr.ip().is_loopback() {
        eprintln!("{}", exposure_warning(addr, &emulator.url()));
    }
    let stopped = shutdown_signal().await;
    emulator.shutdown().await;
    Ok(stopped?)
}

/// The warning for an emulator other machines can reach.
fn exposure_warning(addr: std::net::SocketAddr, local_url: &str) -> String {
    format!(
        "warning: listening on {addr}, which is not a loopback address: other machines that can \
         reach it can call the DBS API with the accepted accounts. Only the admin API \
         (/_emulator/) is kept from them: it answers only connections from this machine, at \
         {local_url}"
    )
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_variable_which_wins_over_the_demo_account() {
        let flag = AccessKey::new("f1", "fs");
        assert_eq!(
            accounts_from(vec![flag.clone()], Some(OsStr::new("k1:s1"))).ok(),
            Some(vec![flag])
        );
        assert_eq!(
            accounts_from(Vec::new(), Some(OsStr::new("k1:s1"))).ok(),
            Some(vec![AccessKey::new("k1", "s1")])
        );
        assert_eq!(accounts_from(Vec::new(), None).ok(), Some(Vec::new()));
    }

    #[test]
    fn a_malformed_variable_is_refused_without_its_value() {
        for bad in ["bad", "", "k1:", ":s3cr3t"] {
            let error = accounts_from(Vec::new(), Some(OsStr::new(bad)))
                .expect_err("malformed")
                .to_string();
            assert_eq!(
                error, "DBS_EMULATOR_ACCESS_KEY: expected ID:SECRET with a non-empty ID and SECRET",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_non_loopback_address_needs_an_explicit_account() {
        let open: SocketAddr = "0.0.0.0:8080".parse().expect("address");
        let error = refuse_exposed_demo_account(&EmulatorConfig::default().listen(open))
            .expect_err("demo account on 0.0.0.0");
        let message = error.to_string();
        assert!(
            message.contains("refusing to listen on 0.0.0.0:8080"),
            "{message}"
        );
        assert!(message.contains("--access-key ID:SECRET"), "{message}");
        for addr in ["192.0.2.1:80", "[::]:8080", "[2001:db8::1]:1"] {
            let addr: SocketAddr = addr.parse().expect("address");
            let config = EmulatorConfig::default().listen(addr);
            assert!(refuse_exposed_demo_account(&config).is_err(), "{addr}");
        }
        // An explicit account, even the demo one, is a decision: allowed.
        let config = EmulatorConfig::default()
            .listen(open)
            .access_key(AccessKey::demo());
        assert!(refuse_exposed_demo_account(&config).is_ok());
        for addr in [
            "127.0.0.1:8080",
            "127.0.0.2:1",
            "[::1]:1",
            "[::ffff:127.0.0.1]:1",
        ] {
            let addr: SocketAddr = addr.parse().expect("address");
            let config = EmulatorConfig::default().listen(addr);
            assert!(refuse_exposed_demo_account(&config).is_ok(), "{addr}");
        }
    }
}
