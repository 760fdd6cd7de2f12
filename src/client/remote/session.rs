//! One interactive Hrana stream for `dump` and `load`: a read or write transaction that spans
//! many requests (pages of rows, chunks of a script), so memory stays bounded by one request
//! while the whole operation sees, or makes, one atomic change.

use super::ops::{self, OpError};
use super::proto::{Stmt, Value};
use super::schema_exec::RemoteExec;
use super::stream::Stream;
use crate::push::ExecError;

/// A stream kept open across calls; dropped unclosed, the server ends it (and rolls back).
pub struct RemoteSession {
    stream: Stream,
}

impl RemoteExec {
    pub fn session(&self) -> RemoteSession {
        RemoteSession { stream: self.stream() }
    }
}

impl RemoteSession {
    /// Rows of one statement with positional `args`.
    pub async fn query(&self, sql: &str, args: Vec<Value>) -> Result<Vec<Vec<Value>>, ExecError> {
        let stmt = Stmt { args, ..Stmt::plain(sql) };
        Ok(ops::execute(&self.stream, stmt, false).await?.rows)
    }

    /// A script of several statements in one request.
    pub async fn script(&self, sql: String) -> Result<(), ExecError> {
        ops::sequence(&self.stream, sql, None, false).await.map_err(ExecError::from)
    }

    /// Ends the stream in one last request running `sql` (`COMMIT`, `ROLLBACK`).
    pub async fn finish(&self, sql: &str) -> Result<(), ExecError> {
        ops::execute(&self.stream, Stmt::plain(sql), true).await.map(|_| ()).map_err(|e: OpError| e.into())
    }
}
