//! A field whose type has no `ToXmlRpc`/`FromXmlRpc` impl is reported at the field's type (the
//! inner type for an `Option`). (`Money` has impls for another parameter so that rustc names
//! them instead of listing the runtime's impls, which change as the runtime grows.)
use rosetta::xmlrpc::{FromXmlRpc, ToXmlRpc, Value, ValueError};

struct Money<T>(T);

impl ToXmlRpc for Money<i64> {
    fn to_xmlrpc(&self) -> Value {
        Value::from(self.0)
    }
}

impl FromXmlRpc for Money<i64> {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        i64::from_xmlrpc(v).map(Money)
    }
}

#[derive(rosetta::XmlRpc)]
struct Order {
    total: Money<f64>,
    tip: Option<Money<f64>>,
}

fn main() {}
