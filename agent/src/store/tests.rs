//! The store on its own: the outbox's attempts and outcomes, the queue's index, layouts, locks,
//! and which agent and chain a file belongs to.

use rusqlite::Connection;

use super::*;
use crate::call::Call;

fn identity() -> Identity {
    Identity {
        role: "submitter".into(),
        contract: "00".repeat(32),
        account: "01".repeat(32),
    }
}

fn call(block_number: u64) -> Call {
    Call::MarkTimedOut {
        id: Id {
            chain_id: 1,
            block_number,
        },
    }
}

fn cursor(number: u64) -> Cursor {
    Cursor {
        number,
        time_ms: number * 1_000,
        hash: Some([number as u8; 32]),
    }
}

#[test]
fn an_outbox_entry_keeps_its_block_and_its_latency_from_decision_to_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("s.sqlite"), &identity()).unwrap();
    let pending = store
        .commit_block(
            cursor(7),
            &Changes::default(),
            &[call(1), call(2)],
            Some(9),
            &[],
        )
        .unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(store.cursor().unwrap(), Some(cursor(7)));
    store
        .commit_outcomes(
            &Changes::default(),
            &[(pending[0].seq, Settled::Done("ok".into()))],
        )
        .unwrap();
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 2);
    assert_eq!(outbox[0].state, "done");
    assert_eq!(outbox[0].outcome.as_deref(), Some("ok"));
    assert!(
        outbox[0].latency_ms.is_some_and(|ms| ms >= 0),
        "{:?}",
        outbox[0]
    );
    assert_eq!(
        (outbox[1].state.as_str(), outbox[1].latency_ms),
        ("pending", None)
    );
    assert_eq!(store.pending().unwrap().len(), 1);
}

#[test]
fn a_retried_call_keeps_its_attempts_the_latest_block_it_can_land_in_and_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("s.sqlite"), &identity()).unwrap();
    let sent = store
        .commit_block(cursor(7), &Changes::default(), &[call(1)], Some(20), &[])
        .unwrap();
    let seq = sent[0].seq;
    assert_eq!((sent[0].attempts, sent[0].until_block), (1, Some(20)));
    let retry = Settled::Retry {
        retry_at: 5_000,
        until_block: None,
        error: "dropped".into(),
    };
    store
        .commit_outcomes(&Changes::default(), &[(seq, retry)])
        .unwrap();
    let pending = &store.pending().unwrap()[0];
    assert_eq!(pending.retry_at, Some(5_000));
    assert_eq!(
        pending.until_block,
        Some(20),
        "an earlier attempt may still land"
    );
    assert_eq!(pending.last_error.as_deref(), Some("dropped"));
    assert_eq!(pending.decided_block, 7);
    // The next attempt extends the horizon and clears the wait; an earlier one never shortens it.
    store.begin_attempts(&[seq], 30).unwrap();
    let pending = &store.pending().unwrap()[0];
    assert_eq!(
        (pending.attempts, pending.until_block, pending.retry_at),
        (2, Some(30), None)
    );
    store.begin_attempts(&[seq], 25).unwrap();
    assert_eq!(store.pending().unwrap()[0].until_block, Some(30));
    store
        .commit_outcomes(
            &Changes::default(),
            &[(seq, Settled::Abandoned("abandoned after 3 attempts".into()))],
        )
        .unwrap();
    assert!(store.pending().unwrap().is_empty());
    assert!(!store.has_pending().unwrap());
    let entry = &store.outbox().unwrap()[0];
    assert_eq!((entry.state.as_str(), entry.attempts), ("abandoned", 3));
}

fn row(key: &str, status: &str) -> Row {
    Row {
        kind: "batch",
        key: key.into(),
        status: status.into(),
        body: format!("{{\"key\":\"{key}\"}}"),
    }
}

