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
    /// The extended SQLite code (`SQLITE_CONSTRAINT_NOTNULL`…) where it can be known: Hrana
    /// servers report only the base code, so a constraint's kind is read from SQLite's own
    /// wording here, once, and the JS layer chooses hints by code alone.
    pub extended_code: Option<String>,
    /// The HTTP status of a refused request (401, 403, …), as `@libsql/client`'s `status`.
    pub status: Option<u16>,
}

impl RemoteError {
    /// An error the server reported for one statement; the stream stays usable.
    pub fn server(e: super::proto::Error) -> Self {
        let code = e.code.unwrap_or_else(|| "UNKNOWN".into());
        let extended_code = constraint_kind(&code, &e.message).map(str::to_owned);
        RemoteError { code, message: e.message, fatal: false, extended_code, status: None }
    }

    /// An error whose stream stays usable, with a code of the client's own.
    pub fn statement(code: &str, message: impl Into<String>) -> Self {
        RemoteError { code: code.into(), message: message.into(), fatal: false, extended_code: None, status: None }
    }

    /// A failure after which the stream is gone.
    pub fn fatal(code: &str, message: impl Into<String>) -> Self {
        RemoteError { code: code.into(), message: message.into(), fatal: true, extended_code: None, status: None }
    }

    /// A malformed or unexpected response.
    pub fn protocol(message: impl Into<String>) -> Self {
        Self::fatal("HRANA_PROTO_ERROR", message)
    }
}

/// The extended code SQLite would have given a constraint failure, from the message SQLite
/// writes for it (the only trace of it a Hrana error carries).
fn constraint_kind(code: &str, message: &str) -> Option<&'static str> {
    if code != "SQLITE_CONSTRAINT" {
        return None;
    }
    const KINDS: [(&str, &str); 5] = [
        ("NOT NULL constraint failed", "SQLITE_CONSTRAINT_NOTNULL"),
        ("UNIQUE constraint failed", "SQLITE_CONSTRAINT_UNIQUE"),
        ("CHECK constraint failed", "SQLITE_CONSTRAINT_CHECK"),
        ("FOREIGN KEY constraint failed", "SQLITE_CONSTRAINT_FOREIGNKEY"),
        ("PRIMARY KEY constraint failed", "SQLITE_CONSTRAINT_PRIMARYKEY"),
    ];
    KINDS.iter().find(|(text, _)| message.contains(text)).map(|(_, kind)| *kind)
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: &str, message: &str) -> RemoteError {
        RemoteError::server(super::super::proto::Error { message: message.into(), code: Some(code.into()) })
    }

    #[test]
    fn constraint_failures_carry_their_extended_code() {
        let cases = [
            ("SQLite error: NOT NULL constraint failed: T.a", Some("SQLITE_CONSTRAINT_NOTNULL")),
            ("SQLite error: UNIQUE constraint failed: T.a", Some("SQLITE_CONSTRAINT_UNIQUE")),
            ("SQLite error: CHECK constraint failed: a > 0", Some("SQLITE_CONSTRAINT_CHECK")),
            ("SQLite error: FOREIGN KEY constraint failed", Some("SQLITE_CONSTRAINT_FOREIGNKEY")),
            ("SQLite error: something else", None),
        ];
        for (message, kind) in cases {
            assert_eq!(server("SQLITE_CONSTRAINT", message).extended_code.as_deref(), kind, "{message}");
        }
        // Only a constraint code is refined: the words elsewhere mean nothing.
        assert_eq!(server("SQLITE_ERROR", "NOT NULL constraint failed").extended_code, None);
    }
}
