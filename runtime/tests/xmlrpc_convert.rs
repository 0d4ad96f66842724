//! Typed conversion tests: every standard impl both ways, range checks, error paths, and the
//! member/param helpers generated code uses.
#![cfg(feature = "xmlrpc")]

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use rosetta_runtime::xmlrpc::{
    self, FromXmlRpc, INVALID_PARAMS, Limits, Timestamp, ToXmlRpc, Value, ValueError,
};

/// `x` converts to `wire`, and `wire` (also after a trip through the codec) converts back to `x`.
fn both_ways<T: ToXmlRpc + FromXmlRpc + PartialEq + Debug>(x: T, wire: Value) {
    assert_eq!(x.to_xmlrpc(), wire, "{x:?} to");
    assert_eq!(x.try_to_xmlrpc(), Ok(wire.clone()), "{x:?} try_to");
    assert_eq!(T::from_xmlrpc(&wire), Ok(x), "{wire:?} from");
    let body = xmlrpc::encode_response(&wire);
    let decoded = xmlrpc::decode_method_response(&body, &Limits::default())
        .unwrap()
        .unwrap();
    assert!(
        T::from_xmlrpc(&decoded).is_ok(),
        "{decoded:?} after the wire"
    );
}

fn err<T: FromXmlRpc + Debug>(v: &Value) -> String {
    T::from_xmlrpc(v).unwrap_err().to_string()
}

#[test]
fn scalars_both_ways() {
    both_ways(true, Value::Bool(true));
    both_ways(false, Value::Bool(false));
    both_ways(-5i32, Value::Int(-5));
    both_ways(i32::MAX, Value::Int(i32::MAX));
    both_ways(7i64, Value::Int(7));
    both_ways(i64::MAX, Value::I8(i64::MAX));
    both_ways(i64::MIN, Value::I8(i64::MIN));
    both_ways(7u32, Value::Int(7));
    both_ways(u32::MAX, Value::I8(i64::from(u32::MAX)));
    both_ways(7u64, Value::Int(7));
    both_ways(1u64 << 40, Value::I8(1 << 40));
    both_ways(i64::MAX as u64, Value::I8(i64::MAX));
    both_ways(1.5f64, Value::Double(1.5));
    both_ways(String::from("héllo <&>"), Value::from("héllo <&>"));
    both_ways(vec![0u8, 1, 255], Value::Base64(vec![0, 1, 255]));
    let t = Timestamp::from_ymd_hms(2024, 1, 2, 3, 4, 5).unwrap();
    both_ways(t, Value::DateTime(t));
    both_ways(Value::Int(3), Value::Int(3));
    assert_eq!("str".to_xmlrpc(), Value::from("str"));
    assert_eq!(b"ab"[..].to_xmlrpc(), Value::Base64(b"ab".to_vec()));
}

#[test]
fn integers_accept_every_int_tag_in_range() {
    assert_eq!(i32::from_xmlrpc(&Value::I8(5)), Ok(5));
    assert_eq!(i64::from_xmlrpc(&Value::Int(-5)), Ok(-5));
    assert_eq!(
        u32::from_xmlrpc(&Value::I8(4_000_000_000)),
        Ok(4_000_000_000)
    );
    assert_eq!(u64::from_xmlrpc(&Value::Int(9)), Ok(9));
    assert_eq!(
        err::<i32>(&Value::I8(1 << 31)),
        "2147483648 is out of range for i32"
    );
    assert_eq!(err::<u32>(&Value::Int(-1)), "-1 is out of range for u32");
    assert_eq!(
        err::<u32>(&Value::I8(1 << 32)),
        "4294967296 is out of range for u32"
    );
    assert_eq!(err::<u64>(&Value::I8(-1)), "-1 is out of range for u64");
    assert_eq!(err::<i64>(&Value::from("1")), "expected i64, found string");
    assert_eq!(
        err::<i32>(&Value::Double(1.0)),
        "expected i32, found double"
    );
}

#[test]
fn u64_above_i64_max_has_no_integer_form() {
    let big = u64::MAX;
    let e = big.try_to_xmlrpc().unwrap_err();
    assert!(
        e.message().contains("exceeds the XML-RPC integer range"),
        "{e}"
    );
    // The infallible form is lossless (digits as a string) and reads back.
    assert_eq!(big.to_xmlrpc(), Value::from("18446744073709551615"));
    assert_eq!(u64::from_xmlrpc(&big.to_xmlrpc()), Ok(big));
    assert_eq!(u64::from_xmlrpc(&Value::from("12")), Ok(12));
    assert!(u64::from_xmlrpc(&Value::from("-1")).is_err());
    // Containers carry the error out with its path.
    let e = vec![1u64, big].try_to_xmlrpc().unwrap_err();
    assert_eq!(e.path(), "[1]");
    let mut m = BTreeMap::new();
    m.insert("n".to_owned(), vec![big]);
    assert_eq!(m.try_to_xmlrpc().unwrap_err().path(), "[\"n\"][0]");
    assert_eq!(Some(big).try_to_xmlrpc().unwrap_err().path(), "");
    assert!(Box::new(big).try_to_xmlrpc().is_err());
}

