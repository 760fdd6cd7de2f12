//! Failures of the remote client, with the `code` `@libsql/client` would give them.

use std::fmt;

/// A remote failure: a server-reported SQL error, an HTTP status, or a network problem.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteError {
    /// `LibsqlError.code`, e.g. `SQLITE_CONSTRAINT`, `SERVER_ERROR`, `SERVER_UNREACHABLE`.
    pub code: String,
    pub message: String,
    /// True when the stream cannot be used afterwards (transport and protocol failures).
    pub fatal: bool,
}

impl RemoteError {
    /// An error the server reported for one statement; the stream stays usable.
    pub fn server(e: super::proto::Error) -> Self {
        RemoteError { code: e.code.unwrap_or_else(|| "UNKNOWN".into()), message: e.message, fatal: false }
    }

    /// A failure after which the stream is gone.
    pub fn fatal(code: &str, message: impl Into<String>) -> Self {
        RemoteError { code: code.into(), message: message.into(), fatal: true }
    }

    /// A malformed or unexpected response.
    pub fn protocol(message: impl Into<String>) -> Self {
        Self::fatal("HRANA_PROTO_ERROR", message)
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}
