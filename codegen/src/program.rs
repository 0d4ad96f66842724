//! The loaded program: every parsed file, its resolved imports, and name lookup across them.
//!
//! Name resolution rules (written down in the README's language reference):
//! - a built-in type name (`i32`, `string`, ...) always means the built-in;
//! - a dotted name `pkg.Name` is looked up by its full name among all loaded files;
//! - a plain name is looked up in the file itself, then in the files it imports directly;
//!   two different imported definitions of it are ambiguous.

use rustc_hash::FxHashMap as HashMap;

use crate::diagnostics::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, Item, ItemKind, NameSlot, TypeRef};

/// One parsed file and what its imports resolved to.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// The file's id in the source map.
    pub id: FileId,
    /// The parsed file.
    pub ast: ast::File,
    /// `Some("shop.v1")` when the file declares a package.
    pub package: Option<String>,
    /// Resolved imports, in order, with the span of each `import` line.
    pub imports: Vec<(FileId, Span)>,
    /// True for files named on the command line (or Builder), false for imported-only ones.
    pub is_root: bool,
}

/// A reference to a top-level item: the file and the item's index in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefId {
    /// The file that declares the item.
    pub file: FileId,
    /// The item's index in that file's `ast.items`.
    pub item: usize,
}

/// The built-in scalar types.
pub const BUILTINS: &[&str] = &[
    "bool",
    "i32",
    "i64",
    "u32",
    "u64",
    "f64",
    "string",
    "bytes",
    "timestamp",
    "any",
];

/// Every parsed file of a compilation, with lookup tables.
#[derive(Debug, Clone, Default)]
pub struct Program {
    /// Every loaded file's text, for rendering diagnostics.
    pub sources: SourceMap,
    /// Parsed files, indexed by [`FileId`]; `None` for a file that failed to parse or read.
    pub files: Vec<Option<ParsedFile>>,
    /// Full name (`pkg.Name` or `Name`) → definitions with that name (more than one is an error
    /// reported by `check_duplicate_names`).
    by_full_name: HashMap<String, Vec<DefId>>,
    /// Type name → the first item declaring it in each file that declares it, in file order: a
    /// lookup is one hash probe, then a filter over the few files declaring the name (programs of
    /// 20,000 types look names up ~100,000 times; a probe per visible file was a tenth of
    /// `generate --target openapi` at that size, and grew faster than the program).
    by_name: HashMap<String, Vec<DefId>>,
    /// What each named type reference resolved to, by file and [`NameSlot`]: every reference is
    /// looked up once, here, and the checks and lowering, which resolve most references several
    /// times, index this instead. A probe of `by_name` reads a bucket, a key and a list of
    /// definitions, far apart in memory: at 20,000 types that was 133 ns a lookup against 47 ns
    /// at 2,000, the largest single part of the growth beyond 10x (issue 17). The slots are
    /// numbered in the order the parser met the names, which is the order most checks walk them.
    resolved: Vec<Vec<Resolved>>,
    /// Where each file's items start in one numbering of every item ([`Program::item_index`]).
    item_base: Vec<usize>,
}

/// A [`Lookup`] as kept in [`Program::resolved`]: small and `Copy`.
#[derive(Debug, Clone, Copy)]
enum Resolved {
    Builtin(&'static str),
    Def(DefId),
    NotFound,
    /// Ambiguous (an error, so rare: its definitions are looked up again when asked), or a slot
    /// the walk did not reach.
    Again,
}

/// What a name lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A built-in type (`string`, `i32`, ...).
    Builtin(&'static str),
    /// A declared type, service or topic.
    Def(DefId),
    /// Nothing of that name is visible.
    NotFound,
    /// Several visible definitions have that name.
    Ambiguous(Vec<DefId>),
}

impl Program {
    /// Builds the lookup tables once every file is loaded.
    pub fn new(sources: SourceMap, files: Vec<Option<ParsedFile>>) -> Self {
        let mut by_full_name: HashMap<String, Vec<DefId>> = HashMap::default();
        for f in files.iter().flatten() {
            for (i, item) in f.ast.items.iter().enumerate() {
                if matches!(item.kind, ItemKind::Topic(_) | ItemKind::Service(_)) {
                    continue;
                }
                by_full_name
                    .entry(full_name(f.package.as_deref(), &item.name().name))
                    .or_default()
                    .push(DefId {
                        file: f.id,
                        item: i,
                    });
            }
        }
        let mut by_name: HashMap<String, Vec<DefId>> = HashMap::default();
        for f in files.iter().flatten() {
            for (i, it) in f.ast.items.iter().enumerate() {
                if !is_type(it) {
                    continue;
                }
                let defs = by_name.entry(it.name().name.clone()).or_default();
                // The first item of a file with the name (a duplicate is reported elsewhere).
                if defs.last().is_none_or(|d| d.file != f.id) {
                    defs.push(DefId {
                        file: f.id,
                        item: i,
                    });
                }
            }
        }
        let mut item_base = Vec::with_capacity(files.len() + 1);
        let mut items = 0;
        for f in &files {
            item_base.push(items);
            items += f.as_ref().map_or(0, |f| f.ast.items.len());
        }
        item_base.push(items);
        let mut program = Program {
            sources,
            files,
            by_full_name,
            by_name,
            resolved: Vec::new(),
            item_base,
        };
        program.resolved = program
            .files
            .iter()
            .map(|f| {
                f.as_ref()
                    .map_or_else(Vec::new, |f| program.resolve_file(f))
            })
            .collect();
        program
    }

