//! The gRPC descriptors of an API, built straight from the IR: the `FileDescriptorSet` that
//! prost-build, tonic-build and reflection read, without printing `.proto` text and parsing it
//! again.
//!
//! This is the same mapping as the `proto` target ([`super::proto`], DESIGN.md "gRPC"), written
//! as descriptors instead of text: every name, number, label, nested wrapper, map entry, option
//! and doc comment the text spells. The two are held together by a test
//! (`codegen/tests/proto.rs`, `descriptors_from_the_ir_equal_protox_on_the_emitted_proto`): for
//! every example and test IDL, the set built here equals what protox compiles from the emitted
//! `.proto`, source positions aside (comments are compared by element). The well-known files
//! (`google/protobuf/{empty,timestamp}.proto`) are prost-reflect's; each package's `RosettaValue`
//! file is built from the table its text is made from (`proto::VALUE_MESSAGES`). No `.proto` is
//! parsed on the way: protox is a test dependency only.
//!
//! Why: protox's descriptor pool was the peak of `generate --target rust` (massif, issue 17);
//! building the descriptors is one pass over the IR.

use std::collections::BTreeMap;

use prost_types::field_descriptor_proto::{Label, Type as FieldType};
use prost_types::method_options::IdempotencyLevel;
use prost_types::source_code_info::Location;
use prost_types::{
    DescriptorProto, EnumDescriptorProto, EnumOptions, EnumValueDescriptorProto,
    FieldDescriptorProto, FieldOptions, FileDescriptorProto, FileDescriptorSet, MessageOptions,
    MethodDescriptorProto, MethodOptions, OneofDescriptorProto, ServiceDescriptorProto,
    SourceCodeInfo, descriptor_proto::ReservedRange,
};

use super::proto::{
    RESULT_FIELD, VALUE_MESSAGES, file_name, oneof_name, proto_enum_values, rpc_docs,
    value_file_name,
};
use crate::conventions::{
    needs_proto_wrapper, proto_wrapper_field, proto_wrapper_name, proto_wrappers,
    response_message_name,
};
use crate::ir::{Field, HttpMethod, Input, Ir, Output, Rpc, Service, Type, TypeKind};

/// Well-known files the emitted `.proto` may import.
const EMPTY_FILE: &str = "google/protobuf/empty.proto";
const TIMESTAMP_FILE: &str = "google/protobuf/timestamp.proto";

/// The descriptor set of every `.proto` the `proto` target emits for `ir`, with the files they
/// import (`google/protobuf/*` included, dependencies before their users) and the doc comments
/// as source info (what prost and tonic turn into doc comments). Source spans are not real
/// positions (`[0, 0, 0]`): no `.proto` text was parsed.
pub fn file_descriptor_set(ir: &Ir) -> Result<FileDescriptorSet, String> {
    let mut files = Vec::with_capacity(ir.files.len());
    let mut wkt = [false, false];
    let mut value_packages: Vec<Option<String>> = Vec::new();
    for file in 0..ir.files.len() {
        let (f, uses) = build_file(ir, file);
        wkt[0] |= uses.empty;
        wkt[1] |= uses.timestamp || uses.any;
        let package = ir.files[file].package.clone();
        if uses.any && !value_packages.contains(&package) {
            value_packages.push(package);
        }
        files.push(f);
    }
    // The fixed files: the well-known ones the API uses, then each package's `RosettaValue`.
    let mut set = Vec::new();
    let wanted = [(wkt[0], EMPTY_FILE), (wkt[1], TIMESTAMP_FILE)];
    for name in wanted.into_iter().filter(|w| w.0).map(|w| w.1) {
        set.push(well_known(name)?);
    }
    set.extend(value_packages.iter().map(|p| value_file(p.as_deref())));
    set.extend(topological(files));
    Ok(FileDescriptorSet { file: set })
}

/// A well-known file's descriptor, as prost-reflect ships it (no source info: its comments are
/// protobuf's, not the API's).
fn well_known(name: &str) -> Result<FileDescriptorProto, String> {
    prost_reflect::DescriptorPool::global()
        .get_file_by_name(name)
        .map(|f| f.file_descriptor_proto().clone())
        .ok_or_else(|| format!("internal error: no well-known `{name}`"))
}

