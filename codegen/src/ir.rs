//! The resolved model: the only thing emitters see.
//!
//! Architecture invariant: emitters never see the AST. The IR has names bound ([`Type::Named`]
//! carries an index into [`Ir::types`]), defaults filled (every rpc has its HTTP route and XML-RPC
//! name), and recursive fields marked for boxing. It is built only from a program that passed every
//! check, so emitters may rely on what the checks guarantee (field numbers unique and in range,
//! map keys strings, and so on). It is deterministic: declaration order throughout.

use serde::Serialize;

/// Everything one compilation declared, across all its files.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Ir {
    /// The files of the compilation: the roots and everything they import, each once.
    pub files: Vec<File>,
    /// Every declared type; [`Type::Named`] indexes into this.
    pub types: Vec<TypeDef>,
    /// Every service, in declaration order (files in load order).
    pub services: Vec<Service>,
    /// Every Kafka topic, in declaration order.
    pub topics: Vec<Topic>,
}

impl Ir {
    /// A type as the IDL spells it (`shop.v1.Product`, `list<string>`): the Kafka
    /// `rosetta-type` header and the AsyncAPI descriptions.
    pub fn type_name(&self, ty: &Type) -> String {
        self.spell(ty, &TypeDef::full_name)
    }

    /// A type in the IDL's syntax, each declared type written by `named` (its full name for
    /// [`type_name`](Self::type_name), its own name in XML-RPC's method help).
    pub fn spell(&self, ty: &Type, named: &dyn Fn(&TypeDef) -> String) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::I32 => "i32".into(),
            Type::I64 => "i64".into(),
            Type::U32 => "u32".into(),
            Type::U64 => "u64".into(),
            Type::F64 => "f64".into(),
            Type::String => "string".into(),
            Type::Bytes => "bytes".into(),
            Type::Timestamp => "timestamp".into(),
            Type::Any => "any".into(),
            Type::Optional(t) => format!("optional<{}>", self.spell(t, named)),
            Type::List(t) => format!("list<{}>", self.spell(t, named)),
            Type::Map(t) => format!("map<string, {}>", self.spell(t, named)),
            Type::Named { id, name } => self.types.get(*id).map_or_else(|| name.clone(), named),
        }
    }

    /// Every declared type `ty` reaches (itself included) that `seen` does not hold yet, in id
    /// order, now marked in `seen`: the types a topic's value can hold, whose protobuf codec
    /// its Kafka glue carries. Shared over every topic, `seen` makes the walks together linear
    /// in the API (each topic walking its whole reach was topics x types).
    pub fn types_reached(&self, ty: &Type, seen: &mut [bool]) -> Vec<usize> {
        let mut roots = Vec::new();
        ty.for_each_named(&mut |id| roots.push(id));
        let mut found = self.reach(roots, seen);
        found.sort_unstable();
        found
    }

    /// Marks in `seen` (one flag per type) every type `roots` reach through field types, the
    /// roots included, and returns those it marked, in the order found. `seen` must hold only
    /// whole reaches, from earlier calls: a type in it is not walked again, since whatever it
    /// reaches was found with it.
    pub(crate) fn reach(
        &self,
        roots: impl IntoIterator<Item = usize>,
        seen: &mut [bool],
    ) -> Vec<usize> {
        let mut found = Vec::new();
        let mut stack: Vec<usize> = roots.into_iter().collect();
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id], true) {
                continue;
            }
            found.push(id);
            for f in self.types[id].fields() {
                f.ty.for_each_named(&mut |next| {
                    if !seen[next] {
                        stack.push(next);
                    }
                });
            }
        }
        found
    }

    /// For every type, whether it or a type it reaches has `marked` set: a property of a
    /// topic's whole value (it holds an `any`, say) found for all types in one pass over the
    /// type graph's strongly connected components, not one walk per topic.
    pub(crate) fn reaching(&self, marked: &[bool]) -> Vec<bool> {
        let edges: Vec<Vec<usize>> = self
            .types
            .iter()
            .map(|t| {
                let mut named = Vec::new();
                for f in t.fields() {
                    f.ty.for_each_named(&mut |id| named.push(id));
                }
                named
            })
            .collect();
        crate::graph::reaching(&edges, marked)
    }

    /// Whether a field, parameter or element of type `t` has a zero value: optionals, lists and
    /// maps are empty, scalars are zero, a named type has one when
    /// [`TypeDef::has_zero_value`] says so.
    pub fn field_has_zero_value(&self, t: &Type) -> bool {
        match t {
            Type::Optional(_) | Type::List(_) | Type::Map(_) => true,
            Type::Named { id, .. } => self.types[*id].has_zero_value,
            _ => true,
        }
    }
}

