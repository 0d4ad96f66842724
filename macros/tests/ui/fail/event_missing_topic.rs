//! `#[derive(Event)]` without a topic, and with a misspelt key that would have been it.
#[derive(rosetta::Event)]
struct OrderPlaced {
    id: String,
}

#[derive(rosetta::Event)]
#[rosetta(topik = "orders")]
struct OrderShipped {
    id: String,
}

fn main() {}
