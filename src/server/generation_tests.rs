//! Tests of `generation`: generations, archives and exports under concurrent writers.

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
    assert!(export_all(&g, 1).is_ok());
    std::thread::sleep(Duration::from_millis(20));
    let mut other = Connection::open(&path).unwrap();
    other.execute_script("PRAGMA wal_checkpoint(PASSIVE)").unwrap();
    // The frames are intact and still served; the file is not the generation's start.
    assert_eq!(g.frames(1, 1, 1000).unwrap(), frames);
    assert!(matches!(export_all(&g, 1), Err(SyncError::Unavailable(_))));
    assert!(g.maybe_checkpoint().unwrap());
    assert_eq!(g.current().unwrap(), 2);
    assert_eq!(g.frames(1, 1, 1000).unwrap(), frames);
    assert!(export_all(&g, 2).is_ok());
    // Also while the server is down.
    insert(&mut w, 2);
    drop(g);
    std::thread::sleep(Duration::from_millis(20));
    other.execute_script("PRAGMA wal_checkpoint(PASSIVE)").unwrap();
    let g = gens(&path, 1000);
    assert!(matches!(export_all(&g, 2), Err(SyncError::Unavailable(_))));
    assert!(g.maybe_checkpoint().unwrap());
    assert!(export_all(&g, 3).is_ok());
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
    assert_eq!(export_all(&g, 1).unwrap(), main_before);
    assert!(g.maybe_checkpoint().unwrap());
    assert_eq!(g.current().unwrap(), 2);
    assert_eq!(g.frames(1, 1, 1000).unwrap(), before);
    assert_eq!(g.frames(1, 3, 5).unwrap(), before[2 * FRAME_SIZE..4 * FRAME_SIZE]);
    assert_eq!(g.frames(1, count + 1, count + 10), Err(SyncError::EndOfGeneration { current: 2 }));
    assert_eq!(g.frames(2, 1, 10), Err(SyncError::EndOfGeneration { current: 2 }));
    assert_eq!(export_all(&g, 1), Err(SyncError::TooOld { current: 2 }));
    assert_ne!(export_all(&g, 2).unwrap(), main_before);
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
    assert!(matches!(export_all(&g, 1), Err(SyncError::Unavailable(_))));
    assert!(!g.frames(1, 1, 2).unwrap().is_empty());
    reader.execute_script("COMMIT").unwrap();
    assert!(!g.maybe_checkpoint().unwrap(), "retried before the backoff");
    std::thread::sleep(CHECKPOINT_BACKOFF);
    assert!(g.maybe_checkpoint().unwrap());
    assert_eq!(g.current().unwrap(), 2);
    assert!(export_all(&g, 2).is_ok());
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
    let mut start = export_all(&g, 1).unwrap();
    let mut rolls = 0;
    while !writer.is_finished() || rolls == 0 {
        if g.maybe_checkpoint().unwrap_or(false) {
            let current = g.current().unwrap();
            let archive = fs::read(format!("{path}-gen-{}.wal", current - 1)).unwrap();
            let next = export_all(&g, current).unwrap();
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

/// A whole export, read the way `/export` sends it.
fn export_all(g: &Generations, generation: u32) -> Result<Vec<u8>, SyncError> {
    let e = g.export(generation)?;
    let mut out = Vec::new();
    loop {
        let chunk = g.export_chunk(&e, out.len() as u64, 5000)?;
        if chunk.is_empty() {
            return Ok(out);
        }
        out.extend_from_slice(&chunk);
    }
}

#[test]
fn an_export_cut_by_a_checkpoint_fails_instead_of_mixing_generations() {
    let path = temp_db("export-cut");
    let mut w = writer(&path);
    let g = gens(&path, 1);
    insert(&mut w, 5);
    let e = g.export(1).unwrap();
    assert!(!g.export_chunk(&e, 0, 4096).unwrap().is_empty());
    assert!(g.maybe_checkpoint().unwrap());
    assert!(matches!(g.export_chunk(&e, 4096, 4096), Err(SyncError::Unavailable(_))));
}
