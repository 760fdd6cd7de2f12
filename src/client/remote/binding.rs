//! `NativeRemote` and `NativeRemoteStream`: the remote client as JS sees it.
//!
//! Arguments are read on the JS thread; the request runs on napi's shared tokio runtime;
//! results and errors are built back on the JS thread. A failed call resolves to an
//! `Error` carrying `code` (and `statementIndex` in batches) instead of rejecting, because
//! a rejection from an async export loses the custom `code`; the JS layer throws it.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::sys::napi_value;
use napi_derive::napi;

use super::convert::{read_stmt, result_to_js, Bad};
use super::endpoint::Endpoint;
use super::error::RemoteError;
use super::ops::{self, OpError};
use super::proto::{Stmt, StmtResult};
use super::stream::Stream;
use super::transport::Transport;
use crate::client::args::IntMode;
use crate::client::error::{build_error, Failure};
use crate::client::raw::Js;

/// A client of one libSQL server over HTTP(S) (Hrana 3). Nothing is sent until a stream is used.
#[napi]
pub struct NativeRemote {
    transport: Arc<Transport>,
    endpoint: Arc<Endpoint>,
}

#[napi]
impl NativeRemote {
    /// Prepares a client for the base URL `url` (`http://` or `https://`, optionally with a
    /// path prefix) and an optional bearer token. Fails with `URL_INVALID` on a malformed URL.
    #[napi(factory, catch_unwind)]
    pub fn connect(env: Env, url: String, auth_token: Option<String>) -> Result<Self> {
        match Endpoint::parse(&url) {
            Ok(ep) => Ok(Self { transport: Arc::new(Transport::new(auth_token)), endpoint: Arc::new(ep) }),
            Err(e) => Err(Failure::Coded { code: e.code, message: e.message }.throw(Js::new(env.raw()), None)),
        }
    }

    /// The server's base URL (never holds credentials).
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.endpoint.display()
    }

    /// A new stream: the unit that holds a server-side connection (and a transaction) across requests.
    #[napi(catch_unwind)]
    pub fn open_stream(&self) -> NativeRemoteStream {
        NativeRemoteStream { stream: Arc::new(Stream::new(Arc::clone(&self.transport), Arc::clone(&self.endpoint))) }
    }

    /// Drops idle connections; streams still open finish their requests.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.transport.close();
    }
}

/// One Hrana stream. Calls on a stream run one after another, in call order.
#[napi]
pub struct NativeRemoteStream {
    stream: Arc<Stream>,
}

#[napi]
impl NativeRemoteStream {
    /// Runs one statement (`sql`, `[sql, args]` or `{ sql, args }`); `close` ends the stream in
    /// the same request. Resolves to a result tuple or to an `Error` with `code`.
    #[napi(catch_unwind, ts_return_type = "Promise<[string[], string[], Record<string, unknown>[], number, bigint | undefined] | Error>")]
    pub fn execute<'env>(&self, env: &'env Env, stmt: Unknown<'env>, int_mode: u32, close: bool) -> Result<PromiseRaw<'env, napi_value>> {
        let js = Js::new(env.raw());
        let stmt = read_stmt(js, stmt.raw()).map_err(|f| f.throw(js, None))?;
        let stream = Arc::clone(&self.stream);
        let mode = IntMode::from_code(int_mode);
        env.spawn_future_with_callback(async move { Ok(ops::execute(&stream, stmt, close).await) }, move |env, out| {
            settle(env, out.map(|r| vec![r]), mode, true)
        })
    }

