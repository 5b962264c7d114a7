//! The command line: arguments (clap) and what each subcommand does, returning what to print so
//! that `main` only parses and prints.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::error::{Error, Result};
use crate::month::Month;
use crate::report::{month_report, ReportOptions, DEFAULT_MIN_REQUESTS};
use crate::store::{Store, DEFAULT_DB};
use crate::timeline::History;
use crate::{chart, jsonl, render};

const EXAMPLES: &str = "\
Examples:
  proof-manager-audit import 2026-11.jsonl
  proof-manager-audit report --month 2026-11 --json 2026-11.json --svg 2026-11.svg
  proof-manager-audit --db other.sqlite export all.jsonl

Exit codes: 0 success; 1 failure while running (I/O, database); 2 bad input (arguments, a bad
JSON Lines line, a month that is not YYYY-MM, a store of another contract, an empty store).";

/// Scores ProofManager's proving networks per month from the contract's events and recommends
/// the preferred network.
#[derive(Debug, Parser)]
#[command(name = "proof-manager-audit", version, after_help = EXAMPLES)]
pub struct Cli {
    /// The SQLite store.
    #[arg(long, global = true, default_value = DEFAULT_DB)]
    pub db: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Reads a JSON Lines event log into the store: all of it, or nothing if a line is bad.
    #[command(
        after_help = "Example:\n  proof-manager-audit --db audit.sqlite import 2026-11.jsonl"
    )]
    Import {
        /// The JSON Lines file (the format `export` writes).
        file: PathBuf,
    },
    /// Writes every stored event, decoded, and the observed window to a JSON Lines file.
    #[command(
        after_help = "Example:\n  proof-manager-audit --db audit.sqlite export 2026-11.jsonl"
    )]
    Export {
        /// The file to write (replaced if it exists).
        file: PathBuf,
    },
    /// Prints a month's report as Markdown, and the recommended preferred network.
    #[command(
        after_help = "Example:\n  proof-manager-audit report --month 2026-11 --json 2026-11.json --svg months.svg --min-requests 50"
    )]
    Report(ReportArgs),
}

/// `report`'s arguments.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The calendar month (UTC, by submission time), YYYY-MM.
    #[arg(long, value_parser = parse_month)]
    pub month: Month,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Also draw every month's share of requests and fulfilment rate to this SVG file.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Eligible requests (assigned − refused at assignment) a network needs to be ranked.
    #[arg(long, default_value_t = DEFAULT_MIN_REQUESTS)]
    pub min_requests: u64,
}

fn parse_month(text: &str) -> Result<Month, String> {
    Month::parse(text).map_err(|e| e.to_string())
}

/// What a command wants printed: `stdout` to standard output, `notes` to standard error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    pub stdout: String,
    pub notes: Vec<String>,
}

fn existing_store(path: &Path) -> Result<Store> {
    if !path.exists() {
        return Err(Error::MissingDatabase(path.to_path_buf()));
    }
    Store::open(path)
}

/// Runs one command.
pub fn run(cli: &Cli) -> Result<Output> {
    match &cli.command {
        Command::Import { file } => {
            let mut store = Store::open(&cli.db)?;
            let done = jsonl::import(&mut store, file)?;
            Ok(Output {
                stdout: format!(
                    "imported {} events ({} new, {} undecoded), blocks {}..={}, into {}\n",
                    done.events,
                    done.new_events,
                    done.undecoded,
                    done.window.first.block_number,
                    done.window.last.block_number,
                    cli.db.display()
                ),
                notes: Vec::new(),
            })
        }
        Command::Export { file } => {
            let store = existing_store(&cli.db)?;
            let done = jsonl::export(&store, file)?;
            Ok(Output {
                stdout: format!(
                    "exported {} events ({} undecoded), blocks {}..={}, to {}\n",
                    done.events,
                    done.undecoded,
                    done.window.first.block_number,
                    done.window.last.block_number,
                    file.display()
                ),
                notes: Vec::new(),
            })
        }
        Command::Report(args) => {
            let store = existing_store(&cli.db)?;
            let contract = store.contract()?.ok_or(Error::EmptyStore)?;
            let history = History::load(&store)?;
            let options = ReportOptions {
                min_requests: args.min_requests,
            };
            let report = month_report(&history, contract, args.month, &options)?;
            let mut notes = Vec::new();
            if let Some(path) = &args.json {
                let mut text = serde_json::to_string_pretty(&report).map_err(|e| Error::Io {
                    path: path.clone(),
                    source: e.into(),
                })?;
                text.push('\n');
                std::fs::write(path, text).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                notes.push(format!("wrote {}", path.display()));
            }
            if let Some(path) = &args.svg {
                chart::draw(&chart::points(&history), path)?;
                notes.push(format!("wrote {}", path.display()));
            }
            Ok(Output {
                stdout: render::markdown(&report),
                notes,
            })
        }
    }
}
