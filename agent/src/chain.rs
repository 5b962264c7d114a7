//! What an agent needs of a chain: its calls sent as its key (and what became of each), the
//! views it checks, the clocks, which chain it is, and the contract's events block by block.
//! Two drivers implement it: the embedded drink chain (`drink.rs`) and a live node (`node.rs`).

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

impl ChainError {
    /// Whether the node, not the agent or its input, failed: the agent goes on once the node
    /// answers again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ChainError::Unreachable { .. } | ChainError::Rejected { .. } | ChainError::Other(_)
        )
    }
}

/// What became of one call the agent sent.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The contract executed it: its value or its error.
    Executed(Reply),
    /// The chain did not execute it and will not (the pool refused or dropped it, it ran out
    /// of gas, the dry run failed): sending it again cannot apply it twice.
    NotExecuted(String),
    /// It may have executed, or may still (the node did not say in time, the reply was lost):
    /// the chain cannot include it after block `until_block`. Until then its effect is looked
    /// for on chain.
    Unknown { reason: String, until_block: u64 },
}

/// A chain as one agent sees it.
pub trait Chain {
    /// The agent's key: every call is signed by it.
    fn account(&self) -> AccountId;

    /// The ProofManager the agent works with.
    fn contract(&self) -> AccountId;

    /// The last block in which a call sent now can be included: a live node signs its calls
    /// mortal, so that a call not in a block by then never will be.
    fn inclusion_horizon(&mut self) -> Result<u64, ChainError>;

    /// Sends `calls` in order and tells what became of each, in their order. A live node's
    /// driver sends them together, with consecutive nonces, valid up to the last
    /// `inclusion_horizon` it gave. `Err` only when nothing was sent.
    fn send(&mut self, calls: &[Call]) -> Result<Vec<Delivery>, ChainError>;

    /// The request as `proof_request` reports it now.
    fn proof_request(&mut self, id: Id) -> Result<Option<ProofRequest>, ChainError>;

    /// `proof_request` of each of `ids`, in their order: a live node's driver asks for all of
    /// them at once, one round trip's wait instead of one per request.
    fn proof_requests(&mut self, ids: &[Id]) -> Result<Vec<Option<ProofRequest>>, ChainError> {
        ids.iter().map(|id| self.proof_request(*id)).collect()
    }

    /// `proving_network_info`.
    fn network_info(&mut self, network: ProvingNetwork) -> Result<ProvingNetworkInfo, ChainError>;

    /// The time the agent's next calls execute at, as far as it can tell (ms).
    fn now(&mut self) -> Result<u64, ChainError>;

    /// The clock retries are spaced by (ms): the wall clock on a live chain, the chain's own
    /// clock where time is simulated.
    fn retry_clock_ms(&mut self) -> u64;

    /// The chain's genesis hash.
    fn genesis_hash(&mut self) -> Result<[u8; 32], ChainError>;

    /// The hash of block `number`; `None` when the chain has no such block.
    fn block_hash(&mut self, number: u64) -> Result<Option<[u8; 32]>, ChainError>;

    /// The contract's code hash at block `number`, or now when `None`.
    fn code_hash(&mut self, at: Option<u64>) -> Result<[u8; 32], ChainError>;

    /// The closed blocks after block `after` (every block when `None`) up to the newest one,
    /// each with the contract's events; a driver may leave out blocks without events but
    /// always yields the newest closed block. Empty when no new block closed.
    fn blocks_after(&mut self, after: Option<u64>) -> Result<Vec<SourceBlock>, ChainError>;

    /// The newest finalized (closed) block the driver saw: how far behind the agent is.
    fn finalized_head(&self) -> Option<u64>;

    /// The agent's free balance in the chain's native token, which pays its fees.
    fn free_balance(&mut self) -> Result<u128, ChainError>;

    /// What the driver has to tell the operator since the last call (a runtime it follows).
    fn take_notes(&mut self) -> Vec<String> {
        Vec::new()
    }
}
