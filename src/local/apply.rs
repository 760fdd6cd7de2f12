//! Resetting and migrating a database file through one connection, atomically.

use super::query::{column_text, has_row};
use super::snapshot_table;
use super::LocalError;
use crate::migrate::{plan_migration, PlanOptions, Safety};
use crate::schema::{load_snapshot, Schema};
use crate::sql;
use crate::sqlite::Connection;

/// What `migrate` did.
#[derive(Debug, Default, PartialEq)]
pub struct Migration {
    /// The statements applied (empty when the database already matched).
    pub applied: Vec<String>,
    /// Every configured table is empty afterwards (a new database: seed it).
    pub empty: bool,
    /// The database had the configured tables but no snapshot (created by upstream's dev
    /// reset, say): they were taken as matching the config.
    pub adopted: Vec<String>,
}

/// Drops everything the database holds and creates `schema`, in one transaction.
pub fn reset(conn: &mut Connection, schema: &Schema) -> Result<(), LocalError> {
    let mut statements = Vec::new();
    for (kind, filter) in [("TRIGGER", "trigger"), ("VIEW", "view"), ("TABLE", "table")] {
        let names = column_text(
            conn,
            &format!("SELECT name FROM sqlite_master WHERE type = '{filter}' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"),
        )?;
        statements.extend(names.iter().map(|n| format!("DROP {kind} IF EXISTS {}", sql::quote::ident(n))));
    }
    statements.extend(sql::create_schema(schema));
    in_transaction(conn, true, |conn| {
        for s in &statements {
            conn.execute_script(s)?;
        }
        Ok(())
    })
}

/// Brings the database to `schema` like a push: safe and lossless changes are applied with
/// the new snapshot in one transaction; anything that would lose data is refused.
pub fn migrate(conn: &mut Connection, schema: &Schema, snapshot_json: &str) -> Result<Migration, LocalError> {
    let stored = snapshot_table::read(conn)?;
    let mut out = Migration::default();
    let old = match &stored {
        Some(text) => load_snapshot(text, false).map_err(|p| LocalError::BadSnapshot(p.to_string()))?,
        None => {
            let adopted = adopt_existing(conn, schema)?;
            out.adopted = adopted.tables.iter().map(|t| t.name.clone()).collect();
            adopted
        }
    };
    let plan = plan_migration(&old, schema, PlanOptions::default());
    let mut blocking = Vec::new();
    for step in &plan.steps {
        let risky = matches!(step.safety, Safety::Lossy | Safety::Conflict) && !(step.safety == Safety::Lossy && step.consented);
        if risky && step.check.as_deref().map_or(Ok(true), |q| has_row(conn, q))? {
            let mut line = step.message.clone();
            if let Some(s) = &step.suggestion {
                line.push_str(&format!(" {s}"));
            }
            blocking.push(line);
        }
    }
    if !blocking.is_empty() {
        return Err(LocalError::DataLoss(blocking));
    }
    if stored.as_deref() != Some(snapshot_json) {
        in_transaction(conn, plan.foreign_keys_off, |conn| {
            conn.execute_script(&snapshot_table::create_sql())?;
            for q in &plan.queries {
                conn.execute_script(q)?;
            }
            for t in &plan.foreign_key_checks {
                if has_row(conn, &format!("PRAGMA foreign_key_check({})", sql::quote::ident(t)))? {
                    return Err(LocalError::DataLoss(vec![format!(
                        "Rows of table {t} would break its new foreign keys. Fix or delete those rows first."
                    )]));
                }
            }
            conn.execute_script(&snapshot_table::insert_sql(crate::schema::SNAPSHOT_VERSION, snapshot_json))?;
            Ok(())
        })?;
        out.applied = plan.queries;
    }
    out.empty = true;
    for t in &schema.tables {
        if has_row(conn, &format!("SELECT 1 FROM {} LIMIT 1", sql::quote::ident(&t.name)))? {
            out.empty = false;
            break;
        }
    }
    Ok(out)
}

/// Without a stored snapshot, configured tables that already exist are taken as the config
/// describes them, limited to the columns and indexes they really have, so that the plan
/// only adds what is missing. (Upstream's dev reset created such files with no snapshot.)
fn adopt_existing(conn: &mut Connection, schema: &Schema) -> Result<Schema, LocalError> {
    let existing = column_text(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )?;
    let indexes = column_text(conn, "SELECT name FROM sqlite_master WHERE type = 'index'")?;
    let mut tables = Vec::new();
    for table in schema.tables.iter().filter(|t| existing.contains(&t.name)) {
        let columns = column_text(conn, &format!("SELECT name FROM pragma_table_info({})", sql::quote::string(&table.name)))?;
        let mut t = table.clone();
        t.columns.retain(|c| columns.contains(&c.name));
        t.indexes.retain(|i| indexes.contains(&i.name));
        t.foreign_keys.retain(|fk| fk.columns.iter().all(|c| columns.contains(c)));
        tables.push(t);
    }
    Ok(Schema { tables })
}

/// Runs `body` between `BEGIN IMMEDIATE` and `COMMIT`, rolling back on any failure. With
/// `foreign_keys_off`, the pragma is set around the transaction (SQLite ignores it inside).
fn in_transaction(
    conn: &mut Connection,
    foreign_keys_off: bool,
    body: impl FnOnce(&mut Connection) -> Result<(), LocalError>,
) -> Result<(), LocalError> {
    if foreign_keys_off {
        conn.execute_script("PRAGMA foreign_keys = OFF")?;
    }
    let result = conn.execute_script("BEGIN IMMEDIATE").map_err(LocalError::from).and_then(|()| body(conn));
    let result = match result {
        Ok(()) => conn.execute_script("COMMIT").map_err(LocalError::from),
        Err(e) => Err(e),
    };
    if result.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_script("ROLLBACK");
    }
    if foreign_keys_off {
        let _ = conn.execute_script("PRAGMA foreign_keys = ON");
    }
    result
}
