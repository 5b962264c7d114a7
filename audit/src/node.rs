//! The live chain as an event source: a node's blocks by number over JSON-RPC (subxt), each with
//! its hash, its `Timestamp::Now` and the `Contracts::ContractEmitted` events of one contract from
//! its `System::Events`, decoded with the metadata of the runtime that executed it; and what the
//! follower checks a store against: the chain's genesis, a block's hash, the contract's code
//! hash at a block.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use futures::future::{select, Either};
use ink::scale::Decode;
use subxt::backend::legacy::LegacyRpcMethods;
use subxt::backend::rpc::RpcClient;
use subxt::config::Header;
use subxt::dynamic::Value;
use subxt::{OnlineClient, SubstrateConfig};
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::blocks::fetch;
use crate::error::{hex32, EXIT_BAD_INPUT, EXIT_FAILURE};
use crate::runtime::{MetadataCache, Runtime};
use crate::source::{ChainAt, EventSource, SourceBlock};
use crate::store::Cursor;

pub(crate) type Config = SubstrateConfig;
pub(crate) type Hash = <Config as subxt::Config>::Hash;

/// Blocks fetched at once: their RPC calls overlap, which is what makes a scan fast.
const BATCH: u64 = 32;

/// Why the node could not give a block.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("cannot reach a node at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(
        "the state of block {block} was pruned: a node keeps the state (events, timestamps) of \
         only its last 256 finalized blocks (by default; --state-pruning N keeps N) unless it \
         runs with --state-pruning archive. Scan only the blocks it still keeps, or run a node \
         with --state-pruning archive from a new database (--tmp, or a fresh --base-path) and \
         scan that one"
    )]
    StatePruned { block: u64 },
    #[error("block {block} is beyond the node's last finalized block {finalized}")]
    BeyondHead { block: u64, finalized: u64 },
    #[error(
        "{address} is not a contract on this chain (no Contracts::ContractInfoOf at its \
         finalized block {block}): check --contract"
    )]
    NotAContract { address: String, block: u64 },
    #[error("the node has no block {block}")]
    NoBlock { block: u64 },
    #[error("block {block} has no Timestamp::Now: is this a pallet-contracts chain?")]
    NoTimestamp { block: u64 },
    #[error("{what}: the node's answer does not decode: {reason}")]
    Undecodable { what: String, reason: String },
    #[error(
        "the node's block {block} is now {now}, not {seen} as read before the node went away: \
         the chain was reset (a dev chain restarted with --tmp?). Nothing of the new chain was \
         stored; follow it into another --db"
    )]
    ChainReset {
        block: u64,
        seen: String,
        now: String,
    },
    #[error("block {block}: {reason}")]
    Rpc { block: u64, reason: String },
    #[error("the node: {0}")]
    Node(String),
}

impl NodeError {
    /// The process exit code: 2 when the arguments or the node's settings must change.
    pub fn exit_code(&self) -> i32 {
        match self {
            NodeError::StatePruned { .. }
            | NodeError::BeyondHead { .. }
            | NodeError::NotAContract { .. }
            | NodeError::ChainReset { .. } => EXIT_BAD_INPUT,
            _ => EXIT_FAILURE,
        }
    }
}

/// Whether a subxt error is the transport's: the connection (refused, closed, reset) or an RPC
/// call over it. Anything else is about what the node answered (a codec, type or metadata
/// error, a reply of the wrong shape), which asking again would not change.
fn is_transport(error: &subxt::Error) -> bool {
    matches!(
        error,
        subxt::Error::Io(_) | subxt::Error::Rpc(_) | subxt::Error::Other(_)
    )
}

/// What a failed call about `block` means: its state was pruned (Substrate answers a read of
/// discarded state with "State already discarded for …"), the transport failed (`Rpc`), or the
/// answer does not decode (`Undecodable`).
pub(crate) fn block_error(block: u64, error: subxt::Error) -> NodeError {
    let reason = error.to_string();
    if reason.contains("State already discarded") {
        NodeError::StatePruned { block }
    } else if is_transport(&error) {
        NodeError::Rpc { block, reason }
    } else {
        NodeError::Undecodable {
            what: format!("block {block}"),
            reason,
        }
    }
}

