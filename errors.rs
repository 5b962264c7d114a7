//! The one error type of every message.
//!
//! The order of the variants is the ABI: a variant's index is its SCALE encoding, which clients
//! decode. Append new variants at the end; never reorder, remove or change one.

// parity-scale-codec's derive casts variant indices to `u8` for variants that carry data, which
// cargo-contract's `-D clippy::cast_possible_truncation` rejects. This module holds no other code.
#![allow(clippy::cast_possible_truncation)]

use crate::types::{AddressField, ProofRequestIdentifier, ProofRequestStatus, ProvingNetwork};
use ink::primitives::AccountId;
use psp22::PSP22Error;

/// Why a message was refused. Every `Err` reverts all storage changes of the call.
///
/// Status errors carry the *effective* status, as `proof_request` reports it: TimedOut or
/// Unacknowledged where storage still says Committed or PendingAcknowledgement but the deadline
/// has passed, Paid where storage says Validated but a claim settled it.
#[derive(Debug, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum Error {
    /// The named address argument was the all-zero account.
    AddressCannotBeZero(AddressField),
    /// A request with this identifier was submitted before.
    DuplicatedProofRequest(ProofRequestIdentifier),
    /// `timeout_after` (carried, ms) is not in `(ACK_TIMEOUT, MAX_TIMEOUT_AFTER]`.
    InvalidProofRequestTimeout(u64),
    /// `max_reward` (carried) is not in `(0, MAX_REWARD]`.
    MaxRewardOutOfBounds(u128),
    /// The calling network has no validated request left to settle.
    NoPaymentDue,
    /// Free funds do not cover `MAX_REWARD` for every in-flight request plus the new one.
    NoFundsAvailable,
    /// The caller (carried) is neither network's current address.
    OnlyProvingNetworkAllowed(AccountId),
    /// The caller (carried) is not the current address of the request's assignee.
    OnlyProvingNetworkAssigneeAllowed(AccountId),
    /// Proving or marking TimedOut needs a stored Committed request; carries the effective
    /// status.
    ProofRequestIsNotCommitted(ProofRequestStatus),
    /// Acknowledging or marking Unacknowledged needs a stored PendingAcknowledgement request;
    /// carries the effective status.
    ProofRequestIsNotPendingAcknowledgement(ProofRequestStatus),
    /// Validation needs a Proven request; carries the effective status.
    ProofRequestIsNotProven(ProofRequestStatus),
    /// The acknowledgement deadline (carried, ms) has passed.
    ProofRequestAcknowledgementDeadlinePassed(u64),
    /// The proving deadline (carried, ms) has passed.
    ProofRequestProvingDeadlinePassed(u64),
    /// `submit_proof` was given an empty proof.
    EmptyProof,
    /// The caller (carried) is not the admin.
    OnlyAdminAllowed(AccountId),
    /// The caller (carried) is not the submitter.
    OnlySubmitterAllowed(AccountId),
    /// The caller (carried) is not the admin-elect of `transfer_admin`.
    OnlyPendingAdminAllowed(AccountId),
    /// The deadline (carried, ms) has not passed yet, so the request cannot be marked expired.
    DeadlineNotPassed(u64),
    /// The address (carried) already belongs to the other network.
    AddressInUse(AccountId),
    /// An unsized argument is longer (carried, bytes) than its documented bound.
    InputTooLarge(u32),
    /// No request has this identifier.
    ProofRequestNotFound(ProofRequestIdentifier),
    /// A withdrawal of the payment token would leave less than the obligations plus
    /// `MAX_REWARD` per in-flight request; carries the free amount that could be withdrawn.
    InsufficientFreeFunds(u128),
    /// The token refused a transfer; nothing changed.
    TokenTransferFailed(PSP22Error),
    /// The token contract could not be called or trapped; nothing changed.
    TokenCallFailed,
    /// `set_code` named a code hash that is not uploaded.
    CodeUpgradeFailed,
    /// A computation would overflow; nothing changed.
    ArithmeticOverflow,
    /// Broken invariant: the deadline index and the record of this request disagree (no index
    /// entry under the key its record gives, or an entry for a request that is not in flight).
    /// A `set_code` to code with other deadline rules while requests are in flight causes it;
    /// nothing changed, and code whose rules match the stored entries (the previous code)
    /// restores every message.
    DeadlineIndexMismatch(ProofRequestIdentifier),
    /// Broken invariant: the network's ledger has no running sum at this position below its
    /// validated count. Nothing changed.
    LedgerEntryMissing(ProvingNetwork, u64),
}
