//! Synthetic chains for the auditor's tests: events built from the contract's own event types,
//! SCALE-encoded with `ink::scale::Encode`, with the signatures `ManagerEvent::signatures()`
//! lists.
#![allow(dead_code)]

use ink::scale::Encode;
use proof_manager::*;
use proof_manager_audit::{ingest_recorded, FollowSummary, RawEvent, Store};

/// 2026-10-01T00:00:00Z in milliseconds.
pub const OCT: u64 = 1_790_812_800_000;
/// 2026-11-01T00:00:00Z.
pub const NOV: u64 = 1_793_491_200_000;
/// 2026-12-01T00:00:00Z.
pub const DEC: u64 = 1_796_083_200_000;
/// 2027-01-01T00:00:00Z.
pub const JAN: u64 = 1_798_761_600_000;

pub const MINUTE: u64 = 60_000;
pub const HOUR: u64 = 3_600_000;
pub const DAY: u64 = 86_400_000;

pub const CONTRACT: [u8; 32] = [0xc0; 32];
pub const OTHER_CONTRACT: [u8; 32] = [0x70; 32];

pub use ProvingNetwork::{Fermah, Lagrange};

pub fn signature(name: &str) -> [u8; 32] {
    ManagerEvent::signatures()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, topic)| topic)
        .unwrap_or_else(|| panic!("no event named {name}"))
}

/// Events with their times, put in chain order when read: one block per distinct time, blocks
/// numbered from 1 in time order, events of a block in the order they were added.
#[derive(Default, Clone)]
pub struct Script {
    pushed: Vec<Pushed>,
}

#[derive(Clone)]
struct Pushed {
    time: u64,
    contract: [u8; 32],
    topics: Vec<[u8; 32]>,
    data: Vec<u8>,
}

impl Script {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn event<E: Encode>(&mut self, time: u64, name: &str, event: E) -> &mut Self {
        self.raw(time, CONTRACT, vec![signature(name)], event.encode())
    }

    pub fn raw(
        &mut self,
        time: u64,
        contract: [u8; 32],
        topics: Vec<[u8; 32]>,
        data: Vec<u8>,
    ) -> &mut Self {
        self.pushed.push(Pushed {
            time,
            contract,
            topics,
            data,
        });
        self
    }

    /// Submits request `(1, id)` at `time`; `network: None` is a submission while no preferred
    /// network was set, which the contract stores as Refused.
    pub fn submit(
        &mut self,
        time: u64,
        id: u64,
        network: Option<ProvingNetwork>,
        status: ProofRequestStatus,
        timeout_after: u64,
        max_reward: u128,
    ) -> &mut Self {
        self.event(
            time,
            "ProofRequestSubmitted",
            ProofRequestSubmitted {
                chain_id: 1,
                block_number: id,
                assigned_to: network,
                proof_inputs_url: format!("https://inputs.example/{id}"),
                protocol_major: 0,
                protocol_minor: 28,
                protocol_patch: 1,
                timeout_after,
                max_reward,
                request_id: id,
                status,
            },
        )
    }

    /// A submission accepted for `network`: PendingAcknowledgement.
    pub fn pending(
        &mut self,
        time: u64,
        id: u64,
        network: ProvingNetwork,
        timeout_after: u64,
        max_reward: u128,
    ) -> &mut Self {
        self.submit(
            time,
            id,
            Some(network),
            ProofRequestStatus::PendingAcknowledgement,
            timeout_after,
            max_reward,
        )
    }

    pub fn ack(
        &mut self,
        time: u64,
        id: u64,
        network: ProvingNetwork,
        accepted: bool,
    ) -> &mut Self {
        self.event(
            time,
            "ProofRequestAcknowledged",
            ProofRequestAcknowledged {
                chain_id: 1,
                block_number: id,
                accepted,
                assigned_to: network,
            },
        )
    }

