//! The model's state and its views: the roles, both networks with their ledgers, every request,
//! and the indexes that keep each call O(log n) (in-flight deadlines, proven and owed sums).

use std::collections::{BTreeMap, BTreeSet};

use ink::primitives::{AccountId, Hash};
use proof_manager::{
    ManagerEvent, ProofRequest, ProofRequestIdentifier, ProofRequestStatus as Status,
    ProvingNetwork, ProvingNetworkInfo, ProvingNetworkStatus, ACK_TIMEOUT,
};

use super::{key, Key, Params, Token};
use crate::proof_of;

#[derive(Clone, Debug)]
pub struct Network {
    pub address: AccountId,
    pub status: ProvingNetworkStatus,
    /// Validated rewards in validation order; the first `paid` are settled.
    pub ledger: Vec<u128>,
    pub paid: usize,
    /// The sum of `ledger[paid..]`.
    pub(crate) owed: u128,
}

impl Network {
    pub fn owed(&self) -> u128 {
        self.owed
    }
}

#[derive(Clone, Debug)]
pub struct Request {
    pub params: Params,
    /// The stored status; `Model::status` derives the one `proof_request` reports.
    pub status: Status,
    pub assigned_to: Option<ProvingNetwork>,
    pub submitted_at: u64,
    pub request_id: u64,
    pub reward: u128,
    pub proof_len: usize,
    /// Position in the assignee's ledger, once Validated.
    pub ledger_index: usize,
}

impl Request {
    pub fn ack_deadline(&self) -> u64 {
        self.submitted_at + ACK_TIMEOUT
    }

    pub fn proving_deadline(&self) -> u64 {
        self.submitted_at + self.params.timeout_after
    }

    /// The deadline of a request the funds guard reserves for; `None` when it is not in flight.
    pub(crate) fn in_flight_deadline(&self) -> Option<u64> {
        match self.status {
            Status::PendingAcknowledgement => Some(self.ack_deadline()),
            Status::Committed => Some(self.proving_deadline()),
            _ => None,
        }
    }
}

/// What a freshly deployed manager and its tokens look like.
#[derive(Clone, Debug)]
pub struct Setup {
    pub now: u64,
    pub manager: AccountId,
    pub usdc: AccountId,
    pub other_token: AccountId,
    /// Code hashes `set_code` accepts.
    pub uploaded_codes: Vec<Hash>,
    /// The code the manager runs.
    pub code: Hash,
    pub admin: AccountId,
    pub submitter: AccountId,
    /// Fermah's and Lagrange's keys; both start Active, with no preferred network.
    pub networks: [AccountId; 2],
}

#[derive(Clone, Debug)]
pub struct Model {
    pub now: u64,
    pub manager: AccountId,
    pub usdc: AccountId,
    pub other_token: AccountId,
    pub uploaded_codes: Vec<Hash>,
    pub code: Hash,
    pub admin: AccountId,
    pub pending_admin: Option<AccountId>,
    pub submitter: AccountId,
    /// Fermah, Lagrange.
    pub networks: [Network; 2],
    pub preferred: Option<ProvingNetwork>,
    pub counter: u64,
    pub requests: BTreeMap<Key, Request>,
    pub payment: Token,
    pub other: Token,
    /// In-flight requests by (deadline, request counter): the contract's deadline index.
    pub(crate) deadlines: BTreeSet<(u64, u64, Key)>,
    /// The rewards of Proven requests.
    pub(crate) proven_total: u128,
    /// Events of accepted calls not yet taken.
    pub(crate) events: Vec<ManagerEvent>,
}

pub(crate) fn index(network: ProvingNetwork) -> usize {
    match network {
        ProvingNetwork::Fermah => 0,
        ProvingNetwork::Lagrange => 1,
    }
}

