//! The XML-RPC glue of a service: one handler per rpc registered at `/RPC2`, the fault mapping of
//! each `<Rpc>Error`, and a typed async `XmlRpcClient`.
//!
//! Generated code stays thin: decoding positional parameters, validation, result encoding and
//! the fault form of errors are runtime functions (`rosetta::xmlrpc::glue`); what is generated
//! is names, types and the call of the trait method.

use quote::{format_ident, quote};

use super::ident::{self, field_name, snake_case, str_text, type_name};
use super::protocols::Glue;
use super::text::Text;
use super::types::Gen;
use crate::ir::{Input, Ir, Output, RequestMessage, Rpc, Service, Type, TypeKind};

/// Client method names the client itself uses: an rpc with one of these names gets a `call_`
/// prefix on the client.
const CLIENT_RESERVED: &[&str] = &["new", "from_client", "client"];

/// The XML-RPC items and mount statements for `s` (`g` is nested in the service's module).
pub(super) fn service(g: &Gen, s: &Service) -> Result<Glue, String> {
    let mut server = Text::at(g.depth);
    let mut client = Text::at(g.depth);
    let mut handlers = Vec::new();
    // XML-RPC has one request and one response: streaming rpcs are not served (W0002).
    let rpcs: Vec<&Rpc> = s.rpcs.iter().filter(|r| !r.is_streaming()).collect();
    for rpc in rpcs.iter().copied() {
        handler(g, &mut server, s, rpc);
        handlers.push(format_ident!("{}", handler_name(rpc)));
    }
    server.line(&["/// The XML-RPC method of each rpc, in IDL order."]);
    server.start().push_str(&format!(
        "static XMLRPC_METHODS: [{}::xmlrpc::server::MethodSpec; {}] = ",
        g.k,
        rpcs.len()
    ));
    server.literals(rpcs.len(), |out, i| method_spec(g, out, s, rpcs[i]));
    server.out.push(';');
    server.end();
    write_client(g, &mut client, s, &rpcs);
    let mount = quote! {
        parts.xmlrpc.add_service(&self.inner, &XMLRPC_METHODS, &[#(#handlers::<S>),*]);
    };
    Ok(Glue {
        shared: Text::at(g.depth),
        server,
        client,
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

/// `xmlrpc_<rpc>`: the handler of an rpc.
fn handler_name(rpc: &Rpc) -> String {
    format!("xmlrpc_{}", snake_case(&rpc.name))
}

/// `fn xmlrpc_<rpc>(svc, ctx, params)`: decode, validate, call, encode, expanded by the
/// facade's `__xmlrpc_handler!`.
fn handler(g: &Gen, out: &mut Text, s: &Service, rpc: &Rpc) {
    let service = format!("super::{}", type_name(&s.name));
    let name = handler_name(rpc);
    let invoker = ident::invoker_name(rpc);
    out.start().push_str(g.k);
    out.out.push_str("::__xmlrpc_handler!");
    match (&rpc.input, g.request_type_text(rpc)) {
        (Input::Unit, _) | (_, None) => {
            let call = format!("|svc, ctx| {invoker}(svc, ctx)");
            out.list("(", &[format!("none {name}"), service, call], ");");
        }
        (Input::Message(_), Some(ty)) => {
            let call = format!("|svc, ctx, req| {invoker}(svc, ctx, req)");
            out.list("(", &[format!("message {name}"), service, ty, call], ");");
        }
        (Input::Params(_), Some(ty)) => {
            let (names, required) = params_shape(rpc);
            let names: Vec<String> = names.into_iter().map(str_text).collect();
            let call = format!("|svc, ctx, req| {invoker}(svc, ctx, req)");
            let args = [
                format!("params {name}"),
                service,
                ty,
                format!("[{}]", names.join(", ")),
                format!("{required}usize"),
                call,
            ];
            // Broken, the parameter names are a list of their own.
            out.list_with(
                "(",
                &args,
                &args,
                |out, arg| {
                    if arg.starts_with('[') {
                        out.list("[", &names, "]");
                    } else {
                        out.out.push_str(arg);
                    }
                },
                ");",
            );
        }
    }
    out.end();
}

/// The method table entry of one rpc.
fn method_spec(g: &Gen, out: &mut Text, s: &Service, rpc: &Rpc) {
    let signature: Vec<String> = signature(g.ir, rpc).into_iter().map(str_text).collect();
    let (_, required) = params_shape(rpc);
    out.open(&[g.k, "::xmlrpc::server::MethodSpec"]);
    out.line(&["name: ", &str_text(&rpc.xmlrpc_name), ","]);
    out.line(&[
        "idl_name: ",
        &str_text(&format!("{}.{}", s.name, rpc.name)),
        ",",
    ]);
    out.start().push_str("signature: &");
    out.list("[", &signature, "],");
    out.end();
    out.line(&["required: ", &required.to_string(), "usize,"]);
    out.line(&["help: ", &str_text(&help(g.ir, s, rpc)), ","]);
    out.close("");
}

/// One `XmlRpcClient` method.
fn client_method(g: &Gen, out: &mut Text, s: &Service, rpc: &Rpc) {
    let snake = snake_case(&rpc.name);
    let method = if CLIENT_RESERVED.contains(&snake.as_str()) {
        format!("call_{snake}")
    } else {
        field_name(&rpc.name).to_string()
    };
    let (_, required) = params_shape(rpc);
    let mut params = vec!["&self".to_string()];
    let mut values = vec![
        "self.inner".to_string(),
        str_text(&rpc.xmlrpc_name),
        format!("{required}usize"),
    ];
    match &rpc.input {
        Input::Unit => {}
        Input::Message(id) => {
            params.push(format!("request: {}", g.type_path_text(*id)));
            values.push("request = \"request\"".to_string());
        }
        Input::Params(RequestMessage { fields: ps, .. }) => {
            for p in ps {
                let name = field_name(&p.name);
                params.push(format!("{name}: {}", g.rust_type_text(&p.ty, false)));
                values.push(format!("{name} = {}", str_text(&p.name)));
            }
        }
    }
    let mut doc_lines = rpc.docs.clone();
    if !doc_lines.is_empty() {
        doc_lines.push(String::new());
    }
    doc_lines.push(format!("Calls XML-RPC `{}`.", rpc.xmlrpc_name));
    if rpc.deprecated {
        doc_lines.push(String::new());
        doc_lines.push("**Deprecated** in the IDL.".to_string());
    }
    out.docs(&doc_lines);
    // Clippy's default limit is seven arguments, `&self` included.
    if matches!(&rpc.input, Input::Params(RequestMessage { fields: ps, .. }) if ps.len() >= 7) {
        out.line(&["#[allow(clippy::too_many_arguments)]"]);
    }
    out.start().push_str("pub async fn ");
    out.out.push_str(&method);
    out.list("(", &params, ")");
    let output = g.output_type_text(&rpc.output);
    let error = g.rpc_error_type_text(s, rpc, true);
    out.open_on(&[" -> ::std::result::Result<", &output, ", ", &error, ">"]);
    out.start().push_str(g.k);
    out.list("::__xmlrpc_call!(", &values, ")");
    out.end();
    out.close("");
}

/// `XmlRpcClient`: a typed async client of the service.
fn write_client(g: &Gen, out: &mut Text, s: &Service, rpcs: &[&Rpc]) {
    let k = g.k;
    out.doc(&format!(
        "A typed XML-RPC client of [`{0}`](super::{0}): one method per rpc; faults come back as \
         the rpc's typed error.",
        s.name
    ));
    out.line(&["#[derive(Debug, Clone)]"]);
    out.open(&["pub struct XmlRpcClient"]);
    out.line(&["inner: ", k, "::xmlrpc::client::Client,"]);
    out.close("");
    out.open(&["impl XmlRpcClient"]);
    out.line(&[
        "/// A client of the endpoint at `url` (`http://host:port/RPC2`; a URL without a path",
    ]);
    out.line(&["/// means `/RPC2`, as in Python's `ServerProxy`)."]);
    out.open(&["pub fn new(url: &str) -> Self"]);
    out.line(&[
        "Self::from_client(",
        k,
        "::xmlrpc::client::Client::new(url))",
    ]);
    out.close("");
    out.line(&["/// Wraps a configured client (timeout, limits)."]);
    out.open(&[
        "pub fn from_client(client: ",
        k,
        "::xmlrpc::client::Client) -> Self",
    ]);
    out.open(&["Self"]);
    out.line(&["inner: client"]);
    out.close("");
    out.close("");
    out.line(&["/// The underlying untyped client."]);
    out.open(&["pub fn client(&self) -> &", k, "::xmlrpc::client::Client"]);
    out.line(&["&self.inner"]);
    out.close("");
    for rpc in rpcs {
        client_method(g, out, s, rpc);
    }
    out.close("");
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
