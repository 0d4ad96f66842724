//! A real crash: a consumer PROCESS (`kafka_crash_consumer`) is SIGKILLed mid-stream while it
//! consumes from a broker in another process (`kafka_broker_process`: librdkafka's mock cluster),
//! then started again with the same static group membership (`group.instance.id`). No graceful
//! leave, no final commit: every record must still be handled at least once. The time the
//! restarted process took to handle its first record is printed.
//!
//! Why not tansu: tansu 0.6's group coordinator never completes a rebalance once a static
//! member's assignment is lost — every SyncGroup answers "rebalance in progress" with a stale
//! member id as leader, so the restarted consumer waits forever for some partitions (seen with
//! librdkafka's `debug=cgrp` log; docs/kafka.md). The mock cluster is librdkafka's own
//! coordinator, which fences the old member as Kafka does.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rosetta::kafka::KafkaConfig;
use rosetta_examples::shop::v1::shop_audit;

const RECORDS: u64 = 3_000;
const KEYS: u64 = 30;

/// Lines a consumer process printed, with when each arrived.
#[derive(Clone, Default)]
struct Output(Arc<Mutex<Vec<(Instant, String)>>>);

impl Output {
    fn handled(&self) -> Vec<(Instant, String)> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(|(at, line)| line.strip_prefix("handled ").map(|r| (*at, record_id(r))))
            .collect()
    }
}

impl Output {
    /// `partition: records handled, last offset` for each partition, to say where a stalled run
    /// stopped.
    fn progress(&self) -> String {
        let mut by_partition: BTreeMap<String, (u32, String)> = BTreeMap::new();
        for (_, line) in self.0.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let words: Vec<&str> = line.split(' ').collect();
            if let ["handled", _, _, partition, offset] = words.as_slice() {
                let entry = by_partition.entry((*partition).to_owned()).or_default();
                entry.0 += 1;
                entry.1 = (*offset).to_owned();
            }
        }
        by_partition
            .iter()
            .map(|(p, (n, last))| format!("partition {p}: {n} handled, last offset {last}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `key value` of a `key value partition offset` line.
fn record_id(line: &str) -> String {
    line.split(' ').take(2).collect::<Vec<_>>().join(" ")
}

/// A child process killed (SIGKILL) and reaped when dropped, so a failing test leaves none behind.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the broker process with `topics` (4 partitions each) and reads its bootstrap address.
fn start_broker(topics: &[&str]) -> (Killed, String) {
    let mut args = Vec::new();
    for topic in topics {
        args.extend([topic.to_string(), "4".to_owned()]);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafka_broker_process"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("broker process starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut first)
        .expect("broker prints its address");
    let bootstrap = first
        .trim()
        .strip_prefix("bootstrap ")
        .unwrap_or_else(|| panic!("unexpected first line from the broker: {first:?}"))
        .to_owned();
    (Killed(child), bootstrap)
}

/// Starts the consumer process and a thread collecting its stdout.
fn start_consumer(bootstrap: &str) -> (Killed, Output) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafka_crash_consumer"))
        .args([bootstrap, "crash-group", "crash-consumer-1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("consumer process starts");
    let output = Output::default();
    let stdout = child.stdout.take().expect("piped stdout");
    let lines = output.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            lines
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((Instant::now(), line));
        }
    });
    (Killed(child), output)
}

/// Waits (hang protection only) until `done` holds.
fn wait(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_consumer_process_loses_nothing_and_its_restart_resumes_at_once() {
    let (broker, bootstrap) = start_broker(&[shop_audit::TOPIC, shop_audit::DEAD_LETTER_TOPIC]);
    let config = KafkaConfig::new(&bootstrap);
    let producer = shop_audit::Producer::new(&config).expect("producer");
    for i in 0..RECORDS {
        producer
            .enqueue(&format!("k{}", i % KEYS), &i.to_string())
            .await
            .expect("enqueue");
    }
    producer
        .flush(Duration::from_secs(60))
        .await
        .expect("flush");

    let report = tokio::task::spawn_blocking(move || {
        // First life: killed once a fifth of the records were handled.
        let (mut first, first_out) = start_consumer(&bootstrap);
        wait(
            "the first process to handle records",
            Duration::from_secs(60),
            || first_out.handled().len() as u64 >= RECORDS / 5,
        );
        first.0.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
        let _ = first.0.wait();
        let before_kill = first_out.handled();

        // Second life, same group and instance id.
        let restarted = Instant::now();
        let (second, second_out) = start_consumer(&bootstrap);
        let all_seen = || {
            let mut distinct: BTreeMap<String, u32> = BTreeMap::new();
            for (_, r) in before_kill.iter().chain(second_out.handled().iter()) {
                *distinct.entry(r.clone()).or_insert(0) += 1;
            }
            distinct
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while (all_seen().len() as u64) < RECORDS {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for every record: {} of {RECORDS} handled; after the restart: {}",
                all_seen().len(),
                second_out.progress()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let first_after_restart = second_out
            .handled()
            .first()
            .map(|(at, _)| at.duration_since(restarted));
        drop(second);
        let counts = all_seen();
        let twice = counts.values().filter(|n| **n > 1).count();
        (before_kill.len(), first_after_restart, counts, twice)
    })
    .await
    .expect("crash run");
    let (before_kill, first_after_restart, counts, twice) = report;
    println!(
        "SIGKILL after {before_kill} records handled; the restarted process handled its first \
         record {first_after_restart:?} after it started; {twice} records handled twice"
    );
    for i in 0..RECORDS {
        let record = format!("k{} {i}", i % KEYS);
        assert!(counts.contains_key(&record), "never handled: {record}");
    }
    assert_eq!(counts.len() as u64, RECORDS, "nothing but the records sent");
    drop(broker);
}
