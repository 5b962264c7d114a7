//! `dutch-auction`: a Boundless-style reverse Dutch auction per batch. The offer starts at
//! `min_price` × `max_reward` when the batch arrives, rises linearly to `max_price` ×
//! `max_reward` over `ramp_s`, and stays there. A network locks the request as soon as the
//! offer reaches its asking price and it has answered (its acknowledgement delay), if it is up,
//! not refusing, under capacity and holds `lock_stake`; the earliest lock wins (ties: the
//! earlier network) at the offer's price at that moment. No lock before `lock_timeout_s` sends
//! the batch to the fallback. A locker must deliver by the lock timeout: a late, lost or
//! invalid proof slashes its stake, `burn` of it burnt and the rest paid to whoever proves the
//! batch (here the in-house prover, whose cost it offsets), before the request's `timeout_s`.
//!
//! Source: Boundless, "Request pricing and lifecycle" (docs.beboundless.xyz) and the
//! `Offer` struct of the Boundless market contracts (`minPrice`, `maxPrice`, `rampUpPeriod`,
//! `lockTimeout`, `timeout`, `lockStake`); the burnt share is this simulator's parameter.

use super::market::{self, ask, available, prove, untaken, Capacity, Commitment};
use crate::plan::{arrivals, Plan};
use crate::record::{Outcome, Reason, Run};
use crate::scenario::Scenario;

pub fn run(scenario: &Scenario) -> Run {
    let n = scenario.networks.len();
    let d = &scenario.market.dutch;
    let max_reward = scenario.batches.max_reward as f64;
    let (low, high) = (d.min_price * max_reward, d.max_price * max_reward);
    let offer = |elapsed: u64| -> f64 {
        if d.ramp_ms == 0 || elapsed >= d.ramp_ms {
            high
        } else {
            low + (high - low) * elapsed as f64 / d.ramp_ms as f64
        }
    };
    // When the offer first reaches `price`, if ever.
    let reaches = |price: f64| -> Option<u64> {
        if price <= low {
            Some(0)
        } else if price > high {
            None
        } else if d.ramp_ms == 0 {
            Some(0)
        } else {
            Some(((price - low) / (high - low) * d.ramp_ms as f64).ceil() as u64)
        }
    };
    let mut capacity = Capacity::new(n);
    let mut batches = Vec::new();
    let mut burnt = 0u128;
    let mut stake_offset = 0u128;
    for (b, arrival) in arrivals(scenario).into_iter().enumerate() {
        let plans: Vec<Plan> = (0..n).map(|i| Plan::draw(scenario, b as u64, i)).collect();
        let mut locks: Vec<(u64, usize)> = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            if scenario.networks[i].stake < d.lock_stake {
                continue;
            }
            let Some(at) = reaches(ask(scenario, i) as f64) else {
                continue;
            };
            let lock = at.max(plan.ack_delay_ms);
            if lock <= d.lock_timeout_ms
                && available(scenario, &mut capacity, i, plan, arrival + lock)
            {
                locks.push((lock, i));
            }
        }
        locks.sort();
        let Some(&(lock, winner)) = locks.first() else {
            let at = arrival + d.lock_timeout_ms;
            batches.push(untaken(scenario, arrival, None, Reason::NoTaker, at));
            continue;
        };
        let price = offer(lock).round() as u128;
        let plan = &plans[winner];
        let commitment = Commitment {
            network: winner,
            arrival_ms: arrival,
            committed: arrival + lock,
            deadline: arrival + d.lock_timeout_ms,
        };
        let batch = prove(scenario, &mut capacity, commitment, plan, |_| price);
        if batch.outcome != Outcome::Validated {
            let slashed_burnt = (d.lock_stake as f64 * d.burn).round() as u128;
            burnt += slashed_burnt;
            stake_offset += d.lock_stake - slashed_burnt;
        }
        batches.push(batch);
    }
    Run {
        burnt,
        stake_offset,
        ..market::run("dutch-auction", scenario, batches)
    }
}
