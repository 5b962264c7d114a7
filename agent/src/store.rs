//! An agent's SQLite state: the rows of its state machine, the calls it decided on (the
//! outbox), the fallbacks it recorded, and the follower's cursor. Everything one processed block
//! changes is written in one transaction, so an agent killed at any moment restarts from a
//! consistent state: the outbox holds exactly the calls not known to have executed. (WAL with
//! `synchronous = NORMAL`: a committed transaction survives the process being killed; only a
//! power loss can take back the last ones.) An agent runs the same dozen statements at every
//! step: each is prepared once per connection (`prepare_cached`), and the queue is read through
//! an index on the rows' status, so a step costs the same on the last day of a run as on the
//! first.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::call::{Call, Id};

const SCHEMA_VERSION: &str = "2";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("state file {path}: {source}")]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("state file {path} belongs to {stored}, not to {given}: use another --state file")]
    Mismatch {
        path: PathBuf,
        stored: String,
        given: String,
    },
    #[error("state file {path}: a stored value does not decode: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "state file {path} is in use by another running agent: stop it first, or give this one \
         its own --state file"
    )]
    InUse { path: PathBuf },
    #[error("lock file {path}: {reason}")]
    Lock { path: PathBuf, reason: String },
    #[error(
        "state file {path} has layout version {found}; this agent reads version {SCHEMA_VERSION}: \
         finish its work with the agent that wrote it, or start a new --state file"
    )]
    Schema { path: PathBuf, found: String },
}

/// Who a state file belongs to: a store serves one role, on one contract, with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `submitter`, or `network:Fermah` / `network:Lagrange`.
    pub role: String,
    /// The ProofManager's address, hex.
    pub contract: String,
    /// The agent's account, hex.
    pub account: String,
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} of contract 0x{} with key 0x{}",
            self.role, self.contract, self.account
        )
    }
}

/// One row of a state machine, keyed within its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub kind: &'static str,
    pub key: String,
    /// A short status for queries and `status` listings.
    pub status: String,
    /// The row itself, JSON.
    pub body: String,
}

/// A batch handed back to the operator's own prover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    pub id: Id,
    pub reason: String,
    /// The block and time at which the agent saw it.
    pub block: u64,
    pub time_ms: u64,
}

/// Everything a state machine changed, to be written in one transaction.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    pub rows: Vec<Row>,
    pub fallbacks: Vec<Fallback>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.fallbacks.is_empty()
    }
}

/// A call in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub seq: i64,
    pub call: Call,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The agent's hold on the state file, released when the store is dropped or the process
    /// dies: two agents on one file would each write rows from their own memory over the
    /// other's.
    _lock: Option<std::fs::File>,
}

