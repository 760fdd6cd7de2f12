//! `NativeConnection`: one local libSQL connection as JS sees it.
//!
//! Every method runs on the calling (JS) thread: a local statement takes
//! microseconds, and a thread hop would cost more than the statement itself.
//! The JS layer wraps these calls in promises and pools connections.

use napi::bindgen_prelude::*;
use napi::sys::napi_value;
use napi_derive::napi;

use super::args::{bind_args, bind_row, IntMode, REQUIRE_TRANSACTION};
use super::error::Failure;
use super::raw::Js;
use super::results;
use crate::sqlite::{Connection, SqliteError};

/// A connection to a local database file or a private in-memory database.
#[napi]
pub struct NativeConnection {
    conn: Option<Connection>,
    /// Scratch space for argument text, reused across calls.
    buf: Vec<u8>,
    /// Scratch space for SQL text, reused across calls.
    sql: Vec<u8>,
    meta: Option<BigInt64Array>,
}

#[napi]
impl NativeConnection {
    /// Opens (creating if needed) the database at `path`; `":memory:"` opens a private in-memory one.
    #[napi(factory, catch_unwind)]
    pub fn open(env: Env, path: String) -> Result<Self> {
        match Connection::open(&path) {
            Ok(conn) => Ok(Self { conn: Some(conn), buf: Vec::new(), sql: Vec::new(), meta: None }),
            Err(e) => {
                let message = format!("Unable to open the database at {path}: {}", e.message);
                Err(Failure::Sqlite(SqliteError::new(e.raw_code, message)).throw(Js::new(env.raw()), None))
            }
        }
    }

    /// Where `execute` reports `[rowsAffected, lastInsertRowid]` of statements without result columns.
    #[napi]
    pub fn set_result_buffer(&mut self, buffer: BigInt64Array) {
        self.meta = Some(buffer);
    }

