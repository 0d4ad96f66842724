//! The embedded broker: librdkafka's in-process mock cluster, owned by a
//! dedicated thread so that it can be shared freely.
//!
//! The mock cluster is driven through librdkafka's C API directly rather than
//! through `rdkafka::mocking::MockCluster`, whose wrapper hides the one knob an
//! embedded broker needs: the consumer-group initial rebalance delay (3 s by
//! default, like Kafka's `group.initial.rebalance.delay.ms`, which would make
//! every first consumer wait 3 s). The cluster and the client it belongs to
//! live on one thread for their whole life; every operation is shipped there
//! as a closure, and the handle keeps only the bootstrap address and a channel.

use std::ffi::{CStr, CString};
use std::ptr::NonNull;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::bindings as ffi;
use rdkafka::client::{Client, DefaultClientContext};
use rdkafka::error::{KafkaError as RdKafkaError, RDKafkaErrorCode};
use rdkafka::types::{RDKafkaRespErr, RDKafkaType};

use super::error::KafkaError;

/// A mock cluster and the client handle it was created from.
///
/// Invariant: `cluster` was returned by `rd_kafka_mock_cluster_new` on
/// `client`'s handle, is destroyed exactly once (in `Drop`), and before
/// `client` (Rust drops fields after `drop` returns).
struct Cluster {
    cluster: NonNull<ffi::rd_kafka_mock_cluster_t>,
    _client: Client<DefaultClientContext>,
}

impl Cluster {
    fn new(broker_count: i32) -> Result<Self, KafkaError> {
        let config = ClientConfig::new();
        let client = Client::new(
            &config,
            config.create_native_config()?,
            RDKafkaType::RD_KAFKA_PRODUCER,
            DefaultClientContext,
        )?;
        // SAFETY: `client.native_ptr()` is a live handle, kept alive by `_client`
        // for as long as the cluster exists.
        let raw = unsafe { ffi::rd_kafka_mock_cluster_new(client.native_ptr(), broker_count) };
        let cluster = NonNull::new(raw).ok_or(RdKafkaError::MockCluster(RDKafkaErrorCode::Fail))?;
        Ok(Self {
            cluster,
            _client: client,
        })
    }

    fn bootstrap_servers(&self) -> String {
        // SAFETY: the cluster is live; librdkafka returns a NUL-terminated string
        // owned by the cluster, copied here before any other call.
        unsafe { CStr::from_ptr(ffi::rd_kafka_mock_cluster_bootstraps(self.cluster.as_ptr())) }
            .to_string_lossy()
            .into_owned()
    }

    fn create_topic(
        &self,
        name: &str,
        partitions: i32,
        replication: i32,
    ) -> Result<(), KafkaError> {
        let name = CString::new(name).map_err(RdKafkaError::from)?;
        // SAFETY: the cluster is live and `name` is NUL-terminated; librdkafka copies it.
        check(unsafe {
            ffi::rd_kafka_mock_topic_create(
                self.cluster.as_ptr(),
                name.as_ptr(),
                partitions,
                replication,
            )
        })
    }

    fn set_broker_up(&self, broker_id: i32, up: bool) -> Result<(), KafkaError> {
        // SAFETY: the cluster is live.
        check(unsafe {
            if up {
                ffi::rd_kafka_mock_broker_set_up(self.cluster.as_ptr(), broker_id)
            } else {
                ffi::rd_kafka_mock_broker_set_down(self.cluster.as_ptr(), broker_id)
            }
        })
    }

    fn set_group_initial_rebalance_delay(&self, delay_ms: i32) {
        // SAFETY: the cluster is live; librdkafka takes its own lock.
        unsafe {
            ffi::rd_kafka_mock_group_initial_rebalance_delay_ms(self.cluster.as_ptr(), delay_ms)
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // SAFETY: see the invariant: destroyed once, while the client is alive.
        unsafe { ffi::rd_kafka_mock_cluster_destroy(self.cluster.as_ptr()) }
    }
}

fn check(code: RDKafkaRespErr) -> Result<(), KafkaError> {
    match code {
        RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR => Ok(()),
        code => Err(RdKafkaError::MockCluster(code.into()).into()),
    }
}

type Command = Box<dyn FnOnce(&Cluster) + Send>;

/// How long a new group waits for more members before its first assignment. Consumers started
/// together (a service's consumers of one group) then join in one round; a member joining after
/// the first assignment costs the whole group a rebalance, which the mock coordinator makes last
/// `session.timeout.ms` - 1 s.
const INITIAL_REBALANCE_DELAY_MS: i32 = 1000;

/// A real Kafka-protocol broker (librdkafka's mock cluster) running in this
/// process on loopback ports.
///
/// It speaks enough of the protocol for producers (idempotent ones included),
/// consumer groups with committed offsets, and any Kafka client, e.g.
/// `kafka-python` with `api_version=(2, 0)`. A new consumer group gets its
/// first assignment 1 s after its first member joined (see
/// [`set_group_initial_rebalance_delay`](Self::set_group_initial_rebalance_delay)). Topics are created on first use
/// with 4 partitions; use [`create_topic`](Self::create_topic) for another
/// count (the CreateTopics admin request is not supported). Each partition
/// keeps at most 100,000 records or 5 MiB. Unlike Kafka, when the last
/// member of a group leaves, the mock coordinator waits the group's
/// `session.timeout.ms` minus one second before it assigns partitions to the
/// next member that joins.
///
/// Dropping the handle shuts the cluster down.
pub struct EmbeddedBroker {
    bootstrap_servers: String,
    broker_count: i32,
    commands: Option<mpsc::Sender<Command>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EmbeddedBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedBroker")
            .field("bootstrap_servers", &self.bootstrap_servers)
            .field("broker_count", &self.broker_count)
            .finish_non_exhaustive()
    }
}

