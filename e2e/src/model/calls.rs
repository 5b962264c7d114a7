//! The messages: each checks the caller and its arguments in the contract's order, changes the
//! state only when it succeeds, and records the events the contract would emit.

use ink::primitives::AccountId;
use proof_manager::{
    AddressField, AdminTransferStarted, AdminTransferred, CodeUpgraded, Error, FundsWithdrawn,
    ManagerEvent, PreferredProvingNetworkUpdated, ProofRequestAcknowledged, ProofRequestExpired,
    ProofRequestIdentifier, ProofRequestProven, ProofRequestStatus as Status,
    ProofRequestSubmitted, ProofValidationResult, ProvingNetwork, ProvingNetworkAddressUpdated,
    ProvingNetworkStatus, ProvingNetworkStatusUpdated, RewardClaimed, SubmitterUpdated,
    ACK_TIMEOUT, MAX_CLAIM, MAX_PROOF_INPUTS_URL_LEN, MAX_PROOF_LEN, MAX_PURGE, MAX_REWARD,
    MAX_TIMEOUT_AFTER,
};

use super::state::index;
use super::{key, url_of, Call, Key, Model, Params, Reply, Request};
use crate::proof_of;

impl Model {
    pub fn apply(&mut self, caller: AccountId, call: &Call) -> Reply {
        match call.clone() {
            Call::UpdateAddress(n, address) => {
                Reply::Manager(self.update_address(caller, n, address))
            }
            Call::UpdateStatus(n, status) => Reply::Manager(self.admin_only(caller).map(|()| {
                self.networks[index(n)].status = status;
                self.emit(ManagerEvent::ProvingNetworkStatusUpdated(
                    ProvingNetworkStatusUpdated {
                        proving_network: n,
                        status,
                    },
                ));
            })),
            Call::UpdatePreferred(n) => Reply::Manager(self.admin_only(caller).map(|()| {
                self.preferred = n;
                self.emit(ManagerEvent::PreferredProvingNetworkUpdated(
                    PreferredProvingNetworkUpdated { proving_network: n },
                ));
            })),
            Call::Withdraw(token, amount) => Reply::Manager(self.withdraw(caller, token, amount)),
            Call::SetSubmitter(account) => Reply::Manager(self.set_submitter(caller, account)),
            Call::TransferAdmin(account) => Reply::Manager(self.transfer_admin(caller, account)),
            Call::AcceptAdmin => Reply::Manager(self.accept_admin(caller)),
            Call::SetCode(code_hash) => Reply::Manager(self.admin_only(caller).and_then(|()| {
                if self.uploaded_codes.contains(&code_hash) {
                    self.code = code_hash;
                    self.emit(ManagerEvent::CodeUpgraded(CodeUpgraded { code_hash }));
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

    fn emit(&mut self, event: ManagerEvent) {
        self.events.push(event);
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
        self.emit(ManagerEvent::ProvingNetworkAddressUpdated(
            ProvingNetworkAddressUpdated {
                proving_network: network,
                address,
            },
        ));
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
        transferred.map_err(Error::TokenTransferFailed)?;
        self.emit(ManagerEvent::FundsWithdrawn(FundsWithdrawn {
            token,
            by: admin,
            amount,
        }));
        Ok(())
    }

    fn set_submitter(&mut self, caller: AccountId, account: AccountId) -> Result<(), Error> {
        self.admin_only(caller)?;
        if account == AccountId::from([0; 32]) {
            return Err(Error::AddressCannotBeZero(AddressField::Submitter));
        }
        let previous = std::mem::replace(&mut self.submitter, account);
        self.emit(ManagerEvent::SubmitterUpdated(SubmitterUpdated {
            previous,
            new: account,
        }));
        Ok(())
    }

    fn transfer_admin(&mut self, caller: AccountId, account: AccountId) -> Result<(), Error> {
        self.admin_only(caller)?;
        if account == AccountId::from([0; 32]) {
            return Err(Error::AddressCannotBeZero(AddressField::Admin));
        }
        self.pending_admin = Some(account);
        self.emit(ManagerEvent::AdminTransferStarted(AdminTransferStarted {
            admin: caller,
            pending: account,
        }));
        Ok(())
    }

    fn accept_admin(&mut self, caller: AccountId) -> Result<(), Error> {
        if self.pending_admin != Some(caller) {
            return Err(Error::OnlyPendingAdminAllowed(caller));
        }
        let previous = std::mem::replace(&mut self.admin, caller);
        self.pending_admin = None;
        self.emit(ManagerEvent::AdminTransferred(AdminTransferred {
            previous,
            new: caller,
        }));
        Ok(())
    }

    /// Stores the expired status of an in-flight request and emits its `ProofRequestExpired`.
    fn expire(&mut self, k: Key, purged: bool) {
        let request = &self.requests[&k];
        let status = match request.status {
            Status::PendingAcknowledgement => Status::Unacknowledged,
            Status::Committed => Status::TimedOut,
            other => panic!("the model expired a request that is {other:?}, not in flight"),
        };
        let assigned_to = request.assigned_to;
        self.set_status(k, status);
        if let Some(network) = assigned_to {
            self.emit(ManagerEvent::ProofRequestExpired(ProofRequestExpired {
                chain_id: k.0,
                block_number: k.1,
                assigned_to: network,
                status,
                purged,
            }));
        }
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
        let expired = self.expired(MAX_PURGE as usize);
        let in_flight = self.in_flight() - expired.len() as u64;
        let free = self
            .payment
            .balance(self.manager)
            .saturating_sub(self.obligations());
        if free / MAX_REWARD <= u128::from(in_flight) {
            return Err(Error::NoFundsAvailable);
        }
        for k in expired {
            self.expire(k, true);
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
        let status = if active {
            Status::PendingAcknowledgement
        } else {
            Status::Refused
        };
        let event = ProofRequestSubmitted {
            chain_id: id.chain_id,
            block_number: id.block_number,
            assigned_to,
            proof_inputs_url: url_of(params.url_len),
            protocol_major: params.version.0,
            protocol_minor: params.version.1,
            protocol_patch: params.version.2,
            timeout_after: params.timeout_after,
            max_reward: params.max_reward,
            request_id,
            status,
        };
        let request = Request {
            params,
            status,
            assigned_to,
            submitted_at: self.now,
            request_id,
            reward: 0,
            proof_len: 0,
            ledger_index: 0,
        };
        if let Some(deadline) = request.in_flight_deadline() {
            self.deadlines.insert((deadline, request_id, key(id)));
        }
        self.requests.insert(key(id), request);
        self.emit(ManagerEvent::ProofRequestSubmitted(event));
        Ok(())
    }

    fn find(&self, id: ProofRequestIdentifier) -> Result<&Request, Error> {
        self.requests
            .get(&key(id))
            .ok_or(Error::ProofRequestNotFound(id))
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
            _ => return Err(Error::ProofRequestIsNotProven(self.status(request))),
        };
        let reward = request.reward;
        if valid {
            self.set_status(key(id), Status::Validated);
            let state = &mut self.networks[index(network)];
            let ledger_index = state.ledger.len();
            state.ledger.push(reward);
            state.owed += reward;
            self.requests
                .get_mut(&key(id))
                .expect("found above")
                .ledger_index = ledger_index;
        } else {
            self.set_status(key(id), Status::ValidationFailed);
        }
        self.emit(ManagerEvent::ProofValidationResult(ProofValidationResult {
            chain_id: id.chain_id,
            block_number: id.block_number,
            is_proof_valid: valid,
            assigned_to: network,
        }));
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
            let status = self.status(request);
            return Err(if proving {
                Error::ProofRequestIsNotCommitted(status)
            } else {
                Error::ProofRequestIsNotPendingAcknowledgement(status)
            });
        }
        if self.now <= deadline {
            return Err(Error::DeadlineNotPassed(deadline));
        }
        self.expire(key(id), false);
        Ok(())
    }

    /// The request, if `caller` is the current address of its assignee.
    fn assigned(
        &self,
        caller: AccountId,
        id: ProofRequestIdentifier,
    ) -> Result<(&Request, ProvingNetwork), Error> {
        let request = self.find(id)?;
        match request.assigned_to {
            Some(n) if self.network(n).address == caller => Ok((request, n)),
            _ => Err(Error::OnlyProvingNetworkAssigneeAllowed(caller)),
        }
    }

    fn acknowledge(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
        accept: bool,
    ) -> Result<(), Error> {
        let (request, network) = self.assigned(caller, id)?;
        if request.status != Status::PendingAcknowledgement {
            let status = self.status(request);
            return Err(Error::ProofRequestIsNotPendingAcknowledgement(status));
        }
        if self.now > request.ack_deadline() {
            return Err(Error::ProofRequestAcknowledgementDeadlinePassed(
                request.ack_deadline(),
            ));
        }
        let status = if accept {
            Status::Committed
        } else {
            Status::Refused
        };
        self.set_status(key(id), status);
        self.emit(ManagerEvent::ProofRequestAcknowledged(
            ProofRequestAcknowledged {
                chain_id: id.chain_id,
                block_number: id.block_number,
                accepted: accept,
                assigned_to: network,
            },
        ));
        Ok(())
    }

    fn prove(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
        proof_len: usize,
        requested: u128,
    ) -> Result<(), Error> {
        let (request, network) = self.assigned(caller, id)?;
        if request.status != Status::Committed {
            return Err(Error::ProofRequestIsNotCommitted(self.status(request)));
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
        let reward = requested.min(request.params.max_reward);
        let stored = self.requests.get_mut(&key(id)).expect("found above");
        stored.reward = reward;
        stored.proof_len = proof_len;
        self.set_status(key(id), Status::Proven);
        self.emit(ManagerEvent::ProofRequestProven(ProofRequestProven {
            chain_id: id.chain_id,
            block_number: id.block_number,
            proof: proof_of(proof_len),
            assigned_to: network,
            requested_reward: reward,
        }));
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
        let state = &mut self.networks[index(network)];
        state.paid = paid;
        state.owed -= amount;
        self.emit(ManagerEvent::RewardClaimed(RewardClaimed {
            by: network,
            amount,
            paid_requests: paid as u64,
        }));
        Ok(amount)
    }
}
