//! The SQLite store: events keyed by (block number, event index), inserted idempotently, and the
//! observed window, whose end is the cursor, written in the same transaction as the events it
//! covers; the blocks whose events did not decode; and which chain the store follows (genesis
//! hash, the cursor block's hash, the contract's code hash), so that a store is never extended
//! with the blocks of another chain.

use std::path::{Path, PathBuf};

use proof_manager::{EventDecodeError, ManagerEvent};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{hex32, Error, Result};
use crate::source::SourceBlock;

/// The database file the command-line tool uses unless `--db` names another.
pub const DEFAULT_DB: &str = "proof-manager-audit.sqlite";

/// Version 2 added the chain's identity (`genesis` and `code_hash` in `meta`, the cursor block's
/// `last_hash` in `window`) and the `undecodable` blocks; a version-1 file is migrated on open.
const SCHEMA_VERSION: i64 = 2;

/// A block the store has processed: every event of the contract up to it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub block_number: u64,
    pub block_time_ms: u64,
}

/// The blocks the store has seen: from the first block ingested to the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub first: Cursor,
    pub last: Cursor,
}

/// Which chain a store follows, as far as it knows: a store filled by `import` (JSON Lines) knows
/// none of it until a node is followed into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Identity {
    /// The chain's genesis hash.
    pub genesis: Option<[u8; 32]>,
    /// The hash of the cursor's block.
    pub cursor_hash: Option<[u8; 32]>,
    /// The contract's code hash at the cursor's block.
    pub code_hash: Option<[u8; 32]>,
}

/// A block whose events could not all be decoded: it is stored with the events that could be,
/// and contract events of it may be missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndecodableBlock {
    pub block_number: u64,
    pub block_time_ms: u64,
    pub reason: String,
}

/// A stored event, borrowed from the database row it was read from.
#[derive(Debug, Clone, Copy)]
pub struct StoredEvent<'a> {
    pub block_number: u64,
    pub event_index: u32,
    pub block_time_ms: u64,
    /// `None` for an event that had no topics at all.
    pub signature: Option<[u8; 32]>,
    pub data: &'a [u8],
}

impl StoredEvent<'_> {
    /// Decodes with the contract's own decoder, which dispatches on the signature topic.
    pub fn decode(&self) -> Result<ManagerEvent, EventDecodeError> {
        match self.signature {
            Some(signature) => ManagerEvent::decode(&[signature], self.data),
            None => ManagerEvent::decode(&[], self.data),
        }
    }
}

/// The auditor's database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// Inserts events inside one transaction; see [`Store::write`].
pub struct Inserter<'s, 't> {
    insert: rusqlite::Statement<'s>,
    tx: &'t rusqlite::Transaction<'s>,
    path: &'t Path,
    inserted: u64,
}

impl Inserter<'_, '_> {
    /// Stores one event unless an event with its key is already stored; returns whether it was
    /// new.
    pub fn insert(
        &mut self,
        block_number: u64,
        event_index: u32,
        block_time_ms: u64,
        signature: Option<&[u8; 32]>,
        data: &[u8],
    ) -> Result<bool> {
        let changed = self
            .insert
            .execute(params![
                block_number,
                event_index,
                block_time_ms,
                signature.map(|s| &s[..]),
                data
            ])
            .map_err(|e| db_error(self.path, e))?;
        self.inserted += changed as u64;
        Ok(changed == 1)
    }

    /// Binds the store to `contract` in this transaction, or checks that it already is.
    pub fn claim_contract(&mut self, contract: [u8; 32]) -> Result<()> {
        let stored: Option<Vec<u8>> = self
            .tx
            .query_row("SELECT value FROM meta WHERE key = 'contract'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| db_error(self.path, e))?;
        match stored {
            Some(stored) if stored[..] == contract[..] => Ok(()),
            Some(stored) => Err(Error::ContractMismatch {
                stored: format!("0x{}", hex::encode(stored)),
                given: hex32(&contract),
            }),
            None => {
                self.tx
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('contract', ?1)",
                        [&contract[..]],
                    )
                    .map_err(|e| db_error(self.path, e))?;
                Ok(())
            }
        }
    }

    /// Records the chain's genesis hash, once: a store follows one chain.
    pub fn set_genesis(&mut self, genesis: [u8; 32]) -> Result<()> {
        set_meta(self.tx, "genesis", &genesis).map_err(|e| db_error(self.path, e))
    }

    /// Records the contract's code hash as of the block this transaction stores.
    pub fn set_code_hash(&mut self, code_hash: [u8; 32]) -> Result<()> {
        set_meta(self.tx, "code_hash", &code_hash).map_err(|e| db_error(self.path, e))
    }

    /// The store's identity as this transaction sees it.
    pub fn identity(&self) -> Result<Identity> {
        read_identity(self.tx).map_err(|e| db_error(self.path, e))
    }

