//! Robustness: the compiler MUST NOT panic on any input, and MUST answer in time linear in it.
//!
//! Every example and every invalid file is mangled thousands of times by a small deterministic
//! PRNG (ranges deleted or duplicated, tokens and raw bytes inserted, lines swapped, bytes flipped
//! to invalid UTF-8, prefixes cut at every Nth byte). Each result is compiled through the real
//! driver on a [`MemoryFs`] (imports still resolve against the rest of the corpus), its
//! diagnostics rendered, under `catch_unwind` so a failure names the exact input. Explicit cases
//! cover the extremes: empty and huge files, binary junk, deep nesting, NUL bytes, CRLF and a BOM.
//!
//! No test here fails on a wall-clock time (a busy machine would fail it): growth is checked as
//! the ratio of two output sizes measured in the same run, and a generous limit only catches a
//! hang. Timings are printed for whoever reads the log.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use rosetta_codegen::driver::MemoryFs;
use rosetta_codegen::{Compilation, Options, compile_with};

/// Hang protection, not a performance bound: a test that has no answer after this long is stuck.
const HANG_LIMIT: Duration = Duration::from_secs(900);

/// Runs `f` on its own thread and returns its result; fails (naming `what`) only when it has not
/// finished within [`HANG_LIMIT`]. A panic in `f` is passed on unchanged.
fn within_hang_limit<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = channel();
    let handle = std::thread::spawn(move || {
        // The receiver is gone only after a timeout, when nobody waits for the value.
        let _ = tx.send(f());
    });
    match rx.recv_timeout(HANG_LIMIT) {
        Ok(value) => {
            let _ = handle.join();
            value
        }
        Err(RecvTimeoutError::Timeout) => panic!("{what}: no result after {HANG_LIMIT:?}: a hang"),
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => panic!("{what}: finished without a result"),
        },
    }
}

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Fragments worth inserting: punctuation the grammar cares about, keywords, and oddities.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "<",
    ">",
    "(",
    ")",
    "\"",
    "\\",
    "///",
    "//",
    "@",
    ";",
    ":",
    "=",
    ",",
    ".",
    "..",
    "->",
    "-",
    "0",
    "-1",
    "19000",
    "99999999999999999999999",
    "1.5e308",
    "struct",
    "enum",
    "union",
    "error",
    "service",
    "topic",
    "rpc",
    "reserved",
    "throws",
    "to",
    "package",
    "import",
    "key",
    "value",
    "encoding",
    "optional<",
    "list<",
    "map<",
    "string",
    "u64",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\0",
    "\u{FEFF}",
    "é",
    "🦀",
    "import \"common.idl\";",
    "import \"seed.idl\";",
    "import \"import_cycle_a.idl\";",
    "package a.b;",
    "@http(GET, \"/{x}\")",
    "@xmlrpc(\"system.x\")",
    "@range(.., ..)",
    "@pattern(\"(\")",
    "x: list<optional<Self>> = 1;",
    "struct Self { me: Self = 1; }",
    "topic \"t\" { key: value.id; }",
    "rpc R(a: i32) -> i32;",
];

