//! A struct using every field attribute, deriving both macros.
#![deny(warnings)]

use rosetta::Validate;
use rosetta::xmlrpc::{FromXmlRpc, ToXmlRpc};

#[derive(Debug, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
struct Signup {
    #[rosetta(length(min = 3, max = 16), pattern = "^[a-z][a-z0-9_]*$")]
    login: String,
    #[rosetta(rename = "emailAddress")]
    #[rosetta(length(max = 254))]
    email: String,
    #[rosetta(range(min = 13))]
    age: u32,
    #[rosetta(range(min = -90, max = 90))]
    latitude: f64,
    #[rosetta(range(max = 1.5e3))]
    height_cm: Option<f64>,
    #[rosetta(length(min = 1), skip)]
    tags: Vec<String>,
    #[rosetta(range(min = -10, max = 10))]
    offset: i64,
    #[rosetta(pattern = r"^\+?[0-9 ]+$", length(max = 20))]
    phone: Option<String>,
    #[rosetta(length(min = 0x1, max = 1_000))]
    r#type: String,
}

fn main() {
    let s = Signup {
        login: "ada_l".into(),
        email: "ada@example.org".into(),
        age: 36,
        latitude: 51.5,
        height_cm: None,
        tags: vec!["x".into()],
        offset: -3,
        phone: Some("+44 20".into()),
        r#type: "person".into(),
    };
    assert_eq!(s.validate(), Ok(()));
    assert_eq!(Signup::from_xmlrpc(&s.to_xmlrpc()), Ok(s));
}