    /// Stores one block: its events, why some could not be read if so, and the window extended
    /// to it with its hash when it becomes the cursor. Returns how many events were new.
    pub fn ingest_block(&mut self, block: &SourceBlock) -> Result<u64> {
        for event in &block.events {
            self.insert(
                block.number,
                event.event_index,
                block.time_ms,
                event.topics.first(),
                &event.data,
            )?;
        }
        if let Some(reason) = &block.undecodable {
            self.tx
                .execute(
                    "INSERT INTO undecodable (block_number, block_time_ms, reason)
                     VALUES (?1, ?2, ?3)
                     ON CONFLICT (block_number) DO UPDATE SET block_time_ms = ?2, reason = ?3",
                    params![block.number, block.time_ms, reason],
                )
                .map_err(|e| db_error(self.path, e))?;
        }
        let here = Cursor {
            block_number: block.number,
            block_time_ms: block.time_ms,
        };
        self.extend_window(Window {
            first: here,
            last: here,
        })?;
        if let Some(hash) = block.hash {
            self.tx
                .execute(
                    "UPDATE window SET last_hash = ?1 WHERE id = 0 AND last_block = ?2",
                    params![&hash[..], block.number],
                )
                .map_err(|e| db_error(self.path, e))?;
        }
        Ok(self.inserted)
    }

    /// The window stored before this transaction's changes to it.
    pub fn window(&self) -> Result<Option<Window>> {
        read_window(self.tx).map_err(|e| db_error(self.path, e))
    }

    /// How many events this transaction added so far.
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// Extends the stored window to cover `window`, in the same transaction as the events. A
    /// cursor moved this way forgets its block's hash (`ingest_block` writes the new one).
    pub fn extend_window(&mut self, window: Window) -> Result<()> {
        let stored = read_window(self.tx).map_err(|e| db_error(self.path, e))?;
        let merged = match stored {
            None => window,
            Some(stored) => Window {
                first: stored.first.min(window.first),
                last: stored.last.max(window.last),
            },
        };
        self.tx
            .execute(
                "INSERT INTO window (id, first_block, first_time, last_block, last_time)
                 VALUES (0, ?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET first_block = ?1, first_time = ?2,
                     last_hash = CASE WHEN last_block = ?3 THEN last_hash END,
                     last_block = ?3, last_time = ?4",
                params![
                    merged.first.block_number,
                    merged.first.block_time_ms,
                    merged.last.block_number,
                    merged.last.block_time_ms
                ],
            )
            .map_err(|e| db_error(self.path, e))?;
        Ok(())
    }
}

fn db_error(path: &Path, source: rusqlite::Error) -> Error {
    Error::Database {
        path: path.to_path_buf(),
        source,
    }
}

fn read_meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

fn set_meta(conn: &Connection, key: &str, value: &[u8]) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = ?2",
        params![key, value],
    )
    .map(|_| ())
}

/// 32 bytes from a blob; anything else reads as absent.
fn hash32(value: Option<Vec<u8>>) -> Option<[u8; 32]> {
    value.and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
}

fn read_identity(conn: &Connection) -> rusqlite::Result<Identity> {
    let cursor_hash = conn
        .query_row("SELECT last_hash FROM window WHERE id = 0", [], |r| {
            r.get::<_, Option<Vec<u8>>>(0)
        })
        .optional()?
        .flatten();
    Ok(Identity {
        genesis: hash32(read_meta(conn, "genesis")?),
        cursor_hash: hash32(cursor_hash),
        code_hash: hash32(read_meta(conn, "code_hash")?),
    })
}

