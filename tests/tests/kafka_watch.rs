//! Kafka as a stream source. The generated consumer read as a typed stream of records: in its
//! group, an offset is committed only after the stream's reader acknowledged the record (a
//! record not read when the stream closes comes again to the group's next reader), and a record
//! that cannot be decoded goes to the dead-letter topic while the stream goes on; as a tail
//! reader, every reader sees exactly the records published after it started. Then the shop's
//! `WatchProducts`: a product created over REST arrives on a gRPC stream and on an SSE stream
//! watching at once, and a malformed record on the topic is dead-lettered once (by the shop's
//! consumer group, not by each watcher) while both watches go on. Embedded broker, 127.0.0.1.

#[path = "kafka_support.rs"]
mod support;

use std::time::Duration;

use futures_util::StreamExt;
use rosetta::kafka::rdkafka::producer::{FutureProducer, FutureRecord};
use rosetta::kafka::rdkafka::util::Timeout;
use rosetta::kafka::{
    ConsumerRunner, Delivery, EmbeddedBroker, KafkaConfig, RawBytes, RecordStream, headers,
};
use rosetta_examples::shop::common::Money;
use rosetta_examples::shop::v1::catalog::GrpcClient;
use rosetta_examples::shop::v1::{Product, ProductEvent, shop_product_events};
use rosetta_tests::RunningServer;
use support::embedded_config;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Hang protection only.
const LIMIT: Duration = Duration::from_secs(30);

fn product(id: &str) -> ProductEvent {
    ProductEvent::Created(Product {
        id: id.to_owned(),
        name: format!("product {id}"),
        price: Money {
            amount_minor: 100,
            currency: "EUR".to_owned(),
        },
        ..Product::default()
    })
}

fn id_of(event: &ProductEvent) -> &str {
    match event {
        ProductEvent::Created(p) | ProductEvent::Updated(p) => &p.id,
        ProductEvent::Deleted(d) => &d.id,
    }
}

/// Writes `payload` as it is (not JSON) to the product events topic, keyed `key`.
async fn send_raw(config: &KafkaConfig, key: &str, payload: &[u8]) {
    let producer: FutureProducer = config.producer_config().unwrap().create().unwrap();
    producer
        .send(
            FutureRecord::to(shop_product_events::TOPIC)
                .key(key)
                .payload(payload),
            Timeout::After(LIMIT),
        )
        .await
        .map_err(|(e, _)| e)
        .expect("raw record sent");
}

/// The next delivery, within the hang-protection limit.
async fn next<T>(stream: &mut RecordStream<T>) -> Delivery<T> {
    tokio::time::timeout(LIMIT, stream.next())
        .await
        .expect("a record within the limit")
        .expect("the stream goes on")
        .expect("no run error")
}

