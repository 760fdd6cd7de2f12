//! A thin, copy-free layer over the libSQL C API for local databases.
//!
//! Local statements run on the calling thread: they take microseconds, and a
//! hop to a worker thread would cost more than the query (see bench/).

mod backup;
mod busy;
mod cipher;
mod connection;
mod error;
mod policy;
mod settings;
mod statement;
mod wal;

pub use connection::{Connection, Handle};
pub use error::{base_name as base_code_name, SqliteError};
pub use statement::{ColumnValue, Statement};
pub use policy::Denial;
pub use settings::{busy_timeout_ms, FileSettings, Journal};
pub use wal::Checkpoint;

/// A fresh path in the temp directory for a test database (any earlier file and its WAL removed).
#[cfg(test)]
pub(crate) fn temp_db(tag: &str, name: &str) -> String {
    let p = std::env::temp_dir().join(format!("astro-db-{tag}-{name}-{}.db", std::process::id()));
    let p = p.to_str().unwrap().to_owned();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{p}{suffix}"));
    }
    p
}
