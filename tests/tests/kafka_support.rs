//! Helpers the Kafka tests share (included by each with `#[path]`): the tansu broker on a free
//! loopback port in an empty folder, a fast-failing config for the embedded broker, bounded waits,
//! and a collector of handled records.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rosetta::kafka::{EmbeddedBroker, KafkaConfig, RetryPolicy};

/// Where `scripts/setup-tier2.d/kafka-broker.sh` puts the tansu binary.
pub fn tansu_binary() -> PathBuf {
    let cache = std::env::var_os("ROSETTA_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/rosetta")
        });
    cache.join("tansu/bin/tansu")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A tansu broker (Kafka-compatible, in-memory storage) for one test; stopped when dropped.
pub struct Tansu {
    child: Child,
    folder: PathBuf,
    /// Its `bootstrap.servers`.
    pub bootstrap: String,
}

impl Tansu {
    /// Builds tansu if needed (through the tier-2 set-up) and starts it on a free port, in an
    /// empty working folder (it reads a `.env` from there).
    pub fn start() -> Tansu {
        rosetta_tests::tier2_python();
        let binary = tansu_binary();
        assert!(
            binary.exists(),
            "{} is missing: scripts/setup-tier2.sh builds it",
            binary.display()
        );
        for _ in 0..5 {
            let port = free_port();
            let folder =
                std::env::temp_dir().join(format!("rosetta-tansu-{}-{port}", std::process::id()));
            let _ = std::fs::remove_dir_all(&folder);
            std::fs::create_dir_all(&folder).expect("tansu folder");
            let url = format!("tcp://127.0.0.1:{port}");
            let log = std::fs::File::create(folder.join("tansu.log")).expect("tansu log");
            let child = Command::new(&binary)
                .args([
                    "broker",
                    "--listener-url",
                    &url,
                    "--advertised-listener-url",
                    &url,
                ])
                .args(["--storage-engine", "memory://tansu/"])
                .current_dir(&folder)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
            let mut tansu = Tansu {
                child,
                folder,
                bootstrap: format!("127.0.0.1:{port}"),
            };
            let addr: SocketAddr = tansu.bootstrap.parse().expect("address");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return tansu;
                }
                if let Ok(Some(_)) = tansu.child.try_wait() {
                    break; // the port was taken meanwhile: try another
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = tansu.child.kill();
        }
        panic!("tansu did not start");
    }

    /// A client config for this broker.
    pub fn config(&self) -> KafkaConfig {
        let mut config = KafkaConfig::new(&self.bootstrap);
        config
            .set("auto.commit.interval.ms", "200")
            .set("fetch.wait.max.ms", "100");
        config
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// A config for the embedded broker tuned for fast tests (short sessions, quick reconnects: the
/// mock coordinator waits `session.timeout.ms` - 1 s before handing partitions to a new member).
pub fn embedded_config(broker: &EmbeddedBroker) -> KafkaConfig {
    let mut config = KafkaConfig::new(broker.bootstrap_servers());
    config
        .set("session.timeout.ms", "2000")
        .set("heartbeat.interval.ms", "200")
        .set("reconnect.backoff.ms", "50")
        .set("reconnect.backoff.max.ms", "500")
        .set("fetch.wait.max.ms", "50")
        .set("auto.commit.interval.ms", "200");
    config
}

/// Retries quick enough for tests.
pub fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
    }
}

/// Awaits consumer runner tasks after their stop signal, failing the test after `limit`.
///
/// A runner drops its consumer as it returns, and rdkafka's consumer closes itself in `drop`
/// without a timeout: dropped after the embedded broker is gone (the broker is the test's local,
/// dropped as the test returns, before the runtime drops the tasks still running), the close
/// waits for a coordinator that never answers and the test hangs. Joining first closes every
/// consumer while the broker is still there.
pub async fn join_runners<T>(runs: Vec<tokio::task::JoinHandle<T>>, limit: Duration) {
    for run in runs {
        tokio::time::timeout(limit, run)
            .await
            .expect("a consumer runner stopped in time")
            .expect("a consumer runner did not panic");
    }
}

/// Polls `done` every 20 ms, failing the test after `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What a consumer handled, in order, per key: `(key, sequence number)` pairs.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<(String, u64)>>>);

impl Seen {
    /// Records one handled record.
    pub fn push(&self, key: &str, seq: u64) {
        self.lock().push((key.to_string(), seq));
    }

    /// How many records were handled (replays included).
    pub fn handled(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, u64)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Distinct `(key, seq)` pairs handled.
    pub fn distinct(&self) -> usize {
        let all = self.lock();
        let set: std::collections::BTreeSet<&(String, u64)> = all.iter().collect();
        set.len()
    }

    /// Checks that every key's records `0..per_key` were handled, and first handled in order
    /// (at-least-once may replay a record; it must never skip one or reorder a key).
    pub fn assert_complete_and_ordered(&self, keys: usize, per_key: u64) {
        let all = self.lock();
        let mut next: BTreeMap<&str, u64> = BTreeMap::new();
        for (key, seq) in all.iter() {
            let expected = next.entry(key).or_insert(0);
            if *seq == *expected {
                *expected += 1;
            } else {
                assert!(
                    *seq < *expected,
                    "key {key}: record {seq} handled before record {expected}"
                );
            }
        }
        assert_eq!(next.len(), keys, "keys seen");
        for (key, n) in next {
            assert_eq!(n, per_key, "key {key}: records handled");
        }
    }
}
