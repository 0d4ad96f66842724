//! The `proto` target: one proto3 file per IDL file, rendered through askama templates
//! (`codegen/templates/proto/`).
//!
//! The mapping (DESIGN.md, "gRPC"): package → proto package (none without one); struct and error →
//! message; enum → enum whose values are prefixed with the enum's SCREAMING_SNAKE name (proto enum
//! values share their parent's scope, and prost strips the prefix again), with
//! `<ENUM>_UNSPECIFIED = 0` added when no value is zero; union → message with one `oneof`;
//! `optional<T>` → proto3 `optional` (messages have presence already); `list` → `repeated`; `map` →
//! `map<string, T>`; `timestamp` → `google.protobuf.Timestamp`; a parameter list → `<Rpc>Request`
//! (fields numbered in order); a non-struct result → `<Rpc>Response { result = 1 }`; no input or
//! no output → `google.protobuf.Empty`. Field numbers, reserved numbers and names are written as
//! in the IDL; doc comments become `//` comments.
//!
//! Architecture invariant: this emitter MUST be deterministic, and the names it gives synthesized
//! messages come from [`crate::conventions`], the functions the checker uses for collisions.

use std::cell::RefCell;

use crate::case;
use askama::Template;
use proc_macro2::{Ident, Span};
use rustc_hash::FxHashMap as HashMap;

use super::OutputFile;
use super::rust::ident::cached;
use crate::conventions::{
    needs_proto_wrapper, proto_wrapper_field, proto_wrapper_name, proto_wrappers,
    response_message_name,
};
use crate::ir::{Field, Input, Ir, Output, Rpc, Service, Struct, Type, TypeKind};

/// The proto file name of IDL file `file` (an index into [`Ir::files`]): `<stem>.proto`, with a
/// numeric suffix when two IDL files share a stem.
pub fn file_name(ir: &Ir, file: usize) -> String {
    let stem = ir.files.get(file).map_or("_", |f| f.stem.as_str());
    let earlier = ir
        .files
        .iter()
        .take(file)
        .filter(|f| f.stem == stem)
        .count();
    if earlier == 0 {
        format!("{stem}.proto")
    } else {
        format!("{stem}_{}.proto", earlier + 1)
    }
}

/// The name a proto enum value gets: `STATUS_ACTIVE` for `ACTIVE` in `Status`.
pub fn enum_value_name(enum_name: &str, value: &str) -> String {
    format!(
        "{}_{}",
        case::shouty_snake(enum_name),
        case::shouty_snake(value)
    )
}

/// The name of the zero value added to an enum that has none: `STATUS_UNSPECIFIED`, made unique
/// against the enum's own values.
pub fn enum_unspecified_name(enum_name: &str, values: &[String]) -> String {
    let mut name = format!("{}_UNSPECIFIED", case::shouty_snake(enum_name));
    while values.contains(&name) {
        name.push('_');
    }
    name
}

/// One value of a proto enum, as the `.proto` text and the descriptor both write it.
pub(super) struct ProtoEnumValue {
    pub(super) docs: Vec<String>,
    pub(super) name: String,
    pub(super) number: i32,
}

/// The values of IDL enum `enum_name` in proto3: prefixed names ([`enum_value_name`]), a
/// `…_UNSPECIFIED` zero value added when the IDL has none ([`enum_unspecified_name`]), the zero
/// value first (proto3 requires it) and the rest in IDL order.
pub(super) fn proto_enum_values(enum_name: &str, e: &crate::ir::Enum) -> Vec<ProtoEnumValue> {
    let names: Vec<String> = e
        .values
        .iter()
        .map(|v| enum_value_name(enum_name, &v.name))
        .collect();
    let mut out = Vec::with_capacity(e.values.len() + 1);
    if !e.values.iter().any(|v| v.number == 0) {
        out.push(ProtoEnumValue {
            docs: vec!["Not set.".to_string()],
            name: enum_unspecified_name(enum_name, &names),
            number: 0,
        });
    }
    let mut order: Vec<usize> = (0..e.values.len()).collect();
    order.sort_by_key(|&i| e.values[i].number != 0);
    for i in order {
        let v = &e.values[i];
        out.push(ProtoEnumValue {
            docs: v.docs.clone(),
            name: names[i].clone(),
            number: v.number,
        });
    }
    out
}

