//! The Kafka glue every generated topic module and protobuf topic type repeats, written once: a
//! generated file names the facts (names, value type, key, variants, field numbers) in one macro
//! call per item, and these expand them into the `Topic` impl, the `Handler` trait with its
//! `Arc` blanket and `Dispatch` impl, and the protobuf wire format (issue 13: generated code is
//! glue). Generated code invokes them inside `__if_kafka!`, so they expand only with the `kafka`
//! feature; every std item is spelled by its full path (an IDL type may be named `Result`).

/// The items of a topic module: `TOPIC`, `DEAD_LETTER_TOPIC`, `VALUE_TYPE`, `CONTENT_TYPE`,
/// `Value`, `Encoding`, the `Topic` unit struct with its `kafka::Topic` impl, and the `Producer`
/// and `Consumer` aliases. The key is `key = |value| <expr>` (records keyed by a field of the
/// value: `send(&value)`) or absent (keyed by the caller: `send(key, &value)`).
#[doc(hidden)]
#[macro_export]
macro_rules! __kafka_topic {
    (
        $name:literal, $dead_letter:literal, $value_type:literal, $content_type:literal,
        $value:ty, $encoding:ty $(,)?
    ) => {
        $crate::__kafka_topic!(@items $name, $dead_letter, $value_type, $content_type, $value,
            $encoding, $crate::kafka::KeyExplicit, |_value| ::core::option::Option::None);
    };
    (
        $name:literal, $dead_letter:literal, $value_type:literal, $content_type:literal,
        $value:ty, $encoding:ty, key = |$v:ident| $key:expr $(,)?
    ) => {
        $crate::__kafka_topic!(@items $name, $dead_letter, $value_type, $content_type, $value,
            $encoding, $crate::kafka::KeyField, |$v| ::core::option::Option::Some($key));
    };
    (
        @items $name:literal, $dead_letter:literal, $value_type:literal, $content_type:literal,
        $value:ty, $encoding:ty, $key_kind:ty, |$v:ident| $key:expr
    ) => {
        #[doc = ::core::concat!(" `", $name, "`: the topic's name on the broker.")]
        pub const TOPIC: &str = $name;
        #[doc = ::core::concat!(
            " `", $dead_letter, "`: where a [`Consumer`] sends the records it cannot decode or ",
            "handle (unless told otherwise)."
        )]
        pub const DEAD_LETTER_TOPIC: &str = $dead_letter;
        #[doc = ::core::concat!(
            " `", $value_type, "`: the IDL type of the values, in every record's `rosetta-type` ",
            "header."
        )]
        pub const VALUE_TYPE: &str = $value_type;
        #[doc = ::core::concat!(" `", $content_type, "`: every record's `content-type` header.")]
        pub const CONTENT_TYPE: &str = $content_type;

        /// The type of the records' values.
        pub type Value = $value;

        /// How values are encoded.
        pub type Encoding = $encoding;

        /// The topic, for the runtime's generic [`Producer`] and [`Consumer`].
        #[derive(Debug, Clone, Copy)]
        pub struct Topic;

        impl $crate::kafka::Topic for Topic {
            const NAME: &'static str = TOPIC;
            const DEAD_LETTER_TOPIC: &'static str = DEAD_LETTER_TOPIC;
            const VALUE_TYPE: &'static str = VALUE_TYPE;
            type Value = Value;
            type Encoding = Encoding;

            fn key($v: &Value) -> ::core::option::Option<&str> {
                $key
            }
        }

        /// The topic's typed producer (`send`, `enqueue`, `flush`, `tombstone`).
        pub type Producer = $crate::kafka::Producer<Topic, $key_kind>;
        /// The topic's consumer: `run` dispatches every record to a [`Handler`].
        pub type Consumer = $crate::kafka::Consumer<Topic>;
    };
}

