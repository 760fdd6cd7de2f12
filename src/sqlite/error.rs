//! SQLite result codes and the error type of the raw binding.

use std::ffi::{c_int, CStr};
use std::fmt;

use libsql::ffi;

/// An error reported by SQLite, with its extended result code.
#[derive(Debug, Clone, PartialEq)]
pub struct SqliteError {
    /// Extended result code (`base | (detail << 8)`), as `sqlite3_extended_errcode` gives it.
    pub raw_code: i32,
    pub message: String,
}

impl SqliteError {
    pub fn new(raw_code: i32, message: impl Into<String>) -> Self {
        Self { raw_code, message: message.into() }
    }

    /// The error SQLite holds on `db` right now.
    ///
    /// # Safety
    /// `db` must be a live connection handle.
    pub(crate) unsafe fn from_handle(db: *mut ffi::sqlite3) -> Self {
        let raw_code = ffi::sqlite3_extended_errcode(db);
        let msg = ffi::sqlite3_errmsg(db);
        let message = if msg.is_null() {
            errstr(raw_code)
        } else {
            CStr::from_ptr(msg).to_string_lossy().into_owned()
        };
        Self { raw_code, message }
    }

    /// An error for a code that did not come with a handle (e.g. `sqlite3_open_v2` out of memory).
    pub(crate) fn from_code(raw_code: c_int) -> Self {
        Self { raw_code, message: errstr(raw_code) }
    }

    /// Base code name, e.g. `SQLITE_CONSTRAINT`; unknown codes read `SQLITE_UNKNOWN_<n>`
    /// like `@libsql/client` does.
    pub fn code(&self) -> String {
        let base = self.raw_code & 0xff;
        match base_name(base) {
            Some(name) if base != 0 => name.to_owned(),
            _ => format!("SQLITE_UNKNOWN_{base}"),
        }
    }

    /// Extended code name, e.g. `SQLITE_CONSTRAINT_FOREIGNKEY`.
    pub fn extended_code(&self) -> String {
        match extended_name(self.raw_code).or_else(|| base_name(self.raw_code)) {
            Some(name) => name.to_owned(),
            None => format!("SQLITE_UNKNOWN_{}", self.raw_code),
        }
    }
}

impl fmt::Display for SqliteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl std::error::Error for SqliteError {}

fn errstr(code: c_int) -> String {
    // SAFETY: sqlite3_errstr returns a static string for any code.
    unsafe {
        let s = ffi::sqlite3_errstr(code);
        if s.is_null() {
            return format!("SQLite error {code}");
        }
        CStr::from_ptr(s).to_string_lossy().into_owned()
    }
}

/// The name of a base result code (`19` → `SQLITE_CONSTRAINT`).
pub fn base_name(code: i32) -> Option<&'static str> {
    Some(match code {
        0 => "SQLITE_OK",
        1 => "SQLITE_ERROR",
        2 => "SQLITE_INTERNAL",
        3 => "SQLITE_PERM",
        4 => "SQLITE_ABORT",
        5 => "SQLITE_BUSY",
        6 => "SQLITE_LOCKED",
        7 => "SQLITE_NOMEM",
        8 => "SQLITE_READONLY",
        9 => "SQLITE_INTERRUPT",
        10 => "SQLITE_IOERR",
        11 => "SQLITE_CORRUPT",
        12 => "SQLITE_NOTFOUND",
        13 => "SQLITE_FULL",
        14 => "SQLITE_CANTOPEN",
        15 => "SQLITE_PROTOCOL",
        16 => "SQLITE_EMPTY",
        17 => "SQLITE_SCHEMA",
        18 => "SQLITE_TOOBIG",
        19 => "SQLITE_CONSTRAINT",
        20 => "SQLITE_MISMATCH",
        21 => "SQLITE_MISUSE",
        22 => "SQLITE_NOLFS",
        23 => "SQLITE_AUTH",
        24 => "SQLITE_FORMAT",
        25 => "SQLITE_RANGE",
        26 => "SQLITE_NOTADB",
        27 => "SQLITE_NOTICE",
        28 => "SQLITE_WARNING",
        100 => "SQLITE_ROW",
        101 => "SQLITE_DONE",
        _ => return None,
    })
}

