//! The napi-facing local client: argument binding, result shaping, errors.

mod args;
mod connection;
mod error;
mod raw;
mod results;

pub use connection::NativeConnection;
