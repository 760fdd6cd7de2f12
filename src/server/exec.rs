//! Running Hrana statements on one stream's libSQL connection.
//!
//! Everything here is synchronous: callers run it on a blocking thread, because a statement
//! may wait up to the busy timeout for another stream's write lock, unless the busy wait is
//! off (`pipeline::execute_quick`).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use crate::sqlite::{ColumnValue, Connection, SqliteError, Statement};

use super::error::{from_prepare, from_sqlite, ServeError};
use super::gate::{Gate, Ticket};
use super::proto::{Col, DescribeCol, DescribeParam, DescribeResult, Stmt, Value};

/// How long a statement waits for another stream's lock before `SQLITE_BUSY`.
const BUSY_TIMEOUT_MS: u32 = 5_000;

/// SQL texts stored with `store_sql`, by id.
pub type Sqls = HashMap<i32, String>;

/// Receives a statement's output as it is produced (a result set, or cursor entries).
pub trait RowSink {
    fn begin(&mut self, cols: Vec<Col>);
    fn row(&mut self, row: Vec<Value>);
}

/// What a finished statement reports.
pub struct StepEnd {
    pub affected_row_count: u64,
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
    /// On the quick path (read-only, outside a transaction): nothing to hold the gate for.
    quick: Cell<bool>,
}


// SAFETY: libSQL is built with SQLITE_THREADSAFE=1, so a connection may move between threads;
// a `Db` is owned by one stream and used by one thread at a time (it moves with the stream).
unsafe impl Send for Db {}

impl Db {
    /// A test connection in rollback-journal mode, where a writer's lock blocks readers.
    #[cfg(test)]
    pub fn open_rollback(path: &str) -> Result<Self, SqliteError> {
        let settings = crate::sqlite::FileSettings { journal: crate::sqlite::Journal::Delete, ..Default::default() };
        Self::over(Connection::open_with(path, &settings)?, None)
    }

    /// A server connection: it never checkpoints (replicas count WAL frames; see `generation`).
    pub fn open_gated(path: &str, gate: Option<Arc<Gate>>) -> Result<Self, SqliteError> {
        Self::over(Connection::open(path)?, gate)
    }

    fn over(conn: Connection, gate: Option<Arc<Gate>>) -> Result<Self, SqliteError> {
        conn.set_busy_timeout(BUSY_TIMEOUT_MS);
        conn.keep_wal()?;
        Ok(Self { conn, gate, ticket: None, quick: Cell::new(false) })
    }

    pub fn is_autocommit(&self) -> bool {
        self.conn.is_autocommit()
    }

