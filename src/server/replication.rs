//! The libSQL HTTP sync protocol, pull side: `/info`, `/export/{g}`, `/sync/{g}/{start}/{end}`,
//! what libSQL embedded replicas (`syncUrl`, `offline: true`) ask a primary for.
//!
//! Error bodies follow what the replica does with them: on 400 it reads `generation` to decide
//! whether to move to the next generation or stop, so only "nothing more to send" answers 400
//! with a generation; anything the replica cannot recover from by itself is another 4xx with
//! an `error` text it shows.

use std::sync::Arc;

use hyper::body::Incoming;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Bytes, Frame};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

use super::auth::AuthError;
use super::generation::{Export, Generations, SyncError, PAGE_SIZE};
use super::response::{json, reply, Body};
use super::Shared;

/// Whether `path` belongs to the sync protocol.
pub fn is_sync_path(path: &str) -> bool {
    path == "/info" || path.starts_with("/export/") || path.starts_with("/sync/")
}

fn error(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    json(status, &serde_json::json!({ "error": message.into() }))
}

fn sync_error(e: SyncError) -> Response<Body> {
    match e {
        SyncError::PageSize(n) => error(
            StatusCode::BAD_REQUEST,
            format!("this database uses {n}-byte pages; libSQL embedded replicas only sync databases with {PAGE_SIZE}-byte pages"),
        ),
        SyncError::EndOfGeneration { current } => json(StatusCode::BAD_REQUEST, &serde_json::json!({ "generation": current })),
        SyncError::TooOld { current } => json(
            StatusCode::GONE,
            &serde_json::json!({
                "error": format!("the server checkpointed past this generation (current is {current}): the replica is too old, delete it to bootstrap again"),
                "generation": current,
            }),
        ),
        SyncError::Unknown { requested, current } => error(
            StatusCode::NOT_FOUND,
            format!("generation {requested} does not exist here (current is {current}): the replica comes from another database, delete it to bootstrap again"),
        ),
        SyncError::BadRequest(m) => error(StatusCode::BAD_REQUEST, m),
        SyncError::Unavailable(m) => {
            let mut r = error(StatusCode::SERVICE_UNAVAILABLE, m);
            r.headers_mut().insert("retry-after", HeaderValue::from_static("1"));
            r
        }
        SyncError::Internal(m) => error(StatusCode::INTERNAL_SERVER_ERROR, m),
    }
}

fn number(part: Option<&str>, what: &str) -> Result<u32, Response<Body>> {
    part.and_then(|p| p.parse().ok())
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, format!("invalid {what} in the path: expected a non-negative integer")))
}

enum Route {
    Info,
    Export(u32),
    Frames { generation: u32, start: u32, end: u32 },
}

fn parse(path: &str) -> Result<Route, Response<Body>> {
    let mut parts = path.trim_start_matches('/').split('/');
    let route = match parts.next() {
        Some("info") => Route::Info,
        Some("export") => Route::Export(number(parts.next(), "generation")?),
        _ => {
            let generation = number(parts.next(), "generation")?;
            let start = number(parts.next(), "start frame")?;
            let end = number(parts.next(), "end frame")?;
            Route::Frames { generation, start, end }
        }
    };
    if parts.next().is_some() {
        return Err(error(StatusCode::NOT_FOUND, "Not found: expected /info, /export/{generation} or /sync/{generation}/{start}/{end}"));
    }
    Ok(route)
}

/// Answers a sync request (`is_sync_path`). Read access is enough: replicas only pull.
pub async fn route(shared: Arc<Shared>, req: Request<Incoming>, path: &str) -> Response<Body> {
    let header = req.headers().get(AUTHORIZATION).map(|h| h.to_str().map_err(|_| AuthError::Malformed));
    if let Err(e) = header.transpose().and_then(|h| shared.auth.check_header(h)) {
        return super::response::auth_response(e);
    }
    if req.method() == Method::POST && path.starts_with("/sync/") {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "astro-db serve does not accept pushed frames: replicas here are read-only, send writes to the server over Hrana (the primary's URL)",
        );
    }
    if req.method() != Method::GET {
        return error(StatusCode::METHOD_NOT_ALLOWED, format!("{} is not allowed on {path}", req.method()));
    }
    let route = match parse(path) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let sync = shared.sync.clone();
    let joined = tokio::task::spawn_blocking(move || match route {
        Route::Info => sync.current().map(|g| json(StatusCode::OK, &serde_json::json!({ "current_generation": g }))),
        Route::Export(g) => sync.export(g).map(|e| export_stream(sync, e)),
        Route::Frames { generation, start, end } => sync.frames(generation, start, end).map(octets),
    })
    .await;
    match joined {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => sync_error(e),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
    }
}

fn octets(bytes: Vec<u8>) -> Response<Body> {
    reply(StatusCode::OK, "application/octet-stream", bytes)
}

/// Bytes of the database file read (off the async workers) per chunk of `/export`.
const EXPORT_CHUNK: usize = 1024 * 1024;

/// The database file, streamed chunk by chunk: memory stays at one chunk per export whatever
/// the file's size, and a slow reader holds no lock between chunks.
fn export_stream(sync: Arc<Generations>, export: Export) -> Response<Body> {
    let len = export.len;
    let export = Arc::new(export);
    let chunks = futures_util::stream::unfold(0u64, move |offset| {
        let (sync, export) = (sync.clone(), export.clone());
        async move {
            if offset >= export.len {
                return None;
            }
            let read = tokio::task::spawn_blocking(move || sync.export_chunk(&export, offset, EXPORT_CHUNK)).await;
            match read {
                Ok(Ok(chunk)) if !chunk.is_empty() => {
                    let next = offset + chunk.len() as u64;
                    Some((Ok(Frame::data(Bytes::from(chunk))), next))
                }
                Ok(Ok(_)) => Some((Err(std::io::Error::other("the database file shrank during the export")), u64::MAX)),
                Ok(Err(e)) => Some((Err(std::io::Error::other(format!("{e:?}"))), u64::MAX)),
                Err(_) => Some((Err(std::io::Error::other("export task failed")), u64::MAX)),
            }
        }
    });
    let mut r = Response::new(StreamBody::new(chunks).boxed_unsync());
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(CONTENT_LENGTH, HeaderValue::from(len));
    r
}
