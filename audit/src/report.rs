//! The monthly report: per network, what happened to the requests submitted in the month, the
//! ranking, and the recommended preferred network for the next month.

use std::cmp::Ordering;

use proof_manager::{ProvingNetwork, ProvingNetworkStatus};
use serde::{Serialize, Serializer};

use crate::error::{Error, Result};
use crate::month::Month;
use crate::store::UndecodableBlock;
use crate::timeline::{At, Change, History, Outcome, Unread};

/// Networks with fewer eligible requests in the month are not ranked, unless told otherwise.
pub const DEFAULT_MIN_REQUESTS: u64 = 20;

/// The knobs of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOptions {
    /// Eligible requests (assigned − refused at assignment) a network needs to be ranked.
    pub min_requests: u64,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            min_requests: DEFAULT_MIN_REQUESTS,
        }
    }
}

/// p50 and p95 of a latency in milliseconds, by the nearest-rank method: the smallest sample
/// with at least p% of the samples at or below it. `None` without samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Latency {
    pub p50: Option<u64>,
    pub p95: Option<u64>,
}

impl Latency {
    /// From unsorted samples.
    pub fn of(mut samples: Vec<u64>) -> Self {
        samples.sort_unstable();
        Self {
            p50: nearest_rank(&samples, 50),
            p95: nearest_rank(&samples, 95),
        }
    }
}

/// The `percent`-th percentile of sorted samples, nearest rank: the value at rank
/// ⌈percent × n / 100⌉ (1-based).
pub fn nearest_rank(sorted: &[u64], percent: u64) -> Option<u64> {
    let n = sorted.len() as u64;
    if n == 0 {
        return None;
    }
    let rank = (percent * n).div_ceil(100).max(1);
    sorted.get((rank - 1) as usize).copied()
}

/// One network's month: the requests assigned to it that were submitted in the month, where
/// each stands at the window's end, and the claims it made in the month.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NetworkMonth {
    pub assigned: u64,
    /// Submitted as Refused: the network was inactive.
    pub refused_at_assignment: u64,
    /// Acknowledged with `accepted: false`.
    pub refused: u64,
    /// Acknowledged with `accepted: true`.
    pub committed: u64,
    pub unacknowledged: u64,
    /// Proofs delivered, whatever their verdict.
    pub proven: u64,
    pub timed_out: u64,
    pub validated: u64,
    pub validation_failed: u64,
    /// Pending or committed, with the deadline not passed at the window's end.
    pub open: u64,
    /// validated / (assigned − refused at assignment); `null` when that is 0.
    pub fulfilment_rate: Option<f64>,
    /// Submission to acknowledgement (accepting or refusing).
    pub ack_latency_ms: Latency,
    /// Submission to proof.
    pub proof_latency_ms: Latency,
    /// Mean of requested_reward / max_reward over the proven requests.
    pub mean_price_ratio: Option<f64>,
    /// Sum of the rewards of the validated requests.
    pub rewards_validated: u128,
    /// Sum of the network's `RewardClaimed` amounts with a block time in the month.
    pub rewards_claimed: u128,
    pub ranked: bool,
    /// 1-based; `null` when not ranked.
    pub rank: Option<u32>,
}

impl NetworkMonth {
    /// The requests the network could have served: assigned − refused at assignment.
    pub fn eligible(&self) -> u64 {
        self.assigned - self.refused_at_assignment
    }

    /// Proven requests still waiting for a verdict.
    pub fn awaiting_validation(&self) -> u64 {
        self.proven - self.validated - self.validation_failed
    }
}

/// Both networks' months, keyed by name in JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Networks {
    #[serde(rename = "Fermah")]
    pub fermah: NetworkMonth,
    #[serde(rename = "Lagrange")]
    pub lagrange: NetworkMonth,
}

impl Networks {
    pub fn get(&self, network: ProvingNetwork) -> &NetworkMonth {
        match network {
            ProvingNetwork::Fermah => &self.fermah,
            ProvingNetwork::Lagrange => &self.lagrange,
        }
    }

    pub fn get_mut(&mut self, network: ProvingNetwork) -> &mut NetworkMonth {
        match network {
            ProvingNetwork::Fermah => &mut self.fermah,
            ProvingNetwork::Lagrange => &mut self.lagrange,
        }
    }
}

fn network_name<S: Serializer>(value: &Option<ProvingNetwork>, s: S) -> Result<S::Ok, S::Error> {
    value.map(name).serialize(s)
}

/// The network's name as the contract's metadata spells it.
pub fn name(network: ProvingNetwork) -> &'static str {
    match network {
        ProvingNetwork::Fermah => "Fermah",
        ProvingNetwork::Lagrange => "Lagrange",
    }
}

