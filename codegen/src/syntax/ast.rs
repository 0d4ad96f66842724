//! The syntax tree: what the parser read, with a span on every node.
//!
//! The AST mirrors the source closely (it keeps names as written, field numbers as literals that may
//! be out of range, annotations unvalidated) so that checks can point at exactly what is wrong.
//! Emitters never see it: they consume the resolved [`crate::ir`].

use crate::source::Span;

/// One parsed IDL file.
#[derive(Debug, Clone)]
pub struct File {
    pub package: Option<Package>,
    pub imports: Vec<Import>,
    pub items: Vec<Item>,
}

/// `package a.b;`
#[derive(Debug, Clone)]
pub struct Package {
    pub docs: Vec<String>,
    pub name: Path,
    pub span: Span,
}

/// `import "x.idl";`
#[derive(Debug, Clone)]
pub struct Import {
    pub path: StrLit,
    pub span: Span,
}

/// A top-level declaration.
#[derive(Debug, Clone)]
pub struct Item {
    pub docs: Vec<String>,
    pub annotations: Vec<Annotation>,
    pub kind: ItemKind,
    pub span: Span,
}

/// The kinds of top-level declaration.
#[derive(Debug, Clone)]
pub enum ItemKind {
    Struct(StructDecl),
    Enum(EnumDecl),
    Union(StructDecl),
    Error(ErrorDecl),
    Service(ServiceDecl),
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
    pub name: Ident,
    pub members: Vec<Member>,
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
    Field(Field),
    Reserved(Reserved),
}

/// `name: Type = 1 @annotations;`
#[derive(Debug, Clone)]
pub struct Field {
    pub docs: Vec<String>,
    pub name: Ident,
    pub ty: TypeRef,
    pub number: IntLit,
    pub annotations: Vec<Annotation>,
    pub span: Span,
}

/// `reserved 1, 2 to 5, "name";`
#[derive(Debug, Clone)]
pub struct Reserved {
    pub items: Vec<ReservedItem>,
    pub span: Span,
}

/// One entry of a `reserved` line.
#[derive(Debug, Clone)]
pub enum ReservedItem {
    Number(IntLit),
    Range(IntLit, IntLit),
    Name(StrLit),
}

/// `enum Name { ... }`
#[derive(Debug, Clone)]
pub struct EnumDecl {
    pub name: Ident,
    pub values: Vec<EnumValue>,
    pub end: Span,
}

/// `NAME = 1;`
#[derive(Debug, Clone)]
pub struct EnumValue {
    pub docs: Vec<String>,
    pub name: Ident,
    pub number: IntLit,
    pub span: Span,
}

/// `error Name: kind { ... }`
#[derive(Debug, Clone)]
pub struct ErrorDecl {
    pub name: Ident,
    pub kind: Ident,
    /// `None` for the bodiless form `error Name: kind;`.
    pub body: Option<StructDecl>,
}

/// `service Name { ... }`
#[derive(Debug, Clone)]
pub struct ServiceDecl {
    pub name: Ident,
    pub rpcs: Vec<Rpc>,
    pub end: Span,
}

/// `rpc Name(...) -> T throws E;`
#[derive(Debug, Clone)]
pub struct Rpc {
    pub docs: Vec<String>,
    pub annotations: Vec<Annotation>,
    pub name: Ident,
    pub input: RpcInput,
    pub output: Option<TypeRef>,
    pub throws: Vec<Path>,
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
    pub name: Ident,
    pub ty: TypeRef,
    pub annotations: Vec<Annotation>,
    pub span: Span,
}

/// `topic "name" { ... }`
#[derive(Debug, Clone)]
pub struct TopicDecl {
    /// The topic name; its span covers the quotes.
    pub name: Ident,
    pub props: Vec<TopicProp>,
    pub end: Span,
}

/// One `key:`, `value:` or `encoding:` line of a topic.
#[derive(Debug, Clone)]
pub struct TopicProp {
    pub docs: Vec<String>,
    pub kind: TopicPropKind,
    pub span: Span,
}

/// The properties a topic declares.
#[derive(Debug, Clone)]
pub enum TopicPropKind {
    /// `key: string;` — the caller passes the key.
    KeyType(TypeRef),
    /// `key: value.id;` — the key is a field of the value.
    KeyField(Ident),
    Value(TypeRef),
    Encoding(Ident),
}

/// `@name(args)`
#[derive(Debug, Clone)]
pub struct Annotation {
    pub name: Ident,
    pub args: Vec<AnnotationArg>,
    pub span: Span,
}

/// An annotation argument as written.
#[derive(Debug, Clone)]
pub enum AnnotationArg {
    Str(StrLit),
    Int(IntLit),
    Float(f64, Span),
    /// `..`
    Open(Span),
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
    /// A built-in or declared type name, possibly package-qualified.
    Named(Path),
    /// `optional<T>`, `list<T>`, `map<K, V>`.
    Generic {
        name: Ident,
        args: Vec<TypeRef>,
        span: Span,
    },
}

impl TypeRef {
    /// Where the type was written.
    pub fn span(&self) -> Span {
        match self {
            TypeRef::Named(p) => p.span,
            TypeRef::Generic { span, .. } => *span,
        }
    }
}

/// An identifier with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A dotted name (`shop.v1.Product`) with its span.
pub type Path = Ident;

/// A string literal, unescaped.
#[derive(Debug, Clone)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// An integer literal; `value` is `None` when it does not fit in an `i64`.
#[derive(Debug, Clone)]
pub struct IntLit {
    pub value: Option<i64>,
    pub span: Span,
}
