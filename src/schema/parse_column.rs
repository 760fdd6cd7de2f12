//! Reads one column definition (`{ type, schema }`) into a [`Column`], recording problems.

use super::json::Json;
use super::model::{Column, ColumnKind, ColumnRef, DefaultValue};
use super::problems::{join, Problems};

/// Reads a reference in either accepted shape: `{ table, column }` (what the JS layer sends)
/// or upstream's embedded column `{ type, schema: { collection, name } }` (what snapshots hold).
pub fn parse_ref(value: &Json, path: &str, problems: &mut Problems) -> Option<ColumnRef> {
    if let (Some(Json::String(table)), Some(Json::String(column))) =
        (value.get("table"), value.get("column"))
    {
        return Some(ColumnRef { table: table.clone(), column: column.clone() });
    }
    if let Some(schema) = value.get("schema") {
        if let (Some(Json::String(table)), Some(Json::String(column))) =
            (schema.get("collection"), schema.get("name"))
        {
            return Some(ColumnRef { table: table.clone(), column: column.clone() });
        }
        problems.add(
            path,
            "references a column that is not part of any table; add the referenced table to `tables` in your db config",
        );
        return None;
    }
    problems.add(
        path,
        format!("must point at a column as {{ table, column }}, got {}", value.type_name()),
    );
    None
}

fn read_bool(schema: &Json, key: &str, path: &str, problems: &mut Problems) -> Option<bool> {
    match schema.get(key) {
        None | Some(Json::Null) => None,
        Some(Json::Bool(b)) => Some(*b),
        Some(other) => {
            problems.add(join(path, key), format!("must be true or false, got {}", other.type_name()));
            None
        }
    }
}

/// Recognises an SQL default: upstream's serialised form `{ __serializedSQL: true, sql }`, or
/// (for non-JSON columns, where it cannot be mistaken for data) `{ sql }`.
fn sql_default(value: &Json, kind: ColumnKind) -> Option<Result<String, ()>> {
    let Json::Object(entries) = value else { return None };
    let tagged = value.get("__serializedSQL").is_some();
    let bare = kind != ColumnKind::Json && entries.len() == 1 && value.get("sql").is_some();
    if !tagged && !bare {
        return None;
    }
    match value.get("sql") {
        Some(Json::String(s)) => Some(Ok(s.clone())),
        _ => Some(Err(())),
    }
}

fn parse_default(value: &Json, kind: ColumnKind, path: &str, problems: &mut Problems) -> Option<DefaultValue> {
    if let Some(sql) = sql_default(value, kind) {
        return match sql {
            Ok(s) => Some(DefaultValue::Sql(s)),
            Err(()) => {
                problems.add(path, "an SQL default needs its SQL text as a string in `sql`");
                None
            }
        };
    }
    let wrong = |problems: &mut Problems, want: &str| {
        problems.add(path, format!("must be {want} or an sql`` expression, got {}", value.type_name()));
        None
    };
    match (kind, value) {
        (ColumnKind::Json, v) => Some(DefaultValue::Json(v.clone())),
        (ColumnKind::Boolean, Json::Bool(b)) => Some(DefaultValue::Bool(*b)),
        (ColumnKind::Boolean, _) => wrong(problems, "true or false"),
        (ColumnKind::Number, Json::Number(n)) => Some(DefaultValue::Number(*n)),
        (ColumnKind::Number, _) => wrong(problems, "a number"),
        (ColumnKind::Text, Json::String(s)) => Some(DefaultValue::Text(s.clone())),
        (ColumnKind::Text, _) => wrong(problems, "a string"),
        (ColumnKind::Date, Json::String(s)) => Some(DefaultValue::Text(s.clone())),
        (ColumnKind::Date, Json::Null) => {
            problems.add(path, "is an invalid Date; use a valid Date or NOW");
            None
        }
        (ColumnKind::Date, _) => wrong(problems, "a Date"),
    }
}

