//! The one IDL → JSON Schema mapping: what Rosetta's JSON (REST bodies and Kafka `json` values,
//! both through `rosetta_runtime::json` and the serde attributes the Rust target generates)
//! accepts, as JSON Schema. The OpenAPI and AsyncAPI targets both call it, so a type has one
//! schema in both documents (`codegen/tests/json_schema.rs` holds them to it).
//!
//! The answers, and why:
//! - a struct is an object whose `required` lists what [`is_required`] says (the absent-member
//!   rule, [`Type::may_be_absent`], plus lists and maps whose `@length` minimum is one or more:
//!   empty is a violation); `additionalProperties` stays open (unknown members are ignored, so a
//!   newer client can talk to an older server);
//! - `optional<T>` is `anyOf: [T, null]`: an absent optional is omitted on output
//!   (`skip_serializing_if`) and `null` is read as none on input;
//! - enums are string enums of their IDL names; unions a `oneOf` of single-member objects that
//!   forbid other members (serde's external tagging refuses them too);
//! - integers carry their type's bounds intersected with `@range`, so a schema-valid number is
//!   never refused for overflow, and the OpenAPI format registry's name of their width
//!   (`int32`, `int64`, `uint32`, `uint64`);
//! - `bytes` are base64 strings (padded or not, as `json::bytes` reads them) whose length
//!   keywords bound the text so every accepted value fits, the byte limit in the description;
//! - `@pattern` is translated to ECMA-262 ([`ecma_pattern`]), the dialect JSON Schema's
//!   `pattern` means, so every validator agrees with the server's Rust `regex`;
//! - annotations on a `$ref` (docs, deprecation) wrap it in `allOf`: AsyncAPI's draft-07 dialect
//!   ignores the siblings of a `$ref`, and OpenAPI 3.1 reads the `allOf` the same.
//!
//! Component schemas live under `#/components/schemas/<full name>` in both documents.

use std::collections::BTreeSet;

use super::json::J;
use crate::ir::{Constraints, ErrorType, Field, Ir, Number, Type, TypeKind};

/// Where both documents keep component schemas.
pub const COMPONENTS: &str = "#/components/schemas/";

/// How a dynamic `any` value looks in JSON, for the schema's description.
pub const ANY_DESCRIPTION: &str = "Any JSON value. Bytes are {\"$base64\": \"<standard \
     base64>\"} and date-times {\"$datetime\": \"<RFC 3339>\"}; integers that fit 32 bits are \
     XML-RPC <int>, wider ones <i8>, numbers with a fraction or exponent <double>.";

/// A `$ref` to the component schema `name`.
pub fn reference(name: &str) -> J {
    // `~` and `/` are the only characters a JSON pointer segment escapes.
    let mut pointer = String::with_capacity(COMPONENTS.len() + name.len());
    pointer.push_str(COMPONENTS);
    if name.contains(['~', '/']) {
        pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
    } else {
        pointer.push_str(name);
    }
    J::obj().with("$ref", J::s(pointer))
}

/// Doc lines as one description (lines kept: Markdown reads a single newline as a space), or
/// `None` when there are none.
pub fn docs_text(lines: &[String]) -> Option<String> {
    let text = lines.join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// A range bound as a JSON number.
fn num(n: Number) -> J {
    match n {
        Number::Int(i) => J::int(i128::from(i)),
        Number::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Num),
    }
}

/// Declared types reached while building schemas, in discovery order: the components a schema
/// refers to.
#[derive(Debug, Default)]
pub struct Reach {
    /// Indexes into [`Ir::types`], first reference first.
    pub order: Vec<usize>,
    seen: BTreeSet<usize>,
}

impl Reach {
    /// Records a reference to declared type `id`.
    pub fn add(&mut self, id: usize) {
        if self.seen.insert(id) {
            self.order.push(id);
        }
    }
}

/// True when a valid value must carry the member: the absent-member rule
/// ([`Type::may_be_absent`]: an absent optional is none, list or map empty, `any` nil) leaves
/// every other member required, and a list or map whose `@length` has a minimum of one or more
/// cannot be left out either (empty is a violation).
pub fn is_required(ty: &Type, c: &Constraints) -> bool {
    match ty {
        Type::List(_) | Type::Map(_) => c.length.as_ref().and_then(|l| l.min).unwrap_or(0) > 0,
        t => !t.may_be_absent(),
    }
}

/// True for `{"$ref": ...}` alone.
fn is_bare_ref(schema: &J) -> bool {
    matches!(schema, J::Obj(m) if m.len() == 1 && m[0].0 == "$ref")
}

