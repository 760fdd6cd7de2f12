//! Where a dump reads from: a local file (rows streamed straight from SQLite's buffers) or a
//! libSQL server (pages of rows inside one read transaction, so the dump is one snapshot).

use super::literal::{from_wire, ident, Val};
use super::error::DumpError;
use crate::client::RemoteSession;
use crate::hrana::Value;
use crate::sqlite::Connection;

/// Rows a server sends per request: small enough to keep memory flat, large enough that the
/// round trips do not dominate.
const PAGE_ROWS: i64 = 2_000;

/// A table scan: which rows, and in which table.
pub struct Scan<'a> {
    pub table: &'a str,
    /// A SQL expression the rows must satisfy (`pull --where`).
    pub filter: Option<&'a str>,
    pub limit: Option<u64>,
    /// The table has a rowid to page on (not `WITHOUT ROWID`, `_rowid_` not a column).
    pub has_rowid: bool,
}

impl Scan<'_> {
    fn select(&self, columns: &str, extra: Option<&str>, tail: &str) -> String {
        let conds: Vec<String> = self.filter.map(|f| format!("({f})")).into_iter().chain(extra.map(String::from)).collect();
        let wh = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
        format!("SELECT {columns} FROM {}{wh}{tail}", ident(self.table))
    }
}

#[allow(async_fn_in_trait)]
pub trait Source {
    /// Rows of a small read (the schema), each value as text (`None` for NULL).
    async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DumpError>;
    /// Calls `row` for every row of the scan, in rowid order where there is one.
    async fn scan(&mut self, scan: &Scan<'_>, row: &mut (dyn FnMut(&[Val]) -> std::io::Result<()> + Send)) -> Result<(), DumpError>;
    /// Ends the read (the remote transaction).
    async fn end(&mut self) -> Result<(), DumpError>;
}

fn text(v: Val) -> Option<String> {
    match v {
        Val::Null => None,
        Val::Integer(i) => Some(i.to_string()),
        Val::Real(f) => Some(f.to_string()),
        Val::Text(t) | Val::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

impl Source for Connection {
    async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DumpError> {
        let mut out = Vec::new();
        local_each(self, sql, &mut |r| {
            out.push(r.iter().map(|v| text(*v)).collect());
            Ok(())
        })?;
        Ok(out)
    }

    async fn scan(&mut self, scan: &Scan<'_>, row: &mut (dyn FnMut(&[Val]) -> std::io::Result<()> + Send)) -> Result<(), DumpError> {
        let tail = scan.limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
        let order = if scan.has_rowid && scan.limit.is_some() { " ORDER BY _rowid_" } else { "" };
        local_each(self, &scan.select("*", None, &format!("{order}{tail}")), row)
    }

    async fn end(&mut self) -> Result<(), DumpError> {
        self.execute_script("COMMIT").map_err(DumpError::sqlite)
    }
}

fn local_each(conn: &mut Connection, sql: &str, row: &mut (dyn FnMut(&[Val]) -> std::io::Result<()> + Send)) -> Result<(), DumpError> {
    let Some(mut stmt) = conn.prepare(sql).map_err(DumpError::sqlite)? else { return Ok(()) };
    let width = stmt.column_count();
    while stmt.step().map_err(DumpError::sqlite)? {
        // Borrowed from SQLite's row buffers: valid until the next step.
        let vals: Vec<Val> = (0..width).map(|i| stmt.column(i)).collect();
        row(&vals).map_err(DumpError::Io)?;
    }
    Ok(())
}

impl Source for RemoteSession {
    async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DumpError> {
        let rows = self.query(sql, Vec::new()).await?;
        Ok(rows.iter().map(|r| r.iter().map(|v| text(from_wire(v))).collect()).collect())
    }

    async fn scan(&mut self, scan: &Scan<'_>, row: &mut (dyn FnMut(&[Val]) -> std::io::Result<()> + Send)) -> Result<(), DumpError> {
        let mut left = scan.limit.map(|n| n.min(i64::MAX as u64) as i64);
        let mut after: Option<i64> = None;
        let mut offset: i64 = 0;
        loop {
            let page = left.map_or(PAGE_ROWS, |l| l.min(PAGE_ROWS));
            if page == 0 {
                return Ok(());
            }
            // Keyset paging on the rowid: each page costs the same however deep it is.
            // Tables without one page by offset (inside the transaction, nothing moves).
            let (sql, args) = if scan.has_rowid {
                let cond = after.map(|_| "_rowid_ > ?");
                let args = after.map(|a| vec![Value::Integer(a)]).unwrap_or_default();
                (scan.select("_rowid_, *", cond, &format!(" ORDER BY _rowid_ LIMIT {page}")), args)
            } else {
                (scan.select("*", None, &format!(" LIMIT {page} OFFSET {offset}")), Vec::new())
            };
            let rows = self.query(&sql, args).await?;
            let skip = scan.has_rowid as usize;
            let mut vals: Vec<Val> = Vec::new();
            for r in &rows {
                if let Some(Value::Integer(id)) = r.first() {
                    after = Some(*id);
                }
                vals.clear();
                vals.extend(r[skip.min(r.len())..].iter().map(from_wire));
                row(&vals).map_err(DumpError::Io)?;
            }
            let got = rows.len() as i64;
            offset += got;
            left = left.map(|l| l - got);
            if got < page {
                return Ok(());
            }
        }
    }

    async fn end(&mut self) -> Result<(), DumpError> {
        self.finish("ROLLBACK").await.map_err(DumpError::from)
    }
}
