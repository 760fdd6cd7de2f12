//! Why a dump or a load failed (apart from `mod.rs`, which re-exports it: the steps import it
//! from here, so no step and the module root import each other).

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

    pub(super) fn usage(code: &'static str, message: impl Into<String>) -> Self {
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
    pub(super) fn at(self, place: &str) -> Self {
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

