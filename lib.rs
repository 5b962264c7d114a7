//! # ProofManager
//!
//! An ink! 5 port of matter-labs' Solidity `ProofManagerV1`: the operator's submitter posts proof
//! requests for rollup batches, a round robin assigns each one to a proving network (Fermah,
//! Lagrange or the admin's preferred network), the network acknowledges and proves it before its
//! deadlines, the submitter records whether the proof validated on the settlement layer, and the
//! network claims its validated rewards in a PSP22 stable token.
//!
//! Differences from upstream, each for a reason spelled out where it is implemented:
//! - "no network" is `Option<ProvingNetwork>::None` instead of a `None` enum variant;
//! - claims pay in the PSP22 token directly (no L2 bridge) and at most [`MAX_CLAIM`] per call,
//!   settling whole requests oldest first, so every settled request reads `Paid`;
//! - the submitter can persist expiry with `mark_unacknowledged` / `mark_timed_out`;
//! - admin and submitter rotate (two-step for the admin), the code upgrades in place with
//!   `set_code`, withdrawals of the payment token never touch the obligations;
//! - unsized inputs are bounded so that every value fits pallet-contracts' 16 KiB buffer.
//!
//! Time is `block_timestamp()` in milliseconds. A deadline `d` has passed once `now > d`.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[cfg(feature = "std")]
pub mod calls;
mod checks;
mod deadlines;
mod errors;
mod events;
#[cfg(not(feature = "std"))]
mod mem;
mod storage;
mod token;
mod types;

#[cfg(feature = "std")]
pub use calls::{contract, input_of, Message};
pub use contract::{ProofManager, ProofManagerRef};
pub use errors::Error;
pub use events::*;
pub use types::*;

/// Networks have 2 minutes to commit to a request once it is posted (upstream's `ACK_TIMEOUT`),
/// so a silent network costs at most 2 minutes of proving time.
#[cfg(not(feature = "other-deadline-rules"))]
pub const ACK_TIMEOUT: u64 = 120_000;

/// 1 minute in the build with other deadline rules (`--features other-deadline-rules`), which
/// exists only to test what `set_code` to code with other rules does to requests in flight:
/// never deploy it.
#[cfg(feature = "other-deadline-rules")]
pub const ACK_TIMEOUT: u64 = 60_000;

/// No proof is accepted later than 2 hours after submission (upstream's `MAX_TIMEOUT_AFTER`).
pub const MAX_TIMEOUT_AFTER: u64 = 7_200_000;

/// 5 tokens at 6 decimals: the most one request can pay, and the unit of the funds guard.
pub const MAX_REWARD: u128 = 5_000_000;

/// 25,000 tokens at 6 decimals: the most one claim pays. It bounds one call, not a stolen
/// network key: repeated claims drain everything the network is owed until the admin rotates
/// the key. It spreads a large debt over several calls of bounded cost, and being far above
/// `MAX_REWARD`, every claim settles at least one request.
pub const MAX_CLAIM: u128 = 25_000_000_000;

/// Expired requests purged per submission at most, as upstream, so a submission's cost does not
/// depend on how many requests expired.
pub const MAX_PURGE: u32 = 10;

/// Longest accepted `proof_inputs_url`, in bytes. A URL plus the longest proof plus the other
/// fields of `proof_request`'s answer must fit the 16 KiB buffer shared by input, storage values,
/// events and output: 2,048 + 12,288 + ~120 bytes leaves ~1.9 KiB of margin.
pub const MAX_PROOF_INPUTS_URL_LEN: u32 = 2_048;

/// Longest accepted proof, in bytes: room for today's SNARK-wrapped proofs (a few KiB) several
/// times over, within the 16 KiB buffer together with the URL (see above) and the
/// `ProofRequestProven` event that repeats it.
pub const MAX_PROOF_LEN: u32 = 12_288;

#[ink::contract]
mod contract {
    use crate::checks::{checked, fail, refuse, Checked, OrFail, Outcome};
    use crate::deadlines::{DeadlineIndex, Entry};
    use crate::events::Topics;
    use crate::storage::{NetworkState, StoredRequest};
    use crate::token;
    use crate::*;
    use ink::prelude::{string::String, vec::Vec};
    use ink::storage::Mapping;

    #[ink(storage)]
    pub struct ProofManager {
        admin: AccountId,
        pending_admin: Option<AccountId>,
        submitter: AccountId,
        usdc: AccountId,
        /// Indexed by `network_index`: Fermah, Lagrange.
        networks: [NetworkState; 2],
        preferred: Option<ProvingNetwork>,
        request_counter: u64,
        /// Rewards of Proven requests awaiting validation (upstream's `potentialFutureReward`).
        proven_unvalidated: u128,
        requests: Mapping<ProofRequestIdentifier, StoredRequest>,
        proof_inputs_urls: Mapping<ProofRequestIdentifier, String>,
        proofs: Mapping<ProofRequestIdentifier, Vec<u8>>,
        /// `(network, i)` → sum of the network's first `i + 1` validated rewards.
        validated_totals: Mapping<(ProvingNetwork, u64), u128>,
        /// PendingAcknowledgement and Committed requests by deadline.
        deadlines: DeadlineIndex,
    }

