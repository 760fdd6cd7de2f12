//! Copying a whole database into a connection's file with SQLite's online backup.
//!
//! The seed cache restores the dev database this way instead of copying bytes over the file:
//! the copy goes through a connection, so it takes the write lock, lands in the WAL like any
//! write, and connections that already have the file open (the dev server's `db`, a seed
//! client kept from an earlier run) see the new content instead of a file replaced under
//! them. Reading the source through a connection likewise sees a consistent snapshot,
//! frames still in its WAL included, without a checkpoint first.

use std::ffi::{c_int, CString};
use std::ptr;
use std::time::{Duration, Instant};

use libsql::ffi;

use super::connection::Connection;
use super::error::SqliteError;

/// Closes the read-only source handle on every path out.
struct Source(*mut ffi::sqlite3);

impl Drop for Source {
    fn drop(&mut self) {
        // SAFETY: a live handle from sqlite3_open_v2, closed once.
        unsafe { ffi::sqlite3_close_v2(self.0) };
    }
}

impl Connection {
    /// Replaces everything this connection's main database holds with the content of the
    /// database file at `source` (opened read-only; a missing file is `SQLITE_CANTOPEN`).
    /// A lock on the destination is waited for by the connection's busy handler; a source
    /// busy elsewhere in this process (`SQLITE_LOCKED`) is retried for the default timeout.
    pub fn copy_from(&mut self, source: &str) -> Result<(), SqliteError> {
        let c_path = CString::new(source).map_err(|_| SqliteError::new(ffi::SQLITE_CANTOPEN, "database path contains a NUL byte"))?;
        let mut raw = ptr::null_mut();
        let flags = ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_EXRESCODE | ffi::SQLITE_OPEN_NOMUTEX;
        // SAFETY: valid C string and out-pointer; the handle is owned by `Source` right after.
        let rc = unsafe { ffi::sqlite3_open_v2(c_path.as_ptr(), &mut raw, flags, ptr::null()) };
        if raw.is_null() {
            return Err(SqliteError::from_code(rc));
        }
        let src = Source(raw);
        if rc != ffi::SQLITE_OK {
            // SAFETY: src.0 is a handle sqlite3_open_v2 returned with an error on it.
            return Err(unsafe { SqliteError::from_handle(src.0) });
        }
        let journal = self.journal_mode()?;
        let main = c"main";
        // SAFETY: both handles are live; the backup object is finished below on every path.
        let backup = unsafe { ffi::sqlite3_backup_init(self.db, main.as_ptr(), src.0, main.as_ptr()) };
        if backup.is_null() {
            // SAFETY: the error of a failed backup_init is left on the destination handle.
            return Err(unsafe { SqliteError::from_handle(self.db) });
        }
        let deadline = Instant::now() + Duration::from_millis(u64::from(super::settings::DEFAULT_BUSY_TIMEOUT_MS));
        let mut rc: c_int;
        loop {
            // SAFETY: backup is live until sqlite3_backup_finish.
            rc = unsafe { ffi::sqlite3_backup_step(backup, -1) };
            let busy = rc == ffi::SQLITE_BUSY || rc == ffi::SQLITE_LOCKED;
            if !busy || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // SAFETY: finishes the live backup object exactly once.
        let finish = unsafe { ffi::sqlite3_backup_finish(backup) };
        if rc != ffi::SQLITE_DONE {
            return Err(if rc == ffi::SQLITE_OK { SqliteError::from_code(ffi::SQLITE_ERROR) } else { SqliteError::from_code(rc) });
        }
        if finish != ffi::SQLITE_OK {
            // SAFETY: the destination handle holds the error of the failed backup.
            return Err(unsafe { SqliteError::from_handle(self.db) });
        }
        // The copied header carries the source's journal mode (a WAL source makes the file
        // WAL on its next open); the destination keeps the mode it was opened with.
        if journal != "wal" && !journal.is_empty() {
            self.query_int("SELECT count(*) FROM sqlite_master")?;
            self.execute_script(&format!("PRAGMA journal_mode={journal}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::{FileSettings, Journal};

    fn temp(name: &str) -> String {
        crate::sqlite::temp_db("backup", name)
    }

    #[test]
    fn copies_frames_still_in_the_wal_into_a_rollback_journal_file() {
        let (src, dst) = (temp("wal-src"), temp("wal-dst"));
        let mut s = Connection::open(&src).unwrap();
        s.execute_script("PRAGMA wal_autocheckpoint=0; CREATE TABLE t (x); INSERT INTO t VALUES (1), (2)").unwrap();
        assert!(std::fs::metadata(format!("{src}-wal")).unwrap().len() > 0, "the rows are only in the WAL");
        let delete = FileSettings { journal: Journal::Delete, ..Default::default() };
        let mut d = Connection::open_with(&dst, &delete).unwrap();
        d.copy_from(&src).unwrap();
        drop(d);
        let header = std::fs::read(&dst).unwrap();
        assert_eq!((header[18], header[19]), (1, 1), "the header asks for no WAL");
        // Reopened as it is on disk: the rows, and no WAL for a read-only reader to need.
        let mut d = Connection::open_with(&dst, &delete).unwrap();
        assert_eq!(d.query_int("SELECT sum(x) FROM t").unwrap(), Some(3));
        assert_eq!(d.journal_mode().unwrap(), "delete");
        drop((s, d));
        for p in [&src, &dst] {
            let _ = std::fs::remove_file(p);
        }
    }

    #[test]
    fn a_connection_already_open_on_the_destination_sees_the_copy() {
        let (src, dst) = (temp("open-src"), temp("open-dst"));
        let mut s = Connection::open(&src).unwrap();
        s.execute_script("CREATE TABLE seeded (x); INSERT INTO seeded VALUES (42)").unwrap();
        let mut reader = Connection::open(&dst).unwrap();
        reader.execute_script("CREATE TABLE stale (y); INSERT INTO stale VALUES (1)").unwrap();
        assert_eq!(reader.query_int("SELECT y FROM stale").unwrap(), Some(1));
        let mut writer = Connection::open(&dst).unwrap();
        writer.copy_from(&src).unwrap();
        assert_eq!(reader.query_int("SELECT x FROM seeded").unwrap(), Some(42));
        assert!(reader.query_int("SELECT y FROM stale").is_err(), "the old table is gone");
        assert_eq!(writer.journal_mode().unwrap(), "wal");
    }

    #[test]
    fn a_missing_source_is_an_error_and_changes_nothing() {
        let dst = temp("missing-dst");
        let mut d = Connection::open(&dst).unwrap();
        d.execute_script("CREATE TABLE kept (x); INSERT INTO kept VALUES (7)").unwrap();
        let e = d.copy_from(&temp("missing-src")).unwrap_err();
        assert_eq!(e.raw_code & 0xff, ffi::SQLITE_CANTOPEN, "{e:?}");
        assert_eq!(d.query_int("SELECT x FROM kept").unwrap(), Some(7));
    }
}
