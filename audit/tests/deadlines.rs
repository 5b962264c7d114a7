//! Deadline boundaries: a deadline `d` has passed once the time is after it, `d + 1`, exactly as
//! the contract compares, with and without a `ProofRequestExpired` event.

mod support;

use proof_manager::{ProofRequestStatus::*, ACK_TIMEOUT};
use proof_manager_audit::{month_report, History, Month, NetworkMonth, Outcome, ReportOptions};
use support::*;

const T: u64 = 10 * MINUTE;
const S: u64 = NOV + DAY;
const ACK_DEADLINE: u64 = S + ACK_TIMEOUT;
const PROVING_DEADLINE: u64 = S + T;

fn fermah(script: &Script, end: u64) -> (NetworkMonth, usize) {
    let store = script.store(end);
    let history = History::load(&store).unwrap();
    let report = month_report(
        &history,
        CONTRACT,
        Month::parse("2026-11").unwrap(),
        &ReportOptions::default(),
    )
    .unwrap();
    (report.networks.fermah, report.details.inconsistent.len())
}

fn outcome(script: &Script, end: u64) -> Outcome {
    let store = script.store(end);
    History::load(&store).unwrap().requests[0].outcome(end)
}

fn pending() -> Script {
    let mut s = Script::new();
    s.pending(S, 1, Fermah, T, 1_000);
    s
}

fn committed() -> Script {
    let mut s = pending();
    s.ack(S + 1_000, 1, Fermah, true);
    s
}

#[test]
fn pending_at_its_ack_deadline_is_open() {
    assert_eq!(outcome(&pending(), ACK_DEADLINE), Outcome::OpenPending);
    let (f, _) = fermah(&pending(), ACK_DEADLINE);
    assert_eq!((f.open, f.unacknowledged), (1, 0));
}

#[test]
fn pending_one_ms_after_its_ack_deadline_is_unacknowledged_without_an_expired_event() {
    assert_eq!(
        outcome(&pending(), ACK_DEADLINE + 1),
        Outcome::Unacknowledged
    );
    let (f, inconsistent) = fermah(&pending(), ACK_DEADLINE + 1);
    assert_eq!((f.open, f.unacknowledged, inconsistent), (0, 1, 0));
}

#[test]
fn pending_marked_one_ms_after_its_ack_deadline_is_unacknowledged() {
    let mut s = pending();
    s.expire(ACK_DEADLINE + 1, 1, Fermah, Unacknowledged, false);
    let (f, inconsistent) = fermah(&s, ACK_DEADLINE + 1);
    assert_eq!((f.open, f.unacknowledged, inconsistent), (0, 1, 0));
}

#[test]
fn an_expired_event_at_the_ack_deadline_itself_contradicts_the_contract() {
    let mut s = pending();
    s.expire(ACK_DEADLINE, 1, Fermah, Unacknowledged, true);
    let (f, inconsistent) = fermah(&s, ACK_DEADLINE);
    assert_eq!((f.open, f.unacknowledged, inconsistent), (1, 0, 1));
}

#[test]
fn an_acknowledgement_at_the_deadline_counts_and_one_after_it_does_not() {
    let mut at = pending();
    at.ack(ACK_DEADLINE, 1, Fermah, true);
    let (f, inconsistent) = fermah(&at, ACK_DEADLINE + 1);
    assert_eq!((f.committed, f.unacknowledged, inconsistent), (1, 0, 0));
    assert_eq!(f.ack_latency_ms.p50, Some(ACK_TIMEOUT));

    let mut late = pending();
    late.ack(ACK_DEADLINE + 1, 1, Fermah, true);
    let (f, inconsistent) = fermah(&late, ACK_DEADLINE + 1);
    assert_eq!((f.committed, f.unacknowledged, inconsistent), (0, 1, 1));
}

#[test]
fn committed_at_its_proving_deadline_is_open() {
    assert_eq!(
        outcome(&committed(), PROVING_DEADLINE),
        Outcome::OpenCommitted
    );
    let (f, _) = fermah(&committed(), PROVING_DEADLINE);
    assert_eq!((f.committed, f.open, f.timed_out), (1, 1, 0));
}

#[test]
fn committed_one_ms_after_its_proving_deadline_is_timed_out_without_an_expired_event() {
    assert_eq!(
        outcome(&committed(), PROVING_DEADLINE + 1),
        Outcome::TimedOut
    );
    let (f, inconsistent) = fermah(&committed(), PROVING_DEADLINE + 1);
    assert_eq!((f.open, f.timed_out, inconsistent), (0, 1, 0));
}

#[test]
fn committed_purged_one_ms_after_its_proving_deadline_is_timed_out() {
    let mut s = committed();
    s.expire(PROVING_DEADLINE + 1, 1, Fermah, TimedOut, true);
    let (f, inconsistent) = fermah(&s, PROVING_DEADLINE + 1);
    assert_eq!((f.open, f.timed_out, inconsistent), (0, 1, 0));
}

#[test]
fn a_proof_at_the_proving_deadline_counts_and_one_after_it_does_not() {
    let mut at = committed();
    at.prove(PROVING_DEADLINE, 1, Fermah, 400);
    let (f, inconsistent) = fermah(&at, PROVING_DEADLINE + 1);
    assert_eq!((f.proven, f.timed_out, inconsistent), (1, 0, 0));
    assert_eq!(f.proof_latency_ms.p95, Some(T));
    assert_eq!(f.mean_price_ratio, Some(0.4));

    let mut late = committed();
    late.prove(PROVING_DEADLINE + 1, 1, Fermah, 400);
    let (f, inconsistent) = fermah(&late, PROVING_DEADLINE + 1);
    assert_eq!((f.proven, f.timed_out, inconsistent), (0, 1, 1));
}
