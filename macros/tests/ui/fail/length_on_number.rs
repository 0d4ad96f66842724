//! `length` on a type without a length is reported at the field type.
#[derive(rosetta::Validate)]
struct User {
    #[rosetta(length(max = 3))]
    age: u32,
}

fn main() {}
