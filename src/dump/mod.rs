//! Data in and out: `dump` writes a database as SQL text that the `sqlite3` shell and libSQL
//! servers load unchanged; `load` runs such a text (ours or `sqlite3 .dump`'s) as one
//! transaction. Both stream: memory stays flat whatever the size of the database or the file.
//! Local files and libSQL servers go through the same code (`Source`, `Sink`).

mod error;
mod literal;
mod load;
mod progress;
mod schema;
mod source;
mod split;
mod write;

pub use error::DumpError;
pub use load::{load, LoadOptions, LoadReport, RemoteSink, Sink};
pub use progress::Progress;
pub use split::{statements, Kind, Statements};
pub use write::{dump, DumpOptions, DumpReport};

#[cfg(test)]
mod tests;
