//! A live node as an agent's chain: calls signed with the agent's key (subxt 0.35.3, as
//! ink_e2e brings it), each dry-run first and then sent mortal with a 10% gas margin, several
//! at once with consecutive nonces (`submit.rs`); views as dry runs; the contract's events
//! through the auditor's node source, block by block up to the finalized head; the runtime's
//! version followed across upgrades.

mod attempts;
mod submit;

use std::str::FromStr;
use std::time::Duration;

use ink::primitives::AccountId;
use ink::scale::{Decode, Encode};
use proof_manager::{
    contract, input_of, ProofManager, ProofRequest, ProvingNetwork, ProvingNetworkInfo,
};
use proof_manager_audit::node::{NodeError, NodeSource, Range};
use proof_manager_audit::{EventSource, SourceBlock};
use subxt::backend::legacy::LegacyRpcMethods;
use subxt::backend::rpc::RpcClient;
use subxt::config::Header;
use subxt::dynamic::Value;
use subxt::utils::H256;
use subxt::{OnlineClient, PolkadotConfig};
use subxt_signer::sr25519::Keypair;
use subxt_signer::SecretUri;

use crate::call::{Call, Id};
use crate::chain::{Chain, ChainError, Delivery};

type Config = PolkadotConfig;

/// Extra gas over the dry run's estimate, in per cent: contracts-node 0.41's dry runs
/// under-estimate the proof size of calls into the token (measured: a submission estimated at
/// 86,560 failed with `OutOfGas` at that limit and passed at ~90,000).
pub const GAS_MARGIN_PERCENT: u64 = 10;

/// The largest margin a call gets after failing with `OutOfGas`, in per cent. A dry run reads
/// the best block; a call that lands behind others in its block can take a longer path (the
/// purge, the round robin's next network), so each `OutOfGas` doubles the call's margin up to
/// this. Unused gas is refunded: a generous limit costs only room in the block.
pub const MAX_GAS_MARGIN_PERCENT: u64 = 320;

/// The gas limit (ref time, proof size) for a call whose dry run needed `ref_time` and
/// `proof_size`, after it failed with `OutOfGas` `out_of_gas` times.
pub fn gas_limit(ref_time: u64, proof_size: u64, out_of_gas: u32) -> (u64, u64) {
    let percent = GAS_MARGIN_PERCENT
        .saturating_mul(1u64.checked_shl(out_of_gas).unwrap_or(u64::MAX))
        .min(MAX_GAS_MARGIN_PERCENT);
    let margin = |v: u64| v.saturating_add(v.saturating_mul(percent) / 100);
    (margin(ref_time), margin(proof_size))
}

/// Blocks a call stays valid from the block it is signed against (its era's period, a power
/// of two): after them a call not in a block never will be, so its fate is known. 64 blocks
/// are 6.4 minutes on a 6-second chain: long enough for a busy pool, short enough that a claim
/// whose reply was lost is settled the same hour.
pub const MORTALITY_BLOCKS: u64 = 64;

/// Requests to the node in flight at once, and calls submitted together: well below what one
/// connection takes (jsonrpsee's client allows 256 requests in flight; a node serves 1,024
/// subscriptions a connection, one per watched submission). A backlog of calls (a node back
/// from an outage, hundreds of calls due) goes out in sends of this many, one after the other.
pub const MAX_IN_FLIGHT: usize = 64;

/// How long the driver waits for a sent call to be in a block before it tells the agent the
/// call's fate is unknown (the agent then looks for its effect on chain).
pub const DEFAULT_INCLUSION_TIMEOUT: Duration = Duration::from_secs(60);

/// The agent's key from a secret URI (`//Alice`, a mnemonic, `0x` seed, with derivations).
/// The error never repeats the secret.
pub fn keypair(secret: &str) -> Result<Keypair, String> {
    let uri = SecretUri::from_str(secret.trim())
        .map_err(|e| format!("the key does not parse as a secret URI ({e})"))?;
    Keypair::from_uri(&uri).map_err(|e| format!("the key is not an sr25519 secret ({e})"))
}

/// A dry run's answer: the gas it needed, whether the contract reverted, its output.
struct DryRun {
    ref_time: u64,
    proof_size: u64,
    reverted: bool,
    data: Vec<u8>,
}

/// The block calls are signed against: their mortality counts from it.
#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    number: u64,
    hash: H256,
}

pub struct NodeChain {
    runtime: tokio::runtime::Runtime,
    client: OnlineClient<Config>,
    rpc: LegacyRpcMethods<Config>,
    signer: Keypair,
    account: AccountId,
    manager: AccountId,
    url: String,
    source: NodeSource,
    checkpoint: Option<Checkpoint>,
    inclusion_timeout: Duration,
    /// The finalized head `blocks_after` read last.
    finalized: Option<u64>,
    /// How many times each call (by its input) failed with `OutOfGas`, until it lands.
    out_of_gas: std::collections::HashMap<Vec<u8>, u32>,
    notes: Vec<String>,
    /// Why the node will take no more submissions on this connection, once it said so: the
    /// next send fails as the node's failure, and the agent opens a new connection.
    spent: Option<String>,
}

