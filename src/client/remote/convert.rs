//! JS values to Hrana values (`@libsql/client`'s rules over HTTP), and Hrana results to the
//! `[columns, columnTypes, rows, rowsAffected, lastInsertRowid]` tuples the JS layer wraps.

use napi::sys::{napi_value, ValueType};

use super::proto::{NamedArg, Stmt, StmtResult, Value};
use crate::client::args::IntMode;
use crate::client::error::Failure;
use crate::client::raw::Js;
use crate::client::rows::RowShape;

const MAX_SAFE: i64 = 9_007_199_254_740_991;

/// Reads a statement: a SQL string, `[sql, args?]` or `{ sql, args? }`.
pub fn read_stmt(js: Js, v: napi_value) -> Result<Stmt, Failure> {
    let mut buf = Vec::new();
    let (sql_v, args_v) = match js.type_of(v)? {
        ValueType::napi_string => (v, None),
        ValueType::napi_object if js.is_array(v)? => {
            let sql = js.get_element(v, 0)?;
            let args = if js.array_len(v)? > 1 { Some(js.get_element(v, 1)?) } else { None };
            (sql, args)
        }
        ValueType::napi_object => (js.get_named(v, c"sql")?, Some(js.get_named(v, c"args")?)),
        _ => return Err(Failure::Js(js.throw_type_error("A statement must be a SQL string, [sql, args] or { sql, args }"))),
    };
    if js.type_of(sql_v)? != ValueType::napi_string {
        return Err(Failure::Js(js.throw_type_error("SQL must be a string")));
    }
    js.get_string_into(sql_v, &mut buf)?;
    let sql = String::from_utf8(buf).map_err(|_| Failure::Js(js.throw_type_error("SQL is not valid UTF-8")))?;
    let mut stmt = Stmt::plain(sql);
    if let Some(args) = args_v {
        read_args(js, args, &mut stmt)?;
    }
    Ok(stmt)
}

/// Reads arguments: an array (positional), an object (named) or undefined/null (none).
pub fn read_args(js: Js, args: napi_value, stmt: &mut Stmt) -> Result<(), Failure> {
    match js.type_of(args)? {
        ValueType::napi_undefined | ValueType::napi_null => Ok(()),
        ValueType::napi_object if js.is_array(args)? => {
            for i in 0..js.array_len(args)? {
                stmt.args.push(read_value(js, js.get_element(args, i)?)?);
            }
            Ok(())
        }
        ValueType::napi_object => {
            let keys = js.keys(args)?;
            let mut name = Vec::new();
            for i in 0..js.array_len(keys)? {
                let key = js.get_element(keys, i)?;
                js.get_string_into(key, &mut name)?;
                let value = read_value(js, js.get_property(args, key)?)?;
                stmt.named_args.push(NamedArg { name: String::from_utf8_lossy(&name).into_owned(), value });
            }
            Ok(())
        }
        _ => Err(Failure::Js(js.throw_type_error("Statement arguments must be an array or an object"))),
    }
}

/// One argument, as `@libsql/client` sends it over HTTP: numbers as floats, booleans as
/// integers, Dates as epoch milliseconds, other objects as their string form.
fn read_value(js: Js, v: napi_value) -> Result<Value, Failure> {
    Ok(match js.type_of(v)? {
        ValueType::napi_null => Value::Null,
        ValueType::napi_string => {
            let mut buf = Vec::new();
            js.get_string_into(v, &mut buf)?;
            Value::Text(String::from_utf8_lossy(&buf).into_owned())
        }
        ValueType::napi_number => {
            let f = js.get_double(v)?;
            if !f.is_finite() {
                return Err(Failure::Js(js.throw_range_error("Only finite numbers (not Infinity or NaN) can be passed as arguments")));
            }
            Value::Float(f)
        }
        ValueType::napi_bigint => {
            let (i, lossless) = js.get_bigint(v)?;
            if !lossless {
                return Err(Failure::Js(js.throw_range_error(
                    "This bigint value is too large to be represented as a 64-bit integer and passed as argument",
                )));
            }
            Value::Integer(i)
        }
        ValueType::napi_boolean => Value::Integer(js.get_bool(v)? as i64),
        ValueType::napi_object => {
            if let Some(ms) = js.date_value(v)? {
                Value::Float(ms)
            } else if let Some(bytes) = js.bytes(v)? {
                Value::Blob(bytes.to_vec())
            } else {
                let mut buf = Vec::new();
                js.get_string_into(js.coerce_to_string(v)?, &mut buf)?;
                Value::Text(String::from_utf8_lossy(&buf).into_owned())
            }
        }
        _ => return Err(Failure::Js(js.throw_type_error("Unsupported type of value"))),
    })
}

/// Why a result could not be built: napi failed, or the value holds the error to reject
/// with (an integer that `intMode: "number"` cannot hold gives a `RangeError`).
pub enum Bad {
    Napi(napi::Error),
    Reject(napi_value),
}

impl From<napi::Error> for Bad {
    fn from(e: napi::Error) -> Self {
        Bad::Napi(e)
    }
}

/// Builds the result tuple of one statement.
pub fn result_to_js(js: Js, r: &StmtResult, mode: IntMode) -> Result<napi_value, Bad> {
    let n = r.cols.len();
    let mut shape = RowShape::new(js, r.cols.iter().map(|c| (c.name.as_deref(), c.decltype.as_deref().unwrap_or(""))))?;
    let rows = js.array(r.rows.len())?;
    let mut values = Vec::with_capacity(n);
    for (ri, row) in r.rows.iter().enumerate() {
        values.clear();
        for v in row.iter().take(n) {
            values.push(value_to_js(js, v, mode)?);
        }
        while values.len() < n {
            values.push(js.null()?);
        }
        js.set_element(rows, ri as u32, shape.row(js, &values)?)?;
    }
    let (columns, column_types) = (shape.columns, shape.column_types);
    let out = js.array(5)?;
    js.set_element(out, 0, columns)?;
    js.set_element(out, 1, column_types)?;
    js.set_element(out, 2, rows)?;
    js.set_element(out, 3, js.double(r.affected_row_count as f64)?)?;
    let rowid = match r.last_insert_rowid {
        Some(i) => js.bigint(i.0)?,
        None => js.undefined()?,
    };
    js.set_element(out, 4, rowid)?;
    Ok(out)
}

fn value_to_js(js: Js, v: &Value, mode: IntMode) -> Result<napi_value, Bad> {
    Ok(match v {
        Value::Null => js.null()?,
        Value::Integer(i) => match mode {
            IntMode::Number if (-MAX_SAFE..=MAX_SAFE).contains(i) => js.double(*i as f64)?,
            IntMode::Number => {
                return Err(Bad::Reject(
                    js.range_error("Received integer which is too large to be safely represented as a JavaScript number")?,
                ))
            }
            IntMode::BigInt => js.bigint(*i)?,
            IntMode::String => js.string(i.to_string().as_bytes())?,
        },
        Value::Float(f) => js.double(*f)?,
        Value::Text(t) => js.string(t.as_bytes())?,
        Value::Blob(b) => js.array_buffer(b)?,
    })
}