/// Which blocks the source yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// Up to this block, which must be finalized.
    To(u64),
    /// Finalized blocks as they come, polling every `poll`, until `until` if given.
    Finalized { until: Option<u64>, poll: Duration },
}

/// SIGINT and SIGTERM, once `NodeSource::stop_on_signals` took them over, and which of them
/// stopped the source.
#[derive(Default)]
struct Stop {
    signals: Option<(Signal, Signal)>,
    by: Option<&'static str>,
}

/// Runs `future` on `runtime`; with the signals taken over, gives `None` instead if one comes
/// first, and remembers it.
fn until_stopped<T>(
    runtime: &tokio::runtime::Runtime,
    stop: &mut Stop,
    future: impl Future<Output = T>,
) -> Option<T> {
    let Some((interrupt, terminate)) = stop.signals.as_mut() else {
        return Some(runtime.block_on(future));
    };
    let (value, by) = runtime.block_on(async {
        let interrupt = pin!(interrupt.recv());
        let terminate = pin!(terminate.recv());
        // `select` polls its first future first: a signal already delivered wins.
        match select(select(interrupt, terminate), pin!(future)).await {
            Either::Left((Either::Left(_), _)) => (None, Some("SIGINT")),
            Either::Left((Either::Right(_), _)) => (None, Some("SIGTERM")),
            Either::Right((value, _)) => (Some(value), None),
        }
    });
    stop.by = stop.by.or(by);
    value
}

/// How long a patient follower waits between attempts to reach a node that went away.
const RECONNECT_WAIT: Duration = Duration::from_secs(1);

/// Told when a patient follower lost its node and when it has it back.
pub type OnReconnect = Box<dyn FnMut(&Reconnection)>;

/// What a patient source tells of its node (see `NodeSource::wait_for_node`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconnection {
    /// The connection failed, with the error; the source tries again every second.
    Lost(String),
    /// The node answers again; the source goes on from block `next`.
    Back { next: u64 },
}

impl std::fmt::Display for Reconnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reconnection::Lost(error) => {
                write!(f, "lost the node ({error}); trying again every second")
            }
            Reconnection::Back { next } => {
                write!(f, "reached the node again; going on from block {next}")
            }
        }
    }
}

/// Told each finalized head a following source reads.
pub type OnHead = Box<dyn FnMut(u64)>;

/// A node's blocks, from a block number on.
pub struct NodeSource {
    runtime: tokio::runtime::Runtime,
    url: String,
    client: OnlineClient<Config>,
    rpc: LegacyRpcMethods<Config>,
    contract: [u8; 32],
    next: u64,
    range: Range,
    buffer: VecDeque<SourceBlock>,
    stop: Stop,
    patience: Option<OnReconnect>,
    on_head: Option<OnHead>,
    metadata: MetadataCache,
    /// The last block yielded: after a reconnection, the node must still have it.
    last_yielded: Option<(u64, [u8; 32])>,
}

/// The client pair one connection to `url` gives.
async fn open(url: &str) -> Result<(OnlineClient<Config>, LegacyRpcMethods<Config>), NodeError> {
    let unreachable = |e: subxt::Error| NodeError::Unreachable {
        url: url.to_string(),
        reason: e.to_string(),
    };
    let rpc_client = RpcClient::from_insecure_url(url)
        .await
        .map_err(unreachable)?;
    let client = OnlineClient::<Config>::from_rpc_client(rpc_client.clone())
        .await
        .map_err(unreachable)?;
    Ok((client, LegacyRpcMethods::new(rpc_client)))
}

/// Whether the error is the connection's, not the chain's: a node that went away or restarted.
/// What a block holds (pruned state, a missing timestamp, an answer that does not decode) is
/// not: waiting for the node would bring the same answer back, forever.
fn connection_lost(error: &NodeError) -> bool {
    matches!(
        error,
        NodeError::Node(_) | NodeError::Rpc { .. } | NodeError::Unreachable { .. }
    )
}

