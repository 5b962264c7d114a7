//! A typed harness that drives the release bundles of ProofManager and the PSP22 mock on drink's
//! embedded chain: the drink tests, the demo and the benchmarks all use it.
//!
//! Calls are encoded with the contracts' own Rust types (selector + SCALE arguments) rather than
//! through the metadata transcoder, so a renamed field or changed argument type fails to compile
//! here instead of failing at run time. Bundles must be built first (`scripts/build.sh`): drink's
//! bundle-provider macro would build them from inside a proc macro and deadlock on cargo's lock.

use std::path::PathBuf;

use drink::minimal::{MinimalSandbox, MinimalSandboxRuntime, RuntimeEvent};
use drink::pallet_contracts::{self, Determinism, StorageDeposit};
use drink::sandbox_api::prelude::*;
use drink::session::ContractBundle;
use drink::{AccountId32, Sandbox};
use ink::env::Event;
use ink::primitives::{AccountId, Hash};
use ink::scale::{Decode, DecodeAll, Encode};

pub use proof_manager::*;
pub use psp22::PSP22Error;

/// The operator's admin key: deploys both contracts and owns the mock token.
pub const ADMIN: [u8; 32] = [0xad; 32];
/// The operator's submitter key.
pub const SUBMITTER: [u8; 32] = [0x5b; 32];
/// Fermah's key at deployment.
pub const FERMAH: [u8; 32] = [0xfe; 32];
/// Lagrange's key at deployment.
pub const LAGRANGE: [u8; 32] = [0x1a; 32];
/// An account with no role.
pub const OUTSIDER: [u8; 32] = [0x0e; 32];
/// A second key for rotations.
pub const FERMAH_NEW_KEY: [u8; 32] = [0xf2; 32];

/// Every actor above, funded with native balance for storage deposits.
pub const ACTORS: [[u8; 32]; 6] = [ADMIN, SUBMITTER, FERMAH, LAGRANGE, OUTSIDER, FERMAH_NEW_KEY];

/// Block time the chain starts at, in milliseconds (2025-01-01T00:00:00Z).
pub const GENESIS_TIME: u64 = 1_735_689_600_000;

/// One token of the 6-decimals stable coin.
pub const TOKEN: u128 = 1_000_000;

/// Native balance given to each actor: plenty for storage deposits.
const ACTOR_BALANCE: u128 = 1_000_000_000_000_000;

pub fn account(actor: [u8; 32]) -> AccountId {
    AccountId::from(actor)
}

fn runtime_account(account: AccountId) -> AccountId32 {
    AccountId32::new(*account.as_ref())
}

/// The message selector ink! derives from a message's name (`Trait::name` for trait messages).
pub fn selector(name: &str) -> [u8; 4] {
    let mut hash = [0u8; 32];
    ink::env::hash_bytes::<ink::env::hash::Blake2x256>(name.as_bytes(), &mut hash);
    [hash[0], hash[1], hash[2], hash[3]]
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

fn load_bundle(relative: &str) -> ContractBundle {
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
    load_bundle("psp22_mock/psp22_mock.contract").wasm
}

/// `wasm` with an extra custom section `name`: the same contract as a second, distinct code blob
/// (a new code hash with the same storage layout), to exercise `set_code` without a second build.
pub fn with_custom_section(wasm: &[u8], name: &str) -> Vec<u8> {
    let name_len = u8::try_from(name.len()).expect("a custom section name under 128 bytes");
    let mut payload = vec![name_len];
    payload.extend_from_slice(name.as_bytes());
    let payload_len = u8::try_from(payload.len()).expect("a custom section under 128 bytes");
    let mut module = wasm.to_vec();
    module.push(0);
    module.push(payload_len);
    module.extend(payload);
    module
}

/// `amount` of the payment token in whole tokens with all 6 decimals.
pub fn tokens(amount: u128) -> String {
    format!("{}.{:06}", amount / TOKEN, amount % TOKEN)
}

/// Digits grouped by thousands, so costs of different magnitudes compare at a glance.
pub fn grouped(value: i128) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::from(if value < 0 { "-" } else { "" });
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// What one call cost, as pallet-contracts reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallStats {
    pub ref_time: u64,
    pub proof_size: u64,
    /// Positive: charged to the caller; negative: refunded.
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

/// How a call ended below the message's own `Result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The contract returned; `reverted` is its revert flag; `data` the SCALE-encoded
    /// `MessageResult`.
    Returned { reverted: bool, data: Vec<u8> },
    /// The call trapped or the runtime refused it.
    Failed(String),
}