/// Applies one random mutation to `bytes`.
fn mutate_once(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let len = bytes.len();
    match rng.below(10) {
        // Delete a range.
        0 => {
            let at = rng.below(len + 1);
            let n = rng.below(24).min(len - at);
            bytes.drain(at..at + n);
        }
        // Duplicate a range somewhere else.
        1 => {
            let at = rng.below(len + 1);
            let n = rng.below(64).min(len - at);
            let piece = bytes[at..at + n].to_vec();
            let to = rng.below(len + 1);
            bytes.splice(to..to, piece);
        }
        // Insert a token.
        2 | 3 => {
            let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
            let at = rng.below(len + 1);
            bytes.splice(at..at, t.iter().copied());
        }
        // Insert random bytes.
        4 => {
            let n = 1 + rng.below(8);
            let at = rng.below(len + 1);
            let junk: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            bytes.splice(at..at, junk);
        }
        // Swap two lines.
        5 => {
            let mut lines: Vec<Vec<u8>> =
                bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(a, b);
            *bytes = lines.join(&b'\n');
        }
        // Truncate.
        6 => bytes.truncate(rng.below(len + 1)),
        // Flip a byte to something that is never valid UTF-8 on its own.
        7 => {
            if len > 0 {
                let at = rng.below(len);
                bytes[at] = [0xFF, 0xC3, 0x80, 0xED, 0xF4][rng.below(5)];
            }
        }
        // Replace a byte with a printable ASCII character.
        8 => {
            if len > 0 {
                let at = rng.below(len);
                bytes[at] = b' ' + rng.below(95) as u8;
            }
        }
        // Repeat a whole line.
        _ => {
            let mut lines: Vec<Vec<u8>> =
                bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let i = rng.below(lines.len());
            let copies = 1 + rng.below(3);
            for _ in 0..copies {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            *bytes = lines.join(&b'\n');
        }
    }
}

/// The workspace root.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen/ sits in the workspace root")
        .to_path_buf()
}

/// Every `.idl` file directly in `dir`, as (workspace-relative path, bytes), sorted.
fn idl_files(dir: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = workspace_root();
    let mut v: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(root.join(dir))
        .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "idl"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let rel = p.strip_prefix(&root).map(Path::to_path_buf).unwrap_or(p);
            (rel, bytes)
        })
        .collect();
    v.sort();
    v
}

/// The valid examples.
fn valid_corpus() -> Vec<(PathBuf, Vec<u8>)> {
    idl_files("idl-examples")
}

/// The invalid files and their import helpers.
fn invalid_corpus() -> Vec<(PathBuf, Vec<u8>)> {
    let mut v = idl_files("idl-examples/invalid");
    v.extend(idl_files("idl-examples/invalid/support"));
    v
}

/// A file system holding the whole corpus, so mutated imports still find their files.
fn corpus_fs() -> MemoryFs {
    let mut fs = MemoryFs::new();
    for (path, bytes) in valid_corpus().into_iter().chain(invalid_corpus()) {
        fs.insert(path, bytes);
    }
    fs
}

/// Compiles `bytes` as `path` on top of `fs`, renders the diagnostics, checks the result is
/// coherent, and times it all. `Err` carries the panic (or failed coherence) message.
fn compile_bytes(fs: &MemoryFs, path: &Path, bytes: &[u8]) -> Result<Duration, String> {
    let mut fs = fs.clone();
    fs.insert(path, bytes.to_vec());
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let c = compile_with(&fs, &[path.to_path_buf()], &Options::default());
        let rendered = c.render_diagnostics();
        // Errors and IR are exclusive; errors always render to something.
        assert_eq!(
            c.ir.is_some(),
            !c.diagnostics.has_errors(),
            "IR despite errors"
        );
        if c.diagnostics.has_errors() {
            assert!(!rendered.is_empty(), "errors rendered to nothing");
        }
    }));
    let took = started.elapsed();
    outcome.map(|()| took).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic".to_string())
    })
}

/// What a batch of compiles found.
#[derive(Default)]
struct Report {
    compiles: usize,
    max: Duration,
    slowest: Option<(PathBuf, Vec<u8>)>,
    failures: Vec<String>,
}

impl Report {
    /// Compiles one input and records the outcome; a failing input is saved for replay.
    fn run(&mut self, fs: &MemoryFs, path: &Path, bytes: &[u8], what: &str) {
        self.compiles += 1;
        match compile_bytes(fs, path, bytes) {
            Ok(took) => {
                // Only reported: a time depends on the machine's load.
                if took > self.max {
                    self.max = took;
                    self.slowest = Some((path.to_path_buf(), bytes.to_vec()));
                }
            }
            Err(msg) => {
                let saved = save_failure(self.failures.len(), bytes);
                self.failures.push(format!(
                    "{} ({what}) panicked: {msg}\n  input saved to {}\n  input: {:?}",
                    path.display(),
                    saved.display(),
                    String::from_utf8_lossy(bytes)
                ));
            }
        }
    }

