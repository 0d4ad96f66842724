//! What the HTTP headers say about a request body, read the same way for every HTTP protocol on
//! the one-port server (`/RPC2`, REST routes): content codings, then the charset.
//!
//! - **Content codings** (`Content-Encoding`, RFC 9110 §8.4): `identity`, `gzip` (`x-gzip`) and
//!   `deflate` (zlib, RFC 1950; a raw deflate stream is accepted too, as browsers do), undone in
//!   reverse order of listing, never inflating more than the body limit (gzip-bomb safe). Anything
//!   else is [`BodyErrorKind::UnsupportedCoding`] naming it.
//! - **Charset** ([`to_utf8`]): a byte-order mark first; then the `charset` parameter of
//!   `Content-Type`; then, for XML only, the `encoding` of the XML declaration (RFC 7303 §3:
//!   BOM > charset parameter > prolog); then UTF-8. JSON may start with a UTF-8 BOM, which is
//!   dropped (RFC 8259 §8.1). The result is UTF-8, so the parsers behind read one encoding.
//!   An unknown charset is [`BodyErrorKind::UnsupportedCharset`] naming it.
//!
//! The charsets read are UTF-8, US-ASCII, ISO-8859-1 and UTF-16 (LE/BE): what XML-RPC and JSON
//! clients send. They are a few lines over `std`, so no encoding crate is pulled in (and
//! `encoding_rs` reads ISO-8859-1 as windows-1252, the WHATWG rule for HTML, which is not what an
//! XML document labelled ISO-8859-1 means).
//!
//! Each protocol answers a [`BodyError`] in its own terms: REST with a problem+json (413, 415,
//! 400), XML-RPC with a fault (or 413 for an oversized body).

use std::borrow::Cow;
use std::fmt;

/// What the body is, which decides whether the XML declaration may name the charset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// An XML document (`text/xml`, `application/xml`).
    Xml,
    /// A JSON text.
    Json,
}

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyError {
    /// What went wrong.
    pub kind: BodyErrorKind,
}

/// What went wrong reading a body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyErrorKind {
    /// Larger than `limit` bytes (as sent, or once inflated). `drained` when the whole body was
    /// read, so the connection can be kept.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
        /// Whether the rest of the body was read (and dropped).
        drained: bool,
    },
    /// A `Content-Encoding` this server does not undo (named as sent).
    UnsupportedCoding(String),
    /// A body that is not valid in its content coding (corrupt gzip).
    InvalidCoding(String),
    /// A charset (from the parameter or the XML declaration) this server does not read.
    UnsupportedCharset(String),
    /// Bytes that are not valid in the body's charset (an odd-length UTF-16 body, a lone
    /// surrogate).
    InvalidCharacter(String),
    /// The client went away or the body broke off.
    Aborted,
}

impl BodyError {
    fn new(kind: BodyErrorKind) -> Self {
        BodyError { kind }
    }
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BodyErrorKind::TooLarge { limit, .. } => {
                write!(f, "request bodies are limited to {limit} bytes")
            }
            BodyErrorKind::UnsupportedCoding(c) => write!(
                f,
                "unsupported content coding {c:?} (accepted: gzip, deflate, identity)"
            ),
            BodyErrorKind::InvalidCoding(why) => write!(f, "invalid encoded body: {why}"),
            BodyErrorKind::UnsupportedCharset(c) => write!(
                f,
                "unsupported charset {c:?} (accepted: utf-8, us-ascii, iso-8859-1, utf-16)"
            ),
            BodyErrorKind::InvalidCharacter(why) => write!(f, "invalid character: {why}"),
            BodyErrorKind::Aborted => f.write_str("the request body broke off"),
        }
    }
}

impl std::error::Error for BodyError {}

/// A charset this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    Latin1,
    Utf16Le,
    Utf16Be,
}

