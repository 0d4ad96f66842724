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

// The compact `Deserialize` `__model` writes for a struct, next to serde's derive (the old
// expansion: `remote = "Self"` plus `__object_only_serde!`) on the same fields: every input below
// must decode to the same value or fail with the same message, through serde_json, through
// `serde_json::Value` and through the path-naming `json::from_slice` REST and Kafka use.

/// A custom `deserialize_with` (not one of the runtime's seeds): read through a seed of its own.
fn doubled<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    <i32 as serde::Deserialize>::deserialize(d).map(|v| v * 2)
}

fn seven() -> u8 {
    7
}

/// The same struct twice: `$new` through `__model`, `$old` through serde's derive.
macro_rules! twins {
    ($new:ident, $old:ident, $nested_new:ty, $nested_old:ty) => {
        #[rosetta::__model(default)]
        struct $new {
            id: String,
            #[serde(deserialize_with = "::rosetta::__private::json::exact")]
            count: u32,
            #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
            #[serde(deserialize_with = "::rosetta::__private::json::exact")]
            big: Option<i64>,
            #[serde(with = "::rosetta::__private::json::bytes")]
            blob: Vec<u8>,
            #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
            #[serde(with = "::rosetta::__private::json::bytes")]
            maybe_blob: Option<Vec<u8>>,
            #[serde(default)]
            tags: Vec<String>,
            #[serde(default)]
            attributes: std::collections::BTreeMap<String, String>,
            #[serde(rename = "type")]
            #[rosetta(rename = "type")]
            r#type: String,
            r#loop: Option<bool>,
            #[serde(default)]
            nested: Option<$nested_new>,
            #[serde(deserialize_with = "doubled")]
            twice: i32,
            #[serde(default = "seven")]
            lucky: u8,
        }

        #[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
        #[serde(crate = "rosetta::__private::serde", remote = "Self")]
        struct $old {
            id: String,
            #[serde(deserialize_with = "::rosetta::__private::json::exact")]
            count: u32,
            #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
            #[serde(deserialize_with = "::rosetta::__private::json::exact")]
            big: Option<i64>,
            #[serde(with = "::rosetta::__private::json::bytes")]
            blob: Vec<u8>,
            #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
            #[serde(with = "::rosetta::__private::json::bytes")]
            maybe_blob: Option<Vec<u8>>,
            #[serde(default)]
            tags: Vec<String>,
            #[serde(default)]
            attributes: std::collections::BTreeMap<String, String>,
            #[serde(rename = "type")]
            r#type: String,
            r#loop: Option<bool>,
            #[serde(default)]
            nested: Option<$nested_old>,
            #[serde(deserialize_with = "doubled")]
            twice: i32,
            #[serde(default = "seven")]
            lucky: u8,
        }
        rosetta::__object_only_serde!($old);
    };
}

/// A nested struct: required integer, so errors inside it have a path.
#[rosetta::__model(default)]
struct Inner {
    #[serde(deserialize_with = "::rosetta::__private::json::exact")]
    amount: u64,
    #[serde(default)]
    note: String,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(crate = "rosetta::__private::serde", remote = "Self")]
struct OldInner {
    #[serde(deserialize_with = "::rosetta::__private::json::exact")]
    amount: u64,
    #[serde(default)]
    note: String,
}
rosetta::__object_only_serde!(OldInner);

twins!(Outer, OldOuter, Inner, OldInner);

/// `deny_unknown_fields`, and no fields at all.
#[rosetta::__model(default)]
#[serde(deny_unknown_fields)]
struct Strict {
    a: i32,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(
    crate = "rosetta::__private::serde",
    remote = "Self",
    deny_unknown_fields
)]
struct OldStrict {
    a: i32,
}
rosetta::__object_only_serde!(OldStrict);

#[rosetta::__model(default)]
struct Empty {}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(crate = "rosetta::__private::serde", remote = "Self")]
struct OldEmpty {}
rosetta::__object_only_serde!(OldEmpty);

/// A user's serde attribute the compact impl does not handle: the struct keeps serde's derive.
#[rosetta::__model(default)]
struct Aliased {
    #[serde(alias = "nom")]
    name: String,
}

// These compile only while `__model` writes the compact impl for each struct: serde's derive
// with `remote = "Self"` defines an inherent `deserialize` too (E0592), so a struct that fell
// back to it silently would make the comparisons above compare serde with itself.
macro_rules! compact {
    ($($t:ident),*) => {$(
        impl $t {
            #[allow(dead_code)]
            fn deserialize() {}
        }
    )*};
}
compact!(Outer, Inner, Strict, Empty);

