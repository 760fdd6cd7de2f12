//! The canonical schema: what a validated `db/config.ts` means, independent of how it was
//! written (index array or legacy record, references as `{table, column}` or as upstream's
//! embedded column objects).

use super::json::Json;

/// The snapshot format version upstream writes into `_astro_db_snapshot`.
pub const SNAPSHOT_VERSION: &str = "2024-03-12";

/// Name of the implicit primary key added to tables without one.
pub const HIDDEN_ID: &str = "_id";

/// The five column kinds of `astro:db`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Boolean,
    Number,
    Text,
    Date,
    Json,
}

impl ColumnKind {
    /// Parses the `type` field of a column.
    pub fn from_name(name: &str) -> Option<ColumnKind> {
        Some(match name {
            "boolean" => ColumnKind::Boolean,
            "number" => ColumnKind::Number,
            "text" => ColumnKind::Text,
            "date" => ColumnKind::Date,
            "json" => ColumnKind::Json,
            _ => return None,
        })
    }

    /// The `type` field as written in config and snapshots.
    pub fn name(self) -> &'static str {
        match self {
            ColumnKind::Boolean => "boolean",
            ColumnKind::Number => "number",
            ColumnKind::Text => "text",
            ColumnKind::Date => "date",
            ColumnKind::Json => "json",
        }
    }

    /// Whether the kind may be a primary key or carry `references`.
    pub fn is_referenceable(self) -> bool {
        matches!(self, ColumnKind::Number | ColumnKind::Text)
    }
}

/// A column default.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// A raw SQL expression (`NOW` → `CURRENT_TIMESTAMP`).
    Sql(String),
    Bool(bool),
    Number(f64),
    /// Text or an ISO-8601 date string.
    Text(String),
    /// Any JSON value of a `json` column.
    Json(Json),
}

/// A resolved pointer at another table's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    pub table: String,
    pub column: String,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    pub label: Option<String>,
    pub optional: bool,
    pub unique: bool,
    pub deprecated: bool,
    pub primary_key: bool,
    pub default: Option<DefaultValue>,
    pub references: Option<ColumnRef>,
    pub multiline: Option<bool>,
    pub enum_values: Option<Vec<String>>,
    /// `renamedFrom`: the column's previous name; a push renames it (keeping its values).
    pub renamed_from: Option<String>,
}

impl Column {
    /// A required column of the given kind with no options set.
    pub fn new(name: &str, kind: ColumnKind) -> Column {
        Column {
            name: name.to_string(),
            kind,
            label: None,
            optional: false,
            unique: false,
            deprecated: false,
            primary_key: false,
            default: None,
            references: None,
            multiline: None,
            enum_values: None,
            renamed_from: None,
        }
    }

    /// Whether inserts may omit the column (a default, or an integer primary key's rowid).
    pub fn has_default(&self) -> bool {
        self.default.is_some() || (self.primary_key && self.kind == ColumnKind::Number)
    }

    /// A default evaluated by SQLite at insert time (`sql` defaults).
    pub fn has_sql_default(&self) -> bool {
        matches!(self.default, Some(DefaultValue::Sql(_)))
    }
}

/// An index, keyed by its resolved name.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub name: String,
    pub on: Vec<String>,
    /// `unique` as written; `None` when absent (kept for the snapshot's exact shape).
    pub unique: Option<bool>,
    /// `on` was a single string rather than an array (kept for the snapshot's exact shape).
    pub on_is_string: bool,
}

impl Index {
    /// Whether the index is `UNIQUE`.
    pub fn is_unique(&self) -> bool {
        self.unique == Some(true)
    }
}

/// A table-level (possibly composite) foreign key.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    /// `columns` / `references` were single values rather than arrays (snapshot shape).
    pub columns_is_string: bool,
    pub references_is_single: bool,
}

/// One table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub deprecated: bool,
    /// `None` for the user's own config, else the integration that added the table.
    pub owner: Option<String>,
    /// Whether `indexes` was given; upstream places the key differently when it was not.
    pub indexes_given: bool,
    /// `renamedFrom`: the table's previous name; a push renames it (keeping its rows).
    pub renamed_from: Option<String>,
}

impl Table {
    /// An empty table with the given name.
    pub fn new(name: &str) -> Table {
        Table {
            name: name.to_string(),
            columns: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            deprecated: false,
            owner: None,
            indexes_given: false,
            renamed_from: None,
        }
    }

    /// Looks up a column by exact name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The user-declared primary key column, if any.
    pub fn primary_key(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.primary_key)
    }

    /// Whether SQL gets the implicit `_id INTEGER PRIMARY KEY`.
    pub fn has_hidden_id(&self) -> bool {
        self.primary_key().is_none()
    }
}

/// A whole validated schema: tables in config order (user tables first, then integrations).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub tables: Vec<Table>,
}

impl Schema {
    /// Looks up a table by exact name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Looks up a column by table and column name.
    pub fn column(&self, r: &ColumnRef) -> Option<&Column> {
        self.table(&r.table).and_then(|t| t.column(&r.column))
    }
}
