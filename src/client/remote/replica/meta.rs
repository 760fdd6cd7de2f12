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

/// Temp file, fsync, rename: a crash leaves the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let run = || -> io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    run().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
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
