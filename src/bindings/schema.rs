//! `#[napi]` functions of the schema core. Inputs and outputs are JSON strings or plain
//! objects; invalid input becomes a JS `Error` with `code: "ASTRO_DB_INVALID_CONFIG"`, a
//! message listing every problem as `path: sentence`, and a `problems` array.
//!
//! These functions are synchronous on purpose: they take microseconds to milliseconds, and an
//! `async fn` export would lose the custom error `code`.

use crate::migrate::{self, PlanOptions};
use crate::schema::{self, Problems, INVALID_CONFIG_CODE};
use crate::sql;
use crate::typegen;
use napi::bindgen_prelude::*;
use napi::JsValue;
use napi_derive::napi;

/// One validation problem: where it is and what to do about it.
#[napi(object)]
pub struct SchemaProblem {
    /// Path into the config, e.g. `tables.Comment.columns.authorId.references`.
    pub path: String,
    /// A sentence saying what is wrong and how to fix it.
    pub message: String,
}

/// The result of [`load_schema`].
#[napi(object)]
pub struct LoadedSchema {
    /// The snapshot JSON (`{"version":"2024-03-12","schema":{…}}`), as stored in
    /// `_astro_db_snapshot`; pass it to `planMigration` and `generateTypes`.
    pub snapshot: String,
    /// A 16-hex-digit hash of `snapshot`; equal configs give equal hashes.
    pub hash: String,
    /// Table names in config order (user tables first, then integrations').
    pub tables: Vec<String>,
    /// Non-fatal remarks, each as `path: sentence`.
    pub warnings: Vec<String>,
}

/// Options of [`plan_migration`].
#[napi(object)]
pub struct PlanMigrationOptions {
    /// Drop every table of the old snapshot and create the new schema (`--force-reset`).
    pub reset: Option<bool>,
}

/// One decision of a migration plan.
#[napi(object)]
pub struct MigrationStep {
    /// `createTable`, `dropTable`, `addColumn`, `dropColumn`, `addIndex`, `dropIndex`,
    /// `rebuildTable`, `recreateTable`, `addRequiredColumn`, `changeType`, `makeRequired`,
    /// `addUnique`, `changePrimaryKey`, `addReference` or `resetTable`.
    pub kind: String,
    pub table: String,
    pub column: Option<String>,
    /// `safe` | `lossless` (rebuild with row copy) | `lossy` | `conflict` (the data must be
    /// fixed first, else the transaction fails and rolls back).
    #[napi(ts_type = "\"safe\" | \"lossless\" | \"lossy\" | \"conflict\"")]
    pub safety: String,
    /// What a lossy step loses: `nothing` | `column` (its values) | `table` (all rows).
    #[napi(ts_type = "\"nothing\" | \"column\" | \"table\"")]
    pub loses: String,
    /// A read-only SQL query: when present, the step is lossy/conflicting only if it returns
    /// a row. Run it against the target database before asking the user.
    pub check: Option<String>,
    /// The user already agreed (the removed item was `deprecated`, or this is a reset).
    pub consented: bool,
    pub message: String,
    pub suggestion: Option<String>,
}

/// A remark about a plan that is not a step (suspected renames, hidden ids reset).
#[napi(object)]
pub struct MigrationNote {
    /// `suspectedRename` or `hiddenIdReset`.
    pub kind: String,
    pub table: String,
    pub message: String,
    /// For a suspected rename: the `--rename` value declaring it (`Comment.body=text`, `Post=Article`).
    pub rename: Option<String>,
}

/// The result of [`plan_migration`].
#[napi(object)]
pub struct MigrationPlan {
    /// Statements to run in order, inside one transaction.
    pub queries: Vec<String>,
    /// Run `PRAGMA foreign_keys = OFF` before `BEGIN` and `PRAGMA foreign_keys = ON` after
    /// `COMMIT`/`ROLLBACK` (SQLite ignores the pragma inside a transaction).
    pub foreign_keys_off: bool,
    /// Before `COMMIT`, run `PRAGMA foreign_key_check("T")` for each; any row → roll back.
    pub foreign_key_checks: Vec<String>,
    pub steps: Vec<MigrationStep>,
    pub notes: Vec<MigrationNote>,
}

fn invalid(env: &Env, problems: Problems) -> Error {
    let message = format!("{INVALID_CONFIG_CODE}: {problems}");
    let build = || -> Result<Error> {
        let mut obj = env.create_error(Error::new(Status::GenericFailure, message.clone()))?;
        obj.set_named_property("code", INVALID_CONFIG_CODE)?;
        let list: Vec<SchemaProblem> = problems
            .list
            .iter()
            .map(|p| SchemaProblem { path: p.path.clone(), message: p.message.clone() })
            .collect();
        obj.set_named_property("problems", list)?;
        Ok(Error::from(obj.to_unknown()))
    };
    // If building the rich error fails, still keep the code on a plain error.
    build().unwrap_or_else(|_| Error::new(Status::InvalidArg, message))
}