/// The embedded chain with both contracts deployed.
pub struct Chain {
    sandbox: MinimalSandbox,
    pub token: AccountId,
    pub manager: AccountId,
    last_stats: CallStats,
    last_events: Vec<EmittedEvent>,
    last_reverted: bool,
    /// Salt for the next deployment, so equal code and arguments still get a new address.
    deployments: u64,
}

/// The ProofManager constructor's arguments, as `Chain::deploy_manager` takes them.
#[derive(Debug, Clone, Copy)]
pub struct Roles {
    pub fermah: AccountId,
    pub lagrange: AccountId,
    pub usdc: AccountId,
    pub submitter: AccountId,
    pub admin: AccountId,
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
                .mint_into(&runtime_account(account(actor)), ACTOR_BALANCE)
                .expect("minting native balance");
        }
        let mut chain = Chain {
            sandbox,
            token: account([0; 32]),
            manager: account([0; 32]),
            last_stats: CallStats::default(),
            last_events: Vec::new(),
            last_reverted: false,
            deployments: 0,
        };
        chain.set_time(GENESIS_TIME);
        chain.token = chain.deploy_token(0).expect("deploying the PSP22 mock");
        let roles = chain.default_roles();
        chain.manager = chain
            .deploy_manager(roles)
            .expect("deploying ProofManager")
            .expect("the default roles are valid");
        chain
    }

    pub fn default_roles(&self) -> Roles {
        Roles {
            fermah: account(FERMAH),
            lagrange: account(LAGRANGE),
            usdc: self.token,
            submitter: account(SUBMITTER),
            admin: account(ADMIN),
        }
    }

    /// Deploys a PSP22 mock (6 decimals) from `ADMIN`.
    pub fn deploy_token(&mut self, supply: u128) -> Result<AccountId, String> {
        let mut data = selector("new").to_vec();
        (
            supply,
            Some("USD Coin".to_string()),
            Some("USDC".to_string()),
            6u8,
        )
            .encode_to(&mut data);
        self.instantiate(psp22_mock_wasm(), data, account(ADMIN))
            .map(|(address, _)| address)
    }

    /// Deploys a ProofManager from `ADMIN`; the inner `Result` is the constructor's.
    pub fn deploy_manager(&mut self, roles: Roles) -> Result<Result<AccountId, Error>, String> {
        let mut data = selector("new").to_vec();
        (
            roles.fermah,
            roles.lagrange,
            roles.usdc,
            roles.submitter,
            roles.admin,
        )
            .encode_to(&mut data);
        let (address, returned) = self.instantiate(proof_manager_wasm(), data, account(ADMIN))?;
        let constructed: ink::ConstructorResult<Result<(), Error>> =
            Decode::decode(&mut &returned[..]).map_err(|e| e.to_string())?;
        match constructed {
            Ok(Ok(())) => Ok(Ok(address)),
            Ok(Err(error)) => Ok(Err(error)),
            Err(lang) => Err(format!("{lang:?}")),
        }
    }

    /// Uploads and instantiates `wasm`; returns the address and the constructor's output. A
    /// revert is returned as the output, so callers see the constructor's error.
    fn instantiate(
        &mut self,
        wasm: Vec<u8>,
        data: Vec<u8>,
        origin: AccountId,
    ) -> Result<(AccountId, Vec<u8>), String> {
        // Reset so the block's event list holds this call's events only: reading a list that
        // grows with every call would make long runs quadratic.
        self.sandbox.reset_events();
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
        let address = AccountId::from(<[u8; 32]>::from(returned.account_id));
        Ok((address, returned.result.data))
    }

    /// Keeps the cost and the events of the call that just ran.
    fn record(&mut self, weight: drink::Weight, deposit: &StorageDeposit<u128>) {
        self.last_stats = CallStats {
            ref_time: weight.ref_time(),
            proof_size: weight.proof_size(),
            storage_deposit: match deposit {
                StorageDeposit::Charge(amount) => *amount as i128,
                StorageDeposit::Refund(amount) => -(*amount as i128),
            },
        };
        self.last_events = self
            .sandbox
            .events()
            .iter()
            .filter_map(|record| match &record.event {
                RuntimeEvent::Contracts(pallet_contracts::Event::ContractEmitted {
                    contract,
                    data,
                }) => Some(EmittedEvent {
                    contract: AccountId::from(<[u8; 32]>::from(contract.clone())),
                    topics: record.topics.iter().map(|t| t.0).collect(),
                    data: data.clone(),
                }),
                _ => None,
            })
            .collect();
    }

    /// Calls `contract` as `caller` with raw input; records the cost and events.
    pub fn call_raw(&mut self, caller: AccountId, contract: AccountId, input: Vec<u8>) -> Outcome {
        self.call_with_debug_buffer(caller, contract, input).0
    }

    /// Calls message `name` of `contract` and decodes its return value. Panics when the call
    /// traps or the output does not decode: a contract must never do either.
    pub fn call<R: Decode>(
        &mut self,
        caller: AccountId,
        contract: AccountId,
        name: &str,
        args: impl Encode,
    ) -> R {
        let mut input = selector(name).to_vec();
        args.encode_to(&mut input);
        match self.call_raw(caller, contract, input) {
            Outcome::Returned { data, .. } => {
                let result: ink::MessageResult<R> = Decode::decode(&mut &data[..])
                    .unwrap_or_else(|e| panic!("{name}: undecodable output {data:?}: {e}"));
                result.unwrap_or_else(|lang| panic!("{name}: {lang:?}"))
            }
            Outcome::Failed(error) => panic!("{name} trapped: {error}"),
        }
    }

    /// Runs a `&self` message, keeping the cost and events of the previous call. ink! writes no
    /// storage for `&self` messages, so a plain call changes nothing; drink's `dry_run` would
    /// clone and re-root the whole state on every query, which makes long runs quadratic.
    pub fn query<R: Decode>(&mut self, contract: AccountId, name: &str, args: impl Encode) -> R {
        let (stats, reverted) = (self.last_stats, self.last_reverted);
        let events = std::mem::take(&mut self.last_events);
        let value = self.call(account(OUTSIDER), contract, name, args);
        self.last_stats = stats;
        self.last_events = events;
        self.last_reverted = reverted;
        value
    }

    /// Cost of the last call.
    pub fn last_stats(&self) -> CallStats {
        self.last_stats
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

    // ---------------------------------------------------------------------------------------
    // Time. ink_sandbox resets the clock to wall-clock seconds at every block, so every block
    // is followed by an explicit timestamp in milliseconds.
    // ---------------------------------------------------------------------------------------

    /// The block time in milliseconds.
    pub fn now(&mut self) -> u64 {
        self.sandbox.get_timestamp()
    }

    /// Builds a block and sets its time to `millis`.
    pub fn set_time(&mut self, millis: u64) {
        self.sandbox.build_block();
        self.sandbox.set_timestamp(millis);
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
                runtime_account(account(ADMIN)),
                None,
                Determinism::Enforced,
            )
            .expect("uploading code");
        Hash::from(uploaded.code_hash.0)
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

    // ---------------------------------------------------------------------------------------
    // PSP22 mock
    // ---------------------------------------------------------------------------------------

    /// Mints `amount` of the payment token to `to`, as the token's deployer.
    pub fn mint(&mut self, to: AccountId, amount: u128) {
        let token = self.token;
        let minted: Result<(), PSP22Error> = self.call(account(ADMIN), token, "mint", (to, amount));
        minted.expect("minting the payment token");
    }

    /// Mints `amount` to the ProofManager.
    pub fn fund(&mut self, amount: u128) {
        let manager = self.manager;
        self.mint(manager, amount);
    }

    /// Gives the ProofManager `tokens` whole tokens and makes Fermah the preferred network: the
    /// starting point of the suites and the benchmark.
    pub fn fund_and_prefer_fermah(&mut self, tokens: u128) {
        self.fund(tokens * TOKEN);
        self.update_preferred_proving_network(ADMIN, Some(ProvingNetwork::Fermah))
            .expect("admin sets the preferred network");
    }

    pub fn token_balance(&mut self, owner: AccountId) -> u128 {
        let token = self.token;
        self.query(token, "PSP22::balance_of", owner)
    }

    pub fn token_transfer(
        &mut self,
        caller: AccountId,
        to: AccountId,
        amount: u128,
    ) -> Result<(), PSP22Error> {
        let token = self.token;
        self.call(
            caller,
            token,
            "PSP22::transfer",
            (to, amount, Vec::<u8>::new()),
        )
    }

    /// Makes every transfer of the payment token fail (`false`) or work again.
    pub fn set_token_transfers_enabled(&mut self, enabled: bool) {
        let token = self.token;
        let set: Result<(), PSP22Error> =
            self.call(account(ADMIN), token, "set_transfers_enabled", enabled);
        set.expect("switching token transfers");
    }

    // ---------------------------------------------------------------------------------------
    // ProofManager messages, each taking its caller
    // ---------------------------------------------------------------------------------------

    fn manager_call<R: Decode>(&mut self, caller: [u8; 32], name: &str, args: impl Encode) -> R {
        let manager = self.manager;
        self.call(account(caller), manager, name, args)
    }

    pub fn update_proving_network_address(
        &mut self,
        caller: [u8; 32],
        network: ProvingNetwork,
        address: AccountId,
    ) -> Result<(), Error> {
        self.manager_call(caller, "update_proving_network_address", (network, address))
    }

    pub fn update_proving_network_status(
        &mut self,
        caller: [u8; 32],
        network: ProvingNetwork,
        status: ProvingNetworkStatus,
    ) -> Result<(), Error> {
        self.manager_call(caller, "update_proving_network_status", (network, status))
    }

    pub fn update_preferred_proving_network(
        &mut self,
        caller: [u8; 32],
        network: Option<ProvingNetwork>,
    ) -> Result<(), Error> {
        self.manager_call(caller, "update_preferred_proving_network", network)
    }

    pub fn withdraw(
        &mut self,
        caller: [u8; 32],
        token: AccountId,
        amount: u128,
    ) -> Result<(), Error> {
        self.manager_call(caller, "withdraw", (token, amount))
    }

    pub fn set_submitter(&mut self, caller: [u8; 32], new: AccountId) -> Result<(), Error> {
        self.manager_call(caller, "set_submitter", new)
    }

    pub fn transfer_admin(&mut self, caller: [u8; 32], new: AccountId) -> Result<(), Error> {
        self.manager_call(caller, "transfer_admin", new)
    }

    pub fn accept_admin(&mut self, caller: [u8; 32]) -> Result<(), Error> {
        self.manager_call(caller, "accept_admin", ())
    }

    pub fn set_code(&mut self, caller: [u8; 32], code_hash: Hash) -> Result<(), Error> {
        self.manager_call(caller, "set_code", code_hash)
    }

    pub fn submit_proof_request(
        &mut self,
        caller: [u8; 32],
        id: ProofRequestIdentifier,
        params: &ProofRequestParams,
    ) -> Result<(), Error> {
        self.manager_call(caller, "submit_proof_request", (id, params))
    }

    pub fn submit_proof_validation_result(
        &mut self,
        caller: [u8; 32],
        id: ProofRequestIdentifier,
        is_proof_valid: bool,
    ) -> Result<(), Error> {
        self.manager_call(
            caller,
            "submit_proof_validation_result",
            (id, is_proof_valid),
        )
    }

    pub fn mark_unacknowledged(
        &mut self,
        caller: [u8; 32],
        id: ProofRequestIdentifier,
    ) -> Result<(), Error> {
        self.manager_call(caller, "mark_unacknowledged", id)
    }

    pub fn mark_timed_out(
        &mut self,
        caller: [u8; 32],
        id: ProofRequestIdentifier,
    ) -> Result<(), Error> {
        self.manager_call(caller, "mark_timed_out", id)
    }

    pub fn acknowledge_proof_request(
        &mut self,
        caller: [u8; 32],
        id: ProofRequestIdentifier,
        accept: bool,
    ) -> Result<(), Error> {
        self.manager_call(caller, "acknowledge_proof_request", (id, accept))
    }

    pub fn submit_proof(
        &mut self,
        caller: [u8; 32],
        id: ProofRequestIdentifier,
        proof: &[u8],
        requested_reward: u128,
    ) -> Result<(), Error> {
        self.manager_call(caller, "submit_proof", (id, proof, requested_reward))
    }

    pub fn claim_reward(&mut self, caller: [u8; 32]) -> Result<u128, Error> {
        self.manager_call(caller, "claim_reward", ())
    }

    // ---------------------------------------------------------------------------------------
    // ProofManager views
    // ---------------------------------------------------------------------------------------

    pub fn proof_request(&mut self, id: ProofRequestIdentifier) -> Option<ProofRequest> {
        let manager = self.manager;
        self.query(manager, "proof_request", id)
    }

    /// The effective status of an existing request.
    pub fn status(&mut self, id: ProofRequestIdentifier) -> ProofRequestStatus {
        self.proof_request(id)
            .unwrap_or_else(|| panic!("no request {id:?}"))
            .status
    }

    pub fn proving_network_info(&mut self, network: ProvingNetwork) -> ProvingNetworkInfo {
        let manager = self.manager;
        self.query(manager, "proving_network_info", network)
    }

    pub fn preferred_proving_network(&mut self) -> Option<ProvingNetwork> {
        let manager = self.manager;
        self.query(manager, "preferred_proving_network", ())
    }

    pub fn admin(&mut self) -> AccountId {
        let manager = self.manager;
        self.query(manager, "admin", ())
    }

    pub fn pending_admin(&mut self) -> Option<AccountId> {
        let manager = self.manager;
        self.query(manager, "pending_admin", ())
    }

    pub fn submitter(&mut self) -> AccountId {
        let manager = self.manager;
        self.query(manager, "submitter", ())
    }

    pub fn usdc(&mut self) -> AccountId {
        let manager = self.manager;
        self.query(manager, "usdc", ())
    }

    pub fn request_counter(&mut self) -> u64 {
        let manager = self.manager;
        self.query(manager, "request_counter", ())
    }

    pub fn in_flight(&mut self) -> u64 {
        let manager = self.manager;
        self.query(manager, "in_flight", ())
    }

    pub fn obligations(&mut self) -> u128 {
        let manager = self.manager;
        self.query(manager, "obligations", ())
    }
}

