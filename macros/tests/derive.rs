//! What the derives do at run time, on hand-written types: every violation with its path, and
//! XML-RPC forms that round-trip.

use std::collections::BTreeMap;

use rosetta::Validate;
use rosetta::xmlrpc::{FromXmlRpc, Positional, ToXmlRpc, Value, ValueError};

// ---- types ----

#[derive(Debug, Clone, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
struct Order {
    #[rosetta(length(min = 1, max = 8), pattern = "^[A-Z0-9-]+$")]
    id: String,
    #[rosetta(rename = "customerName", length(max = 10))]
    customer: String,
    #[rosetta(range(min = 0, max = 0.5))]
    discount: Option<f64>,
    #[rosetta(range(min = -10, max = 10))]
    priority: i32,
    #[rosetta(length(max = 2))]
    lines: Vec<Line>,
    attributes: BTreeMap<String, Line>,
    status: Status,
    payment: Option<Payment>,
    note: Option<String>,
    r#type: String,
}

#[derive(Debug, Clone, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
struct Line {
    #[rosetta(range(min = 1, max = 100))]
    quantity: u32,
    #[rosetta(pattern = "^[a-z]+$")]
    sku: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, rosetta::Validate, rosetta::XmlRpc)]
enum Status {
    #[rosetta(rename = "OPEN")]
    Open,
    #[rosetta(rename = "SHIPPED")]
    Shipped,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
enum Payment {
    CreditCard(Card),
    #[rosetta(rename = "iban")]
    BankTransfer(#[rosetta(length(min = 15, max = 34))] String),
    Cash(Empty),
}

#[derive(Debug, Clone, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
struct Card {
    #[rosetta(pattern = "^[0-9]{16}$")]
    number: String,
    #[rosetta(range(min = 1, max = 12))]
    month: u32,
}

#[derive(Debug, Clone, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
struct Empty {}

fn line(quantity: u32) -> Line {
    Line {
        quantity,
        sku: None,
    }
}

fn valid_order() -> Order {
    Order {
        id: "A-1".into(),
        customer: "Ada".into(),
        discount: None,
        priority: 0,
        lines: vec![line(1), line(2)],
        attributes: BTreeMap::new(),
        status: Status::Open,
        payment: None,
        note: None,
        r#type: "retail".into(),
    }
}

/// `(field, rule)` of every violation, in order.
fn violations(v: &impl Validate) -> Vec<(String, String)> {
    match v.validate() {
        Ok(()) => Vec::new(),
        Err(all) => all.into_iter().map(|v| (v.field, v.rule)).collect(),
    }
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(f, r)| (f.to_string(), r.to_string()))
        .collect()
}

// ---- Validate ----

#[test]
fn a_valid_value_has_no_violation() {
    assert_eq!(valid_order().validate(), Ok(()));
}

#[test]
fn every_violation_is_reported_with_its_path() {
    let mut order = valid_order();
    order.id = "lower-case-and-long".into();
    order.customer = "Bartholomew Jones".into();
    order.discount = Some(0.75);
    order.priority = -11;
    order.lines = vec![
        line(1),
        Line {
            quantity: 0,
            sku: Some("ABC".into()),
        },
        line(101),
    ];
    order.attributes.insert("gift".into(), line(500));
    order.payment = Some(Payment::CreditCard(Card {
        number: "1234".into(),
        month: 13,
    }));
    assert_eq!(
        violations(&order),
        pairs(&[
            ("id", "length"),
            ("id", "pattern"),
            ("customerName", "length"),
            ("discount", "range"),
            ("priority", "range"),
            ("lines", "length"),
            ("lines[1].quantity", "range"),
            ("lines[1].sku", "pattern"),
            ("lines[2].quantity", "range"),
            ("attributes[\"gift\"].quantity", "range"),
            ("payment.credit_card.number", "pattern"),
            ("payment.credit_card.month", "range"),
        ])
    );
}

#[test]
fn messages_come_from_the_runtime_checks() {
    let mut order = valid_order();
    order.discount = Some(0.75);
    order.id = String::new();
    let all = order.validate().unwrap_err();
    let messages: Vec<&str> = all.iter().map(|v| v.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "length must be between 1 and 8, got 0",
            "must match ^[A-Z0-9-]+$",
            "must be between 0 and 0.5, got 0.75",
        ]
    );
}

