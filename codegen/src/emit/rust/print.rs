//! Prints generated token streams as readable Rust without parsing them: a line per item,
//! statement, attribute, field, variant and match arm, blocks indented, doc attributes as `///`
//! comments, and spaces where rustfmt would put them.
//!
//! Why not prettyplease: formatting through a syntax tree (`syn::parse2`, then prettyplease)
//! was half of `rosetta generate --target rust` (callgrind at 500 types: 29% of the
//! instructions for Rosetta's items alone), where `protoc`, which the issue-17 target compares
//! with, prints text. Generated code is mostly declarations and one-line macro calls, so rules
//! on the tokens themselves give the same layout at a fraction of the cost. The printer only
//! ever changes whitespace: two tokens are never printed touching where that could lex as one
//! different token, so the printed text is the same token stream (held by the tests below and
//! by every generated crate building).

use std::fmt::Write as _;

use proc_macro2::{Delimiter, Group, Punct, Spacing, TokenStream, TokenTree};

/// A brace, parenthesis or bracket group printed on one line is broken into lines past this
/// many characters.
pub(super) const MAX_INLINE: usize = 100;

/// Prints `tokens` as a Rust file fragment, ending with a newline.
pub(super) fn print(tokens: TokenStream) -> String {
    let mut p = Printer::default();
    p.stream(tokens.into_iter().collect(), Mode::Block);
    p.newline();
    p.out
}

/// How a sequence of tokens is laid out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Items or statements: a line break after each `;`, block and attribute.
    Block,
    /// Comma-separated (fields, variants, arms, arguments): a line break after each `,`.
    List,
    /// One line.
    Inline,
}

/// What the last printed token asks of the next one's spacing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Prev {
    /// Nothing yet on the line, or an opening delimiter.
    Start,
    /// A keyword that is followed by a space even before `::`, `(` or `[`.
    Keyword,
    /// An identifier, literal or lifetime.
    Word,
    /// A closing `)`, `]` or `}`.
    Close,
    /// A `>` closing generic arguments (`spaced`: of `impl<…>`, so a path after it is apart).
    GenericClose { spaced: bool },
    /// `::`, `.`, `&`, `#`, a unary operator, `<` opening generics, `'`, an opening `|`, `..`.
    Glued,
    /// `,`, `;`, `=`, `:`, a binary operator or arrow, a closing `|`.
    Spaced,
}

#[derive(Default)]
struct Printer {
    out: String,
    indent: usize,
    /// Whether the current line has nothing but indentation to come.
    line_start: bool,
    prev: Option<Prev>,
    /// The last character printed when it is punctuation that was apart from what follows it.
    alone: Option<char>,
}

/// Keywords followed by a space before a path, a parenthesis or a bracket.
fn is_spaced_keyword(word: &str) -> bool {
    matches!(
        word,
        "as" | "async"
            | "break"
            | "const"
            | "continue"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "yield"
    )
}

/// Pairs of characters that the parser reads as one operator when they touch (`&&` and `>>`
/// are left out: it splits them again where a reference or generics need it).
const GLUED: &[&str] = &[
    "::", "->", "=>", "==", "!=", "<=", ">=", "||", "..", "+=", "-=", "*=", "/=", "%=", "^=", "&=",
    "|=", "<<", "<-",
];

/// Operators of two or three characters, matched when their characters are joint.
const OPERATORS: &[&str] = &[
    "..=", "::", "->", "=>", "==", "!=", "<=", ">=", "..", "+=", "-=", "||", "&&",
];

impl Printer {
    fn prev(&self) -> Prev {
        if self.line_start {
            Prev::Start
        } else {
            self.prev.unwrap_or(Prev::Start)
        }
    }

    fn newline(&mut self) {
        if !self.line_start && !self.out.is_empty() {
            self.out.push('\n');
        }
        self.line_start = true;
        self.prev = Some(Prev::Start);
    }

