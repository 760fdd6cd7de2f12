//! The Rust `libsql` crate (remote over HTTP, Hrana v3 pipeline and cursor) judges `serve`.

use astro_db::server::{self, Config};
use libsql::{params, Builder, Value};

async fn start(name: &str) -> (server::Running, String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("astro-db-serve-rs-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("test.db");
    let _ = std::fs::remove_file(&db);
    let cfg = Config { db: db.to_string_lossy().into_owned(), host: "127.0.0.1".into(), port: 0, auth_jwt_key: None, sync_checkpoint_frames: server::DEFAULT_CHECKPOINT_FRAMES, limits: Default::default(), cors_origins: vec![], allow_hosts: vec![] };
    let running = server::start(cfg).await.unwrap();
    // libsql maps libsql:// to https; plain http keeps it on loopback without TLS.
    let url = format!("http://127.0.0.1:{}", running.addr.port());
    (running, url, dir)
}

async fn connect(url: &str, token: &str) -> libsql::Connection {
    let db = Builder::new_remote(url.to_owned(), token.to_owned())
        .connector(hyper014::client::HttpConnector::new())
        .build()
        .await
        .unwrap();
    db.connect().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_runs_the_battery() {
    let (running, url, dir) = start("battery").await;
    let conn = connect(&url, "").await;

    conn.execute("create table t (id integer primary key, name text unique, n integer, f real, b blob)", ()).await.unwrap();
    let n = conn.execute("insert into t (name, n) values (?1, ?2)", params!["a", 9_007_199_254_740_993i64]).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(conn.last_insert_rowid(), 1);
    conn.execute("insert into t (name, f, b) values (:name, :f, :b)", libsql::named_params! { ":name": "b", ":f": 1.5, ":b": vec![0u8, 255] })
        .await
        .unwrap();

    let mut rows = conn.query("select id, name, n, f, b from t order by id", ()).await.unwrap();
    let first = rows.next().await.unwrap().unwrap();
    assert_eq!(first.get::<i64>(2).unwrap(), 9_007_199_254_740_993);
    let second = rows.next().await.unwrap().unwrap();
    assert_eq!(second.get::<f64>(3).unwrap(), 1.5);
    assert_eq!(second.get_value(4).unwrap(), Value::Blob(vec![0, 255]));
    assert_eq!(second.get_value(2).unwrap(), Value::Null);
    assert!(rows.next().await.unwrap().is_none());
    drop(rows);

    assert_eq!(conn.execute("update t set n = 0", ()).await.unwrap(), 2);

    let err = conn.execute("insert into t (name) values ('a')", ()).await.unwrap_err().to_string();
    assert!(err.contains("UNIQUE constraint failed"), "{err}");
    let err = conn.execute("selec 1", ()).await.unwrap_err().to_string();
    assert!(err.contains("syntax error") || err.contains("SQL_PARSE_ERROR"), "{err}");

    // transactions hold a stream (batons across requests)
    let tx = conn.transaction().await.unwrap();
    tx.execute("insert into t (name) values ('c')", ()).await.unwrap();
    tx.rollback().await.unwrap();
    let tx = conn.transaction().await.unwrap();
    tx.execute("insert into t (name) values ('d')", ()).await.unwrap();
    tx.commit().await.unwrap();
    let mut rows = conn.query("select group_concat(name, ',') from t", ()).await.unwrap();
    assert_eq!(rows.next().await.unwrap().unwrap().get::<String>(0).unwrap(), "a,b,d");
    drop(rows);

    conn.execute_batch("create table m(x); insert into m values (1); insert into m values (2);").await.unwrap();
    let mut rows = conn.query("select sum(x) from m", ()).await.unwrap();
    assert_eq!(rows.next().await.unwrap().unwrap().get::<i64>(0).unwrap(), 3);
    drop(rows);

    let stmt = conn.prepare("select ?1 + ?2 as total").await.unwrap();
    let mut rows = stmt.query(params![1, 2]).await.unwrap();
    assert_eq!(rows.next().await.unwrap().unwrap().get::<i64>(0).unwrap(), 3);
    drop(rows);

    // a second connection sees committed data; a read-only statement on it works alongside
    let other = connect(&url, "").await;
    let mut rows = other.query("select count(*) from t", ()).await.unwrap();
    assert_eq!(rows.next().await.unwrap().unwrap().get::<i64>(0).unwrap(), 3);
    drop(rows);

    running.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
