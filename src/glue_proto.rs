//! `__proto!`: the protobuf wire format of a generated type, which gRPC's codec and Kafka's
//! `protobuf` topics both use (the domain types are their own protobuf messages).

/// The protobuf wire format of a generated type (the runtime's `proto::ProtoValue`, and for
/// messages `ProtoMessage`, plus `kafka::ProtobufMessage` with the `kafka` feature), one runtime
/// call per field:
/// - `__proto!(enum Type, "pkg.Type")`: the IDL number as a varint;
/// - `__proto!(struct Type, "Type" { kind number field ["idl_name"], … })`, `kind` one of
///   `field` (singular, required unless its type has a default), `optional`, `repeated`, `map`;
///   `"idl_name"` when the field's IDL name is not its Rust spelling (paths and messages use it);
/// - `__proto!(union Type, "pkg.Type" { number Variant "idl_name", … })`: a message with one
///   `oneof`.
///
/// Rosetta's own codec rather than prost's: values encoded by reference (prost's messages would
/// need each value converted and cloned into them), one set of types for every protocol, and a
/// failure's field path kept for `google.rpc.BadRequest`; the bytes are held equal to prost's by
/// `tests/tests/kafka_protobuf.rs` and `grpc_shapes.rs`.
#[doc(hidden)]
#[macro_export]
macro_rules! __proto {
    (enum $ty:ty, $full:literal) => {
        impl $crate::__private::proto::ProtoValue for $ty {
            const WIRE_TYPE: $crate::__private::proto::WireType =
                $crate::__private::proto::WireType::Varint;
            const PACKABLE: bool = true;

            fn encode_value(&self, buf: &mut ::std::vec::Vec<u8>) {
                $crate::__private::proto::encode_enum(Self::number(*self), buf)
            }

            fn decode_value(
                reader: &mut $crate::__private::proto::Reader<'_>,
            ) -> ::core::result::Result<Self, $crate::__private::proto::DecodeError> {
                $crate::__private::proto::decode_enum(reader, $full, Self::from_number)
            }

            fn is_default(&self) -> bool {
                Self::number(*self) == 0
            }

            fn absent() -> ::core::option::Option<Self> {
                Self::from_number(0)
            }
        }
    };
    (
        struct $ty:ty, $name:literal {
            $($kind:ident $n:literal $field:ident $($idl:literal)?),* $(,)?
        }
    ) => {
        $crate::__proto!(@message $ty;
            fn encode_fields(&self, buf: &mut ::std::vec::Vec<u8>) {
                let _ = &buf;
                $($crate::__proto!(@encode $kind buf, $n, &self.$field);)*
            }

            fn decode_fields(
                reader: &mut $crate::__private::proto::Reader<'_>,
            ) -> ::core::result::Result<Self, $crate::__private::proto::DecodeError> {
                // One slot per field, named like it; its type is inferred from `Self`'s field.
                $(let mut $field = $crate::__proto!(@slot $kind);)*
                while let ::core::option::Option::Some((number, wire)) = reader.next_field()? {
                    match number {
                        // A failure names its field (a `match`, not `map_err`: no closure
                        // to compile per field).
                        $($n => if let ::core::result::Result::Err(e) =
                            $crate::__proto!(@merge $kind wire, reader, &mut $field)
                        {
                            return ::core::result::Result::Err(
                                e.at_field($crate::__proto!(@name $field $($idl)?)),
                            );
                        },)*
                        _ => reader.skip(wire)?,
                    }
                }
                ::core::result::Result::Ok(Self {
                    $($field: $crate::__proto!(@take $kind $field, $name, $field $($idl)?),)*
                })
            }
        );
    };
    (union $ty:ty, $full:literal { $($n:literal $variant:ident $wire:literal),* $(,)? }) => {
        $crate::__proto!(@message $ty;
            fn encode_fields(&self, buf: &mut ::std::vec::Vec<u8>) {
                let _ = &buf;
                match *self {
                    $(Self::$variant(ref value) => {
                        $crate::__private::proto::encode_variant(buf, $n, value)
                    })*
                }
            }

            fn decode_fields(
                reader: &mut $crate::__private::proto::Reader<'_>,
            ) -> ::core::result::Result<Self, $crate::__private::proto::DecodeError> {
                let mut value: ::core::option::Option<Self> = ::core::option::Option::None;
                while let ::core::option::Option::Some((number, wire)) = reader.next_field()? {
                    match number {
                        $($n => {
                            match $crate::__private::proto::decode_variant(wire, reader) {
                                ::core::result::Result::Ok(v) => {
                                    value = ::core::option::Option::Some(Self::$variant(v));
                                }
                                ::core::result::Result::Err(e) => {
                                    return ::core::result::Result::Err(e.at_field($wire));
                                }
                            }
                        })*
                        _ => reader.skip(wire)?,
                    }
                }
                match value {
                    ::core::option::Option::Some(v) => ::core::result::Result::Ok(v),
                    ::core::option::Option::None => ::core::result::Result::Err(
                        $crate::__private::proto::DecodeError::new(::core::concat!(
                            "no variant of union `", $full, "` is set"
                        )),
                    ),
                }
            }
        );
    };
    // `ProtoMessage` with the given methods, and the `ProtoValue` and `ProtobufMessage` every
    // message has.
    (@message $ty:ty; $($methods:tt)*) => {
        impl $crate::__private::proto::ProtoMessage for $ty {
            $($methods)*
        }

        impl $crate::__private::proto::ProtoValue for $ty {
            const WIRE_TYPE: $crate::__private::proto::WireType = $crate::__private::proto::WireType::Len;

            fn encode_value(&self, buf: &mut ::std::vec::Vec<u8>) {
                $crate::__private::proto::encode_nested(self, buf)
            }

            fn decode_value(
                reader: &mut $crate::__private::proto::Reader<'_>,
            ) -> ::core::result::Result<Self, $crate::__private::proto::DecodeError> {
                $crate::__private::proto::decode_nested(reader)
            }

            fn absent_in_map() -> ::core::result::Result<Self, $crate::__private::proto::DecodeError> {
                $crate::__private::proto::decode_empty()
            }
        }

        $crate::__if_kafka! {
        impl $crate::kafka::ProtobufMessage for $ty {
            fn encode_proto(&self) -> ::std::vec::Vec<u8> {
                $crate::__private::proto::encode(self)
            }

            fn decode_proto(
                bytes: &[u8],
            ) -> ::core::result::Result<Self, ::std::string::String> {
                $crate::__private::proto::decode(bytes)
                    .map_err(|e| ::std::string::ToString::to_string(&e))
            }
        }
        }
    };
    (@name $field:ident) => { ::core::stringify!($field) };
    (@name $field:ident $idl:literal) => { $idl };
    (@encode field $($args:tt)*) => { $crate::__private::proto::encode_field($($args)*) };
    (@encode optional $($args:tt)*) => { $crate::__private::proto::encode_optional($($args)*) };
    (@encode repeated $($args:tt)*) => { $crate::__private::proto::encode_repeated($($args)*) };
    (@encode map $($args:tt)*) => { $crate::__private::proto::encode_map($($args)*) };
    (@merge repeated $($args:tt)*) => { $crate::__private::proto::merge_repeated($($args)*) };
    (@merge map $($args:tt)*) => { $crate::__private::proto::merge_map($($args)*) };
    // `field` and `optional`: one value, the last one read.
    (@merge $kind:ident $($args:tt)*) => { $crate::__private::proto::merge_field($($args)*) };
    (@slot field) => { ::core::option::Option::None };
    (@slot $kind:ident) => { ::core::default::Default::default() };
    // A singular field: the value read, its type's default, or an error naming `Type.field`.
    (@take field $slot:ident, $name:literal, $field:ident) => {
        $crate::__private::proto::required(
            $slot,
            ::core::concat!($name, ".", ::core::stringify!($field)),
        )?
    };
    (@take field $slot:ident, $name:literal, $field:ident $idl:literal) => {
        $crate::__private::proto::required($slot, ::core::concat!($name, ".", $idl))?
    };
    (@take $kind:ident $slot:ident, $name:literal, $field:ident $($idl:literal)?) => {
        $slot
    };
}
