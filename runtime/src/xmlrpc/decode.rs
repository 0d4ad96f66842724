//! The XML-RPC decoder: a token source driving an explicit-stack state machine. The tokens come
//! from a scanner of the plain XML clients write ([`Scan`]) and, for every document it does not
//! read or finds a fault in, from quick-xml's event pull loop, whose answer is then the decoder's.
//!
//! Safety properties, each covered by tests:
//! - no DTD is ever processed: a `<!DOCTYPE` anywhere is refused before anything is expanded;
//! - only the five predefined entities and character references are resolved, any other
//!   `&name;` is refused;
//! - nesting is bounded by [`Limits::max_depth`], and the decoder keeps its nesting on a heap
//!   `Vec`, never on the call stack, so hostile depth cannot overflow the stack;
//! - the body size is bounded by [`Limits::max_body_size`];
//! - no input makes it panic.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use quick_xml::events::{BytesRef, Event};
use quick_xml::reader::Reader;

use super::fault::{INVALID_CHARACTER, INVALID_REQUEST, PARSE_ERROR, UNSUPPORTED_ENCODING};
use super::{Fault, Limits, MethodCall, Timestamp, Value};

/// What kind of problem stopped decoding; decides the fault code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// Not well-formed XML ([`PARSE_ERROR`]).
    Syntax,
    /// A refused XML feature: a DTD or an entity other than the predefined five
    /// ([`PARSE_ERROR`]).
    Refused,
    /// A declared encoding this decoder does not read ([`UNSUPPORTED_ENCODING`]).
    UnsupportedEncoding,
    /// Bytes that are invalid in the document's encoding ([`INVALID_CHARACTER`]).
    InvalidCharacter,
    /// Well-formed XML that is not the XML-RPC structure ([`INVALID_REQUEST`]).
    Structure,
    /// A scalar whose text does not parse as its type, e.g. `<int>x</int>`
    /// ([`INVALID_REQUEST`]).
    InvalidValue,
    /// Nesting deeper than [`Limits::max_depth`] ([`INVALID_REQUEST`]).
    TooDeep,
    /// A body larger than [`Limits::max_body_size`] ([`INVALID_REQUEST`]).
    TooLarge,
}

/// Why a document could not be decoded, with the byte offset where it was noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    kind: DecodeErrorKind,
    message: String,
    offset: u64,
}

impl DecodeError {
    fn new(kind: DecodeErrorKind, message: impl Into<String>, offset: u64) -> Self {
        DecodeError {
            kind,
            message: message.into(),
            offset,
        }
    }

    /// The kind of problem.
    pub fn kind(&self) -> DecodeErrorKind {
        self.kind
    }

    /// A one-line description, without the offset.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte offset into the (decoded) document where the problem was noticed.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The interoperability fault code for this error.
    pub fn fault_code(&self) -> i32 {
        match self.kind {
            DecodeErrorKind::Syntax | DecodeErrorKind::Refused => PARSE_ERROR,
            DecodeErrorKind::UnsupportedEncoding => UNSUPPORTED_ENCODING,
            DecodeErrorKind::InvalidCharacter => INVALID_CHARACTER,
            DecodeErrorKind::Structure
            | DecodeErrorKind::InvalidValue
            | DecodeErrorKind::TooDeep
            | DecodeErrorKind::TooLarge => INVALID_REQUEST,
        }
    }

    /// The fault a server answers with.
    pub fn to_fault(&self) -> Fault {
        Fault::new(self.fault_code(), self.to_string())
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.fault_code() {
            PARSE_ERROR | UNSUPPORTED_ENCODING | INVALID_CHARACTER => "parse error",
            _ => "invalid XML-RPC",
        };
        write!(f, "{what}: {} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for DecodeError {}

impl From<DecodeError> for Fault {
    fn from(e: DecodeError) -> Fault {
        e.to_fault()
    }
}

/// Decodes a `<methodCall>`; any problem comes back as the fault a server should answer with
/// (`-32700` family for bad XML, `-32600` for bad XML-RPC or a limit).
pub fn decode_method_call(input: &[u8], limits: &Limits) -> Result<MethodCall, Fault> {
    MethodCall::decode(input, limits).map_err(Fault::from)
}

/// Decodes a `<methodResponse>`: `Ok(Ok(value))` for a result, `Ok(Err(fault))` for a
/// `<fault>`, `Err` when the document is not a valid response. A response with no `<param>` is
/// read as [`Value::Nil`]; more than one `<param>` is an error.
pub fn decode_method_response(
    input: &[u8],
    limits: &Limits,
) -> Result<Result<Value, Fault>, DecodeError> {
    let text = prepare_input(input, limits)?;
    decode_with(&text, limits, Parser::method_response)
}

/// Decodes a document whose root is a single `<value>` element.
pub fn decode_value(input: &[u8], limits: &Limits) -> Result<Value, DecodeError> {
    let text = prepare_input(input, limits)?;
    decode_with(&text, limits, |p| {
        let v = match p.next_tag()? {
            Tok::Open(Tag::Value) => p.value()?,
            Tok::Empty(Tag::Value) => Value::String(String::new()),
            t => return Err(p.unexpected(&t, "<value>")),
        };
        p.expect_eof()?;
        Ok(v)
    })
}

/// Decodes `text` with `decode`: over the plain scanner ([`Scan`]) when it reads the document,
/// else, and for every document it finds a fault in, over quick-xml's events. Answers and
/// errors are therefore quick-xml's for every document outside the scanner's subset, and the
/// same for those inside it; decoding is pure, so a second pass changes nothing but the time.
fn decode_with<'a, T>(
    text: &'a str,
    limits: &Limits,
    decode: impl Fn(&mut Parser<'a>) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    if let Some(mut plain) = Parser::plain(text, limits)
        && let Ok(decoded) = decode(&mut plain)
    {
        return Ok(decoded);
    }
    decode(&mut Parser::new(text, limits))
}

impl MethodCall {
    /// Decodes a `<methodCall>`, keeping the detailed error (see [`decode_method_call`] for the
    /// fault form).
    pub fn decode(input: &[u8], limits: &Limits) -> Result<MethodCall, DecodeError> {
        let text = prepare_input(input, limits)?;
        decode_with(&text, limits, Parser::method_call)
    }

    /// Decodes a `<methodCall>` already turned into UTF-8 by the HTTP body step
    /// ([`crate::body`]), which applied the charset: the XML declaration's `encoding` is not
    /// read again.
    pub fn decode_utf8(input: &[u8], limits: &Limits) -> Result<MethodCall, DecodeError> {
        check_size(input, limits)?;
        let text = utf8_text(input)?;
        decode_with(text, limits, Parser::method_call)
    }
}

/// Checks the size and turns the bytes into text by the charset rule every HTTP body follows
/// ([`crate::body::to_utf8`]: a BOM, else the XML declaration's `encoding`, else UTF-8).
fn prepare_input<'a>(input: &'a [u8], limits: &Limits) -> Result<Cow<'a, str>, DecodeError> {
    check_size(input, limits)?;
    let utf8 = crate::body::to_utf8(input, None, crate::body::Syntax::Xml).map_err(|e| {
        let kind = match e.kind {
            crate::body::BodyErrorKind::UnsupportedCharset(_) => {
                DecodeErrorKind::UnsupportedEncoding
            }
            _ => DecodeErrorKind::InvalidCharacter,
        };
        DecodeError::new(kind, e.to_string(), 0)
    })?;
    match utf8 {
        Cow::Borrowed(b) => utf8_text(b).map(Cow::Borrowed),
        Cow::Owned(b) => utf8_text(&b).map(|s| Cow::Owned(s.to_owned())),
    }
}

fn check_size(input: &[u8], limits: &Limits) -> Result<(), DecodeError> {
    if input.len() > limits.max_body_size {
        return Err(DecodeError::new(
            DecodeErrorKind::TooLarge,
            format!(
                "body of {} bytes exceeds the limit of {} bytes",
                input.len(),
                limits.max_body_size
            ),
            0,
        ));
    }
    Ok(())
}

/// XML 1.0's `Char` (§2.2); Rust's `char` already excludes surrogates.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

/// UTF-8 bytes as text, refusing every character XML 1.0 forbids (§2.2: controls other than
/// tab, newline and carriage return, U+FFFE and U+FFFF), exactly as `&#0;` is refused.
fn utf8_text(input: &[u8]) -> Result<&str, DecodeError> {
    let text = std::str::from_utf8(input).map_err(|e| {
        DecodeError::new(
            DecodeErrorKind::InvalidCharacter,
            "invalid UTF-8",
            e.valid_up_to() as u64,
        )
    })?;
    if let Some(at) = first_forbidden(input) {
        let c = text
            .get(at..)
            .and_then(|s| s.chars().next())
            .unwrap_or('\0');
        return Err(DecodeError::new(
            DecodeErrorKind::InvalidCharacter,
            format!("character U+{:04X} is not allowed in XML", u32::from(c)),
            at as u64,
        ));
    }
    Ok(text)
}

/// The offset of the first byte of a character XML 1.0 forbids: a C0 control other than tab,
/// line feed and carriage return, or U+FFFE / U+FFFF (`EF BF BE` / `EF BF BF` in UTF-8).
///
/// Bytes, not chars: both kinds are found by their UTF-8 bytes. Controls are looked for in
/// 64-byte blocks with a loop that has no early exit, which the compiler vectorises (a
/// byte-at-a-time search cost as much as the rest of the decoder's own work on a 1 MB
/// response); `EF` is rare outside CJK text and found with memchr.
fn first_forbidden(input: &[u8]) -> Option<usize> {
    let control = |b: u8| b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r';
    let controls = input
        .chunks(64)
        .enumerate()
        .find(|(_, block)| block.iter().fold(false, |any, &b| any | control(b)))
        .and_then(|(n, block)| block.iter().position(|&b| control(b)).map(|i| n * 64 + i));
    let limit = controls.unwrap_or(input.len());
    let nonchar = memchr::memchr_iter(0xEF, &input[..limit]).find(|&i| {
        input.get(i + 1) == Some(&0xBF) && matches!(input.get(i + 2), Some(0xBE | 0xBF))
    });
    nonchar.or(controls)
}

/// The XML-RPC elements the decoder knows, by local name (a namespace prefix such as Apache's
/// `ex:` is ignored, as Python does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    MethodCall,
    MethodResponse,
    MethodName,
    Params,
    Param,
    Fault,
    Value,
    Int,
    I8,
    Boolean,
    Double,
    String,
    DateTime,
    Base64,
    Nil,
    Array,
    Data,
    Struct,
    Member,
    Name,
    Other,
}

