//! A key given twice for one field, across attributes or inside `range(...)`.
#[derive(rosetta::Validate)]
struct User {
    #[rosetta(length(max = 3))]
    #[rosetta(length(max = 4))]
    name: String,
    #[rosetta(range(min = 1, min = 2))]
    age: u32,
}

fn main() {}
