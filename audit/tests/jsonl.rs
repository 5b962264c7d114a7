//! The JSON Lines log: an export imports back to the same report; a bad line is named and
//! nothing is imported.

mod support;

use std::path::Path;

use proof_manager::ProofRequestStatus::*;
use proof_manager_audit::jsonl::{export, import};
use proof_manager_audit::{month_report, Error, History, Month, ReportOptions, Store};
use support::*;

const T: u64 = 10 * MINUTE;
const END: u64 = NOV + 3 * DAY;

fn script() -> Script {
    let mut s = Script::new();
    s.deploy(NOV, Some(Lagrange));
    for i in 0..8u64 {
        let t = NOV + HOUR + i * HOUR;
        let network = if i % 3 == 0 { Fermah } else { Lagrange };
        s.pending(t, i, network, T, 2_000)
            .ack(t + 1_000 * (i + 1), i, network, i != 5);
        if i % 2 == 0 {
            s.prove(t + 20_000 + i, i, network, 1_500).validate(
                t + 30 * MINUTE,
                i,
                network,
                i != 4,
            );
        }
    }
    s.expire(NOV + 6 * HOUR + T + 1, 5, Lagrange, TimedOut, true)
        .claim(NOV + DAY, Lagrange, 3_000, 2)
        .raw(NOV + 2 * DAY, CONTRACT, vec![[0x99; 32]], vec![9, 9])
        .raw(
            NOV + 2 * DAY + 1,
            CONTRACT,
            vec![signature("RewardClaimed")],
            vec![0xff],
        );
    s
}

fn report_json(store: &Store) -> serde_json::Value {
    let history = History::load(store).unwrap();
    let report = month_report(
        &history,
        CONTRACT,
        Month::parse("2026-11").unwrap(),
        &ReportOptions { min_requests: 1 },
    )
    .unwrap();
    serde_json::json!({
        "report": report,
        "markdown": proof_manager_audit::render::markdown(&report),
    })
}

fn exported(dir: &Path) -> (Store, std::path::PathBuf) {
    let store = script().store(END);
    let path = dir.join("log.jsonl");
    export(&store, &path).unwrap();
    (store, path)
}

#[test]
fn an_export_imports_back_to_the_same_report_and_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = exported(dir.path());
    let mut copy = Store::open_in_memory().unwrap();
    let done = import(&mut copy, &path).unwrap();
    assert_eq!(done.events, store.event_count().unwrap());
    assert_eq!(done.new_events, done.events);
    assert_eq!(done.undecoded, 2);
    assert_eq!(copy.window().unwrap(), store.window().unwrap());
    assert_eq!(copy.contract().unwrap(), Some(CONTRACT));
    assert_eq!(report_json(&copy), report_json(&store));
    let again = dir.path().join("again.jsonl");
    export(&copy, &again).unwrap();
    assert_eq!(
        std::fs::read_to_string(&again).unwrap(),
        std::fs::read_to_string(&path).unwrap()
    );
    let twice = import(&mut copy, &path).unwrap();
    assert_eq!(twice.new_events, 0);
}

#[test]
fn an_exported_line_is_readable_json_of_the_decoded_fields() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = exported(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    let submitted = text
        .lines()
        .find(|l| l.contains("ProofRequestSubmitted"))
        .unwrap();
    let line: serde_json::Value = serde_json::from_str(submitted).unwrap();
    let fields = &line["event"]["ProofRequestSubmitted"];
    assert_eq!(fields["assigned_to"], "Fermah");
    assert_eq!(fields["status"], "PendingAcknowledgement");
    assert_eq!(fields["max_reward"], 2_000);
    assert_eq!(fields["proof_inputs_url"], "https://inputs.example/0");
    assert_eq!(line["block_time_ms"], NOV + HOUR);
    assert_eq!(line["contract"], format!("0x{}", "c0".repeat(32)));
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["window"]["last_block_time_ms"], END);
}

