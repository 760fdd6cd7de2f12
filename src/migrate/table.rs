//! Planning the change of one table that exists before and after: index changes, `ALTER TABLE
//! ADD/DROP COLUMN` when SQLite allows it, else a rebuild through a temporary table (lossless)
//! or, when rows cannot be carried over, a drop and re-create (lossy, named in the report).

use super::checks;
use super::hints::Hints;
use super::report::{Loss, Note, Safety, Step};
use crate::schema::{Column, Schema, Table};
use crate::sql::{self, quote::ident};

/// The parts of one table's change, kept apart so the whole plan can order them globally
/// (all index drops first, all index creations last: index names share one namespace).
#[derive(Debug, Default)]
pub struct TableChange {
    pub drop_indexes: Vec<String>,
    pub body: Vec<String>,
    pub create_indexes: Vec<String>,
    pub steps: Vec<Step>,
    pub notes: Vec<Note>,
    pub rebuilt: bool,
    pub fk_checks: Vec<String>,
}

impl TableChange {
    /// The queries in the order one table alone would run them.
    pub fn queries(&self) -> Vec<String> {
        let mut q = self.drop_indexes.clone();
        q.extend(self.body.iter().cloned());
        q.extend(self.create_indexes.iter().cloned());
        q
    }
}

/// Type changes that keep every stored value readable (same SQLite type, compatible encoding).
fn reinterpretation_is_safe(old: &Column, new: &Column) -> bool {
    use crate::schema::ColumnKind::*;
    matches!((old.kind, new.kind), (Boolean, Number) | (Date, Text) | (Json, Text))
}

fn can_add_column(c: &Column) -> bool {
    // https://www.sqlite.org/lang_altertable.html#alter_table_add_column
    !c.unique && !c.has_sql_default() && (c.optional || c.has_default()) && !c.primary_key && c.references.is_none()
}

fn can_drop_column(table: &Table, c: &Column) -> bool {
    // DROP COLUMN refuses primary keys, UNIQUE columns and columns used by a foreign key.
    !c.unique && !c.primary_key && c.references.is_none() && !table.foreign_keys.iter().any(|f| f.columns.contains(&c.name))
}

/// A deterministic temporary name `<table>_<10 letters>` that clashes with no known table
/// (upstream used a random one; determinism makes dry runs and tests reproducible).
pub fn temp_name(table: &str, new: &Table, taken: &dyn Fn(&str) -> bool) -> String {
    let mut seed = crate::schema::snapshot::snapshot_hash(&sql::create_table(table, new));
    for salt in 0u32.. {
        let mut h = u64::from_str_radix(&seed, 16).unwrap_or(0x9e37_79b9_7f4a_7c15) ^ u64::from(salt);
        let mut suffix = String::with_capacity(10);
        for _ in 0..10 {
            suffix.push((b'a' + (h % 26) as u8) as char);
            h /= 26;
            if h == 0 {
                h = 0x2545_f491_4f6c_dd1d;
            }
        }
        let name = format!("{table}_{suffix}");
        if !taken(&name.to_lowercase()) || salt > 1000 {
            return name;
        }
        seed = crate::schema::snapshot::snapshot_hash(&name);
    }
    format!("{table}_tmp")
}

fn lossy_step(kind: &'static str, table: &str, column: &str, message: String, suggestion: &str) -> Step {
    Step {
        kind,
        table: table.to_string(),
        column: Some(column.to_string()),
        safety: Safety::Lossy,
        loses: Loss::Table,
        check: Some(checks::non_empty(table)),
        consented: false,
        message,
        suggestion: Some(suggestion.to_string()),
    }
}

/// A step that loses the values of one column when `check` finds a row.
fn column_loss_step(kind: &'static str, table: &str, column: &str, check: String, consented: bool, message: String, suggestion: String) -> Step {
    Step {
        kind,
        table: table.to_string(),
        column: Some(column.to_string()),
        safety: Safety::Lossy,
        loses: Loss::Column,
        check: Some(check),
        consented,
        message,
        suggestion: Some(suggestion),
    }
}

fn conflict_step(kind: &'static str, table: &str, column: Option<&str>, check: String, message: String, suggestion: &str) -> Step {
    Step {
        kind,
        table: table.to_string(),
        column: column.map(str::to_string),
        safety: Safety::Conflict,
        loses: Loss::Nothing,
        check: Some(check),
        consented: false,
        message,
        suggestion: Some(suggestion.to_string()),
    }
}

/// Plans the change of table `name` from `old` to `new`.
///
/// `emptied` names tables that lose all their rows earlier in the same plan: new references
/// to them cannot be satisfied by existing rows.
pub fn plan_table(name: &str, old: &Table, new: &Table, old_schema: &Schema, new_schema: &Schema, emptied: &[String]) -> TableChange {
    plan_table_with(name, old, new, old_schema, new_schema, emptied, &Hints::default())
}

