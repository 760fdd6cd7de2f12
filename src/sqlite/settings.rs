//! How every database file we open is set up: the one place that decides it, so the dev
//! database, `ASTRO_DATABASE_FILE`, `file:` clients, migrations and `serve` all agree.
//!
//! - WAL by default: readers never wait for the writer and the writer never waits for
//!   readers, which is what lets several server processes share one file. The journal mode
//!   is stored in the file, so it sticks for every later opener too.
//! - A busy timeout by default: a writer that finds the write lock taken (another process,
//!   or another connection of ours) waits its turn instead of failing with `SQLITE_BUSY`.
//! - The encryption key, when one is given, before anything reads the file.

use std::ffi::c_int;

use libsql::ffi;

use super::connection::Connection;
use super::error::SqliteError;

/// Milliseconds a statement waits for a lock held by another connection. Long enough to
/// ride out a burst of writers from a few processes (a commit takes well under a
/// millisecond), short enough that a stuck writer surfaces as an error a user can see.
pub const DEFAULT_BUSY_TIMEOUT_MS: u32 = 5_000;

/// The journal a file is switched to when opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Journal {
    /// Write-ahead log: concurrent readers during a write, one writer at a time.
    #[default]
    Wal,
    /// The classic rollback journal, for filesystems where WAL's shared memory cannot work
    /// (network filesystems, some container volumes). Readers then wait for the writer.
    Delete,
}

impl Journal {
    /// Parses the `journalMode` option (`wal` or `delete`, any case).
    pub fn parse(value: &str) -> Result<Self, String> {
        match value.to_ascii_lowercase().as_str() {
            "wal" => Ok(Journal::Wal),
            "delete" => Ok(Journal::Delete),
            _ => Err(format!("journalMode must be \"wal\" or \"delete\", not {value:?}")),
        }
    }

    fn pragma(self) -> &'static str {
        match self {
            Journal::Wal => "PRAGMA journal_mode=WAL",
            Journal::Delete => "PRAGMA journal_mode=DELETE",
        }
    }
}

/// Everything about opening a file that a user may choose.
#[derive(Debug, Clone, Default)]
pub struct FileSettings<'a> {
    /// Key of a file encrypted at rest (see `cipher`); `None` for a plain file.
    pub key: Option<&'a [u8]>,
    /// `None` means [`DEFAULT_BUSY_TIMEOUT_MS`]; `Some(0)` fails at once on a lock.
    pub busy_timeout_ms: Option<u32>,
    pub journal: Journal,
}

impl FileSettings<'_> {
    pub fn busy_timeout(&self) -> u32 {
        self.busy_timeout_ms.unwrap_or(DEFAULT_BUSY_TIMEOUT_MS)
    }
}

impl Connection {
    /// Opens (creating if needed) the database at `path` set up as `settings` say;
    /// `":memory:"` opens a private in-memory one (which has no journal to choose).
    pub fn open_with(path: &str, settings: &FileSettings) -> Result<Self, SqliteError> {
        let timer = crate::log::debug_timer();
        let mut conn = Self::open_raw(path, settings.key)?;
        conn.set_busy_timeout(settings.busy_timeout());
        if !is_memory(path) {
            conn.set_journal(settings.journal)?;
        }
        if let Some(t) = timer {
            // The key is never logged, only whether there is one.
            tracing::debug!(path, encrypted = settings.key.is_some(), busy_timeout_ms = settings.busy_timeout(), ms = crate::log::ms(t), "opened database");
        }
        Ok(conn)
    }

    /// Switches the journal mode, waiting up to the busy timeout if another connection holds
    /// the file. Two failures are left for later instead: a wrong encryption key (the first
    /// read reports `SQLITE_NOTADB`, as libSQL does) and a read-only file (it keeps the mode
    /// it has; reads work, writes fail with `SQLITE_READONLY` as they would anyway).
    fn set_journal(&mut self, journal: Journal) -> Result<(), SqliteError> {
        match self.execute_script(journal.pragma()) {
            Ok(()) => Ok(()),
            Err(e) if matches!(e.raw_code & 0xff, ffi::SQLITE_NOTADB | ffi::SQLITE_READONLY) => Ok(()),
            Err(e) => Err(SqliteError::new(
                e.raw_code,
                match journal {
                    Journal::Wal => format!(
                        "could not switch to WAL (journalMode=wal): {}. On a filesystem where WAL cannot work, set journalMode=delete",
                        e.message
                    ),
                    Journal::Delete => format!("could not set journalMode=delete: {}", e.message),
                },
            )),
        }
    }

