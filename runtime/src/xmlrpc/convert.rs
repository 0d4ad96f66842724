//! Typed conversions between Rust values and [`Value`]: the traits generated code and
//! `#[derive(XmlRpc)]` implement, their impls for standard types, and member/param helpers.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;

use super::{Fault, Timestamp, Value};

/// Converts a Rust value into an XML-RPC [`Value`].
///
/// # Bytes
///
/// `Vec<u8>` (and `[u8]`) convert to and from `<base64>`, not to an array of ints. This works
/// because `u8` deliberately has *no* impl: the generic `Vec<T: ToXmlRpc>` impl then cannot
/// apply to `Vec<u8>`, so a dedicated impl is coherent. Nothing is lost: XML-RPC has no
/// byte-sized integer and the IDL has no `u8`, while `bytes` fields are common, and prost (which
/// the gRPC side uses) also maps `bytes` to `Vec<u8>`, so one domain type serves every protocol.
/// A newtype (`Bytes(Vec<u8>)`, serde_bytes-style) would make every generated struct and user
/// derive wrap and unwrap for no gain. The price, by design: an `impl ToXmlRpc for u8` would
/// conflict with the `Vec<u8>` impl.
///
/// # Numbers that do not fit
///
/// A `u64` above `i64::MAX` has no XML-RPC form. [`try_to_xmlrpc`](Self::try_to_xmlrpc) reports
/// it as an error (a server answers with a fault); the infallible
/// [`to_xmlrpc`](Self::to_xmlrpc) writes its decimal digits as a `<string>`, which
/// [`FromXmlRpc`] for `u64` reads back, so nothing is silently wrapped or truncated.
///
/// # Optional struct members
///
/// `None` converts to `<nil/>` at top level, but an absent optional struct member is omitted
/// (the IDL's rule); generated code uses [`push_optional_member`] for that.
pub trait ToXmlRpc {
    /// The XML-RPC form of `self`.
    fn to_xmlrpc(&self) -> Value;

    /// The XML-RPC form of `self`, or an error when part of it has no faithful XML-RPC form
    /// (a `u64` above `i64::MAX`). Containers MUST forward to their items' `try_to_xmlrpc`.
    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        Ok(self.to_xmlrpc())
    }
}

/// Converts an XML-RPC [`Value`] into a Rust value, with a path to the offending part on error.
pub trait FromXmlRpc: Sized {
    /// Reads `Self` from `v`.
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError>;

    /// The value of an absent struct member or trailing parameter, for types where absence has
    /// a meaning; `None` (the default) makes absence an error.
    ///
    /// The rule, the same on every protocol: an absent list or map is empty, an absent optional
    /// is `None`, an absent dynamic [`Value`] is nil; anything else must be present.
    fn absent() -> Option<Self> {
        None
    }
}

/// One step of a [`ValueError`] path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A struct member or named parameter: `.price`.
    Field(String),
    /// An array index: `[2]`.
    Index(usize),
    /// A map key: `["red"]`.
    Key(String),
}

/// A value that does not convert, and where it is: `items[2].price: expected double, found
/// string`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// Innermost segment first: errors are built at the leaf and gain segments on the way out.
    rev_path: Vec<PathSegment>,
    message: String,
}

impl ValueError {
    /// An error at the current position (no path yet).
    pub fn new(message: impl Into<String>) -> Self {
        ValueError {
            rev_path: Vec::new(),
            message: message.into(),
        }
    }

    /// "expected `what`, found `<type of found>`".
    pub fn expected(what: &str, found: &Value) -> Self {
        ValueError::new(format!("expected {what}, found {}", found.type_name()))
    }

    /// The same error, one struct member (or named parameter) further out.
    #[must_use]
    pub fn in_field(mut self, name: &str) -> Self {
        self.rev_path.push(PathSegment::Field(name.to_owned()));
        self
    }

