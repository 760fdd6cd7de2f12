//! An embedded replica's side of libSQL's HTTP sync protocol: `GET /info` (the primary's
//! generation), `GET /export/{generation}` (its database file as the generation began) and
//! `GET /sync/{generation}/{start}/{end}` (WAL frames), applied to the local file's WAL.

use std::path::Path;

use bytes::Bytes;
use hyper::{Method, StatusCode};

use super::meta::{self, Position};
use crate::client::remote::endpoint::Endpoint;
use crate::client::remote::error::RemoteError;
use crate::client::remote::transport::{RawResponse, Transport};
use crate::sqlite::{Checkpoint, Connection};

/// libSQL replicas exchange 4096-byte pages, each behind a 24-byte WAL frame header.
const FRAME_SIZE: usize = 24 + 4096;
/// Frames asked for per request (libSQL's own batch size).
const PULL_BATCH: u32 = 128;
/// Largest frames response accepted: a batch of frames, with room to spare.
const MAX_FRAMES_RESPONSE: usize = 2 * PULL_BATCH as usize * FRAME_SIZE;
/// Largest database file a bootstrap downloads (it is held in memory once).
const MAX_EXPORT: usize = 1024 * 1024 * 1024;
/// Frames of an unfinished transaction kept in memory until its commit frame arrives, so that
/// the local file's write lock is only taken once nothing is left to wait for on the network.
/// A transaction larger than this (64 MiB) is written as it arrives, holding the lock.
const MAX_PENDING_FRAMES: usize = 16 * 1024;

/// What one `sync()` did, as libSQL reports it.
pub struct Synced {
    /// The last frame applied, if any.
    pub frame_no: Option<u32>,
    pub frames_synced: u32,
}

/// The local half of a replica: its file, where it stands, and the connection that writes frames.
pub struct Replica {
    path: String,
    pos: Option<Position>,
    conn: Option<Connection>,
}

// SAFETY: the connection (a raw SQLite handle opened NOMUTEX) is only used by whoever holds the
// replica's mutex, so never by two threads at once.
unsafe impl Send for Replica {}

fn invalid(message: impl Into<String>) -> RemoteError {
    RemoteError::fatal("REPLICA_INVALID", message)
}

/// `n + by`, or an error naming what ran out of range: frame numbers come from the server and
/// from the `-info` file, and a wrapped one would ask for (or apply) the wrong frames.
fn add(n: u32, by: u32, what: &str) -> Result<u32, RemoteError> {
    n.checked_add(by).ok_or_else(|| RemoteError::protocol(format!("The replica's {what} is out of range ({n} + {by})")))
}

fn local(e: crate::sqlite::SqliteError) -> RemoteError {
    RemoteError::fatal(&e.code(), format!("Applying frames to the replica failed: {}", e.message))
}

impl Replica {
    pub fn new(path: String) -> Self {
        Replica { path, pos: None, conn: None }
    }

    /// Where the replica stands: from its metadata, or by downloading the primary's database
    /// into a file that does not exist yet (a file that is not a replica is never overwritten).
    async fn position(&mut self, t: &Transport, ep: &Endpoint) -> Result<Position, RemoteError> {
        if let Some(p) = self.pos {
            return Ok(p);
        }
        let stored = meta::read(&self.path).map_err(invalid)?;
        let has_file = std::fs::metadata(&self.path).map(|m| m.len() > 0).unwrap_or(false);
        let pos = match (stored, has_file) {
            (Some(p), true) => p,
            (Some(_), false) => {
                return Err(invalid(format!(
                    "{} has replica metadata but the database file is missing: delete {} to bootstrap again",
                    self.path,
                    meta::info_path(&self.path)
                )))
            }
            (None, true) => {
                return Err(invalid(format!(
                    "{} already exists and is not an embedded replica (no {}): use a new path for the replica",
                    self.path,
                    meta::info_path(&self.path)
                )))
            }
            (None, false) => self.bootstrap(t, ep).await?,
        };
        self.pos = Some(pos);
        Ok(pos)
    }

