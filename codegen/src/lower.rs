//! Lowering: a checked [`Program`] becomes the [`Ir`].
//!
//! Runs only when every check passed, so it may assume names resolve and annotations are well
//! formed; where it still meets something unexpected it degrades (skips the piece) rather than
//! panic.

use crate::conventions::{
    dead_letter_topic, default_http_path, default_xmlrpc_name, path_variables, request_message_name,
};
use crate::ir::*;
use crate::program::{DefId, Lookup, ParsedFile, Program};
use crate::syntax::ast::{
    self, AnnotationArg, ItemKind, Member, ReservedItem, TopicPropKind, TypeRef,
};

/// Builds the IR. MUST be deterministic: files in load order, items in declaration order.
pub fn lower(program: &Program) -> Ir {
    let mut ids: Vec<Option<usize>> = vec![None; program.item_count()];
    let mut defs = Vec::new();
    for f in program.parsed() {
        for (i, it) in f.ast.items.iter().enumerate() {
            if crate::program::is_type(it) {
                let def = DefId {
                    file: f.id,
                    item: i,
                };
                ids[program.item_index(def)] = Some(defs.len());
                defs.push(def);
            }
        }
    }
    let cx = Lower { program, ids, defs };
    let mut ir = Ir {
        files: Vec::new(),
        types: Vec::new(),
        services: Vec::new(),
        topics: Vec::new(),
    };
    // FileIds are dense over `program.files`; a file that failed to load never reaches lowering.
    for f in program.parsed() {
        let name = program.sources.get(f.id).name.clone();
        ir.files.push(File {
            stem: std::path::Path::new(&name)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            name,
            package: f.package.clone(),
            docs: f
                .ast
                .package
                .as_ref()
                .map(|p| p.docs.clone())
                .unwrap_or_default(),
            imports: f.imports.iter().map(|(id, _)| *id).collect(),
            is_root: f.is_root,
        });
    }
    // The items on two threads, each half into its own lists, joined in order: lowering reads
    // every field of the syntax trees, a tenth of a 20,000-type API's compile.
    let items: Vec<(&ParsedFile, &ast::Item)> = program
        .parsed()
        .flat_map(|f| f.ast.items.iter().map(move |item| (f, item)))
        .collect();
    let halves = crate::parallel::in_halves(&items, |items| {
        let mut out = Lowered::default();
        for &(f, item) in items {
            cx.item(f, item, &mut out);
        }
        out
    });
    for half in halves {
        ir.types.extend(half.types);
        ir.services.extend(half.services);
        ir.topics.extend(half.topics);
    }
    mark_boxed(&mut ir);
    mark_zero_values(&mut ir);
    ir
}

/// What lowering some items gives, in their order.
#[derive(Default)]
struct Lowered {
    types: Vec<TypeDef>,
    services: Vec<Service>,
    topics: Vec<Topic>,
}

impl Lower<'_> {
    /// Lowers one item of file `f` into `out`.
    fn item(&self, f: &ParsedFile, item: &ast::Item, out: &mut Lowered) {
        let deprecated = item.annotations.iter().any(|a| a.name.name == "deprecated");
        let kind = match &item.kind {
            ItemKind::Struct(s) => TypeKind::Struct(self.body(f, s)),
            ItemKind::Union(s) => TypeKind::Union(Union {
                variants: self.body(f, s).fields,
            }),
            ItemKind::Enum(e) => TypeKind::Enum(Enum {
                values: e
                    .values
                    .iter()
                    .map(|v| EnumValue {
                        name: v.name.name.clone(),
                        number: v
                            .number
                            .value
                            .and_then(|n| i32::try_from(n).ok())
                            .unwrap_or(0),
                        docs: v.docs.clone(),
                    })
                    .collect(),
            }),
            ItemKind::Error(e) => {
                let kind = ErrorKind::from_name(&e.kind.name).unwrap_or(ErrorKind::Unknown);
                let int_arg = |name: &str| {
                    item.annotations
                        .iter()
                        .find(|a| a.name.name == name)
                        .and_then(|a| match a.args.first() {
                            Some(AnnotationArg::Int(i)) => i.value,
                            _ => None,
                        })
                };
                TypeKind::Error(ErrorType {
                    kind,
                    body: e.body.as_ref().map(|b| self.body(f, b)).unwrap_or_default(),
                    http_status: int_arg("http_status")
                        .and_then(|v| u16::try_from(v).ok())
                        .unwrap_or(kind.http_status()),
                    fault_code: int_arg("fault_code")
                        .and_then(|v| i32::try_from(v).ok())
                        .unwrap_or(kind.fault_code()),
                })
            }
            ItemKind::Service(s) => {
                out.services.push(self.service(f, s));
                return;
            }
            ItemKind::Topic(t) => {
                out.topics.push(self.topic(f, t, item));
                return;
            }
        };
        out.types.push(TypeDef {
            name: item.name().name.clone(),
            package: f.package.clone(),
            file: f.id,
            docs: item.docs.clone(),
            deprecated,
            kind,
            has_zero_value: false,
        });
    }
}

