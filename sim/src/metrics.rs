//! The figures of a run: fallback rate and reasons, cost per validated batch (network payments
//! plus fallback proofs), submit→validated latency percentiles, per network and month the share
//! of assignments, fulfilment rate and revenue, and the HHI of the assignments.

use std::collections::BTreeMap;

use proof_manager_audit::report::nearest_rank;
use proof_manager_audit::Month;
use serde::Serialize;

use crate::record::{Costs, Outcome, Reason, Run};
use crate::scenario::Scenario;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Latency {
    pub p50: Option<u64>,
    pub p95: Option<u64>,
    pub p99: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkMonth {
    pub month: String,
    pub network: String,
    pub assigned: u64,
    /// Of the month's batches assigned to any network.
    pub share: f64,
    pub validated: u64,
    /// validated / assigned; `null` without assignments.
    pub fulfilment: Option<f64>,
    /// Rewards of the month's batches it proved valid.
    pub revenue: u128,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerBatchCosts {
    pub calls: u64,
    pub ref_time: u128,
    pub proof_size: u128,
    pub storage_deposit: i128,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub policy: String,
    pub engine: String,
    pub batches: u64,
    pub validated: u64,
    pub fallbacks: u64,
    pub fallback_rate: f64,
    /// Fallbacks by reason, in `Reason::ALL` order, reasons that occurred only.
    pub fallback_reasons: Vec<(Reason, u64)>,
    pub network_payments: u128,
    /// Fallback proofs at the scenario's cost, less slashed stake paid to the fallback.
    pub fallback_cost: u128,
    /// (network payments + fallback cost) / batches: every batch ends validated somewhere.
    pub cost_per_validated_batch: f64,
    pub latency_ms: Latency,
    /// (latency, fraction of batches done within it) at every percent.
    pub latency_cdf: Vec<(u64, f64)>,
    /// Herfindahl–Hirschman index of the assignments over the run, 0..=10,000.
    pub hhi: f64,
    pub months: Vec<NetworkMonth>,
    pub preferred_changes: Vec<(u64, Option<String>)>,
    pub burnt_stake: u128,
    /// Totals of the drink engine's calls divided by the batches.
    pub per_batch: Option<PerBatchCosts>,
}

fn per_batch(costs: Costs, batches: u64) -> PerBatchCosts {
    let n = batches.max(1);
    PerBatchCosts {
        calls: costs.calls,
        ref_time: costs.ref_time / u128::from(n),
        proof_size: costs.proof_size / u128::from(n),
        storage_deposit: costs.storage_deposit / i128::from(n),
    }
}

pub fn summarize(scenario: &Scenario, run: &Run) -> Summary {
    let batches = run.batches.len() as u64;
    let mut reasons: BTreeMap<Reason, u64> = BTreeMap::new();
    let mut latencies = Vec::with_capacity(run.batches.len());
    let mut network_payments = 0u128;
    let mut validated = 0u64;
    let names = &run.networks;
    let mut assigned_total = vec![0u64; names.len()];
    // (month, network) → (assigned, validated, revenue)
    let mut months: BTreeMap<(Month, usize), (u64, u64, u128)> = BTreeMap::new();
    for batch in &run.batches {
        latencies.push(batch.done_ms - batch.arrival_ms);
        match batch.outcome {
            Outcome::Validated => {
                validated += 1;
                network_payments += batch.paid;
            }
            Outcome::Fallback(reason) => *reasons.entry(reason).or_default() += 1,
        }
        if let Some(n) = batch.network {
            let n = n as usize;
            assigned_total[n] += 1;
            let entry = months.entry((Month::of(batch.arrival_ms), n)).or_default();
            entry.0 += 1;
            if batch.outcome == Outcome::Validated {
                entry.1 += 1;
                entry.2 += batch.paid;
            }
        }
    }
    latencies.sort_unstable();
    let fallbacks = batches - validated;
    let fallback_cost =
        (u128::from(fallbacks) * scenario.fallback.cost).saturating_sub(run.stake_offset);
    let total_assigned: u64 = assigned_total.iter().sum();
    let hhi = if total_assigned == 0 {
        0.0
    } else {
        assigned_total
            .iter()
            .map(|&a| {
                let share = a as f64 * 100.0 / total_assigned as f64;
                share * share
            })
            .sum()
    };
    let mut month_totals: BTreeMap<Month, u64> = BTreeMap::new();
    for ((month, _), (assigned, ..)) in &months {
        *month_totals.entry(*month).or_default() += assigned;
    }
    let mut rows = Vec::new();
    for (&month, &total) in &month_totals {
        for (n, name) in names.iter().enumerate() {
            let (assigned, ok, revenue) = months.get(&(month, n)).copied().unwrap_or_default();
            rows.push(NetworkMonth {
                month: month.to_string(),
                network: name.clone(),
                assigned,
                share: assigned as f64 / total as f64,
                validated: ok,
                fulfilment: (assigned > 0).then(|| ok as f64 / assigned as f64),
                revenue,
            });
        }
    }
    Summary {
        policy: run.policy.clone(),
        engine: run.engine.to_string(),
        batches,
        validated,
        fallbacks,
        fallback_rate: if batches == 0 {
            0.0
        } else {
            fallbacks as f64 / batches as f64
        },
        fallback_reasons: Reason::ALL
            .into_iter()
            .filter_map(|r| reasons.get(&r).map(|n| (r, *n)))
            .collect(),
        network_payments,
        fallback_cost,
        cost_per_validated_batch: if batches == 0 {
            0.0
        } else {
            (network_payments + fallback_cost) as f64 / batches as f64
        },
        latency_ms: Latency {
            p50: nearest_rank(&latencies, 50),
            p95: nearest_rank(&latencies, 95),
            p99: nearest_rank(&latencies, 99),
        },
        latency_cdf: (1..=100)
            .filter_map(|p| nearest_rank(&latencies, p).map(|ms| (ms, f64::from(p as u32) / 100.0)))
            .collect(),
        hhi,
        months: rows,
        preferred_changes: run.preferred_changes.clone(),
        burnt_stake: run.burnt,
        per_batch: run.costs.map(|c| per_batch(c, batches)),
    }
}
