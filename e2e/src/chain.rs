//! The embedded chain and its one call path: deploy, call, query, record what each call cost and
//! emitted, set the block time, snapshot and restore.
//!
//! Every call is built by the contracts' own call builders (`contract::<ProofManager>(address)
//! .submit_proof(..)`, `ProofManagerRef::new(..)`), so the selector, the argument types and the
//! return type come from the contract's Rust code: a renamed message or a changed argument fails
//! to compile here. Every call's revert flag is checked against the value it returned (`Err` ⇔
//! reverted), so a harness bug cannot turn a refusal into a pass.

use std::path::PathBuf;

use drink::minimal::{MinimalSandbox, MinimalSandboxRuntime, RuntimeEvent};
use drink::pallet_contracts::{self, Determinism, StorageDeposit};
use drink::sandbox_api::prelude::*;
use drink::session::ContractBundle;
use drink::{AccountId32, Sandbox};
use ink::env::call::utils::{ReturnType, Set, Unset};
use ink::env::call::{state, ConstructorReturnType, CreateBuilder, ExecutionInput, LimitParamsV2};
use ink::env::{DefaultEnvironment, Event};
use ink::primitives::{AccountId, Hash};
use ink::scale::{Decode, DecodeAll, Encode};

use crate::fixtures::{ACTORS, GENESIS_TIME, OUTSIDER};
use proof_manager::Message;

/// The environment of every contract here.
pub type Env = DefaultEnvironment;

/// A constructor call as a contract ref's constructor produces it (`ProofManagerRef::new(..)`).
pub type Constructor<C, Args, R> = CreateBuilder<
    Env,
    C,
    Unset<Hash>,
    Set<LimitParamsV2<Env>>,
    Unset<u128>,
    Set<ExecutionInput<Args>>,
    Unset<state::Salt>,
    Set<ReturnType<R>>,
>;

/// A message's return value, and whether the contract must have reverted to return it: ink!
/// reverts exactly when a message returns `Err`.
pub trait Reply: Decode {
    fn is_refusal(&self) -> bool {
        false
    }
}

impl<T: Decode, E: Decode> Reply for Result<T, E> {
    fn is_refusal(&self) -> bool {
        self.is_err()
    }
}

impl<T: Decode> Reply for Option<T> {}
impl Reply for () {}
impl Reply for bool {}
impl Reply for u64 {}
impl Reply for u128 {}
impl Reply for AccountId {}
impl Reply for proof_manager::ProvingNetworkInfo {}

/// Native balance given to each actor: plenty for storage deposits.
const ACTOR_BALANCE: u128 = 1_000_000_000_000_000;

pub(crate) fn runtime_account(account: AccountId) -> AccountId32 {
    AccountId32::new(account.0)
}

/// Where the release bundles are: `$PROOF_MANAGER_BUNDLES`, else `$CARGO_TARGET_DIR/ink`, else
/// the workspace's `target/ink`.
pub fn bundle_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("PROOF_MANAGER_BUNDLES") {
        return PathBuf::from(dir);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("ink")
}

/// The bundle at `relative` in `bundle_dir()`. Panics with the fix when it is missing: nothing
/// here can run without the contracts.
pub fn load_bundle(relative: &str) -> ContractBundle {
    let path = bundle_dir().join(relative);
    ContractBundle::load(&path).unwrap_or_else(|e| {
        panic!(
            "cannot load {}: {e:?}\nbuild the contracts first: scripts/build.sh",
            path.display()
        )
    })
}

/// The optimized ProofManager code.
pub fn proof_manager_wasm() -> Vec<u8> {
    load_bundle("proof_manager.contract").wasm
}

/// The optimized PSP22 mock code.
pub fn psp22_mock_wasm() -> Vec<u8> {
    load_bundle("psp22_mock.contract").wasm
}

/// What one call cost, as pallet-contracts reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallStats {
    pub ref_time: u64,
    pub proof_size: u64,
    /// Positive: charged to the caller; negative: refunded.
    pub storage_deposit: i128,
}

/// The summed cost of every call (views excluded) since the chain was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallTotals {
    pub calls: u64,
    pub ref_time: u128,
    pub proof_size: u128,
    pub storage_deposit: i128,
}

/// An event a contract emitted, with its topics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmittedEvent {
    pub contract: AccountId,
    pub topics: Vec<[u8; 32]>,
    pub data: Vec<u8>,
}

