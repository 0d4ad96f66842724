//! The driver: reads files (the only module that touches the file system), follows imports,
//! and runs parse → check → lower.
//!
//! Architecture invariant: everything after [`load`] is a pure function of the [`Program`], so the
//! same input always gives the same diagnostics and the same IR.

mod ahead;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::ir::Ir;
use crate::program::{ParsedFile, Program};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax;

/// The largest source file accepted; bigger ones are refused with a diagnostic, not read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Where files come from. The real file system in the CLI and Builder; a map in tests.
pub trait FileSystem {
    /// Reads a file's bytes.
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    /// A canonical form of the path, used to load each file once.
    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf>;
}

/// The operating system's file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFs;

impl FileSystem for RealFs {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        use std::io::Read as _;
        let meta = std::fs::metadata(path)?;
        // Devices, FIFOs and folders have no useful length and may never end (`/dev/zero`).
        if !meta.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        let too_big = || {
            std::io::Error::other(format!(
                "file is larger than the limit of {MAX_FILE_BYTES} bytes"
            ))
        };
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_big());
        }
        // The file may grow between `metadata` and the read: never read past the limit.
        let mut bytes = Vec::new();
        std::fs::File::open(path)?
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_big());
        }
        Ok(bytes)
    }

    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// In-memory files, for tests and for compiling IDL held in strings.
#[derive(Debug, Default, Clone)]
pub struct MemoryFs {
    files: std::collections::BTreeMap<PathBuf, Vec<u8>>,
}

impl MemoryFs {
    /// An empty file system.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> &mut Self {
        self.files.insert(normalize(&path.into()), contents.into());
        self
    }
}

impl FileSystem for MemoryFs {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }

    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        let p = normalize(path);
        if self.files.contains_key(&p) {
            Ok(p)
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file",
            ))
        }
    }
}

/// Removes `.` and folds `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Options for a compilation.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Folders searched for imports after the importing file's own folder.
    pub include_dirs: Vec<PathBuf>,
}

/// The result of compiling: the sources (for rendering), every diagnostic, and the IR when there
/// was no error.
#[derive(Debug)]
pub struct Compilation {
    /// The loaded files, their ASTs and name lookup (what the checks read).
    pub program: Program,
    /// Every diagnostic of every file, errors and warnings.
    pub diagnostics: Diagnostics,
    /// The IR, when no diagnostic is an error.
    pub ir: Option<Ir>,
}

impl Compilation {
    /// The diagnostics rendered like rustc.
    pub fn render_diagnostics(&self) -> String {
        crate::diagnostics::render(&self.program.sources, &self.diagnostics)
    }

    /// Every file that was read, imports included (for `cargo:rerun-if-changed`).
    pub fn files_read(&self) -> Vec<PathBuf> {
        self.program
            .sources
            .files()
            .iter()
            .filter_map(|f| f.path.clone())
            .collect()
    }
}

/// Compiles root files (and everything they import) from the real file system.
pub fn compile(roots: &[PathBuf], options: &Options) -> Compilation {
    compile_with(&RealFs, roots, options)
}

/// Compiles from any [`FileSystem`].
pub fn compile_with(fs: &dyn FileSystem, roots: &[PathBuf], options: &Options) -> Compilation {
    let (program, mut diagnostics) = load(fs, roots, options);
    diagnostics.append(crate::check::run(&program));
    let ir = if diagnostics.has_errors() {
        None
    } else {
        Some(crate::lower::lower(&program))
    };
    Compilation {
        program,
        diagnostics,
        ir,
    }
}

/// Loads and checks, without building the IR: what `rosetta check` needs.
pub fn check(roots: &[PathBuf], options: &Options) -> Compilation {
    let (program, mut diagnostics) = load(&RealFs, roots, options);
    diagnostics.append(crate::check::run(&program));
    Compilation {
        program,
        diagnostics,
        ir: None,
    }
}

/// Compiles one in-memory source (no imports), for tests and examples.
pub fn compile_str(name: &str, text: &str) -> Compilation {
    let mut fs = MemoryFs::new();
    fs.insert(name, text.as_bytes().to_vec());
    compile_with(&fs, &[PathBuf::from(name)], &Options::default())
}

