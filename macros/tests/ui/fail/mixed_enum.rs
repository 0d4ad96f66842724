//! Unit variants and variants holding a value cannot share one XML-RPC form.
#[derive(rosetta::XmlRpc)]
enum Answer {
    Unknown,
    Number(i32),
    Text(String),
}

fn main() {}
