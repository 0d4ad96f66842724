//! The `openapi` target: the OpenAPI 3.1 document of every REST route, and the per-service
//! fragments the generated Rust embeds so a server serves the document of what it mounts.
//!
//! The document describes exactly what the generated server accepts and returns:
//! - structs are objects whose `required` lists every field that is not `optional`, `list` or
//!   `map` (serde's rule), with `additionalProperties` left open because unknown members are
//!   ignored (a newer client can talk to an older server); absent optionals are omitted on
//!   output and `null` is accepted on input, so optional fields are nullable;
//! - enums are string enums of their IDL names; unions are a `oneOf` of single-member objects
//!   (serde's external tagging) that forbid other members, which serde refuses too;
//! - integers carry their type's bounds intersected with `@range`, so a schema-valid number is
//!   never refused for overflow; `bytes` are base64 strings whose length keywords bound the text
//!   (the exact byte limit is in the description); timestamps are `date-time` strings;
//! - errors are RFC 9457 problems (`rosetta.Problem`); a declared error adds its fields and a
//!   `type` of `urn:rosetta:error:<full name>`.
//!
//! JSON is built as an ordered tree ([`J`]) so keys come out in IDL order without depending on
//! serde_json's `preserve_order` feature. MUST be deterministic.

use std::collections::{BTreeMap, BTreeSet};

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::OutputFile;
use crate::ir::{
    Constraints, ErrorType, Field, Input, Ir, Number, Output, Param, Rpc, Service, Type, TypeKind,
};

/// The problem schema every error response uses.
const PROBLEM: &str = "rosetta.Problem";
/// One constraint violation inside a validation problem.
const VIOLATION: &str = "rosetta.Violation";
/// Members a problem defines itself (mirrors `rosetta_runtime::rest::RESERVED_MEMBERS`).
const RESERVED_MEMBERS: &[&str] = &[
    "type",
    "title",
    "status",
    "detail",
    "instance",
    "kind",
    "violations",
];
/// The prefix of a declared error's problem type (mirrors the runtime's).
const DECLARED_TYPE_PREFIX: &str = "urn:rosetta:error:";

