//! The store: idempotent ingestion, resumption after a stop at any block, one contract per
//! store, and events that cannot be read.

mod support;

use proof_manager::ProofRequestStatus::*;
use proof_manager_audit::source::{follow, RecordedSource};
use proof_manager_audit::store::Cursor;
use proof_manager_audit::{
    ingest_recorded, month_report, Error, EventSource, History, Month, ReportOptions, SourceBlock,
    Store,
};
use support::*;

const T: u64 = 10 * MINUTE;

/// A small month: requests acknowledged, proven, validated and expired across several blocks.
fn script() -> Script {
    let mut s = Script::new();
    s.deploy(NOV, Some(Fermah));
    for i in 0..12u64 {
        let t = NOV + HOUR + i * 10 * MINUTE;
        let network = if i % 2 == 0 { Fermah } else { Lagrange };
        s.pending(t, i, network, T, 1_000);
        match i % 4 {
            0 => {
                s.ack(t + 1_000, i, network, true)
                    .prove(t + 5_000 + i, i, network, 600)
                    .validate(t + 9 * MINUTE, i, network, true);
            }
            1 => {
                s.ack(t + 2_000, i, network, false);
            }
            2 => {
                s.expire(t + 3 * MINUTE, i, network, Unacknowledged, false);
            }
            _ => {
                s.ack(t + 3_000, i, network, true);
            }
        }
    }
    s.claim(NOV + DAY, Fermah, 1_800, 3);
    s
}

const END: u64 = NOV + 2 * DAY;

/// The report as the JSON schema plus the Markdown, which covers the details.
fn summary(store: &Store) -> (serde_json::Value, String) {
    let history = History::load(store).unwrap();
    let report = month_report(
        &history,
        CONTRACT,
        Month::parse("2026-11").unwrap(),
        &ReportOptions { min_requests: 1 },
    )
    .unwrap();
    (
        serde_json::to_value(&report).unwrap(),
        proof_manager_audit::render::markdown(&report),
    )
}

/// Yields its inner source's blocks up to `last`, then fails, as a follower killed there would
/// stop.
struct StopsAfter {
    inner: RecordedSource,
    last: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("stopped after block {0}")]
struct Stopped(u64);

impl EventSource for StopsAfter {
    type Error = Stopped;

    fn contract(&self) -> [u8; 32] {
        self.inner.contract()
    }

    fn resume_after(&mut self, cursor: Option<Cursor>) -> Result<(), Stopped> {
        self.inner.resume_after(cursor).map_err(|e| match e {})
    }

    fn next_block(&mut self) -> Result<Option<SourceBlock>, Stopped> {
        match self.inner.next_block().map_err(|e| match e {})? {
            Some(block) if block.number > self.last => Err(Stopped(self.last)),
            other => Ok(other),
        }
    }
}

fn recorded(script: &Script) -> RecordedSource {
    let (events, last_block) = script.events();
    RecordedSource::new(CONTRACT, events, last_block, END).unwrap()
}

#[test]
fn ingesting_the_same_recording_twice_stores_nothing_new() {
    let s = script();
    let mut store = Store::open_in_memory().unwrap();
    let first = s.ingest(&mut store, END);
    let count = store.event_count().unwrap();
    let before = summary(&store);
    let second = s.ingest(&mut store, END);
    assert_eq!(store.event_count().unwrap(), count);
    assert_eq!((second.blocks, second.events_stored), (0, 0));
    assert_eq!(second.blocks_skipped, first.blocks);
    assert_eq!(summary(&store), before);
    // The deploy's 5 events, 12 submissions, 3 × 3 + 3 × 1 + 3 × 1 + 3 × 1 follow-ups, a claim.
    assert_eq!(count, 5 + 12 + 9 + 3 + 3 + 3 + 1);
}

#[test]
fn a_follower_stopped_after_any_block_resumes_with_no_gap_and_no_duplicate() {
    let s = script();
    let (_, last_block) = s.events();
    let uninterrupted = summary(&s.store(END));
    for k in 1..last_block {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.sqlite");
        let mut store = Store::open(&path).unwrap();
        let mut stopping = StopsAfter {
            inner: recorded(&s),
            last: k,
        };
        let error = follow(&mut store, &mut stopping, |_| {}).unwrap_err();
        assert!(matches!(error, Error::Source(_)), "{error}");
        assert_eq!(store.cursor().unwrap().map(|c| c.block_number), Some(k));
        drop(store);

        let mut store = Store::open(&path).unwrap();
        let resumed = follow(&mut store, &mut recorded(&s), |_| {}).unwrap();
        assert_eq!(resumed.blocks_skipped, k, "block {k}");
        assert_eq!(summary(&store), uninterrupted, "stopped after block {k}");
    }
}

