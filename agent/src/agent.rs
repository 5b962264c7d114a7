//! The two agents: a state machine, a chain, a store and the workers, stepped block by block.
//!
//! Each step takes the chain's new closed blocks one at a time: the machine turns the block
//! into calls; the state changes, the calls (as pending) and the cursor are written in one
//! transaction; the calls are sent; their outcomes and what they changed are written in a
//! second one. A restarted agent finds in its outbox exactly the calls not known to have
//! executed; before sending one again it asks the chain whether it took effect.

use std::time::Duration;

use proof_manager::{ProofRequest, ProvingNetwork};
use proof_manager_audit::SourceBlock;

use crate::call::{means_done, Call, Id, Reply, Success};
use crate::chain::{Chain, ChainError};
use crate::network::{AckPolicy, Job, Ledger, Network, NetworkConfig, KIND as JOB, LEDGER};
use crate::store::{Changes, Identity, Pending, Store, StoreError};
use crate::submitter::{Batch, EnqueueError, Submitter, SubmitterConfig, KIND as BATCH};
use crate::work::{Prover, Verifier};

/// Exit codes of the agents' command line.
pub const EXIT_FAILURE: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;
/// The network's key was rotated away from the agent's.
pub const EXIT_KEY_ROTATED: i32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Enqueue(#[from] EnqueueError),
    #[error("{0}")]
    KeyRotated(String),
    /// A fault-injection halt (`Halt`): the agent stopped as a kill at that point would.
    #[error("halted at {0:?}")]
    Halted(HaltPoint),
    #[error("state file {path}: a stored row does not decode: {reason}")]
    Corrupt { path: String, reason: String },
}

impl AgentError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AgentError::Enqueue(_)
            | AgentError::Store(
                StoreError::Mismatch { .. } | StoreError::Schema { .. } | StoreError::InUse { .. },
            ) => EXIT_BAD_INPUT,
            AgentError::Chain(ChainError::NotAManager { .. } | ChainError::Unfunded { .. }) => {
                EXIT_BAD_INPUT
            }
            AgentError::KeyRotated(_) => EXIT_KEY_ROTATED,
            _ => EXIT_FAILURE,
        }
    }
}

/// Where a fault-injection halt stops an agent: the crash tests stop it after each kind of
/// step and restart it from its state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HaltPoint {
    /// After a block's transaction, before its calls are sent.
    BlockCommitted,
    /// After calls were sent, before their outcomes are written.
    CallsSent,
    /// After the outcomes' transaction.
    OutcomesCommitted,
}

/// Stops the agent the `nth` time (from 1) it reaches `point`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Halt {
    pub point: HaltPoint,
    pub nth: usize,
}

/// What one step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    pub blocks: u64,
    pub calls: u64,
    /// Messages for the operator, each said once.
    pub notes: Vec<String>,
}

/// The outbox and the halts, shared by both agents.
struct Core<C: Chain> {
    chain: C,
    store: Store,
    halt: Option<Halt>,
    reached: usize,
}

impl<C: Chain> Core<C> {
    fn checkpoint(&mut self, point: HaltPoint) -> Result<(), AgentError> {
        if let Some(halt) = self.halt.filter(|h| h.point == point) {
            self.reached += 1;
            if self.reached == halt.nth {
                return Err(AgentError::Halted(point));
            }
        }
        Ok(())
    }

    /// Sends `pending` and returns each call's outcome; a call the chain did not execute
    /// (`Err`) stays pending for the next step.
    fn send(&mut self, pending: &[Pending]) -> Result<Vec<(Pending, Reply)>, AgentError> {
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let calls: Vec<Call> = pending.iter().map(|p| p.call.clone()).collect();
        let replies = self.chain.send(&calls)?;
        self.checkpoint(HaltPoint::CallsSent)?;
        Ok(pending
            .iter()
            .cloned()
            .zip(replies)
            .filter_map(|(p, reply)| reply.ok().map(|reply| (p, reply)))
            .collect())
    }

    /// The outbox after a restart: each call that already took effect counts as done with
    /// its effect; the others are sent.
    fn recover(&mut self) -> Result<Vec<(Pending, Reply)>, AgentError> {
        let mut outcomes = Vec::new();
        let mut resend = Vec::new();
        for pending in self.store.pending()? {
            let applied = match pending.call.id() {
                Some(id) => {
                    let status = self.chain.proof_request(id)?.map(|r| r.status);
                    pending.call.applied_at(status)
                }
                None => false,
            };
            if applied {
                outcomes.push((pending, Ok(Success::Done)));
            } else {
                resend.push(pending);
            }
        }
        outcomes.extend(self.send(&resend)?);
        Ok(outcomes)
    }

