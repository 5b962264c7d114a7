//! The monthly report over a scripted chain, every figure computed by hand.

mod support;

use proof_manager::{ProofRequestStatus::*, ProvingNetwork, ProvingNetworkStatus, ACK_TIMEOUT};
use proof_manager_audit::report::{Latency, Networks};
use proof_manager_audit::{month_report, History, Month, MonthReport, NetworkMonth, ReportOptions};
use support::*;

/// Proving window of every request in the script: 10 minutes.
const T: u64 = 10 * MINUTE;
const MAX: u128 = 1_000_000;
/// The window ends one minute into December.
const END: u64 = DEC + MINUTE;

/// November for both networks, hitting every outcome, with a status change, preferred-network
/// changes, a request with no assignee, an unknown and a malformed event, and requests on
/// either side of midnight at the month's end.
fn november() -> Script {
    let mut s = Script::new();
    s.deploy(OCT, Some(Fermah));
    // F1: validated.
    let t = NOV + DAY;
    s.pending(t, 1, Fermah, T, MAX)
        .ack(t + 1_000, 1, Fermah, true)
        .prove(t + 10_000, 1, Fermah, 500_000)
        .validate(t + 60_000, 1, Fermah, true);
    // F2: validation failed.
    let t = NOV + 2 * DAY;
    s.pending(t, 2, Fermah, T, MAX)
        .ack(t + 2_000, 2, Fermah, true)
        .prove(t + 20_000, 2, Fermah, 1_000_000)
        .validate(t + 70_000, 2, Fermah, false);
    // F3: refused by the network.
    let t = NOV + 3 * DAY;
    s.pending(t, 3, Fermah, T, MAX)
        .ack(t + 3_000, 3, Fermah, false);
    // F4: unacknowledged, purged one millisecond after its deadline.
    let t = NOV + 4 * DAY;
    s.pending(t, 4, Fermah, T, MAX)
        .expire(t + ACK_TIMEOUT + 1, 4, Fermah, Unacknowledged, true);
    // F5: unacknowledged, never marked.
    s.pending(NOV + 5 * DAY, 5, Fermah, T, MAX);
    // F6: timed out, marked.
    let t = NOV + 6 * DAY;
    s.pending(t, 6, Fermah, T, MAX)
        .ack(t + 4_000, 6, Fermah, true)
        .expire(t + T + 1, 6, Fermah, TimedOut, false);
    // F7: proven, no verdict yet.
    let t = NOV + 7 * DAY;
    s.pending(t, 7, Fermah, T, MAX)
        .ack(t + 5_000, 7, Fermah, true)
        .prove(t + 30_000, 7, Fermah, 250_000);
    // F8: refused at assignment while Fermah is inactive.
    s.status(NOV + 8 * DAY, Fermah, ProvingNetworkStatus::Inactive)
        .submit(NOV + 8 * DAY + 1, 8, Some(Fermah), Refused, T, MAX)
        .status(NOV + 9 * DAY, Fermah, ProvingNetworkStatus::Active);
    // F9: 2026-11-30T23:59:59.999Z, so November's, though everything else happens in December.
    let t = DEC - 1;
    s.pending(t, 9, Fermah, T, MAX)
        .ack(DEC + 1_000, 9, Fermah, true)
        .prove(DEC + 40_000, 9, Fermah, 750_000)
        .validate(DEC + 50_000, 9, Fermah, true);
    // F10: timed out, never marked.
    let t = NOV + 10 * DAY;
    s.pending(t, 10, Fermah, T, MAX)
        .ack(t + 6_000, 10, Fermah, true);

    // L1: 2026-12-01T00:00:00.000Z, December's; still pending at the window's end.
    s.pending(DEC, 11, Lagrange, T, MAX);
    // L2, L3: validated.
    let t = NOV + DAY + HOUR;
    s.pending(t, 12, Lagrange, T, MAX)
        .ack(t + 1_500, 12, Lagrange, true)
        .prove(t + 15_000, 12, Lagrange, 800_000)
        .validate(t + HOUR, 12, Lagrange, true);
    let t = NOV + 2 * DAY + HOUR;
    s.pending(t, 13, Lagrange, T, 800_000)
        .ack(t + 2_500, 13, Lagrange, true)
        .prove(t + 25_000, 13, Lagrange, 400_000)
        .validate(t + HOUR, 13, Lagrange, true);
    // L4: open, its acknowledgement deadline (DEC + 90 s) after the window's end.
    s.pending(DEC - 30_000, 14, Lagrange, T, MAX);
    // L5: open, committed, its proving deadline (DEC + 5 min) after the window's end.
    s.pending(DEC - 5 * MINUTE, 15, Lagrange, T, MAX)
        .ack(DEC - 4 * MINUTE, 15, Lagrange, true);
    // L6: validation failed.
    let t = NOV + 3 * DAY + HOUR;
    s.pending(t, 16, Lagrange, T, MAX)
        .ack(t + 3_500, 16, Lagrange, true)
        .prove(t + 35_000, 16, Lagrange, 600_000)
        .validate(t + HOUR, 16, Lagrange, false);

    // No preferred network for a day: the request in between has no assignee.
    s.preferred(NOV + 11 * DAY, None)
        .submit(NOV + 12 * DAY, 17, None, Refused, T, MAX)
        .preferred(NOV + 13 * DAY, Some(Lagrange));

    s.claim(NOV + 20 * DAY, Fermah, 500_000, 1)
        .claim(NOV + 25 * DAY, Lagrange, 1_200_000, 2)
        .claim(DEC + 55_000, Fermah, 750_000, 2);

    s.raw(NOV + 14 * DAY, CONTRACT, vec![[0x99; 32]], vec![1, 2, 3]);
    let mut cut = ink::scale::Encode::encode(&proof_manager::ProofRequestAcknowledged {
        chain_id: 1,
        block_number: 1,
        accepted: true,
        assigned_to: Fermah,
    });
    cut.truncate(5);
    s.raw(
        NOV + 15 * DAY,
        CONTRACT,
        vec![signature("ProofRequestAcknowledged")],
        cut,
    );
    // The token's event in the same recording: not the contract's, left out.
    s.raw(NOV + 16 * DAY, OTHER_CONTRACT, vec![[0x99; 32]], vec![]);
    s
}