#[test]
fn the_queue_is_the_rows_of_one_status_in_key_order_even_in_a_file_without_its_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let mut store = Store::open(&path, &identity()).unwrap();
    let changes = Changes {
        rows: vec![
            row("3", "queued"),
            row("1", "validated"),
            row("2", "queued"),
            row("0", "sent"),
        ],
        ..Changes::default()
    };
    store.commit(&changes).unwrap();
    let queued = |store: &Store| -> Vec<String> {
        let rows = store.rows_with_status("batch", "queued").unwrap();
        rows.into_iter().map(|(key, _, _)| key).collect()
    };
    assert_eq!(queued(&store), ["2", "3"]);
    drop(store);
    // A file written before the index existed: either way of opening it creates it.
    for reopen in [
        |p: &Path| Store::open_existing(p).unwrap(),
        |p: &Path| Store::open(p, &identity()).unwrap(),
    ] {
        Connection::open(&path)
            .unwrap()
            .execute_batch("DROP INDEX rows_by_status")
            .unwrap();
        assert_eq!(queued(&reopen(&path)), ["2", "3"]);
    }
}

#[test]
fn a_state_file_of_another_layout_version_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    drop(Store::open(&path, &identity()).unwrap());
    Connection::open(&path)
        .unwrap()
        .execute("UPDATE meta SET value = '1' WHERE key = 'schema'", [])
        .unwrap();
    for error in [
        Store::open(&path, &identity()).err(),
        Store::open_existing(&path).err(),
    ] {
        match error {
            Some(StoreError::Schema { found, .. }) => assert_eq!(found, "1"),
            other => panic!("{other:?}"),
        }
    }
    let schema: String = Connection::open(&path)
        .unwrap()
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(schema, "1");
}

/// A file as the previous layout (version 2) wrote it: one pending call, one done.
fn version_2_file(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE rows (kind TEXT NOT NULL, key TEXT NOT NULL, status TEXT NOT NULL,
             body TEXT NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
         CREATE TABLE outbox (seq INTEGER PRIMARY KEY, block INTEGER NOT NULL,
             call TEXT NOT NULL, state TEXT NOT NULL, outcome TEXT,
             decided_ms INTEGER NOT NULL, finished_ms INTEGER);
         CREATE TABLE fallback (chain_id INTEGER NOT NULL, block_number INTEGER NOT NULL,
             reason TEXT NOT NULL, block INTEGER NOT NULL, time_ms INTEGER NOT NULL,
             notified INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (chain_id, block_number));
         INSERT INTO meta VALUES ('schema', '2'), ('role', 'submitter'),
             ('contract', '{contract}'), ('account', '{account}'),
             ('cursor_block', '12'), ('cursor_time', '12000');
         INSERT INTO outbox (block, call, state, outcome, decided_ms, finished_ms)
             VALUES (11, '{done}', 'done', 'ok', 1, 2), (12, '{pending}', 'pending', NULL, 3, NULL);",
        contract = "00".repeat(32),
        account = "01".repeat(32),
        done = serde_json::to_string(&call(1)).unwrap(),
        pending = serde_json::to_string(&call(2)).unwrap(),
    ))
    .unwrap();
}

#[test]
fn a_state_file_of_the_previous_layout_is_migrated_with_its_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    version_2_file(&path);
    let store = Store::open(&path, &identity()).unwrap();
    let pending = store.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].call, call(2));
    // Never known to be sent: no attempt, and nothing says when one could still land.
    assert_eq!((pending[0].attempts, pending[0].until_block), (0, None));
    assert_eq!(store.outbox().unwrap()[0].outcome.as_deref(), Some("ok"));
    assert_eq!(
        store.cursor().unwrap().map(|c| (c.number, c.hash)),
        Some((12, None))
    );
    assert_eq!(
        store.chain().unwrap(),
        None,
        "the chain is recorded at the next start"
    );
    drop(store);
    // `status` beside it reads the migrated file too.
    version_2_file(&dir.path().join("t.sqlite"));
    assert_eq!(
        Store::open_existing(dir.path().join("t.sqlite"))
            .unwrap()
            .pending()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_second_agent_on_a_state_file_is_refused_until_the_first_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let first = Store::open(&path, &identity()).unwrap();
    assert!(matches!(
        Store::open(&path, &identity()),
        Err(StoreError::InUse { .. })
    ));
    assert!(
        Store::open_existing(&path).is_ok(),
        "status beside a running agent"
    );
    drop(first);
    assert!(Store::open(&path, &identity()).is_ok());
}

