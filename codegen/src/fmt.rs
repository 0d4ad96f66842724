//! `rosetta fmt`: one canonical layout for IDL files, keeping every comment.
//!
//! The formatter prints the AST (so layout is canonical) and re-attaches `//` comments by
//! position: a comment on the same line after a node stays there as a trailing comment; any other
//! comment is printed on its own line before the next node (or before the closing brace, or at the
//! end of the file). One blank line separates top-level items; inside a block, a blank line in the
//! source is kept (several collapse to one). Literals are printed exactly as written.
//!
//! Invariant: formatting MUST be idempotent (`fmt(fmt(x)) == fmt(x)`) and MUST NOT drop a comment
//! or change what the file means; the tests check both on every example.

use std::fmt::Write as _;
use std::path::Path;

use crate::diagnostics::{Diagnostics, render};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::*;
use crate::syntax::parse;

/// The result of formatting one file.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The file as read.
    pub original: String,
    /// The file as `rosetta fmt` prints it.
    pub formatted: String,
}

impl Outcome {
    /// True when formatting changed the text.
    pub fn changed(&self) -> bool {
        self.original != self.formatted
    }
}

/// Formats a file on disk; `Err` carries rendered diagnostics (unreadable file or syntax error).
pub fn format_file(path: &Path) -> Result<Outcome, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("error: cannot read `{}`: {e}\n", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("error[E0002]: `{}` is not valid UTF-8\n", path.display()))?;
    let formatted = format_source(&path.display().to_string(), &text)?;
    Ok(Outcome {
        original: text,
        formatted,
    })
}

/// Formats IDL text; `Err` carries the rendered syntax error.
pub fn format_source(name: &str, text: &str) -> Result<String, String> {
    let file = match parse(0, text) {
        Ok(f) => f,
        Err(d) => {
            let mut sources = SourceMap::new();
            sources.add(name, None, text.to_string());
            let mut ds = Diagnostics::default();
            ds.push(*d);
            return Err(render(&sources, &ds));
        }
    };
    let mut p = Printer {
        text,
        comments: scan_comments(text),
        next_comment: 0,
        out: String::new(),
        indent: 0,
    };
    p.file(&file);
    Ok(p.out)
}

/// A `//` comment (not a `///` doc comment) found in the source.
#[derive(Debug)]
struct Comment {
    start: usize,
    end: usize,
    text: String,
}

/// Finds every `//` comment outside string literals, in order.
fn scan_comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let start = i;
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                let body = &text[start..i];
                if !body.starts_with("///") {
                    out.push(Comment {
                        start,
                        end: i,
                        text: body.trim_end().to_string(),
                    });
                }
            }
            _ => i += 1,
        }
    }
    out
}

struct Printer<'a> {
    text: &'a str,
    comments: Vec<Comment>,
    next_comment: usize,
    out: String,
    indent: usize,
}

