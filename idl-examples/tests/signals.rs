//! SIGINT and SIGTERM stop `seed` and `shop` cleanly (exit status 0, promptly) at every point of
//! start-up: right after the listening line (the Kafka side still starting), after the Kafka
//! line, and once fully up. Before the fix a SIGINT in the first window was ignored and a SIGTERM
//! killed the process with status 143.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Hang protection only: a clean stop takes well under a second; a missed signal never ends.
const PATIENCE: Duration = Duration::from_secs(60);

/// A started example with its stdout lines arriving on a channel.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

fn start(binary: &str, extra: &[&str]) -> Running {
    let mut child = Command::new(binary)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the example");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Running { child, lines }
}

impl Running {
    /// Reads lines until one starts with `prefix`; panics (after killing the child) otherwise.
    fn wait_for_line(&mut self, prefix: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return,
                Ok(_) => {}
                Err(e) => {
                    let _ = self.child.kill();
                    panic!("no line starting with {prefix:?} ({e})");
                }
            }
        }
    }

    /// Sends `signal` (`INT` or `TERM`) and waits for the exit.
    fn signal_and_wait(mut self, signal: &str) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-s", signal, &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -s {signal} {pid} failed");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the example") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("SIGINT/SIGTERM {signal} was ignored: still running after {PATIENCE:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// For each start-up point (the prefix of the last line read before signalling) and each
/// signal, the example exits with status 0.
fn stops_cleanly_everywhere(binary: &str, extra: &[&str], points: &[&[&str]]) {
    for signal in ["INT", "TERM"] {
        for lines in points {
            let mut running = start(binary, extra);
            for prefix in *lines {
                running.wait_for_line(prefix);
            }
            let status = running.signal_and_wait(signal);
            assert_eq!(
                status.code(),
                Some(0),
                "{binary}: SIG{signal} after {lines:?} gave {status}"
            );
        }
    }
}

#[test]
fn seed_stops_cleanly_on_a_signal_at_any_point_of_start_up() {
    stops_cleanly_everywhere(
        env!("CARGO_BIN_EXE_seed"),
        &[],
        &[
            &["seed listening on "],
            &["seed listening on ", "kafka bootstrap: "],
            // Fully up: the seed's own record came back through the consumer.
            &[
                "seed listening on ",
                "kafka bootstrap: ",
                "my-topic key=key value=value",
            ],
        ],
    );
}

#[test]
fn shop_stops_cleanly_on_a_signal_at_any_point_of_start_up() {
    stops_cleanly_everywhere(
        env!("CARGO_BIN_EXE_shop"),
        &[],
        &[
            &["shop listening on "],
            &["shop listening on ", "kafka bootstrap: "],
            // Fully up: the server is about to serve (the line is printed just before).
            &["shop listening on ", "kafka bootstrap: ", "calls need "],
        ],
    );
}
