//! Types of the public interface: message arguments, return values and event fields.
//!
//! The order of enum variants and struct fields is the ABI (their SCALE encoding, which clients
//! decode) and, for the types the contract stores, the storage layout that code installed by
//! `set_code` reads: append new variants and fields at the end; never reorder or remove one.

use ink::prelude::{string::String, vec::Vec};
use ink::primitives::AccountId;

/// The proving networks that requests are distributed to. "No network" is `None` wherever the
/// interface takes an `Option<ProvingNetwork>` (upstream's `ProvingNetwork.None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum ProvingNetwork {
    Fermah,
    Lagrange,
}

impl ProvingNetwork {
    /// Both networks, in the order the round robin serves them.
    pub const ALL: [ProvingNetwork; 2] = [ProvingNetwork::Fermah, ProvingNetwork::Lagrange];

    /// The network that is not `self`.
    pub fn other(self) -> ProvingNetwork {
        match self {
            ProvingNetwork::Fermah => ProvingNetwork::Lagrange,
            ProvingNetwork::Lagrange => ProvingNetwork::Fermah,
        }
    }
}

/// Whether a network receives new requests. An inactive network's requests are Refused at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum ProvingNetworkStatus {
    Active,
    Inactive,
}

/// The states of a proof request; the README's diagram shows the legal transitions.
///
/// `Unacknowledged` and `TimedOut` are reported by `proof_request` as soon as the deadline has
/// passed; storage catches up when the request is purged or marked. `Paid` is derived from the
/// network's paid cursor: it is never written to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum ProofRequestStatus {
    /// Submitted and assigned; the assignee has until `submitted_at + ACK_TIMEOUT` to
    /// acknowledge. Reserves `MAX_REWARD` of the funds.
    PendingAcknowledgement,
    /// The assignee committed to prove it by `submitted_at + timeout_after`. Still reserves
    /// `MAX_REWARD`.
    Committed,
    /// Final: the assignee declined it, or it was assigned to an inactive network or to the
    /// preferred network while none was set. The operator proves it elsewhere.
    Refused,
    /// Final: the assignee did not acknowledge it by its acknowledgement deadline.
    Unacknowledged,
    /// The assignee delivered a proof in time; its `requested_reward` awaits the submitter's
    /// verdict and counts in `obligations()`.
    Proven,
    /// Final: the assignee committed but delivered no proof by the proving deadline.
    TimedOut,
    /// The proof was valid: its reward is owed to the assignee until a claim settles it.
    Validated,
    /// Final: the submitter found the proof invalid; nothing is owed.
    ValidationFailed,
    /// Final: a claim settled the Validated request and paid its reward.
    Paid,
}

/// A request's key: one proof per (chain, block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct ProofRequestIdentifier {
    pub chain_id: u64,
    pub block_number: u64,
}

/// What the submitter asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct ProofRequestParams {
    pub protocol_major: u32,
    pub protocol_minor: u32,
    pub protocol_patch: u32,
    /// Where the prover fetches the inputs; at most `MAX_PROOF_INPUTS_URL_LEN` bytes.
    pub proof_inputs_url: String,
    /// Proving window in milliseconds from submission: `ACK_TIMEOUT < timeout_after <= MAX_TIMEOUT_AFTER`.
    pub timeout_after: u64,
    /// Most the submitter pays for the proof, in the token's units: `0 < max_reward <= MAX_REWARD`.
    pub max_reward: u128,
}

/// A proof request as `proof_request` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct ProofRequest {
    pub protocol_major: u32,
    pub protocol_minor: u32,
    pub protocol_patch: u32,
    pub proof_inputs_url: String,
    /// The effective status at the current block time.
    pub status: ProofRequestStatus,
    /// `None` only when the request fell to the preferred network while none was set.
    pub assigned_to: Option<ProvingNetwork>,
    /// Block timestamp of the submission, in milliseconds.
    pub submitted_at: u64,
    pub timeout_after: u64,
    pub max_reward: u128,
    /// What the network asked for when proving, capped at `max_reward`; 0 before that.
    pub requested_reward: u128,
    /// Empty until proven.
    pub proof: Vec<u8>,
    /// Position in the round robin: the request counter at submission.
    pub request_id: u64,
}

/// A network's address, status and unpaid validated rewards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct ProvingNetworkInfo {
    pub address: AccountId,
    pub status: ProvingNetworkStatus,
    pub owed_reward: u128,
}

/// Names the argument that was the all-zero account in `AddressCannotBeZero`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum AddressField {
    Fermah,
    Lagrange,
    Usdc,
    Submitter,
    Admin,
    ProvingNetwork,
}
