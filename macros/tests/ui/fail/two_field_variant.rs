//! A variant holding two values, or none in parentheses.
#[derive(rosetta::XmlRpc)]
enum Shape {
    Rect(f64, f64),
    Square(f64),
    Nothing(),
}

fn main() {}
