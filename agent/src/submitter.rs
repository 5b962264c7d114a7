//! The operator's submitter service as a pure state machine: (its batches, a block's events,
//! the time) → calls. It sends every queued batch, watches what the networks do, hands each
//! batch the networks will not deliver back to the operator (a fallback, recorded once), checks
//! each proof through a verifier, records the verdict, and marks expired requests.

use std::collections::{BTreeMap, BTreeSet};

use proof_manager::{
    Error, ManagerEvent, ProofRequestStatus, ACK_TIMEOUT, MAX_PROOF_INPUTS_URL_LEN,
};
use serde::{Deserialize, Serialize};

use crate::call::{means_done, Call, Id, Params, Reply};
use crate::metrics::{Deadline, Observation};
use crate::network::Net;
use crate::note::Note;
use crate::runner::Machine;
use crate::store::{Changes, Fallback, Row};

/// The row kind of batches in the store.
pub const KIND: &str = "batch";

/// What every submission asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitterConfig {
    pub protocol: (u32, u32, u32),
    /// Proving window (ms).
    pub timeout_after: u64,
    pub max_reward: u128,
    /// After `NoFundsAvailable`, how long (chain time, ms) the queue waits before trying again
    /// when none of its requests left the contract's reservation meanwhile (funds can also
    /// arrive unseen, as token transfers to the contract).
    pub funds_retry_ms: u64,
}

/// Why a batch went back to the operator's own prover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    /// Assigned to an inactive network, or to the preferred one while none was set.
    RefusedAtAssignment,
    /// The network refused it.
    Refused,
    Unacknowledged,
    TimedOut,
    ValidationFailed,
    /// The contract refused the submission itself for a reason that retrying cannot change.
    SubmissionRefused(String),
    /// The chain never executed the call the batch needed (its submission or its verdict),
    /// through every attempt.
    CallAbandoned {
        message: String,
        reason: String,
    },
}

impl Reason {
    pub fn label(&self) -> String {
        match self {
            Reason::RefusedAtAssignment => "refused at assignment".into(),
            Reason::Refused => "refused by the network".into(),
            Reason::Unacknowledged => "unacknowledged".into(),
            Reason::TimedOut => "timed out".into(),
            Reason::ValidationFailed => "validation failed".into(),
            Reason::SubmissionRefused(why) => format!("submission refused: {why}"),
            Reason::CallAbandoned { message, reason } => {
                format!("{message} abandoned: {reason}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Waiting to be submitted.
    Queued,
    /// Submitted; waiting for its `ProofRequestSubmitted`.
    Sent,
    /// Waiting for the assignee's acknowledgement.
    Pending,
    /// Waiting for the proof.
    Committed,
    /// A proof to verify.
    Proven,
    /// The verdict is sent; waiting for its `ProofValidationResult`.
    Verdict(bool),
    /// Done: the network's proof is valid.
    Validated,
    /// Done: the operator proves it itself.
    Fallback(Reason),
}

impl Status {
    fn is_final(&self) -> bool {
        matches!(self, Status::Validated | Status::Fallback(_))
    }

    fn label(&self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sent => "sent",
            Status::Pending => "pending",
            Status::Committed => "committed",
            Status::Proven => "proven",
            Status::Verdict(_) => "verdict sent",
            Status::Validated => "validated",
            Status::Fallback(_) => "fallback",
        }
    }
}

/// One batch of the operator's rollup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub id: Id,
    pub params: Params,
    pub status: Status,
    pub assigned_to: Option<Net>,
    /// The block time of its `ProofRequestSubmitted`.
    pub submitted_at: Option<u64>,
    /// The block time of its acknowledgement, once committed.
    #[serde(default)]
    pub acknowledged_at: Option<u64>,
}

impl Batch {
    /// What the batch is waiting for, for `status`.
    pub fn waiting_for(&self) -> String {
        let deadline = |after: u64| self.submitted_at.map_or(0, |at| at.saturating_add(after));
        let network = self
            .assigned_to
            .map_or("no network".to_string(), |n| format!("{n:?}"));
        match &self.status {
            Status::Queued => "submission (funds or the next step)".into(),
            Status::Sent => "its ProofRequestSubmitted event".into(),
            Status::Pending => format!("{network} to acknowledge by {} ms", deadline(ACK_TIMEOUT)),
            Status::Committed => format!(
                "{network}'s proof by {} ms",
                deadline(self.params.timeout_after)
            ),
            Status::Proven => "verification".into(),
            Status::Verdict(valid) => format!("its ProofValidationResult (valid: {valid})"),
            Status::Validated => "nothing: validated".into(),
            Status::Fallback(reason) => format!("nothing: fell back ({})", reason.label()),
        }
    }
}

/// Why a batch cannot be queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnqueueError {
    #[error("batch {0} is already known to the submitter")]
    Duplicate(Id),
    #[error("the inputs URL of batch {id} is {len} bytes, over the contract's {max}")]
    UrlTooLong { id: Id, len: usize, max: u32 },
    #[error("the inputs URL of batch {0} is empty")]
    EmptyUrl(Id),
}

pub struct Submitter {
    config: SubmitterConfig,
    batches: BTreeMap<Id, Batch>,
    /// Batches that are not final, so that each block looks only at those.
    live: BTreeSet<Id>,
    /// Queued batches in the order they were queued (ties by id).
    queue: Vec<Id>,
    dirty: BTreeSet<Id>,
    fallbacks: Vec<Fallback>,
    /// Since when (chain time) the queue waits for funds; `None` when it does not.
    funds_blocked_since: Option<u64>,
    /// Whether one of the batches left the contract's reservation since the queue blocked.
    funds_freed: bool,
    notes: Vec<Note>,
    observations: Vec<Observation>,
    /// The block being processed: what fallbacks record.
    block: (u64, u64),
}

impl Submitter {
    /// The machine over `batches` (loaded from the store).
    pub fn new(config: SubmitterConfig, batches: impl IntoIterator<Item = Batch>) -> Self {
        let batches: BTreeMap<Id, Batch> = batches.into_iter().map(|b| (b.id, b)).collect();
        let live = batches
            .values()
            .filter(|b| !b.status.is_final())
            .map(|b| b.id)
            .collect();
        let queue = batches
            .values()
            .filter(|b| b.status == Status::Queued)
            .map(|b| b.id)
            .collect();
        Submitter {
            config,
            batches,
            live,
            queue,
            dirty: BTreeSet::new(),
            fallbacks: Vec::new(),
            funds_blocked_since: None,
            funds_freed: false,
            notes: Vec::new(),
            observations: Vec::new(),
            block: (0, 0),
        }
    }

