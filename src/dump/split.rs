//! SQL text to statements, one at a time from any reader (a file of any size in flat memory).
//! SQLite's own `sqlite3_complete` decides where a statement ends (quotes, comments and
//! trigger bodies included).

use std::ffi::c_char;
use std::io::BufRead;

use libsql::ffi;

/// What a statement of a dump does to the transaction around it.
#[derive(Debug, PartialEq)]
pub enum Kind {
    /// Anything the load runs.
    Run,
    /// `BEGIN`, `COMMIT`, `END`, `PRAGMA foreign_keys`: the loader holds the transaction.
    Skip,
    /// `ROLLBACK`: `sqlite3 .dump` ends with it when the dump failed; such a file is not whole.
    Rollback,
}

/// The first word after whitespace and comments, upper-cased.
fn first_words(sql: &str) -> (String, String) {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    let mut words = rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty());
    (words.next().unwrap_or("").to_ascii_uppercase(), words.next().unwrap_or("").to_ascii_lowercase())
}

pub fn kind(sql: &str) -> Kind {
    match first_words(sql) {
        (w, _) if w == "BEGIN" || w == "COMMIT" || w == "END" => Kind::Skip,
        (w, p) if w == "PRAGMA" && p == "foreign_keys" => Kind::Skip,
        (w, _) if w == "ROLLBACK" => Kind::Rollback,
        _ => Kind::Run,
    }
}

/// Statements of a reader, each with the line it starts on.
pub struct Statements<R: BufRead> {
    input: R,
    buf: Vec<u8>,
    line: usize,
    /// Bytes read so far (for progress).
    pub read: u64,
}

/// Splits `input` into statements.
pub fn statements<R: BufRead>(input: R) -> Statements<R> {
    Statements { input, buf: Vec::new(), line: 0, read: 0 }
}

fn complete(buf: &mut Vec<u8>) -> bool {
    buf.push(0);
    // SAFETY: NUL-terminated; sqlite3_complete only reads up to the NUL.
    let done = unsafe { ffi::sqlite3_complete(buf.as_ptr() as *const c_char) } != 0;
    buf.pop();
    done
}

impl<R: BufRead> Iterator for Statements<R> {
    /// `(first line, statement)`; an error for unreadable input or text that is not UTF-8.
    type Item = std::io::Result<(usize, String)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.buf.clear();
        let mut start = self.line + 1;
        loop {
            let before = self.buf.len();
            match self.input.read_until(b'\n', &mut self.buf) {
                Err(e) => return Some(Err(e)),
                Ok(0) => {
                    // A last statement without `;` still runs (as the sqlite3 shell does).
                    let rest = std::mem::take(&mut self.buf);
                    let text = String::from_utf8(rest).ok()?;
                    return if text.trim().is_empty() { None } else { Some(Ok((start, text))) };
                }
                Ok(n) => {
                    self.read += n as u64;
                    self.line += 1;
                    if before == 0 && self.buf.iter().all(u8::is_ascii_whitespace) {
                        self.buf.clear();
                        start = self.line + 1;
                        continue;
                    }
                    if self.buf[before..].contains(&b';') && complete(&mut self.buf) {
                        let bytes = std::mem::take(&mut self.buf);
                        return Some(String::from_utf8(bytes).map(|s| (start, s)).map_err(|_| {
                            std::io::Error::new(std::io::ErrorKind::InvalidData, format!("line {start}: the statement is not UTF-8 text"))
                        }));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_where_sqlite_would() {
        let text = "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nINSERT INTO t VALUES('a;\nb');\n\nCREATE TRIGGER x AFTER INSERT ON t BEGIN\n  SELECT 1;\nEND;\n-- c\nCOMMIT;\nSELECT 2";
        let got: Vec<(usize, String)> = statements(text.as_bytes()).map(Result::unwrap).collect();
        let lines: Vec<usize> = got.iter().map(|g| g.0).collect();
        assert_eq!(lines, [1, 2, 3, 6, 9, 11]);
        assert_eq!(got[2].1, "INSERT INTO t VALUES('a;\nb');\n");
        let kinds: Vec<Kind> = got.iter().map(|g| kind(&g.1)).collect();
        assert_eq!(kinds, [Kind::Skip, Kind::Skip, Kind::Run, Kind::Run, Kind::Skip, Kind::Run]);
        assert_eq!(kind("ROLLBACK; -- due to errors"), Kind::Rollback);
        assert_eq!(kind("PRAGMA writable_schema=ON;"), Kind::Run);
    }
}