    fn commit_outcomes(
        &mut self,
        changes: &Changes,
        outcomes: &[(Pending, Reply)],
    ) -> Result<(), AgentError> {
        let recorded: Vec<(i64, String)> = outcomes
            .iter()
            .map(|(p, reply)| (p.seq, outcome_text(&p.call, reply)))
            .collect();
        self.store.commit_outcomes(changes, &recorded)?;
        self.checkpoint(HaltPoint::OutcomesCommitted)
    }

    fn commit_block(
        &mut self,
        cursor: (u64, u64),
        changes: &Changes,
        calls: &[Call],
    ) -> Result<Vec<Pending>, AgentError> {
        let pending = self.store.commit_block(cursor, changes, calls)?;
        self.checkpoint(HaltPoint::BlockCommitted)?;
        Ok(pending)
    }

    /// Moves the cursor past blocks that changed nothing.
    fn commit_idle(&mut self, idle: Option<(u64, u64)>) -> Result<(), AgentError> {
        if let Some(cursor) = idle {
            self.store.commit_block(cursor, &Changes::default(), &[])?;
        }
        Ok(())
    }

    fn new_blocks(&mut self) -> Result<Vec<SourceBlock>, AgentError> {
        let after = self.store.cursor()?.map(|(block, _)| block);
        Ok(self.chain.blocks_after(after)?)
    }
}

fn outcome_text(call: &Call, reply: &Reply) -> String {
    match reply {
        Ok(Success::Done) => "ok".into(),
        Ok(Success::Claimed(amount)) => format!("claimed {amount}"),
        Err(error) if means_done(call, error) => format!("already done ({error:?})"),
        Err(error) => format!("refused: {error:?}"),
    }
}

fn decode_rows<T: serde::de::DeserializeOwned>(
    store: &Store,
    kind: &str,
) -> Result<Vec<T>, AgentError> {
    store
        .rows(kind)?
        .into_iter()
        .map(|(key, _, body)| {
            serde_json::from_str(&body).map_err(|e| AgentError::Corrupt {
                path: store.path().display().to_string(),
                reason: format!("{kind} {key}: {e}"),
            })
        })
        .collect()
}

fn hex_identity(role: String, chain: &impl Chain) -> Identity {
    Identity {
        role,
        contract: hex::encode(chain.contract().0),
        account: hex::encode(chain.account().0),
    }
}

// ---------------------------------------------------------------------------------------------
// The submitter
// ---------------------------------------------------------------------------------------------

/// The operator's submitter service.
pub struct SubmitterAgent<C: Chain> {
    core: Core<C>,
    machine: Submitter,
    verifier: Box<dyn Verifier>,
    on_fallback: Option<(String, Duration)>,
}

impl<C: Chain> SubmitterAgent<C> {
    /// Opens the state file at `path` (creating it) and finishes what a previous run left in
    /// its outbox.
    pub fn open(
        path: &std::path::Path,
        chain: C,
        config: SubmitterConfig,
        verifier: Box<dyn Verifier>,
        on_fallback: Option<(String, Duration)>,
        halt: Option<Halt>,
    ) -> Result<Self, AgentError> {
        let store = Store::open(path, &hex_identity("submitter".into(), &chain))?;
        let batches: Vec<Batch> = decode_rows(&store, BATCH)?;
        let mut agent = SubmitterAgent {
            core: Core {
                chain,
                store,
                halt,
                reached: 0,
            },
            machine: Submitter::new(config, batches),
            verifier,
            on_fallback,
        };
        let outcomes = agent.core.recover()?;
        agent.take_outcomes(outcomes)?;
        agent.notify_fallbacks()?;
        Ok(agent)
    }

    pub fn machine(&self) -> &Submitter {
        &self.machine
    }

    /// The last block processed.
    pub fn cursor(&self) -> Option<u64> {
        self.core
            .store
            .cursor()
            .ok()
            .flatten()
            .map(|(block, _)| block)
    }

    /// Keeps the service's configuration in the state file, for `enqueue`.
    pub fn remember_config(&mut self, config: &str) -> Result<(), AgentError> {
        Ok(self.core.store.set_setting("submitter-config", config)?)
    }

    pub fn store(&self) -> &Store {
        &self.core.store
    }

    pub fn chain_mut(&mut self) -> &mut C {
        &mut self.core.chain
    }

    /// Queues a batch ready to be proven (the library form of `enqueue`).
    pub fn enqueue(&mut self, id: Id, url: &str) -> Result<(), AgentError> {
        self.machine.enqueue(id, url)?;
        let changes = self.machine.take_changes();
        self.core.store.commit(&changes)?;
        Ok(())
    }

