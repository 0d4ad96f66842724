//! The gRPC glue: per package, the prost module (compiled by the `Builder` from the emitted
//! `.proto` with protox and tonic-prost-build) and the domain ↔ prost conversions of its types;
//! per service, the adapter implementing tonic's generated server trait by calling the Rosetta
//! trait, the error conversions of its `<Rpc>Error` enums, a typed `GrpcClient`, and the mount
//! into `parts.grpc_services`.
//!
//! The prost module of package `p` is `<module of p>::proto` (`include!`d from
//! `rosetta-prost/<p>.rs` beside the package file); the Builder points prost's references to other packages at
//! their `proto` modules by relative path, so the prost modules mirror the package modules the
//! way the domain types do. Names of prost items are computed here with prost's and tonic's own
//! rules ([`prost_type`], [`prost_field`], [`tonic_snake`]).
//!
//! Conversions do not depend on where prost boxes recursive fields: they go through the runtime's
//! `Unbox` and `Rebox`, which accept both shapes.

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, format_ident, quote};

use super::ident::{field_ident, type_ident};
use super::package_segments;
use super::protocols::Glue;
use super::types::{Gen, docs};
use crate::conventions::{proto_wrapper_field, proto_wrapper_name, response_message_name};
use crate::emit::proto::{
    DESCRIPTOR_FILE, PROST_DIR, PROTO_DIR, RESULT_FIELD, oneof_name, prost_field, prost_file_name,
    prost_type,
};
use crate::ir::{Field, Input, Output, RequestMessage, Rpc, Service, Type, TypeKind};

/// tonic-build's `naive_snake_case`, used for the `<service>_server` / `_client` modules.
fn tonic_snake(name: &str) -> String {
    let mut s = String::new();
    let mut it = name.chars().peekable();
    while let Some(x) = it.next() {
        s.push(x.to_ascii_lowercase());
        if it.peek().is_some_and(|y| y.is_uppercase()) {
            s.push('_');
        }
    }
    s
}

/// The prost service name (`to_upper_camel` of the proto name).
fn prost_service_name(name: &str) -> String {
    prost_type(name).to_string()
}

/// Identity conversions: scalars whose prost and domain types are the same Rust type.
fn is_identity(t: &Type) -> bool {
    matches!(
        t,
        Type::Bool
            | Type::I32
            | Type::I64
            | Type::U32
            | Type::U64
            | Type::F64
            | Type::String
            | Type::Bytes
    )
}

/// True for a list, map or optional: inside another container, .proto wraps it in a message.
fn is_container(t: &Type) -> bool {
    matches!(t, Type::Optional(_) | Type::List(_) | Type::Map(_))
}

/// True when `tokens` use the identifier `name` (a conversion that reads its field path).
fn mentions(tokens: &TokenStream, name: &str) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == name,
        proc_macro2::TokenTree::Group(g) => mentions(&g.stream(), name),
        _ => false,
    })
}

/// True when `tokens` hold a `?` (a conversion that can fail).
fn has_try(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        proc_macro2::TokenTree::Punct(p) => p.as_char() == '?',
        proc_macro2::TokenTree::Group(g) => has_try(&g.stream()),
        _ => false,
    })
}

/// Conversion code generator, at the module depth of `g`.
struct Conv<'g, 'a> {
    g: &'g Gen<'a>,
    rt: TokenStream,
    /// The prost module holding the wrapper messages of the message being converted
    /// (`proto::calendar`): .proto nests them in the message that uses them.
    owner: std::cell::RefCell<TokenStream>,
    /// The package of that message (wrapper names spell other packages' types in full).
    owner_package: std::cell::RefCell<Option<String>>,
}

