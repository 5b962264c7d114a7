//! The follower against a made-up live chain: blocks whose events do not all decode, stores of
//! another chain (another genesis, a reset chain, a contract whose code changed unseen), a code
//! upgrade, and stores written by an older auditor or by `import`.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use proof_manager::CodeUpgraded;
use proof_manager_audit::store::Cursor;
use proof_manager_audit::{
    follow, month_report, ChainAt, Error, EventSource, History, Identity, Month, ReportOptions,
    SourceBlock, Store, UndecodableBlock, EXIT_BAD_INPUT,
};
use support::*;

const GENESIS: [u8; 32] = [0x9e; 32];
const CODE: [u8; 32] = [0xc1; 32];
const NEW_CODE: [u8; 32] = [0xc2; 32];
const END: u64 = NOV + 2 * DAY;

/// A block hash that tells chains apart even when they share a genesis (`fork`) and numbers.
fn block_hash(fork: u8, number: u64) -> [u8; 32] {
    let mut hash = [fork; 32];
    hash[..8].copy_from_slice(&number.to_le_bytes());
    hash
}

/// A live chain as a node source would read it: every block from 1, each with its hash, some
/// flagged undecodable; the contract's code hash by block.
#[derive(Clone)]
struct Chain {
    genesis: [u8; 32],
    fork: u8,
    blocks: Vec<SourceBlock>,
    /// The code hash from each block on.
    code: BTreeMap<u64, [u8; 32]>,
    next: usize,
}

impl Chain {
    /// The script's blocks, with the empty blocks between them and the window's end at `END`.
    fn of(script: &Script) -> Self {
        let (events, last) = script.events();
        let mut blocks: Vec<SourceBlock> = (1..=last)
            .map(|n| SourceBlock {
                number: n,
                time_ms: END,
                events: Vec::new(),
                hash: Some(block_hash(0, n)),
                undecodable: None,
            })
            .collect();
        for event in events {
            let block = &mut blocks[event.block_number as usize - 1];
            block.time_ms = event.block_time_ms;
            block.events.push(event);
        }
        // An empty block takes the time of the block before it.
        for i in 1..blocks.len() - 1 {
            if blocks[i].events.is_empty() {
                blocks[i].time_ms = blocks[i - 1].time_ms;
            }
        }
        Self {
            genesis: GENESIS,
            fork: 0,
            blocks,
            code: BTreeMap::from([(1, CODE)]),
            next: 0,
        }
    }

    fn last(&self) -> u64 {
        self.blocks.len() as u64
    }

    /// The same blocks on a chain of another genesis, or reset (same genesis, other hashes).
    fn other(&self, genesis: [u8; 32], fork: u8) -> Self {
        let mut chain = self.clone();
        chain.genesis = genesis;
        chain.fork = fork;
        for block in &mut chain.blocks {
            block.hash = Some(block_hash(fork, block.number));
        }
        chain
    }

    /// Only the blocks up to `last`, as a chain that has not produced more yet.
    fn up_to(&self, last: u64) -> Self {
        let mut chain = self.clone();
        chain.blocks.truncate(last as usize);
        chain
    }
}

impl EventSource for Chain {
    type Error = std::convert::Infallible;

    fn contract(&self) -> [u8; 32] {
        CONTRACT
    }

    fn resume_after(&mut self, cursor: Option<Cursor>) -> Result<(), Self::Error> {
        self.next = cursor.map_or(0, |c| c.block_number as usize);
        Ok(())
    }

    fn next_block(&mut self) -> Result<Option<SourceBlock>, Self::Error> {
        let block = self.blocks.get(self.next).cloned();
        self.next += 1;
        Ok(block)
    }

    fn chain_at(&mut self, number: u64) -> Result<Option<ChainAt>, Self::Error> {
        let exists = (1..=self.last()).contains(&number);
        Ok(Some(ChainAt {
            genesis: self.genesis,
            block_hash: exists.then(|| block_hash(self.fork, number)),
            code_hash: self.code.range(..=number).next_back().map(|(_, c)| *c),
        }))
    }
}

/// A November of twelve requests, each in its own blocks.
fn november() -> Script {
    let mut s = Script::new();
    s.deploy(NOV, Some(Fermah));
    for i in 0..12u64 {
        let t = NOV + HOUR + i * 10 * MINUTE;
        s.pending(t, i, Fermah, 10 * MINUTE, 1_000)
            .ack(t + 1_000, i, Fermah, true);
    }
    s
}

