//! Sending calls to a live node: dry runs first (a call the contract refuses is answered
//! without an extrinsic), then the rest signed mortal against the checkpoint with consecutive
//! nonces read from the chain, submitted together (each again at once while the pool turns it
//! away or does not answer: `attempts.rs`) and awaited in nonce order up to the inclusion
//! timeout. Each call ends as executed (its value or error), not executed (the node
//! refused or dropped it, it failed in its block without the contract's verdict), or of unknown
//! fate (no answer in time, the connection lost after submitting, or waiting behind a nonce
//! that will not be used).

use std::pin::pin;
use std::time::Duration;

use futures::future::{join_all, select, Either};
use ink::scale::Decode;
use proof_manager::{Error, ManagerEvent};
use subxt::config::DefaultExtrinsicParamsBuilder;
use subxt::dynamic::Value;
use subxt::tx::{SubmittableExtrinsic, TxProgress, TxStatus};
use subxt::OnlineClient;

use super::attempts::{self, Attempt, Ended, Submissions};
use super::{gas_limit, Config, DryRun, NodeChain, MAX_IN_FLIGHT, MORTALITY_BLOCKS};
use crate::call::{Call, Reply, Success};
use crate::chain::{ChainError, Delivery};

/// What waiting for one extrinsic gave.
enum Waited {
    InBlock(subxt::blocks::ExtrinsicEvents<Config>),
    /// The node refused or dropped it, or it failed in its block: it changed nothing.
    Refused(String),
    /// It is in a block, but the dispatch failed with this error.
    Failed(String),
    /// No answer: it may be in a block or still come.
    Unknown(String),
}

/// How long the node has to answer a submission. It answers as soon as its pool validated the
/// extrinsic (milliseconds, a second under load); no answer by then means the request or its
/// answer was lost, and the same bytes go again rather than hold every later nonce of the step
/// until the inclusion timeout. Longer than the soak's proxy delays (5 s at most).
const SUBMISSION_ANSWER_TIMEOUT: Duration = Duration::from_secs(6);

/// What a failed submission says: an error the node answered with is its pool's verdict; a
/// transport that failed may have delivered it.
fn submission_failed(error: &subxt::Error) -> Attempt<Waited> {
    let text = error.to_string();
    if let subxt::Error::Rpc(subxt::error::RpcError::ClientError(inner)) = error {
        if let Some(jsonrpsee_core::ClientError::Call(answer)) =
            inner.downcast_ref::<jsonrpsee_core::ClientError>()
        {
            let data = answer
                .data()
                .map_or(String::new(), |d| format!(": {}", d.get()));
            let reason = format!("the node refused it ({}{data})", answer.message());
            return attempts::of_pool_error(answer.code(), reason);
        }
        return Attempt::Unanswered(format!("the connection failed while submitting: {text}"));
    }
    match error {
        subxt::Error::Rpc(_) | subxt::Error::Io(_) => {
            Attempt::Unanswered(format!("the connection failed while submitting: {text}"))
        }
        _ => Attempt::Refused(text),
    }
}

/// Waits until the extrinsic is in a block; its events, or why it is not.
async fn included(progress: TxProgress<Config, OnlineClient<Config>>) -> Attempt<Waited> {
    let mut progress = progress;
    while let Some(status) = progress.next().await {
        let status = match status {
            Ok(status) => status,
            Err(e) => return Attempt::Final(Waited::Unknown(format!("its progress stopped: {e}"))),
        };
        match status {
            TxStatus::InBestBlock(in_block) | TxStatus::InFinalizedBlock(in_block) => {
                return Attempt::Final(match in_block.wait_for_success().await {
                    Ok(events) => Waited::InBlock(events),
                    Err(subxt::Error::Runtime(dispatch)) => Waited::Failed(dispatch.to_string()),
                    Err(e) => Waited::Unknown(format!("in a block, its events unread: {e}")),
                });
            }
            TxStatus::Dropped { message } => {
                return Attempt::TurnedAway(format!("the pool dropped it: {message}"))
            }
            TxStatus::Error { message } | TxStatus::Invalid { message } => {
                return Attempt::Refused(message)
            }
            _ => continue,
        }
    }
    Attempt::Final(Waited::Unknown(
        "the node stopped reporting its progress".into(),
    ))
}

