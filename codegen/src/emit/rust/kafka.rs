//! The Kafka glue of a topic: a module per topic with its names, a `Topic` impl (constants and
//! associated types) that types the runtime's generic `Producer` and `Consumer`, the topic's
//! `Handler` trait (one method per union variant, or one for a plain value) and its `Dispatch`
//! — plus, for `protobuf` topics, the protobuf wire format of every type the value reaches.
//!
//! Every item is one call of a facade macro (`glue_kafka.rs` in the `rosetta` crate) naming only
//! the item's facts; the macros expand them into the impls at compile time:
//!
//! ```text
//! pub mod shop_product_events {
//!     ::rosetta::__kafka_topic!("shop.product-events", "shop.product-events.dlq",
//!         "shop.v1.ProductEvent", "application/json", super::ProductEvent,
//!         ::rosetta::kafka::Json, key = |value| match value { .. => &v0.id, .. });
//!     // TOPIC, DEAD_LETTER_TOPIC, VALUE_TYPE, CONTENT_TYPE, Value, Encoding, Topic,
//!     // Producer = kafka::Producer<Topic, KeyField>, Consumer = kafka::Consumer<Topic>
//!     ::rosetta::__kafka_handler!("ProductEvent" { created = Created(super::Product), .. });
//!     // trait Handler { created(Record<Product>), .., tombstone }, its Arc impl, Dispatch
//! }
//! ::rosetta::__proto!(struct Order, "Order" { field 1 id, repeated 3 lines, .. });
//! ```

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::ident::field_ident;
use super::types::{Gen, docs, holds_bytes};
use crate::ir::{Encoding, Ir, Topic, TopicKey, Type, TypeKind};

/// How deep a key field may sit below nested unions before the emitter gives up.
const MAX_KEY_DEPTH: usize = 32;

/// The module of `t`: the snake_case topic name (`shop.product-events` → `shop_product_events`).
fn module_name(topic: &str) -> String {
    crate::case::snake(topic)
}

/// The typed producer and consumer of `t`: its module. Each item is one call of a facade macro
/// (`__kafka_topic!`, `__kafka_handler!`, in the facade's `glue_kafka.rs`) stating the item's
/// facts; the macros write the impls. (The protobuf wire format of each type the topic is the
/// first protobuf topic to reach, [`protobuf_firsts`], is written after it as text.)
pub(super) fn topic(g: &Gen, t: &Topic) -> Result<TokenStream, String> {
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

    let encoding = match t.encoding {
        Encoding::Protobuf => quote!(#k::kafka::Protobuf),
        Encoding::String => quote!(#k::kafka::Utf8String),
        Encoding::Bytes => quote!(#k::kafka::RawBytes),
        // Bytes in Rosetta's JSON are base64 strings: a field says so with a serde `with`
        // module, a value holding bytes at its top level through the runtime's encoding.
        Encoding::Json if holds_bytes(&t.value) => quote!(#k::kafka::JsonBase64),
        Encoding::Json => quote!(#k::kafka::Json),
    };
    let key = match &t.key {
        TopicKey::Field(field) => {
            let Type::Named { id, .. } = &t.value else {
                return Err(format!(
                    "topic \"{}\" is keyed by `value.{field}` but its value has no fields",
                    t.name
                ));
            };
            let body = key_expr(&inner, *id, false, quote!(value), field, 0)?;
            quote!(, key = |value| #body)
        }
        TopicKey::Explicit(_) => TokenStream::new(),
    };
    let handler = handler(&inner, t);
    let inception = super::inception_allow(g.package.as_deref(), &module);
    Ok(quote! {
        #module_doc
        #inception
        pub mod #module {
            #k::__kafka_topic!(#name, #dlq, #value_type_name, #content_type, #value, #encoding #key);
            #handler
        }
    })
}

/// The expression reading string field `field` of `var` (a reference to type `id`, or to a
/// `Box` of it when `boxed`), through every variant of a union.
fn key_expr(
    inner: &Gen,
    id: usize,
    boxed: bool,
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
                    let body = key_expr(inner, *vid, v.boxed, quote!(#bind), field, depth + 1)?;
                    Ok(quote!(#path::#variant(#bind) => #body,))
                })
                .collect::<Result<Vec<_>, String>>()?;
            // A recursive variant is a `Box`: match on what it holds.
            let scrutinee = if boxed { quote!(&**#var) } else { var };
            Ok(quote!(match #scrutinee { #(#arms)* }))
        }
        _ => {
            if !def.fields().iter().any(|f| f.name == field) {
                return Err(format!("`{}` has no field `{field}`", def.name));
            }
            // Field access reads through a `Box` by itself.
            let f = field_ident(field);
            Ok(quote!(&#var.#f))
        }
    }
}

/// `"name"` after an identifier whose spelling is not the IDL name (`r#type` for `type`), for
/// the macros' docs and messages; nothing otherwise.
fn idl_name(ident: &Ident, name: &str) -> Option<String> {
    (*ident != name).then(|| name.to_string())
}

/// The topic's `Handler` trait: one `__kafka_handler!` call, with the union's variants.
fn handler(inner: &Gen, t: &Topic) -> TokenStream {
    let k = &inner.krate;
    let union = match &t.value {
        Type::Named { id, .. } => match &inner.ir.types[*id].kind {
            TypeKind::Union(u) => Some((*id, &u.variants)),
            _ => None,
        },
        _ => None,
    };
    let Some((id, variants)) = union else {
        return quote!(#k::__kafka_handler!(););
    };
    let union_name = &inner.ir.types[id].name;
    let variants = variants.iter().map(|v| {
        let method = field_ident(&v.name);
        let idl = idl_name(&method, &v.name);
        let variant = super::ident::type_ident(&v.name);
        let ty = inner.rust_type(&v.ty, false);
        let boxed = v.boxed.then(|| quote!(boxed));
        // The macro writes the first line; the IDL's docs follow after a blank line.
        let mut lines = Vec::new();
        if !v.docs.is_empty() {
            lines.push(String::new());
            lines.extend(v.docs.iter().cloned());
        }
        let doc = docs(&lines);
        quote!(#doc #method #idl = #variant(#ty) #boxed)
    });
    quote!(#k::__kafka_handler!(#union_name { #(#variants),* });)
}

/// For each topic (by index), the types whose protobuf wire format it emits: those its value
/// reaches that no earlier protobuf topic reached, so each impl is emitted exactly once per
/// compilation, whichever package holds it. One pass over the topics (asking each topic for the
/// topics before it was quadratic: 100 topics of a 20,000-type API).
pub(super) fn protobuf_firsts(ir: &Ir) -> Vec<Vec<usize>> {
    let mut seen = vec![false; ir.types.len()];
    ir.topics
        .iter()
        .map(|t| {
            if t.encoding != Encoding::Protobuf {
                return Vec::new();
            }
            ir.types_reached(&t.value, &mut seen)
        })
        .collect()
}
