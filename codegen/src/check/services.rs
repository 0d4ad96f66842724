//! Service checks: error kinds, rpc messages, `throws`, HTTP routes, XML-RPC names, synthesized
//! message names.

use rustc_hash::FxHashMap as HashMap;

use super::{Ctx, Ty, emit};
use crate::conventions::{
    default_http_path, default_xmlrpc_name, path_variables, request_message_name,
    response_message_name, route_shape,
};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::ir::{ErrorKind, HttpMethod};
use crate::program::{Lookup, ParsedFile, closest, full_name, unknown_type};
use crate::source::Span;
use crate::syntax::ast::{AnnotationArg, ItemKind, Rpc, RpcInput, ServiceDecl};
use rosetta_runtime::error::RESERVED_MEMBERS;

/// E0135: a declared error's field is not named like a member RFC 9457 problems define
/// themselves (`status`, `type`, ... `rosetta_runtime::error::RESERVED_MEMBERS`): REST answers
/// an error as a problem+json object whose members are the problem's and the error's fields, so
/// it could not carry both.
pub(super) fn check_error_problem_members(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, item) in ctx.items() {
        let ItemKind::Error(e) = &item.kind else {
            continue;
        };
        for field in e.body.iter().flat_map(|b| b.fields()) {
            if RESERVED_MEMBERS.contains(&field.name.name.as_str()) {
                emit(
                    out,
                    Diagnostic::error(
                        "E0135",
                        format!(
                            "the field `{}` of error `{}` has the name of a problem+json member",
                            field.name.name, e.name.name
                        ),
                        field.name.span,
                    )
                    .with_label("REST sends errors as RFC 9457 problems, which define this member")
                    .with_help(format!(
                        "rename the field; a problem defines {}",
                        RESERVED_MEMBERS
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
        }
    }
}

/// E0117: `error X: kind` names a canonical kind.
pub(super) fn check_error_kinds(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, item) in ctx.items() {
        if let ItemKind::Error(e) = &item.kind
            && ErrorKind::from_name(&e.kind.name).is_none()
        {
            let names = ErrorKind::ALL.iter().map(|k| k.name());
            let help = match closest(&e.kind.name, names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("kinds are: {}", ErrorKind::ALL.map(|k| k.name()).join(", ")),
            };
            emit(
                out,
                Diagnostic::error(
                    "E0117",
                    format!("unknown error kind `{}`", e.kind.name),
                    e.kind.span,
                )
                .with_label("not a canonical kind")
                .with_help(help),
            );
        }
    }
}

/// E0119: the one message an rpc takes must be a struct (it becomes the gRPC request as is).
pub(super) fn check_rpc_messages(ctx: &Ctx, out: &mut Diagnostics) {
    for (f, _, rpc) in ctx.rpcs() {
        let RpcInput::Message(t) = &rpc.input else {
            continue;
        };
        let ty = ctx.ty(f.id, t);
        let ok = match &ty {
            Ty::Def(d) => matches!(ctx.program.item(*d).kind, ItemKind::Struct(_)),
            Ty::Error => true,
            _ => false,
        };
        if !ok {
            let help = if rpc.input_stream.is_some() {
                "a stream carries messages: wrap the value in a struct"
            } else {
                "name the parameter: `(value: T)`, or wrap it in a struct"
            };
            emit(
                out,
                Diagnostic::error(
                    "E0119",
                    format!(
                        "rpc `{}` takes `{}`, which is not a struct",
                        rpc.name.name,
                        ctx.describe(&ty)
                    ),
                    t.span(),
                )
                .with_label("not a struct")
                .with_help(help),
            );
        }
    }
}

/// E0140: what a server stream carries is a struct. Each element is one gRPC message, one SSE
/// event and one NDJSON line; a unary rpc's non-struct result is wrapped in a synthesized
/// `<Rpc>Response`, but a stream of wrappers would put that wrapper on every wire, so the IDL
/// names the message itself.
pub(super) fn check_stream_messages(ctx: &Ctx, out: &mut Diagnostics) {
    for (f, _, rpc) in ctx.rpcs() {
        let (Some(kw), Some(t)) = (rpc.output_stream, &rpc.output) else {
            continue;
        };
        let ty = ctx.ty(f.id, t);
        let ok = match &ty {
            Ty::Def(d) => matches!(ctx.program.item(*d).kind, ItemKind::Struct(_)),
            Ty::Error => true,
            _ => false,
        };
        if !ok {
            emit(
                out,
                Diagnostic::error(
                    "E0140",
                    format!(
                        "rpc `{}` streams `{}`, which is not a struct",
                        rpc.name.name,
                        ctx.describe(&ty)
                    ),
                    t.span(),
                )
                .with_label("not a struct")
                .with_secondary(kw, "each element of this stream is one message")
                .with_help("wrap the value in a struct: `-> stream Item` with `struct Item { value: T = 1; }`"),
            );
        }
    }
}

/// E0141: a client stream is the request body (NDJSON on REST, one line per message), so its
/// route has a body (not GET or DELETE) and no path variables (there is no one message whose
/// fields they could bind).
pub(super) fn check_client_stream_routes(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, _, rpc) in ctx.rpcs() {
        let Some(kw) = rpc.input_stream else {
            continue;
        };
        let Some((method_word, path, _)) = http_annotation(rpc) else {
            continue;
        };
        let method = HttpMethod::parse(&method_word.name);
        if matches!(method, Some(HttpMethod::Get | HttpMethod::Delete)) {
            emit(
                out,
                Diagnostic::error(
                    "E0141",
                    format!(
                        "rpc `{}` takes a client stream, which `{}` cannot carry",
                        rpc.name.name, method_word.name
                    ),
                    method_word.span,
                )
                .with_label("this method has no request body")
                .with_secondary(kw, "the stream is the request body")
                .with_help("use POST, PUT or PATCH"),
            );
        }
        if let Ok(vars) = path_variables(&path.value)
            && let Some(var) = vars.first()
        {
            emit(
                out,
                Diagnostic::error(
                    "E0141",
                    format!(
                        "rpc `{}` takes a client stream, so its path cannot bind `{{{var}}}`",
                        rpc.name.name
                    ),
                    path.span,
                )
                .with_label("path variable")
                .with_secondary(kw, "a stream has no one message to bind it to")
                .with_help("put the value in each message, or take it in a separate rpc"),
            );
        }
    }
}

/// E0142 / W0002: XML-RPC has one request and one response, so a streaming rpc is not served on
/// `/RPC2` (nor listed by introspection). Naming it with `@xmlrpc` asks for what cannot be, an
/// error; otherwise the rpc is left out with a warning naming it and the target.
pub(super) fn check_streaming_xmlrpc(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, s, rpc) in ctx.rpcs() {
        let Some(kw) = rpc.input_stream.or(rpc.output_stream) else {
            continue;
        };
        if let Some(a) = rpc.annotations.iter().find(|a| a.name.name == "xmlrpc") {
            emit(
                out,
                Diagnostic::error(
                    "E0142",
                    format!(
                        "rpc `{}` streams, so it has no XML-RPC method to name",
                        rpc.name.name
                    ),
                    a.span,
                )
                .with_label("XML-RPC has one request and one response")
                .with_secondary(kw, "streams here")
                .with_help("remove `@xmlrpc`; the rpc is served over gRPC and REST"),
            );
        } else {
            emit(
                out,
                Diagnostic::warning(
                    "W0002",
                    format!(
                        "streaming rpc `{}.{}` is not served over XML-RPC",
                        s.name.name, rpc.name.name
                    ),
                    rpc.name.span,
                )
                .with_secondary(kw, "streams here")
                .with_help(
                    "it is left out of `/RPC2` and `system.listMethods`; gRPC and REST serve it",
                ),
            );
        }
    }
}

