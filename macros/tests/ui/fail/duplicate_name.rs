//! Two fields or variants with one wire name.
#[derive(rosetta::XmlRpc)]
struct User {
    #[rosetta(rename = "name")]
    full_name: String,
    name: String,
}

#[derive(rosetta::XmlRpc)]
enum Status {
    Active,
    #[rosetta(rename = "Active")]
    Enabled,
}

fn main() {}
