//! Reads one table definition: columns, indexes (array or legacy record form, with default
//! names resolved like upstream) and table-level foreign keys.

use super::json::Json;
use super::model::{ForeignKey, Index, Table};
use super::parse_column::{parse_column, parse_ref};
use super::problems::{at, join, Problems};

/// Reads `string | string[]` (index `on`, foreign key `columns`); the flag says it was a string.
fn string_or_list(value: &Json, path: &str, problems: &mut Problems) -> Option<(Vec<String>, bool)> {
    match value {
        Json::String(s) => Some((vec![s.clone()], true)),
        Json::Array(items) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Json::String(s) => out.push(s.clone()),
                    other => problems.add(at(path, i), format!("must be a column name, got {}", other.type_name())),
                }
            }
            if items.is_empty() {
                problems.add(path, "must name at least one column");
                return None;
            }
            Some((out, false))
        }
        other => {
            problems.add(path, format!("must be a column name or an array of column names, got {}", other.type_name()));
            None
        }
    }
}

fn parse_unique(def: &Json, path: &str, problems: &mut Problems) -> Option<bool> {
    match def.get("unique") {
        None | Some(Json::Null) => None,
        Some(Json::Bool(b)) => Some(*b),
        Some(other) => {
            problems.add(join(path, "unique"), format!("must be true or false, got {}", other.type_name()));
            None
        }
    }
}

fn push_index(indexes: &mut Vec<Index>, index: Index, path: &str, problems: &mut Problems) {
    if indexes.iter().any(|i| i.name == index.name) {
        problems.add(path, format!("defines index \"{}\" a second time; give each index its own `name`", index.name));
        return;
    }
    indexes.push(index);
}

fn parse_indexes(table: &str, value: &Json, path: &str, problems: &mut Problems) -> Vec<Index> {
    let mut indexes = Vec::new();
    match value {
        Json::Null => {}
        Json::Array(items) => {
            for (i, def) in items.iter().enumerate() {
                let ipath = at(path, i);
                let Some(on_value) = def.get("on") else {
                    problems.add(join(&ipath, "on"), "is missing; list the indexed columns");
                    continue;
                };
                let Some((mut on, on_is_string)) = string_or_list(on_value, &join(&ipath, "on"), problems) else { continue };
                let unique = parse_unique(def, &ipath, problems);
                let name = match def.get("name") {
                    Some(Json::String(n)) => n.clone(),
                    None | Some(Json::Null) => {
                        // Upstream sorts the columns in place (so the snapshot stores them
                        // sorted) to keep default names stable when the order changes.
                        on.sort();
                        format!("{table}_{}_idx", on.join("_"))
                    }
                    Some(other) => {
                        problems.add(join(&ipath, "name"), format!("must be a string, got {}", other.type_name()));
                        continue;
                    }
                };
                push_index(&mut indexes, Index { name, on, unique, on_is_string }, &ipath, problems);
            }
        }
        Json::Object(entries) => {
            for (name, def) in entries {
                let ipath = join(path, name);
                let Some(on_value) = def.get("on") else {
                    problems.add(join(&ipath, "on"), "is missing; list the indexed columns");
                    continue;
                };
                let Some((on, on_is_string)) = string_or_list(on_value, &join(&ipath, "on"), problems) else { continue };
                let unique = parse_unique(def, &ipath, problems);
                push_index(&mut indexes, Index { name: name.clone(), on, unique, on_is_string }, &ipath, problems);
            }
        }
        other => problems.add(path, format!("must be an array of indexes, got {}", other.type_name())),
    }
    indexes
}

