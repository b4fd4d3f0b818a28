//! Running the emulator in the foreground, as `dbs-emulator` and `dbs emulator` do.

use std::io::Write as _;

use crate::{Emulator, EmulatorConfig, StartError};

/// Why a foreground emulator stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The emulator could not start (address in use, bad seed).
    #[error(transparent)]
    Start(#[from] StartError),
    /// Writing the first line or waiting for a signal failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Starts an emulator, prints `listening on http://HOST:PORT` as the first line on stdout
/// (flushed, so a parent process can read the port), serves until Ctrl-C or SIGTERM, then shuts
/// down cleanly. A non-loopback address is printed as bound (`http://0.0.0.0:8080`), and a
/// warning goes to stderr.
///
/// # Errors
///
/// [`ServeError`] when the emulator cannot start or stdout cannot be written.
pub async fn serve_foreground(config: EmulatorConfig) -> Result<(), ServeError> {
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