#[test]
fn doubles_accept_exact_integers() {
    assert_eq!(f64::from_xmlrpc(&Value::Int(3)), Ok(3.0));
    assert_eq!(
        f64::from_xmlrpc(&Value::I8(1 << 53)),
        Ok(9_007_199_254_740_992.0)
    );
    assert!(f64::from_xmlrpc(&Value::I8((1 << 53) + 1)).is_err());
    assert!(f64::from_xmlrpc(&Value::I8(i64::MAX)).is_err());
    assert_eq!(
        err::<f64>(&Value::from("1.0")),
        "expected double, found string"
    );
}

#[test]
fn strings_bytes_and_dates_are_strict() {
    assert_eq!(err::<String>(&Value::Int(1)), "expected string, found int");
    assert_eq!(
        err::<Vec<u8>>(&Value::from("AAEC")),
        "expected base64, found string"
    );
    assert_eq!(
        err::<Timestamp>(&Value::from("20240102T03:04:05")),
        "expected dateTime.iso8601, found string"
    );
    assert_eq!(err::<bool>(&Value::Int(1)), "expected boolean, found int");
}

#[test]
fn containers_both_ways() {
    both_ways(
        vec![1i32, 2, 3],
        Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
    );
    both_ways(Vec::<String>::new(), Value::Array(vec![]));
    both_ways(
        vec![vec![1u8], vec![]],
        Value::Array(vec![Value::Base64(vec![1]), Value::Base64(vec![])]),
    );
    both_ways(Some(5i32), Value::Int(5));
    both_ways(None::<i32>, Value::Nil);
    both_ways(
        Some(vec![Some(1i64), None]),
        Value::Array(vec![Value::Int(1), Value::Nil]),
    );
    both_ways(Box::new(9u32), Value::Int(9));
    let mut b = BTreeMap::new();
    b.insert("z".to_owned(), 1i32);
    b.insert("a".to_owned(), 2i32);
    both_ways(
        b,
        Value::structure([("a", Value::Int(2)), ("z", Value::Int(1))]),
    );
    let mut h: HashMap<String, String> = HashMap::new();
    for k in ["q", "w", "e", "r", "t", "y"] {
        h.insert(k.to_owned(), k.to_uppercase());
    }
    // HashMap output is sorted by key, so it is deterministic.
    let v = h.to_xmlrpc();
    let keys: Vec<&str> = v
        .as_struct()
        .unwrap()
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(keys, ["e", "q", "r", "t", "w", "y"]);
    assert_eq!(HashMap::<String, String>::from_xmlrpc(&v), Ok(h));
}

#[test]
fn maps_keep_the_last_duplicate_like_python() {
    let v = Value::structure([("a", Value::Int(1)), ("a", Value::Int(2))]);
    let m = BTreeMap::<String, i32>::from_xmlrpc(&v).unwrap();
    assert_eq!(m["a"], 2);
    assert_eq!(
        err::<BTreeMap<String, i32>>(&Value::Array(vec![])),
        "expected struct, found array"
    );
}

#[test]
fn error_paths_name_the_offending_part() {
    let v = Value::Array(vec![Value::Int(1), Value::from("x")]);
    let e = Vec::<i32>::from_xmlrpc(&v).unwrap_err();
    assert_eq!(e.path(), "[1]");
    assert_eq!(e.to_string(), "[1]: expected i32, found string");

    let v = Value::structure([("tags", Value::structure([("color", Value::Int(1))]))]);
    let e = BTreeMap::<String, BTreeMap<String, String>>::from_xmlrpc(&v).unwrap_err();
    assert_eq!(e.path(), "[\"tags\"][\"color\"]");

    let e = ValueError::new("expected double, found string")
        .in_field("price")
        .at_index(2)
        .in_field("items");
    assert_eq!(e.path(), "items[2].price");
    assert_eq!(
        e.to_string(),
        "items[2].price: expected double, found string"
    );
    let f = e.to_fault();
    assert_eq!(f.code, INVALID_PARAMS);
    assert_eq!(
        f.string,
        "invalid params: items[2].price: expected double, found string"
    );
}

/// What generated code (or `#[derive(XmlRpc)]`) writes for
/// `struct Product { id: string; price_cents: i64; tags: list<string>; image: optional<bytes>; }`.
#[derive(Debug, Clone, PartialEq)]
struct Product {
    id: String,
    price_cents: i64,
    tags: Vec<String>,
    image: Option<Vec<u8>>,
}

