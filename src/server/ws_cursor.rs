//! WebSocket cursors (`open_cursor`/`fetch_cursor`): the batch runs on a thread of its own with
//! the stream's connection and stays a few chunks ahead of the client's fetches, so memory is
//! bounded however large the result; the connection goes back to the stream when it ends.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::batch::{self, BatchSink, CursorCollector};
use super::error::ServeError;
use super::exec::{Db, RowSink, StepEnd};
use super::proto::{Batch, Col, CursorEntry, Error, Value};

/// Entries are sent in chunks of about this many bytes of results...
const CHUNK_BYTES: u64 = 64 * 1024;
/// ...and at most this many chunks wait for the client.
const QUEUE_CHUNKS: usize = 2;

/// The batch's thread reports its end with the connection and, when it had to stop because
/// the client stopped fetching, the entry saying so.
type Ended = (Db, Option<CursorEntry>);

/// One open cursor, as its connection's session sees it.
pub struct Cursor {
    pub stream_id: i32,
    chunks: Receiver<Vec<CursorEntry>>,
    ready: VecDeque<CursorEntry>,
    ended: Receiver<Ended>,
    /// Interrupts the batch's running read (see `Policy::cancel_flag`); stops its sink.
    cancel: Arc<AtomicBool>,
    /// Every chunk is in `ready`: the batch ended.
    drained: bool,
    /// The connection went back to the stream (or is lost, if the thread died).
    returned: bool,
}

impl Cursor {
    /// Starts `batch` (already checked: `texts` are its steps' SQL) on `db` in a thread. A
    /// client that does not fetch holds the statement and any transaction open: the thread
    /// waits for it at most `patience`, then ends the cursor with an error.
    pub fn open(stream_id: i32, mut db: Db, batch: Batch, texts: Vec<String>, patience: Duration, orphaned: impl FnOnce(Db) + Send + 'static) -> Result<Self, ServeError> {
        let cancel = db.cancel_flag().unwrap_or_default();
        let (chunk_tx, chunks) = mpsc::sync_channel(QUEUE_CHUNKS);
        let (ended_tx, ended) = mpsc::channel::<Ended>();
        let flag = Arc::clone(&cancel);
        std::thread::Builder::new()
            .name("astro-db-cursor".into())
            .spawn(move || {
                // `@libsql/client` reads `step_end.last_insert_rowid` as a string here.
                let mut sink = ChunkSink { inner: CursorCollector::new(true), tx: chunk_tx, bytes: 0, patience, cancel: flag, stalled: false };
                let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
                if let Err(e) = batch::run_checked(&mut db, &batch, texts, &mut sink) {
                    sink.inner.entries.push(batch::cursor_error(e));
                }
                let tail = sink.finish();
                // The session is gone (its `Cursor` dropped: nothing sets the flag any more):
                // `orphaned` takes the connection (to the pool, as a closed stream's).
                if let Err(mpsc::SendError((db, _))) = ended_tx.send((db, tail)) {
                    sink.cancel.store(false, Ordering::Relaxed);
                    orphaned(db);
                }
            })
            .map_err(|e| ServeError::Overloaded(format!("Cannot start a cursor: {e}")))?;
        Ok(Self { stream_id, chunks, ready: VecDeque::new(), ended, cancel, drained: false, returned: false })
    }

    /// A cursor whose batch failed its checks: that error is its only entry.
    pub fn failed(stream_id: i32, entry: CursorEntry) -> Self {
        let (_, chunks) = mpsc::sync_channel(0);
        let (_, ended) = mpsc::channel();
        Self { stream_id, chunks, ready: VecDeque::from([entry]), ended, cancel: Arc::default(), drained: true, returned: true }
    }

    /// Up to `max` entries, waiting for the batch to produce them or end; `done` once the
    /// last entry was handed out. The connection comes back (into `give_back`) at the end.
    pub fn fetch(&mut self, max: usize, give_back: &mut dyn FnMut(Db)) -> (Vec<CursorEntry>, bool) {
        while self.ready.len() < max && !self.drained {
            match self.chunks.recv() {
                Ok(chunk) => self.ready.extend(chunk),
                Err(_) => {
                    self.drained = true;
                    self.take_back(give_back);
                }
            }
        }
        let n = max.min(self.ready.len());
        let entries: Vec<CursorEntry> = self.ready.drain(..n).collect();
        (entries, self.drained && self.ready.is_empty())
    }

