//! The typed producer and consumer of a generated topic module: generic over a [`Topic`] (its
//! names, value type, encoding and key), so a topic module is a `Topic` impl of constants and
//! associated types plus its `Handler` trait, and everything else is written (and tested) once
//! here.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::time::Duration;

use super::{
    ConsumerRunner, Delivered, Encoding, Handler, HandlerError, KafkaConfig, KafkaError, Record,
    RecordStream, RetryPolicy, RunSummary, TopicProducer,
};

/// One IDL topic, as generated code describes it: implemented by the `Topic` unit struct of every
/// topic module.
pub trait Topic: Send + Sync + 'static {
    /// The topic's name on the broker.
    const NAME: &'static str;
    /// Where a [`Consumer`] sends the records it cannot decode or handle, unless told otherwise.
    const DEAD_LETTER_TOPIC: &'static str;
    /// The IDL type of the values, in every record's `rosetta-type` header.
    const VALUE_TYPE: &'static str;
    /// The type of the records' values.
    type Value: Send + Sync + 'static;
    /// How values are encoded.
    type Encoding: Encoding<Self::Value> + 'static;

    /// The record key of a value, for topics keyed by a field of the value (`None` otherwise).
    fn key(value: &Self::Value) -> Option<&str>;
}

/// How a [`Producer`] keys records: by a field of the value (`send(&value)`).
#[derive(Debug, Clone, Copy)]
pub enum KeyField {}

/// How a [`Producer`] keys records: by a key the caller gives (`send(key, &value)`).
#[derive(Debug, Clone, Copy)]
pub enum KeyExplicit {}

/// The typed producer of topic `T`: idempotent, `acks=all`, every record with `content-type` and
/// `rosetta-type` headers. Cloning is cheap and shares the connection. `K` says how records are
/// keyed ([`KeyField`] or [`KeyExplicit`]), which decides the shape of `send` and `enqueue`.
pub struct Producer<T: Topic, K> {
    inner: TopicProducer<T::Value, T::Encoding>,
    _key: PhantomData<fn() -> K>,
}

impl<T: Topic, K> Clone for Producer<T, K> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            _key: PhantomData,
        }
    }
}

impl<T: Topic, K> fmt::Debug for Producer<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<T: Topic, K> Producer<T, K> {
    /// Connects a producer. MUST be called inside a Tokio runtime.
    pub fn new(config: &KafkaConfig) -> Result<Self, KafkaError> {
        TopicProducer::new(config, T::NAME, T::VALUE_TYPE).map(|inner| Self {
            inner,
            _key: PhantomData,
        })
    }

    /// A producer for this topic sharing `other`'s connection (and librdkafka's batches).
    pub fn sharing<U, F: Encoding<U>>(other: &TopicProducer<U, F>) -> Self {
        Self {
            inner: other.for_topic(T::NAME, T::VALUE_TYPE),
            _key: PhantomData,
        }
    }

    /// Sends a tombstone for `key` (a record with a null value, which on a compacted topic
    /// deletes the key) and waits until the brokers acknowledged it. Consumers see it in the
    /// handler's `tombstone`, never as a value.
    pub async fn tombstone(&self, key: &str) -> Result<Delivered, KafkaError> {
        self.inner.send_tombstone(key).await
    }

    /// Waits until every record queued by `enqueue` is acknowledged; call it before shutting
    /// down.
    pub async fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.inner.flush(timeout).await
    }

    /// The runtime producer underneath, for what this type does not cover.
    pub fn inner(&self) -> &TopicProducer<T::Value, T::Encoding> {
        &self.inner
    }
}

impl<T: Topic> Producer<T, KeyField> {
    /// Sends one record, keyed by the topic's key field, and waits until the brokers
    /// acknowledged it. Records with one key are consumed in the order they were sent.
    pub async fn send(&self, value: &T::Value) -> Result<Delivered, KafkaError> {
        self.inner.send(T::key(value), value).await
    }

    /// Queues one record, keyed by the topic's key field, without waiting for its
    /// acknowledgement (librdkafka batches it); [`flush`](Self::flush) waits for every queued
    /// record.
    pub async fn enqueue(&self, value: &T::Value) -> Result<(), KafkaError> {
        self.inner.enqueue(T::key(value), value).await
    }
}

