//! The valid edge cases of `codegen/tests/check_then_generate.rs` (`idl/edge/`: Rust keywords,
//! prelude names, nested containers, topics named like types, error names, routes, a file without
//! a package), generated with every protocol by `build.rs`. That this file compiles is the main
//! assertion: what passes `rosetta check` builds. (A union member that is a container once
//! passed the checks and generated, and did not compile.) The tests check that the names Rust
//! needed changed keep their IDL spelling on the wire.

use rosetta::Validate;

// Only what the tests use is used.
#[allow(dead_code)]
mod edge {
    pub mod errors {
        rosetta::include_idl!("edge.errors");
    }
    pub mod nested {
        rosetta::include_idl!("edge.nested");
    }
    pub mod prelude {
        rosetta::include_idl!("edge.prelude");
    }
    pub mod routes {
        rosetta::include_idl!("edge.routes");
    }
    pub mod topics {
        rosetta::include_idl!("edge.topics");
    }
    pub mod r#type {
        rosetta::include_idl!("edge.type");
    }
}

#[allow(dead_code)]
mod unpackaged {
    rosetta::include_idl!("_");
}

fn round_trip<T>(value: &T) -> String
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).unwrap();
    assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), value, "{json}");
    json
}

#[test]
fn keyword_names_keep_their_idl_spelling_on_the_wire() {
    use edge::r#type::{Impl, Loop, Self_, Type};
    let s = Self_ {
        self_: "a".into(),
        super_: 1,
        crate_: true,
        r#fn: 0.5,
        r#async: 2,
    };
    assert_eq!(
        round_trip(&s),
        r#"{"self":"a","super":1,"crate":true,"fn":0.5,"async":2}"#
    );
    let t = Type {
        r#type: "t".into(),
        r#match: Some("m".into()),
        r#ref: vec!["r".into()],
    };
    assert_eq!(round_trip(&t), r#"{"type":"t","match":"m","ref":["r"]}"#);
    assert_eq!(round_trip(&Loop::Where), r#""where""#);
    assert_eq!(round_trip(&Impl::Yield(7)), r#"{"yield":7}"#);
}

#[test]
fn prelude_names_are_ordinary_types() {
    use edge::prelude::{Box, Option, Result, Vec};
    assert_eq!(round_trip(&Option { some: "s".into() }), r#"{"some":"s"}"#);
    assert_eq!(round_trip(&Result { ok: true }), r#"{"ok":true}"#);
    assert_eq!(round_trip(&Vec { len: 3 }), r#"{"len":3}"#);
    let nested = Box {
        inner: Some(std::boxed::Box::new(Box { inner: None })),
    };
    assert_eq!(round_trip(&nested), r#"{"inner":{}}"#);
}

#[test]
fn nested_containers_validate_and_round_trip() {
    use edge::nested::{Day, Deep, Shape};
    let mut deep = Deep {
        h: vec![
            Shape::Days(vec![Day::Tue]),
            Shape::Deep([("k".into(), vec![Day::Mon])].into()),
        ],
        ..Deep::default()
    };
    round_trip(&deep);
    assert!(deep.validate().is_ok());
    // `h: list<Shape> @length(1, 3)`.
    deep.h.clear();
    assert_eq!(deep.validate().unwrap_err()[0].field, "h");
}

#[test]
fn mutually_recursive_types_without_a_package() {
    use unpackaged::{A, B};
    let b = B {
        a: None,
        list: vec![A {
            b: Box::new(B::default()),
        }],
    };
    assert_eq!(round_trip(&b), r#"{"list":[{"b":{"list":[]}}]}"#);
}
