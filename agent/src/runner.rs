//! What both agents share: a state machine stepped over the chain's closed blocks with its
//! store, and the outbox carried to a known outcome for every call.
//!
//! A block's calls are written as pending with their first attempt (and the last block that
//! attempt can be included in) in the block's transaction, then sent; what became of each is
//! written in a second one. A call the chain did not execute is sent again after a backoff; one
//! whose fate is unknown is looked for on chain (its request's status; a claim's
//! `RewardClaimed`) before it is sent again, and a claim is never sent while an earlier attempt
//! can still land. After `RetryPolicy::max_attempts` a call is abandoned, once no attempt of it
//! can land any more, and its machine is told.

use std::sync::Arc;

use proof_manager::ManagerEvent;
use proof_manager_audit::SourceBlock;

use crate::agent::{AgentError, Halt, HaltPoint, StepReport};
use crate::call::{means_done, Call, Id, Reply, Success};
use crate::chain::{Chain, Delivery};
use crate::metrics::{AgentMetrics, Observation};
use crate::note::Note;
use crate::store::{ChainIdentity, Changes, Cursor, Pending, Settled, Store};

/// How often and how patiently a call the chain did not execute is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a call is abandoned.
    pub max_attempts: u32,
    /// The wait after the first failed attempt (retry clock, ms); it doubles with each one.
    pub first_backoff_ms: u64,
    pub max_backoff_ms: u64,
}

impl Default for RetryPolicy {
    /// Eight attempts over about three minutes of wall clock: an acknowledgement (120 s
    /// window) gets five inside its window; a longer outage than that is the node's, and the
    /// agent is reopened once it answers.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            first_backoff_ms: 2_000,
            max_backoff_ms: 60_000,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt.
    pub fn backoff_ms(&self, attempts: u32) -> u64 {
        let doublings = attempts.saturating_sub(1).min(32);
        self.first_backoff_ms
            .saturating_mul(1u64 << doublings)
            .min(self.max_backoff_ms)
    }
}

/// An agent's state machine as the runner steps it: pure, over the decoded events of each
/// closed block and the chain's time.
pub trait Machine {
    /// Takes in one closed block's events, then does what is due at `now` (the time the calls
    /// execute at). Returns the calls to make.
    fn on_block(&mut self, block: (u64, u64), events: &[ManagerEvent], now: u64) -> Vec<Call>;
    /// What is due at `now` between blocks.
    fn tick(&mut self, now: u64) -> Vec<Call>;
    /// What the contract answered to `call`, made at `now`.
    fn on_reply(&mut self, call: &Call, reply: &Reply, now: u64);
    /// `call` was given up: no attempt of it executed, and none can.
    fn on_abandoned(&mut self, call: &Call, reason: &str);
    /// The amounts of the network's `RewardClaimed` events seen since the last call, oldest
    /// first (a network's claims are settled by them).
    fn take_claimed(&mut self) -> Vec<u128> {
        Vec::new()
    }
    /// Why the agent must stop, if it must.
    fn stopped(&self) -> Option<String> {
        None
    }
    /// What the metrics count since the last call, beside the tables.
    fn take_observations(&mut self) -> Vec<Observation> {
        Vec::new()
    }
    fn take_changes(&mut self) -> Changes;
    fn take_notes(&mut self) -> Vec<Note>;
}

/// What the runner counts, beside the store, for the operator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Events of the contract's address this agent could not decode (skipped, each noted).
    pub events_skipped: u64,
    /// Blocks whose events the node's metadata could not all decode (each noted).
    pub blocks_undecodable: u64,
    /// Attempts that did not give an outcome: not executed, or of unknown fate.
    pub attempts_failed: u64,
    pub calls_abandoned: u64,
    /// Calls found already applied on chain when looked at again.
    pub calls_found_applied: u64,
}

