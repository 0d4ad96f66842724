//! The Kafka glue of a topic: a module per topic with its name, a typed `Producer`, a `Handler`
//! trait (one method per union variant, or one for a plain value) and a `Consumer` runner — thin
//! wrappers over `rosetta::kafka` — plus, for `protobuf` topics, the protobuf wire format of every
//! type the value reaches.
//!
//! ```text
//! pub mod shop_product_events {
//!     pub const TOPIC: &str = "shop.product-events";
//!     pub type Value = super::ProductEvent;
//!     pub fn key(value: &Value) -> &str;             // `key: value.id;` topics
//!     pub struct Producer;  // send(&value) / send(key, &value), enqueue, flush
//!     pub trait Handler;    // created(Record<Product>), updated(..), deleted(..)
//!     pub struct Consumer;  // new(config, group), concurrency, retry_policy, run(handler, shutdown)
//! }
//! ```

use std::collections::BTreeSet;

use heck::ToSnakeCase;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::ident::field_ident;
use super::types::{Gen, docs};
use crate::emit::asyncapi::{dead_letter_topic, type_name};
use crate::ir::{Encoding, Field, Ir, Topic, TopicKey, Type, TypeKind};

/// How deep a key field may sit below nested unions before the emitter gives up.
const MAX_KEY_DEPTH: usize = 32;

/// The module of `t`: the snake_case topic name (`shop.product-events` → `shop_product_events`).
fn module_name(topic: &str) -> String {
    topic.to_snake_case()
}

/// The typed producer and consumer of `t`.
pub(super) fn topic(g: &Gen, t: &Topic) -> Result<TokenStream, String> {
    let k = &g.krate;
    let inner = g.nested();
    let module = field_ident(&module_name(&t.name));
    let name = &t.name;
    let dlq = dead_letter_topic(&t.name);
    let value_type_name = type_name(g.ir, &t.value);
    let content_type = t.encoding.content_type();
    let value = inner.rust_type(&t.value, false);

    let mut module_doc = t.docs.clone();
    if !module_doc.is_empty() {
        module_doc.push(String::new());
    }
    module_doc.push(format!(
        "The `{name}` topic: records of `{value_type_name}` encoded as `{content_type}`."
    ));
    let module_doc = docs(&module_doc);

    let (encoding_items, encoding) = encoding(g, t)?;
    let key = key_items(&inner, t)?;
    let producer = producer(k, t);
    let handler = handler(&inner, t)?;
    let consumer = consumer(k);
    let protobuf = if t.encoding == Encoding::Protobuf {
        protobuf_impls(&inner, t)?
    } else {
        TokenStream::new()
    };
    let name_doc = format!(" `{name}`: the topic's name on the broker.");
    let dlq_doc = format!(
        " `{dlq}`: where a [`Consumer`] sends the records it cannot decode or handle (unless told otherwise)."
    );
    let type_doc = format!(
        " `{value_type_name}`: the IDL type of the values, in every record's `rosetta-type` header."
    );
    let ct_doc = format!(" `{content_type}`: every record's `content-type` header.");
    Ok(quote! {
        #module_doc
        pub mod #module {
            #[doc = #name_doc]
            pub const TOPIC: &str = #name;
            #[doc = #dlq_doc]
            pub const DEAD_LETTER_TOPIC: &str = #dlq;
            #[doc = #type_doc]
            pub const VALUE_TYPE: &str = #value_type_name;
            #[doc = #ct_doc]
            pub const CONTENT_TYPE: &str = #content_type;

            /// The type of the records' values.
            pub type Value = #value;

            #encoding_items
            /// How values are encoded.
            pub type Encoding = #encoding;

            #key
            #producer
            #handler
            #consumer
            #protobuf
        }
    })
}