impl NodeSource {
    /// Connects to `url` and checks that `contract` is a contract there. The first block yielded
    /// is `from`, or the one after the store's cursor if that is later.
    pub fn connect(
        url: &str,
        contract: [u8; 32],
        from: u64,
        range: Range,
    ) -> Result<Self, NodeError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| NodeError::Node(format!("cannot start an async runtime: {e}")))?;
        let (client, rpc) = runtime.block_on(open(url))?;
        let source = Self {
            runtime,
            url: url.to_string(),
            client,
            rpc,
            contract,
            next: from,
            range,
            buffer: VecDeque::new(),
            stop: Stop::default(),
            patience: None,
            on_head: None,
            metadata: MetadataCache::default(),
            last_yielded: None,
        };
        source.check_contract()?;
        if let Range::To(to) = range {
            let finalized = source.finalized()?;
            if to > finalized {
                return Err(NodeError::BeyondHead {
                    block: to,
                    finalized,
                });
            }
        }
        Ok(source)
    }

    /// The number of the node's last finalized block.
    pub fn finalized(&self) -> Result<u64, NodeError> {
        self.runtime
            .block_on(finalized(&self.rpc))
            .map(|(number, _)| number)
    }

    fn check_contract(&self) -> Result<(), NodeError> {
        let (number, hash) = self.runtime.block_on(finalized(&self.rpc))?;
        let code_hash =
            self.runtime
                .block_on(code_hash_in(&self.client, self.contract, number, hash))?;
        match code_hash {
            Some(_) => Ok(()),
            None => Err(NodeError::NotAContract {
                address: format!(
                    "{} ({})",
                    crate::ss58::encode(&self.contract),
                    hex32(&self.contract)
                ),
                block: number,
            }),
        }
    }

    /// The chain's genesis hash, as the node gave it at connect: one chain, one genesis.
    pub fn genesis_hash(&self) -> [u8; 32] {
        self.client.genesis_hash().0
    }

    /// The hash of the node's block `number`, `None` when it has none (yet). Below the
    /// finalized head the answer is final; above it, it is the node's best chain's.
    pub fn block_hash(&self, number: u64) -> Result<Option<[u8; 32]>, NodeError> {
        self.runtime
            .block_on(hash_of(&self.rpc, number))
            .map(|hash| hash.map(|h| h.0))
    }

    /// The contract's code hash in the state of block `number` (`Contracts::ContractInfoOf`'s
    /// `code_hash`): `None` when it was no contract there.
    ///
    /// # Errors
    /// `NoBlock` when the node has no such block, `StatePruned` when it no longer keeps its
    /// state.
    pub fn code_hash(&self, number: u64) -> Result<Option<[u8; 32]>, NodeError> {
        self.runtime.block_on(async {
            let hash = hash_of(&self.rpc, number)
                .await?
                .ok_or(NodeError::NoBlock { block: number })?;
            code_hash_in(&self.client, self.contract, number, hash).await
        })
    }

    /// The runtime in the state of block `number`: its version and its metadata, which encode
    /// the calls of a transaction built on that block and decode its children's events. The
    /// metadata is fetched once per spec version and shared with the event reader. An agent
    /// whose client was connected before a runtime upgrade hands both to its `OnlineClient`
    /// (`set_runtime_version`, `set_metadata`) before signing again.
    ///
    /// # Errors
    /// `NoBlock`, `StatePruned`, `Undecodable` when the node's metadata does not decode.
    pub fn runtime_at(&mut self, number: u64) -> Result<Runtime, NodeError> {
        let (rpc, metadata) = (&self.rpc, &mut self.metadata);
        self.runtime.block_on(async {
            let hash = hash_of(rpc, number)
                .await?
                .ok_or(NodeError::NoBlock { block: number })?;
            metadata.runtime_at(rpc, number, hash).await
        })
    }

    /// The runtime at the node's last finalized block: the one its next blocks run, unless an
    /// upgrade waits in a block not yet finalized.
    pub fn current_runtime(&mut self) -> Result<Runtime, NodeError> {
        let number = self.finalized()?;
        self.runtime_at(number)
    }

    /// Takes SIGINT (Ctrl-C) and SIGTERM over from their default, which kills the process: a
    /// signal now ends the source at its next fetch or wait, `next_block` returns `None`, and
    /// `stopped_by` names the signal. Every block yielded before is whole, so a follower's
    /// cursor covers all of them and the next run resumes after it. Blocks fetched but not yet
    /// yielded are dropped: the next run fetches them again.
    pub fn stop_on_signals(&mut self) -> Result<(), NodeError> {
        let _context = self.runtime.enter();
        let take = |kind: SignalKind| {
            signal(kind).map_err(|e| NodeError::Node(format!("cannot handle signals: {e}")))
        };
        self.stop.signals = Some((
            take(SignalKind::interrupt())?,
            take(SignalKind::terminate())?,
        ));
        Ok(())
    }

    /// Makes a source of finalized blocks outlast its node: when the connection fails, it tells
    /// `notify`, tries again every second until the node answers (or a signal stops it), and
    /// goes on from the block it was at. A source of a fixed range stays impatient: a scan fails
    /// where it stands and its cursor says where to resume.
    pub fn wait_for_node(&mut self, notify: OnReconnect) {
        self.patience = Some(notify);
    }

    /// Tells `on_head` each finalized head read while following.
    pub fn watch_head(&mut self, on_head: OnHead) {
        self.on_head = Some(on_head);
    }

    /// After `error`, waits for the node to answer again if the source is patient; gives back
    /// the error otherwise.
    fn recover(&mut self, error: NodeError) -> Result<(), NodeError> {
        let patient = matches!(self.range, Range::Finalized { .. }) && connection_lost(&error);
        let Some(notify) = self.patience.as_mut().filter(|_| patient) else {
            return Err(error);
        };
        notify(&Reconnection::Lost(error.to_string()));
        self.buffer.clear();
        loop {
            let wait = async { tokio::time::sleep(RECONNECT_WAIT).await };
            if until_stopped(&self.runtime, &mut self.stop, wait).is_none() {
                return Ok(());
            }
            let url = self.url.clone();
            match until_stopped(&self.runtime, &mut self.stop, open(&url)) {
                None => return Ok(()),
                Some(Ok((client, rpc))) => {
                    self.client = client;
                    self.rpc = rpc;
                    match self.check_still_on_chain() {
                        Ok(()) => {}
                        Err(error) if connection_lost(&error) => continue,
                        Err(error) => return Err(error),
                    }
                    if let Some(notify) = self.patience.as_mut() {
                        notify(&Reconnection::Back { next: self.next });
                    }
                    return Ok(());
                }
                Some(Err(_)) => continue,
            }
        }
    }

    /// After a reconnection: the node must still have the last block yielded, or the chain was
    /// reset while it was away and the blocks to come are of another chain.
    fn check_still_on_chain(&self) -> Result<(), NodeError> {
        let Some((block, seen)) = self.last_yielded else {
            return Ok(());
        };
        let now = self.block_hash(block)?;
        if now == Some(seen) {
            return Ok(());
        }
        Err(NodeError::ChainReset {
            block,
            seen: hex32(&seen),
            now: now.as_ref().map_or("absent".to_string(), hex32),
        })
    }

    /// The signal that stopped the source, if one did.
    pub fn stopped_by(&self) -> Option<&'static str> {
        self.stop.by
    }

    /// Makes `from` the first block to fetch.
    pub fn start_at(&mut self, from: u64) {
        self.next = from;
        self.buffer.clear();
    }

    /// Changes which blocks the source yields from now on (an agent reads up to the finalized
    /// head it saw last, step after step).
    pub fn set_range(&mut self, range: Range) {
        self.range = range;
    }

    /// The next block number the source would fetch.
    pub fn next_block_number(&self) -> u64 {
        self.next
    }

    /// Fetches blocks `next..=last` into the buffer: their hashes and their parents' (whose
    /// runtime executed them), the metadata of those runtimes, then every block's time and
    /// events at once. A signal leaves the buffer and `next` as they were.
    fn refill(&mut self, last: u64) -> Result<(), NodeError> {
        let first = self.next;
        let from = first.saturating_sub(1);
        let rpc = &self.rpc;
        let hashes = futures::future::try_join_all((from..=last).map(|n| async move {
            hash_of(rpc, n)
                .await?
                .ok_or(NodeError::NoBlock { block: n })
        }));
        let Some(hashes) = until_stopped(&self.runtime, &mut self.stop, hashes) else {
            return Ok(());
        };
        let hashes = hashes?;
        let hash = |n: u64| hashes[(n - from) as usize];
        let parents: Vec<(u64, Hash)> = (first..=last)
            .map(|n| (n.saturating_sub(1), hash(n.saturating_sub(1))))
            .collect();
        let decoders = self.metadata.for_blocks(&self.rpc, &parents);
        let Some(decoders) = until_stopped(&self.runtime, &mut self.stop, decoders) else {
            return Ok(());
        };
        let fetches = futures::future::try_join_all(
            (first..=last)
                .zip(decoders?)
                .map(|(n, decoder)| fetch(&self.client, self.contract, n, hash(n), decoder)),
        );
        if let Some(blocks) = until_stopped(&self.runtime, &mut self.stop, fetches) {
            self.buffer.extend(blocks?);
            self.next = last + 1;
        }
        Ok(())
    }
}

