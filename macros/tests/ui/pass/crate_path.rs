//! `#[rosetta(crate = "...")]` for crates reaching the runtime by another path.
#![deny(warnings)]

use rosetta_runtime::Validate;
use rosetta_runtime::xmlrpc::{FromXmlRpc, ToXmlRpc};

#[derive(Debug, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
#[rosetta(crate = "::rosetta_runtime")]
struct Direct {
    #[rosetta(range(min = 1))]
    n: i32,
    inner: Hidden,
}

#[derive(Debug, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
#[rosetta(crate = "::rosetta::__private::rosetta_runtime")]
enum Hidden {
    A,
    B,
}

mod renamed {
    pub use ::rosetta as rs;
}

#[derive(rosetta::Validate)]
#[rosetta(crate = "crate::renamed::rs")]
struct Relative {
    #[rosetta(length(max = 1))]
    s: String,
}

fn main() {
    let d = Direct { n: 0, inner: Hidden::B };
    assert_eq!(d.validate().unwrap_err()[0].field, "n");
    assert_eq!(Direct::from_xmlrpc(&d.to_xmlrpc()), Ok(d));
    assert!(Relative { s: "ab".into() }.validate().is_err());
}
