//! Number checks: field numbers (range, duplicates, reserved) and enum values.

use rustc_hash::FxHashMap as HashMap;

use super::{Ctx, emit};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::syntax::ast::{IntLit, ItemKind, Member, ReservedItem, StructDecl};

/// The largest protobuf field number.
pub(crate) const MAX_FIELD_NUMBER: i64 = 536_870_911;
/// Field numbers protobuf keeps for its implementation.
pub(crate) const PROTO_RESERVED: std::ops::RangeInclusive<i64> = 19_000..=19_999;

/// E0104: field numbers are 1 to 536,870,911, and not 19,000 to 19,999 (protobuf's own).
pub(super) fn check_field_number_range(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, _, body) in ctx.bodies() {
        for m in &body.members {
            match m {
                Member::Field(f) => check_number(&f.number, out),
                Member::Reserved(r) => {
                    for it in &r.items {
                        match it {
                            ReservedItem::Number(n) => check_number(n, out),
                            ReservedItem::Range(a, b) => {
                                check_number(a, out);
                                check_number(b, out);
                                if let (Some(x), Some(y)) = (a.value, b.value)
                                    && x > y
                                {
                                    emit(
                                        out,
                                        Diagnostic::error(
                                            "E0128",
                                            format!("reserved range {x} to {y} is empty"),
                                            a.span,
                                        )
                                        .with_label("start is after end")
                                        .with_help(format!("write `{y} to {x}`")),
                                    );
                                }
                            }
                            ReservedItem::Name(_) => {}
                        }
                    }
                }
            }
        }
    }
}

fn check_number(n: &IntLit, out: &mut Diagnostics) {
    let bad = match n.value {
        None => Some("does not fit in 64 bits".to_string()),
        Some(v) if !(1..=MAX_FIELD_NUMBER).contains(&v) => {
            Some(format!("{v} is outside 1 to {MAX_FIELD_NUMBER}"))
        }
        Some(v) if PROTO_RESERVED.contains(&v) => {
            Some(format!("{v} is in 19000 to 19999, kept by protobuf"))
        }
        _ => None,
    };
    if let Some(why) = bad {
        emit(
            out,
            Diagnostic::error("E0104", format!("field number out of range: {why}"), n.span)
                .with_label("invalid field number")
                .with_help("field numbers are 1 to 536870911, except 19000 to 19999"),
        );
    }
}

/// E0102: two fields of one struct, union or error share a number.
pub(super) fn check_duplicate_field_numbers(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, _, body) in ctx.bodies() {
        let mut seen: HashMap<i64, &IntLit> = HashMap::default();
        for f in body.fields() {
            let Some(v) = f.number.value else { continue };
            if let Some(first) = seen.get(&v) {
                emit(
                    out,
                    Diagnostic::error(
                        "E0102",
                        format!("field number {v} is used twice in `{}`", body.name.name),
                        f.number.span,
                    )
                    .with_label("used again here")
                    .with_secondary(first.span, "first used here")
                    .with_help(format!("the next free number is {}", next_free(body))),
                );
            } else {
                seen.insert(v, &f.number);
            }
        }
    }
}

/// The smallest number above every number the body uses or reserves.
fn next_free(body: &StructDecl) -> i64 {
    let mut max = 0;
    for m in &body.members {
        match m {
            Member::Field(f) => max = max.max(f.number.value.unwrap_or(0)),
            Member::Reserved(r) => {
                for it in &r.items {
                    match it {
                        ReservedItem::Number(n) => max = max.max(n.value.unwrap_or(0)),
                        ReservedItem::Range(_, b) => max = max.max(b.value.unwrap_or(0)),
                        ReservedItem::Name(_) => {}
                    }
                }
            }
        }
    }
    max.saturating_add(1)
}