impl Charset {
    /// The charset a label names (IANA names and the usual aliases, case-insensitive).
    fn from_label(label: &str) -> Option<Charset> {
        let l = label.trim().trim_matches('"').to_ascii_lowercase();
        Some(match l.as_str() {
            // US-ASCII is a subset of UTF-8; bytes past 0x7F are read as UTF-8 (a common
            // mislabel) rather than refused.
            "utf-8" | "utf8" | "us-ascii" | "ascii" | "iso646-us" => Charset::Utf8,
            "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin-1" | "latin1" | "l1" | "cp819"
            | "iso-ir-100" | "ibm819" | "csisolatin1" => Charset::Latin1,
            "utf-16le" => Charset::Utf16Le,
            // RFC 2781 §4.3: UTF-16 without a BOM is big-endian.
            "utf-16be" | "utf-16" => Charset::Utf16Be,
            _ => return None,
        })
    }
}

/// The media type of a `Content-Type` value (`application/json`), without its parameters or the
/// space around it, as sent: media types are case-insensitive, so compare with
/// `eq_ignore_ascii_case`. On bytes, borrowed: the server and the REST routes read it per call,
/// and `str`'s pattern splitting, Unicode trimming and a lower-cased copy cost as much again.
pub fn media_type(content_type: &str) -> &str {
    let end = content_type
        .bytes()
        .position(|b| b == b';')
        .unwrap_or(content_type.len());
    content_type[..end].trim_ascii()
}

/// The `charset` parameter of a `Content-Type` value, if any.
pub fn charset_param(content_type: &str) -> Option<&str> {
    // Most values have no parameter at all: one byte search tells.
    let start = content_type.bytes().position(|b| b == b';')?;
    content_type[start + 1..].split(';').find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim_ascii()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim_ascii().trim_matches('"'))
    })
}

/// The body as UTF-8, by the rule in the module docs: BOM, then `charset` (the parameter's
/// value), then for XML the declaration's `encoding`, then UTF-8. A UTF-8 BOM is removed.
///
/// UTF-8 input is returned as it is (borrowed), not validated: the parser behind validates it
/// once and reports the position.
pub fn to_utf8<'a>(
    body: &'a [u8],
    charset: Option<&str>,
    syntax: Syntax,
) -> Result<Cow<'a, [u8]>, BodyError> {
    let (charset, body) = if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        (Charset::Utf8, rest)
    } else if let Some(rest) = body.strip_prefix(b"\xFF\xFE") {
        (Charset::Utf16Le, rest)
    } else if let Some(rest) = body.strip_prefix(b"\xFE\xFF") {
        (Charset::Utf16Be, rest)
    } else if let Some(label) = charset {
        let c = Charset::from_label(label)
            .ok_or_else(|| BodyError::new(BodyErrorKind::UnsupportedCharset(label.to_string())))?;
        (c, body)
    } else if syntax == Syntax::Xml
        && let Some(label) = declared_encoding(body)
    {
        let label = String::from_utf8_lossy(label);
        let c = Charset::from_label(&label)
            .ok_or_else(|| BodyError::new(BodyErrorKind::UnsupportedCharset(label.into_owned())))?;
        (c, body)
    } else {
        (Charset::Utf8, body)
    };
    Ok(match charset {
        Charset::Utf8 => Cow::Borrowed(body),
        Charset::Latin1 => {
            if body.is_ascii() {
                Cow::Borrowed(body)
            } else {
                // Every ISO-8859-1 byte is the code point of the same number.
                let s: String = body.iter().map(|&b| char::from(b)).collect();
                Cow::Owned(s.into_bytes())
            }
        }
        Charset::Utf16Le | Charset::Utf16Be => {
            if body.len() % 2 != 0 {
                return Err(BodyError::new(BodyErrorKind::InvalidCharacter(
                    "a UTF-16 body of an odd number of bytes".into(),
                )));
            }
            let units = body.chunks_exact(2).map(|p| {
                if charset == Charset::Utf16Le {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            });
            let s: String = char::decode_utf16(units)
                .collect::<Result<_, _>>()
                .map_err(|e| {
                    BodyError::new(BodyErrorKind::InvalidCharacter(format!(
                        "unpaired UTF-16 surrogate {:#06x}",
                        e.unpaired_surrogate()
                    )))
                })?;
            Cow::Owned(s.into_bytes())
        }
    })
}

