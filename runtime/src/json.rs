//! JSON helpers for generated types:
//!
//! - `bytes` fields as standard base64 strings (the proto3 JSON mapping's choice, and what
//!   OpenAPI's `format: byte` means), for each shape a field can have. Used as
//!   `#[serde(with = "...::json::bytes")]`; accepts padded or unpadded input on read.
//! - integer fields read exactly from their decimal text ([`exact`], [`parse_integer`]): `10`,
//!   `1e1` and `2.0` are integers (JSON Schema counts `2.0` as one), `9007199254740993.0` is
//!   9007199254740993, and `2.5`, `9007199254740992.4` or `1.00000000000000001` are refused:
//!   never a different number than the one written.

use std::collections::BTreeMap;

use std::marker::PhantomData;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serializer};

fn decode<E: serde::de::Error>(s: &str) -> Result<Vec<u8>, E> {
    STANDARD
        .decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .map_err(|e| E::custom(format!("invalid base64: {e}")))
}

/// `bytes` in every shape a field can have — `bytes`, `optional<bytes>`, `list<bytes>`,
/// `map<string, bytes>` and any nesting of them (`list<list<bytes>>`, `map<string,
/// list<bytes>>`, ...): each byte string is a standard base64 string, wherever it sits. Generated
/// types put `#[serde(with = "...::json::bytes")]` on every field whose innermost type is
/// `bytes`; one generic module rather than one per shape, so no depth is left as an array of
/// numbers.
pub mod bytes {
    use super::*;
    use serde::Serialize;

    /// Writes every byte string in `v` as base64.
    pub fn serialize<T: Base64Bytes, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.serialize_base64(s)
    }

    /// Reads every byte string in the value from base64 (padded or not).
    pub fn deserialize<'de, T: Base64Bytes, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::deserialize_base64(d)
    }

    /// Types whose byte strings [`serialize`] and [`deserialize`] write as base64: `Vec<u8>`
    /// and options, lists and string-keyed maps of them, at any depth.
    pub trait Base64Bytes: Sized {
        /// Writes `self`, each byte string as base64.
        fn serialize_base64<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
        /// Reads `Self`, each byte string from base64.
        fn deserialize_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
    }

    /// [`deserialize`] as a seed: a generated struct's `Deserialize` reads a bytes field with
    /// `next_value_seed(Seed::new())`, one generic seed instead of a wrapper type per field.
    pub struct Seed<T>(PhantomData<T>);

    impl<T> Seed<T> {
        /// The seed.
        #[inline]
        pub const fn new() -> Self {
            Seed(PhantomData)
        }
    }

    impl<T> Default for Seed<T> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<'de, T: Base64Bytes> DeserializeSeed<'de> for Seed<T> {
        type Value = T;

        #[inline]
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
            T::deserialize_base64(d)
        }
    }

    /// One level of a value, for serde's `Serialize` / `Deserialize` of the level around it.
    struct Level<T>(T);

    impl<T: Base64Bytes> Serialize for Level<&T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.serialize_base64(s)
        }
    }

    impl<'de, T: Base64Bytes> Deserialize<'de> for Level<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            T::deserialize_base64(d).map(Level)
        }
    }

    /// The byte string itself (`u8` is no `Base64Bytes`, so this and `Vec<T>` never overlap).
    impl Base64Bytes for Vec<u8> {
        fn serialize_base64<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&STANDARD.encode(self))
        }

        fn deserialize_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            decode(&s)
        }
    }

    /// `null` or the value.
    impl<T: Base64Bytes> Base64Bytes for Option<T> {
        fn serialize_base64<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Some(v) => s.serialize_some(&Level(v)),
                None => s.serialize_none(),
            }
        }

        fn deserialize_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(<Option<Level<T>>>::deserialize(d)?.map(|l| l.0))
        }
    }

    /// An array.
    impl<T: Base64Bytes> Base64Bytes for Vec<T> {
        fn serialize_base64<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.iter().map(Level))
        }

        fn deserialize_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(<Vec<Level<T>>>::deserialize(d)?
                .into_iter()
                .map(|l| l.0)
                .collect())
        }
    }

    /// An object.
    impl<T: Base64Bytes> Base64Bytes for BTreeMap<String, T> {
        fn serialize_base64<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.iter().map(|(k, v)| (k, Level(v))))
        }

        fn deserialize_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(<BTreeMap<String, Level<T>>>::deserialize(d)?
                .into_iter()
                .map(|(k, l)| (k, l.0))
                .collect())
        }
    }
}