/// Every row of every table, to tell whether a refused run changed anything.
fn dump(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut rows = Vec::new();
    for table in ["meta", "window", "events", "undecodable"] {
        let mut statement = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
            .unwrap();
        let columns = statement.column_count();
        let mut query = statement.query([]).unwrap();
        while let Some(row) = query.next().unwrap() {
            let values: Vec<String> = (0..columns)
                .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                .collect();
            rows.push(format!("{table}: {}", values.join(", ")));
        }
    }
    rows
}

fn report_markdown(store: &Store, month: &str) -> (proof_manager_audit::MonthReport, String) {
    let history = History::load(store).unwrap();
    let report = month_report(
        &history,
        CONTRACT,
        Month::parse(month).unwrap(),
        &ReportOptions { min_requests: 1 },
    )
    .unwrap();
    let markdown = proof_manager_audit::render::markdown(&report);
    (report, markdown)
}

#[test]
fn a_block_whose_events_do_not_decode_is_stored_counted_and_passed() {
    let mut script = november();
    let late = NOV + 5 * HOUR;
    script
        .pending(late, 50, Lagrange, 10 * MINUTE, 1_000)
        .pending(late, 51, Lagrange, 10 * MINUTE, 1_000);
    let mut chain = Chain::of(&script);
    let reason = "System::Events record 4 does not decode (Variant with index 9 not found); the \
                  records after it cannot be located";
    // The block lost its second event: the first was read before the record that did not
    // decode.
    let flagged = chain.blocks.iter_mut().find(|b| b.time_ms == late).unwrap();
    assert_eq!(flagged.events.len(), 2);
    flagged.events.truncate(1);
    flagged.undecodable = Some(reason.to_string());
    let flagged_number = flagged.number;
    assert!(flagged_number < chain.last());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.sqlite");
    let mut store = Store::open(&path).unwrap();

    let mut seen = Vec::new();
    let summary = follow(&mut store, &mut chain.clone(), |b| seen.push(b.number)).unwrap();
    assert_eq!(summary.undecodable_blocks, 1);
    assert_eq!(summary.blocks, chain.last());
    assert_eq!(seen, (1..=chain.last()).collect::<Vec<_>>());
    assert_eq!(
        store.cursor().unwrap().map(|c| c.block_number),
        Some(chain.last())
    );
    let all_events: usize = chain.blocks.iter().map(|b| b.events.len()).sum();
    assert_eq!(store.event_count().unwrap(), all_events as u64);
    drop(store);

    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.undecodable_blocks().unwrap(),
        [UndecodableBlock {
            block_number: flagged_number,
            block_time_ms: late,
            reason: reason.to_string(),
        }]
    );
    let (report, markdown) = report_markdown(&store, "2026-11");
    assert_eq!(report.details.undecodable_blocks.len(), 1);
    // The request read before the failure counts; the one after it is missing.
    assert_eq!(report.networks.lagrange.assigned, 1);
    assert_eq!(report.details.undecodable_blocks_in_window, 1);
    assert!(
        markdown.contains("**Warning: the events of 1 block(s) of 2026-11 did not all decode**"),
        "{markdown}"
    );
    assert!(
        markdown.contains(&format!(
            "- blocks whose events did not all decode (contract events of them may be missing): \
             1 in the month, 1 in the window\n  - block {flagged_number}: System::Events record 4"
        )),
        "{markdown}"
    );
    // December has none of them: no warning, but the window's count.
    let (december, markdown) = report_markdown(&store, "2026-12");
    assert!(december.details.undecodable_blocks.is_empty());
    assert!(!markdown.contains("Warning"), "{markdown}");
    assert!(
        markdown.contains(": 0 in the month, 1 in the window"),
        "{markdown}"
    );
}

#[test]
fn a_store_of_another_genesis_is_refused_and_left_unchanged() {
    let chain = Chain::of(&november());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.sqlite");
    let mut store = Store::open(&path).unwrap();
    follow(&mut store, &mut chain.up_to(10), |_| {}).unwrap();
    drop(store);
    let before = dump(&path);

    let mut store = Store::open(&path).unwrap();
    let error = follow(&mut store, &mut chain.other([0x11; 32], 0), |_| {}).unwrap_err();
    assert!(matches!(error, Error::OtherChain { .. }), "{error}");
    assert_eq!(error.exit_code(), EXIT_BAD_INPUT);
    let text = error.to_string();
    assert!(
        text.contains(&format!("genesis 0x{}", "9e".repeat(32)))
            && text.contains(&format!("genesis 0x{}", "11".repeat(32))),
        "{text}"
    );
    drop(store);
    assert_eq!(dump(&path), before);
}