/// Submits the same bytes until their fate is settled (`Submissions`); whether the nonces
/// after this one may be stuck behind it (it is not known to be in the node).
async fn submit(extrinsic: &SubmittableExtrinsic<Config, OnlineClient<Config>>) -> (Waited, bool) {
    let mut submissions = Submissions::default();
    loop {
        let attempt =
            match tokio::time::timeout(SUBMISSION_ANSWER_TIMEOUT, extrinsic.submit_and_watch())
                .await
            {
                Err(_) => Attempt::Unanswered(format!(
                    "no answer to the submission within {} s",
                    SUBMISSION_ANSWER_TIMEOUT.as_secs()
                )),
                Ok(Err(e)) => submission_failed(&e),
                Ok(Ok(progress)) => included(progress).await,
            };
        match submissions.after(attempt) {
            None => continue,
            Some(Ended::Final(waited)) => return (waited, false),
            Some(Ended::Pooled) => {
                let reason = format!(
                    "in the node's pool after {} submissions, its progress unwatched",
                    submissions.tries()
                );
                return (Waited::Unknown(reason), false);
            }
            Some(Ended::NotExecuted(reason)) => return (Waited::Refused(reason), true),
            Some(Ended::Unknown(reason)) => return (Waited::Unknown(reason), true),
        }
    }
}

impl NodeChain {
    /// Sends `calls` (see the module's documentation), `MAX_IN_FLIGHT` at a time.
    pub(super) fn send_calls(&mut self, calls: &[Call]) -> Result<Vec<Delivery>, ChainError> {
        let mut deliveries = Vec::with_capacity(calls.len());
        for chunk in calls.chunks(MAX_IN_FLIGHT) {
            deliveries.extend(self.send_chunk(chunk)?);
        }
        Ok(deliveries)
    }

    /// Sends at most `MAX_IN_FLIGHT` calls together.
    fn send_chunk(&mut self, calls: &[Call]) -> Result<Vec<Delivery>, ChainError> {
        let checkpoint = match self.checkpoint {
            Some(checkpoint) => checkpoint,
            None => {
                self.inclusion_horizon_now()?;
                self.checkpoint.expect("set by inclusion_horizon_now")
            }
        };
        let horizon = checkpoint.number + MORTALITY_BLOCKS - 1;
        let mut deliveries: Vec<Option<Delivery>> = calls.iter().map(|_| None).collect();
        let mut to_send = Vec::new();
        let dry_runs = self.dry_runs(calls.iter().map(|call| self.input(call)).collect());
        for ((i, call), dry_run) in calls.iter().enumerate().zip(dry_runs) {
            match dry_run {
                Ok(dry) if dry.reverted => {
                    deliveries[i] = Some(match Self::reply(call, &dry.data) {
                        Ok(reply) => Delivery::Executed(reply),
                        Err(e) => Delivery::NotExecuted(e.to_string()),
                    })
                }
                Ok(dry) => to_send.push((i, dry)),
                Err(e) => deliveries[i] = Some(Delivery::NotExecuted(e.to_string())),
            }
        }
        if !to_send.is_empty() {
            let signed = self.sign(calls, &to_send, checkpoint)?;
            let waited = self.submit_and_wait(&signed);
            if let Some(reason) = waited.iter().find_map(|w| match w {
                Waited::Refused(reason) if attempts::spends_the_connection(reason) => {
                    Some(reason.clone())
                }
                _ => None,
            }) {
                self.spent = Some(reason);
            }
            for ((i, dry), waited) in to_send.iter().zip(waited) {
                let delivery = self.delivery(&calls[*i], dry, waited, horizon)?;
                deliveries[*i] = Some(delivery);
            }
        }
        Ok(deliveries
            .into_iter()
            .map(|d| d.unwrap_or_else(|| Delivery::NotExecuted("no answer".into())))
            .collect())
    }

    fn inclusion_horizon_now(&mut self) -> Result<u64, ChainError> {
        crate::chain::Chain::inclusion_horizon(self)
    }

