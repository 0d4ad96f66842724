//! [`Value`]: the IDL's `any`, a dynamic value — and the XML-RPC codec's value model. One type
//! serves both, so an `any` field carries exactly what the XML-RPC wire said.
//!
//! # On the other protocols
//!
//! - **JSON** (REST, Kafka `json`), by serde: nil is `null`, booleans, numbers and strings are
//!   themselves (an integer reads as [`Value::Int`] when it fits 32 bits, else [`Value::I8`]; a
//!   number with a fraction or exponent reads as [`Value::Double`], and so does an integer
//!   beyond `i64`), arrays and structs are arrays and objects (members in order). JSON has no
//!   bytes and no date-time, so those two are tagged objects with one member:
//!   `{"$base64": "AAEC"}` (standard base64) and `{"$datetime": "2024-01-02T03:04:05Z"}`
//!   (RFC 3339). Reading is the inverse; an object whose only member is `$base64` or
//!   `$datetime` with a string that does not parse as such stays a struct.
//! - **protobuf** (gRPC, Kafka `protobuf`): the synthesized `RosettaValue` message, a `oneof`
//!   with one case per variant here, so nothing is lost (see ARCHITECTURE.md).

use std::collections::BTreeMap;
use std::fmt;

use crate::Timestamp;

/// One dynamic value: any XML-RPC value, the IDL's `any`.
///
/// The model keeps what the wire said: `<int>`/`<i4>` become [`Value::Int`] and `<i8>` becomes
/// [`Value::I8`], so a caller can tell them apart, while [`Value::as_i64`] accepts both. Struct
/// members keep their wire order (and duplicates, if a peer sent any; [`Value::get`] returns the
/// last one, as Python's `dict` would).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `<int>` or `<i4>` (also `<i1>`/`<i2>`); an `<int>` too large for 32 bits decodes as
    /// [`Value::I8`].
    Int(i32),
    /// `<i8>`, a 64-bit integer (an extension Python and Apache XML-RPC read). The encoder
    /// writes it as `<int>` when it fits 32 bits, so every client can read it.
    I8(i64),
    /// `<boolean>` (`0` or `1` on the wire).
    Bool(bool),
    /// `<double>`.
    Double(f64),
    /// `<string>`, or an untyped `<value>text</value>`. Whitespace is kept exactly.
    String(String),
    /// `<dateTime.iso8601>`, in UTC.
    DateTime(Timestamp),
    /// `<base64>`.
    Base64(Vec<u8>),
    /// `<struct>`: members in wire order.
    Struct(Vec<(String, Value)>),
    /// `<array>`.
    Array(Vec<Value>),
    /// `<nil/>` (Python's `None` with `allow_none=True`).
    #[default]
    Nil,
}

