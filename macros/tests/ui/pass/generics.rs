//! Type parameters get `T: Validate` / `T: ToXmlRpc` / `T: FromXmlRpc` bounds.
#![deny(warnings)]

use std::fmt::Debug;

use rosetta::Validate;
use rosetta::xmlrpc::{FromXmlRpc, ToXmlRpc};

#[derive(Debug, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
struct Page<T>
where
    T: Debug,
{
    #[rosetta(length(max = 2))]
    items: Vec<T>,
    next: Option<String>,
}

#[derive(Debug, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
enum Either<L, R: Clone> {
    Left(L),
    Right(R),
}

#[derive(rosetta::Validate)]
struct Borrowed<'a, const N: usize> {
    #[rosetta(length(max = 3))]
    name: String,
    #[rosetta(skip)]
    codes: [u8; N],
    #[rosetta(skip)]
    origin: std::marker::PhantomData<&'a ()>,
}

fn main() {
    let page = Page { items: vec![Either::<i32, String>::Left(1), Either::Right("r".into())], next: None };
    assert!(page.validate().is_ok());
    assert_eq!(Page::from_xmlrpc(&page.to_xmlrpc()), Ok(page));

    let b = Borrowed { name: "abcd".into(), codes: [1, 2], origin: std::marker::PhantomData };
    assert_eq!(b.validate().unwrap_err()[0].field, "name");
}