/// One source file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct File {
    /// The path as shown in diagnostics.
    pub name: String,
    /// The file name without folder or extension (`shop` for `idl/shop.idl`).
    pub stem: String,
    /// The `package` the file declares (`shop.v1`), or `None`.
    pub package: Option<String>,
    /// Docs written on the `package` line.
    pub docs: Vec<String>,
    /// Indexes into [`Ir::files`].
    pub imports: Vec<usize>,
    /// True when named by the user rather than reached through an import.
    pub is_root: bool,
}

/// A declared type.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TypeDef {
    /// The name as declared (`Product`), unique in its package.
    pub name: String,
    /// The package of the file that declares it, or `None`.
    pub package: Option<String>,
    /// Index into [`Ir::files`].
    pub file: usize,
    /// The `///` doc lines written on it, one string per line (the `/// ` prefix removed), in
    /// order.
    pub docs: Vec<String>,
    /// True when marked `@deprecated`: OpenAPI, AsyncAPI and .proto say `deprecated`, the Rust
    /// docs say so.
    pub deprecated: bool,
    /// What kind of type it is, with its members.
    pub kind: TypeKind,
    /// Whether every value of the type has a zero value to start from: an enum (its first
    /// variant), or a struct or error whose fields all have one (optionals, lists and maps are
    /// empty; a union has none). Rust derives `Default` exactly for these. Worked out once, in
    /// lowering, so no emitter decides it on its own.
    pub has_zero_value: bool,
}

impl TypeDef {
    /// `pkg.Name`, or `Name` without a package.
    pub fn full_name(&self) -> String {
        crate::program::full_name(self.package.as_deref(), &self.name)
    }

    /// The fields of a struct or error, the variants of a union; empty for an enum.
    pub fn fields(&self) -> &[Field] {
        match &self.kind {
            TypeKind::Struct(s) => &s.fields,
            TypeKind::Error(e) => &e.body.fields,
            TypeKind::Union(u) => &u.variants,
            TypeKind::Enum(_) => &[],
        }
    }
}

/// The shapes a type can have.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case", tag = "shape")]
pub enum TypeKind {
    /// `struct`: a record of numbered fields.
    Struct(Struct),
    /// `enum`: named integers.
    Enum(Enum),
    /// `union`: exactly one of several variants (a `oneof` in .proto, externally tagged in JSON).
    Union(Union),
    /// `error`: a struct with a canonical kind, thrown by rpcs.
    Error(ErrorType),
}

/// A record of numbered fields.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Struct {
    /// The fields, in declaration order.
    pub fields: Vec<Field>,
    /// Reserved field numbers as inclusive ranges.
    pub reserved_numbers: Vec<(u32, u32)>,
    /// Reserved field names: never used by a field, kept out of the wire for old readers.
    pub reserved_names: Vec<String>,
}

