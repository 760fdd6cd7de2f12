//! Writing another database's WAL frames into this one: how an embedded replica applies what
//! its primary sends (libSQL's `libsql_wal_insert_*` extension to the C API).

use std::ffi::c_int;
use std::ptr;

use libsql::ffi;

use super::connection::Connection;
use super::error::SqliteError;

impl Connection {
    fn check(&self, rc: c_int) -> Result<(), SqliteError> {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            // SAFETY: live handle.
            Err(unsafe { SqliteError::from_handle(self.raw()) })
        }
    }

    /// Starts a session that appends frames to the WAL (holds the write lock until `wal_insert_end`).
    pub fn wal_insert_begin(&mut self) -> Result<(), SqliteError> {
        // SAFETY: live handle.
        self.check(unsafe { ffi::libsql_wal_insert_begin(self.raw()) })
    }

    /// Writes `frame` (24-byte WAL frame header + page) as frame number `frame_no`. A frame that
    /// is already there with other contents is a conflict: the replica diverged from its primary.
    pub fn wal_insert_frame(&mut self, frame_no: u32, frame: &[u8]) -> Result<(), SqliteError> {
        let len = u32::try_from(frame.len()).map_err(|_| SqliteError::new(ffi::SQLITE_MISUSE, "frame too large"))?;
        let mut conflict: c_int = 0;
        // SAFETY: live handle; SQLite only reads `len` bytes of `frame` (the C signature is not const).
        let rc = unsafe { ffi::libsql_wal_insert_frame(self.raw(), frame_no, frame.as_ptr() as *mut _, len, &mut conflict) };
        if conflict != 0 {
            return Err(SqliteError::new(ffi::SQLITE_ERROR, format!("frame {frame_no} conflicts with the local copy")));
        }
        self.check(rc)
    }

    /// Ends the insert session; frames after the last commit frame are dropped.
    pub fn wal_insert_end(&mut self) -> Result<(), SqliteError> {
        // SAFETY: live handle.
        self.check(unsafe { ffi::libsql_wal_insert_end(self.raw()) })
    }

    /// Copies the whole WAL into the database file and empties it (what a new generation starts from).
    pub fn wal_checkpoint_truncate(&mut self) -> Result<(), SqliteError> {
        // SAFETY: live handle; the out-pointers may be null.
        let rc = unsafe {
            ffi::sqlite3_wal_checkpoint_v2(self.raw(), ptr::null(), ffi::SQLITE_CHECKPOINT_TRUNCATE, ptr::null_mut(), ptr::null_mut())
        };
        self.check(rc)
    }
}