/// What a committed transaction makes true for the metrics.
#[derive(Default)]
struct Metered {
    /// Calls that reached an outcome, with its label.
    calls: Vec<(Call, String)>,
    /// Attempts without an outcome: the call, and whether it is known not to have executed.
    failed: Vec<(Call, bool)>,
    claimed: Vec<u128>,
    fallbacks: Vec<(Id, String)>,
    observations: Vec<Observation>,
}

/// The chain, the store, the retries, the metrics and the halts, shared by both agents.
pub struct Core<C: Chain> {
    pub chain: C,
    pub store: Store,
    pub retry: RetryPolicy,
    pub counters: Counters,
    metrics: Option<Arc<AgentMetrics>>,
    halt: Option<Halt>,
    reached: usize,
    notes: Vec<Note>,
    /// Calls written to the outbox this step and not sent yet: the step sends them all at
    /// once (`flush`), one wait for inclusion per step.
    outgoing: Vec<Pending>,
    /// The inclusion horizon read this step: every call the step writes is signed against the
    /// same head, read once (a read per block cost a round trip each).
    horizon: Option<u64>,
}

/// One line per call that reached an outcome or failed an attempt, and per batch handed back,
/// each with its request.
fn log(metered: &Metered) {
    let request = |call: &Call| call.id().map(|id| id.to_string()).unwrap_or_default();
    for (call, outcome) in &metered.calls {
        let (message, request) = (call.message(), request(call));
        match outcome.as_str() {
            "executed" => tracing::debug!(request, message, outcome, "call done"),
            "abandoned" => tracing::warn!(request, message, outcome, "call abandoned"),
            _ => tracing::info!(request, message, outcome, "call done"),
        }
    }
    for (call, not_executed) in &metered.failed {
        let fate = if *not_executed {
            "not executed"
        } else {
            "unknown"
        };
        tracing::info!(
            request = request(call),
            message = call.message(),
            fate,
            "call attempt failed; it is sent again or looked for on chain"
        );
    }
    for (id, reason) in &metered.fallbacks {
        tracing::warn!(request = %id, reason, "batch handed back to the operator");
    }
}

fn cursor_of(block: &SourceBlock) -> Cursor {
    Cursor {
        number: block.number,
        time_ms: block.time_ms,
        hash: block.hash,
    }
}

/// What the outbox says of an outcome.
fn outcome_text(call: &Call, reply: &Reply) -> String {
    match reply {
        Ok(Success::Done) => "ok".into(),
        Ok(Success::Claimed(amount)) => format!("claimed {amount}"),
        Err(error) if means_done(call, error) => format!("already done ({error:?})"),
        Err(error) => format!("refused: {error:?}"),
    }
}

impl<C: Chain> Core<C> {
    /// The runner over `store`, once the store's chain is checked against `chain` (see
    /// `Store::check_chain`).
    pub fn open(
        chain: C,
        store: Store,
        retry: RetryPolicy,
        halt: Option<Halt>,
    ) -> Result<Self, AgentError> {
        let mut core = Core {
            chain,
            store,
            retry,
            counters: Counters::default(),
            metrics: None,
            halt,
            reached: 0,
            notes: Vec::new(),
            outgoing: Vec::new(),
            horizon: None,
        };
        core.check_chain()?;
        Ok(core)
    }

    /// Records what the agent does into `metrics` from now on.
    pub fn set_metrics(&mut self, metrics: Arc<AgentMetrics>) {
        self.metrics = Some(metrics);
    }

    pub fn metrics(&self) -> Option<&Arc<AgentMetrics>> {
        self.metrics.as_ref()
    }

    /// The machine's changes, with what they mean for the metrics once committed.
    fn take<M: Machine>(machine: &mut M, metered: &mut Metered) -> Changes {
        let changes = machine.take_changes();
        metered
            .fallbacks
            .extend(changes.fallbacks.iter().map(|f| (f.id, f.reason.clone())));
        metered.observations.extend(machine.take_observations());
        changes
    }