/// The descriptor of a package's `RosettaValue` file, from the table its text is made from.
fn value_file(package: Option<&str>) -> FileDescriptorProto {
    let qualify = |name: &str| match package {
        Some(p) => format!(".{p}.{name}"),
        None => format!(".{name}"),
    };
    let mut comments = BTreeMap::new();
    let message_type = VALUE_MESSAGES
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let at = [path::FILE_MESSAGE, i as i32];
            comments.insert(at.to_vec(), comment_text(m.docs));
            let field = m
                .fields
                .iter()
                .enumerate()
                .map(|(k, f)| {
                    if let Some(doc) = f.doc {
                        let mut at = at.to_vec();
                        at.extend([path::MESSAGE_FIELD, k as i32]);
                        comments.insert(at, comment_text(&[doc]));
                    }
                    let (kind, type_name) = match f.ty {
                        "bool" => (FieldType::Bool, None),
                        "int32" => (FieldType::Int32, None),
                        "int64" => (FieldType::Int64, None),
                        "double" => (FieldType::Double, None),
                        "string" => (FieldType::String, None),
                        "bytes" => (FieldType::Bytes, None),
                        "google.protobuf.Timestamp" => {
                            (FieldType::Message, Some(format!(".{}", f.ty)))
                        }
                        message => (FieldType::Message, Some(qualify(message))),
                    };
                    let mut d = plain_field(f.name, f.number, kind, type_name);
                    if f.repeated {
                        d.label = Some(Label::Repeated as i32);
                    }
                    d.oneof_index = m.oneof.map(|_| 0);
                    d
                })
                .collect();
            DescriptorProto {
                name: Some(m.name.to_string()),
                field,
                oneof_decl: m
                    .oneof
                    .map(|o| OneofDescriptorProto {
                        name: Some(o.to_string()),
                        options: None,
                    })
                    .into_iter()
                    .collect(),
                ..Default::default()
            }
        })
        .collect();
    let mut file = FileDescriptorProto {
        name: Some(value_file_name(package)),
        package: package.map(str::to_string),
        dependency: vec![TIMESTAMP_FILE.to_string()],
        message_type,
        syntax: Some("proto3".to_string()),
        ..Default::default()
    };
    file.source_code_info = Some(source_info(&file, comments));
    file
}

