//! Source files and byte spans into them.
//!
//! Architecture invariant: only the driver reads files; everything downstream works on the text
//! held here, so tests can compile from strings.

use std::path::{Path, PathBuf};

/// Index of a file in a [`SourceMap`].
pub type FileId = usize;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// The file the span is in.
    pub file: FileId,
    /// The first byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span in `file` covering `start..end`.
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span { file, start, end }
    }
}

/// One loaded source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics (the path as given, or as found through an import).
    pub name: String,
    /// Where it was read from, for resolving its own imports; `None` for in-memory sources.
    pub path: Option<PathBuf>,
    /// The text. Invalid UTF-8 is replaced (and reported) when the file is read.
    pub text: String,
}

/// Every source file of one compilation.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, path: Option<PathBuf>, text: String) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            path,
            text,
        });
        self.files.len() - 1
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    /// All files, in load order.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The id of an already loaded path, if any.
    pub fn find_path(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path.as_deref() == Some(path))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: usize) -> (usize, usize) {
        let text = &self.files[file].text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = text[line_start..offset].chars().count() + 1;
        (line, col)
    }

    /// The text a span covers (empty when the span is not on character boundaries).
    pub fn slice(&self, span: Span) -> &str {
        self.files[span.file]
            .text
            .get(span.start..span.end)
            .unwrap_or("")
    }
}

/// The largest char boundary at or below `i`.
pub(crate) fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