    /// The same error, one array index further out.
    #[must_use]
    pub fn at_index(mut self, index: usize) -> Self {
        self.rev_path.push(PathSegment::Index(index));
        self
    }

    /// The same error, one map key further out.
    #[must_use]
    pub fn at_key(mut self, key: &str) -> Self {
        self.rev_path.push(PathSegment::Key(key.to_owned()));
        self
    }

    /// The path segments, outermost first.
    pub fn segments(&self) -> impl Iterator<Item = &PathSegment> {
        self.rev_path.iter().rev()
    }

    /// The path as text, e.g. `items[2].price` (empty at top level).
    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in self.segments() {
            match seg {
                PathSegment::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                PathSegment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
                PathSegment::Key(k) => {
                    out.push('[');
                    out.push_str(&format!("{k:?}"));
                    out.push(']');
                }
            }
        }
        out
    }

    /// The message without the path.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// An [`INVALID_PARAMS`](super::INVALID_PARAMS) fault, for a request whose parameters do
    /// not convert.
    pub fn to_fault(&self) -> Fault {
        Fault::invalid_params(format!("invalid params: {self}"))
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rev_path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path(), self.message)
        }
    }
}

impl std::error::Error for ValueError {}

impl From<ValueError> for Fault {
    fn from(e: ValueError) -> Fault {
        e.to_fault()
    }
}

// ---- member and parameter helpers for generated code ----

/// The members of `v`, which must be a struct (`what` names the expected type in the error).
pub fn struct_members<'v>(v: &'v Value, what: &str) -> Result<&'v [(String, Value)], ValueError> {
    v.as_struct()
        .ok_or_else(|| ValueError::expected(&format!("struct {what}"), v))
}

fn find_member<'m>(members: &'m [(String, Value)], name: &str) -> Option<&'m Value> {
    // The last occurrence wins, as in Python's dict and `Value::get`.
    members
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Reads the required member `name`; a missing member is an error at that path.
pub fn required_member<T: FromXmlRpc>(
    members: &[(String, Value)],
    name: &str,
) -> Result<T, ValueError> {
    match find_member(members, name) {
        Some(v) => T::from_xmlrpc(v).map_err(|e| e.in_field(name)),
        None => {
            T::absent().ok_or_else(|| ValueError::new("missing required member").in_field(name))
        }
    }
}

/// Reads the optional member `name`: absent or `<nil/>` is `None`.
pub fn optional_member<T: FromXmlRpc>(
    members: &[(String, Value)],
    name: &str,
) -> Result<Option<T>, ValueError> {
    match find_member(members, name) {
        None | Some(Value::Nil) => Ok(None),
        Some(v) => T::from_xmlrpc(v).map(Some).map_err(|e| e.in_field(name)),
    }
}

/// Reads the positional parameter `index`, reporting errors under the parameter's `name`.
pub fn param<T: FromXmlRpc>(params: &[Value], index: usize, name: &str) -> Result<T, ValueError> {
    match params.get(index) {
        Some(v) => T::from_xmlrpc(v).map_err(|e| e.in_field(name)),
        None => T::absent().ok_or_else(|| {
            ValueError::new(format!("missing parameter {}", index + 1)).in_field(name)
        }),
    }
}

/// Reads the optional positional parameter `index`: absent or `<nil/>` is `None`.
pub fn optional_param<T: FromXmlRpc>(
    params: &[Value],
    index: usize,
    name: &str,
) -> Result<Option<T>, ValueError> {
    match params.get(index) {
        None | Some(Value::Nil) => Ok(None),
        Some(v) => T::from_xmlrpc(v).map(Some).map_err(|e| e.in_field(name)),
    }
}

/// Appends the member `name`.
pub fn push_member<T: ToXmlRpc + ?Sized>(
    members: &mut Vec<(String, Value)>,
    name: &str,
    value: &T,
) {
    members.push((name.to_owned(), value.to_xmlrpc()));
}