#[test]
fn optional_fields_are_checked_only_when_present() {
    let mut order = valid_order();
    order.discount = None;
    order.lines[0].sku = None;
    assert!(order.validate().is_ok());
    order.discount = Some(0.5);
    order.lines[0].sku = Some("abc".into());
    assert!(order.validate().is_ok());
    order.discount = Some(f64::NAN);
    assert_eq!(violations(&order), pairs(&[("discount", "range")]));
}

#[test]
fn union_payloads_are_validated_under_the_variant_name() {
    let iban = Payment::BankTransfer("DE00".into());
    assert_eq!(violations(&iban), pairs(&[("iban", "length")]));
    let card = Payment::CreditCard(Card {
        number: "x".into(),
        month: 0,
    });
    assert_eq!(
        violations(&card),
        pairs(&[
            ("credit_card.number", "pattern"),
            ("credit_card.month", "range")
        ])
    );
    assert!(Payment::Cash(Empty {}).validate().is_ok());
}

#[test]
fn unit_enums_always_pass() {
    for s in [Status::Open, Status::Shipped, Status::Cancelled] {
        assert_eq!(s.validate(), Ok(()));
    }
}

#[test]
fn skip_keeps_constraints_but_does_not_descend() {
    struct Opaque;

    #[derive(rosetta::Validate)]
    struct Wrapper {
        #[rosetta(skip)]
        _opaque: Opaque,
        #[rosetta(skip, length(max = 1))]
        lines: Vec<Line>,
    }

    let w = Wrapper {
        _opaque: Opaque,
        lines: vec![line(0), line(0)],
    };
    assert_eq!(violations(&w), pairs(&[("lines", "length")]));
}

#[test]
fn generic_types_validate_their_parameters() {
    #[derive(rosetta::Validate)]
    struct Page<T> {
        #[rosetta(length(max = 1))]
        items: Vec<T>,
    }

    let page = Page {
        items: vec![line(0), line(1)],
    };
    assert_eq!(
        violations(&page),
        pairs(&[("items", "length"), ("items[0].quantity", "range")])
    );
}

#[test]
fn nested_paths_continue_below_a_parameter_name() {
    let root = rosetta::validate::Path::Root;
    let param = root.field("order");
    let mut out = Vec::new();
    let mut order = valid_order();
    order.lines[1].quantity = 0;
    order.validate_at(&param, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].field, "order.lines[1].quantity");
}

// ---- XmlRpc ----

#[test]
fn structs_are_xmlrpc_structs_without_absent_optionals() {
    let order = valid_order();
    let value = order.to_xmlrpc();
    let names: Vec<&str> = value
        .as_struct()
        .unwrap()
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "id",
            "customerName",
            "priority",
            "lines",
            "attributes",
            "status",
            "type"
        ]
    );
    assert_eq!(value.get("status"), Some(&Value::from("OPEN")));
    assert_eq!(
        value
            .get("lines")
            .and_then(|l| l.as_array())
            .map(<[_]>::len),
        Some(2)
    );
    assert_eq!(Order::from_xmlrpc(&value), Ok(order));
}

#[test]
fn present_optionals_round_trip() {
    let mut order = valid_order();
    order.discount = Some(0.25);
    order.note = Some(String::new());
    order.payment = Some(Payment::BankTransfer("DE89370400440532013000".into()));
    order.attributes.insert("gift wrap".into(), line(3));
    order.lines[0].sku = Some("abc".into());
    let value = order.to_xmlrpc();
    assert_eq!(value.get("discount"), Some(&Value::Double(0.25)));
    assert_eq!(value.get("note"), Some(&Value::from("")));
    assert_eq!(
        value.get("payment"),
        Some(&Value::structure([(
            "iban",
            Value::from("DE89370400440532013000")
        )]))
    );
    assert_eq!(Order::from_xmlrpc(&value), Ok(order.clone()));
    assert_eq!(order.try_to_xmlrpc(), Ok(value));
}

