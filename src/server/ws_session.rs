//! One WebSocket connection's Hrana state: streams, stored SQL, cursors.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::auth::Access;
use super::batch;
use super::ws_cursor::Cursor;
use super::error::ServeError;
use super::exec::{Db, Sqls};
use super::pipeline::{self, Ctx};
use super::proto::{Batch, BatchResult, CursorEntry, DescribeResult, Error, Stmt, StmtResult};
use super::Shared;

#[derive(Deserialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    Hello {
        #[serde(default)]
        jwt: Option<String>,
    },
    Request { request_id: i32, request: Request },
}

#[derive(Deserialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    OpenStream { stream_id: i32 },
    CloseStream { stream_id: i32 },
    Execute { stream_id: i32, stmt: Stmt },
    Batch { stream_id: i32, batch: Batch },
    Sequence { stream_id: i32, #[serde(default)] sql: Option<String>, #[serde(default)] sql_id: Option<i32> },
    Describe { stream_id: i32, #[serde(default)] sql: Option<String>, #[serde(default)] sql_id: Option<i32> },
    StoreSql { sql_id: i32, sql: String },
    CloseSql { sql_id: i32 },
    GetAutocommit { stream_id: i32 },
    OpenCursor { stream_id: i32, cursor_id: i32, batch: Batch },
    CloseCursor { cursor_id: i32 },
    FetchCursor { cursor_id: i32, max_count: u32 },
}

#[derive(Serialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    OpenStream {},
    CloseStream {},
    Execute { result: StmtResult },
    Batch { result: BatchResult },
    Sequence {},
    Describe { result: DescribeResult },
    StoreSql {},
    CloseSql {},
    GetAutocommit { is_autocommit: bool },
    OpenCursor {},
    CloseCursor {},
    FetchCursor { entries: Vec<CursorEntry>, done: bool },
}

#[derive(Serialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    HelloOk {},
    HelloError { error: Error },
    ResponseOk { request_id: i32, response: Response },
    ResponseError { request_id: i32, error: Error },
}

/// Streams, SQL texts and cursors of one connection; dropped (rolling back) when it closes.
pub struct Session {
    shared: Arc<Shared>,
    pub version: u8,
    pub access: Option<Access>,
    streams: HashMap<i32, Option<Db>>,
    sqls: Sqls,
    cursors: HashMap<i32, Cursor>,
}

/// Streams per connection: a client opens one or two; this only bounds a misbehaving one.
const MAX_STREAMS: usize = 128;
/// Cursors open at once per connection (`@libsql/client` keeps one); each runs on a thread
/// and holds a few chunks of results.
const MAX_CURSORS: usize = 4;

impl Session {
    pub fn new(shared: Arc<Shared>, version: u8) -> Self {
        Self { shared, version, access: None, streams: HashMap::new(), sqls: Sqls::new(), cursors: HashMap::new() }
    }

    fn ctx(&self) -> Ctx {
        Ctx { version: self.version, can_write: self.access == Some(Access::ReadWrite) }
    }

    /// The stream's connection for one request: the token's rights, a fresh response budget.
    /// A cursor's batch still running on it keeps it (clients wait for their cursor to close).
    fn db(&mut self, stream_id: i32) -> Result<&mut Db, ServeError> {
        let can_write = self.ctx().can_write;
        self.reclaim(stream_id)?;
        let slot = self.streams.get_mut(&stream_id).ok_or_else(|| ServeError::protocol(format!("Stream {stream_id} not found")))?;
        if slot.is_none() {
            *slot = Some(self.shared.pool.get()?);
        }
        let db = slot.as_mut().ok_or_else(|| ServeError::protocol(format!("Stream {stream_id} not found")))?;
        db.set_can_write(can_write);
        db.reset_budget();
        Ok(db)
    }

