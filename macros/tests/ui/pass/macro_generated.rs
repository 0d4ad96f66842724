//! Types declared through `macro_rules!` (the expansion must not depend on the input's hygiene).
#![deny(warnings)]

use rosetta::Validate;
use rosetta::xmlrpc::{FromXmlRpc, ToXmlRpc};

macro_rules! record {
    ($name:ident { $($field:ident : $ty:ty),* }) => {
        #[derive(Debug, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
        struct $name {
            $(
                #[rosetta(range(min = 1))]
                $field: $ty,
            )*
        }
    };
}

record!(Point { x: i32, y: Option<i64> });

fn main() {
    let p = Point { x: 0, y: Some(0) };
    let fields: Vec<String> = p.validate().unwrap_err().into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["x", "y"]);
    assert_eq!(Point::from_xmlrpc(&p.to_xmlrpc()), Ok(p));
}