/// E0118 / E0100 / E0101: `throws` lists declared errors, each once.
pub(super) fn check_throws(ctx: &Ctx, out: &mut Diagnostics) {
    for (f, _, rpc) in ctx.rpcs() {
        let mut seen: Vec<&str> = Vec::new();
        for name in &rpc.throws {
            if seen.contains(&name.name.as_str()) {
                emit(
                    out,
                    Diagnostic::error(
                        "E0101",
                        format!("`{}` is thrown twice", name.name),
                        name.span,
                    )
                    .with_label("listed again"),
                );
                continue;
            }
            seen.push(&name.name);
            match ctx.program.lookup(f.id, &name.name) {
                Lookup::Def(d) if matches!(ctx.program.item(d).kind, ItemKind::Error(_)) => {}
                Lookup::NotFound => emit(out, unknown_type(ctx.program, f.id, name)),
                Lookup::Ambiguous(_) => emit(
                    out,
                    Diagnostic::error("E0129", format!("`{}` is ambiguous", name.name), name.span)
                        .with_label("defined by more than one import")
                        .with_help("qualify it with its package"),
                ),
                _ => emit(
                    out,
                    Diagnostic::error(
                        "E0118",
                        format!("`{}` is not an error", name.name),
                        name.span,
                    )
                    .with_label("only `error` types can be thrown")
                    .with_help(format!(
                        "declare it as `error {}: <kind> {{ ... }}`",
                        name.name
                    )),
                ),
            }
        }
    }
}

