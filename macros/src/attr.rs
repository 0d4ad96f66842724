//! `#[rosetta(...)]` attributes: every key parsed, every malformed one reported with its span.
//!
//! Parsing never stops at the first problem: a bad key is recorded in the [`Ctxt`], its value is
//! skipped, and the next key is read, so one `cargo build` shows every mistake (serde_derive's
//! `Ctxt` works the same way). Only a token-level syntax error ends the attribute it is in.

use std::fmt::Display;

use proc_macro2::{Delimiter, Span, TokenTree};
use quote::ToTokens;
use syn::parse::ParseStream;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Lit, LitFloat, LitInt, LitStr, Token, UnOp};

/// The errors of one derive, gathered and reported together.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: Option<syn::Error>,
}

impl Ctxt {
    /// Records an error; earlier ones are kept.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(all) => all.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// Records an error pointing at `tokens`.
    pub(crate) fn error_spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Every error recorded, combined into one, or `Ok` when there was none.
    pub(crate) fn check(self) -> syn::Result<()> {
        match self.errors {
            Some(all) => Err(all),
            None => Ok(()),
        }
    }
}

/// Where an attribute was written: each place accepts its own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// On the struct or enum itself, read by `Validate` or `XmlRpc`: the `Event` keys are
    /// accepted and left to that derive.
    Container,
    /// On the struct or enum itself, read by `Event`.
    EventContainer,
    /// On an enum variant.
    Variant,
    /// On a named field of a struct.
    Field,
    /// On the single field of a union variant: `Card(#[rosetta(...)] CardPayment)`.
    Payload,
}

impl Place {
    fn keys(self) -> &'static [&'static str] {
        match self {
            Place::Container => &["crate", "topic", "key", "encoding"],
            Place::EventContainer => &["topic", "key", "encoding", "crate"],
            Place::Variant => &["rename"],
            Place::Field => &["rename", "skip", "range", "length", "pattern"],
            Place::Payload => &["skip", "range", "length", "pattern"],
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Place::Container | Place::EventContainer => "on a struct or enum",
            Place::Variant => "on an enum variant",
            Place::Field => "on a field",
            Place::Payload => "on the field of a union variant",
        }
    }
}

/// Every key `#[rosetta(...)]` knows, wherever it goes.
const ALL_KEYS: &[&str] = &[
    "crate", "rename", "skip", "range", "length", "pattern", "topic", "key", "encoding",
];

/// Where a key that is misplaced belongs, for the error message.
fn belongs(key: &str) -> &'static str {
    match key {
        "crate" => "goes on the struct or enum",
        "topic" | "key" | "encoding" => "goes on the struct or enum, for `#[derive(Event)]`",
        "rename" => "goes on a field or an enum variant (for a union variant, on the variant)",
        _ => "goes on a field (for a union variant, on its field: `Card(#[rosetta(...)] T)`)",
    }
}

/// Everything `#[rosetta(...)]` said at one place. Keys not allowed there stay `None`.
#[derive(Default)]
pub(crate) struct Attrs {
    /// `crate = "::path"`: the root of every path the expansion emits.
    pub(crate) krate: Option<syn::Path>,
    /// `rename = "name"`: the wire and validation-path name.
    pub(crate) rename: Option<LitStr>,
    /// `skip`: do not descend into the field when validating.
    pub(crate) skip: Option<Span>,
    /// `range(min = .., max = ..)`.
    pub(crate) range: Option<RangeAttr>,
    /// `length(min = .., max = ..)`.
    pub(crate) length: Option<LengthAttr>,
    /// `pattern = "regex"`.
    pub(crate) pattern: Option<PatternAttr>,
    /// `topic = "name"`: the Kafka topic of an `Event`, already checked.
    pub(crate) topic: Option<LitStr>,
    /// `key = field`: the field an `Event` is keyed by.
    pub(crate) key: Option<syn::Ident>,
    /// `encoding = "json"`: an `Event`'s encoding, already known.
    pub(crate) encoding: Option<(EventEncoding, Span)>,
}

/// `encoding = "..."` of an `Event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventEncoding {
    /// `"json"`: serde JSON, the default.
    Json,
    /// `"string"`: a one-field struct holding a `String`, as UTF-8.
    String,
    /// `"bytes"`: a one-field struct holding a `Vec<u8>`, unchanged.
    Bytes,
}

