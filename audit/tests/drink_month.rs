//! November 2026 on the embedded drink chain, the release bundles driven through the harness:
//! every outcome for both networks, deadlines met at d and missed at d + 1 ms (purged, marked,
//! or neither), the last millisecond of the month and the first of the next, a key rotation,
//! status and preferred-network changes and a `set_code` upgrade with requests in flight. The
//! auditor's report of the recorded events must equal the one computed here by hand, field by
//! field, and so must the report of the same events after a JSON Lines export and import.
//!
//! Needs the bundles (`scripts/build.sh`).

use std::sync::OnceLock;

use proof_manager::ProofRequestStatus::{
    Committed, PendingAcknowledgement, Refused, TimedOut, Unacknowledged,
};
use proof_manager::ProvingNetwork::{Fermah, Lagrange};
use proof_manager::ProvingNetworkStatus::{Active, Inactive};
use proof_manager::{
    Error, ProofRequestExpired, ProofRequestParams, ProofRequestStatus, ProvingNetwork,
    ACK_TIMEOUT, MAX_REWARD, MAX_TIMEOUT_AFTER,
};
use proof_manager_audit::jsonl::{export, import};
use proof_manager_audit::{
    ingest_recorded, month_report, History, Month, MonthReport, RawEvent, ReportOptions, Store,
};
use proof_manager_e2e::{
    default_params, proof_manager_wasm, proof_of, request, submit_with, with_custom_section,
    AccountId, Chain, ADMIN, FERMAH, FERMAH_NEW_KEY, LAGRANGE, SUBMITTER, TOKEN,
};
use serde_json::{json, Value};

/// 2026-11-01T00:00:00Z.
const NOV: u64 = 1_793_491_200_000;
/// 2026-12-01T00:00:00Z.
const DEC: u64 = 1_796_083_200_000;
const SECOND: u64 = 1_000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
/// The proving window of most requests.
const TO: u64 = 10 * MINUTE;
/// Where the log starts: October 31, noon.
const START: u64 = NOV - 12 * HOUR;
/// The last block's time, the observed window's end: the acknowledgement deadline of the
/// request submitted at 23:59:59.999 on November 30.
const END: u64 = DEC - 1 + ACK_TIMEOUT;

/// November 2nd, 3rd, 4th, 10th and 16th, and the day Lagrange claims.
const A: u64 = NOV + DAY;
const B: u64 = NOV + 2 * DAY;
const C: u64 = NOV + 3 * DAY;
const D: u64 = NOV + 9 * DAY;
const E: u64 = NOV + 15 * DAY;
const LAGRANGE_CLAIMS: u64 = NOV + 24 * DAY;

/// What the chain recorded, and the window's ends.
struct Recording {
    contract: [u8; 32],
    events: Vec<RawEvent>,
    first_block: u64,
    last_block: u64,
    last_time: u64,
}

/// Builds a block at `t` unless the chain is already there, so that several calls can share a
/// block.
fn at(chain: &mut Chain, t: u64) {
    let now = chain.now();
    assert!(t >= now, "time goes back from {now} to {t}");
    if t > now {
        chain.set_time(t);
    }
}

fn params(timeout_after: u64) -> ProofRequestParams {
    ProofRequestParams {
        timeout_after,
        ..default_params()
    }
}

/// Submits `request(n)` at `t` with the largest reward and checks the round robin's choice.
fn submit_at(
    chain: &mut Chain,
    t: u64,
    n: u64,
    timeout_after: u64,
    assignee: Option<ProvingNetwork>,
) {
    at(chain, t);
    assert_eq!(
        submit_with(chain, n, &params(timeout_after)),
        assignee,
        "request {n}"
    );
}

fn ack(chain: &mut Chain, t: u64, key: AccountId, n: u64, accept: bool) {
    at(chain, t);
    chain
        .acknowledge_proof_request(key, request(n), accept)
        .unwrap_or_else(|e| panic!("acknowledging {n}: {e:?}"));
}

fn prove_at(chain: &mut Chain, t: u64, key: AccountId, n: u64, reward: u128) {
    at(chain, t);
    chain
        .submit_proof(key, request(n), &proof_of(64), reward)
        .unwrap_or_else(|e| panic!("proving {n}: {e:?}"));
}

