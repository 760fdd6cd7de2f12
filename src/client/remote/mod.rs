//! The remote half of the native client: Hrana 3 over HTTP(S) to a libSQL server.
//!
//! `binding` is the napi surface; `ops` decides what each call sends (the same pipelines
//! and batch conditions as `@libsql/client`); `stream` keeps a baton across requests;
//! `transport` is HTTP/1.1 with TLS and kept-alive connections; `proto` the wire format.

mod binding;
mod convert;
mod endpoint;
mod error;
mod ops;
mod proto;
mod replica;
mod schema_exec;
mod session;
mod stream;
mod transport;

pub use binding::{NativeRemote, NativeRemoteStream};
pub use replica::NativeReplica;
pub(crate) use schema_exec::RemoteExec;
pub(crate) use session::RemoteSession;
