//! Rust identifiers for IDL names: the one place that converts case and escapes keywords.
//!
//! Types and variants are UpperCamelCase, fields, methods and modules snake_case (heck). Keywords
//! become raw identifiers (`r#type`), except the four that cannot be raw (`self`, `Self`, `super`,
//! `crate`), which get a trailing underscore. Generated code spells every std item by its full
//! path (`::std::string::String`), so an IDL type named `String` or `Option` is harmless.

use std::cell::RefCell;
use std::rc::Rc;

use proc_macro2::{Ident, Span};
use rustc_hash::FxHashMap as HashMap;

/// Every Rust keyword, strict and reserved, 2015 to 2024 editions.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// How already-cased text is spelled as an identifier: itself, raw (`r#type`) when a keyword
/// that can be raw, else with a `_` added (`self_`, `_2fa`).
fn spelling(name: &str) -> (bool, std::borrow::Cow<'_, str>) {
    if NOT_RAW.contains(&name) {
        (false, format!("{name}_").into())
    } else if KEYWORDS.contains(&name) {
        (true, name.into())
    } else if name.starts_with(|c: char| c.is_ascii_digit()) || name.is_empty() {
        (false, format!("_{name}").into())
    } else {
        (false, name.into())
    }
}

/// An identifier from already-cased text, escaped if it is a keyword.
pub fn escape(name: &str) -> Ident {
    match spelling(name) {
        (true, text) => Ident::new_raw(&text, Span::call_site()),
        (false, text) => Ident::new(&text, Span::call_site()),
    }
}

/// The text of [`escape`]'s identifier (`r#type` for a raw one), for items written as text.
fn escape_text(name: &str) -> Rc<str> {
    match spelling(name) {
        (true, text) => format!("r#{text}").into(),
        (false, text) => text.into(),
    }
}

/// A type, trait or variant name: `UpperCamelCase`.
pub fn type_ident(name: &str) -> Ident {
    cached(&TYPE_IDENTS, name, |name| escape(&upper_camel(name)))
}

/// A field, parameter, method or module name: `snake_case`.
pub fn field_ident(name: &str) -> Ident {
    cached(&FIELD_IDENTS, name, |name| escape(&snake_case(name)))
}

/// [`type_ident`] as text (no token made: the items written as text use it).
pub(crate) fn type_name(name: &str) -> Rc<str> {
    cached(&TYPE_NAMES, name, |name| escape_text(&upper_camel(name)))
}

/// [`field_ident`] as text.
pub(crate) fn field_name(name: &str) -> Rc<str> {
    cached(&FIELD_NAMES, name, |name| escape_text(&snake_case(name)))
}

/// The snake_case text of a name (no escaping).
pub(crate) fn snake_case(name: &str) -> String {
    cached(&SNAKE_CASE, name, crate::case::snake)
}

thread_local! {
    /// Identifiers already made from IDL names, per conversion: a name is converted once, not
    /// at every reference to it (heck's case conversion was 13% of `generate --target rust`).
    static TYPE_IDENTS: RefCell<HashMap<Box<str>, Ident>> = RefCell::default();
    static FIELD_IDENTS: RefCell<HashMap<Box<str>, Ident>> = RefCell::default();
    static UPPER_CAMEL: RefCell<HashMap<Box<str>, String>> = RefCell::default();
    static SNAKE_CASE: RefCell<HashMap<Box<str>, String>> = RefCell::default();
    static TYPE_NAMES: RefCell<HashMap<Box<str>, Rc<str>>> = RefCell::default();
    static FIELD_NAMES: RefCell<HashMap<Box<str>, Rc<str>>> = RefCell::default();
}

/// What `make` gives `name` (an identifier, a cased text), made once per thread.
pub(crate) fn cached<V: Clone + 'static>(
    cache: &'static std::thread::LocalKey<RefCell<HashMap<Box<str>, V>>>,
    name: &str,
    make: fn(&str) -> V,
) -> V {
    cache.with(|cache| {
        if let Some(value) = cache.borrow().get(name) {
            return value.clone();
        }
        let value = make(name);
        cache.borrow_mut().insert(name.into(), value.clone());
        value
    })
}