    /// Looks up every named type reference of `file`, indexed by its [`NameSlot`].
    fn resolve_file(&self, file: &ParsedFile) -> Vec<Resolved> {
        fn walk(t: &TypeRef, visit: &mut impl FnMut(&ast::Path, NameSlot)) {
            match t {
                TypeRef::Named(p, slot) => visit(p, *slot),
                TypeRef::Generic { args, .. } => args.iter().for_each(|a| walk(a, visit)),
            }
        }
        let mut table = Vec::new();
        let mut visit = |name: &ast::Path, slot: NameSlot| {
            let slot = slot as usize;
            if table.len() <= slot {
                table.resize(slot + 1, Resolved::Again);
            }
            table[slot] = match self.lookup(file.id, &name.name) {
                Lookup::Builtin(b) => Resolved::Builtin(b),
                Lookup::Def(d) => Resolved::Def(d),
                Lookup::NotFound => Resolved::NotFound,
                Lookup::Ambiguous(_) => Resolved::Again,
            };
        };
        for item in &file.ast.items {
            match &item.kind {
                ItemKind::Struct(s) | ItemKind::Union(s) => {
                    s.fields().for_each(|f| walk(&f.ty, &mut visit))
                }
                ItemKind::Error(e) => {
                    if let Some(b) = &e.body {
                        b.fields().for_each(|f| walk(&f.ty, &mut visit));
                    }
                }
                ItemKind::Enum(_) => {}
                ItemKind::Service(s) => {
                    for rpc in &s.rpcs {
                        match &rpc.input {
                            ast::RpcInput::None => {}
                            ast::RpcInput::Message(t) => walk(t, &mut visit),
                            ast::RpcInput::Params(ps) => {
                                ps.iter().for_each(|p| walk(&p.ty, &mut visit))
                            }
                        }
                        if let Some(o) = &rpc.output {
                            walk(o, &mut visit);
                        }
                    }
                }
                ItemKind::Topic(t) => {
                    for p in &t.props {
                        if let ast::TopicPropKind::KeyType(t) | ast::TopicPropKind::Value(t) =
                            &p.kind
                        {
                            walk(t, &mut visit);
                        }
                    }
                }
            }
        }
        table
    }

    /// What the type name `name`, written in file `from` with slot `slot`, refers to: the answer
    /// [`Program::lookup`] gives, looked up once when the program was built.
    pub fn resolve(&self, from: FileId, name: &ast::Path, slot: NameSlot) -> Lookup {
        let found = self.resolved.get(from).and_then(|r| r.get(slot as usize));
        match found {
            Some(Resolved::Builtin(b)) => Lookup::Builtin(b),
            Some(Resolved::Def(d)) => Lookup::Def(*d),
            Some(Resolved::NotFound) => Lookup::NotFound,
            Some(Resolved::Again) | None => self.lookup(from, &name.name),
        }
    }

    /// The parsed files that loaded, in load order.
    pub fn parsed(&self) -> impl Iterator<Item = &ParsedFile> {
        self.files.iter().flatten()
    }

    /// The item a [`DefId`] names.
    pub fn item(&self, def: DefId) -> &Item {
        // DefIds are only created from loaded files' item lists, so both indexes exist.
        &self.files[def.file]
            .as_ref()
            .expect("DefId points at a loaded file")
            .ast
            .items[def.item]
    }

    /// The package of the file a definition is in.
    pub fn package_of(&self, def: DefId) -> Option<&str> {
        self.files[def.file].as_ref()?.package.as_deref()
    }

    /// A definition's place among every item of every loaded file, in load order: below
    /// [`Program::item_count`], so a `Vec` indexed by it can stand for a map keyed by [`DefId`]
    /// (no hashing, and nearly in sequence when the items are visited in order).
    pub fn item_index(&self, def: DefId) -> usize {
        self.item_base[def.file] + def.item
    }

