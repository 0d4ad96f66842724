//! Builds the [`ast`](super::ast) from pest's parse tree, and turns pest's error into a diagnostic.
//!
//! Invariant: parsing MUST NOT panic or overflow the stack on any input. pest recurses once per
//! nesting level of `optional<list<...>>`, so [`nesting_guard`] rejects deeply nested input before
//! pest sees it; every other construct is flat.

use std::cell::Cell;

use pest::Parser as _;
use pest::iterators::Pair;

use super::ast::*;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};

/// The generated pest parser.
#[derive(pest_derive::Parser)]
#[grammar = "syntax/idl.pest"]
struct IdlParser;

/// The deepest nesting of `<...>`, `(...)` and `{...}` accepted.
pub const MAX_NESTING: usize = 64;

/// Parses one file's text. On a syntax error, returns the one diagnostic pest can give.
pub fn parse(file: FileId, text: &str) -> Result<File, Box<Diagnostic>> {
    nesting_guard(file, text)?;
    if let Some(parsed) = Builder::new(file).file_in_pieces(text) {
        return Ok(parsed);
    }
    // A piece failed: the whole file's parse gives the error, as pest reports it for `file`.
    let mut pairs =
        IdlParser::parse(Rule::file, text).map_err(|e| Box::new(syntax_error(file, text, e)))?;
    let root = pairs.next().ok_or_else(|| {
        Box::new(Diagnostic::error(
            "E0001",
            "empty parse",
            Span::new(file, 0, 0),
        ))
    })?;
    Ok(Builder::new(file).file(root))
}

/// Rejects input nested deeper than [`MAX_NESTING`] without recursing (strings and comments skipped).
fn nesting_guard(file: FileId, text: &str) -> Result<(), Box<Diagnostic>> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'<' | b'(' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Box::new(
                        Diagnostic::error(
                            "E0003",
                            format!("nesting deeper than {MAX_NESTING} levels"),
                            Span::new(file, i, i + 1),
                        )
                        .with_label("too deep")
                        .with_help("flatten the type with a named struct"),
                    ));
                }
            }
            b'>' | b')' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Converts pest's error into a diagnostic with the rules it expected, named for humans.
fn syntax_error(file: FileId, text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let found = describe_found(text, pos);
    // A missing `;` is noticed at the next token, often on the next line: point just after the
    // previous token instead, where the `;` belongs.
    let mut pos = pos;
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &e.variant
        && positives.contains(&Rule::semi)
    {
        let before = text[..pos].trim_end();
        if text[before.len()..pos].contains('\n') {
            pos = before.len();
        }
    }
    let (message, label) = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().filter_map(|r| rule_name(*r)).collect();
            names.sort_unstable();
            names.dedup();
            if names.is_empty() {
                (format!("unexpected {found}"), "unexpected here".to_string())
            } else {
                let expected = join_or(&names);
                (
                    format!("expected {expected}, found {found}"),
                    format!("expected {expected}"),
                )
            }
        }
        pest::error::ErrorVariant::CustomError { message } => (message.clone(), String::new()),
    };
    let end = text[pos..]
        .chars()
        .next()
        .filter(|c| *c != '\n')
        .map_or(pos, |c| pos + c.len_utf8());
    Diagnostic::error(
        "E0001",
        format!("syntax error: {message}"),
        Span::new(file, pos, end),
    )
    .with_label(label)
}

/// What stands at `pos`, for "found ..." in messages.
fn describe_found(text: &str, pos: usize) -> String {
    let rest = &text[pos.min(text.len())..];
    match rest.chars().next() {
        None => "end of file".to_string(),
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => {
            let word: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(40)
                .collect();
            format!("`{word}`")
        }
        Some(c) if c.is_control() => format!("character U+{:04X}", c as u32),
        Some(c) => format!("`{c}`"),
    }
}

