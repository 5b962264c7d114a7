//! The reference model: ProofManager's rules as README.md states them, in plain Rust, with the
//! PSP22 mock it pays in and the events each message emits. No drink, no ink! storage.
//!
//! Each message checks in the contract's order and changes nothing (and emits nothing) when it
//! returns an `Err`, so `apply` can run any call in any state. Two users keep it honest: the
//! model-based property test (`tests/model`) runs random call sequences on the release bundles
//! and on this model and compares every reply, request, balance and event; the settlement
//! simulator (`sim/`) runs millions of requests through it, so the bookkeeping is indexed (the
//! in-flight deadlines, the proven and owed sums) rather than recomputed per call.

mod calls;
mod state;
mod token;

pub use state::{Model, Network, Request, Setup};
pub use token::Token;

use ink::primitives::{AccountId, Hash};
use proof_manager::{
    Error, ProofRequestIdentifier, ProofRequestParams, ProvingNetwork, ProvingNetworkStatus,
};
use psp22::PSP22Error;

/// A request's identifier as an ordered map key.
pub type Key = (u64, u64);

pub fn key(id: ProofRequestIdentifier) -> Key {
    (id.chain_id, id.block_number)
}

/// The identifier of a key.
pub fn id_of(key: Key) -> ProofRequestIdentifier {
    ProofRequestIdentifier {
        chain_id: key.0,
        block_number: key.1,
    }
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