/// Why a number's text is not an integer of the wanted type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegerError {
    /// Not a number at all (`"x"`, `null`, `{}`).
    NotANumber,
    /// A number with a fractional part (`2.5`, `1.00000000000000001`).
    NotAnInteger,
    /// An integer beyond ±2^127 (the type's own range is checked by the caller).
    OutOfRange,
}

/// The exact integer a JSON number's text (`-12`, `1e3`, `2.0`, `9007199254740993.0`) denotes,
/// from its decimal digits: no float is involved, so nothing is rounded. A leading `+` is taken
/// (query strings write it); surrounding whitespace is not.
pub fn parse_integer(text: &str) -> Result<i128, IntegerError> {
    let b = text.as_bytes();
    let (negative, rest) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let int_len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    let (int_digits, rest) = rest.split_at(int_len);
    let (frac_digits, rest) = match rest.strip_prefix(b".") {
        Some(r) => {
            let n = r.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(IntegerError::NotANumber);
            }
            r.split_at(n)
        }
        None => (&rest[..0], rest),
    };
    if int_digits.is_empty() {
        return Err(IntegerError::NotANumber);
    }
    // The exponent, saturated: anything past ±10^6 is as good as infinite here.
    let exponent: i64 = match rest.first() {
        None => 0,
        Some(b'e' | b'E') => {
            let e = &rest[1..];
            let (sign, digits) = match e.first() {
                Some(b'-') => (-1, &e[1..]),
                Some(b'+') => (1, &e[1..]),
                _ => (1, e),
            };
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(IntegerError::NotANumber);
            }
            let magnitude = digits.iter().fold(0i64, |acc, d| {
                (acc * 10 + i64::from(d - b'0')).min(1_000_000)
            });
            sign * magnitude
        }
        Some(_) => return Err(IntegerError::NotANumber),
    };
    // value = digits × 10^scale, with the digits' leading and trailing zeros removed.
    let all = int_digits.iter().chain(frac_digits).copied();
    let digits: Vec<u8> = all.skip_while(|&d| d == b'0').collect();
    let trailing = digits.iter().rev().take_while(|&&d| d == b'0').count();
    let significant = &digits[..digits.len() - trailing];
    if significant.is_empty() {
        return Ok(0);
    }
    let scale = exponent - frac_digits.len() as i64 + trailing as i64;
    if scale < 0 {
        // The last non-zero digit sits after the decimal point.
        return Err(IntegerError::NotAnInteger);
    }
    // i128 holds 38 full decimal digits.
    if significant.len() as i64 + scale > 39 {
        return Err(IntegerError::OutOfRange);
    }
    let mut v: i128 = 0;
    for d in significant {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(d - b'0')))
            .ok_or(IntegerError::OutOfRange)?;
    }
    for _ in 0..scale {
        v = v.checked_mul(10).ok_or(IntegerError::OutOfRange)?;
    }
    Ok(if negative { -v } else { v })
}

/// Integer fields, in every shape a field can have (`u64`, `Option<i32>`, `Vec<u32>`,
/// `BTreeMap<String, i64>`, nested), read exactly: `#[serde(deserialize_with =
/// "...::json::exact")]`, which generated types put on every field holding integers.
///
/// From serde_json (with its `raw_value` feature, which Rosetta turns on) each integer is read
/// from the number's own text by [`parse_integer`], so `9007199254740993.0` is 9007199254740993
/// and `9007199254740992.4` is an error, where the float serde_json would hand over is
/// 9007199254740992 for both. From other formats, integers are taken as they come and floats only
/// when integral and within ±2^53, where every integer is exactly a float.
pub fn exact<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: ExactIntegers,
{
    T::deserialize_exact(d)
}

/// Types [`exact`] reads: the integer types and containers of them.
pub trait ExactIntegers: Sized {
    /// Reads `Self`, every integer in it exactly.
    fn deserialize_exact<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// The newtype name serde_json answers with a value's source text (its `RawValue` asks with it;
/// serde_json 1.x keeps it stable since `RawValue` of older versions depends on it).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// The largest integer every float below it represents exactly (2^53).
const EXACT_FLOAT_INTEGERS: f64 = 9_007_199_254_740_992.0;

macro_rules! exact_integers {
    ($($t:ty),*) => {$(
        impl ExactIntegers for $t {
            fn deserialize_exact<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_newtype_struct(RAW_VALUE_TOKEN, IntVisitor::<$t>(PhantomData))
            }
        }
    )*};
}
exact_integers!(i8, i16, i32, i64, i128, u8, u16, u32, u64, u128);

struct IntVisitor<T>(PhantomData<T>);