/// The UpperCamelCase text of a name (no escaping).
pub fn upper_camel(name: &str) -> String {
    cached(&UPPER_CAMEL, name, |name| {
        let s = crate::case::upper_camel(name);
        if s.is_empty() { "_".to_string() } else { s }
    })
}

/// `call_<rpc>`: the function in a service's module through which every protocol calls the
/// rpc's trait method ([`super::types::Gen::invoker`]).
pub(crate) fn invoker_name(rpc: &crate::ir::Rpc) -> String {
    format!("call_{}", snake_case(&rpc.name))
}

/// `<Rpc>Error`: the error enum of rpc `rpc_name`, spelled here only.
pub(crate) fn rpc_error_name(rpc_name: &str) -> String {
    format!("{}Error", upper_camel(rpc_name))
}

/// The string literal of `s`, escaped in one pass over its bytes: proc-macro2's
/// `Literal::string` escapes char by char through `escape_debug` (with its Unicode printability
/// tables), which was a tenth of `generate --target rust` on the OpenAPI fragments' JSON. Only
/// `"`, `\\` and control characters are escaped; the lexer then reads the text as written.
/// Text with quotes (JSON) and no control character is a raw string, `r#"…"#`, with as many `#`
/// as it takes (`r##"…"##` for JSON with `"#/components/…` references), copied as it is: quicker
/// to write and to read.
pub(crate) fn str_literal(s: &str) -> proc_macro2::Literal {
    // SAFETY: `str_text` writes a valid string literal (see there).
    unsafe { proc_macro2::Literal::from_str_unchecked(&str_text(s)) }
}

/// The text of [`str_literal`]: a raw string when `s` has quotes and no control character,
/// else quoted with only `"`, `\\` and control characters escaped.
pub(crate) fn str_text(s: &str) -> String {
    let mut out = String::new();
    push_str_text(&mut out, s);
    out
}