    fn network_index(network: ProvingNetwork) -> usize {
        match network {
            ProvingNetwork::Fermah => 0,
            ProvingNetwork::Lagrange => 1,
        }
    }

    impl ProofManager {
        /// Sets up the roles and both networks (Active, no preferred network).
        ///
        /// # Errors
        /// `AddressCannotBeZero(field)` for an all-zero argument (checked in upstream's order:
        /// submitter, admin, fermah, lagrange, usdc); `AddressInUse(lagrange)` when both networks
        /// get the same address.
        ///
        /// # Events
        /// As upstream's initializer: `ProvingNetworkAddressUpdated` and
        /// `ProvingNetworkStatusUpdated` for Fermah then Lagrange, `PreferredProvingNetworkUpdated(None)`.
        #[ink(constructor)]
        pub fn new(
            fermah: AccountId,
            lagrange: AccountId,
            usdc: AccountId,
            submitter: AccountId,
            admin: AccountId,
        ) -> Result<Self, Error> {
            ensure_roles(fermah, lagrange, usdc, submitter, admin)?;
            let contract = Self {
                admin,
                pending_admin: None,
                submitter,
                usdc,
                networks: [NetworkState::new(fermah), NetworkState::new(lagrange)],
                preferred: None,
                request_counter: 0,
                proven_unvalidated: 0,
                requests: Mapping::default(),
                proof_inputs_urls: Mapping::default(),
                proofs: Mapping::default(),
                validated_totals: Mapping::default(),
                deadlines: DeadlineIndex::default(),
            };
            for (network, address) in [
                (ProvingNetwork::Fermah, fermah),
                (ProvingNetwork::Lagrange, lagrange),
            ] {
                ProvingNetworkAddressUpdated {
                    proving_network: network,
                    address,
                }
                .emit();
                ProvingNetworkStatusUpdated {
                    proving_network: network,
                    status: ProvingNetworkStatus::Active,
                }
                .emit();
            }
            PreferredProvingNetworkUpdated {
                proving_network: None,
            }
            .emit();
            Ok(contract)
        }

        // ------------------------------------------------------------------------------------
        // Views (anyone)
        // ------------------------------------------------------------------------------------

        /// The request with its effective status at the current block time: Unacknowledged or
        /// TimedOut once the deadline has passed, Paid once a claim settled it.
        #[ink(message)]
        pub fn proof_request(&self, id: ProofRequestIdentifier) -> Option<ProofRequest> {
            let stored = self.requests.get(id)?;
            Some(ProofRequest {
                protocol_major: stored.protocol_major,
                protocol_minor: stored.protocol_minor,
                protocol_patch: stored.protocol_patch,
                proof_inputs_url: self.proof_inputs_urls.get(id).unwrap_or_default(),
                status: self.effective_status(&stored, self.env().block_timestamp()),
                assigned_to: stored.assigned_to,
                submitted_at: stored.submitted_at,
                timeout_after: stored.timeout_after,
                max_reward: stored.max_reward,
                requested_reward: stored.requested_reward,
                proof: self.proofs.get(id).unwrap_or_default(),
                request_id: stored.request_id,
            })
        }

        /// The network's current address, status and owed (validated, unpaid) reward.
        #[ink(message)]
        pub fn proving_network_info(&self, network: ProvingNetwork) -> ProvingNetworkInfo {
            let state = self.network(network);
            ProvingNetworkInfo {
                address: state.address,
                status: state.status,
                owed_reward: state.owed(),
            }
        }

        /// The network that receives requests 2 and 3 of every 4, if any.
        #[ink(message)]
        pub fn preferred_proving_network(&self) -> Option<ProvingNetwork> {
            self.preferred
        }

        #[ink(message)]
        pub fn admin(&self) -> AccountId {
            self.admin
        }

        /// The account `transfer_admin` nominated and that has not accepted yet.
        #[ink(message)]
        pub fn pending_admin(&self) -> Option<AccountId> {
            self.pending_admin
        }

        #[ink(message)]
        pub fn submitter(&self) -> AccountId {
            self.submitter
        }

        /// The PSP22 token rewards are paid in.
        #[ink(message)]
        pub fn usdc(&self) -> AccountId {
            self.usdc
        }

        /// Requests submitted so far (refused ones included); the next request's `request_id`.
        #[ink(message)]
        pub fn request_counter(&self) -> u64 {
            self.request_counter
        }

        /// PendingAcknowledgement and Committed requests not yet purged or marked expired: what
        /// the funds guard reserves `MAX_REWARD` for.
        #[ink(message)]
        pub fn in_flight(&self) -> u64 {
            self.deadlines.len()
        }

        /// Owed rewards of both networks plus rewards of proven, not yet validated requests:
        /// what `withdraw` never touches.
        #[ink(message)]
        pub fn obligations(&self) -> u128 {
            self.obligations_sum().unwrap_or(u128::MAX)
        }

        // ------------------------------------------------------------------------------------
        // Admin
        // ------------------------------------------------------------------------------------

