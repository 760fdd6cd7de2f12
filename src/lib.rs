//! Native core of `@astrojs/db`: the libSQL client, the schema brain and the
//! database lifecycle. Modules hold the logic; `#[napi]` items stay thin.

mod client;
mod log;

/// Native logs (`ASTRO_DB_LOG`), set up once when Node loads the addon.
#[napi_derive::module_init]
fn init() {
    log::init_from_env();
}
pub use client::{NativeConnection, NativeRemote, NativeRemoteStream, NativeReplica};
mod sqlite;

pub mod bindings;
mod hrana;
pub mod local;
pub mod migrate;
pub mod push;
pub mod dump;
pub mod schema;
pub mod sql;
pub mod typegen;
pub mod server;
