//! Kafka topic names: 1 to 249 characters of `[A-Za-z0-9._-]`.
#[derive(rosetta::Event)]
#[rosetta(topic = "orders placed")]
struct Spaced {
    id: String,
}

#[derive(rosetta::Event)]
#[rosetta(topic = "")]
struct Empty {
    id: String,
}

#[derive(rosetta::Event)]
#[rosetta(topic = "shop/orders")]
struct Slashed {
    id: String,
}

fn main() {}
