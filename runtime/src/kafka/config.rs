//! Connection settings shared by producers and consumers, and the librdkafka
//! properties the runtime's delivery guarantees depend on.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

use super::embedded::EmbeddedBroker;
use super::error::KafkaError;

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
        Ok(Some(broker))
    }

    /// The librdkafka config of an idempotent producer with `acks=all`.
    pub fn producer_config(&self) -> Result<ClientConfig, KafkaError> {
        let mut config = self.base_config()?;
        config.set("enable.idempotence", "true").set("acks", "all");
        Ok(config)
    }

    /// The librdkafka config of a group consumer that commits only the
    /// offsets the runtime stores after a record was handled.
    pub fn consumer_config(&self, group_id: &str) -> Result<ClientConfig, KafkaError> {
        let mut config = ClientConfig::new();
        config
            .set("auto.offset.reset", "earliest")
            .set("enable.auto.commit", "true")
            .set("enable.partition.eof", "false");
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
        let consumer = config.consumer_config("g").expect("consumer config");
        assert_eq!(consumer.get("enable.auto.offset.store"), Some("false"));
        assert_eq!(consumer.get("group.id"), Some("g"));
        assert_eq!(consumer.get("bootstrap.servers"), Some("127.0.0.1:9"));
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
