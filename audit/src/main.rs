//! `proof-manager-audit`: parses the arguments, starts the logs, runs the command, prints its
//! output or its error, and exits with the error's code.

use std::process::ExitCode;

use clap::Parser;
use proof_manager_audit::cli::{run, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    proof_manager_audit::logs::init(cli.log_format);
    match run(&cli) {
        Ok(output) => {
            print!("{}", output.stdout);
            for note in output.notes {
                tracing::info!("{note}");
            }
            ExitCode::from(output.exit_code as u8)
        }
        Err(error) => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            tracing::error!(exit_code = error.exit_code(), "{text}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}
