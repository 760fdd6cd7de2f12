//! HTTP routes: `/v2|v3/pipeline`, `/v3/cursor`, `/health`, the WebSocket upgrade, and the
//! replica sync routes (`replication`).

use std::sync::Arc;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, AUTHORIZATION};
use hyper::{Method, Request, Response, StatusCode};

use super::auth::{Access, AuthError};
use super::error::ServeError;
use super::response::{auth_response, error_response, json, reply, Body};
use super::pipeline::{self, Ctx, PipelineReqBody, PipelineRespBody, StreamResult};
use super::Shared;

/// Largest request body accepted; a dev server has no use for more, and it bounds memory.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Routes one request. Never fails: every error becomes a response.
pub async fn route(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    let origin = match shared.allowed.check(req.method(), req.uri().path(), req.headers()) {
        Ok(o) => o,
        Err(r) => return reply(r.status, "text/plain", r.message),
    };
    let preflight = req.method() == Method::OPTIONS;
    let timer = crate::log::debug_timer();
    // The path only: a query could hold anything.
    let shown = timer.map(|_| (req.method().clone(), req.uri().path().to_owned()));
    let mut resp = if preflight { reply(StatusCode::NO_CONTENT, "text/plain", "") } else { route_checked(shared, req).await };
    if let (Some(t), Some((method, path))) = (timer, shown) {
        tracing::debug!(method = %method, path, status = resp.status().as_u16(), ms = crate::log::ms(t), "serve request");
    }
    if let Some(origin) = origin {
        // Only origins given with --cors-origin get here.
        let h = resp.headers_mut();
        h.insert("access-control-allow-origin", origin);
        h.insert("vary", HeaderValue::from_static("Origin"));
        if preflight {
            h.insert("access-control-allow-methods", HeaderValue::from_static("GET, POST"));
            h.insert("access-control-allow-headers", HeaderValue::from_static("authorization, content-type, x-libsql-client-version"));
            h.insert("access-control-max-age", HeaderValue::from_static("600"));
        }
    }
    resp
}

async fn route_checked(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    if super::ws::is_upgrade(&req) {
        return super::ws::upgrade(shared, req);
    }
    let path = req.uri().path().trim_end_matches('/').to_owned();
    if super::replication::is_sync_path(&path) {
        return super::replication::route(shared, req, &path).await;
    }
    match (req.method(), path.as_str()) {
        (&Method::GET, "/health") => reply(StatusCode::OK, "text/plain", ""),
        (&Method::GET, "") => reply(StatusCode::OK, "text/plain", "Hello, this is HTTP API v2 (Hrana over HTTP)"),
        (&Method::GET, "/v2") | (&Method::GET, "/v3") => reply(StatusCode::OK, "text/plain", ""),
        (&Method::POST, "/v2/pipeline") => with_body(shared, req, 2, false).await,
        (&Method::POST, "/v3/pipeline") => with_body(shared, req, 3, false).await,
        (&Method::POST, "/v3/cursor") => with_body(shared, req, 3, true).await,
        // `/v3-protobuf` is answered 404 so `@libsql/client` falls back to JSON.
        _ => reply(StatusCode::NOT_FOUND, "text/plain", "Not found"),
    }
}

async fn with_body(shared: Arc<Shared>, req: Request<Incoming>, version: u8, cursor: bool) -> Response<Body> {
    let header = req.headers().get(AUTHORIZATION).map(|h| h.to_str().map_err(|_| AuthError::Malformed));
    let access = match header.transpose().and_then(|h| shared.auth.check_header(h)) {
        Ok(a) => a,
        Err(e) => return auth_response(e),
    };
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return reply(StatusCode::PAYLOAD_TOO_LARGE, "text/plain", format!("Request body is larger than {MAX_BODY} bytes"))
        }
        Err(_) => return reply(StatusCode::BAD_REQUEST, "text/plain", "Could not read request body"),
    };
    let ctx = Ctx { version, can_write: access == Access::ReadWrite };
    let result = if cursor { super::cursor::handle_cursor(shared, &body, ctx).await } else { handle_pipeline(shared, &body, ctx).await };
    result.unwrap_or_else(error_response)
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ServeError> {
    serde_json::from_slice(body).map_err(|e| ServeError::protocol(format!("Cannot deserialize client message from JSON: {e}")))
}

async fn handle_pipeline(shared: Arc<Shared>, body: &[u8], ctx: Ctx) -> Result<Response<Body>, ServeError> {
    let req: PipelineReqBody = decode(body)?;
    let (id, mut stream) = shared.streams.acquire(req.baton.as_deref())?;
    // The response size limits count the results of this HTTP request.
    if let Some(db) = stream.db.as_mut() {
        db.reset_budget();
    }
    let mut results = Vec::with_capacity(req.requests.len());
    let mut rest = std::collections::VecDeque::from(req.requests);
    // Requests that cannot wait run here, in order, until one might (see `pipeline::Quick`).
    let start = std::time::Instant::now();
    while let Some(r) = rest.pop_front() {
        if start.elapsed() > pipeline::QUICK_BUDGET {
            rest.push_front(r);
            break;
        }
        match pipeline::handle_quick(&mut stream, r, ctx, &shared.pool) {
            Ok(Ok(response)) => results.push(StreamResult::Ok { response }),
            Ok(Err(ServeError::Stmt(error))) => results.push(StreamResult::Error { error }),
            Ok(Err(e)) => {
                shared.streams.discard(id);
                return Err(e);
            }
            Err(r) => {
                rest.push_front(r);
                break;
            }
        }
    }
    if !rest.is_empty() {
        let sh = shared.clone();
        // The rest may wait on another stream's lock: it runs off the async workers.
        let joined = tokio::task::spawn_blocking(move || {
            for r in rest {
                match pipeline::handle(&mut stream, r, ctx, &sh.pool) {
                    Ok(response) => results.push(StreamResult::Ok { response }),
                    Err(ServeError::Stmt(error)) => results.push(StreamResult::Error { error }),
                    Err(e) => return (stream, Err(e)),
                }
            }
            (stream, Ok(results))
        })
        .await;
        let r;
        (stream, r) = match joined {
            Ok(x) => x,
            Err(_) => {
                shared.streams.discard(id);
                return Ok(reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "Internal server error"));
            }
        };
        results = match r {
            Ok(r) => r,
            Err(e) => {
                shared.streams.discard(id);
                drop(stream);
                return Err(e);
            }
        };
    }
    let baton = shared.streams.release(id, stream, &shared.pool);
    Ok(json(StatusCode::OK, &PipelineRespBody { baton, base_url: None, results }))
}