/// Sets an annotation on a schema, wrapping a bare `$ref` in `allOf` first (draft-07 ignores the
/// siblings of a `$ref`).
pub fn annotate(schema: J, key: &str, value: J) -> J {
    let schema = if is_bare_ref(&schema) {
        J::obj().with("allOf", J::Arr(vec![schema]))
    } else {
        schema
    };
    schema.with(key, value)
}

/// Adds a description, first among the members (readers see it first); appended to one already
/// there (a `bytes` limit, say).
pub fn describe(schema: J, text: &str) -> J {
    let mut schema = if is_bare_ref(&schema) {
        J::obj().with("allOf", J::Arr(vec![schema]))
    } else {
        schema
    };
    match schema.get("description") {
        Some(J::Str(old)) => {
            let d = format!("{text}\n\n{old}");
            schema.set("description", J::s(d));
        }
        _ => {
            if let J::Obj(members) = &mut schema {
                members.insert(0, ("description".to_string(), J::s(text)));
            }
        }
    }
    schema
}

/// A struct member, union variant or parameter: its schema (nullable when optional), docs and
/// deprecation.
pub fn member_schema(
    ir: &Ir,
    ty: &Type,
    c: &Constraints,
    docs: &[String],
    deprecated: bool,
    reach: &mut Reach,
) -> J {
    let mut schema = type_schema(ir, ty, c, reach);
    if let Some(d) = docs_text(docs) {
        schema = describe(schema, &d);
    }
    if deprecated {
        schema = annotate(schema, "deprecated", J::Bool(true));
    }
    schema
}

/// The schema of a type as used somewhere, with the constraints written on that use. Declared
/// types are `$ref`s, recorded in `reach`.
pub fn type_schema(ir: &Ir, ty: &Type, c: &Constraints, reach: &mut Reach) -> J {
    match ty {
        Type::Bool => J::obj().with("type", J::s("boolean")),
        Type::I32 => integer("int32", i32::MIN.into(), i32::MAX.into(), c),
        Type::I64 => integer("int64", i64::MIN.into(), i64::MAX.into(), c),
        Type::U32 => integer("uint32", 0, u32::MAX.into(), c),
        Type::U64 => integer("uint64", 0, u64::MAX.into(), c),
        Type::F64 => {
            let mut s = J::obj()
                .with("type", J::s("number"))
                .with("format", J::s("double"));
            if let Some(r) = &c.range {
                if let Some(m) = r.min {
                    s.set("minimum", num(m));
                }
                if let Some(m) = r.max {
                    s.set("maximum", num(m));
                }
            }
            s
        }
        Type::String => {
            let mut s = J::obj().with("type", J::s("string"));
            if let Some(l) = &c.length {
                if let Some(m) = l.min {
                    s.set("minLength", J::int(m.into()));
                }
                if let Some(m) = l.max {
                    s.set("maxLength", J::int(m.into()));
                }
            }
            if let Some(p) = &c.pattern {
                s.set("pattern", J::s(ecma_pattern(p)));
            }
            s
        }
        Type::Bytes => {
            let mut s = J::obj()
                .with("type", J::s("string"))
                .with("format", J::s("byte"))
                .with("contentEncoding", J::s("base64"));
            if let Some(l) = &c.length {
                // Bound the base64 text so every accepted value fits: `m` bytes take at least
                // ceil(4m/3) characters (unpadded), `n` bytes at most 4*ceil(n/3) (padded).
                if let Some(m) = l.min {
                    s.set("minLength", J::int((4 * i128::from(m) + 2) / 3));
                }
                if let Some(n) = l.max {
                    s.set("maxLength", J::int(4 * ((i128::from(n) + 2) / 3)));
                }
                let limit = match (l.min, l.max) {
                    (Some(a), Some(b)) => format!("{a} to {b} bytes"),
                    (Some(a), None) => format!("at least {a} bytes"),
                    (None, Some(b)) => format!("at most {b} bytes"),
                    (None, None) => "any length".to_string(),
                };
                s.set("description", J::s(format!("Base64 of {limit}.")));
            }
            s
        }
        Type::Timestamp => J::obj()
            .with("type", J::s("string"))
            .with("format", J::s("date-time")),
        // `any`: every JSON value (the empty schema), with the mapping of the two XML-RPC types
        // JSON lacks (`rosetta::value`'s module docs).
        Type::Any => J::obj().with("description", J::s(ANY_DESCRIPTION)),
        Type::Optional(inner) => nullable(type_schema(ir, inner, c, reach)),
        Type::List(inner) => {
            let mut s = J::obj().with("type", J::s("array")).with(
                "items",
                type_schema(ir, inner, &Constraints::default(), reach),
            );
            if let Some(l) = &c.length {
                if let Some(m) = l.min {
                    s.set("minItems", J::int(m.into()));
                }
                if let Some(m) = l.max {
                    s.set("maxItems", J::int(m.into()));
                }
            }
            s
        }
        Type::Map(inner) => {
            let mut s = J::obj().with("type", J::s("object")).with(
                "additionalProperties",
                type_schema(ir, inner, &Constraints::default(), reach),
            );
            if let Some(l) = &c.length {
                if let Some(m) = l.min {
                    s.set("minProperties", J::int(m.into()));
                }
                if let Some(m) = l.max {
                    s.set("maxProperties", J::int(m.into()));
                }
            }
            s
        }
        Type::Named { id, .. } => {
            reach.add(*id);
            reference(&ir.types[*id].full_name())
        }
    }
}

