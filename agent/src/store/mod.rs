//! An agent's SQLite state: the rows of its state machine, the calls it decided on (the
//! outbox, `outbox.rs`), the fallbacks it recorded, the follower's cursor with its block's
//! hash, and the chain it belongs to (`identity.rs`). Everything one processed block changes is
//! written in one transaction, so an agent killed at any moment restarts from a consistent
//! state: the outbox holds exactly the calls whose outcome is not known. (WAL with
//! `synchronous = NORMAL`: a committed transaction survives the process being killed; only a
//! power loss can take back the last ones.) An agent runs the same dozen statements at every
//! step: each is prepared once per connection (`prepare_cached`), and the queue is read through
//! an index on the rows' status, so a step costs the same on the last day of a run as on the
//! first.

mod identity;
mod outbox;

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::call::Id;

pub use identity::{ChainIdentity, StoredChain};
pub use outbox::{Attempt, OutboxEntry, Pending, Settled};

const SCHEMA_VERSION: &str = "3";
/// The layout before the outbox kept its attempts and the store its chain: a file of this
/// version is migrated when opened (its chain is recorded at the agent's next start).
const MIGRATABLE_VERSION: &str = "2";

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
    #[error(
        "state file {path} belongs to another chain: {reason}. Its rows describe requests this \
         chain never saw; use another --state file (a reset development chain needs a new one)"
    )]
    OtherChain { path: PathBuf, reason: String },
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
    /// The contract's code hash, when a `CodeUpgraded` event changed it.
    pub code_hash: Option<[u8; 32]>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.fallbacks.is_empty() && self.code_hash.is_none()
    }
}

/// The last block an agent processed: every event up to it is in its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub number: u64,
    pub time_ms: u64,
    /// The block's hash, when the chain gave it: what tells this chain from a reset one.
    pub hash: Option<[u8; 32]>,
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

/// How long `lock` tries before it calls the state file in use: a child process the agent
/// starts (a prove command) holds a copy of every open file between its fork and its exec, the
/// lock file's too, for a moment.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_millis(200);

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
    let started = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_PATIENCE => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::InUse {
                    path: path.to_path_buf(),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StoreError::Lock {
                    path: lock,
                    reason: e.to_string(),
                })
            }
        }
    }
}

/// How long a writer waits for another process's transaction (`enqueue` beside a running
/// service) before giving up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

const TABLES: &str = "
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS rows (
        kind TEXT NOT NULL, key TEXT NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (kind, key)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY, block INTEGER NOT NULL, call TEXT NOT NULL,
        state TEXT NOT NULL, outcome TEXT,
        decided_ms INTEGER NOT NULL, finished_ms INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0, until_block INTEGER, retry_at INTEGER,
        last_error TEXT);
    CREATE TABLE IF NOT EXISTS fallback (
        chain_id INTEGER NOT NULL, block_number INTEGER NOT NULL, reason TEXT NOT NULL,
        block INTEGER NOT NULL, time_ms INTEGER NOT NULL,
        notified INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (chain_id, block_number));";

