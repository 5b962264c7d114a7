//! `proof-manager-agent`: parses the command line, starts the logs, runs the agent, exits with
//! its code.

use clap::Parser;

fn main() {
    let cli = proof_manager_agent::cli::Cli::parse();
    proof_manager_audit::logs::init(cli.log_format);
    if let Err(error) = proof_manager_agent::cli::run(cli) {
        tracing::error!(exit_code = error.exit_code(), "{error}");
        std::process::exit(error.exit_code());
    }
}
