//! The `openapi` target: the OpenAPI 3.1 document of every REST route, and the per-service
//! fragments the generated Rust embeds so a server serves the document of what it mounts.
//!
//! The document describes exactly what the generated server accepts and returns. Types map to
//! JSON Schema through [`super::json_schema`], the mapping the AsyncAPI target uses too; this
//! module adds what is REST's own: operations (path and query parameters, request bodies,
//! responses) and errors as RFC 9457 problems (`rosetta.Problem`; a declared error adds its
//! fields and a `type` of `urn:rosetta:error:<full name>`).
//!
//! The join of several services' fragments into one document is the runtime's
//! (`rosetta_runtime::openapi_join::join`), the one a server uses for `/openapi.json`.
//! MUST be deterministic.

use std::collections::BTreeMap;

use rosetta_runtime::openapi_join::{Part, join};

use super::OutputFile;
pub use super::json::J;
use super::json_schema::{
    Reach, declared_schema, docs_text, is_required, member_schema, reference, type_schema,
};
use crate::ir::{
    Constraints, Field, Input, Ir, Output, RequestMessage, Rpc, Service, Type, TypeKind,
};

/// The problem schema every error response uses.
const PROBLEM: &str = "rosetta.Problem";
/// One constraint violation inside a validation problem.
const VIOLATION: &str = "rosetta.Violation";
use rosetta_runtime::error::DECLARED_TYPE_PREFIX;

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
            let schema = declared_schema(ir, id, &mut reach);
            (
                schema,
                reach.order.into_iter().map(Component::Type).collect(),
            )
        }
    }
}

