//! The consumer loop: decode, dispatch to a handler, retry with backoff,
//! dead-letter, and store offsets only for records that are finished.
//!
//! Architecture invariant: an offset `n + 1` is stored for a partition only
//! after every record `<= n` that this consumer fetched for it was handled or
//! written to the dead-letter topic. Records of one partition are processed
//! one at a time, in offset order, by that partition's *lane* (a task), so the
//! invariant holds by construction; lanes of different partitions run
//! concurrently, bounded by a semaphore. Everything else (crashes, rebalances,
//! broker restarts) can only cause a record to be handled again, never skipped.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::error::{KafkaError as RdKafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header as RdHeader, Headers as _, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::config::KafkaConfig;
use super::encoding::{Encoding, Typed};
use super::error::KafkaError;
use super::headers;

/// One record header as it was on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header's name.
    pub name: String,
    /// Its value; Kafka allows a header without one.
    pub value: Option<Vec<u8>>,
}

/// A decoded record, as a handler sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<T> {
    /// The topic it was read from.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// Its offset in the partition.
    pub offset: i64,
    /// The key bytes (UTF-8 for keys written by a [`TopicProducer`](super::TopicProducer)).
    pub key: Option<Vec<u8>>,
    /// The decoded value.
    pub value: T,
    /// All headers, in wire order.
    pub headers: Vec<Header>,
    /// The record timestamp in milliseconds since the Unix epoch, when known.
    pub timestamp_ms: Option<i64>,
    /// 0 for the first delivery to the handler, then 1, 2, … for retries.
    pub attempt: u32,
}

impl<T> Record<T> {
    /// The key as text, if there is one and it is valid UTF-8.
    pub fn key_str(&self) -> Option<&str> {
        self.key
            .as_deref()
            .and_then(|k| std::str::from_utf8(k).ok())
    }

    /// Separates the value from the rest of the record (to dispatch on the value and hand the
    /// pieces on with [`Record::with_value`]).
    pub fn split(self) -> (Record<()>, T) {
        let Record {
            topic,
            partition,
            offset,
            key,
            value,
            headers,
            timestamp_ms,
            attempt,
        } = self;
        let rest = Record {
            topic,
            partition,
            offset,
            key,
            value: (),
            headers,
            timestamp_ms,
            attempt,
        };
        (rest, value)
    }

    /// The same record with its value transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Record<U> {
        let (rest, value) = self.split();
        rest.with_value(f(value))
    }

    /// The value of the last header called `name`.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .rev()
            .find(|h| h.name == name)
            .and_then(|h| h.value.as_deref())
    }
}

impl Record<()> {
    /// The record carrying `value`.
    pub fn with_value<U>(self, value: U) -> Record<U> {
        Record {
            topic: self.topic,
            partition: self.partition,
            offset: self.offset,
            key: self.key,
            value,
            headers: self.headers,
            timestamp_ms: self.timestamp_ms,
            attempt: self.attempt,
        }
    }
}

/// Why a handler could not process a record.
///
/// Any `std::error::Error` converts into a retryable `HandlerError`, so
/// handlers can use `?`. Return [`HandlerError::permanent`] for records that
/// will never succeed (invalid content): they go to the dead-letter topic at
/// once instead of after every retry.
pub struct HandlerError {
    message: String,
    retryable: bool,
    /// Not processed and never will be by this consumer (the record stream it was handed to is
    /// gone): left for redelivery, neither retried nor dead-lettered.
    abandoned: bool,
}

