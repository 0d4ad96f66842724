//! The typed producer that generated topic stubs call.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rdkafka::error::{KafkaError as RdKafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use rdkafka::util::Timeout;

use super::config::KafkaConfig;
use super::encoding::{Encoding, Typed};
use super::error::KafkaError;
use super::headers;

/// Where a record landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Delivered {
    /// The partition the record was written to.
    pub partition: i32,
    /// Its offset in that partition.
    pub offset: i64,
}

/// A producer of `T` values to one topic, encoded with `E`.
///
/// Built on an idempotent `FutureProducer` with `acks=all`: a record that is
/// acknowledged is on every in-sync replica, and librdkafka's internal retries
/// never duplicate or reorder it. Every record carries two headers:
/// `content-type` ([`Encoding::CONTENT_TYPE`]) and `rosetta-type` (the message
/// type name given at construction).
///
/// Cloning is cheap and shares the connection and the records pending a
/// [`flush`](Self::flush).
pub struct TopicProducer<T, E> {
    producer: FutureProducer,
    topic: Arc<str>,
    type_name: Arc<str>,
    pending: Arc<Mutex<Vec<DeliveryFuture>>>,
    _types: Typed<T, E>,
}

impl<T, E> Clone for TopicProducer<T, E> {
    fn clone(&self) -> Self {
        Self {
            producer: self.producer.clone(),
            topic: self.topic.clone(),
            type_name: self.type_name.clone(),
            pending: self.pending.clone(),
            _types: Typed::default(),
        }
    }
}

impl<T, E> std::fmt::Debug for TopicProducer<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicProducer")
            .field("topic", &self.topic)
            .field("type_name", &self.type_name)
            .finish_non_exhaustive()
    }
}

impl<T, E: Encoding<T>> TopicProducer<T, E> {
    /// Connects a producer for `topic`, whose records carry `rosetta-type: <type_name>`.
    ///
    /// MUST be called inside a Tokio runtime.
    pub fn new(
        config: &KafkaConfig,
        topic: impl Into<String>,
        type_name: impl Into<String>,
    ) -> Result<Self, KafkaError> {
        let producer: FutureProducer = config.producer_config()?.create()?;
        Ok(Self {
            producer,
            topic: topic.into().into(),
            type_name: type_name.into().into(),
            pending: Arc::default(),
            _types: Typed::default(),
        })
    }

    /// A producer for another topic (or type) that shares this one's connection.
    pub fn for_topic<U, F: Encoding<U>>(
        &self,
        topic: impl Into<String>,
        type_name: impl Into<String>,
    ) -> TopicProducer<U, F> {
        TopicProducer {
            producer: self.producer.clone(),
            topic: topic.into().into(),
            type_name: type_name.into().into(),
            pending: Arc::default(),
            _types: Typed::default(),
        }
    }

    /// The topic records go to.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The underlying librdkafka producer, for what this type does not cover.
    pub fn inner(&self) -> &FutureProducer {
        &self.producer
    }

    /// Sends one record and waits until the brokers acknowledged it.
    ///
    /// The key is written as its UTF-8 bytes; records with the same key go to
    /// the same partition, so they are consumed in the order they were sent.
    pub async fn send(&self, key: Option<&str>, value: &T) -> Result<Delivered, KafkaError> {
        let payload = E::encode(value)?;
        let record = self.record(key, &payload);
        match self.producer.send(record, Timeout::Never).await {
            Ok(delivery) => Ok(Delivered {
                partition: delivery.partition,
                offset: delivery.offset,
            }),
            Err((e, _)) => Err(e.into()),
        }
    }

    /// Sends a tombstone for `key` (a record with a null value: on a compacted topic it deletes
    /// the key) and waits until the brokers acknowledged it.
    ///
    /// It carries the `rosetta-type` header but no `content-type`: there is no content. Rosetta
    /// consumers give it to [`Handler::tombstone`](super::Handler::tombstone), never to `handle`.
    pub async fn send_tombstone(&self, key: &str) -> Result<Delivered, KafkaError> {
        let headers = OwnedHeaders::new_with_capacity(1).insert(Header {
            key: headers::TYPE,
            value: Some(&*self.type_name),
        });
        let record: FutureRecord<'_, str, [u8]> =
            FutureRecord::to(&self.topic).key(key).headers(headers);
        match self.producer.send(record, Timeout::Never).await {
            Ok(delivery) => Ok(Delivered {
                partition: delivery.partition,
                offset: delivery.offset,
            }),
            Err((e, _)) => Err(e.into()),
        }
    }

    /// Queues one record without waiting for its acknowledgement.
    ///
    /// Waits only while librdkafka's queue is full. Records queued this way
    /// are batched by librdkafka (`linger.ms`); [`flush`](Self::flush) waits
    /// for them and reports any that were not delivered. Call `flush`
    /// regularly: each queued record is remembered until then.
    pub async fn enqueue(&self, key: Option<&str>, value: &T) -> Result<(), KafkaError> {
        let payload = E::encode(value)?;
        let mut record = self.record(key, &payload);
        loop {
            match self.producer.send_result(record) {
                Ok(delivery) => {
                    self.pending().push(delivery);
                    return Ok(());
                }
                Err((RdKafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                Err((e, _)) => return Err(e.into()),
            }
        }
    }

    /// Waits until every record [`enqueue`](Self::enqueue)d so far is acknowledged.
    ///
    /// Returns [`KafkaError::DeliveryFailed`] if any of them was not delivered,
    /// and [`KafkaError::FlushTimeout`] if `timeout` passed first; the records
    /// still in flight are then kept for the next `flush`.
    pub async fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let pending = std::mem::take(&mut *self.pending());
        let mut failed = 0usize;
        let mut first = None;
        let mut rest = pending.into_iter();
        while let Some(mut delivery) = rest.next() {
            match tokio::time::timeout_at(deadline, &mut delivery).await {
                Ok(Ok(Ok(_))) => {}
                Ok(Ok(Err((e, _)))) => {
                    failed += 1;
                    first.get_or_insert(e);
                }
                Ok(Err(_)) => {
                    failed += 1;
                    first.get_or_insert(RdKafkaError::Canceled);
                }
                Err(_) => {
                    let mut unfinished: Vec<DeliveryFuture> =
                        std::iter::once(delivery).chain(rest).collect();
                    let count = unfinished.len();
                    let mut pending = self.pending();
                    unfinished.append(&mut pending);
                    *pending = unfinished;
                    return Err(match first {
                        Some(first) => KafkaError::DeliveryFailed { failed, first },
                        None => KafkaError::FlushTimeout { pending: count },
                    });
                }
            }
        }
        match first {
            Some(first) => Err(KafkaError::DeliveryFailed { failed, first }),
            None => Ok(()),
        }
    }

    fn record<'a>(
        &'a self,
        key: Option<&'a str>,
        payload: &'a Vec<u8>,
    ) -> FutureRecord<'a, str, Vec<u8>> {
        let headers = OwnedHeaders::new_with_capacity(2)
            .insert(Header {
                key: headers::CONTENT_TYPE,
                value: Some(E::CONTENT_TYPE),
            })
            .insert(Header {
                key: headers::TYPE,
                value: Some(&*self.type_name),
            });
        let record = FutureRecord::to(&self.topic)
            .payload(payload)
            .headers(headers);
        match key {
            Some(key) => record.key(key),
            None => record,
        }
    }

    fn pending(&self) -> MutexGuard<'_, Vec<DeliveryFuture>> {
        // A panic while holding the lock cannot leave the Vec inconsistent.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