    /// Writes `text`, after the indentation at a line's start or a space when `space` (or when
    /// touching would glue the last punctuation to this into an operator it was not).
    fn put(&mut self, text: &str, space: bool, then: Prev) {
        let space = space
            || self.alone.is_some_and(|c| {
                text.chars().next().is_some_and(|d| {
                    let mut pair = [0u8; 8];
                    let pair = {
                        let n = c.encode_utf8(&mut pair).len();
                        let m = d.encode_utf8(&mut pair[n..]).len();
                        &pair[..n + m]
                    };
                    GLUED.iter().any(|g| g.as_bytes() == pair)
                })
            });
        self.lead(space);
        self.out.push_str(text);
        self.prev = Some(then);
    }

    /// Starts a token: the indentation at a line's start, else a space when `space`.
    fn lead(&mut self, space: bool) {
        self.alone = None;
        if self.line_start {
            for _ in 0..self.indent {
                self.out.push_str("    ");
            }
            self.line_start = false;
        } else if space {
            self.out.push(' ');
        }
    }

    /// Prints `tokens`, taking the groups out of it (a group printed from its own stream, not
    /// a copy: proc-macro2 copies a shared stream's tokens to iterate it).
    fn stream(&mut self, mut tokens: Vec<TokenTree>, mode: Mode) {
        // `<` opened per generic list (whether after `impl`), and closure pipes open.
        let mut angles: Vec<bool> = Vec::new();
        let mut pipe_open = false;
        let mut i = 0;
        while i < tokens.len() {
            let next = tokens.get(i + 1);
            match &tokens[i] {
                TokenTree::Punct(p) if p.as_char() == '#' && mode != Mode::Inline => {
                    // An attribute on its own line: `#[…]` or `#![…]`.
                    let inner = matches!(next, Some(TokenTree::Punct(b)) if b.as_char() == '!');
                    let at = if inner { i + 2 } else { i + 1 };
                    if let Some(TokenTree::Group(g)) = tokens.get(at)
                        && g.delimiter() == Delimiter::Bracket
                    {
                        let g = take_group(&mut tokens[at]);
                        self.newline();
                        self.attribute(g, inner);
                        self.newline();
                        i = at + 1;
                        continue;
                    }
                    self.punct_token(&tokens, &mut i, mode, &mut angles, &mut pipe_open);
                    continue;
                }
                TokenTree::Punct(_) => {
                    self.punct_token(&tokens, &mut i, mode, &mut angles, &mut pipe_open);
                    continue;
                }
                TokenTree::Ident(ident) => {
                    let space = !matches!(self.prev(), Prev::Start | Prev::Glued);
                    self.lead(space);
                    let start = self.out.len();
                    let _ = write!(self.out, "{ident}");
                    self.prev = Some(if is_spaced_keyword(&self.out[start..]) {
                        Prev::Keyword
                    } else {
                        Prev::Word
                    });
                }
                TokenTree::Literal(lit) => {
                    let space = !matches!(self.prev(), Prev::Start | Prev::Glued);
                    self.lead(space);
                    let _ = write!(self.out, "{lit}");
                    self.prev = Some(Prev::Word);
                }
                TokenTree::Group(_) => {
                    let g = take_group(&mut tokens[i]);
                    let brace = g.delimiter() == Delimiter::Brace;
                    self.group(g, mode);
                    let next = tokens.get(i + 1);
                    if brace && mode != Mode::Inline {
                        // A block ends its line unless the statement or expression goes on.
                        let goes_on = match next {
                            Some(TokenTree::Punct(p)) => {
                                matches!(p.as_char(), ',' | ';' | '.' | '?')
                            }
                            Some(TokenTree::Ident(id)) => id == "else",
                            _ => false,
                        };
                        if !goes_on {
                            self.newline();
                        }
                    }
                }
            }
            i += 1;
        }
    }