#[test]
fn nil_and_absent_optionals_read_as_none_and_unknown_members_are_ignored() {
    let value = Value::structure([
        ("quantity", Value::Int(4)),
        ("sku", Value::Nil),
        ("colour", Value::from("red")),
    ]);
    assert_eq!(Line::from_xmlrpc(&value), Ok(line(4)));
    let value = Value::structure([("quantity", Value::Int(4))]);
    assert_eq!(Line::from_xmlrpc(&value), Ok(line(4)));
}

/// `(path, message)` of a conversion error.
fn error(result: Result<impl std::fmt::Debug, ValueError>) -> (String, String) {
    let e = result.unwrap_err();
    (e.path(), e.message().to_owned())
}

#[test]
fn conversion_errors_name_the_member() {
    let missing = Value::structure([("sku", Value::from("abc"))]);
    assert_eq!(
        error(Line::from_xmlrpc(&missing)),
        ("quantity".into(), "missing required member".into())
    );

    let mut value = valid_order().to_xmlrpc();
    let Value::Struct(members) = &mut value else {
        unreachable!()
    };
    for (name, member) in members.iter_mut() {
        if name == "lines" {
            *member = Value::Array(vec![
                line(1).to_xmlrpc(),
                Value::structure([("quantity", Value::from("two"))]),
            ]);
        }
    }
    assert_eq!(
        error(Order::from_xmlrpc(&value)),
        (
            "lines[1].quantity".into(),
            "expected u32, found string".into()
        )
    );
    assert_eq!(
        error(Order::from_xmlrpc(&Value::from("order"))),
        (String::new(), "expected struct Order, found string".into())
    );
}

#[test]
fn unit_enums_are_strings() {
    assert_eq!(Status::Open.to_xmlrpc(), Value::from("OPEN"));
    assert_eq!(Status::Cancelled.to_xmlrpc(), Value::from("Cancelled"));
    assert_eq!(Status::Shipped.try_to_xmlrpc(), Ok(Value::from("SHIPPED")));
    for s in [Status::Open, Status::Shipped, Status::Cancelled] {
        assert_eq!(Status::from_xmlrpc(&s.to_xmlrpc()), Ok(s));
    }
    assert_eq!(
        error(Status::from_xmlrpc(&Value::from("Open"))),
        (
            String::new(),
            r#"unknown Status "Open"; expected one of "OPEN", "SHIPPED", "Cancelled""#.into()
        )
    );
    assert_eq!(
        error(Status::from_xmlrpc(&Value::Int(1))),
        (
            String::new(),
            "expected a Status name (string), found int".into()
        )
    );
}

#[test]
fn unions_are_one_member_structs() {
    let card = Payment::CreditCard(Card {
        number: "4111111111111111".into(),
        month: 7,
    });
    let value = card.to_xmlrpc();
    assert_eq!(
        value,
        Value::structure([(
            "credit_card",
            Value::structure([
                ("number", Value::from("4111111111111111")),
                ("month", Value::Int(7)),
            ])
        )])
    );
    assert_eq!(Payment::from_xmlrpc(&value), Ok(card));
    let cash = Payment::Cash(Empty {});
    assert_eq!(
        cash.to_xmlrpc(),
        Value::structure([("cash", Value::Struct(vec![]))])
    );
    assert_eq!(Payment::from_xmlrpc(&cash.to_xmlrpc()), Ok(cash));
}

