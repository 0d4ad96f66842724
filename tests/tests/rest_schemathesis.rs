//! Tier 2: the REST servers against tools nobody here wrote — schemathesis with every check
//! (`--checks all`) against the `/openapi.json` of the seed and shop servers, and
//! openapi-spec-validator on every document, served or written by the CLI.
//!
//! The document is the contract: schemathesis sends data the schema allows (every response must
//! be a documented status, content type and schema, and valid input must not be refused) and data
//! it forbids (which must be refused), tries undeclared methods (405 with `Allow`), and follows
//! the operations statefully.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rosetta_tests::{RunningServer, run_python, tier2_python, workspace_root};

/// A console script of the tier-2 venv (`schemathesis`), next to its python.
fn venv_tool(name: &str) -> PathBuf {
    let python = tier2_python();
    python
        .parent()
        .map(|bin| bin.join(name))
        .unwrap_or_else(|| PathBuf::from(name))
}

fn run(mut cmd: Command, timeout: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the tool");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > timeout {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("tool output")
}

/// `schemathesis run` exactly as TOOLCHAIN.md gives it.
fn schemathesis(server: &RunningServer) {
    let url = server.url();
    let mut cmd = Command::new(venv_tool("schemathesis"));
    cmd.args([
        "run",
        &format!("{url}/openapi.json"),
        "--url",
        &url,
        "--checks",
        "all",
        "-n",
        "200",
        "--generation-database",
        "none",
    ])
    // No colours, no progress bars: the output is for a log.
    .env("NO_COLOR", "1")
    .current_dir(std::env::temp_dir());
    let out = run(cmd, Duration::from_secs(540));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Warnings (such as "missing test data" for ids it cannot guess) are not failures.
    assert!(
        !stdout.contains("Failures:") && stdout.contains(" passed"),
        "{stdout}"
    );
}

// The examples' services refuse nothing their schema allows: their rules are in the IDL
// (bounds, lengths), and their business refusals are 404 or 409 (see docs/rest.md).
#[test]
fn schemathesis_finds_nothing_on_the_seed() {
    schemathesis(&RunningServer::start(rosetta_examples::seed_server()));
}

#[test]
fn schemathesis_finds_nothing_on_the_shop() {
    schemathesis(&RunningServer::start(rosetta_examples::shop_server()));
}

const VALIDATE: &str = r#"
import json, sys, urllib.request
from openapi_spec_validator import validate
for source in sys.argv[1:]:
    if source.startswith("http"):
        doc = json.load(urllib.request.urlopen(source, timeout=10))
    else:
        with open(source) as f:
            doc = json.load(f)
    assert doc["openapi"] == "3.1.0", source
    validate(doc)
    print("valid", source)
"#;

#[test]
fn every_document_validates_as_openapi_3_1() {
    let seed = RunningServer::start(rosetta_examples::seed_server());
    let shop = RunningServer::start(rosetta_examples::shop_server());
    let mut sources = vec![
        format!("{}/openapi.json", seed.url()),
        format!("{}/openapi.json", shop.url()),
    ];
    let dir = std::env::temp_dir().join(format!("rosetta-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let examples = workspace_root().join("idl-examples");
    for entry in std::fs::read_dir(&examples)
        .expect("idl-examples")
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "idl") {
            continue;
        }
        let c = rosetta_codegen::compile(
            std::slice::from_ref(&path),
            &rosetta_codegen::Options::default(),
        );
        let rendered = c.render_diagnostics();
        let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
        let files = rosetta_codegen::emit::openapi::generate(&ir).expect("openapi target");
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        let out = dir.join(format!("{stem}.json"));
        std::fs::write(&out, &files[0].contents).expect("write document");
        sources.push(out.to_string_lossy().into_owned());
    }
    let args: Vec<&str> = sources.iter().map(String::as_str).collect();
    let out = run_python(&tier2_python(), VALIDATE, &args, Duration::from_secs(120));
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().count(), sources.len(), "{stdout}");
}