    /// Whether the batch still holds the stream's connection; takes it back if it just ended
    /// (its entries stay fetchable).
    pub fn busy(&mut self, give_back: &mut dyn FnMut(Db)) -> bool {
        if !self.returned {
            match self.ended.try_recv() {
                Ok(ended) => self.returned_with(ended, give_back),
                Err(TryRecvError::Disconnected) => self.returned = true,
                Err(TryRecvError::Empty) => {}
            }
        }
        !self.returned
    }

    /// Stops the batch (a running read is interrupted; a write finishes first) and waits for
    /// the connection.
    pub fn close(mut self, give_back: &mut dyn FnMut(Db)) {
        if self.returned {
            return;
        }
        self.cancel.store(true, Ordering::Relaxed);
        // Frees a sender waiting for room, so it sees the cancel at once.
        while self.chunks.try_recv().is_ok() {}
        self.take_back(give_back);
    }

    fn take_back(&mut self, give_back: &mut dyn FnMut(Db)) {
        if self.returned {
            return;
        }
        match self.ended.recv() {
            Ok(ended) => self.returned_with(ended, give_back),
            // The thread died without its connection: what its transaction held is gone.
            Err(_) => {
                self.returned = true;
                self.ready.push_back(batch::cursor_error(ServeError::stmt("SERVER_ERROR", "The cursor's batch ended abnormally")));
            }
        }
    }

    fn returned_with(&mut self, (db, tail): Ended, give_back: &mut dyn FnMut(Db)) {
        self.returned = true;
        // The batch is over: the next statement on the stream must not see a stop.
        self.cancel.store(false, Ordering::Relaxed);
        give_back(db);
        // After every chunk (the channel keeps their order; the tail was never sent).
        if let Some(tail) = tail {
            self.ready.extend(std::iter::from_fn(|| self.chunks.try_recv().ok()).flatten());
            self.ready.push_back(tail);
        }
    }
}

impl Drop for Cursor {
    /// A connection closing with the cursor open: its batch stops (the connection then goes to
    /// the pool from the thread).
    fn drop(&mut self) {
        if !self.returned {
            self.cancel.store(true, Ordering::Relaxed);
        }
    }
}

/// Gathers the batch's entries into chunks and queues them for the client.
struct ChunkSink {
    inner: CursorCollector,
    tx: SyncSender<Vec<CursorEntry>>,
    /// Result bytes in the chunk being gathered.
    bytes: u64,
    patience: Duration,
    cancel: Arc<AtomicBool>,
    /// The client stopped fetching for longer than `patience`.
    stalled: bool,
}

impl ChunkSink {
    fn gathered(&mut self, bytes: u64) {
        self.bytes += bytes;
        if self.bytes >= CHUNK_BYTES {
            self.send();
        }
    }

    /// Queues the gathered chunk, waiting for room at most `patience`; the batch stops when
    /// the client went away, closed the cursor or stalled.
    fn send(&mut self) {
        self.bytes = 0;
        let mut chunk = std::mem::take(&mut self.inner.entries);
        if chunk.is_empty() || self.stopped() {
            return;
        }
        let deadline = Instant::now() + self.patience;
        let mut pause = Duration::from_micros(50);
        loop {
            match self.tx.try_send(chunk) {
                Ok(()) => return,
                Err(TrySendError::Disconnected(_)) => break,
                Err(TrySendError::Full(c)) => {
                    if self.cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    if Instant::now() >= deadline {
                        self.stalled = true;
                        break;
                    }
                    chunk = c;
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(5));
                }
            }
        }
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Sends what is left; returns the entry that explains a stall (it cannot be queued).
    fn finish(&mut self) -> Option<CursorEntry> {
        self.send();
        self.stalled.then(|| {
            let message = format!("The cursor was ended: its client fetched nothing for {} s", self.patience.as_secs_f64());
            CursorEntry::Error { error: Error { message, code: "CURSOR_TIMEOUT".into() } }
        })
    }
}

impl RowSink for ChunkSink {
    fn begin(&mut self, cols: Vec<Col>) {
        self.inner.begin(cols);
    }
    fn row(&mut self, row: Vec<Value>) {
        let bytes = row.iter().map(super::columns::encoded_size).sum::<u64>();
        self.inner.row(row);
        self.gathered(bytes.max(1));
    }
    fn stopped(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

impl BatchSink for ChunkSink {
    fn step_begin(&mut self, step: usize) {
        self.inner.step_begin(step);
    }
    fn step_ok(&mut self, step: usize, end: StepEnd) {
        self.inner.step_ok(step, end);
        self.gathered(0);
    }
    fn step_error(&mut self, step: usize, error: Error) {
        self.inner.step_error(step, error);
        self.gathered(0);
    }
    fn step_skipped(&mut self, step: usize) {
        self.inner.step_skipped(step);
    }
}
