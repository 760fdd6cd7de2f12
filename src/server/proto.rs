//! Hrana message types shared by HTTP and WebSocket, as JSON (serde).
//!
//! Shapes follow sqld's `libsql-hrana` crate, because the official clients decode them
//! strictly: integers travel as decimal strings, blobs as unpadded base64.

use serde::{Deserialize, Serialize, Serializer};

pub use crate::hrana::Value;


#[derive(Deserialize, Debug, Clone)]
pub struct NamedArg {
    pub name: String,
    pub value: Value,
}

/// A statement to run.
#[derive(Deserialize, Debug, Clone)]
pub struct Stmt {
    #[serde(default)]
    pub sql: Option<String>,
    #[serde(default)]
    pub sql_id: Option<i32>,
    #[serde(default)]
    pub args: Vec<Value>,
    #[serde(default)]
    pub named_args: Vec<NamedArg>,
    /// Accepted for compatibility; rows are always returned, as sqld does.
    #[serde(default)]
    #[allow(dead_code)]
    pub want_rows: Option<bool>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Batch {
    pub steps: Vec<BatchStep>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct BatchStep {
    #[serde(default)]
    pub condition: Option<BatchCond>,
    pub stmt: Stmt,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BatchCond {
    Ok { step: u32 },
    Error { step: u32 },
    Not { cond: Box<BatchCond> },
    And { conds: Vec<BatchCond> },
    Or { conds: Vec<BatchCond> },
    IsAutocommit {},
}

/// An error as clients see it: `code` drives `LibsqlError.code`.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Error {
    pub message: String,
    pub code: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct Col {
    pub name: Option<String>,
    pub decltype: Option<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct StmtResult {
    pub cols: Vec<Col>,
    pub rows: Vec<Vec<Value>>,
    pub affected_row_count: u64,
    #[serde(serialize_with = "opt_i64_as_str")]
    pub last_insert_rowid: Option<i64>,
    pub replication_index: Option<String>,
    pub rows_read: u64,
    pub rows_written: u64,
    pub query_duration_ms: f64,
}

pub fn opt_i64_as_str<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(i) => s.serialize_str(&i.to_string()),
        None => s.serialize_none(),
    }
}

#[derive(Serialize, Debug, Clone, Default)]
pub struct BatchResult {
    pub step_results: Vec<Option<StmtResult>>,
    pub step_errors: Vec<Option<Error>>,
    pub replication_index: Option<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct DescribeParam {
    pub name: Option<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct DescribeCol {
    pub name: String,
    pub decltype: Option<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct DescribeResult {
    pub params: Vec<DescribeParam>,
    pub cols: Vec<DescribeCol>,
    pub is_explain: bool,
    pub is_readonly: bool,
}

/// One row of a cursor's output (HTTP `/v3/cursor` lines, WebSocket `fetch_cursor` entries).
#[derive(Serialize, Debug, Clone)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CursorEntry {
    StepBegin { step: u32, cols: Vec<Col> },
    StepEnd { affected_row_count: u64, last_insert_rowid: RowidEnc },
    StepError { step: u32, error: Error },
    Row { row: Vec<Value> },
    Error { error: Error },
}

/// `step_end.last_insert_rowid` is a JSON number in sqld's HTTP cursor (what the Rust crate
/// decodes) but a string for `@libsql/client` over WebSocket: each transport gets what its client reads.
#[derive(Debug, Clone)]
pub enum RowidEnc {
    Number(Option<i64>),
    Str(Option<i64>),
}

impl Serialize for RowidEnc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RowidEnc::Number(Some(i)) => s.serialize_i64(*i),
            RowidEnc::Str(v) => opt_i64_as_str(v, s),
            RowidEnc::Number(None) => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_the_wire_format() {
        let v: Vec<Value> = serde_json::from_str(
            r#"[{"type":"null"},{"type":"integer","value":"9007199254740993"},{"type":"float","value":1.5},
               {"type":"text","value":"hé"},{"type":"blob","base64":"AP8="},{"type":"blob","base64":"AP8"}]"#,
        )
        .unwrap();
        assert_eq!(v[1], Value::Integer(9007199254740993));
        assert_eq!(v[4], Value::Blob(vec![0, 255]));
        assert_eq!(v[5], Value::Blob(vec![0, 255]));
        let out = serde_json::to_string(&v).unwrap();
        assert!(out.contains(r#"{"type":"integer","value":"9007199254740993"}"#));
        assert!(out.contains(r#"{"type":"blob","base64":"AP8"}"#));
    }

    #[test]
    fn rejects_malformed_values() {
        assert!(serde_json::from_str::<Value>(r#"{"type":"integer","value":"1.5"}"#).is_err());
        assert!(serde_json::from_str::<Value>(r#"{"type":"weird"}"#).is_err());
        assert!(serde_json::from_str::<Value>(r#"{}"#).is_err());
        assert!(serde_json::from_str::<Value>(r#"{"type":"blob","base64":"!!"}"#).is_err());
    }
}