/// An event the month's report could not count, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncounted {
    pub at: At,
    pub what: String,
}

/// What the report says beyond the JSON schema: printed in the Markdown only.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Details {
    pub contract: [u8; 32],
    pub month_start_ms: u64,
    /// The first millisecond after the month.
    pub month_end_ms: u64,
    pub window_start_ms: u64,
    pub window_first_block: u64,
    pub window_last_block: u64,
    /// Whether a `PreferredProvingNetworkUpdated` was observed, so `current_preferred` is known.
    pub current_preferred_known: bool,
    pub submitted: u64,
    /// Submitted with `assigned_to: None` (no preferred network set): refused at once, and no
    /// network's.
    pub unassigned: u64,
    pub min_requests: u64,
    /// The ranked networks, best first.
    pub ranking: Vec<ProvingNetwork>,
    /// What decided between each ranked network and the next.
    pub decided_by: Vec<&'static str>,
    pub preferred_changes: Vec<Change<Option<ProvingNetwork>>>,
    pub status_changes: Vec<Change<(ProvingNetwork, ProvingNetworkStatus)>>,
    /// Unknown signatures in the month, each with its count.
    pub unknown_signatures: Vec<(Option<[u8; 32]>, u64)>,
    pub unknown_events_in_window: u64,
    pub malformed: Vec<Uncounted>,
    pub malformed_in_window: u64,
    /// Blocks of the month (by block time) whose events did not all decode: contract events of
    /// them may be missing from every figure.
    pub undecodable_blocks: Vec<UndecodableBlock>,
    pub undecodable_blocks_in_window: u64,
    /// Events in the month about requests submitted before the window.
    pub orphans: u64,
    pub inconsistent: Vec<Uncounted>,
    /// The recommended network's status at the window's end, when it is Inactive.
    pub recommended_inactive: bool,
    /// The recommendation differs from the current preferred network (or that is unknown).
    pub change_needed: bool,
}

/// The report of one month; its JSON is the published schema, `details` is not part of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthReport {
    pub month: String,
    pub window_end_ms: u64,
    #[serde(serialize_with = "network_name")]
    pub current_preferred: Option<ProvingNetwork>,
    #[serde(serialize_with = "network_name")]
    pub recommended_preferred: Option<ProvingNetwork>,
    pub reason: String,
    pub networks: Networks,
    /// Events in the month whose signature topic is no event of this contract.
    pub unknown_events: u64,
    #[serde(skip)]
    pub details: Details,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Counts the month's requests per network from their timelines at the window's end.
pub fn network_months(history: &History, month: Month, window_end_ms: u64) -> (Networks, u64) {
    let mut networks = Networks::default();
    let mut unassigned = 0;
    let mut samples: [(Vec<u64>, Vec<u64>, Vec<f64>); 2] = Default::default();
    for request in history
        .requests
        .iter()
        .filter(|r| month.contains(r.submitted.time_ms))
    {
        let Some(network) = request.assigned_to else {
            unassigned += 1;
            continue;
        };
        let slot = network as usize;
        let counts = networks.get_mut(network);
        counts.assigned += 1;
        if let Some((at, accepted)) = request.acknowledged {
            samples[slot].0.push(at.time_ms - request.submitted.time_ms);
            if accepted {
                counts.committed += 1;
            }
        }
        if let Some((at, reward)) = request.proven {
            counts.proven += 1;
            samples[slot].1.push(at.time_ms - request.submitted.time_ms);
            samples[slot]
                .2
                .push(reward as f64 / request.max_reward as f64);
        }
        match request.outcome(window_end_ms) {
            Outcome::RefusedAtAssignment => counts.refused_at_assignment += 1,
            Outcome::Refused => counts.refused += 1,
            Outcome::Unacknowledged => counts.unacknowledged += 1,
            Outcome::TimedOut => counts.timed_out += 1,
            Outcome::OpenPending | Outcome::OpenCommitted => counts.open += 1,
            Outcome::Proven => {}
            Outcome::Validated => {
                counts.validated += 1;
                counts.rewards_validated += request.proven.map_or(0, |(_, reward)| reward);
            }
            Outcome::ValidationFailed => counts.validation_failed += 1,
        }
    }
    for claim in history
        .claims
        .iter()
        .filter(|c| month.contains(c.at.time_ms))
    {
        networks.get_mut(claim.network).rewards_claimed += claim.amount;
    }
    for network in ProvingNetwork::ALL {
        let (acks, proofs, ratios) = std::mem::take(&mut samples[network as usize]);
        let counts = networks.get_mut(network);
        counts.fulfilment_rate =
            (counts.eligible() > 0).then(|| counts.validated as f64 / counts.eligible() as f64);
        counts.ack_latency_ms = Latency::of(acks);
        counts.proof_latency_ms = Latency::of(proofs);
        counts.mean_price_ratio = mean(&ratios);
    }
    (networks, unassigned)
}

