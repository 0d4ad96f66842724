//! Derive macros for Rosetta: `#[derive(Validate)]`, `#[derive(XmlRpc)]` and
//! `#[derive(Event)]`.
//!
//! Types generated from an IDL carry these derives, and hand-written types can use them too.
//! Depend on the facade crate `rosetta` (its default feature `derive` re-exports these macros;
//! `XmlRpc` also needs its feature `xmlrpc`) and write `#[derive(rosetta::Validate)]`.
//!
//! Both derives read the same `#[rosetta(...)]` attributes, so a type deriving both agrees on
//! every name:
//!
//! | where | attribute | used by |
//! | --- | --- | --- |
//! | struct or enum | `crate = "::path"` | all: root of the paths the expansion uses (default `::rosetta`) |
//! | struct or enum | `topic = "name"`, `key = field`, `encoding = "json"` | `Event` |
//! | field | `rename = "name"` | both: the member name and the validation path segment |
//! | field | `range(min = 1, max = 100)` | `Validate` |
//! | field | `length(min = 1, max = 200)` | `Validate` |
//! | field | `pattern = "^[a-z]+$"` | `Validate` |
//! | field | `skip` | `Validate`: do not descend into the field |
//! | variant | `rename = "NAME"` | both: the string of a unit variant, the member of a union variant |
//! | union variant's field | `range`, `length`, `pattern`, `skip` | `Validate` |
//!
//! Mistakes in these attributes are reported together, each at the token it is about, and the
//! derive then emits an impl with an unreachable body so that rustc adds no follow-on errors.

mod attr;
mod event;
mod fallback;
mod input;
mod model;
mod ty;
mod validate;
mod xmlrpc;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `rosetta::Validate`: checks `#[rosetta(...)]` constraints and reports every
/// violation with its field path.
///
/// `value.validate()` returns `Ok(())` or every violation (`rosetta::Violation`) at once, each
/// with the path of the value it is about (`lines[2].quantity`, `tags[3]`,
/// `attributes["color"]`), the rule that failed (`range`, `length` or `pattern`) and a message.
///
/// ```
/// use rosetta::Validate;
///
/// #[derive(rosetta::Validate)]
/// struct Order {
///     #[rosetta(length(min = 1, max = 12), pattern = "^[A-Z0-9-]+$")]
///     id: String,
///     #[rosetta(range(max = 0.5))]
///     discount: Option<f64>,
///     lines: Vec<Line>,
/// }
///
/// #[derive(rosetta::Validate)]
/// struct Line {
///     #[rosetta(range(min = 1, max = 100))]
///     quantity: u32,
/// }
///
/// let order = Order {
///     id: "a-1".into(),
///     discount: Some(0.75),
///     lines: vec![Line { quantity: 1 }, Line { quantity: 0 }],
/// };
/// let violations = order.validate().unwrap_err();
/// let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
/// assert_eq!(fields, ["id", "discount", "lines[1].quantity"]);
/// ```
///
/// # Field attributes
///
/// - `#[rosetta(range(min = 1, max = 100))]`: the value must lie between the bounds, both
///   inclusive. Either bound may be left out. Bounds are number literals, negative allowed
///   (`min = -5`, `max = 0.5`); on a field written `f32`/`f64` an integer bound such as `0` is
///   read as `0.0`. The field's type must be `Copy + PartialOrd + Display` (NaN fails).
/// - `#[rosetta(length(min = 1, max = 200))]`: the length must lie between the bounds, both
///   inclusive: characters (not bytes) of a `String`, items of a `Vec` or map. Bounds are
///   non-negative integer literals; either may be left out.
/// - `#[rosetta(pattern = "^[a-z]+$")]`: the text must match the regex (unanchored, like
///   `Regex::is_match`: write `^...$` to match the whole text). The regex is checked while
///   compiling: one that does not parse is a compile error at the string. The field must be
///   `AsRef<str>`.
/// - `#[rosetta(rename = "name")]`: the name used in violation paths (and as the XML-RPC member
///   name). The default is the field's name, without `r#`.
/// - `#[rosetta(skip)]`: do not descend into the field (see below). Its own `range`, `length`
///   and `pattern` are still checked.
///
/// Several keys can share one attribute: `#[rosetta(length(max = 10), pattern = "^a")]`.
/// Each key may be given once per field.
///
/// On a field written `Option<T>`, the constraints apply to the value inside `Some`, and
/// `None` passes. This is decided from the syntax: a type alias for an `Option` is not seen
/// as one.
///
/// # Descending into fields
///
/// After its constraints, every field is validated itself, under its name: a nested struct's
/// violations come out as `address.zip`. So **every field's type must implement `Validate`**.
/// The runtime implements it for the scalars and `String` (doing nothing) and for `Option`,
/// `Vec`, `Box` and maps keyed by `String` (validating each element, under `[i]` or `["key"]`).
/// For a field of another type, derive `Validate` on that type, or mark the field
/// `#[rosetta(skip)]`.
///
/// # Enums
///
/// - An enum of unit variants gets an impl that accepts every value.
/// - An enum whose variants each hold one value (a union, `Card(CardPayment)`) validates the
///   active variant's value under the variant's name in snake_case (`card`), or its
///   `#[rosetta(rename = "...")]`. Constraints go on the variant's field:
///   `Code(#[rosetta(pattern = "^[A-Z]{3}$")] String)`.
/// - Unit variants and variants holding one value may be mixed. Variants with named fields or
///   with several values are errors.
///
/// # Container attribute
///
/// `#[rosetta(crate = "::rosetta_runtime")]` on the struct or enum: the path the expansion
/// reaches the runtime through (default `::rosetta`), for crates that depend on
/// `rosetta-runtime` directly or rename the dependency.
///
/// # Generics
///
/// Type parameters are supported: the impl requires `T: Validate` for each of them.
///
/// # Not supported
///
/// Tuple structs, unit structs and unions (`union`) are errors: validation paths need field
/// names.
#[proc_macro_derive(Validate, attributes(rosetta))]
pub fn derive_validate(input: TokenStream) -> TokenStream {
    let ast = parse_macro_input!(input as DeriveInput);
    validate::derive(&ast).into()
}