// -------------------------------------------------------------------------------------------
// Snapshots: the model test (tests/model) runs thousands of call sequences, each from the same
// freshly deployed chain; rewinding the state is far cheaper than deploying again.
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

    /// Puts the chain back to `snapshot`, taken from this chain: same contracts, same addresses.
    pub fn restore(&mut self, snapshot: &ChainSnapshot) {
        self.sandbox.restore_snapshot(snapshot.state.clone());
        self.deployments = snapshot.deployments;
        self.last_stats = CallStats::default();
        self.last_events.clear();
        self.last_reverted = false;
    }
}

/// A fresh chain whose ProofManager holds `tokens` whole tokens and prefers Fermah.
pub fn funded_chain(tokens: u128) -> Chain {
    let mut chain = Chain::new();
    chain.fund_and_prefer_fermah(tokens);
    chain
}

/// Request `n` on chain 1: block `n`.
pub fn request(n: u64) -> ProofRequestIdentifier {
    ProofRequestIdentifier {
        chain_id: 1,
        block_number: n,
    }
}

/// Valid parameters: protocol 0.27.0, a one-hour proving window, the largest reward.
pub fn default_params() -> ProofRequestParams {
    ProofRequestParams {
        protocol_major: 0,
        protocol_minor: 27,
        protocol_patch: 0,
        proof_inputs_url: "https://inputs.example/1/".to_string(),
        timeout_after: 3_600_000,
        max_reward: MAX_REWARD,
    }
}