/// The name of a union's `oneof`: the union's snake_case name, unless a variant has it.
pub fn oneof_name(union_name: &str, variants: &[Field]) -> String {
    let mut name = case::snake(union_name);
    while variants.iter().any(|v| v.name == name) {
        name.push_str("_value");
    }
    name
}

/// The file (under `$OUT_DIR/rosetta-prost/`) prost writes for a package: `shop.v1.rs`, `_.rs`.
pub fn prost_file_name(package: Option<&str>) -> String {
    format!("{}.rs", package.unwrap_or("_"))
}

/// The folder under `$OUT_DIR` with the prost output.
pub const PROST_DIR: &str = "rosetta-prost";
/// The folder under `$OUT_DIR` with the emitted `.proto` files and `descriptor.bin`.
pub const PROTO_DIR: &str = "rosetta-proto";
/// The encoded `FileDescriptorSet` of every emitted `.proto`, under [`PROTO_DIR`].
pub const DESCRIPTOR_FILE: &str = "descriptor.bin";

/// prost's identifier sanitizing (`prost-build`'s `ident.rs`), so generated code names prost items
/// exactly as prost does.
pub fn prost_sanitize(ident: String) -> String {
    const RAW: &[&str] = &[
        "as", "break", "const", "continue", "else", "enum", "false", "fn", "for", "if", "impl",
        "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
        "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "dyn", "abstract",
        "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
        "virtual", "yield", "async", "await", "try", "gen",
    ];
    const SUFFIXED: &[&str] = &["_", "super", "self", "Self", "extern", "crate"];
    if RAW.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else if SUFFIXED.contains(&ident.as_str()) {
        format!("{ident}_")
    } else if ident.starts_with(|c: char| c.is_numeric()) {
        format!("_{ident}")
    } else {
        ident
    }
}

/// An identifier from prost's text (`r#type` becomes a raw identifier).
pub fn prost_ident(text: &str) -> Ident {
    match text.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(text, Span::call_site()),
    }
}

/// A prost message, enum, oneof enum or variant name (`to_upper_camel`).
pub fn prost_type(name: &str) -> Ident {
    cached(&PROST_TYPES, name, |name| {
        prost_ident(&prost_sanitize(case::upper_camel(name)))
    })
}

/// A prost field, method or nested-module name (`to_snake`).
pub fn prost_field(name: &str) -> Ident {
    cached(&PROST_FIELDS, name, |name| {
        prost_ident(&prost_sanitize(case::snake(name)))
    })
}

thread_local! {
    /// prost's names of IDL names, converted once per name and thread (each is used by every
    /// conversion, adapter and client that mentions it; heck's conversion costs thousands of
    /// instructions).
    static PROST_TYPES: RefCell<HashMap<Box<str>, Ident>> = RefCell::default();
    static PROST_FIELDS: RefCell<HashMap<Box<str>, Ident>> = RefCell::default();
}

/// The field name of a synthesized `<Rpc>Response`.
pub const RESULT_FIELD: &str = "result";

/// Generates one `.proto` per IDL file. MUST be deterministic.
pub fn generate(ir: &Ir) -> Result<Vec<OutputFile>, String> {
    let mut out = Vec::new();
    let mut value_packages: Vec<Option<String>> = Vec::new();
    for file in 0..ir.files.len() {
        let (contents, uses_any) = render_file(ir, file)?;
        out.push(OutputFile {
            name: file_name(ir, file),
            contents,
        });
        let package = ir.files[file].package.clone();
        if uses_any && !value_packages.contains(&package) {
            value_packages.push(package);
        }
    }
    for package in value_packages {
        out.push(OutputFile {
            name: value_file_name(package.as_deref()),
            contents: value_file(package.as_deref()),
        });
    }
    Ok(out)
}