    /// Prints the punctuation at `tokens[*i]` (with the characters of a joint operator) and
    /// moves `i` past it; in a block a `;` ends the line, in a list a `,`.
    fn punct_token(
        &mut self,
        tokens: &[TokenTree],
        i: &mut usize,
        mode: Mode,
        angles: &mut Vec<bool>,
        pipe_open: &mut bool,
    ) {
        let TokenTree::Punct(p) = &tokens[*i] else {
            return;
        };
        // The longest operator whose characters are joint (in place: a punctuation character is
        // ASCII, and this runs for every punctuation token of the output).
        let mut chars = [p.as_char() as u8, 0, 0];
        let (mut count, mut op_len, mut len) = (1, 1, 1);
        if p.spacing() == Spacing::Joint {
            let mut j = *i;
            while let (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) =
                (tokens.get(j), tokens.get(j + 1))
            {
                if a.spacing() != Spacing::Joint {
                    break;
                }
                chars[count] = b.as_char() as u8;
                count += 1;
                j += 1;
                if OPERATORS.iter().any(|o| o.as_bytes() == &chars[..count]) {
                    op_len = count;
                    len = j + 1 - *i;
                }
                if count == 3 {
                    break;
                }
            }
        }
        let op = std::str::from_utf8(&chars[..op_len]).expect("punctuation characters are ASCII");
        let last_alone = match &tokens[*i + len - 1] {
            TokenTree::Punct(last) if last.spacing() == Spacing::Alone => Some(last.as_char()),
            _ => None,
        };
        *i += len;
        let prev = self.prev();
        let glued_before = matches!(prev, Prev::Start | Prev::Glued);
        let after_value = matches!(prev, Prev::Word | Prev::Close | Prev::GenericClose { .. });
        match op {
            "," | ";" => {
                self.put(op, false, Prev::Spaced);
                let ends_line = match mode {
                    Mode::Block => op == ";",
                    Mode::List => op == "," && angles.is_empty() && !*pipe_open,
                    Mode::Inline => false,
                };
                if ends_line {
                    self.newline();
                }
            }
            "." | "?" => self.put(op, false, if op == "." { Prev::Glued } else { Prev::Close }),
            ":" => self.put(op, false, Prev::Spaced),
            "::" => {
                let space = matches!(
                    prev,
                    Prev::Keyword | Prev::Spaced | Prev::GenericClose { spaced: true }
                );
                self.put(op, space, Prev::Glued);
            }
            ".." | "..=" => self.put(op, false, Prev::Glued),
            "<" if !matches!(prev, Prev::Close) => {
                angles.push(self.last_word_is("impl"));
                self.put(op, matches!(prev, Prev::Spaced), Prev::Glued);
            }
            ">" if !angles.is_empty() => {
                let spaced = angles.pop().unwrap_or(false);
                self.put(op, false, Prev::GenericClose { spaced });
            }
            "&" | "#" | "'" | "$" => self.put(op, !glued_before, Prev::Glued),
            "!" if matches!(prev, Prev::Word) => self.put(op, false, Prev::Glued),
            "!" | "*" | "-" if !after_value => self.put(op, !glued_before, Prev::Glued),
            "|" if !*pipe_open => {
                *pipe_open = true;
                self.put(op, !glued_before, Prev::Glued);
            }
            "|" => {
                *pipe_open = false;
                self.put(op, false, Prev::Spaced);
            }
            _ => self.put(op, prev != Prev::Start, Prev::Spaced),
        }
        self.alone = last_alone;
    }

    /// Whether the last word printed is `word`.
    fn last_word_is(&self, word: &str) -> bool {
        self.out.ends_with(word)
            && !self.out[..self.out.len() - word.len()]
                .ends_with(|c: char| c.is_alphanumeric() || c == '_')
    }