    /// Runs the first statement of `sql` with `args` (array, object or undefined) and
    /// returns `[columns, columnTypes, rows, rowsAffected, lastInsertRowid]`, or `null`
    /// for a statement without result columns once a result buffer is set (see
    /// `setResultBuffer`). `flags`: int mode in the low bits (0 number, 1 bigint,
    /// 2 string), plus 4 to require an open transaction, 8 when `args` is an array and
    /// 16 when it is a plain object of named values.
    #[napi(catch_unwind, ts_return_type = "[string[], string[], Record<string, unknown>[], number, bigint | undefined] | null")]
    pub fn execute<'env>(
        &mut self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] sql: Unknown<'env>,
        #[napi(ts_arg_type = "unknown[] | Record<string, unknown> | undefined | null")] args: Unknown<'env>,
        flags: u32,
    ) -> Result<Unknown<'env>> {
        let js = Js::new(env.raw());
        if flags & REQUIRE_TRANSACTION != 0 && !self.in_transaction() {
            return Err(Failure::client("TRANSACTION_CLOSED", "The transaction is closed").throw(js, None));
        }
        let mut text = std::mem::take(&mut self.sql);
        let out = self.run_text(js, sql.raw(), &mut text, args.raw(), flags, true);
        self.sql = text;
        wrap(js, out, None)
    }

    /// Runs `stmts` (each a SQL string, `[sql, args]` or `{ sql, args }`) in order and returns
    /// their results. With `begin` (e.g. `BEGIN IMMEDIATE`) the batch runs in its own
    /// transaction, committed at the end and rolled back on any failure; without it the
    /// statements join the transaction already open. A failure carries `statementIndex`.
    #[napi(catch_unwind, ts_return_type = "Array<[string[], string[], Record<string, unknown>[], number, bigint | undefined]>")]
    pub fn batch<'env>(
        &mut self,
        env: &'env Env,
        #[napi(ts_arg_type = "Array<string | [string, unknown?] | { sql: string; args?: unknown }>")] stmts: Unknown<'env>,
        int_mode: u32,
        begin: Option<String>,
    ) -> Result<Unknown<'env>> {
        let js = Js::new(env.raw());
        // Entries' arguments are not pre-checked by the caller: keep only the int mode.
        let flags = int_mode & 3;
        // Inside a transaction the caller opened (a seed run, say), the batch becomes a
        // savepoint: still all-or-nothing, without ending the outer transaction.
        let scope = match begin {
            Some(_) if self.in_transaction() => Scope::Savepoint,
            Some(begin) => Scope::Transaction(begin),
            None => Scope::Joined,
        };
        let opening = match &scope {
            Scope::Savepoint => Some("SAVEPOINT astro_db_batch"),
            Scope::Transaction(begin) => Some(begin.as_str()),
            Scope::Joined => None,
        };
        if let Some(sql) = opening {
            if let Err(f) = self.script(sql) {
                return Err(f.throw(js, None));
            }
        }
        let out = match self.run_all(js, stmts.raw(), flags, !matches!(scope, Scope::Joined)) {
            Ok(out) => out,
            Err((f, index)) => {
                self.undo(&scope);
                return Err(f.throw(js, index));
            }
        };
        let closing = match &scope {
            Scope::Savepoint => Some("RELEASE astro_db_batch"),
            Scope::Transaction(_) => Some("COMMIT"),
            Scope::Joined => None,
        };
        if let Some(sql) = closing {
            if let Err(f) = self.script(sql) {
                self.undo(&scope);
                return Err(f.throw(js, None));
            }
        }
        wrap(js, Ok(out), None)
    }

    /// Runs the one-row statement `sql` (an `INSERT … VALUES (?, …)` with `width`
    /// parameters) once per row of `values`, a flat array of `rows × width` values, inside
    /// a savepoint: all rows or none. Reports `[rowsAffected, lastInsertRowid]` through the
    /// result buffer, like `execute` does for writes. This is the bulk path for seeds: no
    /// SQL text is built per row and the statement is prepared once.
    #[napi(catch_unwind)]
    pub fn insert_rows(
        &mut self,
        env: &Env,
        #[napi(ts_arg_type = "string")] sql: Unknown<'_>,
        #[napi(ts_arg_type = "unknown[]")] values: Unknown<'_>,
        width: u32,
        int_mode: u32,
    ) -> Result<()> {
        let js = Js::new(env.raw());
        let mut text = std::mem::take(&mut self.sql);
        let out = self.insert_rows_with(js, sql.raw(), &mut text, values.raw(), width, IntMode::from_code(int_mode));
        self.sql = text;
        out.map_err(|f| f.throw(js, None))
    }

    /// Runs every statement of a SQL script; returns nothing.
    #[napi(catch_unwind)]
    pub fn execute_multiple(&mut self, env: &Env, sql: String) -> Result<()> {
        self.script(&sql).map_err(|f| f.throw(Js::new(env.raw()), None))
    }

    /// True while a transaction is open on this connection.
    #[napi(getter)]
    pub fn in_transaction(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| !c.is_autocommit())
    }

    /// False once closed.
    #[napi(getter)]
    pub fn is_open(&self) -> bool {
        self.conn.is_some()
    }

    /// Milliseconds to wait for a lock held by another connection before `SQLITE_BUSY`.
    #[napi(catch_unwind)]
    pub fn set_busy_timeout(&self, ms: u32) {
        if let Some(c) = &self.conn {
            c.set_busy_timeout(ms);
        }
    }

    /// Closes the connection; an open transaction is rolled back. Idempotent.
    #[napi(catch_unwind)]
    pub fn close(&mut self) {
        self.conn = None;
    }
}

impl NativeConnection {
    fn conn(&mut self) -> std::result::Result<&mut Connection, Failure> {
        self.conn.as_mut().ok_or_else(|| Failure::client("CLIENT_CLOSED", "The client is closed"))
    }

