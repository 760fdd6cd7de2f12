//! Property test of the migration planner against a real libSQL database.
//!
//! For random pairs of schemas: create the old schema, fill it with rows, run every `check`
//! of the plan, apply the plan the way the report says (foreign keys off when asked, one
//! transaction, `foreign_key_check` before commit), then verify that
//! - the result equals a fresh creation of the new schema (`PRAGMA table_info`, `index_list`,
//!   `index_info`, `foreign_key_list`, and no leftover tables),
//! - every row and value the report did not declare lost is still there,
//! - a plan fails exactly when a `conflict` step's check found offending rows.
//!
//! Cases: `SCHEMA_PROP_CASES` (default 2000); seed: `SCHEMA_PROP_SEED`.

mod common;

use astro_db::migrate::{plan_migration, Loss, Plan, PlanOptions, Safety};
use astro_db::schema::{load_config, Schema};
use astro_db::sql;
use common::*;
use libsql::{Connection, Value};
use std::collections::{BTreeMap, BTreeSet};

type Res<T> = Result<T, String>;

async fn rows(conn: &Connection, q: &str) -> Res<Vec<Vec<String>>> {
    let mut r = conn.query(q, ()).await.map_err(|e| format!("{q}: {e}"))?;
    let mut out = Vec::new();
    while let Some(row) = r.next().await.map_err(|e| e.to_string())? {
        let mut vals = Vec::new();
        for i in 0..row.column_count() {
            vals.push(match row.get_value(i).map_err(|e| e.to_string())? {
                Value::Null => "NULL".to_string(),
                Value::Integer(n) => format!("i{n}"),
                Value::Real(f) => format!("r{f}"),
                Value::Text(s) => format!("t{s}"),
                Value::Blob(b) => format!("b{b:?}"),
            });
        }
        out.push(vals);
    }
    Ok(out)
}

async fn exec(conn: &Connection, q: &str) -> Res<()> {
    conn.execute(q, ()).await.map(|_| ()).map_err(|e| format!("{q}: {e}"))
}

