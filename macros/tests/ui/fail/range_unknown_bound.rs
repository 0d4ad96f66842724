//! `range` takes only `min` and `max`.
#[derive(rosetta::Validate)]
struct Order {
    #[rosetta(range(minimum = 1, max = 10))]
    quantity: u32,
}

fn main() {}
