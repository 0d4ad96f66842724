//! A variant with named fields has no XML-RPC form.
#[derive(rosetta::XmlRpc)]
enum Shape {
    Circle { radius: f64 },
    Square(f64),
}

fn main() {}
