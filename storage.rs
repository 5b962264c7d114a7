//! What the contract stores per network and per request, beside the root's roles and counters.
//!
//! The order of the fields is the storage layout: code installed by `set_code` decodes the
//! stored values with it. Append new fields at the end (with a migration); never reorder or
//! remove one.

use crate::deadlines::Key;
use crate::types::{ProofRequestStatus, ProvingNetwork, ProvingNetworkStatus};
use crate::ACK_TIMEOUT;
use ink::primitives::AccountId;

/// A network's key, status and payment ledger, kept in the root so a claim reads it at once.
///
/// Validated rewards are appended to a per-network ledger in validation order
/// (`validated_totals` holds its running sums); `paid_count` / `paid_total` is the cursor a
/// claim advances, so a claim never loops over requests and `Paid` is derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct NetworkState {
    pub(crate) address: AccountId,
    pub(crate) status: ProvingNetworkStatus,
    pub(crate) validated_count: u64,
    pub(crate) validated_total: u128,
    pub(crate) paid_count: u64,
    pub(crate) paid_total: u128,
}

impl NetworkState {
    pub(crate) fn new(address: AccountId) -> Self {
        Self {
            address,
            status: ProvingNetworkStatus::Active,
            validated_count: 0,
            validated_total: 0,
            paid_count: 0,
            paid_total: 0,
        }
    }

    pub(crate) fn owed(&self) -> u128 {
        self.validated_total.saturating_sub(self.paid_total)
    }
}

/// A request's fixed-size part. The URL and proof live under their own keys so that the
/// state machine never loads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct StoredRequest {
    pub(crate) protocol_major: u32,
    pub(crate) protocol_minor: u32,
    pub(crate) protocol_patch: u32,
    pub(crate) status: ProofRequestStatus,
    pub(crate) assigned_to: Option<ProvingNetwork>,
    pub(crate) submitted_at: u64,
    pub(crate) timeout_after: u64,
    pub(crate) max_reward: u128,
    pub(crate) requested_reward: u128,
    pub(crate) request_id: u64,
    /// Position in the assignee's validation ledger; meaningful once Validated.
    pub(crate) validation_index: u64,
}

impl StoredRequest {
    pub(crate) fn ack_deadline(&self) -> u64 {
        self.submitted_at.saturating_add(ACK_TIMEOUT)
    }

    pub(crate) fn proving_deadline(&self) -> u64 {
        self.submitted_at.saturating_add(self.timeout_after)
    }

    /// The request's key in the deadline index while it is in flight: the deadline of its
    /// current stage (acknowledgement while PendingAcknowledgement, proving once Committed).
    pub(crate) fn deadline_key(&self) -> Key {
        let deadline = match self.status {
            ProofRequestStatus::PendingAcknowledgement => self.ack_deadline(),
            _ => self.proving_deadline(),
        };
        (deadline, self.request_id)
    }
}
