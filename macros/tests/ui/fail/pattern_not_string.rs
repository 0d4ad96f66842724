//! `pattern` takes a string literal.
#[derive(rosetta::Validate)]
struct User {
    #[rosetta(pattern = 5)]
    name: String,
}

fn main() {}
