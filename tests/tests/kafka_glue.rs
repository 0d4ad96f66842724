//! What the Kafka glue macros (`__kafka_topic!`, `__kafka_handler!`, `__proto!`) expand to,
//! on the shapes of `idl/kafka_glue.idl`, without a broker: the topic constants and encodings,
//! the key read through nested unions, dispatch to the handler method of each variant (through a
//! `Box`, an `Arc`, and `handler_fn` for a plain value), and the protobuf wire format of enums,
//! optionals, maps, keyword-named fields, recursive unions and its errors.

use std::sync::{Arc, Mutex};

use rosetta::kafka::{
    Dispatch, Encoding, HandlerError, ProtobufMessage, Record, Topic as _, handler_fn,
};

#[allow(dead_code)]
mod fixture {
    rosetta::include_idl!("kafkaglue");
}

use fixture::{
    Branch, Colour, Inner, Outer, Result as Leaf, Tree, Wrapper, glue_blobs, glue_outer, glue_tree,
};

fn leaf(id: &str) -> Leaf {
    Leaf {
        id: id.into(),
        colour: Colour::Green,
        note: Some(String::new()),
        tags: [("a".to_string(), -1), ("b".to_string(), 0)].into(),
        r#type: "t".into(),
        sizes: vec![0, 1, u32::MAX],
    }
}

fn record<T>(value: T) -> Record<T> {
    Record {
        topic: "t".into(),
        partition: 3,
        offset: 7,
        key: Some(b"k".to_vec()),
        value,
        headers: Vec::new(),
        timestamp_ms: Some(1),
        attempt: 0,
    }
}

#[test]
fn topic_constants_name_the_topic_its_dead_letter_topic_type_and_encoding() {
    assert_eq!(glue_outer::TOPIC, "glue.outer");
    assert_eq!(glue_outer::DEAD_LETTER_TOPIC, "glue.outer.dlq");
    assert_eq!(glue_outer::VALUE_TYPE, "kafkaglue.Outer");
    assert_eq!(glue_outer::CONTENT_TYPE, "application/x-protobuf");
    assert_eq!(
        <glue_outer::Topic as rosetta::kafka::Topic>::NAME,
        "glue.outer"
    );
    assert_eq!(
        <glue_outer::Topic as rosetta::kafka::Topic>::DEAD_LETTER_TOPIC,
        rosetta::kafka::dead_letter_topic("glue.outer")
    );
    assert_eq!(glue_blobs::VALUE_TYPE, "list<bytes>");
    assert_eq!(
        glue_blobs::CONTENT_TYPE,
        <glue_blobs::Encoding as Encoding<glue_blobs::Value>>::CONTENT_TYPE
    );
    assert_eq!(
        glue_tree::CONTENT_TYPE,
        <glue_tree::Encoding as Encoding<glue_tree::Value>>::CONTENT_TYPE
    );
}

#[test]
fn the_key_is_read_through_every_variant_and_nested_union() {
    let cases = [
        (Outer::Top(leaf("top")), "top"),
        (Outer::Inner(Inner::First(leaf("first"))), "first"),
        (
            Outer::Inner(Inner::Second(Branch {
                id: "second".into(),
                children: Vec::new(),
            })),
            "second",
        ),
        (Outer::Type(leaf("kw")), "kw"),
        (
            Outer::Wrapped(Wrapper {
                id: "w".into(),
                r#type: leaf("x"),
                number: 0,
                reader: None,
                wire: Vec::new(),
            }),
            "w",
        ),
    ];
    for (value, key) in cases {
        assert_eq!(glue_outer::Topic::key(&value), Some(key));
    }
    // Keyed by the caller: no key from the value.
    assert_eq!(glue_tree::Topic::key(&Tree::Leaf(leaf("l"))), None);
}

/// Records which handler method saw which record.
#[derive(Default)]
struct Seen(Mutex<Vec<String>>);

impl Seen {
    fn push(&self, what: String) -> std::result::Result<(), HandlerError> {
        self.0.lock().expect("lock").push(what);
        Ok(())
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().expect("lock"))
    }
}

impl glue_tree::Handler for Seen {
    async fn leaf(&self, record: Record<Leaf>) -> std::result::Result<(), HandlerError> {
        self.push(format!("leaf {} @{}", record.value.id, record.offset))
    }

    async fn branch(&self, record: Record<Branch>) -> std::result::Result<(), HandlerError> {
        self.push(format!(
            "branch {} {}",
            record.value.id,
            record.value.children.len()
        ))
    }

    async fn nested(&self, record: Record<Tree>) -> std::result::Result<(), HandlerError> {
        let key = record.key_str().map(str::to_string);
        let inner = match record.value {
            Tree::Leaf(l) => l.id,
            other => format!("{other:?}"),
        };
        self.push(format!("nested {inner} key {key:?}"))
    }

    async fn tombstone(&self, record: Record<()>) -> std::result::Result<(), HandlerError> {
        self.push(format!("tombstone {:?}", record.key_str()))
    }
}

impl glue_outer::Handler for Seen {
    async fn top(&self, record: Record<Leaf>) -> std::result::Result<(), HandlerError> {
        self.push(format!("top {}", record.value.id))
    }

    async fn inner(&self, record: Record<Inner>) -> std::result::Result<(), HandlerError> {
        self.push(format!("inner {:?}", record.value))
    }

    async fn r#type(&self, record: Record<Leaf>) -> std::result::Result<(), HandlerError> {
        self.push(format!("type {}", record.value.id))
    }

    async fn wrapped(&self, record: Record<Wrapper>) -> std::result::Result<(), HandlerError> {
        self.push(format!("wrapped {}", record.value.id))
    }
}

