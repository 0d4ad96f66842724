//! Annotation checks: each annotation is known, in its place, with the right arguments, and
//! constraints fit the type they constrain.

use super::{Ctx, Ty, emit};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::program::{ParsedFile, closest};
use crate::syntax::ast::{Annotation, AnnotationArg, ItemKind, RpcInput, TypeRef};

/// Where an annotation is written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    /// On a top-level item; the keyword says which kind.
    Item(&'static str),
    Rpc,
    Field,
    Param,
}

impl Place {
    fn describe(self) -> String {
        match self {
            Place::Item(k) => format!("an {k}")
                .replace("an s", "a s")
                .replace("an t", "a t"),
            Place::Rpc => "an rpc".to_string(),
            Place::Field => "a field".to_string(),
            Place::Param => "a parameter".to_string(),
        }
    }
}

/// The annotations Rosetta knows: name, where it may go, and what it means (for messages).
const KNOWN: &[(&str, &[&str], &str)] = &[
    ("http", &["rpc"], "an rpc"),
    ("xmlrpc", &["rpc"], "an rpc"),
    ("range", &["field", "param"], "a field or parameter"),
    ("length", &["field", "param"], "a field or parameter"),
    ("pattern", &["field", "param"], "a field or parameter"),
    ("http_status", &["error"], "an error"),
    ("fault_code", &["error"], "an error"),
    (
        "deprecated",
        &[
            "struct", "enum", "union", "error", "service", "topic", "rpc", "field",
        ],
        "a declaration, rpc or field",
    ),
];

fn place_key(p: Place) -> &'static str {
    match p {
        Place::Item(k) => k,
        Place::Rpc => "rpc",
        Place::Field => "field",
        Place::Param => "param",
    }
}

