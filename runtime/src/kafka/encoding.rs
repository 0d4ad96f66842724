//! Value encodings for Kafka records: how a typed value becomes record bytes and back.
//!
//! An [`Encoding<T>`] is a zero-sized marker type; the producer and the consumer
//! loop are generic over it, so the choice of wire format is made once, at the
//! type level, by generated code (`TopicProducer<Product, Json>`). Encodings are
//! stateless on purpose: both ends of a topic MUST agree on the bytes without
//! sharing any runtime state.

use std::fmt;
use std::marker::PhantomData;

/// Why a value could not be encoded to, or decoded from, record bytes.
///
/// Decoding failures are expected on a shared topic (another producer wrote
/// something else): the consumer loop sends such records to the dead-letter
/// topic instead of stopping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError {
    content_type: &'static str,
    message: String,
}

impl CodecError {
    /// Creates an error for the encoding whose content type is `content_type`.
    pub fn new(content_type: &'static str, message: impl Into<String>) -> Self {
        Self {
            content_type,
            message: message.into(),
        }
    }

    /// The content type of the encoding that failed.
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    /// The human-readable cause.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.content_type, self.message)
    }
}

impl std::error::Error for CodecError {}

/// A wire format for values of type `T`.
///
/// Implementations MUST be deterministic and MUST round-trip: `decode(encode(v))`
/// equals `v`. `decode` MUST NOT panic on any input: record bytes come from the
/// network and from producers nobody here wrote.
pub trait Encoding<T> {
    /// The MIME type written to every record's `content-type` header.
    const CONTENT_TYPE: &'static str;

    /// Encodes one value into record bytes.
    fn encode(value: &T) -> Result<Vec<u8>, CodecError>;

    /// Encodes one value at the end of `buf` (which the producer reuses from record to record,
    /// so the common encodings write without allocating). By default, [`encode`](Self::encode)
    /// and a copy.
    fn encode_into(value: &T, buf: &mut Vec<u8>) -> Result<(), CodecError> {
        buf.extend_from_slice(&Self::encode(value)?);
        Ok(())
    }

    /// Decodes record bytes into one value.
    fn decode(bytes: &[u8]) -> Result<T, CodecError>;
}

const JSON: &str = "application/json";
const PROTOBUF: &str = "application/x-protobuf";

/// JSON through serde (`application/json`); the default encoding of an IDL topic.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl<T> Encoding<T> for Json
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    const CONTENT_TYPE: &'static str = JSON;

    fn encode(value: &T) -> Result<Vec<u8>, CodecError> {
        let mut buf = Vec::new();
        Self::encode_into(value, &mut buf)?;
        Ok(buf)
    }

    fn encode_into(value: &T, buf: &mut Vec<u8>) -> Result<(), CodecError> {
        serde_json::to_writer(buf, value).map_err(|e| CodecError::new(JSON, e.to_string()))
    }

    fn decode(bytes: &[u8]) -> Result<T, CodecError> {
        // The shared JSON entry: errors name the field, integers are read exactly.
        crate::json::from_slice(bytes).map_err(|e| CodecError::new(JSON, e.to_string()))
    }
}

/// JSON (`application/json`) for a value of bytes at its top level (`bytes`, `list<bytes>`,
/// `optional<bytes>`, ...), each byte string a base64 string as in all of Rosetta's JSON: the
/// encoding of a JSON topic whose value holds bytes (what `#[serde(with = "json::bytes")]` does
/// for a field, for the whole value).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonBase64;

/// A value written (or read) through [`crate::json::bytes`].
struct Base64Json<T>(T);

impl<T: crate::json::bytes::Base64Bytes> serde::Serialize for Base64Json<&T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::json::bytes::serialize(self.0, s)
    }
}

impl<'de, T: crate::json::bytes::Base64Bytes> serde::Deserialize<'de> for Base64Json<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::json::bytes::deserialize(d).map(Base64Json)
    }
}

impl<T: crate::json::bytes::Base64Bytes> Encoding<T> for JsonBase64 {
    const CONTENT_TYPE: &'static str = JSON;

    fn encode(value: &T) -> Result<Vec<u8>, CodecError> {
        let mut buf = Vec::new();
        Self::encode_into(value, &mut buf)?;
        Ok(buf)
    }