/// How one input decodes: the value as JSON, or the error's message, three ways.
fn outcomes<T>(input: &str) -> [String; 3]
where
    T: serde::Serialize + for<'de> serde::Deserialize<'de>,
{
    let show = |r: Result<T, String>| match r {
        Ok(v) => format!("ok {}", serde_json::to_string(&v).unwrap()),
        Err(e) => format!("error {e}"),
    };
    let value = match serde_json::from_str::<serde_json::Value>(input) {
        Ok(v) => show(serde_json::from_value::<T>(v).map_err(|e| e.to_string())),
        Err(_) => "not JSON".to_string(),
    };
    // The old twins' names differ by their prefix only.
    [
        show(serde_json::from_str::<T>(input).map_err(|e| e.to_string())),
        value,
        show(
            rosetta::__private::json::from_slice::<T>(input.as_bytes()).map_err(|e| e.to_string()),
        ),
    ]
    .map(|s| s.replace("struct Old", "struct "))
}

const FULL: &str = r#"{"id":"a","count":3,"big":9007199254740993,"blob":"aGk=","maybe_blob":"aGk","tags":["x"],"attributes":{"k":"v"},"type":"t","loop":true,"nested":{"amount":1e1,"note":"n"},"twice":4,"lucky":1}"#;

#[test]
fn the_compact_deserialize_decodes_and_fails_as_serde_derive_does() {
    let required = r#""id":"a","count":1,"blob":"","type":"t","twice":1"#;
    let inputs = [
        FULL.to_string(),
        format!("{{{required}}}"),
        // Missing fields, one at a time, and all.
        r#"{"count":1,"blob":"","type":"t","twice":1}"#.into(),
        r#"{"id":"a","blob":"","type":"t","twice":1}"#.into(),
        r#"{"id":"a","count":1,"type":"t","twice":1}"#.into(),
        r#"{"id":"a","count":1,"blob":"","twice":1}"#.into(),
        r#"{"id":"a","count":1,"blob":"","type":"t"}"#.into(),
        "{}".into(),
        // Duplicates: plain, through a seed, an option written null twice, a renamed one.
        format!(r#"{{{required},"id":"b"}}"#),
        format!(r#"{{{required},"count":2}}"#),
        format!(r#"{{{required},"loop":null,"loop":null}}"#),
        format!(r#"{{{required},"type":"u"}}"#),
        format!(r#"{{{required},"nested":{{"amount":1,"amount":2}}}}"#),
        // Unknown members are skipped, whatever they hold; the Rust name of a renamed field is
        // unknown.
        format!(r#"{{"zzz":[1,{{"a":null}}],{required},"r#type":1,"extra":{{}}}}"#),
        // Arrays are refused, at the top and nested.
        r#"["a",1,"","t",null,null,1]"#.into(),
        format!(r#"{{{required},"nested":[1]}}"#),
        "[]".into(),
        // Wrong types and values.
        r#""a string""#.into(),
        "null".into(),
        "3".into(),
        r#"{"id":1,"count":1,"blob":"","type":"t","twice":1}"#.into(),
        r#"{"id":"a","count":2.5,"blob":"","type":"t","twice":1}"#.into(),
        r#"{"id":"a","count":-1,"blob":"","type":"t","twice":1}"#.into(),
        r#"{"id":"a","count":4294967296,"blob":"","type":"t","twice":1}"#.into(),
        r#"{"id":"a","count":"1","blob":"","type":"t","twice":1}"#.into(),
        r#"{"id":"a","count":1,"blob":"***","type":"t","twice":1}"#.into(),
        r#"{"id":"a","count":1,"blob":[1,2],"type":"t","twice":1}"#.into(),
        format!(r#"{{{required},"big":1.5}}"#),
        format!(r#"{{{required},"big":null}}"#),
        format!(r#"{{{required},"loop":"yes"}}"#),
        format!(r#"{{{required},"twice":"2"}}"#),
        format!(r#"{{{required},"lucky":300}}"#),
        format!(r#"{{{required},"tags":null}}"#),
        format!(r#"{{{required},"nested":null}}"#),
        format!(r#"{{{required},"nested":{{}}}}"#),
        format!(r#"{{{required},"nested":{{"amount":2.5}}}}"#),
        format!(r#"{{{required},"nested":{{"amount":1,"note":5}}}}"#),
        // Broken JSON after a good start, and a key that is not a string.
        r#"{"id":"a","count":1"#.into(),
        r#"{"id":"a",1:2}"#.into(),
        r#"{"id" "a"}"#.into(),
    ];
    for input in &inputs {
        assert_eq!(
            outcomes::<Outer>(input),
            outcomes::<OldOuter>(input),
            "input {input}"
        );
    }
    for input in [
        r#"{"a":1}"#,
        r#"{"a":1,"b":2}"#,
        r#"{"b":2,"a":1}"#,
        r#"{"a":1,"a":2}"#,
        "{}",
        "[1]",
    ] {
        assert_eq!(
            outcomes::<Strict>(input),
            outcomes::<OldStrict>(input),
            "input {input}"
        );
    }
    for input in ["{}", r#"{"a":1}"#, "[]", "null"] {
        assert_eq!(
            outcomes::<Empty>(input),
            outcomes::<OldEmpty>(input),
            "input {input}"
        );
    }
}

#[test]
fn the_compact_deserialize_gives_serde_messages_and_paths() {
    let from = |s: &str| {
        rosetta::__private::json::from_slice::<Outer>(s.as_bytes()).map_err(|e| e.to_string())
    };
    let v = from(FULL).unwrap();
    assert_eq!(v.count, 3);
    assert_eq!(v.big, Some(9_007_199_254_740_993));
    assert_eq!(
        (v.blob.as_slice(), v.maybe_blob.as_deref()),
        (&b"hi"[..], Some(&b"hi"[..]))
    );
    assert_eq!(
        (v.r#type.as_str(), v.r#loop, v.twice, v.lucky),
        ("t", Some(true), 8, 1)
    );
    assert_eq!(v.nested.as_ref().map(|n| n.amount), Some(10));

    // Absent: defaults, `None` for an option without `default`, the `default = "path"` value.
    let v = from(r#"{"id":"a","count":1,"blob":"","type":"t","twice":1}"#).unwrap();
    assert_eq!((v.big, v.r#loop, v.nested, v.lucky), (None, None, None, 7));
    assert!(v.tags.is_empty() && v.attributes.is_empty() && v.maybe_blob.is_none());

    assert_eq!(
        from(r#"{"count":1,"blob":"","type":"t","twice":1}"#).unwrap_err(),
        "missing field `id` at line 1 column 42"
    );
    assert_eq!(
        from(r#"{"id":"a","blob":"","type":"t","twice":1}"#).unwrap_err(),
        "missing field `count` at line 1 column 41"
    );
    assert_eq!(
        from(r#"{"id":"a","count":1,"blob":"","id":"b"}"#).unwrap_err(),
        "duplicate field `id` at line 1 column 34"
    );
    // Unknown members are ignored.
    let v = from(r#"{"x":{"y":[1]},"id":"a","count":1,"blob":"","type":"t","twice":1,"z":0}"#);
    assert_eq!(v.unwrap().id, "a");
    assert_eq!(
        from(r#"["a",1]"#).unwrap_err(),
        "invalid type: sequence, expected struct Outer at line 1 column 0"
    );
    assert_eq!(
        from(r#"{"id":"a","count":1,"blob":"","type":"t","twice":1,"nested":[1]}"#).unwrap_err(),
        "`nested`: invalid type: sequence, expected struct Inner at line 1 column 60"
    );
    assert_eq!(
        from(r#"{"id":"a","count":9007199254740993.5,"blob":"","type":"t","twice":1}"#)
            .unwrap_err(),
        "`count`: expected an integer, got 9007199254740993.5 (not a whole number) at line 1 column 36"
    );
    assert_eq!(
        from(r#"{"id":"a","count":1,"blob":"*","type":"t","twice":1}"#).unwrap_err(),
        "`blob`: invalid base64: Invalid symbol 42, offset 0. at line 1 column 30"
    );
    assert_eq!(
        from(r#"{"id":"a","count":1,"blob":"","type":"t","twice":1,"nested":{"amount":-1}}"#)
            .unwrap_err(),
        "`nested.amount`: -1 is out of range for u64 at line 1 column 73"
    );
    assert_eq!(
        serde_json::from_str::<Strict>(r#"{"a":1,"b":2}"#)
            .unwrap_err()
            .to_string(),
        "unknown field `b`, expected `a` at line 1 column 10"
    );
}

#[test]
fn a_struct_with_other_serde_attributes_keeps_serde_derive() {
    let a: Aliased = serde_json::from_str(r#"{"nom":"x"}"#).unwrap();
    assert_eq!(a.name, "x");
    assert!(serde_json::from_str::<Aliased>(r#"["x"]"#).is_err());
    assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"name":"x"}"#);
}