fn parse_foreign_keys(value: &Json, path: &str, problems: &mut Problems) -> Vec<ForeignKey> {
    let mut fks = Vec::new();
    let items = match value {
        Json::Null => return fks,
        Json::Array(items) => items,
        other => {
            problems.add(path, format!("must be an array, got {}", other.type_name()));
            return fks;
        }
    };
    for (i, def) in items.iter().enumerate() {
        let fpath = at(path, i);
        let cols = match def.get("columns") {
            Some(v) => string_or_list(v, &join(&fpath, "columns"), problems),
            None => {
                problems.add(join(&fpath, "columns"), "is missing");
                None
            }
        };
        let rpath = join(&fpath, "references");
        let refs = match def.get("references") {
            Some(Json::Array(list)) => {
                let r: Vec<_> = list.iter().enumerate().filter_map(|(j, r)| parse_ref(r, &at(&rpath, j), problems)).collect();
                if list.is_empty() {
                    problems.add(&rpath, "cannot be empty; return the referenced columns");
                    None
                } else if r.len() == list.len() {
                    Some((r, false))
                } else {
                    None
                }
            }
            Some(r @ Json::Object(_)) => parse_ref(r, &rpath, problems).map(|r| (vec![r], true)),
            Some(other) => {
                problems.add(&rpath, format!("must return the referenced columns, got {}", other.type_name()));
                None
            }
            None => {
                problems.add(&rpath, "is missing");
                None
            }
        };
        let (Some((columns, columns_is_string)), Some((refs, references_is_single))) = (cols, refs) else { continue };
        if columns.len() != refs.len() {
            problems.add(&fpath, format!("has {} column(s) but {} reference(s); `columns` and `references` must be the same length", columns.len(), refs.len()));
            continue;
        }
        let ref_table = refs[0].table.clone();
        if refs.iter().any(|r| r.table != ref_table) {
            problems.add(&rpath, "must all point at columns of one table");
            continue;
        }
        fks.push(ForeignKey {
            columns,
            ref_table,
            ref_columns: refs.into_iter().map(|r| r.column).collect(),
            columns_is_string,
            references_is_single,
        });
    }
    fks
}

/// Reads the table `name` from its definition at `path`.
pub fn parse_table(name: &str, def: &Json, path: &str, problems: &mut Problems, warnings: &mut Vec<String>) -> Option<Table> {
    if !matches!(def, Json::Object(_)) {
        problems.add(path, format!("must be a table defined with defineTable(), got {}", def.type_name()));
        return None;
    }
    let mut table = Table::new(name);
    let cpath = join(path, "columns");
    match def.get("columns") {
        Some(Json::Object(cols)) => {
            for (cname, cdef) in cols {
                if let Some(c) = parse_column(cname, cdef, &join(&cpath, cname), problems, warnings) {
                    table.columns.push(c);
                }
            }
        }
        Some(other) => problems.add(&cpath, format!("must be an object of columns, got {}", other.type_name())),
        None => problems.add(&cpath, "is missing; every table needs `columns`"),
    }
    if let Some(v) = def.get("indexes") {
        // Upstream writes `indexes` after `deprecated` when the config had none; a snapshot
        // keeps whichever place it had, so remember it.
        let pos = |k: &str| match def {
            Json::Object(e) => e.iter().position(|(key, _)| key == k),
            _ => None,
        };
        let after_deprecated = matches!((pos("indexes"), pos("deprecated")), (Some(i), Some(d)) if i > d);
        table.indexes_given = !matches!(v, Json::Null) && !after_deprecated;
        table.indexes = parse_indexes(name, v, &join(path, "indexes"), problems);
    }
    if let Some(v) = def.get("foreignKeys") {
        table.foreign_keys = parse_foreign_keys(v, &join(path, "foreignKeys"), problems);
    }
    match def.get("renamedFrom") {
        None | Some(Json::Null) => {}
        Some(Json::String(s)) if !s.is_empty() && s != name => table.renamed_from = Some(s.clone()),
        Some(Json::String(_)) => {}
        Some(other) => problems.add(join(path, "renamedFrom"), format!("must be the table's previous name, got {}", other.type_name())),
    }
    match def.get("deprecated") {
        None | Some(Json::Null) => {}
        Some(Json::Bool(b)) => table.deprecated = *b,
        Some(other) => problems.add(join(path, "deprecated"), format!("must be true or false, got {}", other.type_name())),
    }
    Some(table)
}
