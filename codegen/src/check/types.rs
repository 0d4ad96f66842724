//! Type checks: names resolve, generics are well-formed, and every target can express the type.

use super::{Ctx, Ty, emit};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::program::{DefId, Lookup, ParsedFile, unknown_type};
use crate::syntax::ast::{Annotation, AnnotationArg, ItemKind, RpcInput, TopicPropKind, TypeRef};

/// Every written type in the program with the file it is written in and what it is used for.
fn type_refs<'a>(ctx: &Ctx<'a>) -> Vec<(&'a ParsedFile, &'a TypeRef, Use)> {
    let mut v = Vec::new();
    for (f, item) in ctx.items() {
        match &item.kind {
            ItemKind::Struct(s) => v.extend(s.fields().map(|x| (f, &x.ty, Use::Field))),
            ItemKind::Union(s) => v.extend(s.fields().map(|x| (f, &x.ty, Use::Variant))),
            ItemKind::Error(e) => {
                if let Some(b) = &e.body {
                    v.extend(b.fields().map(|x| (f, &x.ty, Use::Field)));
                }
            }
            ItemKind::Enum(_) => {}
            ItemKind::Service(s) => {
                for rpc in &s.rpcs {
                    match &rpc.input {
                        RpcInput::None => {}
                        RpcInput::Message(t) => v.push((f, t, Use::Message)),
                        RpcInput::Params(ps) => v.extend(ps.iter().map(|p| (f, &p.ty, Use::Field))),
                    }
                    if let Some(o) = &rpc.output {
                        v.push((f, o, Use::Output));
                    }
                }
            }
            ItemKind::Topic(t) => {
                for p in &t.props {
                    match &p.kind {
                        TopicPropKind::KeyType(t) => v.push((f, t, Use::Topic)),
                        TopicPropKind::Value(t) => v.push((f, t, Use::Topic)),
                        _ => {}
                    }
                }
            }
        }
    }
    v
}

/// Where a type is used; the gRPC mapping differs for each.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Use {
    /// A struct or error field, or a parameter (a field of the synthesized request).
    Field,
    /// A union variant: a `oneof` member in proto.
    Variant,
    /// The one message an rpc takes.
    Message,
    /// An rpc's result: a message as is, anything else a field of the synthesized response.
    Output,
    /// A topic's key or value: encoded on its own.
    Topic,
}

/// Calls `f` on every named leaf of a written type.
fn for_each_named<'a>(
    t: &'a TypeRef,
    f: &mut impl FnMut(&'a crate::syntax::ast::Ident, crate::syntax::ast::NameSlot),
) {
    match t {
        TypeRef::Named(p, slot) => f(p, *slot),
        TypeRef::Generic { args, .. } => args.iter().for_each(|a| for_each_named(a, f)),
    }
}

/// E0100 / E0129 / E0134: every type name must resolve to exactly one type.
pub(super) fn check_unknown_types(ctx: &Ctx, out: &mut Diagnostics) {
    for (file, t, _) in type_refs(ctx) {
        for_each_named(t, &mut |name, slot| {
            if name.name.is_empty() {
                return;
            }
            match ctx.program.resolve(file.id, name, slot) {
                Lookup::Builtin(_) | Lookup::Def(_) => {}
                Lookup::Ambiguous(defs) => {
                    let mut d = Diagnostic::error(
                        "E0129",
                        format!("`{}` is ambiguous", name.name),
                        name.span,
                    )
                    .with_label("defined by more than one import")
                    .with_help(format!(
                        "qualify it: {}",
                        defs.iter()
                            .map(|d| format!("`{}`", ctx.program.full_name(*d)))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ));
                    for def in defs {
                        d = d.with_secondary(ctx.program.item(def).name().span, "defined here");
                    }
                    emit(out, d);
                }
                Lookup::NotFound => {
                    if ["optional", "list", "map"].contains(&name.name.as_str()) {
                        emit(
                            out,
                            Diagnostic::error(
                                "E0126",
                                format!("`{}` needs type arguments", name.name),
                                name.span,
                            )
                            .with_label("missing `<...>`")
                            .with_help(if name.name == "map" {
                                "write `map<string, T>`".to_string()
                            } else {
                                format!("write `{}<T>`", name.name)
                            }),
                        );
                    } else if let Some(kind) = service_or_topic(ctx, file, &name.name) {
                        emit(
                            out,
                            Diagnostic::error(
                                "E0134",
                                format!("`{}` is a {kind}, not a type", name.name),
                                name.span,
                            )
                            .with_label("used as a type here"),
                        );
                    } else {
                        emit(out, unknown_type(ctx.program, file.id, name));
                    }
                }
            }
        });
    }
}

/// The kind of a non-type item visible from `file` under this name, if any.
fn service_or_topic(ctx: &Ctx, file: &ParsedFile, name: &str) -> Option<&'static str> {
    let mut visible = vec![file.id];
    visible.extend(file.imports.iter().map(|(id, _)| *id));
    visible
        .into_iter()
        .filter_map(|id| ctx.program.files.get(id).and_then(Option::as_ref))
        .flat_map(|f| f.ast.items.iter())
        .find_map(|it| match &it.kind {
            ItemKind::Service(s) if s.name.name == name => Some("service"),
            _ => None,
        })
}

