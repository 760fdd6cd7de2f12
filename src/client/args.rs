//! Binding JS arguments to a statement, with `@libsql/client`'s rules:
//! numbers bind as REAL, booleans follow `intMode`, Dates bind as epoch
//! milliseconds, missing parameters stay NULL and extra ones are ignored.

use std::ffi::CString;

use napi::sys::{napi_value, ValueType};

use super::error::Failure;
use super::raw::Js;
use crate::sqlite::Statement;

/// How integers travel between SQLite and JS (`intMode` of `createClient`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IntMode {
    Number,
    BigInt,
    String,
}

/// Flag bit of `execute`: the connection must be inside a transaction.
pub const REQUIRE_TRANSACTION: u32 = 4;
/// Flag bits of `execute` saying what the JS layer already knows `args` to be,
/// which spares two crossings into the engine per call.
pub const ARGS_ARRAY: u32 = 8;
pub const ARGS_OBJECT: u32 = 16;
/// Flag bit of `execute`: return only the rows, each a plain array of its values (what
/// Drizzle maps when it knows the selected fields), instead of the whole result with rows
/// shaped like `@libsql/client`'s. An array costs a fraction of a row object to build and
/// to read back; see `js/runtime/fast-rows.ts`.
pub const ROWS_AS_ARRAYS: u32 = 32;

impl IntMode {
    /// The int mode held in the low two bits of a call's flags.
    pub fn from_code(code: u32) -> Self {
        match code & 3 {
            1 => IntMode::BigInt,
            2 => IntMode::String,
            _ => IntMode::Number,
        }
    }
}

/// One argument after conversion; `Text` refers to the caller's buffer.
enum Arg<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text,
    Blob(&'a [u8]),
}

/// Binds `args` (an array, an object of named values, or undefined/null). `flags` may
/// carry [`ARGS_ARRAY`] or [`ARGS_OBJECT`] when the caller has checked which it is.
pub fn bind_args(js: Js, stmt: &mut Statement, args: napi_value, flags: u32, buf: &mut Vec<u8>) -> Result<(), Failure> {
    let mode = IntMode::from_code(flags);
    if flags & ARGS_ARRAY != 0 {
        return bind_positional(js, stmt, args, mode, buf);
    }
    if flags & ARGS_OBJECT != 0 {
        return bind_named(js, stmt, args, mode, buf);
    }
    match js.type_of(args)? {
        ValueType::napi_undefined | ValueType::napi_null => Ok(()),
        ValueType::napi_object if js.is_array(args)? => bind_positional(js, stmt, args, mode, buf),
        ValueType::napi_object => bind_named(js, stmt, args, mode, buf),
        _ => Err(Failure::Js(js.throw_type_error("Statement arguments must be an array or an object"))),
    }
}

fn bind_positional(js: Js, stmt: &mut Statement, args: napi_value, mode: IntMode, buf: &mut Vec<u8>) -> Result<(), Failure> {
    let len = js.array_len(args)?;
    let count = stmt.parameter_count();
    for i in 0..len {
        let value = js.get_element(args, i)?;
        let arg = convert(js, value, mode, buf)?;
        let idx = i as usize + 1;
        // Extra arguments are validated but not bound, as @libsql/client does.
        if idx <= count {
            bind_one(stmt, idx, arg, buf)?;
        }
    }
    Ok(())
}

/// Binds `width` values of `values` starting at `start` to parameters 1..=width: one row of
/// a bulk insert read straight from a flat JS array.
pub fn bind_row(
    js: Js,
    stmt: &mut Statement,
    values: napi_value,
    start: u32,
    width: u32,
    mode: IntMode,
    buf: &mut Vec<u8>,
) -> Result<(), Failure> {
    for i in 0..width {
        let value = js.get_element(values, start + i)?;
        let arg = convert(js, value, mode, buf)?;
        bind_one(stmt, i as usize + 1, arg, buf)?;
    }
    Ok(())
}

