//! `#[napi]` functions of the local database lifecycle.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::client::{throw_coded, FileOptions, Js};
use crate::local::{self, LocalError};
use crate::schema::load_snapshot;
use crate::sqlite::Connection;

/// What `migrateLocalDatabase` did.
#[napi(object)]
pub struct LocalMigration {
    /// The statements applied; empty when the database already matched.
    pub applied: Vec<String>,
    /// Every configured table is empty afterwards: a new database, ready to seed.
    pub empty: bool,
    /// Tables found without a stored snapshot and taken as matching the config.
    pub adopted: Vec<String>,
}

fn open(env: &Env, path: &str, snapshot_json: &str, options: Option<&FileOptions>) -> Result<(Connection, crate::schema::Schema)> {
    let js = Js::new(env.raw());
    let schema = load_snapshot(snapshot_json, true)
        .map_err(|p| throw_coded(js, "ASTRO_DB_INVALID_CONFIG", &format!("Invalid schema snapshot: {p}")))?;
    let settings = FileOptions::settings(options, None)
        .map_err(|m| throw_coded(js, "URL_INVALID", &format!("Invalid option for the database at {path}: {m}")))?;
    let conn = Connection::open_with(path, &settings)
        .map_err(|e| throw_coded(js, &e.code(), &format!("Unable to open the database at {path}: {}", e.message)))?;
    Ok((conn, schema))
}

fn fail(env: &Env, path: &str, e: LocalError) -> Error {
    throw_coded(Js::new(env.raw()), &e.code(), &format!("{path}: {e}"))
}

/// Recreates the dev database at `path`: everything it holds is dropped and the tables of
/// `snapshotJson` (from `loadSchema`) are created, in one transaction. `options` as for
/// `NativeConnection.open`.
#[napi(catch_unwind)]
pub fn reset_local_database(env: Env, path: String, snapshot_json: String, options: Option<FileOptions>) -> Result<()> {
    let (mut conn, schema) = open(&env, &path, &snapshot_json, options.as_ref())?;
    local::reset(&mut conn, &schema).map_err(|e| fail(&env, &path, e))
}

/// Brings the database file at `path` to `snapshotJson` like a push: safe and lossless
/// changes are applied together with the new snapshot row in one transaction; a change that
/// would lose data throws `ASTRO_DB_DATA_LOSS` and changes nothing. `options` as for
/// `NativeConnection.open`.
#[napi(catch_unwind)]
pub fn migrate_local_database(env: Env, path: String, snapshot_json: String, options: Option<FileOptions>) -> Result<LocalMigration> {
    let (mut conn, schema) = open(&env, &path, &snapshot_json, options.as_ref())?;
    let m = local::migrate(&mut conn, &schema, &snapshot_json).map_err(|e| fail(&env, &path, e))?;
    Ok(LocalMigration { applied: m.applied, empty: m.empty, adopted: m.adopted })
}

/// Makes the database file at `target` (created if missing) a page-by-page copy of the
/// database file at `source`, through a connection opened with `options`: connections
/// already open on `target` see the copy, and `target` keeps its journal mode. Throws
/// `SQLITE_CANTOPEN` when `source` does not exist.
#[napi(catch_unwind)]
pub fn copy_database_file(env: Env, source: String, target: String, options: Option<FileOptions>) -> Result<()> {
    let js = Js::new(env.raw());
    let settings = FileOptions::settings(options.as_ref(), None)
        .map_err(|m| throw_coded(js, "URL_INVALID", &format!("Invalid option for the database at {target}: {m}")))?;
    let mut conn = Connection::open_with(&target, &settings)
        .map_err(|e| throw_coded(js, &e.code(), &format!("Unable to open the database at {target}: {}", e.message)))?;
    conn.copy_from(&source)
        .map_err(|e| throw_coded(js, &e.code(), &format!("Could not copy the database {source} into {target}: {}", e.message)))
}