/// The value of `encoding="…"` in a leading XML declaration, if any.
pub fn declared_encoding(input: &[u8]) -> Option<&[u8]> {
    if !input.starts_with(b"<?xml") {
        return None;
    }
    let head = input.get(..input.len().min(1024))?;
    let end = head.iter().position(|&b| b == b'>')?;
    let decl = head.get(..end)?;
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let mut rest = decl.get(at + 8..)?;
    rest = rest.trim_ascii_start();
    rest = rest.strip_prefix(b"=")?.trim_ascii_start();
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let body = rest.get(1..)?;
    let close = body.iter().position(|&b| b == quote)?;
    body.get(..close)
}

#[cfg(any(feature = "xmlrpc", feature = "server"))]
pub use coding::*;

#[cfg(any(feature = "xmlrpc", feature = "server"))]
mod coding {
    use std::io::Read as _;

    use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

    use super::{BodyError, BodyErrorKind};

    /// A content coding this server undoes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Coding {
        /// `gzip` (`x-gzip`).
        Gzip,
        /// `deflate`: zlib-wrapped (RFC 9110), or raw deflate as some clients send.
        Deflate,
    }

    /// The codings listed in every `Content-Encoding` header, in the order they were applied
    /// (`identity` dropped). Anything else, or more than four codings, is refused.
    pub fn content_codings(headers: &http::HeaderMap) -> Result<Vec<Coding>, BodyError> {
        let mut out = Vec::new();
        for value in headers.get_all(http::header::CONTENT_ENCODING) {
            let value = value.to_str().map_err(|_| {
                BodyError::new(BodyErrorKind::UnsupportedCoding(
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                ))
            })?;
            for c in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                let coding = if c.eq_ignore_ascii_case("gzip") || c.eq_ignore_ascii_case("x-gzip") {
                    Coding::Gzip
                } else if c.eq_ignore_ascii_case("deflate") {
                    Coding::Deflate
                } else if c.eq_ignore_ascii_case("identity") {
                    continue;
                } else {
                    return Err(BodyError::new(BodyErrorKind::UnsupportedCoding(c.into())));
                };
                out.push(coding);
            }
        }
        // Layered codings are legal but nobody sends many; a bound keeps the work linear.
        if out.len() > 4 {
            return Err(BodyError::new(BodyErrorKind::UnsupportedCoding(format!(
                "{} layered codings",
                out.len()
            ))));
        }
        Ok(out)
    }

    /// Undoes `codings` (in reverse order of application), producing at most `limit` bytes at
    /// each step: a gzip bomb costs at most `limit + 1` bytes of memory.
    pub fn decode_codings(
        mut body: Vec<u8>,
        codings: &[Coding],
        limit: usize,
    ) -> Result<Vec<u8>, BodyError> {
        for coding in codings.iter().rev() {
            body = inflate(&body, *coding, limit)?;
        }
        Ok(body)
    }

    fn inflate(data: &[u8], coding: Coding, limit: usize) -> Result<Vec<u8>, BodyError> {
        inflate_limited(data, coding, limit).map_err(|e| match e {
            Inflate::TooLarge => BodyError::new(BodyErrorKind::TooLarge {
                limit,
                drained: true,
            }),
            Inflate::Invalid(e) => {
                let name = match coding {
                    Coding::Gzip => "gzip",
                    Coding::Deflate => "deflate",
                };
                BodyError::new(BodyErrorKind::InvalidCoding(format!("{name}: {e}")))
            }
        })
    }

    /// Why [`inflate_limited`] produced nothing.
    #[derive(Debug)]
    pub(crate) enum Inflate {
        /// The data would inflate to more than the limit; inflation stopped there.
        TooLarge,
        /// The data is not valid in its coding.
        Invalid(std::io::Error),
    }

    /// Undoes one coding, producing at most `limit` bytes: the one inflation step of the crate
    /// (request bodies here, XML-RPC client responses in `xmlrpc::gzip`). It MUST NOT allocate or
    /// inflate more than `limit + 1` bytes whatever the input claims, so a gzip bomb costs at
    /// most that much memory and the time to inflate it.
    pub(crate) fn inflate_limited(
        data: &[u8],
        coding: Coding,
        limit: usize,
    ) -> Result<Vec<u8>, Inflate> {
        let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
        let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(limit).min(1 << 20));
        let read = match coding {
            Coding::Gzip => MultiGzDecoder::new(data).take(cap).read_to_end(&mut out),
            // zlib starts with a CMF byte whose low nibble is 8 and a header that is a multiple
            // of 31; anything else is taken as raw deflate.
            Coding::Deflate
                if data.len() >= 2
                    && data[0] & 0x0F == 8
                    && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0 =>
            {
                ZlibDecoder::new(data).take(cap).read_to_end(&mut out)
            }
            Coding::Deflate => DeflateDecoder::new(data).take(cap).read_to_end(&mut out),
        };
        read.map_err(Inflate::Invalid)?;
        if out.len() > limit {
            return Err(Inflate::TooLarge);
        }
        Ok(out)
    }
}

