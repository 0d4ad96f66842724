//! A tuple struct has no field names for violation paths; using the type adds no error.
#[derive(rosetta::Validate)]
struct Meters(#[rosetta(range(min = 0))] f64);

fn main() {
    // The fallback impl keeps this call free of follow-on errors.
    let _ = rosetta::Validate::validate(&Meters(1.0));
}