    pub fn batches(&self) -> impl Iterator<Item = &Batch> {
        self.batches.values()
    }

    pub fn batch(&self, id: Id) -> Option<&Batch> {
        self.batches.get(&id)
    }

    /// Takes in a batch another process queued in the store (`enqueue` on the command line).
    pub fn adopt(&mut self, batch: Batch) {
        if self.batches.contains_key(&batch.id) {
            return;
        }
        if !batch.status.is_final() {
            self.live.insert(batch.id);
        }
        if batch.status == Status::Queued {
            self.queue.push(batch.id);
        }
        self.batches.insert(batch.id, batch);
    }

    /// Keeps a message for the operator.
    pub fn note(&mut self, note: Note) {
        self.notes.push(note);
    }

    /// Queues a batch ready to be proven.
    ///
    /// # Errors
    /// `Duplicate`, `EmptyUrl`, `UrlTooLong`: nothing is queued.
    pub fn enqueue(&mut self, id: Id, url: &str) -> Result<(), EnqueueError> {
        if self.batches.contains_key(&id) {
            return Err(EnqueueError::Duplicate(id));
        }
        if url.is_empty() {
            return Err(EnqueueError::EmptyUrl(id));
        }
        if url.len() > MAX_PROOF_INPUTS_URL_LEN as usize {
            return Err(EnqueueError::UrlTooLong {
                id,
                len: url.len(),
                max: MAX_PROOF_INPUTS_URL_LEN,
            });
        }
        let params = Params {
            protocol: self.config.protocol,
            url: url.to_string(),
            timeout_after: self.config.timeout_after,
            max_reward: self.config.max_reward,
        };
        self.batches.insert(
            id,
            Batch {
                id,
                params,
                status: Status::Queued,
                assigned_to: None,
                submitted_at: None,
                acknowledged_at: None,
            },
        );
        self.live.insert(id);
        self.queue.push(id);
        self.dirty.insert(id);
        Ok(())
    }

    fn set(&mut self, id: Id, status: Status) {
        let Some(batch) = self.batches.get_mut(&id) else {
            return;
        };
        if batch.status == status {
            return;
        }
        if let Status::Fallback(reason) = &status {
            let missed = match reason {
                Reason::Unacknowledged => Some(Deadline::Acknowledgement),
                Reason::TimedOut => Some(Deadline::Proving),
                _ => None,
            };
            self.observations
                .extend(missed.map(Observation::DeadlineMissed));
            self.fallbacks.push(Fallback {
                id,
                reason: reason.label(),
                block: self.block.0,
                time_ms: self.block.1,
            });
        }
        let leaves_reservation = matches!(batch.status, Status::Pending | Status::Committed)
            && !matches!(status, Status::Pending | Status::Committed);
        self.funds_freed |= leaves_reservation;
        if status.is_final() {
            self.live.remove(&id);
        }
        if status == Status::Queued {
            self.queue.push(id);
        }
        batch.status = status;
        self.dirty.insert(id);
    }