/// The `@http` annotation of an rpc: (method word, path string, whole span).
fn http_annotation(
    rpc: &Rpc,
) -> Option<(
    &crate::syntax::ast::Ident,
    &crate::syntax::ast::StrLit,
    Span,
)> {
    let a = rpc.annotations.iter().find(|a| a.name.name == "http")?;
    match a.args.as_slice() {
        [AnnotationArg::Word(m), AnnotationArg::Str(p)] => Some((m, p, a.span)),
        _ => None,
    }
}

/// The inputs an rpc binds by name: parameters, or the fields of its message — with their types.
fn named_inputs<'a>(ctx: &Ctx<'a>, f: &ParsedFile, rpc: &'a Rpc) -> Option<Vec<(&'a str, Ty)>> {
    match &rpc.input {
        RpcInput::None => Some(Vec::new()),
        RpcInput::Params(ps) => Some(
            ps.iter()
                .map(|p| (p.name.name.as_str(), ctx.ty(f.id, &p.ty)))
                .collect(),
        ),
        RpcInput::Message(t) => match ctx.ty(f.id, t) {
            Ty::Def(d) => {
                let file = d.file;
                let body = ctx.body(d)?;
                Some(
                    body.fields()
                        .map(|x| (x.name.name.as_str(), ctx.ty(file, &x.ty)))
                        .collect(),
                )
            }
            _ => None,
        },
    }
}

/// True for what fits in one path segment or query value: scalars (not bytes) and enums.
fn is_simple(ctx: &Ctx, t: &Ty) -> bool {
    match t {
        Ty::Builtin(b) => *b != "bytes",
        Ty::Def(d) => matches!(ctx.program.item(*d).kind, ItemKind::Enum(_)),
        Ty::Error => true,
        _ => false,
    }
}

