use super::query::{column_text, has_row};
use super::*;
use crate::schema::{load_config, load_snapshot};
use crate::sqlite::Connection;

fn schema(json: &str) -> (crate::schema::Schema, String) {
    let loaded = load_config(json).expect("valid config");
    (load_snapshot(&loaded.snapshot_json, true).expect("valid snapshot"), loaded.snapshot_json)
}

const V1: &str = r#"{"tables":{"Author":{"columns":{"id":{"type":"number","schema":{"primaryKey":true}},"name":{"type":"text","schema":{}}}}}}"#;
const V2: &str = r#"{"tables":{"Author":{"columns":{"id":{"type":"number","schema":{"primaryKey":true}},"name":{"type":"text","schema":{}},"bio":{"type":"text","schema":{"optional":true}}}}}}"#;
const V3_DROPS_NAME: &str = r#"{"tables":{"Author":{"columns":{"id":{"type":"number","schema":{"primaryKey":true}}}}}}"#;

fn tables(conn: &mut Connection) -> Vec<String> {
    column_text(conn, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name").unwrap()
}

#[test]
fn reset_drops_everything_and_creates_the_schema() {
    let mut conn = Connection::open(":memory:").unwrap();
    conn.execute_script("create table Old(x); create view V as select 1; create table Author(zzz); insert into Author values (1)").unwrap();
    let (s, _) = schema(V1);
    reset(&mut conn, &s).unwrap();
    assert_eq!(tables(&mut conn), ["Author"]);
    assert!(!has_row(&mut conn, "select 1 from Author").unwrap());
    assert!(has_row(&mut conn, "select 1 from pragma_table_info('Author') where name = 'name'").unwrap());
    assert!(conn.is_autocommit());
}

#[test]
fn migrate_creates_then_adds_and_records_snapshots() {
    let mut conn = Connection::open(":memory:").unwrap();
    let (s1, j1) = schema(V1);
    let first = migrate(&mut conn, &s1, &j1).unwrap();
    assert!(first.empty);
    assert_eq!(first.applied.len(), 1);
    conn.execute_script("insert into Author values (1, 'Ann')").unwrap();
    let again = migrate(&mut conn, &s1, &j1).unwrap();
    assert!(again.applied.is_empty());
    assert!(!again.empty);
    let (s2, j2) = schema(V2);
    let added = migrate(&mut conn, &s2, &j2).unwrap();
    assert_eq!(added.applied.len(), 1, "{:?}", added.applied);
    assert_eq!(column_text(&mut conn, "select name from Author").unwrap(), ["Ann"]);
    assert_eq!(snapshot_table::read(&mut conn).unwrap().as_deref(), Some(j2.as_str()));
    assert_eq!(column_text(&mut conn, "select count(*) from _astro_db_snapshot").unwrap(), ["2"]);
}

#[test]
fn migrate_refuses_to_drop_a_column_that_holds_data() {
    let mut conn = Connection::open(":memory:").unwrap();
    let (s1, j1) = schema(V1);
    migrate(&mut conn, &s1, &j1).unwrap();
    conn.execute_script("insert into Author values (1, 'Ann')").unwrap();
    let (s3, j3) = schema(V3_DROPS_NAME);
    let err = migrate(&mut conn, &s3, &j3).unwrap_err();
    assert_eq!(err.code(), "ASTRO_DB_DATA_LOSS");
    assert!(err.to_string().contains("name"), "{err}");
    // nothing changed
    assert_eq!(column_text(&mut conn, "select name from Author").unwrap(), ["Ann"]);
    assert_eq!(snapshot_table::read(&mut conn).unwrap().as_deref(), Some(j1.as_str()));
}

#[test]
fn migrate_drops_a_column_of_an_empty_table() {
    let mut conn = Connection::open(":memory:").unwrap();
    let (s1, j1) = schema(V1);
    migrate(&mut conn, &s1, &j1).unwrap();
    let (s3, j3) = schema(V3_DROPS_NAME);
    let done = migrate(&mut conn, &s3, &j3).unwrap();
    assert!(!done.applied.is_empty());
    assert!(!has_row(&mut conn, "select 1 from pragma_table_info('Author') where name = 'name'").unwrap());
}

#[test]
fn migrate_adopts_tables_created_without_a_snapshot() {
    let mut conn = Connection::open(":memory:").unwrap();
    let (s1, j1) = schema(V1);
    reset(&mut conn, &s1).unwrap();
    conn.execute_script("insert into Author values (7, 'Kept')").unwrap();
    let (s2, j2) = schema(V2);
    let _ = j1;
    let done = migrate(&mut conn, &s2, &j2).unwrap();
    assert_eq!(done.adopted, ["Author"]);
    assert_eq!(column_text(&mut conn, "select name from Author").unwrap(), ["Kept"]);
    assert!(has_row(&mut conn, "select 1 from pragma_table_info('Author') where name = 'bio'").unwrap());
}

#[test]
fn unreadable_stored_snapshot_is_a_clear_error() {
    let mut conn = Connection::open(":memory:").unwrap();
    conn.execute_script(&snapshot_table::create_sql()).unwrap();
    conn.execute_script("insert into _astro_db_snapshot(version, snapshot) values ('x', 'not json')").unwrap();
    let (s1, j1) = schema(V1);
    let err = migrate(&mut conn, &s1, &j1).unwrap_err();
    assert_eq!(err.code(), "ASTRO_DB_INVALID_SNAPSHOT");
}

fn flag_schema(kind: &str) -> (crate::schema::Schema, String) {
    schema(&format!(r#"{{"tables":{{"Flag":{{"columns":{{"id":{{"type":"number","schema":{{"primaryKey":true}}}},"v":{{"type":"{kind}","schema":{{}}}}}}}}}}}}"#))
}

#[test]
fn number_to_boolean_is_refused_while_values_other_than_0_and_1_are_stored() {
    let mut conn = Connection::open(":memory:").unwrap();
    let (s1, j1) = flag_schema("number");
    migrate(&mut conn, &s1, &j1).unwrap();
    conn.execute_script("insert into Flag values (1, 0), (2, 36)").unwrap();
    let (s2, j2) = flag_schema("boolean");
    let err = migrate(&mut conn, &s2, &j2).unwrap_err();
    assert!(err.to_string().contains("Flag.v"), "{err}");
    assert_eq!(snapshot_table::read(&mut conn).unwrap().as_deref(), Some(j1.as_str()));
    // Once the values mean what a boolean means, the change applies and keeps them.
    conn.execute_script("update Flag set v = 1 where v = 36").unwrap();
    migrate(&mut conn, &s2, &j2).unwrap();
    assert_eq!(column_text(&mut conn, "select v from Flag order by id").unwrap(), ["0", "1"]);
    assert_eq!(snapshot_table::read(&mut conn).unwrap().as_deref(), Some(j2.as_str()));
}

#[test]
fn text_to_json_or_date_checks_the_stored_text() {
    let mut conn = Connection::open(":memory:").unwrap();
    let (s1, j1) = flag_schema("text");
    migrate(&mut conn, &s1, &j1).unwrap();
    conn.execute_script(r#"insert into Flag values (1, '{"a":1}'), (2, '2024-03-12T10:00:00.000Z')"#).unwrap();
    for kind in ["json", "date"] {
        let (s2, j2) = flag_schema(kind);
        let err = migrate(&mut conn, &s2, &j2).unwrap_err();
        assert!(err.to_string().contains("Flag.v"), "{kind}: {err}");
    }
    conn.execute_script("delete from Flag where id = 2").unwrap();
    let (s2, j2) = flag_schema("json");
    migrate(&mut conn, &s2, &j2).unwrap();
    assert_eq!(column_text(&mut conn, "select v from Flag").unwrap(), [r#"{"a":1}"#]);
}