impl HandlerError {
    /// A failure worth retrying (a dependency was down, a timeout, …).
    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: true,
            abandoned: false,
        }
    }

    /// A failure that retrying cannot fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: false,
            abandoned: false,
        }
    }

    /// The record was not processed and this consumer will not process it: the lane stops and
    /// leaves it (and what follows) for redelivery, committing nothing past it.
    pub(crate) fn abandoned(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: false,
            abandoned: true,
        }
    }

    /// The message written to the dead-letter record's `rosetta-error` header.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the runner retries the record.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for HandlerError {
    fn from(error: E) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::retryable(message)
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerError")
            .field("message", &self.message)
            .field("retryable", &self.retryable)
            .finish()
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What the consumer loop calls for every record of a topic.
///
/// Implement it with `async fn handle(&self, record: Record<T>) -> Result<(), HandlerError>`;
/// the returned future must be `Send` because records are handled on Tokio
/// worker threads. A handler MUST be idempotent: delivery is at-least-once.
///
/// A record whose value is null (a *tombstone*: how a compacted topic deletes a key) is not a
/// value of `T` and never reaches [`handle`](Self::handle): it goes to
/// [`tombstone`](Self::tombstone), whose default accepts it and does nothing. A record whose
/// value is present but empty is an ordinary value (`""` for a string topic, an empty `Vec` for a
/// bytes topic, undecodable — so dead-lettered — for JSON).
pub trait Handler<T>: Send + Sync + 'static {
    /// Processes one record; `Ok` lets the runner commit past it.
    fn handle(&self, record: Record<T>) -> impl Future<Output = Result<(), HandlerError>> + Send;

    /// Processes a tombstone: a record with a key and a null value, which on a compacted topic
    /// deletes that key. Retried and dead-lettered like [`handle`](Self::handle).
    ///
    /// The default accepts it and does nothing: a consumer that keeps no state per key has
    /// nothing to delete. Override it where a key's state must go.
    fn tombstone(
        &self,
        record: Record<()>,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        accept_tombstone(record)
    }
}

/// What [`Handler::tombstone`] does unless overridden: accepts the tombstone (logged at debug
/// level) so the consumer commits past it. Generated handler traits call it too.
pub fn accept_tombstone(
    record: Record<()>,
) -> impl Future<Output = Result<(), HandlerError>> + Send {
    tracing::debug!(
        topic = %record.topic, partition = record.partition, offset = record.offset,
        "tombstone accepted by the default handler"
    );
    std::future::ready(Ok(()))
}

impl<T, H: Handler<T>> Handler<T> for Arc<H> {
    fn handle(&self, record: Record<T>) -> impl Future<Output = Result<(), HandlerError>> + Send {
        (**self).handle(record)
    }

    fn tombstone(
        &self,
        record: Record<()>,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        (**self).tombstone(record)
    }
}

/// A [`Handler`] made of an async closure; see [`handler_fn`].
#[derive(Debug, Clone)]
pub struct FnHandler<F>(F);

/// Wraps `|record| async move { … }` as a [`Handler`].
pub fn handler_fn<F>(f: F) -> FnHandler<F> {
    FnHandler(f)
}

