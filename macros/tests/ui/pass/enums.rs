//! Unit enums, unions, a mixed enum (Validate only) and an empty enum.
#![deny(warnings)]

use rosetta::Validate;
use rosetta::xmlrpc::{FromXmlRpc, ToXmlRpc, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, rosetta::Validate, rosetta::XmlRpc)]
enum Status {
    #[rosetta(rename = "ACTIVE")]
    Active,
    Suspended = 7,
    r#Match,
}

#[derive(Debug, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
struct Card {
    #[rosetta(pattern = "^[0-9]{16}$")]
    number: String,
}

#[derive(Debug, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
enum Payment {
    CreditCard(Card),
    #[rosetta(rename = "iban")]
    BankTransfer(#[rosetta(length(min = 15, max = 34))] String),
    Voucher(Box<Payment>),
    Nothing(Option<i32>),
}

#[derive(rosetta::Validate)]
enum Mixed {
    None,
    Some(#[rosetta(range(min = 1))] i32),
}

#[derive(Debug, rosetta::Validate, rosetta::XmlRpc)]
enum Never {}

fn main() {
    assert_eq!(Status::Active.to_xmlrpc(), Value::from("ACTIVE"));
    assert_eq!(Status::r#Match.to_xmlrpc(), Value::from("Match"));
    assert_eq!(Status::from_xmlrpc(&Value::from("Suspended")), Ok(Status::Suspended));
    assert_eq!(Status::Active.validate(), Ok(()));

    let p = Payment::Voucher(Box::new(Payment::BankTransfer("DE00".into())));
    assert_eq!(p.validate().unwrap_err()[0].field, "voucher.iban");
    assert_eq!(Payment::from_xmlrpc(&p.to_xmlrpc()), Ok(p));
    assert!(Payment::Nothing(None).validate().is_ok());

    assert!(Mixed::None.validate().is_ok());
    assert_eq!(Mixed::Some(0).validate().unwrap_err()[0].field, "some");

    assert!(Never::from_xmlrpc(&Value::from("x")).is_err());
    let _: fn(&Never) -> Result<(), Vec<rosetta::Violation>> = Never::validate;
}
