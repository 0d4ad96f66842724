//! Every form `#[derive(Event)]` accepts, with its constants, key and encoding checked.
use rosetta::kafka::{Encoding, Event, Json, RawBytes, Utf8String};

#[derive(serde::Serialize, serde::Deserialize, rosetta::Event, rosetta::Validate)]
#[rosetta(topic = "shop.orders-placed_v1", key = order_id)]
struct OrderPlaced {
    #[rosetta(length(min = 1))]
    order_id: String,
    total_cents: u64,
}

#[derive(serde::Serialize, serde::Deserialize, rosetta::Event)]
#[rosetta(topic = "carts", key = r#ref, encoding = "json")]
struct CartChanged {
    r#ref: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize, rosetta::Event)]
#[rosetta(topic = "audit")]
enum Audit {
    Login { user: String },
    Logout,
}

#[derive(Debug, PartialEq, rosetta::Event)]
#[rosetta(topic = "greetings", encoding = "string")]
struct Greeting(String);

#[derive(Debug, PartialEq, rosetta::Event)]
#[rosetta(topic = "names", encoding = "string", key = name)]
struct Name {
    name: String,
}

#[derive(Debug, PartialEq, rosetta::Event)]
#[rosetta(topic = "blobs", encoding = "bytes")]
struct Blob(Vec<u8>);

#[derive(serde::Serialize, serde::Deserialize, rosetta::Event)]
#[rosetta(crate = "::rosetta_runtime", topic = "direct")]
struct Direct {
    n: i32,
}

#[derive(serde::Serialize, serde::Deserialize, rosetta::Event)]
#[rosetta(topic = "wrapped", key = id)]
struct Wrapped<T> {
    id: String,
    value: T,
}

fn encoding_of<T: Event>() -> &'static str {
    <T::Encoding as Encoding<T>>::CONTENT_TYPE
}

fn main() {
    assert_eq!(OrderPlaced::TOPIC, "shop.orders-placed_v1");
    assert_eq!(OrderPlaced::TYPE_NAME, "OrderPlaced");
    let order = OrderPlaced { order_id: "o-1".into(), total_cents: 5 };
    assert_eq!(order.key(), Some("o-1"));
    assert_eq!(encoding_of::<OrderPlaced>(), "application/json");

    assert_eq!(CartChanged { r#ref: None }.key(), None);
    assert_eq!(CartChanged { r#ref: Some("c".into()) }.key(), Some("c"));

    assert_eq!(Audit::TOPIC, "audit");
    assert_eq!(Audit::Logout.key(), None);
    let _ = Audit::Login { user: String::new() };

    assert_eq!(Greeting::TYPE_NAME, "Greeting");
    assert_eq!(encoding_of::<Greeting>(), "text/plain; charset=utf-8");
    let bytes = <Utf8String as Encoding<Greeting>>::encode(&Greeting("hi".into())).unwrap();
    assert_eq!(bytes, b"hi");
    assert_eq!(<Utf8String as Encoding<Greeting>>::decode(b"hi").unwrap(), Greeting("hi".into()));

    let name = Name { name: "x".into() };
    assert_eq!(name.key(), Some("x"));
    assert_eq!(<Utf8String as Encoding<Name>>::encode(&name).unwrap(), b"x");

    let blob = Blob(vec![0, 255]);
    assert_eq!(blob.key(), None);
    assert_eq!(<RawBytes as Encoding<Blob>>::encode(&blob).unwrap(), [0, 255]);
    assert_eq!(<RawBytes as Encoding<Blob>>::decode(&[1]).unwrap(), Blob(vec![1]));

    assert_eq!(<Direct as rosetta_runtime::kafka::Event>::TOPIC, "direct");
    let _ = <Json as Encoding<Direct>>::CONTENT_TYPE;

    let wrapped = Wrapped { id: "w".into(), value: 3u8 };
    assert_eq!(wrapped.key(), Some("w"));
    assert_eq!(Wrapped::<u8>::TYPE_NAME, "Wrapped");
}
