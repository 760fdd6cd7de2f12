//! `/v3/cursor` over HTTP: a batch's entries streamed as JSON lines while it runs.

use std::sync::Arc;

use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Bytes, Frame};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};

use super::batch::{self, BatchSink, CursorCollector};
use super::error::ServeError;
use super::exec::{RowSink, StepEnd};
use super::http::decode;
use super::response::{reply, Body};
use super::pipeline::{self, Ctx, CursorReqBody, CursorRespBody};
use super::proto::{Col, CursorEntry, Error, Value};
use super::Shared;

/// Chunks of cursor entries queued for sending: the batch runs ahead of a slow reader by this many.
const CURSOR_QUEUE: usize = 64;
/// Bytes of cursor lines gathered before they are sent: a cursor that stays smaller is sent
/// whole with its length, like any response (streaming every batch cost small ones a
/// measurable share of their time); a larger one streams in chunks of this size.
const CURSOR_CHUNK: usize = 64 * 1024;

/// How the response starts, once the checks passed (or not).
enum Start {
    Fail(ServeError),
    /// The whole cursor, small enough to send at once.
    Whole(Vec<u8>),
    /// Chunks follow on the channel.
    Stream,
}

/// `/v3/cursor`: the batch is checked first (failures get an HTTP error, as before anything
/// is sent), then its entries (one JSON line each) are gathered; past [`CURSOR_CHUNK`] they
/// stream out as they are produced, so memory stays at [`CURSOR_QUEUE`] chunks however
/// large the result.
pub async fn handle_cursor(shared: Arc<Shared>, body: &[u8], ctx: Ctx) -> Result<Response<Body>, ServeError> {
    let req: CursorReqBody = decode(body)?;
    let (id, mut stream) = shared.streams.acquire(req.baton.as_deref())?;
    if let Some(db) = stream.db.as_mut() {
        db.reset_budget();
    }
    let baton = shared.streams.next_baton(id);
    let mut head = serde_json::to_vec(&CursorRespBody { baton, base_url: None }).unwrap_or_default();
    head.push(b'\n');
    let (start_tx, start_rx) = tokio::sync::oneshot::channel::<Start>();
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(CURSOR_QUEUE);
    let sh = shared.clone();
    tokio::task::spawn_blocking(move || {
        let mut sink = Streaming { inner: CursorCollector::new(false), tx, start: Some(start_tx), buf: head };
        let db = match pipeline::open_db(&mut stream.db, stream.closed, &sh.pool, ctx) {
            Ok(db) => db,
            Err(e) => {
                sh.streams.discard(id);
                sink.fail(e);
                return;
            }
        };
        let outcome = match batch::check(db, &req.batch, &stream.sqls) {
            Ok(texts) => batch::run_checked(db, &req.batch, texts, &mut sink),
            Err(e @ ServeError::Stmt(_)) => Err(e),
            Err(e) => {
                sh.streams.discard(id);
                sink.fail(e);
                return;
            }
        };
        let failed = match outcome {
            Ok(()) => false,
            // A statement error is an entry of the cursor (before any step: its only one).
            Err(ServeError::Stmt(error)) => {
                sink.entry(&CursorEntry::Error { error });
                false
            }
            Err(e) => {
                sink.entry(&batch::cursor_error(e));
                true
            }
        };
        // Released before the body ends: the client may send the baton as soon as it has read
        // the last entry.
        if failed {
            sh.streams.discard(id);
        } else {
            sh.streams.release(id, stream, &sh.pool);
        }
        sink.finish();
    });
    let r = match start_rx.await {
        Ok(Start::Fail(e)) => return Err(e),
        Ok(Start::Whole(all)) => reply(StatusCode::OK, "text/plain", all),
        Ok(Start::Stream) => {
            let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|b| (Ok::<_, std::io::Error>(Frame::data(b)), rx))
            });
            let mut r = Response::new(StreamBody::new(chunks).boxed_unsync());
            r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            r
        }
        Err(_) => reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "Internal server error"),
    };
    Ok(r)
}

/// Gathers cursor entries as the collector makes them, and sends them whole or in chunks.
struct Streaming {
    inner: CursorCollector,
    tx: tokio::sync::mpsc::Sender<Bytes>,
    /// Until the response started.
    start: Option<tokio::sync::oneshot::Sender<Start>>,
    buf: Vec<u8>,
}

impl Streaming {
    fn entry(&mut self, entry: &CursorEntry) {
        if serde_json::to_writer(&mut self.buf, entry).is_ok() {
            self.buf.push(b'\n');
        }
        if self.buf.len() >= CURSOR_CHUNK {
            if let Some(start) = self.start.take() {
                let _ = start.send(Start::Stream);
            }
            // A reader that went away just stops receiving; the batch ends within its bounds.
            let _ = self.tx.blocking_send(Bytes::from(std::mem::take(&mut self.buf)));
        }
    }

    fn collected(&mut self) {
        let entries = std::mem::take(&mut self.inner.entries);
        for e in &entries {
            self.entry(e);
        }
    }

    fn fail(mut self, e: ServeError) {
        if let Some(start) = self.start.take() {
            let _ = start.send(Start::Fail(e));
        }
    }

    /// Sends what is left; the body ends when `self` (the channel's sender) is dropped.
    fn finish(mut self) {
        let rest = std::mem::take(&mut self.buf);
        match self.start.take() {
            Some(start) => {
                let _ = start.send(Start::Whole(rest));
            }
            None if !rest.is_empty() => {
                let _ = self.tx.blocking_send(Bytes::from(rest));
            }
            None => {}
        }
    }
}

impl RowSink for Streaming {
    fn begin(&mut self, cols: Vec<Col>) {
        self.inner.begin(cols);
        self.collected();
    }
    fn row(&mut self, row: Vec<Value>) {
        self.inner.row(row);
        self.collected();
    }
}

impl BatchSink for Streaming {
    fn step_begin(&mut self, step: usize) {
        self.inner.step_begin(step);
    }
    fn step_ok(&mut self, step: usize, end: StepEnd) {
        self.inner.step_ok(step, end);
        self.collected();
    }
    fn step_error(&mut self, step: usize, error: Error) {
        self.inner.step_error(step, error);
        self.collected();
    }
    fn step_skipped(&mut self, step: usize) {
        self.inner.step_skipped(step);
    }
}
