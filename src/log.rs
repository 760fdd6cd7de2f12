//! Native logs, off unless `ASTRO_DB_LOG` names a level (`error`, `warn`, `info`, `debug`,
//! `trace`; `1`/`true` mean `debug`). A small `tracing::Subscriber` of our own: one line per
//! event, and one per span when it closes, with its duration.
//!
//! Lines go straight to file descriptor 2, each with one `write` call, rather than through
//! Node's `process.stderr`: events come from tokio worker threads (remote requests, `serve`)
//! where calling into JS would need a thread-safe function and an idle event loop, so a log
//! could arrive late or never (exactly when something hangs); one write per line keeps lines
//! whole when JS writes to the same stderr.
//!
//! Off costs nothing measurable: no subscriber is installed, so `tracing`'s global max level
//! stays `OFF` and every macro is one relaxed atomic load and a compare; timings are only
//! taken under `enabled!` (see `bench/client.mjs`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// `Some(now)` when debug logs are on, so that timings cost nothing when they are off.
pub fn debug_timer() -> Option<Instant> {
    tracing::enabled!(Level::DEBUG).then(Instant::now)
}

/// Milliseconds since `start`, for a `ms` field.
pub fn ms(start: Instant) -> f64 {
    (start.elapsed().as_secs_f64() * 100_000.0).round() / 100.0
}

/// The level `ASTRO_DB_LOG` asks for; `None` for off or unset.
pub fn level_from(value: Option<&str>) -> Option<Level> {
    match value?.trim().to_ascii_lowercase().as_str() {
        "error" => Some(Level::ERROR),
        "warn" => Some(Level::WARN),
        "info" => Some(Level::INFO),
        "debug" | "1" | "true" => Some(Level::DEBUG),
        "trace" => Some(Level::TRACE),
        _ => None,
    }
}

/// Installs the subscriber when `ASTRO_DB_LOG` asks for logs (once, when the addon loads).
pub fn init_from_env() {
    if let Some(level) = level_from(std::env::var("ASTRO_DB_LOG").ok().as_deref()) {
        // Another subscriber (an embedding program's) wins; ours is then not needed.
        let _ = tracing::subscriber::set_global_default(StderrLog::new(level));
    }
}

/// The target prefix of this crate's events (`astro_db::client::local`, …).
const CRATE: &str = "astro_db";

struct OpenSpan {
    name: &'static str,
    level: Level,
    target: &'static str,
    fields: String,
    start: Instant,
}

/// Writes events and closed spans to stderr.
pub struct StderrLog {
    max: Level,
    next: AtomicU64,
    spans: Mutex<HashMap<u64, OpenSpan>>,
    /// Where a finished line goes: stderr, or a test's buffer.
    sink: fn(&str),
}

fn to_stderr(line: &str) {
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

impl StderrLog {
    pub fn new(max: Level) -> Self {
        StderrLog { max, next: AtomicU64::new(1), spans: Mutex::new(HashMap::new()), sink: to_stderr }
    }

    fn write_line(&self, level: Level, target: &str, text: &str) {
        let mut line = String::with_capacity(64 + text.len());
        let _ = write!(line, "[astro-db] {} {:<5} {}: {}", clock(), level, short_target(target), text);
        line.push('\n');
        (self.sink)(&line);
    }
}

/// `astro_db::client::remote::transport` → `client::remote::transport`.
fn short_target(target: &str) -> &str {
    target.strip_prefix("astro_db::").unwrap_or(target)
}

/// UTC wall-clock time of day, `HH:MM:SS.mmm`.
fn clock() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let ms = now.as_millis() % 86_400_000;
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// Fields as `name=value`; `message` first and bare.
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }
}

impl Subscriber for StderrLog {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.enabled(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        // Our own events only: a dependency's would be noise, and their callsites stay off.
        *meta.level() <= self.max && meta.target().starts_with(CRATE)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::from_level(self.max))
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields::default();
        span.record(&mut fields);
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let meta = span.metadata();
        let open = OpenSpan { name: meta.name(), level: *meta.level(), target: meta.target(), fields: fields.rest, start: Instant::now() };
        if let Ok(mut spans) = self.spans.lock() {
            spans.insert(id, open);
        }
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        if let Ok(mut spans) = self.spans.lock() {
            if let Some(open) = spans.get_mut(&span.into_u64()) {
                open.fields.push_str(&fields.rest);
            }
        }
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let meta = event.metadata();
        self.write_line(*meta.level(), meta.target(), &format!("{}{}", fields.message, fields.rest));
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}

    fn try_close(&self, id: Id) -> bool {
        let open = self.spans.lock().ok().and_then(|mut s| s.remove(&id.into_u64()));
        if let Some(s) = open {
            let ms = s.start.elapsed().as_secs_f64() * 1000.0;
            self.write_line(s.level, s.target, &format!("{}{} ms={ms:.2}", s.name, s.fields));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_from_the_variable() {
        assert_eq!(level_from(None), None);
        assert_eq!(level_from(Some("")), None);
        assert_eq!(level_from(Some("off")), None);
        assert_eq!(level_from(Some("DEBUG")), Some(Level::DEBUG));
        assert_eq!(level_from(Some("1")), Some(Level::DEBUG));
        assert_eq!(level_from(Some(" warn ")), Some(Level::WARN));
        assert_eq!(level_from(Some("trace")), Some(Level::TRACE));
    }

    static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

    fn collect(line: &str) {
        LINES.lock().unwrap().push(line.to_owned());
    }

    #[test]
    fn events_and_closed_spans_become_lines_below_the_level_only() {
        let log = StderrLog { sink: collect, ..StderrLog::new(Level::INFO) };
        tracing::subscriber::with_default(log, || {
            tracing::info!(rows = 3, table = "Author", "seed batch");
            tracing::debug!("too detailed for info");
            // Another crate's event: not ours to print.
            tracing::info!(target: "hyper::proto", "foreign");
            let span = tracing::info_span!("open", path = "x.db");
            drop(span);
        });
        let lines = LINES.lock().unwrap().clone();
        assert_eq!(lines.len(), 2, "{lines:?}");
        let event = lines[0].split_once(' ').unwrap().1.split_once(' ').unwrap().1;
        assert_eq!(event, "INFO  log::tests: seed batch rows=3 table=\"Author\"\n");
        assert!(lines[1].contains("INFO  log::tests: open path=\"x.db\" ms="), "{}", lines[1]);
        assert!(lines.iter().all(|l| l.starts_with("[astro-db] ") && l.ends_with('\n')));
        assert_eq!(clock().len(), 12);
    }
}