fn node_error(url: &str, error: NodeError) -> ChainError {
    match error {
        NodeError::Unreachable { reason, .. } => ChainError::Unreachable {
            url: url.to_string(),
            reason,
        },
        NodeError::NotAContract { address, .. } => ChainError::NotAManager {
            address,
            reason: "no contract at this address".into(),
        },
        other => ChainError::Other(other.to_string()),
    }
}

impl NodeChain {
    /// Connects to `url`, checks that `manager` is a ProofManager there (its `admin()` answers
    /// with an account), and reads events from block `from`, or from the block after the
    /// finalized head when `None`.
    pub fn connect(
        url: &str,
        manager: AccountId,
        signer: Keypair,
        from: Option<u64>,
    ) -> Result<Self, ChainError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ChainError::Other(format!("cannot start an async runtime: {e}")))?;
        let unreachable = |e: subxt::Error| ChainError::Unreachable {
            url: url.to_string(),
            reason: e.to_string(),
        };
        let (client, rpc) = runtime.block_on(async {
            let rpc_client = RpcClient::from_insecure_url(url)
                .await
                .map_err(unreachable)?;
            let client = OnlineClient::<Config>::from_rpc_client(rpc_client.clone())
                .await
                .map_err(unreachable)?;
            Ok::<_, ChainError>((client, LegacyRpcMethods::new(rpc_client)))
        })?;
        let mut source =
            NodeSource::connect(url, manager.0, 0, Range::To(0)).map_err(|e| node_error(url, e))?;
        let start = match from {
            Some(from) => from,
            None => source.finalized().map_err(|e| node_error(url, e))? + 1,
        };
        source.start_at(start);
        let account = AccountId::from(signer.public_key().0);
        let chain = NodeChain {
            runtime,
            client,
            rpc,
            signer,
            account,
            manager,
            url: url.to_string(),
            source,
            checkpoint: None,
            inclusion_timeout: DEFAULT_INCLUSION_TIMEOUT,
            finalized: None,
            out_of_gas: std::collections::HashMap::new(),
            notes: Vec::new(),
            spent: None,
        };
        let admin = contract::<ProofManager>(manager).admin();
        let answer = chain.dry_run(input_of(admin))?;
        let decoded: Option<ink::MessageResult<AccountId>> =
            ink::scale::DecodeAll::decode_all(&mut &answer.data[..]).ok();
        if answer.reverted || !matches!(decoded, Some(Ok(_))) {
            return Err(ChainError::NotAManager {
                address: format!("0x{}", hex::encode(manager.0)),
                reason: "its admin() does not answer with an account".into(),
            });
        }
        chain.check_funded()?;
        Ok(chain)
    }

    /// How long a sent call may take to be in a block before its fate counts as unknown.
    pub fn set_inclusion_timeout(&mut self, timeout: Duration) {
        self.inclusion_timeout = timeout;
    }

    /// The agent's free balance in the chain's native token, which pays its fees.
    fn read_free_balance(&self) -> Result<u128, ChainError> {
        let address =
            subxt::dynamic::storage("System", "Account", vec![Value::from_bytes(self.account.0)]);
        let info = self
            .runtime
            .block_on(async {
                self.client
                    .storage()
                    .at_latest()
                    .await?
                    .fetch(&address)
                    .await
            })
            .map_err(|e| ChainError::Other(format!("System::Account: {e}")))?;
        // AccountInfo: nonce, consumers, providers, sufficients (u32 each), then the free
        // balance (u128) first in AccountData.
        Ok(info
            .and_then(|value| {
                let bytes = value.encoded();
                bytes
                    .get(16..32)
                    .and_then(|b| <[u8; 16]>::try_from(b).ok())
                    .map(u128::from_le_bytes)
            })
            .unwrap_or(0))
    }

    /// Refuses a key with nothing to pay fees with before any call is decided: otherwise the
    /// first call would fail at the pool, after the agent wrote it to its outbox.
    fn check_funded(&self) -> Result<(), ChainError> {
        if self.read_free_balance()? > 0 {
            return Ok(());
        }
        Err(ChainError::Unfunded {
            account: format!("0x{}", hex::encode(self.account.0)),
            reason: "its free balance is 0: it cannot pay for any call".into(),
        })
    }

    fn dry_run(&self, input: Vec<u8>) -> Result<DryRun, ChainError> {
        self.runtime.block_on(self.dry_run_async(input))
    }

    /// Dry runs of every input, `MAX_IN_FLIGHT` at a time: a round trip's wait for each
    /// `MAX_IN_FLIGHT` calls instead of one per call, and never more requests in flight than
    /// the connection takes.
    fn dry_runs(&self, inputs: Vec<Vec<u8>>) -> Vec<Result<DryRun, ChainError>> {
        use futures::StreamExt;
        self.runtime.block_on(
            futures::stream::iter(inputs.into_iter().map(|input| self.dry_run_async(input)))
                .buffered(MAX_IN_FLIGHT)
                .collect(),
        )
    }

    async fn dry_run_async(&self, input: Vec<u8>) -> Result<DryRun, ChainError> {
        // pallet-contracts' `ContractsApi_call`: origin, dest, value, gas limit, storage
        // deposit limit, input.
        let params = (
            self.account.0,
            self.manager.0,
            0u128,
            None::<(u64, u64)>,
            None::<u128>,
            input,
        )
            .encode();
        let bytes = self
            .rpc
            .state_call("ContractsApi_call", Some(&params), None)
            .await
            .map_err(|e| ChainError::Other(format!("a dry run failed: {e}")))?;
        let result: pallet_contracts::ContractExecResult<u128, ()> =
            Decode::decode(&mut &bytes[..])
                .map_err(|e| ChainError::Other(format!("a dry run's answer: {e}")))?;
        let value = result.result.map_err(|e| ChainError::Rejected {
            message: "dry run",
            reason: format!("{e:?}"),
        })?;
        Ok(DryRun {
            ref_time: result.gas_required.ref_time(),
            proof_size: result.gas_required.proof_size(),
            reverted: value.did_revert(),
            data: value.data,
        })
    }

    fn view<R: Decode>(&self, input: Vec<u8>, what: &str) -> Result<R, ChainError> {
        Self::decode_view(&self.dry_run(input)?, what)
    }

    /// What a view's dry run returned.
    fn decode_view<R: Decode>(answer: &DryRun, what: &str) -> Result<R, ChainError> {
        let decoded: ink::MessageResult<R> = Decode::decode(&mut &answer.data[..])
            .map_err(|e| ChainError::Other(format!("{what}: {e}")))?;
        decoded.map_err(|e| ChainError::Other(format!("{what}: {e:?}")))
    }

    fn input(&self, call: &Call) -> Vec<u8> {
        let pm = || contract::<ProofManager>(self.manager);
        match call {
            Call::Submit { id, params } => {
                input_of(pm().submit_proof_request((*id).into(), params.to_contract()))
            }
            Call::Validate { id, valid } => {
                input_of(pm().submit_proof_validation_result((*id).into(), *valid))
            }
            Call::MarkUnacknowledged { id } => input_of(pm().mark_unacknowledged((*id).into())),
            Call::MarkTimedOut { id } => input_of(pm().mark_timed_out((*id).into())),
            Call::Acknowledge { id, accept } => {
                input_of(pm().acknowledge_proof_request((*id).into(), *accept))
            }
            Call::SubmitProof {
                id,
                proof,
                requested_reward,
            } => input_of(pm().submit_proof((*id).into(), proof.clone(), *requested_reward)),
            Call::Claim => input_of(pm().claim_reward()),
        }
    }

    fn finalized_head(&self) -> Result<Checkpoint, ChainError> {
        let other = |e: subxt::Error| ChainError::Other(format!("the finalized head: {e}"));
        self.runtime.block_on(async {
            let hash = self.rpc.chain_get_finalized_head().await.map_err(other)?;
            let header = self
                .rpc
                .chain_get_header(Some(hash))
                .await
                .map_err(other)?
                .ok_or_else(|| ChainError::Other("the finalized head has no header".into()))?;
            Ok(Checkpoint {
                number: header.number().into(),
                hash,
            })
        })
    }

    /// Follows a runtime upgrade: calls signed with the old spec version are refused, and
    /// their payload is encoded by the new metadata.
    fn follow_runtime(&mut self) -> Result<(), ChainError> {
        let other = |e: subxt::Error| ChainError::Other(format!("the runtime version: {e}"));
        let now = self
            .runtime
            .block_on(self.rpc.state_get_runtime_version(None))
            .map_err(other)?;
        let known = self.client.runtime_version();
        if (now.spec_version, now.transaction_version)
            == (known.spec_version, known.transaction_version)
        {
            return Ok(());
        }
        let url = self.url.clone();
        let runtime = self
            .source
            .current_runtime()
            .map_err(|e| node_error(&url, e))?;
        self.notes.push(format!(
            "the chain's runtime was upgraded (spec version {} to {}): following it",
            known.spec_version, runtime.version.spec_version
        ));
        self.client.set_metadata(runtime.metadata);
        self.client.set_runtime_version(runtime.version);
        Ok(())
    }
}