    fn attribute(&mut self, g: Group, inner: bool) {
        if let Some(text) = doc_text(&g) {
            let marker = if inner { "//!" } else { "///" };
            self.put(&format!("{marker}{text}"), false, Prev::Start);
            return;
        }
        self.put(if inner { "#!" } else { "#" }, false, Prev::Glued);
        self.group(g, Mode::Inline);
    }

    fn group(&mut self, g: Group, mode: Mode) {
        let delimiter = g.delimiter();
        let stream = g.stream();
        // The group's own reference gone, the stream is iterated without a copy.
        drop(g);
        let tokens: Vec<TokenTree> = stream.into_iter().collect();
        let (open, close) = match delimiter {
            Delimiter::Parenthesis => ("(", ")"),
            Delimiter::Bracket => ("[", "]"),
            Delimiter::Brace => ("{", "}"),
            Delimiter::None => {
                self.stream(tokens, Mode::Inline);
                return;
            }
        };
        let prev = self.prev();
        let space = match delimiter {
            Delimiter::Brace => prev != Prev::Start,
            _ => matches!(prev, Prev::Keyword | Prev::Spaced),
        };
        self.put(open, space, Prev::Start);
        if tokens.is_empty() {
            self.put(close, false, Prev::Close);
            return;
        }
        match layout(delimiter, &tokens, mode) {
            Mode::Inline => {
                // `{ a, b }` keeps a space inside; `(a, b)` does not.
                let pad = delimiter == Delimiter::Brace;
                if pad {
                    self.out.push(' ');
                }
                self.stream(tokens, Mode::Inline);
                self.put(close, pad, Prev::Close);
            }
            lines => {
                self.indent += 1;
                self.newline();
                self.stream(tokens, lines);
                self.indent -= 1;
                self.newline();
                self.put(close, false, Prev::Close);
            }
        }
    }
}

/// The group at `slot`, taken out of its stream (a `.` is left in its place, never read: the
/// printer is past it).
fn take_group(slot: &mut TokenTree) -> Group {
    match std::mem::replace(slot, TokenTree::Punct(Punct::new('.', Spacing::Alone))) {
        TokenTree::Group(g) => g,
        other => Group::new(Delimiter::None, TokenStream::from(other)),
    }
}

/// How a group's contents are laid out: braces in blocks and lists on lines of their own,
/// anything on one line when it is short and has no statements.
fn layout(delimiter: Delimiter, tokens: &[TokenTree], mode: Mode) -> Mode {
    let (semicolons, commas) = separators(tokens);
    let lines = if semicolons {
        Mode::Block
    } else if commas {
        Mode::List
    } else {
        Mode::Block
    };
    match delimiter {
        Delimiter::Brace if mode != Mode::Inline || semicolons => lines,
        Delimiter::Brace => {
            if flat_len(tokens) > MAX_INLINE {
                lines
            } else {
                Mode::Inline
            }
        }
        _ if commas && flat_len(tokens) > MAX_INLINE => Mode::List,
        _ => Mode::Inline,
    }
}

/// Whether `tokens` have a `;`, and a `,`, of their own: not inside generic arguments
/// (`Result<A, B>`) or a closure's parameters (`|a, b|`).
fn separators(tokens: &[TokenTree]) -> (bool, bool) {
    let (mut semicolons, mut commas) = (false, false);
    let mut angles = 0usize;
    let mut pipe_open = false;
    let mut prev_joint = false;
    for t in tokens {
        let TokenTree::Punct(p) = t else {
            prev_joint = false;
            continue;
        };
        match p.as_char() {
            ';' => semicolons = true,
            ',' if angles == 0 && !pipe_open => commas = true,
            '<' => angles += 1,
            // Not the `>` of `->` or `=>`.
            '>' if !prev_joint => angles = angles.saturating_sub(1),
            '|' => pipe_open = !pipe_open,
            _ => {}
        }
        prev_joint = p.spacing() == Spacing::Joint && matches!(p.as_char(), '-' | '=');
    }
    (semicolons, commas)
}

