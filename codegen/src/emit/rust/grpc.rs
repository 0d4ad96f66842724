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
//! Conversions are stated, not spelled out: each type's is one `__grpc_message!` (`__grpc_oneof!`,
//! `__grpc_enum!`, `__grpc_wrapper!`) naming a conversion kind per field (the runtime's
//! `grpc::convert::kinds`). They do not depend on where prost boxes recursive fields: the kinds
//! go through the runtime's `Unbox` and `Rebox`, which accept both shapes.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::ident::{field_ident, type_ident};
use super::package_segments;
use super::protocols::Glue;
use super::types::{Gen, docs};
use crate::conventions::{
    proto_wrapper_field, proto_wrapper_name, proto_wrappers, response_message_name,
};
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

/// A field's spec in the conversion macros: `("wire", Kind)`, `("wire")`, `(Kind)` or nothing
/// (moved, reported under its Rust name).
fn spec(wire: Option<TokenStream>, kind: Option<TokenStream>) -> TokenStream {
    match (wire, kind) {
        (Some(w), Some(k)) => quote!((#w, #k)),
        (Some(w), None) => quote!((#w)),
        (None, Some(k)) => quote!((#k)),
        (None, None) => TokenStream::new(),
    }
}

/// Conversion code generator, at the module depth of `g`. It states each field's conversion
/// kind (the runtime's `grpc::convert::kinds`); the facade's `__grpc_message!`,
/// `__grpc_oneof!`, `__grpc_wrapper!` and `__grpc_enum!` expand them into the impls.
struct Conv<'g, 'a> {
    g: &'g Gen<'a>,
    /// The prost module holding the wrapper messages of the message being converted
    /// (`proto::calendar`): .proto nests them in the message that uses them.
    owner: std::cell::RefCell<TokenStream>,
    /// The package of that message (wrapper names spell other packages' types in full).
    owner_package: std::cell::RefCell<Option<String>>,
}

impl<'g, 'a> Conv<'g, 'a> {
    fn new(g: &'g Gen<'a>) -> Self {
        Conv {
            g,
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

    /// The conversion kind of a message field of IDL type `t` (`boxed`: the domain boxes it),
    /// or `None` when it is moved as it is. One runtime call per field: the whole shape's
    /// `FromProto` (`Convert`) where the runtime's container impls apply, a composed kind where
    /// prost boxes or .proto wraps.
    fn field_kind(&self, t: &Type, boxed: bool) -> Option<TokenStream> {
        Some(match t {
            t if is_identity(t) => return None,
            Type::Optional(inner) | Type::List(inner) if is_identity(inner) => return None,
            Type::Map(inner) if is_identity(inner) => quote!(Collect),
            Type::Any => quote!(Any),
            Type::Timestamp => quote!(Required(_)),
            Type::Named { id, .. } if self.is_enum(*id) => quote!(Convert),
            Type::Named { id, .. } => {
                // prost may box the field by its own rule: name its message so `Unbox` is not
                // ambiguous.
                let p = self.proto_type(*id);
                if boxed {
                    quote!(Boxed(Required(#p)))
                } else {
                    quote!(Required(#p))
                }
            }
            Type::Optional(inner) | Type::List(inner) | Type::Map(inner)
                if !boxed && !is_container(inner) =>
            {
                quote!(Convert)
            }
            Type::Optional(inner) => {
                let k = self.value_kind(inner, boxed);
                quote!(Opt(#k))
            }
            Type::List(inner) => {
                let k = self.value_kind(inner, false);
                quote!(List(#k))
            }
            Type::Map(inner) => {
                let k = self.value_kind(inner, false);
                quote!(Map(#k))
            }
            _ => return None,
        })
    }

    /// The conversion kind of a list element, map value, optional's value or `oneof` member
    /// (never absent): a container there is its wrapper message ([`Self::wrappers`]).
    fn value_kind(&self, t: &Type, boxed: bool) -> TokenStream {
        match t {
            Type::Timestamp | Type::Any => quote!(Convert),
            Type::Named { id, .. } if self.is_enum(*id) => quote!(Convert),
            Type::Named { id, .. } => {
                let p = self.proto_type(*id);
                if boxed {
                    quote!(Boxed(Message(#p)))
                } else {
                    quote!(Message(#p))
                }
            }
            Type::Optional(_) | Type::List(_) | Type::Map(_) => {
                let w = self.wrapper_type(t);
                quote!(Message(#w))
            }
            _ => quote!(Move),
        }
    }

    /// `name(Kind)` (or `name as prost_name(…)`) for one field of `__grpc_message!`, with its
    /// IDL name first when that is not the Rust one. `renamed`: every field is written in full.
    fn field_spec(&self, f: &Field, renamed: bool) -> TokenStream {
        let d = field_ident(&f.name);
        let p = prost_field(&f.name);
        let rename = renamed.then(|| quote!(as #p));
        let wire = &f.name;
        let spec = spec(
            (d != wire).then(|| quote!(#wire)),
            self.field_kind(&f.ty, f.boxed),
        );
        quote!(#d #rename #spec)
    }

    /// `FromProto` and `IntoProto` for a struct-shaped type (struct, error, request struct)
    /// and the wrappers its message nests: one `__grpc_message!`.
    fn struct_impls(
        &self,
        domain: TokenStream,
        proto: TokenStream,
        fields: &[Field],
    ) -> TokenStream {
        let k = &self.g.krate;
        let renamed = fields
            .iter()
            .any(|f| field_ident(&f.name) != prost_field(&f.name));
        let specs = fields.iter().map(|f| self.field_spec(f, renamed));
        let wrappers = self.wrappers(fields.iter().map(|f| (&f.ty, false)));
        quote! {
            #k::__grpc_message!(#domain = #proto { #(#specs),* });
            #wrappers
        }
    }

    /// The conversions of the wrapper messages the current owner nests (one per container
    /// that .proto cannot spell inside another; `fields`: each field's or member's type, and
    /// whether it is a `oneof` member).
    fn wrappers<'t>(&self, fields: impl IntoIterator<Item = (&'t Type, bool)>) -> TokenStream {
        let k = &self.g.krate;
        proto_wrappers(fields)
            .iter()
            .map(|w| {
                let domain = self.g.rust_type(w, false);
                let proto = self.wrapper_type(w);
                let field = prost_field(proto_wrapper_field(w));
                let spec = spec(None, self.field_kind(w, false));
                quote!(#k::__grpc_wrapper!(#domain = #proto { #field #spec });)
            })
            .collect()
    }

    /// The conversions of declared type `id`.
    fn type_impls(&self, id: usize) -> TokenStream {
        let t = &self.g.ir.types[id];
        let k = &self.g.krate;
        let domain = self.g.type_path(id);
        self.set_owner(t.package.as_deref(), &t.name);
        match &t.kind {
            TypeKind::Struct(s) => self.struct_impls(domain, self.proto_type(id), &s.fields),
            TypeKind::Error(e) => self.struct_impls(domain, self.proto_type(id), &e.body.fields),
            TypeKind::Enum(_) => {
                let name = &t.name;
                if domain.to_string() == *name {
                    quote!(#k::__grpc_enum!(#domain);)
                } else {
                    quote!(#k::__grpc_enum!(#domain = #name);)
                }
            }
            TypeKind::Union(u) => {
                let proto = self.proto_type(id);
                let m = self.proto_module(t.package.as_deref());
                let nested = prost_field(&t.name);
                let oneof = oneof_name(&t.name, &u.variants);
                let oneof_field = prost_field(&oneof);
                let oneof_enum = prost_type(&oneof);
                let renamed = u
                    .variants
                    .iter()
                    .any(|v| type_ident(&v.name) != prost_type(&v.name));
                let variants = u.variants.iter().map(|v| {
                    let dv = type_ident(&v.name);
                    let pv = prost_type(&v.name);
                    let rename = renamed.then(|| quote!(as #pv));
                    let wire = &v.name;
                    let kind = self.value_kind(&v.ty, v.boxed);
                    quote!(#dv #rename (#wire, #kind))
                });
                let wrappers = self.wrappers(u.variants.iter().map(|v| (&v.ty, true)));
                quote! {
                    #k::__grpc_oneof!(#domain = #proto {
                        #oneof_field: #m::#nested::#oneof_enum { #(#variants),* }
                    });
                    #wrappers
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
    let k = &g.krate;
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
        #k::__grpc_adapter! {
            #[doc = #adapter_doc]
            impl super::#trait_name => #proto::#server_mod { #server_trait, #server_struct },
                #full_name, #proto::FILE_DESCRIPTOR_SET;
            #adapter_methods
        }
    };
    let client = quote! {
        #k::__grpc_client! {
            #[doc = #client_doc]
            #service_doc
            #proto::#client_mod::#client_struct;
            #client_methods
        }
    };

    let mount = quote!(GrpcAdapter::mount(&self.inner, parts););
    Ok(Glue {
        shared,
        server,
        client,
        mount,
    })
}

/// The conversions of a synthesized `<Rpc>Response { result = 1 }` and its value, so the
/// adapter and the client encode and decode it as any other message.
fn result_codec(c: &Conv, rpc: &Rpc) -> TokenStream {
    let Output::Value(ty) = &rpc.output else {
        return TokenStream::new();
    };
    let k = &c.g.krate;
    let proto = c.proto_local(&response_message_name(&rpc.name));
    let value = c.g.rust_type(ty, false);
    let field = prost_field(RESULT_FIELD);
    c.set_owner(c.g.package.as_deref(), &response_message_name(&rpc.name));
    let spec = spec(Some(quote!(#RESULT_FIELD)), c.field_kind(ty, false));
    let wrappers = c.wrappers([(ty, false)]);
    quote! {
        #k::__grpc_wrapper!(#value = #proto { #field #spec });
        #wrappers
    }
}

/// One rpc of `__grpc_adapter!`: its kind, tonic method, context name, prost types, and the
/// trait method's arguments after the `Context`.
fn adapter_method(c: &Conv, rpc: &Rpc, n: &RpcNames) -> TokenStream {
    let method = &n.method;
    let input = &n.input;
    let output = &n.output;
    let context_name = &n.context_name;
    let rust_method = field_ident(&rpc.name);
    let kind = match (rpc.client_streaming, rpc.server_streaming) {
        (false, false) => quote!(unary),
        (false, true) => quote!(server_streaming),
        (true, false) => quote!(client_streaming),
        (true, true) => quote!(streaming),
    };
    let stream = rpc.server_streaming.then(|| {
        let stream_type = format_ident!("{}Stream", rpc.name);
        quote!([#stream_type])
    });
    let (arg, call) = match (&rpc.input, c.g.request_type(rpc)) {
        _ if rpc.client_streaming => (quote!(requests: _), quote!(#rust_method(requests))),
        (Input::Unit, _) | (_, None) => (quote!(_: ()), quote!(#rust_method())),
        (Input::Message(_), Some(ty)) => (quote!(request: #ty), quote!(#rust_method(request))),
        (Input::Params(p), Some(ty)) => {
            let fields = p.fields.iter().map(|f| field_ident(&f.name));
            (
                quote!(request: #ty),
                quote!(#rust_method(#(request.#fields),*)),
            )
        }
    };
    quote! {
        #kind #method #stream (#context_name, #input => #output) |#arg| #call;
    }
}

/// One method of `__grpc_client!`: its docs, kind, Rust signature, error type, tonic method and
/// request value.
fn client_method(c: &Conv, s: &Service, rpc: &Rpc, n: &RpcNames) -> TokenStream {
    let method = &n.method;
    let rust_method = field_ident(&rpc.name);
    let mut doc_lines = rpc.docs.clone();
    if rpc.deprecated {
        doc_lines.push(String::new());
        doc_lines.push("**Deprecated** in the IDL.".to_string());
    }
    let doc = docs(&doc_lines);
    let (args, request) = match &rpc.input {
        // A client stream is of one message (the grammar and E0119).
        _ if rpc.client_streaming => {
            let d = c.g.request_type(rpc).unwrap_or_else(|| quote!(()));
            (quote!(requests: #d), quote!(requests))
        }
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
    // `Status` when the rpc throws nothing: the macro's default.
    let error = (!rpc.throws.is_empty()).then(|| {
        let e = c.g.rpc_error_type(s, rpc, true);
        quote!(, #e)
    });
    let kind = match (rpc.client_streaming, rpc.server_streaming) {
        (false, false) => quote!(unary),
        (false, true) => quote!(server_streaming),
        (true, false) => quote!(client_streaming),
        (true, true) => quote!(streaming),
    };
    quote! {
        #doc
        #kind #rust_method(#args) -> #ret #error = #method(#request);
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
