//! Read → plan → check → apply, over any [`Executor`], in at most three round trips whatever
//! the number of tables: (1) the stored snapshot and the live schema, (2) the data checks of
//! the steps that could lose or break data, (3) one write transaction that repeats those
//! checks before changing anything, applies the plan, verifies new foreign keys and records
//! the new snapshot.

use super::consent::{flag_for, Consent, StepReport};
use super::error::PushError;
use super::executor::{ExecError, Executor, Rows};
use super::live::{self, Drift, LiveSchema};
use crate::local::snapshot_table;
use crate::migrate::{checks, plan_migration_with, Hints, Loss, Note, Plan, PlanOptions, Safety, Step};
use crate::schema::{load_snapshot, Schema, SNAPSHOT_VERSION};

/// What to do.
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Drop every table the database holds of the stored (or configured) schema first.
    pub reset: bool,
    /// Apply the plan; `false` plans and checks only (dry run, verify).
    pub apply: bool,
    pub consent: Consent,
    /// Renames and backfills given on the command line (declared renames come with the schema).
    pub hints: Hints,
    /// Without a stored snapshot, refuse configured tables that already exist instead of
    /// adopting them by name. `push` does: a table made by other means may differ from the
    /// config in ways names do not show (types, keys), and upstream refused too. The dev and
    /// `ASTRO_DATABASE_FILE` lifecycle adopts, for files upstream's dev reset left.
    pub refuse_unknown_tables: bool,
}

/// The outcome of a push that did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing to change: the plan is empty and the stored snapshot is the new one.
    Match,
    /// Changes are due (not applied: `apply` was false).
    Changes,
    /// Refused: at least one step is blocking. Nothing was changed.
    Blocked,
    /// Applied in one transaction.
    Applied,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Match => "match",
            Status::Changes => "changes",
            Status::Blocked => "blocked",
            Status::Applied => "applied",
        }
    }
}

/// Everything a caller needs to print, ask or decide.
#[derive(Debug, Clone)]
pub struct PushReport {
    pub status: Status,
    /// The plan's statements (without the snapshot bookkeeping).
    pub queries: Vec<String>,
    pub steps: Vec<StepReport>,
    pub notes: Vec<Note>,
    /// Where the live schema differs from the stored snapshot.
    pub drift: Vec<Drift>,
    /// Configured tables found without a stored snapshot and taken as they are.
    pub adopted: Vec<String>,
    /// The stored snapshot differs from the new one (even when no statement is due).
    pub snapshot_changed: bool,
}

fn first_text(rows: &Rows) -> Option<String> {
    rows.first().and_then(|r| r.first().cloned().flatten()).filter(|s| !s.trim().is_empty())
}