/// Reads `{ type, schema }` for the column `name`; `None` when it cannot be read at all.
pub fn parse_column(name: &str, value: &Json, path: &str, problems: &mut Problems, warnings: &mut Vec<String>) -> Option<Column> {
    if !matches!(value, Json::Object(_)) {
        problems.add(path, format!("must be a column such as column.text(), got {}", value.type_name()));
        return None;
    }
    let kind = match value.get("type") {
        Some(Json::String(t)) => match ColumnKind::from_name(t) {
            Some(k) => k,
            None => {
                problems.add(
                    join(path, "type"),
                    format!("unknown column type \"{t}\"; use boolean, number, text, date or json"),
                );
                return None;
            }
        },
        _ => {
            problems.add(join(path, "type"), "is missing; define columns with the column.* helpers");
            return None;
        }
    };
    let empty = Json::Object(Vec::new());
    let schema = match value.get("schema") {
        None | Some(Json::Null) => &empty,
        Some(s @ Json::Object(_)) => s,
        Some(other) => {
            problems.add(join(path, "schema"), format!("must be an object, got {}", other.type_name()));
            &empty
        }
    };
    let spath = path.to_string();
    let mut col = Column::new(name, kind);
    match schema.get("label") {
        None | Some(Json::Null) => {}
        Some(Json::String(s)) => col.label = Some(s.clone()),
        Some(other) => problems.add(join(&spath, "label"), format!("must be a string, got {}", other.type_name())),
    }
    col.optional = read_bool(schema, "optional", &spath, problems).unwrap_or(false);
    col.unique = read_bool(schema, "unique", &spath, problems).unwrap_or(false);
    col.deprecated = read_bool(schema, "deprecated", &spath, problems).unwrap_or(false);
    let pk = read_bool(schema, "primaryKey", &spath, problems);
    let multiline = read_bool(schema, "multiline", &spath, problems);
    if let Some(Json::String(given)) = schema.get("name") {
        // Upstream overwrites `name` with the object key; only an explicit different value is
        // worth a warning (snapshots always carry the key itself).
        if given != name {
            warnings.push(format!("{}: the `name` option (\"{given}\") is ignored; the column is named by its key", join(&spath, "name")));
        }
    }
    if let Some(p) = pk {
        if p && !kind.is_referenceable() {
            problems.add(join(&spath, "primaryKey"), format!("is only supported on number and text columns, not {}", kind.name()));
        }
        col.primary_key = p && kind.is_referenceable();
    }
    if let Some(m) = multiline {
        if kind != ColumnKind::Text {
            problems.add(join(&spath, "multiline"), "is only supported on text columns");
        } else {
            col.multiline = Some(m);
        }
    }
    match schema.get("enum") {
        None | Some(Json::Null) => {}
        Some(Json::Array(items)) if kind == ColumnKind::Text => {
            let epath = join(&spath, "enum");
            let mut values = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Json::String(s) => values.push(s.clone()),
                    other => problems.add(format!("{epath}[{i}]"), format!("must be a string, got {}", other.type_name())),
                }
            }
            if items.is_empty() {
                problems.add(epath, "must list at least one value");
            } else {
                col.enum_values = Some(values);
            }
        }
        Some(_) if kind != ColumnKind::Text => problems.add(join(&spath, "enum"), "is only supported on text columns"),
        Some(other) => problems.add(join(&spath, "enum"), format!("must be an array of strings, got {}", other.type_name())),
    }
    match schema.get("default") {
        None => {}
        // `null` only means something for json columns (the JSON value null).
        Some(Json::Null) if kind != ColumnKind::Json => {}
        Some(d) => col.default = parse_default(d, kind, &join(&spath, "default"), problems),
    }
    match schema.get("renamedFrom") {
        None | Some(Json::Null) => {}
        Some(Json::String(s)) if !s.is_empty() && s != name => col.renamed_from = Some(s.clone()),
        Some(Json::String(_)) => {}
        Some(other) => problems.add(join(&spath, "renamedFrom"), format!("must be the column's previous name, got {}", other.type_name())),
    }
    match schema.get("references") {
        None | Some(Json::Null) => {}
        Some(r) => {
            let rpath = join(&spath, "references");
            if kind.is_referenceable() {
                col.references = parse_ref(r, &rpath, problems);
            } else {
                problems.add(rpath, format!("is only supported on number and text columns, not {}", kind.name()));
            }
        }
    }
    Some(col)
}
