//! The protobuf wire format of generated types: gRPC's messages and the `protobuf` topic
//! encoding of Kafka.
//!
//! Generated code implements [`ProtoMessage`] for every struct, error, union and request message
//! (`__proto!`), and [`ProtoValue`] for those and for enums, field by field with the helpers
//! here; gRPC's codec ([`crate::grpc`]) and Kafka's protobuf topics both call it, so the domain
//! types are their own protobuf messages with no second set of types between. The bytes are
//! exactly what the emitted `.proto` describes (the design's mapping: field numbers as written,
//! `optional` with explicit presence, a union as a message holding one `oneof`, `timestamp` as
//! `google.protobuf.Timestamp`, `map<string, T>` as map entries, packed repeated scalars, a
//! container nested in a container as its wrapper message, `any` as `RosettaValue`), so any
//! protobuf library reading them with that `.proto` sees the same values.
//!
//! Decoding never panics: bytes come from the network and from producers nobody here wrote. It
//! accepts what proto3 parsers accept (packed or unpacked repeated scalars, fields in any order,
//! unknown fields skipped, absent scalars as their default) and refuses what cannot be a domain
//! value: a missing struct or timestamp field, an enum number the IDL does not declare, a union
//! with no variant set, invalid UTF-8 in a string, and nesting deeper than [`MAX_DEPTH`]. Each
//! refusal says where it was found ([`DecodeError::field_path`], `lines[2].total`).

use std::collections::BTreeMap;
use std::fmt;

use crate::timestamp::Timestamp;
use crate::validate::{ErrorPath, PathSegment};
use crate::value::Value;

/// The deepest message nesting [`decode`] accepts (prost's default recursion limit).
pub const MAX_DEPTH: u32 = 100;

/// How a field's value is laid out on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireType {
    /// A base-128 varint: bools, integers, enums.
    Varint = 0,
    /// Eight little-endian bytes: `double`.
    Fixed64 = 1,
    /// A varint length, then that many bytes: strings, bytes, messages, packed repeated fields.
    Len = 2,
    /// Four little-endian bytes (never written by Rosetta; skipped when unknown).
    Fixed32 = 5,
}

impl WireType {
    #[inline]
    fn from_bits(bits: u64) -> Result<Self, DecodeError> {
        Ok(match bits {
            0 => WireType::Varint,
            1 => WireType::Fixed64,
            2 => WireType::Len,
            5 => WireType::Fixed32,
            other => return Err(Self::invalid(other)),
        })
    }

    #[cold]
    fn invalid(bits: u64) -> DecodeError {
        match bits {
            3 | 4 => DecodeError::new("groups are not supported"),
            other => DecodeError::new(format!("invalid wire type {other}")),
        }
    }
}

/// Why bytes are not a valid protobuf encoding of the expected type, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    message: String,
    path: ErrorPath,
}

impl DecodeError {
    /// An error with this description.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            path: ErrorPath::default(),
        }
    }

    /// A required field (`Type.field`) was absent; the path names `field`.
    pub fn missing(field: &'static str) -> Self {
        let name = field.rsplit('.').next().unwrap_or(field);
        Self::new(format!("missing required field `{field}`")).at_field(name)
    }

    /// The same error, found inside field `name` of the enclosing message.
    #[cold]
    pub fn at_field(mut self, name: &'static str) -> Self {
        self.path.push(PathSegment::Field(name.to_string()));
        self
    }

    /// The same error, found in item `index` of a repeated field.
    #[cold]
    pub fn at_index(mut self, index: usize) -> Self {
        self.path.push(PathSegment::Index(index));
        self
    }

    /// The same error, found in the value of map key `key`.
    #[cold]
    pub fn at_key(mut self, key: &str) -> Self {
        self.path.push(PathSegment::Key(key.to_string()));
        self
    }

    /// The human-readable cause.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where the fault is, as validation paths are written (`items[0].price`, `tags["a"]`);
    /// empty for the top-level message itself.
    pub fn field_path(&self) -> String {
        self.path.render()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

/// A cursor over the bytes of one message.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    depth: u32,
}

