//! Hrana over WebSocket (`hrana3`, `hrana2`, `hrana1`; JSON), upgraded from the HTTP server.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_PROTOCOL, UPGRADE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;

/// How often an open connection looks for transactions past their time.
const TXN_SWEEP: Duration = Duration::from_secs(1);

use super::error::ServeError;
use super::http::MAX_BODY;
use super::response::Body;
use super::limits::{HELLO_TIMEOUT, WS_IDLE_TIMEOUT, WS_MAX_WRITE_BUFFER};
use super::proto::Error;
use super::ws_session::{ClientMsg, ServerMsg, Session};
use super::Shared;

pub fn is_upgrade<B>(req: &Request<B>) -> bool {
    req.headers().get(UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn plain(status: StatusCode, msg: &str) -> Response<Body> {
    let mut r = Response::new(super::response::full(msg.to_owned()));
    *r.status_mut() = status;
    r
}

/// Picks the best subprotocol the client offers; none offered means `hrana1`, as in sqld.
fn negotiate(offered: Option<&str>) -> Option<(&'static str, u8)> {
    let Some(offered) = offered else { return Some(("", 1)) };
    let list: Vec<&str> = offered.split(',').map(str::trim).collect();
    [("hrana3", 3), ("hrana2", 2), ("hrana1", 1)].into_iter().find(|(p, _)| list.contains(p))
}

/// Answers the upgrade request and serves the socket on its own task.
pub fn upgrade(shared: Arc<Shared>, mut req: Request<Incoming>) -> Response<Body> {
    let Some(key) = req.headers().get(SEC_WEBSOCKET_KEY).map(|k| derive_accept_key(k.as_bytes())) else {
        return plain(StatusCode::BAD_REQUEST, "Missing Sec-WebSocket-Key");
    };
    let offered = req.headers().get(SEC_WEBSOCKET_PROTOCOL).and_then(|v| v.to_str().ok());
    let Some((proto, version)) = negotiate(offered) else {
        return plain(StatusCode::BAD_REQUEST, "Only these WebSocket subprotocols are supported: hrana1, hrana2, hrana3");
    };
    let Ok(slot) = shared.ws_slots.clone().try_acquire_owned() else {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "Too many WebSocket connections: try again later");
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    let mut shutdown = shared.shutdown.subscribe();
    tokio::spawn(async move {
        let _slot = slot;
        let Ok(upgraded) = on_upgrade.await else { return };
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_BODY))
            .max_frame_size(Some(MAX_BODY))
            .max_write_buffer_size(WS_MAX_WRITE_BUFFER);
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
        tokio::select! {
            _ = serve(shared, ws, version) => {}
            _ = super::stopped(&mut shutdown) => {}
        }
    });
    let mut r = plain(StatusCode::SWITCHING_PROTOCOLS, "");
    let h = r.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&key) {
        h.insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    if !proto.is_empty() {
        h.insert(SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static(proto));
    }
    r
}

type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

async fn send(ws: &mut Ws, msg: &ServerMsg) -> bool {
    match serde_json::to_string(msg) {
        Ok(text) => ws.send(Message::text(text)).await.is_ok(),
        Err(_) => false,
    }
}

async fn close(ws: &mut Ws, code: CloseCode, reason: String) {
    if ws.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await.is_err() {
        return;
    }
    // Wait for the client's close reply: closing TCP with its bytes unread sends a reset,
    // which can destroy our last messages (e.g. `hello_error`) before the client reads them.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
        while let Some(Ok(m)) = ws.next().await {
            if m.is_close() {
                break;
            }
        }
    })
    .await;
}

/// Resolves at `at`, never without one.
async fn until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// When a token valid until `exp` (unix seconds) runs out, on tokio's clock.
fn expiry(exp: Option<i64>) -> Option<Instant> {
    let left = exp?.saturating_sub(super::auth::now_s()).max(0);
    Some(Instant::now() + Duration::from_secs(u64::try_from(left).unwrap_or(0)))
}