    /// Prints the summary (with the slowest input, for information) and fails on any panic.
    fn finish(self, name: &str) {
        let slowest = self
            .slowest
            .as_ref()
            .map(|(p, b)| format!("{} ({} bytes)", p.display(), b.len()))
            .unwrap_or_default();
        println!(
            "{name}: {} compiles, max {:?} ({slowest})",
            self.compiles, self.max
        );
        assert!(
            self.failures.is_empty(),
            "{name}: {} failing inputs:\n{}",
            self.failures.len(),
            self.failures
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// Writes a failing input where it can be replayed from.
fn save_failure(n: usize, bytes: &[u8]) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("robustness-failure-{n}.idl"));
    // Best effort: the report still carries the input inline.
    let _ = std::fs::write(&path, bytes);
    path
}

/// How many times more mutations to run than the default: `ROSETTA_MUTATION_SCALE=50` for a long
/// hunt (best with `--release`); a different scale also draws different mutations.
fn scale() -> usize {
    std::env::var("ROSETTA_MUTATION_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// Mutates every file of `corpus` `per_file` times (1 to 3 stacked mutations each).
fn mutate_corpus(name: &'static str, corpus: Vec<(PathBuf, Vec<u8>)>, per_file: usize, seed: u64) {
    within_hang_limit(name, move || {
        mutate_corpus_now(name, &corpus, per_file, seed)
    });
}

fn mutate_corpus_now(name: &str, corpus: &[(PathBuf, Vec<u8>)], per_file: usize, seed: u64) {
    let per_file = per_file * scale();
    let seed = seed ^ (scale() as u64).wrapping_sub(1);
    let fs = corpus_fs();
    let mut report = Report::default();
    for (i, (path, original)) in corpus.iter().enumerate() {
        let mut rng = Rng::new(seed ^ (i as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
        for n in 0..per_file {
            let mut bytes = original.clone();
            for _ in 0..1 + rng.below(3) {
                mutate_once(&mut rng, &mut bytes);
            }
            report.run(&fs, path, &bytes, &format!("mutation {n}"));
        }
    }
    report.finish(name);
}

#[test]
fn mutated_valid_examples_never_panic() {
    // The few examples are mutated hardest: their mutants reach the checks and the lowering.
    let corpus = valid_corpus();
    let per_file = 8_000 / corpus.len();
    mutate_corpus("valid examples", corpus, per_file, 0x5EED_0001);
}

#[test]
fn mutated_invalid_files_never_panic() {
    let corpus = invalid_corpus();
    let per_file = 10_000 / corpus.len();
    mutate_corpus("invalid files", corpus, per_file, 0x5EED_0002);
}

#[test]
fn every_prefix_compiles_without_panic() {
    within_hang_limit("prefixes", || {
        let fs = corpus_fs();
        let mut report = Report::default();
        for (path, bytes) in valid_corpus().iter().chain(&invalid_corpus()) {
            // Every 3rd byte for the examples, every 11th for the rest: about 5,000 prefixes.
            let step = if path.starts_with("idl-examples/invalid") {
                11
            } else {
                3
            };
            for cut in (0..=bytes.len()).step_by(step) {
                report.run(&fs, path, &bytes[..cut], &format!("cut at {cut}"));
            }
        }
        report.finish("prefixes");
    });
}

/// Compiles one in-memory file (no imports) and returns the compilation.
fn compile_alone(text: impl Into<Vec<u8>>) -> Compilation {
    let mut fs = MemoryFs::new();
    fs.insert("input.idl", text.into());
    compile_with(&fs, &[PathBuf::from("input.idl")], &Options::default())
}

/// The codes a compilation reported.
fn codes(c: &Compilation) -> Vec<&'static str> {
    c.diagnostics.sorted().iter().map(|d| d.code).collect()
}

#[test]
fn empty_whitespace_and_comment_only_files_are_valid() {
    for text in [
        "",
        " ",
        "\n\n\t  \r\n",
        "// just a comment",
        "// one\n// two\n\n// three\n",
    ] {
        let c = compile_alone(text);
        assert!(
            c.diagnostics.is_empty(),
            "{text:?}:\n{}",
            c.render_diagnostics()
        );
        assert!(c.ir.is_some());
    }
}

/// A deterministic file of unique, valid structs of about `bytes` bytes.
fn many_structs(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 256);
    let mut n = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            "/// Number {n}.\nstruct S{n} {{\n  name: string = 1 @length(1, 10);\n  tags: list<string> = 2;\n  when: optional<timestamp> = 3;\n}}\n\n"
        ));
        n += 1;
    }
    s
}

