//! Request timelines rebuilt from the stored events and their block times, with the contract's
//! own deadline rules, plus the events that are not about one request (claims, preferred-network
//! and status changes) and whatever could not be read, events and blocks.

use std::collections::HashMap;

use proof_manager::{
    EventDecodeError, ManagerEvent, ProofRequestStatus, ProvingNetwork, ProvingNetworkStatus,
    ACK_TIMEOUT,
};

use crate::error::Result;
use crate::store::{Store, StoredEvent, UndecodableBlock, Window};

/// Where an event sits in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct At {
    pub block_number: u64,
    pub event_index: u32,
    pub time_ms: u64,
}

/// One proof request as its events tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTimeline {
    pub chain_id: u64,
    pub block_number: u64,
    /// The request counter at submission.
    pub request_id: u64,
    pub assigned_to: Option<ProvingNetwork>,
    /// Stored as Refused at submission: the assignee was inactive or missing.
    pub refused_at_assignment: bool,
    pub submitted: At,
    pub timeout_after: u64,
    pub max_reward: u128,
    /// When the assignee answered, and whether it accepted.
    pub acknowledged: Option<(At, bool)>,
    /// When the proof came, and the reward it asked for (already capped at `max_reward`).
    pub proven: Option<(At, u128)>,
    /// When the submitter recorded the verdict, and whether the proof was valid.
    pub validated: Option<(At, bool)>,
    /// A `ProofRequestExpired` seen for the request (the outcome does not depend on it).
    pub expired: Option<(At, ProofRequestStatus)>,
}

/// Where a request stands at the end of the observed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    RefusedAtAssignment,
    Refused,
    /// Still PendingAcknowledgement after its acknowledgement deadline.
    Unacknowledged,
    /// PendingAcknowledgement, and its acknowledgement deadline is not passed at the window end.
    OpenPending,
    /// Committed with no proof after its proving deadline.
    TimedOut,
    /// Committed, and its proving deadline is not passed at the window end.
    OpenCommitted,
    /// Proven; no verdict yet.
    Proven,
    Validated,
    ValidationFailed,
}

impl RequestTimeline {
    /// The acknowledgement deadline, as the contract computes it.
    pub fn ack_deadline(&self) -> u64 {
        self.submitted.time_ms.saturating_add(ACK_TIMEOUT)
    }

    /// The proving deadline, as the contract computes it.
    pub fn proving_deadline(&self) -> u64 {
        self.submitted.time_ms.saturating_add(self.timeout_after)
    }

    /// The request's standing at `now`: a deadline `d` has passed once `now > d`, whether or not
    /// anyone marked or purged the request.
    pub fn outcome(&self, now: u64) -> Outcome {
        if self.refused_at_assignment {
            return Outcome::RefusedAtAssignment;
        }
        match (self.acknowledged, self.proven, self.validated) {
            (None, ..) if now > self.ack_deadline() => Outcome::Unacknowledged,
            (None, ..) => Outcome::OpenPending,
            (Some((_, false)), ..) => Outcome::Refused,
            (Some(_), None, _) if now > self.proving_deadline() => Outcome::TimedOut,
            (Some(_), None, _) => Outcome::OpenCommitted,
            (Some(_), Some(_), None) => Outcome::Proven,
            (Some(_), Some(_), Some((_, true))) => Outcome::Validated,
            (Some(_), Some(_), Some((_, false))) => Outcome::ValidationFailed,
        }
    }
}

/// An event that changed a setting: when, and to what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change<T> {
    pub at: At,
    pub value: T,
}

/// A `RewardClaimed` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub at: At,
    pub network: ProvingNetwork,
    pub amount: u128,
}

/// Why a stored event was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// Its signature topic is no event of this contract (or it had none).
    Unknown(Option<[u8; 32]>),
    /// A known signature whose data is not that event.
    Malformed { event: &'static str, reason: String },
}

/// An event the auditor could not use, and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped<T> {
    pub at: At,
    pub what: T,
}