/// A proof of `len` bytes.
pub fn proof_of(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 + 1).collect()
}

// -------------------------------------------------------------------------------------------
// Hostile tokens and raw state, for the hostile suite (tests/hostile): the test-only hostile
// token, a contract's whole storage, the chain's state root, and calls that return the runtime's
// debug buffer.
// -------------------------------------------------------------------------------------------

pub use hostile_token::Mode as HostileMode;

/// The optimized code of the test-only hostile token (`hostile_token/`).
pub fn hostile_token_wasm() -> Vec<u8> {
    load_bundle("hostile_token/hostile_token.contract").wasm
}

/// The labels of ProofManager's messages in its bundle's metadata, as `selector` takes them.
pub fn proof_manager_messages() -> Vec<String> {
    load_bundle("proof_manager.contract")
        .transcoder
        .metadata()
        .spec()
        .messages()
        .iter()
        .map(|message| message.label().to_string())
        .collect()
}

/// What pallet-contracts keeps of one contract's state: its raw `ContractInfoOf` record (trie id,
/// code hash, storage and deposit counters) and every key and value of its child trie, in key
/// order. Equal dumps mean byte-for-byte equal contract storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractStorage {
    pub info: Vec<u8>,
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A child-trie value exactly as stored: SCALE's `Vec<u8>` would expect a length prefix.
struct RawValue(Vec<u8>);

