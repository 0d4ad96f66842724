//! `any` and nested containers on Kafka (`tests/idl/dynamic.idl`): the `protobuf` encoding of a
//! value holding an `any`, maps of maps, lists of lists, maps of lists, an optional list, a list
//! of optionals and bytes two lists deep is byte for byte what prost writes for the emitted
//! `.proto` (wrapper messages and `RosettaValue`, the gRPC side's one mapping), and each side
//! reads what the other wrote; the `json` encoding carries the same value exactly.

use std::collections::BTreeMap;

use rosetta::__private::prost::Message;
use rosetta::grpc::{FromProto, IntoProto};
use rosetta::kafka::{Encoding, ProtobufMessage};
use rosetta::validate::Path;
use rosetta::{Timestamp, Value};

#[allow(dead_code)]
mod fixture {
    rosetta::include_idl!("dynamic");
}

use fixture::{Mixed, Stooges, dynamic_json, proto};

fn stooges(moe: i32) -> Stooges {
    Stooges {
        moe,
        larry: 2,
        curly: -3,
    }
}

/// A value with every shape filled, empty inner containers and defaults included (they are
/// where a codec most easily differs from prost: an empty wrapper in a map entry, a zero).
fn mixed() -> Mixed {
    let when = Timestamp::from_ymd_hms(2000, 4, 1, 12, 30, 5).expect("valid date");
    Mixed {
        id: "m-1".into(),
        anything: Value::structure([
            ("int", Value::Int(-7)),
            ("i8", Value::I8(1 << 40)),
            ("double", Value::Double(2.5)),
            ("bool", Value::Bool(false)),
            ("text", Value::from(" <&'\"> ")),
            ("when", Value::DateTime(when)),
            ("bytes", Value::Base64(vec![0, 1, 255])),
            ("nil", Value::Nil),
            (
                "array",
                Value::Array(vec![Value::Int(0), Value::Array(vec![])]),
            ),
            ("z", Value::Int(1)),
            ("a", Value::Int(2)),
        ]),
        calendar: BTreeMap::from([
            (
                "2000".to_string(),
                BTreeMap::from([
                    ("04".to_string(), stooges(1)),
                    ("05".to_string(), Stooges::default()),
                ]),
            ),
            ("2001".to_string(), BTreeMap::new()),
        ]),
        grid: vec![vec![1, -2, 300], vec![], vec![0]],
        tags: BTreeMap::from([
            ("a".to_string(), vec!["x".to_string(), String::new()]),
            ("empty".to_string(), vec![]),
        ]),
        maybe: Some(vec![]),
        sparse: vec![Some("s".into()), None, Some(String::new())],
        blobs: vec![vec![vec![0, 255], vec![]], vec![]],
        blob_index: BTreeMap::from([
            ("k".to_string(), vec![b"hi".to_vec()]),
            ("none".to_string(), vec![]),
        ]),
        values: vec![
            Value::Nil,
            Value::Int(5),
            Value::from("five"),
            Value::Base64(vec![5]),
        ],
        open: BTreeMap::from([
            ("n".to_string(), Value::Nil),
            ("list".to_string(), Value::Array(vec![Value::Bool(true)])),
        ]),
        stooges: Some(stooges(0)),
    }
}

/// The Kafka codec and prost each read back `value` from what the other wrote.
fn read_by_both(value: &Mixed) {
    let ours = value.encode_proto();
    let theirs = IntoProto::<proto::Mixed>::into_proto(value.clone()).encode_to_vec();
    let decoded = proto::Mixed::decode(&ours[..]).expect("prost reads the Kafka bytes");
    assert_eq!(
        &<Mixed as FromProto<proto::Mixed>>::from_proto(decoded, &Path::Root).expect("valid"),
        value
    );
    assert_eq!(
        &Mixed::decode_proto(&theirs).expect("Kafka reads prost's bytes"),
        value
    );
}

/// The Kafka codec writes exactly prost's bytes for `value` (whose maps hold at most one entry:
/// prost's maps are `HashMap`s, so its order of several entries changes from run to run).
fn same_bytes_as_prost(value: &Mixed) {
    let theirs = IntoProto::<proto::Mixed>::into_proto(value.clone()).encode_to_vec();
    assert_eq!(value.encode_proto(), theirs, "{value:?}");
    read_by_both(value);
}