    /// Logs and counts what a committed transaction made true.
    fn record(&self, metered: Metered) {
        log(&metered);
        let Some(metrics) = &self.metrics else {
            return;
        };
        for (call, outcome) in &metered.calls {
            metrics.call(call, outcome);
        }
        for (call, not_executed) in &metered.failed {
            metrics.attempt_failed(call, *not_executed);
        }
        for amount in metered.claimed {
            metrics.claimed(amount);
        }
        for (_, reason) in &metered.fallbacks {
            metrics.fell_back(reason);
        }
        for observation in &metered.observations {
            metrics.observe(observation);
        }
    }

    fn check_chain(&mut self) -> Result<(), AgentError> {
        let cursor = self.store.cursor()?;
        let identity = ChainIdentity {
            genesis: self.chain.genesis_hash()?,
            code_hash: self.chain.code_hash(cursor.map(|c| c.number))?,
            cursor_block_hash: match cursor {
                Some(c) => self.chain.block_hash(c.number)?,
                None => None,
            },
        };
        Ok(self.store.check_chain(&identity)?)
    }

    pub fn checkpoint(&mut self, point: HaltPoint) -> Result<(), AgentError> {
        if let Some(halt) = self.halt.filter(|h| h.point == point) {
            self.reached += 1;
            if self.reached == halt.nth {
                return Err(AgentError::Halted(point));
            }
        }
        Ok(())
    }

    pub fn note(&mut self, note: Note) {
        self.notes.push(note);
    }

    /// The runner's and the driver's notes since the last call.
    pub fn take_notes(&mut self) -> Vec<Note> {
        let mut notes = std::mem::take(&mut self.notes);
        notes.extend(self.chain.take_notes().into_iter().map(Note::general));
        notes
    }

    /// The last block processed.
    pub fn cursor(&self) -> Result<Option<Cursor>, AgentError> {
        Ok(self.store.cursor()?)
    }

    /// The contract's events of `block`, decoded; each it cannot decode is skipped and said,
    /// and a `CodeUpgraded` is followed (its hash recorded with the block).
    fn decode(&mut self, block: &SourceBlock) -> (Vec<ManagerEvent>, Option<[u8; 32]>) {
        if let Some(reason) = &block.undecodable {
            self.counters.blocks_undecodable += 1;
            if let Some(metrics) = &self.metrics {
                metrics.block_undecodable();
            }
            self.notes.push(Note::general(format!(
                "block {}: the chain's events do not all decode ({reason}); the contract's \
                 events of it that could be read are taken, any others are missing",
                block.number
            )));
        }
        let mut events = Vec::with_capacity(block.events.len());
        let mut code_hash = None;
        for raw in &block.events {
            match ManagerEvent::decode(&raw.topics, &raw.data) {
                Ok(ManagerEvent::CodeUpgraded(e)) => {
                    let hash = <[u8; 32]>::from(e.code_hash);
                    self.notes.push(Note::general(format!(
                        "block {}: the contract's code was upgraded to 0x{}; following it",
                        block.number,
                        hex::encode(hash)
                    )));
                    code_hash = Some(hash);
                    events.push(ManagerEvent::CodeUpgraded(e));
                }
                Ok(event) => events.push(event),
                Err(error) => {
                    self.counters.events_skipped += 1;
                    if let Some(metrics) = &self.metrics {
                        metrics.event_skipped();
                    }
                    self.notes.push(Note::general(format!(
                        "block {} event {}: skipped, it does not decode as a ProofManager event \
                         ({error})",
                        block.number, raw.event_index
                    )));
                }
            }
        }
        (events, code_hash)
    }

