//! The napi-facing local client: argument binding, result shaping, errors.

mod args;
mod bulk;
mod connection;
mod error;
mod fast;
mod guard;
mod file_options;
mod local;
mod raw;
mod remote;
mod results;
mod rows;

pub use connection::NativeConnection;
pub use file_options::FileOptions;
pub use remote::{NativeRemote, NativeRemoteStream, NativeReplica};
pub(crate) use remote::{RemoteExec, RemoteSession};
pub(crate) use raw::Js;

/// Throws a JS `Error` with a libSQL-style `code` (e.g. `ASTRO_DB_DATA_LOSS`).
pub(crate) fn throw_coded(js: Js, code: &str, message: &str) -> napi::Error {
    error::Failure::Coded { code: code.to_owned(), message: message.to_owned() }.throw(js, None)
}

/// An `Error` value (not thrown) with a libSQL-style `code`, for promises that resolve to
/// their failure so the code survives the async boundary.
pub(crate) fn coded_error_value(js: Js, code: &str, message: &str) -> napi::Result<napi::sys::napi_value> {
    error::build_error(js, code, None, None, message, None)
}