/// Appends [`str_text`] of `s` to `out`.
pub(crate) fn push_str_text(out: &mut String, s: &str) {
    // Valid by construction (held by `string_literals_escape_what_they_must`): a raw string
    // only when no `"` in `s` is followed by as many `#` as its fence, and `s` has no control
    // character; else quoted with every `"`, `\\` and control character escaped. Checking it
    // again through proc-macro2's lexer cost as much as building it.
    if let Some(hashes) = raw_hashes(s) {
        let fence = &"########"[..hashes];
        out.reserve(s.len() + 2 * hashes + 3);
        out.push('r');
        out.push_str(fence);
        out.push('"');
        out.push_str(s);
        out.push('"');
        out.push_str(fence);
        return;
    }
    out.reserve(s.len() + 2);
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f | 0x7f => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        if escaped.is_empty() {
            out.push_str(&format!("\\u{{{b:x}}}"));
        } else {
            out.push_str(escaped);
        }
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// How many `#` a raw string of `s` needs, when `s` has a `"` (else an escaped string is as
/// short) and no control character (a raw string keeps them as they are, which the printed
/// file should not): one more than the longest run of `#` after a `"`, at most eight.
fn raw_hashes(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    // Without an early exit, so the compiler checks many bytes at a time (a byte-by-byte
    // loop was a few percent of `generate --target rust`: its JSON texts are megabytes).
    let control = bytes.iter().fold(0u8, |seen, &b| {
        seen | u8::from(b < 0x20) | u8::from(b == 0x7f)
    });
    if control != 0 || !s.contains('"') {
        return None;
    }
    // `#` is rare in these texts (a `$ref`'s `"#/…`): each run after a `"` is counted.
    let mut hashes = 1;
    for (at, _) in s.match_indices('#') {
        if at > 0 && bytes[at - 1] == b'"' {
            let run = bytes[at..].iter().take_while(|&&b| b == b'#').count();
            hashes = hashes.max(run + 1);
        }
    }
    (hashes <= 8).then_some(hashes)
}

/// A string literal token for `quote!`: interpolating a `String` or `&str` directly goes
/// through proc-macro2's `Literal::string` (see [`str_literal`]).
pub(crate) fn lit(s: impl AsRef<str>) -> proc_macro2::Literal {
    str_literal(s.as_ref())
}

/// A token stream that `quote!` splices in by moving it, once: quote's own interpolation of a
/// `TokenStream` clones it, and proc-macro2 then copies every token of the shared stream to
/// iterate it, so an item nested n levels deep was copied n times (a tenth of
/// `generate --target rust`).
pub(crate) struct Moved(std::cell::Cell<proc_macro2::TokenStream>);

/// `tokens`, to be spliced into one `quote!` by move ([`Moved`]); a second splice is empty.
pub(crate) fn moved(tokens: proc_macro2::TokenStream) -> Moved {
    Moved(std::cell::Cell::new(tokens))
}

impl quote::ToTokens for Moved {
    fn to_tokens(&self, out: &mut proc_macro2::TokenStream) {
        let tokens = self.0.take();
        if out.is_empty() {
            *out = tokens;
        } else {
            out.extend(tokens);
        }
    }
}

/// The text an identifier stands for on the wire when it differs from the Rust spelling without
/// `r#` (a `self_` field is `self` in JSON): `Some(wire)` when a rename attribute is needed.
pub(crate) fn wire_rename(rust: &str, wire: &str) -> Option<String> {
    let plain = rust.strip_prefix("r#").unwrap_or(rust);
    (plain != wire).then(|| wire.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_becomes_a_valid_identifier() {
        for kw in KEYWORDS {
            let f = field_ident(kw).to_string();
            let t = type_ident(kw).to_string();
            // Must parse as an identifier, not a keyword.
            assert!(syn::parse_str::<syn::Ident>(&f).is_ok(), "{kw} -> {f}");
            assert!(syn::parse_str::<syn::Ident>(&t).is_ok(), "{kw} -> {t}");
        }
        assert_eq!(field_ident("type").to_string(), "r#type");
        assert_eq!(field_ident("self").to_string(), "self_");
        assert_eq!(type_ident("self").to_string(), "Self_");
        assert_eq!(field_ident("crate").to_string(), "crate_");
    }

    #[test]
    fn string_literals_escape_what_they_must() {
        for s in [
            "",
            "plain",
            "a \"quoted\" \\ path",
            "line\nnext\ttab\r",
            "\u{0}\u{1f}\u{7f}",
            "héllo ☃ 𝄞",
            "{\"json\":\"text\"}",
            "a \"#tag\" stays escaped",
            "{\"$ref\":\"#/components/schemas/A\"}",
            "\"##\" and \"###\"",
            "\"#########\" is too many",
        ] {
            let lit = str_literal(s);
            let syn::Lit::Str(back) = syn::Lit::new(lit.clone()) else {
                panic!("{lit} is not a string literal");
            };
            assert_eq!(back.value(), s, "{lit}");
        }
        assert_eq!(str_literal("{\"a\":1}").to_string(), "r#\"{\"a\":1}\"#");
        assert_eq!(str_literal("plain").to_string(), "\"plain\"");
        assert_eq!(
            str_literal("{\"$ref\":\"#/a\"}").to_string(),
            "r##\"{\"$ref\":\"#/a\"}\"##"
        );
        assert_eq!(str_literal("\"##\"").to_string(), "r###\"\"##\"\"###");
    }

    #[test]
    fn case_conversion() {
        assert_eq!(type_ident("http_request").to_string(), "HttpRequest");
        assert_eq!(field_ident("GetProduct").to_string(), "get_product");
        assert_eq!(type_ident("ACTIVE").to_string(), "Active");
        assert_eq!(field_ident("2fa").to_string(), "_2fa");
    }

    #[test]
    fn wire_names() {
        assert_eq!(wire_rename(&field_name("type"), "type"), None);
        assert_eq!(
            wire_rename(&field_name("self"), "self"),
            Some("self".into())
        );
        assert_eq!(
            wire_rename(&field_name("fooBar"), "fooBar"),
            Some("fooBar".into())
        );
    }
}
