//! `NativeConnection`: one local libSQL connection as JS sees it.
//!
//! Every method runs on the calling (JS) thread: a local statement takes
//! microseconds, and a thread hop would cost more than the statement itself.
//! The JS layer wraps these calls in promises and pools connections.

use std::rc::Rc;

use napi::bindgen_prelude::*;
use napi::sys::napi_value;
use napi_derive::napi;

use super::error::Failure;
use super::guard::Shared;
use super::file_options::FileOptions;
use super::local::Local;
use super::raw::Js;
use crate::sqlite::SqliteError;

/// A connection to a local database file or a private in-memory database.
#[napi]
pub struct NativeConnection {
    shared: Rc<Shared>,
}

#[napi]
impl NativeConnection {
    /// Opens (creating if needed) the database at `path`; `":memory:"` opens a private in-memory one.
    /// With `encryptionKey` (non-empty), the file is encrypted as libSQL does it (aes256cbc); a
    /// wrong key shows at the first read as `SQLITE_NOTADB`. A file is switched to WAL and
    /// waits 5 s for locks unless `options` say otherwise.
    #[napi(factory, catch_unwind)]
    pub fn open(env: Env, path: String, encryption_key: Option<String>, options: Option<FileOptions>) -> Result<Self> {
        let settings = FileOptions::settings(options.as_ref(), encryption_key.as_deref())
            .map_err(|m| Failure::Coded { code: "URL_INVALID".into(), message: format!("Invalid option for the database at {path}: {m}") }.throw(Js::new(env.raw()), None))?;
        match Local::open(&path, &settings) {
            Ok(local) => Ok(Self { shared: Rc::new(Shared::new(local)) }),
            Err(e) => {
                let message = format!("Unable to open the database at {path}: {}", e.message);
                Err(Failure::Sqlite(SqliteError::new(e.raw_code, message)).throw(Js::new(env.raw()), None))
            }
        }
    }

    /// A handle for `fastExecute` (see `fastExecuteFunction`), keeping this connection alive.
    #[napi(catch_unwind, ts_return_type = "unknown")]
    pub fn handle<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        let js = Js::new(env.raw());
        let value = super::fast::handle(js, &self.shared)?;
        // SAFETY: created in this call's environment.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
    }

    /// Where `execute` reports `[rowsAffected, lastInsertRowid]` of statements without result columns.
    #[napi(catch_unwind)]
    pub fn set_result_buffer(&self, env: &Env, buffer: BigInt64Array) -> Result<()> {
        self.with(env, |local, _| {
            local.set_meta(buffer);
            Ok(())
        })
    }

    /// Runs the first statement of `sql` with `args` (array, object or undefined) and
    /// returns `[columns, columnTypes, rows, rowsAffected, lastInsertRowid]`, or `null`
    /// for a statement without result columns once a result buffer is set (see
    /// `setResultBuffer`). `flags`: int mode in the low bits (0 number, 1 bigint,
    /// 2 string), plus 4 to require an open transaction, 8 when `args` is an array and
    /// 16 when it is a plain object of named values, 32 to get only the rows, each an array
    /// of its values (what Drizzle maps when it knows the selected fields).
    #[napi(catch_unwind, ts_return_type = "[string[], string[], Record<string, unknown>[], number, bigint | undefined] | null")]
    pub fn execute<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] sql: Unknown<'env>,
        #[napi(ts_arg_type = "unknown[] | Record<string, unknown> | undefined | null")] args: Unknown<'env>,
        flags: u32,
    ) -> Result<Unknown<'env>> {
        self.with(env, |local, js| local.execute(js, sql.raw(), args.raw(), flags)).map(|v| unknown(env, v))
    }

    /// Runs `stmts` (each a SQL string, `[sql, args]` or `{ sql, args }`) in order and returns
    /// their results. A bulk entry `{ sql, args, width }` runs its one-row statement once per
    /// row of `args` (a flat array of rows × `width` values) and returns the rows of all runs
    /// and their summed changes: the bulk path for seeds, no SQL text built per row. With `begin` (e.g. `BEGIN IMMEDIATE`) the batch runs in its own
    /// transaction (a savepoint when one is already open), committed at the end and rolled
    /// back on any failure; without it the statements join the transaction already open. A
    /// failure carries `statementIndex`.
    #[napi(catch_unwind, ts_return_type = "Array<[string[], string[], Record<string, unknown>[], number, bigint | undefined]>")]
    pub fn batch<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "Array<string | [string, unknown?] | { sql: string; args?: unknown; width?: number }>")] stmts: Unknown<'env>,
        int_mode: u32,
        begin: Option<String>,
    ) -> Result<Unknown<'env>> {
        let js = Js::new(env.raw());
        let mut local = self.shared.enter().map_err(|f| f.throw(js, None))?;
        match local.batch(js, stmts.raw(), int_mode, begin) {
            Ok(v) => Ok(unknown(env, v)),
            Err((f, index)) => Err(f.throw(js, index)),
        }
    }

    /// Runs every statement of a SQL script; returns nothing.
    #[napi(catch_unwind)]
    pub fn execute_multiple(&self, env: &Env, sql: String) -> Result<()> {
        self.with(env, |local, _| local.script(&sql))
    }

    /// True while a transaction is open on this connection.
    #[napi(getter)]
    pub fn in_transaction(&self) -> bool {
        self.shared.enter().is_ok_and(|l| l.in_transaction())
    }

    /// False once closed.
    #[napi(getter)]
    pub fn is_open(&self) -> bool {
        self.shared.enter().is_ok_and(|l| l.is_open())
    }

    /// Closes the connection; an open transaction is rolled back. Idempotent.
    #[napi(catch_unwind)]
    pub fn close(&self, env: &Env) -> Result<()> {
        self.with(env, |local, _| {
            local.close();
            Ok(())
        })
    }

    /// Whether the first statement of `sql` only reads the database (SQLite's own verdict):
    /// `null` when it does not prepare on this database. Embedded replicas route by it.
    #[napi(catch_unwind)]
    pub fn is_readonly(&self, env: &Env, sql: String) -> Result<Option<bool>> {
        self.with(env, |local, _| local.is_readonly(&sql))
    }
}

impl NativeConnection {
    fn with<T>(&self, env: &Env, f: impl FnOnce(&mut Local, Js) -> std::result::Result<T, Failure>) -> Result<T> {
        let js = Js::new(env.raw());
        let mut local = self.shared.enter().map_err(|f| f.throw(js, None))?;
        f(&mut local, js).map_err(|f| f.throw(js, None))
    }
}

fn unknown(env: &Env, v: napi_value) -> Unknown<'_> {
    // SAFETY: the value was created in this call's environment.
    unsafe { Unknown::from_raw_unchecked(env.raw(), v) }
}