#[cfg(feature = "server")]
pub use read::*;

#[cfg(feature = "server")]
mod read {
    use std::time::Duration;

    use axum::body::{Body, Bytes};
    use http_body_util::BodyExt as _;

    use super::{BodyError, BodyErrorKind, Syntax, charset_param, content_codings, to_utf8};

    /// The most bytes of an oversized body read (and dropped) to answer 413 cleanly.
    pub const MAX_DISCARD: usize = 64 * 1024 * 1024;
    /// The longest time spent discarding an oversized body.
    pub const DISCARD_TIME: Duration = Duration::from_secs(2);
    /// Bodies at least this large (or coded) are decoded on the blocking pool, so a big document
    /// does not hold up an async worker.
    const BLOCKING_SIZE: usize = 256 * 1024;

    /// Reads a request body the one way every HTTP protocol does: at most `limit` bytes (as sent
    /// and once inflated), content codings undone, then turned into UTF-8 by the charset rule
    /// ([`to_utf8`]). An oversized body is read on and dropped (bounded by [`MAX_DISCARD`] and
    /// [`DISCARD_TIME`]) so a client still sending sees the answer rather than a reset.
    pub async fn read_utf8(
        headers: &http::HeaderMap,
        body: Body,
        syntax: Syntax,
        limit: usize,
    ) -> Result<Bytes, BodyError> {
        let codings = content_codings(headers)?;
        let charset = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(charset_param)
            .map(str::to_owned);
        let declared = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let raw = read_raw(body, limit, declared).await?;
        let big = raw_is_big(!codings.is_empty(), declared);
        let work = move || -> Result<Bytes, BodyError> {
            let raw = if codings.is_empty() {
                raw
            } else {
                Bytes::from(super::decode_codings(raw.to_vec(), &codings, limit)?)
            };
            Ok(match to_utf8(&raw, charset.as_deref(), syntax)? {
                std::borrow::Cow::Borrowed(s) => raw.slice_ref(s),
                std::borrow::Cow::Owned(v) => Bytes::from(v),
            })
        };
        if big {
            tokio::task::spawn_blocking(work)
                .await
                .unwrap_or(Err(BodyError::new(BodyErrorKind::Aborted)))
        } else {
            work()
        }
    }

    /// True when the work after reading is worth a blocking-pool thread: a coding to undo (read
    /// from the codings already parsed, not the headers again), or a body of unknown or large
    /// size.
    fn raw_is_big(coded: bool, declared: Option<u64>) -> bool {
        coded || declared.is_none_or(|n| n >= BLOCKING_SIZE as u64)
    }

