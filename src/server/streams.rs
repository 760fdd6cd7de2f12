//! HTTP streams kept between requests, addressed by batons, and the connection pool.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::error::ServeError;
use super::exec::{Db, Sqls};
use super::gate::Gate;
use super::limits::Limits;
use super::quick::Quick;

/// An idle stream dies this long after its last request (sqld: 10 s); its transaction rolls back.
pub const EXPIRATION: Duration = Duration::from_secs(10);
/// Expired streams are remembered this long so their batons report "expired", not "invalid".
const FORGET_AFTER: Duration = Duration::from_secs(300);
/// Idle connections kept for new streams: opening one and re-reading the schema costs more
/// than a point select.
const POOL_SIZE: usize = 16;

/// A stream's state between HTTP requests.
#[derive(Default)]
pub struct HttpStream {
    /// Opened on first use.
    pub db: Option<Db>,
    pub sqls: Sqls,
    pub closed: bool,
}

enum Slot {
    Idle { stream: Box<HttpStream>, seq: u64, secret: u64, expires: Instant },
    Busy { seq: u64, secret: u64 },
    Expired { since: Instant },
}

/// The database file and its connections.
pub struct Pool {
    path: String,
    idle: Mutex<Vec<Db>>,
    gate: Arc<Gate>,
    limits: Arc<Limits>,
    quick: Arc<Quick>,
}

impl Pool {
    pub fn new(path: String, gate: Arc<Gate>, limits: Arc<Limits>) -> Self {
        Self { path, idle: Mutex::new(Vec::new()), gate, limits, quick: Arc::default() }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn get(&self) -> Result<Db, ServeError> {
        if let Some(mut db) = self.idle.lock().ok().and_then(|mut v| v.pop()) {
            db.reset_budget();
            return Ok(db);
        }
        Db::open_gated(&self.path, Some(self.gate.clone()), self.limits.clone(), self.quick.clone()).map_err(super::error::from_sqlite)
    }

    /// Keeps a connection for the next client only when it is as it came: no transaction
    /// open (dropping it rolls back) and no state of its own (pragmas set, databases
    /// attached, temp objects; the authorizer saw them compile). Otherwise it closes.
    pub fn put(&self, db: Db) {
        if !db.is_autocommit() || db.is_dirty() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < POOL_SIZE {
                idle.push(db);
            }
        }
    }

    pub fn clear(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}

/// All HTTP streams of a server.
pub struct Streams {
    state: Mutex<State>,
    /// Streams open at once (each may hold a connection and a transaction).
    max: usize,
}

#[derive(Default)]
struct State {
    next_id: u64,
    slots: HashMap<u64, Slot>,
}

fn invalid() -> ServeError {
    ServeError::protocol("Received an invalid baton")
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    // A baton is a capability: it must not be guessable. Without entropy, fall back on the
    // clock rather than fail the request.
    if getrandom::fill(&mut b).is_err() {
        return Instant::now().elapsed().as_nanos() as u64 ^ 0x9e37_79b9_7f4a_7c15;
    }
    u64::from_le_bytes(b)
}

fn baton(id: u64, seq: u64, secret: u64) -> String {
    format!("{id:x}.{seq:x}.{secret:x}")
}

impl Streams {
    pub fn new(max: usize) -> Self {
        Self { state: Mutex::default(), max }
    }

