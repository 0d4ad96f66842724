//! The message an rpc's answer travels in: the domain type itself when it is a message (a
//! struct, union or error), or `<Rpc>Response { result = 1 }` around any other value, as the
//! emitted `.proto` declares it. The wrapper's wire form depends only on the value's shape, so
//! four generic types serve every rpc: [`Reply`] (a singular value), [`ReplyList`],
//! [`ReplyMap`] and [`ReplyOptional`].

use std::collections::BTreeMap;

use crate::proto::{
    self, DecodeError, ProtoMessage, ProtoValue, Reader, encode_field, encode_map, encode_optional,
    encode_repeated, merge_field, merge_map, merge_repeated,
};

/// The name the response wrappers give their one field.
const RESULT: &str = "result";

/// The message `M` that carries an rpc's value of type `D` on the wire.
pub trait Carries<D>: ProtoMessage {
    /// The message holding `value`.
    fn wrap(value: D) -> Self;
    /// The value the message holds.
    fn unwrap(self) -> D;
}

/// A message carries itself.
impl<M: ProtoMessage> Carries<M> for M {
    #[inline]
    fn wrap(value: M) -> Self {
        value
    }

    #[inline]
    fn unwrap(self) -> M {
        self
    }
}

/// `{ T result = 1; }`: a scalar, enum, timestamp or `any` (absent is its default, or missing
/// when it has none).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply<T>(pub T);

/// `{ repeated T result = 1; }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyList<T>(pub Vec<T>);

/// `{ map<string, T> result = 1; }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyMap<T>(pub BTreeMap<String, T>);

/// `{ optional T result = 1; }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyOptional<T>(pub Option<T>);

/// Reads the fields of a wrapper: `merge` takes field 1, others are skipped.
fn read_result(
    reader: &mut Reader<'_>,
    mut merge: impl FnMut(proto::WireType, &mut Reader<'_>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    while let Some((number, wire)) = reader.next_field()? {
        match number {
            1 => merge(wire, reader).map_err(|e| e.at_field(RESULT))?,
            _ => reader.skip(wire)?,
        }
    }
    Ok(())
}

impl<T: ProtoValue> ProtoMessage for Reply<T> {
    fn encode_fields(&self, buf: &mut Vec<u8>) {
        encode_field(buf, 1, &self.0);
    }

    fn decode_fields(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut slot = None;
        read_result(reader, |wire, r| merge_field(wire, r, &mut slot))?;
        proto::required(slot, "Response.result").map(Reply)
    }
}

impl<T: ProtoValue> ProtoMessage for ReplyList<T> {
    fn encode_fields(&self, buf: &mut Vec<u8>) {
        encode_repeated(buf, 1, &self.0);
    }

    fn decode_fields(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut items = Vec::new();
        read_result(reader, |wire, r| merge_repeated(wire, r, &mut items))?;
        Ok(ReplyList(items))
    }
}

impl<T: ProtoValue> ProtoMessage for ReplyMap<T> {
    fn encode_fields(&self, buf: &mut Vec<u8>) {
        encode_map(buf, 1, &self.0);
    }

    fn decode_fields(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut entries = BTreeMap::new();
        read_result(reader, |wire, r| merge_map(wire, r, &mut entries))?;
        Ok(ReplyMap(entries))
    }
}

impl<T: ProtoValue> ProtoMessage for ReplyOptional<T> {
    fn encode_fields(&self, buf: &mut Vec<u8>) {
        encode_optional(buf, 1, &self.0);
    }

    fn decode_fields(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut value = None;
        read_result(reader, |wire, r| merge_field(wire, r, &mut value))?;
        Ok(ReplyOptional(value))
    }
}

impl<T: ProtoValue> Carries<T> for Reply<T> {
    #[inline]
    fn wrap(value: T) -> Self {
        Reply(value)
    }

    #[inline]
    fn unwrap(self) -> T {
        self.0
    }
}

impl<T: ProtoValue> Carries<Vec<T>> for ReplyList<T> {
    #[inline]
    fn wrap(value: Vec<T>) -> Self {
        ReplyList(value)
    }

    #[inline]
    fn unwrap(self) -> Vec<T> {
        self.0
    }
}

impl<T: ProtoValue> Carries<BTreeMap<String, T>> for ReplyMap<T> {
    #[inline]
    fn wrap(value: BTreeMap<String, T>) -> Self {
        ReplyMap(value)
    }

    #[inline]
    fn unwrap(self) -> BTreeMap<String, T> {
        self.0
    }
}

impl<T: ProtoValue> Carries<Option<T>> for ReplyOptional<T> {
    #[inline]
    fn wrap(value: Option<T>) -> Self {
        ReplyOptional(value)
    }

    #[inline]
    fn unwrap(self) -> Option<T> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrappers_round_trip_and_name_their_field() {
        let list = ReplyList(vec![1i64, -2, 3]);
        assert_eq!(
            proto::decode::<ReplyList<i64>>(&proto::encode(&list)),
            Ok(list)
        );
        let map = ReplyMap([("a".to_string(), "b".to_string())].into());
        assert_eq!(
            proto::decode::<ReplyMap<String>>(&proto::encode(&map)),
            Ok(map)
        );
        let none = ReplyOptional::<u32>(None);
        assert!(proto::encode(&none).is_empty());
        assert_eq!(proto::decode::<ReplyOptional<u32>>(&[]), Ok(none));
        let zero = ReplyOptional(Some(0u32));
        assert_eq!(proto::encode(&zero), [0x08, 0]);
        assert_eq!(proto::decode::<Reply<i64>>(&[]), Ok(Reply(0)));
        // `result` holds a string that is not UTF-8.
        let err = proto::decode::<Reply<String>>(&[0x0a, 1, 0xff]).unwrap_err();
        assert_eq!(err.field_path(), "result");
    }
}