/// The encoding type, and any items it needs (a JSON encoding that writes bytes as base64).
fn encoding(g: &Gen, t: &Topic) -> Result<(TokenStream, TokenStream), String> {
    let k = &g.krate;
    let plain = match t.encoding {
        Encoding::Json => None,
        Encoding::Protobuf => Some(quote!(#k::kafka::Protobuf)),
        Encoding::String => Some(quote!(#k::kafka::Utf8String)),
        Encoding::Bytes => Some(quote!(#k::kafka::RawBytes)),
    };
    if let Some(plain) = plain {
        return Ok((TokenStream::new(), plain));
    }
    // Fields holding bytes are base64 strings in Rosetta's JSON (a serde `with` module); a
    // top-level value of those shapes needs the same, through a transparent wrapper.
    let with = match &t.value {
        Type::Bytes => Some("bytes"),
        Type::Optional(i) if **i == Type::Bytes => Some("optional_bytes"),
        Type::List(i) if **i == Type::Bytes => Some("list_bytes"),
        Type::Map(i) if **i == Type::Bytes => Some("map_bytes"),
        _ => None,
    };
    let Some(with) = with else {
        return Ok((TokenStream::new(), quote!(#k::kafka::Json)));
    };
    let with = format!(
        "{}::__private::rosetta_runtime::json::{with}",
        g.config.crate_path
    );
    let serde_crate = format!("{}::__private::serde", g.config.crate_path);
    let items = quote! {
        /// `application/json` for [`Value`], with bytes as base64 strings like all of Rosetta's JSON.
        #[derive(Debug, Clone, Copy, Default)]
        pub struct JsonBase64;

        #[derive(#k::__private::serde::Serialize, #k::__private::serde::Deserialize)]
        #[serde(crate = #serde_crate, transparent)]
        struct Wire(#[serde(with = #with)] Value);

        impl #k::kafka::Encoding<Value> for JsonBase64 {
            const CONTENT_TYPE: &'static str = CONTENT_TYPE;

            fn encode(value: &Value) -> ::std::result::Result<::std::vec::Vec<u8>, #k::kafka::CodecError> {
                <#k::kafka::Json as #k::kafka::Encoding<Wire>>::encode(&Wire(::std::clone::Clone::clone(value)))
            }

            fn decode(bytes: &[u8]) -> ::std::result::Result<Value, #k::kafka::CodecError> {
                <#k::kafka::Json as #k::kafka::Encoding<Wire>>::decode(bytes).map(|wire| wire.0)
            }
        }
    };
    Ok((items, quote!(JsonBase64)))
}

/// `fn key(&Value) -> &str` for topics keyed by a field of the value.
fn key_items(inner: &Gen, t: &Topic) -> Result<TokenStream, String> {
    let TopicKey::Field(field) = &t.key else {
        return Ok(TokenStream::new());
    };
    let Type::Named { id, .. } = &t.value else {
        return Err(format!(
            "topic \"{}\" is keyed by `value.{field}` but its value has no fields",
            t.name
        ));
    };
    let body = key_expr(inner, *id, quote!(value), field, 0)?;
    let doc = format!(" The record key of a value: its `{field}` field.");
    Ok(quote! {
        #[doc = #doc]
        pub fn key(value: &Value) -> &str {
            #body
        }
    })
}

/// The expression reading string field `field` of `var` (a reference to type `id`), through
/// every variant of a union.
fn key_expr(
    inner: &Gen,
    id: usize,
    var: TokenStream,
    field: &str,
    depth: usize,
) -> Result<TokenStream, String> {
    if depth > MAX_KEY_DEPTH {
        return Err(format!(
            "the key field `{field}` is nested deeper than {MAX_KEY_DEPTH} unions"
        ));
    }
    let def = &inner.ir.types[id];
    match &def.kind {
        TypeKind::Union(u) => {
            let path = inner.type_path(id);
            let arms = u
                .variants
                .iter()
                .map(|v| {
                    let variant = super::ident::type_ident(&v.name);
                    let Type::Named { id: vid, .. } = &v.ty else {
                        return Err(format!(
                            "variant `{}` of `{}` has no field `{field}`",
                            v.name, def.name
                        ));
                    };
                    let bind = format_ident!("v{}", depth);
                    let vpath = inner.type_path(*vid);
                    let body = key_expr(inner, *vid, quote!(#bind), field, depth + 1)?;
                    // `Box<T>` (a recursive variant) derefs to `&T` here.
                    Ok(quote!(#path::#variant(#bind) => { let #bind: &#vpath = #bind; #body }))
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(quote!(match #var { #(#arms)* }))
        }
        _ => {
            if !def.fields().iter().any(|f| f.name == field) {
                return Err(format!("`{}` has no field `{field}`", def.name));
            }
            let f = field_ident(field);
            Ok(quote!(&#var.#f))
        }
    }
}

/// `Producer`: `send` (awaits the acknowledgement), `enqueue` + `flush` (batches).
fn producer(k: &TokenStream, t: &Topic) -> TokenStream {
    let (key_param, key_arg, key_doc) = match &t.key {
        TopicKey::Field(field) => (
            quote!(),
            quote!(::std::option::Option::Some(key(value))),
            format!("keyed by the value's `{field}` field"),
        ),
        TopicKey::Explicit(_) => (
            quote!(key: &str,),
            quote!(::std::option::Option::Some(key)),
            "with the given key".to_string(),
        ),
    };
    let send_doc = format!(
        " Sends one record, {key_doc}, and waits until the brokers acknowledged it. Records with one key are consumed in the order they were sent."
    );
    let enqueue_doc = format!(
        " Queues one record, {key_doc}, without waiting for its acknowledgement (librdkafka batches it); [`flush`](Self::flush) waits for every queued record."
    );
    quote! {
        /// The topic's typed producer: idempotent, `acks=all`, every record with `content-type` and
        /// `rosetta-type` headers. Cloning is cheap and shares the connection.
        #[derive(Debug, Clone)]
        pub struct Producer {
            inner: #k::kafka::TopicProducer<Value, Encoding>,
        }

        impl Producer {
            /// Connects a producer. MUST be called inside a Tokio runtime.
            pub fn new(config: &#k::kafka::KafkaConfig) -> ::std::result::Result<Self, #k::kafka::KafkaError> {
                #k::kafka::TopicProducer::new(config, TOPIC, VALUE_TYPE).map(|inner| Self { inner })
            }

            /// A producer for this topic sharing `other`'s connection (and librdkafka's batches).
            pub fn sharing<U, F: #k::kafka::Encoding<U>>(other: &#k::kafka::TopicProducer<U, F>) -> Self {
                Self { inner: other.for_topic(TOPIC, VALUE_TYPE) }
            }

            #[doc = #send_doc]
            pub async fn send(&self, #key_param value: &Value) -> ::std::result::Result<#k::kafka::Delivered, #k::kafka::KafkaError> {
                self.inner.send(#key_arg, value).await
            }

            /// Sends a tombstone for `key` (a record with a null value, which on a compacted topic
            /// deletes the key) and waits until the brokers acknowledged it. Consumers see it in
            /// [`Handler::tombstone`], never as a value.
            pub async fn tombstone(&self, key: &str) -> ::std::result::Result<#k::kafka::Delivered, #k::kafka::KafkaError> {
                self.inner.send_tombstone(key).await
            }

            #[doc = #enqueue_doc]
            pub async fn enqueue(&self, #key_param value: &Value) -> ::std::result::Result<(), #k::kafka::KafkaError> {
                self.inner.enqueue(#key_arg, value).await
            }

            /// Waits until every record queued by [`enqueue`](Self::enqueue) is acknowledged;
            /// call it before shutting down.
            pub async fn flush(&self, timeout: ::std::time::Duration) -> ::std::result::Result<(), #k::kafka::KafkaError> {
                self.inner.flush(timeout).await
            }

            /// The runtime producer underneath, for what this type does not cover.
            pub fn inner(&self) -> &#k::kafka::TopicProducer<Value, Encoding> {
                &self.inner
            }
        }
    }
}

/// The `Handler` trait, its dispatch from the runtime's handler, and handy impls.
fn handler(inner: &Gen, t: &Topic) -> Result<TokenStream, String> {
    let k = &inner.krate;
    let ret = quote!(impl ::std::future::Future<Output = ::std::result::Result<(), #k::kafka::HandlerError>> + ::std::marker::Send);
    let union = match &t.value {
        Type::Named { id, .. } => match &inner.ir.types[*id].kind {
            TypeKind::Union(u) => Some((*id, &u.variants)),
            _ => None,
        },
        _ => None,
    };
    let (methods, arc_methods, dispatch, fn_impl) = match union {
        Some((id, variants)) => union_handler(inner, id, variants, &ret),
        None => {
            let methods = quote! {
                /// Handles one record. `Ok` lets the consumer commit past it; an error is retried
                /// with backoff, then the record goes to the dead-letter topic.
                fn handle(&self, record: #k::kafka::Record<Value>) -> #ret;
            };
            let arc = quote! {
                fn handle(&self, record: #k::kafka::Record<Value>) -> #ret {
                    (**self).handle(record)
                }
            };
            let dispatch = quote!(self.0.handle(record));
            let fn_impl = quote! {
                /// Lets `rosetta::kafka::handler_fn(|record| async move { ... })` be a handler.
                impl<F, Fut> Handler for #k::kafka::FnHandler<F>
                where
                    F: ::std::ops::Fn(#k::kafka::Record<Value>) -> Fut + ::std::marker::Send + ::std::marker::Sync + 'static,
                    Fut: ::std::future::Future<Output = ::std::result::Result<(), #k::kafka::HandlerError>> + ::std::marker::Send,
                {
                    fn handle(&self, record: #k::kafka::Record<Value>) -> #ret {
                        <Self as #k::kafka::Handler<Value>>::handle(self, record)
                    }
                }
            };
            (methods, arc, dispatch, fn_impl)
        }
    };
    Ok(quote! {
        /// What the topic's [`Consumer`] calls for every record. Handlers MUST be idempotent:
        /// delivery is at-least-once. Implement the methods as `async fn`.
        pub trait Handler: ::std::marker::Send + ::std::marker::Sync + 'static {
            #methods

            /// Handles a tombstone: a record with a key and a null value, which on a compacted
            /// topic deletes the key ([`Producer::tombstone`] sends one). It never reaches the
            /// value methods, and an empty value is never a tombstone. The default accepts it
            /// and does nothing; override it where a key's state must go.
            fn tombstone(&self, record: #k::kafka::Record<()>) -> #ret {
                #k::kafka::accept_tombstone(record)
            }
        }

        impl<H: Handler> Handler for ::std::sync::Arc<H> {
            #arc_methods

            fn tombstone(&self, record: #k::kafka::Record<()>) -> #ret {
                (**self).tombstone(record)
            }
        }

        #fn_impl

        /// Adapts a [`Handler`] to the runtime's handler of [`Value`]s.
        struct Dispatch<H>(H);

        impl<H: Handler> #k::kafka::Handler<Value> for Dispatch<H> {
            fn handle(&self, record: #k::kafka::Record<Value>) -> #ret {
                #dispatch
            }

            fn tombstone(&self, record: #k::kafka::Record<()>) -> #ret {
                self.0.tombstone(record)
            }
        }
    })
}

/// One handler method per variant of union `id`.
fn union_handler(
    inner: &Gen,
    id: usize,
    variants: &[Field],
    ret: &TokenStream,
) -> (TokenStream, TokenStream, TokenStream, TokenStream) {
    let k = &inner.krate;
    let path = inner.type_path(id);
    let union_name = &inner.ir.types[id].name;
    let mut methods = TokenStream::new();
    let mut arc = TokenStream::new();
    let mut arms = TokenStream::new();
    for v in variants {
        let method = field_ident(&v.name);
        let variant = super::ident::type_ident(&v.name);
        let ty = inner.rust_type(&v.ty, false);
        let mut lines = vec![format!(
            "Handles a record holding the `{}` variant of `{union_name}`.",
            v.name
        )];
        if !v.docs.is_empty() {
            lines.push(String::new());
            lines.extend(v.docs.iter().cloned());
        }
        let doc = docs(&lines);
        methods.extend(quote! {
            #doc
            fn #method(&self, record: #k::kafka::Record<#ty>) -> #ret;
        });
        arc.extend(quote! {
            fn #method(&self, record: #k::kafka::Record<#ty>) -> #ret {
                (**self).#method(record)
            }
        });
        let unboxed = if v.boxed {
            quote!(*value)
        } else {
            quote!(value)
        };
        arms.extend(quote! {
            #path::#variant(value) => self.0.#method(rest.with_value(#unboxed)).await,
        });
    }
    let dispatch = quote! {
        let (rest, value) = record.split();
        async move {
            match value { #arms }
        }
    };
    (methods, arc, dispatch, TokenStream::new())
}

/// `Consumer`: the runtime's consumer loop, typed for this topic.
fn consumer(k: &TokenStream) -> TokenStream {
    quote! {
        /// Consumes the topic as a member of a consumer group and dispatches every record to a
        /// [`Handler`]: at-least-once, retries with backoff, then [`DEAD_LETTER_TOPIC`]; records
        /// of one key in order; several consumers of one group share the partitions.
        #[derive(Debug, Clone)]
        pub struct Consumer {
            inner: #k::kafka::ConsumerRunner<Value, Encoding>,
        }

        impl Consumer {
            /// A consumer in group `group_id`; nothing connects until [`run`](Self::run).
            pub fn new(config: &#k::kafka::KafkaConfig, group_id: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self { inner: #k::kafka::ConsumerRunner::new(config, TOPIC, group_id) }
            }

            /// How many records may be in a handler at once (default 1), each from a different
            /// partition.
            pub fn concurrency(&mut self, concurrency: usize) -> &mut Self {
                self.inner.concurrency(concurrency);
                self
            }

            /// How often and how patiently a failing record is retried.
            pub fn retry_policy(&mut self, policy: #k::kafka::RetryPolicy) -> &mut Self {
                self.inner.retry_policy(policy);
                self
            }

            /// Where failed records go instead of [`DEAD_LETTER_TOPIC`].
            pub fn dead_letter_topic(&mut self, topic: impl ::std::convert::Into<::std::string::String>) -> &mut Self {
                self.inner.dead_letter_topic(topic);
                self
            }

            /// The runtime runner underneath, for what this type does not cover.
            pub fn inner_mut(&mut self) -> &mut #k::kafka::ConsumerRunner<Value, Encoding> {
                &mut self.inner
            }

            /// Joins the group and handles records until `shutdown` completes, then drains and
            /// commits. MUST be called inside a Tokio runtime.
            pub async fn run<H: Handler>(
                &self,
                handler: H,
                shutdown: impl ::std::future::Future<Output = ()> + ::std::marker::Send,
            ) -> ::std::result::Result<#k::kafka::RunSummary, #k::kafka::KafkaError> {
                self.inner.run(Dispatch(handler), shutdown).await
            }
        }
    }
}

/// Every declared type `ty` reaches (itself included), in id order.
fn reachable(ir: &Ir, ty: &Type) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![ty.clone()];
    while let Some(t) = stack.pop() {
        match t {
            Type::Optional(i) | Type::List(i) | Type::Map(i) => stack.push(*i),
            Type::Named { id, .. } if seen.insert(id) => {
                stack.extend(ir.types[id].fields().iter().map(|f| f.ty.clone()));
            }
            _ => {}
        }
    }
    seen
}

/// The protobuf wire format of every type `t`'s value reaches that no earlier protobuf topic
/// reached (so each impl is emitted exactly once per compilation, whichever package holds it).
fn protobuf_impls(inner: &Gen, t: &Topic) -> Result<TokenStream, String> {
    let mut earlier = BTreeSet::new();
    for o in &inner.ir.topics {
        if o.name == t.name {
            break;
        }
        if o.encoding == Encoding::Protobuf {
            earlier.extend(reachable(inner.ir, &o.value));
        }
    }
    let mut out = TokenStream::new();
    for id in reachable(inner.ir, &t.value).difference(&earlier) {
        out.extend(protobuf_impl(inner, *id));
    }
    Ok(out)
}

/// `ProtoValue` for an enum; `ProtoMessage`, `ProtoValue` and `ProtobufMessage` for a struct,
/// error or union.
fn protobuf_impl(inner: &Gen, id: usize) -> TokenStream {
    let k = &inner.krate;
    let p = quote!(#k::kafka::proto);
    let def = &inner.ir.types[id];
    let path = inner.type_path(id);
    let full = def.full_name();
    let result = |t: TokenStream| quote!(::std::result::Result<#t, #p::DecodeError>);
    if let TypeKind::Enum(_) = &def.kind {
        let r = result(quote!(Self));
        return quote! {
            impl #p::ProtoValue for #path {
                const WIRE_TYPE: #p::WireType = #p::WireType::Varint;
                const PACKABLE: bool = true;

                fn encode_value(&self, buf: &mut ::std::vec::Vec<u8>) {
                    #p::encode_enum(#path::number(*self), buf)
                }

                fn decode_value(reader: &mut #p::Reader<'_>) -> #r {
                    #p::decode_enum(reader, #full, #path::from_number)
                }

                fn is_default(&self) -> bool {
                    #path::number(*self) == 0
                }

                fn absent() -> ::std::option::Option<Self> {
                    #path::from_number(0)
                }
            }
        };
    }
    let (encode, decode) = match &def.kind {
        TypeKind::Union(u) => union_codec(&p, &path, &full, &u.variants),
        _ => struct_codec(inner, &p, &def.name, def.fields()),
    };
    let r = result(quote!(Self));
    quote! {
        impl #p::ProtoMessage for #path {
            fn encode_fields(&self, buf: &mut ::std::vec::Vec<u8>) {
                #encode
            }

            fn decode_fields(reader: &mut #p::Reader<'_>) -> #r {
                #decode
            }
        }

        impl #p::ProtoValue for #path {
            const WIRE_TYPE: #p::WireType = #p::WireType::Len;

            fn encode_value(&self, buf: &mut ::std::vec::Vec<u8>) {
                #p::encode_nested(self, buf)
            }

            fn decode_value(reader: &mut #p::Reader<'_>) -> #r {
                #p::decode_nested(reader)
            }

            fn absent_in_map() -> #r {
                #p::decode_empty()
            }
        }

        impl #k::kafka::ProtobufMessage for #path {
            fn encode_proto(&self) -> ::std::vec::Vec<u8> {
                #p::encode(self)
            }

            fn decode_proto(bytes: &[u8]) -> ::std::result::Result<Self, ::std::string::String> {
                #p::decode(bytes).map_err(|e| ::std::string::ToString::to_string(&e))
            }
        }
    }
}

fn number(f: &Field) -> Literal {
    Literal::u32_unsuffixed(f.number)
}

/// Encoding and decoding of a struct's (or error's) fields.
fn struct_codec(
    inner: &Gen,
    p: &TokenStream,
    type_name: &str,
    fields: &[Field],
) -> (TokenStream, TokenStream) {
    if fields.is_empty() {
        let encode = quote!(let _ = buf;);
        let decode = quote! {
            while let ::std::option::Option::Some((_, wire)) = reader.next_field()? {
                reader.skip(wire)?;
            }
            ::std::result::Result::Ok(Self {})
        };
        return (encode, decode);
    }
    let mut encode = TokenStream::new();
    let mut slots = TokenStream::new();
    let mut arms = TokenStream::new();
    let mut inits = TokenStream::new();
    for (i, f) in fields.iter().enumerate() {
        let name = field_ident(&f.name);
        let n = number(f);
        let slot: Ident = format_ident!("field_{}", i);
        let ty = inner.rust_type(&f.ty, f.boxed);
        let (put, merge) = match &f.ty {
            Type::Optional(_) => (quote!(encode_optional), quote!(merge_field)),
            Type::List(_) => (quote!(encode_repeated), quote!(merge_repeated)),
            Type::Map(_) => (quote!(encode_map), quote!(merge_map)),
            _ => (quote!(encode_field), quote!(merge_field)),
        };
        encode.extend(quote!(#p::#put(buf, #n, &self.#name);));
        arms.extend(quote!(#n => #p::#merge(wire, reader, &mut #slot)?,));
        match &f.ty {
            Type::Optional(_) | Type::List(_) | Type::Map(_) => {
                slots.extend(quote!(let mut #slot: #ty = ::std::default::Default::default();));
                inits.extend(quote!(#name: #slot,));
            }
            _ => {
                let label = format!("{type_name}.{}", f.name);
                slots.extend(quote!(let mut #slot: ::std::option::Option<#ty> = ::std::option::Option::None;));
                inits.extend(quote!(#name: #p::required(#slot, #label)?,));
            }
        }
    }
    let decode = quote! {
        #slots
        while let ::std::option::Option::Some((number, wire)) = reader.next_field()? {
            match number {
                #arms
                _ => reader.skip(wire)?,
            }
        }
        ::std::result::Result::Ok(Self { #inits })
    };
    (encode, decode)
}

/// Encoding and decoding of a union: a message with one `oneof` of its variants.
fn union_codec(
    p: &TokenStream,
    path: &TokenStream,
    full: &str,
    variants: &[Field],
) -> (TokenStream, TokenStream) {
    let mut encode_arms = TokenStream::new();
    let mut decode_arms = TokenStream::new();
    for v in variants {
        let variant = super::ident::type_ident(&v.name);
        let n = number(v);
        encode_arms.extend(quote!(#path::#variant(value) => #p::encode_variant(buf, #n, value),));
        decode_arms.extend(quote! {
            #n => value = ::std::option::Option::Some(#path::#variant(#p::decode_variant(wire, reader)?)),
        });
    }
    let missing = format!("no variant of union `{full}` is set");
    let encode = if variants.is_empty() {
        quote!(let _ = buf; match *self {})
    } else {
        quote!(match self { #encode_arms })
    };
    let decode = quote! {
        let mut value: ::std::option::Option<Self> = ::std::option::Option::None;
        while let ::std::option::Option::Some((number, wire)) = reader.next_field()? {
            match number {
                #decode_arms
                _ => reader.skip(wire)?,
            }
        }
        value.ok_or_else(|| #p::DecodeError::new(#missing))
    };
    (encode, decode)
}
