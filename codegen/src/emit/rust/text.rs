//! Generated Rust written as text, in the layout [`super::print`] gives the same tokens: the
//! types with their attributes, REST schema statics and `__proto!` calls, and a service's trait,
//! module, error enums and protocol glue.
//!
//! Why text: these items are regular, and building proc-macro2 token trees (an identifier
//! validated and allocated per name, a vector per group) only to walk them again in the printer
//! was most of `generate --target rust` (issue 17: 2,955 M of its instructions at 2,000 types
//! before, 1,206 M after, the output the same byte for byte). What is still tokens (a topic's
//! module, the package's `proto` module, mount statements, user-given attributes) is printed
//! into the text at its depth ([`Text::tokens`]). The layout rules are the printer's: a line per
//! attribute, field, variant and statement; a parenthesis or bracket list on one line unless its
//! one-line form, as proc-macro2 displays the tokens, is longer than
//! [`super::print::MAX_INLINE`] ([`flat_len`]); a list of one item never broken; a brace group
//! in a broken list broken. Test builds measure every list the printer's way as well
//! ([`long`]); the generated crates building in the tests hold the text valid.

use proc_macro2::TokenStream;

use super::ident::push_str_text;
use super::print::MAX_INLINE;

/// A piece of a file being written: whole lines at an indentation.
pub(super) struct Text {
    pub(super) out: String,
    indent: usize,
}

/// What a piece reserves first: most pieces (a type with its glue) are a few kilobytes, which
/// grown from empty took several reallocations each (1.7% of `generate --target rust`'s
/// instructions at 2,000 types).
const FIRST_CAPACITY: usize = 4096;

impl Default for Text {
    fn default() -> Text {
        Text::at(0)
    }
}

impl Text {
    /// An empty piece whose lines start `indent` levels deep.
    pub(super) fn at(indent: usize) -> Text {
        Text {
            out: String::with_capacity(FIRST_CAPACITY),
            indent,
        }
    }

    /// Whether nothing was written.
    pub(super) fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Starts a line: writes its indentation.
    pub(super) fn start(&mut self) -> &mut String {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        &mut self.out
    }

    /// Ends the line being written.
    pub(super) fn end(&mut self) {
        self.out.push('\n');
    }

    /// One whole line of `parts`.
    pub(super) fn line(&mut self, parts: &[&str]) {
        let out = self.start();
        for part in parts {
            out.push_str(part);
        }
        self.end();
    }

    /// A line of `parts` followed by ` {`; what follows is one level deeper.
    pub(super) fn open(&mut self, parts: &[&str]) {
        let out = self.start();
        for part in parts {
            out.push_str(part);
        }
        out.push_str(" {\n");
        self.indent += 1;
    }

    /// Like [`open`](Self::open), continuing the line being written.
    pub(super) fn open_on(&mut self, parts: &[&str]) {
        for part in parts {
            self.out.push_str(part);
        }
        self.out.push_str(" {\n");
        self.indent += 1;
    }

    /// `open`, `first`, then a value: `head`, or the struct value `head { fields }` when there
    /// are fields, then `close`, continuing the line; broken like a list, with the struct's fields
    /// a line each (`send(&ROUTE, &Request { a, b })`).
    pub(super) fn args_with_struct(
        &mut self,
        open: &str,
        first: &str,
        head: &str,
        fields: &[String],
        close: &str,
    ) {
        let value = if fields.is_empty() {
            head.to_string()
        } else {
            format!("{head} {{ {} }}", fields.join(", "))
        };
        self.list_with(
            open,
            &[first.to_string(), value],
            &[false, true],
            |out, &is_value| {
                if !is_value {
                    out.out.push_str(first);
                } else if fields.is_empty() {
                    out.out.push_str(head);
                } else {
                    out.broken_struct(head, fields);
                }
            },
            close,
        );
    }

    /// `head {`, a line per field, `}` (no line break after it): a struct value in a broken
    /// list (the printer's layout of a brace group there).
    fn broken_struct(&mut self, head: &str, fields: &[String]) {
        self.open_on(&[head]);
        for (i, field) in fields.iter().enumerate() {
            let comma = if i + 1 < fields.len() { "," } else { "" };
            self.line(&[field, comma]);
        }
        self.indent -= 1;
        self.start().push('}');
    }

    /// Back one level, and `}` followed by `tail` on a line.
    pub(super) fn close(&mut self, tail: &str) {
        self.indent -= 1;
        self.line(&["}", tail]);
    }

    /// Doc comments: `/// line` each, or `#[doc = "…"]` for a line a comment cannot hold.
    pub(super) fn docs(&mut self, lines: &[String]) {
        for line in lines {
            self.doc(line);
        }
    }

