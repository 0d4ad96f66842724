//! Every container shape through the generated gRPC codec (`idl/grpc_shapes.idl`): containers
//! in containers (the wrapper messages .proto nests), union members that are containers,
//! optionals or dynamic values, unions in maps, optional and recursive fields, timestamps and
//! dynamic values at depth. prost's messages for the emitted `.proto` read a value's bytes and
//! write them back unchanged, the value goes through the generated adapter and client over the
//! wire, and a bad value deep inside is reported at its full path. (Union members that are containers once did not compile at all:
//! the absent-member `#[serde(default)]` of fields was put on variants too.)

use std::collections::BTreeMap;

use rosetta::__private::prost::Message;
use rosetta::{Context, Status, Timestamp, Value};
use rosetta_tests::RunningServer;

// Only what the tests use is used.
#[allow(dead_code)]
mod grpc {
    pub mod shapes {
        rosetta::include_idl!("grpc.shapes");
    }
}

use grpc::shapes::{Day, Deep, Nest, Node, Shape, nest, proto};

/// The service: echoes, and flattens `Many`'s map into one list per key.
struct Echo;

impl Nest for Echo {
    async fn echo(&self, _: Context, request: Deep) -> Result<Deep, Status> {
        Ok(request)
    }

    async fn many(
        &self,
        _: Context,
        a: Vec<Vec<Day>>,
        b: BTreeMap<String, Vec<Deep>>,
    ) -> Result<Vec<Vec<Deep>>, Status> {
        assert_eq!(a, [vec![Day::Mon, Day::Tue], vec![]]);
        Ok(b.into_values().collect())
    }
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix(seconds, 0).expect("in range")
}

fn deep() -> Deep {
    let leaf = |label: &str| Node {
        label: label.into(),
        next: None,
        children: vec![],
    };
    Deep {
        a: vec![
            vec![[("k".to_string(), vec![Some(1), None, Some(-3)])].into()],
            vec![],
        ],
        b: Some(vec![[("d".to_string(), Day::Tue)].into(), BTreeMap::new()]),
        c: [(
            "x".to_string(),
            [(
                "y".to_string(),
                [
                    ("z".to_string(), Shape::Day(Day::Tue)),
                    ("w".to_string(), Shape::Node(leaf("w"))),
                    ("v".to_string(), Shape::At(at(86_400))),
                ]
                .into(),
            )]
            .into(),
        )]
        .into(),
        d: vec![Some(vec![0, 255]), None, Some(vec![])],
        e: [
            ("t".to_string(), Some(at(1_700_000_000))),
            ("n".to_string(), None),
        ]
        .into(),
        f: vec![Value::Int(3), Value::String("s".into()), Value::Nil],
        g: Some([("v".to_string(), Value::Bool(true))].into()),
        h: vec![
            Shape::Day(Day::Tue),
            Shape::Node(leaf("h")),
            Shape::Days(vec![Day::Tue, Day::Mon]),
            Shape::Days(vec![]),
            Shape::Deep([("q".to_string(), vec![Day::Mon])].into()),
            Shape::Maybe(Some(leaf("m"))),
            Shape::Maybe(None),
            Shape::V(Value::Int(1)),
        ],
        node: Some(Node {
            label: "root".into(),
            next: Some(Box::new(Node {
                label: "second".into(),
                next: Some(Box::new(leaf("third"))),
                children: vec![leaf("c")],
            })),
            children: vec![leaf("a"), leaf("b")],
        }),
    }
}

#[test]
fn every_shape_round_trips_through_its_prost_message() {
    rosetta_tests::prost_agrees::<Deep, proto::Deep>(&deep(), false);
    rosetta_tests::prost_agrees::<Deep, proto::Deep>(&Deep::default(), true);
}

#[test]
fn union_members_that_are_containers_round_trip_as_json() {
    for shape in deep().h {
        let json = serde_json::to_string(&shape).unwrap();
        assert_eq!(
            serde_json::from_str::<Shape>(&json).unwrap(),
            shape,
            "{json}"
        );
    }
}

/// `message` (a prost `Deep` made wrong) as Rosetta's codec refuses it: the violation a gRPC
/// server answers with.
fn refusal(message: &proto::Deep) -> rosetta::Violation {
    let err = rosetta::proto::decode::<Deep>(&message.encode_to_vec()).unwrap_err();
    rosetta::grpc::codec::violation(&err)
}

#[test]
fn a_bad_value_deep_inside_is_reported_at_its_path() {
    let prost_of = |value: &Deep| {
        proto::Deep::decode(&rosetta::proto::encode(value)[..]).expect("prost reads it")
    };
    // An undeclared enum number in `b[0]["d"]` (a map inside a list inside an optional: two
    // wrapper messages deep).
    let mut bad = deep();
    bad.b = Some(vec![[("d".to_string(), Day::Mon)].into()]);
    let mut message = prost_of(&bad);
    let list = message.b.as_mut().expect("b is set");
    let map = list.items.first_mut().expect("one map");
    map.entries.insert("d".to_string(), 7);
    let err = refusal(&message);
    assert_eq!(err.field, r#"b[0]["d"]"#);
    assert_eq!(err.rule, "proto");
    assert!(err.message.contains("7 is not a value of enum"), "{err:?}");

    // A union with no member set, inside three maps.
    let mut message = prost_of(&deep());
    let shape = message
        .c
        .get_mut("x")
        .and_then(|m| m.entries.get_mut("y"))
        .and_then(|m| m.entries.get_mut("z"))
        .expect("c.x.y.z");
    shape.shape = None;
    assert_eq!(refusal(&message).field, r#"c["x"]["y"]["z"]"#);
}

#[test]
fn every_shape_through_the_adapter_and_the_client() {
    let server =
        RunningServer::start(rosetta::server::Server::new().mount(nest::Server::new(Echo)));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = nest::GrpcClient::connect(server.url()).await.unwrap();
        assert_eq!(client.echo(deep()).await.unwrap(), deep());
        let many = client
            .many(
                vec![vec![Day::Mon, Day::Tue], vec![]],
                [
                    ("one".to_string(), vec![deep()]),
                    ("none".to_string(), vec![]),
                ]
                .into(),
            )
            .await
            .unwrap();
        // Values in key order: "none" before "one".
        assert_eq!(many, [vec![], vec![deep()]]);
    });
}