/// A JSON value whose objects keep their insertion order.
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn obj() -> J {
        J::Obj(Vec::new())
    }

    fn s(v: impl Into<String>) -> J {
        J::Str(v.into())
    }

    /// Appends a member (objects only).
    fn with(mut self, key: &str, value: J) -> J {
        self.set(key, value);
        self
    }

    /// Sets a member, replacing an existing one in place.
    fn set(&mut self, key: &str, value: J) {
        if let J::Obj(members) = self {
            match members.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => members.push((key.to_string(), value)),
            }
        }
    }

    fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Compact JSON text.
    pub fn to_compact(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Indented JSON text.
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl Serialize for J {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            J::Null => s.serialize_unit(),
            J::Bool(b) => s.serialize_bool(*b),
            J::Num(n) => n.serialize(s),
            J::Str(v) => s.serialize_str(v),
            J::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            J::Obj(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

fn int(v: i128) -> J {
    if v >= 0 {
        J::Num(serde_json::Number::from(
            u64::try_from(v).unwrap_or(u64::MAX),
        ))
    } else {
        J::Num(serde_json::Number::from(
            i64::try_from(v).unwrap_or(i64::MIN),
        ))
    }
}

fn num(n: Number) -> J {
    match n {
        Number::Int(i) => int(i128::from(i)),
        Number::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Num),
    }
}

fn strs<'a>(items: impl IntoIterator<Item = &'a str>) -> J {
    J::Arr(items.into_iter().map(J::s).collect())
}

fn reference(name: &str) -> J {
    J::obj().with("$ref", J::s(format!("#/components/schemas/{name}")))
}

fn docs_text(lines: &[String]) -> Option<String> {
    let text = lines.join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// A component schema of the document: the two problem schemas every error response uses, or
/// a declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    /// `rosetta.Problem`.
    Problem,
    /// `rosetta.Violation`.
    Violation,
    /// The declared type with this index in `Ir::types`.
    Type(usize),
}

impl Component {
    /// The name under `#/components/schemas/`.
    pub fn name(self, ir: &Ir) -> String {
        match self {
            Component::Problem => PROBLEM.to_string(),
            Component::Violation => VIOLATION.to_string(),
            Component::Type(id) => ir.types[id].full_name(),
        }
    }
}

/// One component's schema and the components it refers to directly, in first-reference order.
///
/// Each component is described once, whoever refers to it: the document (and the Rust target's
/// shared statics) hold it once however many services reach it, so no output grows with
/// services × types.
pub fn component(ir: &Ir, c: Component) -> (J, Vec<Component>) {
    match c {
        Component::Problem => (problem_schema(), vec![Component::Violation]),
        Component::Violation => (violation_schema(), Vec::new()),
        Component::Type(id) => {
            let mut reach = Reach::default();
            let schema = type_def_schema(ir, id, &mut reach);
            (
                schema,
                reach.order.into_iter().map(Component::Type).collect(),
            )
        }
    }
}

/// Every component reachable from `roots` (the roots included), each once, in discovery order
/// (breadth first, so a long chain of references cannot overflow the stack).
pub fn reachable(ir: &Ir, roots: impl IntoIterator<Item = Component>) -> Vec<Component> {
    let mut seen = BTreeSet::new();
    let mut order: Vec<Component> = Vec::new();
    for r in roots {
        if seen.insert(r) {
            order.push(r);
        }
    }
    let mut i = 0;
    while i < order.len() {
        for r in component(ir, order[i]).1 {
            if seen.insert(r) {
                order.push(r);
            }
        }
        i += 1;
    }
    order
}

/// One service's share of the document (what `rosetta_runtime::rest::Fragment` holds as text).
#[derive(Debug, Clone)]
pub struct ServiceFragment {
    /// The package, or the service's name without one.
    pub api: String,
    /// The package's version segment (`v1`), or empty.
    pub version: String,
    /// The package's docs, or empty.
    pub description: String,
    /// The tag object.
    pub tag: J,
    /// `(path, lower-case method, operation)`.
    pub operations: Vec<(String, String, J)>,
    /// The components the operations refer to directly, in first-reference order; the document
    /// holds these and everything they reach ([`reachable`]).
    pub roots: Vec<Component>,
}

/// Generates `openapi.json`: every service of the compilation.
pub fn generate(ir: &Ir) -> Result<Vec<OutputFile>, String> {
    let fragments = ir
        .services
        .iter()
        .map(|s| service_fragment(ir, s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(vec![OutputFile {
        name: "openapi.json".to_string(),
        contents: document(ir, &fragments).to_pretty() + "\n",
    }])
}

fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    let mut seen = BTreeSet::new();
    for v in values {
        if !v.is_empty() && seen.insert(v) {
            out.push(v);
        }
    }
    out
}

/// Joins fragments into one document, by the rules `rosetta_runtime::rest::Registry` follows.
/// Linear in the fragments and the schemas they reach: paths are grouped through an index and
/// each component schema is built once.
pub fn document(ir: &Ir, fragments: &[ServiceFragment]) -> J {
    let apis = distinct(fragments.iter().map(|f| f.api.as_str()));
    let versions = distinct(fragments.iter().map(|f| f.version.as_str()));
    let descriptions = distinct(fragments.iter().map(|f| f.description.as_str()));
    let mut info = J::obj()
        .with(
            "title",
            J::s(if apis.is_empty() {
                "API".to_string()
            } else {
                apis.join(", ")
            }),
        )
        .with(
            "version",
            J::s(if versions.is_empty() {
                "unversioned".to_string()
            } else {
                versions.join(", ")
            }),
        );
    if !descriptions.is_empty() {
        info.set("description", J::s(descriptions.join("\n\n")));
    }
    // A path's methods may come from several services: group them, in first-seen order.
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut paths: Vec<(String, J)> = Vec::new();
    for f in fragments {
        for (path, method, op) in &f.operations {
            let at = *index.entry(path.as_str()).or_insert_with(|| {
                paths.push((path.clone(), J::obj()));
                paths.len() - 1
            });
            paths[at].1.set(method, op.clone());
        }
    }
    let components = reachable(ir, fragments.iter().flat_map(|f| f.roots.iter().copied()));
    let mut schemas: BTreeMap<String, J> = BTreeMap::new();
    for c in components {
        schemas
            .entry(c.name(ir))
            .or_insert_with(|| component(ir, c).0);
    }
    J::obj()
        .with("openapi", J::s("3.1.0"))
        .with("info", info)
        .with(
            "tags",
            J::Arr(fragments.iter().map(|f| f.tag.clone()).collect()),
        )
        .with("paths", J::Obj(paths))
        .with(
            "components",
            J::obj().with("schemas", J::Obj(schemas.into_iter().collect())),
        )
}

/// One input of an rpc: a field of its message or one of its parameters.
struct InputField<'a> {
    name: &'a str,
    ty: &'a Type,
    constraints: &'a Constraints,
    docs: &'a [String],
    deprecated: bool,
}

fn inputs<'a>(ir: &'a Ir, rpc: &'a Rpc) -> Vec<InputField<'a>> {
    match &rpc.input {
        Input::Unit => Vec::new(),
        Input::Message(id) => ir.types[*id]
            .fields()
            .iter()
            .map(|f: &Field| InputField {
                name: &f.name,
                ty: &f.ty,
                constraints: &f.constraints,
                docs: &f.docs,
                deprecated: f.deprecated,
            })
            .collect(),
        Input::Params(ps) => ps
            .iter()
            .map(|p: &Param| InputField {
                name: &p.name,
                ty: &p.ty,
                constraints: &p.constraints,
                docs: &[],
                deprecated: false,
            })
            .collect(),
    }
}

/// True when a valid request must carry the member: the absent-member rule
/// ([`Type::may_be_absent`]: an absent optional is none, list or map empty, `any` nil) leaves
/// every other member required, and a list or map whose `@length` has a minimum of one or more
/// cannot be left out either (empty is a violation).
pub fn is_required(ty: &Type, c: &Constraints) -> bool {
    match ty {
        Type::List(_) | Type::Map(_) => c.length.as_ref().and_then(|l| l.min).unwrap_or(0) > 0,
        t => !t.may_be_absent(),
    }
}

/// Named types reached while building schemas, in discovery order.
#[derive(Default)]
struct Reach {
    order: Vec<usize>,
    seen: BTreeSet<usize>,
}

impl Reach {
    fn add(&mut self, id: usize) {
        if self.seen.insert(id) {
            self.order.push(id);
        }
    }
}

/// The fragment of one service: its tag, its operations and the components they refer to.
///
/// Fails when a declared error has a field named like a problem member (`status`, `type`, ...):
/// the problem+json body could not carry both.
pub fn service_fragment(ir: &Ir, s: &Service) -> Result<ServiceFragment, String> {
    let mut reach = Reach::default();
    let mut operations = Vec::new();
    for rpc in &s.rpcs {
        for id in &rpc.throws {
            check_error_fields(ir, *id)?;
        }
        operations.push((
            rpc.http.path.clone(),
            rpc.http.method.as_str().to_ascii_lowercase(),
            operation(ir, s, rpc, &mut reach),
        ));
    }
    // Every operation answers problems (its `default` response at least).
    let mut roots = vec![Component::Problem];
    roots.extend(reach.order.into_iter().map(Component::Type));
    let package = s.package.clone();
    let version = package
        .as_deref()
        .and_then(|p| p.rsplit('.').next())
        .filter(|seg| {
            seg.strip_prefix('v')
                .and_then(|r| r.chars().next())
                .is_some_and(|c| c.is_ascii_digit())
        })
        .unwrap_or("")
        .to_string();
    let description = ir
        .files
        .get(s.file)
        .and_then(|f| docs_text(&f.docs))
        .unwrap_or_default();
    let mut tag = J::obj().with("name", J::s(s.full_name()));
    if let Some(d) = docs_text(&s.docs) {
        tag.set("description", J::s(d));
    }
    Ok(ServiceFragment {
        api: package.unwrap_or_else(|| s.name.clone()),
        version,
        description,
        tag,
        operations,
        roots,
    })
}

fn check_error_fields(ir: &Ir, id: usize) -> Result<(), String> {
    let t = &ir.types[id];
    for f in t.fields() {
        if RESERVED_MEMBERS.contains(&f.name.as_str()) {
            return Err(format!(
                "REST: the field `{}` of error `{}` has the name of a problem+json member; \
                 rename the field (or generate without REST)",
                f.name,
                t.full_name()
            ));
        }
    }
    Ok(())
}

fn operation(ir: &Ir, s: &Service, rpc: &Rpc, reach: &mut Reach) -> J {
    let mut op = J::obj().with("tags", strs([s.full_name().as_str()]));
    if let Some(first) = rpc.docs.first().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        op.set("summary", J::s(first));
    }
    if let Some(rest) = docs_text(rpc.docs.get(1..).unwrap_or(&[])) {
        op.set("description", J::s(rest));
    }
    op.set(
        "operationId",
        J::s(format!("{}.{}", s.full_name(), rpc.name)),
    );
    if rpc.deprecated {
        op.set("deprecated", J::Bool(true));
    }
    let all = inputs(ir, rpc);
    let path_params = &rpc.http.path_params;
    let mut parameters = Vec::new();
    for name in path_params {
        if let Some(f) = all.iter().find(|f| f.name == name.as_str()) {
            let mut schema = type_schema(ir, f.ty, f.constraints, reach);
            // A path segment is never empty: the route does not match one.
            if *f.ty == Type::String && schema.get("minLength").is_none_or(|m| *m == int(0)) {
                schema.set("minLength", int(1));
            }
            parameters.push(parameter(f, "path", true, schema));
        }
    }
    let rest: Vec<&InputField> = all
        .iter()
        .filter(|f| !path_params.iter().any(|p| p == f.name))
        .collect();
    let query = rpc.http.method.uses_query();
    if query {
        for f in &rest {
            let schema = type_schema(ir, f.ty.without_optional(), f.constraints, reach);
            parameters.push(parameter(
                f,
                "query",
                is_required(f.ty, f.constraints),
                schema,
            ));
        }
    }
    if !parameters.is_empty() {
        op.set("parameters", J::Arr(parameters));
    }
    let has_body = !query && !rest.is_empty();
    if has_body {
        let schema = match (&rpc.input, path_params.is_empty()) {
            (Input::Message(id), true) => {
                reach.add(*id);
                reference(&ir.types[*id].full_name())
            }
            _ => object_schema(ir, rest.iter().copied(), reach),
        };
        op.set(
            "requestBody",
            J::obj()
                .with(
                    "required",
                    J::Bool(rest.iter().any(|f| is_required(f.ty, f.constraints))),
                )
                .with(
                    "content",
                    J::obj().with("application/json", J::obj().with("schema", schema)),
                ),
        );
    }
    op.set(
        "responses",
        responses(ir, rpc, !all.is_empty(), has_body, reach),
    );
    op
}

