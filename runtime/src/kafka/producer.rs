//! The typed producer that generated topic stubs call.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::error::{KafkaError as RdKafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use tokio::sync::{Notify, oneshot};

use super::config::KafkaConfig;
use super::encoding::{Encoding, Typed};
use super::error::KafkaError;
use super::headers;

/// The delivery opaque of a record queued by [`TopicProducer::enqueue`]: counted, not awaited.
const QUEUED: usize = 0;

/// The producer context every [`TopicProducer`] of one connection shares: librdkafka reports
/// each record's outcome here, on the producer's polling thread.
///
/// A record queued with [`TopicProducer::enqueue`] costs no allocation and no lock: a failure
/// is counted (and the first one kept) for the next [`TopicProducer::flush`], a success is
/// nothing to do. A record sent with [`TopicProducer::send`] has a one-shot channel its
/// caller awaits (rdkafka's `FutureProducer` gives every record one, queued or not).
#[derive(Debug, Default)]
pub struct DeliveryCounter {
    /// Records queued with `enqueue` whose outcome has not been reported yet.
    in_flight: AtomicUsize,
    /// Woken when `in_flight` reaches zero.
    drained: Notify,
    failed: AtomicUsize,
    first_error: Mutex<Option<RdKafkaError>>,
    next_id: AtomicUsize,
    awaited: Mutex<HashMap<usize, oneshot::Sender<Result<Delivered, RdKafkaError>>>>,
}

impl ClientContext for DeliveryCounter {}

impl ProducerContext for DeliveryCounter {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, id: usize) {
        let outcome = match result {
            Ok(m) => Ok(Delivered {
                partition: m.partition(),
                offset: m.offset(),
            }),
            Err((e, _)) => Err(e.clone()),
        };
        if id == QUEUED {
            if let Err(e) = outcome {
                self.failed.fetch_add(1, Ordering::Relaxed);
                lock(&self.first_error).get_or_insert(e);
            }
            // The failure is recorded before a flush can see the count reach zero.
            if self.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
                self.drained.notify_waiters();
            }
        } else if let Some(waiter) = lock(&self.awaited).remove(&id) {
            // The caller may have gone away (its future dropped): nothing to tell.
            let _ = waiter.send(outcome);
        }
    }
}

impl DeliveryCounter {
    /// A fresh id for an awaited send (never [`QUEUED`]), and the channel its outcome comes on.
    fn await_one(&self) -> (usize, oneshot::Receiver<Result<Delivered, RdKafkaError>>) {
        let id = self
            .next_id
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1)
            .max(1);
        let (tx, rx) = oneshot::channel();
        lock(&self.awaited).insert(id, tx);
        (id, rx)
    }

    /// The failures counted since the last call, and the first of them.
    fn take_failures(&self) -> (usize, Option<RdKafkaError>) {
        let mut first = lock(&self.first_error);
        (self.failed.swap(0, Ordering::Relaxed), first.take())
    }
}

/// One record counted in flight until [`keep`](Self::keep): dropped before, it is uncounted.
struct Counted<'a>(Option<&'a DeliveryCounter>);

impl<'a> Counted<'a> {
    fn new(counter: &'a DeliveryCounter) -> Self {
        counter.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(Some(counter))
    }

    /// The record was queued: its delivery report uncounts it.
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        if let Some(counter) = self.0
            && counter.in_flight.fetch_sub(1, Ordering::AcqRel) == 1
        {
            counter.drained.notify_waiters();
        }
    }
}

/// A panic while holding one of these locks cannot leave its value inconsistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

