//! Putting a database's rows back to a reference copy: what `@astrojs/db/testing` runs to
//! fill a test database from the seeded template and to reset it between tests.

use super::quote::ident;
use crate::schema::Schema;

/// Statements for one transaction that empty every table of `schema` in the main database
/// and, when `from` names an attached database with the same tables, copy its rows in.
/// Foreign keys are checked at commit, so table order does not matter.
pub fn refill_tables(schema: &Schema, from: Option<&str>) -> Vec<String> {
    let mut out = vec!["PRAGMA defer_foreign_keys = ON".to_string()];
    out.extend(schema.tables.iter().map(|t| format!("DELETE FROM main.{}", ident(&t.name))));
    if let Some(source) = from {
        out.extend(schema.tables.iter().map(|t| format!("INSERT INTO main.{0} SELECT * FROM {1}.{0}", ident(&t.name), ident(source))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::load_config;

    #[test]
    fn empties_then_copies_every_table() {
        let schema = load_config(r#"{"tables":{"A":{"columns":{"x":{"type":"text","schema":{}}}},"B":{"columns":{"y":{"type":"text","schema":{}}}}}}"#).unwrap().schema;
        let sql = refill_tables(&schema, Some("template"));
        assert_eq!(sql[0], "PRAGMA defer_foreign_keys = ON");
        assert_eq!(sql[1], "DELETE FROM main.\"A\"");
        assert_eq!(sql[3], "INSERT INTO main.\"A\" SELECT * FROM \"template\".\"A\"");
        assert_eq!(refill_tables(&schema, None).len(), 3);
    }
}
