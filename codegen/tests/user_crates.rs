//! A new user's crates, built the way the README tells them to be written, so the README's
//! snippets and dependency lines cannot drift and the CLI's Rust output keeps building:
//!
//! - `readme-full`: every README block marked `<!-- user-crate: PATH -->` written to PATH, with
//!   the README's own dependency lines (path form, pointed at this checkout), features `full`;
//! - `readme-subset`: the same with `features = ["xmlrpc", "rest"]` and the same `build.rs`
//!   (no `.grpc(false)`): the Builder must follow the features by itself;
//! - `cli-output`: no `build.rs`; `rosetta generate … --target rust --out src/generated` and the
//!   README's `<!-- cli-crate: src/lib.rs -->` block;
//! - `cli-mismatch`: the same CLI output in a crate with `xmlrpc` and `rest` only, which must fail
//!   with exactly one line per missing feature, naming it.
//!
//! `cargo check` (type checking is what a drift breaks; no code generation or linking) of a
//! scratch workspace under the target folder, sharing the workspace's target folder so that
//! dependencies already checked there (by clippy) are reused. Three cargo runs: full
//! (readme-full and cli-output together), subset, mismatch (the last two share every dependency).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen is a workspace member")
        .to_path_buf()
}

/// The target folder this test run builds in: `CARGO_TARGET_DIR` when set, else `target/`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// A fenced README block that a comment marks as a file of a crate.
#[derive(Debug)]
struct Snippet {
    /// `user-crate` or `cli-crate`.
    crate_kind: String,
    path: String,
    text: String,
}

/// Every marked block; panics on a ```rust block without a marker (it could drift unnoticed).
fn snippets(readme: &str) -> Vec<Snippet> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if line.starts_with("```rust") {
            let marked = i > 0 && lines[i - 1].trim().starts_with("<!-- ");
            assert!(
                marked,
                "README.md line {}: a ```rust block without a `<!-- user-crate: PATH -->` marker \
                 is not compiled by any test",
                i + 1
            );
        }
        let marker = line
            .strip_prefix("<!-- ")
            .and_then(|l| l.strip_suffix(" -->"))
            .and_then(|l| l.split_once(": "));
        if let Some((kind, path)) = marker
            && ["user-crate", "cli-crate", "client-crate"].contains(&kind)
        {
            assert!(
                lines.get(i + 1).is_some_and(|l| l.starts_with("```")),
                "README.md line {}: a marker must be followed by a fenced block",
                i + 1
            );
            let mut text = String::new();
            let mut j = i + 2;
            while j < lines.len() && !lines[j].starts_with("```") {
                text.push_str(lines[j]);
                text.push('\n');
                j += 1;
            }
            out.push(Snippet {
                crate_kind: kind.to_string(),
                path: path.to_string(),
                text,
            });
            i = j;
        }
        i += 1;
    }
    out
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folder");
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn manifest(name: &str, dependencies: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n{dependencies}"
    )
}

/// Runs a command with hang protection only (a first build on a busy machine takes many
/// minutes); returns success and the combined output.
fn run(cmd: &mut Command) -> (bool, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let start = Instant::now();
    let limit = Duration::from_secs(90 * 60);
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{cmd:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = child.wait_with_output().expect("output");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// `cargo check` of some packages of the scratch workspace, in the shared target folder.
fn cargo_check(workspace: &Path, packages: &[&str]) -> (bool, String) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("check")
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .args(["--message-format", "short", "--color", "never"])
        .env("CARGO_TARGET_DIR", target_dir());
    for p in packages {
        cmd.args(["-p", p]);
    }
    // This test's own package variables would describe the wrong package to build scripts.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_MANIFEST_")
            || key == "CARGO_CRATE_NAME"
            || key == "CARGO_PRIMARY_PACKAGE"
        {
            cmd.env_remove(key.as_ref());
        }
    }
    run(&mut cmd)
}