impl<'a> Reader<'a> {
    /// A reader over a top-level message.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, depth: 0 }
    }

    /// True when every byte was read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The next field's number and wire type, or `None` at the end of the message.
    // The hot path of every decode, called from each message's generated `decode_fields` in
    // the user's crate: inlined there (as prost's are), its failures out of line.
    #[inline]
    pub fn next_field(&mut self) -> Result<Option<(u32, WireType)>, DecodeError> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let wire = WireType::from_bits(key & 7)?;
        let number = key >> 3;
        if number == 0 || number > (1 << 29) - 1 {
            return Err(invalid_field_number(number));
        }
        // In range by the check above.
        Ok(Some((number as u32, wire)))
    }

    /// Reads a base-128 varint (one byte, the common case, inline).
    #[inline]
    pub fn varint(&mut self) -> Result<u64, DecodeError> {
        if let Some((&byte, rest)) = self.buf.split_first()
            && byte < 0x80
        {
            self.buf = rest;
            return Ok(u64::from(byte));
        }
        self.long_varint()
    }

    /// A varint of more than one byte.
    #[inline(never)]
    fn long_varint(&mut self) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for (i, byte) in self.buf.iter().enumerate().take(10) {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                if i == 9 && *byte > 1 {
                    break;
                }
                self.buf = &self.buf[i + 1..];
                return Ok(value);
            }
        }
        Err(DecodeError::new("invalid or truncated varint"))
    }

    /// Reads eight little-endian bytes.
    pub fn fixed64(&mut self) -> Result<u64, DecodeError> {
        let (head, rest) = self
            .buf
            .split_first_chunk::<8>()
            .ok_or_else(|| DecodeError::new("truncated fixed64"))?;
        self.buf = rest;
        Ok(u64::from_le_bytes(*head))
    }

    /// Reads four little-endian bytes.
    pub fn fixed32(&mut self) -> Result<u32, DecodeError> {
        let (head, rest) = self
            .buf
            .split_first_chunk::<4>()
            .ok_or_else(|| DecodeError::new("truncated fixed32"))?;
        self.buf = rest;
        Ok(u32::from_le_bytes(*head))
    }

    /// Reads a length-delimited run of bytes.
    #[inline]
    pub fn len_delimited(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.varint()?;
        match usize::try_from(len) {
            Ok(len) if len <= self.buf.len() => {
                let (head, rest) = self.buf.split_at(len);
                self.buf = rest;
                Ok(head)
            }
            _ => Err(past_the_end()),
        }
    }

    /// The reader of a length-delimited nested message, one level deeper.
    pub fn enter(&mut self) -> Result<Reader<'a>, DecodeError> {
        let bytes = self.len_delimited()?;
        if self.depth >= MAX_DEPTH {
            return Err(DecodeError::new(format!(
                "messages nested deeper than {MAX_DEPTH}"
            )));
        }
        Ok(Reader {
            buf: bytes,
            depth: self.depth + 1,
        })
    }

    /// Reads a length-delimited nested message with `f`, one level deeper.
    pub fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Reader<'a>) -> Result<T, DecodeError>,
    ) -> Result<T, DecodeError> {
        f(&mut self.enter()?)
    }

    /// Skips the value of a field this type does not know.
    pub fn skip(&mut self, wire: WireType) -> Result<(), DecodeError> {
        match wire {
            WireType::Varint => self.varint().map(drop),
            WireType::Fixed64 => self.fixed64().map(drop),
            WireType::Len => self.len_delimited().map(drop),
            WireType::Fixed32 => self.fixed32().map(drop),
        }
    }
}

/// Appends a base-128 varint.
#[inline]
pub fn put_varint(buf: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        buf.push((value as u8) | 0x80);
        value >>= 7;
    }
    buf.push(value as u8);
}

/// Appends a field key: the field number and the wire type.
#[inline]
pub fn put_key(buf: &mut Vec<u8>, field: u32, wire: WireType) {
    put_varint(buf, (u64::from(field) << 3) | wire as u64);
}

/// A value a protobuf field can hold: a scalar, an enum or a message.
///
/// Generated code implements it for enums (a varint of the IDL number) and, through
/// [`encode_nested`] and [`decode_nested`], for every [`ProtoMessage`].
pub trait ProtoValue: Sized {
    /// How the value is laid out.
    const WIRE_TYPE: WireType;
    /// Whether a repeated field of this type is packed (numbers, bools and enums).
    const PACKABLE: bool = false;

    /// Appends the value (without a key).
    fn encode_value(&self, buf: &mut Vec<u8>);

    /// Reads one value whose key was of type [`Self::WIRE_TYPE`].
    fn decode_value(reader: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// True for proto3's default (zero, empty), which a singular field does not write.
    fn is_default(&self) -> bool {
        false
    }

    /// The value of a singular field that is absent: the default for scalars and for enums
    /// with a zero value; `None` (an error) for messages and for enums without one.
    fn absent() -> Option<Self> {
        None
    }

    /// The value of a map entry without a value: [`absent`](Self::absent), or for a message the
    /// empty message (what protobuf writers emit for a default value).
    fn absent_in_map() -> Result<Self, DecodeError> {
        Self::absent().ok_or_else(|| DecodeError::new("map entry without a value"))
    }
}

/// A struct, error or union: a protobuf message.
pub trait ProtoMessage: Sized {
    /// Appends every field that is present.
    fn encode_fields(&self, buf: &mut Vec<u8>);

