//! The engine over real SQLite files: renames, backfills, consent, drift, and a writer that
//! slips in between the checks and the write.

use super::*;
use crate::local::snapshot_table;
use crate::migrate::Hints;
use crate::schema::{load_config, load_snapshot, Schema};
use crate::sqlite::Connection;

struct Db {
    path: String,
}

impl Db {
    fn new(name: &str) -> Db {
        let path = std::env::temp_dir().join(format!("astro-db-push-{name}-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        Db { path: path.to_string_lossy().into_owned() }
    }
    fn conn(&self) -> Connection {
        Connection::open(&self.path).unwrap()
    }
    fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let mut c = self.conn();
        run_ready(c.read(&[], &[sql.to_string()])).unwrap().unwrap().remove(0).unwrap()
    }
    fn texts(&self, sql: &str) -> Vec<String> {
        self.rows(sql).into_iter().map(|r| r[0].clone().unwrap_or_default()).collect()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn schema(tables: &str) -> (Schema, String) {
    let loaded = load_config(&format!("{{\"tables\":{{{tables}}}}}")).unwrap();
    (load_snapshot(&loaded.snapshot_json, true).unwrap(), loaded.snapshot_json)
}

fn push_with(db: &Db, tables: &str, options: PushOptions) -> Result<PushReport, PushError> {
    let (s, j) = schema(tables);
    run_ready(push(&mut db.conn(), &s, &j, &options)).unwrap()
}

fn apply() -> PushOptions {
    PushOptions { apply: true, ..PushOptions::default() }
}

const ID: &str = r#""id":{"type":"number","schema":{"primaryKey":true}}"#;

fn comment(cols: &str) -> String {
    format!(r#""Comment":{{"columns":{{{ID},{cols}}}}}"#)
}

#[test]
fn a_declared_column_rename_keeps_values_and_is_a_no_op_afterwards() {
    let db = Db::new("rename-col");
    push_with(&db, &comment(r#""body":{"type":"text"}"#), apply()).unwrap();
    db.conn().execute_script("INSERT INTO Comment VALUES (1, 'hello')").unwrap();
    let renamed = comment(r#""text":{"type":"text","schema":{"renamedFrom":"body"}}"#);
    let r = push_with(&db, &renamed, apply()).unwrap();
    assert_eq!(r.status, Status::Applied, "{r:?}");
    assert_eq!(r.queries, vec![r#"ALTER TABLE "Comment" RENAME COLUMN "body" TO "text""#]);
    assert_eq!(db.texts("SELECT text FROM Comment"), ["hello"]);
    assert_eq!(push_with(&db, &renamed, apply()).unwrap().status, Status::Match);
}

#[test]
fn an_undeclared_rename_is_refused_naming_the_flag_then_applied_with_it() {
    let db = Db::new("rename-flag");
    push_with(&db, &comment(r#""body":{"type":"text"}"#), apply()).unwrap();
    db.conn().execute_script("INSERT INTO Comment VALUES (1, 'hello')").unwrap();
    let new = comment(r#""text":{"type":"text"}"#);
    let r = push_with(&db, &new, apply()).unwrap();
    assert_eq!(r.status, Status::Blocked);
    assert!(r.notes.iter().any(|n| n.rename.as_deref() == Some("Comment.body=text")), "{:?}", r.notes);
    let drop = r.steps.iter().find(|s| s.blocking).unwrap();
    assert!(drop.step.suggestion.as_deref().unwrap_or("").contains("--rename Comment.body=text"));
    let mut o = apply();
    o.hints.renames.push(Hints::parse_rename("Comment.body=text").unwrap());
    assert_eq!(push_with(&db, &new, o).unwrap().status, Status::Applied);
    assert_eq!(db.texts("SELECT text FROM Comment"), ["hello"]);
}

#[test]
fn a_table_rename_keeps_rows_and_references_and_both_names_present_is_an_error() {
    let db = Db::new("rename-table");
    let v1 = format!(r#""Post":{{"columns":{{{ID},"t":{{"type":"text"}}}}}},"Like":{{"columns":{{{ID},"postId":{{"type":"number","schema":{{"references":{{"table":"Post","column":"id"}}}}}}}}}}"#);
    push_with(&db, &v1, apply()).unwrap();
    db.conn().execute_script("INSERT INTO Post VALUES (1, 'a'); INSERT INTO Like VALUES (1, 1)").unwrap();
    let v2 = format!(r#""Article":{{"renamedFrom":"Post","columns":{{{ID},"t":{{"type":"text"}}}}}},"Like":{{"columns":{{{ID},"postId":{{"type":"number","schema":{{"references":{{"table":"Article","column":"id"}}}}}}}}}}"#);
    let r = push_with(&db, &v2, apply()).unwrap();
    assert_eq!(r.status, Status::Applied, "{r:?}");
    assert_eq!(r.queries[0], r#"ALTER TABLE "Post" RENAME TO "Article""#);
    assert_eq!(db.texts("SELECT t FROM Article"), ["a"]);
    assert_eq!(db.texts("SELECT \"table\" FROM pragma_foreign_key_list('Like')"), ["Article"]);
    assert_eq!(push_with(&db, &v2, apply()).unwrap().status, Status::Match);
    // Someone re-creates the old table by hand: the declared rename can no longer tell.
    db.conn().execute_script("CREATE TABLE Post (id INTEGER PRIMARY KEY)").unwrap();
    let mut o = apply();
    o.hints.renames.push(Hints::parse_rename("Post=Article").unwrap());
    let (s, j) = schema(&v2);
    let stored = snapshot_table::read(&mut db.conn()).unwrap().unwrap();
    let mut old = load_snapshot(&stored, false).unwrap();
    old.tables.push(crate::schema::Table::new("Post"));
    let err = crate::migrate::plan_migration_with(&old, &s, crate::migrate::PlanOptions::default(), &o.hints).unwrap_err();
    assert!(err.contains("Post") && err.contains("Article"), "{err}");
    let _ = j;
}

#[test]
fn a_backfill_fills_existing_rows_of_a_new_required_column() {
    let db = Db::new("backfill");
    push_with(&db, &comment(r#""body":{"type":"text"}"#), apply()).unwrap();
    db.conn().execute_script("INSERT INTO Comment VALUES (1, 'a'), (2, 'bb')").unwrap();
    let new = comment(r#""body":{"type":"text"},"rating":{"type":"number"}"#);
    let r = push_with(&db, &new, apply()).unwrap();
    assert_eq!(r.status, Status::Blocked);
    let step = r.steps.iter().find(|s| s.blocking).unwrap();
    assert_eq!((step.step.kind, step.rows), ("addRequiredColumn", Some(2)));
    assert!(step.step.suggestion.as_deref().unwrap_or("").contains("--backfill Comment.rating="));
    let mut o = apply();
    o.hints.backfills.push(Hints::parse_backfill("Comment.rating=length(body) * 10").unwrap());
    assert_eq!(push_with(&db, &new, o).unwrap().status, Status::Applied);
    assert_eq!(db.texts("SELECT rating FROM Comment ORDER BY id"), ["10", "20"]);
    assert_eq!(db.texts("SELECT \"notnull\" FROM pragma_table_info('Comment') WHERE name = 'rating'"), ["1"]);
}

#[test]
fn consent_accepts_exactly_the_named_loss() {
    let db = Db::new("consent");
    push_with(&db, &comment(r#""body":{"type":"text"},"title":{"type":"text"}"#), apply()).unwrap();
    db.conn().execute_script("INSERT INTO Comment VALUES (1, 'b', 't')").unwrap();
    let new = comment(r#""x":{"type":"number","schema":{"optional":true}}"#);
    let mut o = apply();
    o.consent.accept.push("Comment.body".into());
    let r = push_with(&db, &new, o.clone()).unwrap();
    assert_eq!(r.status, Status::Blocked);
    let blocking: Vec<_> = r.steps.iter().filter(|s| s.blocking).map(|s| (s.step.column.clone(), s.rows, s.flag.clone())).collect();
    assert_eq!(blocking, vec![(Some("title".to_string()), Some(1), Some("--accept-data-loss Comment.title".to_string()))]);
    assert_eq!(db.texts("SELECT body FROM Comment"), ["b"]);
    o.consent.accept.push("Comment.title".into());
    assert_eq!(push_with(&db, &new, o).unwrap().status, Status::Applied);
    assert_eq!(db.texts("SELECT count(*) FROM Comment"), ["1"]);
}

#[test]
fn hand_made_columns_and_triggers_block_a_rebuild_naming_them() {
    let db = Db::new("drift");
    push_with(&db, &comment(r#""body":{"type":"text"}"#), apply()).unwrap();
    db.conn().execute_script("ALTER TABLE Comment ADD COLUMN note TEXT; INSERT INTO Comment VALUES (1, 'b', 'keep me')").unwrap();
    // A unique constraint needs a rebuild, which would copy only what the snapshot knows.
    let r = push_with(&db, &comment(r#""body":{"type":"text","schema":{"unique":true}}"#), apply()).unwrap();
    assert_eq!(r.status, Status::Blocked);
    assert!(r.drift.iter().any(|d| d.name == "note"));
    let step = r.steps.iter().find(|s| s.blocking).unwrap();
    assert!(step.step.message.contains("note") && step.step.message.contains("Comment"), "{}", step.step.message);
    assert_eq!(db.texts("SELECT note FROM Comment"), ["keep me"]);
    // A change that needs no rebuild still applies, and the drift is reported.
    let r = push_with(&db, &comment(r#""body":{"type":"text"},"x":{"type":"text","schema":{"optional":true}}"#), apply()).unwrap();
    assert_eq!(r.status, Status::Applied);
    assert!(!r.drift.is_empty());
}

/// Runs a statement through a second connection right after the engine's data checks, as a
/// concurrent writer would, then lets the write go ahead.
struct Interleave {
    conn: Connection,
    other: String,
    sql: &'static str,
    reads: usize,
}

impl Executor for Interleave {
    async fn read(&mut self, prelude: &[String], queries: &[String]) -> Result<Vec<Result<Rows, ExecError>>, ExecError> {
        let out = self.conn.read(prelude, queries).await;
        self.reads += 1;
        if self.reads == 2 {
            Connection::open(&self.other).unwrap().execute_script(self.sql).unwrap();
        }
        out
    }
    async fn write(&mut self, statements: &[String], foreign_keys_off: bool) -> Result<(), ExecError> {
        self.conn.write(statements, foreign_keys_off).await
    }
}

#[test]
fn a_row_written_between_the_checks_and_the_write_is_never_lost() {
    let db = Db::new("concurrent");
    push_with(&db, &comment(r#""body":{"type":"text","schema":{"optional":true}}"#), apply()).unwrap();
    db.conn().execute_script("INSERT INTO Comment VALUES (1, NULL)").unwrap();
    let before = snapshot_table::read(&mut db.conn()).unwrap();
    // Dropping `body` is fine while it holds no value; a writer fills one in between.
    let (s, j) = schema(&comment(r#""x":{"type":"text","schema":{"optional":true}}"#));
    let mut exec = Interleave { conn: db.conn(), other: db.path.clone(), sql: "UPDATE Comment SET body = 'late' WHERE id = 1", reads: 0 };
    let err = run_ready(push(&mut exec, &s, &j, &apply())).unwrap().unwrap_err();
    assert_eq!(err.code(), "ASTRO_DB_DATA_CHANGED", "{err}");
    assert!(err.to_string().contains("Comment.body"), "{err}");
    assert_eq!(db.texts("SELECT body FROM Comment"), ["late"]);
    assert_eq!(snapshot_table::read(&mut db.conn()).unwrap(), before);
    // Pushed again, the plan sees the value and refuses.
    let (s, j) = schema(&comment(r#""x":{"type":"text","schema":{"optional":true}}"#));
    assert_eq!(run_ready(push(&mut db.conn(), &s, &j, &apply())).unwrap().unwrap().status, Status::Blocked);
}

#[test]
fn a_file_without_snapshot_is_adopted_under_the_old_names_of_declared_renames() {
    let db = Db::new("adopt-rename");
    db.conn().execute_script(r#"CREATE TABLE "Item" ("id" integer PRIMARY KEY, "name" text NOT NULL); INSERT INTO Item VALUES (1, 'kept')"#).unwrap();
    let new = format!(r#""Thing":{{"renamedFrom":"Item","columns":{{{ID},"label":{{"type":"text","schema":{{"renamedFrom":"name"}}}}}}}}"#);
    let r = push_with(&db, &new, apply()).unwrap();
    assert_eq!(r.status, Status::Applied, "{r:?}");
    assert_eq!(db.texts("SELECT label FROM Thing"), ["kept"]);
}

#[test]
fn a_type_change_converts_when_every_value_survives_and_names_the_rows_that_would_not() {
    let db = Db::new("convert");
    let flag = |kind: &str| format!(r#""Flag":{{"columns":{{{ID},"v":{{"type":"{kind}","schema":{{"optional":true}}}}}}}}"#);
    push_with(&db, &flag("text"), apply()).unwrap();
    db.conn().execute_script("INSERT INTO Flag VALUES (1, '5'), (2, 'five'), (3, NULL)").unwrap();
    let r = push_with(&db, &flag("number"), apply()).unwrap();
    assert_eq!(r.status, Status::Blocked);
    let step = r.steps.iter().find(|s| s.blocking).unwrap();
    assert_eq!((step.step.kind, step.rows), ("changeType", Some(1)));
    assert!(step.step.message.contains("Flag.v"), "{}", step.step.message);
    db.conn().execute_script("UPDATE Flag SET v = '55' WHERE id = 2").unwrap();
    assert_eq!(push_with(&db, &flag("number"), apply()).unwrap().status, Status::Applied);
    assert_eq!(db.texts("SELECT typeof(v) || ':' || v FROM Flag WHERE v IS NOT NULL ORDER BY id"), ["integer:5", "integer:55"]);
    // Back to text: every integer converts.
    let r = push_with(&db, &flag("text"), apply()).unwrap();
    assert_eq!(r.status, Status::Applied);
    assert_eq!(db.texts("SELECT typeof(v) FROM Flag WHERE v IS NOT NULL"), ["text", "text"]);
}
