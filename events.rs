//! Events, named as upstream's; `#[ink(topic)]` stands exactly on upstream's indexed fields.
//! Every state change emits one event per request it changes.
//!
//! The order of the fields is the ABI (indexers decode the SCALE data by it) and the topics are
//! derived from the event's name and field types: add new events or append fields only as a
//! deliberate interface change; never reorder or remove a field.

use crate::types::{ProofRequestStatus, ProvingNetwork, ProvingNetworkStatus};
use ink::prelude::{string::String, vec::Vec};
use ink::primitives::{AccountId, Hash};
use ink::scale::Encode;

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

// ---------------------------------------------------------------------------------------------
// Emission
// ---------------------------------------------------------------------------------------------

/// Where a topic field lies in its event's encoded data. Every topic field of these events
/// precedes the variable-length ones, so its offset is fixed.
#[derive(Clone, Copy)]
pub(crate) enum Field {
    /// `len` bytes at `offset`.
    At { offset: u8, len: u8 },
    /// An `Option` at `offset` whose value has `len` bytes after its tag.
    Optional { offset: u8, len: u8 },
}

/// What the chain records of an event type beside its data: the signature topic, then one
/// topic per `#[ink(topic)]` field.
pub(crate) trait Topics: Encode {
    const SIGNATURE: [u8; 32];
    const FIELDS: &'static [Field];

    /// Emits the event from the contract that calls it.
    fn emit(&self) {
        deposit(&Self::SIGNATURE, Self::FIELDS, &self.encode());
    }
}

/// A topic as `#[ink::event]` computes it: the field's SCALE encoding zero-padded to 32 bytes,
/// and for an `Option` field its value's, or the encoding of `0u8` for `None`.
fn topic(data: &[u8], field: Field) -> [u8; 32] {
    let (start, len) = match field {
        Field::At { offset, len } => (usize::from(offset), usize::from(len)),
        Field::Optional { offset, len } => match data.get(usize::from(offset)) {
            Some(1) => (usize::from(offset).saturating_add(1), usize::from(len)),
            _ => (0, 0),
        },
    };
    let mut topic = [0; 32];
    if let Some(value) = data.get(start..start.saturating_add(len)) {
        topic[..value.len()].copy_from_slice(value);
    }
    topic
}

/// Records an event, its topics taken from `data`.
///
/// Each `#[ink::event]` type would compile its own copy of ink!'s topic builder and emission,
/// and one per topic field type: ~5.7 KB of code in all, paid for on every call. Here every
/// event shares this function and adds only its fields' encoding.
#[cfg(not(feature = "std"))]
fn deposit(signature: &[u8; 32], fields: &[Field], data: &[u8]) {
    use pallet_contracts_uapi::{HostFn, HostFnImpl};
    // SCALE `Vec<[u8; 32]>`: the count as a one-byte compact (count × 4, at most 4 topics), then
    // the topics.
    let mut topics = [0u8; 1 + 4 * 32];
    let count = fields.len().saturating_add(1);
    topics[0] = u8::try_from(count.saturating_mul(4)).unwrap_or(0);
    topics[1..33].copy_from_slice(signature);
    for (slot, field) in topics[33..].chunks_exact_mut(32).zip(fields) {
        slot.copy_from_slice(&topic(data, *field));
    }
    HostFnImpl::deposit_event(&topics[..count.saturating_mul(32).saturating_add(1)], data);
}

/// Off chain, through ink!'s own emission (which unit tests record): the same topics and data.
#[cfg(feature = "std")]
fn deposit(signature: &[u8; 32], fields: &[Field], data: &[u8]) {
    let mut topics = ink::prelude::vec![*signature];
    topics.extend(fields.iter().map(|field| topic(data, *field)));
    match topics.len() {
        2 => emit_off_chain::<2>(&topics, data),
        3 => emit_off_chain::<3>(&topics, data),
        _ => emit_off_chain::<4>(&topics, data),
    }
}

/// An event as recorded: its topics and data, for ink!'s off-chain emission.
#[cfg(feature = "std")]
struct Recorded<'a, const N: usize> {
    topics: &'a [[u8; 32]],
    data: &'a [u8],
}

#[cfg(feature = "std")]
impl<const N: usize> Encode for Recorded<'_, N> {
    fn encode_to<O: ink::scale::Output + ?Sized>(&self, dest: &mut O) {
        dest.write(self.data)
    }
}

