//! The protobuf wire format of the domain types: one `__proto!` call per struct, error, union,
//! enum and rpc request struct, naming each field's kind and number (the facade's
//! `glue_proto.rs` writes the impls). gRPC's codec and Kafka's `protobuf` topics both encode
//! through it, so the domain types are their own protobuf messages: no prost structs and no
//! conversions are generated. Written as text ([`super::text`]): one call per type.
//!
//! ```text
//! ::rosetta::__proto!(struct Order, "Order" { field 1 id, repeated 3 lines, .. });
//! ::rosetta::__proto!(union Payment, "shop.v1.Payment" { 1 Card "card", 2 Invoice "invoice" });
//! ::rosetta::__proto!(enum Status, "shop.v1.Status");
//! ```

use super::ident::{field_name, str_text, type_name};
use super::text::Text;
use super::types::Gen;
use crate::ir::{Field, Input, Service, Type, TypeKind};

/// The `__proto!` call of declared type `id`.
pub(super) fn type_impl(g: &Gen, out: &mut Text, id: usize) {
    let def = &g.ir.types[id];
    let path = g.type_path_text(id);
    let full = str_text(&def.full_name());
    match &def.kind {
        TypeKind::Enum(_) => {
            out.start().push_str(g.k);
            out.list("::__proto!(", &[format!("enum {path}"), full], ");");
            out.end();
        }
        TypeKind::Union(u) => {
            let variants: Vec<String> = u
                .variants
                .iter()
                .map(|v| format!("{} {} {}", v.number, type_name(&v.name), str_text(&v.name)))
                .collect();
            call(g, out, &format!("union {path}"), &full, &variants);
        }
        _ => struct_impl(g, out, &path, &def.name, def.fields()),
    }
}

/// The `__proto!` calls of the request structs of service `s`'s parameter lists, each in its
/// `grpc` gate.
pub(super) fn request_impls(g: &Gen, out: &mut Text, s: &Service) {
    for rpc in &s.rpcs {
        if let Input::Params(request) = &rpc.input {
            let path = type_name(&request.name);
            super::text::gated(out, &g.config.crate_path, &["grpc"], |out| {
                struct_impl(g, out, &path, &request.name, &request.fields)
            });
        }
    }
}

/// `__proto!(struct …)`: each field's kind, number, Rust name and (when it differs) IDL name.
fn struct_impl(g: &Gen, out: &mut Text, path: &str, name: &str, fields: &[Field]) {
    let fields: Vec<String> = fields
        .iter()
        .map(|f| {
            let field = field_name(&f.name);
            let kind = match &f.ty {
                Type::Optional(_) => "optional",
                Type::List(_) => "repeated",
                Type::Map(_) => "map",
                _ => "field",
            };
            if *field == *f.name {
                format!("{kind} {} {field}", f.number)
            } else {
                format!("{kind} {} {field} {}", f.number, str_text(&f.name))
            }
        })
        .collect();
    call(g, out, &format!("struct {path}"), &str_text(name), &fields);
}

/// `<crate>::__proto!(head, name { items });` on a line of its own (or broken into lines).
fn call(g: &Gen, out: &mut Text, head: &str, name: &str, items: &[String]) {
    out.start().push_str(g.k);
    out.out.push_str("::__proto!");
    out.list_with_block(&[head.to_string()], name, items);
    out.out.push(';');
    out.end();
}
