//! Building HTTP responses: bodies, plain and JSON replies, and the responses for errors and
//! refused credentials. Every route (pipeline, cursor, WebSocket, replication) uses these.

use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};

use super::auth::AuthError;
use super::error::ServeError;

/// Response bodies: whole (`full`), or streamed where they can be large (`/export`); a
/// stream that fails cuts the connection, so the client sees a short body, not a wrong one.
pub type Body = UnsyncBoxBody<Bytes, std::io::Error>;

pub(super) fn full(body: impl Into<Bytes>) -> Body {
    Full::new(body.into()).map_err(|never| match never {}).boxed_unsync()
}

pub(super) fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

pub(super) fn json<T: serde::Serialize>(status: StatusCode, v: &T) -> Response<Body> {
    match serde_json::to_vec(v) {
        Ok(b) => reply(status, "application/json", b),
        Err(e) => reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", format!("Could not encode response: {e}")),
    }
}

pub(super) fn error_response(e: ServeError) -> Response<Body> {
    match e {
        ServeError::Protocol(m) => reply(StatusCode::BAD_REQUEST, "text/plain", m),
        ServeError::Forbidden(m) => json(StatusCode::FORBIDDEN, &serde_json::json!({ "error": m })),
        ServeError::Overloaded(m) => {
            let mut r = json(StatusCode::SERVICE_UNAVAILABLE, &serde_json::json!({ "error": m }));
            r.headers_mut().insert("retry-after", HeaderValue::from_static("1"));
            r
        }
        ServeError::StreamExpired => json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({ "message": "The stream has expired due to inactivity", "code": "STREAM_EXPIRED" }),
        ),
        // A statement error outside a stream result (not expected): report it like sqld's JSON errors.
        ServeError::Stmt(err) => json(StatusCode::BAD_REQUEST, &err),
    }
}

pub(super) fn auth_response(e: AuthError) -> Response<Body> {
    json(StatusCode::UNAUTHORIZED, &serde_json::json!({ "error": format!("Unauthorized: `{}`", e.message()) }))
}