fn read_window(conn: &Connection) -> rusqlite::Result<Option<Window>> {
    conn.query_row(
        "SELECT first_block, first_time, last_block, last_time FROM window WHERE id = 0",
        [],
        |row| {
            Ok(Window {
                first: Cursor {
                    block_number: row.get(0)?,
                    block_time_ms: row.get(1)?,
                },
                last: Cursor {
                    block_number: row.get(2)?,
                    block_time_ms: row.get(3)?,
                },
            })
        },
    )
    .optional()
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path).map_err(|e| db_error(&path, e))?;
        Self::init(conn, path)
    }

    /// A database in memory, for tests and one-off reports.
    pub fn open_in_memory() -> Result<Self> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| db_error(&path, e))?;
        Self::init(conn, path)
    }

    fn init(mut conn: Connection, path: PathBuf) -> Result<Self> {
        // WAL with synchronous=NORMAL: a commit survives the process being killed, and a
        // power loss can only drop whole transactions, each one a block's events together
        // with the cursor that covers them.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;",
        )
        .map_err(|e| db_error(&path, e))?;
        let tx = conn.transaction().map_err(|e| db_error(&path, e))?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)
                 WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS window (
                 id INTEGER PRIMARY KEY CHECK (id = 0),
                 first_block INTEGER NOT NULL, first_time INTEGER NOT NULL,
                 last_block INTEGER NOT NULL, last_time INTEGER NOT NULL,
                 last_hash BLOB);
             CREATE TABLE IF NOT EXISTS events (
                 block_number INTEGER NOT NULL, event_index INTEGER NOT NULL,
                 block_time_ms INTEGER NOT NULL, signature BLOB, data BLOB NOT NULL,
                 PRIMARY KEY (block_number, event_index)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS undecodable (
                 block_number INTEGER PRIMARY KEY, block_time_ms INTEGER NOT NULL,
                 reason TEXT NOT NULL);",
        )
        .map_err(|e| db_error(&path, e))?;
        let version: Option<i64> = tx
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| db_error(&path, e))?;
        if let Some(other) = version.filter(|v| !(1..=SCHEMA_VERSION).contains(v)) {
            return Err(db_error(
                &path,
                rusqlite::Error::InvalidParameterName(format!(
                    "schema version {other}, this auditor reads versions 1 to {SCHEMA_VERSION}"
                )),
            ));
        }
        // A version-1 file: its `window` table predates the cursor block's hash.
        let has_hash: i64 = tx
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('window') WHERE name = 'last_hash'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| db_error(&path, e))?;
        if has_hash == 0 {
            tx.execute_batch("ALTER TABLE window ADD COLUMN last_hash BLOB")
                .map_err(|e| db_error(&path, e))?;
        }
        if version != Some(SCHEMA_VERSION) {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = ?1",
                [SCHEMA_VERSION],
            )
            .map_err(|e| db_error(&path, e))?;
        }
        tx.commit().map_err(|e| db_error(&path, e))?;
        Ok(Self { conn, path })
    }

    /// The file the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |e| db_error(&self.path, e)
    }

    /// The contract whose events the store holds, once any source has been ingested.
    pub fn contract(&self) -> Result<Option<[u8; 32]>> {
        let value: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'contract'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.db())?;
        Ok(value.and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok()))
    }

    /// Binds the store to `contract`, or checks that it already is: one store, one contract.
    pub fn claim_contract(&mut self, contract: [u8; 32]) -> Result<()> {
        self.write(|w| w.claim_contract(contract))
    }

    /// The last block processed, if any.
    pub fn cursor(&self) -> Result<Option<Cursor>> {
        Ok(self.window()?.map(|w| w.last))
    }

    /// The observed window, if anything was ingested.
    pub fn window(&self) -> Result<Option<Window>> {
        read_window(&self.conn).map_err(self.db())
    }

    /// Runs `f` in one transaction, committed only if `f` succeeds: everything or nothing.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Inserter<'_, '_>) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| db_error(&path, e))?;
        let value = {
            let insert = tx
                .prepare(
                    "INSERT OR IGNORE INTO events
                     (block_number, event_index, block_time_ms, signature, data)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| db_error(&path, e))?;
            let mut inserter = Inserter {
                insert,
                tx: &tx,
                path: &path,
                inserted: 0,
            };
            f(&mut inserter)?
        };
        tx.commit().map_err(|e| db_error(&path, e))?;
        Ok(value)
    }

    /// Stores one block (its events, whether they all decoded, its hash) and moves the cursor to
    /// it, in one transaction. Returns how many events were new.
    pub fn ingest_block(&mut self, block: &SourceBlock) -> Result<u64> {
        self.write(|w| w.ingest_block(block))
    }

    /// Which chain the store follows, as far as it knows.
    pub fn identity(&self) -> Result<Identity> {
        read_identity(&self.conn).map_err(self.db())
    }

    /// The blocks whose events did not all decode, in chain order.
    pub fn undecodable_blocks(&self) -> Result<Vec<UndecodableBlock>> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT block_number, block_time_ms, reason FROM undecodable
                 ORDER BY block_number",
            )
            .map_err(self.db())?;
        let rows = statement
            .query_map([], |row| {
                Ok(UndecodableBlock {
                    block_number: row.get(0)?,
                    block_time_ms: row.get(1)?,
                    reason: row.get(2)?,
                })
            })
            .map_err(self.db())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.db())
    }

    /// How many events are stored.
    pub fn event_count(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
            .map_err(self.db())
    }

    /// Calls `f` on every stored event in chain order, stopping at its first error.
    pub fn for_each_event(&self, mut f: impl FnMut(StoredEvent<'_>) -> Result<()>) -> Result<()> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT block_number, event_index, block_time_ms, signature, data FROM events
                 ORDER BY block_number, event_index",
            )
            .map_err(self.db())?;
        let mut rows = statement.query([]).map_err(self.db())?;
        while let Some(row) = rows.next().map_err(self.db())? {
            let signature = match row.get_ref(3).map_err(self.db())? {
                rusqlite::types::ValueRef::Blob(bytes) => <[u8; 32]>::try_from(bytes).ok(),
                _ => None,
            };
            let data = row
                .get_ref(4)
                .and_then(|v| v.as_blob().map_err(rusqlite::Error::from))
                .map_err(self.db())?;
            f(StoredEvent {
                block_number: row.get(0).map_err(self.db())?,
                event_index: row.get(1).map_err(self.db())?,
                block_time_ms: row.get(2).map_err(self.db())?,
                signature,
                data,
            })?;
        }
        Ok(())
    }
}
