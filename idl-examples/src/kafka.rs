//! The examples' Kafka side, through the producers and consumers generated from `seed.idl` and
//! `shop.idl`: the seed's `my-topic` record, and the shop's events on its four topics (one per
//! encoding). With no bootstrap servers, librdkafka's mock cluster is started in this process and
//! its address printed as `kafka bootstrap: HOST:PORT`, so the examples need no broker.

use std::sync::Arc;

use futures_util::StreamExt;
use rosetta::kafka::{EmbeddedBroker, HandlerError, KafkaConfig, KafkaError, Record, handler_fn};
use rosetta::{ErrorKind, Status, Streaming};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::seed::my_topic;
use crate::shop::v1::{
    Order, Product, ProductChange, ProductDeleted, ProductEvent, shop_audit, shop_images,
    shop_orders, shop_product_events,
};
use crate::shop_service::{EventSink, ProductFeed, Published, Shop, Watching};

/// What the examples' errors are boxed as.
pub type Error = Box<dyn std::error::Error>;

/// Keeps the Kafka side alive: the embedded broker (if one was started) and the consumer tasks.
/// Dropping it stops them; [`shutdown`](Self::shutdown) also waits until the consumers committed.
/// (Publishing needs no task: every call awaits its own records.)
pub struct KafkaGuard {
    bootstrap_servers: String,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    // Dropped last: the tasks above talk to it.
    broker: Option<EmbeddedBroker>,
}

impl KafkaGuard {
    /// The `bootstrap.servers` the examples use (the embedded broker's, or the ones given).
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// The embedded broker, when one was started.
    pub fn embedded(&self) -> Option<&EmbeddedBroker> {
        self.broker.as_ref()
    }

    /// Stops the consumers (which commit what they handled) and waits for them.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for KafkaGuard {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Partitions of the topics the examples create on a real broker (the embedded one's default).
const PARTITIONS: i32 = 4;

/// Printed once (to stderr) when the examples start the embedded broker.
pub const EMBEDDED_IS_NOT_DURABLE: &str = "kafka: the embedded broker runs inside this process: \
records it acknowledged are lost if the process is killed (SIGKILL, a crash, power loss); \
use --kafka HOST:PORT for a broker that keeps them";

/// The config for `bootstrap`, starting the embedded broker when there is none. On a real broker,
/// creates `topics` and their dead-letter topics if they do not exist (the embedded broker
/// creates topics on first use).
async fn connect(
    bootstrap: Option<&str>,
    topics: &[(&str, &str)],
) -> Result<(KafkaConfig, Option<EmbeddedBroker>), KafkaError> {
    let mut config = match bootstrap {
        Some(servers) => KafkaConfig::new(servers),
        None => KafkaConfig::embedded(),
    };
    config.client_id("rosetta-examples");
    let broker = config.start_embedded_if_needed()?;
    match &broker {
        Some(broker) => {
            // Created now rather than on first use: a tail reader (`WatchProducts`) started
            // before the first event needs the topic's partitions to place itself at their end.
            for name in topics.iter().flat_map(|(t, dlq)| [*t, *dlq]) {
                broker.create_topic(name, PARTITIONS)?;
            }
            println!("kafka bootstrap: {}", broker.bootstrap_servers());
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| eprintln!("{EMBEDDED_IS_NOT_DURABLE}"));
        }
        None => {
            let names: Vec<&str> = topics.iter().flat_map(|(t, dlq)| [*t, *dlq]).collect();
            rosetta::kafka::ensure_topics(&config, &names, PARTITIONS).await?;
        }
    }
    Ok((config, broker))
}

/// Completes when the guard says stop (or is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Reports why a consumer stopped, unless the process is just ending.
fn report<T>(topic: &str, result: Result<T, KafkaError>) {
    match result {
        Ok(_) | Err(KafkaError::Cancelled) => {}
        Err(e) => eprintln!("{topic} consumer stopped: {e}"),
    }
}

