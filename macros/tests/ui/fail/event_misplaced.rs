//! `topic` goes on the type, `rename` has no meaning there, and keys are given once; the type
//! is still usable as an `Event` elsewhere, so no follow-on errors.
#[derive(rosetta::Event)]
#[rosetta(topic = "orders", topic = "orders2", rename = "x")]
struct OrderPlaced {
    #[rosetta(topic = "nope")]
    id: String,
}

#[derive(rosetta::Validate)]
struct User {
    #[rosetta(key = id)]
    id: String,
}

fn topic<T: rosetta::kafka::Event>() -> &'static str {
    T::TOPIC
}

fn main() {
    let _ = topic::<OrderPlaced>();
}