impl Model {
    pub fn new(setup: Setup) -> Self {
        let network = |address: AccountId| Network {
            address,
            status: ProvingNetworkStatus::Active,
            ledger: Vec::new(),
            paid: 0,
            owed: 0,
        };
        Model {
            now: setup.now,
            manager: setup.manager,
            usdc: setup.usdc,
            other_token: setup.other_token,
            uploaded_codes: setup.uploaded_codes,
            code: setup.code,
            admin: setup.admin,
            pending_admin: None,
            submitter: setup.submitter,
            networks: setup.networks.map(network),
            preferred: None,
            counter: 0,
            requests: BTreeMap::new(),
            payment: Token::default(),
            other: Token::default(),
            deadlines: BTreeSet::new(),
            proven_total: 0,
            events: Vec::new(),
        }
    }

    pub fn network(&self, network: ProvingNetwork) -> &Network {
        &self.networks[index(network)]
    }

    /// The events the calls accepted since the last take emitted, in order.
    pub fn take_events(&mut self) -> Vec<ManagerEvent> {
        std::mem::take(&mut self.events)
    }

    /// Drops the events not yet taken (a caller that does not read them).
    pub fn clear_events(&mut self) {
        self.events.clear();
    }

    /// What `proof_request` reports: expired once `now` is past the deadline, Paid once the
    /// ledger's paid cursor is past the request.
    pub fn status(&self, request: &Request) -> Status {
        match (request.status, request.assigned_to) {
            (Status::PendingAcknowledgement, _) if self.now > request.ack_deadline() => {
                Status::Unacknowledged
            }
            (Status::Committed, _) if self.now > request.proving_deadline() => Status::TimedOut,
            (Status::Validated, Some(n)) if request.ledger_index < self.network(n).paid => {
                Status::Paid
            }
            (status, _) => status,
        }
    }

    /// The status `proof_request` reports for `id`, without building the request.
    pub fn status_of(&self, id: ProofRequestIdentifier) -> Option<Status> {
        self.requests.get(&key(id)).map(|r| self.status(r))
    }

    pub fn proof_request(&self, id: ProofRequestIdentifier) -> Option<ProofRequest> {
        let request = self.requests.get(&key(id))?;
        let params = request.params.to_contract();
        Some(ProofRequest {
            protocol_major: params.protocol_major,
            protocol_minor: params.protocol_minor,
            protocol_patch: params.protocol_patch,
            proof_inputs_url: params.proof_inputs_url,
            status: self.status(request),
            assigned_to: request.assigned_to,
            submitted_at: request.submitted_at,
            timeout_after: params.timeout_after,
            max_reward: params.max_reward,
            requested_reward: request.reward,
            proof: proof_of(request.proof_len),
            request_id: request.request_id,
        })
    }

    pub fn network_info(&self, network: ProvingNetwork) -> ProvingNetworkInfo {
        let state = self.network(network);
        ProvingNetworkInfo {
            address: state.address,
            status: state.status,
            owed_reward: state.owed(),
        }
    }

    pub fn in_flight(&self) -> u64 {
        self.deadlines.len() as u64
    }

    /// Owed rewards plus rewards of Proven requests.
    pub fn obligations(&self) -> u128 {
        self.proven_total + self.networks.iter().map(Network::owed).sum::<u128>()
    }

    /// Up to `limit` in-flight requests whose deadline is before `now`, by (deadline, request
    /// counter).
    pub(crate) fn expired(&self, limit: usize) -> Vec<Key> {
        self.deadlines
            .iter()
            .take_while(|(deadline, _, _)| *deadline < self.now)
            .take(limit)
            .map(|(_, _, k)| *k)
            .collect()
    }

    /// Moves a request to `status`, keeping the deadline index and the proven sum in step.
    pub(crate) fn set_status(&mut self, k: Key, status: Status) {
        let request = self.requests.get_mut(&k).expect("a stored request");
        if let Some(deadline) = request.in_flight_deadline() {
            self.deadlines.remove(&(deadline, request.request_id, k));
        }
        if request.status == Status::Proven {
            self.proven_total -= request.reward;
        }
        request.status = status;
        if let Some(deadline) = request.in_flight_deadline() {
            self.deadlines.insert((deadline, request.request_id, k));
        }
        if status == Status::Proven {
            self.proven_total += request.reward;
        }
    }
}