fn bind_named(js: Js, stmt: &mut Statement, args: napi_value, mode: IntMode, buf: &mut Vec<u8>) -> Result<(), Failure> {
    let keys = js.keys(args)?;
    let len = js.array_len(keys)?;
    let mut name = Vec::new();
    for i in 0..len {
        let key = js.get_element(keys, i)?;
        js.get_string_into(key, &mut name)?;
        let value = js.get_property(args, key)?;
        let arg = convert(js, value, mode, buf)?;
        let bare = match name.first() {
            Some(b':' | b'@' | b'$') => &name[1..],
            _ => &name[..],
        };
        if let Some(idx) = find_parameter(stmt, bare) {
            bind_one(stmt, idx, arg, buf)?;
        }
    }
    Ok(())
}

/// SQLite keeps a parameter's prefix in its name; a JS key matches any prefix.
fn find_parameter(stmt: &Statement, bare: &[u8]) -> Option<usize> {
    let mut full = Vec::with_capacity(bare.len() + 2);
    for prefix in [b':', b'@', b'$'] {
        full.clear();
        full.push(prefix);
        full.extend_from_slice(bare);
        let Ok(c) = CString::new(full.clone()) else { return None };
        let idx = stmt.parameter_index(&c);
        if idx > 0 {
            return Some(idx);
        }
    }
    None
}

fn convert<'a>(js: Js, v: napi_value, mode: IntMode, buf: &mut Vec<u8>) -> Result<Arg<'a>, Failure> {
    let arg = match js.type_of(v)? {
        ValueType::napi_number => {
            let f = js.get_double(v)?;
            if !f.is_finite() {
                return Err(Failure::Js(
                    js.throw_range_error("Only finite numbers (not Infinity or NaN) can be passed as arguments"),
                ));
            }
            Arg::Real(f)
        }
        ValueType::napi_bigint => {
            let (i, lossless) = js.get_bigint(v)?;
            if !lossless {
                return Err(Failure::Js(js.throw_range_error(
                    "bigint is too large to be represented as a 64-bit integer and passed as argument",
                )));
            }
            Arg::Int(i)
        }
        ValueType::napi_boolean => {
            let b = js.get_bool(v)?;
            match mode {
                IntMode::Number => Arg::Real(if b { 1.0 } else { 0.0 }),
                IntMode::BigInt => Arg::Int(b as i64),
                IntMode::String => {
                    buf.clear();
                    buf.push(if b { b'1' } else { b'0' });
                    Arg::Text
                }
            }
        }
        ValueType::napi_string => {
            js.get_string_into(v, buf)?;
            Arg::Text
        }
        ValueType::napi_null => Arg::Null,
        ValueType::napi_undefined => {
            return Err(Failure::Js(js.throw_type_error("undefined cannot be passed as argument to the database")))
        }
        ValueType::napi_object => {
            if let Some(ms) = js.date_value(v)? {
                Arg::Real(ms)
            } else if let Some(bytes) = js.bytes(v)? {
                Arg::Blob(bytes)
            } else {
                return Err(unsupported(js));
            }
        }
        _ => return Err(unsupported(js)),
    };
    Ok(arg)
}

fn unsupported(js: Js) -> Failure {
    Failure::Js(js.throw_type_error("SQLite3 can only bind numbers, strings, bigints, buffers, and null"))
}

fn bind_one(stmt: &mut Statement, idx: usize, arg: Arg<'_>, buf: &[u8]) -> Result<(), Failure> {
    match arg {
        Arg::Null => stmt.bind_null(idx)?,
        Arg::Int(i) => stmt.bind_int(idx, i)?,
        Arg::Real(f) => stmt.bind_real(idx, f)?,
        Arg::Text => stmt.bind_text(idx, buf)?,
        Arg::Blob(b) => stmt.bind_blob(idx, b)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::IntMode;

    #[test]
    fn int_mode_codes_match_the_js_layer() {
        assert_eq!(IntMode::from_code(0), IntMode::Number);
        assert_eq!(IntMode::from_code(1), IntMode::BigInt);
        assert_eq!(IntMode::from_code(2), IntMode::String);
        assert_eq!(IntMode::from_code(3), IntMode::Number);
        assert_eq!(IntMode::from_code(1 | super::REQUIRE_TRANSACTION), IntMode::BigInt);
    }
}
