//! `score-split`: each month, every network's share of the batches is proportional to its
//! fulfilment rate of the month before (validated / assigned, as the auditor counts it, with
//! the outcomes known at the month boundary); equal shares in the first month or when no
//! network validated anything. Batches go out by smooth weighted round robin, so the shares
//! hold exactly and without randomness.
//!
//! Source: the rule as issue 14 of this repository states it ("each month, shares proportional
//! to last month's fulfilment rates"); smooth weighted round robin is nginx's upstream
//! balancer (`ngx_http_upstream_round_robin.c`, `ngx_http_upstream_get_peer`).

use proof_manager_audit::Month;

use super::market::{self, ask, assigned, Capacity};
use crate::plan::{arrivals, Plan};
use crate::record::{Outcome, Run};
use crate::scenario::Scenario;

pub fn run(scenario: &Scenario) -> Run {
    let n = scenario.networks.len();
    let mut capacity = Capacity::new(n);
    let mut batches = Vec::new();
    let mut weights = vec![1.0; n];
    let mut current = vec![0.0f64; n];
    let mut month = None;
    for (b, arrival) in arrivals(scenario).into_iter().enumerate() {
        let this = Month::of(arrival);
        if month.is_some_and(|m| m != this) {
            let last = month.expect("checked");
            let boundary = this.start_ms();
            let mut rates = vec![0.0; n];
            for (i, rate) in rates.iter_mut().enumerate() {
                let mine = batches.iter().filter(|x: &&crate::record::Batch| {
                    x.network == Some(i as u8) && Month::of(x.arrival_ms) == last
                });
                let (mut assigned, mut validated) = (0u64, 0u64);
                for x in mine {
                    assigned += 1;
                    if x.outcome == Outcome::Validated && x.done_ms <= boundary {
                        validated += 1;
                    }
                }
                if assigned > 0 {
                    *rate = validated as f64 / assigned as f64;
                }
            }
            let total: f64 = rates.iter().sum();
            weights = if total > 0.0 { rates } else { vec![1.0; n] };
            current = vec![0.0; n];
        }
        month = Some(this);
        // Smooth weighted round robin: add each weight, pick the largest, take the total off it.
        let total: f64 = weights.iter().sum();
        for (c, w) in current.iter_mut().zip(&weights) {
            *c += w;
        }
        let pick = (0..n)
            .max_by(|&a, &b| current[a].total_cmp(&current[b]).then(b.cmp(&a)))
            .expect("at least one network");
        current[pick] -= total;
        let plan = Plan::draw(scenario, b as u64, pick);
        let price = ask(scenario, pick);
        batches.push(assigned(
            scenario,
            &mut capacity,
            arrival,
            pick,
            &plan,
            |_| price,
        ));
    }
    market::run("score-split", scenario, batches)
}
