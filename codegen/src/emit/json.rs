//! The one JSON tree the document emitters build: [`J`], a JSON value whose objects keep their
//! insertion order, so keys come out in IDL order without depending on serde_json's
//! `preserve_order` feature (a global switch that feature unification would turn on for every
//! crate of a user's build).
//!
//! The OpenAPI and AsyncAPI targets and the JSON Schema mapping they share
//! ([`super::json_schema`]) build [`J`]; the Rust target embeds its compact text. It also reads
//! JSON back in order ([`J::parse`]), for the OpenAPI document the runtime's join assembles.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use rosetta_runtime::openapi_join::push_json_str;

/// A JSON value whose objects keep their insertion order.
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as serde_json holds it (integers exact, floats round-tripping).
    Num(serde_json::Number),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<J>),
    /// An object: members in insertion order, keys unique when built through [`J::set`].
    Obj(Vec<(String, J)>),
}

/// An object built member by member where it may get many members (every topic's channel,
/// every reached schema): [`Members::set`] finds an existing key through an index where
/// [`J::set`] scans the members, so n members cost n steps, not n² (the AsyncAPI document at
/// 20,000 types grew 16x in time from 2,000 against 12x in size, in those scans).
#[derive(Debug, Default)]
pub struct Members {
    members: Vec<(String, J)>,
    /// Each key's place in `members`.
    index: rustc_hash::FxHashMap<String, usize>,
}

impl Members {
    /// Sets a member, replacing an existing one in place, else appending it, as [`J::set`].
    pub fn set(&mut self, key: impl Into<String>, value: J) {
        let key = key.into();
        match self.index.get(&key) {
            Some(&at) => self.members[at].1 = value,
            None => {
                self.index.insert(key.clone(), self.members.len());
                self.members.push((key, value));
            }
        }
    }

    /// True when no member was set.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The object, members in the order they were first set.
    pub fn into_obj(self) -> J {
        J::Obj(self.members)
    }
}

impl J {
    /// The empty object.
    pub fn obj() -> J {
        J::Obj(Vec::new())
    }

    /// A string.
    pub fn s(v: impl Into<String>) -> J {
        J::Str(v.into())
    }

    /// An integer (clamped to the `u64`/`i64` range, which every bound written here fits).
    pub fn int(v: i128) -> J {
        if v >= 0 {
            J::Num(serde_json::Number::from(
                u64::try_from(v).unwrap_or(u64::MAX),
            ))
        } else {
            J::Num(serde_json::Number::from(
                i64::try_from(v).unwrap_or(i64::MIN),
            ))
        }
    }

