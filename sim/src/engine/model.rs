//! The model engine for the contract's own policy: the reference model
//! (`proof_manager_e2e::model`) executes every call the simulated submitter, networks and admin
//! make, block by block on the scenario's block time; the auditor library reads the model's
//! events at each month boundary and the admin applies its recommendation.
//!
//! The actors, as the agents behave: in each block the admin acts first (status changes for
//! outages, the month's preferred network), then the submitter (new batches, verdicts on the
//! proofs of earlier blocks, marking expired requests), then the networks (acknowledgements due,
//! finished proofs, claims). A network accepts while it proves fewer than `capacity` requests.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use proof_manager::{
    ProofRequestIdentifier, ProofRequestStatus as Status, ProvingNetwork, ProvingNetworkStatus,
    ACK_TIMEOUT,
};
use proof_manager_audit::timeline::At;
use proof_manager_audit::{month_report, Cursor, History, Month, ReportOptions, Window};
use proof_manager_e2e::model::{Call, Model, Params, Reply, Setup};
use proof_manager_e2e::{AccountId, ADMIN, FERMAH, LAGRANGE, SUBMITTER, TOKEN};

use crate::plan::{arrivals, in_outage, Plan};
use crate::progress::Progress;
use crate::record::{Batch, Outcome, Reason, Run};
use crate::scenario::{Scenario, START_MS};

/// Accounts of the model's manager and token (any distinct keys: the model only compares them).
const MANAGER: AccountId = AccountId([0xAA; 32]);
const USDC: AccountId = AccountId([0xBB; 32]);
const OTHER: AccountId = AccountId([0xCC; 32]);

/// The URL length and proof length of every simulated batch.
pub const URL_LEN: usize = 40;
pub const PROOF_LEN: usize = 256;
/// The protocol version the submitter sends.
pub const PROTOCOL: (u32, u32, u32) = (0, 27, 0);

pub fn network_of(index: usize) -> ProvingNetwork {
    if index == 0 {
        ProvingNetwork::Fermah
    } else {
        ProvingNetwork::Lagrange
    }
}

pub fn request(batch: u64) -> ProofRequestIdentifier {
    ProofRequestIdentifier {
        chain_id: 1,
        block_number: batch,
    }
}

/// Who acts in a block, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Admin,
    Submitter,
    Network,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    SetStatus(usize, bool),
    MonthEnd,
    Arrive(u64),
    Verdict(u64),
    CheckAck(u64),
    CheckProof(u64),
    Acknowledge(u64),
    ProofDone(u64),
    Claim(usize),
}

impl Action {
    fn phase(self) -> Phase {
        match self {
            Action::SetStatus(..) | Action::MonthEnd => Phase::Admin,
            Action::Arrive(_)
            | Action::Verdict(_)
            | Action::CheckAck(_)
            | Action::CheckProof(_) => Phase::Submitter,
            Action::Acknowledge(_) | Action::ProofDone(_) | Action::Claim(_) => Phase::Network,
        }
    }
}

/// A batch in flight.
#[derive(Debug, Clone, Copy)]
struct Slot {
    network: Option<usize>,
    plan: Option<Plan>,
    /// Committed and counted in its network's busy jobs.
    busy: bool,
    done: bool,
}

struct Engine<'a> {
    scenario: &'a Scenario,
    model: Model,
    history: History,
    queue: BinaryHeap<Reverse<(u64, Phase, u64, Action)>>,
    seq: u64,
    block: (u64, u32),
    arrivals: Vec<u64>,
    slots: Vec<Slot>,
    batches: Vec<Batch>,
    busy: [u32; 2],
    keys: [AccountId; 2],
    preferred_changes: Vec<(u64, Option<String>)>,
    /// Claims stop once every batch is done and this time has passed.
    drain_until: u64,
    /// Batches not yet validated or handed to the fallback.
    open: usize,
}