#[cfg(feature = "std")]
macro_rules! recorded_with_topics {
    ($($count:literal: $($index:literal)+;)+) => {
        $(
            impl ink::env::Event for Recorded<'_, $count> {
                type RemainingTopics = [ink::env::event::state::HasRemainingTopics; $count];

                // The signature is the first of `topics`.
                const SIGNATURE_TOPIC: Option<[u8; 32]> = None;

                fn topics<E, B>(
                    &self,
                    builder: ink::env::event::TopicsBuilder<ink::env::event::state::Uninit, E, B>,
                ) -> <B as ink::env::event::TopicsBuilderBackend<E>>::Output
                where
                    E: ink::env::Environment,
                    B: ink::env::event::TopicsBuilderBackend<E>,
                {
                    builder
                        .build::<Self>()
                        $(.push_topic(self.topics.get($index)))+
                        .finish()
                }
            }
        )+
    };
}

#[cfg(feature = "std")]
recorded_with_topics! {
    2: 0 1;
    3: 0 1 2;
    4: 0 1 2 3;
}

#[cfg(feature = "std")]
fn emit_off_chain<const N: usize>(topics: &[[u8; 32]], data: &[u8])
where
    for<'a> Recorded<'a, N>: ink::env::Event,
{
    ink::env::emit_event::<ink::env::DefaultEnvironment, _>(Recorded::<N> { topics, data });
}

/// The signature topic `#[ink::event]` computed for a (non-anonymous) event.
const fn signature(topic: Option<[u8; 32]>) -> [u8; 32] {
    match topic {
        Some(topic) => topic,
        None => panic!("every event of this contract has a signature topic"),
    }
}

/// `Topics` for each event: its `#[ink(topic)]` fields as offsets in its encoding.
macro_rules! topics {
    ($($event:ident: [$($field:expr),*];)+) => {
        $(
            impl Topics for $event {
                const SIGNATURE: [u8; 32] =
                    signature(<$event as ink::env::Event>::SIGNATURE_TOPIC);
                const FIELDS: &'static [Field] = &[$($field),*];
            }
        )+
    };
}

/// The encodings' sizes: `u64` 8 bytes, `bool` and `ProvingNetwork` 1, `AccountId` and `Hash`
/// 32; `Option<ProvingNetwork>` a tag and 1.
const CHAIN_ID: Field = Field::At { offset: 0, len: 8 };
const BLOCK_NUMBER: Field = Field::At { offset: 8, len: 8 };
const FIRST_NETWORK: Field = Field::At { offset: 0, len: 1 };
const FIRST_ACCOUNT: Field = Field::At { offset: 0, len: 32 };
const SECOND_ACCOUNT: Field = Field::At {
    offset: 32,
    len: 32,
};

topics! {
    ProofRequestSubmitted: [CHAIN_ID, BLOCK_NUMBER, Field::Optional { offset: 16, len: 1 }];
    ProofValidationResult: [CHAIN_ID, BLOCK_NUMBER, Field::At { offset: 17, len: 1 }];
    ProofRequestAcknowledged: [CHAIN_ID, BLOCK_NUMBER, Field::At { offset: 17, len: 1 }];
    ProofRequestProven: [CHAIN_ID, BLOCK_NUMBER];
    ProofRequestExpired: [CHAIN_ID, BLOCK_NUMBER, Field::At { offset: 16, len: 1 }];
    RewardClaimed: [FIRST_NETWORK];
    FundsWithdrawn: [FIRST_ACCOUNT, SECOND_ACCOUNT];
    ProvingNetworkAddressUpdated: [FIRST_NETWORK];
    ProvingNetworkStatusUpdated: [FIRST_NETWORK];
    PreferredProvingNetworkUpdated: [Field::Optional { offset: 0, len: 1 }];
    SubmitterUpdated: [FIRST_ACCOUNT, SECOND_ACCOUNT];
    AdminTransferStarted: [FIRST_ACCOUNT, SECOND_ACCOUNT];
    AdminTransferred: [FIRST_ACCOUNT, SECOND_ACCOUNT];
    CodeUpgraded: [FIRST_ACCOUNT];
}