fn verdict(chain: &mut Chain, t: u64, n: u64, valid: bool) {
    at(chain, t);
    chain
        .submit_proof_validation_result(SUBMITTER, request(n), valid)
        .unwrap_or_else(|e| panic!("validating {n}: {e:?}"));
}

fn set_status(chain: &mut Chain, t: u64, network: ProvingNetwork, active: bool) {
    at(chain, t);
    let status = if active { Active } else { Inactive };
    chain
        .update_proving_network_status(ADMIN, network, status)
        .expect("admin sets a status");
}

fn prefer(chain: &mut Chain, t: u64, network: Option<ProvingNetwork>) {
    at(chain, t);
    chain
        .update_preferred_proving_network(ADMIN, network)
        .expect("admin sets the preferred network");
}

fn claim(chain: &mut Chain, t: u64, key: AccountId) -> u128 {
    at(chain, t);
    chain.claim_reward(key).expect("a claim")
}

fn expired(
    n: u64,
    network: ProvingNetwork,
    status: ProofRequestStatus,
    purged: bool,
) -> ProofRequestExpired {
    ProofRequestExpired {
        chain_id: 1,
        block_number: n,
        assigned_to: network,
        status,
        purged,
    }
}

/// The month, scripted. The round robin assigns counter 0 (mod 4) to Fermah, 1 to Lagrange, 2
/// and 3 to the preferred network; the comments give each submission's counter.
fn script() -> Recording {
    let mut chain = Chain::new();
    let c = &mut chain;
    c.set_time(START);
    c.keep_event_log();
    c.fund(1_000 * TOKEN);
    prefer(c, START, Some(Fermah));
    let first_block = c.block_number();

    // Nov 2: validated, validation failed, refused.
    submit_at(c, A, 1, TO, Some(Fermah)); // 0
    ack(c, A + SECOND, FERMAH, 1, true);
    prove_at(c, A + 30 * SECOND, FERMAH, 1, MAX_REWARD / 2);
    verdict(c, A + MINUTE, 1, true);
    let a1 = A + HOUR;
    submit_at(c, a1, 2, TO, Some(Lagrange)); // 1
    ack(c, a1 + 2 * SECOND, LAGRANGE, 2, true);
    prove_at(c, a1 + 20 * SECOND, LAGRANGE, 2, MAX_REWARD);
    verdict(c, a1 + MINUTE, 2, true);
    let a2 = A + 2 * HOUR;
    submit_at(c, a2, 3, TO, Some(Fermah)); // 2
                                           // At its acknowledgement deadline d exactly: still in time.
    ack(c, a2 + ACK_TIMEOUT, FERMAH, 3, true);
    // Twice the request's max_reward: the contract caps it.
    prove_at(c, a2 + 5 * MINUTE, FERMAH, 3, 2 * MAX_REWARD);
    verdict(c, a2 + 6 * MINUTE, 3, false);
    let a3 = A + 3 * HOUR;
    submit_at(c, a3, 4, TO, Some(Fermah)); // 3
    ack(c, a3 + 5 * SECOND, FERMAH, 4, false);

    // Nov 3: acknowledgement deadlines, one marked and one purged.
    submit_at(c, B, 5, TO, Some(Fermah)); // 4
    let d5 = B + ACK_TIMEOUT;
    at(c, d5);
    assert_eq!(
        c.mark_unacknowledged(SUBMITTER, request(5)),
        Err(Error::DeadlineNotPassed(d5))
    );
    at(c, d5 + 1);
    assert_eq!(
        c.acknowledge_proof_request(FERMAH, request(5), true),
        Err(Error::ProofRequestAcknowledgementDeadlinePassed(d5))
    );
    c.mark_unacknowledged(SUBMITTER, request(5))
        .expect("marked at d + 1");
    assert_eq!(
        c.events::<ProofRequestExpired>(),
        [expired(5, Fermah, Unacknowledged, false)]
    );
    let b1 = B + HOUR;
    submit_at(c, b1, 6, TO, Some(Lagrange)); // 5
    let d6 = b1 + ACK_TIMEOUT;
    // A submission at request 6's deadline does not purge it; one a millisecond later does.
    submit_at(c, d6, 7, TO, Some(Fermah)); // 6
    assert_eq!(c.events::<ProofRequestExpired>(), []);
    submit_at(c, d6 + 1, 8, 2 * TO, Some(Fermah)); // 7
    assert_eq!(
        c.events::<ProofRequestExpired>(),
        [expired(6, Lagrange, Unacknowledged, true)]
    );
    ack(c, d6 + 3 * SECOND, FERMAH, 7, true);
    ack(c, d6 + 1 + 4 * SECOND, FERMAH, 8, true);
    // Proving deadlines: request 7 not provable at d + 1 and marked then, request 8 proven at d.
    let d7 = d6 + TO;
    at(c, d7);
    assert_eq!(
        c.mark_timed_out(SUBMITTER, request(7)),
        Err(Error::DeadlineNotPassed(d7))
    );
    at(c, d7 + 1);
    assert_eq!(
        c.submit_proof(FERMAH, request(7), &proof_of(64), MAX_REWARD),
        Err(Error::ProofRequestProvingDeadlinePassed(d7))
    );
    c.mark_timed_out(SUBMITTER, request(7))
        .expect("marked at d + 1");
    assert_eq!(
        c.events::<ProofRequestExpired>(),
        [expired(7, Fermah, TimedOut, false)]
    );
    prove_at(c, d6 + 1 + 2 * TO, FERMAH, 8, MAX_REWARD / 4);

    // Nov 4: a proving deadline purged.
    submit_at(c, C, 9, TO, Some(Fermah)); // 8
    ack(c, C + SECOND, FERMAH, 9, true);
    let d9 = C + TO;
    submit_at(c, d9, 10, TO, Some(Lagrange)); // 9
    assert_eq!(c.events::<ProofRequestExpired>(), []);
    submit_at(c, d9 + 1, 11, TO, Some(Fermah)); // 10
    assert_eq!(
        c.events::<ProofRequestExpired>(),
        [expired(9, Fermah, TimedOut, true)]
    );
    ack(c, d9 + 1 + 2 * SECOND, FERMAH, 11, true);
    ack(c, d9 + 6 * SECOND, LAGRANGE, 10, false);
    prove_at(c, d9 + 1 + 50 * SECOND, FERMAH, 11, 3 * MAX_REWARD / 4);
    verdict(c, d9 + 2 * MINUTE, 11, true);

    // Nov 10: Fermah claims requests 1 and 11; its key is rotated and the code upgraded while
    // requests 12 and 13 are in flight; then each network is Inactive for an hour.
    assert_eq!(claim(c, D, FERMAH), MAX_REWARD / 2 + 3 * MAX_REWARD / 4);
    let d2 = D + 2 * HOUR;
    submit_at(c, d2, 12, MAX_TIMEOUT_AFTER, Some(Fermah)); // 11
    ack(c, d2 + SECOND, FERMAH, 12, true);
    let d3 = D + 3 * HOUR;
    submit_at(c, d3, 13, TO, Some(Fermah)); // 12
    at(c, d3 + 10 * SECOND);
    c.update_proving_network_address(ADMIN, Fermah, FERMAH_NEW_KEY)
        .expect("admin rotates Fermah's key");
    at(c, d3 + 20 * SECOND);
    assert_eq!(
        c.acknowledge_proof_request(FERMAH, request(13), true),
        Err(Error::OnlyProvingNetworkAssigneeAllowed(FERMAH))
    );
    ack(c, d3 + 20 * SECOND, FERMAH_NEW_KEY, 13, true);
    at(c, d3 + 30 * SECOND);
    let upgrade = c.upload(with_custom_section(&proof_manager_wasm(), "audit-test"));
    c.set_code(ADMIN, upgrade).expect("admin upgrades");
    let manager = c.manager;
    assert_eq!(c.code_hash(manager), Some(upgrade));
    prove_at(c, d3 + 40 * SECOND, FERMAH_NEW_KEY, 12, MAX_REWARD / 2);
    prove_at(c, d3 + 50 * SECOND, FERMAH_NEW_KEY, 13, MAX_REWARD);
    verdict(c, d3 + MINUTE, 12, true);
    verdict(c, d3 + MINUTE, 13, true);
    set_status(c, d3 + 70 * SECOND, Lagrange, false);
    submit_at(c, D + 4 * HOUR, 14, TO, Some(Lagrange)); // 13
    assert_eq!(c.status(request(14)), Refused);
    set_status(c, D + 5 * HOUR, Lagrange, true);
    set_status(c, D + 5 * HOUR, Fermah, false);
    submit_at(c, D + 6 * HOUR, 15, TO, Some(Fermah)); // 14
    assert_eq!(c.status(request(15)), Refused);
    set_status(c, D + 7 * HOUR, Fermah, true);
    at(c, D + 8 * HOUR);
    assert_eq!(
        c.claim_reward(FERMAH),
        Err(Error::OnlyProvingNetworkAllowed(FERMAH))
    );
    assert_eq!(
        claim(c, D + 8 * HOUR, FERMAH_NEW_KEY),
        MAX_REWARD / 2 + MAX_REWARD
    );

    // Nov 16: Lagrange becomes the preferred network.
    prefer(c, E, Some(Lagrange));
    let e = |hours: u64| E + hours * HOUR;
    submit_at(c, e(1), 16, TO, Some(Lagrange)); // 15
    ack(c, e(1) + 1_500, LAGRANGE, 16, true);
    prove_at(c, e(1) + 15 * SECOND, LAGRANGE, 16, MAX_REWARD / 2);
    verdict(c, e(1) + MINUTE, 16, true);
    submit_at(c, e(2), 17, TO, Some(Fermah)); // 16
    ack(c, e(2) + 2_500, FERMAH_NEW_KEY, 17, true);
    prove_at(c, e(2) + 25 * SECOND, FERMAH_NEW_KEY, 17, MAX_REWARD / 4);
    verdict(c, e(2) + MINUTE, 17, true);
    submit_at(c, e(3), 18, TO, Some(Lagrange)); // 17
    ack(c, e(3) + 3_500, LAGRANGE, 18, true);
    prove_at(c, e(3) + 35 * SECOND, LAGRANGE, 18, 3 * MAX_REWARD / 4);
    verdict(c, e(3) + MINUTE, 18, false);
    submit_at(c, e(4), 19, TO, Some(Lagrange)); // 18
    ack(c, e(4) + 4_500, LAGRANGE, 19, true);
    submit_at(c, e(5), 20, TO, Some(Lagrange)); // 19
    assert_eq!(
        c.events::<ProofRequestExpired>(),
        [expired(19, Lagrange, TimedOut, true)]
    );
    ack(c, e(5) + 5_500, LAGRANGE, 20, true);
    prove_at(c, e(5) + 45 * SECOND, LAGRANGE, 20, MAX_REWARD);
    submit_at(c, e(6), 21, TO, Some(Fermah)); // 20
    submit_at(c, e(7), 22, TO, Some(Lagrange)); // 21
    assert_eq!(
        c.events::<ProofRequestExpired>(),
        [expired(21, Fermah, Unacknowledged, true)]
    );
    ack(c, e(7) + 6_500, LAGRANGE, 22, false);
    // An hour with no preferred network: counter 22 falls to none.
    prefer(c, e(8), None);
    submit_at(c, e(8), 23, TO, None); // 22
    prefer(c, e(9), Some(Lagrange));

    // Nov 25: Lagrange claims requests 2 and 16.
    assert_eq!(
        claim(c, LAGRANGE_CLAIMS, LAGRANGE),
        MAX_REWARD + MAX_REWARD / 2
    );

    // November 30 into December 1: deadlines at the window's end, neither purged nor marked.
    // Request 24's proving deadline is END: open. Requests 25 and 26's are END − 1: timed out.
    let t24 = DEC - HOUR;
    submit_at(c, t24, 24, END - t24, Some(Lagrange)); // 23
    ack(c, t24 + SECOND, LAGRANGE, 24, true);
    let t25 = DEC - 50 * MINUTE;
    submit_at(c, t25, 25, END - 1 - t25, Some(Fermah)); // 24
    ack(c, t25 + SECOND, FERMAH_NEW_KEY, 25, true);
    let t26 = DEC - 40 * MINUTE;
    submit_at(c, t26, 26, END - 1 - t26, Some(Lagrange)); // 25
    ack(c, t26 + SECOND, LAGRANGE, 26, true);
    let t27 = DEC - 30 * MINUTE;
    submit_at(c, t27, 27, TO, Some(Lagrange)); // 26
    ack(c, t27 + 2 * SECOND, LAGRANGE, 27, true);
    prove_at(c, t27 + MINUTE, LAGRANGE, 27, MAX_REWARD / 2);
    // 23:59:59.998: acknowledgement deadline END − 1, unacknowledged by 1 ms.
    submit_at(c, DEC - 2, 28, TO, Some(Lagrange)); // 27
    assert_eq!(c.events::<ProofRequestExpired>(), []);
    // 23:59:59.999, November's: acknowledgement deadline END, open.
    submit_at(c, DEC - 1, 29, TO, Some(Fermah)); // 28
    assert_eq!(c.events::<ProofRequestExpired>(), []);
    // 00:00:00.000, December's.
    submit_at(c, DEC, 30, TO, Some(Lagrange)); // 29
    assert_eq!(c.events::<ProofRequestExpired>(), []);
    verdict(c, END, 27, true);
    assert_eq!(claim(c, END, LAGRANGE), MAX_REWARD / 2);
    assert_eq!(claim(c, END, FERMAH_NEW_KEY), MAX_REWARD / 4);

    // The contract's own view at the window's end, which the auditor must reach from the events.
    for (n, status) in [
        (24, Committed),
        (25, TimedOut),
        (26, TimedOut),
        (28, Unacknowledged),
        (29, PendingAcknowledgement),
        (30, PendingAcknowledgement),
    ] {
        assert_eq!(c.status(request(n)), status, "request {n}");
    }

    let events: Vec<RawEvent> = c
        .event_log()
        .iter()
        .map(|e| RawEvent {
            block_number: e.block_number,
            event_index: e.event_index,
            block_time_ms: e.block_time_ms,
            contract: e.event.contract.0,
            topics: e.event.topics.clone(),
            data: e.event.data.clone(),
        })
        .collect();
    assert!(
        events.iter().any(|e| e.contract != manager.0),
        "the token's events are in the log, for the auditor to leave out"
    );
    Recording {
        contract: manager.0,
        events,
        first_block,
        last_block: c.block_number(),
        last_time: c.now(),
    }
}

