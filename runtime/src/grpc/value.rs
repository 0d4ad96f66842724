//! The protobuf form of the IDL's `any` ([`crate::Value`]): the `RosettaValue` message family.
//!
//! Every package whose `.proto` uses `any` declares these four messages (the proto emitter writes
//! them); the `Builder` maps them to the types here, so the conversion is written and tested once:
//!
//! ```proto
//! message RosettaValue {
//!   oneof kind {
//!     bool nil_value = 1;                          // always true when set
//!     int32 int_value = 2;                         // <int> / <i4>
//!     int64 i8_value = 3;                          // <i8>
//!     bool bool_value = 4;
//!     double double_value = 5;
//!     string string_value = 6;
//!     google.protobuf.Timestamp datetime_value = 7;
//!     bytes base64_value = 8;
//!     RosettaStruct struct_value = 9;
//!     RosettaArray array_value = 10;
//!   }
//! }
//! message RosettaStruct { repeated RosettaMember members = 1; }
//! message RosettaMember { string name = 1; RosettaValue value = 2; }
//! message RosettaArray { repeated RosettaValue items = 1; }
//! ```
//!
//! Not `google.protobuf.Value`: it has one number type (a double), so it loses int vs double,
//! `<int>` vs `<i8>` and every integer above 2^53, and it has no bytes and no date-time. A struct
//! is a list of members, not a `map`, so member order (and a repeated name) survives, as it does
//! on XML-RPC. A `RosettaValue` with no case set (and an absent `any` field) is nil.

use crate::grpc::convert::{FromProto, IntoProto, timestamp_from_proto, timestamp_into_proto};
use crate::validate::{Path, Violation};
use crate::value::Value;

/// `RosettaValue`: one dynamic value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RosettaValue {
    /// The value; `None` is nil.
    #[prost(oneof = "rosetta_value::Kind", tags = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10")]
    pub kind: Option<rosetta_value::Kind>,
}

/// The `oneof` of [`RosettaValue`].
pub mod rosetta_value {
    /// One case per [`crate::Value`] variant.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Kind {
        /// Nil (the flag is always `true`).
        #[prost(bool, tag = "1")]
        NilValue(bool),
        /// `<int>`.
        #[prost(int32, tag = "2")]
        IntValue(i32),
        /// `<i8>`.
        #[prost(int64, tag = "3")]
        I8Value(i64),
        /// `<boolean>`.
        #[prost(bool, tag = "4")]
        BoolValue(bool),
        /// `<double>`.
        #[prost(double, tag = "5")]
        DoubleValue(f64),
        /// `<string>`.
        #[prost(string, tag = "6")]
        StringValue(String),
        /// `<dateTime.iso8601>`.
        #[prost(message, tag = "7")]
        DatetimeValue(prost_types::Timestamp),
        /// `<base64>`.
        #[prost(bytes = "vec", tag = "8")]
        Base64Value(Vec<u8>),
        /// `<struct>`.
        #[prost(message, tag = "9")]
        StructValue(super::RosettaStruct),
        /// `<array>`.
        #[prost(message, tag = "10")]
        ArrayValue(super::RosettaArray),
    }
}

/// `RosettaStruct`: members in order.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RosettaStruct {
    /// The members.
    #[prost(message, repeated, tag = "1")]
    pub members: Vec<RosettaMember>,
}

/// `RosettaMember`: one struct member.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RosettaMember {
    /// The member name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// The value; absent is nil.
    #[prost(message, optional, tag = "2")]
    pub value: Option<RosettaValue>,
}

/// `RosettaArray`: items in order.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RosettaArray {
    /// The items.
    #[prost(message, repeated, tag = "1")]
    pub items: Vec<RosettaValue>,
}

/// The names of the four messages, which the proto emitter declares and the `Builder` maps here.
pub const MESSAGES: [&str; 4] = [
    "RosettaValue",
    "RosettaStruct",
    "RosettaMember",
    "RosettaArray",
];

