//! The market policies on known scenarios: each follows its rule exactly where the rule
//! decides the answer alone.

mod support;

use proof_manager_sim::metrics::summarize;
use proof_manager_sim::{simulate, Engine, Outcome, Policy, Reason, Run};
use support::scenario;

fn run(policy: Policy, changes: &[(&str, &str)]) -> Run {
    simulate(&scenario(changes), policy, Engine::Model, false).expect("the run")
}

const STAKED: [(&str, &str); 2] = [("networks[0].stake", "10"), ("networks[1].stake", "10")];

#[test]
fn score_split_moves_the_shares_to_last_months_fulfilment() {
    // Fermah fails validation half the time in January: February splits 1 : 2 (0.5 vs 1.0).
    let run = run(
        Policy::ScoreSplit,
        &[
            ("days", "59"),
            ("batches.interval_s", "3600"),
            ("networks[0].p_invalid", "0.5"),
        ],
    );
    let share = |month_start: u64, month_end: u64| {
        let of: Vec<_> = run
            .batches
            .iter()
            .filter(|b| b.arrival_ms >= month_start && b.arrival_ms < month_end)
            .collect();
        of.iter().filter(|b| b.network == Some(0)).count() as f64 / of.len() as f64
    };
    assert_eq!(share(1_735_689_600_000, 1_738_368_000_000), 0.5);
    let february = share(1_738_368_000_000, 1_740_787_200_000);
    assert!(
        (february - 1.0 / 3.0).abs() < 0.03,
        "February share {february}"
    );
}

#[test]
fn second_price_pays_the_lowest_bidder_the_second_lowest_bid() {
    // Fermah asks 80%, Lagrange 70%: Lagrange wins every batch at Fermah's 4 tokens.
    let run = run(Policy::SecondPrice, &STAKED);
    assert!(run
        .batches
        .iter()
        .all(|b| b.network == Some(1) && b.paid == 4_000_000));
    // Without stake nobody may bid: everything falls back, for want of a taker.
    let unstaked = simulate(&scenario(&[]), Policy::SecondPrice, Engine::Model, false).unwrap();
    assert!(unstaked
        .batches
        .iter()
        .all(|b| b.outcome == Outcome::Fallback(Reason::NoTaker)));
}

#[test]
fn the_dutch_auction_locks_when_the_offer_reaches_the_ask_and_slashes_a_missed_lock() {
    // The offer rises from 20% to 100% of 5 tokens over 600 s: Lagrange's 70% is reached at
    // 375 s, Fermah's 80% at 450 s; Lagrange locks first, at 3.5 tokens.
    let mut changes = STAKED.to_vec();
    changes.push(("market", "{ dutch = { min_price = 0.2, max_price = 1.0, ramp_s = 600, lock_timeout_s = 1800, lock_stake = 1, burn = 0.5 } }"));
    let run = run(Policy::DutchAuction, &changes);
    assert!(run
        .batches
        .iter()
        .all(|b| b.network == Some(1) && b.paid == 3_500_000));
    assert!(run
        .batches
        .iter()
        .all(|b| b.done_ms - b.arrival_ms == 375_000 + 60_000));
    // Every proof invalid: every lock is slashed, half of each 1-token stake burnt.
    changes.push(("networks[1].p_invalid", "1.0"));
    let s = scenario(&changes);
    let slashed = simulate(&s, Policy::DutchAuction, Engine::Model, false).unwrap();
    assert_eq!(slashed.burnt, 288 * 500_000);
    let summary = summarize(&s, &slashed);
    assert_eq!(summary.fallback_cost, 288 * 9_000_000 - 288 * 500_000);
}

#[test]
fn time_decay_pays_less_for_slower_proofs() {
    // One-minute proofs of a one-hour window, floor 25%: 1 − 0.75 × 61/3600 of the ask.
    let run = run(Policy::TimeDecay, &[]);
    let fermah = run.batches.iter().find(|b| b.network == Some(0)).unwrap();
    assert_eq!(
        fermah.paid,
        (4_000_000f64 * (1.0 - 0.75 * 61.0 / 3600.0)).round() as u128
    );
    let slow = run_with_slow_proofs();
    let fermah_slow = slow.batches.iter().find(|b| b.network == Some(0)).unwrap();
    assert!(fermah_slow.paid < fermah.paid);
}

fn run_with_slow_proofs() -> Run {
    run(
        Policy::TimeDecay,
        &[("networks[0].proving_s", "{ median = 1800, p95 = 1800 }")],
    )
}

#[test]
fn market_policies_refuse_the_drink_engine() {
    let e = simulate(&scenario(&[]), Policy::DutchAuction, Engine::Drink, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--policy dutch-auction: runs on the model engine only (--engine model)"
    );
}