impl Value {
    /// The XML-RPC type name of this value, as used in error messages (`int`, `i8`, `struct`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::I8(_) => "i8",
            Value::Bool(_) => "boolean",
            Value::Double(_) => "double",
            Value::String(_) => "string",
            Value::DateTime(_) => "dateTime.iso8601",
            Value::Base64(_) => "base64",
            Value::Struct(_) => "struct",
            Value::Array(_) => "array",
            Value::Nil => "nil",
        }
    }

    /// A struct value from `(name, value)` pairs, in the given order.
    pub fn structure<K: Into<String>>(members: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Struct(members.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// An integer from `<int>`, `<i4>` or `<i8>`.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i64::from(i)),
            Value::I8(i) => Some(i),
            _ => None,
        }
    }

    /// An integer from `<int>`, `<i4>` or `<i8>` that fits 32 bits.
    pub fn as_i32(&self) -> Option<i32> {
        self.as_i64().and_then(|i| i32::try_from(i).ok())
    }

    /// The value of a `<boolean>`.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The value of a `<double>`.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Double(d) => Some(d),
            _ => None,
        }
    }

    /// The text of a `<string>` (or untyped value).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of a `<base64>`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Base64(b) => Some(b),
            _ => None,
        }
    }

    /// The instant of a `<dateTime.iso8601>`.
    pub fn as_datetime(&self) -> Option<Timestamp> {
        match *self {
            Value::DateTime(t) => Some(t),
            _ => None,
        }
    }

    /// The items of an `<array>`.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The members of a `<struct>`, in wire order.
    pub fn as_struct(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Struct(members) => Some(members),
            _ => None,
        }
    }

    /// The struct member called `name` (the last one if the peer repeated it); `None` if this is
    /// not a struct or has no such member.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.as_struct()
            .and_then(|members| members.iter().rev().find(|(k, _)| k == name))
            .map(|(_, v)| v)
    }

    /// Whether this is `<nil/>`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The array item at `index`; `None` if this is not an array or it is too short.
    pub fn get_index(&self, index: usize) -> Option<&Value> {
        self.as_array().and_then(|items| items.get(index))
    }

    /// The members of a struct as a map (a repeated name keeps its last value).
    pub fn to_map(&self) -> Option<BTreeMap<String, Value>> {
        self.as_struct()
            .map(|members| members.iter().cloned().collect())
    }
}

/// The nil every missing index returns, so `v["a"]["b"]` never panics.
static NIL: Value = Value::Nil;

impl std::ops::Index<&str> for Value {
    type Output = Value;

    /// The struct member `name`, or nil when this is not a struct or has no such member (as
    /// `serde_json::Value` does), so lookups chain.
    fn index(&self, name: &str) -> &Value {
        self.get(name).unwrap_or(&NIL)
    }
}

impl std::ops::Index<usize> for Value {
    type Output = Value;

    /// The array item `index`, or nil when this is not an array or it is too short.
    fn index(&self, index: usize) -> &Value {
        self.get_index(index).unwrap_or(&NIL)
    }
}

impl fmt::Display for Value {
    /// A compact, readable form: `nil`, `true`, `42`, `1.5`, `"text"` (escaped as Rust debug
    /// strings are), RFC 3339 for date-times, `base64"AAEC"`, `[1, 2]`, `{"a": 1}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::I8(i) => write!(f, "{i}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Double(d) => write!(f, "{d:?}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::DateTime(t) => write!(f, "{t}"),
            Value::Base64(b) => write!(f, "base64\"{}\"", encode_base64(b)),
            Value::Struct(members) => {
                f.write_str("{")?;
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k:?}: {v}")?;
                }
                f.write_str("}")
            }
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Nil => f.write_str("nil"),
        }
    }
}

/// A [`Value`] that is not of the type asked for (from the `TryFrom` conversions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongType {
    /// What was asked for (`i32`, `string`, ...).
    pub expected: &'static str,
    /// The XML-RPC type name of what was there ([`Value::type_name`]).
    pub found: &'static str,
}

impl fmt::Display for WrongType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, found {}", self.expected, self.found)
    }
}

impl std::error::Error for WrongType {}

macro_rules! try_from_value {
    ($($t:ty => $what:literal, $get:expr;)*) => {$(
        impl TryFrom<Value> for $t {
            type Error = WrongType;

            fn try_from(v: Value) -> Result<Self, WrongType> {
                let get: fn(Value) -> Result<$t, Value> = $get;
                get(v).map_err(|v| WrongType { expected: $what, found: v.type_name() })
            }
        }

        impl TryFrom<&Value> for $t {
            type Error = WrongType;

            fn try_from(v: &Value) -> Result<Self, WrongType> {
                <$t>::try_from(v.clone())
            }
        }
    )*};
}

