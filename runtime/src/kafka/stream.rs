//! A topic's records as a typed [`Stream`], each acknowledged by the stream's reader: the
//! consumer runner's lanes hand every decoded record to the stream and wait, so an offset is
//! stored only once the reader acknowledged (or dropped) the record. Everything the runner
//! guarantees holds unchanged (per-partition order, retries, the dead-letter topic for records
//! that cannot be decoded, commits at shutdown and before a revocation), because the stream is
//! only one more [`Handler`]: the runner is not written twice.
//!
//! Two ways to read:
//! - [`ConsumerRunner::stream`]: as a member of the consumer group (at-least-once, resumes from
//!   the group's committed offsets, shares partitions with the group's other members);
//! - [`ConsumerRunner::tail`]: as an independent reader placed at the end of every partition
//!   when it starts, so it sees exactly the records published after it started. No group, no
//!   commits, no dead-letter writes: what a server-streaming rpc that forwards a topic to each
//!   of its watchers wants (every watcher sees every new record; a watcher that goes away leaves
//!   nothing behind on the broker).

use std::fmt;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use rdkafka::Offset;
use rdkafka::TopicPartitionList;
use rdkafka::consumer::Consumer as _;
use rdkafka::error::{KafkaError as RdKafkaError, RDKafkaErrorCode};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::consumer::{Generations, Mode, RunnerConsumer};
use super::encoding::Encoding;
use super::{ConsumerRunner, Handler, HandlerError, KafkaError, Record};

/// How long [`ConsumerRunner::tail`] waits for the topic's metadata and end offsets.
const POSITION_TIMEOUT: Duration = Duration::from_secs(10);

/// What the runner hands the stream: a record and the way to acknowledge it, or why the run
/// ended.
type Item<T> = Result<(Record<T>, oneshot::Sender<()>), KafkaError>;

/// The acknowledgement of one delivered record: sent when dropped.
struct Ack(Option<oneshot::Sender<()>>);

impl Drop for Ack {
    fn drop(&mut self) {
        if let Some(ack) = self.0.take() {
            // The lane may be gone (shutdown); then there is nobody left to tell.
            let _ = ack.send(());
        }
    }
}

/// One record read from a [`RecordStream`]. Acknowledged when it is dropped (or by
/// [`ack`](Self::ack), [`into_record`](Self::into_record), [`into_value`](Self::into_value)):
/// until then its partition's next record is not handed out, and (for a group stream) its
/// offset is not committed. Process it, then let it go.
pub struct Delivery<T> {
    record: Record<T>,
    ack: Ack,
}

impl<T> Delivery<T> {
    /// The record.
    pub fn record(&self) -> &Record<T> {
        &self.record
    }

    /// Acknowledges the record: it is processed.
    pub fn ack(self) {}

    /// Acknowledges the record and takes it (forwarding it counts as processing it).
    pub fn into_record(self) -> Record<T> {
        let Delivery { record, ack } = self;
        drop(ack);
        record
    }

    /// Acknowledges the record and takes its value.
    pub fn into_value(self) -> T {
        self.into_record().value
    }
}

impl<T> Deref for Delivery<T> {
    type Target = Record<T>;

    fn deref(&self) -> &Record<T> {
        &self.record
    }
}

impl<T: fmt::Debug> fmt::Debug for Delivery<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

/// A topic's records as a [`Stream`] of [`Delivery`]s, from [`ConsumerRunner::stream`] or
/// [`ConsumerRunner::tail`] (or the generated `Consumer`'s methods of the same names).
///
/// The consumer runs in a task of its own until the stream is dropped; it then stops, leaves
/// unread records for redelivery and (for a group stream) commits what was acknowledged. The
/// stream yields `Err` once if the run fails (then ends). Tombstones (null values) are accepted
/// without being streamed. At most the runner's `concurrency` records (default 1, each of a
/// different partition) are out unacknowledged: `next()` waits while that many are held.
pub struct RecordStream<T> {
    // Declared first so it is dropped first: the run loop sees the shutdown before any lane sees
    // its record abandoned, so the run ends as a shutdown, not as a failed lane.
    stop: oneshot::Sender<()>,
    records: mpsc::Receiver<Item<T>>,
    run: JoinHandle<Option<KafkaError>>,
}

impl<T> RecordStream<T> {
    /// Stops reading and waits until the consumer stopped: records not yet read are left for
    /// redelivery and, for a group stream, every acknowledged record is committed when this
    /// returns `Ok` (dropping the stream does the same without waiting). Records still held
    /// unacknowledged are waited for. Returns the run's failure, if it failed and the stream
    /// did not yield it.
    pub async fn close(self) -> Result<(), KafkaError> {
        let RecordStream { stop, records, run } = self;
        drop(stop);
        drop(records);
        match run.await {
            Ok(None) => Ok(()),
            Ok(Some(e)) => Err(e),
            Err(e) if e.is_cancelled() => Err(KafkaError::Cancelled),
            Err(_) => Err(KafkaError::HandlerPanicked),
        }
    }
}

impl<T> fmt::Debug for RecordStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordStream").finish_non_exhaustive()
    }
}

