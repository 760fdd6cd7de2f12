//! DDL shaped exactly like upstream's (existing databases and their stored SQL depend on it):
//! `CREATE TABLE "T" (_id INTEGER PRIMARY KEY, "c" text NOT NULL UNIQUE DEFAULT 'x' REFERENCES
//! "U" ("id"), FOREIGN KEY ("a") REFERENCES "U"("id"))`.

use super::quote::{ident, ident_list, string};
use crate::schema::json::js_number;
use crate::schema::{Column, ColumnKind, DefaultValue, Table};

/// The SQLite type of a column kind.
pub fn sql_type(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Text | ColumnKind::Date | ColumnKind::Json => "text",
        ColumnKind::Number | ColumnKind::Boolean => "integer",
    }
}

/// Whether an SQL default needs parentheses to be a valid `DEFAULT` clause: SQLite accepts a
/// bare literal, signed number, `CURRENT_*` keyword or identifier-like token, but any other
/// expression (a function call) must be parenthesised. Upstream emitted it bare, which SQLite
/// rejects, so wrapping changes no DDL that ever worked.
fn needs_parens(sql: &str) -> bool {
    let s = sql.trim();
    if s.starts_with('(') && s.ends_with(')') {
        // Already wrapped, provided the outer parentheses pair with each other.
        let mut depth = 0i32;
        for (i, c) in s.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 && i != s.len() - 1 {
                        return true;
                    }
                }
                _ => {}
            }
        }
        return false;
    }
    let word = s.chars().all(|c| c.is_alphanumeric() || c == '_');
    let number = s.trim_start_matches(['-', '+']).parse::<f64>().is_ok();
    let quoted = s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') && !s[1..s.len() - 1].replace("''", "").contains('\'');
    !(word || number || quoted)
}

/// The SQL text after `DEFAULT` for a value.
pub fn default_sql(value: &DefaultValue) -> String {
    match value {
        DefaultValue::Sql(sql) if needs_parens(sql) => format!("({sql})"),
        DefaultValue::Sql(sql) => sql.clone(),
        DefaultValue::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DefaultValue::Number(n) => js_number(*n),
        DefaultValue::Text(s) => string(s),
        DefaultValue::Json(v) => string(&v.stringify()),
    }
}

/// The constraint text after a column's type (` PRIMARY KEY`, ` NOT NULL UNIQUE DEFAULT …`).
pub fn modifiers(column: &Column) -> String {
    let mut m = String::new();
    if column.primary_key {
        m.push_str(" PRIMARY KEY");
    } else {
        if !column.optional {
            m.push_str(" NOT NULL");
        }
        if column.unique {
            m.push_str(" UNIQUE");
        }
        if let Some(d) = &column.default {
            m.push_str(" DEFAULT ");
            m.push_str(&default_sql(d));
        }
    }
    // Upstream dropped REFERENCES on primary keys; keeping it is the documented fix.
    if let Some(r) = &column.references {
        m.push_str(&format!(" REFERENCES {} ({})", ident(&r.table), ident(&r.column)));
    }
    m
}

/// One column definition: `"name" type modifiers`.
pub fn column_def(column: &Column) -> String {
    format!("{} {}{}", ident(&column.name), sql_type(column.kind), modifiers(column))
}

/// `CREATE TABLE` for `table` under the name `as_name` (the real name, or a temporary one).
pub fn create_table(as_name: &str, table: &Table) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(table.columns.len() + 1);
    if table.has_hidden_id() {
        parts.push("_id INTEGER PRIMARY KEY".to_string());
    }
    parts.extend(table.columns.iter().map(column_def));
    for fk in &table.foreign_keys {
        parts.push(format!("FOREIGN KEY ({}) REFERENCES {}({})", ident_list(&fk.columns), ident(&fk.ref_table), ident_list(&fk.ref_columns)));
    }
    format!("CREATE TABLE {} ({})", ident(as_name), parts.join(", "))
}

/// `CREATE [UNIQUE ]INDEX` statements for every index of `table` (on `table_name`).
pub fn create_indexes(table_name: &str, table: &Table) -> Vec<String> {
    table.indexes.iter().map(|i| create_index(table_name, i)).collect()
}

/// One `CREATE [UNIQUE ]INDEX "name" ON "T" ("a", "b")`.
pub fn create_index(table_name: &str, index: &crate::schema::Index) -> String {
    let unique = if index.is_unique() { "UNIQUE " } else { "" };
    format!("CREATE {unique}INDEX {} ON {} ({})", ident(&index.name), ident(table_name), ident_list(&index.on))
}

/// `DROP INDEX "name"`.
pub fn drop_index(name: &str) -> String {
    format!("DROP INDEX {}", ident(name))
}

/// `DROP TABLE "T"`.
pub fn drop_table(name: &str) -> String {
    format!("DROP TABLE {}", ident(name))
}

/// `DROP TABLE IF EXISTS "T"`.
pub fn drop_table_if_exists(name: &str) -> String {
    format!("DROP TABLE IF EXISTS {}", ident(name))
}

/// Every statement creating `schema` in an empty database: each table, then its indexes.
pub fn create_schema(schema: &crate::schema::Schema) -> Vec<String> {
    let mut out = Vec::new();
    for t in &schema.tables {
        out.push(create_table(&t.name, t));
        out.extend(create_indexes(&t.name, t));
    }
    out
}
