//! Reading a statement's columns into Hrana values, and what they weigh in a response.

use crate::sqlite::{ColumnValue, Statement};

use super::proto::{Col, Value};

/// About the bytes a value takes in a JSON response (`{"type":"text","value":"…"}`), the
/// measure of the response size limits.
pub fn encoded_size(v: &Value) -> u64 {
    const ENVELOPE: u64 = 30;
    ENVELOPE
        + match v {
            Value::Null => 0,
            Value::Integer(_) | Value::Float(_) => 24,
            Value::Text(t) => t.len() as u64,
            Value::Blob(b) => (b.len() as u64).div_ceil(3) * 4,
        }
}

pub fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

pub fn col(s: &Statement, i: usize) -> Col {
    Col { name: Some(s.column_name(i).to_owned()), decltype: non_empty(s.column_decltype(i)) }
}

pub fn value(s: &Statement, i: usize) -> Value {
    match s.column(i) {
        ColumnValue::Null => Value::Null,
        ColumnValue::Integer(v) => Value::Integer(v),
        ColumnValue::Real(v) => Value::Float(v),
        ColumnValue::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ColumnValue::Blob(b) => Value::Blob(b.to_vec()),
    }
}
