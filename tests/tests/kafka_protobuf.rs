//! The `protobuf` topic encoding against the gRPC side's prost types: the Kafka codec generated
//! for the types `shop.orders` carries writes the bytes prost writes for the same messages (from the emitted
//! `.proto`), and each reads what the other wrote — so a consumer in another language can decode
//! `shop.orders` with the `.proto` that `rosetta generate --target proto` emits.

use rosetta::Timestamp;
use rosetta::kafka::ProtobufMessage;
use rosetta_examples::shop::common::Money;
use rosetta_examples::shop::v1::{Order, OrderLine, proto};

fn order() -> Order {
    Order {
        id: "o1".into(),
        customer_email: "a@example.com".into(),
        lines: vec![
            OrderLine {
                product_id: "p1".into(),
                quantity: 3,
            },
            OrderLine {
                product_id: "p2".into(),
                quantity: -1,
            },
        ],
        total: Money {
            amount_minor: -7_499,
            currency: "EUR".into(),
        },
        placed_at: Timestamp::from_unix(-86_400, 999_999_999).unwrap_or_default(),
    }
}

fn check<D, P>(value: D)
where
    D: ProtobufMessage + rosetta::proto::ProtoMessage + PartialEq + std::fmt::Debug,
    P: rosetta::__private::prost::Message + Default,
{
    rosetta_tests::prost_agrees::<D, P>(&value, true);
    // The topic's codec is the same encoding.
    assert_eq!(value.encode_proto(), rosetta::proto::encode(&value));
    assert_eq!(D::decode_proto(&value.encode_proto()).as_ref(), Ok(&value));
}

#[test]
fn the_kafka_protobuf_codec_writes_what_prost_writes() {
    check::<Order, proto::Order>(order());
    let mut zero = order();
    zero.lines.clear();
    zero.total.amount_minor = 0;
    zero.placed_at = Timestamp::UNIX_EPOCH;
    check::<Order, proto::Order>(zero);
    check::<OrderLine, proto::OrderLine>(OrderLine::default());
    check::<Money, rosetta_examples::shop::common::proto::Money>(Money::default());
}
