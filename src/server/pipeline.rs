//! Stream requests (`/v2|v3/pipeline`) and their execution on a stream.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::batch::{self, BatchCollector, ResultBuilder};
use super::error::ServeError;
use super::exec::{Db, Sqls};
use super::proto::{Batch, BatchResult, DescribeResult, Error, Stmt, StmtResult};
use super::streams::{HttpStream, Pool};

/// sqld's limits on stored SQL texts per stream.
const MAX_SQL_COUNT: usize = 50;
const MAX_STORED_SQL_SIZE: usize = 5_000;

#[derive(Deserialize, Debug)]
pub struct PipelineReqBody {
    #[serde(default)]
    pub baton: Option<String>,
    pub requests: Vec<StreamRequest>,
}

#[derive(Serialize, Debug)]
pub struct PipelineRespBody {
    pub baton: Option<String>,
    pub base_url: Option<String>,
    pub results: Vec<StreamResult>,
}

#[derive(Deserialize, Debug)]
pub struct CursorReqBody {
    #[serde(default)]
    pub baton: Option<String>,
    pub batch: Batch,
}

#[derive(Serialize, Debug)]
pub struct CursorRespBody {
    pub baton: Option<String>,
    pub base_url: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamRequest {
    Close {},
    Execute { stmt: Stmt },
    Batch { batch: Batch },
    Sequence { #[serde(default)] sql: Option<String>, #[serde(default)] sql_id: Option<i32> },
    Describe { #[serde(default)] sql: Option<String>, #[serde(default)] sql_id: Option<i32> },
    StoreSql { sql_id: i32, sql: String },
    CloseSql { sql_id: i32 },
    GetAutocommit {},
}

#[derive(Serialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamResponse {
    Close {},
    Execute { result: StmtResult },
    Batch { result: BatchResult },
    Sequence {},
    Describe { result: DescribeResult },
    StoreSql {},
    CloseSql {},
    GetAutocommit { is_autocommit: bool },
}

#[derive(Serialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamResult {
    Ok { response: StreamResponse },
    Error { error: Error },
}

/// What a request may do: the negotiated protocol version and the token's rights.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub version: u8,
    pub can_write: bool,
}

impl Ctx {
    pub fn require_v3(&self, what: &str) -> Result<(), ServeError> {
        if self.version < 3 {
            return Err(ServeError::protocol(format!("{what} is only supported in protocol version hrana3 and higher")));
        }
        Ok(())
    }
}

/// The stream's connection, opened on first use.
pub fn open_db<'a>(db: &'a mut Option<Db>, closed: bool, pool: &Pool) -> Result<&'a mut Db, ServeError> {
    if closed {
        return Err(ServeError::protocol("Stream for this baton was closed"));
    }
    if db.is_none() {
        *db = Some(pool.get()?);
    }
    db.as_mut().ok_or_else(|| ServeError::protocol("Stream for this baton was closed"))
}

/// A statement that ran longer than this on an async worker is sent to blocking threads
/// from then on (it holds up the other connections of that worker while it runs).
const SLOW: Duration = Duration::from_millis(2);
/// A pipeline stops running on the async worker once its requests took this long.
pub const QUICK_BUDGET: Duration = Duration::from_millis(2);
/// Bound on the SQL texts remembered as slow (forgotten all at once when full).
const MAX_SLOW: usize = 4096;

/// Which statements may run on the async worker that received them.
///
/// Most requests of a dev server are point reads that take a few microseconds; handing each
/// to a blocking thread and back costs more than the read (two thread wake-ups per request,
/// about half the server's CPU per point select). A statement runs in place only when it
/// cannot wait: read-only, outside a transaction, with the busy timeout off, and not known
/// to be slow. Writes, transactions and anything that met a lock go to a blocking thread.
#[derive(Default)]
pub struct Quick {
    slow: Mutex<HashSet<u64>>,
}

impl Quick {
    fn key(sql: &str) -> u64 {
        let mut h = DefaultHasher::new();
        sql.hash(&mut h);
        h.finish()
    }

    fn is_slow(&self, sql: &str) -> bool {
        self.slow.lock().map(|s| !s.is_empty() && s.contains(&Self::key(sql))).unwrap_or(true)
    }

    fn mark_slow(&self, sql: &str) {
        if let Ok(mut s) = self.slow.lock() {
            if s.len() >= MAX_SLOW {
                s.clear();
            }
            s.insert(Self::key(sql));
        }
    }
}

