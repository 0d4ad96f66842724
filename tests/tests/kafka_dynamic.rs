//! `any` and nested containers on Kafka (`tests/idl/dynamic.idl`): the `protobuf` encoding of a
//! value holding an `any`, maps of maps, lists of lists, maps of lists, an optional list, a list
//! of optionals and bytes two lists deep is byte for byte what prost writes for the emitted
//! `.proto` (wrapper messages and `RosettaValue`, the gRPC side's one mapping), and each side
//! reads what the other wrote; the `json` encoding carries the same value exactly.
//!
//! With a client nobody here wrote: kafka-python reads the records the generated producers sent
//! (the JSON one with `json`, the protobuf one with stubs `grpc_tools.protoc` made from the
//! emitted `.proto`) and finds the documented mapping, and the generated consumers handle the
//! records kafka-python built by hand, to the exact value.
//!
//! A struct decodes only from an object at every depth: a record with an array where a struct
//! belongs goes to the dead-letter topic, unchanged and with the path in `rosetta-error`, and the
//! consumer goes on to the next record.

#[path = "kafka_support.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rosetta::kafka::{
    ConsumerRunner, EmbeddedBroker, Encoding, HandlerError, ProtobufMessage, RawBytes, Record,
    TopicProducer, handler_fn, headers,
};
use rosetta::{Timestamp, Value};

#[allow(dead_code)]
mod fixture {
    rosetta::include_idl!("dynamic");
}

use fixture::{Mixed, Stooges, dynamic_json, dynamic_proto, proto};
use support::{embedded_config, fast_retries, join_runners, wait_until};
use tokio::sync::watch;

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
    rosetta_tests::prost_agrees::<Mixed, proto::Mixed>(value, false);
    assert_eq!(
        &Mixed::decode_proto(&value.encode_proto()).expect("Kafka reads its own bytes"),
        value
    );
}

