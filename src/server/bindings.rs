//! The napi surface of the server: start, close, and a token helper. Conversion only.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio::sync::Mutex;

use super::{Config, Running};

/// Options of `startServer`.
#[napi(object)]
pub struct StartServerOptions {
    /// Path of the libSQL/SQLite database file to serve (created if missing).
    pub db: String,
    /// TCP port; `0` (the default) picks a free one.
    pub port: Option<u32>,
    /// Interface to listen on; defaults to `127.0.0.1`.
    pub host: Option<String>,
    /// Ed25519 public key verifying JWTs, as PEM (`BEGIN PUBLIC KEY`) or raw base64.
    /// Without it the server accepts every request.
    pub auth_jwt_key: Option<String>,
    /// WAL frames after which the server checkpoints and starts a new generation for libSQL
    /// embedded replicas (`/sync`); default 4000 (about 16 MiB of WAL).
    pub sync_checkpoint_frames: Option<u32>,
    /// Milliseconds after which a statement is interrupted (`SQLITE_INTERRUPT`); default 10000.
    pub query_timeout_ms: Option<u32>,
    /// Bytes one statement's result may take; default 10 MiB (as sqld).
    pub max_response_size: Option<f64>,
    /// Bytes all results of one request may take; default 32 MiB (as sqld).
    pub max_total_response_size: Option<f64>,
    /// Lets clients run `ATTACH`/`DETACH` (off: they reach any file the server can).
    pub allow_attach: Option<bool>,
    /// Origins (`https://app.example`) whose web pages may use the server; none by default.
    pub cors_origins: Option<Vec<String>>,
    /// Host names the server answers to besides loopback names and the bound address.
    pub allow_hosts: Option<Vec<String>>,
}

fn size(v: Option<f64>, name: &str, default: u64) -> Result<u64> {
    match v {
        None => Ok(default),
        Some(n) if n.is_finite() && n >= 1.0 && n.fract() == 0.0 => Ok(n as u64),
        Some(n) => Err(Error::from_reason(format!("ASTRO_DB_SERVE: {name} must be a whole number of bytes from 1, not {n}"))),
    }
}

/// A running Hrana server (`@libsql/client` URLs: `http://…` and `ws://…`).
#[napi]
pub struct ServerHandle {
    port: u32,
    host: String,
    running: Arc<Mutex<Option<Running>>>,
}

#[napi]
impl ServerHandle {
    /// The port the server listens on.
    #[napi(getter)]
    pub fn port(&self) -> u32 {
        self.port
    }

    /// `http://host:port`, ready for `createClient({ url })`.
    #[napi(getter)]
    pub fn url(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        format!("http://{host}:{}", self.port)
    }

    /// Stops accepting connections, lets requests in flight finish, and rolls back open
    /// transactions. Calling it again does nothing.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        let running = self.running.clone();
        AssertUnwindSafe(async move {
            if let Some(r) = running.lock().await.take() {
                r.close().await;
            }
        })
        .catch_unwind()
        .await
        .map_err(|_| Error::from_reason("ASTRO_DB_SERVE: internal error while closing the server"))
    }
}

/// Starts a libSQL (Hrana) server on the shared tokio runtime; resolves once it listens.
#[napi]
pub async fn start_server(options: StartServerOptions) -> Result<ServerHandle> {
    let host = options.host.unwrap_or_else(|| "127.0.0.1".into());
    let port = u16::try_from(options.port.unwrap_or(0)).map_err(|_| Error::from_reason("ASTRO_DB_SERVE: port must be 0-65535"))?;
    let sync_checkpoint_frames = match options.sync_checkpoint_frames {
        Some(0) => return Err(Error::from_reason("ASTRO_DB_SERVE: syncCheckpointFrames must be at least 1")),
        Some(n) => n,
        None => super::DEFAULT_CHECKPOINT_FRAMES,
    };
    let defaults = super::Limits::default();
    let limits = super::Limits {
        query_timeout: match options.query_timeout_ms {
            Some(0) => return Err(Error::from_reason("ASTRO_DB_SERVE: queryTimeoutMs must be at least 1")),
            Some(ms) => std::time::Duration::from_millis(u64::from(ms)),
            None => defaults.query_timeout,
        },
        max_response_size: size(options.max_response_size, "maxResponseSize", defaults.max_response_size)?,
        max_total_response_size: size(options.max_total_response_size, "maxTotalResponseSize", defaults.max_total_response_size)?,
        allow_attach: options.allow_attach.unwrap_or(false),
        ..defaults
    };
    let cfg = Config {
        db: options.db,
        host: host.clone(),
        port,
        auth_jwt_key: options.auth_jwt_key,
        sync_checkpoint_frames,
        limits,
        cors_origins: options.cors_origins.unwrap_or_default(),
        allow_hosts: options.allow_hosts.unwrap_or_default(),
    };
    let started = AssertUnwindSafe(super::start(cfg))
        .catch_unwind()
        .await
        .map_err(|_| Error::from_reason("ASTRO_DB_SERVE: internal error while starting the server"))?;
    let running = started.map_err(|e| Error::from_reason(format!("ASTRO_DB_SERVE: {e}")))?;
    Ok(ServerHandle { port: u32::from(running.addr.port()), host, running: Arc::new(Mutex::new(Some(running))) })
}

/// Options of `createAuthToken`.
#[napi(object)]
pub struct AuthTokenOptions {
    /// Ed25519 private key: PEM PKCS#8 (`BEGIN PRIVATE KEY`) or the raw 32-byte seed in base64.
    pub private_key: String,
    /// `"rw"` (default) or `"ro"`.
    #[napi(ts_type = "\"rw\" | \"ro\"")]
    pub access: Option<String>,
    /// Lifetime in seconds; without it the token does not expire.
    pub expires_in_seconds: Option<i64>,
}

/// Signs a JWT the server (and sqld) accepts with the matching public key.
#[napi]
pub fn create_auth_token(options: AuthTokenOptions) -> Result<String> {
    std::panic::catch_unwind(move || {
        let read_only = match options.access.as_deref() {
            None | Some("rw") => false,
            Some("ro") => true,
            Some(other) => return Err(Error::from_reason(format!("ASTRO_DB_SERVE: access must be \"rw\" or \"ro\", not {other:?}"))),
        };
        let key = super::parse_private_key(&options.private_key).map_err(|e| Error::from_reason(format!("ASTRO_DB_SERVE: {e}")))?;
        Ok(super::sign_token(&key, read_only, options.expires_in_seconds))
    })
    .unwrap_or_else(|_| Err(Error::from_reason("ASTRO_DB_SERVE: internal error while signing a token")))
}