    /// Reads the body up to `limit` bytes. Chunks are kept as they come and joined once at the
    /// end (a one-chunk body is not copied).
    async fn read_raw(
        mut body: Body,
        limit: usize,
        declared: Option<u64>,
    ) -> Result<Bytes, BodyError> {
        let too_large = |drained| BodyError::new(BodyErrorKind::TooLarge { limit, drained });
        if let Some(len) = declared {
            if len > u64::try_from(MAX_DISCARD).unwrap_or(u64::MAX) {
                return Err(too_large(false));
            }
            if len > u64::try_from(limit).unwrap_or(u64::MAX) {
                return Err(too_large(Box::pin(discard(body, 0)).await));
            }
        }
        // The first chunk apart: most bodies are one, and then no vector is allocated.
        let mut first: Option<Bytes> = None;
        let mut more: Vec<Bytes> = Vec::new();
        let mut total = 0usize;
        // Until the body says it has ended: a body of known length read to its end is not
        // polled once more for the end.
        while !http_body::Body::is_end_stream(&body)
            && let Some(frame) = body.frame().await
        {
            let frame = frame.map_err(|_| BodyError::new(BodyErrorKind::Aborted))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            total = total.saturating_add(data.len());
            if total > limit {
                drop((first, more));
                // Boxed, as above: the rare path's timer would otherwise make every body
                // read's future larger (the XML-RPC endpoint's is boxed per call).
                return Err(too_large(Box::pin(discard(body, total)).await));
            }
            match first {
                None => first = Some(data),
                Some(_) => more.push(data),
            }
        }
        Ok(match first {
            None => Bytes::new(),
            Some(only) if more.is_empty() => only,
            Some(first) => {
                let mut all = Vec::with_capacity(total);
                all.extend_from_slice(&first);
                for c in &more {
                    all.extend_from_slice(c);
                }
                Bytes::from(all)
            }
        })
    }