/// The first block time at or after `t`.
pub fn block_at(scenario: &Scenario, t: u64) -> u64 {
    let offset = t.saturating_sub(START_MS);
    START_MS + offset.div_ceil(scenario.block_ms) * scenario.block_ms
}

impl<'a> Engine<'a> {
    fn new(scenario: &'a Scenario) -> Self {
        let mut model = Model::new(Setup {
            now: START_MS,
            manager: MANAGER,
            usdc: USDC,
            other_token: OTHER,
            uploaded_codes: Vec::new(),
            code: Default::default(),
            admin: ADMIN,
            submitter: SUBMITTER,
            networks: [FERMAH, LAGRANGE],
        });
        model.apply(ADMIN, &Call::Mint(MANAGER, scenario.funding_tokens * TOKEN));
        let arrivals = arrivals(scenario);
        let n = arrivals.len();
        let mut engine = Engine {
            scenario,
            model,
            history: History::default(),
            queue: BinaryHeap::new(),
            seq: 0,
            block: (0, 0),
            arrivals,
            slots: vec![
                Slot {
                    network: None,
                    plan: None,
                    busy: false,
                    done: false,
                };
                n
            ],
            batches: Vec::with_capacity(n),
            busy: [0; 2],
            keys: [FERMAH, LAGRANGE],
            preferred_changes: Vec::new(),
            drain_until: scenario.end_ms()
                + scenario.batches.timeout_after_ms
                + scenario.fallback.latency_ms,
            open: n,
        };
        engine.batches = engine
            .arrivals
            .iter()
            .map(|&arrival_ms| Batch {
                arrival_ms,
                network: None,
                outcome: Outcome::Fallback(Reason::NoFunds),
                done_ms: arrival_ms,
                paid: 0,
            })
            .collect();
        // The deployment's preferred network, as the admin sets it after deploying.
        let preferred = scenario.preferred.map(network_of);
        engine.call(ADMIN, Call::UpdatePreferred(preferred));
        engine.note_preferred(START_MS, preferred);
        for (i, spec) in scenario.networks.iter().enumerate() {
            for outage in &spec.outages {
                let detected = outage.start_ms + spec.detect_after_ms;
                if detected < outage.end_ms {
                    engine.schedule(detected, Action::SetStatus(i, false));
                    engine.schedule(outage.end_ms, Action::SetStatus(i, true));
                }
            }
            engine.schedule(START_MS + spec.claim_interval_ms, Action::Claim(i));
        }
        let first_boundary = Month::of(START_MS).next().start_ms();
        if first_boundary <= scenario.end_ms() {
            engine.schedule(first_boundary, Action::MonthEnd);
        }
        engine
    }

    fn schedule(&mut self, t: u64, action: Action) {
        let at = block_at(self.scenario, t);
        self.seq += 1;
        self.queue
            .push(Reverse((at, action.phase(), self.seq, action)));
    }

    fn block_number(&self) -> u64 {
        (self.model.now - START_MS) / self.scenario.block_ms + 1
    }

    /// Runs a call on the model and hands its events to the auditor's history.
    fn call(&mut self, caller: AccountId, call: Call) -> Reply {
        let reply = self.model.apply(caller, &call);
        let number = self.block_number();
        if self.block.0 != number {
            self.block = (number, 0);
        }
        for event in self.model.take_events() {
            let at = At {
                block_number: number,
                event_index: self.block.1,
                time_ms: self.model.now,
            };
            self.block.1 += 1;
            self.history.push(at, event);
        }
        reply
    }

    fn note_preferred(&mut self, t: u64, preferred: Option<ProvingNetwork>) {
        let name = preferred.map(|n| self.scenario.networks[n as usize].name.clone());
        self.preferred_changes.push((t, name));
    }

    fn fall_back(&mut self, batch: u64, reason: Reason) {
        let slot = &mut self.slots[batch as usize];
        if slot.done {
            return;
        }
        slot.done = true;
        self.open -= 1;
        let record = &mut self.batches[batch as usize];
        record.outcome = Outcome::Fallback(reason);
        record.done_ms = self.model.now + self.scenario.fallback.latency_ms;
        self.release(batch);
    }