    fn status(&self, id: Id) -> Option<&Status> {
        self.batches.get(&id).map(|b| &b.status)
    }

    fn on_event(&mut self, event: &ManagerEvent, time_ms: u64) {
        let id = |chain_id, block_number| Id {
            chain_id,
            block_number,
        };
        match event {
            ManagerEvent::ProofRequestSubmitted(e) => {
                let id = id(e.chain_id, e.block_number);
                if !matches!(self.status(id), Some(Status::Queued | Status::Sent)) {
                    return;
                }
                if let Some(batch) = self.batches.get_mut(&id) {
                    batch.submitted_at = Some(time_ms);
                    batch.assigned_to = e.assigned_to.map(Net::from);
                }
                self.queue.retain(|queued| *queued != id);
                let status = match e.status {
                    ProofRequestStatus::Refused => Status::Fallback(Reason::RefusedAtAssignment),
                    _ => Status::Pending,
                };
                self.set(id, status);
            }
            ManagerEvent::ProofRequestAcknowledged(e) => {
                let id = id(e.chain_id, e.block_number);
                if let Some(batch) = self.batches.get_mut(&id) {
                    let network = format!("{:?}", Net::from(e.assigned_to));
                    let ms = time_ms.saturating_sub(batch.submitted_at.unwrap_or(time_ms));
                    self.observations
                        .push(Observation::Acknowledged { network, ms });
                    batch.acknowledged_at = e.accepted.then_some(time_ms);
                }
                if self.status(id) == Some(&Status::Pending) {
                    let status = if e.accepted {
                        Status::Committed
                    } else {
                        Status::Fallback(Reason::Refused)
                    };
                    self.set(id, status);
                }
            }
            ManagerEvent::ProofRequestProven(e) => {
                let id = id(e.chain_id, e.block_number);
                if let Some(batch) = self.batches.get_mut(&id) {
                    if let Some(acknowledged) = batch.acknowledged_at {
                        let network = format!("{:?}", Net::from(e.assigned_to));
                        let ms = time_ms.saturating_sub(acknowledged);
                        self.observations.push(Observation::Proven { network, ms });
                    }
                }
                if self.status(id) == Some(&Status::Committed) {
                    self.set(id, Status::Proven);
                }
            }
            ManagerEvent::ProofValidationResult(e) => {
                let id = id(e.chain_id, e.block_number);
                if matches!(self.status(id), Some(Status::Proven | Status::Verdict(_))) {
                    let status = if e.is_proof_valid {
                        Status::Validated
                    } else {
                        Status::Fallback(Reason::ValidationFailed)
                    };
                    self.set(id, status);
                }
            }
            ManagerEvent::ProofRequestExpired(e) => {
                let id = id(e.chain_id, e.block_number);
                let reason = match e.status {
                    ProofRequestStatus::Unacknowledged => Reason::Unacknowledged,
                    _ => Reason::TimedOut,
                };
                if matches!(self.status(id), Some(Status::Pending | Status::Committed)) {
                    self.set(id, Status::Fallback(reason));
                }
            }
            _ => {}
        }
    }

    /// Batches whose deadline passed by `now`: each falls back and is marked on chain (the
    /// purge may have done it first; the mark then answers that it is done).
    fn expire(&mut self, now: u64) -> Vec<Call> {
        let mut calls = Vec::new();
        let live: Vec<Id> = self.live.iter().copied().collect();
        for id in live {
            let Some(batch) = self.batches.get(&id) else {
                continue;
            };
            let Some(at) = batch.submitted_at else {
                continue;
            };
            match batch.status {
                Status::Pending if now > at.saturating_add(ACK_TIMEOUT) => {
                    self.set(id, Status::Fallback(Reason::Unacknowledged));
                    calls.push(Call::MarkUnacknowledged { id });
                }
                Status::Committed if now > at.saturating_add(batch.params.timeout_after) => {
                    self.set(id, Status::Fallback(Reason::TimedOut));
                    calls.push(Call::MarkTimedOut { id });
                }
                _ => {}
            }
        }
        calls
    }