    /// Reads the SQL text of `sql_v` into `text` and runs it. `compact` lets a statement
    /// without result columns report through the result buffer.
    fn run_text(
        &mut self,
        js: Js,
        sql_v: napi_value,
        text: &mut Vec<u8>,
        args: napi_value,
        flags: u32,
        compact: bool,
    ) -> std::result::Result<napi_value, Failure> {
        if let Err(e) = js.get_string_into(sql_v, text) {
            return Err(match e.status {
                napi::Status::StringExpected => Failure::Js(js.throw_type_error("SQL must be a string")),
                _ => e.into(),
            });
        }
        // N-API produced the bytes from a JS string, so they are UTF-8.
        let sql = std::str::from_utf8(text).map_err(|_| Failure::Js(js.throw_type_error("SQL is not valid UTF-8")))?;
        let mut buf = std::mem::take(&mut self.buf);
        let mut meta = if compact { self.meta.take() } else { None };
        // SAFETY: the result buffer is only written here, on the JS thread, while no JS runs.
        let slots = meta.as_mut().map(|m| unsafe { m.as_mut() });
        let out = self.run_with(js, sql, args, flags, &mut buf, slots);
        if compact {
            self.meta = meta;
        }
        self.buf = buf;
        out
    }

    fn run_with(
        &mut self,
        js: Js,
        sql: &str,
        args: napi_value,
        flags: u32,
        buf: &mut Vec<u8>,
        meta: Option<&mut [i64]>,
    ) -> std::result::Result<napi_value, Failure> {
        let conn = self.conn()?;
        // An empty statement is reported like @libsql/client reports it (code 0).
        let mut cached = conn.acquire(sql)?.ok_or_else(|| SqliteError::new(0, "not an error"))?;
        let out = bind_args(js, &mut cached.stmt, args, flags, buf)
            .and_then(|()| results::run(js, conn, &mut cached.stmt, IntMode::from_code(flags), meta));
        conn.release(cached);
        out
    }

    fn run_all(
        &mut self,
        js: Js,
        stmts: napi_value,
        flags: u32,
        own_transaction: bool,
    ) -> std::result::Result<napi_value, (Failure, Option<u32>)> {
        let at = |i: u32| move |f: Failure| (f, Some(i));
        let not_array = || (Failure::Js(js.throw_type_error("batch() expects an array of statements")), None);
        if !js.is_array(stmts).map_err(|e| (e.into(), None))? {
            return Err(not_array());
        }
        let len = js.array_len(stmts).map_err(|e| (e.into(), None))?;
        let out = js.array(len as usize).map_err(|e| (e.into(), None))?;
        let mut sql = Vec::new();
        for i in 0..len {
            if !self.in_transaction() {
                let message = if own_transaction { "The transaction has been rolled back" } else { "The transaction is closed" };
                return Err((Failure::client("TRANSACTION_CLOSED", message), Some(i)));
            }
            let (sql_v, args) = statement_parts(js, js.get_element(stmts, i).map_err(|e| (e.into(), Some(i)))?).map_err(at(i))?;
            let result = self.run_text(js, sql_v, &mut sql, args, flags, false).map_err(at(i))?;
            js.set_element(out, i, result).map_err(|e| (e.into(), Some(i)))?;
        }
        Ok(out)
    }

