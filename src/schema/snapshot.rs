//! The snapshot JSON stored in `_astro_db_snapshot`: `{"version":"2024-03-12","schema":{…}}`.
//!
//! Key order follows what upstream's zod schemas emit, so a config serialised here is
//! byte-for-byte what upstream 0.21.3 stored for the same config:
//! - boolean/date/json: `label?, optional, unique, deprecated, name, collection, default?`
//! - number: `label?, unique, deprecated, name, collection, primaryKey, optional, default?, references?`
//! - text: `label?, unique, deprecated, name, collection, default?, multiline?, enum?, primaryKey, optional, references?`
//!   (a primary key carries no `optional`)
//! - table: `columns, indexes, foreignKeys?, deprecated`, or `columns, foreignKeys?, deprecated,
//!   indexes` when the config gave no `indexes`.
//!
//! References embed the referenced column's own snapshot, as upstream does.

use super::json::{js_number, write_js_string, Json};
use super::model::{Column, ColumnKind, DefaultValue, Schema, Table, SNAPSHOT_VERSION};

/// Deepest chain of embedded references rendered; validation rejects cycles, this only keeps
/// hand-made input from recursing without end.
const MAX_REF_DEPTH: usize = 64;

fn key(out: &mut String, k: &str) {
    if !out.ends_with('{') {
        out.push(',');
    }
    write_js_string(k, out);
    out.push(':');
}

fn push_bool(out: &mut String, k: &str, v: bool) {
    key(out, k);
    out.push_str(if v { "true" } else { "false" });
}

fn push_default(out: &mut String, d: &DefaultValue) {
    key(out, "default");
    match d {
        DefaultValue::Sql(sql) => {
            out.push_str("{\"__serializedSQL\":true,\"sql\":");
            write_js_string(sql, out);
            out.push('}');
        }
        DefaultValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        DefaultValue::Number(n) => out.push_str(&js_number(*n)),
        DefaultValue::Text(s) => write_js_string(s, out),
        DefaultValue::Json(v) => v.write_to(out),
    }
}

/// Appends the snapshot JSON of `column` (of table `table`) to `out`.
pub fn write_column(schema: &Schema, table: &str, column: &Column, out: &mut String, depth: usize) {
    out.push_str("{\"type\":");
    write_js_string(column.kind.name(), out);
    out.push_str(",\"schema\":{");
    if let Some(label) = &column.label {
        key(out, "label");
        write_js_string(label, out);
    }
    let base_optional_first = !column.kind.is_referenceable();
    if base_optional_first {
        push_bool(out, "optional", column.optional);
    }
    push_bool(out, "unique", column.unique);
    push_bool(out, "deprecated", column.deprecated);
    key(out, "name");
    write_js_string(&column.name, out);
    key(out, "collection");
    write_js_string(table, out);
    match column.kind {
        ColumnKind::Number => {
            push_bool(out, "primaryKey", column.primary_key);
            if !column.primary_key {
                push_bool(out, "optional", column.optional);
            }
            if let Some(d) = &column.default {
                push_default(out, d);
            }
        }
        ColumnKind::Text => {
            if let Some(d) = &column.default {
                push_default(out, d);
            }
            if let Some(m) = column.multiline {
                push_bool(out, "multiline", m);
            }
            if let Some(values) = &column.enum_values {
                key(out, "enum");
                Json::Array(values.iter().cloned().map(Json::String).collect()).write_to(out);
            }
            push_bool(out, "primaryKey", column.primary_key);
            if !column.primary_key {
                push_bool(out, "optional", column.optional);
            }
        }
        _ => {
            if let Some(d) = &column.default {
                push_default(out, d);
            }
        }
    }
    // Only when declared, so snapshots without renames keep upstream's exact shape.
    if let Some(from) = &column.renamed_from {
        key(out, "renamedFrom");
        write_js_string(from, out);
    }
    if let Some(r) = &column.references {
        if let Some(target) = schema.column(r) {
            if depth < MAX_REF_DEPTH {
                key(out, "references");
                write_column(schema, &r.table, target, out, depth + 1);
            }
        }
    }
    out.push_str("}}");
}

fn write_ref_list(schema: &Schema, table: &str, columns: &[String], single: bool, out: &mut String) {
    let cols: Vec<&Column> = columns.iter().filter_map(|c| schema.table(table).and_then(|t| t.column(c))).collect();
    if single && cols.len() == 1 {
        write_column(schema, table, cols[0], out, 1);
        return;
    }
    out.push('[');
    for (i, c) in cols.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_column(schema, table, c, out, 1);
    }
    out.push(']');
}

fn write_names(names: &[String], single: bool, out: &mut String) {
    if single && names.len() == 1 {
        write_js_string(&names[0], out);
    } else {
        Json::Array(names.iter().cloned().map(Json::String).collect()).write_to(out);
    }
}

fn write_indexes(table: &Table, out: &mut String) {
    key(out, "indexes");
    out.push('{');
    for index in &table.indexes {
        key(out, &index.name);
        out.push_str("{\"on\":");
        write_names(&index.on, index.on_is_string, out);
        if let Some(u) = index.unique {
            push_bool(out, "unique", u);
        }
        out.push('}');
    }
    out.push('}');
}

/// Appends the snapshot JSON of one table.
pub fn write_table(schema: &Schema, table: &Table, out: &mut String) {
    out.push('{');
    key(out, "columns");
    out.push('{');
    for c in &table.columns {
        key(out, &c.name);
        write_column(schema, &table.name, c, out, 0);
    }
    out.push('}');
    if table.indexes_given {
        write_indexes(table, out);
    }
    if !table.foreign_keys.is_empty() {
        key(out, "foreignKeys");
        out.push('[');
        for (i, fk) in table.foreign_keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"columns\":");
            write_names(&fk.columns, fk.columns_is_string, out);
            out.push_str(",\"references\":");
            write_ref_list(schema, &fk.ref_table, &fk.ref_columns, fk.references_is_single, out);
            out.push('}');
        }
        out.push(']');
    }
    if let Some(from) = &table.renamed_from {
        key(out, "renamedFrom");
        write_js_string(from, out);
    }
    push_bool(out, "deprecated", table.deprecated);
    if !table.indexes_given {
        write_indexes(table, out);
    }
    out.push('}');
}

/// The full snapshot text, as upstream stores it.
pub fn to_snapshot_json(schema: &Schema) -> String {
    let mut out = String::with_capacity(256 * (schema.tables.len() + 1));
    out.push_str("{\"version\":");
    write_js_string(SNAPSHOT_VERSION, &mut out);
    out.push_str(",\"schema\":{");
    for t in &schema.tables {
        key(&mut out, &t.name);
        write_table(schema, t, &mut out);
    }
    out.push_str("}}");
    out
}

/// A stable 64-bit FNV-1a hash of a snapshot text, as 16 hex digits; equal schemas loaded from
/// equal configs hash equally, so callers can skip work when nothing changed.
pub fn snapshot_hash(snapshot_json: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in snapshot_json.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}