    /// Reads fields until the end of `reader`.
    fn decode_fields(reader: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// `google.protobuf.Empty`: the request or answer of an rpc that takes or returns nothing.
impl ProtoMessage for () {
    fn encode_fields(&self, _: &mut Vec<u8>) {}

    fn decode_fields(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        while let Some((_, wire)) = reader.next_field()? {
            reader.skip(wire)?;
        }
        Ok(())
    }
}

/// The message as a top-level protobuf encoding.
pub fn encode<M: ProtoMessage>(message: &M) -> Vec<u8> {
    let mut buf = Vec::new();
    message.encode_fields(&mut buf);
    buf
}

#[cold]
fn invalid_field_number(number: u64) -> DecodeError {
    DecodeError::new(format!("invalid field number {number}"))
}

#[cold]
fn past_the_end() -> DecodeError {
    DecodeError::new("length runs past the end of the message")
}

/// A top-level message from its protobuf encoding.
pub fn decode<M: ProtoMessage>(bytes: &[u8]) -> Result<M, DecodeError> {
    M::decode_fields(&mut Reader::new(bytes))
}

/// [`ProtoValue::encode_value`] of a message: its length, then its fields.
pub fn encode_nested<M: ProtoMessage>(message: &M, buf: &mut Vec<u8>) {
    let start = open_len(buf);
    message.encode_fields(buf);
    close_len(buf, start);
}

/// [`ProtoValue::decode_value`] of a message.
pub fn decode_nested<M: ProtoMessage>(reader: &mut Reader<'_>) -> Result<M, DecodeError> {
    M::decode_fields(&mut reader.enter()?)
}

/// [`ProtoValue::absent_in_map`] of a message: the empty message, if that is a valid value.
pub fn decode_empty<M: ProtoMessage>() -> Result<M, DecodeError> {
    M::decode_fields(&mut Reader::new(&[]))
}

/// A singular field with implicit presence: written unless it is the default.
pub fn encode_field<T: ProtoValue>(buf: &mut Vec<u8>, field: u32, value: &T) {
    if !value.is_default() {
        put_key(buf, field, T::WIRE_TYPE);
        value.encode_value(buf);
    }
}

/// A union's variant (a `oneof` member): always written, default or not.
pub fn encode_variant<T: ProtoValue>(buf: &mut Vec<u8>, field: u32, value: &T) {
    put_key(buf, field, T::WIRE_TYPE);
    value.encode_value(buf);
}

/// An `optional` field: written when present, default or not.
pub fn encode_optional<T: ProtoValue>(buf: &mut Vec<u8>, field: u32, value: &Option<T>) {
    if let Some(value) = value {
        encode_variant(buf, field, value);
    }
}

/// A repeated field: packed for numbers, bools and enums, one key per item otherwise.
pub fn encode_repeated<T: ProtoValue>(buf: &mut Vec<u8>, field: u32, values: &[T]) {
    if T::PACKABLE {
        if values.is_empty() {
            return;
        }
        put_key(buf, field, WireType::Len);
        let start = open_len(buf);
        for v in values {
            v.encode_value(buf);
        }
        close_len(buf, start);
    } else {
        for v in values {
            encode_variant(buf, field, v);
        }
    }
}

/// A `map<string, V>` field: one entry message (`key = 1`, `value = 2`) per item.
///
/// A value that is its type's default is left out of its entry, a message value too when it
/// has no field set (an empty struct, an empty wrapper, the epoch timestamp), as prost writes
/// map entries; readers take a missing value as the default ([`ProtoValue::absent_in_map`]).
pub fn encode_map<V: ProtoValue>(buf: &mut Vec<u8>, field: u32, map: &BTreeMap<String, V>) {
    let mut entry = Vec::new();
    let mut value_bytes = Vec::new();
    for (key, value) in map {
        entry.clear();
        encode_field(&mut entry, 1, key);
        if !value.is_default() {
            value_bytes.clear();
            value.encode_value(&mut value_bytes);
            // `[0]`: a length-delimited value of no bytes, the empty message.
            if !(V::WIRE_TYPE == WireType::Len && value_bytes == [0]) {
                put_key(&mut entry, 2, V::WIRE_TYPE);
                entry.extend_from_slice(&value_bytes);
            }
        }
        put_key(buf, field, WireType::Len);
        put_varint(buf, entry.len() as u64);
        buf.extend_from_slice(&entry);
    }
}

/// A field of the wire type its value has (not generic: it is checked for every field of every
/// generated type, and each instantiation would be code to compile).
#[inline]
fn expect_wire(wire: WireType, expected: WireType) -> Result<(), DecodeError> {
    if wire == expected {
        Ok(())
    } else {
        Err(wrong_wire(wire, expected))
    }
}

/// The error of [`expect_wire`], out of the line of every field's decoding.
#[cold]
#[inline(never)]
fn wrong_wire(wire: WireType, expected: WireType) -> DecodeError {
    DecodeError::new(format!(
        "wire type {wire:?} where {expected:?} was expected"
    ))
}

/// Reads a singular, optional or variant field into `slot` (the last occurrence wins).
pub fn merge_field<T: ProtoValue>(
    wire: WireType,
    reader: &mut Reader<'_>,
    slot: &mut Option<T>,
) -> Result<(), DecodeError> {
    expect_wire(wire, T::WIRE_TYPE)?;
    *slot = Some(T::decode_value(reader)?);
    Ok(())
}

/// Reads a union's variant (a `oneof` member).
pub fn decode_variant<T: ProtoValue>(
    wire: WireType,
    reader: &mut Reader<'_>,
) -> Result<T, DecodeError> {
    expect_wire(wire, T::WIRE_TYPE)?;
    T::decode_value(reader)
}

/// Reads one occurrence of a repeated field, packed or not.
pub fn merge_repeated<T: ProtoValue>(
    wire: WireType,
    reader: &mut Reader<'_>,
    values: &mut Vec<T>,
) -> Result<(), DecodeError> {
    if T::PACKABLE && wire == WireType::Len {
        let mut packed = Reader {
            buf: reader.len_delimited()?,
            depth: reader.depth,
        };
        while !packed.is_empty() {
            match T::decode_value(&mut packed) {
                Ok(v) => values.push(v),
                Err(e) => return Err(e.at_index(values.len())),
            }
        }
        return Ok(());
    }
    if let Err(e) = expect_wire(wire, T::WIRE_TYPE) {
        return Err(e.at_index(values.len()));
    }
    match T::decode_value(reader) {
        Ok(v) => values.push(v),
        Err(e) => return Err(e.at_index(values.len())),
    }
    Ok(())
}

/// Reads one entry of a map field.
pub fn merge_map<V: ProtoValue>(
    wire: WireType,
    reader: &mut Reader<'_>,
    map: &mut BTreeMap<String, V>,
) -> Result<(), DecodeError> {
    if wire != WireType::Len {
        return Err(DecodeError::new("a map entry must be length-delimited"));
    }
    let mut entry = reader.enter()?;
    let mut key: Option<String> = None;
    let mut value: Option<V> = None;
    while let Some((number, wire)) = entry.next_field()? {
        match number {
            1 => merge_field(wire, &mut entry, &mut key)?,
            2 => {
                if let Err(e) = merge_field(wire, &mut entry, &mut value) {
                    return Err(match &key {
                        Some(k) => e.at_key(k),
                        None => e,
                    });
                }
            }
            _ => entry.skip(wire)?,
        }
    }
    let key = key.unwrap_or_default();
    let value = match value {
        Some(v) => v,
        None => match V::absent_in_map() {
            Ok(v) => v,
            Err(e) => return Err(e.at_key(&key)),
        },
    };
    map.insert(key, value);
    Ok(())
}

/// The value of a singular field after the last field was read: the value read, or the
/// default if the type has one, or an error naming `field` (`Type.field`).
pub fn required<T: ProtoValue>(slot: Option<T>, field: &'static str) -> Result<T, DecodeError> {
    match slot {
        Some(v) => Ok(v),
        None => match T::absent() {
            Some(v) => Ok(v),
            None => Err(DecodeError::missing(field)),
        },
    }
}

/// [`ProtoValue::encode_value`] of an enum: its IDL number as an `int32` varint.
pub fn encode_enum(number: i32, buf: &mut Vec<u8>) {
    // Negative numbers are sign-extended to ten bytes, as protobuf writes int32.
    put_varint(buf, i64::from(number) as u64);
}

/// [`ProtoValue::decode_value`] of an enum: the number, checked by `from_number`.
pub fn decode_enum<E>(
    reader: &mut Reader<'_>,
    name: &str,
    from_number: impl FnOnce(i32) -> Option<E>,
) -> Result<E, DecodeError> {
    let number = reader.varint()? as i32;
    from_number(number)
        .ok_or_else(|| DecodeError::new(format!("{number} is not a value of enum `{name}`")))
}

macro_rules! varint_scalar {
    ($t:ty, $to_wire:expr, $from_wire:expr) => {
        impl ProtoValue for $t {
            const WIRE_TYPE: WireType = WireType::Varint;
            const PACKABLE: bool = true;

            fn encode_value(&self, buf: &mut Vec<u8>) {
                let to_wire: fn($t) -> u64 = $to_wire;
                put_varint(buf, to_wire(*self));
            }

            fn decode_value(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
                let from_wire: fn(u64) -> $t = $from_wire;
                Ok(from_wire(reader.varint()?))
            }

            fn is_default(&self) -> bool {
                *self == <$t>::default()
            }

            fn absent() -> Option<Self> {
                Some(<$t>::default())
            }
        }
    };
}

// Protobuf's int32, int64, uint32 and uint64: negative values sign-extended to 64 bits, and a
// wider value read into a narrower field truncated, as every protobuf parser does.
varint_scalar!(bool, u64::from, |v| v != 0);
varint_scalar!(i32, |v| i64::from(v) as u64, |v| v as i32);
varint_scalar!(i64, |v| v as u64, |v| v as i64);
varint_scalar!(u32, u64::from, |v| v as u32);
varint_scalar!(u64, |v| v, |v| v);

impl ProtoValue for f64 {
    const WIRE_TYPE: WireType = WireType::Fixed64;
    const PACKABLE: bool = true;

    fn encode_value(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.to_bits().to_le_bytes());
    }

    fn decode_value(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(f64::from_bits(reader.fixed64()?))
    }

    fn is_default(&self) -> bool {
        // proto3 omits +0.0 only; -0.0 has a different bit pattern and is written.
        self.to_bits() == 0
    }

    fn absent() -> Option<Self> {
        Some(0.0)
    }
}

impl ProtoValue for String {
    const WIRE_TYPE: WireType = WireType::Len;