fn november() -> &'static Recording {
    static RECORDING: OnceLock<Recording> = OnceLock::new();
    RECORDING.get_or_init(script)
}

fn ingested(recording: &Recording) -> Store {
    let mut store = Store::open_in_memory().expect("store");
    ingest_recorded(
        &mut store,
        recording.contract,
        recording.events.clone(),
        recording.last_block,
        recording.last_time,
    )
    .expect("ingest");
    store
}

fn report_of(store: &Store, month: &str, min_requests: u64) -> MonthReport {
    let history = History::load(store).expect("history");
    month_report(
        &history,
        november().contract,
        Month::parse(month).expect("month"),
        &ReportOptions { min_requests },
    )
    .expect("report")
}

/// `actual` must equal `expected` leaf by leaf (each difference named by its path) and have no
/// field `expected` lacks.
fn assert_same(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let mut a_keys: Vec<_> = a.keys().collect();
            let mut e_keys: Vec<_> = e.keys().collect();
            a_keys.sort();
            e_keys.sort();
            assert_eq!(a_keys, e_keys, "the fields of {path}");
            for (key, value) in e {
                assert_same(&a[key], value, &format!("{path}.{key}"));
            }
        }
        _ => assert_eq!(actual, expected, "{path}"),
    }
}

/// The report's JSON, as `report --json` writes it, against the one computed by hand.
fn assert_json(report: &MonthReport, expected: &Value) {
    let json = serde_json::to_value(report).expect("json");
    assert_same(&json, expected, "report");
}