fn report(script: &Script, end: u64, month: &str, min_requests: u64) -> MonthReport {
    let store = script.store(end);
    let history = History::load(&store).unwrap();
    month_report(
        &history,
        CONTRACT,
        Month::parse(month).unwrap(),
        &ReportOptions { min_requests },
    )
    .unwrap()
}

fn fermah_november() -> NetworkMonth {
    NetworkMonth {
        // F1..F10.
        assigned: 10,
        // F8.
        refused_at_assignment: 1,
        // F3.
        refused: 1,
        // F1, F2, F6, F7, F9, F10.
        committed: 6,
        // F4 (purged), F5 (never marked).
        unacknowledged: 2,
        // F1, F2, F7, F9.
        proven: 4,
        // F6 (marked), F10 (never marked).
        timed_out: 2,
        // F1, F9.
        validated: 2,
        // F2.
        validation_failed: 1,
        open: 0,
        // 2 / (10 − 1).
        fulfilment_rate: Some(2.0 / 9.0),
        // Sorted 1000, 1001, 2000, 3000, 4000, 5000, 6000: rank ⌈3.5⌉ = 4 and ⌈6.65⌉ = 7.
        ack_latency_ms: Latency {
            p50: Some(3_000),
            p95: Some(6_000),
        },
        // Sorted 10000, 20000, 30000, 40001: rank ⌈2⌉ = 2 and ⌈3.8⌉ = 4.
        proof_latency_ms: Latency {
            p50: Some(20_000),
            p95: Some(40_001),
        },
        // (0.5 + 1.0 + 0.25 + 0.75) / 4.
        mean_price_ratio: Some(0.625),
        // F1 + F9.
        rewards_validated: 1_250_000,
        // The claim of Nov 21; the one of Dec 1 is December's.
        rewards_claimed: 500_000,
        ranked: false,
        rank: None,
    }
}

