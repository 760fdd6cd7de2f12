//! What the schemas alone cannot tell the planner: renames (declared with `renamedFrom`, or
//! given as `--rename Comment.body=text` / `--rename Post=Article`) and backfills (`--backfill
//! Comment.rating=<SQL expression>`). A rename becomes `ALTER TABLE … RENAME [COLUMN]`, which
//! keeps rows, values, indexes and the foreign keys pointing at it; the rest of the plan is
//! then made against the old schema with the new names.

use super::report::Step;
use crate::schema::{Schema, Table};
use crate::sql::quote::ident;

/// A rename: of a table (`column: None`) or of a column of table `table` (its new name).
#[derive(Debug, Clone, PartialEq)]
pub struct Rename {
    pub table: String,
    pub column: Option<String>,
    /// The old name (of the table, or of the column).
    pub from: String,
    /// Declared in the schema (`renamedFrom`): a no-op when the old name is not there. Given
    /// as a flag: an error then, since it names something that does not exist.
    pub declared: bool,
}

/// Existing rows get `expr` in the new required column `table.column`.
#[derive(Debug, Clone, PartialEq)]
pub struct Backfill {
    pub table: String,
    pub column: String,
    pub expr: String,
}

/// Renames and backfills for one plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hints {
    pub renames: Vec<Rename>,
    pub backfills: Vec<Backfill>,
}

impl Hints {
    /// Parses `--rename` values: `Comment.body=text` (column) or `Post=Article` (table).
    pub fn parse_rename(flag: &str) -> Result<Rename, String> {
        let bad = || format!("--rename {flag}: expected Table.oldColumn=newColumn or OldTable=NewTable");
        let (left, to) = flag.split_once('=').ok_or_else(bad)?;
        let (left, to) = (left.trim(), to.trim());
        if left.is_empty() || to.is_empty() || to.contains('.') {
            return Err(bad());
        }
        Ok(match left.split_once('.') {
            Some((table, from)) if !table.is_empty() && !from.is_empty() => {
                Rename { table: table.to_string(), column: Some(to.to_string()), from: from.to_string(), declared: false }
            }
            Some(_) => return Err(bad()),
            None => Rename { table: to.to_string(), column: None, from: left.to_string(), declared: false },
        })
    }

    /// Parses `--backfill` values: `Comment.rating=<SQL expression>`.
    pub fn parse_backfill(flag: &str) -> Result<Backfill, String> {
        let bad = || format!("--backfill {flag}: expected Table.column=<SQL expression>, e.g. Comment.rating=0");
        let (left, expr) = flag.split_once('=').ok_or_else(bad)?;
        let (table, column) = left.trim().split_once('.').ok_or_else(bad)?;
        if table.is_empty() || column.is_empty() || expr.trim().is_empty() {
            return Err(bad());
        }
        Ok(Backfill { table: table.to_string(), column: column.to_string(), expr: expr.trim().to_string() })
    }

    /// The backfill of `table.column`, if given.
    pub fn backfill(&self, table: &str, column: &str) -> Option<&Backfill> {
        self.backfills.iter().find(|b| b.table == table && b.column == column)
    }

    /// The renames the new schema declares with `renamedFrom`.
    pub fn declared(new: &Schema) -> Vec<Rename> {
        let mut out = Vec::new();
        for t in &new.tables {
            if let Some(from) = &t.renamed_from {
                out.push(Rename { table: t.name.clone(), column: None, from: from.clone(), declared: true });
            }
            for c in &t.columns {
                if let Some(from) = &c.renamed_from {
                    out.push(Rename { table: t.name.clone(), column: Some(c.name.clone()), from: from.clone(), declared: true });
                }
            }
        }
        out
    }
}

impl Rename {
    /// How the user gave it: `renamedFrom "body"` or `--rename Comment.body=text`.
    pub fn source(&self) -> String {
        if self.declared {
            return format!("renamedFrom \"{}\"", self.from);
        }
        match &self.column {
            Some(c) => format!("--rename {}.{}={c}", self.table, self.from),
            None => format!("--rename {}={}", self.from, self.table),
        }
    }

    /// The error when both the old and the new name exist.
    pub fn both_present(&self) -> String {
        match &self.column {
            None => format!("{}: the database has both table {} and table {}; remove one of them (or the rename) first.", self.source(), self.from, self.table),
            Some(to) => format!("{}: table {} has both column {} and column {to}; remove one of them (or the rename) first.", self.source(), self.table, self.from),
        }
    }
}

