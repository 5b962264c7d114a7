//! `proof-manager-sim`: parse the command line, run, print.

use clap::Parser;

fn main() {
    let cli = proof_manager_sim::cli::Cli::parse();
    std::process::exit(proof_manager_sim::cli::main_with(&cli));
}
