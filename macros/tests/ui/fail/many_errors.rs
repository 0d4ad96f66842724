//! Every mistake of one derive is reported in one build, and using the type adds nothing.
#[derive(rosetta::Validate, rosetta::XmlRpc)]
struct Order {
    #[rosetta(range(min = "one"))]
    quantity: u32,
    #[rosetta(lenght(max = 3))]
    id: String,
    #[rosetta(pattern = "(")]
    code: String,
}

fn main() {
    use rosetta::Validate;
    use rosetta::xmlrpc::{FromXmlRpc, ToXmlRpc, Value};
    let order = Order::from_xmlrpc(&Value::Nil).unwrap();
    let _ = order.validate();
    let _ = order.to_xmlrpc();
}