/// E0125 / E0108 / E0133: a valid method and path whose variables name simple inputs, and (for GET
/// and DELETE) query parameters that are scalars or lists of scalars.
pub(super) fn check_http_routes(ctx: &Ctx, out: &mut Diagnostics) {
    for (f, _, rpc) in ctx.rpcs() {
        let Some((method_word, path, _)) = http_annotation(rpc) else {
            continue;
        };
        let Some(method) = HttpMethod::parse(&method_word.name) else {
            emit(
                out,
                Diagnostic::error(
                    "E0125",
                    format!("`{}` is not a supported HTTP method", method_word.name),
                    method_word.span,
                )
                .with_label("unknown method")
                .with_help("use GET, POST, PUT, PATCH or DELETE"),
            );
            continue;
        };
        let vars = match path_variables(&path.value) {
            Ok(v) => v,
            Err(why) => {
                emit(
                    out,
                    Diagnostic::error("E0125", format!("invalid HTTP path: {why}"), path.span)
                        .with_label("malformed path"),
                );
                continue;
            }
        };
        if rpc.input_stream.is_some() {
            continue; // no one message binds the path or query (E0141)
        }
        let Some(inputs) = named_inputs(ctx, f, rpc) else {
            continue;
        };
        for var in &vars {
            match inputs.iter().find(|(n, _)| n == var) {
                None => {
                    let names: Vec<&str> = inputs.iter().map(|(n, _)| *n).collect();
                    let help = match closest(var, names.iter().copied()) {
                        Some(s) => format!("did you mean `{{{s}}}`?"),
                        None if names.is_empty() => "the rpc takes no input to bind".to_string(),
                        None => format!("the rpc's inputs are: {}", names.join(", ")),
                    };
                    emit(
                        out,
                        Diagnostic::error(
                            "E0108",
                            format!(
                                "path variable `{{{var}}}` matches no input of `{}`",
                                rpc.name.name
                            ),
                            path.span,
                        )
                        .with_label("unbound variable")
                        .with_help(help),
                    );
                }
                Some((_, t)) if !is_simple(ctx, t) => emit(
                    out,
                    Diagnostic::error(
                        "E0108",
                        format!(
                            "path variable `{{{var}}}` binds `{}`, which does not fit in a path",
                            ctx.describe(t)
                        ),
                        path.span,
                    )
                    .with_label("not a scalar")
                    .with_help("bind a string, number, boolean or enum"),
                ),
                Some(_) => {}
            }
        }
        if method.uses_query() {
            for (name, t) in inputs.iter().filter(|(n, _)| !vars.iter().any(|v| v == n)) {
                let base = t.strip_optional();
                let ok = is_simple(ctx, base)
                    || matches!(base, Ty::List(inner) if is_simple(ctx, inner));
                if !ok {
                    emit(
                        out,
                        Diagnostic::error(
                            "E0133",
                            format!(
                                "`{name}: {}` cannot be a query parameter of {} {}",
                                ctx.describe(t),
                                method.as_str(),
                                path.value
                            ),
                            method_word.span,
                        )
                        .with_label("query parameters are scalars or lists of scalars")
                        .with_help(
                            "bind it in the path, or use POST, PUT or PATCH to send a JSON body",
                        ),
                    );
                }
            }
        }
    }
}

/// The route of every rpc, explicit or default, with the span to report it at.
fn routes<'a>(ctx: &Ctx<'a>) -> Vec<(HttpMethod, String, &'a Rpc, &'a ServiceDecl, Span)> {
    let mut v = Vec::new();
    for (f, s, rpc) in ctx.distinct_rpcs() {
        match http_annotation(rpc) {
            Some((m, p, span)) => {
                if let Some(method) = HttpMethod::parse(&m.name) {
                    v.push((method, p.value.clone(), rpc, s, span));
                }
            }
            None => v.push((
                HttpMethod::Post,
                default_http_path(f.package.as_deref(), &s.name.name, &rpc.name.name),
                rpc,
                s,
                rpc.name.span,
            )),
        }
    }
    v
}

/// E0109: two rpcs answer the same method and path (variables compared by position).
pub(super) fn check_duplicate_routes(ctx: &Ctx, out: &mut Diagnostics) {
    let mut seen: HashMap<(HttpMethod, String), (&Rpc, &ServiceDecl, Span)> = HashMap::default();
    for (method, path, rpc, s, span) in routes(ctx) {
        let key = (method, route_shape(&path));
        if let Some((first, fs, fspan)) = seen.get(&key) {
            emit(
                out,
                Diagnostic::error(
                    "E0109",
                    format!(
                        "`{}.{}` and `{}.{}` are both on {} {path}",
                        fs.name.name,
                        first.name.name,
                        s.name.name,
                        rpc.name.name,
                        method.as_str()
                    ),
                    span,
                )
                .with_label("second rpc on this route")
                .with_secondary(*fspan, "first one here")
                .with_help("give one of them another path or method"),
            );
        } else {
            seen.insert(key, (rpc, s, span));
        }
    }
}

