//! The local database lifecycle: the dev database recreated fresh at every start, and a
//! production file (`ASTRO_DATABASE_FILE`) migrated like a remote, never dropping data.

mod apply;
mod error;
mod query;
pub mod snapshot_table;

pub use apply::{migrate, reset, Migration};
pub use error::LocalError;

#[cfg(test)]
mod tests;
