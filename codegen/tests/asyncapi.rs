//! The AsyncAPI target: a snapshot of the document for every example, determinism, and the
//! structural rules of AsyncAPI 3.0 that tools rely on (every `$ref` resolves, component keys
//! match the spec's pattern, every topic has its channel, messages and dead-letter channel).

mod support;

use std::path::Path;

use rosetta_codegen::compile_str;
use rosetta_codegen::emit::asyncapi::generate;
use serde_json::Value;

fn document(path: &Path) -> String {
    let ir = support::ir_of(path);
    let files = generate(&ir).expect("asyncapi");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "asyncapi.json");
    files[0].contents.clone()
}

#[test]
fn asyncapi_for_every_example() {
    for path in support::examples() {
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .to_string();
        insta::assert_snapshot!(stem, document(&path));
    }
}

#[test]
fn generation_is_deterministic() {
    for path in support::examples() {
        assert_eq!(document(&path), document(&path), "{}", path.display());
    }
}

/// Resolves a local `$ref` (`#/a/b`) in `doc`.
fn resolve<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    doc.pointer(pointer.strip_prefix('#')?)
}

fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn documents_are_well_formed_asyncapi_3() {
    let key = regex::Regex::new(r"^[\w\d\.\-_]+$").expect("regex");
    for path in support::examples() {
        let text = document(&path);
        let doc: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(doc["asyncapi"], "3.0.0");
        assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
        let mut all = Vec::new();
        refs(&doc, &mut all);
        for r in all {
            assert!(
                resolve(&doc, r).is_some(),
                "{}: dangling {r}",
                path.display()
            );
        }
        for section in ["messages", "schemas"] {
            if let Some(m) = doc["components"][section].as_object() {
                for k in m.keys() {
                    assert!(key.is_match(k), "{}: component key {k}", path.display());
                }
            }
        }
        for (_, op) in doc["operations"].as_object().expect("operations") {
            assert!(["send", "receive"].contains(&op["action"].as_str().expect("action")));
        }
    }
}

#[test]
fn every_topic_has_its_channel_key_headers_and_dead_letter_channel() {
    let c = compile_str(
        "t.idl",
        r#"
        package t;
        /// A thing.
        struct Thing { id: string = 1; size: u32 = 2 @range(1, 10); data: optional<bytes> = 3; }
        union Either { a: Thing = 1; b: Other = 2; }
        struct Other { id: string = 1; }
        /// Things, keyed by id.
        topic "things" { key: value.id; value: Either; encoding: json; }
        topic "lines" { key: string; value: string; encoding: string; }
        topic "blobs" { key: string; value: bytes; encoding: bytes; }
        topic "protos" { key: value.id; value: Thing; encoding: protobuf; }
        "#,
    );
    let rendered = c.render_diagnostics();
    let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
    let doc: Value =
        serde_json::from_str(&generate(&ir).expect("asyncapi")[0].contents).expect("JSON");
    let cases = [
        ("things", "application/json", "t.Either"),
        ("lines", "text/plain; charset=utf-8", "string"),
        ("blobs", "application/octet-stream", "bytes"),
        ("protos", "application/x-protobuf", "t.Thing"),
    ];
    for (topic, content_type, type_name) in cases {
        let channel = &doc["channels"][topic];
        assert_eq!(channel["address"], topic);
        assert_eq!(channel["bindings"]["kafka"]["topic"], topic);
        let message = resolve(
            &doc,
            channel["messages"]["record"]["$ref"].as_str().expect("ref"),
        )
        .expect("message");
        assert_eq!(message["contentType"], content_type);
        assert_eq!(
            message["headers"]["properties"]["content-type"]["const"],
            content_type
        );
        assert_eq!(
            message["headers"]["properties"]["rosetta-type"]["const"],
            type_name
        );
        assert_eq!(message["bindings"]["kafka"]["key"]["type"], "string");
        // Every channel carries tombstones: a key and a null value.
        let tombstone = resolve(
            &doc,
            channel["messages"]["tombstone"]["$ref"]
                .as_str()
                .expect("tombstone ref"),
        )
        .expect("tombstone message");
        assert_eq!(tombstone["payload"]["type"], "null", "{topic}");
        assert_eq!(tombstone["bindings"]["kafka"]["key"]["type"], "string");
        assert_eq!(
            tombstone["headers"]["properties"]["rosetta-type"]["const"],
            type_name
        );
        for action in ["send", "receive"] {
            let refs: Vec<&str> = doc["operations"][format!("{topic}.{action}")]["messages"]
                .as_array()
                .expect("operation messages")
                .iter()
                .filter_map(|m| m["$ref"].as_str())
                .collect();
            assert_eq!(
                refs,
                [
                    format!("#/channels/{topic}/messages/record"),
                    format!("#/channels/{topic}/messages/tombstone")
                ],
                "{topic}.{action}"
            );
        }
        let dlq = &doc["channels"][format!("{topic}.dlq")];
        assert_eq!(dlq["address"], format!("{topic}.dlq"));
        let dead = resolve(
            &doc,
            dlq["messages"]["deadLetter"]["$ref"].as_str().expect("ref"),
        )
        .expect("dead-letter message");
        for h in [
            "rosetta-error",
            "rosetta-original-topic",
            "rosetta-original-partition",
            "rosetta-original-offset",
        ] {
            assert!(
                dead["headers"]["required"]
                    .as_array()
                    .expect("required")
                    .contains(&Value::from(h)),
                "{topic}: {h}"
            );
        }
        for action in ["send", "receive"] {
            assert_eq!(
                doc["operations"][format!("{topic}.{action}")]["action"],
                action
            );
        }
        assert_eq!(
            doc["operations"][format!("{topic}.dlq.send")]["action"],
            "send"
        );
    }
    let thing = &doc["components"]["schemas"]["t.Thing"];
    assert_eq!(thing["properties"]["size"]["minimum"], 1);
    assert_eq!(thing["properties"]["size"]["maximum"], 10);
    // An optional member is nullable: a consumer reads `null` as none.
    assert_eq!(
        thing["properties"]["data"]["anyOf"][0]["contentEncoding"],
        "base64"
    );
    assert_eq!(thing["properties"]["data"]["anyOf"][1]["type"], "null");
    assert_eq!(thing["required"], serde_json::json!(["id", "size"]));
    let either = &doc["components"]["schemas"]["t.Either"];
    assert_eq!(either["oneOf"][0]["required"], serde_json::json!(["a"]));
    assert_eq!(
        doc["channels"]["things"]["description"],
        "Things, keyed by id."
    );
    assert_eq!(
        doc["components"]["messages"]["protos"]["x-rosetta-protobuf-message"],
        "t.Thing"
    );
}

#[test]
fn a_compilation_without_topics_has_an_empty_document() {
    let c = compile_str("e.idl", "package e; struct A { x: i32 = 1; }");
    let doc: Value =
        serde_json::from_str(&generate(&c.ir.expect("ir")).expect("asyncapi")[0].contents)
            .expect("JSON");
    assert_eq!(doc["channels"], serde_json::json!({}));
    assert_eq!(doc["operations"], serde_json::json!({}));
}