    fn encode_value(&self, buf: &mut Vec<u8>) {
        put_varint(buf, self.len() as u64);
        buf.extend_from_slice(self.as_bytes());
    }

    fn decode_value(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let bytes = reader.len_delimited()?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|e| DecodeError::new(format!("string field is not UTF-8: {e}")))
    }

    fn is_default(&self) -> bool {
        self.is_empty()
    }

    fn absent() -> Option<Self> {
        Some(String::new())
    }
}

impl ProtoValue for Vec<u8> {
    const WIRE_TYPE: WireType = WireType::Len;

    fn encode_value(&self, buf: &mut Vec<u8>) {
        put_varint(buf, self.len() as u64);
        buf.extend_from_slice(self);
    }

    fn decode_value(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(reader.len_delimited()?.to_vec())
    }

    fn is_default(&self) -> bool {
        self.is_empty()
    }

    fn absent() -> Option<Self> {
        Some(Vec::new())
    }
}

/// `google.protobuf.Timestamp`: `seconds = 1` (int64), `nanos = 2` (int32).
impl ProtoMessage for Timestamp {
    fn encode_fields(&self, buf: &mut Vec<u8>) {
        encode_field(buf, 1, &self.unix_seconds());
        encode_field(buf, 2, &(self.subsec_nanos() as i32));
    }