/// Fermah's November: requests 1, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 17, 21, 25, 29.
fn fermah_november(ranked: bool) -> Value {
    json!({
        // The fifteen above.
        "assigned": 15,
        // 15, submitted while Fermah was Inactive.
        "refused_at_assignment": 1,
        // 4.
        "refused": 1,
        // 1, 3, 7, 8, 9, 11, 12, 13, 17, 25.
        "committed": 10,
        // 5 (marked at d + 1), 21 (purged).
        "unacknowledged": 2,
        // 1, 3, 8, 11, 12, 13, 17.
        "proven": 7,
        // 7 (marked at d + 1), 9 (purged at d + 1), 25 (END − 1, neither).
        "timed_out": 3,
        // 1, 11, 12, 13, 17.
        "validated": 5,
        // 3.
        "validation_failed": 1,
        // 29, submitted at 23:59:59.999 with its acknowledgement deadline at END.
        "open": 1,
        // 5 / (15 − 1).
        "fulfilment_rate": 5.0 / 14.0,
        // 1: 1000, 3: 120000, 4: 5000, 7: 3000, 8: 4000, 9: 1000, 11: 2000, 12: 1000,
        // 13: 20000, 17: 2500, 25: 1000; sorted 1000 ×4, 2000, 2500, 3000, 4000, 5000, 20000,
        // 120000: p50 is rank ⌈5.5⌉ = 6, p95 rank ⌈10.45⌉ = 11.
        "ack_latency_ms": { "p50": 2_500, "p95": 120_000 },
        // 1: 30000, 3: 300000, 8: 1200000, 11: 50000, 12: 3640000 (1 h 40 s), 13: 50000,
        // 17: 25000; sorted 25000, 30000, 50000, 50000, 300000, 1200000, 3640000: p50 is rank
        // ⌈3.5⌉ = 4, p95 rank ⌈6.65⌉ = 7.
        "proof_latency_ms": { "p50": 50_000, "p95": 3_640_000 },
        // 1: 0.5, 3: 1 (capped), 8: 0.25, 11: 0.75, 12: 0.5, 13: 1, 17: 0.25; sum 4.25.
        "mean_price_ratio": 4.25 / 7.0,
        // 1: 2.5, 11: 3.75, 12: 2.5, 13: 5, 17: 1.25 (tokens).
        "rewards_validated": 15_000_000,
        // Nov 10: 1 and 11, 6.25 tokens; then 12 and 13 by the new key, 7.5. 17 is claimed in
        // December.
        "rewards_claimed": 13_750_000,
        "ranked": ranked,
        "rank": (if ranked { json!(1) } else { Value::Null }),
    })
}