impl Tag {
    fn of(qname: &[u8]) -> Tag {
        match Tag::local(qname) {
            // Rare: a prefixed name such as `ex:nil`; try its local part.
            Tag::Other => match qname.iter().rposition(|&b| b == b':') {
                Some(colon) => Tag::local(&qname[colon + 1..]),
                None => Tag::Other,
            },
            tag => tag,
        }
    }

    /// The tag of a local name. By length first, then the bytes: every comparison is then one
    /// of a known length, which the compiler makes a few integer compares (a `match` on `&str`
    /// compares the arms one after the other, each a call to `memcmp`; this ran for every start
    /// and end tag).
    fn local(local: &[u8]) -> Tag {
        match local.len() {
            2 => match local {
                b"i4" | b"i2" | b"i1" => Tag::Int,
                b"i8" => Tag::I8,
                _ => Tag::Other,
            },
            3 => match local {
                b"int" => Tag::Int,
                b"nil" => Tag::Nil,
                _ => Tag::Other,
            },
            4 => match local {
                b"data" => Tag::Data,
                b"name" => Tag::Name,
                _ => Tag::Other,
            },
            5 => match local {
                b"value" => Tag::Value,
                b"param" => Tag::Param,
                b"array" => Tag::Array,
                b"fault" => Tag::Fault,
                _ => Tag::Other,
            },
            6 => match local {
                b"string" => Tag::String,
                b"member" => Tag::Member,
                b"struct" => Tag::Struct,
                b"double" => Tag::Double,
                b"params" => Tag::Params,
                b"base64" => Tag::Base64,
                _ => Tag::Other,
            },
            7 if local == b"boolean" => Tag::Boolean,
            10 => match local {
                b"methodCall" => Tag::MethodCall,
                b"methodName" => Tag::MethodName,
                _ => Tag::Other,
            },
            14 if local == b"methodResponse" => Tag::MethodResponse,
            16 if local == b"dateTime.iso8601" => Tag::DateTime,
            _ => Tag::Other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Tag::MethodCall => "methodCall",
            Tag::MethodResponse => "methodResponse",
            Tag::MethodName => "methodName",
            Tag::Params => "params",
            Tag::Param => "param",
            Tag::Fault => "fault",
            Tag::Value => "value",
            Tag::Int => "int",
            Tag::I8 => "i8",
            Tag::Boolean => "boolean",
            Tag::Double => "double",
            Tag::String => "string",
            Tag::DateTime => "dateTime.iso8601",
            Tag::Base64 => "base64",
            Tag::Nil => "nil",
            Tag::Array => "array",
            Tag::Data => "data",
            Tag::Struct => "struct",
            Tag::Member => "member",
            Tag::Name => "name",
            Tag::Other => "?",
        }
    }
}

/// One lexical token: tags, or a run of text with references resolved and CDATA joined.
#[derive(Debug)]
enum Tok<'a> {
    Open(Tag),
    Empty(Tag),
    Close(Tag),
    Text(Cow<'a, str>),
    Eof,
}

/// Text gathered from consecutive Text, CDATA and reference events.
enum Acc<'a> {
    Nothing,
    One(Cow<'a, str>),
    Many(String),
}

impl<'a> Acc<'a> {
    fn push(&mut self, piece: Cow<'a, str>) {
        *self = match std::mem::replace(self, Acc::Nothing) {
            Acc::Nothing => Acc::One(piece),
            Acc::One(first) => {
                let mut s = String::with_capacity(first.len() + piece.len() + 16);
                s.push_str(&first);
                s.push_str(&piece);
                Acc::Many(s)
            }
            Acc::Many(mut s) => {
                s.push_str(&piece);
                Acc::Many(s)
            }
        };
    }

    fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        let s: &str = c.encode_utf8(&mut buf);
        self.push(Cow::Owned(s.to_owned()));
    }

    fn take(&mut self) -> Option<Cow<'a, str>> {
        match std::mem::replace(self, Acc::Nothing) {
            Acc::Nothing => None,
            Acc::One(c) => Some(c),
            Acc::Many(s) => Some(Cow::Owned(s)),
        }
    }
}

/// Turns quick-xml events into [`Tok`]s.
struct XmlLexer<'a> {
    reader: Reader<&'a [u8]>,
    pending: Option<Event<'a>>,
    /// Whether the document has a carriage return anywhere (then texts are line-end normalised).
    has_cr: bool,
    /// The name of the last [`Tag::Other`] element, for error messages.
    other_name: String,
}

impl<'a> XmlLexer<'a> {
    fn new(text: &'a str) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        // Whitespace is significant inside <string>, and trimming eats spaces around entity
        // references; whitespace between elements is skipped by the parser instead.
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.allow_dangling_amp = false;
        XmlLexer {
            reader,
            pending: None,
            has_cr: memchr::memchr(b'\r', text.as_bytes()).is_some(),
            other_name: String::new(),
        }
    }

    fn offset(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn error(&self, kind: DecodeErrorKind, message: impl Into<String>) -> DecodeError {
        DecodeError::new(kind, message, self.offset())
    }

    fn read(&mut self) -> Result<Event<'a>, DecodeError> {
        self.reader.read_event().map_err(|e| {
            DecodeError::new(
                DecodeErrorKind::Syntax,
                e.to_string(),
                self.reader.error_position(),
            )
        })
    }

    fn tag(&mut self, qname: &str) -> Tag {
        let tag = Tag::of(qname.as_bytes());
        if tag == Tag::Other {
            self.other_name.clear();
            self.other_name.push_str(qname);
        }
        tag
    }

    fn resolve(&self, r: &BytesRef<'_>, acc: &mut Acc<'a>) -> Result<(), DecodeError> {
        if r.is_char_ref() {
            match r.resolve_char_ref() {
                // A reference must name a character XML 1.0 allows, like a raw one (§4.1).
                Ok(Some(c)) if is_xml_char(c) => acc.push_char(c),
                _ => {
                    return Err(self.error(
                        DecodeErrorKind::Syntax,
                        format!("invalid character reference &{};", &**r),
                    ));
                }
            }
            return Ok(());
        }
        // `resolve_xml_entity`, not `resolve_predefined_entity`: the latter resolves all HTML5
        // entities when another crate turns on quick-xml's `escape-html` feature.
        match quick_xml::escape::resolve_xml_entity(r) {
            Some(s) => {
                acc.push(Cow::Borrowed(s));
                Ok(())
            }
            None => Err(self.error(
                DecodeErrorKind::Refused,
                format!(
                    "entity &{}; is not allowed: only the five predefined entities and character references are",
                    truncate(r, 64)
                ),
            )),
        }
    }

    /// The next token; consecutive text, CDATA and references come back as one `Text`.
    /// Comments, processing instructions and the XML declaration are skipped.
    fn next(&mut self) -> Result<Tok<'a>, DecodeError> {
        self.lex(false)
    }

    /// [`next`](Self::next) where only a tag is expected ([`Parser::next_tag`]): a run of
    /// text that starts with a whitespace-only text event drops that event here, without
    /// gathering it into a token the parser would only look at and skip (the whitespace between
    /// a pretty-printed call's elements is a third of its events). Whatever follows in the same
    /// run (a reference, CDATA, more text) still comes back as a `Text`, which the parser
    /// refuses between elements as before (its message trims the text, so it reads the same).
    fn next_after_blank(&mut self) -> Result<Tok<'a>, DecodeError> {
        self.lex(true)
    }

    fn lex(&mut self, skip_blank: bool) -> Result<Tok<'a>, DecodeError> {
        let mut acc = Acc::Nothing;
        loop {
            let ev = match self.pending.take() {
                Some(ev) => ev,
                None => self.read()?,
            };
            match ev {
                Event::Text(t)
                    if skip_blank && matches!(acc, Acc::Nothing) && is_xml_whitespace(&t) => {}
                // Line ends are normalised (XML 1.0 §2.11) only when the document has a carriage
                // return at all: otherwise the text is what it is, and looking for `\r` in every
                // text cost as much as reading the event.
                Event::Text(t) if self.has_cr => acc.push(t.xml10_content()),
                Event::Text(t) => acc.push(t.into_inner()),
                Event::CData(c) if self.has_cr => acc.push(c.xml10_content()),
                Event::CData(c) => acc.push(c.into_inner()),
                Event::GeneralRef(r) => self.resolve(&r, &mut acc)?,
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
                Event::DocType(_) => {
                    return Err(self.error(
                        DecodeErrorKind::Refused,
                        "a DOCTYPE is not allowed in XML-RPC",
                    ));
                }
                tag_or_eof => {
                    if let Some(text) = acc.take() {
                        self.pending = Some(tag_or_eof);
                        return Ok(Tok::Text(text));
                    }
                    return Ok(match tag_or_eof {
                        Event::Start(e) => Tok::Open(self.tag(e.name().as_ref())),
                        Event::Empty(e) => Tok::Empty(self.tag(e.name().as_ref())),
                        Event::End(e) => Tok::Close(self.tag(e.name().as_ref())),
                        _ => Tok::Eof,
                    });
                }
            }
        }
    }
}

/// The decoder's source of tokens: the plain scanner first ([`Scan`]), quick-xml's event pull
/// when the scanner gives up ([`decode_with`]).
enum Lexer<'a> {
    Plain(Scan<'a>),
    Xml(XmlLexer<'a>),
}

impl<'a> Lexer<'a> {
    fn next(&mut self) -> Result<Tok<'a>, DecodeError> {
        match self {
            Lexer::Plain(scan) => scan.lex(false),
            Lexer::Xml(xml) => xml.next(),
        }
    }

    fn next_after_blank(&mut self) -> Result<Tok<'a>, DecodeError> {
        match self {
            Lexer::Plain(scan) => scan.lex(true),
            Lexer::Xml(xml) => xml.next_after_blank(),
        }
    }

    fn error(&self, kind: DecodeErrorKind, message: impl Into<String>) -> DecodeError {
        match self {
            Lexer::Plain(scan) => DecodeError::new(kind, message, scan.pos as u64),
            Lexer::Xml(xml) => xml.error(kind, message),
        }
    }

    /// The name of the last [`Tag::Other`] element (the scanner never returns one).
    fn other_name(&self) -> &str {
        match self {
            Lexer::Plain(_) => "",
            Lexer::Xml(xml) => &xml.other_name,
        }
    }
}

/// How many elements the plain scanner keeps open before it leaves the document to quick-xml.
const SCAN_DEPTH: usize = 32;

/// The longest tag the scanner reads, `<` to `>`: `</dateTime.iso8601>`.
const TAG_SPAN: usize = 19;

