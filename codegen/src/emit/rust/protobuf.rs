//! The protobuf wire format of the domain types: one `__proto!` call per struct, error, union,
//! enum and rpc request struct, naming each field's kind and number (the facade's
//! `glue_proto.rs` writes the impls). gRPC's codec and Kafka's `protobuf` topics both encode
//! through it, so the domain types are their own protobuf messages: no prost structs and no
//! conversions are generated.
//!
//! ```text
//! ::rosetta::__proto!(struct Order, "Order" { field 1 id, repeated 3 lines, .. });
//! ::rosetta::__proto!(union Payment, "shop.v1.Payment" { 1 Card "card", 2 Invoice "invoice" });
//! ::rosetta::__proto!(enum Status, "shop.v1.Status");
//! ```

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::ident::{field_ident, type_ident};
use super::types::Gen;
use crate::ir::{Field, Service, Type, TypeKind};

/// The `__proto!` call of declared type `id`.
pub(super) fn type_impl(g: &Gen, id: usize) -> TokenStream {
    let k = &g.krate;
    let def = &g.ir.types[id];
    let path = g.type_path(id);
    let full = def.full_name();
    match &def.kind {
        TypeKind::Enum(_) => quote!(#k::__proto!(enum #path, #full);),
        TypeKind::Union(u) => {
            let variants = u.variants.iter().map(|v| {
                let n = number(v);
                let variant = type_ident(&v.name);
                let wire = &v.name;
                quote!(#n #variant #wire)
            });
            quote!(#k::__proto!(union #path, #full { #(#variants),* });)
        }
        _ => struct_impl(g, path, &def.name, def.fields()),
    }
}

/// The `__proto!` calls of the request structs of service `s`'s parameter lists.
pub(super) fn request_impls(g: &Gen, s: &Service) -> Vec<TokenStream> {
    s.rpcs
        .iter()
        .filter_map(|rpc| match &rpc.input {
            crate::ir::Input::Params(request) => {
                let path = type_ident(&request.name);
                Some(struct_impl(
                    g,
                    quote!(#path),
                    &request.name,
                    &request.fields,
                ))
            }
            _ => None,
        })
        .collect()
}

/// `__proto!(struct …)`: each field's kind, number, Rust name and (when it differs) IDL name.
fn struct_impl(g: &Gen, path: TokenStream, name: &str, fields: &[Field]) -> TokenStream {
    let k = &g.krate;
    let fields = fields.iter().map(|f| {
        let n = number(f);
        let field = field_ident(&f.name);
        let idl = (field != f.name).then(|| f.name.clone());
        let kind = match &f.ty {
            Type::Optional(_) => quote!(optional),
            Type::List(_) => quote!(repeated),
            Type::Map(_) => quote!(map),
            _ => quote!(field),
        };
        quote!(#kind #n #field #idl)
    });
    quote!(#k::__proto!(struct #path, #name { #(#fields),* });)
}

fn number(f: &Field) -> Literal {
    Literal::u32_unsuffixed(f.number)
}
