//! What a run leaves: each batch's fate (validated by a network, or handed to the fallback
//! prover and why), when it was done, what it cost; for drink runs the weight of every call.

use serde::Serialize;

/// Why a batch went to the in-house prover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The submission itself was refused (the manager lacked funds).
    NoFunds,
    /// Stored as Refused: the assignee was inactive or missing.
    RefusedAtAssignment,
    Refused,
    Unacknowledged,
    TimedOut,
    ValidationFailed,
    /// An auction found no bidder (or no lock before its lock timeout).
    NoTaker,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Reason::NoFunds,
        Reason::RefusedAtAssignment,
        Reason::Refused,
        Reason::Unacknowledged,
        Reason::TimedOut,
        Reason::ValidationFailed,
        Reason::NoTaker,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Reason::NoFunds => "no funds",
            Reason::RefusedAtAssignment => "refused at assignment",
            Reason::Refused => "refused",
            Reason::Unacknowledged => "unacknowledged",
            Reason::TimedOut => "timed out",
            Reason::ValidationFailed => "validation failed",
            Reason::NoTaker => "no taker",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// A network's proof was validated.
    Validated,
    Fallback(Reason),
}

/// One batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Batch {
    pub arrival_ms: u64,
    /// The network it was assigned to, if any.
    pub network: Option<u8>,
    pub outcome: Outcome,
    /// When its proof was validated, or when the fallback prover finished it.
    pub done_ms: u64,
    /// What the network was paid for it (0 for a fallback).
    pub paid: u128,
}

/// The weight and storage deposit of the calls of a drink run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Costs {
    pub calls: u64,
    pub ref_time: u128,
    pub proof_size: u128,
    /// Net storage deposit charged (negative: refunded).
    pub storage_deposit: i128,
}

/// A run of one policy on one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub policy: String,
    pub engine: &'static str,
    pub networks: Vec<String>,
    pub batches: Vec<Batch>,
    /// (time, new preferred network) for each change the policy made.
    pub preferred_changes: Vec<(u64, Option<String>)>,
    /// Stake burnt by the auctions' missed locks.
    pub burnt: u128,
    /// Slashed stake not burnt, paid to whoever proved the batch (the fallback): it offsets the
    /// fallback's cost.
    pub stake_offset: u128,
    pub costs: Option<Costs>,
}