/// Appends the member `name` if `value` is `Some`: absent optionals are omitted, not `<nil/>`.
pub fn push_optional_member<T: ToXmlRpc>(
    members: &mut Vec<(String, Value)>,
    name: &str,
    value: &Option<T>,
) {
    if let Some(v) = value {
        push_member(members, name, v);
    }
}

/// [`push_member`] through [`ToXmlRpc::try_to_xmlrpc`], with the member in the error path.
pub fn try_push_member<T: ToXmlRpc + ?Sized>(
    members: &mut Vec<(String, Value)>,
    name: &str,
    value: &T,
) -> Result<(), ValueError> {
    let v = value.try_to_xmlrpc().map_err(|e| e.in_field(name))?;
    members.push((name.to_owned(), v));
    Ok(())
}

/// [`push_optional_member`] through [`ToXmlRpc::try_to_xmlrpc`].
pub fn try_push_optional_member<T: ToXmlRpc>(
    members: &mut Vec<(String, Value)>,
    name: &str,
    value: &Option<T>,
) -> Result<(), ValueError> {
    match value {
        Some(v) => try_push_member(members, name, v),
        None => Ok(()),
    }
}

// ---- impls ----

impl ToXmlRpc for Value {
    fn to_xmlrpc(&self) -> Value {
        self.clone()
    }
}

impl FromXmlRpc for Value {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        Ok(v.clone())
    }

    /// Absent is nil.
    fn absent() -> Option<Self> {
        Some(Value::Nil)
    }
}

impl ToXmlRpc for () {
    /// An rpc without a result answers `<nil/>`: Python reads it as `None` (its client reads
    /// `<nil/>` whatever `allow_none` says), which is what a Python function without a result
    /// returns.
    fn to_xmlrpc(&self) -> Value {
        Value::Nil
    }
}

impl FromXmlRpc for () {
    /// Any value: servers answer a call without a result with `<nil/>`, an empty string, `0` or
    /// `true`, and none of them carries information.
    fn from_xmlrpc(_: &Value) -> Result<Self, ValueError> {
        Ok(())
    }
}

impl<T: ToXmlRpc + ?Sized> ToXmlRpc for &T {
    fn to_xmlrpc(&self) -> Value {
        (**self).to_xmlrpc()
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        (**self).try_to_xmlrpc()
    }
}

impl ToXmlRpc for bool {
    fn to_xmlrpc(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FromXmlRpc for bool {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        v.as_bool()
            .ok_or_else(|| ValueError::expected("boolean", v))
    }
}

/// An integer from `<int>`/`<i4>`/`<i8>` that must fit `T`.
fn integer<T: TryFrom<i64>>(v: &Value, what: &str) -> Result<T, ValueError> {
    let i = v.as_i64().ok_or_else(|| ValueError::expected(what, v))?;
    T::try_from(i).map_err(|_| ValueError::new(format!("{i} is out of range for {what}")))
}

impl ToXmlRpc for i32 {
    fn to_xmlrpc(&self) -> Value {
        Value::Int(*self)
    }
}

impl FromXmlRpc for i32 {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        integer(v, "i32")
    }
}

impl ToXmlRpc for i64 {
    /// `<int>` when the number fits 32 bits, else `<i8>`.
    fn to_xmlrpc(&self) -> Value {
        Value::from(*self)
    }
}

impl FromXmlRpc for i64 {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        integer(v, "i64")
    }
}

impl ToXmlRpc for u32 {
    /// `<int>` up to `i32::MAX`, `<i8>` above.
    fn to_xmlrpc(&self) -> Value {
        Value::from(i64::from(*self))
    }
}

impl FromXmlRpc for u32 {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        integer(v, "u32")
    }
}

