//! The command line: arguments (clap) and what each subcommand does, returning what to print so
//! that `main` only parses and prints.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use crate::error::{hex32, Error, Result, EXIT_OK};
use crate::exposition;
use crate::follow_watch::FollowWatch;
use crate::month::Month;
use crate::node::{NodeSource, Range, Reconnection};
use crate::report::{month_report, ReportOptions, DEFAULT_MIN_REQUESTS};
use crate::source::{follow, FollowSummary, SourceBlock};
use crate::store::{Store, DEFAULT_DB};
use crate::timeline::History;
use crate::{chart, jsonl, render};

const EXAMPLES: &str = "\
Examples:
  proof-manager-audit scan --url ws://127.0.0.1:9944 --contract 5GRSJy8txi8i9aed1yUukpak8woAwtrwusZCh6MYVPmEdcfZ --from 1 --to 5000
  proof-manager-audit follow --contract 5GRSJy8txi8i9aed1yUukpak8woAwtrwusZCh6MYVPmEdcfZ
  proof-manager-audit import 2026-11.jsonl
  proof-manager-audit report --month 2026-11 --json 2026-11.json --svg 2026-11.svg
  proof-manager-audit --db other.sqlite export all.jsonl

Exit codes: 0 success; 1 failure while running (I/O, database, an unreachable node); 2 bad input
(arguments, a bad JSON Lines line, a month that is not YYYY-MM, a store of another contract or of
another chain, an empty store, an address that is no contract, pruned or future blocks).";

/// What `scan` and `follow` check and record beyond the events (a macro: `concat!` takes
/// literals only).
macro_rules! chain_help {
    () => {
        "The store records the chain it reads: its genesis hash, the hash of the cursor's block and the contract's code hash. A store of another chain, or of a chain reset since (a dev chain restarted with --tmp keeps its genesis and the contract's address, not its block hashes), is refused with exit code 2 and left as it was. A block whose events do not all decode (an unknown event type, a runtime whose metadata does not decode) is stored with the events that could be read and counted: scan and follow print how many, and report warns that contract events of those blocks may be missing."
    };
}

/// Scores ProofManager's proving networks per month from the contract's events and recommends
/// the preferred network.
#[derive(Debug, Parser)]
#[command(name = "proof-manager-audit", version, after_help = EXAMPLES)]
pub struct Cli {
    /// The SQLite store.
    #[arg(long, global = true, default_value = DEFAULT_DB)]
    pub db: PathBuf,
    /// How log lines are written to standard error: `human`, or `json` (one object per line).
    /// RUST_LOG filters them (default `info`).
    #[arg(long, global = true, value_enum, default_value_t = crate::logs::LogFormat::Human)]
    pub log_format: crate::logs::LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Reads a range of a live node's blocks into the store (resuming after the store's cursor).
    #[command(
        after_help = concat!("Example:\n  proof-manager-audit scan --url ws://127.0.0.1:9944 --contract 5GRSJy8txi8i9aed1yUukpak8woAwtrwusZCh6MYVPmEdcfZ --from 1 --to 5000\n\nThe node must still hold the blocks' state: its last 256 finalized blocks by default, all of them with --state-pruning archive. Ctrl-C (or SIGTERM) stops the scan at its next fetch with every block up to the cursor stored, and exits with code 130; the next scan resumes after the cursor.\n\n", chain_help!())
    )]
    Scan(ScanArgs),
    /// Reads a live node's finalized blocks as they come, until interrupted or --until-block.
    #[command(
        after_help = concat!("Example:\n  proof-manager-audit follow --url ws://127.0.0.1:9944 --contract 5GRSJy8txi8i9aed1yUukpak8woAwtrwusZCh6MYVPmEdcfZ --until-block 9000\n\nCtrl-C (or SIGTERM) ends it at its next fetch or wait, with exit code 0; even a kill at any moment is safe: each block is stored with the cursor in one transaction, and the next run resumes after the cursor. When the node goes away or restarts, follow says so and tries again every second, then goes on from the block it was at (and stops with exit code 2 if the chain was reset meanwhile). A CodeUpgraded of the contract is noted and recorded.\n\n", chain_help!())
    )]
    Follow(FollowArgs),
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

