//! Connection settings shared by producers and consumers, and the librdkafka
//! properties the runtime's delivery guarantees depend on.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

use super::embedded::EmbeddedBroker;
use super::error::KafkaError;

/// The producers' default `message.max.bytes`: 16 MiB, so that any value a topic's IDL bounds
/// allow up to a few MiB (a 1 MiB image is 1.4 MB in JSON) leaves the producer. The broker has
/// its own limit (Kafka's topic `max.message.bytes`, 1 MiB by default); a record above it fails
/// at delivery, and a call that had to publish it fails with `resource_exhausted`.
pub const PRODUCER_MESSAGE_MAX_BYTES: usize = 16 * 1024 * 1024;

/// A group consumer's default `auto.commit.interval.ms` (librdkafka's is 5 s): how long a record
/// may have been handled before its offset is committed, hence what a partition's next owner may
/// handle again when the commit at revocation did not count (a broker that hands the partition
/// over before that commit lands, an owner that crashed). A commit a second per consumer, none
/// while nothing new was handled.
pub const AUTO_COMMIT_INTERVAL_MS: &str = "1000";

/// Consumer-group timing [`KafkaConfig::start_embedded_if_needed`] sets unless given: a member
/// that joins a running group on the embedded broker waits `session.timeout.ms` - 1 s.
pub const EMBEDDED_GROUP_TIMING: [(&str, &str); 2] = [
    ("session.timeout.ms", "2000"),
    ("heartbeat.interval.ms", "300"),
];

/// The features librdkafka was built with (`builtin.features`: `gzip,snappy,ssl,...,zstd,...`).
///
/// Rosetta builds it with every compression codec Kafka defines (gzip, snappy, lz4, zstd), so a
/// consumer reads any batch a producer in another language compressed.
pub fn builtin_features() -> Result<String, KafkaError> {
    Ok(ClientConfig::new()
        .create_native_config()?
        .get("builtin.features")?)
}

/// Where and how to reach Kafka.
///
/// `bootstrap_servers: None` means "embedded": call
/// [`start_embedded_if_needed`](Self::start_embedded_if_needed) once at start-up
/// to run librdkafka's in-process mock cluster and point the config at it, so
/// examples and tests need no broker on the machine.
///
/// `properties` are passed to librdkafka as they are (both producer and
/// consumer see them), after the runtime's defaults and before its mandatory
/// settings: the properties that at-least-once delivery rests on
/// (`enable.idempotence`, `acks`, `enable.auto.offset.store`) cannot be
/// overridden.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KafkaConfig {
    /// `host:port[,host:port…]`, or `None` for the embedded broker.
    pub bootstrap_servers: Option<String>,
    /// The `client.id` librdkafka reports to the brokers.
    pub client_id: String,
    /// Extra librdkafka properties (`linger.ms`, `security.protocol`, …).
    pub properties: BTreeMap<String, String>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self::embedded()
    }
}

impl KafkaConfig {
    /// A config for the cluster at `bootstrap_servers`.
    pub fn new(bootstrap_servers: impl Into<String>) -> Self {
        Self {
            bootstrap_servers: Some(bootstrap_servers.into()),
            ..Self::embedded()
        }
    }

    /// A config that asks for the embedded broker.
    pub fn embedded() -> Self {
        Self {
            bootstrap_servers: None,
            client_id: "rosetta".to_owned(),
            properties: BTreeMap::new(),
        }
    }

    /// Sets the `client.id`.
    pub fn client_id(&mut self, client_id: impl Into<String>) -> &mut Self {
        self.client_id = client_id.into();
        self
    }

