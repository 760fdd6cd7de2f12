//! `dump`: the database as SQL text, like `sqlite3 .dump` writes it. The file is written
//! under a temporary name and renamed when complete, so a failed dump never leaves a file
//! that looks whole.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::literal::{ident, write_value, Val};
use super::progress::Progress;
use super::schema;
use super::source::{Scan, Source};
use super::error::DumpError;

#[derive(Default)]
pub struct DumpOptions {
    /// Only these tables (names as configured; any other is an error naming it).
    pub tables: Option<Vec<String>>,
    pub schema_only: bool,
    pub data_only: bool,
    /// `Table: SQL expression` filters (`pull --where`).
    pub filters: Vec<(String, String)>,
    /// At most this many rows per table (`pull --limit`).
    pub limit: Option<u64>,
    pub progress: bool,
}

#[derive(Debug)]
pub struct DumpReport {
    pub tables: Vec<String>,
    pub rows: u64,
    pub bytes: u64,
    /// Objects left out (virtual tables), named.
    pub skipped: Vec<String>,
}

/// Counts what goes through, for the progress line and the report.
struct Counting<W: Write> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn parse_filters(filters: &[(String, String)], tables: &[schema::Table]) -> Result<(), DumpError> {
    for (t, _) in filters {
        if !tables.iter().any(|x| &x.name == t) {
            return Err(DumpError::usage("ASTRO_DB_INVALID_OPTION", format!("--where names table {t:?}, which the database does not have")));
        }
    }
    Ok(())
}

/// Writes the dump of `src` to `path` (created with its directory).
pub async fn dump(src: &mut impl Source, path: &Path, opts: &DumpOptions) -> Result<DumpReport, DumpError> {
    if opts.schema_only && opts.data_only {
        return Err(DumpError::usage("ASTRO_DB_INVALID_OPTION", "--schema-only and --data-only exclude each other"));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DumpError::Io(e).at(&dir.display().to_string()))?;
    }
    let partial = path.with_extension("sql.partial");
    let file = File::create(&partial).map_err(|e| DumpError::Io(e).at(&partial.display().to_string()))?;
    let mut out = Counting { inner: BufWriter::with_capacity(1 << 18, file), bytes: 0 };
    // One read transaction: the dump is one consistent state of the database.
    src.rows("BEGIN").await?;
    let result = body(src, &mut out, opts).await;
    let ended = src.end().await;
    let report = result.and_then(|r| ended.map(|()| r));
    let report = report.and_then(|r| out.flush().map(|()| r).map_err(DumpError::Io));
    drop(out);
    match report {
        Ok(mut r) => {
            r.bytes = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(r.bytes);
            std::fs::rename(&partial, path).map_err(|e| DumpError::Io(e).at(&path.display().to_string()))?;
            Ok(r)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn insert(out: &mut impl Write, prefix: &[u8], vals: &[Val]) -> std::io::Result<()> {
    out.write_all(prefix)?;
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_value(out, *v)?;
    }
    out.write_all(b");\n")
}

async fn body(src: &mut impl Source, out: &mut Counting<BufWriter<File>>, opts: &DumpOptions) -> Result<DumpReport, DumpError> {
    let objects = schema::read(src).await?;
    let mut tables = objects.tables;
    if let Some(wanted) = &opts.tables {
        for w in wanted {
            if !tables.iter().any(|t| &t.name == w) {
                let have: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
                return Err(DumpError::usage("ASTRO_DB_INVALID_OPTION", format!("--tables: no table {w:?} in the database (it has: {})", have.join(", "))));
            }
        }
        tables.retain(|t| wanted.contains(&t.name));
    }
    parse_filters(&opts.filters, &tables)?;
    let io = DumpError::Io;
    let mut progress = Progress::new(opts.progress, "Dumping", "rows");
    progress.tables_total = tables.len();
    // Rows alone carry no transaction of their own: they run inside the seeding transaction
    // (`db/seed.sql`) or any other the reader holds.
    if !opts.data_only {
        writeln!(out, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;").map_err(io)?;
    }
    if !opts.data_only {
        for t in &tables {
            writeln!(out, "{};", t.sql).map_err(io)?;
        }
    }
    let mut rows = 0u64;
    if !opts.schema_only {
        for t in &tables {
            let prefix = format!("INSERT INTO {} VALUES(", ident(&t.name));
            let filter = opts.filters.iter().find(|(n, _)| n == &t.name).map(|(_, f)| f.as_str());
            let scan = Scan { table: &t.name, filter, limit: opts.limit, has_rowid: t.has_rowid };
            src.scan(&scan, &mut |vals: &[Val]| {
                insert(out, prefix.as_bytes(), vals)?;
                rows += 1;
                progress.rows = rows;
                progress.bytes = out.bytes;
                if rows % 1024 == 0 {
                    progress.tick();
                }
                Ok(())
            })
            .await
            .map_err(|e| e.at(&format!("table {}", t.name)))?;
            progress.tables_done += 1;
            progress.tick();
        }
        // AUTOINCREMENT counters, as `sqlite3 .dump` keeps them (a full dump of every table only).
        if objects.has_sequence && opts.tables.is_none() && !opts.data_only {
            writeln!(out, "DELETE FROM sqlite_sequence;").map_err(io)?;
            let scan = Scan { table: "sqlite_sequence", filter: None, limit: None, has_rowid: true };
            src.scan(&scan, &mut |vals: &[Val]| insert(out, b"INSERT INTO sqlite_sequence VALUES(", vals)).await?;
        }
    }
    if !opts.data_only {
        for o in objects.others.iter().filter(|o| tables.iter().any(|t| t.name == o.table) || opts.tables.is_none()) {
            writeln!(out, "{};", o.sql).map_err(io)?;
        }
    }
    if !opts.data_only {
        writeln!(out, "COMMIT;").map_err(io)?;
    }
    progress.bytes = out.bytes;
    progress.finish();
    Ok(DumpReport { tables: tables.into_iter().map(|t| t.name).collect(), rows, bytes: out.bytes, skipped: objects.skipped })
}
