//! The server's error classes, with the codes and messages sqld gives.

use crate::sqlite::SqliteError;

use super::proto;

/// The code of a read interrupted on the quick path: never shown, it is run again off it.
pub const QUICK_INTERRUPTED: &str = "ASTRO_DB_QUICK_INTERRUPTED";

/// Why a request failed, by how far the failure reaches.
#[derive(Debug, Clone, PartialEq)]
pub enum ServeError {
    /// The request fails alone; the stream goes on (a `{"type":"error"}` result).
    Stmt(proto::Error),
    /// The client broke the protocol: HTTP 400 with a text body, or the WebSocket is closed.
    Protocol(String),
    /// The token lacks the right (a write with a read-only token): HTTP 403.
    Forbidden(String),
    /// The stream of a baton expired: HTTP 400 with a JSON error.
    StreamExpired,
    /// A server-wide bound was reached (open streams, connections): HTTP 503, try again later.
    Overloaded(String),
}

impl ServeError {
    pub fn stmt(code: &str, message: impl Into<String>) -> Self {
        ServeError::Stmt(proto::Error { message: message.into(), code: code.into() })
    }

    pub fn protocol(message: impl Into<String>) -> Self {
        ServeError::Protocol(message.into())
    }

    pub fn read_only() -> Self {
        ServeError::Forbidden(
            "Authorization forbidden: Current session doesn't not have Write permission to namespace default".into(),
        )
    }
}

/// Errors SQLite raises while preparing: syntax errors read as sqld's parser reports them
/// (`SQL_PARSE_ERROR`), the rest as SQLite errors.
pub fn from_prepare(e: SqliteError) -> ServeError {
    let m = &e.message;
    if e.raw_code == 1 && (m.contains("syntax error") || m.contains("incomplete input") || m.contains("unrecognized token")) {
        return ServeError::stmt("SQL_PARSE_ERROR", format!("SQL string could not be parsed: {m}"));
    }
    from_sqlite(e)
}

/// An SQLite error as sqld reports it: `SQLite error: <message>`, code named after the base code.
pub fn from_sqlite(e: SqliteError) -> ServeError {
    ServeError::stmt(sqlite_code(e.raw_code), format!("SQLite error: {}", e.message))
}

/// sqld names codes through rusqlite's `ErrorCode`, which has no variant for the generic
/// `SQLITE_ERROR` (nor for a few rare ones): clients see `SQLITE_UNKNOWN` for those (e.g.
/// "no such table").
fn sqlite_code(raw: i32) -> &'static str {
    match raw & 0xff {
        0 | 1 | 16 | 24 | 27 | 28 => "SQLITE_UNKNOWN",
        base => crate::sqlite::base_code_name(base).unwrap_or("SQLITE_UNKNOWN"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_like_sqld() {
        let parse = from_prepare(SqliteError::new(1, "near \"selec\": syntax error"));
        assert_eq!(parse, ServeError::stmt("SQL_PARSE_ERROR", "SQL string could not be parsed: near \"selec\": syntax error"));
        let missing = from_prepare(SqliteError::new(1, "no such table: t"));
        assert_eq!(missing, ServeError::stmt("SQLITE_UNKNOWN", "SQLite error: no such table: t"));
        let unique = from_sqlite(SqliteError::new(2067, "UNIQUE constraint failed: t.name"));
        assert_eq!(unique, ServeError::stmt("SQLITE_CONSTRAINT", "SQLite error: UNIQUE constraint failed: t.name"));
    }
}
