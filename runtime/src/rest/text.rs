//! Path variables and query parameters deserialized straight into the request struct: a serde
//! `Deserializer` over the texts, typed by the route's table, with no JSON value in between (a
//! route like `GET /products/{id}` decodes with one small vector and no map).

use std::borrow::Cow;

use serde::de::value::{CowStrDeserializer, Error, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use super::route::Kind;

/// The texts of one path variable or query parameter.
#[derive(Debug)]
pub(super) enum Texts<'a> {
    /// A scalar.
    One(Cow<'a, str>),
    /// A `list<_>`: every occurrence of the key, in order.
    Many(Vec<Cow<'a, str>>),
}

/// One named input, with how to read it.
#[derive(Debug)]
pub(super) struct Input<'a> {
    pub name: &'a str,
    pub kind: Kind,
    pub texts: Texts<'a>,
}

/// Deserializes `Req` from the inputs, as if they were the members of a JSON object.
pub(super) fn decode<Req: DeserializeOwned>(inputs: Vec<Input<'_>>) -> Result<Req, String> {
    let map = MapDeserializer::<_, Error>::new(inputs.into_iter().map(|i| {
        (
            i.name,
            Text {
                name: i.name,
                kind: i.kind,
                texts: i.texts,
            },
        )
    }));
    Req::deserialize(map).map_err(|e| e.to_string())
}

/// One input's value as a deserializer.
struct Text<'a> {
    name: &'a str,
    kind: Kind,
    texts: Texts<'a>,
}

impl<'de, 'a> IntoDeserializer<'de, Error> for Text<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'a> Text<'a> {
    fn wrong(&self, text: &str, what: &str) -> Error {
        de::Error::custom(format!("`{}`: expected {what}, got {text:?}", self.name))
    }
}

impl<'de, 'a> de::Deserializer<'de> for Text<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let text = match self.texts {
            Texts::One(ref t) => t.as_ref(),
            Texts::Many(items) => {
                let (name, kind) = (self.name, self.kind);
                return visitor.visit_seq(SeqDeserializer::new(items.into_iter().map(|t| Text {
                    name,
                    kind,
                    texts: Texts::One(t),
                })));
            }
        };
        match self.kind {
            Kind::Str => visitor.visit_str(text),
            Kind::Bool => match text {
                "true" => visitor.visit_bool(true),
                "false" => visitor.visit_bool(false),
                _ => Err(self.wrong(text, "`true` or `false`")),
            },
            // Exactly from the text (`2.0` and `2e0` are 2; `2.5` is not an integer).
            Kind::Int => match crate::json::parse_integer(text) {
                Ok(i) => match (i64::try_from(i), u64::try_from(i)) {
                    (Ok(i), _) => visitor.visit_i64(i),
                    (_, Ok(u)) => visitor.visit_u64(u),
                    _ => Err(self.wrong(text, "an integer in range")),
                },
                Err(_) => Err(self.wrong(text, "an integer")),
            },
            Kind::Float => match text.parse::<f64>() {
                Ok(f) if f.is_finite() => visitor.visit_f64(f),
                _ => Err(self.wrong(text, "a finite number")),
            },
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.texts {
            Texts::One(t) => {
                CowStrDeserializer::<Error>::new(t).deserialize_enum(name, variants, visitor)
            }
            Texts::Many(_) => self.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    enum Colour {
        #[serde(rename = "RED")]
        Red,
        #[serde(rename = "BLUE")]
        Blue,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Req {
        id: i64,
        name: String,
        limit: Option<u32>,
        on: Option<bool>,
        score: f64,
        colour: Option<Colour>,
        #[serde(default)]
        colours: Vec<Colour>,
        #[serde(default)]
        ids: Vec<u64>,
    }

    fn one<'a>(name: &'a str, kind: Kind, text: &'a str) -> Input<'a> {
        Input {
            name,
            kind,
            texts: Texts::One(Cow::Borrowed(text)),
        }
    }

    #[test]
    fn texts_decode_by_kind() {
        let r: Req = decode(vec![
            one("id", Kind::Int, "-7"),
            one("name", Kind::Str, "a b"),
            one("limit", Kind::Int, "5.0"),
            one("on", Kind::Bool, "true"),
            one("score", Kind::Float, "0.5"),
            one("colour", Kind::Str, "RED"),
            Input {
                name: "colours",
                kind: Kind::Str,
                texts: Texts::Many(vec!["BLUE".into(), "RED".into()]),
            },
            Input {
                name: "ids",
                kind: Kind::Int,
                texts: Texts::Many(vec!["18446744073709551615".into()]),
            },
        ])
        .unwrap();
        assert_eq!(
            r,
            Req {
                id: -7,
                name: "a b".into(),
                limit: Some(5),
                on: Some(true),
                score: 0.5,
                colour: Some(Colour::Red),
                colours: vec![Colour::Blue, Colour::Red],
                ids: vec![u64::MAX],
            }
        );
    }

    #[test]
    fn bad_texts_name_the_input() {
        let base = || vec![one("name", Kind::Str, "x"), one("score", Kind::Float, "1")];
        let mut v = base();
        v.push(one("id", Kind::Int, "-9223372036854775809"));
        assert!(
            decode::<Req>(v)
                .unwrap_err()
                .contains("`id`: expected an integer")
        );
        let mut v = base();
        v.push(one("id", Kind::Int, "1"));
        v.push(one("on", Kind::Bool, "1"));
        assert!(decode::<Req>(v).unwrap_err().contains("`on`"));
        let mut v = base();
        v.push(one("id", Kind::Int, "1"));
        v.push(one("limit", Kind::Int, "-1"));
        assert!(decode::<Req>(v).unwrap_err().contains("u32"));
        let mut v = base();
        v.push(one("id", Kind::Int, "1"));
        v.push(one("colour", Kind::Str, "GREEN"));
        assert!(decode::<Req>(v).unwrap_err().contains("GREEN"));
        assert!(
            decode::<Req>(vec![one("name", Kind::Str, "x")])
                .unwrap_err()
                .contains("missing field `id`")
        );
    }
}
