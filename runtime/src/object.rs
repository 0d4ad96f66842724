//! A struct decodes only from an object, at every depth; and the one key reader generated
//! structs' `Deserialize` impls share.
//!
//! serde's derived `Deserialize` for a struct accepts a map *or* a sequence (its fields in order),
//! so `{"stooges": [1, 2, 3]}` would read a `Stooges` struct from an array. No Rosetta protocol
//! sends a struct as an array, and OpenAPI/AsyncAPI say `type: object`, so accepting one would
//! make the server take what its own documents call invalid. A generated struct's `Deserialize`
//! (written by the `#[__model]` attribute) therefore asks its deserializer for a map: a
//! self-describing format (serde_json, `serde_json::Value`) then refuses an array with "invalid
//! type: sequence, expected struct X". Each nested struct's own impl does the same, so the rule
//! holds at every depth, for REST and for Kafka's JSON alike.
//!
//! That impl is compact: no per-struct field enum and field visitor as serde's derive writes, but
//! one [`Fields`] seeded with the struct's field names, which turns each key into its index, and
//! a `match` on the index that reads the field. The messages are serde's own (`missing field`,
//! `duplicate field`, `unknown field` under `deny_unknown_fields`), raised at the same points.
//!
//! A struct whose serde attributes `#[__model]` does not handle (a user's `alias`, `flatten`,
//! ...) keeps serde's derive with `#[serde(remote = "Self")]`, and its `Deserialize` calls that
//! derived code through [`ObjectOnly`], which turns the derive's `deserialize_struct` request
//! into `deserialize_map`.

use serde::Deserializer;
use serde::de::{DeserializeSeed, Visitor};

/// A deserializer that asks for a map wherever a struct is asked for; everything else is passed
/// through unchanged.
pub struct ObjectOnly<D>(pub D);

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method($($arg,)* visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    /// The one change: a struct is read as a map, never as a sequence.
    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    forward! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    #[inline]
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// The field names of a struct being read, as a seed for its keys: each key becomes the index of
/// the field it names, or `None` for a key that names none (whose value the caller skips).
///
/// What serde's derive writes per struct (a field enum and a visitor over `u64`, `str` and bytes
/// keys) written once. Keys usually come in declaration order, so the field after the last one
/// found is tried first.
pub struct Fields {
    names: &'static [&'static str],
    deny_unknown: bool,
    next: usize,
}

impl Fields {
    /// The fields `names` (wire names, in declaration order); with `deny_unknown`, a key that
    /// names no field is an error (`#[serde(deny_unknown_fields)]`).
    #[inline]
    pub const fn new(names: &'static [&'static str], deny_unknown: bool) -> Self {
        Fields {
            names,
            deny_unknown,
            next: 0,
        }
    }

    /// The index of the field named `key`.
    #[inline]
    fn find(&mut self, key: &[u8]) -> Option<usize> {
        let found = match self.names.get(self.next) {
            Some(n) if n.as_bytes() == key => Some(self.next),
            _ => self.names.iter().position(|n| n.as_bytes() == key),
        };
        if let Some(i) = found {
            self.next = i + 1;
        }
        found
    }
}

impl<'de> DeserializeSeed<'de> for &mut Fields {
    type Value = Option<usize>;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

/// serde's expectation for a field index out of range, worded as its derive words it.
struct IndexRange(usize);

impl serde::de::Expected for IndexRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "field index 0 <= i < {}", self.0)
    }
}

impl<'de> Visitor<'de> for &mut Fields {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Option<usize>, E> {
        match usize::try_from(v) {
            Ok(i) if i < self.names.len() => Ok(Some(i)),
            _ if self.deny_unknown => Err(E::invalid_value(
                serde::de::Unexpected::Unsigned(v),
                &IndexRange(self.names.len()),
            )),
            _ => Ok(None),
        }
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        match self.find(v.as_bytes()) {
            None if self.deny_unknown => Err(E::unknown_field(v, self.names)),
            found => Ok(found),
        }
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Option<usize>, E> {
        match self.find(v) {
            None if self.deny_unknown => {
                Err(E::unknown_field(&String::from_utf8_lossy(v), self.names))
            }
            found => Ok(found),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(remote = "Self")]
    struct Stooges {
        moe: i32,
        #[serde(default)]
        curly: Vec<i32>,
    }

    impl<'de> serde::Deserialize<'de> for Stooges {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Stooges::deserialize(ObjectOnly(d))
        }
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Outer {
        stooges: Vec<Stooges>,
    }

    #[test]
    fn objects_decode_and_arrays_are_refused_at_every_depth() {
        let ok: Stooges = serde_json::from_str(r#"{"moe": 1, "extra": true}"#).unwrap();
        assert_eq!(
            ok,
            Stooges {
                moe: 1,
                curly: vec![]
            }
        );
        let e = serde_json::from_str::<Stooges>("[1, [2]]").unwrap_err();
        assert!(e.to_string().contains("invalid type: sequence"), "{e}");
        let e = serde_json::from_str::<Outer>(r#"{"stooges": [{"moe": 1}, [2]]}"#).unwrap_err();
        assert!(e.to_string().contains("invalid type: sequence"), "{e}");
        let v = serde_json::json!({"stooges": [[1]]});
        assert!(serde_json::from_value::<Outer>(v).is_err());
    }

    /// The key reader on every kind of key serde's derived field visitor takes: names (as text
    /// and as bytes), indexes, unknown ones, with and without `deny_unknown_fields`.
    #[test]
    fn fields_turn_keys_into_indexes_as_serdes_field_visitor_does() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{BytesDeserializer, Error};
        const NAMES: &[&str] = &["moe", "larry", "curly"];
        let mut fields = Fields::new(NAMES, false);
        let mut key = |k: &str| (&mut fields).deserialize(k.into_deserializer());
        let found: Vec<Result<Option<usize>, Error>> =
            ["moe", "curly", "larry", "shemp", "moe", ""]
                .map(&mut key)
                .into();
        assert_eq!(
            found,
            [Some(0), Some(2), Some(1), None, Some(0), None].map(Ok)
        );
        let mut fields = Fields::new(NAMES, false);
        let index = |f: &mut Fields, i: u64| f.deserialize(i.into_deserializer());
        assert_eq!(index(&mut fields, 2), Ok::<_, Error>(Some(2)));
        assert_eq!(index(&mut fields, 3), Ok::<_, Error>(None));
        let bytes = |f: &mut Fields, b: &[u8]| f.deserialize(BytesDeserializer::<Error>::new(b));
        assert_eq!(bytes(&mut fields, b"larry"), Ok(Some(1)));
        assert_eq!(bytes(&mut fields, b"\xff"), Ok(None));

        let mut strict = Fields::new(NAMES, true);
        let e = (&mut strict)
            .deserialize("shemp".into_deserializer())
            .map_err(|e: Error| e.to_string());
        assert_eq!(
            e,
            Err("unknown field `shemp`, expected one of `moe`, `larry`, `curly`".into())
        );
        assert_eq!(
            index(&mut strict, 3).map_err(|e: Error| e.to_string()),
            Err("invalid value: integer `3`, expected field index 0 <= i < 3".into())
        );
        assert_eq!(
            bytes(&mut strict, b"sh\xffmp").map_err(|e| e.to_string()),
            Err("unknown field `sh\u{fffd}mp`, expected one of `moe`, `larry`, `curly`".into())
        );
        let e = (&mut Fields::new(&[], true))
            .deserialize("moe".into_deserializer())
            .map_err(|e: Error| e.to_string());
        assert_eq!(e, Err("unknown field `moe`, there are no fields".into()));
    }
}
