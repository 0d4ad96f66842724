//! Checks: one function per rule, each with a stable code, each collecting every violation.
//!
//! Checks read the [`Program`] (AST + name lookup) and never stop at the first problem. A check
//! that needs a resolved type asks [`Ctx::ty`], which answers [`Ty::Error`] for names that did
//! not resolve; only `check_unknown_types` reports those, so a bad name is reported once.

mod annotations;
mod modules;
mod names;
mod numbers;
mod services;
mod topics;
mod types;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::program::{DefId, Lookup, ParsedFile, Program};
use crate::source::FileId;
use crate::syntax::ast::{self, Item, ItemKind, TypeRef};

/// Every diagnostic code, with a one-line description (buf's habit: one ID, one purpose).
pub const CODES: &[(&str, &str)] = &[
    ("E0001", "syntax error"),
    ("E0002", "file is not valid UTF-8"),
    ("E0003", "nesting too deep"),
    ("E0004", "file cannot be read"),
    ("E0100", "unknown type"),
    ("E0101", "duplicate name"),
    ("E0102", "duplicate field number"),
    ("E0103", "field number is reserved"),
    ("E0104", "number out of range"),
    ("E0105", "empty enum"),
    ("E0106", "import not found"),
    ("E0107", "import cycle"),
    ("E0108", "HTTP path variable with no matching field"),
    ("E0109", "two rpcs on one HTTP route"),
    ("E0110", "XML-RPC method name collision"),
    ("E0111", "topic key is not a string field"),
    ("E0112", "type a target cannot express"),
    ("E0113", "unknown or misplaced annotation"),
    ("E0114", "bad annotation arguments"),
    ("E0115", "constraint does not apply to the type"),
    ("E0116", "invalid regular expression"),
    ("E0117", "unknown error kind"),
    ("E0118", "`throws` names a type that is not an error"),
    ("E0119", "rpc message is not a struct"),
    ("E0120", "synthesized message name collides"),
    ("E0121", "duplicate topic"),
    ("E0122", "encoding does not fit the value type"),
    ("E0123", "duplicate enum number"),
    ("E0124", "topic property missing or repeated"),
    ("E0125", "invalid HTTP route"),
    ("E0126", "wrong number of type arguments"),
    ("E0127", "map key is not a string"),
    ("E0128", "empty range"),
    ("E0129", "ambiguous type name"),
    ("E0130", "field name is reserved"),
    ("E0131", "name shadows a built-in type"),
    ("E0132", "type contains itself with no way to end"),
    ("E0133", "HTTP query parameter is not a scalar"),
    ("E0134", "a service or topic used as a type"),
    ("E0135", "error field named like a problem+json member"),
    ("E0136", "two generated Rust modules of one package collide"),
    ("E0139", "no value of a topic fits in a producer's message"),
    ("E0140", "a stream carries a type that is not a struct"),
    ("E0141", "a client stream on a route without a request body"),
    ("E0142", "`@xmlrpc` on a streaming rpc"),
    ("W0001", "u64 may exceed XML-RPC's integer range"),
    ("W0002", "streaming rpc left out of XML-RPC"),
];

pub use topics::PRODUCER_MESSAGE_MAX_BYTES;

