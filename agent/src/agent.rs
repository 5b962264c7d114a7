//! The two agents: a state machine, the runner (`runner.rs`: chain, store, outbox) and the
//! workers, stepped block by block; their errors and exit codes, and the fault-injection halts
//! of the crash tests.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use proof_manager::{ProofRequest, ProvingNetwork};

use crate::call::{Call, Id};
use crate::chain::{Chain, ChainError};
use crate::metrics::AgentMetrics;
use crate::network::{AckPolicy, Job, Ledger, Network, NetworkConfig, KIND as JOB, LEDGER};
use crate::runner::{Core, Counters, Machine, RetryPolicy};
use crate::store::{Identity, Store, StoreError};
use crate::submitter::{Batch, EnqueueError, Submitter, SubmitterConfig, KIND as BATCH};
use crate::work::{CommandRun, Prover, Verifier};

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
                StoreError::Mismatch { .. }
                | StoreError::OtherChain { .. }
                | StoreError::Schema { .. }
                | StoreError::InUse { .. },
            ) => EXIT_BAD_INPUT,
            AgentError::Chain(ChainError::NotAManager { .. } | ChainError::Unfunded { .. }) => {
                EXIT_BAD_INPUT
            }
            AgentError::KeyRotated(_) => EXIT_KEY_ROTATED,
            _ => EXIT_FAILURE,
        }
    }

    /// Whether the node, not the agent, failed: the service opens the agent again once the
    /// node answers, and the agent goes on from its state file.
    pub fn is_transient(&self) -> bool {
        matches!(self, AgentError::Chain(error) if error.is_transient())
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
    pub notes: Vec<crate::note::Note>,
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

/// A prover shared by every agent a process opens in turn (the service reopens its agent after
/// a node blip): jobs it runs keep running and are not started twice.
impl<P: Prover + ?Sized> Prover for Rc<RefCell<P>> {
    fn start(&mut self, job: &crate::work::ProveJob, now_ms: u64) {
        self.borrow_mut().start(job, now_ms)
    }

    fn poll(&mut self, now_ms: u64) -> Vec<(Id, Result<Vec<u8>, String>)> {
        self.borrow_mut().poll(now_ms)
    }

    fn next_ready(&self) -> Option<u64> {
        self.borrow().next_ready()
    }

    fn take_runs(&mut self) -> Vec<CommandRun> {
        self.borrow_mut().take_runs()
    }
}

/// How often the gauges read from the state file are refreshed: counting the rows by status
/// scans the kind's index entries, which a step taken every poll interval need not do.
const METRICS_REFRESH: Duration = Duration::from_secs(2);

/// The metrics both agents keep beside the runner's: when the tables' gauges were last read.
#[derive(Default)]
struct Gauges {
    refreshed: Option<Instant>,
}

impl Gauges {
    /// Whether the gauges are due (always when `force`).
    fn due(&mut self, force: bool) -> bool {
        if force
            || self
                .refreshed
                .is_none_or(|at| at.elapsed() >= METRICS_REFRESH)
        {
            self.refreshed = Some(Instant::now());
            return true;
        }
        false
    }
}

/// Refreshes what every agent shows: progress, its rows by status, pending calls, balance.
fn refresh_common<C: Chain>(
    core: &mut Core<C>,
    metrics: &AgentMetrics,
    kind: &str,
) -> Result<(), AgentError> {
    let cursor = core.cursor()?.map(|c| c.number);
    metrics.progress(cursor, core.chain.finalized_head());
    metrics.requests(&core.store.count_by_status(kind)?);
    metrics.outbox_pending(core.store.pending_count()?);
    // The balance is a view of the node's: a failed read leaves the last value.
    if let Ok(balance) = core.chain.free_balance() {
        metrics.free_balance(balance);
    }
    Ok(())
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
    gauges: Gauges,
}

impl<C: Chain> SubmitterAgent<C> {
    /// Opens the state file at `path` (creating it) for `chain`; what a previous run left in
    /// its outbox is settled by the steps.
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
            core: Core::open(chain, store, RetryPolicy::default(), halt)?,
            machine: Submitter::new(config, batches),
            verifier,
            on_fallback,
            gauges: Gauges::default(),
        };
        agent.notify_fallbacks()?;
        Ok(agent)
    }

    /// Records what the agent does into `metrics` from now on.
    pub fn set_metrics(&mut self, metrics: Arc<AgentMetrics>) {
        self.core.set_metrics(metrics);
    }

    /// The finalized head the agent last saw.
    pub fn finalized_head(&self) -> Option<u64> {
        self.core.chain.finalized_head()
    }

    /// Reads the gauges from the state file and the chain now (a step does it every 2 s).
    pub fn refresh_metrics(&mut self) -> Result<(), AgentError> {
        if let Some(metrics) = self.core.metrics().cloned() {
            refresh_common(&mut self.core, &metrics, BATCH)?;
        }
        Ok(())
    }

    fn command(&self, run: &CommandRun) {
        if let Some(metrics) = self.core.metrics() {
            metrics.command(run);
        }
    }

    pub fn machine(&self) -> &Submitter {
        &self.machine
    }

    /// The last block processed.
    pub fn cursor(&self) -> Option<u64> {
        self.core.cursor().ok().flatten().map(|c| c.number)
    }

    /// What the runner counted since the agent was opened.
    pub fn counters(&self) -> Counters {
        self.core.counters
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
        let changes = Machine::take_changes(&mut self.machine);
        self.core.store.commit(&changes)?;
        Ok(())
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

    /// Settles the outbox, processes every block that closed since the last step (or, when
    /// none did, what the queue and the deadlines call for now), verifies proven batches, then
    /// sends every call the step wrote at once.
    pub fn step(&mut self) -> Result<StepReport, AgentError> {
        self.adopt_queued()?;
        self.core.settle(&mut self.machine)?;
        let mut report = self.core.step_blocks(&mut self.machine)?;
        if report.blocks == 0 {
            let now = self.core.chain.now()?;
            let calls = self.machine.tick(now);
            report.calls += self.core.decide(&mut self.machine, calls)?;
        }
        report.calls += self.verify()?;
        self.core.flush(&mut self.machine)?;
        self.notify_fallbacks()?;
        if self.gauges.due(false) {
            self.refresh_metrics()?;
        }
        report.notes = self.core.take_notes();
        report.notes.extend(Machine::take_notes(&mut self.machine));
        Ok(report)
    }

    /// Runs the verifier on each proven batch and sends the verdicts; a verifier error leaves
    /// the batch for the next step.
    fn verify(&mut self) -> Result<u64, AgentError> {
        let mut calls = Vec::new();
        let ids = self.machine.to_verify();
        let requests = self.core.chain.proof_requests(&ids)?;
        for (id, request) in ids.into_iter().zip(requests) {
            let Some(ProofRequest { proof, .. }) = request else {
                continue;
            };
            let verdict = self.verifier.verify(id, &proof);
            for run in self.verifier.take_runs() {
                self.command(&run);
            }
            match verdict {
                Ok(valid) => calls.extend(self.machine.on_verdict(id, valid)),
                Err(error) => self.machine.note(crate::note::Note::about(
                    id,
                    format!("verifying {id} failed, tried again next step: {error}"),
                )),
            }
        }
        self.core.decide(&mut self.machine, calls)
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
            match crate::work::run_fallback(&command, &fallback.id.to_string(), &env, timeout) {
                Ok(run) => {
                    self.command(&run);
                    self.core.store.mark_notified(fallback.id)?
                }
                Err(failed) => {
                    self.command(&failed.run);
                    self.machine.note(crate::note::Note::about(
                        fallback.id,
                        format!(
                            "--on-fallback for {} failed, tried again next step: {failed}",
                            fallback.id
                        ),
                    ))
                }
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
    gauges: Gauges,
}

impl<C: Chain> NetworkAgent<C> {
    /// Opens the state file at `path` (creating it, with what the network is owed now) for
    /// `chain`; jobs being proven are handed to the prover again (a prover kept across
    /// reopenings runs each once), and a claim left pending waits for its outcome.
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
        let claim_pending = store.pending()?.iter().any(|p| p.call == Call::Claim);
        let mut machine = Network::new(config, policy, jobs, ledger);
        machine.set_claim_in_flight(claim_pending);
        Ok(NetworkAgent {
            core: Core::open(chain, store, RetryPolicy::default(), halt)?,
            machine,
            prover,
            gauges: Gauges::default(),
        })
    }

    /// Records what the agent does into `metrics` from now on.
    pub fn set_metrics(&mut self, metrics: Arc<AgentMetrics>) {
        self.core.set_metrics(metrics);
    }

    /// The finalized head the agent last saw.
    pub fn finalized_head(&self) -> Option<u64> {
        self.core.chain.finalized_head()
    }

    /// Reads the gauges from the state file and the chain now (a step does it every 2 s).
    pub fn refresh_metrics(&mut self) -> Result<(), AgentError> {
        if let Some(metrics) = self.core.metrics().cloned() {
            refresh_common(&mut self.core, &metrics, JOB)?;
            metrics.reward_owed(self.machine.ledger().owed);
        }
        Ok(())
    }

    pub fn machine(&self) -> &Network {
        &self.machine
    }

    /// The last block processed.
    pub fn cursor(&self) -> Option<u64> {
        self.core.cursor().ok().flatten().map(|c| c.number)
    }

    /// What the runner counted since the agent was opened.
    pub fn counters(&self) -> Counters {
        self.core.counters
    }

    pub fn store(&self) -> &Store {
        &self.core.store
    }

    pub fn prover_mut(&mut self) -> &mut dyn Prover {
        self.prover.as_mut()
    }

    /// Settles the outbox, processes every block that closed since the last step (or, when
    /// none did, the acknowledgements and the claim due now) and the prover's results, then
    /// sends every call the step wrote at once.
    pub fn step(&mut self) -> Result<StepReport, AgentError> {
        self.core.settle(&mut self.machine)?;
        let mut report = self.core.step_blocks(&mut self.machine)?;
        if report.blocks == 0 {
            let now = self.core.chain.now()?;
            let calls = self.machine.tick(now);
            report.calls += self.core.decide(&mut self.machine, calls)?;
        }
        report.calls += self.prove()?;
        self.core.flush(&mut self.machine)?;
        if self.gauges.due(false) {
            self.refresh_metrics()?;
        }
        report.notes = self.core.take_notes();
        report.notes.extend(Machine::take_notes(&mut self.machine));
        Ok(report)
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
        if let Some(metrics) = self.core.metrics() {
            for run in self.prover.take_runs() {
                metrics.command(&run);
            }
        }
        self.core.decide(&mut self.machine, calls)
    }
}
