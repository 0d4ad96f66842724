//! A struct decodes only from an object, at every depth.
//!
//! serde's derived `Deserialize` for a struct accepts a map *or* a sequence (its fields in order),
//! so `{"stooges": [1, 2, 3]}` would read a `Stooges` struct from an array. No Rosetta protocol
//! sends a struct as an array, and OpenAPI/AsyncAPI say `type: object`, so accepting one would
//! make the server take what its own documents call invalid. Generated structs therefore derive
//! serde with `#[serde(remote = "Self")]` and implement `Deserialize` by calling that derived code
//! through [`ObjectOnly`], which turns the derive's `deserialize_struct` request into
//! `deserialize_map`: a self-describing format (serde_json, `serde_json::Value`) then refuses an
//! array with "invalid type: sequence, expected struct X". Each nested struct's own impl does the
//! same, so the rule holds at every depth, for REST and for Kafka's JSON alike.
//!
//! A wrapper rather than a hand-written visitor: the derive keeps doing everything else (renames,
//! defaults, unknown members ignored), so this is the one place the rule lives.

use serde::Deserializer;
use serde::de::Visitor;

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
}