/// Runs a statement on the calling (async) thread if it cannot wait on a lock (see [`Quick`]).
/// `None` leaves it for a blocking thread: it may write or wait, or it met a lock (a
/// read-only statement that failed with `SQLITE_BUSY` had no effect and simply runs again).
pub fn execute_quick(db: &mut Db, stmt: &Stmt, sqls: &Sqls, ctx: Ctx, quick: &Quick) -> Option<Result<StmtResult, ServeError>> {
    let sql = match batch::resolve_sql(stmt.sql.as_deref(), stmt.sql_id, sqls) {
        Ok(sql) => sql,
        Err(e) => return Some(Err(e)),
    };
    if !db.is_autocommit() || quick.is_slow(sql) {
        return None;
    }
    let start = Instant::now();
    db.set_busy_wait(false);
    let r = if db.is_read_only(sql) { Some(execute(db, stmt, sqls, ctx)) } else { None };
    db.set_busy_wait(true);
    if start.elapsed() > SLOW {
        quick.mark_slow(sql);
    }
    match r {
        Some(Err(ServeError::Stmt(e))) if e.code == "SQLITE_BUSY" => None,
        r => r,
    }
}

/// Handles a pipeline request on the async worker when it cannot wait (bookkeeping, and
/// statements [`execute_quick`] takes); otherwise hands it back for a blocking thread.
pub fn handle_quick(
    stream: &mut HttpStream,
    req: StreamRequest,
    ctx: Ctx,
    pool: &Pool,
    quick: &Quick,
) -> Result<Result<StreamResponse, ServeError>, StreamRequest> {
    match req {
        StreamRequest::Execute { stmt } => {
            let db = match open_db(&mut stream.db, stream.closed, pool) {
                Ok(db) => db,
                Err(e) => return Ok(Err(e)),
            };
            match execute_quick(db, &stmt, &stream.sqls, ctx, quick) {
                Some(r) => Ok(r.map(|result| StreamResponse::Execute { result })),
                None => Err(StreamRequest::Execute { stmt }),
            }
        }
        StreamRequest::Close {} | StreamRequest::StoreSql { .. } | StreamRequest::CloseSql { .. } | StreamRequest::GetAutocommit {} => {
            Ok(handle(stream, req, ctx, pool))
        }
        StreamRequest::Batch { .. } | StreamRequest::Sequence { .. } | StreamRequest::Describe { .. } => Err(req),
    }
}

/// Runs a single statement to a result set.
pub fn execute(db: &mut Db, stmt: &Stmt, sqls: &Sqls, ctx: Ctx) -> Result<StmtResult, ServeError> {
    let sql = batch::resolve_sql(stmt.sql.as_deref(), stmt.sql_id, sqls)?;
    db.check(sql, stmt, ctx.can_write)?;
    let mut rb = ResultBuilder::default();
    let end = db.run(sql, stmt, &mut rb)?;
    Ok(rb.finish(end))
}

pub fn run_batch(db: &mut Db, b: &Batch, sqls: &Sqls, ctx: Ctx) -> Result<BatchResult, ServeError> {
    if ctx.version < 3 && b.steps.iter().any(|s| s.condition.as_ref().is_some_and(uses_autocommit)) {
        ctx.require_v3("BatchCond of type `is_autocommit`")?;
    }
    let mut c = BatchCollector::default();
    batch::run(db, b, sqls, ctx.can_write, &mut c)?;
    Ok(c.result)
}

fn uses_autocommit(c: &super::proto::BatchCond) -> bool {
    use super::proto::BatchCond as C;
    match c {
        C::IsAutocommit {} => true,
        C::Not { cond } => uses_autocommit(cond),
        C::And { conds } | C::Or { conds } => conds.iter().any(uses_autocommit),
        C::Ok { .. } | C::Error { .. } => false,
    }
}

/// Stores a SQL text under an id, within sqld's limits.
pub fn store_sql(sqls: &mut Sqls, sql_id: i32, sql: String) -> Result<(), ServeError> {
    if sqls.contains_key(&sql_id) {
        return Err(ServeError::protocol(format!("SQL text {sql_id} already exists")));
    }
    if sqls.len() >= MAX_SQL_COUNT {
        return Err(ServeError::stmt(
            "SQL_STORE_TOO_MANY",
            format!("The server already stores {} SQL texts, it cannot store more", sqls.len()),
        ));
    }
    if sql.len() > MAX_STORED_SQL_SIZE {
        return Err(ServeError::stmt(
            "SQL_STORE_TOO_LARGE",
            format!("The statement is too large to be stored: {} B/5.0 KB", sql.len()),
        ));
    }
    sqls.insert(sql_id, sql);
    Ok(())
}