    /// Processes every block closed since the cursor: each block's changes, its settled
    /// claims, its calls and the cursor in one transaction; their calls go out with the
    /// step's (`flush`). Every call lands after the finalized head the blocks were read up to,
    /// so no block of the step can show a reply's effect.
    pub fn step_blocks<M: Machine>(&mut self, machine: &mut M) -> Result<StepReport, AgentError> {
        let mut report = StepReport::default();
        let after = self.store.cursor()?.map(|c| c.number);
        let mut idle = None;
        let mut decided = Vec::new();
        // The head's time once per step: the calls of every block of the step go out together
        // after it (a read per block cost a round trip each).
        let now = self.chain.now()?;
        let started = std::time::Instant::now();
        let blocks = self.chain.blocks_after(after)?;
        let read_ms = started.elapsed().as_millis() as u64;
        let read = blocks.len();
        for block in blocks {
            let (events, code_hash) = self.decode(&block);
            let calls = machine.on_block((block.number, block.time_ms), &events, now);
            if let Some(reason) = machine.stopped() {
                return Err(AgentError::KeyRotated(reason));
            }
            let mut metered = Metered::default();
            let mut changes = Self::take(machine, &mut metered);
            changes.code_hash = code_hash;
            let settled =
                self.claims_settled(machine.take_claimed(), block.number, &mut metered)?;
            // Blocks that change nothing move the cursor once per step, not once each.
            if calls.is_empty() && changes.is_empty() && settled.is_empty() {
                idle = Some(cursor_of(&block));
                self.record(metered);
                continue;
            }
            idle = None;
            report.blocks += 1;
            report.calls += calls.len() as u64;
            let pending = self.commit(cursor_of(&block), &changes, &calls, &settled)?;
            self.record(metered);
            decided.extend(pending);
        }
        if let Some(cursor) = idle {
            self.store
                .commit_block(cursor, &Changes::default(), &[], None, &[])?;
        }
        tracing::debug!(
            blocks = read,
            read_ms,
            written_ms = started.elapsed().as_millis() as u64 - read_ms,
            "blocks read and written"
        );
        self.outgoing.extend(decided);
        Ok(report)
    }

    /// Writes calls decided outside a block, at the current cursor; they go out with the
    /// step's (`flush`).
    pub fn decide<M: Machine>(
        &mut self,
        machine: &mut M,
        calls: Vec<Call>,
    ) -> Result<u64, AgentError> {
        let mut metered = Metered::default();
        let changes = Self::take(machine, &mut metered);
        if calls.is_empty() && changes.is_empty() {
            self.record(metered);
            return Ok(0);
        }
        let cursor = self.store.cursor()?.unwrap_or(Cursor {
            number: 0,
            time_ms: 0,
            hash: None,
        });
        let pending = self.commit(cursor, &changes, &calls, &[])?;
        self.record(metered);
        self.outgoing.extend(pending);
        Ok(calls.len() as u64)
    }

    /// Writes a block's (or a tick's) outcome; the calls' first attempt begins with it.
    fn commit(
        &mut self,
        cursor: Cursor,
        changes: &Changes,
        calls: &[Call],
        settled: &[(i64, Settled)],
    ) -> Result<Vec<Pending>, AgentError> {
        let horizon = if calls.is_empty() {
            None
        } else {
            Some(self.step_horizon()?)
        };
        let pending = self
            .store
            .commit_block(cursor, changes, calls, horizon, settled)?;
        self.checkpoint(HaltPoint::BlockCommitted)?;
        Ok(pending)
    }

    /// The pending claims that the network's `RewardClaimed` events of block `block` settle:
    /// the oldest claims decided before that block, one event each.
    fn claims_settled(
        &mut self,
        amounts: Vec<u128>,
        block: u64,
        metered: &mut Metered,
    ) -> Result<Vec<(i64, Settled)>, AgentError> {
        if amounts.is_empty() {
            return Ok(Vec::new());
        }
        let claims = self
            .store
            .pending()?
            .into_iter()
            .filter(|p| p.call == Call::Claim && p.decided_block < block);
        Ok(claims
            .zip(amounts)
            .map(|(p, amount)| {
                metered.calls.push((Call::Claim, "executed".into()));
                metered.claimed.push(amount);
                let text = format!("claimed {amount} (its RewardClaimed, block {block})");
                (p.seq, Settled::Done(text))
            })
            .collect())
    }