/// Sets [`TypeDef::has_zero_value`] for every type (memoised; a cycle goes through an optional,
/// a list or a map, all of which are empty at zero, so it is assumed true while visited).
fn mark_zero_values(ir: &mut Ir) {
    fn of_type(ir: &Ir, id: usize, memo: &mut Vec<Option<bool>>) -> bool {
        if let Some(v) = memo[id] {
            return v;
        }
        memo[id] = Some(true);
        let v = match &ir.types[id].kind {
            TypeKind::Union(_) => false,
            TypeKind::Enum(_) => true,
            TypeKind::Struct(_) | TypeKind::Error(_) => ir.types[id]
                .fields()
                .iter()
                .all(|f| of_field(ir, &f.ty, memo)),
        };
        memo[id] = Some(v);
        v
    }
    fn of_field(ir: &Ir, t: &Type, memo: &mut Vec<Option<bool>>) -> bool {
        match t {
            Type::Named { id, .. } => of_type(ir, *id, memo),
            // The rule for everything else is the IR's own (it reads no named type's flag).
            other => ir.field_has_zero_value(other),
        }
    }
    let mut memo = vec![None; ir.types.len()];
    let zero: Vec<bool> = (0..ir.types.len())
        .map(|id| of_type(ir, id, &mut memo))
        .collect();
    for (t, z) in ir.types.iter_mut().zip(zero) {
        t.has_zero_value = z;
    }
}

struct Lower<'a> {
    program: &'a Program,
    /// Each type's index in `Ir::types`, by [`Program::item_index`] (`None` for services and
    /// topics): read once per type reference, so a dense table rather than a hashed map.
    ids: Vec<Option<usize>>,
    /// The inverse of `ids`.
    defs: Vec<DefId>,
}