impl<T: TryFrom<i128>> IntVisitor<T> {
    fn exact<E: serde::de::Error>(v: i128) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::custom(out_of_range::<T>(&v.to_string())))
    }

    /// The integer a number's text denotes, or why not (as a message: the error is raised by the
    /// caller, so an error path stops at the field, not inside serde_json's raw-value entry).
    fn text(text: &str) -> Result<T, String> {
        let shown: String = text.chars().take(48).collect();
        match parse_integer(text) {
            Ok(v) => T::try_from(v).map_err(|_| out_of_range::<T>(&shown)),
            Err(IntegerError::NotAnInteger) => Err(format!(
                "expected an integer, got {shown} (not a whole number)"
            )),
            Err(IntegerError::OutOfRange) => Err(out_of_range::<T>(&shown)),
            Err(IntegerError::NotANumber) => Err(format!("expected an integer, got {shown}")),
        }
    }
}

fn out_of_range<T>(shown: &str) -> String {
    format!("{shown} is out of range for {}", std::any::type_name::<T>())
}

impl<'de, T: TryFrom<i128>> Visitor<'de> for IntVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an integer")
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
        Self::exact(i128::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
        Self::exact(i128::from(v))
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<T, E> {
        Self::exact(v)
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<T, E> {
        Self::exact(i128::try_from(v).map_err(|_| E::custom(format_args!("{v} is out of range")))?)
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
        if v.fract() == 0.0 && v.abs() <= EXACT_FLOAT_INTEGERS {
            Self::exact(v as i128)
        } else {
            Err(E::custom(format_args!(
                "expected an integer, got {v} (not a whole number, or not exact)"
            )))
        }
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        // A deserializer that does not know the raw-value token: take the value as it comes.
        d.deserialize_any(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        // serde_json's answer to the raw-value token: one entry, the token and the source text.
        match map.next_key_seed(IsToken)? {
            Some(true) => map
                .next_value_seed(RawText::<T>(PhantomData))?
                .map_err(serde::de::Error::custom),
            _ => Err(serde::de::Error::custom(
                "expected an integer, got an object",
            )),
        }
    }
}

/// Whether a map key is [`RAW_VALUE_TOKEN`] (read without allocating).
struct IsToken;

impl<'de> DeserializeSeed<'de> for IsToken {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for IsToken {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == RAW_VALUE_TOKEN)
    }
}

/// A value's source text, parsed as an integer where it is read (no copy).
struct RawText<T>(PhantomData<T>);

impl<'de, T: TryFrom<i128>> DeserializeSeed<'de> for RawText<T> {
    type Value = Result<T, String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, T: TryFrom<i128>> Visitor<'de> for RawText<T> {
    type Value = Result<T, String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the text of a JSON number")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(IntVisitor::<T>::text(v))
    }
}

impl<T: ExactIntegers> ExactIntegers for Option<T> {
    fn deserialize_exact<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: ExactIntegers> Visitor<'de> for V<T> {
            type Value = Option<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an integer or null")
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
                T::deserialize_exact(d).map(Some)
            }
        }
        d.deserialize_option(V(PhantomData))
    }
}

/// Reads a `T` with [`ExactIntegers`]: [`exact`] as a seed, for a container's elements and for
/// an integer field of a generated struct (its `Deserialize` reads the field's value with
/// `next_value_seed(Exact::new())`, one generic seed instead of a wrapper type per field).
pub struct Exact<T>(PhantomData<T>);

impl<T> Exact<T> {
    /// The seed.
    #[inline]
    pub const fn new() -> Self {
        Exact(PhantomData)
    }
}

impl<T> Default for Exact<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'de, T: ExactIntegers> DeserializeSeed<'de> for Exact<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize_exact(d)
    }
}

impl<T: ExactIntegers> ExactIntegers for Vec<T> {
    fn deserialize_exact<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: ExactIntegers> Visitor<'de> for V<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of integers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                // The hint comes from the input: cap it.
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(v) = seq.next_element_seed(Exact::<T>(PhantomData))? {
                    out.push(v);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

impl<K, T> ExactIntegers for BTreeMap<K, T>
where
    K: for<'a> Deserialize<'a> + Ord,
    T: ExactIntegers,
{
    fn deserialize_exact<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<K, T>(PhantomData<(K, T)>);
        impl<'de, K: for<'a> Deserialize<'a> + Ord, T: ExactIntegers> Visitor<'de> for V<K, T> {
            type Value = BTreeMap<K, T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of integers")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BTreeMap<K, T>, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(k) = map.next_key::<K>()? {
                    let v = map.next_value_seed(Exact::<T>(PhantomData))?;
                    out.insert(k, v);
                }
                Ok(out)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// Deserializes `T` from JSON bytes; an error names the field it is about (`price.amount_minor:
/// ...`), which serde_json's own errors do not. What REST bodies and Kafka JSON values use.
#[cfg(any(feature = "server", feature = "kafka", feature = "xmlrpc"))]
pub fn from_slice<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| JsonError {
        path: e.path().to_string(),
        inner: e.into_inner(),
    })?;
    de.end().map_err(|inner| JsonError {
        path: String::new(),
        inner,
    })?;
    Ok(value)
}

/// A JSON text that did not deserialize, with the path of the field it is about.
#[cfg(any(feature = "server", feature = "kafka", feature = "xmlrpc"))]
#[derive(Debug)]
pub struct JsonError {
    path: String,
    inner: serde_json::Error,
}

#[cfg(any(feature = "server", feature = "kafka", feature = "xmlrpc"))]
impl JsonError {
    /// The field the error is about (`price.amount_minor`, `items[2]`); empty for the whole text
    /// or a syntax error.
    pub fn path(&self) -> &str {
        if self.path == "." { "" } else { &self.path }
    }