#[test]
fn protobuf_topics_carry_any_and_nested_containers_as_prost_does() {
    read_by_both(&mixed());
    read_by_both(&Mixed::default());
    // Byte for byte, one map entry at a time: each shape, empty inner containers and default
    // messages in map entries included (prost leaves such a value out of its entry).
    let full = mixed();
    let mut one = Mixed {
        id: full.id.clone(),
        anything: full.anything.clone(),
        grid: full.grid.clone(),
        maybe: full.maybe.clone(),
        sparse: full.sparse.clone(),
        blobs: full.blobs.clone(),
        values: full.values.clone(),
        stooges: full.stooges.clone(),
        ..Mixed::default()
    };
    same_bytes_as_prost(&one);
    for (year, months) in &full.calendar {
        for (month, day) in months {
            one.calendar =
                BTreeMap::from([(year.clone(), BTreeMap::from([(month.clone(), day.clone())]))]);
            same_bytes_as_prost(&one);
        }
        one.calendar = BTreeMap::from([(year.clone(), BTreeMap::new())]);
        same_bytes_as_prost(&one);
    }
    one.calendar.clear();
    for entry in &full.tags {
        one.tags = BTreeMap::from([entry].map(|(k, v)| (k.clone(), v.clone())));
        same_bytes_as_prost(&one);
    }
    for entry in &full.blob_index {
        one.blob_index = BTreeMap::from([entry].map(|(k, v)| (k.clone(), v.clone())));
        same_bytes_as_prost(&one);
    }
    for entry in &full.open {
        one.open = BTreeMap::from([entry].map(|(k, v)| (k.clone(), v.clone())));
        same_bytes_as_prost(&one);
    }
    let nil = Mixed {
        maybe: None,
        sparse: vec![None],
        grid: vec![vec![]],
        ..Mixed::default()
    };
    same_bytes_as_prost(&nil);
}

#[test]
fn json_topics_carry_any_and_nested_containers_exactly() {
    let value = mixed();
    let bytes = <dynamic_json::Encoding as Encoding<Mixed>>::encode(&value).expect("encode");
    let back = <dynamic_json::Encoding as Encoding<Mixed>>::decode(&bytes).expect("decode");
    assert_eq!(back, value);
    // Bytes two containers deep are base64 strings, as on REST and as the AsyncAPI says.
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(json["blobs"], serde_json::json!([["AP8=", ""], []]));
    assert_eq!(
        json["blob_index"],
        serde_json::json!({"k": ["aGk="], "none": []})
    );
}

/// The AsyncAPI document describes the JSON topic's value as it travels: bytes two containers
/// deep as base64 strings, `any` as `{}` (any JSON value, its mapping in the description), and
/// the protobuf topic's description names the wrapper messages and `RosettaValue`.
#[test]
fn the_asyncapi_document_describes_any_nested_containers_and_deep_bytes() {
    let idl = rosetta_tests::workspace_root().join("tests/idl/dynamic.idl");
    let c = rosetta_codegen::compile(&[idl], &rosetta_codegen::Options::default());
    let rendered = c.render_diagnostics();
    let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
    let files = rosetta_codegen::emit::asyncapi::generate(&ir).expect("asyncapi target");
    let doc: serde_json::Value = serde_json::from_str(&files[0].contents).expect("JSON");
    let mixed = &doc["components"]["schemas"]["dynamic.Mixed"]["properties"];
    assert_eq!(
        mixed["blobs"]["items"]["items"]["contentEncoding"],
        "base64"
    );
    assert_eq!(
        mixed["blob_index"]["additionalProperties"]["items"]["format"],
        "byte"
    );
    let any = mixed["anything"].as_object().expect("object");
    assert_eq!(any.keys().collect::<Vec<_>>(), ["description"]);
    let proto = doc["components"]["messages"]["dynamic.proto"]["payload"]["description"]
        .as_str()
        .expect("description");
    assert!(
        proto.contains("`ListOf…`") && proto.contains("`RosettaValue`"),
        "{proto}"
    );
    let json = &doc["components"]["messages"]["dynamic.json"]["payload"];
    assert_eq!(json["$ref"], "#/components/schemas/dynamic.Mixed");
}
