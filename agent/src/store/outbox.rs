//! The outbox: every call an agent decided on, written before it is sent, with its attempts,
//! the last block in which an attempt of unknown fate can still be included, when it may be
//! sent again, and at last its outcome: done (executed, found applied, or refused) or abandoned.

use rusqlite::{params, OptionalExtension, Transaction};

use super::{put_meta, wall_clock_ms, Changes, Cursor, Store, StoreError};
use crate::call::Call;

/// A call of the outbox whose outcome is not known yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub seq: i64,
    pub call: Call,
    /// The cursor when it was decided: an effect of it can only be in a later block.
    pub decided_block: u64,
    /// Attempts begun so far (0: written, never sent).
    pub attempts: u32,
    /// The last block in which one of its attempts whose fate is unknown can still be
    /// included; `None` when every attempt is known not to have executed.
    pub until_block: Option<u64>,
    /// When it may be sent again (the chain's retry clock, ms); `None`: whenever looked at.
    pub retry_at: Option<u64>,
    /// Why the last attempt did not give an outcome.
    pub last_error: Option<String>,
}

/// What the outbox records about a pending call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The outcome is known: executed, found applied on chain, or refused by the contract.
    Done(String),
    /// Given up after its attempts: none executed and none can any more.
    Abandoned(String),
    /// Still pending: to be looked at again at `retry_at`; `until_block` extends how long an
    /// attempt of unknown fate can still be included.
    Retry {
        retry_at: u64,
        until_block: Option<u64>,
        error: String,
    },
}

/// How one attempt went, as the driver told it, before the outbox turns it into `Settled`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The chain did not execute it and will not.
    NotExecuted(String),
    /// It may have executed, or may still, up to block `until_block`.
    Unknown { reason: String, until_block: u64 },
}

/// One call of the outbox as `outbox` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The call, JSON.
    pub call: String,
    /// `pending`, `done` or `abandoned`.
    pub state: String,
    pub outcome: Option<String>,
    /// Wall-clock ms from the decision to the outcome.
    pub latency_ms: Option<i64>,
    pub attempts: u32,
    pub last_error: Option<String>,
}

fn record(tx: &Transaction<'_>, outcomes: &[(i64, Settled)]) -> rusqlite::Result<()> {
    let now = wall_clock_ms();
    let mut finish = tx.prepare_cached(
        "UPDATE outbox SET state = ?2, outcome = ?3, finished_ms = ?4, retry_at = NULL
         WHERE seq = ?1",
    )?;
    let mut retry = tx.prepare_cached(
        "UPDATE outbox SET retry_at = ?2, last_error = ?3,
             until_block = max(coalesce(until_block, ?4), coalesce(?4, until_block))
         WHERE seq = ?1",
    )?;
    for (seq, settled) in outcomes {
        match settled {
            Settled::Done(text) => finish.execute(params![seq, "done", text, now])?,
            Settled::Abandoned(text) => finish.execute(params![seq, "abandoned", text, now])?,
            Settled::Retry {
                retry_at,
                until_block,
                error,
            } => retry.execute(params![seq, retry_at, error, until_block])?,
        };
    }
    Ok(())
}