        /// Rotates a network's key; every right (acknowledge, prove, claim) and every owed reward
        /// moves to the new address at once.
        ///
        /// Caller: admin.
        ///
        /// # Errors
        /// `OnlyAdminAllowed`, `AddressCannotBeZero(ProvingNetwork)`, `AddressInUse(address)` when
        /// the other network has this address.
        ///
        /// # Events
        /// `ProvingNetworkAddressUpdated`.
        #[ink(message)]
        pub fn update_proving_network_address(
            &mut self,
            network: ProvingNetwork,
            address: AccountId,
        ) -> Outcome<()> {
            checked(|| {
                self.ensure_admin()?;
                ensure_not_zero(address, AddressField::ProvingNetwork)?;
                if self.network(network.other()).address == address {
                    refuse!(Error::AddressInUse(address));
                }
                self.network_mut(network).address = address;
                ProvingNetworkAddressUpdated {
                    proving_network: network,
                    address,
                }
                .emit();
                Ok(())
            })
        }

        /// (De)activates a network: requests assigned to an inactive network are Refused at
        /// submission. Requests already assigned are not affected.
        ///
        /// Caller: admin.
        ///
        /// # Errors
        /// `OnlyAdminAllowed`.
        ///
        /// # Events
        /// `ProvingNetworkStatusUpdated`.
        #[ink(message)]
        pub fn update_proving_network_status(
            &mut self,
            network: ProvingNetwork,
            status: ProvingNetworkStatus,
        ) -> Outcome<()> {
            checked(|| {
                self.ensure_admin()?;
                self.network_mut(network).status = status;
                ProvingNetworkStatusUpdated {
                    proving_network: network,
                    status,
                }
                .emit();
                Ok(())
            })
        }

        /// Sets the network that gets half of the requests; with `None` those requests are
        /// Refused at submission.
        ///
        /// Caller: admin.
        ///
        /// # Errors
        /// `OnlyAdminAllowed`.
        ///
        /// # Events
        /// `PreferredProvingNetworkUpdated`.
        #[ink(message)]
        pub fn update_preferred_proving_network(
            &mut self,
            network: Option<ProvingNetwork>,
        ) -> Outcome<()> {
            checked(|| {
                self.ensure_admin()?;
                self.preferred = network;
                PreferredProvingNetworkUpdated {
                    proving_network: network,
                }
                .emit();
                Ok(())
            })
        }

        /// Sends `amount` of any PSP22 `token` held by the contract to the admin. For the payment
        /// token the balance left must cover the obligations and `MAX_REWARD` for every in-flight
        /// request, so that a network that committed before a withdrawal is paid after it.
        ///
        /// Caller: admin.
        ///
        /// # Errors
        /// `OnlyAdminAllowed`; `InsufficientFreeFunds(free)` when withdrawing the payment token
        /// would leave less than `obligations()` plus `MAX_REWARD × in_flight()`;
        /// `TokenTransferFailed` / `TokenCallFailed` when the token refuses or cannot be called;
        /// `ArithmeticOverflow`.
        ///
        /// # Events
        /// `FundsWithdrawn`.
        #[ink(message)]
        pub fn withdraw(&mut self, token: AccountId, amount: u128) -> Outcome<()> {
            checked(|| {
                let admin = self.ensure_admin()?;
                if token == self.usdc {
                    let balance = self.token_balance()?;
                    let reserved = reservation(self.deadlines.len())
                        .checked_add(self.obligations_total()?)
                        .or_fail(|| Error::ArithmeticOverflow)?;
                    let free = balance.saturating_sub(reserved);
                    if amount > free {
                        refuse!(Error::InsufficientFreeFunds(free));
                    }
                }
                token::transfer(token, admin, amount)?;
                FundsWithdrawn {
                    token,
                    by: admin,
                    amount,
                }
                .emit();
                Ok(())
            })
        }

        /// Hands the submitter role to `account`.
        ///
        /// Caller: admin.
        ///
        /// # Errors
        /// `OnlyAdminAllowed`, `AddressCannotBeZero(Submitter)`.
        ///
        /// # Events
        /// `SubmitterUpdated`.
        #[ink(message)]
        pub fn set_submitter(&mut self, account: AccountId) -> Outcome<()> {
            checked(|| {
                self.ensure_admin()?;
                ensure_not_zero(account, AddressField::Submitter)?;
                let previous = self.submitter;
                self.submitter = account;
                SubmitterUpdated {
                    previous,
                    new: account,
                }
                .emit();
                Ok(())
            })
        }

        /// Nominates `new_admin`; the role moves only when it calls `accept_admin`, so a typo
        /// cannot lock the contract. A later nomination replaces an earlier one.
        ///
        /// Caller: admin.
        ///
        /// # Errors
        /// `OnlyAdminAllowed`, `AddressCannotBeZero(Admin)`.
        ///
        /// # Events
        /// `AdminTransferStarted`.
        #[ink(message)]
        pub fn transfer_admin(&mut self, new_admin: AccountId) -> Outcome<()> {
            checked(|| {
                let admin = self.ensure_admin()?;
                ensure_not_zero(new_admin, AddressField::Admin)?;
                self.pending_admin = Some(new_admin);
                AdminTransferStarted {
                    admin,
                    pending: new_admin,
                }
                .emit();
                Ok(())
            })
        }

