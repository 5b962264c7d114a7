//! `time-decay`: batches go round robin over the networks (the contract's assignment without a
//! preferred network), and a valid proof is paid its network's price scaled down linearly with
//! the time it took: the full price for a proof at submission, `floor` × the price at the
//! timeout.
//!
//! Source: the rule as issue 14 of this repository states it ("payment falls linearly with time
//! to proof"); the floor is this simulator's parameter (`market.time_decay.floor`).

use super::market::{self, ask, assigned, Capacity};
use crate::plan::{arrivals, Plan};
use crate::record::Run;
use crate::scenario::Scenario;

pub fn run(scenario: &Scenario) -> Run {
    let n = scenario.networks.len();
    let mut capacity = Capacity::new(n);
    let timeout = scenario.batches.timeout_after_ms as f64;
    let floor = scenario.market.time_decay.floor;
    let batches = arrivals(scenario)
        .into_iter()
        .enumerate()
        .map(|(b, arrival)| {
            let network = b % n;
            let plan = Plan::draw(scenario, b as u64, network);
            let price = ask(scenario, network) as f64;
            assigned(scenario, &mut capacity, arrival, network, &plan, |done| {
                let elapsed = (done - arrival) as f64 / timeout;
                (price * (1.0 - (1.0 - floor) * elapsed.min(1.0))).round() as u128
            })
        })
        .collect();
    market::run("time-decay", scenario, batches)
}
