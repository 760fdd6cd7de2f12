//! Round trips through a real SQLite file: what `dump` writes, `load` reads back the same.

use super::*;
use crate::push::run_ready;
use crate::sqlite::{Connection, FileSettings};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("astro-db-dump-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn open(path: &std::path::Path) -> Connection {
    Connection::open_with(path.to_str().unwrap(), &FileSettings::default()).unwrap()
}

fn content(conn: &mut Connection) -> Vec<Vec<Option<String>>> {
    let mut out = run_ready(source::Source::rows(conn, "SELECT type, name, sql FROM sqlite_schema ORDER BY name")).unwrap().unwrap();
    for t in ["Parent", "Child \"odd\"", "select"] {
        let q = format!("SELECT quote(a), quote(b) FROM {} ORDER BY 1, 2", literal::ident(t));
        out.extend(run_ready(source::Source::rows(conn, &q)).unwrap().unwrap());
    }
    out
}

const CORPUS: &str = r#"
CREATE TABLE "Child ""odd""" (a INTEGER REFERENCES Parent(a), b);
CREATE TABLE Parent (a INTEGER PRIMARY KEY, b);
CREATE TABLE "select" (a TEXT PRIMARY KEY, b BLOB) WITHOUT ROWID;
CREATE INDEX "idx b" ON Parent(b);
CREATE TRIGGER trg AFTER INSERT ON Parent BEGIN SELECT 1; END;
INSERT INTO Parent VALUES (1, 9007199254740993), (2, -9223372036854775808), (3, 0.1), (4, 1e308), (5, 'it''s
multi;line é 🚀'), (6, X'00ff'), (7, NULL), (8, 9e999), (9, 1.0);
INSERT INTO "Child ""odd""" VALUES (1, 'x'), (2, CAST(X'610062' AS TEXT));
INSERT INTO "select" VALUES ('k', X''), ('', NULL);
"#;

#[test]
fn dump_then_load_gives_the_same_content() {
    let dir = scratch("round");
    let mut a = open(&dir.join("a.db"));
    a.execute_script(CORPUS).unwrap();
    let file = dir.join("out/a.sql");
    let r = run_ready(dump(&mut a, &file, &DumpOptions::default())).unwrap().unwrap();
    assert_eq!(r.rows, 13);
    assert_eq!(r.tables, ["Parent", "Child \"odd\"", "select"]);
    let mut b = open(&dir.join("b.db"));
    let input = std::io::BufReader::new(std::fs::File::open(&file).unwrap());
    run_ready(load(&mut b, input, "a.sql", &LoadOptions::default())).unwrap().unwrap();
    assert_eq!(content(&mut a), content(&mut b));
}

#[test]
fn load_refuses_a_database_with_tables_and_changes_nothing() {
    let dir = scratch("refuse");
    let mut b = open(&dir.join("b.db"));
    b.execute_script("CREATE TABLE Kept (a); INSERT INTO Kept VALUES (1);").unwrap();
    let sql = "CREATE TABLE New (a);";
    let e = run_ready(load(&mut b, sql.as_bytes(), "x.sql", &LoadOptions::default())).unwrap().unwrap_err();
    assert_eq!(e.code(), "ASTRO_DB_NOT_EMPTY");
    assert!(e.to_string().contains("(Kept)"), "{e}");
    // A failing statement halfway rolls back the replace too.
    let bad = "CREATE TABLE New (a);\nINSERT INTO New VALUES (1);\nINSERT INTO Missing VALUES (2);\n";
    let e = run_ready(load(&mut b, bad.as_bytes(), "x.sql", &LoadOptions { replace: true, ..Default::default() })).unwrap().unwrap_err();
    assert!(e.to_string().starts_with("x.sql line 3: no such table: Missing"), "{e}");
    let names = run_ready(<Connection as Sink>::names(&mut b, "SELECT name FROM sqlite_schema")).unwrap().unwrap();
    assert_eq!(names, ["Kept"]);
    let ok = run_ready(load(&mut b, sql.as_bytes(), "x.sql", &LoadOptions { replace: true, ..Default::default() })).unwrap().unwrap();
    assert_eq!(ok.replaced, ["Kept"]);
}

#[test]
fn a_failed_dump_leaves_no_file() {
    let dir = scratch("fail");
    let mut a = open(&dir.join("a.db"));
    a.execute_script("CREATE TABLE t (a);").unwrap();
    let file = dir.join("t.sql");
    let opts = DumpOptions { tables: Some(vec!["nope".into()]), ..Default::default() };
    let e = run_ready(dump(&mut a, &file, &opts)).unwrap().unwrap_err();
    assert!(e.to_string().contains("no table \"nope\""), "{e}");
    assert!(!file.exists() && !dir.join("t.sql.partial").exists());
}
