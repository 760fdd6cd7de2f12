//! Validation problems: every issue found in one pass, each with the path a user can follow
//! (`tables.Comment.columns.authorId.references`) and a sentence saying what to change.

use std::fmt;

/// Stable error code for invalid schema input, surfaced to JS as `error.code`.
pub const INVALID_CONFIG_CODE: &str = "ASTRO_DB_INVALID_CONFIG";

/// One problem at one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// All problems of an input; never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Problems {
    pub list: Vec<Problem>,
}

impl Problems {
    /// Records a problem at `path`.
    pub fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.list.push(Problem { path: path.into(), message: message.into() });
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// `Err(self)` when problems were recorded, else `Ok(value)`.
    pub fn into_result<T>(self, value: T) -> Result<T, Problems> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.list.len();
        write!(f, "Invalid database schema ({n} problem{}):", if n == 1 { "" } else { "s" })?;
        for p in &self.list {
            if p.path.is_empty() {
                write!(f, "\n  - {}", p.message)?;
            } else {
                write!(f, "\n  - {}: {}", p.path, p.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Joins path segments; segments that are not plain identifiers are quoted JSON-style so the
/// path stays unambiguous (`tables["my table"].columns.id`).
pub fn join(base: &str, segment: &str) -> String {
    let plain = !segment.is_empty()
        && segment.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    let seg = if plain {
        format!(".{segment}")
    } else {
        let mut quoted = String::new();
        super::json::write_js_string(segment, &mut quoted);
        format!("[{quoted}]")
    };
    if base.is_empty() {
        seg.trim_start_matches('.').to_string()
    } else {
        format!("{base}{seg}")
    }
}

/// Appends an array position to a path (`indexes[2]`).
pub fn at(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_unusual_segments() {
        assert_eq!(join("", "tables"), "tables");
        assert_eq!(join("tables", "my table"), "tables[\"my table\"]");
        assert_eq!(at(&join("tables.A", "indexes"), 1), "tables.A.indexes[1]");
    }

    #[test]
    fn display_lists_every_problem() {
        let mut p = Problems::default();
        p.add("tables.A", "first");
        p.add("tables.B", "second");
        let text = p.to_string();
        assert!(text.contains("tables.A: first") && text.contains("tables.B: second"));
    }
}