impl EmittedEvent {
    /// Decodes the event if it is an `E`: its first topic is `E`'s signature and its data is
    /// exactly one `E`.
    pub fn decode<E: Event + Decode>(&self) -> Option<E> {
        let signature = E::SIGNATURE_TOPIC?;
        if self.topics.first() != Some(&signature) {
            return None;
        }
        E::decode_all(&mut &self.data[..]).ok()
    }
}

/// A contract event where a chain keeps it: in a block, at a position among all of that block's
/// runtime events (as a node's `System::Events` numbers them), at the block's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockEvent {
    pub block_number: u64,
    pub event_index: u32,
    pub block_time_ms: u64,
    pub event: EmittedEvent,
}

/// How a call ended below the message's own `Result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The contract returned; `reverted` is its revert flag; `data` the SCALE-encoded
    /// `MessageResult`.
    Returned { reverted: bool, data: Vec<u8> },
    /// The call trapped or the runtime refused it.
    Failed(String),
}

/// The embedded chain with the payment token and a ProofManager deployed.
pub struct Chain {
    pub(crate) sandbox: MinimalSandbox,
    /// The payment token the manager was deployed with (or, for the hostile suite, the token
    /// the test swapped in).
    pub token: AccountId,
    pub manager: AccountId,
    last_stats: CallStats,
    totals: CallTotals,
    last_events: Vec<EmittedEvent>,
    last_reverted: bool,
    /// Salt for the next deployment, so equal code and arguments still get a new address.
    deployments: u64,
    /// Runtime events of the current block so far, to number the next call's events as a node
    /// would (the sandbox's own list is cleared before every call).
    events_in_block: u32,
    /// Every contract event since `keep_event_log`, when it was called.
    log: Option<Vec<BlockEvent>>,
    /// The last block that `set_time` closed, with its time.
    closed: Option<(u64, u64)>,
    /// The hash of the first block the chain closed: what a node calls its genesis hash (the
    /// sandbox starts with no hash for block 0). Equal for every `Chain::new`, as a development
    /// chain's genesis is for every start.
    genesis: Hash,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    /// A chain at `GENESIS_TIME` with the mock token (no supply) and a ProofManager with the
    /// standard roles, no preferred network and no funds.
    pub fn new() -> Self {
        let mut sandbox = MinimalSandbox::default();
        for actor in ACTORS {
            sandbox
                .mint_into(&runtime_account(actor), ACTOR_BALANCE)
                .expect("minting native balance");
        }
        let mut chain = Chain {
            sandbox,
            token: AccountId([0; 32]),
            manager: AccountId([0; 32]),
            last_stats: CallStats::default(),
            totals: CallTotals::default(),
            last_events: Vec::new(),
            last_reverted: false,
            deployments: 0,
            events_in_block: 0,
            log: None,
            closed: None,
            genesis: Hash::from([0; 32]),
        };
        // The sandbox stamps each new block with the wall clock (in seconds): the first block
        // gets a fixed time before it closes, so every start has the same genesis hash.
        chain.sandbox.set_timestamp(GENESIS_TIME);
        chain.set_time(GENESIS_TIME);
        chain.genesis = chain.sandbox.execute_with(|| {
            Hash::from(ink_sandbox::frame_system::Pallet::<MinimalSandboxRuntime>::parent_hash().0)
        });
        chain.token = chain.deploy_token(0).expect("deploying the PSP22 mock");
        let roles = chain.default_roles();
        chain.manager = chain
            .deploy_manager(roles)
            .expect("deploying ProofManager")
            .expect("the default roles are valid");
        chain
    }