/// The `Handler` trait of a topic module (with the `tombstone` default), its `Arc` blanket impl
/// and the topic's `Dispatch` impl. `__kafka_handler!()` is a plain value's (one `handle`, and
/// `kafka::handler_fn` closures are handlers too); `__kafka_handler!("Union" { … })` a union's,
/// one method per variant: `[docs] method ["idl_name"] = Variant(RecordType) [boxed],` where
/// `"idl_name"` is the variant's IDL name when it is not the method's spelling and `boxed` marks
/// a variant held in a `Box`.
#[doc(hidden)]
#[macro_export]
macro_rules! __kafka_handler {
    () => {
        $crate::__kafka_handler!(@trait
            /// Handles one record. `Ok` lets the consumer commit past it; an error is retried
            /// with backoff, then the record goes to the dead-letter topic.
            handle(Value);
        );

        /// Lets `rosetta::kafka::handler_fn(|record| async move { ... })` be a handler.
        impl<F, Fut> Handler for $crate::kafka::FnHandler<F>
        where
            F: ::core::ops::Fn($crate::kafka::Record<Value>) -> Fut
                + ::core::marker::Send
                + ::core::marker::Sync
                + 'static,
            Fut: ::core::future::Future<
                    Output = ::core::result::Result<(), $crate::kafka::HandlerError>,
                > + ::core::marker::Send,
        {
            fn handle(
                &self,
                record: $crate::kafka::Record<Value>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<(), $crate::kafka::HandlerError>,
            > + ::core::marker::Send {
                <Self as $crate::kafka::Handler<Value>>::handle(self, record)
            }
        }

        impl<H: Handler> $crate::kafka::Dispatch<H> for Topic {
            fn handle(
                handler: &H,
                record: $crate::kafka::Record<Value>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<(), $crate::kafka::HandlerError>,
            > + ::core::marker::Send {
                handler.handle(record)
            }

            $crate::__kafka_handler!(@dispatch_tombstone);
        }
    };
    (
        $union:literal {
            $(
                $(#[doc = $doc:literal])*
                $method:ident $($idl:literal)? = $variant:ident($ty:ty) $($boxed:ident)?
            ),* $(,)?
        }
    ) => {
        $crate::__kafka_handler!(@trait
            $(
                #[doc = ::core::concat!(
                    " Handles a record holding the `",
                    $crate::__kafka_handler!(@name $method $($idl)?),
                    "` variant of `", $union, "`."
                )]
                $(#[doc = $doc])*
                $method($ty);
            )*
        );

        impl<H: Handler> $crate::kafka::Dispatch<H> for Topic {
            fn handle(
                handler: &H,
                record: $crate::kafka::Record<Value>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<(), $crate::kafka::HandlerError>,
            > + ::core::marker::Send {
                let (rest, value) = record.split();
                async move {
                    match value {
                        $(
                            Value::$variant(value) => {
                                handler
                                    .$method(rest.with_value(
                                        $crate::__kafka_handler!(@unbox value $($boxed)?),
                                    ))
                                    .await
                            }
                        )*
                    }
                }
            }

            $crate::__kafka_handler!(@dispatch_tombstone);
        }
    };
    // The trait, with the value methods given, and its `Arc` blanket impl.
    (@trait $($(#[doc = $doc:expr])* $method:ident($ty:ty);)*) => {
        /// What the topic's [`Consumer`] calls for every record. Handlers MUST be idempotent:
        /// delivery is at-least-once. Implement the methods as `async fn`.
        pub trait Handler: ::core::marker::Send + ::core::marker::Sync + 'static {
            $(
                $(#[doc = $doc])*
                fn $method(
                    &self,
                    record: $crate::kafka::Record<$ty>,
                ) -> impl ::core::future::Future<
                    Output = ::core::result::Result<(), $crate::kafka::HandlerError>,
                > + ::core::marker::Send;
            )*

            /// Handles a tombstone: a record with a key and a null value, which on a compacted
            /// topic deletes the key ([`Producer::tombstone`](Producer#method.tombstone) sends
            /// one). It never reaches the value methods, and an empty value is never a
            /// tombstone. The default accepts it and does nothing; override it where a key's
            /// state must go.
            fn tombstone(
                &self,
                record: $crate::kafka::Record<()>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<(), $crate::kafka::HandlerError>,
            > + ::core::marker::Send {
                $crate::kafka::accept_tombstone(record)
            }
        }

        impl<H: Handler> Handler for ::std::sync::Arc<H> {
            $(
                fn $method(
                    &self,
                    record: $crate::kafka::Record<$ty>,
                ) -> impl ::core::future::Future<
                    Output = ::core::result::Result<(), $crate::kafka::HandlerError>,
                > + ::core::marker::Send {
                    (**self).$method(record)
                }
            )*

            fn tombstone(
                &self,
                record: $crate::kafka::Record<()>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<(), $crate::kafka::HandlerError>,
            > + ::core::marker::Send {
                (**self).tombstone(record)
            }
        }
    };
    (@dispatch_tombstone) => {
        fn tombstone(
            handler: &H,
            record: $crate::kafka::Record<()>,
        ) -> impl ::core::future::Future<
            Output = ::core::result::Result<(), $crate::kafka::HandlerError>,
        > + ::core::marker::Send {
            handler.tombstone(record)
        }
    };
    (@name $method:ident) => {
        ::core::stringify!($method)
    };
    (@name $method:ident $idl:literal) => {
        $idl
    };
    (@unbox $value:ident) => {
        $value
    };
    (@unbox $value:ident boxed) => {
        *$value
    };
}

/// The Kafka protobuf wire format of a type a protobuf topic carries (`kafka::proto`'s
/// `ProtoValue`, and for messages `ProtoMessage` and `kafka::ProtobufMessage`), one runtime call
/// per field:
/// - `__kafka_proto!(enum Type, "pkg.Type")`: the IDL number as a varint;
/// - `__kafka_proto!(struct Type, "Type" { kind number field ["idl_name"], … })`, `kind` one of
///   `field` (singular, required unless its type has a default), `optional`, `repeated`, `map`;
///   `"idl_name"` when the field's IDL name is not its Rust spelling (error messages use it);
/// - `__kafka_proto!(union Type, "pkg.Type" { number Variant, … })`: a message with one `oneof`.
///
/// Rosetta's own codec rather than prost's messages from the gRPC glue, even with gRPC on: one
/// codec whatever the features (a Kafka-only crate has no prost), values encoded by reference
/// (prost's messages would need each value cloned into them), and the bytes held equal to
/// prost's by `tests/tests/kafka_protobuf.rs`.
#[doc(hidden)]
#[macro_export]
macro_rules! __kafka_proto {
    (enum $ty:ty, $full:literal) => {
        impl $crate::kafka::proto::ProtoValue for $ty {
            const WIRE_TYPE: $crate::kafka::proto::WireType =
                $crate::kafka::proto::WireType::Varint;
            const PACKABLE: bool = true;

            fn encode_value(&self, buf: &mut ::std::vec::Vec<u8>) {
                $crate::kafka::proto::encode_enum(Self::number(*self), buf)
            }

            fn decode_value(
                reader: &mut $crate::kafka::proto::Reader<'_>,
            ) -> ::core::result::Result<Self, $crate::kafka::proto::DecodeError> {
                $crate::kafka::proto::decode_enum(reader, $full, Self::from_number)
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
        $crate::__kafka_proto!(@message $ty;
            fn encode_fields(&self, buf: &mut ::std::vec::Vec<u8>) {
                let _ = &buf;
                $($crate::__kafka_proto!(@encode $kind buf, $n, &self.$field);)*
            }

            fn decode_fields(
                reader: &mut $crate::kafka::proto::Reader<'_>,
            ) -> ::core::result::Result<Self, $crate::kafka::proto::DecodeError> {
                // One slot per field, named like it; its type is inferred from `Self`'s field.
                $(let mut $field = $crate::__kafka_proto!(@slot $kind);)*
                while let ::core::option::Option::Some((number, wire)) = reader.next_field()? {
                    match number {
                        $($n => $crate::__kafka_proto!(@merge $kind wire, reader, &mut $field)?,)*
                        _ => reader.skip(wire)?,
                    }
                }
                ::core::result::Result::Ok(Self {
                    $($field: $crate::__kafka_proto!(@take $kind $field, $name, $field $($idl)?),)*
                })
            }
        );
    };
    (union $ty:ty, $full:literal { $($n:literal $variant:ident),* $(,)? }) => {
        $crate::__kafka_proto!(@message $ty;
            fn encode_fields(&self, buf: &mut ::std::vec::Vec<u8>) {
                let _ = &buf;
                match *self {
                    $(Self::$variant(ref value) => {
                        $crate::kafka::proto::encode_variant(buf, $n, value)
                    })*
                }
            }

            fn decode_fields(
                reader: &mut $crate::kafka::proto::Reader<'_>,
            ) -> ::core::result::Result<Self, $crate::kafka::proto::DecodeError> {
                let mut value: ::core::option::Option<Self> = ::core::option::Option::None;
                while let ::core::option::Option::Some((number, wire)) = reader.next_field()? {
                    match number {
                        $($n => {
                            value = ::core::option::Option::Some(Self::$variant(
                                $crate::kafka::proto::decode_variant(wire, reader)?,
                            ))
                        })*
                        _ => reader.skip(wire)?,
                    }
                }
                value.ok_or_else(|| {
                    $crate::kafka::proto::DecodeError::new(::core::concat!(
                        "no variant of union `", $full, "` is set"
                    ))
                })
            }
        );
    };
    // `ProtoMessage` with the given methods, and the `ProtoValue` and `ProtobufMessage` every
    // message has.
    (@message $ty:ty; $($methods:tt)*) => {
        impl $crate::kafka::proto::ProtoMessage for $ty {
            $($methods)*
        }

        impl $crate::kafka::proto::ProtoValue for $ty {
            const WIRE_TYPE: $crate::kafka::proto::WireType = $crate::kafka::proto::WireType::Len;

            fn encode_value(&self, buf: &mut ::std::vec::Vec<u8>) {
                $crate::kafka::proto::encode_nested(self, buf)
            }

            fn decode_value(
                reader: &mut $crate::kafka::proto::Reader<'_>,
            ) -> ::core::result::Result<Self, $crate::kafka::proto::DecodeError> {
                $crate::kafka::proto::decode_nested(reader)
            }

            fn absent_in_map() -> ::core::result::Result<Self, $crate::kafka::proto::DecodeError> {
                $crate::kafka::proto::decode_empty()
            }
        }

        impl $crate::kafka::ProtobufMessage for $ty {
            fn encode_proto(&self) -> ::std::vec::Vec<u8> {
                $crate::kafka::proto::encode(self)
            }

            fn decode_proto(
                bytes: &[u8],
            ) -> ::core::result::Result<Self, ::std::string::String> {
                $crate::kafka::proto::decode(bytes)
                    .map_err(|e| ::std::string::ToString::to_string(&e))
            }
        }
    };
    (@encode field $($args:tt)*) => { $crate::kafka::proto::encode_field($($args)*) };
    (@encode optional $($args:tt)*) => { $crate::kafka::proto::encode_optional($($args)*) };
    (@encode repeated $($args:tt)*) => { $crate::kafka::proto::encode_repeated($($args)*) };
    (@encode map $($args:tt)*) => { $crate::kafka::proto::encode_map($($args)*) };
    (@merge repeated $($args:tt)*) => { $crate::kafka::proto::merge_repeated($($args)*) };
    (@merge map $($args:tt)*) => { $crate::kafka::proto::merge_map($($args)*) };
    // `field` and `optional`: one value, the last one read.
    (@merge $kind:ident $($args:tt)*) => { $crate::kafka::proto::merge_field($($args)*) };
    (@slot field) => { ::core::option::Option::None };
    (@slot $kind:ident) => { ::core::default::Default::default() };
    // A singular field: the value read, its type's default, or an error naming `Type.field`.
    (@take field $slot:ident, $name:literal, $field:ident) => {
        $crate::kafka::proto::required(
            $slot,
            ::core::concat!($name, ".", ::core::stringify!($field)),
        )?
    };
    (@take field $slot:ident, $name:literal, $field:ident $idl:literal) => {
        $crate::kafka::proto::required($slot, ::core::concat!($name, ".", $idl))?
    };
    (@take $kind:ident $slot:ident, $name:literal, $field:ident $($idl:literal)?) => {
        $slot
    };
}
