//! The bounds a server puts on its clients, with sqld's defaults where sqld has one.

use std::time::Duration;

/// sqld: 10 MB per statement result.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 10 * 1024 * 1024;
/// sqld: 32 MB for all the results of one request.
pub const DEFAULT_MAX_TOTAL_RESPONSE_SIZE: u64 = 32 * 1024 * 1024;
/// No statement of a dev server has a reason to run longer; a runaway one holds a thread.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(10);
/// sqld rolls back a transaction open longer than this, so it cannot hold the write lock (or
/// here, the sync checkpoint gate) forever.
pub const DEFAULT_TXN_TIMEOUT: Duration = Duration::from_secs(5);
/// sqld: 128 concurrent connections. Here: WebSocket connections and open HTTP streams each.
pub const DEFAULT_MAX_CONNECTIONS: usize = 128;
/// TCP connections at once (each costs a task and a socket); beyond, new ones wait in the
/// kernel's backlog until one closes.
pub const MAX_TCP_CONNECTIONS: usize = 1024;
/// A client has this long to send its request headers (slow-header floods).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// A WebSocket client has this long to say hello.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// A WebSocket connection that sends nothing for this long is closed (sqld closes idle
/// streams after 10 s on HTTP; a socket idles longer between a page's queries).
pub const WS_IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Bytes a WebSocket connection may have queued for sending before it is closed.
pub const WS_MAX_WRITE_BUFFER: usize = 48 * 1024 * 1024;

/// What a server allows; one per server, shared by its connections.
#[derive(Debug, Clone)]
pub struct Limits {
    pub query_timeout: Duration,
    pub txn_timeout: Duration,
    pub max_response_size: u64,
    pub max_total_response_size: u64,
    pub max_connections: usize,
    /// `ATTACH`/`DETACH` reach any file the server's user can: off unless asked for.
    pub allow_attach: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            query_timeout: DEFAULT_QUERY_TIMEOUT,
            txn_timeout: DEFAULT_TXN_TIMEOUT,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            max_total_response_size: DEFAULT_MAX_TOTAL_RESPONSE_SIZE,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            allow_attach: false,
        }
    }
}