/// The length of `tokens` printed on one line, roughly (proc-macro2's own printing), counted
/// up to just past [`MAX_INLINE`]: a long group is not printed whole to learn that it is long.
pub(super) fn flat_len(tokens: &[TokenTree]) -> usize {
    /// Counts what is written, and fails once past the limit, which stops the printing.
    struct Count(usize);
    impl std::fmt::Write for Count {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0 += s.len();
            if self.0 > MAX_INLINE {
                Err(std::fmt::Error)
            } else {
                Ok(())
            }
        }
    }
    let mut count = Count(0);
    for t in tokens {
        if write!(count, "{t} ").is_err() {
            break;
        }
    }
    count.0
}

/// The text of a `#[doc = "…"]` attribute's group, when it can be written as one `///` line
/// that lexes back to the same attribute: a plain string of one line (two `///` lines would be
/// two attributes), not starting with `/` (`////` is a plain comment), no carriage return.
fn doc_text(g: &Group) -> Option<String> {
    let mut it = g.stream().into_iter();
    let (
        Some(TokenTree::Ident(name)),
        Some(TokenTree::Punct(eq)),
        Some(TokenTree::Literal(lit)),
        None,
    ) = (it.next(), it.next(), it.next(), it.next())
    else {
        return None;
    };
    if name != "doc" || eq.as_char() != '=' {
        return None;
    }
    // Most doc literals have no escape: their text is the literal without its quotes (syn's
    // full string parser was a fortieth of `generate --target rust`).
    let repr = lit.to_string();
    let text = match repr.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => inner.to_string(),
        _ => {
            let syn::Lit::Str(s) = syn::Lit::new(lit) else {
                return None;
            };
            s.value()
        }
    };
    let plain = !text.contains(['\r', '\n']) && !text.starts_with('/');
    plain.then_some(text)
}

#[cfg(test)]
/// The tokens of `text`, flattened to their characters and delimiters, with whether two
/// characters that could make one operator touch: what a parser sees.
fn shape(tokens: TokenStream) -> Vec<String> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Group(g) => {
                out.push(format!("{:?}(", g.delimiter()));
                out.extend(shape(g.stream()));
                out.push(")".to_string());
            }
            TokenTree::Punct(p) => {
                out.push(p.as_char().to_string());
                if let Some(TokenTree::Punct(q)) = tokens.get(i + 1) {
                    let pair = format!("{}{}", p.as_char(), q.as_char());
                    if GLUED.contains(&pair.as_str()) {
                        out.push(format!("{:?}", p.spacing()));
                    }
                }
            }
            TokenTree::Ident(i) => out.push(i.to_string()),
            // A string by its value: `r" doc"` (quote's `///`) is printed as `/// doc`.
            TokenTree::Literal(l) => out.push(match syn::Lit::new(l.clone()) {
                syn::Lit::Str(s) => format!("{:?}", s.value()),
                _ => l.to_string(),
            }),
        }
    }
    out
}