impl Printer<'_> {
    fn line(&mut self, s: &str) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// Prints, each on its own line, every comment that starts before `pos`.
    fn leading_comments(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.start >= pos {
                break;
            }
            let (text, end) = (c.text.clone(), c.end);
            self.next_comment += 1;
            self.line(&text);
            // Keep a blank line that separated this comment from what follows (a file header,
            // say), unless it is the end of the file.
            let next = self
                .comments
                .get(self.next_comment)
                .map_or(pos, |n| n.start.min(pos));
            if next != usize::MAX
                && self
                    .text
                    .get(end..next)
                    .is_some_and(|g| g.matches('\n').count() >= 2)
            {
                self.out.push('\n');
            }
        }
    }

    /// Appends a comment that sits on the same source line right after `end`, if any.
    fn trailing_comment(&mut self, end: usize) {
        let Some(c) = self.comments.get(self.next_comment) else {
            return;
        };
        let between = self.text.get(end..c.start).unwrap_or("\n");
        if c.start >= end && !between.contains('\n') {
            let text = c.text.clone();
            self.next_comment += 1;
            if self.out.ends_with('\n') {
                self.out.pop();
            }
            self.out.push_str("  ");
            self.out.push_str(&text);
            self.out.push('\n');
        }
    }

    /// True when the source has a blank line just before `pos` (or before its leading comments).
    fn blank_line_before(&self, prev_end: usize, pos: usize) -> bool {
        let first = self
            .comments
            .get(self.next_comment)
            .filter(|c| c.start < pos && c.start >= prev_end)
            .map_or(pos, |c| c.start);
        let gap = self.text.get(prev_end..first).unwrap_or("");
        gap.matches('\n').count() >= 2
    }

    fn src(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    fn docs(&mut self, docs: &[String]) {
        for d in docs {
            if d.is_empty() {
                self.line("///");
            } else {
                self.line(&format!("/// {d}"));
            }
        }
    }

    fn file(&mut self, f: &File) {
        let mut first = true;
        if let Some(p) = &f.package {
            self.leading_comments(p.span.start);
            self.docs(&p.docs);
            self.line(&format!("package {};", p.name.name));
            self.trailing_comment(p.span.end);
            first = false;
        }
        for (i, imp) in f.imports.iter().enumerate() {
            if i == 0 && !first {
                self.out.push('\n');
            }
            self.leading_comments(imp.span.start);
            let s = format!("import {};", self.src(imp.path.span));
            self.line(&s);
            self.trailing_comment(imp.span.end);
            first = false;
        }
        for item in &f.items {
            if !first {
                self.out.push('\n');
            }
            first = false;
            self.leading_comments(item.span.start);
            self.item(item);
        }
        if !first && self.next_comment < self.comments.len() {
            self.out.push('\n');
        }
        self.leading_comments(usize::MAX);
    }

    fn annotations_lines(&mut self, anns: &[Annotation]) {
        for a in anns {
            let s = self.annotation(a);
            self.line(&s);
        }
    }

    fn annotation(&self, a: &Annotation) -> String {
        if a.args.is_empty() && !self.src(a.span).contains('(') {
            return format!("@{}", a.name.name);
        }
        let args: Vec<&str> = a.args.iter().map(|x| self.src(x.span())).collect();
        format!("@{}({})", a.name.name, args.join(", "))
    }

    fn suffix_annotations(&self, anns: &[Annotation]) -> String {
        anns.iter()
            .map(|a| format!(" {}", self.annotation(a)))
            .collect()
    }

    fn ty(&self, t: &TypeRef) -> String {
        match t {
            TypeRef::Named(p, _) => p.name.clone(),
            TypeRef::Generic { name, args, .. } => format!(
                "{}<{}>",
                name.name,
                args.iter()
                    .map(|a| self.ty(a))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn item(&mut self, item: &Item) {
        self.docs(&item.docs);
        self.annotations_lines(&item.annotations);
        match &item.kind {
            ItemKind::Struct(s) => self.body("struct", &s.name.name, s),
            ItemKind::Union(s) => self.body("union", &s.name.name, s),
            ItemKind::Error(e) => match &e.body {
                Some(b) => self.body("error", &format!("{}: {}", e.name.name, e.kind.name), b),
                None => {
                    self.line(&format!("error {}: {};", e.name.name, e.kind.name));
                    self.trailing_comment(item.span.end);
                }
            },
            ItemKind::Enum(e) => {
                self.open(&format!("enum {}", e.name.name), e.values.is_empty(), e.end);
                let mut prev = None;
                for v in &e.values {
                    self.member_gap(prev, v.span.start);
                    self.docs(&v.docs);
                    let s = format!("{} = {};", v.name.name, self.src(v.number.span));
                    self.line(&s);
                    self.trailing_comment(v.span.end);
                    prev = Some(v.span.end);
                }
                self.close(e.values.is_empty(), e.end);
            }
            ItemKind::Service(s) => {
                self.open(
                    &format!("service {}", s.name.name),
                    s.rpcs.is_empty(),
                    s.end,
                );
                let mut prev = None;
                for r in &s.rpcs {
                    self.member_gap(prev, r.span.start);
                    self.docs(&r.docs);
                    self.annotations_lines(&r.annotations);
                    let s = self.rpc(r);
                    self.line(&s);
                    self.trailing_comment(r.span.end);
                    prev = Some(r.span.end);
                }
                self.close(s.rpcs.is_empty(), s.end);
            }
            ItemKind::Topic(t) => {
                let head = format!("topic {}", self.src(t.name.span));
                self.open(&head, t.props.is_empty(), t.end);
                let mut prev = None;
                for p in &t.props {
                    self.member_gap(prev, p.span.start);
                    self.docs(&p.docs);
                    let s = match &p.kind {
                        TopicPropKind::KeyType(k) => format!("key: {};", self.ty(k)),
                        TopicPropKind::KeyField(f) => format!("key: value.{};", f.name),
                        TopicPropKind::Value(v) => format!("value: {};", self.ty(v)),
                        TopicPropKind::Encoding(e) => format!("encoding: {};", e.name),
                    };
                    self.line(&s);
                    self.trailing_comment(p.span.end);
                    prev = Some(p.span.end);
                }
                self.close(t.props.is_empty(), t.end);
            }
        }
    }

    fn rpc(&self, r: &Rpc) -> String {
        let input = match &r.input {
            RpcInput::None => String::new(),
            RpcInput::Message(t) if r.input_stream.is_some() => format!("stream {}", self.ty(t)),
            RpcInput::Message(t) => self.ty(t),
            RpcInput::Params(ps) => ps
                .iter()
                .map(|p| {
                    format!(
                        "{}: {}{}",
                        p.name.name,
                        self.ty(&p.ty),
                        self.suffix_annotations(&p.annotations)
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        let mut s = format!("rpc {}({input})", r.name.name);
        if let Some(o) = &r.output {
            let stream = if r.output_stream.is_some() {
                "stream "
            } else {
                ""
            };
            let _ = write!(s, " -> {stream}{}", self.ty(o));
        }
        if !r.throws.is_empty() {
            let names: Vec<&str> = r.throws.iter().map(|t| t.name.as_str()).collect();
            let _ = write!(s, " throws {}", names.join(", "));
        }
        s.push(';');
        s
    }

    /// `head {` (or `head {}` for an empty block without comments inside).
    fn open(&mut self, head: &str, empty: bool, end: Span) {
        if empty && !self.comment_before(end.start) {
            self.line(&format!("{head} {{}}"));
            self.trailing_comment(end.end);
        } else {
            self.line(&format!("{head} {{"));
            self.indent += 1;
        }
    }

    fn close(&mut self, empty: bool, end: Span) {
        if empty && self.indent == 0 {
            return;
        }
        self.leading_comments(end.start);
        self.indent = self.indent.saturating_sub(1);
        self.line("}");
        self.trailing_comment(end.end);
    }

    fn comment_before(&self, pos: usize) -> bool {
        self.comments
            .get(self.next_comment)
            .is_some_and(|c| c.start < pos)
    }

    /// Keeps one blank line between members where the source had one, then leading comments.
    fn member_gap(&mut self, prev_end: Option<usize>, start: usize) {
        if let Some(prev) = prev_end
            && self.blank_line_before(prev, start)
        {
            self.out.push('\n');
        }
        self.leading_comments(start);
    }

    fn body(&mut self, keyword: &str, head: &str, s: &StructDecl) {
        let empty = s.members.is_empty();
        self.open(&format!("{keyword} {head}"), empty, s.end);
        let mut prev = None;
        for m in &s.members {
            let span = match m {
                Member::Field(f) => f.span,
                Member::Reserved(r) => r.span,
            };
            self.member_gap(prev, span.start);
            match m {
                Member::Field(f) => {
                    self.docs(&f.docs);
                    let line = format!(
                        "{}: {} = {}{};",
                        f.name.name,
                        self.ty(&f.ty),
                        self.src(f.number.span),
                        self.suffix_annotations(&f.annotations)
                    );
                    self.line(&line);
                }
                Member::Reserved(r) => {
                    let items: Vec<String> = r
                        .items
                        .iter()
                        .map(|it| match it {
                            ReservedItem::Number(n) => self.src(n.span).to_string(),
                            ReservedItem::Range(a, b) => {
                                format!("{} to {}", self.src(a.span), self.src(b.span))
                            }
                            ReservedItem::Name(n) => self.src(n.span).to_string(),
                        })
                        .collect();
                    self.line(&format!("reserved {};", items.join(", ")));
                }
            }
            self.trailing_comment(span.end);
            prev = Some(span.end);
        }
        self.close(empty, s.end);
    }
}

#[cfg(test)]
mod tests {
    use super::format_source;

    fn fmt(s: &str) -> String {
        format_source("t.idl", s).expect("parses")
    }

    #[test]
    fn canonical_layout_and_comments_kept() {
        let src = "// head\npackage a.b; // pkg\nimport \"x.idl\";\n/// Doc\n@deprecated struct S{a:i32=1 @range(0,..);// trailing\n\n\n// lead\nb : list< string >=2;reserved 3,4 to 6,\"c\";\n// end of S\n}\nenum E{A=1;}\nerror X: not_found;\nservice Svc { @http(GET,\"/a/{id}\") rpc Get(id:string)->S throws X; }\ntopic \"t\" { key: value.id; value: S; }\n// tail\n";
        let out = fmt(src);
        insta_like(&out);
        assert_eq!(fmt(&out), out, "idempotent");
        for c in [
            "// head",
            "// pkg",
            "// trailing",
            "// lead",
            "// end of S",
            "// tail",
        ] {
            assert!(out.contains(c), "lost {c}");
        }
    }

    fn insta_like(out: &str) {
        let expected = "// head\npackage a.b;  // pkg\n\nimport \"x.idl\";\n\n/// Doc\n@deprecated\nstruct S {\n  a: i32 = 1 @range(0, ..);  // trailing\n\n  // lead\n  b: list<string> = 2;\n  reserved 3, 4 to 6, \"c\";\n  // end of S\n}\n\nenum E {\n  A = 1;\n}\n\nerror X: not_found;\n\nservice Svc {\n  @http(GET, \"/a/{id}\")\n  rpc Get(id: string) -> S throws X;\n}\n\ntopic \"t\" {\n  key: value.id;\n  value: S;\n}\n\n// tail\n";
        assert_eq!(out, expected);
    }

    #[test]
    fn empty_blocks_and_files() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("struct A {}"), "struct A {}\n");
        assert_eq!(fmt("struct A { // why\n}"), "struct A {\n  // why\n}\n");
        assert_eq!(fmt("// only a comment"), "// only a comment\n");
    }

    #[test]
    fn syntax_errors_are_rendered() {
        let err = format_source("t.idl", "struct {").unwrap_err();
        assert!(err.contains("E0001") && err.contains("t.idl:1:8"), "{err}");
    }
}
