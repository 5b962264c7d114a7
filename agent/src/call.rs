//! The calls an agent makes, what the contract answers, and which answers mean that an earlier
//! attempt of the same call already took effect.

use proof_manager::{Error, ProofRequestIdentifier, ProofRequestParams, ProofRequestStatus};
use serde::{Deserialize, Serialize};

/// A request identifier as the agents store it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Id {
    pub chain_id: u64,
    pub block_number: u64,
}

impl From<ProofRequestIdentifier> for Id {
    fn from(id: ProofRequestIdentifier) -> Self {
        Id {
            chain_id: id.chain_id,
            block_number: id.block_number,
        }
    }
}

impl From<Id> for ProofRequestIdentifier {
    fn from(id: Id) -> Self {
        ProofRequestIdentifier {
            chain_id: id.chain_id,
            block_number: id.block_number,
        }
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.chain_id, self.block_number)
    }
}

/// What `submit_proof_request` is given, as the submitter stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    pub protocol: (u32, u32, u32),
    pub url: String,
    pub timeout_after: u64,
    pub max_reward: u128,
}

impl Params {
    pub fn to_contract(&self) -> ProofRequestParams {
        ProofRequestParams {
            protocol_major: self.protocol.0,
            protocol_minor: self.protocol.1,
            protocol_patch: self.protocol.2,
            proof_inputs_url: self.url.clone(),
            timeout_after: self.timeout_after,
            max_reward: self.max_reward,
        }
    }
}

/// One contract call an agent decides to make, as its own key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Call {
    Submit {
        id: Id,
        params: Params,
    },
    Validate {
        id: Id,
        valid: bool,
    },
    MarkUnacknowledged {
        id: Id,
    },
    MarkTimedOut {
        id: Id,
    },
    Acknowledge {
        id: Id,
        accept: bool,
    },
    SubmitProof {
        id: Id,
        #[serde(with = "hex_bytes")]
        proof: Vec<u8>,
        requested_reward: u128,
    },
    Claim,
}

impl Call {
    /// The message's name, for logs and tables.
    pub fn message(&self) -> &'static str {
        match self {
            Call::Submit { .. } => "submit_proof_request",
            Call::Validate { .. } => "submit_proof_validation_result",
            Call::MarkUnacknowledged { .. } => "mark_unacknowledged",
            Call::MarkTimedOut { .. } => "mark_timed_out",
            Call::Acknowledge { .. } => "acknowledge_proof_request",
            Call::SubmitProof { .. } => "submit_proof",
            Call::Claim => "claim_reward",
        }
    }

    /// The request the call is about, if any.
    pub fn id(&self) -> Option<Id> {
        match self {
            Call::Submit { id, .. }
            | Call::Validate { id, .. }
            | Call::MarkUnacknowledged { id }
            | Call::MarkTimedOut { id }
            | Call::Acknowledge { id, .. }
            | Call::SubmitProof { id, .. } => Some(*id),
            Call::Claim => None,
        }
    }

    /// Whether `status` (the request's effective status on chain) shows that this call, sent
    /// before, took effect: what a restarted agent checks before sending a call again.
    pub fn applied_at(&self, status: Option<ProofRequestStatus>) -> bool {
        use ProofRequestStatus::*;
        match (self, status) {
            (Call::Submit { .. }, status) => status.is_some(),
            (Call::Validate { .. }, Some(s)) => matches!(s, Validated | ValidationFailed | Paid),
            (Call::Acknowledge { accept: true, .. }, Some(s)) => {
                matches!(
                    s,
                    Committed | Proven | TimedOut | Validated | ValidationFailed | Paid
                )
            }
            (Call::Acknowledge { accept: false, .. }, Some(s)) => s == Refused,
            (Call::SubmitProof { .. }, Some(s)) => {
                matches!(s, Proven | Validated | ValidationFailed | Paid)
            }
            // A mark cannot be told from the deadline having passed (the view reports the
            // effective status either way) and a claim is never repeated by mistake (it pays
            // what is owed, or nothing): both are simply sent again.
            _ => false,
        }
    }
}

/// What a call that the contract executed returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Success {
    Done,
    /// `claim_reward`'s amount.
    Claimed(u128),
}

/// The contract's answer to a call: its value or its error.
pub type Reply = Result<Success, Error>;

/// Whether `error`, answering `call`, means that the call's effect is already there (an earlier
/// attempt, or the purge, did it): the call counts as done.
pub fn means_done(call: &Call, error: &Error) -> bool {
    use ProofRequestStatus::*;
    match (call, error) {
        (Call::Submit { id, .. }, Error::DuplicatedProofRequest(dup)) => Id::from(*dup) == *id,
        (Call::MarkUnacknowledged { .. }, Error::ProofRequestIsNotPendingAcknowledgement(s)) => {
            *s == Unacknowledged
        }
        (Call::MarkTimedOut { .. }, Error::ProofRequestIsNotCommitted(s)) => *s == TimedOut,
        (Call::Validate { .. }, Error::ProofRequestIsNotProven(s)) => {
            matches!(s, Validated | ValidationFailed | Paid)
        }
        (Call::Claim, Error::NoPaymentDue) => true,
        (call @ Call::Acknowledge { .. }, Error::ProofRequestIsNotPendingAcknowledgement(s))
        | (call @ Call::SubmitProof { .. }, Error::ProofRequestIsNotCommitted(s)) => {
            call.applied_at(Some(*s))
        }
        _ => false,
    }
}

/// Proofs in the outbox as hex strings: a JSON array of 12,288 numbers would be four times
/// larger.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}