#[test]
fn a_store_whose_cursor_block_the_chain_does_not_have_is_refused_and_left_unchanged() {
    let chain = Chain::of(&november());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.sqlite");
    let mut store = Store::open(&path).unwrap();
    follow(&mut store, &mut chain.up_to(10), |_| {}).unwrap();
    drop(store);
    let before = dump(&path);

    // A dev chain restarted: same genesis, same contract, other blocks.
    let mut store = Store::open(&path).unwrap();
    let reset = chain.other(GENESIS, 0x77);
    let error = follow(&mut store, &mut reset.clone(), |_| {}).unwrap_err();
    assert!(
        matches!(error, Error::CursorNotOnChain { block: 10, .. }),
        "{error}"
    );
    assert_eq!(error.exit_code(), EXIT_BAD_INPUT);
    let text = error.to_string();
    assert!(text.contains("was reset or reorganised"), "{text}");
    // A reset chain that has not reached the cursor yet.
    let error = follow(&mut store, &mut reset.up_to(4), |_| {}).unwrap_err();
    assert!(
        error.to_string().contains("the node's block 10 is none"),
        "{error}"
    );
    drop(store);
    assert_eq!(dump(&path), before);
}

#[test]
fn a_store_whose_contract_code_changed_unseen_is_refused_and_left_unchanged() {
    let chain = Chain::of(&november());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.sqlite");
    let mut store = Store::open(&path).unwrap();
    follow(&mut store, &mut chain.up_to(10), |_| {}).unwrap();
    assert_eq!(store.identity().unwrap().code_hash, Some(CODE));
    drop(store);
    let before = dump(&path);

    let mut changed = chain.clone();
    changed.code.insert(8, NEW_CODE);
    let mut store = Store::open(&path).unwrap();
    let error = follow(&mut store, &mut changed, |_| {}).unwrap_err();
    assert!(
        matches!(error, Error::CodeHashMismatch { block: 10, .. }),
        "{error}"
    );
    assert_eq!(error.exit_code(), EXIT_BAD_INPUT);
    drop(store);
    assert_eq!(dump(&path), before);
}

#[test]
fn a_code_upgraded_event_moves_the_stored_code_hash_with_its_block() {
    let mut script = november();
    script.event(
        NOV + 3 * HOUR,
        "CodeUpgraded",
        CodeUpgraded {
            code_hash: NEW_CODE.into(),
        },
    );
    let mut chain = Chain::of(&script);
    let upgraded_in = chain
        .blocks
        .iter()
        .find(|b| b.code_upgrade().is_some())
        .map(|b| b.number)
        .unwrap();
    chain.code.insert(upgraded_in, NEW_CODE);
    let mut store = Store::open_in_memory().unwrap();

    follow(&mut store, &mut chain.up_to(upgraded_in - 1), |_| {}).unwrap();
    assert_eq!(store.identity().unwrap().code_hash, Some(CODE));
    follow(&mut store, &mut chain.up_to(upgraded_in), |_| {}).unwrap();
    assert_eq!(
        store.identity().unwrap(),
        Identity {
            genesis: Some(GENESIS),
            cursor_hash: Some(block_hash(0, upgraded_in)),
            code_hash: Some(NEW_CODE),
        }
    );
    // The next run's check agrees with the chain after the upgrade.
    let summary = follow(&mut store, &mut chain.clone(), |_| {}).unwrap();
    assert_eq!(summary.blocks, chain.last() - upgraded_in);
}

/// The tables of the first auditor (schema version 1), which had no chain identity.
const SCHEMA_1: &str = "
    CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE window (
        id INTEGER PRIMARY KEY CHECK (id = 0),
        first_block INTEGER NOT NULL, first_time INTEGER NOT NULL,
        last_block INTEGER NOT NULL, last_time INTEGER NOT NULL);
    CREATE TABLE events (
        block_number INTEGER NOT NULL, event_index INTEGER NOT NULL,
        block_time_ms INTEGER NOT NULL, signature BLOB, data BLOB NOT NULL,
        PRIMARY KEY (block_number, event_index)) WITHOUT ROWID;
    INSERT INTO meta (key, value) VALUES ('schema', 1);";