/// Lagrange's November: requests 2, 6, 10, 14, 16, 18, 19, 20, 22, 24, 26, 27, 28.
fn lagrange_november(ranked: bool) -> Value {
    json!({
        "assigned": 13,
        // 14, submitted while Lagrange was Inactive.
        "refused_at_assignment": 1,
        // 10, 22.
        "refused": 2,
        // 2, 16, 18, 19, 20, 24, 26, 27.
        "committed": 8,
        // 6 (purged at d + 1, not at d), 28 (END − 1, neither).
        "unacknowledged": 2,
        // 2, 16, 18, 20, 27.
        "proven": 5,
        // 19 (purged), 26 (END − 1, neither).
        "timed_out": 2,
        // 2, 16, 27 (validated at END).
        "validated": 3,
        // 18.
        "validation_failed": 1,
        // 24, its proving deadline at END.
        "open": 1,
        // 3 / (13 − 1).
        "fulfilment_rate": 0.25,
        // 2: 2000, 10: 6000, 16: 1500, 18: 3500, 19: 4500, 20: 5500, 22: 6500, 24: 1000,
        // 26: 1000, 27: 2000; sorted 1000, 1000, 1500, 2000, 2000, 3500, 4500, 5500, 6000,
        // 6500: p50 is rank 5, p95 rank ⌈9.5⌉ = 10.
        "ack_latency_ms": { "p50": 2_000, "p95": 6_500 },
        // 2: 20000, 16: 15000, 18: 35000, 20: 45000, 27: 60000; p50 is rank ⌈2.5⌉ = 3, p95
        // rank ⌈4.75⌉ = 5.
        "proof_latency_ms": { "p50": 35_000, "p95": 60_000 },
        // 2: 1, 16: 0.5, 18: 0.75, 20: 1, 27: 0.5; sum 3.75.
        "mean_price_ratio": 3.75 / 5.0,
        // 2: 5, 16: 2.5, 27: 2.5 (tokens).
        "rewards_validated": 10_000_000,
        // Nov 25: 2 and 16. 27 is claimed at END, in December.
        "rewards_claimed": 7_500_000,
        "ranked": ranked,
        "rank": (if ranked { json!(2) } else { Value::Null }),
    })
}

