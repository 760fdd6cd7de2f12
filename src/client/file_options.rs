//! `FileOptions`: how JS asks for a database file to be opened (`busyTimeout`,
//! `journalMode`), checked and turned into `sqlite::FileSettings`.

use napi_derive::napi;

use crate::sqlite::{busy_timeout_ms, FileSettings, Journal};

/// How a database file is opened. Every field is optional; the defaults are what
/// production on a file needs (see the README, "Running in production on a file").
#[napi(object)]
#[derive(Default)]
pub struct FileOptions {
    /// Milliseconds a statement waits for a lock held by another connection or process
    /// before failing with `SQLITE_BUSY`. Default 5000; 0 fails at once.
    pub busy_timeout: Option<f64>,
    /// `"wal"` (default): readers never wait for the writer. `"delete"`: the rollback
    /// journal, for filesystems where WAL cannot work (network filesystems).
    #[napi(ts_type = "\"wal\" | \"delete\"")]
    pub journal_mode: Option<String>,
}

impl FileOptions {
    /// The settings these options ask for, with `key` (non-empty) as the encryption key.
    /// The error names the option at fault.
    pub fn settings<'k>(options: Option<&FileOptions>, key: Option<&'k str>) -> Result<FileSettings<'k>, String> {
        let key = key.filter(|k| !k.is_empty()).map(str::as_bytes);
        let Some(o) = options else { return Ok(FileSettings { key, ..Default::default() }) };
        let busy_timeout_ms = o.busy_timeout.map(busy_timeout_ms).transpose()?;
        let journal = o.journal_mode.as_deref().map(Journal::parse).transpose()?.unwrap_or_default();
        Ok(FileSettings { key, busy_timeout_ms, journal })
    }
}
