//! `SchemaTarget`: the migration engine for the CLI (`push`, `verify`), over a local file or
//! a libSQL server. JS parses flags, asks questions on a terminal and prints; the plan, the
//! data checks and the atomic apply are all here, returned as data.

use napi::bindgen_prelude::*;
use napi::sys::napi_value;
use napi_derive::napi;

use super::schema::MigrationNote;
use crate::client::{throw_coded, Js, RemoteExec};
use crate::migrate::{Hints, Safety};
use crate::push::{self, run_ready, Consent, PushError, PushReport as Report, StepReport};
use crate::schema::load_snapshot;
use crate::sqlite::{Connection, FileSettings};

/// Options of [`SchemaTarget::push`].
#[napi(object)]
pub struct PushOptions {
    /// Apply the plan (default). `false`: plan and ask the data only (dry run, verify).
    pub apply: Option<bool>,
    /// Drop every table of the stored schema and create the new one (`--force-reset`).
    pub reset: Option<bool>,
    /// `Table.column` or `Table` (`--accept-data-loss`): losses consented to, exactly.
    pub accept_data_loss: Option<Vec<String>>,
    /// `Table.oldColumn=newColumn` or `OldTable=NewTable` (`--rename`).
    pub renames: Option<Vec<String>>,
    /// `Table.column=<SQL expression>` (`--backfill`): the value of a new required column in existing rows.
    pub backfills: Option<Vec<String>>,
    /// Without a stored snapshot, take configured tables that exist as they are (as the dev
    /// database lifecycle does) instead of refusing them. The database browser compares the
    /// dev database, which has no snapshot, this way. Default `false`.
    pub adopt_existing: Option<bool>,
}

/// One step of a push plan, with what the data said.
#[napi(object)]
pub struct PushStep {
    /// `createTable`, `dropTable`, `renameTable`, `renameColumn`, `addColumn`, `dropColumn`,
    /// `addIndex`, `dropIndex`, `rebuildTable`, `addRequiredColumn`, `backfillColumn`,
    /// `changeType`, `makeRequired`, `addUnique`, `changePrimaryKey`, `addReference`,
    /// `resetTable`, or `drift` (something made by hand that a rebuild would lose).
    pub kind: String,
    pub table: String,
    pub column: Option<String>,
    /// `safe` | `lossless` | `lossy` | `conflict`.
    #[napi(ts_type = "\"safe\" | \"lossless\" | \"lossy\" | \"conflict\"")]
    pub safety: String,
    /// What a lossy step loses: `nothing` | `column` (its values) | `table` (all rows).
    #[napi(ts_type = "\"nothing\" | \"column\" | \"table\"")]
    pub loses: String,
    /// The read-only query that decides whether the step loses or breaks data.
    pub check: Option<String>,
    /// Rows that query found (absent when it was not asked).
    pub rows: Option<i64>,
    /// Consented by the schema (a `deprecated` item) or a reset.
    pub consented: bool,
    /// Consented with `--accept-data-loss`.
    pub accepted: bool,
    /// The push is refused because of this step.
    pub blocking: bool,
    /// The flag that accepts this step's loss (lossy steps only).
    pub flag: Option<String>,
    pub message: String,
    pub suggestion: Option<String>,
}

/// A difference between the live database and its stored schema snapshot.
#[napi(object)]
pub struct PushDrift {
    pub table: String,
    /// `extraColumn`, `extraIndex`, `extraForeignKey`, `extraTrigger`, `missingColumn`, `missingTable`.
    pub what: String,
    pub name: String,
    pub message: String,
}

/// What [`SchemaTarget::push`] found and did.
#[napi(object)]
pub struct PushReport {
    /// `match` (nothing to do), `changes` (due, not applied), `blocked` (refused, nothing
    /// changed) or `applied` (in one transaction).
    #[napi(ts_type = "\"match\" | \"changes\" | \"blocked\" | \"applied\"")]
    pub status: String,
    /// The plan's statements, in order.
    pub queries: Vec<String>,
    pub steps: Vec<PushStep>,
    pub notes: Vec<MigrationNote>,
    pub drift: Vec<PushDrift>,
    /// Configured tables found without a stored snapshot, taken as they are.
    pub adopted: Vec<String>,
    /// The stored snapshot differs from the new one (even with no statement due).
    pub snapshot_changed: bool,
}

fn step_js(s: StepReport) -> PushStep {
    PushStep {
        kind: s.step.kind.to_string(),
        table: s.step.table,
        column: s.step.column,
        safety: s.step.safety.as_str().to_string(),
        loses: s.step.loses.as_str().to_string(),
        check: s.step.check,
        rows: s.rows.map(|n| n.min(i64::MAX as u64) as i64),
        consented: s.step.consented && s.step.safety == Safety::Lossy,
        accepted: s.accepted,
        blocking: s.blocking,
        flag: s.flag,
        message: s.step.message,
        suggestion: s.step.suggestion,
    }
}

fn report_js(r: Report) -> PushReport {
    PushReport {
        status: r.status.as_str().to_string(),
        queries: r.queries,
        steps: r.steps.into_iter().map(step_js).collect(),
        notes: r.notes.into_iter().map(|n| MigrationNote { kind: n.kind.to_string(), table: n.table, message: n.message, rename: n.rename }).collect(),
        drift: r.drift.into_iter().map(|d| PushDrift { message: d.describe(), table: d.table, what: d.what.to_string(), name: d.name }).collect(),
        adopted: r.adopted,
        snapshot_changed: r.snapshot_changed,
    }
}