#[tokio::test]
async fn each_variant_reaches_its_method_unboxed_and_through_an_arc() {
    let seen = Arc::new(Seen::default());
    let handler = Arc::clone(&seen);
    for value in [
        Tree::Leaf(leaf("a")),
        Tree::Branch(Branch {
            id: "b".into(),
            children: vec![Tree::Leaf(leaf("c"))],
        }),
        Tree::Nested(Box::new(Tree::Leaf(leaf("d")))),
    ] {
        <glue_tree::Topic as Dispatch<Arc<Seen>>>::handle(&handler, record(value))
            .await
            .expect("handled");
    }
    <glue_tree::Topic as Dispatch<Arc<Seen>>>::tombstone(&handler, record(()))
        .await
        .expect("tombstone");
    assert_eq!(
        seen.take(),
        [
            "leaf a @7",
            "branch b 1",
            "nested d key Some(\"k\")",
            "tombstone Some(\"k\")"
        ]
    );

    <glue_outer::Topic as Dispatch<Seen>>::handle(&seen, record(Outer::Type(leaf("kw"))))
        .await
        .expect("handled");
    <glue_outer::Topic as Dispatch<Seen>>::handle(&seen, record(Outer::Top(leaf("t"))))
        .await
        .expect("handled");
    // Not overridden: the default accepts the tombstone.
    <glue_outer::Topic as Dispatch<Seen>>::tombstone(&seen, record(()))
        .await
        .expect("default tombstone");
    assert_eq!(seen.take(), ["type kw", "top t"]);
}

#[tokio::test]
async fn a_plain_value_topic_takes_a_closure_as_its_handler() {
    let seen = Arc::new(Seen::default());
    let sink = Arc::clone(&seen);
    let handler = handler_fn(move |record: Record<Vec<Vec<u8>>>| {
        let sink = Arc::clone(&sink);
        async move { sink.push(format!("{:?}", record.value)) }
    });
    <glue_blobs::Topic as Dispatch<_>>::handle(&handler, record(vec![vec![1u8, 2]]))
        .await
        .expect("handled");
    assert_eq!(seen.take(), ["[[1, 2]]"]);
}

#[test]
fn a_json_topic_of_bytes_writes_base64_strings() {
    type E = glue_blobs::Encoding;
    let value: glue_blobs::Value = vec![vec![0, 255], Vec::new()];
    let bytes = <E as Encoding<glue_blobs::Value>>::encode(&value).expect("encode");
    assert_eq!(bytes, br#"["AP8=",""]"#);
    assert_eq!(
        <E as Encoding<glue_blobs::Value>>::decode(&bytes).expect("decode"),
        value
    );
    assert!(<E as Encoding<glue_blobs::Value>>::decode(b"[[0, 255]]").is_err());
}

#[test]
fn protobuf_round_trips_every_shape() {
    let values = [
        Outer::Top(leaf("a")),
        Outer::Inner(Inner::Second(Branch {
            id: "b".into(),
            children: vec![
                Tree::Nested(Box::new(Tree::Leaf(leaf("c")))),
                Tree::Branch(Branch {
                    id: "d".into(),
                    children: Vec::new(),
                }),
            ],
        })),
        Outer::Type(Leaf {
            id: String::new(),
            colour: Colour::Red,
            note: None,
            tags: Default::default(),
            r#type: String::new(),
            sizes: Vec::new(),
        }),
        Outer::Wrapped(Wrapper {
            id: "w".into(),
            r#type: leaf("x"),
            number: -5,
            reader: Some("r".into()),
            wire: vec![-1, 0, 1],
        }),
    ];
    for value in values {
        let bytes = value.encode_proto();
        assert_eq!(Outer::decode_proto(&bytes).expect("decode"), value);
    }
}

#[test]
fn protobuf_writes_the_bytes_of_the_proto_schema() {
    // `Result { id = "i"; colour = GREEN; note = ""; tags = {"a": 1}; type = "t"; sizes = [1, 2] }`,
    // written by hand from the .proto: proto3 implicit presence skips defaults, `optional`
    // writes its empty string, a map entry is a message, `repeated u32` is packed.
    let value = Leaf {
        id: "i".into(),
        colour: Colour::Green,
        note: Some(String::new()),
        tags: [("a".to_string(), 1)].into(),
        r#type: "t".into(),
        sizes: vec![1, 2],
    };
    let expected = [
        0x0a, 1, b'i', // id
        0x10, 1, // colour
        0x1a, 0, // note
        0x22, 5, 0x0a, 1, b'a', 0x10, 1, // tags
        0x2a, 1, b't', // type
        0x32, 2, 1, 2, // sizes, packed
    ];
    assert_eq!(value.encode_proto(), expected);
    assert_eq!(Leaf::decode_proto(&expected).expect("decode"), value);
}

#[test]
fn protobuf_errors_name_the_union_enum_and_keyword_field() {
    let err = Outer::decode_proto(&[]).expect_err("no variant");
    assert_eq!(err, "no variant of union `kafkaglue.Outer` is set");
    let err = Leaf::decode_proto(&[0x10, 5]).expect_err("unknown colour");
    assert_eq!(err, "5 is not a value of enum `kafkaglue.Colour`");
    // `Wrapper.type` is a message: absent, it is an error named by its IDL name.
    let err = Wrapper::decode_proto(&[0x0a, 1, b'w']).expect_err("missing");
    assert_eq!(err, "missing required field `Wrapper.type`");
}
