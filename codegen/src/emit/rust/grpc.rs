//! The gRPC glue of a service: the adapter (the tower service tonic's router calls, dispatching
//! each rpc's path to the Rosetta trait), a typed `GrpcClient`, and the mount into
//! `parts.grpc_services`, each one facade macro with a line per rpc (`__grpc_adapter!`,
//! `__grpc_client!`); and per package the `proto` module holding the descriptor set (for
//! reflection). The domain types are the messages (their `__proto!` encoding, `protobuf.rs`):
//! an rpc names its request type and the message its answer travels in, the domain type itself
//! or a runtime `<Rpc>Response` wrapper (`grpc::message`). No prost code is generated.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::ident::{field_ident, invoker_ident, lit, moved, type_ident};
use super::protocols::{Glue, printed};
use super::text::Text;
use super::types::{Gen, docs};
use crate::emit::proto::{DESCRIPTOR_FILE, PROST_DIR, PROTO_DIR, prost_file_name};
use crate::ir::{Input, Output, RequestMessage, Rpc, Service, Type};

/// The package's `proto` module: the descriptor set of the build and, with
/// `Builder::prost_messages`, prost-build's messages. `g` is at the package module (depth 0).
pub(super) fn proto_module(g: &Gen) -> TokenStream {
    // Relative to the package file itself (`include!` resolves from the file it is written in),
    // so the output works wherever it was written: `$OUT_DIR` (the Builder) or a folder of the
    // crate (`rosetta generate --target rust`), with no build script.
    let descriptors = format!("{PROTO_DIR}/{DESCRIPTOR_FILE}");
    let k = &g.krate;
    let prost = g.config.prost_messages.then(|| {
        let file = format!("{PROST_DIR}/{}", prost_file_name(g.package.as_deref()));
        // Only with the `grpc` feature: prost's code names the runtime's prost, which exists
        // only then, and `__require_grpc!()` at the top of the file already names the feature.
        quote!(#k::__if_grpc! { ::std::include!(#file); })
    });
    quote! {
        /// What gRPC clients and reflection read about this package: the `.proto` descriptors
        /// (and prost's messages, when the build asked for them).
        #[allow(missing_docs, clippy::all, clippy::pedantic, unreachable_pub, non_camel_case_types)]
        pub mod proto {
            #prost

            /// The encoded `FileDescriptorSet` of every `.proto` of this build (for reflection).
            pub const FILE_DESCRIPTOR_SET: &[u8] =
                ::std::include_bytes!(#descriptors);
        }
    }
}

/// The message an answer of type `o` travels in: the domain type when it is a message, a
/// runtime `<Rpc>Response { result = 1 }` wrapper by the value's shape otherwise.
fn reply_message(g: &Gen, o: &Output) -> TokenStream {
    let k = &g.krate;
    let wrapper = |name: &str, inner: &Type| {
        let name = quote::format_ident!("{name}");
        let inner = g.rust_type(inner, false);
        quote!(#k::__private::grpc::message::#name<#inner>)
    };
    match o {
        Output::Unit => quote!(()),
        Output::Message(id) => g.type_path(*id),
        Output::Value(Type::List(inner)) => wrapper("ReplyList", inner),
        Output::Value(Type::Map(inner)) => wrapper("ReplyMap", inner),
        Output::Value(Type::Optional(inner)) => wrapper("ReplyOptional", inner),
        Output::Value(t) => wrapper("Reply", t),
    }
}

/// What the adapter and client need to know about one rpc.
struct RpcNames {
    /// The rpc's name in the .proto (the last segment of its path).
    rpc: String,
    /// `Service.Method`, for the request context.
    context_name: String,
    /// The request type (`()` for none) and the message the answer travels in.
    input: TokenStream,
    output: TokenStream,
}

/// The gRPC glue of service `s`. `g` is at the service's module (depth 1).
pub(super) fn service(g: &Gen, s: &Service) -> Result<Glue, String> {
    let k = &g.krate;
    let trait_name = type_ident(&s.name);
    let full_name = s.full_name();
    // `super::proto`: the package's `proto` module, beside the service's.
    let proto = quote!(super::proto);

    let mut adapter_methods = TokenStream::new();
    let mut client_methods = TokenStream::new();

    for rpc in &s.rpcs {
        let names = RpcNames {
            rpc: rpc.name.clone(),
            context_name: format!("{}.{}", s.name, rpc.name),
            input: match &rpc.input {
                Input::Unit => quote!(()),
                _ => g.request_type(rpc).unwrap_or_else(|| quote!(())),
            },
            output: reply_message(g, &rpc.output),
        };
        adapter_methods.extend(adapter_method(g, rpc, &names));
        client_methods.extend(client_method(g, s, rpc, &names));
    }

    let adapter_doc = lit(format!(
        " Serves a [`{0}`](super::{0}) implementation over gRPC: validates each request, \
         calls the trait, and maps errors to gRPC statuses.",
        s.name
    ));
    let client_doc = lit(format!(
        " A gRPC client of `{full_name}` that takes and returns domain types; declared errors come \
         back typed."
    ));
    let service_doc = docs(&s.docs);
    let full_name = lit(full_name);
    let (adapter_methods, client_methods) = (moved(adapter_methods), moved(client_methods));
    let server = quote! {
        #k::__grpc_adapter! {
            #[doc = #adapter_doc]
            impl super::#trait_name, #full_name, #proto::FILE_DESCRIPTOR_SET;
            #adapter_methods
        }
    };
    let client = quote! {
        #k::__grpc_client! {
            #[doc = #client_doc]
            #service_doc
            #full_name;
            #client_methods
        }
    };

    let mount = quote!(GrpcAdapter::mount(&self.inner, parts););
    Ok(Glue {
        shared: Text::at(g.depth),
        server: printed(g, server),
        client: printed(g, client),
        mount,
    })
}

/// One rpc of `__grpc_adapter!`: its kind, .proto name, context name, request type and answer
/// message, and the trait method's arguments after the `Context`.
fn adapter_method(g: &Gen, rpc: &Rpc, n: &RpcNames) -> TokenStream {
    let name = lit(&n.rpc);
    let input = &n.input;
    let output = &n.output;
    let context_name = lit(&n.context_name);
    let invoker = invoker_ident(rpc);
    let kind = rpc_kind(rpc);
    let (arg, call) = match g.request_type(rpc) {
        _ if rpc.client_streaming => (quote!(requests: _), quote!(#invoker(requests))),
        None => (quote!(_: ()), quote!(#invoker())),
        Some(ty) => (quote!(request: #ty), quote!(#invoker(request))),
    };
    let (arg, call) = (moved(arg), moved(call));
    quote! {
        #kind #name(#context_name, #input => #output) |#arg| #call;
    }
}

/// The runtime's name for the kind of `rpc`: `unary`, `server_streaming`, `client_streaming`
/// or `streaming` (tonic's).
fn rpc_kind(rpc: &Rpc) -> TokenStream {
    match (rpc.client_streaming, rpc.server_streaming) {
        (false, false) => quote!(unary),
        (false, true) => quote!(server_streaming),
        (true, false) => quote!(client_streaming),
        (true, true) => quote!(streaming),
    }
}

/// One method of `__grpc_client!`: its docs, kind, Rust signature, error type, .proto name,
/// answer message and request value.
fn client_method(g: &Gen, s: &Service, rpc: &Rpc, n: &RpcNames) -> TokenStream {
    let name = lit(&n.rpc);
    let output = &n.output;
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
            let d = g.request_type(rpc).unwrap_or_else(|| quote!(()));
            (quote!(requests: #d), quote!(requests))
        }
        Input::Unit => (quote!(), quote!(())),
        Input::Message(id) => {
            let d = g.type_path(*id);
            (quote!(request: #d), quote!(request))
        }
        Input::Params(RequestMessage { fields: params, .. }) => {
            let ty = g.request_type(rpc);
            let names: Vec<Ident> = params.iter().map(|p| field_ident(&p.name)).collect();
            let types = params.iter().map(|p| g.rust_type(&p.ty, false));
            (quote!(#(#names: #types),*), quote!(#ty { #(#names),* }))
        }
    };
    let ret = g.output_type(&rpc.output);
    // `Status` when the rpc throws nothing: the macro's default.
    let error = (!rpc.throws.is_empty()).then(|| {
        let e = g.rpc_error_type(s, rpc, true);
        quote!(, #e)
    });
    let kind = rpc_kind(rpc);
    let (doc, args, ret, request) = (moved(doc), moved(args), moved(ret), moved(request));
    quote! {
        #doc
        #kind #rust_method(#args) -> #ret #error = #name(#output, #request);
    }
}

/// The gRPC methods of a declared error's `DeclaredError` impl: its own message (its
/// `__proto!` encoding) is the `google.rpc.Status` detail, both ways.
pub(super) fn declared_error_methods(g: &Gen, out: &mut super::text::Text) {
    out.line(&[g.k, "::__declared_error_grpc!();"]);
}
