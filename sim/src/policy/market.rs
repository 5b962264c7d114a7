//! What the market policies share: each network's capacity over time, and how an assigned
//! batch ends given the network's plan (silent in an outage, refusing, too slow, invalid, or
//! validated), without the contract: these mechanisms run off-chain, on the model engine only;
//! and the record of such a run.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::plan::{in_outage, Plan};
use crate::record::{Batch, Outcome, Reason, Run};
use crate::scenario::Scenario;

/// Requests each network is proving, by the time each one ends.
pub struct Capacity {
    busy: Vec<BinaryHeap<Reverse<u64>>>,
}

impl Capacity {
    pub fn new(networks: usize) -> Self {
        Capacity {
            busy: (0..networks).map(|_| BinaryHeap::new()).collect(),
        }
    }

    /// Whether network `n` takes another request at `t`.
    pub fn free(&mut self, scenario: &Scenario, n: usize, t: u64) -> bool {
        let heap = &mut self.busy[n];
        while heap.peek().is_some_and(|Reverse(end)| *end <= t) {
            heap.pop();
        }
        (heap.len() as u64) < u64::from(scenario.networks[n].capacity)
    }

    pub fn take(&mut self, n: usize, until: u64) {
        self.busy[n].push(Reverse(until));
    }
}

/// Whether network `n` would take the batch at all at `t`: not down, not refusing, room left.
pub fn available(
    scenario: &Scenario,
    capacity: &mut Capacity,
    n: usize,
    plan: &Plan,
    t: u64,
) -> bool {
    !plan.refuse && !in_outage(&scenario.networks[n].outages, t) && capacity.free(scenario, n, t)
}

/// A network's commitment to a batch: which, when the batch arrived, when it committed, and
/// by when its proof is due.
#[derive(Debug, Clone, Copy)]
pub struct Commitment {
    pub network: usize,
    pub arrival_ms: u64,
    pub committed: u64,
    pub deadline: u64,
}

/// The fate of a committed batch, paid `pay(done)` if its proof is valid: the proof lands at
/// `committed + proving`, is lost in an outage, late past the deadline, or invalid.
pub fn prove(
    scenario: &Scenario,
    capacity: &mut Capacity,
    commitment: Commitment,
    plan: &Plan,
    pay: impl Fn(u64) -> u128,
) -> Batch {
    let Commitment {
        network: n,
        arrival_ms,
        committed,
        deadline,
    } = commitment;
    let done = committed + plan.proving_ms;
    capacity.take(n, done.min(deadline));
    let fallback = |reason, at: u64| Batch {
        arrival_ms,
        network: Some(n as u8),
        outcome: Outcome::Fallback(reason),
        done_ms: at + scenario.fallback.latency_ms,
        paid: 0,
    };
    if done > deadline || in_outage(&scenario.networks[n].outages, done) {
        return fallback(Reason::TimedOut, deadline);
    }
    if plan.invalid {
        return fallback(Reason::ValidationFailed, done);
    }
    Batch {
        arrival_ms,
        network: Some(n as u8),
        outcome: Outcome::Validated,
        done_ms: done,
        paid: pay(done),
    }
}

/// A batch nobody took, handed to the fallback prover at `at`.
pub fn untaken(
    scenario: &Scenario,
    arrival_ms: u64,
    network: Option<usize>,
    reason: Reason,
    at: u64,
) -> Batch {
    Batch {
        arrival_ms,
        network: network.map(|n| n as u8),
        outcome: Outcome::Fallback(reason),
        done_ms: at + scenario.fallback.latency_ms,
        paid: 0,
    }
}

/// A network's asking price in token units.
pub fn ask(scenario: &Scenario, n: usize) -> u128 {
    (scenario.networks[n].price * scenario.batches.max_reward as f64).round() as u128
}

/// The batch assigned outright to `n` at `arrival` (no auction): acknowledged within
/// `ACK_TIMEOUT` or lost, then proved by the scenario's timeout.
pub fn assigned(
    scenario: &Scenario,
    capacity: &mut Capacity,
    arrival: u64,
    n: usize,
    plan: &Plan,
    pay: impl Fn(u64) -> u128,
) -> Batch {
    let answered = arrival + plan.ack_delay_ms;
    if plan.ack_delay_ms > proof_manager::ACK_TIMEOUT
        || in_outage(&scenario.networks[n].outages, answered)
    {
        let at = arrival + proof_manager::ACK_TIMEOUT + 1;
        return untaken(scenario, arrival, Some(n), Reason::Unacknowledged, at);
    }
    if plan.refuse || !capacity.free(scenario, n, answered) {
        return untaken(scenario, arrival, Some(n), Reason::Refused, answered);
    }
    let commitment = Commitment {
        network: n,
        arrival_ms: arrival,
        committed: answered,
        deadline: arrival + scenario.batches.timeout_after_ms,
    };
    prove(scenario, capacity, commitment, plan, pay)
}

/// The record of a market policy's run on the model engine: no preferred network, no weights,
/// no stake unless the policy sets it.
pub fn run(policy: &str, scenario: &Scenario, batches: Vec<Batch>) -> Run {
    Run {
        policy: policy.into(),
        engine: "model",
        networks: scenario.networks.iter().map(|s| s.name.clone()).collect(),
        batches,
        preferred_changes: Vec::new(),
        burnt: 0,
        stake_offset: 0,
        costs: None,
    }
}
