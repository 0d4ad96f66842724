//! A field whose type has no `Validate` impl is reported at the field's type. (`Money` has an
//! impl for another parameter so that rustc names it instead of listing the runtime's impls,
//! which would make this file change whenever the runtime gains one.)
use rosetta::validate::{Path, Violation};

struct Money<T>(T);

impl rosetta::Validate for Money<i64> {
    fn validate_at(&self, _: &Path<'_>, _: &mut Vec<Violation>) {}
}

#[derive(rosetta::Validate)]
struct Order {
    total: Money<f64>,
    #[rosetta(skip)]
    fee: Money<f64>,
}

fn main() {}
