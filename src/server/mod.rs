//! `astro-db serve`: a libSQL server speaking Hrana (HTTP v2/v3 and WebSocket), so remote
//! mode can be rehearsed and tested against a local file.
//!
//! HTTP is hyper 1 (http1 only: the clients speak nothing else over plain TCP) and WebSocket is
//! tungstenite over hyper's upgrade; statements run against the raw libSQL connection of
//! `crate::sqlite`, one connection per stream: reads that cannot wait run in place on the
//! async worker, everything else on blocking threads (see `pipeline::Quick`).

mod auth;
mod batch;
pub mod bindings;
mod error;
mod exec;
mod http;
mod pipeline;
mod proto;
mod streams;
mod ws;
mod ws_session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use auth::{parse_private_key, sign_token};

/// How long `close` waits for requests in flight before dropping connections.
const DRAIN: Duration = Duration::from_secs(5);

/// State shared by every connection of one server.
pub struct Shared {
    pool: streams::Pool,
    streams: streams::Streams,
    quick: pipeline::Quick,
    auth: auth::Auth,
    shutdown: watch::Sender<bool>,
}

/// What to serve and where.
pub struct Config {
    pub db: String,
    pub host: String,
    pub port: u16,
    /// Ed25519 public key (PEM or base64); `None` serves without auth.
    pub auth_jwt_key: Option<String>,
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
}

/// Opens the database (switching it to WAL so readers and a writer on different streams do
/// not block each other), binds, and serves until [`Running::close`].
pub async fn start(cfg: Config) -> Result<Running, String> {
    let key = match &cfg.auth_jwt_key {
        Some(k) => Some(auth::parse_public_key(k)?),
        None => None,
    };
    let pool = streams::Pool::new(cfg.db.clone());
    let mut first = pool.get().map_err(|e| format!("cannot open database {}: {e:?}", cfg.db))?;
    first.conn.execute_script("PRAGMA journal_mode=WAL").map_err(|e| format!("cannot open database {}: {e}", cfg.db))?;
    pool.put(first);
    let listener = TcpListener::bind((cfg.host.as_str(), cfg.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", cfg.host, cfg.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (shutdown, _) = watch::channel(false);
    let shared = Arc::new(Shared { pool, streams: streams::Streams::default(), quick: pipeline::Quick::default(), auth: auth::Auth::new(key), shutdown });
    let accept = tokio::spawn(accept_loop(shared.clone(), listener));
    Ok(Running { addr, shared, accept })
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut stop = shared.shutdown.subscribe();
    let mut conns = JoinSet::new();
    let mut sweep = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let _ = tcp.set_nodelay(true);
                conns.spawn(serve_conn(shared.clone(), tcp));
            }
            _ = sweep.tick() => shared.streams.sweep(),
            // Reap finished connection tasks so the set stays small.
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = stopped(&mut stop) => break,
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(DRAIN, async { while conns.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        conns.abort_all();
    }
}

async fn serve_conn(shared: Arc<Shared>, tcp: tokio::net::TcpStream) {
    let mut stop = shared.shutdown.subscribe();
    let sh = shared.clone();
    let svc = service_fn(move |req| {
        let sh = sh.clone();
        async move { Ok::<_, std::convert::Infallible>(http::route(sh, req).await) }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(tcp), svc).with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stopped(&mut stop) => {
            // Finish the request in flight, then close.
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(DRAIN, conn).await;
        }
    }
}

/// Resolves once shutdown was asked for (or the server state is gone).
pub(crate) async fn stopped(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

impl Running {
    /// Stops accepting, lets requests in flight finish (up to a few seconds), then drops every
    /// stream: open transactions roll back.
    pub async fn close(self) {
        let _ = self.shared.shutdown.send(true);
        let _ = self.accept.await;
        self.shared.streams.clear();
        self.shared.pool.clear();
    }
}
