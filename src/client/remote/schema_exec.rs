//! The migration engine's executor over a libSQL server: each call is one HTTP request on a
//! fresh Hrana stream closed in the same request, so a push costs the same few round trips
//! however many tables change, and the write is one atomic batch (`BEGIN IMMEDIATE` … `COMMIT`,
//! `ROLLBACK` unless the commit succeeded).

use std::sync::Arc;

use super::endpoint::Endpoint;
use super::error::RemoteError;
use super::ops::{self, OpError};
use super::proto::{Stmt, Value};
use super::stream::Stream;
use super::transport::Transport;
use crate::push::{ExecError, Executor, Rows};

/// A libSQL server as the migration engine sees it.
#[derive(Clone)]
pub struct RemoteExec {
    transport: Arc<Transport>,
    endpoint: Arc<Endpoint>,
}

impl RemoteExec {
    /// Parses `url` with the same rules as `NativeRemote.connect` (credentials never kept in it).
    pub fn connect(url: &str, auth_token: Option<String>) -> Result<Self, ExecError> {
        let endpoint = Endpoint::parse(url).map_err(|e| ExecError::new(&e.code, e.message))?;
        Ok(RemoteExec { transport: Arc::new(Transport::new(auth_token)), endpoint: Arc::new(endpoint) })
    }

    pub(super) fn stream(&self) -> Stream {
        Stream::new(Arc::clone(&self.transport), Arc::clone(&self.endpoint))
    }
}

fn exec_error(e: RemoteError, statement: Option<usize>) -> ExecError {
    ExecError { statement, extended_code: e.extended_code, status: e.status, ..ExecError::new(&e.code, e.message) }
}

impl From<OpError> for ExecError {
    fn from(e: OpError) -> Self {
        exec_error(e.error, e.statement_index.map(|i| i as usize))
    }
}

fn text(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Text(t) => Some(t),
        // Upstream stored the snapshot as a BLOB of UTF-8 JSON.
        Value::Blob(b) => Some(String::from_utf8_lossy(&b).into_owned()),
    }
}

impl Executor for RemoteExec {
    async fn read(&mut self, prelude: &[String], queries: &[String]) -> Result<Vec<Result<Rows, ExecError>>, ExecError> {
        // With a prelude: BEGIN, the prelude, the queries, ROLLBACK, in one request.
        let wrap = !prelude.is_empty();
        let mut sql: Vec<&str> = Vec::new();
        if wrap {
            sql.push("BEGIN");
            sql.extend(prelude.iter().map(String::as_str));
        }
        let skip = sql.len();
        sql.extend(queries.iter().map(String::as_str));
        if wrap {
            sql.push("ROLLBACK");
        }
        let stmts = sql.into_iter().map(Stmt::plain).collect();
        let mut results = ops::independent_batch(&self.stream(), stmts, true).await?;
        if wrap {
            if let Some(Err(e)) = results[..skip].iter().find(|r| r.is_err()) {
                return Err(exec_error(e.clone(), None));
            }
        }
        results.truncate(skip + queries.len());
        Ok(results
            .into_iter()
            .skip(skip)
            .map(|r| match r {
                Ok(r) => Ok(r.rows.into_iter().map(|row| row.into_iter().map(text).collect()).collect()),
                Err(e) => Err(exec_error(e, None)),
            })
            .collect())
    }

    async fn write(&mut self, statements: &[String], foreign_keys_off: bool) -> Result<(), ExecError> {
        let stmts = statements.iter().map(|q| Stmt::plain(q.as_str())).collect();
        ops::atomic_batch(&self.stream(), stmts, "BEGIN IMMEDIATE".into(), foreign_keys_off, true).await?;
        Ok(())
    }
}