/// Brings the database behind `exec` to `new` (whose snapshot JSON is `new_json`).
pub async fn push<E: Executor>(exec: &mut E, new: &Schema, new_json: &str, options: &PushOptions) -> Result<PushReport, PushError> {
    // Round trip 1: the live schema and the stored snapshot.
    let mut queries = live::queries();
    queries.push(snapshot_table::latest_sql());
    let mut read = exec.read(&[], &queries).await?.into_iter();
    let mut next = || read.next().unwrap_or_else(|| Err(ExecError::new("HRANA_PROTO_ERROR", "missing result")));
    let (columns, indexes, fks, triggers) = (next()?, next()?, next()?, next()?);
    let live = LiveSchema::from_rows(&columns, &indexes, &fks, &triggers);
    let stored = match next() {
        Ok(rows) => first_text(&rows),
        // No snapshot table (a database never pushed to); any other failure is real.
        Err(_) if live.table(snapshot_table::TABLE).is_none() => None,
        Err(e) => return Err(e.into()),
    };

    let mut adopted = Vec::new();
    let mut old = match &stored {
        Some(text) => load_snapshot(text, false).map_err(|p| PushError::BadSnapshot(p.to_string()))?,
        None if options.refuse_unknown_tables => {
            let existing: Vec<String> = new.tables.iter().filter(|t| live.table(&t.name).is_some()).map(|t| t.name.clone()).collect();
            if !existing.is_empty() && !options.reset {
                return Err(PushError::NoSnapshot(existing));
            }
            Schema::default()
        }
        None => {
            let a = adopt(&live, new);
            adopted = a.tables.iter().map(|t| t.name.clone()).collect();
            a
        }
    };
    if options.reset {
        // A reset also replaces configured tables the snapshot does not describe.
        for t in &new.tables {
            if old.table(&t.name).is_none() && live.table(&t.name).is_some() {
                old.tables.push(t.clone());
            }
        }
    }
    // A rename given as a flag must be unambiguous in the database itself, not only in the
    // snapshot: a table or column made by hand under the other name is named.
    for r in options.hints.renames.iter().filter(|r| !r.declared) {
        let both = match &r.column {
            None => live.table(&r.from).is_some() && live.table(&r.table).is_some(),
            Some(to) => live.table(&r.table).or_else(|| live.table(&r.from)).is_some_and(|t| t.columns.contains(&r.from) && t.columns.contains(to)),
        };
        if both && !r.from.eq_ignore_ascii_case(r.column.as_deref().unwrap_or(&r.table)) {
            return Err(PushError::BadOption(r.both_present()));
        }
    }
    let drift = live.drift(&old);
    let plan = plan_migration_with(&old, new, PlanOptions { reset: options.reset }, &options.hints).map_err(PushError::BadOption)?;
    let mut steps = report_steps(&plan, &options.consent);
    if !options.reset {
        block_rebuilds_over_drift(&plan, &drift, &mut steps);
    }

    // Round trip 2: how many rows each data-dependent step would lose or break.
    let asked: Vec<usize> = (0..steps.len()).filter(|&i| risky(&steps[i].step) && steps[i].step.check.is_some()).collect();
    if !asked.is_empty() {
        let counts: Vec<String> = asked.iter().filter_map(|&i| steps[i].step.check.as_deref().map(checks::count_rows)).collect();
        let results = exec.read(&plan.queries[..plan.renames], &counts).await?;
        for (&i, r) in asked.iter().zip(results) {
            let n = first_text(&r?).and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
            steps[i].rows = Some(n);
        }
    }
    for s in &mut steps {
        if risky(&s.step) && s.step.kind != "drift" {
            s.blocking = s.rows.is_none_or(|n| n > 0) && !s.accepted;
        }
    }

    let snapshot_changed = stored.as_deref() != Some(new_json);
    let status = if steps.iter().any(|s| s.blocking) {
        Status::Blocked
    } else if plan.queries.is_empty() && !snapshot_changed {
        Status::Match
    } else if !options.apply {
        Status::Changes
    } else {
        apply(exec, &plan, &steps, new_json).await?;
        Status::Applied
    };
    Ok(PushReport { status, queries: plan.queries, steps, notes: plan.notes, drift, adopted, snapshot_changed })
}

/// Whether the step can lose or break data unless the data says otherwise.
fn risky(step: &Step) -> bool {
    step.safety == Safety::Conflict || (step.safety == Safety::Lossy && !step.consented)
}

fn report_steps(plan: &Plan, consent: &Consent) -> Vec<StepReport> {
    plan.steps
        .iter()
        .map(|s| StepReport { accepted: risky(s) && consent.accepts(s), flag: flag_for(s), step: s.clone(), rows: None, blocking: false })
        .collect()
}

/// A rebuild (or drop and re-create) copies only what the snapshot knows: anything made by
/// hand in that table would vanish, so the push is refused naming it.
fn block_rebuilds_over_drift(plan: &Plan, drift: &[Drift], steps: &mut Vec<StepReport>) {
    for d in drift.iter().filter(|d| d.lost_by_rebuild()) {
        let rebuilt = plan.steps.iter().any(|s| s.table == d.table && (s.kind == "rebuildTable" || (s.loses == Loss::Table && s.kind != "dropTable")));
        if !rebuilt {
            continue;
        }
        let mut step = Step::safe("drift", &d.table, None, format!("{} Table {} must be rebuilt for this push, which would lose it.", d.describe(), d.table));
        step.safety = Safety::Conflict;
        step.suggestion = Some("Add it to db/config.ts, or remove it from the database (astro-db shell --remote), before pushing.".into());
        steps.push(StepReport { step, rows: None, blocking: true, accepted: false, flag: None });
    }
}