        /// Completes `transfer_admin`.
        ///
        /// Caller: the nominated account.
        ///
        /// # Errors
        /// `OnlyPendingAdminAllowed(caller)`.
        ///
        /// # Events
        /// `AdminTransferred`.
        #[ink(message)]
        pub fn accept_admin(&mut self) -> Outcome<()> {
            checked(|| {
                let caller = self.env().caller();
                if self.pending_admin != Some(caller) {
                    refuse!(Error::OnlyPendingAdminAllowed(caller));
                }
                let previous = self.admin;
                self.admin = caller;
                self.pending_admin = None;
                AdminTransferred {
                    previous,
                    new: caller,
                }
                .emit();
                Ok(())
            })
        }

        /// Replaces the contract's code with the uploaded `code_hash`, keeping storage (the new
        /// code must keep this storage layout). Takes effect from the next call.
        ///
        /// Caller: admin.
        ///
        /// # Errors
        /// `OnlyAdminAllowed`, `CodeUpgradeFailed` when no code with that hash is uploaded.
        ///
        /// # Events
        /// `CodeUpgraded`.
        #[ink(message)]
        pub fn set_code(&mut self, code_hash: Hash) -> Outcome<()> {
            checked(|| {
                self.ensure_admin()?;
                self.env()
                    .set_code_hash(&code_hash)
                    .ok()
                    .or_fail(|| Error::CodeUpgradeFailed)?;
                CodeUpgraded { code_hash }.emit();
                Ok(())
            })
        }

        // ------------------------------------------------------------------------------------
        // Submitter
        // ------------------------------------------------------------------------------------

        /// Stores a request and assigns it by round robin on the request counter: 0 → Fermah,
        /// 1 → Lagrange, 2 and 3 → the preferred network (mod 4). An inactive or missing
        /// assignee makes it Refused at once. First purges up to `MAX_PURGE` expired requests,
        /// earliest deadline first; then requires free funds for `MAX_REWARD` per in-flight
        /// request plus this one.
        ///
        /// Caller: submitter.
        ///
        /// # Errors
        /// `OnlySubmitterAllowed`, `DuplicatedProofRequest`, `InvalidProofRequestTimeout`,
        /// `MaxRewardOutOfBounds`, `InputTooLarge` (URL over `MAX_PROOF_INPUTS_URL_LEN`),
        /// `NoFundsAvailable`, `TokenCallFailed` (balance unreadable), `ArithmeticOverflow`,
        /// `DeadlineIndexMismatch` (an expired index entry whose request is not in flight).
        ///
        /// # Events
        /// `ProofRequestExpired { purged: true }` per purged request, then `ProofRequestSubmitted`.
        #[ink(message)]
        pub fn submit_proof_request(
            &mut self,
            id: ProofRequestIdentifier,
            params: ProofRequestParams,
        ) -> Outcome<()> {
            checked(|| {
                self.ensure_submitter()?;
                if self.requests.contains(id) {
                    refuse!(Error::DuplicatedProofRequest(id));
                }
                if !(ACK_TIMEOUT < params.timeout_after
                    && params.timeout_after <= MAX_TIMEOUT_AFTER)
                {
                    refuse!(Error::InvalidProofRequestTimeout(params.timeout_after));
                }
                if params.max_reward == 0 || params.max_reward > MAX_REWARD {
                    refuse!(Error::MaxRewardOutOfBounds(params.max_reward));
                }
                ensure_len(params.proof_inputs_url.len(), MAX_PROOF_INPUTS_URL_LEN)?;
                let now = self.env().block_timestamp();
                let ack_deadline = now
                    .checked_add(ACK_TIMEOUT)
                    .or_fail(|| Error::ArithmeticOverflow)?;
                now.checked_add(params.timeout_after)
                    .or_fail(|| Error::ArithmeticOverflow)?;

                self.purge_expired(now)?;
                self.ensure_funds_for_one_more()?;

                let request_id = self.request_counter;
                self.request_counter = request_id
                    .checked_add(1)
                    .or_fail(|| Error::ArithmeticOverflow)?;
                let assigned_to = self.assignee(request_id);
                let active = assigned_to
                    .is_some_and(|n| self.network(n).status == ProvingNetworkStatus::Active);
                let status = if active {
                    self.deadlines.insert(Entry {
                        deadline: ack_deadline,
                        request_id,
                        id,
                    });
                    ProofRequestStatus::PendingAcknowledgement
                } else {
                    ProofRequestStatus::Refused
                };
                self.requests.insert(
                    id,
                    &StoredRequest {
                        protocol_major: params.protocol_major,
                        protocol_minor: params.protocol_minor,
                        protocol_patch: params.protocol_patch,
                        status,
                        assigned_to,
                        submitted_at: now,
                        timeout_after: params.timeout_after,
                        max_reward: params.max_reward,
                        requested_reward: 0,
                        request_id,
                        validation_index: 0,
                    },
                );
                if !params.proof_inputs_url.is_empty() {
                    self.proof_inputs_urls.insert(id, &params.proof_inputs_url);
                }
                ProofRequestSubmitted {
                    chain_id: id.chain_id,
                    block_number: id.block_number,
                    assigned_to,
                    proof_inputs_url: params.proof_inputs_url,
                    protocol_major: params.protocol_major,
                    protocol_minor: params.protocol_minor,
                    protocol_patch: params.protocol_patch,
                    timeout_after: params.timeout_after,
                    max_reward: params.max_reward,
                    request_id,
                    status,
                }
                .emit();
                Ok(())
            })
        }