/// Every annotation in the program with its place.
fn all_annotations<'a>(ctx: &Ctx<'a>) -> Vec<(Place, &'a [Annotation])> {
    let mut v: Vec<(Place, &'a [Annotation])> = Vec::new();
    for (_, item) in ctx.items() {
        v.push((Place::Item(item.keyword()), &item.annotations));
        match &item.kind {
            ItemKind::Struct(s) | ItemKind::Union(s) => {
                v.extend(s.fields().map(|f| (Place::Field, f.annotations.as_slice())))
            }
            ItemKind::Error(e) => {
                if let Some(b) = &e.body {
                    v.extend(b.fields().map(|f| (Place::Field, f.annotations.as_slice())));
                }
            }
            ItemKind::Service(s) => {
                for rpc in &s.rpcs {
                    v.push((Place::Rpc, &rpc.annotations));
                    if let RpcInput::Params(ps) = &rpc.input {
                        v.extend(ps.iter().map(|p| (Place::Param, p.annotations.as_slice())));
                    }
                }
            }
            _ => {}
        }
    }
    v
}

/// E0113 / E0114: known, in place, not repeated, with well-formed arguments.
pub(super) fn check_annotations(ctx: &Ctx, out: &mut Diagnostics) {
    for (place, anns) in all_annotations(ctx) {
        for (i, a) in anns.iter().enumerate() {
            let name = a.name.name.as_str();
            let Some((_, places, where_)) = KNOWN.iter().find(|(n, _, _)| *n == name) else {
                let here: Vec<&str> = KNOWN
                    .iter()
                    .filter(|(_, ps, _)| ps.contains(&place_key(place)))
                    .map(|(n, _, _)| *n)
                    .collect();
                let mut d = Diagnostic::error(
                    "E0113",
                    format!("unknown annotation `@{name}`"),
                    a.name.span,
                )
                .with_label("not a Rosetta annotation");
                d = match closest(name, here.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `@{s}`?")),
                    None if here.is_empty() => {
                        d.with_help(format!("no annotation applies to {}", place.describe()))
                    }
                    None => d.with_help(format!(
                        "annotations on {}: {}",
                        place.describe(),
                        here.iter()
                            .map(|h| format!("@{h}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
                emit(out, d);
                continue;
            };
            if !places.contains(&place_key(place)) {
                emit(
                    out,
                    Diagnostic::error(
                        "E0113",
                        format!("`@{name}` cannot be used on {}", place.describe()),
                        a.span,
                    )
                    .with_label("misplaced annotation")
                    .with_help(format!("`@{name}` goes on {where_}")),
                );
                continue;
            }
            if let Some(first) = anns[..i].iter().find(|b| b.name.name == name) {
                emit(
                    out,
                    Diagnostic::error("E0114", format!("`@{name}` is given twice"), a.span)
                        .with_label("repeated")
                        .with_secondary(first.span, "first given here"),
                );
                continue;
            }
            if let Err((span, why)) = check_args(a) {
                emit(
                    out,
                    Diagnostic::error("E0114", format!("bad arguments to `@{name}`: {why}"), span)
                        .with_label("here")
                        .with_help(usage(name)),
                );
            }
        }
    }
}

/// How each annotation is written, for help lines.
fn usage(name: &str) -> &'static str {
    match name {
        "http" => "write `@http(GET, \"/path/{field}\")`",
        "xmlrpc" => "write `@xmlrpc(\"method.name\")`",
        "range" => "write `@range(min, max)`; use `..` for an open end: `@range(0, ..)`",
        "length" => "write `@length(min, max)`; use `..` for an open end: `@length(1, ..)`",
        "pattern" => "write `@pattern(\"^[a-z]+$\")`",
        "http_status" => "write `@http_status(409)`, a status from 400 to 599",
        "fault_code" => "write `@fault_code(4001)`",
        "deprecated" => "write `@deprecated` or `@deprecated(\"use X instead\")`",
        _ => "see the README's annotation table",
    }
}

/// Validates argument kinds and counts.
fn check_args(a: &Annotation) -> Result<(), (crate::source::Span, String)> {
    use AnnotationArg as A;
    let count = |n: usize| {
        if a.args.len() == n {
            Ok(())
        } else {
            Err((
                a.span,
                format!(
                    "expected {n} argument{}, found {}",
                    if n == 1 { "" } else { "s" },
                    a.args.len()
                ),
            ))
        }
    };
    let bound = |arg: &A, ints_only: bool| match arg {
        A::Int(i) if i.value.is_some() => {
            if ints_only && i.value.is_some_and(|v| v < 0) {
                Err((i.span, "must not be negative".to_string()))
            } else {
                Ok(())
            }
        }
        A::Float(..) if !ints_only => Ok(()),
        A::Open(_) => Ok(()),
        other => Err((other.span(), "expected a number or `..`".to_string())),
    };
    match a.name.name.as_str() {
        "http" => {
            count(2)?;
            match (&a.args[0], &a.args[1]) {
                (A::Word(_), A::Str(_)) => Ok(()),
                (A::Word(_), other) => Err((other.span(), "the path must be a string".into())),
                (other, _) => Err((
                    other.span(),
                    "the method must be a bare word like GET".into(),
                )),
            }
        }
        "pattern" => {
            count(1)?;
            match &a.args[0] {
                A::Str(s) if !s.value.is_empty() => Ok(()),
                other => Err((other.span(), "expected a non-empty string".into())),
            }
        }
        "xmlrpc" => {
            count(1)?;
            match &a.args[0] {
                // The XML-RPC specification: letters, digits, `_`, `.`, `:` and `/`.
                A::Str(s)
                    if !s.value.is_empty()
                        && s.value
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_.:/".contains(c)) =>
                {
                    Ok(())
                }
                other => Err((
                    other.span(),
                    "an XML-RPC method name uses letters, digits, `_`, `.`, `:` and `/`".into(),
                )),
            }
        }
        "range" | "length" => {
            count(2)?;
            let ints = a.name.name == "length";
            bound(&a.args[0], ints)?;
            bound(&a.args[1], ints)?;
            if matches!((&a.args[0], &a.args[1]), (A::Open(_), A::Open(_))) {
                return Err((
                    a.span,
                    "both ends are open: the constraint says nothing".into(),
                ));
            }
            Ok(())
        }
        "http_status" => {
            count(1)?;
            match &a.args[0] {
                A::Int(i) if i.value.is_some_and(|v| (400..=599).contains(&v)) => Ok(()),
                other => Err((
                    other.span(),
                    "expected an error status from 400 to 599".into(),
                )),
            }
        }
        "fault_code" => {
            count(1)?;
            match &a.args[0] {
                A::Int(i) if i.value.is_some_and(|v| (-32768..=-32000).contains(&v)) => Err((
                    i.span,
                    "-32768 to -32000 are XML-RPC's own protocol fault codes".into(),
                )),
                A::Int(i) if i.value.is_some_and(|v| i32::try_from(v).is_ok()) => Ok(()),
                other => Err((other.span(), "expected a 32-bit integer".into())),
            }
        }
        "deprecated" => match a.args.as_slice() {
            [] | [A::Str(_)] => Ok(()),
            [other, ..] => Err((other.span(), "expected nothing or one string".into())),
        },
        _ => Ok(()),
    }
}

/// E0115 / E0116 / E0128: a constraint fits its type, its regex compiles and its range is not empty.
pub(super) fn check_constraints(ctx: &Ctx, out: &mut Diagnostics) {
    let mut targets: Vec<(&ParsedFile, &TypeRef, &[Annotation])> = Vec::new();
    for (f, item) in ctx.items() {
        match &item.kind {
            ItemKind::Struct(s) | ItemKind::Union(s) => {
                targets.extend(s.fields().map(|x| (f, &x.ty, x.annotations.as_slice())))
            }
            ItemKind::Error(e) => {
                if let Some(b) = &e.body {
                    targets.extend(b.fields().map(|x| (f, &x.ty, x.annotations.as_slice())));
                }
            }
            ItemKind::Service(s) => {
                for rpc in &s.rpcs {
                    if let RpcInput::Params(ps) = &rpc.input {
                        targets.extend(ps.iter().map(|p| (f, &p.ty, p.annotations.as_slice())));
                    }
                }
            }
            _ => {}
        }
    }
    for (f, t, anns) in targets {
        let ty = ctx.ty(f.id, t);
        let base = ty.strip_optional();
        if *base == Ty::Error {
            continue;
        }
        for a in anns {
            let fits = match a.name.name.as_str() {
                "range" => matches!(base, Ty::Builtin("i32" | "i64" | "u32" | "u64" | "f64")),
                "length" => matches!(
                    base,
                    Ty::Builtin("string" | "bytes") | Ty::List(_) | Ty::Map(..)
                ),
                "pattern" => *base == Ty::Builtin("string"),
                _ => continue,
            };
            if !fits {
                let applies = match a.name.name.as_str() {
                    "range" => "numbers (`i32`, `i64`, `u32`, `u64`, `f64`)",
                    "length" => "`string`, `bytes`, `list` and `map`",
                    _ => "`string`",
                };
                emit(
                    out,
                    Diagnostic::error(
                        "E0115",
                        format!(
                            "`@{}` does not apply to `{}`",
                            a.name.name,
                            ctx.describe(&ty)
                        ),
                        a.span,
                    )
                    .with_label("wrong type for this constraint")
                    .with_secondary(t.span(), "the type")
                    .with_help(format!("`@{}` applies to {applies}", a.name.name)),
                );
                continue;
            }
            check_bounds(a, base, out);
            if a.name.name == "pattern"
                && let Some(AnnotationArg::Str(s)) = a.args.first()
                && let Err(e) = regex::Regex::new(&s.value)
            {
                let first_line = e.to_string();
                let last = first_line.lines().last().unwrap_or("invalid").trim();
                // regex's message ends with `error: <what>`; the diagnostic says "error" already.
                let last = last.strip_prefix("error:").unwrap_or(last).trim();
                emit(
                    out,
                    Diagnostic::error(
                        "E0116",
                        format!("invalid regular expression: {last}"),
                        s.span,
                    )
                    .with_label("does not compile")
                    .with_help("patterns use the syntax of Rust's `regex` crate"),
                );
            }
        }
    }
}

/// E0128 (empty ranges) and E0114 (a fractional bound on an integer type).
fn check_bounds(a: &Annotation, base: &Ty, out: &mut Diagnostics) {
    let num = |arg: &AnnotationArg| match arg {
        AnnotationArg::Int(i) => i.value.map(|v| v as f64),
        AnnotationArg::Float(f, _) => Some(*f),
        _ => None,
    };
    if a.name.name == "range" && !matches!(base, Ty::Builtin("f64")) {
        for arg in &a.args {
            if let AnnotationArg::Float(_, s) = arg {
                emit(
                    out,
                    Diagnostic::error("E0114", "an integer range needs integer bounds", *s)
                        .with_label("not an integer"),
                );
            }
        }
        if matches!(base, Ty::Builtin("u32" | "u64"))
            && let Some(i) = a.args.iter().find_map(|x| match x {
                AnnotationArg::Int(i) if i.value.is_some_and(|v| v < 0) => Some(i),
                _ => None,
            })
        {
            emit(
                out,
                Diagnostic::error("E0128", "an unsigned type cannot go below 0", i.span)
                    .with_label("negative bound")
                    .with_help("use `0` or `..`"),
            );
        }
    }
    if let (Some(lo), Some(hi)) = (a.args.first().and_then(num), a.args.get(1).and_then(num))
        && lo > hi
    {
        emit(
            out,
            Diagnostic::error(
                "E0128",
                format!("`@{}` is empty: {lo} > {hi}", a.name.name),
                a.span,
            )
            .with_label("no value satisfies this")
            .with_help("put the smaller bound first"),
        );
    }
}
