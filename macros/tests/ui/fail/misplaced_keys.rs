//! Keys written where they do not apply say where they belong (reported once with both derives).
#[derive(rosetta::Validate, rosetta::XmlRpc)]
#[rosetta(rename = "Customer")]
enum Kind {
    #[rosetta(length(max = 3))]
    Person(String),
    Company(#[rosetta(rename = "company")] String),
}

#[derive(rosetta::Validate)]
struct User {
    #[rosetta(crate = "::rosetta")]
    name: String,
}

fn main() {}