try_from_value! {
    i32 => "i32", |v| v.as_i32().ok_or(v);
    i64 => "i64", |v| v.as_i64().ok_or(v);
    bool => "boolean", |v| v.as_bool().ok_or(v);
    f64 => "double", |v| v.as_f64().ok_or(v);
    Timestamp => "dateTime.iso8601", |v| v.as_datetime().ok_or(v);
    String => "string", |v| match v { Value::String(s) => Ok(s), v => Err(v) };
    Vec<u8> => "base64", |v| match v { Value::Base64(b) => Ok(b), v => Err(v) };
    Vec<Value> => "array", |v| match v { Value::Array(a) => Ok(a), v => Err(v) };
    BTreeMap<String, Value> => "struct", |v| match v {
        Value::Struct(m) => Ok(m.into_iter().collect()),
        v => Err(v),
    };
}

impl crate::Validate for Value {
    /// `any` has no constraints.
    fn validate_at(&self, _: &crate::validate::Path<'_>, _: &mut Vec<crate::Violation>) {}
}

// ---- serde: the JSON mapping in the module docs ----

const BASE64_TAG: &str = "$base64";

fn encode_base64(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn decode_base64(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    STANDARD.decode(s).or_else(|_| STANDARD_NO_PAD.decode(s))
}
const DATETIME_TAG: &str = "$datetime";

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Int(i) => s.serialize_i32(*i),
            Value::I8(i) => s.serialize_i64(*i),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Double(d) => s.serialize_f64(*d),
            Value::String(t) => s.serialize_str(t),
            Value::DateTime(t) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(DATETIME_TAG, &t.to_rfc3339())?;
                m.end()
            }
            Value::Base64(b) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(BASE64_TAG, &encode_base64(b))?;
                m.end()
            }
            Value::Struct(members) => {
                let mut m = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Value::Array(items) => {
                let mut q = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    q.serialize_element(v)?;
                }
                q.end()
            }
            Value::Nil => s.serialize_unit(),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::from(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        // Beyond i64 there is no XML-RPC integer; a double is what JSON's own readers make of it.
        Ok(i64::try_from(u).map_or(Value::Double(u as f64), Value::from))
    }

    fn visit_f64<E>(self, d: f64) -> Result<Value, E> {
        Ok(Value::Double(d))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_bytes<E>(self, b: &[u8]) -> Result<Value, E> {
        Ok(Value::Base64(b.to_vec()))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some((k, v)) = map.next_entry()? {
            members.push((k, v));
        }
        if let [(k, Value::String(text))] = members.as_slice() {
            if k == BASE64_TAG
                && let Ok(b) = decode_base64(text)
            {
                return Ok(Value::Base64(b));
            }
            if k == DATETIME_TAG
                && let Ok(t) = Timestamp::parse(text)
            {
                return Ok(Value::DateTime(t));
            }
        }
        Ok(Value::Struct(members))
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i)
    }
}

