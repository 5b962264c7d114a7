//! A live node as an agent's chain: calls signed with the agent's key (subxt 0.35.3, as
//! ink_e2e brings it), each dry-run first and then sent with a 10% gas margin, several at once
//! with consecutive nonces; views as dry runs; the contract's events through the auditor's node
//! source, block by block up to the finalized head.

use std::str::FromStr;

use futures::future::join_all;
use ink::primitives::AccountId;
use ink::scale::{Decode, Encode};
use proof_manager::{
    Error, ManagerEvent, ProofManager, ProofRequest, ProvingNetwork, ProvingNetworkInfo,
};
use proof_manager_audit::node::{NodeError, NodeSource, Range};
use proof_manager_audit::{EventSource, SourceBlock};
use proof_manager_e2e::{contract, input_of};
use subxt::backend::legacy::LegacyRpcMethods;
use subxt::backend::rpc::RpcClient;
use subxt::config::DefaultExtrinsicParamsBuilder;
use subxt::dynamic::Value;
use subxt::tx::TxStatus;
use subxt::{OnlineClient, PolkadotConfig};
use subxt_signer::sr25519::Keypair;
use subxt_signer::SecretUri;

use crate::call::{Call, Id, Reply, Success};
use crate::chain::{Chain, ChainError};

type Config = PolkadotConfig;

/// Extra gas over the dry run's estimate, in per cent: contracts-node 0.41's dry runs
/// under-estimate the proof size of calls into the token (measured: a submission estimated at
/// 86,560 failed with `OutOfGas` at that limit and passed at ~90,000).
pub const GAS_MARGIN_PERCENT: u64 = 10;

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

pub struct NodeChain {
    runtime: tokio::runtime::Runtime,
    client: OnlineClient<Config>,
    rpc: LegacyRpcMethods<Config>,
    signer: Keypair,
    account: AccountId,
    manager: AccountId,
    url: String,
    source: NodeSource,
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

    /// Refuses a key with nothing to pay fees with before any call is decided: otherwise the
    /// first call would fail at the pool, after the agent wrote it to its outbox.
    fn check_funded(&self) -> Result<(), ChainError> {
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
        let free = info.and_then(|value| {
            let bytes = value.encoded();
            bytes
                .get(16..32)
                .and_then(|b| <[u8; 16]>::try_from(b).ok())
                .map(u128::from_le_bytes)
        });
        match free {
            Some(free) if free > 0 => Ok(()),
            _ => Err(ChainError::Unfunded {
                account: format!("0x{}", hex::encode(self.account.0)),
                reason: "its free balance is 0: it cannot pay for any call".into(),
            }),
        }
    }

    fn dry_run(&self, input: Vec<u8>) -> Result<DryRun, ChainError> {
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
            .runtime
            .block_on(
                self.rpc
                    .state_call("ContractsApi_call", Some(&params), None),
            )
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
        let answer = self.dry_run(input)?;
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

    /// What the contract's output says the message returned.
    fn reply(call: &Call, data: &[u8]) -> Result<Reply, ChainError> {
        let undecodable =
            |e: ink::scale::Error| ChainError::Other(format!("{}: {e}", call.message()));
        Ok(match call {
            Call::Claim => {
                let r: ink::MessageResult<Result<u128, Error>> =
                    Decode::decode(&mut &data[..]).map_err(undecodable)?;
                r.map_err(|e| ChainError::Other(format!("{e:?}")))?
                    .map(Success::Claimed)
            }
            _ => {
                let r: ink::MessageResult<Result<(), Error>> =
                    Decode::decode(&mut &data[..]).map_err(undecodable)?;
                r.map_err(|e| ChainError::Other(format!("{e:?}")))?
                    .map(|()| Success::Done)
            }
        })
    }
}

impl Chain for NodeChain {
    fn account(&self) -> AccountId {
        self.account
    }

    fn contract(&self) -> AccountId {
        self.manager
    }