    /// Takes back the connection of a cursor on `stream_id` whose batch ended; fails while one runs.
    fn reclaim(&mut self, stream_id: i32) -> Result<(), ServeError> {
        let Self { cursors, streams, shared, .. } = self;
        for (id, c) in cursors.iter_mut().filter(|(_, c)| c.stream_id == stream_id) {
            if c.busy(&mut |db| give_back(streams, shared, stream_id, db)) {
                return Err(ServeError::stmt("STREAM_BUSY", format!("Stream {stream_id} is running cursor {id}: close the cursor first")));
            }
        }
        Ok(())
    }

    /// Closes a cursor: its batch stops and its connection goes back to its stream.
    fn close_cursor(&mut self, cursor_id: i32) {
        if let Some(c) = self.cursors.remove(&cursor_id) {
            let stream_id = c.stream_id;
            let Self { streams, shared, .. } = self;
            c.close(&mut |db| give_back(streams, shared, stream_id, db));
        }
    }

    /// Rolls back transactions open longer than the server allows (called while the
    /// connection waits for its client).
    pub fn expire_stale(&mut self, now: std::time::Instant) {
        for db in self.streams.values_mut().flatten() {
            if db.is_stale(now) {
                db.expire();
            }
        }
    }

    /// Handles a request on the async worker when it cannot wait (bookkeeping, cursor reads,
    /// and the statements `pipeline::execute_quick` takes); otherwise hands it back for
    /// [`Session::handle`] on a blocking thread.
    pub fn handle_quick(&mut self, req: Request) -> Result<Result<Response, ServeError>, Request> {
        match req {
            Request::Execute { stream_id, stmt } => {
                let sqls = std::mem::take(&mut self.sqls);
                let r = match self.db(stream_id) {
                    Ok(db) => pipeline::execute_quick(db, &stmt, &sqls),
                    Err(e) => Some(Err(e)),
                };
                self.sqls = sqls;
                match r {
                    Some(r) => Ok(r.map(|result| Response::Execute { result })),
                    None => Err(Request::Execute { stream_id, stmt }),
                }
            }
            Request::OpenStream { .. }
            | Request::CloseStream { .. }
            | Request::StoreSql { .. }
            | Request::CloseSql { .. }
            | Request::GetAutocommit { .. } => Ok(self.handle(req)),
            // Cursor requests may wait for the cursor's batch.
            Request::Batch { .. }
            | Request::Sequence { .. }
            | Request::Describe { .. }
            | Request::OpenCursor { .. }
            | Request::CloseCursor { .. }
            | Request::FetchCursor { .. } => Err(req),
        }
    }