/// Reads and parses the roots and, transitively, their imports.
pub fn load(fs: &dyn FileSystem, roots: &[PathBuf], options: &Options) -> (Program, Diagnostics) {
    let mut loader = Loader {
        fs,
        options,
        sources: SourceMap::new(),
        files: Vec::new(),
        diagnostics: Diagnostics::default(),
        ahead: ahead::parse_ahead(fs, roots, options),
    };
    for root in roots {
        match fs.canonicalize(root) {
            Ok(canon) => {
                let id = loader.load_file(root.display().to_string(), canon, None);
                if let Some(Some(f)) = loader.files.get_mut(id) {
                    f.is_root = true;
                }
            }
            Err(e) => loader.diagnostics.push(Diagnostic::error_without_span(
                "E0004",
                format!("cannot read `{}`: {e}", root.display()),
            )),
        }
    }
    let Loader {
        sources,
        files,
        mut diagnostics,
        ..
    } = loader;
    let program = Program::new(sources, files);
    diagnostics.extend(check_import_cycles(&program));
    (program, diagnostics)
}

struct Loader<'a> {
    fs: &'a dyn FileSystem,
    options: &'a Options,
    sources: SourceMap,
    files: Vec<Option<ParsedFile>>,
    diagnostics: Diagnostics,
    /// Files read and parsed ahead, on several threads ([`ahead`]), by canonical path.
    ahead: HashMap<PathBuf, ahead::Ahead>,
}

impl Loader<'_> {
    /// Loads a file once (by canonical path) and its imports; returns its id. `from` is the
    /// `import` that asked for it, to point at when it cannot be read.
    fn load_file(&mut self, display: String, canon: PathBuf, from: Option<Span>) -> FileId {
        if let Some(id) = self.sources.find_path(&canon) {
            return id;
        }
        let (read, ahead) = match self.ahead.remove(&canon) {
            Some(a) => (Ok(a.text.into_bytes()), Some((a.id, a.parsed))),
            None => (self.fs.read(&canon), None),
        };
        let bytes = match read {
            Ok(b) => b,
            Err(e) => {
                let id = self
                    .sources
                    .add(display.clone(), Some(canon), String::new());
                self.files.push(None);
                let message = format!("cannot read `{display}`: {e}");
                self.diagnostics.push(match from {
                    Some(span) => {
                        Diagnostic::error("E0004", message, span).with_label("imported here")
                    }
                    None => Diagnostic::error_without_span("E0004", message),
                });
                return id;
            }
        };
        let (text, bad_utf8) = match String::from_utf8(bytes) {
            Ok(t) => (t, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
            }
        };
        let id = self.sources.add(display, Some(canon.clone()), text);
        self.files.push(None);
        if let Some(at) = bad_utf8 {
            // The lossy text keeps every byte before `at` unchanged, so the offset is valid in it.
            self.diagnostics.push(
                Diagnostic::error(
                    "E0002",
                    "file is not valid UTF-8",
                    Span::new(id, at, at + 1),
                )
                .with_label("invalid byte here")
                .with_help("IDL files are UTF-8 text; re-save the file as UTF-8"),
            );
            return id;
        }
        // Parsed ahead under this very id, the same parse (see `ahead`); else parsed here.
        let parsed = match ahead {
            Some((ahead_id, parsed)) if ahead_id == id => parsed,
            _ => syntax::parse(id, &self.sources.get(id).text),
        };
        let ast = match parsed {
            Ok(ast) => ast,
            Err(d) => {
                self.diagnostics.push(*d);
                return id;
            }
        };
        let package = ast.package.as_ref().map(|p| p.name.name.clone());
        let mut imports = Vec::new();
        let dir = canon.parent().map(Path::to_path_buf).unwrap_or_default();
        for imp in &ast.imports {
            let wanted = PathBuf::from(&imp.path.value);
            let mut candidates = vec![dir.join(&wanted)];
            candidates.extend(self.options.include_dirs.iter().map(|d| d.join(&wanted)));
            match candidates.iter().find_map(|c| self.fs.canonicalize(c).ok()) {
                Some(found) => {
                    let shown = display_path(&self.sources.get(id).name, &imp.path.value);
                    let child = self.load_file(shown, found, Some(imp.path.span));
                    imports.push((child, imp.span));
                }
                None => self.diagnostics.push(
                    Diagnostic::error(
                        "E0106",
                        format!("import `{}` not found", imp.path.value),
                        imp.path.span,
                    )
                    .with_label("no such file")
                    .with_help(format!(
                        "paths are relative to the importing file's folder{}",
                        if self.options.include_dirs.is_empty() {
                            String::new()
                        } else {
                            " and then to each include folder".to_string()
                        }
                    )),
                ),
            }
        }
        self.files[id] = Some(ParsedFile {
            id,
            ast,
            package,
            imports,
            is_root: false,
        });
        id
    }
}

