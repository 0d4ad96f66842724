//! Diagnostics: a stable code, a message, a primary span, labels and help — rendered like rustc.
//!
//! Every stage collects diagnostics instead of stopping at the first one (serde_derive's `Ctxt`
//! habit); the renderer uses `codespan-reporting` with ASCII characters so the output reads
//! `--> file.idl:12:7` with the source line and a caret.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files;
use codespan_reporting::term::{self, Chars, Config};

use crate::source::{SourceMap, Span};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported; generation goes on.
    Warning,
    /// Stops the compilation: no IR is built.
    Error,
}

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code such as `E0102`; see [`crate::check::CODES`].
    pub code: &'static str,
    /// What is wrong, in one sentence (no location: the span says where).
    pub message: String,
    /// The primary location, with an optional label under the caret.
    pub span: Option<Span>,
    /// Text under the primary span's caret (may be empty).
    pub label: String,
    /// Other places worth pointing at (the first definition of a duplicate, say).
    pub secondary: Vec<(Span, String)>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with a code, a message and a primary span.
    pub fn error(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: Some(span),
            label: String::new(),
            secondary: Vec::new(),
            help: None,
        }
    }

    /// A warning with a code, a message and a primary span.
    pub fn warning(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(code, message, span)
        }
    }

    /// An error that has no place in a file (a missing input file, say).
    pub fn error_without_span(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            span: None,
            ..Self::error(code, message, Span::default())
        }
    }

    /// Sets the text under the primary caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Points at a second place.
    pub fn with_secondary(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push((span, label.into()));
        self
    }

    /// Adds advice.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for errors (warnings do not fail a compilation).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Diagnostics gathered by a stage.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records one.
    pub fn push(&mut self, d: Diagnostic) {
        self.list.push(d);
    }

    /// True when any error (not warning) was recorded.
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }

    /// All recorded diagnostics, in source order (file, then position), errors and warnings mixed.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut v = self.list.clone();
        v.sort_by_key(|d| (d.span.map(|s| (s.file, s.start)), d.code));
        v.dedup();
        v
    }

    /// Number recorded.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Appends another stage's diagnostics.
    pub fn append(&mut self, other: Diagnostics) {
        self.list.extend(other.list);
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<T: IntoIterator<Item = Diagnostic>>(&mut self, iter: T) {
        self.list.extend(iter);
    }
}

/// Lines longer than this (in bytes) are shown clipped around the spans on them, so a
/// diagnostic's text never grows with the length of its line.
const MAX_LINE: usize = 160;
/// Bytes of context kept on each side of a span on a clipped line.
const CONTEXT: usize = 48;
/// How many diagnostics of one code are rendered in full; the rest are counted in one line, so
/// one mistake repeated on every line cannot bury the others.
pub const MAX_PER_CODE: usize = 20;

/// Renders diagnostics as rustc-style text (no colour), in source order.
///
/// The output is linear in the number of diagnostics shown, whatever the length of the lines
/// they point into: long lines are clipped around the spans (`...` marks what was left out) and
/// at most [`MAX_PER_CODE`] diagnostics of each code are shown, followed by a count of the rest.
pub fn render(sources: &SourceMap, diagnostics: &Diagnostics) -> String {
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    // Line starts of each file, computed once (not per diagnostic).
    let mut line_starts: Vec<Option<Vec<usize>>> = vec![None; sources.files().len()];
    let mut shown: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let mut hidden: std::collections::BTreeMap<&'static str, (usize, Severity)> =
        Default::default();
    let mut out = String::new();
    for d in diagnostics.sorted() {
        let count = shown.entry(d.code).or_default();
        if *count >= MAX_PER_CODE {
            let h = hidden.entry(d.code).or_insert((0, d.severity));
            h.0 += 1;
            h.1 = h.1.max(d.severity);
            continue;
        }
        *count += 1;
        let mut cs = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_code(d.code)
        .with_message(&d.message);
        let mut spans: Vec<(Span, &str, bool)> = Vec::new();
        if let Some(span) = d.span {
            spans.push((span, &d.label, true));
        }
        for (span, msg) in &d.secondary {
            spans.push((*span, msg, false));
        }
        let view = View::new(sources, &mut line_starts, &spans);
        let labels = spans
            .iter()
            .enumerate()
            .map(|(i, (_, msg, primary))| {
                let (file, range) = view.labels[i].clone();
                if *primary {
                    Label::primary(file, range).with_message(*msg)
                } else {
                    Label::secondary(file, range).with_message(*msg)
                }
            })
            .collect();
        cs = cs.with_labels(labels);
        if let Some(help) = &d.help {
            cs = cs.with_notes(vec![format!("help: {help}")]);
        }
        let mut buf = String::new();
        // Writing to a String cannot fail; a renderer error would only mean a bad span, which
        // the view rules out, so fall back to the bare message rather than panic.
        if term::emit_to_string(&mut buf, &config, &view, &cs).is_err() {
            buf = format!("error[{}]: {}\n", d.code, d.message);
        }
        out.push_str(&buf);
    }
    for (code, (n, severity)) in hidden {
        let kind = match severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let plural = if n == 1 { "" } else { "s" };
        out.push_str(&format!(
            "note: and {n} more {kind}{plural} [{code}] like the above, not shown\n\n"
        ));
    }
    out
}