impl IntoProto<RosettaValue> for Value {
    fn into_proto(self) -> RosettaValue {
        use rosetta_value::Kind;
        let kind = match self {
            Value::Nil => Kind::NilValue(true),
            Value::Int(i) => Kind::IntValue(i),
            Value::I8(i) => Kind::I8Value(i),
            Value::Bool(b) => Kind::BoolValue(b),
            Value::Double(d) => Kind::DoubleValue(d),
            Value::String(s) => Kind::StringValue(s),
            Value::DateTime(t) => Kind::DatetimeValue(timestamp_into_proto(t)),
            Value::Base64(b) => Kind::Base64Value(b),
            Value::Struct(members) => Kind::StructValue(RosettaStruct {
                members: members
                    .into_iter()
                    .map(|(name, v)| RosettaMember {
                        name,
                        value: Some(v.into_proto()),
                    })
                    .collect(),
            }),
            Value::Array(items) => Kind::ArrayValue(RosettaArray {
                items: items.into_iter().map(IntoProto::into_proto).collect(),
            }),
        };
        RosettaValue { kind: Some(kind) }
    }
}

impl FromProto<RosettaValue> for Value {
    /// Fails only on a date-time outside years 0000–9999 (what [`crate::Timestamp`] holds).
    fn from_proto(proto: RosettaValue, path: &Path<'_>) -> Result<Self, Violation> {
        use rosetta_value::Kind;
        Ok(match proto.kind {
            None | Some(Kind::NilValue(_)) => Value::Nil,
            Some(Kind::IntValue(i)) => Value::Int(i),
            Some(Kind::I8Value(i)) => Value::I8(i),
            Some(Kind::BoolValue(b)) => Value::Bool(b),
            Some(Kind::DoubleValue(d)) => Value::Double(d),
            Some(Kind::StringValue(s)) => Value::String(s),
            Some(Kind::DatetimeValue(t)) => Value::DateTime(timestamp_from_proto(t, path)?),
            Some(Kind::Base64Value(b)) => Value::Base64(b),
            Some(Kind::StructValue(s)) => {
                let mut members = Vec::with_capacity(s.members.len());
                for m in s.members {
                    let v = match m.value {
                        Some(v) => Value::from_proto(v, &path.key(&m.name))?,
                        None => Value::Nil,
                    };
                    members.push((m.name, v));
                }
                Value::Struct(members)
            }
            Some(Kind::ArrayValue(a)) => {
                let mut items = Vec::with_capacity(a.items.len());
                for (i, v) in a.items.into_iter().enumerate() {
                    items.push(Value::from_proto(v, &path.index(i))?);
                }
                Value::Array(items)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;
    use prost::Message as _;

    #[test]
    fn every_variant_round_trips_through_the_wire() {
        let t = Timestamp::from_ymd_hms(2000, 4, 1, 12, 30, 5).unwrap();
        let v = Value::structure([
            ("int", Value::Int(-7)),
            ("i8", Value::I8(5)),
            ("bool", Value::Bool(true)),
            ("double", Value::Double(1.0)),
            ("string", Value::from(" <&'\"> ")),
            ("when", Value::DateTime(t)),
            ("bytes", Value::Base64(vec![0, 1, 255])),
            ("nil", Value::Nil),
            (
                "array",
                Value::Array(vec![Value::Int(1), Value::Array(vec![])]),
            ),
            ("z", Value::Int(1)),
            ("a", Value::Int(2)),
        ]);
        let bytes = v.clone().into_proto().encode_to_vec();
        let back = RosettaValue::decode(bytes.as_slice()).unwrap();
        assert_eq!(Value::from_proto(back, &Path::Root).unwrap(), v);
    }

    #[test]
    fn an_empty_message_is_nil() {
        let back = RosettaValue::decode(&[][..]).unwrap();
        assert_eq!(Value::from_proto(back, &Path::Root).unwrap(), Value::Nil);
    }
}