    fn encode_into(value: &T, buf: &mut Vec<u8>) -> Result<(), CodecError> {
        serde_json::to_writer(buf, &Base64Json(value))
            .map_err(|e| CodecError::new(JSON, e.to_string()))
    }

    fn decode(bytes: &[u8]) -> Result<T, CodecError> {
        crate::json::from_slice::<Base64Json<T>>(bytes)
            .map(|wire| wire.0)
            .map_err(|e| CodecError::new(JSON, e.to_string()))
    }
}

/// A `String` as its raw UTF-8 bytes (`text/plain; charset=utf-8`).
///
/// Byte-compatible with Java's `StringSerializer` / `StringDeserializer` (which
/// default to UTF-8) and with `kafka-python` producing `str.encode()`: no length
/// prefix, no terminator, no BOM. Decoding rejects invalid UTF-8 rather than
/// replacing it, so a corrupt record goes to the dead-letter topic instead of
/// reaching the handler altered.
#[derive(Debug, Clone, Copy, Default)]
pub struct Utf8String;

impl Encoding<String> for Utf8String {
    const CONTENT_TYPE: &'static str = "text/plain; charset=utf-8";

    fn encode(value: &String) -> Result<Vec<u8>, CodecError> {
        Ok(value.as_bytes().to_vec())
    }

    fn encode_into(value: &String, buf: &mut Vec<u8>) -> Result<(), CodecError> {
        buf.extend_from_slice(value.as_bytes());
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<String, CodecError> {
        String::from_utf8(bytes.to_vec())
            .map_err(|e| CodecError::new(Self::CONTENT_TYPE, e.utf8_error().to_string()))
    }
}

/// Opaque bytes, passed through unchanged (`application/octet-stream`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RawBytes;

impl Encoding<Vec<u8>> for RawBytes {
    const CONTENT_TYPE: &'static str = "application/octet-stream";

    fn encode(value: &Vec<u8>) -> Result<Vec<u8>, CodecError> {
        Ok(value.clone())
    }

    fn encode_into(value: &Vec<u8>, buf: &mut Vec<u8>) -> Result<(), CodecError> {
        buf.extend_from_slice(value);
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<Vec<u8>, CodecError> {
        Ok(bytes.to_vec())
    }
}

/// Conversion between a domain type and its protobuf wire bytes.
///
/// Generated code implements this for each event type (through its prost
/// message and the generated domain ↔ proto conversions), which keeps `prost`
/// out of this crate's dependencies. `decode_proto` MUST reject bytes that
/// cannot be a valid domain value (missing required field, unknown enum value)
/// with an error, never a panic.
pub trait ProtobufMessage: Sized {
    /// Encodes the value as protobuf bytes.
    fn encode_proto(&self) -> Vec<u8>;

    /// Decodes protobuf bytes into a domain value.
    fn decode_proto(bytes: &[u8]) -> Result<Self, String>;
}

/// Protobuf (`application/x-protobuf`) for any [`ProtobufMessage`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Protobuf;

impl<T: ProtobufMessage> Encoding<T> for Protobuf {
    const CONTENT_TYPE: &'static str = PROTOBUF;

    fn encode(value: &T) -> Result<Vec<u8>, CodecError> {
        Ok(value.encode_proto())
    }

    fn decode(bytes: &[u8]) -> Result<T, CodecError> {
        T::decode_proto(bytes).map_err(|e| CodecError::new(PROTOBUF, e))
    }
}

/// Type-level pair of a value type and its encoding, for use in `PhantomData`.
///
/// `fn() -> (T, E)` keeps producers and consumers `Send + Sync` whatever `T` is,
/// since no `T` is ever stored.
pub(crate) type Typed<T, E> = PhantomData<fn() -> (T, E)>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Product {
        id: String,
        price_cents: i64,
    }