/// Where the node is and which contract to read.
#[derive(Debug, clap::Args)]
pub struct NodeArgs {
    /// The node's WebSocket RPC endpoint.
    #[arg(long, default_value = "ws://127.0.0.1:9944")]
    pub url: String,
    /// ProofManager's address: SS58, or 0x and 64 hex digits.
    #[arg(long, value_parser = parse_address)]
    pub contract: [u8; 32],
}

/// `scan`'s arguments.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// First block to read.
    #[arg(long)]
    pub from: u64,
    /// Last block to read (finalized).
    #[arg(long)]
    pub to: u64,
}

/// `follow`'s arguments.
#[derive(Debug, clap::Args)]
pub struct FollowArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// First block to read when the store is empty [default: the last finalized block].
    #[arg(long)]
    pub from: Option<u64>,
    /// Stop after this block.
    #[arg(long)]
    pub until_block: Option<u64>,
    /// How often to ask the node for a new finalized block, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub poll_ms: u64,
    /// Serve Prometheus metrics on /metrics and a health check on /health at this address
    /// (IP:PORT, e.g. 127.0.0.1:9619); off unless given.
    #[arg(long)]
    pub metrics_addr: Option<String>,
    /// /health answers 503 once the store's cursor is more than this many blocks behind the
    /// finalized head (and while the node does not answer).
    #[arg(long, default_value_t = 20)]
    pub health_max_lag: u64,
}

/// An account as `0x` and 64 hex digits, or as an SS58 address of any network.
pub fn parse_address(text: &str) -> Result<[u8; 32], String> {
    let bad = |reason: String| Error::BadAddress(text.to_string(), reason).to_string();
    match text.strip_prefix("0x") {
        Some(digits) => {
            let bytes = hex::decode(digits).map_err(|e| bad(e.to_string()))?;
            <[u8; 32]>::try_from(bytes.as_slice())
                .map_err(|_| bad(format!("{} bytes, not 32", bytes.len())))
        }
        None => crate::ss58::decode(text).map_err(bad),
    }
}

fn parse_month(text: &str) -> Result<Month, String> {
    Month::parse(text).map_err(|e| e.to_string())
}

/// What a command wants printed: `stdout` to standard output, `notes` to standard error; and
/// the exit code, 0 unless a signal stopped a scan before its last block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    pub stdout: String,
    pub notes: Vec<String>,
    pub exit_code: i32,
}

/// The exit code of a scan a signal stopped before its last block: 128 + SIGINT's number, as a
/// shell reports a process Ctrl-C ended.
pub const EXIT_INTERRUPTED: i32 = 130;

fn existing_store(path: &Path) -> Result<Store> {
    if !path.exists() {
        return Err(Error::MissingDatabase(path.to_path_buf()));
    }
    Store::open(path)
}

/// A progress line on standard error while blocks come in, when it is a terminal.
struct Progress {
    enabled: bool,
    first: u64,
    last: Option<u64>,
    started: Instant,
    shown: Instant,
    blocks: u64,
}

impl Progress {
    fn new(first: u64, last: Option<u64>) -> Self {
        Self {
            enabled: std::io::stderr().is_terminal(),
            first,
            last,
            started: Instant::now(),
            shown: Instant::now(),
            blocks: 0,
        }
    }

    fn rate(&self) -> f64 {
        self.blocks as f64 / self.started.elapsed().as_secs_f64().max(1e-9)
    }

