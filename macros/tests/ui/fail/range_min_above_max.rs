//! A `range` or `length` no value could pass.
#[derive(rosetta::Validate)]
struct Order {
    #[rosetta(range(min = 10, max = -1))]
    quantity: i32,
    #[rosetta(length(min = 5, max = 2))]
    note: String,
}

fn main() {}
