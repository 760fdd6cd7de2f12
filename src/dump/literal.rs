//! SQL literals that read back as exactly the value written: the dump's only encoding rule.

use std::io::{self, Write};

/// One value of a row, borrowed from wherever it was read (a SQLite column or a Hrana value).
pub use crate::sqlite::ColumnValue as Val;

/// A Hrana value as a row value, borrowed.
pub fn from_wire(v: &crate::hrana::Value) -> Val<'_> {
    use crate::hrana::Value;
    match v {
        Value::Null => Val::Null,
        Value::Integer(i) => Val::Integer(*i),
        Value::Float(f) => Val::Real(*f),
        Value::Text(t) => Val::Text(t.as_bytes()),
        Value::Blob(b) => Val::Blob(b),
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
        Val::Integer(i) => write!(out, "{i}"),
        // SQLite reads a literal beyond the double range as infinity (it never stores NaN).
        Val::Real(f) if f.is_infinite() => out.write_all(if f > 0.0 { b"1e999" } else { b"-1e999" }),
        Val::Real(f) => write_real(out, f),
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

/// A double as text SQLite reads back bit for bit. SQLite before 3.43 does not round every
/// decimal correctly (measured with Debian's 3.40: about 1 in 250 random doubles, even the
/// shortest round-trip text, comes back one bit off), but it is exact for integers and for
/// short decimals of moderate size. So: the shortest text when it has at most 15 significant
/// digits and a magnitude in [1e-22, 1e22) (0.1, 12.99, 1e-7); otherwise the exact
/// `mantissa × 2^exponent` as a product of integers (`(3602879701896397.0/36028797018963968.0)`),
/// every step of which is exact in floating point.
fn write_real(out: &mut impl Write, f: f64) -> io::Result<()> {
    let mut short = [0u8; 40];
    let mut cur = io::Cursor::new(&mut short[..]);
    // `{:?}` is the shortest text that parses back to the same double, and always has a `.`
    // or an exponent, so SQLite reads it as REAL, never as INTEGER.
    write!(cur, "{f:?}")?;
    let len = cur.position() as usize;
    let text = &short[..len];
    let mantissa = text.split(|&b| b == b'e').next().unwrap_or(text);
    let digits = mantissa.iter().skip_while(|&&b| !(b'1'..=b'9').contains(&b)).filter(|b| b.is_ascii_digit()).count();
    let a = f.abs();
    if a == 0.0 || ((1e-22..1e22).contains(&a) && digits <= 15) {
        return out.write_all(text);
    }
    let bits = f.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let mut m = bits & ((1u64 << 52) - 1);
    let mut e = if biased == 0 { 1 - 1075 } else { m |= 1 << 52; biased - 1075 };
    while m & 1 == 0 && e < 0 {
        m >>= 1;
        e += 1;
    }
    write!(out, "({}{m}.0", if f.is_sign_negative() { "-" } else { "" })?;
    let op = if e < 0 { '/' } else { '*' };
    let mut n = e.unsigned_abs();
    while n > 0 {
        let k = n.min(62);
        write!(out, "{op}{}.0", 1u64 << k)?;
        n -= k;
    }
    out.write_all(b")")
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
        assert_eq!(lit(Val::Integer(i64::MIN)), "-9223372036854775808");
        assert_eq!(lit(Val::Integer((1 << 53) + 1)), "9007199254740993");
        assert_eq!(lit(Val::Real(1.0)), "1.0");
        assert_eq!(lit(Val::Real(0.1)), "0.1");
        assert!(lit(Val::Real(1e300)).starts_with("(") && lit(Val::Real(1e300)).contains("*4611686018427387904.0"));
        assert_eq!(lit(Val::Real(12.99)), "12.99");
        assert_eq!(lit(Val::Real(1.0 / 3.0)), "(6004799503160661.0/18014398509481984.0)");
        assert_eq!(lit(Val::Real(f64::NEG_INFINITY)), "-1e999");
        assert_eq!(lit(Val::Text(b"it's\n\xc3\xa9")), "'it''s\n\u{e9}'");
        assert_eq!(lit(Val::Text(b"a\0b")), "CAST(X'610062' AS TEXT)");
        assert_eq!(lit(Val::Blob(&[0, 255, 16])), "X'00ff10'");
        assert_eq!(ident("we\"ird"), "\"we\"\"ird\"");
    }

    /// Evaluates our literal the way SQLite does: integers exactly, then exact products.
    fn eval(text: &str) -> f64 {
        let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) else { return text.parse().unwrap() };
        let mut parts = inner.split_inclusive(['*', '/']);
        let first = parts.next().unwrap();
        let mut op = first.chars().last().unwrap();
        let mut v: f64 = first.trim_end_matches(['*', '/']).parse().unwrap();
        for p in parts {
            let n: f64 = p.trim_end_matches(['*', '/']).parse().unwrap();
            v = if op == '*' { v * n } else { v / n };
            op = p.chars().last().unwrap();
        }
        v
    }

    #[test]
    fn reals_round_trip_through_their_text() {
        for f in [f64::MIN_POSITIVE, f64::MAX, -0.5, 1.0 / 3.0, 123456789.125, 5e-324, -2.5e-300, 2f64.powi(60), -0.0] {
            assert_eq!(eval(&lit(Val::Real(f))).to_bits(), f.to_bits(), "{f:e}");
        }
    }
}
