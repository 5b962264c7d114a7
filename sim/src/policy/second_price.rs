//! `second-price`: a stake-gated sealed-bid second-price (Vickrey) reverse auction per batch.
//! Every network holding at least `market.second_price.min_stake` that would take the batch
//! (up, not refusing, under capacity) bids its asking price; the lowest bid wins (ties: the
//! earlier network) and is paid the second-lowest bid, or `max_reward` when it bid alone. In a
//! second-price auction bidding one's true cost is a dominant strategy, so the bids are the
//! networks' prices. The winner commits after its acknowledgement delay; no bidder means the
//! fallback.
//!
//! Source: W. Vickrey, "Counterspeculation, Auctions, and Competitive Sealed Tenders", Journal
//! of Finance 16 (1), 1961, pp. 8–37; the stake gate is this simulator's
//! (`market.second_price.min_stake`).

use super::market::{self, ask, available, prove, untaken, Capacity, Commitment};
use crate::plan::{arrivals, Plan};
use crate::record::{Reason, Run};
use crate::scenario::Scenario;

pub fn run(scenario: &Scenario) -> Run {
    let n = scenario.networks.len();
    let mut capacity = Capacity::new(n);
    let min_stake = scenario.market.second_price.min_stake;
    let mut batches = Vec::new();
    for (b, arrival) in arrivals(scenario).into_iter().enumerate() {
        let plans: Vec<Plan> = (0..n).map(|i| Plan::draw(scenario, b as u64, i)).collect();
        let mut bids: Vec<(u128, usize)> = (0..n)
            .filter(|&i| scenario.networks[i].stake >= min_stake)
            .filter(|&i| available(scenario, &mut capacity, i, &plans[i], arrival))
            .map(|i| (ask(scenario, i), i))
            .collect();
        bids.sort();
        let Some(&(_, winner)) = bids.first() else {
            batches.push(untaken(scenario, arrival, None, Reason::NoTaker, arrival));
            continue;
        };
        let price = bids
            .get(1)
            .map_or(scenario.batches.max_reward, |(bid, _)| *bid);
        let plan = &plans[winner];
        let commitment = Commitment {
            network: winner,
            arrival_ms: arrival,
            committed: arrival + plan.ack_delay_ms,
            deadline: arrival + scenario.batches.timeout_after_ms,
        };
        batches.push(prove(scenario, &mut capacity, commitment, plan, |_| price));
    }
    market::run("second-price", scenario, batches)
}
