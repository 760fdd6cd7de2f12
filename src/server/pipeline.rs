//! Stream requests (`/v2|v3/pipeline`) and their execution on a stream.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::batch::{self, BatchCollector, ResultBuilder};
use super::error::ServeError;
use super::exec::{Db, Sqls};
use super::proto::{Batch, BatchResult, DescribeResult, Error, Stmt, StmtResult};
pub use super::quick::execute_quick;
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

/// The stream's connection, opened on first use, with the rights of this request's token.
pub fn open_db<'a>(db: &'a mut Option<Db>, closed: bool, pool: &Pool, ctx: Ctx) -> Result<&'a mut Db, ServeError> {
    if closed {
        return Err(ServeError::protocol("Stream for this baton was closed"));
    }
    if db.is_none() {
        *db = Some(pool.get()?);
    }
    let db = db.as_mut().ok_or_else(|| ServeError::protocol("Stream for this baton was closed"))?;
    db.set_can_write(ctx.can_write);
    Ok(db)
}

/// A pipeline stops running on the async worker once its requests took this long.
pub const QUICK_BUDGET: Duration = Duration::from_millis(2);

/// Handles a pipeline request on the async worker when it cannot wait (bookkeeping, and
/// statements [`execute_quick`] takes); otherwise hands it back for a blocking thread.
pub fn handle_quick(
    stream: &mut HttpStream,
    req: StreamRequest,
    ctx: Ctx,
    pool: &Pool,
) -> Result<Result<StreamResponse, ServeError>, StreamRequest> {
    match req {
        StreamRequest::Execute { stmt } => {
            let db = match open_db(&mut stream.db, stream.closed, pool, ctx) {
                Ok(db) => db,
                Err(e) => return Ok(Err(e)),
            };
            match execute_quick(db, &stmt, &stream.sqls) {
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
pub fn execute(db: &mut Db, stmt: &Stmt, sqls: &Sqls) -> Result<StmtResult, ServeError> {
    let sql = batch::resolve_sql(stmt.sql.as_deref(), stmt.sql_id, sqls)?;
    db.check(sql, stmt)?;
    let mut rb = ResultBuilder::default();
    let end = db.run(sql, stmt, &mut rb)?;
    Ok(rb.finish(end))
}

pub fn run_batch(db: &mut Db, b: &Batch, sqls: &Sqls, ctx: Ctx) -> Result<BatchResult, ServeError> {
    if ctx.version < 3 && b.steps.iter().any(|s| s.condition.as_ref().is_some_and(uses_autocommit)) {
        ctx.require_v3("BatchCond of type `is_autocommit`")?;
    }
    let mut c = BatchCollector::default();
    batch::run(db, b, sqls, &mut c)?;
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
            let db = open_db(&mut stream.db, stream.closed, pool, ctx)?;
            StreamResponse::Execute { result: execute(db, &stmt, &stream.sqls)? }
        }
        StreamRequest::Batch { batch: b } => {
            let db = open_db(&mut stream.db, stream.closed, pool, ctx)?;
            StreamResponse::Batch { result: run_batch(db, &b, &stream.sqls, ctx)? }
        }
        StreamRequest::Sequence { sql, sql_id } => {
            let db = open_db(&mut stream.db, stream.closed, pool, ctx)?;
            let sql = batch::resolve_sql(sql.as_deref(), sql_id, &stream.sqls)?;
            db.sequence(sql)?;
            StreamResponse::Sequence {}
        }
        StreamRequest::Describe { sql, sql_id } => {
            let db = open_db(&mut stream.db, stream.closed, pool, ctx)?;
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
            StreamResponse::GetAutocommit { is_autocommit: open_db(&mut stream.db, stream.closed, pool, ctx)?.is_autocommit() }
        }
    })
}
