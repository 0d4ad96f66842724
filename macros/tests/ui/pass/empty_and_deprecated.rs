//! An empty struct, a struct whose every field is skipped, and deprecated fields: no warnings.
#![deny(warnings)]

use rosetta::Validate;
use rosetta::xmlrpc::{FromXmlRpc, ToXmlRpc, Value};

#[derive(Debug, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
struct Empty {}

struct Opaque;

#[derive(rosetta::Validate)]
struct AllSkipped {
    #[rosetta(skip)]
    a: Opaque,
    #[rosetta(skip)]
    b: Opaque,
}

#[derive(Debug, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
struct Legacy {
    #[deprecated = "use `name`"]
    #[rosetta(length(max = 3))]
    old_name: Option<String>,
    name: String,
}

fn main() {
    assert_eq!(Empty {}.validate(), Ok(()));
    assert_eq!(Empty {}.to_xmlrpc(), Value::Struct(vec![]));
    assert_eq!(Empty::from_xmlrpc(&Value::Struct(vec![])), Ok(Empty {}));
    assert!(AllSkipped { a: Opaque, b: Opaque }.validate().is_ok());
    let legacy = Legacy { name: "n".into(), ..Legacy::from_xmlrpc(&Value::structure([("name", Value::from("n"))])).unwrap() };
    assert!(legacy.validate().is_ok());
}