    pub fn prove(
        &mut self,
        time: u64,
        id: u64,
        network: ProvingNetwork,
        reward: u128,
    ) -> &mut Self {
        self.event(
            time,
            "ProofRequestProven",
            ProofRequestProven {
                chain_id: 1,
                block_number: id,
                proof: vec![0xab; 8],
                assigned_to: network,
                requested_reward: reward,
            },
        )
    }

    pub fn validate(
        &mut self,
        time: u64,
        id: u64,
        network: ProvingNetwork,
        valid: bool,
    ) -> &mut Self {
        self.event(
            time,
            "ProofValidationResult",
            ProofValidationResult {
                chain_id: 1,
                block_number: id,
                is_proof_valid: valid,
                assigned_to: network,
            },
        )
    }

    pub fn expire(
        &mut self,
        time: u64,
        id: u64,
        network: ProvingNetwork,
        status: ProofRequestStatus,
        purged: bool,
    ) -> &mut Self {
        self.event(
            time,
            "ProofRequestExpired",
            ProofRequestExpired {
                chain_id: 1,
                block_number: id,
                assigned_to: network,
                status,
                purged,
            },
        )
    }

    pub fn claim(
        &mut self,
        time: u64,
        network: ProvingNetwork,
        amount: u128,
        paid: u64,
    ) -> &mut Self {
        self.event(
            time,
            "RewardClaimed",
            RewardClaimed {
                by: network,
                amount,
                paid_requests: paid,
            },
        )
    }

    pub fn preferred(&mut self, time: u64, network: Option<ProvingNetwork>) -> &mut Self {
        self.event(
            time,
            "PreferredProvingNetworkUpdated",
            PreferredProvingNetworkUpdated {
                proving_network: network,
            },
        )
    }

    pub fn status(
        &mut self,
        time: u64,
        network: ProvingNetwork,
        status: ProvingNetworkStatus,
    ) -> &mut Self {
        self.event(
            time,
            "ProvingNetworkStatusUpdated",
            ProvingNetworkStatusUpdated {
                proving_network: network,
                status,
            },
        )
    }

    /// The constructor's events, as `new` emits them.
    pub fn deploy(&mut self, time: u64, preferred: Option<ProvingNetwork>) -> &mut Self {
        for (network, key) in [(Fermah, [0xfe; 32]), (Lagrange, [0x1a; 32])] {
            self.event(
                time,
                "ProvingNetworkAddressUpdated",
                ProvingNetworkAddressUpdated {
                    proving_network: network,
                    address: key.into(),
                },
            );
        }
        self.status(time, Fermah, ProvingNetworkStatus::Active)
            .status(time, Lagrange, ProvingNetworkStatus::Active)
            .preferred(time, preferred)
    }

    /// The recorded events in chain order, and the block after the last one (the window end
    /// the tests pass along with `end_time`).
    pub fn events(&self) -> (Vec<RawEvent>, u64) {
        let mut sorted = self.pushed.clone();
        sorted.sort_by_key(|p| p.time);
        let mut events = Vec::new();
        let mut block = 0;
        let mut index = 0;
        let mut last_time = None;
        for Pushed {
            time,
            contract,
            topics,
            data,
        } in sorted
        {
            if last_time != Some(time) {
                block += 1;
                index = 0;
                last_time = Some(time);
            }
            events.push(RawEvent {
                block_number: block,
                event_index: index,
                block_time_ms: time,
                contract,
                topics,
                data,
            });
            index += 1;
        }
        (events, block + 1)
    }

    /// Ingests everything through the embedded chain's entry point, the window ending one block
    /// after the last event, at `end_time`.
    pub fn ingest(&self, store: &mut Store, end_time: u64) -> FollowSummary {
        let (events, last_block) = self.events();
        ingest_recorded(store, CONTRACT, events, last_block, end_time).expect("ingest")
    }

    pub fn store(&self, end_time: u64) -> Store {
        let mut store = Store::open_in_memory().expect("store");
        self.ingest(&mut store, end_time);
        store
    }
}