        /// Records the settlement layer's verdict on a Proven request: Validated (its reward is
        /// owed to the assignee from now on) or ValidationFailed (nothing is owed).
        ///
        /// Caller: submitter.
        ///
        /// # Errors
        /// `OnlySubmitterAllowed`, `ProofRequestNotFound`, `ProofRequestIsNotProven(status)`,
        /// `ArithmeticOverflow`.
        ///
        /// # Events
        /// `ProofValidationResult`.
        #[ink(message)]
        pub fn submit_proof_validation_result(
            &mut self,
            id: ProofRequestIdentifier,
            is_proof_valid: bool,
        ) -> Outcome<()> {
            checked(|| {
                self.ensure_submitter()?;
                let mut request = self.stored_request(id)?;
                let network = match (request.status, request.assigned_to) {
                    (ProofRequestStatus::Proven, Some(network)) => network,
                    _ => {
                        refuse!(Error::ProofRequestIsNotProven(
                            self.effective_status(&request, self.env().block_timestamp()),
                        ))
                    }
                };
                self.proven_unvalidated = self
                    .proven_unvalidated
                    .checked_sub(request.requested_reward)
                    .or_fail(|| Error::ArithmeticOverflow)?;
                if is_proof_valid {
                    let state = self.network(network);
                    let index = state.validated_count;
                    let total = state
                        .validated_total
                        .checked_add(request.requested_reward)
                        .or_fail(|| Error::ArithmeticOverflow)?;
                    let count = index.checked_add(1).or_fail(|| Error::ArithmeticOverflow)?;
                    self.validated_totals.insert((network, index), &total);
                    let state = self.network_mut(network);
                    state.validated_total = total;
                    state.validated_count = count;
                    request.validation_index = index;
                    request.status = ProofRequestStatus::Validated;
                } else {
                    request.status = ProofRequestStatus::ValidationFailed;
                }
                self.requests.insert(id, &request);
                ProofValidationResult {
                    chain_id: id.chain_id,
                    block_number: id.block_number,
                    is_proof_valid,
                    assigned_to: network,
                }
                .emit();
                Ok(())
            })
        }

        /// Persists Unacknowledged for a request whose acknowledgement deadline has passed and
        /// releases its funds reservation without waiting for a purge.
        ///
        /// Caller: submitter.
        ///
        /// # Errors
        /// `OnlySubmitterAllowed`, `ProofRequestNotFound`,
        /// `ProofRequestIsNotPendingAcknowledgement(status)`, `DeadlineNotPassed(deadline)`,
        /// `DeadlineIndexMismatch`.
        ///
        /// # Events
        /// `ProofRequestExpired { purged: false }`.
        #[ink(message)]
        pub fn mark_unacknowledged(&mut self, id: ProofRequestIdentifier) -> Outcome<()> {
            checked(|| self.mark_expired(id, ProofRequestStatus::PendingAcknowledgement))
        }

        /// Persists TimedOut for a Committed request whose proving deadline has passed and
        /// releases its funds reservation without waiting for a purge.
        ///
        /// Caller: submitter.
        ///
        /// # Errors
        /// `OnlySubmitterAllowed`, `ProofRequestNotFound`, `ProofRequestIsNotCommitted(status)`,
        /// `DeadlineNotPassed(deadline)`, `DeadlineIndexMismatch`.
        ///
        /// # Events
        /// `ProofRequestExpired { purged: false }`.
        #[ink(message)]
        pub fn mark_timed_out(&mut self, id: ProofRequestIdentifier) -> Outcome<()> {
            checked(|| self.mark_expired(id, ProofRequestStatus::Committed))
        }

        // ------------------------------------------------------------------------------------
        // Proving networks
        // ------------------------------------------------------------------------------------

        /// Commits to prove (`accept`) or refuses a request, before its acknowledgement deadline.
        ///
        /// Caller: the current address of the request's assignee.
        ///
        /// # Errors
        /// `ProofRequestNotFound`, `OnlyProvingNetworkAssigneeAllowed(caller)`,
        /// `ProofRequestIsNotPendingAcknowledgement(status)`,
        /// `ProofRequestAcknowledgementDeadlinePassed(deadline)`, `DeadlineIndexMismatch`.
        ///
        /// # Events
        /// `ProofRequestAcknowledged`.
        #[ink(message)]
        pub fn acknowledge_proof_request(
            &mut self,
            id: ProofRequestIdentifier,
            accept: bool,
        ) -> Outcome<()> {
            checked(|| {
                let (mut request, network) =
                    self.assigned_in_stage(id, ProofRequestStatus::PendingAcknowledgement)?;
                if accept {
                    let pending = request.deadline_key();
                    request.status = ProofRequestStatus::Committed;
                    let committed = Entry {
                        deadline: request.proving_deadline(),
                        request_id: request.request_id,
                        id,
                    };
                    self.deadlines
                        .replace(pending, committed)
                        .or_fail(|| Error::DeadlineIndexMismatch(id))?;
                } else {
                    self.leave_index(id, &request)?;
                    request.status = ProofRequestStatus::Refused;
                }
                self.requests.insert(id, &request);
                ProofRequestAcknowledged {
                    chain_id: id.chain_id,
                    block_number: id.block_number,
                    accepted: accept,
                    assigned_to: network,
                }
                .emit();
                Ok(())
            })
        }