/// `range(min = .., max = ..)`, both bounds inclusive.
pub(crate) struct RangeAttr {
    pub(crate) min: Option<Number>,
    pub(crate) max: Option<Number>,
}

/// A number literal, possibly negated, as written.
pub(crate) struct Number {
    pub(crate) minus: Option<Token![-]>,
    pub(crate) lit: NumberLit,
}

/// The literal of a [`Number`].
pub(crate) enum NumberLit {
    Int(LitInt),
    Float(LitFloat),
}

impl Number {
    /// The value as a float, for comparing `min` and `max` while expanding.
    fn as_f64(&self) -> Option<f64> {
        let value = match &self.lit {
            NumberLit::Int(lit) => lit.base10_parse::<f64>().ok()?,
            NumberLit::Float(lit) => lit.base10_parse::<f64>().ok()?,
        };
        Some(if self.minus.is_some() { -value } else { value })
    }
}

impl ToTokens for Number {
    fn to_tokens(&self, tokens: &mut proc_macro2::TokenStream) {
        self.minus.to_tokens(tokens);
        match &self.lit {
            NumberLit::Int(lit) => lit.to_tokens(tokens),
            NumberLit::Float(lit) => lit.to_tokens(tokens),
        }
    }
}

/// `length(min = .., max = ..)`, both inclusive.
pub(crate) struct LengthAttr {
    pub(crate) min: Option<(usize, Span)>,
    pub(crate) max: Option<(usize, Span)>,
}

/// `pattern = "regex"`, already known to compile.
pub(crate) struct PatternAttr {
    pub(crate) regex: LitStr,
}

/// Reads every `#[rosetta(...)]` in `attrs`, written at `place`. Other attributes are ignored.
pub(crate) fn parse(cx: &mut Ctxt, attrs: &[Attribute], place: Place) -> Attrs {
    let mut out = Attrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("rosetta")) {
        if let syn::Meta::Path(path) = &attr.meta {
            cx.error_spanned(
                path,
                "expected `#[rosetta(...)]` with keys inside the parentheses",
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let Some(key) = meta.path.get_ident().map(|i| i.to_string()) else {
                cx.error_spanned(&meta.path, "expected a key like `rename`, not a path");
                return skip_value(meta.input);
            };
            if !place.keys().contains(&key.as_str()) {
                cx.push(unknown_key(&meta.path, &key, place));
                return skip_value(meta.input);
            }
            let ident = &meta.path;
            if place == Place::Container && matches!(key.as_str(), "topic" | "key" | "encoding") {
                // `#[derive(Event)]` reads and checks these.
                return skip_value(meta.input);
            }
            match key.as_str() {
                "topic" => {
                    if let Some(lit) = string_value(cx, &meta, "topic", "orders")? {
                        if let Err(message) = check_topic(&lit.value()) {
                            cx.error_spanned(&lit, message);
                        } else {
                            set_once(cx, &mut out.topic, lit, ident);
                        }
                    }
                }
                "key" => {
                    if !meta.input.peek(Token![=]) {
                        cx.error_spanned(ident, "expected `key = field_name`");
                        skip_value(meta.input)?;
                    } else {
                        let expr: Expr = meta.value()?.parse()?;
                        match &expr {
                            Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                                let field = p.path.get_ident().cloned();
                                set_once(cx, &mut out.key, field.expect("checked"), ident);
                            }
                            Expr::Lit(ExprLit {
                                lit: Lit::Str(lit), ..
                            }) => cx.error_spanned(
                                lit,
                                format!(
                                    "`key` names a field without quotes: `key = {}`",
                                    lit.value()
                                ),
                            ),
                            other => cx.error_spanned(
                                other,
                                "expected the name of a field: `key = field_name`",
                            ),
                        }
                    }
                }
                "encoding" => {
                    if let Some(lit) = string_value(cx, &meta, "encoding", "json")? {
                        let encoding = match lit.value().as_str() {
                            "json" => Some(EventEncoding::Json),
                            "string" => Some(EventEncoding::String),
                            "bytes" => Some(EventEncoding::Bytes),
                            other => {
                                let hint = closest(other, &["json", "string", "bytes"])
                                    .map_or_else(String::new, |c| {
                                        format!("; did you mean \"{c}\"?")
                                    });
                                cx.error_spanned(
                                    &lit,
                                    format!(
                                        "unknown encoding \"{other}\": expected \"json\", \
                                         \"string\" or \"bytes\"{hint}"
                                    ),
                                );
                                None
                            }
                        };
                        if let Some(encoding) = encoding {
                            set_once(cx, &mut out.encoding, (encoding, lit.span()), ident);
                        }
                    }
                }
                "crate" => {
                    if let Some(lit) = string_value(cx, &meta, "crate", "::rosetta")? {
                        match lit.parse::<syn::Path>() {
                            Ok(path) => set_once(cx, &mut out.krate, path, ident),
                            Err(_) => cx.error_spanned(
                                &lit,
                                "expected a path to the rosetta crate, like \"::rosetta\"",
                            ),
                        }
                    }
                }
                "rename" => {
                    if let Some(lit) = string_value(cx, &meta, "rename", "name")? {
                        if lit.value().is_empty() {
                            cx.error_spanned(&lit, "`rename` needs a non-empty name");
                        } else {
                            set_once(cx, &mut out.rename, lit, ident);
                        }
                    }
                }
                "skip" => {
                    if meta.input.is_empty() || meta.input.peek(Token![,]) {
                        set_once(cx, &mut out.skip, ident_span(ident), ident);
                    } else {
                        cx.error_spanned(ident, "`skip` takes no value: write `#[rosetta(skip)]`");
                        skip_value(meta.input)?;
                    }
                }
                "range" => {
                    if let Some(range) = range_value(cx, &meta)? {
                        set_once(cx, &mut out.range, range, ident);
                    }
                }
                "length" => {
                    if let Some(length) = length_value(cx, &meta)? {
                        set_once(cx, &mut out.length, length, ident);
                    }
                }
                "pattern" => {
                    if let Some(regex) = string_value(cx, &meta, "pattern", "^[a-z]+$")? {
                        if let Err(message) = check_regex(&regex.value()) {
                            cx.error_spanned(&regex, message);
                        } else {
                            set_once(cx, &mut out.pattern, PatternAttr { regex }, ident);
                        }
                    }
                }
                _ => unreachable!("every key of Place::keys is handled"),
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.push(e);
        }
    }
    out
}

