//! JSON helpers for generated types: `bytes` fields as standard base64 strings (the proto3 JSON
//! mapping's choice, and what OpenAPI's `format: byte` means), for each shape a field can have.
//!
//! Used as `#[serde(with = "...::json::bytes")]`; accepts padded or unpadded input on read.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde::{Deserialize, Deserializer, Serializer};

fn decode<E: serde::de::Error>(s: &str) -> Result<Vec<u8>, E> {
    STANDARD
        .decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .map_err(|e| E::custom(format!("invalid base64: {e}")))
}

/// `bytes`.
pub mod bytes {
    use super::*;

    /// Writes base64.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    /// Reads base64.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        decode(&s)
    }
}

/// `optional<bytes>`.
pub mod optional_bytes {
    use super::*;

    /// Writes base64 or null.
    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_some(&STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }

    /// Reads base64 or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let s = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
        s.map(|s| decode(&s)).transpose()
    }
}

/// `list<bytes>`.
pub mod list_bytes {
    use super::*;

    /// Writes an array of base64 strings.
    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|b| STANDARD.encode(b)))
    }

    /// Reads an array of base64 strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let v = <Vec<String>>::deserialize(d)?;
        v.iter().map(|s| decode(s)).collect()
    }
}

/// `map<string, bytes>`.
pub mod map_bytes {
    use super::*;

    /// Writes an object of base64 strings.
    pub fn serialize<S: Serializer>(
        v: &BTreeMap<String, Vec<u8>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(v.iter().map(|(k, b)| (k, STANDARD.encode(b))))
    }

    /// Reads an object of base64 strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Vec<u8>>, D::Error> {
        let v = <BTreeMap<String, String>>::deserialize(d)?;
        v.into_iter()
            .map(|(k, s)| decode::<D::Error>(&s).map(|b| (k, b)))
            .collect()
    }
}