        /// Delivers the proof of a Committed request before its proving deadline, asking for
        /// `requested_reward` (capped at the request's `max_reward`).
        ///
        /// Caller: the current address of the request's assignee.
        ///
        /// # Errors
        /// `ProofRequestNotFound`, `OnlyProvingNetworkAssigneeAllowed(caller)`,
        /// `ProofRequestIsNotCommitted(status)`, `ProofRequestProvingDeadlinePassed(deadline)`,
        /// `EmptyProof`, `InputTooLarge` (over `MAX_PROOF_LEN`), `ArithmeticOverflow`,
        /// `DeadlineIndexMismatch`.
        ///
        /// # Events
        /// `ProofRequestProven`.
        #[ink(message)]
        pub fn submit_proof(
            &mut self,
            id: ProofRequestIdentifier,
            proof: Vec<u8>,
            requested_reward: u128,
        ) -> Outcome<()> {
            checked(|| {
                let (mut request, network) =
                    self.assigned_in_stage(id, ProofRequestStatus::Committed)?;
                if proof.is_empty() {
                    refuse!(Error::EmptyProof);
                }
                ensure_len(proof.len(), MAX_PROOF_LEN)?;
                let reward = requested_reward.min(request.max_reward);
                self.proven_unvalidated = self
                    .proven_unvalidated
                    .checked_add(reward)
                    .or_fail(|| Error::ArithmeticOverflow)?;
                self.leave_index(id, &request)?;
                request.status = ProofRequestStatus::Proven;
                request.requested_reward = reward;
                self.requests.insert(id, &request);
                self.proofs.insert(id, &proof);
                ProofRequestProven {
                    chain_id: id.chain_id,
                    block_number: id.block_number,
                    proof,
                    assigned_to: network,
                    requested_reward: reward,
                }
                .emit();
                Ok(())
            })
        }

        /// Pays the caller's network its validated rewards in the payment token, oldest first,
        /// whole requests only, at most `MAX_CLAIM` per call; what is left stays owed for the
        /// next claim. It settles every validated request up to that limit, zero rewards
        /// included, and the requests it settles read Paid; a claim that settles only zero
        /// rewards pays 0 and makes no token call. Returns the amount paid.
        ///
        /// Caller: either network's current address (paid to that address).
        ///
        /// # Errors
        /// `OnlyProvingNetworkAllowed(caller)`, `NoPaymentDue` (no validated request left to
        /// settle), `TokenTransferFailed` / `TokenCallFailed` (nothing changes: the rewards stay
        /// owed), `ArithmeticOverflow`, `LedgerEntryMissing`.
        ///
        /// # Events
        /// `RewardClaimed`.
        #[ink(message)]
        pub fn claim_reward(&mut self) -> Outcome<u128> {
            checked(|| {
                let caller = self.env().caller();
                let network = ProvingNetwork::ALL
                    .into_iter()
                    .find(|n| self.network(*n).address == caller)
                    .or_fail(|| Error::OnlyProvingNetworkAllowed(caller))?;
                let state = *self.network(network);
                if state.paid_count == state.validated_count {
                    refuse!(Error::NoPaymentDue);
                }
                let (paid_count, paid_total) = if state.owed() <= MAX_CLAIM {
                    (state.validated_count, state.validated_total)
                } else {
                    self.largest_settlement(network, &state)?
                };
                let amount = paid_total
                    .checked_sub(state.paid_total)
                    .or_fail(|| Error::ArithmeticOverflow)?;
                let state = self.network_mut(network);
                state.paid_count = paid_count;
                state.paid_total = paid_total;
                // Effects before the call; an `Err` reverts them, and pallet-contracts refuses
                // reentry unless a call allows it, which this one does not. Settling only zero
                // rewards moves nothing, so it asks nothing of the token.
                if amount > 0 {
                    token::transfer(self.usdc, caller, amount)?;
                }
                RewardClaimed {
                    by: network,
                    amount,
                    paid_requests: paid_count,
                }
                .emit();
                Ok(amount)
            })
        }

        // ------------------------------------------------------------------------------------
        // Helpers
        // ------------------------------------------------------------------------------------

        fn network(&self, network: ProvingNetwork) -> &NetworkState {
            &self.networks[network_index(network)]
        }

        fn network_mut(&mut self, network: ProvingNetwork) -> &mut NetworkState {
            &mut self.networks[network_index(network)]
        }

        fn ensure_admin(&self) -> Checked<AccountId> {
            let caller = self.env().caller();
            if caller == self.admin {
                Ok(caller)
            } else {
                fail(Error::OnlyAdminAllowed(caller))
            }
        }