impl<T, F, Fut> Handler<T> for FnHandler<F>
where
    F: Fn(Record<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send,
{
    fn handle(&self, record: Record<T>) -> impl Future<Output = Result<(), HandlerError>> + Send {
        (self.0)(record)
    }
}

/// How often and how patiently a failing record is retried before it is
/// sent to the dead-letter topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: dead-letter on the first failure).
    pub max_retries: u32,
    /// The wait before the first retry; each later wait doubles.
    pub initial_backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 5 retries, 100 ms doubling up to 5 s.
    fn default() -> Self {
        Self {
            max_retries: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based): `initial_backoff * 2^retry`, capped.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// Counts from one [`ConsumerRunner::run`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Records the handler accepted.
    pub handled: u64,
    /// Handler attempts that failed and were retried.
    pub retries: u64,
    /// Records written to the dead-letter topic.
    pub dead_lettered: u64,
    /// Errors librdkafka reported instead of a record (each logged at error level with the
    /// consumer's position in every assigned partition).
    pub consume_errors: u64,
}

/// Consumes one topic as a member of a consumer group and feeds a [`Handler`].
///
/// For each record: decode with `E`; call the handler; on failure retry with
/// the [`RetryPolicy`]; after the last retry, on a permanent failure, or when
/// the value cannot be decoded, write the original key, value and headers to
/// the dead-letter topic (`<topic>.dlq` by default) with `rosetta-error`,
/// `rosetta-original-topic`, `rosetta-original-partition` and
/// `rosetta-original-offset` headers, and wait for that write. Only then is
/// the record's offset stored; stored offsets are committed automatically and
/// synchronously at shutdown. Delivery is therefore at-least-once: a crash, a
/// rebalance or a broker restart can make a record be handled twice, never
/// lost.
///
/// Records of one partition (hence of one key) are handled in order;
/// up to [`concurrency`](Self::concurrency) partitions are handled at once.
/// Several runners with the same group id share the topic's partitions.
pub struct ConsumerRunner<T, E> {
    config: KafkaConfig,
    topic: String,
    group_id: String,
    dead_letter_topic: String,
    concurrency: usize,
    partition_buffer: usize,
    retry: RetryPolicy,
    _types: Typed<T, E>,
}

impl<T, E> Clone for ConsumerRunner<T, E> {
    fn clone(&self) -> Self {
        Self {
            config: self.config.clone(),
            topic: self.topic.clone(),
            group_id: self.group_id.clone(),
            dead_letter_topic: self.dead_letter_topic.clone(),
            concurrency: self.concurrency,
            partition_buffer: self.partition_buffer,
            retry: self.retry,
            _types: Typed::default(),
        }
    }
}

impl<T, E> fmt::Debug for ConsumerRunner<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsumerRunner")
            .field("topic", &self.topic)
            .field("group_id", &self.group_id)
            .field("dead_letter_topic", &self.dead_letter_topic)
            .field("concurrency", &self.concurrency)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl<T, E> ConsumerRunner<T, E>
where
    T: Send + 'static,
    E: Encoding<T> + 'static,
{
    /// A runner for `topic` in consumer group `group_id`; nothing connects until [`run`](Self::run).
    pub fn new(
        config: &KafkaConfig,
        topic: impl Into<String>,
        group_id: impl Into<String>,
    ) -> Self {
        let topic = topic.into();
        Self {
            config: config.clone(),
            dead_letter_topic: super::dead_letter_topic(&topic),
            topic,
            group_id: group_id.into(),
            concurrency: 1,
            partition_buffer: 256,
            retry: RetryPolicy::default(),
            _types: Typed::default(),
        }
    }

    /// How many records may be in a handler at once (default 1), each from a
    /// different partition. Raise it when handlers wait on I/O.
    pub fn concurrency(&mut self, concurrency: usize) -> &mut Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// The retry policy for failing handlers.
    pub fn retry_policy(&mut self, retry: RetryPolicy) -> &mut Self {
        self.retry = retry;
        self
    }

    /// Where failed records go (default `<topic>.dlq`).
    pub fn dead_letter_topic(&mut self, topic: impl Into<String>) -> &mut Self {
        self.dead_letter_topic = topic.into();
        self
    }

    /// How many fetched records may wait per partition (default 256).
    pub fn partition_buffer(&mut self, records: usize) -> &mut Self {
        self.partition_buffer = records.max(1);
        self
    }

    /// The topic consumed.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Joins the group and handles records until `shutdown` completes.
    ///
    /// On shutdown, records already in a handler finish (a failing one is not
    /// retried but left for redelivery), queued records are left for
    /// redelivery, stored offsets are committed synchronously and the consumer
    /// leaves the group. (If the group is rebalancing at that moment the broker
    /// refuses the commit; the partitions' next owner then re-handles the
    /// records since the last automatic commit.) Dropping the returned future instead is a crash: no
    /// commit beyond what auto-commit already did, so records are redelivered.
    ///
    /// MUST be called inside a Tokio runtime.
    pub async fn run<H: Handler<T>>(
        &self,
        handler: H,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<RunSummary, KafkaError> {
        let generations = Arc::new(Generations::default());
        let consumer = self.connect(Mode::Group, &generations)?;
        consumer.subscribe(&[&self.topic])?;
        self.drive(consumer, generations, Mode::Group, handler, shutdown)
            .await
    }

    /// The librdkafka consumer of a run, neither subscribed nor assigned yet. A [`Mode::Tail`]
    /// consumer never commits (it has no position worth keeping).
    pub(super) fn connect(
        &self,
        mode: Mode,
        generations: &Arc<Generations>,
    ) -> Result<Arc<RunnerConsumer>, KafkaError> {
        let context = RunnerContext {
            topic: self.topic.clone(),
            generations: generations.clone(),
        };
        let config = self.client_config(mode)?;
        Ok(Arc::new(config.create_with_context(context)?))
    }

    /// The librdkafka config of a run's consumer in `mode`.
    fn client_config(&self, mode: Mode) -> Result<rdkafka::ClientConfig, KafkaError> {
        let mut config = self.config.consumer_config(&self.group_id)?;
        if mode == Mode::Tail {
            config.set("enable.auto.commit", "false");
            // One tail reader per watcher: librdkafka's default prefetch (up to 64 MiB and
            // 100,000 records per partition) times the watchers is what a slow watcher could
            // pin. A watcher wants the new records, not throughput; the user's settings win.
            for (key, value) in TAIL_PREFETCH {
                if config.get(key).is_none() {
                    config.set(key, value);
                }
            }
        }
        Ok(config)
    }

    /// The run loop over a consumer [`connect`](Self::connect) made and the caller subscribed
    /// or assigned: fetch, hand each record to its partition's lane, and on shutdown drain and
    /// (in [`Mode::Group`]) commit.
    pub(super) async fn drive<H: Handler<T>>(
        &self,
        consumer: Arc<RunnerConsumer>,
        generations: Arc<Generations>,
        mode: Mode,
        handler: H,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<RunSummary, KafkaError> {
        let dead_letters: FutureProducer = self.config.producer_config()?.create()?;

        let shared = Arc::new(Lane::<T, E, H> {
            consumer: consumer.clone(),
            dead_letters,
            handler,
            dead_letter_topic: self.dead_letter_topic.clone(),
            retry: self.retry,
            permits: Semaphore::new(self.concurrency),
            generations,
            mode,
            stats: Stats::default(),
            _types: Typed::default(),
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut lanes: HashMap<i32, mpsc::Sender<Job>> = HashMap::new();
        let mut tasks = JoinSet::new();
        tokio::pin!(shutdown);

        let mut consume_errors = 0u64;
        let mut outcome = loop {
            let event = tokio::select! {
                biased;
                () = &mut shutdown => Event::Shutdown,
                Some(ended) = tasks.join_next() => Event::LaneEnded(ended.err()),
                received = consumer.recv() => Event::Received(received.map(|m| m.detach())),
            };
            let message = match event {
                Event::Shutdown => break Ok(()),
                // Lanes end on their own only by panicking, or by being cancelled when the
                // Tokio runtime shuts down.
                Event::LaneEnded(ended) => break Err(join_error(ended)),
                Event::Received(Ok(message)) => message,
                Event::Received(Err(RdKafkaError::MessageConsumptionFatal(code))) => {
                    break Err(RdKafkaError::MessageConsumptionFatal(code).into());
                }
                Event::Received(Err(RdKafkaError::MessageConsumption(
                    code @ (RDKafkaErrorCode::UnknownTopicOrPartition
                    | RDKafkaErrorCode::UnknownTopic),
                ))) => {
                    // Subscribed before the topic exists (brokers that create topics on first
                    // produce): librdkafka picks it up once it does. Not a record error.
                    tracing::warn!(topic = %self.topic, error = %code, "topic not available yet");
                    tokio::select! {
                        () = &mut shutdown => break Ok(()),
                        () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                    }
                }
                Event::Received(Err(e)) => {
                    // A record librdkafka could not fetch or decode (an unsupported compression
                    // codec, a corrupt batch, a record above `receive.message.max.bytes`), or a
                    // partition it cannot read: never silent. Repeats are logged at 1, 2, 4, ...
                    consume_errors += 1;
                    if consume_errors.is_power_of_two() {
                        tracing::error!(
                            topic = %self.topic, error = %e, occurrences = consume_errors,
                            positions = %positions(&consumer, &self.topic),
                            "kafka consumer cannot fetch or decode records"
                        );
                    }
                    tokio::select! {
                        () = &mut shutdown => break Ok(()),
                        () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                    }
                }
            };
            let partition = message.partition();
            let job = Job {
                generation: shared.generations.current(partition),
                message,
            };
            let lane = lanes.entry(partition).or_insert_with(|| {
                let (tx, rx) = mpsc::channel(self.partition_buffer);
                tasks.spawn(shared.clone().run(rx, stop_rx.clone()));
                tx
            });
            tokio::select! {
                () = &mut shutdown => break Ok(()),
                sent = lane.send(job) => if sent.is_err() {
                    break Err(KafkaError::HandlerPanicked);
                },
            }
        };

        // Drain: lanes finish the record in hand and skip the rest.
        let _ = stop_tx.send(true);
        drop(lanes);
        while let Some(ended) = tasks.join_next().await {
            if let Err(e) = ended
                && outcome.is_ok()
            {
                outcome = Err(join_error(Some(e)));
            }
        }
        let mut summary = shared.stats.summary();
        summary.consume_errors = consume_errors;
        drop(shared);
        if mode == Mode::Tail {
            // Nothing to commit: a tail reader starts at the end every time.
            drop(consumer);
            return outcome.map(|()| summary);
        }
        // Committing and closing block on the group coordinator.
        let committed = tokio::task::spawn_blocking(move || {
            let committed = consumer.commit_consumer_state(CommitMode::Sync);
            drop(consumer);
            committed
        })
        .await
        .map_err(|e| join_error(Some(e)))?;
        match committed {
            Ok(()) | Err(RdKafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            // The group is moving partitions right now (another member joined or
            // left): they go to a new owner, which resumes from the last committed
            // offset, so records since then are handled again, none is lost.
            Err(RdKafkaError::ConsumerCommit(
                code @ (RDKafkaErrorCode::RebalanceInProgress
                | RDKafkaErrorCode::IllegalGeneration
                | RDKafkaErrorCode::UnknownMemberId),
            )) => {
                tracing::warn!(topic = %self.topic, error = %code, "final commit refused during a rebalance");
            }
            Err(e) => return Err(e.into()),
        }
        outcome.map(|()| summary)
    }
}

/// `partition@next-offset` for every partition of `topic` this consumer is assigned, to say in a
/// log line where each stands (librdkafka's consumer errors carry no partition through rdkafka).
fn positions<C: ConsumerContext>(consumer: &StreamConsumer<C>, topic: &str) -> String {
    let Ok(list) = consumer.position() else {
        return String::new();
    };
    list.elements_for_topic(topic)
        .iter()
        .map(|e| match e.offset().to_raw() {
            Some(offset) => format!("{}@{offset}", e.partition()),
            None => format!("{}@{:?}", e.partition(), e.offset()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a run reads its topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// As a member of the consumer group: partitions shared with the group's other members,
    /// offsets stored after each record is finished and committed, failures dead-lettered.
    Group,
    /// As an independent reader assigned every partition from where the caller put it: no
    /// group membership, no commits and no dead-letter writes (a reader that only watches a
    /// topic must not add a copy of a bad record to the dead-letter topic per watcher; the
    /// topic's own group does that once). A record it cannot decode is skipped and logged.
    Tail,
}

/// librdkafka's prefetch limits for a [`Mode::Tail`] reader unless the config sets them: at most
/// 1 MiB or 1,000 records fetched ahead per partition.
const TAIL_PREFETCH: [(&str, &str); 2] = [
    ("queued.max.messages.kbytes", "1024"),
    ("queued.min.messages", "1000"),
];

/// The librdkafka consumer a run drives.
pub(super) type RunnerConsumer = StreamConsumer<RunnerContext>;

/// Why a task of the runner ended early.
fn join_error(error: Option<tokio::task::JoinError>) -> KafkaError {
    match error {
        Some(e) if e.is_cancelled() => KafkaError::Cancelled,
        _ => KafkaError::HandlerPanicked,
    }
}

enum Event {
    Shutdown,
    LaneEnded(Option<tokio::task::JoinError>),
    Received(Result<OwnedMessage, RdKafkaError>),
}

/// A fetched record and the assignment generation of its partition at fetch time.
struct Job {
    message: OwnedMessage,
    generation: u64,
}

/// Per-partition assignment generations, bumped on every revocation.
///
/// A record fetched before its partition was revoked MUST NOT be handled or
/// committed by this consumer any more: the partition's new owner starts from
/// the committed offset and handles it.
#[derive(Default)]
pub(super) struct Generations(Mutex<HashMap<i32, u64>>);

impl Generations {
    fn current(&self, partition: i32) -> u64 {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&partition).copied().unwrap_or(0)
    }

    fn revoke(&self, partition: i32) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *map.entry(partition).or_insert(0) += 1;
    }
}

/// The librdkafka context that tells lanes about revoked partitions.
pub(super) struct RunnerContext {
    topic: String,
    generations: Arc<Generations>,
}

impl ClientContext for RunnerContext {
    /// librdkafka's global errors (a fetch response above `receive.message.max.bytes`, brokers
    /// down, authentication): rdkafka would send them to the `log` crate, which a service that
    /// uses `tracing` never shows; a consumer that cannot fetch must say so where its owner looks.
    fn error(&self, error: RdKafkaError, reason: &str) {
        tracing::error!(topic = %self.topic, error = %error, reason, "kafka consumer client error");
    }

    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, message: &str) {
        use rdkafka::config::RDKafkaLogLevel as Level;
        match level {
            Level::Emerg | Level::Alert | Level::Critical | Level::Error => {
                tracing::error!(topic = %self.topic, facility = fac, "librdkafka: {message}");
            }
            Level::Warning => {
                tracing::warn!(topic = %self.topic, facility = fac, "librdkafka: {message}");
            }
            Level::Notice | Level::Info => {
                tracing::info!(topic = %self.topic, facility = fac, "librdkafka: {message}");
            }
            Level::Debug => {
                tracing::debug!(topic = %self.topic, facility = fac, "librdkafka: {message}");
            }
        }
    }
}

impl ConsumerContext for RunnerContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(partitions) = rebalance {
            let revoked = partitions.elements_for_topic(&self.topic);
            for element in &revoked {
                self.generations.revoke(element.partition());
            }
            // Commit what was handled before the partitions go: their next owner starts from
            // the committed offset, and auto-commit may not have run since those records were
            // handled (every one of them would be handled twice).
            if !revoked.is_empty() {
                match consumer.commit_consumer_state(CommitMode::Sync) {
                    Ok(()) | Err(RdKafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
                    Err(e) => tracing::warn!(
                        topic = %self.topic, error = %e,
                        "commit before a revocation failed: the partitions' next owner \
                         handles again the records since the last commit"
                    ),
                }
            }
        }
    }
}

#[derive(Default)]
struct Stats {
    handled: AtomicU64,
    retries: AtomicU64,
    dead_lettered: AtomicU64,
}

impl Stats {
    fn summary(&self) -> RunSummary {
        RunSummary {
            handled: self.handled.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            dead_lettered: self.dead_lettered.load(Ordering::Relaxed),
            consume_errors: 0,
        }
    }
}

/// What became of one record.
enum Outcome {
    /// Handled or dead-lettered: its offset may be stored.
    Finished,
    /// Its partition was revoked meanwhile: leave it to the new owner.
    Revoked,
    /// Shutdown: leave it for redelivery and stop the lane.
    Stopped,
}

/// State shared by every partition lane of one run.
struct Lane<T, E, H> {
    consumer: Arc<StreamConsumer<RunnerContext>>,
    dead_letters: FutureProducer,
    handler: H,
    dead_letter_topic: String,
    retry: RetryPolicy,
    permits: Semaphore,
    generations: Arc<Generations>,
    mode: Mode,
    stats: Stats,
    _types: Typed<T, E>,
}

impl<T, E, H> Lane<T, E, H>
where
    T: Send + 'static,
    E: Encoding<T> + 'static,
    H: Handler<T>,
{
    /// Processes one partition's records in order until the channel closes or shutdown.
    async fn run(self: Arc<Self>, mut jobs: mpsc::Receiver<Job>, mut stop: watch::Receiver<bool>) {
        while let Some(job) = jobs.recv().await {
            if *stop.borrow() {
                break;
            }
            let message = &job.message;
            if !self.is_current(&job) {
                continue;
            }
            match self.process(&job, &mut stop).await {
                Outcome::Finished => {
                    if self.mode == Mode::Group && self.is_current(&job) {
                        let stored = self.consumer.store_offset(
                            message.topic(),
                            message.partition(),
                            message.offset(),
                        );
                        if let Err(e) = stored {
                            tracing::debug!(error = %e, "offset not stored");
                        }
                    }
                }
                Outcome::Revoked => {}
                Outcome::Stopped => break,
            }
        }
    }

    fn is_current(&self, job: &Job) -> bool {
        self.generations.current(job.message.partition()) == job.generation
    }

    async fn process(&self, job: &Job, stop: &mut watch::Receiver<bool>) -> Outcome {
        let message = &job.message;
        let mut attempt = 0u32;
        loop {
            // `None` is a tombstone (a null value), which no encoding decodes: it has its own
            // handler method. `Some(b"")` is an empty value and is decoded like any other.
            let value = match message.payload().map(E::decode) {
                None => None,
                Some(Ok(value)) => Some(value),
                Some(Err(e)) => {
                    let error = format!("cannot decode record: {e}");
                    return self.dead_letter(job, &error, stop).await;
                }
            };
            let record = Record {
                topic: message.topic().to_owned(),
                partition: message.partition(),
                offset: message.offset(),
                key: message.key().map(<[u8]>::to_vec),
                value: (),
                headers: record_headers(message),
                timestamp_ms: message.timestamp().to_millis(),
                attempt,
            };
            let result = match self.permits.acquire().await {
                Ok(_permit) => match value {
                    Some(value) => self.handler.handle(record.with_value(value)).await,
                    None => self.handler.tombstone(record).await,
                },
                Err(_) => return Outcome::Stopped,
            };
            let error = match result {
                Ok(()) => {
                    self.stats.handled.fetch_add(1, Ordering::Relaxed);
                    return Outcome::Finished;
                }
                Err(error) if error.abandoned => return Outcome::Stopped,
                Err(error) => error,
            };
            if !error.is_retryable() || attempt >= self.retry.max_retries {
                tracing::warn!(
                    topic = message.topic(), partition = message.partition(),
                    offset = message.offset(), attempts = attempt + 1, error = %error,
                    "record handler failed; sending the record to the dead-letter topic"
                );
                return self.dead_letter(job, error.message(), stop).await;
            }
            tracing::debug!(
                topic = message.topic(), partition = message.partition(),
                offset = message.offset(), attempt, error = %error, "record handler failed; retrying"
            );
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            if let Some(outcome) = self.pause(job, self.retry.backoff(attempt), stop).await {
                return outcome;
            }
            attempt += 1;
        }
    }

    /// Writes the record to the dead-letter topic, retrying until it is acknowledged.
    async fn dead_letter(
        &self,
        job: &Job,
        error: &str,
        stop: &mut watch::Receiver<bool>,
    ) -> Outcome {
        let message = &job.message;
        if self.mode == Mode::Tail {
            tracing::warn!(
                topic = message.topic(),
                partition = message.partition(),
                offset = message.offset(),
                error,
                "record skipped by a tail reader (the topic's consumer group dead-letters it)"
            );
            return Outcome::Finished;
        }
        let mut dead_headers = OwnedHeaders::new();
        if let Some(original) = message.headers() {
            for header in original.iter() {
                dead_headers = dead_headers.insert(RdHeader {
                    key: header.key,
                    value: header.value,
                });
            }
        }
        let partition = message.partition().to_string();
        let offset = message.offset().to_string();
        dead_headers = dead_headers
            .insert(RdHeader {
                key: headers::ERROR,
                value: Some(error),
            })
            .insert(RdHeader {
                key: headers::ORIGINAL_TOPIC,
                value: Some(message.topic()),
            })
            .insert(RdHeader {
                key: headers::ORIGINAL_PARTITION,
                value: Some(&partition),
            })
            .insert(RdHeader {
                key: headers::ORIGINAL_OFFSET,
                value: Some(&offset),
            });
        let mut failures = 0u32;
        loop {
            let mut record: FutureRecord<'_, [u8], [u8]> =
                FutureRecord::to(&self.dead_letter_topic).headers(dead_headers.clone());
            if let Some(key) = message.key() {
                record = record.key(key);
            }
            if let Some(payload) = message.payload() {
                record = record.payload(payload);
            }
            match self.dead_letters.send(record, Timeout::Never).await {
                Ok(_) => {
                    self.stats.dead_lettered.fetch_add(1, Ordering::Relaxed);
                    return Outcome::Finished;
                }
                Err((e, _)) => {
                    tracing::warn!(topic = %self.dead_letter_topic, error = %e, "dead-letter write failed; retrying");
                    if let Some(outcome) = self.pause(job, self.retry.backoff(failures), stop).await
                    {
                        return outcome;
                    }
                    failures = failures.saturating_add(1);
                }
            }
        }
    }

    /// Sleeps `delay`; returns why the record must be given up, if it must.
    async fn pause(
        &self,
        job: &Job,
        delay: Duration,
        stop: &mut watch::Receiver<bool>,
    ) -> Option<Outcome> {
        let interrupted = tokio::select! {
            () = tokio::time::sleep(delay) => false,
            _ = stop.wait_for(|stopped| *stopped) => true,
        };
        let stopped = interrupted || *stop.borrow();
        if stopped {
            Some(Outcome::Stopped)
        } else if !self.is_current(job) {
            Some(Outcome::Revoked)
        } else {
            None
        }
    }
}

fn record_headers(message: &OwnedMessage) -> Vec<Header> {
    message
        .headers()
        .map(|hs| {
            hs.iter()
                .map(|h| Header {
                    name: h.key.to_owned(),
                    value: h.value.map(<[u8]>::to_vec),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let policy = RetryPolicy {
            max_retries: 10,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(100),
        };
        let waits: Vec<u128> = (0..6).map(|r| policy.backoff(r).as_millis()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 100, 100]);
        assert_eq!(policy.backoff(u32::MAX), Duration::from_millis(100));
    }

    #[test]
    fn handler_error_keeps_the_cause_chain() {
        let io = std::io::Error::other("disk on fire");
        let e: HandlerError = io.into();
        assert!(e.is_retryable());
        assert_eq!(e.message(), "disk on fire");
        assert!(!HandlerError::permanent("bad").is_retryable());
    }

    #[test]
    fn a_tail_reader_never_commits_and_fetches_little_ahead_unless_told() {
        let mut config = KafkaConfig::new("127.0.0.1:9");
        config.set("queued.min.messages", "5");
        let runner: ConsumerRunner<Vec<u8>, super::super::RawBytes> =
            ConsumerRunner::new(&config, "t", "g");
        let tail = runner.client_config(Mode::Tail).expect("config");
        assert_eq!(tail.get("enable.auto.commit"), Some("false"));
        assert_eq!(tail.get("enable.auto.offset.store"), Some("false"));
        assert_eq!(tail.get("queued.max.messages.kbytes"), Some("1024"));
        assert_eq!(
            tail.get("queued.min.messages"),
            Some("5"),
            "the user's setting wins"
        );
        let group = runner.client_config(Mode::Group).expect("config");
        assert_eq!(group.get("enable.auto.commit"), Some("true"));
        assert_eq!(
            group.get("auto.commit.interval.ms"),
            Some(super::super::AUTO_COMMIT_INTERVAL_MS)
        );
        assert_eq!(group.get("queued.max.messages.kbytes"), None);
    }

    #[test]
    fn the_users_commit_interval_wins() {
        let mut config = KafkaConfig::new("127.0.0.1:9");
        config.set("auto.commit.interval.ms", "200");
        let group = config.consumer_config("g").expect("config");
        assert_eq!(group.get("auto.commit.interval.ms"), Some("200"));
    }

    #[test]
    fn record_header_lookup_takes_the_last() {
        let record = Record {
            topic: "t".into(),
            partition: 0,
            offset: 0,
            key: Some(b"k".to_vec()),
            value: (),
            headers: vec![
                Header {
                    name: "a".into(),
                    value: Some(b"1".to_vec()),
                },
                Header {
                    name: "a".into(),
                    value: Some(b"2".to_vec()),
                },
            ],
            timestamp_ms: None,
            attempt: 0,
        };
        assert_eq!(record.header("a"), Some(&b"2"[..]));
        assert_eq!(record.header("b"), None);
        assert_eq!(record.key_str(), Some("k"));
    }
}
