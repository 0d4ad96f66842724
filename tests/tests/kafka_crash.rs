//! A real crash: a consumer PROCESS (`kafka_crash_consumer`) is SIGKILLed mid-stream while it
//! consumes from tansu, a broker in another process, then started again with the same static
//! group membership (`group.instance.id`). No graceful leave, no final commit: every record must
//! still be handled at least once. The time the restarted process took to handle its first
//! record is printed (without static membership it idled until the killed member's session
//! expired, 45 s by default).

#[path = "kafka_support.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rosetta::kafka::KafkaConfig;
use rosetta_examples::shop::v1::shop_audit;
use support::Tansu;

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
            .filter_map(|(at, line)| line.strip_prefix("handled ").map(|r| (*at, r.to_owned())))
            .collect()
    }
}

/// Starts the consumer process and a thread collecting its stdout.
fn start_consumer(bootstrap: &str) -> (Child, Output) {
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
    (child, output)
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
    let tansu = Tansu::start();
    let config = KafkaConfig::new(&tansu.bootstrap);
    rosetta::kafka::ensure_topics(
        &config,
        &[shop_audit::TOPIC, shop_audit::DEAD_LETTER_TOPIC],
        4,
    )
    .await
    .expect("topics");
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

    let bootstrap = tansu.bootstrap.clone();
    let report = tokio::task::spawn_blocking(move || {
        // First life: killed once a fifth of the records were handled.
        let (mut first, first_out) = start_consumer(&bootstrap);
        wait(
            "the first process to handle records",
            Duration::from_secs(60),
            || first_out.handled().len() as u64 >= RECORDS / 5,
        );
        first.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
        let _ = first.wait();
        let before_kill = first_out.handled();

        // Second life, same group and instance id.
        let restarted = Instant::now();
        let (mut second, second_out) = start_consumer(&bootstrap);
        let all_seen = || {
            let mut distinct: BTreeMap<String, u32> = BTreeMap::new();
            for (_, r) in before_kill.iter().chain(second_out.handled().iter()) {
                *distinct.entry(r.clone()).or_insert(0) += 1;
            }
            distinct
        };
        wait("every record handled", Duration::from_secs(120), || {
            all_seen().len() as u64 >= RECORDS
        });
        let first_after_restart = second_out
            .handled()
            .first()
            .map(|(at, _)| at.duration_since(restarted));
        let _ = second.kill();
        let _ = second.wait();
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
    drop(tansu);
}