    /// An array of strings.
    pub fn strs<'a>(items: impl IntoIterator<Item = &'a str>) -> J {
        J::Arr(items.into_iter().map(J::s).collect())
    }

    /// Sets a member and returns the object (objects only; other values are returned as is).
    pub fn with(mut self, key: &str, value: J) -> J {
        self.set(key, value);
        self
    }

    /// Sets a member, replacing an existing one in place, else appending it (objects only).
    pub fn set(&mut self, key: impl AsRef<str>, value: J) {
        let key = key.as_ref();
        if let J::Obj(members) = self {
            match members.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => members.push((key.to_string(), value)),
            }
        }
    }

    /// The member named `key` of an object.
    pub fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// True for an object with no members.
    pub fn is_empty_obj(&self) -> bool {
        matches!(self, J::Obj(m) if m.is_empty())
    }

    /// Compact JSON text, as serde_json writes it.
    pub fn to_compact(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write_compact(&mut out);
        out
    }

    /// Appends the compact JSON text of this value to `out`. Written out rather than through
    /// serde_json's serializer: the same text (strings escaped by the runtime's
    /// [`push_json_str`], numbers by serde_json's own `Display`), without a byte buffer grown
    /// from 128 bytes per value and checked again as UTF-8 (a quarter of
    /// `generate --target openapi` went into serializing its trees).
    pub fn write_compact(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => {
                use std::fmt::Write as _;
                // Writing into a String cannot fail.
                let _ = write!(out, "{n}");
            }
            J::Str(v) => push_json_str(out, v),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            J::Obj(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_json_str(out, key);
                    out.push(':');
                    value.write_compact(out);
                }
                out.push('}');
            }
        }
    }

    /// Indented JSON text (two spaces, serde_json's pretty printer).
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Indents compact JSON text exactly as [`J::to_pretty`] prints the value it holds, without
    /// building the tree: the OpenAPI document is joined as text, and parsing it back only to
    /// print it took a third of `generate --target openapi` at 2,000 types. Whitespace between
    /// tokens is dropped; strings are copied as they are.
    pub fn pretty(compact: &str) -> String {
        // Indentation about doubles a document's size (2.04x for the synthesized APIs'): three
        // times is reserved so the text is never copied into a larger buffer at the end (pages
        // reserved and never written cost no memory).
        let mut out = String::with_capacity(compact.len() * 3);
        Self::pretty_into(compact, &mut out);
        out
    }

    /// [`J::pretty`], written to `file` through a buffer of 1 MiB as it is made: a document of
    /// tens of megabytes is never in memory whole (fresh pages for it were a tenth of
    /// `generate --target openapi` at 20,000 types) and reaches the kernel in pieces of the size
    /// it takes fastest.
    pub fn pretty_to(compact: &str, file: &mut impl std::io::Write) -> std::io::Result<()> {
        let mut out = Pieces {
            buf: String::with_capacity(PIECE + 4096),
            file,
            error: None,
        };
        Self::pretty_into(compact, &mut out);
        out.flush()
    }

    fn pretty_into(compact: &str, out: &mut impl Sink) {
        let bytes = compact.as_bytes();
        let mut depth = 0usize;
        // A line break and its indentation as one slice of a prepared run of spaces (pushed two
        // spaces at a time, the indentation was a third of the indenting at 2,000 types).
        const SPACES: &str = concat!(
            "\n                                                                ",
            "                                                                "
        );
        let newline = |out: &mut _, depth: usize| match SPACES.get(..1 + 2 * depth) {
            Some(line) => Sink::push_str(out, line),
            None => {
                Sink::push_str(out, "\n");
                for _ in 0..depth {
                    Sink::push_str(out, "  ");
                }
            }
        };
        // Bytes, not chars: every character that shapes the layout is ASCII, so a string's text
        // (any UTF-8) and a literal are each copied as one slice, not decoded and pushed
        // character by character (70 MB of them at 20,000 types).
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            match c {
                b'"' => {
                    // Up to the closing quote: the first `"` not escaped by a `\`.
                    let mut end = i + 1;
                    loop {
                        if end >= bytes.len() {
                            end = bytes.len();
                            break;
                        }
                        match bytes[end..].iter().position(|&b| b == b'"' || b == b'\\') {
                            Some(k) if bytes[end + k] == b'\\' => end += k + 2,
                            Some(k) => {
                                end += k + 1;
                                break;
                            }
                            None => {
                                end = bytes.len();
                                break;
                            }
                        }
                    }
                    Sink::push_str(out, &compact[i..end]);
                    i = end;
                    continue;
                }
                b'{' | b'[' => {
                    let close = if c == b'{' { b'}' } else { b']' };
                    let mut j = i + 1;
                    while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    if bytes.get(j) == Some(&close) {
                        Sink::push_str(out, if c == b'{' { "{}" } else { "[]" });
                        i = j + 1;
                        continue;
                    }
                    Sink::push_str(out, if c == b'{' { "{" } else { "[" });
                    depth += 1;
                    newline(out, depth);
                    i = j;
                    continue;
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    newline(out, depth);
                    Sink::push_str(out, if c == b'}' { "}" } else { "]" });
                }
                b',' => {
                    Sink::push_str(out, ",");
                    newline(out, depth);
                }
                b':' => Sink::push_str(out, ": "),
                c if c.is_ascii_whitespace() => {}
                _ => {
                    // A number, `true`, `false` or `null`: up to the next structural byte.
                    let run = bytes[i..]
                        .iter()
                        .position(|&b| {
                            matches!(b, b',' | b'}' | b']' | b':' | b'"') || b.is_ascii_whitespace()
                        })
                        .map_or(bytes.len(), |k| i + k);
                    Sink::push_str(out, &compact[i..run]);
                    i = run;
                    continue;
                }
            }
            i += 1;
        }
    }

    /// Reads JSON text, keeping object members in document order.
    pub fn parse(text: &str) -> Result<J, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// Where [`J::pretty`]'s text goes: a string, or a file in pieces.
trait Sink {
    fn push_str(&mut self, s: &str);
}

impl Sink for String {
    #[inline]
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }
}

/// The size of the pieces [`J::pretty_to`] writes.
const PIECE: usize = 1 << 20;

/// A file written in pieces of about [`PIECE`] bytes; the first error is kept and ends the
/// writing.
struct Pieces<'a, W> {
    buf: String,
    file: &'a mut W,
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> Pieces<'_, W> {
    /// Writes what is buffered; the first error, if writing failed before.
    fn flush(&mut self) -> std::io::Result<()> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let written = self.file.write_all(self.buf.as_bytes());
        self.buf.clear();
        written
    }
}

impl<W: std::io::Write> Sink for Pieces<'_, W> {
    #[inline]
    fn push_str(&mut self, s: &str) {
        if self.error.is_some() {
            return;
        }
        self.buf.push_str(s);
        if self.buf.len() >= PIECE
            && let Err(e) = self.flush()
        {
            self.error = Some(e);
        }
    }
}

impl Serialize for J {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            J::Null => s.serialize_unit(),
            J::Bool(b) => s.serialize_bool(*b),
            J::Num(n) => n.serialize(s),
            J::Str(v) => s.serialize_str(v),
            J::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            J::Obj(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<J, D::Error> {
        d.deserialize_any(JVisitor)
    }
}

/// Builds a [`J`] from any self-describing input, members in input order.
struct JVisitor;

impl<'de> Visitor<'de> for JVisitor {
    type Value = J;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }

