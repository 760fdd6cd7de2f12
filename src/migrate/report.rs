//! The plan and its report: ordered queries plus one step per decision, each saying how safe
//! it is, what it would lose, and (when that depends on the data) the query that tells.

/// How safe a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// No data is touched (`CREATE`, `ADD COLUMN`, index changes).
    Safe,
    /// The table is rebuilt through a temporary table; every row and value is copied.
    Lossless,
    /// Data named by `loses` is lost (when `check` is present: only if it returns a row).
    Lossy,
    /// The change cannot apply to the current data (when `check` returns a row); the
    /// transaction would fail and roll back. Fix the data first.
    Conflict,
}

impl Safety {
    /// The JS-facing name.
    pub fn as_str(self) -> &'static str {
        match self {
            Safety::Safe => "safe",
            Safety::Lossless => "lossless",
            Safety::Lossy => "lossy",
            Safety::Conflict => "conflict",
        }
    }
}

/// What a lossy step loses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    Nothing,
    /// The values of `column`.
    Column,
    /// Every row of `table`.
    Table,
}

impl Loss {
    /// The JS-facing name.
    pub fn as_str(self) -> &'static str {
        match self {
            Loss::Nothing => "nothing",
            Loss::Column => "column",
            Loss::Table => "table",
        }
    }
}

/// One decision of the planner.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What happens: `createTable`, `dropTable`, `addColumn`, `dropColumn`, `addIndex`,
    /// `dropIndex`, `rebuildTable`, `recreateTable`, `addRequiredColumn`, `changeType`,
    /// `makeRequired`, `addUnique`, `changePrimaryKey`, `addReference`, `resetTable`.
    pub kind: &'static str,
    pub table: String,
    pub column: Option<String>,
    pub safety: Safety,
    pub loses: Loss,
    /// A read-only query to run before applying: the step is lossy/conflicting only if it
    /// returns a row. `None` means the outcome does not depend on the data.
    pub check: Option<String>,
    /// The user already agreed (the dropped item was `deprecated`, or this is a reset).
    pub consented: bool,
    pub message: String,
    pub suggestion: Option<String>,
}

impl Step {
    /// A step that touches no data.
    pub fn safe(kind: &'static str, table: &str, column: Option<&str>, message: String) -> Step {
        Step {
            kind,
            table: table.to_string(),
            column: column.map(str::to_string),
            safety: Safety::Safe,
            loses: Loss::Nothing,
            check: None,
            consented: false,
            message,
            suggestion: None,
        }
    }
}

/// Something the user should know that is not a step (suspected renames, hidden ids reset).
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// `suspectedRename` or `hiddenIdReset`.
    pub kind: &'static str,
    pub table: String,
    pub message: String,
    /// For a suspected rename: the `--rename` value that declares it (`Comment.body=text`,
    /// `Post=Article`), so a caller can ask "Did you rename …?" and pass it on.
    pub rename: Option<String>,
}

/// A migration plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// Statements to run in order inside one transaction.
    pub queries: Vec<String>,
    /// Run `PRAGMA foreign_keys = OFF` before `BEGIN` and restore it after `COMMIT`
    /// (SQLite ignores the pragma inside a transaction). Needed whenever a table is dropped or
    /// rebuilt, so rows of other tables that reference it do not fail the statement.
    pub foreign_keys_off: bool,
    /// Tables to verify with `PRAGMA foreign_key_check("T")` before `COMMIT`; any row returned
    /// means the new constraints do not hold: roll back.
    pub foreign_key_checks: Vec<String>,
    pub steps: Vec<Step>,
    pub notes: Vec<Note>,
    /// How many of the first `queries` are renames. Checks are written against the names after
    /// them, so a caller asking the data first runs these (in a transaction it rolls back).
    pub renames: usize,
}

impl Plan {
    /// Whether applying the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }
}
