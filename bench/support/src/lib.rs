//! What every benchmark crate shares, so that one piece of code measures every pair the same way:
//! the server under test runs as its own process pinned to one core ([`ServerProcess`]), the load
//! generator pins itself to the other ([`pin_load_generator`]), the server's CPU time comes from
//! its own accounting in `/proc/<pid>` ([`cpu_ns`]), load is driven by concurrent tasks
//! counted over a measured window ([`drive`], [`http1_worker`]), the two sides of a pair run in
//! rounds, either taking turns of 50 ms within one window ([`interleaved`],
//! [`drive_interleaved`]: the request and stream pairs) or alternating whole rounds
//! ([`alternate`]: Kafka batches), and the medians are printed with one `RESULT` line per pair
//! ([`report`]) that `scripts/bench.sh` gathers into its table.
//!
//! Nothing here is a test: no figure is compared with a time.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The core the server under test runs on.
pub const SERVER_CORE: usize = 0;
/// The core the load generator runs on.
pub const LOAD_CORE: usize = 1;

/// Whether the machine has the two cores pinning needs.
fn can_pin() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
}

/// Pins the calling thread (and every thread it starts afterwards) to `core`.
fn pin_to(core: usize) {
    // SAFETY: `set` is a plain bit set owned by this frame; pid 0 is the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(core, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// Pins the load generator to [`LOAD_CORE`]; call first thing in `main`, before any runtime starts
/// its threads (they inherit it). Does nothing on a one-core machine.
pub fn pin_load_generator() {
    if can_pin() {
        pin_to(LOAD_CORE);
    }
}

/// CPU time the process `pid` has used so far, in ns, from its own accounting: the sum over its
/// threads of `/proc/<pid>/task/<tid>/schedstat` (time on a CPU, in ns), or where that is not
/// there, user + system time from `/proc/<pid>/stat` (fields 14 and 15, in clock ticks of 10 ms,
/// too coarse for a stream round of a fraction of a second). Servers keep their threads, so the
/// sum over the live ones is all of it.
pub fn cpu_ns(pid: u32) -> u64 {
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        let ns: u64 = tasks
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
            .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        if ns > 0 {
            return ns;
        }
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) may hold spaces; the fields after it are plain.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // `fields[0]` is field 3 (the state), so utime (14) and stime (15) are 11 and 12.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    // SAFETY: sysconf only reads a constant.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    ticks * 1_000_000_000 / per_second
}

/// A server under test in its own process, pinned to [`SERVER_CORE`]; killed when dropped.
pub struct ServerProcess {
    child: Child,
    /// Where it listens (127.0.0.1).
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Starts `program args…`, which must print the port it listens on as its first line.
    pub fn spawn(program: &Path, args: &[&str]) -> ServerProcess {
        let mut command = if can_pin() && Path::new("/usr/bin/taskset").exists() {
            // taskset execs the program, so the child's pid is the server's.
            let mut c = Command::new("/usr/bin/taskset");
            c.arg("-c").arg(SERVER_CORE.to_string()).arg(program);
            c
        } else {
            Command::new(program)
        };
        let mut child = command
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the server's port");
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{} printed {line:?}, not a port", program.display()));
        ServerProcess {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    /// Starts this benchmark's own executable with `args` (its server mode).
    pub fn spawn_self(args: &[&str]) -> ServerProcess {
        Self::spawn(&std::env::current_exe().expect("own executable"), args)
    }

    /// Starts the binary `name` built next to this executable.
    pub fn spawn_sibling(name: &str, args: &[&str]) -> ServerProcess {
        Self::spawn(&sibling(name), args)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The path of the binary `name` built next to this executable.
pub fn sibling(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("own executable");
    exe.with_file_name(name)
}

/// The server mode every benchmark server shares: binds 127.0.0.1 on a free port, prints the
/// port as its first line (what [`ServerProcess::spawn`] reads), then runs `serve` on a runtime
/// of one worker thread (the load generator has the other core) until the process is killed.
pub fn serve_one_thread<F, Fut>(serve: F)
where
    F: FnOnce(tokio::net::TcpListener) -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        println!("{port}");
        serve(listener).await;
    });
}

/// What one measured window counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    /// Requests (or messages) completed.
    pub count: u64,
    /// Requests that failed.
    pub errors: u64,
    /// Length of the window, in seconds.
    pub seconds: f64,
    /// The server's CPU time over the window, in ns.
    pub cpu_ns: u64,
}