/// Handles one request of a pipeline on its stream.
pub fn handle(stream: &mut HttpStream, req: StreamRequest, ctx: Ctx, pool: &Pool) -> Result<StreamResponse, ServeError> {
    Ok(match req {
        StreamRequest::Close {} => {
            stream.closed = true;
            StreamResponse::Close {}
        }
        StreamRequest::Execute { stmt } => {
            let db = open_db(&mut stream.db, stream.closed, pool)?;
            StreamResponse::Execute { result: execute(db, &stmt, &stream.sqls, ctx)? }
        }
        StreamRequest::Batch { batch: b } => {
            let db = open_db(&mut stream.db, stream.closed, pool)?;
            StreamResponse::Batch { result: run_batch(db, &b, &stream.sqls, ctx)? }
        }
        StreamRequest::Sequence { sql, sql_id } => {
            let db = open_db(&mut stream.db, stream.closed, pool)?;
            let sql = batch::resolve_sql(sql.as_deref(), sql_id, &stream.sqls)?;
            db.sequence(sql, ctx.can_write)?;
            StreamResponse::Sequence {}
        }
        StreamRequest::Describe { sql, sql_id } => {
            let db = open_db(&mut stream.db, stream.closed, pool)?;
            let sql = batch::resolve_sql(sql.as_deref(), sql_id, &stream.sqls)?;
            StreamResponse::Describe { result: db.describe(sql)? }
        }
        StreamRequest::StoreSql { sql_id, sql } => {
            store_sql(&mut stream.sqls, sql_id, sql)?;
            StreamResponse::StoreSql {}
        }
        StreamRequest::CloseSql { sql_id } => {
            stream.sqls.remove(&sql_id);
            StreamResponse::CloseSql {}
        }
        StreamRequest::GetAutocommit {} => {
            ctx.require_v3("The `get_autocommit` request")?;
            StreamResponse::GetAutocommit { is_autocommit: open_db(&mut stream.db, stream.closed, pool)?.is_autocommit() }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stmt(sql: &str) -> Stmt {
        serde_json::from_value(serde_json::json!({ "sql": sql })).unwrap()
    }

    #[test]
    fn quick_path_takes_only_reads_that_cannot_wait() {
        let dir = std::env::temp_dir().join(format!("astro-db-quick-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("q.db");
        let path = path.to_str().unwrap();
        let ctx = Ctx { version: 3, can_write: true };
        let (quick, sqls) = (Quick::default(), Sqls::new());
        // Rollback-journal mode, where a writer's exclusive lock blocks readers.
        let mut a = Db::open_rollback(path).unwrap();
        let mut b = Db::open_rollback(path).unwrap();
        a.conn.execute_script("CREATE TABLE t (x); INSERT INTO t VALUES (1)").unwrap();

        let read = stmt("SELECT x FROM t");
        assert!(matches!(execute_quick(&mut b, &read, &sqls, ctx, &quick), Some(Ok(r)) if r.rows.len() == 1));
        // Writes and statements inside a transaction wait for a blocking thread.
        assert!(execute_quick(&mut b, &stmt("INSERT INTO t VALUES (2)"), &sqls, ctx, &quick).is_none());
        a.conn.execute_script("BEGIN").unwrap();
        assert!(execute_quick(&mut a, &read, &sqls, ctx, &quick).is_none());

        // A read that meets a lock is handed back at once, not failed nor waited for...
        a.conn.execute_script("COMMIT; BEGIN EXCLUSIVE; INSERT INTO t VALUES (3)").unwrap();
        let start = Instant::now();
        assert!(execute_quick(&mut b, &read, &sqls, ctx, &quick).is_none());
        assert!(start.elapsed() < Duration::from_secs(1));
        // ...and the connection waits again on the blocking path.
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(200));
                let a: &mut Db = &mut a;
                a.conn.execute_script("COMMIT").unwrap();
            });
            let start = Instant::now();
            let r = execute(&mut b, &read, &sqls, ctx).unwrap();
            assert_eq!(r.rows.len(), 2);
            assert!(start.elapsed() >= Duration::from_millis(100));
        });
        drop((a, b));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