    /// The journal mode in force, lower-case (`wal`, `delete`, `memory`).
    pub fn journal_mode(&mut self) -> Result<String, SqliteError> {
        let Some(mut c) = self.acquire("PRAGMA journal_mode")? else { return Ok(String::new()) };
        let out = match c.stmt.step() {
            Ok(true) => match c.stmt.column(0) {
                super::ColumnValue::Text(t) => Ok(String::from_utf8_lossy(t).to_ascii_lowercase()),
                _ => Ok(String::new()),
            },
            Ok(false) => Ok(String::new()),
            Err(e) => Err(e),
        };
        self.release(c);
        out
    }
}

fn is_memory(path: &str) -> bool {
    // SQLite treats both as private temporary databases (we open without SQLITE_OPEN_URI).
    path == ":memory:" || path.is_empty()
}

/// Clamps a JS number of milliseconds into what `sqlite3_busy_timeout` takes.
pub fn busy_timeout_ms(ms: f64) -> Result<u32, String> {
    if !ms.is_finite() || ms < 0.0 || ms.fract() != 0.0 {
        return Err(format!("busyTimeout must be a whole number of milliseconds, not {ms}"));
    }
    Ok(ms.min(c_int::MAX as f64) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> String {
        crate::sqlite::temp_db("settings", name)
    }

    #[test]
    fn files_open_in_wal_unless_told_otherwise() {
        let path = temp("wal");
        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(conn.journal_mode().unwrap(), "wal");
        drop(conn);
        let mut conn = Connection::open_with(&path, &FileSettings { journal: Journal::Delete, ..Default::default() }).unwrap();
        assert_eq!(conn.journal_mode().unwrap(), "delete");
        let mut mem = Connection::open(":memory:").unwrap();
        assert_eq!(mem.journal_mode().unwrap(), "memory");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_second_writer_waits_for_the_first_instead_of_failing() {
        let path = temp("busy");
        let mut a = Connection::open(&path).unwrap();
        a.execute_script("CREATE TABLE t (x)").unwrap();
        a.execute_script("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)").unwrap();
        let p = path.clone();
        let other = std::thread::spawn(move || {
            let mut b = Connection::open(&p).unwrap();
            let started = std::time::Instant::now();
            b.execute_script("INSERT INTO t VALUES (2)").map(|()| started.elapsed())
        });
        std::thread::sleep(std::time::Duration::from_millis(200));
        a.execute_script("COMMIT").unwrap();
        let waited = other.join().unwrap().expect("the second writer waited instead of failing");
        assert!(waited >= std::time::Duration::from_millis(150), "it did not wait: {waited:?}");
        assert_eq!(a.query_int("SELECT count(*) FROM t").unwrap(), Some(2));

        // With the timeout off, the same contention fails at once: the wait above is ours.
        a.execute_script("BEGIN IMMEDIATE").unwrap();
        let mut b = Connection::open_with(&path, &FileSettings { busy_timeout_ms: Some(0), ..Default::default() }).unwrap();
        let err = b.execute_script("INSERT INTO t VALUES (3)").unwrap_err();
        assert_eq!(err.code(), "SQLITE_BUSY");
        a.execute_script("ROLLBACK").unwrap();
        drop((a, b));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn options_are_checked() {
        assert_eq!(Journal::parse("WAL"), Ok(Journal::Wal));
        assert_eq!(Journal::parse("delete"), Ok(Journal::Delete));
        assert!(Journal::parse("truncate").unwrap_err().contains("journalMode"));
        assert_eq!(busy_timeout_ms(2500.0), Ok(2500));
        assert_eq!(busy_timeout_ms(1e12), Ok(c_int::MAX as u32));
        assert!(busy_timeout_ms(-1.0).is_err() && busy_timeout_ms(f64::NAN).is_err() && busy_timeout_ms(1.5).is_err());
    }
}
