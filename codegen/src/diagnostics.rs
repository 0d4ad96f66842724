//! Diagnostics: a stable code, a message, a primary span, labels and help — rendered like rustc.
//!
//! Every stage collects diagnostics instead of stopping at the first one (serde_derive's `Ctxt`
//! habit); the renderer uses `codespan-reporting` with ASCII characters so the output reads
//! `--> file.idl:12:7` with the source line and a caret.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Chars, Config};

use crate::source::{SourceMap, Span};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable code such as `E0102`; see [`crate::check::CODES`].
    pub code: &'static str,
    pub message: String,
    /// The primary location, with an optional label under the caret.
    pub span: Option<Span>,
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

/// Renders diagnostics as rustc-style text (no colour), in source order.
pub fn render(sources: &SourceMap, diagnostics: &Diagnostics) -> String {
    let mut files = SimpleFiles::new();
    for f in sources.files() {
        files.add(f.name.clone(), f.text.clone());
    }
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    let mut out = String::new();
    for d in diagnostics.sorted() {
        let mut cs = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_code(d.code)
        .with_message(&d.message);
        let mut labels = Vec::new();
        if let Some(span) = d.span {
            labels.push(Label::primary(span.file, clamp(sources, span)).with_message(&d.label));
        }
        for (span, msg) in &d.secondary {
            labels.push(Label::secondary(span.file, clamp(sources, *span)).with_message(msg));
        }
        cs = cs.with_labels(labels);
        if let Some(help) = &d.help {
            cs = cs.with_notes(vec![format!("help: {help}")]);
        }
        let mut buf = String::new();
        // Writing to a String cannot fail; a renderer error would only mean a bad span, which
        // `clamp` rules out, so fall back to the bare message rather than panic.
        if term::emit_to_string(&mut buf, &config, &files, &cs).is_err() {
            buf = format!("error[{}]: {}\n", d.code, d.message);
        }
        out.push_str(&buf);
    }
    out
}

/// Keeps a span inside its file and on character boundaries, so rendering never fails.
fn clamp(sources: &SourceMap, span: Span) -> std::ops::Range<usize> {
    let text = &sources.get(span.file).text;
    let start = crate::source::floor_char_boundary(text, span.start.min(text.len()));
    let end = crate::source::floor_char_boundary(text, span.end.min(text.len())).max(start);
    start..end
}
