//! Kafka runtime: typed producer, consumer loop with retries and a dead-letter topic, embedded broker.
//!
//! Generated topic modules are thin: a [`Topic`] impl (names, value type,
//! encoding, key) that the generic [`Producer`] and [`Consumer`] are typed by,
//! and the topic's handler trait with its [`Dispatch`]; everything that
//! carries a delivery guarantee lives here and is tested here.
//!
//! The guarantees, as the design states them:
//! - producers are idempotent with `acks=all`;
//! - every record carries `content-type` and `rosetta-type` headers;
//! - consumption is at-least-once: an offset is stored only after the record
//!   was handled, or, after the retries ran out or the value could not be
//!   decoded, written to `<topic>.dlq`; shutdown drains and commits;
//! - a consumer can also be read as a typed [`RecordStream`] whose reader
//!   acknowledges each record (the offset is stored only then), or as a tail
//!   reader placed at the end of the topic (what a server stream forwarding
//!   the topic to each watcher uses);
//! - with no bootstrap servers configured, an [`EmbeddedBroker`] (librdkafka's
//!   in-process mock cluster) stands in for Kafka.

mod admin;
mod config;
mod consumer;
mod embedded;
mod encoding;
mod error;
mod event;
mod producer;
#[doc(hidden)]
/// The protobuf codec, shared with gRPC: see [`crate::proto`].
pub use crate::proto;
mod stream;
mod topic;

pub use crate::dead_letter::{DEAD_LETTER_SUFFIX, dead_letter_topic};
pub use admin::ensure_topics;
pub use config::{
    AUTO_COMMIT_INTERVAL_MS, EMBEDDED_GROUP_TIMING, KafkaConfig, PRODUCER_MESSAGE_MAX_BYTES,
    builtin_features,
};
pub use consumer::{
    ConsumerRunner, FnHandler, Handler, HandlerError, Header, Record, RetryPolicy, RunSummary,
    accept_tombstone, handler_fn,
};
pub use embedded::EmbeddedBroker;
pub use encoding::{
    CodecError, Encoding, Json, JsonBase64, Protobuf, ProtobufMessage, RawBytes, Utf8String,
};
pub use error::KafkaError;
pub use event::{Event, event_consumer, event_producer, publish};
pub use producer::{Delivered, DeliveryCounter, TopicProducer};
pub use stream::{Delivery, RecordStream};
pub use topic::{Consumer, Dispatch, KeyExplicit, KeyField, Producer, Topic};

/// The librdkafka binding this runtime is built on, for what it does not cover.
pub use rdkafka;

/// Names of the record headers the runtime writes.
pub mod headers {
    /// The value's MIME type ([`Encoding::CONTENT_TYPE`](super::Encoding::CONTENT_TYPE)).
    pub const CONTENT_TYPE: &str = "content-type";
    /// The IDL name of the value's type.
    pub const TYPE: &str = "rosetta-type";
    /// On a dead-letter record: why it could not be handled.
    pub const ERROR: &str = "rosetta-error";
    /// On a dead-letter record: the topic it was read from.
    pub const ORIGINAL_TOPIC: &str = "rosetta-original-topic";
    /// On a dead-letter record: its partition there, in decimal.
    pub const ORIGINAL_PARTITION: &str = "rosetta-original-partition";
    /// On a dead-letter record: its offset there, in decimal.
    pub const ORIGINAL_OFFSET: &str = "rosetta-original-offset";
}
