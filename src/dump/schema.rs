//! The objects a dump recreates, read from `sqlite_schema`, with tables in an order where
//! every table comes after the tables it references (cycles keep their stored order).

use super::source::Source;
use super::error::DumpError;

pub struct Table {
    pub name: String,
    pub sql: String,
    pub has_rowid: bool,
}

/// Indexes, views and triggers: created after the data (indexes build faster once).
pub struct Other {
    pub table: String,
    pub sql: String,
}

pub struct Objects {
    pub tables: Vec<Table>,
    pub others: Vec<Other>,
    /// Virtual tables (and their shadow tables) are not dumped: their module may be missing.
    pub skipped: Vec<String>,
    /// `sqlite_sequence` exists (AUTOINCREMENT counters are dumped with the data).
    pub has_sequence: bool,
}

const SCHEMA_SQL: &str = "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid";
// One round trip for every table's references and columns (table-valued pragmas in a join).
const REFS_SQL: &str = "SELECT m.name, f.\"table\" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'";
const ROWID_COLS_SQL: &str = "SELECT m.name FROM sqlite_schema m, pragma_table_info(m.name) c WHERE m.type = 'table' AND lower(c.name) = '_rowid_'";

fn without_rowid(sql: &str) -> bool {
    let tail = sql.rsplit(')').next().unwrap_or("").to_ascii_uppercase();
    tail.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().windows(2).any(|w| w == ["WITHOUT", "ROWID"])
}

pub async fn read(src: &mut impl Source) -> Result<Objects, DumpError> {
    let rows = src.rows(SCHEMA_SQL).await?;
    let refs = src.rows(REFS_SQL).await?;
    let rowid_cols = src.rows(ROWID_COLS_SQL).await?;
    let mut tables = Vec::new();
    let mut others = Vec::new();
    let mut skipped = Vec::new();
    let mut has_sequence = false;
    let mut virtuals: Vec<String> = Vec::new();
    for r in rows {
        let [Some(kind), Some(name), Some(tbl), Some(sql)] = <[Option<String>; 4]>::try_from(r).unwrap_or_default() else { continue };
        if kind == "table" {
            if name == "sqlite_sequence" {
                has_sequence = true;
            } else if name.starts_with("sqlite_") {
                // sqlite_stat1 and friends: the database makes its own.
            } else if sql.trim_start().to_ascii_uppercase().starts_with("CREATE VIRTUAL") {
                virtuals.push(name.clone());
                skipped.push(name);
            } else if virtuals.iter().any(|v| name.starts_with(&format!("{v}_"))) {
                skipped.push(name);
            } else {
                let has_rowid = !without_rowid(&sql) && !rowid_cols.iter().any(|c| c.first().and_then(|n| n.as_deref()) == Some(name.as_str()));
                tables.push(Table { name, sql, has_rowid });
            }
        } else if !skipped.contains(&tbl) {
            others.push(Other { table: tbl, sql });
        }
    }
    let deps: Vec<(String, String)> = refs.into_iter().filter_map(|r| Some((r.first()?.clone()?, r.get(1)?.clone()?))).collect();
    Ok(Objects { tables: order(tables, &deps), others, skipped, has_sequence })
}

/// Parents before children; a table in a cycle waits only for tables outside it.
fn order(mut tables: Vec<Table>, deps: &[(String, String)]) -> Vec<Table> {
    let mut out: Vec<Table> = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let ready = |t: &Table| {
            deps.iter().all(|(child, parent)| {
                !child.eq_ignore_ascii_case(&t.name)
                    || parent.eq_ignore_ascii_case(&t.name)
                    || out.iter().any(|o| o.name.eq_ignore_ascii_case(parent))
                    || !tables.iter().any(|o| o.name.eq_ignore_ascii_case(parent))
            })
        };
        // A cycle: take the first remaining table as it stands.
        let i = tables.iter().position(ready).unwrap_or(0);
        out.push(tables.remove(i));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> Table {
        Table { name: name.into(), sql: String::new(), has_rowid: true }
    }

    #[test]
    fn parents_come_first_and_cycles_do_not_hang() {
        let deps = vec![("A".into(), "B".into()), ("B".into(), "C".into()), ("X".into(), "Y".into()), ("Y".into(), "X".into())];
        let names: Vec<String> = order(vec![t("A"), t("B"), t("C"), t("X"), t("Y")], &deps).into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["C", "B", "A", "X", "Y"]);
    }

    #[test]
    fn without_rowid_is_found_after_the_columns() {
        assert!(without_rowid("CREATE TABLE t (a PRIMARY KEY) WITHOUT ROWID"));
        assert!(without_rowid("CREATE TABLE t (a PRIMARY KEY) without rowid, STRICT"));
        assert!(!without_rowid("CREATE TABLE t (\"without rowid\" TEXT)"));
    }
}