/// The name an imported file is shown under: beside its importer, as users wrote it.
fn display_path(importer: &str, imported: &str) -> String {
    match Path::new(importer).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            normalize(&dir.join(imported)).display().to_string()
        }
        _ => imported.to_string(),
    }
}

/// E0107: an import cycle. Reported once per cycle, at the import that closes it.
fn check_import_cycles(program: &Program) -> Vec<Diagnostic> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let n = program.files.len();
    let mut marks = vec![Mark::New; n];
    let mut out = Vec::new();
    // Iterative DFS: the import graph comes from user input and may be long.
    for start in 0..n {
        if marks[start] != Mark::New {
            continue;
        }
        let mut stack: Vec<(FileId, usize)> = vec![(start, 0)];
        marks[start] = Mark::Active;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let imports = program.files[node]
                .as_ref()
                .map(|f| f.imports.as_slice())
                .unwrap_or(&[]);
            if let Some(&(child, span)) = imports.get(*next) {
                *next += 1;
                match marks[child] {
                    Mark::New => {
                        marks[child] = Mark::Active;
                        stack.push((child, 0));
                    }
                    Mark::Active => {
                        let pos = stack.iter().position(|(f, _)| *f == child).unwrap_or(0);
                        let mut chain: Vec<String> = stack[pos..]
                            .iter()
                            .map(|(f, _)| program.sources.get(*f).name.clone())
                            .collect();
                        chain.push(program.sources.get(child).name.clone());
                        out.push(
                            Diagnostic::error(
                                "E0107",
                                format!("import cycle: {}", chain.join(" -> ")),
                                span,
                            )
                            .with_label("this import closes the cycle")
                            .with_help("move the shared declarations into a file both can import"),
                        );
                    }
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles in-memory files, every one a root, in the order given.
    fn compile_files(files: &[(&str, &str)]) -> Compilation {
        let mut fs = MemoryFs::new();
        for (name, text) in files {
            fs.insert(*name, text.as_bytes().to_vec());
        }
        let roots: Vec<PathBuf> = files.iter().map(|(name, _)| PathBuf::from(name)).collect();
        compile_with(&fs, &roots, &Options::default())
    }

    /// The files of a compilation, in id order.
    fn file_names(c: &Compilation) -> Vec<&str> {
        let files = c.program.sources.files();
        files.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn a_wrong_guess_when_parsing_ahead_changes_nothing() {
        // The scan of `root.idl` stops at the escape, so `b.idl` is parsed ahead under id 1, but
        // the walk gives `a.idl` id 1 and `b.idl` id 2: `b.idl` is parsed again, and its
        // diagnostic points into it.
        let c = compile_files(&[
            (
                "root.idl",
                "import \"\\u{61}.idl\";\nstruct R { a: A = 1; }\n",
            ),
            ("b.idl", "struct B {\n  x: Missing = 1;\n}\n"),
            ("a.idl", "struct A { n: i32 = 1; }\n"),
        ]);
        assert_eq!(file_names(&c), ["root.idl", "a.idl", "b.idl"]);
        let rendered = c.render_diagnostics();
        assert!(rendered.contains("b.idl:2:"), "{rendered}");
        assert!(rendered.contains("Missing"), "{rendered}");
        assert_eq!(c.diagnostics.sorted().len(), 1, "{rendered}");
    }

    #[test]
    fn files_parsed_ahead_keep_the_walks_ids() {
        let c = compile_files(&[
            (
                "root.idl",
                "package p;\nimport \"a.idl\";\nimport \"b.idl\";\n",
            ),
            ("b.idl", "package p;\nstruct B {\n  x: Missing = 1;\n}\n"),
            (
                "a.idl",
                "package p;\nimport \"b.idl\";\nstruct A { b: B = 1; }\n",
            ),
        ]);
        assert_eq!(file_names(&c), ["root.idl", "a.idl", "b.idl"]);
        let rendered = c.render_diagnostics();
        assert!(rendered.contains("b.idl:3:"), "{rendered}");
    }
}