/// Compiles one in-memory file under the hang limit; returns the compilation, its rendered
/// diagnostics and the time it took (printed, never asserted).
fn compile_timed(what: &str, text: impl Into<Vec<u8>>) -> (Compilation, String, Duration) {
    let text = text.into();
    let (c, rendered, took) = within_hang_limit(what, move || {
        let started = Instant::now();
        let c = compile_alone(text);
        let rendered = c.render_diagnostics();
        (c, rendered, started.elapsed())
    });
    println!("{what}: {took:?}, {} bytes of diagnostics", rendered.len());
    (c, rendered, took)
}

#[test]
fn ten_megabytes_of_valid_structs() {
    let text = many_structs(10 * 1024 * 1024);
    let want = text.matches("struct S").count();
    let (c, rendered, _) = compile_timed("10 MB of structs", text);
    assert!(c.diagnostics.is_empty(), "{rendered}");
    assert_eq!(c.ir.map(|ir| ir.types.len()), Some(want));
}

/// A chain of `n` structs, each referring to the one before.
fn linked_structs(bytes: usize) -> (String, usize) {
    let mut text = String::new();
    let mut n = 0;
    while text.len() < bytes {
        let prev = if n == 0 {
            "string".to_string()
        } else {
            format!("S{}", n - 1)
        };
        text.push_str(&format!(
            "struct S{n} {{\n  name: string = 1;\n  prev: optional<{prev}> = 2;\n  next: {prev} = 3;\n}}\n"
        ));
        n += 1;
    }
    (text, n)
}

/// Types that refer to each other: name lookup must stay linear (it was quadratic once). The
/// same chain with one reference broken at its end reports exactly one diagnostic at both
/// sizes, so the work per type stays the same however many types came before.
#[test]
fn one_megabyte_of_structs_that_refer_to_each_other() {
    let mut sizes = Vec::new();
    for bytes in [100 * 1024, 1024 * 1024] {
        let (text, n) = linked_structs(bytes);
        let (c, rendered, _) =
            compile_timed(&format!("{bytes} bytes of linked structs"), text.clone());
        assert!(c.diagnostics.is_empty(), "{rendered}");
        assert_eq!(c.ir.map(|ir| ir.types.len()), Some(n));
        let broken = format!("{text}struct Last {{ a: Missing = 1; }}\n");
        let (c, rendered, _) = compile_timed("a broken chain", broken);
        assert_eq!(codes(&c), ["E0100"], "{rendered}");
        sizes.push(rendered.len());
    }
    // The one diagnostic is the same size whatever the chain's length (but for the digits of
    // its line number).
    assert!(
        sizes[1] < sizes[0] + 16,
        "diagnostics grew with the input: {sizes:?}"
    );
}

