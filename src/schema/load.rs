//! Entry points: the evaluated config handed over by the JS layer, and stored snapshots.
//!
//! Config input (plain JSON, produced by `JSON.stringify` of the evaluated configs):
//! ```json
//! { "tables": { "User": { "columns": { "id": { "type": "number", "schema": { "primaryKey": true } } } } },
//!   "integrations": [ { "name": "my-integration", "tables": { … } } ] }
//! ```
//! Column `references` and foreign key `references` are `{ "table", "column" }` (or upstream's
//! embedded column objects); SQL defaults are `{ "__serializedSQL": true, "sql": "…" }` or
//! `{ "sql": "…" }`; dates are ISO strings.

use super::json::Json;
use super::model::{Schema, Table, SNAPSHOT_VERSION};
use super::parse_table::parse_table;
use super::problems::{at, join, Problems};
use super::snapshot::{snapshot_hash, to_snapshot_json};
use super::validate::validate;

/// A validated config: the canonical schema, its snapshot text and hash, and warnings.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub schema: Schema,
    pub snapshot_json: String,
    pub hash: String,
    pub warnings: Vec<String>,
}

fn parse_json(text: &str, problems: &mut Problems) -> Option<Json> {
    match Json::parse(text) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.add("", format!("the input is not valid JSON ({e})"));
            None
        }
    }
}

fn read_tables(value: &Json, path: &str, owner: Option<&str>, out: &mut Vec<(Table, String)>, problems: &mut Problems, warnings: &mut Vec<String>) {
    match value {
        Json::Null => {}
        Json::Object(entries) => {
            for (name, def) in entries {
                let tpath = join(path, name);
                if let Some(mut t) = parse_table(name, def, &tpath, problems, warnings) {
                    t.owner = owner.map(str::to_string);
                    out.push((t, tpath));
                }
            }
        }
        other => problems.add(path, format!("must be an object of tables, got {}", other.type_name())),
    }
}

fn owner_label(owner: &Option<String>) -> String {
    match owner {
        None => "your db config".to_string(),
        Some(name) => format!("integration \"{name}\""),
    }
}

/// Validates and normalises the evaluated config; every problem is reported at once.
pub fn load_config(text: &str) -> Result<Loaded, Problems> {
    let mut problems = Problems::default();
    let mut warnings = Vec::new();
    let Some(root) = parse_json(text, &mut problems) else { return Err(problems) };
    if !matches!(root, Json::Object(_)) {
        problems.add("", format!("the config must be an object with `tables`, got {}", root.type_name()));
        return Err(problems);
    }
    let mut tables: Vec<(Table, String)> = Vec::new();
    if let Some(v) = root.get("tables") {
        read_tables(v, "tables", None, &mut tables, &mut problems, &mut warnings);
    }
    match root.get("integrations") {
        None | Some(Json::Null) => {}
        Some(Json::Array(list)) => {
            for (i, item) in list.iter().enumerate() {
                let ipath = at("integrations", i);
                let name = match item.get("name") {
                    Some(Json::String(n)) => n.clone(),
                    _ => {
                        problems.add(join(&ipath, "name"), "must be the integration's name");
                        format!("#{i}")
                    }
                };
                if let Some(v) = item.get("tables") {
                    let mut mine = Vec::new();
                    read_tables(v, &join(&ipath, "tables"), Some(&name), &mut mine, &mut problems, &mut warnings);
                    for (t, path) in mine {
                        // Upstream lets the first owner keep the name; say who both owners are.
                        if let Some((other, _)) = tables.iter().find(|(o, _)| o.name == t.name) {
                            problems.add(path, format!("integration \"{name}\" adds a table named {}, but {} already defines it; rename one of them", t.name, owner_label(&other.owner)));
                            continue;
                        }
                        tables.push((t, path));
                    }
                }
            }
        }
        Some(other) => problems.add("integrations", format!("must be an array, got {}", other.type_name())),
    }
    let paths: Vec<String> = tables.iter().map(|(_, p)| p.clone()).collect();
    let schema = Schema { tables: tables.into_iter().map(|(t, _)| t).collect() };
    validate(&schema, &paths, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    let snapshot_json = to_snapshot_json(&schema);
    let hash = snapshot_hash(&snapshot_json);
    Ok(Loaded { schema, snapshot_json, hash, warnings })
}

/// Reads a stored snapshot (`{"version":"2024-03-12","schema":{…}}`). `strict` applies every
/// config rule; stored snapshots written by upstream are read leniently (structure and
/// references only) because upstream accepted names we now reject.
pub fn load_snapshot(text: &str, strict: bool) -> Result<Schema, Problems> {
    let mut problems = Problems::default();
    let mut warnings = Vec::new();
    let Some(root) = parse_json(text, &mut problems) else { return Err(problems) };
    match root.get("version") {
        Some(Json::String(v)) if v == SNAPSHOT_VERSION => {}
        Some(Json::String(v)) => problems.add("version", format!("snapshot version \"{v}\" is not supported; expected \"{SNAPSHOT_VERSION}\"")),
        _ => problems.add("version", "is missing; this is not an Astro DB snapshot"),
    }
    let mut tables = Vec::new();
    match root.get("schema") {
        Some(v) => read_tables(v, "schema", None, &mut tables, &mut problems, &mut warnings),
        None => problems.add("schema", "is missing; this is not an Astro DB snapshot"),
    }
    let paths: Vec<String> = tables.iter().map(|(_, p)| p.clone()).collect();
    let schema = Schema { tables: tables.into_iter().map(|(t, _)| t).collect() };
    if strict {
        validate(&schema, &paths, &mut problems);
    } else {
        // References must still resolve, or the planner could not render them.
        let mut all = Problems::default();
        validate(&schema, &paths, &mut all);
        for p in all.list {
            if p.message.contains("unknown") || p.message.contains("cycle") || p.message.contains("cannot reference") {
                problems.list.push(p);
            }
        }
    }
    problems.into_result(schema)
}