/// Unicode `White_Space`, which Rust's `\s` matches, spelled out: ECMA-262's `\s` (what JSON
/// Schema's `pattern` means) leaves out U+0085, and Python's `re` adds U+001C..U+001F.
const WHITE_SPACE: &str = r"\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// A `@pattern` (Rust `regex` syntax) as a JSON Schema pattern that matches the same strings:
/// `\s` and `\S` become explicit classes, so every engine agrees with the server's. The other
/// escapes are the same in both dialects for ASCII (`\d` and `\w` are Unicode-aware in Rust:
/// write `[0-9]` and `[A-Za-z0-9_]` in an IDL whose clients check patterns themselves).
pub fn ecma_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('s') if in_class => out.push_str(WHITE_SPACE),
                Some('s') => {
                    out.push('[');
                    out.push_str(WHITE_SPACE);
                    out.push(']');
                }
                Some('S') if !in_class => {
                    out.push_str("[^");
                    out.push_str(WHITE_SPACE);
                    out.push(']');
                }
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` right after `[` or `[^` is a member, not the end.
                let rest = chars.as_str();
                let skip = if rest.starts_with("^]") {
                    2
                } else if rest.starts_with(']') {
                    1
                } else {
                    0
                };
                for _ in 0..skip {
                    if let Some(x) = chars.next() {
                        out.push(x);
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// An integer with its type's bounds intersected with `@range`.
fn integer(format: &str, lo: i128, hi: i128, c: &Constraints) -> J {
    let bound = |n: Option<Number>, default: i128, pick: fn(i128, i128) -> i128| match n {
        Some(Number::Int(i)) => J::int(pick(i128::from(i), default)),
        Some(Number::Float(f)) => num(Number::Float(f)),
        None => J::int(default),
    };
    let (min, max) = match &c.range {
        Some(r) => (bound(r.min, lo, i128::max), bound(r.max, hi, i128::min)),
        None => (J::int(lo), J::int(hi)),
    };
    J::obj()
        .with("type", J::s("integer"))
        .with("format", J::s(format))
        .with("minimum", min)
        .with("maximum", max)
}

/// Accepts `null` too: serde reads it as an absent optional. An `anyOf` rather than a type list,
/// so the value's own keywords (`format`, bounds) stay with its branch.
fn nullable(schema: J) -> J {
    J::obj().with(
        "anyOf",
        J::Arr(vec![schema, J::obj().with("type", J::s("null"))]),
    )
}

/// The component schema of declared type `id`; the declared types it refers to go to `reach`.
pub fn declared_schema(ir: &Ir, id: usize, reach: &mut Reach) -> J {
    let t = &ir.types[id];
    let mut s = match &t.kind {
        TypeKind::Struct(st) => struct_schema(ir, &st.fields, reach),
        TypeKind::Error(ErrorType { body, .. }) => struct_schema(ir, &body.fields, reach),
        TypeKind::Enum(e) => {
            let mut s = J::obj()
                .with("type", J::s("string"))
                .with("enum", J::strs(e.values.iter().map(|v| v.name.as_str())));
            let lines: Vec<String> = e
                .values
                .iter()
                .filter_map(|v| docs_text(&v.docs).map(|d| format!("- `{}`: {d}", v.name)))
                .collect();
            if !lines.is_empty() {
                s.set("description", J::s(lines.join("\n")));
            }
            s
        }
        TypeKind::Union(u) => {
            let branches = u
                .variants
                .iter()
                .map(|v| {
                    let member =
                        member_schema(ir, &v.ty, &v.constraints, &v.docs, v.deprecated, reach);
                    J::obj()
                        .with("type", J::s("object"))
                        .with("title", J::s(v.name.clone()))
                        .with("properties", J::obj().with(&v.name, member))
                        .with("required", J::strs([v.name.as_str()]))
                        .with("additionalProperties", J::Bool(false))
                })
                .collect();
            J::obj().with("oneOf", J::Arr(branches))
        }
    };
    if let Some(d) = docs_text(&t.docs) {
        s = describe(s, &d);
    }
    if t.deprecated {
        s.set("deprecated", J::Bool(true));
    }
    s
}

fn struct_schema(ir: &Ir, fields: &[Field], reach: &mut Reach) -> J {
    let mut props = J::obj();
    let mut required = Vec::new();
    for f in fields {
        props.set(
            &f.name,
            member_schema(ir, &f.ty, &f.constraints, &f.docs, f.deprecated, reach),
        );
        if is_required(&f.ty, &f.constraints) {
            required.push(f.name.as_str());
        }
    }
    let mut s = J::obj()
        .with("type", J::s("object"))
        .with("properties", props);
    if !required.is_empty() {
        s.set("required", J::strs(required));
    }
    s
}

/// Every declared type reachable from `roots` (the roots included), each once, in discovery
/// order (breadth first, so a long chain of references cannot overflow the stack).
pub fn reachable_types(ir: &Ir, roots: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut reach = Reach::default();
    for r in roots {
        reach.add(r);
    }
    let mut i = 0;
    while i < reach.order.len() {
        let id = reach.order[i];
        declared_schema(ir, id, &mut reach);
        i += 1;
    }
    reach.order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ir(src: &str) -> Ir {
        let c = crate::compile_str("t.idl", src);
        let rendered = c.render_diagnostics();
        c.ir.unwrap_or_else(|| panic!("{rendered}"))
    }

    #[test]
    fn integers_carry_their_bounds_ranges_and_registry_formats() {
        let ir = ir(
            "struct A { a: i32 = 1 @range(0, ..); b: u64 = 2; c: optional<i64> = 3; \
                     d: u32 = 4; }",
        );
        let a = declared_schema(&ir, 0, &mut Reach::default()).to_compact();
        let a: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert_eq!(a["properties"]["a"]["minimum"], 0);
        assert_eq!(a["properties"]["a"]["maximum"], 2147483647);
        assert_eq!(a["properties"]["b"]["maximum"], u64::MAX);
        assert_eq!(a["properties"]["b"]["format"], "uint64");
        assert_eq!(a["properties"]["d"]["format"], "uint32");
        assert_eq!(a["properties"]["d"]["maximum"], u32::MAX);
        assert_eq!(a["properties"]["c"]["anyOf"][1]["type"], "null");
        assert_eq!(a["required"], serde_json::json!(["a", "b", "d"]));
    }

    #[test]
    fn lists_with_a_minimum_length_are_required_and_bytes_bound_their_text() {
        let ir = ir(
            "struct A { l: list<i32> = 1 @length(1, ..); m: list<i32> = 2; \
                     b: bytes = 3 @length(2, 4); }",
        );
        let a = declared_schema(&ir, 0, &mut Reach::default()).to_compact();
        let a: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert_eq!(a["required"], serde_json::json!(["l", "b"]));
        // 2 bytes are 3 unpadded characters; 4 bytes are 8 padded ones.
        assert_eq!(a["properties"]["b"]["minLength"], 3);
        assert_eq!(a["properties"]["b"]["maxLength"], 8);
    }

    #[test]
    fn documented_references_wrap_the_ref_in_all_of() {
        let ir = ir("struct A { /// The b.\n b: B = 1; }\nstruct B { x: i32 = 1; }");
        let mut reach = Reach::default();
        let a = declared_schema(&ir, 0, &mut reach);
        assert_eq!(
            a.get("properties").and_then(|p| p.get("b")).unwrap(),
            &J::obj()
                .with("description", J::s("The b."))
                .with("allOf", J::Arr(vec![reference("B")]))
        );
        assert_eq!(reach.order, [1]);
        assert_eq!(reachable_types(&ir, [0]), [0, 1]);
    }

    #[test]
    fn patterns_spell_out_white_space() {
        assert_eq!(ecma_pattern("^[A-Z]{3}$"), "^[A-Z]{3}$");
        let email = ecma_pattern(r"^[^@\s]+@\S+$");
        assert_eq!(email, format!(r"^[^@{WHITE_SPACE}]+@[^{WHITE_SPACE}]+$"));
        assert_eq!(ecma_pattern(r"a\sb\.c"), format!(r"a[{WHITE_SPACE}]b\.c"));
        assert_eq!(ecma_pattern(r"[]\s]"), format!("[]{WHITE_SPACE}]"));
    }
}