    /// Submissions of the queued batches, unless the queue waits for funds.
    fn submissions(&mut self, now: u64) -> Vec<Call> {
        if let Some(since) = self.funds_blocked_since {
            let retry = now >= since.saturating_add(self.config.funds_retry_ms);
            if !(self.funds_freed || retry) {
                return Vec::new();
            }
            self.funds_blocked_since = None;
        }
        let queue = std::mem::take(&mut self.queue);
        let mut calls = Vec::new();
        for id in queue {
            if self.status(id) != Some(&Status::Queued) {
                continue;
            }
            let params = self.batches[&id].params.clone();
            self.set(id, Status::Sent);
            calls.push(Call::Submit { id, params });
        }
        calls
    }

    /// Proven batches whose proof waits for a verdict.
    pub fn to_verify(&self) -> Vec<Id> {
        self.live
            .iter()
            .filter(|id| self.status(**id) == Some(&Status::Proven))
            .copied()
            .collect()
    }

    /// The verifier's verdict on `id`: the call that records it.
    pub fn on_verdict(&mut self, id: Id, valid: bool) -> Option<Call> {
        if self.status(id) != Some(&Status::Proven) {
            return None;
        }
        self.set(id, Status::Verdict(valid));
        Some(Call::Validate { id, valid })
    }
}

impl Machine for Submitter {
    /// Takes in one closed block: its events, then the deadlines at the block's time, then the
    /// queue at `now` (the time the calls execute at). A deadline is judged at the block, not
    /// at `now`: while the cursor trails the head, a block not read yet may hold the
    /// acknowledgement or the proof that met it, and the batch would fall back for the wrong
    /// reason.
    fn on_block(&mut self, block: (u64, u64), events: &[ManagerEvent], now: u64) -> Vec<Call> {
        self.block = block;
        for event in events {
            self.on_event(event, block.1);
        }
        let mut calls = self.expire(block.1);
        calls.extend(self.submissions(now));
        calls
    }

    /// The deadlines at `now`, then the queue: what the machine does between blocks too (a
    /// dev node seals a block only when a transaction arrives).
    fn tick(&mut self, now: u64) -> Vec<Call> {
        let mut calls = self.expire(now);
        calls.extend(self.submissions(now));
        calls
    }

    fn on_reply(&mut self, call: &Call, reply: &Reply, now: u64) {
        let Err(error) = reply else {
            return;
        };
        if means_done(call, error) {
            return;
        }
        match (call, error) {
            (Call::Submit { id, .. }, Error::NoFundsAvailable) => {
                if self.funds_blocked_since.is_none() {
                    self.notes.push(Note::about(
                        *id,
                        format!(
                            "no funds for another request (NoFundsAvailable): batch {id} and \
                             the rest of the queue wait until a request leaves the reservation \
                             or {} s pass",
                            self.config.funds_retry_ms / 1000
                        ),
                    ));
                }
                self.funds_blocked_since = Some(now);
                self.funds_freed = false;
                self.set(*id, Status::Queued);
            }
            (Call::Submit { id, .. }, error) => {
                self.notes.push(Note::about(
                    *id,
                    format!("the contract refused batch {id}: {error:?}"),
                ));
                self.set(
                    *id,
                    Status::Fallback(Reason::SubmissionRefused(format!("{error:?}"))),
                );
            }
            (Call::Validate { id, .. }, error) => {
                self.notes.push(Note::about(
                    *id,
                    format!("recording the verdict on {id} failed: {error:?}"),
                ));
            }
            (call, error) => self.notes.push(Note {
                request: call.id(),
                text: format!("{} failed: {error:?}", call.message()),
            }),
        }
    }

    /// A submission or a verdict the chain never executed hands its batch back to the
    /// operator; an abandoned mark changes nothing (its batch fell back when it was decided).
    fn on_abandoned(&mut self, call: &Call, reason: &str) {
        let (Call::Submit { id, .. } | Call::Validate { id, .. }) = call else {
            return;
        };
        if self.status(*id).is_some_and(|status| !status.is_final()) {
            let reason = Reason::CallAbandoned {
                message: call.message().into(),
                reason: reason.into(),
            };
            self.set(*id, Status::Fallback(reason));
        }
    }

    fn take_observations(&mut self) -> Vec<Observation> {
        std::mem::take(&mut self.observations)
    }

    /// What changed since the last call, to be written with the block's calls.
    fn take_changes(&mut self) -> Changes {
        let rows = std::mem::take(&mut self.dirty)
            .into_iter()
            .filter_map(|id| self.batches.get(&id))
            .map(|batch| Row {
                kind: KIND,
                key: format!("{:020}:{:020}", batch.id.chain_id, batch.id.block_number),
                status: batch.status.label().to_string(),
                body: serde_json::to_string(batch).expect("a batch serializes"),
            })
            .collect();
        Changes {
            rows,
            fallbacks: std::mem::take(&mut self.fallbacks),
            code_hash: None,
        }
    }

    /// Messages for the operator since the last call (each said once).
    fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }
}
