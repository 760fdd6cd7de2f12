//! Running a bound statement and shaping its outcome for JS; rows are built straight
//! from SQLite's buffers.

use std::io::Write;

use napi::sys::napi_value;

use super::args::IntMode;
use super::error::Failure;
use super::raw::Js;
use super::rows::RowShape;
use crate::sqlite::{ColumnValue, Handle, Statement};

const MAX_SAFE: i64 = 9_007_199_254_740_991;

/// Runs `stmt` to completion and returns `[columns, columnTypes, rows, rowsAffected, lastInsertRowid]`.
///
/// A statement without result columns, when `meta` is given, returns `null` instead and
/// writes `[rowsAffected, lastInsertRowid]` into `meta`: most writes then cost no JS
/// allocation here at all. With `arrays`, only the rows are returned, each an array.
pub fn run(
    js: Js,
    conn: Handle,
    stmt: &mut Statement,
    mode: IntMode,
    meta: Option<&mut [i64]>,
    arrays: bool,
) -> Result<napi_value, Failure> {
    let cols = stmt.column_count();
    if arrays {
        return array_rows(js, stmt, cols, mode);
    }
    if cols == 0 {
        let before = conn.total_changes();
        while stmt.step()? {}
        let affected = if conn.total_changes() == before { 0 } else { conn.changes() };
        if let Some(meta) = meta.filter(|m| m.len() >= 2) {
            meta[0] = affected;
            meta[1] = conn.last_insert_rowid();
            return Ok(js.null()?);
        }
        let out = js.array(5)?;
        js.set_element(out, 0, js.array(0)?)?;
        js.set_element(out, 1, js.array(0)?)?;
        js.set_element(out, 2, js.array(0)?)?;
        js.set_element(out, 3, js.double(affected as f64)?)?;
        js.set_element(out, 4, js.bigint(conn.last_insert_rowid())?)?;
        return Ok(out);
    }
    let mut shape = RowShape::new(js, (0..cols).map(|i| (Some(stmt.column_name(i)), stmt.column_decltype(i))))?;
    // Collected first so that the array is allocated once at its final length.
    let mut built = Vec::new();
    let mut values = Vec::with_capacity(cols);
    while stmt.step()? {
        values.clear();
        for i in 0..cols {
            values.push(to_js(js, stmt.column(i), mode)?);
        }
        built.push(shape.row(js, &values)?);
    }
    let rows = js.array(built.len())?;
    for (i, row) in built.into_iter().enumerate() {
        js.set_element(rows, i as u32, row)?;
    }
    let out = js.array(5)?;
    js.set_element(out, 0, shape.columns)?;
    js.set_element(out, 1, shape.column_types)?;
    js.set_element(out, 2, rows)?;
    js.set_element(out, 3, js.double(0.0)?)?;
    js.set_element(out, 4, js.undefined()?)?;
    Ok(out)
}

/// The rows of `stmt` as an array of arrays, each allocated once at its final length.
fn array_rows(js: Js, stmt: &mut Statement, cols: usize, mode: IntMode) -> Result<napi_value, Failure> {
    let mut built = Vec::new();
    while stmt.step()? {
        let row = js.array(cols)?;
        for i in 0..cols {
            js.set_element(row, i as u32, to_js(js, stmt.column(i), mode)?)?;
        }
        built.push(row);
    }
    let rows = js.array(built.len())?;
    for (i, row) in built.into_iter().enumerate() {
        js.set_element(rows, i as u32, row)?;
    }
    Ok(rows)
}

/// One column value as JS: INTEGER per `intMode`, REAL as number, TEXT as string, BLOB as ArrayBuffer.
pub fn to_js(js: Js, value: ColumnValue<'_>, mode: IntMode) -> Result<napi_value, Failure> {
    Ok(match value {
        ColumnValue::Null => js.null()?,
        ColumnValue::Integer(i) => match mode {
            IntMode::Number if (-MAX_SAFE..=MAX_SAFE).contains(&i) => js.double(i as f64)?,
            IntMode::Number => {
                return Err(Failure::Js(
                    js.throw_range_error("Received integer which cannot be safely represented as a JavaScript number"),
                ))
            }
            IntMode::BigInt => js.bigint(i)?,
            IntMode::String => {
                let mut digits = [0u8; 24];
                let mut cursor = &mut digits[..];
                let _ = write!(cursor, "{i}");
                let len = 24 - cursor.len();
                js.string(&digits[..len])?
            }
        },
        ColumnValue::Real(f) => js.double(f)?,
        ColumnValue::Text(t) => js.string(t)?,
        ColumnValue::Blob(b) => js.array_buffer(b)?,
    })
}
