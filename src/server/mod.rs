//! `astro-db serve`: a libSQL server speaking Hrana (HTTP v2/v3 and WebSocket), so remote
//! mode can be rehearsed and tested against a local file.
//!
//! HTTP is hyper 1 (http1 only: the clients speak nothing else over plain TCP) and WebSocket is
//! tungstenite over hyper's upgrade; statements run against the raw libSQL connection of
//! `crate::sqlite`, one connection per stream: vetted reads that cannot wait run in place on
//! the async worker, everything else on blocking threads (see `quick`). What clients may do
//! and how much they may take is in `limits`, `browser` and `crate::sqlite::Policy`.

mod auth;
mod batch;
mod bind;
pub mod bindings;
mod browser;
mod columns;
mod cursor;
mod error;
mod exec;
#[cfg(test)]
mod exec_tests;
mod gate;
mod generation;
mod http;
mod limits;
mod pipeline;
mod proto;
mod quick;
mod replication;
mod response;
mod streams;
mod ws;
mod ws_cursor;
mod ws_session;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

pub use auth::{parse_private_key, sign_token};
pub use limits::Limits;

/// How long `close` waits for requests in flight before dropping connections.
const DRAIN: Duration = Duration::from_secs(5);

/// State shared by every connection of one server.
pub struct Shared {
    pool: streams::Pool,
    streams: streams::Streams,
    auth: auth::Auth,
    allowed: browser::Allowed,
    /// WebSocket connections open at once.
    ws_slots: Arc<Semaphore>,
    sync: Arc<generation::Generations>,
    /// A sync checkpoint is running (they are started by a timer and must not pile up).
    checkpointing: Arc<AtomicBool>,
    shutdown: watch::Sender<bool>,
}

/// What to serve and where.
pub struct Config {
    pub db: String,
    pub host: String,
    pub port: u16,
    /// Ed25519 public key (PEM or base64); `None` serves without auth.
    pub auth_jwt_key: Option<String>,
    /// WAL frames after which the server checkpoints and starts a new replica generation.
    pub sync_checkpoint_frames: u32,
    pub limits: Limits,
    /// Origins whose pages may use the server (`--cors-origin`); none by default.
    pub cors_origins: Vec<String>,
    /// Host names the server answers to besides loopback names and the bound address.
    pub allow_hosts: Vec<String>,
}

pub use generation::DEFAULT_CHECKPOINT_FRAMES;

/// How often the WAL size is checked against `sync_checkpoint_frames`.
const CHECKPOINT_TICK: Duration = Duration::from_millis(250);

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
    let gate = gate::Gate::new();
    let limits = Arc::new(cfg.limits.clone());
    let pool = streams::Pool::new(cfg.db.clone(), gate.clone(), limits.clone());
    // Set up outside the policy of client connections (a pragma would mark it not reusable).
    // It must not checkpoint when it closes either: the WAL's frames are the generation's.
    crate::sqlite::Connection::open(&cfg.db)
        .and_then(|mut first| {
            first.execute_script("PRAGMA journal_mode=WAL")?;
            first.keep_wal()
        })
        .map_err(|e| format!("cannot open database {}: {e}", cfg.db))?;
    let sync = generation::Generations::open(&cfg.db, cfg.sync_checkpoint_frames, gate)
        .map_err(|e| format!("cannot set up replica sync for {}: {e}", cfg.db))?;
    let listener = TcpListener::bind((cfg.host.as_str(), cfg.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", cfg.host, cfg.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (shutdown, _) = watch::channel(false);
    let shared = Arc::new(Shared {
        pool,
        streams: streams::Streams::new(limits.max_connections),
        auth: auth::Auth::new(key),
        allowed: browser::Allowed::new(&cfg.host, &cfg.allow_hosts, &cfg.cors_origins),
        ws_slots: Arc::new(Semaphore::new(limits.max_connections)),
        sync: Arc::new(sync),
        checkpointing: Arc::default(),
        shutdown,
    });
    let accept = tokio::spawn(accept_loop(shared.clone(), listener));
    Ok(Running { addr, shared, accept })
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut stop = shared.shutdown.subscribe();
    let mut conns = JoinSet::new();
    let mut sweep = tokio::time::interval(Duration::from_secs(1));
    let mut checkpoint = tokio::time::interval(CHECKPOINT_TICK);
    let slots = Arc::new(Semaphore::new(limits::MAX_TCP_CONNECTIONS));
    loop {
        tokio::select! {
            // Past the bound, connections wait in the kernel's backlog (the loop looks again
            // when a connection ends or the sweep ticks).
            accepted = listener.accept(), if slots.available_permits() > 0 => {
                let Ok((tcp, _)) = accepted else { continue };
                let Ok(slot) = slots.clone().try_acquire_owned() else { continue };
                let _ = tcp.set_nodelay(true);
                let sh = shared.clone();
                conns.spawn(async move {
                    serve_conn(sh, tcp).await;
                    drop(slot);
                });
            }
            _ = sweep.tick() => shared.streams.sweep(),
            _ = checkpoint.tick() => start_checkpoint(&shared),
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

/// Lets the sync bookkeeping end the generation if the WAL grew past the threshold, off the
/// async workers (it waits for statements in flight).
fn start_checkpoint(shared: &Arc<Shared>) {
    if shared.checkpointing.swap(true, Ordering::AcqRel) {
        return;
    }
    let sync = shared.sync.clone();
    let running = CheckpointRun(shared.checkpointing.clone());
    tokio::task::spawn_blocking(move || {
        let _running = running;
        if let Err(e) = sync.maybe_checkpoint() {
            tracing::debug!("sync checkpoint postponed: {e:?}");
        }
    });
}

/// Marks a checkpoint as running until dropped, also when it panics: a flag left set would
/// stop checkpoints for good.
struct CheckpointRun(Arc<AtomicBool>);

impl Drop for CheckpointRun {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

async fn serve_conn(shared: Arc<Shared>, tcp: tokio::net::TcpStream) {
    let mut stop = shared.shutdown.subscribe();
    let sh = shared.clone();
    let svc = service_fn(move |req| {
        let sh = sh.clone();
        async move { Ok::<_, std::convert::Infallible>(http::route(sh, req).await) }
    });
    // hyper's header timeout only runs with a timer.
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits::HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(tcp), svc)
        .with_upgrades();
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
        // A checkpoint still running would persist its generation after a server restarted on
        // the same file had read it. No new one starts: the timer stopped with the accept loop.
        let deadline = tokio::time::Instant::now() + DRAIN;
        while self.shared.checkpointing.load(Ordering::Acquire) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.shared.streams.clear();
        self.shared.pool.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_checkpoint_does_not_stop_later_ones() {
        let flag = Arc::new(AtomicBool::new(true));
        let run = CheckpointRun(flag.clone());
        let panicked = std::thread::spawn(move || {
            let _run = run;
            panic!("checkpoint failed");
        })
        .join();
        assert!(panicked.is_err());
        assert!(!flag.load(Ordering::Acquire), "the running flag stayed set");
    }
}
