//! Upstream's migration unit tests (column, index, reference and reset queries of
//! `packages/db/test/unit`), re-expressed with the same expected SQL. Temporary table names
//! are matched as `<Table>_<letters>` like upstream's tests do.

use super::{plan_migration, plan_table, PlanOptions, Safety};
use crate::schema::{load_config, Schema, Table};

const USER: &str = r#""name":{"type":"text"},"age":{"type":"number"},"email":{"type":"text","schema":{"unique":true}},"mi":{"type":"text","schema":{"optional":true}}"#;

fn schema(tables: &str) -> Schema {
    match load_config(&format!("{{\"tables\":{{{tables}}}}}")) {
        Ok(l) => l.schema,
        Err(p) => panic!("{p}"),
    }
}

fn table(columns: &str) -> Table {
    schema(&format!("\"Users\":{{\"columns\":{{{columns}}}}}")).tables.remove(0)
}

fn change(old: &str, new: &str) -> (Vec<String>, usize) {
    let (o, n) = (table(old), table(new));
    let c = plan_table("Users", &o, &n, &Schema { tables: vec![o.clone()] }, &Schema { tables: vec![n.clone()] }, &[]);
    let lossy = c.steps.iter().filter(|s| s.safety == Safety::Lossy && s.kind != "dropColumn").count();
    (c.queries(), lossy)
}

/// Replaces the temporary table name (`<prefix>_<lowercase letters>`) with `TMP`.
fn tmp(queries: Vec<String>, prefix: &str) -> Vec<String> {
    let Some(first) = queries.first() else { return queries };
    let marker = format!("\"{prefix}_");
    let Some(start) = first.find(&marker) else { return queries };
    let rest = &first[start + 1..];
    let end = rest.find('"').unwrap_or(rest.len());
    let name = &rest[..end];
    assert!(name[prefix.len() + 1..].chars().all(|c| c.is_ascii_lowercase()), "{name}");
    queries.iter().map(|q| q.replace(name, "TMP")).collect()
}

fn plan(old: &str, new: &str, reset: bool) -> Vec<String> {
    plan_migration(&schema(old), &schema(new), PlanOptions { reset }).queries
}

const CREATE_USERS: &str = r#"CREATE TABLE "Users" (_id INTEGER PRIMARY KEY, "name" text NOT NULL, "age" integer NOT NULL, "email" text NOT NULL UNIQUE, "mi" text)"#;

#[test]
fn same_tables_need_no_queries() {
    let t = format!("\"Users\":{{\"columns\":{{{USER}}}}}");
    assert!(plan(&t, &t, false).is_empty());
    assert!(change(USER, USER).0.is_empty());
}

#[test]
fn new_and_removed_tables() {
    let t = format!("\"Users\":{{\"columns\":{{{USER}}}}}");
    assert_eq!(plan("", &t, false), vec![CREATE_USERS]);
    assert_eq!(plan(&t, "", false), vec!["DROP TABLE \"Users\""]);
}

