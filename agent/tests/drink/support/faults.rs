//! A chain that fails the way a live one does, from a seed: calls the chain does not execute
//! (a dropped extrinsic), calls executed whose reply is lost, calls held and executed a block
//! later (a slow pool; their reply is lost too), and block reads that fail for a moment (the
//! node went away). Its state outlives the agent using it, as a node outlives an agent that
//! reopens, and it counts every fault it injected.

use std::cell::RefCell;
use std::rc::Rc;

use ink::primitives::AccountId;
use proof_manager::{ProofRequest, ProvingNetwork, ProvingNetworkInfo};
use proof_manager_agent::drink::DrinkChain;
use proof_manager_agent::{Call, Chain, ChainError, Delivery, Id};
use proof_manager_audit::SourceBlock;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How often each fault happens, in parts per thousand of the calls (or block reads).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    pub seed: u64,
    /// Calls the chain does not execute.
    pub drop: u32,
    /// Calls executed whose reply is lost.
    pub lose_reply: u32,
    /// Calls held and executed in the next block, their reply lost.
    pub delay: u32,
    /// Block reads that fail.
    pub read_failure: u32,
}

impl Faults {
    pub fn none() -> Faults {
        Faults::default()
    }

    /// The same rates with another seed (one per agent).
    pub fn seeded(self, seed: u64) -> Faults {
        Faults { seed, ..self }
    }
}

/// How many faults of each kind were injected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Injected {
    pub drops: u64,
    pub lost_replies: u64,
    pub delays: u64,
    pub read_failures: u64,
}

/// Blocks a held call may wait: the horizon the wrapper gives covers them.
const HOLD_BLOCKS: u64 = 1;

/// What survives an agent's reopening: the random stream, the held calls, the counts.
pub struct FaultState {
    faults: Faults,
    rng: ChaCha8Rng,
    /// Held calls with the block from which they execute and the last block they may (a
    /// pool forgets a mortal call after its era): they never execute later.
    held: Vec<(Call, u64, u64)>,
    pub injected: Injected,
}

pub type SharedFaults = Rc<RefCell<FaultState>>;

pub fn fault_state(faults: Faults) -> SharedFaults {
    Rc::new(RefCell::new(FaultState {
        faults,
        rng: ChaCha8Rng::seed_from_u64(faults.seed),
        held: Vec::new(),
        injected: Injected::default(),
    }))
}

impl FaultState {
    fn roll(&mut self, per_mille: u32) -> bool {
        per_mille > 0 && self.rng.gen_range(0..1000) < per_mille
    }
}

/// One agent's chain with faults.
pub struct FaultyChain {
    inner: DrinkChain,
    state: SharedFaults,
}

impl FaultyChain {
    pub fn new(inner: DrinkChain, state: SharedFaults) -> FaultyChain {
        FaultyChain { inner, state }
    }

    /// Executes the held calls whose block has come; forgets those past their last block.
    fn release(&mut self) -> Result<(), ChainError> {
        let block = self.inner.inclusion_horizon()?;
        let due: Vec<Call> = {
            let mut state = self.state.borrow_mut();
            let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut state.held)
                .into_iter()
                .partition(|(_, from, _)| *from <= block);
            state.held = later;
            due.into_iter()
                .filter(|(_, _, until)| block <= *until)
                .map(|(call, _, _)| call)
                .collect()
        };
        if !due.is_empty() {
            self.inner.send(&due)?;
        }
        Ok(())
    }
}

impl Chain for FaultyChain {
    fn account(&self) -> AccountId {
        self.inner.account()
    }

    fn contract(&self) -> AccountId {
        self.inner.contract()
    }

    fn inclusion_horizon(&mut self) -> Result<u64, ChainError> {
        Ok(self.inner.inclusion_horizon()? + HOLD_BLOCKS)
    }

    fn send(&mut self, calls: &[Call]) -> Result<Vec<Delivery>, ChainError> {
        self.release()?;
        let horizon = self.inclusion_horizon()?;
        let open = self.inner.inclusion_horizon()?;
        let mut deliveries = Vec::with_capacity(calls.len());
        for call in calls {
            let (drop, lose, delay) = {
                let mut state = self.state.borrow_mut();
                let faults = state.faults;
                let drop = state.roll(faults.drop);
                let lose = !drop && state.roll(faults.lose_reply);
                let delay = !drop && !lose && state.roll(faults.delay);
                (drop, lose, delay)
            };
            let unknown = |reason: &str| Delivery::Unknown {
                reason: reason.into(),
                until_block: horizon,
            };
            let delivery = if drop {
                self.state.borrow_mut().injected.drops += 1;
                Delivery::NotExecuted("dropped by the fault injector".into())
            } else if lose {
                self.state.borrow_mut().injected.lost_replies += 1;
                self.inner.send(std::slice::from_ref(call))?;
                unknown("the reply was lost (fault injector)")
            } else if delay {
                let mut state = self.state.borrow_mut();
                state.injected.delays += 1;
                state.held.push((call.clone(), open + HOLD_BLOCKS, horizon));
                unknown("held by the fault injector")
            } else {
                let mut executed = self.inner.send(std::slice::from_ref(call))?;
                executed.pop().expect("one delivery per call")
            };
            deliveries.push(delivery);
        }
        Ok(deliveries)
    }

    fn proof_request(&mut self, id: Id) -> Result<Option<ProofRequest>, ChainError> {
        self.release()?;
        self.inner.proof_request(id)
    }

    fn network_info(&mut self, network: ProvingNetwork) -> Result<ProvingNetworkInfo, ChainError> {
        self.inner.network_info(network)
    }

    fn now(&mut self) -> Result<u64, ChainError> {
        self.inner.now()
    }

    fn retry_clock_ms(&mut self) -> u64 {
        self.inner.retry_clock_ms()
    }

    fn finalized_head(&self) -> Option<u64> {
        self.inner.finalized_head()
    }

    fn free_balance(&mut self) -> Result<u128, ChainError> {
        self.inner.free_balance()
    }

    fn genesis_hash(&mut self) -> Result<[u8; 32], ChainError> {
        self.inner.genesis_hash()
    }

    fn block_hash(&mut self, number: u64) -> Result<Option<[u8; 32]>, ChainError> {
        self.inner.block_hash(number)
    }

    fn code_hash(&mut self, at: Option<u64>) -> Result<[u8; 32], ChainError> {
        self.inner.code_hash(at)
    }

    fn blocks_after(&mut self, after: Option<u64>) -> Result<Vec<SourceBlock>, ChainError> {
        self.release()?;
        let fail = {
            let mut state = self.state.borrow_mut();
            let rate = state.faults.read_failure;
            let fail = state.roll(rate);
            state.injected.read_failures += u64::from(fail);
            fail
        };
        if fail {
            return Err(ChainError::Unreachable {
                url: "drink".into(),
                reason: "a block read failed (fault injector)".into(),
            });
        }
        self.inner.blocks_after(after)
    }
}
