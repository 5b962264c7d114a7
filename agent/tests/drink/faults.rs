//! The agents through every fault a live chain produces, each alone and all together, over a
//! day of batches: calls not executed, executed with their reply lost, executed a block late,
//! block reads that fail. Every run ends as the fault-free one must: each batch validated or
//! handed back exactly once with the outcome the scripts imply (so every acknowledgement landed
//! inside its window), no call applied twice, every claim recorded once with its amount,
//! nothing owed, pending or abandoned.

use proof_manager_agent::*;

use crate::day::{run_day, DAY_OF_BATCHES};
use crate::support::checks::{check_applied_once, check_batches, check_settled};
use crate::support::faults::{Faults, Injected};
use crate::support::*;

/// Rates a deadline can absorb: with a step every 30 s, an acknowledgement has four attempts
/// inside its 120-s window, so a call lost in ten fails all of them once in ten thousand.
const DROPS: Faults = Faults {
    seed: 1,
    drop: 100,
    lose_reply: 0,
    delay: 0,
    read_failure: 0,
};
const LOST_REPLIES: Faults = Faults {
    seed: 2,
    lose_reply: 150,
    ..DROPS_OFF
};
const DELAYS: Faults = Faults {
    seed: 3,
    delay: 150,
    ..DROPS_OFF
};
const READ_FAILURES: Faults = Faults {
    seed: 4,
    read_failure: 50,
    ..DROPS_OFF
};
const ALL: Faults = Faults {
    seed: 5,
    drop: 80,
    lose_reply: 80,
    delay: 80,
    read_failure: 30,
};
const DROPS_OFF: Faults = Faults {
    seed: 0,
    drop: 0,
    lose_reply: 0,
    delay: 0,
    read_failure: 0,
};

/// A day with `faults`; the checks every run must pass; what was injected.
fn day_with(faults: Faults) -> (World, Injected) {
    let mut world = World::with_faults(2_000, Halts::default(), faults);
    let result = run_day(&mut world);
    let counts = check_batches(&result, DAY_OF_BATCHES);
    assert!(counts["validated"] > 200, "{counts:?}");
    check_applied_once(&world);
    check_settled(&world);
    let injected = world.injected();
    (world, injected)
}

#[test]
fn calls_the_chain_drops_are_sent_again_until_they_land() {
    let (world, injected) = day_with(DROPS);
    assert!(injected.drops > 100, "{injected:?}");
    let attempts: u32 = world
        .fermah
        .as_ref()
        .unwrap()
        .store()
        .outbox()
        .unwrap()
        .iter()
        .map(|e| e.attempts)
        .max()
        .unwrap();
    assert!(attempts >= 2, "no call of Fermah's needed a second attempt");
}

#[test]
fn calls_whose_reply_is_lost_are_found_applied_on_chain() {
    let (world, injected) = day_with(LOST_REPLIES);
    assert!(injected.lost_replies > 100, "{injected:?}");
    let found: usize = [
        world.submitter.as_ref().map(|a| a.store()),
        world.fermah.as_ref().map(|a| a.store()),
    ]
    .into_iter()
    .map(|s| {
        let outbox = s.unwrap().outbox().unwrap();
        outbox
            .iter()
            .filter(|e| e.outcome.as_deref() == Some("ok (found applied on chain)"))
            .count()
    })
    .sum();
    assert!(found > 50, "{found} calls found applied");
}

#[test]
fn calls_that_land_a_block_late_are_not_applied_twice() {
    let (_, injected) = day_with(DELAYS);
    assert!(injected.delays > 100, "{injected:?}");
}

#[test]
fn block_reads_that_fail_reopen_the_agent_which_goes_on() {
    let (world, injected) = day_with(READ_FAILURES);
    assert!(injected.read_failures > 100, "{injected:?}");
    assert_eq!(world.reopened as u64, injected.read_failures);
}

#[test]
fn every_fault_at_once_ends_as_the_fault_free_day() {
    let (_, injected) = day_with(ALL);
    assert!(
        injected.drops > 50
            && injected.lost_replies > 50
            && injected.delays > 50
            && injected.read_failures > 50,
        "{injected:?}"
    );
}

/// A chain that executes nothing a network sends: every call is abandoned after its attempts,
/// its job is lost, and the agent keeps stepping (no call stays pending).
#[test]
fn calls_the_chain_never_executes_are_abandoned_and_their_jobs_lost() {
    let never = Faults {
        seed: 6,
        drop: 1000,
        ..DROPS_OFF
    };
    let mut world = World::new(100, Halts::default());
    world.faults[1] = crate::support::faults::fault_state(never);
    world.fermah = None;
    world.open_network(Net::Fermah, None);
    world.run(0, 8, FIVE_MINUTES, 30_000, 3 * 3_600_000);
    let fermah = world.fermah.as_ref().unwrap();
    let outbox = fermah.store().outbox().unwrap();
    assert!(!outbox.is_empty());
    for entry in &outbox {
        assert_eq!(entry.state, "abandoned", "{entry:?}");
        assert_eq!(entry.attempts, RetryPolicy::default().max_attempts);
        assert!(
            entry
                .outcome
                .as_deref()
                .is_some_and(|o| o.contains("dropped by the fault injector")),
            "{entry:?}"
        );
    }
    let jobs = fermah.store().rows("job").unwrap();
    assert!(!jobs.is_empty());
    for (_, status, body) in &jobs {
        assert!(status == "lost" || status == "refused", "{status}: {body}");
    }
    assert!(
        world
            .notes
            .iter()
            .any(|n| n.contains("abandoned after 8 attempts")),
        "{:?}",
        world.notes
    );
    // The requests it never acknowledged expired on chain: the submitter fell back on them.
    let fallbacks = world
        .submitter
        .as_ref()
        .unwrap()
        .store()
        .fallbacks()
        .unwrap();
    assert!(fallbacks.iter().any(|(f, _)| f.reason == "unacknowledged"));
}

const FIVE_MINUTES: u64 = crate::day::FIVE_MINUTES;