/// The hash of block `number`, `None` when the node has no such block.
async fn hash_of(rpc: &LegacyRpcMethods<Config>, number: u64) -> Result<Option<Hash>, NodeError> {
    rpc.chain_get_block_hash(Some(number.into()))
        .await
        .map_err(|e| block_error(number, e))
}

/// `contract`'s code hash in the state of block `number` (`hash`), `None` when it is no
/// contract there. `ContractInfo` starts with the contract's trie id (a byte vector), then its
/// code hash; the rest does not matter here.
async fn code_hash_in(
    client: &OnlineClient<Config>,
    contract: [u8; 32],
    number: u64,
    hash: Hash,
) -> Result<Option<[u8; 32]>, NodeError> {
    let address = subxt::dynamic::storage(
        "Contracts",
        "ContractInfoOf",
        vec![Value::from_bytes(contract)],
    );
    let info = client
        .storage()
        .at(hash)
        .fetch(&address)
        .await
        .map_err(|e| block_error(number, e))?;
    let Some(info) = info else {
        return Ok(None);
    };
    let (_trie_id, code_hash) =
        <(Vec<u8>, [u8; 32])>::decode(&mut info.encoded()).map_err(|e| NodeError::Undecodable {
            what: format!("block {number}"),
            reason: format!("Contracts::ContractInfoOf: {e}"),
        })?;
    Ok(Some(code_hash))
}

