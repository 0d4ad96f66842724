//! Parsing ahead: the files a load will read are parsed on several threads before the
//! depth-first walk of [`super::load`] numbers them, each under the id that walk is predicted to
//! give it.
//!
//! Why: parsing (pest) was a quarter of `rosetta generate --target rust` on a 2,000-type API, all
//! on one thread before anything else could start. The walk cannot simply be parallel: a file's
//! id (which every span of its syntax tree carries, and which orders the files for the checks
//! and the output) is its place in depth-first order, known only once the files before it and
//! their imports are. So the imports are predicted by a scan of each file's head (the `package`
//! line and the `import` lines, no parse), the walk is simulated with them, and every file is
//! parsed under its predicted id. The real walk takes a parse only when the id it gives the file
//! is the one predicted, and parses the file itself otherwise: a parse is a pure function of the
//! id and the text, so a wrong prediction costs time, never a different result.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{FileSystem, Options};
use crate::diagnostics::Diagnostic;
use crate::source::FileId;
use crate::syntax::{self, ast};

/// What [`syntax::parse`] gives: the file's syntax tree, or its one diagnostic.
type Parse = Result<ast::File, Box<Diagnostic>>;

/// A file read and parsed ahead.
pub(super) struct Ahead {
    /// The id the walk was predicted to give the file.
    pub id: FileId,
    /// The file's text (valid UTF-8: other files are left to the walk).
    pub text: String,
    /// What [`syntax::parse`] gave under `id`.
    pub parsed: Parse,
}

/// Reads the files a load of `roots` is predicted to read and parses them on up to
/// `available_parallelism` threads, by canonical path.
pub(super) fn parse_ahead(
    fs: &dyn FileSystem,
    roots: &[PathBuf],
    options: &Options,
) -> HashMap<PathBuf, Ahead> {
    let mut walk = Walk {
        fs,
        options,
        ids: HashMap::new(),
        files: Vec::new(),
    };
    for root in roots {
        if let Ok(canon) = fs.canonicalize(root) {
            walk.visit(canon);
        }
    }
    let files = walk.files;
    // One file or one core: one thread, so the walk still reads each file once.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len())
        .max(1);
    // Largest first, each thread taking the next: the threads finish close together.
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(files[i].2.len()));
    let next = AtomicUsize::new(0);
    let parsed: Mutex<Vec<Option<Parse>>> = Mutex::new((0..files.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (_, id, text) = &files[i];
                    let result = syntax::parse(*id, text);
                    if let Ok(mut slots) = parsed.lock() {
                        slots[i] = Some(result);
                    }
                }
            });
        }
    });
    let parsed = parsed.into_inner().unwrap_or_default();
    files
        .into_iter()
        .zip(parsed)
        .filter_map(|((canon, id, text), parsed)| {
            Some((
                canon,
                Ahead {
                    id,
                    text,
                    parsed: parsed?,
                },
            ))
        })
        .collect()
}

/// The simulated walk: the same order, resolution and numbering as `Loader::load_file`, with
/// the imports from [`scan_imports`].
struct Walk<'a> {
    fs: &'a dyn FileSystem,
    options: &'a Options,
    /// Every canonical path met, with the id it takes (unreadable files take one too).
    ids: HashMap<PathBuf, FileId>,
    /// The readable UTF-8 files: canonical path, predicted id, text.
    files: Vec<(PathBuf, FileId, String)>,
}

impl Walk<'_> {
    fn visit(&mut self, canon: PathBuf) {
        if self.ids.contains_key(&canon) {
            return;
        }
        let id = self.ids.len();
        self.ids.insert(canon.clone(), id);
        let Some(text) = self
            .fs
            .read(&canon)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
        else {
            return;
        };
        let dir = canon.parent().map(Path::to_path_buf).unwrap_or_default();
        let imports = scan_imports(&text);
        self.files.push((canon, id, text));
        for wanted in imports {
            let mut candidates = vec![dir.join(&wanted)];
            candidates.extend(self.options.include_dirs.iter().map(|d| d.join(&wanted)));
            if let Some(found) = candidates.iter().find_map(|c| self.fs.canonicalize(c).ok()) {
                self.visit(found);
            }
        }
    }
}

/// The paths of the `import` lines at the head of `text`, as the grammar reads them when the
/// file is well formed: trivia and `///` lines skipped, an optional `package …;`, then
/// `import "…";` until anything else. A path with an escape ends the scan (a rare spelling the
/// walk resolves on its own).
fn scan_imports(text: &str) -> Vec<String> {
    fn trivia(mut s: &str) -> &str {
        loop {
            s = s.trim_start_matches([' ', '\t', '\r', '\n', '\u{FEFF}']);
            match s.strip_prefix("//") {
                Some(comment) => s = comment.find('\n').map_or("", |end| &comment[end..]),
                None => return s,
            }
        }
    }
    let mut out = Vec::new();
    let mut rest = trivia(text);
    if let Some(package) = rest.strip_prefix("package") {
        match package.find(';') {
            Some(end) => rest = trivia(&package[end + 1..]),
            None => return out,
        }
    }
    while let Some(import) = rest.strip_prefix("import") {
        let Some(quoted) = trivia(import).strip_prefix('"') else {
            break;
        };
        let Some(end) = quoted.find(['"', '\\']) else {
            break;
        };
        if quoted[end..].starts_with('\\') {
            break;
        }
        out.push(quoted[..end].to_string());
        let Some(after) = trivia(&quoted[end + 1..]).strip_prefix(';') else {
            break;
        };
        rest = trivia(after);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::scan_imports;

    #[test]
    fn the_head_of_a_file_gives_its_imports() {
        let text = "// comment\n/// The package.\npackage shop.v1;\n\nimport \"a.idl\";\n  import\"b/c.idl\" ; // why\nimport \"d.idl\";\nstruct X {}\nimport \"late.idl\";";
        assert_eq!(scan_imports(text), ["a.idl", "b/c.idl", "d.idl"]);
        assert_eq!(scan_imports("import \"x.idl\";"), ["x.idl"]);
        assert_eq!(
            scan_imports("import \"e\\\"scaped.idl\";"),
            Vec::<String>::new()
        );
        assert_eq!(scan_imports("package p"), Vec::<String>::new());
    }
}