/// A field of a struct or error, or a variant of a union.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Field {
    /// The name as declared (`customer_email`): the JSON member, XML-RPC member and .proto field
    /// name.
    pub name: String,
    /// The field number (the .proto tag, 1 to 536,870,911 outside protobuf's 19000..=19999), unique
    /// in its type.
    pub number: u32,
    /// The field's type.
    pub ty: Type,
    /// The `///` doc lines written on it, one string per line (the `/// ` prefix removed), in
    /// order.
    pub docs: Vec<String>,
    /// True when marked `@deprecated`.
    pub deprecated: bool,
    #[serde(skip_serializing_if = "Constraints::is_empty")]
    /// `@range`, `@length` and `@pattern` on the field, checked by the generated `validate()`.
    pub constraints: Constraints,
    /// True when the field's type contains its own container without a list or map in between:
    /// Rust needs a `Box` there.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub boxed: bool,
}

/// An enumeration of named integers.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Enum {
    /// The values, in declaration order; at least one (check E0105).
    pub values: Vec<EnumValue>,
}

/// One enum value.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EnumValue {
    /// The name as declared (`ACTIVE`): the JSON string and the XML-RPC value.
    pub name: String,
    /// The number (the .proto value), unique in the enum.
    pub number: i32,
    /// The `///` doc lines written on it, one string per line (the `/// ` prefix removed), in
    /// order.
    pub docs: Vec<String>,
}

/// Exactly one of several variants.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Union {
    /// The variants: one [`Field`] each (its name is the JSON tag, its number the `oneof` member).
    pub variants: Vec<Field>,
}

/// A declared error: a struct with a canonical kind and its protocol codes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorType {
    /// The canonical kind: the HTTP status, gRPC code and XML-RPC fault code unless overridden.
    pub kind: ErrorKind,
    /// The error's fields (empty for the bodiless form `error Name: kind;`).
    pub body: Struct,
    /// The HTTP status for REST: the kind's, unless `@http_status` overrides it.
    pub http_status: u16,
    /// The XML-RPC faultCode: the kind's, unless `@fault_code` overrides it.
    pub fault_code: i32,
}

pub use rosetta_runtime::error::ErrorKind;

/// A type as used by a field, parameter, result or topic.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u32`.
    U32,
    /// `u64` (above `i64::MAX` it cannot cross XML-RPC: warning W0001).
    U64,
    /// `f64`.
    F64,
    /// `string`: UTF-8 text.
    String,
    /// `bytes`: base64 in JSON and XML-RPC.
    Bytes,
    /// `timestamp`: RFC 3339 in JSON, `dateTime.iso8601` in XML-RPC, `google.protobuf.Timestamp` in
    /// gRPC.
    Timestamp,
    /// `any`: a dynamic value (`rosetta::Value`): any XML-RPC value, any JSON value, the
    /// synthesized `RosettaValue` message in .proto. It already holds nil, so absent means nil.
    Any,
    /// `optional<T>`: absent means none. Never `optional<optional<T>>` or `optional<any>` (checks).
    Optional(Box<Type>),
    /// `list<T>`: absent means empty.
    List(Box<Type>),
    /// `map<string, T>`: keys are always strings.
    Map(Box<Type>),
    /// A declared type: an index into [`Ir::types`] and its full name.
    Named {
        /// The index into [`Ir::types`].
        id: usize,
        /// The full name (`shop.v1.Product`), for messages and debugging.
        name: String,
    },
}

impl Type {
    /// True for built-in scalars (not generics, not named types, not `any`).
    pub fn is_scalar(&self) -> bool {
        !matches!(
            self,
            Type::Optional(_) | Type::List(_) | Type::Map(_) | Type::Named { .. } | Type::Any
        )
    }

    /// True when a struct member of this type may be absent on every protocol, and absence
    /// means its empty value: an empty list or map, `none` for an optional, nil for `any`.
    /// Every other member is required. The decoders (XML-RPC `FromXmlRpc::absent`, serde
    /// `default`, protobuf's own defaults) and OpenAPI/AsyncAPI `required` follow this one rule.
    pub fn may_be_absent(&self) -> bool {
        matches!(
            self,
            Type::Optional(_) | Type::List(_) | Type::Map(_) | Type::Any
        )
    }