impl Store {
    /// Writes, in one transaction, what processing block `cursor` changed, what became of
    /// earlier calls (`settled`: a claim found in the block's events), the calls it decided on
    /// (as pending, their first attempt begun when `horizon`, the last block it can be
    /// included in, is given) and the cursor; returns the new calls' outbox entries.
    pub fn commit_block(
        &mut self,
        cursor: Cursor,
        changes: &Changes,
        calls: &[Call],
        horizon: Option<u64>,
        settled: &[(i64, Settled)],
    ) -> Result<Vec<Pending>, StoreError> {
        let path = self.path.clone();
        let db = |source| StoreError::Database {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(db)?;
        Self::apply(&tx, changes).map_err(db)?;
        record(&tx, settled).map_err(db)?;
        let attempts = u32::from(horizon.is_some());
        let mut pending = Vec::with_capacity(calls.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO outbox (block, call, state, decided_ms, attempts, until_block)
                     VALUES (?1, ?2, 'pending', ?3, ?4, ?5)",
                )
                .map_err(db)?;
            for call in calls {
                let text = serde_json::to_string(call).map_err(|e| StoreError::Corrupt {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                insert
                    .execute(params![
                        cursor.number,
                        text,
                        wall_clock_ms(),
                        attempts,
                        horizon
                    ])
                    .map_err(db)?;
                pending.push(Pending {
                    seq: tx.last_insert_rowid(),
                    call: call.clone(),
                    decided_block: cursor.number,
                    attempts,
                    until_block: horizon,
                    retry_at: None,
                    last_error: None,
                });
            }
            put_meta(&tx, "cursor_block", &cursor.number.to_string()).map_err(db)?;
            put_meta(&tx, "cursor_time", &cursor.time_ms.to_string()).map_err(db)?;
            match cursor.hash {
                Some(hash) => put_meta(&tx, "cursor_hash", &hex::encode(hash)).map_err(db)?,
                None => {
                    tx.execute("DELETE FROM meta WHERE key = 'cursor_hash'", [])
                        .map_err(db)?;
                }
            }
        }
        tx.commit().map_err(db)?;
        Ok(pending)
    }

    /// Writes, in one transaction, what the calls' outcomes changed and the outcomes.
    pub fn commit_outcomes(
        &mut self,
        changes: &Changes,
        outcomes: &[(i64, Settled)],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let db = |source| StoreError::Database {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(db)?;
        Self::apply(&tx, changes).map_err(db)?;
        record(&tx, outcomes).map_err(db)?;
        tx.commit().map_err(db)
    }

    /// Records, before they are sent again, that another attempt of each call in `seqs`
    /// begins, which the chain can include up to block `horizon`.
    pub fn begin_attempts(&mut self, seqs: &[i64], horizon: u64) -> Result<(), StoreError> {
        let path = self.path.clone();
        let db = |source| StoreError::Database {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(db)?;
        {
            let mut begin = tx
                .prepare_cached(
                    "UPDATE outbox SET attempts = attempts + 1, retry_at = NULL,
                         until_block = max(coalesce(until_block, ?2), ?2)
                     WHERE seq = ?1",
                )
                .map_err(db)?;
            for seq in seqs {
                begin.execute(params![seq, horizon]).map_err(db)?;
            }
        }
        tx.commit().map_err(db)
    }

    /// The calls whose outcome is not known, in the order they were decided.
    pub fn pending(&self) -> Result<Vec<Pending>, StoreError> {
        let mut statement = self.db(self.conn.prepare_cached(
            "SELECT seq, call, block, attempts, until_block, retry_at, last_error
             FROM outbox WHERE state = 'pending' ORDER BY seq",
        ))?;
        #[allow(clippy::type_complexity)]
        let rows: rusqlite::Result<
            Vec<(
                i64,
                String,
                u64,
                u32,
                Option<u64>,
                Option<u64>,
                Option<String>,
            )>,
        > = statement
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .and_then(|rows| rows.collect());
        self.db(rows)?
            .into_iter()
            .map(
                |(seq, text, decided_block, attempts, until_block, retry_at, last_error)| {
                    let call = serde_json::from_str(&text)
                        .map_err(|e| self.corrupt(format!("outbox call {seq}: {e}")))?;
                    Ok(Pending {
                        seq,
                        call,
                        decided_block,
                        attempts,
                        until_block,
                        retry_at,
                        last_error,
                    })
                },
            )
            .collect()
    }

    /// How many calls of the outbox are pending (through the `outbox_by_state` index).
    pub fn pending_count(&self) -> Result<u64, StoreError> {
        let count = self
            .conn
            .prepare_cached("SELECT count(*) FROM outbox WHERE state = 'pending'")
            .and_then(|mut s| s.query_row([], |r| r.get(0)));
        self.db(count)
    }

    /// Whether a call of the outbox is pending (the `outbox_by_state` index makes it cheap).
    pub fn has_pending(&self) -> Result<bool, StoreError> {
        let found = self
            .conn
            .prepare_cached("SELECT 1 FROM outbox WHERE state = 'pending' LIMIT 1")
            .and_then(|mut s| s.query_row([], |_| Ok(())).optional());
        Ok(self.db(found)?.is_some())
    }

    /// Every call of the outbox in order.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut statement = self.db(self.conn.prepare_cached(
            "SELECT call, state, outcome, finished_ms - decided_ms, attempts, last_error
             FROM outbox ORDER BY seq",
        ))?;
        let rows = statement
            .query_map([], |r| {
                Ok(OutboxEntry {
                    call: r.get(0)?,
                    state: r.get(1)?,
                    outcome: r.get(2)?,
                    latency_ms: r.get(3)?,
                    attempts: r.get(4)?,
                    last_error: r.get(5)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        self.db(rows)
    }
}
