//! The live chain as an event source: a node's blocks by number over JSON-RPC (subxt, decoding
//! with the node's metadata), each with its `Timestamp::Now` and the `Contracts::ContractEmitted`
//! events of one contract from its `System::Events`.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use futures::future::{select, Either};
use ink::scale::{Decode, DecodeAll};
use subxt::backend::legacy::LegacyRpcMethods;
use subxt::backend::rpc::RpcClient;
use subxt::config::Header;
use subxt::dynamic::Value;
use subxt::{OnlineClient, SubstrateConfig};
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::error::{hex32, EXIT_BAD_INPUT, EXIT_FAILURE};
use crate::source::{EventSource, RawEvent, SourceBlock};
use crate::store::Cursor;

type Config = SubstrateConfig;

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
    #[error("block {block}: a Contracts::ContractEmitted event does not decode: {reason}")]
    BadEvent { block: u64, reason: String },
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
            | NodeError::NotAContract { .. } => EXIT_BAD_INPUT,
            _ => EXIT_FAILURE,
        }
    }
}

/// Tells a pruned block's error from any other: Substrate answers a read of discarded state with
/// "State already discarded for …".
fn block_error(block: u64, error: subxt::Error) -> NodeError {
    let reason = error.to_string();
    if reason.contains("State already discarded") {
        NodeError::StatePruned { block }
    } else {
        NodeError::Rpc { block, reason }
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
pub type OnReconnect = Box<dyn FnMut(&str)>;

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
/// What a block holds (pruned state, a missing timestamp, an undecodable event) is not.
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
        self.runtime.block_on(async {
            let (number, hash) = finalized(&self.rpc).await?;
            let address = subxt::dynamic::storage(
                "Contracts",
                "ContractInfoOf",
                vec![Value::from_bytes(self.contract)],
            );
            let info = self
                .client
                .storage()
                .at(hash)
                .fetch(&address)
                .await
                .map_err(|e| block_error(number, e))?;
            match info {
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
        })
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

    /// After `error`, waits for the node to answer again if the source is patient; gives back
    /// the error otherwise.
    fn recover(&mut self, error: NodeError) -> Result<(), NodeError> {
        let patient = matches!(self.range, Range::Finalized { .. }) && connection_lost(&error);
        let Some(notify) = self.patience.as_mut().filter(|_| patient) else {
            return Err(error);
        };
        notify(&format!(
            "lost the node ({error}); trying again every second"
        ));
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
                    if let Some(notify) = self.patience.as_mut() {
                        notify(&format!(
                            "reached the node again; going on from block {}",
                            self.next
                        ));
                    }
                    return Ok(());
                }
                Some(Err(_)) => continue,
            }
        }
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

    fn refill(&mut self, last: u64) -> Result<(), NodeError> {
        let fetches = futures::future::try_join_all(
            (self.next..=last).map(|n| fetch(&self.client, &self.rpc, self.contract, n)),
        );
        if let Some(blocks) = until_stopped(&self.runtime, &mut self.stop, fetches) {
            self.buffer.extend(blocks?);
            self.next = last + 1;
        }
        Ok(())
    }
}

async fn finalized(
    rpc: &LegacyRpcMethods<Config>,
) -> Result<(u64, <Config as subxt::Config>::Hash), NodeError> {
    let node = |e: subxt::Error| NodeError::Node(e.to_string());
    let hash = rpc.chain_get_finalized_head().await.map_err(node)?;
    let header = rpc
        .chain_get_header(Some(hash))
        .await
        .map_err(node)?
        .ok_or_else(|| NodeError::Node("the finalized head has no header".into()))?;
    Ok((header.number().into(), hash))
}

/// One block: its hash, then its time and its events at once.
async fn fetch(
    client: &OnlineClient<Config>,
    rpc: &LegacyRpcMethods<Config>,
    contract: [u8; 32],
    number: u64,
) -> Result<SourceBlock, NodeError> {
    let hash = rpc
        .chain_get_block_hash(Some(number.into()))
        .await
        .map_err(|e| block_error(number, e))?
        .ok_or(NodeError::NoBlock { block: number })?;
    let now = subxt::dynamic::storage("Timestamp", "Now", ());
    let storage = client.storage().at(hash);
    let (time, events) = futures::join!(storage.fetch(&now), client.events().at(hash));
    let time_ms = match time.map_err(|e| block_error(number, e))? {
        Some(value) => u64::decode(&mut value.encoded()).map_err(|e| NodeError::Rpc {
            block: number,
            reason: format!("Timestamp::Now: {e}"),
        })?,
        // Genesis has no time; no contract can have emitted anything in it.
        None if number == 0 => 0,
        None => return Err(NodeError::NoTimestamp { block: number }),
    };
    let events = events.map_err(|e| block_error(number, e))?;
    let mut found = Vec::new();
    for event in events.iter() {
        let event = event.map_err(|e| block_error(number, e))?;
        if event.pallet_name() != "Contracts" || event.variant_name() != "ContractEmitted" {
            continue;
        }
        let (emitter, data) =
            <([u8; 32], Vec<u8>)>::decode_all(&mut event.field_bytes()).map_err(|e| {
                NodeError::BadEvent {
                    block: number,
                    reason: e.to_string(),
                }
            })?;
        if emitter != contract {
            continue;
        }
        found.push(RawEvent {
            block_number: number,
            event_index: event.index(),
            block_time_ms: time_ms,
            contract: emitter,
            topics: event.topics().iter().map(|topic| topic.0).collect(),
            data,
        });
    }
    Ok(SourceBlock {
        number,
        time_ms,
        hash: Some(hash.0),
        events: found,
    })
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

    fn next_block(&mut self) -> Result<Option<SourceBlock>, NodeError> {
        loop {
            if self.stop.by.is_some() {
                return Ok(None);
            }
            if let Some(block) = self.buffer.pop_front() {
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
                        Ok((number, _)) => number,
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
        let text = error.to_string();
        assert!(text.contains("last 256 finalized blocks"), "{text}");
        assert!(text.contains("--state-pruning archive"), "{text}");

        let other = block_error(17, subxt::Error::Other("connection reset".into()));
        assert!(matches!(other, NodeError::Rpc { block: 17, .. }), "{other}");
        assert_eq!(other.exit_code(), EXIT_FAILURE);
    }
}
