//! The first step of an embedded replica: asking the sync server whether it offers
//! replication at all. This client does not replicate (libsql's `replication`/`sync`
//! features would double the build), so the answer only decides which clear error to give.

use bytes::Bytes;
use hyper::{Method, StatusCode};

use super::endpoint::Endpoint;
use super::error::RemoteError;
use super::transport::Transport;

/// What the sync server said to a replication handshake.
#[derive(Debug, PartialEq)]
pub enum Probe {
    /// It answered like sqld's replication service (gRPC-web `Hello`, or `/info` for `offline`).
    Replicates,
    /// It answered, but not as a replication service (HTTP status given).
    NoReplication(u16),
}

/// Sends sqld's replication handshake: for `offline` replicas the sync protocol's `GET /info`,
/// otherwise gRPC-web `ReplicationLog/Hello` (what libsql's replicas send, over HTTP/1.1).
pub async fn probe(transport: &Transport, ep: &Endpoint, offline: bool) -> Result<Probe, RemoteError> {
    let raw = if offline {
        transport.exchange(ep, Method::GET, "/info", "application/json", &[], Bytes::new()).await?
    } else {
        // An empty `HelloRequest` in one gRPC frame: flag 0, length 0.
        let frame = Bytes::from_static(&[0, 0, 0, 0, 0]);
        let headers = [("x-grpc-web", "1"), ("accept", "application/grpc-web+proto")];
        transport.exchange(ep, Method::POST, "/wal_log.ReplicationLog/Hello", "application/grpc-web+proto", &headers, frame).await?
    };
    match raw.status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(transport.status_error(ep, raw.status, &raw.content_type, &raw.body)),
        StatusCode::OK if offline && raw.content_type.starts_with("application/json") => Ok(Probe::Replicates),
        StatusCode::OK if !offline && raw.content_type.starts_with("application/grpc") => Ok(Probe::Replicates),
        status => Ok(Probe::NoReplication(status.as_u16())),
    }
}

/// The error a replica reports, given the probe's outcome.
pub fn replica_error(ep: &Endpoint, probe: Result<Probe, RemoteError>) -> RemoteError {
    let url = ep.display();
    match probe {
        Err(e) if e.code == "SERVER_UNREACHABLE" => RemoteError::fatal(
            "SYNC_SERVER_UNREACHABLE",
            format!("Cannot sync the embedded replica: {}", e.message),
        ),
        Err(e) => e,
        Ok(Probe::NoReplication(status)) => RemoteError::fatal(
            "REPLICATION_NOT_SUPPORTED",
            format!(
                "The sync server at {url} does not offer libSQL replication (HTTP {status} to the replication handshake). \
                 Embedded replicas need a sqld or Turso primary (`astro-db serve` only serves `offline: true` \
                 replicas); a plain Hrana server can be used directly as a remote URL instead of as syncUrl."
            ),
        ),
        Ok(Probe::Replicates) => RemoteError::fatal(
            "REPLICATION_NOT_SUPPORTED",
            format!(
                "The sync server at {url} offers replication, but @astrojs/db/client cannot run embedded replicas yet. \
                 Use the server's URL directly as a remote database."
            ),
        ),
    }
}