#[test]
fn november_on_drink_gives_the_hand_computed_report() {
    let recording = november();
    assert_eq!(recording.last_time, END);
    let store = ingested(recording);
    // With 10 eligible requests needed, both are ranked: Fermah's 5/14 beats Lagrange's 3/12.
    let report = report_of(&store, "2026-11", 10);
    let expected = json!({
        "month": "2026-11",
        "window_end_ms": END,
        // Set on Nov 16, None for an hour from 08:00, Lagrange again from 09:00.
        "current_preferred": "Lagrange",
        "recommended_preferred": "Fermah",
        "reason": "Fermah ranks first (fulfilment rate 0.3571 (5/14), p95 proof latency \
                   3640000 ms, mean price ratio 0.6071); Lagrange ranks next (fulfilment rate \
                   0.2500 (3/12), p95 proof latency 60000 ms, mean price ratio 0.7500), decided \
                   by fulfilment rate; switch from Lagrange to Fermah",
        "networks": { "Fermah": fermah_november(true), "Lagrange": lagrange_november(true) },
        "unknown_events": 0,
    });
    assert_json(&report, &expected);

    let d = &report.details;
    assert_eq!(d.contract, recording.contract);
    assert_eq!((d.month_start_ms, d.month_end_ms), (NOV, DEC));
    assert_eq!(d.window_start_ms, START);
    assert_eq!(d.window_first_block, recording.first_block);
    assert_eq!(d.window_last_block, recording.last_block);
    // Counters 0..=28; counter 22 (request 23) had no assignee.
    assert_eq!(d.submitted, 29);
    assert_eq!(d.unassigned, 1);
    assert!(d.current_preferred_known);
    assert_eq!(d.min_requests, 10);
    assert_eq!(d.ranking, [Fermah, Lagrange]);
    assert_eq!(d.decided_by, ["fulfilment rate"]);
    assert!(d.change_needed);
    assert!(!d.recommended_inactive);
    let preferred: Vec<_> = d
        .preferred_changes
        .iter()
        .map(|c| (c.at.time_ms, c.value))
        .collect();
    assert_eq!(
        preferred,
        [
            (E, Some(Lagrange)),
            (E + 8 * HOUR, None),
            (E + 9 * HOUR, Some(Lagrange))
        ]
    );
    let statuses: Vec<_> = d
        .status_changes
        .iter()
        .map(|c| (c.at.time_ms, c.value))
        .collect();
    let d3 = D + 3 * HOUR;
    assert_eq!(
        statuses,
        [
            (d3 + 70 * SECOND, (Lagrange, Inactive)),
            (D + 5 * HOUR, (Lagrange, Active)),
            (D + 5 * HOUR, (Fermah, Inactive)),
            (D + 7 * HOUR, (Fermah, Active)),
        ]
    );
    assert!(d.unknown_signatures.is_empty());
    assert_eq!((d.unknown_events_in_window, d.malformed_in_window), (0, 0));
    assert!(d.malformed.is_empty());
    assert_eq!(d.orphans, 0);
    assert!(d.inconsistent.is_empty(), "{:?}", d.inconsistent);

    let markdown = proof_manager_audit::render::markdown(&report);
    assert!(
        markdown.contains(
            "--message update_preferred_proving_network --args 'Some(Fermah)' --url <URL>"
        ),
        "{markdown}"
    );
}

