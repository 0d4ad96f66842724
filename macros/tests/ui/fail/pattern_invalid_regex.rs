//! A regex that does not compile is reported at the string, with what is wrong.
#[derive(rosetta::Validate)]
struct User {
    #[rosetta(pattern = "^[a-z+$")]
    name: String,
    #[rosetta(pattern = "(?P<x>a)(?P<x>b)")]
    code: String,
}

fn main() {}