    /// Sends `pending` and records what became of each.
    fn send<M: Machine>(&mut self, machine: &mut M, pending: &[Pending]) -> Result<(), AgentError> {
        if pending.is_empty() {
            return Ok(());
        }
        let calls: Vec<Call> = pending.iter().map(|p| p.call.clone()).collect();
        let started = std::time::Instant::now();
        let deliveries = self.chain.send(&calls)?;
        let ms = started.elapsed().as_millis() as u64;
        tracing::debug!(calls = calls.len(), ms, "calls sent and awaited");
        self.checkpoint(HaltPoint::CallsSent)?;
        let now = self.chain.now()?;
        let clock = self.chain.retry_clock_ms();
        let cursor = self.store.cursor()?.map_or(0, |c| c.number);
        let mut outcomes = Vec::with_capacity(pending.len());
        let mut metered = Metered::default();
        for (p, delivery) in pending.iter().zip(deliveries) {
            let settled = match delivery {
                // A claim's amount is the one its RewardClaimed event says, taken with the
                // block: until then it stays pending, and no other claim is decided.
                Delivery::Executed(Ok(Success::Claimed(_))) if p.call == Call::Claim => {
                    machine.on_reply(&p.call, &Ok(Success::Done), now);
                    continue;
                }
                Delivery::Executed(reply) => {
                    machine.on_reply(&p.call, &reply, now);
                    let outcome = AgentMetrics::outcome_of(&p.call, &reply);
                    metered.calls.push((p.call.clone(), outcome));
                    Settled::Done(outcome_text(&p.call, &reply))
                }
                Delivery::NotExecuted(reason) => {
                    metered.failed.push((p.call.clone(), true));
                    self.failed(machine, p, reason, None, (clock, cursor), &mut metered)
                }
                Delivery::Unknown {
                    reason,
                    until_block,
                } => {
                    metered.failed.push((p.call.clone(), false));
                    let horizon = Some(until_block);
                    self.failed(machine, p, reason, horizon, (clock, cursor), &mut metered)
                }
            };
            outcomes.push((p.seq, settled));
        }
        let changes = Self::take(machine, &mut metered);
        self.store.commit_outcomes(&changes, &outcomes)?;
        self.record(metered);
        self.checkpoint(HaltPoint::OutcomesCommitted)
    }

    /// An attempt without an outcome: sent again after the backoff, or, once out of attempts
    /// and with no attempt left that can land, abandoned.
    fn failed<M: Machine>(
        &mut self,
        machine: &mut M,
        p: &Pending,
        reason: String,
        until: Option<u64>,
        (clock, cursor): (u64, u64),
        metered: &mut Metered,
    ) -> Settled {
        self.counters.attempts_failed += 1;
        let until_block = p.until_block.max(until);
        if p.attempts >= self.retry.max_attempts && until_block.is_none_or(|u| cursor >= u) {
            return self.abandon(machine, p, &reason, metered);
        }
        Settled::Retry {
            retry_at: clock.saturating_add(self.retry.backoff_ms(p.attempts)),
            until_block: until,
            error: reason,
        }
    }

    fn abandon<M: Machine>(
        &mut self,
        machine: &mut M,
        p: &Pending,
        reason: &str,
        metered: &mut Metered,
    ) -> Settled {
        self.counters.calls_abandoned += 1;
        metered.calls.push((p.call.clone(), "abandoned".into()));
        let text = format!("abandoned after {} attempts: {reason}", p.attempts);
        self.notes.push(Note {
            request: p.call.id(),
            text: format!("{}: {text}", p.call.message()),
        });
        machine.on_abandoned(&p.call, reason);
        Settled::Abandoned(text)
    }

