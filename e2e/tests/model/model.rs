//! The reference model: ProofManager's rules as README.md states them, in plain Rust (maps and
//! integers; no ink! storage, no heap, no running sums), with the PSP22 mock it pays in.
//!
//! Each message checks in the contract's order and changes nothing when it returns an `Err`,
//! so `apply` can run any call in any state.

use std::collections::BTreeMap;

use ink::primitives::{AccountId, Hash};
use proof_manager_e2e::{
    proof_of, AddressField, Error, PSP22Error, ProofRequest, ProofRequestIdentifier,
    ProofRequestParams, ProofRequestStatus as Status, ProvingNetwork, ProvingNetworkInfo,
    ProvingNetworkStatus, ACK_TIMEOUT, MAX_CLAIM, MAX_PROOF_INPUTS_URL_LEN, MAX_PROOF_LEN,
    MAX_PURGE, MAX_REWARD, MAX_TIMEOUT_AFTER,
};

/// A request's identifier as an ordered map key.
pub type Key = (u64, u64);

pub fn key(id: ProofRequestIdentifier) -> Key {
    (id.chain_id, id.block_number)
}

/// The arguments of `submit_proof_request`, with the URL given by its length so that failing
/// sequences print short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub version: (u32, u32, u32),
    pub url_len: usize,
    pub timeout_after: u64,
    pub max_reward: u128,
}

impl Params {
    pub fn to_contract(&self) -> ProofRequestParams {
        ProofRequestParams {
            protocol_major: self.version.0,
            protocol_minor: self.version.1,
            protocol_patch: self.version.2,
            proof_inputs_url: url_of(self.url_len),
            timeout_after: self.timeout_after,
            max_reward: self.max_reward,
        }
    }
}

/// An ASCII URL of exactly `len` bytes.
pub fn url_of(len: usize) -> String {
    let base = "https://inputs.example/batch/";
    base.chars()
        .chain(std::iter::repeat('7'))
        .take(len)
        .collect()
}

/// One call with concrete arguments, as both the chain and the model run it.
#[derive(Clone, Debug)]
pub enum Call {
    UpdateAddress(ProvingNetwork, AccountId),
    UpdateStatus(ProvingNetwork, ProvingNetworkStatus),
    UpdatePreferred(Option<ProvingNetwork>),
    Withdraw(AccountId, u128),
    SetSubmitter(AccountId),
    TransferAdmin(AccountId),
    AcceptAdmin,
    SetCode(Hash),
    Submit(ProofRequestIdentifier, Params),
    Validate(ProofRequestIdentifier, bool),
    MarkUnacknowledged(ProofRequestIdentifier),
    MarkTimedOut(ProofRequestIdentifier),
    Acknowledge(ProofRequestIdentifier, bool),
    /// The proof is `proof_of(len)`.
    Prove(ProofRequestIdentifier, usize, u128),
    Claim,
    /// The token's deployer mints payment tokens to an account.
    Mint(AccountId, u128),
    /// The second token's deployer mints it to the manager.
    MintOther(u128),
    /// The caller sends payment tokens to an account.
    Transfer(AccountId, u128),
    SetTransfersEnabled(bool),
    SetTime(u64),
}

impl Call {
    /// The calls that are contract messages (the rest set up the test: mint, switch, clock).
    pub const MESSAGES: [&'static str; 16] = [
        "UpdateAddress",
        "UpdateStatus",
        "UpdatePreferred",
        "Withdraw",
        "SetSubmitter",
        "TransferAdmin",
        "AcceptAdmin",
        "SetCode",
        "Submit",
        "Validate",
        "MarkUnacknowledged",
        "MarkTimedOut",
        "Acknowledge",
        "Prove",
        "Claim",
        "Transfer",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Call::UpdateAddress(..) => "UpdateAddress",
            Call::UpdateStatus(..) => "UpdateStatus",
            Call::UpdatePreferred(_) => "UpdatePreferred",
            Call::Withdraw(..) => "Withdraw",
            Call::SetSubmitter(_) => "SetSubmitter",
            Call::TransferAdmin(_) => "TransferAdmin",
            Call::AcceptAdmin => "AcceptAdmin",
            Call::SetCode(_) => "SetCode",
            Call::Submit(..) => "Submit",
            Call::Validate(..) => "Validate",
            Call::MarkUnacknowledged(_) => "MarkUnacknowledged",
            Call::MarkTimedOut(_) => "MarkTimedOut",
            Call::Acknowledge(..) => "Acknowledge",
            Call::Prove(..) => "Prove",
            Call::Claim => "Claim",
            Call::Mint(..) => "Mint",
            Call::MintOther(_) => "MintOther",
            Call::Transfer(..) => "Transfer",
            Call::SetTransfersEnabled(_) => "SetTransfersEnabled",
            Call::SetTime(_) => "SetTime",
        }
    }
}