        fn ensure_submitter(&self) -> Checked<()> {
            let caller = self.env().caller();
            if caller == self.submitter {
                Ok(())
            } else {
                fail(Error::OnlySubmitterAllowed(caller))
            }
        }

        /// The request's assignee, if the caller is its current address.
        fn ensure_assignee(&self, request: &StoredRequest) -> Checked<ProvingNetwork> {
            let caller = self.env().caller();
            request
                .assigned_to
                .filter(|n| self.network(*n).address == caller)
                .or_fail(|| Error::OnlyProvingNetworkAssigneeAllowed(caller))
        }

        fn stored_request(&self, id: ProofRequestIdentifier) -> Checked<StoredRequest> {
            self.requests
                .get(id)
                .or_fail(|| Error::ProofRequestNotFound(id))
        }

        /// Upstream's `_nextAssignee`: 25% Fermah, 25% Lagrange, 50% preferred.
        fn assignee(&self, request_id: u64) -> Option<ProvingNetwork> {
            match request_id % 4 {
                0 => Some(ProvingNetwork::Fermah),
                1 => Some(ProvingNetwork::Lagrange),
                _ => self.preferred,
            }
        }

        fn effective_status(&self, request: &StoredRequest, now: u64) -> ProofRequestStatus {
            match (request.status, request.assigned_to) {
                (ProofRequestStatus::PendingAcknowledgement, _) if now > request.ack_deadline() => {
                    ProofRequestStatus::Unacknowledged
                }
                (ProofRequestStatus::Committed, _) if now > request.proving_deadline() => {
                    ProofRequestStatus::TimedOut
                }
                (ProofRequestStatus::Validated, Some(network))
                    if request.validation_index < self.network(network).paid_count =>
                {
                    ProofRequestStatus::Paid
                }
                (status, _) => status,
            }
        }

        /// `request`'s deadline if its stored status is `stage`, one of the two in-flight stages
        /// (PendingAcknowledgement, Committed); otherwise the stage's refusal, with the
        /// effective status.
        fn deadline_in_stage(
            &self,
            request: &StoredRequest,
            stage: ProofRequestStatus,
            now: u64,
        ) -> Checked<u64> {
            if request.status == stage {
                return Ok(request.deadline_key().0);
            }
            let status = self.effective_status(request, now);
            fail(if stage == ProofRequestStatus::PendingAcknowledgement {
                Error::ProofRequestIsNotPendingAcknowledgement(status)
            } else {
                Error::ProofRequestIsNotCommitted(status)
            })
        }

        /// The request `id` and its assignee, if the caller is that assignee, the request is in
        /// the in-flight `stage` and the stage's deadline has not passed: what acknowledging
        /// (PendingAcknowledgement) and proving (Committed) require, checked in one copy of
        /// the code for both.
        fn assigned_in_stage(
            &self,
            id: ProofRequestIdentifier,
            stage: ProofRequestStatus,
        ) -> Checked<(StoredRequest, ProvingNetwork)> {
            let request = self.stored_request(id)?;
            let network = self.ensure_assignee(&request)?;
            let now = self.env().block_timestamp();
            let deadline = self.deadline_in_stage(&request, stage, now)?;
            if now > deadline {
                refuse!(if stage == ProofRequestStatus::PendingAcknowledgement {
                    Error::ProofRequestAcknowledgementDeadlinePassed(deadline)
                } else {
                    Error::ProofRequestProvingDeadlinePassed(deadline)
                });
            }
            Ok((request, network))
        }

        /// `mark_unacknowledged` (`stage` PendingAcknowledgement) and `mark_timed_out`
        /// (Committed) in one copy of the code: persists the expiry of the request `id` in
        /// `stage` once the stage's deadline has passed.
        fn mark_expired(
            &mut self,
            id: ProofRequestIdentifier,
            stage: ProofRequestStatus,
        ) -> Checked<()> {
            self.ensure_submitter()?;
            let request = self.stored_request(id)?;
            let now = self.env().block_timestamp();
            let deadline = self.deadline_in_stage(&request, stage, now)?;
            if now <= deadline {
                refuse!(Error::DeadlineNotPassed(deadline));
            }
            self.leave_index(id, &request)?;
            self.expire(id, request, false);
            Ok(())
        }

        /// Takes an in-flight request out of the deadline index, by the key its stored stage
        /// gives; an index without that entry is a broken invariant.
        fn leave_index(
            &mut self,
            id: ProofRequestIdentifier,
            request: &StoredRequest,
        ) -> Checked<()> {
            self.deadlines
                .remove(request.deadline_key())
                .map(|_| ())
                .or_fail(|| Error::DeadlineIndexMismatch(id))
        }

