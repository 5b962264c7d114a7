//! The auditor of ProofManager's on-chain traffic: follows the contract's events from a source
//! into a SQLite store, rebuilds every request's timeline with the contract's rules, and scores
//! the proving networks per calendar month to recommend the preferred network.
//!
//! Events are decoded only by the contract's own `ManagerEvent::decode`, dispatching on the
//! signature topic.

mod blocks;
pub mod chart;
pub mod cli;
pub mod error;
pub mod exposition;
pub mod follow_watch;
pub mod jsonl;
pub mod logs;
pub mod month;
pub mod node;
pub mod render;
pub mod report;
pub mod runtime;
pub mod source;
pub mod ss58;
pub mod store;
pub mod timeline;

pub use error::{Error, Result, EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK};
pub use month::Month;
pub use report::{month_report, MonthReport, NetworkMonth, ReportOptions};
pub use source::{
    check_chain, follow, ingest_recorded, ChainAt, EventSource, FollowSummary, RawEvent,
    RecordedSource, SourceBlock,
};
pub use store::{Cursor, Identity, Store, UndecodableBlock, Window, DEFAULT_DB};
pub use timeline::{History, Outcome, RequestTimeline};