/// `a` before `b` in the ranking, and which criterion decided it.
fn compare(
    a: (ProvingNetwork, &NetworkMonth),
    b: (ProvingNetwork, &NetworkMonth),
    current: Option<ProvingNetwork>,
) -> (Ordering, &'static str) {
    // Cross-multiplied so equal rates compare equal, which f64 division may not.
    let rate = (b.1.validated as u128 * a.1.eligible() as u128)
        .cmp(&(a.1.validated as u128 * b.1.eligible() as u128));
    if rate != Ordering::Equal {
        return (rate, "fulfilment rate");
    }
    let none_last = |x: Option<u64>| x.map_or((1, 0), |v| (0, v));
    let latency = none_last(a.1.proof_latency_ms.p95).cmp(&none_last(b.1.proof_latency_ms.p95));
    if latency != Ordering::Equal {
        return (latency, "p95 proof latency");
    }
    let price = match (a.1.mean_price_ratio, b.1.mean_price_ratio) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    if price != Ordering::Equal {
        return (price, "mean price ratio");
    }
    let keep = |n: ProvingNetwork| (Some(n) != current, n as u8);
    (
        keep(a.0).cmp(&keep(b.0)),
        "a tie on all three, the current preferred network first",
    )
}

fn components(counts: &NetworkMonth) -> String {
    let latency = counts
        .proof_latency_ms
        .p95
        .map_or("none".to_string(), |ms| format!("{ms} ms"));
    let price = counts
        .mean_price_ratio
        .map_or("none".to_string(), |r| format!("{r:.4}"));
    format!(
        "fulfilment rate {:.4} ({}/{}), p95 proof latency {latency}, mean price ratio {price}",
        counts.fulfilment_rate.unwrap_or(0.0),
        counts.validated,
        counts.eligible()
    )
}

fn describe(preferred: Option<Option<ProvingNetwork>>) -> String {
    match preferred {
        None => "unknown (no PreferredProvingNetworkUpdated in the observed window)".into(),
        Some(None) => "None (no preferred network set)".into(),
        Some(Some(network)) => name(network).into(),
    }
}

