//! Event sources: the raw event every source produces, the block-by-block source trait, the
//! follower that ingests a source into the store, and the embedded drink chain's entry point.

use crate::error::{hex32, Error, Result};
use crate::store::{Cursor, Store};

/// One event as a chain reports it: where it was emitted, by which contract, its topics (the
/// signature topic first) and its SCALE-encoded data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    pub block_number: u64,
    /// Position of the event among the block's events; with `block_number`, the event's key.
    pub event_index: u32,
    /// The block's `Timestamp::Now`, in milliseconds.
    pub block_time_ms: u64,
    pub contract: [u8; 32],
    pub topics: Vec<[u8; 32]>,
    pub data: Vec<u8>,
}

/// One block of a source: its number, its time, and the events of the source's contract in it,
/// possibly none (the cursor still advances past it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceBlock {
    pub number: u64,
    pub time_ms: u64,
    /// The block's hash, when the source knows it (a node does; a recording does not).
    pub hash: Option<[u8; 32]>,
    pub events: Vec<RawEvent>,
}

/// Yields the blocks of one contract's chain in increasing order.
///
/// A source may leave out blocks in which its contract emitted nothing, as long as it yields the
/// last block of its range: the store's cursor then says "every event up to this block is
/// stored". A live node's source yields every block; the embedded chain's yields the blocks with
/// events plus the window's end.
pub trait EventSource {
    type Error: std::error::Error + Send + Sync + 'static;

    /// The contract whose events the source yields.
    fn contract(&self) -> [u8; 32];

    /// Called once before the first `next_block`, with the store's cursor: the source should
    /// start at the first block after it (the follower skips any block at or before it anyway).
    fn resume_after(&mut self, cursor: Option<Cursor>) -> Result<(), Self::Error>;

    /// The next block, or `None` once the source has nothing more to give (end of its range, or
    /// stopped).
    fn next_block(&mut self) -> Result<Option<SourceBlock>, Self::Error>;
}

/// What one follow run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FollowSummary {
    /// Blocks written, each in its own transaction with the cursor.
    pub blocks: u64,
    /// Events newly stored (re-ingested ones are ignored, not counted).
    pub events_stored: u64,
    /// Blocks at or before the cursor, already stored by an earlier run.
    pub blocks_skipped: u64,
    /// The cursor after the run.
    pub cursor: Option<Cursor>,
}

/// Ingests `source` into `store` block by block until the source ends: each block's events and
/// the cursor are written in one transaction, so a run stopped at any moment resumes with
/// neither a gap nor a duplicate. `on_block` sees every block written (for progress reports).
pub fn follow<S: EventSource>(
    store: &mut Store,
    source: &mut S,
    mut on_block: impl FnMut(&SourceBlock),
) -> Result<FollowSummary> {
    let contract = source.contract();
    store.claim_contract(contract)?;
    let start = store.cursor()?;
    source
        .resume_after(start)
        .map_err(|e| Error::Source(Box::new(e)))?;
    let mut summary = FollowSummary {
        cursor: start,
        ..FollowSummary::default()
    };
    let mut previous: Option<u64> = None;
    while let Some(block) = source
        .next_block()
        .map_err(|e| Error::Source(Box::new(e)))?
    {
        if let Some(previous) = previous {
            if block.number <= previous {
                return Err(Error::OutOfOrder {
                    previous,
                    next: block.number,
                });
            }
        }
        previous = Some(block.number);
        if let Some(event) = block.events.iter().find(|e| e.contract != contract) {
            return Err(Error::ForeignEvent {
                block_number: event.block_number,
                event_index: event.event_index,
                event: hex32(&event.contract),
                expected: hex32(&contract),
            });
        }
        if summary
            .cursor
            .is_some_and(|c| block.number <= c.block_number)
        {
            summary.blocks_skipped += 1;
            continue;
        }
        summary.events_stored += store.ingest_block(&block)?;
        summary.blocks += 1;
        summary.cursor = Some(Cursor {
            block_number: block.number,
            block_time_ms: block.time_ms,
        });
        on_block(&block);
    }
    Ok(summary)
}

/// The embedded drink chain's recorded events as a source: one block per block number that has
/// events of the contract, then the window's last block, which may have none.
///
/// Events of other contracts (the token's, for one) are left out. The recorded events must be in
/// chain order, (block number, event index) increasing, and none after the last block.
#[derive(Debug, Clone)]
pub struct RecordedSource {
    contract: [u8; 32],
    blocks: std::vec::IntoIter<SourceBlock>,
}

impl RecordedSource {
    /// Groups `events` into blocks. `last_block` and `last_block_time_ms` are the observed
    /// window's end: the chain's block when the recording stopped, and its time.
    ///
    /// # Errors
    /// `RecordedOrder` when the events are not in chain order, `RecordedAfterEnd` when one is
    /// after `last_block`.
    pub fn new(
        contract: [u8; 32],
        events: impl IntoIterator<Item = RawEvent>,
        last_block: u64,
        last_block_time_ms: u64,
    ) -> Result<Self> {
        let mut blocks: Vec<SourceBlock> = Vec::new();
        let mut previous: Option<(u64, u32)> = None;
        for event in events {
            let key = (event.block_number, event.event_index);
            if let Some((previous_block, previous_index)) = previous {
                if key <= (previous_block, previous_index) {
                    return Err(Error::RecordedOrder {
                        previous_block,
                        previous_index,
                        block: key.0,
                        index: key.1,
                    });
                }
            }
            previous = Some(key);
            if event.block_number > last_block {
                return Err(Error::RecordedAfterEnd {
                    block: event.block_number,
                    last: last_block,
                });
            }
            if event.contract != contract {
                continue;
            }
            match blocks.last_mut() {
                Some(block) if block.number == event.block_number => block.events.push(event),
                _ => blocks.push(SourceBlock {
                    number: event.block_number,
                    time_ms: event.block_time_ms,
                    hash: None,
                    events: vec![event],
                }),
            }
        }
        if blocks.last().map(|b| b.number) != Some(last_block) {
            blocks.push(SourceBlock {
                number: last_block,
                time_ms: last_block_time_ms,
                hash: None,
                events: Vec::new(),
            });
        }
        Ok(Self {
            contract,
            blocks: blocks.into_iter(),
        })
    }
}

impl EventSource for RecordedSource {
    type Error = std::convert::Infallible;

    fn contract(&self) -> [u8; 32] {
        self.contract
    }

    fn resume_after(&mut self, _cursor: Option<Cursor>) -> Result<(), Self::Error> {
        Ok(())
    }

    fn next_block(&mut self) -> Result<Option<SourceBlock>, Self::Error> {
        Ok(self.blocks.next())
    }
}

/// The embedded drink chain's entry point: stores the events of `contract` among `events` (the
/// harness's recording, in chain order) and moves the cursor to `last_block` at
/// `last_block_time_ms`, the end of the observed window.
///
/// Calling it again with a longer recording of the same chain adds only what is new.
pub fn ingest_recorded(
    store: &mut Store,
    contract: [u8; 32],
    events: impl IntoIterator<Item = RawEvent>,
    last_block: u64,
    last_block_time_ms: u64,
) -> Result<FollowSummary> {
    let mut source = RecordedSource::new(contract, events, last_block, last_block_time_ms)?;
    follow(store, &mut source, |_| {})
}
