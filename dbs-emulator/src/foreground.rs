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
/// down cleanly.
///
/// # Errors
///
/// [`ServeError`] when the emulator cannot start or stdout cannot be written.
pub async fn serve_foreground(config: EmulatorConfig) -> Result<(), ServeError> {
    let emulator = Emulator::start(config).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on {}", emulator.url())?;
        stdout.flush()?;
    }
    let stopped = shutdown_signal().await;
    emulator.shutdown().await;
    Ok(stopped?)
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
