//! Generations of the WAL, for libSQL embedded replicas pulling from `serve`.
//!
//! A replica names a position as (generation, WAL frame number), and applies frames on top of
//! the database file as it was when the generation began. So within a generation the WAL must
//! only grow, and the database file must not change: server connections never checkpoint
//! (`Connection::keep_wal`), and the only checkpoint is ours, which ends the generation. Its
//! frames are archived first, so replicas that were behind can still finish it.
//!
//! Files next to the database: `<db>-astro-sync.json` (generation and the WAL salts its frames
//! carry) and `<db>-gen-<g>.wal` (frames of the last ended generations, laid out like a WAL).

use std::fs;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use crate::sqlite::{Checkpoint, Connection, SqliteError};

use super::gate::Gate;

/// The only page size libSQL replicas accept.
pub const PAGE_SIZE: usize = 4096;
const FRAME_HEADER_SIZE: usize = 24;
pub const FRAME_SIZE: usize = FRAME_HEADER_SIZE + PAGE_SIZE;
const WAL_HEADER_SIZE: usize = 32;
/// WAL frames after which the server ends a generation (and the WAL stops growing).
pub const DEFAULT_CHECKPOINT_FRAMES: u32 = 4000;
/// Bounds one `/sync` answer (4 MiB); replicas ask for 128 frames.
const MAX_FRAMES_PER_PULL: u32 = 1024;
/// Ended generations whose frames stay available.
const KEEP_ARCHIVES: u32 = 2;
/// How long a read waits for a writer to finish before answering "retry later".
const READ_WAIT: Duration = Duration::from_secs(5);
/// A checkpoint blocks every writer of the server: it gives up early and retries later.
const CHECKPOINT_WAIT: Duration = Duration::from_millis(200);
const CHECKPOINT_BUSY_MS: u32 = 2_000;
const CHECKPOINT_BACKOFF: Duration = Duration::from_secs(2);

#[derive(Debug, PartialEq, Eq)]
pub enum SyncError {
    /// Replicas only take 4096-byte pages.
    PageSize(i64),
    /// Nothing to send from this frame on; the replica moves on if `current` is ahead.
    EndOfGeneration { current: u32 },
    /// The generation ended and its frames are gone.
    TooOld { current: u32 },
    /// A generation this server never had.
    Unknown { requested: u32, current: u32 },
    BadRequest(String),
    /// Try again shortly (a writer or a checkpoint is in the way).
    Unavailable(String),
    Internal(String),
}

impl From<SqliteError> for SyncError {
    fn from(e: SqliteError) -> Self {
        SyncError::Internal(e.to_string())
    }
}