    /// One doc line (as the printer writes `#[doc = " line"]`).
    pub(super) fn doc(&mut self, line: &str) {
        let out = self.start();
        if line.contains(['\r', '\n']) {
            // Two `///` lines would be two attributes.
            out.push_str("#[doc = ");
            push_str_text(out, &format!(" {line}"));
            out.push(']');
        } else {
            out.push_str("/// ");
            out.push_str(line);
        }
        self.end();
    }

    /// `tokens` printed at this indentation, their gate markers made gates: the glue still built
    /// as tokens, and user-given attributes (text only the printer can lay out). Printed at the
    /// start of a line the tokens lay out the same at any depth, so the lines are only indented.
    pub(super) fn tokens(&mut self, tokens: TokenStream, crate_path: &str) {
        if tokens.is_empty() {
            return;
        }
        #[cfg(test)]
        let original = tokens.clone();
        let printed = super::print::print(tokens);
        #[cfg(test)]
        super::print::assert_same_tokens(&original, &printed);
        let printed = if printed.contains(super::protocols::GATE_BEGIN) {
            super::apply_gates(&printed, crate_path)
        } else {
            printed
        };
        for line in printed.lines() {
            self.line(&[line]);
        }
    }

    /// `parts {`, what `body` writes one level deeper, and `}`; `parts {}` on one line when
    /// `body` writes nothing.
    pub(super) fn block<E>(
        &mut self,
        parts: &[&str],
        body: impl FnOnce(&mut Text) -> Result<(), E>,
    ) -> Result<(), E> {
        let before = self.out.len();
        self.open(parts);
        let opened = self.out.len();
        body(self)?;
        if self.out.len() == opened {
            self.out.truncate(before);
            self.indent -= 1;
            let mut line = parts.to_vec();
            line.push(" {}");
            self.line(&line);
        } else {
            self.close("");
        }
        Ok(())
    }

    /// `open`, the comma-separated `items` and `close`, continuing the line being written: on
    /// this line when short, else an item per line one level deeper and `close` on a line of
    /// its own (the printer's layout of a parenthesis or bracket group).
    pub(super) fn list(&mut self, open: &str, items: &[String], close: &str) {
        self.list_with(
            open,
            items,
            items,
            |out, item| out.out.push_str(item),
            close,
        );
    }

    /// Like [`list`](Self::list), each item of `items` written by `item` when the list is
    /// broken (an item that is a group then breaks or not on its own); `inline` is each item on
    /// one line.
    pub(super) fn list_with<T>(
        &mut self,
        open: &str,
        inline: &[String],
        items: &[T],
        item: impl Fn(&mut Text, &T),
        close: &str,
    ) {
        self.out.push_str(open);
        let joined = inline.join(", ");
        // One item has no comma to break at: the printer keeps it on the line however long.
        if items.len() > 1 && long(&joined) {
            self.indent += 1;
            for (i, it) in items.iter().enumerate() {
                self.out.push('\n');
                self.start();
                item(self, it);
                if i + 1 < items.len() {
                    self.out.push(',');
                }
            }
            self.indent -= 1;
            self.out.push('\n');
            self.start();
        } else {
            self.out.push_str(&joined);
        }
        self.out.push_str(close);
    }

    /// `[`, the `n` struct literals `item` writes (each longer than a line: a brace group that
    /// breaks), `]`, continuing the line: one as `[Name {` … `}]`, more one per line one level
    /// deeper (the printer's layout).
    pub(super) fn literals(&mut self, n: usize, mut item: impl FnMut(&mut Text, usize)) {
        match n {
            0 => self.out.push_str("[]"),
            1 => {
                let mut one = Text::at(self.indent);
                item(&mut one, 0);
                self.out.push('[');
                self.out.push_str(one.out.trim());
                self.out.push(']');
            }
            _ => {
                self.out.push_str("[\n");
                self.indent += 1;
                for i in 0..n {
                    item(self, i);
                    if self.out.ends_with('\n') {
                        self.out.pop();
                    }
                    self.out.push_str(if i + 1 < n { ",\n" } else { "\n" });
                }
                self.indent -= 1;
                self.start().push(']');
            }
        }
    }

