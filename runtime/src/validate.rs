//! Validation: the IDL's constraints (`@range`, `@length`, `@pattern`) checked before a handler
//! runs, reporting every violation with its field path.
//!
//! Paths are built lazily: [`Path`] is a linked list on the stack, turned into text only when a
//! violation is recorded, so validating valid input allocates nothing. A decoder's error carries
//! the owned [`ErrorPath`] instead (XML-RPC conversion, protobuf decoding), and both are written
//! the same way: `lines[2].quantity`, `tags["a"]`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::OnceLock;

/// One broken constraint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Violation {
    /// Where: `lines[2].quantity`, or the parameter name.
    pub field: String,
    /// Which rule: `range`, `length` or `pattern`.
    pub rule: String,
    /// What was expected, for people.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A field path under construction.
#[derive(Debug, Clone, Copy)]
pub enum Path<'a> {
    /// The value being validated itself.
    Root,
    /// A named field or parameter under a parent.
    Field(&'a Path<'a>, &'a str),
    /// An element of a list.
    Index(&'a Path<'a>, usize),
    /// A value of a map.
    Key(&'a Path<'a>, &'a str),
}

impl<'a> Path<'a> {
    /// The child path for a field.
    pub fn field(&'a self, name: &'a str) -> Path<'a> {
        Path::Field(self, name)
    }

    /// The child path for a list element.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }

    /// The child path for a map value.
    pub fn key(&'a self, k: &'a str) -> Path<'a> {
        Path::Key(self, k)
    }

    fn write(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Field(parent, name) => {
                parent.write(out);
                write_field(out, name);
            }
            Path::Index(parent, i) => {
                parent.write(out);
                write_index(out, *i);
            }
            Path::Key(parent, k) => {
                parent.write(out);
                write_key(out, k);
            }
        }
    }

    /// The path as text, `lines[2].quantity`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }
}

/// `.name` after a segment, `name` first.
fn write_field(out: &mut String, name: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(name);
}

/// `[2]`.
fn write_index(out: &mut String, index: usize) {
    out.push_str(&format!("[{index}]"));
}

/// `["red"]`: the key as a Rust string literal, so any text reads back unambiguously.
fn write_key(out: &mut String, key: &str) {
    out.push_str(&format!("[{key:?}]"));
}

/// One step of an [`ErrorPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A struct member, message field or named parameter: `.price`.
    Field(String),
    /// A list or array index: `[2]`.
    Index(usize),
    /// A map key: `["red"]`.
    Key(String),
}

/// Where in a value a decoder's error is, built as the error leaves each level (so the
/// segments are pushed innermost first): the path of XML-RPC's `ValueError` and of protobuf's
/// `DecodeError`. Only an error pays for it: an empty path does not allocate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorPath {
    /// Innermost segment first.
    rev: Vec<PathSegment>,
}

impl ErrorPath {
    /// One level further out.
    pub fn push(&mut self, segment: PathSegment) {
        self.rev.push(segment);
    }

