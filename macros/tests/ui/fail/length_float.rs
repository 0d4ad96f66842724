//! `length` bounds are whole numbers.
#[derive(rosetta::Validate)]
struct User {
    #[rosetta(length(max = 2.5))]
    name: String,
}

fn main() {}
