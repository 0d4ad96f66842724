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