    /// Whether the error is at the top-level value itself.
    pub fn is_empty(&self) -> bool {
        self.rev.is_empty()
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> impl Iterator<Item = &PathSegment> {
        self.rev.iter().rev()
    }

    /// The path as text, as [`Path::render`] writes it: `items[2].price` (empty at the top).
    pub fn render(&self) -> String {
        let mut out = String::new();
        for segment in self.segments() {
            match segment {
                PathSegment::Field(name) => write_field(&mut out, name),
                PathSegment::Index(i) => write_index(&mut out, *i),
                PathSegment::Key(k) => write_key(&mut out, k),
            }
        }
        out
    }
}

/// Types whose constraints can be checked. Implemented by `#[derive(Validate)]` (which generated
/// code uses) and, as no-ops, by the scalars, so a derive can descend into every field.
pub trait Validate {
    /// Records every violation under `path` into `out`.
    fn validate_at(&self, path: &Path<'_>, out: &mut Vec<Violation>);

    /// Every violation, or `Ok` when there is none.
    fn validate(&self) -> Result<(), Vec<Violation>> {
        let mut out = Vec::new();
        self.validate_at(&Path::Root, &mut out);
        if out.is_empty() { Ok(()) } else { Err(out) }
    }
}

macro_rules! no_constraints {
    ($($t:ty),*) => {$(
        impl Validate for $t {
            #[inline]
            fn validate_at(&self, _: &Path<'_>, _: &mut Vec<Violation>) {}
        }
    )*};
}
no_constraints!(
    (),
    bool,
    u8,
    i32,
    i64,
    u32,
    u64,
    f64,
    String,
    str,
    crate::Timestamp
);

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate_at(&self, path: &Path<'_>, out: &mut Vec<Violation>) {
        (**self).validate_at(path, out)
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, path: &Path<'_>, out: &mut Vec<Violation>) {
        if let Some(v) = self {
            v.validate_at(path, out)
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, path: &Path<'_>, out: &mut Vec<Violation>) {
        for (i, v) in self.iter().enumerate() {
            v.validate_at(&path.index(i), out)
        }
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate_at(&self, path: &Path<'_>, out: &mut Vec<Violation>) {
        for (k, v) in self {
            v.validate_at(&path.key(k), out)
        }
    }
}

impl<T: Validate, S> Validate for HashMap<String, T, S> {
    fn validate_at(&self, path: &Path<'_>, out: &mut Vec<Violation>) {
        for (k, v) in self {
            v.validate_at(&path.key(k), out)
        }
    }
}

/// Something with a length for `@length`: characters of a string, bytes, items of a collection.
pub trait HasLength {
    /// The length `@length` measures.
    fn length(&self) -> usize;
}

impl HasLength for String {
    fn length(&self) -> usize {
        self.chars().count()
    }
}
impl HasLength for str {
    fn length(&self) -> usize {
        self.chars().count()
    }
}
impl<T> HasLength for Vec<T> {
    fn length(&self) -> usize {
        self.len()
    }
}
impl<K, V> HasLength for BTreeMap<K, V> {
    fn length(&self) -> usize {
        self.len()
    }
}
impl<K, V, S> HasLength for HashMap<K, V, S> {
    fn length(&self) -> usize {
        self.len()
    }
}

/// Checks `@range(min, max)` (both inclusive, `None` open).
pub fn range<T: PartialOrd + fmt::Display + Copy>(
    value: T,
    min: Option<T>,
    max: Option<T>,
    path: &Path<'_>,
    out: &mut Vec<Violation>,
) {
    // `partial_cmp` is `None` for NaN, which must fail the check rather than slip through.
    use std::cmp::Ordering::{Greater, Less};
    let low = min.is_some_and(|m| matches!(value.partial_cmp(&m), None | Some(Less)));
    let high = max.is_some_and(|m| matches!(value.partial_cmp(&m), None | Some(Greater)));
    if low || high {
        out.push(Violation {
            field: path.render(),
            rule: "range".into(),
            message: format!("must be {}, got {value}", describe(min, max, "")),
        });
    }
}

/// Checks `@length(min, max)`.
pub fn length<T: HasLength + ?Sized>(
    value: &T,
    min: Option<usize>,
    max: Option<usize>,
    path: &Path<'_>,
    out: &mut Vec<Violation>,
) {
    let n = value.length();
    if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
        out.push(Violation {
            field: path.render(),
            rule: "length".into(),
            message: format!("length must be {}, got {n}", describe(min, max, "")),
        });
    }
}

/// Checks `@pattern(re)` against a regex compiled once.
pub fn pattern(value: &str, re: &LazyRegex, path: &Path<'_>, out: &mut Vec<Violation>) {
    if !re.get().is_match(value) {
        out.push(Violation {
            field: path.render(),
            rule: "pattern".into(),
            message: format!("must match {}", re.source),
        });
    }
}

fn describe<T: fmt::Display>(min: Option<T>, max: Option<T>, _unit: &str) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("between {a} and {b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => "anything".into(),
    }
}

/// A regex compiled on first use; generated code keeps one in a `static` per `@pattern`.
pub struct LazyRegex {
    source: &'static str,
    cell: OnceLock<regex::Regex>,
}

impl LazyRegex {
    /// A regex to be compiled from `source` on first use. The IDL checker has already compiled
    /// it once, so it is known to be valid.
    pub const fn new(source: &'static str) -> Self {
        LazyRegex {
            source,
            cell: OnceLock::new(),
        }
    }

    fn get(&self) -> &regex::Regex {
        self.cell.get_or_init(|| {
            // A derive on a hand-written struct may carry a bad pattern the IDL checker never saw:
            // fall back to a regex that matches nothing, so the value is refused, not the process.
            regex::Regex::new(self.source)
                .unwrap_or_else(|_| regex::Regex::new(r"[^\s\S]").expect("constant regex"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_path_reads_as_a_validation_path() {
        let root = Path::Root;
        let items = root.field("items");
        let second = items.index(2);
        let tags = second.field("tags");
        let key = tags.key("a \"b\"");
        let mut error = ErrorPath::default();
        for segment in [
            PathSegment::Key("a \"b\"".into()),
            PathSegment::Field("tags".into()),
            PathSegment::Index(2),
            PathSegment::Field("items".into()),
        ] {
            error.push(segment);
        }
        assert_eq!(error.render(), key.render());
        assert_eq!(error.render(), r#"items[2].tags["a \"b\""]"#);
        assert!(ErrorPath::default().render().is_empty());
    }

    #[test]
    fn paths_render_lazily() {
        let root = Path::Root;
        let lines = root.field("lines");
        let two = lines.index(2);
        let q = two.field("quantity");
        assert_eq!(q.render(), "lines[2].quantity");
        let attrs = root.field("attributes");
        assert_eq!(attrs.key("a b").render(), "attributes[\"a b\"]");
    }

    #[test]
    fn checks_report_every_violation() {
        let mut out = Vec::new();
        let root = Path::Root;
        range(5, Some(1), Some(3), &root.field("a"), &mut out);
        range(f64::NAN, Some(0.0), None, &root.field("b"), &mut out);
        length("héllo", Some(1), Some(4), &root.field("c"), &mut out);
        static RE: LazyRegex = LazyRegex::new("^[A-Z]{3}$");
        pattern("eur", &RE, &root.field("d"), &mut out);
        pattern("EUR", &RE, &root.field("e"), &mut out);
        let fields: Vec<&str> = out.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["a", "b", "c", "d"]);
        assert_eq!(out[0].message, "must be between 1 and 3, got 5");
        assert_eq!(out[2].message, "length must be between 1 and 4, got 5");
    }
}
