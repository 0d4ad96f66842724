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

impl KafkaError {
    /// Whether the record can never be published as it is (larger than the producer's
    /// `message.max.bytes` or the broker's `max.message.bytes`): retrying cannot help.
    pub fn is_too_large(&self) -> bool {
        use rdkafka::error::{KafkaError as Rd, RDKafkaErrorCode as Code};
        let code = match self {
            Self::Client(e) | Self::DeliveryFailed { first: e, .. } => match e {
                Rd::MessageProduction(code) => Some(*code),
                _ => e.rdkafka_error_code(),
            },
            _ => None,
        };
        matches!(
            code,
            Some(Code::MessageSizeTooLarge | Code::InvalidMessageSize | Code::MessageBatchTooLarge)
        )
    }

    /// The status a call fails with when an event it must publish could not be: the rule of
    /// every Rosetta service that publishes events (see docs/kafka.md, "Publishing from a call").
    ///
    /// `resource_exhausted` when the record is too large to ever be accepted, `internal` when
    /// the value cannot be encoded, `unavailable` otherwise (the broker is down or slow: the
    /// caller may retry the call).
    pub fn to_status(&self) -> crate::Status {
        let kind = if self.is_too_large() {
            crate::ErrorKind::ResourceExhausted
        } else if matches!(self, Self::Codec(_)) {
            crate::ErrorKind::Internal
        } else {
            crate::ErrorKind::Unavailable
        };
        crate::Status::new(kind, format!("event not published: {self}"))
    }
}

impl From<KafkaError> for crate::Status {
    fn from(e: KafkaError) -> Self {
        e.to_status()
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
