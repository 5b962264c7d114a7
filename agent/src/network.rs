//! A proving network's agent as a pure state machine: (its jobs, a block's events, the time) →
//! calls. It sees the requests assigned to its network, refuses those whose inputs URL it will
//! not hand to its prover, acknowledges within the window or not at all (accepting up to its
//! capacity), proves through a `Prover`, submits in time at its price, and claims what it is
//! owed, one claim at a time, each settled by its `RewardClaimed`. A rotation of its network's
//! key away from it stops it.

use std::collections::{BTreeMap, BTreeSet};

use ink::primitives::AccountId;
use proof_manager::{ManagerEvent, ProofRequestStatus, ProvingNetwork, ACK_TIMEOUT, MAX_CLAIM};
use serde::{Deserialize, Serialize};

use crate::call::{means_done, Call, Id, Reply};
use crate::metrics::{Deadline, Observation};
use crate::note::Note;
use crate::runner::Machine;
use crate::store::{Changes, Row};
use crate::work::ProveJob;

/// The row kinds of jobs and of the ledger in the store.
pub const KIND: &str = "job";
pub const LEDGER: &str = "ledger";

/// A proving network, as the agents store it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Net {
    Fermah,
    Lagrange,
}

impl From<ProvingNetwork> for Net {
    fn from(network: ProvingNetwork) -> Self {
        match network {
            ProvingNetwork::Fermah => Net::Fermah,
            ProvingNetwork::Lagrange => Net::Lagrange,
        }
    }
}

impl From<Net> for ProvingNetwork {
    fn from(net: Net) -> Self {
        match net {
            Net::Fermah => ProvingNetwork::Fermah,
            Net::Lagrange => ProvingNetwork::Lagrange,
        }
    }
}

/// When to claim: once owed reaches `at`, and/or every `every_ms` of chain time while anything
/// is owed. Each claim pays at most `MAX_CLAIM`; the agent claims again while more is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimPolicy {
    pub at: Option<u128>,
    pub every_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkConfig {
    pub network: Net,
    /// The agent's key.
    pub account: AccountId,
    /// Requests proved at once at most; over it, a new request is refused.
    pub max_concurrent: usize,
    /// The requested reward as a fraction of `max_reward`, in parts per million.
    pub price_ppm: u32,
    pub claim: ClaimPolicy,
}

/// How and when the agent acknowledges a request assigned to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AckPlan {
    /// Accept (capacity permitting) this long after the submission.
    Accept { after_ms: u64 },
    /// Refuse this long after the submission.
    Refuse { after_ms: u64 },
    /// Never answer: the request goes unacknowledged.
    Ignore,
}

/// Decides each request's acknowledgement: the real agent accepts at once; the simulator's
/// synthetic networks draw delays and refusals.
pub trait AckPolicy {
    fn plan(&mut self, id: Id) -> AckPlan;
}

/// Accept every request as soon as it is seen.
pub struct AcceptAtOnce;

