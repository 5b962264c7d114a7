//! The agents on drink: a day of batches through both networks to the outcomes the scripts
//! imply, the same run killed and restarted at every kind of step, and bad input.

mod support;

use std::collections::BTreeMap;

use proof_manager::{ProofRequestStatus, ProvingNetwork};
use proof_manager_agent::*;
use proof_manager_e2e::{OUTSIDER, SUBMITTER};
use support::*;

/// What a run left behind: every request on chain, the token balances, the agents' tables.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    requests: BTreeMap<u64, (ProofRequestStatus, Option<ProvingNetwork>, u128)>,
    balances: Vec<u128>,
    owed: [u128; 2],
    batches: Vec<(String, String, String)>,
    fallbacks: Vec<(Id, String, u64, u64)>,
    jobs: [Vec<(String, String, String)>; 2],
}

fn outcome(world: &mut World, batches: std::ops::Range<u64>) -> Outcome {
    let mut chain = world.chain.borrow_mut();
    let requests = batches
        .map(|b| {
            let r = chain
                .proof_request(proof_manager_e2e::request(b))
                .unwrap_or_else(|| panic!("batch {b} was never submitted"));
            (b, (r.status, r.assigned_to, r.requested_reward))
        })
        .collect();
    let manager = chain.manager;
    let balances = [
        manager,
        proof_manager_e2e::FERMAH,
        proof_manager_e2e::LAGRANGE,
    ]
    .map(|who| chain.token_balance(who))
    .to_vec();
    let owed = [ProvingNetwork::Fermah, ProvingNetwork::Lagrange]
        .map(|n| chain.proving_network_info(n).owed_reward);
    drop(chain);
    let submitter = world.submitter.as_ref().expect("a submitter").store();
    let fallbacks = submitter
        .fallbacks()
        .expect("the fallbacks")
        .into_iter()
        .map(|(f, _)| (f.id, f.reason, f.block, f.time_ms))
        .collect();
    Outcome {
        requests,
        balances,
        owed,
        batches: submitter.rows("batch").expect("the batches"),
        fallbacks,
        jobs: [world.fermah.as_ref(), world.lagrange.as_ref()]
            .map(|a| a.expect("an agent").store().rows("job").expect("the jobs")),
    }
}

const DAY_MS: u64 = 86_400_000;
const FIVE_MINUTES: u64 = 300_000;

/// A day of batches, one every 5 minutes (288), through the submitter and both networks with
/// their scripted behaviour: every batch ends validated or in the fallback table, exactly once,
/// with the outcome the scripts imply; the networks are paid what was validated.
#[test]
fn a_day_of_batches_ends_validated_or_fallen_back_once() {
    days_of_batches(1);
}

fn days_of_batches(days: u64) {
    // Enough for the reservation of every request in flight, many times over.
    let mut world = World::new(2_000 * days as u128, Halts::default());
    let batches = days * DAY_MS / FIVE_MINUTES;
    // 3 hours more, so that every request settles and both networks claim.
    world.run(
        0,
        batches,
        FIVE_MINUTES,
        30_000,
        days * DAY_MS + 3 * 3_600_000,
    );
    let result = outcome(&mut world, 0..batches);

    let fallbacks: BTreeMap<u64, String> = result
        .fallbacks
        .iter()
        .map(|(id, reason, ..)| (id.block_number, reason.clone()))
        .collect();
    assert_eq!(
        fallbacks.len(),
        result.fallbacks.len(),
        "a fallback recorded twice"
    );
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (b, (status, network, _)) in &result.requests {
        let expected = expected_outcome(*b, network.map(Net::from));
        assert_eq!(
            fallbacks.get(b),
            expected.as_ref(),
            "batch {b} on {network:?}"
        );
        match &expected {
            None => assert_eq!(*status, ProofRequestStatus::Paid, "batch {b}"),
            Some(_) => assert_ne!(*status, ProofRequestStatus::Paid, "batch {b}"),
        }
        *counts
            .entry(expected.unwrap_or("validated".into()))
            .or_default() += 1;
    }
    // Every outcome the scripts allow happened.
    for outcome in [
        "validated",
        "refused by the network",
        "unacknowledged",
        "timed out",
        "validation failed",
    ] {
        assert!(
            counts.get(outcome).is_some_and(|n| *n > 0),
            "no {outcome}: {counts:?}"
        );
    }
    let statuses: Vec<&str> = result.batches.iter().map(|(_, s, _)| s.as_str()).collect();
    assert!(statuses
        .iter()
        .all(|s| *s == "validated" || *s == "fallback"));
    assert_eq!(statuses.len() as u64, batches);
    // Paid at 80% of max_reward for every validated batch, all claimed.
    let paid: u128 = result
        .requests
        .values()
        .filter(|(s, ..)| *s == ProofRequestStatus::Paid)
        .map(|(_, _, reward)| *reward)
        .sum();
    assert_eq!(result.balances[1] + result.balances[2], paid);
    assert_eq!(result.owed, [0, 0]);
    assert_eq!(paid, counts["validated"] as u128 * 4_000_000);
}