    /// Uploads and instantiates `wasm` with `constructor` as `origin`. The outer `Err` is a
    /// deployment the runtime refused (or a constructor that trapped); the inner one is the
    /// constructor's own error, which must come with the revert flag.
    pub fn deploy<C, Args: Encode, R>(
        &mut self,
        wasm: Vec<u8>,
        constructor: Constructor<C, Args, R>,
        origin: AccountId,
    ) -> Result<Result<AccountId, R::Error>, String>
    where
        R: ConstructorReturnType<C>,
    {
        let data = constructor
            .endowment(0)
            .code_hash(Hash::from([0; 32]))
            .salt_bytes(Vec::new())
            .params()
            .exec_input()
            .encode();
        self.begin_call();
        self.deployments += 1;
        let salt = self.deployments.to_le_bytes().to_vec();
        let result = self.sandbox.deploy_contract(
            wasm,
            0,
            data,
            salt,
            runtime_account(origin),
            MinimalSandbox::default_gas_limit(),
            None,
        );
        self.record(result.gas_consumed, &result.storage_deposit);
        let returned = result.result.map_err(|e| format!("{e:?}"))?;
        let reverted = returned.result.did_revert();
        self.last_reverted = reverted;
        let address = AccountId::from(<[u8; 32]>::from(returned.account_id));
        let output = &returned.result.data[..];
        let constructed: Result<(), R::Error> = if R::IS_RESULT {
            let decoded: ink::ConstructorResult<Result<(), R::Error>> =
                Decode::decode(&mut &output[..]).map_err(|e| e.to_string())?;
            decoded.map_err(|lang| format!("{lang:?}"))?
        } else {
            let decoded: ink::ConstructorResult<()> =
                Decode::decode(&mut &output[..]).map_err(|e| e.to_string())?;
            decoded.map_err(|lang| format!("{lang:?}"))?;
            Ok(())
        };
        if reverted != constructed.is_err() {
            return Err(format!(
                "the constructor returned {} but its revert flag is {reverted}",
                if constructed.is_err() { "Err" } else { "Ok" }
            ));
        }
        Ok(constructed.map(|()| address))
    }

    /// Calls `message` as `caller` and returns what it returned. Panics when the call traps, its
    /// output does not decode, or its revert flag disagrees with the value: a contract must
    /// never do any of these, and a harness that let one pass would hide a bug.
    pub fn call<Args: Encode, R: Reply>(
        &mut self,
        caller: AccountId,
        message: Message<Args, R>,
    ) -> R {
        let params = message.params();
        let callee = *params.callee();
        let input = params.exec_input().encode();
        let selector = input.get(..4).map(<[u8]>::to_vec).unwrap_or_default();
        match self.call_raw(caller, callee, input) {
            Outcome::Returned { reverted, data } => {
                let result: ink::MessageResult<R> =
                    Decode::decode(&mut &data[..]).unwrap_or_else(|e| {
                        panic!("{selector:02x?}: undecodable output {data:?}: {e}")
                    });
                let value = result.unwrap_or_else(|lang| panic!("{selector:02x?}: {lang:?}"));
                assert_eq!(
                    reverted,
                    value.is_refusal(),
                    "{selector:02x?}: the revert flag disagrees with the returned value"
                );
                value
            }
            Outcome::Failed(error) => panic!("{selector:02x?} trapped: {error}"),
        }
    }

    /// Runs a view, keeping the cost and events of the previous call. ink! writes no storage
    /// for `&self` messages, so a plain call changes nothing; drink's `dry_run` would clone and
    /// re-root the whole state on every query, which makes long runs quadratic.
    pub fn query<Args: Encode, R: Reply>(&mut self, message: Message<Args, R>) -> R {
        // A node answers views off-chain: nothing of a query may show in the block's events.
        let (stats, totals, reverted, in_block) = (
            self.last_stats,
            self.totals,
            self.last_reverted,
            self.events_in_block,
        );
        let events = std::mem::take(&mut self.last_events);
        let log_len = self.log.as_ref().map(Vec::len);
        let value = self.call(OUTSIDER, message);
        self.last_stats = stats;
        self.totals = totals;
        self.last_events = events;
        self.last_reverted = reverted;
        self.events_in_block = in_block;
        if let (Some(log), Some(len)) = (self.log.as_mut(), log_len) {
            log.truncate(len);
        }
        value
    }

    /// Calls `contract` as `caller` with raw input; records the cost, the revert flag and the
    /// events.
    pub fn call_raw(&mut self, caller: AccountId, contract: AccountId, input: Vec<u8>) -> Outcome {
        self.call_with_debug_buffer(caller, contract, input).0
    }

    /// As `call_raw`, also returning the runtime's debug buffer for the call: the contracts'
    /// debug messages and, when the `runtime::contracts::strace` log target is enabled at trace
    /// level, one line per host function call with its result.
    pub fn call_with_debug_buffer(
        &mut self,
        caller: AccountId,
        contract: AccountId,
        input: Vec<u8>,
    ) -> (Outcome, String) {
        self.begin_call();
        let result = self.sandbox.call_contract(
            runtime_account(contract),
            0,
            input,
            runtime_account(caller),
            MinimalSandbox::default_gas_limit(),
            None,
            Determinism::Enforced,
        );
        self.record(result.gas_consumed, &result.storage_deposit);
        self.last_reverted = result
            .result
            .as_ref()
            .map_or(true, |value| value.did_revert());
        let debug_buffer = String::from_utf8_lossy(&result.debug_message).into_owned();
        let outcome = match result.result {
            Ok(value) => Outcome::Returned {
                reverted: value.did_revert(),
                data: value.data,
            },
            Err(error) => Outcome::Failed(format!("{error:?}")),
        };
        (outcome, debug_buffer)
    }