impl Lower<'_> {
    fn ty(&self, f: &ParsedFile, t: &TypeRef) -> Type {
        match t {
            TypeRef::Named(p, slot) => match self.program.resolve(f.id, p, *slot) {
                Lookup::Builtin(b) => builtin(b),
                Lookup::Def(d) => self.named(d),
                // Unreachable after checks; a string is the least surprising stand-in.
                Lookup::NotFound | Lookup::Ambiguous(_) => Type::String,
            },
            TypeRef::Generic { name, args, .. } => {
                let arg = |i: usize| Box::new(args.get(i).map_or(Type::String, |a| self.ty(f, a)));
                match name.name.as_str() {
                    "optional" => Type::Optional(arg(0)),
                    "list" => Type::List(arg(0)),
                    _ => Type::Map(arg(1)),
                }
            }
        }
    }

    /// The index in `Ir::types` of a type definition.
    fn id(&self, d: DefId) -> Option<usize> {
        self.ids.get(self.program.item_index(d)).copied().flatten()
    }

    fn named(&self, d: DefId) -> Type {
        Type::Named {
            id: self.id(d).unwrap_or(0),
            name: self.program.full_name(d),
        }
    }

    fn body(&self, f: &ParsedFile, s: &ast::StructDecl) -> Struct {
        let mut out = Struct::default();
        for m in &s.members {
            match m {
                Member::Field(x) => out.fields.push(Field {
                    name: x.name.name.clone(),
                    number: x
                        .number
                        .value
                        .and_then(|n| u32::try_from(n).ok())
                        .unwrap_or(0),
                    ty: self.ty(f, &x.ty),
                    docs: x.docs.clone(),
                    deprecated: x.annotations.iter().any(|a| a.name.name == "deprecated"),
                    constraints: constraints(&x.annotations),
                    boxed: false,
                }),
                Member::Reserved(r) => {
                    for it in &r.items {
                        let n = |i: &ast::IntLit| {
                            i.value.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
                        };
                        match it {
                            ReservedItem::Number(i) => out.reserved_numbers.push((n(i), n(i))),
                            ReservedItem::Range(a, b) => out.reserved_numbers.push((n(a), n(b))),
                            ReservedItem::Name(s) => out.reserved_names.push(s.value.clone()),
                        }
                    }
                }
            }
        }
        out
    }

    fn service(&self, f: &ParsedFile, s: &ast::ServiceDecl) -> Service {
        let rpcs = s
            .rpcs
            .iter()
            .map(|r| {
                let input = match &r.input {
                    ast::RpcInput::None => Input::Unit,
                    ast::RpcInput::Message(t) => match self.ty(f, t) {
                        Type::Named { id, .. } => Input::Message(id),
                        _ => Input::Unit,
                    },
                    ast::RpcInput::Params(ps) => Input::Params(RequestMessage {
                        name: request_message_name(&r.name.name),
                        fields: ps
                            .iter()
                            .enumerate()
                            .map(|(i, p)| Field {
                                name: p.name.name.clone(),
                                number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                                ty: self.ty(f, &p.ty),
                                docs: Vec::new(),
                                deprecated: false,
                                constraints: constraints(&p.annotations),
                                boxed: false,
                            })
                            .collect(),
                    }),
                };
                let output = match &r.output {
                    None => Output::Unit,
                    Some(t) => match self.ty(f, t) {
                        Type::Named { id, .. } if self.is_struct(id) => Output::Message(id),
                        other => Output::Value(other),
                    },
                };
                let http = r
                    .annotations
                    .iter()
                    .find(|a| a.name.name == "http")
                    .and_then(|a| match a.args.as_slice() {
                        [AnnotationArg::Word(m), AnnotationArg::Str(p)] => Some(HttpRoute {
                            method: HttpMethod::parse(&m.name)?,
                            path: p.value.clone(),
                            path_params: path_variables(&p.value).ok()?,
                            explicit: true,
                        }),
                        _ => None,
                    })
                    .unwrap_or_else(|| HttpRoute {
                        method: HttpMethod::Post,
                        path: default_http_path(f.package.as_deref(), &s.name.name, &r.name.name),
                        path_params: Vec::new(),
                        explicit: false,
                    });
                let xmlrpc_name = r
                    .annotations
                    .iter()
                    .find(|a| a.name.name == "xmlrpc")
                    .and_then(|a| match a.args.first() {
                        Some(AnnotationArg::Str(n)) => Some(n.value.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| default_xmlrpc_name(&s.name.name, &r.name.name));
                Rpc {
                    name: r.name.name.clone(),
                    docs: r.docs.clone(),
                    deprecated: r.annotations.iter().any(|a| a.name.name == "deprecated"),
                    input,
                    output,
                    client_streaming: r.input_stream.is_some(),
                    server_streaming: r.output_stream.is_some(),
                    throws: r
                        .throws
                        .iter()
                        .filter_map(|p| match self.program.lookup(f.id, &p.name) {
                            Lookup::Def(d) => self.id(d),
                            _ => None,
                        })
                        .collect(),
                    http,
                    xmlrpc_name,
                }
            })
            .collect();
        let item = f
            .ast
            .items
            .iter()
            .find(|it| matches!(&it.kind, ItemKind::Service(x) if x.name == s.name));
        Service {
            name: s.name.name.clone(),
            package: f.package.clone(),
            file: f.id,
            docs: item.map(|i| i.docs.clone()).unwrap_or_default(),
            rpcs,
        }
    }

    fn is_struct(&self, id: usize) -> bool {
        self.defs
            .get(id)
            .is_some_and(|d| matches!(self.program.item(*d).kind, ItemKind::Struct(_)))
    }

    fn topic(&self, f: &ParsedFile, t: &ast::TopicDecl, item: &ast::Item) -> Topic {
        let mut key = TopicKey::Explicit(Type::String);
        let mut value = Type::String;
        let mut encoding = Encoding::Json;
        for p in &t.props {
            match &p.kind {
                TopicPropKind::KeyType(k) => key = TopicKey::Explicit(self.ty(f, k)),
                TopicPropKind::KeyField(name) => key = TopicKey::Field(name.name.clone()),
                TopicPropKind::Value(v) => value = self.ty(f, v),
                TopicPropKind::Encoding(e) => {
                    encoding = Encoding::parse(&e.name).unwrap_or(Encoding::Json)
                }
            }
        }
        Topic {
            name: t.name.name.clone(),
            package: f.package.clone(),
            file: f.id,
            docs: item.docs.clone(),
            key,
            value,
            encoding,
            dead_letter: dead_letter_topic(&t.name.name),
        }
    }
}

fn builtin(b: &str) -> Type {
    match b {
        "bool" => Type::Bool,
        "i32" => Type::I32,
        "i64" => Type::I64,
        "u32" => Type::U32,
        "u64" => Type::U64,
        "f64" => Type::F64,
        "bytes" => Type::Bytes,
        "timestamp" => Type::Timestamp,
        "any" => Type::Any,
        _ => Type::String,
    }
}

/// Reads `@range`, `@length` and `@pattern`.
fn constraints(annotations: &[ast::Annotation]) -> Constraints {
    let mut c = Constraints::default();
    let num = |a: &AnnotationArg| match a {
        AnnotationArg::Int(i) => i.value.map(Number::Int),
        AnnotationArg::Float(f, _) => Some(Number::Float(*f)),
        _ => None,
    };
    let len = |a: &AnnotationArg| match a {
        AnnotationArg::Int(i) => i.value.and_then(|v| u64::try_from(v).ok()),
        _ => None,
    };
    for a in annotations {
        match (a.name.name.as_str(), a.args.as_slice()) {
            ("range", [lo, hi]) => {
                c.range = Some(Range {
                    min: num(lo),
                    max: num(hi),
                })
            }
            ("length", [lo, hi]) => {
                c.length = Some(Length {
                    min: len(lo),
                    max: len(hi),
                })
            }
            ("pattern", [AnnotationArg::Str(s)]) => c.pattern = Some(s.value.clone()),
            _ => {}
        }
    }
    c
}

/// Marks fields whose type leads back to their own container without a list or map in between:
/// the Rust emitter boxes them (prost's `MessageGraph` rule).
fn mark_boxed(ir: &mut Ir) {
    fn direct(t: &Type) -> Option<usize> {
        match t {
            Type::Named { id, .. } => Some(*id),
            Type::Optional(inner) => direct(inner),
            _ => None,
        }
    }
    let edges: Vec<Vec<usize>> = ir
        .types
        .iter()
        .map(|t| t.fields().iter().filter_map(|f| direct(&f.ty)).collect())
        .collect();
    let comp = crate::graph::scc(&edges);
    for (i, t) in ir.types.iter_mut().enumerate() {
        let fields = match &mut t.kind {
            TypeKind::Struct(s) => &mut s.fields,
            TypeKind::Error(e) => &mut e.body.fields,
            TypeKind::Union(u) => &mut u.variants,
            TypeKind::Enum(_) => continue,
        };
        for f in fields {
            if let Some(target) = direct(&f.ty) {
                f.boxed = comp.get(target) == comp.get(i);
            }
        }
    }
}