fn parameter(f: &InputField, location: &str, required: bool, schema: J) -> J {
    let mut p = J::obj()
        .with("name", J::s(f.name))
        .with("in", J::s(location));
    if let Some(d) = docs_text(f.docs) {
        p.set("description", J::s(d));
    }
    p.set("required", J::Bool(required));
    if f.deprecated {
        p.set("deprecated", J::Bool(true));
    }
    p.with("schema", schema)
}

/// An inline object of some inputs (a parameter list, or a message less its path fields).
fn object_schema<'a>(
    ir: &Ir,
    fields: impl Iterator<Item = &'a InputField<'a>>,
    reach: &mut Reach,
) -> J {
    let mut props = J::obj();
    let mut required = Vec::new();
    for f in fields {
        props.set(
            f.name,
            member_schema(ir, f.ty, f.constraints, f.docs, f.deprecated, reach),
        );
        if is_required(f.ty, f.constraints) {
            required.push(f.name);
        }
    }
    let mut o = J::obj()
        .with("type", J::s("object"))
        .with("properties", props);
    if !required.is_empty() {
        o.set("required", strs(required));
    }
    o
}

fn problem_content(schema: J) -> J {
    J::obj().with("application/problem+json", J::obj().with("schema", schema))
}

fn responses(ir: &Ir, rpc: &Rpc, has_input: bool, has_body: bool, reach: &mut Reach) -> J {
    let mut r = J::obj();
    match &rpc.output {
        Output::Unit => r.set(
            "204",
            J::obj().with("description", J::s("Done; no content.")),
        ),
        Output::Message(id) => {
            reach.add(*id);
            r.set("200", success(reference(&ir.types[*id].full_name())));
        }
        Output::Value(t) => {
            let schema = type_schema(ir, t, &Constraints::default(), reach);
            r.set("200", success(schema));
        }
    }
    let mut by_status: BTreeMap<u16, Vec<usize>> = BTreeMap::new();
    for id in &rpc.throws {
        if let TypeKind::Error(e) = &ir.types[*id].kind {
            by_status.entry(e.http_status).or_default().push(*id);
        }
    }
    if has_input {
        by_status.entry(400).or_default();
    }
    if has_body {
        by_status.entry(415).or_default();
    }
    for (status, ids) in by_status {
        let mut names: Vec<String> = ids
            .iter()
            .map(|id| format!("`{}`", ir.types[*id].name))
            .collect();
        let generic = match status {
            400 => {
                "invalid input (malformed JSON, a wrong type, or constraint violations, each listed in `violations`)."
            }
            415 => "the body is not JSON.",
            _ => "another failure with this status.",
        };
        names.push(generic.to_string());
        let description = names.join(", or ");
        let schema = if ids.is_empty() {
            reference(PROBLEM)
        } else {
            let mut branches: Vec<J> = ids
                .iter()
                .map(|id| {
                    reach.add(*id);
                    declared_problem_schema(ir, *id)
                })
                .collect();
            branches.push(reference(PROBLEM));
            J::obj().with("anyOf", J::Arr(branches))
        };
        r.set(
            &status.to_string(),
            J::obj()
                .with("description", J::s(capitalize(&description)))
                .with("content", problem_content(schema)),
        );
    }
    r.set(
        "default",
        J::obj()
            .with(
                "description",
                J::s("Any other failure: a problem with the status of its kind."),
            )
            .with("content", problem_content(reference(PROBLEM))),
    );
    r
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn success(schema: J) -> J {
    J::obj().with("description", J::s("Success.")).with(
        "content",
        J::obj().with("application/json", J::obj().with("schema", schema)),
    )
}

/// The problem a declared error is answered with: the problem, its fields, its `type`.
fn declared_problem_schema(ir: &Ir, id: usize) -> J {
    let t = &ir.types[id];
    let full = t.full_name();
    J::obj()
        .with("allOf", J::Arr(vec![reference(PROBLEM), reference(&full)]))
        .with(
            "properties",
            J::obj().with(
                "type",
                J::obj().with("const", J::s(format!("{DECLARED_TYPE_PREFIX}{full}"))),
            ),
        )
}

fn problem_schema() -> J {
    let kinds: Vec<&str> = crate::ir::ErrorKind::ALL.iter().map(|k| k.name()).collect();
    J::obj()
        .with("type", J::s("object"))
        .with(
            "description",
            J::s(
                "An RFC 9457 problem. A declared IDL error has the type \
                 `urn:rosetta:error:<full name>` and its fields as members; any other failure \
                 has the type `about:blank`.",
            ),
        )
        .with(
            "properties",
            J::obj()
                .with(
                    "type",
                    J::obj()
                        .with("type", J::s("string"))
                        .with("format", J::s("uri-reference")),
                )
                .with("title", J::obj().with("type", J::s("string")))
                .with(
                    "status",
                    J::obj()
                        .with("type", J::s("integer"))
                        .with("minimum", int(100))
                        .with("maximum", int(599)),
                )
                .with("detail", J::obj().with("type", J::s("string")))
                .with("instance", J::obj().with("type", J::s("string")))
                .with(
                    "kind",
                    J::obj()
                        .with("type", J::s("string"))
                        .with("description", J::s("The canonical error kind."))
                        .with("enum", strs(kinds)),
                )
                .with(
                    "violations",
                    J::obj()
                        .with("type", J::s("array"))
                        .with(
                            "description",
                            J::s("Every broken constraint, for invalid input."),
                        )
                        .with("items", reference(VIOLATION)),
                ),
        )
        .with("required", strs(["type", "title", "status"]))
}

fn violation_schema() -> J {
    let string = || J::obj().with("type", J::s("string"));
    J::obj()
        .with("type", J::s("object"))
        .with("description", J::s("One broken constraint."))
        .with(
            "properties",
            J::obj()
                .with(
                    "field",
                    string().with(
                        "description",
                        J::s("The field path: `lines[2].quantity`, or a parameter name."),
                    ),
                )
                .with(
                    "rule",
                    string()
                        .with("description", J::s("The constraint."))
                        .with("enum", strs(["range", "length", "pattern"])),
                )
                .with("message", string()),
        )
        .with("required", strs(["field", "rule", "message"]))
}

/// A struct member or union variant: its schema (nullable when optional), docs, deprecation.
fn member_schema(
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
        schema.set("deprecated", J::Bool(true));
    }
    schema
}