/// The offset of the first `<` or `&` in `hay`. The texts between a call's tags are a few bytes
/// long, where a plain loop is cheaper than memchr's setup; memchr takes over past 32 bytes.
fn find_lt_or_amp(hay: &[u8]) -> Option<usize> {
    let head = hay.len().min(32);
    match hay[..head].iter().position(|&b| b == b'<' || b == b'&') {
        Some(i) => Some(i),
        None => memchr::memchr2(b'<', b'&', &hay[head..]).map(|i| head + i),
    }
}

/// A scanner for the plain XML that XML-RPC clients write: an XML declaration at the start,
/// elements the decoder knows without prefixes or attributes, text with the five predefined
/// entities, no carriage return. It gives the same tokens [`XmlLexer`] gives for such a document
/// and gives up (an error, after which [`decode_with`] decodes the document again with quick-xml)
/// on anything else: comments, CDATA, processing instructions, character references,
/// attributes, unknown or prefixed names, mismatched or unclosed tags, nesting past
/// [`SCAN_DEPTH`].
///
/// Written here rather than taken from a crate: a small call spent half its decoding inside
/// quick-xml's general machinery (every event's text checked again as UTF-8 though the document
/// is a `&str`, its open-name stack grown per document, the event enums), about 8k instructions
/// of a 40k call; this scanner does what those documents need in a few hundred. Every error,
/// and every document outside the subset, is still quick-xml's to judge.
struct Scan<'a> {
    text: &'a str,
    pos: usize,
    /// Where the raw names of the open elements start, and their lengths (an end tag must
    /// repeat its start tag's name exactly, as quick-xml's `check_end_names` demands: `<i4>` is
    /// not closed by `</int>`). Offsets, not slices: the scanner stays small to move.
    open_at: [u32; SCAN_DEPTH],
    open_len: [u8; SCAN_DEPTH],
    /// The open elements' tags: an end tag that repeats the name is that tag.
    open_tag: [Tag; SCAN_DEPTH],
    depth: usize,
}

impl<'a> Scan<'a> {
    /// A scanner over `text`, or `None` when it has a carriage return (line ends are then
    /// normalised, which only [`XmlLexer`] does) or is too long for its offsets.
    fn new(text: &'a str) -> Option<Self> {
        if memchr::memchr(b'\r', text.as_bytes()).is_some() || u32::try_from(text.len()).is_err() {
            return None;
        }
        Some(Scan {
            text,
            pos: 0,
            open_at: [0; SCAN_DEPTH],
            open_len: [0; SCAN_DEPTH],
            open_tag: [Tag::Other; SCAN_DEPTH],
            depth: 0,
        })
    }

    /// Gives up on the document: the caller decodes it with quick-xml.
    fn give_up(&self) -> DecodeError {
        DecodeError::new(DecodeErrorKind::Syntax, String::new(), self.pos as u64)
    }

    /// The next token, as [`XmlLexer::lex`] makes it.
    fn lex(&mut self, skip_blank: bool) -> Result<Tok<'a>, DecodeError> {
        let bytes = self.text.as_bytes();
        match bytes.get(self.pos) {
            None if self.depth == 0 => Ok(Tok::Eof),
            None => Err(self.give_up()),
            Some(b'<') => self.markup(skip_blank),
            Some(_) => self.text_run(skip_blank),
        }
    }

    /// Text up to the next markup, its entities resolved. quick-xml gives it as text and
    /// reference events, which [`XmlLexer::lex`] joins; with `skip_blank`, a whitespace-only
    /// first text event is dropped.
    fn text_run(&mut self, skip_blank: bool) -> Result<Tok<'a>, DecodeError> {
        let text: &'a str = self.text;
        let start = self.pos;
        let stop = find_lt_or_amp(&text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
        if text.as_bytes().get(stop) != Some(&b'&') {
            let run = &text[start..stop];
            self.pos = stop;
            if skip_blank && is_xml_whitespace(run) {
                return self.lex(false);
            }
            return Ok(Tok::Text(Cow::Borrowed(run)));
        }
        let end = memchr::memchr(b'<', &text.as_bytes()[stop..]).map_or(text.len(), |i| stop + i);
        let run = &text[start..end];
        self.pos = end;
        let first_amp = stop - start;
        let lead = &run[..first_amp];
        let mut out = String::with_capacity(run.len());
        if !(skip_blank && is_xml_whitespace(lead)) {
            out.push_str(lead);
        }
        let mut rest = &run[first_amp..];
        while let Some(after_amp) = rest.strip_prefix('&') {
            // `&name;`, with no `&` before the `;` (a dangling `&` is quick-xml's error).
            let Some(semi) = memchr::memchr2(b';', b'&', after_amp.as_bytes())
                .filter(|&i| after_amp.as_bytes()[i] == b';')
            else {
                self.pos = start;
                return Err(self.give_up());
            };
            let name = &after_amp[..semi];
            // Character references are left to quick-xml (its rules for their digits).
            match quick_xml::escape::resolve_xml_entity(name).filter(|_| !name.starts_with('#')) {
                Some(s) => out.push_str(s),
                None => {
                    self.pos = start;
                    return Err(self.give_up());
                }
            }
            rest = &after_amp[semi + 1..];
            let next = memchr::memchr(b'&', rest.as_bytes()).unwrap_or(rest.len());
            out.push_str(&rest[..next]);
            rest = &rest[next..];
        }
        Ok(Tok::Text(Cow::Owned(out)))
    }

    /// A tag (or, at the very start, the XML declaration, skipped).
    fn markup(&mut self, skip_blank: bool) -> Result<Tok<'a>, DecodeError> {
        let bytes: &'a [u8] = self.text.as_bytes();
        let start = self.pos;
        // The declaration, as quick-xml reads it: `<?xml` and whitespace, through the first
        // `?>`. Only at the start: a processing instruction elsewhere is quick-xml's.
        if start == 0 && bytes.starts_with(b"<?xml ") {
            // A few dozen bytes: a plain search (memmem's setup costs more).
            let Some(end) = bytes[5..].windows(2).position(|w| w == b"?>") else {
                return Err(self.give_up());
            };
            self.pos = 5 + end + 2;
            return self.lex(skip_blank);
        }
        // An end tag must repeat the innermost start tag's name, then `>`: compared in place,
        // its tag the start tag's (what quick-xml's `check_end_names` and the lookup by name
        // would conclude, without looking for the `>` and the name again).
        if bytes.get(start + 1) == Some(&b'/') {
            let Some(top) = self.depth.checked_sub(1) else {
                return Err(self.give_up());
            };
            let (at, len) = (self.open_at[top] as usize, usize::from(self.open_len[top]));
            let name_at = start + 2;
            if bytes.get(name_at..name_at + len) != Some(&bytes[at..at + len])
                || bytes.get(name_at + len) != Some(&b'>')
            {
                return Err(self.give_up());
            }
            self.depth = top;
            self.pos = name_at + len + 1;
            return Ok(Tok::Close(self.open_tag[top]));
        }
        // A tag the decoder knows ends within `TAG_SPAN` bytes (`</dateTime.iso8601>`): looked
        // for in those only, byte by byte (memchr's setup costs more than such a search).
        let window = &bytes[start..bytes.len().min(start + TAG_SPAN)];
        let Some(close) = window.iter().position(|&b| b == b'>').map(|i| start + i) else {
            return Err(self.give_up());
        };
        let inner = &bytes[start + 1..close];
        let (name, empty) = match inner.strip_suffix(b"/") {
            Some(name) => (name, true),
            None => (inner, false),
        };
        let tag = Tag::local(name);
        if tag == Tag::Other {
            return Err(self.give_up());
        }
        if !empty {
            if self.depth == SCAN_DEPTH {
                return Err(self.give_up());
            }
            // Known names are short: the length fits a byte; the offset fits (`new`).
            self.open_at[self.depth] = (start + 1) as u32;
            self.open_len[self.depth] = name.len() as u8;
            self.open_tag[self.depth] = tag;
            self.depth += 1;
        }
        self.pos = close + 1;
        Ok(if empty {
            Tok::Empty(tag)
        } else {
            Tok::Open(tag)
        })
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// Base64 as clients send it: standard alphabet, padding optional, lax trailing bits.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// An open container on the decoder's explicit stack.
enum Frame {
    Array(Vec<Value>),
    /// Members so far, and the name of the member whose value is being read.
    Struct(Vec<(String, Value)>, String),
}