    /// Clears the block's event list so that it holds the next call's events only: reading a
    /// list that grows with every call would make long runs quadratic.
    fn begin_call(&mut self) {
        self.sandbox.reset_events();
    }

    /// Keeps the cost and the events of the call that just ran, and logs its contract events
    /// with their block when the log is on.
    fn record(&mut self, weight: drink::Weight, deposit: &StorageDeposit<u128>) {
        self.last_stats = CallStats {
            ref_time: weight.ref_time(),
            proof_size: weight.proof_size(),
            storage_deposit: match deposit {
                StorageDeposit::Charge(amount) => *amount as i128,
                StorageDeposit::Refund(amount) => -(*amount as i128),
            },
        };
        self.totals.calls += 1;
        self.totals.ref_time += u128::from(self.last_stats.ref_time);
        self.totals.proof_size += u128::from(self.last_stats.proof_size);
        self.totals.storage_deposit += self.last_stats.storage_deposit;
        let records = self.sandbox.events();
        let first_index = self.events_in_block;
        self.events_in_block = first_index.saturating_add(records.len() as u32);
        let mut emitted = Vec::new();
        for (offset, record) in records.iter().enumerate() {
            if let RuntimeEvent::Contracts(pallet_contracts::Event::ContractEmitted {
                contract,
                data,
            }) = &record.event
            {
                let event = EmittedEvent {
                    contract: AccountId::from(<[u8; 32]>::from(contract.clone())),
                    topics: record.topics.iter().map(|t| t.0).collect(),
                    data: data.clone(),
                };
                emitted.push((first_index.saturating_add(offset as u32), event));
            }
        }
        if self.log.is_some() {
            let block_number = u64::from(self.sandbox.block_number());
            let block_time_ms = self.sandbox.get_timestamp();
            if let Some(log) = self.log.as_mut() {
                log.extend(emitted.iter().map(|(event_index, event)| BlockEvent {
                    block_number,
                    event_index: *event_index,
                    block_time_ms,
                    event: event.clone(),
                }));
            }
        }
        self.last_events = emitted.into_iter().map(|(_, event)| event).collect();
    }

    /// Cost of the last call.
    pub fn last_stats(&self) -> CallStats {
        self.last_stats
    }

    /// The summed cost of every call so far, views excluded.
    pub fn call_totals(&self) -> CallTotals {
        self.totals
    }

    /// Whether pallet-contracts discarded every write of the last call: it reverted (an ink!
    /// message that returned `Err`) or failed.
    pub fn last_reverted(&self) -> bool {
        self.last_reverted
    }

    /// Every event the last call emitted, from any contract.
    pub fn last_events(&self) -> &[EmittedEvent] {
        &self.last_events
    }

    /// The last call's ProofManager events of type `E`, in order.
    pub fn events<E: Event + Decode>(&self) -> Vec<E> {
        self.last_events
            .iter()
            .filter(|e| e.contract == self.manager)
            .filter_map(EmittedEvent::decode::<E>)
            .collect()
    }

    /// Starts logging every contract event from now on, with its block (what a node keeps in
    /// `System::Events`), for readers of the whole history such as the auditor.
    pub fn keep_event_log(&mut self) {
        self.log.get_or_insert_with(Vec::new);
    }

    /// The events logged since `keep_event_log`; empty when it was never called.
    pub fn event_log(&self) -> &[BlockEvent] {
        self.log.as_deref().unwrap_or_default()
    }

    // ---------------------------------------------------------------------------------------
    // Time. ink_sandbox resets the clock to wall-clock seconds at every block, so every block
    // is followed by an explicit timestamp in milliseconds.
    // ---------------------------------------------------------------------------------------

    /// The block time in milliseconds.
    pub fn now(&mut self) -> u64 {
        self.sandbox.get_timestamp()
    }

    /// The current block's number.
    pub fn block_number(&mut self) -> u64 {
        u64::from(self.sandbox.block_number())
    }

