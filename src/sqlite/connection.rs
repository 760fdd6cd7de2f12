//! One libSQL connection over the C API, with a small prepared-statement cache.

use std::collections::HashMap;
use std::ffi::{c_int, CString};
use std::hash::{BuildHasherDefault, Hasher};
use std::ptr;

use libsql::ffi;

use super::busy::BusyWait;
use super::error::SqliteError;
use super::statement::Statement;

/// Statements kept prepared per connection. Drizzle and seeds repeat a handful
/// of SQL texts; re-preparing them costs more than running them.
const CACHE_CAPACITY: usize = 64;

/// FNV-1a: SQL texts are short and trusted-length keys of our own cache, so the
/// DoS-resistant default hasher only costs time on every call.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Cache = HashMap<String, Statement, BuildHasherDefault<Fnv>>;

/// Process-wide SQLite settings, applied before the library initialises (the first open).
fn configure_once() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Memory statistics take a global mutex on every allocation; nothing reads them.
        // SAFETY: called before any connection exists; a late call only returns SQLITE_MISUSE.
        unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int) };
    });
}

/// A statement borrowed from the cache; hand it back with [`Connection::release`].
pub struct Cached {
    sql: String,
    pub stmt: Statement,
}

/// The raw handle of an open connection, for reading its counters while one of its
/// statements is borrowed from the cache.
#[derive(Clone, Copy)]
pub struct Handle(*mut ffi::sqlite3);

impl Handle {
    pub fn changes(self) -> i64 {
        // SAFETY: a Handle only comes from a live Connection, used within its borrow.
        unsafe { ffi::sqlite3_changes64(self.0) }
    }

    pub fn total_changes(self) -> i64 {
        // SAFETY: as above.
        unsafe { ffi::sqlite3_total_changes64(self.0) }
    }

    pub fn last_insert_rowid(self) -> i64 {
        // SAFETY: as above.
        unsafe { ffi::sqlite3_last_insert_rowid(self.0) }
    }
}

pub struct Connection {
    pub(super) db: *mut ffi::sqlite3,
    cache: Cache,
    /// State of the busy handler (see `busy`).
    pub(super) busy: Box<BusyWait>,
}

impl Connection {
    /// Opens (creating if needed) the database at `path` with the default settings (WAL, the
    /// default busy timeout; see `settings`); `":memory:"` opens a private in-memory one.
    pub fn open(path: &str) -> Result<Self, SqliteError> {
        Self::open_with(path, &super::settings::FileSettings::default())
    }

    /// Like [`Connection::open`], for a file encrypted with `key` (see `cipher`). A wrong key
    /// is not detected here but by the first read, as in libSQL: `SQLITE_NOTADB`.
    #[cfg(test)]
    pub fn open_keyed(path: &str, key: Option<&[u8]>) -> Result<Self, SqliteError> {
        Self::open_with(path, &super::settings::FileSettings { key, ..Default::default() })
    }

    /// The bare open: no busy timeout, the journal as the file has it. Only `open_with` calls
    /// it, so every file we open is set up the same way.
    pub(super) fn open_raw(path: &str, key: Option<&[u8]>) -> Result<Self, SqliteError> {
        configure_once();
        let c_path = CString::new(path)
            .map_err(|_| SqliteError::new(ffi::SQLITE_CANTOPEN, "database path contains a NUL byte"))?;
        // NOMUTEX: a connection is only ever used by one thread at a time (the JS thread, or
        // the server thread that holds it), so SQLite's per-call mutex would only cost time
        // (a quarter of a local insert, measured with perf).
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE | ffi::SQLITE_OPEN_EXRESCODE | ffi::SQLITE_OPEN_NOMUTEX;
        let mut db = ptr::null_mut();
        // SAFETY: valid C string and out-pointer; on failure the handle (if any) is closed below.
        let rc = unsafe { ffi::sqlite3_open_v2(c_path.as_ptr(), &mut db, flags, ptr::null()) };
        if rc != ffi::SQLITE_OK {
            let err = if db.is_null() {
                SqliteError::from_code(rc)
            } else {
                // SAFETY: db is a handle sqlite3_open_v2 returned with an error on it.
                let e = unsafe { SqliteError::from_handle(db) };
                unsafe { ffi::sqlite3_close_v2(db) };
                e
            };
            return Err(err);
        }
        // SAFETY: db is a live handle.
        unsafe { ffi::sqlite3_extended_result_codes(db, 1) };
        if let Some(key) = key {
            // SAFETY: db is live and nothing has read the file yet.
            if let Err(e) = unsafe { super::cipher::apply_key(db, key) } {
                unsafe { ffi::sqlite3_close_v2(db) };
                return Err(e);
            }
        }
        // SAFETY: db is live; the handler is removed in Drop before `busy` is freed.
        let busy = unsafe { BusyWait::install(db) };
        Ok(Self { db, cache: Cache::with_capacity_and_hasher(CACHE_CAPACITY, Default::default()), busy })
    }

