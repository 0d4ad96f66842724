//! Creating topics on a real cluster, for examples and tests that start from an empty broker.
//!
//! Brokers that do not create topics on first use (tansu, Kafka with
//! `auto.create.topics.enable=false`) make a producer wait for metadata until
//! `message.timeout.ms`; [`ensure_topics`] creates the topics (and their
//! dead-letter topics) up front. The embedded broker creates topics on first
//! use and does not answer CreateTopics: use
//! [`EmbeddedBroker::create_topic`](super::EmbeddedBroker::create_topic) there.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError as RdKafkaError, RDKafkaErrorCode};

use super::config::KafkaConfig;
use super::error::KafkaError;

/// Creates each of `topics` that does not exist yet, with `partitions` partitions and the
/// broker's default replication factor. A topic that already exists is left as it is.
///
/// MUST be called inside a Tokio runtime.
pub async fn ensure_topics(
    config: &KafkaConfig,
    topics: &[&str],
    partitions: i32,
) -> Result<(), KafkaError> {
    let admin: AdminClient<DefaultClientContext> = config.admin_config()?.create()?;
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|t| NewTopic::new(t, partitions, TopicReplication::Fixed(-1)))
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    for result in admin.create_topics(&new, &options).await? {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => return Err(RdKafkaError::AdminOp(code).into()),
        }
    }
    Ok(())
}