#[test]
fn table_and_column_renames_are_reported() {
    let old = format!("\"Users\":{{\"columns\":{{{USER}}}}}");
    let new = format!("\"Peeps\":{{\"columns\":{{{USER}}}}}");
    let p = plan_migration(&schema(&old), &schema(&new), PlanOptions::default());
    assert!(p.notes.iter().any(|n| n.message.contains("Potential table rename detected")));
    let p = plan_migration(&schema(r#""Users":{"columns":{"title":{"type":"text"}}}"#), &schema(r#""Users":{"columns":{"title2":{"type":"text"}}}"#), PlanOptions::default());
    assert!(p.notes.iter().any(|n| n.message.contains("Potential column rename detected")));
}

#[test]
fn lossy_type_change_and_required_columns() {
    let (q, lossy) = change(r#""date":{"type":"text"}"#, r#""date":{"type":"date"}"#);
    // text → date keeps the SQLite type: no query (upstream dropped the table); the one lossy
    // step holds only if a stored text is no date, which its check asks the data.
    assert!(q.is_empty() && lossy == 1);
    let p = plan_migration(&schema(r#""Users":{"columns":{"date":{"type":"text"}}}"#), &schema(r#""Users":{"columns":{"date":{"type":"date"}}}"#), PlanOptions::default());
    assert!(p.steps.iter().all(|s| s.kind == "changeType" && s.check.as_deref().is_some_and(|c| c.contains("julianday"))), "{:?}", p.steps);
    let (q, lossy) = change("", r#""date":{"type":"date"}"#);
    assert_eq!(q, vec!["DROP TABLE \"Users\"", "CREATE TABLE \"Users\" (_id INTEGER PRIMARY KEY, \"date\" text NOT NULL)"]);
    assert_eq!(lossy, 1);
    let (q, lossy) = change("", r#""id":{"type":"text","schema":{"primaryKey":true}}"#);
    assert_eq!(q, vec!["DROP TABLE \"Users\"", "CREATE TABLE \"Users\" (\"id\" text PRIMARY KEY)"]);
    assert_eq!(lossy, 1);
    // number → text: every integer converts, so the rows are copied (upstream dropped the table).
    let (q, lossy) = change(USER, &USER.replace(r#""age":{"type":"number"}"#, r#""age":{"type":"text"}"#));
    assert_eq!(tmp(q, "Users"), rebuild(&CREATE_USERS.replace("\"Users\"", "\"TMP\"").replace("\"age\" integer", "\"age\" text"), ALL));
    assert_eq!(lossy, 0);
    let (q, _) = change(USER, &format!("{USER},\"phoneNumber\":{{\"type\":\"text\"}}"));
    assert_eq!(q, vec!["DROP TABLE \"Users\"".to_string(), CREATE_USERS.replace(")", ", \"phoneNumber\" text NOT NULL)")]);
}

#[test]
fn same_sql_type_needs_no_queries() {
    let (q, _) = change(r#""title":{"type":"text"},"draft":{"type":"boolean"}"#, r#""title":{"type":"text"},"draft":{"type":"number"}"#);
    assert!(q.is_empty());
}

#[test]
fn user_primary_key_is_respected() {
    let user = format!("{USER},\"id\":{{\"type\":\"number\",\"schema\":{{\"primaryKey\":true}}}}");
    let fin = user.replace(r#""name":{"type":"text"}"#, r#""name":{"type":"text","schema":{"unique":true,"optional":true}}"#);
    let (q, _) = change(&user, &fin);
    assert_eq!(tmp(q, "Users"), vec![
        r#"CREATE TABLE "TMP" ("name" text UNIQUE, "age" integer NOT NULL, "email" text NOT NULL UNIQUE, "mi" text, "id" integer PRIMARY KEY)"#,
        r#"INSERT INTO "TMP" ("name", "age", "email", "mi", "id") SELECT "name", "age", "email", "mi", "id" FROM "Users""#,
        r#"DROP TABLE "Users""#,
        r#"ALTER TABLE "TMP" RENAME TO "Users""#,
    ]);
}

fn rebuild(create: &str, cols: &str) -> Vec<String> {
    vec![
        create.to_string(),
        format!("INSERT INTO \"TMP\" ({cols}) SELECT {cols} FROM \"Users\""),
        "DROP TABLE \"Users\"".to_string(),
        "ALTER TABLE \"TMP\" RENAME TO \"Users\"".to_string(),
    ]
}

const ALL: &str = r#""_id", "name", "age", "email", "mi""#;

#[test]
fn lossless_rebuilds() {
    let with_id = format!("{USER},\"id\":{{\"type\":\"number\",\"schema\":{{\"primaryKey\":true}}}}");
    assert_eq!(tmp(change(USER, &with_id).0, "Users"), rebuild(
        r#"CREATE TABLE "TMP" ("name" text NOT NULL, "age" integer NOT NULL, "email" text NOT NULL UNIQUE, "mi" text, "id" integer PRIMARY KEY)"#,
        r#""name", "age", "email", "mi""#));
    assert_eq!(tmp(change(&with_id, USER).0, "Users"), rebuild(&CREATE_USERS.replace("\"Users\"", "\"TMP\""), r#""name", "age", "email", "mi""#));
    let phone = format!("{USER},\"phoneNumber\":{{\"type\":\"text\",\"schema\":{{\"unique\":true,\"optional\":true}}}}");
    assert_eq!(tmp(change(USER, &phone).0, "Users"), rebuild(&CREATE_USERS.replace("\"Users\"", "\"TMP\"").replace(")", ", \"phoneNumber\" text UNIQUE)"), ALL));
    let no_email = USER.replace(r#","email":{"type":"text","schema":{"unique":true}}"#, "");
    assert_eq!(tmp(change(USER, &no_email).0, "Users"), rebuild(r#"CREATE TABLE "TMP" (_id INTEGER PRIMARY KEY, "name" text NOT NULL, "age" integer NOT NULL, "mi" text)"#, r#""_id", "name", "age", "mi""#));
    let date_age = USER.replace(r#""age":{"type":"number"}"#, r#""age":{"type":"date"}"#);
    let now_age = USER.replace(r#""age":{"type":"number"}"#, r#""age":{"type":"date","schema":{"default":{"__serializedSQL":true,"sql":"CURRENT_TIMESTAMP"}}}"#);
    assert_eq!(tmp(change(&date_age, &now_age).0, "Users"), rebuild(&CREATE_USERS.replace("\"Users\"", "\"TMP\"").replace("\"age\" integer NOT NULL", "\"age\" text NOT NULL DEFAULT CURRENT_TIMESTAMP"), ALL));
    let birthday = format!("{USER},\"birthday\":{{\"type\":\"date\",\"schema\":{{\"default\":{{\"sql\":\"CURRENT_TIMESTAMP\"}}}}}}");
    assert_eq!(tmp(change(USER, &birthday).0, "Users"), rebuild(&CREATE_USERS.replace("\"Users\"", "\"TMP\"").replace(")", ", \"birthday\" text NOT NULL DEFAULT CURRENT_TIMESTAMP)"), ALL));
    let mi_required = USER.replace(r#""mi":{"type":"text","schema":{"optional":true}}"#, r#""mi":{"type":"text"}"#);
    assert_eq!(tmp(change(USER, &mi_required).0, "Users"), rebuild(&CREATE_USERS.replace("\"Users\"", "\"TMP\"").replace("\"mi\" text", "\"mi\" text NOT NULL"), ALL));
    let age_unique = USER.replace(r#""age":{"type":"number"}"#, r#""age":{"type":"number","schema":{"unique":true}}"#);
    assert_eq!(tmp(change(USER, &age_unique).0, "Users"), rebuild(&CREATE_USERS.replace("\"Users\"", "\"TMP\"").replace("\"age\" integer NOT NULL", "\"age\" integer NOT NULL UNIQUE"), ALL));
}

#[test]
fn alter_add_and_drop_column() {
    let (q, _) = change(USER, &format!("{USER},\"birthday\":{{\"type\":\"date\",\"schema\":{{\"optional\":true}}}}"));
    assert_eq!(q, vec![r#"ALTER TABLE "Users" ADD COLUMN "birthday" text"#]);
    let (q, _) = change(USER, &format!("{USER},\"birthday\":{{\"type\":\"date\",\"schema\":{{\"default\":\"2023-01-01T00:00:00.000Z\"}}}}"));
    assert_eq!(q, vec![r#"ALTER TABLE "Users" ADD COLUMN "birthday" text NOT NULL DEFAULT '2023-01-01T00:00:00.000Z'"#]);
    let (q, _) = change(USER, r#""name":{"type":"text"},"email":{"type":"text","schema":{"unique":true}}"#);
    assert_eq!(q, vec![r#"ALTER TABLE "Users" DROP COLUMN "age""#, r#"ALTER TABLE "Users" DROP COLUMN "mi""#]);
}

fn index_change(old_indexes: &str, new_indexes: &str) -> Vec<String> {
    // Loaded separately: both tables may use the same index names.
    let o = schema(&format!("\"oldTable\":{{\"columns\":{{{USER}}},\"indexes\":{old_indexes}}}"));
    let n = schema(&format!("\"newTable\":{{\"columns\":{{{USER}}},\"indexes\":{new_indexes}}}"));
    plan_table("user", &o.tables[0], &n.tables[0], &o, &n, &[]).queries()
}

#[test]
fn index_queries() {
    assert_eq!(index_change("{}", r#"[{"on":["name","age"],"unique":false},{"on":["email"],"unique":true}]"#), vec![
        r#"CREATE INDEX "newTable_age_name_idx" ON "user" ("age", "name")"#,
        r#"CREATE UNIQUE INDEX "newTable_email_idx" ON "user" ("email")"#,
    ]);
    let a = schema(&format!("\"user\":{{\"columns\":{{{USER}}},\"indexes\":[{{\"on\":[\"email\"],\"unique\":true}},{{\"on\":[\"name\",\"age\"],\"unique\":false}}]}}"));
    let b = schema(&format!("\"user\":{{\"columns\":{{{USER}}},\"indexes\":[{{\"on\":[\"age\",\"name\"],\"unique\":false}},{{\"on\":[\"email\"],\"unique\":true}}]}}"));
    assert!(plan_migration(&a, &b, PlanOptions::default()).queries.is_empty());
    let legacy = schema(&format!("\"user\":{{\"columns\":{{{USER}}},\"indexes\":{{\"emailIdx\":{{\"on\":[\"email\"],\"unique\":true}},\"nameAgeIdx\":{{\"on\":[\"name\",\"age\"],\"unique\":false}}}}}}"));
    let named = schema(&format!("\"user\":{{\"columns\":{{{USER}}},\"indexes\":[{{\"on\":[\"email\"],\"unique\":true,\"name\":\"emailIdx\"}},{{\"on\":[\"name\",\"age\"],\"unique\":false,\"name\":\"nameAgeIdx\"}}]}}"));
    assert!(plan_migration(&legacy, &named, PlanOptions::default()).queries.is_empty());
    for (two, none) in [
        (r#"[{"on":["name"],"unique":false,"name":"nameIdx"},{"on":["email"],"unique":true,"name":"emailIdx"}]"#, "{}"),
        (r#"{"nameIdx":{"on":["name"],"unique":false},"emailIdx":{"on":["email"],"unique":true}}"#, "{}"),
    ] {
        assert_eq!(index_change(none, two), vec![r#"CREATE INDEX "nameIdx" ON "user" ("name")"#, r#"CREATE UNIQUE INDEX "emailIdx" ON "user" ("email")"#]);
        assert_eq!(index_change(two, none), vec![r#"DROP INDEX "nameIdx""#, r#"DROP INDEX "emailIdx""#]);
    }
    let modified = vec![
        r#"DROP INDEX "nameIdx""#, r#"DROP INDEX "emailIdx""#,
        r#"CREATE UNIQUE INDEX "nameIdx" ON "user" ("name")"#, r#"CREATE INDEX "emailIdx" ON "user" ("email")"#,
    ];
    assert_eq!(index_change(r#"[{"unique":false,"on":["name"],"name":"nameIdx"},{"unique":true,"on":["email"],"name":"emailIdx"}]"#,
        r#"[{"unique":true,"on":["name"],"name":"nameIdx"},{"on":["email"],"name":"emailIdx"}]"#), modified);
    assert_eq!(index_change(r#"{"nameIdx":{"on":["name"],"unique":false},"emailIdx":{"on":["email"],"unique":true}}"#,
        r#"{"nameIdx":{"on":["name"],"unique":true},"emailIdx":{"on":["email"]}}"#), modified);
}

const BASE_USER: &str = r#""User":{"columns":{"id":{"type":"number","schema":{"primaryKey":true}},"name":{"type":"text"},"age":{"type":"number"},"email":{"type":"text","schema":{"unique":true}},"mi":{"type":"text","schema":{"optional":true}}}}"#;
const SENT_COLS: &str = r#""to":{"type":"number"},"toName":{"type":"text"},"subject":{"type":"text"},"body":{"type":"text"}"#;

fn sent_change(old: &str, new: &str) -> Vec<String> {
    let o = schema(&format!("{BASE_USER},\"SentBox\":{old}"));
    let n = schema(&format!("{BASE_USER},\"SentBox\":{new}"));
    tmp(plan_table("User", &o.tables[1], &n.tables[1], &o, &n, &[]).queries(), "User")
}

fn sent_rebuild(create_cols: &str) -> Vec<String> {
    vec![
        format!("CREATE TABLE \"TMP\" (_id INTEGER PRIMARY KEY, {create_cols})"),
        r#"INSERT INTO "TMP" ("_id", "to", "toName", "subject", "body") SELECT "_id", "to", "toName", "subject", "body" FROM "User""#.to_string(),
        r#"DROP TABLE "User""#.to_string(),
        r#"ALTER TABLE "TMP" RENAME TO "User""#.to_string(),
    ]
}

#[test]
fn reference_queries() {
    let plain = format!("{{\"columns\":{{{SENT_COLS}}}}}");
    let with_ref = format!("{{\"columns\":{{{}}}}}", SENT_COLS.replace(r#""to":{"type":"number"}"#, r#""to":{"type":"number","schema":{"references":{"table":"User","column":"id"}}}"#));
    let plain_cols = r#""to" integer NOT NULL, "toName" text NOT NULL, "subject" text NOT NULL, "body" text NOT NULL"#;
    assert_eq!(sent_change(&plain, &with_ref), sent_rebuild(&plain_cols.replace("\"to\" integer NOT NULL", "\"to\" integer NOT NULL REFERENCES \"User\" (\"id\")")));
    assert_eq!(sent_change(&with_ref, &plain), sent_rebuild(plain_cols));
    let from = format!("{{\"columns\":{{{SENT_COLS},\"from\":{{\"type\":\"number\",\"schema\":{{\"optional\":true,\"references\":{{\"table\":\"User\",\"column\":\"id\"}}}}}}}}}}");
    let q = sent_change(&plain, &from);
    assert_eq!(q[0], format!("CREATE TABLE \"TMP\" (_id INTEGER PRIMARY KEY, {plain_cols}, \"from\" integer REFERENCES \"User\" (\"id\"))"));
    assert_eq!(q[1..], sent_rebuild(plain_cols)[1..]);
    let fk1 = format!("{{\"columns\":{{{SENT_COLS}}},\"foreignKeys\":[{{\"columns\":[\"to\"],\"references\":[{{\"table\":\"User\",\"column\":\"id\"}}]}}]}}");
    let fk2 = format!("{{\"columns\":{{{SENT_COLS}}},\"foreignKeys\":[{{\"columns\":[\"to\",\"toName\"],\"references\":[{{\"table\":\"User\",\"column\":\"id\"}},{{\"table\":\"User\",\"column\":\"name\"}}]}}]}}");
    let expected = sent_rebuild(&format!("{plain_cols}, FOREIGN KEY (\"to\", \"toName\") REFERENCES \"User\"(\"id\", \"name\")"));
    assert_eq!(sent_change(&plain, &fk2), expected);
    assert_eq!(sent_change(&fk1, &fk2), expected);
}

#[test]
fn reset_queries() {
    let t = format!("\"Users\":{{\"columns\":{{{USER}}}}}");
    assert_eq!(plan(&t, &t, true), vec!["DROP TABLE IF EXISTS \"Users\"", CREATE_USERS]);
    assert_eq!(plan("", &t, true), vec![CREATE_USERS]);
}