fn io(what: &str, path: &Path, e: std::io::Error) -> SyncError {
    SyncError::Internal(format!("cannot {what} {}: {e}", path.display()))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Persisted {
    generation: u32,
    /// Hex of the 8 salt bytes every frame of the generation carries; `null` until the
    /// generation has a frame.
    salts: Option<String>,
    /// Size and modification time (ns since the epoch) of the database file at the generation's
    /// start: a checkpoint by someone else while the server was down shows up here.
    #[serde(default)]
    file: Option<(u64, u64)>,
}

type Salts = [u8; 8];

fn hex(s: &Salts) -> String {
    s.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Salts> {
    let mut out = [0u8; 8];
    if s.len() != 16 {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

struct Inner {
    conn: Connection,
    generation: u32,
    salts: Option<Salts>,
    /// A checkpoint failed after copying some frames into the database file: the file is no
    /// longer the generation's start, so it cannot be exported until a checkpoint succeeds.
    dirty: bool,
    /// Size and modification time of the database file when the generation began, to notice
    /// a checkpoint run by someone else that did not restart the WAL (`PRAGMA wal_checkpoint`).
    stamp: Option<Stamp>,
    /// After a checkpoint found the database busy: it waited with every writer held back, so
    /// the next try waits a little.
    retry_at: Option<Instant>,
}

type Stamp = (u64, u64);

fn stamp(path: &Path) -> Option<Stamp> {
    let m = fs::metadata(path).ok()?;
    let modified = m.modified().ok()?.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    Some((m.len(), u64::try_from(modified.as_nanos()).ok()?))
}

// SAFETY: libSQL is built with SQLITE_THREADSAFE=1; the connection is only used under the
// mutex, by one thread at a time.
unsafe impl Send for Inner {}

/// The sync state of one served database.
pub struct Generations {
    db: PathBuf,
    checkpoint_frames: u32,
    gate: Arc<Gate>,
    inner: Mutex<Inner>,
}

impl Generations {
    /// Loads (or starts) the bookkeeping of `db`, which must already be in WAL mode.
    pub fn open(db: &str, checkpoint_frames: u32, gate: Arc<Gate>) -> Result<Self, String> {
        let conn = Connection::open(db).map_err(|e| e.to_string())?;
        conn.set_busy_timeout(CHECKPOINT_BUSY_MS);
        conn.keep_wal().map_err(|e| e.to_string())?;
        let this = Self {
            db: PathBuf::from(db),
            checkpoint_frames: checkpoint_frames.max(1),
            gate,
            inner: Mutex::new(Inner { conn, generation: 1, salts: None, dirty: false, stamp: stamp(Path::new(db)), retry_at: None }),
        };
        let state = this.state_path();
        match fs::read(&state) {
            Ok(bytes) => {
                let p: Persisted = serde_json::from_slice(&bytes).map_err(|e| format!("{} is not valid: {e}", state.display()))?;
                let salts = match p.salts.as_deref() {
                    Some(s) => Some(unhex(s).ok_or_else(|| format!("{} has invalid salts", state.display()))?),
                    None => None,
                };
                let mut inner = this.lock();
                inner.generation = p.generation.max(1);
                inner.salts = salts;
                inner.dirty = p.file.is_some() && p.file != inner.stamp;
                drop(inner);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Frames already in the WAL may have been partly copied into the database file
                // by whoever wrote them: start generation 1 from a checkpointed file if we can.
                let mut inner = this.lock();
                let _ = inner.conn.checkpoint_truncate();
                inner.stamp = stamp(&this.db);
                drop(inner);
                this.persist(&this.lock()).map_err(|e| format!("{e:?}"))?;
            }
            Err(e) => return Err(format!("cannot read {}: {e}", state.display())),
        }
        {
            let mut inner = this.lock();
            // Other page sizes are still served over Hrana; only the sync routes refuse them.
            if Self::check_page_size(&mut inner).is_ok() {
                this.observe(&mut inner, READ_WAIT, |_, _| Ok(())).map_err(|e| format!("{e:?}"))?;
            }
        }
        Ok(this)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn state_path(&self) -> PathBuf {
        suffixed(&self.db, "-astro-sync.json")
    }

    fn archive_path(&self, generation: u32) -> PathBuf {
        suffixed(&self.db, &format!("-gen-{generation}.wal"))
    }

    fn persist(&self, inner: &Inner) -> Result<(), SyncError> {
        let p = Persisted { generation: inner.generation, salts: inner.salts.as_ref().map(hex), file: inner.stamp };
        let bytes = serde_json::to_vec(&p).map_err(|e| SyncError::Internal(e.to_string()))?;
        let path = self.state_path();
        let tmp = suffixed(&path, ".tmp");
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        write().map_err(|e| io("write", &path, e))
    }

    /// Runs `f` inside a read transaction, with the number of committed WAL frames, after
    /// reconciling the recorded generation with the WAL on disk.
    fn observe<T>(&self, inner: &mut Inner, wait: Duration, f: impl FnOnce(&mut Inner, u32) -> Result<T, SyncError>) -> Result<T, SyncError> {
        // The frame count is this connection's snapshot, refreshed by starting a transaction.
        inner.conn.execute_script("BEGIN; SELECT count(*) FROM sqlite_schema")?;
        let out = self.observe_in_txn(inner, wait, f);
        let _ = inner.conn.execute_script("COMMIT");
        out
    }

    fn observe_in_txn<T>(&self, inner: &mut Inner, wait: Duration, f: impl FnOnce(&mut Inner, u32) -> Result<T, SyncError>) -> Result<T, SyncError> {
        let start = Instant::now();
        // Counting takes the WAL write lock for an instant, without a busy handler.
        let frames = loop {
            match inner.conn.wal_frame_count() {
                Ok(n) => break n,
                Err(e) if e.raw_code & 0xff == libsql::ffi::SQLITE_BUSY && start.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) if e.raw_code & 0xff == libsql::ffi::SQLITE_BUSY => {
                    return Err(SyncError::Unavailable(format!("a write transaction is in progress: {e}")))
                }
                Err(e) => return Err(e.into()),
            }
        };
        let salts = if frames > 0 {
            let mut frame = vec![0u8; FRAME_SIZE];
            inner.conn.wal_frame(1, &mut frame)?;
            let mut s = [0u8; 8];
            s.copy_from_slice(&frame[8..16]);
            Some(s)
        } else {
            None
        };
        if salts != inner.salts {
            if inner.salts.is_some() {
                // Someone else checkpointed and restarted the WAL: the recorded generation's
                // frames are gone, and these frames start a new one.
                inner.generation += 1;
                inner.dirty = false;
                inner.stamp = stamp(&self.db);
            }
            inner.salts = salts;
            self.persist(inner)?;
        }
        if stamp(&self.db) != inner.stamp {
            // Frames were copied into the file: they still apply for replicas, but the file
            // is no longer this generation's start, so it takes a checkpoint of ours to export.
            inner.dirty = true;
        }
        f(inner, frames)
    }

    /// The page size replicas will receive, which must be 4096.
    fn check_page_size(inner: &mut Inner) -> Result<(), SyncError> {
        match inner.conn.query_int("PRAGMA page_size")? {
            Some(n) if n == PAGE_SIZE as i64 => Ok(()),
            Some(n) => Err(SyncError::PageSize(n)),
            None => Err(SyncError::Internal("PRAGMA page_size returned nothing".into())),
        }
    }

    /// The current generation (`/info`).
    pub fn current(&self) -> Result<u32, SyncError> {
        let mut inner = self.lock();
        Self::check_page_size(&mut inner)?;
        self.observe(&mut inner, READ_WAIT, |inner, _| Ok(inner.generation))
    }

    /// The database file as it was when `generation` began (`/export`): only the current one.
    pub fn export(&self, generation: u32) -> Result<Vec<u8>, SyncError> {
        let mut inner = self.lock();
        Self::check_page_size(&mut inner)?;
        // Under the lock: only our own checkpoint writes the file, and it takes the lock too.
        self.observe(&mut inner, READ_WAIT, |inner, _| {
            let current = inner.generation;
            if generation < current {
                return Err(SyncError::TooOld { current });
            }
            if generation > current {
                return Err(SyncError::Unknown { requested: generation, current });
            }
            if inner.dirty {
                return Err(SyncError::Unavailable("a checkpoint is pending; retry shortly".into()));
            }
            fs::read(&self.db).map_err(|e| io("read", &self.db, e))
        })
    }

    /// WAL frames `[start, end)` of `generation` (`/sync`), fewer when it has fewer.
    pub fn frames(&self, generation: u32, start: u32, end: u32) -> Result<Vec<u8>, SyncError> {
        if start == 0 || end <= start {
            return Err(SyncError::BadRequest(format!("invalid frame range [{start}, {end}): frames are numbered from 1")));
        }
        let end = end.min(start.saturating_add(MAX_FRAMES_PER_PULL));
        let mut inner = self.lock();
        Self::check_page_size(&mut inner)?;
        self.observe(&mut inner, READ_WAIT, |inner, count| {
            let current = inner.generation;
            if generation > current {
                return Err(SyncError::Unknown { requested: generation, current });
            }
            if generation < current {
                return self.archived_frames(generation, current, start, end);
            }
            if start > count {
                return Err(SyncError::EndOfGeneration { current });
            }
            let last = (end - 1).min(count);
            let mut out = vec![0u8; (last - start + 1) as usize * FRAME_SIZE];
            for (i, chunk) in (start..=last).zip(out.chunks_mut(FRAME_SIZE)) {
                inner.conn.wal_frame(i, chunk)?;
            }
            Ok(out)
        })
    }

    fn archived_frames(&self, generation: u32, current: u32, start: u32, end: u32) -> Result<Vec<u8>, SyncError> {
        let path = self.archive_path(generation);
        let mut file = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(SyncError::TooOld { current }),
            Err(e) => return Err(io("open", &path, e)),
        };
        let len = file.metadata().map_err(|e| io("read", &path, e))?.len();
        let count = (len.saturating_sub(WAL_HEADER_SIZE as u64) / FRAME_SIZE as u64) as u32;
        if start > count {
            return Err(SyncError::EndOfGeneration { current });
        }
        let last = (end - 1).min(count);
        let offset = WAL_HEADER_SIZE as u64 + u64::from(start - 1) * FRAME_SIZE as u64;
        let mut out = vec![0u8; (last - start + 1) as usize * FRAME_SIZE];
        file.seek(SeekFrom::Start(offset)).and_then(|_| file.read_exact(&mut out)).map_err(|e| io("read", &path, e))?;
        Ok(out)
    }

    /// Ends the generation when the WAL passed the threshold (or a failed checkpoint left the
    /// database file ahead of the generation). `Ok(true)` when a new generation began.
    pub fn maybe_checkpoint(&self) -> Result<bool, SyncError> {
        if !self.due()? {
            return Ok(false);
        }
        // No server transaction runs while we copy and checkpoint: a frame committed between the
        // copy and the checkpoint would reach the database file without reaching the archive.
        let Some(_writers) = self.gate.close(CHECKPOINT_WAIT) else {
            self.lock().retry_at = Some(Instant::now() + CHECKPOINT_BACKOFF);
            return Ok(false);
        };
        let mut inner = self.lock();
        let archived = self.observe(&mut inner, CHECKPOINT_WAIT, |inner, count| {
            if count < self.checkpoint_frames && !inner.dirty {
                return Ok(None);
            }
            self.archive(inner, count).map(Some)
        })?;
        let Some(ended) = archived else { return Ok(false) };
        match inner.conn.checkpoint_truncate()? {
            Checkpoint::Truncated => {
                inner.generation = ended + 1;
                inner.salts = None;
                inner.dirty = false;
                inner.stamp = stamp(&self.db);
                self.persist(&inner)?;
                self.prune(inner.generation);
                Ok(true)
            }
            Checkpoint::Busy => {
                inner.dirty = true;
                inner.retry_at = Some(Instant::now() + CHECKPOINT_BACKOFF);
                Ok(false)
            }
        }
    }

    fn due(&self) -> Result<bool, SyncError> {
        let (dirty, retry_at) = {
            let inner = self.lock();
            (inner.dirty, inner.retry_at)
        };
        if retry_at.is_some_and(|at| Instant::now() < at) {
            return Ok(false);
        }
        if !dirty {
            // The file holds at least the committed frames (maybe more: uncommitted ones, or
            // leftovers of a restarted WAL), so its size says when counting is worth it; an idle
            // server then does nothing every tick.
            let wal = fs::metadata(suffixed(&self.db, "-wal")).map(|m| m.len()).unwrap_or(0);
            if wal.saturating_sub(WAL_HEADER_SIZE as u64) / (FRAME_SIZE as u64) < u64::from(self.checkpoint_frames) {
                return Ok(false);
            }
        }
        let mut inner = self.lock();
        Self::check_page_size(&mut inner)?;
        self.observe(&mut inner, CHECKPOINT_WAIT, |inner, count| Ok(count >= self.checkpoint_frames || inner.dirty))
    }

    /// Copies frames 1..=count of the current generation to its archive; returns the generation.
    fn archive(&self, inner: &mut Inner, count: u32) -> Result<u32, SyncError> {
        let generation = inner.generation;
        let path = self.archive_path(generation);
        let tmp = suffixed(&path, ".tmp");
        let mut header = [0u8; WAL_HEADER_SIZE];
        if let Ok(mut wal) = fs::File::open(suffixed(&self.db, "-wal")) {
            let _ = wal.read_exact(&mut header);
        }
        let file = fs::File::create(&tmp).map_err(|e| io("create", &tmp, e))?;
        let mut out = BufWriter::new(file);
        out.write_all(&header).map_err(|e| io("write", &tmp, e))?;
        let mut frame = vec![0u8; FRAME_SIZE];
        for i in 1..=count {
            inner.conn.wal_frame(i, &mut frame)?;
            out.write_all(&frame).map_err(|e| io("write", &tmp, e))?;
        }
        let file = out.into_inner().map_err(|e| io("write", &tmp, e.into_error()))?;
        file.sync_all().map_err(|e| io("write", &tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| io("write", &path, e))?;
        Ok(generation)
    }

    /// Deletes archives older than the last [`KEEP_ARCHIVES`] ended generations.
    fn prune(&self, current: u32) {
        let Some(dir) = self.db.parent().map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d }) else { return };
        let Some(name) = self.db.file_name().and_then(|n| n.to_str()) else { return };
        let prefix = format!("{name}-gen-");
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let file = entry.file_name();
            let Some(g) = file.to_str().and_then(|f| f.strip_prefix(&prefix)).and_then(|f| f.strip_suffix(".wal")) else { continue };
            if g.parse::<u32>().is_ok_and(|g| g + KEEP_ARCHIVES < current) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;


    fn temp_db(name: &str) -> String {
        let dir = std::env::temp_dir().join(format!("astro-db-gen-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir.join("db.sqlite").to_str().unwrap().to_owned()
    }

    fn writer(path: &str) -> Connection {
        let mut c = Connection::open(path).unwrap();
        c.set_busy_timeout(5_000);
        c.keep_wal().unwrap();
        c.execute_script("PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t (x)").unwrap();
        c
    }

    fn gens(path: &str, frames: u32) -> Generations {
        Generations::open(path, frames, Gate::new()).unwrap()
    }

    fn insert(c: &mut Connection, n: usize) {
        for i in 0..n {
            c.execute_script(&format!("INSERT INTO t VALUES (randomblob(3000) || {i})")).unwrap();
        }
    }

    #[test]
    fn serves_frames_with_the_recorded_salts_and_persists_them() {
        let path = temp_db("salts");
        let mut w = writer(&path);
        let g = gens(&path, 1000);
        insert(&mut w, 3);
        assert_eq!(g.current().unwrap(), 1);
        let frames = g.frames(1, 1, 3).unwrap();
        assert_eq!(frames.len(), 2 * FRAME_SIZE);
        let salts = g.lock().salts.unwrap();
        assert_eq!(&frames[8..16], &salts);
        assert_eq!(&frames[FRAME_SIZE + 8..FRAME_SIZE + 16], &salts);
        // Past the end: the replica learns the current generation.
        assert_eq!(g.frames(1, 1000, 1128), Err(SyncError::EndOfGeneration { current: 1 }));
        assert!(matches!(g.frames(2, 1, 2), Err(SyncError::Unknown { requested: 2, current: 1 })));
        assert!(matches!(g.frames(1, 0, 2), Err(SyncError::BadRequest(_))));
        drop(g);
        // Closing every connection neither checkpoints nor loses the generation.
        let again = gens(&path, 1000);
        assert_eq!(again.current().unwrap(), 1);
        assert_eq!(again.lock().salts, Some(salts));
        assert_eq!(again.frames(1, 1, 3).unwrap(), frames);
    }

    #[test]
    fn a_wal_restarted_behind_our_back_starts_a_generation() {
        let path = temp_db("external");
        let mut w = writer(&path);
        let g = gens(&path, 1000);
        insert(&mut w, 2);
        assert_eq!(g.current().unwrap(), 1);
        let mut other = Connection::open(&path).unwrap();
        other.execute_script("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        insert(&mut w, 1);
        assert_eq!(g.current().unwrap(), 2);
        assert_eq!(g.frames(1, 1, 2), Err(SyncError::TooOld { current: 2 }));
        assert_eq!(g.frames(2, 1, 100).unwrap().len() % FRAME_SIZE, 0);
        drop(g);
        other.execute_script("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        insert(&mut w, 1);
        // Noticed at startup too.
        assert_eq!(gens(&path, 1000).current().unwrap(), 3);
    }

    #[test]
    fn a_checkpoint_that_kept_the_wal_holds_exports_until_ours() {
        let path = temp_db("passive");
        let mut w = writer(&path);
        let g = gens(&path, 1000);
        insert(&mut w, 4);
        let frames = g.frames(1, 1, 1000).unwrap();
        assert!(g.export(1).is_ok());
        std::thread::sleep(Duration::from_millis(20));
        let mut other = Connection::open(&path).unwrap();
        other.execute_script("PRAGMA wal_checkpoint(PASSIVE)").unwrap();
        // The frames are intact and still served; the file is not the generation's start.
        assert_eq!(g.frames(1, 1, 1000).unwrap(), frames);
        assert!(matches!(g.export(1), Err(SyncError::Unavailable(_))));
        assert!(g.maybe_checkpoint().unwrap());
        assert_eq!(g.current().unwrap(), 2);
        assert_eq!(g.frames(1, 1, 1000).unwrap(), frames);
        assert!(g.export(2).is_ok());
        // Also while the server is down.
        insert(&mut w, 2);
        drop(g);
        std::thread::sleep(Duration::from_millis(20));
        other.execute_script("PRAGMA wal_checkpoint(PASSIVE)").unwrap();
        let g = gens(&path, 1000);
        assert!(matches!(g.export(2), Err(SyncError::Unavailable(_))));
        assert!(g.maybe_checkpoint().unwrap());
        assert!(g.export(3).is_ok());
    }

    #[test]
    fn the_threshold_checkpoint_archives_the_ended_generation() {
        let path = temp_db("threshold");
        let mut w = writer(&path);
        let g = gens(&path, 10);
        insert(&mut w, 2);
        assert!(!g.maybe_checkpoint().unwrap());
        insert(&mut w, 8);
        let before = g.frames(1, 1, 1000).unwrap();
        let count = (before.len() / FRAME_SIZE) as u32;
        assert!(count >= 10);
        let main_before = fs::read(&path).unwrap();
        assert_eq!(g.export(1).unwrap(), main_before);
        assert!(g.maybe_checkpoint().unwrap());
        assert_eq!(g.current().unwrap(), 2);
        assert_eq!(g.frames(1, 1, 1000).unwrap(), before);
        assert_eq!(g.frames(1, 3, 5).unwrap(), before[2 * FRAME_SIZE..4 * FRAME_SIZE]);
        assert_eq!(g.frames(1, count + 1, count + 10), Err(SyncError::EndOfGeneration { current: 2 }));
        assert_eq!(g.frames(2, 1, 10), Err(SyncError::EndOfGeneration { current: 2 }));
        assert_eq!(g.export(1), Err(SyncError::TooOld { current: 2 }));
        assert_ne!(g.export(2).unwrap(), main_before);
        assert_eq!(fs::metadata(format!("{path}-wal")).unwrap().len(), 0);
        // Writes go on in generation 2, and the state survives a restart.
        insert(&mut w, 1);
        assert!(!g.frames(2, 1, 10).unwrap().is_empty());
        drop(g);
        let g = gens(&path, 10);
        assert_eq!(g.current().unwrap(), 2);
        // Only the last two ended generations keep their frames.
        for expected in 3..=4 {
            insert(&mut w, 10);
            assert!(g.maybe_checkpoint().unwrap());
            assert_eq!(g.current().unwrap(), expected);
        }
        assert_eq!(g.frames(1, 1, 2), Err(SyncError::TooOld { current: 4 }));
        assert!(!g.frames(2, 1, 2).unwrap().is_empty());
        assert!(!Path::new(&format!("{path}-gen-1.wal")).exists());
    }

    #[test]
    fn a_checkpoint_blocked_by_a_reader_holds_exports_until_it_succeeds() {
        let path = temp_db("busy");
        let mut w = writer(&path);
        let g = gens(&path, 2);
        insert(&mut w, 3);
        let mut reader = Connection::open(&path).unwrap();
        reader.execute_script("BEGIN; SELECT count(*) FROM t").unwrap();
        // The frames reach the database file, but the WAL cannot restart under the reader.
        assert!(!g.maybe_checkpoint().unwrap());
        assert_eq!(g.current().unwrap(), 1);
        assert!(matches!(g.export(1), Err(SyncError::Unavailable(_))));
        assert!(!g.frames(1, 1, 2).unwrap().is_empty());
        reader.execute_script("COMMIT").unwrap();
        assert!(!g.maybe_checkpoint().unwrap(), "retried before the backoff");
        std::thread::sleep(CHECKPOINT_BACKOFF);
        assert!(g.maybe_checkpoint().unwrap());
        assert_eq!(g.current().unwrap(), 2);
        assert!(g.export(2).is_ok());
    }

    #[test]
    fn a_write_transaction_in_progress_delays_the_checkpoint() {
        let path = temp_db("writer");
        let mut w = writer(&path);
        let g = gens(&path, 2);
        insert(&mut w, 3);
        w.execute_script("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)").unwrap();
        assert!(matches!(g.maybe_checkpoint(), Err(SyncError::Unavailable(_))));
        w.execute_script("COMMIT").unwrap();
        assert!(g.maybe_checkpoint().unwrap());
        assert_eq!(g.current().unwrap(), 2);
    }

    /// The database file an ended generation leaves: its start with every archived frame applied.
    fn replay(start: &[u8], archive: &[u8]) -> Vec<u8> {
        let mut db = start.to_vec();
        for frame in archive[WAL_HEADER_SIZE..].chunks(FRAME_SIZE) {
            let page = u32::from_be_bytes(frame[0..4].try_into().unwrap()) as usize;
            let size_after = u32::from_be_bytes(frame[4..8].try_into().unwrap()) as usize;
            let at = (page - 1) * PAGE_SIZE;
            if db.len() < at + PAGE_SIZE {
                db.resize(at + PAGE_SIZE, 0);
            }
            db[at..at + PAGE_SIZE].copy_from_slice(&frame[FRAME_HEADER_SIZE..]);
            if size_after > 0 {
                db.truncate(size_after * PAGE_SIZE);
            }
        }
        db
    }

    #[test]
    fn every_generation_starts_where_the_archived_one_ends_under_concurrent_writes() {
        let path = temp_db("concurrent");
        drop(writer(&path));
        let gate = Gate::new();
        let g = Generations::open(&path, 12, Arc::clone(&gate)).unwrap();
        let db = path.clone();
        let writer = std::thread::spawn(move || {
            let mut w = writer(&db);
            for i in 0..400 {
                {
                    // What `Db` does around each transaction off the quick path.
                    let _ticket = gate.enter();
                    w.execute_script(&format!("INSERT INTO t VALUES (randomblob(1500) || {i}); DELETE FROM t WHERE rowid % 7 = 0")).unwrap();
                }
                std::thread::sleep(Duration::from_micros(300));
            }
        });
        let mut start = g.export(1).unwrap();
        let mut rolls = 0;
        while !writer.is_finished() || rolls == 0 {
            if g.maybe_checkpoint().unwrap_or(false) {
                let current = g.current().unwrap();
                let archive = fs::read(format!("{path}-gen-{}.wal", current - 1)).unwrap();
                let next = g.export(current).unwrap();
                assert!(replay(&start, &archive) == next, "generation {current} does not start where {} ended", current - 1);
                start = next;
                rolls += 1;
            }
        }
        writer.join().unwrap();
        assert!(rolls >= 3, "only {rolls} generations ended");
    }

    #[test]
    fn other_page_sizes_are_refused() {
        let path = temp_db("pagesize");
        // Opened without switching to WAL, which would write the header with the default page size.
        let settings = crate::sqlite::FileSettings { journal: crate::sqlite::Journal::Delete, ..Default::default() };
        let mut c = Connection::open_with(&path, &settings).unwrap();
        c.execute_script("PRAGMA page_size=1024; PRAGMA journal_mode=WAL; CREATE TABLE t (x)").unwrap();
        let g = gens(&path, 10);
        assert_eq!(g.current(), Err(SyncError::PageSize(1024)));
        assert_eq!(g.frames(1, 1, 2), Err(SyncError::PageSize(1024)));
    }
}
