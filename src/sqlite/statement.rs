//! A prepared statement over the raw libSQL C API.
//!
//! Values are bound and read without intermediate copies: the client layer
//! reads a column straight from SQLite's buffer into a JS value.

use std::ffi::{c_int, CStr};
use std::ptr;

use libsql::ffi;

use super::error::SqliteError;

/// What a column holds in the current row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnValue<'row> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'row [u8]),
    Blob(&'row [u8]),
}

/// An owned `sqlite3_stmt`, finalized on drop.
pub struct Statement {
    raw: *mut ffi::sqlite3_stmt,
    db: *mut ffi::sqlite3,
    column_count: c_int,
    parameter_count: c_int,
    /// Byte offset in the prepared text where the unconsumed rest (after this statement) starts.
    tail: usize,
}

impl Statement {
    /// Prepares the first statement of `sql`; the rest of the text is ignored,
    /// as `@libsql/client` does. `Ok(None)` means the text held no statement.
    ///
    /// # Safety
    /// `db` must be a live connection handle that outlives the statement.
    pub(crate) unsafe fn prepare(db: *mut ffi::sqlite3, sql: &str) -> Result<Option<Self>, SqliteError> {
        let len = c_int::try_from(sql.len())
            .map_err(|_| SqliteError::new(ffi::SQLITE_TOOBIG, "SQL text is too large"))?;
        let mut raw = ptr::null_mut();
        let mut tail_ptr: *const std::ffi::c_char = ptr::null();
        let rc = ffi::sqlite3_prepare_v2(db, sql.as_ptr().cast(), len, &mut raw, &mut tail_ptr);
        if rc != ffi::SQLITE_OK {
            return Err(SqliteError::from_handle(db));
        }
        if raw.is_null() {
            return Ok(None);
        }
        // SQLite leaves the tail inside `sql` (or null); clamp so a bad pointer can never escape the text.
        let tail = if tail_ptr.is_null() {
            sql.len()
        } else {
            (tail_ptr as usize).saturating_sub(sql.as_ptr() as usize).min(sql.len())
        };
        Ok(Some(Self {
            raw,
            db,
            tail,
            column_count: ffi::sqlite3_column_count(raw),
            parameter_count: ffi::sqlite3_bind_parameter_count(raw),
        }))
    }

    pub fn column_count(&self) -> usize {
        self.column_count as usize
    }

    pub fn parameter_count(&self) -> usize {
        self.parameter_count as usize
    }

    /// Byte offset where the text after this statement starts (text past it was not prepared).
    pub fn tail(&self) -> usize {
        self.tail
    }

    /// Whether the statement leaves the database file unchanged (`BEGIN`/`COMMIT` count as read-only).
    pub fn is_readonly(&self) -> bool {
        // SAFETY: raw is a live statement.
        unsafe { ffi::sqlite3_stmt_readonly(self.raw) != 0 }
    }

    /// Whether the statement is an `EXPLAIN` (or `EXPLAIN QUERY PLAN`).
    pub fn is_explain(&self) -> bool {
        // SAFETY: raw is a live statement.
        unsafe { ffi::sqlite3_stmt_isexplain(self.raw) != 0 }
    }

    /// Name of the 1-based parameter `idx` with its prefix (`:a`, `$b`), `None` for `?` and `?NNN`.
    pub fn parameter_name(&self, idx: usize) -> Option<&str> {
        // SAFETY: raw is live; SQLite returns NULL for nameless or out-of-range parameters.
        let p = unsafe { ffi::sqlite3_bind_parameter_name(self.raw, idx as c_int) };
        if p.is_null() {
            None
        } else {
            // SAFETY: non-null names are NUL-terminated and live as long as the statement.
            unsafe { CStr::from_ptr(p).to_str().ok() }
        }
    }

    /// 1-based index of a named parameter including its prefix (`:a`), or 0.
    pub fn parameter_index(&self, name_with_prefix: &CStr) -> usize {
        // SAFETY: raw is a live statement; the name is NUL-terminated.
        unsafe { ffi::sqlite3_bind_parameter_index(self.raw, name_with_prefix.as_ptr()) as usize }
    }

