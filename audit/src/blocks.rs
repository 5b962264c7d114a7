//! One block read from a node: its time and the contract's `Contracts::ContractEmitted` events
//! among its `System::Events`, decoded with the metadata of the runtime that executed it. What
//! does not decode is reported with the block, not raised: the follower stores what could be
//! read and goes on.

use ink::scale::{Decode, DecodeAll};
use subxt::events::{EventDetails, Events};
use subxt::{Metadata, OnlineClient};

use crate::node::{block_error, Config, Hash, NodeError};
use crate::runtime::Decoder;
use crate::source::{RawEvent, SourceBlock};

/// What reading the contract's events needs of one record of `System::Events`: subxt's
/// `EventDetails`, or a made-up record in tests.
pub(crate) trait ChainEvent {
    /// The record's position among the block's records.
    fn index(&self) -> u32;
    /// Its pallet's and its variant's names.
    fn names(&self) -> (&str, &str);
    /// Its fields, SCALE-encoded.
    fn field_bytes(&self) -> &[u8];
    fn topics(&self) -> Vec<[u8; 32]>;
}

impl ChainEvent for EventDetails<Config> {
    fn index(&self) -> u32 {
        EventDetails::index(self)
    }

    fn names(&self) -> (&str, &str) {
        (self.pallet_name(), self.variant_name())
    }

    fn field_bytes(&self) -> &[u8] {
        EventDetails::field_bytes(self)
    }

    fn topics(&self) -> Vec<[u8; 32]> {
        EventDetails::topics(self)
            .iter()
            .map(|topic| topic.0)
            .collect()
    }
}

/// The contract's events among block `number`'s records, and why some could not be read.
///
/// A `ContractEmitted` whose fields are not (contract, data) is skipped and named; so is a
/// record that does not decode, but it ends the reading: records have no length prefix, so
/// without its type the ones after it cannot be found. A record another contract emitted is
/// not the auditor's concern, whatever its fields.
pub(crate) fn contract_events<E: ChainEvent>(
    records: impl IntoIterator<Item = Result<E, subxt::Error>>,
    contract: [u8; 32],
    number: u64,
    time_ms: u64,
) -> Result<(Vec<RawEvent>, Option<String>), NodeError> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for (position, record) in records.into_iter().enumerate() {
        let record = match record.map_err(|e| block_error(number, e)) {
            Ok(record) => record,
            Err(NodeError::Undecodable { reason, .. }) => {
                problems.push(format!(
                    "System::Events record {position} does not decode ({reason}); the records \
                     after it cannot be located, so any event of the contract among them is \
                     missing"
                ));
                break;
            }
            Err(other) => return Err(other),
        };
        if record.names() != ("Contracts", "ContractEmitted") {
            continue;
        }
        let fields = record.field_bytes();
        if fields.get(..32).is_some_and(|emitter| emitter != contract) {
            continue;
        }
        let (emitter, data) = match <([u8; 32], Vec<u8>)>::decode_all(&mut &fields[..]) {
            Ok(fields) => fields,
            Err(error) => {
                problems.push(format!(
                    "Contracts::ContractEmitted record {} does not decode as (contract, data): \
                     {error}",
                    record.index()
                ));
                continue;
            }
        };
        found.push(RawEvent {
            block_number: number,
            event_index: record.index(),
            block_time_ms: time_ms,
            contract: emitter,
            topics: record.topics(),
            data,
        });
    }
    Ok((found, (!problems.is_empty()).then(|| problems.join("; "))))
}

/// Block `number` (`hash`): its time and its events at once, the events decoded with
/// `decoder`, the metadata of the runtime that executed the block.
pub(crate) async fn fetch(
    client: &OnlineClient<Config>,
    contract: [u8; 32],
    number: u64,
    hash: Hash,
    decoder: Decoder,
) -> Result<SourceBlock, NodeError> {
    let now = subxt::dynamic::storage("Timestamp", "Now", ());
    let storage = client.storage().at(hash);
    let events = async {
        match decoder {
            Ok(metadata) => Ok(read_events(client, metadata, hash).await),
            Err(reason) => Err(reason),
        }
    };
    let (time, events) = futures::join!(storage.fetch(&now), events);
    let time_ms = match time.map_err(|e| block_error(number, e))? {
        Some(value) => u64::decode(&mut value.encoded()).map_err(|e| NodeError::Undecodable {
            what: format!("block {number}"),
            reason: format!("Timestamp::Now: {e}"),
        })?,
        // Genesis has no time; no contract can have emitted anything in it.
        None if number == 0 => 0,
        None => return Err(NodeError::NoTimestamp { block: number }),
    };
    let (events, undecodable) = match events {
        Ok(events) => {
            let events = events.map_err(|e| block_error(number, e))?;
            contract_events(events.iter(), contract, number, time_ms)?
        }
        Err(reason) => (
            Vec::new(),
            Some(format!(
                "the metadata of the runtime that executed the block does not decode \
                 ({reason}): none of its events can be read"
            )),
        ),
    };
    Ok(SourceBlock {
        number,
        time_ms,
        events,
        hash: Some(hash.0),
        undecodable,
    })
}

