//! Why a push failed (as opposed to being refused, which is a report, not an error).

use std::fmt;

use super::executor::ExecError;

#[derive(Debug)]
pub enum PushError {
    /// The database failed (network, SQL, a wrong encryption key).
    Exec(ExecError),
    /// The stored snapshot cannot be read.
    BadSnapshot(String),
    /// A data check that passed when planning failed inside the write transaction: rows
    /// appeared since. Nothing was changed. Each entry names the step.
    DataChanged(Vec<String>),
    /// Rows of these tables break their new foreign keys. Nothing was changed.
    ForeignKeys(Vec<String>),
    /// A flag (`--rename`, `--backfill`, `--accept-data-loss`) names something the schemas do not
    /// have, or renames conflict; the message names the flag.
    BadOption(String),
    /// Configured tables exist but no stored snapshot describes them (see
    /// `PushOptions::refuse_unknown_tables`). Nothing was changed.
    NoSnapshot(Vec<String>),
}

impl PushError {
    /// The code JS sees.
    pub fn code(&self) -> String {
        match self {
            PushError::Exec(e) => e.code.clone(),
            PushError::BadSnapshot(_) => "ASTRO_DB_INVALID_SNAPSHOT".into(),
            PushError::DataChanged(_) => "ASTRO_DB_DATA_CHANGED".into(),
            PushError::ForeignKeys(_) => "ASTRO_DB_DATA_LOSS".into(),
            PushError::BadOption(_) => "ASTRO_DB_INVALID_OPTION".into(),
            PushError::NoSnapshot(_) => "ASTRO_DB_NO_SNAPSHOT".into(),
        }
    }
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::Exec(e) => write!(f, "{}", e.message),
            PushError::BadSnapshot(m) => write!(f, "the schema snapshot stored in the database is unreadable: {m}"),
            PushError::DataChanged(steps) => {
                write!(f, "the data changed while the push was being applied, so nothing was changed:")?;
                for s in steps {
                    write!(f, "\n  - {s}")?;
                }
                write!(f, "\nRun the push again to see the changes it would make now.")
            }
            PushError::ForeignKeys(tables) => write!(
                f,
                "rows of {} would break the new foreign keys. Fix or delete those rows first. Nothing was changed.",
                tables.join(", ")
            ),
            PushError::BadOption(m) => write!(f, "{m}"),
            PushError::NoSnapshot(tables) => write!(
                f,
                "the database has tables ({}) but no schema snapshot that describes them: push to an empty database, or replace its tables with `astro-db push --force-reset`. Nothing was changed.",
                tables.join(", ")
            ),
        }
    }
}

impl From<ExecError> for PushError {
    fn from(e: ExecError) -> Self {
        PushError::Exec(e)
    }
}