impl Decode for RawValue {
    fn decode<I: ink::scale::Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
        let len = input.remaining_len()?.ok_or("a value of unknown length")?;
        let mut bytes = vec![0; len];
        input.read(&mut bytes)?;
        Ok(RawValue(bytes))
    }
}

impl Chain {
    /// Deploys a hostile token from `ADMIN` (its deployer) holding `supply`, in `Mode::Honest`.
    pub fn deploy_hostile_token(&mut self, supply: u128) -> AccountId {
        let mut data = selector("new").to_vec();
        supply.encode_to(&mut data);
        self.instantiate(hostile_token_wasm(), data, account(ADMIN))
            .map(|(address, _)| address)
            .expect("deploying the hostile token")
    }

    /// Switches a hostile token's mode, as its deployer.
    pub fn set_hostile_mode(&mut self, token: AccountId, mode: &HostileMode) {
        let set: Result<(), PSP22Error> = self.call(account(ADMIN), token, "set_mode", mode);
        set.expect("setting the hostile token's mode");
    }

    /// What `owner` really holds of a hostile token, whatever its `balance_of` claims.
    pub fn true_balance(&mut self, token: AccountId, owner: AccountId) -> u128 {
        self.query(token, "true_balance_of", owner)
    }

    /// What a hostile token's last completed nested call returned (see `HostileMode::Reenter`).
    pub fn last_reentry(&mut self, token: AccountId) -> Option<Result<Vec<u8>, String>> {
        self.query(token, "last_reentry", ())
    }