    /// Reads and drops the rest of an oversized body, bounded in bytes and time; true when the
    /// body ended within the bounds.
    async fn discard(mut body: Body, mut seen: usize) -> bool {
        let drain = async {
            while let Some(frame) = body.frame().await {
                let Ok(frame) = frame else {
                    return false;
                };
                if let Ok(data) = frame.into_data() {
                    seen = seen.saturating_add(data.len());
                    if seen > MAX_DISCARD {
                        return false;
                    }
                }
            }
            true
        };
        tokio::time::timeout(DISCARD_TIME, drain)
            .await
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_charset_parameter_outranks_the_prolog_and_a_bom_outranks_both() {
        let latin1 = b"<?xml version='1.0'?><s>Windm\xFChle</s>";
        let out = to_utf8(latin1, Some("ISO-8859-1"), Syntax::Xml).unwrap();
        assert_eq!(
            out.as_ref(),
            "<?xml version='1.0'?><s>Windmühle</s>".as_bytes()
        );
        // The prolog says UTF-8, the parameter ISO-8859-1: the parameter wins.
        let lying = b"<?xml version='1.0' encoding='utf-8'?><s>\xFC</s>";
        let out = to_utf8(lying, Some("iso-8859-1"), Syntax::Xml).unwrap();
        assert!(std::str::from_utf8(&out).unwrap().contains("<s>ü</s>"));
        // No parameter: the prolog decides.
        let declared = b"<?xml version='1.0' encoding='ISO-8859-1'?><s>\xFC</s>";
        let out = to_utf8(declared, None, Syntax::Xml).unwrap();
        assert!(std::str::from_utf8(&out).unwrap().contains("<s>ü</s>"));
        // A UTF-8 BOM outranks a parameter that says otherwise.
        let bom = "\u{feff}<s>ü</s>".as_bytes();
        assert_eq!(
            to_utf8(bom, Some("iso-8859-1"), Syntax::Xml)
                .unwrap()
                .as_ref(),
            "<s>ü</s>".as_bytes()
        );
        // UTF-16 with a BOM.
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend("{\"a\":\"ü\"}".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            to_utf8(&utf16, None, Syntax::Json).unwrap().as_ref(),
            "{\"a\":\"ü\"}".as_bytes()
        );
    }

    #[test]
    fn json_drops_a_utf8_bom_and_ignores_xml_declarations() {
        assert_eq!(
            to_utf8(b"\xEF\xBB\xBF{\"a\":1}", None, Syntax::Json)
                .unwrap()
                .as_ref(),
            b"{\"a\":1}"
        );
        let plain = to_utf8(b"{\"a\":1}", Some("utf-8"), Syntax::Json).unwrap();
        assert!(matches!(plain, Cow::Borrowed(_)));
    }

    #[test]
    fn unknown_charsets_are_named() {
        let e = to_utf8(b"x", Some("koi8-r"), Syntax::Json).unwrap_err();
        assert_eq!(e.kind, BodyErrorKind::UnsupportedCharset("koi8-r".into()));
        assert!(e.to_string().contains("koi8-r"));
        let e = to_utf8(
            b"<?xml version='1.0' encoding='EBCDIC'?><a/>",
            None,
            Syntax::Xml,
        )
        .unwrap_err();
        assert_eq!(e.kind, BodyErrorKind::UnsupportedCharset("EBCDIC".into()));
        assert!(matches!(
            to_utf8(b"\xFF\xFEa", None, Syntax::Xml).unwrap_err().kind,
            BodyErrorKind::InvalidCharacter(_)
        ));
    }

    #[test]
    fn charset_parameters_are_found() {
        assert_eq!(
            charset_param("text/xml; charset=\"ISO-8859-1\""),
            Some("ISO-8859-1")
        );
        assert_eq!(
            charset_param("application/json;CHARSET=utf-8"),
            Some("utf-8")
        );
        assert_eq!(charset_param("text/xml"), None);
        assert_eq!(charset_param("text/xml; version=1"), None);
    }

    #[test]
    fn media_types_drop_parameters_and_space() {
        assert_eq!(
            media_type(" Application/JSON ; charset=utf-8"),
            "Application/JSON"
        );
        assert_eq!(media_type("text/xml"), "text/xml");
        assert_eq!(media_type(";charset=utf-8"), "");
    }

    #[test]
    fn finds_the_declared_encoding() {
        assert_eq!(
            declared_encoding(b"<?xml version='1.0' encoding='ISO-8859-1'?><a/>"),
            Some(&b"ISO-8859-1"[..])
        );
        assert_eq!(
            declared_encoding(b"<?xml version=\"1.0\" encoding = \"utf-8\" ?>"),
            Some(&b"utf-8"[..])
        );
        assert_eq!(declared_encoding(b"<?xml version='1.0'?><a/>"), None);
        assert_eq!(declared_encoding(b"<a/>"), None);
        assert_eq!(declared_encoding(b"<?xml encoding="), None);
    }

    #[cfg(any(feature = "xmlrpc", feature = "server"))]
    #[test]
    fn content_codings_are_undone_in_order_and_bounded() {
        use std::io::Write as _;
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::CONTENT_ENCODING,
            "deflate, gzip".parse().unwrap(),
        );
        let codings = content_codings(&h).unwrap();
        assert_eq!(codings, vec![Coding::Deflate, Coding::Gzip]);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"hello").unwrap();
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        g.write_all(&z.finish().unwrap()).unwrap();
        let body = g.finish().unwrap();
        assert_eq!(decode_codings(body, &codings, 100).unwrap(), b"hello");
        // Raw deflate, as some clients send for `deflate`.
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        d.write_all(b"hello").unwrap();
        assert_eq!(
            decode_codings(d.finish().unwrap(), &[Coding::Deflate], 100).unwrap(),
            b"hello"
        );
        // A bomb stops at the limit.
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        g.write_all(&vec![0u8; 1 << 20]).unwrap();
        assert!(matches!(
            decode_codings(g.finish().unwrap(), &[Coding::Gzip], 1000)
                .unwrap_err()
                .kind,
            BodyErrorKind::TooLarge { limit: 1000, .. }
        ));
        h.insert(http::header::CONTENT_ENCODING, "br".parse().unwrap());
        assert_eq!(
            content_codings(&h).unwrap_err().kind,
            BodyErrorKind::UnsupportedCoding("br".into())
        );
    }
}