/// Every component reachable from `roots` (the roots included), each once, in discovery order
/// (breadth first, so a long chain of references cannot overflow the stack). Builds every
/// schema to read its references: the document itself finds them by field types
/// ([`reached_types`]); tests hold the two to the same set.
pub fn reachable(ir: &Ir, roots: impl IntoIterator<Item = Component>) -> Vec<Component> {
    let mut seen = std::collections::BTreeSet::new();
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

/// The declared types reachable from `roots`, by index: found by walking field types (a declared
/// type's schema refers to exactly the named types in its fields' types, as [`reachable`] finds
/// by building every schema; `the_reach_by_field_types_is_the_documents` holds the two to the
/// same set), without building a schema.
pub(crate) fn reached_types(ir: &Ir, roots: impl IntoIterator<Item = Component>) -> Vec<bool> {
    let mut reached = vec![false; ir.types.len()];
    let types = roots.into_iter().filter_map(|c| match c {
        Component::Type(id) => Some(id),
        _ => None,
    });
    ir.reach(types, &mut reached);
    reached
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
    Ok(vec![OutputFile {
        name: FILE_NAME.to_string(),
        contents: J::pretty(&compact_document(ir)) + "\n",
    }])
}

/// The name of the file [`generate`] makes.
pub const FILE_NAME: &str = "openapi.json";

/// [`generate`]'s document, written to `file` as it is indented (how the CLI writes it: the
/// indented text of a large API, twice the compact one, is never held whole).
pub fn write_document(ir: &Ir, file: &mut impl std::io::Write) -> std::io::Result<()> {
    J::pretty_to(&compact_document(ir), file)?;
    file.write_all(b"\n")
}

/// The whole document as compact JSON text.
fn compact_document(ir: &Ir) -> String {
    // Each service's fragment becomes text as soon as it is built, so the trees of every
    // operation are never in memory at once (at 20,000 types they were most of the peak, and
    // the time spent faulting in fresh pages grew faster than the API).
    let fragments = fragment_texts(ir);
    join_texts(ir, &fragments)
}

/// Every service's fragment as text, in the IR's order, built on two threads.
pub(crate) fn fragment_texts(ir: &Ir) -> Vec<FragmentText> {
    crate::parallel::in_halves(&ir.services, |services| {
        services
            .iter()
            .map(|s| FragmentText::of(ir, s))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Joins fragments into one document: the runtime's join
/// ([`rosetta_runtime::openapi_join::join`], which a server's `/openapi.json` uses too) over the
/// fragments' JSON texts and every component they reach, each built once.
pub fn document(ir: &Ir, fragments: &[ServiceFragment]) -> J {
    let texts: Vec<FragmentText> = fragments.iter().map(FragmentText::new).collect();
    // The join's output is JSON this module's own pieces make up: it parses.
    J::parse(&join_texts(ir, &texts)).unwrap_or(J::Null)
}

/// A [`ServiceFragment`] as the join reads it, and as the Rust target's `Fragment` literals hold
/// it: its tag and operations as compact JSON text (a fraction of the JSON trees' memory, which
/// matters where every service's is kept for a whole run).
pub(crate) struct FragmentText {
    pub(crate) api: String,
    pub(crate) version: String,
    pub(crate) description: String,
    pub(crate) tag: String,
    /// `(path, lower-case method, operation)`.
    pub(crate) operations: Vec<(String, String, String)>,
    pub(crate) roots: Vec<Component>,
}

impl FragmentText {
    /// Service `s`'s fragment, built and made text (its strings moved, not copied).
    pub(crate) fn of(ir: &Ir, s: &Service) -> FragmentText {
        let f = service_fragment(ir, s);
        FragmentText {
            tag: f.tag.to_compact(),
            operations: f
                .operations
                .into_iter()
                .map(|(path, method, op)| (path, method, op.to_compact()))
                .collect(),
            api: f.api,
            version: f.version,
            description: f.description,
            roots: f.roots,
        }
    }

    fn new(f: &ServiceFragment) -> FragmentText {
        FragmentText {
            tag: f.tag.to_compact(),
            operations: f
                .operations
                .iter()
                .map(|(path, method, op)| (path.clone(), method.clone(), op.to_compact()))
                .collect(),
            api: f.api.clone(),
            version: f.version.clone(),
            description: f.description.clone(),
            roots: f.roots.clone(),
        }
    }
}

/// The join's compact text of `fragments` and every component they reach.
fn join_texts(ir: &Ir, fragments: &[FragmentText]) -> String {
    let ops: Vec<Vec<(&str, &str, &str)>> = fragments
        .iter()
        .map(|f| {
            f.operations
                .iter()
                .map(|(path, method, op)| (path.as_str(), method.as_str(), op.as_str()))
                .collect()
        })
        .collect();
    let parts: Vec<Part<'_>> = fragments
        .iter()
        .zip(&ops)
        .map(|(f, ops)| Part {
            api: &f.api,
            version: &f.version,
            description: &f.description,
            tag: &f.tag,
            operations: ops,
        })
        .collect();
    // The reached types are built in declaration order, not in the order references reach them:
    // the IR is then read front to back (at 20,000 types, in reference order, the schemas grew
    // 14x from 2,000 in time against 10x in instructions: the IR's types no longer fit the
    // caches). The join orders the components by name whatever order they come in.
    let roots = || fragments.iter().flat_map(|f| f.roots.iter().copied());
    let problem = roots().any(|c| c == Component::Problem);
    let violation = problem || roots().any(|c| c == Component::Violation);
    let reached = reached_types(ir, roots());
    let components: Vec<Component> = [
        (problem, Component::Problem),
        (violation, Component::Violation),
    ]
    .into_iter()
    .filter_map(|(reached, c)| reached.then_some(c))
    .chain(
        (0..ir.types.len())
            .filter(|id| reached[*id])
            .map(Component::Type),
    )
    .collect();
    // On two threads, each half's schemas as compact text in one buffer (not a string grown
    // from empty per schema), with each schema's name and place in it.
    let halves = crate::parallel::in_halves(&components, |components| {
        let mut texts = String::new();
        let mut schemas: Vec<(String, std::ops::Range<usize>)> = Vec::new();
        for &c in components {
            let start = texts.len();
            component(ir, c).0.write_compact(&mut texts);
            schemas.push((c.name(ir), start..texts.len()));
        }
        (texts, schemas)
    });
    join(
        &parts,
        halves.iter().flat_map(|(texts, schemas)| {
            schemas
                .iter()
                .map(|(name, text)| (name.as_str(), &texts[text.clone()]))
        }),
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
        Input::Params(RequestMessage { fields: ps, .. }) => ps
            .iter()
            .map(|p: &Field| InputField {
                name: &p.name,
                ty: &p.ty,
                constraints: &p.constraints,
                docs: &[],
                deprecated: false,
            })
            .collect(),
    }
}

/// The fragment of one service: its tag, its operations and the components they refer to.
///
/// Never fails: the one rule that once failed here (an error field named like a problem member)
/// is check E0135.
pub fn service_fragment(ir: &Ir, s: &Service) -> ServiceFragment {
    let mut reach = Reach::default();
    let mut operations = Vec::new();
    for rpc in &s.rpcs {
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
    ServiceFragment {
        api: package.unwrap_or_else(|| s.name.clone()),
        version,
        description,
        tag,
        operations,
        roots,
    }
}

fn operation(ir: &Ir, s: &Service, rpc: &Rpc, reach: &mut Reach) -> J {
    let mut op = J::obj().with("tags", J::strs([s.full_name().as_str()]));
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
            if *f.ty == Type::String && schema.get("minLength").is_none_or(|m| *m == J::int(0)) {
                schema.set("minLength", J::int(1));
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
    if rpc.client_streaming {
        // The body is the stream (E0141: no path variables, a method with a body).
        if let Input::Message(id) = &rpc.input {
            reach.add(*id);
            let name = &ir.types[*id].full_name();
            op.set(
                "requestBody",
                J::obj()
                    .with(
                        "description",
                        J::s(format!(
                            "A stream of `{name}` messages: newline-delimited JSON, one message per line (blank lines are skipped)."
                        )),
                    )
                    .with("required", J::Bool(true))
                    .with(
                        "content",
                        J::obj().with(NDJSON, J::obj().with("schema", reference(name))),
                    ),
            );
        }
    } else if has_body {
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
        o.set("required", J::strs(required));
    }
    o
}

fn problem_content(schema: J) -> J {
    J::obj().with("application/problem+json", J::obj().with("schema", schema))
}

/// NDJSON's media type (streamed request bodies and answers).
const NDJSON: &str = "application/x-ndjson";

/// The `200` of a server stream: SSE or NDJSON, chosen by `Accept`. OpenAPI 3.1 has no schema
/// for the items of a stream, so each media type says in words what one event or line is, and
/// NDJSON's schema describes one line (a message or the last error).
fn stream_success(name: &str) -> J {
    let line = J::obj().with(
        "oneOf",
        J::Arr(vec![
            J::obj()
                .with("type", J::s("object"))
                .with("required", J::strs(["result"]))
                .with("properties", J::obj().with("result", reference(name))),
            J::obj()
                .with("type", J::s("object"))
                .with("required", J::strs(["error"]))
                .with("properties", J::obj().with("error", reference(PROBLEM))),
        ]),
    );
    J::obj()
        .with(
            "description",
            J::s(format!(
                "A stream of `{name}` messages, as `Accept` asks: Server-Sent Events (each event's `data` is one message as JSON; an error ends the stream as an `error` event whose `data` is a problem) or newline-delimited JSON (each line `{{\"result\": message}}`; an error ends the stream as a `{{\"error\": problem}}` line)."
            )),
        )
        .with(
            "content",
            J::obj()
                .with(
                    "text/event-stream",
                    J::obj().with("schema", J::obj().with("type", J::s("string"))),
                )
                .with(NDJSON, J::obj().with("schema", line)),
        )
}

fn responses(ir: &Ir, rpc: &Rpc, has_input: bool, has_body: bool, reach: &mut Reach) -> J {
    let mut r = J::obj();
    match &rpc.output {
        Output::Message(id) if rpc.server_streaming => {
            reach.add(*id);
            r.set("200", stream_success(&ir.types[*id].full_name()));
        }
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
    if rpc.server_streaming {
        by_status.entry(406).or_default();
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
            415 if rpc.client_streaming => "the body is not newline-delimited JSON.",
            415 => "the body is not JSON.",
            406 => "`Accept` allows neither `text/event-stream` nor `application/x-ndjson`.",
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
            status.to_string(),
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
                        .with("minimum", J::int(100))
                        .with("maximum", J::int(599)),
                )
                .with("detail", J::obj().with("type", J::s("string")))
                .with("instance", J::obj().with("type", J::s("string")))
                .with(
                    "kind",
                    J::obj()
                        .with("type", J::s("string"))
                        .with("description", J::s("The canonical error kind."))
                        .with("enum", J::strs(kinds)),
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
        .with("required", J::strs(["type", "title", "status"]))
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
                        .with("enum", J::strs(["range", "length", "pattern"])),
                )
                .with("message", string()),
        )
        .with("required", J::strs(["field", "rule", "message"]))
}