    fn decode_fields(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut seconds: Option<i64> = None;
        let mut nanos: Option<i32> = None;
        while let Some((number, wire)) = reader.next_field()? {
            match number {
                1 => merge_field(wire, reader, &mut seconds)?,
                2 => merge_field(wire, reader, &mut nanos)?,
                _ => reader.skip(wire)?,
            }
        }
        let seconds = seconds.unwrap_or(0);
        let nanos = nanos.unwrap_or(0);
        u32::try_from(nanos)
            .ok()
            .and_then(|n| Timestamp::from_unix(seconds, n))
            .ok_or_else(|| {
                DecodeError::new(format!(
                    "timestamp {seconds}s {nanos}ns is outside years 0000-9999 or invalid"
                ))
            })
    }
}

impl ProtoValue for Timestamp {
    const WIRE_TYPE: WireType = WireType::Len;

    fn encode_value(&self, buf: &mut Vec<u8>) {
        encode_nested(self, buf);
    }

    fn decode_value(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        decode_nested(reader)
    }

    fn absent_in_map() -> Result<Self, DecodeError> {
        decode_empty()
    }
}

/// A recursive field (`Box` in Rust) is the value it boxes on the wire.
impl<T: ProtoValue> ProtoValue for Box<T> {
    const WIRE_TYPE: WireType = T::WIRE_TYPE;
    const PACKABLE: bool = T::PACKABLE;

    fn encode_value(&self, buf: &mut Vec<u8>) {
        (**self).encode_value(buf);
    }

    fn decode_value(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        T::decode_value(reader).map(Box::new)
    }

    fn is_default(&self) -> bool {
        (**self).is_default()
    }

    fn absent() -> Option<Self> {
        T::absent().map(Box::new)
    }

    fn absent_in_map() -> Result<Self, DecodeError> {
        T::absent_in_map().map(Box::new)
    }
}

/// Starts a length-delimited value (a nested message, a wrapper message, a packed run) written
/// in place after a one-byte length; returns where the length is, for [`close_len`]. No buffer
/// per nested value, and not generic: every message type and field shares this code.
fn open_len(buf: &mut Vec<u8>) -> usize {
    buf.push(0);
    buf.len() - 1
}

/// Ends the value [`open_len`] started: writes its length, widening it (and moving the bytes
/// written) only when the value is 128 bytes or longer.
fn close_len(buf: &mut Vec<u8>, start: usize) {
    let len = buf.len() - start - 1;
    if len < 0x80 {
        buf[start] = len as u8;
    } else {
        let mut prefix = Vec::with_capacity(10);
        put_varint(&mut prefix, len as u64);
        buf.splice(start..=start, prefix);
    }
}

/// A length-delimited value made by `fields` ([`open_len`], [`close_len`]).
fn put_message(buf: &mut Vec<u8>, fields: impl FnOnce(&mut Vec<u8>)) {
    let start = open_len(buf);
    fields(buf);
    close_len(buf, start);
}

// Nested containers. Where .proto has no direct form for a container (a list element, a map
// value, a union variant, or an `optional` around a container), the emitted `.proto` declares a
// wrapper message with the container as its one field, numbered 1 (`conventions::proto_wrappers`
// in the compiler: `ListOfI32 { repeated int32 items = 1; }`, `MapOfDay { map<string, Day>
// entries = 1; }`, `OptionalOfString { optional string value = 1; }`). The wire form depends
// only on the container's shape, never on the wrapper's name, so the three impls below are that
// lowering for every element type, at every depth: a `Vec<Vec<T>>` field is `repeated ListOfT`.
// A container that is itself a struct field is not one of these: the generated codec writes it
// with `encode_repeated`, `encode_map` or `encode_optional`.

/// A list where .proto needs a message: the wrapper `ListOf<T> { repeated T items = 1; }`.
///
/// (`Vec<u8>` is `bytes`, above: `u8` is no `ProtoValue`, so the two never overlap.)
impl<T: ProtoValue> ProtoValue for Vec<T> {
    const WIRE_TYPE: WireType = WireType::Len;