fn create_topics(broker: &EmbeddedBroker, partitions: i32) {
    broker
        .create_topic(shop_product_events::TOPIC, partitions)
        .unwrap();
    broker
        .create_topic(shop_product_events::DEAD_LETTER_TOPIC, 1)
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_stream_commits_only_what_its_reader_acknowledged() {
    let broker = EmbeddedBroker::start().expect("broker");
    // One partition: the records' order is the topic's order.
    create_topics(&broker, 1);
    let config = embedded_config(&broker);
    let producer = shop_product_events::Producer::new(&config).unwrap();
    producer.send(&product("p1")).await.unwrap();
    send_raw(&config, "bad", b"{not json").await;
    producer.send(&product("p2")).await.unwrap();
    producer.send(&product("p3")).await.unwrap();

    let consumer = shop_product_events::Consumer::new(&config, "watchers");
    let mut stream = consumer.stream().expect("stream");
    let first = next(&mut stream).await;
    assert_eq!(id_of(&first.value), "p1");
    assert_eq!(first.key_str(), Some("p1"));
    first.ack();
    // The malformed record went to the dead-letter topic; the stream went on.
    let second = next(&mut stream).await;
    assert_eq!(id_of(&second.value), "p2");
    assert_eq!(second.offset, 2);
    drop(second);
    // p3 is fetched and waiting, never read: closing leaves it for the group's next reader.
    stream.close().await.expect("closed and committed");

    let mut again = consumer.stream().expect("stream");
    let third = next(&mut again).await;
    assert_eq!(
        (id_of(&third.value), third.offset),
        ("p3", 3),
        "the group resumes after the last acknowledged record, not before, not after"
    );
    drop(third);
    again.close().await.expect("closed");

    let dead: ConsumerRunner<Vec<u8>, RawBytes> = ConsumerRunner::new(
        &config,
        shop_product_events::DEAD_LETTER_TOPIC,
        "dead-letter-reader",
    );
    let mut dead = dead.stream().expect("dead-letter stream");
    let letter = next(&mut dead).await;
    assert_eq!(letter.value, b"{not json");
    assert_eq!(letter.key_str(), Some("bad"));
    assert_eq!(letter.header(headers::ORIGINAL_OFFSET), Some(&b"1"[..]));
    assert!(
        String::from_utf8_lossy(letter.header(headers::ERROR).unwrap_or_default())
            .starts_with("cannot decode record"),
        "{letter:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tail_reader_sees_exactly_what_was_published_after_it_started() {
    let broker = EmbeddedBroker::start().expect("broker");
    create_topics(&broker, 4);
    let config = embedded_config(&broker);
    let producer = shop_product_events::Producer::new(&config).unwrap();
    producer.send(&product("before")).await.unwrap();

    let consumer = shop_product_events::Consumer::new(&config, "tails");
    let mut one = consumer.tail().await.expect("tail");
    let mut two = consumer.tail().await.expect("tail");
    send_raw(&config, "x1", b"{not json").await;
    for id in ["x1", "x2", "x3"] {
        // The same key as the bad record: one partition, so its order is fixed.
        let mut event = product(id);
        if let ProductEvent::Created(p) = &mut event {
            p.id = "x1".to_owned();
            p.name = id.to_owned();
        }
        producer.send(&event).await.unwrap();
    }
    for stream in [&mut one, &mut two] {
        let mut names = Vec::new();
        for _ in 0..3 {
            let delivery = next(stream).await;
            if let ProductEvent::Created(p) = delivery.into_value() {
                names.push(p.name);
            }
        }
        // Not "product before", not the malformed record: the three sent after `tail`.
        assert_eq!(names, ["x1", "x2", "x3"]);
    }
    one.close().await.expect("closed");
    two.close().await.expect("closed");

    // Tail readers write nothing to the dead-letter topic (nobody else consumed this topic).
    assert_eq!(
        dead_letters(&config, 1),
        0,
        "dead letters written by tail readers"
    );
}

/// How many records the dead-letter topic holds, over its `partitions` partitions.
fn dead_letters(config: &KafkaConfig, partitions: i32) -> i64 {
    use rosetta::kafka::rdkafka::consumer::{BaseConsumer, Consumer as _};
    let consumer: BaseConsumer = config
        .consumer_config("watermarks")
        .unwrap()
        .create()
        .unwrap();
    (0..partitions)
        .map(|partition| {
            let (low, high) = consumer
                .fetch_watermarks(shop_product_events::DEAD_LETTER_TOPIC, partition, LIMIT)
                .expect("watermarks");
            high - low
        })
        .sum()
}

/// Opens `GET /product-events` with `Accept: text/event-stream` (HTTP/1.0: the body is sent
/// unframed until the server closes) and returns the reader once the response head is read
/// (the server answers it once the watcher is in place).
async fn open_sse(server: &RunningServer) -> BufReader<tokio::net::TcpStream> {
    let mut socket = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!(
        "GET /product-events HTTP/1.0\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
        server.addr
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut reader = BufReader::new(socket);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).await.unwrap();
        assert!(n > 0, "connection closed in the head: {head}");
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    assert!(
        head.starts_with("HTTP/1.") && head[8..].starts_with(" 200"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/event-stream"),
        "{head}"
    );
    reader
}

/// The next SSE event: its name and its `data` as JSON (HTTP/1.0, so the body is the event
/// stream itself, without chunk framing).
async fn next_sse(reader: &mut BufReader<tokio::net::TcpStream>) -> (String, serde_json::Value) {
    let mut event = String::from("message");
    loop {
        let mut line = String::new();
        let n = tokio::time::timeout(LIMIT, reader.read_line(&mut line))
            .await
            .expect("an SSE line within the limit")
            .unwrap();
        assert!(n > 0, "SSE stream ended");
        let line = line.trim_end();
        if let Some(name) = line.strip_prefix("event:") {
            event = name.trim().to_owned();
        } else if let Some(data) = line.strip_prefix("data:") {
            return (event, serde_json::from_str(data.trim()).expect("JSON data"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_created_over_rest_arrives_on_a_grpc_and_an_sse_watch() {
    let (shop, kafka) = rosetta_examples::kafka::start_shop_with(None, |_| {})
        .await
        .expect("shop kafka starts");
    let config = KafkaConfig::new(kafka.bootstrap_servers());
    let server = RunningServer::start(rosetta_examples::shop_server_with(shop));

    // Both watchers are in place when their calls answered (gRPC: the response stream; SSE:
    // the response head).
    let client = GrpcClient::connect(server.url()).await.unwrap();
    let mut grpc = tokio::time::timeout(LIMIT, client.watch_products())
        .await
        .expect("watch answered")
        .expect("watching");
    let mut sse = tokio::time::timeout(LIMIT, open_sse(&server))
        .await
        .expect("SSE head");

    // A malformed record first: the shop's own consumer group dead-letters it, the watchers
    // skip it and go on.
    send_raw(&config, "junk", b"\xff not json").await;

    let created = tokio::task::spawn_blocking({
        let url = format!("{}/products", server.url());
        move || {
            let body =
                r#"{"name": "Watched teapot", "price": {"amount_minor": 1234, "currency": "EUR"}}"#;
            rosetta_tests::python_stdout(
                &rosetta_tests::stdlib_python(),
                "import sys, urllib.request\n\
                 req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),\n\
                     headers={'Content-Type': 'application/json'}, method='POST')\n\
                 print(urllib.request.urlopen(req, timeout=30).read().decode())",
                &[&url, body],
                LIMIT,
            )
        }
    })
    .await
    .unwrap();
    let created: serde_json::Value = serde_json::from_str(created.trim()).expect("JSON answer");
    let id = created["id"].as_str().expect("an id").to_owned();

    let change = tokio::time::timeout(LIMIT, grpc.next())
        .await
        .expect("a gRPC message within the limit")
        .expect("the gRPC stream goes on")
        .expect("a change");
    assert_eq!(change.product_id, id);
    match &change.event {
        ProductEvent::Created(p) => {
            assert_eq!(
                (p.id.as_str(), p.name.as_str()),
                (id.as_str(), "Watched teapot")
            );
            assert_eq!(p.price.amount_minor, 1234);
        }
        other => panic!("expected a created event, got {other:?}"),
    }

    let (event, data) = next_sse(&mut sse).await;
    assert_eq!(event, "message", "{data}");
    assert_eq!(data["product_id"], id, "{data}");
    assert_eq!(data["event"]["created"]["name"], "Watched teapot", "{data}");
    assert_eq!(
        data["event"]["created"]["price"]["amount_minor"], 1234,
        "{data}"
    );

    // The malformed record: dead-lettered once by the shop's group, by no watcher.
    support::wait_until("the dead letter", LIMIT, || dead_letters(&config, 4) >= 1).await;
    drop(grpc);
    drop(sse);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        dead_letters(&config, 4),
        1,
        "one dead letter for two watchers and the shop's group"
    );
    drop(server);
    kafka.shutdown().await;
}