    /// A prepared statement for `sql`, from the cache when it was seen before.
    /// `Ok(None)` when `sql` holds no statement (empty or only comments).
    pub fn acquire(&mut self, sql: &str) -> Result<Option<Cached>, SqliteError> {
        if let Some((sql, stmt)) = self.cache.remove_entry(sql) {
            return Ok(Some(Cached { sql, stmt }));
        }
        // SAFETY: self.db is live and outlives the statement (the cache is cleared before close).
        let stmt = unsafe { Statement::prepare(self.db, sql)? };
        Ok(stmt.map(|stmt| Cached { sql: sql.to_owned(), stmt }))
    }

    /// Prepares the first statement of `sql` without touching the cache, for one-off texts
    /// (scripts run statement by statement). `Ok(None)` when `sql` holds no statement.
    pub fn prepare(&mut self, sql: &str) -> Result<Option<Statement>, SqliteError> {
        // SAFETY: self.db is live; the statement is dropped by the caller before the connection
        // closes (sqlite3_close_v2 defers the close otherwise, so this stays sound either way).
        unsafe { Statement::prepare(self.db, sql) }
    }

    /// Runs `f` on the cached statement for `sql` (prepared on first use) without taking it
    /// out of the cache, then resets it. `Ok(None)` when `sql` holds no statement.
    pub fn with_statement<T>(&mut self, sql: &str, f: impl FnOnce(Handle, &mut Statement) -> T) -> Result<Option<T>, SqliteError> {
        let handle = Handle(self.db);
        if let Some(stmt) = self.cache.get_mut(sql) {
            let out = f(handle, stmt);
            stmt.reset();
            return Ok(Some(out));
        }
        // SAFETY: self.db is live and outlives the statement (the cache is cleared before close).
        let Some(mut stmt) = (unsafe { Statement::prepare(self.db, sql)? }) else { return Ok(None) };
        let out = f(handle, &mut stmt);
        stmt.reset();
        self.evict_if_full();
        self.cache.insert(sql.to_owned(), stmt);
        Ok(Some(out))
    }

    fn evict_if_full(&mut self) {
        if self.cache.len() >= CACHE_CAPACITY {
            if let Some(key) = self.cache.keys().next().cloned() {
                self.cache.remove(&key);
            }
        }
    }

    /// Resets a statement and keeps it for the next call with the same SQL.
    pub fn release(&mut self, mut cached: Cached) {
        cached.stmt.reset();
        self.evict_if_full();
        self.cache.insert(cached.sql, cached.stmt);
    }

    /// Runs every statement of `sql` in order, stopping at the first error.
    pub fn execute_script(&mut self, sql: &str) -> Result<(), SqliteError> {
        let c_sql = CString::new(sql)
            .map_err(|_| SqliteError::new(ffi::SQLITE_ERROR, "SQL text contains a NUL byte"))?;
        // SAFETY: live handle, NUL-terminated SQL, no callback.
        let rc = unsafe { ffi::sqlite3_exec(self.db, c_sql.as_ptr(), None, ptr::null_mut(), ptr::null_mut()) };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            // SAFETY: live handle.
            Err(unsafe { SqliteError::from_handle(self.db) })
        }
    }

    pub fn handle(&self) -> Handle {
        Handle(self.db)
    }


    pub fn changes(&self) -> i64 {
        self.handle().changes()
    }

    pub fn total_changes(&self) -> i64 {
        self.handle().total_changes()
    }

    pub fn last_insert_rowid(&self) -> i64 {
        self.handle().last_insert_rowid()
    }

    pub fn is_autocommit(&self) -> bool {
        // SAFETY: live handle.
        unsafe { ffi::sqlite3_get_autocommit(self.db) != 0 }
    }

}

