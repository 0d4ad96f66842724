//! The `asyncapi` target: one AsyncAPI 3.0 document (`asyncapi.json`) of every Kafka topic.
//!
//! What a consumer in another language needs, as OpenAPI gives REST clients: per topic a channel
//! (its address and Kafka binding), a message (content type, the record key, the payload schema
//! and the `content-type` / `rosetta-type` headers), `send` and `receive` operations, and the
//! dead-letter channel `<topic>.dlq` with the headers the consumer adds there. Payload schemas
//! are JSON Schema of Rosetta's JSON mapping, one component per declared type; a `protobuf`
//! topic's payload is described by the same schema (its proto3 JSON form) and names its message
//! in the emitted `.proto` (`x-rosetta-protobuf-message`).
//!
//! Architecture invariant: the output is deterministic (IR order, no maps with random order).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::OutputFile;
use crate::ir::{Constraints, Encoding, Field, Ir, Number, Topic, TopicKey, Type, TypeKind};

/// The version of the Kafka bindings object used.
const KAFKA_BINDING_VERSION: &str = "0.5.0";

/// The dead-letter topic of `topic`.
pub(crate) fn dead_letter_topic(topic: &str) -> String {
    format!("{topic}.dlq")
}

/// A type as the IDL spells it (`shop.v1.Product`, `list<string>`): the `rosetta-type` header.
pub(crate) fn type_name(ir: &Ir, ty: &Type) -> String {
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
        Type::Optional(t) => format!("optional<{}>", type_name(ir, t)),
        Type::List(t) => format!("list<{}>", type_name(ir, t)),
        Type::Map(t) => format!("map<string, {}>", type_name(ir, t)),
        Type::Named { id, .. } => ir.types[*id].full_name(),
    }
}

/// Generates `asyncapi.json`. MUST be deterministic.
pub fn generate(ir: &Ir) -> Result<Vec<OutputFile>, String> {
    let doc = document(ir);
    let mut contents = String::new();
    doc.write(&mut contents, 0);
    contents.push('\n');
    Ok(vec![OutputFile {
        name: "asyncapi.json".to_string(),
        contents,
    }])
}

