//! `encoding = "string"` and `"bytes"` need a struct with exactly one field.
#[derive(rosetta::Event)]
#[rosetta(topic = "pairs", encoding = "string")]
struct Pair(String, String);

#[derive(rosetta::Event)]
#[rosetta(topic = "levels", encoding = "bytes")]
enum Level {
    Low,
}

fn main() {}