    #[test]
    fn json_round_trips() {
        let p = Product {
            id: "p-1".into(),
            price_cents: 250,
        };
        let bytes = Json::encode(&p).expect("encode");
        assert_eq!(bytes, br#"{"id":"p-1","price_cents":250}"#);
        let back: Product = Json::decode(&bytes).expect("decode");
        assert_eq!(back, p);
    }

    /// What generated event types look like: integers read exactly from their text.
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Priced {
        #[serde(deserialize_with = "crate::json::exact")]
        amount_minor: i64,
        #[serde(deserialize_with = "crate::json::exact")]
        size: u32,
    }

    #[test]
    fn json_integers_are_exact_and_inexact_ones_are_refused_naming_the_field() {
        let p: Priced =
            Json::decode(br#"{"amount_minor": 9007199254740993.0, "size": 1e1}"#).expect("exact");
        assert_eq!(
            p,
            Priced {
                amount_minor: 9_007_199_254_740_993,
                size: 10
            }
        );
        for (bytes, field) in [
            (
                &br#"{"amount_minor": 9007199254740992.4, "size": 1}"#[..],
                "amount_minor",
            ),
            (
                br#"{"amount_minor": 9007199254740991.5, "size": 1}"#,
                "amount_minor",
            ),
            (
                br#"{"amount_minor": 1, "size": 1.00000000000000001}"#,
                "size",
            ),
        ] {
            let err = <Json as Encoding<Priced>>::decode(bytes).expect_err("inexact");
            assert!(err.to_string().contains(&format!("`{field}`")), "{err}");
        }
    }

    #[test]
    fn json_rejects_garbage() {
        let err = <Json as Encoding<Product>>::decode(b"\xff not json").expect_err("garbage");
        assert_eq!(err.content_type(), "application/json");
    }

    #[test]
    fn json_base64_writes_top_level_bytes_as_base64() {
        let value = vec![vec![0u8, 255], Vec::new()];
        let bytes = JsonBase64::encode(&value).expect("encode");
        assert_eq!(bytes, br#"["AP8=",""]"#);
        let back: Vec<Vec<u8>> = JsonBase64::decode(&bytes).expect("decode");
        assert_eq!(back, value);
        let mut buf = b"x".to_vec();
        JsonBase64::encode_into(&value, &mut buf).expect("encode_into");
        assert_eq!(buf, br#"x["AP8=",""]"#);
        assert_eq!(
            <JsonBase64 as Encoding<Vec<u8>>>::decode(br#""AP8""#).expect("unpadded"),
            [0, 255]
        );
        let err = <JsonBase64 as Encoding<Vec<u8>>>::decode(b"[0, 255]").expect_err("numbers");
        assert_eq!(err.content_type(), "application/json");
    }

    #[test]
    fn utf8_string_is_raw_bytes() {
        let bytes = Utf8String::encode(&"héllo".to_string()).expect("encode");
        assert_eq!(bytes, "héllo".as_bytes());
        assert_eq!(Utf8String::decode(&bytes).expect("decode"), "héllo");
        assert_eq!(Utf8String::decode(b"").expect("empty"), "");
    }

    #[test]
    fn utf8_string_rejects_invalid_utf8() {
        let err = Utf8String::decode(b"ab\xc3\x28").expect_err("invalid");
        assert!(err.to_string().starts_with("text/plain"), "{err}");
    }

    #[test]
    fn raw_bytes_pass_through() {
        let v = vec![0u8, 255, 10];
        assert_eq!(RawBytes::encode(&v).expect("encode"), v);
        assert_eq!(RawBytes::decode(&v).expect("decode"), v);
    }

    struct Fixed(u8);

    impl ProtobufMessage for Fixed {
        fn encode_proto(&self) -> Vec<u8> {
            vec![0x08, self.0]
        }
        fn decode_proto(bytes: &[u8]) -> Result<Self, String> {
            match bytes {
                [0x08, v] => Ok(Fixed(*v)),
                _ => Err("expected field 1 varint".into()),
            }
        }
    }

    #[test]
    fn protobuf_delegates_to_the_message() {
        assert_eq!(Protobuf::encode(&Fixed(7)).expect("encode"), [0x08, 7]);
        assert_eq!(
            <Protobuf as Encoding<Fixed>>::decode(&[0x08, 9])
                .expect("ok")
                .0,
            9
        );
        assert!(<Protobuf as Encoding<Fixed>>::decode(&[1]).is_err());
    }
}
