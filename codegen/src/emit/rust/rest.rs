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

use quote::{format_ident, quote};

use super::ident::{self, field_name, push_str_text, snake_case, str_text, type_name};
use super::protocols::Glue;
use super::text::Text;
use super::types::Gen;
use crate::emit::openapi::{self, Component, FragmentText};
use crate::ir::{HttpMethod, Input, Ir, Output, RequestMessage, Rpc, Service, Type};

/// The REST items and mount statements for `s` (`g` is nested in the service's module).
pub(super) fn service(g: &Gen, s: &Service) -> Result<Glue, String> {
    let k = &g.krate;
    let rt = format!("{}::__private::rest", g.k);
    let trait_name = type_name(&s.name);
    let rpcs: Vec<&Rpc> = s.rpcs.iter().collect();

    let mut shared = Text::at(g.depth);
    shared.line(&["/// The REST route of each rpc, in IDL order: what the server serves and the client calls."]);
    shared.start().push_str(&format!(
        "static REST_ROUTES: [{rt}::Route; {}] = ",
        rpcs.len()
    ));
    shared.literals(rpcs.len(), |out, i| route(g, out, s, rpcs[i], &rt));
    shared.out.push(';');
    shared.end();

    let mut server = Text::at(g.depth);
    server.line(&["/// This service's share of the OpenAPI document served at `/openapi.json`."]);
    fragment(g, &mut server, s, &rt);
    let mut handlers = Vec::new();
    let mut methods = Text::at(g.depth + 1);
    for (i, rpc) in rpcs.iter().copied().enumerate() {
        let handler = format!("rest_{}", snake_case(&rpc.name));
        let invoker = ident::invoker_name(rpc);
        let request = g.request_type_text(rpc);
        let requests = if rpc.client_streaming {
            "requests"
        } else {
            "request"
        };
        let call = match &request {
            Some(_) => format!("{invoker}(svc, ctx, {requests})"),
            None => format!("{invoker}(svc, ctx)"),
        };
        let (handle, args) = match (rpc.client_streaming, rpc.server_streaming, request) {
            (true, true, _) => ("handle_streaming", "ctx, requests".to_string()),
            (true, false, _) => ("handle_client_stream", "ctx, requests".to_string()),
            (false, true, Some(req)) => ("handle_server_stream", format!("ctx, request: {req}")),
            (false, true, None) => ("handle_server_stream_unit", "ctx".to_string()),
            (false, false, Some(req)) => ("handle", format!("ctx, request: {req}")),
            (false, false, None) => ("handle_unit", "ctx".to_string()),
        };
        let args = [
            handler.clone(),
            format!("super::{trait_name}"),
            handle.to_string(),
            format!("REST_ROUTES[{i}]"),
            format!("|svc, {args}| {call}"),
        ];
        server.start().push_str(g.k);
        server.list("::__rest_handler!(", &args, ");");
        server.end();
        handlers.push(format_ident!("{handler}"));
        // The typed REST client is unary; streams have the gRPC client.
        if !rpc.is_streaming() {
            client_method(g, &mut methods, s, rpc, i);
        }
    }
    let rt_tokens = quote!(#k::__private::rest);
    let mount = quote! {
        #rt_tokens::mount(parts, &self.inner, &REST_OPENAPI, &REST_ROUTES, &[#(#handlers::<S>),*]);
    };

    let mut client = Text::at(g.depth);
    client.doc(&format!(
        "A typed REST client of the `{}` service: one method per rpc, declared errors \
         rebuilt from the server's problem+json.",
        s.name
    ));
    client.line(&["#[derive(Debug, Clone)]"]);
    client.open(&["pub struct RestClient"]);
    client.line(&["inner: ", &rt, "::Client,"]);
    client.close("");
    client.open(&["impl RestClient"]);
    client.line(&["/// A client for the server at `base_url` (`http://127.0.0.1:8080`)."]);
    client
        .open(&["pub fn new(base_url: impl ::std::convert::Into<::std::string::String>) -> Self"]);
    client.open(&["Self"]);
    client.line(&["inner: ", &rt, "::Client::new(base_url)"]);
    client.close("");
    client.close("");
    client.line(&[
        "/// A client that sends through a configured reqwest client (timeouts, headers).",
    ]);
    client.line(&["pub fn with_client("]);
    client.line(&["    base_url: impl ::std::convert::Into<::std::string::String>,"]);
    client.line(&["    http: ", &rt, "::reqwest::Client,"]);
    client.open(&[") -> Self"]);
    client.open(&["Self"]);
    client.line(&["inner: ", &rt, "::Client::with_client(base_url, http)"]);
    client.close("");
    client.close("");
    client.line(&["/// The untyped client underneath."]);
    client.open(&["pub fn inner(&self) -> &", &rt, "::Client"]);
    client.line(&["&self.inner"]);
    client.close("");
    client.out.push_str(&methods.out);
    client.close("");
    Ok(Glue {
        shared,
        server,
        client,
        mount,
    })
}

/// The service's OpenAPI fragment: `static REST_OPENAPI: Fragment = …;`, a literal of JSON texts.
fn fragment(g: &Gen, out: &mut Text, s: &Service, rt: &str) {
    let computed;
    let f = match g.fragment {
        Some(f) => f,
        None => {
            computed = FragmentText::of(g.ir, s);
            &computed
        }
    };
    let ty = format!("{rt}::Fragment");
    out.open(&["static REST_OPENAPI: ", &ty, " = ", &ty]);
    out.line(&["api: ", &str_text(&f.api), ","]);
    out.line(&["version: ", &str_text(&f.version), ","]);
    out.line(&["description: ", &str_text(&f.description), ","]);
    out.line(&["tag: ", &str_text(&f.tag), ","]);
    let ops: Vec<[String; 3]> = f
        .operations
        .iter()
        .map(|(path, method, op)| [str_text(path), str_text(method), str_text(op)])
        .collect();
    out.start().push_str("operations: &");
    match ops.as_slice() {
        [] => out.out.push_str("[]"),
        // One tuple: no comma to break the list at, the tuple itself broken.
        [one] => out.list("[(", one, ")]"),
        many => {
            let inline: Vec<String> = many.iter().map(|t| format!("({})", t.join(", "))).collect();
            out.list_with("[", &inline, many, |out, t| out.list("(", t, ")"), "]");
        }
    }
    out.out.push(',');
    out.end();
    let schemas: Vec<String> = f
        .roots
        .iter()
        .map(|c| format!("&{}", schema_path(g, *c)))
        .collect();
    out.start().push_str("schemas: &");
    out.list("[", &schemas, "],");
    out.end();
    out.close(";");
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
    let mut fragments = openapi::fragment_texts(ir);
    fragments.shrink_to_fit();
    let reached =
        openapi::reached_types(ir, fragments.iter().flat_map(|f| f.roots.iter().copied()));
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
        Component::Type(id) => g.ir.types[id].package.as_ref(),
        _ => g.package.as_ref(),
    };
    g.push_module_path(&mut out, to);
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
fn param_kind(t: &Type) -> (&'static str, bool) {
    let (t, list) = match t.without_optional() {
        Type::List(inner) => (inner.without_optional(), true),
        other => (other, false),
    };
    // The checker allows only scalars and enums here; an enum travels as its name.
    let kind = match t {
        Type::Bool => "Bool",
        Type::I32 | Type::I64 | Type::U32 | Type::U64 => "Int",
        Type::F64 => "Float",
        _ => "Str",
    };
    (kind, list)
}

/// The static `Route` of an rpc (an item of `REST_ROUTES`).
fn route(g: &Gen, out: &mut Text, s: &Service, rpc: &Rpc, rt: &str) {
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
    let params: Vec<String> = inputs
        .iter()
        .filter(|(n, _)| query || in_path(n))
        .map(|(n, t)| {
            let (kind, list) = param_kind(t);
            let param = if list { "list_param" } else { "param" };
            format!("{rt}::Kind::{kind}.{param}({})", str_text(n))
        })
        .collect();
    let no_content = rpc.output == Output::Unit;
    out.open(&[rt, "::Route"]);
    out.line(&["rpc: ", &str_text(&format!("{}.{}", s.name, rpc.name)), ","]);
    out.line(&["method: ", rt, "::Method::", rpc.http.method.as_str(), ","]);
    out.line(&["path: ", &str_text(&rpc.http.path), ","]);
    out.line(&["query: ", if query { "true" } else { "false" }, ","]);
    out.line(&["body: ", if body { "true" } else { "false" }, ","]);
    out.start().push_str("params: &");
    out.list("[", &params, "],");
    out.end();
    out.line(&[
        "no_content: ",
        if no_content { "true" } else { "false" },
        ",",
    ]);
    out.close("");
}

/// One `RestClient` method: the trait method's arguments, without the context.
fn client_method(g: &Gen, out: &mut Text, s: &Service, rpc: &Rpc, index: usize) {
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
    out.docs(&doc_lines);
    let mut params = vec!["&self".to_string()];
    // The request value: none, `&request`, or a request struct of the parameters.
    let (request, fields): (Option<String>, Vec<String>) = match &rpc.input {
        Input::Unit => (None, Vec::new()),
        Input::Message(id) => {
            params.push(format!("request: {}", g.type_path_text(*id)));
            (Some("&request".to_string()), Vec::new())
        }
        Input::Params(RequestMessage { fields: ps, .. }) => {
            let names: Vec<String> = ps.iter().map(|p| field_name(&p.name).to_string()).collect();
            for (p, name) in ps.iter().zip(&names) {
                params.push(format!("{name}: {}", g.rust_type_text(&p.ty, false)));
            }
            let ty = g.request_type_text(rpc).unwrap_or_default();
            (Some(format!("&{ty}")), names)
        }
    };
    out.start().push_str("pub async fn ");
    out.out.push_str(&field_name(&rpc.name));
    out.list("(", &params, ")");
    let output = g.output_type_text(&rpc.output);
    let error = g.rpc_error_type_text(s, rpc, true);
    out.open_on(&[" -> ::std::result::Result<", &output, ", ", &error, ">"]);
    let route = format!("&REST_ROUTES[{index}]");
    match request {
        None => out.line(&["self.inner.send_unit(", &route, ").await"]),
        Some(request) => {
            out.start().push_str("self.inner.send");
            // Broken, a request struct's fields are a line each.
            out.args_with_struct("(", &route, &request, &fields, ").await");
            out.end();
        }
    }
    out.close("");
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
