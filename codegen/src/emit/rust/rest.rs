//! The REST glue of a service: a static route table, one thin axum handler per rpc, the
//! problem+json conversions of each `<Rpc>Error`, the typed `RestClient`, and the service's
//! OpenAPI fragment (rendered here, at build time, by `emit::openapi`).
//!
//! Component schemas are not in the fragments: each is one `Schema` static next to its type (and
//! `rosetta.Problem` / `rosetta.Violation` once per package), naming the statics it refers to;
//! a fragment names the ones its operations use and the runtime walks the rest. So the
//! generated code grows with services + types, never services × types.
//!
//! Everything else — decoding path, query and body into the request struct, validation, JSON and
//! problem responses, `/openapi.json` — is in `rosetta_runtime::rest`, reached through
//! `::rosetta::__private`.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::ident::{
    field_ident, field_name, lit, moved, push_str_text, snake_case, str_literal, str_text,
    type_ident,
};
use super::protocols::Glue;
use super::text::Text;
use super::types::{Gen, docs, parsed};
use crate::emit::openapi::{self, Component, FragmentText};
use crate::ir::{HttpMethod, Input, Ir, Output, RequestMessage, Rpc, Service, Type};

/// The REST items and mount statements for `s` (`g` is nested in the service's module).
pub(super) fn service(g: &Gen, s: &Service) -> Result<Glue, String> {
    let k = &g.krate;
    let rt = quote!(#k::__private::rest);
    let trait_name = type_ident(&s.name);
    let fragment = moved(fragment(g, s, &rt));
    let rpcs: Vec<&Rpc> = s.rpcs.iter().collect();
    let routes = rpcs.iter().map(|rpc| moved(route(g, s, rpc, &rt)));
    let count = Literal::usize_unsuffixed(rpcs.len());
    let shared = quote! {
        /// The REST route of each rpc, in IDL order: what the server serves and the client calls.
        static REST_ROUTES: [#rt::Route; #count] = [#(#routes),*];
    };
    let mut items = quote! {
        /// This service's share of the OpenAPI document served at `/openapi.json`.
        static REST_OPENAPI: #rt::Fragment = #fragment;
    };
    let mut handlers = Vec::new();
    let mut methods = TokenStream::new();
    for (i, rpc) in rpcs.iter().copied().enumerate() {
        let index = Literal::usize_unsuffixed(i);
        let handler = format_ident!("rest_{}", snake_case(&rpc.name));
        let call = if rpc.client_streaming {
            g.invoke(rpc, quote!(svc), quote!(ctx), quote!(requests))
        } else {
            g.invoke(rpc, quote!(svc), quote!(ctx), quote!(request))
        };
        let route = quote!(REST_ROUTES[#index]);
        let service = quote!(super::#trait_name);
        let (handle, args) = match (
            rpc.client_streaming,
            rpc.server_streaming,
            g.request_type(rpc),
        ) {
            (true, true, _) => (quote!(handle_streaming), quote!(ctx, requests)),
            (true, false, _) => (quote!(handle_client_stream), quote!(ctx, requests)),
            (false, true, Some(req)) => (quote!(handle_server_stream), quote!(ctx, request: #req)),
            (false, true, None) => (quote!(handle_server_stream_unit), quote!(ctx)),
            (false, false, Some(req)) => (quote!(handle), quote!(ctx, request: #req)),
            (false, false, None) => (quote!(handle_unit), quote!(ctx)),
        };
        let call = moved(call);
        items.extend(quote! {
            #k::__rest_handler!(#handler, #service, #handle, #route, |svc, #args| #call);
        });
        handlers.push(quote!(#handler::<S>));
        // The typed REST client is unary; streams have the gRPC client.
        if !rpc.is_streaming() {
            methods.extend(client_method(g, s, rpc, &index));
        }
    }
    let mount = quote! {
        #rt::mount(parts, &self.inner, &REST_OPENAPI, &REST_ROUTES, &[#(#handlers),*]);
    };
    let client_doc = lit(format!(
        " A typed REST client of the `{}` service: one method per rpc, declared errors \
         rebuilt from the server's problem+json.",
        s.name
    ));
    let methods = moved(methods);
    let client = quote! {
        #[doc = #client_doc]
        #[derive(Debug, Clone)]
        pub struct RestClient {
            inner: #rt::Client,
        }

        impl RestClient {
            /// A client for the server at `base_url` (`http://127.0.0.1:8080`).
            pub fn new(base_url: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self { inner: #rt::Client::new(base_url) }
            }

            /// A client that sends through a configured reqwest client (timeouts, headers).
            pub fn with_client(
                base_url: impl ::std::convert::Into<::std::string::String>,
                http: #rt::reqwest::Client,
            ) -> Self {
                Self { inner: #rt::Client::with_client(base_url, http) }
            }

            /// The untyped client underneath.
            pub fn inner(&self) -> &#rt::Client {
                &self.inner
            }

            #methods
        }
    };
    Ok(Glue {
        shared,
        server: items,
        client,
        mount,
    })
}

/// The service's OpenAPI fragment as a `Fragment` literal of JSON texts.
fn fragment(g: &Gen, s: &Service, rt: &TokenStream) -> TokenStream {
    let computed;
    let f = match g.fragment {
        Some(f) => f,
        None => {
            computed = FragmentText::of(g.ir, s);
            &computed
        }
    };
    let api = lit(&f.api);
    let version = lit(&f.version);
    let description = lit(&f.description);
    let tag = str_literal(&f.tag);
    let ops = f.operations.iter().map(|(path, method, op)| {
        let (path, method) = (lit(path), lit(method));
        let op = str_literal(op);
        quote!((#path, #method, #op))
    });
    let schemas = f.roots.iter().map(|c| parsed(&schema_path(g, *c)));
    quote! {
        #rt::Fragment {
            api: #api,
            version: #version,
            description: #description,
            tag: #tag,
            operations: &[#(#ops),*],
            schemas: &[#(&#schemas),*],
        }
    }
}

/// Which types need a `Schema` static: those some service's operations reach (computed once
/// per generation, linear in the API); and every service's fragment, which says it (kept for
/// the services' jobs, which would otherwise build each one again).
///
/// This runs before any job can start: the fragments are built on two threads, and the types
/// they reach are found by walking field types (a declared type's schema refers to exactly the
/// named types in its fields' types, as [`openapi::reachable`] finds by building every schema;
/// `the_reach_by_field_types_is_the_documents` holds the two to the same set).
pub(super) fn reached_types(ir: &Ir) -> (Vec<bool>, Vec<FragmentText>) {
    let half = ir.services.len().div_ceil(2);
    let build = |services: &[Service]| -> Vec<FragmentText> {
        services.iter().map(|s| FragmentText::of(ir, s)).collect()
    };
    let (first, second) = ir.services.split_at(half);
    let mut fragments = std::thread::scope(|scope| {
        let later = scope.spawn(|| build(second));
        let mut fragments = build(first);
        match later.join() {
            Ok(rest) => fragments.extend(rest),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        fragments
    });
    fragments.shrink_to_fit();
    let mut reached = vec![false; ir.types.len()];
    let mut stack: Vec<usize> = fragments
        .iter()
        .flat_map(|f| &f.roots)
        .filter_map(|c| match c {
            Component::Type(id) => Some(*id),
            _ => None,
        })
        .collect();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut reached[id], true) {
            continue;
        }
        for field in ir.types[id].fields() {
            let mut ty = &field.ty;
            loop {
                match ty {
                    Type::Optional(inner) | Type::List(inner) | Type::Map(inner) => ty = inner,
                    Type::Named { id, .. } => {
                        if !reached[*id] {
                            stack.push(*id);
                        }
                        break;
                    }
                    _ => break,
                }
            }
        }
    }
    (reached, fragments)
}

/// The name of a component's static in its package module.
fn schema_ident(ir: &Ir, c: Component) -> String {
    match c {
        Component::Problem => "__rest_problem".to_string(),
        Component::Violation => "__rest_violation".to_string(),
        // IDL names are unique in a package and the prefix keeps them off keywords.
        Component::Type(id) => format!("__rest_schema_{}", ir.types[id].name),
    }
}

/// The path from `g`'s module to a component's static: the problem schemas are in the current
/// package's module, a type's next to the type.
fn schema_path(g: &Gen, c: Component) -> String {
    let mut out = String::new();
    let to = match c {
        Component::Type(id) => super::package_segments(g.ir.types[id].package.as_deref()),
        _ => super::package_segments(g.package.as_deref()),
    };
    let from = super::package_segments(g.package.as_deref());
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    for _ in common..from.len() + g.depth {
        out.push_str("super::");
    }
    for segment in &to[common..] {
        out.push_str(&field_name(segment));
        out.push_str("::");
    }
    out.push_str(&schema_ident(g.ir, c));
    out
}

/// The `Schema` static of one component (a reached type, or a problem schema), in its
/// package's module (the caller gates it on the REST server).
pub(super) fn schema_static(g: &Gen, out: &mut Text, c: Component) {
    let (schema, refs) = openapi::component(g.ir, c);
    let refs: Vec<String> = refs
        .into_iter()
        .map(|r| format!("&{}", schema_path(g, r)))
        .collect();
    out.line(&["#[doc(hidden)]"]);
    out.line(&["#[allow(non_upper_case_globals)]"]);
    let ty = format!("{}::__private::rest::Schema", g.k);
    out.open(&["pub static ", &schema_ident(g.ir, c), ": ", &ty, " = ", &ty]);
    out.line(&["name: ", &str_text(&c.name(g.ir)), ","]);
    let line = out.start();
    line.push_str("json: ");
    push_str_text(line, &schema.to_compact());
    line.push(',');
    out.end();
    out.start().push_str("refs: &");
    out.list("[", &refs, "],");
    out.end();
    out.close(";");
}

/// How the runtime reads a path or query value of type `t`, and whether it is a list.
fn param_kind(t: &Type, rt: &TokenStream) -> (TokenStream, bool) {
    let (t, list) = match t.without_optional() {
        Type::List(inner) => (inner.without_optional(), true),
        other => (other, false),
    };
    // The checker allows only scalars and enums here; an enum travels as its name.
    let kind = match t {
        Type::Bool => quote!(Bool),
        Type::I32 | Type::I64 | Type::U32 | Type::U64 => quote!(Int),
        Type::F64 => quote!(Float),
        _ => quote!(Str),
    };
    (quote!(#rt::Kind::#kind), list)
}

/// The static `Route` of an rpc.
fn route(g: &Gen, s: &Service, rpc: &Rpc, rt: &TokenStream) -> TokenStream {
    let name = lit(format!("{}.{}", s.name, rpc.name));
    let method = format_ident!("{}", rpc.http.method.as_str());
    let path = lit(&rpc.http.path);
    let query = rpc.http.method.uses_query();
    let inputs: Vec<(&str, &Type)> = match &rpc.input {
        Input::Unit => Vec::new(),
        Input::Message(id) => g.ir.types[*id]
            .fields()
            .iter()
            .map(|f| (f.name.as_str(), &f.ty))
            .collect(),
        Input::Params(RequestMessage { fields: ps, .. }) => {
            ps.iter().map(|p| (p.name.as_str(), &p.ty)).collect()
        }
    };
    let in_path = |n: &str| rpc.http.path_params.iter().any(|p| p == n);
    let body = !query && inputs.iter().any(|(n, _)| !in_path(n));
    let params = inputs
        .iter()
        .filter(|(n, _)| query || in_path(n))
        .map(|(n, t)| {
            let (kind, list) = param_kind(t, rt);
            let n = lit(n);
            if list {
                quote!(#kind.list_param(#n))
            } else {
                quote!(#kind.param(#n))
            }
        });
    let no_content = rpc.output == Output::Unit;
    quote! {
        #rt::Route {
            rpc: #name,
            method: #rt::Method::#method,
            path: #path,
            query: #query,
            body: #body,
            params: &[#(#params),*],
            no_content: #no_content,
        }
    }
}

/// One `RestClient` method: the trait method's arguments, without the context.
fn client_method(g: &Gen, s: &Service, rpc: &Rpc, index: &Literal) -> TokenStream {
    let method = field_ident(&rpc.name);
    let output = g.output_type(&rpc.output);
    let error = g.rpc_error_type(s, rpc, true);
    let mut doc_lines = rpc.docs.clone();
    if !doc_lines.is_empty() {
        doc_lines.push(String::new());
    }
    doc_lines.push(format!(
        "`{} {}`{}",
        rpc.http.method.as_str(),
        rpc.http.path,
        if rpc.http.method == HttpMethod::Post && !rpc.http.explicit {
            " (the default route)"
        } else {
            ""
        }
    ));
    if rpc.deprecated {
        doc_lines.push(String::new());
        doc_lines.push("**Deprecated** in the IDL.".to_string());
    }
    let doc = docs(&doc_lines);
    let (args, request) = match &rpc.input {
        Input::Unit => (quote!(), TokenStream::new()),
        Input::Message(id) => {
            let p = g.type_path(*id);
            (quote!(request: #p), quote!(&request))
        }
        Input::Params(RequestMessage { fields: ps, .. }) => {
            let req = g.request_type(rpc).unwrap_or_default();
            let names: Vec<_> = ps.iter().map(|p| field_ident(&p.name)).collect();
            let types = ps.iter().map(|p| g.rust_type(&p.ty, false));
            (quote!(#(#names: #types),*), quote!(&#req { #(#names),* }))
        }
    };
    let call = if request.is_empty() {
        quote!(self.inner.send_unit(&REST_ROUTES[#index]).await)
    } else {
        quote!(self.inner.send(&REST_ROUTES[#index], #request).await)
    };
    let args = moved(super::types::after_self(args));
    let (doc, output, error, call) = (moved(doc), moved(output), moved(error), moved(call));
    quote! {
        #doc
        pub async fn #method(&self #args) -> ::std::result::Result<#output, #error> {
            #call
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk of field types finds the types the OpenAPI document reaches by building their
    /// schemas: through optionals, lists, maps, unions, errors and recursion, and not the types
    /// no operation reaches.
    #[test]
    fn the_reach_by_field_types_is_the_documents() {
        let c = crate::compile_str(
            "t.idl",
            "package p.v1;\n\
             struct Leaf { v: i32 = 1; }\n\
             struct Node { next: optional<Node> = 1; leaves: list<Leaf> = 2; }\n\
             struct Tagged { by: map<string, list<Node>> = 1; }\n\
             union Either { node: Node = 1; text: string = 2; }\n\
             error Missing: not_found { what: Either = 1; }\n\
             struct Alone { v: i32 = 1; }\n\
             struct Out { t: optional<Tagged> = 1; }\n\
             service S {\n\
               rpc Get(id: string) -> Out throws Missing;\n\
               rpc Watch(Leaf) -> stream Leaf;\n\
             }\n",
        );
        let rendered = c.render_diagnostics();
        let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
        let (reached, fragments) = reached_types(&ir);
        let roots = fragments.iter().flat_map(|f| f.roots.iter().copied());
        let mut document = vec![false; ir.types.len()];
        for component in openapi::reachable(&ir, roots) {
            if let Component::Type(id) = component {
                document[id] = true;
            }
        }
        assert_eq!(reached, document);
        let alone = ir.types.iter().position(|t| t.name == "Alone");
        assert_eq!(alone.map(|id| reached[id]), Some(false));
        assert_eq!(reached.iter().filter(|r| **r).count(), ir.types.len() - 1);
    }
}