/// The lock file beside a state file.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the state file at `path` for this process alone.
fn lock(path: &Path) -> Result<std::fs::File, StoreError> {
    let lock = lock_path(path);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(|e| StoreError::Lock {
            path: lock.clone(),
            reason: e.to_string(),
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse {
            path: path.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Lock {
            path: lock,
            reason: e.to_string(),
        }),
    }
}

/// The wall clock (ms since the epoch): when a call was decided and when its outcome was
/// known, for the inclusion latency a live node's operator watches.
fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// How long a writer waits for another process's transaction (`enqueue` beside a running
/// service) before giving up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Store {
    /// Opens (or creates) the state file at `path` for `identity`.
    ///
    /// # Errors
    /// `InUse` while another agent has it open; `Mismatch` when the file belongs to another
    /// role, contract or key; `Schema` when another layout version wrote it; `Database`.
    pub fn open(path: impl AsRef<Path>, identity: &Identity) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let held = lock(&path)?;
        let conn = Connection::open(&path)
            .and_then(|conn| conn.busy_timeout(BUSY_TIMEOUT).map(|()| conn))
            .map_err(|source| StoreError::Database {
                path: path.clone(),
                source,
            })?;
        let mut store = Store {
            conn,
            path,
            _lock: Some(held),
        };
        store.init(identity)?;
        Ok(store)
    }

    /// Opens an existing state file for whatever agent it belongs to (the `enqueue` and
    /// `status` commands), beside the agent that may be running on it: SQLite orders their
    /// transactions.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
            .and_then(|conn| conn.busy_timeout(BUSY_TIMEOUT).map(|()| conn))
            .map_err(|source| StoreError::Database {
                path: path.clone(),
                source,
            })?;
        let store = Store {
            conn,
            path,
            _lock: None,
        };
        if store.meta("role")?.is_none() {
            return Err(StoreError::Corrupt {
                path: store.path.clone(),
                reason: "not an agent's state file".into(),
            });
        }
        let schema = store.meta("schema")?.unwrap_or_default();
        if schema != SCHEMA_VERSION {
            return Err(StoreError::Schema {
                path: store.path.clone(),
                found: schema,
            });
        }
        store.ensure_indexes()?;
        Ok(store)
    }

    fn db<T>(&self, result: rusqlite::Result<T>) -> Result<T, StoreError> {
        result.map_err(|source| StoreError::Database {
            path: self.path.clone(),
            source,
        })
    }

    fn init(&mut self, identity: &Identity) -> Result<(), StoreError> {
        let created = self.conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS rows (
                 kind TEXT NOT NULL, key TEXT NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL,
                 PRIMARY KEY (kind, key)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS outbox (
                 seq INTEGER PRIMARY KEY, block INTEGER NOT NULL, call TEXT NOT NULL,
                 state TEXT NOT NULL, outcome TEXT,
                 decided_ms INTEGER NOT NULL, finished_ms INTEGER);
             CREATE TABLE IF NOT EXISTS fallback (
                 chain_id INTEGER NOT NULL, block_number INTEGER NOT NULL, reason TEXT NOT NULL,
                 block INTEGER NOT NULL, time_ms INTEGER NOT NULL,
                 notified INTEGER NOT NULL DEFAULT 0,
                 PRIMARY KEY (chain_id, block_number));",
        );
        self.db(created)?;
        self.ensure_indexes()?;
        let stored = Identity {
            role: self.meta("role")?.unwrap_or_default(),
            contract: self.meta("contract")?.unwrap_or_default(),
            account: self.meta("account")?.unwrap_or_default(),
        };
        if stored.role.is_empty() {
            let path = self.path.clone();
            let tx = self
                .conn
                .transaction()
                .map_err(|source| StoreError::Database { path, source })?;
            for (key, value) in [
                ("schema", SCHEMA_VERSION),
                ("role", identity.role.as_str()),
                ("contract", identity.contract.as_str()),
                ("account", identity.account.as_str()),
            ] {
                let inserted = tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![key, value],
                );
                inserted.map_err(|source| StoreError::Database {
                    path: self.path.clone(),
                    source,
                })?;
            }
            return tx.commit().map_err(|source| StoreError::Database {
                path: self.path.clone(),
                source,
            });
        }
        let schema = self.meta("schema")?.unwrap_or_default();
        if schema != SCHEMA_VERSION {
            return Err(StoreError::Schema {
                path: self.path.clone(),
                found: schema,
            });
        }
        if &stored != identity {
            return Err(StoreError::Mismatch {
                path: self.path.clone(),
                stored: stored.to_string(),
                given: identity.to_string(),
            });
        }
        Ok(())
    }

    /// The queue's index, created by whichever process opens the file first: a file written
    /// before the index existed gets it on its next open.
    fn ensure_indexes(&self) -> Result<(), StoreError> {
        let created = self.conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS rows_by_status ON rows (kind, status, key);",
        );
        self.db(created)
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let value = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .and_then(|mut statement| statement.query_row([key], |r| r.get(0)).optional());
        self.db(value)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last block processed and its time.
    pub fn cursor(&self) -> Result<Option<(u64, u64)>, StoreError> {
        let block = self.meta("cursor_block")?;
        let time = self.meta("cursor_time")?;
        match (block, time) {
            (Some(block), Some(time)) => {
                let parse = |v: String| {
                    v.parse::<u64>().map_err(|e| StoreError::Corrupt {
                        path: self.path.clone(),
                        reason: format!("cursor {v}: {e}"),
                    })
                };
                Ok(Some((parse(block)?, parse(time)?)))
            }
            _ => Ok(None),
        }
    }

    /// A value the agent keeps beside its rows (its configuration's snapshot, counters).
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.meta(&format!("setting:{key}"))
    }

    /// Every row of `kind`, in key order: (key, status, body).
    pub fn rows(&self, kind: &str) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut statement = self.db(self
            .conn
            .prepare_cached("SELECT key, status, body FROM rows WHERE kind = ?1 ORDER BY key"))?;
        let rows = statement
            .query_map([kind], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        self.db(rows)
    }

    /// The rows of `kind` whose status is `status`, by key, as `rows` gives them.
    pub fn rows_with_status(
        &self,
        kind: &str,
        status: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        // Named, because without statistics SQLite walks the primary key (kind, key) for the
        // order and filters every row of the kind by status: a step then grows with the file.
        let mut statement = self.db(self.conn.prepare_cached(
            "SELECT key, status, body FROM rows INDEXED BY rows_by_status
             WHERE kind = ?1 AND status = ?2 ORDER BY key",
        ))?;
        let rows = statement
            .query_map([kind, status], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        self.db(rows)
    }

    /// The calls decided on and not known to have executed, in the order they were decided.
    pub fn pending(&self) -> Result<Vec<Pending>, StoreError> {
        let mut statement = self.db(self
            .conn
            .prepare_cached("SELECT seq, call FROM outbox WHERE state = 'pending' ORDER BY seq"))?;
        let rows = statement
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        self.db(rows)?
            .into_iter()
            .map(|(seq, text)| {
                let call = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                    path: self.path.clone(),
                    reason: format!("outbox call {seq}: {e}"),
                })?;
                Ok(Pending { seq, call })
            })
            .collect()
    }

    /// Every call of the outbox in order: (call, state, outcome, wall-clock ms from the
    /// decision to the outcome).
    #[allow(clippy::type_complexity)]
    pub fn outbox(&self) -> Result<Vec<(String, String, Option<String>, Option<i64>)>, StoreError> {
        let mut statement = self.db(self.conn.prepare_cached(
            "SELECT call, state, outcome, finished_ms - decided_ms FROM outbox ORDER BY seq",
        ))?;
        let rows = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        self.db(rows)
    }

    /// Every fallback, in the order recorded: (id, reason, block, time, notified).
    pub fn fallbacks(&self) -> Result<Vec<(Fallback, bool)>, StoreError> {
        let mut statement = self.db(self.conn.prepare_cached(
            "SELECT chain_id, block_number, reason, block, time_ms, notified FROM fallback
             ORDER BY block, chain_id, block_number",
        ))?;
        let rows = statement
            .query_map([], |r| {
                Ok((
                    Fallback {
                        id: Id {
                            chain_id: r.get(0)?,
                            block_number: r.get(1)?,
                        },
                        reason: r.get(2)?,
                        block: r.get(3)?,
                        time_ms: r.get(4)?,
                    },
                    r.get::<_, i64>(5)? != 0,
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        self.db(rows)
    }

    /// Records that the fallback command ran for `id`.
    pub fn mark_notified(&mut self, id: Id) -> Result<(), StoreError> {
        let updated = self.conn.execute(
            "UPDATE fallback SET notified = 1 WHERE chain_id = ?1 AND block_number = ?2",
            params![id.chain_id, id.block_number],
        );
        self.db(updated).map(|_| ())
    }

    fn apply(tx: &Transaction<'_>, changes: &Changes) -> rusqlite::Result<()> {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO rows (kind, key, status, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind, key) DO UPDATE SET status = excluded.status, body = excluded.body",
        )?;
        for row in &changes.rows {
            upsert.execute(params![row.kind, row.key, row.status, row.body])?;
        }
        // A fallback is recorded once: a second one for the same batch is a no-op.
        let mut fallback = tx.prepare_cached(
            "INSERT OR IGNORE INTO fallback (chain_id, block_number, reason, block, time_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for f in &changes.fallbacks {
            fallback.execute(params![
                f.id.chain_id,
                f.id.block_number,
                f.reason,
                f.block,
                f.time_ms
            ])?;
        }
        Ok(())
    }

    /// Writes, in one transaction, what processing block `cursor` changed, the calls it
    /// decided on (as pending) and the cursor; returns the calls' outbox entries.
    pub fn commit_block(
        &mut self,
        cursor: (u64, u64),
        changes: &Changes,
        calls: &[Call],
    ) -> Result<Vec<Pending>, StoreError> {
        let path = self.path.clone();
        let db = |source| StoreError::Database {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(db)?;
        Self::apply(&tx, changes).map_err(db)?;
        let mut pending = Vec::with_capacity(calls.len());
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO outbox (block, call, state, decided_ms) VALUES (?1, ?2, 'pending', ?3)")
                .map_err(db)?;
            for call in calls {
                let text = serde_json::to_string(call).map_err(|e| StoreError::Corrupt {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                insert
                    .execute(params![cursor.0, text, wall_clock_ms()])
                    .map_err(db)?;
                pending.push(Pending {
                    seq: tx.last_insert_rowid(),
                    call: call.clone(),
                });
            }
            let mut meta = tx
                .prepare_cached(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .map_err(db)?;
            meta.execute(params!["cursor_block", cursor.0.to_string()])
                .map_err(db)?;
            meta.execute(params!["cursor_time", cursor.1.to_string()])
                .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(pending)
    }

    /// Writes, in one transaction, what the calls' outcomes changed and the outcomes, which
    /// take the calls out of the outbox.
    pub fn commit_outcomes(
        &mut self,
        changes: &Changes,
        outcomes: &[(i64, String)],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let db = |source| StoreError::Database {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(db)?;
        Self::apply(&tx, changes).map_err(db)?;
        {
            let mut done = tx
                .prepare_cached(
                    "UPDATE outbox SET state = 'done', outcome = ?2, finished_ms = ?3
                     WHERE seq = ?1",
                )
                .map_err(db)?;
            let now = wall_clock_ms();
            for (seq, outcome) in outcomes {
                done.execute(params![seq, outcome, now]).map_err(db)?;
            }
        }
        tx.commit().map_err(db)
    }

    /// Writes rows (and fallbacks) outside a block: an enqueued batch, a verdict.
    pub fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        self.commit_outcomes(changes, &[])
    }

    /// Sets a value kept beside the rows.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        let written = self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![format!("setting:{key}"), value],
        );
        self.db(written).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn an_outbox_entry_keeps_its_block_and_its_latency_from_decision_to_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("s.sqlite"), &identity()).unwrap();
        let pending = store
            .commit_block((7, 7_000), &Changes::default(), &[call(1), call(2)])
            .unwrap();
        assert_eq!(pending.len(), 2);
        assert_eq!(store.cursor().unwrap(), Some((7, 7_000)));
        store
            .commit_outcomes(&Changes::default(), &[(pending[0].seq, "ok".into())])
            .unwrap();
        let outbox = store.outbox().unwrap();
        assert_eq!(outbox.len(), 2);
        assert_eq!(outbox[0].1, "done");
        assert_eq!(outbox[0].2.as_deref(), Some("ok"));
        assert!(outbox[0].3.is_some_and(|ms| ms >= 0), "{:?}", outbox[0]);
        assert_eq!((outbox[1].1.as_str(), outbox[1].3), ("pending", None));
        assert_eq!(store.pending().unwrap().len(), 1);
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
            fallbacks: Vec::new(),
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
    fn a_state_file_of_another_agent_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        drop(Store::open(&path, &identity()).unwrap());
        let other = Identity {
            role: "network:Fermah".into(),
            ..identity()
        };
        assert!(matches!(
            Store::open(&path, &other),
            Err(StoreError::Mismatch { .. })
        ));
    }
}