    fn visit_none<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<J, E> {
        Ok(J::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<J, E> {
        Ok(J::Num(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<J, E> {
        Ok(J::Num(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<J, E> {
        Ok(serde_json::Number::from_f64(v).map_or(J::Null, J::Num))
    }

    fn visit_str<E>(self, v: &str) -> Result<J, E> {
        Ok(J::s(v))
    }

    fn visit_string<E>(self, v: String) -> Result<J, E> {
        Ok(J::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(J::Arr(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut members: Vec<(String, J)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, J>()? {
            members.push((k, v));
        }
        Ok(J::Obj(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_text_is_serde_jsons() {
        // Every kind of character the quoting treats apart (the runtime's own test walks them all).
        let awkward = "\u{0}\u{8}\u{c}\u{1f}\"\\/\n\r\t\u{7f} é😀\u{2028}";
        let floats = [
            0.1,
            -0.0,
            1.5e-7,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            2.0,
            -3.25,
        ];
        let tree = J::obj()
            .with("null", J::Null)
            .with("bools", J::Arr(vec![J::Bool(true), J::Bool(false)]))
            .with(
                "ints",
                J::Arr(vec![
                    J::int(0),
                    J::int(-1),
                    J::int(i128::MAX),
                    J::int(i128::MIN),
                ]),
            )
            .with(
                "floats",
                J::Arr(
                    floats
                        .iter()
                        .filter_map(|f| serde_json::Number::from_f64(*f).map(J::Num))
                        .collect(),
                ),
            )
            .with(awkward, J::s(awkward))
            .with("empty", J::Arr(vec![J::obj(), J::Arr(vec![]), J::s("")]));
        assert_eq!(tree.to_compact(), serde_json::to_string(&tree).unwrap());
    }

    #[test]
    fn parse_keeps_member_order_and_round_trips() {
        let text = r#"{"z":1,"a":[true,null,-2,1.5,"x"],"m":{"b":{},"a":18446744073709551615}}"#;
        let j = J::parse(text).unwrap();
        assert_eq!(j.to_compact(), text);
        let J::Obj(members) = &j else {
            panic!("object")
        };
        let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn pretty_text_is_what_the_tree_prints() {
        let texts = [
            r#"{"z":1,"a":[true,null,-2,1.5,"x, y: {z}"],"m":{"b":{},"c":[],"a":"q\"}["}}"#,
            r#"[]"#,
            r#"{ "spaced" : [ 1 , { } ] }"#,
            r#""just a string""#,
            r#"[[[]],[{"k":"\\"}]]"#,
            r#"{"é" : [ ] , "b" : { "c" : "日本 é \\\"" } , "n" : [ -12 , 0.25 , false ] }"#,
        ];
        for text in texts {
            assert_eq!(
                J::pretty(text),
                J::parse(text).unwrap().to_pretty(),
                "{text}"
            );
        }
    }

    /// Records the size of every write; fails from the `fail_at`-th on.
    struct Writes {
        bytes: Vec<u8>,
        sizes: Vec<usize>,
        fail_at: usize,
    }

    impl std::io::Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.sizes.len() >= self.fail_at {
                return Err(std::io::Error::other("disk full"));
            }
            self.sizes.push(buf.len());
            self.bytes.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn pretty_to_writes_in_pieces_what_pretty_makes() {
        // About 3 MB indented: several pieces.
        let item = |i: i128| {
            J::obj()
                .with("name", J::s(format!("item \"{i}\"")))
                .with("tags", J::strs(["a", "b"]))
                .with("n", J::int(i))
        };
        let compact = J::Arr((0..30_000).map(item).collect()).to_compact();
        let whole = J::pretty(&compact);
        let mut file = Writes {
            bytes: Vec::new(),
            sizes: Vec::new(),
            fail_at: usize::MAX,
        };
        J::pretty_to(&compact, &mut file).unwrap();
        assert!(file.bytes == whole.as_bytes(), "the same text");
        assert!(file.sizes.len() >= 3, "{:?}", file.sizes);
        assert!(
            file.sizes.iter().all(|&n| n < PIECE + 1024),
            "{:?}",
            file.sizes
        );

        let mut failing = Writes {
            bytes: Vec::new(),
            sizes: Vec::new(),
            fail_at: 1,
        };
        let error = J::pretty_to(&compact, &mut failing).unwrap_err();
        assert_eq!(error.to_string(), "disk full");
        assert_eq!(failing.sizes.len(), 1, "nothing written after the error");
    }

    #[test]
    fn set_replaces_in_place() {
        let j = J::obj()
            .with("a", J::int(1))
            .with("b", J::int(2))
            .with("a", J::int(3));
        assert_eq!(j.to_compact(), r#"{"a":3,"b":2}"#);
        assert_eq!(J::int(-5).to_compact(), "-5");
    }
}