    /// The type under any number of `optional<>`.
    pub fn without_optional(&self) -> &Type {
        match self {
            Type::Optional(t) => t.without_optional(),
            t => t,
        }
    }

    /// Calls `f` with the id of every named type in this one (under any containers).
    pub fn for_each_named(&self, f: &mut impl FnMut(usize)) {
        match self {
            Type::Named { id, .. } => f(*id),
            Type::Optional(t) | Type::List(t) | Type::Map(t) => t.for_each_named(f),
            _ => {}
        }
    }
}

/// Constraints on a field or parameter, checked by the generated `validate()`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Constraints {
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `@range(min, max)`: integers and floats.
    pub range: Option<Range>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `@length(min, max)`: characters of a string, bytes of `bytes`, items of a list or map.
    pub length: Option<Length>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `@pattern("...")`: a Rust `regex` the whole string must match (valid: check E0116).
    pub pattern: Option<String>,
}

impl Constraints {
    /// True when nothing is constrained.
    pub fn is_empty(&self) -> bool {
        self.range.is_none() && self.length.is_none() && self.pattern.is_none()
    }
}

/// `@range(min, max)`, both inclusive; `None` is an open end.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Range {
    /// The lowest allowed value, or `None` for no bound.
    pub min: Option<Number>,
    /// The highest allowed value, or `None` for no bound.
    pub max: Option<Number>,
}

/// A bound of a range.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Number {
    /// An integer bound.
    Int(i64),
    /// A floating-point bound (on an `f64`, or written with a fraction).
    Float(f64),
}

impl Number {
    /// The bound as a float, for comparisons.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// `@length(min, max)`: characters of a string, bytes of `bytes`, items of a list or map.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Length {
    /// The fewest allowed, or `None`.
    pub min: Option<u64>,
    /// The most allowed, or `None`.
    pub max: Option<u64>,
}

/// A service: a set of rpcs one trait implements.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Service {
    /// The name as declared (`Catalog`): the trait's name and the gRPC service's last segment.
    pub name: String,
    /// The package of the file that declares it, or `None`.
    pub package: Option<String>,
    /// The declaring file: an index into [`Ir::files`].
    pub file: usize,
    /// The `///` doc lines written on it, one string per line (the `/// ` prefix removed), in
    /// order.
    pub docs: Vec<String>,
    /// The rpcs, in declaration order.
    pub rpcs: Vec<Rpc>,
}

impl Service {
    /// `pkg.Service`, or `Service` without a package (the gRPC service name).
    pub fn full_name(&self) -> String {
        crate::program::full_name(self.package.as_deref(), &self.name)
    }
}

/// One remote procedure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rpc {
    /// The name as declared (`GetProduct`): the gRPC method; the trait method is its `snake_case`.
    pub name: String,
    /// The `///` doc lines written on it, one string per line (the `/// ` prefix removed), in
    /// order.
    pub docs: Vec<String>,
    /// True when marked `@deprecated`.
    pub deprecated: bool,
    /// What the rpc takes.
    pub input: Input,
    /// What the rpc returns.
    pub output: Output,
    /// `(stream T)`: the client sends any number of `T` ([`Input::Message`]) messages.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub client_streaming: bool,
    /// `-> stream T`: the server answers any number of `T` ([`Output::Message`]) messages.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub server_streaming: bool,
    /// Indexes into [`Ir::types`], each an error.
    pub throws: Vec<usize>,
    /// The REST route: `@http`, else the default `POST /<package>.<Service>/<Rpc>`.
    pub http: HttpRoute,
    /// The XML-RPC method name: `@xmlrpc`, else `service.method` in lowerCamelCase.
    pub xmlrpc_name: String,
}

impl Rpc {
    /// True when either side streams: such an rpc is served by gRPC and REST, never by XML-RPC
    /// (one request, one response).
    pub fn is_streaming(&self) -> bool {
        self.client_streaming || self.server_streaming
    }
}