/// Round trip 3: one transaction. The checks that passed are repeated first: if rows
/// appeared since, the guard fails the transaction and nothing changes.
async fn apply<E: Executor>(exec: &mut E, plan: &Plan, steps: &[StepReport], new_json: &str) -> Result<(), PushError> {
    // Renames first: the checks are written against the new names.
    let mut stmts = vec![snapshot_table::create_sql()];
    stmts.extend(plan.queries[..plan.renames].iter().cloned());
    let guards_at = stmts.len();
    let mut guarded: Vec<&Step> = Vec::new();
    for s in steps.iter().filter(|s| risky(&s.step) && !s.accepted) {
        if let Some(check) = &s.step.check {
            stmts.push(checks::guard(check));
            guarded.push(&s.step);
        }
    }
    let body_at = stmts.len();
    stmts.extend(plan.queries[plan.renames..].iter().cloned());
    let fk_at = stmts.len();
    stmts.extend(plan.foreign_key_checks.iter().map(|t| checks::foreign_key_guard(t)));
    stmts.push(snapshot_table::insert_sql(SNAPSHOT_VERSION, new_json));
    let timer = crate::log::debug_timer();
    if timer.is_some() {
        for s in steps {
            tracing::debug!(kind = s.step.kind, table = %s.step.table, accepted = s.accepted, "migration step: {}", s.step.message);
        }
    }
    let written = exec.write(&stmts, plan.foreign_keys_off).await;
    if let Some(t) = timer {
        tracing::debug!(statements = stmts.len(), ok = written.is_ok(), ms = crate::log::ms(t), "migration written in one transaction");
    }
    match written {
        Ok(()) => Ok(()),
        Err(e) => match e.statement {
            Some(i) if (guards_at..body_at).contains(&i) => {
                let s = guarded[i - guards_at];
                Err(PushError::DataChanged(vec![format!("{} (rows appeared since the push was planned)", s.message)]))
            }
            Some(i) if (fk_at..fk_at + plan.foreign_key_checks.len()).contains(&i) => {
                Err(PushError::ForeignKeys(vec![plan.foreign_key_checks[i - fk_at].clone()]))
            }
            _ => Err(e.into()),
        },
    }
}

/// Without a stored snapshot, configured tables that already exist are taken as the config
/// describes them, limited to the columns and indexes they really have, so that the plan only
/// adds what is missing. (Upstream's dev reset created such files with no snapshot.)
fn adopt(live: &LiveSchema, new: &Schema) -> Schema {
    let mut tables = Vec::new();
    for table in &new.tables {
        // A declared rename not yet applied: the table or column is there under its old name.
        let found = live.table(&table.name).map(|l| (l, table.name.clone())).or_else(|| {
            let from = table.renamed_from.as_deref()?;
            live.table(from).map(|l| (l, from.to_string()))
        });
        let Some((l, name)) = found else { continue };
        let mut t = table.clone();
        t.name = name;
        t.columns = table
            .columns
            .iter()
            .filter_map(|c| {
                if l.columns.contains(&c.name) {
                    return Some(c.clone());
                }
                let from = c.renamed_from.as_ref().filter(|f| l.columns.contains(f))?;
                let mut old = c.clone();
                old.name = from.clone();
                Some(old)
            })
            .collect();
        t.indexes.retain(|i| l.indexes.contains(&i.name));
        t.foreign_keys.retain(|fk| fk.columns.iter().all(|c| l.columns.contains(c)));
        tables.push(t);
    }
    Schema { tables }
}
