//! The embedded drink chain as an agent's chain: the release bundles through the e2e harness,
//! on a clock the test or the simulator moves. Several agents share one chain. A call executes
//! at once in the open block, so every call is `Executed`, and the chain's clock is also the
//! retry clock.

use std::cell::RefCell;
use std::rc::Rc;

use ink::primitives::AccountId;
use proof_manager::{ProofRequest, ProvingNetwork, ProvingNetworkInfo};
use proof_manager_audit::source::RecordedSource;
use proof_manager_audit::{EventSource, RawEvent, SourceBlock};
use proof_manager_e2e::Chain as Harness;

use crate::call::{Call, Id, Reply, Success};
use crate::chain::{Chain, ChainError, Delivery};

/// One harness chain, shared by the agents and whoever moves its clock.
pub type SharedChain = Rc<RefCell<Harness>>;

/// Wraps `chain` for sharing; it starts logging events, which the agents read.
pub fn share(mut chain: Harness) -> SharedChain {
    chain.keep_event_log();
    Rc::new(RefCell::new(chain))
}

/// One agent's view of a shared drink chain: its key and the manager.
pub struct DrinkChain {
    chain: SharedChain,
    account: AccountId,
}

impl DrinkChain {
    pub fn new(chain: SharedChain, account: AccountId) -> Self {
        DrinkChain { chain, account }
    }
}

impl Chain for DrinkChain {
    fn account(&self) -> AccountId {
        self.account
    }

    fn contract(&self) -> AccountId {
        self.chain.borrow().manager
    }

    /// The open block: a call made now executes in it.
    fn inclusion_horizon(&mut self) -> Result<u64, ChainError> {
        Ok(self.chain.borrow_mut().block_number())
    }

    fn send(&mut self, calls: &[Call]) -> Result<Vec<Delivery>, ChainError> {
        let mut chain = self.chain.borrow_mut();
        let who = self.account;
        let replies = calls
            .iter()
            .map(|call| {
                let done = |r: Result<(), proof_manager::Error>| r.map(|()| Success::Done);
                let reply: Reply = match call {
                    Call::Submit { id, params } => {
                        done(chain.submit_proof_request(who, (*id).into(), &params.to_contract()))
                    }
                    Call::Validate { id, valid } => {
                        done(chain.submit_proof_validation_result(who, (*id).into(), *valid))
                    }
                    Call::MarkUnacknowledged { id } => {
                        done(chain.mark_unacknowledged(who, (*id).into()))
                    }
                    Call::MarkTimedOut { id } => done(chain.mark_timed_out(who, (*id).into())),
                    Call::Acknowledge { id, accept } => {
                        done(chain.acknowledge_proof_request(who, (*id).into(), *accept))
                    }
                    Call::SubmitProof {
                        id,
                        proof,
                        requested_reward,
                    } => done(chain.submit_proof(who, (*id).into(), proof, *requested_reward)),
                    Call::Claim => chain.claim_reward(who).map(Success::Claimed),
                };
                Delivery::Executed(reply)
            })
            .collect();
        Ok(replies)
    }

    fn proof_request(&mut self, id: Id) -> Result<Option<ProofRequest>, ChainError> {
        Ok(self.chain.borrow_mut().proof_request(id.into()))
    }

    fn network_info(&mut self, network: ProvingNetwork) -> Result<ProvingNetworkInfo, ChainError> {
        Ok(self.chain.borrow_mut().proving_network_info(network))
    }

    fn now(&mut self) -> Result<u64, ChainError> {
        Ok(self.chain.borrow_mut().now())
    }

    fn finalized_head(&self) -> Option<u64> {
        self.chain
            .borrow()
            .last_closed_block()
            .map(|(number, _)| number)
    }

    fn free_balance(&mut self) -> Result<u128, ChainError> {
        Ok(self.chain.borrow_mut().native_balance(self.account))
    }

    fn retry_clock_ms(&mut self) -> u64 {
        self.chain.borrow_mut().now()
    }

    fn genesis_hash(&mut self) -> Result<[u8; 32], ChainError> {
        Ok(self.chain.borrow().genesis_hash().into())
    }

    /// The runtime keeps the hashes of its last 250 blocks: an older block is reported as the
    /// chain not having it, which only a state file that long unused can meet.
    fn block_hash(&mut self, number: u64) -> Result<Option<[u8; 32]>, ChainError> {
        Ok(self
            .chain
            .borrow_mut()
            .block_hash(number)
            .map(<[u8; 32]>::from))
    }

    /// The sandbox keeps no history: the code hash now, whatever `at` says.
    fn code_hash(&mut self, _at: Option<u64>) -> Result<[u8; 32], ChainError> {
        let mut chain = self.chain.borrow_mut();
        let manager = chain.manager;
        chain
            .code_hash(manager)
            .map(<[u8; 32]>::from)
            .ok_or_else(|| ChainError::NotAManager {
                address: format!("0x{}", hex::encode(manager.0)),
                reason: "no contract at this address".into(),
            })
    }

    fn blocks_after(&mut self, after: Option<u64>) -> Result<Vec<SourceBlock>, ChainError> {
        let chain = self.chain.borrow();
        let Some((closed, closed_time)) = chain.last_closed_block() else {
            return Ok(Vec::new());
        };
        if after.is_some_and(|after| after >= closed) {
            return Ok(Vec::new());
        }
        let log = chain.event_log();
        let first = after.map_or(0, |after| log.partition_point(|e| e.block_number <= after));
        let end = log.partition_point(|e| e.block_number <= closed);
        let events = log[first..end].iter().map(|recorded| RawEvent {
            block_number: recorded.block_number,
            event_index: recorded.event_index,
            block_time_ms: recorded.block_time_ms,
            contract: recorded.event.contract.0,
            topics: recorded.event.topics.clone(),
            data: recorded.event.data.clone(),
        });
        // The auditor's grouping: the manager's events by block, then the closed block.
        let mut source = RecordedSource::new(chain.manager.0, events, closed, closed_time)
            .map_err(|e| ChainError::Other(format!("the recorded events: {e}")))?;
        let mut blocks = Vec::new();
        while let Ok(Some(block)) = source.next_block() {
            blocks.push(block);
        }
        drop(chain);
        // A node gives each block's hash; the recording does not: the runtime has them.
        let mut chain = self.chain.borrow_mut();
        for block in &mut blocks {
            block.hash = chain.block_hash(block.number).map(<[u8; 32]>::from);
        }
        Ok(blocks)
    }
}