fn ident_span(path: &syn::Path) -> Span {
    path.segments
        .first()
        .map_or_else(Span::call_site, |s| s.ident.span())
}

/// Stores `value` in `slot`, or reports a duplicate key at `key`.
fn set_once<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, key: &syn::Path) {
    if slot.is_some() {
        cx.error_spanned(key, format!("duplicate `{}`", key.to_token_stream()));
    } else {
        *slot = Some(value);
    }
}

/// Consumes whatever follows a key up to the next top-level comma, so parsing can go on.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// The error for a key not allowed at `place`: misplaced, or misspelt with a suggestion.
fn unknown_key(path: &syn::Path, key: &str, place: Place) -> syn::Error {
    let allowed = place.keys();
    let list = allowed
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let message = if ALL_KEYS.contains(&key) {
        format!(
            "`{key}` is not allowed {}: it {}",
            place.describe(),
            belongs(key)
        )
    } else if let Some(close) = closest(key, allowed) {
        format!("unknown rosetta attribute `{key}`; did you mean `{close}`?")
    } else if allowed.len() == 1 {
        format!("unknown rosetta attribute `{key}`; expected {list}")
    } else {
        format!("unknown rosetta attribute `{key}`; expected one of {list}")
    };
    syn::Error::new_spanned(path, message)
}

/// The candidate nearest to `word` by edit distance, if it is near enough to be a typo.
fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance with adjacent transpositions counted as one edit (`lenght` → `length`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Reads `key = "..."`; anything but a string literal is reported (with `example` in the hint)
/// and yields `None`.
fn string_value(
    cx: &mut Ctxt,
    meta: &syn::meta::ParseNestedMeta,
    key: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(Token![=]) {
        cx.error_spanned(&meta.path, format!("expected `{key} = \"{example}\"`"));
        skip_value(meta.input)?;
        return Ok(None);
    }
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(Some(lit)),
        other => {
            cx.error_spanned(
                other,
                format!("expected a string literal: `{key} = \"{example}\"`"),
            );
            Ok(None)
        }
    }
}