/// [`plan_table`] with backfills for new required columns.
pub fn plan_table_with(name: &str, old: &Table, new: &Table, old_schema: &Schema, new_schema: &Schema, emptied: &[String], hints: &Hints) -> TableChange {
    let mut out = TableChange::default();
    let added: Vec<&Column> = new.columns.iter().filter(|c| old.column(&c.name).is_none()).collect();
    let dropped: Vec<&Column> = old.columns.iter().filter(|c| new.column(&c.name).is_none()).collect();
    let mut updated: Vec<(&Column, &Column)> = Vec::new();
    for n in &new.columns {
        let Some(o) = old.column(&n.name) else { continue };
        if sql::column_def(o) != sql::column_def(n) {
            updated.push((o, n));
        }
        // Same SQLite type, different meaning (number → boolean reads 36 as `true`): the
        // stored values are kept as they are, so each must already be valid for the new kind.
        if o.kind != n.kind && sql::sql_type(o.kind) == sql::sql_type(n.kind) && !reinterpretation_is_safe(o, n) {
            // Lossy, not a conflict: SQLite would apply it; the values would be misread.
            if let Some(check) = checks::invalid_values(name, &n.name, n.kind) {
                out.steps.push(column_loss_step("changeType", name, &n.name, check, false,
                    format!("Column {name}.{} changes from {} to {}; stored values that are not valid {} values would change meaning.", n.name, o.kind.name(), n.kind.name(), n.kind.name()),
                    "Fix or clear those values first, or add a new column of the new kind and deprecate the old one.".to_string()));
            }
        }
    }
    let fk_changed = checks::references_of(&[], &old.foreign_keys) != checks::references_of(&[], &new.foreign_keys);

    // A dropped column and an added one of the same SQL type look like a rename.
    let mut suspected: Vec<(String, String)> = Vec::new();
    for d in dropped.iter().filter(|c| !c.deprecated) {
        let taken = |a: &&&Column| suspected.iter().any(|(_, n)| *n == a.name);
        if let Some(a) = added.iter().filter(|a| sql::sql_type(a.kind) == sql::sql_type(d.kind)).find(|a| !taken(a)) {
            suspected.push((d.name.clone(), a.name.clone()));
        }
    }
    for (from, to) in &suspected {
        out.notes.push(Note {
            kind: "suspectedRename",
            table: name.to_string(),
            message: format!(
                "Potential column rename detected: {name}.{from} -> {name}.{to}. Without a rename, {from} is dropped with its values and {to} is added. To keep the values, declare it: `{to}: column.…({{ renamedFrom: \"{from}\" }})`, or pass --rename {name}.{from}={to}."
            ),
            rename: Some(format!("{name}.{from}={to}")),
        });
    }
    for c in &dropped {
        let suggestion = match suspected.iter().find(|(f, _)| *f == c.name) {
            Some((f, t)) => format!("If it was renamed, pass --rename {name}.{f}={t} (or declare `renamedFrom: \"{f}\"`); else mark {name}.{f} as `deprecated: true` and push before removing it, or accept the loss."),
            None => format!("Mark {name}.{} as `deprecated: true` and push before removing it, or accept the loss.", c.name),
        };
        out.steps.push(column_loss_step("dropColumn", name, &c.name, checks::has_values(name, &c.name), c.deprecated,
            format!("Column {name}.{} is removed, with its values.", c.name), suggestion));
    }

    // Index diff by name; `unique: false` and an absent `unique` mean the same SQL.
    let index_differs = |a: &crate::schema::Index, b: &crate::schema::Index| a.on != b.on || a.is_unique() != b.is_unique();
    for n in new.indexes.iter().filter(|n| n.is_unique()) {
        let same = old.indexes.iter().any(|o| o.name == n.name && !index_differs(o, n));
        // New columns take their default in every existing row (NULLs never collide).
        let existing: Vec<String> = n.on.iter().filter(|c| old.column(c).is_some()).cloned().collect();
        let new_cols_collide = n.on.iter().filter(|c| old.column(c).is_none()).all(|c| new.column(c).is_some_and(|c| c.default.is_some()));
        if !same && new_cols_collide {
            let check = if existing.is_empty() { checks::several_rows(name) } else { checks::has_duplicate_tuples(name, &existing) };
            out.steps.push(conflict_step("addUnique", name, None, check,
                format!("Unique index {} requires distinct values of {name}({}).", n.name, n.on.join(", ")),
                "Remove duplicate rows before pushing."));
        }
    }
    let columns_changed = !(added.is_empty() && dropped.is_empty() && updated.is_empty()) || fk_changed;
    let alter_ok = !fk_changed
        && updated.is_empty()
        && dropped.iter().all(|c| can_drop_column(old, c))
        && added.iter().all(|c| can_add_column(c));

    if !columns_changed || alter_ok {
        for o in &old.indexes {
            if new.indexes.iter().find(|n| n.name == o.name).is_none_or(|n| index_differs(o, n)) {
                out.drop_indexes.push(sql::drop_index(&o.name));
                out.steps.push(Step::safe("dropIndex", name, None, format!("Index {} is dropped.", o.name)));
            }
        }
        for n in &new.indexes {
            if old.indexes.iter().find(|o| o.name == n.name).is_none_or(|o| index_differs(o, n)) {
                out.create_indexes.push(sql::create_index(name, n));
                out.steps.push(Step::safe("addIndex", name, None, format!("Index {} is created.", n.name)));
            }
        }
        if alter_ok {
            let t = ident(name);
            for c in &added {
                out.body.push(format!("ALTER TABLE {t} ADD COLUMN {} {}{}", ident(&c.name), sql::sql_type(c.kind), sql::modifiers(c)));
                out.steps.push(Step::safe("addColumn", name, Some(&c.name), format!("Column {name}.{} is added.", c.name)));
            }
            for c in &dropped {
                out.body.push(format!("ALTER TABLE {t} DROP COLUMN {}", ident(&c.name)));
            }
        }
        return out;
    }

    // Rebuild. Rows can only be carried over if every new column gets a value.
    out.rebuilt = true;
    let mut lossy = false;
    for c in &added {
        let needs_value = (c.primary_key && c.kind != crate::schema::ColumnKind::Number && !c.has_default()) || (!c.optional && !c.has_default());
        if needs_value && hints.backfill(name, &c.name).is_some() {
            let mut step = Step::safe("backfillColumn", name, Some(&c.name), format!("New required column {name}.{} is filled in existing rows with the backfill expression.", c.name));
            step.safety = Safety::Lossless;
            out.steps.push(step);
        } else if needs_value {
            lossy = true;
            out.steps.push(lossy_step("addRequiredColumn", name, &c.name,
                format!("New required column {name}.{} has no default value, so existing rows cannot be kept.", c.name),
                &format!("Fill existing rows with --backfill {name}.{}=<SQL expression>, or make the column optional or give it a default; this is safe only when the table is empty.", c.name)));
        }
    }
    for (o, n) in &updated {
        // A new SQLite type: the rebuild's copy converts each value (column affinity); the
        // data decides whether every value survives, asked again inside the transaction.
        if sql::sql_type(o.kind) != sql::sql_type(n.kind) {
            let (from, to) = (o.kind.name(), n.kind.name());
            match checks::unconvertible(name, &n.name, n.kind) {
                Some(check) => out.steps.push(conflict_step("changeType", name, Some(&n.name), check,
                    format!("Column {name}.{} changes from {from} to {to}; stored values that do not convert to {to} without loss would be changed.", n.name),
                    "Fix or clear those values first, or add a new column of the new kind, copy what converts, and deprecate the old one.")),
                None => {
                    let mut step = Step::safe("changeType", name, Some(&n.name), format!("Column {name}.{} changes from {from} to {to}; every stored value converts.", n.name));
                    step.safety = Safety::Lossless;
                    out.steps.push(step);
                }
            }
        }
    }
    if lossy {
        // The table starts empty: nothing can conflict with its new constraints.
        out.steps.retain(|s| s.safety != Safety::Conflict);
        out.body.push(sql::drop_table(name));
        out.body.push(sql::create_table(name, new));
        out.create_indexes.extend(sql::create_indexes(name, new));
        return out;
    }

    let taken = |n: &str| old_schema.tables.iter().chain(&new_schema.tables).any(|t| t.name.to_lowercase() == n);
    let tmp = temp_name(name, new, &taken);
    let mut cols: Vec<String> = Vec::new();
    if old.has_hidden_id() && new.has_hidden_id() {
        cols.push(crate::schema::HIDDEN_ID.to_string());
    }
    cols.extend(new.columns.iter().filter(|c| old.column(&c.name).is_some()).map(|c| c.name.clone()));
    // Backfilled columns: their values come from the user's expression, evaluated per row.
    let filled: Vec<(&str, &str)> = new
        .columns
        .iter()
        .filter(|c| old.column(&c.name).is_none())
        .filter_map(|c| hints.backfill(name, &c.name).map(|b| (c.name.as_str(), b.expr.as_str())))
        .collect();
    out.body.push(sql::create_table(&tmp, new));
    if cols.is_empty() && filled.is_empty() {
        // Nothing to copy but the rows themselves: insert one row per old row, letting the
        // row id (hidden `_id` or an integer primary key) or NULL fill the first column.
        let first = if new.has_hidden_id() {
            crate::schema::HIDDEN_ID.to_string()
        } else {
            new.primary_key().or(new.columns.first()).map(|c| c.name.clone()).unwrap_or_default()
        };
        out.body.push(format!("INSERT INTO {} ({}) SELECT NULL FROM {}", ident(&tmp), ident(&first), ident(name)));
    } else {
        let mut into: Vec<String> = cols.iter().map(|c| ident(c)).collect();
        let mut select = into.clone();
        for (c, expr) in &filled {
            into.push(ident(c));
            select.push(format!("({expr})"));
        }
        let (into, select) = (into.join(", "), select.join(", "));
        // A column becoming an integer primary key turns NULLs into fresh row ids; copy the
        // rows with values first so a fresh id never collides with a later explicit one.
        let order = new
            .primary_key()
            .filter(|pk| pk.kind == crate::schema::ColumnKind::Number && old.column(&pk.name).is_some_and(|o| !o.primary_key))
            .map(|pk| format!(" ORDER BY {} IS NULL", ident(&pk.name)))
            .unwrap_or_default();
        out.body.push(format!("INSERT INTO {} ({into}) SELECT {select} FROM {}{order}", ident(&tmp), ident(name)));
    }
    out.body.push(sql::drop_table(name));
    out.body.push(format!("ALTER TABLE {} RENAME TO {}", ident(&tmp), ident(name)));
    out.create_indexes.extend(sql::create_indexes(name, new));
    let mut rebuild = Step::safe("rebuildTable", name, None, format!("Table {name} is rebuilt through a temporary table; all rows are copied."));
    rebuild.safety = Safety::Lossless;
    out.steps.push(rebuild);
    if old.has_hidden_id() && !new.has_hidden_id() {
        out.notes.push(Note { kind: "hiddenIdReset", table: name.to_string(), message: format!("{name} gets a primary key; the hidden _id values are not kept."), rename: None });
    }

    for n in &new.columns {
        let Some(o) = old.column(&n.name) else {
            if n.unique && n.default.is_some() {
                out.steps.push(conflict_step("addUnique", name, Some(&n.name), checks::several_rows(name),
                    format!("New column {name}.{} is unique and has a default, so every existing row would get the same value.", n.name),
                    "Make the new column optional, or add it without `unique` first."));
            }
            continue;
        };
        // SQLite lets a text primary key hold NULL, so it counts as nullable here.
        let may_hold_null = o.optional || (o.primary_key && o.kind != crate::schema::ColumnKind::Number);
        if may_hold_null && !n.optional && !n.primary_key {
            out.steps.push(conflict_step("makeRequired", name, Some(&n.name), checks::has_nulls(name, &n.name),
                format!("Column {name}.{} becomes required; rows holding NULL cannot be copied.", n.name),
                "Fill the NULL values first, or give the column a default and keep it optional."));
        }
        if n.primary_key && !o.primary_key {
            let check = if n.kind == crate::schema::ColumnKind::Number { checks::bad_integer_key(name, &n.name) } else { checks::has_duplicates(name, &n.name) };
            out.steps.push(conflict_step("changePrimaryKey", name, Some(&n.name), check,
                format!("Column {name}.{} becomes the primary key; its values must be unique{}.", n.name, if n.kind == crate::schema::ColumnKind::Number { " integers" } else { "" }),
                "Remove duplicate values before pushing."));
        } else if n.unique && !o.unique && !o.primary_key {
            out.steps.push(conflict_step("addUnique", name, Some(&n.name), checks::has_duplicates(name, &n.name),
                format!("Column {name}.{} becomes unique; duplicate values cannot be copied.", n.name),
                "Remove duplicate values before pushing."));
        }
    }
    let old_refs = checks::references_of(&old.columns, &old.foreign_keys);
    for (cols, rt, rc) in checks::references_of(&new.columns, &new.foreign_keys) {
        let existed = old_refs.iter().any(|(c, t, r)| *c == cols && *t == rt && *r == rc);
        let all_old = cols.iter().all(|c| old.column(c).is_some());
        if !existed && all_old {
            out.steps.push(conflict_step("addReference", name, cols.first().map(String::as_str), checks::orphans(old_schema, name, &cols, &rt, &rc, emptied.contains(&rt)),
                format!("{name}({}) now references {rt}({}); existing values without a matching row would break the constraint.", cols.join(", "), rc.join(", ")),
                "Delete or fix the rows whose values have no match in the referenced table."));
            if !out.fk_checks.contains(&name.to_string()) {
                out.fk_checks.push(name.to_string());
            }
        }
    }
    out
}