impl<T: Topic> Producer<T, KeyExplicit> {
    /// Sends one record with the given key and waits until the brokers acknowledged it.
    /// Records with one key are consumed in the order they were sent.
    pub async fn send(&self, key: &str, value: &T::Value) -> Result<Delivered, KafkaError> {
        self.inner.send(Some(key), value).await
    }

    /// Queues one record with the given key, without waiting for its acknowledgement
    /// (librdkafka batches it); [`flush`](Self::flush) waits for every queued record.
    pub async fn enqueue(&self, key: &str, value: &T::Value) -> Result<(), KafkaError> {
        self.inner.enqueue(Some(key), value).await
    }
}

/// How topic `Self` hands a record to a topic's own handler trait `H` (one method per union
/// variant, or one for a plain value): implemented by generated code for every `H` that
/// implements the topic module's `Handler`.
pub trait Dispatch<H>: Topic {
    /// Hands a record holding a value to `handler`.
    fn handle(
        handler: &H,
        record: Record<Self::Value>,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;

    /// Hands a tombstone to `handler`.
    fn tombstone(
        handler: &H,
        record: Record<()>,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// A topic handler `H` as the runner's handler of values.
struct Dispatcher<T, H>(H, PhantomData<fn() -> T>);

impl<T: Dispatch<H>, H: Send + Sync + 'static> Handler<T::Value> for Dispatcher<T, H> {
    fn handle(
        &self,
        record: Record<T::Value>,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        T::handle(&self.0, record)
    }

    fn tombstone(
        &self,
        record: Record<()>,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        T::tombstone(&self.0, record)
    }
}

/// Consumes topic `T` as a member of a consumer group and dispatches every record to the topic's
/// handler: at-least-once, retries with backoff, then the dead-letter topic; records of one key
/// in order; several consumers of one group share the partitions.
pub struct Consumer<T: Topic> {
    inner: ConsumerRunner<T::Value, T::Encoding>,
}

impl<T: Topic> Clone for Consumer<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Topic> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<T: Topic> Consumer<T> {
    /// A consumer in group `group_id`; nothing connects until [`run`](Self::run).
    pub fn new(config: &KafkaConfig, group_id: impl Into<String>) -> Self {
        let mut inner = ConsumerRunner::new(config, T::NAME, group_id);
        inner.dead_letter_topic(T::DEAD_LETTER_TOPIC);
        Self { inner }
    }

    /// How many records may be in a handler at once (default 1), each from a different
    /// partition.
    pub fn concurrency(&mut self, concurrency: usize) -> &mut Self {
        self.inner.concurrency(concurrency);
        self
    }

    /// How often and how patiently a failing record is retried.
    pub fn retry_policy(&mut self, policy: RetryPolicy) -> &mut Self {
        self.inner.retry_policy(policy);
        self
    }

    /// Where failed records go instead of the topic's dead-letter topic.
    pub fn dead_letter_topic(&mut self, topic: impl Into<String>) -> &mut Self {
        self.inner.dead_letter_topic(topic);
        self
    }

    /// The runtime runner underneath, for what this type does not cover.
    pub fn inner_mut(&mut self) -> &mut ConsumerRunner<T::Value, T::Encoding> {
        &mut self.inner
    }

    /// The topic's values as a typed stream read as a member of the group: at-least-once, each
    /// record's offset committed only after the stream's reader acknowledged it (dropped the
    /// [`Delivery`](super::Delivery)); records that cannot be decoded go to the dead-letter
    /// topic and the stream goes on. See [`ConsumerRunner::stream`].
    /// MUST be called inside a Tokio runtime.
    pub fn stream(&self) -> Result<RecordStream<T::Value>, KafkaError> {
        self.inner.stream()
    }

    /// The values published from now on, as a typed stream read by an independent reader
    /// placed at the end of every partition (no group, no commits): what a server-streaming rpc
    /// forwarding the topic to each of its watchers uses. See [`ConsumerRunner::tail`].
    /// MUST be called inside a Tokio runtime.
    pub async fn tail(&self) -> Result<RecordStream<T::Value>, KafkaError> {
        self.inner.tail().await
    }

    /// Joins the group and handles records until `shutdown` completes, then drains and commits.
    /// MUST be called inside a Tokio runtime.
    pub async fn run<H>(
        &self,
        handler: H,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<RunSummary, KafkaError>
    where
        T: Dispatch<H>,
        H: Send + Sync + 'static,
    {
        self.inner
            .run(Dispatcher::<T, H>(handler, PhantomData), shutdown)
            .await
    }
}