/// Everything the report needs from the store's events.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// In submission order.
    pub requests: Vec<RequestTimeline>,
    index: HashMap<(u64, u64), usize>,
    pub claims: Vec<Claim>,
    pub preferred_changes: Vec<Change<Option<ProvingNetwork>>>,
    pub status_changes: Vec<Change<(ProvingNetwork, ProvingNetworkStatus)>>,
    pub unread: Vec<Skipped<Unread>>,
    /// Events about a request whose submission is before the observed window.
    pub orphans: Vec<Skipped<&'static str>>,
    /// Events the contract would not have emitted after the ones before them (a doctored log):
    /// left out of the timelines.
    pub inconsistent: Vec<Skipped<String>>,
    /// Blocks whose events did not all decode: contract events of them may be missing.
    pub undecodable: Vec<UndecodableBlock>,
    pub window: Option<Window>,
}

impl History {
    /// Reads and decodes every stored event, once, in chain order.
    pub fn load(store: &Store) -> Result<Self> {
        let mut history = History {
            window: store.window()?,
            undecodable: store.undecodable_blocks()?,
            ..History::default()
        };
        store.for_each_event(|event| {
            history.push_stored(&event);
            Ok(())
        })?;
        Ok(history)
    }

    /// Adds one stored event, decoding it with the contract's decoder.
    pub fn push_stored(&mut self, event: &StoredEvent<'_>) {
        let at = At {
            block_number: event.block_number,
            event_index: event.event_index,
            time_ms: event.block_time_ms,
        };
        match event.decode() {
            Ok(decoded) => self.push(at, decoded),
            Err(EventDecodeError::Malformed { event, reason }) => self.unread.push(Skipped {
                at,
                what: Unread::Malformed { event, reason },
            }),
            Err(EventDecodeError::UnknownSignature(signature)) => self.unread.push(Skipped {
                at,
                what: Unread::Unknown(Some(signature)),
            }),
            Err(EventDecodeError::NoSignature) => self.unread.push(Skipped {
                at,
                what: Unread::Unknown(None),
            }),
        }
    }

    /// The request with this id, if its submission was seen.
    pub fn request(&self, chain_id: u64, block_number: u64) -> Option<&RequestTimeline> {
        self.index
            .get(&(chain_id, block_number))
            .map(|&i| &self.requests[i])
    }

    fn inconsistent(&mut self, at: At, why: String) {
        self.inconsistent.push(Skipped { at, what: why });
    }

    /// The request an event names, after checking that it was seen and that the event names its
    /// assignee.
    fn target(
        &mut self,
        at: At,
        event: &'static str,
        id: (u64, u64),
        network: ProvingNetwork,
    ) -> Option<usize> {
        let Some(&i) = self.index.get(&id) else {
            self.orphans.push(Skipped { at, what: event });
            return None;
        };
        if self.requests[i].assigned_to != Some(network) {
            let assigned = self.requests[i].assigned_to;
            self.inconsistent(
                at,
                format!(
                    "{event} of ({}, {}) names {network:?}, the request is assigned to {assigned:?}",
                    id.0, id.1
                ),
            );
            return None;
        }
        Some(i)
    }