/// The file declaring a package's `RosettaValue` messages (the IDL's `any`):
/// `rosetta_value_<package, dots as underscores>.proto` (`rosetta_value_shop_v1.proto`),
/// `rosetta_value.proto` without a package. One per package, so every file of the package that
/// uses `any` imports the same declaration. No dots but the extension: Python's protoc plugin
/// turns a dotted file name into a package path that cannot be imported.
pub fn value_file_name(package: Option<&str>) -> String {
    match package {
        Some(p) => format!("rosetta_value_{}.proto", p.replace('.', "_")),
        None => "rosetta_value.proto".to_string(),
    }
}

/// One field of a `RosettaValue` message: name, number, type as `.proto` spells it (a message of
/// the family by its bare name), repeated, doc line.
pub(crate) struct ValueField {
    pub(crate) name: &'static str,
    pub(crate) number: u32,
    pub(crate) ty: &'static str,
    pub(crate) repeated: bool,
    pub(crate) doc: Option<&'static str>,
}

/// One message of the `RosettaValue` family: name, doc lines, the `oneof` all its fields are in
/// (if any), fields.
pub(crate) struct ValueMessage {
    pub(crate) name: &'static str,
    pub(crate) docs: &'static [&'static str],
    pub(crate) oneof: Option<&'static str>,
    pub(crate) fields: &'static [ValueField],
}

const fn vf(name: &'static str, number: u32, ty: &'static str) -> ValueField {
    ValueField {
        name,
        number,
        ty,
        repeated: false,
        doc: None,
    }
}

/// The `RosettaValue` family (the IDL's `any`), exactly the types `rosetta_runtime::grpc::value`
/// declares (the `Builder` maps these names to them). The one table both the `.proto` text
/// ([`value_file`]) and the descriptors (`emit::descriptor`) are made from.
pub(crate) const VALUE_MESSAGES: &[ValueMessage] = &[
    ValueMessage {
        name: "RosettaValue",
        docs: &[
            "A dynamic value (the IDL's `any`), keeping every XML-RPC distinction: int and i8, double,",
            "bytes and date-time, member order. No case set is nil.",
        ],
        oneof: Some("kind"),
        fields: &[
            ValueField {
                doc: Some("Nil; always true when set."),
                ..vf("nil_value", 1, "bool")
            },
            vf("int_value", 2, "int32"),
            vf("i8_value", 3, "int64"),
            vf("bool_value", 4, "bool"),
            vf("double_value", 5, "double"),
            vf("string_value", 6, "string"),
            vf("datetime_value", 7, "google.protobuf.Timestamp"),
            vf("base64_value", 8, "bytes"),
            vf("struct_value", 9, "RosettaStruct"),
            vf("array_value", 10, "RosettaArray"),
        ],
    },
    ValueMessage {
        name: "RosettaStruct",
        docs: &["A struct: members in order."],
        oneof: None,
        fields: &[ValueField {
            repeated: true,
            ..vf("members", 1, "RosettaMember")
        }],
    },
    ValueMessage {
        name: "RosettaMember",
        docs: &["One struct member; an absent value is nil."],
        oneof: None,
        fields: &[vf("name", 1, "string"), vf("value", 2, "RosettaValue")],
    },
    ValueMessage {
        name: "RosettaArray",
        docs: &["An array."],
        oneof: None,
        fields: &[ValueField {
            repeated: true,
            ..vf("items", 1, "RosettaValue")
        }],
    },
];

/// The contents of [`value_file_name`]: the `RosettaValue` message family ([`VALUE_MESSAGES`]).
pub(crate) fn value_file(package: Option<&str>) -> String {
    let mut out = String::from(
        "// @generated by rosetta-codegen: the IDL's `any`. Do not edit.\nsyntax = \"proto3\";\n\n",
    );
    if let Some(p) = package {
        out.push_str(&format!("package {p};\n\n"));
    }
    out.push_str("import \"google/protobuf/timestamp.proto\";\n");
    for m in VALUE_MESSAGES {
        out.push('\n');
        for line in m.docs {
            out.push_str(&format!("// {line}\n"));
        }
        out.push_str(&format!("message {} {{\n", m.name));
        let indent = if let Some(oneof) = m.oneof {
            out.push_str(&format!("  oneof {oneof} {{\n"));
            "    "
        } else {
            "  "
        };
        for f in m.fields {
            if let Some(doc) = f.doc {
                out.push_str(&format!("{indent}// {doc}\n"));
            }
            let label = if f.repeated { "repeated " } else { "" };
            out.push_str(&format!(
                "{indent}{label}{} {} = {};\n",
                f.ty, f.name, f.number
            ));
        }
        if m.oneof.is_some() {
            out.push_str("  }\n");
        }
        out.push_str("}\n");
    }
    out
}

