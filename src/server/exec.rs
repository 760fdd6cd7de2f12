//! Running Hrana statements on one stream's libSQL connection.
//!
//! Everything here is synchronous: callers run it on a blocking thread, because a statement
//! may wait up to the busy timeout for another stream's write lock, unless the busy wait is
//! off (`pipeline::execute_quick`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::sqlite::{Connection, Denial, SqliteError, Statement};

use super::error::{from_prepare, from_sqlite, ServeError, QUICK_INTERRUPTED};
use super::gate::{Gate, Ticket};
use super::limits::Limits;
use super::bind::bind;
use super::columns::{col, encoded_size, non_empty, value};
use super::proto::{Col, DescribeCol, DescribeParam, DescribeResult, Stmt, Value};
use super::quick::{Quick, QUICK_LIMIT};

const SQLITE_INTERRUPT: i32 = 9;
const SQLITE_AUTH: i32 = 23;

/// How long a statement waits for another stream's lock before `SQLITE_BUSY`.
const BUSY_TIMEOUT_MS: u32 = 5_000;

/// SQL texts stored with `store_sql`, by id.
pub type Sqls = HashMap<i32, String>;

/// Receives a statement's output as it is produced (a result set, or cursor entries).
pub trait RowSink {
    fn begin(&mut self, cols: Vec<Col>);
    fn row(&mut self, row: Vec<Value>);
    /// Whether the reader went away: the statement stops at the next row.
    fn stopped(&self) -> bool {
        false
    }
}

/// What a finished statement reports.
pub struct StepEnd {
    pub affected_row_count: u64,
    /// Whether the statement may have written (only reads are vetted for the quick path).
    pub wrote: bool,
    pub last_insert_rowid: Option<i64>,
    pub rows_read: u64,
    pub query_duration_ms: f64,
}

/// One stream's database connection.
pub struct Db {
    pub(super) conn: Connection,
    /// Admits this connection's transactions past a sync checkpoint (see `gate`).
    gate: Option<Arc<Gate>>,
    /// Held from the first statement of a transaction until the connection is back in autocommit.
    ticket: Option<Ticket>,
    /// On the quick path (read-only, outside a transaction, on an async worker): nothing to
    /// hold the gate for, no busy wait, and a short deadline.
    quick: bool,
    limits: Arc<Limits>,
    vetted: Arc<Quick>,
    /// When the open transaction began; it is rolled back past `limits.txn_timeout`.
    txn_since: Option<Instant>,
    /// The transaction was rolled back for its age: the next statement reports it.
    expired: bool,
    /// Result bytes produced for the current request (`limits.max_total_response_size`).
    sent: u64,
}

// SAFETY: libSQL is built with SQLITE_THREADSAFE=1, so a connection may move between threads;
// a `Db` is owned by one stream and used by one thread at a time (it moves with the stream).
unsafe impl Send for Db {}

impl Db {
    /// A test connection with the server's defaults (WAL).
    #[cfg(test)]
    pub fn open(path: &str) -> Result<Self, SqliteError> {
        Self::over(Connection::open(path)?, None, Arc::default(), Arc::default())
    }

    /// A test connection in rollback-journal mode, where a writer's lock blocks readers.
    #[cfg(test)]
    pub fn open_rollback(path: &str) -> Result<Self, SqliteError> {
        let settings = crate::sqlite::FileSettings { journal: crate::sqlite::Journal::Delete, ..Default::default() };
        Self::over(Connection::open_with(path, &settings)?, None, Arc::default(), Arc::default())
    }

    /// A server connection: it never checkpoints (replicas count WAL frames; see `generation`)
    /// and runs under the server's [`Policy`](crate::sqlite::Policy).
    pub fn open_gated(path: &str, gate: Option<Arc<Gate>>, limits: Arc<Limits>, vetted: Arc<Quick>) -> Result<Self, SqliteError> {
        Self::over(Connection::open(path)?, gate, limits, vetted)
    }