fn assert_nothing_imported(store: &Store) {
    assert_eq!(store.event_count().unwrap(), 0);
    assert_eq!(store.window().unwrap(), None);
    assert_eq!(store.contract().unwrap(), None);
}

fn corrupt(path: &Path, line: usize, edit: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                edit(l)
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn a_bad_line_is_named_and_nothing_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = exported(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    let target = 1 + text
        .lines()
        .position(|l| l.contains("ProofRequestAcknowledged") && l.contains("\"Lagrange\""))
        .unwrap();
    // Far enough in that earlier lines were written before the failure.
    assert!(target > 6);
    corrupt(&path, target, |l| {
        l.replace("\"Lagrange\"", "\"Lagrangee\"")
    });
    let mut store = Store::open_in_memory().unwrap();
    let error = import(&mut store, &path).unwrap_err();
    match &error {
        Error::ImportLine { line, reason, .. } => {
            assert_eq!(*line, target);
            assert!(reason.contains("unknown variant `Lagrangee`"), "{reason}");
        }
        other => panic!("{other}"),
    }
    assert!(
        error.to_string().contains(&format!("line {target}:")),
        "{error}"
    );
    assert!(
        error.to_string().contains("nothing was imported"),
        "{error}"
    );
    assert_eq!(error.exit_code(), proof_manager_audit::EXIT_BAD_INPUT);
    assert_nothing_imported(&store);
}

#[test]
fn a_bad_line_leaves_an_existing_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = exported(dir.path());
    let mut store = Store::open_in_memory().unwrap();
    let mut early = Script::new();
    early.deploy(NOV, Some(Lagrange));
    early.ingest(&mut store, NOV);
    let before = (store.event_count().unwrap(), store.window().unwrap());
    corrupt(&path, 12, |l| l.replacen('{', "", 1));
    let error = import(&mut store, &path).unwrap_err();
    assert!(
        matches!(error, Error::ImportLine { line: 12, .. }),
        "{error}"
    );
    assert_eq!(
        (store.event_count().unwrap(), store.window().unwrap()),
        before
    );
}

#[test]
fn a_file_cut_short_has_no_window_line_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = exported(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&path, lines[..lines.len() - 1].join("\n")).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let error = import(&mut store, &path).unwrap_err();
    assert!(matches!(error, Error::ImportFile { .. }), "{error}");
    assert!(error.to_string().contains("no window line"), "{error}");
    assert_nothing_imported(&store);
}

#[test]
fn lines_out_of_chain_order_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = exported(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(6, 7);
    std::fs::write(&path, lines.join("\n")).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let error = import(&mut store, &path).unwrap_err();
    assert!(
        matches!(error, Error::ImportLine { line: 8, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("chain order"), "{error}");
    assert_nothing_imported(&store);
}

#[test]
fn a_line_of_another_contract_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = exported(dir.path());
    corrupt(&path, 3, |l| l.replace(&"c0".repeat(32), &"70".repeat(32)));
    let mut store = Store::open_in_memory().unwrap();
    let error = import(&mut store, &path).unwrap_err();
    assert!(
        matches!(error, Error::ImportLine { line: 3, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("line 1's contract"), "{error}");
    assert_nothing_imported(&store);
}

#[test]
fn an_import_that_would_leave_a_gap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = exported(dir.path());
    let mut store = Store::open_in_memory().unwrap();
    let mut later = Script::new();
    later.deploy(NOV, Some(Lagrange));
    let (events, _) = later.events();
    let shifted: Vec<_> = events
        .into_iter()
        .map(|mut e| {
            e.block_number += 1_000;
            e
        })
        .collect();
    proof_manager_audit::ingest_recorded(&mut store, CONTRACT, shifted, 1_001, DEC).unwrap();
    let before = store.event_count().unwrap();
    let error = import(&mut store, &path).unwrap_err();
    assert!(matches!(error, Error::WindowGap { .. }), "{error}");
    assert_eq!(store.event_count().unwrap(), before);
}
