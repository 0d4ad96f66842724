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
    run_in_blocks(program, BLOCK)
}

/// What a check looks at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// One item at a time: what it reports of an item depends on that item alone (the program
    /// read only to resolve names), in the order [`Ctx::items`] gives, with nothing carried from
    /// one item to the next. Such a check runs on a block of items at a time.
    Item,
    /// The whole program (duplicates across items, cycles, collisions, files).
    Program,
}

/// A check: reads the program through its [`Ctx`], pushes what it finds.
type Check = fn(&Ctx, &mut Diagnostics);

/// The checks on one thread, in the order their diagnostics come out.
const FIRST: &[(Check, Scope)] = &[
    (names::check_duplicate_definitions, Scope::Program),
    (names::check_builtin_shadowing, Scope::Item),
    (names::check_duplicate_members, Scope::Item),
    (types::check_unknown_types, Scope::Item),
    (types::check_generic_arity, Scope::Item),
    (types::check_map_keys, Scope::Item),
    (types::check_proto_expressible, Scope::Item),
    (types::check_xmlrpc_u64, Scope::Item),
    (types::check_infinite_types, Scope::Program),
    (numbers::check_field_number_range, Scope::Item),
    (numbers::check_duplicate_field_numbers, Scope::Item),
    (numbers::check_reserved_field_numbers, Scope::Item),
    (numbers::check_reserved_field_names, Scope::Item),
    (numbers::check_empty_enums, Scope::Item),
    (numbers::check_enum_numbers, Scope::Item),
];

/// The checks on the other thread; theirs come out after [`FIRST`]'s.
const SECOND: &[(Check, Scope)] = &[
    (annotations::check_annotations, Scope::Item),
    (annotations::check_constraints, Scope::Item),
    (services::check_error_kinds, Scope::Item),
    (services::check_error_problem_members, Scope::Item),
    (services::check_rpc_messages, Scope::Item),
    (services::check_stream_messages, Scope::Item),
    (services::check_client_stream_routes, Scope::Item),
    (services::check_streaming_xmlrpc, Scope::Item),
    (services::check_throws, Scope::Item),
    (services::check_http_routes, Scope::Item),
    (services::check_duplicate_routes, Scope::Program),
    (services::check_xmlrpc_names, Scope::Program),
    (services::check_synthesized_names, Scope::Program),
    (topics::check_topic_properties, Scope::Item),
    (topics::check_duplicate_topics, Scope::Program),
    (topics::check_topic_keys, Scope::Item),
    (topics::check_topic_encodings, Scope::Item),
    (topics::check_topic_value_sizes, Scope::Program),
    (modules::check_module_names, Scope::Program),
];

/// Items per block of [`Scope::Item`] checks: few enough that a block's syntax trees stay in
/// the caches from the first check of the block to the last.
const BLOCK: usize = 64;

/// [`FIRST`] and [`SECOND`] on two threads (the checks only read the program: they were a tenth
/// of `generate --target rust` on a 2,000-type API, all before anything else could start), the
/// diagnostics in the order one thread running each check over the whole program would give.
fn run_in_blocks(program: &Program, block: usize) -> Diagnostics {
    std::thread::scope(|scope| {
        let first = scope.spawn(|| run_checks(program, FIRST, block));
        let second = run_checks(program, SECOND, block);
        let mut out = first
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        out.append(second);
        out
    })
}

/// Runs `checks`: the [`Scope::Item`] ones a block of `block` items at a time, each block through
/// all of them before the next (at 20,000 types, each check walking the whole program missed
/// the caches on every item: the checks grew 16x in time from 2,000 types), then the
/// [`Scope::Program`] ones. Each check's diagnostics are kept apart and put together in `checks`'
/// order, so blocks change no order.
fn run_checks(program: &Program, checks: &[(Check, Scope)], block: usize) -> Diagnostics {
    let mut outs: Vec<Diagnostics> = checks.iter().map(|_| Diagnostics::default()).collect();
    let block = block.max(1);
    for (file, parsed) in program.files.iter().enumerate() {
        let Some(parsed) = parsed else { continue };
        let count = parsed.ast.items.len();
        for start in (0..count).step_by(block) {
            let ctx = Ctx {
                program,
                window: Some(Window {
                    file,
                    items: start..count.min(start.saturating_add(block)),
                }),
            };
            for ((check, scope), out) in checks.iter().zip(&mut outs) {
                if *scope == Scope::Item {
                    check(&ctx, out);
                }
            }
        }
    }
    let whole = Ctx {
        program,
        window: None,
    };
    for ((check, scope), out) in checks.iter().zip(&mut outs) {
        if *scope == Scope::Program {
            check(&whole, out);
        }
    }
    let mut all = Diagnostics::default();
    for out in outs {
        all.append(out);
    }
    all
}

/// The items a [`Scope::Item`] check is shown: some of one file's.
#[derive(Clone)]
struct Window {
    /// The file's place in [`Program::files`].
    file: usize,
    /// The items' places in the file.
    items: std::ops::Range<usize>,
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
    /// The items a [`Scope::Item`] check is run on; `None`: all of them.
    window: Option<Window>,
}

impl<'a> Ctx<'a> {
    /// Every loaded file (in a window: the window's).
    pub(crate) fn files(&self) -> impl Iterator<Item = &'a ParsedFile> + use<'a> {
        let program = self.program;
        let only = self.window.as_ref().map(|w| w.file);
        program
            .files
            .iter()
            .enumerate()
            .filter(move |(i, _)| only.is_none_or(|only| only == *i))
            .filter_map(|(_, f)| f.as_ref())
    }

    /// Every item with the file it is in (in a window: the window's).
    pub(crate) fn items(&self) -> impl Iterator<Item = (&'a ParsedFile, &'a Item)> + use<'a> {
        let range = self.window.as_ref().map(|w| w.items.clone());
        self.files().flat_map(move |f| {
            let items = match &range {
                Some(r) => &f.ast.items[r.clone()],
                None => &f.ast.items[..],
            };
            items.iter().map(move |it| (f, it))
        })
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
    /// Blocks change nothing: every `.idl` file of the repository (the invalid examples, with
    /// their every kind of diagnostic, included) gets the same diagnostics in the same order
    /// from the checks run one item at a time, three at a time, and over the whole program.
    #[test]
    fn checks_in_blocks_say_what_checks_over_the_whole_program_say() {
        fn idl_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                let name = entry.file_name();
                if path.is_dir() && name != "target" && name != ".git" && name != "node_modules" {
                    idl_files(&path, out);
                } else if path.extension().is_some_and(|e| e == "idl") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        idl_files(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")),
            &mut files,
        );
        assert!(files.len() > 50, "found {} .idl files", files.len());
        let mut reported = 0;
        for file in files {
            let (program, _) = crate::driver::load(
                &crate::driver::RealFs,
                std::slice::from_ref(&file),
                &crate::driver::Options::default(),
            );
            let whole = super::run_in_blocks(&program, usize::MAX);
            reported += whole.len();
            let whole = format!("{whole:?}");
            for block in [1, 3] {
                let blocked = format!("{:?}", super::run_in_blocks(&program, block));
                assert_eq!(blocked, whole, "{} in blocks of {block}", file.display());
            }
        }
        assert!(reported > 100, "{reported} diagnostics");
    }

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