/// The block's `System::Events`, to be decoded with `metadata` rather than the client's own,
/// which is the runtime's at connect.
async fn read_events(
    client: &OnlineClient<Config>,
    metadata: Metadata,
    hash: Hash,
) -> Result<Events<Config>, subxt::Error> {
    Events::new_from_client(metadata, hash, client.clone()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT: [u8; 32] = [0xc0; 32];

    /// A record of `System::Events` as the decoder would have located it.
    struct Record {
        index: u32,
        pallet: &'static str,
        variant: &'static str,
        fields: Vec<u8>,
        topics: Vec<[u8; 32]>,
    }

    impl ChainEvent for Record {
        fn index(&self) -> u32 {
            self.index
        }

        fn names(&self) -> (&str, &str) {
            (self.pallet, self.variant)
        }

        fn field_bytes(&self) -> &[u8] {
            &self.fields
        }

        fn topics(&self) -> Vec<[u8; 32]> {
            self.topics.clone()
        }
    }

    fn emitted(index: u32, emitter: [u8; 32], data: &[u8]) -> Result<Record, subxt::Error> {
        Ok(Record {
            index,
            pallet: "Contracts",
            variant: "ContractEmitted",
            fields: ink::scale::Encode::encode(&(emitter, data.to_vec())),
            topics: vec![[index as u8; 32]],
        })
    }

    fn other(index: u32) -> Result<Record, subxt::Error> {
        Ok(Record {
            index,
            pallet: "System",
            variant: "ExtrinsicSuccess",
            fields: vec![1, 2, 3],
            topics: Vec::new(),
        })
    }

    #[test]
    fn a_block_that_decodes_gives_the_contracts_events_and_no_reason() {
        let records = vec![
            other(0),
            emitted(1, CONTRACT, &[7]),
            emitted(2, [0x70; 32], &[8]),
            emitted(3, CONTRACT, &[9]),
        ];
        let (events, undecodable) = contract_events(records, CONTRACT, 5, 1_000).unwrap();
        assert_eq!(undecodable, None);
        let read: Vec<(u32, Vec<u8>, Vec<[u8; 32]>)> = events
            .into_iter()
            .map(|e| (e.event_index, e.data, e.topics))
            .collect();
        assert_eq!(
            read,
            [(1, vec![7], vec![[1; 32]]), (3, vec![9], vec![[3; 32]])]
        );
    }

    #[test]
    fn a_record_that_does_not_decode_keeps_the_events_before_it_and_says_the_rest_is_lost() {
        let records = vec![
            emitted(0, CONTRACT, &[7]),
            Err(subxt::Error::Metadata(
                subxt::error::MetadataError::VariantIndexNotFound(9),
            )),
            // Never reached in a real block: subxt stops after an error.
            emitted(2, CONTRACT, &[9]),
        ];
        let (events, undecodable) = contract_events(records, CONTRACT, 5, 1_000).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data, [7]);
        let reason = undecodable.expect("the block is flagged");
        assert!(reason.contains("record 1 does not decode"), "{reason}");
        assert!(
            reason.contains("Variant with index 9 not found"),
            "{reason}"
        );
        assert!(reason.contains("cannot be located"), "{reason}");
    }

    #[test]
    fn a_contract_emitted_of_the_contract_that_does_not_decode_is_skipped_and_named() {
        let mut truncated = emitted(1, CONTRACT, &[1, 2, 3]).unwrap();
        truncated.fields.pop();
        // Another contract's odd event is not this contract's business.
        let mut foreign = emitted(2, [0x70; 32], &[1]).unwrap();
        foreign.fields.push(0);
        let records = vec![Ok(truncated), Ok(foreign), emitted(3, CONTRACT, &[9])];
        let (events, undecodable) = contract_events(records, CONTRACT, 5, 1_000).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event_index, 3);
        let reason = undecodable.expect("the block is flagged");
        assert!(
            reason.starts_with("Contracts::ContractEmitted record 1 does not decode"),
            "{reason}"
        );
    }

    #[test]
    fn a_transport_error_while_reading_records_is_raised_not_recorded() {
        let records = vec![
            emitted(0, CONTRACT, &[7]),
            Err(subxt::Error::Io(std::io::ErrorKind::ConnectionReset.into())),
        ];
        let error = contract_events(records, CONTRACT, 5, 1_000).unwrap_err();
        assert!(matches!(error, NodeError::Rpc { block: 5, .. }), "{error}");
    }
}