#[test]
fn a_transaction_cut_short_leaves_nothing_behind() {
    let s = script();
    let (events, last_block) = s.events();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.sqlite");
    let mut store = Store::open(&path).unwrap();
    let mut stopping = StopsAfter {
        inner: recorded(&s),
        last: 3,
    };
    follow(&mut store, &mut stopping, |_| {}).unwrap_err();
    let stored = store.event_count().unwrap();
    // Half of block 4's events written, then the writer dies before its commit.
    let block4: Vec<_> = events.iter().filter(|e| e.block_number == 4).collect();
    let cut = store.write(|w| {
        w.insert(
            4,
            0,
            block4[0].block_time_ms,
            block4[0].topics.first(),
            &block4[0].data,
        )?;
        Err::<(), _>(Error::EmptyStore)
    });
    assert!(cut.is_err());
    drop(store);
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.event_count().unwrap(), stored);
    assert_eq!(store.cursor().unwrap().map(|c| c.block_number), Some(3));
    follow(&mut store, &mut recorded(&s), |_| {}).unwrap();
    assert_eq!(summary(&store), summary(&s.store(END)));
    assert_eq!(
        store.cursor().unwrap().map(|c| c.block_number),
        Some(last_block)
    );
}

#[test]
fn a_longer_recording_adds_only_what_is_new() {
    let s = script();
    let (events, last_block) = s.events();
    let mut store = Store::open_in_memory().unwrap();
    let half = last_block / 2;
    let early: Vec<_> = events
        .iter()
        .filter(|e| e.block_number <= half)
        .cloned()
        .collect();
    let half_time = early.last().unwrap().block_time_ms;
    ingest_recorded(&mut store, CONTRACT, early.clone(), half, half_time).unwrap();
    let later = ingest_recorded(&mut store, CONTRACT, events.clone(), last_block, END).unwrap();
    assert_eq!(later.events_stored as usize, events.len() - early.len());
    assert_eq!(summary(&store), summary(&s.store(END)));
}

#[test]
fn a_store_holds_one_contract() {
    let mut store = script().store(END);
    let error = ingest_recorded(&mut store, OTHER_CONTRACT, Vec::new(), 500, END + 1).unwrap_err();
    assert!(matches!(error, Error::ContractMismatch { .. }), "{error}");
    assert_eq!(error.exit_code(), proof_manager_audit::EXIT_BAD_INPUT);
}

#[test]
fn recorded_events_out_of_order_are_refused() {
    let (mut events, last_block) = script().events();
    events.swap(3, 7);
    let mut store = Store::open_in_memory().unwrap();
    let error = ingest_recorded(&mut store, CONTRACT, events, last_block, END).unwrap_err();
    assert!(matches!(error, Error::RecordedOrder { .. }), "{error}");
    assert_eq!(store.event_count().unwrap(), 0);
}

#[test]
fn unknown_and_topicless_events_are_counted_not_fatal() {
    let mut s = Script::new();
    s.pending(NOV + HOUR, 1, Fermah, T, 1_000)
        .raw(
            NOV + 2 * HOUR,
            CONTRACT,
            vec![[0x42; 32], [0x01; 32]],
            vec![0; 4],
        )
        .raw(NOV + 3 * HOUR, CONTRACT, vec![], vec![7])
        .raw(OCT, CONTRACT, vec![[0x42; 32]], vec![]);
    let store = s.store(END);
    let history = History::load(&store).unwrap();
    let report = month_report(
        &history,
        CONTRACT,
        Month::parse("2026-11").unwrap(),
        &ReportOptions::default(),
    )
    .unwrap();
    // The two of November; the one of October counts in the window only.
    assert_eq!(report.unknown_events, 2);
    assert_eq!(report.details.unknown_events_in_window, 3);
    assert_eq!(
        report.details.unknown_signatures,
        [(Some([0x42; 32]), 1), (None, 1)]
    );
    assert_eq!(report.networks.fermah.assigned, 1);
}