/// What the value state machine does next.
enum Step {
    /// A `<value>` start tag was just read.
    Enter,
    /// A complete value (its `</value>` read) to attach to the enclosing container.
    Done(Value),
    /// The innermost container wants its next item or its end.
    Advance,
}

struct Parser<'a> {
    lx: Lexer<'a>,
    max_depth: usize,
}

impl<'a> Parser<'a> {
    /// A parser over quick-xml's events: for every document.
    fn new(text: &'a str, limits: &Limits) -> Self {
        Parser {
            lx: Lexer::Xml(XmlLexer::new(text)),
            max_depth: limits.max_depth,
        }
    }

    /// A parser over the plain scanner, or `None` for a document it does not read.
    fn plain(text: &'a str, limits: &Limits) -> Option<Self> {
        Some(Parser {
            lx: Lexer::Plain(Scan::new(text)?),
            max_depth: limits.max_depth,
        })
    }

    fn describe(&self, t: &Tok<'_>) -> String {
        let name = |tag: &Tag| match tag {
            Tag::Other => truncate(self.lx.other_name(), 64).to_owned(),
            t => t.name().to_owned(),
        };
        match t {
            Tok::Open(tag) => format!("<{}>", name(tag)),
            Tok::Empty(tag) => format!("<{}/>", name(tag)),
            Tok::Close(tag) => format!("</{}>", name(tag)),
            Tok::Text(s) => format!("text {:?}", truncate(s.trim(), 32)),
            Tok::Eof => "end of document".to_owned(),
        }
    }

    fn unexpected(&self, found: &Tok<'_>, expected: &str) -> DecodeError {
        self.lx.error(
            DecodeErrorKind::Structure,
            format!("expected {expected}, found {}", self.describe(found)),
        )
    }