/// The report of `month` over everything in `history`, as it stands at the window's end.
///
/// # Errors
/// `EmptyStore` when nothing was ingested.
pub fn month_report(
    history: &History,
    contract: [u8; 32],
    month: Month,
    options: &ReportOptions,
) -> Result<MonthReport> {
    let window = history.window.ok_or(Error::EmptyStore)?;
    let window_end_ms = window.last.block_time_ms;
    let (mut networks, unassigned) = network_months(history, month, window_end_ms);

    let current = history.current_preferred();
    let mut ranking: Vec<ProvingNetwork> = ProvingNetwork::ALL
        .into_iter()
        .filter(|&n| {
            let eligible = networks.get(n).eligible();
            eligible > 0 && eligible >= options.min_requests
        })
        .collect();
    let flat_current = current.flatten();
    ranking.sort_by(|&a, &b| compare((a, networks.get(a)), (b, networks.get(b)), flat_current).0);
    let decided_by: Vec<&'static str> = ranking
        .windows(2)
        .map(|pair| {
            compare(
                (pair[0], networks.get(pair[0])),
                (pair[1], networks.get(pair[1])),
                flat_current,
            )
            .1
        })
        .collect();
    for (i, &network) in ranking.iter().enumerate() {
        let counts = networks.get_mut(network);
        counts.ranked = true;
        counts.rank = Some(i as u32 + 1);
    }

    let unranked: Vec<String> = ProvingNetwork::ALL
        .into_iter()
        .filter(|n| !ranking.contains(n))
        .map(|n| {
            format!(
                "{} not ranked ({} eligible, fewer than the {} needed)",
                name(n),
                networks.get(n).eligible(),
                options.min_requests.max(1)
            )
        })
        .collect();
    let (recommended, mut reason) = match ranking.first() {
        Some(&best) => {
            let mut parts = vec![format!(
                "{} ranks first ({})",
                name(best),
                components(networks.get(best))
            )];
            for (pair, why) in ranking.windows(2).zip(&decided_by) {
                parts.push(format!(
                    "{} ranks next ({}), decided by {why}",
                    name(pair[1]),
                    components(networks.get(pair[1]))
                ));
            }
            parts.extend(unranked);
            (Some(best), parts.join("; "))
        }
        None => {
            let counts: Vec<String> = ProvingNetwork::ALL
                .into_iter()
                .map(|n| format!("{} {}", name(n), networks.get(n).eligible()))
                .collect();
            (
                flat_current,
                format!(
                    "no network has at least {} eligible requests (assigned − refused at \
                     assignment) in {month}: {}; keep the current preferred network, {}",
                    options.min_requests.max(1),
                    counts.join(", "),
                    describe(current)
                ),
            )
        }
    };
    let change_needed = match current {
        None => recommended.is_some(),
        Some(current) => current != recommended,
    };
    if !ranking.is_empty() {
        reason.push_str(&if change_needed {
            format!(
                "; switch from {} to {}",
                describe(current),
                describe(Some(recommended))
            )
        } else {
            "; it is already the preferred network: nothing to change".to_string()
        });
    }
    let recommended_inactive = recommended
        .is_some_and(|n| history.current_status(n) == Some(ProvingNetworkStatus::Inactive));
    if let Some(network) = recommended.filter(|_| recommended_inactive) {
        reason.push_str(&format!(
            "; note: {} is Inactive at the window's end, so the requests it is assigned are \
             refused until it is reactivated",
            name(network)
        ));
    }

    let in_month = |at: &At| month.contains(at.time_ms);
    let mut unknown_signatures: Vec<(Option<[u8; 32]>, u64)> = Vec::new();
    let mut malformed = Vec::new();
    for skipped in &history.unread {
        if !in_month(&skipped.at) {
            continue;
        }
        match &skipped.what {
            Unread::Unknown(signature) => {
                match unknown_signatures.iter_mut().find(|(s, _)| s == signature) {
                    Some((_, count)) => *count += 1,
                    None => unknown_signatures.push((*signature, 1)),
                }
            }
            Unread::Malformed { event, reason } => malformed.push(Uncounted {
                at: skipped.at,
                what: format!("{event}: {reason}"),
            }),
        }
    }
    let unknown_events = unknown_signatures.iter().map(|(_, n)| n).sum();
    let unknown_events_in_window = history
        .unread
        .iter()
        .filter(|s| matches!(s.what, Unread::Unknown(_)))
        .count() as u64;

    Ok(MonthReport {
        month: month.to_string(),
        window_end_ms,
        current_preferred: flat_current,
        recommended_preferred: recommended,
        reason,
        unknown_events,
        details: Details {
            contract,
            month_start_ms: month.start_ms(),
            month_end_ms: month.end_ms(),
            window_start_ms: window.first.block_time_ms,
            window_first_block: window.first.block_number,
            window_last_block: window.last.block_number,
            current_preferred_known: current.is_some(),
            submitted: networks.fermah.assigned + networks.lagrange.assigned + unassigned,
            unassigned,
            min_requests: options.min_requests,
            ranking,
            decided_by,
            preferred_changes: history
                .preferred_changes
                .iter()
                .filter(|c| in_month(&c.at))
                .copied()
                .collect(),
            status_changes: history
                .status_changes
                .iter()
                .filter(|c| in_month(&c.at))
                .copied()
                .collect(),
            unknown_signatures,
            unknown_events_in_window,
            malformed_in_window: history.unread.len() as u64 - unknown_events_in_window,
            malformed,
            undecodable_blocks: history
                .undecodable
                .iter()
                .filter(|b| month.contains(b.block_time_ms))
                .cloned()
                .collect(),
            undecodable_blocks_in_window: history.undecodable.len() as u64,
            orphans: history.orphans.iter().filter(|o| in_month(&o.at)).count() as u64,
            inconsistent: history
                .inconsistent
                .iter()
                .filter(|s| in_month(&s.at))
                .map(|s| Uncounted {
                    at: s.at,
                    what: s.what.clone(),
                })
                .collect(),
            recommended_inactive,
            change_needed,
        },
        networks,
    })
}

/// Every month from the first submission's to the last's, for the chart.
pub fn months_with_requests(history: &History) -> Vec<Month> {
    let (Some(first), Some(last)) = (
        history.requests.iter().map(|r| r.submitted.time_ms).min(),
        history.requests.iter().map(|r| r.submitted.time_ms).max(),
    ) else {
        return Vec::new();
    };
    let mut months = vec![Month::of(first)];
    while let Some(&month) = months.last().filter(|&&m| m < Month::of(last)) {
        months.push(month.next());
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[7], 95), Some(7));
        // n = 4: p50 is rank 2, p95 rank ⌈3.8⌉ = 4.
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 95), Some(4));
        // n = 20: p95 is rank 19 exactly.
        let twenty: Vec<u64> = (1..=20).collect();
        assert_eq!(nearest_rank(&twenty, 95), Some(19));
        assert_eq!(nearest_rank(&twenty, 50), Some(10));
        assert_eq!(
            Latency::of(vec![30, 10, 20]),
            Latency {
                p50: Some(20),
                p95: Some(30)
            }
        );
    }
}