impl AckPolicy for AcceptAtOnce {
    fn plan(&mut self, _id: Id) -> AckPlan {
        AckPlan::Accept { after_ms: 0 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobStatus {
    /// Assigned; the acknowledgement is due at `at` (chain time).
    Offered {
        plan: AckPlan,
        at: Option<u64>,
    },
    /// The acknowledgement is sent.
    Acknowledging {
        accept: bool,
    },
    /// Committed: the prover works on it.
    Proving,
    /// The proof is sent.
    ProofSent,
    /// Proven on chain; waiting for the verdict.
    Proven,
    Validated,
    ValidationFailed,
    Refused,
    /// Lost: not acknowledged, not proven in time, or the prover failed.
    Lost(String),
}

impl JobStatus {
    fn is_final(&self) -> bool {
        matches!(
            self,
            JobStatus::Validated
                | JobStatus::ValidationFailed
                | JobStatus::Refused
                | JobStatus::Lost(_)
        )
    }

    fn label(&self) -> &'static str {
        match self {
            JobStatus::Offered { .. } => "offered",
            JobStatus::Acknowledging { .. } => "acknowledging",
            JobStatus::Proving => "proving",
            JobStatus::ProofSent => "proof sent",
            JobStatus::Proven => "proven",
            JobStatus::Validated => "validated",
            JobStatus::ValidationFailed => "validation failed",
            JobStatus::Refused => "refused",
            JobStatus::Lost(_) => "lost",
        }
    }

    /// Whether the job holds one of the agent's proving slots.
    fn holds_slot(&self) -> bool {
        matches!(
            self,
            JobStatus::Acknowledging { accept: true } | JobStatus::Proving | JobStatus::ProofSent
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: Id,
    pub url: String,
    pub submitted_at: u64,
    pub timeout_after: u64,
    pub max_reward: u128,
    pub status: JobStatus,
    /// What the network asked for, once proven.
    pub reward: Option<u128>,
    /// The block time of its acknowledgement, once committed.
    #[serde(default)]
    pub committed_at: Option<u64>,
}

impl Job {
    fn ack_deadline(&self) -> u64 {
        self.submitted_at.saturating_add(ACK_TIMEOUT)
    }

    pub fn proving_deadline(&self) -> u64 {
        self.submitted_at.saturating_add(self.timeout_after)
    }
}

/// What the network is owed, as its events tell, and when it last claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ledger {
    pub owed: u128,
    pub last_claim_ms: Option<u64>,
}

pub struct Network {
    config: NetworkConfig,
    policy: Box<dyn AckPolicy>,
    jobs: BTreeMap<Id, Job>,
    live: BTreeSet<Id>,
    ledger: Ledger,
    dirty: BTreeSet<Id>,
    ledger_dirty: bool,
    /// Committed jobs the prover must start.
    starts: Vec<ProveJob>,
    /// A claim was decided and its outcome is not known: no other is decided meanwhile.
    claim_in_flight: bool,
    /// The amounts of the network's `RewardClaimed` events since `take_claimed`.
    claimed: Vec<u128>,
    observations: Vec<Observation>,
    stopped: Option<String>,
    notes: Vec<Note>,
}

/// Why a proof-inputs URL from the chain is not handed to the prove command, if it is not:
/// the command gets it as `$1`, where a leading `-` is an option (`curl "$1"`), a scheme other
/// than http(s) reads the prover's own files (`file://`), and a control character breaks the
/// command line (a NUL cannot be passed at all).
pub fn inputs_url_refusal(url: &str) -> Option<String> {
    if let Some(c) = url.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return Some(format!("it holds the character {c:?}"));
    }
    let scheme_ok = ["http://", "https://"].iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
    });
    if !scheme_ok {
        return Some("only http:// and https:// URLs are proven".into());
    }
    match url::Url::parse(url) {
        Err(e) => Some(format!("it does not parse as a URL ({e})")),
        Ok(parsed) if parsed.host().is_none() => Some("it names no host".into()),
        Ok(_) => None,
    }
}

/// The start of a URL as a note shows it: at most 80 characters, escaped.
fn shown(url: &str) -> String {
    let head: String = url.chars().take(80).collect();
    let more = if head.len() < url.len() { "…" } else { "" };
    format!("{head:?}{more} ({} bytes)", url.len())
}

impl Network {
    /// The machine over `jobs` and `ledger` (loaded from the store). Jobs being proven when the
    /// agent stopped are proved again.
    pub fn new(
        config: NetworkConfig,
        policy: Box<dyn AckPolicy>,
        jobs: impl IntoIterator<Item = Job>,
        ledger: Ledger,
    ) -> Self {
        let jobs: BTreeMap<Id, Job> = jobs.into_iter().map(|j| (j.id, j)).collect();
        let live = jobs
            .values()
            .filter(|j| !j.status.is_final())
            .map(|j| j.id)
            .collect();
        let starts = jobs
            .values()
            .filter(|j| j.status == JobStatus::Proving)
            .map(prove_job)
            .collect();
        Network {
            config,
            policy,
            jobs,
            live,
            ledger,
            dirty: BTreeSet::new(),
            ledger_dirty: false,
            starts,
            claim_in_flight: false,
            claimed: Vec::new(),
            observations: Vec::new(),
            stopped: None,
            notes: Vec::new(),
        }
    }