/// Every event the contract emits, decoded for off-chain readers (the harness, the auditor, the
/// agents): one decoder, dispatching on the signature topic.
///
/// The signature topic (`topics[0]`) is the only sound discriminator. Two events can share a
/// SCALE layout (`ProofRequestAcknowledged` and `ProofValidationResult` are both
/// `(u64, u64, bool, ProvingNetwork)`), so trying decoders in turn would misread one as the
/// other; and field topics do not tell values apart either (`Some(Fermah)` and `None` both
/// start with a zero byte).
#[cfg(feature = "std")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagerEvent {
    ProofRequestSubmitted(ProofRequestSubmitted),
    ProofValidationResult(ProofValidationResult),
    ProofRequestAcknowledged(ProofRequestAcknowledged),
    ProofRequestProven(ProofRequestProven),
    ProofRequestExpired(ProofRequestExpired),
    RewardClaimed(RewardClaimed),
    FundsWithdrawn(FundsWithdrawn),
    ProvingNetworkAddressUpdated(ProvingNetworkAddressUpdated),
    ProvingNetworkStatusUpdated(ProvingNetworkStatusUpdated),
    PreferredProvingNetworkUpdated(PreferredProvingNetworkUpdated),
    SubmitterUpdated(SubmitterUpdated),
    AdminTransferStarted(AdminTransferStarted),
    AdminTransferred(AdminTransferred),
    CodeUpgraded(CodeUpgraded),
}

/// Why an emitted event is not a `ManagerEvent`.
#[cfg(feature = "std")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventDecodeError {
    /// The event has no topics, so no signature: ink! 5 events of this contract always have one.
    NoSignature,
    /// `topics[0]` is no signature of this contract's events (another contract's, or a newer
    /// version's event).
    UnknownSignature([u8; 32]),
    /// The signature is known but the data is not exactly one such event.
    Malformed { event: &'static str, reason: String },
}

#[cfg(feature = "std")]
impl core::fmt::Display for EventDecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoSignature => write!(f, "the event has no signature topic"),
            Self::UnknownSignature(topic) => {
                write!(f, "unknown event signature 0x")?;
                topic.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
            }
            Self::Malformed { event, reason } => write!(f, "malformed {event}: {reason}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EventDecodeError {}

#[cfg(feature = "std")]
macro_rules! manager_events {
    ($($event:ident),* $(,)?) => {
        impl ManagerEvent {
            /// Decodes an event from its topics and data: the type is the one whose signature is
            /// `topics[0]`, and the data must be exactly one value of it (no trailing bytes).
            ///
            /// # Errors
            /// `NoSignature`, `UnknownSignature(topic)`, or `Malformed` with the codec's reason.
            pub fn decode(topics: &[[u8; 32]], data: &[u8]) -> Result<Self, EventDecodeError> {
                use ink::scale::DecodeAll;
                let signature = *topics.first().ok_or(EventDecodeError::NoSignature)?;
                $(
                    if Some(signature) == <$event as ink::env::Event>::SIGNATURE_TOPIC {
                        return $event::decode_all(&mut &data[..])
                            .map(ManagerEvent::$event)
                            .map_err(|error| EventDecodeError::Malformed {
                                event: stringify!($event),
                                reason: error.to_string(),
                            });
                    }
                )*
                Err(EventDecodeError::UnknownSignature(signature))
            }

            /// The event's name, as in the contract's metadata.
            pub fn name(&self) -> &'static str {
                match self {
                    $(ManagerEvent::$event(_) => stringify!($event),)*
                }
            }

            /// The name and signature topic of every event the contract emits (none is
            /// anonymous, so each has one).
            pub fn signatures() -> Vec<(&'static str, [u8; 32])> {
                [$((stringify!($event), <$event as ink::env::Event>::SIGNATURE_TOPIC)),*]
                    .into_iter()
                    .filter_map(|(name, topic)| Some((name, topic?)))
                    .collect()
            }
        }
    };
}

#[cfg(feature = "std")]
manager_events!(
    ProofRequestSubmitted,
    ProofValidationResult,
    ProofRequestAcknowledged,
    ProofRequestProven,
    ProofRequestExpired,
    RewardClaimed,
    FundsWithdrawn,
    ProvingNetworkAddressUpdated,
    ProvingNetworkStatusUpdated,
    PreferredProvingNetworkUpdated,
    SubmitterUpdated,
    AdminTransferStarted,
    AdminTransferred,
    CodeUpgraded,
);