/// The renames that still have to happen, applied to a copy of `old`: the statements, one
/// step each, and `old` as it will be after them. Tables first, then columns.
pub fn apply_renames(old: &Schema, new: &Schema, renames: &[Rename]) -> Result<(Schema, Vec<String>, Vec<Step>), String> {
    let mut old = old.clone();
    let mut queries = Vec::new();
    let mut steps = Vec::new();
    let mut ordered: Vec<&Rename> = renames.iter().filter(|r| r.column.is_none()).collect();
    ordered.extend(renames.iter().filter(|r| r.column.is_some()));
    for r in ordered {
        let source = r.source();
        let Some(target) = new.table(&r.table) else {
            return Err(format!("{source}: db/config.ts has no table {}.", r.table));
        };
        match &r.column {
            None => {
                let (has_old, has_new) = (old.table(&r.from).is_some(), old.table(&r.table).is_some());
                if has_old && has_new && !r.from.eq_ignore_ascii_case(&r.table) {
                    return Err(r.both_present());
                }
                if !has_old {
                    if !has_new && !r.declared {
                        return Err(format!("{source}: the database has no table {}.", r.from));
                    }
                    continue;
                }
                queries.push(format!("ALTER TABLE {} RENAME TO {}", ident(&r.from), ident(&r.table)));
                steps.push(Step::safe("renameTable", &r.table, None, format!("Table {} is renamed to {}; its rows, indexes and the references to it are kept.", r.from, r.table)));
                rename_table(&mut old, &r.from, &r.table);
            }
            Some(to) => {
                if target.column(to).is_none() {
                    return Err(format!("{source}: table {} in db/config.ts has no column {to}.", r.table));
                }
                let Some(t) = old.table(&r.table) else {
                    if r.declared {
                        continue;
                    }
                    return Err(format!("{source}: the database has no table {}.", r.table));
                };
                let (has_old, has_new) = (t.column(&r.from).is_some(), t.column(to).is_some());
                if has_old && has_new {
                    return Err(r.both_present());
                }
                if !has_old {
                    if !has_new && !r.declared {
                        return Err(format!("{source}: table {} has no column {}.", r.table, r.from));
                    }
                    continue;
                }
                queries.push(format!("ALTER TABLE {} RENAME COLUMN {} TO {}", ident(&r.table), ident(&r.from), ident(to)));
                steps.push(Step::safe("renameColumn", &r.table, Some(to), format!("Column {}.{} is renamed to {to}; its values, indexes and references are kept.", r.table, r.from)));
                rename_column(&mut old, &r.table, &r.from, to);
            }
        }
    }
    Ok((old, queries, steps))
}

fn rename_table(s: &mut Schema, from: &str, to: &str) {
    for t in &mut s.tables {
        if t.name == from {
            t.name = to.to_string();
        }
        for c in &mut t.columns {
            if let Some(r) = c.references.as_mut().filter(|r| r.table == from) {
                r.table = to.to_string();
            }
        }
        for f in &mut t.foreign_keys {
            if f.ref_table == from {
                f.ref_table = to.to_string();
            }
        }
    }
}

fn rename_column(s: &mut Schema, table: &str, from: &str, to: &str) {
    let rename = |v: &mut Vec<String>| v.iter_mut().filter(|c| *c == from).for_each(|c| *c = to.to_string());
    for t in &mut s.tables {
        if t.name == table {
            rename_in_table(t, from, to);
        }
        for c in &mut t.columns {
            if let Some(r) = c.references.as_mut().filter(|r| r.table == table && r.column == from) {
                r.column = to.to_string();
            }
        }
        for f in t.foreign_keys.iter_mut().filter(|f| f.ref_table == table) {
            rename(&mut f.ref_columns);
        }
    }
}

fn rename_in_table(t: &mut Table, from: &str, to: &str) {
    for c in t.columns.iter_mut().filter(|c| c.name == from) {
        c.name = to.to_string();
    }
    for i in &mut t.indexes {
        i.on.iter_mut().filter(|c| *c == from).for_each(|c| *c = to.to_string());
    }
    for f in &mut t.foreign_keys {
        f.columns.iter_mut().filter(|c| *c == from).for_each(|c| *c = to.to_string());
    }
}
