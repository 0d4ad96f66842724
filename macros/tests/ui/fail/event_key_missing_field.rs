//! `key` must name a field of the struct, unquoted.
#[derive(rosetta::Event)]
#[rosetta(topic = "orders", key = order_id)]
struct OrderPlaced {
    id: String,
    total: u64,
}

#[derive(rosetta::Event)]
#[rosetta(topic = "orders", key = "id")]
struct Quoted {
    id: String,
}

fn main() {}