impl EmbeddedBroker {
    /// Starts a one-broker cluster.
    pub fn start() -> Result<Self, KafkaError> {
        Self::with_brokers(1)
    }

    /// Starts a cluster of `broker_count` brokers, numbered `1..=broker_count`.
    pub fn with_brokers(broker_count: i32) -> Result<Self, KafkaError> {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<String, KafkaError>>();
        let (commands_tx, commands_rx) = mpsc::channel::<Command>();
        let thread = std::thread::Builder::new()
            .name("rosetta-embedded-kafka".to_owned())
            .spawn(move || {
                let cluster = match Cluster::new(broker_count) {
                    Ok(cluster) => cluster,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                cluster.set_group_initial_rebalance_delay(INITIAL_REBALANCE_DELAY_MS);
                let _ = ready_tx.send(Ok(cluster.bootstrap_servers()));
                // Runs until every handle (and so every sender) is gone.
                while let Ok(command) = commands_rx.recv() {
                    command(&cluster);
                }
            })
            .map_err(|e| KafkaError::Embedded(format!("cannot spawn broker thread: {e}")))?;
        let bootstrap_servers = ready_rx
            .recv()
            .map_err(|_| KafkaError::Embedded("broker thread exited during start-up".into()))??;
        Ok(Self {
            bootstrap_servers,
            broker_count,
            commands: Some(commands_tx),
            thread: Some(thread),
        })
    }

    /// The `bootstrap.servers` value that reaches this cluster (`127.0.0.1:PORT,…`).
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// How many brokers the cluster has.
    pub fn broker_count(&self) -> i32 {
        self.broker_count
    }

    /// Creates `name` with `partitions` partitions, replicated on up to three brokers.
    pub fn create_topic(&self, name: &str, partitions: i32) -> Result<(), KafkaError> {
        let name = name.to_owned();
        let replication = self.broker_count.min(3);
        self.with_cluster(move |c| c.create_topic(&name, partitions, replication))?
    }

    /// Disconnects broker `broker_id` (-1: every broker) and refuses new connections (no leader change).
    pub fn broker_down(&self, broker_id: i32) -> Result<(), KafkaError> {
        self.with_cluster(move |c| c.set_broker_up(broker_id, false))?
    }

    /// Lets broker `broker_id` (-1: every broker) accept connections again.
    pub fn broker_up(&self, broker_id: i32) -> Result<(), KafkaError> {
        self.with_cluster(move |c| c.set_broker_up(broker_id, true))?
    }

    /// Sets how long the group coordinator waits for more members before the
    /// first assignment of a new consumer group (1 s at start; Kafka's default is 3 s).
    pub fn set_group_initial_rebalance_delay(&self, delay: Duration) -> Result<(), KafkaError> {
        let delay_ms = i32::try_from(delay.as_millis()).unwrap_or(i32::MAX);
        self.with_cluster(move |c| c.set_group_initial_rebalance_delay(delay_ms))
    }

    /// Runs `f` on the thread that owns the cluster and returns its result.
    fn with_cluster<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Cluster) -> R + Send + 'static,
    ) -> Result<R, KafkaError> {
        let gone = || KafkaError::Embedded("broker thread is gone".into());
        let (reply_tx, reply_rx) = mpsc::channel();
        let command: Command = Box::new(move |cluster| {
            let _ = reply_tx.send(f(cluster));
        });
        self.commands
            .as_ref()
            .ok_or_else(gone)?
            .send(command)
            .map_err(|_| gone())?;
        reply_rx.recv().map_err(|_| gone())
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop, which drops the cluster.
        drop(self.commands.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