/// Renders the proto file of IDL file `file`; true when it uses `any`.
fn render_file(ir: &Ir, file: usize) -> Result<(String, bool), String> {
    let f = &ir.files[file];
    let mut r = Renderer {
        ir,
        package: f.package.as_deref(),
        used_files: Vec::new(),
        timestamp: false,
        empty: false,
        any: false,
    };
    let mut services = Vec::new();
    let mut messages = Vec::new();
    for s in ir.services.iter().filter(|s| s.file == file) {
        services.push(r.service(s));
        for rpc in &s.rpcs {
            if let Input::Params(request) = &rpc.input {
                let fields = request.fields.iter().map(|p| r.field(p, false)).collect();
                let nested = r.wrappers(request.fields.iter().map(|p| (&p.ty, false)));
                messages.push(Item::Message(MessageView {
                    comment: comment(&[format!("The parameters of `{}.{}`.", s.name, rpc.name)]),
                    name: request.name.clone(),
                    options: Vec::new(),
                    nested,
                    fields,
                    oneof: None,
                    reserved: Vec::new(),
                }));
            }
            if let Output::Value(ty) = &rpc.output {
                let field = r.field_line(&[], RESULT_FIELD, 1, ty, false, false);
                let nested = r.wrappers([(ty, false)]);
                messages.push(Item::Message(MessageView {
                    comment: comment(&[format!("The result of `{}.{}`.", s.name, rpc.name)]),
                    name: response_message_name(&rpc.name),
                    options: Vec::new(),
                    nested,
                    fields: vec![field],
                    oneof: None,
                    reserved: Vec::new(),
                }));
            }
        }
    }
    for (id, t) in ir.types.iter().enumerate() {
        if t.file != file {
            continue;
        }
        let options = deprecated_option(t.deprecated);
        let item = match &t.kind {
            TypeKind::Struct(s) => r.message(id, s, options),
            TypeKind::Error(e) => r.message(id, &e.body, options),
            TypeKind::Union(u) => {
                let oneof = OneofView {
                    name: oneof_name(&t.name, &u.variants),
                    fields: u.variants.iter().map(|v| r.field(v, true)).collect(),
                };
                let nested = r.wrappers(u.variants.iter().map(|v| (&v.ty, true)));
                Item::Message(MessageView {
                    comment: comment(&t.docs),
                    name: t.name.clone(),
                    options,
                    nested,
                    fields: Vec::new(),
                    oneof: Some(oneof),
                    reserved: Vec::new(),
                })
            }
            TypeKind::Enum(e) => {
                let values = proto_enum_values(&t.name, e)
                    .into_iter()
                    .map(|v| EnumValueView {
                        comment: comment(&v.docs),
                        name: v.name,
                        number: v.number,
                    })
                    .collect();
                Item::Enum(EnumView {
                    comment: comment(&t.docs),
                    name: t.name.clone(),
                    options,
                    values,
                })
            }
        };
        messages.push(item);
    }
    let mut imports: Vec<String> = Vec::new();
    if r.empty {
        imports.push("google/protobuf/empty.proto".to_string());
    }
    if r.timestamp {
        imports.push("google/protobuf/timestamp.proto".to_string());
    }
    if r.any {
        imports.push(value_file_name(f.package.as_deref()));
    }
    let mut used = r.used_files.clone();
    used.sort_unstable();
    used.dedup();
    imports.extend(
        used.into_iter()
            .filter(|&u| u != file)
            .map(|u| file_name(ir, u)),
    );
    let view = FileView {
        stem: &f.stem,
        package_comment: comment(&f.docs),
        package: f.package.as_deref(),
        imports,
        services,
        items: messages,
    };
    let mut text = view
        .render()
        .map_err(|e| format!("internal error: proto template: {e}"))?;
    text.push('\n');
    Ok((text, r.any))
}

