//! `dump` and `load` on a [`SchemaTarget`]: the same local file or libSQL server that `push`
//! works on, so a push can back up exactly what it is about to change.

use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi::sys::napi_value;
use napi_derive::napi;

use super::push::{SchemaTarget, Where};
use crate::client::{coded_error_value, Js};
use crate::dump::{self, DumpError, RemoteSink};
use crate::push::run_ready;
use crate::sqlite::{Connection, FileSettings};

/// Options of [`SchemaTarget::dump`].
#[napi(object)]
pub struct DumpOptions {
    /// Only these tables (an unknown name is an error naming it).
    pub tables: Option<Vec<String>>,
    pub schema_only: Option<bool>,
    pub data_only: Option<bool>,
    /// `Table: SQL expression`: only the rows of `Table` the expression holds for.
    pub filters: Option<Vec<String>>,
    /// At most this many rows per table.
    pub limit: Option<i64>,
    /// Draw progress on stderr (a terminal only).
    pub progress: Option<bool>,
}

/// What [`SchemaTarget::dump`] wrote.
#[napi(object)]
pub struct DumpReport {
    /// Tables dumped, parents before the tables that reference them.
    pub tables: Vec<String>,
    pub rows: i64,
    pub bytes: i64,
    /// Objects left out (virtual tables), named.
    pub skipped: Vec<String>,
}

/// Options of [`SchemaTarget::load`].
#[napi(object)]
pub struct LoadOptions {
    /// Drop the database's tables and views first, in the same transaction.
    pub replace: Option<bool>,
    pub progress: Option<bool>,
}

/// What [`SchemaTarget::load`] did.
#[napi(object)]
pub struct LoadReport {
    /// Statements run (transaction control in the file is skipped: the load holds its own).
    pub statements: i64,
    /// Tables dropped by `replace`.
    pub replaced: Vec<String>,
}

fn dump_options(o: Option<DumpOptions>) -> std::result::Result<dump::DumpOptions, DumpError> {
    let Some(o) = o else { return Ok(dump::DumpOptions::default()) };
    let mut filters = Vec::new();
    for f in o.filters.unwrap_or_default() {
        let Some((t, e)) = f.split_once(':').filter(|(t, e)| !t.trim().is_empty() && !e.trim().is_empty()) else {
            return Err(DumpError::Usage { code: "ASTRO_DB_INVALID_OPTION", message: format!("--where {f:?}: expected 'Table: SQL expression'") });
        };
        filters.push((t.trim().to_string(), e.trim().to_string()));
    }
    if o.limit.is_some_and(|n| n < 0) {
        return Err(DumpError::Usage { code: "ASTRO_DB_INVALID_OPTION", message: "--limit must be 0 or more".into() });
    }
    Ok(dump::DumpOptions {
        tables: o.tables,
        schema_only: o.schema_only.unwrap_or(false),
        data_only: o.data_only.unwrap_or(false),
        filters,
        limit: o.limit.map(|n| n as u64),
        progress: o.progress.unwrap_or(false),
    })
}

fn open(path: &str, key: Option<&str>) -> std::result::Result<Connection, DumpError> {
    let settings = FileSettings { key: key.map(str::as_bytes), ..FileSettings::default() };
    Connection::open_with(path, &settings).map_err(|e| DumpError::Db { code: e.code(), message: e.message })
}

fn unfinished() -> DumpError {
    DumpError::Db { code: "ASTRO_DB_INTERNAL".into(), message: "the local operation did not complete".into() }
}

fn settle<T: ToNapiValue>(env: &Env, out: std::result::Result<T, DumpError>) -> Result<napi_value> {
    match out {
        // SAFETY: called on the JS thread with the live env of this callback.
        Ok(r) => unsafe { T::to_napi_value(env.raw(), r) },
        Err(e) => coded_error_value(Js::new(env.raw()), &e.code(), &e.to_string()),
    }
}

/// Runs local file work off the JS thread: a dump of a large file takes seconds.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> std::result::Result<T, DumpError> + Send + 'static) -> Result<std::result::Result<T, DumpError>> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::from_reason(format!("the dump task failed: {e}")))
}

#[napi]
impl SchemaTarget {
    /// Writes the database as SQL text to `path` (its directory is created; the file appears
    /// only when complete). Resolves to the report, or to an `Error` with `code`.
    #[napi(catch_unwind, ts_return_type = "Promise<DumpReport | Error>")]
    pub fn dump<'env>(&self, env: &'env Env, path: String, options: Option<DumpOptions>) -> Result<PromiseRaw<'env, napi_value>> {
        let opts = dump_options(options);
        let path = PathBuf::from(path);
        match &self.at {
            Where::Local { path: db, key } => {
                let (db, key) = (db.clone(), key.clone());
                env.spawn_future_with_callback(
                    blocking(move || {
                        let opts = opts?;
                        let mut conn = open(&db, key.as_deref())?;
                        run_ready(dump::dump(&mut conn, &path, &opts)).unwrap_or_else(|| Err(unfinished()))
                    }),
                    |env, out| settle(env, out.map(report)),
                )
            }
            Where::Remote(r) => {
                let mut session = r.session();
                env.spawn_future_with_callback(
                    async move { Ok(async { dump::dump(&mut session, &path, &opts?).await }.await) },
                    |env, out| settle(env, out.map(report)),
                )
            }
        }
    }

    /// Runs the SQL file at `path` (a dump: ours or `sqlite3 .dump`'s) as one transaction.
    /// Refuses (`ASTRO_DB_NOT_EMPTY`, naming them) a database that has tables unless
    /// `replace`. Resolves to the report, or to an `Error` with `code`.
    #[napi(catch_unwind, ts_return_type = "Promise<LoadReport | Error>")]
    pub fn load<'env>(&self, env: &'env Env, path: String, options: Option<LoadOptions>) -> Result<PromiseRaw<'env, napi_value>> {
        let opts = dump::LoadOptions {
            replace: options.as_ref().and_then(|o| o.replace).unwrap_or(false),
            progress: options.as_ref().and_then(|o| o.progress).unwrap_or(false),
        };
        let reader = std::fs::File::open(&path)
            .map(|f| std::io::BufReader::with_capacity(1 << 18, f))
            .map_err(|e| DumpError::Io(std::io::Error::new(e.kind(), format!("{path}: {e}"))));
        let name = std::path::Path::new(&path).file_name().map_or(path.clone(), |n| n.to_string_lossy().into_owned());
        match &self.at {
            Where::Local { path: db, key } => {
                let (db, key) = (db.clone(), key.clone());
                env.spawn_future_with_callback(
                    blocking(move || {
                        let reader = reader?;
                        let mut conn = open(&db, key.as_deref())?;
                        run_ready(dump::load(&mut conn, reader, &name, &opts)).unwrap_or_else(|| Err(unfinished()))
                    }),
                    |env, out| settle(env, out.map(load_report)),
                )
            }
            Where::Remote(r) => {
                let mut sink = RemoteSink::new(r.session());
                env.spawn_future_with_callback(
                    async move { Ok(async { dump::load(&mut sink, reader?, &name, &opts).await }.await) },
                    |env, out| settle(env, out.map(load_report)),
                )
            }
        }
    }
}

fn report(r: dump::DumpReport) -> DumpReport {
    DumpReport { tables: r.tables, rows: r.rows as i64, bytes: r.bytes as i64, skipped: r.skipped }
}

fn load_report(r: dump::LoadReport) -> LoadReport {
    LoadReport { statements: r.statements as i64, replaced: r.replaced }
}