    fn send(&mut self, calls: &[Call]) -> Result<Vec<Result<Reply, ChainError>>, ChainError> {
        // Dry runs first: a call the contract refuses is answered without an extrinsic.
        let mut replies: Vec<Option<Result<Reply, ChainError>>> = Vec::new();
        let mut to_send = Vec::new();
        for (i, call) in calls.iter().enumerate() {
            let input = self.input(call);
            match self.dry_run(input.clone()) {
                Ok(dry) if dry.reverted => replies.push(Some(Self::reply(call, &dry.data))),
                Ok(dry) => {
                    replies.push(None);
                    to_send.push((i, input, dry));
                }
                Err(e) => replies.push(Some(Err(e))),
            }
        }
        if !to_send.is_empty() {
            let account32 = subxt::utils::AccountId32(self.account.0);
            let mut nonce = self
                .runtime
                .block_on(self.rpc.system_account_next_index(&account32))
                .map_err(|e| ChainError::Other(format!("reading the account's nonce: {e}")))?;
            let mut extrinsics = Vec::new();
            for (i, input, dry) in &to_send {
                let margin = |v: u64| v.saturating_add(v * GAS_MARGIN_PERCENT / 100);
                let payload = subxt::dynamic::tx(
                    "Contracts",
                    "call",
                    vec![
                        (
                            "dest",
                            Value::unnamed_variant("Id", [Value::from_bytes(self.manager.0)]),
                        ),
                        ("value", Value::u128(0)),
                        (
                            "gas_limit",
                            Value::named_composite([
                                ("ref_time", Value::u128(u128::from(margin(dry.ref_time)))),
                                (
                                    "proof_size",
                                    Value::u128(u128::from(margin(dry.proof_size))),
                                ),
                            ]),
                        ),
                        ("storage_deposit_limit", Value::unnamed_variant("None", [])),
                        ("data", Value::from_bytes(input)),
                    ],
                );
                let params = DefaultExtrinsicParamsBuilder::<Config>::new()
                    .nonce(nonce)
                    .build();
                let signed = self
                    .client
                    .tx()
                    .create_signed_offline(&payload, &self.signer, params)
                    .map_err(|e| ChainError::Other(format!("signing a call: {e}")))?;
                nonce += 1;
                extrinsics.push((*i, signed));
            }
            let outcomes =
                self.runtime
                    .block_on(join_all(extrinsics.iter().map(|(_, signed)| async move {
                        included(signed.submit_and_watch().await).await
                    })));
            for ((i, _), outcome) in extrinsics.iter().zip(outcomes) {
                let call = &calls[*i];
                let reply = match outcome {
                    Ok(events) => Ok(self.confirmed(call, &to_send, *i, &events)),
                    Err(reason) if reason.contains("Inability to pay") => {
                        return Err(ChainError::Unfunded {
                            account: format!("0x{}", hex::encode(self.account.0)),
                            reason,
                        })
                    }
                    Err(reason) if reason.contains("ContractReverted") => {
                        // The state moved between the dry run and the block: ask again.
                        match self.dry_run(self.input(call)) {
                            Ok(dry) if dry.reverted => Self::reply(call, &dry.data),
                            _ => Err(ChainError::Rejected {
                                message: call.message(),
                                reason,
                            }),
                        }
                    }
                    Err(reason) => Err(ChainError::Rejected {
                        message: call.message(),
                        reason,
                    }),
                };
                replies[*i] = Some(reply);
            }
        }
        Ok(replies
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(ChainError::Other("no answer".into()))))
            .collect())
    }

    fn proof_request(&mut self, id: Id) -> Result<Option<ProofRequest>, ChainError> {
        let input = input_of(contract::<ProofManager>(self.manager).proof_request(id.into()));
        self.view(input, "proof_request")
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

    fn blocks_after(&mut self, after: Option<u64>) -> Result<Vec<SourceBlock>, ChainError> {
        let url = self.url.clone();
        if let Some(after) = after {
            if self.source.next_block_number() != after + 1 {
                self.source.start_at(after + 1);
            }
        }
        let head = self.source.finalized().map_err(|e| node_error(&url, e))?;
        self.source.set_range(Range::To(head));
        let mut blocks = Vec::new();
        while let Some(block) = self.source.next_block().map_err(|e| node_error(&url, e))? {
            blocks.push(block);
        }
        Ok(blocks)
    }
}

impl NodeChain {
    /// A call's reply once its extrinsic succeeded: the dry run's value, or for a claim the
    /// amount of its `RewardClaimed`.
    fn confirmed(
        &self,
        call: &Call,
        dry_runs: &[(usize, Vec<u8>, DryRun)],
        i: usize,
        events: &subxt::blocks::ExtrinsicEvents<Config>,
    ) -> Reply {
        let claimed = events.iter().flatten().find_map(|event| {
            if event.pallet_name() != "Contracts" || event.variant_name() != "ContractEmitted" {
                return None;
            }
            let (emitter, data) = <([u8; 32], Vec<u8>)>::decode(&mut event.field_bytes()).ok()?;
            let topics: Vec<[u8; 32]> = event.topics().iter().map(|t| t.0).collect();
            match ManagerEvent::decode(&topics, &data) {
                Ok(ManagerEvent::RewardClaimed(e)) if emitter == self.manager.0 => Some(e.amount),
                _ => None,
            }
        });
        match (call, claimed) {
            (Call::Claim, Some(amount)) => Ok(Success::Claimed(amount)),
            _ => dry_runs
                .iter()
                .find(|(j, ..)| *j == i)
                .map_or(Ok(Success::Done), |(_, _, dry)| {
                    Self::reply(call, &dry.data).unwrap_or(Ok(Success::Done))
                }),
        }
    }
}

/// Waits until the extrinsic is in a block; its events, or why it is not (a failed dispatch,
/// an invalid or dropped transaction).
async fn included(
    progress: Result<subxt::tx::TxProgress<Config, OnlineClient<Config>>, subxt::Error>,
) -> Result<subxt::blocks::ExtrinsicEvents<Config>, String> {
    let mut progress = progress.map_err(|e| e.to_string())?;
    while let Some(status) = progress.next().await {
        match status.map_err(|e| e.to_string())? {
            TxStatus::InBestBlock(in_block) | TxStatus::InFinalizedBlock(in_block) => {
                return in_block.wait_for_success().await.map_err(|e| e.to_string());
            }
            TxStatus::Error { message }
            | TxStatus::Invalid { message }
            | TxStatus::Dropped { message } => return Err(message),
            _ => continue,
        }
    }
    Err("the node stopped reporting the transaction's progress".into())
}
