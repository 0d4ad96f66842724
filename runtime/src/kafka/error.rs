//! The error type of the Kafka runtime.

use std::fmt;

use super::encoding::CodecError;

/// Everything that can go wrong in the Kafka runtime.
#[derive(Debug)]
#[non_exhaustive]
pub enum KafkaError {
    /// librdkafka refused a configuration, a send, a subscription or a commit.
    Client(rdkafka::error::KafkaError),
    /// A value could not be encoded (decoding failures go to the dead-letter topic instead).
    Codec(CodecError),
    /// [`KafkaConfig::bootstrap_servers`](super::KafkaConfig::bootstrap_servers) is `None`
    /// and no embedded broker was started for it.
    NoBootstrapServers,
    /// The embedded broker could not be started or did not answer.
    Embedded(String),
    /// [`TopicProducer::flush`](super::TopicProducer::flush) timed out with records still in flight.
    FlushTimeout {
        /// Records enqueued and not yet acknowledged; a later `flush` waits for them again.
        pending: usize,
    },
    /// Some records given to [`TopicProducer::enqueue`](super::TopicProducer::enqueue) were not delivered.
    DeliveryFailed {
        /// How many records failed since the previous flush.
        failed: usize,
        /// The first failure's cause.
        first: rdkafka::error::KafkaError,
    },
    /// A handler panicked; the runner stopped without storing that record's offset.
    HandlerPanicked,
    /// The Tokio runtime shut down under the runner (a crash, as far as delivery goes: records
    /// since the last commit are handled again by the next consumer).
    Cancelled,
}

impl fmt::Display for KafkaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Client(e) => write!(f, "kafka client error: {e}"),
            Self::Codec(e) => write!(f, "cannot encode value: {e}"),
            Self::NoBootstrapServers => f.write_str(
                "no bootstrap servers configured: set KafkaConfig::bootstrap_servers or start the \
                 embedded broker with KafkaConfig::start_embedded_if_needed",
            ),
            Self::Embedded(e) => write!(f, "embedded broker: {e}"),
            Self::FlushTimeout { pending } => {
                write!(
                    f,
                    "flush timed out with {pending} record(s) not yet acknowledged"
                )
            }
            Self::DeliveryFailed { failed, first } => {
                write!(
                    f,
                    "{failed} record(s) were not delivered; first error: {first}"
                )
            }
            Self::HandlerPanicked => f.write_str("a record handler panicked"),
            Self::Cancelled => f.write_str(
                "the Tokio runtime shut down before the consumer could drain and commit",
            ),
        }
    }
}

impl std::error::Error for KafkaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Client(e) | Self::DeliveryFailed { first: e, .. } => Some(e),
            Self::Codec(e) => Some(e),
            _ => None,
        }
    }
}

impl From<rdkafka::error::KafkaError> for KafkaError {
    fn from(e: rdkafka::error::KafkaError) -> Self {
        Self::Client(e)
    }
}

impl From<CodecError> for KafkaError {
    fn from(e: CodecError) -> Self {
        Self::Codec(e)
    }
}