    /// Sets one extra librdkafka property.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.properties.insert(key.into(), value.into());
        self
    }

    /// Starts the embedded broker when no bootstrap servers are configured.
    ///
    /// Returns the broker, which MUST be kept alive for as long as clients use
    /// it (dropping it shuts the cluster down), or `None` when a real cluster
    /// is configured.
    pub fn start_embedded_if_needed(&mut self) -> Result<Option<EmbeddedBroker>, KafkaError> {
        if self.bootstrap_servers.is_some() {
            return Ok(None);
        }
        let broker = EmbeddedBroker::start()?;
        self.bootstrap_servers = Some(broker.bootstrap_servers().to_owned());
        // The mock coordinator makes a member that joins a running group wait until
        // `session.timeout.ms` - 1 s have passed (Kafka waits only until every member rejoined):
        // with librdkafka's 45 s, a group's second consumer got its first record after 44 s.
        // The broker is in this process, so a short session loses nothing.
        for (key, value) in EMBEDDED_GROUP_TIMING {
            self.properties
                .entry(key.to_owned())
                .or_insert_with(|| value.to_owned());
        }
        Ok(Some(broker))
    }

    /// The librdkafka config of an idempotent producer with `acks=all`.
    ///
    /// `message.max.bytes` defaults to [`PRODUCER_MESSAGE_MAX_BYTES`] instead of librdkafka's
    /// 1,000,000, which a JSON event with a 750 KB `bytes` field (base64) already exceeds.
    pub fn producer_config(&self) -> Result<ClientConfig, KafkaError> {
        let mut config = ClientConfig::new();
        config.set("message.max.bytes", PRODUCER_MESSAGE_MAX_BYTES.to_string());
        self.apply_user(&mut config)?;
        config.set("enable.idempotence", "true").set("acks", "all");
        Ok(config)
    }

    /// The librdkafka config of a group consumer that commits only the
    /// offsets the runtime stores after a record was handled.
    pub fn consumer_config(&self, group_id: &str) -> Result<ClientConfig, KafkaError> {
        let mut config = ClientConfig::new();
        // Cooperative (incremental) rebalancing: when a member joins or leaves, only the
        // partitions that move are revoked, so members of one group keep consuming (and
        // committing) through a rebalance instead of all stopping and resuming from the last
        // commit, which is what made records be handled twice. The commit interval bounds what
        // is handled twice when the commit at revocation does not count (see the constant).
        config
            .set("auto.offset.reset", "earliest")
            .set("enable.auto.commit", "true")
            .set("auto.commit.interval.ms", AUTO_COMMIT_INTERVAL_MS)
            .set("enable.partition.eof", "false")
            .set("partition.assignment.strategy", "cooperative-sticky");
        self.apply_user(&mut config)?;
        config
            .set("group.id", group_id)
            .set("enable.auto.offset.store", "false");
        Ok(config)
    }

    /// The librdkafka config of an admin client.
    pub(crate) fn admin_config(&self) -> Result<ClientConfig, KafkaError> {
        self.base_config()
    }

    fn base_config(&self) -> Result<ClientConfig, KafkaError> {
        let mut config = ClientConfig::new();
        self.apply_user(&mut config)?;
        Ok(config)
    }

    fn apply_user(&self, config: &mut ClientConfig) -> Result<(), KafkaError> {
        let servers = self
            .bootstrap_servers
            .as_deref()
            .ok_or(KafkaError::NoBootstrapServers)?;
        config
            .set("bootstrap.servers", servers)
            .set("client.id", &self.client_id);
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mandatory_settings_win_over_user_properties() {
        let mut config = KafkaConfig::new("127.0.0.1:9");
        config
            .set("acks", "1")
            .set("enable.auto.offset.store", "true")
            .set("linger.ms", "0");
        let producer = config.producer_config().expect("producer config");
        assert_eq!(producer.get("acks"), Some("all"));
        assert_eq!(producer.get("enable.idempotence"), Some("true"));
        assert_eq!(producer.get("linger.ms"), Some("0"));
        assert_eq!(producer.get("message.max.bytes"), Some("16777216"));
        let consumer = config.consumer_config("g").expect("consumer config");
        assert_eq!(consumer.get("enable.auto.offset.store"), Some("false"));
        assert_eq!(consumer.get("group.id"), Some("g"));
        assert_eq!(consumer.get("bootstrap.servers"), Some("127.0.0.1:9"));
    }

    #[test]
    fn every_kafka_compression_codec_is_built_in() {
        let features = builtin_features().expect("builtin.features");
        for codec in ["gzip", "snappy", "lz4", "zstd"] {
            assert!(
                features.split(',').any(|f| f == codec),
                "{codec} missing from {features}"
            );
        }
    }

    #[test]
    fn embedded_without_broker_is_an_error() {
        let config = KafkaConfig::embedded();
        assert!(matches!(
            config.producer_config(),
            Err(KafkaError::NoBootstrapServers)
        ));
    }
}
