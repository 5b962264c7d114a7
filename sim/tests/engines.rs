//! The two engines on the baseline: the reference model and the release bundles with the agents
//! give every batch the same network, outcome and payment for the same scenario and seed.

mod support;

use proof_manager_sim::{simulate, Engine, Outcome, Policy};
use support::scenario;

#[test]
fn the_model_and_drink_engines_agree_on_every_batch_of_the_baseline() {
    // A day of 5-minute batches; refusals, invalid proofs and a slow tail of proofs past
    // the deadline all occur; acknowledgements and proofs keep clear of the block edges.
    let scenario = scenario(&[
        ("days", "1"),
        ("networks[0].p_refuse", "0.1"),
        ("networks[0].p_invalid", "0.1"),
        ("networks[0].proving_s", "{ median = 600, p95 = 4000 }"),
        ("networks[1].p_refuse", "0.05"),
        ("networks[1].ack_delay_s", "{ min = 2, max = 60 }"),
        ("networks[1].proving_s", "{ median = 900, p95 = 1500 }"),
    ]);
    let model = simulate(&scenario, Policy::Baseline, Engine::Model, false).unwrap();
    let drink = simulate(&scenario, Policy::Baseline, Engine::Drink, false).unwrap();
    assert_eq!(model.batches.len(), drink.batches.len());
    let fate = |run: &proof_manager_sim::Run| -> Vec<_> {
        run.batches
            .iter()
            .map(|b| (b.network, b.outcome, b.paid))
            .collect()
    };
    assert_eq!(fate(&model), fate(&drink));
    let kinds: std::collections::BTreeSet<String> = model
        .batches
        .iter()
        .map(|b| format!("{:?}", b.outcome))
        .collect();
    assert!(kinds.len() >= 4, "too few kinds of outcome: {kinds:?}");
    assert!(model
        .batches
        .iter()
        .any(|b| b.outcome == Outcome::Validated));
    let costs = drink.costs.expect("drink records costs");
    assert!(costs.calls > 3 * drink.batches.len() as u64 && costs.ref_time > 0);
}