    fn over(mut conn: Connection, gate: Option<Arc<Gate>>, limits: Arc<Limits>, vetted: Arc<Quick>) -> Result<Self, SqliteError> {
        conn.set_busy_timeout(BUSY_TIMEOUT_MS);
        conn.keep_wal()?;
        conn.set_policy(limits.allow_attach);
        Ok(Self { conn, gate, ticket: None, quick: false, limits, vetted, txn_since: None, expired: false, sent: 0 })
    }

    pub fn is_autocommit(&self) -> bool {
        self.conn.is_autocommit()
    }

    /// The SQL texts vetted for the quick path, shared by the server's connections.
    pub fn quick(&self) -> Arc<Quick> {
        Arc::clone(&self.vetted)
    }

    /// On the quick path statements fail at once with `SQLITE_BUSY` instead of waiting for
    /// another stream's lock, and are interrupted after `quick::QUICK_LIMIT`.
    pub fn set_quick(&mut self, quick: bool) {
        self.conn.set_busy_timeout(if quick { 0 } else { BUSY_TIMEOUT_MS });
        self.quick = quick;
    }

    /// Grants or withdraws the right to write for the statements that follow.
    pub fn set_can_write(&mut self, can_write: bool) {
        self.conn.set_read_only(!can_write);
    }

    fn read_only(&self) -> bool {
        self.conn.policy().is_some_and(|p| p.is_read_only())
    }

    /// Whether the connection changed its own state (a pragma, an attached database, a temp
    /// object) and must not go back to the pool.
    pub fn is_dirty(&self) -> bool {
        self.conn.policy().is_none_or(|p| p.is_dirty())
    }

    /// Starts counting result bytes for a new request.
    pub fn reset_budget(&mut self) {
        self.sent = 0;
    }

    /// The flag that stops this connection's running read from another thread (see
    /// [`Policy::cancel_flag`](crate::sqlite::Policy::cancel_flag)).
    pub fn cancel_flag(&self) -> Option<Arc<std::sync::atomic::AtomicBool>> {
        self.conn.policy().map(|p| p.cancel_flag())
    }

    /// Whether its transaction is older than the server allows.
    pub fn is_stale(&self, now: Instant) -> bool {
        self.txn_since.is_some_and(|t| now.saturating_duration_since(t) > self.limits.txn_timeout)
    }