#[test]
fn with_the_default_threshold_neither_network_is_ranked_and_lagrange_stays() {
    let report = report_of(&ingested(november()), "2026-11", 20);
    let expected = json!({
        "month": "2026-11",
        "window_end_ms": END,
        "current_preferred": "Lagrange",
        "recommended_preferred": "Lagrange",
        // Eligible: Fermah 15 − 1, Lagrange 13 − 1.
        "reason": "no network has at least 20 eligible requests (assigned − refused at \
                   assignment) in 2026-11: Fermah 14, Lagrange 12; keep the current preferred \
                   network, Lagrange",
        "networks": { "Fermah": fermah_november(false), "Lagrange": lagrange_november(false) },
        "unknown_events": 0,
    });
    assert_json(&report, &expected);
    assert!(report.details.ranking.is_empty());
    assert!(!report.details.change_needed);
}

#[test]
fn december_has_the_request_of_its_first_millisecond_and_the_claims_at_the_window_end() {
    let report = report_of(&ingested(november()), "2026-12", 10);
    let nothing = json!({ "p50": null, "p95": null });
    let expected = json!({
        "month": "2026-12",
        "window_end_ms": END,
        "current_preferred": "Lagrange",
        "recommended_preferred": "Lagrange",
        "reason": "no network has at least 10 eligible requests (assigned − refused at \
                   assignment) in 2026-12: Fermah 0, Lagrange 1; keep the current preferred \
                   network, Lagrange",
        "networks": {
            // Request 29 (23:59:59.999) is November's; December has only the claim of 17.
            "Fermah": {
                "assigned": 0, "refused_at_assignment": 0, "refused": 0, "committed": 0,
                "unacknowledged": 0, "proven": 0, "timed_out": 0, "validated": 0,
                "validation_failed": 0, "open": 0, "fulfilment_rate": null,
                "ack_latency_ms": nothing, "proof_latency_ms": nothing,
                "mean_price_ratio": null, "rewards_validated": 0,
                "rewards_claimed": 1_250_000, "ranked": false, "rank": null,
            },
            // Request 30 (00:00:00.000), its acknowledgement deadline 1 ms after END; and the
            // claim of 27.
            "Lagrange": {
                "assigned": 1, "refused_at_assignment": 0, "refused": 0, "committed": 0,
                "unacknowledged": 0, "proven": 0, "timed_out": 0, "validated": 0,
                "validation_failed": 0, "open": 1, "fulfilment_rate": 0.0,
                "ack_latency_ms": nothing, "proof_latency_ms": nothing,
                "mean_price_ratio": null, "rewards_validated": 0,
                "rewards_claimed": 2_500_000, "ranked": false, "rank": null,
            },
        },
        "unknown_events": 0,
    });
    assert_json(&report, &expected);
    assert_eq!(report.details.submitted, 1);
    assert!(report.details.preferred_changes.is_empty());
    assert!(report.details.status_changes.is_empty());
}

#[test]
fn the_month_through_a_jsonl_export_and_import_gives_the_same_report() {
    let recording = november();
    let store = ingested(recording);
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("2026-11.jsonl");
    let exported = export(&store, &log).expect("export");
    let manager_events = recording
        .events
        .iter()
        .filter(|e| e.contract == recording.contract)
        .count() as u64;
    assert_eq!((exported.events, exported.undecoded), (manager_events, 0));

    let mut copy = Store::open(dir.path().join("copy.sqlite")).expect("store");
    let imported = import(&mut copy, &log).expect("import");
    assert_eq!(imported.new_events, manager_events);
    assert_eq!(imported.window, store.window().unwrap().unwrap());
    for month in ["2026-11", "2026-12"] {
        assert_eq!(
            report_of(&copy, month, 10),
            report_of(&store, month, 10),
            "{month}"
        );
    }

    // The same recording ingested again, and the log imported again, add nothing.
    let mut again = ingested(recording);
    let summary = ingest_recorded(
        &mut again,
        recording.contract,
        recording.events.clone(),
        recording.last_block,
        recording.last_time,
    )
    .expect("ingest again");
    assert_eq!(summary.events_stored, 0);
    assert_eq!(import(&mut copy, &log).expect("import").new_events, 0);
}