/// E0110: XML-RPC method names are unique across every service served on one `/RPC2`, and
/// `system.*` belongs to introspection.
pub(super) fn check_xmlrpc_names(ctx: &Ctx, out: &mut Diagnostics) {
    let mut seen: HashMap<String, (&Rpc, Span)> = HashMap::default();
    for (_, s, rpc) in ctx.distinct_rpcs() {
        if rpc.input_stream.is_some() || rpc.output_stream.is_some() {
            continue; // not served on `/RPC2` (W0002)
        }
        let explicit = rpc
            .annotations
            .iter()
            .find(|a| a.name.name == "xmlrpc")
            .and_then(|a| match a.args.as_slice() {
                [AnnotationArg::Str(n)] => Some((n.value.clone(), n.span)),
                _ => None,
            });
        let (name, span) = explicit.unwrap_or_else(|| {
            (
                default_xmlrpc_name(&s.name.name, &rpc.name.name),
                rpc.name.span,
            )
        });
        if name.starts_with("system.") {
            emit(
                out,
                Diagnostic::error("E0110", format!("XML-RPC name `{name}` is reserved"), span)
                    .with_label("`system.*` is for introspection")
                    .with_help("choose a name outside `system.`"),
            );
            continue;
        }
        if let Some((first, fspan)) = seen.get(&name) {
            emit(
                out,
                Diagnostic::error(
                    "E0110",
                    format!(
                        "XML-RPC method `{name}` is defined by `{}` and `{}`",
                        first.name.name, rpc.name.name
                    ),
                    span,
                )
                .with_label("second method with this name")
                .with_secondary(*fspan, "first one here")
                .with_help("give one of them another name with `@xmlrpc(\"...\")`"),
            );
        } else {
            seen.insert(name, (rpc, span));
        }
    }
}

/// E0120: the request/response messages gRPC needs for parameter lists and non-message results
/// must not collide with declared types or each other in the package.
pub(super) fn check_synthesized_names(ctx: &Ctx, out: &mut Diagnostics) {
    // The declared types are the program's own table (no second map of every type's name).
    let declared = |full: &str| {
        let def = ctx.program.type_by_full_name(full)?;
        Some(ctx.program.item(def).name().span)
    };
    let mut synthesized: HashMap<String, Span> = HashMap::default();
    for (f, _, rpc) in ctx.distinct_rpcs() {
        let mut names = Vec::new();
        if matches!(rpc.input, RpcInput::Params(_)) {
            names.push(request_message_name(&rpc.name.name));
        }
        if let Some(o) = &rpc.output {
            let is_struct = matches!(ctx.ty(f.id, o), Ty::Def(d) if matches!(ctx.program.item(d).kind, ItemKind::Struct(_)));
            if !is_struct {
                names.push(response_message_name(&rpc.name.name));
            }
        }
        for name in names {
            let full = full_name(f.package.as_deref(), &name);
            let clash = declared(&full).map(|s| (s, "a declared type")).or_else(|| {
                synthesized
                    .get(&full)
                    .map(|s| (*s, "another rpc's message"))
            });
            if let Some((other, what)) = clash {
                emit(
                    out,
                    Diagnostic::error(
                        "E0120",
                        format!(
                            "gRPC needs a message `{name}` for `{}`, but {what} has that name",
                            rpc.name.name
                        ),
                        rpc.name.span,
                    )
                    .with_label("synthesized name collides")
                    .with_secondary(other, "taken here")
                    .with_help("rename the rpc, or make it take and return declared structs"),
                );
            } else {
                synthesized.insert(full, rpc.name.span);
            }
        }
    }
}