/// The Kafka codec writes exactly prost's bytes for `value` (whose maps hold at most one entry:
/// prost's maps are `HashMap`s, so its order of several entries changes from run to run).
fn same_bytes_as_prost(value: &Mixed) {
    rosetta_tests::prost_agrees::<Mixed, proto::Mixed>(value, true);
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

/// Makes Python stubs from the emitted `.proto` files in `argv[2]`; reads `dynamic.json` and
/// `dynamic.proto` (partitions assigned by hand: no group round) until it has the Rust record
/// `m-1` of each, and prints each value in the documented JSON mapping — the JSON one as it is,
/// the protobuf one converted by hand from the message (wrappers unwrapped, `RosettaValue` as
/// `$base64`/`$datetime`, bytes as base64) — with `anything`'s member names in wire order.
/// Then sends a record it built by hand to each topic.
const PYTHON: &str = r#"
import base64, json, os, sys, time
import grpc_tools
from grpc_tools import protoc
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
bootstrap, out = sys.argv[1], sys.argv[2]
include = os.path.join(os.path.dirname(grpc_tools.__file__), '_proto')
protos = sorted(f for f in os.listdir(out) if f.endswith('.proto'))
assert protoc.main(['protoc', '-I' + out, '-I' + include, '--python_out=' + out] + protos) == 0
sys.path.insert(0, out)
import dynamic_pb2

def b64(b):
    return base64.b64encode(b).decode()

def any_value(v):
    kind = v.WhichOneof("kind")
    if kind is None or kind == "nil_value":
        return None
    if kind == "datetime_value":
        return {"$datetime": v.datetime_value.ToJsonString()}
    if kind == "base64_value":
        return {"$base64": b64(v.base64_value)}
    if kind == "struct_value":
        return {m.name: any_value(m.value) for m in v.struct_value.members}
    if kind == "array_value":
        return [any_value(i) for i in v.array_value.items]
    return getattr(v, kind)

def stooges(s):
    return {"moe": s.moe, "larry": s.larry, "curly": s.curly}

def mixed(m):
    doc = {
        "id": m.id,
        "anything": any_value(m.anything),
        "calendar": {y: {d: stooges(s) for d, s in ms.entries.items()} for y, ms in m.calendar.items()},
        "grid": [list(row.items) for row in m.grid],
        "tags": {k: list(v.items) for k, v in m.tags.items()},
        "sparse": [s.value if s.HasField("value") else None for s in m.sparse],
        "blobs": [[b64(b) for b in row.items] for row in m.blobs],
        "blob_index": {k: [b64(b) for b in v.items] for k, v in m.blob_index.items()},
        "values": [any_value(v) for v in m.values],
        "open": {k: any_value(v) for k, v in m.open.items()},
    }
    # Absent optionals are left out, as Rosetta's JSON leaves them out.
    if m.HasField("maybe"):
        doc["maybe"] = list(m.maybe.items)
    if m.HasField("stooges"):
        doc["stooges"] = stooges(m.stooges)
    return doc

consumer = KafkaConsumer(bootstrap_servers=bootstrap, consumer_timeout_ms=60000, api_version=(2, 0))
assigned = []
for topic in ("dynamic.json", "dynamic.proto"):
    for _ in range(200):
        partitions = consumer.partitions_for_topic(topic)
        if partitions:
            break
        consumer.topics()
        time.sleep(0.1)
    assigned += [TopicPartition(topic, p) for p in sorted(partitions)]
consumer.assign(assigned)
consumer.seek_to_beginning()
seen = {}
for record in consumer:
    if record.key != b"m-1" or record.topic in seen:
        continue
    headers = {k: v.decode() for k, v in record.headers}
    if record.topic == "dynamic.json":
        assert headers["content-type"] == "application/json", headers
        doc = json.loads(record.value)
        order = list(doc["anything"])
    else:
        assert headers["content-type"] == "application/x-protobuf", headers
        message = dynamic_pb2.Mixed()
        message.ParseFromString(record.value)
        doc = mixed(message)
        order = [m.name for m in message.anything.struct_value.members]
    seen[record.topic] = True
    print(json.dumps({"topic": record.topic, "value": doc, "order": order}), flush=True)
    if len(seen) == 2:
        break
consumer.close()
assert len(seen) == 2, seen

producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=(2, 0))
doc = ('{"id": "py-json", "anything": [1, 5000000000, 1.0, {"$base64": "AAE="}, '
       '{"$datetime": "2024-01-02T03:04:05Z"}, null, {"k": "v"}], '
       '"calendar": {"2024": {"01": {"moe": 1, "larry": 2, "curly": 3}}}, '
       '"grid": [[7], []], "tags": {"x": []}, "sparse": [null, "y"], '
       '"blobs": [["/w==", "AAE="]], "blob_index": {"z": ["aGk="]}, '
       '"values": [true], "open": {"deep": {"a": [null]}}}')
producer.send("dynamic.json", key=b"py-json", value=doc.encode()).get(timeout=20)

m = dynamic_pb2.Mixed(id="py-proto")
member = m.anything.struct_value.members.add()
member.name, member.value.i8_value = "i8", 5
member = m.anything.struct_value.members.add()
member.name = "when"
member.value.datetime_value.FromJsonString("2024-01-02T03:04:05Z")
member = m.anything.struct_value.members.add()
member.name, member.value.nil_value = "nil", True
m.calendar["1999"].entries["12"].moe = 31
m.grid.add().items.extend([4, 5])
m.grid.add()
m.tags["t"].items.append("u")
m.maybe.SetInParent()
m.sparse.add().value = ""
m.sparse.add()
m.blobs.add().items.append(b"\x00\xff")
m.blob_index["b"].items.append(b"")
m.values.add().array_value.items.add().double_value = 0.25
m.open["o"].string_value = "p"
producer.send("dynamic.proto", key=b"py-proto", value=m.SerializeToString()).get(timeout=20)
producer.flush()
producer.close()
print("sent", flush=True)
"#;

/// Writes the `.proto` files emitted from `tests/idl/dynamic.idl` into a fresh folder.
fn emit_protos() -> std::path::PathBuf {
    let idl = rosetta_tests::workspace_root().join("tests/idl/dynamic.idl");
    rosetta_tests::emit_protos_of(&idl, "kafka-dynamic")
}

