//! The JSON Lines event log: `export` writes one decoded event per line and a closing line with
//! the observed window; `import` reads such a file back, re-encodes each event with the
//! contract's own types, and stores everything in one transaction or nothing.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use ink::primitives::{AccountId, Hash};
use ink::scale::Encode;
use proof_manager::*;
use serde::{Deserialize, Serialize};

use crate::error::{hex32, Error, Result};
use crate::store::{Cursor, Store, Window};

mod hex_bytes {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(bytes)))
    }

    pub fn parse(text: &str) -> Result<Vec<u8>, String> {
        let digits = text
            .strip_prefix("0x")
            .ok_or_else(|| format!("{text:?} is not 0x-prefixed hex"))?;
        hex::decode(digits).map_err(|e| format!("{text:?} is not hex: {e}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        parse(<&str>::deserialize(d)?).map_err(D::Error::custom)
    }
}

mod hex_32 {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer, T: AsRef<[u8]>>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        super::hex_bytes::serialize(value.as_ref(), s)
    }

    pub fn parse(text: &str) -> Result<[u8; 32], String> {
        let bytes = super::hex_bytes::parse(text)?;
        <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| format!("{text:?} is {} bytes, not 32", bytes.len()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: From<[u8; 32]>>(d: D) -> Result<T, D::Error> {
        parse(<&str>::deserialize(d)?)
            .map(T::from)
            .map_err(D::Error::custom)
    }
}

mod option_network {
    use super::NetworkDef;
    use proof_manager::ProvingNetwork;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Network(#[serde(with = "NetworkDef")] ProvingNetwork);

    pub fn serialize<S: Serializer>(v: &Option<ProvingNetwork>, s: S) -> Result<S::Ok, S::Error> {
        v.map(Network).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<ProvingNetwork>, D::Error> {
        Ok(Option::<Network>::deserialize(d)?.map(|n| n.0))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ProvingNetwork")]
enum NetworkDef {
    Fermah,
    Lagrange,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ProvingNetworkStatus")]
enum NetworkStatusDef {
    Active,
    Inactive,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ProofRequestStatus")]
enum RequestStatusDef {
    PendingAcknowledgement,
    Committed,
    Refused,
    Unacknowledged,
    Proven,
    TimedOut,
    Validated,
    ValidationFailed,
    Paid,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ProofRequestSubmitted", deny_unknown_fields)]
struct SubmittedDef {
    chain_id: u64,
    block_number: u64,
    #[serde(with = "option_network")]
    assigned_to: Option<ProvingNetwork>,
    proof_inputs_url: String,
    protocol_major: u32,
    protocol_minor: u32,
    protocol_patch: u32,
    timeout_after: u64,
    max_reward: u128,
    request_id: u64,
    #[serde(with = "RequestStatusDef")]
    status: ProofRequestStatus,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ProofValidationResult", deny_unknown_fields)]
struct ValidationDef {
    chain_id: u64,
    block_number: u64,
    is_proof_valid: bool,
    #[serde(with = "NetworkDef")]
    assigned_to: ProvingNetwork,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ProofRequestAcknowledged", deny_unknown_fields)]
struct AcknowledgedDef {
    chain_id: u64,
    block_number: u64,
    accepted: bool,
    #[serde(with = "NetworkDef")]
    assigned_to: ProvingNetwork,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ProofRequestProven", deny_unknown_fields)]
struct ProvenDef {
    chain_id: u64,
    block_number: u64,
    #[serde(with = "hex_bytes")]
    proof: Vec<u8>,
    #[serde(with = "NetworkDef")]
    assigned_to: ProvingNetwork,
    requested_reward: u128,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ProofRequestExpired", deny_unknown_fields)]
struct ExpiredDef {
    chain_id: u64,
    block_number: u64,
    #[serde(with = "NetworkDef")]
    assigned_to: ProvingNetwork,
    #[serde(with = "RequestStatusDef")]
    status: ProofRequestStatus,
    purged: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "RewardClaimed", deny_unknown_fields)]
struct ClaimedDef {
    #[serde(with = "NetworkDef")]
    by: ProvingNetwork,
    amount: u128,
    paid_requests: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "FundsWithdrawn", deny_unknown_fields)]
struct WithdrawnDef {
    #[serde(with = "hex_32")]
    token: AccountId,
    #[serde(with = "hex_32")]
    by: AccountId,
    amount: u128,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ProvingNetworkAddressUpdated", deny_unknown_fields)]
struct AddressUpdatedDef {
    #[serde(with = "NetworkDef")]
    proving_network: ProvingNetwork,
    #[serde(with = "hex_32")]
    address: AccountId,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ProvingNetworkStatusUpdated", deny_unknown_fields)]
struct StatusUpdatedDef {
    #[serde(with = "NetworkDef")]
    proving_network: ProvingNetwork,
    #[serde(with = "NetworkStatusDef")]
    status: ProvingNetworkStatus,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "PreferredProvingNetworkUpdated", deny_unknown_fields)]
struct PreferredUpdatedDef {
    #[serde(with = "option_network")]
    proving_network: Option<ProvingNetwork>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "SubmitterUpdated", deny_unknown_fields)]
struct SubmitterUpdatedDef {
    #[serde(with = "hex_32")]
    previous: AccountId,
    #[serde(with = "hex_32")]
    new: AccountId,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "AdminTransferStarted", deny_unknown_fields)]
struct AdminTransferStartedDef {
    #[serde(with = "hex_32")]
    admin: AccountId,
    #[serde(with = "hex_32")]
    pending: AccountId,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "AdminTransferred", deny_unknown_fields)]
struct AdminTransferredDef {
    #[serde(with = "hex_32")]
    previous: AccountId,
    #[serde(with = "hex_32")]
    new: AccountId,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "CodeUpgraded", deny_unknown_fields)]
struct CodeUpgradedDef {
    #[serde(with = "hex_32")]
    code_hash: Hash,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ManagerEvent")]
enum ManagerEventDef {
    ProofRequestSubmitted(#[serde(with = "SubmittedDef")] ProofRequestSubmitted),
    ProofValidationResult(#[serde(with = "ValidationDef")] ProofValidationResult),
    ProofRequestAcknowledged(#[serde(with = "AcknowledgedDef")] ProofRequestAcknowledged),
    ProofRequestProven(#[serde(with = "ProvenDef")] ProofRequestProven),
    ProofRequestExpired(#[serde(with = "ExpiredDef")] ProofRequestExpired),
    RewardClaimed(#[serde(with = "ClaimedDef")] RewardClaimed),
    FundsWithdrawn(#[serde(with = "WithdrawnDef")] FundsWithdrawn),
    ProvingNetworkAddressUpdated(#[serde(with = "AddressUpdatedDef")] ProvingNetworkAddressUpdated),
    ProvingNetworkStatusUpdated(#[serde(with = "StatusUpdatedDef")] ProvingNetworkStatusUpdated),
    PreferredProvingNetworkUpdated(
        #[serde(with = "PreferredUpdatedDef")] PreferredProvingNetworkUpdated,
    ),
    SubmitterUpdated(#[serde(with = "SubmitterUpdatedDef")] SubmitterUpdated),
    AdminTransferStarted(#[serde(with = "AdminTransferStartedDef")] AdminTransferStarted),
    AdminTransferred(#[serde(with = "AdminTransferredDef")] AdminTransferred),
    CodeUpgraded(#[serde(with = "CodeUpgradedDef")] CodeUpgraded),
}

/// A decoded event in its JSON form: `{"EventName": {fields}}`.
#[derive(Serialize, Deserialize)]
struct EventJson(#[serde(with = "ManagerEventDef")] ManagerEvent);

/// An event the contract's decoder could not read, kept as its raw signature topic and data so
/// that a re-run counts it the same way.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Undecoded {
    signature: Option<String>,
    #[serde(with = "hex_bytes")]
    data: Vec<u8>,
    /// Why the decoder refused it: for people, the store keeps only the raw event.
    #[serde(default)]
    reason: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowJson {
    first_block: u64,
    first_block_time_ms: u64,
    last_block: u64,
    last_block_time_ms: u64,
}

/// Every line of the file has this shape; which fields are present says what the line is.
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(skip_serializing_if = "Option::is_none")]
    block_number: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_index: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    block_time_ms: Option<u64>,
    contract: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<EventJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    undecoded: Option<Undecoded>,
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<WindowJson>,
}

/// The signature topic and SCALE data of an event, as the contract emits it.
pub fn encode_event(event: &ManagerEvent) -> Option<([u8; 32], Vec<u8>)> {
    fn parts<E: ink::env::Event + Encode>(event: &E) -> Option<([u8; 32], Vec<u8>)> {
        Some((E::SIGNATURE_TOPIC?, event.encode()))
    }
    match event {
        ManagerEvent::ProofRequestSubmitted(e) => parts(e),
        ManagerEvent::ProofValidationResult(e) => parts(e),
        ManagerEvent::ProofRequestAcknowledged(e) => parts(e),
        ManagerEvent::ProofRequestProven(e) => parts(e),
        ManagerEvent::ProofRequestExpired(e) => parts(e),
        ManagerEvent::RewardClaimed(e) => parts(e),
        ManagerEvent::FundsWithdrawn(e) => parts(e),
        ManagerEvent::ProvingNetworkAddressUpdated(e) => parts(e),
        ManagerEvent::ProvingNetworkStatusUpdated(e) => parts(e),
        ManagerEvent::PreferredProvingNetworkUpdated(e) => parts(e),
        ManagerEvent::SubmitterUpdated(e) => parts(e),
        ManagerEvent::AdminTransferStarted(e) => parts(e),
        ManagerEvent::AdminTransferred(e) => parts(e),
        ManagerEvent::CodeUpgraded(e) => parts(e),
    }
}

/// What an export or an import moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    /// Event lines written or read.
    pub events: u64,
    /// Of those, events the decoder could not read (exported raw).
    pub undecoded: u64,
    /// Import only: events that were not already stored.
    pub new_events: u64,
    pub window: Window,
}

/// Writes every stored event and the window to `path`.
pub fn export(store: &Store, path: &Path) -> Result<Transfer> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let window = store.window()?.ok_or(Error::EmptyStore)?;
    let contract = hex32(&store.contract()?.ok_or(Error::EmptyStore)?);
    let mut out = BufWriter::new(File::create(path).map_err(io)?);
    let mut events = 0;
    let mut undecoded = 0;
    store.for_each_event(|stored| {
        let mut line = Line {
            block_number: Some(stored.block_number),
            event_index: Some(stored.event_index),
            block_time_ms: Some(stored.block_time_ms),
            contract: contract.clone(),
            ..Line::default()
        };
        match stored.decode() {
            Ok(event) => line.event = Some(EventJson(event)),
            Err(reason) => {
                undecoded += 1;
                line.undecoded = Some(Undecoded {
                    signature: stored.signature.as_ref().map(hex32),
                    data: stored.data.to_vec(),
                    reason: reason.to_string(),
                });
            }
        }
        events += 1;
        serde_json::to_writer(&mut out, &line).map_err(|e| io(e.into()))?;
        out.write_all(b"\n").map_err(io)
    })?;
    let line = Line {
        contract,
        window: Some(WindowJson {
            first_block: window.first.block_number,
            first_block_time_ms: window.first.block_time_ms,
            last_block: window.last.block_number,
            last_block_time_ms: window.last.block_time_ms,
        }),
        ..Line::default()
    };
    serde_json::to_writer(&mut out, &line).map_err(|e| io(e.into()))?;
    out.write_all(b"\n").map_err(io)?;
    out.flush().map_err(io)?;
    Ok(Transfer {
        events,
        undecoded,
        new_events: 0,
        window,
    })
}

fn json_reason(error: &serde_json::Error) -> String {
    error
        .to_string()
        .replace(" at line 1 column ", " at column ")
}

/// Reads `path` into `store` in one transaction: a bad line fails the import with its number
/// and the reason, and nothing is stored.
pub fn import(store: &mut Store, path: &Path) -> Result<Transfer> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let stored_contract = store.contract()?;
    let line_error = |line: usize, reason: String| Error::ImportLine {
        path: path.to_path_buf(),
        line,
        reason,
    };
    store.write(|w| {
        let mut reader = BufReader::new(file);
        let mut text = String::new();
        let mut number = 0;
        let mut contract: Option<([u8; 32], usize)> = stored_contract.map(|c| (c, 0));
        let mut previous: Option<(u64, u32, u64)> = None;
        let mut first_event_block: Option<u64> = None;
        let mut window: Option<(Window, usize)> = None;
        let mut events = 0;
        let mut undecoded = 0;
        loop {
            text.clear();
            let read = reader.read_line(&mut text).map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
            if read == 0 {
                break;
            }
            number += 1;
            if text.trim().is_empty() {
                continue;
            }
            let line: Line =
                serde_json::from_str(&text).map_err(|e| line_error(number, json_reason(&e)))?;
            let line_contract =
                hex_32::parse(&line.contract).map_err(|e| line_error(number, format!("contract: {e}")))?;
            match contract {
                Some((expected, _)) if expected != line_contract => {
                    let whose = match contract {
                        Some((_, 0)) | None => "the store's".to_string(),
                        Some((_, first)) => format!("line {first}'s"),
                    };
                    return Err(line_error(
                        number,
                        format!(
                            "contract {} is not {whose} contract {}",
                            line.contract,
                            hex32(&expected)
                        ),
                    ));
                }
                Some(_) => {}
                None => contract = Some((line_contract, number)),
            }
            if let Some(found) = line.window {
                if line.block_number.is_some()
                    || line.event_index.is_some()
                    || line.block_time_ms.is_some()
                    || line.event.is_some()
                    || line.undecoded.is_some()
                {
                    return Err(line_error(
                        number,
                        "a window line has only \"window\" and \"contract\"".into(),
                    ));
                }
                if let Some((_, first)) = window {
                    return Err(line_error(
                        number,
                        format!("a second window line (the first is line {first})"),
                    ));
                }
                if found.first_block > found.last_block
                    || found.first_block_time_ms > found.last_block_time_ms
                {
                    return Err(line_error(number, "the window ends before it starts".into()));
                }
                window = Some((
                    Window {
                        first: Cursor {
                            block_number: found.first_block,
                            block_time_ms: found.first_block_time_ms,
                        },
                        last: Cursor {
                            block_number: found.last_block,
                            block_time_ms: found.last_block_time_ms,
                        },
                    },
                    number,
                ));
                continue;
            }
            let (Some(block_number), Some(event_index), Some(block_time_ms)) =
                (line.block_number, line.event_index, line.block_time_ms)
            else {
                return Err(line_error(
                    number,
                    "an event line needs block_number, event_index and block_time_ms".into(),
                ));
            };
            if let Some((previous_block, previous_index, previous_time)) = previous {
                if (block_number, event_index) <= (previous_block, previous_index) {
                    return Err(line_error(
                        number,
                        format!(
                            "event ({block_number}, {event_index}) is not after the previous \
                             line's ({previous_block}, {previous_index}): events must be in chain order"
                        ),
                    ));
                }
                let consistent = if block_number == previous_block {
                    block_time_ms == previous_time
                } else {
                    block_time_ms >= previous_time
                };
                if !consistent {
                    return Err(line_error(
                        number,
                        format!(
                            "block {block_number}'s time {block_time_ms} does not follow block \
                             {previous_block}'s time {previous_time}"
                        ),
                    ));
                }
            }
            previous = Some((block_number, event_index, block_time_ms));
            first_event_block.get_or_insert(block_number);
            let (signature, data) = match (line.event, line.undecoded) {
                (Some(EventJson(event)), None) => {
                    let (signature, data) = encode_event(&event).ok_or_else(|| {
                        line_error(number, format!("{} has no signature topic", event.name()))
                    })?;
                    (Some(signature), data)
                }
                (None, Some(raw)) => {
                    undecoded += 1;
                    let signature = raw
                        .signature
                        .as_deref()
                        .map(hex_32::parse)
                        .transpose()
                        .map_err(|e| line_error(number, format!("undecoded.signature: {e}")))?;
                    (signature, raw.data)
                }
                _ => {
                    return Err(line_error(
                        number,
                        "an event line has exactly one of \"event\" and \"undecoded\"".into(),
                    ))
                }
            };
            w.insert(block_number, event_index, block_time_ms, signature.as_ref(), &data)?;
            events += 1;
        }
        let (window, window_line) = window.ok_or_else(|| Error::ImportFile {
            path: path.to_path_buf(),
            reason: "no window line (the file is cut short?)".into(),
        })?;
        if let (Some(first), Some((last, _, _))) = (first_event_block, previous) {
            if first < window.first.block_number || last > window.last.block_number {
                return Err(line_error(
                    window_line,
                    format!(
                        "the window {}..={} does not cover the events' blocks {first}..={last}",
                        window.first.block_number, window.last.block_number
                    ),
                ));
            }
        }
        if let Some(stored) = w.window()? {
            let (first, last) = (window.first.block_number, window.last.block_number);
            if first > stored.last.block_number.saturating_add(1)
                || last.saturating_add(1) < stored.first.block_number
            {
                return Err(Error::WindowGap {
                    first,
                    last,
                    stored_first: stored.first.block_number,
                    stored_last: stored.last.block_number,
                });
            }
        }
        let (contract, _) = contract.ok_or_else(|| Error::ImportFile {
            path: path.to_path_buf(),
            reason: "the file has no lines".into(),
        })?;
        w.claim_contract(contract)?;
        w.extend_window(window)?;
        Ok(Transfer {
            events,
            undecoded,
            new_events: w.inserted(),
            window,
        })
    })
}
