//! Data in and out: `dump` writes a database as SQL text that the `sqlite3` shell and libSQL
//! servers load unchanged; `load` runs such a text (ours or `sqlite3 .dump`'s) as one
//! transaction. Both stream: memory stays flat whatever the size of the database or the file.
//! Local files and libSQL servers go through the same code (`Source`, `Sink`).

mod literal;
mod load;
mod progress;
mod schema;
mod source;
mod split;
mod write;

pub use load::{load, LoadOptions, LoadReport, RemoteSink, Sink};
pub use progress::Progress;
pub use split::{statements, Kind, Statements};
pub use write::{dump, DumpOptions, DumpReport};

use crate::push::ExecError;
use crate::sqlite::SqliteError;

/// Why a dump or a load failed.
#[derive(Debug)]
pub enum DumpError {
    /// The database refused a statement (its libSQL-style code and message).
    Db { code: String, message: String },
    /// Reading the input or writing the output failed.
    Io(std::io::Error),
    /// What the user asked cannot be done (an unknown table, a non-empty target, …).
    Usage { code: &'static str, message: String },
}

impl DumpError {
    pub(crate) fn sqlite(e: SqliteError) -> Self {
        DumpError::Db { code: e.code(), message: e.message }
    }

    fn usage(code: &'static str, message: impl Into<String>) -> Self {
        DumpError::Usage { code, message: message.into() }
    }

    /// The `code` the JS error carries.
    pub fn code(&self) -> String {
        match self {
            DumpError::Db { code, .. } => code.clone(),
            DumpError::Io(_) => "ASTRO_DB_IO".into(),
            DumpError::Usage { code, .. } => (*code).into(),
        }
    }

    /// Adds where it happened (`file.sql line 12`) in front of the message.
    fn at(self, place: &str) -> Self {
        match self {
            DumpError::Db { code, message } => DumpError::Db { code, message: format!("{place}: {message}") },
            DumpError::Io(e) => DumpError::Io(std::io::Error::new(e.kind(), format!("{place}: {e}"))),
            DumpError::Usage { code, message } => DumpError::Usage { code, message: format!("{place}: {message}") },
        }
    }
}

impl From<ExecError> for DumpError {
    fn from(e: ExecError) -> Self {
        DumpError::Db { code: e.code, message: e.message }
    }
}

impl std::fmt::Display for DumpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DumpError::Db { message, .. } | DumpError::Usage { message, .. } => f.write_str(message),
            DumpError::Io(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(test)]
mod tests;