#[test]
fn a_state_file_in_a_directory_that_does_not_exist_names_its_lock_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("s.sqlite");
    match Store::open(&path, &identity()) {
        Err(StoreError::Lock { path: lock, .. }) => assert_eq!(lock, lock_path(&path)),
        other => panic!("{:?}", other.err()),
    }
    assert!(!dir.path().join("missing").exists());
}

#[test]
fn a_state_file_of_another_role_contract_or_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    drop(Store::open(&path, &identity()).unwrap());
    for other in [
        Identity {
            role: "network:Fermah".into(),
            ..identity()
        },
        Identity {
            contract: "02".repeat(32),
            ..identity()
        },
        Identity {
            account: "03".repeat(32),
            ..identity()
        },
    ] {
        match Store::open(&path, &other) {
            Err(StoreError::Mismatch { stored, given, .. }) => {
                assert_eq!(stored, identity().to_string());
                assert_eq!(given, other.to_string());
            }
            result => panic!("{other}: {:?}", result.err()),
        }
    }
}

fn stored(genesis: u8, code: u8) -> StoredChain {
    StoredChain {
        genesis: [genesis; 32],
        code_hash: [code; 32],
    }
}

fn chain(genesis: u8, code: u8, cursor_block: Option<u8>) -> ChainIdentity {
    ChainIdentity {
        genesis: [genesis; 32],
        code_hash: [code; 32],
        cursor_block_hash: cursor_block.map(|b| [b; 32]),
    }
}

#[test]
fn a_state_file_of_another_chain_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("s.sqlite"), &identity()).unwrap();
    store.check_chain(&chain(1, 2, None)).unwrap();
    assert_eq!(store.chain().unwrap(), Some(stored(1, 2)));
    store
        .commit_block(cursor(7), &Changes::default(), &[], None, &[])
        .unwrap();
    // The same chain, its block 7 as processed.
    store.check_chain(&chain(1, 2, Some(7))).unwrap();
    for (other, says) in [
        (chain(9, 2, Some(7)), "its genesis is 0x0101"),
        (chain(1, 9, Some(7)), "the contract's code there is 0x0202"),
        // A development chain started afresh: same genesis, same code, another block 7.
        (chain(1, 2, Some(8)), "its block 7 is 0x0707"),
        (chain(1, 2, None), "block 7, which this chain does not have"),
    ] {
        match store.check_chain(&other) {
            Err(e @ StoreError::OtherChain { .. }) => {
                assert!(e.to_string().contains(says), "{e}")
            }
            result => panic!("{other:?}: {result:?}"),
        }
        assert_eq!(store.chain().unwrap(), Some(stored(1, 2)));
        assert_eq!(store.cursor().unwrap(), Some(cursor(7)));
    }
}

#[test]
fn an_upgraded_code_hash_is_recorded_with_the_block_that_saw_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("s.sqlite"), &identity()).unwrap();
    store.check_chain(&chain(1, 2, None)).unwrap();
    let upgraded = Changes {
        code_hash: Some([3; 32]),
        ..Changes::default()
    };
    assert!(!upgraded.is_empty());
    store
        .commit_block(cursor(8), &upgraded, &[], None, &[])
        .unwrap();
    assert_eq!(store.chain().unwrap(), Some(stored(1, 3)));
    store.check_chain(&chain(1, 3, Some(8))).unwrap();
}
