//! `range` needs at least one bound, in parentheses.
#[derive(rosetta::Validate)]
struct Order {
    #[rosetta(range())]
    quantity: u32,
    #[rosetta(range)]
    price: f64,
}

fn main() {}
