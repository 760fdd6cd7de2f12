//! What the migration engine needs from a database, and nothing more: one round trip of
//! reads, and one round trip that writes atomically. A local file (`crate::sqlite::Connection`)
//! and a libSQL server (a Hrana stream) both implement it, so planning, checking and applying
//! are the same code for every target, and the number of round trips does not grow with the
//! number of tables.

/// Rows of one query, each value as text (`None` for NULL; integers in decimal).
pub type Rows = Vec<Vec<Option<String>>>;

/// A database failure: its libSQL-style `code`, and the statement at fault in a write.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecError {
    pub code: String,
    pub message: String,
    /// Index into the statements of [`Executor::write`].
    pub statement: Option<usize>,
    /// The extended SQLite code (`SQLITE_CONSTRAINT_UNIQUE`…) when known: JS picks hints by it.
    pub extended_code: Option<String>,
    /// The HTTP status of a request the server refused (401: the token).
    pub status: Option<u16>,
}

impl ExecError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ExecError { code: code.into(), message: message.into(), statement: None, extended_code: None, status: None }
    }
}

/// A database the engine plans against and writes to.
// `async fn` in a trait: the engine is generic over the executor, never `dyn`, and the remote
// executor's futures stay `Send` because the concrete type is known where they are spawned.
#[allow(async_fn_in_trait)]
pub trait Executor {
    /// Runs read-only `queries` in one round trip. A query that fails (a table that does not
    /// exist) fails alone; only a failure of the whole trip is the outer error. With a
    /// `prelude` (renames), the queries see the database after it, inside a transaction that
    /// is rolled back: nothing changes.
    async fn read(&mut self, prelude: &[String], queries: &[String]) -> Result<Vec<Result<Rows, ExecError>>, ExecError>;

    /// Runs `statements` in one transaction opened with `BEGIN IMMEDIATE`, in one round trip:
    /// all of them or none. With `foreign_keys_off`, `PRAGMA foreign_keys` is off around the
    /// transaction (SQLite ignores it inside one), so rebuilding a referenced table works.
    async fn write(&mut self, statements: &[String], foreign_keys_off: bool) -> Result<(), ExecError>;
}

/// Runs a future that never waits (the local executor's) to completion on this thread.
/// Local SQLite calls are synchronous; a thread hop would cost more than they take.
pub fn run_ready<T>(fut: impl std::future::Future<Output = T>) -> Option<T> {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}