/// Runs every check.
pub fn run(program: &Program) -> Diagnostics {
    let ctx = Ctx { program };
    // Two halves on two threads (the checks only read the program): the checks were a tenth of
    // `generate --target rust` on a 2,000-type API, all before anything else could start. The
    // diagnostics come out in the same order as one thread would give them.
    std::thread::scope(|scope| {
        let first = scope.spawn(|| {
            let mut out = Diagnostics::default();
            names::check_duplicate_definitions(&ctx, &mut out);
            names::check_builtin_shadowing(&ctx, &mut out);
            names::check_duplicate_members(&ctx, &mut out);
            types::check_unknown_types(&ctx, &mut out);
            types::check_generic_arity(&ctx, &mut out);
            types::check_map_keys(&ctx, &mut out);
            types::check_proto_expressible(&ctx, &mut out);
            types::check_xmlrpc_u64(&ctx, &mut out);
            types::check_infinite_types(&ctx, &mut out);
            numbers::check_field_number_range(&ctx, &mut out);
            numbers::check_duplicate_field_numbers(&ctx, &mut out);
            numbers::check_reserved_field_numbers(&ctx, &mut out);
            numbers::check_reserved_field_names(&ctx, &mut out);
            numbers::check_empty_enums(&ctx, &mut out);
            numbers::check_enum_numbers(&ctx, &mut out);
            out
        });
        let mut second = Diagnostics::default();
        let out = &mut second;
        annotations::check_annotations(&ctx, out);
        annotations::check_constraints(&ctx, out);
        services::check_error_kinds(&ctx, out);
        services::check_error_problem_members(&ctx, out);
        services::check_rpc_messages(&ctx, out);
        services::check_stream_messages(&ctx, out);
        services::check_client_stream_routes(&ctx, out);
        services::check_streaming_xmlrpc(&ctx, out);
        services::check_throws(&ctx, out);
        services::check_http_routes(&ctx, out);
        services::check_duplicate_routes(&ctx, out);
        services::check_xmlrpc_names(&ctx, out);
        services::check_synthesized_names(&ctx, out);
        topics::check_topic_properties(&ctx, out);
        topics::check_duplicate_topics(&ctx, out);
        topics::check_topic_keys(&ctx, out);
        topics::check_topic_encodings(&ctx, out);
        topics::check_topic_value_sizes(&ctx, out);
        modules::check_module_names(&ctx, out);
        let mut out = first
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        out.append(second);
        out
    })
}

/// A type as the checks see it: resolved, or [`Ty::Error`] when resolution failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ty {
    Builtin(&'static str),
    Optional(Box<Ty>),
    List(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    Def(DefId),
    /// Did not resolve (already reported, or reported by another check).
    Error,
}

impl Ty {
    /// The type under any `optional<>`.
    pub(crate) fn strip_optional(&self) -> &Ty {
        match self {
            Ty::Optional(t) => t.strip_optional(),
            t => t,
        }
    }
}

/// Shared state for the checks.
pub(crate) struct Ctx<'a> {
    pub program: &'a Program,
}

impl<'a> Ctx<'a> {
    /// Every loaded file.
    pub(crate) fn files(&self) -> impl Iterator<Item = &'a ParsedFile> {
        self.program.parsed()
    }

    /// Every item with the file it is in.
    pub(crate) fn items(&self) -> impl Iterator<Item = (&'a ParsedFile, &'a Item)> {
        self.files()
            .flat_map(|f| f.ast.items.iter().map(move |it| (f, it)))
    }

    /// Every struct-like body (struct, union, error with a body) with its item.
    pub(crate) fn bodies(
        &self,
    ) -> impl Iterator<Item = (&'a ParsedFile, &'a Item, &'a ast::StructDecl)> {
        self.items().filter_map(|(f, it)| match &it.kind {
            ItemKind::Struct(s) | ItemKind::Union(s) => Some((f, it, s)),
            ItemKind::Error(e) => e.body.as_ref().map(|b| (f, it, b)),
            _ => None,
        })
    }

    /// Every rpc with its file and service.
    pub(crate) fn rpcs(
        &self,
    ) -> impl Iterator<Item = (&'a ParsedFile, &'a ast::ServiceDecl, &'a ast::Rpc)> {
        self.items().flat_map(|(f, it)| {
            let rpcs: Vec<_> = match &it.kind {
                ItemKind::Service(s) => s.rpcs.iter().map(|r| (f, s, r)).collect(),
                _ => Vec::new(),
            };
            rpcs
        })
    }

    /// Every rpc except a second one with a name already used in its service (after case
    /// conversion). `check_duplicate_members` reports such an rpc (E0101); the checks of what
    /// rpcs generate (routes, XML-RPC names, synthesized messages) look at the first one only, so
    /// one duplicate `rpc` is one error, not three.
    pub(crate) fn distinct_rpcs(
        &self,
    ) -> impl Iterator<Item = (&'a ParsedFile, &'a ast::ServiceDecl, &'a ast::Rpc)> {
        // A service's rpcs come one after another, so the names seen are kept for the current
        // service only: a small set, not one of every rpc of the program.
        let mut service: *const ast::ServiceDecl = std::ptr::null();
        let mut seen = rustc_hash::FxHashSet::default();
        self.rpcs().filter(move |(_, s, rpc)| {
            if !std::ptr::eq(service, *s) {
                service = *s;
                seen.clear();
            }
            seen.insert(crate::case::snake(&rpc.name.name))
        })
    }

    /// Resolves a written type, silently.
    pub(crate) fn ty(&self, file: FileId, t: &TypeRef) -> Ty {
        match t {
            TypeRef::Named(p, slot) => match self.program.resolve(file, p, *slot) {
                Lookup::Builtin(b) => Ty::Builtin(b),
                Lookup::Def(d) => Ty::Def(d),
                Lookup::NotFound | Lookup::Ambiguous(_) => Ty::Error,
            },
            TypeRef::Generic { name, args, .. } => {
                let arg = |i: usize| args.get(i).map_or(Ty::Error, |a| self.ty(file, a));
                match (name.name.as_str(), args.len()) {
                    ("optional", 1) => Ty::Optional(Box::new(arg(0))),
                    ("list", 1) => Ty::List(Box::new(arg(0))),
                    ("map", 2) => Ty::Map(Box::new(arg(0)), Box::new(arg(1))),
                    _ => Ty::Error,
                }
            }
        }
    }

    /// The struct-like body of a definition, if it has one (struct, union, or error with a body).
    pub(crate) fn body(&self, def: DefId) -> Option<&'a ast::StructDecl> {
        match &self.program.item(def).kind {
            ItemKind::Struct(s) | ItemKind::Union(s) => Some(s),
            ItemKind::Error(e) => e.body.as_ref(),
            _ => None,
        }
    }

    /// Describes a type for messages, as the user would write it.
    pub(crate) fn describe(&self, t: &Ty) -> String {
        match t {
            Ty::Builtin(b) => b.to_string(),
            Ty::Optional(t) => format!("optional<{}>", self.describe(t)),
            Ty::List(t) => format!("list<{}>", self.describe(t)),
            Ty::Map(k, v) => format!("map<{}, {}>", self.describe(k), self.describe(v)),
            Ty::Def(d) => self.program.item(*d).name().name.clone(),
            Ty::Error => "?".to_string(),
        }
    }
}

