//! `load`: a dump run as one transaction, all of it or nothing. Into a database that has
//! tables it refuses (naming them) unless told to replace them. A server gets the statements
//! in chunks on one stream inside one transaction: a load that dies halfway leaves the
//! server's database as it was (the server rolls back the abandoned stream).

use std::io::BufRead;

use super::literal::ident;
use super::progress::Progress;
use super::split::{kind, statements, Kind};
use super::error::DumpError;
use crate::client::RemoteSession;
use crate::sqlite::Connection;

/// SQL text sent to a server per request.
const REMOTE_CHUNK_BYTES: usize = 1 << 20;

#[derive(Default)]
pub struct LoadOptions {
    /// Drop every table, view and trigger first (inside the same transaction).
    pub replace: bool,
    pub progress: bool,
}

#[derive(Debug)]
pub struct LoadReport {
    pub statements: u64,
    /// Tables dropped by `replace`.
    pub replaced: Vec<String>,
}

/// A database a load writes into.
#[allow(async_fn_in_trait)]
pub trait Sink {
    /// Rows of a read, the first column as text.
    async fn names(&mut self, sql: &str) -> Result<Vec<String>, DumpError>;
    /// Runs one statement (or, remote, queues it: `flush` sends what is queued).
    async fn run(&mut self, sql: String) -> Result<(), DumpError>;
    async fn flush(&mut self) -> Result<(), DumpError>;
    /// `COMMIT` when `ok`, else `ROLLBACK`.
    async fn end(&mut self, ok: bool) -> Result<(), DumpError>;
}

const EXISTING: &str = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid";
const VIEWS: &str = "SELECT name FROM sqlite_schema WHERE type = 'view'";

pub async fn load<R: BufRead>(sink: &mut impl Sink, input: R, source_name: &str, opts: &LoadOptions) -> Result<LoadReport, DumpError> {
    // Foreign keys off around the transaction (SQLite ignores the pragma inside one): a dump
    // may create and fill tables in any order, as `sqlite3 .dump` does.
    sink.run("PRAGMA foreign_keys=OFF".into()).await?;
    sink.run("BEGIN IMMEDIATE".into()).await?;
    sink.flush().await?;
    let out = body(sink, input, source_name, opts).await;
    let ended = sink.end(out.is_ok()).await;
    let report = out?;
    ended?;
    Ok(report)
}

async fn body<R: BufRead>(sink: &mut impl Sink, input: R, source_name: &str, opts: &LoadOptions) -> Result<LoadReport, DumpError> {
    let existing = sink.names(EXISTING).await?;
    let mut replaced = Vec::new();
    if !existing.is_empty() {
        if !opts.replace {
            return Err(DumpError::usage(
                "ASTRO_DB_NOT_EMPTY",
                format!(
                    "The database already has tables ({}): load into an empty database, or pass --replace to drop them first (in the same transaction). Nothing was changed.",
                    existing.join(", ")
                ),
            ));
        }
        for v in sink.names(VIEWS).await? {
            sink.run(format!("DROP VIEW {}", ident(&v))).await?;
        }
        for t in &existing {
            sink.run(format!("DROP TABLE {}", ident(t))).await?;
        }
        if !sink.names("SELECT name FROM sqlite_schema WHERE name = 'sqlite_sequence'").await?.is_empty() {
            sink.run("DELETE FROM sqlite_sequence".into()).await?;
        }
        replaced = existing;
    }
    let mut progress = Progress::new(opts.progress, "Loading", "statements");
    let mut count = 0u64;
    let mut parts = statements(input);
    while let Some(next) = parts.next() {
        let (line, sql) = next.map_err(|e| DumpError::Io(e).at(source_name))?;
        let place = || format!("{source_name} line {line}");
        match kind(&sql) {
            Kind::Skip => continue,
            Kind::Rollback => {
                return Err(DumpError::usage(
                    "ASTRO_DB_INCOMPLETE_DUMP",
                    format!("{}: the file ends its transaction with ROLLBACK (the dump that wrote it failed). Nothing was changed.", place()),
                ))
            }
            Kind::Run => sink.run(sql).await.map_err(|e| e.at(&place()))?,
        }
        count += 1;
        if count % 1024 == 0 {
            progress.rows = count;
            progress.bytes = parts.read;
            progress.tick();
        }
    }
    sink.flush().await.map_err(|e| e.at(source_name))?;
    progress.rows = count;
    progress.bytes = parts.read;
    progress.finish();
    Ok(LoadReport { statements: count, replaced })
}

impl Sink for Connection {
    async fn names(&mut self, sql: &str) -> Result<Vec<String>, DumpError> {
        let rows = <Connection as super::source::Source>::rows(self, sql).await?;
        Ok(rows.into_iter().filter_map(|r| r.into_iter().next().flatten()).collect())
    }

    async fn run(&mut self, sql: String) -> Result<(), DumpError> {
        self.execute_script(&sql).map_err(DumpError::sqlite)
    }

    async fn flush(&mut self) -> Result<(), DumpError> {
        Ok(())
    }

    async fn end(&mut self, ok: bool) -> Result<(), DumpError> {
        let out = if ok { self.execute_script("COMMIT") } else { Ok(()) };
        if !self.is_autocommit() {
            let _ = self.execute_script("ROLLBACK");
        }
        let _ = self.execute_script("PRAGMA foreign_keys=ON");
        out.map_err(DumpError::sqlite)
    }
}

/// Statements waiting to go to the server, sent as one script per request.
pub struct RemoteSink {
    session: RemoteSession,
    queued: String,
}

impl RemoteSink {
    pub fn new(session: RemoteSession) -> Self {
        RemoteSink { session, queued: String::new() }
    }
}

impl Sink for RemoteSink {
    async fn names(&mut self, sql: &str) -> Result<Vec<String>, DumpError> {
        self.flush().await?;
        let rows = super::source::Source::rows(&mut self.session, sql).await?;
        Ok(rows.into_iter().filter_map(|r| r.into_iter().next().flatten()).collect())
    }

    async fn run(&mut self, sql: String) -> Result<(), DumpError> {
        self.queued.push_str(&sql);
        if !sql.trim_end().ends_with(';') {
            self.queued.push(';');
        }
        self.queued.push('\n');
        if self.queued.len() >= REMOTE_CHUNK_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), DumpError> {
        if self.queued.is_empty() {
            return Ok(());
        }
        let sql = std::mem::take(&mut self.queued);
        self.session.script(sql).await.map_err(DumpError::from)
    }

    async fn end(&mut self, ok: bool) -> Result<(), DumpError> {
        self.queued.clear();
        let out = self.session.finish(if ok { "COMMIT" } else { "ROLLBACK" }).await.map_err(DumpError::from);
        if ok {
            return out;
        }
        Ok(())
    }
}