impl From<i64> for Value {
    /// [`Value::Int`] when the number fits 32 bits, else [`Value::I8`].
    fn from(i: i64) -> Self {
        match i32::try_from(i) {
            Ok(small) => Value::Int(small),
            Err(_) => Value::I8(i),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(d: f64) -> Self {
        Value::Double(d)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<Timestamp> for Value {
    fn from(t: Timestamp) -> Self {
        Value::DateTime(t)
    }
}

impl From<Vec<u8>> for Value {
    /// Bytes become `<base64>`.
    fn from(b: Vec<u8>) -> Self {
        Value::Base64(b)
    }
}

impl From<u32> for Value {
    /// [`Value::Int`] up to `i32::MAX`, else [`Value::I8`].
    fn from(i: u32) -> Self {
        Value::from(i64::from(i))
    }
}

impl From<&[u8]> for Value {
    /// Bytes become `<base64>`.
    fn from(b: &[u8]) -> Self {
        Value::Base64(b.to_vec())
    }
}

impl From<BTreeMap<String, Value>> for Value {
    /// A struct with members in key order.
    fn from(m: BTreeMap<String, Value>) -> Self {
        Value::Struct(m.into_iter().collect())
    }
}

impl<K: Into<String>> FromIterator<(K, Value)> for Value {
    /// A struct from `(name, value)` pairs, in order.
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        Value::structure(iter)
    }
}

impl FromIterator<Value> for Value {
    /// An array.
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        Value::Array(iter.into_iter().collect())
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Array(items)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` becomes `<nil/>`.
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Nil, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        let t = Timestamp::from_ymd_hms(2000, 4, 1, 12, 0, 5).unwrap();
        Value::structure([
            ("int", Value::Int(-3)),
            ("i8", Value::I8(5_000_000_000)),
            ("bool", Value::Bool(false)),
            ("double", Value::Double(2.0)),
            ("string", Value::from(" < > & ' \" ")),
            ("when", Value::DateTime(t)),
            ("bytes", Value::Base64(vec![0, 1, 255])),
            ("nil", Value::Nil),
            (
                "list",
                Value::Array(vec![Value::Int(1), Value::structure([("z", Value::Nil)])]),
            ),
            ("b", Value::Int(2)),
        ])
    }

    #[test]
    fn json_mapping_round_trips_every_variant_and_member_order() {
        let v = sample();
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(
            text,
            r#"{"int":-3,"i8":5000000000,"bool":false,"double":2.0,"string":" < > & ' \" ","when":{"$datetime":"2000-04-01T12:00:05Z"},"bytes":{"$base64":"AAH/"},"nil":null,"list":[1,{"z":null}],"b":2}"#
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
    }

    #[test]
    fn json_numbers_pick_the_xmlrpc_type_by_form_and_size() {
        let read = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert_eq!(read("7"), Value::Int(7));
        assert_eq!(read("2147483648"), Value::I8(2_147_483_648));
        assert_eq!(read("7.0"), Value::Double(7.0));
        assert_eq!(read("1e2"), Value::Double(100.0));
        assert_eq!(read("18446744073709551615"), Value::Double(u64::MAX as f64));
    }

    #[test]
    fn tags_that_do_not_parse_stay_structs() {
        let read = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert_eq!(
            read(r#"{"$base64":"!!"}"#),
            Value::structure([("$base64", Value::from("!!"))])
        );
        assert_eq!(
            read(r#"{"$datetime":"soon","x":1}"#),
            Value::structure([("$datetime", Value::from("soon")), ("x", Value::Int(1))])
        );
    }

    #[test]
    fn indexing_chains_and_never_panics() {
        let v = sample();
        assert_eq!(v["list"][1]["z"], Value::Nil);
        assert_eq!(v["list"][0], Value::Int(1));
        assert_eq!(v["missing"][3]["x"], Value::Nil);
        assert_eq!(v.get_index(0), None);
        assert_eq!(v.to_map().unwrap()["b"], Value::Int(2));
    }

    #[test]
    fn try_from_converts_or_names_both_types() {
        assert_eq!(i64::try_from(Value::I8(9)), Ok(9));
        assert_eq!(i32::try_from(&Value::Int(9)), Ok(9));
        assert_eq!(
            i32::try_from(Value::I8(1 << 40)),
            Err(WrongType {
                expected: "i32",
                found: "i8"
            })
        );
        assert_eq!(String::try_from(Value::from("x")).unwrap(), "x");
        let e = bool::try_from(Value::Nil).unwrap_err();
        assert_eq!(e.to_string(), "expected boolean, found nil");
        assert_eq!(Vec::<u8>::try_from(Value::from(vec![1u8])), Ok(vec![1]));
    }

    #[test]
    fn display_is_compact_and_readable() {
        let v = Value::structure([
            (
                "a",
                Value::Array(vec![Value::Int(1), Value::Double(1.5), Value::Nil]),
            ),
            ("s", Value::from("q\"")),
            ("b", Value::Base64(vec![1, 2, 3])),
        ]);
        assert_eq!(
            v.to_string(),
            r#"{"a": [1, 1.5, nil], "s": "q\"", "b": base64"AQID"}"#
        );
    }
}