impl ToXmlRpc for u64 {
    /// `<int>` up to `i32::MAX`, `<i8>` up to `i64::MAX`, and above that (no XML-RPC form) the
    /// decimal digits as a `<string>`; [`try_to_xmlrpc`](ToXmlRpc::try_to_xmlrpc) errors there.
    fn to_xmlrpc(&self) -> Value {
        match i64::try_from(*self) {
            Ok(i) => Value::from(i),
            Err(_) => Value::String(self.to_string()),
        }
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        match i64::try_from(*self) {
            Ok(i) => Ok(Value::from(i)),
            Err(_) => Err(ValueError::new(format!(
                "u64 {self} exceeds the XML-RPC integer range (at most i64::MAX)"
            ))),
        }
    }
}

impl FromXmlRpc for u64 {
    /// A non-negative `<int>`/`<i8>`, or a `<string>` of decimal digits (what
    /// [`ToXmlRpc::to_xmlrpc`] writes above `i64::MAX`).
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        if let Value::String(s) = v {
            return s
                .parse::<u64>()
                .map_err(|_| ValueError::new(format!("expected u64, found string {s:?}")));
        }
        integer(v, "u64")
    }
}

impl ToXmlRpc for f64 {
    fn to_xmlrpc(&self) -> Value {
        Value::Double(*self)
    }
}

impl FromXmlRpc for f64 {
    /// A `<double>`, or an integer that converts exactly (some clients send `<int>` for whole
    /// numbers).
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        match *v {
            Value::Double(d) => Ok(d),
            Value::Int(i) => Ok(f64::from(i)),
            Value::I8(i) if (i as f64) as i64 == i && i != i64::MAX => Ok(i as f64),
            Value::I8(i) => Err(ValueError::new(format!(
                "{i} cannot be represented exactly as a double"
            ))),
            _ => Err(ValueError::expected("double", v)),
        }
    }
}

impl ToXmlRpc for str {
    fn to_xmlrpc(&self) -> Value {
        Value::String(self.to_owned())
    }
}

impl ToXmlRpc for String {
    fn to_xmlrpc(&self) -> Value {
        Value::String(self.clone())
    }
}

impl FromXmlRpc for String {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| ValueError::expected("string", v))
    }
}

impl ToXmlRpc for Timestamp {
    fn to_xmlrpc(&self) -> Value {
        Value::DateTime(*self)
    }
}

impl FromXmlRpc for Timestamp {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        v.as_datetime()
            .ok_or_else(|| ValueError::expected("dateTime.iso8601", v))
    }
}

impl ToXmlRpc for [u8] {
    /// Bytes are `<base64>` (see the module docs on why `u8` has no impl of its own).
    fn to_xmlrpc(&self) -> Value {
        Value::Base64(self.to_vec())
    }
}

impl ToXmlRpc for Vec<u8> {
    /// Bytes are `<base64>` (see the module docs on why `u8` has no impl of its own).
    fn to_xmlrpc(&self) -> Value {
        Value::Base64(self.clone())
    }
}

impl FromXmlRpc for Vec<u8> {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        v.as_bytes()
            .map(<[u8]>::to_vec)
            .ok_or_else(|| ValueError::expected("base64", v))
    }
}

impl<T: ToXmlRpc> ToXmlRpc for [T] {
    fn to_xmlrpc(&self) -> Value {
        Value::Array(self.iter().map(ToXmlRpc::to_xmlrpc).collect())
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        self.iter()
            .enumerate()
            .map(|(i, item)| item.try_to_xmlrpc().map_err(|e| e.at_index(i)))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    }
}

impl<T: ToXmlRpc> ToXmlRpc for Vec<T> {
    fn to_xmlrpc(&self) -> Value {
        self.as_slice().to_xmlrpc()
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        self.as_slice().try_to_xmlrpc()
    }
}

impl<T: FromXmlRpc> FromXmlRpc for Vec<T> {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        let items = v
            .as_array()
            .ok_or_else(|| ValueError::expected("array", v))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| T::from_xmlrpc(item).map_err(|e| e.at_index(i)))
            .collect()
    }

    /// Absent is empty.
    fn absent() -> Option<Self> {
        Some(Vec::new())
    }
}

