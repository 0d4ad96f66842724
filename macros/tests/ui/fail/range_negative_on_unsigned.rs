//! A negative bound on an unsigned field is reported at the bound.
#[derive(rosetta::Validate)]
struct Order {
    #[rosetta(range(min = -1))]
    quantity: u32,
}

fn main() {}