    /// Tells the machine that a claim decided before it was opened has no known outcome yet.
    pub fn set_claim_in_flight(&mut self, in_flight: bool) {
        self.claim_in_flight = in_flight;
    }

    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.jobs.values()
    }

    pub fn ledger(&self) -> Ledger {
        self.ledger
    }

    fn set(&mut self, id: Id, status: JobStatus) {
        let Some(job) = self.jobs.get_mut(&id) else {
            return;
        };
        if status == JobStatus::Proving && job.status != JobStatus::Proving {
            self.starts.push(prove_job(job));
        }
        if status.is_final() {
            self.live.remove(&id);
        }
        if let (JobStatus::Lost(why), false) = (&status, job.status.is_final()) {
            let missed = if why == "Unacknowledged" {
                Some(Deadline::Acknowledgement)
            } else if why == "TimedOut" || why.starts_with("the proof came after") {
                Some(Deadline::Proving)
            } else {
                None
            };
            self.observations
                .extend(missed.map(Observation::DeadlineMissed));
        }
        job.status = status;
        self.dirty.insert(id);
    }

    fn status(&self, id: Id) -> Option<&JobStatus> {
        self.jobs.get(&id).map(|j| &j.status)
    }

    fn ours(&self, network: ProvingNetwork) -> bool {
        Net::from(network) == self.config.network
    }

    fn on_event(&mut self, event: &ManagerEvent, time_ms: u64) {
        let id = |chain_id, block_number| Id {
            chain_id,
            block_number,
        };
        match event {
            ManagerEvent::ProofRequestSubmitted(e) => {
                let ours = e.assigned_to.is_some_and(|n| self.ours(n));
                let id = id(e.chain_id, e.block_number);
                if !ours || e.status != ProofRequestStatus::PendingAcknowledgement {
                    return;
                }
                if self.jobs.contains_key(&id) {
                    return;
                }
                let plan = match inputs_url_refusal(&e.proof_inputs_url) {
                    Some(why) => {
                        self.notes.push(Note::about(
                            id,
                            format!(
                                "refusing {id}: its inputs URL {} is not handed to the prover: \
                                 {why}",
                                shown(&e.proof_inputs_url)
                            ),
                        ));
                        AckPlan::Refuse { after_ms: 0 }
                    }
                    None => self.policy.plan(id),
                };
                let at = match plan {
                    AckPlan::Accept { after_ms } | AckPlan::Refuse { after_ms } => {
                        Some(time_ms.saturating_add(after_ms))
                    }
                    AckPlan::Ignore => None,
                };
                self.jobs.insert(
                    id,
                    Job {
                        id,
                        url: e.proof_inputs_url.clone(),
                        submitted_at: time_ms,
                        timeout_after: e.timeout_after,
                        max_reward: e.max_reward,
                        status: JobStatus::Offered { plan, at },
                        reward: None,
                        committed_at: None,
                    },
                );
                self.live.insert(id);
                self.dirty.insert(id);
            }
            ManagerEvent::ProofRequestAcknowledged(e) if self.ours(e.assigned_to) => {
                let id = id(e.chain_id, e.block_number);
                if let Some(job) = self.jobs.get_mut(&id) {
                    let network = format!("{:?}", self.config.network);
                    let ms = time_ms.saturating_sub(job.submitted_at);
                    self.observations
                        .push(Observation::Acknowledged { network, ms });
                    job.committed_at = e.accepted.then_some(time_ms);
                }
                if self.status(id).is_some_and(|s| !s.is_final()) {
                    let status = if e.accepted {
                        JobStatus::Proving
                    } else {
                        JobStatus::Refused
                    };
                    self.set(id, status);
                }
            }
            ManagerEvent::ProofRequestProven(e) if self.ours(e.assigned_to) => {
                let id = id(e.chain_id, e.block_number);
                if let Some(job) = self.jobs.get_mut(&id) {
                    job.reward = Some(e.requested_reward);
                    if let Some(committed) = job.committed_at {
                        let network = format!("{:?}", self.config.network);
                        let ms = time_ms.saturating_sub(committed);
                        self.observations.push(Observation::Proven { network, ms });
                    }
                    self.set(id, JobStatus::Proven);
                }
            }
            ManagerEvent::ProofValidationResult(e) if self.ours(e.assigned_to) => {
                let id = id(e.chain_id, e.block_number);
                let reward = self.jobs.get(&id).and_then(|j| j.reward).unwrap_or(0);
                if self.status(id) == Some(&JobStatus::Proven) {
                    if e.is_proof_valid {
                        self.ledger.owed = self.ledger.owed.saturating_add(reward);
                        self.ledger_dirty = true;
                        self.set(id, JobStatus::Validated);
                    } else {
                        self.set(id, JobStatus::ValidationFailed);
                    }
                }
            }
            ManagerEvent::ProofRequestExpired(e) if self.ours(e.assigned_to) => {
                let id = id(e.chain_id, e.block_number);
                if self.status(id).is_some_and(|s| !s.is_final()) {
                    self.set(id, JobStatus::Lost(format!("{:?}", e.status)));
                }
            }
            ManagerEvent::RewardClaimed(e) if self.ours(e.by) => {
                self.ledger.owed = self.ledger.owed.saturating_sub(e.amount);
                self.ledger.last_claim_ms = Some(time_ms);
                self.ledger_dirty = true;
                self.claimed.push(e.amount);
                self.claim_in_flight = false;
            }
            ManagerEvent::ProvingNetworkAddressUpdated(e)
                if self.ours(e.proving_network) && e.address != self.config.account =>
            {
                self.stopped = Some(format!(
                    "{:?}'s key was rotated to 0x{}: this agent's key 0x{} no longer acts for \
                     it; stopping (start an agent with the new key)",
                    self.config.network,
                    hex::encode(e.address.0),
                    hex::encode(self.config.account.0)
                ));
            }
            _ => {}
        }
    }

    fn acknowledgements(&mut self, now: u64) -> Vec<Call> {
        let mut slots = self
            .live
            .iter()
            .filter(|id| self.status(**id).is_some_and(JobStatus::holds_slot))
            .count();
        let mut calls = Vec::new();
        let offered: Vec<Id> = self
            .live
            .iter()
            .filter(|id| matches!(self.status(**id), Some(JobStatus::Offered { .. })))
            .copied()
            .collect();
        for id in offered {
            let job = &self.jobs[&id];
            let (JobStatus::Offered { plan, at }, deadline) = (&job.status, job.ack_deadline())
            else {
                continue;
            };
            if now > deadline {
                self.set(id, JobStatus::Lost("Unacknowledged".into()));
                continue;
            }
            let Some(at) = *at else {
                continue;
            };
            if now < at {
                continue;
            }
            let accept =
                matches!(plan, AckPlan::Accept { .. }) && slots < self.config.max_concurrent;
            slots += usize::from(accept);
            self.set(id, JobStatus::Acknowledging { accept });
            calls.push(Call::Acknowledge { id, accept });
        }
        calls
    }

    fn claim(&mut self, now: u64) -> Vec<Call> {
        let owed = self.ledger.owed;
        if self.claim_in_flight || owed == 0 {
            return Vec::new();
        }
        let ClaimPolicy { at, every_ms } = self.config.claim;
        let reached = at.is_some_and(|at| owed >= at) || owed > MAX_CLAIM;
        let due = every_ms.is_some_and(|every| {
            self.ledger
                .last_claim_ms
                .is_none_or(|last| now >= last.saturating_add(every))
        });
        if reached || due {
            self.claim_in_flight = true;
            vec![Call::Claim]
        } else {
            Vec::new()
        }
    }

    /// Committed jobs the prover must start now.
    pub fn take_starts(&mut self) -> Vec<ProveJob> {
        std::mem::take(&mut self.starts)
    }

    /// The prover's result for `id`, at `now`: the proof's submission, if it is still in time.
    pub fn on_proof(&mut self, id: Id, proof: Result<Vec<u8>, String>, now: u64) -> Option<Call> {
        let job = self.jobs.get(&id)?;
        if job.status != JobStatus::Proving {
            return None;
        }
        let deadline = job.proving_deadline();
        let max_reward = job.max_reward;
        match proof {
            Ok(proof) if now <= deadline && !proof.is_empty() => {
                let requested_reward =
                    max_reward.saturating_mul(u128::from(self.config.price_ppm)) / 1_000_000;
                self.set(id, JobStatus::ProofSent);
                Some(Call::SubmitProof {
                    id,
                    proof,
                    requested_reward,
                })
            }
            Ok(proof) if proof.is_empty() => {
                self.set(
                    id,
                    JobStatus::Lost("the prover returned an empty proof".into()),
                );
                None
            }
            Ok(_) => {
                self.set(
                    id,
                    JobStatus::Lost(format!("the proof came after the deadline {deadline}")),
                );
                None
            }
            Err(reason) => {
                self.set(id, JobStatus::Lost(format!("the prover failed: {reason}")));
                None
            }
        }
    }
}