impl<T> Stream for RecordStream<T> {
    type Item = Result<Delivery<T>, KafkaError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.records.poll_recv(cx).map(|item| {
            item.map(|item| {
                item.map(|(record, ack)| Delivery {
                    record,
                    ack: Ack(Some(ack)),
                })
            })
        })
    }
}

/// The runner's handler behind a [`RecordStream`]: hands the record over and waits for its
/// acknowledgement.
struct Forward<T> {
    records: mpsc::Sender<Item<T>>,
}

impl<T: Send + 'static> Handler<T> for Forward<T> {
    async fn handle(&self, record: Record<T>) -> Result<(), HandlerError> {
        let (ack, acked) = oneshot::channel();
        if self.records.send(Ok((record, ack))).await.is_err() {
            return Err(HandlerError::abandoned("the record stream was dropped"));
        }
        // An error here means the record was still queued when the stream was dropped (a
        // delivered record always acknowledges): it was never read, so it is not finished.
        acked.await.map_err(|_| {
            HandlerError::abandoned("the record stream was dropped before the record was read")
        })
    }
}

impl<T, E> ConsumerRunner<T, E>
where
    T: Send + 'static,
    E: Encoding<T> + 'static,
{
    /// Reads the topic as a member of the consumer group, as a [`RecordStream`]: at-least-once
    /// (an offset is committed only after the reader acknowledged the record, so a record read
    /// but not acknowledged when the stream or the process goes is delivered again), records
    /// that cannot be decoded go to the dead-letter topic and the stream goes on.
    ///
    /// MUST be called inside a Tokio runtime.
    pub fn stream(&self) -> Result<RecordStream<T>, KafkaError> {
        let generations = Arc::new(Generations::default());
        let consumer = self.connect(Mode::Group, &generations)?;
        consumer.subscribe(&[self.topic()])?;
        Ok(self.spawn(consumer, generations, Mode::Group))
    }

    /// Reads the records published from now on, as a [`RecordStream`]: every partition is
    /// assigned to this reader at its end offset, read when this returns, so a record whose
    /// publication completes after `tail` returned is in the stream, whatever other readers do.
    /// Not a group member: nothing is committed, and a record that cannot be decoded is logged
    /// and skipped (the topic's own consumer group dead-letters it once, not once per reader).
    /// The group id is only librdkafka's label for the client. Partitions added to the topic
    /// later are not read. librdkafka fetches at most 1 MiB or 1,000 records ahead per partition
    /// (`queued.max.messages.kbytes`, `queued.min.messages`, unless the config sets them), so a
    /// watcher that stops reading holds little.
    ///
    /// Fails if the topic does not exist. MUST be called inside a Tokio runtime.
    pub async fn tail(&self) -> Result<RecordStream<T>, KafkaError> {
        let generations = Arc::new(Generations::default());
        let consumer = self.connect(Mode::Tail, &generations)?;
        let topic = self.topic().to_owned();
        let positioned = consumer.clone();
        // Metadata and watermark requests block on the broker.
        tokio::task::spawn_blocking(move || assign_at_end(&positioned, &topic))
            .await
            .map_err(|_| KafkaError::Cancelled)??;
        Ok(self.spawn(consumer, generations, Mode::Tail))
    }

    fn spawn(
        &self,
        consumer: Arc<RunnerConsumer>,
        generations: Arc<Generations>,
        mode: Mode,
    ) -> RecordStream<T> {
        // One slot: a lane waits for the acknowledgement anyway, so records queue in the
        // runner's bounded per-partition buffers, not here.
        let (sender, records) = mpsc::channel(1);
        let (stop, stopped) = oneshot::channel::<()>();
        let runner = self.clone();
        let run = tokio::spawn(async move {
            let handler = Forward {
                records: sender.clone(),
            };
            let shutdown = async {
                let _ = stopped.await;
            };
            let run = runner
                .drive(consumer, generations, mode, handler, shutdown)
                .await;
            match run {
                Ok(_) => None,
                // To the stream, or (if it is gone) to `close`.
                Err(e) => sender.send(Err(e)).await.err().and_then(|e| e.0.err()),
            }
        });
        RecordStream { stop, records, run }
    }
}

/// Assigns every partition of `topic` to `consumer` at its current end (high watermark).
fn assign_at_end(consumer: &RunnerConsumer, topic: &str) -> Result<(), KafkaError> {
    let metadata = consumer.fetch_metadata(Some(topic), POSITION_TIMEOUT)?;
    let missing = || RdKafkaError::MetadataFetch(RDKafkaErrorCode::UnknownTopicOrPartition);
    let found = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .ok_or_else(missing)?;
    if let Some(code) = found.error() {
        return Err(RdKafkaError::MetadataFetch(code.into()).into());
    }
    if found.partitions().is_empty() {
        return Err(missing().into());
    }
    let mut assignment = TopicPartitionList::new();
    for partition in found.partitions() {
        let (_, high) = consumer.fetch_watermarks(topic, partition.id(), POSITION_TIMEOUT)?;
        assignment.add_partition_offset(topic, partition.id(), Offset::Offset(high))?;
    }
    consumer.assign(&assignment)?;
    Ok(())
}
