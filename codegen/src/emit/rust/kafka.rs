//! The Kafka glue of a topic: a module per topic with its names, a `Topic` impl (constants and
//! associated types) that types the runtime's generic `Producer` and `Consumer`, the topic's
//! `Handler` trait (one method per union variant, or one for a plain value) and its `Dispatch`
//! — plus, for `protobuf` topics, the protobuf wire format of every type the value reaches.
//!
//! ```text
//! pub mod shop_product_events {
//!     pub const TOPIC: &str = "shop.product-events";
//!     pub type Value = super::ProductEvent;
//!     pub struct Topic;     // impl rosetta::kafka::Topic: names, Value, Encoding, key
//!     pub type Producer = rosetta::kafka::Producer<Topic, KeyField>;  // send(&value), enqueue, flush
//!     pub type Consumer = rosetta::kafka::Consumer<Topic>;  // new(config, group), run(handler, shutdown)
//!     pub trait Handler;    // created(Record<Product>), updated(..), deleted(..)
//! }
//! ```

use std::collections::BTreeSet;

use heck::ToSnakeCase;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::ident::field_ident;
use super::types::{Gen, docs, holds_bytes};
use crate::ir::{Encoding, Field, Ir, Topic, TopicKey, Type, TypeKind};

/// How deep a key field may sit below nested unions before the emitter gives up.
const MAX_KEY_DEPTH: usize = 32;

/// The module of `t`: the snake_case topic name (`shop.product-events` → `shop_product_events`).
fn module_name(topic: &str) -> String {
    topic.to_snake_case()
}

/// The typed producer and consumer of `t`: its module, then the protobuf wire format of each
/// type it is the first protobuf topic to reach, one item each (written one by one: together
/// they grew with the API, 5 MB for one topic of a 2,000-type API).
pub(super) fn topic<'a>(
    g: &'a Gen,
    t: &Topic,
    protobuf_firsts: &'a [usize],
) -> Result<impl Iterator<Item = TokenStream> + 'a, String> {
    let k = &g.krate;
    let inner = g.nested();
    let module = field_ident(&module_name(&t.name));
    let name = &t.name;
    let dlq = &t.dead_letter;
    let value_type_name = g.ir.type_name(&t.value);
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
    let key = key_fn(&inner, t)?;
    let key_kind = match &t.key {
        TopicKey::Field(_) => quote!(#k::kafka::KeyField),
        TopicKey::Explicit(_) => quote!(#k::kafka::KeyExplicit),
    };
    let handler = handler(&inner, t)?;
    let name_doc = format!(" `{name}`: the topic's name on the broker.");
    let dlq_doc = format!(
        " `{dlq}`: where a [`Consumer`] sends the records it cannot decode or handle (unless told otherwise)."
    );
    let type_doc = format!(
        " `{value_type_name}`: the IDL type of the values, in every record's `rosetta-type` header."
    );
    let ct_doc = format!(" `{content_type}`: every record's `content-type` header.");
    let items = vec![quote! {
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

            /// The topic, for the runtime's generic [`Producer`] and [`Consumer`].
            #[derive(Debug, Clone, Copy)]
            pub struct Topic;

            impl #k::kafka::Topic for Topic {
                const NAME: &'static str = TOPIC;
                const DEAD_LETTER_TOPIC: &'static str = DEAD_LETTER_TOPIC;
                const VALUE_TYPE: &'static str = VALUE_TYPE;
                type Value = Value;
                type Encoding = Encoding;
                #key
            }

            /// The topic's typed producer (`send`, `enqueue`, `flush`, `tombstone`).
            pub type Producer = #k::kafka::Producer<Topic, #key_kind>;
            /// The topic's consumer: `run` dispatches every record to a [`Handler`].
            pub type Consumer = #k::kafka::Consumer<Topic>;

            #handler
        }
    }];
    // Made one at a time as the caller writes them: a topic can reach thousands of types, and
    // their token trees together were most of the generator's peak memory.
    Ok(items
        .into_iter()
        .chain(protobuf_firsts.iter().map(|id| protobuf_impl(g, *id))))
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
        // Bytes at any depth of containers: one generic module (`json::bytes`).
        t if holds_bytes(t) => Some("bytes"),
        _ => None,
    };
    let Some(with) = with else {
        return Ok((TokenStream::new(), quote!(#k::kafka::Json)));
    };
    let with = format!("{}::__private::json::{with}", g.config.crate_path);
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

/// `Topic::key`: the value's key field, or `None` for topics keyed explicitly.
fn key_fn(inner: &Gen, t: &Topic) -> Result<TokenStream, String> {
    let TopicKey::Field(field) = &t.key else {
        return Ok(quote! {
            fn key(_: &Value) -> ::std::option::Option<&str> {
                ::std::option::Option::None
            }
        });
    };
    let Type::Named { id, .. } = &t.value else {
        return Err(format!(
            "topic \"{}\" is keyed by `value.{field}` but its value has no fields",
            t.name
        ));
    };
    let body = key_expr(inner, *id, quote!(value), field, 0)?;
    Ok(quote! {
        fn key(value: &Value) -> ::std::option::Option<&str> {
            ::std::option::Option::Some(#body)
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
            let dispatch = quote!(handler.handle(record));
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

        impl<H: Handler> #k::kafka::Dispatch<H> for Topic {
            fn handle(handler: &H, record: #k::kafka::Record<Value>) -> #ret {
                #dispatch
            }

            fn tombstone(handler: &H, record: #k::kafka::Record<()>) -> #ret {
                handler.tombstone(record)
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
            #path::#variant(value) => handler.#method(rest.with_value(#unboxed)).await,
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

/// For each topic (by index), the types whose protobuf wire format it emits: those its value
/// reaches that no earlier protobuf topic reached, so each impl is emitted exactly once per
/// compilation, whichever package holds it. One pass over the topics (asking each topic for the
/// topics before it was quadratic: 100 topics of a 20,000-type API).
pub(super) fn protobuf_firsts(ir: &Ir) -> Vec<Vec<usize>> {
    let mut seen = BTreeSet::new();
    ir.topics
        .iter()
        .map(|t| {
            if t.encoding != Encoding::Protobuf {
                return Vec::new();
            }
            ir.types_reached(&t.value)
                .into_iter()
                .filter(|id| seen.insert(*id))
                .collect()
        })
        .collect()
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
