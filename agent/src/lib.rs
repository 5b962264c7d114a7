//! The software each actor runs against ProofManager: the operator's submitter service (send
//! every batch, watch the networks, verify proofs, record verdicts, hand every batch the
//! networks do not deliver back to the operator) and a proving network's agent (acknowledge,
//! prove through a command, submit, claim).
//!
//! Each agent is a pure state machine (`submitter`, `network`) over its stored state, the
//! chain's events (read as the auditor's event source yields them) and the block time; a thin
//! driver (`Chain`: `node`, and `drink` with the `drink` feature) makes its calls; the runner (`runner`) steps it block by
//! block with its SQLite state (`store`), crash-safe, and carries every call to a known outcome
//! through the faults a live chain produces; `agent` composes them; `work` holds the provers
//! and verifiers, real (commands) and scripted.

pub mod agent;
pub mod call;
pub mod chain;
pub mod cli;
#[cfg(feature = "drink")]
pub mod drink;
pub mod metrics;
pub mod network;
pub mod node;
pub mod note;
pub mod runner;
pub mod serve;
pub mod store;
pub mod submitter;
pub mod work;

pub use agent::{AgentError, Halt, HaltPoint, NetworkAgent, StepReport, SubmitterAgent};
pub use call::{Call, Id, Params, Reply, Success};
pub use chain::{Chain, ChainError, Delivery};
pub use network::{AcceptAtOnce, AckPlan, AckPolicy, ClaimPolicy, Net, NetworkConfig};
pub use runner::{Counters, Machine, RetryPolicy};
pub use submitter::{Reason, SubmitterConfig};
pub use work::{
    CommandProver, CommandVerifier, ProveJob, Prover, ScriptedProver, ScriptedVerifier, Verifier,
    VerifyError,
};