impl Sample {
    /// Requests (or messages) per second.
    pub fn rate(&self) -> f64 {
        self.count as f64 / self.seconds.max(1e-9)
    }

    /// Server CPU per request (or message), in µs.
    pub fn cpu_us(&self) -> f64 {
        self.cpu_ns as f64 / 1e3 / self.count.max(1) as f64
    }

    /// Measures `work` (which returns how many requests or messages it completed) as one window,
    /// with the CPU time of process `pid` over it.
    pub fn measure(pid: u32, work: impl FnOnce() -> u64) -> Sample {
        let cpu0 = cpu_ns(pid);
        let start = Instant::now();
        let count = work();
        let seconds = start.elapsed().as_secs_f64();
        Sample {
            count,
            errors: 0,
            seconds,
            cpu_ns: cpu_ns(pid) - cpu0,
        }
    }
}

/// The counters a load task reports to (see [`drive`]), and the turn it waits for when two
/// sides share one window ([`drive_interleaved`]).
#[derive(Clone, Default)]
pub struct Tally(Arc<TallyInner>);

#[derive(Default)]
struct TallyInner {
    ok: AtomicU64,
    errors: AtomicU64,
    stopped: AtomicBool,
    /// Not this side's turn: its tasks wait in [`Tally::running`].
    paused: AtomicBool,
    /// Tasks waiting for their turn.
    parked: AtomicU64,
    resumed: tokio::sync::Notify,
}

impl Tally {
    /// Whether the load should go on; while it is the other side's turn, waits for this
    /// side's (so no request of this side is in flight during the other's slice).
    pub async fn running(&self) -> bool {
        let t = &*self.0;
        loop {
            // Registered before the check, so a resume between the two is not missed.
            let resumed = t.resumed.notified();
            tokio::pin!(resumed);
            resumed.as_mut().enable();
            if !t.paused.load(Ordering::Acquire) || t.stopped.load(Ordering::Relaxed) {
                return !t.stopped.load(Ordering::Relaxed);
            }
            t.parked.fetch_add(1, Ordering::AcqRel);
            resumed.await;
            t.parked.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Counts one finished request, good or failed.
    pub fn record(&self, ok: bool) {
        let counter = if ok { &self.0.ok } else { &self.0.errors };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn counts(&self) -> (u64, u64) {
        (
            self.0.ok.load(Ordering::Relaxed),
            self.0.errors.load(Ordering::Relaxed),
        )
    }

    fn stop(&self) {
        self.0.stopped.store(true, Ordering::Relaxed);
        self.0.paused.store(false, Ordering::Release);
        self.0.resumed.notify_waiters();
    }

    fn resume(&self) {
        self.0.paused.store(false, Ordering::Release);
        self.0.resumed.notify_waiters();
    }

    /// Pauses this side and returns once its `tasks` tasks all wait for their turn.
    async fn pause(&self, tasks: usize) {
        self.0.paused.store(true, Ordering::Release);
        while self.0.parked.load(Ordering::Acquire) < tasks as u64 {
            tokio::task::yield_now().await;
        }
    }
}

/// The load generator's runtime: one thread, the load core's.
fn load_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("load runtime")
}

/// Runs `concurrency` copies of `worker` (each loops while [`Tally::running`], recording every
/// request) on a one-thread runtime: a warm-up of 0.5 s, then a window of `seconds` over which
/// the requests and the CPU time of the server process `pid` are counted.
pub fn drive<W, F>(pid: u32, concurrency: usize, seconds: f64, worker: W) -> Sample
where
    W: Fn(Tally) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    load_runtime().block_on(async {
        let tally = Tally::default();
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| tokio::spawn(worker(tally.clone())))
            .collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (ok0, errors0) = tally.counts();
        let cpu0 = cpu_ns(pid);
        let start = Instant::now();
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        let (ok1, errors1) = tally.counts();
        let cpu1 = cpu_ns(pid);
        let elapsed = start.elapsed().as_secs_f64();
        tally.stop();
        for t in tasks {
            let _ = t.await;
        }
        Sample {
            count: ok1 - ok0,
            errors: errors1 - errors0,
            seconds: elapsed,
            cpu_ns: cpu1 - cpu0,
        }
    })
}