    fn block(&mut self, block: &SourceBlock) {
        self.blocks += 1;
        if !self.enabled || self.shown.elapsed() < Duration::from_millis(200) {
            return;
        }
        self.shown = Instant::now();
        let line = match self.last {
            Some(last) => {
                let total = (last + 1).saturating_sub(self.first).max(1);
                let done = (block.number + 1).saturating_sub(self.first).min(total);
                let filled = (30 * done / total) as usize;
                format!(
                    "[{}{}] block {} of {}..={}, {:.0} blocks/s",
                    "#".repeat(filled),
                    ".".repeat(30 - filled),
                    block.number,
                    self.first,
                    last,
                    self.rate()
                )
            }
            None => format!(
                "block {} ({} read, {:.0} blocks/s)",
                block.number,
                self.blocks,
                self.rate()
            ),
        };
        let mut err = std::io::stderr();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
    }

    /// Prints `note` on a line of its own, above the progress line, which the next block
    /// redraws.
    fn note(&self, note: &str) {
        if self.enabled {
            eprint!("\r\x1b[K");
        }
        tracing::warn!("{note}");
    }

    fn finish(&self) {
        if self.enabled && self.blocks > 0 {
            eprintln!();
        }
    }
}

fn node_error(error: crate::node::NodeError) -> Error {
    Error::Source(Box::new(error))
}

/// The store at `path` if it exists, after checking, without writing, that it is `contract`'s
/// and that reading from `from` leaves no gap after its cursor: bad input is refused before the
/// node is contacted.
fn checked_store(
    path: &Path,
    contract: [u8; 32],
    blocks: Option<(u64, u64)>,
) -> Result<Option<Store>> {
    if !path.exists() {
        return Ok(None);
    }
    let store = Store::open(path)?;
    if let Some(stored) = store.contract()? {
        if stored != contract {
            return Err(Error::ContractMismatch {
                stored: hex32(&stored),
                given: hex32(&contract),
            });
        }
    }
    if let (Some(window), Some((first, last))) = (store.window()?, blocks) {
        if first > window.last.block_number + 1 {
            return Err(Error::WindowGap {
                first,
                last,
                stored_first: window.first.block_number,
                stored_last: window.last.block_number,
            });
        }
    }
    Ok(Some(store))
}

fn open_for(existing: Option<Store>, path: &Path, contract: [u8; 32]) -> Result<Store> {
    let mut store = match existing {
        Some(store) => store,
        None => Store::open(path)?,
    };
    store.claim_contract(contract)?;
    Ok(store)
}

/// Shows a block written: the progress line, and a note for a code upgrade or for events that
/// do not decode, as they come (a follower may run for months).
fn show_block(progress: &mut Progress, block: &SourceBlock) {
    if let Some(code_hash) = block.code_upgrade() {
        progress.note(&format!(
            "block {}: CodeUpgraded: the contract's code hash is now {}; the store records it",
            block.number,
            hex32(&code_hash)
        ));
    }
    if let Some(reason) = &block.undecodable {
        progress.note(&format!(
            "block {}: stored with the {} event(s) of the contract that could be read, but not \
             all its events decode, so contract events of it may be missing: {reason}",
            block.number,
            block.events.len()
        ));
    }
    progress.block(block)
}

