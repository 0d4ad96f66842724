//! `range` bounds are number literals.
#[derive(rosetta::Validate)]
struct Order {
    #[rosetta(range(min = "x"))]
    quantity: u32,
}

fn main() {}