/// What version 2 lacks: an outbox call's attempts, the last block its attempts can be
/// included in, when it may be sent again and why the last attempt failed.
const MIGRATE_FROM_2: &str = "
    ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE outbox ADD COLUMN until_block INTEGER;
    ALTER TABLE outbox ADD COLUMN retry_at INTEGER;
    ALTER TABLE outbox ADD COLUMN last_error TEXT;
    UPDATE meta SET value = '3' WHERE key = 'schema';";

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
        let mut store = Store {
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
        store.check_schema()?;
        store.ensure_indexes()?;
        Ok(store)
    }

    fn db<T>(&self, result: rusqlite::Result<T>) -> Result<T, StoreError> {
        result.map_err(|source| StoreError::Database {
            path: self.path.clone(),
            source,
        })
    }

    /// Refuses a layout this agent does not read; migrates the one it can.
    fn check_schema(&mut self) -> Result<(), StoreError> {
        let schema = self.meta("schema")?.unwrap_or_default();
        if schema == MIGRATABLE_VERSION {
            let path = self.path.clone();
            let db = |source| StoreError::Database {
                path: path.clone(),
                source,
            };
            let tx = self.conn.transaction().map_err(db)?;
            tx.execute_batch(MIGRATE_FROM_2).map_err(db)?;
            return tx.commit().map_err(db);
        }
        if schema != SCHEMA_VERSION {
            return Err(StoreError::Schema {
                path: self.path.clone(),
                found: schema,
            });
        }
        Ok(())
    }

    fn init(&mut self, identity: &Identity) -> Result<(), StoreError> {
        let pragmas = self
            .conn
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        self.db(pragmas)?;
        // A file of the previous layout has its tables: migrate before anything reads them.
        if self.has_meta_table()? && self.meta("role")?.is_some() {
            self.check_schema()?;
        }
        let created = self.conn.execute_batch(TABLES);
        self.db(created)?;
        self.ensure_indexes()?;
        let stored = Identity {
            role: self.meta("role")?.unwrap_or_default(),
            contract: self.meta("contract")?.unwrap_or_default(),
            account: self.meta("account")?.unwrap_or_default(),
        };
        if stored.role.is_empty() {
            return self.write_meta(&[
                ("schema", SCHEMA_VERSION),
                ("role", identity.role.as_str()),
                ("contract", identity.contract.as_str()),
                ("account", identity.account.as_str()),
            ]);
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

    fn has_meta_table(&self) -> Result<bool, StoreError> {
        let found = self
            .conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                [],
                |_| Ok(()),
            )
            .optional();
        Ok(self.db(found)?.is_some())
    }

    /// Writes `pairs` into `meta` in one transaction.
    fn write_meta(&mut self, pairs: &[(&str, &str)]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let db = |source| StoreError::Database {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(db)?;
        for (key, value) in pairs {
            put_meta(&tx, key, value).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    /// The queue's index, created by whichever process opens the file first: a file written
    /// before the index existed gets it on its next open.
    fn ensure_indexes(&self) -> Result<(), StoreError> {
        let created = self.conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS rows_by_status ON rows (kind, status, key);
             CREATE INDEX IF NOT EXISTS outbox_by_state ON outbox (state, seq);",
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

    fn corrupt(&self, reason: String) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            reason,
        }
    }

    /// The last block processed, its time and hash.
    pub fn cursor(&self) -> Result<Option<Cursor>, StoreError> {
        let block = self.meta("cursor_block")?;
        let time = self.meta("cursor_time")?;
        let (Some(block), Some(time)) = (block, time) else {
            return Ok(None);
        };
        let parse = |v: String| {
            v.parse::<u64>()
                .map_err(|e| self.corrupt(format!("cursor {v}: {e}")))
        };
        let hash = match self.meta("cursor_hash")? {
            Some(text) => Some(identity::parse_hash(&text).map_err(|e| self.corrupt(e))?),
            None => None,
        };
        Ok(Some(Cursor {
            number: parse(block)?,
            time_ms: parse(time)?,
            hash,
        }))
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

    /// How many rows of `kind` have each status (through the status index: a scan of the
    /// kind's entries, which the metrics do every few seconds, not every step).
    pub fn count_by_status(&self, kind: &str) -> Result<Vec<(String, u64)>, StoreError> {
        let mut statement = self.db(self.conn.prepare_cached(
            "SELECT status, count(*) FROM rows INDEXED BY rows_by_status
             WHERE kind = ?1 GROUP BY status ORDER BY status",
        ))?;
        let rows = statement
            .query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))
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
        if let Some(hash) = changes.code_hash {
            put_meta(tx, "code_hash", &hex::encode(hash))?;
        }
        Ok(())
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

fn put_meta(tx: &Transaction<'_>, key: &str, value: &str) -> rusqlite::Result<()> {
    let mut statement = tx.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?;
    statement.execute(params![key, value]).map(|_| ())
}

/// The wall clock (ms since the epoch): when a call was decided and when its outcome was
/// known, for the inclusion latency a live node's operator watches.
fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests;