/// The files in an order where each comes after the files it imports (the IR's files may import
/// each other in any order; the set's readers resolve names either way, but protoc's order is
/// this one).
fn topological(files: Vec<FileDescriptorProto>) -> Vec<FileDescriptorProto> {
    let names: Vec<String> = files.iter().map(|f| f.name().to_string()).collect();
    let mut placed = vec![false; files.len()];
    let mut order = Vec::with_capacity(files.len());
    fn visit(
        i: usize,
        files: &[FileDescriptorProto],
        names: &[String],
        placed: &mut [bool],
        order: &mut Vec<usize>,
    ) {
        if placed[i] {
            return;
        }
        placed[i] = true;
        for dep in &files[i].dependency {
            if let Some(j) = names.iter().position(|n| n == dep) {
                visit(j, files, names, placed, order);
            }
        }
        order.push(i);
    }
    for i in 0..files.len() {
        visit(i, &files, &names, &mut placed, &mut order);
    }
    let mut slots: Vec<Option<FileDescriptorProto>> = files.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// What a file refers to besides its own package's types.
#[derive(Default)]
struct Uses {
    empty: bool,
    timestamp: bool,
    any: bool,
    files: Vec<usize>,
}

/// Source-info paths: the field numbers of `FileDescriptorProto`, `DescriptorProto`, ….
mod path {
    pub(super) const FILE_MESSAGE: i32 = 4;
    pub(super) const FILE_ENUM: i32 = 5;
    pub(super) const FILE_SERVICE: i32 = 6;
    pub(super) const MESSAGE_FIELD: i32 = 2;
    pub(super) const MESSAGE_NESTED: i32 = 3;
    pub(super) const MESSAGE_ONEOF: i32 = 8;
    pub(super) const ENUM_VALUE: i32 = 2;
    pub(super) const SERVICE_METHOD: i32 = 2;
}

/// Builds one file's descriptor, as [`super::proto`] renders it.
fn build_file(ir: &Ir, file: usize) -> (FileDescriptorProto, Uses) {
    let f = &ir.files[file];
    let mut b = FileBuilder {
        ir,
        package: f.package.as_deref(),
        uses: Uses::default(),
        comments: BTreeMap::new(),
    };
    let mut messages = Vec::new();
    let mut services = Vec::new();
    for s in ir.services.iter().filter(|s| s.file == file) {
        services.push(b.service(services.len(), s));
        for rpc in &s.rpcs {
            if let Input::Params(request) = &rpc.input {
                let docs = [format!("The parameters of `{}.{}`.", s.name, rpc.name)];
                let fields: Vec<(&Field, bool)> =
                    request.fields.iter().map(|p| (p, false)).collect();
                messages.push(b.message(
                    &[path::FILE_MESSAGE, messages.len() as i32],
                    &docs,
                    &request.name,
                    false,
                    &fields,
                    None,
                ));
            }
            if let Output::Value(ty) = &rpc.output {
                let docs = [format!("The result of `{}.{}`.", s.name, rpc.name)];
                let result = Field {
                    name: RESULT_FIELD.to_string(),
                    number: 1,
                    ty: ty.clone(),
                    docs: Vec::new(),
                    deprecated: false,
                    constraints: Default::default(),
                    boxed: false,
                };
                messages.push(b.message(
                    &[path::FILE_MESSAGE, messages.len() as i32],
                    &docs,
                    &response_message_name(&rpc.name),
                    false,
                    &[(&result, false)],
                    None,
                ));
            }
        }
    }
    let mut enums = Vec::new();
    for t in &ir.types {
        if t.file != file {
            continue;
        }
        let here = [path::FILE_MESSAGE, messages.len() as i32];
        match &t.kind {
            TypeKind::Struct(s) | TypeKind::Error(crate::ir::ErrorType { body: s, .. }) => {
                let fields: Vec<(&Field, bool)> = s.fields.iter().map(|f| (f, false)).collect();
                let mut m = b.message(&here, &t.docs, &t.name, t.deprecated, &fields, None);
                m.reserved_range = s
                    .reserved_numbers
                    .iter()
                    .map(|&(a, z)| ReservedRange {
                        start: Some(a as i32),
                        end: Some(z as i32 + 1),
                    })
                    .collect();
                m.reserved_name = s.reserved_names.clone();
                messages.push(m);
            }
            TypeKind::Union(u) => {
                let fields: Vec<(&Field, bool)> = u.variants.iter().map(|v| (v, true)).collect();
                let oneof = oneof_name(&t.name, &u.variants);
                messages.push(b.message(
                    &here,
                    &t.docs,
                    &t.name,
                    t.deprecated,
                    &fields,
                    Some(oneof),
                ));
            }
            TypeKind::Enum(e) => {
                let here = [path::FILE_ENUM, enums.len() as i32];
                b.comment(&here, &t.docs);
                let mut value = Vec::new();
                for v in proto_enum_values(&t.name, e) {
                    let mut at = here.to_vec();
                    at.extend([path::ENUM_VALUE, value.len() as i32]);
                    b.comment(&at, &v.docs);
                    value.push(EnumValueDescriptorProto {
                        name: Some(v.name),
                        number: Some(v.number),
                        options: None,
                    });
                }
                enums.push(EnumDescriptorProto {
                    name: Some(t.name.clone()),
                    value,
                    options: t.deprecated.then(|| EnumOptions {
                        deprecated: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                });
            }
        }
    }
    let mut dependency = Vec::new();
    if b.uses.empty {
        dependency.push(EMPTY_FILE.to_string());
    }
    if b.uses.timestamp {
        dependency.push(TIMESTAMP_FILE.to_string());
    }
    if b.uses.any {
        dependency.push(value_file_name(f.package.as_deref()));
    }
    let mut used = std::mem::take(&mut b.uses.files);
    used.sort_unstable();
    used.dedup();
    dependency.extend(
        used.into_iter()
            .filter(|&u| u != file)
            .map(|u| file_name(ir, u)),
    );
    let comments = std::mem::take(&mut b.comments);
    let mut descriptor = FileDescriptorProto {
        name: Some(file_name(ir, file)),
        package: f.package.clone(),
        dependency,
        message_type: messages,
        enum_type: enums,
        service: services,
        syntax: Some("proto3".to_string()),
        ..Default::default()
    };
    descriptor.source_code_info = Some(source_info(&descriptor, comments));
    (descriptor, b.uses)
}

/// A location for every element prost and tonic may document (they look each one up by path,
/// and expect it there), sorted by path, with the leading comments recorded while building.
fn source_info(
    file: &FileDescriptorProto,
    mut comments: BTreeMap<Vec<i32>, String>,
) -> SourceCodeInfo {
    fn message(at: &mut Vec<i32>, m: &DescriptorProto, paths: &mut Vec<Vec<i32>>) {
        paths.push(at.clone());
        let children = [
            (path::MESSAGE_FIELD, m.field.len()),
            (path::MESSAGE_ONEOF, m.oneof_decl.len()),
        ];
        for (tag, count) in children {
            for i in 0..count {
                at.extend([tag, i as i32]);
                paths.push(at.clone());
                at.truncate(at.len() - 2);
            }
        }
        for (i, n) in m.nested_type.iter().enumerate() {
            at.extend([path::MESSAGE_NESTED, i as i32]);
            message(at, n, paths);
            at.truncate(at.len() - 2);
        }
    }
    let mut paths = Vec::new();
    for (i, m) in file.message_type.iter().enumerate() {
        message(&mut vec![path::FILE_MESSAGE, i as i32], m, &mut paths);
    }
    for (i, e) in file.enum_type.iter().enumerate() {
        paths.push(vec![path::FILE_ENUM, i as i32]);
        paths.extend(
            (0..e.value.len()).map(|k| vec![path::FILE_ENUM, i as i32, path::ENUM_VALUE, k as i32]),
        );
    }
    for (i, s) in file.service.iter().enumerate() {
        paths.push(vec![path::FILE_SERVICE, i as i32]);
        paths.extend(
            (0..s.method.len())
                .map(|k| vec![path::FILE_SERVICE, i as i32, path::SERVICE_METHOD, k as i32]),
        );
    }
    paths.sort();
    let location = paths
        .into_iter()
        .map(|path| Location {
            leading_comments: comments.remove(&path),
            path,
            span: vec![0, 0, 0],
            trailing_comments: None,
            leading_detached_comments: Vec::new(),
        })
        .collect();
    debug_assert!(comments.is_empty(), "comments on no element: {comments:?}");
    SourceCodeInfo { location }
}

/// Builds the descriptors of one file, collecting what it refers to and its comments.
struct FileBuilder<'a> {
    ir: &'a Ir,
    package: Option<&'a str>,
    uses: Uses,
    /// Leading comments by source path.
    comments: BTreeMap<Vec<i32>, String>,
}

impl FileBuilder<'_> {
    /// Records `docs` as the leading comment of the element at `path` (as protox reads the
    /// `//` lines [`super::proto`] writes: each line with its leading space and a newline).
    fn comment(&mut self, path: &[i32], docs: &[String]) {
        if !docs.is_empty() {
            self.comments.insert(path.to_vec(), comment_text(docs));
        }
    }

    /// `.pkg.Name` for a name of this file's package.
    fn qualify(&self, name: &str) -> String {
        match self.package {
            Some(p) => format!(".{p}.{name}"),
            None => format!(".{name}"),
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

    /// The descriptor type and type name of a non-generic type, or of a container's wrapper
    /// nested in the message `scope` (fully qualified).
    fn scalar(&mut self, scope: &str, ty: &Type) -> (FieldType, Option<String>) {
        let t = match ty {
            Type::Bool => FieldType::Bool,
            Type::I32 => FieldType::Int32,
            Type::I64 => FieldType::Int64,
            Type::U32 => FieldType::Uint32,
            Type::U64 => FieldType::Uint64,
            Type::F64 => FieldType::Double,
            Type::String => FieldType::String,
            Type::Bytes => FieldType::Bytes,
            Type::Timestamp => {
                self.uses.timestamp = true;
                return (
                    FieldType::Message,
                    Some(".google.protobuf.Timestamp".into()),
                );
            }
            Type::Any => {
                self.uses.any = true;
                return (FieldType::Message, Some(self.qualify("RosettaValue")));
            }
            Type::Named { id, .. } => {
                let t = &self.ir.types[*id];
                self.uses.files.push(t.file);
                let kind = if matches!(t.kind, TypeKind::Enum(_)) {
                    FieldType::Enum
                } else {
                    FieldType::Message
                };
                return (kind, Some(format!(".{}", t.full_name())));
            }
            Type::Optional(_) | Type::List(_) | Type::Map(_) => {
                let wrapper = proto_wrapper_name(self.ir, self.package, ty);
                return (FieldType::Message, Some(format!("{scope}.{wrapper}")));
            }
        };
        (t, None)
    }

    /// A field as [`super::proto`]'s `field_line` writes it; a map adds its entry message to
    /// `entries`, a proto3 `optional` gets its synthetic oneof in `synthetic`.
    #[allow(clippy::too_many_arguments)]
    fn field(
        &mut self,
        scope: &str,
        own: &str,
        name: &str,
        number: u32,
        ty: &Type,
        deprecated: bool,
        variant: bool,
        entries: &mut Vec<DescriptorProto>,
    ) -> FieldDescriptorProto {
        let mut label = Label::Optional;
        let mut proto3_optional = None;
        let (kind, type_name) = match ty {
            t if variant && needs_proto_wrapper(t) => self.scalar(scope, t),
            Type::Optional(inner) if self.is_message(inner) || needs_proto_wrapper(inner) => {
                self.scalar(scope, inner)
            }
            Type::Optional(inner) => {
                proto3_optional = Some(true);
                self.scalar(scope, inner)
            }
            Type::List(inner) => {
                label = Label::Repeated;
                self.scalar(scope, inner)
            }
            Type::Map(inner) => {
                label = Label::Repeated;
                let entry = map_entry_name(name);
                let value = self.scalar(scope, inner);
                entries.push(DescriptorProto {
                    name: Some(entry.clone()),
                    field: vec![
                        plain_field("key", 1, FieldType::String, None),
                        plain_field("value", 2, value.0, value.1),
                    ],
                    options: Some(MessageOptions {
                        map_entry: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                });
                (FieldType::Message, Some(format!("{own}.{entry}")))
            }
            other => self.scalar(scope, other),
        };
        let mut f = plain_field(name, number, kind, type_name);
        f.label = Some(label as i32);
        f.proto3_optional = proto3_optional;
        f.options = deprecated.then(|| FieldOptions {
            deprecated: Some(true),
            ..Default::default()
        });
        f
    }

    /// A top-level message: its wrappers nested first, then each field's map entry, then the
    /// fields (all in the `oneof` named `oneof` for a union), then proto3 `optional`'s
    /// synthetic oneofs.
    fn message(
        &mut self,
        at: &[i32],
        docs: &[String],
        name: &str,
        deprecated: bool,
        fields: &[(&Field, bool)],
        oneof: Option<String>,
    ) -> DescriptorProto {
        self.comment(at, docs);
        let full = self.qualify(name);
        let mut nested = Vec::new();
        for w in proto_wrappers(fields.iter().map(|(f, variant)| (&f.ty, *variant))) {
            let wrapper = proto_wrapper_name(self.ir, self.package, &w);
            let own = format!("{full}.{wrapper}");
            let mut entries = Vec::new();
            let field = self.field(
                &full,
                &own,
                proto_wrapper_field(&w),
                1,
                &w,
                false,
                false,
                &mut entries,
            );
            let mut m = DescriptorProto {
                name: Some(wrapper),
                field: vec![field],
                nested_type: entries,
                ..Default::default()
            };
            add_synthetic_oneofs(&mut m);
            nested.push(m);
        }
        let mut out = Vec::with_capacity(fields.len());
        for (i, (f, variant)) in fields.iter().enumerate() {
            let mut at = at.to_vec();
            at.extend([path::MESSAGE_FIELD, i as i32]);
            self.comment(&at, &f.docs);
            let mut d = self.field(
                &full,
                &full,
                &f.name,
                f.number,
                &f.ty,
                f.deprecated,
                *variant,
                &mut nested,
            );
            if oneof.is_some() {
                d.oneof_index = Some(0);
            }
            out.push(d);
        }
        let mut m = DescriptorProto {
            name: Some(name.to_string()),
            field: out,
            nested_type: nested,
            oneof_decl: oneof
                .into_iter()
                .map(|name| OneofDescriptorProto {
                    name: Some(name),
                    options: None,
                })
                .collect(),
            options: deprecated.then(|| MessageOptions {
                deprecated: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        };
        add_synthetic_oneofs(&mut m);
        m
    }

    /// The message an rpc takes or returns, fully qualified.
    fn rpc_message(
        &mut self,
        unit: bool,
        id: Option<usize>,
        synthesized: Option<String>,
    ) -> String {
        if unit {
            self.uses.empty = true;
            return ".google.protobuf.Empty".into();
        }
        if let Some(id) = id {
            let t = &self.ir.types[id];
            self.uses.files.push(t.file);
            return format!(".{}", t.full_name());
        }
        self.qualify(&synthesized.unwrap_or_default())
    }

    fn method(&mut self, at: &[i32], rpc: &Rpc) -> MethodDescriptorProto {
        let docs = rpc_docs(self.ir, rpc);
        self.comment(at, &docs);
        let input = match &rpc.input {
            Input::Unit => self.rpc_message(true, None, None),
            Input::Message(id) => self.rpc_message(false, Some(*id), None),
            Input::Params(request) => self.rpc_message(false, None, Some(request.name.clone())),
        };
        let output = match &rpc.output {
            Output::Unit => self.rpc_message(true, None, None),
            Output::Message(id) => self.rpc_message(false, Some(*id), None),
            Output::Value(_) => {
                self.rpc_message(false, None, Some(response_message_name(&rpc.name)))
            }
        };
        let get = rpc.http.method == HttpMethod::Get;
        let options = (rpc.deprecated || get).then(|| MethodOptions {
            deprecated: rpc.deprecated.then_some(true),
            idempotency_level: get.then_some(IdempotencyLevel::NoSideEffects as i32),
            ..Default::default()
        });
        MethodDescriptorProto {
            name: Some(rpc.name.clone()),
            input_type: Some(input),
            output_type: Some(output),
            options,
            client_streaming: rpc.client_streaming.then_some(true),
            server_streaming: rpc.server_streaming.then_some(true),
        }
    }

    fn service(&mut self, index: usize, s: &Service) -> ServiceDescriptorProto {
        let at = [path::FILE_SERVICE, index as i32];
        self.comment(&at, &s.docs);
        let method = s
            .rpcs
            .iter()
            .enumerate()
            .map(|(i, rpc)| self.method(&[at[0], at[1], path::SERVICE_METHOD, i as i32], rpc))
            .collect();
        ServiceDescriptorProto {
            name: Some(s.name.clone()),
            method,
            options: None,
        }
    }
}

/// Doc lines as protox reads the `//` lines [`super::proto`] writes: each line with its leading
/// space (none when empty) and a newline.
fn comment_text<S: AsRef<str>>(docs: &[S]) -> String {
    let mut text = String::new();
    for line in docs {
        let line = line.as_ref().trim_end();
        if !line.is_empty() {
            text.push(' ');
            text.push_str(line);
        }
        text.push('\n');
    }
    text
}

/// A singular field with its JSON name (protoc's `ToJsonName`).
fn plain_field(
    name: &str,
    number: u32,
    kind: FieldType,
    type_name: Option<String>,
) -> FieldDescriptorProto {
    FieldDescriptorProto {
        name: Some(name.to_string()),
        number: Some(number as i32),
        label: Some(Label::Optional as i32),
        r#type: Some(kind as i32),
        type_name,
        json_name: Some(json_name(name)),
        ..Default::default()
    }
}

/// protoc's JSON name of a field: underscores dropped, the letter after one upper-cased.
fn json_name(name: &str) -> String {
    camel(name, false)
}

/// protoc's name of a map field's entry message: the field name in CamelCase, then `Entry`.
fn map_entry_name(field: &str) -> String {
    let mut out = camel(field, true);
    out.push_str("Entry");
    out
}

/// protoc's camel-casing (its `ToCamelCase`/`ToJsonName`): underscores dropped, the letter after
/// one upper-cased, every other letter as it is (heck would lower-case them); the first
/// upper-cased too when `upper_first`.
fn camel(name: &str, upper_first: bool) -> String {
    let mut out = String::with_capacity(name.len() + 5);
    let mut upper = upper_first;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// proto3 `optional` fields each get a synthetic oneof after the real ones: `_<field>`,
/// prefixed with `X` while it collides (protoc's rule).
fn add_synthetic_oneofs(m: &mut DescriptorProto) {
    for i in 0..m.field.len() {
        if m.field[i].proto3_optional != Some(true) {
            continue;
        }
        let mut name = format!("_{}", m.field[i].name());
        while m.field.iter().any(|f| f.name() == name)
            || m.oneof_decl.iter().any(|o| o.name() == name)
            || m.nested_type.iter().any(|n| n.name() == name)
        {
            name.insert(0, 'X');
        }
        m.field[i].oneof_index = Some(m.oneof_decl.len() as i32);
        m.oneof_decl.push(OneofDescriptorProto {
            name: Some(name),
            options: None,
        });
    }
}
