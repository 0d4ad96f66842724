//! Malformed values: a crate path that is not a path, a rename that is not a string or is empty, `skip = true`, a bare `#[rosetta]`.
#[derive(rosetta::Validate)]
#[rosetta(crate = "not a path!")]
struct User {
    #[rosetta(rename = user_name)]
    name: String,
    #[rosetta(rename = "")]
    nick: String,
    #[rosetta(skip = true)]
    extra: String,
    #[rosetta]
    other: String,
}

fn main() {}