    /// Adds one decoded event.
    pub fn push(&mut self, at: At, event: ManagerEvent) {
        match event {
            ManagerEvent::ProofRequestSubmitted(e) => {
                let id = (e.chain_id, e.block_number);
                if self.index.contains_key(&id) {
                    self.inconsistent(
                        at,
                        format!("second ProofRequestSubmitted of ({}, {})", id.0, id.1),
                    );
                    return;
                }
                let refused_at_assignment = match e.status {
                    ProofRequestStatus::Refused => true,
                    ProofRequestStatus::PendingAcknowledgement => false,
                    other => {
                        self.inconsistent(
                            at,
                            format!(
                                "ProofRequestSubmitted of ({}, {}) with status {other:?}",
                                id.0, id.1
                            ),
                        );
                        return;
                    }
                };
                self.index.insert(id, self.requests.len());
                self.requests.push(RequestTimeline {
                    chain_id: e.chain_id,
                    block_number: e.block_number,
                    request_id: e.request_id,
                    assigned_to: e.assigned_to,
                    refused_at_assignment,
                    submitted: at,
                    timeout_after: e.timeout_after,
                    max_reward: e.max_reward,
                    acknowledged: None,
                    proven: None,
                    validated: None,
                    expired: None,
                });
            }
            ManagerEvent::ProofRequestAcknowledged(e) => {
                let id = (e.chain_id, e.block_number);
                let Some(i) = self.target(at, "ProofRequestAcknowledged", id, e.assigned_to) else {
                    return;
                };
                let request = &self.requests[i];
                if request.refused_at_assignment || request.acknowledged.is_some() {
                    self.inconsistent(
                        at,
                        format!(
                            "ProofRequestAcknowledged of ({}, {}) not pending",
                            id.0, id.1
                        ),
                    );
                } else if at.time_ms > request.ack_deadline() {
                    let deadline = request.ack_deadline();
                    self.inconsistent(
                        at,
                        format!(
                            "ProofRequestAcknowledged of ({}, {}) after its deadline {deadline}",
                            id.0, id.1
                        ),
                    );
                } else {
                    self.requests[i].acknowledged = Some((at, e.accepted));
                }
            }
            ManagerEvent::ProofRequestProven(e) => {
                let id = (e.chain_id, e.block_number);
                let Some(i) = self.target(at, "ProofRequestProven", id, e.assigned_to) else {
                    return;
                };
                let request = &self.requests[i];
                if request.acknowledged.map(|(_, accepted)| accepted) != Some(true)
                    || request.proven.is_some()
                {
                    self.inconsistent(
                        at,
                        format!("ProofRequestProven of ({}, {}) not committed", id.0, id.1),
                    );
                } else if at.time_ms > request.proving_deadline() {
                    let deadline = request.proving_deadline();
                    self.inconsistent(
                        at,
                        format!(
                            "ProofRequestProven of ({}, {}) after its deadline {deadline}",
                            id.0, id.1
                        ),
                    );
                } else {
                    self.requests[i].proven = Some((at, e.requested_reward));
                }
            }
            ManagerEvent::ProofValidationResult(e) => {
                let id = (e.chain_id, e.block_number);
                let Some(i) = self.target(at, "ProofValidationResult", id, e.assigned_to) else {
                    return;
                };
                let request = &self.requests[i];
                if request.proven.is_none() || request.validated.is_some() {
                    self.inconsistent(
                        at,
                        format!("ProofValidationResult of ({}, {}) not proven", id.0, id.1),
                    );
                } else {
                    self.requests[i].validated = Some((at, e.is_proof_valid));
                }
            }
            ManagerEvent::ProofRequestExpired(e) => {
                let id = (e.chain_id, e.block_number);
                let Some(i) = self.target(at, "ProofRequestExpired", id, e.assigned_to) else {
                    return;
                };
                let request = &self.requests[i];
                let fits = match e.status {
                    ProofRequestStatus::Unacknowledged => {
                        request.outcome(at.time_ms) == Outcome::Unacknowledged
                    }
                    ProofRequestStatus::TimedOut => {
                        request.outcome(at.time_ms) == Outcome::TimedOut
                    }
                    _ => false,
                };
                if !fits || request.expired.is_some() {
                    self.inconsistent(
                        at,
                        format!(
                            "ProofRequestExpired({:?}) of ({}, {}) does not match its timeline",
                            e.status, id.0, id.1
                        ),
                    );
                } else {
                    self.requests[i].expired = Some((at, e.status));
                }
            }
            ManagerEvent::RewardClaimed(e) => self.claims.push(Claim {
                at,
                network: e.by,
                amount: e.amount,
            }),
            ManagerEvent::PreferredProvingNetworkUpdated(e) => {
                self.preferred_changes.push(Change {
                    at,
                    value: e.proving_network,
                })
            }
            ManagerEvent::ProvingNetworkStatusUpdated(e) => self.status_changes.push(Change {
                at,
                value: (e.proving_network, e.status),
            }),
            ManagerEvent::FundsWithdrawn(_)
            | ManagerEvent::ProvingNetworkAddressUpdated(_)
            | ManagerEvent::SubmitterUpdated(_)
            | ManagerEvent::AdminTransferStarted(_)
            | ManagerEvent::AdminTransferred(_)
            | ManagerEvent::CodeUpgraded(_) => {}
        }
    }

    /// The preferred network at the window's end: `None` when no change was observed, else the
    /// last one's value.
    pub fn current_preferred(&self) -> Option<Option<ProvingNetwork>> {
        self.preferred_changes.last().map(|c| c.value)
    }

    /// A network's status at the window's end, if a change of it was observed.
    pub fn current_status(&self, network: ProvingNetwork) -> Option<ProvingNetworkStatus> {
        self.status_changes
            .iter()
            .rev()
            .find(|c| c.value.0 == network)
            .map(|c| c.value.1)
    }
}
