//! The client side of Hrana over HTTP (JSON): pipeline requests and their responses.
//!
//! Shapes follow the Hrana 2/3 specification as sqld serves it: integers travel as
//! decimal strings, blobs as base64, errors as `{ message, code }`.

use serde::{Deserialize, Deserializer, Serialize};

use crate::hrana::IntStr;
pub use crate::hrana::Value;

/// A named argument; `name` is sent as the caller wrote it (`a`, `:a`, `@a`, `$a`).
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct NamedArg {
    pub name: String,
    pub value: Value,
}

/// One statement with its arguments.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Stmt {
    pub sql: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub named_args: Vec<NamedArg>,
    pub want_rows: bool,
}

impl Stmt {
    /// A statement without arguments.
    pub fn plain(sql: impl Into<String>) -> Self {
        Stmt { sql: sql.into(), args: Vec::new(), named_args: Vec::new(), want_rows: true }
    }
}

/// A condition on a batch step, referring to earlier steps by index.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Cond {
    Ok { step: u32 },
    Not { cond: Box<Cond> },
    And { conds: Vec<Cond> },
    IsAutocommit {},
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Step {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Cond>,
    pub stmt: Stmt,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Batch {
    pub steps: Vec<Step>,
}

/// One request of a pipeline.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    Execute { stmt: Stmt },
    Batch { batch: Batch },
    Sequence { sql: String },
    Close {},
}

/// The body of `POST /v3/pipeline`.
#[derive(Serialize, Debug)]
pub struct PipelineRequest<'a> {
    pub baton: Option<&'a str>,
    pub requests: &'a [Request],
}

/// An error the server reports for one request or step.
#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct Error {
    pub message: String,
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct Col {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub decltype: Option<String>,
}

/// The outcome of one statement.
#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct StmtResult {
    pub cols: Vec<Col>,
    pub rows: Vec<Vec<Value>>,
    pub affected_row_count: u64,
    #[serde(default)]
    pub last_insert_rowid: Option<IntOpt>,
}

/// `last_insert_rowid`: a decimal string (or a number) when present.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntOpt(pub i64);

impl<'de> Deserialize<'de> for IntOpt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IntStr::deserialize(d).map(|i| IntOpt(i.0))
    }
}

#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct BatchResult {
    pub step_results: Vec<Option<StmtResult>>,
    pub step_errors: Vec<Option<Error>>,
}

#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    Execute { result: StmtResult },
    Batch { result: BatchResult },
    Sequence {},
    Close {},
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamResult {
    Ok { response: Response },
    Error { error: Error },
    None,
}

/// The body the server answers a pipeline with.
#[derive(Deserialize, Debug)]
pub struct PipelineResponse {
    #[serde(default)]
    pub baton: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    pub results: Vec<StreamResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_serialize_like_hrana() {
        let mut stmt = Stmt::plain("select ?");
        stmt.args.push(Value::Integer(9_007_199_254_740_993));
        stmt.named_args.push(NamedArg { name: ":b".into(), value: Value::Blob(vec![0, 255]) });
        let reqs = [Request::Execute { stmt }, Request::Close {}];
        let body = serde_json::to_string(&PipelineRequest { baton: None, requests: &reqs }).unwrap();
        assert_eq!(
            body,
            r#"{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"select ?","args":[{"type":"integer","value":"9007199254740993"}],"named_args":[{"name":":b","value":{"type":"blob","base64":"AP8"}}],"want_rows":true}},{"type":"close"}]}"#
        );
        let cond = Cond::And { conds: vec![Cond::Ok { step: 0 }, Cond::Not { cond: Box::new(Cond::IsAutocommit {}) }] };
        assert_eq!(
            serde_json::to_string(&cond).unwrap(),
            r#"{"type":"and","conds":[{"type":"ok","step":0},{"type":"not","cond":{"type":"is_autocommit"}}]}"#
        );
    }

    #[test]
    fn responses_decode() {
        let body = r#"{"baton":"b1","base_url":null,"results":[
            {"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"a","decltype":null}],
              "rows":[[{"type":"integer","value":"7"},{"type":"float","value":1.5},{"type":"text","value":"x"},
              {"type":"blob","base64":"AP8"},{"type":"null"}]],"affected_row_count":0,"last_insert_rowid":null,
              "replication_index":null,"rows_read":1}}},
            {"type":"error","error":{"message":"boom","code":"SQLITE_ERROR"}},
            {"type":"ok","response":{"type":"close"}}]}"#;
        let r: PipelineResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.baton.as_deref(), Some("b1"));
        let StreamResult::Ok { response: Response::Execute { result } } = &r.results[0] else { panic!() };
        assert_eq!(result.rows[0][0], Value::Integer(7));
        assert_eq!(result.rows[0][3], Value::Blob(vec![0, 255]));
        assert_eq!(result.last_insert_rowid, None);
        assert!(matches!(&r.results[1], StreamResult::Error { error } if error.code.as_deref() == Some("SQLITE_ERROR")));
    }

    #[test]
    fn malformed_values_are_rejected() {
        assert!(serde_json::from_str::<Value>(r#"{"type":"integer","value":"1.5"}"#).is_err());
        assert!(serde_json::from_str::<Value>(r#"{"type":"weird"}"#).is_err());
    }
}
