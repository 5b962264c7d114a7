//! Events, named as upstream's; `#[ink(topic)]` stands exactly on upstream's indexed fields.
//! Every state change emits one event per request it changes.

use crate::types::{ProofRequestStatus, ProvingNetwork, ProvingNetworkStatus};
use ink::prelude::{string::String, vec::Vec};
use ink::primitives::{AccountId, Hash};

/// A request was stored; networks filter on `assigned_to`. `status` is PendingAcknowledgement,
/// or Refused when the assignee is inactive or missing.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofRequestSubmitted {
    #[ink(topic)]
    pub chain_id: u64,
    #[ink(topic)]
    pub block_number: u64,
    #[ink(topic)]
    pub assigned_to: Option<ProvingNetwork>,
    pub proof_inputs_url: String,
    pub protocol_major: u32,
    pub protocol_minor: u32,
    pub protocol_patch: u32,
    pub timeout_after: u64,
    pub max_reward: u128,
    pub request_id: u64,
    pub status: ProofRequestStatus,
}

/// The submitter recorded the settlement layer's verdict on a proof.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofValidationResult {
    #[ink(topic)]
    pub chain_id: u64,
    #[ink(topic)]
    pub block_number: u64,
    pub is_proof_valid: bool,
    #[ink(topic)]
    pub assigned_to: ProvingNetwork,
}

/// The assignee committed to (`accepted`) or refused a request.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofRequestAcknowledged {
    #[ink(topic)]
    pub chain_id: u64,
    #[ink(topic)]
    pub block_number: u64,
    pub accepted: bool,
    #[ink(topic)]
    pub assigned_to: ProvingNetwork,
}

/// The assignee submitted a proof; sequencers read the proof from here.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofRequestProven {
    #[ink(topic)]
    pub chain_id: u64,
    #[ink(topic)]
    pub block_number: u64,
    pub proof: Vec<u8>,
    pub assigned_to: ProvingNetwork,
    pub requested_reward: u128,
}

/// A request passed its deadline and its stored status became Unacknowledged or TimedOut,
/// either by `mark_unacknowledged` / `mark_timed_out` or by the purge in `submit_proof_request`
/// (`purged`).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofRequestExpired {
    #[ink(topic)]
    pub chain_id: u64,
    #[ink(topic)]
    pub block_number: u64,
    #[ink(topic)]
    pub assigned_to: ProvingNetwork,
    pub status: ProofRequestStatus,
    pub purged: bool,
}

/// A network was paid `amount`, settling its validated requests up to `paid_requests` (its
/// count of settled requests after the claim).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardClaimed {
    #[ink(topic)]
    pub by: ProvingNetwork,
    pub amount: u128,
    pub paid_requests: u64,
}

/// The admin withdrew `amount` of `token` to itself.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundsWithdrawn {
    #[ink(topic)]
    pub token: AccountId,
    #[ink(topic)]
    pub by: AccountId,
    pub amount: u128,
}

/// A network's key was set (at construction) or rotated.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvingNetworkAddressUpdated {
    #[ink(topic)]
    pub proving_network: ProvingNetwork,
    pub address: AccountId,
}

/// A network was (de)activated; networks filter for their own status.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvingNetworkStatusUpdated {
    #[ink(topic)]
    pub proving_network: ProvingNetwork,
    pub status: ProvingNetworkStatus,
}

/// The network that receives half of the requests changed.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferredProvingNetworkUpdated {
    #[ink(topic)]
    pub proving_network: Option<ProvingNetwork>,
}

/// The submitter role moved to `new`.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitterUpdated {
    #[ink(topic)]
    pub previous: AccountId,
    #[ink(topic)]
    pub new: AccountId,
}

/// The admin nominated `pending` as its successor; nothing changes until `accept_admin`.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminTransferStarted {
    #[ink(topic)]
    pub admin: AccountId,
    #[ink(topic)]
    pub pending: AccountId,
}

/// The admin role moved to `new`.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminTransferred {
    #[ink(topic)]
    pub previous: AccountId,
    #[ink(topic)]
    pub new: AccountId,
}

/// The contract's code was replaced; storage is kept.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeUpgraded {
    #[ink(topic)]
    pub code_hash: Hash,
}
