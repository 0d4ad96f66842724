//! The syntax tree: what the parser read, with a span on every node.
//!
//! The AST mirrors the source closely (it keeps names as written, field numbers as literals that may
//! be out of range, annotations unvalidated) so that checks can point at exactly what is wrong.
//! Emitters never see it: they consume the resolved [`crate::ir`].

use crate::source::Span;

/// One parsed IDL file.
#[derive(Debug, Clone)]
pub struct File {
    /// The `package` line, if any.
    pub package: Option<Package>,
    /// The `import` lines, in order.
    pub imports: Vec<Import>,
    /// The declarations, in order.
    pub items: Vec<Item>,
}

/// `package a.b;`
#[derive(Debug, Clone)]
pub struct Package {
    /// The `///` doc lines above it, in order.
    pub docs: Vec<String>,
    /// The package name (`shop.v1`).
    pub name: Path,
    /// From its first token to its last.
    pub span: Span,
}

/// `import "x.idl";`
#[derive(Debug, Clone)]
pub struct Import {
    /// The imported path, relative to the importing file or an include folder.
    pub path: StrLit,
    /// From its first token to its last.
    pub span: Span,
}

/// A top-level declaration.
#[derive(Debug, Clone)]
pub struct Item {
    /// The `///` doc lines above it, in order.
    pub docs: Vec<String>,
    /// The annotations (`@name(...)`) written before it.
    pub annotations: Vec<Annotation>,
    /// What is declared.
    pub kind: ItemKind,
    /// From its first token to its last.
    pub span: Span,
}

/// The kinds of top-level declaration.
#[derive(Debug, Clone)]
pub enum ItemKind {
    /// `struct Name { ... }`
    Struct(StructDecl),
    /// `enum Name { ... }`
    Enum(EnumDecl),
    /// `union Name { ... }`
    Union(StructDecl),
    /// `error Name: kind { ... }` or `error Name: kind;`
    Error(ErrorDecl),
    /// `service Name { ... }`
    Service(ServiceDecl),
    /// `topic "name" { ... }`
    Topic(TopicDecl),
}

impl Item {
    /// The declared name (for a topic, its quoted name).
    pub fn name(&self) -> &Ident {
        match &self.kind {
            ItemKind::Struct(s) | ItemKind::Union(s) => &s.name,
            ItemKind::Enum(e) => &e.name,
            ItemKind::Error(e) => &e.name,
            ItemKind::Service(s) => &s.name,
            ItemKind::Topic(t) => &t.name,
        }
    }

    /// The keyword that introduced the item, for messages.
    pub fn keyword(&self) -> &'static str {
        match &self.kind {
            ItemKind::Struct(_) => "struct",
            ItemKind::Enum(_) => "enum",
            ItemKind::Union(_) => "union",
            ItemKind::Error(_) => "error",
            ItemKind::Service(_) => "service",
            ItemKind::Topic(_) => "topic",
        }
    }
}

/// A struct or union body.
#[derive(Debug, Clone)]
pub struct StructDecl {
    /// The declared name.
    pub name: Ident,
    /// Fields and `reserved` lines, in order.
    pub members: Vec<Member>,
    /// The closing brace.
    pub end: Span,
}

impl StructDecl {
    /// The fields, skipping `reserved` lines.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.members.iter().filter_map(|m| match m {
            Member::Field(f) => Some(f),
            Member::Reserved(_) => None,
        })
    }
}

/// A line inside a struct, union or error body.
// Fields dominate bodies, so boxing them to shrink the rarer `Reserved` case would cost more
// allocations than the padding it saves.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Member {
    /// `name: Type = 1 @annotations;`
    Field(Field),
    /// `reserved 2, 5 to 9, "old";`
    Reserved(Reserved),
}

/// `name: Type = 1 @annotations;`
#[derive(Debug, Clone)]
pub struct Field {
    /// The `///` doc lines above it, in order.
    pub docs: Vec<String>,
    /// The field (or variant) name.
    pub name: Ident,
    /// The type as written.
    pub ty: TypeRef,
    /// The field number as written.
    pub number: IntLit,
    /// The annotations written after the number.
    pub annotations: Vec<Annotation>,
    /// From its first token to its last.
    pub span: Span,
}

/// `reserved 1, 2 to 5, "name";`
#[derive(Debug, Clone)]
pub struct Reserved {
    /// The reserved numbers, ranges and names, in order.
    pub items: Vec<ReservedItem>,
    /// From its first token to its last.
    pub span: Span,
}

/// One entry of a `reserved` line.
#[derive(Debug, Clone)]
pub enum ReservedItem {
    /// A single field number.
    Number(IntLit),
    /// An inclusive range of field numbers: `5 to 9`.
    Range(IntLit, IntLit),
    /// A field name: `"old"`.
    Name(StrLit),
}

/// `enum Name { ... }`
#[derive(Debug, Clone)]
pub struct EnumDecl {
    /// The declared name.
    pub name: Ident,
    /// The values, in order.
    pub values: Vec<EnumValue>,
    /// The closing brace.
    pub end: Span,
}

/// `NAME = 1;`
#[derive(Debug, Clone)]
pub struct EnumValue {
    /// The `///` doc lines above it, in order.
    pub docs: Vec<String>,
    /// The value's name.
    pub name: Ident,
    /// The value's number.
    pub number: IntLit,
    /// From its first token to its last.
    pub span: Span,
}

/// `error Name: kind { ... }`
#[derive(Debug, Clone)]
pub struct ErrorDecl {
    /// The declared name.
    pub name: Ident,
    /// The canonical kind as written (`not_found`; checked by E0117).
    pub kind: Ident,
    /// `None` for the bodiless form `error Name: kind;`.
    pub body: Option<StructDecl>,
}