    fn encode_value(&self, buf: &mut Vec<u8>) {
        let start = open_len(buf);
        encode_repeated(buf, 1, self);
        close_len(buf, start);
    }

    fn decode_value(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let r = &mut reader.enter()?;
        let mut items = Vec::new();
        while let Some((number, wire)) = r.next_field()? {
            match number {
                1 => merge_repeated(wire, r, &mut items)?,
                _ => r.skip(wire)?,
            }
        }
        Ok(items)
    }

    fn is_default(&self) -> bool {
        self.is_empty()
    }

    fn absent_in_map() -> Result<Self, DecodeError> {
        Ok(Vec::new())
    }
}

/// A map where .proto needs a message: the wrapper `MapOf<T> { map<string, T> entries = 1; }`.
impl<T: ProtoValue> ProtoValue for BTreeMap<String, T> {
    const WIRE_TYPE: WireType = WireType::Len;

    fn encode_value(&self, buf: &mut Vec<u8>) {
        let start = open_len(buf);
        encode_map(buf, 1, self);
        close_len(buf, start);
    }

    fn decode_value(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let r = &mut reader.enter()?;
        let mut entries = BTreeMap::new();
        while let Some((number, wire)) = r.next_field()? {
            match number {
                1 => merge_map(wire, r, &mut entries)?,
                _ => r.skip(wire)?,
            }
        }
        Ok(entries)
    }

    fn is_default(&self) -> bool {
        self.is_empty()
    }

    fn absent_in_map() -> Result<Self, DecodeError> {
        Ok(BTreeMap::new())
    }
}

/// An optional where .proto needs a message (a list element, a map value, a variant): the
/// wrapper `OptionalOf<T> { optional T value = 1; }`; `None` is the empty wrapper.
impl<T: ProtoValue> ProtoValue for Option<T> {
    const WIRE_TYPE: WireType = WireType::Len;

    fn encode_value(&self, buf: &mut Vec<u8>) {
        let start = open_len(buf);
        encode_optional(buf, 1, self);
        close_len(buf, start);
    }

    fn decode_value(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let r = &mut reader.enter()?;
        let mut value = None;
        while let Some((number, wire)) = r.next_field()? {
            match number {
                1 => merge_field(wire, r, &mut value)?,
                _ => r.skip(wire)?,
            }
        }
        Ok(value)
    }

    fn is_default(&self) -> bool {
        self.is_none()
    }

    fn absent_in_map() -> Result<Self, DecodeError> {
        Ok(None)
    }
}

// `any`: the `RosettaValue` message family of the emitted `.proto`, byte for byte what prost
// writes for it (tested against prost-build's messages in `tests/tests/kafka_dynamic.rs` and
// `grpc_shapes.rs`): a `oneof kind` with one case per `Value` variant, nil as
// `nil_value = true`, structs as ordered `RosettaMember { name = 1; value = 2; }` lists under
// `RosettaStruct { members = 1; }`, arrays as `RosettaArray { items = 1; }`.

/// `RosettaValue`, the `any` of the IDL: a message whose `oneof` says which variant it holds.
impl ProtoMessage for Value {
    fn encode_fields(&self, buf: &mut Vec<u8>) {
        match self {
            Value::Nil => encode_variant(buf, 1, &true),
            Value::Int(i) => encode_variant(buf, 2, i),
            Value::I8(i) => encode_variant(buf, 3, i),
            Value::Bool(b) => encode_variant(buf, 4, b),
            Value::Double(d) => encode_variant(buf, 5, d),
            Value::String(s) => encode_variant(buf, 6, s),
            Value::DateTime(t) => encode_variant(buf, 7, t),
            Value::Base64(b) => encode_variant(buf, 8, b),
            Value::Struct(members) => {
                put_key(buf, 9, WireType::Len);
                put_message(buf, |s| {
                    for (name, value) in members {
                        put_key(s, 1, WireType::Len);
                        put_message(s, |m| {
                            encode_field(m, 1, name);
                            encode_variant(m, 2, value);
                        });
                    }
                });
            }
            Value::Array(items) => {
                put_key(buf, 10, WireType::Len);
                put_message(buf, |a| encode_repeated(a, 1, items));
            }
        }
    }

