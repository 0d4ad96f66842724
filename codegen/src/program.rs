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
use crate::syntax::ast::{self, Item, ItemKind};

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
        Program {
            sources,
            files,
            by_full_name,
            by_name,
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
        Some(p) => format!("{p}.{name}"),
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
