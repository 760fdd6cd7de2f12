//! Progress on a terminal: one line on stderr, rewritten at most ten times a second. The
//! caller decides whether there is a terminal (and `--json` turns it off).

use std::io::Write;
use std::time::{Duration, Instant};

pub struct Progress {
    enabled: bool,
    verb: &'static str,
    /// What `rows` counts (`rows`, `statements`).
    unit: &'static str,
    last: Option<Instant>,
    pub tables_done: usize,
    pub tables_total: usize,
    pub rows: u64,
    pub bytes: u64,
}

impl Progress {
    pub fn new(enabled: bool, verb: &'static str, unit: &'static str) -> Self {
        Progress { enabled, verb, unit, last: None, tables_done: 0, tables_total: 0, rows: 0, bytes: 0 }
    }

    /// Redraws when the last redraw is old enough.
    pub fn tick(&mut self) {
        if !self.enabled || self.last.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        self.last = Some(Instant::now());
        self.draw();
    }

    fn draw(&self) {
        let tables = if self.tables_total > 0 { format!(", tables {}/{}", self.tables_done, self.tables_total) } else { String::new() };
        let mb = self.bytes as f64 / 1e6;
        let _ = write!(std::io::stderr(), "\r\x1b[2K{}: {} {}, {mb:.1} MB{tables}", self.verb, self.rows, self.unit);
    }

    /// Draws the final figures and ends the line.
    pub fn finish(&mut self) {
        if self.enabled && self.last.is_some() {
            self.draw();
            let _ = writeln!(std::io::stderr());
        }
    }
}
