//! An unknown key lists the keys allowed there.
#[derive(rosetta::XmlRpc)]
struct User {
    #[rosetta(default)]
    name: String,
}

fn main() {}