/// Reads client messages until the socket closes; every stream and its transaction goes with it.
/// The connection also ends when it says no hello in time, idles too long, or its token expires.
async fn serve(shared: Arc<Shared>, mut ws: Ws, version: u8) {
    let mut session = Some(Box::new(Session::new(shared.clone(), version)));
    let mut hello = false;
    let mut expires: Option<Instant> = None;
    let mut last = Instant::now();
    let mut tick = tokio::time::interval(TXN_SWEEP);
    loop {
        let quiet = last + if hello { WS_IDLE_TIMEOUT } else { HELLO_TIMEOUT };
        let msg = tokio::select! {
            m = ws.next() => match m {
                Some(m) => m,
                None => return,
            },
            _ = tokio::time::sleep_until(quiet) => {
                let why = if hello { "Closing an idle connection" } else { "No hello message in time" };
                return close(&mut ws, CloseCode::Policy, why.into()).await;
            }
            _ = until(expires) => return close(&mut ws, CloseCode::Policy, "Authentication token expired".into()).await,
            _ = tick.tick() => {
                if let Some(s) = session.as_mut() {
                    s.expire_stale(std::time::Instant::now());
                }
                continue;
            }
        };
        last = Instant::now();
        let text = match msg {
            Ok(Message::Text(t)) => t,
            Ok(Message::Binary(_)) => {
                return close(&mut ws, CloseCode::Unsupported, "Received a binary WebSocket message, which is not supported in this encoding".into()).await
            }
            Ok(Message::Ping(p)) => {
                let _ = ws.send(Message::Pong(p)).await;
                continue;
            }
            Ok(Message::Close(_)) | Err(_) => return,
            Ok(_) => continue,
        };
        let msg: ClientMsg = match serde_json::from_str(text.as_str()) {
            Ok(m) => m,
            Err(e) => return close(&mut ws, CloseCode::Protocol, format!("Cannot deserialize client message from JSON: {e}")).await,
        };
        let Some(mut sess) = session.take() else { return };
        match msg {
            ClientMsg::Hello { jwt } => {
                if hello && version < 2 {
                    return close(&mut ws, CloseCode::Protocol, "Repeated hello message is only supported in protocol version hrana2 and higher".into()).await;
                }
                let checked = match (&jwt, shared.auth.enabled()) {
                    (Some(t), _) => shared.auth.check_token_until(t),
                    (None, false) => Ok((super::auth::Access::ReadWrite, None)),
                    (None, true) => Err(super::auth::AuthError::HeaderNotFound),
                };
                match checked {
                    Ok((access, exp)) => {
                        hello = true;
                        sess.access = Some(access);
                        // A later hello (hrana2+) renews the token, and its expiry with it.
                        expires = expiry(exp);
                        if !send(&mut ws, &ServerMsg::HelloOk {}).await {
                            return;
                        }
                    }
                    Err(e) => {
                        let error = Error { message: format!("Authentication failed: {}", e.message()), code: e.code().into() };
                        send(&mut ws, &ServerMsg::HelloError { error }).await;
                        return close(&mut ws, CloseCode::Normal, "Thank you for using sqld".into()).await;
                    }
                }
            }
            ClientMsg::Request { request_id, request } => {
                if !hello {
                    return close(&mut ws, CloseCode::Protocol, "Received a request before hello message".into()).await;
                }
                let result = match sess.handle_quick(request) {
                    Ok(result) => result,
                    Err(request) => {
                        // It may wait on another stream's lock: off the async workers.
                        let Ok((s, result)) = tokio::task::spawn_blocking(move || {
                            let r = sess.handle(request);
                            (sess, r)
                        })
                        .await
                        else {
                            return close(&mut ws, CloseCode::Error, "Internal server error".into()).await;
                        };
                        sess = s;
                        result
                    }
                };
                let reply = match result {
                    Ok(response) => ServerMsg::ResponseOk { request_id, response },
                    Err(ServeError::Stmt(error)) => ServerMsg::ResponseError { request_id, error },
                    Err(ServeError::Forbidden(m)) => return close(&mut ws, CloseCode::Policy, m).await,
                    Err(ServeError::Protocol(m)) => return close(&mut ws, CloseCode::Protocol, m).await,
                    Err(ServeError::StreamExpired) => return close(&mut ws, CloseCode::Error, "Stream expired".into()).await,
                    Err(ServeError::Overloaded(m)) => return close(&mut ws, CloseCode::Again, m).await,
                };
                if !send(&mut ws, &reply).await {
                    return;
                }
            }
        }
        session = Some(sess);
    }
}
