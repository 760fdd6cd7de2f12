//! DDL shape and escaping.

use super::*;
use crate::schema::load_config;

#[test]
fn create_table_matches_upstream_shape() {
    let l = load_config(r#"{"tables":{
        "U":{"columns":{"id":{"type":"number","schema":{"primaryKey":true}}}},
        "T":{"columns":{
            "c":{"type":"text","schema":{"unique":true,"default":"x","references":{"table":"U","column":"id"}}},
            "b":{"type":"boolean","schema":{"default":false}},
            "j":{"type":"json","schema":{"default":{"k":"it's"}}},
            "d":{"type":"date","schema":{"default":{"sql":"datetime('now')"}}},
            "a":{"type":"number","schema":{"optional":true,"default":-1.5}}},
          "foreignKeys":[{"columns":["a"],"references":[{"table":"U","column":"id"}]}],
          "indexes":{"i":{"on":"a"}}}}}"#);
    // "c" is text and references a number column: use a fresh text target instead.
    assert!(l.is_err());
    let l = load_config(r#"{"tables":{
        "U":{"columns":{"id":{"type":"text","schema":{"primaryKey":true,"references":{"table":"V","column":"k"}}}}},
        "V":{"columns":{"k":{"type":"text","schema":{"unique":true}}}},
        "T":{"columns":{
            "c":{"type":"text","schema":{"unique":true,"default":"x","references":{"table":"U","column":"id"}}},
            "b":{"type":"boolean","schema":{"default":false}},
            "j":{"type":"json","schema":{"default":{"k":"it's"}}},
            "d":{"type":"date","schema":{"default":{"sql":"datetime('now')"}}},
            "a":{"type":"number","schema":{"optional":true,"default":-1.5}}},
          "foreignKeys":[{"columns":["c"],"references":[{"table":"U","column":"id"}]}],
          "indexes":{"i":{"on":"a"}}}}}"#).unwrap();
    let ddl = create_schema(&l.schema);
    assert_eq!(ddl[0], r#"CREATE TABLE "U" ("id" text PRIMARY KEY REFERENCES "V" ("k"))"#);
    assert_eq!(ddl[2], concat!(
        r#"CREATE TABLE "T" (_id INTEGER PRIMARY KEY, "c" text NOT NULL UNIQUE DEFAULT 'x' REFERENCES "U" ("id"), "#,
        r#""b" integer NOT NULL DEFAULT FALSE, "j" text NOT NULL DEFAULT '{"k":"it''s"}', "#,
        r#""d" text NOT NULL DEFAULT (datetime('now')), "a" integer DEFAULT -1.5, "#,
        r#"FOREIGN KEY ("c") REFERENCES "U"("id"))"#));
    assert_eq!(ddl[3], r#"CREATE INDEX "i" ON "T" ("a")"#);
}

#[test]
fn names_with_quotes_are_escaped() {
    let l = load_config(r#"{"tables":{"T":{"columns":{"we\"ird col":{"type":"text"}},"indexes":[{"on":"we\"ird col","name":"x\"y"}]}}}"#).unwrap();
    let ddl = create_schema(&l.schema);
    assert_eq!(ddl[0], r#"CREATE TABLE "T" (_id INTEGER PRIMARY KEY, "we""ird col" text NOT NULL)"#);
    assert_eq!(ddl[1], r#"CREATE INDEX "x""y" ON "T" ("we""ird col")"#);
    assert_eq!(drop_table_if_exists("a\"b"), r#"DROP TABLE IF EXISTS "a""b""#);
}