/// Implements `rosetta::xmlrpc::ToXmlRpc` and `FromXmlRpc`: the type's XML-RPC form.
///
/// Needs the `xmlrpc` feature of `rosetta` (the expansion uses `rosetta::xmlrpc`).
///
/// ```
/// use rosetta::xmlrpc::{FromXmlRpc, ToXmlRpc, Value};
///
/// #[derive(Debug, PartialEq, rosetta::XmlRpc)]
/// struct Product {
///     #[rosetta(rename = "productId")]
///     id: i64,
///     name: String,
///     note: Option<String>,
///     status: Status,
/// }
///
/// #[derive(Debug, PartialEq, rosetta::XmlRpc)]
/// enum Status {
///     #[rosetta(rename = "ACTIVE")]
///     Active,
///     #[rosetta(rename = "RETIRED")]
///     Retired,
/// }
///
/// let product = Product { id: 7, name: "lamp".into(), note: None, status: Status::Active };
/// let value = product.to_xmlrpc();
/// assert_eq!(
///     value,
///     Value::structure([
///         ("productId", Value::Int(7)),
///         ("name", Value::from("lamp")),
///         ("status", Value::from("ACTIVE")),
///     ])
/// );
/// assert_eq!(Product::from_xmlrpc(&value).unwrap(), product);
/// ```
///
/// # Forms
///
/// - **A struct with named fields** is a `<struct>` with one member per field, named after the
///   field (without `r#`) or its `#[rosetta(rename = "...")]`. A field written `Option<T>` is
///   left out when `None`, and reads as `None` when the member is absent or `<nil/>`. Any other
///   missing member is an error naming it. Members the struct does not know are ignored, so
///   peers can add fields. Errors inside a member carry its path (`lines[2].price: expected
///   double, found string`).
/// - **An enum of unit variants** is a `<string>` with the variant's name, or its
///   `#[rosetta(rename = "...")]`. Reading any other string is an error listing the valid ones.
/// - **An enum whose variants each hold one value** (a union, `Card(CardPayment)`) is a
///   `<struct>` with exactly one member, named after the active variant in snake_case (`card`)
///   or its `#[rosetta(rename = "...")]`. Reading a struct with no member, several members or an
///   unknown one is an error.
///
/// Field types must implement `ToXmlRpc` and `FromXmlRpc`: the runtime does for `bool`, `i32`,
/// `i64`, `u32`, `u64`, `f64`, `String`, `DateTime`, `Vec<u8>` (as `<base64>`), `Vec<T>`,
/// `Option<T>`, `Box<T>` and maps keyed by `String`; derive `XmlRpc` on your own types.
///
/// `try_to_xmlrpc` is implemented too: it reports, with its path, a value that has no faithful
/// XML-RPC form (a `u64` above `i64::MAX`).
///
/// # Attributes
///
/// - `#[rosetta(rename = "name")]` on a field or variant: the name on the wire.
/// - `#[rosetta(crate = "::rosetta_runtime")]` on the type: the path the expansion reaches the
///   runtime through (default `::rosetta`).
/// - `range`, `length`, `pattern` and `skip` belong to [`Validate`](derive@Validate) and do
///   not change the XML-RPC form.
///
/// # Generics
///
/// Type parameters are supported: `ToXmlRpc` requires `T: ToXmlRpc`, `FromXmlRpc` requires
/// `T: FromXmlRpc`.
///
/// # Not supported
///
/// Tuple structs, unit structs, unions (`union`), enums mixing unit variants with variants
/// holding a value, and variants with named fields or several values are compile errors.
#[proc_macro_derive(XmlRpc, attributes(rosetta))]
pub fn derive_xmlrpc(input: TokenStream) -> TokenStream {
    let ast = parse_macro_input!(input as DeriveInput);
    xmlrpc::derive(&ast).into()
}