pub(super) enum Where {
    Local { path: String, key: Option<String> },
    Remote(RemoteExec),
}

/// A database to plan and push a schema to: a local file, or a libSQL server over HTTP(S).
#[napi]
pub struct SchemaTarget {
    pub(super) at: Where,
}

fn options(o: Option<PushOptions>) -> std::result::Result<push::PushOptions, String> {
    let o = o.unwrap_or(PushOptions { apply: None, reset: None, accept_data_loss: None, renames: None, backfills: None, adopt_existing: None });
    let mut hints = Hints::default();
    for r in o.renames.unwrap_or_default() {
        hints.renames.push(Hints::parse_rename(&r)?);
    }
    for b in o.backfills.unwrap_or_default() {
        hints.backfills.push(Hints::parse_backfill(&b)?);
    }
    Ok(push::PushOptions {
        reset: o.reset.unwrap_or(false),
        apply: o.apply.unwrap_or(true),
        consent: Consent { accept: o.accept_data_loss.unwrap_or_default() },
        hints,
        refuse_unknown_tables: !o.adopt_existing.unwrap_or(false),
    })
}

type Outcome = std::result::Result<Report, PushError>;

fn settle(env: &Env, out: Outcome) -> Result<napi_value> {
    let js = Js::new(env.raw());
    match out {
        // SAFETY: called on the JS thread with the live env of this callback.
        Ok(r) => unsafe { <PushReport as ToNapiValue>::to_napi_value(env.raw(), report_js(r)) },
        Err(e) => {
            let err = crate::client::coded_error_value(js, &e.code(), &e.to_string())?;
            if let PushError::Exec(x) = &e {
                if let Some(ext) = &x.extended_code {
                    js.set_named(err, c"extendedCode", js.string(ext.as_bytes())?)?;
                }
                if let Some(status) = x.status {
                    js.set_named(err, c"status", js.double(f64::from(status))?)?;
                }
            }
            Ok(err)
        }
    }
}

#[napi]
impl SchemaTarget {
    /// A local database file (created when missing), encrypted with `encryptionKey` when given.
    #[napi(factory, catch_unwind)]
    pub fn local(path: String, encryption_key: Option<String>) -> Self {
        SchemaTarget { at: Where::Local { path, key: encryption_key.filter(|k| !k.is_empty()) } }
    }

    /// A libSQL server at the HTTP(S) base `url` (as `NativeRemote.connect` takes it), with an
    /// optional bearer token. Fails with `URL_INVALID` on a malformed URL.
    #[napi(factory, catch_unwind)]
    pub fn remote(env: Env, url: String, auth_token: Option<String>) -> Result<Self> {
        match RemoteExec::connect(&url, auth_token) {
            Ok(r) => Ok(SchemaTarget { at: Where::Remote(r) }),
            Err(e) => Err(throw_coded(Js::new(env.raw()), &e.code, &e.message)),
        }
    }

    /// Plans the change from the schema stored in the database to `snapshotJson` (from
    /// `loadSchema`), asks the data about every step that could lose or break it, and (unless
    /// `apply: false`) applies it with the new snapshot in one transaction that repeats those
    /// checks first. Resolves to the report, or to an `Error` with `code`
    /// (`ASTRO_DB_DATA_CHANGED` when rows appeared between the checks and the write;
    /// `ASTRO_DB_INVALID_OPTION` for a flag naming nothing; the database's own codes).
    #[napi(catch_unwind, ts_return_type = "Promise<PushReport | Error>")]
    pub fn push<'env>(&self, env: &'env Env, snapshot_json: String, options: Option<PushOptions>) -> Result<PromiseRaw<'env, napi_value>> {
        let js = Js::new(env.raw());
        let schema = load_snapshot(&snapshot_json, true)
            .map_err(|p| throw_coded(js, crate::schema::INVALID_CONFIG_CODE, &format!("Invalid schema snapshot: {p}")))?;
        let opts = self::options(options).map_err(|m| throw_coded(js, "ASTRO_DB_INVALID_OPTION", &m))?;
        match &self.at {
            Where::Local { path, key } => {
                // Local SQLite calls are synchronous: run now, resolve with the outcome.
                let out = local_push(path, key.as_deref(), &schema, &snapshot_json, &opts);
                env.spawn_future_with_callback(async move { Ok(out) }, settle)
            }
            Where::Remote(r) => {
                let mut exec = r.clone();
                env.spawn_future_with_callback(
                    async move { Ok(push::push(&mut exec, &schema, &snapshot_json, &opts).await) },
                    settle,
                )
            }
        }
    }
}

fn local_push(path: &str, key: Option<&str>, schema: &crate::schema::Schema, json: &str, opts: &push::PushOptions) -> Outcome {
    // Opened like every file we own (WAL, the default busy timeout: `BEGIN IMMEDIATE` waits
    // for another writer instead of failing at once).
    let settings = FileSettings { key: key.map(str::as_bytes), ..FileSettings::default() };
    let mut conn = Connection::open_with(path, &settings).map_err(|e| PushError::Exec(e.into()))?;
    run_ready(push::push(&mut conn, schema, json, opts)).unwrap_or_else(|| {
        Err(PushError::Exec(push::ExecError::new("ASTRO_DB_INTERNAL", "the local push did not complete")))
    })
}