#[test]
fn a_version_1_store_opens_migrates_and_learns_its_chain_at_the_next_follow() {
    let chain = Chain::of(&november());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA_1).unwrap();
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('contract', ?1)",
            [&CONTRACT[..]],
        )
        .unwrap();
        for block in &chain.blocks[..6] {
            for e in &block.events {
                conn.execute(
                    "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![
                        e.block_number,
                        e.event_index,
                        e.block_time_ms,
                        &e.topics[0][..],
                        e.data
                    ],
                )
                .unwrap();
            }
        }
        conn.execute(
            "INSERT INTO window VALUES (0, 1, ?1, 6, ?2)",
            [chain.blocks[0].time_ms, chain.blocks[5].time_ms],
        )
        .unwrap();
    }

    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.identity().unwrap(), Identity::default());
    assert_eq!(store.cursor().unwrap().map(|c| c.block_number), Some(6));
    let stored = store.event_count().unwrap();
    assert!(stored > 0);
    assert!(store.undecodable_blocks().unwrap().is_empty());

    let summary = follow(&mut store, &mut chain.clone(), |_| {}).unwrap();
    assert_eq!(summary.blocks, chain.last() - 6);
    assert_eq!(
        store.identity().unwrap(),
        Identity {
            genesis: Some(GENESIS),
            cursor_hash: Some(block_hash(0, chain.last())),
            code_hash: Some(CODE),
        }
    );
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let schema: i64 = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(schema, 2);
    drop(conn);
    // Migrated once: it opens again as it is.
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.identity().unwrap().cursor_hash,
        Some(block_hash(0, chain.last()))
    );
}

#[test]
fn an_imported_store_learns_its_chain_at_the_first_block_followed() {
    let chain = Chain::of(&november());
    let mut store = Store::open_in_memory().unwrap();
    // What `import` or the drink harness leaves: events and a window, no chain.
    let events: Vec<_> = chain.blocks[..5]
        .iter()
        .flat_map(|b| b.events.clone())
        .collect();
    proof_manager_audit::ingest_recorded(&mut store, CONTRACT, events, 5, chain.blocks[4].time_ms)
        .unwrap();
    assert_eq!(store.identity().unwrap(), Identity::default());

    follow(&mut store, &mut chain.up_to(6), |_| {}).unwrap();
    assert_eq!(
        store.identity().unwrap(),
        Identity {
            genesis: Some(GENESIS),
            cursor_hash: Some(block_hash(0, 6)),
            code_hash: Some(CODE),
        }
    );
    // From then on the store is of this chain.
    let error = follow(&mut store, &mut chain.other(GENESIS, 0x77), |_| {}).unwrap_err();
    assert!(matches!(error, Error::CursorNotOnChain { .. }), "{error}");
}

#[test]
fn a_contract_that_does_not_exist_yet_gets_its_code_hash_at_its_first_event() {
    let mut chain = Chain::of(&november());
    // Deployed in block 3: blocks 1 and 2 carry no event of it, and it has no code there.
    chain.code = BTreeMap::from([(3, CODE)]);
    for block in &mut chain.blocks[..2] {
        block.events.clear();
    }
    let mut store = Store::open_in_memory().unwrap();
    follow(&mut store, &mut chain.up_to(2), |_| {}).unwrap();
    assert_eq!(
        store.identity().unwrap(),
        Identity {
            genesis: Some(GENESIS),
            cursor_hash: Some(block_hash(0, 2)),
            code_hash: None,
        }
    );
    follow(&mut store, &mut chain.clone(), |_| {}).unwrap();
    assert_eq!(store.identity().unwrap().code_hash, Some(CODE));
}

#[test]
fn a_cursor_moved_by_an_import_forgets_the_hash_of_the_block_it_left() {
    let chain = Chain::of(&november());
    let mut store = Store::open_in_memory().unwrap();
    follow(&mut store, &mut chain.up_to(5), |_| {}).unwrap();
    // Blocks 6 to 8 come from a recording (no hashes): the cursor moves to block 8.
    let events: Vec<_> = chain.blocks[5..8]
        .iter()
        .flat_map(|b| b.events.clone())
        .collect();
    proof_manager_audit::ingest_recorded(&mut store, CONTRACT, events, 8, chain.blocks[7].time_ms)
        .unwrap();
    assert_eq!(store.identity().unwrap().cursor_hash, None);
    // Block 5's hash, kept as block 8's, would have the follower refuse its own chain.
    let summary = follow(&mut store, &mut chain.clone(), |_| {}).unwrap();
    assert_eq!(summary.blocks, chain.last() - 8);
    assert_eq!(
        store.identity().unwrap().cursor_hash,
        Some(block_hash(0, chain.last()))
    );
}