impl<'g, 'a> Conv<'g, 'a> {
    fn new(g: &'g Gen<'a>) -> Self {
        let k = &g.krate;
        Conv {
            g,
            rt: quote!(#k::__private::grpc),
            owner: std::cell::RefCell::new(TokenStream::new()),
            owner_package: std::cell::RefCell::new(None),
        }
    }

    /// Sets the message (of package `package`) whose nested wrappers conversions refer to.
    fn set_owner(&self, package: Option<&str>, message: &str) {
        let m = self.proto_module(package);
        let nested = prost_field(message);
        *self.owner.borrow_mut() = quote!(#m::#nested);
        *self.owner_package.borrow_mut() = package.map(str::to_string);
    }

    /// The prost type of the wrapper message of container `t` in the current owner.
    fn wrapper_type(&self, t: &Type) -> TokenStream {
        let owner = self.owner.borrow().clone();
        let package = self.owner_package.borrow().clone();
        let name = prost_type(&proto_wrapper_name(self.g.ir, package.as_deref(), t));
        quote!(#owner::#name)
    }

    /// `super::…::proto`: the prost module of `package`, from the current module.
    fn proto_module(&self, package: Option<&str>) -> TokenStream {
        let from = package_segments(self.g.package.as_deref());
        let to = package_segments(package);
        let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
        let supers = (common..from.len() + self.g.depth).map(|_| quote!(super::));
        let downs = to[common..].iter().map(|s| {
            let m = field_ident(s);
            quote!(#m::)
        });
        quote!(#(#supers)* #(#downs)* proto)
    }

    /// The prost type of declared type `id`.
    fn proto_type(&self, id: usize) -> TokenStream {
        let t = &self.g.ir.types[id];
        let m = self.proto_module(t.package.as_deref());
        let name = prost_type(&t.name);
        quote!(#m::#name)
    }

    /// A synthesized message of the current package (`AddRequest`, `AddResponse`).
    fn proto_local(&self, name: &str) -> TokenStream {
        let m = self.proto_module(self.g.package.as_deref());
        let name = prost_type(name);
        quote!(#m::#name)
    }

    fn is_enum(&self, id: usize) -> bool {
        matches!(self.g.ir.types[id].kind, TypeKind::Enum(_))
    }

    /// prost value `x` of a list element, map value or oneof member (never optional) → domain.
    fn elem_from(&self, t: &Type, x: TokenStream, path: TokenStream, boxed: bool) -> TokenStream {
        let rt = &self.rt;
        match t {
            t if is_identity(t) => x,
            Type::Timestamp => quote!(#rt::convert::timestamp_from_proto(#x, #path)?),
            Type::Named { id, .. } if self.is_enum(*id) => {
                let d = self.g.type_path(*id);
                quote!(<#d as #rt::FromProto<i32>>::from_proto(#x, #path)?)
            }
            Type::Named { id, .. } => {
                let d = self.g.type_path(*id);
                let p = self.proto_type(*id);
                let v = quote! {
                    <#d as #rt::FromProto<#p>>::from_proto(
                        <_ as #rt::convert::Unbox<#p>>::unbox(#x), #path)?
                };
                if boxed {
                    quote!(::std::boxed::Box::new(#v))
                } else {
                    v
                }
            }
            Type::Any => {
                let k = &self.g.krate;
                quote!(<#k::Value as #rt::FromProto<#rt::value::RosettaValue>>::from_proto(#x, #path)?)
            }
            // A container where .proto has none: its wrapper message, then the wrapped field.
            Type::Optional(_) | Type::List(_) | Type::Map(_) => {
                let w = self.wrapper_type(t);
                let f = prost_field(proto_wrapper_field(t));
                let inner = self.field_from(t, quote!(w.#f), path, false);
                quote!({
                    let w: #w = #rt::convert::Unbox::unbox(#x);
                    #inner
                })
            }
            _ => x,
        }
    }

    /// prost field value `x` of a message field of IDL type `t` → domain (`?` on failure): one
    /// runtime call (`FromProto` of the field's whole shape, or `convert::message`), except for a
    /// list or map nested in a container, whose wrapper message is unwrapped here.
    fn field_from(&self, t: &Type, x: TokenStream, path: TokenStream, boxed: bool) -> TokenStream {
        let rt = &self.rt;
        match t {
            t if is_identity(t) => x,
            Type::Optional(inner) | Type::List(inner) if is_identity(inner) => x,
            Type::Map(inner) if is_identity(inner) => quote!(#x.into_iter().collect()),
            Type::Any => quote!(#rt::convert::any(#x, #path)?),
            Type::Timestamp => quote!(#rt::convert::message(#x, #path)?),
            Type::Named { id, .. } if self.is_enum(*id) => {
                quote!(#rt::FromProto::from_proto(#x, #path)?)
            }
            Type::Named { id, .. } => {
                // prost may box the field by its own rule: name its message so `Unbox` is not
                // ambiguous.
                let p = self.proto_type(*id);
                let v = quote!(#rt::convert::message::<_, #p>(#x, #path)?);
                if boxed {
                    quote!(::std::boxed::Box::new(#v))
                } else {
                    v
                }
            }
            Type::Optional(inner) | Type::List(inner) | Type::Map(inner)
                if !boxed && !is_container(inner) =>
            {
                quote!(#rt::FromProto::from_proto(#x, #path)?)
            }
            Type::Optional(inner) => {
                let v = self.elem_from(inner, quote!(v), path, boxed);
                // A conversion that cannot fail is a plain `map` (clippy's `manual_map`).
                if !has_try(&v) {
                    return quote!(#x.map(|v| #v));
                }
                quote! {
                    match #x {
                        ::std::option::Option::Some(v) => ::std::option::Option::Some(#v),
                        ::std::option::Option::None => ::std::option::Option::None,
                    }
                }
            }
            Type::List(inner) => {
                let v = self.elem_from(inner, quote!(x), quote!(&list_path.index(i)), false);
                // A conversion that cannot fail (a wrapper of scalars) names no path: then
                // neither the path nor the index is bound, so the generated code has no unused
                // variable.
                if !mentions(&v, "list_path") {
                    return quote! {{
                        let items = #x;
                        let mut out = ::std::vec::Vec::with_capacity(items.len());
                        for x in items {
                            out.push(#v);
                        }
                        out
                    }};
                }
                quote! {{
                    let list_path = #path;
                    let items = #x;
                    let mut out = ::std::vec::Vec::with_capacity(items.len());
                    for (i, x) in items.into_iter().enumerate() {
                        out.push(#v);
                    }
                    out
                }}
            }
            Type::Map(inner) => {
                let v = self.elem_from(inner, quote!(x), quote!(&map_path.key(&k)), false);
                let bind = if mentions(&v, "map_path") {
                    quote!(let map_path = #path;)
                } else {
                    TokenStream::new()
                };
                quote! {{
                    #bind
                    let mut out = ::std::collections::BTreeMap::new();
                    for (k, x) in #x {
                        let v = #v;
                        out.insert(k, v);
                    }
                    out
                }}
            }
            _ => x,
        }
    }

    /// Domain value `v` (list element, map value, oneof member) → prost.
    fn elem_into(&self, t: &Type, v: TokenStream, boxed: bool) -> TokenStream {
        let rt = &self.rt;
        match t {
            t if is_identity(t) => v,
            Type::Timestamp => quote!(#rt::convert::timestamp_into_proto(#v)),
            Type::Named { id, .. } if self.is_enum(*id) => {
                let d = self.g.type_path(*id);
                quote!(<#d as #rt::IntoProto<i32>>::into_proto(#v))
            }
            Type::Named { id, .. } => {
                let d = self.g.type_path(*id);
                let p = self.proto_type(*id);
                let v = if boxed { quote!(*#v) } else { v };
                quote! {
                    #rt::convert::Rebox::rebox(<#d as #rt::IntoProto<#p>>::into_proto(#v))
                }
            }
            Type::Any => {
                let k = &self.g.krate;
                quote!(<#k::Value as #rt::IntoProto<#rt::value::RosettaValue>>::into_proto(#v))
            }
            Type::Optional(_) | Type::List(_) | Type::Map(_) => {
                let w = self.wrapper_type(t);
                let f = prost_field(proto_wrapper_field(t));
                let inner = self.field_into(t, v, false);
                quote!(#rt::convert::Rebox::rebox(#w { #f: #inner }))
            }
            _ => v,
        }
    }

    /// [`Self::elem_into`] as something `map` takes: a function path where one exists (clippy
    /// finds `|x| f(x)` redundant), a closure otherwise.
    fn elem_into_fn(&self, t: &Type, boxed: bool) -> TokenStream {
        let rt = &self.rt;
        match t {
            Type::Timestamp => quote!(#rt::convert::timestamp_into_proto),
            Type::Any => {
                let k = &self.g.krate;
                quote!(<#k::Value as #rt::IntoProto<#rt::value::RosettaValue>>::into_proto)
            }
            Type::Named { id, .. } if self.is_enum(*id) => {
                let d = self.g.type_path(*id);
                quote!(<#d as #rt::IntoProto<i32>>::into_proto)
            }
            _ => {
                let e = self.elem_into(t, quote!(x), boxed);
                quote!(|x| #e)
            }
        }
    }

    /// Domain field value `v` of IDL type `t` → the prost field value: one runtime call, as in
    /// [`Self::field_from`].
    fn field_into(&self, t: &Type, v: TokenStream, boxed: bool) -> TokenStream {
        let rt = &self.rt;
        match t {
            t if is_identity(t) => v,
            Type::Optional(inner) | Type::List(inner) if is_identity(inner) => v,
            Type::Map(inner) if is_identity(inner) => quote!(#v.into_iter().collect()),
            Type::Timestamp | Type::Any => quote!(#rt::convert::into_message(#v)),
            Type::Named { id, .. } if self.is_enum(*id) => quote!(#rt::IntoProto::into_proto(#v)),
            Type::Named { .. } => {
                let v = if boxed { quote!(*#v) } else { v };
                quote!(#rt::convert::into_message(#v))
            }
            Type::Optional(inner) | Type::List(inner) | Type::Map(inner)
                if !boxed && !is_container(inner) =>
            {
                quote!(#rt::IntoProto::into_proto(#v))
            }
            Type::Optional(inner) => {
                let f = self.elem_into_fn(inner, boxed);
                quote!(#v.map(#f))
            }
            Type::List(inner) => {
                let f = self.elem_into_fn(inner, false);
                quote!(#v.into_iter().map(#f).collect())
            }
            Type::Map(inner) => {
                let e = self.elem_into(inner, quote!(x), false);
                quote!(#v.into_iter().map(|(k, x)| (k, #e)).collect())
            }
            _ => v,
        }
    }

    /// `FromProto` and `IntoProto` for a struct-shaped type (struct, error, request struct).
    fn struct_impls(
        &self,
        domain: TokenStream,
        proto: TokenStream,
        fields: &[Field],
    ) -> TokenStream {
        let rt = &self.rt;
        let k = &self.g.krate;
        let from = fields.iter().map(|f| {
            let d = field_ident(&f.name);
            let p = prost_field(&f.name);
            let wire = &f.name;
            let v = self.field_from(&f.ty, quote!(proto.#p), quote!(&path.field(#wire)), f.boxed);
            quote!(#d: #v,)
        });
        let into = fields.iter().map(|f| {
            let d = field_ident(&f.name);
            let p = prost_field(&f.name);
            let v = self.field_into(&f.ty, quote!(self.#d), f.boxed);
            quote!(#p: #v,)
        });
        let unused = if fields.is_empty() {
            quote!(let _ = (proto, path);)
        } else {
            quote!(let _ = path;)
        };
        quote! {
            impl #rt::FromProto<#proto> for #domain {
                fn from_proto(
                    proto: #proto,
                    path: &#k::__private::validate::Path<'_>,
                ) -> ::std::result::Result<Self, #k::Violation> {
                    #unused
                    ::std::result::Result::Ok(Self { #(#from)* })
                }
            }

            impl #rt::IntoProto<#proto> for #domain {
                fn into_proto(self) -> #proto {
                    #proto { #(#into)* }
                }
            }
        }
    }

    /// The conversions of declared type `id`.
    fn type_impls(&self, id: usize) -> TokenStream {
        let t = &self.g.ir.types[id];
        let rt = &self.rt;
        let k = &self.g.krate;
        let domain = self.g.type_path(id);
        self.set_owner(t.package.as_deref(), &t.name);
        match &t.kind {
            TypeKind::Struct(s) => self.struct_impls(domain, self.proto_type(id), &s.fields),
            TypeKind::Error(e) => self.struct_impls(domain, self.proto_type(id), &e.body.fields),
            TypeKind::Enum(_) => {
                let name = &t.name;
                quote! {
                    impl #rt::FromProto<i32> for #domain {
                        fn from_proto(
                            number: i32,
                            path: &#k::__private::validate::Path<'_>,
                        ) -> ::std::result::Result<Self, #k::Violation> {
                            Self::from_number(number)
                                .ok_or_else(|| #rt::convert::unknown_enum(number, #name, path))
                        }
                    }

                    impl #rt::IntoProto<i32> for #domain {
                        #[inline]
                        fn into_proto(self) -> i32 {
                            self.number()
                        }
                    }
                }
            }
            TypeKind::Union(u) => {
                let proto = self.proto_type(id);
                let m = self.proto_module(t.package.as_deref());
                let nested = prost_field(&t.name);
                let oneof = oneof_name(&t.name, &u.variants);
                let oneof_field = prost_field(&oneof);
                let oneof_enum = prost_type(&oneof);
                let from = u.variants.iter().map(|v| {
                    let dv = type_ident(&v.name);
                    let pv = prost_type(&v.name);
                    let wire = &v.name;
                    let conv =
                        self.elem_from(&v.ty, quote!(x), quote!(&path.field(#wire)), v.boxed);
                    quote! {
                        ::std::option::Option::Some(#m::#nested::#oneof_enum::#pv(x)) =>
                            ::std::result::Result::Ok(Self::#dv(#conv)),
                    }
                });
                let into = u.variants.iter().map(|v| {
                    let dv = type_ident(&v.name);
                    let pv = prost_type(&v.name);
                    let conv = self.elem_into(&v.ty, quote!(x), v.boxed);
                    quote!(Self::#dv(x) => #m::#nested::#oneof_enum::#pv(#conv),)
                });
                quote! {
                    impl #rt::FromProto<#proto> for #domain {
                        fn from_proto(
                            proto: #proto,
                            path: &#k::__private::validate::Path<'_>,
                        ) -> ::std::result::Result<Self, #k::Violation> {
                            match proto.#oneof_field {
                                #(#from)*
                                ::std::option::Option::None =>
                                    ::std::result::Result::Err(#rt::convert::oneof_not_set(path)),
                            }
                        }
                    }

                    impl #rt::IntoProto<#proto> for #domain {
                        fn into_proto(self) -> #proto {
                            #proto {
                                #oneof_field: ::std::option::Option::Some(match self { #(#into)* }),
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The gRPC items of one package: its prost module and the conversions of its types and of the
/// request structs of its services, one item per type or request so the caller can format and
/// write each before building the next (one item for the package grew with the API: hundreds of
/// MB of syntax tree at 2,000 types). `g` is at the package module (depth 0).
pub(super) fn package(
    g: &Gen,
    emit: &mut dyn FnMut(TokenStream) -> Result<(), String>,
) -> Result<(), String> {
    // Relative to the package file itself (`include!` resolves from the file it is written in),
    // so the output works wherever it was written: `$OUT_DIR` (the Builder) or a folder of the
    // crate (`rosetta generate --target rust`), with no build script.
    let file = format!("{PROST_DIR}/{}", prost_file_name(g.package.as_deref()));
    let descriptors = format!("{PROTO_DIR}/{DESCRIPTOR_FILE}");
    let k = &g.krate;
    let c = Conv::new(g);
    emit(quote! {
        /// The protobuf messages (prost) and tonic stubs of this package, compiled from the
        /// emitted `.proto`; the gRPC glue converts between them and the domain types.
        #[allow(missing_docs, clippy::all, clippy::pedantic, unreachable_pub, non_camel_case_types)]
        pub mod proto {
            // Only with the `grpc` feature: the tonic code `use`s items that exist only then,
            // and `__require_grpc!()` at the top of the file already names the feature.
            #k::__if_grpc! { ::std::include!(#file); }

            /// The encoded `FileDescriptorSet` of every `.proto` of this build (for reflection).
            pub const FILE_DESCRIPTOR_SET: &[u8] =
                ::std::include_bytes!(#descriptors);
        }
    })?;
    for (id, t) in g.ir.types.iter().enumerate() {
        if t.package == g.package {
            emit(c.type_impls(id))?;
        }
    }
    for s in g.ir.services.iter().filter(|s| s.package == g.package) {
        for rpc in &s.rpcs {
            if let Input::Params(request) = &rpc.input {
                let name = &request.name;
                let domain = type_ident(name);
                c.set_owner(g.package.as_deref(), name);
                emit(c.struct_impls(quote!(#domain), c.proto_local(name), &request.fields))?;
            }
        }
    }
    Ok(())
}

/// What the adapter and client need to know about one rpc.
struct RpcNames {
    /// The tonic method (prost's `to_snake`).
    method: Ident,
    /// `Service.Method`, for the request context.
    context_name: String,
    /// The prost input and output types.
    input: TokenStream,
    output: TokenStream,
}

/// The gRPC glue of service `s`. `g` is at the service's module (depth 1).
pub(super) fn service(g: &Gen, s: &Service) -> Result<Glue, String> {
    let c = Conv::new(g);
    let rt = &c.rt;
    let k = &g.krate;
    let tonic = quote!(#k::__private::tonic);
    let proto = c.proto_module(g.package.as_deref());
    let service_name = prost_service_name(&s.name);
    let server_mod = format_ident!("{}_server", tonic_snake(&service_name));
    let client_mod = format_ident!("{}_client", tonic_snake(&service_name));
    let server_trait = prost_type(&s.name);
    let server_struct = format_ident!("{}Server", service_name.trim_start_matches("r#"));
    let client_struct = format_ident!("{}Client", service_name.trim_start_matches("r#"));
    let trait_name = type_ident(&s.name);
    let full_name = s.full_name();

    let mut adapter_methods = TokenStream::new();
    let mut client_methods = TokenStream::new();
    let mut shared = TokenStream::new();

    for rpc in &s.rpcs {
        let names = RpcNames {
            method: prost_field(&rpc.name),
            context_name: format!("{}.{}", s.name, rpc.name),
            input: match &rpc.input {
                Input::Unit => quote!(()),
                Input::Message(id) => c.proto_type(*id),
                Input::Params(request) => c.proto_local(&request.name),
            },
            output: match &rpc.output {
                Output::Unit => quote!(()),
                Output::Message(id) => c.proto_type(*id),
                Output::Value(_) => c.proto_local(&response_message_name(&rpc.name)),
            },
        };
        shared.extend(result_codec(&c, rpc));
        adapter_methods.extend(adapter_method(&c, rpc, &names));
        client_methods.extend(client_method(&c, s, rpc, &names));
    }

    let adapter_doc = format!(
        " Serves a [`{0}`](super::{0}) implementation through tonic: validates each request, \
         calls the trait, and maps errors to gRPC statuses.",
        s.name
    );
    let client_doc = format!(
        " A gRPC client of `{full_name}` that takes and returns domain types; declared errors come \
         back typed."
    );
    let service_doc = docs(&s.docs);
    let server = quote! {
        #[doc = #adapter_doc]
        pub struct GrpcAdapter<S> {
            inner: ::std::sync::Arc<S>,
            /// Responses smaller than this are never compressed (`GrpcOptions::compression_min_size`).
            min_compressed_size: usize,
        }

        impl<S> GrpcAdapter<S> {
            /// Wraps a shared implementation.
            pub fn new(inner: ::std::sync::Arc<S>) -> Self {
                Self {
                    inner,
                    min_compressed_size: #rt::server::DEFAULT_COMPRESSION_MIN_SIZE,
                }
            }
        }

        impl<S: super::#trait_name> GrpcAdapter<S> {
            /// The tonic service, with the message size limits and the request and response
            /// codings of `options`.
            pub fn into_service(
                mut self,
                options: &#rt::GrpcOptions,
            ) -> #proto::#server_mod::#server_struct<Self> {
                self.min_compressed_size = options.compression_min_size;
                let mut service = #proto::#server_mod::#server_struct::new(self)
                    .max_decoding_message_size(options.max_decoding_message_size)
                    .max_encoding_message_size(options.max_encoding_message_size);
                for &encoding in &options.accept_compression {
                    service = service.accept_compressed(encoding);
                }
                for &encoding in &options.send_compression {
                    service = service.send_compressed(encoding);
                }
                service
            }
        }

        #[#tonic::async_trait]
        impl<S: super::#trait_name> #proto::#server_mod::#server_trait for GrpcAdapter<S> {
            #adapter_methods
        }
    };
    let client = quote! {
        #[doc = #client_doc]
        #service_doc
        #[derive(Debug, Clone)]
        pub struct GrpcClient {
            inner: #proto::#client_mod::#client_struct<#tonic::transport::Channel>,
        }

        impl GrpcClient {
            /// Connects to `url` (`http://127.0.0.1:8080`).
            pub async fn connect(
                url: impl ::std::convert::Into<::std::string::String>,
            ) -> ::std::result::Result<Self, #k::Status> {
                ::std::result::Result::Ok(Self::new(#rt::connect(url).await?))
            }

            /// A client on an existing channel. It accepts responses compressed with any coding
            /// Rosetta speaks (gzip, deflate, zstd: it says so in `grpc-accept-encoding`) and
            /// sends requests uncompressed until [`Self::send_compressed`].
            pub fn new(channel: #tonic::transport::Channel) -> Self {
                let mut inner = #proto::#client_mod::#client_struct::new(channel);
                for encoding in #rt::ALL_ENCODINGS {
                    inner = inner.accept_compressed(encoding);
                }
                Self { inner }
            }

            /// Compresses every request message with `encoding` (`grpc-encoding`); the server
            /// must accept it (a Rosetta server accepts gzip, deflate and zstd by default).
            #[must_use]
            pub fn send_compressed(mut self, encoding: #rt::CompressionEncoding) -> Self {
                self.inner = self.inner.send_compressed(encoding);
                self
            }

            /// Accepts responses compressed with `encoding` as well (all of gzip, deflate and
            /// zstd are accepted already; this is for a coding tonic adds later).
            #[must_use]
            pub fn accept_compressed(mut self, encoding: #rt::CompressionEncoding) -> Self {
                self.inner = self.inner.accept_compressed(encoding);
                self
            }

            /// The underlying tonic client (prost messages), for metadata, compression and limits.
            pub fn tonic(&mut self) -> &mut #proto::#client_mod::#client_struct<#tonic::transport::Channel> {
                &mut self.inner
            }

            #client_methods
        }
    };

    let mount = quote! {
        {
            let adapter = GrpcAdapter::new(::std::sync::Arc::clone(&self.inner));
            parts.grpc_services.add(
                #full_name,
                #proto::FILE_DESCRIPTOR_SET,
                move |routes, options| routes.add_service(adapter.into_service(options)),
            );
        }
    };
    Ok(Glue {
        shared,
        server,
        client,
        mount,
    })
}

/// Encoding and decoding of a synthesized `<Rpc>Response { result = 1 }`.
fn result_codec(c: &Conv, rpc: &Rpc) -> TokenStream {
    let Output::Value(ty) = &rpc.output else {
        return TokenStream::new();
    };
    let k = &c.g.krate;
    let rt = &c.rt;
    let proto = c.proto_local(&response_message_name(&rpc.name));
    let value = c.g.rust_type(ty, false);
    let field = prost_field(RESULT_FIELD);
    let encode = result_fn("encode", rpc);
    let decode = result_fn("decode", rpc);
    c.set_owner(c.g.package.as_deref(), &response_message_name(&rpc.name));
    let into = c.field_into(ty, quote!(value), false);
    let from = c.field_from(
        ty,
        quote!(proto.#field),
        quote!(&path.field(#RESULT_FIELD)),
        false,
    );
    // Only a conversion that can fail reads the path.
    let fallible = from.to_string().contains("path");
    let path = if fallible { quote!(path) } else { quote!(_) };
    quote! {
        fn #encode(value: #value) -> #proto {
            #proto { #field: #into }
        }

        fn #decode(proto: #proto) -> ::std::result::Result<#value, #k::Status> {
            #rt::convert::response(proto, |proto, #path| {
                let value = #from;
                ::std::result::Result::Ok(value)
            })
        }
    }
}

/// The name of the generated `encode_<rpc>_result` / `decode_<rpc>_result` function.
fn result_fn(prefix: &str, rpc: &Rpc) -> Ident {
    format_ident!(
        "{prefix}_{}_result",
        field_ident(&rpc.name).to_string().trim_start_matches("r#")
    )
}

/// One method of the tonic service trait: a call of the runtime's `server::unary`.
fn adapter_method(c: &Conv, rpc: &Rpc, n: &RpcNames) -> TokenStream {
    let rt = &c.rt;
    let k = &c.g.krate;
    let tonic = quote!(#k::__private::tonic);
    let method = &n.method;
    let input = &n.input;
    let output = &n.output;
    let context_name = &n.context_name;
    let request = match (&rpc.input, c.g.request_type(rpc)) {
        (Input::Unit, _) | (_, None) => quote!(_: ()),
        (_, Some(ty)) => quote!(request: #ty),
    };
    // A closure, so that an expired deadline answers without calling the handler at all.
    let call =
        c.g.call_method(rpc, quote!(self.inner), quote!(ctx), quote!(request));
    let encode = match &rpc.output {
        Output::Unit | Output::Message(_) => quote!(#rt::IntoProto::into_proto),
        Output::Value(_) => result_fn("encode", rpc).into_token_stream(),
    };
    if rpc.client_streaming || rpc.server_streaming {
        return streaming_adapter_method(c, rpc, n, encode);
    }
    quote! {
        async fn #method(
            &self,
            request: #tonic::Request<#input>,
        ) -> ::std::result::Result<#tonic::Response<#output>, #tonic::Status> {
            #rt::server::unary(
                request,
                #context_name,
                self.min_compressed_size,
                move |ctx, #request| #call,
                #encode,
            )
            .await
        }
    }
}

/// The tonic method of a streaming rpc (with its `<Rpc>Stream` associated type for a server
/// stream): one call of `server::server_streaming`, `client_streaming` or `streaming`.
fn streaming_adapter_method(c: &Conv, rpc: &Rpc, n: &RpcNames, encode: TokenStream) -> TokenStream {
    let rt = &c.rt;
    let k = &c.g.krate;
    let tonic = quote!(#k::__private::tonic);
    let method = &n.method;
    let input = &n.input;
    let output = &n.output;
    let context_name = &n.context_name;
    let rust_method = field_ident(&rpc.name);
    let stream_type = format_ident!("{}Stream", rpc.name);
    let request_type = if rpc.client_streaming {
        quote!(#tonic::Request<#tonic::Streaming<#input>>)
    } else {
        quote!(#tonic::Request<#input>)
    };
    let (arg, call) = match &rpc.input {
        Input::Unit => (quote!(_: ()), quote!(self.inner.#rust_method(ctx))),
        _ => (
            quote!(request),
            c.g.call_method(rpc, quote!(self.inner), quote!(ctx), quote!(request)),
        ),
    };
    if !rpc.server_streaming {
        return quote! {
            async fn #method(
                &self,
                request: #request_type,
            ) -> ::std::result::Result<#tonic::Response<#output>, #tonic::Status> {
                #rt::server::client_streaming(
                    request,
                    #context_name,
                    self.min_compressed_size,
                    move |ctx, requests| self.inner.#rust_method(ctx, requests),
                    #encode,
                )
                .await
            }
        };
    }
    let body = if rpc.client_streaming {
        quote! {
            #rt::server::streaming(
                request,
                #context_name,
                move |ctx, requests| self.inner.#rust_method(ctx, requests),
                #encode,
            )
        }
    } else {
        quote! {
            #rt::server::server_streaming(
                request,
                #context_name,
                move |ctx, #arg| #call,
                #encode,
            )
        }
    };
    quote! {
        type #stream_type = #rt::server::ResponseStream<#output>;

        async fn #method(
            &self,
            request: #request_type,
        ) -> ::std::result::Result<#tonic::Response<Self::#stream_type>, #tonic::Status> {
            #body.await
        }
    }
}

/// One `GrpcClient` method: a call of the runtime's `client::unary`.
fn client_method(c: &Conv, s: &Service, rpc: &Rpc, n: &RpcNames) -> TokenStream {
    let rt = &c.rt;
    let method = &n.method;
    let rust_method = field_ident(&rpc.name);
    let mut doc_lines = rpc.docs.clone();
    if rpc.deprecated {
        doc_lines.push(String::new());
        doc_lines.push("**Deprecated** in the IDL.".to_string());
    }
    let doc = docs(&doc_lines);
    let (args, request) = match &rpc.input {
        Input::Unit => (quote!(), quote!(())),
        Input::Message(id) => {
            let d = c.g.type_path(*id);
            (quote!(request: #d), quote!(request))
        }
        Input::Params(RequestMessage { fields: params, .. }) => {
            let ty = c.g.request_type(rpc);
            let names: Vec<Ident> = params.iter().map(|p| field_ident(&p.name)).collect();
            let types = params.iter().map(|p| c.g.rust_type(&p.ty, false));
            (quote!(#(#names: #types),*), quote!(#ty { #(#names),* }))
        }
    };
    let ret = c.g.output_type(&rpc.output);
    let error = c.g.rpc_error_type(s, rpc, true);
    let decode = match &rpc.output {
        Output::Unit | Output::Message(_) => quote!(#rt::client::decode_response),
        Output::Value(_) => result_fn("decode", rpc).into_token_stream(),
    };
    if rpc.client_streaming || rpc.server_streaming {
        let k = &c.g.krate;
        let (args, request, call) = if rpc.client_streaming {
            // A client stream is of one message (the grammar and E0119).
            let d = c.g.request_type(rpc).unwrap_or_else(|| quote!(()));
            let kind = if rpc.server_streaming {
                quote!(streaming)
            } else {
                quote!(client_streaming)
            };
            (
                quote!(requests: impl #k::stream::Stream<Item = #d> + ::std::marker::Send + 'static),
                quote!(requests),
                kind,
            )
        } else {
            (args, request, quote!(server_streaming))
        };
        let ret = if rpc.server_streaming {
            quote!(#k::Streaming<#ret, #error>)
        } else {
            ret
        };
        return quote! {
            #doc
            #[allow(deprecated)]
            pub async fn #rust_method(&self, #args) -> ::std::result::Result<#ret, #error> {
                let mut client = self.inner.clone();
                #rt::client::#call(#request, move |m| async move { client.#method(m).await }, #decode)
                    .await
            }
        };
    }
    quote! {
        #doc
        #[allow(deprecated)]
        pub async fn #rust_method(&self, #args) -> ::std::result::Result<#ret, #error> {
            let mut client = self.inner.clone();
            #rt::client::unary(#request, move |m| async move { client.#method(m).await }, #decode)
                .await
        }
    }
}

/// The gRPC methods of a declared error's `DeclaredError` impl (at the package root): its
/// prost message is the `google.rpc.Status` detail, both ways.
pub(super) fn declared_error_methods(g: &Gen, id: usize) -> TokenStream {
    let c = Conv::new(g);
    let k = &g.krate;
    let p = c.proto_type(id);
    quote!(#k::__declared_error_grpc!(#p);)
}
