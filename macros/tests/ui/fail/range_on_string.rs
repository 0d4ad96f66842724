//! `range` on a type that is not `Copy` is reported at the field type.
#[derive(rosetta::Validate)]
struct Order {
    #[rosetta(range(min = 1))]
    id: String,
}

fn main() {}