/// The source a single diagnostic needs, as codespan reads it: only the lines its labels touch
/// (every line of a multi-line label, and a line alone between two of them), each clipped to
/// windows around the label ends when it is longer than [`MAX_LINE`]. Line numbers and columns
/// are reported as in the real file. Building it costs the lines shown, not the file.
struct View<'a> {
    /// Per file id: the file's name and its lines in this view.
    files: Vec<Option<ViewFile<'a>>>,
    /// Each label's file and byte range in its view text.
    labels: Vec<(usize, std::ops::Range<usize>)>,
}

struct ViewFile<'a> {
    name: &'a str,
    text: String,
    /// Real line index -> the line in `text`.
    lines: std::collections::BTreeMap<usize, ViewLine>,
}

struct ViewLine {
    /// Where the line is in the view text (without its newline).
    range: std::ops::Range<usize>,
    /// The pieces of the real line it shows, in order.
    segments: Vec<Segment>,
}

/// A piece of a real line copied into the view text.
struct Segment {
    /// Byte offset in the real file.
    real: usize,
    /// Byte offset in the view text.
    view: usize,
    len: usize,
    /// 0-based column (in characters) of the piece's first character in the real line.
    column: usize,
}

impl<'a> View<'a> {
    fn new(
        sources: &'a SourceMap,
        line_starts: &mut [Option<Vec<usize>>],
        spans: &[(Span, &str, bool)],
    ) -> Self {
        let mut files: Vec<Option<ViewFile<'a>>> =
            (0..sources.files().len()).map(|_| None).collect();
        // Per file: real line index -> byte offsets (from the line start) that must stay visible.
        let mut wanted: std::collections::BTreeMap<
            usize,
            std::collections::BTreeMap<usize, Vec<usize>>,
        > = Default::default();
        let mut clamped = Vec::new();
        for (span, _, _) in spans {
            let Some(text) = sources.files().get(span.file).map(|f| f.text.as_str()) else {
                clamped.push(None);
                continue;
            };
            let starts = line_starts[span.file].get_or_insert_with(|| {
                std::iter::once(0)
                    .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                    .collect()
            });
            let r = clamp(text, *span);
            let line_of = |b: usize| starts.partition_point(|&s| s <= b).saturating_sub(1);
            let (first, last) = (line_of(r.start), line_of(r.end));
            let lines = wanted.entry(span.file).or_default();
            for l in first..=last {
                lines.entry(l).or_default();
            }
            lines
                .entry(first)
                .or_default()
                .push(r.start - starts[first]);
            lines.entry(last).or_default().push(r.end - starts[last]);
            clamped.push(Some(r));
        }
        for (file, mut lines) in wanted {
            // codespan prints a single line between two shown lines rather than a break.
            let keys: Vec<usize> = lines.keys().copied().collect();
            for w in keys.windows(2) {
                if w[1] == w[0] + 2 {
                    lines.entry(w[0] + 1).or_default();
                }
            }
            let src = sources.get(file);
            let starts = line_starts[file].as_deref().unwrap_or(&[]);
            let mut vf = ViewFile {
                name: &src.name,
                text: String::new(),
                lines: Default::default(),
            };
            for (l, points) in lines {
                let start = starts.get(l).copied().unwrap_or(src.text.len());
                let end = starts
                    .get(l + 1)
                    .map_or(src.text.len(), |&next| next - 1)
                    .max(start);
                let line = &src.text[start..end];
                let line = line.strip_suffix('\r').unwrap_or(line);
                vf.lines
                    .insert(l, view_line(&mut vf.text, line, start, &points));
                vf.text.push('\n');
            }
            files[file] = Some(vf);
        }
        let labels = spans
            .iter()
            .zip(clamped)
            .map(|((span, _, _), r)| {
                let r = r.unwrap_or(0..0);
                let vf = files.get(span.file).and_then(Option::as_ref);
                let map = |b: usize| vf.map_or(0, |vf| vf.to_view(b));
                let start = map(r.start);
                (span.file, start..map(r.end).max(start))
            })
            .collect();
        View { files, labels }
    }