impl ToXmlRpc for Product {
    fn to_xmlrpc(&self) -> Value {
        let mut m = Vec::with_capacity(4);
        xmlrpc::push_member(&mut m, "id", &self.id);
        xmlrpc::push_member(&mut m, "price_cents", &self.price_cents);
        xmlrpc::push_member(&mut m, "tags", &self.tags);
        xmlrpc::push_optional_member(&mut m, "image", &self.image);
        Value::Struct(m)
    }

    fn try_to_xmlrpc(&self) -> Result<Value, ValueError> {
        let mut m = Vec::with_capacity(4);
        xmlrpc::try_push_member(&mut m, "id", &self.id)?;
        xmlrpc::try_push_member(&mut m, "price_cents", &self.price_cents)?;
        xmlrpc::try_push_member(&mut m, "tags", &self.tags)?;
        xmlrpc::try_push_optional_member(&mut m, "image", &self.image)?;
        Ok(Value::Struct(m))
    }
}

impl FromXmlRpc for Product {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        let m = xmlrpc::struct_members(v, "Product")?;
        Ok(Product {
            id: xmlrpc::required_member(m, "id")?,
            price_cents: xmlrpc::required_member(m, "price_cents")?,
            tags: xmlrpc::required_member(m, "tags")?,
            image: xmlrpc::optional_member(m, "image")?,
        })
    }
}

#[test]
fn generated_style_struct() {
    let p = Product {
        id: "p1".into(),
        price_cents: 1 << 40,
        tags: vec!["a".into()],
        image: None,
    };
    let v = p.to_xmlrpc();
    // The absent optional is omitted, not <nil/>.
    assert_eq!(
        v,
        Value::structure([
            ("id", Value::from("p1")),
            ("price_cents", Value::I8(1 << 40)),
            ("tags", Value::Array(vec![Value::from("a")])),
        ])
    );
    both_ways(p.clone(), v);
    let with_image = Product {
        image: Some(vec![1, 2]),
        ..p
    };
    both_ways(with_image.clone(), with_image.to_xmlrpc());

    // <nil/> for an optional member reads as None too.
    let nil_image = Value::structure([
        ("id", Value::from("p1")),
        ("price_cents", Value::Int(1)),
        ("tags", Value::Array(vec![])),
        ("image", Value::Nil),
    ]);
    assert_eq!(Product::from_xmlrpc(&nil_image).unwrap().image, None);

    let items = Value::Array(vec![
        with_image.to_xmlrpc(),
        Value::structure([("id", Value::from("p2")), ("tags", Value::Array(vec![]))]),
    ]);
    let e = Vec::<Product>::from_xmlrpc(&items).unwrap_err();
    assert_eq!(e.to_string(), "[1].price_cents: missing required member");
    let e = Vec::<Product>::from_xmlrpc(&Value::Array(vec![Value::Int(1)])).unwrap_err();
    assert_eq!(e.to_string(), "[0]: expected struct Product, found int");
    let bad_tag = Value::structure([
        ("id", Value::from("p")),
        ("price_cents", Value::Int(1)),
        (
            "tags",
            Value::Array(vec![Value::from("ok"), Value::Bool(true)]),
        ),
    ]);
    assert_eq!(
        Product::from_xmlrpc(&bad_tag).unwrap_err().to_string(),
        "tags[1]: expected string, found boolean"
    );
}

#[test]
fn positional_params() {
    let params = vec![Value::Int(2), Value::Nil];
    assert_eq!(xmlrpc::param::<i32>(&params, 0, "a"), Ok(2));
    assert_eq!(xmlrpc::optional_param::<u32>(&params, 1, "limit"), Ok(None));
    assert_eq!(xmlrpc::optional_param::<u32>(&params, 2, "limit"), Ok(None));
    assert_eq!(
        xmlrpc::param::<i32>(&params, 2, "b")
            .unwrap_err()
            .to_string(),
        "b: missing parameter 3"
    );
    assert_eq!(
        xmlrpc::param::<String>(&params, 0, "query")
            .unwrap_err()
            .to_string(),
        "query: expected string, found int"
    );
}

#[test]
fn value_helpers() {
    assert_eq!(Value::Int(3).as_i64(), Some(3));
    assert_eq!(Value::I8(3).as_i64(), Some(3));
    assert_eq!(Value::I8(1 << 40).as_i32(), None);
    assert_eq!(Value::Bool(true).as_i64(), None);
    assert_eq!(Value::from(1i64 << 40), Value::I8(1 << 40));
    assert_eq!(Value::from(5i64), Value::Int(5));
    assert_eq!(Value::from(None::<i32>), Value::Nil);
    assert_eq!(Value::from(Some("x")), Value::from("x"));
    assert_eq!(Value::from(vec![1u8]), Value::Base64(vec![1]));
    assert!(Value::default().is_nil());
    assert_eq!(Value::Struct(vec![]).type_name(), "struct");
    assert_eq!(Value::Int(1).get("a"), None);
}
