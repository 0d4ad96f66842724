//! `length` bounds cannot be negative.
#[derive(rosetta::Validate)]
struct User {
    #[rosetta(length(min = -1))]
    name: String,
}

fn main() {}
