//! Why a lifecycle operation failed, and the code JS sees for it.

use std::fmt;

use crate::sqlite::SqliteError;

/// Why a lifecycle operation failed.
#[derive(Debug)]
pub enum LocalError {
    Sqlite(SqliteError),
    /// The snapshot stored in the database cannot be read.
    BadSnapshot(String),
    /// Applying the schema would lose or break data; each entry says what and what to do.
    DataLoss(Vec<String>),
    /// The migration engine failed (database error, unreadable snapshot, data changed).
    Push(crate::push::PushError),
}

impl LocalError {
    /// The code JS sees.
    pub fn code(&self) -> String {
        match self {
            LocalError::Sqlite(e) => e.code(),
            LocalError::BadSnapshot(_) => "ASTRO_DB_INVALID_SNAPSHOT".into(),
            LocalError::DataLoss(_) => "ASTRO_DB_DATA_LOSS".into(),
            LocalError::Push(e) => e.code(),
        }
    }
}

impl fmt::Display for LocalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalError::Sqlite(e) => write!(f, "{}", e.message),
            LocalError::BadSnapshot(m) => write!(f, "the schema snapshot stored in the database is unreadable: {m}"),
            LocalError::Push(e) => write!(f, "{e}"),
            LocalError::DataLoss(items) => {
                write!(f, "the schema change would lose or break data, so nothing was changed:")?;
                for i in items {
                    write!(f, "\n  - {i}")?;
                }
                Ok(())
            }
        }
    }
}

impl From<SqliteError> for LocalError {
    fn from(e: SqliteError) -> Self {
        LocalError::Sqlite(e)
    }
}