    async fn bootstrap(&mut self, t: &Transport, ep: &Endpoint) -> Result<Position, RemoteError> {
        let info = get(t, ep, "/info", MAX_FRAMES_RESPONSE).await?;
        if info.status != StatusCode::OK {
            return Err(unsupported_or_status(t, ep, &info, "/info"));
        }
        let generation = serde_json::from_slice::<serde_json::Value>(&info.body)
            .ok()
            .and_then(|v| v.get("current_generation")?.as_u64())
            .and_then(|g| u32::try_from(g).ok())
            .filter(|g| *g > 0)
            .ok_or_else(|| RemoteError::protocol("The sync server's /info has no valid current_generation"))?;
        let export = get(t, ep, &format!("/export/{generation}"), MAX_EXPORT).await?;
        if export.status != StatusCode::OK {
            return Err(unsupported_or_status(t, ep, &export, "/export"));
        }
        // Created, never replaced: a file that appeared while the export downloaded is the user's.
        meta::write_new(Path::new(&self.path), &export.body).map_err(invalid)?;
        let pos = Position { generation, frame: 0 };
        meta::write(&self.path, pos).map_err(invalid)?;
        Ok(pos)
    }

    fn conn(&mut self) -> Result<&mut Connection, RemoteError> {
        if self.conn.is_none() {
            self.conn = Some(Connection::open(&self.path).map_err(local)?);
        }
        self.conn.as_mut().ok_or_else(|| invalid("replica connection unavailable"))
    }

    /// Pulls and applies every frame the primary has past this replica's position.
    pub async fn sync(&mut self, t: &Transport, ep: &Endpoint) -> Result<Synced, RemoteError> {
        let mut pos = self.position(t, ep).await?;
        let mut applied = 0u32;
        // Frames of a transaction may span requests: they wait in `pending` for their commit
        // frame (or, past MAX_PENDING_FRAMES, an insert session stays open until it).
        let mut next = add(pos.frame, 1, "frame number")?;
        let mut pending: Vec<(u32, Bytes)> = Vec::new();
        let mut in_session = false;
        let outcome: Result<(), RemoteError> = async {
            loop {
                let path = format!("/sync/{}/{}/{}", pos.generation, next, add(next, PULL_BATCH, "frame number")?);
                let r = get(t, ep, &path, MAX_FRAMES_RESPONSE).await?;
                match r.status {
                    StatusCode::OK => {
                        if r.body.is_empty() || r.body.len() % FRAME_SIZE != 0 {
                            return Err(RemoteError::protocol(format!(
                                "The sync server sent {} bytes of frames, not a whole number of {FRAME_SIZE}-byte frames",
                                r.body.len()
                            )));
                        }
                        for at in (0..r.body.len()).step_by(FRAME_SIZE) {
                            let frame = r.body.slice(at..at + FRAME_SIZE);
                            let size_after = u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
                            pending.push((next, frame));
                            if size_after > 0 || pending.len() >= MAX_PENDING_FRAMES {
                                // No await from here to the end of the session.
                                let conn = self.conn()?;
                                if !in_session {
                                    conn.wal_insert_begin().map_err(local)?;
                                    in_session = true;
                                }
                                for (no, f) in pending.drain(..) {
                                    conn.wal_insert_frame(no, &f).map_err(local)?;
                                }
                                if size_after > 0 {
                                    conn.wal_insert_end().map_err(local)?;
                                    in_session = false;
                                    pos.frame = next;
                                }
                            }
                            next = add(next, 1, "frame number")?;
                            applied = applied.saturating_add(1);
                        }
                        meta::write(&self.path, pos).map_err(invalid)?;
                    }
                    StatusCode::BAD_REQUEST | StatusCode::INTERNAL_SERVER_ERROR => {
                        let Some(max) = end_of_generation(&r.body) else {
                            return Err(t.status_error(ep, r.status, &r.content_type, &r.body));
                        };
                        if pos.generation >= max {
                            return Ok(());
                        }
                        // The primary moved on: this generation is complete here, so it becomes the
                        // database file, and the next generation's frames start again at 1.
                        if self.conn()?.checkpoint_truncate().map_err(local)? != Checkpoint::Truncated {
                            return Err(RemoteError::fatal(
                                "SQLITE_BUSY",
                                "The replica's file is busy (an open transaction?): it moves to the primary's next generation at the next sync",
                            ));
                        }
                        pos = Position { generation: add(pos.generation, 1, "generation")?, frame: 0 };
                        next = 1;
                        pending.clear();
                        meta::write(&self.path, pos).map_err(invalid)?;
                    }
                    StatusCode::GONE => {
                        return Err(RemoteError::fatal(
                            "REPLICA_TOO_OLD",
                            format!(
                                "The primary no longer has the frames this replica needs: delete {} and {} to bootstrap it again",
                                self.path,
                                meta::info_path(&self.path)
                            ),
                        ))
                    }
                    StatusCode::NOT_FOUND if r.content_type.starts_with("application/json") => {
                        return Err(invalid(format!(
                            "The primary does not know this replica's generation {} (is it a replica of another database?): delete {} and {} to bootstrap again",
                            pos.generation,
                            self.path,
                            meta::info_path(&self.path)
                        )))
                    }
                    _ => return Err(unsupported_or_status(t, ep, &r, "/sync")),
                }
            }
        }
        .await;
        if in_session {
            // Frames after the last commit are dropped; the next sync asks for them again.
            if let Ok(conn) = self.conn() {
                let _ = conn.wal_insert_end();
            }
        }
        self.pos = Some(pos);
        outcome?;
        Ok(Synced { frame_no: (pos.frame > 0).then_some(pos.frame), frames_synced: applied })
    }

