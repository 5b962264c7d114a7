//! A day of batches through both networks to the outcomes the scripts imply, the same day
//! killed and restarted at every kind of step, and bad input.

use proof_manager_agent::*;

use crate::support::checks::{check_applied_once, check_batches, check_settled, outcome, Outcome};
use crate::support::*;

pub const DAY_MS: u64 = 86_400_000;
pub const FIVE_MINUTES: u64 = 300_000;
/// A day of batches, one every five minutes.
pub const DAY_OF_BATCHES: u64 = DAY_MS / FIVE_MINUTES;

/// Runs a day of batches, then 3 hours more so that every request settles and both networks
/// claim.
pub fn run_day(world: &mut World) -> Outcome {
    world.run(
        0,
        DAY_OF_BATCHES,
        FIVE_MINUTES,
        30_000,
        DAY_MS + 3 * 3_600_000,
    );
    outcome(world, 0..DAY_OF_BATCHES)
}

/// A day of batches, one every 5 minutes (288), through the submitter and both networks with
/// their scripted behaviour: every batch ends validated or in the fallback table, exactly once,
/// with the outcome the scripts imply; the networks are paid what was validated.
#[test]
fn a_day_of_batches_ends_validated_or_fallen_back_once() {
    let mut world = World::new(2_000, Halts::default());
    let result = run_day(&mut world);
    let counts = check_batches(&result, DAY_OF_BATCHES);
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
    check_applied_once(&world);
    check_settled(&world);
}

/// Every outbox call's message, request and outcome: a killed and restarted agent must have
/// decided the same calls with the same outcomes. A call that a kill interrupted is found
/// applied on chain when the agent restarts: its outcome says so, and counts as the outcome of
/// the call it is. A claim a kill interrupted waits until its first attempt can no longer land
/// before it is sent again, so it lands (and the claims after it) a few blocks later: its
/// amount is what must be the same.
fn outboxes(world: &World) -> Outboxes {
    let stores = [
        world.submitter.as_ref().map(|a| a.store()),
        world.fermah.as_ref().map(|a| a.store()),
        world.lagrange.as_ref().map(|a| a.store()),
    ];
    stores
        .into_iter()
        .map(|store| {
            let mut calls: Vec<(String, String)> = store
                .expect("an agent")
                .outbox()
                .unwrap()
                .into_iter()
                .map(|e| {
                    let outcome = e.outcome.unwrap_or_default();
                    let outcome = match outcome.as_str() {
                        "ok (found applied on chain)" => "ok".to_string(),
                        claimed if claimed.starts_with("claimed ") => {
                            claimed.split(" (").next().unwrap_or(claimed).to_string()
                        }
                        other => other.to_string(),
                    };
                    (e.call, outcome)
                })
                .collect();
            // The order of calls decided in one block may differ after a restart; what was
            // decided may not.
            calls.sort();
            calls
        })
        .collect()
}

/// Each agent's outbox as `outboxes` gives them: (call, outcome) pairs.
type Outboxes = Vec<Vec<(String, String)>>;

/// The uninterrupted day the kill tests compare with, run once for all of them.
fn uninterrupted() -> &'static (Outcome, Outboxes) {
    static DAY: std::sync::OnceLock<(Outcome, Outboxes)> = std::sync::OnceLock::new();
    DAY.get_or_init(|| {
        let mut world = World::new(2_000, Halts::default());
        let outcome = run_day(&mut world);
        assert_eq!(world.restarts, 0);
        (outcome, outboxes(&world))
    })
}

/// The agent `halts` names, killed after each kind of step (a block's transaction, the calls'
/// sending, their outcomes' transaction), at an early and a late occurrence, and restarted from
/// its state file, over a whole day of batches: the chain, every table and every outbox end as
/// in the run without a kill.
fn killed_at_every_step(halts: impl Fn(Option<Halt>) -> Halts) {
    let (expected, expected_outboxes) = uninterrupted();
    let mut kills = 0;
    for point in [
        HaltPoint::BlockCommitted,
        HaltPoint::CallsSent,
        HaltPoint::OutcomesCommitted,
    ] {
        for nth in [1, 100] {
            let mut world = World::new(2_000, halts(Some(Halt { point, nth })));
            let result = run_day(&mut world);
            assert_eq!(world.restarts, 1, "{point:?} #{nth} was never reached");
            assert_eq!(&result, expected, "after a kill at {point:?} #{nth}");
            for (role, (got, want)) in outboxes(&world).iter().zip(expected_outboxes).enumerate() {
                let extra: Vec<_> = got.iter().filter(|c| !want.contains(c)).collect();
                let missing: Vec<_> = want.iter().filter(|c| !got.contains(c)).collect();
                assert!(
                    extra.is_empty() && missing.is_empty() && got.len() == want.len(),
                    "agent {role}'s outbox after a kill at {point:?} #{nth}: {} calls, {} \
                     expected; not expected: {extra:?}; missing: {missing:?}",
                    got.len(),
                    want.len()
                );
            }
            kills += 1;
        }
    }
    assert_eq!(kills, 6);
}

#[test]
fn the_submitter_killed_at_any_step_of_a_day_restarts_to_the_same_end() {
    killed_at_every_step(|submitter| Halts {
        submitter,
        ..Halts::default()
    });
}

#[test]
fn fermahs_agent_killed_at_any_step_of_a_day_restarts_to_the_same_end() {
    killed_at_every_step(|fermah| Halts {
        fermah,
        ..Halts::default()
    });
}

#[test]
fn lagranges_agent_killed_at_any_step_of_a_day_restarts_to_the_same_end() {
    killed_at_every_step(|lagrange| Halts {
        lagrange,
        ..Halts::default()
    });
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
}