    /// How many items the loaded files declare.
    pub fn item_count(&self) -> usize {
        self.item_base.last().copied().unwrap_or(0)
    }

    /// `pkg.Name` of a definition.
    pub fn full_name(&self, def: DefId) -> String {
        full_name(self.package_of(def), &self.item(def).name().name)
    }

    /// Looks a type name up as seen from `from`.
    pub fn lookup(&self, from: FileId, name: &str) -> Lookup {
        if let Some(b) = BUILTINS.iter().find(|b| **b == name) {
            return Lookup::Builtin(b);
        }
        let Some(file) = self.files.get(from).and_then(Option::as_ref) else {
            return Lookup::NotFound;
        };
        if name.contains('.') {
            return match self.by_full_name.get(name).map(Vec::as_slice) {
                Some([one]) => Lookup::Def(*one),
                Some([first, ..]) => Lookup::Def(*first),
                _ => Lookup::NotFound,
            };
        }
        let declared = self.by_name.get(name).map_or(&[][..], Vec::as_slice);
        let in_file = |id: FileId| declared.iter().find(|d| d.file == id).copied();
        if let Some(def) = in_file(from) {
            return Lookup::Def(def);
        }
        let mut found: Vec<DefId> = Vec::new();
        if !declared.is_empty() {
            for (imp, _) in &file.imports {
                if let Some(def) = in_file(*imp)
                    && !found.contains(&def)
                {
                    found.push(def);
                }
            }
        }
        match found.len() {
            0 => Lookup::NotFound,
            1 => Lookup::Def(found[0]),
            _ => Lookup::Ambiguous(found),
        }
    }

    /// The first type declared with the full name `full` (`pkg.Name`, or `Name` outside a
    /// package), whatever file it is in.
    pub fn type_by_full_name(&self, full: &str) -> Option<DefId> {
        self.by_full_name.get(full)?.first().copied()
    }

    /// Every definition that shares a full name with another (for the duplicate check).
    pub fn duplicate_definitions(&self) -> Vec<Vec<DefId>> {
        let mut dups: Vec<Vec<DefId>> = self
            .by_full_name
            .values()
            .filter(|v| v.len() > 1)
            .cloned()
            .collect();
        dups.sort();
        dups
    }

    /// Type names similar to `name` visible from `from`, for "did you mean" help.
    pub fn suggest(&self, from: FileId, name: &str) -> Option<String> {
        let mut candidates: Vec<String> = BUILTINS.iter().map(|s| s.to_string()).collect();
        if let Some(f) = self.files.get(from).and_then(Option::as_ref) {
            let mut visible = vec![from];
            visible.extend(f.imports.iter().map(|(i, _)| *i));
            for id in visible {
                if let Some(g) = self.files.get(id).and_then(Option::as_ref) {
                    candidates.extend(
                        g.ast
                            .items
                            .iter()
                            .filter(|it| is_type(it))
                            .map(|it| it.name().name.clone()),
                    );
                }
            }
        }
        closest(name, candidates.iter().map(String::as_str))
    }
}

/// True for items that define a type (not services or topics).
pub fn is_type(item: &Item) -> bool {
    !matches!(item.kind, ItemKind::Service(_) | ItemKind::Topic(_))
}

/// `pkg.Name`, or `Name` without a package.
pub fn full_name(package: Option<&str>, name: &str) -> String {
    match package {
        // Pushed, not `format!`ed: the emitters ask for a type's full name at every reference
        // to it (4% of `generate --target openapi` went through the formatting machinery).
        Some(p) => {
            let mut full = String::with_capacity(p.len() + 1 + name.len());
            full.push_str(p);
            full.push('.');
            full.push_str(name);
            full
        }
        None => name.to_string(),
    }
}

/// The candidate closest to `name` by edit distance, if close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    candidates
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        // A third of the length: `Strin` finds `string`, but `C` does not "find" `A`.
        .filter(|(d, c)| *d <= c.len().max(name.len()) / 3)
        .min()
        .map(|(_, c)| c.to_string())
}

/// Levenshtein distance, bounded to short names (longer inputs just compare unequal).
fn edit_distance(a: &str, b: &str) -> usize {
    if a.len() > 64 || b.len() > 64 {
        return usize::from(a != b) * a.len().max(b.len());
    }
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A diagnostic for a name that did not resolve; shared by every check that resolves names.
pub fn unknown_type(program: &Program, from: FileId, name: &ast::Ident) -> Diagnostic {
    let mut d = Diagnostic::error("E0100", format!("unknown type `{}`", name.name), name.span)
        .with_label("not defined or imported");
    if let Some(s) = program.suggest(from, &name.name) {
        d = d.with_help(format!("did you mean `{s}`?"));
    } else {
        d = d.with_help("declare it, or import the file that does");
    }
    d
}