/// `service Name { ... }`
#[derive(Debug, Clone)]
pub struct ServiceDecl {
    /// The declared name.
    pub name: Ident,
    /// The rpcs, in order.
    pub rpcs: Vec<Rpc>,
    /// The closing brace.
    pub end: Span,
}

/// `rpc Name(...) -> T throws E;`
#[derive(Debug, Clone)]
pub struct Rpc {
    /// The `///` doc lines above it, in order.
    pub docs: Vec<String>,
    /// The annotations (`@name(...)`) written before it.
    pub annotations: Vec<Annotation>,
    /// The rpc's name.
    pub name: Ident,
    /// What it takes.
    pub input: RpcInput,
    /// The `stream` keyword before the input type (`(stream Chunk)`): a client stream of
    /// [`RpcInput::Message`].
    pub input_stream: Option<Span>,
    /// What it returns (`-> T`), or `None`.
    pub output: Option<TypeRef>,
    /// The `stream` keyword before the output type (`-> stream Event`): a server stream.
    pub output_stream: Option<Span>,
    /// The errors of `throws`, as written.
    pub throws: Vec<Path>,
    /// From its first token to its last.
    pub span: Span,
}

/// What an rpc takes.
#[derive(Debug, Clone)]
pub enum RpcInput {
    /// `()`
    None,
    /// `(Message)`
    Message(TypeRef),
    /// `(a: i32, b: i32)`
    Params(Vec<Param>),
}

/// One named rpc parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The parameter's name.
    pub name: Ident,
    /// Its type as written.
    pub ty: TypeRef,
    /// The annotations written after it (constraints).
    pub annotations: Vec<Annotation>,
    /// From its first token to its last.
    pub span: Span,
}

/// `topic "name" { ... }`
#[derive(Debug, Clone)]
pub struct TopicDecl {
    /// The topic name; its span covers the quotes.
    pub name: Ident,
    /// The properties (`key:`, `value:`, `encoding:`), in order.
    pub props: Vec<TopicProp>,
    /// The closing brace.
    pub end: Span,
}

/// One `key:`, `value:` or `encoding:` line of a topic.
#[derive(Debug, Clone)]
pub struct TopicProp {
    /// The `///` doc lines above it, in order.
    pub docs: Vec<String>,
    /// Which property, and its value.
    pub kind: TopicPropKind,
    /// From its first token to its last.
    pub span: Span,
}

/// The properties a topic declares.
#[derive(Debug, Clone)]
pub enum TopicPropKind {
    /// `key: string;` — the caller passes the key.
    KeyType(TypeRef),
    /// `key: value.id;` — the key is a field of the value.
    KeyField(Ident),
    /// `value: Type;` — the type of each record's value.
    Value(TypeRef),
    /// `encoding: json;` — how values are encoded.
    Encoding(Ident),
}

/// `@name(args)`
#[derive(Debug, Clone)]
pub struct Annotation {
    /// The annotation's name, without `@`.
    pub name: Ident,
    /// The arguments, in order (empty without parentheses).
    pub args: Vec<AnnotationArg>,
    /// From its first token to its last.
    pub span: Span,
}

/// An annotation argument as written.
#[derive(Debug, Clone)]
pub enum AnnotationArg {
    /// A string literal.
    Str(StrLit),
    /// An integer literal.
    Int(IntLit),
    /// A floating-point literal and where it was written.
    Float(f64, Span),
    /// `..`
    Open(Span),
    /// A bare word (`GET`, an error kind).
    Word(Ident),
}

impl AnnotationArg {
    /// Where the argument was written.
    pub fn span(&self) -> Span {
        match self {
            AnnotationArg::Str(s) => s.span,
            AnnotationArg::Int(i) => i.span,
            AnnotationArg::Float(_, s) | AnnotationArg::Open(s) => *s,
            AnnotationArg::Word(w) => w.span,
        }
    }
}

/// A type as written.
#[derive(Debug, Clone)]
pub enum TypeRef {
    /// A built-in or declared type name, possibly package-qualified, and its [`NameSlot`].
    Named(Path, NameSlot),
    /// `optional<T>`, `list<T>`, `map<K, V>`.
    Generic {
        /// `optional`, `list` or `map`.
        name: Ident,
        /// The type arguments, in order.
        args: Vec<TypeRef>,
        /// From its first token to its last.
        span: Span,
    },
}

impl TypeRef {
    /// Where the type was written.
    pub fn span(&self) -> Span {
        match self {
            TypeRef::Named(p, _) => p.span,
            TypeRef::Generic { span, .. } => *span,
        }
    }
}

/// The number of a named type reference among its file's, in the order the parser met them
/// (0, 1, 2, ...). The program resolves every name once, into a table this indexes
/// ([`crate::program::Program::resolve`]), so the checks and lowering that read a type many times
/// do not probe the name tables each time (issue 17: at 20,000 types those probes missed the
/// cache and grew faster than the API).
pub type NameSlot = u32;

/// An identifier with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The text.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A dotted name (`shop.v1.Product`) with its span.
pub type Path = Ident;

/// A string literal, unescaped.
#[derive(Debug, Clone)]
pub struct StrLit {
    /// The unescaped text.
    pub value: String,
    /// Where it was written, quotes included.
    pub span: Span,
}

/// An integer literal; `value` is `None` when it does not fit in an `i64`.
#[derive(Debug, Clone)]
pub struct IntLit {
    /// The value, or `None` when it does not fit in an `i64` (reported by the checks).
    pub value: Option<i64>,
    /// Where it was written.
    pub span: Span,
}