#[test]
fn unions_need_exactly_one_known_member() {
    let none = Value::Struct(vec![]);
    assert_eq!(
        error(Payment::from_xmlrpc(&none)).1,
        r#"a Payment needs exactly one member (one of "credit_card", "iban", "cash"), found 0"#
    );
    let two = Value::structure([("iban", Value::from("x")), ("cash", Value::Struct(vec![]))]);
    assert_eq!(
        error(Payment::from_xmlrpc(&two)).1,
        r#"a Payment needs exactly one member (one of "credit_card", "iban", "cash"), found 2"#
    );
    let unknown = Value::structure([("cheque", Value::Nil)]);
    assert_eq!(
        error(Payment::from_xmlrpc(&unknown)).1,
        r#"unknown Payment member "cheque"; expected one of "credit_card", "iban", "cash""#
    );
    let bad = Value::structure([("credit_card", Value::structure([("month", Value::Int(1))]))]);
    assert_eq!(
        error(Payment::from_xmlrpc(&bad)),
        (
            "credit_card.number".into(),
            "missing required member".into()
        )
    );
}

#[test]
fn try_to_xmlrpc_reports_values_without_an_xmlrpc_form() {
    #[derive(Debug, rosetta::XmlRpc)]
    struct Counter {
        hits: u64,
        history: Option<Vec<u64>>,
    }

    let ok = Counter {
        hits: 1,
        history: None,
    };
    assert!(ok.try_to_xmlrpc().is_ok());
    let big = Counter {
        hits: 1,
        history: Some(vec![1, u64::MAX]),
    };
    let e = big.try_to_xmlrpc().unwrap_err();
    assert_eq!(e.path(), "history[1]");
    // The infallible form writes the digits as a string, which reads back.
    let back = Counter::from_xmlrpc(&big.to_xmlrpc()).unwrap();
    assert_eq!(back.history, Some(vec![1, u64::MAX]));
}

#[test]
fn generic_types_convert_their_parameters() {
    #[derive(Debug, PartialEq, rosetta::XmlRpc)]
    struct Page<T> {
        items: Vec<T>,
        next: Option<String>,
    }

    let page = Page {
        items: vec![Status::Open, Status::Cancelled],
        next: Some("2".into()),
    };
    assert_eq!(Page::from_xmlrpc(&page.to_xmlrpc()), Ok(page));
}

#[test]
fn the_runtime_can_be_reached_directly() {
    #[derive(Debug, PartialEq, rosetta::Validate, rosetta::XmlRpc)]
    #[rosetta(crate = "::rosetta_runtime")]
    struct Direct {
        #[rosetta(range(max = 3))]
        n: i64,
    }

    let d = Direct { n: 4 };
    assert_eq!(violations(&d), pairs(&[("n", "range")]));
    assert_eq!(Direct::from_xmlrpc(&d.to_xmlrpc()), Ok(d));
}

/// Parameters by position read as the struct of them would be: the same fields, the same
/// absent optionals, the same error paths (what `xmlrpc::glue::decode_params` passes).
#[test]
fn positional_parameters_read_as_their_struct() {
    let names = ["quantity", "sku"];
    let read = |values: &[Value]| {
        let positional = Line::from_members(&Positional {
            names: &names,
            values,
        });
        let members = names
            .iter()
            .zip(values)
            .map(|(n, v)| ((*n).to_owned(), v.clone()));
        assert_eq!(
            positional,
            Line::from_xmlrpc(&Value::Struct(members.collect()))
        );
        positional
    };
    assert_eq!(read(&[Value::Int(4)]), Ok(line(4)));
    assert_eq!(read(&[Value::Int(4), Value::Nil]), Ok(line(4)));
    assert_eq!(
        read(&[Value::Int(4), Value::from("abc")]),
        Ok(Line {
            quantity: 4,
            sku: Some("abc".into())
        })
    );
    assert_eq!(
        error(read(&[Value::from("four")])),
        ("quantity".into(), "expected u32, found string".into())
    );
    assert_eq!(
        error(read(&[])),
        ("quantity".into(), "missing required member".into())
    );
    assert_eq!(
        Empty::from_members(&Positional {
            names: &[],
            values: &[]
        }),
        Ok(Empty {})
    );
}
