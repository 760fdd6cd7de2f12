//! The schema the database really holds (`pragma_table_info`, `pragma_index_list`,
//! `pragma_foreign_key_list`, triggers in `sqlite_master`), read in the same round trip as the
//! stored snapshot, and what it has that the snapshot does not know (drift). A rebuild copies
//! only what the snapshot knows, so drift in a table the plan rebuilds or re-creates blocks it.

use super::executor::Rows;
use crate::schema::{Schema, Table, HIDDEN_ID};

const NOT_INTERNAL: &str = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

/// The read-only queries whose rows [`LiveSchema::from_rows`] takes, in order.
pub fn queries() -> Vec<String> {
    vec![
        format!("SELECT m.name, p.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p WHERE {NOT_INTERNAL} ORDER BY m.name, p.cid"),
        format!("SELECT m.name, i.name, i.origin FROM sqlite_master AS m JOIN pragma_index_list(m.name) AS i WHERE {NOT_INTERNAL}"),
        format!("SELECT m.name, f.\"from\", f.\"table\" FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f WHERE {NOT_INTERNAL}"),
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'".to_string(),
    ]
}

/// One live table.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LiveTable {
    pub name: String,
    pub columns: Vec<String>,
    /// Indexes created with `CREATE INDEX` (not those of UNIQUE / PRIMARY KEY constraints).
    pub indexes: Vec<String>,
    /// (column, referenced table) of each foreign key.
    pub foreign_keys: Vec<(String, String)>,
    pub triggers: Vec<String>,
}

/// Every live table.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LiveSchema {
    pub tables: Vec<LiveTable>,
}

fn text(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

impl LiveSchema {
    /// Builds the live schema from the rows of [`queries`].
    pub fn from_rows(columns: &Rows, indexes: &Rows, foreign_keys: &Rows, triggers: &Rows) -> LiveSchema {
        let mut live = LiveSchema::default();
        for r in columns {
            live.entry(&text(r, 0)).columns.push(text(r, 1));
        }
        for r in indexes.iter().filter(|r| text(r, 2) == "c") {
            live.entry(&text(r, 0)).indexes.push(text(r, 1));
        }
        for r in foreign_keys {
            live.entry(&text(r, 0)).foreign_keys.push((text(r, 1), text(r, 2)));
        }
        for r in triggers {
            live.entry(&text(r, 0)).triggers.push(text(r, 1));
        }
        live
    }

    fn entry(&mut self, name: &str) -> &mut LiveTable {
        let at = match self.tables.iter().position(|t| t.name == name) {
            Some(i) => i,
            None => {
                self.tables.push(LiveTable { name: name.to_string(), ..LiveTable::default() });
                self.tables.len() - 1
            }
        };
        &mut self.tables[at]
    }

    pub fn table(&self, name: &str) -> Option<&LiveTable> {
        self.tables.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// What the live tables hold that `known` (the stored snapshot) does not describe, and
    /// what it describes that is missing, one entry per item.
    pub fn drift(&self, known: &Schema) -> Vec<Drift> {
        let mut out = Vec::new();
        for t in &known.tables {
            let Some(live) = self.table(&t.name) else {
                out.push(Drift { table: t.name.clone(), what: "missingTable", name: t.name.clone() });
                continue;
            };
            drift_of_table(t, live, &mut out);
        }
        out
    }
}

fn drift_of_table(t: &Table, live: &LiveTable, out: &mut Vec<Drift>) {
    let mut push = |what: &'static str, name: &str| out.push(Drift { table: t.name.clone(), what, name: name.to_string() });
    for c in &live.columns {
        let hidden = c == HIDDEN_ID && t.has_hidden_id();
        if !hidden && t.column(c).is_none() {
            push("extraColumn", c);
        }
    }
    for c in &t.columns {
        if !live.columns.iter().any(|l| l.eq_ignore_ascii_case(&c.name)) {
            push("missingColumn", &c.name);
        }
    }
    for i in &live.indexes {
        if !t.indexes.iter().any(|k| k.name.eq_ignore_ascii_case(i)) {
            push("extraIndex", i);
        }
    }
    for (col, to) in &live.foreign_keys {
        let known = t.column(col).is_some_and(|c| c.references.as_ref().is_some_and(|r| r.table.eq_ignore_ascii_case(to)))
            || t.foreign_keys.iter().any(|f| f.columns.contains(col) && f.ref_table.eq_ignore_ascii_case(to));
        if !known {
            push("extraForeignKey", &format!("{col} -> {to}"));
        }
    }
    for tr in &live.triggers {
        push("extraTrigger", tr);
    }
}

/// One difference between the live schema and the stored snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    pub table: String,
    /// `extraColumn`, `extraIndex`, `extraForeignKey`, `extraTrigger`, `missingColumn`, `missingTable`.
    pub what: &'static str,
    pub name: String,
}

impl Drift {
    /// Whether a rebuild of the table would silently lose it.
    pub fn lost_by_rebuild(&self) -> bool {
        self.what.starts_with("extra")
    }

    pub fn describe(&self) -> String {
        let (kind, state) = match self.what {
            "extraColumn" => ("column", "exists in the database but not in the stored schema snapshot"),
            "extraIndex" => ("index", "exists in the database but not in the stored schema snapshot"),
            "extraForeignKey" => ("foreign key", "exists in the database but not in the stored schema snapshot"),
            "extraTrigger" => ("trigger", "exists in the database (snapshots never hold triggers)"),
            "missingColumn" => ("column", "is in the stored schema snapshot but missing from the database"),
            _ => ("table", "is in the stored schema snapshot but missing from the database"),
        };
        if self.what == "missingTable" {
            return format!("Table {} {state}.", self.table);
        }
        format!("The {kind} {} of table {} {state}.", self.name, self.table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn hand_made_columns_indexes_and_triggers_are_drift() {
        let known = crate::schema::load_config(r#"{"tables":{"T":{"columns":{"a":{"type":"text"}}}}}"#).map(|l| l.schema).unwrap_or_default();
        let live = LiveSchema::from_rows(
            &vec![row(&["T", "_id"]), row(&["T", "a"]), row(&["T", "extra"])],
            &vec![row(&["T", "by_hand", "c"]), row(&["T", "sqlite_autoindex_T_1", "u"])],
            &vec![],
            &vec![row(&["T", "audit"])],
        );
        let d: Vec<_> = live.drift(&known).into_iter().map(|d| (d.what, d.name)).collect();
        assert_eq!(d, vec![("extraColumn", "extra".to_string()), ("extraIndex", "by_hand".to_string()), ("extraTrigger", "audit".to_string())]);
        assert!(live.drift(&Schema::default()).is_empty());
    }
}