#[test]
fn ten_megabytes_of_binary_junk() {
    let mut rng = Rng::new(0xBAD_B17E5);
    let mut sizes = Vec::new();
    for len in [1024 * 1024, 10 * 1024 * 1024] {
        let junk: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let (c, rendered, _) = compile_timed(&format!("{len} bytes of binary junk"), junk);
        assert_eq!(codes(&c), ["E0002"]);
        // The same amount of printable junk gets past the UTF-8 check to the parser.
        let ascii: Vec<u8> = (0..len).map(|_| b' ' + (rng.next() % 95) as u8).collect();
        let (c, ascii_rendered, _) = compile_timed(&format!("{len} bytes of ASCII junk"), ascii);
        assert!(c.diagnostics.has_errors());
        sizes.push(rendered.len() + ascii_rendered.len());
    }
    // One diagnostic each, on a clipped line: ten times the junk is not ten times the report.
    assert!(
        sizes[1] < 2 * sizes[0],
        "diagnostics grew with the junk: {sizes:?}"
    );
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let cases = [
        format!("struct S {{ a: {} = 1; }}", "list<".repeat(100_000)),
        format!(
            "struct S {{ a: {}i32{} = 1; }}",
            "list<".repeat(100_000),
            ">".repeat(100_000)
        ),
        "{".repeat(100_000),
        "(".repeat(100_000),
        format!("service S {{ rpc A({}", "(".repeat(100_000)),
    ];
    for text in cases {
        let len = text.len();
        let (c, rendered, _) = compile_timed("deep nesting", text);
        assert_eq!(codes(&c), ["E0003"]);
        // One line of 100,000+ characters is shown clipped around the error.
        assert!(
            rendered.len() < 2_000,
            "{} bytes of diagnostics for a {len}-byte line",
            rendered.len()
        );
    }
}

#[test]
fn invalid_utf8_in_a_comment_is_reported_at_the_byte() {
    let mut text = b"struct A {\n  // caf".to_vec();
    text.push(0xE9);
    text.extend_from_slice(b" au lait\n  a: i32 = 1;\n}\n");
    let c = compile_alone(text);
    let ds = c.diagnostics.sorted();
    assert_eq!(codes(&c), ["E0002"]);
    let span = ds[0].span.expect("a span");
    assert_eq!(c.program.sources.line_col(span.file, span.start), (2, 9));
    assert!(c.render_diagnostics().contains("--> input.idl:2:9"));
}

#[test]
fn a_nul_byte_is_a_syntax_error() {
    for text in [
        &b"struct A {\0 a: i32 = 1; }"[..],
        b"\0",
        b"struct A { a: i32 = 1; }\0",
    ] {
        let c = compile_alone(text);
        assert_eq!(codes(&c), ["E0001"], "{:?}", String::from_utf8_lossy(text));
        assert!(c.render_diagnostics().contains("U+0000"));
    }
    // Inside a comment a NUL is just a character of the comment.
    let c = compile_alone(&b"// a\0b\nstruct A { a: i32 = 1; }"[..]);
    assert!(c.diagnostics.is_empty(), "{}", c.render_diagnostics());
}

/// Compiles every valid example after `transform`, with imports transformed alike, and checks
/// the IR is the one the untouched files give.
fn valid_examples_survive(transform: fn(&[u8]) -> Vec<u8>) {
    let corpus = valid_corpus();
    let mut plain = MemoryFs::new();
    let mut changed = MemoryFs::new();
    for (path, bytes) in &corpus {
        plain.insert(path, bytes.clone());
        changed.insert(path, transform(bytes));
    }
    for (path, _) in &corpus {
        let roots = [path.clone()];
        let want = compile_with(&plain, &roots, &Options::default());
        let got = compile_with(&changed, &roots, &Options::default());
        // Warnings (W0002 on the streaming example) are the untouched file's own.
        assert!(
            !got.diagnostics.has_errors() && codes(&got) == codes(&want),
            "{}:\n{}",
            path.display(),
            got.render_diagnostics()
        );
        assert_eq!(got.ir, want.ir, "{}: a different model", path.display());
    }
}

#[test]
fn crlf_line_endings_are_valid() {
    valid_examples_survive(|b| {
        String::from_utf8_lossy(b)
            .replace('\n', "\r\n")
            .into_bytes()
    });
}

#[test]
fn a_byte_order_mark_is_valid() {
    valid_examples_survive(|b| {
        let mut v = "\u{FEFF}".as_bytes().to_vec();
        v.extend_from_slice(b);
        v
    });
}