/// Reads `source` into `store`. `last` is the last block to read, if known (for the progress
/// line); `must_reach` the block a run must have stored not to count as unfinished when a signal
/// stops it.
fn read_node(
    store: &mut Store,
    mut source: NodeSource,
    last: Option<u64>,
    must_reach: Option<u64>,
    what: &str,
    watch: Option<&FollowWatch>,
) -> Result<Output> {
    source.stop_on_signals().map_err(node_error)?;
    let first = match store.cursor()? {
        Some(cursor) => source.next_block_number().max(cursor.block_number + 1),
        None => source.next_block_number(),
    };
    let mut progress = Progress::new(first, last);
    if let Some(watch) = watch {
        watch.resumed_at(store.cursor()?.map(|c| c.block_number));
    }
    let result = follow(store, &mut source, |block| {
        if let Some(watch) = watch {
            watch.block(block);
        }
        show_block(&mut progress, block)
    });
    progress.finish();
    let summary: FollowSummary = result?;
    let seconds = progress.started.elapsed().as_secs_f64();
    let mut notes = Vec::new();
    if store.event_count()? == 0 {
        let contract = store.contract()?.unwrap_or_default();
        notes.push(format!(
            "no event of contract {} ({}) in the blocks read: it is a contract, but it emitted \
             nothing there; is it ProofManager, and is it the range it was used in?",
            crate::ss58::encode(&contract),
            hex32(&contract)
        ));
    }
    let to = summary.cursor.map_or("nothing".to_string(), |c| {
        format!("block {}", c.block_number)
    });
    if summary.undecodable_blocks > 0 {
        notes.push(format!(
            "{} block(s) had events that do not decode: each is stored with the events that \
             could be read and counted by `report`, which warns that contract events of them may \
             be missing",
            summary.undecodable_blocks
        ));
    }
    let mut exit_code = EXIT_OK;
    if let Some(signal) = source.stopped_by() {
        notes.push(format!(
            "stopped by {signal}: every block up to the store's cursor ({to}) is stored; the \
             next scan or follow with this --db resumes after it"
        ));
        let reached = summary.cursor.map(|c| c.block_number);
        if must_reach.is_some_and(|block| reached < Some(block)) {
            exit_code = EXIT_INTERRUPTED;
        }
    }
    Ok(Output {
        stdout: format!(
            "{what} {} blocks in {seconds:.1} s ({:.0} blocks/s), {} new events of the contract, \
             {} blocks with undecodable events, {} blocks already stored; the store is at {to}\n",
            summary.blocks,
            summary.blocks as f64 / seconds.max(1e-9),
            summary.events_stored,
            summary.undecodable_blocks,
            summary.blocks_skipped
        ),
        notes,
        exit_code,
    })
}

/// Runs one command.
pub fn run(cli: &Cli) -> Result<Output> {
    match &cli.command {
        Command::Scan(args) => {
            if args.from > args.to {
                return Err(Error::BadRange {
                    from: args.from,
                    to: args.to,
                });
            }
            let existing = checked_store(&cli.db, args.node.contract, Some((args.from, args.to)))?;
            let source = NodeSource::connect(
                &args.node.url,
                args.node.contract,
                args.from,
                Range::To(args.to),
            )
            .map_err(node_error)?;
            let mut store = open_for(existing, &cli.db, args.node.contract)?;
            read_node(
                &mut store,
                source,
                Some(args.to),
                Some(args.to),
                "scanned",
                None,
            )
        }
        Command::Follow(args) => {
            let existing = checked_store(
                &cli.db,
                args.node.contract,
                args.from
                    .map(|from| (from, args.until_block.unwrap_or(from).max(from))),
            )?;
            let range = Range::Finalized {
                until: args.until_block,
                poll: Duration::from_millis(args.poll_ms.max(1)),
            };
            let mut source = NodeSource::connect(&args.node.url, args.node.contract, 0, range)
                .map_err(node_error)?;
            let mut store = open_for(existing, &cli.db, args.node.contract)?;
            if store.cursor()?.is_none() {
                let from = match args.from {
                    Some(from) => from,
                    None => source.finalized().map_err(node_error)?,
                };
                source.start_at(from);
            }
            let watch = match &args.metrics_addr {
                Some(addr) => {
                    let watch = FollowWatch::new(args.health_max_lag);
                    let served = exposition::serve(addr, watch.registry(), watch.health())?;
                    tracing::info!(addr = %served.addr, "serving /metrics and /health");
                    let heads = watch.clone();
                    source.watch_head(Box::new(move |head| heads.head(head)));
                    Some(watch)
                }
                None => None,
            };
            let told = watch.clone();
            source.wait_for_node(Box::new(move |change| {
                tracing::warn!("{change}");
                if let Some(watch) = &told {
                    match change {
                        Reconnection::Lost(why) => watch.lost(why),
                        Reconnection::Back { .. } => watch.back(),
                    }
                }
            }));
            read_node(
                &mut store,
                source,
                args.until_block,
                None,
                "followed",
                watch.as_deref(),
            )
        }
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
                exit_code: EXIT_OK,
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
                exit_code: EXIT_OK,
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
                exit_code: EXIT_OK,
            })
        }
    }
}