/// Whether `meta` is followed by a non-empty `( ... )`; reports `usage` otherwise.
fn has_arguments(
    cx: &mut Ctxt,
    meta: &syn::meta::ParseNestedMeta,
    usage: &str,
) -> syn::Result<bool> {
    match meta.input.cursor().group(Delimiter::Parenthesis) {
        Some((inside, _, _)) if !inside.eof() => Ok(true),
        Some(_) => {
            let key = meta.path.to_token_stream();
            cx.push(meta.error(format!("`{key}` needs `min`, `max` or both: {usage}")));
            skip_value(meta.input)?;
            Ok(false)
        }
        None => {
            cx.error_spanned(&meta.path, format!("expected {usage}"));
            skip_value(meta.input)?;
            Ok(false)
        }
    }
}

/// Reads the `min = .., max = ..` inside `range(...)` or `length(...)`, handing each value to
/// `read`.
fn bounds<T>(
    cx: &mut Ctxt,
    meta: &syn::meta::ParseNestedMeta,
    mut read: impl FnMut(&mut Ctxt, Expr) -> Option<T>,
) -> syn::Result<(Option<T>, Option<T>)> {
    let key = meta.path.to_token_stream().to_string();
    let mut min = None;
    let mut max = None;
    meta.parse_nested_meta(|bound| {
        let name = bound
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        let slot = match name.as_str() {
            "min" => &mut min,
            "max" => &mut max,
            _ => {
                let hint = closest(&name, &["min", "max"])
                    .map_or_else(String::new, |c| format!("; did you mean `{c}`?"));
                cx.error_spanned(
                    &bound.path,
                    format!(
                        "unknown `{key}` bound `{}`: expected `min` or `max`{hint}",
                        bound.path.to_token_stream()
                    ),
                );
                return skip_value(bound.input);
            }
        };
        if !bound.input.peek(Token![=]) {
            cx.error_spanned(&bound.path, format!("expected `{name} = <number>`"));
            return skip_value(bound.input);
        }
        let expr: Expr = bound.value()?.parse()?;
        if let Some(value) = read(cx, expr) {
            set_once(cx, slot, value, &bound.path);
        }
        Ok(())
    })?;
    Ok((min, max))
}

/// Reads `range(min = .., max = ..)`.
fn range_value(cx: &mut Ctxt, meta: &syn::meta::ParseNestedMeta) -> syn::Result<Option<RangeAttr>> {
    const USAGE: &str = "`range(min = 1, max = 100)` (either bound may be left out)";
    if !has_arguments(cx, meta, USAGE)? {
        return Ok(None);
    }
    let (min, max) = bounds(cx, meta, number)?;
    if min.is_none() && max.is_none() {
        // Every bound was malformed and already reported.
        return Ok(None);
    }
    if let (Some(lo), Some(hi)) = (&min, &max)
        && let (Some(a), Some(b)) = (lo.as_f64(), hi.as_f64())
        && a > b
    {
        cx.error_spanned(hi, "`range` max is below its min: no value could pass");
    }
    Ok(Some(RangeAttr { min, max }))
}

/// A number literal, optionally negated: `1`, `-5`, `0.5`, `-1e3`.
fn number(cx: &mut Ctxt, expr: Expr) -> Option<Number> {
    let (minus, inner) = match expr {
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(minus),
            expr,
            ..
        }) => (Some(minus), *expr),
        other => (None, other),
    };
    match inner {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => Some(Number {
            minus,
            lit: NumberLit::Int(lit),
        }),
        Expr::Lit(ExprLit {
            lit: Lit::Float(lit),
            ..
        }) => Some(Number {
            minus,
            lit: NumberLit::Float(lit),
        }),
        other => {
            let mut tokens = minus.to_token_stream();
            other.to_tokens(&mut tokens);
            cx.error_spanned(tokens, "expected a number literal, like `1`, `-5` or `0.5`");
            None
        }
    }
}