    /// serde_json's error: its category, line and column.
    pub fn inner(&self) -> &serde_json::Error {
        &self.inner
    }
}

#[cfg(any(feature = "server", feature = "kafka", feature = "xmlrpc"))]
impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.path() {
            "" => write!(f, "{}", self.inner),
            path => write!(f, "`{path}`: {}", self.inner),
        }
    }
}

#[cfg(any(feature = "server", feature = "kafka", feature = "xmlrpc"))]
impl std::error::Error for JsonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Blobs {
        #[serde(with = "bytes")]
        one: Vec<u8>,
        #[serde(with = "bytes", default)]
        grid: Vec<Vec<Vec<u8>>>,
        #[serde(with = "bytes", default)]
        index: BTreeMap<String, Vec<Option<Vec<u8>>>>,
        #[serde(with = "bytes", default, skip_serializing_if = "Option::is_none")]
        maybe: Option<Vec<Vec<u8>>>,
    }

    #[test]
    fn bytes_are_base64_at_every_depth() {
        let v = Blobs {
            one: vec![0, 1, 255],
            grid: vec![vec![b"hi".to_vec(), vec![]], vec![]],
            index: BTreeMap::from([("k".to_string(), vec![Some(vec![0]), None])]),
            maybe: Some(vec![vec![255]]),
        };
        let text = serde_json::to_string(&v).expect("serialize");
        assert_eq!(
            text,
            r#"{"one":"AAH/","grid":[["aGk=",""],[]],"index":{"k":["AA==",null]},"maybe":["/w=="]}"#
        );
        assert_eq!(serde_json::from_str::<Blobs>(&text).expect("read back"), v);
        // Unpadded base64 reads too; numbers where base64 belongs do not.
        let unpadded: Blobs =
            serde_json::from_str(r#"{"one":"AAH/","grid":[["aGk"]]}"#).expect("unpadded");
        assert_eq!(unpadded.grid, [[b"hi".to_vec()]]);
        let err =
            serde_json::from_str::<Blobs>(r#"{"one":"","grid":[[[1,2]]]}"#).expect_err("numbers");
        assert!(err.to_string().contains("expected a string"), "{err}");
    }

    #[test]
    fn integers_are_read_from_their_text() {
        assert_eq!(parse_integer("10"), Ok(10));
        assert_eq!(parse_integer("1e1"), Ok(10));
        assert_eq!(parse_integer("2.0"), Ok(2));
        assert_eq!(parse_integer("-0.0"), Ok(0));
        assert_eq!(parse_integer("1.5e1"), Ok(15));
        assert_eq!(parse_integer("1500e-2"), Ok(15));
        assert_eq!(parse_integer("0e999999999999"), Ok(0));
        assert_eq!(
            parse_integer("9007199254740993.0"),
            Ok(9_007_199_254_740_993)
        );
        assert_eq!(
            parse_integer("-170141183460469231731687303715884105728"),
            Err(IntegerError::OutOfRange)
        );
        assert_eq!(
            parse_integer("9223372036854775808"),
            Ok(9_223_372_036_854_775_808)
        );
        for not in [
            "9007199254740992.4",
            "9007199254740991.5",
            "1.00000000000000001",
            "15e-1",
        ] {
            assert_eq!(parse_integer(not), Err(IntegerError::NotAnInteger), "{not}");
        }
        assert_eq!(parse_integer("1e400"), Err(IntegerError::OutOfRange));
        for bad in ["", "-", "1.", ".5", "1e", "x", "\"1\"", "null", "1 "] {
            assert_eq!(parse_integer(bad), Err(IntegerError::NotANumber), "{bad}");
        }
    }
}