    /// No case set (an empty message) is nil; the last case on the wire wins.
    fn decode_fields(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut value = Value::Nil;
        while let Some((number, wire)) = reader.next_field()? {
            value = match number {
                1 => decode_variant::<bool>(wire, reader).map(|_| Value::Nil)?,
                2 => Value::Int(decode_variant(wire, reader)?),
                3 => Value::I8(decode_variant(wire, reader)?),
                4 => Value::Bool(decode_variant(wire, reader)?),
                5 => Value::Double(decode_variant(wire, reader)?),
                6 => Value::String(decode_variant(wire, reader)?),
                7 => Value::DateTime(decode_variant(wire, reader)?),
                8 => Value::Base64(decode_variant(wire, reader)?),
                9 => {
                    expect_wire(wire, WireType::Len)?;
                    Value::Struct(reader.nested(decode_members)?)
                }
                10 => {
                    expect_wire(wire, WireType::Len)?;
                    Value::Array(reader.nested(|a| {
                        let mut items = Vec::new();
                        while let Some((number, wire)) = a.next_field()? {
                            match number {
                                1 => merge_repeated(wire, a, &mut items)?,
                                _ => a.skip(wire)?,
                            }
                        }
                        Ok(items)
                    })?)
                }
                _ => {
                    reader.skip(wire)?;
                    continue;
                }
            };
        }
        Ok(value)
    }
}

/// The members of a `RosettaStruct`, in wire order; a member without a value is nil.
fn decode_members(reader: &mut Reader<'_>) -> Result<Vec<(String, Value)>, DecodeError> {
    let mut members = Vec::new();
    while let Some((number, wire)) = reader.next_field()? {
        if number != 1 {
            reader.skip(wire)?;
            continue;
        }
        if wire != WireType::Len {
            return Err(DecodeError::new("a struct member must be length-delimited"));
        }
        members.push(reader.nested(|m| {
            let mut name: Option<String> = None;
            let mut value: Option<Value> = None;
            while let Some((number, wire)) = m.next_field()? {
                match number {
                    1 => merge_field(wire, m, &mut name)?,
                    2 => merge_field(wire, m, &mut value)?,
                    _ => m.skip(wire)?,
                }
            }
            Ok((name.unwrap_or_default(), value.unwrap_or(Value::Nil)))
        })?);
    }
    Ok(members)
}

/// An `any` field, list element or map value: a `RosettaValue` message. An absent `any` field
/// is nil (the absent-member rule); a present one is always written, nil included (as prost
/// writes a set message field).
impl ProtoValue for Value {
    const WIRE_TYPE: WireType = WireType::Len;

    fn encode_value(&self, buf: &mut Vec<u8>) {
        encode_nested(self, buf);
    }

    fn decode_value(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        decode_nested(reader)
    }

    fn absent() -> Option<Self> {
        Some(Value::Nil)
    }

