//! A unit struct has no XML-RPC struct form: `struct Ping {}` is suggested.
#[derive(rosetta::XmlRpc)]
struct Ping;

fn main() {}
