//! `<db>-info`: where an embedded replica stands in its primary's log (generation, last
//! frame applied). The same JSON and checksum as libSQL's replicas, so either can resume
//! the other's files.

use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

const VERSION: u32 = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The primary's generation the local WAL follows (starts at 1).
    pub generation: u32,
    /// The last frame of that generation applied and committed locally (0: none).
    pub frame: u32,
}

#[derive(Serialize, Deserialize)]
struct MetadataJson {
    hash: u32,
    version: u32,
    durable_frame_num: u32,
    generation: u32,
}

pub fn info_path(db_path: &str) -> String {
    format!("{db_path}-info")
}

fn hash(version: u32, frame: u32, generation: u32) -> u32 {
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&version.to_le_bytes());
    bytes[4..8].copy_from_slice(&frame.to_le_bytes());
    bytes[8..].copy_from_slice(&generation.to_le_bytes());
    crc32(&bytes)
}

/// CRC-32 (IEEE), bitwise: a dozen bytes per write do not need a table or a crate.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// The stored position; `Ok(None)` when the replica has none yet.
pub fn read(db_path: &str) -> Result<Option<Position>, String> {
    let path = info_path(db_path);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {path}: {e}")),
    };
    let m: MetadataJson = serde_json::from_slice(&bytes).map_err(|e| format!("{path} is not replica metadata: {e}"))?;
    if m.version != VERSION || m.hash != hash(m.version, m.durable_frame_num, m.generation) || m.generation == 0 {
        return Err(format!("{path} is damaged (checksum or version mismatch)"));
    }
    Ok(Some(Position { generation: m.generation, frame: m.durable_frame_num }))
}

pub fn write(db_path: &str, pos: Position) -> Result<(), String> {
    let m = MetadataJson { hash: hash(VERSION, pos.frame, pos.generation), version: VERSION, durable_frame_num: pos.frame, generation: pos.generation };
    let bytes = serde_json::to_vec(&m).map_err(|e| e.to_string())?;
    write_atomic(Path::new(&info_path(db_path)), &bytes)
}

/// A temp file beside `path`, named after all of it (`app.db` and `app.sqlite` never share
/// one) and unique, created exclusively: `O_EXCL` fails on anything already there, a symlink
/// planted under the name included, so the bytes never land in someone else's file.
fn temp_beside(path: &Path, bytes: &[u8]) -> io::Result<std::path::PathBuf> {
    use std::io::Write;
    let name = path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    for attempt in 0..16u32 {
        let mut unique = [0u8; 8];
        let _ = getrandom::fill(&mut unique);
        let mut tmp_name = name.to_os_string();
        tmp_name.push(format!(".tmp-{}-{:016x}-{attempt}", std::process::id(), u64::from_le_bytes(unique)));
        let tmp = path.with_file_name(tmp_name);
        let mut f = match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = f.write_all(bytes).and_then(|()| f.sync_all());
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        return Ok(tmp);
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary name"))
}

/// Temp file, fsync, rename: a crash leaves the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let fail = |e: io::Error| format!("cannot write {}: {e}", path.display());
    let tmp = temp_beside(path, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

/// Like [`write_atomic`] for a file that must not exist yet: it is linked into place, which
/// fails, rather than replaces, when anything (a file, a symlink) took the name meanwhile.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = temp_beside(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    linked.map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => format!("{} appeared while the replica was downloaded: it is left alone, use a new path for the replica", path.display()),
        _ => format!("cannot create {}: {e}", path.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_the_ieee_one() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn temp_files_are_per_target_and_never_follow_a_planted_name() {
        let dir = std::env::temp_dir().join(format!("astro-db-meta-tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        std::fs::write(&victim, b"user data").unwrap();
        // Every target in a directory used to share `app.tmp-PID`; a symlink planted there
        // sent the bytes into another file.
        let planted = dir.join(format!("app.tmp-{}", std::process::id()));
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        write_atomic(&dir.join("app.db"), b"one").unwrap();
        write_atomic(&dir.join("app.sqlite"), b"two").unwrap();
        write_atomic(&dir.join("app.db-info"), b"three").unwrap();
        assert_eq!(std::fs::read(dir.join("app.db")).unwrap(), b"one");
        assert_eq!(std::fs::read(dir.join("app.sqlite")).unwrap(), b"two");
        assert_eq!(std::fs::read(dir.join("app.db-info")).unwrap(), b"three");
        assert_eq!(std::fs::read(&victim).unwrap(), b"user data");
        let _ = std::fs::remove_file(&planted);
        // A file (or symlink) that took the name is never replaced by a bootstrap.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&victim, dir.join("new.db")).unwrap();
            assert!(write_new(&dir.join("new.db"), b"export").unwrap_err().contains("left alone"));
            assert_eq!(std::fs::read(&victim).unwrap(), b"user data");
        }
        write_new(&dir.join("fresh.db"), b"export").unwrap();
        assert_eq!(std::fs::read(dir.join("fresh.db")).unwrap(), b"export");
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().contains(".tmp-")).collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn round_trips_and_rejects_tampering() {
        let db = std::env::temp_dir().join(format!("astro-db-meta-{}.db", std::process::id()));
        let db = db.to_str().unwrap();
        assert_eq!(read(db).unwrap(), None);
        write(db, Position { generation: 3, frame: 17 }).unwrap();
        assert_eq!(read(db).unwrap(), Some(Position { generation: 3, frame: 17 }));
        let text = std::fs::read_to_string(info_path(db)).unwrap().replace("17", "18");
        std::fs::write(info_path(db), text).unwrap();
        assert!(read(db).unwrap_err().contains("damaged"));
        std::fs::remove_file(info_path(db)).unwrap();
    }
}
