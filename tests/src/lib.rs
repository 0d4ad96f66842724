//! Support for the cross-crate and interop tests in `tests/tests/`: the workspace root, Python
//! interpreters (the machine's, and the tier-2 venv with foreign clients), and an in-process
//! server on a free loopback port.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The machine's Python 3 (standard library only).
pub fn stdlib_python() -> PathBuf {
    PathBuf::from("python3")
}

/// The tier-2 Python, with the packages of `scripts/requirements-tier2.txt`; installs them on
/// first use (cached outside the repository) by running `scripts/setup-tier2.sh`.
///
/// Panics with the script's output if the set-up fails: a test that needs a foreign client must
/// not pass without it.
pub fn tier2_python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let script = workspace_root().join("scripts/setup-tier2.sh");
            let out = Command::new("bash")
                .arg(&script)
                .stderr(Stdio::inherit())
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
            assert!(out.status.success(), "{} failed", script.display());
            let stdout = String::from_utf8_lossy(&out.stdout);
            let last = stdout.lines().last().unwrap_or_default().trim();
            PathBuf::from(last)
        })
        .clone()
}

/// The tier-2 web clients' `node_modules` folder (`@connectrpc/connect-node`, the `buf` CLI,
/// esbuild, playwright-core, `@grpc/grpc-js` with `@grpc/proto-loader`, `eventsource`;
/// `scripts/setup-tier2.d/web-clients.sh`, which also installs Debian's chromium), installed on
/// first use by `scripts/setup-tier2.sh`.
///
/// Panics, naming what is missing, if the set-up did not provide a client: a test that needs one
/// must not pass without it.
pub fn tier2_node_modules() -> PathBuf {
    // Runs every set-up step, the web clients' included.
    let _ = tier2_python();
    let cache = std::env::var_os("ROSETTA_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rosetta")))
        .unwrap_or_else(|| PathBuf::from(".cache/rosetta"));
    let modules = cache.join("node/node_modules");
    for needed in [
        ".bin/buf",
        ".bin/esbuild",
        "@connectrpc/connect-node/package.json",
        "@connectrpc/connect-web/package.json",
        "@grpc/grpc-js/package.json",
        "@grpc/proto-loader/package.json",
        "eventsource/package.json",
        "playwright-core/package.json",
    ] {
        assert!(
            modules.join(needed).exists(),
            "{} is missing after scripts/setup-tier2.sh: run it and read its output",
            modules.join(needed).display()
        );
    }
    modules
}

/// Runs `node script args` with `NODE_PATH` at the tier-2 web clients, killing it after
/// `timeout`.
pub fn run_node(script: &Path, args: &[&str], timeout: Duration) -> Output {
    let modules = tier2_node_modules();
    run_command(
        Command::new("node")
            .env("NODE_PATH", &modules)
            .arg(script)
            .args(args),
        timeout,
    )
}

/// Writes the `.proto` files Rosetta emits from `idl-examples/<idl>` into a fresh temporary
/// folder named after `tag` and this process (for foreign clients' stub generators).
pub fn emit_protos(idl: &str, tag: &str) -> PathBuf {
    emit_protos_of(&workspace_root().join("idl-examples").join(idl), tag)
}

/// [`emit_protos`] for an IDL file anywhere (`tests/idl/dynamic.idl`).
pub fn emit_protos_of(idl: &Path, tag: &str) -> PathBuf {
    let c = rosetta_codegen::compile(&[idl.to_path_buf()], &rosetta_codegen::Options::default());
    let rendered = c.render_diagnostics();
    let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
    let files = rosetta_codegen::emit::proto::generate(&ir).expect("proto target");
    let dir = std::env::temp_dir().join(format!("rosetta-protos-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    for f in files {
        std::fs::write(dir.join(&f.name), f.contents).expect("write proto");
    }
    dir
}

/// Runs a Python script (`-c`) with arguments, killing it after `timeout`.
pub fn run_python(python: &Path, script: &str, args: &[&str], timeout: Duration) -> Output {
    run_command(
        Command::new(python).arg("-c").arg(script).args(args),
        timeout,
    )
}

/// Runs a Python script like [`run_python`], asserts that it exited successfully (the failure
/// message shows both its streams) and returns its standard output.
pub fn python_stdout(python: &Path, script: &str, args: &[&str], timeout: Duration) -> String {
    let out = run_python(python, script, args, timeout);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Runs a command with its output captured, killing it after `timeout` (bounded, never hangs).
pub fn run_command(cmd: &mut Command, timeout: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("waiting for {cmd:?}: {e}"),
        }
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("collecting the output of {cmd:?}: {e}"))
}