/// Pushes a diagnostic; a small helper so checks read as data.
pub(crate) fn emit(out: &mut Diagnostics, d: Diagnostic) {
    out.push(d);
}

#[cfg(test)]
mod tests {
    /// One duplicate `rpc` is one error (E0101), not also an XML-RPC name collision (E0110), a
    /// synthesized-message collision (E0120) and a route collision (E0109).
    #[test]
    fn a_duplicate_rpc_is_reported_once() {
        let c = crate::compile_str(
            "dup.idl",
            "service Greeter {\n  rpc Hello(name: string) -> string;\n  rpc Hello(name: string) -> string;\n}\n",
        );
        let codes: Vec<&str> = c.diagnostics.sorted().iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E0101"], "{}", c.render_diagnostics());
    }

    /// E0139 fires only when the `@length` minimums force every value above the producer's
    /// limit: 16 one-MiB pages are exactly the limit (accepted), 17 are not; an optional field or
    /// the cheapest union variant forces nothing; a recursive type does not loop.
    #[test]
    fn a_topic_value_that_can_never_fit_is_refused() {
        let source = |pages: u32| {
            format!(
                "struct Page {{ image: bytes = 1 @length(1048576, ..); }}\n\
                 struct Doc {{ pages: list<Page> = 1 @length({pages}, ..); \
                 extra: optional<string> = 2 @length(99999999, ..); next: optional<Doc> = 3; }}\n\
                 union Either {{ doc: Doc = 1; nothing: string = 2; }}\n\
                 topic \"docs\" {{ key: string; value: Doc; }}\n\
                 topic \"either\" {{ key: string; value: Either; }}\n"
            )
        };
        let codes = |pages| {
            let c = crate::compile_str("sizes.idl", &source(pages));
            let codes: Vec<&str> = c.diagnostics.sorted().iter().map(|d| d.code).collect();
            (codes, c.render_diagnostics())
        };
        let (at_limit, rendered) = codes(16);
        assert!(at_limit.is_empty(), "{rendered}");
        let (above, rendered) = codes(17);
        assert_eq!(above, ["E0139"], "{rendered}");
        assert!(rendered.contains("at least 17825792 bytes"), "{rendered}");
    }
}
