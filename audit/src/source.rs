//! Event sources: the raw event every source produces, the block-by-block source trait, the
//! follower that ingests a source into the store, and the embedded drink chain's entry point.

use proof_manager::ManagerEvent;

use crate::error::{hex32, Error, Result};
use crate::store::{Cursor, Identity, Store};

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
    pub events: Vec<RawEvent>,
    /// The block's hash, from a source that reads a chain (`None` from a recording).
    pub hash: Option<[u8; 32]>,
    /// Why some of the block's events could not be decoded: `events` holds those that could, and
    /// the contract's other events of the block, if any, are missing.
    pub undecodable: Option<String>,
}

impl SourceBlock {
    /// A block of a recording: no hash, every event decoded.
    pub fn recorded(number: u64, time_ms: u64, events: Vec<RawEvent>) -> Self {
        Self {
            number,
            time_ms,
            events,
            hash: None,
            undecodable: None,
        }
    }

    /// The code hash of the last `CodeUpgraded` among the block's events, if any.
    pub fn code_upgrade(&self) -> Option<[u8; 32]> {
        self.events
            .iter()
            .rev()
            .find_map(|e| match ManagerEvent::decode(&e.topics, &e.data) {
                Ok(ManagerEvent::CodeUpgraded(upgraded)) => Some(upgraded.code_hash.into()),
                _ => None,
            })
    }
}

/// What a source that reads a live chain knows of it at one block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainAt {
    /// The chain's genesis hash.
    pub genesis: [u8; 32],
    /// The hash of the chain's block of that number, `None` when it has none.
    pub block_hash: Option<[u8; 32]>,
    /// The contract's code hash in that block's state, `None` when it was no contract there.
    pub code_hash: Option<[u8; 32]>,
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

    /// The chain at block `number`, for a source that reads a live chain: the follower checks a
    /// store against it before adding to it, and records it in a store that does not know its
    /// chain yet. `None` (the default) for a recording, which has no chain to check.
    fn chain_at(&mut self, _number: u64) -> Result<Option<ChainAt>, Self::Error> {
        Ok(None)
    }
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
    /// Blocks written whose events did not all decode.
    pub undecodable_blocks: u64,
    /// The cursor after the run.
    pub cursor: Option<Cursor>,
}

/// Ingests `source` into `store` block by block until the source ends: each block's events and
/// the cursor are written in one transaction, so a run stopped at any moment resumes with
/// neither a gap nor a duplicate. `on_block` sees every block written (for progress reports).
///
/// A block whose events did not all decode is stored with those that did, recorded as such and
/// counted; the follower goes on. Before writing anything, a store that knows its chain is
/// checked against the source's (`check_chain`); a store that does not learns it from the first
/// block written. A `CodeUpgraded` of the contract moves the stored code hash in its block's
/// transaction.
pub fn follow<S: EventSource>(
    store: &mut Store,
    source: &mut S,
    mut on_block: impl FnMut(&SourceBlock),
) -> Result<FollowSummary> {
    let contract = source.contract();
    check_chain(store, source)?;
    store.claim_contract(contract)?;
    let start = store.cursor()?;
    source
        .resume_after(start)
        .map_err(|e| Error::Source(Box::new(e)))?;
    let mut summary = FollowSummary {
        cursor: start,
        ..FollowSummary::default()
    };
    let mut identity = store.identity()?;
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
        let learnt = learn_chain(&mut identity, source, &block)?;
        summary.events_stored += store.write(|w| {
            if let Some(genesis) = learnt.genesis {
                w.set_genesis(genesis)?;
            }
            if let Some(code_hash) = learnt.code_hash {
                w.set_code_hash(code_hash)?;
            }
            w.ingest_block(&block)
        })?;
        summary.blocks += 1;
        summary.undecodable_blocks += u64::from(block.undecodable.is_some());
        summary.cursor = Some(Cursor {
            block_number: block.number,
            block_time_ms: block.time_ms,
        });
        on_block(&block);
    }
    Ok(summary)
}

/// Refuses, changing nothing, a store that is not of the source's chain: another genesis, a
/// cursor block the chain does not have (a reset or reorganised chain: a dev chain restarted
/// with `--tmp` keeps its genesis hash and even the contract's address, only the block hashes
/// tell), or a contract whose code hash at the cursor is not the one the store recorded. What
/// the store does not know is not checked; a recording (no chain) is not checked.
pub fn check_chain<S: EventSource>(store: &Store, source: &mut S) -> Result<()> {
    let stored = store.identity()?;
    let Some(cursor) = store.cursor()? else {
        return Ok(());
    };
    if stored == Identity::default() {
        return Ok(());
    }
    let Some(chain) = source
        .chain_at(cursor.block_number)
        .map_err(|e| Error::Source(Box::new(e)))?
    else {
        return Ok(());
    };
    let or_none = |hash: Option<[u8; 32]>| hash.as_ref().map_or("none".to_string(), hex32);
    if let Some(genesis) = stored.genesis.filter(|&g| g != chain.genesis) {
        return Err(Error::OtherChain {
            stored: hex32(&genesis),
            node: hex32(&chain.genesis),
        });
    }
    if let Some(hash) = stored.cursor_hash.filter(|&h| Some(h) != chain.block_hash) {
        return Err(Error::CursorNotOnChain {
            block: cursor.block_number,
            stored: hex32(&hash),
            node: or_none(chain.block_hash),
        });
    }
    if let Some(code_hash) = stored.code_hash.filter(|&c| Some(c) != chain.code_hash) {
        return Err(Error::CodeHashMismatch {
            block: cursor.block_number,
            stored: hex32(&code_hash),
            node: or_none(chain.code_hash),
        });
    }
    Ok(())
}

/// What a block's transaction adds to the store's identity.
#[derive(Debug, Default)]
struct Learnt {
    genesis: Option<[u8; 32]>,
    code_hash: Option<[u8; 32]>,
}

/// What the store learns from `block`: the chain's genesis and the contract's code hash when it
/// does not know them yet (asking the source at that block), and the code hash of a
/// `CodeUpgraded` in it. Updates `identity` to what the store will hold once the block is
/// written.
fn learn_chain<S: EventSource>(
    identity: &mut Identity,
    source: &mut S,
    block: &SourceBlock,
) -> Result<Learnt> {
    let mut learnt = Learnt::default();
    // Until the contract exists, only its first events can tell when it does: asking at every
    // block would double a scan's calls.
    let worth_asking =
        identity.genesis.is_none() || (identity.code_hash.is_none() && !block.events.is_empty());
    if block.hash.is_some() && worth_asking {
        if let Some(chain) = source
            .chain_at(block.number)
            .map_err(|e| Error::Source(Box::new(e)))?
        {
            if identity.genesis.is_none() {
                learnt.genesis = Some(chain.genesis);
            }
            if identity.code_hash.is_none() {
                learnt.code_hash = chain.code_hash;
            }
        }
    }
    if let Some(upgraded) = block.code_upgrade() {
        learnt.code_hash = Some(upgraded);
    }
    identity.genesis = identity.genesis.or(learnt.genesis);
    identity.code_hash = learnt.code_hash.or(identity.code_hash);
    Ok(learnt)
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
                _ => blocks.push(SourceBlock::recorded(
                    event.block_number,
                    event.block_time_ms,
                    vec![event],
                )),
            }
        }
        if blocks.last().map(|b| b.number) != Some(last_block) {
            blocks.push(SourceBlock::recorded(
                last_block,
                last_block_time_ms,
                Vec::new(),
            ));
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
