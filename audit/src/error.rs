//! The auditor's errors, split by who can fix them: bad input (exit code 2) or a failure while
//! running (exit code 1).

use std::path::PathBuf;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for a failure that is not the input's fault: I/O, the database, an event source.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for bad input: arguments, a JSON Lines file, a month, a store of another contract or
/// another chain.
pub const EXIT_BAD_INPUT: i32 = 2;

/// Everything that can go wrong in the auditor.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database {path}: {source}")]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {reason}; nothing was imported")]
    ImportLine {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{path}: {reason}; nothing was imported")]
    ImportFile { path: PathBuf, reason: String },
    #[error(
        "the store holds events of contract {stored}, not of {given}: use another --db for each contract"
    )]
    ContractMismatch { stored: String, given: String },
    #[error(
        "blocks {first}..={last} would leave a gap: the store covers blocks {stored_first}..={stored_last}"
    )]
    WindowGap {
        first: u64,
        last: u64,
        stored_first: u64,
        stored_last: u64,
    },
    #[error(
        "the store was written from the chain with genesis {stored}; the node's chain has \
         genesis {node}: use another --db for each chain"
    )]
    OtherChain { stored: String, node: String },
    #[error(
        "the store's cursor is block {block} with hash {stored}; the node's block {block} is \
         {node}: the chain was reset or reorganised since the store was written (a dev chain \
         restarted with --tmp keeps its genesis and even the contract's address). Use another \
         --db for this chain"
    )]
    CursorNotOnChain {
        block: u64,
        stored: String,
        node: String,
    },
    #[error(
        "the store has code hash {stored} for the contract at its cursor, block {block}; the \
         node's contract there has {node}, and the store saw no CodeUpgraded to it: is it \
         another chain or another contract? Use another --db"
    )]
    CodeHashMismatch {
        block: u64,
        stored: String,
        node: String,
    },
    #[error("the event source went back from block {previous} to block {next}")]
    OutOfOrder { previous: u64, next: u64 },
    #[error(
        "event at block {block_number} index {event_index} is for contract {event}, not {expected}"
    )]
    ForeignEvent {
        block_number: u64,
        event_index: u32,
        event: String,
        expected: String,
    },
    #[error("recorded events are out of order: ({block}, {index}) comes after ({previous_block}, {previous_index})")]
    RecordedOrder {
        previous_block: u64,
        previous_index: u32,
        block: u64,
        index: u32,
    },
    #[error("recorded event at block {block} is after the window's last block {last}")]
    RecordedAfterEnd { block: u64, last: u64 },
    #[error("the store is empty: import or ingest events first")]
    EmptyStore,
    #[error("no database at {0}: import events first, or name the store with --db")]
    MissingDatabase(PathBuf),
    #[error("{0:?} is neither an SS58 address nor 0x followed by 64 hex digits: {1}")]
    BadAddress(String, String),
    #[error("--from {from} is after --to {to}")]
    BadRange { from: u64, to: u64 },
    #[error("month {0:?} is not a calendar month written YYYY-MM (for example 2026-11)")]
    BadMonth(String),
    #[error("event source: {0}")]
    Source(Box<dyn std::error::Error + Send + Sync>),
    #[error(transparent)]
    Exposition(#[from] crate::exposition::ExpositionError),
    #[error("chart {path}: {reason}")]
    Chart { path: PathBuf, reason: String },
}

impl Error {
    /// The process exit code this error maps to.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Source(error) => error
                .downcast_ref::<crate::node::NodeError>()
                .map_or(EXIT_FAILURE, crate::node::NodeError::exit_code),
            Error::Database { .. } | Error::Io { .. } | Error::Chart { .. } => EXIT_FAILURE,
            Error::ImportLine { .. }
            | Error::ImportFile { .. }
            | Error::ContractMismatch { .. }
            | Error::OtherChain { .. }
            | Error::CursorNotOnChain { .. }
            | Error::CodeHashMismatch { .. }
            | Error::WindowGap { .. }
            | Error::OutOfOrder { .. }
            | Error::ForeignEvent { .. }
            | Error::RecordedOrder { .. }
            | Error::RecordedAfterEnd { .. }
            | Error::EmptyStore
            | Error::MissingDatabase(_)
            | Error::BadAddress(..)
            | Error::BadRange { .. }
            | Error::BadMonth(_)
            | Error::Exposition(_) => EXIT_BAD_INPUT,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Renders 32 bytes as `0x`-prefixed lowercase hex, the form every output of the auditor uses.
pub fn hex32(bytes: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(bytes))
}