/// How long one side's turn lasts in [`drive_interleaved`]: short against the machine's drift
/// (its speed moves by a fifth over a few seconds, which alternating rounds of seconds each
/// cannot cancel), long against the cost of a switch (the side whose turn ends finishes its
/// requests in flight; the next side's server finds the caches the other left).
pub const SLICE: Duration = Duration::from_millis(50);

/// Two sides in one window: `concurrency` copies of `a` and of `b` on a one-thread runtime, a
/// warm-up of 0.5 s with both running, then turns of [`SLICE`] (A B B A A B …) until each side
/// has had `seconds`; each side's requests and its server's CPU time (process `pids[i]`) are
/// counted over its own turns only, and a turn ends only once every request of the side is
/// answered. Both samples thus come from the same seconds of the machine's life.
pub fn drive_interleaved<WA, FA, WB, FB>(
    pids: [u32; 2],
    concurrency: usize,
    seconds: f64,
    a: WA,
    b: WB,
) -> [Sample; 2]
where
    WA: Fn(Tally) -> FA,
    FA: Future<Output = ()> + Send + 'static,
    WB: Fn(Tally) -> FB,
    FB: Future<Output = ()> + Send + 'static,
{
    load_runtime().block_on(async {
        let tallies = [Tally::default(), Tally::default()];
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            tasks.push(tokio::spawn(a(tallies[0].clone())));
            tasks.push(tokio::spawn(b(tallies[1].clone())));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        for t in &tallies {
            t.pause(concurrency).await;
        }
        let mut samples = [Sample::default(); 2];
        let turns = 2 * (seconds / SLICE.as_secs_f64()).ceil().max(1.0) as usize;
        for turn in 0..turns {
            let side = [0, 1, 1, 0][turn % 4];
            let (t, pid) = (&tallies[side], pids[side]);
            let (ok0, errors0) = t.counts();
            let cpu0 = cpu_ns(pid);
            let start = Instant::now();
            t.resume();
            tokio::time::sleep(SLICE).await;
            t.pause(concurrency).await;
            let (ok1, errors1) = t.counts();
            let cpu1 = cpu_ns(pid);
            let s = &mut samples[side];
            s.count += ok1 - ok0;
            s.errors += errors1 - errors0;
            s.seconds += start.elapsed().as_secs_f64();
            s.cpu_ns += cpu1 - cpu0;
        }
        for t in &tallies {
            t.stop();
        }
        for t in tasks {
            let _ = t.await;
        }
        samples
    })
}

/// One HTTP/1.x answer as the load generator read it.
pub struct Answer<'a> {
    /// The status line and headers, lower-cased.
    pub head: &'a str,
    /// The body.
    pub body: &'a [u8],
}

impl Answer<'_> {
    /// Whether the status is 200.
    pub fn ok(&self) -> bool {
        self.head.starts_with("http/1.1 200") || self.head.starts_with("http/1.0 200")
    }
}