thread_local! {
    /// The encoding buffer: librdkafka copies the payload when a record is queued, so one
    /// buffer per thread serves every record.
    static PAYLOAD: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

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
/// Built on an idempotent librdkafka producer with `acks=all`: a record that is
/// acknowledged is on every in-sync replica, and librdkafka's internal retries
/// never duplicate or reorder it. Every record carries two headers:
/// `content-type` ([`Encoding::CONTENT_TYPE`]) and `rosetta-type` (the message
/// type name given at construction).
///
/// Cloning is cheap and shares the connection (and with it the records a
/// [`flush`](Self::flush) waits for).
pub struct TopicProducer<T, E> {
    producer: Arc<ThreadedProducer<DeliveryCounter>>,
    topic: Arc<str>,
    type_name: Arc<str>,
    _types: Typed<T, E>,
}

impl<T, E> Clone for TopicProducer<T, E> {
    fn clone(&self) -> Self {
        Self {
            producer: self.producer.clone(),
            topic: self.topic.clone(),
            type_name: self.type_name.clone(),
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
        let producer: ThreadedProducer<DeliveryCounter> = config
            .producer_config()?
            .create_with_context(DeliveryCounter::default())?;
        Ok(Self {
            producer: Arc::new(producer),
            topic: topic.into().into(),
            type_name: type_name.into().into(),
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
            _types: Typed::default(),
        }
    }

    /// The topic records go to.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The underlying librdkafka producer, for what this type does not cover.
    pub fn inner(&self) -> &ThreadedProducer<DeliveryCounter> {
        &self.producer
    }

    /// Sends one record and waits until the brokers acknowledged it.
    ///
    /// The key is written as its UTF-8 bytes; records with the same key go to
    /// the same partition, so they are consumed in the order they were sent.
    pub async fn send(&self, key: Option<&str>, value: &T) -> Result<Delivered, KafkaError> {
        self.send_awaited(key, Some(value)).await
    }

    /// Sends a tombstone for `key` (a record with a null value: on a compacted topic it deletes
    /// the key) and waits until the brokers acknowledged it.
    ///
    /// It carries the `rosetta-type` header but no `content-type`: there is no content. Rosetta
    /// consumers give it to [`Handler::tombstone`](super::Handler::tombstone), never to `handle`.
    pub async fn send_tombstone(&self, key: &str) -> Result<Delivered, KafkaError> {
        self.send_awaited(Some(key), None).await
    }

    /// Queues one record without waiting for its acknowledgement.
    ///
    /// Waits only while librdkafka's queue is full. Records queued this way
    /// are batched by librdkafka (`linger.ms`); [`flush`](Self::flush) waits
    /// for them and reports any that were not delivered. Nothing is kept per
    /// record: the producer counts failures until the next `flush`.
    pub async fn enqueue(&self, key: Option<&str>, value: &T) -> Result<(), KafkaError> {
        // Counted before librdkafka can report it; uncounted if it is never queued (an error,
        // or this future dropped while the queue was full).
        let counted = Counted::new(self.producer.context());
        self.queue(QUEUED, key, Some(value)).await?;
        counted.keep();
        Ok(())
    }

    /// Waits until every record queued on this connection so far (by any producer sharing it)
    /// is acknowledged or has failed.
    ///
    /// Returns [`KafkaError::DeliveryFailed`] if any record [`enqueue`](Self::enqueue)d since the
    /// last flush was not delivered, and [`KafkaError::FlushTimeout`] if `timeout` passed first;
    /// records still in flight then are waited for (and their failures reported) by the next
    /// `flush`.
    pub async fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        let deadline = tokio::time::Instant::now() + timeout;
        // A zero-timeout librdkafka flush only wakes the brokers' threads, so batches still
        // lingering (`linger.ms`) go out now; the wait itself is on the delivery counter.
        let _ = self.producer.flush(Duration::ZERO);
        let counter = self.producer.context();
        let drained = loop {
            // Registered before the check, so a count reaching zero in between still wakes it.
            let woken = counter.drained.notified();
            if counter.in_flight.load(Ordering::Acquire) == 0 {
                break true;
            }
            if tokio::time::timeout_at(deadline, woken).await.is_err() {
                break counter.in_flight.load(Ordering::Acquire) == 0;
            }
        };
        let (failed, first) = counter.take_failures();
        match (first, drained) {
            (Some(first), _) => Err(KafkaError::DeliveryFailed {
                failed: failed.max(1),
                first,
            }),
            (None, true) => Ok(()),
            (None, false) => Err(KafkaError::FlushTimeout {
                pending: counter.in_flight.load(Ordering::Acquire),
            }),
        }
    }

    /// Sends one record (`value` none: a tombstone) and waits for its outcome: the send and the
    /// tombstone share it.
    async fn send_awaited(
        &self,
        key: Option<&str>,
        value: Option<&T>,
    ) -> Result<Delivered, KafkaError> {
        let counter = self.producer.context();
        let (id, outcome) = counter.await_one();
        if let Err(e) = self.queue(id, key, value).await {
            lock(&counter.awaited).remove(&id);
            return Err(e);
        }
        match outcome.await {
            Ok(Ok(delivered)) => Ok(delivered),
            Ok(Err(e)) => Err(e.into()),
            // The producer was dropped with the record in flight.
            Err(_) => Err(RdKafkaError::Canceled.into()),
        }
    }

    /// Queues one record with delivery opaque `id`, encoding `value` (none: a tombstone) into
    /// the thread's payload buffer; while librdkafka's queue is full, waits with a copy.
    async fn queue(
        &self,
        id: usize,
        key: Option<&str>,
        value: Option<&T>,
    ) -> Result<(), KafkaError> {
        let headers = self.headers(value.is_some());
        let first = PAYLOAD.with_borrow_mut(|buf| -> Result<_, KafkaError> {
            buf.clear();
            if let Some(value) = value {
                E::encode_into(value, buf)?;
            }
            let record = self.record(id, key, value.map(|_| buf.as_slice()), headers);
            Ok(match self.producer.send(record) {
                Ok(()) => None,
                Err((RdKafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    Some((back.headers, value.map(|_| buf.clone())))
                }
                Err((e, _)) => return Err(e.into()),
            })
        })?;
        // The queue was full: the record waits with its own copy of the payload (the buffer
        // belongs to the thread, and this task may move).
        let Some((headers, payload)) = first else {
            return Ok(());
        };
        let mut headers = headers.unwrap_or_else(|| self.headers(value.is_some()));
        loop {
            tokio::time::sleep(Duration::from_millis(2)).await;
            let record = self.record(id, key, payload.as_deref(), headers);
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((RdKafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    headers = back
                        .headers
                        .unwrap_or_else(|| self.headers(value.is_some()));
                }
                Err((e, _)) => return Err(e.into()),
            }
        }
    }

    /// The record to queue: the topic, `key`, `payload` (none: a tombstone) and `headers`.
    fn record<'a>(
        &'a self,
        id: usize,
        key: Option<&'a str>,
        payload: Option<&'a [u8]>,
        headers: OwnedHeaders,
    ) -> BaseRecord<'a, str, [u8], usize> {
        let mut record = BaseRecord::with_opaque_to(&self.topic, id).headers(headers);
        if let Some(payload) = payload {
            record = record.payload(payload);
        }
        match key {
            Some(key) => record.key(key),
            None => record,
        }
    }

    /// The headers every record carries: `content-type` (unless a tombstone) and
    /// `rosetta-type`.
    fn headers(&self, content: bool) -> OwnedHeaders {
        let headers = OwnedHeaders::new_with_capacity(2);
        let headers = if content {
            headers.insert(Header {
                key: headers::CONTENT_TYPE,
                value: Some(E::CONTENT_TYPE),
            })
        } else {
            headers
        };
        headers.insert(Header {
            key: headers::TYPE,
            value: Some(&*self.type_name),
        })
    }
}
