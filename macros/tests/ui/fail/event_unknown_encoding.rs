//! Only "json", "string" and "bytes" are encodings.
#[derive(rosetta::Event)]
#[rosetta(topic = "orders", encoding = "jsno")]
struct Typo {
    id: String,
}

#[derive(rosetta::Event)]
#[rosetta(topic = "orders", encoding = "avro")]
struct Avro {
    id: String,
}

fn main() {}