/// Validates and normalises the evaluated `astro:db` config.
///
/// `configJson` is `JSON.stringify` of `{ tables, integrations }` where `tables` maps table
/// names to `{ columns, indexes?, foreignKeys?, deprecated? }`, each column is
/// `{ type: 'boolean'|'number'|'text'|'date'|'json', schema: { optional?, unique?, default?,
/// primaryKey?, references?: { table, column }, enum?, multiline?, label?, deprecated? } }`,
/// SQL defaults are `{ __serializedSQL: true, sql }` (or `{ sql }`), dates are ISO strings,
/// foreign keys are `{ columns, references: { table, column } | Array<{ table, column }> }`, and
/// `integrations` is `Array<{ name, tables }>` in registration order.
///
/// Throws an `Error` with `code === 'ASTRO_DB_INVALID_CONFIG'` and `problems` listing every
/// problem with its path.
#[napi]
pub fn load_schema(env: Env, config_json: String) -> Result<LoadedSchema> {
    match schema::load_config(&config_json) {
        Ok(l) => Ok(LoadedSchema {
            tables: l.schema.tables.iter().map(|t| t.name.clone()).collect(),
            snapshot: l.snapshot_json,
            hash: l.hash,
            warnings: l.warnings,
        }),
        Err(p) => Err(invalid(&env, p)),
    }
}

/// Plans the migration from the snapshot the database holds (`null` when it has none) to the
/// new snapshot from `loadSchema`. Nothing is executed: the caller runs the `check` queries,
/// asks for consent on unconsented lossy steps, then runs `queries` in one transaction.
#[napi]
pub fn plan_migration(
    env: Env,
    old_snapshot_json: Option<String>,
    new_snapshot_json: String,
    options: Option<PlanMigrationOptions>,
) -> Result<MigrationPlan> {
    let old = match old_snapshot_json.as_deref().map(str::trim) {
        None | Some("") | Some("null") => schema::Schema::default(),
        Some(text) => schema::load_snapshot(text, false).map_err(|p| invalid(&env, p))?,
    };
    let new = schema::load_snapshot(&new_snapshot_json, true).map_err(|p| invalid(&env, p))?;
    let reset = options.and_then(|o| o.reset).unwrap_or(false);
    let plan = migrate::plan_migration(&old, &new, PlanOptions { reset });
    Ok(MigrationPlan {
        queries: plan.queries,
        foreign_keys_off: plan.foreign_keys_off,
        foreign_key_checks: plan.foreign_key_checks,
        steps: plan
            .steps
            .into_iter()
            .map(|s| MigrationStep {
                kind: s.kind.to_string(),
                table: s.table,
                column: s.column,
                safety: s.safety.as_str().to_string(),
                loses: s.loses.as_str().to_string(),
                check: s.check,
                consented: s.consented,
                message: s.message,
                suggestion: s.suggestion,
            })
            .collect(),
        notes: plan
            .notes
            .into_iter()
            .map(|n| MigrationNote { kind: n.kind.to_string(), table: n.table, message: n.message, rename: n.rename })
            .collect(),
    })
}

/// The `.d.ts` text declaring `astro:db`'s tables for a snapshot from `loadSchema`.
#[napi]
pub fn generate_types(env: Env, snapshot_json: String) -> Result<String> {
    let s = schema::load_snapshot(&snapshot_json, true).map_err(|p| invalid(&env, p))?;
    Ok(typegen::dts(&s))
}

/// The Drizzle ORM schema module (`sqliteTable` definitions) describing the tables of a
/// snapshot exactly as Astro DB created them: what `astro-db eject` writes.
#[napi]
pub fn generate_drizzle_schema(env: Env, snapshot_json: String) -> Result<String> {
    let s = schema::load_snapshot(&snapshot_json, true).map_err(|p| invalid(&env, p))?;
    Ok(typegen::drizzle::drizzle_schema(&s))
}

/// Statements for one transaction that empty every table of a snapshot and, when `fromSchema`
/// names an attached database holding the same tables, copy its rows in (test databases).
#[napi]
pub fn refill_tables_sql(env: Env, snapshot_json: String, from_schema: Option<String>) -> Result<Vec<String>> {
    let s = schema::load_snapshot(&snapshot_json, true).map_err(|p| invalid(&env, p))?;
    Ok(sql::refill_tables(&s, from_schema.as_deref()))
}

/// The statements creating every table and index of a snapshot in an empty database (the
/// test helper's in-memory databases).
#[napi]
pub fn create_tables_sql(env: Env, snapshot_json: String) -> Result<Vec<String>> {
    let s = schema::load_snapshot(&snapshot_json, true).map_err(|p| invalid(&env, p))?;
    Ok(sql::create_schema(&s))
}