    fn insert_rows_with(
        &mut self,
        js: Js,
        sql_v: napi_value,
        text: &mut Vec<u8>,
        values: napi_value,
        width: u32,
        mode: IntMode,
    ) -> std::result::Result<(), Failure> {
        js.get_string_into(sql_v, text)?;
        let sql = std::str::from_utf8(text).map_err(|_| Failure::Js(js.throw_type_error("SQL is not valid UTF-8")))?;
        let len = js.array_len(values)?;
        if width == 0 || len % width != 0 {
            return Err(Failure::Js(js.throw_range_error("insertRows: values must hold whole rows of `width` values")));
        }
        let mut buf = std::mem::take(&mut self.buf);
        self.script("SAVEPOINT astro_db_insert")?;
        let result = self.insert_each(js, sql, values, len / width, width, mode, &mut buf);
        self.buf = buf;
        match result {
            Ok((affected, last)) => {
                self.script("RELEASE astro_db_insert")?;
                if let Some(meta) = self.meta.as_mut() {
                    // SAFETY: written on the JS thread while no JS runs.
                    let slots = unsafe { meta.as_mut() };
                    if slots.len() >= 2 {
                        slots[0] = affected;
                        slots[1] = last;
                    }
                }
                Ok(())
            }
            Err(f) => {
                let _ = self.script("ROLLBACK TO astro_db_insert");
                let _ = self.script("RELEASE astro_db_insert");
                Err(f)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_each(
        &mut self,
        js: Js,
        sql: &str,
        values: napi_value,
        rows: u32,
        width: u32,
        mode: IntMode,
        buf: &mut Vec<u8>,
    ) -> std::result::Result<(i64, i64), Failure> {
        let conn = self.conn()?;
        let mut cached = conn.acquire(sql)?.ok_or_else(|| SqliteError::new(0, "not an error"))?;
        if cached.stmt.parameter_count() != width as usize || cached.stmt.column_count() != 0 {
            conn.release(cached);
            return Err(Failure::Js(js.throw_range_error("insertRows: the statement must take exactly `width` parameters and return no rows")));
        }
        let mut affected = 0i64;
        let mut outcome = Ok(());
        for r in 0..rows {
            outcome = bind_row(js, &mut cached.stmt, values, r * width, width, mode, buf).and_then(|()| {
                while cached.stmt.step()? {}
                Ok(())
            });
            cached.stmt.reset();
            if outcome.is_err() {
                break;
            }
            affected += conn.changes();
        }
        conn.release(cached);
        outcome.map(|()| (affected, conn.last_insert_rowid()))
    }

    fn script(&mut self, sql: &str) -> std::result::Result<(), Failure> {
        Ok(self.conn()?.execute_script(sql)?)
    }

    /// Undoes a failed batch: its savepoint, or its whole transaction.
    fn undo(&mut self, scope: &Scope) {
        match scope {
            Scope::Savepoint if self.in_transaction() => {
                let _ = self.script("ROLLBACK TO astro_db_batch");
                let _ = self.script("RELEASE astro_db_batch");
            }
            Scope::Transaction(_) if self.in_transaction() => {
                let _ = self.script("ROLLBACK");
            }
            _ => {}
        }
    }
}

/// How a batch relates to transactions.
enum Scope {
    /// Its own transaction, opened with the given `BEGIN …`.
    Transaction(String),
    /// A savepoint inside a transaction already open on the connection.
    Savepoint,
    /// Part of the caller's interactive transaction (`tx.batch`).
    Joined,
}

/// Splits a batch entry into its SQL value and its arguments.
fn statement_parts(js: Js, entry: napi_value) -> std::result::Result<(napi_value, napi_value), Failure> {
    use napi::sys::ValueType;
    match js.type_of(entry)? {
        ValueType::napi_string => Ok((entry, js.undefined()?)),
        ValueType::napi_object if js.is_array(entry)? => Ok((js.get_element(entry, 0)?, js.get_element(entry, 1)?)),
        ValueType::napi_object => {
            let sql = js.get_named(entry, c"sql")?;
            if js.type_of(sql)? != ValueType::napi_string {
                return Err(Failure::Js(js.throw_type_error("A statement needs `sql` as a string")));
            }
            Ok((sql, js.get_named(entry, c"args")?))
        }
        _ => Err(Failure::Js(js.throw_type_error("A statement must be a string or { sql, args }"))),
    }
}

fn wrap<'env>(js: Js, out: std::result::Result<napi_value, Failure>, index: Option<u32>) -> Result<Unknown<'env>> {
    match out {
        // SAFETY: the value was created in this call's environment.
        Ok(v) => Ok(unsafe { Unknown::from_raw_unchecked(js.env(), v) }),
        Err(f) => Err(f.throw(js, index)),
    }
}
