//! An order-preserving JSON value.
//!
//! Upstream stores snapshots written by `JSON.stringify`, whose key order follows object
//! insertion order. `serde_json::Map` sorts keys unless its `preserve_order` feature (and the
//! `indexmap` crate) is enabled, so this tiny value type keeps keys in document order and prints
//! exactly like `JSON.stringify` (number and string formatting included).

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value whose objects keep their keys in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses JSON text; on a duplicate key the last value wins, at the first key's place
    /// (what `JSON.parse` does).
    pub fn parse(text: &str) -> Result<Json, String> {
        // serde_json's recursion limit (128) guards against stack exhaustion on deep input.
        serde_json::from_str::<Json>(text).map_err(|e| e.to_string())
    }

    /// Looks up a key of an object; `None` for other values.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The name of the value's JS type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// Serialises like `JSON.stringify(value)` (no whitespace).
    pub fn stringify(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }

    /// Appends the `JSON.stringify` text of this value to `out`.
    pub fn write_to(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(&js_number(*n)),
            Json::String(s) => write_js_string(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_to(out);
                }
                out.push(']');
            }
            Json::Object(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_js_string(k, out);
                    out.push(':');
                    v.write_to(out);
                }
                out.push('}');
            }
        }
    }
}

/// Writes a string literal the way `JSON.stringify` does (serde_json escapes the same set:
/// `"`, `\`, and control characters with lowercase `\u00xx`).
pub fn write_js_string(s: &str, out: &mut String) {
    match serde_json::to_string(s) {
        Ok(text) => out.push_str(&text),
        // Serialising a &str cannot fail; keep a safe fallback anyway.
        Err(_) => out.push_str("\"\""),
    }
}

/// Formats a number like JavaScript's `Number.prototype.toString` for finite values.
pub fn js_number(n: f64) -> String {
    if !n.is_finite() {
        // JSON.stringify turns NaN/Infinity into null.
        return "null".to_string();
    }
    if n == 0.0 {
        return "0".to_string();
    }
    let abs = n.abs();
    if n.fract() == 0.0 && abs < 1e21 {
        return format!("{n:.0}");
    }
    if (1e-6..1e21).contains(&abs) {
        // Shortest round-trip decimal, never exponent form in this range.
        let s = format!("{n}");
        return s;
    }
    // Exponent form: Rust prints `1e21` / `1.5e-7`; JS adds a `+` to positive exponents.
    let s = format!("{n:e}");
    match s.split_once('e') {
        Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
        _ => s,
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Json>()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries: Vec<(String, Json)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => entries.push((key, value)),
            }
        }
        Ok(Json::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_formats_like_js() {
        let v = Json::parse(r#"{"b":1,"a":[true,null,1.5,"x\"\n"],"b":2}"#).unwrap();
        assert_eq!(v.stringify(), r#"{"b":2,"a":[true,null,1.5,"x\"\n"]}"#);
    }

    #[test]
    fn numbers_match_javascript() {
        assert_eq!(js_number(1.0), "1");
        assert_eq!(js_number(-0.0), "0");
        assert_eq!(js_number(0.1), "0.1");
        assert_eq!(js_number(1e21), "1e+21");
        assert_eq!(js_number(1.5e-7), "1.5e-7");
        assert_eq!(js_number(123456789012.0), "123456789012");
        assert_eq!(js_number(-2.5), "-2.5");
    }

    #[test]
    fn control_characters_are_escaped_in_lowercase() {
        assert_eq!(Json::String("\u{1f}".into()).stringify(), "\"\\u001f\"");
    }
}