/// `mixed()` in the documented JSON mapping, written out by hand.
fn mixed_json() -> serde_json::Value {
    serde_json::json!({
        "id": "m-1",
        "anything": {
            "int": -7, "i8": 1_099_511_627_776_i64, "double": 2.5, "bool": false,
            "text": " <&'\"> ", "when": {"$datetime": "2000-04-01T12:30:05Z"},
            "bytes": {"$base64": "AAH/"}, "nil": null, "array": [0, []], "z": 1, "a": 2
        },
        "calendar": {
            "2000": {
                "04": {"moe": 1, "larry": 2, "curly": -3},
                "05": {"moe": 0, "larry": 0, "curly": 0}
            },
            "2001": {}
        },
        "grid": [[1, -2, 300], [], [0]],
        "tags": {"a": ["x", ""], "empty": []},
        "maybe": [],
        "sparse": ["s", null, ""],
        "blobs": [["AP8=", ""], []],
        "blob_index": {"k": ["aGk="], "none": []},
        "values": [null, 5, "five", {"$base64": "BQ=="}],
        "open": {"list": [true], "n": null},
        "stooges": {"moe": 0, "larry": 2, "curly": -3}
    })
}

/// The values kafka-python built, as the generated consumers must hand them over.
fn from_python() -> BTreeMap<String, Mixed> {
    let new_year = Timestamp::from_ymd_hms(2024, 1, 2, 3, 4, 5).expect("valid date");
    let json = Mixed {
        id: "py-json".into(),
        anything: Value::Array(vec![
            Value::Int(1),
            Value::I8(5_000_000_000),
            Value::Double(1.0),
            Value::Base64(vec![0, 1]),
            Value::DateTime(new_year),
            Value::Nil,
            Value::structure([("k", Value::from("v"))]),
        ]),
        calendar: BTreeMap::from([(
            "2024".to_string(),
            BTreeMap::from([(
                "01".to_string(),
                Stooges {
                    moe: 1,
                    larry: 2,
                    curly: 3,
                },
            )]),
        )]),
        grid: vec![vec![7], vec![]],
        tags: BTreeMap::from([("x".to_string(), vec![])]),
        maybe: None,
        sparse: vec![None, Some("y".into())],
        blobs: vec![vec![vec![255], vec![0, 1]]],
        blob_index: BTreeMap::from([("z".to_string(), vec![b"hi".to_vec()])]),
        values: vec![Value::Bool(true)],
        open: BTreeMap::from([(
            "deep".to_string(),
            Value::structure([("a", Value::Array(vec![Value::Nil]))]),
        )]),
        stooges: None,
    };
    let proto = Mixed {
        id: "py-proto".into(),
        anything: Value::structure([
            ("i8", Value::I8(5)),
            ("when", Value::DateTime(new_year)),
            ("nil", Value::Nil),
        ]),
        calendar: BTreeMap::from([(
            "1999".to_string(),
            BTreeMap::from([(
                "12".to_string(),
                Stooges {
                    moe: 31,
                    ..Stooges::default()
                },
            )]),
        )]),
        grid: vec![vec![4, 5], vec![]],
        tags: BTreeMap::from([("t".to_string(), vec!["u".to_string()])]),
        maybe: Some(vec![]),
        sparse: vec![Some(String::new()), None],
        blobs: vec![vec![vec![0, 255]]],
        blob_index: BTreeMap::from([("b".to_string(), vec![vec![]])]),
        values: vec![Value::Array(vec![Value::Double(0.25)])],
        open: BTreeMap::from([("o".to_string(), Value::from("p"))]),
        stooges: None,
    };
    BTreeMap::from([
        ("dynamic.json py-json".to_string(), json),
        ("dynamic.proto py-proto".to_string(), proto),
    ])
}

/// What the generated consumers handled, by `"<topic> <key>"`.
type Handled = Arc<Mutex<BTreeMap<String, Mixed>>>;