    fn release(&mut self, batch: u64) {
        let slot = &mut self.slots[batch as usize];
        if slot.busy {
            slot.busy = false;
            if let Some(n) = slot.network {
                self.busy[n] -= 1;
            }
        }
    }

    /// The next action: the next arrival (kept out of the queue, where millions of them would
    /// slow every pop) when it is due no later than the queue's first in (time, phase), as if it
    /// had been queued before everything the run queues.
    fn next(&mut self, arrival: &mut usize) -> Option<(u64, Action)> {
        let due = self
            .arrivals
            .get(*arrival)
            .map(|&t| (block_at(self.scenario, t), Phase::Submitter));
        let first = self
            .queue
            .peek()
            .map(|Reverse((t, phase, ..))| (*t, *phase));
        match (due, first) {
            (Some(due), first) if first.is_none_or(|first| due <= first) => {
                *arrival += 1;
                Some((due.0, Action::Arrive(*arrival as u64 - 1)))
            }
            _ => self
                .queue
                .pop()
                .map(|Reverse((t, _, _, action))| (t, action)),
        }
    }

    fn run(mut self, progress: &mut Progress) -> Run {
        let mut arrival = 0;
        while let Some((t, action)) = self.next(&mut arrival) {
            if t != self.model.now {
                self.model.apply(ADMIN, &Call::SetTime(t));
                progress.at(t);
            }
            self.act(action);
        }
        Run {
            policy: "baseline".into(),
            engine: "model",
            networks: self
                .scenario
                .networks
                .iter()
                .map(|n| n.name.clone())
                .collect(),
            batches: self.batches,
            preferred_changes: self.preferred_changes,
            burnt: 0,
            stake_offset: 0,
            costs: None,
        }
    }

