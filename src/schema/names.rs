//! Identifier rules. SQLite compares identifiers case-insensitively and reserves `sqlite_`;
//! table names also become JavaScript exports of `astro:db`, so they must be JS identifiers.

/// Words that cannot be the name of an `export const` in an ES module.
const JS_RESERVED: &[&str] = &[
    "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
    "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function",
    "if", "implements", "import", "in", "instanceof", "interface", "let", "new", "null",
    "package", "private", "protected", "public", "return", "static", "super", "switch", "this",
    "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "arguments", "eval",
];

/// Names `astro:db` already exports; a table with one of these names would shadow it.
const ASTRO_DB_EXPORTS: &[&str] = &[
    "db", "column", "defineTable", "defineDb", "sql", "NOW", "TRUE", "FALSE", "alias",
    "isDbError", "getDbError",
];

/// Why `name` cannot be a table name, if it cannot.
pub fn table_name_problem(name: &str) -> Option<String> {
    if let Some(p) = sql_name_problem(name) {
        return Some(p);
    }
    if name == "_astro_db_snapshot" {
        return Some("is reserved for the schema snapshot table; choose another name".into());
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$');
    if !first_ok || !chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$') {
        return Some("must be a valid JavaScript identifier (letters, digits, _ or $, not starting with a digit), because each table is exported from astro:db under its name".into());
    }
    if JS_RESERVED.contains(&name) {
        return Some(format!("\"{name}\" is a reserved word in JavaScript and cannot be exported from astro:db; rename the table"));
    }
    if ASTRO_DB_EXPORTS.contains(&name) {
        return Some(format!("\"{name}\" is already exported by astro:db; rename the table"));
    }
    None
}

/// Why `name` cannot be an SQL identifier (column or index), if it cannot.
pub fn sql_name_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("must not be empty".into());
    }
    if name.contains('\0') {
        return Some("must not contain the NUL character".into());
    }
    if name.to_ascii_lowercase().starts_with("sqlite_") {
        return Some("must not start with \"sqlite_\", which SQLite reserves for itself".into());
    }
    None
}

/// Why `sql` is not safe to place after `DEFAULT`, if it is not: it must be one expression,
/// with balanced quotes and parentheses, no statement separator and no comment.
pub fn sql_default_problem(sql: &str) -> Option<String> {
    if sql.trim().is_empty() {
        return Some("is an empty SQL expression".into());
    }
    let bytes: Vec<char> = sql.chars().collect();
    let mut depth: i64 = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                i += 1;
                loop {
                    if i >= bytes.len() {
                        return Some("has an unterminated quote".into());
                    }
                    if bytes[i] == close {
                        // A doubled quote is an escaped quote inside the literal.
                        if close != ']' && i + 1 < bytes.len() && bytes[i + 1] == close {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Some("has an unbalanced `)`".into());
                }
            }
            ';' => return Some("must be a single SQL expression without `;`".into()),
            '\0' => return Some("must not contain the NUL character".into()),
            '-' if bytes.get(i + 1) == Some(&'-') => return Some("must not contain SQL comments".into()),
            '/' if bytes.get(i + 1) == Some(&'*') => return Some("must not contain SQL comments".into()),
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return Some("has an unbalanced `(`".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_must_be_js_identifiers() {
        assert!(table_name_problem("Users").is_none());
        assert!(table_name_problem("Ünïcode_$1").is_none());
        assert!(table_name_problem("1abc").is_some());
        assert!(table_name_problem("my table").is_some());
        assert!(table_name_problem("class").is_some());
        assert!(table_name_problem("sqlite_x").is_some());
        assert!(table_name_problem("").is_some());
    }

    #[test]
    fn sql_defaults_are_single_expressions() {
        assert!(sql_default_problem("CURRENT_TIMESTAMP").is_none());
        assert!(sql_default_problem("(datetime('now', '+1 day'))").is_none());
        assert!(sql_default_problem("'it''s'").is_none());
        assert!(sql_default_problem("1); DROP TABLE x; --").is_some());
        assert!(sql_default_problem("'open").is_some());
        assert!(sql_default_problem("(1").is_some());
        assert!(sql_default_problem(" ").is_some());
    }
}