fn key_text<T>(record: &Record<T>) -> String {
    record
        .key
        .as_deref()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .unwrap_or_default()
}

/// The line the seed prints for a record of `my-topic`: `my-topic key=<key> value=<value>`.
pub fn seed_line(record: &Record<String>) -> String {
    format!(
        "{} key={} value={}",
        my_topic::TOPIC,
        key_text(record),
        record.value
    )
}

/// Starts the seed's Kafka side: sends `("my-topic", "key", "value")` with the generated producer,
/// and prints every record the generated consumer handles as `my-topic key=<key> value=<value>`.
pub async fn start_seed(bootstrap: Option<&str>) -> Result<KafkaGuard, Error> {
    start_seed_with(bootstrap, |line| println!("{line}")).await
}

/// [`start_seed`], giving each line to `on_line` instead of printing it.
pub async fn start_seed_with(
    bootstrap: Option<&str>,
    on_line: impl Fn(String) + Send + Sync + 'static,
) -> Result<KafkaGuard, Error> {
    let (config, broker) =
        connect(bootstrap, &[(my_topic::TOPIC, my_topic::DEAD_LETTER_TOPIC)]).await?;
    let producer = my_topic::Producer::new(&config)?;
    producer.send("key", &"value".to_string()).await?;

    let (stop, stop_rx) = watch::channel(false);
    let on_line = Arc::new(on_line);
    let consumer = my_topic::Consumer::new(&config, "rosetta-seed");
    let task = tokio::spawn(async move {
        let handler = handler_fn(move |record: Record<String>| {
            let on_line = on_line.clone();
            async move {
                on_line(seed_line(&record));
                Ok::<(), HandlerError>(())
            }
        });
        report(
            my_topic::TOPIC,
            consumer.run(handler, stopped(stop_rx)).await,
        );
    });
    Ok(KafkaGuard {
        bootstrap_servers: config.bootstrap_servers.clone().unwrap_or_default(),
        stop,
        tasks: vec![task],
        broker,
    })
}

/// Publishes the shop's events through the generated producers, awaiting each acknowledgement:
/// the shop's calls answer only once their events are on the broker (see `shop_service`).
struct KafkaSink {
    events: shop_product_events::Producer,
    orders: shop_orders::Producer,
    audit: shop_audit::Producer,
    images: shop_images::Producer,
}

impl KafkaSink {
    /// One connection shared by the four topics' producers.
    fn new(config: &KafkaConfig) -> Result<Self, KafkaError> {
        let events = shop_product_events::Producer::new(config)?;
        Ok(Self {
            orders: shop_orders::Producer::sharing(events.inner()),
            audit: shop_audit::Producer::sharing(events.inner()),
            images: shop_images::Producer::sharing(events.inner()),
            events,
        })
    }
}

/// The first failure of a call's records, as the status the call fails with. Every record was
/// attempted (all sends run to completion) before this is looked at.
fn first_failure<const N: usize>(results: [Result<(), KafkaError>; N]) -> Result<(), Status> {
    for result in results {
        if let Err(e) = result {
            eprintln!("shop events: {e}");
            return Err(e.to_status());
        }
    }
    Ok(())
}

impl EventSink for KafkaSink {
    /// The event on its topic, then an audit line and the product's image if it has one (both
    /// sent at once and both awaited, so one failure never keeps the other from being tried).
    fn product_event<'a>(&'a self, event: &'a ProductEvent) -> Published<'a> {
        Box::pin(async move {
            let (what, id) = match event {
                ProductEvent::Created(p) => ("created", &p.id),
                ProductEvent::Updated(p) => ("updated", &p.id),
                ProductEvent::Deleted(d) => ("deleted", &d.id),
            };
            let line = format!("{what} product {id}");
            let image = match event {
                ProductEvent::Created(Product {
                    id,
                    image: Some(image),
                    ..
                })
                | ProductEvent::Updated(Product {
                    id,
                    image: Some(image),
                    ..
                }) => Some((id, image)),
                _ => None,
            };
            // The event first: it is the largest record (it holds the image, base64), so when it
            // is refused as too large nothing of the call was published.
            first_failure([self.events.send(event).await.map(drop)])?;
            let (audit, image) = tokio::join!(self.audit.send("catalog", &line), async {
                match image {
                    Some((id, image)) => self.images.send(id, image).await.map(Some),
                    None => Ok(None),
                }
            },);
            first_failure([audit.map(drop), image.map(drop)])
        })
    }