/// A JSON value whose objects keep their insertion order.
#[derive(Debug, Clone)]
enum J {
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn s(text: impl Into<String>) -> J {
    J::Str(text.into())
}

fn obj<const N: usize>(members: [(&str, J); N]) -> J {
    J::Obj(
        members
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn reference(pointer: String) -> J {
    obj([("$ref", s(pointer))])
}

impl J {
    /// Sets a member of an object, in place if it exists, else last (no-op on other values).
    fn push(&mut self, key: impl Into<String>, value: J) {
        if let J::Obj(members) = self {
            let key = key.into();
            match members.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => *v = value,
                None => members.push((key, value)),
            }
        }
    }

    /// True for `{"$ref": ...}`.
    fn is_ref(&self) -> bool {
        matches!(self, J::Obj(m) if m.first().is_some_and(|(k, _)| k == "$ref"))
    }

    /// The schema with `key` set, wrapping a `$ref` in `allOf` first: AsyncAPI's draft-07
    /// dialect ignores the siblings of a `$ref`.
    fn annotated(self, key: &str, value: J) -> J {
        let mut out = if self.is_ref() {
            obj([("allOf", J::Arr(vec![self]))])
        } else {
            self
        };
        out.push(key, value);
        out
    }

    /// Pretty-prints like `serde_json::to_string_pretty`.
    fn write(&self, out: &mut String, indent: usize) {
        let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n("  ", n));
        match self {
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(n),
            J::Str(text) => out.push_str(&quote(text)),
            J::Arr(items) if items.is_empty() => out.push_str("[]"),
            J::Obj(members) if members.is_empty() => out.push_str("{}"),
            J::Arr(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    pad(out, indent + 1);
                    item.write(out, indent + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                pad(out, indent);
                out.push(']');
            }
            J::Obj(members) => {
                out.push_str("{\n");
                for (i, (key, value)) in members.iter().enumerate() {
                    pad(out, indent + 1);
                    let _ = write!(out, "{}: ", quote(key));
                    value.write(out, indent + 1);
                    out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
                }
                pad(out, indent);
                out.push('}');
            }
        }
    }
}

/// A JSON string literal.
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

fn number(n: Number) -> Option<J> {
    match n {
        Number::Int(i) => Some(J::Num(i.to_string())),
        Number::Float(f) if f.is_finite() => Some(J::Num(
            serde_json::Number::from_f64(f)
                .map(|n| n.to_string())
                .unwrap_or_else(|| f.to_string()),
        )),
        Number::Float(_) => None,
    }
}

/// Doc lines as one description: lines of a paragraph joined by spaces, paragraphs by a blank line.
fn description(lines: &[String]) -> Option<J> {
    let mut paragraphs: Vec<String> = vec![String::new()];
    for line in lines.iter().map(|l| l.trim()) {
        let Some(p) = paragraphs.last_mut() else {
            break;
        };
        if line.is_empty() {
            if !p.is_empty() {
                paragraphs.push(String::new());
            }
        } else {
            if !p.is_empty() {
                p.push(' ');
            }
            p.push_str(line);
        }
    }
    let text = paragraphs
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    (!text.is_empty()).then(|| s(text))
}

fn document(ir: &Ir) -> J {
    let roots: Vec<String> = ir
        .files
        .iter()
        .filter(|f| f.is_root)
        .map(|f| f.package.clone().unwrap_or_else(|| f.stem.clone()))
        .collect();
    let mut info = obj([
        ("title", s(format!("{} topics", roots.join(", ")))),
        ("version", s("1.0.0")),
    ]);
    let mut about: Vec<String> = ir
        .files
        .iter()
        .filter(|f| f.is_root)
        .flat_map(|f| f.docs.iter().cloned())
        .collect();
    if !about.is_empty() {
        about.push(String::new());
    }
    about.push(
        "Generated by Rosetta. Every record carries a `content-type` and a `rosetta-type` \
         header. Delivery to Rosetta consumers is at-least-once; a record they cannot decode or \
         handle goes to `<topic>.dlq` with headers naming the error and where it came from."
            .to_string(),
    );
    if let Some(d) = description(&about) {
        info.push("description", d);
    }

    let mut channels = J::Obj(vec![]);
    let mut operations = J::Obj(vec![]);
    let mut messages = J::Obj(vec![]);
    let mut used = BTreeSet::new();
    for t in &ir.topics {
        collect_types(ir, &t.value, &mut used);
        topic_items(ir, t, &mut channels, &mut operations, &mut messages);
    }
    let mut schemas = J::Obj(vec![]);
    for id in used {
        schemas.push(ir.types[id].full_name(), type_schema(ir, id));
    }
    let mut components = obj([("messages", messages)]);
    if let J::Obj(members) = &schemas
        && !members.is_empty()
    {
        components.push("schemas", schemas);
    }
    obj([
        ("asyncapi", s("3.0.0")),
        ("info", info),
        ("defaultContentType", s("application/json")),
        ("channels", channels),
        ("operations", operations),
        ("components", components),
    ])
}

/// Every declared type `ty` reaches.
fn collect_types(ir: &Ir, ty: &Type, out: &mut BTreeSet<usize>) {
    let mut stack = vec![ty];
    while let Some(t) = stack.pop() {
        match t {
            Type::Optional(i) | Type::List(i) | Type::Map(i) => stack.push(i),
            Type::Named { id, .. } if out.insert(*id) => {
                stack.extend(ir.types[*id].fields().iter().map(|f| &f.ty));
            }
            _ => {}
        }
    }
}

fn topic_items(ir: &Ir, t: &Topic, channels: &mut J, operations: &mut J, messages: &mut J) {
    let name = &t.name;
    let dlq = dead_letter_topic(name);
    let kafka_binding = |topic: &str| {
        obj([(
            "kafka",
            obj([
                ("topic", s(topic)),
                ("bindingVersion", s(KAFKA_BINDING_VERSION)),
            ]),
        )])
    };
    let value_name = type_name(ir, &t.value);
    let content_type = t.encoding.content_type();

    // The topic's own channel and message.
    let mut channel = obj([("address", s(name.as_str()))]);
    if let Some(d) = description(&t.docs) {
        channel.push("description", d);
    }
    let tombstone_id = format!("{name}.tombstone");
    channel.push(
        "messages",
        obj([
            (
                "record",
                reference(format!("#/components/messages/{}", escape_pointer(name))),
            ),
            (
                "tombstone",
                reference(format!(
                    "#/components/messages/{}",
                    escape_pointer(&tombstone_id)
                )),
            ),
        ]),
    );
    channel.push("bindings", kafka_binding(name));
    channels.push(name.clone(), channel);

    let key_schema = key_schema_of(t);
    let mut message = obj([
        ("name", s(value_name.clone())),
        ("title", s(format!("A `{value_name}` record"))),
        ("contentType", s(content_type)),
    ]);
    if let Some(d) = description(&t.docs) {
        message.push("description", d);
    }
    message.push("headers", record_headers(content_type, &value_name));
    message.push("payload", payload(ir, t));
    message.push(
        "bindings",
        obj([(
            "kafka",
            obj([
                ("key", key_schema),
                ("bindingVersion", s(KAFKA_BINDING_VERSION)),
            ]),
        )]),
    );
    if t.encoding == Encoding::Protobuf {
        message.push("x-rosetta-protobuf-message", s(value_name.clone()));
    }
    messages.push(name.clone(), message);
    messages.push(
        tombstone_id,
        tombstone_message(name, &value_name, key_schema_of(t)),
    );

    // The dead-letter channel and message.
    let dlq_message_id = dlq.clone();
    channels.push(
        dlq.clone(),
        obj([
            ("address", s(dlq.as_str())),
            (
                "description",
                s(format!(
                    "Records of `{name}` that a Rosetta consumer could not decode, or whose \
                     handler kept failing: the original key, value and headers, plus headers \
                     saying why and where from."
                )),
            ),
            (
                "messages",
                obj([(
                    "deadLetter",
                    reference(format!(
                        "#/components/messages/{}",
                        escape_pointer(&dlq_message_id)
                    )),
                )]),
            ),
            ("bindings", kafka_binding(&dlq)),
        ]),
    );
    messages.push(dlq_message_id, dead_letter_message(name, &value_name));

    // What a Rosetta application does with them.
    let channel_ref = |id: &str| reference(format!("#/channels/{}", escape_pointer(id)));
    let message_ref = |id: &str, msg: &str| {
        reference(format!("#/channels/{}/messages/{msg}", escape_pointer(id)))
    };
    operations.push(
        format!("{name}.send"),
        obj([
            ("action", s("send")),
            ("channel", channel_ref(name)),
            (
                "summary",
                s("The generated producer: idempotent, `acks=all`, keyed as the message's key says."),
            ),
            (
                "messages",
                J::Arr(vec![message_ref(name, "record"), message_ref(name, "tombstone")]),
            ),
        ]),
    );
    operations.push(
        format!("{name}.receive"),
        obj([
            ("action", s("receive")),
            ("channel", channel_ref(name)),
            (
                "summary",
                s("The generated consumer: at-least-once, retried with backoff, then dead-lettered."),
            ),
            (
                "messages",
                J::Arr(vec![message_ref(name, "record"), message_ref(name, "tombstone")]),
            ),
        ]),
    );
    operations.push(
        format!("{dlq}.send"),
        obj([
            ("action", s("send")),
            ("channel", channel_ref(&dlq)),
            (
                "summary",
                s(format!(
                    "The generated consumer, for records of `{name}` it cannot handle."
                )),
            ),
            ("messages", J::Arr(vec![message_ref(&dlq, "deadLetter")])),
        ]),
    );
}

/// The Kafka binding's key schema of `t`'s records.
fn key_schema_of(t: &Topic) -> J {
    match &t.key {
        TopicKey::Field(field) => obj([
            ("type", s("string")),
            (
                "description",
                s(format!(
                    "The value's `{field}` field, as UTF-8: records of one key keep their order."
                )),
            ),
        ]),
        TopicKey::Explicit(_) => obj([
            ("type", s("string")),
            (
                "description",
                s("Chosen by the producer, as UTF-8: records of one key keep their order."),
            ),
        ]),
    }
}

/// A tombstone of `topic`: its key and a null value (on a compacted topic, deletes the key).
fn tombstone_message(topic: &str, value_name: &str, key_schema: J) -> J {
    obj([
        ("name", s("Tombstone")),
        ("title", s(format!("A tombstone of `{topic}`"))),
        (
            "description",
            s(
                "A record with a key and a null value: on a compacted topic it deletes the key. \
               The generated producer sends one with `tombstone(key)`; the generated consumer \
               gives it to the handler's `tombstone` method, never as a value (an empty value \
               is a value, not a tombstone).",
            ),
        ),
        (
            "headers",
            obj([
                ("type", s("object")),
                (
                    "properties",
                    obj([(
                        "rosetta-type",
                        string_const(value_name, "The IDL type of the key's values."),
                    )]),
                ),
            ]),
        ),
        ("payload", obj([("type", s("null"))])),
        (
            "bindings",
            obj([(
                "kafka",
                obj([
                    ("key", key_schema),
                    ("bindingVersion", s(KAFKA_BINDING_VERSION)),
                ]),
            )]),
        ),
    ])
}

/// `~` and `/` are the only characters a JSON pointer segment escapes.
fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn string_const(value: &str, what: &str) -> J {
    obj([
        ("type", s("string")),
        ("const", s(value)),
        ("description", s(what)),
    ])
}

fn record_headers(content_type: &str, value_name: &str) -> J {
    obj([
        ("type", s("object")),
        (
            "properties",
            obj([
                (
                    "content-type",
                    string_const(content_type, "The value's MIME type."),
                ),
                (
                    "rosetta-type",
                    string_const(value_name, "The IDL type of the value."),
                ),
            ]),
        ),
        (
            "required",
            J::Arr(vec![s("content-type"), s("rosetta-type")]),
        ),
    ])
}

fn dead_letter_message(topic: &str, value_name: &str) -> J {
    let text = |d: &str| obj([("type", s("string")), ("description", s(d))]);
    let decimal = |d: &str| {
        obj([
            ("type", s("string")),
            ("pattern", s("^-?[0-9]+$")),
            ("description", s(d)),
        ])
    };
    obj([
        ("name", s("DeadLetter")),
        (
            "title",
            s(format!("A record of `{topic}` that could not be handled")),
        ),
        (
            "description",
            s(
                "The original record's key, value and headers, unchanged (the value may not \
               decode: that can be why it is here), with four headers added.",
            ),
        ),
        (
            "headers",
            obj([
                ("type", s("object")),
                (
                    "properties",
                    obj([
                        (
                            "content-type",
                            text("The original record's `content-type`, if it had one."),
                        ),
                        (
                            "rosetta-type",
                            text("The original record's `rosetta-type`, if it had one."),
                        ),
                        (
                            "rosetta-error",
                            text("Why the record could not be decoded or handled."),
                        ),
                        (
                            "rosetta-original-topic",
                            string_const(topic, "The topic the record was read from."),
                        ),
                        (
                            "rosetta-original-partition",
                            decimal("Its partition there, in decimal."),
                        ),
                        (
                            "rosetta-original-offset",
                            decimal("Its offset there, in decimal."),
                        ),
                    ]),
                ),
                (
                    "required",
                    J::Arr(vec![
                        s("rosetta-error"),
                        s("rosetta-original-topic"),
                        s("rosetta-original-partition"),
                        s("rosetta-original-offset"),
                    ]),
                ),
            ]),
        ),
        (
            "payload",
            obj([(
                "description",
                s(format!(
                    "The original value's bytes (normally a `{value_name}` record of `{topic}`)."
                )),
            )]),
        ),
    ])
}

fn payload(ir: &Ir, t: &Topic) -> J {
    match t.encoding {
        Encoding::String => obj([
            ("type", s("string")),
            (
                "description",
                s("UTF-8 text, no length prefix (Java's `StringSerializer`)."),
            ),
        ]),
        Encoding::Bytes => obj([
            ("type", s("string")),
            ("format", s("binary")),
            ("description", s("The bytes, unchanged.")),
        ]),
        Encoding::Json => schema(ir, &t.value, &Constraints::default()),
        Encoding::Protobuf => schema(ir, &t.value, &Constraints::default()).annotated(
            "description",
            s(format!(
                "Protobuf bytes of message `{}` in the `.proto` that `rosetta generate --target \
                 proto` emits; this schema is its JSON form.",
                type_name(ir, &t.value)
            )),
        ),
    }
}

/// The JSON Schema of a type as Rosetta's JSON writes it.
fn schema(ir: &Ir, ty: &Type, c: &Constraints) -> J {
    let mut out = match ty {
        Type::Bool => obj([("type", s("boolean"))]),
        Type::I32 => obj([("type", s("integer")), ("format", s("int32"))]),
        Type::I64 => obj([("type", s("integer")), ("format", s("int64"))]),
        Type::U32 => obj([
            ("type", s("integer")),
            ("format", s("uint32")),
            ("minimum", J::Num("0".into())),
        ]),
        Type::U64 => obj([
            ("type", s("integer")),
            ("format", s("uint64")),
            ("minimum", J::Num("0".into())),
        ]),
        Type::F64 => obj([("type", s("number")), ("format", s("double"))]),
        Type::String => obj([("type", s("string"))]),
        Type::Bytes => obj([("type", s("string")), ("contentEncoding", s("base64"))]),
        Type::Timestamp => obj([("type", s("string")), ("format", s("date-time"))]),
        Type::Any => obj([("description", s(crate::emit::openapi::ANY_DESCRIPTION))]),
        Type::Optional(inner) => {
            return obj([(
                "oneOf",
                J::Arr(vec![schema(ir, inner, c), obj([("type", s("null"))])]),
            )]);
        }
        Type::List(inner) => obj([
            ("type", s("array")),
            ("items", schema(ir, inner, &Constraints::default())),
        ]),
        Type::Map(inner) => obj([
            ("type", s("object")),
            (
                "additionalProperties",
                schema(ir, inner, &Constraints::default()),
            ),
        ]),
        Type::Named { id, .. } => {
            return reference(format!(
                "#/components/schemas/{}",
                escape_pointer(&ir.types[*id].full_name())
            ));
        }
    };
    constrain(&mut out, ty, c);
    out
}

/// `@range`, `@length` and `@pattern` as JSON Schema keywords.
fn constrain(out: &mut J, ty: &Type, c: &Constraints) {
    if let Some(r) = &c.range {
        if let Some(min) = r.min.and_then(number) {
            out.push("minimum", min);
        }
        if let Some(max) = r.max.and_then(number) {
            out.push("maximum", max);
        }
    }
    if let Some(l) = &c.length {
        let (min_key, max_key) = match ty {
            Type::String => ("minLength", "maxLength"),
            Type::List(_) => ("minItems", "maxItems"),
            Type::Map(_) => ("minProperties", "maxProperties"),
            // Bytes are base64 text in JSON: the limit is on the decoded bytes.
            _ => ("x-rosetta-min-bytes", "x-rosetta-max-bytes"),
        };
        if let Some(min) = l.min {
            out.push(min_key, J::Num(min.to_string()));
        }
        if let Some(max) = l.max {
            out.push(max_key, J::Num(max.to_string()));
        }
    }
    if let Some(p) = &c.pattern {
        out.push("pattern", s(p.as_str()));
    }
}

/// A field's schema with its docs and deprecation.
fn field_schema(ir: &Ir, f: &Field) -> J {
    // An absent optional field is left out, not written as null.
    let ty = match &f.ty {
        Type::Optional(inner) => inner.as_ref(),
        t => t,
    };
    let mut out = schema(ir, ty, &f.constraints);
    if let Some(d) = description(&f.docs) {
        out = out.annotated("description", d);
    }
    if f.deprecated {
        out = out.annotated("deprecated", J::Bool(true));
    }
    out
}

/// The component schema of declared type `id`.
fn type_schema(ir: &Ir, id: usize) -> J {
    let def = &ir.types[id];
    let mut out = match &def.kind {
        TypeKind::Enum(e) => obj([
            ("type", s("string")),
            (
                "enum",
                J::Arr(e.values.iter().map(|v| s(v.name.as_str())).collect()),
            ),
        ]),
        TypeKind::Union(u) => obj([(
            "oneOf",
            J::Arr(
                u.variants
                    .iter()
                    .map(|v| {
                        obj([
                            ("type", s("object")),
                            (
                                "properties",
                                J::Obj(vec![(v.name.clone(), field_schema(ir, v))]),
                            ),
                            ("required", J::Arr(vec![s(v.name.as_str())])),
                            ("additionalProperties", J::Bool(false)),
                        ])
                    })
                    .collect(),
            ),
        )]),
        TypeKind::Struct(_) | TypeKind::Error(_) => {
            let fields = def.fields();
            let props = fields
                .iter()
                .map(|f| (f.name.clone(), field_schema(ir, f)))
                .collect();
            let required: Vec<J> = fields
                .iter()
                .filter(|f| !f.ty.may_be_absent())
                .map(|f| s(f.name.as_str()))
                .collect();
            let mut o = obj([("type", s("object")), ("properties", J::Obj(props))]);
            if !required.is_empty() {
                o.push("required", J::Arr(required));
            }
            o
        }
    };
    let mut head = vec![("title".to_string(), s(def.name.as_str()))];
    if let Some(d) = description(&def.docs) {
        head.push(("description".to_string(), d));
    }
    if def.deprecated {
        head.push(("deprecated".to_string(), J::Bool(true)));
    }
    if let J::Obj(members) = &mut out {
        head.append(members);
        *members = head;
    }
    out
}