        /// Stores the expired status of a PendingAcknowledgement (now Unacknowledged) or
        /// Committed (now TimedOut) request that has left the deadline index, which takes it out
        /// of the funds reservation.
        fn expire(&mut self, id: ProofRequestIdentifier, mut request: StoredRequest, purged: bool) {
            request.status = match request.status {
                ProofRequestStatus::PendingAcknowledgement => ProofRequestStatus::Unacknowledged,
                _ => ProofRequestStatus::TimedOut,
            };
            self.requests.insert(id, &request);
            if let Some(network) = request.assigned_to {
                ProofRequestExpired {
                    chain_id: id.chain_id,
                    block_number: id.block_number,
                    assigned_to: network,
                    status: request.status,
                    purged,
                }
                .emit();
            }
        }

        /// Upstream's `_purge_expired_requests`: at most `MAX_PURGE` requests whose deadline is
        /// before `now`, earliest first. As upstream, only PendingAcknowledgement and Committed
        /// requests expire; an index entry for any other is a broken invariant.
        fn purge_expired(&mut self, now: u64) -> Checked<()> {
            for entry in self.deadlines.pop_expired(now, MAX_PURGE as usize) {
                match self.requests.get(entry.id) {
                    Some(request)
                        if matches!(
                            request.status,
                            ProofRequestStatus::PendingAcknowledgement
                                | ProofRequestStatus::Committed
                        ) =>
                    {
                        self.expire(entry.id, request, true)
                    }
                    _ => refuse!(Error::DeadlineIndexMismatch(entry.id)),
                }
            }
            Ok(())
        }

        /// The obligations, `None` when their sum overflows.
        fn obligations_sum(&self) -> Option<u128> {
            self.networks
                .iter()
                .try_fold(self.proven_unvalidated, |sum, state| {
                    sum.checked_add(state.owed())
                })
        }

        fn obligations_total(&self) -> Checked<u128> {
            self.obligations_sum().or_fail(|| Error::ArithmeticOverflow)
        }

        /// Upstream's `_can_accept_request`, plus the case where the balance fell below the
        /// obligations (a token can misreport it): nothing is free then.
        fn ensure_funds_for_one_more(&self) -> Checked<()> {
            let free = self
                .token_balance()?
                .saturating_sub(self.obligations_total()?);
            // `free / MAX_REWARD > in_flight` without the u128 division's code.
            let needed = reservation(self.deadlines.len()).saturating_add(MAX_REWARD);
            if free >= needed {
                Ok(())
            } else {
                fail(Error::NoFundsAvailable)
            }
        }

        fn token_balance(&self) -> Checked<u128> {
            token::balance_of(self.usdc, self.env().account_id())
        }

        /// For a network owed more than `MAX_CLAIM`: the longest prefix of its unpaid ledger that
        /// sums to at most `MAX_CLAIM`, as (paid count, paid total) after settling it. A binary
        /// search over the running sums: O(log n) reads, however many requests it settles.
        fn largest_settlement(
            &self,
            network: ProvingNetwork,
            state: &NetworkState,
        ) -> Checked<(u64, u128)> {
            let limit = state
                .paid_total
                .checked_add(MAX_CLAIM)
                .or_fail(|| Error::ArithmeticOverflow)?;
            let total_at = |index: u64| self.validated_totals.get((network, index));
            // `lo` always settles within the limit: one reward is at most `MAX_REWARD`, which
            // is below `MAX_CLAIM`. `hi` never does: the whole ledger is owed more than that.
            let mut lo = state.paid_count;
            let mut hi = state
                .validated_count
                .checked_sub(1)
                .or_fail(|| Error::ArithmeticOverflow)?;
            while hi.saturating_sub(lo) > 1 {
                let mid = lo.saturating_add(hi.saturating_sub(lo) / 2);
                if total_at(mid).is_some_and(|total| total <= limit) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let total = total_at(lo).or_fail(|| Error::LedgerEntryMissing(network, lo))?;
            let count = lo.checked_add(1).or_fail(|| Error::ArithmeticOverflow)?;
            Ok((count, total))
        }
    }

    /// `MAX_REWARD` for each of `in_flight` requests. At most 2^64 × `MAX_REWARD`, below 2^87:
    /// the product cannot overflow, so it needs no overflow check, which for a u128 product is
    /// code.
    fn reservation(in_flight: u64) -> u128 {
        u128::from(in_flight).wrapping_mul(MAX_REWARD)
    }

    /// The constructor's checks, in upstream's order.
    fn ensure_roles(
        fermah: AccountId,
        lagrange: AccountId,
        usdc: AccountId,
        submitter: AccountId,
        admin: AccountId,
    ) -> Checked<()> {
        ensure_not_zero(submitter, AddressField::Submitter)?;
        ensure_not_zero(admin, AddressField::Admin)?;
        ensure_not_zero(fermah, AddressField::Fermah)?;
        ensure_not_zero(lagrange, AddressField::Lagrange)?;
        ensure_not_zero(usdc, AddressField::Usdc)?;
        if fermah == lagrange {
            refuse!(Error::AddressInUse(lagrange));
        }
        Ok(())
    }

    fn ensure_not_zero(account: AccountId, field: AddressField) -> Checked<()> {
        if account == AccountId::from([0u8; 32]) {
            fail(Error::AddressCannotBeZero(field))
        } else {
            Ok(())
        }
    }

    fn ensure_len(len: usize, max: u32) -> Checked<()> {
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        if len > max {
            fail(Error::InputTooLarge(len))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests;