    /// Runs `stmts` as one atomic batch opened with `begin` (e.g. `BEGIN IMMEDIATE`); with
    /// `foreignKeysOff`, inside `PRAGMA foreign_keys=off/on` (for `migrate`). Resolves to the
    /// results or to an `Error` with `code` and, for a failing statement, `statementIndex`.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<[string[], string[], Record<string, unknown>[], number, bigint | undefined]> | Error>")]
    pub fn batch<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "Array<string | [string, unknown?] | { sql: string; args?: unknown }>")] stmts: Unknown<'env>,
        int_mode: u32,
        begin: String,
        foreign_keys_off: bool,
        close: bool,
    ) -> Result<PromiseRaw<'env, napi_value>> {
        let js = Js::new(env.raw());
        let stmts = read_stmts(js, stmts.raw()).map_err(|f| f.throw(js, None))?;
        let stream = Arc::clone(&self.stream);
        let mode = IntMode::from_code(int_mode);
        env.spawn_future_with_callback(
            async move { Ok(ops::atomic_batch(&stream, stmts, begin, foreign_keys_off, close).await) },
            move |env, out| settle(env, out, mode, false),
        )
    }

    /// Runs `stmts` inside this stream's interactive transaction, each only if the one before
    /// succeeded and the transaction is still open; `begin` opens the transaction first (the
    /// transaction's first call). A failed `BEGIN` resolves to an `Error` with `fatal: true`.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<[string[], string[], Record<string, unknown>[], number, bigint | undefined]> | Error>")]
    pub fn transaction_batch<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "Array<string | [string, unknown?] | { sql: string; args?: unknown }>")] stmts: Unknown<'env>,
        int_mode: u32,
        begin: Option<String>,
    ) -> Result<PromiseRaw<'env, napi_value>> {
        let js = Js::new(env.raw());
        let stmts = read_stmts(js, stmts.raw()).map_err(|f| f.throw(js, None))?;
        let stream = Arc::clone(&self.stream);
        let mode = IntMode::from_code(int_mode);
        env.spawn_future_with_callback(
            async move { Ok(ops::transaction_batch(&stream, stmts, begin).await) },
            move |env, out| settle(env, out, mode, false),
        )
    }

    /// Runs a SQL script, after `begin` when given. Resolves to `undefined` or an `Error`.
    #[napi(catch_unwind, ts_return_type = "Promise<undefined | Error>")]
    pub fn sequence<'env>(&self, env: &'env Env, sql: String, begin: Option<String>, close: bool) -> Result<PromiseRaw<'env, napi_value>> {
        let stream = Arc::clone(&self.stream);
        env.spawn_future_with_callback(async move { Ok(ops::sequence(&stream, sql, begin, close).await) }, move |env, out| {
            let js = Js::new(env.raw());
            match out {
                Ok(()) => js.undefined(),
                Err(e) => error_value(js, e),
            }
        })
    }

    /// True once the stream was closed, by `close()`, by the server or by a failed request.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.stream.is_closed()
    }

    /// Closes the stream (the server is told in the background). Idempotent.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.stream.close();
    }
}

fn read_stmts(js: Js, v: napi_value) -> std::result::Result<Vec<Stmt>, Failure> {
    if !js.is_array(v)? {
        return Err(Failure::Js(js.throw_type_error("batch() expects an array of statements")));
    }
    (0..js.array_len(v)?).map(|i| read_stmt(js, js.get_element(v, i)?)).collect()
}

/// Turns an outcome into the value the promise resolves to. `single`: one result, not an array.
fn settle(env: &Env, out: std::result::Result<Vec<StmtResult>, OpError>, mode: IntMode, single: bool) -> Result<napi_value> {
    let js = Js::new(env.raw());
    let results = match out {
        Ok(r) => r,
        Err(e) => return error_value(js, e),
    };
    let mut built = Vec::with_capacity(results.len());
    for r in &results {
        match result_to_js(js, r, mode) {
            Ok(v) => built.push(v),
            Err(Bad::Reject(e)) => return Ok(e),
            Err(Bad::Napi(e)) => return Err(e),
        }
    }
    if single {
        return built.into_iter().next().map_or_else(|| js.undefined(), Ok);
    }
    let arr = js.array(built.len())?;
    for (i, v) in built.into_iter().enumerate() {
        js.set_element(arr, i as u32, v)?;
    }
    Ok(arr)
}

pub(super) fn error_value(js: Js, e: OpError) -> Result<napi_value> {
    let RemoteError { code, message, fatal, extended_code, status } = e.error;
    let err = build_error(js, &code, extended_code.as_deref(), None, &message, e.statement_index)?;
    if fatal {
        js.set_named(err, c"fatal", js.boolean(true)?)?;
    }
    if let Some(status) = status {
        js.set_named(err, c"status", js.double(f64::from(status))?)?;
    }
    Ok(err)
}