    /// Signs each call to send with the next nonces the chain gives the account.
    fn sign(
        &self,
        calls: &[Call],
        to_send: &[(usize, DryRun)],
        checkpoint: super::Checkpoint,
    ) -> Result<Vec<SubmittableExtrinsic<Config, OnlineClient<Config>>>, ChainError> {
        let account32 = subxt::utils::AccountId32(self.account.0);
        // The node's next index counts the account's extrinsics in its ready queue: after a
        // drop it gives the dropped nonce again, so the calls behind it get unstuck.
        let mut nonce = self
            .runtime
            .block_on(self.rpc.system_account_next_index(&account32))
            .map_err(|e| ChainError::Other(format!("reading the account's nonce: {e}")))?;
        let mut signed = Vec::with_capacity(to_send.len());
        for (i, dry) in to_send {
            let input = self.input(&calls[*i]);
            let failed = self.out_of_gas.get(&input).copied().unwrap_or(0);
            let (ref_time, proof_size) = gas_limit(dry.ref_time, dry.proof_size, failed);
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
                            ("ref_time", Value::u128(u128::from(ref_time))),
                            ("proof_size", Value::u128(u128::from(proof_size))),
                        ]),
                    ),
                    ("storage_deposit_limit", Value::unnamed_variant("None", [])),
                    ("data", Value::from_bytes(input)),
                ],
            );
            let params = DefaultExtrinsicParamsBuilder::<Config>::new()
                .nonce(nonce)
                .mortal_unchecked(checkpoint.number, checkpoint.hash, MORTALITY_BLOCKS)
                .build();
            let extrinsic = self
                .client
                .tx()
                .create_signed_offline(&payload, &self.signer, params)
                .map_err(|e| ChainError::Other(format!("signing a call: {e}")))?;
            signed.push(extrinsic);
            nonce += 1;
        }
        Ok(signed)
    }

    /// Submits every extrinsic at once (each again while the pool turns it away or does not
    /// answer, `submit`) and waits for each until the inclusion timeout. Once one's submissions
    /// failed, the ones after it wait in the node's future queue for its nonce: they stop
    /// waiting at once (their fate is unknown).
    fn submit_and_wait(
        &self,
        signed: &[SubmittableExtrinsic<Config, OnlineClient<Config>>],
    ) -> Vec<Waited> {
        let deadline = tokio::time::Instant::now() + self.inclusion_timeout;
        let timeout_s = self.inclusion_timeout.as_secs();
        // The lowest nonce position known not to be executed.
        let (gap, gaps) = tokio::sync::watch::channel(None::<usize>);
        let gap = &gap;
        let waits = signed.iter().enumerate().map(|(i, extrinsic)| {
            let mut gaps = gaps.clone();
            async move {
                let behind = async {
                    while !gaps.borrow().is_some_and(|g| g < i) {
                        if gaps.changed().await.is_err() {
                            std::future::pending::<()>().await;
                        }
                    }
                };
                let sent = tokio::time::timeout_at(deadline, submit(extrinsic));
                let (outcome, gap_here) = match select(pin!(sent), pin!(behind)).await {
                    Either::Left((Ok(ended), _)) => ended,
                    Either::Left((Err(_), _)) => (
                        Waited::Unknown(format!("not in a block within {timeout_s} s")),
                        false,
                    ),
                    Either::Right(((), _)) => (
                        Waited::Unknown(
                            "waits behind an earlier call whose submission failed".into(),
                        ),
                        false,
                    ),
                };
                if gap_here {
                    gap.send_modify(|g| *g = Some(g.map_or(i, |g| g.min(i))));
                }
                outcome
            }
        });
        self.runtime.block_on(join_all(waits))
    }

    /// What became of one sent call.
    fn delivery(
        &mut self,
        call: &Call,
        dry: &DryRun,
        waited: Waited,
        horizon: u64,
    ) -> Result<Delivery, ChainError> {
        let input = self.input(call);
        match &waited {
            Waited::Failed(reason) if reason.contains("OutOfGas") => {
                // Calls abandoned meanwhile never land: the memory stays bounded.
                if self.out_of_gas.len() >= 4_096 {
                    self.out_of_gas.clear();
                }
                *self.out_of_gas.entry(input).or_default() += 1;
            }
            Waited::InBlock(_) => {
                self.out_of_gas.remove(&input);
            }
            _ => {}
        }
        Ok(match waited {
            Waited::InBlock(events) => Delivery::Executed(self.confirmed(call, dry, &events)),
            Waited::Refused(reason) if reason.contains("Inability to pay") => {
                return Err(ChainError::Unfunded {
                    account: format!("0x{}", hex::encode(self.account.0)),
                    reason,
                })
            }
            Waited::Refused(reason) => Delivery::NotExecuted(reason),
            // The state moved between the dry run and the block: the contract's own answer
            // now says why, if it refuses now; otherwise nothing changed and it can be sent
            // again.
            Waited::Failed(reason) if reason.contains("ContractReverted") => {
                match self.dry_run(self.input(call)) {
                    Ok(again) if again.reverted => match Self::reply(call, &again.data) {
                        Ok(reply) => Delivery::Executed(reply),
                        Err(e) => Delivery::NotExecuted(e.to_string()),
                    },
                    _ => Delivery::NotExecuted(format!("reverted in its block: {reason}")),
                }
            }
            Waited::Failed(reason) => {
                Delivery::NotExecuted(format!("failed in its block: {reason}"))
            }
            Waited::Unknown(reason) => Delivery::Unknown {
                reason,
                until_block: horizon,
            },
        })
    }

    /// What the contract's output says the message returned.
    pub(super) fn reply(call: &Call, data: &[u8]) -> Result<Reply, ChainError> {
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

    /// A call's reply once its extrinsic succeeded: the dry run's value, or for a claim the
    /// amount of its `RewardClaimed`.
    fn confirmed(
        &self,
        call: &Call,
        dry: &DryRun,
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
            _ => Self::reply(call, &dry.data).unwrap_or(Ok(Success::Done)),
        }
    }
}