/// Implements `rosetta::kafka::Event`: a hand-written type published and consumed on a Kafka
/// topic with the runtime generated topic modules use.
///
/// Needs the `kafka` feature of `rosetta` (the expansion uses `rosetta::kafka`).
///
/// ```
/// use rosetta::kafka::{Event, KafkaConfig, event_consumer, event_producer, publish};
///
/// #[derive(serde::Serialize, serde::Deserialize, rosetta::Event)]
/// #[rosetta(topic = "orders.placed", key = order_id)]
/// struct OrderPlaced {
///     order_id: String,
///     total_cents: u64,
/// }
///
/// async fn send(config: &KafkaConfig) -> Result<(), rosetta::kafka::KafkaError> {
///     let producer = event_producer::<OrderPlaced>(config)?;
///     let event = OrderPlaced { order_id: "o-1".into(), total_cents: 1299 };
///     publish(&producer, &event).await?; // keyed by "o-1"
///     Ok(())
/// }
///
/// // Consumed by the runner generated modules use, with retries and `orders.placed.dlq`;
/// // `.run(handler, shutdown)` joins the group.
/// fn consumer(config: &KafkaConfig) {
///     let runner = event_consumer::<OrderPlaced>(config, "billing");
///     assert_eq!(runner.topic(), OrderPlaced::TOPIC);
/// }
/// ```
///
/// The impl sets `TOPIC`, `TYPE_NAME` (the type's name, written to each record's
/// `rosetta-type` header), the `Encoding` and `key()`.
///
/// # Container attributes
///
/// - `topic = "name"` (required): the Kafka topic, 1 to 249 characters of `[A-Za-z0-9._-]`,
///   checked while compiling.
/// - `key = field` (optional): the field records are keyed by, so that records with the same
///   key are consumed in order. The field must be `AsRef<str>` (a `String`), or written
///   `Option<T>` with `T: AsRef<str>`, where `None` sends an unkeyed record. Without `key`,
///   records have no key. Only structs with named fields have a key.
/// - `encoding = "json" | "string" | "bytes"` (default `"json"`):
///   - `"json"`: serde JSON (`rosetta::kafka::Json`); the type must implement `Serialize`
///     and `Deserialize`. Structs and enums.
///   - `"string"`: a struct with exactly one field, a `String`, sent as its UTF-8 bytes
///     (`Utf8String`): `struct Greeting(String);`.
///   - `"bytes"`: a struct with exactly one field, a `Vec<u8>`, sent unchanged (`RawBytes`).
/// - `crate = "::rosetta_runtime"`: the path the expansion reaches the runtime through
///   (default `::rosetta`).
///
/// `range`, `length`, `pattern`, `rename` and `skip` belong to the other derives and are
/// ignored by this one; `topic`, `key` and `encoding` are ignored by them, so a type can
/// derive `Event` and `Validate` with one `#[rosetta(...)]`.
///
/// # Errors
///
/// A missing or invalid topic, an unknown encoding or attribute, a `key` naming no field (or
/// on an enum or tuple struct) and `"string"`/`"bytes"` on a type without exactly one field
/// are compile errors, reported together at the tokens they are about.
#[proc_macro_derive(Event, attributes(rosetta))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    let ast = parse_macro_input!(input as DeriveInput);
    event::derive(&ast).into()
}

/// The derives and container attributes of an IDL-generated type (`#[::rosetta::__model(default,
/// xmlrpc)]`), expanded here so that the generator writes one line per type. For generated code
/// only: not a public API.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn __model(args: TokenStream, item: TokenStream) -> TokenStream {
    model::expand(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