/// `schemathesis run URL/openapi.json --checks all` as TOOLCHAIN.md gives it, from the tier-2
/// venv; asserts it found no failure (warnings, such as ids it cannot guess, are not failures)
/// and returns its report.
pub fn schemathesis(url: &str) -> String {
    schemathesis_excluding(url, &[])
}

/// [`schemathesis`], leaving out the operations on `paths` (exact paths of the document).
pub fn schemathesis_excluding(url: &str, paths: &[&str]) -> String {
    let tool = tier2_python().with_file_name("schemathesis");
    let excluded = paths.iter().flat_map(|p| ["--exclude-path", p]);
    let out = run_command(
        Command::new(tool)
            .args([
                "run",
                &format!("{url}/openapi.json"),
                "--url",
                url,
                "--checks",
                "all",
                "-n",
                "200",
                "--generation-database",
                "none",
            ])
            .args(excluded)
            // No colours, no progress bars: the output is for a log.
            .env("NO_COLOR", "1")
            .current_dir(std::env::temp_dir()),
        Duration::from_secs(540),
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && !stdout.contains("Failures:") && stdout.contains(" passed"),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A Python server child process (`-c script`) that prints its port on its first line; killed on
/// drop. Used to prove the generated clients against servers nobody here wrote.
pub struct PythonServer {
    child: std::process::Child,
    /// The port the script printed.
    pub port: u16,
}

impl PythonServer {
    /// Starts `script` with the machine's Python and waits for the port it prints.
    pub fn start(script: &str) -> Self {
        use std::io::BufRead as _;
        let mut child = Command::new(stdlib_python())
            .arg("-c")
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python");
        let stdout = child.stdout.take().expect("python stdout");
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let port = match line.trim().parse() {
            Ok(p) => p,
            Err(_) => {
                let _ = child.kill();
                panic!("python server did not print its port: {line:?}");
            }
        };
        PythonServer { child, port }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server running in this process on a loopback port; shuts down gracefully when dropped.
#[cfg(feature = "server")]
pub struct RunningServer {
    /// Where it listens.
    pub addr: std::net::SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[cfg(feature = "server")]
impl RunningServer {
    /// Starts `server` on `127.0.0.1:0` in a background runtime.
    pub fn start(server: rosetta::server::Server) -> Self {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                let _ = addr_tx.send(listener.local_addr().expect("local addr"));
                let _ = server
                    .serve_with_shutdown(listener, async {
                        let _ = rx.await;
                    })
                    .await;
            });
        });
        let addr = addr_rx
            // Hang protection only: a busy machine may take a while to start a thread.
            .recv_timeout(Duration::from_secs(120))
            .expect("server did not start");
        RunningServer {
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

#[cfg(feature = "server")]
impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Checks Rosetta's protobuf encoding of `value` against prost's messages `P` (generated by
/// prost-build from the emitted `.proto`): prost reads Rosetta's bytes, and Rosetta reads what
/// prost writes back to `value`. With `exact`, the two encodings are the same bytes (prost's
/// maps are `HashMap`s, so a value whose maps hold several entries is not byte-exact).
pub fn prost_agrees<D, P>(value: &D, exact: bool)
where
    D: rosetta::proto::ProtoMessage + PartialEq + std::fmt::Debug,
    P: rosetta::__private::prost::Message + Default,
{
    let ours = rosetta::proto::encode(value);
    let message = P::decode(&ours[..]).expect("prost reads Rosetta's bytes");
    let theirs = message.encode_to_vec();
    if exact {
        assert_eq!(ours, theirs, "{value:?}");
    }
    assert_eq!(
        &rosetta::proto::decode::<D>(&theirs).expect("Rosetta reads prost's bytes"),
        value
    );
}