/// Adds a description; appended to one already there (a `bytes` limit, say).
fn describe(mut schema: J, text: &str) -> J {
    match schema.get("description") {
        Some(J::Str(old)) => {
            let d = format!("{text}\n\n{old}");
            schema.set("description", J::s(d));
        }
        // Readers see the description first.
        _ => {
            if let J::Obj(members) = &mut schema {
                members.insert(0, ("description".to_string(), J::s(text)));
            }
        }
    }
    schema
}

/// The schema of a type as used somewhere, with the constraints written on that use.
fn type_schema(ir: &Ir, ty: &Type, c: &Constraints, reach: &mut Reach) -> J {
    match ty {
        Type::Bool => J::obj().with("type", J::s("boolean")),
        Type::I32 => integer(Some("int32"), i32::MIN.into(), i32::MAX.into(), c),
        Type::I64 => integer(Some("int64"), i64::MIN.into(), i64::MAX.into(), c),
        Type::U32 => integer(Some("int64"), 0, u32::MAX.into(), c),
        Type::U64 => integer(None, 0, u64::MAX.into(), c),
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
                    s.set("minLength", int(m.into()));
                }
                if let Some(m) = l.max {
                    s.set("maxLength", int(m.into()));
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
                    s.set("minLength", int((4 * i128::from(m) + 2) / 3));
                }
                if let Some(n) = l.max {
                    s.set("maxLength", int(4 * ((i128::from(n) + 2) / 3)));
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
                    s.set("minItems", int(m.into()));
                }
                if let Some(m) = l.max {
                    s.set("maxItems", int(m.into()));
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
                    s.set("minProperties", int(m.into()));
                }
                if let Some(m) = l.max {
                    s.set("maxProperties", int(m.into()));
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

/// How a dynamic `any` value looks in JSON, for the schema's description.
pub(crate) const ANY_DESCRIPTION: &str = "Any JSON value. Bytes are {\"$base64\": \"<standard \
     base64>\"} and date-times {\"$datetime\": \"<RFC 3339>\"}; integers that fit 32 bits are \
     XML-RPC <int>, wider ones <i8>, numbers with a fraction or exponent <double>.";

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
fn integer(format: Option<&str>, lo: i128, hi: i128, c: &Constraints) -> J {
    let mut s = J::obj().with("type", J::s("integer"));
    if let Some(f) = format {
        s.set("format", J::s(f));
    }
    let (mut min, mut max) = (J::Null, J::Null);
    let bound = |n: Option<Number>, default: i128, pick: fn(i128, i128) -> i128| match n {
        Some(Number::Int(i)) => int(pick(i128::from(i), default)),
        Some(Number::Float(f)) => num(Number::Float(f)),
        None => int(default),
    };
    if let Some(r) = &c.range {
        min = bound(r.min, lo, i128::max);
        max = bound(r.max, hi, i128::min);
    }
    if min == J::Null {
        min = int(lo);
    }
    if max == J::Null {
        max = int(hi);
    }
    s.with("minimum", min).with("maximum", max)
}

/// Accepts `null` too: serde reads it as an absent optional. An `anyOf` rather than a type list,
/// so the value's own keywords (`format`, bounds) stay with its branch.
fn nullable(schema: J) -> J {
    J::obj().with(
        "anyOf",
        J::Arr(vec![schema, J::obj().with("type", J::s("null"))]),
    )
}

/// The component schema of a declared type.
fn type_def_schema(ir: &Ir, id: usize, reach: &mut Reach) -> J {
    let t = &ir.types[id];
    let mut s = match &t.kind {
        TypeKind::Struct(st) => struct_schema(ir, &st.fields, reach),
        TypeKind::Error(ErrorType { body, .. }) => struct_schema(ir, &body.fields, reach),
        TypeKind::Enum(e) => {
            let mut s = J::obj()
                .with("type", J::s("string"))
                .with("enum", strs(e.values.iter().map(|v| v.name.as_str())));
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
                        .with("required", strs([v.name.as_str()]))
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
        s.set("required", strs(required));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(src: &str) -> serde_json::Value {
        let c = crate::compile_str("t.idl", src);
        let rendered = c.render_diagnostics();
        let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
        let files = generate(&ir).unwrap();
        serde_json::from_str(&files[0].contents).unwrap()
    }

    #[test]
    fn integers_carry_their_bounds_and_ranges() {
        let d = doc(
            "struct A { a: i32 = 1 @range(0, ..); b: u64 = 2; c: optional<i64> = 3; }\n\
                     service S { rpc M(A) -> A; }",
        );
        let a = &d["components"]["schemas"]["A"];
        assert_eq!(a["properties"]["a"]["minimum"], 0);
        assert_eq!(a["properties"]["a"]["maximum"], 2147483647);
        assert_eq!(a["properties"]["b"]["maximum"], u64::MAX);
        assert_eq!(a["properties"]["c"]["anyOf"][1]["type"], "null");
        assert_eq!(a["required"], serde_json::json!(["a", "b"]));
    }

    #[test]
    fn patterns_spell_out_white_space() {
        assert_eq!(ecma_pattern("^[A-Z]{3}$"), "^[A-Z]{3}$");
        let email = ecma_pattern(r"^[^@\s]+@\S+$");
        assert_eq!(email, format!(r"^[^@{WHITE_SPACE}]+@[^{WHITE_SPACE}]+$"));
        assert_eq!(ecma_pattern(r"a\sb\.c"), format!(r"a[{WHITE_SPACE}]b\.c"));
        assert_eq!(ecma_pattern(r"[]\s]"), format!("[]{WHITE_SPACE}]"));
    }

    #[test]
    fn reserved_problem_members_are_refused_in_errors() {
        let c = crate::compile_str(
            "t.idl",
            "error E: not_found { status: string = 1; }\nservice S { rpc M() throws E; }",
        );
        let ir = c.ir.unwrap();
        assert!(generate(&ir).unwrap_err().contains("`status`"));
    }
}