/// E0126: `optional` and `list` take one type argument, `map` two.
pub(super) fn check_generic_arity(ctx: &Ctx, out: &mut Diagnostics) {
    fn walk(t: &TypeRef, out: &mut Diagnostics) {
        if let TypeRef::Generic { name, args, span } = t {
            let want = if name.name == "map" { 2 } else { 1 };
            if args.len() != want {
                emit(
                    out,
                    Diagnostic::error(
                        "E0126",
                        format!(
                            "`{}` takes {want} type argument{}, found {}",
                            name.name,
                            if want == 1 { "" } else { "s" },
                            args.len()
                        ),
                        *span,
                    )
                    .with_label("wrong number of type arguments"),
                );
            }
            args.iter().for_each(|a| walk(a, out));
        }
    }
    for (_, t, _) in type_refs(ctx) {
        walk(t, out);
    }
}

/// E0127: map keys are strings on every protocol (JSON object keys, XML-RPC member names).
pub(super) fn check_map_keys(ctx: &Ctx, out: &mut Diagnostics) {
    fn walk(ctx: &Ctx, file: &ParsedFile, t: &TypeRef, out: &mut Diagnostics) {
        if let TypeRef::Generic { name, args, .. } = t {
            if name.name == "map"
                && let Some(key) = args.first()
            {
                let kt = ctx.ty(file.id, key);
                if kt != Ty::Builtin("string") && kt != Ty::Error {
                    emit(
                        out,
                        Diagnostic::error(
                            "E0127",
                            format!("map keys must be `string`, found `{}`", ctx.describe(&kt)),
                            key.span(),
                        )
                        .with_label("not a string")
                        .with_help(
                            "JSON object keys and XML-RPC struct members are strings; use \
                             `map<string, T>` and format the key, or a `list` of key/value structs",
                        ),
                    );
                }
            }
            args.iter().for_each(|a| walk(ctx, file, a, out));
        }
    }
    for (f, t, _) in type_refs(ctx) {
        walk(ctx, f, t, out);
    }
}

/// E0112: shapes no target can express. `optional<optional<T>>` and `optional<any>` cannot tell
/// `none` from `some(none)` (or from `some(nil)`) on any wire format. Every other nesting of
/// containers is expressible: where .proto has no direct form (a repeated field of lists, a map of
/// maps, an optional list, a list or map as a `oneof` member) the lowering synthesizes wrapper
/// messages (`conventions::proto_wrapper`), so nothing is refused for gRPC's sake.
pub(super) fn check_proto_expressible(ctx: &Ctx, out: &mut Diagnostics) {
    for (f, t, _) in type_refs(ctx) {
        let ty = ctx.ty(f.id, t);
        if let Some((why, help)) = unexpressible(&ty) {
            emit(
                out,
                Diagnostic::error(
                    "E0112",
                    format!("`{}` cannot be expressed {why}", ctx.describe(&ty)),
                    t.span(),
                )
                .with_label("not expressible")
                .with_help(help),
            );
        }
    }
}

/// Why a type cannot be expressed, and what to write instead.
fn unexpressible(ty: &Ty) -> Option<(&'static str, &'static str)> {
    match ty {
        Ty::Optional(inner) if matches!(**inner, Ty::Optional(_)) => Some((
            "by any target (JSON, XML-RPC and protobuf cannot tell `none` from `some(none)`)",
            "use a single `optional<T>`, or a union to tell the cases apart",
        )),
        Ty::Optional(inner) if **inner == Ty::Builtin("any") => Some((
            "by any target (JSON, XML-RPC and protobuf cannot tell `none` from a nil `any`)",
            "use `any` itself: it already holds nil, and an absent `any` is nil",
        )),
        Ty::Optional(inner) | Ty::List(inner) | Ty::Map(_, inner) => unexpressible(inner),
        _ => None,
    }
}

/// W0001: XML-RPC's widest integer is `<i8>` (i64); a `u64` above `i64::MAX` cannot be sent.
pub(super) fn check_xmlrpc_u64(ctx: &Ctx, out: &mut Diagnostics) {
    let mut check = |f: &ParsedFile, t: &TypeRef, annotations: &[Annotation]| {
        if !mentions_u64(&ctx.ty(f.id, t)) || range_fits_i64(annotations) {
            return;
        }
        emit(
            out,
            Diagnostic::warning(
                "W0001",
                "`u64` values above 9223372036854775807 cannot be sent over XML-RPC",
                t.span(),
            )
            .with_label("XML-RPC integers stop at i64 (`<i8>`)")
            .with_help("use `i64`, or bound it with `@range(.., 9223372036854775807)`"),
        );
    };
    for (f, item) in ctx.items() {
        match &item.kind {
            ItemKind::Struct(s) | ItemKind::Union(s) => {
                s.fields().for_each(|x| check(f, &x.ty, &x.annotations))
            }
            ItemKind::Error(e) => {
                if let Some(b) = &e.body {
                    b.fields().for_each(|x| check(f, &x.ty, &x.annotations));
                }
            }
            ItemKind::Service(s) => {
                for rpc in &s.rpcs {
                    if let RpcInput::Params(ps) = &rpc.input {
                        ps.iter().for_each(|p| check(f, &p.ty, &p.annotations));
                    }
                    if let Some(o) = &rpc.output {
                        check(f, o, &[]);
                    }
                }
            }
            _ => {}
        }
    }
}

