//! Running a bound statement and shaping its outcome for JS.
//!
//! Rows are built here, straight from SQLite's buffers, in the shape of
//! `@libsql/client` rows: indexes and `length` non-enumerable, column names
//! enumerable (the first column of a duplicated name wins).

use std::io::Write;

use napi::sys::{self, napi_value, PropertyAttributes};

use super::args::IntMode;
use super::error::Failure;
use super::raw::Js;
use crate::sqlite::{ColumnValue, Connection, Statement};

const MAX_SAFE: i64 = 9_007_199_254_740_991;

/// Runs `stmt` to completion and returns `[columns, columnTypes, rows, rowsAffected, lastInsertRowid]`.
///
/// A statement without result columns, when `meta` is given, returns `null` instead and
/// writes `[rowsAffected, lastInsertRowid]` into `meta`: most writes then cost no JS
/// allocation here at all.
pub fn run(
    js: Js,
    conn: &Connection,
    stmt: &mut Statement,
    mode: IntMode,
    meta: Option<&mut [i64]>,
) -> Result<napi_value, Failure> {
    let cols = stmt.column_count();
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
    let mut shape = RowShape::new(js, stmt)?;
    // Collected first so that the array is allocated once at its final length.
    let mut built = Vec::new();
    while stmt.step()? {
        built.push(shape.build(js, stmt, mode)?);
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

/// Property descriptors shared by every row of one result; only values change per row.
struct RowShape {
    columns: napi_value,
    column_types: napi_value,
    descriptors: Vec<sys::napi_property_descriptor>,
    /// For each descriptor after `length`: the column whose value it carries.
    sources: Vec<usize>,
    values: Vec<napi_value>,
}

impl RowShape {
    fn new(js: Js, stmt: &Statement) -> Result<Self, Failure> {
        let cols = stmt.column_count();
        let columns = js.array(cols)?;
        let column_types = js.array(cols)?;
        let mut names = Vec::with_capacity(cols);
        let mut descriptors = Vec::with_capacity(1 + 2 * cols);
        let mut sources = Vec::with_capacity(2 * cols);
        descriptors.push(descriptor(js.key(b"length")?, js.double(cols as f64)?, PropertyAttributes::default));
        for i in 0..cols {
            let name = stmt.column_name(i);
            let name_v = js.key(name.as_bytes())?;
            js.set_element(columns, i as u32, name_v)?;
            js.set_element(column_types, i as u32, js.string(stmt.column_decltype(i).as_bytes())?)?;
            let key = js.key(i.to_string().as_bytes())?;
            descriptors.push(descriptor(key, std::ptr::null_mut(), PropertyAttributes::default));
            sources.push(i);
            // A name that looks like an index ("0") would collide with the index itself.
            if !names.contains(&name) && !is_index_below(name, cols) {
                names.push(name);
                let attrs = PropertyAttributes::writable | PropertyAttributes::enumerable | PropertyAttributes::configurable;
                descriptors.push(descriptor(name_v, std::ptr::null_mut(), attrs));
                sources.push(i);
            }
        }
        Ok(Self { columns, column_types, descriptors, sources, values: Vec::with_capacity(cols) })
    }

    fn build(&mut self, js: Js, stmt: &Statement, mode: IntMode) -> Result<napi_value, Failure> {
        self.values.clear();
        for i in 0..stmt.column_count() {
            self.values.push(to_js(js, stmt.column(i), mode)?);
        }
        for (d, &src) in self.descriptors[1..].iter_mut().zip(&self.sources) {
            d.value = self.values[src];
        }
        let row = js.object()?;
        js.define_properties(row, &self.descriptors)?;
        Ok(row)
    }
}

/// Whether `name` is the canonical form of an index the row already has.
fn is_index_below(name: &str, cols: usize) -> bool {
    name.parse::<usize>().is_ok_and(|n| n < cols && n.to_string() == name)
}

fn descriptor(name: napi_value, value: napi_value, attributes: i32) -> sys::napi_property_descriptor {
    sys::napi_property_descriptor {
        utf8name: std::ptr::null(),
        name,
        method: None,
        getter: None,
        setter: None,
        value,
        attributes,
        data: std::ptr::null_mut(),
    }
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

#[cfg(test)]
mod tests {
    use super::is_index_below;

    #[test]
    fn only_canonical_indexes_collide_with_row_positions() {
        assert!(is_index_below("0", 2));
        assert!(is_index_below("1", 2));
        assert!(!is_index_below("2", 2));
        assert!(!is_index_below("01", 2));
        assert!(!is_index_below("1.0", 2));
        assert!(!is_index_below("-0", 2));
        assert!(!is_index_below("name", 2));
    }
}
