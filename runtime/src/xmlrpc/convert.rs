//! Typed conversions between Rust values and [`Value`]: the traits generated code and
//! `#[derive(XmlRpc)]` implement, their impls for standard types, and member/param helpers.

// Generic code here is instantiated per type of a generated API: a `match` costs less to
// compile than `Option::map` with a closure (issue 17).
#![allow(clippy::manual_map)]

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;

use super::{Fault, Timestamp, Value};
use crate::validate::ErrorPath;
pub use crate::validate::PathSegment;

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

    /// Reads `Self` from named members that need not be a [`Value::Struct`]: an rpc's
    /// parameters by position, named by the rpc ([`Members`]). `#[derive(XmlRpc)]` reads a
    /// struct's fields from them directly (no struct with owned member names built per call);
    /// every other type reads the struct they make.
    #[doc(hidden)]
    fn from_members(members: &(impl Members + ?Sized)) -> Result<Self, ValueError> {
        Self::from_xmlrpc(&Value::Struct(members.to_struct()))
    }
}

/// Named values a struct's fields are read from: a `<struct>`'s members, or an rpc's
/// parameters by position with the rpc's parameter names ([`Positional`]).
pub trait Members {
    /// The value named `name` (the last of that name in a `<struct>`, as Python's dict).
    fn member(&self, name: &str) -> Option<&Value>;

    /// The members as a `<struct>`'s.
    fn to_struct(&self) -> Vec<(String, Value)>;
}

impl Members for [(String, Value)] {
    fn member(&self, name: &str) -> Option<&Value> {
        find_member(self, name)
    }

    fn to_struct(&self) -> Vec<(String, Value)> {
        self.to_vec()
    }
}

/// Parameters by position, the `i`th named `names[i]` (names are distinct: an rpc's).
#[derive(Debug, Clone, Copy)]
pub struct Positional<'a> {
    /// The parameters' names, in order (at least as many as `values`).
    pub names: &'a [&'a str],
    /// The parameters sent.
    pub values: &'a [Value],
}

impl Members for Positional<'_> {
    fn member(&self, name: &str) -> Option<&Value> {
        let i = self.names.iter().position(|n| *n == name)?;
        self.values.get(i)
    }

    fn to_struct(&self) -> Vec<(String, Value)> {
        self.names
            .iter()
            .zip(self.values)
            .map(|(name, v)| ((*name).to_owned(), v.clone()))
            .collect()
    }
}

/// A value that does not convert, and where it is: `items[2].price: expected double, found
/// string`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    path: ErrorPath,
    message: String,
}

