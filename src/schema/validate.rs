//! Whole-schema rules: names, primary keys, defaults, references, indexes and foreign keys.
//! Every rule records a problem and moves on, so a user sees all problems at once.

use super::model::{ColumnKind, ColumnRef, DefaultValue, Schema, Table, HIDDEN_ID};
use super::names::{sql_default_problem, sql_name_problem, table_name_problem};
use super::problems::{at, join, Problems};
use std::collections::HashMap;

/// Checks `schema`; `paths[i]` is the config path of `schema.tables[i]`.
pub fn validate(schema: &Schema, paths: &[String], problems: &mut Problems) {
    // SQLite names are case-insensitive and indexes share the tables' namespace.
    let mut global: HashMap<String, String> = HashMap::new();
    for (table, path) in schema.tables.iter().zip(paths) {
        if let Some(p) = table_name_problem(&table.name) {
            problems.add(path.clone(), format!("table name {p}"));
        }
        let key = table.name.to_lowercase();
        if let Some(first) = global.get(&key) {
            problems.add(path.clone(), format!("clashes with {first}; SQLite table names are case-insensitive"));
        } else {
            global.insert(key, path.clone());
        }
    }
    for (table, path) in schema.tables.iter().zip(paths) {
        validate_columns(schema, table, path, problems);
        for index in &table.indexes {
            let ipath = join(&join(path, "indexes"), &index.name);
            if let Some(p) = sql_name_problem(&index.name) {
                problems.add(ipath.clone(), format!("index name {p}"));
            }
            let key = index.name.to_lowercase();
            match global.get(&key) {
                Some(first) => problems.add(ipath.clone(), format!("index name \"{}\" is already used by {first}; index names must be unique in the database", index.name)),
                None => {
                    global.insert(key, ipath.clone());
                }
            }
            for (j, col) in index.on.iter().enumerate() {
                if table.column(col).is_none() {
                    problems.add(at(&join(&ipath, "on"), j), format!("indexes unknown column \"{col}\" of table {}", table.name));
                }
            }
        }
        for (i, fk) in table.foreign_keys.iter().enumerate() {
            let fpath = at(&join(path, "foreignKeys"), i);
            for (j, col) in fk.columns.iter().enumerate() {
                let Some(local) = table.column(col) else {
                    problems.add(at(&join(&fpath, "columns"), j), format!("names unknown column \"{col}\" of table {}", table.name));
                    continue;
                };
                let Some(target) = fk.ref_columns.get(j) else { continue };
                let r = ColumnRef { table: fk.ref_table.clone(), column: target.clone() };
                check_ref_target(schema, local.kind, &r, &at(&join(&fpath, "references"), j), problems);
            }
        }
    }
}

fn validate_columns(schema: &Schema, table: &Table, path: &str, problems: &mut Problems) {
    let cpath = join(path, "columns");
    let mut seen: HashMap<String, &str> = HashMap::new();
    let pks: Vec<&str> = table.columns.iter().filter(|c| c.primary_key).map(|c| c.name.as_str()).collect();
    for col in &table.columns {
        let path = join(&cpath, &col.name);
        if let Some(p) = sql_name_problem(&col.name) {
            problems.add(path.clone(), format!("column name {p}"));
        }
        let key = col.name.to_lowercase();
        if let Some(first) = seen.get(&key) {
            problems.add(path.clone(), format!("clashes with column \"{first}\"; SQLite column names are case-insensitive"));
        }
        seen.insert(key.clone(), &col.name);
        if pks.is_empty() && key == HIDDEN_ID {
            problems.add(path.clone(), "`_id` is the hidden primary key of tables without one; rename the column or mark a column as primaryKey");
        }
        if col.primary_key {
            if pks.len() > 1 && pks[0] != col.name {
                problems.add(join(&path, "primaryKey"), format!("is set on \"{}\" too; a table can have only one primary key column", pks[0]));
            }
            if col.optional {
                problems.add(join(&path, "optional"), "a primary key cannot be optional; remove `optional` or `primaryKey`");
            }
            if col.default.is_some() {
                problems.add(join(&path, "default"), "a primary key cannot have a default; remove `default` or `primaryKey`");
            }
        }
        let dpath = join(&path, "default");
        match &col.default {
            Some(DefaultValue::Sql(sql)) => {
                if let Some(p) = sql_default_problem(sql) {
                    problems.add(dpath, format!("SQL default {p}"));
                }
            }
            Some(DefaultValue::Text(s)) => {
                if s.contains('\0') {
                    problems.add(dpath.clone(), "must not contain the NUL character");
                }
                if let Some(values) = &col.enum_values {
                    if !values.contains(s) {
                        problems.add(dpath, format!("\"{s}\" is not one of the enum values ({})", values.join(", ")));
                    }
                }
            }
            Some(DefaultValue::Json(v)) if v.stringify().contains('\0') => {
                problems.add(dpath, "must not contain the NUL character");
            }
            _ => {}
        }
        if let Some(values) = &col.enum_values {
            if values.iter().any(|v| v.contains('\0')) {
                problems.add(join(&path, "enum"), "values must not contain the NUL character");
            }
        }
        if let Some(r) = &col.references {
            let rpath = join(&path, "references");
            if check_ref_target(schema, col.kind, r, &rpath, problems) && reference_cycles(schema, &table.name, &col.name) {
                problems.add(rpath, "forms a cycle of column references; a referenced column cannot itself lead back here");
            }
        }
    }
}

/// Checks that `r` names an existing column of the same kind; true when it does.
fn check_ref_target(schema: &Schema, kind: ColumnKind, r: &ColumnRef, path: &str, problems: &mut Problems) -> bool {
    let Some(table) = schema.table(&r.table) else {
        problems.add(path, format!("references unknown table \"{}\"; add it to `tables` in your db config", r.table));
        return false;
    };
    let Some(target) = table.column(&r.column) else {
        problems.add(path, format!("references unknown column \"{}\" of table {}", r.column, r.table));
        return false;
    };
    if target.kind != kind {
        problems.add(path, format!("a {} column cannot reference {}.{}, which is a {} column", kind.name(), r.table, r.column, target.kind.name()));
        return false;
    }
    true
}

/// Whether following column `references` from `table.column` leads back to a visited column
/// (upstream would recurse forever resolving such a chain).
fn reference_cycles(schema: &Schema, table: &str, column: &str) -> bool {
    let mut seen = vec![(table.to_string(), column.to_string())];
    let mut current = schema.table(table).and_then(|t| t.column(column)).and_then(|c| c.references.clone());
    while let Some(r) = current {
        if seen.iter().any(|(t, c)| *t == r.table && *c == r.column) {
            return true;
        }
        if seen.len() > schema.tables.iter().map(|t| t.columns.len()).sum::<usize>() {
            return true;
        }
        seen.push((r.table.clone(), r.column.clone()));
        current = schema.column(&r).and_then(|c| c.references.clone());
    }
    false
}