impl Chain for NodeChain {
    fn account(&self) -> AccountId {
        self.account
    }

    fn contract(&self) -> AccountId {
        self.manager
    }

    /// Calls are signed against the finalized head read now: they can be in a block up to
    /// `MORTALITY_BLOCKS - 1` after it.
    fn inclusion_horizon(&mut self) -> Result<u64, ChainError> {
        let head = self.finalized_head()?;
        self.checkpoint = Some(head);
        Ok(head.number + MORTALITY_BLOCKS - 1)
    }

    fn send(&mut self, calls: &[Call]) -> Result<Vec<Delivery>, ChainError> {
        if let Some(reason) = &self.spent {
            return Err(ChainError::Other(format!(
                "the node takes no more submissions on this connection ({reason}): opening a \
                 new one"
            )));
        }
        self.follow_runtime()?;
        self.send_calls(calls)
    }

    fn proof_request(&mut self, id: Id) -> Result<Option<ProofRequest>, ChainError> {
        let input = input_of(contract::<ProofManager>(self.manager).proof_request(id.into()));
        self.view(input, "proof_request")
    }

    fn proof_requests(&mut self, ids: &[Id]) -> Result<Vec<Option<ProofRequest>>, ChainError> {
        let inputs = ids
            .iter()
            .map(|id| input_of(contract::<ProofManager>(self.manager).proof_request((*id).into())))
            .collect();
        self.dry_runs(inputs)
            .into_iter()
            .map(|answer| Self::decode_view(&answer?, "proof_request"))
            .collect()
    }