fn extended_name(code: i32) -> Option<&'static str> {
    Some(match code {
        261 => "SQLITE_BUSY_RECOVERY",
        517 => "SQLITE_BUSY_SNAPSHOT",
        773 => "SQLITE_BUSY_TIMEOUT",
        262 => "SQLITE_LOCKED_SHAREDCACHE",
        264 => "SQLITE_READONLY_RECOVERY",
        520 => "SQLITE_READONLY_CANTLOCK",
        776 => "SQLITE_READONLY_ROLLBACK",
        1032 => "SQLITE_READONLY_DBMOVED",
        266 => "SQLITE_IOERR_READ",
        522 => "SQLITE_IOERR_SHORT_READ",
        778 => "SQLITE_IOERR_WRITE",
        1034 => "SQLITE_IOERR_FSYNC",
        3338 => "SQLITE_IOERR_NOMEM",
        267 => "SQLITE_CORRUPT_VTAB",
        270 => "SQLITE_CANTOPEN_NOTEMPDIR",
        526 => "SQLITE_CANTOPEN_ISDIR",
        782 => "SQLITE_CANTOPEN_FULLPATH",
        275 => "SQLITE_CONSTRAINT_CHECK",
        531 => "SQLITE_CONSTRAINT_COMMITHOOK",
        787 => "SQLITE_CONSTRAINT_FOREIGNKEY",
        1043 => "SQLITE_CONSTRAINT_FUNCTION",
        1299 => "SQLITE_CONSTRAINT_NOTNULL",
        1555 => "SQLITE_CONSTRAINT_PRIMARYKEY",
        1811 => "SQLITE_CONSTRAINT_TRIGGER",
        2067 => "SQLITE_CONSTRAINT_UNIQUE",
        2323 => "SQLITE_CONSTRAINT_VTAB",
        2579 => "SQLITE_CONSTRAINT_ROWID",
        2835 => "SQLITE_CONSTRAINT_PINNED",
        3091 => "SQLITE_CONSTRAINT_DATATYPE",
        283 => "SQLITE_NOTICE_RECOVER_WAL",
        539 => "SQLITE_NOTICE_RECOVER_ROLLBACK",
        284 => "SQLITE_WARNING_AUTOINDEX",
        516 => "SQLITE_ABORT_ROLLBACK",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_base_and_extended_codes() {
        let e = SqliteError::new(787, "FOREIGN KEY constraint failed");
        assert_eq!(e.code(), "SQLITE_CONSTRAINT");
        assert_eq!(e.extended_code(), "SQLITE_CONSTRAINT_FOREIGNKEY");
        assert_eq!(e.to_string(), "SQLITE_CONSTRAINT: FOREIGN KEY constraint failed");
        let plain = SqliteError::new(1, "near \"x\": syntax error");
        assert_eq!(plain.code(), "SQLITE_ERROR");
        assert_eq!(plain.extended_code(), "SQLITE_ERROR");
    }

    #[test]
    fn unknown_codes_keep_their_number() {
        let ok = SqliteError::new(0, "not an error");
        assert_eq!(ok.code(), "SQLITE_UNKNOWN_0");
        assert_eq!(ok.extended_code(), "SQLITE_OK");
        assert_eq!(SqliteError::new(99, "?").code(), "SQLITE_UNKNOWN_99");
        assert_eq!(SqliteError::new(99 | (7 << 8), "?").extended_code(), "SQLITE_UNKNOWN_1891");
    }

    #[test]
    fn errstr_describes_codes_without_handle() {
        assert_eq!(SqliteError::from_code(14).message, "unable to open database file");
    }
}
