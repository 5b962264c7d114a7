//! `proof-manager-agent`: parses the command line, runs the agent, exits with its code.

use clap::Parser;

fn main() {
    let cli = proof_manager_agent::cli::Cli::parse();
    if let Err(error) = proof_manager_agent::cli::run(cli) {
        eprintln!("proof-manager-agent: {error}");
        std::process::exit(error.exit_code());
    }
}
