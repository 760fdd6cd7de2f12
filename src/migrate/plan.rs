//! The whole migration: tables added, dropped and changed, in an order that works in SQLite.
//!
//! Order: drop changed indexes → drop removed tables → create added tables → change existing
//! tables → create indexes. Index names share one namespace with tables, so all drops happen
//! before all creations; dropping before creating also lets a name move between tables.

use super::checks;
use super::hints::{apply_renames, Hints};
use super::report::{Loss, Note, Plan, Safety, Step};
use super::table::plan_table_with;
use crate::schema::Schema;
use crate::sql;

/// Options of [`plan_migration`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Drop every table of the old schema and create the new one (`--force-reset`).
    pub reset: bool,
}

/// Plans the change from `old` (what the database holds) to `new` (the config), with the
/// renames `new` declares.
pub fn plan_migration(old: &Schema, new: &Schema, options: PlanOptions) -> Plan {
    match plan_migration_with(old, new, options, &Hints::default()) {
        Ok(p) => p,
        // A declared rename that cannot apply (both names present): plan without renames;
        // the push reports the error through `plan_migration_with`.
        Err(_) => plan_core(old, new, options, &Hints::default()),
    }
}

/// [`plan_migration`] with renames and backfills given by the caller (flags), on top of the
/// renames `new` declares. Fails naming the rename or backfill that cannot apply.
pub fn plan_migration_with(old: &Schema, new: &Schema, options: PlanOptions, hints: &Hints) -> Result<Plan, String> {
    if options.reset {
        return Ok(plan_core(old, new, options, hints));
    }
    let mut all = hints.clone();
    all.renames.extend(Hints::declared(new));
    let (renamed, queries, steps) = apply_renames(old, new, &all.renames)?;
    for b in &all.backfills {
        let known = new.table(&b.table).is_some_and(|t| t.column(&b.column).is_some());
        if !known {
            return Err(format!("--backfill {}.{}: db/config.ts has no column {} in table {}.", b.table, b.column, b.column, b.table));
        }
    }
    let mut plan = plan_core(&renamed, new, options, &all);
    if !queries.is_empty() {
        plan.renames = queries.len();
        plan.queries.splice(0..0, queries);
        plan.steps.splice(0..0, steps);
    }
    Ok(plan)
}

fn plan_core(old: &Schema, new: &Schema, options: PlanOptions, hints: &Hints) -> Plan {
    let mut plan = Plan::default();
    let empty = Schema::default();
    let mut head: Vec<String> = Vec::new();
    let old = if options.reset {
        for t in old.tables.iter().rev() {
            head.push(sql::drop_table_if_exists(&t.name));
            plan.steps.push(Step {
                kind: "resetTable",
                table: t.name.clone(),
                column: None,
                safety: Safety::Lossy,
                loses: Loss::Table,
                check: Some(checks::non_empty(&t.name)),
                consented: true,
                message: format!("Table {} is dropped and re-created empty (reset).", t.name),
                suggestion: None,
            });
        }
        plan.foreign_keys_off = !old.tables.is_empty();
        &empty
    } else {
        old
    };

    let added: Vec<_> = new.tables.iter().filter(|t| old.table(&t.name).is_none()).collect();
    let dropped: Vec<_> = old.tables.iter().filter(|t| new.table(&t.name).is_none()).collect();
    let live_dropped: Vec<_> = dropped.iter().filter(|t| !t.deprecated).collect();
    if let (Some(a), Some(d)) = (added.first(), live_dropped.first()) {
        plan.notes.push(Note {
            kind: "suspectedRename",
            table: d.name.clone(),
            message: format!(
                "Potential table rename detected: {} -> {}. Without a rename, {} is dropped with its rows and {} is created empty. To keep the rows, declare it: `defineTable({{ renamedFrom: \"{}\", … }})`, or pass --rename {}={}.",
                d.name, a.name, d.name, a.name, d.name, d.name, a.name
            ),
            rename: Some(format!("{}={}", d.name, a.name)),
        });
    }

    let mut drop_indexes = Vec::new();
    let mut body = Vec::new();
    let mut create_indexes = Vec::new();
    for t in &dropped {
        body.push(sql::drop_table(&t.name));
        plan.foreign_keys_off = true;
        plan.steps.push(Step {
            kind: "dropTable",
            table: t.name.clone(),
            column: None,
            safety: Safety::Lossy,
            loses: Loss::Table,
            check: Some(checks::non_empty(&t.name)),
            consented: t.deprecated,
            message: format!("Table {} is removed, with its rows.", t.name),
            suggestion: Some(format!("Mark {} as `deprecated: true` and push before removing it, or confirm the loss.", t.name)),
        });
    }
    for t in &added {
        body.push(sql::create_table(&t.name, t));
        create_indexes.extend(sql::create_indexes(&t.name, t));
        plan.steps.push(Step::safe("createTable", &t.name, None, format!("Table {} is created.", t.name)));
    }
    // First pass: which tables lose all their rows (dropped and re-created).
    let emptied: Vec<String> = new
        .tables
        .iter()
        .filter_map(|t| old.table(&t.name).map(|o| (t, o)))
        .filter(|(t, o)| plan_table_with(&t.name, o, t, old, new, &[], hints).steps.iter().any(|s| s.loses == Loss::Table))
        .map(|(t, _)| t.name.clone())
        .collect();
    for t in &new.tables {
        let Some(o) = old.table(&t.name) else { continue };
        let change = plan_table_with(&t.name, o, t, old, new, &emptied, hints);
        if change.rebuilt {
            plan.foreign_keys_off = true;
        }
        drop_indexes.extend(change.drop_indexes);
        body.extend(change.body);
        create_indexes.extend(change.create_indexes);
        plan.steps.extend(change.steps);
        plan.notes.extend(change.notes);
        for c in change.fk_checks {
            if !plan.foreign_key_checks.contains(&c) {
                plan.foreign_key_checks.push(c);
            }
        }
    }
    plan.queries = head;
    plan.queries.extend(drop_indexes);
    plan.queries.extend(body);
    plan.queries.extend(create_indexes);
    plan
}
