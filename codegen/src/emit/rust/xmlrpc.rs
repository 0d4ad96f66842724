//! The XML-RPC glue of a service: one handler per rpc registered at `/RPC2`, the fault mapping of
//! each `<Rpc>Error`, and a typed async `XmlRpcClient`.
//!
//! Generated code stays thin: decoding positional parameters, validation, result encoding and
//! the fault form of errors are runtime functions (`rosetta::xmlrpc::glue`); what is generated
//! is names, types and the call of the trait method.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::ident::{field_ident, lit, moved, snake_case, type_ident};
use super::protocols::{Glue, printed};
use super::text::Text;
use super::types::{Gen, docs};
use crate::ir::{Input, Ir, Output, RequestMessage, Rpc, Service, Type, TypeKind};

/// Client method names the client itself uses: an rpc with one of these names gets a `call_`
/// prefix on the client.
const CLIENT_RESERVED: &[&str] = &["new", "from_client", "client"];

/// The XML-RPC items and mount statements for `s` (`g` is nested in the service's module).
pub(super) fn service(g: &Gen, s: &Service) -> Result<Glue, String> {
    let k = &g.krate;
    let mut server = TokenStream::new();
    let mut specs = Vec::new();
    let mut handlers = Vec::new();
    let mut client_methods = TokenStream::new();
    // XML-RPC has one request and one response: streaming rpcs are not served (W0002).
    let rpcs: Vec<&Rpc> = s.rpcs.iter().filter(|r| !r.is_streaming()).collect();
    for rpc in rpcs.iter().copied() {
        server.extend(handler(g, s, rpc));
        specs.push(moved(method_spec(g, s, rpc)));
        let h = handler_ident(rpc);
        handlers.push(quote!(#h::<S>));
        client_methods.extend(client_method(g, s, rpc));
    }
    let count = proc_macro2::Literal::usize_unsuffixed(rpcs.len());
    server.extend(quote! {
        /// The XML-RPC method of each rpc, in IDL order.
        static XMLRPC_METHODS: [#k::xmlrpc::server::MethodSpec; #count] = [#(#specs),*];
    });
    let mount = quote! {
        parts.xmlrpc.add_service(&self.inner, &XMLRPC_METHODS, &[#(#handlers),*]);
    };
    Ok(Glue {
        shared: Text::at(g.depth),
        server: printed(g, server),
        client: printed(g, client(g, s, client_methods)),
        mount,
    })
}

/// The parameter names of a parameter-list rpc, and how many leading ones are required
/// (everything up to the last non-optional one).
fn params_shape(rpc: &Rpc) -> (Vec<&str>, usize) {
    match &rpc.input {
        Input::Unit => (Vec::new(), 0),
        Input::Message(_) => (vec!["request"], 1),
        Input::Params(RequestMessage { fields: ps, .. }) => {
            let names = ps.iter().map(|p| p.name.as_str()).collect();
            let required = ps
                .iter()
                .rposition(|p| !matches!(p.ty, Type::Optional(_)))
                .map_or(0, |i| i + 1);
            (names, required)
        }
    }
}

fn handler_ident(rpc: &Rpc) -> proc_macro2::Ident {
    format_ident!("xmlrpc_{}", snake_case(&rpc.name))
}

/// `fn xmlrpc_<rpc>(svc, ctx, params)`: decode, validate, call, encode, expanded by the
/// facade's `__xmlrpc_handler!`.
fn handler(g: &Gen, s: &Service, rpc: &Rpc) -> TokenStream {
    let k = &g.krate;
    let service = type_ident(&s.name);
    let name = handler_ident(rpc);
    let call = moved(g.invoke(rpc, quote!(svc), quote!(ctx), quote!(req)));
    match (&rpc.input, g.request_type(rpc)) {
        (Input::Unit, _) | (_, None) => quote! {
            #k::__xmlrpc_handler!(none #name, super::#service, |svc, ctx| #call);
        },
        (Input::Message(_), Some(ty)) => quote! {
            #k::__xmlrpc_handler!(message #name, super::#service, #ty, |svc, ctx, req| #call);
        },
        (Input::Params(_), Some(ty)) => {
            let (names, required) = params_shape(rpc);
            let names = names.into_iter().map(lit);
            quote! {
                #k::__xmlrpc_handler!(
                    params #name, super::#service, #ty, [#(#names),*], #required,
                    |svc, ctx, req| #call
                );
            }
        }
    }
}

/// The method table entry of one rpc.
fn method_spec(g: &Gen, s: &Service, rpc: &Rpc) -> TokenStream {
    let k = &g.krate;
    let name = lit(&rpc.xmlrpc_name);
    let idl_name = lit(format!("{}.{}", s.name, rpc.name));
    let signature = signature(g.ir, rpc).into_iter().map(lit);
    let (_, required) = params_shape(rpc);
    let help = lit(help(g.ir, s, rpc));
    quote! {
        #k::xmlrpc::server::MethodSpec {
            name: #name,
            idl_name: #idl_name,
            signature: &[#(#signature),*],
            required: #required,
            help: #help,
        }
    }
}

/// One `XmlRpcClient` method.
fn client_method(g: &Gen, s: &Service, rpc: &Rpc) -> TokenStream {
    let k = &g.krate;
    let snake = snake_case(&rpc.name);
    let method = if CLIENT_RESERVED.contains(&snake.as_str()) {
        format_ident!("call_{}", snake)
    } else {
        field_ident(&rpc.name)
    };
    let output = g.output_type(&rpc.output);
    let error = g.rpc_error_type(s, rpc, true);
    let wire = lit(&rpc.xmlrpc_name);
    let (_, required) = params_shape(rpc);
    let (args, values) = match &rpc.input {
        Input::Unit => (quote!(), Vec::new()),
        Input::Message(id) => {
            let p = g.type_path(*id);
            (quote!(request: #p), vec![quote!(request = "request")])
        }
        Input::Params(RequestMessage { fields: ps, .. }) => {
            let idents: Vec<_> = ps.iter().map(|p| field_ident(&p.name)).collect();
            let types = ps.iter().map(|p| g.rust_type(&p.ty, false));
            let values = ps
                .iter()
                .zip(&idents)
                .map(|(p, id)| {
                    let n = lit(&p.name);
                    quote!(#id = #n)
                })
                .collect();
            (quote!(#(#idents: #types),*), values)
        }
    };
    let body = quote!(#k::__xmlrpc_call!(self.inner, #wire, #required #(, #values)*));
    let mut doc_lines = rpc.docs.clone();
    if !doc_lines.is_empty() {
        doc_lines.push(String::new());
    }
    doc_lines.push(format!("Calls XML-RPC `{}`.", rpc.xmlrpc_name));
    if rpc.deprecated {
        doc_lines.push(String::new());
        doc_lines.push("**Deprecated** in the IDL.".to_string());
    }
    let doc = docs(&doc_lines);
    // Clippy's default limit is seven arguments, `&self` included.
    let many = match &rpc.input {
        Input::Params(RequestMessage { fields: ps, .. }) if ps.len() >= 7 => {
            Some(quote!(#[allow(clippy::too_many_arguments)]))
        }
        _ => None,
    };
    let args = moved(super::types::after_self(args));
    let (doc, output, error, body) = (moved(doc), moved(output), moved(error), moved(body));
    quote! {
        #doc
        #many
        pub async fn #method(&self #args) -> ::std::result::Result<#output, #error> {
            #body
        }
    }
}

/// `XmlRpcClient`: a typed async client of the service.
fn client(g: &Gen, s: &Service, methods: TokenStream) -> TokenStream {
    let k = &g.krate;
    let doc = lit(format!(
        " A typed XML-RPC client of [`{0}`](super::{0}): one method per rpc; faults come back as \
         the rpc's typed error.",
        s.name
    ));
    let methods = moved(methods);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub struct XmlRpcClient {
            inner: #k::xmlrpc::client::Client,
        }

        impl XmlRpcClient {
            /// A client of the endpoint at `url` (`http://host:port/RPC2`; a URL without a path
            /// means `/RPC2`, as in Python's `ServerProxy`).
            pub fn new(url: &str) -> Self {
                Self::from_client(#k::xmlrpc::client::Client::new(url))
            }

            /// Wraps a configured client (timeout, limits).
            pub fn from_client(client: #k::xmlrpc::client::Client) -> Self {
                Self { inner: client }
            }

            /// The underlying untyped client.
            pub fn client(&self) -> &#k::xmlrpc::client::Client {
                &self.inner
            }

            #methods
        }
    }
}

/// `system.methodSignature` type names: the result, then each parameter.
fn signature(ir: &Ir, rpc: &Rpc) -> Vec<&'static str> {
    let mut out = vec![match &rpc.output {
        Output::Unit => "nil",
        Output::Message(_) => "struct",
        Output::Value(t) => xmlrpc_type_name(ir, t),
    }];
    match &rpc.input {
        Input::Unit => {}
        Input::Message(_) => out.push("struct"),
        Input::Params(RequestMessage { fields: ps, .. }) => {
            out.extend(ps.iter().map(|p| xmlrpc_type_name(ir, &p.ty)))
        }
    }
    out
}

/// The XML-RPC type a value of `t` is sent as (an optional as its inner type).
fn xmlrpc_type_name(ir: &Ir, t: &Type) -> &'static str {
    match t {
        Type::Bool => "boolean",
        Type::I32 => "int",
        Type::I64 | Type::U32 | Type::U64 => "i8",
        Type::F64 => "double",
        Type::String => "string",
        Type::Bytes => "base64",
        Type::Timestamp => "dateTime.iso8601",
        // Introspection has no word for "any type"; `undef` is what the introspection
        // description uses for a signature it cannot state.
        Type::Any => "undef",
        Type::Optional(inner) => xmlrpc_type_name(ir, inner),
        Type::List(_) => "array",
        Type::Map(_) => "struct",
        Type::Named { id, .. } => match ir.types.get(*id).map(|t| &t.kind) {
            Some(TypeKind::Enum(_)) => "string",
            _ => "struct",
        },
    }
}

/// `system.methodHelp`: the docs, then the IDL signature.
fn help(ir: &Ir, s: &Service, rpc: &Rpc) -> String {
    let input = match &rpc.input {
        Input::Unit => String::new(),
        Input::Message(id) => ir.types[*id].name.clone(),
        Input::Params(RequestMessage { fields: ps, .. }) => ps
            .iter()
            .map(|p| format!("{}: {}", p.name, idl_type(ir, &p.ty)))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let mut line = format!("{}.{}({input})", s.name, rpc.name);
    match &rpc.output {
        Output::Unit => {}
        Output::Message(id) => line.push_str(&format!(" -> {}", ir.types[*id].name)),
        Output::Value(t) => line.push_str(&format!(" -> {}", idl_type(ir, t))),
    }
    if !rpc.throws.is_empty() {
        let names: Vec<&str> = rpc
            .throws
            .iter()
            .map(|id| ir.types[*id].name.as_str())
            .collect();
        line.push_str(&format!(" throws {}", names.join(", ")));
    }
    let mut out = rpc.docs.join("\n");
    if rpc.deprecated {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("Deprecated.");
    }
    if !out.is_empty() {
        out.push_str("\n\n");
    }
    out.push_str(&line);
    out
}

/// A type as written in the IDL, declared types by their own name.
fn idl_type(ir: &Ir, t: &Type) -> String {
    ir.spell(t, &|d| d.name.clone())
}

#[cfg(test)]
mod tests {
    use crate::emit::rust::{Config, generate};

    fn generated(idl: &str) -> String {
        let c = crate::compile_str("t.idl", idl);
        let ir = c.ir.expect("the test IDL compiles");
        let config = Config {
            rest: false,
            grpc: false,
            kafka: false,
            ..Config::default()
        };
        generate(&ir, &config)
            .expect("generates")
            .into_iter()
            .map(|f| f.contents)
            .collect()
    }

    #[test]
    fn client_methods_never_shadow_the_constructors() {
        let out =
            generated("service S { rpc New(); rpc Client(); rpc FromClient(); rpc Other(); }");
        for m in ["call_new", "call_client", "call_from_client", "other"] {
            assert!(
                out.contains(&format!("pub async fn {m}(")),
                "{m} missing:\n{out}"
            );
        }
        assert!(out.contains("pub fn new(url: &str) -> Self"));
    }

    #[test]
    fn signatures_and_required_counts() {
        let out = generated(
            "enum E { A = 1; }\n\
             /// Doc line.\n\
             service S {\n\
               /// Finds.\n\
               rpc Find(q: string, n: optional<i64>, e: optional<E>) -> list<E>;\n\
               @deprecated rpc Gone();\n\
             }",
        );
        let squashed: String = out.split_whitespace().collect();
        assert!(
            squashed.contains(r#"name:"s.find",idl_name:"S.Find",signature:&["array","string","i8","string"],required:1usize,help:"Finds.\n\nS.Find(q:string,n:optional<i64>,e:optional<E>)->list<E>""#),
            "{out}"
        );
        assert!(
            squashed.contains(r#"name:"s.gone",idl_name:"S.Gone",signature:&["nil"],required:0usize,help:"Deprecated.\n\nS.Gone()""#),
            "{out}"
        );
    }
}