/// Collects what a file refers to while rendering it.
struct Renderer<'a> {
    ir: &'a Ir,
    package: Option<&'a str>,
    /// Files whose types this file uses (to import).
    used_files: Vec<usize>,
    timestamp: bool,
    empty: bool,
    /// The file uses `any` (imports the package's `RosettaValue` file).
    any: bool,
}

/// Names a proto parser would read as something else at the start of a field.
const PROTO_WORDS: &[&str] = &[
    "double",
    "float",
    "int32",
    "int64",
    "uint32",
    "uint64",
    "sint32",
    "sint64",
    "fixed32",
    "fixed64",
    "sfixed32",
    "sfixed64",
    "bool",
    "string",
    "bytes",
    "optional",
    "repeated",
    "required",
    "map",
    "oneof",
    "option",
    "reserved",
    "extensions",
    "extend",
    "message",
    "enum",
    "service",
    "rpc",
    "returns",
    "stream",
    "group",
    "import",
    "package",
    "syntax",
    "edition",
    "weak",
    "public",
    "to",
    "max",
];

impl Renderer<'_> {
    /// How this file names type `id`: bare in the same package, fully qualified otherwise.
    fn type_ref(&mut self, id: usize) -> String {
        let t = &self.ir.types[id];
        self.used_files.push(t.file);
        // Wrapper messages nested in a message would shadow a same-named top-level type there.
        let shadowed = t.name.starts_with("ListOf")
            || t.name.starts_with("MapOf")
            || t.name.starts_with("OptionalOf");
        if t.package.as_deref() == self.package
            && !PROTO_WORDS.contains(&t.name.as_str())
            && !shadowed
        {
            t.name.clone()
        } else {
            format!(".{}", t.full_name())
        }
    }

    /// True when `ty` is a message in proto (it has presence without `optional`).
    fn is_message(&self, ty: &Type) -> bool {
        match ty {
            Type::Timestamp | Type::Any => true,
            Type::Named { id, .. } => !matches!(self.ir.types[*id].kind, TypeKind::Enum(_)),
            _ => false,
        }
    }

    /// The proto spelling of a non-generic type.
    fn scalar(&mut self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::I32 => "int32".into(),
            Type::I64 => "int64".into(),
            Type::U32 => "uint32".into(),
            Type::U64 => "uint64".into(),
            Type::F64 => "double".into(),
            Type::String => "string".into(),
            Type::Bytes => "bytes".into(),
            Type::Timestamp => {
                self.timestamp = true;
                "google.protobuf.Timestamp".into()
            }
            Type::Any => {
                self.any = true;
                "RosettaValue".into()
            }
            Type::Named { id, .. } => self.type_ref(*id),
            // A container where .proto needs a message: its wrapper, nested in this message.
            Type::Optional(_) | Type::List(_) | Type::Map(_) => {
                proto_wrapper_name(self.ir, self.package, ty)
            }
        }
    }

    /// The wrapper messages a message with these field types declares (`conventions`).
    fn wrappers<'t>(
        &mut self,
        fields: impl IntoIterator<Item = (&'t Type, bool)>,
    ) -> Vec<NestedView> {
        proto_wrappers(fields)
            .iter()
            .map(|w| {
                let field = self.field_line(&[], proto_wrapper_field(w), 1, w, false, false);
                NestedView {
                    name: proto_wrapper_name(self.ir, self.package, w),
                    field,
                }
            })
            .collect()
    }

    /// `optional string name = 2 [deprecated = true];` and its comment.
    fn field_line(
        &mut self,
        docs: &[String],
        name: &str,
        number: u32,
        ty: &Type,
        deprecated: bool,
        variant: bool,
    ) -> FieldView {
        let (label, ty_text) = match ty {
            // A `oneof` member cannot be repeated, a map or optional: the wrapper carries it.
            t if variant && needs_proto_wrapper(t) => ("", self.scalar(t)),
            Type::Optional(inner) if self.is_message(inner) || needs_proto_wrapper(inner) => {
                ("", self.scalar(inner))
            }
            Type::Optional(inner) => ("optional ", self.scalar(inner)),
            Type::List(inner) => ("repeated ", self.scalar(inner)),
            Type::Map(inner) => {
                let v = self.scalar(inner);
                ("", format!("map<string, {v}>"))
            }
            other => ("", self.scalar(other)),
        };
        FieldView {
            comment: comment(docs),
            label,
            ty: ty_text,
            name: name.to_string(),
            number,
            options: if deprecated {
                " [deprecated = true]".to_string()
            } else {
                String::new()
            },
        }
    }

    fn field(&mut self, f: &Field, variant: bool) -> FieldView {
        self.field_line(&f.docs, &f.name, f.number, &f.ty, f.deprecated, variant)
    }

    fn message(&mut self, id: usize, s: &Struct, options: Vec<String>) -> Item {
        let t = &self.ir.types[id];
        let mut reserved = Vec::new();
        if !s.reserved_numbers.is_empty() {
            let ranges: Vec<String> = s
                .reserved_numbers
                .iter()
                .map(|&(a, b)| {
                    if a == b {
                        a.to_string()
                    } else {
                        format!("{a} to {b}")
                    }
                })
                .collect();
            reserved.push(format!("reserved {};", ranges.join(", ")));
        }
        if !s.reserved_names.is_empty() {
            let names: Vec<String> = s
                .reserved_names
                .iter()
                .map(|n| format!("\"{}\"", n.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect();
            reserved.push(format!("reserved {};", names.join(", ")));
        }
        let nested = self.wrappers(s.fields.iter().map(|f| (&f.ty, false)));
        Item::Message(MessageView {
            comment: comment(&t.docs),
            name: t.name.clone(),
            options,
            nested,
            fields: s.fields.iter().map(|f| self.field(f, false)).collect(),
            oneof: None,
            reserved,
        })
    }

    /// The message an rpc takes or returns, as named in its service's file.
    fn rpc_input(&mut self, rpc: &Rpc) -> String {
        match &rpc.input {
            Input::Unit => {
                self.empty = true;
                "google.protobuf.Empty".into()
            }
            Input::Message(id) => self.type_ref(*id),
            Input::Params(request) => request.name.clone(),
        }
    }

    fn rpc_output(&mut self, rpc: &Rpc) -> String {
        match &rpc.output {
            Output::Unit => {
                self.empty = true;
                "google.protobuf.Empty".into()
            }
            Output::Message(id) => self.type_ref(*id),
            Output::Value(_) => response_message_name(&rpc.name),
        }
    }

    fn service(&mut self, s: &Service) -> ServiceView {
        let rpcs = s
            .rpcs
            .iter()
            .map(|rpc| {
                let docs = rpc_docs(self.ir, rpc);
                RpcView {
                    comment: comment(&docs),
                    name: rpc.name.clone(),
                    input: stream_prefix(rpc.client_streaming) + &self.rpc_input(rpc),
                    output: stream_prefix(rpc.server_streaming) + &self.rpc_output(rpc),
                    options: rpc_options(rpc),
                }
            })
            .collect();
        ServiceView {
            comment: comment(&s.docs),
            name: s.name.clone(),
            rpcs,
        }
    }
}

/// `stream ` before the input or output message of a streaming side of an rpc.
fn stream_prefix(streaming: bool) -> String {
    if streaming {
        "stream ".into()
    } else {
        String::new()
    }
}

/// An rpc's options: `deprecated`, and `idempotency_level = NO_SIDE_EFFECTS` for an rpc bound to
/// `@http(GET, …)`: GET is safe by HTTP's definition, so the IDL has already said the rpc has no
/// side effects, and Connect clients may then call it with GET (docs/web.md).
fn rpc_options(rpc: &crate::ir::Rpc) -> Vec<String> {
    let mut options = deprecated_option(rpc.deprecated);
    if rpc.http.method == crate::ir::HttpMethod::Get {
        options.push("option idempotency_level = NO_SIDE_EFFECTS;".to_string());
    }
    options
}

fn deprecated_option(deprecated: bool) -> Vec<String> {
    if deprecated {
        vec!["option deprecated = true;".to_string()]
    } else {
        Vec::new()
    }
}

/// Doc lines as `//` comment lines (the template indents them).
fn comment(docs: &[String]) -> Vec<String> {
    docs.iter()
        .map(|line| {
            let line = line.trim_end();
            if line.is_empty() {
                "//".to_string()
            } else {
                format!("// {line}")
            }
        })
        .collect()
}

/// One `.proto` file.
#[derive(Template)]
#[template(path = "proto/file.proto", escape = "none")]
struct FileView<'a> {
    stem: &'a str,
    package_comment: Vec<String>,
    package: Option<&'a str>,
    imports: Vec<String>,
    services: Vec<ServiceView>,
    items: Vec<Item>,
}