    fn act(&mut self, action: Action) {
        let now = self.model.now;
        let sc = self.scenario;
        match action {
            Action::SetStatus(n, active) => {
                let status = if active {
                    ProvingNetworkStatus::Active
                } else {
                    ProvingNetworkStatus::Inactive
                };
                self.call(ADMIN, Call::UpdateStatus(network_of(n), status));
            }
            Action::MonthEnd => {
                let month = Month::of(now - 1);
                self.history.window = Some(Window {
                    first: Cursor {
                        block_number: 1,
                        block_time_ms: START_MS,
                    },
                    last: Cursor {
                        block_number: self.block_number(),
                        block_time_ms: now,
                    },
                });
                let report =
                    month_report(&self.history, MANAGER.0, month, &ReportOptions::default())
                        .expect("the history has a window");
                if report.details.change_needed && report.recommended_preferred.is_some() {
                    let recommended = report.recommended_preferred;
                    self.call(ADMIN, Call::UpdatePreferred(recommended));
                    self.note_preferred(now, recommended);
                }
                let next = Month::of(now).next().start_ms();
                if next <= sc.end_ms() {
                    self.schedule(next, Action::MonthEnd);
                }
            }
            Action::Arrive(batch) => {
                let params = Params {
                    version: PROTOCOL,
                    url_len: URL_LEN,
                    timeout_after: sc.batches.timeout_after_ms,
                    max_reward: sc.batches.max_reward,
                };
                if self.call(SUBMITTER, Call::Submit(request(batch), params))
                    != Reply::Manager(Ok(()))
                {
                    return self.fall_back(batch, Reason::NoFunds);
                }
                let stored = &self.model.requests[&(1, batch)];
                let assigned = stored.assigned_to.map(|n| n as usize);
                self.batches[batch as usize].network = assigned.map(|n| n as u8);
                self.slots[batch as usize].network = assigned;
                if stored.status == Status::Refused {
                    return self.fall_back(batch, Reason::RefusedAtAssignment);
                }
                let n = assigned.expect("a pending request has an assignee");
                let plan = Plan::draw(sc, batch, n);
                self.slots[batch as usize].plan = Some(plan);
                self.schedule(now + plan.ack_delay_ms, Action::Acknowledge(batch));
                self.schedule(now + ACK_TIMEOUT + 1, Action::CheckAck(batch));
            }
            Action::Acknowledge(batch) => {
                let slot = self.slots[batch as usize];
                let (Some(n), Some(plan)) = (slot.network, slot.plan) else {
                    return;
                };
                let spec = &sc.networks[n];
                if slot.done || in_outage(&spec.outages, now) {
                    return;
                }
                let accept = !plan.refuse && self.busy[n] < spec.capacity;
                let reply = self.call(self.keys[n], Call::Acknowledge(request(batch), accept));
                if reply != Reply::Manager(Ok(())) {
                    // Past the deadline: the submitter marks it unacknowledged.
                    return;
                }
                if !accept {
                    return self.fall_back(batch, Reason::Refused);
                }
                self.slots[batch as usize].busy = true;
                self.busy[n] += 1;
                self.schedule(now + plan.proving_ms, Action::ProofDone(batch));
                let deadline = self.model.requests[&(1, batch)].proving_deadline();
                self.schedule(deadline + 1, Action::CheckProof(batch));
            }
            Action::ProofDone(batch) => {
                let slot = self.slots[batch as usize];
                self.release(batch);
                let Some(n) = slot.network else { return };
                let spec = &sc.networks[n];
                if slot.done || in_outage(&spec.outages, now) {
                    return;
                }
                let reward = (spec.price * sc.batches.max_reward as f64).round() as u128;
                // Past the proving deadline the contract refuses it; the check marks it.
                if self.call(self.keys[n], Call::Prove(request(batch), PROOF_LEN, reward))
                    == Reply::Manager(Ok(()))
                {
                    self.schedule(now + sc.block_ms, Action::Verdict(batch));
                }
            }
            Action::Verdict(batch) => {
                let slot = self.slots[batch as usize];
                let valid = !slot.plan.is_some_and(|p| p.invalid);
                self.call(SUBMITTER, Call::Validate(request(batch), valid));
                if valid {
                    let record = &mut self.batches[batch as usize];
                    record.outcome = Outcome::Validated;
                    record.done_ms = now;
                    record.paid = self.model.requests[&(1, batch)].reward;
                    self.slots[batch as usize].done = true;
                    self.open -= 1;
                } else {
                    self.fall_back(batch, Reason::ValidationFailed);
                }
            }
            Action::CheckAck(batch) => self.check(batch, Status::Unacknowledged),
            Action::CheckProof(batch) => self.check(batch, Status::TimedOut),
            Action::Claim(n) => {
                self.call(self.keys[n], Call::Claim);
                if now < sc.end_ms() || self.open > 0 || now < self.drain_until {
                    self.schedule(now + sc.networks[n].claim_interval_ms, Action::Claim(n));
                }
            }
        }
    }

    /// The submitter's look at a request whose deadline passed: mark it (unless a submission's
    /// purge did) and hand the batch to the fallback prover.
    fn check(&mut self, batch: u64, expired: Status) {
        if self.slots[batch as usize].done {
            return;
        }
        let id = request(batch);
        if self.model.status_of(id) != Some(expired) {
            return;
        }
        let stored = self.model.requests[&(1, batch)].status;
        if stored != expired {
            let call = if expired == Status::Unacknowledged {
                Call::MarkUnacknowledged(id)
            } else {
                Call::MarkTimedOut(id)
            };
            self.call(SUBMITTER, call);
        }
        let reason = if expired == Status::Unacknowledged {
            Reason::Unacknowledged
        } else {
            Reason::TimedOut
        };
        self.fall_back(batch, reason);
    }
}

/// Runs the scenario's baseline policy on the reference model.
pub fn run_baseline(scenario: &Scenario, progress: &mut Progress) -> Run {
    Engine::new(scenario).run(progress)
}