fn lagrange_november() -> NetworkMonth {
    NetworkMonth {
        // L2..L6; L1 is December's.
        assigned: 5,
        refused_at_assignment: 0,
        refused: 0,
        // L2, L3, L5, L6.
        committed: 4,
        unacknowledged: 0,
        // L2, L3, L6.
        proven: 3,
        timed_out: 0,
        // L2, L3.
        validated: 2,
        // L6.
        validation_failed: 1,
        // L4 (pending), L5 (committed).
        open: 2,
        fulfilment_rate: Some(2.0 / 5.0),
        // Sorted 1500, 2500, 3500, 60000: rank 2 and ⌈3.8⌉ = 4.
        ack_latency_ms: Latency {
            p50: Some(2_500),
            p95: Some(60_000),
        },
        // Sorted 15000, 25000, 35000: rank ⌈1.5⌉ = 2 and ⌈2.85⌉ = 3.
        proof_latency_ms: Latency {
            p50: Some(25_000),
            p95: Some(35_000),
        },
        // (0.8 + 0.5 + 0.6) / 3.
        mean_price_ratio: Some((0.8 + 0.5 + 0.6) / 3.0),
        rewards_validated: 1_200_000,
        rewards_claimed: 1_200_000,
        ranked: false,
        rank: None,
    }
}

fn assert_close(actual: Option<f64>, expected: Option<f64>, what: &str) {
    match (actual, expected) {
        (Some(a), Some(e)) => assert!((a - e).abs() < 1e-12, "{what}: {a} != {e}"),
        _ => assert_eq!(actual, expected, "{what}"),
    }
}

/// Compares every field, the floating-point ones to 1e-12.
fn assert_network(actual: &NetworkMonth, expected: &NetworkMonth, who: &str) {
    assert_close(actual.fulfilment_rate, expected.fulfilment_rate, who);
    assert_close(actual.mean_price_ratio, expected.mean_price_ratio, who);
    let exact = |n: &NetworkMonth| NetworkMonth {
        fulfilment_rate: None,
        mean_price_ratio: None,
        ..n.clone()
    };
    assert_eq!(exact(actual), exact(expected), "{who}");
}

#[test]
fn november_with_the_default_threshold_ranks_nobody_and_keeps_the_current_network() {
    let r = report(&november(), END, "2026-11", 20);
    assert_network(&r.networks.fermah, &fermah_november(), "Fermah");
    assert_network(&r.networks.lagrange, &lagrange_november(), "Lagrange");
    assert_eq!(r.month, "2026-11");
    assert_eq!(r.window_end_ms, END);
    // Set on Nov 14, after a day of None.
    assert_eq!(r.current_preferred, Some(Lagrange));
    assert_eq!(r.recommended_preferred, Some(Lagrange));
    assert!(
        r.reason
            .contains("no network has at least 20 eligible requests"),
        "{}",
        r.reason
    );
    assert!(r.reason.contains("Fermah 9, Lagrange 5"), "{}", r.reason);
    assert_eq!(r.unknown_events, 1);
    let d = &r.details;
    // F1..F10, L2..L6 and the one with no assignee.
    assert_eq!(d.submitted, 16);
    assert_eq!(d.unassigned, 1);
    assert_eq!(d.malformed.len(), 1);
    assert!(d.malformed[0].what.starts_with("ProofRequestAcknowledged"));
    assert_eq!(d.preferred_changes.len(), 2);
    assert_eq!(d.preferred_changes[0].value, None);
    assert_eq!(d.preferred_changes[1].value, Some(Lagrange));
    let statuses: Vec<_> = d.status_changes.iter().map(|c| c.value).collect();
    assert_eq!(
        statuses,
        [
            (Fermah, ProvingNetworkStatus::Inactive),
            (Fermah, ProvingNetworkStatus::Active)
        ]
    );
    assert!(d.inconsistent.is_empty(), "{:?}", d.inconsistent);
    assert_eq!(d.orphans, 0);
    assert!(!d.change_needed);
}

