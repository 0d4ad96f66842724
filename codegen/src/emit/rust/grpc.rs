//! The gRPC glue of a service: the adapter (the handler the one-port server calls, dispatching
//! each rpc's path to the Rosetta trait), a typed `GrpcClient`, and the mount into
//! `parts.grpc_services`, each one facade macro with a line per rpc (`__grpc_adapter!`,
//! `__grpc_client!`); and per package the `proto` module holding the descriptor set (for
//! reflection). The domain types are the messages (their `__proto!` encoding, `protobuf.rs`):
//! an rpc names its request type and the message its answer travels in, the domain type itself
//! or a runtime `<Rpc>Response` wrapper (`grpc::message`). No prost code is generated.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident::{self, field_name, str_text, type_name};
use super::protocols::Glue;
use super::text::Text;
use super::types::Gen;
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
fn reply_message(g: &Gen, o: &Output) -> String {
    let wrapper = |name: &str, inner: &Type| {
        format!(
            "{}::__private::grpc::message::{name}<{}>",
            g.k,
            g.rust_type_text(inner, false)
        )
    };
    match o {
        Output::Unit => "()".to_string(),
        Output::Message(id) => g.type_path_text(*id),
        Output::Value(Type::List(inner)) => wrapper("ReplyList", inner),
        Output::Value(Type::Map(inner)) => wrapper("ReplyMap", inner),
        Output::Value(Type::Optional(inner)) => wrapper("ReplyOptional", inner),
        Output::Value(t) => wrapper("Reply", t),
    }
}

/// The gRPC glue of service `s`. `g` is at the service's module (depth 1).
pub(super) fn service(g: &Gen, s: &Service) -> Result<Glue, String> {
    let full_name = s.full_name();
    let full = str_text(&full_name);
    let mut server = Text::at(g.depth);
    server.open(&[g.k, "::__grpc_adapter!"]);
    server.doc(&format!(
        "Serves a [`{0}`](super::{0}) implementation over gRPC: validates each request, \
         calls the trait, and maps errors to gRPC statuses.",
        s.name
    ));
    // `super::proto`: the package's `proto` module, beside the service's.
    let trait_name = type_name(&s.name);
    server.line(&[
        "impl super::",
        &trait_name,
        ", ",
        &full,
        ", super::proto::FILE_DESCRIPTOR_SET;",
    ]);
    let mut client = Text::at(g.depth);
    client.open(&[g.k, "::__grpc_client!"]);
    client.doc(&format!(
        "A gRPC client of `{full_name}` that takes and returns domain types; declared errors come \
         back typed."
    ));
    client.docs(&s.docs);
    client.line(&[&full, ";"]);
    for rpc in &s.rpcs {
        let input = g.request_type_text(rpc).unwrap_or_else(|| "()".to_string());
        let output = reply_message(g, &rpc.output);
        adapter_method(g, &mut server, s, rpc, &input, &output);
        client_method(g, &mut client, s, rpc, &output);
    }
    server.close("");
    client.close("");
    let mount = quote!(GrpcAdapter::mount(&self.inner, parts););
    Ok(Glue {
        shared: Text::at(g.depth),
        server,
        client,
        mount,
    })
}

/// One rpc of `__grpc_adapter!`: its kind, .proto name, context name, request type and answer
/// message, and the trait method's arguments after the `Context`.
fn adapter_method(g: &Gen, out: &mut Text, s: &Service, rpc: &Rpc, input: &str, output: &str) {
    let invoker = ident::invoker_name(rpc);
    let closure = match g.request_type_text(rpc) {
        _ if rpc.client_streaming => format!(" |requests: _| {invoker}(requests);"),
        None => format!(" |_: ()| {invoker}();"),
        Some(ty) => format!(" |request: {ty}| {invoker}(request);"),
    };
    let line = out.start();
    line.push_str(rpc_kind(rpc));
    line.push(' ');
    line.push_str(&str_text(&rpc.name));
    let args = [
        str_text(&format!("{}.{}", s.name, rpc.name)),
        format!("{input} => {output}"),
    ];
    out.list("(", &args, ")");
    out.out.push_str(&closure);
    out.end();
}

/// The runtime's name for the kind of `rpc`: `unary`, `server_streaming`, `client_streaming`
/// or `streaming` (tonic's).
fn rpc_kind(rpc: &Rpc) -> &'static str {
    match (rpc.client_streaming, rpc.server_streaming) {
        (false, false) => "unary",
        (false, true) => "server_streaming",
        (true, false) => "client_streaming",
        (true, true) => "streaming",
    }
}

/// One method of `__grpc_client!`: its docs, kind, Rust signature, error type, .proto name,
/// answer message and request value.
fn client_method(g: &Gen, out: &mut Text, s: &Service, rpc: &Rpc, output: &str) {
    out.docs(&rpc.docs);
    if rpc.deprecated {
        out.doc("");
        out.doc("**Deprecated** in the IDL.");
    }
    let mut params = Vec::new();
    // The request value: a name, or a request struct built from the parameters (its fields).
    let (request, fields): (String, Vec<String>) = match &rpc.input {
        // A client stream is of one message (the grammar and E0119).
        _ if rpc.client_streaming => {
            let ty = g.request_type_text(rpc).unwrap_or_else(|| "()".to_string());
            params.push(format!("requests: {ty}"));
            ("requests".to_string(), Vec::new())
        }
        Input::Unit => ("()".to_string(), Vec::new()),
        Input::Message(id) => {
            params.push(format!("request: {}", g.type_path_text(*id)));
            ("request".to_string(), Vec::new())
        }
        Input::Params(RequestMessage { fields: ps, .. }) => {
            let names: Vec<String> = ps.iter().map(|p| field_name(&p.name).to_string()).collect();
            for (p, name) in ps.iter().zip(&names) {
                params.push(format!("{name}: {}", g.rust_type_text(&p.ty, false)));
            }
            let ty = g.request_type_text(rpc).unwrap_or_default();
            (ty, names)
        }
    };
    let line = out.start();
    line.push_str(rpc_kind(rpc));
    line.push(' ');
    line.push_str(&field_name(&rpc.name));
    out.list("(", &params, ")");
    out.out.push_str(" -> ");
    out.out.push_str(&g.output_type_text(&rpc.output));
    // `Status` when the rpc throws nothing: the macro's default.
    if !rpc.throws.is_empty() {
        out.out.push_str(", ");
        out.out.push_str(&g.rpc_error_type_text(s, rpc, true));
    }
    out.out.push_str(" = ");
    out.out.push_str(&str_text(&rpc.name));
    // Broken, a request struct's fields are a line each.
    out.args_with_struct("(", output, &request, &fields, ");");
    out.end();
}

/// The gRPC methods of a declared error's `DeclaredError` impl: its own message (its
/// `__proto!` encoding) is the `google.rpc.Status` detail, both ways.
pub(super) fn declared_error_methods(g: &Gen, out: &mut super::text::Text) {
    out.line(&[g.k, "::__declared_error_grpc!();"]);
}
