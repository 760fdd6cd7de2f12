//! Binding a Hrana statement's arguments to a prepared statement, the way sqld does.

use crate::sqlite::Statement;

use super::error::ServeError;
use super::proto::{Stmt, Value};

fn args_invalid(detail: impl std::fmt::Display) -> ServeError {
    ServeError::stmt("ARGS_INVALID", format!("Arguments do not match SQL parameters: {detail}"))
}

/// Binds arguments the way sqld does: `?NNN` by position, `:name` by name with or without
/// its prefix; a missing value is an error (except under `EXPLAIN`).
pub fn bind(s: &mut Statement, stmt: &Stmt) -> Result<(), ServeError> {
    let count = s.parameter_count();
    let given = if stmt.named_args.is_empty() { stmt.args.len() } else { stmt.named_args.len() };
    if given > count {
        return Err(args_invalid(format_args!("too many parameters, expected {count} found {given}")));
    }
    let positional = stmt.named_args.is_empty();
    for idx in 1..=count {
        let (found, name): (Option<&Value>, Option<String>) = match s.parameter_name(idx) {
            Some(name) => {
                let found = if let Some(pos) = name.strip_prefix('?') {
                    let pos: usize = pos.parse().map_err(|_| args_invalid(format_args!("invalid parameter {name}")))?;
                    if positional { pos.checked_sub(1).and_then(|p| stmt.args.get(p)) } else { None }
                } else {
                    let bare = name.get(1..).unwrap_or("");
                    stmt.named_args.iter().find(|a| a.name == name || a.name == bare).map(|a| &a.value)
                };
                (found, Some(name.to_owned()))
            }
            None => (if positional { stmt.args.get(idx - 1) } else { None }, None),
        };
        let Some(v) = found else {
            if s.is_explain() {
                return Ok(());
            }
            let what = name.unwrap_or_else(|| idx.to_string());
            return Err(args_invalid(format_args!("value for parameter {what} not found")));
        };
        let r = match v {
            Value::Null => s.bind_null(idx),
            Value::Integer(i) => s.bind_int(idx, *i),
            Value::Float(f) => s.bind_real(idx, *f),
            Value::Text(t) => s.bind_text(idx, t.as_bytes()),
            Value::Blob(b) => s.bind_blob(idx, b),
        };
        r.map_err(args_invalid)?;
    }
    Ok(())
}