#[test]
fn a_lower_threshold_ranks_by_fulfilment_rate() {
    let r = report(&november(), END, "2026-11", 5);
    // Lagrange 2/5 = 0.4 beats Fermah 2/9.
    assert_eq!(
        (r.networks.lagrange.ranked, r.networks.lagrange.rank),
        (true, Some(1))
    );
    assert_eq!(
        (r.networks.fermah.ranked, r.networks.fermah.rank),
        (true, Some(2))
    );
    assert_eq!(r.recommended_preferred, Some(Lagrange));
    assert_eq!(r.details.decided_by, ["fulfilment rate"]);
    assert!(
        r.reason.contains("already the preferred network"),
        "{}",
        r.reason
    );
    assert!(!r.details.change_needed);
}

#[test]
fn a_threshold_only_one_network_meets_recommends_it() {
    let r = report(&november(), END, "2026-11", 6);
    assert_eq!(
        (r.networks.fermah.ranked, r.networks.fermah.rank),
        (true, Some(1))
    );
    assert_eq!(
        (r.networks.lagrange.ranked, r.networks.lagrange.rank),
        (false, None)
    );
    assert_eq!(r.recommended_preferred, Some(Fermah));
    assert!(r.details.change_needed);
    assert!(
        r.reason.contains("Lagrange not ranked (5 eligible"),
        "{}",
        r.reason
    );
    let markdown = proof_manager_audit::render::markdown(&r);
    let command = "--message update_preferred_proving_network --args 'Some(Fermah)' --url <URL> \
                   --suri <ADMIN_SURI> --execute";
    assert!(markdown.contains(command), "{markdown}");
}

#[test]
fn the_first_millisecond_of_december_is_decembers() {
    let r = report(&november(), END, "2026-12", 20);
    // L1, submitted at 00:00:00.000, ack deadline DEC + 120 s after the window's end.
    let lagrange = NetworkMonth {
        assigned: 1,
        open: 1,
        // 0 validated of 1 eligible.
        fulfilment_rate: Some(0.0),
        ..NetworkMonth::default()
    };
    assert_network(&r.networks.lagrange, &lagrange, "Lagrange");
    // F9 (23:59:59.999) is November's: December has only the claim.
    let fermah = NetworkMonth {
        rewards_claimed: 750_000,
        ..NetworkMonth::default()
    };
    assert_network(&r.networks.fermah, &fermah, "Fermah");
    assert_eq!(r.unknown_events, 0);
}

#[test]
fn a_month_with_no_traffic_says_so() {
    let r = report(&november(), END, "2026-10", 20);
    assert_eq!(r.networks, Networks::default());
    assert_eq!(r.details.submitted, 0);
    let markdown = proof_manager_audit::render::markdown(&r);
    assert!(
        markdown.contains("No request was submitted in 2026-10: there is nothing to score."),
        "{markdown}"
    );
    // The preferred network at the window's end, whatever month is reported.
    assert_eq!(r.recommended_preferred, Some(Lagrange));
}

#[test]
fn the_json_has_exactly_the_published_fields() {
    let r = report(&november(), END, "2026-11", 20);
    let json = serde_json::to_value(&r).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let mut top = vec![
        "month",
        "window_end_ms",
        "current_preferred",
        "recommended_preferred",
        "reason",
        "networks",
        "unknown_events",
    ];
    top.sort();
    assert_eq!(keys(&json), top);
    assert_eq!(keys(&json["networks"]), ["Fermah", "Lagrange"]);
    let mut fields = vec![
        "assigned",
        "refused_at_assignment",
        "refused",
        "committed",
        "unacknowledged",
        "proven",
        "timed_out",
        "validated",
        "validation_failed",
        "open",
        "fulfilment_rate",
        "ack_latency_ms",
        "proof_latency_ms",
        "mean_price_ratio",
        "rewards_validated",
        "rewards_claimed",
        "ranked",
        "rank",
    ];
    fields.sort();
    assert_eq!(keys(&json["networks"]["Fermah"]), fields);
    assert_eq!(
        keys(&json["networks"]["Fermah"]["ack_latency_ms"]),
        ["p50", "p95"]
    );
    assert_eq!(json["current_preferred"], "Lagrange");
    assert_eq!(json["networks"]["Lagrange"]["open"], 2);
    assert_eq!(
        json["networks"]["Fermah"]["proof_latency_ms"]["p95"],
        40_001
    );
    assert_eq!(json["networks"]["Fermah"]["rank"], serde_json::Value::Null);
    assert_eq!(json["unknown_events"], 1);
}