impl<T: ToXmlRpc> ToXmlRpc for Option<T> {
    /// `None` is `<nil/>`. A struct member that is `None` should be omitted instead, see
    /// [`push_optional_member`].
    fn to_xmlrpc(&self) -> Value {
        self.as_ref().map_or(Value::Nil, ToXmlRpc::to_xmlrpc)
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        self.as_ref()
            .map_or(Ok(Value::Nil), ToXmlRpc::try_to_xmlrpc)
    }
}

impl<T: FromXmlRpc> FromXmlRpc for Option<T> {
    /// `<nil/>` is `None`.
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        match v {
            Value::Nil => Ok(None),
            v => T::from_xmlrpc(v).map(Some),
        }
    }

    /// Absent is `None`.
    fn absent() -> Option<Self> {
        Some(None)
    }
}

impl<T: ToXmlRpc + ?Sized> ToXmlRpc for Box<T> {
    fn to_xmlrpc(&self) -> Value {
        (**self).to_xmlrpc()
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        (**self).try_to_xmlrpc()
    }
}

impl<T: FromXmlRpc> FromXmlRpc for Box<T> {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        T::from_xmlrpc(v).map(Box::new)
    }

    fn absent() -> Option<Self> {
        T::absent().map(Box::new)
    }
}

/// Members from `(key, value)` pairs, in the given order.
fn map_to_struct<'a, T: ToXmlRpc + 'a>(
    entries: impl Iterator<Item = (&'a String, &'a T)>,
) -> Value {
    Value::Struct(entries.map(|(k, v)| (k.clone(), v.to_xmlrpc())).collect())
}

fn try_map_to_struct<'a, T: ToXmlRpc + 'a>(
    entries: impl Iterator<Item = (&'a String, &'a T)>,
) -> Result<Value, ValueError> {
    entries
        .map(|(k, v)| Ok((k.clone(), v.try_to_xmlrpc().map_err(|e| e.at_key(k))?)))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Struct)
}

fn struct_entries<T: FromXmlRpc>(
    v: &Value,
) -> Result<impl Iterator<Item = Result<(String, T), ValueError>> + '_, ValueError> {
    let members = v
        .as_struct()
        .ok_or_else(|| ValueError::expected("struct", v))?;
    Ok(members.iter().map(|(k, v)| {
        T::from_xmlrpc(v)
            .map(|t| (k.clone(), t))
            .map_err(|e| e.at_key(k))
    }))
}

impl<T: ToXmlRpc> ToXmlRpc for BTreeMap<String, T> {
    /// A `<struct>` with members in key order.
    fn to_xmlrpc(&self) -> Value {
        map_to_struct(self.iter())
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        try_map_to_struct(self.iter())
    }
}

impl<T: FromXmlRpc> FromXmlRpc for BTreeMap<String, T> {
    /// From a `<struct>`; a repeated member name keeps the last value, as Python does.
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        struct_entries(v)?.collect()
    }

    /// Absent is empty.
    fn absent() -> Option<Self> {
        Some(Self::default())
    }
}

impl<T: ToXmlRpc, S> ToXmlRpc for HashMap<String, T, S> {
    /// A `<struct>` with members sorted by key, so the output is deterministic.
    fn to_xmlrpc(&self) -> Value {
        let mut entries: Vec<_> = self.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        map_to_struct(entries.into_iter())
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        let mut entries: Vec<_> = self.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        try_map_to_struct(entries.into_iter())
    }
}

impl<T: FromXmlRpc, S: BuildHasher + Default> FromXmlRpc for HashMap<String, T, S> {
    /// From a `<struct>`; a repeated member name keeps the last value, as Python does.
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        struct_entries(v)?.collect()
    }

    /// Absent is empty.
    fn absent() -> Option<Self> {
        Some(Self::default())
    }
}
