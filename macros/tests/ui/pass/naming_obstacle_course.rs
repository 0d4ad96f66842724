//! The expansion keeps working when prelude names and `rosetta` are shadowed by the user's
//! items, and with keywords as type, field and variant names.
#![deny(warnings)]
#![allow(non_camel_case_types, dead_code)]

mod rosetta {}
struct Option;
struct Some;
struct None;
struct Result;
struct Ok;
struct Err;
struct Vec;
struct String;
struct Box;

#[derive(::rosetta::Validate, ::rosetta::XmlRpc)]
struct r#struct {
    #[rosetta(length(max = 5))]
    r#type: std::string::String,
    #[rosetta(range(min = 0))]
    r#match: std::option::Option<i32>,
    r#fn: std::vec::Vec<r#enum>,
}

#[derive(::rosetta::Validate, ::rosetta::XmlRpc)]
enum r#enum {
    r#Type,
    Some,
    None,
}

#[derive(::rosetta::Validate, ::rosetta::XmlRpc)]
enum r#union {
    Ok(std::boxed::Box<r#struct>),
    Err(#[rosetta(pattern = "^E")] std::string::String),
}

fn main() {
    use ::rosetta::Validate;
    use ::rosetta::xmlrpc::{FromXmlRpc, ToXmlRpc};
    let s = r#struct { r#type: "x".into(), r#match: std::option::Option::None, r#fn: vec![r#enum::r#Type] };
    assert!(s.validate().is_ok());
    let v = s.to_xmlrpc();
    assert_eq!(v.get("type").and_then(|v| v.as_str()), std::option::Option::Some("x"));
    assert_eq!(v.get("fn").and_then(|v| v.as_array()).map(|a| a.len()), std::option::Option::Some(1));
    assert!(r#struct::from_xmlrpc(&v).is_ok());
    assert!(r#union::from_xmlrpc(&r#union::Err("E1".into()).to_xmlrpc()).is_ok());
}
