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