    /// Takes the stream a baton names (or a new one), marking it busy until [`Streams::release`].
    pub fn acquire(&self, baton: Option<&str>) -> Result<(u64, Box<HttpStream>), ServeError> {
        let mut st = self.state.lock().map_err(|_| ServeError::protocol("server state poisoned"))?;
        let Some(baton) = baton else {
            let open = st.slots.values().filter(|s| !matches!(s, Slot::Expired { .. })).count();
            if open >= self.max {
                return Err(ServeError::Overloaded(format!(
                    "Too many open streams ({open}): close streams (or let them expire) before opening more"
                )));
            }
            st.next_id += 1;
            let id = st.next_id;
            st.slots.insert(id, Slot::Busy { seq: 0, secret: random_u64() });
            return Ok((id, Box::default()));
        };
        let mut parts = baton.split('.');
        let mut num = || parts.next().and_then(|p| u64::from_str_radix(p, 16).ok());
        let (Some(id), Some(seq), Some(secret)) = (num(), num(), num()) else {
            return Err(invalid());
        };
        let slot = st.slots.get_mut(&id).ok_or_else(invalid)?;
        match slot {
            Slot::Expired { .. } => Err(ServeError::StreamExpired),
            Slot::Busy { secret: k, .. } | Slot::Idle { secret: k, .. } if *k != secret => Err(invalid()),
            Slot::Busy { .. } => Err(ServeError::protocol("Received a baton that has already been used")),
            Slot::Idle { seq: s, .. } if *s != seq => Err(ServeError::protocol("Received a baton that has already been used")),
            Slot::Idle { .. } => {
                let Slot::Idle { stream, .. } = std::mem::replace(slot, Slot::Busy { seq, secret }) else {
                    return Err(invalid());
                };
                Ok((id, stream))
            }
        }
    }

    /// The baton [`Streams::release`] will hand out for a busy stream that stays open (a
    /// cursor sends it before its entries).
    pub fn next_baton(&self, id: u64) -> Option<String> {
        let st = self.state.lock().ok()?;
        match st.slots.get(&id) {
            Some(Slot::Busy { seq, secret }) => Some(baton(id, *seq + 1, *secret)),
            _ => None,
        }
    }

    /// Puts a stream back after a request; returns the baton for the next one, or `None`
    /// when the stream was closed (its connection then goes back to the pool).
    pub fn release(&self, id: u64, mut stream: Box<HttpStream>, pool: &Pool) -> Option<String> {
        let Ok(mut st) = self.state.lock() else { return None };
        // The secret stays for the stream's life; the sequence number makes each baton single-use.
        let (seq, secret) = match st.slots.get(&id) {
            Some(Slot::Busy { seq, secret }) => (*seq + 1, *secret),
            _ => (0, random_u64()),
        };
        if stream.closed {
            st.slots.remove(&id);
            drop(st);
            if let Some(db) = stream.db.take() {
                pool.put(db);
            }
            return None;
        }
        st.slots.insert(id, Slot::Idle { stream, seq, secret, expires: Instant::now() + EXPIRATION });
        Some(baton(id, seq, secret))
    }

    /// Forgets a stream whose request failed: its connection closes and rolls back.
    pub fn discard(&self, id: u64) {
        if let Ok(mut st) = self.state.lock() {
            st.slots.remove(&id);
        }
    }

    /// Expires idle streams; run about once a second.
    pub fn sweep(&self) {
        let now = Instant::now();
        let mut dropped = Vec::new();
        if let Ok(mut st) = self.state.lock() {
            st.slots.retain(|_, slot| !matches!(slot, Slot::Expired { since } if now.duration_since(*since) > FORGET_AFTER));
            for slot in st.slots.values_mut() {
                // A client renewing its baton keeps the stream, not a transaction past its time.
                if let Slot::Idle { stream, .. } = slot {
                    if let Some(db) = stream.db.as_mut().filter(|db| db.is_stale(now)) {
                        db.expire();
                    }
                }
                if matches!(slot, Slot::Idle { expires, .. } if *expires <= now) {
                    if let Slot::Idle { stream, .. } = std::mem::replace(slot, Slot::Expired { since: now }) {
                        dropped.push(stream);
                    }
                }
            }
        }
        // Closing connections (and rolling back) happens outside the lock.
        drop(dropped);
    }

    /// Drops every stream (shutdown): open transactions roll back.
    pub fn clear(&self) {
        let slots = self.state.lock().map(|mut st| std::mem::take(&mut st.slots));
        drop(slots);
    }
}
