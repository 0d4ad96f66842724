//! The key field must be `AsRef<str>`, or an `Option` of one; the error points at its type.
#[derive(serde::Serialize, serde::Deserialize, rosetta::Event)]
#[rosetta(topic = "orders", key = id)]
struct ByNumber {
    id: u64,
}

#[derive(serde::Serialize, serde::Deserialize, rosetta::Event)]
#[rosetta(topic = "orders", key = id)]
struct ByOptionalNumber {
    id: Option<u64>,
}

fn main() {}