    /// Handles one request; runs on a blocking thread.
    pub fn handle(&mut self, req: Request) -> Result<Response, ServeError> {
        let ctx = self.ctx();
        Ok(match req {
            Request::OpenStream { stream_id } => {
                if self.streams.contains_key(&stream_id) {
                    return Err(ServeError::protocol(format!("Stream {stream_id} already exists")));
                }
                if self.streams.len() >= MAX_STREAMS {
                    return Err(ServeError::protocol("Too many streams on one connection"));
                }
                self.streams.insert(stream_id, None);
                Response::OpenStream {}
            }
            Request::CloseStream { stream_id } => {
                let open: Vec<i32> = self.cursors.iter().filter(|(_, c)| c.stream_id == stream_id).map(|(id, _)| *id).collect();
                for cursor_id in open {
                    self.close_cursor(cursor_id);
                }
                if let Some(Some(db)) = self.streams.remove(&stream_id) {
                    self.shared.pool.put(db);
                }
                Response::CloseStream {}
            }
            Request::Execute { stream_id, stmt } => {
                let sqls = std::mem::take(&mut self.sqls);
                let r = self.db(stream_id).and_then(|db| pipeline::execute(db, &stmt, &sqls));
                self.sqls = sqls;
                Response::Execute { result: r? }
            }
            Request::Batch { stream_id, batch } => {
                let sqls = std::mem::take(&mut self.sqls);
                let r = self.db(stream_id).and_then(|db| pipeline::run_batch(db, &batch, &sqls, ctx));
                self.sqls = sqls;
                Response::Batch { result: r? }
            }
            Request::Sequence { stream_id, sql, sql_id } => {
                let sqls = std::mem::take(&mut self.sqls);
                let r = batch::resolve_sql(sql.as_deref(), sql_id, &sqls)
                    .and_then(|sql| self.db(stream_id).and_then(|db| db.sequence(sql)));
                self.sqls = sqls;
                r?;
                Response::Sequence {}
            }
            Request::Describe { stream_id, sql, sql_id } => {
                let sqls = std::mem::take(&mut self.sqls);
                let r = batch::resolve_sql(sql.as_deref(), sql_id, &sqls).and_then(|sql| self.db(stream_id).and_then(|db| db.describe(sql)));
                self.sqls = sqls;
                Response::Describe { result: r? }
            }
            Request::StoreSql { sql_id, sql } => {
                pipeline::store_sql(&mut self.sqls, sql_id, sql)?;
                Response::StoreSql {}
            }
            Request::CloseSql { sql_id } => {
                self.sqls.remove(&sql_id);
                Response::CloseSql {}
            }
            Request::GetAutocommit { stream_id } => {
                ctx.require_v3("The `get_autocommit` request")?;
                Response::GetAutocommit { is_autocommit: self.db(stream_id)?.is_autocommit() }
            }
            Request::OpenCursor { stream_id, cursor_id, batch } => {
                ctx.require_v3("Cursors")?;
                if self.cursors.contains_key(&cursor_id) {
                    return Err(ServeError::protocol(format!("Cursor {cursor_id} already exists")));
                }
                if self.cursors.len() >= MAX_CURSORS {
                    return Err(ServeError::protocol(format!("Too many open cursors on one connection (at most {MAX_CURSORS})")));
                }
                let sqls = std::mem::take(&mut self.sqls);
                let checked = self.db(stream_id).map(|db| batch::check(db, &batch, &sqls).map(|t| t.into_iter().map(str::to_owned).collect::<Vec<_>>()));
                self.sqls = sqls;
                match checked? {
                    Ok(texts) => {
                        let db = self.streams.get_mut(&stream_id).and_then(Option::take).ok_or_else(|| ServeError::protocol(format!("Stream {stream_id} not found")))?;
                        let patience = self.shared.pool.limits().txn_timeout;
                        let shared = Arc::clone(&self.shared);
                        self.cursors.insert(cursor_id, Cursor::open(stream_id, db, batch, texts, patience, move |db| shared.pool.put(db))?);
                    }
                    // A statement that does not compile: the cursor's only entry.
                    Err(ServeError::Stmt(error)) => {
                        self.cursors.insert(cursor_id, Cursor::failed(stream_id, CursorEntry::Error { error }));
                    }
                    Err(e) => return Err(e),
                }
                Response::OpenCursor {}
            }
            Request::CloseCursor { cursor_id } => {
                self.close_cursor(cursor_id);
                Response::CloseCursor {}
            }
            Request::FetchCursor { cursor_id, max_count } => {
                let c = self.cursors.get_mut(&cursor_id).ok_or_else(|| ServeError::protocol(format!("Cursor {cursor_id} not found")))?;
                let stream_id = c.stream_id;
                let Self { streams, shared, .. } = self;
                let (entries, done) = c.fetch(max_count as usize, &mut |db| give_back(streams, shared, stream_id, db));
                Response::FetchCursor { entries, done }
            }
        })
    }
}

/// Puts a cursor's connection back on its stream, or in the pool if the stream was closed.
fn give_back(streams: &mut HashMap<i32, Option<Db>>, shared: &Shared, stream_id: i32, db: Db) {
    match streams.get_mut(&stream_id) {
        Some(slot @ None) => *slot = Some(db),
        _ => shared.pool.put(db),
    }
}