    fn file(&self, id: usize) -> Result<&ViewFile<'a>, files::Error> {
        self.files
            .get(id)
            .and_then(Option::as_ref)
            .ok_or(files::Error::FileMissing)
    }
}

/// Appends `line` (the real line starting at file offset `at`) to `text`, whole when short,
/// otherwise as windows around `points` (offsets in the line) joined by `...`.
fn view_line(text: &mut String, line: &str, at: usize, points: &[usize]) -> ViewLine {
    let begin = text.len();
    let mut windows: Vec<(usize, usize)> = if line.len() <= MAX_LINE {
        vec![(0, line.len())]
    } else if points.is_empty() {
        vec![(0, MAX_LINE)]
    } else {
        let mut sorted = points.to_vec();
        sorted.sort_unstable();
        let mut ws: Vec<(usize, usize)> = Vec::new();
        for p in sorted {
            let (a, b) = (p.saturating_sub(CONTEXT), (p + CONTEXT).min(line.len()));
            match ws.last_mut() {
                // Overlapping or nearly touching windows are one.
                Some(last) if a <= last.1 + 5 => last.1 = last.1.max(b),
                _ => ws.push((a, b)),
            }
        }
        ws
    };
    for w in &mut windows {
        w.0 = crate::source::floor_char_boundary(line, w.0);
        w.1 = crate::source::floor_char_boundary(line, w.1.min(line.len())).max(w.0);
    }
    let mut segments = Vec::new();
    let mut column = 0;
    let mut counted = 0;
    for (i, (a, b)) in windows.iter().enumerate() {
        if i > 0 || *a > 0 {
            text.push_str(if i == 0 { "... " } else { " ... " });
        }
        column += line[counted..*a].chars().count();
        counted = *a;
        segments.push(Segment {
            real: at + a,
            view: text.len(),
            len: b - a,
            column,
        });
        text.push_str(&line[*a..*b]);
    }
    if windows.last().is_some_and(|w| w.1 < line.len()) {
        text.push_str(" ...");
    }
    ViewLine {
        range: begin..text.len(),
        segments,
    }
}

impl ViewFile<'_> {
    /// A real file offset as an offset in the view text (the nearest shown byte).
    fn to_view(&self, real: usize) -> usize {
        let mut best = 0;
        for line in self.lines.values() {
            for s in &line.segments {
                if real >= s.real {
                    best = s.view + (real - s.real).min(s.len);
                }
            }
        }
        best
    }

    /// The real line index of a view offset.
    fn line_of(&self, view: usize) -> usize {
        let mut found = self.lines.keys().next().copied().unwrap_or(0);
        for (l, line) in &self.lines {
            if line.range.start <= view {
                found = *l;
            }
        }
        found
    }
}

impl<'f> files::Files<'f> for View<'_> {
    type FileId = usize;
    type Name = &'f str;
    type Source = &'f str;

    fn name(&'f self, id: usize) -> Result<&'f str, files::Error> {
        Ok(self.file(id)?.name)
    }

    fn source(&'f self, id: usize) -> Result<&'f str, files::Error> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'f self, id: usize, byte_index: usize) -> Result<usize, files::Error> {
        Ok(self.file(id)?.line_of(byte_index))
    }

    fn line_range(
        &'f self,
        id: usize,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, files::Error> {
        self.file(id)?
            .lines
            .get(&line_index)
            .map(|l| l.range.clone())
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: line_index,
            })
    }

    fn column_number(
        &'f self,
        id: usize,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, files::Error> {
        let f = self.file(id)?;
        let line = f.lines.get(&line_index).ok_or(files::Error::LineTooLarge {
            given: line_index,
            max: line_index,
        })?;
        let seg = line
            .segments
            .iter()
            .rev()
            .find(|s| s.view <= byte_index)
            .or(line.segments.first());
        Ok(seg.map_or(0, |s| {
            let end = byte_index.clamp(s.view, s.view + s.len);
            s.column + f.text[s.view..end].chars().count()
        }) + 1)
    }
}

/// Keeps a span inside its file and on character boundaries, so rendering never fails.
fn clamp(text: &str, span: Span) -> std::ops::Range<usize> {
    let start = crate::source::floor_char_boundary(text, span.start.min(text.len()));
    let end = crate::source::floor_char_boundary(text, span.end.min(text.len())).max(start);
    start..end
}
