//! Generates a synthetic chain of ProofManager events following the contract's rules (round
//! robin, deadlines, block times) into a store, for measuring `import` and `report` at scale:
//!
//! ```sh
//! cargo run --release -p proof_manager_audit --example generate -- --events 1000000 --db big.sqlite
//! ```

use std::time::Instant;

use clap::Parser;
use ink::scale::Encode;
use proof_manager::*;
use proof_manager_audit::{ingest_recorded, RawEvent, Store};

/// 2026-09-01T00:00:00Z.
const START: u64 = 1_788_220_800_000;
const BLOCK_MS: u64 = 6_000;
/// A multiple of the block time, so a deadline is a block boundary.
const TIMEOUT_AFTER: u64 = 30 * 60_000;
const CONTRACT: [u8; 32] = [0xc0; 32];

#[derive(Parser)]
struct Args {
    /// About how many events to generate.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Days the traffic spans, from 2026-09-01.
    #[arg(long, default_value_t = 90)]
    days: u64,
    #[arg(long)]
    db: std::path::PathBuf,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// splitmix64: reproducible and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

/// How a network behaves, in per mille.
struct Behaviour {
    refuse: u64,
    ignore: u64,
    miss_proof: u64,
    invalid: u64,
    /// Upper bound of the proving time in ms.
    slowest: u64,
}

fn behaviour(network: ProvingNetwork, month: u64) -> Behaviour {
    match network {
        ProvingNetwork::Fermah => Behaviour {
            refuse: 10,
            ignore: 10 + 10 * month,
            miss_proof: 20,
            invalid: 5,
            slowest: 20 * 60_000,
        },
        ProvingNetwork::Lagrange => Behaviour {
            refuse: 20,
            ignore: 15,
            miss_proof: 30 - 10 * month.min(2),
            invalid: 10,
            slowest: 25 * 60_000,
        },
    }
}

fn main() {
    let args = Args::parse();
    let started = Instant::now();
    let mut rng = Rng(args.seed);
    let mut planned: Vec<(u64, u64, [u8; 32], Vec<u8>)> = Vec::new();
    let mut sequence = 0u64;
    let mut push = |planned: &mut Vec<_>, time: u64, signature: [u8; 32], data: Vec<u8>| {
        planned.push((time, sequence, signature, data));
        sequence += 1;
    };
    fn parts<E: ink::env::Event + Encode>(event: E) -> ([u8; 32], Vec<u8>) {
        (E::SIGNATURE_TOPIC.expect("not anonymous"), event.encode())
    }
    let span = args.days * 86_400_000;
    // About 3.9 events per request.
    let requests = args.events * 10 / 39;
    let gap = span / requests.max(1);
    let mut preferred = Some(ProvingNetwork::Fermah);
    let (s, d) = parts(PreferredProvingNetworkUpdated {
        proving_network: preferred,
    });
    push(&mut planned, START, s, d);
    let mut owed = [0u128; 2];
    for counter in 0..requests {
        let submitted = START + BLOCK_MS + counter * gap;
        let month = (submitted - START) / (30 * 86_400_000);
        if counter % (requests / 3).max(1) == 0 && counter > 0 {
            preferred = preferred.map(|n| n.other());
            let (s, d) = parts(PreferredProvingNetworkUpdated {
                proving_network: preferred,
            });
            push(&mut planned, submitted - 1, s, d);
        }
        let network = match counter % 4 {
            0 => ProvingNetwork::Fermah,
            1 => ProvingNetwork::Lagrange,
            _ => preferred.unwrap_or(ProvingNetwork::Fermah),
        };
        let b = behaviour(network, month);
        let max_reward = 1_000_000 + rng.below(4_000_000) as u128;
        let (s, d) = parts(ProofRequestSubmitted {
            chain_id: 324,
            block_number: counter,
            assigned_to: Some(network),
            proof_inputs_url: format!("https://inputs.example/324/{counter}"),
            protocol_major: 0,
            protocol_minor: 28,
            protocol_patch: 1,
            timeout_after: TIMEOUT_AFTER,
            max_reward,
            request_id: counter,
            status: ProofRequestStatus::PendingAcknowledgement,
        });
        push(&mut planned, submitted, s, d);
        let id = (324, counter);
        if rng.chance(b.ignore) {
            if rng.chance(500) {
                let (s, d) = parts(ProofRequestExpired {
                    chain_id: id.0,
                    block_number: id.1,
                    assigned_to: network,
                    status: ProofRequestStatus::Unacknowledged,
                    purged: true,
                });
                push(&mut planned, submitted + ACK_TIMEOUT + BLOCK_MS, s, d);
            }
            continue;
        }
        let acked = submitted + 500 + rng.below(ACK_TIMEOUT - 500);
        let accepted = !rng.chance(b.refuse);
        let (s, d) = parts(ProofRequestAcknowledged {
            chain_id: id.0,
            block_number: id.1,
            accepted,
            assigned_to: network,
        });
        push(&mut planned, acked, s, d);
        if !accepted {
            continue;
        }
        if rng.chance(b.miss_proof) {
            let (s, d) = parts(ProofRequestExpired {
                chain_id: id.0,
                block_number: id.1,
                assigned_to: network,
                status: ProofRequestStatus::TimedOut,
                purged: rng.chance(500),
            });
            push(&mut planned, submitted + TIMEOUT_AFTER + BLOCK_MS, s, d);
            continue;
        }
        let proven = acked + 1 + rng.below(b.slowest.min(submitted + TIMEOUT_AFTER - acked));
        let reward = max_reward * (50 + rng.below(51)) as u128 / 100;
        let (s, d) = parts(ProofRequestProven {
            chain_id: id.0,
            block_number: id.1,
            proof: vec![0x5a; 64],
            assigned_to: network,
            requested_reward: reward,
        });
        push(&mut planned, proven, s, d);
        let valid = !rng.chance(b.invalid);
        let (s, d) = parts(ProofValidationResult {
            chain_id: id.0,
            block_number: id.1,
            is_proof_valid: valid,
            assigned_to: network,
        });
        push(&mut planned, proven + 60_000 + rng.below(240_000), s, d);
        if valid {
            owed[network as usize] += reward;
        }
        if counter % 2_000 == 1_999 {
            for network in ProvingNetwork::ALL {
                let (s, d) = parts(RewardClaimed {
                    by: network,
                    amount: std::mem::take(&mut owed[network as usize]),
                    paid_requests: counter,
                });
                push(&mut planned, proven + 600_000, s, d);
            }
        }
    }
    planned.sort_by_key(|&(time, sequence, ..)| (time, sequence));
    let mut events = Vec::with_capacity(planned.len());
    let mut last: Option<(u64, u32)> = None;
    for (time, _, signature, data) in planned {
        let block = (time - START) / BLOCK_MS;
        let index = match last {
            Some((previous, index)) if previous == block => index + 1,
            _ => 0,
        };
        last = Some((block, index));
        events.push(RawEvent {
            block_number: block,
            event_index: index,
            block_time_ms: START + block * BLOCK_MS,
            contract: CONTRACT,
            topics: vec![signature],
            data,
        });
    }
    let count = events.len();
    let last_block = last.map_or(0, |(block, _)| block) + 1;
    eprintln!(
        "generated {count} events of {requests} requests in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let ingest = Instant::now();
    let mut store = Store::open(&args.db).expect("open the store");
    let summary = ingest_recorded(
        &mut store,
        CONTRACT,
        events,
        last_block,
        START + last_block * BLOCK_MS,
    )
    .expect("ingest");
    let seconds = ingest.elapsed().as_secs_f64();
    eprintln!(
        "ingested {} events in {} blocks (one transaction each) in {seconds:.1} s: {:.0} events/s",
        summary.events_stored,
        summary.blocks,
        summary.events_stored as f64 / seconds
    );
}
