//! validator1 from Python's standard library: `scripts/validator1-client.py` (written from the
//! public validator1 description) against the example crate's validator1 server, with random
//! inputs over several rounds — 8/8, plus the five entities spelled as entities, `<i8>` and
//! `<nil/>` echoed exactly.
#![cfg(feature = "server")]

use std::time::Duration;

use rosetta_tests::{RunningServer, run_python, stdlib_python, workspace_root};

#[test]
fn python_validator1_client_passes_8_of_8() {
    let s = RunningServer::start(rosetta_examples::validator1_server());
    let script = std::fs::read_to_string(workspace_root().join("scripts/validator1-client.py"))
        .expect("scripts/validator1-client.py");
    let out = run_python(
        &stdlib_python(),
        &script,
        &[&format!("{}/RPC2", s.url()), "4"],
        Duration::from_secs(120),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("validator1: 8/8 passed"),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