    fn order_placed<'a>(&'a self, order: &'a Order) -> Published<'a> {
        Box::pin(async move {
            let line = format!("placed order {} for {}", order.id, order.customer_email);
            first_failure([self.orders.send(order).await.map(drop)])?;
            first_failure([self.audit.send("orders", &line).await.map(drop)])
        })
    }
}

/// Serves `WatchProducts` from the `shop.product-events` topic. Each watcher is a tail reader
/// of its own (the generated consumer's `tail`): placed at the end of every partition when the
/// call starts, so every watcher sees every event published after that, however many watch,
/// and a watcher leaves nothing on the broker (no group, no commits). A group per watcher would
/// do the same with a group join per call and a committed group left behind per watcher; one
/// shared group would split the events between the watchers.
struct KafkaFeed {
    config: KafkaConfig,
}

/// The status a watcher fails with when the topic cannot be read.
fn feed_failed(e: &KafkaError) -> Status {
    Status::new(
        ErrorKind::Unavailable,
        format!("cannot read {}: {e}", shop_product_events::TOPIC),
    )
}

impl ProductFeed for KafkaFeed {
    fn watch(&self) -> Watching {
        let consumer = shop_product_events::Consumer::new(&self.config, "rosetta-shop-watch");
        Box::pin(async move {
            let records = consumer.tail().await.map_err(|e| feed_failed(&e))?;
            // Taking the record out acknowledges it: the protocol polls for the next change
            // only once it took this one.
            let changes = records.map(|delivery| {
                let record = delivery.map_err(|e| feed_failed(&e))?.into_record();
                Ok(ProductChange {
                    product_id: key_text(&record),
                    event: record.value,
                })
            });
            Ok(Box::pin(changes) as Streaming<ProductChange>)
        })
    }
}

/// Prints the shop's product events as the generated consumer dispatches them.
struct ProductLines<F>(Arc<F>);

impl<F: Fn(String) + Send + Sync + 'static> ProductLines<F> {
    fn line<T>(&self, record: &Record<T>, what: &str) {
        (self.0)(format!(
            "{} key={} {what}",
            shop_product_events::TOPIC,
            key_text(record)
        ));
    }
}

impl<F: Fn(String) + Send + Sync + 'static> shop_product_events::Handler for ProductLines<F> {
    async fn created(&self, record: Record<Product>) -> Result<(), HandlerError> {
        self.line(
            &record,
            &format!("created {} {:?}", record.value.id, record.value.name),
        );
        Ok(())
    }

    async fn updated(&self, record: Record<Product>) -> Result<(), HandlerError> {
        self.line(
            &record,
            &format!("updated {} {:?}", record.value.id, record.value.name),
        );
        Ok(())
    }

    async fn deleted(&self, record: Record<ProductDeleted>) -> Result<(), HandlerError> {
        self.line(&record, &format!("deleted {}", record.value.id));
        Ok(())
    }
}

/// Starts the shop's Kafka side and returns the shop wired to publish its events: product events
/// (JSON), placed orders (protobuf), audit lines (string) and product images (bytes). The shop
/// also consumes its topics and prints a line per record (`shop.orders key=o1 ...`), and serves
/// `WatchProducts` from the product events topic.
pub async fn start_shop(bootstrap: Option<&str>) -> Result<(Shop, KafkaGuard), Error> {
    start_shop_with(bootstrap, |line| println!("{line}")).await
}

