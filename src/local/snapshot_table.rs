//! The schema snapshot a database holds: table `_astro_db_snapshot`, latest row wins.
//! Its shape is upstream's, so databases pushed by upstream Astro DB read as-is.

use super::query::{column_text, has_row};
use crate::sqlite::{Connection, SqliteError};

pub const TABLE: &str = "_astro_db_snapshot";

pub fn create_sql() -> String {
    format!("CREATE TABLE IF NOT EXISTS \"{TABLE}\" (id INTEGER PRIMARY KEY AUTOINCREMENT, version TEXT, snapshot BLOB)")
}

/// The latest stored snapshot JSON; `None` when the table is missing or empty.
pub fn read(conn: &mut Connection) -> Result<Option<String>, SqliteError> {
    let exists = has_row(conn, &format!("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{TABLE}'"))?;
    if !exists {
        return Ok(None);
    }
    Ok(column_text(conn, &latest_sql())?.pop())
}

/// The query returning the latest stored snapshot (fails when the table does not exist).
pub fn latest_sql() -> String {
    format!("SELECT snapshot FROM \"{TABLE}\" ORDER BY id DESC LIMIT 1")
}

/// The statement that records `snapshot_json` as the new latest snapshot.
pub fn insert_sql(version: &str, snapshot_json: &str) -> String {
    format!(
        "INSERT INTO \"{TABLE}\" (version, snapshot) VALUES ({}, {})",
        crate::sql::quote::string(version),
        crate::sql::quote::string(snapshot_json)
    )
}
