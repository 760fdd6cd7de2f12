//! What the Hrana protocol's server (`server`) and client (`client::remote`) share: the
//! wire form of SQL values.
//!
//! Integers travel as decimal strings, blobs as base64: sent unpadded (as sqld and the Rust
//! crate send them), read with or without padding (`@libsql/client` pads).

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Peers differ on padding: accept both.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A SQL value on the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Float(f64),
    Text(String),
    Blob(Vec<u8>),
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireValue {
    Null,
    Integer { value: IntStr },
    Float { value: f64 },
    Text { value: String },
    Blob { base64: String },
}

/// An `i64` sent as a decimal string (numbers are tolerated: JSON numbers lose nothing below 2^53).
pub struct IntStr(pub i64);

impl<'de> Deserialize<'de> for IntStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw<'a> {
            Str(&'a str),
            Owned(String),
            Int(i64),
        }
        match Raw::deserialize(d)? {
            Raw::Str(s) => s.parse().map(IntStr).map_err(|_| de::Error::custom("integer value is not a decimal i64")),
            Raw::Owned(s) => s.parse().map(IntStr).map_err(|_| de::Error::custom("integer value is not a decimal i64")),
            Raw::Int(i) => Ok(IntStr(i)),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match WireValue::deserialize(d)? {
            WireValue::Null => Value::Null,
            WireValue::Integer { value } => Value::Integer(value.0),
            WireValue::Float { value } => Value::Float(value),
            WireValue::Text { value } => Value::Text(value),
            WireValue::Blob { base64 } => {
                Value::Blob(LENIENT_B64.decode(base64.as_bytes()).map_err(|_| de::Error::custom("blob is not valid base64"))?)
            }
        })
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        match self {
            Value::Null => m.serialize_entry("type", "null")?,
            Value::Integer(i) => {
                m.serialize_entry("type", "integer")?;
                m.serialize_entry("value", &i.to_string())?;
            }
            // JSON has no NaN/Infinity; SQLite never stores NaN, and ±Inf are serialized as null
            // by serde_json, which clients reject, so send them as the nearest finite value.
            Value::Float(f) => {
                m.serialize_entry("type", "float")?;
                let f = if f.is_finite() { *f } else if *f > 0.0 { f64::MAX } else { f64::MIN };
                m.serialize_entry("value", &f)?;
            }
            Value::Text(t) => {
                m.serialize_entry("type", "text")?;
                m.serialize_entry("value", t)?;
            }
            Value::Blob(b) => {
                m.serialize_entry("type", "blob")?;
                m.serialize_entry("base64", &STANDARD_NO_PAD.encode(b))?;
            }
        }
        m.end()
    }
}