async fn finalized(
    rpc: &LegacyRpcMethods<Config>,
) -> Result<(u64, <Config as subxt::Config>::Hash), NodeError> {
    let node = |e: subxt::Error| {
        if is_transport(&e) {
            NodeError::Node(e.to_string())
        } else {
            NodeError::Undecodable {
                what: "the finalized head".into(),
                reason: e.to_string(),
            }
        }
    };
    let hash = rpc.chain_get_finalized_head().await.map_err(node)?;
    let header = rpc
        .chain_get_header(Some(hash))
        .await
        .map_err(node)?
        .ok_or_else(|| NodeError::Node("the finalized head has no header".into()))?;
    Ok((header.number().into(), hash))
}

impl EventSource for NodeSource {
    type Error = NodeError;

    fn contract(&self) -> [u8; 32] {
        self.contract
    }

    fn resume_after(&mut self, cursor: Option<Cursor>) -> Result<(), NodeError> {
        if let Some(cursor) = cursor {
            self.next = self.next.max(cursor.block_number + 1);
        }
        Ok(())
    }

    fn chain_at(&mut self, number: u64) -> Result<Option<ChainAt>, NodeError> {
        let block_hash = self.block_hash(number)?;
        let code_hash = match block_hash {
            Some(hash) => self.runtime.block_on(code_hash_in(
                &self.client,
                self.contract,
                number,
                Hash::from(hash),
            ))?,
            None => None,
        };
        Ok(Some(ChainAt {
            genesis: self.genesis_hash(),
            block_hash,
            code_hash,
        }))
    }