/// Everything about the database's shape that a migration must get right.
async fn shape(conn: &Connection) -> Res<BTreeMap<String, Vec<String>>> {
    let mut out = BTreeMap::new();
    let tables = rows(conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").await?;
    for t in tables {
        let name = t[0][1..].to_string();
        let q = sql::quote::ident(&name);
        let mut facts: Vec<String> = Vec::new();
        for c in rows(conn, &format!("PRAGMA table_info({q})")).await? {
            facts.push(format!("col {:?}", &c[1..]));
        }
        for i in rows(conn, &format!("PRAGMA index_list({q})")).await? {
            let iname = i[1][1..].to_string();
            let cols = rows(conn, &format!("PRAGMA index_info({})", sql::quote::ident(&iname))).await?;
            let cols: Vec<String> = cols.into_iter().map(|c| c[2].clone()).collect();
            // Automatic index names depend on creation order; only user index names matter.
            let shown = if i[3] == "tc" { iname } else { String::new() };
            facts.push(format!("index {shown} unique={} origin={} cols={cols:?}", i[2], i[3]));
        }
        for f in rows(conn, &format!("PRAGMA foreign_key_list({q})")).await? {
            facts.push(format!("fk {:?}", &f[1..]));
        }
        facts.sort();
        out.insert(name, facts);
    }
    Ok(out)
}

fn value_for(rng: &mut Rng, kind: &str, row: u64, distinct: bool) -> String {
    let n = if distinct { row as i64 + 1 } else { rng.below(3) as i64 };
    if !distinct && rng.chance(10) {
        return "NULL".into();
    }
    match kind {
        "boolean" => format!("{}", n % 2),
        "number" => format!("{n}"),
        "date" => format!("'2024-01-0{}T00:00:00.000Z'", 1 + n % 9),
        "json" => format!("'[{n}]'"),
        _ => format!("'v{n}'"),
    }
}

async fn fill(rng: &mut Rng, conn: &Connection, schema: &Schema) -> Res<()> {
    for t in &schema.tables {
        for row in 0..rng.below(5) {
            let mut cols = Vec::new();
            let mut vals = Vec::new();
            for c in &t.columns {
                let distinct = (c.unique || c.primary_key) && rng.chance(80);
                let v = if let Some(r) = &c.references {
                    let parents = rows(conn, &format!("SELECT {} FROM {} ORDER BY random() LIMIT 1", sql::quote::ident(&r.column), sql::quote::ident(&r.table))).await?;
                    match parents.first() {
                        Some(p) if rng.chance(85) => p[0][1..].to_string(),
                        _ => value_for(rng, c.kind.name(), row, distinct),
                    }
                } else {
                    value_for(rng, c.kind.name(), row, distinct)
                };
                // Parent values come back typed; re-quote text.
                let v = if c.references.is_some() && c.kind.name() == "text" && v != "NULL" && !v.starts_with('\'') { format!("'{v}'") } else { v };
                cols.push(sql::quote::ident(&c.name));
                vals.push(v);
            }
            let q = if cols.is_empty() {
                format!("INSERT INTO {} DEFAULT VALUES", sql::quote::ident(&t.name))
            } else {
                format!("INSERT INTO {} ({}) VALUES ({})", sql::quote::ident(&t.name), cols.join(", "), vals.join(", "))
            };
            // Rows that break a constraint are simply not inserted.
            let _ = conn.execute(&q, ()).await;
        }
    }
    Ok(())
}

async fn apply(conn: &Connection, plan: &Plan) -> Res<()> {
    if plan.foreign_keys_off {
        exec(conn, "PRAGMA foreign_keys = OFF").await?;
    }
    exec(conn, "BEGIN").await?;
    let mut result = Ok(());
    for q in &plan.queries {
        if let Err(e) = exec(conn, q).await {
            result = Err(e);
            break;
        }
    }
    if result.is_ok() {
        for t in &plan.foreign_key_checks {
            let bad = rows(conn, &format!("PRAGMA foreign_key_check({})", sql::quote::ident(t))).await?;
            if !bad.is_empty() {
                result = Err(format!("foreign_key_check({t}) failed"));
            }
        }
    }
    exec(conn, if result.is_ok() { "COMMIT" } else { "ROLLBACK" }).await?;
    exec(conn, "PRAGMA foreign_keys = ON").await?;
    result
}

/// Rows of `table` projected on `cols`, as a sorted multiset.
async fn projection(conn: &Connection, table: &str, cols: &[String]) -> Res<Vec<Vec<String>>> {
    if cols.is_empty() {
        let n = rows(conn, &format!("SELECT count(*) FROM {}", sql::quote::ident(table))).await?;
        return Ok(n);
    }
    let mut r = rows(conn, &format!("SELECT {} FROM {}", sql::quote::ident_list(cols), sql::quote::ident(table))).await?;
    r.sort();
    Ok(r)
}

async fn run_case(seed: u64) -> Res<bool> {
    let mut rng = Rng::new(seed);
    let old_gen = gen_schema(&mut rng);
    let new_gen = mutate(&mut rng, &old_gen);
    let (Ok(old), Ok(new)) = (load_config(&to_config(&old_gen)), load_config(&to_config(&new_gen))) else {
        return Ok(false);
    };
    let reset = rng.chance(3);
    let plan = plan_migration(&old.schema, &new.schema, PlanOptions { reset });

    let db = libsql::Builder::new_local(":memory:").build().await.map_err(|e| e.to_string())?;
    let conn = db.connect().map_err(|e| e.to_string())?;
    exec(&conn, "PRAGMA foreign_keys = ON").await?;
    for q in sql::create_schema(&old.schema) {
        exec(&conn, &q).await?;
    }
    fill(&mut rng, &conn, &old.schema).await?;

    // Ask the database what each data-dependent step means here.
    let mut conflict = false;
    let mut lost_tables = BTreeSet::new();
    let mut lost_columns = BTreeSet::new();
    for s in &plan.steps {
        let hit = match &s.check {
            Some(q) => !rows(&conn, q).await?.is_empty(),
            None => true,
        };
        match (s.safety, hit) {
            (Safety::Conflict, true) => conflict = true,
            (Safety::Lossy, true) if s.loses == Loss::Table => {
                lost_tables.insert(s.table.clone());
            }
            (Safety::Lossy, true) if s.loses == Loss::Column => {
                lost_columns.insert((s.table.clone(), s.column.clone().unwrap_or_default()));
            }
            _ => {}
        }
    }
    let before_shape = shape(&conn).await?;
    let mut before = BTreeMap::new();
    for t in &new.schema.tables {
        let Some(o) = old.schema.table(&t.name) else { continue };
        if lost_tables.contains(&t.name) {
            continue;
        }
        let mut cols: Vec<String> = Vec::new();
        if o.has_hidden_id() && t.has_hidden_id() {
            cols.push("_id".into());
        }
        for c in &t.columns {
            // A column that becomes an integer primary key turns its NULLs into row ids.
            let new_rowid = c.primary_key && c.kind.name() == "number" && o.column(&c.name).is_some_and(|x| !x.primary_key);
            if o.column(&c.name).is_some() && !new_rowid && !lost_columns.contains(&(t.name.clone(), c.name.clone())) {
                cols.push(c.name.clone());
            }
        }
        before.insert(t.name.clone(), (cols.clone(), projection(&conn, &t.name, &cols).await?));
    }

    let applied = apply(&conn, &plan).await;
    let ctx = || format!("seed {seed}\nold {}\nnew {}\nplan {:#?}", to_config(&old_gen), to_config(&new_gen), plan);
    match (&applied, conflict) {
        (Err(e), false) => return Err(format!("plan failed without a predicted conflict: {e}\n{}", ctx())),
        (Ok(()), true) => return Err(format!("a conflict was predicted but the plan applied\n{}", ctx())),
        (Err(_), true) => {
            // Rolled back: the database must be exactly as before.
            if shape(&conn).await? != before_shape {
                return Err(format!("failed plan changed the schema\n{}", ctx()));
            }
            return Ok(true);
        }
        (Ok(()), false) => {}
    }

    let fresh_db = libsql::Builder::new_local(":memory:").build().await.map_err(|e| e.to_string())?;
    let fresh = fresh_db.connect().map_err(|e| e.to_string())?;
    for q in sql::create_schema(&new.schema) {
        exec(&fresh, &q).await?;
    }
    let (got, want) = (shape(&conn).await?, shape(&fresh).await?);
    if got != want {
        return Err(format!("migrated shape differs from fresh\n got {got:#?}\nwant {want:#?}\n{}", ctx()));
    }
    for (table, (cols, rows_before)) in before {
        let after = projection(&conn, &table, &cols).await?;
        if after != rows_before {
            return Err(format!("rows of {table} changed: {rows_before:?} -> {after:?}\n{}", ctx()));
        }
    }
    Ok(true)
}

#[test]
fn plans_apply_cleanly_and_keep_undeclared_data() {
    let n = cases("SCHEMA_PROP_CASES", 2000);
    let seed0 = cases("SCHEMA_PROP_SEED", 1);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let started = std::time::Instant::now();
    let (mut valid, mut tried) = (0u64, 0u64);
    let mut seed = seed0;
    // Count only cases whose random schemas were valid; cap attempts so a bad generator
    // cannot loop forever.
    while valid < n && tried < n * 4 {
        tried += 1;
        match rt.block_on(run_case(seed)) {
            Ok(true) => valid += 1,
            Ok(false) => {}
            Err(e) => panic!("{e}"),
        }
        seed += 1;
    }
    eprintln!("{valid} property cases ({tried} generated) in {:?}", started.elapsed());
    assert!(valid >= n, "only {valid} of {n} generated schema pairs were valid");
}