/// The two-hour version of the day: 24 batches; long enough for every kind of step.
fn short_run(halts: Halts) -> (Outcome, usize) {
    let mut world = World::new(500, halts);
    world.run(0, 24, FIVE_MINUTES, 30_000, 2 * 3_600_000 + 3 * 3_600_000);
    let result = outcome(&mut world, 0..24);
    (result, world.restarts)
}

/// Each agent killed after each kind of step (a block's transaction, the calls' sending, their
/// outcomes' transaction), at an early and a late occurrence, and restarted from its state
/// file: the chain and every table end as in the run without a kill.
#[test]
fn agents_killed_at_any_step_restart_to_the_same_end() {
    let (expected, restarts) = short_run(Halts::default());
    assert_eq!(restarts, 0);
    let mut kills = 0;
    for point in [
        HaltPoint::BlockCommitted,
        HaltPoint::CallsSent,
        HaltPoint::OutcomesCommitted,
    ] {
        for nth in [1, 7] {
            let halt = Some(Halt { point, nth });
            for halts in [
                Halts {
                    submitter: halt,
                    ..Halts::default()
                },
                Halts {
                    fermah: halt,
                    ..Halts::default()
                },
                Halts {
                    lagrange: halt,
                    ..Halts::default()
                },
            ] {
                let (result, restarts) = short_run(halts);
                assert_eq!(restarts, 1, "{point:?} #{nth} was never reached");
                assert_eq!(result, expected, "after a kill at {point:?} #{nth}");
                kills += 1;
            }
        }
    }
    assert_eq!(kills, 18);
}

/// A queue entry the contract could not take is refused with a typed error and queues
/// nothing; a batch queued twice is refused the second time.
#[test]
fn malformed_queue_entries_are_refused() {
    let mut world = World::new(100, Halts::default());
    let submitter = world.submitter.as_mut().unwrap();
    let id = Id {
        chain_id: 1,
        block_number: 1,
    };
    let long = "u".repeat(proof_manager::MAX_PROOF_INPUTS_URL_LEN as usize + 1);
    assert!(matches!(
        submitter.enqueue(id, &long),
        Err(AgentError::Enqueue(
            submitter::EnqueueError::UrlTooLong { .. }
        ))
    ));
    assert!(matches!(
        submitter.enqueue(id, ""),
        Err(AgentError::Enqueue(submitter::EnqueueError::EmptyUrl(_)))
    ));
    assert_eq!(submitter.store().rows("batch").unwrap(), Vec::new());
    submitter.enqueue(id, "https://inputs.example/1/1").unwrap();
    assert!(matches!(
        submitter.enqueue(id, "https://inputs.example/1/1"),
        Err(AgentError::Enqueue(submitter::EnqueueError::Duplicate(_)))
    ));
    assert_eq!(submitter.store().rows("batch").unwrap().len(), 1);
    assert_eq!(submitter.machine().batches().count(), 1);
    let _ = (OUTSIDER, SUBMITTER);
}