/// Sends `request` and reads one answer into `buf`; `None` when the connection failed, else
/// `check`'s verdict and whether the connection stays open.
async fn exchange(
    stream: &mut TcpStream,
    request: &[u8],
    buf: &mut Vec<u8>,
    check: fn(&Answer<'_>) -> bool,
) -> Option<(bool, bool)> {
    stream.write_all(request).await.ok()?;
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length = head.lines().find_map(|l| {
        l.strip_prefix("content-length:")
            .and_then(|v| v.trim().parse::<usize>().ok())
    });
    let keep_alive =
        head.starts_with("http/1.1") && !head.contains("connection: close") && length.is_some();
    // The body: by its length, or to the end of the connection.
    loop {
        let have = buf.len() - head_end;
        if length.is_some_and(|l| have >= l) {
            break;
        }
        match stream.read(&mut chunk).await {
            Ok(0) if length.is_none() => break,
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let answer = Answer {
        head: &head,
        body: &buf[head_end..],
    };
    Some((check(&answer), keep_alive))
}

/// A load task for [`drive`]: sends the same raw HTTP/1.1 `request` to `addr` over one connection
/// kept alive while the server allows it (a new one when it closes), counting an answer as good
/// when `check` says so.
pub async fn http1_worker(
    tally: Tally,
    addr: SocketAddr,
    request: Arc<[u8]>,
    check: fn(&Answer<'_>) -> bool,
) {
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut stream: Option<TcpStream> = None;
    while tally.running().await {
        let s = match stream.as_mut() {
            Some(s) => s,
            None => match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    stream.insert(s)
                }
                Err(_) => {
                    tally.record(false);
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                }
            },
        };
        match exchange(s, &request, &mut buf, check).await {
            Some((good, keep_alive)) => {
                tally.record(good);
                if !keep_alive {
                    stream = None;
                }
            }
            None => {
                tally.record(false);
                stream = None;
            }
        }
    }
}

/// How long and how often to measure, from the command line: `--seconds S` (round length),
/// `--rounds N` (rounds per side), `--connections N` (concurrent requests), `--count N` (messages
/// or records per round, for benchmarks that count those instead of time).
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Round length in seconds.
    pub seconds: f64,
    /// Rounds per side.
    pub rounds: usize,
    /// Concurrent requests (connections or tasks).
    pub connections: usize,
    /// Messages or records per round.
    pub count: u64,
}

impl Options {
    /// Reads the options from the command line, with these defaults.
    pub fn from_args(seconds: f64, rounds: usize, connections: usize, count: u64) -> Options {
        let mut o = Options {
            seconds,
            rounds,
            connections,
            count,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut i = 0;
        while i < args.len() {
            let value = args.get(i + 1).map(String::as_str).unwrap_or("");
            let bad = || -> ! {
                eprintln!(
                    "usage: [--seconds S] [--rounds N] [--connections N] [--count N] (got {:?} {value:?})",
                    args[i]
                );
                std::process::exit(2)
            };
            match args[i].as_str() {
                "--seconds" => o.seconds = value.parse().unwrap_or_else(|_| bad()),
                "--rounds" => o.rounds = value.parse().unwrap_or_else(|_| bad()),
                "--connections" => o.connections = value.parse().unwrap_or_else(|_| bad()),
                "--count" => o.count = value.parse().unwrap_or_else(|_| bad()),
                _ => bad(),
            }
            i += 2;
        }
        o.rounds = o.rounds.max(1);
        o
    }
}

/// Runs side A and side B in alternating rounds (A B, then B A, A B, …, after one unmeasured
/// warm-up round of each), printing every round; returns each side's samples. Which side goes
/// first alternates so that neither always runs on the machine the other left (caches, clock
/// speed, a neighbour's burst): round `i`'s two samples still run back to back.
pub fn alternate(
    pair: &str,
    labels: [&str; 2],
    rounds: usize,
    mut a: impl FnMut() -> Sample,
    mut b: impl FnMut() -> Sample,
) -> [Vec<Sample>; 2] {
    a();
    b();
    let mut out = [Vec::new(), Vec::new()];
    for round in 1..=rounds {
        let mut sides = [
            (0, &mut a as &mut dyn FnMut() -> Sample),
            (1, &mut b as &mut dyn FnMut() -> Sample),
        ];
        if round % 2 == 0 {
            sides.reverse();
        }
        for (side, run) in sides {
            let s = run();
            print_round(pair, round, labels[side], &s);
            out[side].push(s);
        }
    }
    out
}

/// Runs `rounds` rounds of `round`, which measures both sides in one window after its own
/// warm-up ([`drive_interleaved`]), printing every round; returns each side's samples for
/// [`report`].
pub fn interleaved(
    pair: &str,
    labels: [&str; 2],
    rounds: usize,
    mut round: impl FnMut() -> [Sample; 2],
) -> [Vec<Sample>; 2] {
    let mut out = [Vec::new(), Vec::new()];
    for r in 1..=rounds {
        let both = round();
        for (side, s) in both.into_iter().enumerate() {
            print_round(pair, r, labels[side], &s);
            out[side].push(s);
        }
    }
    out
}

fn print_round(pair: &str, round: usize, label: &str, s: &Sample) {
    println!(
        "{pair} round {round}: {label:<12} {:>10.0}/s  {:>8.3} µs server CPU each{}",
        s.rate(),
        s.cpu_us(),
        if s.errors > 0 {
            format!("  ({} errors)", s.errors)
        } else {
            String::new()
        }
    );
}

/// A pair of HTTP/1.1 servers under the same requests: rounds in which `http1_worker` load
/// against `a` and against `b` takes turns ([`interleaved`], [`drive_interleaved`]; each sent
/// `request(addr)`, each answer judged by `check`), then the [`report`].
pub fn http1_pair(
    pair: &str,
    labels: [&str; 2],
    servers: [&ServerProcess; 2],
    o: &Options,
    request: impl Fn(SocketAddr) -> Arc<[u8]>,
    check: fn(&Answer<'_>) -> bool,
) {
    let [a, b] = servers;
    let (request_a, request_b) = (request(a.addr), request(b.addr));
    let samples = interleaved(pair, labels, o.rounds, || {
        drive_interleaved(
            [a.pid(), b.pid()],
            o.connections,
            o.seconds,
            |tally| http1_worker(tally, a.addr, request_a.clone(), check),
            |tally| http1_worker(tally, b.addr, request_b.clone(), check),
        )
    });
    report(pair, "requests", labels, &samples);
}

/// The median of `values` (the upper one of an even count).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Prints the medians of a pair and the `RESULT` line `scripts/bench.sh` reads (tab-separated:
/// pair, unit, A's label, rate and CPU µs per unit, B's, then A/B of the rates and of the CPU).
///
/// The ratios are the medians of each round's own ratio (A's round `i` over B's round `i`, run
/// back to back), not the ratio of the two medians: the shared machine's speed drifts by 20% and
/// more over a minute, which moves both halves of a round alike but not two medians taken from
/// rounds minutes apart.
///
/// Panics when any request failed: a benchmark of failing calls measures nothing.
pub fn report(pair: &str, unit: &str, labels: [&str; 2], samples: &[Vec<Sample>; 2]) {
    let errors: u64 = samples.iter().flatten().map(|s| s.errors).sum();
    assert_eq!(errors, 0, "{pair}: {errors} requests failed");
    let rate = |s: &Vec<Sample>| median(s.iter().map(Sample::rate).collect());
    let cpu = |s: &Vec<Sample>| median(s.iter().map(Sample::cpu_us).collect());
    let (ar, ac, br, bc) = (
        rate(&samples[0]),
        cpu(&samples[0]),
        rate(&samples[1]),
        cpu(&samples[1]),
    );
    let paired = |f: fn(&Sample) -> f64| {
        median(
            samples[0]
                .iter()
                .zip(&samples[1])
                .map(|(a, b)| f(a) / f(b))
                .collect(),
        )
    };
    let (rate_ratio, cpu_ratio) = (paired(Sample::rate), paired(Sample::cpu_us));
    println!(
        "{pair}: {} {ar:.0} {unit}/s, {ac:.2} µs CPU each; {} {br:.0} {unit}/s, {bc:.2} µs \
         (medians of {} rounds); {}/{}: {rate_ratio:.3}x the {unit}/s, {cpu_ratio:.3}x the CPU \
         each (medians of the rounds' own ratios; ratios of the medians {:.3}x and {:.3}x)",
        labels[0],
        labels[1],
        samples[0].len(),
        labels[0],
        labels[1],
        ar / br,
        ac / bc,
    );
    println!(
        "RESULT\t{pair}\t{unit}\t{}\t{ar:.0}\t{ac:.3}\t{}\t{br:.0}\t{bc:.3}\t{rate_ratio:.3}\t{cpu_ratio:.3}",
        labels[0], labels[1],
    );
}
