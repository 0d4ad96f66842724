//! `#[__model]`, the attribute every IDL-generated type carries: the derives and container
//! attributes it expands to, per shape, through the facade at its usual path and renamed.

// The facade under another name, as `Builder::crate_path("::renamed")` generates for.
extern crate rosetta as renamed;

use rosetta::Validate;
use rosetta::xmlrpc::{FromXmlRpc, ToXmlRpc};

/// A struct with `default`: `Default`, object-only serde, `Validate`, `XmlRpc`.
#[rosetta::__model(default, xmlrpc)]
struct Product {
    #[rosetta(length(min = 1))]
    name: String,
    stock: u32,
}

/// An IDL enum: `Copy`, `Ord`, `Hash`, `Default` (its `#[default]` value), `repr(i32)`.
#[rosetta::__model(xmlrpc)]
enum Status {
    #[default]
    #[serde(rename = "ACTIVE")]
    #[rosetta(rename = "ACTIVE")]
    Active = 1,
    #[serde(rename = "GONE")]
    #[rosetta(rename = "GONE")]
    Gone = 2,
}

/// An IDL union: `Clone`, `PartialEq`, serde, `Validate`; no `XmlRpc` when not asked.
#[rosetta::__model]
enum Shape {
    #[serde(rename = "circle")]
    Circle(f64),
    #[serde(rename = "label")]
    Label(#[rosetta(length(max = 3))] String),
}

/// Through the renamed facade.
#[renamed::__model(crate = "::renamed", default)]
struct Renamed {
    id: String,
}

#[test]
fn a_struct_gets_default_validation_xmlrpc_and_object_only_json() {
    let p = Product::default();
    assert_eq!((p.name.as_str(), p.stock), ("", 0));
    let errors = p.validate().unwrap_err();
    assert_eq!(errors[0].field, "name");

    let q = Product {
        name: "tea".into(),
        stock: 3,
    };
    let back = Product::from_xmlrpc(&q.clone().to_xmlrpc()).unwrap();
    assert_eq!(back, q);

    let json = serde_json::to_string(&q).unwrap();
    assert_eq!(json, r#"{"name":"tea","stock":3}"#);
    assert_eq!(serde_json::from_str::<Product>(&json).unwrap(), q);
    // Object-only: the array form serde's derive would accept is refused.
    assert!(serde_json::from_str::<Product>(r#"["tea",3]"#).is_err());
}

#[test]
fn an_enum_is_a_copyable_ordered_protobuf_number() {
    let s = Status::default();
    assert_eq!(s, Status::Active);
    let copy = s;
    assert!(copy < Status::Gone);
    assert_eq!(Status::Gone as i32, 2);
    let mut set = std::collections::HashSet::new();
    set.insert(copy);
    assert_eq!(serde_json::to_string(&Status::Gone).unwrap(), r#""GONE""#);
    assert_eq!(
        Status::from_xmlrpc(&Status::Gone.to_xmlrpc()).unwrap(),
        Status::Gone
    );
}

#[test]
fn a_union_gets_serde_and_validation() {
    let shape = Shape::Label("long".into());
    assert_eq!(shape.clone(), shape);
    assert_eq!(
        serde_json::to_string(&shape).unwrap(),
        r#"{"label":"long"}"#
    );
    assert!(shape.validate().is_err());
    assert!(Shape::Circle(1.0).validate().is_ok());
}

#[test]
fn a_renamed_facade_is_reached_by_its_path() {
    let r = Renamed::default();
    assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"id":""}"#);
    assert!(r.validate().is_ok());
}
