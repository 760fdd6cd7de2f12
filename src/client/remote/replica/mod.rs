//! `NativeReplica`: the sync side of an embedded replica. The JS layer reads the local file
//! through ordinary local connections and sends writes to the primary; this pulls the
//! primary's frames into the file (bootstrapping it on the first sync).

mod meta;
mod pull;

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::sys::napi_value;
use napi_derive::napi;

use super::binding::error_value;
use super::endpoint::Endpoint;
use super::ops::OpError;
use super::transport::Transport;
use crate::client::error::Failure;
use crate::client::raw::Js;
use pull::Replica;

#[napi]
pub struct NativeReplica {
    transport: Arc<Transport>,
    endpoint: Arc<Endpoint>,
    /// Syncs run one at a time: each continues from where the previous one stopped.
    replica: Arc<tokio::sync::Mutex<Replica>>,
}

#[napi]
impl NativeReplica {
    /// A replica of the primary at `syncUrl` (an `http(s)://` base URL) in the local file
    /// `path`. Nothing is sent until `sync()`.
    #[napi(factory, catch_unwind)]
    pub fn open(env: Env, path: String, sync_url: String, auth_token: Option<String>) -> Result<Self> {
        match Endpoint::parse(&sync_url) {
            Ok(ep) => Ok(Self {
                transport: Arc::new(Transport::new(auth_token)),
                endpoint: Arc::new(ep),
                replica: Arc::new(tokio::sync::Mutex::new(Replica::new(path))),
            }),
            Err(e) => Err(Failure::Coded { code: e.code, message: e.message }.throw(Js::new(env.raw()), None)),
        }
    }

    /// Brings the local file up to the primary: downloads it on the first call if it does not
    /// exist, then applies every new frame. Resolves to `[lastFrameNo | null, framesSynced]`, or
    /// to an `Error` with `code` (`SYNC_SERVER_UNREACHABLE`, `REPLICATION_NOT_SUPPORTED`,
    /// `REPLICA_INVALID`, `REPLICA_TOO_OLD`, an HTTP status error, …).
    #[napi(catch_unwind, ts_return_type = "Promise<[number | null, number] | Error>")]
    pub fn sync<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, napi_value>> {
        let transport = Arc::clone(&self.transport);
        let endpoint = Arc::clone(&self.endpoint);
        let replica = Arc::clone(&self.replica);
        env.spawn_future_with_callback(
            async move { Ok(replica.lock().await.sync(&transport, &endpoint).await) },
            |env, out| {
                let js = Js::new(env.raw());
                match out {
                    Ok(s) => {
                        let arr = js.array(2)?;
                        let frame = match s.frame_no {
                            Some(f) => js.double(f as f64)?,
                            None => js.null()?,
                        };
                        js.set_element(arr, 0, frame)?;
                        js.set_element(arr, 1, js.double(s.frames_synced as f64)?)?;
                        Ok(arr)
                    }
                    Err(e) => error_value(js, OpError::from(e)),
                }
            },
        )
    }

    /// Forgets the local copy (database file, its WAL and the `-info` metadata) so that the
    /// next `sync()` downloads it again; for a replica the primary can no longer bring up to
    /// date. The caller closes its own connections to the file first.
    #[napi(catch_unwind)]
    pub fn reset(&self, env: Env) -> Result<()> {
        let outcome = match self.replica.try_lock() {
            Ok(mut r) => r.reset(),
            Err(_) => Err("a sync is running".to_owned()),
        };
        outcome.map_err(|m| Failure::Coded { code: "REPLICA_INVALID".into(), message: format!("Cannot reset the replica: {m}") }.throw(Js::new(env.raw()), None))
    }

    /// Drops idle connections and the frame writer's database handle once no sync is running.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.transport.close();
        if let Ok(mut r) = self.replica.try_lock() {
            r.close();
        }
    }
}
