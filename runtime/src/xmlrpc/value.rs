//! The XML-RPC value model: one enum for every `<value>` the wire can carry.

use super::Timestamp;

/// One XML-RPC value.
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
