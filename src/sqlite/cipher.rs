//! Encryption at rest, as libSQL does it: SQLite3MultipleCiphers' `aes256cbc` cipher keyed
//! with the UTF-8 bytes of the user's key. Files written here open in `@libsql/client` with
//! the same `encryptionKey`, and the other way round.

use std::ffi::{c_char, c_int, c_void};

use libsql::ffi;

use super::error::SqliteError;

// Exported by the SQLite3MultipleCiphers build that libsql-ffi links when libsql's
// `encryption` feature is on; libsql-sys declares them privately, so we declare our own.
extern "C" {
    fn sqlite3mc_cipher_index(name: *const c_char) -> c_int;
    fn sqlite3mc_config(db: *mut ffi::sqlite3, param: *const c_char, value: c_int) -> c_int;
    fn sqlite3_key(db: *mut ffi::sqlite3, key: *const c_void, len: c_int) -> c_int;
}

/// Selects libSQL's cipher on `db` and keys its main database with `key`.
///
/// # Safety
/// `db` must be a live handle on which nothing has read the database yet.
pub unsafe fn apply_key(db: *mut ffi::sqlite3, key: &[u8]) -> Result<(), SqliteError> {
    let len = c_int::try_from(key.len())
        .map_err(|_| SqliteError::new(ffi::SQLITE_MISUSE, "the encryption key is too long"))?;
    // SAFETY: NUL-terminated literals; `db` is live (caller's contract).
    let cipher = unsafe { sqlite3mc_cipher_index(c"aes256cbc".as_ptr()) };
    if cipher <= 0 || unsafe { sqlite3mc_config(db, c"default:cipher".as_ptr(), cipher) } != cipher {
        return Err(SqliteError::new(ffi::SQLITE_ERROR, "the aes256cbc cipher is not available in this SQLite build"));
    }
    // SAFETY: `key` is valid for `len` bytes; SQLite copies it.
    let rc = unsafe { sqlite3_key(db, key.as_ptr().cast(), len) };
    if rc != ffi::SQLITE_OK {
        // The message never includes the key.
        return Err(SqliteError::new(rc, "could not set the encryption key"));
    }
    Ok(())
}