    fn next_block(&mut self) -> Result<Option<SourceBlock>, NodeError> {
        loop {
            if self.stop.by.is_some() {
                return Ok(None);
            }
            if let Some(block) = self.buffer.pop_front() {
                self.last_yielded = block.hash.map(|hash| (block.number, hash));
                return Ok(Some(block));
            }
            let end = match self.range {
                Range::To(to) => to,
                Range::Finalized { until, poll } => {
                    let Some(head) =
                        until_stopped(&self.runtime, &mut self.stop, finalized(&self.rpc))
                    else {
                        continue;
                    };
                    let finalized = match head {
                        Ok((number, _)) => {
                            if let Some(on_head) = self.on_head.as_mut() {
                                on_head(number);
                            }
                            number
                        }
                        Err(error) => {
                            self.recover(error)?;
                            continue;
                        }
                    };
                    let end = until.map_or(finalized, |u| u.min(finalized));
                    if self.next > end {
                        if until.is_some_and(|u| self.next > u) {
                            return Ok(None);
                        }
                        // Created inside the runtime: a timer needs its context.
                        let wait = async move { tokio::time::sleep(poll).await };
                        until_stopped(&self.runtime, &mut self.stop, wait);
                        continue;
                    }
                    end
                }
            };
            if self.next > end {
                return Ok(None);
            }
            if let Err(error) = self.refill(end.min(self.next + BATCH - 1)) {
                self.recover(error)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;
    use subxt::error::{DecodeError, MetadataError, RpcError};

    #[test]
    fn a_read_of_discarded_state_is_a_pruned_block() {
        // What sc-client-db answers, through the RPC error subxt reports.
        let pruned = subxt::Error::Other(
            "Rpc error: RPC error: Client error: UnknownBlock: State already discarded for \
             0x7a3f...: 4003"
                .into(),
        );
        let error = block_error(17, pruned);
        assert!(
            matches!(error, NodeError::StatePruned { block: 17 }),
            "{error}"
        );
        assert_eq!(error.exit_code(), EXIT_BAD_INPUT);
        assert!(!connection_lost(&error));
        let text = error.to_string();
        assert!(text.contains("last 256 finalized blocks"), "{text}");
        assert!(text.contains("--state-pruning archive"), "{text}");

        let other = block_error(17, subxt::Error::Other("connection reset".into()));
        assert!(matches!(other, NodeError::Rpc { block: 17, .. }), "{other}");
        assert_eq!(other.exit_code(), EXIT_FAILURE);
    }

    #[test]
    fn an_answer_that_does_not_decode_is_no_lost_connection() {
        let not_json = serde_json::from_str::<u64>("\"0x\"").unwrap_err();
        for error in [
            subxt::Error::Codec("Not enough data to fill buffer".into()),
            subxt::Error::Decode(DecodeError::custom_str("not a u128")),
            subxt::Error::Metadata(MetadataError::VariantIndexNotFound(9)),
            subxt::Error::Metadata(MetadataError::PalletIndexNotFound(40)),
            subxt::Error::Serialization(not_json),
        ] {
            let shown = error.to_string();
            let error = block_error(21, error);
            assert!(
                matches!(&error, NodeError::Undecodable { what, .. } if what == "block 21"),
                "{shown}: {error}"
            );
            assert!(!connection_lost(&error), "{shown}");
            assert_eq!(error.exit_code(), EXIT_FAILURE);
        }
    }

    #[test]
    fn only_a_transport_error_is_a_lost_connection() {
        for error in [
            subxt::Error::Io(ErrorKind::ConnectionRefused.into()),
            subxt::Error::Rpc(RpcError::ClientError(Box::new(std::io::Error::from(
                ErrorKind::ConnectionReset,
            )))),
            subxt::Error::Rpc(RpcError::SubscriptionDropped),
            subxt::Error::Other("connection closed".into()),
        ] {
            let shown = error.to_string();
            let error = block_error(21, error);
            assert!(
                matches!(error, NodeError::Rpc { block: 21, .. }),
                "{shown}: {error}"
            );
            assert!(connection_lost(&error), "{shown}");
        }
        let unreachable = NodeError::Unreachable {
            url: "ws://127.0.0.1:1".into(),
            reason: "refused".into(),
        };
        assert!(connection_lost(&unreachable));
        for kept in [
            NodeError::NoTimestamp { block: 3 },
            NodeError::NoBlock { block: 3 },
            NodeError::ChainReset {
                block: 3,
                seen: "0x01".into(),
                now: "0x02".into(),
            },
        ] {
            assert!(!connection_lost(&kept), "{kept}");
        }
    }
}
