//! Hand-written types as Kafka events: the [`Event`] trait (`#[derive(rosetta::Event)]`
//! implements it) and helpers that build the same producer and consumer generated topic
//! modules use.

use super::{ConsumerRunner, Delivered, Encoding, KafkaConfig, KafkaError, TopicProducer};

/// A type published on one Kafka topic, in one encoding.
///
/// Usually derived: `#[derive(rosetta::Event)]` with
/// `#[rosetta(topic = "orders", key = id)]` (see the derive's documentation).
pub trait Event: Sized + Send + Sync + 'static {
    /// The topic records of this type go to.
    const TOPIC: &'static str;
    /// The name written to each record's `rosetta-type` header.
    const TYPE_NAME: &'static str;
    /// The wire format of the record value.
    type Encoding: Encoding<Self>;

    /// The record key: records with the same key go to the same partition, so they are
    /// consumed in the order they were sent. `None` sends an unkeyed record.
    fn key(&self) -> Option<&str>;
}

/// A producer for `T`'s topic, with `T`'s encoding and type name.
///
/// MUST be called inside a Tokio runtime.
pub fn event_producer<T: Event>(
    config: &KafkaConfig,
) -> Result<TopicProducer<T, T::Encoding>, KafkaError> {
    TopicProducer::new(config, T::TOPIC, T::TYPE_NAME)
}

/// Sends `event` keyed by [`Event::key`] and waits until the brokers acknowledged it.
pub async fn publish<T: Event>(
    producer: &TopicProducer<T, T::Encoding>,
    event: &T,
) -> Result<Delivered, KafkaError> {
    producer.send(event.key(), event).await
}

/// A consumer runner for `T`'s topic in consumer group `group_id`; nothing connects until
/// [`run`](ConsumerRunner::run).
pub fn event_consumer<T: Event>(
    config: &KafkaConfig,
    group_id: impl Into<String>,
) -> ConsumerRunner<T, T::Encoding>
where
    T::Encoding: 'static,
{
    ConsumerRunner::new(config, T::TOPIC, group_id)
}