/// "a, b or c".
fn join_or(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Human names for the rules pest reports as expected; `None` hides internal rules.
fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::package_decl | Rule::kw_package => "`package`",
        Rule::import_decl | Rule::kw_import => "`import`",
        Rule::item => "an item (`struct`, `enum`, `union`, `error`, `service`, `topic`)",
        Rule::struct_decl | Rule::kw_struct => "`struct`",
        Rule::enum_decl | Rule::kw_enum => "`enum`",
        Rule::union_decl | Rule::kw_union => "`union`",
        Rule::error_decl | Rule::kw_error => "`error`",
        Rule::service_decl | Rule::kw_service => "`service`",
        Rule::topic_decl | Rule::kw_topic => "`topic`",
        Rule::block_end => "`}`",
        Rule::semi => "`;`",
        Rule::eq => "`=`",
        Rule::colon => "`:`",
        Rule::lbrace => "`{`",
        Rule::member | Rule::field => "a field (`name: Type = 1;`)",
        Rule::reserved | Rule::kw_reserved => "`reserved`",
        Rule::reserved_item | Rule::reserved_range => "a field number or name",
        Rule::enum_value => "an enum value (`NAME = 1;`)",
        Rule::rpc | Rule::kw_rpc => "`rpc`",
        Rule::rpc_input | Rule::params | Rule::param => "parameters",
        Rule::throws | Rule::kw_throws => "`throws`",
        Rule::stream_type | Rule::kw_stream => "`stream`",
        Rule::kw_to => "`to`",
        Rule::topic_prop => "`key:`, `value:` or `encoding:`",
        Rule::topic_key => "`key:`",
        Rule::key_field => "`value.<field>`",
        Rule::topic_value => "`value:`",
        Rule::topic_encoding => "`encoding:`",
        Rule::annotation => "an annotation (`@name`)",
        Rule::annotation_arg | Rule::open_bound => "an annotation argument",
        Rule::type_ref | Rule::generic_type | Rule::generic_name => "a type",
        Rule::qualified_name => "a name",
        Rule::ident => "an identifier",
        Rule::int_lit => "an integer",
        Rule::float_lit => "a number",
        Rule::string_lit | Rule::string_inner => "a string",
        Rule::doc | Rule::doc_text => "a doc comment",
        _ => return None,
    })
}

/// Walks pest pairs into AST nodes. The grammar guarantees each pair's shape, so a shape mismatch
/// is a bug in this file; it degrades to an empty node rather than panicking.
struct Builder {
    file: FileId,
    /// The [`NameSlot`] of the next named type reference.
    names: Cell<NameSlot>,
    /// Where in the file the text pest was given starts (pest's positions are in that text).
    offset: Cell<usize>,
}