    /// Deletes the local copy and its metadata; the next sync bootstraps.
    pub fn reset(&mut self) -> Result<(), String> {
        self.conn = None;
        self.pos = None;
        // The metadata goes last: a crash half-way leaves it, and its error says to delete it.
        for suffix in ["-wal", "-shm", "", "-info"] {
            let file = format!("{}{suffix}", self.path);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot delete {file}: {e}")),
            }
        }
        Ok(())
    }

    /// Lets go of the file (the JS side deletes a temporary replica afterwards).
    pub fn close(&mut self) {
        self.conn = None;
    }
}

/// One GET; a primary that is briefly busy (503, e.g. during its checkpoint) is asked again
/// with growing pauses, as libSQL's replicas do.
async fn get(t: &Transport, ep: &Endpoint, path: &str, max: usize) -> Result<RawResponse, RemoteError> {
    let mut pause = std::time::Duration::from_millis(100);
    let mut attempt = 0;
    loop {
        let r = t.exchange(ep, Method::GET, path, "application/json", &[], Bytes::new(), max).await.map_err(|e| {
            if e.code == "SERVER_UNREACHABLE" {
                RemoteError::fatal("SYNC_SERVER_UNREACHABLE", format!("Cannot sync the embedded replica: {}", e.message))
            } else {
                e
            }
        })?;
        if r.status != StatusCode::SERVICE_UNAVAILABLE || attempt == 5 {
            return Ok(r);
        }
        tokio::time::sleep(pause).await;
        pause *= 2;
        attempt += 1;
    }
}

/// `{"generation": N}`: the answer to a pull past the end of a generation.
fn end_of_generation(body: &[u8]) -> Option<u32> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    u32::try_from(v.get("generation")?.as_u64()?).ok()
}

fn unsupported_or_status(t: &Transport, ep: &Endpoint, r: &RawResponse, route: &str) -> RemoteError {
    if r.status == StatusCode::NOT_FOUND || r.status == StatusCode::METHOD_NOT_ALLOWED {
        return RemoteError::fatal(
            "REPLICATION_NOT_SUPPORTED",
            format!(
                "The sync server at {} does not speak libSQL's HTTP sync protocol (HTTP {} for {route}). \
                 Embedded replicas need a primary that does, such as `astro-db serve` or Turso; \
                 any libSQL server can be used directly as a remote URL instead.",
                ep.display(),
                r.status.as_u16()
            ),
        );
    }
    t.status_error(ep, r.status, &r.content_type, &r.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_number_at_the_end_of_its_range_is_an_error_not_a_wrap() {
        let dir = std::env::temp_dir().join(format!("astro-db-pull-wrap-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("r.db").to_string_lossy().into_owned();
        Connection::open(&db).unwrap().execute_script("CREATE TABLE t (x)").unwrap();
        meta::write(&db, Position { generation: 1, frame: u32::MAX }).unwrap();
        // Nothing listens there: the error must come before any request.
        let ep = Endpoint::parse("http://127.0.0.1:9").unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let err = rt.block_on(Replica::new(db).sync(&Transport::new(None), &ep)).err().expect("sync succeeded");
        assert!(err.message.contains("out of range"), "{}", err.message);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