/// A message or an enum.
enum Item {
    Message(MessageView),
    Enum(EnumView),
}

struct MessageView {
    comment: Vec<String>,
    name: String,
    options: Vec<String>,
    /// Synthesized wrapper messages (`conventions::proto_wrappers`).
    nested: Vec<NestedView>,
    fields: Vec<FieldView>,
    oneof: Option<OneofView>,
    reserved: Vec<String>,
}

/// A wrapper message: one field, numbered 1.
struct NestedView {
    name: String,
    field: FieldView,
}

struct OneofView {
    name: String,
    fields: Vec<FieldView>,
}

struct FieldView {
    comment: Vec<String>,
    label: &'static str,
    ty: String,
    name: String,
    number: u32,
    options: String,
}

struct EnumView {
    comment: Vec<String>,
    name: String,
    options: Vec<String>,
    values: Vec<EnumValueView>,
}

struct EnumValueView {
    comment: Vec<String>,
    name: String,
    number: i32,
}

struct ServiceView {
    comment: Vec<String>,
    name: String,
    rpcs: Vec<RpcView>,
}

/// An rpc's comment in the `.proto` and in its descriptor: its docs, then the declared errors a
/// client finds in the status details.
pub(super) fn rpc_docs(ir: &Ir, rpc: &Rpc) -> Vec<String> {
    let mut docs = rpc.docs.clone();
    if !rpc.throws.is_empty() {
        let names: Vec<String> = rpc
            .throws
            .iter()
            .map(|id| format!("`{}`", ir.types[*id].full_name()))
            .collect();
        if !docs.is_empty() {
            docs.push(String::new());
        }
        docs.push(format!(
            "Errors: {} (in the status details).",
            names.join(", ")
        ));
    }
    docs
}

struct RpcView {
    comment: Vec<String>,
    name: String,
    input: String,
    output: String,
    options: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names() {
        assert_eq!(enum_value_name("Status", "ACTIVE"), "STATUS_ACTIVE");
        assert_eq!(enum_value_name("Box", "None"), "BOX_NONE");
        assert_eq!(
            enum_unspecified_name("Status", &["STATUS_UNSPECIFIED".into()]),
            "STATUS_UNSPECIFIED_"
        );
    }

    #[test]
    fn seed_greeter_matches_the_seed() {
        let c = crate::compile_str(
            "seed.idl",
            "service Greeter { rpc SayHello(HelloRequest) -> HelloResponse; }\n\
             struct HelloRequest { name: string = 1; }\n\
             struct HelloResponse { message: string = 1; }\n",
        );
        let files = generate(&c.ir.expect("valid")).expect("renders");
        let text = &files[0].contents;
        assert!(!text.contains("package"), "{text}");
        assert!(
            text.contains("rpc SayHello (HelloRequest) returns (HelloResponse);"),
            "{text}"
        );
        assert!(
            text.contains("message HelloRequest {\n  string name = 1;\n}"),
            "{text}"
        );
    }
}
