//! The WAL as a replication log: frame access and checkpoint control for `serve`'s sync routes,
//! and writing a primary's frames into a replica (libSQL's `libsql_wal_*` extensions to the C API).

use std::ffi::c_int;
use std::ptr;

use libsql::ffi;

use super::connection::Connection;
use super::error::SqliteError;

/// How a checkpoint ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoint {
    /// Every frame reached the database file and the WAL was truncated to nothing.
    Truncated,
    /// Another connection held a lock; some frames may have been copied to the database file
    /// anyway (SQLite falls back to a passive checkpoint), but the WAL was not reset.
    Busy,
}

impl Connection {
    fn check(&self, rc: c_int) -> Result<(), SqliteError> {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            // SAFETY: live handle; the error of the call that just failed is still on it.
            Err(unsafe { SqliteError::from_handle(self.db) })
        }
    }

    /// Leaves checkpoints to the caller: none automatic, none when the connection closes, so
    /// WAL frame numbers stay valid for replicas across closes and restarts.
    pub fn keep_wal(&self) -> Result<(), SqliteError> {
        // SAFETY: live handle; NO_CKPT_ON_CLOSE takes an int and a nullable int pointer.
        let rc = unsafe { ffi::sqlite3_wal_autocheckpoint(self.db, 0) };
        self.check(rc)?;
        let rc = unsafe { ffi::sqlite3_db_config(self.db, ffi::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1 as c_int, ptr::null_mut::<c_int>()) };
        self.check(rc)
    }

    /// Committed frames in the WAL as of this connection's read transaction (start one first:
    /// outside a transaction the count may be stale). `SQLITE_BUSY` while a writer is active.
    pub fn wal_frame_count(&self) -> Result<u32, SqliteError> {
        let mut n: std::ffi::c_uint = 0;
        // SAFETY: live handle and out-pointer.
        let rc = unsafe { ffi::libsql_wal_frame_count(self.db, &mut n) };
        self.check(rc)?;
        Ok(n)
    }

    /// Frame `no` (1-based) as stored in the WAL: 24-byte header then the page; `buf` must be
    /// exactly 24 + page size bytes.
    pub fn wal_frame(&self, no: u32, buf: &mut [u8]) -> Result<(), SqliteError> {
        let len = u32::try_from(buf.len()).map_err(|_| SqliteError::new(ffi::SQLITE_MISUSE, "frame buffer too large"))?;
        // SAFETY: live handle; buf is writable for len bytes.
        let rc = unsafe { ffi::libsql_wal_get_frame(self.db, no, buf.as_mut_ptr().cast(), len) };
        self.check(rc)
    }

    /// `PRAGMA wal_checkpoint(TRUNCATE)`, waiting up to the busy timeout for other connections.
    pub fn checkpoint_truncate(&self) -> Result<Checkpoint, SqliteError> {
        let (mut log, mut done) = (0, 0);
        // SAFETY: live handle; a null schema name means every attached database.
        let rc = unsafe { ffi::sqlite3_wal_checkpoint_v2(self.db, ptr::null(), ffi::SQLITE_CHECKPOINT_TRUNCATE, &mut log, &mut done) };
        if rc & 0xff == ffi::SQLITE_BUSY || rc & 0xff == ffi::SQLITE_LOCKED {
            return Ok(Checkpoint::Busy);
        }
        self.check(rc)?;
        Ok(if log == 0 { Checkpoint::Truncated } else { Checkpoint::Busy })
    }

    /// The first column of the first row of `sql`, as an integer.
    pub fn query_int(&mut self, sql: &str) -> Result<Option<i64>, SqliteError> {
        let Some(mut c) = self.acquire(sql)? else { return Ok(None) };
        let out = match c.stmt.step() {
            Ok(true) => match c.stmt.column(0) {
                super::ColumnValue::Integer(i) => Ok(Some(i)),
                _ => Ok(None),
            },
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        };
        self.release(c);
        out
    }

    /// Starts a session that appends frames to the WAL (holds the write lock until `wal_insert_end`).
    pub fn wal_insert_begin(&mut self) -> Result<(), SqliteError> {
        // SAFETY: live handle.
        self.check(unsafe { ffi::libsql_wal_insert_begin(self.db) })
    }

    /// Writes `frame` (24-byte WAL frame header + page) as frame number `frame_no`. A frame that
    /// is already there with other contents is a conflict: the replica diverged from its primary.
    pub fn wal_insert_frame(&mut self, frame_no: u32, frame: &[u8]) -> Result<(), SqliteError> {
        let len = u32::try_from(frame.len()).map_err(|_| SqliteError::new(ffi::SQLITE_MISUSE, "frame too large"))?;
        let mut conflict: c_int = 0;
        // SAFETY: live handle; SQLite only reads `len` bytes of `frame` (the C signature is not const).
        let rc = unsafe { ffi::libsql_wal_insert_frame(self.db, frame_no, frame.as_ptr() as *mut _, len, &mut conflict) };
        if conflict != 0 {
            return Err(SqliteError::new(ffi::SQLITE_ERROR, format!("frame {frame_no} conflicts with the local copy")));
        }
        self.check(rc)
    }

    /// Ends the insert session; frames after the last commit frame are dropped.
    pub fn wal_insert_end(&mut self) -> Result<(), SqliteError> {
        // SAFETY: live handle.
        self.check(unsafe { ffi::libsql_wal_insert_end(self.db) })
    }
}