/// What an rpc takes.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// Nothing.
    Unit,
    /// One struct, by index into [`Ir::types`].
    Message(usize),
    /// Named parameters, already wrapped in the message lowering synthesizes for them.
    Params(RequestMessage),
}

/// The message lowering synthesizes for a parameter list (smithy-rs's synthetic input shape):
/// every protocol decodes and validates one value of it, gRPC sends it as the `<Rpc>Request`
/// message, and the Rust emitter writes it as a struct. Named and numbered here, once, so no
/// emitter works it out.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequestMessage {
    /// `<Rpc>Request` (`conventions::request_message_name`), a top-level name of the rpc's
    /// package (check E0120 keeps it free).
    pub name: String,
    /// One field per parameter, in order, numbered from 1; a parameter's name is its JSON
    /// member, query or path parameter, and field name. No docs, never deprecated or boxed.
    pub fields: Vec<Field>,
}

/// What an rpc returns.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// Nothing.
    Unit,
    /// One struct, by index into [`Ir::types`].
    Message(usize),
    /// Any other type; gRPC wraps it in a synthesized `<Rpc>Response { result = 1 }`.
    Value(Type),
}

/// The REST route of an rpc.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HttpRoute {
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template, `/products/{id}`.
    pub path: String,
    /// The `{variables}` of the path, in order.
    pub path_params: Vec<String>,
    /// False for the default `POST /<package>.<Service>/<Method>` route.
    pub explicit: bool,
}

/// HTTP methods an rpc may be bound to.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`: inputs other than path variables go in the query string.
    Get,
    /// `POST`: the body is JSON.
    Post,
    /// `PUT`: the body is JSON.
    Put,
    /// `PATCH`: the body is JSON.
    Patch,
    /// `DELETE`: inputs other than path variables go in the query string.
    Delete,
}

impl HttpMethod {
    /// Parses `GET`, `post`, ... (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "PATCH" => HttpMethod::Patch,
            "DELETE" => HttpMethod::Delete,
            _ => return None,
        })
    }

    /// The upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// True when the method carries no body: the non-path inputs go to the query string.
    pub fn uses_query(self) -> bool {
        matches!(self, HttpMethod::Get | HttpMethod::Delete)
    }
}

/// A Kafka topic.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Topic {
    /// The topic name on the broker.
    pub name: String,
    /// The package of the file that declares it, or `None`.
    pub package: Option<String>,
    /// The declaring file: an index into [`Ir::files`].
    pub file: usize,
    /// The `///` doc lines written on it, one string per line (the `/// ` prefix removed), in
    /// order.
    pub docs: Vec<String>,
    /// Where each record's key comes from.
    pub key: TopicKey,
    /// The type of each record's value.
    pub value: Type,
    /// How values are encoded on the wire.
    pub encoding: Encoding,
    /// Where consumers send the records they cannot decode or handle
    /// (`conventions::dead_letter_topic`: `<name>.dlq`; check E0121 keeps it free and valid).
    pub dead_letter: String,
}

/// Where a record's key comes from.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum TopicKey {
    /// The sender passes a key of this type (`string` or `bytes`).
    Explicit(Type),
    /// The key is this string field of the value (of every variant, for a union value).
    Field(String),
}

/// How a record's value is encoded.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// `application/json`: Rosetta's JSON mapping (the schemas of `asyncapi.json`).
    Json,
    /// `application/x-protobuf`: the message of the emitted .proto (struct or union values).
    Protobuf,
    /// `text/plain; charset=utf-8`: a `string` value's UTF-8 bytes.
    String,
    /// `application/octet-stream`: a `bytes` value, unchanged.
    Bytes,
}

impl Encoding {
    /// Parses the IDL spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "json" => Encoding::Json,
            "protobuf" => Encoding::Protobuf,
            "string" => Encoding::String,
            "bytes" => Encoding::Bytes,
            _ => return None,
        })
    }

    /// The `content-type` header value.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Json => "application/json",
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::String => "text/plain; charset=utf-8",
            Encoding::Bytes => "application/octet-stream",
        }
    }
}
