//! Read-only probes a caller runs before applying a plan; each returns a row exactly when the
//! step it belongs to would lose data or fail.

use crate::schema::{Column, ColumnKind, ForeignKey, Schema};
use crate::sql::quote::ident;

/// Returns a row when the table holds any row.
pub fn non_empty(table: &str) -> String {
    format!("SELECT 1 FROM {} LIMIT 1", ident(table))
}

/// Returns a row when the table holds two or more rows.
pub fn several_rows(table: &str) -> String {
    format!("SELECT 1 FROM {} LIMIT 1 OFFSET 1", ident(table))
}

/// Returns a row when the column holds any non-NULL value.
pub fn has_values(table: &str, column: &str) -> String {
    format!("SELECT 1 FROM {} WHERE {} IS NOT NULL LIMIT 1", ident(table), ident(column))
}

/// Returns a row when the column holds a NULL.
pub fn has_nulls(table: &str, column: &str) -> String {
    format!("SELECT 1 FROM {} WHERE {} IS NULL LIMIT 1", ident(table), ident(column))
}

/// Returns a row when two rows share a non-NULL value of the column.
pub fn has_duplicates(table: &str, column: &str) -> String {
    let c = ident(column);
    format!("SELECT 1 FROM {} WHERE {c} IS NOT NULL GROUP BY {c} HAVING COUNT(*) > 1 LIMIT 1", ident(table))
}

/// Returns a row when the column cannot become an `INTEGER PRIMARY KEY`: duplicates, values
/// that are not integers (SQLite refuses them with "datatype mismatch"). NULLs are fine: they
/// receive new row ids.
pub fn bad_integer_key(table: &str, column: &str) -> String {
    let c = ident(column);
    let t = ident(table);
    format!("SELECT 1 FROM {t} WHERE {c} IS NOT NULL GROUP BY {c} HAVING COUNT(*) > 1 UNION ALL SELECT 1 FROM {t} WHERE typeof({c}) NOT IN ('integer', 'null') LIMIT 1")
}

/// Returns a row when some row of `table` has all `columns` non-NULL and no matching row in
/// the referenced table (what `PRAGMA foreign_key_check` would flag). When the referenced
/// table or columns do not exist yet in `old`, any such row is an orphan.
pub fn orphans(old: &Schema, table: &str, columns: &[String], ref_table: &str, ref_columns: &[String], parent_emptied: bool) -> String {
    let child = ident(table);
    let not_null: Vec<String> = columns.iter().map(|c| format!("c.{} IS NOT NULL", ident(c))).collect();
    let parent_ready = !parent_emptied && old
        .table(ref_table)
        .is_some_and(|t| ref_columns.iter().all(|c| t.column(c).is_some()));
    if !parent_ready {
        return format!("SELECT 1 FROM {child} AS c WHERE {} LIMIT 1", not_null.join(" AND "));
    }
    let matches: Vec<String> = columns
        .iter()
        .zip(ref_columns)
        .map(|(c, r)| format!("p.{} = c.{}", ident(r), ident(c)))
        .collect();
    format!(
        "SELECT 1 FROM {child} AS c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} AS p WHERE {}) LIMIT 1",
        not_null.join(" AND "),
        ident(ref_table),
        matches.join(" AND ")
    )
}

/// The (columns, table, columns) triples a table's constraints reference: column-level
/// `references` and table-level foreign keys.
pub fn references_of(columns: &[Column], fks: &[ForeignKey]) -> Vec<(Vec<String>, String, Vec<String>)> {
    let mut out: Vec<(Vec<String>, String, Vec<String>)> = columns
        .iter()
        .filter_map(|c| c.references.as_ref().map(|r| (vec![c.name.clone()], r.table.clone(), vec![r.column.clone()])))
        .collect();
    out.extend(fks.iter().map(|f| (f.columns.clone(), f.ref_table.clone(), f.ref_columns.clone())));
    out
}

/// Returns a row when two rows share the same non-NULL values of all `columns`.
pub fn has_duplicate_tuples(table: &str, columns: &[String]) -> String {
    let cols: Vec<String> = columns.iter().map(|c| ident(c)).collect();
    let not_null: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    format!("SELECT 1 FROM {} WHERE {} GROUP BY {} HAVING COUNT(*) > 1 LIMIT 1", ident(table), not_null.join(" AND "), cols.join(", "))
}

/// Returns a row when the column holds a value that `kind` cannot read as it is stored: a
/// boolean other than 0/1, a date SQLite cannot parse, text that is not JSON. `None` for
/// kinds that read any value of their SQLite type.
pub fn invalid_values(table: &str, column: &str, kind: ColumnKind) -> Option<String> {
    let c = ident(column);
    let invalid = match kind {
        ColumnKind::Boolean => format!("{c} NOT IN (0, 1)"),
        ColumnKind::Date => format!("(typeof({c}) != 'text' OR julianday({c}) IS NULL)"),
        ColumnKind::Json => format!("json_valid({c}) = 0"),
        ColumnKind::Number | ColumnKind::Text => return None,
    };
    Some(format!("SELECT 1 FROM {} WHERE {c} IS NOT NULL AND {invalid} LIMIT 1", ident(table)))
}

/// The number of rows a check finds (its `LIMIT 1` dropped): what the refusal reports.
pub fn count_rows(check: &str) -> String {
    let body = check.strip_suffix(" LIMIT 1").unwrap_or(check);
    format!("SELECT count(*) FROM ({body})")
}

/// A statement that fails (integer overflow) when the check finds a row: run inside the
/// write transaction, it aborts the push if data appeared since the plan was checked.
/// (`PRAGMA foreign_key_check` and plain SELECTs cannot fail a transaction by themselves.)
pub fn guard(check: &str) -> String {
    format!("SELECT CASE WHEN EXISTS ({check}) THEN abs(-9223372036854775808) END")
}

/// [`guard`] for `PRAGMA foreign_key_check` of one table.
pub fn foreign_key_guard(table: &str) -> String {
    guard(&format!("SELECT 1 FROM pragma_foreign_key_check({})", crate::sql::quote::string(table)))
}

/// Returns a row when a stored value would not survive the change of the column to `kind`'s
/// SQLite type (a rebuild's row copy converts through column affinity): text that is not the
/// exact decimal form of an integer for a number, anything but 0/1 for a boolean, a number
/// for a date, text that is not JSON. `None` when every value converts (integer → text).
pub fn unconvertible(table: &str, column: &str, kind: ColumnKind) -> Option<String> {
    let c = ident(column);
    let bad = match kind {
        ColumnKind::Number => format!("CAST(CAST({c} AS INTEGER) AS TEXT) IS NOT CAST({c} AS TEXT)"),
        ColumnKind::Boolean => format!("CAST({c} AS TEXT) NOT IN ('0', '1')"),
        ColumnKind::Date => format!("(typeof({c}) != 'text' OR julianday({c}) IS NULL)"),
        ColumnKind::Json => format!("json_valid(CAST({c} AS TEXT)) = 0"),
        ColumnKind::Text => return None,
    };
    Some(format!("SELECT 1 FROM {} WHERE {c} IS NOT NULL AND {bad} LIMIT 1", ident(table)))
}
