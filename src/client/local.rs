//! The state behind one local connection and everything done with it; `NativeConnection`
//! (napi-rs methods) and `fast::execute` (a raw N-API callback) both drive it.

use napi::bindgen_prelude::BigInt64Array;
use napi::sys::napi_value;

use super::args::{bind_args, IntMode, REQUIRE_TRANSACTION, ROWS_AS_ARRAYS};
use super::bulk;
use super::error::Failure;
use super::raw::Js;
use super::results;
use crate::sqlite::{Connection, FileSettings, SqliteError};

/// One connection with its scratch buffers.
pub(crate) struct Local {
    conn: Option<Connection>,
    /// Scratch space for argument text, reused across calls.
    buf: Vec<u8>,
    /// Scratch space for SQL text, reused across calls.
    sql: Vec<u8>,
    /// Where statements without result columns report `[rowsAffected, lastInsertRowid]`.
    meta: Option<BigInt64Array>,
}

impl Local {
    pub fn open(path: &str, settings: &FileSettings) -> Result<Self, SqliteError> {
        Ok(Self { conn: Some(Connection::open_with(path, settings)?), buf: Vec::new(), sql: Vec::new(), meta: None })
    }

    pub fn set_meta(&mut self, buffer: BigInt64Array) {
        self.meta = Some(buffer);
    }

    /// See `NativeConnection::execute`.
    pub fn execute(&mut self, js: Js, sql: napi_value, args: napi_value, flags: u32) -> Result<napi_value, Failure> {
        if flags & REQUIRE_TRANSACTION != 0 && !self.in_transaction() {
            return Err(Failure::client("TRANSACTION_CLOSED", "The transaction is closed"));
        }
        let mut text = std::mem::take(&mut self.sql);
        let out = self.run_text(js, sql, &mut text, args, flags, true);
        self.sql = text;
        out
    }

    /// See `NativeConnection::batch`; a failure comes with the index of its statement.
    pub fn batch(
        &mut self,
        js: Js,
        stmts: napi_value,
        int_mode: u32,
        begin: Option<String>,
    ) -> Result<napi_value, (Failure, Option<u32>)> {
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
            self.script(sql).map_err(|f| (f, None))?;
        }
        let out = match self.run_all(js, stmts, flags, !matches!(scope, Scope::Joined)) {
            Ok(out) => out,
            Err(e) => {
                self.undo(&scope);
                return Err(e);
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
                return Err((f, None));
            }
        }
        Ok(out)
    }

    pub fn in_transaction(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| !c.is_autocommit())
    }

    /// SQLite's verdict on whether the first statement of `sql` only reads; `None` when it
    /// does not prepare here (e.g. a table this database lacks).
    pub fn is_readonly(&mut self, sql: &str) -> Result<Option<bool>, Failure> {
        match self.conn()?.with_statement(sql, |_, stmt| stmt.is_readonly()) {
            Ok(v) => Ok(v),
            Err(_) => Ok(None),
        }
    }

    pub fn is_open(&self) -> bool {
        self.conn.is_some()
    }

    pub fn close(&mut self) {
        self.conn = None;
    }
}

impl Local {
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
        let sql = match js.get_str_into(sql_v, text) {
            Ok(sql) => sql,
            Err(e) if e.status == napi::Status::StringExpected => return Err(Failure::Js(js.throw_type_error("SQL must be a string"))),
            Err(e) => return Err(e.into()),
        };
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
        let run = |handle, stmt: &mut _| {
            let arrays = flags & ROWS_AS_ARRAYS != 0;
            bind_args(js, stmt, args, flags, buf).and_then(|()| results::run(js, handle, stmt, IntMode::from_code(flags), meta, arrays))
        };
        // An empty statement is reported like @libsql/client reports it (code 0).
        conn.with_statement(sql, run)?.unwrap_or_else(|| Err(SqliteError::new(0, "not an error").into()))
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
            let (sql_v, args, width) = statement_parts(js, js.get_element(stmts, i).map_err(|e| (e.into(), Some(i)))?).map_err(at(i))?;
            let result = match width {
                Some(width) => self.run_bulk(js, sql_v, &mut sql, args, width, flags),
                None => self.run_text(js, sql_v, &mut sql, args, flags, false),
            }
            .map_err(at(i))?;
            js.set_element(out, i, result).map_err(|e| (e.into(), Some(i)))?;
        }
        Ok(out)
    }

    /// A bulk entry of a batch (see `bulk::run`).
    fn run_bulk(&mut self, js: Js, sql_v: napi_value, text: &mut Vec<u8>, values: napi_value, width: u32, flags: u32) -> std::result::Result<napi_value, Failure> {
        let sql = js.get_str_into(sql_v, text)?;
        let mut buf = std::mem::take(&mut self.buf);
        let timer = crate::log::debug_timer();
        let out = match self.conn() {
            Ok(conn) => bulk::run(js, conn, sql, values, width, IntMode::from_code(flags), &mut buf),
            Err(f) => Err(f),
        };
        if let Some(t) = timer {
            let statement = sql.get(..sql.find(" (").unwrap_or(sql.len()).min(80)).unwrap_or(sql);
            let rows = js.array_len(values).unwrap_or(0) / width.max(1);
            tracing::debug!(statement, rows, ok = out.is_ok(), ms = crate::log::ms(t), "bulk insert (seed batch)");
        }
        self.buf = buf;
        out
    }

    pub fn script(&mut self, sql: &str) -> std::result::Result<(), Failure> {
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

/// Splits a batch entry into its SQL value, its arguments and, for a bulk entry
/// (`{ sql, args, width }`, see `bulk::run`), the number of values in a row.
fn statement_parts(js: Js, entry: napi_value) -> std::result::Result<(napi_value, napi_value, Option<u32>), Failure> {
    use napi::sys::ValueType;
    match js.type_of(entry)? {
        ValueType::napi_string => Ok((entry, js.undefined()?, None)),
        ValueType::napi_object if js.is_array(entry)? => Ok((js.get_element(entry, 0)?, js.get_element(entry, 1)?, None)),
        ValueType::napi_object => {
            let sql = js.get_named(entry, c"sql")?;
            if js.type_of(sql)? != ValueType::napi_string {
                return Err(Failure::Js(js.throw_type_error("A statement needs `sql` as a string")));
            }
            let width_v = js.get_named(entry, c"width")?;
            let bad_width = || Failure::Js(js.throw_range_error("A bulk entry's `width` must be a positive whole number"));
            let width = match js.type_of(width_v)? {
                ValueType::napi_undefined => None,
                ValueType::napi_number => match js.get_double(width_v)? {
                    w if w.fract() == 0.0 && (1.0..=u32::MAX as f64).contains(&w) => Some(w as u32),
                    _ => return Err(bad_width()),
                },
                _ => return Err(bad_width()),
            };
            Ok((sql, js.get_named(entry, c"args")?, width))
        }
        _ => Err(Failure::Js(js.throw_type_error("A statement must be a string or { sql, args }"))),
    }
}