    fn absent_in_map() -> Result<Self, DecodeError> {
        Ok(Value::Nil)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `message Item { string id = 1; int32 qty = 2; repeated int64 n = 3; map<string, double>
    /// m = 4; optional bool flag = 5; Timestamp at = 6; }`, written by hand.
    #[derive(Debug, PartialEq)]
    struct Item {
        id: String,
        qty: i32,
        n: Vec<i64>,
        m: BTreeMap<String, f64>,
        flag: Option<bool>,
        at: Timestamp,
    }

    impl ProtoMessage for Item {
        fn encode_fields(&self, buf: &mut Vec<u8>) {
            encode_field(buf, 1, &self.id);
            encode_field(buf, 2, &self.qty);
            encode_repeated(buf, 3, &self.n);
            encode_map(buf, 4, &self.m);
            encode_optional(buf, 5, &self.flag);
            encode_field(buf, 6, &self.at);
        }

        fn decode_fields(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
            let (mut id, mut qty, mut n, mut m, mut flag, mut at) =
                (None, None, Vec::new(), BTreeMap::new(), None, None);
            while let Some((number, wire)) = reader.next_field()? {
                match number {
                    1 => merge_field(wire, reader, &mut id)?,
                    2 => merge_field(wire, reader, &mut qty)?,
                    3 => merge_repeated(wire, reader, &mut n)?,
                    4 => merge_map(wire, reader, &mut m)?,
                    5 => merge_field(wire, reader, &mut flag)?,
                    6 => merge_field(wire, reader, &mut at)?,
                    _ => reader.skip(wire)?,
                }
            }
            Ok(Item {
                id: required(id, "Item.id")?,
                qty: required(qty, "Item.qty")?,
                n,
                m,
                flag,
                at: required(at, "Item.at")?,
            })
        }
    }

    fn item() -> Item {
        Item {
            id: "a".into(),
            qty: -1,
            n: vec![1, 300],
            m: BTreeMap::from([("k".to_string(), 1.5)]),
            flag: Some(false),
            at: Timestamp::from_unix(1, 5).expect("valid"),
        }
    }

    #[test]
    fn encodes_as_protobuf_does() {
        let bytes = encode(&item());
        let expected: Vec<u8> = [
            &[0x0a, 1, b'a'][..], // id
            &[
                0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ], // qty = -1
            &[0x1a, 3, 1, 0xac, 0x02], // n, packed
            &[0x22, 12, 0x0a, 1, b'k', 0x11, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f], // m
            &[0x28, 0],           // flag: present though false
            &[0x32, 4, 0x08, 1, 0x10, 5], // at
        ]
        .concat();
        assert_eq!(bytes, expected);
        assert_eq!(decode::<Item>(&bytes), Ok(item()));
    }

    #[test]
    fn defaults_are_omitted_and_read_back() {
        let empty = Item {
            id: String::new(),
            qty: 0,
            n: vec![],
            m: BTreeMap::new(),
            flag: None,
            at: Timestamp::UNIX_EPOCH,
        };
        // Only the required message field is written, as an empty message.
        assert_eq!(encode(&empty), [0x32, 0]);
        assert_eq!(decode::<Item>(&[0x32, 0]), Ok(empty));
    }

    #[test]
    fn accepts_unpacked_repeated_and_unknown_fields() {
        let bytes = [
            0x18, 7, 0x18, 8, // n unpacked
            0x45, 1, 2, 3, 4, // unknown fixed32 field 8
            0x32, 0, // at
        ];
        let item = decode::<Item>(&bytes).expect("valid");
        assert_eq!(item.n, [7, 8]);
    }

    #[test]
    fn refuses_what_cannot_be_a_value() {
        let cases: &[(&[u8], &str)] = &[
            (&[], "missing required field `Item.at`"),
            (&[0x0a, 5, b'a'], "length runs past"),
            (&[0x0a, 1, 0xff, 0x32, 0], "not UTF-8"),
            (&[0x10, 0x80], "truncated varint"),
            (&[0x0b], "groups"),
            (&[0x00], "invalid field number 0"),
            (&[0x0d, 1, 2, 3, 4, 0x32, 0], "wire type Fixed32"),
            (
                &[0x32, 6, 0x10, 0x80, 0x94, 0xeb, 0xdc, 0x03],
                "outside years",
            ),
        ];
        for (bytes, want) in cases {
            let err = decode::<Item>(bytes).expect_err("invalid");
            assert!(err.message().contains(want), "{bytes:?}: {err}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        #[derive(Debug)]
        struct Deep(Option<Box<Deep>>);
        impl ProtoMessage for Deep {
            fn encode_fields(&self, _: &mut Vec<u8>) {}
            fn decode_fields(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
                let mut inner = None;
                while let Some((_, wire)) = reader.next_field()? {
                    if wire != WireType::Len {
                        return Err(DecodeError::new("bad"));
                    }
                    inner = Some(Box::new(decode_nested::<Deep>(reader)?));
                }
                Ok(Deep(inner))
            }
        }
        // 200 levels of field 1 holding the next level.
        let mut bytes: Vec<u8> = Vec::new();
        for _ in 0..200 {
            let mut outer = vec![0x0a];
            put_varint(&mut outer, bytes.len() as u64);
            outer.extend_from_slice(&bytes);
            bytes = outer;
        }
        let shallow = decode::<Deep>(&[0x0a, 2, 0x0a, 0]).expect("two levels");
        assert!(shallow.0.is_some_and(|inner| inner.0.is_some()));
        let err = decode::<Deep>(&bytes).expect_err("too deep");
        assert!(err.message().contains("nested deeper"), "{err}");
    }

    #[test]
    fn an_any_nested_too_deep_is_refused_and_an_empty_one_is_nil() {
        // 200 `RosettaArray`s, each the only item of the one around it.
        let mut value = Value::Nil;
        for _ in 0..200 {
            value = Value::Array(vec![value]);
        }
        let err = decode::<Value>(&encode(&value)).expect_err("too deep");
        assert!(err.message().contains("nested deeper"), "{err}");
        assert_eq!(decode::<Value>(&[]), Ok(Value::Nil));
        // A member without a value is nil; an unknown case is skipped.
        let member = [0x4a, 5, 0x0a, 3, 0x0a, 1, b'k', 0xf8, 0x01, 1];
        assert_eq!(
            decode::<Value>(&member),
            Ok(Value::structure([("k", Value::Nil)]))
        );
    }

    #[test]
    fn nested_containers_are_wrapper_messages() {
        // `repeated ListOfI32 grid = 1` holding [[1, 2], []]: a wrapper with packed items, then
        // an empty wrapper.
        let grid: Vec<Vec<i32>> = vec![vec![1, 2], vec![]];
        let mut buf = Vec::new();
        encode_repeated(&mut buf, 1, &grid);
        assert_eq!(buf, [0x0a, 4, 0x0a, 2, 1, 2, 0x0a, 0]);
        let mut back: Vec<Vec<i32>> = Vec::new();
        let mut r = Reader::new(&buf);
        while let Some((_, wire)) = r.next_field().expect("field") {
            merge_repeated(wire, &mut r, &mut back).expect("item");
        }
        assert_eq!(back, grid);
        // `map<string, ListOfI32>`: an empty wrapper is left out of its entry, as prost does.
        let mut buf = Vec::new();
        encode_map(
            &mut buf,
            1,
            &BTreeMap::from([("a".to_string(), Vec::<i32>::new())]),
        );
        assert_eq!(buf, [0x0a, 3, 0x0a, 1, b'a']);
    }

    #[test]
    fn varints_round_trip_at_the_edges() {
        for v in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            let mut r = Reader::new(&buf);
            assert_eq!(r.varint(), Ok(v));
            assert!(r.is_empty());
        }
        // An eleventh byte, or a tenth above 1, overflows.
        assert!(Reader::new(&[0xff; 11]).varint().is_err());
        assert!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])
                .varint()
                .is_err()
        );
    }
}