/// Reads `length(min = .., max = ..)`.
fn length_value(
    cx: &mut Ctxt,
    meta: &syn::meta::ParseNestedMeta,
) -> syn::Result<Option<LengthAttr>> {
    const USAGE: &str = "`length(min = 1, max = 200)` (either bound may be left out)";
    if !has_arguments(cx, meta, USAGE)? {
        return Ok(None);
    }
    let (min, max) = bounds(cx, meta, count)?;
    if min.is_none() && max.is_none() {
        return Ok(None);
    }
    if let (Some((lo, _)), Some((hi, span))) = (min, max)
        && lo > hi
    {
        cx.push(syn::Error::new(
            span,
            "`length` max is below its min: no value could pass",
        ));
    }
    Ok(Some(LengthAttr { min, max }))
}

/// A `length` bound: a non-negative integer literal.
fn count(cx: &mut Ctxt, expr: Expr) -> Option<(usize, Span)> {
    match &expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => match lit.base10_parse::<usize>() {
            Ok(n) => Some((n, lit.span())),
            Err(_) => {
                cx.error_spanned(lit, "`length` bound is too large for usize");
                None
            }
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => {
            cx.error_spanned(
                &expr,
                "`length` bounds count characters or items and cannot be negative",
            );
            None
        }
        _ => {
            cx.error_spanned(
                &expr,
                "expected a non-negative integer literal, like `0` or `200`",
            );
            None
        }
    }
}

/// Checks a Kafka topic name: 1 to 249 characters of `[A-Za-z0-9._-]`, and not `.` or `..`.
fn check_topic(topic: &str) -> Result<(), String> {
    if topic.is_empty() {
        return Err("`topic` needs a name: 1 to 249 characters of `[A-Za-z0-9._-]`".to_owned());
    }
    if topic.len() > 249 {
        return Err(format!(
            "Kafka topic names are at most 249 characters; this one has {}",
            topic.len()
        ));
    }
    if topic == "." || topic == ".." {
        return Err(format!("`{topic}` is not a valid Kafka topic name"));
    }
    if let Some(bad) = topic
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "invalid Kafka topic name: {bad:?} is not allowed; use only ASCII letters, digits, \
             `.`, `_` and `-`"
        ));
    }
    Ok(())
}

/// Compiles `pattern` with the parser the runtime's `regex` crate uses; the error names what is
/// wrong and quotes the part of the pattern it is about.
fn check_regex(pattern: &str) -> Result<(), String> {
    let error = match regex_syntax::ParserBuilder::new().build().parse(pattern) {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    let (kind, span) = match &error {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), e.span()),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), e.span()),
        other => return Err(format!("invalid regex in `pattern`: {other}")),
    };
    let at = pattern
        .get(span.start.offset..span.end.offset)
        .filter(|s| !s.is_empty())
        .map_or_else(String::new, |s| format!(", at `{s}`"));
    Err(format!("invalid regex in `pattern`: {kind}{at}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_key() {
        let keys = Place::Field.keys();
        assert_eq!(closest("lenght", keys), Some("length"));
        assert_eq!(closest("rnage", keys), Some("range"));
        assert_eq!(closest("patern", keys), Some("pattern"));
        assert_eq!(closest("renam", keys), Some("rename"));
        assert_eq!(closest("skp", keys), Some("skip"));
        assert_eq!(closest("default", keys), None);
        assert_eq!(closest("mni", &["min", "max"]), Some("min"));
    }

    #[test]
    fn topics_are_checked() {
        assert!(check_topic("shop.product-events_v1").is_ok());
        assert!(check_topic(&"a".repeat(249)).is_ok());
        assert!(check_topic(&"a".repeat(250)).is_err());
        assert!(check_topic("").is_err());
        assert!(check_topic("..").is_err());
        assert!(check_topic("orders events").is_err());
        assert!(check_topic("orders/v1").is_err());
    }

    #[test]
    fn regexes_are_checked() {
        assert!(check_regex("^[a-z]+$").is_ok());
        assert!(check_regex(r"^\d{3}-\p{L}+$").is_ok());
        let e = check_regex("^[a-z+$").unwrap_err();
        assert!(e.contains("unclosed character class"), "{e}");
        let e = check_regex("a{2,1}").unwrap_err();
        assert!(e.contains("invalid"), "{e}");
    }
}