impl Builder {
    fn new(file: FileId) -> Builder {
        Builder {
            file,
            names: Cell::new(0),
            offset: Cell::new(0),
        }
    }

    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        let at = self.offset.get();
        Span::new(self.file, at + s.start(), at + s.end())
    }

    fn file(&self, root: Pair<Rule>) -> File {
        let mut file = File {
            package: None,
            imports: Vec::new(),
            items: Vec::new(),
        };
        for p in root.into_inner() {
            self.top_level(p, &mut file);
        }
        file
    }

    /// The file parsed a piece at a time (`file_head`, `next_item` …, `file_end`): the same tree
    /// as [`Builder::file`] builds from one parse of `file`, which pest's grammar guarantees
    /// (`file` is those pieces in sequence, trivia skipped before each, as `next_item` skips
    /// it). Why: pest keeps a token queue for the whole text it parses; a 1.6 MB file's no
    /// longer fit the caches, and parsing grew 1.3x faster than the API from 2,000 types to
    /// 20,000. `None` when a piece fails, so the caller parses `file` for pest's own error.
    fn file_in_pieces(&self, text: &str) -> Option<File> {
        let mut file = File {
            package: None,
            imports: Vec::new(),
            items: Vec::new(),
        };
        let head = IdlParser::parse(Rule::file_head, text).ok()?.next()?;
        let mut at = head.as_span().end();
        for p in head.into_inner() {
            self.top_level(p, &mut file);
        }
        loop {
            let rest = &text[at..];
            let Ok(mut pairs) = IdlParser::parse(Rule::next_item, rest) else {
                return IdlParser::parse(Rule::file_end, rest)
                    .is_ok()
                    .then_some(file);
            };
            let piece = pairs.next()?;
            let end = piece.as_span().end();
            self.offset.set(at);
            for p in piece.into_inner() {
                self.top_level(p, &mut file);
            }
            self.offset.set(0);
            if end == 0 {
                // An item is never empty; were one, the loop would not advance.
                return None;
            }
            at += end;
        }
    }

    /// A package, import or item: what a file is made of.
    fn top_level(&self, p: Pair<Rule>, file: &mut File) {
        match p.as_rule() {
            Rule::package_decl => {
                let span = self.span(&p);
                let mut docs = Vec::new();
                let mut name = None;
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::doc => docs.push(self.doc(q)),
                        Rule::qualified_name => name = Some(self.ident(q)),
                        _ => {}
                    }
                }
                file.package = name.map(|name| Package { docs, name, span });
            }
            Rule::import_decl => {
                let span = self.span(&p);
                if let Some(path) = p
                    .into_inner()
                    .find(|q| q.as_rule() == Rule::string_lit)
                    .map(|q| self.string(q))
                {
                    file.imports.push(Import { path, span });
                }
            }
            Rule::item => file.items.extend(self.item(p)),
            _ => {}
        }
    }

    fn item(&self, p: Pair<Rule>) -> Option<Item> {
        let span = self.span(&p);
        let mut docs = Vec::new();
        let mut annotations = Vec::new();
        let mut kind = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::doc => docs.push(self.doc(q)),
                Rule::annotation => annotations.push(self.annotation(q)),
                Rule::struct_decl => kind = Some(ItemKind::Struct(self.struct_decl(q))),
                Rule::union_decl => kind = Some(ItemKind::Union(self.struct_decl(q))),
                Rule::enum_decl => kind = Some(ItemKind::Enum(self.enum_decl(q))),
                Rule::error_decl => kind = Some(ItemKind::Error(self.error_decl(q))),
                Rule::service_decl => kind = Some(ItemKind::Service(self.service_decl(q))),
                Rule::topic_decl => kind = Some(ItemKind::Topic(self.topic_decl(q))),
                _ => {}
            }
        }
        Some(Item {
            docs,
            annotations,
            kind: kind?,
            span,
        })
    }

    fn struct_decl(&self, p: Pair<Rule>) -> StructDecl {
        let mut name = None;
        let mut members = Vec::new();
        let mut end = self.span(&p);
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::member => members.extend(self.member(q)),
                Rule::block_end => end = self.span(&q),
                _ => {}
            }
        }
        StructDecl {
            name: name.unwrap_or_else(|| self.missing(end)),
            members,
            end,
        }
    }

    /// A `member` pair: a field or a `reserved` line.
    fn member(&self, p: Pair<Rule>) -> Option<Member> {
        let m = p.into_inner().next()?;
        match m.as_rule() {
            Rule::field => Some(Member::Field(self.field(m))),
            Rule::reserved => Some(Member::Reserved(self.reserved(m))),
            _ => None,
        }
    }

    fn field(&self, p: Pair<Rule>) -> Field {
        let span = self.span(&p);
        let mut docs = Vec::new();
        let mut name = None;
        let mut ty = None;
        let mut number = None;
        let mut annotations = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::doc => docs.push(self.doc(q)),
                Rule::ident => name = Some(self.ident(q)),
                Rule::type_ref => ty = Some(self.type_ref(q)),
                Rule::int_lit => number = Some(self.int(q)),
                Rule::annotation => annotations.push(self.annotation(q)),
                _ => {}
            }
        }
        Field {
            docs,
            name: name.unwrap_or_else(|| self.missing(span)),
            ty: ty.unwrap_or_else(|| self.named(self.missing(span))),
            number: number.unwrap_or(IntLit { value: None, span }),
            annotations,
            span,
        }
    }

    fn reserved(&self, p: Pair<Rule>) -> Reserved {
        let span = self.span(&p);
        let mut items = Vec::new();
        for q in p
            .into_inner()
            .filter(|q| q.as_rule() == Rule::reserved_item)
        {
            for r in q.into_inner() {
                match r.as_rule() {
                    Rule::int_lit => items.push(ReservedItem::Number(self.int(r))),
                    Rule::string_lit => items.push(ReservedItem::Name(self.string(r))),
                    Rule::reserved_range => {
                        let ints: Vec<IntLit> = r
                            .into_inner()
                            .filter(|x| x.as_rule() == Rule::int_lit)
                            .map(|x| self.int(x))
                            .collect();
                        if let [lo, hi] = &ints[..] {
                            items.push(ReservedItem::Range(lo.clone(), hi.clone()));
                        }
                    }
                    _ => {}
                }
            }
        }
        Reserved { items, span }
    }

    fn enum_decl(&self, p: Pair<Rule>) -> EnumDecl {
        let mut name = None;
        let mut values = Vec::new();
        let mut end = self.span(&p);
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::enum_value => {
                    let span = self.span(&q);
                    let mut docs = Vec::new();
                    let mut vname = None;
                    let mut number = None;
                    for r in q.into_inner() {
                        match r.as_rule() {
                            Rule::doc => docs.push(self.doc(r)),
                            Rule::ident => vname = Some(self.ident(r)),
                            Rule::int_lit => number = Some(self.int(r)),
                            _ => {}
                        }
                    }
                    values.push(EnumValue {
                        docs,
                        name: vname.unwrap_or_else(|| self.missing(span)),
                        number: number.unwrap_or(IntLit { value: None, span }),
                        span,
                    });
                }
                Rule::block_end => end = self.span(&q),
                _ => {}
            }
        }
        EnumDecl {
            name: name.unwrap_or_else(|| self.missing(end)),
            values,
            end,
        }
    }

    fn error_decl(&self, p: Pair<Rule>) -> ErrorDecl {
        let whole = self.span(&p);
        let mut idents = Vec::new();
        let mut members = Vec::new();
        let mut end = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => idents.push(self.ident(q)),
                Rule::member => members.extend(self.member(q)),
                Rule::block_end => end = Some(self.span(&q)),
                _ => {}
            }
        }
        let mut idents = idents.into_iter();
        let name = idents.next().unwrap_or_else(|| self.missing(whole));
        let kind = idents.next().unwrap_or_else(|| self.missing(whole));
        let body = end.map(|end| StructDecl {
            name: name.clone(),
            members,
            end,
        });
        ErrorDecl { name, kind, body }
    }

    fn service_decl(&self, p: Pair<Rule>) -> ServiceDecl {
        let mut name = None;
        let mut rpcs = Vec::new();
        let mut end = self.span(&p);
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::rpc => rpcs.push(self.rpc(q)),
                Rule::block_end => end = self.span(&q),
                _ => {}
            }
        }
        ServiceDecl {
            name: name.unwrap_or_else(|| self.missing(end)),
            rpcs,
            end,
        }
    }

    fn rpc(&self, p: Pair<Rule>) -> Rpc {
        let span = self.span(&p);
        let mut docs = Vec::new();
        let mut annotations = Vec::new();
        let mut name = None;
        let mut input = RpcInput::None;
        let mut input_stream = None;
        let mut output = None;
        let mut output_stream = None;
        let mut throws = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::doc => docs.push(self.doc(q)),
                Rule::annotation => annotations.push(self.annotation(q)),
                Rule::ident => name = Some(self.ident(q)),
                Rule::rpc_input => {
                    for r in q.into_inner() {
                        match r.as_rule() {
                            Rule::type_ref => input = RpcInput::Message(self.type_ref(r)),
                            Rule::stream_type => {
                                let (kw, t) = self.stream_type(r);
                                input_stream = kw;
                                input = RpcInput::Message(t);
                            }
                            Rule::params => {
                                input = RpcInput::Params(
                                    r.into_inner()
                                        .filter(|x| x.as_rule() == Rule::param)
                                        .map(|x| self.param(x))
                                        .collect(),
                                )
                            }
                            _ => {}
                        }
                    }
                }
                Rule::type_ref => output = Some(self.type_ref(q)),
                Rule::stream_type => {
                    let (kw, t) = self.stream_type(q);
                    output_stream = kw;
                    output = Some(t);
                }
                Rule::throws => {
                    throws = q
                        .into_inner()
                        .filter(|x| x.as_rule() == Rule::qualified_name)
                        .map(|x| self.ident(x))
                        .collect()
                }
                _ => {}
            }
        }
        Rpc {
            docs,
            annotations,
            name: name.unwrap_or_else(|| self.missing(span)),
            input,
            input_stream,
            output,
            output_stream,
            throws,
            span,
        }
    }

    /// `stream T`: the span of the keyword and the type.
    fn stream_type(&self, p: Pair<Rule>) -> (Option<Span>, TypeRef) {
        let span = self.span(&p);
        let mut kw = None;
        let mut ty = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::kw_stream => kw = Some(self.span(&q)),
                Rule::type_ref => ty = Some(self.type_ref(q)),
                _ => {}
            }
        }
        let ty = ty.unwrap_or_else(|| self.named(self.missing(span)));
        (kw.or(Some(span)), ty)
    }

    fn param(&self, p: Pair<Rule>) -> Param {
        let span = self.span(&p);
        let mut name = None;
        let mut ty = None;
        let mut annotations = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::type_ref => ty = Some(self.type_ref(q)),
                Rule::annotation => annotations.push(self.annotation(q)),
                _ => {}
            }
        }
        Param {
            name: name.unwrap_or_else(|| self.missing(span)),
            ty: ty.unwrap_or_else(|| self.named(self.missing(span))),
            annotations,
            span,
        }
    }

    fn topic_decl(&self, p: Pair<Rule>) -> TopicDecl {
        let mut name = None;
        let mut props = Vec::new();
        let mut end = self.span(&p);
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::string_lit => {
                    let s = self.string(q);
                    name = Some(Ident {
                        name: s.value,
                        span: s.span,
                    });
                }
                Rule::topic_prop => {
                    let span = self.span(&q);
                    let mut docs = Vec::new();
                    let mut kind = None;
                    for r in q.into_inner() {
                        match r.as_rule() {
                            Rule::doc => docs.push(self.doc(r)),
                            Rule::topic_key => {
                                for k in r.into_inner() {
                                    match k.as_rule() {
                                        Rule::key_field => {
                                            kind = k
                                                .into_inner()
                                                .find(|x| x.as_rule() == Rule::ident)
                                                .map(|x| TopicPropKind::KeyField(self.ident(x)));
                                        }
                                        Rule::type_ref => {
                                            kind = Some(TopicPropKind::KeyType(self.type_ref(k)))
                                        }
                                        _ => {}
                                    }
                                }
                            }
                            Rule::topic_value => {
                                kind = r
                                    .into_inner()
                                    .find(|x| x.as_rule() == Rule::type_ref)
                                    .map(|x| TopicPropKind::Value(self.type_ref(x)));
                            }
                            Rule::topic_encoding => {
                                kind = r
                                    .into_inner()
                                    .find(|x| x.as_rule() == Rule::ident)
                                    .map(|x| TopicPropKind::Encoding(self.ident(x)));
                            }
                            _ => {}
                        }
                    }
                    if let Some(kind) = kind {
                        props.push(TopicProp { docs, kind, span });
                    }
                }
                Rule::block_end => end = self.span(&q),
                _ => {}
            }
        }
        TopicDecl {
            name: name.unwrap_or_else(|| self.missing(end)),
            props,
            end,
        }
    }

    fn annotation(&self, p: Pair<Rule>) -> Annotation {
        let span = self.span(&p);
        let mut name = None;
        let mut args = Vec::new();
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::ident => name = Some(self.ident(q)),
                Rule::annotation_arg => {
                    for r in q.into_inner() {
                        let arg = match r.as_rule() {
                            Rule::string_lit => AnnotationArg::Str(self.string(r)),
                            Rule::int_lit => AnnotationArg::Int(self.int(r)),
                            Rule::float_lit => {
                                let s = self.span(&r);
                                AnnotationArg::Float(r.as_str().parse().unwrap_or(f64::NAN), s)
                            }
                            Rule::open_bound => AnnotationArg::Open(self.span(&r)),
                            Rule::ident => AnnotationArg::Word(self.ident(r)),
                            _ => continue,
                        };
                        args.push(arg);
                    }
                }
                _ => {}
            }
        }
        Annotation {
            name: name.unwrap_or_else(|| self.missing(span)),
            args,
            span,
        }
    }

    fn type_ref(&self, p: Pair<Rule>) -> TypeRef {
        let span = self.span(&p);
        let Some(inner) = p.into_inner().next() else {
            return self.named(self.missing(span));
        };
        match inner.as_rule() {
            Rule::generic_type => {
                let gspan = self.span(&inner);
                let mut name = None;
                let mut args = Vec::new();
                for q in inner.into_inner() {
                    match q.as_rule() {
                        Rule::generic_name => name = Some(self.ident(q)),
                        Rule::type_ref => args.push(self.type_ref(q)),
                        _ => {}
                    }
                }
                TypeRef::Generic {
                    name: name.unwrap_or_else(|| self.missing(gspan)),
                    args,
                    span: gspan,
                }
            }
            _ => self.named(self.ident(inner)),
        }
    }

    fn ident(&self, p: Pair<Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    /// A named type reference, numbered in the order they are met.
    fn named(&self, name: Ident) -> TypeRef {
        let slot = self.names.get();
        self.names.set(slot + 1);
        TypeRef::Named(name, slot)
    }

    fn missing(&self, span: Span) -> Ident {
        Ident {
            name: String::new(),
            span,
        }
    }

    fn int(&self, p: Pair<Rule>) -> IntLit {
        IntLit {
            value: p.as_str().parse().ok(),
            span: self.span(&p),
        }
    }

    fn doc(&self, p: Pair<Rule>) -> String {
        let text = p
            .into_inner()
            .next()
            .map(|t| t.as_str())
            .unwrap_or_default();
        let text = text.strip_prefix(' ').unwrap_or(text);
        text.trim_end().to_string()
    }

    fn string(&self, p: Pair<Rule>) -> StrLit {
        let span = self.span(&p);
        let raw = p
            .into_inner()
            .next()
            .map(|q| q.as_str())
            .unwrap_or_default();
        StrLit {
            value: unescape(raw),
            span,
        }
    }
}

