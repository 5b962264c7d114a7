//! What an agent needs of a chain: its calls sent as its key, the views it checks, the clock,
//! and the contract's events block by block. Two drivers implement it: the embedded drink chain
//! (`drink.rs`) and a live node (`node.rs`).

use ink::primitives::AccountId;
use proof_manager::{ProofRequest, ProvingNetwork, ProvingNetworkInfo};
use proof_manager_audit::SourceBlock;

use crate::call::{Call, Id, Reply};

/// Why a driver could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("cannot reach the node at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{address} is not a ProofManager: {reason}")]
    NotAManager { address: String, reason: String },
    #[error(
        "the agent's account {account} cannot pay for its calls ({reason}): fund it with the \
         chain's native token"
    )]
    Unfunded { account: String, reason: String },
    #[error("{message} was not executed: {reason}")]
    Rejected {
        message: &'static str,
        reason: String,
    },
    #[error("the chain: {0}")]
    Other(String),
}

/// A chain as one agent sees it.
pub trait Chain {
    /// The agent's key: every call is signed by it.
    fn account(&self) -> AccountId;

    /// The ProofManager the agent works with.
    fn contract(&self) -> AccountId;

    /// Sends `calls` in order and returns what the contract answered to each; a call the
    /// chain did not execute at all (out of gas, a dropped extrinsic) is an `Err` in its place.
    /// A live node's driver sends them together, with consecutive nonces.
    fn send(&mut self, calls: &[Call]) -> Result<Vec<Result<Reply, ChainError>>, ChainError>;

    /// The request as `proof_request` reports it now.
    fn proof_request(&mut self, id: Id) -> Result<Option<ProofRequest>, ChainError>;

    /// `proving_network_info`.
    fn network_info(&mut self, network: ProvingNetwork) -> Result<ProvingNetworkInfo, ChainError>;

    /// The time the agent's next calls execute at, as far as it can tell (ms).
    fn now(&mut self) -> Result<u64, ChainError>;

    /// The closed blocks after block `after` (every block when `None`) up to the newest one,
    /// each with the contract's events; a driver may leave out blocks without events but
    /// always yields the newest closed block. Empty when no new block closed.
    fn blocks_after(&mut self, after: Option<u64>) -> Result<Vec<SourceBlock>, ChainError>;
}