    fn network_info(&mut self, network: ProvingNetwork) -> Result<ProvingNetworkInfo, ChainError> {
        let input = input_of(contract::<ProofManager>(self.manager).proving_network_info(network));
        self.view(input, "proving_network_info")
    }

    fn now(&mut self) -> Result<u64, ChainError> {
        let now = subxt::dynamic::storage("Timestamp", "Now", ());
        let value = self
            .runtime
            .block_on(async { self.client.storage().at_latest().await?.fetch(&now).await })
            .map_err(|e| ChainError::Other(format!("reading Timestamp::Now: {e}")))?;
        let encoded = value.ok_or_else(|| ChainError::Other("no Timestamp::Now".into()))?;
        u64::decode(&mut encoded.encoded())
            .map_err(|e| ChainError::Other(format!("Timestamp::Now: {e}")))
    }

    fn retry_clock_ms(&mut self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    fn genesis_hash(&mut self) -> Result<[u8; 32], ChainError> {
        Ok(self.source.genesis_hash())
    }

    fn block_hash(&mut self, number: u64) -> Result<Option<[u8; 32]>, ChainError> {
        let url = self.url.clone();
        self.source
            .block_hash(number)
            .map_err(|e| node_error(&url, e))
    }

    fn code_hash(&mut self, at: Option<u64>) -> Result<[u8; 32], ChainError> {
        let url = self.url.clone();
        let number = match at {
            Some(number) => number,
            None => self.finalized_head()?.number,
        };
        self.source
            .code_hash(number)
            .map_err(|e| node_error(&url, e))?
            .ok_or_else(|| ChainError::NotAManager {
                address: format!("0x{}", hex::encode(self.manager.0)),
                reason: format!("no contract at this address at block {number}"),
            })
    }

    fn blocks_after(&mut self, after: Option<u64>) -> Result<Vec<SourceBlock>, ChainError> {
        let url = self.url.clone();
        if let Some(after) = after {
            if self.source.next_block_number() != after + 1 {
                self.source.start_at(after + 1);
            }
        }
        let head = self.source.finalized().map_err(|e| node_error(&url, e))?;
        self.finalized = Some(head);
        self.source.set_range(Range::To(head));
        let mut blocks = Vec::new();
        while let Some(block) = self.source.next_block().map_err(|e| node_error(&url, e))? {
            blocks.push(block);
        }
        Ok(blocks)
    }

    fn finalized_head(&self) -> Option<u64> {
        self.finalized
    }

    fn free_balance(&mut self) -> Result<u128, ChainError> {
        self.read_free_balance()
    }

    fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_out_of_gas_doubles_the_margin_up_to_its_cap() {
        assert_eq!(gas_limit(1_000, 200, 0), (1_100, 220));
        assert_eq!(gas_limit(1_000, 200, 1), (1_200, 240));
        assert_eq!(gas_limit(1_000, 200, 2), (1_400, 280));
        assert_eq!(gas_limit(1_000, 200, 5), (4_200, 840));
        assert_eq!(gas_limit(1_000, 200, 6), (4_200, 840));
        assert_eq!(gas_limit(1_000, 200, 200), (4_200, 840));
        assert_eq!(gas_limit(u64::MAX, 0, 3), (u64::MAX, 0));
    }
}