fn prove_job(job: &Job) -> ProveJob {
    ProveJob {
        id: job.id,
        url: job.url.clone(),
        deadline: job.proving_deadline(),
        max_reward: job.max_reward,
    }
}

impl Machine for Network {
    /// Takes in one closed block: its events, then the acknowledgements due at `now` (the time
    /// the calls execute at) and the claim.
    fn on_block(&mut self, block: (u64, u64), events: &[ManagerEvent], now: u64) -> Vec<Call> {
        for event in events {
            self.on_event(event, block.1);
        }
        self.tick(now)
    }

    /// The acknowledgements due at `now` and the claim: what the machine does between blocks
    /// too.
    fn tick(&mut self, now: u64) -> Vec<Call> {
        if self.stopped.is_some() {
            return Vec::new();
        }
        let mut calls = self.acknowledgements(now);
        calls.extend(self.claim(now));
        calls
    }

    /// What the contract answered to `call`. A claim that executed stays in flight until its
    /// `RewardClaimed` is seen; one the contract refused is over.
    fn on_reply(&mut self, call: &Call, reply: &Reply, _now: u64) {
        let Err(error) = reply else {
            return;
        };
        if matches!(call, Call::Claim) {
            self.claim_in_flight = false;
        }
        if means_done(call, error) {
            return;
        }
        match call {
            Call::Acknowledge { id, .. } => {
                self.notes.push(Note::about(
                    *id,
                    format!("acknowledging {id} failed: {error:?}"),
                ));
                self.set(
                    *id,
                    JobStatus::Lost(format!("acknowledgement refused: {error:?}")),
                );
            }
            Call::SubmitProof { id, .. } => {
                self.notes.push(Note::about(
                    *id,
                    format!("submitting the proof of {id} failed: {error:?}"),
                ));
                self.set(*id, JobStatus::Lost(format!("proof refused: {error:?}")));
            }
            call => self.notes.push(Note::general(format!(
                "{} failed: {error:?}",
                call.message()
            ))),
        }
    }