/// E0103: a field uses a number its body reserved.
pub(super) fn check_reserved_field_numbers(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, _, body) in ctx.bodies() {
        let reserved: Vec<(i64, i64, crate::source::Span)> = body
            .members
            .iter()
            .filter_map(|m| match m {
                Member::Reserved(r) => Some(r),
                Member::Field(_) => None,
            })
            .flat_map(|r| r.items.iter())
            .filter_map(|it| match it {
                ReservedItem::Number(n) => n.value.map(|v| (v, v, n.span)),
                ReservedItem::Range(a, b) => match (a.value, b.value) {
                    (Some(x), Some(y)) => Some((x, y, a.span)),
                    _ => None,
                },
                ReservedItem::Name(_) => None,
            })
            .collect();
        for f in body.fields() {
            let Some(v) = f.number.value else { continue };
            if let Some((_, _, span)) = reserved.iter().find(|(lo, hi, _)| (*lo..=*hi).contains(&v))
            {
                emit(
                    out,
                    Diagnostic::error(
                        "E0103",
                        format!("field number {v} is reserved in `{}`", body.name.name),
                        f.number.span,
                    )
                    .with_label("reserved number")
                    .with_secondary(*span, "reserved here")
                    .with_help(format!(
                        "reserved numbers belonged to removed fields; use {}",
                        next_free(body)
                    )),
                );
            }
        }
    }
}

/// E0130: a field uses a name its body reserved.
pub(super) fn check_reserved_field_names(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, _, body) in ctx.bodies() {
        let names: Vec<_> = body
            .members
            .iter()
            .filter_map(|m| match m {
                Member::Reserved(r) => Some(r),
                Member::Field(_) => None,
            })
            .flat_map(|r| r.items.iter())
            .filter_map(|it| match it {
                ReservedItem::Name(s) => Some(s),
                _ => None,
            })
            .collect();
        for f in body.fields() {
            if let Some(s) = names.iter().find(|s| s.value == f.name.name) {
                emit(
                    out,
                    Diagnostic::error(
                        "E0130",
                        format!("field name `{}` is reserved", f.name.name),
                        f.name.span,
                    )
                    .with_label("reserved name")
                    .with_secondary(s.span, "reserved here")
                    .with_help("choose another name; old clients may still send the reserved one"),
                );
            }
        }
    }
}

/// E0105: an enum with no values, or a union with no variants, has no valid value at all.
pub(super) fn check_empty_enums(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, item) in ctx.items() {
        if let ItemKind::Union(u) = &item.kind
            && u.fields().next().is_none()
        {
            emit(
                out,
                Diagnostic::error(
                    "E0105",
                    format!("union `{}` has no variants", u.name.name),
                    u.name.span,
                )
                .with_label("empty union")
                .with_help("add at least one variant: `name: Type = 1;`"),
            );
        }
        if let ItemKind::Enum(e) = &item.kind
            && e.values.is_empty()
        {
            emit(
                out,
                Diagnostic::error(
                    "E0105",
                    format!("enum `{}` has no values", e.name.name),
                    e.name.span,
                )
                .with_label("empty enum")
                .with_help("add at least one value: `NAME = 1;`"),
            );
        }
    }
}

/// E0123 / E0104: enum numbers are unique and fit in an i32.
pub(super) fn check_enum_numbers(ctx: &Ctx, out: &mut Diagnostics) {
    for (_, item) in ctx.items() {
        let ItemKind::Enum(e) = &item.kind else {
            continue;
        };
        let mut seen: HashMap<i64, &IntLit> = HashMap::default();
        for v in &e.values {
            match v.number.value {
                Some(n) if i32::try_from(n).is_ok() => {
                    if let Some(first) = seen.get(&n) {
                        emit(
                            out,
                            Diagnostic::error(
                                "E0123",
                                format!("enum number {n} is used twice in `{}`", e.name.name),
                                v.number.span,
                            )
                            .with_label("used again here")
                            .with_secondary(first.span, "first used here"),
                        );
                    } else {
                        seen.insert(n, &v.number);
                    }
                }
                other => emit(
                    out,
                    Diagnostic::error(
                        "E0104",
                        match other {
                            Some(n) => {
                                format!("enum number out of range: {n} does not fit in 32 bits")
                            }
                            None => {
                                "enum number out of range: it does not fit in 64 bits".to_string()
                            }
                        },
                        v.number.span,
                    )
                    .with_label("not a 32-bit integer")
                    .with_help("enum numbers are -2147483648 to 2147483647"),
                ),
            }
        }
    }
}
