//! Which statements may run on the async worker that received them.
//!
//! Most requests of a dev server are point reads that take a few microseconds; handing each
//! to a blocking thread and back costs more than the read (two thread wake-ups per request,
//! about half the server's CPU per point select). A statement runs in place only when it
//! cannot wait and is vetted: read-only, outside a transaction, with the busy timeout off,
//! and its SQL text already finished quickly on a blocking thread. Anything else (writes,
//! transactions, SQL never seen, anything that met a lock or ran slow) goes to a blocking
//! thread, so a runaway query can never hold an async worker: a vetted text that turns slow
//! with other arguments is interrupted after [`QUICK_LIMIT`] and run again off the worker
//! (a read outside a transaction has no effect to undo).

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::batch;
use super::error::ServeError;
use super::exec::{Db, Sqls};
use super::pipeline::execute;
use super::proto::{Stmt, StmtResult};

/// A statement that finished within this on a blocking thread may run on async workers.
pub const SLOW: Duration = Duration::from_millis(2);
/// A statement on an async worker is interrupted after this and sent to a blocking thread.
pub const QUICK_LIMIT: Duration = Duration::from_millis(5);
/// Bound on the SQL texts remembered as vetted (forgotten all at once when full).
const MAX_VETTED: usize = 4096;

#[derive(Default)]
pub struct Quick {
    vetted: Mutex<HashSet<u64>>,
}

impl Quick {
    fn key(sql: &str) -> u64 {
        let mut h = DefaultHasher::new();
        sql.hash(&mut h);
        h.finish()
    }

    fn is_vetted(&self, sql: &str) -> bool {
        self.vetted.lock().map(|s| !s.is_empty() && s.contains(&Self::key(sql))).unwrap_or(false)
    }

    /// Records how a read outside a transaction went on a blocking thread.
    pub fn observe(&self, sql: &str, took: Duration) {
        let Ok(mut s) = self.vetted.lock() else { return };
        if took <= SLOW {
            if s.len() >= MAX_VETTED {
                s.clear();
            }
            s.insert(Self::key(sql));
        } else {
            s.remove(&Self::key(sql));
        }
    }

    fn unvet(&self, sql: &str) {
        if let Ok(mut s) = self.vetted.lock() {
            s.remove(&Self::key(sql));
        }
    }
}

/// Runs a statement on the calling (async) thread if it is vetted and cannot wait on a lock.
/// `None` leaves it for a blocking thread: it may write or wait, it is not vetted, it met a
/// lock or ran past [`QUICK_LIMIT`] (a read-only statement that failed so had no effect and
/// simply runs again).
pub fn execute_quick(db: &mut Db, stmt: &Stmt, sqls: &Sqls) -> Option<Result<StmtResult, ServeError>> {
    let sql = match batch::resolve_sql(stmt.sql.as_deref(), stmt.sql_id, sqls) {
        Ok(sql) => sql,
        Err(e) => return Some(Err(e)),
    };
    let quick = db.quick();
    if !db.is_autocommit() || !quick.is_vetted(sql) {
        return None;
    }
    let start = Instant::now();
    db.set_quick(true);
    let r = if db.is_read_only(sql) { Some(execute(db, stmt, sqls)) } else { None };
    db.set_quick(false);
    if start.elapsed() > SLOW {
        quick.unvet(sql);
    }
    match r {
        Some(Err(ServeError::Stmt(e))) if e.code == "SQLITE_BUSY" || e.code == super::error::QUICK_INTERRUPTED => {
            quick.unvet(sql);
            None
        }
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stmt(sql: &str) -> Stmt {
        serde_json::from_value(serde_json::json!({ "sql": sql })).unwrap()
    }

    #[test]
    fn quick_path_takes_only_vetted_reads_that_cannot_wait() {
        let dir = std::env::temp_dir().join(format!("astro-db-quick-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("q.db");
        let path = path.to_str().unwrap();
        let sqls = Sqls::new();
        // Rollback-journal mode, where a writer's exclusive lock blocks readers.
        let mut a = Db::open_rollback(path).unwrap();
        let mut b = Db::open_rollback(path).unwrap();
        a.conn.execute_script("CREATE TABLE t (x); INSERT INTO t VALUES (1)").unwrap();

        let read = stmt("SELECT x FROM t");
        // Never seen: it runs on a blocking thread first, which vets it.
        assert!(execute_quick(&mut b, &read, &sqls).is_none());
        assert_eq!(execute(&mut b, &read, &sqls).unwrap().rows.len(), 1);
        assert!(matches!(execute_quick(&mut b, &read, &sqls), Some(Ok(r)) if r.rows.len() == 1));
        // Writes and statements inside a transaction wait for a blocking thread.
        let write = stmt("INSERT INTO t VALUES (2)");
        execute(&mut b, &write, &sqls).unwrap();
        assert!(execute_quick(&mut b, &write, &sqls).is_none());
        a.conn.execute_script("BEGIN").unwrap();
        assert!(execute_quick(&mut a, &read, &sqls).is_none());

        // A read that meets a lock is handed back at once, not failed nor waited for...
        a.conn.execute_script("COMMIT; BEGIN EXCLUSIVE; INSERT INTO t VALUES (3)").unwrap();
        let start = Instant::now();
        assert!(execute_quick(&mut b, &read, &sqls).is_none());
        assert!(start.elapsed() < Duration::from_secs(1));
        // ...and the connection waits again on the blocking path.
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(200));
                let a: &mut Db = &mut a;
                a.conn.execute_script("COMMIT").unwrap();
            });
            let start = Instant::now();
            let r = execute(&mut b, &read, &sqls).unwrap();
            assert_eq!(r.rows.len(), 3);
            assert!(start.elapsed() >= Duration::from_millis(100));
        });
        drop((a, b));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_vetted_text_that_runs_long_is_interrupted_and_handed_back() {
        let mut db = Db::open(":memory:").unwrap();
        let sqls = Sqls::new();
        let count = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) FROM c";
        let small: Stmt = serde_json::from_value(serde_json::json!({ "sql": count, "args": [{ "type": "integer", "value": "10" }] })).unwrap();
        let huge: Stmt = serde_json::from_value(serde_json::json!({ "sql": count, "args": [{ "type": "integer", "value": "1000000000000" }] })).unwrap();
        execute(&mut db, &small, &sqls).unwrap();
        assert!(execute_quick(&mut db, &small, &sqls).is_some_and(|r| r.is_ok()));
        let start = Instant::now();
        assert!(execute_quick(&mut db, &huge, &sqls).is_none());
        assert!(start.elapsed() < Duration::from_millis(200), "held the async worker {:?}", start.elapsed());
        // Not vetted any more.
        assert!(execute_quick(&mut db, &small, &sqls).is_none());
    }
}