/// Resolves `\"`, `\\`, `\n`, `\t`, `\r` and `\u{...}`; an unknown escape keeps its character.
pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('u') => {
                let rest = chars.as_str();
                if let Some(body) = rest.strip_prefix('{')
                    && let Some(close) = body.find('}')
                    && let Some(ch) = u32::from_str_radix(&body[..close], 16)
                        .ok()
                        .and_then(char::from_u32)
                {
                    out.push(ch);
                    chars = body[close + 1..].chars();
                } else {
                    out.push('u');
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! One test per grammar rule: inputs it must accept whole, and inputs it must refuse.

    use super::{IdlParser, Rule};
    use pest::Parser as _;

    /// A file's tree from one parse of `file` (`None` on a syntax error), as `Debug` text.
    fn parsed_whole(text: &str) -> Option<String> {
        let root = IdlParser::parse(Rule::file, text).ok()?.next()?;
        Some(format!("{:?}", super::Builder::new(3).file(root)))
    }

    /// Every `.idl` file in the repository (examples, invalid examples, test inputs).
    fn repository_idl() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                let name = entry.file_name();
                if path.is_dir() && name != "target" && name != ".git" && name != "node_modules" {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "idl")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    out.push(text);
                }
            }
        }
        let mut out = Vec::new();
        walk(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")),
            &mut out,
        );
        out
    }

    /// The pieces (`file_head`, `next_item` …, `file_end`) build the tree one parse of `file`
    /// builds, spans and name slots included, and fail where it fails: on every file of the
    /// repository, every prefix of the first few, and the edges of a file's head and tail.
    #[test]
    fn a_file_parsed_in_pieces_is_the_file_parsed_whole() {
        let files = repository_idl();
        assert!(files.len() > 50, "found {} .idl files", files.len());
        let mut texts: Vec<String> = vec![
            String::new(),
            "  // only a comment\n\t\r\n".to_string(),
            "\u{FEFF}package a;".to_string(),
            "/// doc\npackage a.b;\nimport \"x.idl\";\n/// item doc\nstruct A { s: string = 1; }\n// end"
                .to_string(),
            "/// a doc, then no package\nenum E { A = 1; }".to_string(),
            "struct A {} junk".to_string(),
            "import \"x\"; package a;".to_string(),
            "struct A { x: list<map<string, B>> = 1; }\nstruct B {}\n\n\n".to_string(),
            "/// dangling doc at the end".to_string(),
        ];
        for text in files.iter().take(12) {
            let cuts: Vec<usize> = (0..text.len())
                .step_by(7)
                .filter(|i| text.is_char_boundary(*i))
                .collect();
            texts.extend(cuts.into_iter().map(|i| text[..i].to_string()));
        }
        texts.extend(files);
        for text in &texts {
            let pieces = super::Builder::new(3)
                .file_in_pieces(text)
                .map(|f| format!("{f:?}"));
            assert_eq!(pieces, parsed_whole(text), "on {text:?}");
        }
    }

    /// True when `rule` matches all of `input`.
    fn whole(rule: Rule, input: &str) -> bool {
        IdlParser::parse(rule, input)
            .ok()
            .and_then(|mut p| p.next())
            .is_some_and(|p| p.as_span().end() == input.len())
    }

    fn check(rule: Rule, good: &[&str], bad: &[&str]) {
        for g in good {
            assert!(whole(rule, g), "{rule:?} should accept {g:?}");
        }
        for b in bad {
            assert!(!whole(rule, b), "{rule:?} should refuse {b:?}");
        }
    }

    #[test]
    fn file() {
        check(
            Rule::file,
            &[
                "",
                "package a;",
                "import \"x.idl\"; struct A {}",
                "// c\n/// d\nenum E { A = 1; }",
            ],
            &["struct", "import \"x\"; package a;", "struct A {} junk"],
        );
    }

    #[test]
    fn package_and_import() {
        check(
            Rule::package_decl,
            &["package a.b.c;", "/// doc\npackage a;"],
            &["package ;", "package a"],
        );
        check(
            Rule::import_decl,
            &["import \"a/b.idl\";"],
            &["import a;", "import \"a\""],
        );
    }

    #[test]
    fn item_and_decls() {
        check(
            Rule::item,
            &[
                "/// d\n@deprecated struct A {}",
                "topic \"t\" { value: A; }",
            ],
            &["@x", "structure A {}"],
        );
        check(
            Rule::struct_decl,
            &["struct A { a: i32 = 1; reserved 2; }"],
            &["struct A { a: i32 }", "structA {}"],
        );
        check(
            Rule::enum_decl,
            &["enum E { A = 1; B = -2; }", "enum E {}"],
            &["enum E { A; }"],
        );
        check(Rule::union_decl, &["union U { a: A = 1; }"], &["union U"]);
        check(
            Rule::error_decl,
            &[
                "error E: not_found;",
                "error E: internal { a: string = 1; }",
            ],
            &["error E;", "error E: k"],
        );
        check(
            Rule::service_decl,
            &["service S {}", "service S { rpc A(); }"],
            &["service S { A(); }"],
        );
        check(
            Rule::topic_decl,
            &["topic \"a.b-c\" { key: string; value: A; encoding: json; }"],
            &["topic a { }"],
        );
        check(Rule::block_end, &["}"], &["{"]);
        check(Rule::semi, &[";"], &[","]);
        check(Rule::eq, &["="], &[":"]);
        check(Rule::colon, &[":"], &["="]);
        check(Rule::lbrace, &["{"], &["}"]);
    }

    #[test]
    fn members() {
        check(Rule::member, &["a: i32 = 1;", "reserved 1;"], &["a = 1;"]);
        check(
            Rule::field,
            &[
                "a: list<i32> = 1 @length(1, ..);",
                "/// d\nreserved: i32 = 1;",
            ],
            &["a: i32 = ;", "a: = 1;"],
        );
        check(
            Rule::reserved,
            &["reserved 1, 2 to 5, \"x\";"],
            &["reserved;", "reserved 1 to;"],
        );
        check(Rule::reserved_item, &["1", "1 to 2", "\"n\""], &["x"]);
        check(Rule::reserved_range, &["3 to 9"], &["3 - 9", "3 top 9"]);
        check(
            Rule::enum_value,
            &["A = 1;", "/// d\nA = -1;"],
            &["A;", "A = x;"],
        );
    }

    #[test]
    fn rpcs() {
        check(
            Rule::rpc,
            &[
                "rpc A();",
                "rpc A(M) -> R;",
                "rpc A(a: i32, b: optional<u32> @range(1, 2)) -> list<R> throws E, p.F;",
                "@http(GET, \"/x\") rpc A();",
                "rpc A(stream M) -> R;",
                "rpc A(M) -> stream R;",
                "rpc A(stream M) -> stream p.R throws E;",
                "rpc A(stream) -> stream;",
                "rpc A(stream: i32) -> streamer;",
            ],
            &[
                "rpc A;",
                "rpc A() throws;",
                "rpcA();",
                "rpc A(stream M, b: i32);",
            ],
        );
        check(
            Rule::rpc_input,
            &["", "M", "a: i32", "a: i32, b: i32,", "stream M", "stream"],
            &["a:"],
        );
        check(
            Rule::stream_type,
            &["stream M", "stream list<M>"],
            &["stream", "streamM"],
        );
        check(Rule::params, &["a: i32", "a: i32, b: M"], &["a", ","]);
        check(Rule::param, &["a: i32 @range(0, ..)"], &["a i32"]);
        check(
            Rule::throws,
            &["throws A", "throws A, b.C"],
            &["throws", "throws A,"],
        );
    }

    #[test]
    fn topics() {
        check(
            Rule::topic_prop,
            &[
                "key: string;",
                "key: value.id;",
                "value: list<A>;",
                "encoding: protobuf;",
            ],
            &["partitions: 3;", "key string;"],
        );
        check(
            Rule::topic_key,
            &["key: string", "key: value.id"],
            &["key:"],
        );
        check(Rule::key_field, &["value.id"], &["value.", "id"]);
        check(Rule::topic_value, &["value: A"], &["value A"]);
        check(
            Rule::topic_encoding,
            &["encoding: json"],
            &["encoding: \"json\""],
        );
    }

    #[test]
    fn annotations() {
        check(
            Rule::annotation,
            &[
                "@deprecated",
                "@range(0, ..)",
                "@http(GET, \"/a/{b}\")",
                "@range(-1.5, 2e3)",
            ],
            &["@", "@x(", "@x(,)"],
        );
        check(
            Rule::annotation_arg,
            &["\"s\"", "1", "-1.5", "..", "GET"],
            &["(", ","],
        );
        check(Rule::open_bound, &[".."], &["."]);
    }

    #[test]
    fn types() {
        check(
            Rule::type_ref,
            &["i32", "a.b.C", "map<string, list<optional<T>>>"],
            &["list<>", "map<", "1a"],
        );
        check(
            Rule::generic_type,
            &["optional<T>", "list < T >", "map<K, V>"],
            &["option<T>", "list<T"],
        );
        check(Rule::generic_name, &["optional", "list", "map"], &["set"]);
        check(
            Rule::qualified_name,
            &["A", "a.b.C", "_x"],
            &["a.", ".a", "a..b", "a . b"],
        );
        check(Rule::ident, &["a", "_a1", "A_B"], &["1a", "a-b", ""]);
    }

    #[test]
    fn literals_and_trivia() {
        check(
            Rule::int_lit,
            &["0", "-12", "536870911"],
            &["1.0", "-", "+1"],
        );
        check(
            Rule::float_lit,
            &["1.5", "-0.25", "1e9", "2.5E-3"],
            &["1", "1.", ".5"],
        );
        check(
            Rule::string_lit,
            &["\"\"", "\"a\\\"b\"", "\"\\u{1F600}\""],
            &["\"a", "\"a\nb\""],
        );
        check(Rule::string_inner, &["abc", "a\\\"b"], &[]);
        check(Rule::doc, &["/// text", "///"], &["// text"]);
        check(Rule::doc_text, &[" anything at all"], &[]);
        for kw in [
            Rule::kw_package,
            Rule::kw_import,
            Rule::kw_struct,
            Rule::kw_enum,
            Rule::kw_union,
            Rule::kw_error,
            Rule::kw_service,
            Rule::kw_topic,
            Rule::kw_rpc,
            Rule::kw_reserved,
            Rule::kw_throws,
            Rule::kw_to,
        ] {
            let word = format!("{kw:?}").trim_start_matches("kw_").to_string();
            check(kw, &[&word], &[&format!("{word}x"), &format!("{word}_")]);
        }
        // COMMENT and WHITESPACE are implicit: a file of only trivia parses.
        assert!(whole(Rule::file, "  // a comment\n\t\r\n"));
        assert!(!whole(Rule::file, "/ not a comment"));
    }

    #[test]
    fn unescape_handles_every_escape() {
        assert_eq!(
            super::unescape(r#"a\"b\\c\nd\te\u{41}\u{zz}"#),
            "a\"b\\c\nd\teAu{zz}"
        );
    }
}
