//! The two backends, built on the release bundles of `scripts/build.sh`, and what the shared test
//! bodies need from either: the contract events of the submitted call and the contracts it
//! called without reverting.
//!
//! ink_e2e's `#[ink_e2e::test]` would build every contract of the workspace again, in debug
//! mode and outside this workspace's lock, at the start of every test process; the clients are
//! built here from the bundles instead, so the suite tests exactly what is deployed.
//!
//! On the node a call's result carries the extrinsic's events. ink_e2e's sandbox client returns
//! `()` instead and keeps its sandbox to itself, so the suite runs it on `RecordingSandbox`, which
//! records the events of every state-changing execution where the bodies can read them.

use std::any::Any;
use std::cell::RefCell;
use std::fmt::Display;

use ink::env::DefaultEnvironment;
use ink_e2e::subxt::blocks::ExtrinsicEvents;
use ink_e2e::{ContractsBackend, E2EBackend, PolkadotConfig};
use ink_sandbox::frame_support::sp_runtime::traits::Dispatchable;
use ink_sandbox::frame_system::{self, pallet_prelude::BlockNumberFor};
use ink_sandbox::macros::{DefaultSandboxRuntime, RuntimeEvent};
use ink_sandbox::{
    pallet_contracts, AccountIdFor, DefaultSandbox, Extension, RuntimeMetadataPrefixed, Sandbox,
    Snapshot, Weight,
};
use proof_manager_e2e::{bundle_dir, EmittedEvent};

pub type Env = DefaultEnvironment;

/// A backend the shared bodies run on: ink_e2e's node client or its sandbox client.
pub trait Backend:
    E2EBackend<Env> + ContractsBackend<Env, Error: Display, EventLog: EmittedEvents>
{
}

impl<T> Backend for T where
    T: E2EBackend<Env> + ContractsBackend<Env, Error: Display, EventLog: EmittedEvents>
{
}

/// The contract events of a call, in emission order, and the contracts it called without
/// reverting, whichever backend ran it.
pub trait EmittedEvents {
    fn emitted(&self) -> Vec<EmittedEvent>;

    /// The contracts of the call's `Contracts::Called` events: pallet-contracts emits one for
    /// each call frame that did not revert, and none for a reverted call, whose events it
    /// discards.
    fn called(&self) -> Vec<ink::primitives::AccountId>;
}

impl EmittedEvents for ExtrinsicEvents<PolkadotConfig> {
    fn emitted(&self) -> Vec<EmittedEvent> {
        self.iter()
            .filter_map(|event| {
                let event = event.expect("the node's events decode");
                let emitted = event
                    .as_event::<ink_e2e::events::ContractEmitted<Env>>()
                    .expect("a ContractEmitted event decodes")?;
                Some(EmittedEvent {
                    contract: emitted.contract,
                    topics: event.topics().iter().map(|topic| topic.0).collect(),
                    data: emitted.data,
                })
            })
            .collect()
    }

    fn called(&self) -> Vec<ink::primitives::AccountId> {
        self.iter()
            .filter_map(|event| {
                let event = event.expect("the node's events decode");
                // `Called { caller: Origin, contract: AccountId }`: the contract is the last
                // 32 bytes, whatever the origin's encoding.
                let called = event.pallet_name() == "Contracts" && event.variant_name() == "Called";
                let bytes = event.field_bytes();
                let contract: [u8; 32] =
                    bytes.get(bytes.len().checked_sub(32)?..)?.try_into().ok()?;
                called.then(|| ink::primitives::AccountId::from(contract))
            })
            .collect()
    }
}

/// The sandbox client's event log: what `RecordingSandbox` recorded for the last call.
impl EmittedEvents for () {
    fn emitted(&self) -> Vec<EmittedEvent> {
        LAST_CALL.with(|last| last.borrow().0.clone())
    }

    fn called(&self) -> Vec<ink::primitives::AccountId> {
        LAST_CALL.with(|last| last.borrow().1.clone())
    }
}

thread_local! {
    // Each test runs on its own thread, in a current-thread tokio runtime, so a thread-local is
    // the sandbox of the running test and nothing else.
    static LAST_CALL: RefCell<(Vec<EmittedEvent>, Vec<ink::primitives::AccountId>)> =
        const { RefCell::new((Vec::new(), Vec::new())) };
}

/// ink_e2e's default sandbox, recording the contract events of each execution that is not a dry
/// run. ink_e2e runs every call as a dry run (for the gas estimate) and then for real; only the
/// real one is recorded.
#[derive(Default)]
pub struct RecordingSandbox {
    inner: DefaultSandbox,
    dry_run: bool,
}

impl Sandbox for RecordingSandbox {
    type Runtime = DefaultSandboxRuntime;