fn mentions_u64(t: &Ty) -> bool {
    match t {
        Ty::Builtin(b) => *b == "u64",
        Ty::Optional(i) | Ty::List(i) | Ty::Map(_, i) => mentions_u64(i),
        _ => false,
    }
}

/// True when a `@range` caps the value at or below `i64::MAX`.
fn range_fits_i64(annotations: &[Annotation]) -> bool {
    annotations
        .iter()
        .filter(|a| a.name.name == "range")
        .any(|a| matches!(a.args.get(1), Some(AnnotationArg::Int(i)) if i.value.is_some()))
}

/// E0132: a type no finite value can have — a struct that requires itself (directly or through
/// other required fields), or a union whose every variant does. An `optional`, `list` or `map` on
/// the way ends the recursion. Found as a least fixpoint ("buildable" spreads from the types that
/// need nothing), with a worklist so long chains stay linear.
pub(super) fn check_infinite_types(ctx: &Ctx, out: &mut Diagnostics) {
    #[derive(Clone, Copy, PartialEq)]
    enum Shape {
        Struct,
        Union,
    }
    let mut nodes: Vec<(DefId, &ParsedFile, Shape)> = Vec::new();
    for f in ctx.files() {
        for (i, it) in f.ast.items.iter().enumerate() {
            let shape = match it.kind {
                ItemKind::Struct(_) | ItemKind::Error(_) => Shape::Struct,
                ItemKind::Union(_) => Shape::Union,
                _ => continue,
            };
            nodes.push((
                DefId {
                    file: f.id,
                    item: i,
                },
                f,
                shape,
            ));
        }
    }
    // A node's number by `Program::item_index` (a dense table: it is read once per field).
    let mut index: Vec<Option<usize>> = vec![None; ctx.program.item_count()];
    for (i, (d, _, _)) in nodes.iter().enumerate() {
        index[ctx.program.item_index(*d)] = Some(i);
    }
    // For each node: the nodes it needs (a required field's type, or a variant's type).
    let mut needs: Vec<Vec<(usize, &crate::syntax::ast::Field)>> = vec![Vec::new(); nodes.len()];
    let mut buildable = vec![false; nodes.len()];
    let mut waiting = vec![0usize; nodes.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut queue = Vec::new();
    for (n, (def, f, shape)) in nodes.iter().enumerate() {
        let Some(body) = ctx.body(*def) else { continue };
        let mut free_variant = false;
        for field in body.fields() {
            let node = match ctx.ty(f.id, &field.ty) {
                Ty::Def(target) => index[ctx.program.item_index(target)],
                _ => None,
            };
            match node {
                Some(m) => {
                    needs[n].push((m, field));
                    dependents[m].push(n);
                }
                None => free_variant = true,
            }
        }
        let ready = match shape {
            Shape::Struct => needs[n].is_empty(),
            // An empty union is E0105's to report; treat it as buildable to avoid a cascade.
            Shape::Union => free_variant || body.fields().next().is_none(),
        };
        waiting[n] = needs[n].len();
        if ready {
            buildable[n] = true;
            queue.push(n);
        }
    }
    while let Some(m) = queue.pop() {
        for &d in &dependents[m] {
            if buildable[d] {
                continue;
            }
            let done = match nodes[d].2 {
                Shape::Struct => {
                    waiting[d] -= 1;
                    waiting[d] == 0
                }
                Shape::Union => true,
            };
            if done {
                buildable[d] = true;
                queue.push(d);
            }
        }
    }
    for (n, (def, f, shape)) in nodes.iter().enumerate() {
        if buildable[n] {
            continue;
        }
        let name = &ctx.program.item(*def).name().name;
        let Some((_, field)) = needs[n].iter().find(|(m, _)| !buildable[*m]) else {
            continue;
        };
        let (message, help) = match shape {
            Shape::Struct => (
                format!("`{name}` contains itself through required fields"),
                format!(
                    "make the field `optional<{}>`, or a `list`",
                    ctx.describe(&ctx.ty(f.id, &field.ty))
                ),
            ),
            Shape::Union => (
                format!("no variant of `{name}` can ever be built: each contains `{name}` again"),
                "add a variant that does not lead back to the union, or make a field on the way \
                 `optional`"
                    .to_string(),
            ),
        };
        emit(
            out,
            Diagnostic::error("E0132", message, field.ty.span())
                .with_label("a value of this type can never be complete")
                .with_help(help),
        );
    }
}