/// Panics unless `text` lexes back to `tokens` ([`shape`]): the printer changed only whitespace.
#[cfg(test)]
pub(super) fn assert_same_tokens(tokens: &TokenStream, text: &str) {
    use std::str::FromStr;
    let again = TokenStream::from_str(text).expect("printed text lexes");
    assert_eq!(shape(again), shape(tokens.clone()), "{text}");
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    /// Prints `source` and checks the text lexes back to the same tokens (doc attributes
    /// compared through their `///` form, which lexes to them).
    fn printed(source: &str) -> String {
        let tokens = TokenStream::from_str(source).unwrap();
        let text = print(tokens.clone());
        assert_same_tokens(&tokens, &text);
        text
    }

    #[test]
    fn items_fields_and_docs_get_their_own_lines() {
        assert_eq!(
            printed(
                r#"#[doc = " A product."] #[derive(Debug)] pub struct Product { pub id: ::std::string::String, #[serde(default)] pub tags: ::std::vec::Vec<u8>, } impl Product { pub fn id(&self) -> &str { &self.id } }"#
            ),
            "/// A product.\n#[derive(Debug)]\npub struct Product {\n    pub id: ::std::string::String,\n    \
             #[serde(default)]\n    pub tags: ::std::vec::Vec<u8>,\n}\nimpl Product {\n    \
             pub fn id(&self) -> &str {\n        &self.id\n    }\n}\n"
        );
    }

    #[test]
    fn generics_paths_closures_and_operators_are_spaced_as_rustfmt_would() {
        assert_eq!(
            printed(
                "impl<S: super::T> ::rosetta::server::Mount for Server<S> where S: Send + 'static { fn f(x: &'static [u8]) -> Result<Vec<u8>, E> { let v = x.iter().map(|a, b| a + b).collect::<Vec<_>>(); match n { 1 => Some(A), _ => None, } } }"
            ),
            "impl<S: super::T> ::rosetta::server::Mount for Server<S> where S: Send + 'static {\n    \
             fn f(x: &'static [u8]) -> Result<Vec<u8>, E> {\n        \
             let v = x.iter().map(|a, b| a + b).collect::<Vec<_>>();\n        \
             match n {\n            1 => Some(A),\n            _ => None,\n        }\n    }\n}\n"
        );
    }

    #[test]
    fn macro_calls_keep_one_line_per_statement_and_break_long_lists() {
        let text = printed(
            r#"::rosetta::__grpc_adapter! { #[doc = " Serves it."] impl super::Greeter, "Greeter", super::proto::FILE_DESCRIPTOR_SET; unary "SayHello"("Greeter.SayHello", super::proto::HelloRequest => super::proto::HelloResponse) |request: super::HelloRequest| say_hello(request); } ::rosetta::__grpc_message!(Product = proto::Product { id, name("name", Convert), price(Required(proto::Money)), tags, attributes(Collect), image(Opt(Convert)) });"#,
        );
        assert!(
            text.starts_with(
                "::rosetta::__grpc_adapter! {\n    /// Serves it.\n    \
                 impl super::Greeter, \"Greeter\", super::proto::FILE_DESCRIPTOR_SET;\n    unary \"SayHello\"("
            ),
            "{text}"
        );
        assert!(
            text.contains("proto::Product {\n    id,\n    name(\"name\", Convert),\n"),
            "{text}"
        );
    }

    #[test]
    fn punctuation_that_could_merge_stays_apart() {
        // `a - -1`, `x = !y`, `< <T as A>::B>`, `&&`, `..=`, `'a`, `r#type`, `-> !`.
        for source in [
            "let a = b - -1;",
            "let x = !y;",
            "type T = Vec<<T as A>::B>;",
            "let r = &&x;",
            "match x { 0..=9 => 1, _ => 2 }",
            "fn f<'a>(x: &'a str, r#type: u8) -> ! { loop {} }",
            "let a = b < c && d > e;",
            "let c = || 1;",
            "let d = a < -1;",
            "let e = x == -1 || y != !z;",
            "let f: Vec<Vec<u8>> = v;",
            "x += 1; y -= 2; z == w; q != r;",
            r#"#![allow(dead_code)] #[doc = "/ not a plain comment"] struct A;"#,
        ] {
            printed(source);
        }
    }

    #[test]
    fn docs_that_a_comment_cannot_hold_stay_attributes() {
        let text = printed(r#"#[doc = "/starts with a slash"] struct A;"#);
        assert!(
            text.starts_with("#[doc = \"/starts with a slash\"]\n"),
            "{text}"
        );
        let text = printed(r#"#[doc = " two\n lines"] struct B;"#);
        assert!(text.starts_with("#[doc = \" two\\n lines\"]\n"), "{text}");
    }
}