impl ValueError {
    /// An error at the current position (no path yet).
    pub fn new(message: impl Into<String>) -> Self {
        ValueError {
            path: ErrorPath::default(),
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
        self.path.push(PathSegment::Field(name.to_owned()));
        self
    }

    /// The same error, one array index further out.
    #[must_use]
    pub fn at_index(mut self, index: usize) -> Self {
        self.path.push(PathSegment::Index(index));
        self
    }

    /// The same error, one map key further out.
    #[must_use]
    pub fn at_key(mut self, key: &str) -> Self {
        self.path.push(PathSegment::Key(key.to_owned()));
        self
    }

    /// The path segments, outermost first.
    pub fn segments(&self) -> impl Iterator<Item = &PathSegment> {
        self.path.segments()
    }

    /// The path as text, e.g. `items[2].price` (empty at top level).
    pub fn path(&self) -> String {
        self.path.render()
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
        if self.path.is_empty() {
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
//
// These and the container impls below are instantiated once per field or element type of a
// generated API, so they are plain matches and loops: no closures (`map_err`, `ok_or_else`) and
// no iterator chains (`collect` into a `Result` or a `BTreeMap`), each of which instantiates
// several std functions per type and made a large part of the generated crate's build (issue
// 17). The work that does not depend on the type is in the non-generic functions they call.

/// `name` missing from a struct: an error at that path.
fn missing_member(name: &str) -> ValueError {
    ValueError::new("missing required member").in_field(name)
}

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
    members: &(impl Members + ?Sized),
    name: &str,
) -> Result<T, ValueError> {
    match members.member(name) {
        Some(v) => match T::from_xmlrpc(v) {
            Ok(t) => Ok(t),
            Err(e) => Err(e.in_field(name)),
        },
        None => match T::absent() {
            Some(t) => Ok(t),
            None => Err(missing_member(name)),
        },
    }
}

/// Reads the optional member `name`: absent or `<nil/>` is `None`.
pub fn optional_member<T: FromXmlRpc>(
    members: &(impl Members + ?Sized),
    name: &str,
) -> Result<Option<T>, ValueError> {
    match members.member(name) {
        None | Some(Value::Nil) => Ok(None),
        Some(v) => match T::from_xmlrpc(v) {
            Ok(t) => Ok(Some(t)),
            Err(e) => Err(e.in_field(name)),
        },
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
    push_value(members, name, value.to_xmlrpc());
}

fn push_value(members: &mut Vec<(String, Value)>, name: &str, value: Value) {
    members.push((name.to_owned(), value));
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
    match value.try_to_xmlrpc() {
        Ok(v) => {
            push_value(members, name, v);
            Ok(())
        }
        Err(e) => Err(e.in_field(name)),
    }
}

/// One member of a struct being written (`#[derive(XmlRpc)]`'s table): its name and its value,
/// `None` for an absent optional (left out, not `<nil/>`).
pub type Member<'a> = (&'a str, Option<&'a dyn ToXmlRpc>);

/// `value` as an entry of a [`Member`] table. The derive names the field's type here, so that a
/// type without `ToXmlRpc` is reported at the field; the function is a cast, all the work is in
/// [`struct_value`].
#[inline]
pub fn member<T: ToXmlRpc>(value: &T) -> Option<&dyn ToXmlRpc> {
    Some(value)
}

/// An optional field as an entry of a [`Member`] table: `None` is left out of the struct.
#[inline]
pub fn optional<T: ToXmlRpc>(value: &Option<T>) -> Option<&dyn ToXmlRpc> {
    match value {
        Some(v) => Some(v),
        None => None,
    }
}

/// A `<struct>` of `members`, in order, absent optionals left out. The derive writes a table
/// of `&dyn` values and calls this one function, so a struct's conversion instantiates nothing
/// per field type.
pub fn struct_value(members: &[Member<'_>]) -> Value {
    let mut out = Vec::with_capacity(members.len());
    for &(name, value) in members {
        if let Some(v) = value {
            push_value(&mut out, name, v.to_xmlrpc());
        }
    }
    Value::Struct(out)
}

/// [`struct_value`] through [`ToXmlRpc::try_to_xmlrpc`], with the member in the error path.
pub fn try_struct_value(members: &[Member<'_>]) -> Result<Value, ValueError> {
    let mut out = Vec::with_capacity(members.len());
    for &(name, value) in members {
        if let Some(v) = value {
            match v.try_to_xmlrpc() {
                Ok(v) => push_value(&mut out, name, v),
                Err(e) => return Err(e.in_field(name)),
            }
        }
    }
    Ok(Value::Struct(out))
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
        let mut items = Vec::with_capacity(self.len());
        for item in self {
            items.push(item.to_xmlrpc());
        }
        Value::Array(items)
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        let mut items = Vec::with_capacity(self.len());
        for (i, item) in self.iter().enumerate() {
            match item.try_to_xmlrpc() {
                Ok(v) => items.push(v),
                Err(e) => return Err(e.at_index(i)),
            }
        }
        Ok(Value::Array(items))
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
        let Some(items) = v.as_array() else {
            return Err(ValueError::expected("array", v));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match T::from_xmlrpc(item) {
                Ok(t) => out.push(t),
                Err(e) => return Err(e.at_index(i)),
            }
        }
        Ok(out)
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
        match self {
            Some(v) => v.to_xmlrpc(),
            None => Value::Nil,
        }
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        match self {
            Some(v) => v.try_to_xmlrpc(),
            None => Ok(Value::Nil),
        }
    }
}

impl<T: FromXmlRpc> FromXmlRpc for Option<T> {
    /// `<nil/>` is `None`.
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        match v {
            Value::Nil => Ok(None),
            v => match T::from_xmlrpc(v) {
                Ok(t) => Ok(Some(t)),
                Err(e) => Err(e),
            },
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
        match T::from_xmlrpc(v) {
            Ok(t) => Ok(Box::new(t)),
            Err(e) => Err(e),
        }
    }

    fn absent() -> Option<Self> {
        match T::absent() {
            Some(t) => Some(Box::new(t)),
            None => None,
        }
    }
}

/// Members from `(key, value)` pairs, in the given order. Entries are `&dyn` so that one copy
/// serves every value type.
fn map_to_struct(entries: &[(&String, &dyn ToXmlRpc)]) -> Value {
    let mut members = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        members.push(((*k).clone(), v.to_xmlrpc()));
    }
    Value::Struct(members)
}

fn try_map_to_struct(entries: &[(&String, &dyn ToXmlRpc)]) -> Result<Value, ValueError> {
    let mut members = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        match v.try_to_xmlrpc() {
            Ok(v) => members.push(((*k).clone(), v)),
            Err(e) => return Err(e.at_key(k)),
        }
    }
    Ok(Value::Struct(members))
}

/// A map's entries as `&dyn` pairs, sorted by key when `sort` (a `HashMap`'s order is random).
fn dyn_entries<'a, T: ToXmlRpc + 'a>(
    len: usize,
    entries: impl Iterator<Item = (&'a String, &'a T)>,
    sort: bool,
) -> Vec<(&'a String, &'a dyn ToXmlRpc)> {
    let mut out: Vec<(&String, &dyn ToXmlRpc)> = Vec::with_capacity(len);
    for (k, v) in entries {
        out.push((k, v));
    }
    if sort {
        sort_entries(&mut out);
    }
    out
}

fn sort_entries(entries: &mut [(&String, &dyn ToXmlRpc)]) {
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
}

/// Each member of the struct `v` converted, in order, and handed to `insert` (a map's).
fn struct_entries<T: FromXmlRpc>(
    v: &Value,
    mut insert: impl FnMut(String, T),
) -> Result<(), ValueError> {
    let Some(members) = v.as_struct() else {
        return Err(ValueError::expected("struct", v));
    };
    for (k, v) in members {
        match T::from_xmlrpc(v) {
            Ok(t) => insert(k.clone(), t),
            Err(e) => return Err(e.at_key(k)),
        }
    }
    Ok(())
}

impl<T: ToXmlRpc> ToXmlRpc for BTreeMap<String, T> {
    /// A `<struct>` with members in key order.
    fn to_xmlrpc(&self) -> Value {
        map_to_struct(&dyn_entries(self.len(), self.iter(), false))
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        try_map_to_struct(&dyn_entries(self.len(), self.iter(), false))
    }
}

impl<T: FromXmlRpc> FromXmlRpc for BTreeMap<String, T> {
    /// From a `<struct>`; a repeated member name keeps the last value, as Python does.
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        let mut out = Self::new();
        struct_entries(v, |k, t| {
            out.insert(k, t);
        })?;
        Ok(out)
    }

    /// Absent is empty.
    fn absent() -> Option<Self> {
        Some(Self::default())
    }
}

impl<T: ToXmlRpc, S> ToXmlRpc for HashMap<String, T, S> {
    /// A `<struct>` with members sorted by key, so the output is deterministic.
    fn to_xmlrpc(&self) -> Value {
        map_to_struct(&dyn_entries(self.len(), self.iter(), true))
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        try_map_to_struct(&dyn_entries(self.len(), self.iter(), true))
    }
}

impl<T: FromXmlRpc, S: BuildHasher + Default> FromXmlRpc for HashMap<String, T, S> {
    /// From a `<struct>`; a repeated member name keeps the last value, as Python does.
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        let mut out = Self::default();
        struct_entries(v, |k, t| {
            out.insert(k, t);
        })?;
        Ok(out)
    }

    /// Absent is empty.
    fn absent() -> Option<Self> {
        Some(Self::default())
    }
}