impl Drop for Connection {
    fn drop(&mut self) {
        // Statements must be finalized before the handle goes.
        self.cache.clear();
        // SAFETY: db is live; the handler must not outlive `busy`.
        unsafe { BusyWait::remove(self.db) };
        // SAFETY: db is live and closed exactly once; close_v2 defers if anything is still open.
        unsafe { ffi::sqlite3_close_v2(self.db) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::ColumnValue;

    fn scalar(conn: &mut Connection, sql: &str) -> i64 {
        let mut c = conn.acquire(sql).unwrap().unwrap();
        assert!(c.stmt.step().unwrap());
        let v = match c.stmt.column(0) {
            ColumnValue::Integer(i) => i,
            _ => panic!("not an integer"),
        };
        conn.release(c);
        v
    }

    #[test]
    fn runs_scripts_and_reuses_statements() {
        let mut conn = Connection::open(":memory:").unwrap();
        conn.execute_script("create table t(x); insert into t values (1), (2);").unwrap();
        assert_eq!(conn.changes(), 2);
        assert_eq!(scalar(&mut conn, "select count(*) from t"), 2);
        conn.execute_script("insert into t values (3)").unwrap();
        // the cached statement sees the new row: it was reset, not left mid-read
        assert_eq!(scalar(&mut conn, "select count(*) from t"), 3);
        assert_eq!(conn.cache.len(), 1);
    }

    #[test]
    fn empty_sql_has_no_statement() {
        let mut conn = Connection::open(":memory:").unwrap();
        assert!(conn.acquire("  -- nothing").unwrap().is_none());
    }

    #[test]
    fn reports_extended_codes() {
        let mut conn = Connection::open(":memory:").unwrap();
        conn.execute_script("create table t(x primary key)").unwrap();
        conn.execute_script("insert into t values (1)").unwrap();
        let err = conn.execute_script("insert into t values (1)").unwrap_err();
        assert_eq!(err.extended_code(), "SQLITE_CONSTRAINT_PRIMARYKEY");
        assert_eq!(err.message, "UNIQUE constraint failed: t.x");
        let err = conn.acquire("selec 1").err().unwrap();
        assert_eq!(err.code(), "SQLITE_ERROR");
    }

    #[test]
    fn open_fails_cleanly_for_a_missing_directory() {
        let err = Connection::open("/no/such/dir/x.db").err().unwrap();
        assert_eq!(err.code(), "SQLITE_CANTOPEN");
    }

    #[test]
    fn an_encrypted_file_opens_only_with_its_key() {
        let path = std::env::temp_dir().join(format!("astro-db-cipher-{}.db", std::process::id()));
        let path = path.to_str().unwrap();
        let _ = std::fs::remove_file(path);
        {
            let mut conn = Connection::open_keyed(path, Some(b"s3cret")).unwrap();
            conn.execute_script("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('plaintext-marker')").unwrap();
        }
        let bytes = std::fs::read(path).unwrap();
        assert!(!bytes.windows(16).any(|w| w == b"plaintext-marker"), "the file holds the text in the clear");
        assert!(!bytes.starts_with(b"SQLite format 3"), "the header is not encrypted");

        let mut conn = Connection::open_keyed(path, Some(b"s3cret")).unwrap();
        assert_eq!(scalar(&mut conn, "SELECT count(*) FROM t WHERE v = 'plaintext-marker'"), 1);
        drop(conn);
        for key in [None, Some(&b"wrong"[..])] {
            let mut conn = Connection::open_keyed(path, key).unwrap();
            let err = conn.execute_script("SELECT * FROM t").unwrap_err();
            assert_eq!(err.code(), "SQLITE_NOTADB", "key {key:?}");
        }
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn cache_stays_bounded() {
        let mut conn = Connection::open(":memory:").unwrap();
        for i in 0..(CACHE_CAPACITY + 10) {
            scalar(&mut conn, &format!("select {i}"));
        }
        assert_eq!(conn.cache.len(), CACHE_CAPACITY);
    }
}