    /// Looks at every pending call due again: one that took effect meanwhile is done; one that
    /// can still land waits (a claim) or goes out again with the step's calls (the contract
    /// refuses a second application of the others); one out of attempts is abandoned once
    /// none can land. A step begins here: calls a failed step wrote and did not send are
    /// pending in the outbox, and this is where they are taken up.
    pub fn settle<M: Machine>(&mut self, machine: &mut M) -> Result<(), AgentError> {
        self.outgoing.clear();
        self.horizon = None;
        if !self.store.has_pending()? {
            return Ok(());
        }
        let clock = self.chain.retry_clock_ms();
        let cursor = self.store.cursor()?.map_or(0, |c| c.number);
        let now = self.chain.now()?;
        let mut outcomes = Vec::new();
        let mut again = Vec::new();
        let mut metered = Metered::default();
        let due: Vec<Pending> = self
            .store
            .pending()?
            .into_iter()
            .filter(|p| p.retry_at.is_none_or(|at| clock >= at))
            .collect();
        let applied = self.applied(&due)?;
        for (p, applied) in due.into_iter().zip(applied) {
            if applied {
                self.counters.calls_found_applied += 1;
                metered.calls.push((p.call.clone(), "found_applied".into()));
                machine.on_reply(&p.call, &Ok(Success::Done), now);
                outcomes.push((p.seq, Settled::Done("ok (found applied on chain)".into())));
                continue;
            }
            let can_land = p.until_block.is_some_and(|u| cursor < u);
            if can_land && (p.call == Call::Claim || p.attempts >= self.retry.max_attempts) {
                continue;
            }
            if p.attempts >= self.retry.max_attempts {
                let reason = p.last_error.clone().unwrap_or_else(|| "no outcome".into());
                outcomes.push((p.seq, self.abandon(machine, &p, &reason, &mut metered)));
                continue;
            }
            again.push(p);
        }
        if !outcomes.is_empty() {
            let changes = Self::take(machine, &mut metered);
            self.store.commit_outcomes(&changes, &outcomes)?;
            self.record(metered);
        }
        if again.is_empty() {
            return Ok(());
        }
        let horizon = self.step_horizon()?;
        let seqs: Vec<i64> = again.iter().map(|p| p.seq).collect();
        self.store.begin_attempts(&seqs, horizon)?;
        for p in &mut again {
            p.attempts += 1;
            p.until_block = p.until_block.max(Some(horizon));
        }
        self.outgoing.extend(again);
        Ok(())
    }

    /// Sends every call the step wrote (settled again, read in blocks, decided between them)
    /// in one send, and records what became of each: one wait for inclusion per step, and a
    /// submission lost on the way delays the step once.
    pub fn flush<M: Machine>(&mut self, machine: &mut M) -> Result<(), AgentError> {
        let outgoing = std::mem::take(&mut self.outgoing);
        self.horizon = None;
        self.send(machine, &outgoing)
    }

    /// The last block the step's calls can land in, read from the chain once per step.
    fn step_horizon(&mut self) -> Result<u64, AgentError> {
        if let Some(horizon) = self.horizon {
            return Ok(horizon);
        }
        let horizon = self.chain.inclusion_horizon()?;
        self.horizon = Some(horizon);
        Ok(horizon)
    }

    /// Whether each of `pending` already took effect on chain (the requests read together). A
    /// claim's effect is its `RewardClaimed`, which the blocks bring (`claims_settled`).
    fn applied(&mut self, pending: &[Pending]) -> Result<Vec<bool>, AgentError> {
        let ids: Vec<Id> = pending.iter().filter_map(|p| p.call.id()).collect();
        let mut requests = self.chain.proof_requests(&ids)?.into_iter();
        Ok(pending
            .iter()
            .map(|p| match p.call.id() {
                None => false,
                Some(_) => {
                    let status = requests.next().flatten().map(|r| r.status);
                    p.call.applied_at(status)
                }
            })
            .collect())
    }
}
