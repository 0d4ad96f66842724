//! Name checks: duplicates (also after case conversion), and names taken by built-in types.

use rustc_hash::FxHashMap as HashMap;

use super::{Ctx, emit};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::program::{BUILTINS, full_name};
use crate::syntax::ast::{Ident, ItemKind, RpcInput};

/// E0101: two types, or two services, with the same full name.
pub(super) fn check_duplicate_definitions(ctx: &Ctx, out: &mut Diagnostics) {
    for defs in ctx.program.duplicate_definitions() {
        let first = ctx.program.item(defs[0]).name();
        for d in &defs[1..] {
            let item = ctx.program.item(*d);
            emit(
                out,
                Diagnostic::error(
                    "E0101",
                    format!("the name `{}` is defined more than once", item.name().name),
                    item.name().span,
                )
                .with_label("redefined here")
                .with_secondary(first.span, "first defined here"),
            );
        }
    }
    let mut services: HashMap<String, &Ident> = HashMap::default();
    for (f, item) in ctx.items() {
        if let ItemKind::Service(s) = &item.kind {
            let full = full_name(f.package.as_deref(), &s.name.name);
            if let crate::program::Lookup::Def(d) = ctx.program.lookup(f.id, &full) {
                let ty = ctx.program.item(d);
                emit(
                    out,
                    Diagnostic::error(
                        "E0101",
                        format!("the service `{}` has the name of a {}", s.name.name, ty.keyword()),
                        s.name.span,
                    )
                    .with_label("service declared here")
                    .with_secondary(ty.name().span, "the type")
                    .with_help("generated code has a trait for the service and a type for the type; rename one"),
                );
            }
            if let Some(first) = services.get(&full) {
                emit(
                    out,
                    Diagnostic::error(
                        "E0101",
                        format!("the service `{}` is defined more than once", s.name.name),
                        s.name.span,
                    )
                    .with_label("redefined here")
                    .with_secondary(first.span, "first defined here"),
                );
            } else {
                services.insert(full, &s.name);
            }
        }
    }
}

/// E0131: a type named like a built-in (`string`) or a generic (`list`) could never be referred to.
pub(super) fn check_builtin_shadowing(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, item) in ctx.items() {
        if matches!(item.kind, ItemKind::Topic(_)) {
            continue;
        }
        let name = item.name();
        let generic = ["optional", "list", "map"].contains(&name.name.as_str());
        if BUILTINS.contains(&name.name.as_str()) || generic {
            emit(
                out,
                Diagnostic::error(
                    "E0131",
                    format!("`{}` is a built-in type name", name.name),
                    name.span,
                )
                .with_label("cannot be redefined")
                .with_help("choose another name"),
            );
        }
    }
}

/// E0101: duplicate fields, variants, enum values, rpcs or parameters — including names that
/// differ only in case style and would become the same identifier in generated code.
pub(super) fn check_duplicate_members(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, item) in ctx.items() {
        match &item.kind {
            ItemKind::Struct(s) | ItemKind::Union(s) => {
                unique(out, s.fields().map(|f| &f.name), "field", snake);
            }
            ItemKind::Error(e) => {
                if let Some(b) = &e.body {
                    unique(out, b.fields().map(|f| &f.name), "field", snake);
                }
            }
            ItemKind::Enum(e) => {
                unique(out, e.values.iter().map(|v| &v.name), "enum value", camel);
            }
            ItemKind::Service(s) => {
                unique(out, s.rpcs.iter().map(|r| &r.name), "rpc", snake);
                for rpc in &s.rpcs {
                    if let RpcInput::Params(ps) = &rpc.input {
                        unique(out, ps.iter().map(|p| &p.name), "parameter", snake);
                    }
                }
            }
            ItemKind::Topic(_) => {}
        }
    }
}

// Cached: the same few names come back in every struct (heck's conversion was most of this
// check's time on a 2,000-type API).
fn snake(s: &str) -> String {
    crate::emit::rust::ident::snake_case(s)
}

fn camel(s: &str) -> String {
    crate::emit::rust::ident::upper_camel(s)
}

/// Reports every name whose normalized form was already seen.
fn unique<'a>(
    out: &mut Diagnostics,
    names: impl Iterator<Item = &'a Ident>,
    what: &str,
    normalize: fn(&str) -> String,
) {
    let mut seen: HashMap<String, &Ident> = HashMap::default();
    for name in names {
        if name.name.is_empty() {
            continue;
        }
        let key = normalize(&name.name);
        match seen.get(&key) {
            Some(first) if first.name == name.name => emit(
                out,
                Diagnostic::error(
                    "E0101",
                    format!("duplicate {what} `{}`", name.name),
                    name.span,
                )
                .with_label("defined again here")
                .with_secondary(first.span, "first defined here"),
            ),
            Some(first) => emit(
                out,
                Diagnostic::error(
                    "E0101",
                    format!(
                        "{what}s `{}` and `{}` both become `{key}` in generated code",
                        first.name, name.name
                    ),
                    name.span,
                )
                .with_label("clashes after case conversion")
                .with_secondary(first.span, "with this one")
                .with_help("rename one of them"),
            ),
            None => {
                seen.insert(key, name);
            }
        }
    }
}
