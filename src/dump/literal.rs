//! SQL literals that read back as exactly the value written: the dump's only encoding rule.

use std::io::{self, Write};

/// One value of a row, borrowed from wherever it was read (a SQLite column or a Hrana value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

impl<'a> From<&'a crate::hrana::Value> for Val<'a> {
    fn from(v: &'a crate::hrana::Value) -> Self {
        use crate::hrana::Value;
        match v {
            Value::Null => Val::Null,
            Value::Integer(i) => Val::Int(*i),
            Value::Float(f) => Val::Real(*f),
            Value::Text(t) => Val::Text(t.as_bytes()),
            Value::Blob(b) => Val::Blob(b),
        }
    }
}

impl<'a> From<crate::sqlite::ColumnValue<'a>> for Val<'a> {
    fn from(v: crate::sqlite::ColumnValue<'a>) -> Self {
        use crate::sqlite::ColumnValue as C;
        match v {
            C::Null => Val::Null,
            C::Integer(i) => Val::Int(i),
            C::Real(f) => Val::Real(f),
            C::Text(t) => Val::Text(t),
            C::Blob(b) => Val::Blob(b),
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    let mut buf = [0u8; 512];
    for chunk in bytes.chunks(256) {
        for (i, b) in chunk.iter().enumerate() {
            buf[2 * i] = HEX[(b >> 4) as usize];
            buf[2 * i + 1] = HEX[(b & 15) as usize];
        }
        out.write_all(&buf[..chunk.len() * 2])?;
    }
    Ok(())
}

/// Writes `v` as a SQL literal.
pub fn write_value(out: &mut impl Write, v: Val) -> io::Result<()> {
    match v {
        Val::Null => out.write_all(b"NULL"),
        Val::Int(i) => write!(out, "{i}"),
        // SQLite reads a literal beyond the double range as infinity (it never stores NaN).
        Val::Real(f) if f.is_infinite() => out.write_all(if f > 0.0 { b"1e999" } else { b"-1e999" }),
        // `{:?}` is the shortest text that parses back to the same double, and always has a
        // `.` or an exponent, so SQLite reads it as REAL, never as INTEGER.
        Val::Real(f) => write!(out, "{f:?}"),
        // Text with a NUL byte, or bytes that are not UTF-8, cannot be a string literal as is.
        Val::Text(t) if t.contains(&0) || std::str::from_utf8(t).is_err() => {
            out.write_all(b"CAST(X'")?;
            hex(out, t)?;
            out.write_all(b"' AS TEXT)")
        }
        Val::Text(t) => {
            out.write_all(b"'")?;
            let mut rest = t;
            while let Some(q) = rest.iter().position(|&b| b == b'\'') {
                out.write_all(&rest[..=q])?;
                out.write_all(b"'")?;
                rest = &rest[q + 1..];
            }
            out.write_all(rest)?;
            out.write_all(b"'")
        }
        Val::Blob(b) => {
            out.write_all(b"X'")?;
            hex(out, b)?;
            out.write_all(b"'")
        }
    }
}

/// `name` as a quoted identifier (`"a""b"`), whatever it holds.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(v: Val) -> String {
        let mut out = Vec::new();
        write_value(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn values_are_exact_literals() {
        assert_eq!(lit(Val::Null), "NULL");
        assert_eq!(lit(Val::Int(i64::MIN)), "-9223372036854775808");
        assert_eq!(lit(Val::Int((1 << 53) + 1)), "9007199254740993");
        assert_eq!(lit(Val::Real(1.0)), "1.0");
        assert_eq!(lit(Val::Real(0.1)), "0.1");
        assert_eq!(lit(Val::Real(1e300)), "1e300");
        assert_eq!(lit(Val::Real(f64::NEG_INFINITY)), "-1e999");
        assert_eq!(lit(Val::Text(b"it's\n\xc3\xa9")), "'it''s\n\u{e9}'");
        assert_eq!(lit(Val::Text(b"a\0b")), "CAST(X'610062' AS TEXT)");
        assert_eq!(lit(Val::Blob(&[0, 255, 16])), "X'00ff10'");
        assert_eq!(ident("we\"ird"), "\"we\"\"ird\"");
    }

    #[test]
    fn reals_round_trip_through_their_text() {
        for f in [f64::MIN_POSITIVE, f64::MAX, -0.5, 1.0 / 3.0, 123456789.125, 5e-324, 2f64.powi(60)] {
            assert_eq!(lit(Val::Real(f)).parse::<f64>().unwrap(), f);
        }
    }
}