    /// A call the chain never executed: its job is lost, or a claim may be decided again.
    fn on_abandoned(&mut self, call: &Call, reason: &str) {
        match call {
            Call::Acknowledge { id, .. } | Call::SubmitProof { id, .. } => {
                if self.status(*id).is_some_and(|s| !s.is_final()) {
                    let what = call.message();
                    self.set(*id, JobStatus::Lost(format!("{what} abandoned: {reason}")));
                }
            }
            Call::Claim => self.claim_in_flight = false,
            _ => {}
        }
    }

    fn take_claimed(&mut self) -> Vec<u128> {
        std::mem::take(&mut self.claimed)
    }

    fn stopped(&self) -> Option<String> {
        self.stopped.clone()
    }

    fn take_observations(&mut self) -> Vec<Observation> {
        std::mem::take(&mut self.observations)
    }

    /// What changed since the last call, to be written with the block's calls.
    fn take_changes(&mut self) -> Changes {
        let mut rows: Vec<Row> = std::mem::take(&mut self.dirty)
            .into_iter()
            .filter_map(|id| self.jobs.get(&id))
            .map(|job| Row {
                kind: KIND,
                key: format!("{:020}:{:020}", job.id.chain_id, job.id.block_number),
                status: job.status.label().to_string(),
                body: serde_json::to_string(job).expect("a job serializes"),
            })
            .collect();
        if std::mem::take(&mut self.ledger_dirty) {
            rows.push(Row {
                kind: LEDGER,
                key: "ledger".into(),
                status: "owed".into(),
                body: serde_json::to_string(&self.ledger).expect("the ledger serializes"),
            });
        }
        Changes {
            rows,
            fallbacks: Vec::new(),
            code_hash: None,
        }
    }

    fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }
}