    /// Like [`list`](Self::list) for a macro call's arguments whose last argument ends in a
    /// braced list, `(a, b { x, y })`: broken, the braced list is broken too (the printer lays
    /// out a brace group in a broken list on lines of its own).
    pub(super) fn list_with_block(&mut self, args: &[String], last: &str, block: &[String]) {
        let braced = if block.is_empty() {
            format!("{last} {{}}")
        } else {
            format!("{last} {{ {} }}", block.join(", "))
        };
        let inline = args
            .iter()
            .map(String::as_str)
            .chain([braced.as_str()])
            .collect::<Vec<_>>()
            .join(", ");
        if !long(&inline) {
            self.out.push('(');
            self.out.push_str(&inline);
            self.out.push(')');
            return;
        }
        self.out.push('(');
        self.indent += 1;
        for arg in args {
            self.out.push('\n');
            self.start().push_str(arg);
            self.out.push(',');
        }
        self.out.push('\n');
        self.start().push_str(last);
        if block.is_empty() {
            self.out.push_str(" {}");
        } else {
            self.out.push_str(" {");
            self.indent += 1;
            for (i, item) in block.iter().enumerate() {
                self.out.push('\n');
                self.start().push_str(item);
                if i + 1 < block.len() {
                    self.out.push(',');
                }
            }
            self.indent -= 1;
            self.out.push('\n');
            self.start().push('}');
        }
        self.indent -= 1;
        self.out.push('\n');
        self.start().push(')');
    }
}

/// Whether a group holding `inline` (its contents on one line, single-spaced) is broken into
/// lines: the printer's rule, the one-line length as proc-macro2 prints the tokens (each token
/// then a space) over [`MAX_INLINE`]. That length is at least the text's and under three times
/// it, so only text in between is measured ([`flat_len`]).
fn long(inline: &str) -> bool {
    let len = inline.len();
    if len > MAX_INLINE {
        return true;
    }
    if 3 * len <= MAX_INLINE {
        return false;
    }
    let long = flat_len(inline) > MAX_INLINE;
    #[cfg(test)]
    {
        // Every list of every generated example, measured the printer's way as well.
        let tokens: Vec<_> = <TokenStream as std::str::FromStr>::from_str(inline)
            .unwrap_or_else(|e| panic!("`{inline}` does not lex: {e}"))
            .into_iter()
            .collect();
        assert_eq!(
            long,
            super::print::flat_len(&tokens) > MAX_INLINE,
            "{inline}"
        );
    }
    long
}

/// What [`super::print::flat_len`] counts for the tokens of `text`, counted on the text: each
/// top-level token as proc-macro2 displays it (a group's tokens space-separated except after a
/// joint punctuation character, `{ … }` padded), plus a space. Lexing the text into tokens only
/// to count them was a tenth of `generate --target rust`. Covers what this module writes:
/// identifiers, punctuation, groups, string and number literals (`-1` is `-` and `1`, as
/// proc-macro2 splits a negative literal pushed into a stream).
fn flat_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut total = 0;
    while let Some((len, _, next)) = token(bytes, at) {
        total += len + 1;
        at = next;
    }
    total
}

/// The `#`s of a raw string's fence when `after_r` (what follows an `r`) opens one (`r#type`
/// is an identifier).
fn raw_string_hashes(after_r: &[u8]) -> Option<usize> {
    let hashes = after_r.iter().take_while(|&&b| b == b'#').count();
    (after_r.get(hashes) == Some(&b'"')).then_some(hashes)
}

/// Punctuation characters (proc-macro2's): one followed by another is joint.
fn is_punct(b: u8) -> bool {
    b"~!@#$%^&*-=+|;:,<.>/?'".contains(&b)
}

/// The token at or after `at`: its displayed length, whether it is a joint punctuation
/// character, and where the text after it starts; `None` at the end or a closing delimiter.
fn token(bytes: &[u8], mut at: usize) -> Option<(usize, bool, usize)> {
    while bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    let start = at;
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let c = *bytes.get(at)?;
    match c {
        b')' | b']' | b'}' => None,
        b'(' | b'[' | b'{' => {
            // The group's tokens, space-separated except after a joint punctuation character.
            let (mut len, mut count, mut at, mut joint) = (0, 0, at + 1, false);
            while let Some((l, j, next)) = token(bytes, at) {
                len += l + usize::from(count > 0 && !joint);
                count += 1;
                joint = j;
                at = next;
            }
            while bytes.get(at) == Some(&b' ') {
                at += 1;
            }
            let pad = if c == b'{' {
                if count > 0 { 4 } else { 3 }
            } else {
                2
            };
            Some((len + pad, false, at + 1))
        }
        b'"' => {
            at += 1;
            while at < bytes.len() && bytes[at] != b'"' {
                at += if bytes[at] == b'\\' { 2 } else { 1 };
            }
            Some((at + 1 - start, false, at + 1))
        }
        b'r' if raw_string_hashes(&bytes[at + 1..]).is_some() => {
            let hashes = raw_string_hashes(&bytes[at + 1..]).unwrap_or(0);
            let body = at + 2 + hashes;
            let mut end = body;
            while end < bytes.len()
                && !(bytes[end] == b'"'
                    && bytes[end + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&b| b == b'#')
                        .count()
                        == hashes)
            {
                end += 1;
            }
            let next = end + 1 + hashes;
            Some((next - start, false, next))
        }
        b'0'..=b'9' => {
            at += 1;
            while at < bytes.len()
                && (word(bytes[at])
                    || (bytes[at] == b'.' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit)))
            {
                at += 1;
            }
            Some((at - start, false, at))
        }
        _ if is_punct(c) => {
            let joint = c == b'\'' || bytes.get(at + 1).copied().is_some_and(is_punct);
            Some((1, joint, at + 1))
        }
        _ => {
            if bytes[at..].starts_with(b"r#") {
                at += 2;
            }
            while at < bytes.len() && word(bytes[at]) {
                at += 1;
            }
            // Never stuck on a character none of the above reads.
            let at = at.max(start + 1);
            Some((at - start, false, at))
        }
    }
}