    /// Gives `who` native balance, e.g. a contract that then acts as a signed caller and pays
    /// storage deposits.
    pub fn mint_native(&mut self, who: AccountId, amount: u128) {
        self.sandbox
            .mint_into(&runtime_account(who), amount)
            .expect("minting native balance");
    }

    /// `contract`'s whole storage, read straight from the runtime's state.
    pub fn contract_storage(&mut self, contract: AccountId) -> ContractStorage {
        use drink::frame_support::storage::{
            child::ChildInfo, storage_prefix, unhashed, ChildTriePrefixIterator,
        };
        use drink::frame_support::{StorageHasher, Twox64Concat};
        self.sandbox.execute_with(|| {
            // `ContractInfoOf` is a `Twox64Concat` map of pallet `Contracts`; the pallet keeps
            // it crate-private, so it is read by its key. Its value starts with the trie id.
            let key = [
                storage_prefix(b"Contracts", b"ContractInfoOf").as_slice(),
                &Twox64Concat::hash(contract.as_ref()),
            ]
            .concat();
            let info = unhashed::get_raw(&key).expect("a contract at this address");
            let trie_id = Vec::<u8>::decode(&mut &info[..]).expect("a trie id");
            let entries = ChildTriePrefixIterator::<(Vec<u8>, RawValue)>::with_prefix(
                &ChildInfo::new_default(&trie_id),
                &[],
            )
            .map(|(key, RawValue(value))| (key, value))
            .collect();
            ContractStorage { info, entries }
        })
    }

    /// The root of the whole chain state (every pallet, every contract's child trie, balances,
    /// block and time), after clearing the event log as every call does first: two roots are
    /// equal exactly when no storage changed in between.
    pub fn state_root(&mut self) -> [u8; 32] {
        self.sandbox.reset_events();
        self.sandbox.take_snapshot().storage_root.0
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
        self.sandbox.reset_events();
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
}