fn collect(
    handled: &Handled,
) -> impl Fn(Record<Mixed>) -> std::future::Ready<Result<(), HandlerError>> + Send + Sync + 'static
{
    let handled = handled.clone();
    move |r: Record<Mixed>| {
        let key = format!("{} {}", r.topic, r.key_str().unwrap_or("-"));
        handled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, r.value);
        std::future::ready(Ok(()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_python_reads_and_writes_any_and_nested_containers() {
    let broker = EmbeddedBroker::start().expect("broker");
    let config = embedded_config(&broker);
    let handled: Handled = Arc::default();
    let (stop, rx) = watch::channel(false);

    let mut json = dynamic_json::Consumer::new(&config, "dynamic");
    json.retry_policy(fast_retries(0));
    let handler = handler_fn(collect(&handled));
    let mut rx1 = rx.clone();
    let json_run = tokio::spawn(async move {
        let _ = json
            .run(handler, async move {
                let _ = rx1.wait_for(|s| *s).await;
            })
            .await;
    });
    let mut protobuf = dynamic_proto::Consumer::new(&config, "dynamic");
    protobuf.retry_policy(fast_retries(0));
    let handler = handler_fn(collect(&handled));
    let mut rx2 = rx.clone();
    let protobuf_run = tokio::spawn(async move {
        let _ = protobuf
            .run(handler, async move {
                let _ = rx2.wait_for(|s| *s).await;
            })
            .await;
    });

    let value = mixed();
    dynamic_json::Producer::new(&config)
        .expect("producer")
        .send(&value)
        .await
        .expect("json record sent");
    dynamic_proto::Producer::new(&config)
        .expect("producer")
        .send(&value)
        .await
        .expect("protobuf record sent");

    let dir = emit_protos();
    let python = rosetta_tests::tier2_python();
    let servers = broker.bootstrap_servers().to_string();
    let folder = dir.display().to_string();
    let stdout = tokio::task::spawn_blocking(move || {
        rosetta_tests::python_stdout(
            &python,
            PYTHON,
            &[&servers, &folder],
            Duration::from_secs(120),
        )
    })
    .await
    .expect("python ran");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(stdout.contains("sent"), "{stdout}");

    // kafka-python found the documented mapping on both topics, member order included.
    let order = [
        "int", "i8", "double", "bool", "text", "when", "bytes", "nil", "array", "z", "a",
    ];
    let mut topics = Vec::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let read: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert_eq!(read["value"], mixed_json(), "{}", read["topic"]);
        assert_eq!(read["order"], serde_json::json!(order), "{}", read["topic"]);
        topics.push(read["topic"].as_str().unwrap_or_default().to_string());
    }
    topics.sort();
    assert_eq!(topics, ["dynamic.json", "dynamic.proto"], "{stdout}");

    // The generated consumers handled kafka-python's records, to the exact value.
    wait_until(
        "kafka-python's records handled",
        Duration::from_secs(60),
        || handled.lock().unwrap_or_else(|e| e.into_inner()).len() >= 4,
    )
    .await;
    let _ = stop.send(true);
    join_runners(vec![json_run, protobuf_run], Duration::from_secs(60)).await;
    let mut got = handled.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(got.remove("dynamic.json m-1").as_ref(), Some(&value));
    assert_eq!(got.remove("dynamic.proto m-1").as_ref(), Some(&value));
    assert_eq!(got, from_python());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_array_where_a_struct_belongs_is_a_dead_letter_and_consuming_goes_on() {
    let broker = EmbeddedBroker::start().expect("broker");
    let config = embedded_config(&broker);
    // One key, so one partition: the records arrive in the order sent.
    let raw = TopicProducer::<Vec<u8>, RawBytes>::new(&config, dynamic_json::TOPIC, "foreign")
        .expect("raw producer");
    let records: [&[u8]; 5] = [
        br#"{"id": "bad-1", "stooges": [1, 2, 3]}"#,
        br#"{"id": "bad-2", "calendar": {"2000": {"04": [1, 2, 3]}}}"#,
        br#"{"id": "bad-3", "calendar": {"2000": [{"moe": 1, "larry": 2, "curly": 3}]}}"#,
        br#"[{"id": "bad-4"}]"#,
        br#"{"id": "good", "stooges": {"moe": 1, "larry": 2, "curly": 3}}"#,
    ];
    for bytes in records {
        raw.send(Some("k"), &bytes.to_vec()).await.expect("sent");
    }

    let (stop, rx) = watch::channel(false);
    let handled = Arc::new(Mutex::new(Vec::<Record<Mixed>>::new()));
    let mut consumer = dynamic_json::Consumer::new(&config, "dead-letters");
    consumer.retry_policy(fast_retries(0));
    let h = handled.clone();
    let handler = handler_fn(move |r: Record<Mixed>| {
        h.lock().unwrap_or_else(|e| e.into_inner()).push(r);
        std::future::ready(Ok::<(), HandlerError>(()))
    });
    let mut rx1 = rx.clone();
    let run = tokio::spawn(async move {
        consumer
            .run(handler, async move {
                let _ = rx1.wait_for(|s| *s).await;
            })
            .await
    });
    let dead = Arc::new(Mutex::new(Vec::<Record<Vec<u8>>>::new()));
    let reader = ConsumerRunner::<Vec<u8>, RawBytes>::new(
        &config,
        dynamic_json::DEAD_LETTER_TOPIC,
        "dead-letters",
    );
    let d = dead.clone();
    let handler = handler_fn(move |r: Record<Vec<u8>>| {
        d.lock().unwrap_or_else(|e| e.into_inner()).push(r);
        std::future::ready(Ok::<(), HandlerError>(()))
    });
    let mut rx2 = rx.clone();
    let dlq_run = tokio::spawn(async move {
        reader
            .run(handler, async move {
                let _ = rx2.wait_for(|s| *s).await;
            })
            .await
    });

    wait_until(
        "the dead letters and the good record",
        Duration::from_secs(60),
        || {
            dead.lock().unwrap_or_else(|e| e.into_inner()).len() >= 4
                && !handled.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
        },
    )
    .await;
    let _ = stop.send(true);
    run.await.expect("task").expect("consumer");
    dlq_run.await.expect("task").expect("dead-letter reader");

    let handled = handled.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(handled.len(), 1, "only the good record is handled");
    let good = &handled[0];
    assert_eq!(
        good.value,
        Mixed {
            id: "good".into(),
            stooges: Some(Stooges {
                moe: 1,
                larry: 2,
                curly: 3,
            }),
            ..Mixed::default()
        }
    );
    let dead = dead.lock().unwrap_or_else(|e| e.into_inner());
    let mut dead: Vec<&Record<Vec<u8>>> = dead.iter().collect();
    dead.sort_by_key(|r| {
        String::from_utf8_lossy(r.header(headers::ORIGINAL_OFFSET).unwrap_or_default())
            .parse::<i64>()
            .unwrap_or(-1)
    });
    let text = |r: &Record<Vec<u8>>, name: &str| {
        String::from_utf8_lossy(r.header(name).unwrap_or_default()).into_owned()
    };
    // Each dead letter is the record as sent, its error naming where the array was.
    let paths = [
        "`stooges`: invalid type: sequence, expected struct Stooges",
        "`calendar.2000.04`: invalid type: sequence, expected struct Stooges",
        "`calendar.2000`: invalid type: sequence, expected a map",
        "application/json: invalid type: sequence, expected struct Mixed",
    ];
    assert_eq!(dead.len(), 4);
    for ((record, sent), path) in dead.iter().zip(records).zip(paths) {
        assert_eq!(record.value, sent);
        assert_eq!(record.key_str(), Some("k"));
        assert_eq!(text(record, headers::ORIGINAL_TOPIC), dynamic_json::TOPIC);
        let error = text(record, headers::ERROR);
        assert!(
            error.contains("cannot decode record") && error.contains(path),
            "{error}"
        );
        // The good record came after it in the same partition, and was still handled.
        let offset: i64 = text(record, headers::ORIGINAL_OFFSET)
            .parse()
            .expect("an offset");
        assert!(offset < good.offset, "{offset} vs {}", good.offset);
        assert_eq!(
            text(record, headers::ORIGINAL_PARTITION),
            good.partition.to_string()
        );
    }
}