/// `features`' gate around `body` (`<crate>::__if_rest! { <crate>::__if_server! {` … `}}`), as
/// [`super::apply_gates`] writes the printer's gate markers, at the indentation of `text`.
pub(super) fn gated(
    text: &mut Text,
    crate_path: &str,
    features: &[&str],
    body: impl FnOnce(&mut Text),
) {
    let out = text.start();
    for (i, feature) in features.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(crate_path);
        out.push_str("::__if_");
        out.push_str(feature);
        out.push_str("! {");
    }
    text.end();
    body(text);
    text.line(&[&"}".repeat(features.len())]);
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn flat_len_counts_what_the_printer_counts() {
        for text in [
            "a, b",
            "&self, ctx: ::rosetta::Context, request: super::super::common::PageRequest",
            "svc: ::std::sync::Arc<S>, ctx: ::rosetta::Context",
            "|svc, ctx, request: super::AddRequest| call_add(svc, ctx, request)",
            "rest_add, super::Calculator, handle, REST_ROUTES[0], |svc, ctx| call_x(svc, ctx)",
            "struct Category, \"Category\" { field 1 name, optional 2 parent, repeated 3 children }",
            "struct Empty, \"Empty\" {}",
            "union P, \"p.P\" { 1 Card \"card\", 2 r#type \"type\" }",
            "\"a \\\" quoted\", r#\"{\"json\":1}\"#, r##\"{\"$ref\":\"#/x\"}\"##",
            "min = 0.5, max = 1e300, n = 2usize, x = 1.0",
            "self.inner, \"svc.m\", 2usize, size = \"size\", title = \"title\"",
            "&'static str, x => y, a -> b, Vec<Vec<u8>>, [Self::A, Self::B]",
            "super::SearchRequest => ::rosetta::__private::grpc::message::ReplyList<super::Product>",
            "::rosetta::__private::grpc::message::ReplyList<super::Category>, ()",
        ] {
            let tokens: Vec<_> = TokenStream::from_str(text).unwrap().into_iter().collect();
            // The printer stops counting once past the limit.
            let printer = super::super::print::flat_len(&tokens);
            let here = flat_len(text);
            if printer > MAX_INLINE {
                assert!(here > MAX_INLINE, "{text}: {here}");
            } else {
                assert_eq!(here, printer, "{text}");
            }
        }
        // A negative literal is `-` and a number once in a stream, as the printer saw it.
        let minus = TokenStream::from_iter([proc_macro2::TokenTree::from(
            proc_macro2::Literal::i64_unsuffixed(-5),
        )]);
        let tokens: Vec<_> = minus.into_iter().collect();
        assert_eq!(flat_len("-5"), super::super::print::flat_len(&tokens));
    }

    #[test]
    fn lists_break_where_the_printer_breaks_them() {
        let items = |n: usize| {
            (0..n)
                .map(|i| format!("Self::Value{i}"))
                .collect::<Vec<_>>()
        };
        for n in 0..12 {
            // One long item stays on its line.
            let items = |n: usize| {
                let mut items = items(n);
                if n == 1 {
                    items[0] = format!("Self::{}", "Long".repeat(30));
                }
                items
            };
            let mut text = Text::default();
            text.start().push_str("x = &");
            text.list("[", &items(n), "]");
            text.out.push(';');
            let tokens = TokenStream::from_str(&text.out).unwrap();
            assert_eq!(
                super::super::print::print(tokens),
                text.out + "\n",
                "{n} items"
            );
        }
    }
}
