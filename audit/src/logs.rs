//! Where the command-line tools' logs go: standard error through `tracing`, as lines for people
//! (`--log-format human`, the default) or one JSON object per line for a log shipper
//! (`--log-format json`). `RUST_LOG` narrows or widens what is logged (default `info`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// A line per event: time, level, message and fields.
    #[default]
    Human,
    /// A JSON object per event, its fields at the top level.
    Json,
}

/// Installs the process's logger. A second call changes nothing (the first logger stays).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Human => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
}
