//! What a connection refuses, bounds and reports, tried on `Db` directly (the attack tests
//! in `__test__/serve.attack.test.mjs` try the same through a running server).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::batch::ResultBuilder;
use super::error::ServeError;
use super::exec::Db;
use super::limits::Limits;
use super::proto::Stmt;

fn stmt(sql: &str) -> Stmt {
    serde_json::from_value(serde_json::json!({ "sql": sql })).unwrap()
}

fn db_with(limits: Limits) -> Db {
    Db::open_gated(":memory:", None, Arc::new(limits), Arc::default()).unwrap()
}

fn run(db: &mut Db, sql: &str) -> Result<usize, ServeError> {
    db.check(sql, &stmt(sql))?;
    let mut rb = ResultBuilder::default();
    let end = db.run(sql, &stmt(sql), &mut rb)?;
    Ok(rb.finish(end).rows.len())
}

#[test]
fn a_read_only_connection_cannot_write_even_after_attach_changes_compilation() {
    let mut db = db_with(Limits { allow_attach: true, ..Limits::default() });
    run(&mut db, "CREATE TABLE users (id)").unwrap();
    db.set_can_write(false);
    assert_eq!(run(&mut db, "SELECT * FROM users"), Ok(0));
    for write in ["DROP TABLE users", "DELETE FROM users", "INSERT INTO users VALUES (1)", "CREATE TABLE t (x)", "PRAGMA user_version = 3", "VACUUM"] {
        assert_eq!(run(&mut db, write), Err(ServeError::read_only()), "{write}");
    }
    // The sequence that fooled the compile-ahead check.
    assert_eq!(db.sequence("ATTACH ':memory:' AS x; SELECT * FROM x.sqlite_master; DROP TABLE users"), Err(ServeError::read_only()));
    assert_eq!(db.sequence("SELECT 1; DROP TABLE users"), Err(ServeError::read_only()));
    db.set_can_write(true);
    assert_eq!(run(&mut db, "SELECT count(*) FROM users"), Ok(1), "the table is still there");
    // Statements cached under write rights are authorized anew.
    run(&mut db, "INSERT INTO users VALUES (1)").unwrap();
    db.set_can_write(false);
    assert_eq!(run(&mut db, "INSERT INTO users VALUES (1)"), Err(ServeError::read_only()));
}

#[test]
fn attach_is_refused_unless_allowed() {
    let mut db = db_with(Limits::default());
    for sql in ["ATTACH ':memory:' AS x", "DETACH x"] {
        match run(&mut db, sql) {
            Err(ServeError::Stmt(e)) => assert!(e.code == "SQLITE_AUTH" && e.message.contains("--allow-attach"), "{e:?}"),
            other => panic!("{sql}: {other:?}"),
        }
    }
    assert!(db.sequence("SELECT 1; ATTACH '/tmp/x.db' AS x").is_err());
    // VACUUM INTO writes a file of the client's choosing, like ATTACH.
    let into = std::env::temp_dir().join(format!("astro-db-vacuum-into-{}.db", std::process::id()));
    let sql = format!("VACUUM INTO '{}'", into.display());
    assert!(run(&mut db, &sql).is_err(), "VACUUM INTO ran");
    assert!(!into.exists());
    assert!(!db.is_dirty());
    let mut db = db_with(Limits { allow_attach: true, ..Limits::default() });
    run(&mut db, "ATTACH ':memory:' AS x").unwrap();
    assert!(db.is_dirty(), "an attached database goes with the connection");
}

#[test]
fn state_changes_mark_the_connection_not_reusable() {
    for sql in ["PRAGMA query_only = 1", "PRAGMA foreign_keys = OFF", "CREATE TEMP TABLE t (x)", "CREATE TEMP VIEW v AS SELECT 1"] {
        let mut db = db_with(Limits::default());
        run(&mut db, "PRAGMA table_info(sqlite_master)").unwrap();
        run(&mut db, "PRAGMA foreign_keys").unwrap();
        assert!(!db.is_dirty(), "reads leave it clean");
        run(&mut db, sql).unwrap();
        assert!(db.is_dirty(), "{sql}");
    }
}

#[test]
fn a_runaway_query_is_interrupted_at_the_deadline() {
    let mut db = db_with(Limits { query_timeout: Duration::from_millis(200), ..Limits::default() });
    let start = Instant::now();
    let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    match run(&mut db, sql) {
        Err(ServeError::Stmt(e)) => assert!(e.code == "SQLITE_INTERRUPT" && e.message.contains("query timeout"), "{e:?}"),
        other => panic!("{other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(2));
    match db.sequence(&format!("SELECT 1; {sql}")) {
        Err(ServeError::Stmt(e)) => assert!(e.message.contains("query timeout"), "{e:?}"),
        other => panic!("{other:?}"),
    }
    // The deadline is per statement: the connection goes on.
    assert_eq!(run(&mut db, "SELECT 1"), Ok(1));
}

#[test]
fn results_are_capped_per_statement_and_per_request() {
    let mut db = db_with(Limits { max_response_size: 10_000, max_total_response_size: 20_000, ..Limits::default() });
    let big = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT randomblob(100) FROM c";
    match run(&mut db, big) {
        Err(ServeError::Stmt(e)) => assert!(e.code == "RESPONSE_TOO_LARGE" && e.message.contains("10000"), "{e:?}"),
        other => panic!("{other:?}"),
    }
    db.reset_budget();
    let part = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50) SELECT randomblob(100) FROM c";
    assert!(run(&mut db, part).is_ok() && run(&mut db, part).is_ok());
    match run(&mut db, part) {
        Err(ServeError::Stmt(e)) => assert!(e.code == "RESPONSE_TOO_LARGE" && e.message.contains("in total"), "{e:?}"),
        other => panic!("{other:?}"),
    }
    db.reset_budget();
    assert!(run(&mut db, part).is_ok());
}

#[test]
fn a_transaction_open_too_long_is_rolled_back() {
    let mut db = db_with(Limits { txn_timeout: Duration::from_millis(100), ..Limits::default() });
    run(&mut db, "CREATE TABLE t (x)").unwrap();
    run(&mut db, "BEGIN").unwrap();
    run(&mut db, "INSERT INTO t VALUES (1)").unwrap();
    std::thread::sleep(Duration::from_millis(150));
    assert!(db.is_stale(Instant::now()));
    match run(&mut db, "SELECT 1") {
        Err(ServeError::Stmt(e)) => assert_eq!(e.code, "TRANSACTION_TIMEOUT"),
        other => panic!("{other:?}"),
    }
    assert!(db.is_autocommit());
    assert_eq!(run(&mut db, "SELECT * FROM t"), Ok(0), "the insert was rolled back");
}

#[test]
fn ordinary_writes_and_transactions_leave_the_connection_reusable() {
    let mut db = db_with(Limits::default());
    for sql in ["CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)", "BEGIN IMMEDIATE", "INSERT INTO kv (v) VALUES ('x')", "UPDATE kv SET v = 'y'", "SELECT * FROM kv", "COMMIT", "DELETE FROM kv", "PRAGMA table_info(kv)"] {
        run(&mut db, sql).unwrap();
        assert!(!db.is_dirty(), "{sql} marked the connection");
    }
}
