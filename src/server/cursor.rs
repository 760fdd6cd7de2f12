//! `/v3/cursor` over HTTP: a batch's entries streamed as JSON lines while it runs.

use std::sync::Arc;

use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Bytes, Frame};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};

use super::batch::{self, BatchSink, CursorCollector};
use super::error::ServeError;
use super::exec::{RowSink, StepEnd};
use super::http::{decode, reply, Body};
use super::pipeline::{self, Ctx, CursorReqBody, CursorRespBody};
use super::proto::{Col, CursorEntry, Error, Value};
use super::Shared;

/// Chunks of cursor entries queued for sending: the batch runs ahead of a slow reader by this many.
const CURSOR_QUEUE: usize = 64;

/// `/v3/cursor`: the batch is checked first (failures get an HTTP error, as before anything
/// is sent), then its entries (one JSON line each) stream out in chunks as they are
/// produced: memory stays at [`CURSOR_QUEUE`] chunks however large the result.
pub async fn handle_cursor(shared: Arc<Shared>, body: &[u8], ctx: Ctx) -> Result<Response<Body>, ServeError> {
    let req: CursorReqBody = decode(body)?;
    let (id, mut stream) = shared.streams.acquire(req.baton.as_deref())?;
    if let Some(db) = stream.db.as_mut() {
        db.reset_budget();
    }
    let baton = shared.streams.next_baton(id);
    let (checked_tx, checked_rx) = tokio::sync::oneshot::channel::<Result<(), ServeError>>();
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(CURSOR_QUEUE);
    let sh = shared.clone();
    tokio::task::spawn_blocking(move || {
        let db = match pipeline::open_db(&mut stream.db, stream.closed, &sh.pool, ctx) {
            Ok(db) => db,
            Err(e) => {
                sh.streams.discard(id);
                let _ = checked_tx.send(Err(e));
                return;
            }
        };
        let texts = match batch::check(db, &req.batch, &stream.sqls) {
            Ok(t) => t,
            // A statement error before any step: the one entry of the cursor, as before.
            Err(ServeError::Stmt(error)) => {
                let _ = checked_tx.send(Ok(()));
                send_entry(&tx, &CursorEntry::Error { error });
                // Released before the body ends: the client may send the baton right after.
                sh.streams.release(id, stream, &sh.pool);
                return;
            }
            Err(e) => {
                sh.streams.discard(id);
                let _ = checked_tx.send(Err(e));
                return;
            }
        };
        let _ = checked_tx.send(Ok(()));
        // The Rust crate reads `step_end.last_insert_rowid` as a number here.
        let mut sink = Streaming { inner: CursorCollector::new(false), tx: &tx, buf: Vec::new() };
        let outcome = batch::run_checked(db, &req.batch, texts, &mut sink);
        sink.finish();
        let failed = outcome.is_err();
        if let Err(e) = outcome {
            let error = match e {
                ServeError::Stmt(error) => error,
                ServeError::Forbidden(message) => Error { message, code: "FORBIDDEN".into() },
                other => Error { message: format!("{other:?}"), code: "SERVER_ERROR".into() },
            };
            send_entry(&tx, &CursorEntry::Error { error });
        }
        // Released before the body ends (`tx` dropped last): the client may send the baton
        // as soon as it has read the last entry.
        if failed {
            sh.streams.discard(id);
        } else {
            sh.streams.release(id, stream, &sh.pool);
        }
        drop(tx);
    });
    match checked_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Ok(reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "Internal server error")),
    }
    let mut head = serde_json::to_vec(&CursorRespBody { baton, base_url: None }).unwrap_or_default();
    head.push(b'\n');
    let lines = futures_util::stream::unfold((Some(Bytes::from(head)), rx), |(first, mut rx)| async move {
        let next = match first {
            Some(h) => Some(h),
            None => rx.recv().await,
        };
        next.map(|b| (Ok::<_, std::io::Error>(Frame::data(b)), (None, rx)))
    });
    let mut r = Response::new(StreamBody::new(lines).boxed_unsync());
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Ok(r)
}

/// Bytes of cursor lines gathered before they are sent: one chunk per small batch (a write
/// per entry cost batches a measurable share of their time), a bounded buffer for large ones.
const CURSOR_CHUNK: usize = 32 * 1024;

fn send_entry(tx: &tokio::sync::mpsc::Sender<Bytes>, entry: &CursorEntry) {
    let mut line = Vec::new();
    push_line(&mut line, entry);
    send(tx, line);
}

fn push_line(buf: &mut Vec<u8>, entry: &CursorEntry) {
    if serde_json::to_writer(&mut *buf, entry).is_ok() {
        buf.push(b'\n');
    }
}

fn send(tx: &tokio::sync::mpsc::Sender<Bytes>, bytes: Vec<u8>) {
    if !bytes.is_empty() {
        // A reader that went away just stops receiving; the batch ends within its bounds.
        let _ = tx.blocking_send(Bytes::from(bytes));
    }
}

/// Sends cursor entries as the collector makes them, in chunks of about [`CURSOR_CHUNK`].
struct Streaming<'a> {
    inner: CursorCollector,
    tx: &'a tokio::sync::mpsc::Sender<Bytes>,
    buf: Vec<u8>,
}

impl Streaming<'_> {
    fn flush(&mut self) {
        for e in self.inner.entries.drain(..) {
            push_line(&mut self.buf, &e);
        }
        if self.buf.len() >= CURSOR_CHUNK {
            self.finish();
        }
    }

    /// Sends what is gathered.
    fn finish(&mut self) {
        send(self.tx, std::mem::take(&mut self.buf));
    }
}

impl RowSink for Streaming<'_> {
    fn begin(&mut self, cols: Vec<Col>) {
        self.inner.begin(cols);
        self.flush();
    }
    fn row(&mut self, row: Vec<Value>) {
        self.inner.row(row);
        self.flush();
    }
}

impl BatchSink for Streaming<'_> {
    fn step_begin(&mut self, step: usize) {
        self.inner.step_begin(step);
    }
    fn step_ok(&mut self, step: usize, end: StepEnd) {
        self.inner.step_ok(step, end);
        self.flush();
    }
    fn step_error(&mut self, step: usize, error: Error) {
        self.inner.step_error(step, error);
        self.flush();
    }
    fn step_skipped(&mut self, step: usize) {
        self.inner.step_skipped(step);
    }
}