/// What a call returned.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    Manager(Result<(), Error>),
    Claimed(Result<u128, Error>),
    Token(Result<(), PSP22Error>),
    /// Set-up calls of the test itself (mint, switch, clock), which cannot fail.
    Done,
}

impl Reply {
    /// Whether the call was refused (and so must have reverted and changed nothing).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Reply::Manager(Err(_)) | Reply::Claimed(Err(_)) | Reply::Token(Err(_))
        )
    }
}

/// The PSP22 mock: balances and its deployer's transfer switch.
#[derive(Clone, Debug, Default)]
pub struct Token {
    pub balances: BTreeMap<AccountId, u128>,
    pub transfers_disabled: bool,
}

impl Token {
    pub fn balance(&self, who: AccountId) -> u128 {
        self.balances.get(&who).copied().unwrap_or(0)
    }

    fn mint(&mut self, to: AccountId, amount: u128) {
        *self.balances.entry(to).or_default() += amount;
    }

    /// The mock's switch first, then the psp22 crate's rules: a transfer to oneself or of 0
    /// succeeds without moving anything.
    fn transfer(&mut self, from: AccountId, to: AccountId, amount: u128) -> Result<(), PSP22Error> {
        if self.transfers_disabled {
            return Err(PSP22Error::Custom("transfers disabled".into()));
        }
        if from == to || amount == 0 {
            return Ok(());
        }
        if self.balance(from) < amount {
            return Err(PSP22Error::InsufficientBalance);
        }
        *self.balances.entry(from).or_default() -= amount;
        *self.balances.entry(to).or_default() += amount;
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub struct Network {
    pub address: AccountId,
    pub status: ProvingNetworkStatus,
    /// Validated rewards in validation order; the first `paid` are settled.
    pub ledger: Vec<u128>,
    pub paid: usize,
}

impl Network {
    pub fn owed(&self) -> u128 {
        self.ledger[self.paid..].iter().sum()
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
    fn in_flight_deadline(&self) -> Option<u64> {
        match self.status {
            Status::PendingAcknowledgement => Some(self.ack_deadline()),
            Status::Committed => Some(self.proving_deadline()),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Model {
    pub now: u64,
    pub manager: AccountId,
    pub usdc: AccountId,
    pub other_token: AccountId,
    /// Code hashes `set_code` accepts.
    pub uploaded_codes: Vec<Hash>,
    /// The code the manager runs.
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
}

fn index(network: ProvingNetwork) -> usize {
    match network {
        ProvingNetwork::Fermah => 0,
        ProvingNetwork::Lagrange => 1,
    }
}

impl Model {
    pub fn network(&self, network: ProvingNetwork) -> &Network {
        &self.networks[index(network)]
    }

    // ------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------

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
        let live = self
            .requests
            .values()
            .filter_map(Request::in_flight_deadline);
        live.count() as u64
    }

    /// Owed rewards plus rewards of Proven requests.
    pub fn obligations(&self) -> u128 {
        let proven = self
            .requests
            .values()
            .filter(|r| r.status == Status::Proven);
        let proven: u128 = proven.map(|r| r.reward).sum();
        proven + self.networks.iter().map(Network::owed).sum::<u128>()
    }

    // ------------------------------------------------------------------------------------
    // Calls
    // ------------------------------------------------------------------------------------

    pub fn apply(&mut self, caller: AccountId, call: &Call) -> Reply {
        match call.clone() {
            Call::UpdateAddress(n, address) => {
                Reply::Manager(self.update_address(caller, n, address))
            }
            Call::UpdateStatus(n, status) => Reply::Manager(self.admin_only(caller).map(|()| {
                self.networks[index(n)].status = status;
            })),
            Call::UpdatePreferred(n) => Reply::Manager(self.admin_only(caller).map(|()| {
                self.preferred = n;
            })),
            Call::Withdraw(token, amount) => Reply::Manager(self.withdraw(caller, token, amount)),
            Call::SetSubmitter(account) => Reply::Manager(self.set_submitter(caller, account)),
            Call::TransferAdmin(account) => Reply::Manager(self.transfer_admin(caller, account)),
            Call::AcceptAdmin => Reply::Manager(self.accept_admin(caller)),
            Call::SetCode(hash) => Reply::Manager(self.admin_only(caller).and_then(|()| {
                if self.uploaded_codes.contains(&hash) {
                    self.code = hash;
                    Ok(())
                } else {
                    Err(Error::CodeUpgradeFailed)
                }
            })),
            Call::Submit(id, params) => Reply::Manager(self.submit(caller, id, params)),
            Call::Validate(id, valid) => Reply::Manager(self.validate(caller, id, valid)),
            Call::MarkUnacknowledged(id) => Reply::Manager(self.mark(caller, id, false)),
            Call::MarkTimedOut(id) => Reply::Manager(self.mark(caller, id, true)),
            Call::Acknowledge(id, accept) => Reply::Manager(self.acknowledge(caller, id, accept)),
            Call::Prove(id, len, reward) => Reply::Manager(self.prove(caller, id, len, reward)),
            Call::Claim => Reply::Claimed(self.claim(caller)),
            Call::Mint(to, amount) => {
                self.payment.mint(to, amount);
                Reply::Done
            }
            Call::MintOther(amount) => {
                self.other.mint(self.manager, amount);
                Reply::Done
            }
            Call::Transfer(to, amount) => Reply::Token(self.payment.transfer(caller, to, amount)),
            Call::SetTransfersEnabled(enabled) => {
                self.payment.transfers_disabled = !enabled;
                Reply::Done
            }
            Call::SetTime(now) => {
                self.now = now;
                Reply::Done
            }
        }
    }

    fn admin_only(&self, caller: AccountId) -> Result<(), Error> {
        if caller == self.admin {
            Ok(())
        } else {
            Err(Error::OnlyAdminAllowed(caller))
        }
    }

    fn submitter_only(&self, caller: AccountId) -> Result<(), Error> {
        if caller == self.submitter {
            Ok(())
        } else {
            Err(Error::OnlySubmitterAllowed(caller))
        }
    }

    fn update_address(
        &mut self,
        caller: AccountId,
        network: ProvingNetwork,
        address: AccountId,
    ) -> Result<(), Error> {
        self.admin_only(caller)?;
        if address == AccountId::from([0; 32]) {
            return Err(Error::AddressCannotBeZero(AddressField::ProvingNetwork));
        }
        if self.network(network.other()).address == address {
            return Err(Error::AddressInUse(address));
        }
        self.networks[index(network)].address = address;
        Ok(())
    }

    /// The payment token may only go down to the obligations plus `MAX_REWARD` per in-flight
    /// request; other tokens go in full; an account that is no token (or the manager itself)
    /// cannot be called.
    fn withdraw(&mut self, caller: AccountId, token: AccountId, amount: u128) -> Result<(), Error> {
        self.admin_only(caller)?;
        let (manager, admin) = (self.manager, self.admin);
        let transferred = if token == self.usdc {
            let reserved = self.obligations() + MAX_REWARD * u128::from(self.in_flight());
            let free = self.payment.balance(manager).saturating_sub(reserved);
            if amount > free {
                return Err(Error::InsufficientFreeFunds(free));
            }
            self.payment.transfer(manager, admin, amount)
        } else if token == self.other_token {
            self.other.transfer(manager, admin, amount)
        } else {
            return Err(Error::TokenCallFailed);
        };
        transferred.map_err(Error::TokenTransferFailed)
    }

    fn set_submitter(&mut self, caller: AccountId, account: AccountId) -> Result<(), Error> {
        self.admin_only(caller)?;
        if account == AccountId::from([0; 32]) {
            return Err(Error::AddressCannotBeZero(AddressField::Submitter));
        }
        self.submitter = account;
        Ok(())
    }

    fn transfer_admin(&mut self, caller: AccountId, account: AccountId) -> Result<(), Error> {
        self.admin_only(caller)?;
        if account == AccountId::from([0; 32]) {
            return Err(Error::AddressCannotBeZero(AddressField::Admin));
        }
        self.pending_admin = Some(account);
        Ok(())
    }

    fn accept_admin(&mut self, caller: AccountId) -> Result<(), Error> {
        if self.pending_admin != Some(caller) {
            return Err(Error::OnlyPendingAdminAllowed(caller));
        }
        self.admin = caller;
        self.pending_admin = None;
        Ok(())
    }

    /// Up to `MAX_PURGE` in-flight requests whose deadline is before `now`, by (deadline,
    /// request counter).
    fn expired(&self) -> Vec<Key> {
        let mut expired: Vec<(u64, u64, Key)> = self
            .requests
            .iter()
            .filter_map(|(k, r)| Some((r.in_flight_deadline()?, r.request_id, *k)))
            .filter(|(deadline, _, _)| *deadline < self.now)
            .collect();
        expired.sort();
        expired.truncate(MAX_PURGE as usize);
        expired.into_iter().map(|(_, _, k)| k).collect()
    }

    fn expire(&mut self, k: Key) {
        let request = self
            .requests
            .get_mut(&k)
            .expect("an expiring request exists");
        request.status = match request.status {
            Status::PendingAcknowledgement => Status::Unacknowledged,
            Status::Committed => Status::TimedOut,
            other => panic!("the model expired a request that is {other:?}, not in flight"),
        };
    }

    fn submit(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
        params: Params,
    ) -> Result<(), Error> {
        self.submitter_only(caller)?;
        if self.requests.contains_key(&key(id)) {
            return Err(Error::DuplicatedProofRequest(id));
        }
        if !(ACK_TIMEOUT < params.timeout_after && params.timeout_after <= MAX_TIMEOUT_AFTER) {
            return Err(Error::InvalidProofRequestTimeout(params.timeout_after));
        }
        if params.max_reward == 0 || params.max_reward > MAX_REWARD {
            return Err(Error::MaxRewardOutOfBounds(params.max_reward));
        }
        if params.url_len > MAX_PROOF_INPUTS_URL_LEN as usize {
            return Err(Error::InputTooLarge(params.url_len as u32));
        }
        // The purge happens before the funds guard, and is undone with it.
        let expired = self.expired();
        let in_flight = self.in_flight() - expired.len() as u64;
        let free = self
            .payment
            .balance(self.manager)
            .saturating_sub(self.obligations());
        if free / MAX_REWARD <= u128::from(in_flight) {
            return Err(Error::NoFundsAvailable);
        }
        for k in expired {
            self.expire(k);
        }
        let request_id = self.counter;
        self.counter += 1;
        let assigned_to = match request_id % 4 {
            0 => Some(ProvingNetwork::Fermah),
            1 => Some(ProvingNetwork::Lagrange),
            _ => self.preferred,
        };
        let active =
            assigned_to.is_some_and(|n| self.network(n).status == ProvingNetworkStatus::Active);
        let request = Request {
            params,
            status: if active {
                Status::PendingAcknowledgement
            } else {
                Status::Refused
            },
            assigned_to,
            submitted_at: self.now,
            request_id,
            reward: 0,
            proof_len: 0,
            ledger_index: 0,
        };
        self.requests.insert(key(id), request);
        Ok(())
    }

    fn find(&self, id: ProofRequestIdentifier) -> Result<Request, Error> {
        let found = self.requests.get(&key(id)).cloned();
        found.ok_or(Error::ProofRequestNotFound(id))
    }

    fn validate(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
        valid: bool,
    ) -> Result<(), Error> {
        self.submitter_only(caller)?;
        let request = self.find(id)?;
        let network = match (request.status, request.assigned_to) {
            (Status::Proven, Some(network)) => network,
            _ => return Err(Error::ProofRequestIsNotProven(self.status(&request))),
        };
        let ledger = &mut self.networks[index(network)].ledger;
        let stored = self.requests.get_mut(&key(id)).expect("found above");
        if valid {
            stored.status = Status::Validated;
            stored.ledger_index = ledger.len();
            ledger.push(stored.reward);
        } else {
            stored.status = Status::ValidationFailed;
        }
        Ok(())
    }

    /// `mark_timed_out` (`proving`) or `mark_unacknowledged`.
    fn mark(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
        proving: bool,
    ) -> Result<(), Error> {
        self.submitter_only(caller)?;
        let request = self.find(id)?;
        let (needed, deadline) = if proving {
            (Status::Committed, request.proving_deadline())
        } else {
            (Status::PendingAcknowledgement, request.ack_deadline())
        };
        if request.status != needed {
            let status = self.status(&request);
            return Err(if proving {
                Error::ProofRequestIsNotCommitted(status)
            } else {
                Error::ProofRequestIsNotPendingAcknowledgement(status)
            });
        }
        if self.now <= deadline {
            return Err(Error::DeadlineNotPassed(deadline));
        }
        self.expire(key(id));
        Ok(())
    }

    /// The request, if `caller` is the current address of its assignee.
    fn assigned(&self, caller: AccountId, id: ProofRequestIdentifier) -> Result<Request, Error> {
        let request = self.find(id)?;
        match request.assigned_to {
            Some(n) if self.network(n).address == caller => Ok(request),
            _ => Err(Error::OnlyProvingNetworkAssigneeAllowed(caller)),
        }
    }

    fn acknowledge(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
        accept: bool,
    ) -> Result<(), Error> {
        let request = self.assigned(caller, id)?;
        if request.status != Status::PendingAcknowledgement {
            let status = self.status(&request);
            return Err(Error::ProofRequestIsNotPendingAcknowledgement(status));
        }
        if self.now > request.ack_deadline() {
            return Err(Error::ProofRequestAcknowledgementDeadlinePassed(
                request.ack_deadline(),
            ));
        }
        let stored = self.requests.get_mut(&key(id)).expect("found above");
        stored.status = if accept {
            Status::Committed
        } else {
            Status::Refused
        };
        Ok(())
    }

    fn prove(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
        proof_len: usize,
        requested: u128,
    ) -> Result<(), Error> {
        let request = self.assigned(caller, id)?;
        if request.status != Status::Committed {
            return Err(Error::ProofRequestIsNotCommitted(self.status(&request)));
        }
        if self.now > request.proving_deadline() {
            return Err(Error::ProofRequestProvingDeadlinePassed(
                request.proving_deadline(),
            ));
        }
        if proof_len == 0 {
            return Err(Error::EmptyProof);
        }
        if proof_len > MAX_PROOF_LEN as usize {
            return Err(Error::InputTooLarge(proof_len as u32));
        }
        let stored = self.requests.get_mut(&key(id)).expect("found above");
        stored.status = Status::Proven;
        stored.reward = requested.min(request.params.max_reward);
        stored.proof_len = proof_len;
        Ok(())
    }

    /// Settles the longest prefix of the caller's unpaid ledger that sums to at most `MAX_CLAIM`,
    /// zero rewards included, and pays its sum.
    fn claim(&mut self, caller: AccountId) -> Result<u128, Error> {
        let network = ProvingNetwork::ALL
            .into_iter()
            .find(|n| self.network(*n).address == caller)
            .ok_or(Error::OnlyProvingNetworkAllowed(caller))?;
        let state = self.network(network);
        if state.paid == state.ledger.len() {
            return Err(Error::NoPaymentDue);
        }
        let (mut amount, mut paid) = (0, state.paid);
        while paid < state.ledger.len() && amount + state.ledger[paid] <= MAX_CLAIM {
            amount += state.ledger[paid];
            paid += 1;
        }
        // Settling only zero rewards makes no token call, so the token cannot refuse it.
        if amount > 0 {
            let manager = self.manager;
            self.payment
                .transfer(manager, caller, amount)
                .map_err(Error::TokenTransferFailed)?;
        }
        self.networks[index(network)].paid = paid;
        Ok(amount)
    }
}