/// 20 requests per network, 18 validated and 2 failed; proof latencies `1..=20 × step` seconds
/// and rewards `reward` of 1,000.
fn even_month(preferred: ProvingNetwork, fermah: (u64, u128), lagrange: (u64, u128)) -> Script {
    let mut s = Script::new();
    s.deploy(OCT, Some(preferred));
    for (n, network, (step, reward)) in [(0, Fermah, fermah), (100, Lagrange, lagrange)] {
        for i in 0..20u64 {
            let id = n + i;
            let t = NOV + DAY + id * HOUR;
            s.pending(t, id, network, T, 1_000)
                .ack(t + 1_000, id, network, true)
                .prove(t + (i + 1) * step * 1_000, id, network, reward)
                .validate(t + 9 * MINUTE, id, network, i < 18);
        }
    }
    s
}

#[test]
fn equal_rates_are_ranked_by_p95_proof_latency() {
    // p95 is rank ⌈19⌉ = 19: 19 × 20 s for Fermah, 19 × 10 s for Lagrange.
    let r = report(
        &even_month(Fermah, (20, 500), (10, 900)),
        DEC,
        "2026-11",
        20,
    );
    assert_eq!(r.networks.fermah.proof_latency_ms.p95, Some(380_000));
    assert_eq!(r.networks.lagrange.proof_latency_ms.p95, Some(190_000));
    assert_eq!(r.networks.fermah.fulfilment_rate, Some(0.9));
    assert_eq!(r.recommended_preferred, Some(Lagrange));
    assert_eq!(r.details.ranking, [Lagrange, Fermah]);
    assert_eq!(r.details.decided_by, ["p95 proof latency"]);
    assert!(r.details.change_needed);
}

#[test]
fn equal_rates_and_latencies_are_ranked_by_price() {
    let r = report(
        &even_month(Lagrange, (10, 700), (10, 600)),
        DEC,
        "2026-11",
        20,
    );
    assert_close(r.networks.fermah.mean_price_ratio, Some(0.7), "Fermah");
    assert_close(r.networks.lagrange.mean_price_ratio, Some(0.6), "Lagrange");
    assert_eq!(r.details.ranking, [Lagrange, Fermah]);
    assert_eq!(r.details.decided_by, ["mean price ratio"]);
    assert!(!r.details.change_needed);
}

#[test]
fn a_full_tie_keeps_the_current_preferred_network() {
    let r = report(
        &even_month(Lagrange, (10, 700), (10, 700)),
        DEC,
        "2026-11",
        20,
    );
    assert_eq!(r.details.ranking, [Lagrange, Fermah]);
    assert_eq!(r.recommended_preferred, Some(Lagrange));
    assert!(r.details.decided_by[0].starts_with("a tie on all three"));
    let r = report(
        &even_month(Fermah, (10, 700), (10, 700)),
        DEC,
        "2026-11",
        20,
    );
    assert_eq!(r.details.ranking, [Fermah, Lagrange]);
}

#[test]
fn no_ranked_network_and_no_observed_preference_recommends_nothing() {
    let mut s = Script::new();
    s.pending(NOV + DAY, 1, Fermah, T, 1_000);
    let r = report(&s, DEC, "2026-11", 20);
    assert_eq!(r.current_preferred, None);
    assert_eq!(r.recommended_preferred, None);
    assert!(!r.details.current_preferred_known);
    assert!(
        r.reason
            .contains("unknown (no PreferredProvingNetworkUpdated"),
        "{}",
        r.reason
    );
    assert!(!r.details.change_needed);
}
