//! The engine's executor over a local database file.

use super::executor::{ExecError, Executor, Rows};
use crate::sqlite::{ColumnValue, Connection, SqliteError};

impl From<SqliteError> for ExecError {
    fn from(e: SqliteError) -> Self {
        ExecError { extended_code: Some(e.extended_code()), ..ExecError::new(&e.code(), e.message) }
    }
}

fn rows(conn: &mut Connection, sql: &str) -> Result<Rows, SqliteError> {
    let Some(mut c) = conn.acquire(sql)? else { return Ok(Vec::new()) };
    let width = c.stmt.column_count();
    let mut out = Vec::new();
    let result = loop {
        match c.stmt.step() {
            Ok(true) => out.push(
                (0..width)
                    .map(|i| match c.stmt.column(i) {
                        ColumnValue::Text(t) | ColumnValue::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
                        ColumnValue::Integer(i) => Some(i.to_string()),
                        ColumnValue::Real(f) => Some(f.to_string()),
                        ColumnValue::Null => None,
                    })
                    .collect(),
            ),
            Ok(false) => break Ok(out),
            Err(e) => break Err(e),
        }
    };
    conn.release(c);
    result
}

impl Executor for Connection {
    async fn read(&mut self, prelude: &[String], queries: &[String]) -> Result<Vec<Result<Rows, ExecError>>, ExecError> {
        if prelude.is_empty() {
            return Ok(queries.iter().map(|q| rows(self, q).map_err(ExecError::from)).collect());
        }
        self.execute_script("BEGIN")?;
        let mut out = Ok(());
        for p in prelude {
            out = out.and_then(|()| self.execute_script(p));
        }
        let results = match out {
            Ok(()) => Ok(queries.iter().map(|q| rows(self, q).map_err(ExecError::from)).collect()),
            Err(e) => Err(ExecError::from(e)),
        };
        let _ = self.execute_script("ROLLBACK");
        results
    }

    async fn write(&mut self, statements: &[String], foreign_keys_off: bool) -> Result<(), ExecError> {
        if foreign_keys_off {
            self.execute_script("PRAGMA foreign_keys = OFF")?;
        }
        let mut result = self.execute_script("BEGIN IMMEDIATE").map_err(ExecError::from);
        if result.is_ok() {
            for (i, s) in statements.iter().enumerate() {
                if let Err(e) = self.execute_script(s) {
                    result = Err(ExecError { statement: Some(i), ..e.into() });
                    break;
                }
            }
        }
        if result.is_ok() {
            result = self.execute_script("COMMIT").map_err(ExecError::from);
        }
        if result.is_err() && !self.is_autocommit() {
            let _ = self.execute_script("ROLLBACK");
        }
        if foreign_keys_off {
            let _ = self.execute_script("PRAGMA foreign_keys = ON");
        }
        result
    }
}
