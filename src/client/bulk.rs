//! Bulk entries of a batch: one statement (an `INSERT … VALUES (?, …)`, perhaps with a
//! conflict clause or `RETURNING`) run once per row of a flat array of values. Seeds spend
//! most of their time building one SQL text with a placeholder per value and having
//! SQLite parse it; here the text is one row long, prepared once (and cached), and every
//! row is bound straight from the JS array in the same crossing.

use napi::sys::napi_value;

use super::args::{bind_row, IntMode};
use super::error::Failure;
use super::raw::Js;
use super::results::to_js;
use super::rows::RowShape;
use crate::sqlite::{Connection, Handle, SqliteError, Statement};

/// Runs `sql` for each row of `values` (`width` values a row) and returns
/// `[columns, columnTypes, rows, rowsAffected, lastInsertRowid]` for them all: the rows
/// every run returned, in order, or (without result columns) the changes summed. Stops at the first failing row;
/// the caller's transaction or savepoint undoes the rows before it.
pub fn run(js: Js, conn: &mut Connection, sql: &str, values: napi_value, width: u32, mode: IntMode, buf: &mut Vec<u8>) -> Result<napi_value, Failure> {
    let len = if js.is_array(values)? { js.array_len(values)? } else { u32::MAX };
    if width == 0 || len == u32::MAX || len % width != 0 {
        return Err(Failure::Js(js.throw_range_error("A bulk entry needs `args` holding whole rows of `width` values")));
    }
    let mut cached = conn.acquire(sql)?.ok_or_else(|| SqliteError::new(0, "not an error"))?;
    let out = if cached.stmt.parameter_count() != width as usize {
        Err(Failure::Js(js.throw_range_error("A bulk entry's statement must take exactly `width` parameters")))
    } else {
        run_rows(js, conn.handle(), &mut cached.stmt, values, len / width, width, mode, buf)
    };
    conn.release(cached);
    out
}

#[allow(clippy::too_many_arguments)]
fn run_rows(
    js: Js,
    conn: Handle,
    stmt: &mut Statement,
    values: napi_value,
    rows: u32,
    width: u32,
    mode: IntMode,
    buf: &mut Vec<u8>,
) -> Result<napi_value, Failure> {
    let cols = stmt.column_count();
    let mut shape = if cols > 0 {
        Some(RowShape::new(js, (0..cols).map(|i| (Some(stmt.column_name(i)), stmt.column_decltype(i))))?)
    } else {
        None
    };
    let mut built = Vec::new();
    let mut cells = Vec::with_capacity(cols);
    let mut affected = 0i64;
    for r in 0..rows {
        let before = conn.total_changes();
        let outcome = bind_row(js, stmt, values, r * width, width, mode, buf).and_then(|()| {
            while stmt.step()? {
                if let Some(shape) = shape.as_mut() {
                    cells.clear();
                    for i in 0..cols {
                        cells.push(to_js(js, stmt.column(i), mode)?);
                    }
                    built.push(shape.row(js, &cells)?);
                }
            }
            Ok(())
        });
        stmt.reset();
        outcome.map_err(|failure| Failure::AtRow { row: r, failure: Box::new(failure) })?;
        // `changes()` keeps the last DML statement's count; a row a conflict clause skipped changed nothing.
        if conn.total_changes() != before {
            affected += conn.changes();
        }
    }
    let rows_v = js.array(built.len())?;
    for (i, row) in built.into_iter().enumerate() {
        js.set_element(rows_v, i as u32, row)?;
    }
    let out = js.array(5)?;
    match shape {
        Some(shape) => {
            js.set_element(out, 0, shape.columns)?;
            js.set_element(out, 1, shape.column_types)?;
        }
        None => {
            js.set_element(out, 0, js.array(0)?)?;
            js.set_element(out, 1, js.array(0)?)?;
        }
    }
    js.set_element(out, 2, rows_v)?;
    // As `results::run` reports a statement with result columns: no counts.
    let (affected, last) = if cols > 0 { (js.double(0.0)?, js.undefined()?) } else { (js.double(affected as f64)?, js.bigint(conn.last_insert_rowid())?) };
    js.set_element(out, 3, affected)?;
    js.set_element(out, 4, last)?;
    Ok(out)
}