    fn take_outcomes(&mut self, outcomes: Vec<(Pending, Reply)>) -> Result<(), AgentError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let now = self.core.chain.now()?;
        for (pending, reply) in &outcomes {
            self.machine.on_reply(&pending.call, reply, now);
        }
        let changes = self.machine.take_changes();
        self.core.commit_outcomes(&changes, &outcomes)
    }

    /// Batches queued by another process (`enqueue` on the command line) since the last step.
    fn adopt_queued(&mut self) -> Result<(), AgentError> {
        // Only queued rows can be new: every other row was written by this machine, or read at
        // open. Decoding the whole table each step made long runs quadratic.
        let store = &self.core.store;
        let rows = store.rows_with_status(BATCH, "queued")?;
        let stored = rows
            .into_iter()
            .map(|(key, _, body)| {
                serde_json::from_str::<Batch>(&body).map_err(|e| AgentError::Corrupt {
                    path: store.path().display().to_string(),
                    reason: format!("{BATCH} {key}: {e}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for batch in stored {
            if self.machine.batch(batch.id).is_none() {
                self.machine.adopt(batch);
            }
        }
        Ok(())
    }

    /// Processes every block that closed since the last step, then verifies proven batches.
    pub fn step(&mut self) -> Result<StepReport, AgentError> {
        self.adopt_queued()?;
        let mut report = StepReport::default();
        let mut idle = None;
        for block in self.core.new_blocks()? {
            let now = self.core.chain.now()?;
            let calls = self.machine.on_block(&block, now);
            let changes = self.machine.take_changes();
            // Blocks that change nothing move the cursor once per step, not once each.
            if calls.is_empty() && changes.is_empty() {
                idle = Some((block.number, block.time_ms));
                continue;
            }
            idle = None;
            let pending =
                self.core
                    .commit_block((block.number, block.time_ms), &changes, &calls)?;
            self.notify_fallbacks()?;
            report.blocks += 1;
            report.calls += calls.len() as u64;
            let outcomes = self.core.send(&pending)?;
            self.take_outcomes(outcomes)?;
        }
        self.core.commit_idle(idle)?;
        if report.blocks == 0 {
            report.calls += self.tick()?;
        }
        report.calls += self.verify()?;
        self.notify_fallbacks()?;
        report.notes = self.machine.take_notes();
        Ok(report)
    }

    /// Between blocks: what the queue and the deadlines call for at the chain's time now.
    fn tick(&mut self) -> Result<u64, AgentError> {
        let now = self.core.chain.now()?;
        let calls = self.machine.tick(now);
        self.send_outside_block(calls)
    }

    /// Writes and sends calls decided outside a block, at the current cursor.
    fn send_outside_block(&mut self, calls: Vec<Call>) -> Result<u64, AgentError> {
        let changes = self.machine.take_changes();
        if calls.is_empty() && changes.is_empty() {
            return Ok(0);
        }
        let cursor = self.core.store.cursor()?.unwrap_or((0, 0));
        let pending = self.core.commit_block(cursor, &changes, &calls)?;
        self.notify_fallbacks()?;
        let outcomes = self.core.send(&pending)?;
        self.take_outcomes(outcomes)?;
        Ok(calls.len() as u64)
    }

    /// Runs the verifier on each proven batch and sends the verdicts; a verifier error leaves
    /// the batch for the next step.
    fn verify(&mut self) -> Result<u64, AgentError> {
        let mut calls = Vec::new();
        for id in self.machine.to_verify() {
            let Some(ProofRequest { proof, .. }) = self.core.chain.proof_request(id)? else {
                continue;
            };
            match self.verifier.verify(id, &proof) {
                Ok(valid) => calls.extend(self.machine.on_verdict(id, valid)),
                Err(error) => self.machine.note(format!(
                    "verifying {id} failed, tried again next step: {error}"
                )),
            }
        }
        self.send_outside_block(calls)
    }

    /// Runs `--on-fallback` once for each fallback not yet handed over.
    fn notify_fallbacks(&mut self) -> Result<(), AgentError> {
        let Some((command, timeout)) = self.on_fallback.clone() else {
            return Ok(());
        };
        for (fallback, notified) in self.core.store.fallbacks()? {
            if notified {
                continue;
            }
            let env = [
                ("FALLBACK_CHAIN_ID", fallback.id.chain_id.to_string()),
                (
                    "FALLBACK_BLOCK_NUMBER",
                    fallback.id.block_number.to_string(),
                ),
                ("FALLBACK_REASON", fallback.reason.clone()),
            ];
            match crate::work::run_command(&command, &fallback.id.to_string(), &env, timeout) {
                Ok(()) => self.core.store.mark_notified(fallback.id)?,
                Err(reason) => self.machine.note(format!(
                    "--on-fallback for {} failed, tried again next step: {reason}",
                    fallback.id
                )),
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// A proving network
// ---------------------------------------------------------------------------------------------

/// A proving network's agent.
pub struct NetworkAgent<C: Chain> {
    core: Core<C>,
    machine: Network,
    prover: Box<dyn Prover>,
}

impl<C: Chain> NetworkAgent<C> {
    /// Opens the state file at `path` (creating it, with what the network is owed now) and
    /// finishes what a previous run left in its outbox; jobs being proven start again.
    pub fn open(
        path: &std::path::Path,
        mut chain: C,
        config: NetworkConfig,
        policy: Box<dyn AckPolicy>,
        prover: Box<dyn Prover>,
        halt: Option<Halt>,
    ) -> Result<Self, AgentError> {
        let role = format!("network:{:?}", config.network);
        let store = Store::open(path, &hex_identity(role, &chain))?;
        let jobs: Vec<Job> = decode_rows(&store, JOB)?;
        let ledger = match decode_rows::<Ledger>(&store, LEDGER)?.pop() {
            Some(ledger) => ledger,
            None => Ledger {
                owed: chain
                    .network_info(ProvingNetwork::from(config.network))?
                    .owed_reward,
                last_claim_ms: None,
            },
        };
        let mut agent = NetworkAgent {
            core: Core {
                chain,
                store,
                halt,
                reached: 0,
            },
            machine: Network::new(config, policy, jobs, ledger),
            prover,
        };
        let outcomes = agent.core.recover()?;
        agent.take_outcomes(outcomes)?;
        Ok(agent)
    }

    pub fn machine(&self) -> &Network {
        &self.machine
    }

    /// The last block processed.
    pub fn cursor(&self) -> Option<u64> {
        self.core
            .store
            .cursor()
            .ok()
            .flatten()
            .map(|(block, _)| block)
    }

    pub fn store(&self) -> &Store {
        &self.core.store
    }

    pub fn prover_mut(&mut self) -> &mut dyn Prover {
        self.prover.as_mut()
    }

    fn take_outcomes(&mut self, outcomes: Vec<(Pending, Reply)>) -> Result<(), AgentError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        for (pending, reply) in &outcomes {
            self.machine.on_reply(&pending.call, reply);
        }
        let changes = self.machine.take_changes();
        self.core.commit_outcomes(&changes, &outcomes)
    }

    /// Processes every block that closed since the last step, then the prover's results.
    pub fn step(&mut self) -> Result<StepReport, AgentError> {
        let mut report = StepReport::default();
        let mut idle = None;
        for block in self.core.new_blocks()? {
            let now = self.core.chain.now()?;
            let calls = self.machine.on_block(&block, now);
            if let Some(reason) = self.machine.stopped() {
                return Err(AgentError::KeyRotated(reason.to_string()));
            }
            let changes = self.machine.take_changes();
            if calls.is_empty() && changes.is_empty() {
                idle = Some((block.number, block.time_ms));
                continue;
            }
            idle = None;
            let pending =
                self.core
                    .commit_block((block.number, block.time_ms), &changes, &calls)?;
            report.blocks += 1;
            report.calls += calls.len() as u64;
            let outcomes = self.core.send(&pending)?;
            self.take_outcomes(outcomes)?;
        }
        self.core.commit_idle(idle)?;
        if report.blocks == 0 {
            report.calls += self.tick()?;
        }
        report.calls += self.prove()?;
        report.notes = self.machine.take_notes();
        Ok(report)
    }

    /// Between blocks: the acknowledgements and the claim due at the chain's time now.
    fn tick(&mut self) -> Result<u64, AgentError> {
        let now = self.core.chain.now()?;
        let calls = self.machine.tick(now);
        let changes = self.machine.take_changes();
        if calls.is_empty() && changes.is_empty() {
            return Ok(0);
        }
        let cursor = self.core.store.cursor()?.unwrap_or((0, 0));
        let pending = self.core.commit_block(cursor, &changes, &calls)?;
        let outcomes = self.core.send(&pending)?;
        self.take_outcomes(outcomes)?;
        Ok(calls.len() as u64)
    }

    /// Starts the committed jobs and submits the proofs the prover finished.
    fn prove(&mut self) -> Result<u64, AgentError> {
        let now = self.core.chain.now()?;
        for job in self.machine.take_starts() {
            self.prover.start(&job, now);
        }
        let calls: Vec<Call> = self
            .prover
            .poll(now)
            .into_iter()
            .filter_map(|(id, proof)| self.machine.on_proof(id, proof, now))
            .collect();
        let changes = self.machine.take_changes();
        if calls.is_empty() && changes.is_empty() {
            return Ok(0);
        }
        let cursor = self.core.store.cursor()?.unwrap_or((0, 0));
        let pending = self.core.commit_block(cursor, &changes, &calls)?;
        let outcomes = self.core.send(&pending)?;
        self.take_outcomes(outcomes)?;
        Ok(calls.len() as u64)
    }
}
