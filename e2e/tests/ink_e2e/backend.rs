//! What the shared test bodies need from either backend: the events of the last call.
//!
//! On the node a call's result carries the extrinsic's events. ink_e2e's sandbox client returns
//! `()` instead and keeps its sandbox to itself, so the suite runs it on `RecordingSandbox`, which
//! records the contract events of every state-changing execution where the bodies can read them.

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
use proof_manager_e2e::EmittedEvent;

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

/// The contract events of a call, in emission order, whichever backend ran it.
pub trait EmittedEvents {
    fn emitted(&self) -> Vec<EmittedEvent>;
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
}

/// The sandbox client's event log: what `RecordingSandbox` recorded for the last call.
impl EmittedEvents for () {
    fn emitted(&self) -> Vec<EmittedEvent> {
        LAST_EVENTS.with(|last| last.borrow().clone())
    }
}

thread_local! {
    // Each test runs on its own thread, in a current-thread tokio runtime, so a thread-local is
    // the sandbox of the running test and nothing else.
    static LAST_EVENTS: RefCell<Vec<EmittedEvent>> = const { RefCell::new(Vec::new()) };
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
            (result, contract_events())
        });
        LAST_EVENTS.with(|last| *last.borrow_mut() = events);
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

/// The `ContractEmitted` events in the current block's event list, with their topics.
fn contract_events() -> Vec<EmittedEvent> {
    frame_system::Pallet::<DefaultSandboxRuntime>::events()
        .into_iter()
        .filter_map(|record| match record.event {
            RuntimeEvent::Contracts(pallet_contracts::Event::ContractEmitted {
                contract,
                data,
            }) => Some(EmittedEvent {
                contract: ink::primitives::AccountId::from(<[u8; 32]>::from(contract)),
                topics: record.topics.iter().map(|topic| topic.0).collect(),
                data,
            }),
            _ => None,
        })
        .collect()
}