    /// The last block closed by `set_time` (a new block started after it), with its time: a
    /// reader of the event log sees every event of that block and of the blocks before it, as
    /// a node's follower sees the finalized blocks.
    pub fn last_closed_block(&self) -> Option<(u64, u64)> {
        self.closed
    }

    /// Builds a block and sets its time to `millis`.
    pub fn set_time(&mut self, millis: u64) {
        let closing = (
            u64::from(self.sandbox.block_number()),
            self.sandbox.get_timestamp(),
        );
        self.closed = Some(closing);
        self.sandbox.build_block();
        self.sandbox.set_timestamp(millis);
        self.events_in_block = 0;
    }

    /// Builds a block `millis` after the current block time.
    pub fn advance(&mut self, millis: u64) {
        let now = self.now();
        self.set_time(now + millis);
    }

    // ---------------------------------------------------------------------------------------
    // Runtime
    // ---------------------------------------------------------------------------------------

    /// Uploads code; returns its hash.
    pub fn upload(&mut self, wasm: Vec<u8>) -> Hash {
        let uploaded = self
            .sandbox
            .upload_contract(
                wasm,
                runtime_account(crate::fixtures::ADMIN),
                None,
                Determinism::Enforced,
            )
            .expect("uploading code");
        Hash::from(uploaded.code_hash.0)
    }

    /// The hash of the first block the chain closed, its stand-in for a genesis hash.
    pub fn genesis_hash(&self) -> Hash {
        self.genesis
    }

    /// The hash of block `number`, while the runtime keeps it (its last 250 blocks).
    pub fn block_hash(&mut self, number: u64) -> Option<Hash> {
        let number = u32::try_from(number).ok()?;
        let hash = self.sandbox.execute_with(|| {
            ink_sandbox::frame_system::Pallet::<MinimalSandboxRuntime>::block_hash(number)
        });
        (hash != Default::default()).then(|| Hash::from(hash.0))
    }

    /// The code hash the runtime runs for `contract`.
    pub fn code_hash(&mut self, contract: AccountId) -> Option<Hash> {
        self.sandbox.execute_with(|| {
            pallet_contracts::Pallet::<MinimalSandboxRuntime>::code_hash(&runtime_account(contract))
                .map(|hash| Hash::from(hash.0))
        })
    }

    /// Native balance of `who`.
    pub fn native_balance(&mut self, who: AccountId) -> u128 {
        self.sandbox.free_balance(&runtime_account(who))
    }

    /// Gives `who` native balance, e.g. a contract that then acts as a signed caller and pays
    /// storage deposits.
    pub fn mint_native(&mut self, who: AccountId, amount: u128) {
        self.sandbox
            .mint_into(&runtime_account(who), amount)
            .expect("minting native balance");
    }
}

// -------------------------------------------------------------------------------------------
// Snapshots: the model test runs thousands of call sequences, each from the same freshly
// deployed chain; rewinding the state is far cheaper than deploying again.
// -------------------------------------------------------------------------------------------

/// The whole chain state at one moment, for `Chain::restore`.
#[derive(Clone)]
pub struct ChainSnapshot {
    state: ink_sandbox::Snapshot,
    deployments: u64,
}

impl Chain {
    /// Saves the chain's state: storage (contracts, balances, block, time) and the harness's
    /// deployment salt.
    pub fn snapshot(&mut self) -> ChainSnapshot {
        ChainSnapshot {
            state: self.sandbox.take_snapshot(),
            deployments: self.deployments,
        }
    }

    /// Moves the state's pending changes into its backend, changing nothing a call can see
    /// (the sandbox's snapshot, restored at once; the block, the time, the event log stay).
    /// drink recomputes each block's storage root over every change since the chain was made,
    /// so a long run that compacts every few hundred blocks stays linear instead of quadratic.
    pub fn compact(&mut self) {
        let state = self.sandbox.take_snapshot();
        self.sandbox.restore_snapshot(state);
    }

    /// Puts the chain back to `snapshot`, taken from this chain: same contracts, same addresses.
    pub fn restore(&mut self, snapshot: &ChainSnapshot) {
        self.sandbox.restore_snapshot(snapshot.state.clone());
        self.deployments = snapshot.deployments;
        self.last_stats = CallStats::default();
        self.last_events.clear();
        self.last_reverted = false;
        self.events_in_block = 0;
        self.closed = None;
        if let Some(log) = self.log.as_mut() {
            log.clear();
        }
    }
}