    fn execute_with<T>(&mut self, execute: impl FnOnce() -> T) -> T {
        if self.dry_run {
            return self.inner.execute_with(execute);
        }
        let (result, events) = self.inner.execute_with(|| {
            // The sandbox never starts a block on its own, so without a reset the list would
            // hold every event since genesis.
            frame_system::Pallet::<DefaultSandboxRuntime>::reset_events();
            let result = execute();
            (result, recorded())
        });
        LAST_CALL.with(|last| *last.borrow_mut() = events);
        result
    }

    fn dry_run<T>(&mut self, action: impl FnOnce(&mut Self) -> T) -> T {
        let before = self.inner.take_snapshot();
        self.dry_run = true;
        let result = action(self);
        self.dry_run = false;
        self.inner.restore_snapshot(before);
        result
    }

    fn register_extension<E: Any + Extension>(&mut self, ext: E) {
        self.inner.register_extension(ext);
    }

    fn initialize_block(
        height: BlockNumberFor<Self::Runtime>,
        parent_hash: <Self::Runtime as frame_system::Config>::Hash,
    ) {
        DefaultSandbox::initialize_block(height, parent_hash);
    }

    fn finalize_block(
        height: BlockNumberFor<Self::Runtime>,
    ) -> <Self::Runtime as frame_system::Config>::Hash {
        DefaultSandbox::finalize_block(height)
    }

    fn default_actor() -> AccountIdFor<Self::Runtime> {
        DefaultSandbox::default_actor()
    }

    fn default_gas_limit() -> Weight {
        DefaultSandbox::default_gas_limit()
    }

    fn get_metadata() -> RuntimeMetadataPrefixed {
        DefaultSandbox::get_metadata()
    }

    fn convert_account_to_origin(
        account: AccountIdFor<Self::Runtime>,
    ) -> <<Self::Runtime as frame_system::Config>::RuntimeCall as Dispatchable>::RuntimeOrigin {
        DefaultSandbox::convert_account_to_origin(account)
    }

    fn take_snapshot(&mut self) -> Snapshot {
        self.inner.take_snapshot()
    }

    fn restore_snapshot(&mut self, snapshot: Snapshot) {
        self.inner.restore_snapshot(snapshot);
    }
}

/// The `ContractEmitted` events in the current block's event list, with their topics, and the
/// contracts of its `Called` events.
fn recorded() -> (Vec<EmittedEvent>, Vec<ink::primitives::AccountId>) {
    let (mut emitted, mut called) = (Vec::new(), Vec::new());
    for record in frame_system::Pallet::<DefaultSandboxRuntime>::events() {
        match record.event {
            RuntimeEvent::Contracts(pallet_contracts::Event::ContractEmitted {
                contract,
                data,
            }) => emitted.push(EmittedEvent {
                contract: ink::primitives::AccountId::from(<[u8; 32]>::from(contract)),
                topics: record.topics.iter().map(|topic| topic.0).collect(),
                data,
            }),
            RuntimeEvent::Contracts(pallet_contracts::Event::Called { contract, .. }) => {
                called.push(ink::primitives::AccountId::from(<[u8; 32]>::from(contract)))
            }
            _ => {}
        }
    }
    (emitted, called)
}

/// The release bundles' code the clients deploy, by contract name.
fn bundles() -> Vec<std::path::PathBuf> {
    ["proof_manager.wasm", "psp22_mock.wasm"]
        .map(|name| {
            let path = bundle_dir().join(name);
            assert!(
                path.exists(),
                "no {}: build the contracts first (scripts/build.sh)",
                path.display()
            );
            path
        })
        .into()
}

/// A client of ink_e2e's sandbox runtime, recording events.
pub fn sandbox_client(
) -> ink_e2e::SandboxClient<ink::primitives::AccountId, ink::primitives::Hash, RecordingSandbox> {
    ink_e2e::SandboxClient::new(bundles())
}

/// A node spawned for one test (`CONTRACTS_NODE`, else `substrate-contracts-node` on PATH), and
/// a client of it; the node stops when the process handle drops.
pub async fn node_client() -> (
    ink_e2e::TestNodeProcess<PolkadotConfig>,
    ink_e2e::Client<PolkadotConfig, Env>,
) {
    let node = ink_e2e::TestNodeProcess::<PolkadotConfig>::build_with_env_or_default()
        .spawn()
        .await
        .unwrap_or_else(|e| panic!("spawning substrate-contracts-node: {e:?}"));
    let client = ink_e2e::Client::<PolkadotConfig, Env>::new(node.rpc(), bundles())
        .await
        .unwrap_or_else(|e| panic!("connecting to the node: {e:?}"));
    (node, client)
}
