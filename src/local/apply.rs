//! Resetting and migrating a database file through one connection, atomically.

use super::query::{column_text, has_row};
use super::error::LocalError;
use crate::push::{self, run_ready, PushError, PushOptions, Status};
use crate::schema::Schema;
use crate::sql;
use crate::sqlite::Connection;

/// What `migrate` did.
#[derive(Debug, Default, PartialEq)]
pub struct Migration {
    /// The statements applied (empty when the database already matched).
    pub applied: Vec<String>,
    /// Every configured table is empty afterwards (a new database: seed it).
    pub empty: bool,
    /// The database had the configured tables but no snapshot (created by upstream's dev
    /// reset, say): they were taken as matching the config.
    pub adopted: Vec<String>,
}

/// Drops everything the database holds and creates `schema`, in one transaction.
pub fn reset(conn: &mut Connection, schema: &Schema) -> Result<(), LocalError> {
    let mut statements = Vec::new();
    for (kind, filter) in [("TRIGGER", "trigger"), ("VIEW", "view"), ("TABLE", "table")] {
        let names = column_text(
            conn,
            &format!("SELECT name FROM sqlite_master WHERE type = '{filter}' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"),
        )?;
        statements.extend(names.iter().map(|n| format!("DROP {kind} IF EXISTS {}", sql::quote::ident(n))));
    }
    statements.extend(sql::create_schema(schema));
    in_transaction(conn, true, |conn| {
        for s in &statements {
            conn.execute_script(s)?;
        }
        Ok(())
    })
}

/// Brings the database to `schema` like a push, through the same engine: safe and lossless
/// changes (and renames the schema declares) are applied with the new snapshot in one
/// transaction; anything that would lose data is refused. Dev and builds never guess renames
/// and never accept a loss.
pub fn migrate(conn: &mut Connection, schema: &Schema, snapshot_json: &str) -> Result<Migration, LocalError> {
    let options = PushOptions { apply: true, ..PushOptions::default() };
    let report = run_ready(push::push(conn, schema, snapshot_json, &options))
        .ok_or_else(|| LocalError::Push(PushError::Exec(crate::push::ExecError::new("ASTRO_DB_INTERNAL", "the local migration did not complete"))))?
        .map_err(LocalError::Push)?;
    if report.status == Status::Blocked {
        let lines = report
            .steps
            .iter()
            .filter(|s| s.blocking)
            .map(|s| match &s.step.suggestion {
                Some(sug) => format!("{} {sug}", s.step.message),
                None => s.step.message.clone(),
            })
            .collect();
        return Err(LocalError::DataLoss(lines));
    }
    let mut out = Migration { adopted: report.adopted, ..Migration::default() };
    if report.status == Status::Applied {
        out.applied = report.queries;
    }
    out.empty = true;
    for t in &schema.tables {
        if has_row(conn, &format!("SELECT 1 FROM {} LIMIT 1", sql::quote::ident(&t.name)))? {
            out.empty = false;
            break;
        }
    }
    Ok(out)
}

/// Runs `body` between `BEGIN IMMEDIATE` and `COMMIT`, rolling back on any failure. With
/// `foreign_keys_off`, the pragma is set around the transaction (SQLite ignores it inside).
fn in_transaction(
    conn: &mut Connection,
    foreign_keys_off: bool,
    body: impl FnOnce(&mut Connection) -> Result<(), LocalError>,
) -> Result<(), LocalError> {
    if foreign_keys_off {
        conn.execute_script("PRAGMA foreign_keys = OFF")?;
    }
    let result = conn.execute_script("BEGIN IMMEDIATE").map_err(LocalError::from).and_then(|()| body(conn));
    let result = match result {
        Ok(()) => conn.execute_script("COMMIT").map_err(LocalError::from),
        Err(e) => Err(e),
    };
    if result.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_script("ROLLBACK");
    }
    if foreign_keys_off {
        let _ = conn.execute_script("PRAGMA foreign_keys = ON");
    }
    result
}