    /// The next tag, skipping whitespace; other text here is a structure error.
    fn next_tag(&mut self) -> Result<Tok<'a>, DecodeError> {
        loop {
            match self.lx.next_after_blank()? {
                Tok::Text(t) if is_xml_whitespace(&t) => continue,
                Tok::Text(t) => {
                    let t = Tok::Text(t);
                    return Err(self.lx.error(
                        DecodeErrorKind::Structure,
                        format!("unexpected {} between elements", self.describe(&t)),
                    ));
                }
                other => return Ok(other),
            }
        }
    }

    fn expect_close(&mut self, tag: Tag) -> Result<(), DecodeError> {
        match self.next_tag()? {
            Tok::Close(t) if t == tag => Ok(()),
            t => Err(self.unexpected(&t, &format!("</{}>", tag.name()))),
        }
    }

    fn expect_eof(&mut self) -> Result<(), DecodeError> {
        match self.next_tag()? {
            Tok::Eof => Ok(()),
            t => Err(self.unexpected(&t, "end of document")),
        }
    }

    fn expect_root(&mut self, tag: Tag) -> Result<(), DecodeError> {
        match self.next_tag()? {
            Tok::Open(t) if t == tag => Ok(()),
            t => Err(self.unexpected(&t, &format!("<{}>", tag.name()))),
        }
    }

    /// The text content of `tag`, whose start was just read (`empty` for `<tag/>`), through
    /// its end tag. Child elements are a structure error.
    fn text_of(&mut self, tag: Tag, empty: bool) -> Result<Cow<'a, str>, DecodeError> {
        if empty {
            return Ok(Cow::Borrowed(""));
        }
        let (text, next) = match self.lx.next()? {
            Tok::Text(t) => (t, self.lx.next()?),
            other => (Cow::Borrowed(""), other),
        };
        match next {
            Tok::Close(t) if t == tag => Ok(text),
            t => Err(self.unexpected(&t, &format!("text or </{}>", tag.name()))),
        }
    }

    fn method_call(&mut self) -> Result<MethodCall, DecodeError> {
        self.expect_root(Tag::MethodCall)?;
        let name = match self.next_tag()? {
            Tok::Open(Tag::MethodName) => self.text_of(Tag::MethodName, false)?,
            t => return Err(self.unexpected(&t, "<methodName>")),
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(self
                .lx
                .error(DecodeErrorKind::Structure, "empty <methodName>"));
        }
        let name = name.to_owned();
        let mut params = Vec::new();
        match self.next_tag()? {
            Tok::Close(Tag::MethodCall) => {}
            Tok::Empty(Tag::Params) => self.expect_close(Tag::MethodCall)?,
            Tok::Open(Tag::Params) => {
                loop {
                    match self.next_tag()? {
                        Tok::Open(Tag::Param) => params.push(self.param()?),
                        Tok::Close(Tag::Params) => break,
                        t => return Err(self.unexpected(&t, "<param> or </params>")),
                    }
                }
                self.expect_close(Tag::MethodCall)?;
            }
            t => return Err(self.unexpected(&t, "<params> or </methodCall>")),
        }
        self.expect_eof()?;
        Ok(MethodCall { name, params })
    }

    fn method_response(&mut self) -> Result<Result<Value, Fault>, DecodeError> {
        self.expect_root(Tag::MethodResponse)?;
        let result = match self.next_tag()? {
            Tok::Empty(Tag::Params) => Ok(Value::Nil),
            Tok::Open(Tag::Params) => {
                let mut result = None;
                loop {
                    match self.next_tag()? {
                        Tok::Open(Tag::Param) => {
                            let v = self.param()?;
                            if result.replace(v).is_some() {
                                return Err(self.lx.error(
                                    DecodeErrorKind::Structure,
                                    "a response carries at most one <param>",
                                ));
                            }
                        }
                        Tok::Close(Tag::Params) => break,
                        t => return Err(self.unexpected(&t, "<param> or </params>")),
                    }
                }
                Ok(result.unwrap_or(Value::Nil))
            }
            Tok::Open(Tag::Fault) => {
                let v = match self.next_tag()? {
                    Tok::Open(Tag::Value) => self.value()?,
                    t => return Err(self.unexpected(&t, "<value> in <fault>")),
                };
                self.expect_close(Tag::Fault)?;
                Err(self.fault_of(v)?)
            }
            t => return Err(self.unexpected(&t, "<params> or <fault>")),
        };
        self.expect_close(Tag::MethodResponse)?;
        self.expect_eof()?;
        Ok(result)
    }

    fn fault_of(&self, v: Value) -> Result<Fault, DecodeError> {
        let code = v.get("faultCode").and_then(Value::as_i32);
        let string = v.get("faultString").and_then(Value::as_str);
        match (code, string) {
            (Some(code), Some(string)) => Ok(Fault::new(code, string)),
            _ => Err(self.lx.error(
                DecodeErrorKind::Structure,
                "a <fault> must be a struct with an int faultCode and a string faultString",
            )),
        }
    }

    /// A `<param>`'s value, its start tag just read, through `</param>`.
    fn param(&mut self) -> Result<Value, DecodeError> {
        let v = match self.next_tag()? {
            Tok::Open(Tag::Value) => self.value()?,
            Tok::Empty(Tag::Value) => Value::String(String::new()),
            t => return Err(self.unexpected(&t, "<value>")),
        };
        self.expect_close(Tag::Param)?;
        Ok(v)
    }

    /// One value, its `<value>` start tag just read, through its `</value>`.
    ///
    /// This MUST NOT recurse: nesting lives in `stack`, bounded by `max_depth`.
    fn value(&mut self) -> Result<Value, DecodeError> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut step = Step::Enter;
        loop {
            step = match step {
                Step::Enter => self.enter(&mut stack)?,
                Step::Done(v) => match stack.last_mut() {
                    None => return Ok(v),
                    Some(Frame::Array(items)) => {
                        items.push(v);
                        Step::Advance
                    }
                    Some(Frame::Struct(members, name)) => {
                        members.push((std::mem::take(name), v));
                        self.expect_close(Tag::Member)?;
                        Step::Advance
                    }
                },
                Step::Advance => self.advance(&mut stack)?,
            };
        }
    }

    fn close_value(&mut self) -> Result<(), DecodeError> {
        self.expect_close(Tag::Value)
    }

    fn push(&self, stack: &mut Vec<Frame>, frame: Frame) -> Result<(), DecodeError> {
        if stack.len() >= self.max_depth {
            return Err(self.lx.error(
                DecodeErrorKind::TooDeep,
                format!(
                    "values nested deeper than the limit of {} arrays/structs",
                    self.max_depth
                ),
            ));
        }
        stack.push(frame);
        Ok(())
    }

    /// Reads what follows a `<value>` start tag.
    fn enter(&mut self, stack: &mut Vec<Frame>) -> Result<Step, DecodeError> {
        let (lead, tok) = match self.lx.next()? {
            Tok::Text(t) => (Some(t), self.lx.next()?),
            other => (None, other),
        };
        let (tag, empty) = match tok {
            // Untyped `<value>text</value>` is a string, whitespace and all.
            Tok::Close(Tag::Value) => {
                return Ok(Step::Done(Value::String(
                    lead.map(Cow::into_owned).unwrap_or_default(),
                )));
            }
            Tok::Open(tag) => (tag, false),
            Tok::Empty(tag) => (tag, true),
            t => return Err(self.unexpected(&t, "a typed element or </value>")),
        };
        if let Some(lead) = &lead
            && !is_xml_whitespace(lead)
        {
            let found = Tok::Text(lead.clone());
            return Err(
                self.unexpected(&found, &format!("only whitespace before <{}>", tag.name()))
            );
        }
        let v = match tag {
            Tag::Array if !empty => {
                match self.next_tag()? {
                    Tok::Open(Tag::Data) => {
                        self.push(stack, Frame::Array(Vec::new()))?;
                        return Ok(Step::Advance);
                    }
                    Tok::Empty(Tag::Data) => self.expect_close(Tag::Array)?,
                    Tok::Close(Tag::Array) => {}
                    t => return Err(self.unexpected(&t, "<data>")),
                }
                Value::Array(Vec::new())
            }
            Tag::Array => Value::Array(Vec::new()),
            Tag::Struct if !empty => {
                self.push(stack, Frame::Struct(Vec::new(), String::new()))?;
                return Ok(Step::Advance);
            }
            Tag::Struct => Value::Struct(Vec::new()),
            Tag::Nil => {
                let text = self.text_of(tag, empty)?;
                if !is_xml_whitespace(&text) {
                    return Err(self
                        .lx
                        .error(DecodeErrorKind::InvalidValue, "<nil> must be empty"));
                }
                Value::Nil
            }
            Tag::Int
            | Tag::I8
            | Tag::Boolean
            | Tag::Double
            | Tag::String
            | Tag::DateTime
            | Tag::Base64 => {
                let text = self.text_of(tag, empty)?;
                self.scalar(tag, text)?
            }
            _ => {
                let t = if empty {
                    Tok::Empty(tag)
                } else {
                    Tok::Open(tag)
                };
                return Err(self.unexpected(&t, "a value type element"));
            }
        };
        self.close_value()?;
        Ok(Step::Done(v))
    }

    /// The next item or the end of the innermost container.
    fn advance(&mut self, stack: &mut Vec<Frame>) -> Result<Step, DecodeError> {
        let in_array = match stack.last() {
            Some(Frame::Array(_)) => true,
            Some(Frame::Struct(..)) => false,
            None => {
                return Err(self
                    .lx
                    .error(DecodeErrorKind::Structure, "no open container"));
            }
        };
        if in_array {
            return match self.next_tag()? {
                Tok::Open(Tag::Value) => Ok(Step::Enter),
                Tok::Empty(Tag::Value) => Ok(Step::Done(Value::String(String::new()))),
                Tok::Close(Tag::Data) => {
                    self.expect_close(Tag::Array)?;
                    self.close_value()?;
                    match stack.pop() {
                        Some(Frame::Array(items)) => Ok(Step::Done(Value::Array(items))),
                        _ => Err(self.lx.error(DecodeErrorKind::Structure, "no open array")),
                    }
                }
                t => Err(self.unexpected(&t, "<value> or </data>")),
            };
        }
        match self.next_tag()? {
            Tok::Open(Tag::Member) => {
                let name = match self.next_tag()? {
                    Tok::Open(Tag::Name) => self.text_of(Tag::Name, false)?.into_owned(),
                    Tok::Empty(Tag::Name) => String::new(),
                    t => return Err(self.unexpected(&t, "<name>")),
                };
                let step = match self.next_tag()? {
                    Tok::Open(Tag::Value) => Step::Enter,
                    Tok::Empty(Tag::Value) => Step::Done(Value::String(String::new())),
                    t => return Err(self.unexpected(&t, "<value>")),
                };
                if let Some(Frame::Struct(_, pending)) = stack.last_mut() {
                    *pending = name;
                }
                Ok(step)
            }
            Tok::Close(Tag::Struct) => {
                self.close_value()?;
                match stack.pop() {
                    Some(Frame::Struct(members, _)) => Ok(Step::Done(Value::Struct(members))),
                    _ => Err(self.lx.error(DecodeErrorKind::Structure, "no open struct")),
                }
            }
            t => Err(self.unexpected(&t, "<member> or </struct>")),
        }
    }

    /// Converts the text of a scalar element.
    fn scalar(&self, tag: Tag, text: Cow<'a, str>) -> Result<Value, DecodeError> {
        let bad = |what: &str| {
            self.lx.error(
                DecodeErrorKind::InvalidValue,
                format!("invalid {what} {:?}", truncate(text.trim(), 64)),
            )
        };
        Ok(match tag {
            // An <int> too wide for 32 bits is read as I8 rather than refused: 64-bit peers
            // (PHP, some Java stacks) send them, and typed conversion still range-checks.
            Tag::Int => match text.trim().parse::<i64>() {
                Ok(i) => Value::from(i),
                Err(_) => return Err(bad("<int>")),
            },
            Tag::I8 => match text.trim().parse::<i64>() {
                Ok(i) => Value::I8(i),
                Err(_) => return Err(bad("<i8>")),
            },
            Tag::Boolean => match text.trim() {
                "1" | "true" => Value::Bool(true),
                "0" | "false" => Value::Bool(false),
                _ => return Err(bad("<boolean>")),
            },
            Tag::Double => match text.trim().parse::<f64>() {
                Ok(d) => Value::Double(d),
                Err(_) => return Err(bad("<double>")),
            },
            Tag::String => Value::String(text.into_owned()),
            Tag::DateTime => match Timestamp::parse(&text) {
                Ok(t) => Value::DateTime(t),
                Err(_) => return Err(bad("<dateTime.iso8601>")),
            },
            Tag::Base64 => {
                let decoded = if text.bytes().any(|b| b.is_ascii_whitespace()) {
                    let compact: Vec<u8> =
                        text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
                    BASE64.decode(compact)
                } else {
                    BASE64.decode(text.as_bytes())
                };
                match decoded {
                    Ok(bytes) => Value::Base64(bytes),
                    Err(_) => return Err(bad("<base64>")),
                }
            }
            _ => return Err(bad("scalar")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block search finds what a byte-at-a-time search finds: the first forbidden byte,
    /// whichever kind, at any offset around block edges.
    #[test]
    fn forbidden_characters_are_found_where_a_plain_search_finds_them() {
        let plain = |input: &[u8]| {
            input.iter().enumerate().position(|(i, &b)| {
                (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
                    || (b == 0xEF
                        && input.get(i + 1) == Some(&0xBF)
                        && matches!(input.get(i + 2), Some(0xBE | 0xBF)))
            })
        };
        let inserts: [&[u8]; 6] = [
            b"\x00",
            b"\x1f",
            "\u{FFFE}".as_bytes(),
            "\u{FFFF}".as_bytes(),
            "\u{FFFD}".as_bytes(),
            b"\t\r\n",
        ];
        for len in [0usize, 1, 63, 64, 65, 130] {
            let base = vec![b'a'; len];
            assert_eq!(first_forbidden(&base), None);
            for at in 0..=len {
                for a in inserts {
                    for b in inserts {
                        let mut doc = base.clone();
                        doc.splice(at..at, a.iter().copied());
                        let tail = doc.len().min(at + 70);
                        doc.splice(tail..tail, b.iter().copied());
                        assert_eq!(first_forbidden(&doc), plain(&doc), "{doc:?}");
                    }
                }
            }
        }
    }

    /// Raw line ends read as XML 1.0 says (`\r\n` and a lone `\r` become `\n`), in text and in
    /// CDATA, whether or not the carriage return comes before the text; a `&#13;` stays a CR.
    #[test]
    fn raw_line_ends_are_normalised() {
        let limits = Limits::default();
        let decode = |doc: &str| decode_value(doc.as_bytes(), &limits).map_err(|e| e.to_string());
        let string = |s: &str| Ok(Value::String(s.to_owned()));
        assert_eq!(
            decode("<value><string>a\r\nb\rc\nd</string></value>"),
            string("a\nb\nc\nd")
        );
        assert_eq!(
            decode("<value><string><![CDATA[a\r\nb]]>\rc</string></value>"),
            string("a\nb\nc")
        );
        assert_eq!(decode("<value>\r\n<int>7</int></value>"), Ok(Value::Int(7)));
        assert_eq!(
            decode("<value><string>a\nb</string></value>\r\n"),
            string("a\nb")
        );
        assert_eq!(
            decode("<value><string>a&#13;\nb</string></value>"),
            string("a\r\nb")
        );
        assert_eq!(decode("<value>a\n b</value>"), string("a\n b"));
    }

    /// Every element the decoder knows is found by its name, and the aliases of `<int>`.
    #[test]
    fn every_tag_is_found_by_its_name() {
        let all = [
            Tag::MethodCall,
            Tag::MethodResponse,
            Tag::MethodName,
            Tag::Params,
            Tag::Param,
            Tag::Fault,
            Tag::Value,
            Tag::Int,
            Tag::I8,
            Tag::Boolean,
            Tag::Double,
            Tag::String,
            Tag::DateTime,
            Tag::Base64,
            Tag::Nil,
            Tag::Array,
            Tag::Data,
            Tag::Struct,
            Tag::Member,
            Tag::Name,
        ];
        for tag in all {
            assert_eq!(Tag::of(tag.name().as_bytes()), tag, "{}", tag.name());
            let prefixed = format!("ex:{}", tag.name());
            assert_eq!(Tag::of(prefixed.as_bytes()), tag, "{prefixed}");
            // One byte changed is another name.
            let mut wrong = tag.name().as_bytes().to_vec();
            wrong[0] ^= 0x20;
            assert_eq!(
                Tag::of(&wrong),
                Tag::Other,
                "{}",
                String::from_utf8_lossy(&wrong)
            );
        }
        for alias in ["i4", "i2", "i1"] {
            assert_eq!(Tag::of(alias.as_bytes()), Tag::Int);
        }
    }

    /// Whitespace between elements is skipped (raw, or as a run with a character reference to
    /// a space); any other text there, alone or after whitespace, is refused with the same
    /// message, whatever the run starts with.
    #[test]
    fn only_whitespace_may_stand_between_elements() {
        let call = |between: &str| {
            let doc = format!(
                "<methodCall>{between}<methodName>m</methodName>{between}<params>\
                 <param><value><int>1</int></value></param></params></methodCall>"
            );
            MethodCall::decode(doc.as_bytes(), &Limits::default())
        };
        for ok in [
            "",
            "\n",
            " \t\r\n ",
            "\n&#32;\n",
            "&#x20;",
            "\n<!-- c -->\n",
        ] {
            let c = call(ok).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
            assert_eq!((c.name.as_str(), c.params.len()), ("m", 1), "{ok:?}");
        }
        for (bad, shown) in [
            ("x", "\"x\""),
            ("\nx", "\"x\""),
            ("\n<![CDATA[x]]>", "\"x\""),
            ("\n&amp;", "\"&\""),
            ("<![CDATA[ ]]>x", "\"x\""),
        ] {
            let e = call(bad).expect_err(bad);
            assert_eq!(e.kind(), DecodeErrorKind::Structure, "{bad:?}");
            assert!(
                e.message()
                    .contains(&format!("unexpected text {shown} between elements")),
                "{bad:?}: {e}"
            );
        }
    }

    #[test]
    fn tags_ignore_namespace_prefixes() {
        assert_eq!(Tag::of(b"ex:nil"), Tag::Nil);
        assert_eq!(Tag::of(b"ex:i8"), Tag::I8);
        assert_eq!(Tag::of(b"i4"), Tag::Int);
        assert_eq!(Tag::of(b"Value"), Tag::Other);
        assert_eq!(Tag::of(b"ex:"), Tag::Other);
        assert_eq!(Tag::of(b""), Tag::Other);
    }

    /// A call through the plain scanner alone (`None`: it does not take the document at all).
    fn plain_call(doc: &str) -> Option<Result<MethodCall, DecodeError>> {
        Parser::plain(doc, &Limits::DEFAULT).map(|mut p| p.method_call())
    }

    /// A call through quick-xml's events alone.
    fn xml_call(doc: &str) -> Result<MethodCall, DecodeError> {
        Parser::new(doc, &Limits::DEFAULT).method_call()
    }

    /// What clients write is read by the scanner, to the value quick-xml's events give.
    #[test]
    fn the_plain_scanner_reads_what_clients_write_as_quick_xml_does() {
        let docs = [
            // Python's `xmlrpc.client`.
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>add</methodName>\n<params>\n<param>\n<value><int>2</int></value>\n</param>\n<param>\n<value><int>3</int></value>\n</param>\n</params>\n</methodCall>\n",
            "<methodCall><methodName>a.b</methodName></methodCall>",
            "<methodCall><methodName>x</methodName><params/></methodCall>",
            "<methodCall> <methodName> x </methodName><params><param><value>  untyped &amp; &lt;b&gt;  </value></param></params></methodCall>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><methodCall><methodName>m</methodName><params><param><value><struct><member><name>k &quot;1&quot;</name><value><array><data><value><i4>-7</i4></value><value><boolean>1</boolean></value><value><double>2.5</double></value><value/><value><string/></value><value><nil/></value><value><base64>aGk=</base64></value><value><dateTime.iso8601>20240101T10:00:00</dateTime.iso8601></value><value><i8>9000000000</i8></value></data></array></value></member><member><name/><value><struct/></value></member></struct></value></param><param><value><string>&apos;  &amp;x&amp;&amp;</string></value></param><param><value>  &amp;  </value></param></params></methodCall>",
            "<methodCall><methodName>m</methodName><params><param><value><array><data/></array></value></param><param><value><array/></value></param><param><value><string>ünï &gt; cödé</string></value></param></params></methodCall>",
        ];
        for doc in docs {
            let plain = plain_call(doc).expect("no carriage return");
            let plain = plain.unwrap_or_else(|e| panic!("the scanner gave up on {doc:?}: {e:?}"));
            assert_eq!(plain, xml_call(doc).expect("valid"), "{doc}");
            assert_eq!(
                MethodCall::decode_utf8(doc.as_bytes(), &Limits::DEFAULT).unwrap(),
                plain
            );
        }
        let untyped = plain_call(docs[3]).unwrap().unwrap();
        assert_eq!(untyped.name, "x");
        assert_eq!(
            untyped.params,
            vec![Value::String("  untyped & <b>  ".into())]
        );
    }

    /// What the scanner does not read is left to quick-xml, whose answer (value or error) is
    /// the decoder's.
    #[test]
    fn the_plain_scanner_leaves_everything_else_to_quick_xml() {
        let wrap = |value: &str| {
            format!(
                "<methodCall><methodName>m</methodName><params><param><value>{value}</value></param></params></methodCall>"
            )
        };
        let deep = format!(
            "{}<int>1</int>{}",
            "<array><data><value>".repeat(12),
            "</value></data></array>".repeat(12)
        );
        let cases = [
            wrap("<string><!-- c -->a</string>"),
            wrap("<string><![CDATA[<a>]]></string>"),
            wrap("<string>&#65;&#x42;</string>"),
            wrap("<string>a\r\nb</string>"),
            wrap("<ex:i4>5</ex:i4>"),
            wrap("<int >5</int>"),
            wrap("<string a='1'>x</string>"),
            wrap("<i4>5</int>"),
            wrap("<string>&unknown;</string>"),
            wrap("<string>a & b</string>"),
            wrap("<string><?pi x?></string>"),
            wrap(&deep),
            "<!DOCTYPE x><methodCall><methodName>m</methodName></methodCall>".to_owned(),
            "<methodCall><methodName>m</methodName>".to_owned(),
        ];
        for doc in &cases {
            let gave_up = plain_call(doc).is_none_or(|r| r.is_err());
            assert!(gave_up, "the scanner read {doc:?}");
            let decoded = MethodCall::decode_utf8(doc.as_bytes(), &Limits::DEFAULT);
            assert_eq!(
                format!("{decoded:?}"),
                format!("{:?}", xml_call(doc)),
                "{doc}"
            );
        }
        // Read by quick-xml, to the right values.
        let decoded = |doc: &str| MethodCall::decode_utf8(doc.as_bytes(), &Limits::DEFAULT);
        assert_eq!(
            decoded(&cases[2]).unwrap().params,
            vec![Value::String("AB".into())]
        );
        assert_eq!(decoded(&cases[4]).unwrap().params, vec![Value::Int(5)]);
        assert_eq!(
            decoded(&cases[3]).unwrap().params,
            vec![Value::String("a\nb".into())]
        );
        assert_eq!(
            decoded(&cases[7]).unwrap_err().kind(),
            DecodeErrorKind::Syntax
        );
    }

    /// Every one-byte edit of a call that uses every construct the scanner reads: wherever the
    /// scanner reads the edited document, quick-xml's events give the same call; and the
    /// decoder's answer, value or error, is always quick-xml's.
    #[test]
    fn the_plain_scanner_never_reads_a_document_otherwise_than_quick_xml() {
        let seed = "<?xml version='1.0'?>\n<methodCall><methodName>m</methodName><params><param><value><struct><member><name>a&amp;b</name><value><array><data><value><i4>1</i4></value><value>t &lt;</value><value/><value><nil/></value></data></array></value></member></struct></value></param></params></methodCall>\n";
        let inserts = [
            b'<', b'>', b'/', b'&', b';', b'?', b'!', b' ', b'x', b'#', b'\n',
        ];
        let (mut read, mut valid) = (0, 0);
        for at in 0..seed.len() {
            let mut variants = vec![[&seed[..at], &seed[at + 1..]].concat()];
            for &b in &inserts {
                let mut v = seed.as_bytes().to_vec();
                v.insert(at, b);
                variants.push(String::from_utf8(v).unwrap());
                let mut v = seed.as_bytes().to_vec();
                v[at] = b;
                variants.push(String::from_utf8(v).unwrap());
            }
            for doc in &variants {
                let reference = xml_call(doc);
                valid += usize::from(reference.is_ok());
                if let Some(Ok(plain)) = plain_call(doc) {
                    read += 1;
                    assert_eq!(Ok(&plain), reference.as_ref(), "{doc}");
                }
                let decoded = MethodCall::decode_utf8(doc.as_bytes(), &Limits::DEFAULT);
                assert_eq!(format!("{decoded:?}"), format!("{reference:?}"), "{doc}");
            }
        }
        // Most edits that keep the call valid (whitespace, text) are read by the scanner.
        assert!(read * 4 > valid * 3, "{read} of {valid}");
    }
}
