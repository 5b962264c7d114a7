//! `proof-manager-audit`: parses the arguments, runs the command, prints its output or its
//! error, and exits with the error's code.

use std::process::ExitCode;

use clap::Parser;
use proof_manager_audit::cli::{run, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(output) => {
            print!("{}", output.stdout);
            for note in output.notes {
                eprintln!("{note}");
            }
            ExitCode::from(output.exit_code as u8)
        }
        Err(error) => {
            eprint!("proof-manager-audit: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                eprint!(": {cause}");
                source = cause.source();
            }
            eprintln!();
            ExitCode::from(error.exit_code() as u8)
        }
    }
}
