//! Small read helpers over a raw connection for the lifecycle code.

use crate::sqlite::{ColumnValue, Connection, SqliteError};

/// Whether `sql` returns at least one row.
pub fn has_row(conn: &mut Connection, sql: &str) -> Result<bool, SqliteError> {
    let Some(mut c) = conn.acquire(sql)? else { return Ok(false) };
    let found = c.stmt.step();
    conn.release(c);
    found
}

/// The first column of every row, as text (BLOBs read as UTF-8, NULLs skipped).
pub fn column_text(conn: &mut Connection, sql: &str) -> Result<Vec<String>, SqliteError> {
    let Some(mut c) = conn.acquire(sql)? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    let result = loop {
        match c.stmt.step() {
            Ok(true) => match c.stmt.column(0) {
                ColumnValue::Text(t) | ColumnValue::Blob(t) => out.push(String::from_utf8_lossy(t).into_owned()),
                ColumnValue::Integer(i) => out.push(i.to_string()),
                ColumnValue::Real(f) => out.push(f.to_string()),
                ColumnValue::Null => {}
            },
            Ok(false) => break Ok(out),
            Err(e) => break Err(e),
        }
    };
    conn.release(c);
    result
}