    /// Rolls back a transaction that ran too long (its ticket goes: a checkpoint may pass).
    pub fn expire(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_script("ROLLBACK");
        }
        self.ticket = None;
        self.txn_since = None;
        self.expired = true;
    }

    fn check_expiry(&mut self) -> Result<(), ServeError> {
        // No clock read for the common case: no transaction open.
        if self.txn_since.is_some() && self.is_stale(Instant::now()) {
            self.expire();
        }
        if std::mem::take(&mut self.expired) {
            return Err(ServeError::stmt(
                "TRANSACTION_TIMEOUT",
                format!(
                    "Transaction timed out: it was open longer than {} s and was rolled back",
                    self.limits.txn_timeout.as_secs_f64()
                ),
            ));
        }
        Ok(())
    }

    /// An SQLite error as the client should see it: refusals by the authorizer and the
    /// deadline say why.
    fn error(&self, e: SqliteError, preparing: bool) -> ServeError {
        let policy = self.conn.policy();
        match e.raw_code & 0xff {
            SQLITE_AUTH => match policy.and_then(|p| p.take_denial()) {
                Some(Denial::ReadOnly) => ServeError::read_only(),
                Some(Denial::Attach) => ServeError::stmt(
                    "SQLITE_AUTH",
                    "SQLite error: not authorized: ATTACH and DETACH are disabled on this server (start `astro-db serve` with --allow-attach to allow them)",
                ),
                None => from_sqlite(e),
            },
            SQLITE_INTERRUPT if policy.is_some_and(|p| p.take_timed_out()) => {
                if self.quick {
                    ServeError::stmt(QUICK_INTERRUPTED, "interrupted on the quick path")
                } else {
                    ServeError::stmt(
                        "SQLITE_INTERRUPT",
                        format!(
                            "SQLite error: interrupted: the statement ran longer than the server's query timeout of {} s (astro-db serve --query-timeout)",
                            self.limits.query_timeout.as_secs_f64()
                        ),
                    )
                }
            }
            _ if preparing => from_prepare(e),
            _ => from_sqlite(e),
        }
    }

    /// Arms the deadline for one statement (disarmed by [`Db::disarm`]).
    fn arm(&self) {
        if let Some(p) = self.conn.policy() {
            p.set_deadline(Some(if self.quick { QUICK_LIMIT } else { self.limits.query_timeout }));
        }
    }

    fn disarm(&self) {
        if let Some(p) = self.conn.policy() {
            p.set_deadline(None);
        }
    }

    /// Whether `sql` is a read-only statement (a SELECT, or a transaction-control statement,
    /// which SQLite counts as read-only); `false` when it does not prepare.
    pub fn is_read_only(&mut self, sql: &str) -> bool {
        match self.conn.acquire(sql) {
            Ok(Some(cached)) => {
                let readonly = cached.stmt.is_readonly();
                self.conn.release(cached);
                readonly
            }
            _ => false,
        }
    }

    /// Checks a statement without running it: one statement, its arguments' shape, its syntax.
    /// Errors here fail the whole request, as sqld's up-front parse does. Rights are not
    /// decided here but by the authorizer whenever SQLite compiles (a write a read-only token
    /// sends is refused here already when it compiles; otherwise when it runs).
    pub fn check(&mut self, sql: &str, stmt: &Stmt) -> Result<(), ServeError> {
        if !stmt.args.is_empty() && !stmt.named_args.is_empty() {
            return Err(ServeError::stmt(
                "ARGS_BOTH_POSITIONAL_AND_NAMED",
                "Specifying both positional and named arguments is not supported",
            ));
        }
        let cached = match self.conn.acquire(sql) {
            Ok(Some(c)) => c,
            Ok(None) => return Err(ServeError::stmt("SQL_NO_STATEMENT", "SQL string does not contain any statement")),
            Err(e) => {
                // Only syntax errors and refusals are known before running: "no such table"
                // may be fixed by an earlier step of the same batch.
                return match self.error(e, true) {
                    ServeError::Stmt(p) if p.code == "SQL_PARSE_ERROR" => Err(ServeError::Stmt(p)),
                    e @ ServeError::Forbidden(_) => Err(e),
                    _ => Ok(()),
                };
            }
        };
        let tail = cached.stmt.tail();
        self.conn.release(cached);
        if has_statement(&mut self.conn, &sql[tail..]) {
            return Err(ServeError::stmt("SQL_MANY_STATEMENTS", "SQL string contains more than one statement"));
        }
        Ok(())
    }

    /// Runs one statement, feeding its rows to `sink` (rows are returned even when the
    /// client said `want_rows: false`, as sqld does).
    pub fn run(&mut self, sql: &str, stmt: &Stmt, sink: &mut dyn RowSink) -> Result<StepEnd, ServeError> {
        self.check_expiry()?;
        self.admit();
        let was_autocommit = self.conn.is_autocommit();
        self.arm();
        let out = self.run_admitted(sql, stmt, sink);
        self.disarm();
        self.settle();
        if let Ok(end) = &out {
            if !self.quick && was_autocommit && self.conn.is_autocommit() && !end.wrote {
                self.vetted.observe(sql, Duration::from_secs_f64(end.query_duration_ms / 1000.0));
            }
        }
        out
    }

    /// Takes a ticket for the transaction this statement starts or runs in (none on the quick
    /// path: a read outside a transaction writes no frame).
    fn admit(&mut self) {
        if self.ticket.is_none() && !self.quick {
            self.ticket = self.gate.as_ref().map(|g| g.enter());
        }
    }

    /// Gives the ticket back once no transaction is open, and dates a new one.
    fn settle(&mut self) {
        if self.conn.is_autocommit() {
            self.ticket = None;
            self.txn_since = None;
        } else if self.txn_since.is_none() {
            self.txn_since = Some(Instant::now());
        }
    }

    fn run_admitted(&mut self, sql: &str, stmt: &Stmt, sink: &mut dyn RowSink) -> Result<StepEnd, ServeError> {
        let start = Instant::now();
        let mut cached = match self.conn.acquire(sql) {
            Ok(Some(c)) => c,
            Ok(None) => return Err(ServeError::stmt("SQL_NO_STATEMENT", "SQL string does not contain any statement")),
            Err(e) => return Err(self.error(e, true)),
        };
        // Statements without an authorizer action (VACUUM) are still writes.
        if self.read_only() && !cached.stmt.is_readonly() {
            self.conn.release(cached);
            return Err(ServeError::read_only());
        }
        if let Err(e) = bind(&mut cached.stmt, stmt) {
            self.conn.release(cached);
            return Err(e);
        }
        let s = &mut cached.stmt;
        let cancellable = s.is_readonly();
        if let Some(p) = self.conn.policy() {
            p.set_cancellable(cancellable);
        }
        let out = self.step_all(s, sink);
        if let Some(p) = self.conn.policy() {
            p.set_cancellable(false);
        }
        self.conn.release(cached);
        let (rows_read, readonly) = out?;
        let kind = kind_of(sql);
        // sqlite3_changes() keeps the last write's count across SELECTs; sqld reports 0 then,
        // and a rowid only for INSERTs.
        let affected_row_count = if kind.iud && !readonly { self.conn.changes().max(0) as u64 } else { 0 };
        let last_insert_rowid = kind.insert.then(|| self.conn.last_insert_rowid());
        let query_duration_ms = start.elapsed().as_secs_f64() * 1000.0;
        Ok(StepEnd { affected_row_count, last_insert_rowid, rows_read, wrote: !readonly, query_duration_ms })
    }

    /// Steps a bound statement to its end, feeding `sink`; returns the rows read and whether
    /// the statement only reads.
    fn step_all(&mut self, s: &mut Statement, sink: &mut dyn RowSink) -> Result<(u64, bool), ServeError> {
        let n = s.column_count();
        sink.begin((0..n).map(|i| col(s, i)).collect());
        let mut rows_read = 0u64;
        let mut size = 0u64;
        loop {
            match s.step() {
                Ok(true) => {
                    rows_read += 1;
                    let row: Vec<Value> = (0..n).map(|i| value(s, i)).collect();
                    let bytes = row.iter().map(encoded_size).sum::<u64>();
                    size += bytes;
                    self.sent += bytes;
                    if let Some(e) = self.over_budget(size) {
                        return Err(e);
                    }
                    sink.row(row);
                    if sink.stopped() {
                        return Err(ServeError::stmt("CURSOR_CLOSED", "The cursor was closed before the statement ended"));
                    }
                }
                Ok(false) => return Ok((rows_read, s.is_readonly())),
                Err(e) => return Err(self.error(e, false)),
            }
        }
    }

    /// sqld's limits on what one statement and one request may return.
    fn over_budget(&self, size: u64) -> Option<ServeError> {
        let l = &self.limits;
        if size > l.max_response_size {
            return Some(ServeError::stmt(
                "RESPONSE_TOO_LARGE",
                format!("Response is too large: the result exceeds {} bytes (astro-db serve --max-response-size)", l.max_response_size),
            ));
        }
        if self.sent > l.max_total_response_size {
            return Some(ServeError::stmt(
                "RESPONSE_TOO_LARGE",
                format!(
                    "Response is too large: the results of this request exceed {} bytes in total (astro-db serve --max-total-response-size)",
                    l.max_total_response_size
                ),
            ));
        }
        None
    }

    /// Runs every statement of `sql` in order (`executeMultiple`), stopping at the first error.
    pub fn sequence(&mut self, sql: &str) -> Result<(), ServeError> {
        self.check_expiry()?;
        self.admit();
        let read_only = self.read_only();
        let out = self.each_statement(sql, |s| {
            if read_only && !s.is_readonly() {
                return Err(None);
            }
            loop {
                match s.step() {
                    Ok(true) => continue,
                    Ok(false) => return Ok(()),
                    Err(e) => return Err(Some(e)),
                }
            }
        });
        self.settle();
        out
    }

    /// Runs `f` on each statement of `sql`, each under the deadline. `f` fails with the
    /// SQLite error, or `None` for a write refused to a read-only token.
    fn each_statement(&mut self, sql: &str, mut f: impl FnMut(&mut Statement) -> Result<(), Option<SqliteError>>) -> Result<(), ServeError> {
        let mut rest = sql;
        loop {
            let t = rest.trim_start();
            if let Some(after) = t.strip_prefix(';') {
                rest = after;
                continue;
            }
            match self.conn.prepare(rest) {
                Ok(None) => return Ok(()),
                Ok(Some(mut s)) => {
                    self.arm();
                    let r = f(&mut s);
                    self.disarm();
                    match r {
                        Ok(()) => {}
                        Err(None) => return Err(ServeError::read_only()),
                        Err(Some(e)) => {
                            drop(s);
                            return Err(self.error(e, false));
                        }
                    }
                    rest = rest.get(s.tail()..).unwrap_or("");
                }
                Err(e) => return Err(self.error(e, true)),
            }
        }
    }

    pub fn describe(&mut self, sql: &str) -> Result<DescribeResult, ServeError> {
        let cached = match self.conn.acquire(sql) {
            Ok(Some(c)) => c,
            Ok(None) => return Err(ServeError::stmt("SQL_NO_STATEMENT", "SQL string does not contain any statement")),
            Err(e) => return Err(self.error(e, true)),
        };
        let s = &cached.stmt;
        let result = DescribeResult {
            params: (1..=s.parameter_count()).map(|i| DescribeParam { name: s.parameter_name(i).map(str::to_owned) }).collect(),
            cols: (0..s.column_count())
                .map(|i| DescribeCol { name: s.column_name(i).to_owned(), decltype: non_empty(s.column_decltype(i)) })
                .collect(),
            is_explain: s.is_explain(),
            is_readonly: s.is_readonly(),
        };
        self.conn.release(cached);
        Ok(result)
    }
}

/// Whether `rest` (text after a prepared statement) holds another statement.
fn has_statement(conn: &mut Connection, rest: &str) -> bool {
    let t = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
    if t.is_empty() {
        return false;
    }
    // Comments alone prepare to nothing; anything else (even an error) is a second statement.
    !matches!(conn.prepare(t), Ok(None))
}

struct Kind {
    iud: bool,
    insert: bool,
}

/// The statement's kind from its first keyword, as sqld's parser classifies it.
fn kind_of(sql: &str) -> Kind {
    let mut t = sql;
    loop {
        t = t.trim_start();
        if let Some(r) = t.strip_prefix("--") {
            t = r.find('\n').map_or("", |i| &r[i..]);
        } else if let Some(r) = t.strip_prefix("/*") {
            t = r.find("*/").map_or("", |i| &r[i + 2..]);
        } else {
            break;
        }
    }
    let word: String = t.chars().take_while(|c| c.is_ascii_alphabetic()).collect::<String>().to_ascii_uppercase();
    match word.as_str() {
        "INSERT" | "REPLACE" => Kind { iud: true, insert: true },
        "UPDATE" | "DELETE" | "WITH" => Kind { iud: true, insert: false },
        _ => Kind { iud: false, insert: false },
    }
}