    pub fn column_name(&self, col: usize) -> &str {
        // SAFETY: col < column_count; SQLite keeps the name until the statement is finalized.
        unsafe { cstr_or_empty(ffi::sqlite3_column_name(self.raw, col as c_int)) }
    }

    /// Declared type of a result column, `""` for expressions.
    pub fn column_decltype(&self, col: usize) -> &str {
        // SAFETY: as above.
        unsafe { cstr_or_empty(ffi::sqlite3_column_decltype(self.raw, col as c_int)) }
    }

    pub fn bind_null(&mut self, idx: usize) -> Result<(), SqliteError> {
        // SAFETY: raw is live; out-of-range indexes are reported by SQLite.
        self.check(unsafe { ffi::sqlite3_bind_null(self.raw, idx as c_int) })
    }

    pub fn bind_int(&mut self, idx: usize, v: i64) -> Result<(), SqliteError> {
        // SAFETY: as above.
        self.check(unsafe { ffi::sqlite3_bind_int64(self.raw, idx as c_int, v) })
    }

    pub fn bind_real(&mut self, idx: usize, v: f64) -> Result<(), SqliteError> {
        // SAFETY: as above.
        self.check(unsafe { ffi::sqlite3_bind_double(self.raw, idx as c_int, v) })
    }

    pub fn bind_text(&mut self, idx: usize, v: &[u8]) -> Result<(), SqliteError> {
        let len = i64::try_from(v.len()).unwrap_or(i64::MAX) as u64;
        // SAFETY: SQLITE_TRANSIENT makes SQLite copy the bytes before returning.
        self.check(unsafe {
            ffi::sqlite3_bind_text64(
                self.raw,
                idx as c_int,
                v.as_ptr().cast(),
                len,
                ffi::SQLITE_TRANSIENT(),
                ffi::SQLITE_UTF8 as u8,
            )
        })
    }

    pub fn bind_blob(&mut self, idx: usize, v: &[u8]) -> Result<(), SqliteError> {
        // SAFETY: as above; a zero-length blob still binds as a blob, not NULL.
        self.check(unsafe {
            if v.is_empty() {
                ffi::sqlite3_bind_zeroblob(self.raw, idx as c_int, 0)
            } else {
                ffi::sqlite3_bind_blob64(self.raw, idx as c_int, v.as_ptr().cast(), v.len() as u64, ffi::SQLITE_TRANSIENT())
            }
        })
    }

    /// Advances; `Ok(true)` when a row is available.
    pub fn step(&mut self) -> Result<bool, SqliteError> {
        // SAFETY: raw is live.
        match unsafe { ffi::sqlite3_step(self.raw) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            // SAFETY: db is live; the statement's error is on its connection.
            _ => Err(unsafe { SqliteError::from_handle(self.db) }),
        }
    }

    /// Value of column `col` in the current row; valid until the next step or reset.
    pub fn column(&self, col: usize) -> ColumnValue<'_> {
        let c = col as c_int;
        // SAFETY: called only while the statement sits on a row, with col < column_count.
        unsafe {
            match ffi::sqlite3_column_type(self.raw, c) {
                ffi::SQLITE_INTEGER => ColumnValue::Integer(ffi::sqlite3_column_int64(self.raw, c)),
                ffi::SQLITE_FLOAT => ColumnValue::Real(ffi::sqlite3_column_double(self.raw, c)),
                ffi::SQLITE_TEXT => {
                    let p = ffi::sqlite3_column_text(self.raw, c);
                    let n = ffi::sqlite3_column_bytes(self.raw, c) as usize;
                    ColumnValue::Text(slice_or_empty(p, n))
                }
                ffi::SQLITE_BLOB => {
                    let p = ffi::sqlite3_column_blob(self.raw, c).cast::<u8>();
                    let n = ffi::sqlite3_column_bytes(self.raw, c) as usize;
                    ColumnValue::Blob(slice_or_empty(p, n))
                }
                _ => ColumnValue::Null,
            }
        }
    }

    /// Makes the statement ready for reuse: releases its locks and forgets its bindings.
    pub fn reset(&mut self) {
        // SAFETY: raw is live. The reset result repeats the last step's error, already reported.
        unsafe {
            ffi::sqlite3_reset(self.raw);
            ffi::sqlite3_clear_bindings(self.raw);
        }
    }

    fn check(&self, rc: c_int) -> Result<(), SqliteError> {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            // SAFETY: db is live.
            Err(unsafe { SqliteError::from_handle(self.db) })
        }
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: raw came from prepare and is finalized exactly once.
        unsafe {
            ffi::sqlite3_finalize(self.raw);
        }
    }
}