/// [`start_shop`], giving each consumed record's line to `on_line` instead of printing it.
pub async fn start_shop_with(
    bootstrap: Option<&str>,
    on_line: impl Fn(String) + Send + Sync + 'static,
) -> Result<(Shop, KafkaGuard), Error> {
    let topics = [
        (
            shop_product_events::TOPIC,
            shop_product_events::DEAD_LETTER_TOPIC,
        ),
        (shop_orders::TOPIC, shop_orders::DEAD_LETTER_TOPIC),
        (shop_audit::TOPIC, shop_audit::DEAD_LETTER_TOPIC),
        (shop_images::TOPIC, shop_images::DEAD_LETTER_TOPIC),
    ];
    let (config, broker) = connect(bootstrap, &topics).await?;
    let sink = KafkaSink::new(&config)?;
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();

    let on_line = Arc::new(on_line);
    let group = "rosetta-shop";
    let products = shop_product_events::Consumer::new(&config, group);
    let handler = ProductLines(on_line.clone());
    let rx = stop_rx.clone();
    tasks.push(tokio::spawn(async move {
        report(
            shop_product_events::TOPIC,
            products.run(handler, stopped(rx)).await,
        );
    }));

    let orders = shop_orders::Consumer::new(&config, group);
    let lines = on_line.clone();
    let rx = stop_rx.clone();
    tasks.push(tokio::spawn(async move {
        let handler = handler_fn(move |record: Record<Order>| {
            let lines = lines.clone();
            async move {
                let o = &record.value;
                lines(format!(
                    "{} key={} placed {} total={} {}",
                    shop_orders::TOPIC,
                    key_text(&record),
                    o.id,
                    o.total.amount_minor,
                    o.total.currency
                ));
                Ok::<(), HandlerError>(())
            }
        });
        report(shop_orders::TOPIC, orders.run(handler, stopped(rx)).await);
    }));

    let audit = shop_audit::Consumer::new(&config, group);
    let lines = on_line.clone();
    let rx = stop_rx.clone();
    tasks.push(tokio::spawn(async move {
        let handler = handler_fn(move |record: Record<String>| {
            let lines = lines.clone();
            async move {
                lines(format!(
                    "{} key={} {}",
                    shop_audit::TOPIC,
                    key_text(&record),
                    record.value
                ));
                Ok::<(), HandlerError>(())
            }
        });
        report(shop_audit::TOPIC, audit.run(handler, stopped(rx)).await);
    }));

    let images = shop_images::Consumer::new(&config, group);
    let lines = on_line;
    let rx = stop_rx;
    tasks.push(tokio::spawn(async move {
        let handler = handler_fn(move |record: Record<Vec<u8>>| {
            let lines = lines.clone();
            async move {
                lines(format!(
                    "{} key={} bytes={}",
                    shop_images::TOPIC,
                    key_text(&record),
                    record.value.len()
                ));
                Ok::<(), HandlerError>(())
            }
        });
        report(shop_images::TOPIC, images.run(handler, stopped(rx)).await);
    }));

    let shop = Shop::new()
        .with_sink(Arc::new(sink))
        .with_feed(Arc::new(KafkaFeed {
            config: config.clone(),
        }));
    Ok((
        shop,
        KafkaGuard {
            bootstrap_servers: config.bootstrap_servers.clone().unwrap_or_default(),
            stop,
            tasks,
            broker,
        },
    ))
}

/// After the server stopped: stops the consumers (they commit),
/// waiting at most 10 s, then ends the process. librdkafka's own threads (and the embedded
/// broker's) must not keep a stopped server alive after SIGINT or SIGTERM.
pub async fn stop(kafka: KafkaGuard) -> ! {
    let drained = tokio::time::timeout(std::time::Duration::from_secs(10), kafka.shutdown()).await;
    if drained.is_err() {
        eprintln!("kafka: consumers did not stop within 10 s; exiting anyway");
    }
    std::process::exit(0)
}