#[test]
fn the_readme_crate_and_the_cli_output_build() {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let snippets = snippets(&readme);
    let user: Vec<&Snippet> = snippets
        .iter()
        .filter(|s| s.crate_kind == "user-crate")
        .collect();
    let find = |kind: &str, path: &str| {
        snippets
            .iter()
            .find(|s| s.crate_kind == kind && s.path == path)
            .unwrap_or_else(|| panic!("README.md has no `<!-- {kind}: {path} -->` block"))
    };

    // The README's dependency lines, pointed at this checkout. The path form is what works today.
    let deps = &find("user-crate", "Cargo.toml").text;
    let root_text = root.display().to_string();
    assert!(
        deps.contains("path = \"../rosetta\""),
        "the README shows the path form"
    );
    let deps = deps.replace("\"../rosetta", &format!("\"{root_text}"));
    let rosetta_line = deps
        .lines()
        .find(|l| l.starts_with("rosetta = "))
        .expect("the README's `rosetta = …` line");
    assert!(
        rosetta_line.contains("features = [\"full\"]"),
        "{rosetta_line}"
    );
    let subset_line =
        rosetta_line.replace("features = [\"full\"]", "features = [\"xmlrpc\", \"rest\"]");
    let tokio_line = deps
        .lines()
        .find(|l| l.starts_with("tokio = "))
        .expect("the README's `tokio = …` line (its serving snippet needs it)");

    let ws = target_dir().join("user-crates");
    let members = [
        "readme-full",
        "readme-subset",
        "cli-output",
        "cli-mismatch",
        "client-only",
        "cli-no-server",
    ];
    for member in members {
        // Sources are rewritten from the README on every run; the lock file is kept.
        let _ = std::fs::remove_dir_all(ws.join(member));
    }
    write(
        &ws.join("Cargo.toml"),
        &format!("[workspace]\nmembers = {members:?}\nresolver = \"3\"\n"),
    );
    // The workspace's versions of every dependency (cargo adds the scratch packages to it).
    if !ws.join("Cargo.lock").exists() {
        std::fs::copy(root.join("Cargo.lock"), ws.join("Cargo.lock")).expect("copy Cargo.lock");
    }
    for (member, manifest_text) in [
        ("readme-full", manifest("readme-full", &deps)),
        (
            "readme-subset",
            manifest("readme-subset", &deps.replace(rosetta_line, &subset_line)),
        ),
    ] {
        let dir = ws.join(member);
        write(&dir.join("Cargo.toml"), &manifest_text);
        for s in &user {
            if s.path != "Cargo.toml" {
                write(&dir.join(&s.path), &s.text);
            }
        }
    }

    // The CLI's output, in a crate without build.rs.
    let cli = ws.join("cli-output");
    write(
        &cli.join("Cargo.toml"),
        &manifest(
            "cli-output",
            &format!("[dependencies]\n{rosetta_line}\n{tokio_line}\n"),
        ),
    );
    write(
        &cli.join("idl/hello.idl"),
        &find("user-crate", "idl/hello.idl").text,
    );
    write(
        &cli.join("src/lib.rs"),
        &find("cli-crate", "src/lib.rs").text,
    );
    let generated = Command::new(env!("CARGO_BIN_EXE_rosetta"))
        .current_dir(&cli)
        .args([
            "generate",
            "idl/hello.idl",
            "--target",
            "rust",
            "--out",
            "src/generated",
        ])
        .output()
        .expect("run rosetta generate");
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    // Everything the output includes is beside it, and no prost code: the domain types are the
    // gRPC messages.
    for file in ["_include.rs", "hello.rs", "rosetta-proto/descriptor.bin"] {
        assert!(cli.join("src/generated").join(file).exists(), "{file}");
    }
    assert!(!cli.join("src/generated/rosetta-prost").exists());

    // The same output where only `xmlrpc` and `rest` are enabled.
    let mismatch = ws.join("cli-mismatch");
    write(
        &mismatch.join("Cargo.toml"),
        &manifest(
            "cli-mismatch",
            &format!("[dependencies]\n{subset_line}\n{tokio_line}\n"),
        ),
    );
    write(
        &mismatch.join("src/lib.rs"),
        "include!(\"../../cli-output/src/generated/_include.rs\");\n",
    );

    // The README's client-only crate: default features off, so no `server`; the same build.rs.
    let client = ws.join("client-only");
    let client_deps = find("client-crate", "Cargo.toml")
        .text
        .replace("\"../rosetta", &format!("\"{root_text}"));
    write(
        &client.join("Cargo.toml"),
        &manifest("client-only", &client_deps),
    );
    for path in ["build.rs", "idl/hello.idl"] {
        write(&client.join(path), &find("user-crate", path).text);
    }
    write(
        &client.join("src/lib.rs"),
        &find("client-crate", "src/lib.rs").text,
    );

    // The CLI's output (server side included) where `rosetta` has no `server` feature.
    let no_server = ws.join("cli-no-server");
    let client_line = client_deps
        .lines()
        .find(|l| l.starts_with("rosetta = "))
        .expect("the client crate's `rosetta = …` line");
    let all_protocols = client_line.replace(
        "\"xmlrpc\", \"rest\"]",
        "\"xmlrpc\", \"rest\", \"grpc\", \"kafka\"]",
    );
    assert_ne!(all_protocols, client_line, "{client_line}");
    write(
        &no_server.join("Cargo.toml"),
        &manifest(
            "cli-no-server",
            &format!("[dependencies]\n{all_protocols}\n{tokio_line}\n"),
        ),
    );
    write(
        &no_server.join("src/lib.rs"),
        "include!(\"../../cli-output/src/generated/_include.rs\");\n",
    );

    let (ok, out) = cargo_check(&ws, &["readme-full", "cli-output"]);
    assert!(
        ok,
        "the README's crate (full) or the CLI's output does not build:\n{out}"
    );

    let (ok, out) = cargo_check(&ws, &["readme-subset"]);
    assert!(
        ok,
        "the README's crate with features xmlrpc, rest does not build:\n{out}"
    );
    // The Builder followed the features: REST glue, no gRPC or Kafka glue.
    let outputs = newest_out_file(
        &target_dir().join("debug/build"),
        "readme-subset-",
        "hello.rs",
    );
    let code = std::fs::read_to_string(&outputs).expect("the generated hello.rs");
    assert!(code.contains("__require_rest!()"), "{}", outputs.display());
    assert!(!code.contains("__require_grpc!()") && !code.contains("__require_kafka!()"));

    let (ok, out) = cargo_check(&ws, &["cli-mismatch"]);
    assert!(
        !ok,
        "gRPC and Kafka glue without their features must not build:\n{out}"
    );
    let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error")).collect();
    assert_eq!(errors.len(), 2, "one line per missing feature:\n{out}");
    assert!(
        errors[0].contains("gRPC glue") && errors[0].contains("`grpc` feature"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].contains("Kafka glue") && errors[1].contains("`kafka` feature"),
        "{}",
        errors[1]
    );

    // Clients only: the Builder followed the features (no `server`), the crate builds, and
    // neither axum nor a hyper server is in its dependency tree.
    let (ok, out) = cargo_check(&ws, &["client-only"]);
    assert!(ok, "the README's client-only crate does not build:\n{out}");
    let outputs = newest_out_file(
        &target_dir().join("debug/build"),
        "client-only-",
        "hello.rs",
    );
    let code = std::fs::read_to_string(&outputs).expect("the generated hello.rs");
    assert!(code.contains("pub struct RestClient") && code.contains("pub struct XmlRpcClient"));
    assert!(
        !code.contains("__require_server!()") && !code.contains("pub struct Server<S>"),
        "{}",
        outputs.display()
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let (ok, tree) = run(Command::new(cargo)
        .arg("tree")
        .arg("--manifest-path")
        .arg(ws.join("Cargo.toml"))
        .args([
            "-p",
            "client-only",
            "-e",
            "normal,features",
            "--color",
            "never",
        ])
        .env("CARGO_TARGET_DIR", target_dir()));
    assert!(ok, "{tree}");
    // `-e features` lists each crate with the features it is built with.
    assert!(
        !tree
            .lines()
            .any(|l| l.contains(" axum v") || l.contains("axum feature")),
        "a client-only crate depends on axum:\n{tree}"
    );
    assert!(
        !tree.contains("hyper feature \"server\""),
        "a client-only crate builds hyper's server:\n{tree}"
    );

    // Server glue without the `server` feature: one line, naming it and the switch.
    let (ok, out) = cargo_check(&ws, &["cli-no-server"]);
    assert!(
        !ok,
        "server glue without the `server` feature must not build:\n{out}"
    );
    let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error")).collect();
    assert_eq!(errors.len(), 1, "one line for the missing feature:\n{out}");
    assert!(
        errors[0].contains("`server` feature") && errors[0].contains("build_server(false)"),
        "{}",
        errors[0]
    );
}

/// The most recently written `<build>/<prefix>*/out/<file>`.
fn newest_out_file(build: &Path, prefix: &str, file: &str) -> PathBuf {
    std::fs::read_dir(build)
        .expect("the build folder")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path().join("out").join(file))
        .filter(|p| p.exists())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .unwrap_or_else(|| panic!("no {prefix}*/out/{file} under {}", build.display()))
}