unsafe fn cstr_or_empty<'a>(p: *const std::ffi::c_char) -> &'a str {
    if p.is_null() {
        ""
    } else {
        CStr::from_ptr(p).to_str().unwrap_or("")
    }
}

unsafe fn slice_or_empty<'a>(p: *const u8, n: usize) -> &'a [u8] {
    if p.is_null() || n == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(p, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::Connection;

    fn read(stmt: &Statement, col: usize) -> String {
        match stmt.column(col) {
            ColumnValue::Null => "null".into(),
            ColumnValue::Integer(i) => format!("int {i}"),
            ColumnValue::Real(f) => format!("real {f}"),
            ColumnValue::Text(t) => format!("text {}", String::from_utf8_lossy(t)),
            ColumnValue::Blob(b) => format!("blob {b:?}"),
        }
    }

    #[test]
    fn binds_and_reads_every_value_kind() {
        let mut conn = Connection::open(":memory:").unwrap();
        let mut c = conn.acquire("select ?, ?, ?, ?, ?, ?, typeof(?)").unwrap().unwrap();
        let s = &mut c.stmt;
        assert_eq!(s.parameter_count(), 7);
        s.bind_null(1).unwrap();
        s.bind_int(2, i64::MIN).unwrap();
        s.bind_real(3, -0.5).unwrap();
        s.bind_text(4, "héllo\0there".as_bytes()).unwrap();
        s.bind_blob(5, &[0, 255]).unwrap();
        s.bind_blob(6, &[]).unwrap();
        s.bind_blob(7, &[]).unwrap();
        assert!(s.step().unwrap());
        let got: Vec<String> = (0..7).map(|i| read(s, i)).collect();
        assert_eq!(
            got,
            ["null", "int -9223372036854775808", "real -0.5", "text héllo\0there", "blob [0, 255]", "blob []", "text blob"]
        );
        assert!(!s.step().unwrap());
        conn.release(c);
    }

    #[test]
    fn names_columns_and_parameters() {
        let mut conn = Connection::open(":memory:").unwrap();
        conn.execute_script("create table t(id integer primary key, name text)").unwrap();
        let c = conn.acquire("select id, name as n, 1 + 1 from t where name = :name or id = @id").unwrap().unwrap();
        assert_eq!(c.stmt.column_count(), 3);
        assert_eq!(c.stmt.column_name(1), "n");
        assert_eq!(c.stmt.column_decltype(0), "INTEGER");
        assert_eq!(c.stmt.column_decltype(2), "");
        assert_eq!(c.stmt.parameter_index(c":name"), 1);
        assert_eq!(c.stmt.parameter_index(c"@id"), 2);
        assert_eq!(c.stmt.parameter_index(c"$id"), 0);
    }

    #[test]
    fn binding_out_of_range_is_an_error_not_a_crash() {
        let mut conn = Connection::open(":memory:").unwrap();
        let mut c = conn.acquire("select ?").unwrap().unwrap();
        assert_eq!(c.stmt.bind_int(2, 1).unwrap_err().code(), "SQLITE_RANGE");
    }

    #[test]
    fn describes_tail_kind_and_parameter_names() {
        let mut conn = Connection::open(":memory:").unwrap();
        let sql = "select :a, ?;  insert into x values (1)";
        let s = conn.prepare(sql).unwrap().unwrap();
        assert_eq!(&sql[s.tail()..], "  insert into x values (1)");
        assert!(s.is_readonly());
        assert!(!s.is_explain());
        assert_eq!(s.parameter_name(1), Some(":a"));
        assert_eq!(s.parameter_name(2), None);
        let s = conn.prepare("explain select 1").unwrap().unwrap();
        assert!(s.is_explain());
        assert_eq!(s.tail(), "explain select 1".len());
        conn.execute_script("create table t(x)").unwrap();
        assert!(!conn.prepare("insert into t values (1)").unwrap().unwrap().is_readonly());
    }
}