    /// Whether statements wait (up to the busy timeout) for another stream's lock, or fail
    /// at once with `SQLITE_BUSY`. Off only while a statement runs on an async worker.
    pub fn set_busy_wait(&self, wait: bool) {
        self.conn.set_busy_timeout(if wait { BUSY_TIMEOUT_MS } else { 0 });
        self.quick.set(!wait);
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

    /// Checks a statement without running it: one statement, its arguments' shape, the right
    /// to write. Errors here fail the whole request, as sqld's up-front parse does.
    pub fn check(&mut self, sql: &str, stmt: &Stmt, can_write: bool) -> Result<(), ServeError> {
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
                // Only syntax errors are known before running: "no such table" may be fixed
                // by an earlier step of the same batch.
                return match from_prepare(e) {
                    ServeError::Stmt(p) if p.code == "SQL_PARSE_ERROR" => Err(ServeError::Stmt(p)),
                    _ => Ok(()),
                };
            }
        };
        let tail = cached.stmt.tail();
        let readonly = cached.stmt.is_readonly();
        self.conn.release(cached);
        if has_statement(&mut self.conn, &sql[tail..]) {
            return Err(ServeError::stmt("SQL_MANY_STATEMENTS", "SQL string contains more than one statement"));
        }
        if !can_write && !readonly {
            return Err(ServeError::read_only());
        }
        Ok(())
    }

    /// Runs one statement, feeding its rows to `sink` (rows are returned even when the
    /// client said `want_rows: false`, as sqld does).
    pub fn run(&mut self, sql: &str, stmt: &Stmt, sink: &mut dyn RowSink) -> Result<StepEnd, ServeError> {
        self.admit();
        let out = self.run_admitted(sql, stmt, sink);
        self.settle();
        out
    }

    /// Takes a ticket for the transaction this statement starts or runs in (none on the quick
    /// path: a read outside a transaction writes no frame).
    fn admit(&mut self) {
        if self.ticket.is_none() && !self.quick.get() {
            self.ticket = self.gate.as_ref().map(|g| g.enter());
        }
    }

    /// Gives the ticket back once no transaction is open.
    fn settle(&mut self) {
        if self.conn.is_autocommit() {
            self.ticket = None;
        }
    }

    fn run_admitted(&mut self, sql: &str, stmt: &Stmt, sink: &mut dyn RowSink) -> Result<StepEnd, ServeError> {
        let start = Instant::now();
        let mut cached = match self.conn.acquire(sql) {
            Ok(Some(c)) => c,
            Ok(None) => return Err(ServeError::stmt("SQL_NO_STATEMENT", "SQL string does not contain any statement")),
            Err(e) => return Err(from_prepare(e)),
        };
        if let Err(e) = bind(&mut cached.stmt, stmt) {
            self.conn.release(cached);
            return Err(e);
        }
        let s = &mut cached.stmt;
        let n = s.column_count();
        sink.begin((0..n).map(|i| col(s, i)).collect());
        let mut rows_read = 0u64;
        loop {
            match s.step() {
                Ok(true) => {
                    rows_read += 1;
                    sink.row((0..n).map(|i| value(s, i)).collect());
                }
                Ok(false) => break,
                Err(e) => {
                    self.conn.release(cached);
                    return Err(from_sqlite(e));
                }
            }
        }
        let kind = kind_of(sql);
        let readonly = s.is_readonly();
        self.conn.release(cached);
        // sqlite3_changes() keeps the last write's count across SELECTs; sqld reports 0 then,
        // and a rowid only for INSERTs.
        let affected_row_count = if kind.iud && !readonly { self.conn.changes().max(0) as u64 } else { 0 };
        let last_insert_rowid = kind.insert.then(|| self.conn.last_insert_rowid());
        let query_duration_ms = start.elapsed().as_secs_f64() * 1000.0;
        Ok(StepEnd { affected_row_count, last_insert_rowid, rows_read, query_duration_ms })
    }

    /// Runs every statement of `sql` in order (`executeMultiple`), stopping at the first error.
    pub fn sequence(&mut self, sql: &str, can_write: bool) -> Result<(), ServeError> {
        if !can_write {
            // sqld checks the whole program before running any of it.
            self.each_statement(sql, |s| if s.is_readonly() { Ok(()) } else { Err(ServeError::read_only()) }, false)?;
        }
        self.admit();
        let out = self.each_statement(sql, |s| loop {
            match s.step() {
                Ok(true) => continue,
                Ok(false) => return Ok(()),
                Err(e) => return Err(from_sqlite(e)),
            }
        }, true);
        self.settle();
        out
    }

    fn each_statement(
        &mut self,
        sql: &str,
        mut f: impl FnMut(&mut Statement) -> Result<(), ServeError>,
        strict: bool,
    ) -> Result<(), ServeError> {
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
                    f(&mut s)?;
                    rest = rest.get(s.tail()..).unwrap_or("");
                }
                Err(e) if strict => return Err(from_prepare(e)),
                // A dry run cannot prepare statements that depend on earlier ones.
                Err(_) => return Ok(()),
            }
        }
    }

    pub fn describe(&mut self, sql: &str) -> Result<DescribeResult, ServeError> {
        let cached = match self.conn.acquire(sql) {
            Ok(Some(c)) => c,
            Ok(None) => return Err(ServeError::stmt("SQL_NO_STATEMENT", "SQL string does not contain any statement")),
            Err(e) => return Err(from_prepare(e)),
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

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

fn col(s: &Statement, i: usize) -> Col {
    Col { name: Some(s.column_name(i).to_owned()), decltype: non_empty(s.column_decltype(i)) }
}

fn value(s: &Statement, i: usize) -> Value {
    match s.column(i) {
        ColumnValue::Null => Value::Null,
        ColumnValue::Integer(v) => Value::Integer(v),
        ColumnValue::Real(v) => Value::Float(v),
        ColumnValue::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ColumnValue::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn args_invalid(detail: impl std::fmt::Display) -> ServeError {
    ServeError::stmt("ARGS_INVALID", format!("Arguments do not match SQL parameters: {detail}"))
}

/// Binds arguments the way sqld does: `?NNN` by position, `:name` by name with or without
/// its prefix; a missing value is an error (except under `EXPLAIN`).
fn bind(s: &mut Statement, stmt: &Stmt) -> Result<(), ServeError> {
    let count = s.parameter_count();
    let given = if stmt.named_args.is_empty() { stmt.args.len() } else { stmt.named_args.len() };
    if given > count {
        return Err(args_invalid(format_args!("too many parameters, expected {count} found {given}")));
    }
    let positional = stmt.named_args.is_empty();
    for idx in 1..=count {
        let (found, name): (Option<&Value>, Option<String>) = match s.parameter_name(idx) {
            Some(name) => {
                let found = if let Some(pos) = name.strip_prefix('?') {
                    let pos: usize = pos.parse().map_err(|_| args_invalid(format_args!("invalid parameter {name}")))?;
                    if positional { pos.checked_sub(1).and_then(|p| stmt.args.get(p)) } else { None }
                } else {
                    let bare = name.get(1..).unwrap_or("");
                    stmt.named_args.iter().find(|a| a.name == name || a.name == bare).map(|a| &a.value)
                };
                (found, Some(name.to_owned()))
            }
            None => (if positional { stmt.args.get(idx - 1) } else { None }, None),
        };
        let Some(v) = found else {
            if s.is_explain() {
                return Ok(());
            }
            let what = name.unwrap_or_else(|| idx.to_string());
            return Err(args_invalid(format_args!("value for parameter {what} not found")));
        };
        let r = match v {
            Value::Null => s.bind_null(idx),
            Value::Integer(i) => s.bind_int(idx, *i),
            Value::Float(f) => s.bind_real(idx, *f),
            Value::Text(t) => s.bind_text(idx, t.as_bytes()),
            Value::Blob(b) => s.bind_blob(idx, b),
        };
        r.map_err(args_invalid)?;
    }
    Ok(())
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
